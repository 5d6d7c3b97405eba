#!/usr/bin/env bash
# Rust: formatting, lints, and every test of the workspace.
set -euo pipefail
cd "$(dirname "$0")/.."
echo "== rust: fmt"
cargo fmt --all --check
echo "== rust: clippy"
cargo clippy --workspace --all-targets --quiet -- -D warnings
echo "== rust: python jsonschema (evidence schema test)"
python3 -c 'import jsonschema, rfc3339_validator' 2>/dev/null || python3 -m pip install --quiet jsonschema rfc3339-validator
echo "== rust: tests"
# claw-store needs redis-server: its tests run in the redis stage (scripts/test-redis.sh).
cargo test --workspace --exclude claw-store --quiet 2>&1 | tee "${TMPDIR:-/tmp}/claw-rust-tests.log"
echo "== rust: README quick start"
cargo run --quiet -p claw-core --example quickstart
