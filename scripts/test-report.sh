#!/usr/bin/env bash
# The HTML report in a real browser (headless Chromium): three reports (the demo's PASS
# bundle, a run whose tool names and approver carry HTML/script, and a tampered FAIL bundle)
# must render, show their verdict in the DOM, keep hostile text as text, and make no
# request. Installs Debian's chromium when it is missing. Screenshots land in out/report-test/.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
target=${CARGO_TARGET_DIR:-$root/target}

browser=$(command -v chromium || command -v chromium-browser || true)
if [ -z "$browser" ]; then
  echo "== report: installing chromium"
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo=sudo
  $sudo apt-get update -q
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q chromium
  browser=$(command -v chromium)
fi
echo "== report: $("$browser" --version 2>/dev/null | head -1)"

out=$root/out/report-test
rm -rf "$out"
mkdir -p "$out"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# 1. The demo's bundle and report (builds claw in release mode).
echo "== report: demo run"
DEMO_OUT="$work/demo" bash scripts/demo.sh > "$work/demo.log"
CLAW_BIN=${CLAW_BIN:-$target/release/claw}
claw() { "$CLAW_BIN" "$@"; }
d=$work/demo
# What the demo must show (this stage runs `make demo`'s script once for the whole test suite):
# the three decisions, a PASS at proof tier gateway on its last line, and every file it writes.
tail -n 1 "$work/demo.log" | grep -q '^PASS  proof tier gateway' ||
  { echo "report: the demo's last line is not a PASS at tier gateway:" >&2; tail -n 5 "$work/demo.log" >&2; exit 1; }
for line in 'tool read                  -> allow' 'tool shell_exec            -> deny' \
            'tool send_external_email   -> approval_required'; do
  grep -qF -- "$line" "$work/demo.log" || { echo "report: the demo did not print: $line" >&2; exit 1; }
done
for f in bundle.json report.html receipt-proof.json trust-pulse.json verification.json; do
  [ -s "$d/$f" ] || { echo "report: the demo did not write $f" >&2; exit 1; }
done
cp "$d/report.html" "$out/pass.html"
signer=$(sed -n 's/.*"signer_did":"\([^"]*\)".*/\1/p' "$d/policy.envelope.json")
gateway=$(sed -n 's/.*"gateway_receipt_signer_dids":\["\([^"]*\)".*/\1/p' "$d/clawverify.config.json")

# 2. Hostile content: a tool named <script>, an approver that tries to open a tag.
echo "== report: hostile run"
h=$work/hostile
claw run start --dir "$h" --agent-key "$d/keys/agent.jwk" --wpc "$d/policy.envelope.json" \
  --wpc-signer "$signer" --cst "@$d/token.jws" --cst-issuer "$d/keys/cst-issuer.pub.jwk" \
  --aud claw-runtime --mission invoice-triage-INV-2291 > /dev/null
claw run model --dir "$h" --provider '<b>anthropic</b>' --model 'claude"><img src=x onerror=alert(2)>' \
  --request examples/run/01-model.request.json --response examples/run/01-model.response.json \
  --gateway-key "$d/keys/gateway.jwk" --gateway-id '</style><style>body{background:url(https://evil.example/x)}</style>' > /dev/null
set +e
claw run tool --dir "$h" --tool '<script>alert(1)</script>' --args examples/run/02-read.args.json \
  --result examples/run/02-read.result.json --context Data:Class=internal > /dev/null
code=$?
set -e
[ "$code" = 4 ] || { echo "report: the <script> tool should be denied (exit 4), got $code" >&2; exit 1; }
claw run approve --dir "$h" --tool send_external_email \
  --approver '"><a href="https://evil.example/">click</a>' \
  --summary $'<iframe src="//evil.example"></iframe> \u202Etxt.exe' > /dev/null
claw bundle build --run-dir "$h" --out "$work/hostile.json" > /dev/null
claw bundle report "$work/hostile.json" --html "$out/hostile.html" --config "$d/clawverify.config.json" > /dev/null

# 3. A tampered bundle: FAIL, and the report says what failed.
# One signed number changed (the first receipt's input token count), whatever its value.
python3 - "$d/bundle.json" "$work/tampered.json" <<'PY'
import re, sys
src = open(sys.argv[1]).read()
out, n = re.subn(r'"tokens_input":(\d+)', lambda m: '"tokens_input":%d' % (int(m.group(1)) + 1), src, count=1)
if n != 1:
    sys.exit("report: the demo bundle has no tokens_input to tamper with")
