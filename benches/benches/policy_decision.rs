//! One policy decision on a 64-statement policy: claw's compiled index, beside Cedar deciding
//! the same policy written in Cedar, beside a linear scan of the statements.
mod common;

use claw_core::wpc::{CompiledPolicy, Policy, Request};
use criterion::{black_box, criterion_group, criterion_main, Criterion};
use serde_json::Value;

const CASES: [(&str, &str); 4] = [
    ("allow", "tool_17"),
    ("deny", "danger_05"),
    ("approval", "approve_03"),
    ("default_deny", "unknown_tool"),
];

/// The obvious implementation users would write first: walk every statement, glob-free exact
/// matching (cheaper than real globbing), deny wins.
struct LinearScan {
    statements: Vec<(bool, Vec<String>, Vec<String>, bool)>, // (allow, actions, resources, needs_approval)
}

impl LinearScan {
    fn new(policy: &Value) -> LinearScan {
        let statements = policy["statements"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| {
                let strs = |k: &str| {
                    s[k].as_array()
                        .unwrap()
                        .iter()
                        .map(|v| v.as_str().unwrap().to_string())
                        .collect()
                };
                (
                    s["effect"] == "Allow",
                    strs("actions"),
                    strs("resources"),
                    s.get("conditions").is_some(),
                )
            })
            .collect();
        LinearScan { statements }
    }

    fn decide(&self, action: &str, resource: &str, approved: bool) -> &'static str {
        let mut allowed = false;
        for (allow, actions, resources, needs_approval) in &self.statements {
            if actions.iter().any(|a| a == action) && resources.iter().any(|r| r == resource) {
                if !allow {
                    return "deny";
                }
                if !needs_approval || approved {
                    allowed = true;
                }
            }
        }
        if allowed {
            "allow"
        } else {
            "deny"
        }
    }
}

fn bench(c: &mut Criterion) {
    let payload = common::policy_64();
    let policy = Policy::from_value(payload.clone()).unwrap();
    let compiled = CompiledPolicy::compile(&policy).unwrap();
    let scan = LinearScan::new(&payload);
    let ctx: [(&str, &str); 0] = [];

    let cedar_policies: cedar_policy::PolicySet = common::cedar_64().parse().unwrap();
    let authorizer = cedar_policy::Authorizer::new();
    let entities = cedar_policy::Entities::empty();

    let mut g = c.benchmark_group("decision_64_statements");
    for (name, tool) in CASES {
        g.bench_function(format!("claw/{name}"), |b| {
            b.iter(|| {
                let req = Request::tool_call(black_box(tool), &ctx, 1_800_000_000);
                black_box(compiled.decide(&req).verdict)
            })
        });
        g.bench_function(format!("linear_scan/{name}"), |b| {
            b.iter(|| black_box(scan.decide("tool:execute", black_box(tool), false)))
        });
        // Cedar: building the request is part of every decision a runtime makes.
        g.bench_function(format!("cedar/{name}"), |b| {
            b.iter(|| {
                let principal: cedar_policy::EntityUid = r#"Agent::"a""#.parse().unwrap();
                let action: cedar_policy::EntityUid = r#"Action::"tool:execute""#.parse().unwrap();
                let resource: cedar_policy::EntityUid =
                    format!(r#"Tool::"{}""#, black_box(tool)).parse().unwrap();
                let context = cedar_policy::Context::from_pairs([(
                    "has_human_approval".to_string(),
                    cedar_policy::RestrictedExpression::new_bool(false),
                )])
                .unwrap();
                let req =
                    cedar_policy::Request::new(principal, action, resource, context, None).unwrap();
                black_box(
                    authorizer
                        .is_authorized(&req, &cedar_policies, &entities)
                        .decision(),
                )
            })
        });
    }
    // Cedar with the request pre-built (the most favourable comparison for Cedar).
    let principal: cedar_policy::EntityUid = r#"Agent::"a""#.parse().unwrap();
    let action: cedar_policy::EntityUid = r#"Action::"tool:execute""#.parse().unwrap();
    let resource: cedar_policy::EntityUid = r#"Tool::"tool_17""#.parse().unwrap();
    let context = cedar_policy::Context::from_pairs([(
        "has_human_approval".to_string(),
        cedar_policy::RestrictedExpression::new_bool(false),
    )])
    .unwrap();
    let prebuilt = cedar_policy::Request::new(principal, action, resource, context, None).unwrap();
    g.bench_function("cedar_prebuilt_request/allow", |b| {
        b.iter(|| {
            black_box(
                authorizer
                    .is_authorized(black_box(&prebuilt), &cedar_policies, &entities)
                    .decision(),
            )
        })
    });
    g.finish();

    // Sanity: all three agree on the verdicts (a benchmark of wrong answers is worthless).
    for (name, tool) in CASES {
        let req = Request::tool_call(tool, &ctx, 1_800_000_000);
        let claw = compiled.decide(&req).verdict.as_str();
        let scan = scan.decide("tool:execute", tool, false);
        let want = if name == "allow" {
            "allow"
        } else if name == "approval" {
            "approval_required"
        } else {
            "deny"
        };
        assert_eq!(claw, want, "{name}");
        assert_eq!(
            scan,
            if name == "allow" { "allow" } else { "deny" },
            "{name}"
        );
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
