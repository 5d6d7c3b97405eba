"""Work Policy Contracts through Python: the glossary's authoring example, decisions, the
policy hash against an independent JCS (rfc8785 + hashlib), signed envelopes, inheritance,
and the incident overrides."""

from __future__ import annotations

import base64
import hashlib
import json
import threading
from typing import Any, Dict, List

import pytest
import rfc8785

import claw

NOW = 1_767_571_200 + 10 * 3600  # 2026-01-05 (a Monday) 10:00 UTC
DID = "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK"


def glossary() -> Dict[str, Any]:
    """The glossary's example, made concrete (as the Rust authoring tests use it)."""
    return {
        "policy_name": "invoice-triage-prod",
        "issuer_did": "did:web:example.com",
        "tool_classes": {
            "read_only_repo": ["git_log", "git_show", "read_file"],
            "shell_exec": ["bash", "sh", "exec"],
            "write_filesystem": ["write_file", "apply_patch"],
            "browser_remote_control": ["browser_*"],
        },
        "allowed_tools": ["read_only_repo", "ticket_comment", "model_call_via_clawproxy"],
        "denied_tools": ["shell_exec", "write_filesystem", "browser_remote_control"],
        "data_classes_allowed": ["internal", "confidential"],
        "data_classes_denied": ["regulated_pii"],
        "approvals": [{"action": "send_external_email", "required": True}],
        "token_requirements": {
            "require_cst": True,
            "pin_cst_to_policy_hash": True,
            "max_ttl_minutes": 30,
        },
        "evidence_requirements": {"require_gateway_receipts": True, "require_proof_bundle": True},
        "run_time_limit_minutes": 120,
        "allowed_models": ["claude-*"],
    }


def v2(policy_id: str, statements: List[Dict[str, Any]], **extra: Any) -> str:
    doc = {"policy_version": "2", "policy_id": policy_id, "issuer_did": DID, "statements": statements}
    doc.update(extra)
    return json.dumps(doc)


def st(sid: str, effect: str, actions: List[str], resources: List[str], **kw: Any) -> Dict[str, Any]:
    s = {"sid": sid, "effect": effect, "actions": actions, "resources": resources}
    s.update(kw)
    return s


@pytest.fixture(scope="module")
def glossary_policy() -> claw.Policy:
    return claw.Policy.from_json(claw.compile_policy(json.dumps(glossary())))


def _independent_hash(payload: Any) -> str:
    digest = hashlib.sha256(rfc8785.dumps(payload)).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def test_glossary_compiles_and_hashes(glossary_policy: claw.Policy) -> None:
    p = glossary_policy
    assert p.version == "2" and p.policy_id == "invoice-triage-prod"
    assert p.issuer_did == "did:web:example.com" and p.inherits is None
    assert len(p.hash) == 43
    assert p.hash == _independent_hash(p.payload)
    assert p.canonical_bytes() == rfc8785.dumps(p.payload) == claw.jcs(p.payload)
    sids = [s["sid"] for s in p.payload["statements"]]
    assert sids == sorted(sids) and len(sids) == 7
    assert p.requirements == {
        "declared": True,
        "require_cst": True,
        "pin_cst_to_policy_hash": True,
        "max_ttl_seconds": 1800,
        "require_gateway_receipts": True,
        "require_proof_bundle": True,
        "run_time_limit_seconds": 7200,
    }
    # Deterministic: reordered lists, duplicates and whitespace give the same policy.
    g = glossary()
    g["allowed_tools"] = ["model_call_via_clawproxy", "ticket_comment", "read_only_repo", "ticket_comment"]
    again = claw.compile_policy(json.dumps(g, indent=2))
    assert claw.Policy.from_json(again).hash == p.hash
    assert "invoice-triage-prod" in repr(p) and p.hash in repr(p)


