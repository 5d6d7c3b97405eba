#!/usr/bin/env bash
# Rust: formatting, lints, and every test of the workspace.
set -euo pipefail
cd "$(dirname "$0")/.."
echo "== rust: fmt"
cargo fmt --all --check
echo "== rust: clippy"
cargo clippy --workspace --all-targets --quiet -- -D warnings
echo "== rust: tests"
cargo test --workspace --quiet 2>&1 | tee "${TMPDIR:-/tmp}/claw-rust-tests.log"
