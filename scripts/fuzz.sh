#!/usr/bin/env bash
# Run every cargo-fuzz target for a bounded time (default 45 s each) with AddressSanitizer,
# seeded from the shared vectors and fixtures. Fails on any crash. Usage: fuzz.sh [SECONDS]
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
secs=${1:-${FUZZ_SECONDS:-45}}
shared=${CLAW_SHARED_DIR:-$root/../shared}
if ! command -v cargo-fuzz >/dev/null; then
  cargo install cargo-fuzz --locked --version 0.13.2 --quiet
fi
corpus=$root/fuzz/corpus
mkdir -p "$corpus"
seed() { # seed TARGET FILES...
  local t=$1; shift
  mkdir -p "$corpus/$t"
  for f in "$@"; do [ -f "$f" ] && cp "$f" "$corpus/$t/$(sha256sum "$f" | cut -c1-16)"; done
}
seed json_roundtrip "$shared"/vectors/jcs/input/*.json "$shared"/clawsig/policy/*.json
seed envelope_verify $(grep -l envelope_version -r "$shared/clawsig/fixtures" | head -40)
seed openclaw_config "$root"/claw-core/tests/data/openclaw/configs/*.json5 "$root"/claw-core/tests/data/openclaw/malformed/*.json5
for extra in "$root"/fuzz/seeds.sh; do [ -f "$extra" ] && source "$extra"; done
targets=$(cd fuzz && cargo fuzz list)
for t in $targets; do
  echo "== fuzz: $t (${secs}s, AddressSanitizer)"
  # Stable rustc refuses -Zsanitizer unless told it may use unstable flags (toolchain notes).
  log=$(mktemp)
  if ! (cd fuzz && RUSTC_BOOTSTRAP=1 cargo fuzz run "$t" "$corpus/$t" -- \
      -max_total_time="$secs" -dict="$root/fuzz/dict/json.dict" -max_len=65536 >"$log" 2>&1); then
    grep -E "panicked|ERROR|SUMMARY|Test unit|artifact" "$log" | head -20
    echo "fuzz: $t crashed; the input is in fuzz/artifacts/$t: make it a regression test" >&2
    exit 1
  fi
  grep -E "^Done [0-9]+ runs" "$log" || tail -2 "$log"
  rm -f "$log"
done
echo "fuzz: all targets ran ${secs}s without a crash"
