//! Shared fixtures for the benchmarks.
#![allow(dead_code)]

use claw_core::json;
use serde_json::Value;

/// A 64-statement v2 policy: 32 Allow (tool_00..31), 16 Deny (danger_00..15), 16 Allow that
/// need a human approval (approve_00..15), all on `tool:execute`.
pub fn policy_64() -> Value {
    let mut statements = Vec::new();
    for i in 0..32 {
        statements.push(format!(r#"{{"sid":"allow_{i:02}","effect":"Allow","actions":["tool:execute"],"resources":["tool_{i:02}"]}}"#));
    }
    for i in 0..16 {
        statements.push(format!(r#"{{"sid":"deny_{i:02}","effect":"Deny","actions":["tool:execute"],"resources":["danger_{i:02}"]}}"#));
    }
    for i in 0..16 {
        statements.push(format!(
            r#"{{"sid":"approve_{i:02}","effect":"Allow","actions":["tool:execute"],"resources":["approve_{i:02}"],"conditions":{{"StringEquals":{{"Request:HasHumanApproval":"true"}}}}}}"#
        ));
    }
    let text = format!(
        r#"{{"policy_version":"2","policy_id":"bench-64","issuer_did":"did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK","statements":[{}]}}"#,
        statements.join(",")
    );
    json::parse_str(&text).expect("bench policy parses")
}

/// The same policy in Cedar.
pub fn cedar_64() -> String {
    let mut out = String::new();
    for i in 0..32 {
        out.push_str(&format!("permit(principal, action == Action::\"tool:execute\", resource == Tool::\"tool_{i:02}\");\n"));
    }
    for i in 0..16 {
        out.push_str(&format!("forbid(principal, action == Action::\"tool:execute\", resource == Tool::\"danger_{i:02}\");\n"));
    }
    for i in 0..16 {
        out.push_str(&format!(
            "permit(principal, action == Action::\"tool:execute\", resource == Tool::\"approve_{i:02}\") when {{ context.has_human_approval == true }};\n"
        ));
    }
    out
}
