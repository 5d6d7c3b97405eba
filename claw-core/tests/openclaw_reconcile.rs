//! Reconciliation on what the real OpenClaw 2026.9.6 wrote (docs/SPEC.md §7.8): the session
//! transcript of a normal `openclaw agent --local` turn with the claw plugin (exec allowed,
//! write denied) and that run's proof bundle reconcile clean; the transcript of the same turn
//! through `openclaw agent exec` (which loads no plugin: the denied write ran) is a bypass.
//! Transcripts printed by scripts/openclaw/session-transcript.mjs from the runs'
//! SQLite state (scripts/test-openclaw.sh, 2026-12-06).

use claw_core::evidence::{Bundle, CausalMode, VerifyConfig};
use claw_core::openclaw::reconcile::{
    reconcile, reconcile_records_json, records_from_bundle, BundleRecords, CallOutcome, ClawRecord,
    Transcript,
};
use serde_json::{json, Value};
use std::path::Path;

fn data(name: &str) -> Vec<u8> {
    std::fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/data/openclaw/transcripts")
            .join(name),
    )
    .unwrap()
}

fn bundle() -> Bundle {
    let mut cfg = VerifyConfig::new(1_796_541_300_000);
    cfg.causal_mode = CausalMode::Warn;
    Bundle::from_verified_json(&data("allow-deny-2026.9.6.bundle.json"), &cfg).unwrap()
}

#[test]
fn a_plugin_run_reconciles_clean_with_its_bundle() {
    let t = Transcript::parse(&data("allow-deny-2026.9.6.jsonl")).unwrap();
    assert_eq!(
        t.session_id.as_deref(),
        Some("81a24b28-8b68-4da4-bdda-6192a9a5425d")
    );
    let outcomes: Vec<(&str, CallOutcome)> = t
        .calls
        .iter()
        .map(|c| (c.tool.as_str(), c.outcome))
        .collect();
    assert_eq!(
        outcomes,
        [
            ("exec", CallOutcome::Executed),
            ("write", CallOutcome::Blocked)
        ]
    );
    let r = reconcile(&t, &records_from_bundle(&bundle()));
    assert!(!r.has_critical(), "{:?}", r.findings);
    assert_eq!((r.executed, r.covered, r.blocked, r.receipts), (1, 1, 1, 1));
}

#[test]
fn agent_exec_is_caught_as_a_bypass() {
    let t = Transcript::parse(&data("agent-exec-2026.9.6.jsonl")).unwrap();
    assert!(t.calls.iter().all(|c| c.outcome == CallOutcome::Executed));
    let r = reconcile(&t, &records_from_bundle(&bundle()));
    assert!(r.has_critical());
    let bypass: Vec<&str> = r
        .findings
        .iter()
        .filter(|f| f.check_id == "claw.openclaw.call_bypassed_gate")
        .map(|f| f.title.as_str())
        .collect();
    assert_eq!(
        bypass,
        ["\"write\" ran without a claw decision and receipt"]
    );
    assert_eq!(r.to_json()["summary"]["critical"], 1);
}

// ---- the rules, on hand-made transcripts

fn h(v: Value) -> String {
    claw_core::hash::sha256_b64u(claw_core::json::canonicalize(&v).unwrap())
}

const T: &str = r#"{"type":"session","version":3,"id":"s-1","timestamp":"2026-11-24T00:00:00Z"}
{"type":"message","id":"m1","message":{"role":"user","content":[{"type":"text","text":"go"}]}}
{"type":"message","id":"m2","message":{"role":"assistant","content":[{"type":"toolCall","id":"c1","name":"exec","arguments":{"command":"echo hi"}},{"type":"toolCall","id":"c2","name":"write","arguments":{"path":"a","content":"b"}}]}}
{"type":"message","id":"m3","message":{"role":"toolResult","toolCallId":"c2","toolName":"write","content":[{"type":"text","text":"claw denied"}],"details":{"status":"blocked"},"isError":true}}
{"type":"message","id":"m4","message":{"role":"toolResult","toolCallId":"c1","toolName":"exec","content":[{"type":"text","text":"hi"}],"isError":false}}
"#;

fn rec(tool: &str, args: Value) -> ClawRecord {
    ClawRecord {
        receipt_id: format!("tr_{tool}"),
        tool_name: tool.into(),
        args_hash_b64u: h(args),
    }
}

