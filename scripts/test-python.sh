#!/usr/bin/env bash
# Python: build the abi3 wheel with maturin, install it into a fresh virtual environment with the
# pinned test dependencies, then run pytest (warnings are errors), mypy.stubtest on the package,
# and the harness example. Works on a fresh machine: everything is installed under the build dir
# (CARGO_TARGET_DIR or ./target) from PyPI by pip.
#   PYTHON=python3.12 scripts/test-python.sh   choose the interpreter (default python3; >= 3.10,
#                                              which the pinned test tools need; the wheel itself
#                                              is also run under CPython 3.9 when there is one)
#   PYTEST_ARGS="-k jcs" scripts/test-python.sh  extra pytest arguments
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
target=${CARGO_TARGET_DIR:-$root/target}
build=$target/python
python=${PYTHON:-python3}
pip_flags=(--quiet --disable-pip-version-check --no-input)
mkdir -p "$build"
# A new virtual environment without pip (fast); packages go in through the tools venv's pip.
new_venv() { rm -rf "$2"; "$1" -m venv --without-pip "$2"; }
pip_into() { local env=$1; shift; "$tools/bin/python" -m pip --python "$env/bin/python" install "${pip_flags[@]}" "$@"; }
step() { echo "== python: $* (at ${SECONDS}s)"; }

"$python" -c 'import sys; assert sys.version_info >= (3, 10), sys.version' || {
  echo "test-python: $python is older than 3.10 (the pinned test tools need 3.10)" >&2; exit 1; }

# 1. Build tools (maturin, pip), kept between runs and reinstalled when their pins change.
tools=$build/tools-venv
if ! cmp -s claw-py/requirements-build.txt "$tools/.requirements-build.txt" 2>/dev/null; then
  step "build tools venv"
  rm -rf "$tools"
  "$python" -m venv "$tools"
  "$tools/bin/python" -m pip install "${pip_flags[@]}" -r claw-py/requirements-build.txt
  cp claw-py/requirements-build.txt "$tools/.requirements-build.txt"
fi

# 2. The wheel, for manylinux_2_17 (glibc 2.17 and later: manylinux2014), whatever this
# machine's glibc: maturin links through zig (the ziglang package from PyPI) against glibc
# 2.17's symbol versions. The release build is cached in the target directory.
step "maturin build --release --zig --compatibility manylinux_2_17"
rm -rf "$build/wheels"
# maturin runs zig as `python -m ziglang` with the first python on PATH: the tools venv's.
(cd claw-py && PATH="$tools/bin:$PATH" CARGO_TARGET_DIR=$target "$tools/bin/maturin" build \
  --release --zig --compatibility manylinux_2_17 --out "$build/wheels")
wheels=("$build"/wheels/claw_py-*-abi3-*.whl)
[ -f "${wheels[0]}" ] || { echo "test-python: no abi3 wheel was built" >&2; exit 1; }
wheel=${wheels[0]}
echo "built $(basename "$wheel")"
# What an index shows: the wheel carries the README, the licence file and expression, the
# project URLs and classifiers, and the manylinux_2_17 platform tag (file name and WHEEL).
"$python" - "$wheel" <<'PY'
import platform, sys, zipfile
from email.parser import Parser
w = zipfile.ZipFile(sys.argv[1])
names = w.namelist()
meta = Parser().parsestr(w.read(next(n for n in names if n.endswith(".dist-info/METADATA"))).decode())
problems = []
if "claw for Python" not in (meta.get_payload() or ""): problems.append("README is not the description")
if not (meta.get("Description-Content-Type") or "").startswith("text/markdown"): problems.append("description type")
if meta.get("License-Expression") != "Apache-2.0": problems.append("License-Expression")
if not any(n.endswith(".dist-info/licenses/LICENSE") for n in names): problems.append("no LICENSE file")
urls = {u.split(",")[0] for u in meta.get_all("Project-URL") or []}
if not {"Homepage", "Repository", "Changelog", "Security"} <= urls: problems.append(f"Project-URL {urls}")
cls = meta.get_all("Classifier") or []
if "Programming Language :: Python :: 3.9" not in cls or "Typing :: Typed" not in cls: problems.append("classifiers")
if meta.get("Requires-Python") != ">=3.9": problems.append(f"Requires-Python {meta.get('Requires-Python')}")
tag = f"cp39-abi3-manylinux_2_17_{platform.machine()}"
wheel_file = w.read(next(n for n in names if n.endswith(".dist-info/WHEEL"))).decode()
tags = [l.split(":", 1)[1].strip() for l in wheel_file.splitlines() if l.startswith("Tag:")]
if tag not in tags: problems.append(f"WHEEL tags {tags}, expected {tag}")
if not sys.argv[1].endswith(f".manylinux_2_17_{platform.machine()}.whl"): problems.append("file name tag")
if problems:
    sys.exit(f"test-python: wheel metadata: {problems}")
