#!/usr/bin/env bash
# The model gateway: build claw + claw-gateway (release), run the Rust end-to-end tests (scripted
# upstream in-process), then the official openai and anthropic Python SDKs (pinned, from
# PyPI, in a venv cached under ~/.cache) through a real claw-gateway process in front of the
# scripted upstream (scripts/gateway/upstream.py). Every server is started on a free
# loopback port by the tests and stopped when they end.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
target=${CARGO_TARGET_DIR:-$root/target}
python=${PYTHON:-python3}
# tests/shared_state.rs starts its own redis-server (three gateways sharing it).
source scripts/ensure-redis.sh
echo "== gateway: release build of claw and claw-gateway (scripts/build-release.sh)"
bash scripts/build-release.sh
# The gateway's Rust tests run here, not in the rust stage (scripts/test-rust.sh excludes them).
echo "== gateway: Rust end-to-end tests"
# tests/shared_state.rs drives `claw`: the release build above, so the stage needs no other.
CLAW_BIN=$target/release/claw cargo test -p claw-gateway
venv=${XDG_CACHE_HOME:-$HOME/.cache}/claw/gateway-venv
req=scripts/gateway/requirements.txt
if ! cmp -s "$req" "$venv/.requirements.txt" 2>/dev/null; then
  echo "== gateway: venv with $(tr '\n' ' ' < "$req" | sed 's/#[^=]*)\?//')"
  rm -rf "$venv"
  "$python" -m venv "$venv"
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check --no-input -r "$req"
  cp "$req" "$venv/.requirements.txt"
fi
echo "== gateway: openai + anthropic SDKs through claw-gateway"
CLAW_BIN=$target/release/claw CLAW_GATEWAY_BIN=$target/release/claw-gateway \
  "$venv/bin/python" -m pytest -q -p no:cacheprovider -W error::pytest.PytestUnraisableExceptionWarning \
  scripts/gateway/test_sdks.py --rootdir scripts/gateway
