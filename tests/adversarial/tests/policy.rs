//! Attacks on policies and decisions: policy-hash substitution between a token and the policy
//! a runtime enforces, swapped signed policies, `inherits` without its parent, tool names that
//! smuggle glob characters or path traversal, case and Unicode look-alikes, and overrides
//! swapped while other threads decide.
//!
//! Matching is exact: globs live only in the policy, a request's action and resource are
//! compared code point by code point (no case folding, no Unicode normalization, no path
//! normalization). Where that leaves a hazard for a deny-list policy, the test says so and
//! shows the allow-list form that closes it.

use claw_adversarial::*;
use claw_core::cst::{self, KeySet, ValidationOptions};
use claw_core::envelope::Signers;
use claw_core::wpc::{
    sign_policy, verify_policy_envelope, CompiledPolicy, Overrides, Policy, PolicyRuntime, Request,
    Verdict,
};
use serde_json::{json, Value};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Barrier};

fn policy(id: &str, statements: Value) -> Policy {
    let v = json!({
        "policy_version": "2", "policy_id": id, "issuer_did": "did:key:z6MkIssuer",
        "statements": statements,
    });
    Policy::parse(v.to_string().as_bytes()).expect("policy")
}

/// Deny `shell_exec`, allow every other tool: a deny-list policy.
fn deny_list() -> CompiledPolicy {
    CompiledPolicy::compile(&policy(
        "deny-list",
        json!([
            {"sid": "deny-shell", "effect": "Deny", "actions": ["tool:*"], "resources": ["shell_exec"]},
            {"sid": "allow-tools", "effect": "Allow", "actions": ["tool:execute"], "resources": ["*"]},
        ]),
    ))
    .expect("compile")
}

/// Allow `read_file` and `git_log` only: an allow-list policy.
fn allow_list() -> CompiledPolicy {
    CompiledPolicy::compile(&policy(
        "allow-list",
        json!([{"sid": "allow-read", "effect": "Allow", "actions": ["tool:execute"],
                "resources": ["read_file", "git_log"]}]),
    ))
    .expect("compile")
}

fn tool(p: &CompiledPolicy, name: &str) -> &'static str {
    let none: &[(&str, &str)] = &[];
    p.decide(&Request::tool_call(name, &none, NOW))
        .reason
        .as_str()
}

// --- Policy-hash substitution -------------------------------------------------------------

fn pinned_token(policy_hash: &str) -> String {
    let mut c = good_claims();
    c["policy_hash_b64u"] = json!(policy_hash);
    jws(&good_header(), &c.to_string(), &issuer())
}

fn token_keys() -> KeySet {
    KeySet::from_dids([issuer().verifying_key().did().as_str()]).expect("keys")
}

/// A token pinned to policy A presented to a runtime enforcing policy B.
#[test]
fn token_pinned_to_policy_a_at_a_runtime_enforcing_policy_b() {
    let a = allow_list();
    let b = deny_list();
    let token = pinned_token(a.hash_b64u());
    let mut o = ValidationOptions::new(AUD, ACTION);
    o.runtime_policy_hash = Some(b.hash_b64u());
    let err = cst::validate(&token, &token_keys(), &o, NOW).unwrap_err();
    assert_eq!(err.reason_code(), "POLICY_HASH_MISMATCH");
    o.runtime_policy_hash = Some(a.hash_b64u());
    assert!(cst::validate(&token, &token_keys(), &o, NOW).is_ok());
}

/// A pinned token at a runtime that declares no policy hash: the pin cannot be honoured.
#[test]
fn pinned_token_at_a_runtime_that_declares_no_policy() {
    let token = pinned_token(allow_list().hash_b64u());
    let o = ValidationOptions::new(AUD, ACTION);
    let err = cst::validate(&token, &token_keys(), &o, NOW).unwrap_err();
    assert_eq!(err.reason_code(), "POLICY_HASH_MISMATCH");
}

/// An unpinned token where the policy requires pinning (`pin_cst_to_policy_hash`).
#[test]
fn unpinned_token_where_a_pin_is_required() {
    let mut o = ValidationOptions::new(AUD, ACTION);
    o.runtime_policy_hash = Some("bNhAvlwMZv1_HXWYiCqi78Saq_GksXTWfujitk1_lbk");
    o.require_policy_pin = true;
    let err = cst::validate(&good_token(), &token_keys(), &o, NOW).unwrap_err();
    assert_eq!(err.reason_code(), "TOKEN_POLICY_PIN_REQUIRED");
}

