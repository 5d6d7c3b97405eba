//! Attacks on the JSON layer under every signed structure: duplicate keys with different
//! values (one document, two meanings: first-wins for one reader, last-wins for JavaScript),
//! lone surrogates, numbers beyond I-JSON, deep nesting, and inputs above each parser's size
//! bound. Every signed or hashed structure is read by `json::parse` (strict, bounded), so each
//! attack is refused before a hash or a signature is computed; the tests pin the code each
//! entry point reports it with.
//!
//! Duplicate keys in the CST header and claims are in `tokens.rs`
//! (`duplicate_header_member_with_different_values`, `duplicate_claims_with_different_values`).
#![allow(clippy::disallowed_methods)] // tests may read JSON with serde_json (clippy.toml)

use claw_adversarial::*;
use claw_core::cst::KeySet;
use claw_core::envelope::{Envelope, Signers};
use claw_core::evidence::{
    parse_clawverify_config, verify_bundle, verify_consistency_proof, verify_receipt_proof,
    Recorder, VerifyConfig,
};
use claw_core::json::{self, Limits};
use claw_core::keys::VerifyingKey;
use claw_core::wpc::{
    compile_authoring, sign_policy, verify_policy_envelope, CompiledPolicy, Overrides, Policy,
    Request, MAX_OVERRIDES_BYTES, MAX_POLICY_BYTES,
};
use serde_json::{json, Value};

const POLICY: &str = r#"{"policy_version":"2","policy_id":"p1","issuer_did":"did:key:z6Mkx","statements":[{"sid":"s1","effect":"Deny","actions":["tool:execute"],"resources":["shell_exec"]},{"sid":"s2","effect":"Allow","actions":["tool:execute"],"resources":["*"]}]}"#;

/// Insert `extra` right after the first occurrence of `needle` (which must exist).
fn after(text: &str, needle: &str, extra: &str) -> String {
    assert!(text.contains(needle), "{needle} not in the document");
    text.replacen(needle, &format!("{needle}{extra}"), 1)
}

fn bundle_text() -> String {
    honest_bundle(&issuer(), 11, &["read_file"])
        .to_json()
        .expect("json")
}

fn bundle_code(text: &str) -> (&'static str, String) {
    let v = verify_bundle(text.as_bytes(), &verify_config());
    (v.reason_code, v.reason)
}

// --- Duplicate keys with different values -------------------------------------------------

