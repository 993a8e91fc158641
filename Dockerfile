FROM oven/bun:1-slim
WORKDIR /app
COPY package.json package-lock.json ./
RUN bun install --production --frozen-lockfile || bun install --production
COPY tsconfig.json bunfig.toml ./
COPY src ./src
ENV HOST=0.0.0.0 PORT=8000 NODE_ENV=production
EXPOSE 8000
USER bun
# One plain command, so that SIGTERM from the engine reaches the server itself.
CMD ["bun", "src/main.ts"]
