//! The authoring form: compilation, determinism, enforcement and errors.

use crate::util::*;
use claw_core::wpc::{compile_authoring, CompiledPolicy, Policy, ReasonCode, Request, Verdict};
use serde_json::{json, Value};

const NOW: i64 = monday_at(10);

/// The glossary's example, made concrete (issuer, tool classes, run time limit added;
/// `policy_hash` removed: it is computed).
fn glossary() -> Value {
    json!({
        "policy_name": "invoice-triage-prod",
        "issuer_did": "did:web:example.com",
        "tool_classes": {
            "read_only_repo": ["git_log", "git_show", "read_file"],
            "shell_exec": ["bash", "sh", "exec"],
            "write_filesystem": ["write_file", "apply_patch"],
            "browser_remote_control": ["browser_*"]
        },
        "allowed_tools": ["read_only_repo", "ticket_comment", "model_call_via_clawproxy"],
        "denied_tools": ["shell_exec", "write_filesystem", "browser_remote_control"],
        "data_classes_allowed": ["internal", "confidential"],
        "data_classes_denied": ["regulated_pii"],
        "approvals": [{ "action": "send_external_email", "required": true }],
        "token_requirements": { "require_cst": true, "pin_cst_to_policy_hash": true, "max_ttl_minutes": 30 },
        "evidence_requirements": { "require_gateway_receipts": true, "require_proof_bundle": true },
        "run_time_limit_minutes": 120,
        "allowed_models": ["claude-*"]
    })
}

fn compile(v: &Value) -> Policy {
    compile_authoring(&v.to_string()).unwrap_or_else(|e| panic!("{e}"))
}

#[test]
fn glossary_example_compiles_to_a_schema_valid_v2() {
    let p = compile(&glossary());
    let v2 = p.as_v2().expect("v2");
    assert_eq!(p.policy_id(), "invoice-triage-prod");
    // Statement ids derive from content and come sorted.
    let sids: Vec<&str> = v2.statements.iter().map(|s| s.sid.as_str()).collect();
    let mut sorted = sids.clone();
    sorted.sort();
    assert_eq!(sids, sorted);
    // deny-tools, deny-data-class, 2 x allow-tools, 2 x allow-with-approval, allow-models.
    assert_eq!(sids.len(), 7, "{sids:?}");
    for s in &sids {
        let (kind, digest) = s.split_once('.').unwrap();
        assert!(
            [
                "deny-tools",
                "deny-data-class",
                "allow-tools",
                "allow-with-approval",
                "allow-models"
            ]
            .contains(&kind),
            "{s}"
        );
        assert_eq!(digest.len(), 12);
    }
    // The payload parses on its own (as any verifier would read it) to the same hash.
    let again = Policy::parse(&p.canonical_bytes()).unwrap();
    assert_eq!(again.hash_b64u(), p.hash_b64u());
    let meta = p.claw_metadata().unwrap();
    assert_eq!(meta.policy_name.as_deref(), Some("invoice-triage-prod"));
    assert_eq!(
        meta.approvals.as_deref(),
        Some(&["send_external_email".to_string()][..])
    );
    let r = p.requirements();
    assert!(
        r.require_cst()
            && r.pin_cst_to_policy_hash()
            && r.require_gateway_receipts()
            && r.require_proof_bundle()
    );
    assert_eq!(r.max_ttl_seconds(), Some(1800));
    assert_eq!(r.run_time_limit_seconds(), Some(7200));
}

#[test]
fn compilation_is_deterministic() {
    let a = compile(&glossary());
    let b = compile(&glossary());
    assert_eq!(a.canonical_bytes(), b.canonical_bytes());
    assert_eq!(a.hash_b64u(), b.hash_b64u());
    // Reordered lists, duplicates, reordered keys and whitespace give the same policy.
    let mut g = glossary();
    g["allowed_tools"] = json!([
        "model_call_via_clawproxy",
        "ticket_comment",
        "read_only_repo",
        "ticket_comment"
    ]);
    g["data_classes_allowed"] = json!(["confidential", "internal"]);
    g["tool_classes"]["read_only_repo"] = json!(["read_file", "git_show", "git_log"]);
    let pretty = serde_json::to_string_pretty(&g).unwrap();
    let c = compile_authoring(&pretty).unwrap();
    assert_eq!(c.hash_b64u(), a.hash_b64u());
    // A change of content changes the ids of the statements it touches, and the hash.
    let mut g = glossary();
    g["allowed_tools"] = json!(["read_only_repo", "ticket_comment"]);
    let d = compile(&g);
    assert_ne!(d.hash_b64u(), a.hash_b64u());
    let sids = |p: &Policy| {
        p.as_v2()
            .unwrap()
            .statements
            .iter()
            .map(|s| s.sid.clone())
            .collect::<Vec<_>>()
    };
    let (sa, sd) = (sids(&a), sids(&d));
    assert_eq!(
        sa.iter().filter(|s| sd.contains(s)).count(),
        5,
        "only the two allow-tools statements change"
    );
}

