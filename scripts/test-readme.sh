#!/usr/bin/env bash
# Every README's shell blocks, run as written from a fresh clone, so a quick start cannot rot.
#
#   scripts/test-readme.sh [README ...]   (default: README.md, claw-py/README.md, examples/*/README.md)
#
# For each file: a fresh tree of this checkout's HEAD (commit first: uncommitted edits are not
# seen; one clone, reset and cleaned of untracked files between files) in a temp dir, with the shared vectors beside it as ../shared (CLAW_SHARED_DIR), a
# fresh HOME, and the file's fenced ```sh blocks run in order in one bash (`set -eo pipefail`,
# so variables carry from block to block) from the clone's root. The first failing block fails
# the run with FILE:LINE. A block right after the line `<!-- readme-test: skip (why) -->` is not
# run. Caches stay shared (CARGO_TARGET_DIR, cargo, rustup, pip, npm, Go), so nothing is
# rebuilt or downloaded twice. Env: READMES_KEEP=1 keeps the temp dir.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
source scripts/shared-dir.sh
real_home=${HOME:-/root}
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$root/target}
export CARGO_HOME=${CARGO_HOME:-$real_home/.cargo}
export RUSTUP_HOME=${RUSTUP_HOME:-$real_home/.rustup}
export PIP_CACHE_DIR=${PIP_CACHE_DIR:-$real_home/.cache/pip}
export npm_config_cache=${npm_config_cache:-$real_home/.npm}
export CLAW_OPENCLAW_CACHE=${CLAW_OPENCLAW_CACHE:-$real_home/.cache/claw-openclaw}
if command -v go >/dev/null; then
  export GOPATH=${GOPATH:-$(go env GOPATH)} GOMODCACHE=${GOMODCACHE:-$(go env GOMODCACHE)}
  export GOCACHE=${GOCACHE:-$(go env GOCACHE)} GOTOOLCHAIN=local
fi

if [ $# -gt 0 ]; then files=("$@")
else files=(README.md claw-py/README.md examples/*/README.md); fi

tmp=$(mktemp -d)
cleanup() { if [ "${READMES_KEEP:-0}" = 1 ]; then echo "kept $tmp" >&2; else rm -rf "$tmp"; fi; }
trap cleanup EXIT

# extract FILE: a bash script of FILE's runnable ```sh blocks, each preceded by a marker line
# that names its first line; prints nothing when the file has none.
extract() {
  awk -v file="$1" '
    /^<!-- readme-test: skip/ { skip = 1; next }
    !inblock && /^```sh[[:space:]]*$/ {
      inblock = 1; start = NR + 1
      if (skip) { skipping = 1 } else { n++; printf "__readme_block=%s:%d\n", file, start }
      skip = 0; next
    }
    inblock && /^```[[:space:]]*$/ { inblock = 0; skipping = 0; next }
    inblock { if (!skipping) print; next }
    /^[[:space:]]*$/ { next }
    { skip = 0 }
    END { if (inblock) { printf "unterminated block at %s:%d\n", file, start > "/dev/stderr"; exit 2 } }
  ' "$1"
}

# same_mtimes: when this checkout's tracked files are exactly HEAD (no change, staged or not),
# give the clone's tracked files their modification times here. Cargo names a workspace crate's
# artifacts by its path relative to the workspace root and finds them fresh when no source is
# newer, so the clone reuses what the earlier stages built from the same bytes (the README's
# release build took ~3 minutes of CI otherwise) instead of compiling the workspace again.
# With a changed tracked file nothing is copied and the clone builds from scratch.
same_mtimes() {
  [ -z "$(git -C "$root" status --porcelain --untracked-files=no)" ] || return 0
  git -C "$root" ls-files -z | (cd "$root" && xargs -0 -r stat -c '%Y %n') |
    while read -r t f; do touch -m -d "@$t" "$clone/$f" 2>/dev/null || true; done
}

n=0
# The blocks are read from the clone (HEAD), not from the work tree, so what runs is what the
# clone holds even when the work tree changes meanwhile.
clone=$tmp/claw
git clone -q "$root" "$clone"
ln -s "$CLAW_SHARED_DIR" "$tmp/shared"
for f in "${files[@]}"; do
  [ -f "$clone/$f" ] || { echo "readme-test: no such file $f in HEAD" >&2; exit 1; }
  body=$(cd "$clone" && extract "$f")
  if [ -z "$body" ]; then echo "== readme: $f (no runnable sh blocks)"; continue; fi
  n=$((n + 1))
  work=$tmp/$n
  mkdir -p "$work/home"
  # One clone at one path for every file, reset to HEAD with every untracked file removed before
  # each: each file starts from a fresh tree, and cargo reuses the workspace crates it built for
  # the previous file (its fingerprints name the source path).
  git -C "$clone" reset -q --hard && git -C "$clone" clean -ffdxq
  same_mtimes
  blocks=$(grep -c '^__readme_block=' <<<"$body")
  echo "== readme: $f ($blocks blocks, in $clone; at ${SECONDS}s)"
  {
    echo 'set -eo pipefail'
    echo 'trap '\''echo "readme-test: FAILED in the block at $__readme_block (exit $?)" >&2'\'' ERR'
    # Each marker also prints where the run is, so a log shows which block hangs.
    sed 's/^__readme_block=\(.*\)$/__readme_block=\1; echo "-- $__readme_block" >\&2/' <<<"$body"
  } > "$work/run.sh"
  if ! (cd "$clone" && HOME="$work/home" CLAW_SHARED_DIR="$tmp/shared" bash "$work/run.sh"); then
    echo "readme-test: $f failed (script: $work/run.sh)" >&2
    READMES_KEEP=${READMES_KEEP:-0}
    exit 1
  fi
done
echo "readme-test: every runnable block of ${#files[@]} files passed"