/// A signed WPC envelope whose payload was swapped for a more permissive policy, keeping the
/// original hash and signature; then with the hash recomputed.
#[test]
fn wpc_envelope_whose_payload_was_swapped() {
    let strict = policy(
        "strict",
        json!([{"sid": "s", "effect": "Allow", "actions": ["tool:execute"], "resources": ["read_file"]}]),
    );
    let loose = policy(
        "strict",
        json!([{"sid": "s", "effect": "Allow", "actions": ["tool:*"], "resources": ["*"]}]),
    );
    let env = sign_policy(&strict, &issuer(), T0_MS, None).expect("sign");
    let signers = [issuer().verifying_key().did()];
    let mut v = env.to_value();
    v["payload"] = loose.payload().clone();
    let err = verify_policy_envelope(
        v.to_string().as_bytes(),
        Signers::OneOf(&signers),
        None,
        None,
    )
    .unwrap_err();
    assert_eq!(err.reason_code(), "HASH_MISMATCH");
    v["payload_hash_b64u"] = json!(loose.hash_b64u());
    let err = verify_policy_envelope(
        v.to_string().as_bytes(),
        Signers::OneOf(&signers),
        None,
        None,
    )
    .unwrap_err();
    assert_eq!(err.reason_code(), "SIGNATURE_INVALID");
}

/// A validly signed policy B offered where the token pins policy A (the verifier passes the
/// pin as the expected hash).
#[test]
fn validly_signed_policy_b_offered_for_a_pin_to_policy_a() {
    let a = allow_list();
    let b_policy = policy(
        "deny-list",
        json!([{"sid": "all", "effect": "Allow", "actions": ["*"], "resources": ["*"]}]),
    );
    let env = sign_policy(&b_policy, &issuer(), T0_MS, None)
        .expect("sign")
        .to_json()
        .expect("json");
    let err = verify_policy_envelope(env.as_bytes(), Signers::Any, Some(a.hash_b64u()), None)
        .unwrap_err();
    assert_eq!(err.reason_code(), "HASH_MISMATCH");
}

/// A signed policy from a signer the runtime does not trust.
#[test]
fn signed_policy_from_an_untrusted_signer() {
    let env = sign_policy(&policy("p", json!([{"sid": "s", "effect": "Allow", "actions": ["tool:execute"], "resources": ["read_file"]}])), &attacker(), T0_MS, None)
        .expect("sign")
        .to_json()
        .expect("json");
    let trusted = [issuer().verifying_key().did()];
    let err =
        verify_policy_envelope(env.as_bytes(), Signers::OneOf(&trusted), None, None).unwrap_err();
    assert_eq!(err.reason_code(), "SIGNER_NOT_ALLOWED");
}

/// A runtime whose incident override requires policy A, after someone swapped in policy B;
/// and a policy whose hash the override denies.
#[test]
fn policy_swapped_under_an_override_that_requires_another_hash() {
    let a = Arc::new(allow_list());
    let b = Arc::new(deny_list());
    let rt = PolicyRuntime::new(a.clone());
    rt.set_overrides(Overrides::none().require_policy_hash(a.hash_b64u()))
        .expect("valid");
    let none: &[(&str, &str)] = &[];
    let req = Request::tool_call("read_file", &none, NOW);
    assert_eq!(rt.decide(&req).reason.as_str(), "POLICY_ALLOW");
    rt.swap_policy(b.clone());
    assert_eq!(
        rt.decide(&req).reason.as_str(),
        "OVERRIDE_POLICY_HASH_MISMATCH"
    );
    rt.set_overrides(Overrides::none().deny_policy_hash(b.hash_b64u()))
        .expect("valid");
    assert_eq!(
        rt.decide(&req).reason.as_str(),
        "OVERRIDE_POLICY_HASH_DENIED"
    );
}

// --- inherits -------------------------------------------------------------------------------

fn child() -> Policy {
    let v = json!({
        "policy_version": "2", "policy_id": "team", "issuer_did": "did:key:z6MkIssuer",
        "inherits": "org-base",
        "statements": [{"sid": "allow-all", "effect": "Allow", "actions": ["tool:*"], "resources": ["*"]}],
    });
    Policy::parse(v.to_string().as_bytes()).expect("child")
}

