//! Arbitrary bytes as a Work Policy Contract: parse, hash, compile (alone, with itself as a
//! would-be parent, behind overrides) and decide requests built from the policy's own
//! strings. Besides "never panics", it checks what must hold for every policy:
//!
//! * the canonical bytes read back to the same hash (the hash is a fixed point);
//! * deciding is deterministic;
//! * a request that an unconditional Deny statement matches literally is never allowed;
//! * what offline replay calls a violation is never allowed online, whatever the context;
//! * a tool denied by an override is never allowed.
//!
//! The same bytes are also tried as an overrides document and as a signed policy envelope.
#![no_main]
use claw_core::envelope::Signers;
use claw_core::wpc::{
    verify_policy_envelope, CompiledPolicy, Effect, Overrides, Policy, PolicyBody, PolicyRuntime,
    ReplayVerdict, Request, Verdict,
};
use libfuzzer_sys::fuzz_target;
use std::sync::Arc;

const NOW: i64 = 1_800_000_000;

/// Contexts every request is decided under: none, approved, a data class, odd values.
const CONTEXTS: [&[(&str, &str)]; 4] = [
    &[],
    &[
        ("Request:HasHumanApproval", "true"),
        ("Data:Class", "internal"),
    ],
    &[
        ("Data:Class", "regulated_pii"),
        ("Model:Provider", "openai"),
    ],
    &[
        ("Request:HasHumanApproval", "false"),
        ("Tool:Name", "spoofed"),
        ("Source:Ip", "10.0.0.1"),
        ("Count", "1e3"),
    ],
];

fn literal(s: &str) -> bool {
    !s.contains(['*', '?'])
}

fuzz_target!(|data: &[u8]| {
    let _ = Overrides::parse(data);
    let _ = verify_policy_envelope(data, Signers::Any, None, Some(NOW));
    let Ok(policy) = Policy::parse(data) else {
        return;
    };

    let again = Policy::parse(&policy.canonical_bytes()).expect("canonical bytes parse");
    assert_eq!(
        again.hash_b64u(),
        policy.hash_b64u(),
        "hash is not a fixed point"
    );
    let _ = policy.requirements();

    let Ok(compiled) = CompiledPolicy::compile(&policy) else {
        return;
    };
    let compiled = Arc::new(compiled);
    // The policy offered as its own parent: refused or accepted, never a panic.
    let _ = CompiledPolicy::compile_with_resolver(&policy, |_| Some(compiled.clone()));

    // Requests: fixed ones plus every (action, resource) pair the statements name.
    let mut requests: Vec<(String, String, bool)> = vec![
        ("tool:execute".into(), "shell_exec".into(), false),
        ("tool:execute".into(), "read_file".into(), false),
        ("model:invoke".into(), "gpt-4o".into(), false),
        (
            "side_effect:network_egress".into(),
            "api.example.com".into(),
            false,
        ),
        ("tool:execute".into(), "".into(), false),
        ("tool:execute".into(), "a\nb".into(), false),
    ];
    if let PolicyBody::V2(v2) = policy.body() {
        for s in v2.statements.iter().take(16) {
            let unconditional_deny = s.effect == Effect::Deny
                && s.conditions
                    .as_ref()
                    .map_or(true, |c| c.iter().next().is_none());
            for a in s.actions.iter().take(4) {
                for r in s.resources.iter().take(4) {
                    requests.push((
                        a.clone(),
                        r.clone(),
                        unconditional_deny && literal(a) && literal(r),
                    ));
                }
            }
        }
    }

    let tool_override = "shell_exec";
    let runtime = PolicyRuntime::new(compiled.clone());
    runtime
        .set_overrides(Overrides::none().deny_tool(tool_override))
        .expect("a plain tool override is valid");

    for (action, resource, must_deny) in &requests {
        let replay = compiled.replay(action, resource);
        for ctx in CONTEXTS {
            let req = Request::new(action, resource, &ctx, NOW).with_run_started_at(NOW - 30);
            let d = compiled.decide(&req);
            assert_eq!(d, compiled.decide(&req), "decide is not deterministic");
            if *must_deny {
                assert_ne!(
                    d.verdict,
                    Verdict::Allow,
                    "unconditional Deny ignored: {action} {resource}"
                );
            }
            if matches!(replay, ReplayVerdict::Violation { .. }) {
                assert_ne!(
                    d.verdict,
                    Verdict::Allow,
                    "replay says violation, decide allows: {action} {resource}"
                );
            }
            let o = runtime.decide(&req);
            if action.starts_with("tool:") && resource == tool_override {
                assert_eq!(o.verdict, Verdict::Deny, "override ignored");
            } else if d.verdict != Verdict::Allow {
                assert_ne!(o.verdict, Verdict::Allow, "overrides widened a decision");
            }
        }
    }
});
