//! Structured mutations of a valid scoped token: the fuzzer writes the header JSON, the claims
//! JSON, or both, and the target signs them with the trusted issuer key, so every input gets
//! past the signature and exercises the header rules, the claims parser and every check after
//! it (time, revocation, audience, scope, scope hash, delegation, policy pin, job binding,
//! replay).
//!
//! Input: one mode byte, then the bytes it describes.
//! * mode % 3 == 0: claims JSON, signed under the issuer's usual header;
//! * mode % 3 == 1: header JSON, over the claims of a valid token;
//! * mode % 3 == 2: header JSON, a 0x00 byte, claims JSON.
//!
//! Whatever validates must satisfy the options it was validated under, and its claims must
//! survive the writer: `to_json_object` then `from_json_object` gives the same claims.
#![no_main]
use claw_core::b64;
use claw_core::cst::{self, Claims, KeySet, ReplayMode, ValidationOptions};
use claw_core::keys::SigningKey;
use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;

const NOW: i64 = 1_700_000_000;
const AUD: &str = "gateway.test";
const ACTION: &str = "tool:execute";
const POLICY: &str = "bNhAvlwMZv1_HXWYiCqi78Saq_GksXTWfujitk1_lbk";
const HEADER: &[u8] = br#"{"alg":"EdDSA","typ":"JWT","kid":"10ba682c8ad13513"}"#;
const CLAIMS: &[u8] = br#"{"token_version":"1","sub":"did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK","aud":"gateway.test","scope":["tool:execute","model:invoke"],"iat":1699999990,"exp":1700000290,"policy_hash_b64u":"bNhAvlwMZv1_HXWYiCqi78Saq_GksXTWfujitk1_lbk","mission_id":"job-1","jti":"pyjwt-jti-0001"}"#;

fn issuer() -> &'static (SigningKey, KeySet) {
    static K: OnceLock<(SigningKey, KeySet)> = OnceLock::new();
    K.get_or_init(|| {
        let sk = SigningKey::from_seed(&[0x11; 32]);
        let keys = KeySet::from_dids([sk.verifying_key().did().as_str()]).expect("did");
        (sk, keys)
    })
}

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let (header, claims): (&[u8], &[u8]) = match mode % 3 {
        0 => (HEADER, rest),
        1 => (rest, CLAIMS),
        _ => match rest.iter().position(|&b| b == 0) {
            Some(i) => (&rest[..i], &rest[i + 1..]),
            None => return,
        },
    };
    let (sk, keys) = issuer();
    let mut token = b64::encode(header);
    token.push('.');
    token.push_str(&b64::encode(claims));
    let sig = sk.sign(token.as_bytes());
    token.push('.');
    token.push_str(&b64::encode(sig));

    let plain = ValidationOptions::new(AUD, ACTION);
    let mut strict = ValidationOptions::new(AUD, ACTION);
    strict.job = Some("job-1");
    strict.replay = ReplayMode::BoundToJob;
    strict.runtime_policy_hash = Some(POLICY);
    strict.require_policy_pin = true;
    strict.max_ttl_seconds = Some(3600);
    for opts in [plain, strict] {
        let Ok(v) = cst::validate(&token, keys, &opts, NOW) else {
            continue;
        };
        assert!(v.aud.iter().any(|a| a == AUD));
        assert!(v.scope.iter().any(|s| s == ACTION));
        assert!(v.iat >= 0 && v.exp > v.iat && NOW < v.exp + 60);
        if let Some(nbf) = v.nbf {
            assert!(nbf <= NOW + 60);
        }
        if let Some(h) = &v.token_scope_hash_b64u {
            assert_eq!(h, &v.scope_hash_b64u());
        }
        if opts.require_policy_pin {
            assert_eq!(v.pinned_policy_hash(), Some(POLICY));
            assert_eq!(v.mission_id.as_deref(), Some("job-1"));
            assert!(v.exp - v.iat <= 3600);
        }
        let round = Claims::from_json_object(v.to_json_object()).expect("written claims read back");
        assert_eq!(&round, v.claims(), "claims do not survive the writer");
    }
});
