//! Reading WPC v1/v2: errors, paths, code-point lengths, hashing.

use crate::util::*;
use claw_core::hash::sha256_b64u;
use claw_core::wpc::{policy_hash_b64u, Policy, PolicyError, PolicyVersion, Provider};
use serde_json::{json, Value};

fn base() -> Value {
    v2(
        "p",
        json!([st("s1", "Allow", &["tool:execute"], &["read_file"])]),
    )
}

/// (case, mutation, reason code, path of the error)
type Case = (&'static str, fn(&mut Value), &'static str, &'static str);

#[test]
#[rustfmt::skip]
fn schema_errors_name_their_path() {
    let cases: &[Case] = &[
        ("unknown top-level field", |v| v["extra"] = json!(1), "SCHEMA_VALIDATION_FAILED", "$.extra"),
        ("unknown statement field", |v| v["statements"][0]["Principal"] = json!("*"), "SCHEMA_VALIDATION_FAILED", "$.statements[0].Principal"),
        ("unknown operator", |v| v["statements"][0]["conditions"] = json!({"IpAddressX": {}}), "SCHEMA_VALIDATION_FAILED", "$.statements[0].conditions.IpAddressX"),
        ("non-string condition value", |v| v["statements"][0]["conditions"] = json!({"StringEquals": {"k": 1}}), "SCHEMA_VALIDATION_FAILED", "$.statements[0].conditions.StringEquals.k"),
        ("array condition value", |v| v["statements"][0]["conditions"] = json!({"StringEquals": {"k": ["a"]}}), "SCHEMA_VALIDATION_FAILED", "$.statements[0].conditions.StringEquals.k"),
        ("effect lowercase", |v| v["statements"][0]["effect"] = json!("deny"), "SCHEMA_VALIDATION_FAILED", "$.statements[0].effect"),
        ("null optional", |v| v["inherits"] = Value::Null, "SCHEMA_VALIDATION_FAILED", "$.inherits"),
        ("null conditions", |v| v["statements"][0]["conditions"] = Value::Null, "SCHEMA_VALIDATION_FAILED", "$.statements[0].conditions"),
        ("missing statements", |v| { v.as_object_mut().unwrap().remove("statements"); }, "SCHEMA_VALIDATION_FAILED", "$"),
        ("missing policy_version", |v| { v.as_object_mut().unwrap().remove("policy_version"); }, "SCHEMA_VALIDATION_FAILED", "$"),
        ("numeric policy_version", |v| v["policy_version"] = json!(2), "SCHEMA_VALIDATION_FAILED", "$.policy_version"),
        ("unknown policy_version", |v| v["policy_version"] = json!("3"), "UNKNOWN_SCHEMA_VERSION", "$.policy_version"),
        ("duplicate sid", |v| { let s = v["statements"][0].clone(); v["statements"].as_array_mut().unwrap().push(s); }, "SCHEMA_VALIDATION_FAILED", "$.statements[1].sid"),
        ("did pattern", |v| v["issuer_did"] = json!("web:example.com"), "SCHEMA_VALIDATION_FAILED", "$.issuer_did"),
        ("v1 field in v2", |v| v["allowed_models"] = json!(["*"]), "SCHEMA_VALIDATION_FAILED", "$.allowed_models"),
        ("v2 field in v1", |v| { *v = json!({"policy_version": "1", "policy_id": "p", "issuer_did": DID, "inherits": "x"}); }, "SCHEMA_VALIDATION_FAILED", "$.inherits"),
        ("statements in v1", |v| { v["policy_version"] = json!("1"); }, "SCHEMA_VALIDATION_FAILED", "$.statements"),
        ("top-level array", |v| *v = json!([1]), "SCHEMA_VALIDATION_FAILED", "$"),
        ("unknown claw namespace", |v| v["metadata"] = json!({"claw.dev/v2": {}}), "SCHEMA_VALIDATION_FAILED", "$.metadata[\"claw.dev/v2\"]"),
        ("unknown claw field", |v| v["metadata"] = json!({"claw.dev/v1": {"allow_everything": true}}), "SCHEMA_VALIDATION_FAILED", "$.metadata[\"claw.dev/v1\"].allow_everything"),
        ("claw ttl zero", |v| v["metadata"] = json!({"claw.dev/v1": {"token_requirements": {"require_cst": true, "pin_cst_to_policy_hash": false, "max_ttl_minutes": 0}}}), "SCHEMA_VALIDATION_FAILED", "$.metadata[\"claw.dev/v1\"].token_requirements.max_ttl_minutes"),
        ("claw ttl fractional", |v| v["metadata"] = json!({"claw.dev/v1": {"run_time_limit_minutes": 1.5}}), "SCHEMA_VALIDATION_FAILED", "$.metadata[\"claw.dev/v1\"].run_time_limit_minutes"),
        ("claw token flag missing", |v| v["metadata"] = json!({"claw.dev/v1": {"token_requirements": {"require_cst": true}}}), "SCHEMA_VALIDATION_FAILED", "$.metadata[\"claw.dev/v1\"].token_requirements"),
        ("claw data class conflict", |v| v["metadata"] = json!({"claw.dev/v1": {"data_classes": {"allowed": ["a"], "denied": ["a"]}}}), "SCHEMA_VALIDATION_FAILED", "$.metadata[\"claw.dev/v1\"].data_classes"),
        ("claw data class control char", |v| v["metadata"] = json!({"claw.dev/v1": {"data_classes": {"denied": ["a\nb"]}}}), "SCHEMA_VALIDATION_FAILED", "$.metadata[\"claw.dev/v1\"].data_classes.denied[0]"),
    ];
    for (name, mutate, code, path) in cases {
        let mut v = base();
        mutate(&mut v);
        let e = policy_err(&v);
        assert_eq!(e.reason_code(), *code, "{name}: {e}");
        assert_eq!(e.path(), Some(*path), "{name}: {e}");
        assert!(e.to_string().starts_with(path), "{name}: message {e} names the path");
    }
}

#[test]
fn foreign_metadata_is_free_form_and_hash_bound() {
    let mut v = base();
    v["metadata"] = json!({"anything": {"goes": [1, 2.5, null, true]}, "claw.devx": 1});
    let p = policy(&v);
    assert!(p.claw_metadata().is_none());
    assert!(!p.requirements().declared());
    let h1 = p.hash_b64u().to_string();
    v["metadata"]["anything"]["goes"][1] = json!(2.25);
    assert_ne!(policy(&v).hash_b64u(), h1, "metadata is hash-bound");
}

#[test]
fn lengths_are_code_points() {
    // 128 astral characters are 256 UTF-16 units but 128 code points: accepted, as Ajv does.
    let mut v = base();
    v["policy_id"] = json!("\u{1F600}".repeat(128));
    policy(&v);
    v["policy_id"] = json!("\u{1F600}".repeat(129));
    assert_eq!(policy_err(&v).path(), Some("$.policy_id"));
    v["policy_id"] = json!("é".repeat(128));
    policy(&v);
}

#[test]
fn strict_json_errors() {
    let e = Policy::parse(b"{\"policy_version\":\"2\",\"policy_version\":\"2\"}").unwrap_err();
    assert_eq!(e.reason_code(), "INVALID_JSON");
    assert!(matches!(e, PolicyError::Json(_)));
    let e = Policy::parse(&vec![b' '; claw_core::wpc::MAX_POLICY_BYTES + 1]).unwrap_err();
    assert_eq!(e.reason_code(), "INVALID_JSON");
}

#[test]
fn hash_is_sha256_of_jcs_of_payload_as_given() {
    let text = r#"{ "statements": [ {"sid":"s1","resources":["read_file"],"effect":"Allow","actions":["tool:execute"]} ],
        "policy_id": "p", "policy_version": "2", "issuer_did": "did:example:1", "metadata": {"z": 1e2, "a": "é"} }"#;
    let jcs = r#"{"issuer_did":"did:example:1","metadata":{"a":"é","z":100},"policy_id":"p","policy_version":"2","statements":[{"actions":["tool:execute"],"effect":"Allow","resources":["read_file"],"sid":"s1"}]}"#;
    let p = Policy::parse(text.as_bytes()).unwrap();
    assert_eq!(p.canonical_bytes(), jcs.as_bytes());
    assert_eq!(p.hash_b64u(), sha256_b64u(jcs));
    assert_eq!(policy_hash_b64u(p.payload()).unwrap(), p.hash_b64u());
    assert_eq!(p.hash_b64u().len(), 43);
    assert_eq!(p.version(), PolicyVersion::V2);
    assert_eq!(p.policy_id(), "p");
    assert_eq!(p.issuer_did(), "did:example:1");
    p.verify_hash(&sha256_b64u(jcs)).unwrap();
    Policy::parse_with_hash(text.as_bytes(), &sha256_b64u(jcs)).unwrap();
    let e = Policy::parse_with_hash(text.as_bytes(), &sha256_b64u("other")).unwrap_err();
    assert_eq!(e.reason_code(), "HASH_MISMATCH");
    assert!(matches!(e, PolicyError::HashMismatch { .. }));
}

