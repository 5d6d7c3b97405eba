"""The Clawsig signed envelope v1 through Python: sign, verify, and each refusal's reason code."""

from __future__ import annotations

import json

import pytest

import claw

ISSUED_MS = 1_770_768_000_000  # 2026-02-11T00:00:00Z


@pytest.fixture(scope="module")
def key() -> claw.SigningKey:
    return claw.SigningKey.generate()


def _signed(key: claw.SigningKey, **kw: object) -> str:
    return claw.sign_envelope(
        "work_policy_contract",
        {"z": 1, "a": {"y": [1, 2], "b": "x"}},
        key,
        issued_at_ms=ISSUED_MS,
        **kw,  # type: ignore[arg-type]
    )


def test_round_trip(key: claw.SigningKey) -> None:
    text = _signed(key)
    env = json.loads(text)
    assert env["issued_at"] == "2026-02-11T00:00:00.000Z"
    assert text.encode() == claw.jcs(text)  # written canonically
    assert env["payload_hash_b64u"] == claw.sha256_b64u(claw.jcs(env["payload"]))
    v = claw.verify_envelope(text, "work_policy_contract", signers=[key.did])
    assert v.envelope_type == "work_policy_contract"
    assert v.payload == {"a": {"b": "x", "y": [1, 2]}, "z": 1}
    assert v.payload_hash == env["payload_hash_b64u"] and len(v.payload_hash) == 43
    assert v.signer == key.public_key() and v.signer_did == key.did
    assert v.issued_at_ms == ISSUED_MS and v.expires_at_ms is None
    # Signers as keys, as bytes input, and "any signer".
    claw.verify_envelope(text.encode(), "work_policy_contract", signers=[key.public_key()])
    claw.verify_envelope(text, "work_policy_contract")
    assert key.did in repr(v)


def test_default_issued_at_is_now(key: claw.SigningKey) -> None:
    text = claw.sign_envelope("tool_receipt", {"a": 1}, key)
    v = claw.verify_envelope(text, "tool_receipt")
    assert abs(v.issued_at_ms - ISSUED_MS) > 0


def _refused(text: str, code: str, **kw: object) -> None:
    with pytest.raises(claw.EnvelopeError) as ei:
        claw.verify_envelope(text, "work_policy_contract", **kw)  # type: ignore[arg-type]
    assert ei.value.reason_code == code, str(ei.value)
    assert isinstance(ei.value, claw.ClawError)


def test_tampered_payload(key: claw.SigningKey) -> None:
    env = json.loads(_signed(key))
    env["payload"]["z"] = 2
    _refused(json.dumps(env), "HASH_MISMATCH")


def test_tampered_signature(key: claw.SigningKey) -> None:
    env = json.loads(_signed(key))
    other = json.loads(_signed(claw.SigningKey.generate()))
    env["signature_b64u"] = other["signature_b64u"]
    _refused(json.dumps(env), "SIGNATURE_INVALID")


def test_signer_not_allowed(key: claw.SigningKey) -> None:
    other = claw.SigningKey.generate()
    _refused(_signed(key), "SIGNER_NOT_ALLOWED", signers=[other.did])
    _refused(_signed(key), "SIGNER_NOT_ALLOWED", signers=[])


def test_wrong_type_and_version(key: claw.SigningKey) -> None:
    with pytest.raises(claw.EnvelopeError) as ei:
        claw.verify_envelope(_signed(key), "tool_receipt")
    assert ei.value.reason_code == "UNKNOWN_ENVELOPE_TYPE"
    env = json.loads(_signed(key))
    env["envelope_version"] = "2"
    _refused(json.dumps(env), "UNKNOWN_ENVELOPE_VERSION")


def test_expiry_uses_now(key: claw.SigningKey) -> None:
    text = _signed(key, expires_at_ms=ISSUED_MS + 60_000)
    v = claw.verify_envelope(text, "work_policy_contract", now=ISSUED_MS // 1000 + 59)
    assert v.expires_at_ms == ISSUED_MS + 60_000
    _refused(text, "EXPIRED", now=ISSUED_MS // 1000 + 60)
    _refused(text, "EXPIRED")  # default: the current time, long after 2026-02-11


def test_malformed(key: claw.SigningKey) -> None:
    env = json.loads(_signed(key))
    env["extra"] = 1
    _refused(json.dumps(env), "MALFORMED_ENVELOPE")
    _refused('{"a":1,"a":1}', "INVALID_JSON")
    with pytest.raises(claw.EnvelopeError):
        claw.sign_envelope("work_policy_contract", [1, 2], key)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        claw.verify_envelope(json.loads(_signed(key)), "work_policy_contract")
    with pytest.raises(TypeError):
        claw.verify_envelope(_signed(key), "work_policy_contract", signers=[42])  # type: ignore[list-item]


def test_payload_must_be_json(key: claw.SigningKey) -> None:
    with pytest.raises(claw.CanonicalizationError):
        claw.sign_envelope("work_policy_contract", {"x": float("nan")}, key)