GLOSSARY_ROWS = [
    ("tool:execute", "git_log", {"Data:Class": "internal"}, "allow", "POLICY_ALLOW"),
    ("tool:execute", "ticket_comment", {"Data:Class": "confidential"}, "allow", "POLICY_ALLOW"),
    ("tool:execute", "bash", {"Data:Class": "internal"}, "deny", "POLICY_VIOLATION"),
    ("tool:execute", "browser_open", {"Data:Class": "internal"}, "deny", "POLICY_VIOLATION"),
    ("tool:execute", "apply_patch", {"Data:Class": "internal"}, "deny", "POLICY_VIOLATION"),
    ("tool:execute", "unknown_tool", {"Data:Class": "internal"}, "deny", "POLICY_DEFAULT_DENY"),
    (
        "tool:execute",
        "send_external_email",
        {"Data:Class": "internal"},
        "approval_required",
        "CAPABILITY_REQUIRES_APPROVAL",
    ),
    (
        "tool:execute",
        "send_external_email",
        {"Data:Class": "internal", "Request:HasHumanApproval": "true"},
        "allow",
        "POLICY_ALLOW",
    ),
    ("tool:execute", "git_log", {"Data:Class": "regulated_pii"}, "deny", "POLICY_DATA_CLASS_DENIED"),
    ("tool:execute", "git_log", {"Data:Class": "public"}, "deny", "POLICY_DATA_CLASS_NOT_ALLOWED"),
    ("tool:execute", "git_log", {}, "deny", "POLICY_DATA_CLASS_MISSING"),
    ("model:invoke", "claude-sonnet-4", {}, "allow", "POLICY_ALLOW"),
    ("model:invoke", "gpt-4o", {}, "deny", "POLICY_DEFAULT_DENY"),
]


@pytest.mark.parametrize("action, resource, ctx, decision, code", GLOSSARY_ROWS)
def test_glossary_decisions(
    glossary_policy: claw.Policy, action: str, resource: str, ctx: Dict[str, str], decision: str, code: str
) -> None:
    d = glossary_policy.decide(resource, action=action, context=ctx, now=NOW, run_started_at=NOW - 600)
    assert (d.decision, d.reason_code) == (decision, code)
    assert d.allowed == (decision == "allow")
    assert d.policy_hash == glossary_policy.hash
    if code != "POLICY_DEFAULT_DENY" and not code.startswith("POLICY_DATA_CLASS"):
        assert d.statement_id in [s["sid"] for s in glossary_policy.payload["statements"]]


def test_run_time_limit_and_resource_argument(glossary_policy: claw.Policy) -> None:
    ctx = {"Data:Class": "internal"}
    d = glossary_policy.decide("git_log", context=ctx, now=NOW, run_started_at=NOW - 7200)
    assert d.reason_code == "POLICY_RUN_TIME_LIMIT_EXCEEDED"
    d = glossary_policy.decide("git_log", context=ctx, now=NOW)
    assert d.decision == "deny"  # a run time limit needs the run's start
    # `resource` overrides the positional tool name.
    d = glossary_policy.decide("ignored", resource="git_log", context=ctx, now=NOW, run_started_at=NOW)
    assert d.allowed
    assert "POLICY_ALLOW" in repr(d)


def test_statements_conditions_and_request_validation() -> None:
    p = claw.Policy.from_json(
        v2(
            "p1",
            [
                st("read", "Allow", ["tool:execute"], ["read_*"]),
                st(
                    "office-hours",
                    "Allow",
                    ["tool:execute"],
                    ["deploy"],
                    conditions={"StringEquals": {"Env:Stage": "staging"}},
                ),
                st("no-secrets", "Deny", ["tool:execute"], ["read_secrets"]),
            ],
        )
    )
    assert p.decide("read_file", now=NOW).statement_id == "read"
    # A decision has no truth value: `if p.decide(tool): run()` must not run a denied tool.
    for tool in ("read_secrets", "read_file", "deploy"):
        with pytest.raises(TypeError, match="allowed"):
            bool(p.decide(tool, now=NOW))
    with pytest.raises(TypeError):
        if p.decide("read_secrets", now=NOW):
            pytest.fail("a deny was truthy")
    d = p.decide("read_secrets", now=NOW)
    assert (d.decision, d.reason_code, d.statement_id) == ("deny", "POLICY_VIOLATION", "no-secrets")
    assert p.decide("deploy", context={"Env:Stage": "staging"}, now=NOW).allowed
    assert not p.decide("deploy", context={"Env:Stage": "prod"}, now=NOW).allowed
    assert p.decide("", now=NOW).reason_code == "POLICY_REQUEST_INVALID"
    assert p.decide("read\nfile", now=NOW).reason_code == "POLICY_REQUEST_INVALID"
    with pytest.raises(TypeError):
        p.decide("read_file", context={"Data:Class": 1})  # type: ignore[dict-item]


