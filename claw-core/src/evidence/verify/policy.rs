//! claw's C4a and C4 [policy]: with `VerifyConfig::policy` (hash P), every policy hash the
//! signed payload states must be P, then tool receipts are replayed against the policy.

use super::super::receipts::{Receipt, ReceiptKind};
use super::super::CLAW_NAMESPACE;
use super::config::PolicyReplay;
use super::failure::{Step, StepResult, VerifyFailure};
use super::helpers::arr;
use super::view::BundleView;
use serde_json::Value;

/// What the policy step reports: receipts replayed, and statements naming the policy (0:
/// the run names none, reported as `POLICY_BINDING_MISSING`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Replayed {
    pub receipts: usize,
    pub named: usize,
}

/// C4a then C4.
pub(crate) fn check(v: &BundleView<'_>, pol: &PolicyReplay) -> StepResult<Replayed> {
    let named = check_binding(v.payload, &pol.policy_hash_b64u)?;
    let mut n = 0;
    for (kind, items) in [
        (ReceiptKind::Tool, v.tools),
        (ReceiptKind::SideEffect, v.side_effects),
    ] {
        for (i, r) in items.iter().enumerate() {
            let rec = Receipt {
                kind,
                value: r.clone(),
            };
            if let Some(why) = (pol.decide)(kind, rec.payload()) {
                return Err(VerifyFailure::policy_violation(
                    Step::Policy,
                    format!(
                        "{}[{i}] ({}) denied by policy {}: {why}",
                        kind.array_name(),
                        rec.receipt_id(),
                        pol.policy_hash_b64u
                    ),
                    Some(kind.array_name()),
                ));
            }
            n += 1;
        }
    }
    Ok(Replayed { receipts: n, named })
}

/// Before receipts are replayed against the policy `want` (`--wpc`): the run must be bound
/// to it. Every policy hash the signed payload states — the run's
/// `metadata["claw.dev/v1"].run.policy.hash_b64u`, each receipt's `binding.policy_hash`,
/// an approval's `policy_hash_b64u` — must equal `want` (`POLICY_BINDING_MISMATCH`): a run
/// made under another policy is not "replayed against P". Returns how many statements
/// named it (0: the run names no policy; the caller reports `POLICY_BINDING_MISSING` as a
/// warning, since recorders without a binding context make such bundles).
pub(crate) fn check_binding(payload: &Value, want: &str) -> StepResult<usize> {
    const C: Step = Step::Policy;
    let mut named = 0usize;
    let mut check = |got: Option<&Value>, field: String| -> StepResult {
        let Some(got) = got else { return Ok(()) };
        named += 1;
        if got.as_str() == Some(want) {
            return Ok(());
        }
        Err(VerifyFailure::policy_binding_mismatch(
            C,
            format!(
                "{field} is {}, not the hash {want} of the policy replayed against",
                got
            ),
            Some(&field),
        ))
    };
    check(
        payload
            .get("metadata")
            .and_then(|m| m.get(CLAW_NAMESPACE))
            .and_then(|n| n.get("run"))
            .and_then(|r| r.get("policy"))
            .and_then(|p| p.get("hash_b64u")),
        format!("payload.metadata[{CLAW_NAMESPACE:?}].run.policy.hash_b64u"),
    )?;
    for kind in ReceiptKind::ALL {
        for (i, r) in arr(payload, kind.array_name()).iter().enumerate() {
            let p = if r.get("envelope_type").is_some() {
                &r["payload"]
            } else {
                r
            };
            let at = format!("payload.{}[{i}]", kind.array_name());
            check(
                p.get("binding").and_then(|b| b.get("policy_hash")),
                format!("{at}.binding.policy_hash"),
            )?;
            if kind == ReceiptKind::HumanApproval {
                check(p.get("policy_hash_b64u"), format!("{at}.policy_hash_b64u"))?;
            }
        }
    }
    Ok(named)
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