#[test]
fn parses_calls_and_outcomes() {
    let t = Transcript::parse(T.as_bytes()).unwrap();
    assert_eq!(t.session_id.as_deref(), Some("s-1"));
    assert_eq!(t.calls.len(), 2);
    assert_eq!(t.calls[0].outcome, CallOutcome::Executed);
    assert_eq!(t.calls[1].outcome, CallOutcome::Blocked);
    assert_eq!(t.calls[0].args_hash_b64u, h(json!({"command": "echo hi"})));
}

#[test]
fn clean_when_every_executed_call_has_a_receipt() {
    let t = Transcript::parse(T.as_bytes()).unwrap();
    let r = BundleRecords {
        session_id: Some("s-1".into()),
        run_id: None,
        refusals: vec![],
        receipts: vec![rec("exec", json!({"command": "echo hi"}))],
    };
    let rep = reconcile(&t, &r);
    assert!(!rep.has_critical(), "{:?}", rep.findings);
    assert_eq!((rep.executed, rep.covered, rep.blocked), (1, 1, 1));
    assert_eq!(rep.to_metadata()["status"], "clean");
}

#[test]
fn a_call_without_receipt_is_a_critical_bypass() {
    let t = Transcript::parse(T.as_bytes()).unwrap();
    let rep = reconcile(&t, &BundleRecords::default());
    assert!(rep.has_critical());
    assert_eq!(rep.findings[0].check_id, "claw.openclaw.call_bypassed_gate");
    // Changed arguments do not count as covered either.
    let r = BundleRecords {
        receipts: vec![rec("exec", json!({"command": "echo other"}))],
        ..BundleRecords::default()
    };
    let rep = reconcile(&t, &r);
    assert!(rep.findings[0].detail.contains("other arguments"));
    assert_eq!(rep.to_metadata()["status"], "findings");
}

#[test]
fn a_blocked_call_with_a_receipt_and_another_session_are_critical() {
    let t = Transcript::parse(T.as_bytes()).unwrap();
    let r = BundleRecords {
        session_id: Some("s-2".into()),
        run_id: None,
        refusals: vec![],
        receipts: vec![
            rec("exec", json!({"command": "echo hi"})),
            rec("write", json!({"path": "a", "content": "b"})),
        ],
    };
    let rep = reconcile(&t, &r);
    let ids: Vec<&str> = rep.findings.iter().map(|f| f.check_id.as_str()).collect();
    assert!(ids.contains(&"claw.openclaw.blocked_call_has_receipt"));
    assert!(ids.contains(&"claw.openclaw.session_mismatch"));
}

#[test]
fn a_call_blocked_first_and_allowed_later_is_not_a_finding() {
    let t = r#"{"role":"assistant","content":[{"type":"toolCall","id":"a","name":"exec","arguments":{"command":"x"}}]}
{"role":"toolResult","toolCallId":"a","details":{"status":"blocked"}}
{"role":"assistant","content":[{"type":"toolCall","id":"b","name":"exec","arguments":{"command":"x"}}]}
{"role":"toolResult","toolCallId":"b","details":{"status":"completed"}}"#;
    let t = Transcript::parse(t.as_bytes()).unwrap();
    let r = BundleRecords {
        receipts: vec![rec("exec", json!({"command": "x"}))],
        ..BundleRecords::default()
    };
    let rep = reconcile(&t, &r);
    assert!(!rep.has_critical(), "{:?}", rep.findings);
    assert_eq!((rep.covered, rep.blocked), (1, 1));
}

#[test]
fn tool_search_bridge_is_judged_as_the_inner_tool() {
    let t = r#"{"role":"assistant","content":[{"type":"toolCall","id":"b1","name":"tool_call","arguments":{"id":"openclaw:core:Read","args":{"path":"x"}}}]}
{"role":"toolResult","toolCallId":"b1","content":[]}"#;
    let t = Transcript::parse(t.as_bytes()).unwrap();
    assert_eq!(t.calls[0].tool, "read");
    assert!(t.calls[0].bridged);
    let r = BundleRecords {
        receipts: vec![rec("read", json!({"path": "x"}))],
        ..BundleRecords::default()
    };
    assert!(!reconcile(&t, &r).has_critical());
}

