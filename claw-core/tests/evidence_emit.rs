//! Emitted evidence: round trips through claw's verifier, the reference schemas (checked
//! by an independent JSON Schema implementation), receipt and consistency proofs, the
//! Trust Pulse, causal anchoring and the emitter's refusals.

mod common;
mod evidence_util;

use claw_core::evidence::{
    sign_receipt_envelope, verify_bundle, verify_consistency_proof, verify_log_inclusion_proof,
    verify_receipt_proof, Bundle, BundleOptions, CausalAnchoring, CausalMode, ComponentStatus,
    EffectClass, EvidenceError, ModelCall, ProofTier, ReceiptKind, Recorder, SideEffect, ToolCall,
    ToolStatus, CLAW_NAMESPACE,
};
use claw_core::json::{self, KeyOrder};
use claw_core::keys::SigningKey;
use evidence_util::*;
use serde_json::{json, Value};
use std::path::PathBuf;

fn payload(b: &Bundle) -> &Value {
    &b.envelope().payload
}

#[test]
fn emitted_bundle_verifies_with_gateway_tier_and_all_components() {
    let b = build(25, 1);
    let text = b.to_json().unwrap();
    let v = verify_bundle(text.as_bytes(), &config());
    assert!(v.valid, "{v:?}");
    assert_eq!(v.reason_code, "OK");
    assert_eq!(v.proof_tier, ProofTier::Gateway);
    assert_eq!(v.receipts_count, 5);
    assert_eq!(v.receipts_verified_count, 5);
    for c in [
        "envelope",
        "schema",
        "event_chain",
        "gateway",
        "receipts",
        "causal",
        "merkle",
    ] {
        assert_eq!(v.component(c).unwrap().status, ComponentStatus::Pass, "{c}");
    }
    assert_eq!(
        v.component("policy").unwrap().status,
        ComponentStatus::Skipped
    );
    let j = v.to_json();
    assert_eq!(j["status"], "PASS");
    assert_eq!(j["proof_tier"], "gateway");
    assert_eq!(j["components"]["merkle"]["status"], "pass");
    // Sequential path agrees.
    let mut seq = config();
    seq.sig_mode = claw_core::evidence::SigMode::Sequential;
    assert_eq!(verify_bundle(text.as_bytes(), &seq), v);
}

#[test]
fn emitted_payloads_hash_the_same_under_both_reference_rules() {
    let b = build(10, 2);
    let p = payload(&b);
    assert_eq!(
        json::serialize(p, KeyOrder::JavaScript).unwrap(),
        json::canonicalize(p).unwrap()
    );
    // Receipt arrays are sorted by receipt_id.
    for kind in ReceiptKind::ALL {
        let ids: Vec<String> = p[kind.array_name()]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| {
                let p = if r.get("envelope_type").is_some() {
                    &r["payload"]
                } else {
                    r
                };
                p["receipt_id"].as_str().unwrap().to_string()
            })
            .collect();
        let mut sorted = ids.clone();
        sorted.sort();
        assert_eq!(ids, sorted, "{}", kind.array_name());
        assert!(ids[0].starts_with(kind.id_prefix()));
    }
    // spec-strict accepts what we emit.
    let mut cfg = config();
    cfg.spec_strict = true;
    let v = verify_bundle(b.to_json().unwrap().as_bytes(), &cfg);
    assert!(v.valid, "{v:?}");
}

fn schema_cases(b: &Bundle, dir: &std::path::Path) -> Vec<PathBuf> {
    let mut cases: Vec<(&str, Value)> =
        vec![("proof_bundle_envelope.v1.json", b.envelope().to_value())];
    let p = payload(b);
    for r in p["receipts"].as_array().unwrap() {
        cases.push(("gateway_receipt_envelope.v1.json", r.clone()));
    }
    for r in p["tool_receipts"].as_array().unwrap() {
        cases.push(("tool_receipt_envelope.v1.json", r.clone()));
    }
    let key = agent_key();
    for (kind, file, env_file) in [
        (
            ReceiptKind::SideEffect,
            "side_effect_receipt.v1.json",
            "side_effect_receipt_envelope.v1.json",
        ),
        (
            ReceiptKind::HumanApproval,
            "human_approval_receipt.v1.json",
            "human_approval_receipt_envelope.v1.json",
        ),
        (
            ReceiptKind::Delegation,
            "delegation_receipt.v1.json",
            "delegation_receipt_envelope.v1.json",
        ),
    ] {
        for r in p[kind.array_name()].as_array().unwrap() {
            cases.push((file, r.clone()));
            let env = sign_receipt_envelope(kind, r, &key, T0).unwrap();
            cases.push((env_file, env.to_value()));
        }
    }
    cases.push((
        "trust_pulse.v1.json",
        b.trust_pulse().unwrap().to_value().clone(),
    ));
    cases
        .into_iter()
        .enumerate()
        .map(|(i, (schema, instance))| {
            let path = dir.join(format!("case{i}.json"));
            let text =
                serde_json::to_string(&json!({"schema": schema, "instance": instance})).unwrap();
            std::fs::write(&path, text).unwrap();
            path
        })
        .collect()
}

