"""Where the shared vectors live (`shared/` beside the repository, or `$CLAW_SHARED_DIR`)."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any


def _find_shared() -> Path:
    """`shared/` beside the repository (or `$CLAW_SHARED_DIR`), as the Rust tests find it."""
    env = os.environ.get("CLAW_SHARED_DIR")
    if env:
        return Path(env)
    here = Path(__file__).resolve().parent
    for d in [here, *here.parents]:
        for candidate in (d / "shared", d.parent / "shared"):
            if (candidate / "vectors").is_dir():
                return candidate
    raise RuntimeError(f"shared/ vectors not found above {here}; set CLAW_SHARED_DIR")


SHARED = _find_shared()


def shared_path(rel: str) -> Path:
    p = SHARED / rel
    if not p.exists():
        raise FileNotFoundError(p)
    return p


def shared_bytes(rel: str) -> bytes:
    return shared_path(rel).read_bytes()


def shared_json(rel: str) -> Any:
    return json.loads(shared_path(rel).read_text(encoding="utf-8"))

