#!/usr/bin/env bash
# Rust: formatting, lints, and every test of the workspace.
set -euo pipefail
cd "$(dirname "$0")/.."
echo "== rust: fmt"
cargo fmt --all --check
echo "== rust: clippy"
cargo clippy --workspace --all-targets --quiet -- -D warnings
echo "== rust: cargo doc (every crate: no broken links; claw-core: every public item documented)"
# claw-core's lib.rs has #![warn(missing_docs)]: clippy -D warnings above and rustdoc
# -D warnings here turn an undocumented public item into a failure.
RUSTDOCFLAGS="-D warnings" cargo doc --workspace --no-deps --quiet
echo "== rust: python jsonschema (evidence schema test)"
python3 -c 'import jsonschema, rfc3339_validator' 2>/dev/null || python3 -m pip install --quiet jsonschema rfc3339-validator
echo "== rust: tests"
# claw-store's tests need redis-server: they run in the redis stage (scripts/test-redis.sh);
# claw-gateway's in the gateway stage (scripts/test-gateway.sh), once.
cargo test --workspace --exclude claw-store --exclude claw-gateway --quiet 2>&1 | tee "${TMPDIR:-/tmp}/claw-rust-tests.log"
# The doc examples of the main entry points ran above (cargo test runs doctests); fail if one
# of them is gone.
doctests=$(cargo test -p claw-core --doc --quiet -- --list 2>/dev/null)
for entry in 'json::parse' 'CompiledPolicy::decide' 'cst::validate::validate' 'cst (line' \
             'recorder::Recorder' 'verify::verify_bundle' 'trust_pulse_from_bundle'; do
  grep -qF -- "$entry" <<<"$doctests" || { echo "test-rust: claw-core lost its doc example for $entry" >&2; exit 1; }
done
echo "claw-core doc examples: $(grep -c ': test$' <<<"$doctests")"
echo "== rust: README quick start"
cargo run --quiet -p claw-core --example quickstart