#[test]
#[rustfmt::skip]
fn compiled_policy_enforces_the_glossary() {
    let p = compile(&glossary());
    let c = CompiledPolicy::compile(&p).unwrap();
    let started = NOW - 600;
    type Row<'a> = (&'a str, &'a str, &'a [(&'a str, &'a str)], Verdict, ReasonCode);
    let rows: &[Row] = &[
        ("tool:execute", "git_log", &[("Data:Class", "internal")], Verdict::Allow, ReasonCode::PolicyAllow),
        ("tool:execute", "ticket_comment", &[("Data:Class", "confidential")], Verdict::Allow, ReasonCode::PolicyAllow),
        ("tool:execute", "bash", &[("Data:Class", "internal")], Verdict::Deny, ReasonCode::PolicyViolation),
        ("tool:execute", "browser_open", &[("Data:Class", "internal")], Verdict::Deny, ReasonCode::PolicyViolation),
        ("tool:execute", "apply_patch", &[("Data:Class", "internal")], Verdict::Deny, ReasonCode::PolicyViolation),
        ("tool:execute", "unknown_tool", &[("Data:Class", "internal")], Verdict::Deny, ReasonCode::DefaultDeny),
        ("tool:execute", "send_external_email", &[("Data:Class", "internal")], Verdict::ApprovalRequired, ReasonCode::ApprovalRequired),
        ("tool:execute", "send_external_email", &[("Data:Class", "internal"), ("Request:HasHumanApproval", "true")], Verdict::Allow, ReasonCode::PolicyAllow),
        ("tool:execute", "git_log", &[("Data:Class", "regulated_pii")], Verdict::Deny, ReasonCode::DataClassDenied),
        ("tool:execute", "git_log", &[("Data:Class", "public")], Verdict::Deny, ReasonCode::DataClassNotAllowed),
        ("tool:execute", "git_log", &[], Verdict::Deny, ReasonCode::DataClassMissing),
        ("model:invoke", "claude-sonnet-4", &[], Verdict::Allow, ReasonCode::PolicyAllow),
        ("model:invoke", "gpt-4o", &[], Verdict::Deny, ReasonCode::DefaultDeny),
    ];
    for (action, resource, ctx, verdict, reason) in rows {
        let ctx: &[(&str, &str)] = ctx;
        let d = c.decide(&Request::new(action, resource, &ctx, NOW).with_run_started_at(started));
        assert_eq!((d.verdict, d.reason), (*verdict, *reason), "{action} {resource} {ctx:?}");
    }
    // The run time limit applies to everything.
    let ctx = [("Data:Class", "internal")];
    let d = c.decide(&Request::tool_call("git_log", &ctx, NOW).with_run_started_at(NOW - 7200));
    assert_eq!(d.reason, ReasonCode::RunTimeLimitExceeded);
}

#[test]
fn statements_alone_enforce_data_classes() {
    // A reference evaluator sees only statements: without the claw.dev/v1 metadata, the
    // compiled statements still deny the denied class and allow only listed classes.
    let p = compile(&glossary());
    let mut payload = p.payload().clone();
    payload["metadata"] = json!({});
    let bare = CompiledPolicy::compile(&Policy::from_value(payload).unwrap()).unwrap();
    let go = |class: Option<&str>, tool: &str| {
        let ctx: Vec<(&str, &str)> = class.map(|c| vec![("Data:Class", c)]).unwrap_or_default();
        let ctx: &[(&str, &str)] = &ctx;
        let d = bare.decide(&Request::tool_call(tool, &ctx, NOW));
        (d.verdict, d.reason)
    };
    assert_eq!(
        go(Some("internal"), "git_log"),
        (Verdict::Allow, ReasonCode::PolicyAllow)
    );
    assert_eq!(
        go(Some("regulated_pii"), "git_log"),
        (Verdict::Deny, ReasonCode::PolicyViolation)
    );
    assert_eq!(
        go(Some("public"), "git_log"),
        (Verdict::Deny, ReasonCode::DefaultDeny)
    );
    assert_eq!(
        go(None, "git_log"),
        (Verdict::Deny, ReasonCode::DenyUnresolvedContext)
    );
}