#[test]
fn emitted_evidence_validates_against_the_reference_schemas() {
    let b = build(30, 3);
    let dir = std::env::temp_dir().join(format!("claw-evidence-schema-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let files = schema_cases(&b, &dir);
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/evidence_schema_check.py");
    let out = std::process::Command::new("python3")
        .arg(&script)
        .arg(common::shared_dir().join("clawsig/poh"))
        .args(&files)
        .output()
        .expect("python3 is needed for the schema check");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    println!("{stdout}{stderr}");
    let _ = std::fs::remove_dir_all(&dir);
    assert!(
        out.status.success(),
        "schema validation failed (needs `pip install jsonschema`):\n{stdout}{stderr}"
    );
    assert!(stdout.contains(&format!("validated {} instances, 0 errors", files.len())));
}

#[test]
fn receipt_proofs_verify_offline_and_detect_tampering() {
    let b = build(12, 4);
    let text = b.to_json().unwrap();
    // A third party holding only the bundle can issue the same proofs.
    let again = Bundle::from_verified_json(text.as_bytes(), &config()).unwrap();
    let agent = agent_key().verifying_key().did();
    let allow = vec![gateway().did()];
    for r in b.leaves() {
        let id = r.receipt_id().to_string();
        let proof = b.receipt_proof(&id).unwrap();
        assert_eq!(proof, again.receipt_proof(&id).unwrap());
        let bytes = proof.to_json().unwrap();
        let ok = verify_receipt_proof(bytes.as_bytes(), Some(&agent), &allow).unwrap();
        assert_eq!(ok.receipt_id, id);
        assert_eq!(ok.kind, r.kind);
        assert_eq!(ok.tree_size, b.leaves().len() as u64);
        // Another agent's expectation fails.
        let other = claw_core::keys::SigningKey::from_seed(&[1; 32])
            .verifying_key()
            .did();
        assert_eq!(
            verify_receipt_proof(bytes.as_bytes(), Some(&other), &allow)
                .unwrap_err()
                .reason_code(),
            "PROOF_BUNDLE_AGENT_MISMATCH"
        );
        // Change the receipt: the audit path no longer leads to the root.
        let mut v = proof.to_value();
        let target = if v["receipt"].get("payload").is_some() {
            &mut v["receipt"]["payload"]
        } else {
            &mut v["receipt"]
        };
        target["receipt_id"] = json!(format!("{id}x"));
        let e = verify_receipt_proof(&json::canonicalize(&v).unwrap(), Some(&agent), &allow)
            .unwrap_err();
        assert_eq!(e.reason_code(), "INCLUSION_PROOF_INVALID");
        // Change the index.
        let mut v = proof.to_value();
        v["leaf_index"] = json!((proof.leaf_index + 1) % proof.tree_size);
        assert!(
            verify_receipt_proof(&json::canonicalize(&v).unwrap(), Some(&agent), &allow).is_err()
        );
        // Change the checkpoint root: its signature breaks.
        let mut v = proof.to_value();
        v["checkpoint"]["payload"]["tree_size"] = json!(proof.tree_size + 1);
        assert_eq!(
            verify_receipt_proof(&json::canonicalize(&v).unwrap(), Some(&agent), &allow)
                .unwrap_err()
                .reason_code(),
            "HASH_MISMATCH"
        );
    }
    // A gateway receipt from a signer outside the allowlist is refused.
    let gw_id = b
        .leaves()
        .iter()
        .find(|r| r.kind == ReceiptKind::Gateway)
        .unwrap()
        .receipt_id()
        .to_string();
    let bytes = b.receipt_proof(&gw_id).unwrap().to_json().unwrap();
    assert_eq!(
        verify_receipt_proof(bytes.as_bytes(), None, &["did:key:z6MkOther".to_string()])
            .unwrap_err()
            .reason_code(),
        "RECEIPT_VERIFICATION_FAILED"
    );
}

#[test]
fn checkpoints_of_a_long_run_are_consistent() {
    let mut rng = TestRng::new(5);
    let gw = gateway();
    let mut rec = Recorder::new(agent_key(), &mut rng);
    let tool = |rec: &mut Recorder, rng: &mut TestRng, t: i64| {
        rec.record_tool_call(
            &ToolCall {
                tool_name: "grep",
                tool_version: None,
                args: &json!({"pattern": "x"}),
                result: &json!([]),
                result_status: ToolStatus::Success,
                latency_ms: 1,
                timestamp_ms: t,
            },
            rng,
        )
        .unwrap();
    };
    let empty = rec.checkpoint(T0).unwrap();
    assert_eq!(empty.tree_size, 0);
    tool(&mut rec, &mut rng, T0 + 1);
    tool(&mut rec, &mut rng, T0 + 2);
    let a = rec.checkpoint(T0 + 3).unwrap();
    assert_eq!(a.tree_size, 2);
    // A model call is pending: later receipts wait behind it.
    let pending = rec
        .begin_model_call("openai", "gpt-test", T0 + 4, &mut rng)
        .unwrap();
    tool(&mut rec, &mut rng, T0 + 5);
    let b = rec.checkpoint(T0 + 6).unwrap();
    assert_eq!(b.tree_size, 2);
    assert_eq!(b.event_count, 2);
    let call = ModelCall {
        provider: "openai",
        model: "gpt-test",
        request: b"q",
        response: b"a",
        tokens_input: 1,
        tokens_output: 1,
        latency_ms: 2,
        timestamp_ms: T0 + 7,
        metadata: None,
    };
    let env = gw
        .sign_receipt(&call, Some(&pending.binding), &mut rng)
        .unwrap();
    rec.attach_gateway_receipt(pending, &env).unwrap();
    tool(&mut rec, &mut rng, T0 + 8);
    let c = rec.checkpoint(T0 + 9).unwrap();
    assert_eq!(c.tree_size, 5);
    let agent = agent_key().verifying_key().did();
    for (from, to) in [(&empty, &a), (&a, &b), (&a, &c), (&b, &c), (&c, &c)] {
        let p = rec.consistency_proof(from, to).unwrap();
        let (f, t) =
            verify_consistency_proof(p.to_json().unwrap().as_bytes(), Some(&agent)).unwrap();
        assert_eq!((f.tree_size, t.tree_size), (from.tree_size, to.tree_size));
    }
    // Swapping the checkpoints, or a forged path, fails.
    let p = rec.consistency_proof(&a, &c).unwrap();
    let mut v = p.to_value();
    let (from_v, to_v) = (v["to"].clone(), v["from"].clone());
    v["from"] = from_v;
    v["to"] = to_v;
    assert!(verify_consistency_proof(&json::canonicalize(&v).unwrap(), Some(&agent)).is_err());
    let mut v = p.to_value();
    v["path_b64u"][0] = json!(claw_core::hash::sha256_b64u(b"forged"));
    assert_eq!(
        verify_consistency_proof(&json::canonicalize(&v).unwrap(), Some(&agent))
            .unwrap_err()
            .reason_code(),
        "INVALID_ROOT"
    );
    // The final bundle's checkpoint extends every earlier one.
    let bundle = rec
        .finish(&BundleOptions::default(), T0 + 20, &mut rng)
        .unwrap();
    let fin = bundle.checkpoint().clone();
    assert_eq!(fin.tree_size, 5);
    assert_eq!(fin.root_b64u, c.root_b64u);
    let md = &bundle.envelope().payload["metadata"][CLAW_NAMESPACE];
    assert_eq!(md["merkle"]["root_b64u"], json!(c.root_b64u));
    assert_eq!(md["checkpoint"], fin.to_value());
}

#[test]
fn trust_pulse_is_bound_and_never_uplifts() {
    let mut rng = TestRng::new(6);
    let mut rec = Recorder::new(agent_key(), &mut rng);
    for (i, path) in ["src/a.rs", "/etc/passwd", "../up.txt", "./src/a.rs"]
        .iter()
        .enumerate()
    {
        rec.record_tool_call(
            &ToolCall {
                tool_name: "read_file",
                tool_version: None,
                args: &json!({"path": path}),
                result: &json!("..."),
                result_status: ToolStatus::Success,
                latency_ms: 1,
                timestamp_ms: T0 + i as i64,
            },
            &mut rng,
        )
        .unwrap();
    }
    let b = rec
        .finish(&BundleOptions::default(), T0 + 100, &mut rng)
        .unwrap();
    let tp = b.trust_pulse().unwrap().to_value();
    assert_eq!(tp["tools"], json!([{"calls": 4, "name": "read_file"}]));
    assert_eq!(tp["files"], json!([{"path": "src/a.rs", "touches": 2}]));
    assert_eq!(tp["tier_uplift"], json!(false));
    assert_eq!(tp["evidence_class"], json!("self_reported"));
    assert_eq!(tp["duration_ms"], json!(3));
    let ptr = &b.envelope().payload["metadata"][CLAW_NAMESPACE]["trust_pulse"];
    assert_eq!(
        ptr["artifact_hash_b64u"],
        json!(b.trust_pulse().unwrap().hash_b64u().unwrap())
    );
    // No gateway receipt: the tier stays self whatever the pulse says.
    let v = verify_bundle(b.to_json().unwrap().as_bytes(), &config());
    assert!(v.valid, "{v:?}");
    assert_eq!(v.proof_tier, ProofTier::SelfTier);
    // Derived from a verified bundle: tools only.
    let verified =
        claw_core::evidence::verify_bundle_for_use(b.to_json().unwrap().as_bytes(), &config())
            .unwrap();
    let from_bundle =
        claw_core::evidence::trust_pulse_from_bundle(&verified, T0 + 100, &mut rng).unwrap();
    assert_eq!(from_bundle.to_value()["tools"], tp["tools"]);
    assert_eq!(from_bundle.to_value()["files"], json!([]));
}

fn side_effect(t: i64) -> SideEffect<'static> {
    SideEffect {
        effect_class: EffectClass::FilesystemWrite,
        target: b"out.txt",
        vendor_id: None,
        request: b"write",
        response: b"ok",
        response_status: None,
        bytes_written: Some(2),
        latency_ms: 0,
        timestamp_ms: t,
    }
}

#[test]
fn unanchored_side_effects_are_refused_unless_asked() {
    let mut rng = TestRng::new(7);
    let mut rec = Recorder::new(agent_key(), &mut rng);
    rec.record_side_effect(&side_effect(T0), &mut rng).unwrap();
    let e = rec
        .finish(&BundleOptions::default(), T0 + 1, &mut rng)
        .unwrap_err();
    assert!(matches!(e, EvidenceError::UnanchoredReceipt { .. }));
    assert_eq!(e.reason_code(), "CAUSAL_SIDE_EFFECT_ORPHANED");

    let mut rec = Recorder::new(agent_key(), &mut rng);
    rec.record_side_effect(&side_effect(T0), &mut rng).unwrap();
    let opts = BundleOptions {
        causal_anchoring: CausalAnchoring::Off,
        ..BundleOptions::default()
    };
    let b = rec.finish(&opts, T0 + 1, &mut rng).unwrap();
    let text = b.to_json().unwrap();
    let v = verify_bundle(text.as_bytes(), &config());
    assert_eq!(v.reason_code, "CAUSAL_SIDE_EFFECT_ORPHANED");
    let mut cfg = config();
    cfg.causal_mode = CausalMode::Warn;
    let v = verify_bundle(text.as_bytes(), &cfg);
    assert!(v.valid);
    assert_eq!(v.component("causal").unwrap().status, ComponentStatus::Warn);
    cfg.causal_mode = CausalMode::Observe;
    assert!(verify_bundle(text.as_bytes(), &cfg).valid);
}

#[test]
fn emitter_refusals() {
    let mut rng = TestRng::new(8);
    let mut rec = Recorder::new(agent_key(), &mut rng);
    rec.record_event("run_start", &json!({}), T0, &mut rng)
        .unwrap();
    // Clock regression.
    assert!(matches!(
        rec.record_event("x", &json!({}), T0 - 1, &mut rng),
        Err(EvidenceError::ClockRegression { .. })
    ));
    // Out-of-range gateway counts.
    let call = ModelCall {
        provider: "p",
        model: "m",
        request: b"",
        response: b"",
        tokens_input: 10_000_001,
        tokens_output: 0,
        latency_ms: 0,
        timestamp_ms: T0,
        metadata: None,
    };
    assert!(gateway().sign_receipt(&call, None, &mut rng).is_err());
    // A pending model call blocks finishing.
    let p = rec.begin_model_call("p", "m", T0, &mut rng).unwrap();
    let mut opts = BundleOptions::default();
    opts.namespace_extra.insert("0".into(), json!(1));
    let rec2 = {
        let mut r = Recorder::new(agent_key(), &mut rng);
        r.record_event("run_start", &json!({}), T0, &mut rng)
            .unwrap();
        r
    };
    assert!(matches!(
        rec2.finish(&opts, T0, &mut rng),
        Err(EvidenceError::IndexLikeKey { .. })
    ));
    assert!(matches!(
        rec.finish(&BundleOptions::default(), T0, &mut rng),
        Err(EvidenceError::PendingModelCall(_))
    ));
    let _ = p;
}

#[test]
fn wpc_namespace_entries_are_kept_and_metadata_is_bounded() {
    let mut rng = TestRng::new(9);
    let mut rec = Recorder::new(agent_key(), &mut rng);
    rec.record_event("run_start", &json!({}), T0, &mut rng)
        .unwrap();
    let mut opts = BundleOptions::default();
    opts.namespace_extra
        .insert("wpc".into(), json!({"policy_hash_b64u": "abcdefgh"}));
    let b = rec.finish(&opts, T0, &mut rng).unwrap();
    assert_eq!(
        b.envelope().payload["metadata"][CLAW_NAMESPACE]["wpc"]["policy_hash_b64u"],
        "abcdefgh"
    );
    assert!(verify_bundle(b.to_json().unwrap().as_bytes(), &config()).valid);

    let mut rec = Recorder::new(agent_key(), &mut rng);
    rec.record_event("run_start", &json!({}), T0, &mut rng)
        .unwrap();
    let mut opts = BundleOptions::default();
    opts.namespace_extra
        .insert("blob".into(), json!("x".repeat(17_000)));
    assert!(matches!(
        rec.finish(&opts, T0, &mut rng),
        Err(EvidenceError::InvalidInput { .. })
    ));
}

#[test]
fn log_inclusion_proof_golden_from_the_export_fixture() {
    let bytes =
        std::fs::read(common::shared_dir().join("clawsig/fixtures/export_bundle_golden.v1.json"))
            .unwrap();
    let v = json::parse(&bytes, &json::Limits::STRICT).unwrap();
    let proof = &v["bundle"]["artifacts"]["derivation_attestation_envelopes"][0]["payload"]
        ["clawlogs"]["inclusion_proof"];
    verify_log_inclusion_proof(proof, &[], None).unwrap();
    let log = "did:key:z6MkehRgf7yJbgaGfYsdoAsKdBPE3dj2CYhowQdcjqSJgvVd".to_string();
    verify_log_inclusion_proof(proof, &[log], None).unwrap();
    assert_eq!(
        verify_log_inclusion_proof(proof, &["did:key:z6MkOther".into()], None)
            .unwrap_err()
            .reason_code(),
        "INCLUSION_PROOF_INVALID"
    );
    for (ptr, val) in [
        ("/metadata/leaf_index", json!(2)),
        (
            "/audit_path/1",
            json!("iw9WMQYHAEihBXkmggxxGN7CC4pzcVVE9FKEh8FtwNd"),
        ),
        ("/root_signature/sig_b64u", json!("AAAAAAAAAAAA")),
    ] {
        let mut p = proof.clone();
        *p.pointer_mut(ptr).unwrap() = val;
        assert!(verify_log_inclusion_proof(&p, &[], None).is_err(), "{ptr}");
    }
}

#[test]
fn policy_replay_denial_is_a_policy_violation() {
    let b = build(10, 11);
    let text = b.to_json().unwrap();
    let mut cfg = config();
    cfg.policy = Some(claw_core::evidence::PolicyReplay::new(
        "pol_hash_b64u",
        |kind, p| {
            (kind == ReceiptKind::Tool && p["tool_name"] == "write_file")
                .then(|| "write_file is denied".to_string())
        },
    ));
    let v = verify_bundle(text.as_bytes(), &cfg);
    assert_eq!(v.reason_code, "POLICY_VIOLATION");
    cfg.policy = Some(claw_core::evidence::PolicyReplay::new(
        "pol_hash_b64u",
        |_, _| None,
    ));
    let v = verify_bundle(text.as_bytes(), &cfg);
    assert!(v.valid);
    // This recorder named no policy: replayed, but the run is not shown to be bound to it.
    let c = v.component("policy").unwrap();
    assert_eq!(
        (c.status, c.code),
        (ComponentStatus::Warn, "POLICY_BINDING_MISSING")
    );
}

/// §7 step 8 with a real WPC: tool receipts are replayed against the compiled policy; only
/// what no request context could have allowed fails the bundle.
#[test]
fn policy_replay_against_a_compiled_wpc() {
    use claw_core::evidence::PolicyReplay;
    use claw_core::wpc::{CompiledPolicy, Policy};
    use std::sync::Arc;
    let b = build(10, 11);
    let text = b.to_json().unwrap();
    let replay = |statements: &str| {
        let doc = format!(
            r#"{{"policy_version":"2","policy_id":"p","issuer_did":"did:key:z6Mkx","statements":{statements}}}"#
        );
        let policy = Policy::parse(doc.as_bytes()).unwrap();
        let mut cfg = config();
        cfg.policy = Some(PolicyReplay::from_policy(Arc::new(
            CompiledPolicy::compile(&policy).unwrap(),
        )));
        verify_bundle(text.as_bytes(), &cfg)
    };
    // Both tools allowed: valid.
    let ok = replay(
        r#"[{"sid":"tools","effect":"Allow","actions":["tool:execute"],"resources":["read_file","write_file"]}]"#,
    );
    assert!(ok.valid, "{}", ok.reason);
    // An unconditional Deny on write_file: the run broke the policy, whatever its context.
    let v = replay(
        r#"[{"sid":"tools","effect":"Allow","actions":["tool:*"],"resources":["*"]},
            {"sid":"no-writes","effect":"Deny","actions":["tool:execute"],"resources":["write_*"]}]"#,
    );
    assert_eq!(v.reason_code, "POLICY_VIOLATION");
    assert!(v.reason.contains("no-writes"), "{}", v.reason);
    // write_file never allowed: default deny is a violation too.
    let v = replay(
        r#"[{"sid":"reads","effect":"Allow","actions":["tool:execute"],"resources":["read_file"]}]"#,
    );
    assert_eq!(v.reason_code, "POLICY_VIOLATION");
    assert!(v.reason.contains("POLICY_DEFAULT_DENY"), "{}", v.reason);
    // A Deny that depends on context cannot be proven offline: not a violation.
    let v = replay(
        r#"[{"sid":"tools","effect":"Allow","actions":["tool:execute"],"resources":["*"]},
            {"sid":"pii","effect":"Deny","actions":["tool:execute"],"resources":["write_file"],
             "conditions":{"StringEquals":{"Data:Class":"regulated_pii"}}}]"#,
    );
    assert!(v.valid, "{}", v.reason);
}

