//! Overrides and the atomically swapped runtime.

use crate::util::*;
use claw_core::wpc::{
    CompiledPolicy, NoContext, Overrides, Policy, PolicyRuntime, ReasonCode, Request, Snapshot,
    Verdict,
};
use serde_json::json;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;

const NOW: i64 = monday_at(10);

fn tools_policy() -> Arc<CompiledPolicy> {
    compiled(&v2(
        "tools",
        json!([
            st(
                "AllowTools",
                "Allow",
                &["tool:execute"],
                &["read_file", "mcp__github__list", "send_email"]
            ),
            st("AllowModels", "Allow", &["model:invoke"], &["*"]),
        ]),
    ))
}

fn decide(rt: &PolicyRuntime, action: &str, resource: &str) -> (Verdict, ReasonCode) {
    let d = rt.decide(&Request::new(action, resource, &NoContext, NOW));
    (d.verdict, d.reason)
}

#[test]
fn send_and_sync() {
    fn check<T: Send + Sync>() {}
    check::<PolicyRuntime>();
    check::<Snapshot>();
    check::<CompiledPolicy>();
    check::<Policy>();
    check::<Overrides>();
}

#[test]
#[rustfmt::skip]
fn overrides_table() {
    let p = tools_policy();
    let h = p.hash_b64u().to_string();
    let other = claw_core::hash::sha256_b64u("another policy");
    type Case<'a> = (&'a str, Overrides, &'a str, &'a str, Verdict, ReasonCode);
    let cases: Vec<Case> = vec![
        ("no overrides", Overrides::none(), "tool:execute", "read_file", Verdict::Allow, ReasonCode::PolicyAllow),
        ("tool denied", Overrides::none().deny_tool("read_file"), "tool:execute", "read_file", Verdict::Deny, ReasonCode::OverrideToolDenied),
        ("tool glob denied", Overrides::none().deny_tool("mcp__*"), "tool:execute", "mcp__github__list", Verdict::Deny, ReasonCode::OverrideToolDenied),
        ("all tools denied", Overrides::none().deny_tool("*"), "tool:execute", "send_email", Verdict::Deny, ReasonCode::OverrideToolDenied),
        ("other tools unaffected", Overrides::none().deny_tool("read_file"), "tool:execute", "send_email", Verdict::Allow, ReasonCode::PolicyAllow),
        ("non-tool actions unaffected", Overrides::none().deny_tool("*"), "model:invoke", "claude", Verdict::Allow, ReasonCode::PolicyAllow),
        ("policy hash denied", Overrides::none().deny_policy_hash(h.clone()), "model:invoke", "claude", Verdict::Deny, ReasonCode::OverridePolicyHashDenied),
        ("other hash denied", Overrides::none().deny_policy_hash(other.clone()), "model:invoke", "claude", Verdict::Allow, ReasonCode::PolicyAllow),
        ("required hash differs", Overrides::none().require_policy_hash(other.clone()), "tool:execute", "read_file", Verdict::Deny, ReasonCode::OverridePolicyHashMismatch),
        ("required hash matches", Overrides::none().require_policy_hash(h.clone()), "tool:execute", "read_file", Verdict::Allow, ReasonCode::PolicyAllow),
        ("overrides come first", Overrides::none().deny_tool("write_file"), "tool:execute", "write_file", Verdict::Deny, ReasonCode::OverrideToolDenied),
    ];
    for (name, o, action, resource, verdict, reason) in cases {
        let rt = PolicyRuntime::with_overrides(Arc::clone(&p), o).unwrap();
        assert_eq!(decide(&rt, action, resource), (verdict, reason), "{name}");
    }
}

#[test]
fn denied_ancestor_hash_blocks_the_child() {
    let parent = compiled(&v2("base", json!([st("A", "Allow", &["*"], &["*"])])));
    let mut child = v2("child", json!([st("A", "Allow", &["*"], &["*"])]));
    child["inherits"] = json!("base");
    let child = Arc::new(
        CompiledPolicy::compile_with_parent(&policy(&child), Some(Arc::clone(&parent))).unwrap(),
    );
    let rt = PolicyRuntime::new(Arc::clone(&child));
    assert_eq!(decide(&rt, "tool:execute", "x").0, Verdict::Allow);
    rt.set_overrides(Overrides::none().deny_policy_hash(parent.hash_b64u()))
        .unwrap();
    let d = rt.decide(&Request::tool_call("x", &NoContext, NOW));
    assert_eq!(d.reason, ReasonCode::OverridePolicyHashDenied);
    assert_eq!(d.policy_hash.as_deref(), Some(parent.hash_b64u()));
}

