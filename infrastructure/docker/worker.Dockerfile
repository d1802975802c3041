# The benchrunner worker: minion lanes and the publish queue. Build from the repository root:
#   docker build -f infrastructure/docker/worker.Dockerfile .
FROM node:20-bookworm-slim

# ssh, rsync and ansible drive SSH minions; git prepares the target on the local minion.
RUN apt-get update \
  && apt-get install -y --no-install-recommends openssh-client rsync ansible git ca-certificates procps \
  && rm -rf /var/lib/apt/lists/*
# pnpm from npm rather than corepack: corepack refuses registries whose metadata has no signatures.
RUN npm install --global pnpm@10.34.9 tsx@4.23.15 && npm cache clean --force

WORKDIR /app
COPY . .
RUN pnpm install --frozen-lockfile --prod --filter "@benchrunner/worker..." && pnpm store prune

ENV NODE_ENV=production \
    DATA_DIR=/data
RUN mkdir -p /data && chown node:node /data
VOLUME ["/data"]
USER node
CMD ["tsx", "apps/worker/src/main.ts"]
