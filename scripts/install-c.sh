#!/usr/bin/env bash
# Install the C library, header and pkg-config file.
# Usage: [DESTDIR=/staging] [PREFIX=/usr/local] [LIBDIR=PREFIX/lib] [CLAW_SKIP_BUILD=1] scripts/install-c.sh [PREFIX]
#   PREFIX/include/claw.h
#   LIBDIR/libclaw.so.X.Y.Z (stripped, SONAME libclaw.so.0.MINOR while the major version is 0,
#          else libclaw.so.MAJOR), the SONAME link and libclaw.so -> it; LIBDIR/libclaw.a
#   LIBDIR/pkgconfig/claw.pc (its prefix is PREFIX: DESTDIR is only where files are staged)
# Then: cc app.c $(pkg-config --cflags --libs claw); outside the dynamic loader's paths add
# -Wl,-rpath,$(pkg-config --variable=libdir claw) or set LD_LIBRARY_PATH.
set -euo pipefail
cd "$(dirname "$0")/.."
prefix=${1:-${PREFIX:-/usr/local}}
case $prefix in /*) ;; *) prefix=$(pwd)/$prefix ;; esac
libdir=${LIBDIR:-$prefix/lib}
destdir=${DESTDIR:-}
target=${CARGO_TARGET_DIR:-$(pwd)/target}
# CLAW_SKIP_BUILD=1: the caller built libclaw already (the test stages use
# scripts/build-release.sh, one build for every stage).
[ "${CLAW_SKIP_BUILD:-0}" = 1 ] || cargo build --release -p claw-ffi --quiet
version=$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -1)
major=${version%%.*}
rest=${version#*.}
minor=${rest%%.*}
if [ "$major" = 0 ]; then soname=libclaw.so.0.$minor; else soname=libclaw.so.$major; fi
# The SONAME the build gave the library must be the one installed under (claw-ffi/build.rs).
if command -v readelf >/dev/null; then
  built=$(readelf -d "$target/release/libclaw.so" | sed -n 's/.*(SONAME).*\[\(.*\)\]/\1/p')
  [ "$built" = "$soname" ] || { echo "install-c.sh: libclaw.so has SONAME '$built', expected $soname" >&2; exit 1; }
fi
lib=$destdir$libdir
inc=$destdir$prefix/include
mkdir -p "$lib/pkgconfig" "$inc"
install -m 0755 "$target/release/libclaw.so" "$lib/libclaw.so.$version"
strip --strip-unneeded "$lib/libclaw.so.$version"
ln -sfn "libclaw.so.$version" "$lib/$soname"
ln -sfn "$soname" "$lib/libclaw.so"
install -m 0644 "$target/release/libclaw.a" "$lib/libclaw.a"
strip --strip-debug "$lib/libclaw.a"
install -m 0644 include/claw.h "$inc/claw.h"
sed -e "s|@PREFIX@|$prefix|" -e "s|@LIBDIR@|$libdir|" -e "s|@VERSION@|$version|" claw-ffi/claw.pc.in > "$lib/pkgconfig/claw.pc"
chmod 0644 "$lib/pkgconfig/claw.pc"
echo "installed claw $version to $destdir$prefix"
