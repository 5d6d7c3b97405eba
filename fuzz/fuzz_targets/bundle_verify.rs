//! Arbitrary bytes as a proof bundle (`verify_bundle`), seeded with the reference conformance
//! vectors and bundles claw emitted. Checks beyond "never panics":
//!
//! * batch and sequential signature checking give the same verdict and reason code (a batch
//!   verifier must never accept what `verify_strict` one by one refuses);
//! * a VALID bundle rebuilds (`Bundle::from_verified_json`), and every receipt proof cut from
//!   it verifies offline against the bundle's own agent;
//! * the verdict's JSON shape is always produced;
//! * the streamed verifier (bundles of more than 512 items) gives the parsed tree's verdict,
//!   component for component (`verify_bundle_with_tree`): on the input, and on a copy whose
//!   big arrays are repeated past 512 items and which is re-signed when the seeds' agent key
//!   signed it (so the steps after the signature are reached).
//!
//! The same bytes are also tried as an export bundle (`verify_export_bundle`, seeded with the
//! reference's export fixtures): both signature modes agree, and a VALID export bundle has a
//! VALID proof bundle inside and a manifest entry per artifact. And as a verifier
//! configuration file.
#![no_main]
use claw_core::evidence::{
    parse_clawverify_config, verify_bundle, verify_bundle_value, verify_bundle_with_tree,
    verify_export_bundle, verify_receipt_proof, Bundle, SigMode, VerifyConfig,
    PROOF_BUNDLE_BIG_ARRAYS as BIG,
};
use claw_core::json::{self, KeyOrder};
use claw_core::keys::SigningKey;
use libfuzzer_sys::fuzz_target;
use serde_json::Value;
use std::sync::OnceLock;

/// 2026-04-04T00:00:00Z: after the conformance vectors and the emitted seeds were made.
const NOW_MS: i64 = 1_775_260_800_000;

fn configs() -> &'static (VerifyConfig, VerifyConfig) {
    static C: OnceLock<(VerifyConfig, VerifyConfig)> = OnceLock::new();
    C.get_or_init(|| {
        let mut batch = VerifyConfig::new(NOW_MS);
        batch.threads = 1;
        batch.sig_mode = SigMode::Batch;
        batch.allowlists.gateway_receipt_signer_dids = vec![
            // The conformance configuration's gateway.
            "did:key:z6MkfF4ykuxdK3Cea9xDqWgLLgMBvxcypy6Tv1K45Eahxy3m".into(),
            // The gateway of claw's emitted seed bundles (claw-core/tests/fuzz_seeds.rs).
            SigningKey::from_seed(&[9u8; 32]).verifying_key().did(),
        ];
        // The conformance configuration's derivation attesters (the export fixture's).
        batch.allowlists.derivation_attestation_signer_dids = vec![
            "did:key:z6MkneMkZqwqRiU5mJzSG3kDwzt9P8C59N4NGTfBLfSGE7c7".into(),
            "did:key:z6MkehRgf7yJbgaGfYsdoAsKdBPE3dj2CYhowQdcjqSJgvVd".into(),
        ];
        let mut seq = batch.clone();
        seq.sig_mode = SigMode::Sequential;
        (batch, seq)
    })
}

fuzz_target!(|data: &[u8]| {
    let _ = parse_clawverify_config(data);
    let (batch, seq) = configs();
    let a = verify_bundle(data, batch);
    let b = verify_bundle(data, seq);
    assert_eq!(
        (a.valid, a.reason_code),
        (b.valid, b.reason_code),
        "batch and sequential signature checks disagree"
    );
    let _ = a.to_json();
    assert_eq!(
        a,
        verify_bundle_with_tree(data, batch),
        "streamed and tree verdicts differ"
    );
    amplified(data, batch);
    export_bundle(data, batch, seq);
    if !a.valid {
        return;
    }
    let Ok(bundle) = Bundle::from_verified_json(data, batch) else {
        return;
    };
    let agent = a.agent_did.clone().expect("a valid bundle names its agent");
    let gateways = &batch.allowlists.gateway_receipt_signer_dids;
    for leaf in bundle.leaves().iter().take(8) {
        let proof = bundle
            .receipt_proof(leaf.receipt_id())
            .expect("a leaf of the bundle has a proof");
        let text = proof.to_json().expect("proof serializes");
        let v = verify_receipt_proof(text.as_bytes(), Some(&agent), gateways)
            .expect("a proof cut from a VALID bundle verifies");
        assert_eq!(v.receipt_id, leaf.receipt_id());
    }
});

