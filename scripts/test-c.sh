#!/usr/bin/env bash
# C: install libclaw into a prefix (scripts/install-c.sh), compile the C tests against
# include/claw.h with -Wall -Wextra -Werror through pkg-config, link the shared library with an
# rpath, and run them under valgrind (zero errors, zero definite or indirect leaks). Then the
# packaging: SONAME, stripped library, DESTDIR/PREFIX, static link, pkg-config version.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
out=$(mktemp -d)
# test_state.c needs a Redis: one on a free loopback port for this run, stopped on exit.
source scripts/ensure-redis.sh
redis_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
redis-server --port "$redis_port" --bind 127.0.0.1 --save '' --appendonly no --daemonize no >/dev/null &
redis_pid=$!
trap 'kill "$redis_pid" 2>/dev/null; rm -rf "$out"' EXIT
export CLAW_TEST_REDIS_URL=redis://127.0.0.1:$redis_port
# test_verify.c: the commit_sig and aggregate_bundle vectors of the shared conformance manifest,
# listed as kind, name, path, expected valid (0/1), accepted reason codes (tab-separated).
source scripts/shared-dir.sh
export CLAW_CONFORMANCE_TSV="$out/conformance.tsv"
python3 - "$CLAW_SHARED_DIR" >"$CLAW_CONFORMANCE_TSV" <<'PY'
import json, sys
shared = sys.argv[1]
manifest = json.load(open(f"{shared}/clawsig/fixtures/protocol-conformance/manifest.v1.json"))
prefix = "packages/schema/fixtures/"
for v in manifest["vectors"]:
    if v["kind"] not in ("commit_sig", "aggregate_bundle"):
        continue
    assert v["path"].startswith(prefix), v["path"]
    codes = v["expected"]["reason_code"]
    codes = codes if isinstance(codes, list) else [codes]
    print("\t".join([v["kind"], v["name"], f"{shared}/clawsig/fixtures/{v['path'][len(prefix):]}",
                     "1" if v["expected"]["valid"] else "0", ",".join(codes)]))
PY
prefix="$out/prefix"
bash scripts/build-release.sh
CLAW_SKIP_BUILD=1 bash scripts/install-c.sh "$prefix" >/dev/null
export PKG_CONFIG_PATH="$prefix/lib/pkgconfig"
version=$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -1)
major=${version%%.*}; rest=${version#*.}; minor=${rest%%.*}
if [ "$major" = 0 ]; then soname=libclaw.so.0.$minor; else soname=libclaw.so.$major; fi
libdir=$(pkg-config --variable=libdir claw)

echo "== c: packaging (SONAME $soname, stripped, links, DESTDIR)"
test "$(readelf -d "$libdir/libclaw.so" | sed -n 's/.*(SONAME).*\[\(.*\)\]/\1/p')" = "$soname"
test "$(readlink "$libdir/libclaw.so")" = "$soname"
test "$(readlink "$libdir/$soname")" = "libclaw.so.$version"
if readelf -S "$libdir/libclaw.so.$version" | grep -q -e '\.debug_' -e ' \.symtab'; then
  echo "installed libclaw.so.$version is not stripped" >&2; exit 1
fi
test "$(pkg-config --modversion claw)" = "$version"
DESTDIR="$out/stage" PREFIX=/usr CLAW_SKIP_BUILD=1 bash scripts/install-c.sh >/dev/null
test -f "$out/stage/usr/include/claw.h"
test -L "$out/stage/usr/lib/$soname"
grep -qx 'prefix=/usr' "$out/stage/usr/lib/pkgconfig/claw.pc"

for t in examples/c/test_*.c; do
  name=$(basename "$t" .c)
  # shellcheck disable=SC2046
  cc -std=c11 -Wall -Wextra -Werror -O1 -g "$t" $(pkg-config --cflags --libs claw) \
    -Wl,-rpath,"$libdir" -lpthread -ldl -lm -o "$out/$name"
  readelf -d "$out/$name" | grep -q "NEEDED.*\[$soname\]" \
    || { echo "$name does not record NEEDED $soname" >&2; exit 1; }
  echo "== c: $name (valgrind)"
  # Rust's runtime keeps "still reachable" buffers; definite/indirect leaks and any error fail.
  # No LD_LIBRARY_PATH: the rpath finds the installed library by its SONAME.
  RUST_BACKTRACE=0 valgrind -q --leak-check=full \
    --show-leak-kinds=definite,indirect --errors-for-leak-kinds=definite,indirect \
    --error-exitcode=99 "$out/$name"
done

# Linking statically through pkg-config: no libclaw.so needed at run time.
echo "== c: pkg-config static link"
# shellcheck disable=SC2046
cc -std=c11 -Wall -Wextra -Werror examples/c/test_claw.c $(pkg-config --cflags claw) \
  "$libdir/libclaw.a" $(pkg-config --libs-only-l --static claw | sed 's/-lclaw//') \
  -o "$out/static_test"
if readelf -d "$out/static_test" | grep -q 'NEEDED.*libclaw'; then
  echo "the static test links libclaw.so" >&2; exit 1
fi
"$out/static_test"
