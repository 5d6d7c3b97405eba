//! Arbitrary bytes as a compact scoped token, validated against a fixed trusted key set (the
//! issuer of the committed test tokens, under its reference kid and a JWK kid) with several
//! option sets: plain, job-bound with a policy pin, jti-once with revocations. Also through
//! the bare JWS layer (`jws::verify_compact`).
//!
//! No input can forge the issuer's signature, so whatever validates came from the seeds; for
//! those, the verified claims must satisfy the options they were validated under.
#![no_main]
use claw_core::cst::{
    self, jws, InMemoryReplayGuard, KeySet, ReplayMode, RevocationList, Revocations,
    ValidationOptions,
};
use claw_core::keys::SigningKey;
use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;

/// The clock of the committed token files (claw-core/tests/data/cst).
const NOW: i64 = 1_700_000_000;
const AUD: &str = "gateway.test";
const ACTION: &str = "tool:execute";
const POLICY: &str = "bNhAvlwMZv1_HXWYiCqi78Saq_GksXTWfujitk1_lbk";

struct Fixed {
    keys: KeySet,
    revocations: Revocations,
}

fn fixed() -> &'static Fixed {
    static F: OnceLock<Fixed> = OnceLock::new();
    F.get_or_init(|| {
        let issuer = SigningKey::from_seed(&[0x11; 32]).verifying_key();
        let mut keys = KeySet::new();
        keys.insert(None, issuer, None).expect("reference kid");
        keys.insert(Some("issuer-jwk-kid"), issuer, None)
            .expect("jwk kid");
        keys.insert(Some("expiring"), issuer, Some(NOW - 1))
            .expect("expiring kid");
        let mut list = RevocationList::new();
        list.revoke_jti("revoked-jti").revoke_kid("expiring");
        Fixed {
            keys,
            revocations: Revocations::new(list),
        }
    })
}

fuzz_target!(|data: &[u8]| {
    let Ok(token) = std::str::from_utf8(data) else {
        return;
    };
    let f = fixed();
    let issuer = SigningKey::from_seed(&[0x11; 32]).verifying_key();
    let _ = jws::verify_compact(token, &issuer);
    let _ = cst::token_hash(token);

    let plain = ValidationOptions::new(AUD, ACTION);
    let mut bound = ValidationOptions::new(AUD, ACTION);
    bound.job = Some("job-1");
    bound.replay = ReplayMode::BoundToJob;
    bound.runtime_policy_hash = Some(POLICY);
    bound.require_policy_pin = true;
    bound.require_scope_hash = true;
    bound.max_ttl_seconds = Some(3600);
    bound.clock_skew_seconds = 0;
    // A fresh guard per input keeps runs independent.
    let guard = InMemoryReplayGuard::new(64);
    let mut once = ValidationOptions::new(AUD, "model:invoke");
    once.replay = ReplayMode::JtiOncePerJob(&guard);
    once.revocations = Some(&f.revocations);
    once.subject = Some("did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK");
    let mut inspect = ValidationOptions::new(AUD, ACTION);
    inspect.action = None;

    for (i, opts) in [plain, bound, once, inspect].iter().enumerate() {
        for now in [NOW, NOW + 86_400 * 365 * 100, i64::MIN, i64::MAX] {
            let Ok(v) = cst::validate(token, &f.keys, opts, now) else {
                continue;
            };
            assert!(v.aud.iter().any(|a| a == AUD), "audience not checked");
            if let Some(action) = opts.action {
                assert!(v.scope.iter().any(|s| s == action), "scope not checked");
            }
            assert!(
                v.exp > v.iat && now < v.exp.saturating_add(i64::from(opts.clock_skew_seconds))
            );
            if i == 1 {
                assert_eq!(v.mission_id.as_deref(), Some("job-1"));
                assert_eq!(v.pinned_policy_hash(), Some(POLICY));
                assert!(v.exp - v.iat <= 3600);
            }
            if i == 2 {
                // The same token again in the same job is a replay.
                let again = cst::validate(token, &f.keys, opts, now);
                assert_eq!(
                    again.map(|_| ()).unwrap_err().reason_code(),
                    "TOKEN_REPLAYED"
                );
            }
            if let Some(h) = &v.token_scope_hash_b64u {
                assert_eq!(h, &v.scope_hash_b64u());
            }
        }
    }
});
