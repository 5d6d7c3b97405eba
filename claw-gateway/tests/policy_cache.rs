//! The gateway's policy cache (`docs/SPEC.md §8.3` step 6): a cached policy is not used past
//! its envelope's `expires_at`, and a hash missing from the policy directory is remembered
//! for `limits.policy_negative_ttl_ms`, then looked up again. The clock is injected
//! (`State::policy_at`), so nothing here sleeps.

use std::path::Path;

use claw_core::keys::SigningKey;
use claw_core::wpc::{self, Policy};
use claw_gateway::config::{self, Overrides};
use claw_gateway::state::State;
use serde_json::json;

const T0: i64 = 1_900_000_000_000;

fn signer() -> SigningKey {
    SigningKey::from_seed(&[3; 32])
}

fn policy(id: &str) -> Policy {
    Policy::parse(
        json!({"policy_version":"1","policy_id":id,"issuer_did":signer().verifying_key().did(),
               "allowed_models":["m-*"]})
        .to_string()
        .as_bytes(),
    )
    .unwrap()
}

/// Sign `p` (issued at T0, expiring at `exp`) into `dir`.
fn put(dir: &Path, p: &Policy, exp: Option<i64>) {
    let env = wpc::sign_policy(p, &signer(), T0, exp).unwrap();
    std::fs::write(
        dir.join(format!("{}.json", p.hash_b64u())),
        env.to_json().unwrap(),
    )
    .unwrap();
}

fn state(dir: &Path, negative_ttl_ms: Option<u64>) -> State {
    let gw = SigningKey::from_seed(&[1; 32]);
    let issuer = SigningKey::from_seed(&[2; 32]);
    std::fs::write(dir.join("gw.jwk"), gw.to_jwk()).unwrap();
    std::fs::write(dir.join("issuer.jwk"), issuer.verifying_key().to_jwk()).unwrap();
    std::fs::create_dir_all(dir.join("wpc")).unwrap();
    let mut file = String::new();
    if let Some(t) = negative_ttl_ms {
        file = format!("[limits]\npolicy_negative_ttl_ms = {t}\n");
    }
    std::fs::write(dir.join("gw.toml"), file).unwrap();
    let fc = config::read_file(&dir.join("gw.toml")).unwrap();
    let o = Overrides {
        signing_key: Some(dir.join("gw.jwk")),
        cst_issuers: vec![dir.join("issuer.jwk")],
        audience: Some("claw-gateway".into()),
        wpc_dir: Some(dir.join("wpc")),
        wpc_signers: vec![signer().verifying_key().did()],
        upstreams: vec!["openai=http://127.0.0.1:9".into()],
        ..Overrides::default()
    };
    State::load(config::resolve(Some(fc), o).unwrap()).unwrap()
}

fn code(
    r: Result<std::sync::Arc<claw_gateway::state::LoadedPolicy>, claw_gateway::error::GatewayError>,
) -> &'static str {
    match r {
        Ok(_) => "OK",
        Err(e) => e.reason_code(),
    }
}

#[test]
fn a_cached_policy_is_not_used_past_its_expiry_and_a_re_signed_one_is_found() {
    let t = tempfile::tempdir().unwrap();
    let st = state(t.path(), None);
    let wpc_dir = t.path().join("wpc");
    let p = policy("expiring");
    let h = p.hash_b64u().to_string();
    put(&wpc_dir, &p, Some(T0 + 60_000));
    // Loaded and cached while valid; used from the cache until the second before expiry.
    assert_eq!(code(st.policy_at(&h, T0)), "OK");
    assert_eq!(code(st.policy_at(&h, T0 + 59_999)), "OK");
    // At expiry the cached copy is dropped and the file re-verified: refused.
    let expired = st.policy_at(&h, T0 + 60_000).unwrap_err();
    assert_eq!(expired.reason_code(), "EXPIRED");
    assert_eq!(expired.status().as_u16(), 403);
    // Same policy (same hash), re-signed with a later expiry: found again.
    put(&wpc_dir, &p, Some(T0 + 3_600_000));
    let again = st.policy_at(&h, T0 + 60_000).unwrap();
    assert_eq!(again.expires_at_ms, Some(T0 + 3_600_000));
    assert_eq!(code(st.policy_at(&h, T0 + 3_600_000)), "EXPIRED");
}

#[test]
fn a_policy_added_after_a_negative_lookup_is_found_after_the_negative_ttl() {
    let t = tempfile::tempdir().unwrap();
    let st = state(t.path(), Some(2_000));
    let p = policy("late");
    let h = p.hash_b64u().to_string();
    assert_eq!(code(st.policy_at(&h, T0)), "POLICY_NOT_FOUND");
    put(&t.path().join("wpc"), &p, None);
    // Within the TTL the negative answer stands (the directory is not read again)...
    assert_eq!(code(st.policy_at(&h, T0 + 1_999)), "POLICY_NOT_FOUND");
    // ...after it, the new policy is found.
    assert_eq!(code(st.policy_at(&h, T0 + 2_000)), "OK");
    // A TTL of 0 reads the directory every time.
    let t0 = tempfile::tempdir().unwrap();
    let st0 = state(t0.path(), Some(0));
    assert_eq!(code(st0.policy_at(&h, T0)), "POLICY_NOT_FOUND");
    put(&t0.path().join("wpc"), &p, None);
    assert_eq!(code(st0.policy_at(&h, T0)), "OK");
}

#[test]
fn negative_entries_are_bounded() {
    let t = tempfile::tempdir().unwrap();
    let st = state(t.path(), Some(60_000));
    for i in 0..5_000u32 {
        let h = claw_core::b64::encode(claw_core::hash::sha256(i.to_be_bytes()));
        assert_eq!(code(st.policy_at(&h, T0)), "POLICY_NOT_FOUND");
    }
    let (found, missing) = st.policy_cache_len();
    assert_eq!(found, 0);
    assert!(missing <= 4096, "{missing} negative entries");
}
