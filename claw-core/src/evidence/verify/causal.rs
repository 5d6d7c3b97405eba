//! docs/SPEC.md §6.3 steps 29–32 [causal]: the gateway receipts' causal bindings
//! (`evidence/causal.rs`), receipt-id replay, and the anchoring of side-effect and approval
//! receipts to a declared span (enforce: fatal; warn: reported).

use super::super::causal::{self, Anchors, CausalMode};
use super::failure::{Detail, Step, StepResult, VerifyFailure};
use super::gateway_facts::GatewayFacts;
use std::collections::HashMap;

/// What the causal step reports when it does not stop the verification.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum CausalOutcome {
    /// `observe`: connectivity not checked.
    Observed,
    /// Every side-effect and approval receipt anchored; the number of declared spans.
    Anchored(usize),
    /// `warn`: an unanchored receipt, reported (code, message).
    Warned(&'static str, String),
}

fn failure(code: &'static str, message: String, field: Option<&str>) -> VerifyFailure {
    VerifyFailure::from_code(code, Detail::new(Step::Causal, message, field))
}

/// Steps 29–32: the gateway receipts' causal entries and replayed ids (from their facts), then
/// the anchoring of `side_effects` and `approvals` to the declared spans.
pub(crate) fn check(
    gw: &GatewayFacts,
    side_effects: &Anchors,
    approvals: &Anchors,
    mode: CausalMode,
) -> StepResult<CausalOutcome> {
    let known = gw
        .causal_entries()
        .and_then(|entries| causal::check_entries(&entries, mode))
        .map_err(|(code, m, f)| failure(code, m, Some(&f)))?;
    check_replay(gw)?;
    if mode == CausalMode::Observe {
        return Ok(CausalOutcome::Observed);
    }
    let r = side_effects
        .check(
            &known,
            "side_effect_receipts",
            "CAUSAL_SIDE_EFFECT_ORPHANED",
        )
        .and_then(|()| {
            approvals.check(
                &known,
                "human_approval_receipts",
                "CAUSAL_HUMAN_APPROVAL_ORPHANED",
            )
        });
    match (r, mode) {
        (Ok(()), _) => Ok(CausalOutcome::Anchored(known.len())),
        (Err((code, m, f)), CausalMode::Enforce) => Err(failure(code, m, Some(&f))),
        (Err((code, m, _)), _) => Ok(CausalOutcome::Warned(code, m)),
    }
}

/// Step 31: a `receipt_id` repeated among the gateway receipts must carry the same payload
/// (the same canonical bytes: their digests are facts).
fn check_replay(gw: &GatewayFacts) -> StepResult {
    // First occurrence of each id.
    let receipts = gw.receipts();
    let mut seen: HashMap<&str, usize> = HashMap::with_capacity(receipts.len());
    for (i, r) in receipts.iter().enumerate() {
        let Some(id) = r.receipt_id() else {
            continue;
        };
        match seen.get(id) {
            Some(&j) if !receipts[j].same_payload(r) => {
                return Err(VerifyFailure::causal_receipt_replay_detected(
                    Step::Causal,
                    format!("receipt_id {id} appears with different content"),
                    Some(&format!("payload.receipts[{i}].payload.receipt_id")),
                ));
            }
            Some(_) => {}
            None => {
                seen.insert(id, i);
            }
        }
    }
    Ok(())
}