#[test]
fn v1_reads_every_field() {
    let v = json!({
        "policy_version": "1", "policy_id": "conf", "issuer_did": DID,
        "allowed_providers": ["anthropic", "google"],
        "allowed_models": ["claude-*"],
        "minimum_model_identity_tier": "closed_provider_manifest",
        "required_audit_packs": ["abcdefgh_-12"],
        "redaction_rules": [{"path": "$.messages[*].content", "action": "hash"}],
        "receipt_privacy_mode": "hash_only",
        "egress_allowlist": ["api.example.com"],
        "metadata": {"claw.dev/v1": {"evidence_requirements": {"require_gateway_receipts": true, "require_proof_bundle": false}}}
    });
    let p = policy(&v);
    assert_eq!(p.version(), PolicyVersion::V1);
    let b = p.as_v1().unwrap();
    assert_eq!(
        b.allowed_providers.as_deref(),
        Some(&[Provider::Anthropic, Provider::Google][..])
    );
    assert!(p.requirements().require_gateway_receipts());
    assert!(!p.requirements().require_proof_bundle());
    assert!(p.as_v2().is_none() && p.inherits().is_none());
}

#[test]
fn requirements_accessors() {
    let mut v = base();
    v["metadata"] = json!({"claw.dev/v1": {
        "policy_name": "invoice-triage-prod",
        "token_requirements": {"require_cst": true, "pin_cst_to_policy_hash": true, "max_ttl_minutes": 30},
        "evidence_requirements": {"require_gateway_receipts": true, "require_proof_bundle": true},
        "run_time_limit_minutes": 90
    }});
    let r = policy(&v).requirements();
    assert!(r.declared() && r.require_cst() && r.pin_cst_to_policy_hash());
    assert_eq!(r.max_ttl_seconds(), Some(1800));
    assert!(r.require_gateway_receipts() && r.require_proof_bundle());
    assert_eq!(r.run_time_limit_seconds(), Some(5400));
    let r = policy(&base()).requirements();
    assert!(!r.declared() && !r.require_cst() && r.max_ttl_seconds().is_none());
}

#[test]
fn reason_codes_are_distinct_screaming_snake() {
    use claw_core::wpc::ReasonCode;
    let mut seen = std::collections::HashSet::new();
    for c in ReasonCode::ALL {
        let s = c.as_str();
        assert!(
            s.bytes().all(|b| b.is_ascii_uppercase() || b == b'_'),
            "{s}"
        );
        assert!(seen.insert(s), "{s} twice");
        assert_eq!(c.to_string(), s);
    }
}