#[test]
fn overrides_parse_strictly() {
    let h = claw_core::hash::sha256_b64u("x");
    let o = Overrides::parse(format!(r#"{{"denied_tools":["shell_*"],"denied_policy_hashes":["{h}"],"required_policy_hash":"{h}"}}"#).as_bytes()).unwrap();
    assert_eq!(o.denied_tools, vec!["shell_*".to_string()]);
    assert_eq!(Overrides::parse(b"{}").unwrap(), Overrides::none());
    for (bad, path) in [
        (r#"{"deny_tools":["x"]}"#.to_string(), "$.deny_tools"),
        (r#"{"denied_tools":[""]}"#.to_string(), "$.denied_tools[0]"),
        (
            r#"{"denied_tools":["a\nb"]}"#.to_string(),
            "$.denied_tools[0]",
        ),
        (
            r#"{"denied_policy_hashes":["abc"]}"#.to_string(),
            "$.denied_policy_hashes[0]",
        ),
        (
            r#"{"required_policy_hash":null}"#.to_string(),
            "$.required_policy_hash",
        ),
        (
            format!(r#"{{"required_policy_hash":"{h}="}}"#),
            "$.required_policy_hash",
        ),
    ] {
        let e = Overrides::parse(bad.as_bytes()).unwrap_err();
        assert_eq!(e.reason_code(), "OVERRIDES_INVALID", "{bad}: {e}");
        assert_eq!(e.path(), Some(path), "{bad}: {e}");
    }
    assert_eq!(
        Overrides::parse(b"{").unwrap_err().reason_code(),
        "INVALID_JSON"
    );
    // A rejected update leaves the overrides in force.
    let rt =
        PolicyRuntime::with_overrides(tools_policy(), Overrides::none().deny_tool("read_file"))
            .unwrap();
    assert!(rt
        .set_overrides(Overrides::none().deny_policy_hash("nope"))
        .is_err());
    assert_eq!(
        decide(&rt, "tool:execute", "read_file").1,
        ReasonCode::OverrideToolDenied
    );
}

#[test]
fn swap_policy_keeps_overrides_and_replace_sets_both() {
    let rt =
        PolicyRuntime::with_overrides(tools_policy(), Overrides::none().deny_tool("send_email"))
            .unwrap();
    let v2p = compiled(&v2("v2", json!([st("All", "Allow", &["*"], &["*"])])));
    rt.swap_policy(Arc::clone(&v2p));
    assert_eq!(rt.snapshot().policy().hash_b64u(), v2p.hash_b64u());
    assert_eq!(
        decide(&rt, "tool:execute", "send_email").1,
        ReasonCode::OverrideToolDenied
    );
    assert_eq!(
        decide(&rt, "tool:execute", "anything").1,
        ReasonCode::PolicyAllow
    );
    rt.replace(tools_policy(), Overrides::none()).unwrap();
    assert_eq!(
        decide(&rt, "tool:execute", "send_email").1,
        ReasonCode::PolicyAllow
    );
    assert!(rt.snapshot().overrides().denied_tools.is_empty());
    let n = rt.decide_with(&Request::tool_call("read_file", &NoContext, NOW), |d| {
        d.statement_id.map(str::len)
    });
    assert_eq!(n, Some("AllowTools".len()));
}

/// Threads decide in a loop while the main thread swaps; every decision that starts after the
/// swap returned (observed through a SeqCst flag stored right after it) must see the new state.
fn race(
    rt: &Arc<PolicyRuntime>,
    tool: &'static str,
    swap: impl FnOnce(&PolicyRuntime),
    want: ReasonCode,
) {
    let switched = Arc::new(AtomicBool::new(false));
    let before = Arc::new(AtomicUsize::new(0));
    let threads: Vec<_> = (0..4)
        .map(|_| {
            let (rt, switched, before) =
                (Arc::clone(rt), Arc::clone(&switched), Arc::clone(&before));
            std::thread::spawn(move || {
                let mut after = 0;
                while after < 2000 {
                    let s = switched.load(Ordering::SeqCst);
                    let d = rt.decide(&Request::tool_call(tool, &NoContext, NOW));
                    if s {
                        assert_eq!(d.reason, want, "a decision after the swap must see it");
                        after += 1;
                    } else {
                        before.fetch_add(1, Ordering::Relaxed);
                    }
                }
            })
        })
        .collect();
    // Let the deciders run on the old state first.
    while before.load(Ordering::Relaxed) < 1000 {
        std::thread::yield_now();
    }
    swap(rt);
    switched.store(true, Ordering::SeqCst);
    for t in threads {
        t.join().unwrap();
    }
}

#[test]
fn swap_while_deciding() {
    let rt = Arc::new(PolicyRuntime::new(tools_policy()));
    // Incident: deny a tool.
    race(
        &rt,
        "read_file",
        |rt| {
            rt.set_overrides(Overrides::none().deny_tool("read_file"))
                .unwrap()
        },
        ReasonCode::OverrideToolDenied,
    );
    // Lift it.
    race(
        &rt,
        "read_file",
        |rt| rt.set_overrides(Overrides::none()).unwrap(),
        ReasonCode::PolicyAllow,
    );
    // New policy that no longer allows the tool.
    let tighter = compiled(&v2(
        "tighter",
        json!([st("Other", "Allow", &["tool:execute"], &["send_email"])]),
    ));
    race(
        &rt,
        "read_file",
        move |rt| rt.swap_policy(tighter),
        ReasonCode::DefaultDeny,
    );
    // Force a policy hash that is not the one in force.
    let h = claw_core::hash::sha256_b64u("the approved policy");
    race(
        &rt,
        "send_email",
        move |rt| {
            rt.set_overrides(Overrides::none().require_policy_hash(h))
                .unwrap()
        },
        ReasonCode::OverridePolicyHashMismatch,
    );
}