def test_policy_errors() -> None:
    cases = [
        ("not json", "INVALID_JSON"),
        ('{"policy_version":"3"}', "UNKNOWN_SCHEMA_VERSION"),
        ('{"policy_version":"2","policy_id":"x"}', "SCHEMA_VALIDATION_FAILED"),
        (v2("p", [st("a", "Allow", ["*"], ["*"]), st("a", "Deny", ["*"], ["x"])]), "SCHEMA_VALIDATION_FAILED"),
        (v2("p", [st("a", "Allow", ["*"], ["*"])], Principal="x"), "SCHEMA_VALIDATION_FAILED"),
    ]
    for text, code in cases:
        with pytest.raises(claw.PolicyError) as ei:
            claw.Policy.from_json(text)
        assert ei.value.reason_code == code, text
    with pytest.raises(claw.PolicyError) as ei:
        claw.compile_policy('{"policy_name": "x"}')
    assert ei.value.reason_code == "POLICY_AUTHORING_INVALID"
    with pytest.raises(claw.PolicyError) as ei:
        claw.Policy.from_json(v2("p", [st("a", "Allow", ["*"], ["*"])], unknown=1))
    assert "unknown" in str(ei.value)


def test_sign_and_from_envelope(glossary_policy: claw.Policy) -> None:
    key = claw.SigningKey.generate()
    env = glossary_policy.sign(key)
    doc = json.loads(env)
    assert doc["envelope_type"] == "work_policy_contract"
    assert doc["payload_hash_b64u"] == glossary_policy.hash
    p = claw.Policy.from_envelope(env, signers=[key.did])
    assert p.hash == glossary_policy.hash and p.signer_did == key.did
    assert glossary_policy.signer_did is None
    p2 = claw.Policy.from_envelope(env.encode(), [key.public_key()])
    assert p2.hash == p.hash
    # Every refusal is a PolicyError carrying the failed check's code.
    def refused(text: str, code: str, **kw: Any) -> None:
        with pytest.raises(claw.PolicyError) as ei:
            claw.Policy.from_envelope(text, **kw)
        assert ei.value.reason_code == code, str(ei.value)

    other = claw.SigningKey.generate()
    refused(env, "SIGNER_NOT_ALLOWED", signers=[other.did])
    refused(env, "SIGNER_NOT_ALLOWED", signers=[])
    doc["payload"]["policy_id"] = "changed"
    refused(json.dumps(doc), "HASH_MISMATCH", signers=[key.did])
    short = glossary_policy.sign(key, issued_at_ms=NOW * 1000, expires_at_ms=NOW * 1000 + 1000)
    claw.Policy.from_envelope(short, signers=[key.did], now=NOW)
    refused(short, "EXPIRED", signers=[key.did])
    # The hash a CST pins can be required as well.
    claw.Policy.from_envelope(env, signers=[key.did], expected_hash=glossary_policy.hash)
    refused(env, "HASH_MISMATCH", signers=[key.did], expected_hash="A" * 43)
    # Another envelope type is not a policy; nor is a signed non-policy payload; nor bad JSON.
    refused(claw.sign_envelope("tool_receipt", {"a": 1}, key), "UNKNOWN_ENVELOPE_TYPE", signers=[key.did])
    bogus = claw.sign_envelope("work_policy_contract", {"policy_version": "2"}, key)
    refused(bogus, "SCHEMA_VALIDATION_FAILED", signers=[key.did])
    refused("{", "INVALID_JSON", signers=[key.did])


def test_inheritance_is_an_intersection() -> None:
    parent = claw.Policy.from_json(
        v2("org", [st("org-tools", "Allow", ["tool:execute"], ["read_*", "write_*"])])
    )
    child_text = v2(
        "team", [st("team-tools", "Allow", ["tool:execute"], ["read_*", "deploy"])], inherits="org"
    )
    orphan = claw.Policy.from_json(child_text)
    assert orphan.inherits == "org"
    assert orphan.decide("read_file", now=NOW).reason_code == "POLICY_PARENT_MISSING"
    child = claw.Policy.from_json(child_text, parent=parent)
    assert child.decide("read_file", now=NOW).allowed
    assert not child.decide("write_file", now=NOW).allowed  # parent allows, child does not
    assert not child.decide("deploy", now=NOW).allowed  # child allows, parent does not
    stranger = claw.Policy.from_json(v2("other", [st("a", "Allow", ["*"], ["*"])]))
    with pytest.raises(claw.PolicyError) as ei:
        claw.Policy.from_json(child_text, parent=stranger)
    assert ei.value.reason_code == "POLICY_PARENT_MISMATCH"
    # By hash too.
    by_hash = claw.Policy.from_json(
        v2("team2", [st("t", "Allow", ["tool:execute"], ["read_*"])], inherits=parent.hash), parent=parent
    )
    assert by_hash.decide("read_file", now=NOW).allowed


