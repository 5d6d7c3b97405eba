//! The decision table: one row per rule, including every fail-closed case.

use crate::util::*;
use claw_core::wpc::{CompiledPolicy, ReasonCode, Request, Verdict};
use serde_json::json;
use std::collections::HashMap;
use std::sync::Arc;

const NOW: i64 = monday_at(10);
const SUNDAY_NOON: i64 = monday_at(-12);
const MIN: i64 = 60;

use Verdict::{Allow as A, ApprovalRequired as AR, Deny as D};

/// One row: policy, request, expected verdict, reason code, deciding statement and the policy
/// (by name) whose hash is reported.
#[derive(Clone, Copy)]
struct Row {
    policy: &'static str,
    case: &'static str,
    action: &'static str,
    resource: &'static str,
    ctx: &'static [(&'static str, &'static str)],
    now: i64,
    started: Option<i64>,
    verdict: Verdict,
    reason: &'static str,
    sid: Option<&'static str>,
    decided_by: Option<&'static str>,
}

const R: Row = Row {
    policy: "",
    case: "",
    action: "tool:execute",
    resource: "",
    ctx: &[],
    now: NOW,
    started: None,
    verdict: D,
    reason: "POLICY_DEFAULT_DENY",
    sid: None,
    decided_by: None,
};

