#!/usr/bin/env bash
# Profile one claw-gateway build (BENCHMARKS.md "Gateway"): the bench upstream and policy of
# ab.sh, wrk at concurrency C (default 64) for DURATION (default 10s) while
# `perf record -e cpu-clock --call-graph dwarf` samples the gateway. Runnable by hand only.
#
#   C=64 bash benches/gateway/profile.sh PATH/TO/claw-gateway OUT.perf.data
#
# STAT=1: `perf stat` instead of a profile: the gateway's context switches, futex and
# epoll_wait calls and CPU time, each per request (OUT is then a text file).
# A profile, by category: perf script -i OUT.perf.data -F tid,ip,sym --no-inline > OUT.txt;
# python3 benches/gateway/classify.py OUT.txt. Needs nginx, wrk, curl, perf, and CLAW_BIN
# (else built).
set -euo pipefail
cd "$(dirname "$0")/../.."
[ $# -eq 2 ] || { echo "usage: $0 GATEWAY_BIN OUT.perf.data" >&2; exit 2; }
GWBIN=$1; OUT=$2
C=${C:-64}; DURATION=${DURATION:-10s}
command -v perf >/dev/null || { echo "needs perf" >&2; exit 2; }
source benches/gateway/common.sh
bench_setup claw-gw-prof
claw_and_upstream
bench_keys
GWBIN=$GWBIN start_gw gw "http://127.0.0.1:$UP"
sanity "$GWURL" gw
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
if [ "${STAT:-0}" = 1 ]; then
  perf stat -x, -e task-clock,context-switches,cpu-migrations,syscalls:sys_enter_futex,syscalls:sys_enter_epoll_wait,syscalls:sys_enter_writev,syscalls:sys_enter_recvfrom \
    -p "$gwpid" -o "$OUT" -- sleep "${DURATION%s}" 2>"$T/perf.err" &
else
  perf record -e cpu-clock --call-graph dwarf,16384 -F 2000 -p "$gwpid" -o "$OUT" -- sleep "${DURATION%s}" 2>"$T/perf.err" &
fi
perfpid=$!
sleep 0.3
c0=$(cpu_ticks "$gwpid")
wrk -t$(( C > 1 ? 2 : 1 )) -c"$C" -d"$DURATION" --latency -s "$T/post.lua" "$GWURL/v1/chat/completions" \
  | awk -v c="$C" '/requests in/{req=$1} /Requests\/sec/{rps=$2} /^ +50%/{p50=$2} END{printf "c=%s %s req/s p50 %s (%s requests)\n", c, rps, p50, req}' | tee "$T/wrk.out"
c1=$(cpu_ticks "$gwpid")
wait "$perfpid" || true
echo "gateway CPU over the run: $(( (c1 - c0) * 1000000 / HZ )) us; load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
if [ "${STAT:-0}" = 1 ]; then
  reqs=$(sed -n 's/.*(\([0-9]*\) requests).*/\1/p' "$T/wrk.out")
  awk -F, -v n="$reqs" '/^[0-9.]/{printf "%-32s %10.2f per request\n", $3, $1 / n}' "$OUT"
fi
