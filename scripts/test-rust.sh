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
cargo test --workspace --quiet 2>&1 | tee "${TMPDIR:-/tmp}/claw-rust-tests.log"
echo "== rust: README quick start"
cargo run --quiet -p claw-core --example quickstart
