//! Attacks on the verifier's time: inputs within the configured limits whose cost would grow
//! faster than their size. Each test simply completes (no timing assertion); its comment says
//! what the input used to cost.
#![allow(clippy::disallowed_methods)] // tests may read JSON with serde_json (clippy.toml)

use claw_adversarial::*;
use claw_core::evidence::verify_bundle;
use serde_json::{json, Value};

fn parse(text: &str) -> Value {
    serde_json::from_str(text).expect("json")
}

#[test]
fn baseline_honest_bundle_verifies() {
    let b = honest_bundle(&issuer(), 40, &["read_file"]);
    let v = verify_bundle(b.to_json().expect("json").as_bytes(), &verify_config());
    assert_eq!(v.reason_code, "OK");
}

/// A bundle whose `signer_did` (= `agent_did`) is a 1 MiB `did:key`: base58 decoding is
/// quadratic in the length, so this kept the verifier busy for about 6 minutes (measured in
/// release: 64 KiB, 1.4 s; 16 times longer is 256 times slower). DIDs longer than any
/// Ed25519 did:key are refused undecoded, with the code the old decoder gave.
#[test]
fn megabyte_did_key_as_the_bundle_signer() {
    let huge = format!("did:key:z{}", "2".repeat(1 << 20));
    let mut b = parse(
        &honest_bundle(&issuer(), 41, &["read_file"])
            .to_json()
            .expect("json"),
    );
    b["payload"]["agent_did"] = json!(huge);
    let mut env = parse(&resign_bundle(&b["payload"], &attacker()));
    env["signer_did"] = json!(huge);
    let v = verify_bundle(env.to_string().as_bytes(), &verify_config());
    assert_eq!(v.reason_code, "INVALID_DID_FORMAT");
    assert_eq!(v.field.as_deref(), Some("signer_did"));
}

/// The same DID as a gateway receipt's signer (not allowlisted): every receipt signer and
/// co-signer DID was decoded up front, before the allowlist check.
#[test]
fn megabyte_did_key_as_a_gateway_receipt_signer() {
    let huge = format!("did:key:z{}", "2".repeat(1 << 20));
    let mut b = parse(
        &honest_bundle(&issuer(), 42, &["read_file"])
            .to_json()
            .expect("json"),
    );
    b["payload"]["receipts"][0]["signer_did"] = json!(huge);
    let v = verify_bundle(
        resign_bundle(&b["payload"], &issuer()).as_bytes(),
        &verify_config(),
    );
    assert_eq!(v.reason_code, "RECEIPT_VERIFICATION_FAILED");
    assert!(v.reason.contains("CLAIM_NOT_FOUND"), "{}", v.reason);
}

/// An OpenClaw config with 400,000 `tools.deny` entries (3 MB, inside the 4 MiB limit): the
/// effective-policy computation deduplicated entries and matched every listed name against
/// every pattern of every layer, quadratic in the list (about 10^11 string comparisons).
/// Lists are now bounded at `MAX_LIST_ENTRIES` and refused above it.
#[test]
fn openclaw_config_with_an_enormous_tool_list() {
    use claw_core::openclaw::{config::MAX_LIST_ENTRIES, OpenClawConfig};
    let entries: Vec<String> = (0..400_000).map(|i| format!("{i:x}")).collect();
    let cfg = json!({ "tools": { "deny": entries } }).to_string();
    let err = OpenClawConfig::parse(cfg.as_bytes()).expect_err("refused");
    assert_eq!(err.reason_code(), "OPENCLAW_CONFIG_INVALID");
    assert!(err.to_string().contains("tools.deny"), "{err}");
    let at_limit: Vec<String> = (0..MAX_LIST_ENTRIES).map(|i| format!("t{i}")).collect();
    let cfg = json!({ "tools": { "deny": at_limit } }).to_string();
    assert!(OpenClawConfig::parse(cfg.as_bytes()).is_ok());
}

