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
//!
//! The check reads facts, not receipts: [`BoundTool`] of each tool receipt bound to an event,
//! [`Approval`] of each approval that could bind one, and the event chain's [`EventFacts`],
//! so the receipts need not be kept until the chain is known.

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

/// What the check reads of a tool receipt whose payload is bound to an event (a string
/// `binding.event_hash_b64u`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct BoundTool {
    /// The receipt's index in `tool_receipts`.
    pub at: usize,
    /// `binding.event_hash_b64u`.
    pub event_hash: Box<str>,
    args_hash: Option<Box<str>>,
    receipt_id: Option<Box<str>>,
    tool_name: Option<Box<str>>,
}

impl BoundTool {
    /// The facts of tool receipt `at` (an envelope, or a bare payload), when it is bound to an
    /// event.
    pub(crate) fn of(at: usize, r: &Value) -> Option<BoundTool> {
        let p = payload_of(r);
        let h = p.get("binding")?.get("event_hash_b64u")?.as_str()?;
        let s = |k: &str| p.get(k).and_then(Value::as_str).map(Box::from);
        Some(BoundTool {
            at,
            event_hash: h.into(),
            args_hash: s("args_hash_b64u"),
            receipt_id: s("receipt_id"),
            tool_name: s("tool_name"),
        })
    }
}

/// What the check reads of an approval that can bind a tool call: an `explicit_approve`
/// with a string `plan_hash_b64u` and a string `binding.event_hash_b64u`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Approval {
    plan: Box<str>,
    event_hash: Box<str>,
    receipt_id: Option<Box<str>>,
}

impl Approval {
    /// The facts of approval receipt `a`, when it can bind a tool call (any other approval
    /// binds nothing).
    pub(crate) fn of(a: &Value) -> Option<Approval> {
        if a.get("approval_type").and_then(Value::as_str) != Some("explicit_approve") {
            return None;
        }
        let plan = a.get("plan_hash_b64u")?.as_str()?;
        let h = a.get("binding")?.get("event_hash_b64u")?.as_str()?;
        Some(Approval {
            plan: plan.into(),
            event_hash: h.into(),
            receipt_id: a.get("receipt_id").and_then(Value::as_str).map(Box::from),
        })
    }
}

/// Check every approval of `approvals` against the tool receipt that follows it. `events`
/// are the facts of the bundle's event chain, `tools` the tool receipts bound to an event, in
/// array order (the last one bound to an event is that event's). Returns how many approvals
/// bound a tool call.
pub(crate) fn check(
    events: &EventFacts,
    tools: &[BoundTool],
    approvals: &[Approval],
) -> Result<usize, ApprovalArgsMismatch> {
    if approvals.is_empty() {
        return Ok(0);
    }
    let mut tool_at: HashMap<usize, &BoundTool> = HashMap::new();
    for t in tools {
        if let Some(i) = events.index_of(&t.event_hash) {
            tool_at.insert(i, t);
        }
    }
    let mut bound = 0;
    for a in approvals {
        let Some(i) = events.index_of(&a.event_hash) else {
            continue;
        };
        let next = i + 1;
        if !events.is_tool_call(next) {
            continue;
        }
        let Some(t) = tool_at.get(&next) else {
            continue;
        };
        let args = t.args_hash.as_deref().unwrap_or("");
        let plan = &*a.plan;
        if args != plan {
            return Err(ApprovalArgsMismatch {
                message: format!(
                    "tool receipt {} ({}) follows approval {} but its args_hash_b64u {} is not the approved plan_hash_b64u {}",
                    t.receipt_id.as_deref().unwrap_or("?"),
                    t.tool_name.as_deref().unwrap_or("?"),
                    a.receipt_id.as_deref().unwrap_or("?"),
                    args,
                    plan
                ),
            });
        }
        bound += 1;
    }
    Ok(bound)
}
