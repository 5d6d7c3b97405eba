"""Evidence through Python: the reference conformance vectors, a recorded run end to end
(model calls through a gateway, tool calls, side effects, approvals, decisions, checkpoints),
receipt and consistency proofs, tampering, the Trust Pulse, and the refusals."""

from __future__ import annotations

import base64
import copy
import hashlib
import json
from typing import Any, Dict, List, Tuple

import pytest
import rfc8785

import claw
from vectors import shared_json, shared_path

T0 = 1_770_768_000_000  # 2026-02-11T00:00:00Z, milliseconds
CONFORMANCE_NOW = 1_775_260_800  # 2026-04-04T00:00:00Z, seconds

# Verified through Python in test_commit_aggregate.py; export bundles have no Python entry point.
OTHER_KINDS = {"aggregate_bundle", "commit_sig", "export_bundle"}


def _b64u_sha256(data: bytes) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()


# ---------------------------------------------------------------- reference conformance


def _fixture(manifest_path: str) -> Any:
    prefix = "packages/schema/fixtures/"
    assert manifest_path.startswith(prefix), manifest_path
    return shared_path("clawsig/fixtures/" + manifest_path[len(prefix):])


def test_reference_conformance_manifest() -> None:
    manifest = shared_json("clawsig/fixtures/protocol-conformance/manifest.v1.json")
    config = shared_path(
        "clawsig/fixtures/protocol-conformance/clawverify.config.conformance.v1.json"
    ).read_text()
    ran = 0
    failures = []
    for v in manifest["vectors"]:
        if v["kind"] != "proof_bundle":
            assert v["kind"] in OTHER_KINDS, v["name"]
            continue
        text = _fixture(v["path"]).read_bytes()
        verdict = claw.verify_bundle(text, config, now=CONFORMANCE_NOW)
        expected = v["expected"]["reason_code"]
        expected = expected if isinstance(expected, list) else [expected]
        ran += 1
        if verdict.valid != v["expected"]["valid"] or verdict.reason_code not in expected:
            failures.append(f"{v['name']}: got {verdict.reason_code} ({verdict.reason})")
        result = json.loads(verdict.to_json())
        assert result["status"] == ("PASS" if verdict.valid else "FAIL")
        assert result["reason_code"] == verdict.reason_code
    assert ran == 24
    assert not failures, failures
    # The config may also be given as a dict.
    ok = next(v for v in manifest["vectors"] if v["name"] == "proof_bundle.pass")
    text = _fixture(ok["path"]).read_bytes()
    verdict = claw.verify_bundle(text, json.loads(config), now=CONFORMANCE_NOW)
    assert verdict.valid and verdict.proof_tier == "gateway"


# ---------------------------------------------------------------- a recorded run


class Run:
    """One recorded run with every kind of receipt, and what the test needs to check it."""

    def __init__(self, tools: int = 3) -> None:
        self.agent = claw.SigningKey.generate()
        self.gateway_key = claw.SigningKey.generate()
        self.gateway = claw.Gateway("gw-test", self.gateway_key)
        self.rec = claw.Recorder(self.agent)
        self.receipts: List[str] = []
        self.checkpoints: List[claw.Checkpoint] = []
        t = T0
        rec = self.rec
        rec.record_event("run_start", {"harness": "pytest"}, timestamp_ms=t)
        # A model call through claw's own gateway, in one step...
        t += 1000
        self.receipts.append(
            rec.record_model_call(
                self.gateway,
                provider="anthropic",
                model="claude-test",
                request=b'{"prompt":"hi"}',
                response=b'{"text":"hello"}',
                tokens_input=3,
                tokens_output=5,
                latency_ms=200,
                timestamp_ms=t,
            )
        )
        self.checkpoints.append(rec.checkpoint(timestamp_ms=t))
        for i in range(tools):
            t += 100
            rec.record_decision(
                {"tool": "read_file", "decision": "allow", "reason_code": "POLICY_ALLOW"},
                timestamp_ms=t,
            )
            self.receipts.append(
                rec.record_tool_call(
                    "read_file",
                    {"path": f"src/file_{i}.py"},
                    {"bytes": 10 * i, "ok": True},
                    latency_ms=3,
                    timestamp_ms=t,
                )
            )
        # ...and one in steps, as with an external gateway.
        t += 100
        pending = rec.begin_model_call("anthropic", "claude-test", timestamp_ms=t)
        assert pending.binding["run_id"] == rec.run_id
        receipt = self.gateway.sign_receipt(
            pending,
            provider="anthropic",
            model="claude-test",
            request=b"q",
            response=b"a",
            latency_ms=50,
            timestamp_ms=t + 50,
        )
        rec.attach_gateway_receipt(pending, receipt)
        self.receipts.append(json.loads(receipt)["payload"]["receipt_id"])
        t += 100
        self.receipts.append(
            rec.record_side_effect(
                "network_egress",
                target=b"https://api.example.com/v1/items",
                request=b"GET",
                response=b"200",
                vendor_id="example",
                response_status="success",
                latency_ms=20,
                timestamp_ms=t,
            )
        )
        t += 100
        self.receipts.append(
            rec.record_human_approval(
                "explicit_approve",
                "alice@example.com",
                {"tool": "send_external_email", "to": "bob@example.com"},
                approver_method="ui_click",
                scope_summary="send one email",
                timestamp_ms=t,
            )
        )
        self.checkpoints.append(rec.checkpoint(timestamp_ms=t))
        self.t_end = t + 100
        self.bundle = rec.finish(harness_id="pytest", harness_version="1", timestamp_ms=self.t_end)
        self.text = self.bundle.to_json()

    def verify(self, text: Any = None, **kw: Any) -> claw.Verdict:
        kw.setdefault("gateway_signers", [self.gateway.did])
        return claw.verify_bundle(self.text if text is None else text, **kw)


