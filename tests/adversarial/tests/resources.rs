//! Attacks on the verifier's time: inputs within the configured limits whose cost would grow
//! faster than their size. Each test simply completes (no timing assertion); its comment says
//! what the input used to cost.

use claw_adversarial::*;
use claw_core::evidence::verify_bundle;
use serde_json::{json, Value};

fn parse(text: &str) -> Value {
    serde_json::from_str(text).expect("json")
}

#[test]
fn baseline_honest_bundle_verifies() {
    let b = honest_bundle(&issuer(), 40, &["read_file"]);
    let v = verify_bundle(b.to_json().expect("json").as_bytes(), &verify_config());
    assert_eq!(v.reason_code, "OK");
}

/// A bundle whose `signer_did` (= `agent_did`) is a 1 MiB `did:key`: base58 decoding is
/// quadratic in the length, so this kept the verifier busy for about 6 minutes (measured in
/// release: 64 KiB, 1.4 s; 16 times longer is 256 times slower). DIDs longer than any
/// Ed25519 did:key are refused undecoded, with the code the old decoder gave.
#[test]
fn megabyte_did_key_as_the_bundle_signer() {
    let huge = format!("did:key:z{}", "2".repeat(1 << 20));
    let mut b = parse(
        &honest_bundle(&issuer(), 41, &["read_file"])
            .to_json()
            .expect("json"),
    );
    b["payload"]["agent_did"] = json!(huge);
    let mut env = parse(&resign_bundle(&b["payload"], &attacker()));
    env["signer_did"] = json!(huge);
    let v = verify_bundle(env.to_string().as_bytes(), &verify_config());
    assert_eq!(v.reason_code, "INVALID_DID_FORMAT");
    assert_eq!(v.field.as_deref(), Some("signer_did"));
}

/// The same DID as a gateway receipt's signer (not allowlisted): every receipt signer and
/// co-signer DID was decoded up front, before the allowlist check.
#[test]
fn megabyte_did_key_as_a_gateway_receipt_signer() {
    let huge = format!("did:key:z{}", "2".repeat(1 << 20));
    let mut b = parse(
        &honest_bundle(&issuer(), 42, &["read_file"])
            .to_json()
            .expect("json"),
    );
    b["payload"]["receipts"][0]["signer_did"] = json!(huge);
    let v = verify_bundle(
        resign_bundle(&b["payload"], &issuer()).as_bytes(),
        &verify_config(),
    );
    assert_eq!(v.reason_code, "RECEIPT_VERIFICATION_FAILED");
    assert!(v.reason.contains("CLAIM_NOT_FOUND"), "{}", v.reason);
}
