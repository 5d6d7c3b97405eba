//! Attacks on the signed envelope itself (the Clawsig envelope v1 that carries policies,
//! receipts, checkpoints and bundles): type confusion, and the fields the signature does not
//! cover.
//!
//! The envelope's signature covers one thing: the UTF-8 bytes of `payload_hash_b64u`, which
//! commits to the payload. `envelope_type`, `issued_at` and `expires_at` are outside it (as in
//! the reference protocol). claw pins the type and the hash rule per type on the verifier's
//! side, so a changed type is caught; a changed or removed `expires_at` is not, and the last
//! test documents that.
#![allow(clippy::disallowed_methods)] // tests may read JSON with serde_json (clippy.toml)

use claw_adversarial::*;
use claw_core::envelope::{Envelope, Signers, VerifyOptions};
use claw_core::evidence::verify_bundle;
use claw_core::json::Limits;
use claw_core::wpc::{sign_policy, verify_policy_envelope, Policy};
use serde_json::{json, Value};

fn policy() -> Policy {
    Policy::parse(
        br#"{"policy_version":"2","policy_id":"p","issuer_did":"did:key:z6Mkx",
        "statements":[{"sid":"s","effect":"Allow","actions":["tool:execute"],"resources":["read"]}]}"#,
    )
    .expect("policy")
}

/// A gateway receipt (or a checkpoint) signed by a trusted key, presented as a signed policy
/// or a bundle: the verifier pins the type it expects.
#[test]
fn envelope_type_confusion() {
    let receipt = signed_envelope("gateway_receipt", policy().payload(), &issuer());
    let err = verify_policy_envelope(receipt.as_bytes(), Signers::Any, None, None).unwrap_err();
    assert_eq!(err.reason_code(), "UNKNOWN_ENVELOPE_TYPE");
    let checkpoint = signed_envelope("claw_receipt_checkpoint", &json!({"x": 1}), &issuer());
    assert_eq!(
        verify_bundle(checkpoint.as_bytes(), &verify_config()).reason_code,
        "UNKNOWN_ENVELOPE_TYPE"
    );
}

/// Documented limit: `envelope_type` is not covered by the signature either, so an envelope
/// of one type can be relabelled as another *if its payload is also a valid document of the
/// other type*. A real receipt relabelled as a policy fails the policy schema (every claw
/// payload schema refuses unknown fields, so no payload is valid under two types); what
/// remains is a key that signs attacker-chosen payloads under some type. Keep one key per
/// role and pass the role's signers (`Signers::OneOf`) to each verifier.
#[test]
fn envelope_type_is_not_signed_so_only_schemas_and_signer_roles_stop_a_relabel() {
    let mut arbitrary: Value = serde_json::from_str(&signed_envelope(
        "gateway_receipt",
        policy().payload(),
        &issuer(),
    ))
    .expect("json");
    arbitrary["envelope_type"] = json!("work_policy_contract");
    let text = arbitrary.to_string();
    assert!(verify_policy_envelope(text.as_bytes(), Signers::Any, None, None).is_ok());
    // The runtime trusts its policy authority for policies, not the key that signs receipts.
    let policy_authority = claw_core::keys::SigningKey::from_seed(&[0x50; 32]);
    let policy_signers = [policy_authority.verifying_key().did()];
    let err = verify_policy_envelope(text.as_bytes(), Signers::OneOf(&policy_signers), None, None)
        .unwrap_err();
    assert_eq!(err.reason_code(), "SIGNER_NOT_ALLOWED");

    let bundle = honest_bundle(&issuer(), 60, &[]);
    let mut receipt: Value = serde_json::from_str(&bundle.to_json().expect("json")).expect("json");
    let mut receipt = receipt["payload"]["receipts"][0].take();
    receipt["envelope_type"] = json!("work_policy_contract");
    let err = verify_policy_envelope(receipt.to_string().as_bytes(), Signers::Any, None, None)
        .unwrap_err();
    assert_eq!(err.reason_code(), "SCHEMA_VALIDATION_FAILED");
}

/// An expired signed policy with its `expires_at` removed, or pushed into the future, still
/// verifies: the expiry is not covered by the signature. This is the envelope format of the
/// reference protocol, kept for wire compatibility; a verifier that needs an expiry it can
/// trust must take it from the signed payload (or from a CST's `exp`), not from the envelope.
#[test]
fn envelope_expiry_is_not_signed_so_it_can_be_stripped() {
    let env = sign_policy(&policy(), &issuer(), T0_MS, Some(T0_MS + 1000)).expect("sign");
    let text = env.to_json().expect("json");
    let later = T0_MS / 1000 + 3600;
    let err = verify_policy_envelope(text.as_bytes(), Signers::Any, None, Some(later)).unwrap_err();
    assert_eq!(err.reason_code(), "EXPIRED");
    let mut stripped: Value = serde_json::from_str(&text).expect("json");
    stripped
        .as_object_mut()
        .expect("object")
        .remove("expires_at");
    assert!(verify_policy_envelope(
        stripped.to_string().as_bytes(),
        Signers::Any,
        None,
        Some(later)
    )
    .is_ok());
    let mut extended: Value = serde_json::from_str(&text).expect("json");
    extended["expires_at"] = json!("2099-01-01T00:00:00.000Z");
    assert!(verify_policy_envelope(
        extended.to_string().as_bytes(),
        Signers::Any,
        None,
        Some(later)
    )
    .is_ok());
    // The same holds for any envelope type.
    let mut e = Envelope::parse(text.as_bytes(), &Limits::STRICT).expect("parse");
    e.expires_at = None;
    let opts = VerifyOptions {
        expected_type: "work_policy_contract",
        signers: Signers::Any,
        now: Some(later),
    };
    assert!(e.verify(&opts).is_ok());
}
