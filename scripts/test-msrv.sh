#!/usr/bin/env bash
# The minimum supported Rust version is real: `cargo check` of every workspace library and
# binary with exactly the toolchain `rust-version` names (Cargo.toml), installed by rustup
# (--profile minimal, ~16 s once; kept in ~/.rustup) and checked into its own target subdir so
# it never invalidates the stable toolchain's artifacts. Tests and benches are not part of the
# claim (dev-dependencies such as proptest need newer toolchains).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
msrv=$(sed -n 's/^rust-version = "\(.*\)"/\1/p' Cargo.toml | head -1)
[ -n "$msrv" ] || { echo "test-msrv: no rust-version in Cargo.toml" >&2; exit 1; }
case $msrv in *.*.*) toolchain=$msrv ;; *) toolchain=$msrv.0 ;; esac
command -v rustup >/dev/null || { echo "test-msrv: rustup is needed to install Rust $toolchain" >&2; exit 1; }
rustup toolchain list | grep -q "^$toolchain-" || rustup toolchain install "$toolchain" --profile minimal
# Every member must inherit the workspace's rust-version (or state its own, checked here too).
for m in $(awk '/^members/ {on = 1} on {print} on && /]/ {exit}' Cargo.toml | grep -o '"[^"]*"' | tr -d '"'); do
  grep -q '^rust-version' "$m/Cargo.toml" || { echo "test-msrv: $m/Cargo.toml states no rust-version" >&2; exit 1; }
done
echo "== msrv: cargo +$toolchain check --workspace --lib --bins --locked"
CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$root/target}/msrv \
  cargo "+$toolchain" check --workspace --lib --bins --locked --quiet
echo "msrv: the workspace builds with Rust $toolchain"