#[rustfmt::skip]
fn policies() -> HashMap<&'static str, Arc<CompiledPolicy>> {
    let mut m = HashMap::new();
    let tools = v2("tools", json!([
        st("AllowRead", "Allow", &["tool:execute"], &["read_file", "list_dir", "mcp__github__*"]),
        st("DenyShell", "Deny", &["tool:*"], &["shell_exec", "bash*"]),
        stc("AllowTrusted", "Allow", &["tool:execute"], &["*"], json!({"StringEquals": {"Agent:DID": "did:key:trusted"}})),
        stc("AllowModel", "Allow", &["model:invoke"], &["claude-*"], json!({"StringEquals": {"Model:Provider": "anthropic"}})),
        st("AllowEgress", "Allow", &["side_effect:network_egress"], &["*.example.com"]),
        stc("AllowTickets", "Allow", &["tool:*", "model:invoke"], &["*"], json!({"StringLike": {"Tool:Name": "ticket_*"}})),
        st("AllowTs", "Allow", &["side_effect:filesystem_read"], &["src/**/*.ts"]),
    ]));
    m.insert("tools", compiled(&tools));

    let op = |sid: &str, action: &str, op: &str, key: &str, val: &str| {
        stc(sid, "Allow", &[action], &["*"], json!({ op: { key: val } }))
    };
    let conds = v2("conds", json!([
        op("Eq", "op:eq", "StringEquals", "k", "v"),
        op("Ne", "op:ne", "StringNotEquals", "k", "v"),
        op("Like", "op:like", "StringLike", "k", "a*"),
        op("NotLike", "op:notlike", "StringNotLike", "k", "a*"),
        op("LikeDeep", "op:likedeep", "StringLike", "k", "a/**"),
        op("NumEq", "op:numeq", "NumericEquals", "n", "10"),
        op("NumLt", "op:numlt", "NumericLessThan", "n", "10"),
        op("NumGt", "op:numgt", "NumericGreaterThan", "n", "10"),
        op("Bool", "op:bool", "Bool", "b", "true"),
        op("Ip4", "op:ip", "IpAddress", "Source:Ip", "10.0.0.0/8"),
        op("Ip6", "op:ip6", "IpAddress", "Source:Ip", "2001:db8::/32"),
        op("BadCidr", "op:badcidr", "IpAddress", "Source:Ip", "10.0.0.0/33"),
        op("BadNum", "op:badnum", "NumericEquals", "n", "ten"),
        op("BadBool", "op:badbool", "Bool", "b", "yes"),
        stc("Hours", "Allow", &["op:hours"], &["*"], json!({"NumericGreaterThan": {"Context:Hour": "8"}, "NumericLessThan": {"Context:Hour": "18"}})),
        stc("Weekdays", "Allow", &["op:weekdays"], &["*"], json!({"NumericGreaterThan": {"Context:DayOfWeek": "0"}, "NumericLessThan": {"Context:DayOfWeek": "6"}})),
        stc("And", "Allow", &["op:and"], &["*"], json!({"StringEquals": {"k": "v", "k2": "v2"}})),
        stc("FalseBeatsError", "Allow", &["op:falsebeatserror"], &["*"], json!({"StringEquals": {"k": "v"}, "NumericEquals": {"n": "1"}})),
        stc("AllowEmpty", "Allow", &["op:empty"], &["*"], json!({"StringEquals": {}})),
    ]));
    m.insert("conds", compiled(&conds));

    let denies = v2("denies", json!([
        st("AllowAll", "Allow", &["*"], &["*"]),
        stc("DenyBadNet", "Deny", &["*"], &["*"], json!({"IpAddress": {"Source:Ip": "192.0.2.0/24"}})),
        stc("DenyNonProd", "Deny", &["*"], &["*"], json!({"StringNotEquals": {"Env:Stage": "prod"}})),
        stc("DenyNotInternal", "Deny", &["side_effect:network_egress"], &["*"], json!({"StringNotLike": {"SideEffect:TargetDomain": "*.internal"}})),
    ]));
    m.insert("denies", compiled(&denies));

    let approval = v2("approval", json!([
        st("AllowRead", "Allow", &["tool:execute"], &["read_file"]),
        stc("EmailWithApproval", "Allow", &["tool:execute"], &["send_email"], json!({"Bool": {"Request:HasHumanApproval": "true"}})),
        st("DenyWire", "Deny", &["tool:execute"], &["wire_money"]),
        stc("WireWithApproval", "Allow", &["tool:execute"], &["wire_money"], json!({"Bool": {"Request:HasHumanApproval": "true"}})),
        stc("DeployWithApprovalAtWork", "Allow", &["tool:execute"], &["deploy"], json!({"Bool": {"Request:HasHumanApproval": "true"}, "NumericLessThan": {"Context:Hour": "18"}})),
    ]));
    m.insert("approval", compiled(&approval));

    // Strict intersection.
    let parent = v2("org-base", json!([
        st("ParentAllow", "Allow", &["tool:execute"], &["read_file", "write_file", "rm_rf", "send_email"]),
        st("ParentDenyRm", "Deny", &["tool:execute"], &["rm_rf"]),
    ]));
    let parent_c = compiled(&parent);
    let mut child = v2("team", json!([
        st("ChildAllow", "Allow", &["tool:execute"], &["read_file", "rm_rf", "deploy"]),
        stc("ChildEmail", "Allow", &["tool:execute"], &["send_email"], json!({"Bool": {"Request:HasHumanApproval": "true"}})),
    ]));
    child["inherits"] = json!("org-base");
    let child_p = policy(&child);
    m.insert("org-base", Arc::clone(&parent_c));
    m.insert("team", Arc::new(CompiledPolicy::compile_with_parent(&child_p, Some(Arc::clone(&parent_c))).unwrap()));
    m.insert("team-orphan", Arc::new(CompiledPolicy::compile(&child_p).unwrap()));
    let mut by_hash = child.clone();
    by_hash["inherits"] = json!(parent_c.hash_b64u());
    by_hash["policy_id"] = json!("team-by-hash");
    m.insert("team-by-hash", Arc::new(CompiledPolicy::compile_with_resolver(&policy(&by_hash), |h| (h == parent_c.hash_b64u()).then(|| Arc::clone(&parent_c))).unwrap()));

    // Data classes and the run time limit, from claw.dev/v1 metadata on a hand-written v2.
    let mut dc = v2("dc", json!([
        st("AllowRead", "Allow", &["tool:execute"], &["read_file"]),
        st("AllowModels", "Allow", &["model:invoke"], &["*"]),
    ]));
    dc["metadata"] = json!({"claw.dev/v1": {"data_classes": {"allowed": ["internal", "confidential"], "denied": ["regulated_pii"]}, "run_time_limit_minutes": 60}});
    m.insert("dc", compiled(&dc));
    let mut dc_deny_only = v2("dc-deny-only", json!([st("AllowRead", "Allow", &["tool:execute"], &["read_file"])]));
    dc_deny_only["metadata"] = json!({"claw.dev/v1": {"data_classes": {"denied": ["regulated_pii"]}}});
    m.insert("dc-deny-only", compiled(&dc_deny_only));

    // v1.
    m.insert("v1", compiled(&json!({
        "policy_version": "1", "policy_id": "v1", "issuer_did": DID,
        "allowed_providers": ["anthropic"], "allowed_models": ["claude-*"],
        "egress_allowlist": ["api.example.com", "*.internal"]
    })));
    m.insert("v1-min", compiled(&json!({"policy_version": "1", "policy_id": "v1-min", "issuer_did": DID})));
    m
}