#[test]
fn minimal_and_deny_all() {
    let p = compile(&json!({"policy_name": "nothing", "issuer_did": "did:web:x"}));
    let s = &p.as_v2().unwrap().statements;
    assert_eq!(s.len(), 1);
    assert!(s[0].sid.starts_with("deny-all."));
    let c = CompiledPolicy::compile(&p).unwrap();
    let d = c.decide(&Request::tool_call("x", &claw_core::wpc::NoContext, NOW));
    assert_eq!(d.reason, ReasonCode::PolicyViolation);
    assert!(!p.requirements().require_cst());
    assert!(p.requirements().declared());
    let mut g = json!({"policy_name": "child", "issuer_did": "did:web:x", "inherits": "org-base", "allowed_tools": ["a"]});
    let p = compile(&g);
    assert_eq!(p.inherits(), Some("org-base"));
    g["egress_allowlist"] = json!(["*.example.com"]);
    let c = CompiledPolicy::compile_with_resolver(&compile(&g), |_| None).unwrap();
    assert_eq!(
        c.decide(&Request::egress(
            "a.example.com",
            &claw_core::wpc::NoContext,
            NOW
        ))
        .reason,
        ReasonCode::ParentMissing
    );
}

#[test]
#[rustfmt::skip]
fn authoring_errors() {
    type Case = (&'static str, fn(&mut Value), &'static str);
    let cases: &[Case] = &[
        ("unknown field", |g| g["allowed_tool"] = json!([]), "$.allowed_tool"),
        ("policy_hash is computed", |g| g["policy_hash"] = json!("b64u:..."), "$.policy_hash"),
        ("missing name", |g| { g.as_object_mut().unwrap().remove("policy_name"); }, "$"),
        ("bad did", |g| g["issuer_did"] = json!("example.com"), "$.issuer_did"),
        ("empty tool", |g| g["allowed_tools"] = json!([""]), "$.allowed_tools[0]"),
        ("control char", |g| g["denied_tools"] = json!(["a\u{7}"]), "$.denied_tools[0]"),
        ("tool both allowed and denied", |g| g["denied_tools"] = json!(["ticket_comment"]), "$.allowed_tools"),
        ("approval not required", |g| g["approvals"] = json!([{"action": "x", "required": false}]), "$.approvals[0].required"),
        ("approval unknown field", |g| g["approvals"] = json!([{"action": "x", "timeout": 5}]), "$.approvals[0].timeout"),
        ("approval wildcard", |g| g["approvals"] = json!([{"action": "send_*"}]), "$.approvals[0].action"),
        ("approval bypassed by an allowed glob", |g| g["allowed_tools"] = json!(["send_*"]), "$.approvals"),
        ("approval on a denied tool", |g| g["approvals"] = json!([{"action": "browser_open"}]), "$.approvals"),
        ("data class both", |g| g["data_classes_denied"] = json!(["internal"]), "$.data_classes_allowed"),
        ("ttl zero", |g| g["token_requirements"]["max_ttl_minutes"] = json!(0), "$.token_requirements.max_ttl_minutes"),
        ("ttl too long", |g| g["token_requirements"]["max_ttl_minutes"] = json!(10081), "$.token_requirements.max_ttl_minutes"),
        ("token flag missing", |g| { g["token_requirements"].as_object_mut().unwrap().remove("require_cst"); }, "$.token_requirements"),
        ("run limit negative", |g| g["run_time_limit_minutes"] = json!(-1), "$.run_time_limit_minutes"),
        ("empty tool class", |g| g["tool_classes"]["empty"] = json!([]), "$.tool_classes.empty"),
        ("too many statements", |g| g["data_classes_allowed"] = json!((0..40).map(|i| format!("c{i}")).collect::<Vec<_>>()), "$"),
        ("too many tools", |g| g["allowed_tools"] = json!((0..300).map(|i| format!("t{i}")).collect::<Vec<_>>()), "$.allowed_tools"),
        ("null list", |g| g["allowed_tools"] = Value::Null, "$.allowed_tools"),
    ];
    for (name, mutate, path) in cases {
        let mut g = glossary();
        mutate(&mut g);
        let e = compile_authoring(&g.to_string()).err().unwrap_or_else(|| panic!("{name}: expected an error"));
        assert_eq!(e.reason_code(), "POLICY_AUTHORING_INVALID", "{name}: {e}");
        assert_eq!(e.path(), Some(*path), "{name}: {e}");
    }
    assert_eq!(compile_authoring("{").unwrap_err().reason_code(), "INVALID_JSON");
}