@pytest.fixture(scope="module")
def run() -> Run:
    return Run()


def test_recorded_run_verifies_with_gateway_tier(run: Run) -> None:
    v = run.verify()
    assert v.valid, (v.reason_code, v.reason)
    assert (v.reason_code, v.proof_tier) == ("OK", "gateway")
    assert v.agent_did == run.agent.did and v.run_id == run.rec.run_id
    assert v.bundle_id == run.bundle.bundle_id
    assert v.counts["receipts"] == 2
    for name in ("envelope", "schema", "event_chain", "gateway", "receipts", "causal", "merkle"):
        assert v.components[name]["status"] == "pass", name
    assert v.components["policy"]["status"] == "skipped"
    assert "valid=True" in repr(v)
    # Sequential signatures, a bytes input, and a DID key object agree.
    seq = run.verify(run.text.encode(), sig_mode="sequential", threads=1)
    assert json.loads(seq.to_json())["components"] == json.loads(v.to_json())["components"]
    # An absurd thread count is clamped by the core (it used to never return).
    many = run.verify(threads=10**8)
    assert json.loads(many.to_json())["components"] == json.loads(v.to_json())["components"]
    assert run.verify(gateway_signers=[run.gateway_key.public_key()]).valid


def test_bundle_contents_and_hash_rule(run: Run) -> None:
    env = json.loads(run.text)
    payload = env["payload"]
    assert env["envelope_type"] == "proof_bundle" and env["signer_did"] == run.agent.did
    # Written canonically, hashed as JCS = JSON.stringify of sorted keys (checked with rfc8785).
    assert run.text.encode() == rfc8785.dumps(env)
    assert env["payload_hash_b64u"] == _b64u_sha256(rfc8785.dumps(payload)) == run.bundle.payload_hash
    assert payload == run.bundle.payload
    assert sorted(run.bundle.receipt_ids()) == sorted(run.receipts)
    events = payload["event_chain"]
    assert len(events) >= 10 and len(run.rec) == 0  # the recorder is spent once finished
    assert events[0]["prev_hash_b64u"] is None
    for a, b in zip(events, events[1:]):
        assert b["prev_hash_b64u"] == a["event_hash_b64u"]
    meta = payload["metadata"]
    assert meta["harness"] == {"id": "pytest", "version": "1"}
    assert meta["claw.dev/v1"]["merkle"]["size"] == len(run.receipts)
    assert meta["claw.dev/v1"]["checkpoint"]["payload"]["root_b64u"] == run.bundle.checkpoint.root


def test_trust_pulse(run: Run) -> None:
    pulse = run.bundle.trust_pulse
    assert pulse is not None
    assert pulse["agent_did"] == run.agent.did and pulse["evidence_class"] == "self_reported"
    assert {"name": "read_file", "calls": 3} in pulse["tools"]
    assert {f["path"] for f in pulse["files"]} == {f"src/file_{i}.py" for i in range(3)}
    derived = claw.trust_pulse_from_bundle(
        run.text, gateway_signers=[run.gateway.did], issued_at_ms=run.t_end
    )
    assert derived["tools"] == pulse["tools"] and derived["files"] == []


