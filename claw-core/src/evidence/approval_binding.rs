//! Approvals bound to the arguments they approved (docs/SPEC.md §7.9).
//!
//! A human-approval receipt of type `explicit_approve` that carries `plan_hash_b64u` names
//! the exact arguments the human approved (`plan` = the tool call's arguments, so
//! `plan_hash_b64u = H(JCS(args))`). The recorder of such a run writes the approval's event
//! immediately before the `tool_call` event of the call it approved. When the event right
//! after the approval's is a `tool_call`, its tool receipt must carry `args_hash_b64u` equal to
//! the approval's `plan_hash_b64u`; otherwise the tool ran with arguments nobody approved
//! (`APPROVAL_ARGS_MISMATCH`). An approval followed by anything else approved a call that did
//! not run, which is not an error.

use std::collections::HashMap;

use super::receipts::payload_of;
use super::verify::EventFacts;
use serde_json::Value;

/// A tool receipt that does not carry the arguments its approval approved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ApprovalArgsMismatch {
    pub message: String,
}

impl ApprovalArgsMismatch {
    /// Stable reason code.
    pub(crate) fn reason_code(&self) -> &'static str {
        "APPROVAL_ARGS_MISMATCH"
    }
}

/// A tool receipt's payload (it is carried as an envelope).
fn bound_event(r: &Value, events: &EventFacts) -> Option<usize> {
    let h = r.get("binding")?.get("event_hash_b64u")?.as_str()?;
    events.index_of(h)
}

/// Check every approving receipt of `approvals` against the tool receipt that follows it.
/// `events` are the facts of the bundle's event chain, `tools` its tool receipts
/// (envelopes).
pub(crate) fn check(
    events: &EventFacts,
    tools: &[Value],
    approvals: &[Value],
) -> Result<usize, ApprovalArgsMismatch> {
    let approving = |a: &&Value| {
        a.get("approval_type").and_then(Value::as_str) == Some("explicit_approve")
            && a.get("plan_hash_b64u").is_some()
    };
    if !approvals.iter().any(|a| approving(&a)) {
        return Ok(0);
    }
    let mut tool_at: HashMap<usize, &Value> = HashMap::new();
    for t in tools {
        if let Some(i) = bound_event(payload_of(t), events) {
            tool_at.insert(i, payload_of(t));
        }
    }
    let mut bound = 0;
    for a in approvals {
        if a.get("approval_type").and_then(Value::as_str) != Some("explicit_approve") {
            continue;
        }
        let Some(plan) = a.get("plan_hash_b64u").and_then(Value::as_str) else {
            continue;
        };
        let Some(i) = bound_event(a, events) else {
            continue;
        };
        let next = i + 1;
        if !events.is_tool_call(next) {
            continue;
        }
        let Some(t) = tool_at.get(&next) else {
            continue;
        };
        let p = *t;
        let args = p
            .get("args_hash_b64u")
            .and_then(Value::as_str)
            .unwrap_or("");
        if args != plan {
            return Err(ApprovalArgsMismatch {
                message: format!(
                    "tool receipt {} ({}) follows approval {} but its args_hash_b64u {} is not the approved plan_hash_b64u {}",
                    p.get("receipt_id").and_then(Value::as_str).unwrap_or("?"),
                    p.get("tool_name").and_then(Value::as_str).unwrap_or("?"),
                    a.get("receipt_id").and_then(Value::as_str).unwrap_or("?"),
                    args,
                    plan
                ),
            });
        }
        bound += 1;
    }
    Ok(bound)
}