open(sys.argv[2], "w").write(out)
PY
if claw bundle report "$work/tampered.json" --html "$out/fail.html" --config "$d/clawverify.config.json" > /dev/null; then
  echo "report: the tampered bundle should FAIL" >&2
  exit 1
fi

fail() { echo "report: $*" >&2; exit 1; }
# Chromium's own background services (updates, time, accounts) may show up in the net log
# despite the flags; anything else would be a request made by the page.
own='(google\.com|googleapis\.com|gvt1\.com|gstatic\.com|chromium\.org)'
for name in pass hostile fail; do
  page=$out/$name.html
  # No attribute or style can point anywhere: there are no src/href attributes, no url(),
  # no @import, no scheme-relative or absolute URLs outside text.
  if grep -Eio '<[^>]*(src|href)=[^>]*>' "$page"; then fail "$name: src/href attribute"; fi
  if grep -Eio '<[^>]*(https?:|//)[^>]*>' "$page" | grep -v 'http-equiv'; then fail "$name: URL in a tag"; fi
  if sed -n '/<style>/,/<\/style>/p' "$page" | sed 's|</style>.*||' | grep -Eiq 'url\(|@import|https?:'; then
    fail "$name: CSS loads something"
  fi
  grep -q "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">" "$page" \
    || fail "$name: no CSP"
  flags=(--headless --no-sandbox --disable-gpu --disable-background-networking --disable-component-update
    --disable-sync --no-first-run --hide-scrollbars --host-resolver-rules="MAP * ~NOTFOUND")
  timeout 120 "$browser" "${flags[@]}" --user-data-dir="$(mktemp -d -p "$work")" \
    --log-net-log="$work/$name.netlog.json" --dump-dom "file://$page" > "$work/$name.dom.html" 2> "$work/$name.stderr" \
    || { cat "$work/$name.stderr" >&2; fail "$name: chromium --dump-dom failed"; }
  timeout 120 "$browser" "${flags[@]}" --user-data-dir="$(mktemp -d -p "$work")" \
    --window-size=1280,2000 --screenshot="$out/$name.png" "file://$page" > /dev/null 2>> "$work/$name.stderr" \
    || { cat "$work/$name.stderr" >&2; fail "$name: chromium --screenshot failed"; }
  dom=$work/$name.dom.html
  # It rendered: the DOM holds the page's sections, and the screenshot is a real image.
  grep -q 'id="verdict"' "$dom" && grep -q 'id="checks"' "$dom" || fail "$name: page did not render"
  [ "$(head -c 8 "$out/$name.png" | od -An -tx1 | tr -d ' \n')" = 89504e470d0a1a0a ] || fail "$name: no PNG"
  [ "$(wc -c < "$out/$name.png")" -gt 20000 ] || fail "$name: blank screenshot"
  # The verdict is in the DOM, first.
  want=PASS
  [ "$name" = fail ] && want=FAIL
  grep -q "<div class=\"word\">$want</div>" "$dom" || fail "$name: DOM does not show $want"
  # Hostile text stayed text: no element the page did not write itself.
  if grep -Eiq '<(script|img|iframe|a|b|object|embed|link|base|form)[ >]' "$dom"; then fail "$name: injected element"; fi
  [ "$(grep -c '<style>' "$dom")" = 1 ] || fail "$name: injected style element"
  # No request left the page.
  if grep -o '"url":"[^"]*"' "$work/$name.netlog.json" | grep -Ev '"url":"(file:|data:|chrome|about:)' | grep -Ev "$own"; then
    fail "$name: the page made a request"
  fi
  echo "== report: $name.html renders ($want), no injected elements, no requests; screenshot $out/$name.png"
done
grep -q '&lt;script&gt;alert(1)&lt;/script&gt;' "$work/hostile.dom.html" || fail "hostile: <script> tool name not shown as text"
grep -q '&lt;a href=' "$work/hostile.dom.html" || fail "hostile: approver not shown as text"
grep -q 'What failed' "$work/fail.dom.html" || fail "fail: no failure section"
echo "== report: ok"