def test_trust_pulse_reads_only_the_verified_document(run: Run) -> None:
    """Issue 12, one document, one verdict: the pulse used to be read from an invented
    `payload` beside the genuine `envelope`; the bundle is now verified first and an
    ambiguous root is refused."""
    genuine = json.loads(run.text)
    invented = dict(genuine["payload"], tool_receipts=[], bundle_id="bundle_invented")
    for wrapped in (
        {"envelope": genuine, "payload": invented},
        {"bundle": {"export_version": "1"}, "envelope": genuine},
    ):
        with pytest.raises(claw.BundleError) as ei:
            claw.trust_pulse_from_bundle(json.dumps(wrapped), gateway_signers=[run.gateway.did])
        assert ei.value.reason_code == "AMBIGUOUS_DOCUMENT"
        assert claw.verify_bundle(json.dumps(wrapped)).reason_code == "AMBIGUOUS_DOCUMENT"
    # Unverified input is not read at all: without the trusted gateway the bundle fails.
    with pytest.raises(claw.BundleError) as ei:
        claw.trust_pulse_from_bundle(run.text)
    assert ei.value.reason_code == "DEPENDENCY_NOT_CONFIGURED"


def test_gateway_receipt_proof_needs_a_trusted_gateway(run: Run) -> None:
    """Issue 12: a gateway receipt's proof passed with no gateway configured; it is checked
    as bundle verify checks the receipt."""
    proof = run.bundle.receipt_proof(run.receipts[0])
    assert json.loads(proof)["kind"] == "gateway_receipt"
    assert claw.verify_receipt_proof(proof, gateway_signers=[run.gateway.did])
    with pytest.raises(claw.ClawError) as ei:
        claw.verify_receipt_proof(proof)
    assert ei.value.reason_code == "DEPENDENCY_NOT_CONFIGURED"
    with pytest.raises(claw.ClawError) as ei:
        claw.verify_receipt_proof(proof, gateway_signers=[run.agent.did])
    assert ei.value.reason_code == "RECEIPT_VERIFICATION_FAILED"


def test_receipt_proofs(run: Run) -> None:
    for rid in run.bundle.receipt_ids():
        proof = run.bundle.receipt_proof(rid)
        got = claw.verify_receipt_proof(
            proof, expected_agent=run.agent.did, gateway_signers=[run.gateway.did]
        )
        assert got["receipt_id"] == rid and got["run_id"] == run.rec.run_id
        assert got["root_b64u"] == run.bundle.checkpoint.root
    proof = json.loads(run.bundle.receipt_proof(run.receipts[1]))
    with pytest.raises(claw.ClawError) as ei:
        claw.verify_receipt_proof(json.dumps(proof), expected_agent=claw.SigningKey.generate().did)
    assert ei.value.reason_code == "PROOF_BUNDLE_AGENT_MISMATCH"
    proof["leaf_index"] = (proof["leaf_index"] + 1) % proof["tree_size"]
    with pytest.raises(claw.ClawError) as ei:
        claw.verify_receipt_proof(json.dumps(proof), gateway_signers=[run.gateway.did])
    assert ei.value.reason_code == "INCLUSION_PROOF_INVALID"
    with pytest.raises(claw.BundleError) as ei:
        run.bundle.receipt_proof("tr_nope")
    assert ei.value.reason_code == "CLAIM_NOT_FOUND"
    # Anyone holding the bundle can cut the same proofs.
    again = claw.Bundle.from_verified_json(run.text, gateway_signers=[run.gateway.did])
    assert again.receipt_ids() == run.bundle.receipt_ids()
    rid = run.receipts[0]
    assert again.receipt_proof(rid) == run.bundle.receipt_proof(rid)


def test_checkpoints_and_consistency(run: Run) -> None:
    first, second = run.checkpoints
    assert first.tree_size < second.tree_size and first.run_id == second.run_id
    assert json.loads(first.to_json())["envelope_type"] == "claw_receipt_checkpoint"
    assert "tree_size=" in repr(first)


