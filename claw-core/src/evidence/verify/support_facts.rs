//! What the steps after step 25 need of the side-effect, approval and delegation receipts,
//! gathered in one scan of each array: steps 27–28's first failing receipt (version, hash
//! algorithm, agent; side-effect and approval receipts only), C2's first unsorted position,
//! C4a's policy statements and C4's first denial ([`super::array_facts`]), and what C5 reads
//! of each approval ([`Approval`]). Fed the whole array today, and chunk by chunk once the
//! verifier streams (docs/design/streaming-verifier.md); no step reads these receipts
//! themselves.

use super::super::approval_binding::Approval;
use super::super::causal::{self, Anchors, CausalMode};
use super::super::par_map;
use super::super::receipts::ReceiptKind;
use super::array_facts::{PolicyFacts, SortScan};
use super::config::VerifyConfig;
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
    /// C2: the first position out of `receipt_id` order.
    first_unsorted: Option<usize>,
    /// C4a, C4 under the configured policy (empty without one).
    policy: PolicyFacts,
    /// C5: the approvals that can bind a tool call, in array order (approval receipts only).
    approvals: Vec<Approval>,
    /// Step 32: each receipt's causal anchor (side-effect and approval receipts, unless the
    /// causal mode only observes).
    anchors: Anchors,
}

/// Gathers [`SupportFacts`] from runs of consecutive receipts of one array.
#[derive(Debug)]
pub(crate) struct SupportScan<'c> {
    agent_did: Box<str>,
    cfg: &'c VerifyConfig,
    facts: SupportFacts,
    sort: SortScan,
}

impl<'c> SupportScan<'c> {
    /// A scan of the `kind` array (side-effect, approval or delegation receipts) of a bundle
    /// whose payload `agent_did` is `agent_did`, verified under `cfg`.
    pub(crate) fn new(
        kind: ReceiptKind,
        agent_did: &str,
        cfg: &'c VerifyConfig,
    ) -> SupportScan<'c> {
        SupportScan {
            agent_did: agent_did.into(),
            cfg,
            facts: SupportFacts {
                kind,
                len: 0,
                first_failure: None,
                first_unsorted: None,
                policy: PolicyFacts::default(),
                approvals: Vec::new(),
                anchors: Anchors::default(),
            },
            sort: SortScan::default(),
        }
    }

    /// The facts of a whole array.
    #[cfg(test)]
    pub(crate) fn whole(
        kind: ReceiptKind,
        items: &[Value],
        agent_did: &str,
        cfg: &'c VerifyConfig,
        threads: usize,
    ) -> SupportFacts {
        let mut s = SupportScan::new(kind, agent_did, cfg);
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
        let replay = self.facts.policy.denied.is_none();
        let kind = self.facts.kind;
        let (array, agent_did, pol) = (kind.array_name(), &*self.agent_did, &self.cfg.policy);
        let anchored = self.checked()
            && self.cfg.causal_mode != CausalMode::Observe
            && self.facts.anchors.open();
        let orphan = match kind {
            ReceiptKind::SideEffect => "CAUSAL_SIDE_EFFECT_ORPHANED",
            _ => "CAUSAL_HUMAN_APPROVAL_ORPHANED",
        };
        let idx: Vec<usize> = (0..items.len()).collect();
        let results = par_map(&idx, threads, |&k| {
            let (i, r) = (base + k, &items[k]);
            let failure = check
                .then(|| check_support_one(i, r, array, agent_did).err())
                .flatten();
            let approval = (kind == ReceiptKind::HumanApproval)
                .then(|| Approval::of(r))
                .flatten();
            let policy = pol
                .as_ref()
                .map(|pol| PolicyFacts::item(pol, kind, i, r, replay));
            let anchor =
                anchored.then(|| causal::anchor_of(r, &format!("payload.{array}[{i}]"), orphan));
            (failure, approval, policy, anchor)
        });
        let f = &mut self.facts;
        for (failure, approval, policy, anchor) in results {
            if let Some(a) = anchor {
                f.anchors.push(a);
            }
            if f.first_failure.is_none() {
                f.first_failure = failure;
            }
            f.approvals.extend(approval);
            if let Some(p) = policy {
                f.policy.add(p);
            }
        }
        f.len += items.len();
        self.sort.push(items);
    }

    /// The facts of every receipt pushed.
    pub(crate) fn finish(self) -> SupportFacts {
        SupportFacts {
            first_unsorted: self.sort.finish(),
            ..self.facts
        }
    }
}

impl SupportFacts {
    /// How many receipts the array has.
    pub(crate) fn len(&self) -> usize {
        self.len
    }

    /// Which array these are the facts of.
    pub(crate) fn kind(&self) -> ReceiptKind {
        self.kind
    }

    /// C2: the first position whose `receipt_id` sorts before its predecessor's.
    pub(crate) fn first_unsorted(&self) -> Option<usize> {
        self.first_unsorted
    }

    /// C4a's statements and C4's first denial, under the policy the scan was given.
    pub(crate) fn policy(&self) -> &PolicyFacts {
        &self.policy
    }

    /// C5: the approvals that can bind a tool call (approval receipts only).
    pub(crate) fn approvals(&self) -> &[Approval] {
        &self.approvals
    }

    /// Step 32: the receipts' causal anchors (side-effect and approval receipts; none when
    /// the causal mode only observes).
    pub(crate) fn anchors(&self) -> &Anchors {
        &self.anchors
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
        let cfg = VerifyConfig::new(0);
        for kind in [
            ReceiptKind::SideEffect,
            ReceiptKind::HumanApproval,
            ReceiptKind::Delegation,
        ] {
            for items in &cases {
                let whole = SupportScan::whole(kind, items, AGENT, &cfg, 1);
                assert_eq!(whole.len(), items.len());
                assert_eq!(whole.check(), oracle(kind, items));
                for size in 1..=items.len() {
                    let mut s = SupportScan::new(kind, AGENT, &cfg);
                    for run in items.chunks(size) {
                        s.push(run, 2);
                    }
                    assert_eq!(s.finish(), whole, "runs of {size}");
                }
            }
        }
        let f = SupportScan::whole(ReceiptKind::HumanApproval, &cases[2], AGENT, &cfg, 1);
        let e = f.check().err();
        assert_eq!(
            e.as_ref().map(|e| e.reason_code()),
            Some("UNKNOWN_HASH_ALGORITHM")
        );
        assert_eq!(
            e.as_ref().and_then(|e| e.field()),
            Some("payload.human_approval_receipts[2]")
        );
        let f = SupportScan::whole(ReceiptKind::Delegation, &cases[1], AGENT, &cfg, 1);
        assert_eq!(
            f.check(),
            Ok(()),
            "delegation receipts are not checked here"
        );
    }
}
