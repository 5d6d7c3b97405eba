"""examples/python/harness.py runs end to end and leaves a bundle that verifies."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from typing import Any

import pytest

import claw

HARNESS = Path(__file__).resolve().parents[2] / "examples" / "python" / "harness.py"


def test_harness_example(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    spec = importlib.util.spec_from_file_location("claw_harness_example", HARNESS)
    assert spec is not None and spec.loader is not None
    harness: Any = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(harness)
    assert harness.main(["--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "VALID (OK, proof tier gateway)" in out
    decisions = json.loads((tmp_path / "decisions.json").read_text())
    got = [(d["tool"], d["decision"]) for d in decisions]
    assert ("exec", "deny") in got and ("apply_patch", "deny") in got
    assert got.count(("send_external_email", "approval_required")) == 2
    assert got.count(("send_external_email", "allow")) == 1
    trust = json.loads((tmp_path / "trust.json").read_text())
    verdict = claw.verify_bundle((tmp_path / "bundle.json").read_text(), gateway_signers=trust["gateways"])
    assert verdict.valid and verdict.proof_tier == "gateway"
    assert json.loads((tmp_path / "verdict.json").read_text())["status"] == "PASS"
    # The only executed tools are the allowed ones: receipts name them, never the denied ones.
    payload = json.loads((tmp_path / "bundle.json").read_text())["payload"]
    names = {r["payload"]["tool_name"] for r in payload["tool_receipts"]}
    assert names == {"read", "ticket_comment", "send_external_email"}
    assert len(payload["side_effect_receipts"]) == 1 and len(payload["human_approval_receipts"]) == 2
