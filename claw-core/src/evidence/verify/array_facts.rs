//! What claw's C2, C4a and C4 read of any receipt array, gathered as its receipts go by: the
//! first position out of `receipt_id` order (C2), the policy hashes the receipts state (C4a)
//! and the first receipt the replayed policy denies (C4). The tool, side-effect, approval and
//! delegation receipts' scans keep these ([`super::tool_facts`], [`super::support_facts`]);
//! the gateway receipts' are read from their values until that array is scanned too.

use super::super::receipts::{payload_of, receipt_id_of, ReceiptKind};
use super::config::PolicyReplay;
use super::failure::{Step, VerifyFailure};
use crate::json;
use serde_json::Value;
use std::cmp::Ordering;

/// C2 fed runs of consecutive receipts of one array: the first position whose `receipt_id`
/// (`""` when absent) sorts after its predecessor's, by UTF-16 code units.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct SortScan {
    seen: usize,
    /// The last receipt's `receipt_id`, for the next run's first comparison.
    last: Option<Box<str>>,
    first_unsorted: Option<usize>,
}

impl SortScan {
    /// The next `items` of the array.
    pub(crate) fn push(&mut self, items: &[Value]) {
        if self.first_unsorted.is_none() {
            let mut prev = self.last.as_deref();
            for (k, r) in items.iter().enumerate() {
                let id = receipt_id_of(r);
                if prev.is_some_and(|p| json::cmp_utf16(p, id) == Ordering::Greater) {
                    self.first_unsorted = Some(self.seen + k);
                    break;
                }
                prev = Some(id);
            }
        }
        if let Some(last) = items.last() {
            self.last = Some(receipt_id_of(last).into());
        }
        self.seen += items.len();
    }

    /// The first unsorted position of every receipt pushed (`None`: sorted).
    pub(crate) fn finish(self) -> Option<usize> {
        self.first_unsorted
    }
}

/// C4a over receipts: how many policy-hash statements they make, and the first that is not
/// the hash of the policy replayed against (then the count stops there).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Statements {
    pub(crate) named: usize,
    pub(crate) mismatch: Option<VerifyFailure>,
}

/// One receipt's statements: how many, and the first mismatch.
pub(crate) type Stated = (usize, Option<VerifyFailure>);

impl Statements {
    /// The statements of a whole array of `kind` against the policy hash `want`.
    #[cfg(test)]
    pub(crate) fn of_values(kind: ReceiptKind, items: &[Value], want: &str) -> Statements {
        let mut s = Statements::default();
        for (i, r) in items.iter().enumerate() {
            s.add(stated(kind, i, r, want));
        }
        s
    }

    /// The next receipt's statements.
    pub(crate) fn add(&mut self, (named, mismatch): Stated) {
        if self.mismatch.is_none() {
            self.named += named;
            self.mismatch = mismatch;
        }
    }
}

/// C4a's failure: the statement at `field` is `got`, not the policy hash `want`.
pub(crate) fn mismatch(field: &str, got: &dyn std::fmt::Display, want: &str) -> VerifyFailure {
    VerifyFailure::policy_binding_mismatch(
        Step::Policy,
        format!("{field} is {got}, not the hash {want} of the policy replayed against"),
        Some(field),
    )
}

/// Receipt `i` of `kind`'s statements, in order: its payload's `binding.policy_hash`, then
/// for an approval its `policy_hash_b64u`. Each one present names a policy (a JSON `null`
/// too) and must be the string `want`.
pub(crate) fn stated(kind: ReceiptKind, i: usize, r: &Value, want: &str) -> Stated {
    let p = if r.get("envelope_type").is_some() {
        &r["payload"]
    } else {
        r
    };
    let approval = kind == ReceiptKind::HumanApproval;
    let statements = [
        (
            p.get("binding").and_then(|b| b.get("policy_hash")),
            "binding.policy_hash",
        ),
        (
            p.get("policy_hash_b64u").filter(|_| approval),
            "policy_hash_b64u",
        ),
    ];
    let mut named = 0;
    for (got, member) in statements {
        let Some(got) = got else { continue };
        named += 1;
        if got.as_str() != Some(want) {
            let field = format!("payload.{}[{i}].{member}", kind.array_name());
            return (named, Some(mismatch(&field, got, want)));
        }
    }
    (named, None)
}

/// C4a and C4 over one receipt array, under the policy the verification replays against
/// (empty without one).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct PolicyFacts {
    pub(crate) statements: Statements,
    /// C4: the first receipt the policy denies (tool and side-effect receipts only).
    pub(crate) denied: Option<VerifyFailure>,
}

/// One receipt's part of [`PolicyFacts`], read beside its other checks.
pub(crate) type PolicyItem = (Stated, Option<VerifyFailure>);

impl PolicyFacts {
    /// Receipt `i` of `kind` under `pol`; `replay`: ask the policy about it (C4 replays tool
    /// and side-effect receipts, and only the first denial counts).
    pub(crate) fn item(
        pol: &PolicyReplay,
        kind: ReceiptKind,
        i: usize,
        r: &Value,
        replay: bool,
    ) -> PolicyItem {
        let stated = stated(kind, i, r, &pol.policy_hash_b64u);
        let replayed = matches!(kind, ReceiptKind::Tool | ReceiptKind::SideEffect);
        let denied = (replay && replayed)
            .then(|| (pol.decide)(kind, payload_of(r)))
            .flatten()
            .map(|why| {
                VerifyFailure::policy_violation(
                    Step::Policy,
                    format!(
                        "{}[{i}] ({}) denied by policy {}: {why}",
                        kind.array_name(),
                        receipt_id_of(r),
                        pol.policy_hash_b64u
                    ),
                    Some(kind.array_name()),
                )
            });
        (stated, denied)
    }

    /// The next receipt's part.
    pub(crate) fn add(&mut self, (stated, denied): PolicyItem) {
        self.statements.add(stated);
        if self.denied.is_none() {
            self.denied = denied;
        }
    }
}