fn export_bundle(data: &[u8], batch: &VerifyConfig, seq: &VerifyConfig) {
    let a = verify_export_bundle(data, batch);
    let b = verify_export_bundle(data, seq);
    assert_eq!(
        (a.valid, a.reason_code),
        (b.valid, b.reason_code),
        "export bundle: batch and sequential signature checks disagree"
    );
    let _ = a.to_json();
    if !a.valid {
        return;
    }
    let inner = a
        .proof_bundle
        .as_ref()
        .expect("a VALID export verified its proof bundle");
    assert!(
        inner.valid,
        "a VALID export bundle holds a VALID proof bundle"
    );
    let doc: serde_json::Value = serde_json::from_slice(data).expect("VALID input is JSON");
    let bundle = doc.get("bundle").unwrap_or(&doc);
    let artifacts = &bundle["artifacts"];
    assert!(verify_bundle_value(&artifacts["proof_bundle_envelope"], batch).valid);
    let attestations: usize = [
        "execution_attestation_envelopes",
        "derivation_attestation_envelopes",
        "audit_result_attestation_envelopes",
    ]
    .iter()
    .map(|k| {
        artifacts
            .get(*k)
            .and_then(|x| x.as_array())
            .map_or(0, Vec::len)
    })
    .sum();
    assert_eq!(a.manifest_entries_verified, 1 + attestations);
}

/// `data` as a JSON bundle with its big arrays repeated (in order, cyclically) to more than
/// 512 items, re-signed by the seeds' agent when it signed the original: the streamed
/// verifier decides it, and must agree with the tree.
fn amplified(data: &[u8], cfg: &VerifyConfig) {
    let Ok(mut env) = serde_json::from_slice::<Value>(data) else {
        return;
    };
    let target = if env.get("envelope").is_some() {
        &mut env["envelope"]
    } else {
        &mut env
    };
    let Some(payload) = target.get_mut("payload").and_then(Value::as_object_mut) else {
        return;
    };
    let total: usize = BIG
        .iter()
        .filter_map(|k| payload.get(*k).and_then(Value::as_array))
        .map(Vec::len)
        .sum();
    if total == 0 || total > 512 {
        return;
    }
    let times = 512 / total + 1;
    for k in BIG {
        if let Some(Value::Array(a)) = payload.get_mut(k) {
            let once = a.clone();
            for _ in 1..times {
                a.extend(once.iter().cloned());
            }
        }
    }
    let agent = SigningKey::from_seed(&[7u8; 32]);
    if target.get("signer_did").and_then(Value::as_str)
        == Some(agent.verifying_key().did().as_str())
    {
        if let Ok(text) = json::serialize(&target["payload"], KeyOrder::JavaScript) {
            let h = claw_core::hash::sha256_b64u(text);
            target["signature_b64u"] =
                Value::String(claw_core::b64::encode(agent.sign(h.as_bytes())));
            target["payload_hash_b64u"] = Value::String(h);
        }
    }
    let Ok(bytes) = serde_json::to_vec(&env) else {
        return;
    };
    let streamed = verify_bundle(&bytes, cfg);
    assert_eq!(
        streamed,
        verify_bundle_with_tree(&bytes, cfg),
        "amplified: streamed and tree verdicts differ"
    );
}
