"""The benchmark script runs (each measured call executed a few times, no timing)."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from typing import Any, Callable

import pytest

BENCH = Path(__file__).resolve().parents[1] / "bench" / "bench.py"


def test_bench_script_runs(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    spec = importlib.util.spec_from_file_location("claw_bench", BENCH)
    assert spec is not None and spec.loader is not None
    bench: Any = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)

    def once(fn: Callable[[], object], quick: bool) -> float:
        for _ in range(3):
            fn()
        return 1.0

    monkeypatch.setattr(bench, "ns_per_op", once)
    assert bench.main(["--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    names = [r["what"] for r in out["results"]]
    assert any("PyJWT" in n for n in names) and any("dict lookup" in n for n in names)
    assert all(r["ns"] == 1.0 for r in out["results"]), out["results"]
    assert bench.main([]) == 0
    assert "| benchmark | ns/op |" in capsys.readouterr().out
