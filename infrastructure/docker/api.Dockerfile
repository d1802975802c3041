# The benchrunner HTTP API. Build from the repository root:
#   docker build -f infrastructure/docker/api.Dockerfile .
FROM node:20-bookworm-slim

# pnpm from npm rather than corepack: corepack refuses registries whose metadata has no signatures.
RUN npm install --global pnpm@10.34.9 tsx@4.23.15 && npm cache clean --force

WORKDIR /app
COPY . .
RUN pnpm install --frozen-lockfile --prod --filter "@benchrunner/api..." && pnpm store prune

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
CMD ["tsx", "apps/api/src/main.ts"]
