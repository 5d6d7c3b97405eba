//! docs/SPEC.md §6.3 steps 29–32 [causal]: the gateway receipts' causal bindings
//! (`evidence/causal.rs`), receipt-id replay, and the anchoring of side-effect and approval
//! receipts to a declared span (enforce: fatal; warn: reported).

use super::super::causal::{self, CausalMode};
use super::failure::{Detail, Step, StepResult, VerifyFailure};
use super::helpers::str_of;
use super::view::BundleView;
use crate::json;
use serde_json::Value;
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

/// Steps 29–32.
pub(crate) fn check(
    v: &BundleView<'_>,
    mode: CausalMode,
    threads: usize,
) -> StepResult<CausalOutcome> {
    let known = causal::check_gateway_bindings(v.gateway, mode, threads)
        .map_err(|(code, m, f)| failure(code, m, Some(&f)))?;
    check_replay(v.gateway)?;
    if mode == CausalMode::Observe {
        return Ok(CausalOutcome::Observed);
    }
    let r = causal::check_anchoring(
        v.side_effects,
        &known,
        "side_effect_receipts",
        "CAUSAL_SIDE_EFFECT_ORPHANED",
    )
    .and_then(|()| {
        causal::check_anchoring(
            v.approvals,
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

/// Step 31: a `receipt_id` repeated among the gateway receipts must carry the same payload.
fn check_replay(gw: &[Value]) -> StepResult {
    // First occurrence of each id; the canonical bytes are computed only for a repeated id.
    let mut seen: HashMap<&str, usize> = HashMap::with_capacity(gw.len());
    for (i, r) in gw.iter().enumerate() {
        let p = &r["payload"];
        let Some(id) = str_of(p, "receipt_id") else {
            continue;
        };
        let differs = |j: usize| {
            json::canonicalize(&gw[j]["payload"]).unwrap_or_default()
                != json::canonicalize(p).unwrap_or_default()
        };
        match seen.get(id) {
            Some(&j) if differs(j) => {
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
