# darkscope: `darkscope serve` (and the CLI) in a small Node image.
# Build stage compiles TypeScript and bundles the web view; the runtime stage has production
# dependencies, dist/, bin/ and the SQL migrations, and runs as the
# unprivileged `node` user.

FROM node:22-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
# --ignore-scripts: `prepare` (npm run build) needs the sources, copied below.
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
# The server (tsc) and the web view's bundle (esbuild, into dist/web).
RUN npm run build \
 && npm prune --omit=dev --ignore-scripts --no-audit --no-fund

FROM node:22-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build /app/package.json ./package.json
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY bin ./bin
# migrate reads the .sql files at run time (dist/store/migrate.js looks in src/store/migrations).
COPY src/store/migrations ./src/store/migrations
USER node
EXPOSE 8080
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:8080/healthz/ready').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
ENTRYPOINT ["node", "/app/bin/darkscope.js"]
CMD ["serve", "--host", "0.0.0.0"]
