#!/usr/bin/env bash
# Installs the Debian packages the kiosk needs, only those missing.
#   scripts/setup.sh          build + test needs (C compiler, pkg-config, fontconfig and KMS/input headers)
#   scripts/setup.sh --run    also what a window needs (X11/Wayland client libraries, Xvfb)
set -euo pipefail

# libinput, xkbcommon and libudev: Slint's LinuxKMS backend (touch and keys without a
# desktop), which the product build always contains.
# systemd (systemd-analyze) and dpkg-dev (dpkg-shlibdeps): tests/packaging.rs builds the
# .deb with scripts/package.sh and verifies its units.
# espeak-ng and alsa-utils (aplay): the voice prompts; their tests synthesise every prompt.
pkgs=(build-essential pkg-config libfontconfig1-dev libinput-dev libxkbcommon-dev libudev-dev systemd dpkg-dev espeak-ng alsa-utils)
# libzinnia-dev (build.rs links -lzinnia) and Zinnia's Simplified Chinese model: 手写,
# which tests/handwriting.rs runs on tests/data/strokes/.
pkgs+=(libzinnia-dev tegaki-zinnia-simplified-chinese)
if [[ "${1:-}" == "--run" ]]; then
  pkgs+=(libxkbcommon-x11-0 libx11-xcb1 libxcursor1 libxrandr2 libxi6 libwayland-client0 libwayland-cursor0 xvfb xauth)
fi

# The intake contract test (tests/intake_contract.rs) runs schemathesis from PyPI: into
# the Python on PATH if pip may install there, else into a venv the test looks for.
command -v python3 >/dev/null 2>&1 || pkgs+=(python3 python3-venv)
venv="$(dirname "$0")/../target/contract-venv"
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [[ ${#missing[@]} -gt 0 ]]; then
  echo "setup: installing ${missing[*]}" >&2
  sudo=""
  [[ $(id -u) -ne 0 ]] && sudo="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq
  $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if ! python3 -c "import schemathesis" >/dev/null 2>&1 && ! [[ -x "$venv/bin/python3" ]]; then
  echo "setup: installing schemathesis (pip)" >&2
  if ! python3 -m pip install --quiet "schemathesis>=4,<5" 2>/dev/null; then
    python3 -m venv "$venv"
    "$venv/bin/python3" -m pip install --quiet "schemathesis>=4,<5"
  fi
fi
