# camwatch edge agent. Models are NOT baked in: mount them (docker run -v /srv/camwatch/models:/app/models:ro).
# Build: docker build -t camwatch .   Run: see README "Docker".
FROM node:20-bookworm-slim AS build
WORKDIR /app
ENV ONNXRUNTIME_NODE_INSTALL=skip
# better-sqlite3 compiles from source when no prebuilt binary matches.
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json .npmrc ./
RUN npm ci
COPY tsconfig.json tsconfig.build.json ./
COPY agent ./agent
RUN npm run build && npm prune --omit=dev

FROM node:20-bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends ffmpeg tini && rm -rf /var/lib/apt/lists/* \
 && useradd --system --uid 10001 --home /app camwatch
WORKDIR /app
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
COPY bin ./bin
COPY models/manifest.json ./models/manifest.json
COPY models/classes ./models/classes
COPY config/camwatch.example.yaml ./config/camwatch.example.yaml
RUN mkdir -p /app/var && chown camwatch /app/var
USER camwatch
VOLUME ["/app/models", "/app/var"]
ENV NODE_ENV=production
EXPOSE 9464
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
  CMD node -e "fetch('http://127.0.0.1:9464/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
ENTRYPOINT ["/usr/bin/tini", "--", "node", "bin/camwatch.js"]
CMD ["run", "--config", "/app/config/camwatch.yaml"]
