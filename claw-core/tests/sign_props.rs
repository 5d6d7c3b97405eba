//! Properties of signing: for any key and message, sign then verify holds, and any single
//! bit flip in the message or the signature fails; for any payload, a signed envelope
//! verifies, and any single bit flip in its payload (as JSON text), its payload hash, its
//! signature or its signer fails. (`issued_at` and `expires_at` are not covered by the
//! signature in the envelope format; they are not part of this property.)
#![allow(clippy::unwrap_used, clippy::expect_used)]

use claw_core::envelope::{self, Envelope, Signers, VerifyOptions};
use claw_core::json::{self, Limits};
use claw_core::keys::{PrecomputedVerifyingKey, SigningKey};
use proptest::prelude::*;
use serde_json::{Map, Value};

fn payload() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        (-1_000_000i64..1_000_000).prop_map(Value::from),
        "[a-zA-Z0-9 é\u{1F600}\"\\\\]{0,8}".prop_map(Value::String),
    ];
    let value = leaf.prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::btree_map("[a-z_]{1,6}", inner, 0..4)
                .prop_map(|m| Value::Object(m.into_iter().collect::<Map<_, _>>())),
        ]
    });
    prop::collection::btree_map("[a-z_]{1,6}", value, 1..5)
        .prop_map(|m| Value::Object(m.into_iter().collect::<Map<_, _>>()))
}

fn flip(bytes: &[u8], bit: usize) -> Vec<u8> {
    let mut out = bytes.to_vec();
    let bit = bit % (out.len() * 8);
    out[bit / 8] ^= 1 << (bit % 8);
    out
}

/// Flip one bit of one character of a string; `None` when the result is not UTF-8 (then
/// the envelope text would not even parse).
fn flip_str(s: &str, bit: usize) -> Option<String> {
    String::from_utf8(flip(s.as_bytes(), bit)).ok()
}

fn opts(t: &str) -> VerifyOptions<'_> {
    VerifyOptions {
        expected_type: t,
        signers: Signers::Any,
        now: None,
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn sign_then_verify_holds_and_every_bit_flip_fails(
        seed in any::<[u8; 32]>(),
        msg in prop::collection::vec(any::<u8>(), 0..200),
        bit in any::<usize>(),
    ) {
        let sk = SigningKey::from_seed(&seed);
        let pk = sk.verifying_key();
        let sig = sk.sign(&msg);
        prop_assert!(pk.verify(&msg, &sig).is_ok());
        prop_assert!(pk.verify(&msg, &flip(&sig, bit)).is_err(), "signature bit {}", bit % 512);
        if !msg.is_empty() {
            prop_assert!(pk.verify(&flip(&msg, bit), &sig).is_err(), "message bit {}", bit % (msg.len() * 8));
        }
        // Another key never verifies it.
        let other = SigningKey::from_seed(&flip(&seed, bit).try_into().unwrap()).verifying_key();
        prop_assert!(other.verify(&msg, &sig).is_err());
        // The precomputed-table verifier (bundles, busy keys) holds the same.
        let table = PrecomputedVerifyingKey::new(&pk);
        prop_assert!(table.verify(&msg, &sig).is_ok());
        prop_assert!(table.verify(&msg, &flip(&sig, bit)).is_err(), "table: signature bit {}", bit % 512);
        if !msg.is_empty() {
            prop_assert!(table.verify(&flip(&msg, bit), &sig).is_err(), "table: message bit {}", bit % (msg.len() * 8));
        }
        prop_assert!(PrecomputedVerifyingKey::new(&other).verify(&msg, &sig).is_err());
    }

    #[test]
    fn a_signed_envelope_verifies_and_every_bit_flip_in_payload_hash_signature_or_signer_fails(
        seed in any::<[u8; 32]>(),
        p in payload(),
        jcs in any::<bool>(),
        bit in any::<usize>(),
    ) {
        let t = if jcs { "work_policy_contract" } else { "proof_bundle" };
        let sk = SigningKey::from_seed(&seed);
        let env = envelope::sign(t, &p, &sk, 1_800_000_000_000, None).unwrap();
        // Through its own text, as a verifier receives it.
        let text = env.to_json().unwrap();
        let parsed = Envelope::parse(text.as_bytes(), &Limits::STRICT).unwrap();
        prop_assert!(parsed.verify(&opts(t)).is_ok());

        // The payload, as JSON text, with one bit flipped.
        let payload_text = json::serialize(&env.payload, json::KeyOrder::JavaScript).unwrap();
        let flipped = flip(&payload_text, bit);
        if let Ok(Value::Object(m)) = json::parse(&flipped, &Limits::STRICT) {
            let changed = Value::Object(m);
            // A flip can only leave the value unchanged by turning a byte into JSON whitespace
            // between tokens, which the compact form does not have; check rather than assume.
            if json::serialize(&changed, json::KeyOrder::JavaScript).unwrap() != payload_text {
                let mut e = env.clone();
                e.payload = changed;
                prop_assert!(e.verify(&opts(t)).is_err(), "payload flip verified");
            }
        }
        // The payload hash, the signature and the signer DID, one bit each.
        let mut e = env.clone();
        if let Some(h) = flip_str(&env.payload_hash_b64u, bit) {
            e.payload_hash_b64u = h;
            prop_assert!(e.verify(&opts(t)).is_err(), "hash flip verified");
        }
        let mut e = env.clone();
        if let Some(s) = flip_str(&env.signature_b64u, bit) {
            e.signature_b64u = s;
            prop_assert!(e.verify(&opts(t)).is_err(), "signature flip verified");
        }
        let mut e = env.clone();
        if let Some(d) = flip_str(&env.signer_did, bit) {
            e.signer_did = d;
            prop_assert!(e.verify(&opts(t)).is_err(), "signer flip verified");
        }
    }
}
