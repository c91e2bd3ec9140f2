# camwatch edge agent. Model weights are NOT baked in: mount a folder holding the .onnx files at
# /app/weights (read-only). Config at /app/config/camwatch.yaml, store in the /app/var volume.
# Build: docker build -t camwatch .   Run: docs/operations.md "Docker".

FROM node:20-bookworm-slim AS build
WORKDIR /app
ENV ONNXRUNTIME_NODE_INSTALL=skip
# better-sqlite3 compiles from source when no prebuilt binary matches.
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json .npmrc ./
# npm ci runs `prepare`, which copies the console page's libraries from node_modules into console-ui/assets/vendor/.
COPY scripts/console-vendor.mjs ./scripts/
COPY console-ui ./console-ui
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY agent ./agent
RUN npm run build && npm prune --omit=dev --no-audit --no-fund

# Same base as the build stage: the native modules (better-sqlite3, sharp, onnxruntime) match its libc.
FROM node:20-bookworm-slim
# Debian's ffmpeg: H.264/H.265 decoders and RTSP. tini: PID 1 that forwards SIGTERM/SIGHUP and reaps ffmpeg.
RUN apt-get update && apt-get install -y --no-install-recommends ffmpeg tini && rm -rf /var/lib/apt/lists/* \
 && groupadd --system --gid 10001 camwatch \
 && useradd --system --uid 10001 --gid 10001 --home-dir /app --shell /usr/sbin/nologin camwatch
WORKDIR /app
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY --from=build /app/console-ui ./console-ui
COPY package.json ./
COPY bin ./bin
COPY models/manifest.json ./models/manifest.json
COPY models/classes ./models/classes
COPY config/camwatch.example.yaml ./config/camwatch.example.yaml
# The manifest and class lists ship with the code (they must match it); only the weights are mounted. Each
# model file the manifest names is a link into /app/weights, so the example config's models.dir (../models)
# works unchanged and a missing weight shows in `camwatch doctor` as that file missing.
RUN node -e "const fs=require('fs');for(const m of JSON.parse(fs.readFileSync('models/manifest.json','utf8')).models)fs.symlinkSync('/app/weights/'+m.file,'models/'+m.file)" \
 && mkdir -p /app/weights /app/var && chown camwatch:camwatch /app/var \
 && ln -s /app/bin/camwatch.js /usr/local/bin/camwatch
# Numeric, so Kubernetes' runAsNonRoot can check it.
USER 10001:10001
VOLUME ["/app/weights", "/app/var"]
ENV NODE_ENV=production
# Fewer glibc malloc arenas: ~20-35 MB less RSS with onnxruntime + sharp + a worker thread (see the systemd unit).
ENV MALLOC_ARENA_MAX=2
# Pipe reads, frames and tensors mmap'd and returned when freed (see the systemd unit).
ENV MALLOC_MMAP_THRESHOLD_=65536
# A V8 nursery of 2 x 4 MiB, not 2 x 16: ~15-55 MB less RSS, no more CPU (see the systemd unit).
ENV NODE_OPTIONS=--max-semi-space-size=4
# The health server listens on 127.0.0.1 by default (health.host): reachable with --network host, or set
# health.host: 0.0.0.0 to publish it with -p 9464:9464.
EXPOSE 9464
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
  CMD node -e "fetch('http://127.0.0.1:9464/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
ENTRYPOINT ["/usr/bin/tini", "--", "node", "bin/camwatch.js"]
CMD ["run", "--config", "/app/config/camwatch.yaml"]
