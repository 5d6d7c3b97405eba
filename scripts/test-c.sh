#!/usr/bin/env bash
# C: compile the C tests against include/claw.h with -Wall -Wextra -Werror, link the shared
# library, and run under valgrind (zero errors, zero definite or indirect leaks).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
target=${CARGO_TARGET_DIR:-$root/target}
cargo build --release -p claw-ffi --quiet
out=$(mktemp -d)
# test_state.c needs a Redis: one on a free loopback port for this run, stopped on exit.
source scripts/ensure-redis.sh
redis_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
redis-server --port "$redis_port" --bind 127.0.0.1 --save '' --appendonly no --daemonize no >/dev/null &
redis_pid=$!
trap 'kill "$redis_pid" 2>/dev/null; rm -rf "$out"' EXIT
export CLAW_TEST_REDIS_URL=redis://127.0.0.1:$redis_port
for t in examples/c/test_*.c; do
  name=$(basename "$t" .c)
  cc -std=c11 -Wall -Wextra -Werror -O1 -g -Iinclude "$t" -L"$target/release" -lclaw -lpthread -ldl -lm -o "$out/$name"
  echo "== c: $name (valgrind)"
  # Rust's runtime keeps "still reachable" buffers; definite/indirect leaks and any error fail.
  RUST_BACKTRACE=0 LD_LIBRARY_PATH="$target/release" valgrind -q --leak-check=full \
    --show-leak-kinds=definite,indirect --errors-for-leak-kinds=definite,indirect \
    --error-exitcode=99 "$out/$name"
done

# Linking in one line through pkg-config, statically (no LD_LIBRARY_PATH needed).
if command -v pkg-config >/dev/null; then
  echo "== c: pkg-config static link"
  bash scripts/install-c.sh "$out/prefix" >/dev/null
  PKG_CONFIG_PATH="$out/prefix/lib/pkgconfig" cc -std=c11 -Wall -Wextra -Werror -Iinclude \
    examples/c/test_claw.c $(PKG_CONFIG_PATH="$out/prefix/lib/pkgconfig" pkg-config --cflags claw) \
    "$out/prefix/lib/libclaw.a" $(PKG_CONFIG_PATH="$out/prefix/lib/pkgconfig" pkg-config --libs-only-l --static claw | sed 's/-lclaw//') \
    -o "$out/static_test"
  "$out/static_test"
  test "$(PKG_CONFIG_PATH="$out/prefix/lib/pkgconfig" pkg-config --modversion claw)" = \
       "$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -1)"
else
  echo "pkg-config not installed: skipping the pkg-config link check" >&2
  exit 1
fi