#[test]
fn bad_input_gets_typed_errors() {
    let code = |s: &str| Transcript::parse(s.as_bytes()).unwrap_err().reason_code();
    assert_eq!(code(""), "OPENCLAW_TRANSCRIPT_EMPTY");
    assert_eq!(code("{"), "OPENCLAW_TRANSCRIPT_INVALID_JSON");
    assert_eq!(code("[1]"), "OPENCLAW_TRANSCRIPT_INVALID_JSON");
    assert_eq!(code(r#"{"a":1,"a":2}"#), "OPENCLAW_TRANSCRIPT_INVALID_JSON");
    assert_eq!(
        code(r#"{"role":"assistant","content":[{"type":"toolCall","name":"x"}]}"#),
        "OPENCLAW_TRANSCRIPT_INVALID"
    );
    assert_eq!(
        code(
            r#"{"role":"assistant","content":[{"type":"toolCall","id":"a","name":"x"},{"type":"toolCall","id":"a","name":"y"}]}"#
        ),
        "OPENCLAW_TRANSCRIPT_INVALID"
    );
    let deep = format!("{}{}", "[".repeat(100), "]".repeat(100));
    assert_eq!(code(&deep), "OPENCLAW_TRANSCRIPT_INVALID_JSON");
    assert_eq!(
        reconcile_records_json(T.as_bytes(), None, b"{}")
            .unwrap_err()
            .reason_code(),
        "OPENCLAW_RECEIPTS_INVALID"
    );
}

/// A call OpenClaw could not ask an approval for (`agent --local`), as 2026.9.6 records it.
const UNAPPROVABLE: &str = r#"{"type":"session","id":"s-1"}
{"role":"assistant","content":[{"type":"toolCall","id":"w1","name":"write","arguments":{"path":"a","content":"b"}}]}
{"role":"toolResult","toolCallId":"w1","content":[{"type":"text","text":"Plugin approval unavailable: non-interactive CLI runs have no approval-capable initiating surface."}],"details":{"status":"error","error":"Plugin approval unavailable: non-interactive CLI runs have no approval-capable initiating surface."},"isError":true}"#;

#[test]
fn a_refused_call_that_did_not_run_is_refused_not_a_bypass() {
    let t = Transcript::parse(UNAPPROVABLE.as_bytes()).unwrap();
    assert!(t.calls[0].approval_failed);
    let write = json!({"path": "a", "content": "b"});
    let r = BundleRecords {
        refusals: vec![rec("write", write.clone())],
        ..BundleRecords::default()
    };
    let rep = reconcile(&t, &r);
    assert!(!rep.has_critical(), "{:?}", rep.findings);
    assert_eq!((rep.executed, rep.refused, rep.covered), (0, 1, 0));
    assert!(rep.findings.iter().any(
        |f| f.check_id == "claw.openclaw.refused_not_executed" && f.detail.contains("tr_write")
    ));
    assert_eq!(rep.to_metadata()["status"], "clean");
    assert_eq!(rep.to_metadata()["refused"], 1);
    // The same through the plugin's path (a `refused: true` entry).
    let receipts = json!([{"receipt_id": "ar_1", "tool_name": "write",
        "args_hash_b64u": h(write), "refused": true}]);
    let rep = reconcile_records_json(
        UNAPPROVABLE.as_bytes(),
        Some("s-1"),
        receipts.to_string().as_bytes(),
    )
    .unwrap();
    assert_eq!((rep.executed, rep.refused), (0, 1));
    assert!(!rep.has_critical());
}

/// A call an operator denied through OpenClaw's Gateway (`plugin.approval.resolve` deny), as
/// 2026.9.6 records it (`pluginApprovalDeniedOutcome`; seen in `scripts/test-openclaw.sh approve`).
const DENIED_BY_OPERATOR: &str = r#"{"type":"session","id":"s-1"}
{"role":"assistant","content":[{"type":"toolCall","id":"w1","name":"write","arguments":{"path":"a","content":"b"}}]}
{"role":"toolResult","toolCallId":"w1","toolName":"write","content":[{"type":"text","text":"{\n  \"status\": \"error\",\n  \"tool\": \"write\",\n  \"error\": \"Denied by user. The tool call did not run.\\nThis denial is final: the approval request is closed.\"\n}"}],"details":{"status":"error","tool":"write","error":"Denied by user. The tool call did not run.\nThis denial is final: the approval request is closed. Do not mention /approve or any other approval command to the user."},"isError":true}"#;

#[test]
fn an_operators_denial_is_refused_with_claws_refusal_and_a_bypass_without() {
    let t = Transcript::parse(DENIED_BY_OPERATOR.as_bytes()).unwrap();
    assert!(t.calls[0].approval_failed);
    let r = BundleRecords {
        refusals: vec![rec("write", json!({"path": "a", "content": "b"}))],
        ..BundleRecords::default()
    };
    let rep = reconcile(&t, &r);
    assert!(!rep.has_critical(), "{:?}", rep.findings);
    assert_eq!((rep.executed, rep.refused), (0, 1));
    // OpenClaw's text alone proves nothing.
    assert!(reconcile(&t, &BundleRecords::default()).has_critical());
}

#[test]
fn without_claws_refusal_or_with_other_arguments_the_error_result_is_a_bypass() {
    let t = Transcript::parse(UNAPPROVABLE.as_bytes()).unwrap();
    // OpenClaw's error text alone (a tool could print it) proves nothing.
    let rep = reconcile(&t, &BundleRecords::default());
    assert!(rep.has_critical());
    assert_eq!(rep.findings[0].check_id, "claw.openclaw.call_bypassed_gate");
    let r = BundleRecords {
        refusals: vec![rec("write", json!({"path": "a", "content": "other"}))],
        ..BundleRecords::default()
    };
    assert!(reconcile(&t, &r).has_critical());
}

#[test]
fn a_refused_call_that_really_ran_is_a_critical_bypass() {
    // claw refused it, but OpenClaw reports the tool's own result: it executed.
    let ran = r#"{"type":"session","id":"s-1"}
{"role":"assistant","content":[{"type":"toolCall","id":"w1","name":"write","arguments":{"path":"a","content":"b"}}]}
{"role":"toolResult","toolCallId":"w1","content":[{"type":"text","text":"Successfully wrote 1 bytes to a"}],"isError":false}"#;
    let t = Transcript::parse(ran.as_bytes()).unwrap();
    assert!(!t.calls[0].approval_failed);
    let r = BundleRecords {
        refusals: vec![rec("write", json!({"path": "a", "content": "b"}))],
        ..BundleRecords::default()
    };
    let rep = reconcile(&t, &r);
    assert!(rep.has_critical());
    assert_eq!((rep.executed, rep.refused), (1, 0));
    assert_eq!(rep.findings[0].check_id, "claw.openclaw.call_bypassed_gate");
    assert!(
        rep.findings[0].detail.contains("claw refused this call"),
        "{}",
        rep.findings[0].detail
    );
    // An error result that is not OpenClaw's approval flow's is not read as "not run".
    let tool_error = ran.replace(
        r#""isError":false"#,
        r#""details":{"status":"error","error":"ENOENT: no such file"},"isError":true"#,
    );
    let t = Transcript::parse(tool_error.as_bytes()).unwrap();
    assert!(!t.calls[0].approval_failed);
    assert!(reconcile(&t, &r).has_critical());
}

/// The real `scripts/test-openclaw.sh gateway` run (2026-12-06): the WPC needs an approval for
/// write, which `agent --local` cannot ask; OpenClaw wrote "Plugin approval unavailable" and the
/// plugin a `timeout_deny` naming write in `openclaw.refusals`.
const GATEWAY_DID: &str = "did:key:z6Mkt7byrbeuXibN6jb64ukJnrVqr9C5pPcsgeSr2o6WqYMj";

fn gateway_bundle() -> Bundle {
    let mut cfg = VerifyConfig::new(1_796_571_000_000);
    cfg.allowlists.gateway_receipt_signer_dids = vec![GATEWAY_DID.into()];
    Bundle::from_verified_json(&data("gateway-2026.9.6.bundle.json"), &cfg).unwrap()
}

#[test]
fn the_real_unapprovable_write_reconciles_as_refused() {
    let t = Transcript::parse(&data("gateway-2026.9.6.jsonl")).unwrap();
    let records = records_from_bundle(&gateway_bundle());
    assert_eq!(records.refusals.len(), 1);
    assert_eq!(records.refusals[0].tool_name, "write");
    let r = reconcile(&t, &records);
    assert!(!r.has_critical(), "{:?}", r.findings);
    assert_eq!((r.executed, r.covered, r.refused), (1, 1, 1));
    // Without the plugin's naming of the refusal's tool, the write is a bypass.
    let bare = BundleRecords {
        refusals: vec![],
        ..records
    };
    assert!(reconcile(&t, &bare).has_critical());
}