#[rustfmt::skip]
fn rows() -> Vec<Row> {
    vec![
        // --- actions, resources, globs, explicit deny, default deny ---
        Row { policy: "tools", case: "literal allow", resource: "read_file", verdict: A, reason: "POLICY_ALLOW", sid: Some("AllowRead"), ..R },
        Row { policy: "tools", case: "glob resource", resource: "mcp__github__list_issues", verdict: A, reason: "POLICY_ALLOW", sid: Some("AllowRead"), ..R },
        Row { policy: "tools", case: "'*' does not cross '/'", resource: "mcp__github__x/y", ..R },
        Row { policy: "tools", case: "explicit deny", resource: "shell_exec", reason: "POLICY_VIOLATION", sid: Some("DenyShell"), ..R },
        Row { policy: "tools", case: "deny wins over a matching allow", resource: "bash", ctx: &[("Agent:DID", "did:key:trusted")], reason: "POLICY_VIOLATION", sid: Some("DenyShell"), ..R },
        Row { policy: "tools", case: "deny matches any tool:* action", action: "tool:frobnicate", resource: "bash -c", reason: "POLICY_VIOLATION", sid: Some("DenyShell"), ..R },
        Row { policy: "tools", case: "default deny", resource: "write_file", ..R },
        Row { policy: "tools", case: "conditional allow", resource: "write_file", ctx: &[("Agent:DID", "did:key:trusted")], verdict: A, reason: "POLICY_ALLOW", sid: Some("AllowTrusted"), ..R },
        Row { policy: "tools", case: "case-sensitive", resource: "Read_File", ..R },
        Row { policy: "tools", case: "unknown action", action: "teleport", resource: "read_file", ..R },
        Row { policy: "tools", case: "allow is per action", action: "tool:frobnicate", resource: "read_file", ..R },
        Row { policy: "tools", case: "model allowed", action: "model:invoke", resource: "claude-sonnet-4", ctx: &[("Model:Provider", "anthropic")], verdict: A, reason: "POLICY_ALLOW", sid: Some("AllowModel"), ..R },
        Row { policy: "tools", case: "model wrong provider", action: "model:invoke", resource: "claude-sonnet-4", ctx: &[("Model:Provider", "openai")], ..R },
        Row { policy: "tools", case: "Allow with missing key does not apply", action: "model:invoke", resource: "claude-sonnet-4", ..R },
        Row { policy: "tools", case: "egress glob", action: "side_effect:network_egress", resource: "a.b.example.com", verdict: A, reason: "POLICY_ALLOW", sid: Some("AllowEgress"), ..R },
        Row { policy: "tools", case: "egress not listed", action: "side_effect:network_egress", resource: "example.com.evil", ..R },
        Row { policy: "tools", case: "Tool:Name injected", resource: "ticket_comment", verdict: A, reason: "POLICY_ALLOW", sid: Some("AllowTickets"), ..R },
        Row { policy: "tools", case: "caller cannot spoof Tool:Name", action: "model:invoke", resource: "gpt-4o", ctx: &[("Tool:Name", "ticket_x")], ..R },
        Row { policy: "tools", case: "'**/' matches zero directories", action: "side_effect:filesystem_read", resource: "src/a.ts", verdict: A, reason: "POLICY_ALLOW", sid: Some("AllowTs"), ..R },
        Row { policy: "tools", case: "'**' crosses '/'", action: "side_effect:filesystem_read", resource: "src/x/y/a.ts", verdict: A, reason: "POLICY_ALLOW", sid: Some("AllowTs"), ..R },
        Row { policy: "tools", case: "empty resource", resource: "", reason: "POLICY_REQUEST_INVALID", ..R },
        Row { policy: "tools", case: "control character", resource: "read_file\n", reason: "POLICY_REQUEST_INVALID", ..R },
        Row { policy: "tools", case: "empty action", action: "", resource: "read_file", reason: "POLICY_REQUEST_INVALID", ..R },
        // --- every condition operator ---
        Row { policy: "conds", case: "StringEquals", action: "op:eq", resource: "r", ctx: &[("k", "v")], verdict: A, reason: "POLICY_ALLOW", sid: Some("Eq"), ..R },
        Row { policy: "conds", case: "StringEquals mismatch", action: "op:eq", resource: "r", ctx: &[("k", "V")], ..R },
        Row { policy: "conds", case: "StringEquals missing", action: "op:eq", resource: "r", ..R },
        Row { policy: "conds", case: "StringNotEquals", action: "op:ne", resource: "r", ctx: &[("k", "w")], verdict: A, reason: "POLICY_ALLOW", sid: Some("Ne"), ..R },
        Row { policy: "conds", case: "StringNotEquals equal", action: "op:ne", resource: "r", ctx: &[("k", "v")], ..R },
        Row { policy: "conds", case: "StringNotEquals missing key: Allow does not apply", action: "op:ne", resource: "r", ..R },
        Row { policy: "conds", case: "StringLike", action: "op:like", resource: "r", ctx: &[("k", "abc")], verdict: A, reason: "POLICY_ALLOW", sid: Some("Like"), ..R },
        Row { policy: "conds", case: "StringLike '*' stops at '/'", action: "op:like", resource: "r", ctx: &[("k", "a/b")], ..R },
        Row { policy: "conds", case: "StringNotLike", action: "op:notlike", resource: "r", ctx: &[("k", "xyz")], verdict: A, reason: "POLICY_ALLOW", sid: Some("NotLike"), ..R },
        Row { policy: "conds", case: "StringNotLike like", action: "op:notlike", resource: "r", ctx: &[("k", "abc")], ..R },
        Row { policy: "conds", case: "StringNotLike missing", action: "op:notlike", resource: "r", ..R },
        Row { policy: "conds", case: "'**' glob on a line terminator is an error", action: "op:likedeep", resource: "r", ctx: &[("k", "a/b\nc")], reason: "POLICY_EVALUATION_ERROR", sid: Some("LikeDeep"), ..R },
        Row { policy: "conds", case: "NumericEquals", action: "op:numeq", resource: "r", ctx: &[("n", "10.0")], verdict: A, reason: "POLICY_ALLOW", sid: Some("NumEq"), ..R },
        Row { policy: "conds", case: "NumericEquals exponent", action: "op:numeq", resource: "r", ctx: &[("n", "1e1")], verdict: A, reason: "POLICY_ALLOW", sid: Some("NumEq"), ..R },
        Row { policy: "conds", case: "NumericEquals unequal", action: "op:numeq", resource: "r", ctx: &[("n", "11")], ..R },
        Row { policy: "conds", case: "unparseable number", action: "op:numeq", resource: "r", ctx: &[("n", "10abc")], reason: "POLICY_EVALUATION_ERROR", sid: Some("NumEq"), ..R },
        Row { policy: "conds", case: "hex is not a number", action: "op:numeq", resource: "r", ctx: &[("n", "0xA")], reason: "POLICY_EVALUATION_ERROR", sid: Some("NumEq"), ..R },
        Row { policy: "conds", case: "NumericLessThan", action: "op:numlt", resource: "r", ctx: &[("n", "-3.5")], verdict: A, reason: "POLICY_ALLOW", sid: Some("NumLt"), ..R },
        Row { policy: "conds", case: "NumericLessThan equal", action: "op:numlt", resource: "r", ctx: &[("n", "10")], ..R },
        Row { policy: "conds", case: "NumericGreaterThan", action: "op:numgt", resource: "r", ctx: &[("n", "10.5")], verdict: A, reason: "POLICY_ALLOW", sid: Some("NumGt"), ..R },
        Row { policy: "conds", case: "NumericGreaterThan no", action: "op:numgt", resource: "r", ctx: &[("n", "9")], ..R },
        Row { policy: "conds", case: "Bool", action: "op:bool", resource: "r", ctx: &[("b", "true")], verdict: A, reason: "POLICY_ALLOW", sid: Some("Bool"), ..R },
        Row { policy: "conds", case: "Bool false", action: "op:bool", resource: "r", ctx: &[("b", "false")], ..R },
        Row { policy: "conds", case: "Bool is exact", action: "op:bool", resource: "r", ctx: &[("b", "TRUE")], reason: "POLICY_EVALUATION_ERROR", sid: Some("Bool"), ..R },
        Row { policy: "conds", case: "IPv4 CIDR", action: "op:ip", resource: "r", ctx: &[("Source:Ip", "10.1.2.3")], verdict: A, reason: "POLICY_ALLOW", sid: Some("Ip4"), ..R },
        Row { policy: "conds", case: "IPv4-mapped IPv6 in IPv4 CIDR", action: "op:ip", resource: "r", ctx: &[("Source:Ip", "::ffff:10.1.2.3")], verdict: A, reason: "POLICY_ALLOW", sid: Some("Ip4"), ..R },
        Row { policy: "conds", case: "IPv4 outside", action: "op:ip", resource: "r", ctx: &[("Source:Ip", "11.0.0.1")], ..R },
        Row { policy: "conds", case: "IPv6 address vs IPv4 CIDR", action: "op:ip", resource: "r", ctx: &[("Source:Ip", "2001:db8::1")], ..R },
        Row { policy: "conds", case: "malformed address", action: "op:ip", resource: "r", ctx: &[("Source:Ip", "10.1.2.300")], reason: "POLICY_EVALUATION_ERROR", sid: Some("Ip4"), ..R },
        Row { policy: "conds", case: "IPv6 CIDR", action: "op:ip6", resource: "r", ctx: &[("Source:Ip", "2001:db8:ff::1")], verdict: A, reason: "POLICY_ALLOW", sid: Some("Ip6"), ..R },
        Row { policy: "conds", case: "IPv4 vs IPv6 CIDR", action: "op:ip6", resource: "r", ctx: &[("Source:Ip", "10.0.0.1")], ..R },
        Row { policy: "conds", case: "malformed CIDR in the policy", action: "op:badcidr", resource: "r", ctx: &[("Source:Ip", "10.0.0.1")], reason: "POLICY_EVALUATION_ERROR", sid: Some("BadCidr"), ..R },
        Row { policy: "conds", case: "malformed CIDR, key missing", action: "op:badcidr", resource: "r", reason: "POLICY_EVALUATION_ERROR", sid: Some("BadCidr"), ..R },
        Row { policy: "conds", case: "malformed number in the policy", action: "op:badnum", resource: "r", ctx: &[("n", "10")], reason: "POLICY_EVALUATION_ERROR", sid: Some("BadNum"), ..R },
        Row { policy: "conds", case: "malformed Bool in the policy", action: "op:badbool", resource: "r", ctx: &[("b", "true")], reason: "POLICY_EVALUATION_ERROR", sid: Some("BadBool"), ..R },
        Row { policy: "conds", case: "Context:Hour in hours", action: "op:hours", resource: "r", now: monday_at(9), verdict: A, reason: "POLICY_ALLOW", sid: Some("Hours"), ..R },
        Row { policy: "conds", case: "Context:Hour after hours", action: "op:hours", resource: "r", now: monday_at(18), ..R },
        Row { policy: "conds", case: "caller cannot set Context:Hour", action: "op:hours", resource: "r", now: monday_at(20), ctx: &[("Context:Hour", "10")], ..R },
        Row { policy: "conds", case: "Context:DayOfWeek Monday=1", action: "op:weekdays", resource: "r", verdict: A, reason: "POLICY_ALLOW", sid: Some("Weekdays"), ..R },
        Row { policy: "conds", case: "Context:DayOfWeek Sunday=0", action: "op:weekdays", resource: "r", now: SUNDAY_NOON, ..R },
        Row { policy: "conds", case: "keys AND together", action: "op:and", resource: "r", ctx: &[("k", "v"), ("k2", "v2")], verdict: A, reason: "POLICY_ALLOW", sid: Some("And"), ..R },
        Row { policy: "conds", case: "keys AND: one false", action: "op:and", resource: "r", ctx: &[("k", "v"), ("k2", "x")], ..R },
        Row { policy: "conds", case: "false beats an error", action: "op:falsebeatserror", resource: "r", ctx: &[("k", "x"), ("n", "junk")], ..R },
        Row { policy: "conds", case: "error when nothing is false", action: "op:falsebeatserror", resource: "r", ctx: &[("k", "v"), ("n", "junk")], reason: "POLICY_EVALUATION_ERROR", sid: Some("FalseBeatsError"), ..R },
        Row { policy: "conds", case: "empty condition map", action: "op:empty", resource: "r", verdict: A, reason: "POLICY_ALLOW", sid: Some("AllowEmpty"), ..R },
        // --- Deny conditions: unresolved and erroring denies apply ---
        Row { policy: "denies", case: "no deny applies", resource: "x", ctx: &[("Source:Ip", "198.51.100.1"), ("Env:Stage", "prod")], verdict: A, reason: "POLICY_ALLOW", sid: Some("AllowAll"), ..R },
        Row { policy: "denies", case: "deny by CIDR", resource: "x", ctx: &[("Source:Ip", "192.0.2.7"), ("Env:Stage", "prod")], reason: "POLICY_VIOLATION", sid: Some("DenyBadNet"), ..R },
        Row { policy: "denies", case: "Deny with missing key applies", resource: "x", ctx: &[("Env:Stage", "prod")], reason: "POLICY_DENY_UNRESOLVED_CONTEXT", sid: Some("DenyBadNet"), ..R },
        Row { policy: "denies", case: "Deny with malformed value applies", resource: "x", ctx: &[("Source:Ip", "192.0.2"), ("Env:Stage", "prod")], reason: "POLICY_EVALUATION_ERROR", sid: Some("DenyBadNet"), ..R },
        Row { policy: "denies", case: "negated Deny fires", resource: "x", ctx: &[("Source:Ip", "198.51.100.1"), ("Env:Stage", "dev")], reason: "POLICY_VIOLATION", sid: Some("DenyNonProd"), ..R },
        Row { policy: "denies", case: "a firing deny outranks an erroring one", resource: "x", ctx: &[("Source:Ip", "junk"), ("Env:Stage", "dev")], reason: "POLICY_VIOLATION", sid: Some("DenyNonProd"), ..R },
        Row { policy: "denies", case: "negated Deny with missing key applies", resource: "x", ctx: &[("Source:Ip", "198.51.100.1")], reason: "POLICY_DENY_UNRESOLVED_CONTEXT", sid: Some("DenyNonProd"), ..R },
        Row { policy: "denies", case: "SideEffect:TargetDomain injected", action: "side_effect:network_egress", resource: "db.internal", ctx: &[("Source:Ip", "198.51.100.1"), ("Env:Stage", "prod")], verdict: A, reason: "POLICY_ALLOW", sid: Some("AllowAll"), ..R },
        Row { policy: "denies", case: "egress outside *.internal", action: "side_effect:network_egress", resource: "evil.com", ctx: &[("Source:Ip", "198.51.100.1"), ("Env:Stage", "prod")], reason: "POLICY_VIOLATION", sid: Some("DenyNotInternal"), ..R },
        // --- approvals ---
        Row { policy: "approval", case: "no approval needed", resource: "read_file", verdict: A, reason: "POLICY_ALLOW", sid: Some("AllowRead"), ..R },
        Row { policy: "approval", case: "approval required", resource: "send_email", verdict: AR, reason: "CAPABILITY_REQUIRES_APPROVAL", sid: Some("EmailWithApproval"), ..R },
        Row { policy: "approval", case: "approved", resource: "send_email", ctx: &[("Request:HasHumanApproval", "true")], verdict: A, reason: "POLICY_ALLOW", sid: Some("EmailWithApproval"), ..R },
        Row { policy: "approval", case: "approval 'false' still needs approval", resource: "send_email", ctx: &[("Request:HasHumanApproval", "false")], verdict: AR, reason: "CAPABILITY_REQUIRES_APPROVAL", sid: Some("EmailWithApproval"), ..R },
        Row { policy: "approval", case: "malformed approval flag", resource: "send_email", ctx: &[("Request:HasHumanApproval", "yes")], reason: "POLICY_EVALUATION_ERROR", sid: Some("EmailWithApproval"), ..R },
        Row { policy: "approval", case: "explicit deny beats approval", resource: "wire_money", reason: "POLICY_VIOLATION", sid: Some("DenyWire"), ..R },
        Row { policy: "approval", case: "explicit deny beats granted approval", resource: "wire_money", ctx: &[("Request:HasHumanApproval", "true")], reason: "POLICY_VIOLATION", sid: Some("DenyWire"), ..R },
        Row { policy: "approval", case: "no approval path", resource: "delete_repo", ..R },
        Row { policy: "approval", case: "approval path blocked by another condition", resource: "deploy", now: monday_at(20), ..R },
        Row { policy: "approval", case: "approval path open", resource: "deploy", verdict: AR, reason: "CAPABILITY_REQUIRES_APPROVAL", sid: Some("DeployWithApprovalAtWork"), ..R },
        // --- inherits: strict intersection ---
        Row { policy: "team", case: "both allow", resource: "read_file", verdict: A, reason: "POLICY_ALLOW", sid: Some("ChildAllow"), ..R },
        Row { policy: "team", case: "parent allows, child does not", resource: "write_file", ..R },
        Row { policy: "team", case: "child allows, parent does not", resource: "deploy", decided_by: Some("org-base"), ..R },
        Row { policy: "team", case: "parent deny wins", resource: "rm_rf", reason: "POLICY_VIOLATION", sid: Some("ParentDenyRm"), decided_by: Some("org-base"), ..R },
        Row { policy: "team", case: "approval through the chain", resource: "send_email", verdict: AR, reason: "CAPABILITY_REQUIRES_APPROVAL", sid: Some("ChildEmail"), ..R },
        Row { policy: "team", case: "approved through the chain", resource: "send_email", ctx: &[("Request:HasHumanApproval", "true")], verdict: A, reason: "POLICY_ALLOW", sid: Some("ChildEmail"), ..R },
        Row { policy: "team-by-hash", case: "parent found by hash", resource: "read_file", verdict: A, reason: "POLICY_ALLOW", sid: Some("ChildAllow"), ..R },
        Row { policy: "team-orphan", case: "inherits without parent", resource: "read_file", reason: "POLICY_PARENT_MISSING", ..R },
        Row { policy: "team-orphan", case: "inherits without parent (deny)", resource: "rm_rf", reason: "POLICY_PARENT_MISSING", ..R },
        // --- data classes and run time limit ---
        Row { policy: "dc", case: "allowed data class", resource: "read_file", ctx: &[("Data:Class", "internal")], started: Some(NOW - 10 * MIN), verdict: A, reason: "POLICY_ALLOW", sid: Some("AllowRead"), ..R },
        Row { policy: "dc", case: "denied data class", resource: "read_file", ctx: &[("Data:Class", "regulated_pii")], started: Some(NOW - 10 * MIN), reason: "POLICY_DATA_CLASS_DENIED", ..R },
        Row { policy: "dc", case: "unlisted data class", resource: "read_file", ctx: &[("Data:Class", "public")], started: Some(NOW - 10 * MIN), reason: "POLICY_DATA_CLASS_NOT_ALLOWED", ..R },
        Row { policy: "dc", case: "missing data class", resource: "read_file", started: Some(NOW - 10 * MIN), reason: "POLICY_DATA_CLASS_MISSING", ..R },
        Row { policy: "dc", case: "data classes apply to tools only", action: "model:invoke", resource: "any-model", started: Some(NOW - 10 * MIN), verdict: A, reason: "POLICY_ALLOW", sid: Some("AllowModels"), ..R },
        Row { policy: "dc", case: "run start unknown", action: "model:invoke", resource: "m", reason: "POLICY_DENY_UNRESOLVED_CONTEXT", ..R },
        Row { policy: "dc", case: "run time limit reached", action: "model:invoke", resource: "m", started: Some(NOW - 60 * MIN), reason: "POLICY_RUN_TIME_LIMIT_EXCEEDED", ..R },
        Row { policy: "dc", case: "run just inside the limit", action: "model:invoke", resource: "m", started: Some(NOW - 60 * MIN + 1), verdict: A, reason: "POLICY_ALLOW", sid: Some("AllowModels"), ..R },
        Row { policy: "dc", case: "run starts in the future", action: "model:invoke", resource: "m", started: Some(NOW + 1), reason: "POLICY_EVALUATION_ERROR", ..R },
        Row { policy: "dc-deny-only", case: "deny-list only: other class allowed", resource: "read_file", ctx: &[("Data:Class", "public")], verdict: A, reason: "POLICY_ALLOW", sid: Some("AllowRead"), ..R },
        Row { policy: "dc-deny-only", case: "deny-list only: missing class", resource: "read_file", reason: "POLICY_DATA_CLASS_MISSING", ..R },
        Row { policy: "dc-deny-only", case: "deny-list only: denied class", resource: "read_file", ctx: &[("Data:Class", "regulated_pii")], reason: "POLICY_DATA_CLASS_DENIED", ..R },
        // --- v1 ---
        Row { policy: "v1", case: "v1 model allowed", action: "model:invoke", resource: "claude-opus-4", ctx: &[("Model:Provider", "anthropic")], verdict: A, reason: "POLICY_ALLOW", sid: Some("v1:model_invoke"), ..R },
        Row { policy: "v1", case: "v1 provider and model intersect", action: "model:invoke", resource: "claude-opus-4", ctx: &[("Model:Provider", "openai")], ..R },
        Row { policy: "v1", case: "v1 model not listed", action: "model:invoke", resource: "gpt-4o", ctx: &[("Model:Provider", "anthropic")], ..R },
        Row { policy: "v1", case: "v1 provider missing", action: "model:invoke", resource: "claude-opus-4", ..R },
        Row { policy: "v1", case: "v1 egress listed", action: "side_effect:network_egress", resource: "db.internal", verdict: A, reason: "POLICY_ALLOW", sid: Some("v1:network_egress"), ..R },
        Row { policy: "v1", case: "v1 egress not listed", action: "side_effect:network_egress", resource: "evil.com", ..R },
        Row { policy: "v1", case: "v1 has no tool rules", resource: "read_file", ..R },
        Row { policy: "v1", case: "v1 has no filesystem rules", action: "side_effect:filesystem_read", resource: "a", ..R },
        Row { policy: "v1-min", case: "v1 no lists: supported provider", action: "model:invoke", resource: "gemini-2.5", ctx: &[("Model:Provider", "google")], verdict: A, reason: "POLICY_ALLOW", sid: Some("v1:model_invoke"), ..R },
        Row { policy: "v1-min", case: "v1 no lists: unsupported provider", action: "model:invoke", resource: "m", ctx: &[("Model:Provider", "azure")], ..R },
        Row { policy: "v1-min", case: "v1 no egress allowlist: no egress", action: "side_effect:network_egress", resource: "example.com", ..R },
    ]
}

