# Shared setup of the gateway benchmarks (run.sh, ab.sh), sourced after `set -euo pipefail`
# from the repository root. Runnable by hand only, never part of make test.
#
# bench_setup PREFIX: checks the tools, makes the temp dir $T (removed on exit, with every
# process in pids killed), starts nothing. bench_keys: keys, a signed v1 policy ($ph, $signer)
# and a CST ($CST) made with $CLAW; $BODY and $T/post.lua, the request wrk sends.
# start_gw NAME UPSTREAM_BASE [ARGS...]: a gateway (${GWBIN:-$GW}) on a free port with that
# policy; sets GWURL and gwpid. sanity URL NAME: one call through it gets a receipt.

# The upstream's chat completion (also what nginx answers in the benchmarks' upstreams).
JSON='{"id":"chatcmpl-1","object":"chat.completion","created":1,"model":"m-1","choices":[{"index":0,"message":{"role":"assistant","content":"Hello!"},"finish_reason":"stop"}],"usage":{"prompt_tokens":5,"completion_tokens":2,"total_tokens":7}}'
BODY='{"model":"m-1","messages":[{"role":"user","content":"hi"}]}'
# nginx: one worker in the foreground, its temp files under $T.
nginx_common="daemon off; master_process off; worker_processes 1; events { worker_connections 4096; }"

bench_setup() {
  for b in nginx wrk curl; do
    command -v "$b" >/dev/null || { echo "needs $b (apt-get install -y nginx wrk curl)" >&2; exit 2; }
  done
  NGINX=$(command -v nginx)
  T=$(mktemp -d "/tmp/$1.XXXXXX")
  pids=()
  trap cleanup EXIT INT TERM
  mkdir -p "$T/tmp"
  nginx_temps="client_body_temp_path $T/tmp/cb; proxy_temp_path $T/tmp/p; fastcgi_temp_path $T/tmp/f; uwsgi_temp_path $T/tmp/u; scgi_temp_path $T/tmp/s; access_log off;"
}
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$T"; }

free_port() { python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])'; }
wait_port() { for _ in $(seq 100); do curl -s -o /dev/null "http://127.0.0.1:$1/" && return 0; sleep 0.1; done; echo "port $1 did not open" >&2; exit 1; }

bench_keys() {
  k="$T/keys"; mkdir -p "$k" "$T/wpc"
  "$CLAW" keygen --out "$k/gw" >/dev/null
  "$CLAW" keygen --out "$k/issuer" >/dev/null
  signer=$("$CLAW" keygen --out "$k/signer")
  agent=$("$CLAW" keygen --out "$k/agent")
  echo "{\"policy_version\":\"1\",\"policy_id\":\"bench\",\"issuer_did\":\"$signer\",\"allowed_models\":[\"m-*\"]}" > "$T/policy.json"
  "$CLAW" wpc sign "$T/policy.json" --key "$k/signer.jwk" > "$T/policy.env.json"
  ph=$("$CLAW" wpc verify "$T/policy.env.json" --signer "$signer")
  cp "$T/policy.env.json" "$T/wpc/$ph.json"
  CST=$("$CLAW" cst issue --key "$k/issuer.jwk" --sub "$agent" --aud claw-gateway --scope proxy:call --ttl 3600)
  cat > "$T/post.lua" <<LUA
wrk.method = "POST"
wrk.body = '$BODY'
wrk.headers["Content-Type"] = "application/json"
wrk.headers["X-CST"] = "$CST"
LUA
}

start_gw() {
  local name=$1 base=$2; shift 2
  "${GWBIN:-$GW}" "$@" --listen 127.0.0.1:0 --signing-key "$k/gw.jwk" --cst-issuer "$k/issuer.pub.jwk" --audience claw-gateway \
    --wpc-dir "$T/wpc" --wpc-signer "$signer" --policy-hash "$ph" --require-policy \
    --upstream "openai=$base" --max-concurrent 4096 > "$T/$name.out" 2> "$T/$name.err" &
  gwpid=$!; pids+=($gwpid)
  for _ in $(seq 100); do grep -q listening "$T/$name.out" 2>/dev/null && break; sleep 0.1; done
  GWURL=$(sed -n 's/^listening on //p' "$T/$name.out" | head -1)
  [ -n "$GWURL" ] || { cat "$T/$name.err" >&2; exit 1; }
}

# sanity URL NAME: the gateway answers 200 with a receipt.
sanity() {
  curl -sf -X POST -H "X-CST: $CST" -H 'content-type: application/json' -d "$BODY" "$1/v1/chat/completions" \
    | grep -q '"_receipt_envelope"' || { echo "$2: sanity call failed" >&2; cat "$T/$2.err" >&2; exit 1; }
}

HZ=$(getconf CLK_TCK)
# $CLAW (CLAW_BIN, else a release build made here) and a plain upstream on $UP: nginx answering
# the chat completion from memory (ab.sh, profile.sh; run.sh's upstream also streams).
claw_and_upstream() {
  local target=${CARGO_TARGET_DIR:-$PWD/target}
  if [ -z "${CLAW_BIN:-}" ]; then cargo build --release -p claw-cli >&2; fi
  CLAW=${CLAW_BIN:-$target/release/claw}
  UP=$(free_port)
  cat > "$T/upstream.conf" <<CONF
$nginx_common pid $T/up.pid; error_log $T/up.err;
http { $nginx_temps keepalive_requests 1000000;
  server { listen 127.0.0.1:$UP;
    location = / { return 200 'ok'; }
    location = /v1/chat/completions { default_type application/json; return 200 '$JSON'; } } }
CONF
  "$NGINX" -p "$T" -c "$T/upstream.conf" & pids+=($!)
  wait_port "$UP"
}
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; } # utime + stime, clock ticks
