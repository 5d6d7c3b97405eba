#!/usr/bin/env bash
# A/B of claw-gateway builds (BENCHMARKS.md "Gateway"): several gateway binaries behind one
# upstream, measured in alternating rounds so the shared machine's load falls on all alike.
# Runnable by hand, never part of make test.
#
#   bash benches/gateway/ab.sh NAME=PATH/TO/claw-gateway NAME2=PATH2 ...
#
# Per round and build: requests/s and the gateway's CPU time per request at c=64 (utime +
# stime of the gateway process over the run ÷ requests), then p50 at c=1 of the upstream
# alone (direct) and of every build. The order of the builds is rotated every round. Needs
# nginx, wrk, curl, and a `claw` CLI (CLAW_BIN, else built). Env: DURATION (default 5s),
# ROUNDS (default 6), SINKS=1 to give every gateway --receipts-dir and --receipts-log.
set -euo pipefail
cd "$(dirname "$0")/../.."
DURATION=${DURATION:-5s}
ROUNDS=${ROUNDS:-6}
[ $# -ge 1 ] || { echo "usage: $0 NAME=GATEWAY_BIN ..." >&2; exit 2; }
source benches/gateway/common.sh
bench_setup claw-gw-ab
claw_and_upstream
bench_keys
names=(); urls=(); gpids=()
for spec in "$@"; do
  name=${spec%%=*}; bin=${spec#*=}
  extra=()
  if [ "${SINKS:-0}" = 1 ]; then extra=(--receipts-dir "$T/r-$name" --receipts-log "$T/r-$name.jsonl"); fi
  GWBIN=$bin start_gw "$name" "http://127.0.0.1:$UP" "${extra[@]}"
  sanity "$GWURL" "$name"
  names+=("$name"); urls+=("$GWURL"); gpids+=("$gwpid")
done
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(uname -r); $(date -u '+%F %H:%M UTC')"
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
n=${#names[@]}
for r in $(seq "$ROUNDS"); do
  for j in $(seq 0 $((n - 1))); do
    i=$(( (j + r) % n ))
    c0=$(cpu_ticks "${gpids[$i]}")
    out=$(wrk -t2 -c64 -d"$DURATION" -s "$T/post.lua" "${urls[$i]}/v1/chat/completions")
    c1=$(cpu_ticks "${gpids[$i]}")
    echo "$out" | awk -v r="$r" -v n="${names[$i]}" -v dc=$((c1 - c0)) -v hz="$HZ" \
      '/requests in/{req=$1} /Requests\/sec/{rps=$2} /Non-2xx/{bad=$0}
       END{printf "round %s c=64 %-10s %9s req/s  CPU %6.1f us/req%s\n", r, n, rps, dc / hz * 1e6 / req, (bad ? " " bad : "")}'
  done
  # The upstream alone at c=1, in the same round: the issue's target is the gateway's p50
  # minus this one (added latency).
  wrk -t1 -c1 -d"$DURATION" --latency -s "$T/post.lua" "http://127.0.0.1:$UP/v1/chat/completions" \
    | awk -v r="$r" '/^ +50%/{p50=$2} /^ +99%/{p99=$2} END{printf "round %s c=1  %-10s p50 %s p99 %s\n", r, "(direct)", p50, p99}'
  for j in $(seq 0 $((n - 1))); do
    i=$(( (j + r) % n ))
    wrk -t1 -c1 -d"$DURATION" --latency -s "$T/post.lua" "${urls[$i]}/v1/chat/completions" \
      | awk -v r="$r" -v n="${names[$i]}" '/^ +50%/{p50=$2} /^ +99%/{p99=$2} /Non-2xx/{bad=$0}
          END{printf "round %s c=1  %-10s p50 %s p99 %s%s\n", r, n, p50, p99, (bad ? " " bad : "")}'
  done
  echo "round $r load average: $(cut -d' ' -f1-3 /proc/loadavg)"
done
