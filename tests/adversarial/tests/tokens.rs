//! Attacks on scoped tokens (CST, a JWS compact JWT signed with Ed25519).
//!
//! Every token here is built by hand, byte for byte, the way an attacker would build it; the
//! trusted key set holds only the issuer's key under its reference kid. Each test names the
//! attack and asserts the exact reason code `cst::validate` answers with.
#![allow(clippy::disallowed_methods)] // tests may read JSON with serde_json (clippy.toml)

use claw_adversarial::*;
use claw_core::b64;
use claw_core::cst::{
    self, InMemoryReplayGuard, KeySet, ReplayMode, TokenError, ValidationOptions,
};
use serde_json::{json, Value};

fn keys() -> KeySet {
    KeySet::from_dids([issuer().verifying_key().did().as_str()]).expect("issuer did")
}

fn opts() -> ValidationOptions<'static> {
    ValidationOptions::new(AUD, ACTION)
}

fn code(token: &str, opts: &ValidationOptions<'_>) -> &'static str {
    match cst::validate(token, &keys(), opts, NOW) {
        Ok(_) => "OK",
        Err(e) => e.reason_code(),
    }
}

/// Claims = [`good_claims`] with `edit` applied, signed by the issuer under a good header.
fn signed_claims(edit: impl FnOnce(&mut serde_json::Map<String, Value>)) -> String {
    let mut c = good_claims();
    edit(c.as_object_mut().expect("object"));
    jws(&good_header(), &c.to_string(), &issuer())
}

#[test]
fn baseline_the_unaltered_token_is_accepted() {
    assert_eq!(code(&good_token(), &opts()), "OK");
}

// --- Algorithm confusion ------------------------------------------------------------------

/// `alg: none` with an empty signature: the classic "unsigned JWT" bypass. The algorithm is
/// pinned by the verifier (Ed25519), never chosen by the token.
#[test]
fn alg_none_unsigned_token() {
    let kid = issuer().verifying_key().reference_kid();
    let header = format!(r#"{{"alg":"none","typ":"JWT","kid":"{kid}"}}"#);
    let token = jws_with_signature(&header, &good_claims().to_string(), &[]);
    assert!(token.ends_with('.'), "empty signature segment");
    assert_eq!(code(&token, &opts()), "TOKEN_UNSUPPORTED_ALG");
    // Spelling variants that lax libraries normalise.
    for alg in ["None", "NONE", "nOnE", "eddsa", ""] {
        let header = format!(r#"{{"alg":"{alg}","typ":"JWT","kid":"{kid}"}}"#);
        let token = jws_with_signature(&header, &good_claims().to_string(), &[]);
        assert_eq!(code(&token, &opts()), "TOKEN_UNSUPPORTED_ALG", "{alg}");
    }
}

/// `alg: HS256` with an HMAC keyed by the issuer's *public* key (raw bytes, base64url, and
/// the JWK text): a verifier that lets the header pick the algorithm would accept it.
#[test]
fn hs256_signed_with_the_issuer_public_key() {
    let pk = issuer().verifying_key();
    let kid = pk.reference_kid();
    let header = format!(r#"{{"alg":"HS256","typ":"JWT","kid":"{kid}"}}"#);
    let claims = good_claims().to_string();
    let si = signing_input(&header, &claims);
    let pk_raw = pk.to_bytes();
    let pk_b64 = b64::encode(pk_raw);
    let pk_jwk = pk.to_jwk();
    for secret in [&pk_raw[..], pk_b64.as_bytes(), pk_jwk.as_bytes()] {
        let tag = hmac_sha256(secret, si.as_bytes());
        let token = format!("{si}.{}", b64::encode(tag));
        assert_eq!(code(&token, &opts()), "TOKEN_UNSUPPORTED_ALG");
    }
    // The same HMAC tag under an honest EdDSA header is just a wrong (32-byte) signature.
    let honest = signing_input(&good_header(), &claims);
    let tag = hmac_sha256(&pk_raw, honest.as_bytes());
    assert_eq!(
        code(&format!("{honest}.{}", b64::encode(tag)), &opts()),
        "TOKEN_MALFORMED"
    );
}

/// Other asymmetric algorithms the key set could be tricked into (RS256, ES256, PS256).
#[test]
fn other_algorithms_are_refused_whatever_the_signature() {
    for alg in ["RS256", "ES256", "PS256", "ES256K", "HS512"] {
        let kid = issuer().verifying_key().reference_kid();
        let header = format!(r#"{{"alg":"{alg}","typ":"JWT","kid":"{kid}"}}"#);
        let token = jws(&header, &good_claims().to_string(), &issuer());
        assert_eq!(code(&token, &opts()), "TOKEN_UNSUPPORTED_ALG", "{alg}");
    }
}

// --- Key selection ------------------------------------------------------------------------

/// `kid` naming the attacker's own key (signed with it): not in the trusted set.
#[test]
fn kid_pointing_at_an_untrusted_key() {
    let kid = attacker().verifying_key().reference_kid();
    let header = format!(r#"{{"alg":"EdDSA","typ":"JWT","kid":"{kid}"}}"#);
    let token = jws(&header, &good_claims().to_string(), &attacker());
    assert_eq!(code(&token, &opts()), "TOKEN_UNKNOWN_KID");
}

/// The issuer's `kid`, but signed by the attacker: the kid selects the key, the key refuses.
#[test]
fn trusted_kid_with_an_attacker_signature() {
    let token = jws(&good_header(), &good_claims().to_string(), &attacker());
    assert_eq!(code(&token, &opts()), "TOKEN_SIGNATURE_INVALID");
}

/// No `kid` at all: claw never tries every trusted key in turn.
#[test]
fn missing_kid_is_not_resolved_by_trying_every_key() {
    let token = jws(
        r#"{"alg":"EdDSA","typ":"JWT"}"#,
        &good_claims().to_string(),
        &issuer(),
    );
    assert_eq!(code(&token, &opts()), "TOKEN_UNKNOWN_KID");
}

/// `kid` path traversal / injection strings are looked up verbatim and found nowhere.
#[test]
fn kid_injection_strings_are_just_unknown_kids() {
    for kid in ["../../../dev/null", "' OR '1'='1", "*", "10ba682c8ad1351*"] {
        let header = json!({"alg": "EdDSA", "typ": "JWT", "kid": kid}).to_string();
        let token = jws(&header, &good_claims().to_string(), &issuer());
        assert_eq!(code(&token, &opts()), "TOKEN_UNKNOWN_KID", "{kid}");
    }
}

/// The token carries its own key (`jwk`), a key URL (`jku`), a certificate chain (`x5c`,
/// `x5u`) or `crit`: the token must never choose the key it is verified with.
#[test]
fn embedded_jwk_and_other_key_carrying_headers() {
    let jwk: Value = serde_json::from_str(&attacker().verifying_key().to_jwk()).expect("jwk");
    let kid = attacker().verifying_key().reference_kid();
    for (member, value) in [
        ("jwk", jwk),
        ("jku", json!("https://attacker.example/jwks.json")),
        ("x5u", json!("https://attacker.example/cert.pem")),
        ("x5c", json!(["MIIB..."])),
        ("crit", json!(["exp"])),
        ("b64", json!(false)),
    ] {
        let mut header = json!({"alg": "EdDSA", "typ": "JWT", "kid": kid});
        header[member] = value;
        let token = jws(&header.to_string(), &good_claims().to_string(), &attacker());
        assert_eq!(code(&token, &opts()), "TOKEN_HEADER_FORBIDDEN", "{member}");
    }
}

/// A JWS of another type signed by the same issuer key (`typ: at+jwt`, or none) is not a CST.
#[test]
fn token_type_confusion() {
    let kid = issuer().verifying_key().reference_kid();
    for typ in [r#""typ":"at+jwt","#, r#""typ":"JOSE","#, ""] {
        let header = format!(r#"{{"alg":"EdDSA",{typ}"kid":"{kid}"}}"#);
        let token = jws(&header, &good_claims().to_string(), &issuer());
        assert_eq!(code(&token, &opts()), "TOKEN_TYP_INVALID", "{typ}");
    }
}

// --- Time ---------------------------------------------------------------------------------

/// A token past `exp` (beyond the 60 s skew), and exactly at the boundary.
#[test]
fn expired_token() {
    let token = signed_claims(|c| {
        c.insert("iat".into(), json!(NOW - 1000));
        c.insert("exp".into(), json!(NOW - 61));
    });
    assert_eq!(code(&token, &opts()), "TOKEN_EXPIRED");
    let boundary = signed_claims(|c| {
        c.insert("iat".into(), json!(NOW - 120));
        c.insert("exp".into(), json!(NOW - 60));
    });
    assert_eq!(
        code(&boundary, &opts()),
        "TOKEN_EXPIRED",
        "now == exp + skew"
    );
}

/// A token whose `nbf` is in the future (beyond the skew).
#[test]
fn not_yet_valid_token() {
    let token = signed_claims(|c| {
        c.insert("nbf".into(), json!(NOW + 61));
    });
    assert_eq!(code(&token, &opts()), "TOKEN_NOT_YET_VALID");
}

/// A token "issued" in the future, to outlive its real lifetime.
#[test]
fn token_issued_in_the_future() {
    let token = signed_claims(|c| {
        c.insert("iat".into(), json!(NOW + 3600));
        c.insert("exp".into(), json!(NOW + 7200));
    });
    assert_eq!(code(&token, &opts()), "TOKEN_ISSUED_IN_FUTURE");
}

/// A token whose lifetime exceeds the policy's maximum TTL (a year-long "temporary" token).
#[test]
fn token_lifetime_over_the_policy_ttl() {
    let token = signed_claims(|c| {
        c.insert("exp".into(), json!(NOW + 365 * 86_400));
    });
    let mut o = opts();
    o.max_ttl_seconds = Some(1800);
    assert_eq!(code(&token, &o), "TOKEN_TTL_EXCEEDS_POLICY");
}

/// `exp` as a float or far beyond 2^53, hoping for a lossy parse.
#[test]
fn exp_as_a_float_or_an_inexact_integer() {
    let float = signed_claims(|c| {
        c.insert("exp".into(), json!(1.7e9 + 240.5));
    });
    assert_eq!(code(&float, &opts()), "TOKEN_INVALID_CLAIMS");
    let claims = good_claims().to_string().replace(
        &format!("\"exp\":{}", NOW + 240),
        "\"exp\":9007199254740993",
    );
    let token = jws(&good_header(), &claims, &issuer());
    assert_eq!(code(&token, &opts()), "TOKEN_MALFORMED");
}

// --- Replay -------------------------------------------------------------------------------

/// The same token used twice within one job (jti-once mode): the second use is a replay.
#[test]
fn replay_within_one_job() {
    let guard = InMemoryReplayGuard::new(1024);
    let mut o = opts();
    o.job = Some("job-1");
    o.replay = ReplayMode::JtiOncePerJob(&guard);
    let token = good_token();
    assert_eq!(code(&token, &o), "OK");
    assert_eq!(code(&token, &o), "TOKEN_REPLAYED");
}

/// A token minted for job 1 replayed in job 2: refused by job binding.
#[test]
fn replay_across_jobs_is_refused_by_job_binding() {
    let token = signed_claims(|c| {
        c.insert("mission_id".into(), json!("job-1"));
    });
    let mut o = opts();
    o.job = Some("job-2");
    o.replay = ReplayMode::BoundToJob;
    assert_eq!(code(&token, &o), "TOKEN_MISSION_MISMATCH");
    // Even without the binding mode, a token naming a job only works in that job.
    let mut plain = opts();
    plain.job = Some("job-2");
    assert_eq!(code(&token, &plain), "TOKEN_MISSION_MISMATCH");
}

/// A token bound to a job, presented to a runtime that names no job: refused, as a token
/// pinned to a policy is refused by a runtime that names no policy (one rule for both).
#[test]
fn job_bound_token_where_the_runtime_names_no_job() {
    let token = signed_claims(|c| {
        c.insert("mission_id".into(), json!("job-1"));
    });
    assert_eq!(code(&token, &opts()), "TOKEN_MISSION_MISMATCH");
    let pinned = signed_claims(|c| {
        c.insert("policy_hash_b64u".into(), json!("A".repeat(43)));
    });
    assert_eq!(code(&pinned, &opts()), "POLICY_HASH_MISMATCH");
}

/// A token bound to no job, presented where job binding is required.
#[test]
fn unbound_token_where_job_binding_is_required() {
    let mut o = opts();
    o.job = Some("job-2");
    o.require_job_binding = true;
    assert_eq!(code(&good_token(), &o), "TOKEN_MISSION_REQUIRED");
}

/// A one-time token reused under a job the presenter invents (the gateway's `X-Run-Id`):
/// refused. The guard keys on the token's own job binding (`mission_id`), and a token bound
/// to no job is once-only whatever job the runtime names (or none).
#[test]
fn jti_once_cannot_be_reset_by_naming_a_new_job() {
    let guard = InMemoryReplayGuard::new(1024);
    let token = good_token();
    let mut job1 = opts();
    job1.job = Some("job-1");
    job1.replay = ReplayMode::JtiOncePerJob(&guard);
    let mut job2 = job1;
    job2.job = Some("job-2");
    let mut nojob = job1;
    nojob.job = None;
    assert_eq!(code(&token, &job1), "OK");
    assert_eq!(code(&token, &job2), "TOKEN_REPLAYED");
    assert_eq!(code(&token, &nojob), "TOKEN_REPLAYED");
    let guard = InMemoryReplayGuard::new(1024);
    nojob.replay = ReplayMode::JtiOncePerJob(&guard);
    job1.replay = ReplayMode::JtiOncePerJob(&guard);
    assert_eq!(code(&token, &nojob), "OK");
    assert_eq!(code(&token, &nojob), "TOKEN_REPLAYED");
    assert_eq!(code(&token, &job1), "TOKEN_REPLAYED");
}

/// A token without `jti` cannot be used where replays are refused.
#[test]
fn token_without_jti_in_jti_once_mode() {
    let guard = InMemoryReplayGuard::new(1024);
    let token = signed_claims(|c| {
        c.remove("jti");
    });
    let mut o = opts();
    o.replay = ReplayMode::JtiOncePerJob(&guard);
    assert_eq!(code(&token, &o), "TOKEN_JTI_REQUIRED");
}

// --- Signature malleability ---------------------------------------------------------------

/// The issuer's valid signature with `S + L` in place of `S` (the same signature to a lax
/// verifier that reduces S mod L): a second token bytes for the same claims, which would
/// slip past a token-hash revocation or a replay cache keyed on the token text.
#[test]
fn non_canonical_signature_s_plus_l_on_a_token() {
    let si = signing_input(&good_header(), &good_claims().to_string());
    let sig = issuer().sign(si.as_bytes());
    let twin = malleate(&sig);
    assert_ne!(twin, sig);
    assert_eq!(code(&format!("{si}.{}", b64::encode(sig)), &opts()), "OK");
    assert_eq!(
        code(&format!("{si}.{}", b64::encode(twin)), &opts()),
        "TOKEN_SIGNATURE_INVALID"
    );
}

/// Padding, whitespace or non-canonical base64url give other spellings of the same bytes.
#[test]
fn alternative_base64url_spellings_of_a_valid_token() {
    let token = good_token();
    let mut parts: Vec<String> = token.split('.').map(str::to_string).collect();
    let sig = parts[2].clone();
    // 64 bytes encode to 86 characters: the last one carries 2 unused bits.
    let last = sig.as_bytes()[85];
    let alphabet = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let pos = alphabet.iter().position(|&c| c == last).expect("b64u char");
    let twin_char = alphabet[pos ^ 1] as char;
    parts[2] = format!("{}{}", &sig[..85], twin_char);
    assert_eq!(code(&parts.join("."), &opts()), "TOKEN_MALFORMED");
    assert_eq!(code(&format!("{token}=="), &opts()), "TOKEN_MALFORMED");
    assert_eq!(code(&format!(" {token}"), &opts()), "TOKEN_MALFORMED");
    assert_eq!(code(&format!("{token}.x"), &opts()), "TOKEN_MALFORMED");
}

// --- Claims tricks ------------------------------------------------------------------------

/// Duplicate header members with different values: `{"alg":"EdDSA","alg":"none"}` means
/// EdDSA to one parser and none to another.
#[test]
fn duplicate_header_member_with_different_values() {
    let kid = issuer().verifying_key().reference_kid();
    let header = format!(r#"{{"alg":"EdDSA","alg":"none","typ":"JWT","kid":"{kid}"}}"#);
    let token = jws(&header, &good_claims().to_string(), &issuer());
    assert_eq!(code(&token, &opts()), "TOKEN_MALFORMED");
    let header = format!(r#"{{"alg":"EdDSA","typ":"JWT","kid":"{kid}","kid":"other"}}"#);
    let token = jws(&header, &good_claims().to_string(), &issuer());
    assert_eq!(code(&token, &opts()), "TOKEN_MALFORMED");
}

/// Duplicate claims with different values, validly signed: a first-wins reader sees a short
/// `exp` and a narrow `scope`, a last-wins reader (JavaScript) the long and wide ones.
#[test]
fn duplicate_claims_with_different_values() {
    let base = good_claims().to_string();
    let inner = &base[1..base.len() - 1];
    for dup in [
        format!(r#""exp":{}"#, NOW + 10 * 365 * 86_400),
        r#""scope":["*","shell:exec"]"#.to_string(),
        r#""aud":"evil.example""#.to_string(),
        r#""sub":"did:key:z6MkAttacker""#.to_string(),
    ] {
        let claims = format!("{{{inner},{dup}}}");
        let token = jws(&good_header(), &claims, &issuer());
        assert_eq!(code(&token, &opts()), "TOKEN_MALFORMED", "{dup}");
    }
}

/// Lone surrogate escapes in a claim or in the header (`\ud800`): not Unicode, so two
/// decoders may read two different strings.
#[test]
fn lone_surrogate_in_claims_or_header() {
    let claims = good_claims()
        .to_string()
        .replace("\"jti-0001\"", r#""jti-\ud800""#);
    let token = jws(&good_header(), &claims, &issuer());
    assert_eq!(code(&token, &opts()), "TOKEN_MALFORMED");
    let kid = issuer().verifying_key().reference_kid();
    let header = format!(r#"{{"alg":"EdDSA","typ":"JWT","kid":"{kid}\udc00"}}"#);
    let token = jws(&header, &good_claims().to_string(), &issuer());
    assert_eq!(code(&token, &opts()), "TOKEN_MALFORMED");
}

/// Claims nested deeper than the claims parser allows (8), and a header deeper than 4.
#[test]
fn deeply_nested_claims_or_header() {
    let deep = format!("{}1{}", "[".repeat(9), "]".repeat(9));
    let claims = good_claims().to_string().replace("\"jti-0001\"", &deep);
    assert_eq!(
        code(&jws(&good_header(), &claims, &issuer()), &opts()),
        "TOKEN_MALFORMED"
    );
    let kid = issuer().verifying_key().reference_kid();
    let header = format!(r#"{{"alg":"EdDSA","typ":"JWT","kid":"{kid}","x":[[[[1]]]]}}"#);
    assert_eq!(
        code(
            &jws(&header, &good_claims().to_string(), &issuer()),
            &opts()
        ),
        "TOKEN_MALFORMED"
    );
}

/// A token above the 8 KiB bound (a huge claim, validly signed), and a header above 1 KiB:
/// refused before any decoding or signature work.
#[test]
fn huge_token_and_huge_header() {
    let token = signed_claims(|c| {
        c.insert("nonce".into(), json!("n".repeat(9000)));
    });
    assert!(token.len() > 8 * 1024);
    assert!(matches!(
        cst::validate(&token, &keys(), &opts(), NOW),
        Err(TokenError::TooLarge { .. })
    ));
    assert_eq!(code(&token, &opts()), "TOKEN_MALFORMED");
    let kid = issuer().verifying_key().reference_kid();
    let header = format!(
        r#"{{"alg":"EdDSA","typ":"JWT","kid":"{kid}{}"}}"#,
        "k".repeat(1100)
    );
    assert_eq!(
        code(
            &jws(&header, &good_claims().to_string(), &issuer()),
            &opts()
        ),
        "TOKEN_MALFORMED"
    );
}

/// Wildcard scopes and case variants do not grant an action: scope matching is exact.
#[test]
fn wildcard_or_case_variant_scope() {
    for scope in [
        json!(["*"]),
        json!(["tool:*"]),
        json!(["Tool:Execute"]),
        json!(["tool:execute "]),
    ] {
        let token = signed_claims(|c| {
            c.insert("scope".into(), scope.clone());
        });
        assert_eq!(code(&token, &opts()), "TOKEN_INSUFFICIENT_SCOPE", "{scope}");
    }
}

/// A token for another audience (or an audience that only differs in case).
#[test]
fn token_for_another_audience() {
    for aud in ["other.test", "Gateway.test", "gateway.test.evil.example"] {
        let token = signed_claims(|c| {
            c.insert("aud".into(), json!(aud));
        });
        assert_eq!(code(&token, &opts()), "TOKEN_BAD_AUDIENCE", "{aud}");
    }
}

/// A claim the schema does not know (`admin: true`), validly signed.
#[test]
fn unknown_privilege_claim() {
    let token = signed_claims(|c| {
        c.insert("admin".into(), json!(true));
    });
    assert_eq!(code(&token, &opts()), "TOKEN_INVALID_CLAIMS");
}

/// `token_version` 2 (a format this verifier does not implement).
#[test]
fn future_token_version() {
    let token = signed_claims(|c| {
        c.insert("token_version".into(), json!("2"));
    });
    assert_eq!(code(&token, &opts()), "TOKEN_UNKNOWN_VERSION");
}

/// A `token_scope_hash_b64u` that does not match the claims (the scope was widened after
/// the hash was computed by a gateway that trusts the hash).
#[test]
fn scope_hash_that_does_not_match_the_claims() {
    let mut c = good_claims();
    let narrow: cst::Claims =
        cst::Claims::from_json_object(c.as_object().expect("object").clone()).expect("claims");
    c["token_scope_hash_b64u"] = json!(narrow.scope_hash_b64u());
    c["scope"] = json!([ACTION, "shell:exec"]);
    let token = jws(&good_header(), &c.to_string(), &issuer());
    assert_eq!(code(&token, &opts()), "TOKEN_SCOPE_HASH_MISMATCH");
}