def test_consistency_proof_between_checkpoints() -> None:
    agent = claw.SigningKey.generate()
    rec = claw.Recorder(agent, run_id="run_consistency")
    assert rec.run_id == "run_consistency"
    cps = []
    for i in range(4):
        rec.record_tool_call("t", {"i": i}, {"ok": True}, timestamp_ms=T0 + i)
        cps.append(rec.checkpoint(timestamp_ms=T0 + i))
    proof = rec.consistency_proof(cps[0], cps[3])
    old, new = claw.verify_checkpoint_consistency(proof, expected_agent=agent.did)
    assert (old.tree_size, new.tree_size) == (1, 4)
    with pytest.raises(claw.ClawError):
        claw.verify_checkpoint_consistency(proof, expected_agent=claw.SigningKey.generate().did)
    bad = json.loads(proof)
    bad["path_b64u"] = bad["path_b64u"][::-1]
    with pytest.raises(claw.ClawError):
        claw.verify_checkpoint_consistency(json.dumps(bad))


def _mutations(text: str) -> List[Tuple[str, str]]:
    env = json.loads(text)
    out = []
    m = copy.deepcopy(env)
    m["payload"]["event_chain"][1]["timestamp"] = "2030-01-01T00:00:00.000Z"
    out.append(("event timestamp", json.dumps(m)))
    m = copy.deepcopy(env)
    m["payload"]["event_chain"].pop(2)
    out.append(("dropped event", json.dumps(m)))
    m = copy.deepcopy(env)
    m["payload"]["tool_receipts"] = m["payload"]["tool_receipts"][:-1]
    out.append(("dropped receipt", json.dumps(m)))
    m = copy.deepcopy(env)
    m["signature_b64u"] = m["signature_b64u"][:-2] + ("AA" if not m["signature_b64u"].endswith("AA") else "BA")
    out.append(("signature", json.dumps(m)))
    return out


def test_tampering_is_caught(run: Run) -> None:
    for what, text in _mutations(run.text):
        v = run.verify(text)
        assert not v.valid, what
        assert v.reason_code != "OK" and v.proof_tier == "unknown", what
    # Re-signed by another key: the signer is not the agent of the bundle.
    env = json.loads(run.text)
    env["payload"]["agent_did"] = claw.SigningKey.generate().did
    assert not run.verify(json.dumps(env)).valid
    # Not JSON, or not a bundle: a verdict, not an exception.
    assert run.verify("{").reason_code == "INVALID_JSON"
    receipt = claw.sign_envelope("tool_receipt", {"a": 1}, run.agent)
    assert run.verify(receipt).reason_code == "UNKNOWN_ENVELOPE_TYPE"
    with pytest.raises(claw.BundleError):
        claw.Bundle.from_verified_json("{")


def test_gateway_not_allowlisted(run: Run) -> None:
    v = run.verify(gateway_signers=None)
    assert not v.valid and v.reason_code == "DEPENDENCY_NOT_CONFIGURED"
    other = claw.SigningKey.generate().did
    v = run.verify(gateway_signers=[other])
    assert not v.valid


