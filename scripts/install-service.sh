#!/usr/bin/env bash
# Installs or upgrades camwatch as a systemd service on a Debian box:
#   /opt/camwatch (code), /etc/camwatch/camwatch.yaml (config, kept on upgrade: a link to editable/camwatch.yaml,
#   which the agent may write), /etc/camwatch/secrets (read-only to the agent), /var/lib/camwatch (store),
#   user and group camwatch, `camwatch` on the PATH. Runs `camwatch doctor` before (re)starting.
# Usage: sudo scripts/install-service.sh [--no-start]
# Needs Node.js >= 20.19 on the PATH (Debian 12's own nodejs is 18: use NodeSource or the official tarball).
set -euo pipefail
src="$(cd "$(dirname "$0")/.." && pwd)"
prefix=/opt/camwatch
etc=/etc/camwatch
no_start=false
case "${1:-}" in
  --no-start) no_start=true ;;
  "") ;;
  *) echo "usage: sudo $0 [--no-start]" >&2; exit 2 ;;
esac
[ "$(id -u)" -eq 0 ] || { echo "run as root: sudo $0" >&2; exit 1; }
# The script replaces the code under $prefix: run from there, it would delete itself mid-way.
[ "$src" != "$prefix" ] || { echo "run this from a git checkout or release folder, not from $prefix" >&2; exit 1; }

node="$(command -v node || true)"
[ -n "$node" ] || { echo "node not found: install Node.js >= 20.19 first" >&2; exit 1; }
if ! "$node" -e 'const [a,b]=process.versions.node.split(".").map(Number); process.exit(a>20||(a===20&&b>=19)?0:1)'; then
  echo "$node is Node.js $("$node" --version); camwatch needs >= 20.19" >&2
  exit 1
fi

bash "$src/scripts/install-system-deps.sh" --runtime-only
id camwatch >/dev/null 2>&1 || useradd --system --user-group --home-dir /var/lib/camwatch --shell /usr/sbin/nologin camwatch
# Hardware decoding (vaapi/qsv) opens /dev/dri/*, owned by these groups where the box has them.
for g in video render; do
  if getent group "$g" >/dev/null; then usermod -aG "$g" camwatch; fi
done

echo "copying code to $prefix"
mkdir -p "$prefix"
# An upgrade must not keep files the new version no longer has (old compiled modules in dist/ would still load).
rm -rf "${prefix:?}/agent" "${prefix:?}/bin" "${prefix:?}/dist" "${prefix:?}/scripts" "${prefix:?}/docs" "${prefix:?}/console-ui"
cp -a "$src/package.json" "$src/package-lock.json" "$src/.npmrc" "$src/tsconfig.json" "$src/tsconfig.build.json" \
  "$src/bin" "$src/agent" "$src/models" "$src/scripts" "$src/config" "$src/docs" "$src/README.md" "$prefix/"
# The web console's page (docs/console.md), served by the agent from the package root.
if [ -d "$src/console-ui" ]; then cp -a "$src/console-ui" "$prefix/"; fi
# Root-owned: the service runs this code, so the technician's user must not be able to change it. Before
# npm ci, because npm running as root runs install scripts as the owner of the folder.
chown -R root:root "$prefix"
cd "$prefix"
ONNXRUNTIME_NODE_INSTALL=skip npm ci --no-audit --no-fund
npm run build
node scripts/fetch-assets.mjs --box || echo "WARNING: models missing; see docs/operations.md 'Models' before starting" >&2
npm prune --omit=dev --no-audit --no-fund

# Secrets read-only to the agent; the config in $etc/editable/ (the agent's to save from the web console),
# linked from $etc/camwatch.yaml; an older install's plain file is moved there (scripts/systemd/config-layout.sh).
example="$(mktemp)"
sed -f scripts/systemd/etc-config.sed config/camwatch.example.yaml > "$example"
bash scripts/systemd/config-layout.sh "$etc" "$example" camwatch camwatch root
rm -f "$example"
install -d -m 0750 -o camwatch -g camwatch /var/lib/camwatch
ln -sf "$prefix/bin/camwatch.js" /usr/local/bin/camwatch

sed "s#/usr/bin/node #$node #" scripts/systemd/camwatch.service > /etc/systemd/system/camwatch.service
chmod 0644 /etc/systemd/system/camwatch.service
systemctl daemon-reload
systemctl enable camwatch

# As the service user: what it can read is what the agent will be able to read.
runuser -u camwatch -- "$node" "$prefix/bin/camwatch.js" doctor --config "$etc/camwatch.yaml" ||
  echo "camwatch doctor found problems (FAIL lines above): fix them, then: sudo systemctl restart camwatch" >&2
if [ "$no_start" = false ]; then
  systemctl restart camwatch
  echo "started. Status: camwatch status   Logs: journalctl -u camwatch -f | npx pino-pretty"
else
  echo "installed, not started: sudo systemctl start camwatch"
fi