fn org_base() -> Arc<CompiledPolicy> {
    Arc::new(
        CompiledPolicy::compile(&policy(
            "org-base",
            json!([
                {"sid": "org-deny-shell", "effect": "Deny", "actions": ["tool:*"], "resources": ["shell_exec"]},
                {"sid": "org-allow", "effect": "Allow", "actions": ["tool:execute"], "resources": ["*"]},
            ]),
        ))
        .expect("parent"),
    )
}

/// A permissive child compiled without the parent it `inherits` from (hoping the parent's
/// Deny is silently skipped, as the reference evaluator does): everything is denied.
#[test]
fn inherits_without_its_parent() {
    let c = CompiledPolicy::compile(&child()).expect("compile");
    assert_eq!(c.missing_parent(), Some("org-base"));
    assert_eq!(tool(&c, "read_file"), "POLICY_PARENT_MISSING");
    assert_eq!(tool(&c, "shell_exec"), "POLICY_PARENT_MISSING");
    let none = CompiledPolicy::compile_with_resolver(&child(), |_| None).expect("compile");
    assert_eq!(tool(&none, "read_file"), "POLICY_PARENT_MISSING");
}

/// With its parent, the parent's Deny wins over the child's Allow (strict intersection).
#[test]
fn inherits_with_its_parent_cannot_widen_it() {
    let c = CompiledPolicy::compile_with_parent(&child(), Some(org_base())).expect("compile");
    assert_eq!(tool(&c, "read_file"), "POLICY_ALLOW");
    let none: &[(&str, &str)] = &[];
    let d = c.decide(&Request::tool_call("shell_exec", &none, NOW));
    assert_eq!(d.reason.as_str(), "POLICY_VIOLATION");
    assert_eq!(d.statement_id, Some("org-deny-shell"));
    assert_eq!(d.policy_hash, Some(org_base().hash_b64u()));
}

/// A different, permissive policy passed off as the parent, or a parent forced onto a policy
/// that names none.
#[test]
fn inherits_with_a_substituted_parent() {
    let impostor = Arc::new(
        CompiledPolicy::compile(&policy(
            "not-org-base",
            json!([{"sid": "all", "effect": "Allow", "actions": ["*"], "resources": ["*"]}]),
        ))
        .expect("impostor"),
    );
    let err = CompiledPolicy::compile_with_parent(&child(), Some(impostor.clone())).unwrap_err();
    assert_eq!(err.reason_code(), "POLICY_PARENT_MISMATCH");
    let err =
        CompiledPolicy::compile_with_resolver(&child(), |_| Some(impostor.clone())).unwrap_err();
    assert_eq!(err.reason_code(), "POLICY_PARENT_MISMATCH");
    let orphan = policy(
        "lone",
        json!([{"sid": "s", "effect": "Deny", "actions": ["*"], "resources": ["*"]}]),
    );
    let err = CompiledPolicy::compile_with_parent(&orphan, Some(org_base())).unwrap_err();
    assert_eq!(err.reason_code(), "POLICY_PARENT_MISMATCH");
}

// --- Tool names that smuggle globs or paths -------------------------------------------------

/// Request resources are never patterns: a tool called `*`, `read_*` or `**` matches only a
/// policy pattern that matches that literal string.
#[test]
fn tool_name_that_smuggles_glob_characters() {
    let p = allow_list();
    for name in ["*", "**", "read_*", "read_fil?", "git_*"] {
        assert_eq!(tool(&p, name), "POLICY_DEFAULT_DENY", "{name}");
    }
    // And an override listing `shell_exec` is not defeated by a glob-looking name.
    let rt = PolicyRuntime::new(Arc::new(deny_list()));
    rt.set_overrides(Overrides::none().deny_tool("shell_*"))
        .expect("valid");
    let none: &[(&str, &str)] = &[];
    for name in ["shell_exec", "shell_", "shell_*"] {
        let d = rt.decide(&Request::tool_call(name, &none, NOW));
        assert_eq!(d.reason.as_str(), "OVERRIDE_TOOL_DENIED", "{name}");
    }
}