/// The worst case inside the bound: full allow and deny lists of distinct globs and plugin
/// names on the global and the agent layer, so every probe name is matched against every
/// pattern. It completes (about 10^7 matches); unbounded, the same shape was quadratic.
#[test]
fn openclaw_effective_policy_at_the_list_bound() {
    use claw_core::openclaw::{config::MAX_LIST_ENTRIES, effective_agents, OpenClawConfig};
    let globs: Vec<String> = (0..MAX_LIST_ENTRIES).map(|i| format!("p{i}_*")).collect();
    let names: Vec<String> = (0..MAX_LIST_ENTRIES).map(|i| format!("q{i}")).collect();
    let cfg = json!({
        "tools": { "allow": globs, "deny": names },
        "agents": { "list": [ { "id": "main", "tools": { "allow": names, "deny": globs } } ] }
    })
    .to_string();
    let config = OpenClawConfig::parse(cfg.as_bytes()).expect("config");
    let agents = effective_agents(&config);
    assert_eq!(agents.len(), 1);
}

/// An honest bundle's payload padded with `extra` (a JSON value written after the
/// `metadata` key's opening) so the hostile part sits inside a real signed-looking bundle.
fn bundle_with(extra: &str) -> String {
    let text = honest_bundle(&issuer(), 42, &["read_file"])
        .to_json()
        .expect("json");
    text.replacen(r#""payload":{"#, &format!(r#""payload":{{"x":{extra},"#), 1)
}

/// 8 MiB of arrays nested 16 deep (`[[[[…]]]]`) inside a bundle: parsing it took 1.2 GB of
/// memory (150 times its size) before any signature was checked, and 64 MiB aborted the
/// process. The strict parser now charges every value's memory as it builds it and refuses
/// past 16 bytes per input byte (+ 8 MiB), with the parser's code inside `INVALID_JSON`.
#[test]
fn bundle_of_arrays_nested_16_deep() {
    let unit = format!("{}{}", "[".repeat(15), "]".repeat(15));
    let hostile = format!("[{}]", vec![unit.as_str(); (8 << 20) / 31].join(","));
    let text = bundle_with(&hostile);
    let v = verify_bundle(text.as_bytes(), &verify_config());
    assert_eq!(v.reason_code, "INVALID_JSON");
    assert!(v.reason.contains("bytes of memory"), "{}", v.reason);
    let e = claw_core::json::parse(
        text.as_bytes(),
        &claw_core::json::Limits::STRICT.with_max_bytes(1 << 30),
    )
    .unwrap_err();
    assert_eq!(e.reason_code(), "JSON_TOO_COMPLEX");
}

/// The other cheap-text, costly-memory shapes: empty arrays and objects, one-digit numbers,
/// one-letter strings, one-member objects (20–60 times their size to hold).
#[test]
fn bundle_of_many_tiny_values() {
    for (name, unit) in [
        ("empty arrays", "[]"),
        ("empty objects", "{}"),
        ("digits", "0"),
        ("letters", "\"a\""),
        ("tiny objects", "{\"k\":0}"),
    ] {
        let n = (8 << 20) / (unit.len() + 1);
        let hostile = format!("[{}]", vec![unit; n].join(","));
        let v = verify_bundle(bundle_with(&hostile).as_bytes(), &verify_config());
        assert_eq!(v.reason_code, "INVALID_JSON", "{name}");
        assert!(v.reason.contains("bytes of memory"), "{name}: {}", v.reason);
    }
}

/// The same budget guards the OpenClaw config reader (JSON5).
#[test]
fn openclaw_config_of_many_tiny_values() {
    let n = (3 << 20) / 3;
    let hostile = format!("{{\"x\":[{}]}}", vec!["[]"; n].join(","));
    let e = claw_core::openclaw::OpenClawConfig::parse(hostile.as_bytes()).unwrap_err();
    assert_eq!(
        claw_core::Error::from(e).reason_code(),
        "OPENCLAW_CONFIG_TOO_COMPLEX"
    );
}