#[test]
fn decision_table() {
    let ps = policies();
    let mut failures = Vec::new();
    let rows = rows();
    let mut covered = std::collections::HashSet::new();
    for r in &rows {
        let p = ps
            .get(r.policy)
            .unwrap_or_else(|| panic!("no policy {}", r.policy));
        let ctx: &[(&str, &str)] = r.ctx;
        let mut req = Request::new(r.action, r.resource, &ctx, r.now);
        req.run_started_at = r.started;
        let d = p.decide(&req);
        let want_hash = ps[r.decided_by.unwrap_or(r.policy)].hash_b64u();
        let got = (d.verdict, d.reason.as_str(), d.statement_id, d.policy_hash);
        let want = (r.verdict, r.reason, r.sid, Some(want_hash));
        if got != want {
            failures.push(format!(
                "[{}] {}: got {:?}, want {:?}",
                r.policy, r.case, got, want
            ));
        }
        covered.insert(d.reason);
    }
    assert!(
        failures.is_empty(),
        "{} of {} rows failed:\n{}",
        failures.len(),
        rows.len(),
        failures.join("\n")
    );
    // Every policy-level reason code appears in the table (override codes: runtime tests).
    for c in ReasonCode::ALL {
        if !c.as_str().starts_with("OVERRIDE_") {
            assert!(covered.contains(&c), "no row yields {c}");
        }
    }
}

