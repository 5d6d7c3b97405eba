#!/usr/bin/env bash
# Gateway load benchmark (BENCHMARKS.md "Gateway"). Runnable by hand, never part of make test.
#
# One run, one machine, one upstream (nginx answering from memory / a static file):
#   direct      wrk -> upstream
#   nginx       wrk -> nginx proxy_pass -> upstream
#   gateway     wrk -> claw-gateway (release; CST validation, WPC v1 policy, signed receipt)
#                      -> upstream
#   gateway+sinks  the same with --receipts-dir and --receipts-log (fsync'd, group commit)
# Prints p50/p99 at concurrency 1, requests/s at concurrency 64, streaming time to first
# byte (median of N curl calls) and the gateway's peak RSS while streaming a 1 GiB SSE body.
# Needs: nginx, wrk, curl (apt-get install -y nginx wrk curl), cargo.
# Env: DURATION (default 10s), ROUNDS (default 3), TTFB_N (default 200), CLAW_BIN /
# CLAW_GATEWAY_BIN (else built), CLAW_GATEWAY_BASELINE_BIN (another build, measured alongside).
set -euo pipefail
cd "$(dirname "$0")/../.."
DURATION=${DURATION:-10s}
TTFB_N=${TTFB_N:-200}
source benches/gateway/common.sh
bench_setup claw-gw-bench
target=${CARGO_TARGET_DIR:-$PWD/target}
if [ -z "${CLAW_GATEWAY_BIN:-}" ] || [ -z "${CLAW_BIN:-}" ]; then
  cargo build --release -p claw-gateway -p claw-cli >&2
fi
GW=${CLAW_GATEWAY_BIN:-$target/release/claw-gateway}
CLAW=${CLAW_BIN:-$target/release/claw}

