//! Approvals bound to arguments (docs/SPEC.md §7.9): a tool receipt right after an approving
//! human-approval receipt must carry the approved arguments' hash, else the verifier refuses
//! the bundle with APPROVAL_ARGS_MISMATCH.

mod evidence_util;

use claw_core::evidence::{
    verify_bundle, ApprovalType, ApproverMethod, BundleOptions, HumanApproval, ModelCall, Recorder,
    ToolCall, ToolStatus,
};
use evidence_util::*;
use serde_json::{json, Value};

/// A run: one model call, an approval of `approved` (or a denial), then a tool call with `ran`.
fn run(kind: ApprovalType, approved: &Value, ran: &Value, between: bool) -> String {
    let mut rng = TestRng::new(11);
    let mut rec = Recorder::new(agent_key(), &mut rng);
    rec.record_model_call(
        &gateway(),
        &ModelCall {
            provider: "scripted",
            model: "scripted-1",
            request: b"{}",
            response: b"{}",
            tokens_input: 1,
            tokens_output: 1,
            latency_ms: 1,
            timestamp_ms: T0,
            metadata: None,
        },
        &mut rng,
    )
    .unwrap();
    rec.record_human_approval(
        &HumanApproval {
            approval_type: kind,
            approver_subject: "openclaw:tui:embedded",
            approver_method: Some(ApproverMethod::CliConfirm),
            scope: &json!({"tool": "exec"}),
            scope_summary: Some("allow-once for exec"),
            policy_hash_b64u: None,
            minted_capability_id: None,
            minted_capability_ttl_seconds: None,
            plan: Some(approved),
            timestamp_ms: T0 + 1,
        },
        &mut rng,
    )
    .unwrap();
    if between {
        rec.record_event("note", &json!({}), T0 + 2, &mut rng)
            .unwrap();
    }
    rec.record_tool_call(
        &ToolCall {
            tool_name: "exec",
            tool_version: None,
            args: ran,
            result: &json!("ok"),
            result_status: ToolStatus::Success,
            latency_ms: 1,
            timestamp_ms: T0 + 3,
        },
        &mut rng,
    )
    .unwrap();
    rec.finish(&BundleOptions::default(), T0 + 4, &mut rng)
        .unwrap()
        .to_json()
        .unwrap()
}

#[test]
fn the_tool_receipt_after_an_approval_carries_the_approved_arguments() {
    let a = json!({"command": "deploy --env staging"});
    let v = verify_bundle(
        run(ApprovalType::ExplicitApprove, &a, &a, false).as_bytes(),
        &config(),
    );
    assert!(v.valid, "{v:?}");
}

#[test]
fn other_arguments_after_an_approval_are_refused() {
    let a = json!({"command": "deploy --env staging"});
    let b = json!({"command": "deploy --env prod"});
    let v = verify_bundle(
        run(ApprovalType::ExplicitApprove, &a, &b, false).as_bytes(),
        &config(),
    );
    assert!(!v.valid);
    assert_eq!(v.reason_code, "APPROVAL_ARGS_MISMATCH", "{v:?}");
    assert!(v.reason.contains("not the approved plan_hash_b64u"));
}

#[test]
fn a_denial_or_an_approval_not_followed_by_a_tool_call_binds_nothing() {
    let a = json!({"command": "a"});
    let b = json!({"command": "b"});
    for (kind, between) in [
        (ApprovalType::ExplicitDeny, false),
        (ApprovalType::TimeoutDeny, false),
        (ApprovalType::ExplicitApprove, true),
    ] {
        let v = verify_bundle(run(kind, &a, &b, between).as_bytes(), &config());
        assert!(v.valid, "{kind:?}: {v:?}");
    }
}
