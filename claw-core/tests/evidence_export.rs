//! Export bundles (`verify_export_bundle`): the reference's golden fixture, every leaf of it
//! changed, and export bundles built here (a claw proof bundle with all receipt kinds plus one
//! execution, one derivation and one audit-result attestation) tampered with by an outsider
//! (nothing re-signed) and by insiders (the issuer re-computes the manifest and re-signs, an
//! attester re-signs its attestation), each with the reason code the reference gives.
//!
//! The builder below is written from the format description (docs/SPEC.md §6.7), not with
//! the verifier's helpers.

mod common;
mod evidence_util;

use claw_core::envelope;
use claw_core::evidence::{
    verify_document, verify_export_bundle, DocumentVerdict, ExportVerdict, ProofTier, VerifyConfig,
};
use claw_core::json::{self, KeyOrder};
use claw_core::keys::SigningKey;
use claw_core::{b64, hash, time};
use evidence_util::*;
use serde_json::{json, Value};

fn text(v: &Value) -> Vec<u8> {
    json::serialize(v, KeyOrder::JavaScript).unwrap()
}

fn verify(v: &Value, cfg: &VerifyConfig) -> ExportVerdict {
    let x = verify_export_bundle(&text(v), cfg);
    assert_eq!(x.valid, x.reason_code == "OK", "{x:?}");
    x
}

fn code(v: &Value, cfg: &VerifyConfig) -> &'static str {
    verify(v, cfg).reason_code
}

// ---------------------------------------------------------------------------------------
// The reference fixture
// ---------------------------------------------------------------------------------------

fn golden() -> Value {
    let bytes = common::read_shared("clawsig/fixtures/export_bundle_golden.v1.json");
    json::parse(&bytes, &json::Limits::STRICT).unwrap()
}

fn conformance_config() -> VerifyConfig {
    let mut cfg =
        VerifyConfig::new(time::parse_rfc3339_millis("2026-04-04T00:00:00.000Z").unwrap());
    cfg.allowlists = claw_core::evidence::parse_clawverify_config(&common::read_shared(
        "clawsig/fixtures/protocol-conformance/clawverify.config.conformance.v1.json",
    ))
    .unwrap();
    cfg
}

#[test]
fn golden_fixture_verifies_wrapped_and_bare() {
    let cfg = conformance_config();
    let g = golden();
    let wrapped = verify(&g, &cfg);
    assert!(wrapped.valid, "{wrapped:?}");
    let bare = verify(&g["bundle"], &cfg);
    assert_eq!(wrapped, bare);
    assert_eq!(wrapped.export_id.as_deref(), Some("exp_fixture_001"));
    assert_eq!(wrapped.manifest_entries_verified, 2);
    assert_eq!(wrapped.derivation_attestations_verified, 1);
    assert_eq!(wrapped.execution_attestations_verified, 0);
    assert_eq!(wrapped.proof_tier(), ProofTier::SelfTier);
    let names: Vec<&str> = wrapped.components.iter().map(|c| c.name).collect();
    assert_eq!(
        names,
        [
            "schema",
            "timestamps",
            "manifest",
            "signature",
            "proof_bundle",
            "execution_attestations",
            "derivation_attestations",
            "audit_result_attestations"
        ]
    );
    let j = wrapped.to_json();
    assert_eq!(j["status"], "PASS");
    assert_eq!(j["kind"], "export_bundle");
    assert_eq!(j["proof_tier"], "self");
    assert_eq!(j["counts"]["manifest_entries"], 2);
    assert_eq!(j["proof_bundle"]["status"], "PASS");
    assert_eq!(
        json::canonicalize(&j).unwrap(),
        json::serialize(&j, KeyOrder::JavaScript).unwrap(),
        "keys sorted"
    );
}

