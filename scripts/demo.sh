#!/usr/bin/env bash
# Starts the kiosk in demo mode: emulated devices (the ID-card reader speaks SAM on a
# pty), the intake simulator in-process on loopback, SQLite under ./kiosk-data.
# Without a display it runs on a virtual one (Xvfb); see scripts/screenshots.sh to look.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --run
cargo build --locked -p kiosk
if [[ -n "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ]]; then
  exec target/debug/kiosk --demo "$@"
fi
echo "demo: no display found; running on a virtual 1080x1920 display (Xvfb)." >&2
exec xvfb-run -a -s "-screen 0 1080x1920x24" target/debug/kiosk --demo "$@"