/// Path traversal in a tool name (`../shell_exec`, `bin/shell_exec`): a tool name is an
/// opaque string, so these are *other* tools. The bare `*` pattern matches every string
/// (reference glob rule), so a deny-list's allow-all lets them through; any other pattern's
/// `*` stops at `/`, and an allow-list denies them. Control characters and line terminators
/// are refused outright.
#[test]
fn tool_name_with_path_traversal_or_control_characters() {
    let deny = deny_list();
    let allow = allow_list();
    let prefixed = CompiledPolicy::compile(&policy(
        "prefixed",
        json!([{"sid": "shell-tools", "effect": "Allow", "actions": ["tool:execute"], "resources": ["shell_*", "*_exec"]}]),
    ))
    .expect("compile");
    for name in ["../shell_exec", "./shell_exec", "bin/shell_exec"] {
        assert_eq!(
            tool(&deny, name),
            "POLICY_ALLOW",
            "deny-list hazard: {name}"
        );
        assert_eq!(tool(&allow, name), "POLICY_DEFAULT_DENY", "{name}");
        assert_eq!(tool(&prefixed, name), "POLICY_DEFAULT_DENY", "{name}");
    }
    for name in [
        "shell_exec\0",
        "shell_exec\n",
        "read\u{2028}file",
        "read\u{85}file",
        "",
    ] {
        assert_eq!(tool(&deny, name), "POLICY_REQUEST_INVALID", "{name:?}");
    }
}

/// Documented behaviour: resource patterns are matched as strings, with no path
/// normalization. `src/**` matches `src/../../etc/passwd`; a runtime must canonicalize paths
/// before asking, or the policy must deny `..` itself, as the second policy does.
#[test]
fn path_traversal_in_a_resource_is_matched_as_a_string() {
    let allow_src = |deny: Value| {
        let mut s = vec![
            json!({"sid": "src", "effect": "Allow", "actions": ["file:read"], "resources": ["src/**"]}),
        ];
        if !deny.is_null() {
            s.push(deny);
        }
        CompiledPolicy::compile(&policy("files", Value::Array(s))).expect("compile")
    };
    let none: &[(&str, &str)] = &[];
    let traversal = "src/../../etc/passwd";
    let open = allow_src(Value::Null);
    let d = open.decide(&Request::new("file:read", traversal, &none, NOW));
    assert_eq!(d.reason.as_str(), "POLICY_ALLOW");
    let closed = allow_src(
        json!({"sid": "no-dotdot", "effect": "Deny", "actions": ["file:*"], "resources": ["**..**"]}),
    );
    let d = closed.decide(&Request::new("file:read", traversal, &none, NOW));
    assert_eq!(d.reason.as_str(), "POLICY_VIOLATION");
    let d = closed.decide(&Request::new("file:read", "src/lib.rs", &none, NOW));
    assert_eq!(d.reason.as_str(), "POLICY_ALLOW");
}

// --- Case and Unicode look-alikes -----------------------------------------------------------

const LOOKALIKES: [&str; 6] = [
    "Shell_Exec",
    "SHELL_EXEC",
    "sh\u{0435}ll_exec",  // Cyrillic small ie
    "\u{FF53}hell_exec",  // fullwidth s
    "shell\u{200B}_exec", // zero-width space
    "shell_exec\u{202E}", // right-to-left override
];

/// Case variants and Unicode confusables of a denied tool. Matching is exact (code point by
/// code point; no case folding, no NFC/NFKC, no confusable skeletons), like the reference's
/// evaluator: against a deny-list with an allow-all, a look-alike is *allowed*, because it is
/// a different string. Under an allow-list it is denied. A runtime must pass the tool's
/// canonical registered name; policies should allow-list.
#[test]
fn case_and_unicode_lookalikes_of_a_denied_tool() {
    let deny = deny_list();
    let allow = allow_list();
    assert_eq!(tool(&deny, "shell_exec"), "POLICY_VIOLATION");
    for name in LOOKALIKES {
        assert_eq!(
            tool(&deny, name),
            "POLICY_ALLOW",
            "deny-list hazard: {name:?}"
        );
        assert_eq!(tool(&allow, name), "POLICY_DEFAULT_DENY", "{name:?}");
    }
    // Look-alikes of an *allowed* tool are not allowed either.
    for name in [
        "Read_File",
        "r\u{0435}ad_file",
        "read_file\u{200B}",
        "read_file ",
    ] {
        assert_eq!(tool(&allow, name), "POLICY_DEFAULT_DENY", "{name:?}");
    }
}