UP=$(free_port); PX=$(free_port)
mkdir -p "$T/www"
# 1 GiB SSE body: one event line per 64 KiB would be realistic; zeros are the worst case for
# the usage reader (no line ends) and cost nothing on disk.
truncate -s 1G "$T/www/big.sse"
SSE='data: {"choices":[{"index":0,"delta":{"content":"Hi"}}]}\n\ndata: {"choices":[],"usage":{"prompt_tokens":5,"completion_tokens":1}}\n\ndata: [DONE]\n\n'
cat > "$T/upstream.conf" <<CONF
$nginx_common pid $T/up.pid; error_log $T/up.err;
http { $nginx_temps keepalive_requests 1000000;
  server { listen 127.0.0.1:$UP;
    location = / { return 200 'ok'; }
    location = /v1/chat/completions { default_type application/json; return 200 '$JSON'; }
    location = /sse/v1/chat/completions { default_type text/event-stream; return 200 '$SSE'; }
    # nginx's static module refuses POST: the 1 GiB body is fetched from itself with GET.
    location = /big/v1/chat/completions { proxy_method GET; proxy_pass_request_body off;
      proxy_set_header Content-Length ""; proxy_buffering off; proxy_pass http://127.0.0.1:$UP/big.sse; }
    location = /big.sse { default_type text/event-stream; types { } root $T/www; }
  } }
CONF
cat > "$T/proxy.conf" <<CONF
$nginx_common pid $T/px.pid; error_log $T/px.err;
http { $nginx_temps keepalive_requests 1000000;
  upstream up { server 127.0.0.1:$UP; keepalive 128; }
  server { listen 127.0.0.1:$PX;
    location / { proxy_pass http://up; proxy_http_version 1.1; proxy_set_header Connection ""; proxy_buffering off; }
  } }
CONF
"$NGINX" -p "$T" -c "$T/upstream.conf" & uppid=$!; pids+=($uppid)
"$NGINX" -p "$T" -c "$T/proxy.conf" & pxpid=$!; pids+=($pxpid)
wait_port "$UP"; wait_port "$PX"

# Keys, a signed v1 policy, a CST.
bench_keys
# One gateway per upstream body (the provider route is fixed: /v1/chat/completions).
start_gw sse "http://127.0.0.1:$UP/sse"; SSEURL=$GWURL
start_gw big "http://127.0.0.1:$UP/big"; BIGURL=$GWURL; bigpid=$gwpid
# With both receipt sinks (fsync'd, group commit) on the same disk as the run's temp dir.
start_gw sinks "http://127.0.0.1:$UP" --receipts-dir "$T/receipts" --receipts-log "$T/receipts.jsonl"
SINKURL=$GWURL; sinkpid=$gwpid
start_gw gw "http://127.0.0.1:$UP"
GWPLAIN=$GWURL; gwplainpid=$gwpid
# Optional: an older build measured in the same rounds (e.g. main before a change).
if [ -n "${CLAW_GATEWAY_BASELINE_BIN:-}" ]; then
  GWBIN=$CLAW_GATEWAY_BASELINE_BIN start_gw base "http://127.0.0.1:$UP"
  BASEURL=$GWURL; basepid=$gwpid
fi
GWURL=$GWPLAIN; gwpid=$gwplainpid

sanity "$GWURL" gw

echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(uname -r)"
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
ROUNDS=${ROUNDS:-3}
# Interleaved: each round measures every target once at c=1, then once at c=64, so load
# from other users of the machine falls on all of them alike. Per point: p50, p99 (c=1);
# requests/s and the serving process's CPU time per request (c=64: for direct the upstream
# nginx, for nginx the proxy, for the gateways the gateway; the upstream's share is not
# counted).
targets="direct:http://127.0.0.1:$UP:$uppid nginx:http://127.0.0.1:$PX:$pxpid gateway:$GWURL:$gwpid gateway+sinks:$SINKURL:$sinkpid"
[ -n "${BASEURL:-}" ] && targets="$targets baseline-gateway:$BASEURL:$basepid"
for r in $(seq "$ROUNDS"); do
  for n in $targets; do
    name=${n%%:*}; rest=${n#*:}; url=${rest%:*}
    wrk -t1 -c1 -d"$DURATION" --latency -s "$T/post.lua" "$url/v1/chat/completions" \
      | awk -v r="$r" -v n="$name" '/^ +50%/{p50=$2} /^ +99%/{p99=$2} /Non-2xx/{bad=$0} END{print "round " r " c=1  " n ": p50 " p50 ", p99 " p99 (bad ? " " bad : "")}'
  done
  for n in $targets; do
    name=${n%%:*}; rest=${n#*:}; url=${rest%:*}; pid=${rest##*:}
    c0=$(cpu_ticks "$pid")
    out=$(wrk -t2 -c64 -d"$DURATION" -s "$T/post.lua" "$url/v1/chat/completions")
    c1=$(cpu_ticks "$pid")
    echo "$out" | awk -v r="$r" -v n="$name" -v dc=$((c1 - c0)) -v hz="$HZ" \
      '/requests in/{req=$1} /Requests\/sec/{rps=$2} /Non-2xx/{bad=$0}
       END{printf "round %s c=64 %s: %s req/s, CPU %.1f us/req%s\n", r, n, rps, dc / hz * 1e6 / req, (bad ? " " bad : "")}'
  done
  echo "round $r load average: $(cut -d' ' -f1-3 /proc/loadavg)"
done
echo "receipts written by gateway+sinks: $(find "$T/receipts" -name '*.json' | wc -l) files, $(wc -l < "$T/receipts.jsonl") log lines"
ttfb() { # median time to first byte (ms) of a streamed call, one connection per call
  for _ in $(seq "$TTFB_N"); do
    curl -s -o /dev/null -w '%{time_starttransfer} %{http_code}\n' -X POST -H "X-CST: $CST" -H 'content-type: application/json' \
      -d '{"model":"m-1","stream":true,"messages":[]}' "$1"
  done | awk '$2 != 200 {print "HTTP " $2 > "/dev/stderr"; exit 1} {print $1}' | sort -n | awk '{a[NR]=$1} END{printf "median %.3f ms, p90 %.3f ms\n", a[int(NR/2)+1]*1000, a[int(NR*0.9)]*1000}'
}
echo "ttfb direct:  $(ttfb "http://127.0.0.1:$UP/sse/v1/chat/completions")"
echo "ttfb nginx:   $(ttfb "http://127.0.0.1:$PX/sse/v1/chat/completions")"
echo "ttfb gateway: $(ttfb "$SSEURL/v1/chat/completions")"
rss() { awk '/VmRSS/{print $2}' "/proc/$bigpid/status"; }
echo "streaming gateway RSS before: $(rss) KiB"
peak=0
curl -s -o /dev/null -w 'streamed %{size_download} bytes in %{time_total} s\n' -X POST -H "X-CST: $CST" \
  -H 'content-type: application/json' -d '{"model":"m-1","stream":true,"messages":[]}' "$BIGURL/v1/chat/completions" > "$T/big.out" &
cpid=$!
while kill -0 "$cpid" 2>/dev/null; do r=$(rss); [ "$r" -gt "$peak" ] && peak=$r; sleep 0.05; done
wait "$cpid" || true
echo "1 GiB stream through the gateway: $(cat "$T/big.out"); peak RSS $peak KiB, after $(rss) KiB"
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
