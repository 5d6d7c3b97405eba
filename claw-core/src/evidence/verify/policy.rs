//! claw's C4a and C4 [policy]: with `VerifyConfig::policy` (hash P), every policy hash the
//! signed payload states must be P, then tool receipts are replayed against the policy.

use super::super::receipts::ReceiptKind;
use super::super::CLAW_NAMESPACE;
use super::array_facts::{mismatch, Statements};
use super::config::PolicyReplay;
use super::failure::StepResult;
use super::support_facts::SupportFacts;
use super::tool_facts::ToolFacts;
use serde_json::Value;

/// What the policy step reports: receipts replayed, and statements naming the policy (0:
/// the run names none, reported as `POLICY_BINDING_MISSING`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Replayed {
    pub receipts: usize,
    pub named: usize,
}

/// C4a then C4, from the receipt arrays' facts (gathered under `pol`); the gateway
/// receipts' statements are given (`gateway`).
pub(crate) fn check(
    payload: &Value,
    gateway: Statements,
    tools: &ToolFacts,
    support: [&SupportFacts; 3],
    pol: &PolicyReplay,
) -> StepResult<Replayed> {
    let of_kind = |kind| support.into_iter().find(|s| s.kind() == kind);
    let arrays = ReceiptKind::ALL.map(|kind| match kind {
        ReceiptKind::Gateway => Some(&gateway),
        ReceiptKind::Tool => Some(&tools.policy().statements),
        _ => of_kind(kind).map(|s| &s.policy().statements),
    });
    let arrays: Vec<&Statements> = arrays.into_iter().flatten().collect();
    let named = check_statements(payload, &arrays, &pol.policy_hash_b64u)?;
    let side_effects = of_kind(ReceiptKind::SideEffect);
    let denied = [Some(tools.policy()), side_effects.map(|s| s.policy())];
    if let Some(f) = denied.into_iter().flatten().find_map(|p| p.denied.as_ref()) {
        return Err(f.clone());
    }
    let receipts = tools.len() + side_effects.map_or(0, |s| s.len());
    Ok(Replayed { receipts, named })
}

/// Before receipts are replayed against the policy `want` (`--wpc`): the run must be bound
/// to it. Every policy hash the signed payload states — the run's
/// `metadata["claw.dev/v1"].run.policy.hash_b64u`, each receipt's `binding.policy_hash`,
/// an approval's `policy_hash_b64u` — must equal `want` (`POLICY_BINDING_MISMATCH`): a run
/// made under another policy is not "replayed against P". Returns how many statements
/// named it (0: the run names no policy; the caller reports `POLICY_BINDING_MISSING` as a
/// warning, since recorders without a binding context make such bundles). The receipts'
/// statements are read from their arrays' facts, given in [`ReceiptKind::ALL`] order.
pub(crate) fn check_statements(
    payload: &Value,
    arrays: &[&Statements],
    want: &str,
) -> StepResult<usize> {
    let run = payload
        .get("metadata")
        .and_then(|m| m.get(CLAW_NAMESPACE))
        .and_then(|n| n.get("run"))
        .and_then(|r| r.get("policy"))
        .and_then(|p| p.get("hash_b64u"));
    let mut named = 0usize;
    if let Some(got) = run {
        named += 1;
        if got.as_str() != Some(want) {
            let field = format!("payload.metadata[{CLAW_NAMESPACE:?}].run.policy.hash_b64u");
            return Err(mismatch(&field, got, want));
        }
    }
    for s in arrays {
        if let Some(f) = &s.mismatch {
            return Err(f.clone());
        }
        named += s.named;
    }
    Ok(named)
}

/// [`check_statements`] over a whole payload's values.
#[cfg(test)]
pub(crate) fn check_binding(payload: &Value, want: &str) -> StepResult<usize> {
    use super::helpers::arr;
    let arrays = ReceiptKind::ALL
        .map(|kind| Statements::of_values(kind, arr(payload, kind.array_name()), want));
    check_statements(payload, &arrays.each_ref(), want)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn binding_counts_statements_and_refuses_another_policy() {
        let payload = json!({
            "metadata": {CLAW_NAMESPACE: {"run": {"policy": {"hash_b64u": "P"}}}},
            "tool_receipts": [{"envelope_type": "tool_receipt",
                               "payload": {"binding": {"policy_hash": "P"}}}],
            "human_approval_receipts": [{"policy_hash_b64u": "Q"}],
        });
        let r = check_binding(&payload, "P");
        let e = r.map_err(|e| (e.reason_code(), e.field().map(str::to_string)));
        assert_eq!(
            e,
            Err((
                "POLICY_BINDING_MISMATCH",
                Some("payload.human_approval_receipts[0].policy_hash_b64u".into())
            ))
        );
        assert_eq!(check_binding(&json!({}), "P").ok(), Some(0));
        let ok = json!({"tool_receipts": [{"binding": {"policy_hash": "P"}}]});
        assert_eq!(check_binding(&ok, "P").ok(), Some(1));
    }
}
