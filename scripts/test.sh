#!/usr/bin/env bash
# The whole test suite: unit tests, protocol tests over pty pairs, the intake simulator
# over loopback HTTP, and the headless UI journey. Screenshots land in target/screenshots/.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
cargo test --workspace --locked "$@"
