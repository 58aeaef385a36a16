# Pushy in a container: docs/docker.md. Configured by PUSHY_* environment variables (every
# option has one), or by a config file mounted and named as the argument:
#   docker run -p 8123:8123 -e PUSHY_SECRET_KEY=... pushy
#   docker run -v $PWD/pushy.json:/etc/pushy.json:ro pushy --config /etc/pushy.json

# Build stage: the TypeScript compiler and esbuild, which the image does not need.
FROM node:20-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
# --ignore-scripts: "prepare" would build before the sources are here; esbuild's own install
# script is then run by itself.
RUN npm ci --ignore-scripts --no-audit --no-fund && npm rebuild esbuild
COPY tsconfig.json pushy-server.ts ./
COPY scripts ./scripts
COPY lib ./lib
COPY commands ./commands
COPY client ./client
RUN npm run build

# Runtime stage: production dependencies and the compiled server, owned by root and run by the
# unprivileged "node" user of the base image, so the server cannot change its own code.
FROM node:20-slim AS runtime
ENV NODE_ENV=production
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/dist ./dist
COPY admin-ui ./admin-ui
COPY config.example.json LICENSE ./
ENV PUSHY_HOST=0.0.0.0 PUSHY_PORT=8123
EXPOSE 8123
USER node
# Ready (not just alive): 503 while draining or while Redis is away. Node's fetch, as the slim
# image has no curl.
HEALTHCHECK --interval=10s --timeout=5s --start-period=10s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PUSHY_PORT || 8123) + '/pushy/ready', { signal: AbortSignal.timeout(4000) }).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# SIGTERM (docker stop) closes every socket with a SockJS close frame, then exits 0.
STOPSIGNAL SIGTERM
ENTRYPOINT ["node", "dist/pushy-server.js"]
CMD []