#[test]
fn compiling_parents() {
    let parent = policy(&v2("org-base", json!([st("A", "Allow", &["*"], &["*"])])));
    let parent_c = Arc::new(CompiledPolicy::compile(&parent).unwrap());
    let mut child = v2("team", json!([st("A", "Allow", &["*"], &["*"])]));
    child["inherits"] = json!("someone-else");
    let e = CompiledPolicy::compile_with_parent(&policy(&child), Some(Arc::clone(&parent_c)))
        .unwrap_err();
    assert_eq!(e.reason_code(), "POLICY_PARENT_MISMATCH");
    let plain = policy(&v2("plain", json!([st("A", "Allow", &["*"], &["*"])])));
    let e = CompiledPolicy::compile_with_parent(&plain, Some(Arc::clone(&parent_c))).unwrap_err();
    assert_eq!(e.reason_code(), "POLICY_PARENT_MISMATCH");
    // The resolver is asked with the inherits string as written.
    child["inherits"] = json!("org-base");
    let child_p = policy(&child);
    let mut asked = None;
    let c = CompiledPolicy::compile_with_resolver(&child_p, |id| {
        asked = Some(id.to_string());
        None
    })
    .unwrap();
    assert_eq!(asked.as_deref(), Some("org-base"));
    assert_eq!(c.missing_parent(), Some("org-base"));
    // Chains deeper than MAX_INHERITANCE_DEPTH are refused; a grandparent's deny applies.
    let mut chain = Arc::new(
        CompiledPolicy::compile(&policy(&v2(
            "l0",
            json!([
                st("A", "Allow", &["*"], &["*"]),
                st("RootDeny", "Deny", &["*"], &["forbidden"])
            ]),
        )))
        .unwrap(),
    );
    for i in 1..claw_core::wpc::MAX_INHERITANCE_DEPTH {
        let mut v = v2(&format!("l{i}"), json!([st("A", "Allow", &["*"], &["*"])]));
        v["inherits"] = json!(format!("l{}", i - 1));
        chain = Arc::new(CompiledPolicy::compile_with_parent(&policy(&v), Some(chain)).unwrap());
    }
    assert_eq!(chain.chain_len(), claw_core::wpc::MAX_INHERITANCE_DEPTH);
    assert_eq!(
        chain.chain_hashes().count(),
        claw_core::wpc::MAX_INHERITANCE_DEPTH
    );
    let d = chain.decide(&Request::tool_call(
        "forbidden",
        &claw_core::wpc::NoContext,
        NOW,
    ));
    assert_eq!(
        (d.verdict, d.reason, d.statement_id),
        (D, ReasonCode::PolicyViolation, Some("RootDeny"))
    );
    assert!(chain
        .decide(&Request::tool_call("ok", &claw_core::wpc::NoContext, NOW))
        .is_allow());
    let mut v = v2("too-deep", json!([st("A", "Allow", &["*"], &["*"])]));
    v["inherits"] = json!(format!("l{}", claw_core::wpc::MAX_INHERITANCE_DEPTH - 1));
    let e = CompiledPolicy::compile_with_parent(&policy(&v), Some(chain)).unwrap_err();
    assert_eq!(e.reason_code(), "POLICY_INHERITANCE_TOO_DEEP");
}

