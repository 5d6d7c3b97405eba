//! Scoped tokens: interop with PyJWT (tokens in tests/data/cst/), RFC 8037 Appendix A through
//! the JWS layer, claw-minted tokens (checked by PyJWT and jose scripts), and every check and
//! reason code of `claw_core::cst`.
#![allow(clippy::disallowed_methods)] // tests may read JSON with serde_json (clippy.toml)
mod common;

use claw_core::cst::{
    self, jws, Claims, InMemoryReplayGuard, IssueOptions, KeySet, ReplayError, ReplayGuard,
    ReplayMode, RevocationList, Revocations, TokenError, ValidationOptions,
};
use claw_core::keys::{SigningKey, VerifyingKey};
use claw_core::{b64, hash, ErrorKind};
use serde_json::{json, Value};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;

const NOW: i64 = 1_700_000_000;
const AUD: &str = "gateway.test";
const ACTION: &str = "tool:execute";

fn data(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/cst")
        .join(name)
}

fn load(name: &str) -> Value {
    let text = std::fs::read(data(name)).unwrap_or_else(|e| panic!("{name}: {e}"));
    serde_json::from_slice(&text).unwrap()
}

/// A deterministic "RNG" for reproducible tokens in tests only (never for real keys).
struct TestRng(u64);
impl rand_core::RngCore for TestRng {
    fn next_u32(&mut self) -> u32 {
        self.next_u64() as u32
    }
    fn next_u64(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        self.0
    }
    fn fill_bytes(&mut self, dest: &mut [u8]) {
        for chunk in dest.chunks_mut(8) {
            let v = self.next_u64().to_le_bytes();
            chunk.copy_from_slice(&v[..chunk.len()]);
        }
    }
    fn try_fill_bytes(&mut self, dest: &mut [u8]) -> Result<(), rand_core::Error> {
        self.fill_bytes(dest);
        Ok(())
    }
}
impl rand_core::CryptoRng for TestRng {}

fn issuer() -> SigningKey {
    SigningKey::from_seed(&[0x11; 32])
}

fn keyset() -> KeySet {
    KeySet::from_dids([issuer().verifying_key().did().as_str()]).unwrap()
}

fn base_claims() -> Claims {
    let mut c = Claims::new(
        "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK",
        vec![AUD.into()],
        vec![ACTION.into(), "model:invoke".into()],
    );
    c.mission_id = Some("job-1".into());
    c
}

fn mint(c: &Claims) -> String {
    cst::issue(&issuer(), c, 300, NOW, &mut TestRng(7))
        .unwrap()
        .token
}

/// The runtime of [`base_claims`]' job (a token naming a job is refused by a runtime that
/// names none).
fn opts() -> ValidationOptions<'static> {
    let mut o = ValidationOptions::new(AUD, ACTION);
    o.job = Some("job-1");
    o
}

fn code(r: Result<cst::VerifiedClaims, TokenError>) -> &'static str {
    match r {
        Ok(_) => "ok",
        Err(e) => e.reason_code(),
    }
}

/// Sign an arbitrary header and payload (exact bytes) with `key`.
fn hand_signed(key: &SigningKey, header: &[u8], payload: &[u8]) -> String {
    let si = format!("{}.{}", b64::encode(header), b64::encode(payload));
    let sig = key.sign(si.as_bytes());
    format!("{si}.{}", b64::encode(sig))
}

fn header_for(key: &SigningKey) -> Vec<u8> {
    format!(
        r#"{{"alg":"EdDSA","typ":"JWT","kid":"{}"}}"#,
        key.verifying_key().reference_kid()
    )
    .into_bytes()
}

// ------------------------------------------------------------------------------------------
// Interop
// ------------------------------------------------------------------------------------------

/// Every PyJWT-built token gets the reason code its generator names.
#[test]
fn pyjwt_tokens_get_their_expected_codes() {
    let doc = load("pyjwt_tokens.json");
    let keys = KeySet::from_jwks_value(&doc["jwks"]).unwrap();
    assert!(keys.get(doc["issuer_kid"].as_str().unwrap()).is_some());
    let o = &doc["options"];
    let mut opts = ValidationOptions::new(
        o["audience"].as_str().unwrap(),
        o["action"].as_str().unwrap(),
    );
    opts.job = o["job"].as_str();
    opts.runtime_policy_hash = o["runtime_policy_hash"].as_str();
    opts.max_ttl_seconds = o["max_ttl_seconds"].as_u64();
    opts.clock_skew_seconds = o["clock_skew_seconds"].as_u64().unwrap() as u32;
    let now = doc["now"].as_i64().unwrap();
    let cases = doc["cases"].as_array().unwrap();
    assert!(
        cases.len() >= 40,
        "the generator wrote {} cases",
        cases.len()
    );
    let mut failures = Vec::new();
    let mut valid = 0;
    for c in cases {
        let name = c["name"].as_str().unwrap();
        let expect = c["expect"].as_str().unwrap();
        let got = code(cst::validate(
            c["token"].as_str().unwrap(),
            &keys,
            &opts,
            now,
        ));
        if got != expect {
            failures.push(format!("{name}: expected {expect}, got {got}"));
        }
        valid += usize::from(expect == "ok");
    }
    assert!(failures.is_empty(), "{failures:#?}");
    assert!(valid >= 8);
}

/// Tokens signed by Node's `jose` (gen_jose_tokens.mjs): accepted when they carry typ and
/// kid; jose's default header has no typ, which a CST requires.
#[test]
fn jose_tokens_get_their_expected_codes() {
    let doc = load("jose_tokens.json");
    let keys = KeySet::from_jwks_texts([doc["issuer_jwk"].to_string().as_str()]).unwrap();
    let mut o = opts();
    o.job = Some("job-1");
    let now = doc["now"].as_i64().unwrap();
    let cases = doc["cases"].as_array().unwrap();
    assert_eq!(cases.len(), 4);
    for c in cases {
        let got = code(cst::validate(c["token"].as_str().unwrap(), &keys, &o, now));
        assert_eq!(got, c["expect"].as_str().unwrap(), "{}", c["name"]);
    }
}

/// The Python generator's independent scope-hash implementation agrees with ours.
#[test]
fn pyjwt_scope_hash_agrees() {
    let doc = load("pyjwt_tokens.json");
    let keys = KeySet::from_jwks_value(&doc["jwks"]).unwrap();
    let full = doc["cases"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "valid_pyjwt_full")
        .unwrap();
    let mut o = ValidationOptions::new(AUD, ACTION);
    o.runtime_policy_hash = doc["options"]["runtime_policy_hash"].as_str();
    o.job = doc["options"]["job"].as_str();
    o.require_scope_hash = true;
    let v = cst::validate(full["token"].as_str().unwrap(), &keys, &o, NOW).unwrap();
    assert_eq!(
        v.token_scope_hash_b64u.as_deref(),
        Some(v.scope_hash_b64u().as_str())
    );
}