/// What a consumer reads after a PASS is the envelope as verified, whichever way it reached
/// the verifier: the root, the root's `envelope` member, or (legacy raw receipt entries set
/// aside) the envelope without them. The verifier moves it out of the parsed input rather
/// than copying the tree; this holds each path to the envelope that was verified.
#[test]
fn consumers_read_the_verified_envelope_on_every_path() {
    use claw_core::b64;
    use claw_core::evidence::verify_bundle_for_use;
    let genuine: Value = json::parse_str(&build(12, 9).to_json().unwrap()).unwrap();
    let plain = json::serialize(&genuine, KeyOrder::JavaScript).unwrap();
    let ok = verify_bundle_for_use(&plain, &config()).expect("valid");
    assert_eq!(ok.envelope(), &genuine);
    let wrapped = json!({"envelope": genuine, "description": "fixture"}).to_string();
    let ok = verify_bundle_for_use(wrapped.as_bytes(), &config()).expect("valid");
    assert_eq!(ok.envelope(), &genuine);
    assert!(Bundle::from_verified_json(wrapped.as_bytes(), &config()).is_ok());

    // A legacy raw receipt entry, signed into the payload by the agent.
    let mut legacy = genuine.clone();
    let receipts = legacy["payload"]["receipts"].as_array_mut().unwrap();
    receipts.push(json!({"receipt_type": "model_call", "receipt_id": "legacy_1"}));
    let h = claw_core::hash::sha256_b64u(
        json::serialize(&legacy["payload"], KeyOrder::JavaScript).unwrap(),
    );
    legacy["signature_b64u"] = Value::String(b64::encode(agent_key().sign(h.as_bytes())));
    legacy["payload_hash_b64u"] = Value::String(h);
    let text = json::serialize(&legacy, KeyOrder::JavaScript).unwrap();
    let v = verify_bundle(&text, &config());
    assert!(v.valid, "{v:?}");
    let ok = verify_bundle_for_use(&text, &config()).expect("valid");
    let mut set_aside = legacy.clone();
    set_aside["payload"]["receipts"]
        .as_array_mut()
        .unwrap()
        .pop();
    assert_eq!(ok.envelope(), &set_aside);
    assert_eq!(
        ok.payload()["receipts"],
        genuine["payload"]["receipts"],
        "the legacy entry is not read as a receipt"
    );
}

