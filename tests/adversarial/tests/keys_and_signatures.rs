//! Attacks on Ed25519 itself: malleable signatures (`S ≥ L`) on every signed structure, and
//! weak (small-order) or non-canonical public keys wherever a key enters claw: as a JWK, as a
//! `did:key`, as an envelope signer, as a token issuer, as a bundle's agent.
#![allow(clippy::disallowed_methods)] // tests may read JSON with serde_json (clippy.toml)

use claw_adversarial::points::*;
use claw_adversarial::*;
use claw_core::b64;
use claw_core::cst::KeySet;
use claw_core::envelope::{Envelope, Signers, VerifyOptions};
use claw_core::evidence::{verify_bundle, verify_receipt_proof};
use claw_core::json::{self, Limits};
use claw_core::keys::VerifyingKey;
use claw_core::wpc::{sign_policy, verify_policy_envelope, Policy};
use serde_json::{json, Value};

const SMALL_ORDER: [[u8; 32]; 4] = [IDENTITY, ORDER_2, ORDER_4, ORDER_8];
const NON_CANONICAL: [[u8; 32]; 2] = [NON_CANONICAL_IDENTITY, NON_CANONICAL_Y];

fn policy() -> Policy {
    Policy::parse(
        br#"{"policy_version":"2","policy_id":"p","issuer_did":"did:key:z6Mkx",
        "statements":[{"sid":"s","effect":"Allow","actions":["tool:execute"],"resources":["read"]}]}"#,
    )
    .expect("policy")
}

/// Replace the signature of an envelope value by its `S + L` twin.
fn malleate_envelope(v: &mut Value) {
    let sig = b64::decode_array::<64>(v["signature_b64u"].as_str().expect("sig")).expect("64");
    v["signature_b64u"] = json!(b64::encode(malleate(&sig)));
}

/// The weak-key attack is real against a lax verifier: with the identity point as public
/// key, `(R = identity, S = 0)` passes ed25519-dalek's non-strict `verify` for *any*
/// message. Every test below shows claw refusing such keys before a signature is looked at.
#[test]
fn the_weak_key_forgery_is_real_against_a_lax_verifier() {
    use ed25519_dalek::Verifier;
    let weak = ed25519_dalek::VerifyingKey::from_bytes(&IDENTITY).expect("decodes");
    let mut forged = [0u8; 64];
    forged[..32].copy_from_slice(&IDENTITY);
    let forged = ed25519_dalek::Signature::from_bytes(&forged);
    assert!(weak.verify(b"transfer everything", &forged).is_ok());
    assert!(weak.verify(b"anything else", &forged).is_ok());
    assert!(weak.verify_strict(b"anything else", &forged).is_err());
}

// --- S >= L -------------------------------------------------------------------------------

/// The `S + L` twin of a signed envelope's signature.
#[test]
fn non_canonical_signature_s_plus_l_on_an_envelope() {
    let text = signed_envelope("gateway_receipt", &json!({"a": 1}), &issuer());
    let mut v: Value = serde_json::from_str(&text).expect("json");
    malleate_envelope(&mut v);
    let env = Envelope::from_value(v).expect("shape");
    let opts = VerifyOptions {
        expected_type: "gateway_receipt",
        signers: Signers::Any,
        now: None,
    };
    assert_eq!(
        env.verify(&opts).unwrap_err().reason_code(),
        "SIGNATURE_INVALID"
    );
}

/// The `S + L` twin of a signed policy's signature.
#[test]
fn non_canonical_signature_s_plus_l_on_a_policy_envelope() {
    let env = sign_policy(&policy(), &issuer(), T0_MS, None).expect("sign");
    let mut v = env.to_value();
    malleate_envelope(&mut v);
    let err = verify_policy_envelope(v.to_string().as_bytes(), Signers::Any, None, None);
    assert_eq!(err.unwrap_err().reason_code(), "SIGNATURE_INVALID");
}

