"""claw.ReasonCode is exactly the core's set of reason codes, and real errors carry its values."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

import pytest

import claw
from claw import ReasonCode

REPO = Path(__file__).resolve().parents[2]


def generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("gen_reason_codes", REPO / "claw-py" / "tools" / "gen_reason_codes.py")
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_enum_equals_the_cores_codes() -> None:
    core: list[str] = generator().core_reason_codes(REPO)
    ours = [m.value for m in ReasonCode]
    missing = sorted(set(core) - set(ours))
    extra = sorted(set(ours) - set(core))
    assert not missing and not extra, (
        f"claw.ReasonCode differs from claw-core: missing {missing}, not in the core {extra}; "
        "run python3 claw-py/tools/gen_reason_codes.py"
    )
    assert ours == sorted(ours)
    assert "TOKEN_EXPIRED" in core and "JSON_DUPLICATE_KEY" in core and "OK" in core


def test_members_are_their_own_names_and_strings() -> None:
    for m in ReasonCode:
        assert m.name == m.value
        assert isinstance(m, str)
    assert ReasonCode("POLICY_VIOLATION") is ReasonCode.POLICY_VIOLATION
    with pytest.raises(ValueError):
        ReasonCode("POLICY_VIOLATON")
    with pytest.raises(AttributeError):
        getattr(ReasonCode, "TOKEN_EXPIRD")


def test_errors_and_decisions_carry_enum_values() -> None:
    with pytest.raises(claw.CanonicalizationError) as e:
        claw.jcs(b'{"a":1,"a":2}')
    assert e.value.reason_code == ReasonCode.JSON_DUPLICATE_KEY
    assert ReasonCode(e.value.reason_code) is ReasonCode.JSON_DUPLICATE_KEY
    policy = claw.Policy.from_json((REPO / "examples" / "testdata" / "policy.v2.json").read_bytes())
    assert ReasonCode(policy.decide("read").reason_code) is ReasonCode.POLICY_ALLOW
    assert ReasonCode(policy.decide("exec").reason_code) is ReasonCode.POLICY_VIOLATION
