//! Every vector of the reference conformance manifest whose kind claw implements
//! (`proof_bundle`, `export_bundle`) must get the expected verdict and reason code; the
//! vectors of other kinds are listed by name.

mod common;

use claw_core::evidence::{
    parse_clawverify_config, verify_bundle, verify_export_bundle, ApprovalType, ApproverMethod,
    EffectClass, ResponseStatus, ToolStatus, VerifyConfig,
};
use claw_core::{json, time};
use serde_json::Value;
use std::path::PathBuf;

fn clawsig() -> PathBuf {
    common::shared_dir().join("clawsig")
}

fn fixture(manifest_path: &str) -> PathBuf {
    let rel = manifest_path
        .strip_prefix("packages/schema/fixtures/")
        .unwrap_or_else(|| panic!("unexpected manifest path {manifest_path}"));
    clawsig().join("fixtures").join(rel)
}

pub fn conformance_config() -> VerifyConfig {
    let cfg_bytes = std::fs::read(
        clawsig().join("fixtures/protocol-conformance/clawverify.config.conformance.v1.json"),
    )
    .unwrap();
    let mut cfg =
        VerifyConfig::new(time::parse_rfc3339_millis("2026-04-04T00:00:00.000Z").unwrap());
    cfg.allowlists = parse_clawverify_config(&cfg_bytes).unwrap();
    cfg
}

/// Kinds claw does not implement, and exactly which vectors that leaves out.
const OUT_OF_SCOPE: [&str; 14] = [
    "aggregate_bundle.cpl_v2_rate_limit.fail.exceeded",
    "aggregate_bundle.cpl_v2_rate_limit.fail.inconsistent",
    "aggregate_bundle.fail.duplicate_run_id",
    "aggregate_bundle.fail.fleet_summary_members",
    "aggregate_bundle.fail.member_invalid",
    "aggregate_bundle.fail.self_dealing_identity",
    "aggregate_bundle.fail.signer_mismatch",
    "aggregate_bundle.fail.unsorted_array",
    "aggregate_bundle.pass.golden",
    "commit_sig.fail.bad_did_format",
    "commit_sig.fail.invalid_message",
    "commit_sig.fail.tampered_message",
    "commit_sig.fail.unknown_version",
    "commit_sig.pass",
];

#[test]
fn reference_conformance_manifest() {
    let manifest: Value = json::parse(
        &std::fs::read(clawsig().join("fixtures/protocol-conformance/manifest.v1.json")).unwrap(),
        &json::Limits::STRICT,
    )
    .unwrap();
    let cfg = conformance_config();
    let mut skipped = Vec::new();
    let mut failures = Vec::new();
    let mut ran = 0;
    for v in manifest["vectors"].as_array().unwrap() {
        let name = v["name"].as_str().unwrap();
        let kind = v["kind"].as_str().unwrap();
        let bytes = match kind {
            "proof_bundle" | "export_bundle" => {
                std::fs::read(fixture(v["path"].as_str().unwrap())).unwrap()
            }
            _ => {
                skipped.push(name.to_string());
                continue;
            }
        };
        // Both verdicts as (valid, code, reason, registry JSON).
        let (valid, code, reason, j) = if kind == "export_bundle" {
            let x = verify_export_bundle(&bytes, &cfg);
            let j = x.to_json();
            assert_eq!(j["kind"], "export_bundle");
            (x.valid, x.reason_code, x.reason, j)
        } else {
            let x = verify_bundle(&bytes, &cfg);
            let j = x.to_json();
            (x.valid, x.reason_code, x.reason, j)
        };
        let expected_valid = v["expected"]["valid"].as_bool().unwrap();
        let expected: Vec<&str> = match &v["expected"]["reason_code"] {
            Value::String(s) => vec![s.as_str()],
            Value::Array(a) => a.iter().map(|x| x.as_str().unwrap()).collect(),
            other => panic!("{name}: reason_code {other}"),
        };
        ran += 1;
        let ok = valid == expected_valid && expected.contains(&code);
        println!(
            "{:<60} expected {:<5} {:?} got {} {} ({})",
            name,
            expected_valid,
            expected,
            if valid { "PASS" } else { "FAIL" },
            code,
            reason
        );
        // The registry verification shape.
        assert_eq!(j["status"], if valid { "PASS" } else { "FAIL" });
        assert_eq!(j["reason_code"], code);
        if !ok {
            failures.push(format!("{name}: got {code} {reason}"));
        }
    }
    skipped.sort();
    println!("out of scope ({}): {skipped:?}", skipped.len());
    assert_eq!(skipped, OUT_OF_SCOPE, "the set of skipped vectors changed");
    assert_eq!(ran, 26);
    assert!(failures.is_empty(), "mismatches:\n{}", failures.join("\n"));
}

/// The spellings claw writes and reads for receipt fields are the reference schemas' `enum`s,
/// in the same order.
#[test]
fn receipt_enum_spellings_are_the_reference_schemas() {
    for (schema, property, names) in [
        ("tool_receipt.v1.json", "result_status", ToolStatus::NAMES),
        (
            "side_effect_receipt.v1.json",
            "effect_class",
            EffectClass::NAMES,
        ),
        (
            "side_effect_receipt.v1.json",
            "response_status",
            ResponseStatus::NAMES,
        ),
        (
            "human_approval_receipt.v1.json",
            "approval_type",
            ApprovalType::NAMES,
        ),
        (
            "human_approval_receipt.v1.json",
            "approver_method",
            ApproverMethod::NAMES,
        ),
    ] {
        let v = common::shared_json(&format!("clawsig/poh/{schema}"));
        let reference: Vec<&str> = v["properties"][property]["enum"]
            .as_array()
            .unwrap_or_else(|| panic!("{schema}: no enum for {property}"))
            .iter()
            .map(|x| x.as_str().unwrap())
            .collect();
        assert_eq!(reference, names, "{schema} {property}");
    }
}
