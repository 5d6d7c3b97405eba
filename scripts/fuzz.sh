#!/usr/bin/env bash
# Run every cargo-fuzz target for a bounded time (default 45 s each) with AddressSanitizer,
# seeded from the shared vectors and fixtures. Fails on any crash. Usage: fuzz.sh [SECONDS]
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
secs=${1:-${FUZZ_SECONDS:-45}}
source scripts/shared-dir.sh
shared=$CLAW_SHARED_DIR
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
conformance=$(grep -l '"proof_bundle"' -r "$shared/clawsig/fixtures" | head -80)
seed json_roundtrip "$shared"/vectors/jcs/input/*.json "$shared"/clawsig/policy/*.json
seed envelope_verify $(grep -l envelope_version -r "$shared/clawsig/fixtures" | head -40)
seed openclaw_config "$root"/claw-core/tests/data/openclaw/configs/*.json5 "$root"/claw-core/tests/data/openclaw/malformed/*.json5
seed openclaw_transcript "$root"/claw-core/tests/data/openclaw/transcripts/*.jsonl
seed bundle_verify $conformance
seed receipt_proofs "$shared"/clawsig/fixtures/log_inclusion_proof_golden.v1.json
seed wpc_authoring "$root"/examples/policy/*.json
seed mcp_message "$root"/tests/mcp/fuzz-seeds/*
seed http_framing "$root"/tests/mcp/http-fuzz-seeds/*
seed run_log "$root"/claw-cli/tests/fixtures/runlogs-2026-12-06/*/run.jsonl
# What claw emits itself (signed policies, bundles, proofs, keys): claw-core/tests/fuzz_seeds.rs.
for d in "$root"/fuzz/seeds/*/; do
  seed "$(basename "$d")" "$d"*
done
# Scoped tokens: every token of the committed interop files (PyJWT attack tokens, jose, claw),
# whole for cst_validate (and, after the token family byte, for ffi_entry_points), and split
# into mode byte + header/claims JSON for cst_claims. The JCS vectors go to the C ABI's JCS
# family (family byte 0).
python3 - "$corpus" "$shared"/vectors/jcs/input "$root"/claw-core/tests/data/cst/*_tokens.json <<'PY'
import base64, hashlib, json, os, sys
corpus, jcs = sys.argv[1], sys.argv[2]
def put(target, data):
    d = os.path.join(corpus, target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, hashlib.sha256(data).hexdigest()[:16]), "wb") as f:
        f.write(data)
def b64(s):
    return base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))
for name in sorted(os.listdir(jcs)):
    with open(os.path.join(jcs, name), "rb") as f:
        put("ffi_entry_points", b"\x00" + f.read())
for path in sys.argv[3:]:
    doc = json.load(open(path))
    for case in doc.get("cases", []) + doc.get("tokens", []):
        tok = case.get("token")
        if not isinstance(tok, str):
            continue
        put("cst_validate", tok.encode())
        put("ffi_entry_points", b"\x02" + tok.encode())
        parts = tok.split(".")
        try:
            header, claims = b64(parts[0]), b64(parts[1])
        except Exception:
            continue
        put("cst_claims", b"\x00" + claims)
        put("cst_claims", b"\x01" + header)
        put("cst_claims", b"\x02" + header + b"\x00" + claims)
PY
for extra in "$root"/fuzz/seeds.sh; do [ -f "$extra" ] && source "$extra"; done
targets=$(cd fuzz && cargo fuzz list)
# Stable rustc refuses -Zsanitizer unless told it may use unstable flags (toolchain notes).
echo "== fuzz: build every target (AddressSanitizer)"
if ! (cd fuzz && RUSTC_BOOTSTRAP=1 cargo fuzz build); then
  echo "fuzz: the targets did not build (the errors are above)" >&2
  exit 1
fi
# Each target is one libFuzzer process on one core: as many run at once as there are cores
# (FUZZ_JOBS), each for `secs`, each with its own corpus and log.
jobs=${FUZZ_JOBS:-$(nproc)}
logs=$(mktemp -d)
trap 'rm -rf "$logs"' EXIT
run_one() { # run_one TARGET: exit 0 when it ran its time without a crash
  mkdir -p "$corpus/$1"
  (cd fuzz && RUSTC_BOOTSTRAP=1 cargo fuzz run "$1" "$corpus/$1" -- \
    -max_total_time="$secs" -dict="$root/fuzz/dict/json.dict" -max_len=65536 >"$logs/$1" 2>&1)
}
failed() { # failed TARGET: what its log says, then stop
  local t=$1 log=$logs/$1
  # `|| true`: under pipefail a grep that matches nothing would end the script here, before
  # the message below.
  grep -E "panicked|ERROR|SUMMARY|Test unit|artifact|^error" "$log" | head -20 || true
  if grep -q "failed to build fuzz script" "$log"; then
    echo "fuzz: $t did not build (the errors are above)" >&2
  else
    echo "fuzz: $t crashed; the input is in fuzz/artifacts/$t: make it a regression test" >&2
  fi
  exit 1
}
set -- $targets
while [ $# -gt 0 ]; do
  batch=() pids=()
  while [ $# -gt 0 ] && [ ${#batch[@]} -lt "$jobs" ]; do
    echo "== fuzz: $1 (${secs}s, AddressSanitizer)"
    run_one "$1" & pids+=($!)
    batch+=("$1")
    shift
  done
  for i in "${!batch[@]}"; do
    t=${batch[$i]}
    if wait "${pids[$i]}"; then
      echo "$t: $(grep -E "^Done [0-9]+ runs" "$logs/$t" || tail -1 "$logs/$t")"
    else
      failed "$t"
    fi
  done
done
echo "fuzz: all targets ran ${secs}s without a crash"
