"""Commit signatures and aggregate bundles through Python (docs/SPEC.md §11): every
`commit_sig` and `aggregate_bundle` vector of the reference conformance manifest gets its
expected verdict, tampered documents fail with their reason code, and bad input (not JSON, too
large, a bad options document) raises or fails with a typed code, never crashes."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Dict, List

import pytest

import claw
from vectors import shared_json, shared_path

CONFIG = "clawsig/fixtures/protocol-conformance/clawverify.config.conformance.v1.json"
GOLDEN = "clawsig/fixtures/protocol-conformance/r48-r49-v02/aggregate_bundle/aggregate_pass_golden.v1.json"
COMMIT_PASS = "clawsig/fixtures/protocol-conformance/commit_sig_pass.v1.json"
# The aggregate vectors are valid until 2026-03-31 (as claw-core/tests/evidence_conformance.rs).
AGGREGATE_NOW = 1_772_323_200  # 2026-03-01T00:00:00Z, seconds
AGGREGATE_LATE = 1_775_001_600  # 2026-04-01T00:00:00Z, seconds


def _vectors(kind: str) -> List[Dict[str, Any]]:
    manifest = shared_json("clawsig/fixtures/protocol-conformance/manifest.v1.json")
    return [v for v in manifest["vectors"] if v["kind"] == kind]


def _fixture(manifest_path: str) -> Path:
    prefix = "packages/schema/fixtures/"
    assert manifest_path.startswith(prefix), manifest_path
    return shared_path("clawsig/fixtures/" + manifest_path[len(prefix):])


def _codes(v: Dict[str, Any]) -> List[str]:
    c = v["expected"]["reason_code"]
    return c if isinstance(c, list) else [c]


# ---------------------------------------------------------------- the manifest


def test_commit_sig_vectors() -> None:
    vectors = _vectors("commit_sig")
    assert len(vectors) == 5
    for v in vectors:
        text = _fixture(v["path"]).read_bytes()
        if v["expected"]["valid"]:
            sig = claw.verify_commit_signature(text)
            result = json.loads(sig.to_json())
            assert result["status"] == "PASS" and result["reason_code"] in _codes(v), v["name"]
            assert result["kind"] == "commit_sig"
            assert result["commit_sha"] == sig.commit_sha
        else:
            with pytest.raises(claw.ClawError) as e:
                claw.verify_commit_signature(text)
            assert e.value.reason_code in _codes(v), (v["name"], e.value.reason_code, str(e.value))


def test_aggregate_bundle_vectors() -> None:
    vectors = _vectors("aggregate_bundle")
    assert len(vectors) == 9
    config = shared_path(CONFIG).read_text()
    failures = []
    for v in vectors:
        verdict = claw.verify_aggregate_bundle(_fixture(v["path"]).read_bytes(), config, now=AGGREGATE_NOW)
        if verdict.valid != v["expected"]["valid"] or verdict.reason_code not in _codes(v):
            failures.append(f"{v['name']}: got {verdict.reason_code} ({verdict.reason})")
        result = json.loads(verdict.to_json())
        assert result["status"] == ("PASS" if verdict.valid else "FAIL")
        assert result["reason_code"] == verdict.reason_code
        assert result["kind"] == "aggregate_bundle"
    assert not failures, failures


# ---------------------------------------------------------------- commit signatures


def test_commit_signature_reads_what_it_verified() -> None:
    text = shared_path(COMMIT_PASS).read_text()
    sig = claw.verify_commit_signature(text)
    doc = json.loads(text)
    assert sig.form == "message_signature"
    assert sig.commit_sha == doc["message"].removeprefix("commit:")
    assert sig.signer_did == doc["did"]
    assert sig.repository is None and sig.repo_claim_id is None and sig.branch is None
    assert "135016b" in repr(sig)
    # The same verdict from bytes and from str.
    assert claw.verify_commit_signature(text.encode()).to_json() == sig.to_json()


def test_commit_proof_envelope() -> None:
    key = claw.SigningKey.generate()
    payload = {
        "proof_version": "1",
        "repo_claim_id": "claim_1",
        "commit_sha": "135016BBEDA0A95D5745FF9031C1287263EA0A06",
        "repository": "octo/repo",
        "branch": "main",
    }
    env = claw.sign_envelope("commit_proof", payload, key)
    sig = claw.verify_commit_signature(env)
    assert sig.form == "commit_proof"
    assert sig.commit_sha == payload["commit_sha"].lower()
    assert sig.signer_did == key.did
    assert (sig.repository, sig.repo_claim_id, sig.branch) == ("octo/repo", "claim_1", "main")
    # Changed after signing: the envelope's own check, an EnvelopeError.
    tampered = json.loads(env)
    tampered["payload"]["repository"] = "evil/repo"
    with pytest.raises(claw.EnvelopeError) as e:
        claw.verify_commit_signature(json.dumps(tampered))
    assert e.value.reason_code == "HASH_MISMATCH"
    # A payload outside commit_proof.v1.json.
    bad = claw.sign_envelope("commit_proof", {**payload, "extra": 1}, key)
    with pytest.raises(claw.SignatureError) as schema:
        claw.verify_commit_signature(bad)
    assert schema.value.reason_code == "SCHEMA_VALIDATION_FAILED"


def test_tampered_commit_signature_fails_with_its_code() -> None:
    doc = shared_json(COMMIT_PASS)
    doc["createdAt"] = doc["createdAt"].replace(".328Z", ".329Z")
    with pytest.raises(claw.SignatureError) as e:
        claw.verify_commit_signature(json.dumps(doc))
    assert e.value.reason_code == claw.ReasonCode.SIGNATURE_INVALID
    doc = shared_json(COMMIT_PASS)
    doc["message"] = "commit:not-a-sha"
    with pytest.raises(claw.SignatureError) as e:
        claw.verify_commit_signature(json.dumps(doc))
    assert e.value.reason_code == "COMMIT_MESSAGE_INVALID"


@pytest.mark.parametrize(
    "text, code",
    [
        ("not json", "JSON_SYNTAX"),
        ("", "JSON_SYNTAX"),
        ('{"version":"m1","version":"m1"}', "JSON_DUPLICATE_KEY"),
        ("{" + " " * (64 * 1024) + "}", "JSON_TOO_LARGE"),
        (b"\xff", "INVALID_UTF8"),
    ],
)
def test_commit_signature_bad_input_raises(text: Any, code: str) -> None:
    with pytest.raises(claw.CanonicalizationError) as e:
        claw.verify_commit_signature(text)
    assert e.value.reason_code == code


def test_commit_signature_not_an_object_raises() -> None:
    with pytest.raises(claw.SignatureError) as e:
        claw.verify_commit_signature("[]")
    assert e.value.reason_code == "MALFORMED_ENVELOPE"
    with pytest.raises(TypeError):
        claw.verify_commit_signature(42)  # type: ignore[arg-type]


# ---------------------------------------------------------------- aggregate bundles


def test_aggregate_verdict_fields_and_options() -> None:
    text = shared_path(GOLDEN).read_bytes()
    config = shared_json(CONFIG)  # a dict works as well as text
    v = claw.verify_aggregate_bundle(text, config, now=AGGREGATE_NOW)
    assert v.valid and v.reason_code == "OK", v.reason
    assert v.aggregate_id == "aggregate_r49_pass_golden"
    assert v.signer_did is not None and v.signer_did.startswith("did:key:")
    assert v.counts["members"] == 2
    assert v.proof_tier != "unknown"
    assert v.field is None
    assert v.verified_at.startswith("2026-03-01T00:00:00")
    assert "valid=True" in repr(v)
    # The caller's clock reaches the core; the options' verify_at wins over it.
    late = claw.verify_aggregate_bundle(text, config, now=AGGREGATE_LATE)
    assert (late.valid, late.reason_code) == (False, "EXPIRED_TTL")
    at = claw.verify_aggregate_bundle(text, {**config, "verify_at": "2026-04-01T00:00:00.000Z"}, now=AGGREGATE_NOW)
    assert (at.valid, at.reason_code) == (False, "EXPIRED_TTL")


def test_tampered_aggregate_fails_with_its_code() -> None:
    doc = shared_json(GOLDEN)
    doc["payload"]["artifacts"]["member_bundles"][0]["payload"]["bundle_id"] = "x"
    v = claw.verify_aggregate_bundle(json.dumps(doc), shared_path(CONFIG).read_text(), now=AGGREGATE_NOW)
    assert (v.valid, v.reason_code) == (False, "HASH_MISMATCH")
    assert json.loads(v.to_json())["status"] == "FAIL"


@pytest.mark.parametrize(
    "text",
    ["not json", "", '{"a":1,"a":2}', "{}", "[]", b"\xff", "[" * 100_000],
)
def test_aggregate_bad_input_is_a_fail_verdict(text: Any) -> None:
    v = claw.verify_aggregate_bundle(text, now=AGGREGATE_NOW)
    assert not v.valid
    assert v.reason_code != "OK" and v.reason_code.isupper()


def test_aggregate_bad_options_raise() -> None:
    text = shared_path(GOLDEN).read_bytes()
    configs: List[Any] = ['{"config_version":"2"}', {"causal_mdoe": "observe"}, '{"threads":-1}']
    for config in configs:
        with pytest.raises(claw.InputError) as e:
            claw.verify_aggregate_bundle(text, config)
        assert e.value.reason_code == "CONFIG_ERROR"
    with pytest.raises(claw.CanonicalizationError):
        claw.verify_aggregate_bundle(text, "not json")
    with pytest.raises(TypeError):
        claw.verify_aggregate_bundle(42)  # type: ignore[arg-type]
