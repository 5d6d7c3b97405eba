//! The big arrays' facts, gathered before the steps run: the event chain, the five receipt
//! arrays (with every signature checked) and, when the metadata asks for step C3, the Merkle
//! leaves. Two drivers feed the same scans ([`Gatherer`]): [`gather_tree`] hands each array
//! of the parsed tree over whole; the streamed driver (`stream.rs`) hands over chunks parsed
//! from the bytes and dropped. The steps read only [`Gathered`] (docs/design/streaming-verifier.md).

use super::super::batch;
use super::super::receipts::ReceiptKind;
use super::config::VerifyConfig;
use super::events::{EventFacts, EventScan};
use super::gateway_facts::{GatewayFacts, GatewayScan};
use super::helpers::js_hash;
use super::merkle::{LeafFact, LeafScan};
use super::prepare;
use super::support_facts::{SupportFacts, SupportScan};
use super::tool_facts::{ToolFacts, ToolScan};
use super::view::{BundleView, Header};
use serde_json::Value;

/// Every fact the steps after the schema read of the big arrays.
#[derive(Debug)]
pub(crate) struct Gathered {
    pub events: EventFacts,
    pub gateway: GatewayFacts,
    /// Each gateway signature job's result (job `j` of `gateway`).
    pub gateway_sig_ok: Vec<bool>,
    pub tools: ToolFacts,
    pub side_effects: SupportFacts,
    pub approvals: SupportFacts,
    pub delegations: SupportFacts,
    /// Every receipt's leaf, arrays in [`ReceiptKind::ALL`] order (empty unless C3 is asked
    /// for).
    pub leaves: Vec<LeafFact>,
    /// The payload's hash as `payload_hash_b64u` states it (`None`: not serializable).
    pub payload_hash: Option<String>,
}

/// The scans, fed runs of consecutive elements of each array.
pub(crate) struct Gatherer<'c> {
    cfg: &'c VerifyConfig,
    threads: usize,
    events: EventScan,
    gateway: GatewayScan<'c>,
    tools: ToolScan<'c>,
    support: [SupportScan<'c>; 3],
    /// One leaf scan per receipt array, when C3 is asked for.
    leaves: Option<[LeafScan; 5]>,
}

impl<'c> Gatherer<'c> {
    /// Scans for a bundle whose payload `agent_did` is `agent_did`; `merkle`: gather the
    /// leaves too.
    pub(crate) fn new(
        cfg: &'c VerifyConfig,
        agent_did: &str,
        merkle: bool,
        threads: usize,
    ) -> Gatherer<'c> {
        Gatherer {
            cfg,
            threads,
            events: EventScan::default(),
            gateway: GatewayScan::new(cfg),
            tools: ToolScan::new(agent_did, cfg),
            support: [
                ReceiptKind::SideEffect,
                ReceiptKind::HumanApproval,
                ReceiptKind::Delegation,
            ]
            .map(|k| SupportScan::new(k, agent_did, cfg)),
            leaves: merkle.then(|| ReceiptKind::ALL.map(LeafScan::new)),
        }
    }

    /// The next events of the chain.
    pub(crate) fn events(&mut self, items: &[Value]) {
        self.events.push(items, self.threads);
    }

    /// The next receipts of `kind` (legacy gateway entries already set aside); tool
    /// receipts have their signatures checked here, a run at a time.
    pub(crate) fn receipts(&mut self, kind: ReceiptKind, items: &[Value]) {
        let threads = self.threads;
        match kind {
            ReceiptKind::Gateway => self.gateway.push(items, threads),
            ReceiptKind::Tool => {
                let (pre, jobs) = prepare::prepare_tools(items, threads);
                let cfg = self.cfg;
                let ok = cfg.progress.chunked("signatures", &jobs, |c| {
                    batch::verify_all(c, cfg.sig_mode, threads)
                });
                self.tools.push(items, &pre, &ok, threads);
            }
            ReceiptKind::SideEffect => self.support[0].push(items, threads),
            ReceiptKind::HumanApproval => self.support[1].push(items, threads),
            ReceiptKind::Delegation => self.support[2].push(items, threads),
        }
        self.leaves(kind, items);
    }

    fn leaves(&mut self, kind: ReceiptKind, items: &[Value]) {
        if let Some(scans) = &mut self.leaves {
            let at = ReceiptKind::ALL.iter().position(|k| *k == kind);
            if let Some(s) = at.and_then(|i| scans.get_mut(i)) {
                s.push(items, self.threads);
            }
        }
    }

    /// The facts, once every element is in: the gateway signatures are checked now (all at
    /// once, so a signer's table serves every one of its receipts).
    pub(crate) fn finish(self, payload_hash: Option<String>) -> Gathered {
        let (cfg, threads) = (self.cfg, self.threads);
        let gateway = self.gateway.finish();
        let jobs: Vec<_> = gateway.sig_jobs().collect();
        let gateway_sig_ok = cfg.progress.chunked("signatures", &jobs, |c| {
            batch::verify_all(c, cfg.sig_mode, threads)
        });
        drop(jobs);
        let [side_effects, approvals, delegations] = self.support.map(SupportScan::finish);
        Gathered {
            events: self.events.finish(),
            gateway,
            gateway_sig_ok,
            tools: self.tools.finish(),
            side_effects,
            approvals,
            delegations,
            leaves: self
                .leaves
                .map(|s| s.into_iter().flat_map(LeafScan::finish).collect())
                .unwrap_or_default(),
            payload_hash,
        }
    }
}

/// The facts of the parsed tree `v` (legacy entries set aside), each array handed over
/// whole, while the payload as received (`header.payload`) is hashed on another thread.
pub(crate) fn gather_tree(
    v: &BundleView<'_>,
    header: &Header<'_>,
    cfg: &VerifyConfig,
    merkle: bool,
) -> Gathered {
    let threads = cfg.thread_count();
    std::thread::scope(|s| {
        let hash_job = (threads > 1).then(|| s.spawn(|| js_hash(header.payload)));
        let mut g = Gatherer::new(cfg, v.agent_did, merkle, threads);
        g.events(v.events);
        for kind in ReceiptKind::ALL {
            g.receipts(kind, v.receipts(kind));
        }
        let payload_hash = match hash_job {
            Some(h) => h.join().unwrap_or_else(|e| std::panic::resume_unwind(e)),
            None => js_hash(header.payload),
        };
        g.finish(payload_hash)
    })
}