def test_v1_policy() -> None:
    p = claw.Policy.from_json(
        json.dumps(
            {
                "policy_version": "1",
                "policy_id": "v1",
                "issuer_did": DID,
                "allowed_providers": ["anthropic"],
                "allowed_models": ["claude-*"],
                "egress_allowlist": ["api.example.com"],
            }
        )
    )
    assert p.version == "1"
    assert p.decide("claude-3", action="model:invoke", context={"Model:Provider": "anthropic"}, now=NOW).allowed
    assert not p.decide("gpt-4", action="model:invoke", context={"Model:Provider": "anthropic"}, now=NOW).allowed
    assert p.decide("api.example.com", action="side_effect:network_egress", now=NOW).allowed


def test_policy_runtime_overrides_and_swap(glossary_policy: claw.Policy) -> None:
    ctx = {"Data:Class": "internal"}
    rt = claw.PolicyRuntime(glossary_policy)
    assert rt.policy_hash == glossary_policy.hash
    assert rt.decide("git_log", context=ctx, now=NOW, run_started_at=NOW).allowed
    rt.set_overrides({"denied_tools": ["git_*"]})
    d = rt.decide("git_log", context=ctx, now=NOW, run_started_at=NOW)
    assert d.reason_code == "OVERRIDE_TOOL_DENIED"
    rt.set_overrides(json.dumps({"denied_policy_hashes": [glossary_policy.hash]}))
    assert rt.decide("ticket_comment", context=ctx, now=NOW, run_started_at=NOW).reason_code == (
        "OVERRIDE_POLICY_HASH_DENIED"
    )
    with pytest.raises(claw.PolicyError) as ei:
        rt.set_overrides({"denied_tools": ["x"], "extra": 1})
    assert ei.value.reason_code == "OVERRIDES_INVALID"
    # Invalid overrides are refused and the current ones stay.
    assert rt.decide("ticket_comment", context=ctx, now=NOW, run_started_at=NOW).reason_code == (
        "OVERRIDE_POLICY_HASH_DENIED"
    )
    rt.set_overrides(None)
    other = claw.Policy.from_json(v2("p", [st("all", "Allow", ["tool:execute"], ["*"])]))
    rt.set_overrides({"required_policy_hash": other.hash})
    assert rt.decide("x", now=NOW).reason_code == "OVERRIDE_POLICY_HASH_MISMATCH"
    rt.swap_policy(other)
    assert rt.decide("x", now=NOW).allowed and rt.policy_hash == other.hash
    assert other.hash in repr(rt)
    with pytest.raises(claw.PolicyError):
        claw.PolicyRuntime(other, overrides="{")


def test_runtime_swap_while_threads_decide() -> None:
    allow = claw.Policy.from_json(v2("a", [st("all", "Allow", ["tool:execute"], ["*"])]))
    deny = claw.Policy.from_json(v2("d", [st("none", "Deny", ["tool:execute"], ["*"])]))
    rt = claw.PolicyRuntime(allow)
    stop = threading.Event()
    seen: List[str] = []

    def decider() -> None:
        while not stop.is_set():
            d = rt.decide("tool", now=NOW)
            # Every decision comes whole from one policy or the other.
            assert (d.policy_hash, d.reason_code) in (
                (allow.hash, "POLICY_ALLOW"),
                (deny.hash, "POLICY_VIOLATION"),
            )
            seen.append(d.reason_code)

    threads = [threading.Thread(target=decider) for _ in range(4)]
    for t in threads:
        t.start()
    for i in range(200):
        rt.swap_policy(deny if i % 2 == 0 else allow)
    rt.swap_policy(deny)
    after = rt.decide("tool", now=NOW)
    stop.set()
    for t in threads:
        t.join()
    assert after.reason_code == "POLICY_VIOLATION"
    assert len(seen) > 0
