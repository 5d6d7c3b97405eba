#!/usr/bin/env bash
# Shared state on a real Redis (docs/SPEC.md §9): installs Debian's redis-server where it is
# missing; every test starts its own redis-server on a free loopback port and stops it
# (claw_store::testing::RedisServer, or the trap below), so nothing is left running.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/ensure-redis.sh
redis-server --version
# Rust: exactly-once across threads, instances and 4 processes x 8 threads x 1,000 tokens;
# propagation; outage and recovery; data loss; garbage in the store (tests/redis.rs).
# A real Redis Cluster (3 primaries, redis-cli --cluster create) and a Sentinel with a primary
# and a replica, failover included (tests/topologies.rs); every server is killed on drop.
# CLI: claw cst verify --state / claw cst revoke --state (tests/cli.rs runs the binary).
# Three claw-gateway processes on one Redis: claw-gateway/tests/shared_state.rs (gateway stage).
cargo build -p claw-cli --quiet
cargo test -p claw-store