#[test]
fn golden_fixture_needs_its_configuration_and_time() {
    let g = golden();
    // The derivation attestation's signer must be allowlisted; no allowlist fails closed.
    let mut cfg = conformance_config();
    cfg.allowlists.derivation_attestation_signer_dids.clear();
    let x = verify(&g, &cfg);
    assert_eq!(x.reason_code, "DEPENDENCY_NOT_CONFIGURED");
    assert_eq!(
        x.field.as_deref(),
        Some("artifacts.derivation_attestation_envelopes[0].signer_did")
    );
    cfg.allowlists.derivation_attestation_signer_dids = vec!["did:key:z6MkOther".into()];
    assert_eq!(code(&g, &cfg), "CLAIM_NOT_FOUND");
    // A trusted log signer list that omits the log's operator.
    let mut cfg = conformance_config();
    cfg.trusted_log_signer_dids = vec!["did:key:z6MkOther".into()];
    assert_eq!(code(&g, &cfg), "INCLUSION_PROOF_INVALID");
    // issued_at 2026-02-11T00:00:00.000Z: 5 minutes of allowance, not one millisecond more.
    let issued = time::parse_rfc3339_millis("2026-02-11T00:00:00.000Z").unwrap();
    let mut cfg = conformance_config();
    cfg.now_ms = issued - 300_000;
    assert_eq!(code(&g, &cfg), "OK");
    cfg.now_ms = issued - 300_001;
    assert_eq!(code(&g, &cfg), "FUTURE_TIMESTAMP_POISONING");
}

/// Every string and number of the signed bundle matters: changing any one of them fails.
#[test]
fn golden_fixture_every_leaf_is_bound() {
    let cfg = conformance_config();
    let g = golden();
    fn leaves(v: &Value, at: String, out: &mut Vec<String>) {
        match v {
            Value::Object(m) => m
                .iter()
                .for_each(|(k, x)| leaves(x, format!("{at}/{k}"), out)),
            Value::Array(a) => a
                .iter()
                .enumerate()
                .for_each(|(i, x)| leaves(x, format!("{at}/{i}"), out)),
            Value::String(_) | Value::Number(_) => out.push(at),
            _ => {}
        }
    }
    let mut ptrs = Vec::new();
    leaves(&g["bundle"], "/bundle".into(), &mut ptrs);
    assert!(ptrs.len() > 60, "{}", ptrs.len());
    let mut by_code = std::collections::BTreeMap::<&str, usize>::new();
    for p in &ptrs {
        let mut t = g.clone();
        let x = t.pointer_mut(p).unwrap();
        *x = match x {
            Value::String(s) => {
                let mut c: Vec<char> = s.chars().collect();
                let i = c.len() / 2;
                c[i] = if c[i] == 'A' { 'B' } else { 'A' };
                Value::String(c.into_iter().collect())
            }
            Value::Number(n) => json!(n.as_f64().unwrap() + 1.0),
            _ => unreachable!(),
        };
        let v = verify(&t, &cfg);
        assert!(!v.valid, "{p} changed and still VALID");
        *by_code.entry(v.reason_code).or_default() += 1;
    }
    // Outsider changes end at the schema, the manifest, the bundle hash or the signature.
    for c in by_code.keys() {
        assert!(
            [
                "SCHEMA_VALIDATION_FAILED",
                "HASH_MISMATCH",
                "MISSING_REQUIRED_FIELD",
                "INVALID_DID_FORMAT",
                "CAUSAL_CLOCK_CONTRADICTION",
                "SIGNATURE_INVALID",
                "MALFORMED_ENVELOPE",
            ]
            .contains(c),
            "{by_code:?}"
        );
    }
}

#[test]
fn conformance_vector_names_the_entry() {
    let cfg = conformance_config();
    let bytes = common::read_shared(
        "clawsig/fixtures/protocol-conformance/export_bundle_fail_manifest_hash_mismatch.v1.json",
    );
    let x = verify_export_bundle(&bytes, &cfg);
    assert_eq!(x.reason_code, "HASH_MISMATCH");
    assert_eq!(
        x.field.as_deref(),
        Some("manifest.entries[artifacts/proof_bundle_envelope.json].sha256_b64u")
    );
    assert_eq!(x.component("manifest").unwrap().code, "HASH_MISMATCH");
    assert!(x.proof_bundle.is_none(), "stopped before the proof bundle");
    assert_eq!(x.to_json()["status"], "FAIL");
}

