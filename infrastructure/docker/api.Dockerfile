# The benchrunner HTTP API. Build from the repository root:
#   docker build -f infrastructure/docker/api.Dockerfile .
# The builder bundles apps/api/src/main.ts with esbuild (scripts/build-app.mjs); the image runs plain
# `node dist/main.js`: no tsx loader, no dev dependencies.
FROM node:20-bookworm-slim AS builder
# pnpm from npm rather than corepack: corepack refuses registries whose metadata has no signatures.
RUN npm install --global pnpm@10.34.9 && npm cache clean --force
WORKDIR /app
COPY . .
# Install, bundle, then deploy the app with its production dependencies only into /out (its own
# folder: package.json, node_modules and the dist/ just built). The bundle needs the packages it
# leaves external, @bull-board/ui and swagger-ui-dist (it serves their files), from apps/api/dist.
RUN pnpm install --frozen-lockfile --filter "@benchrunner/api..." \
  && pnpm --filter @benchrunner/api run build \
  && pnpm --filter @benchrunner/api deploy --prod --legacy /out

FROM node:20-bookworm-slim
WORKDIR /app
COPY --from=builder /out/package.json ./apps/api/package.json
COPY --from=builder /out/node_modules ./apps/api/node_modules
COPY --from=builder /out/dist ./apps/api/dist
# The embedded suite (SUITE_FILE defaults to examples/suite.yaml; mount your own over it).
COPY --from=builder /app/examples ./examples

ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=3000 \
    DATA_DIR=/data
RUN mkdir -p /data && chown node:node /data
VOLUME ["/data"]
EXPOSE 3000
USER node
HEALTHCHECK --interval=15s --timeout=5s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 3000) + '/health').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# dist/main.js.map is beside the bundle; NODE_OPTIONS=--enable-source-maps maps stack traces to the
# TypeScript sources, at the cost of ~35 MB of resident memory (measured on the worker).
CMD ["node", "apps/api/dist/main.js"]