/// The same exactness in overrides: an incident override denying `shell_exec` does not
/// cover its look-alikes; deny them by pattern (or allow-list) when it matters.
#[test]
fn case_and_unicode_lookalikes_against_an_override() {
    let rt = PolicyRuntime::new(Arc::new(deny_list()));
    rt.set_overrides(Overrides::none().deny_tool("shell_exec"))
        .expect("valid");
    let none: &[(&str, &str)] = &[];
    for name in LOOKALIKES {
        let d = rt.decide(&Request::tool_call(name, &none, NOW));
        assert_eq!(d.reason.as_str(), "POLICY_ALLOW", "{name:?}");
    }
    rt.set_overrides(Overrides::none().deny_tool("*"))
        .expect("valid");
    for name in LOOKALIKES {
        let d = rt.decide(&Request::tool_call(name, &none, NOW));
        assert_eq!(d.reason.as_str(), "OVERRIDE_TOOL_DENIED", "{name:?}");
    }
}

// --- Context spoofing ------------------------------------------------------------------------

/// The caller supplies the built-in keys itself (`Tool:Name` of an allowed tool while calling
/// `shell_exec`; a working-hours `Context:Hour` at night): built-in keys come from the
/// request and the injected clock, the caller's values are ignored.
#[test]
fn caller_spoofs_built_in_context_keys() {
    let p = CompiledPolicy::compile(&policy(
        "ctx",
        json!([
            {"sid": "by-name", "effect": "Allow", "actions": ["tool:execute"], "resources": ["*"],
             "conditions": {"StringEquals": {"Tool:Name": "read_file"}}},
            {"sid": "office-hours", "effect": "Allow", "actions": ["model:invoke"], "resources": ["*"],
             "conditions": {"NumericLessThan": {"Context:Hour": "18"}}},
        ]),
    ))
    .expect("compile");
    let spoof: &[(&str, &str)] = &[("Tool:Name", "read_file"), ("Context:Hour", "9")];
    let d = p.decide(&Request::tool_call("shell_exec", &spoof, NOW));
    assert_eq!(d.reason.as_str(), "POLICY_DEFAULT_DENY");
    assert_eq!(
        p.decide(&Request::tool_call("read_file", &spoof, NOW))
            .reason
            .as_str(),
        "POLICY_ALLOW"
    );
    // NOW is 22:13 UTC.
    let d = p.decide(&Request::model_call("m", &spoof, NOW));
    assert_eq!(d.reason.as_str(), "POLICY_DEFAULT_DENY");
}

/// A caller that "approves" with a look-alike value (`TRUE`, `1`, `yes`, `true `): `Bool`
/// accepts exactly `true` or `false`; anything else is an evaluation error, which denies.
#[test]
fn human_approval_spoofed_with_lookalike_values() {
    let p = CompiledPolicy::compile(&policy(
        "approval",
        json!([{"sid": "mail", "effect": "Allow", "actions": ["tool:execute"], "resources": ["send_email"],
                "conditions": {"Bool": {"Request:HasHumanApproval": "true"}}}]),
    ))
    .expect("compile");
    let none: &[(&str, &str)] = &[];
    let d = p.decide(&Request::tool_call("send_email", &none, NOW));
    assert_eq!(d.reason.as_str(), "CAPABILITY_REQUIRES_APPROVAL");
    for v in ["TRUE", "True", "1", "yes", "true "] {
        let ctx: &[(&str, &str)] = &[("Request:HasHumanApproval", v)];
        let d = p.decide(&Request::tool_call("send_email", &ctx, NOW));
        assert_eq!(d.reason.as_str(), "POLICY_EVALUATION_ERROR", "{v:?}");
    }
    let ok: &[(&str, &str)] = &[("Request:HasHumanApproval", "true")];
    assert_eq!(
        p.decide(&Request::tool_call("send_email", &ok, NOW))
            .reason
            .as_str(),
        "POLICY_ALLOW"
    );
}

// --- Overrides swapped while deciding -------------------------------------------------------

