# The benchrunner worker: minion lanes and the publish queue. Build from the repository root:
#   docker build -f infrastructure/docker/worker.Dockerfile .
# The builder bundles apps/worker/src/main.ts with esbuild (scripts/build-app.mjs); the image runs plain
# `node dist/main.js`: no tsx loader, no dev dependencies.
FROM node:20-bookworm-slim AS builder
# pnpm from npm rather than corepack: corepack refuses registries whose metadata has no signatures.
RUN npm install --global pnpm@10.34.9 && npm cache clean --force
WORKDIR /app
COPY . .
# Install, bundle, then deploy the app with its production dependencies only into /out (its own
# folder: package.json, node_modules and the dist/ just built). The bundle needs the one package it
# leaves external, the ssh2 addon (with its optional native parts), from apps/worker/dist.
RUN pnpm install --frozen-lockfile --filter "@benchrunner/worker..." \
  && pnpm --filter @benchrunner/worker run build \
  && pnpm --filter @benchrunner/worker deploy --prod --legacy /out

FROM node:20-bookworm-slim
# ssh, rsync and ansible drive SSH minions; git prepares the target on the local minion.
RUN apt-get update \
  && apt-get install -y --no-install-recommends openssh-client rsync ansible git ca-certificates procps \
  && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY --from=builder /out/package.json ./apps/worker/package.json
COPY --from=builder /out/node_modules ./apps/worker/node_modules
COPY --from=builder /out/dist ./apps/worker/dist
# The minion playbook: packages/ansible finds it three folders up from the bundle, at
# /app/infrastructure/ansible/playbooks/minion.yaml, as it does from its source in the repository.
COPY --from=builder /app/infrastructure/ansible ./infrastructure/ansible
# The embedded suite (SUITE_FILE defaults to examples/suite.yaml; mount your own over it).
COPY --from=builder /app/examples ./examples

ENV NODE_ENV=production \
    DATA_DIR=/data
RUN mkdir -p /data && chown node:node /data
VOLUME ["/data"]
USER node
# dist/main.js.map is beside the bundle; NODE_OPTIONS=--enable-source-maps maps stack traces to the
# TypeScript sources, at the cost of ~35 MB of resident memory (measured on the worker).
CMD ["node", "apps/worker/dist/main.js"]