/// The `S + L` twin on the proof bundle envelope itself.
#[test]
fn non_canonical_signature_s_plus_l_on_a_bundle() {
    let bundle = honest_bundle(&issuer(), 1, &["read_file"]);
    let mut v: Value = serde_json::from_str(&bundle.to_json().expect("json")).expect("json");
    assert!(verify_bundle(v.to_string().as_bytes(), &verify_config()).valid);
    malleate_envelope(&mut v);
    let verdict = verify_bundle(v.to_string().as_bytes(), &verify_config());
    assert_eq!(verdict.reason_code, "SIGNATURE_INVALID");
}

/// The `S + L` twin on a gateway receipt inside a bundle (the bundle re-signed by its agent,
/// so only the receipt's signature is wrong).
#[test]
fn non_canonical_signature_s_plus_l_on_a_gateway_receipt() {
    let agent = issuer();
    let bundle = honest_bundle(&agent, 2, &[]);
    let mut v: Value = serde_json::from_str(&bundle.to_json().expect("json")).expect("json");
    malleate_envelope(&mut v["payload"]["receipts"][0]);
    let verdict = verify_bundle(
        resign_bundle(&v["payload"], &agent).as_bytes(),
        &verify_config(),
    );
    assert_eq!(verdict.reason_code, "RECEIPT_VERIFICATION_FAILED");
}

/// The `S + L` twin on the signed checkpoint carried in a receipt proof.
#[test]
fn non_canonical_signature_s_plus_l_on_a_receipt_checkpoint() {
    let bundle = honest_bundle(&issuer(), 3, &["read_file"]);
    let leaf = bundle.leaves()[0].receipt_id().to_string();
    let proof = bundle.receipt_proof(&leaf).expect("proof");
    let mut v: Value = serde_json::from_str(&proof.to_json().expect("json")).expect("json");
    // Leaf 0 is the gateway receipt: its proof needs the trusted gateway, as in a bundle.
    let gw = [gateway().did()];
    assert!(verify_receipt_proof(v.to_string().as_bytes(), None, &gw).is_ok());
    malleate_envelope(&mut v["checkpoint"]);
    let err = verify_receipt_proof(v.to_string().as_bytes(), None, &gw).unwrap_err();
    assert_eq!(err.reason_code(), "SIGNATURE_INVALID");
}

// --- Torsion in R ---------------------------------------------------------------------------

/// A signer (here the agent, who holds its key) signs a tool receipt with `R = [r]B + T`,
/// `T` of order 2: `verify_strict` refuses it, but ed25519-dalek's cofactorless batch
/// equation accepts it whenever the item's coefficient is even (the attacker can grind `r`).
/// A verifier in batch mode would then call the bundle VALID and one in sequential mode
/// INVALID. Found in review; fixed: both modes accept exactly what `verify_strict` accepts
/// (claw-core `evidence::batch`). Sixteen nonces cover both parities many times over.
#[test]
fn torsion_component_in_r_on_a_receipt_signature() {
    use claw_core::evidence::SigMode;
    let agent_seed = [0x31u8; 32];
    let agent = claw_core::keys::SigningKey::from_seed(&agent_seed);
    let bundle = honest_bundle(&agent, 5, &["read_file"]);
    let mut v: Value = serde_json::from_str(&bundle.to_json().expect("json")).expect("json");
    // A reference-style bundle: without claw's Merkle checkpoint (which would also notice
    // the changed receipt bytes), the signature checks are all that stand in the way.
    v["payload"]["metadata"]
        .as_object_mut()
        .expect("metadata")
        .remove("claw.dev/v1");
    let baseline = resign_bundle(&v["payload"], &agent);
    assert_eq!(
        verify_bundle(baseline.as_bytes(), &verify_config()).reason_code,
        "OK"
    );
    let mut lax_accepted = 0;
    for nonce in 0..16u64 {
        let mut v = v.clone();
        let receipt = &mut v["payload"]["tool_receipts"][0];
        let msg = receipt["payload_hash_b64u"]
            .as_str()
            .expect("hash")
            .to_string();
        let sig = torsioned_signature(&agent_seed, msg.as_bytes(), nonce, 4);
        receipt["signature_b64u"] = json!(b64::encode(sig));
        let lax_key = ed25519_dalek::VerifyingKey::from_bytes(&agent.verifying_key().to_bytes())
            .expect("key");
        if ed25519_dalek::verify_batch(
            &[msg.as_bytes()],
            &[ed25519_dalek::Signature::from_bytes(&sig)],
            &[lax_key],
        )
        .is_ok()
        {
            lax_accepted += 1;
        }
        let text = resign_bundle(&v["payload"], &agent);
        let mut batch = verify_config();
        batch.sig_mode = SigMode::Batch;
        let sequential = verify_config();
        assert_eq!(
            verify_bundle(text.as_bytes(), &batch).reason_code,
            "SIGNATURE_INVALID"
        );
        assert_eq!(
            verify_bundle(text.as_bytes(), &sequential).reason_code,
            "SIGNATURE_INVALID"
        );
    }
    assert!(
        lax_accepted > 0,
        "the batch equation accepted none of the attempts"
    );
}

