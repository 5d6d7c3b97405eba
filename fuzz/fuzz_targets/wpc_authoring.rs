//! Arbitrary bytes as an authoring document (`compile_authoring`): whatever compiles must be
//! a valid WPC v2 that reads back to the same hash, and its decisions must honour the
//! document: a literal tool in `denied_tools` is never allowed, a literal tool in
//! `allowed_tools` that is neither denied nor an approval tool is allowed (when no data
//! class, run time limit or parent stands in the way), and an approval tool is never
//! allowed without the approval.
#![no_main]
use claw_core::wpc::{compile_authoring, CompiledPolicy, Policy, Request, Verdict};
use libfuzzer_sys::fuzz_target;
use serde_json::Value;

const NOW: i64 = 1_800_000_000;

fn strings(v: Option<&Value>) -> Vec<String> {
    v.and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|x| x.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

fn literal(s: &str) -> bool {
    !s.contains(['*', '?'])
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(policy) = compile_authoring(text) else {
        return;
    };
    let reread = Policy::parse(&policy.canonical_bytes()).expect("compiled policy re-reads");
    assert_eq!(reread.hash_b64u(), policy.hash_b64u());
    let compiled = CompiledPolicy::compile(&policy).expect("compiled policy compiles");

    // The document compiled, so it is strict JSON; read the lists back to build requests.
    let doc: Value = serde_json::from_str(text).expect("compiled document is JSON");
    let classes = doc.get("tool_classes").and_then(Value::as_object);
    let expand = |names: Vec<String>| -> Vec<String> {
        let mut out = Vec::new();
        for n in names {
            match classes.and_then(|c| c.get(&n)) {
                Some(members) => out.extend(strings(Some(members))),
                None => out.push(n),
            }
        }
        out
    };
    let denied = expand(strings(doc.get("denied_tools")));
    let allowed = expand(strings(doc.get("allowed_tools")));
    let approvals: Vec<String> = expand(
        doc.get("approvals")
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(|x| x.get("action").and_then(Value::as_str).map(str::to_string))
                    .collect()
            })
            .unwrap_or_default(),
    );
    let plain = doc.get("inherits").is_none()
        && doc.get("run_time_limit_minutes").is_none()
        && strings(doc.get("data_classes_allowed")).is_empty()
        && strings(doc.get("data_classes_denied")).is_empty();

    let none: &[(&str, &str)] = &[];
    let approved: &[(&str, &str)] = &[("Request:HasHumanApproval", "true")];
    for tool in denied.iter().filter(|t| literal(t)).take(32) {
        for ctx in [none, approved] {
            let d = compiled.decide(&Request::tool_call(tool, &ctx, NOW));
            assert_eq!(
                d.verdict,
                Verdict::Deny,
                "denied tool {tool:?} not denied: {d:?}"
            );
        }
    }
    for tool in approvals.iter().take(32) {
        let d = compiled.decide(&Request::tool_call(tool, &none, NOW));
        assert_ne!(
            d.verdict,
            Verdict::Allow,
            "approval tool {tool:?} allowed without approval"
        );
    }
    if plain {
        for tool in allowed.iter().filter(|t| literal(t)).take(32) {
            if denied.iter().any(|d| d == tool) || approvals.iter().any(|a| a == tool) {
                continue;
            }
            // A deny pattern may still cover it (e.g. denied "shell_*", allowed "shell_exec"):
            // then it must be denied, which the first loop checks for literal denials only.
            let d = compiled.decide(&Request::tool_call(tool, &none, NOW));
            if d.verdict != Verdict::Allow {
                assert!(
                    denied.iter().any(|p| !literal(p)),
                    "allowed tool {tool:?} not allowed and no deny pattern explains it: {d:?}"
                );
            }
        }
    }
});
