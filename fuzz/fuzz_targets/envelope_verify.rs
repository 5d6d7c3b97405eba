//! Arbitrary bytes as a signed envelope: parsing and verification must return, never panic,
//! and never accept a forged envelope (there is no valid signature an input can forge here
//! without the key; a VALID result would need a real signature, which the corpus provides).
#![no_main]
use claw_core::envelope::{Envelope, Signers, VerifyOptions};
use claw_core::json::Limits;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(env) = Envelope::parse(data, &Limits::STRICT) else {
        return;
    };
    for t in ["work_policy_contract", "proof_bundle", "gateway_receipt"] {
        let opts = VerifyOptions {
            expected_type: t,
            signers: Signers::Any,
            now: Some(1_800_000_000),
        };
        if let Ok(v) = env.verify(&opts) {
            // Whatever verified must re-verify from its own canonical text.
            let text = env.to_json().expect("verified envelope serializes");
            let again = Envelope::parse(text.as_bytes(), &Limits::STRICT).expect("reparse");
            assert_eq!(
                again.verify(&opts).expect("re-verify").payload_hash_b64u,
                v.payload_hash_b64u
            );
        }
    }
});