/// The same attack in a bundle big enough that batch mode checks the agent's signatures with
/// a precomputed table of its key (`keys::PrecomputedVerifyingKey`, used for signers with at
/// least 256 signatures): the table verifier refuses the torsioned `R` like `verify_strict`.
#[test]
fn torsion_component_in_r_among_many_signatures_by_one_key() {
    use claw_core::evidence::{SigMode, TABLE_MIN_SIGNATURES};
    let agent_seed = [0x32u8; 32];
    let agent = claw_core::keys::SigningKey::from_seed(&agent_seed);
    let tools = vec!["read_file"; TABLE_MIN_SIGNATURES + 44];
    let bundle = honest_bundle(&agent, 6, &tools);
    let mut v: Value = serde_json::from_str(&bundle.to_json().expect("json")).expect("json");
    v["payload"]["metadata"]
        .as_object_mut()
        .expect("metadata")
        .remove("claw.dev/v1");
    let honest = resign_bundle(&v["payload"], &agent);
    let mut batch = verify_config();
    batch.sig_mode = SigMode::Batch;
    let mut sequential = verify_config();
    sequential.sig_mode = SigMode::Sequential;
    for cfg in [&batch, &sequential] {
        assert_eq!(verify_bundle(honest.as_bytes(), cfg).reason_code, "OK");
    }
    for t in [1usize, 2, 4] {
        let receipt = &mut v["payload"]["tool_receipts"][150];
        let msg = receipt["payload_hash_b64u"]
            .as_str()
            .expect("hash")
            .to_string();
        let sig = torsioned_signature(&agent_seed, msg.as_bytes(), t as u64, t);
        receipt["signature_b64u"] = json!(b64::encode(sig));
        let text = resign_bundle(&v["payload"], &agent);
        for cfg in [&batch, &sequential] {
            assert_eq!(
                verify_bundle(text.as_bytes(), cfg).reason_code,
                "SIGNATURE_INVALID",
                "torsion {t}, {:?}",
                cfg.sig_mode
            );
        }
    }
}

// --- Weak and non-canonical public keys ---------------------------------------------------

/// Small-order points as a public JWK: refused at import.
#[test]
fn small_order_public_key_as_jwk() {
    for p in SMALL_ORDER {
        let err = VerifyingKey::from_jwk(&jwk_of(&p)).unwrap_err();
        assert_eq!(err.reason_code(), "WEAK_PUBLIC_KEY", "{p:02x?}");
    }
}