#[test]
fn context_sources() {
    let p = compiled(&v2(
        "ctx",
        json!([stc(
            "S",
            "Allow",
            &["tool:execute"],
            &["t"],
            json!({"StringEquals": {"k": "v"}})
        )]),
    ));
    let mut hm: HashMap<String, String> = HashMap::new();
    hm.insert("k".into(), "v".into());
    assert!(p.decide(&Request::tool_call("t", &hm, NOW)).is_allow());
    let bt: std::collections::BTreeMap<String, String> = hm.clone().into_iter().collect();
    assert!(p.decide(&Request::tool_call("t", &bt, NOW)).is_allow());
    let hs: HashMap<&str, &str> = [("k", "v")].into_iter().collect();
    assert!(p.decide(&Request::tool_call("t", &hs, NOW)).is_allow());
    assert!(p
        .decide(&Request::tool_call("t", &[("k", "v")], NOW))
        .is_allow());
    assert!(!p
        .decide(&Request::tool_call("t", &claw_core::wpc::NoContext, NOW))
        .is_allow());
    let owned = p.decide(&Request::tool_call("t", &hm, NOW)).into_owned();
    assert_eq!(owned.statement_id.as_deref(), Some("S"));
    assert_eq!(owned.policy_hash.as_deref(), Some(p.hash_b64u()));
}

#[test]
fn large_resource_sets_use_the_index() {
    // More literals than the scan limit, plus globs: every literal still matches.
    let names: Vec<String> = (0..200).map(|i| format!("tool_{i}")).collect();
    let mut res: Vec<&str> = names.iter().map(String::as_str).collect();
    res.push("glob_*");
    let p = compiled(&v2(
        "big",
        json!([st("Big", "Allow", &["tool:execute"], &res)]),
    ));
    for n in &names {
        assert!(
            p.decide(&Request::tool_call(n, &claw_core::wpc::NoContext, NOW))
                .is_allow(),
            "{n}"
        );
    }
    assert!(p
        .decide(&Request::tool_call(
            "glob_x",
            &claw_core::wpc::NoContext,
            NOW
        ))
        .is_allow());
    assert!(!p
        .decide(&Request::tool_call(
            "tool_200",
            &claw_core::wpc::NoContext,
            NOW
        ))
        .is_allow());
}
