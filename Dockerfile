# Dependencies exactly as package-lock.json pins them, installed by npm (the lockfile's own tool;
# `bun install --frozen-lockfile` reads only bun.lock). Left out: dev dependencies; optional ones,
# which are only the `bun` npm package's 100 MB binaries (the runtime image brings its own Bun) and
# macOS' fsevents; and install scripts, which no runtime dependency needs.
FROM node:20.20.2-bookworm-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --omit=optional --ignore-scripts --no-audit --no-fund

FROM oven/bun:1.4.5-slim
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY package.json tsconfig.json bunfig.toml ./
COPY src ./src
# NODE_ENV=production: a missing Redis is reported, never replaced by a private one.
ENV HOST=0.0.0.0 PORT=8000 NODE_ENV=production
EXPOSE 8000
# The code stays root-owned and read-only to the server, which runs as the image's unprivileged user.
USER bun
# Liveness only (/healthz): a proxy that still serves local hits while Redis is away stays healthy;
# readiness (/readyz) is for load balancers. No curl in the image: Bun's fetch does the check.
HEALTHCHECK --interval=10s --timeout=3s --start-period=15s --retries=3 \
  CMD ["bun", "-e", "const r = await fetch(`http://127.0.0.1:${process.env.PORT}/healthz`).catch(() => null); process.exit(r?.ok ? 0 : 1)"]
# One plain command, so that SIGTERM from the engine reaches the server itself.
CMD ["bun", "src/main.ts"]