/// Non-canonical encodings (y ≥ p) as a public JWK: refused at import.
#[test]
fn non_canonical_public_key_as_jwk() {
    for p in NON_CANONICAL {
        let err = VerifyingKey::from_jwk(&jwk_of(&p)).unwrap_err();
        assert_eq!(err.reason_code(), "INVALID_PUBLIC_KEY", "{p:02x?}");
    }
}

/// The same points as `did:key`s.
#[test]
fn small_order_and_non_canonical_public_keys_as_did_key() {
    for p in SMALL_ORDER {
        let err = VerifyingKey::from_did(&did_key_of(&p)).unwrap_err();
        assert_eq!(err.reason_code(), "WEAK_PUBLIC_KEY");
    }
    for p in NON_CANONICAL {
        let err = VerifyingKey::from_did(&did_key_of(&p)).unwrap_err();
        assert_eq!(err.reason_code(), "INVALID_PUBLIC_KEY");
    }
}

/// The same points as a token issuer in a key set (JWKS, JWK, did:key): the whole set is
/// refused, a trusted set is never half-read.
#[test]
fn small_order_public_key_as_token_issuer() {
    for p in SMALL_ORDER.iter().chain(NON_CANONICAL.iter()) {
        let jwks = format!(r#"{{"keys":[{}]}}"#, jwk_of(p));
        assert_eq!(
            KeySet::from_jwks(&jwks).unwrap_err().reason_code(),
            "SIGNING_CONFIG_INVALID"
        );
        assert_eq!(
            KeySet::from_dids([did_key_of(p).as_str()])
                .unwrap_err()
                .reason_code(),
            "SIGNING_CONFIG_INVALID"
        );
    }
}

/// An envelope "signed" by the identity key with `(R = identity, S = 0)`, which a lax
/// verifier accepts for any payload (see the first test).
#[test]
fn small_order_public_key_as_envelope_signer() {
    let mut forged_sig = [0u8; 64];
    forged_sig[..32].copy_from_slice(&IDENTITY);
    let mut v: Value = serde_json::from_str(&signed_envelope(
        "work_policy_contract",
        &json!({"forged": true}),
        &issuer(),
    ))
    .expect("json");
    for p in SMALL_ORDER.iter().chain(NON_CANONICAL.iter()) {
        v["signer_did"] = json!(did_key_of(p));
        v["signature_b64u"] = json!(b64::encode(forged_sig));
        let env = Envelope::parse(v.to_string().as_bytes(), &Limits::STRICT).expect("shape");
        let opts = VerifyOptions {
            expected_type: "work_policy_contract",
            signers: Signers::Any,
            now: None,
        };
        assert_eq!(
            env.verify(&opts).unwrap_err().reason_code(),
            "INVALID_DID_FORMAT"
        );
    }
}

/// A proof bundle whose agent (and signer) is the identity key, "signed" with
/// `(R = identity, S = 0)`. The reference's code for an undecodable agent key applies.
#[test]
fn small_order_public_key_as_bundle_agent() {
    let bundle = honest_bundle(&issuer(), 4, &[]);
    let mut v: Value = serde_json::from_str(&bundle.to_json().expect("json")).expect("json");
    let weak = did_key_of(&IDENTITY);
    let text = serde_json::to_string(&v["payload"])
        .expect("json")
        .replace(&issuer().verifying_key().did(), &weak);
    let payload: Value = serde_json::from_str(&text).expect("json");
    let payload = json::sorted(&payload);
    let hash = claw_core::envelope::payload_hash("proof_bundle", &payload).expect("hash");
    let mut forged_sig = [0u8; 64];
    forged_sig[..32].copy_from_slice(&IDENTITY);
    v["payload"] = payload;
    v["payload_hash_b64u"] = json!(hash);
    v["signer_did"] = json!(weak);
    v["signature_b64u"] = json!(b64::encode(forged_sig));
    let verdict = verify_bundle(v.to_string().as_bytes(), &verify_config());
    assert_eq!(verdict.reason_code, "SIGNATURE_INVALID");
}
