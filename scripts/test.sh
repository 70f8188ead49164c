#!/usr/bin/env bash
# The whole test suite: unit tests, protocol tests over pty pairs, the intake simulator
# over loopback HTTP, and the headless UI journey. Screenshots land in target/screenshots/.
set -euo pipefail
cd "$(dirname "$0")/.."
# --run: the appliance test starts the kiosk as a process on a virtual display (Xvfb).
scripts/setup.sh --run
cargo test --workspace --locked "$@"
# The production build (the .deb's) must compile without the demo feature; the test
# production_build.rs proves with `cargo tree` that it holds no development tool.
cargo check --locked -p kiosk --no-default-features