print(f"wheel metadata: README, licence, URLs, classifiers, {tag}")
PY
# An independent reader of the ELF symbol versions (auditwheel, PyPA's own tool) agrees
# that the extension needs nothing newer than glibc 2.17.
"$tools/bin/auditwheel" show "$wheel" | tr '\n' ' ' | grep -q "consistent with the following platform tag: \"manylinux_2_17_$(uname -m)\"" || {
  "$tools/bin/auditwheel" show "$wheel" >&2; echo "test-python: auditwheel: not manylinux_2_17" >&2; exit 1; }
echo "auditwheel: consistent with manylinux_2_17_$(uname -m)"

# 3. A fresh virtual environment: pinned test deps, then the wheel (no source tree on the path).
venv=$build/test-venv
step "fresh venv ($("$python" --version 2>&1))"
new_venv "$python" "$venv"
pip_into "$venv" -r claw-py/requirements-test.txt
pip_into "$venv" --no-deps "$wheel"

# The extension must not link libpython (abi3 wheels load into any CPython >= 3.9).
so=$("$venv/bin/python" -c 'import claw._claw as m; print(m.__file__)')
if command -v readelf >/dev/null && readelf -d "$so" | grep -q 'NEEDED.*libpython'; then
  echo "test-python: $so links libpython" >&2; exit 1
fi

# claw.RedisState's tests (tests/test_state.py) start a redis-server of their own.
source scripts/ensure-redis.sh

# 4. Tests. pytest writes nothing into the repository (no cache, no bytecode, no Hypothesis
# database); claw-py/ has no claw/ folder, so `import claw` is the installed wheel. mypy runs from
# an empty folder so it sees no second copy of the package. The tests find shared/ beside the
# repository themselves (or take $CLAW_SHARED_DIR).
run=$build/run
rm -rf "$run" && mkdir -p "$run"
step "pytest -W error"
(cd "$root/claw-py" && PYTHONDONTWRITEBYTECODE=1 "$venv/bin/python" -m pytest -W error \
  -p no:cacheprovider ${PYTEST_ARGS:-} tests)

# stubtest on the package checks its submodule claw._claw (the native module) against _claw.pyi.
step "mypy.stubtest claw"
(cd "$run" && "$venv/bin/python" -m mypy.stubtest --allowlist "$root/claw-py/stubtest-allowlist.txt" claw)

# 5. The stubs serve typed client code: the tests, the benchmark and the example pass
# mypy --strict against the installed package.
step "mypy --strict (tests, bench, example)"
(cd "$run" && "$venv/bin/python" -m mypy --strict --cache-dir "$build/mypy-cache" \
  "$root/claw-py/tests" "$root/claw-py/bench" "$root/examples/python")

# 6. The harness example, as a user runs it.
step "examples/python/harness.py"
"$venv/bin/python" examples/python/harness.py --out "$build/harness-example"

# 7. The stable ABI claim: the same wheel runs the example under the oldest supported CPython
# (3.9), when the machine has one.
py39=
for candidate in $(command -v pyenv >/dev/null && ls -d "$(pyenv root)"/versions/3.9.*/bin/python3.9 2>/dev/null) \
                 $(command -v python3.9 || true); do
  if "$candidate" -c 'import sys; assert sys.version_info[:2] == (3, 9)' 2>/dev/null; then
    py39=$candidate; break
  fi
done
if [ -n "$py39" ]; then
  step "wheel under $("$py39" --version 2>&1)"
  new_venv "$py39" "$build/venv39"
  pip_into "$build/venv39" --no-deps "$wheel"
  "$build/venv39/bin/python" examples/python/harness.py --out "$build/harness-example-py39" >/dev/null
  echo "harness example under $("$py39" --version 2>&1): ok"
else
  step "no python3.9 here; abi3-py39 import check skipped"
fi
echo "== python: done in ${SECONDS}s"
