# Sourced by the test scripts: find the shared test vectors and reference fixtures (the
# `shared/` folder beside the checkout, or beside one of its parents for worktrees, or
# $CLAW_SHARED_DIR) and export CLAW_SHARED_DIR as an absolute path for every test runner.
# Exits with one line on stderr when they are not there. Expects $root (the repository).
if [ -z "${CLAW_SHARED_DIR:-}" ]; then
  d=$root
  while [ "$d" != / ]; do
    if [ -d "$d/../shared/vectors" ]; then CLAW_SHARED_DIR=$(cd "$d/../shared" && pwd); break; fi
    d=$(dirname "$d")
  done
fi
if [ ! -d "${CLAW_SHARED_DIR:-}/vectors" ]; then
  echo "$(basename "$0"): the shared test vectors were not found: put the shared/ folder beside the checkout or set CLAW_SHARED_DIR=/path/to/shared" >&2
  exit 2
fi
export CLAW_SHARED_DIR=$(cd "$CLAW_SHARED_DIR" && pwd)