#[test]
fn not_json_and_not_an_object() {
    let cfg = conformance_config();
    let x = verify_export_bundle(br#"{"bundle": {"a": 1, "a": 2}}"#, &cfg);
    assert_eq!(x.reason_code, "INVALID_JSON");
    assert_eq!(
        verify_export_bundle(b"[]", &cfg).reason_code,
        "SCHEMA_VALIDATION_FAILED"
    );
    assert_eq!(
        verify_export_bundle(b"{\"bundle\": null}", &cfg).reason_code,
        "SCHEMA_VALIDATION_FAILED"
    );
    let mut cfg2 = cfg.clone();
    cfg2.limits.max_bytes = 100;
    let g = text(&golden());
    assert_eq!(verify_export_bundle(&g, &cfg2).reason_code, "INVALID_JSON");
}

/// `verify_document` sends a document with `export_version` to the export verifier and
/// anything else (JSON or not) to the proof-bundle verifier.
#[test]
fn verify_document_tells_export_from_proof_bundles() {
    let cfg = conformance_config();
    match verify_document(&text(&golden()), &cfg) {
        DocumentVerdict::Export(v) => assert!(v.valid, "{v:?}"),
        other => panic!("not read as an export bundle: {other:?}"),
    }
    match verify_document(
        &text(&golden()["bundle"]["artifacts"]["proof_bundle_envelope"]),
        &cfg,
    ) {
        DocumentVerdict::Proof(v) => assert_eq!(v.reason_code, "OK", "{v:?}"),
        other => panic!("not read as a proof bundle: {other:?}"),
    }
    match verify_document(b"{\"a\": 1, \"a\": 2}", &cfg) {
        DocumentVerdict::Proof(v) => assert_eq!(v.reason_code, "INVALID_JSON"),
        other => panic!("{other:?}"),
    }
}

// ---------------------------------------------------------------------------------------
// Export bundles built here
// ---------------------------------------------------------------------------------------

fn issuer() -> SigningKey {
    SigningKey::from_seed(&[31u8; 32])
}
fn exec_key() -> SigningKey {
    SigningKey::from_seed(&[32u8; 32])
}
fn deriv_key() -> SigningKey {
    SigningKey::from_seed(&[33u8; 32])
}
fn audit_key() -> SigningKey {
    SigningKey::from_seed(&[34u8; 32])
}

fn export_config() -> VerifyConfig {
    let mut cfg = config();
    cfg.allowlists.execution_attestation_signer_dids = vec![exec_key().verifying_key().did()];
    cfg.allowlists.derivation_attestation_signer_dids = vec![deriv_key().verifying_key().did()];
    cfg.allowlists.audit_result_attestation_signer_dids = vec![audit_key().verifying_key().did()];
    cfg
}

fn at(ms: i64) -> String {
    time::format_rfc3339_millis(ms)
}

fn model() -> Value {
    json!({"model_identity_version": "1", "tier": "closed_opaque",
           "model": {"provider": "anthropic", "name": "claude-test"}})
}

/// Sign an attestation payload as an envelope of `etype`.
fn attest(etype: &str, payload: &Value, key: &SigningKey) -> Value {
    envelope::sign(etype, payload, key, T0, None)
        .unwrap()
        .to_value()
}

/// The log inclusion proof of the reference fixture (valid on its own).
fn log_proof() -> Value {
    golden()["bundle"]["artifacts"]["derivation_attestation_envelopes"][0]["payload"]["clawlogs"]
        ["inclusion_proof"]
        .clone()
}

/// `(proof bundle envelope, its payload hash, run id, agent)`.
fn proof_bundle() -> (Value, String, String, String) {
    let b = build(10, 42);
    let env = b.envelope().to_value();
    let h = env["payload_hash_b64u"].as_str().unwrap().to_string();
    let run = env["payload"]["event_chain"][0]["run_id"]
        .as_str()
        .unwrap()
        .to_string();
    let agent = env["signer_did"].as_str().unwrap().to_string();
    (env, h, run, agent)
}

fn execution_payload(pb_hash: &str, run: &str, agent: &str) -> Value {
    json!({"attestation_version": "1", "attestation_id": "att_exec_1",
           "execution_type": "sandbox_execution", "agent_did": agent,
           "attester_did": exec_key().verifying_key().did(), "run_id": run,
           "proof_bundle_hash_b64u": pb_hash, "issued_at": at(T0)})
}

fn derivation_payload(pb_hash: &str) -> Value {
    json!({"derivation_version": "1", "derivation_id": "drv_1", "issued_at": at(T0),
           "input_model": model(), "output_model": model(), "transform": {"kind": "other"},
           "execution": {"proof_bundle_hash_b64u": pb_hash},
           "clawlogs": {"inclusion_proof": log_proof()}})
}

fn audit_payload(pb_hash: &str) -> Value {
    json!({"audit_version": "1", "audit_id": "aud_1", "issued_at": at(T0), "model": model(),
           "audit_code": {"code_hash_b64u": hash::sha256_b64u("code"),
                          "repo_uri": "https://example.com/audit.git"},
           "dataset": {"dataset_id": "ds", "dataset_hash_b64u": hash::sha256_b64u("ds"),
                       "access": "public"},
           "protocol": {"name": "bench", "config_hash_b64u": hash::sha256_b64u("cfg")},
           "result": {"status": "pass", "results_hash_b64u": hash::sha256_b64u("res")},
           "execution": {"proof_bundle_hash_b64u": pb_hash}})
}

/// Recompute the manifest from the artifacts (JCS bytes), then the bundle hash, and sign as
/// `key` (the issuer's re-signing).
fn reseal_with(b: &mut Value, key: &SigningKey) {
    let arts = b["artifacts"].clone();
    let mut entries = Vec::new();
    let mut add = |path: String, v: &Value| {
        let bytes = json::canonicalize(v).unwrap();
        entries.push(
            json!({"path": path, "sha256_b64u": hash::sha256_b64u(&bytes),
                            "content_type": "application/json", "size_bytes": bytes.len()}),
        );
    };
    add(
        "artifacts/proof_bundle_envelope.json".into(),
        &arts["proof_bundle_envelope"],
    );
    for k in [
        "execution_attestation_envelopes",
        "derivation_attestation_envelopes",
        "audit_result_attestation_envelopes",
    ] {
        for (i, a) in arts[k].as_array().into_iter().flatten().enumerate() {
            add(format!("artifacts/{k}/{i}.json"), a);
        }
    }
    b["manifest"]["entries"] = Value::Array(entries);
    resign_with(b, key);
}

/// Recompute only the bundle hash and signature.
fn resign_with(b: &mut Value, key: &SigningKey) {
    let mut view = b.as_object().unwrap().clone();
    for k in [
        "bundle_hash_b64u",
        "hash_algorithm",
        "signature_b64u",
        "algorithm",
    ] {
        view.remove(k);
    }
    let h = hash::sha256_b64u(json::canonicalize(&Value::Object(view)).unwrap());
    b["signature_b64u"] = json!(b64::encode(key.sign(h.as_bytes())));
    b["bundle_hash_b64u"] = json!(h);
}

fn reseal(b: &mut Value) {
    reseal_with(b, &issuer());
}

fn built() -> Value {
    let (pb, h, run, agent) = proof_bundle();
    let mut b = json!({
        "export_version": "1",
        "export_id": "exp_claw_1",
        "created_at": at(T0 + 1000),
        "issuer_did": issuer().verifying_key().did(),
        "manifest": {"manifest_version": "1", "generated_at": at(T0 + 1000), "entries": []},
        "artifacts": {
            "proof_bundle_envelope": pb,
            "execution_attestation_envelopes":
                [attest("execution_attestation", &execution_payload(&h, &run, &agent), &exec_key())],
            "derivation_attestation_envelopes":
                [attest("derivation_attestation", &derivation_payload(&h), &deriv_key())],
            "audit_result_attestation_envelopes":
                [attest("audit_result_attestation", &audit_payload(&h), &audit_key())],
        },
        "bundle_hash_b64u": "",
        "hash_algorithm": "SHA-256",
        "signature_b64u": "",
        "algorithm": "Ed25519",
        "issued_at": at(T0 + 2000),
        "metadata": {"purpose": "audit"},
    });
    reseal(&mut b);
    b
}

#[test]
fn built_bundle_verifies() {
    let cfg = export_config();
    let b = built();
    let x = verify(&b, &cfg);
    assert!(x.valid, "{x:?}");
    assert_eq!(x.manifest_entries_verified, 4);
    assert_eq!(
        (
            x.execution_attestations_verified,
            x.derivation_attestations_verified,
            x.audit_result_attestations_verified
        ),
        (1, 1, 1)
    );
    assert_eq!(x.proof_tier(), ProofTier::Gateway);
    assert_eq!(x.proof_bundle.as_ref().unwrap().receipts_count, 2);
    // The `{"bundle": …}` form is the same verdict.
    assert_eq!(verify(&json!({"bundle": b}), &cfg), x);
}

/// Change one base64url character, keeping the alphabet and the length.
fn flip(s: &str) -> String {
    let mut c: Vec<char> = s.chars().collect();
    let i = c.len() / 3;
    c[i] = if c[i] == 'A' { 'B' } else { 'A' };
    c.into_iter().collect()
}

fn flip_at(b: &mut Value, ptr: &str) {
    let x = b.pointer_mut(ptr).unwrap_or_else(|| panic!("{ptr}"));
    *x = json!(flip(x.as_str().unwrap()));
}

/// Changes by someone without any key: the manifest or the bundle hash catches each.
#[test]
fn outsider_tampering() {
    let cfg = export_config();
    let b = built();
    type Edit = fn(&mut Value);
    let cases: Vec<(&str, Edit, &str, &str)> = vec![
        (
            "a byte of a manifest entry's hash",
            |b| flip_at(b, "/manifest/entries/1/sha256_b64u"),
            "HASH_MISMATCH",
            "manifest",
        ),
        (
            "a manifest entry's size",
            |b| b["manifest"]["entries"][0]["size_bytes"] = json!(1),
            "HASH_MISMATCH",
            "manifest",
        ),
        (
            "a manifest entry's content type",
            |b| b["manifest"]["entries"][2]["content_type"] = json!("text/plain"),
            "MALFORMED_ENVELOPE",
            "manifest",
        ),
        (
            "a byte of an artifact (derivation id)",
            |b| {
                b["artifacts"]["derivation_attestation_envelopes"][0]["payload"]["derivation_id"] =
                    json!("drv_2")
            },
            "HASH_MISMATCH",
            "manifest",
        ),
        (
            "a byte of the proof bundle's signature",
            |b| flip_at(b, "/artifacts/proof_bundle_envelope/signature_b64u"),
            "HASH_MISMATCH",
            "manifest",
        ),
        (
            "an entry dropped",
            |b| {
                b["manifest"]["entries"].as_array_mut().unwrap().pop();
            },
            "MISSING_REQUIRED_FIELD",
            "manifest",
        ),
        (
            "an unlisted entry added",
            |b| {
                let mut e = b["manifest"]["entries"][0].clone();
                e["path"] = json!("artifacts/extra.json");
                b["manifest"]["entries"].as_array_mut().unwrap().push(e);
            },
            "MISSING_REQUIRED_FIELD",
            "manifest",
        ),
        (
            "an entry renamed",
            |b| b["manifest"]["entries"][0]["path"] = json!("artifacts/other.json"),
            "MISSING_REQUIRED_FIELD",
            "manifest",
        ),
        (
            "an entry listed twice",
            |b| {
                let e = b["manifest"]["entries"][0].clone();
                b["manifest"]["entries"].as_array_mut().unwrap().push(e);
            },
            "MALFORMED_ENVELOPE",
            "manifest",
        ),
        (
            "an attestation dropped (and its entry)",
            |b| {
                b["artifacts"]["audit_result_attestation_envelopes"] = json!([]);
                // Entries are in artifact order: proof bundle, execution, derivation, audit.
                b["manifest"]["entries"].as_array_mut().unwrap().remove(3);
            },
            "HASH_MISMATCH",
            "signature",
        ),
        (
            "an attestation duplicated with its entry",
            |b| {
                let a = b["artifacts"]["derivation_attestation_envelopes"][0].clone();
                let mut e = b["manifest"]["entries"].clone();
                b["artifacts"]["derivation_attestation_envelopes"] = json!([a.clone(), a]);
                let mut d = e[2].clone();
                d["path"] = json!("artifacts/derivation_attestation_envelopes/1.json");
                e.as_array_mut().unwrap().push(d);
                b["manifest"]["entries"] = e;
            },
            "HASH_MISMATCH",
            "signature",
        ),
        (
            "the export id",
            |b| b["export_id"] = json!("exp_claw_2"),
            "HASH_MISMATCH",
            "signature",
        ),
        (
            "the metadata",
            |b| b["metadata"]["purpose"] = json!("other"),
            "HASH_MISMATCH",
            "signature",
        ),
        (
            "the metadata removed",
            |b| {
                b.as_object_mut().unwrap().remove("metadata");
            },
            "HASH_MISMATCH",
            "signature",
        ),
        (
            "the manifest time",
            |b| b["manifest"]["generated_at"] = json!(at(T0)),
            "HASH_MISMATCH",
            "signature",
        ),
        (
            "the bundle hash",
            |b| flip_at(b, "/bundle_hash_b64u"),
            "HASH_MISMATCH",
            "signature",
        ),
        (
            "the issuer",
            |b| b["issuer_did"] = json!(audit_key().verifying_key().did()),
            "HASH_MISMATCH",
            "signature",
        ),
        (
            "a byte of the signature",
            |b| flip_at(b, "/signature_b64u"),
            "SIGNATURE_INVALID",
            "signature",
        ),
        (
            "a signature of impossible length",
            |b| {
                let s = b["signature_b64u"].as_str().unwrap().to_string();
                b["signature_b64u"] = json!(format!("{s}AAA"));
            },
            "MALFORMED_ENVELOPE",
            "signature",
        ),
        (
            "a signature with padding",
            |b| {
                let s = b["signature_b64u"].as_str().unwrap().to_string();
                b["signature_b64u"] = json!(format!("{s}=="));
            },
            "SCHEMA_VALIDATION_FAILED",
            "schema",
        ),
        (
            "an unknown member",
            |b| b["note"] = json!("x"),
            "SCHEMA_VALIDATION_FAILED",
            "schema",
        ),
        (
            "an unknown artifact kind",
            |b| b["artifacts"]["web_receipt_envelopes"] = json!([]),
            "SCHEMA_VALIDATION_FAILED",
            "schema",
        ),
        (
            "the hash algorithm",
            |b| b["hash_algorithm"] = json!("BLAKE3"),
            "SCHEMA_VALIDATION_FAILED",
            "schema",
        ),
        (
            "an empty manifest",
            |b| b["manifest"]["entries"] = json!([]),
            "SCHEMA_VALIDATION_FAILED",
            "schema",
        ),
        (
            "the proof bundle's envelope version",
            |b| b["artifacts"]["proof_bundle_envelope"]["envelope_version"] = json!("2"),
            "SCHEMA_VALIDATION_FAILED",
            "schema",
        ),
        (
            "an attestation envelope with expires_at",
            |b| b["artifacts"]["execution_attestation_envelopes"][0]["expires_at"] = json!(at(T0)),
            "SCHEMA_VALIDATION_FAILED",
            "schema",
        ),
        (
            "an issuer that is not a DID",
            |b| b["issuer_did"] = json!("key:z6Mk"),
            "SCHEMA_VALIDATION_FAILED",
            "schema",
        ),
        (
            "an issuer of another DID method",
            |b| b["issuer_did"] = json!("did:example:123"),
            "INVALID_DID_FORMAT",
            "signature",
        ),
    ];
    for (what, edit, want, comp) in cases {
        let mut t = b.clone();
        edit(&mut t);
        let x = verify(&t, &cfg);
        assert_eq!(x.reason_code, want, "{what}: {}", x.reason);
        assert_eq!(x.components.last().unwrap().name, comp, "{what}");
    }
}

/// Changes by the issuer, who re-computes the manifest and re-signs: the checks of the
/// contents (proof bundle, attestations, bindings, times) must still catch each.
#[test]
fn issuer_tampering() {
    let cfg = export_config();
    let b = built();
    type Edit = fn(&mut Value);
    let cases: Vec<(&str, Edit, &str, &str)> = vec![
        (
            "the proof bundle's payload",
            |b| b["artifacts"]["proof_bundle_envelope"]["payload"]["bundle_id"] = json!("bundle_x"),
            "HASH_MISMATCH",
            "proof_bundle",
        ),
        (
            "the proof bundle's signature",
            |b| flip_at(b, "/artifacts/proof_bundle_envelope/signature_b64u"),
            "SIGNATURE_INVALID",
            "proof_bundle",
        ),
        (
            "an attestation's payload",
            |b| {
                b["artifacts"]["execution_attestation_envelopes"][0]["payload"]["attestation_id"] =
                    json!("att_2")
            },
            "HASH_MISMATCH",
            "execution_attestations",
        ),
        (
            "an attestation's signature",
            |b| {
                flip_at(
                    b,
                    "/artifacts/audit_result_attestation_envelopes/0/signature_b64u",
                )
            },
            "SIGNATURE_INVALID",
            "audit_result_attestations",
        ),
        (
            "a derivation's log proof",
            |b| {
                b["artifacts"]["derivation_attestation_envelopes"][0] = attest(
                    "derivation_attestation",
                    &{
                        let mut p = b["artifacts"]["derivation_attestation_envelopes"][0]
                            ["payload"]
                            .clone();
                        p["clawlogs"]["inclusion_proof"]["metadata"]["leaf_index"] = json!(2);
                        p
                    },
                    &deriv_key(),
                )
            },
            "INCLUSION_PROOF_INVALID",
            "derivation_attestations",
        ),
        (
            "an attestation by a signer not allowlisted",
            |b| {
                let p = b["artifacts"]["audit_result_attestation_envelopes"][0]["payload"].clone();
                b["artifacts"]["audit_result_attestation_envelopes"][0] =
                    attest("audit_result_attestation", &p, &issuer());
            },
            "CLAIM_NOT_FOUND",
            "audit_result_attestations",
        ),
        (
            "created after issued",
            |b| b["created_at"] = json!(at(T0 + 3000)),
            "CAUSAL_CLOCK_CONTRADICTION",
            "timestamps",
        ),
        (
            "issued in the future",
            |b| b["issued_at"] = json!(at(T0 + 86_400_000 + 300_001)),
            "FUTURE_TIMESTAMP_POISONING",
            "timestamps",
        ),
        (
            "expired",
            |b| b["expires_at"] = json!(at(T0 + 86_400_000 - 300_001)),
            "EXPIRED_TTL",
            "timestamps",
        ),
    ];
    for (what, edit, want, comp) in cases {
        let mut t = b.clone();
        edit(&mut t);
        reseal(&mut t);
        let x = verify(&t, &cfg);
        assert_eq!(x.reason_code, want, "{what}: {}", x.reason);
        assert_eq!(x.components.last().unwrap().name, comp, "{what}");
    }
    // Within the 5-minute allowance.
    let mut t = b.clone();
    t["issued_at"] = json!(at(T0 + 86_400_000 + 300_000));
    t["expires_at"] = json!(at(T0 + 86_400_000 - 300_000));
    reseal(&mut t);
    assert_eq!(code(&t, &cfg), "OK");
    // Signed by someone else than the issuer it names.
    let mut t = b.clone();
    reseal_with(&mut t, &audit_key());
    assert_eq!(code(&t, &cfg), "SIGNATURE_INVALID");
    // An issuer named by did:web cannot be checked offline.
    let mut t = b.clone();
    t["issuer_did"] = json!("did:web:example.com");
    reseal(&mut t);
    assert_eq!(code(&t, &cfg), "INVALID_DID_FORMAT");
}

/// Attestations re-signed by their own attesters that do not fit the proof bundle.
#[test]
fn attester_tampering() {
    let cfg = export_config();
    let b = built();
    let (_, h, run, agent) = proof_bundle();
    let other = hash::sha256_b64u("another bundle");
    let exec = |p: Value| {
        move |b: &mut Value| {
            b["artifacts"]["execution_attestation_envelopes"][0] =
                attest("execution_attestation", &p, &exec_key())
        }
    };
    type Edit = Box<dyn Fn(&mut Value)>;
    let mut cases: Vec<(&str, Edit, &str, &str)> = Vec::new();
    let mut p = execution_payload(&other, &run, &agent);
    cases.push((
        "execution: another proof bundle",
        Box::new(exec(p.clone())),
        "HASH_MISMATCH",
        "execution_attestations",
    ));
    p = execution_payload(&h, "run_other", &agent);
    cases.push((
        "execution: another run",
        Box::new(exec(p.clone())),
        "HASH_MISMATCH",
        "execution_attestations",
    ));
    p = execution_payload(&h, &run, &deriv_key().verifying_key().did());
    cases.push((
        "execution: another agent",
        Box::new(exec(p.clone())),
        "HASH_MISMATCH",
        "execution_attestations",
    ));
    p = execution_payload(&h, &run, &agent);
    p["attester_did"] = json!(audit_key().verifying_key().did());
    cases.push((
        "execution: attester is not the signer",
        Box::new(exec(p.clone())),
        "SIGNATURE_INVALID",
        "execution_attestations",
    ));
    p = execution_payload(&h, &run, &agent);
    p.as_object_mut().unwrap().remove("run_id");
    cases.push((
        "execution: no run_id",
        Box::new(exec(p.clone())),
        "SCHEMA_VALIDATION_FAILED",
        "execution_attestations",
    ));
    p = execution_payload(&h, &run, &agent);
    p["execution_type"] = json!("tee_execution");
    cases.push((
        "execution: TEE without claims",
        Box::new(exec(p.clone())),
        "SCHEMA_VALIDATION_FAILED",
        "schema",
    ));
    p["runtime_metadata"] = json!({"tee": {"attestation_type": "generic_tee", "root_id": " ",
        "tcb_version": "1", "measurements": {"measurement_hash_b64u": hash::sha256_b64u("m")},
        "evidence_ref": {"resource_type": "quote", "resource_hash_b64u": hash::sha256_b64u("q")}}});
    cases.push((
        "execution: TEE with a blank root",
        Box::new(exec(p.clone())),
        "SCHEMA_VALIDATION_FAILED",
        "execution_attestations",
    ));
    p["runtime_metadata"]["tee"]["root_id"] = json!("root-1");
    cases.push((
        "execution: TEE (no TEE allowlists offline)",
        Box::new(exec(p.clone())),
        "DEPENDENCY_NOT_CONFIGURED",
        "execution_attestations",
    ));
    let mut d = derivation_payload(&other);
    cases.push((
        "derivation: another proof bundle",
        Box::new(move |b: &mut Value| {
            b["artifacts"]["derivation_attestation_envelopes"][0] =
                attest("derivation_attestation", &d, &deriv_key())
        }),
        "HASH_MISMATCH",
        "derivation_attestations",
    ));
    d = derivation_payload(&h);
    d.as_object_mut().unwrap().remove("execution");
    cases.push((
        "derivation: no execution reference (allowed)",
        Box::new(move |b: &mut Value| {
            b["artifacts"]["derivation_attestation_envelopes"][0] =
                attest("derivation_attestation", &d, &deriv_key())
        }),
        "OK",
        "audit_result_attestations",
    ));
    let a = audit_payload(&other);
    cases.push((
        "audit: another proof bundle",
        Box::new(move |b: &mut Value| {
            b["artifacts"]["audit_result_attestation_envelopes"][0] =
                attest("audit_result_attestation", &a, &audit_key())
        }),
        "HASH_MISMATCH",
        "audit_result_attestations",
    ));
    for (what, edit, want, comp) in cases {
        let mut t = b.clone();
        edit(&mut t);
        reseal(&mut t);
        let x = verify(&t, &cfg);
        assert_eq!(x.reason_code, want, "{what}: {}", x.reason);
        assert_eq!(x.components.last().unwrap().name, comp, "{what}");
    }
}

/// Allowlists fail closed, and the proof bundle's strict receipt layer (gateway allowlist)
/// comes after the attestations, as in the reference CLI.
#[test]
fn configuration_and_check_order() {
    let b = built();
    let mut cfg = export_config();
    cfg.allowlists.execution_attestation_signer_dids.clear();
    assert_eq!(code(&b, &cfg), "DEPENDENCY_NOT_CONFIGURED");
    let mut cfg = export_config();
    cfg.allowlists.gateway_receipt_signer_dids.clear();
    let x = verify(&b, &cfg);
    assert_eq!(x.reason_code, "DEPENDENCY_NOT_CONFIGURED");
    assert_eq!(x.components.last().unwrap().name, "proof_bundle");
    assert_eq!(
        x.component("audit_result_attestations").unwrap().code,
        "OK",
        "the attestations were checked first"
    );
    assert_eq!(
        x.proof_bundle.as_ref().unwrap().reason_code,
        "DEPENDENCY_NOT_CONFIGURED"
    );
    // Both wrong: the attestation is reported.
    cfg.allowlists.audit_result_attestation_signer_dids = vec!["did:key:z6MkOther".into()];
    assert_eq!(code(&b, &cfg), "CLAIM_NOT_FOUND");
    // A proof bundle failure outside that layer stops at the proof bundle.
    let mut t = b.clone();
    t["artifacts"]["proof_bundle_envelope"]["payload"]["bundle_id"] = json!("bundle_x");
    reseal(&mut t);
    assert_eq!(code(&t, &cfg), "HASH_MISMATCH");
    // The proof bundle is verified with the caller's configuration (here: expired).
    let mut cfg = export_config();
    cfg.now_ms = T0 + 86_400_000;
    let mut t = b.clone();
    let (mut pb, ..) = proof_bundle();
    let key = agent_key();
    let signed = envelope::sign("proof_bundle", &pb["payload"], &key, T0, Some(T0 + 1)).unwrap();
    pb = signed.to_value();
    t["artifacts"]["proof_bundle_envelope"] = pb;
    reseal(&mut t);
    let x = verify(&t, &cfg);
    assert_eq!(x.reason_code, "EXPIRED_TTL");
    assert_eq!(
        x.field.as_deref(),
        Some("artifacts.proof_bundle_envelope.expires_at")
    );
}
