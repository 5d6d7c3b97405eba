//! What the steps after step 25 need of the side-effect, approval and delegation receipts,
//! gathered in one scan of each array: steps 27–28's first failing receipt (version, hash
//! algorithm, agent; side-effect and approval receipts only). Fed the whole array today, and
//! chunk by chunk once the verifier streams (docs/design/streaming-verifier.md); no step reads
//! these receipts themselves.

use super::super::par_map;
use super::super::receipts::ReceiptKind;
use super::failure::{StepResult, VerifyFailure};
use super::receipts::check_support_one;
use serde_json::Value;

/// One support receipt array's facts (see the module documentation).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SupportFacts {
    kind: ReceiptKind,
    len: usize,
    /// Steps 27–28: the first receipt failing its checks.
    first_failure: Option<VerifyFailure>,
}

/// Gathers [`SupportFacts`] from runs of consecutive receipts of one array.
#[derive(Debug)]
pub(crate) struct SupportScan {
    agent_did: Box<str>,
    facts: SupportFacts,
}

impl SupportScan {
    /// A scan of the `kind` array (side-effect, approval or delegation receipts) of a bundle
    /// whose payload `agent_did` is `agent_did`.
    pub(crate) fn new(kind: ReceiptKind, agent_did: &str) -> SupportScan {
        SupportScan {
            agent_did: agent_did.into(),
            facts: SupportFacts {
                kind,
                len: 0,
                first_failure: None,
            },
        }
    }

    /// The facts of a whole array.
    pub(crate) fn whole(
        kind: ReceiptKind,
        items: &[Value],
        agent_did: &str,
        threads: usize,
    ) -> SupportFacts {
        let mut s = SupportScan::new(kind, agent_did);
        s.push(items, threads);
        s.finish()
    }

    /// Whether steps 27–28 check this array's receipts.
    fn checked(&self) -> bool {
        matches!(
            self.facts.kind,
            ReceiptKind::SideEffect | ReceiptKind::HumanApproval
        )
    }

    /// The next `items` of the array.
    pub(crate) fn push(&mut self, items: &[Value], threads: usize) {
        let base = self.facts.len;
        let check = self.checked() && self.facts.first_failure.is_none();
        let (array, agent_did) = (self.facts.kind.array_name(), &*self.agent_did);
        let idx: Vec<usize> = (0..items.len()).collect();
        let results = par_map(&idx, threads, |&k| {
            if check {
                check_support_one(base + k, &items[k], array, agent_did).err()
            } else {
                None
            }
        });
        let f = &mut self.facts;
        if f.first_failure.is_none() {
            f.first_failure = results.into_iter().flatten().next();
        }
        f.len += items.len();
    }

    /// The facts of every receipt pushed.
    pub(crate) fn finish(self) -> SupportFacts {
        self.facts
    }
}

impl SupportFacts {
    /// How many receipts the array has.
    pub(crate) fn len(&self) -> usize {
        self.len
    }

    /// Steps 27–28 on this array: its first failing receipt (none for delegation receipts).
    pub(crate) fn check(&self) -> StepResult {
        self.first_failure.clone().map_or(Ok(()), Err)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const AGENT: &str = "did:key:zA";

    /// Steps 27–28 as they read the receipts' values before the facts.
    fn oracle(kind: ReceiptKind, items: &[Value]) -> StepResult {
        if kind == ReceiptKind::Delegation {
            return Ok(());
        }
        for (i, r) in items.iter().enumerate() {
            check_support_one(i, r, kind.array_name(), AGENT)?;
        }
        Ok(())
    }

    /// Runs of every size give the whole array's facts, and steps 27–28 read them as they
    /// read the receipts: the first failing receipt, within one version, algorithm, agent.
    #[test]
    fn runs_of_any_size_give_the_whole_arrays_steps_27_28() {
        let good = json!({"receipt_version": "1", "hash_algorithm": "SHA-256", "agent_did": AGENT});
        let mut v2 = good.clone();
        v2["receipt_version"] = json!("2");
        let mut blake = good.clone();
        blake["hash_algorithm"] = json!("BLAKE3");
        let mut other = good.clone();
        other["agent_did"] = json!("did:key:zB");
        let mut both = other.clone();
        both["hash_algorithm"] = json!(1);
        let cases = [
            vec![good.clone(), json!({}), good.clone()],
            vec![good.clone(), other.clone(), v2.clone(), blake.clone()],
            vec![good.clone(), good.clone(), both, other.clone()],
            vec![blake, good.clone(), v2],
            vec![],
        ];
        for kind in [
            ReceiptKind::SideEffect,
            ReceiptKind::HumanApproval,
            ReceiptKind::Delegation,
        ] {
            for items in &cases {
                let whole = SupportScan::whole(kind, items, AGENT, 1);
                assert_eq!(whole.len(), items.len());
                assert_eq!(whole.check(), oracle(kind, items));
                for size in 1..=items.len() {
                    let mut s = SupportScan::new(kind, AGENT);
                    for run in items.chunks(size) {
                        s.push(run, 2);
                    }
                    assert_eq!(s.finish(), whole, "runs of {size}");
                }
            }
        }
        let f = SupportScan::whole(ReceiptKind::HumanApproval, &cases[2], AGENT, 1);
        let e = f.check().err();
        assert_eq!(
            e.as_ref().map(|e| e.reason_code()),
            Some("UNKNOWN_HASH_ALGORITHM")
        );
        assert_eq!(
            e.as_ref().and_then(|e| e.field()),
            Some("payload.human_approval_receipts[2]")
        );
        let f = SupportScan::whole(ReceiptKind::Delegation, &cases[1], AGENT, 1);
        assert_eq!(
            f.check(),
            Ok(()),
            "delegation receipts are not checked here"
        );
    }
}
