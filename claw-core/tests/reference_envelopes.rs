//! Envelopes made by the reference implementation verify byte-for-byte with claw.
mod common;

use claw_core::envelope::{Envelope, Signers, VerifyOptions};
use claw_core::json::Limits;

#[test]
fn reference_proof_bundle_envelopes_verify_and_round_trip() {
    // Vectors the reference's own manifest expects to pass signature and hash checks.
    for rel in [
        "clawsig/fixtures/protocol-conformance/proof_bundle_pass.v1.json",
        "clawsig/fixtures/protocol-conformance/cpl-v2-rate-limit/proof_bundle_rate_limit_pass.v1.json",
    ] {
        let v = common::shared_json(rel);
        let env_value = v.get("envelope").cloned().unwrap_or(v);
        let text = serde_json::to_vec(&env_value).unwrap();
        let env = Envelope::parse(&text, &Limits::STRICT).unwrap_or_else(|e| panic!("{rel}: {e}"));
        let opts = VerifyOptions { expected_type: "proof_bundle", signers: Signers::Any, now: None };
        let ok = env.verify(&opts).unwrap_or_else(|e| panic!("{rel}: {e}"));
        assert_eq!(ok.signer_did, env.signer_did);
        // Written back by claw and read again, it still verifies.
        let again = Envelope::parse(env.to_json().unwrap().as_bytes(), &Limits::STRICT).unwrap();
        again.verify(&opts).unwrap();
    }
}

#[test]
fn reference_invalid_signature_vector_fails() {
    let v = common::shared_json(
        "clawsig/fixtures/protocol-conformance/proof_bundle_fail_invalid_signature.v1.json",
    );
    let env_value = v.get("envelope").cloned().unwrap_or(v);
    let env = Envelope::parse(&serde_json::to_vec(&env_value).unwrap(), &Limits::STRICT).unwrap();
    let opts = VerifyOptions {
        expected_type: "proof_bundle",
        signers: Signers::Any,
        now: None,
    };
    assert_eq!(
        env.verify(&opts).unwrap_err().reason_code(),
        "SIGNATURE_INVALID"
    );
}