def test_recorder_refusals() -> None:
    agent = claw.SigningKey.generate()
    gw = claw.Gateway("gw", claw.SigningKey.generate())
    spent = claw.Recorder(agent)
    spent.begin_model_call("p", "m", timestamp_ms=T0)
    with pytest.raises(claw.BundleError) as ei:
        spent.finish(timestamp_ms=T0 + 1)
    assert ei.value.reason_code == "MISSING_REQUIRED_FIELD"
    # The core's finish() takes the run even when it refuses (reported to the lead).
    with pytest.raises(ValueError):
        spent.checkpoint()
    rec = claw.Recorder(agent)
    pending = rec.begin_model_call("p", "m", timestamp_ms=T0)
    # A receipt for another run is refused and the call stays pending.
    other = claw.Recorder(agent).begin_model_call("p", "m", timestamp_ms=T0)
    foreign = gw.sign_receipt(other, provider="p", model="m", request=b"", response=b"", timestamp_ms=T0)
    with pytest.raises(claw.BundleError) as ei:
        rec.attach_gateway_receipt(pending, foreign)
    assert ei.value.reason_code == "RECEIPT_BINDING_MISMATCH"
    # The same receipt carried by a gateway response (JSON body, SSE trailer): found, refused
    # the same way; a response carrying none is RECEIPT_NOT_CARRIED.
    body = b'{"id":"chatcmpl-1","_receipt_envelope":' + foreign.encode() + b"}"
    trailer = b":clawproxy_receipt_envelope_b64u=" + base64.urlsafe_b64encode(foreign.encode()).rstrip(b"=") + b"\n\n"
    for carried in (body, b"data: 1\n\n" + trailer):
        with pytest.raises(claw.BundleError) as ei:
            rec.attach_response_receipt(pending, carried)
        assert ei.value.reason_code == "RECEIPT_BINDING_MISMATCH"
    with pytest.raises(claw.BundleError) as ei:
        rec.attach_response_receipt(pending, b'{"id":1}')
    assert ei.value.reason_code == "RECEIPT_NOT_CARRIED"
    rec.abandon_model_call(pending)
    with pytest.raises(ValueError):
        rec.abandon_model_call(pending)
    with pytest.raises(ValueError):
        pending.binding
    assert "closed" in repr(pending)
    # Clock regression.
    with pytest.raises(claw.BundleError) as ei:
        rec.record_event("x", {}, timestamp_ms=T0 - 1000)
    assert ei.value.reason_code == "CAUSAL_CLOCK_CONTRADICTION"
    # Values with no JSON form, index-like keys, bad choices.
    with pytest.raises(claw.CanonicalizationError):
        rec.record_tool_call("t", {"x": float("nan")}, {}, timestamp_ms=T0)
    # Arguments are only hashed (JCS), so any keys do; embedded metadata must keep its key
    # order under JSON.stringify, so array-index keys are refused there.
    rec.record_tool_call("t", {"0": 1}, {}, timestamp_ms=T0)
    with pytest.raises(claw.BundleError) as ei:
        rec.record_model_call(
            gw, provider="p", model="m", request=b"", response=b"", metadata={"0": 1}, timestamp_ms=T0
        )
    assert ei.value.reason_code == "CANONICALIZATION_ERROR"
    with pytest.raises(ValueError) as vi:
        rec.record_tool_call("t", {}, {}, status="fine", timestamp_ms=T0)  # type: ignore[arg-type]
    assert "success" in str(vi.value)
    with pytest.raises(ValueError):
        rec.record_side_effect("teleport", target=b"x", timestamp_ms=T0)  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        claw.verify_bundle("{}", causal_mode="sometimes")  # type: ignore[arg-type]
    rec.finish(timestamp_ms=T0 + 10)
    with pytest.raises(ValueError):
        rec.record_event("late", {}, timestamp_ms=T0 + 20)
    with pytest.raises(ValueError):
        claw.build_bundle(rec)
    assert len(rec) == 0


def test_choices_are_read_exactly() -> None:
    """Enum arguments take the core's wire names exactly: no case folding, no trimming; the
    ValueError names the argument, the value and every accepted name."""
    rec = claw.Recorder(claw.SigningKey.generate())
    for bad in ("Success", "SUCCESS", " success", "success ", "success\n", "", "ok"):
        with pytest.raises(ValueError) as vi:
            rec.record_tool_call("t", {}, {}, status=bad, timestamp_ms=T0)  # type: ignore[arg-type]
        msg = str(vi.value)
        assert msg.startswith("status: ") and "ToolStatus" in msg, msg
        assert all(f'"{n}"' in msg for n in ("success", "error", "timeout")), msg
    with pytest.raises(ValueError, match="response_status: .*denied"):
        rec.record_side_effect(
            "network_egress", target=b"x", response_status="Denied", timestamp_ms=T0  # type: ignore[arg-type]
        )
    with pytest.raises(ValueError, match="approver_method: .*policy_auto"):
        rec.record_human_approval(
            "explicit_approve", "u", {}, approver_method="ui-click", timestamp_ms=T0  # type: ignore[arg-type]
        )
    with pytest.raises(ValueError, match="causal_anchoring: .*require"):
        rec.finish(causal_anchoring="OFF", timestamp_ms=T0)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="sig_mode: .*sequential"):
        claw.verify_bundle("{}", sig_mode="Batch")  # type: ignore[arg-type]
    # Nothing was recorded and the refused finish left the run open.
    assert len(rec) == 0
    rec.record_tool_call("t", {}, {}, status="timeout", timestamp_ms=T0)
    rec.finish(causal_anchoring="off", timestamp_ms=T0 + 1)