/// A policy whose statement says `"effect":"Deny","effect":"Allow"`.
#[test]
fn duplicate_key_in_a_policy() {
    let text = after(POLICY, r#""effect":"Deny""#, r#","effect":"Allow""#);
    let err = Policy::parse(text.as_bytes()).unwrap_err();
    assert_eq!(err.reason_code(), "INVALID_JSON");
    assert!(
        err.to_string().contains("duplicate key \"effect\""),
        "{err}"
    );
}

/// A signed policy envelope with a second `payload_hash_b64u`, and one whose payload has a
/// second `statements` array.
#[test]
fn duplicate_key_in_a_policy_envelope() {
    let policy = Policy::parse(POLICY.as_bytes()).expect("policy");
    let text = sign_policy(&policy, &issuer(), T0_MS, None)
        .expect("sign")
        .to_json()
        .expect("json");
    for (needle, extra) in [
        (
            r#""payload_hash_b64u":"#,
            r#""AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA","payload_hash_b64u":"#,
        ),
        (r#""statements":["#, r#"],"statements":["#),
    ] {
        let forged = after(&text, needle, extra);
        let err = verify_policy_envelope(forged.as_bytes(), Signers::Any, None, None).unwrap_err();
        assert_eq!(err.reason_code(), "INVALID_JSON", "{needle}");
    }
}

/// A standalone receipt envelope (tool receipt) with a second `tool_name`.
#[test]
fn duplicate_key_in_a_receipt_envelope() {
    let text = signed_envelope(
        "tool_receipt",
        &json!({"tool_name": "read_file", "receipt_id": "tr_1"}),
        &issuer(),
    );
    let forged = after(
        &text,
        r#""tool_name":"read_file""#,
        r#","tool_name":"rm_rf""#,
    );
    let err = Envelope::parse(forged.as_bytes(), &Limits::STRICT).unwrap_err();
    assert_eq!(err.reason_code(), "INVALID_JSON");
}

/// Receipts inside a bundle: a gateway receipt with a second `model`, a tool receipt with a
/// second `tool_name`.
#[test]
fn duplicate_key_in_receipts_inside_a_bundle() {
    let text = bundle_text();
    for (needle, extra) in [
        (r#""model":"claude-test""#, r#","model":"gpt-evil""#),
        (r#""tool_name":"read_file""#, r#","tool_name":"shell_exec""#),
    ] {
        let (code, reason) = bundle_code(&after(&text, needle, extra));
        assert_eq!(code, "INVALID_JSON", "{needle}");
        assert!(reason.contains("duplicate key"), "{reason}");
    }
}

/// The bundle envelope with a second `signer_did`, and its payload with a second
/// `agent_did`.
#[test]
fn duplicate_key_in_a_bundle() {
    let text = bundle_text();
    let other = attacker().verifying_key().did();
    for (needle, extra) in [
        (r#""signer_did":"#, format!(r#""{other}","signer_did":"#)),
        (r#""agent_did":"#, format!(r#""{other}","agent_did":"#)),
    ] {
        let (code, _) = bundle_code(&after(&text, needle, &extra));
        assert_eq!(code, "INVALID_JSON", "{needle}");
    }
}

/// An event of the chain with a second `event_type`.
#[test]
fn duplicate_key_in_an_event() {
    let text = bundle_text();
    let forged = after(
        &text,
        r#""event_type":"run_start""#,
        r#","event_type":"policy_decision""#,
    );
    assert_eq!(bundle_code(&forged).0, "INVALID_JSON");
}

/// A receipt proof whose receipt, or whose checkpoint, has a duplicate member; and a
/// consistency proof with a second `path_b64u`.
#[test]
fn duplicate_key_in_receipt_and_consistency_proofs() {
    let bundle = honest_bundle(&issuer(), 12, &["read_file"]);
    let leaf = bundle.leaves()[0].receipt_id().to_string();
    let proof = bundle
        .receipt_proof(&leaf)
        .expect("proof")
        .to_json()
        .expect("json");
    let forged = after(
        &proof,
        r#""receipt_version":"1""#,
        r#","receipt_version":"2""#,
    );
    let err = verify_receipt_proof(forged.as_bytes(), None, &[]).unwrap_err();
    assert_eq!(err.reason_code(), "JSON_DUPLICATE_KEY");
    let forged = after(&proof, r#""tree_size":"#, r#"99,"tree_size":"#);
    let err = verify_receipt_proof(forged.as_bytes(), None, &[]).unwrap_err();
    assert_eq!(err.reason_code(), "JSON_DUPLICATE_KEY");

    let mut rng = TestRng::new(5);
    let mut rec = Recorder::new(issuer(), &mut rng);
    let a = rec.checkpoint(T0_MS).expect("checkpoint");
    let b = rec.checkpoint(T0_MS + 1).expect("checkpoint");
    let cons = rec
        .consistency_proof(&a, &b)
        .expect("proof")
        .to_json()
        .expect("json");
    let forged = after(&cons, r#""path_b64u":"#, r#"["AAAA"],"path_b64u":"#);
    let err = verify_consistency_proof(forged.as_bytes(), None).unwrap_err();
    assert_eq!(err.reason_code(), "JSON_DUPLICATE_KEY");
}

/// Unsigned configuration read into security decisions: overrides, authoring documents,
/// JWKs, key sets and the verifier's allowlist file.
#[test]
fn duplicate_key_in_overrides_authoring_keys_and_config() {
    let o = r#"{"denied_tools":["shell_exec"],"denied_tools":[]}"#;
    assert_eq!(
        Overrides::parse(o.as_bytes()).unwrap_err().reason_code(),
        "INVALID_JSON"
    );
    let a = r#"{"policy_name":"p","issuer_did":"did:web:x","denied_tools":["shell_exec"],"denied_tools":[]}"#;
    assert_eq!(
        compile_authoring(a).unwrap_err().reason_code(),
        "INVALID_JSON"
    );
    let x = claw_core::b64::encode(issuer().verifying_key().to_bytes());
    let y = claw_core::b64::encode(attacker().verifying_key().to_bytes());
    let jwk = format!(r#"{{"kty":"OKP","crv":"Ed25519","x":"{x}","x":"{y}"}}"#);
    assert_eq!(
        VerifyingKey::from_jwk(&jwk).unwrap_err().reason_code(),
        "INVALID_JWK"
    );
    let jwks = format!(r#"{{"keys":[],"keys":[{jwk}]}}"#);
    assert_eq!(
        KeySet::from_jwks(&jwks).unwrap_err().reason_code(),
        "SIGNING_CONFIG_INVALID"
    );
    let cfg = r#"{"config_version":"1","allowlists":{},"allowlists":{"gateway_receipt_signer_dids":["did:key:zEvil"]}}"#;
    assert_eq!(
        parse_clawverify_config(cfg.as_bytes())
            .unwrap_err()
            .reason_code(),
        "JSON_DUPLICATE_KEY"
    );
}

/// Two spellings of one key (`"effect"` and `"\u0065ffect"`) are the same key: duplicates
/// are compared after unescaping.
#[test]
fn duplicate_key_spelled_with_an_escape() {
    let text = after(POLICY, r#""effect":"Deny""#, r#","\u0065ffect":"Allow""#);
    assert_eq!(
        Policy::parse(text.as_bytes()).unwrap_err().reason_code(),
        "INVALID_JSON"
    );
    let err = json::parse(text.as_bytes(), &Limits::STRICT).unwrap_err();
    assert_eq!(err.reason_code(), "JSON_DUPLICATE_KEY");
}

// --- Lone surrogates ----------------------------------------------------------------------

/// `\ud800` (half a surrogate pair) in a policy, a bundle, a JWK and an envelope.
#[test]
fn lone_surrogate_escapes() {
    let p = POLICY.replace(r#""policy_id":"p1""#, r#""policy_id":"p\ud800""#);
    assert_eq!(
        Policy::parse(p.as_bytes()).unwrap_err().reason_code(),
        "INVALID_JSON"
    );
    assert_eq!(
        json::parse(p.as_bytes(), &Limits::STRICT)
            .unwrap_err()
            .reason_code(),
        "JSON_LONE_SURROGATE"
    );
    let b = after(
        &bundle_text(),
        r#""tool_name":"read_file""#,
        r#","x":"\udc00""#,
    );
    assert_eq!(bundle_code(&b).0, "INVALID_JSON");
    let jwk = r#"{"kty":"OKP","crv":"Ed25519","x":"AAAA","kid":"\ud83d"}"#;
    assert_eq!(
        VerifyingKey::from_jwk(jwk).unwrap_err().reason_code(),
        "INVALID_JWK"
    );
    let env = signed_envelope("gateway_receipt", &json!({"m": "x"}), &issuer())
        .replace(r#""m":"x""#, r#""m":"\udfff""#);
    assert_eq!(
        Envelope::parse(env.as_bytes(), &Limits::STRICT)
            .unwrap_err()
            .reason_code(),
        "INVALID_JSON"
    );
}

// --- Numbers beyond I-JSON ----------------------------------------------------------------

/// `1e400` (not a double) and `9007199254740993` (2^53 + 1: JavaScript reads 2^53) in a
/// policy, a bundle, a receipt proof and the raw parser.
#[test]
fn numbers_beyond_i_json() {
    for (n, code) in [
        ("1e400", "JSON_NUMBER_OUT_OF_RANGE"),
        ("-1e400", "JSON_NUMBER_OUT_OF_RANGE"),
        ("9007199254740993", "JSON_INEXACT_INTEGER"),
        ("-9007199254740993", "JSON_INEXACT_INTEGER"),
    ] {
        assert_eq!(
            json::parse(n.as_bytes(), &Limits::STRICT)
                .unwrap_err()
                .reason_code(),
            code
        );
        let p = after(
            POLICY,
            r#""issuer_did":"did:key:z6Mkx""#,
            &format!(r#","metadata":{{"n":{n}}}"#),
        );
        assert_eq!(
            Policy::parse(p.as_bytes()).unwrap_err().reason_code(),
            "INVALID_JSON",
            "{n}"
        );
        let b =
            bundle_text().replacen(r#""tokens_input":10"#, &format!(r#""tokens_input":{n}"#), 1);
        assert_eq!(bundle_code(&b).0, "INVALID_JSON", "{n}");
    }
    let bundle = honest_bundle(&issuer(), 13, &["read_file"]);
    let leaf = bundle.leaves()[0].receipt_id().to_string();
    let proof = bundle
        .receipt_proof(&leaf)
        .expect("proof")
        .to_json()
        .expect("json");
    let forged = proof.replacen(
        r#""leaf_index":0"#,
        r#""leaf_index":18446744073709551616"#,
        1,
    );
    assert_eq!(
        verify_receipt_proof(forged.as_bytes(), None, &[])
            .unwrap_err()
            .reason_code(),
        "JSON_INEXACT_INTEGER"
    );
}

// --- Deep nesting -------------------------------------------------------------------------

/// 65 levels (one past the bound) and a million: refused at the bound, no stack overflow.
#[test]
fn deep_nesting() {
    for depth in [65usize, 1_000_000] {
        let text = format!("{}{}", "[".repeat(depth), "]".repeat(depth));
        assert_eq!(
            json::parse(text.as_bytes(), &Limits::STRICT)
                .unwrap_err()
                .reason_code(),
            "JSON_TOO_DEEP"
        );
    }
    let deep = format!("{}1{}", "[".repeat(70), "]".repeat(70));
    let p = after(
        POLICY,
        r#""issuer_did":"did:key:z6Mkx""#,
        &format!(r#","metadata":{{"n":{deep}}}"#),
    );
    assert_eq!(
        Policy::parse(p.as_bytes()).unwrap_err().reason_code(),
        "INVALID_JSON"
    );
    let b = after(
        &bundle_text(),
        r#""tool_name":"read_file""#,
        &format!(r#","x":{deep}"#),
    );
    assert_eq!(bundle_code(&b).0, "INVALID_JSON");
    let deep_obj = format!("{}{}", r#"{"a":"#.repeat(1_000_000), "}".repeat(1_000_000));
    assert_eq!(
        verify_receipt_proof(deep_obj.as_bytes(), None, &[])
            .unwrap_err()
            .reason_code(),
        "JSON_TOO_DEEP"
    );
}

// --- Huge inputs: each parser's bound -----------------------------------------------------

/// A JSON object of exactly `len` bytes (`{"x":"aaa…"}`).
fn padded_object(len: usize) -> String {
    let s = format!(r#"{{"x":"{}"}}"#, "a".repeat(len - 8));
    assert_eq!(s.len(), len);
    s
}

/// The reason code of a refusal, without printing a 16 MiB input when it is not refused.
fn refused<T, E: std::fmt::Display>(
    r: Result<T, E>,
    code: impl Fn(&E) -> &'static str,
) -> &'static str {
    match r {
        Ok(_) => "accepted",
        Err(e) => code(&e),
    }
}

/// Each entry point refuses input above its own bound, before parsing it.
#[test]
fn huge_inputs_above_each_parsers_bound() {
    let over = |n: usize| padded_object(n + 1);
    // Strict parser default: 16 MiB.
    let big = over(Limits::STRICT.max_bytes);
    assert_eq!(
        refused(json::parse(big.as_bytes(), &Limits::STRICT), |e| e
            .reason_code()),
        "JSON_TOO_LARGE"
    );
    assert_eq!(
        refused(verify_receipt_proof(big.as_bytes(), None, &[]), |e| e
            .reason_code()),
        "JSON_TOO_LARGE"
    );
    assert_eq!(
        refused(parse_clawverify_config(big.as_bytes()), |e| e.reason_code()),
        "JSON_TOO_LARGE"
    );
    // Policies: 1 MiB; signed policies: 1 MiB + 64 KiB; authoring documents: 1 MiB.
    let p = over(MAX_POLICY_BYTES);
    assert_eq!(
        refused(Policy::parse(p.as_bytes()), |e| e.reason_code()),
        "INVALID_JSON"
    );
    assert_eq!(
        refused(compile_authoring(&p), |e| e.reason_code()),
        "INVALID_JSON"
    );
    let pe = over(MAX_POLICY_BYTES + 64 * 1024);
    assert_eq!(
        refused(
            verify_policy_envelope(pe.as_bytes(), Signers::Any, None, None),
            |e| e.reason_code()
        ),
        "INVALID_JSON"
    );
    // Overrides: 256 KiB.
    let o = over(MAX_OVERRIDES_BYTES);
    assert_eq!(
        refused(Overrides::parse(o.as_bytes()), |e| e.reason_code()),
        "INVALID_JSON"
    );
    // JWK: 64 KiB; JWKS: 256 KiB; did:key: 128 characters.
    let j = over(64 * 1024);
    assert_eq!(
        refused(VerifyingKey::from_jwk(&j), |e| e.reason_code()),
        "INVALID_JWK"
    );
    let s = over(claw_core::cst::MAX_JWKS_BYTES);
    assert_eq!(
        refused(KeySet::from_jwks(&s), |e| e.reason_code()),
        "SIGNING_CONFIG_INVALID"
    );
    let did = format!("did:key:z{}", "6".repeat(130));
    assert_eq!(
        VerifyingKey::from_did(&did).unwrap_err().reason_code(),
        "INVALID_DID_FORMAT"
    );
    // Bundles: the caller's bound (VerifyLimits::max_bytes; the reference's is 16 MiB).
    let mut cfg = verify_config();
    cfg.limits.max_bytes = 4096;
    let v = verify_bundle(bundle_text().as_bytes(), &cfg);
    assert_eq!(v.reason_code, "INVALID_JSON");
    assert!(v.reason.contains("above the limit"), "{}", v.reason);
    let _ = VerifyConfig::new(0); // the default bound is documented on VerifyLimits
}

/// Requests: an action over 256 bytes, a resource over 4096, and a context value over 4096
/// bytes under a `StringLike` Deny (which then fails closed).
#[test]
fn huge_decision_requests() {
    let policy = CompiledPolicy::compile(&Policy::parse(POLICY.as_bytes()).expect("p")).expect("c");
    let none: &[(&str, &str)] = &[];
    let long_action = format!("tool:{}", "x".repeat(256));
    let d = policy.decide(&Request::new(&long_action, "read", &none, NOW));
    assert_eq!(d.reason.as_str(), "POLICY_REQUEST_INVALID");
    let long_resource = "r".repeat(4097);
    let d = policy.decide(&Request::tool_call(&long_resource, &none, NOW));
    assert_eq!(d.reason.as_str(), "POLICY_REQUEST_INVALID");

    let like = r#"{"policy_version":"2","policy_id":"p2","issuer_did":"did:key:z6Mkx","statements":[
      {"sid":"deny-secrets","effect":"Deny","actions":["tool:execute"],"resources":["*"],
       "conditions":{"StringLike":{"Path":"**/secrets/**"}}},
      {"sid":"allow","effect":"Allow","actions":["tool:execute"],"resources":["*"]}]}"#;
    let policy = CompiledPolicy::compile(&Policy::parse(like.as_bytes()).expect("p")).expect("c");
    let huge_path = format!("{}/secrets/key", "a/".repeat(3000));
    let ctx: &[(&str, &str)] = &[("Path", huge_path.as_str())];
    let d = policy.decide(&Request::tool_call("read", &ctx, NOW));
    assert_eq!(d.reason.as_str(), "POLICY_EVALUATION_ERROR");
    let ok: &[(&str, &str)] = &[("Path", "src/main.rs")];
    assert_eq!(
        policy
            .decide(&Request::tool_call("read", &ok, NOW))
            .reason
            .as_str(),
        "POLICY_ALLOW"
    );
}

/// Baseline for the surgery above: the untouched documents are accepted.
#[test]
fn baseline_untouched_documents_are_accepted() {
    assert!(Policy::parse(POLICY.as_bytes()).is_ok());
    assert_eq!(bundle_code(&bundle_text()).0, "OK");
    let v: Value = serde_json::from_str(&bundle_text()).expect("json");
    assert!(v["payload"]["tool_receipts"].is_array());
}
