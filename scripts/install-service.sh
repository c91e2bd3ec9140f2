#!/usr/bin/env bash
# Installs camwatch as a systemd service on a Debian box:
#   /opt/camwatch (code), /etc/camwatch/camwatch.yaml (config), /var/lib/camwatch (store), user camwatch.
# Usage: sudo scripts/install-service.sh [--no-start]
set -euo pipefail
src="$(cd "$(dirname "$0")/.." && pwd)"
[ "$(id -u)" -eq 0 ] || { echo "run as root (sudo $0)"; exit 1; }

bash "$src/scripts/install-system-deps.sh" --runtime-only
id camwatch >/dev/null 2>&1 || useradd --system --home /var/lib/camwatch --shell /usr/sbin/nologin camwatch
for g in video render; do getent group "$g" >/dev/null && usermod -aG "$g" camwatch; done

echo "copying code to /opt/camwatch"
mkdir -p /opt/camwatch
cp -a "$src/package.json" "$src/package-lock.json" "$src/.npmrc" "$src/tsconfig.json" "$src/tsconfig.build.json" \
  "$src/bin" "$src/agent" "$src/models" "$src/scripts" "$src/config" "$src/README.md" /opt/camwatch/
cd /opt/camwatch
ONNXRUNTIME_NODE_INSTALL=skip npm ci
npm run build
node scripts/fetch-assets.mjs || echo "WARNING: models missing; see README 'Models' before starting"
npm prune --omit=dev

mkdir -p /etc/camwatch /var/lib/camwatch
if [ ! -f /etc/camwatch/camwatch.yaml ]; then
  sed 's#dataDir: .*#dataDir: /var/lib/camwatch#; s#dir: \./models\b.*#dir: /opt/camwatch/models#; s#manifest: .*#manifest: /opt/camwatch/models/manifest.json#' \
    config/camwatch.example.yaml > /etc/camwatch/camwatch.yaml
  echo "wrote /etc/camwatch/camwatch.yaml from the example: edit cameras and mqtt, then: camwatch config validate /etc/camwatch/camwatch.yaml"
fi
chown -R camwatch:camwatch /var/lib/camwatch
chmod 750 /etc/camwatch
chgrp -R camwatch /etc/camwatch
ln -sf /opt/camwatch/bin/camwatch.js /usr/local/bin/camwatch

install -m 0644 scripts/systemd/camwatch.service /etc/systemd/system/camwatch.service
systemctl daemon-reload
systemctl enable camwatch
[ "${1:-}" = "--no-start" ] || systemctl restart camwatch
echo "installed. Logs: journalctl -u camwatch -f | npx pino-pretty"
