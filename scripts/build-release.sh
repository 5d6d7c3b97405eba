#!/usr/bin/env bash
# The one release build that the stages, the demo and the examples use: claw (the CLI),
# libclaw (the C ABI) and claw-gateway, in one cargo invocation.
#
# Cargo unifies the dependencies' features over the packages selected, so `-p claw-ffi` in one
# stage and `-p claw-cli` in another compile the dependencies and claw-core once per selection
# (in CI that was three release builds of the same tree). One selection everywhere compiles
# them once; every later call is a no-op. Honours CARGO_TARGET_DIR.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --quiet -p claw-cli -p claw-ffi -p claw-gateway