def test_causal_anchoring() -> None:
    rec = claw.Recorder(claw.SigningKey.generate())
    rec.record_side_effect("filesystem_write", target=b"/tmp/x", bytes_written=3, timestamp_ms=T0)
    with pytest.raises(claw.BundleError) as ei:
        rec.finish(timestamp_ms=T0 + 1)
    assert ei.value.reason_code == "CAUSAL_SIDE_EFFECT_ORPHANED"
    # finish() takes the run whether or not it succeeds; record again to build anyway.
    rec2 = claw.Recorder(claw.SigningKey.generate())
    rec2.record_side_effect("filesystem_write", target=b"/tmp/x", timestamp_ms=T0)
    b = claw.build_bundle(rec2, causal_anchoring="off", timestamp_ms=T0 + 1)
    assert not claw.verify_bundle(b.to_json()).valid
    observed = claw.verify_bundle(b.to_json(), causal_mode="observe")
    assert observed.valid and observed.proof_tier == "self"
    # The same option through the one options document (what the CLI's --config and the C
    # ABI's config_json read), and a keyword overriding the document's member.
    assert claw.verify_bundle(b.to_json(), {"config_version": "1", "causal_mode": "observe"}).valid
    assert claw.verify_bundle(b.to_json(), '{"causal_mode": "observe"}').valid
    assert not claw.verify_bundle(b.to_json(), {"causal_mode": "observe"}, causal_mode="enforce").valid
    # A misspelt member is refused, not ignored.
    with pytest.raises(claw.ClawError) as ci:
        claw.verify_bundle(b.to_json(), {"causal_mdoe": "observe"})
    assert ci.value.reason_code == "CONFIG_ERROR"


def test_delegation_and_extra_metadata() -> None:
    delegate = claw.SigningKey.generate()
    sub = claw.Recorder(delegate)
    sub.record_tool_call("t", {}, {}, timestamp_ms=T0)
    sub_bundle = sub.finish(timestamp_ms=T0 + 1)
    assert claw.verify_bundle(sub_bundle.to_json()).valid
    rec = claw.Recorder(claw.SigningKey.generate())
    rid = rec.record_delegation(
        delegate.did, b"summarize the tickets", sub_bundle.payload_hash, delegated_at_ms=T0 + 2
    )
    assert rid.startswith("dlg_")
    b = rec.finish(extra={"wpc": {"policy_hash_b64u": "x" * 43}}, trust_pulse=False, timestamp_ms=T0 + 3)
    assert b.trust_pulse is None
    assert b.payload["metadata"]["claw.dev/v1"]["wpc"] == {"policy_hash_b64u": "x" * 43}
    assert claw.verify_bundle(b.to_json()).valid
    with pytest.raises(claw.BundleError):
        claw.Recorder(claw.SigningKey.generate()).finish(extra={"merkle": 1}, timestamp_ms=T0)


def test_log_inclusion_proof_golden() -> None:
    export = shared_json("clawsig/fixtures/export_bundle_golden.v1.json")
    proof = export["bundle"]["artifacts"]["derivation_attestation_envelopes"][0]["payload"][
        "clawlogs"
    ]["inclusion_proof"]
    log = "did:key:z6MkehRgf7yJbgaGfYsdoAsKdBPE3dj2CYhowQdcjqSJgvVd"
    claw.verify_log_inclusion_proof(proof)
    claw.verify_log_inclusion_proof(json.dumps(proof), trusted_signers=[log])
    with pytest.raises(claw.ClawError) as ei:
        claw.verify_log_inclusion_proof(proof, trusted_signers=[claw.SigningKey.generate().did])
    assert ei.value.reason_code == "INCLUSION_PROOF_INVALID"
    bad: Dict[str, Any] = copy.deepcopy(proof)
    bad["metadata"]["leaf_index"] = 2
    with pytest.raises(claw.ClawError):
        claw.verify_log_inclusion_proof(bad)


def test_policy_replay(run: Run) -> None:
    def policy(allowed: List[str]) -> claw.Policy:
        return claw.Policy.from_json(
            json.dumps(
                {
                    "policy_version": "2",
                    "policy_id": "replay",
                    "issuer_did": run.agent.did,
                    "statements": [
                        {"sid": "tools", "effect": "Allow", "actions": ["tool:execute"], "resources": allowed}
                    ],
                }
            )
        )

    ok = run.verify(policy=policy(["read_*"]))
    # This recorder names no policy: replayed, but not shown to be bound to it (warn, never pass).
    assert ok.valid and ok.components["policy"]["status"] == "warn"
    assert ok.components["policy"]["code"] == "POLICY_BINDING_MISSING"
    denied = run.verify(policy=policy(["write_file"]))
    assert not denied.valid and denied.reason_code == "POLICY_VIOLATION"
    assert denied.components["policy"]["status"] == "fail"
    with pytest.raises(claw.BundleError) as ei:
        claw.Bundle.from_verified_json(run.text, gateway_signers=[run.gateway.did], policy=policy(["nothing"]))
    assert ei.value.reason_code == "POLICY_VIOLATION"
