#!/usr/bin/env bash
# Shared state on a real Redis (docs/SPEC.md §9): installs Debian's redis-server where it is
# missing; every test starts its own redis-server on a free loopback port and stops it
# (claw_store::testing::RedisServer, or the trap below), so nothing is left running.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v redis-server >/dev/null 2>&1; then
  echo "installing redis-server (apt-get)"
  if [ "$(id -u)" -eq 0 ]; then SUDO=; else SUDO=sudo; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq redis-server >/dev/null
fi
# Debian's package starts a system service on :6379; the tests never use it.
redis-server --version
# Rust: exactly-once across threads, instances and 4 processes x 8 threads x 1,000 tokens;
# propagation; outage and recovery; data loss; garbage in the store.
# CLI: claw cst verify --state / claw cst revoke --state (tests/cli.rs runs the binary).
cargo build -p claw-cli --quiet
cargo test -p claw-store
