#!/usr/bin/env bash
# Debian packages camwatch needs on a box (ffmpeg) and for its tests (mosquitto broker, GStreamer RTSP
# server, openssl for TLS test certificates, strace for the no-telemetry test). Idempotent: installs only
# what is missing. Run as root.
set -euo pipefail

runtime=(ffmpeg)
testing=(mosquitto mosquitto-clients openssl fonts-dejavu-core strace python3-gi gir1.2-gst-rtsp-server-1.0
  gstreamer1.0-plugins-base gstreamer1.0-plugins-good gstreamer1.0-plugins-bad
  gstreamer1.0-plugins-ugly gstreamer1.0-libav)
# procps: tests read an ffmpeg's command line with ps as another user (util-linux's runuser is essential).
testing+=(procps)
# chromium: the console's browser tests (test/integration/console-browser.test.ts), driven by playwright-core.
testing+=(chromium)

want=("${runtime[@]}")
[ "${1:-}" = "--runtime-only" ] || want+=("${testing[@]}")

missing=()
for pkg in "${want[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "system deps: all present (${#want[@]} packages)"
  exit 0
fi
echo "system deps: installing ${missing[*]}"
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "system deps: installed"