/// `sign_receipt` and the gateway's `sign_receipt_hashed` are one path: given the same
/// randomness, the envelope signed from the bytes is the envelope signed from their SHA-256
/// digests; it is the envelope the generic signer (`envelope::sign`) makes of the same
/// payload; and the JSON text returned beside it is that envelope's `to_json` (the bytes a
/// gateway sends), which verifies.
#[test]
fn sign_receipt_goes_through_sign_receipt_hashed() {
    let md = json!({"claw_gateway": {"outcome": "complete"}});
    let call = ModelCall {
        provider: "openai",
        model: "m-1",
        request: b"{\"model\":\"m-1\"}",
        response: b"{\"id\":\"x\"}",
        tokens_input: 5,
        tokens_output: 2,
        latency_ms: 3,
        timestamp_ms: T0,
        metadata: md.as_object(),
    };
    let gw = gateway();
    let from_bytes = gw.sign_receipt(&call, None, &mut TestRng::new(41)).unwrap();
    let hashed = gw
        .sign_receipt_hashed(
            &call,
            &claw_core::hash::sha256(call.request),
            &claw_core::hash::sha256(call.response),
            None,
            &mut TestRng::new(41),
        )
        .unwrap();
    assert_eq!(
        from_bytes.to_json().unwrap(),
        hashed.envelope.to_json().unwrap()
    );
    let generic = claw_core::envelope::sign(
        "gateway_receipt",
        &hashed.envelope.payload,
        &SigningKey::from_seed(&[9u8; 32]),
        T0,
        None,
    )
    .unwrap();
    assert_eq!(
        generic.to_json().unwrap(),
        hashed.envelope.to_json().unwrap()
    );
    assert_eq!(
        String::from_utf8(hashed.json.clone()).unwrap(),
        hashed.envelope.to_json().unwrap()
    );
    assert_eq!(
        from_bytes.payload["request_hash_b64u"],
        json!(claw_core::b64::encode(claw_core::hash::sha256(
            call.request
        )))
    );
    // Another digest, another receipt: the digests given are the ones signed.
    let other = gw
        .sign_receipt_hashed(&call, &[0; 32], &[0; 32], None, &mut TestRng::new(41))
        .unwrap();
    assert_ne!(
        other.envelope.payload_hash_b64u,
        from_bytes.payload_hash_b64u
    );
    let parsed =
        claw_core::envelope::Envelope::parse(&hashed.json, &claw_core::json::Limits::STRICT)
            .unwrap();
    let signers = [gw.did()];
    parsed
        .verify(&claw_core::envelope::VerifyOptions {
            expected_type: "gateway_receipt",
            signers: claw_core::envelope::Signers::OneOf(&signers),
            now: None,
        })
        .unwrap();
}
