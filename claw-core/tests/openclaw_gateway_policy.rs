//! Gateway receipts bound to the run's policy (docs/SPEC.md §7.12, verifier step C6): a run
//! that declares its policy hash (`metadata["claw.dev/v1"].run.policy.hash_b64u`) refuses a
//! gateway receipt bound to another policy (GATEWAY_POLICY_MISMATCH), in the verifier and in
//! the recorder; a receipt that states no policy is accepted.

mod evidence_util;

use claw_core::evidence::{verify_bundle, BundleOptions, ModelCall, Recorder};
use evidence_util::*;
use serde_json::{json, Map};

const P: &str = "zoYy3DQkdB7cJx3AAAAAAAAAAAAAAAAAAAAAAAAAAAA";
const Q: &str = "QQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQ";

fn call() -> ModelCall<'static> {
    ModelCall {
        provider: "openai",
        model: "scripted-1",
        request: b"{}",
        response: b"{}",
        tokens_input: 1,
        tokens_output: 1,
        latency_ms: 1,
        timestamp_ms: T0,
        metadata: None,
    }
}

/// A run declaring `declared` whose one model call the gateway signed under `signed`.
fn run(declared: Option<&str>, signed: Option<&str>) -> String {
    let mut rng = TestRng::new(5);
    let mut rec = Recorder::new(agent_key(), &mut rng);
    rec.set_binding_context(signed, None).unwrap();
    rec.record_model_call(&gateway(), &call(), &mut rng)
        .unwrap();
    let mut extra = Map::new();
    if let Some(h) = declared {
        extra.insert("run".into(), json!({"policy": {"hash_b64u": h}}));
    }
    let opts = BundleOptions {
        namespace_extra: extra,
        ..BundleOptions::default()
    };
    rec.finish(&opts, T0 + 10, &mut rng)
        .unwrap()
        .to_json()
        .unwrap()
}

fn gateway_detail(v: &claw_core::evidence::Verdict) -> String {
    v.components
        .iter()
        .find(|c| c.name == "gateway")
        .map(|c| c.detail.clone())
        .unwrap_or_default()
}

#[test]
fn a_receipt_bound_to_the_runs_policy_verifies() {
    let v = verify_bundle(run(Some(P), Some(P)).as_bytes(), &config());
    assert!(v.valid, "{v:?}");
    assert!(
        gateway_detail(&v).contains("1 bound to the run's policy"),
        "{v:?}"
    );
}

#[test]
fn a_receipt_bound_to_another_policy_is_refused() {
    let v = verify_bundle(run(Some(P), Some(Q)).as_bytes(), &config());
    assert!(!v.valid);
    assert_eq!(v.reason_code, "GATEWAY_POLICY_MISMATCH", "{v:?}");
    assert!(v.reason.contains(Q) && v.reason.contains(P), "{}", v.reason);
}

#[test]
fn a_receipt_stating_no_policy_is_accepted_and_counted() {
    let v = verify_bundle(run(Some(P), None).as_bytes(), &config());
    assert!(v.valid, "{v:?}");
    assert!(gateway_detail(&v).contains("1 stating no policy"), "{v:?}");
    // A run that declares no policy has nothing to compare.
    let v = verify_bundle(run(None, Some(Q)).as_bytes(), &config());
    assert!(v.valid, "{v:?}");
}

#[test]
fn the_recorder_refuses_a_receipt_signed_under_another_policy() {
    let mut rng = TestRng::new(6);
    let mut rec = Recorder::new(agent_key(), &mut rng);
    rec.set_binding_context(Some(P), None).unwrap();
    let pending = rec
        .begin_model_call("openai", "scripted-1", T0, &mut rng)
        .unwrap();
    assert_eq!(pending.binding.policy_hash.as_deref(), Some(P));
    // The gateway signs the run and event it was sent, under another policy.
    let mut signed = pending.binding.clone();
    signed.policy_hash = Some(Q.into());
    let env = gateway()
        .sign_receipt(&call(), Some(&signed), &mut rng)
        .unwrap();
    let e = rec.attach_gateway_receipt(pending, &env).unwrap_err();
    assert_eq!(e.reason_code(), "GATEWAY_POLICY_MISMATCH", "{e}");
}
