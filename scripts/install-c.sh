#!/usr/bin/env bash
# Install the C library, header and pkg-config file: PREFIX/{lib,include,lib/pkgconfig}.
# Usage: scripts/install-c.sh PREFIX   (then: cc app.c $(pkg-config --cflags --libs claw))
set -euo pipefail
cd "$(dirname "$0")/.."
prefix=${1:?usage: install-c.sh PREFIX}
target=${CARGO_TARGET_DIR:-$(pwd)/target}
cargo build --release -p claw-ffi --quiet
version=$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -1)
mkdir -p "$prefix/lib/pkgconfig" "$prefix/include"
cp "$target/release/libclaw.so" "$target/release/libclaw.a" "$prefix/lib/"
cp include/claw.h "$prefix/include/"
sed -e "s|@PREFIX@|$prefix|" -e "s|@VERSION@|$version|" claw-ffi/claw.pc.in > "$prefix/lib/pkgconfig/claw.pc"
echo "installed claw $version to $prefix"