/// Eight threads decide `shell_exec`-free tool calls in a loop while an incident override
/// denying the tool is switched on. Every decision is either the old answer (Allow) or the
/// new one (Deny, `OVERRIDE_TOOL_DENIED`), never a mix; a decision that *starts* after the
/// switch returned always sees it; and a thread never sees Allow after it has seen Deny.
#[test]
fn decisions_racing_an_override_swap() {
    let rt = Arc::new(PolicyRuntime::new(Arc::new(allow_list())));
    let switched = Arc::new(AtomicBool::new(false));
    let after_switch = Arc::new(AtomicUsize::new(0));
    let start = Arc::new(Barrier::new(9));
    let threads: Vec<_> = (0..8)
        .map(|_| {
            let (rt, switched, after, start) = (
                rt.clone(),
                switched.clone(),
                after_switch.clone(),
                start.clone(),
            );
            std::thread::spawn(move || {
                let none: &[(&str, &str)] = &[];
                let req = Request::tool_call("read_file", &none, NOW);
                let mut seen_deny = false;
                start.wait();
                let mut post = 0;
                while post < 2000 {
                    let was_switched = switched.load(Ordering::SeqCst);
                    let d = rt.decide(&req);
                    match (d.verdict, d.reason.as_str(), d.statement_id.as_deref()) {
                        (Verdict::Allow, "POLICY_ALLOW", Some("allow-read")) => {
                            assert!(!was_switched, "a decision started after the swap missed it");
                            assert!(!seen_deny, "Allow after Deny");
                        }
                        (Verdict::Deny, "OVERRIDE_TOOL_DENIED", None) => seen_deny = true,
                        other => panic!("mixed or unexpected decision {other:?}"),
                    }
                    if was_switched {
                        post += 1;
                    }
                }
                after.fetch_add(post, Ordering::SeqCst);
            })
        })
        .collect();
    start.wait();
    std::thread::sleep(std::time::Duration::from_millis(20));
    rt.set_overrides(Overrides::none().deny_tool("read_file"))
        .expect("valid overrides");
    switched.store(true, Ordering::SeqCst);
    for t in threads {
        t.join().expect("decider thread");
    }
    assert_eq!(after_switch.load(Ordering::SeqCst), 8 * 2000);
}

/// The same race with whole policies swapped: a decision's statement and policy hash always
/// come from one policy.
#[test]
fn decisions_racing_a_policy_swap_never_mix_policies() {
    let a = Arc::new(allow_list());
    let b = Arc::new(deny_list());
    let rt = Arc::new(PolicyRuntime::new(a.clone()));
    let stop = Arc::new(AtomicBool::new(false));
    let (ha, hb) = (a.hash_b64u().to_string(), b.hash_b64u().to_string());
    let threads: Vec<_> = (0..4)
        .map(|_| {
            let (rt, stop, ha, hb) = (rt.clone(), stop.clone(), ha.clone(), hb.clone());
            std::thread::spawn(move || {
                let none: &[(&str, &str)] = &[];
                let req = Request::tool_call("read_file", &none, NOW);
                while !stop.load(Ordering::SeqCst) {
                    let d = rt.decide(&req);
                    let pair = (d.statement_id.as_deref(), d.policy_hash.as_deref());
                    assert!(
                        pair == (Some("allow-read"), Some(ha.as_str()))
                            || pair == (Some("allow-tools"), Some(hb.as_str())),
                        "mixed decision {pair:?}"
                    );
                }
            })
        })
        .collect();
    for i in 0..500 {
        rt.swap_policy(if i % 2 == 0 { b.clone() } else { a.clone() });
    }
    stop.store(true, Ordering::SeqCst);
    for t in threads {
        t.join().expect("decider thread");
    }
}

// --- Replay and live decision -------------------------------------------------------------

/// Issue 12: offline replay (`bundle verify --wpc`) passed tool names that a live decision
/// refuses as `POLICY_REQUEST_INVALID` (NUL, newline, 5,000 characters). Both now go through
/// the same request validation: what the live path refuses, replay refuses with that reason.
#[test]
fn replay_refuses_the_tool_names_a_live_decision_refuses() {
    let allow_all = CompiledPolicy::compile(&policy(
        "allow-all",
        json!([{"sid": "all", "effect": "Allow", "actions": ["tool:*"], "resources": ["*"]}]),
    ))
    .expect("compile");
    let long = "a".repeat(5000);
    for name in ["read\0file", "read\nfile", long.as_str(), ""] {
        assert_eq!(tool(&allow_all, name), "POLICY_REQUEST_INVALID", "{name:?}");
        match allow_all.replay(ACTION, name) {
            claw_core::wpc::ReplayVerdict::Violation { reason, .. } => {
                assert_eq!(reason.as_str(), "POLICY_REQUEST_INVALID", "{name:?}")
            }
            v => panic!("replay of {name:?} passed: {v:?}"),
        }
    }
    // A name both accept stays accepted by both.
    assert_eq!(tool(&allow_all, "read_file"), "POLICY_ALLOW");
    assert_eq!(
        allow_all.replay(ACTION, "read_file"),
        claw_core::wpc::ReplayVerdict::NotDisproved
    );
}