/// RFC 8037 Appendix A: the JWS layer verifies it; the CST layer refuses it (no typ, no kid,
/// and its payload is not claims).
#[test]
fn rfc8037_appendix_a_through_the_jws_layer() {
    let v = common::shared_json("vectors/jws/rfc8037_appendix_a.json");
    let compact = v["jws"]["compact"].as_str().unwrap();
    let pk = VerifyingKey::from_jwk(&v["public_jwk"].to_string()).unwrap();
    let payload = jws::verify_compact(compact, &pk).unwrap();
    assert_eq!(payload, b"Example of Ed25519 signing");
    // One flipped signature bit, or another key, fails.
    let mut bad = compact.to_string();
    let last = bad.pop().unwrap();
    bad.push(if last == 'g' { 'w' } else { 'g' });
    assert!(jws::verify_compact(&bad, &pk).is_err());
    let other = SigningKey::from_seed(&[1; 32]).verifying_key();
    assert_eq!(
        jws::verify_compact(compact, &other)
            .unwrap_err()
            .reason_code(),
        "TOKEN_SIGNATURE_INVALID"
    );

    // CST layer, key trusted under its reference kid: the header has no typ.
    let mut keys = KeySet::new();
    let kid = keys.insert(None, pk, None).unwrap();
    assert_eq!(
        code(cst::validate(compact, &keys, &opts(), NOW)),
        "TOKEN_TYP_INVALID"
    );
    // With a CST header and the RFC's payload, re-signed by the RFC key: not claims.
    let sk = SigningKey::from_jwk(&v["private_jwk"].to_string()).unwrap();
    let header = format!(r#"{{"alg":"EdDSA","typ":"JWT","kid":"{kid}"}}"#);
    let t = hand_signed(&sk, header.as_bytes(), b"Example of Ed25519 signing");
    assert_eq!(
        code(cst::validate(&t, &keys, &opts(), NOW)),
        "TOKEN_MALFORMED"
    );
    // Valid JSON but not the schema.
    let t = hand_signed(
        &sk,
        header.as_bytes(),
        br#"{"msg":"Example of Ed25519 signing"}"#,
    );
    assert_eq!(
        code(cst::validate(&t, &keys, &opts(), NOW)),
        "TOKEN_INVALID_CLAIMS"
    );
}

/// Tokens minted by claw with fixed keys and a fixed RNG, written to claw_tokens.json, which
/// `verify_claw_tokens.py` (PyJWT) and `verify_claw_tokens.mjs` (jose) verify. Set
/// CLAW_REGEN_CST=1 to rewrite the file.
#[test]
fn claw_minted_tokens_match_the_committed_file() {
    let sk = issuer();
    let far = 2_300_000_000; // exp in 2096: standard libraries verify exp with a real clock
    let mut rng = TestRng(42);
    let mut out = Vec::new();
    let minimal = Claims::new("did:key:z6MkAgent", vec![AUD.into()], vec![ACTION.into()]);
    out.push((
        "minimal",
        cst::issue(&sk, &minimal, far, NOW, &mut rng).unwrap(),
    ));
    let mut full = base_claims();
    full.aud = vec![AUD.into(), "other.test".into()];
    full.policy_hash_b64u = Some(hash::sha256_b64u(b"runtime policy"));
    full.nbf = Some(NOW);
    full.nonce = Some("n-1".into());
    full.spend_cap = Some(12.5);
    out.push(("full", cst::issue(&sk, &full, far, NOW, &mut rng).unwrap()));
    let mut io = IssueOptions::default();
    io.kid = Some("issuer-2026");
    out.push((
        "explicit_kid",
        cst::issue_with(&sk, &minimal, far, NOW, &mut rng, &io).unwrap(),
    ));
    let jwk: Value = serde_json::from_str(&sk.verifying_key().to_jwk()).unwrap();
    let doc = json!({
        "generator": "claw-core tests/cst.rs claw_minted_tokens_match_the_committed_file",
        "issuer_jwk": jwk.clone(),
        "issuer_kid": sk.verifying_key().reference_kid(),
        "audience": AUD,
        "tokens": out.iter().map(|(name, t)| json!({
            "name": name, "kid": t.kid, "token": t.token,
            "claims": Value::Object(t.claims.to_json_object()),
        })).collect::<Vec<_>>(),
    });
    let text = serde_json::to_string_pretty(&doc).unwrap() + "\n";
    let path = data("claw_tokens.json");
    if std::env::var_os("CLAW_REGEN_CST").is_some() {
        std::fs::write(&path, &text).unwrap();
    }
    let committed = std::fs::read_to_string(&path).unwrap();
    assert_eq!(
        committed, text,
        "claw_tokens.json is stale: CLAW_REGEN_CST=1"
    );
    // And they validate here.
    let mut keys = keyset();
    keys.insert(Some("issuer-2026"), sk.verifying_key(), None)
        .unwrap();
    let policy = hash::sha256_b64u(b"runtime policy");
    let mut o = opts();
    o.runtime_policy_hash = Some(&policy);
    for (name, t) in &out {
        let v = cst::validate(&t.token, &keys, &o, NOW + 5).unwrap_or_else(|e| {
            panic!("{name}: {e}");
        });
        assert_eq!(v.claims(), &t.claims);
    }
}

// ------------------------------------------------------------------------------------------
// Format
// ------------------------------------------------------------------------------------------

#[test]
fn issued_header_is_exactly_the_reference_header() {
    let t = cst::issue(&issuer(), &base_claims(), 300, NOW, &mut TestRng(1)).unwrap();
    let h = t.token.split('.').next().unwrap();
    let kid = issuer().verifying_key().reference_kid();
    assert_eq!(kid.len(), 16);
    assert_eq!(
        b64::decode(h).unwrap(),
        format!(r#"{{"alg":"EdDSA","typ":"JWT","kid":"{kid}"}}"#).into_bytes()
    );
    // The research note's example header encoding for kid 0123456789abcdef.
    let mut io = IssueOptions::default();
    io.kid = Some("0123456789abcdef");
    let t = cst::issue_with(&issuer(), &base_claims(), 300, NOW, &mut TestRng(1), &io).unwrap();
    assert!(t
        .token
        .starts_with("eyJhbGciOiJFZERTQSIsInR5cCI6IkpXVCIsImtpZCI6IjAxMjM0NTY3ODlhYmNkZWYifQ."));
}

#[test]
fn issue_fills_iat_exp_jti_and_scope_hash() {
    let c = base_claims();
    let t = cst::issue(&issuer(), &c, 300, NOW, &mut rand_core::OsRng).unwrap();
    assert_eq!((t.claims.iat, t.claims.exp), (NOW, NOW + 300));
    let jti = t.claims.jti.clone().unwrap();
    assert_eq!(jti.len(), 22);
    assert_eq!(b64::decode(&jti).unwrap().len(), 16);
    assert_eq!(
        t.claims.token_scope_hash_b64u.as_deref(),
        Some(c.scope_hash_b64u().as_str())
    );
    let t2 = cst::issue(&issuer(), &c, 300, NOW, &mut rand_core::OsRng).unwrap();
    assert_ne!(t2.claims.jti, t.claims.jti, "fresh jti per token");
    // Payload members in the reference order.
    let payload = b64::decode(t.token.split('.').nth(1).unwrap()).unwrap();
    let text = String::from_utf8(payload).unwrap();
    let order = [
        "token_version",
        "sub",
        "aud",
        "scope",
        "iat",
        "exp",
        "token_scope_hash_b64u",
        "mission_id",
        "jti",
    ];
    let pos: Vec<usize> = order
        .iter()
        .map(|k| text.find(&format!("\"{k}\":")).unwrap())
        .collect();
    assert!(pos.windows(2).all(|w| w[0] < w[1]), "{text}");
    assert!(
        text.contains(r#""aud":"gateway.test""#),
        "one audience as a string"
    );
}

#[test]
fn issue_caps_ttl_and_refuses_bad_requests() {
    let mut io = IssueOptions::default();
    io.max_ttl_seconds = Some(600);
    let t = cst::issue_with(&issuer(), &base_claims(), 86_400, NOW, &mut TestRng(1), &io).unwrap();
    assert_eq!(t.claims.exp - t.claims.iat, 600);
    let e = cst::issue(&issuer(), &base_claims(), 0, NOW, &mut TestRng(1)).unwrap_err();
    assert_eq!(e.reason_code(), "TOKEN_ISSUE_INVALID");
    let e = cst::issue(&issuer(), &base_claims(), u64::MAX, NOW, &mut TestRng(1)).unwrap_err();
    assert_eq!(e.reason_code(), "TOKEN_ISSUE_INVALID");
    let mut bad = base_claims();
    bad.owner_did = Some("not a did".into());
    let e = cst::issue(&issuer(), &bad, 60, NOW, &mut TestRng(1)).unwrap_err();
    assert_eq!(e.reason_code(), "TOKEN_INVALID_CLAIMS");
    let mut bad = base_claims();
    bad.spend_cap = Some(f64::NAN);
    assert!(cst::issue(&issuer(), &bad, 60, NOW, &mut TestRng(1)).is_err());
    let mut bad = base_claims();
    bad.scope = vec![];
    assert!(cst::issue(&issuer(), &bad, 60, NOW, &mut TestRng(1)).is_err());
}

// ------------------------------------------------------------------------------------------
// Header and structure
// ------------------------------------------------------------------------------------------

#[test]
fn header_rules_are_checked_in_a_fixed_order() {
    let sk = issuer();
    let kid = sk.verifying_key().reference_kid();
    let payload = base_claims_payload();
    let cases: Vec<(String, &str)> = vec![
        // alg beats everything else, whatever the member order.
        (
            format!(r#"{{"jwk":{{}},"kid":"{kid}","alg":"none"}}"#),
            "TOKEN_UNSUPPORTED_ALG",
        ),
        (
            format!(r#"{{"typ":"JWT","kid":"{kid}"}}"#),
            "TOKEN_UNSUPPORTED_ALG",
        ),
        (
            format!(r#"{{"alg":["EdDSA"],"typ":"JWT","kid":"{kid}"}}"#),
            "TOKEN_UNSUPPORTED_ALG",
        ),
        (
            format!(r#"{{"alg":"HS256","typ":"JWT","kid":"{kid}"}}"#),
            "TOKEN_UNSUPPORTED_ALG",
        ),
        // forbidden/unknown members beat typ.
        (
            format!(r#"{{"alg":"EdDSA","x5u":"u","kid":"{kid}"}}"#),
            "TOKEN_HEADER_FORBIDDEN",
        ),
        (
            format!(r#"{{"alg":"EdDSA","typ":"JWT","kid":"{kid}","b64":false}}"#),
            "TOKEN_HEADER_FORBIDDEN",
        ),
        (
            format!(r#"{{"alg":"EdDSA","typ":"JWT","kid":"{kid}","cty":"JWT"}}"#),
            "TOKEN_HEADER_FORBIDDEN",
        ),
        (
            format!(r#"{{"alg":"EdDSA","typ":"jwt","kid":"{kid}"}}"#),
            "ok",
        ),
        (
            format!(r#"{{"alg":"EdDSA","typ":1,"kid":"{kid}"}}"#),
            "TOKEN_TYP_INVALID",
        ),
        (
            r#"{"alg":"EdDSA","typ":"JWT","kid":7}"#.to_string(),
            "TOKEN_MALFORMED",
        ),
        (
            r#"{"alg":"EdDSA","typ":"JWT","kid":""}"#.to_string(),
            "TOKEN_UNKNOWN_KID",
        ),
        (format!(r#"["alg","EdDSA","{kid}"]"#), "TOKEN_MALFORMED"),
        (
            format!(r#"{{"alg":"EdDSA","typ":"JWT","kid":"{kid}"}} "#),
            "ok",
        ),
    ];
    for (header, expect) in cases {
        let t = hand_signed(&sk, header.as_bytes(), &payload);
        assert_eq!(
            code(cst::validate(&t, &keyset(), &opts(), NOW)),
            expect,
            "{header}"
        );
    }
}

fn base_claims_payload() -> Vec<u8> {
    let t = mint(&base_claims());
    b64::decode(t.split('.').nth(1).unwrap()).unwrap()
}

#[test]
fn structure_and_size_bounds() {
    let t = mint(&base_claims());
    assert_eq!(code(cst::validate(&t, &keyset(), &opts(), NOW)), "ok");
    let (h, rest) = t.split_once('.').unwrap();
    let (p, s) = rest.split_once('.').unwrap();
    for bad in [
        format!("{h}.{p}"),
        format!("{h}.{p}.{s}.{s}"),
        format!(" {t}"),
        format!("{t}\n"),
        format!("{h}.{p}.{}", &s[..s.len() - 1]),
        format!("{h}.{p}+.{s}"),
    ] {
        assert_eq!(
            code(cst::validate(&bad, &keyset(), &opts(), NOW)),
            "TOKEN_MALFORMED"
        );
    }
    // 8 KiB bound on the whole token, before any decoding.
    let mut big = base_claims();
    big.nonce = Some("x".repeat(500));
    big.scope = (0..60).map(|i| format!("tool:{i:0>100}")).collect();
    big.scope.push(ACTION.into());
    let big = cst::issue(&issuer(), &big, 60, NOW, &mut TestRng(1));
    assert_eq!(
        big.unwrap_err().reason_code(),
        "TOKEN_ISSUE_INVALID",
        "issuer refuses > 8 KiB"
    );
    let huge = format!("{h}.{}.{s}", "A".repeat(9000));
    let e = cst::validate(&huge, &keyset(), &opts(), NOW).unwrap_err();
    assert!(matches!(e, TokenError::TooLarge { .. }));
    assert_eq!(e.reason_code(), "TOKEN_MALFORMED");
}

#[test]
fn signature_is_strict_and_bound_to_every_byte() {
    let t = mint(&base_claims());
    let keys = keyset();
    // Signed by another key under the issuer's kid.
    let other = SigningKey::from_seed(&[0x22; 32]);
    let forged = hand_signed(&other, &header_for(&issuer()), &base_claims_payload());
    assert_eq!(
        code(cst::validate(&forged, &keys, &opts(), NOW)),
        "TOKEN_SIGNATURE_INVALID"
    );
    // Any change to the payload (same kid) breaks it.
    let (h, rest) = t.split_once('.').unwrap();
    let (p, s) = rest.split_once('.').unwrap();
    assert_eq!(
        code(cst::validate(&format!("{h}.{p}.{s}"), &keys, &opts(), NOW)),
        "ok"
    );
    // The issuer's own signature over another payload, and over another header.
    let other_header = b64::encode(br#"{"typ":"JWT","alg":"EdDSA","kid":"x"}"#.as_slice());
    let _ = other_header;
    let p2 = b64::encode(br#"{"token_version":"1"}"#);
    assert_eq!(
        code(cst::validate(&format!("{h}.{p2}.{s}"), &keys, &opts(), NOW)),
        "TOKEN_SIGNATURE_INVALID"
    );
}

// ------------------------------------------------------------------------------------------
// Key set
// ------------------------------------------------------------------------------------------

#[test]
fn key_set_sources_and_refusals() {
    let a = SigningKey::from_seed(&[1; 32]).verifying_key();
    let b = SigningKey::from_seed(&[2; 32]).verifying_key();
    let x = |k: &VerifyingKey| b64::encode(k.to_bytes());
    // JWKS: own kid, else the reference rule.
    let jwks = format!(
        r#"{{"keys":[{{"kty":"OKP","crv":"Ed25519","x":"{}","kid":"k-a","alg":"EdDSA","use":"sig"}},{{"kty":"OKP","crv":"Ed25519","x":"{}"}}]}}"#,
        x(&a),
        x(&b)
    );
    let ks = KeySet::from_jwks(&jwks).unwrap();
    assert_eq!(ks.get("k-a"), Some(&a));
    assert_eq!(ks.get(&b.reference_kid()), Some(&b));
    assert_eq!(ks.len(), 2);
    // Individual JWKs and DIDs.
    let ks = KeySet::from_jwks_texts([a.to_jwk().as_str()]).unwrap();
    assert_eq!(ks.get(&a.reference_kid()), Some(&a));
    let ks = KeySet::from_dids([a.did().as_str(), b.did().as_str()]).unwrap();
    assert_eq!(ks.get(&b.reference_kid()), Some(&b));
    // A kid naming two keys: refused.
    let dup = format!(
        r#"{{"keys":[{{"kty":"OKP","crv":"Ed25519","x":"{}","kid":"same"}},{{"kty":"OKP","crv":"Ed25519","x":"{}","kid":"same"}}]}}"#,
        x(&a),
        x(&b)
    );
    assert_eq!(
        KeySet::from_jwks(&dup).unwrap_err().reason_code(),
        "SIGNING_CONFIG_INVALID"
    );
    // A JWK kid colliding with another key's reference kid: refused too.
    let collide = format!(
        r#"{{"keys":[{{"kty":"OKP","crv":"Ed25519","x":"{}"}},{{"kty":"OKP","crv":"Ed25519","x":"{}","kid":"{}"}}]}}"#,
        x(&a),
        x(&b),
        a.reference_kid()
    );
    assert!(KeySet::from_jwks(&collide).is_err());
    assert!(KeySet::from_dids([a.did().as_str(), a.did().as_str()]).is_err());
    for bad in [
        r#"{"keys":[{"kty":"RSA","n":"AQAB","e":"AQAB"}]}"#.to_string(),
        r#"{"keys":[{"kty":"EC","crv":"P-256","x":"AA","y":"AA"}]}"#.to_string(),
        format!(
            r#"{{"keys":[{{"kty":"OKP","crv":"Ed25519","x":"{}","alg":"HS256"}}]}}"#,
            x(&a)
        ),
        SigningKey::from_seed(&[1; 32])
            .to_jwk()
            .to_string()
            .replace('{', r#"{"keys":[{"#)
            + "]}",
        r#"{"keys":{}}"#.to_string(),
        r#"{"keys":[],"extra":1}"#.to_string(),
        r#"{"keys":[],"keys":[]}"#.to_string(),
    ] {
        assert_eq!(
            KeySet::from_jwks(&bad).unwrap_err().reason_code(),
            "SIGNING_CONFIG_INVALID",
            "{bad}"
        );
    }
}

#[test]
fn kid_not_after_gives_kid_expired() {
    let mut ks = KeySet::new();
    ks.insert(None, issuer().verifying_key(), Some(NOW + 100))
        .unwrap();
    let t = mint(&base_claims());
    assert_eq!(code(cst::validate(&t, &ks, &opts(), NOW + 50)), "ok");
    assert_eq!(
        code(cst::validate(&t, &ks, &opts(), NOW + 101)),
        "TOKEN_KID_EXPIRED"
    );
    assert_eq!(
        code(cst::validate(&t, &KeySet::new(), &opts(), NOW)),
        "TOKEN_UNKNOWN_KID"
    );
}

// ------------------------------------------------------------------------------------------
// Claims
// ------------------------------------------------------------------------------------------

fn signed_claims(claims: Value) -> String {
    hand_signed(
        &issuer(),
        &header_for(&issuer()),
        claims.to_string().as_bytes(),
    )
}

fn minimal_json() -> Value {
    json!({"token_version":"1","sub":"did:key:z6MkAgent","aud":AUD,"scope":[ACTION],
           "iat":NOW - 10,"exp":NOW + 100})
}

#[test]
fn claims_are_typed_bounded_and_pattern_checked() {
    assert_eq!(
        code(cst::validate(
            &signed_claims(minimal_json()),
            &keyset(),
            &opts(),
            NOW
        )),
        "ok"
    );
    let h43 = hash::sha256_b64u(b"x");
    let edits: Vec<(&str, Value, &str)> = vec![
        ("token_version", json!(1), "TOKEN_UNKNOWN_VERSION"),
        ("token_version", Value::Null, "TOKEN_INVALID_CLAIMS"),
        ("sub", json!(""), "TOKEN_INVALID_CLAIMS"),
        ("sub", json!("d".repeat(513)), "TOKEN_INVALID_CLAIMS"),
        ("sub", json!(["did:key:z"]), "TOKEN_INVALID_CLAIMS"),
        ("aud", json!([]), "TOKEN_INVALID_CLAIMS"),
        ("aud", json!([AUD, 5]), "TOKEN_INVALID_CLAIMS"),
        ("aud", json!(vec![AUD; 17]), "TOKEN_INVALID_CLAIMS"),
        ("scope", json!(ACTION), "TOKEN_INVALID_CLAIMS"),
        ("scope", json!([]), "TOKEN_INVALID_CLAIMS"),
        ("scope", json!([ACTION, ""]), "TOKEN_INVALID_CLAIMS"),
        (
            "scope",
            json!([ACTION, "s".repeat(129)]),
            "TOKEN_INVALID_CLAIMS",
        ),
        (
            "scope",
            json!((0..65).map(|i| format!("s{i}")).collect::<Vec<_>>()),
            "TOKEN_INVALID_CLAIMS",
        ),
        ("iat", json!("1"), "TOKEN_INVALID_CLAIMS"),
        ("iat", json!(-1), "TOKEN_INVALID_CLAIMS"),
        ("iat", json!(1.5), "TOKEN_INVALID_CLAIMS"),
        ("exp", json!(NOW - 10), "TOKEN_INVALID_CLAIMS"),
        ("exp", json!(1e10), "TOKEN_INVALID_CLAIMS"),
        ("nbf", json!("now"), "TOKEN_INVALID_CLAIMS"),
        ("jti", json!(""), "TOKEN_INVALID_CLAIMS"),
        ("owner_did", json!("did:key:"), "TOKEN_INVALID_CLAIMS"),
        ("agent_did", json!("did:web:a:b"), "TOKEN_INVALID_CLAIMS"),
        (
            "payment_account_did",
            json!("DID:key:z"),
            "TOKEN_INVALID_CLAIMS",
        ),
        (
            "policy_hash_b64u",
            json!(&h43[..42]),
            "TOKEN_INVALID_CLAIMS",
        ),
        (
            "policy_hash_b64u",
            json!(format!("{}=", &h43[..42])),
            "TOKEN_INVALID_CLAIMS",
        ),
        (
            "token_scope_hash_b64u",
            json!(format!("+{}", &h43[1..])),
            "TOKEN_INVALID_CLAIMS",
        ),
        ("spend_cap", json!(-1), "TOKEN_INVALID_CLAIMS"),
        ("spend_cap", json!("5"), "TOKEN_INVALID_CLAIMS"),
        (
            "delegation_spend_cap_minor",
            json!("12a"),
            "TOKEN_INVALID_CLAIMS",
        ),
        ("delegation_expires_at", json!(1.0), "TOKEN_INVALID_CLAIMS"),
        ("token_lane", json!("Canonical"), "TOKEN_INVALID_CLAIMS"),
        ("iss", json!("someone"), "TOKEN_INVALID_CLAIMS"),
        ("spend_cap", json!(2.5), "ok"),
        ("token_lane", json!("canonical"), "ok"),
        ("nbf", json!(NOW), "ok"),
    ];
    for (claim, value, expect) in edits {
        let mut c = minimal_json();
        if value.is_null() {
            c.as_object_mut().unwrap().remove(claim);
        } else {
            c[claim] = value;
        }
        let r = cst::validate(&signed_claims(c), &keyset(), &opts(), NOW);
        if let Err(TokenError::InvalidClaim { claim: named, .. }) = &r {
            assert!(named.contains(claim), "message names {claim}: {named}");
        }
        assert_eq!(code(r), expect, "{claim}");
    }
    for missing in ["sub", "aud", "scope", "iat", "exp"] {
        let mut c = minimal_json();
        c.as_object_mut().unwrap().remove(missing);
        let e = cst::validate(&signed_claims(c), &keyset(), &opts(), NOW).unwrap_err();
        assert_eq!(e.reason_code(), "TOKEN_INVALID_CLAIMS");
        assert!(e.to_string().contains(missing), "{e}");
    }
    // Claims that are not an object, or beyond 2^53.
    for payload in [
        &b"[1]"[..],
        br#"{"token_version":"1","iat":9007199254740993}"#,
    ] {
        let t = hand_signed(&issuer(), &header_for(&issuer()), payload);
        assert_eq!(
            code(cst::validate(&t, &keyset(), &opts(), NOW)),
            "TOKEN_MALFORMED"
        );
    }
}

// ------------------------------------------------------------------------------------------
// Time
// ------------------------------------------------------------------------------------------

#[test]
fn time_checks_with_skew_and_max_ttl() {
    let t = mint(&base_claims()); // iat NOW, exp NOW + 300
    let keys = keyset();
    let at = |now: i64, o: &ValidationOptions| code(cst::validate(&t, &keys, o, now));
    let mut o = opts();
    assert_eq!(cst::DEFAULT_CLOCK_SKEW_SECONDS, 60);
    assert_eq!(o.clock_skew_seconds, 60);
    assert_eq!(at(NOW + 359, &o), "ok");
    assert_eq!(at(NOW + 360, &o), "TOKEN_EXPIRED");
    assert_eq!(at(NOW - 60, &o), "ok");
    assert_eq!(at(NOW - 61, &o), "TOKEN_ISSUED_IN_FUTURE");
    o.clock_skew_seconds = 0;
    assert_eq!(at(NOW + 299, &o), "ok");
    assert_eq!(at(NOW + 300, &o), "TOKEN_EXPIRED");
    assert_eq!(at(NOW - 1, &o), "TOKEN_ISSUED_IN_FUTURE");
    o.max_ttl_seconds = Some(300);
    assert_eq!(at(NOW, &o), "ok");
    o.max_ttl_seconds = Some(299);
    assert_eq!(at(NOW, &o), "TOKEN_TTL_EXCEEDS_POLICY");
    // nbf
    let mut c = base_claims();
    c.nbf = Some(NOW + 120);
    let t = mint(&c);
    let o = opts();
    assert_eq!(
        code(cst::validate(&t, &keys, &o, NOW + 59)),
        "TOKEN_NOT_YET_VALID"
    );
    assert_eq!(code(cst::validate(&t, &keys, &o, NOW + 60)), "ok");
}

// ------------------------------------------------------------------------------------------
// Binding
// ------------------------------------------------------------------------------------------

#[test]
fn audience_subject_scope() {
    let mut c = base_claims();
    c.aud = vec!["a.test".into(), AUD.into()];
    let t = mint(&c);
    let keys = keyset();
    assert_eq!(code(cst::validate(&t, &keys, &opts(), NOW)), "ok");
    let o = ValidationOptions::new("GATEWAY.TEST", ACTION);
    assert_eq!(
        code(cst::validate(&t, &keys, &o, NOW)),
        "TOKEN_BAD_AUDIENCE"
    );
    let mut o = opts();
    o.subject = Some("did:key:z6MkSomeoneElse");
    assert_eq!(
        code(cst::validate(&t, &keys, &o, NOW)),
        "TOKEN_SUB_MISMATCH"
    );
    o.subject = Some(&c.sub);
    assert_eq!(code(cst::validate(&t, &keys, &o, NOW)), "ok");
    for action in ["tool:*", "tool", "TOOL:EXECUTE", "tool:execute ", "*"] {
        let o = ValidationOptions::new(AUD, action);
        assert_eq!(
            code(cst::validate(&t, &keys, &o, NOW)),
            "TOKEN_INSUFFICIENT_SCOPE",
            "{action}"
        );
    }
    let mut o = ValidationOptions::new(AUD, "model:invoke");
    o.job = Some("job-1");
    assert_eq!(code(cst::validate(&t, &keys, &o, NOW)), "ok");
}

#[test]
fn scope_hash_required_and_checked() {
    let mut c = minimal_json();
    let keys = keyset();
    let mut o = opts();
    assert_eq!(
        code(cst::validate(&signed_claims(c.clone()), &keys, &o, NOW)),
        "ok"
    );
    o.require_scope_hash = true;
    assert_eq!(
        code(cst::validate(&signed_claims(c.clone()), &keys, &o, NOW)),
        "TOKEN_SCOPE_HASH_REQUIRED"
    );
    let claims = Claims::new("did:key:z6MkAgent", vec![AUD.into()], vec![ACTION.into()]);
    c["token_scope_hash_b64u"] = json!(claims.scope_hash_b64u());
    assert_eq!(
        code(cst::validate(&signed_claims(c.clone()), &keys, &o, NOW)),
        "ok"
    );
    // A hash-covered claim changed (and re-signed by the issuer): mismatch.
    c["mission_id"] = json!("job-9");
    assert_eq!(
        code(cst::validate(&signed_claims(c.clone()), &keys, &o, NOW)),
        "TOKEN_SCOPE_HASH_MISMATCH"
    );
    // An excluded claim changed: still matches.
    c.as_object_mut().unwrap().remove("mission_id");
    c["nonce"] = json!("other");
    c["exp"] = json!(NOW + 50);
    assert_eq!(code(cst::validate(&signed_claims(c), &keys, &o, NOW)), "ok");
}

#[test]
fn delegation_consistency() {
    let owner = "did:key:z6MkOwner";
    let mut c = minimal_json();
    c["owner_did"] = json!(owner);
    c["delegation_id"] = json!("dlg-1");
    c["delegator_did"] = json!(owner);
    c["delegate_did"] = json!("did:key:z6MkAgent");
    c["delegation_expires_at"] = json!(NOW + 100);
    let keys = keyset();
    let run = |c: &Value| {
        code(cst::validate(
            &signed_claims(c.clone()),
            &keys,
            &opts(),
            NOW,
        ))
    };
    assert_eq!(run(&c), "ok");
    for (claim, value) in [
        ("delegate_did", json!("did:key:z6MkOther")),
        ("delegator_did", json!("did:key:z6MkOther")),
        ("delegation_id", Value::Null),
    ] {
        let mut d = c.clone();
        if value.is_null() {
            d.as_object_mut().unwrap().remove(claim);
        } else {
            d[claim] = value;
        }
        assert_eq!(run(&d), "TOKEN_DELEGATION_BINDING_INVALID", "{claim}");
    }
    let mut d = c.clone();
    d["policy_hash_b64u"] = json!(hash::sha256_b64u(b"a"));
    d["delegation_policy_hash_b64u"] = json!(hash::sha256_b64u(b"b"));
    assert_eq!(run(&d), "TOKEN_DELEGATION_BINDING_INVALID");
    let mut d = c.clone();
    d["delegation_expires_at"] = json!(NOW - 61);
    assert_eq!(run(&d), "TOKEN_DELEGATION_EXPIRED");
}

#[test]
fn policy_pinning() {
    let p = hash::sha256_b64u(b"policy");
    let q = hash::sha256_b64u(b"other");
    let keys = keyset();
    let unpinned = mint(&base_claims());
    let mut c = base_claims();
    c.policy_hash_b64u = Some(p.clone());
    let pinned = mint(&c);
    let mut o = opts();
    // Pinned token: the runtime must run exactly that policy.
    assert_eq!(
        code(cst::validate(&pinned, &keys, &o, NOW)),
        "POLICY_HASH_MISMATCH"
    );
    o.runtime_policy_hash = Some(&q);
    assert_eq!(
        code(cst::validate(&pinned, &keys, &o, NOW)),
        "POLICY_HASH_MISMATCH"
    );
    o.runtime_policy_hash = Some(&p);
    assert_eq!(code(cst::validate(&pinned, &keys, &o, NOW)), "ok");
    // Unpinned token: fine unless the policy requires pinning.
    assert_eq!(code(cst::validate(&unpinned, &keys, &o, NOW)), "ok");
    o.require_policy_pin = true;
    assert_eq!(
        code(cst::validate(&unpinned, &keys, &o, NOW)),
        "TOKEN_POLICY_PIN_REQUIRED"
    );
    assert_eq!(code(cst::validate(&pinned, &keys, &o, NOW)), "ok");
    let v = cst::validate(&pinned, &keys, &o, NOW).unwrap();
    assert_eq!(v.pinned_policy_hash(), Some(p.as_str()));
    assert_eq!(v.kid(), issuer().verifying_key().reference_kid());
}

#[test]
fn job_binding() {
    let keys = keyset();
    let bound = mint(&base_claims()); // mission_id job-1
    let mut c = base_claims();
    c.mission_id = None;
    let unbound = mint(&c);
    let mut o = opts();
    o.job = None;
    // No job named, binding not required: the unbound token is accepted; the bound one is
    // refused, as a pinned token is where the runtime names no policy (one rule: a binding
    // the runtime cannot check refuses the token).
    assert_eq!(
        code(cst::validate(&bound, &keys, &o, NOW)),
        "TOKEN_MISSION_MISMATCH"
    );
    assert_eq!(code(cst::validate(&unbound, &keys, &o, NOW)), "ok");
    o.job = Some("job-2");
    assert_eq!(
        code(cst::validate(&bound, &keys, &o, NOW)),
        "TOKEN_MISSION_MISMATCH"
    );
    assert_eq!(code(cst::validate(&unbound, &keys, &o, NOW)), "ok");
    o.job = Some("job-1");
    assert_eq!(code(cst::validate(&bound, &keys, &o, NOW)), "ok");
    o.require_job_binding = true;
    assert_eq!(
        code(cst::validate(&unbound, &keys, &o, NOW)),
        "TOKEN_MISSION_REQUIRED"
    );
    o.job = None;
    assert_eq!(
        code(cst::validate(&bound, &keys, &o, NOW)),
        "TOKEN_MISSION_MISMATCH"
    );
    assert_eq!(
        code(cst::validate(&unbound, &keys, &o, NOW)),
        "TOKEN_MISSION_REQUIRED"
    );
}

// ------------------------------------------------------------------------------------------
// Replay
// ------------------------------------------------------------------------------------------

#[test]
fn replay_mode_jti_once_per_job() {
    let keys = keyset();
    let guard = InMemoryReplayGuard::new(1000);
    let mut c = base_claims();
    c.mission_id = None;
    let t = mint(&c);
    let mut o = opts();
    o.replay = ReplayMode::JtiOncePerJob(&guard);
    o.job = Some("job-A");
    // A token failing an earlier check does not consume its jti.
    let mut wrong = o;
    wrong.audience = "elsewhere";
    assert_eq!(
        code(cst::validate(&t, &keys, &wrong, NOW)),
        "TOKEN_BAD_AUDIENCE"
    );
    assert!(guard.is_empty());
    assert_eq!(code(cst::validate(&t, &keys, &o, NOW)), "ok");
    assert_eq!(
        code(cst::validate(&t, &keys, &o, NOW + 1)),
        "TOKEN_REPLAYED"
    );
    // The token names no job: its jti is used up, whatever job the runtime names next.
    o.job = Some("job-B");
    assert_eq!(
        code(cst::validate(&t, &keys, &o, NOW + 1)),
        "TOKEN_REPLAYED"
    );
    // No jti in jti-once mode: refused.
    let no_jti = signed_claims(minimal_json());
    assert_eq!(
        code(cst::validate(&no_jti, &keys, &o, NOW)),
        "TOKEN_JTI_REQUIRED"
    );
}

/// A one-time token cannot be reused by naming a new job on each use: the runtime's job
/// comes from whoever presents the token (the gateway's `X-Run-Id`), so the replay record is
/// keyed by the token's own `mission_id`, or by its `jti` alone when it is bound to no job.
#[test]
fn jti_once_is_keyed_by_the_token_not_by_the_job_the_presenter_names() {
    let keys = keyset();
    let guard = InMemoryReplayGuard::new(1000);
    let mut c = base_claims();
    c.mission_id = None;
    let unbound = mint(&c);
    let mut o = opts();
    o.replay = ReplayMode::JtiOncePerJob(&guard);
    o.job = Some("run-1");
    assert_eq!(code(cst::validate(&unbound, &keys, &o, NOW)), "ok");
    for (i, job) in [Some("run-2"), Some("run-3"), Some(""), None]
        .iter()
        .enumerate()
    {
        o.job = *job;
        assert_eq!(
            code(cst::validate(&unbound, &keys, &o, NOW + 1 + i as i64)),
            "TOKEN_REPLAYED",
            "reused under job {job:?}"
        );
    }
    assert_eq!(guard.len(), 1, "one record for the token");

    // First used with no job named, then under invented jobs: refused too.
    let guard = InMemoryReplayGuard::new(1000);
    o.replay = ReplayMode::JtiOncePerJob(&guard);
    o.job = None;
    assert_eq!(code(cst::validate(&unbound, &keys, &o, NOW)), "ok");
    o.job = Some("run-9");
    assert_eq!(
        code(cst::validate(&unbound, &keys, &o, NOW + 1)),
        "TOKEN_REPLAYED"
    );

    // A token bound to a job is recorded under that job: once there, and nowhere else
    // (step 11). Tokens that share a jti but name different jobs (mint() is deterministic:
    // same jti) are different records, as before.
    let guard = InMemoryReplayGuard::new(1000);
    o.replay = ReplayMode::JtiOncePerJob(&guard);
    let bound_1 = mint(&base_claims()); // mission_id job-1
    let mut c2 = base_claims();
    c2.mission_id = Some("job-2".into());
    let bound_2 = mint(&c2);
    o.job = Some("job-1");
    assert_eq!(code(cst::validate(&bound_1, &keys, &o, NOW)), "ok");
    assert_eq!(
        code(cst::validate(&bound_1, &keys, &o, NOW + 1)),
        "TOKEN_REPLAYED"
    );
    o.job = Some("job-2");
    assert_eq!(
        code(cst::validate(&bound_1, &keys, &o, NOW + 1)),
        "TOKEN_MISSION_MISMATCH"
    );
    assert_eq!(code(cst::validate(&bound_2, &keys, &o, NOW + 1)), "ok");
    assert_eq!(
        code(cst::validate(&bound_2, &keys, &o, NOW + 2)),
        "TOKEN_REPLAYED"
    );
    // The unbound token with the same jti is its own record ("" is not a job a token can
    // name: mission_id is non-empty), used once.
    o.job = Some("job-1");
    assert_eq!(code(cst::validate(&unbound, &keys, &o, NOW + 2)), "ok");
    assert_eq!(
        code(cst::validate(&unbound, &keys, &o, NOW + 3)),
        "TOKEN_REPLAYED"
    );
    assert_eq!(guard.len(), 3);
}

#[test]
fn replay_mode_bound_to_job() {
    let keys = keyset();
    let t = mint(&base_claims()); // mission_id job-1
    let mut o = opts();
    o.job = None;
    o.replay = ReplayMode::BoundToJob;
    assert_eq!(
        code(cst::validate(&t, &keys, &o, NOW)),
        "TOKEN_MISSION_MISMATCH"
    );
    o.job = Some("job-1");
    for i in 0..3 {
        assert_eq!(
            code(cst::validate(&t, &keys, &o, NOW + i)),
            "ok",
            "repeated use"
        );
    }
    o.job = Some("job-2");
    assert_eq!(
        code(cst::validate(&t, &keys, &o, NOW)),
        "TOKEN_MISSION_MISMATCH"
    );
    let mut c = base_claims();
    c.mission_id = None;
    o.job = Some("job-1");
    assert_eq!(
        code(cst::validate(&mint(&c), &keys, &o, NOW)),
        "TOKEN_MISSION_REQUIRED"
    );
}

/// A shared-store guard that is down must fail closed, with its own code.
#[test]
fn replay_guard_errors_fail_closed() {
    struct Down;
    impl ReplayGuard for Down {
        fn check_and_record(&self, _: &str, _: &str, _: i64, _: i64) -> Result<(), ReplayError> {
            Err(ReplayError::Unavailable("backend timeout".into()))
        }
    }
    let mut o = opts();
    o.replay = ReplayMode::JtiOncePerJob(&Down);
    let r = cst::validate(&mint(&base_claims()), &keyset(), &o, NOW);
    assert_eq!(code(r), "REPLAY_PROTECTION_FAILED");
    let full = InMemoryReplayGuard::new(1);
    o.replay = ReplayMode::JtiOncePerJob(&full);
    assert_eq!(
        code(cst::validate(&mint(&base_claims()), &keyset(), &o, NOW)),
        "ok"
    );
    let other = cst::issue(&issuer(), &base_claims(), 300, NOW, &mut TestRng(99)).unwrap();
    assert_eq!(
        code(cst::validate(&other.token, &keyset(), &o, NOW)),
        "REPLAY_GUARD_FULL"
    );
}

/// 8 threads validate the same token in jti-once mode: exactly one is accepted.
#[test]
fn eight_threads_validate_one_token_exactly_one_wins() {
    let keys = Arc::new(keyset());
    let guard = Arc::new(InMemoryReplayGuard::new(1000));
    for round in 0..10u64 {
        let t = Arc::new(
            cst::issue(&issuer(), &base_claims(), 300, NOW, &mut TestRng(round))
                .unwrap()
                .token,
        );
        let wins = Arc::new(AtomicUsize::new(0));
        let barrier = Arc::new(std::sync::Barrier::new(8));
        let handles: Vec<_> = (0..8)
            .map(|_| {
                let (keys, guard, t, wins, barrier) = (
                    keys.clone(),
                    guard.clone(),
                    t.clone(),
                    wins.clone(),
                    barrier.clone(),
                );
                std::thread::spawn(move || {
                    let mut o = ValidationOptions::new(AUD, ACTION);
                    o.replay = ReplayMode::JtiOncePerJob(&*guard);
                    o.job = Some("job-1");
                    barrier.wait();
                    match cst::validate(&t, &keys, &o, NOW) {
                        Ok(_) => {
                            wins.fetch_add(1, Ordering::SeqCst);
                        }
                        Err(e) => assert_eq!(e.reason_code(), "TOKEN_REPLAYED"),
                    }
                })
            })
            .collect();
        for h in handles {
            h.join().unwrap();
        }
        assert_eq!(wins.load(Ordering::SeqCst), 1, "round {round}");
    }
}

// ------------------------------------------------------------------------------------------
// Revocation
// ------------------------------------------------------------------------------------------

#[test]
fn revocation_by_jti_kid_policy_and_token_hash() {
    let keys = keyset();
    let p = hash::sha256_b64u(b"policy");
    let mut c = base_claims();
    c.policy_hash_b64u = Some(p.clone());
    let issued = cst::issue(&issuer(), &c, 300, NOW, &mut TestRng(5)).unwrap();
    let t = &issued.token;
    let sibling = cst::issue(&issuer(), &c, 300, NOW, &mut TestRng(6))
        .unwrap()
        .token;
    let revs = Revocations::default();
    let mut o = opts();
    o.runtime_policy_hash = Some(&p);
    o.revocations = Some(&revs);
    assert_eq!(code(cst::validate(t, &keys, &o, NOW)), "ok");
    let cases: Vec<(RevocationList, cst::RevokedBy, bool)> = vec![
        (
            {
                let mut l = RevocationList::new();
                l.revoke_jti(issued.claims.jti.clone().unwrap());
                l
            },
            cst::RevokedBy::Jti,
            false,
        ),
        (
            {
                let mut l = RevocationList::new();
                l.revoke_kid(issued.kid.clone());
                l
            },
            cst::RevokedBy::Kid,
            true,
        ),
        (
            {
                let mut l = RevocationList::new();
                l.revoke_policy_hash(p.clone());
                l
            },
            cst::RevokedBy::PolicyHash,
            true,
        ),
        (
            {
                let mut l = RevocationList::new();
                l.revoke_token_hash(cst::token_hash(t).to_uppercase());
                l
            },
            cst::RevokedBy::TokenHash,
            false,
        ),
    ];
    for (list, by, sibling_too) in cases {
        revs.replace(list);
        assert_eq!(
            cst::validate(t, &keys, &o, NOW),
            Err(TokenError::Revoked(by))
        );
        assert_eq!(
            cst::validate(&sibling, &keys, &o, NOW).is_err(),
            sibling_too,
            "{by:?} reaches the sibling token?"
        );
    }
    revs.replace(RevocationList::new());
    assert_eq!(code(cst::validate(t, &keys, &o, NOW)), "ok");
    // One key filed under two kids: revoking the kid name spares the other name, revoking
    // the key catches both.
    let mut two = keyset();
    two.insert(Some("alias"), issuer().verifying_key(), None)
        .unwrap();
    let mut io = IssueOptions::default();
    io.kid = Some("alias");
    let aliased = cst::issue_with(&issuer(), &c, 300, NOW, &mut TestRng(8), &io)
        .unwrap()
        .token;
    revs.replace({
        let mut l = RevocationList::new();
        l.revoke_kid(issued.kid.clone());
        l
    });
    assert_eq!(code(cst::validate(&aliased, &two, &o, NOW)), "ok");
    revs.replace({
        let mut l = RevocationList::new();
        l.revoke_key(&issuer().verifying_key());
        l
    });
    assert_eq!(
        code(cst::validate(&aliased, &two, &o, NOW)),
        "TOKEN_REVOKED"
    );
    assert_eq!(code(cst::validate(t, &two, &o, NOW)), "TOKEN_REVOKED");
    revs.replace(RevocationList::new());
    revs.update(|l| {
        l.revoke_kid("unrelated");
    });
    assert_eq!(code(cst::validate(t, &keys, &o, NOW)), "ok");
    assert_eq!(
        cst::token_hash("abc"),
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    );
}

/// Readers validate in a loop while the list is swapped: before the swap every result is
/// "ok", after it every result is TOKEN_REVOKED, and nothing else ever appears.
#[test]
fn revocation_list_swaps_while_validating() {
    let keys = Arc::new(keyset());
    let revs = Arc::new(Revocations::new(RevocationList::new()));
    let t = Arc::new(mint(&base_claims()));
    let kid = issuer().verifying_key().reference_kid();
    let swapped = Arc::new(AtomicBool::new(false));
    let (oks, revoked_after_swap) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
    let readers: Vec<_> = (0..3)
        .map(|_| {
            let (keys, revs, t, swapped, oks, after) = (
                keys.clone(),
                revs.clone(),
                t.clone(),
                swapped.clone(),
                oks.clone(),
                revoked_after_swap.clone(),
            );
            std::thread::spawn(move || {
                let mut o = ValidationOptions::new(AUD, ACTION);
                o.job = Some("job-1");
                o.revocations = Some(&*revs);
                let mut after_count = 0;
                while after_count < 50 {
                    let was_swapped = swapped.load(Ordering::SeqCst);
                    match cst::validate(&t, &keys, &o, NOW) {
                        Ok(_) => {
                            assert!(!was_swapped, "accepted after the swap completed");
                            oks.fetch_add(1, Ordering::SeqCst);
                        }
                        Err(e) => {
                            assert_eq!(e, TokenError::Revoked(cst::RevokedBy::Kid));
                            if was_swapped {
                                after_count += 1;
                                after.fetch_add(1, Ordering::SeqCst);
                            }
                        }
                    }
                }
            })
        })
        .collect();
    while oks.load(Ordering::SeqCst) < 30 {
        std::thread::yield_now();
    }
    let mut l = RevocationList::new();
    l.revoke_kid(kid);
    let old = revs.replace(l);
    assert!(old.is_empty());
    swapped.store(true, Ordering::SeqCst);
    for r in readers {
        r.join().unwrap();
    }
    assert_eq!(revoked_after_swap.load(Ordering::SeqCst), 150);
}

// ------------------------------------------------------------------------------------------
// Errors
// ------------------------------------------------------------------------------------------

#[test]
fn errors_convert_to_claw_error_and_never_leak_the_token() {
    let t = mint(&base_claims());
    let e = cst::validate(&t, &keyset(), &ValidationOptions::new("x", ACTION), NOW).unwrap_err();
    let ce: claw_core::Error = e.into();
    assert_eq!(ce.kind(), ErrorKind::Token);
    assert_eq!(ce.reason_code(), "TOKEN_BAD_AUDIENCE");
    let sig = t.rsplit('.').next().unwrap();
    // A long attacker-chosen kid or claim name is truncated in messages.
    let long = "k".repeat(300);
    let h = format!(r#"{{"alg":"EdDSA","typ":"JWT","kid":"{long}"}}"#);
    let e = cst::validate(
        &hand_signed(&issuer(), h.as_bytes(), b"{}"),
        &keyset(),
        &opts(),
        NOW,
    )
    .unwrap_err();
    assert!(e.to_string().len() < 150, "{e}");
    for r in [
        cst::validate(&t, &keyset(), &ValidationOptions::new("x", ACTION), NOW),
        cst::validate(&t[..t.len() - 2], &keyset(), &opts(), NOW),
    ] {
        let msg = r.unwrap_err().to_string();
        assert!(!msg.contains(sig) && !msg.contains(&t[..40]), "{msg}");
    }
    let re: claw_core::Error = ReplayError::Replayed.into();
    assert_eq!(
        (re.kind(), re.reason_code()),
        (ErrorKind::Token, "TOKEN_REPLAYED")
    );
}
