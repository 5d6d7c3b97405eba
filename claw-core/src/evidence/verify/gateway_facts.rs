//! The gateway receipts' facts (`payload.receipts`, legacy entries set aside), read once: per
//! receipt, the generic checks before its signature and the signature to check
//! ([`gateway_generic`]), whether its metadata is over the size limit (step 11), its binding's
//! `run_id` and `event_hash_b64u` (step 25), its policy statement (C6), its log inclusion
//! proof's outcome (C1), its causal entry ([`entry_of`], 29–30) and its `receipt_id` with the
//! SHA-256 of its canonical payload (31); across receipts, whether the array is sorted by
//! `receipt_id` (C2). Fed the whole array today, and chunk by chunk once the verifier streams
//! (docs/design/streaming-verifier.md); the steps above read these facts, not the receipts.
//! The facts own their data; what needs the event chain or the payload's metadata is kept
//! unresolved and compared in the step.

use super::super::batch::SigJob;
use super::super::causal::{entry_of, Entry, Fail};
use super::super::gateway_policy::PolicyStatement;
use super::super::par_map;
use super::array_facts::{mismatch, SortScan, Statements};
use super::config::VerifyConfig;
use super::events::EventFacts;
use super::failure::VerifyFailure;
use super::helpers::{b64u8, did_key, js_len, str_of, MAX_DID_KEY_LEN};
use super::log_inclusion;
use super::prepare::{gateway_generic, GwFail};
use crate::hash;
use crate::json::{self, KeyOrder};
use serde_json::Value;
use std::collections::HashMap;

/// A signature the generic checks let through: Ed25519 by `did` over the UTF-8 of `msg` (the
/// receipt's `payload_hash_b64u`).
#[derive(Debug, Clone, PartialEq, Eq)]
struct GwSig {
    did: Box<str>,
    msg: Box<str>,
    sig_b64u: Box<str>,
}

/// One gateway receipt's facts.
#[derive(Debug, Clone)]
pub(crate) struct GwReceipt {
    /// The generic checks: the index of the receipt's signature job, or why there is none.
    pre: Result<usize, GwFail>,
    /// `js_len(payload.metadata)` exceeds `max_metadata_bytes`.
    metadata_over: bool,
    /// `payload.binding.run_id`, when a non-empty string.
    bind_run: Option<Box<str>>,
    /// `payload.binding.event_hash_b64u`, when a string of at least 8 base64url characters.
    bind_event: Option<Box<str>>,
    policy: PolicyStatement,
    /// `payload.receipt_id`, when a string.
    receipt_id: Option<Box<str>>,
    /// SHA-256 of the canonical payload (of no bytes when it does not canonicalize); zeros
    /// without a `receipt_id` (step 31 skips such receipts).
    payload_digest: [u8; 32],
    /// C1: `None` without a log inclusion proof.
    log: Option<Result<(), Box<VerifyFailure>>>,
    /// The causal entry (`None`: the binding declares no causal member).
    causal: Result<Option<Box<Entry>>, Box<Fail>>,
}

impl GwReceipt {
    /// The generic checks' outcome: the signature job's index, or the failure.
    pub(crate) fn pre(&self) -> Result<usize, GwFail> {
        self.pre
    }

    /// Bound to the chain's run and one of its events (step 25).
    pub(crate) fn bound_to(&self, chain: &EventFacts) -> bool {
        self.bind_run.as_deref() == Some(chain.run())
            && self
                .bind_event
                .as_deref()
                .is_some_and(|h| chain.contains(h))
    }

    /// What the receipt states of its policy (C6).
    pub(crate) fn policy(&self) -> &PolicyStatement {
        &self.policy
    }

    /// `payload.receipt_id`, when a string.
    pub(crate) fn receipt_id(&self) -> Option<&str> {
        self.receipt_id.as_deref()
    }

    /// Whether the two receipts' payloads have the same canonical bytes.
    pub(crate) fn same_payload(&self, other: &GwReceipt) -> bool {
        self.payload_digest == other.payload_digest
    }
}

/// The gateway receipts' facts (see the module documentation).
#[derive(Debug, Clone, Default)]
pub(crate) struct GatewayFacts {
    receipts: Vec<GwReceipt>,
    /// The signature jobs, in receipt order.
    jobs: Vec<GwSig>,
    /// The first receipt whose `receipt_id` sorts before its predecessor's (C2).
    first_unsorted: Option<usize>,
}

/// Gathers [`GatewayFacts`] from runs of consecutive gateway receipts.
#[derive(Debug)]
pub(crate) struct GatewayScan<'c> {
    cfg: &'c VerifyConfig,
    facts: GatewayFacts,
    /// [`did_key`]'s outcome (a usable key or not) for the allowlisted signers met so far.
    keys: HashMap<Box<str>, Result<bool, ()>>,
    /// C2's order across runs.
    sort: SortScan,
}

impl<'c> GatewayScan<'c> {
    /// A scan checking receipts against `cfg` (allowlist, limits, trusted log signers).
    pub(crate) fn new(cfg: &'c VerifyConfig) -> GatewayScan<'c> {
        GatewayScan {
            cfg,
            facts: GatewayFacts::default(),
            keys: HashMap::new(),
            sort: SortScan::default(),
        }
    }

    /// The facts of a whole array.
    pub(crate) fn whole(gw: &[Value], cfg: &VerifyConfig, threads: usize) -> GatewayFacts {
        let mut s = GatewayScan::new(cfg);
        s.push(gw, threads);
        s.finish()
    }

    /// The next `gw` receipts of the array.
    pub(crate) fn push(&mut self, gw: &[Value], threads: usize) {
        let cfg = self.cfg;
        let allow = &cfg.allowlists.gateway_receipt_signer_dids;
        // Each distinct signer is decoded once (point decompression is not free), and only
        // an allowlisted one: the generic checks read no other signer's key. A DID too long
        // to decode is not kept (`did_key` refuses it unread, as a missing entry does).
        for d in gw.iter().filter_map(|r| str_of(r, "signer_did")) {
            if d.len() <= MAX_DID_KEY_LEN
                && !self.keys.contains_key(d)
                && allow.iter().any(|a| a == d)
            {
                self.keys.insert(d.into(), did_key(d).map(|k| k.is_some()));
            }
        }
        let keys = &self.keys;
        let key_ok = |d: &str| keys.get(d).copied().unwrap_or(Err(()));
        let base = self.facts.receipts.len();
        let idx: Vec<usize> = (0..gw.len()).collect();
        // Each receipt's facts depend on it alone: read them in parallel.
        let read = par_map(&idx, threads, |&k| read(base + k, &gw[k], cfg, &key_ok));
        let f = &mut self.facts;
        for (sig, mut r) in read {
            r.pre = sig.map(|s| {
                f.jobs.push(s);
                f.jobs.len() - 1
            });
            f.receipts.push(r);
        }
        self.sort.push(gw);
    }

    /// The facts of every receipt pushed.
    pub(crate) fn finish(self) -> GatewayFacts {
        GatewayFacts {
            first_unsorted: self.sort.finish(),
            ..self.facts
        }
    }
}

/// Receipt `i`'s facts, with its signature job apart (the job's index is set in receipt
/// order by the caller; `pre` is a placeholder until then).
fn read(
    i: usize,
    r: &Value,
    cfg: &VerifyConfig,
    key_ok: &(dyn Fn(&str) -> Result<bool, ()> + Sync),
) -> (Result<GwSig, GwFail>, GwReceipt) {
    let allow = &cfg.allowlists.gateway_receipt_signer_dids;
    let own = |k: &str| -> Box<str> { str_of(r, k).unwrap_or("").into() };
    let sig = gateway_generic(r, allow, key_ok).map(|()| GwSig {
        did: own("signer_did"),
        msg: own("payload_hash_b64u"),
        sig_b64u: own("signature_b64u"),
    });
    let p = &r["payload"];
    let binding = p.get("binding");
    let receipt_id = str_of(p, "receipt_id");
    let payload_digest = match receipt_id {
        Some(_) => json::sha256_of(p, KeyOrder::Jcs).unwrap_or_else(|_| hash::sha256(b"")),
        None => [0; 32],
    };
    let facts = GwReceipt {
        pre: Ok(0),
        metadata_over: p
            .get("metadata")
            .is_some_and(|m| js_len(m) > cfg.limits.max_metadata_bytes),
        bind_run: binding
            .and_then(|b| str_of(b, "run_id"))
            .filter(|x| !x.is_empty())
            .map(Box::from),
        bind_event: binding
            .and_then(|b| str_of(b, "event_hash_b64u"))
            .filter(|h| b64u8(Some(h)))
            .map(Box::from),
        policy: PolicyStatement::of(p),
        receipt_id: receipt_id.map(Box::from),
        payload_digest,
        log: log_inclusion::receipt_proof(i, r, cfg).map(|x| x.map_err(Box::new)),
        causal: entry_of(i, r).map(|e| e.map(Box::new)).map_err(Box::new),
    };
    (sig, facts)
}

impl GatewayFacts {
    /// How many gateway receipts there are.
    pub(crate) fn len(&self) -> usize {
        self.receipts.len()
    }

    /// Whether there are none.
    pub(crate) fn is_empty(&self) -> bool {
        self.receipts.is_empty()
    }

    /// Each receipt's facts, in array order.
    pub(crate) fn receipts(&self) -> &[GwReceipt] {
        &self.receipts
    }

    /// Whether some receipt's `payload.metadata` exceeds the size limit (step 11).
    pub(crate) fn metadata_over(&self) -> bool {
        self.receipts.iter().any(|r| r.metadata_over)
    }

    /// The signature jobs, in receipt order: job `j` is what [`GwReceipt::pre`] names `j`.
    pub(crate) fn sig_jobs(&self) -> impl Iterator<Item = SigJob<'_>> {
        self.jobs.iter().map(|s| SigJob {
            did: &s.did,
            msg: s.msg.as_bytes(),
            sig_b64u: &s.sig_b64u,
        })
    }

    /// Each receipt's log inclusion outcome (C1), in array order: `None` without a proof.
    pub(crate) fn log_proofs(&self) -> impl Iterator<Item = Option<Result<(), &VerifyFailure>>> {
        self.receipts.iter().map(|r| {
            r.log
                .as_ref()
                .map(|x| x.as_ref().map(|_| ()).map_err(|f| &**f))
        })
    }

    /// The causal entries in receipt order (29–30), or the first receipt's failure to give
    /// one.
    pub(crate) fn causal_entries(&self) -> Result<Vec<&Entry>, Fail> {
        let mut entries = Vec::new();
        for r in &self.receipts {
            match &r.causal {
                Ok(Some(e)) => entries.push(&**e),
                Ok(None) => {}
                Err(f) => return Err((**f).clone()),
            }
        }
        Ok(entries)
    }

    /// The first receipt whose `receipt_id` (`""` when absent) sorts before its
    /// predecessor's under [`json::cmp_utf16`] (C2).
    pub(crate) fn first_unsorted(&self) -> Option<usize> {
        self.first_unsorted
    }

    /// C4a: the receipts' `binding.policy_hash` statements against the hash `want` of the
    /// policy replayed against. Each one present names a policy (`null` too) and must be
    /// the string `want`; the count stops at the first mismatch.
    pub(crate) fn statements(&self, want: &str) -> Statements {
        let mut s = Statements::default();
        for (i, r) in self.receipts.iter().enumerate() {
            let got: &dyn std::fmt::Display = match &r.policy {
                PolicyStatement::Unstated => continue,
                PolicyStatement::Hash(h) if &**h == want => {
                    s.add((1, None));
                    continue;
                }
                PolicyStatement::Null => &"null",
                PolicyStatement::Hash(h) => &Value::String(h.to_string()),
                PolicyStatement::Other(json) => json,
            };
            let field = format!("payload.receipts[{i}].binding.policy_hash");
            s.add((1, Some(mismatch(&field, got, want))));
        }
        s
    }

    /// The facts of `gw` as if every receipt had passed the generic checks, receipt `i` with
    /// signature job `i`.
    #[cfg(test)]
    pub(crate) fn for_tests(gw: &[Value], cfg: &VerifyConfig) -> GatewayFacts {
        let mut f = GatewayScan::whole(gw, cfg, 1);
        for (i, r) in f.receipts.iter_mut().enumerate() {
            r.pre = Ok(i);
        }
        f
    }
}

#[cfg(test)]
mod tests {
    use super::super::super::batch::{self, SigMode};
    use super::super::super::causal::Anchors;
    use super::super::super::causal::CausalMode;
    use super::super::events::EventScan;
    use super::super::failure::StepResult;
    use super::super::{causal, gateway, log_inclusion};
    use super::*;
    use crate::b64;
    use crate::keys::SigningKey;
    use serde_json::json;

    /// The outcome of a step, as the tests compare it.
    fn outcome<T: std::fmt::Debug>(r: StepResult<T>) -> Result<String, (&'static str, String)> {
        r.map(|x| format!("{x:?}")).map_err(|e| {
            (
                e.reason_code(),
                format!("{} @ {:?}", e.message(), e.field()),
            )
        })
    }

    const EV_HASH: &str = "ZXZlbnRoYXNoMDAwMDAwMDA";

    fn key() -> SigningKey {
        SigningKey::from_seed(&[9u8; 32])
    }

    /// A signed gateway receipt envelope `id` whose binding is `binding` (plus `extra` members
    /// in its payload).
    fn receipt(id: &str, binding: Value, extra: Value) -> Value {
        let mut p = json!({
            "receipt_version": "1", "receipt_id": id, "gateway_id": "gw", "provider": "p",
            "model": "m", "request_hash_b64u": "cmVx", "response_hash_b64u": "cmVz",
            "tokens_input": 1, "tokens_output": 2, "latency_ms": 3,
            "timestamp": "2026-01-01T00:00:00Z", "binding": binding,
        });
        if let (Some(p), Some(x)) = (p.as_object_mut(), extra.as_object()) {
            p.extend(x.clone());
        }
        let h = super::super::helpers::js_hash(&p).unwrap_or_default();
        json!({
            "envelope_type": "gateway_receipt", "envelope_version": "1", "algorithm": "Ed25519",
            "hash_algorithm": "SHA-256", "issued_at": "2026-01-01T00:00:01Z",
            "signer_did": key().verifying_key().did(), "payload": p, "payload_hash_b64u": h,
            "signature_b64u": b64::encode(key().sign(h.as_bytes())),
        })
    }

    fn bound(id: &str, span: Value) -> Value {
        let mut b = json!({"run_id": "r", "event_hash_b64u": EV_HASH, "policy_hash": "P"});
        if let (Some(b), Some(s)) = (b.as_object_mut(), span.as_object()) {
            b.extend(s.clone());
        }
        receipt(id, b, json!({}))
    }

    /// The gateway arrays the tests feed: good ones and one of each failure.
    fn cases() -> Vec<Vec<Value>> {
        let good = vec![
            bound("a", json!({"span_id": "s0"})),
            bound("b", json!({"span_id": "s1", "parent_span_id": "s0"})),
            bound("c", json!({"span_id": "s2", "parent_span_id": "s1"})),
            bound("d", json!({})),
        ];
        let mut bad_sig = good.clone();
        bad_sig[2]["signature_b64u"] = json!(b64::encode([0u8; 64]));
        let mut unbound = good.clone();
        unbound[1] = receipt(
            "b",
            json!({"run_id": "other", "event_hash_b64u": EV_HASH}),
            json!({}),
        );
        unbound.push(receipt(
            "e",
            json!({"run_id": "r", "event_hash_b64u": "short"}),
            json!({}),
        ));
        let mut mismatch = good.clone();
        mismatch[3] = receipt("d", json!({"policy_hash": "Q"}), json!({}));
        let mut log = good.clone();
        log[1] = receipt(
            "b",
            json!({}),
            json!({"metadata": {"log_inclusion_proof": {"schema": "nope"}}}),
        );
        let mut replay = good.clone();
        replay.push(bound("a", json!({"span_id": "s0"})));
        replay.push(receipt("b", json!({"run_id": "r"}), json!({})));
        let mut dangling = good.clone();
        dangling[2] = bound("c", json!({"span_id": "s2", "parent_span_id": "nowhere"}));
        let mut conflict = good.clone();
        conflict[3] = bound("d", json!({"span_id": "s3", "spanId": "s4"}));
        let mut clock = good.clone();
        clock[0] = receipt("a", json!({"span_id": "s0"}), json!({"timestamp": "x"}));
        let mut unsorted = good.clone();
        unsorted.swap(1, 2);
        let mut foreign = good.clone();
        foreign[0]["signer_did"] =
            json!("did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK");
        let mut big = good.clone();
        big[2] = receipt(
            "c",
            json!({}),
            json!({"metadata": {"k": "x".repeat(20_000)}}),
        );
        vec![
            good, bad_sig, unbound, mismatch, log, replay, dangling, conflict, clock, unsorted,
            foreign, big,
        ]
    }

    /// Every step that reads the facts, on `f`.
    fn steps(f: &GatewayFacts, cfg: &VerifyConfig) -> Vec<String> {
        let event = json!({"run_id": "r", "event_hash_b64u": EV_HASH});
        let events = EventScan::whole(&[event], 1);
        let jobs: Vec<SigJob<'_>> = f.sig_jobs().collect();
        let sig_ok = batch::verify_all(&jobs, SigMode::Sequential, 1);
        let count = gateway::count(f, &sig_ok, Some(&events), 2);
        let payload = json!({"metadata": {"claw.dev/v1": {"run": {"policy": {"hash_b64u": "P"}}}}});
        let mut out = vec![
            format!("{:?}", (f.len(), f.metadata_over(), f.first_unsorted())),
            format!("{count:?}"),
            format!("{:?}", outcome(gateway::check_strict(&count, cfg))),
            format!("{:?}", outcome(gateway::check_policy(&payload, f))),
            format!("{:?}", outcome(log_inclusion::check(f))),
        ];
        for mode in [CausalMode::Enforce, CausalMode::Warn, CausalMode::Observe] {
            let none = Anchors::default();
            let r = causal::check(f, &none, &none, mode);
            out.push(format!("{:?}", outcome(r)));
        }
        out.push(format!("{:?}", f.statements("P")));
        out
    }

    /// Runs of every size give the facts, and every step's result, of the whole array.
    #[test]
    fn runs_of_any_size_give_the_whole_arrays_facts() {
        let mut cfg = VerifyConfig::new(0);
        cfg.allowlists.gateway_receipt_signer_dids = vec![key().verifying_key().did()];
        for gw in cases() {
            let whole = GatewayScan::whole(&gw, &cfg, 1);
            let want = steps(&whole, &cfg);
            for size in 1..=gw.len() {
                let mut s = GatewayScan::new(&cfg);
                for run in gw.chunks(size) {
                    s.push(run, 2);
                }
                let f = s.finish();
                assert_eq!(format!("{f:?}"), format!("{whole:?}"), "runs of {size}");
                assert_eq!(steps(&f, &cfg), want, "runs of {size}");
            }
        }
    }

    /// What the cases are meant to show, on the whole arrays.
    #[test]
    fn the_cases_fail_where_meant() {
        let mut cfg = VerifyConfig::new(0);
        cfg.allowlists.gateway_receipt_signer_dids = vec![key().verifying_key().did()];
        let got: Vec<Vec<String>> = cases()
            .iter()
            .map(|gw| steps(&GatewayScan::whole(gw, &cfg, 1), &cfg))
            .collect();
        let ok = "Ok(\"()\")";
        // good: signed, bound, bound to the policy, no proofs, a connected graph.
        assert_eq!(got[0][0], "(4, false, None)");
        assert!(got[0][1].contains("signature_verified: 4, verified: 4"));
        assert_eq!(got[0][2], ok);
        assert_eq!(got[0][3], "Ok(\"(4, 0)\")");
        assert_eq!(got[0][4], "Ok(\"0\")");
        assert_eq!(got[0][5], "Ok(\"Anchored(3)\")");
        assert!(got[1][1].contains("receipts[2]: SIGNATURE_INVALID signature does not verify"));
        assert!(got[1][2].contains("RECEIPT_VERIFICATION_FAILED"));
        assert!(got[2][1].contains("receipts[1]: RECEIPT_BINDING_MISMATCH"));
        assert!(got[2][1].contains("receipts[4]: RECEIPT_BINDING_MISMATCH"));
        assert!(got[2][2].contains("RECEIPT_BINDING_MISMATCH"));
        assert!(got[3][3].contains("gateway receipt d is bound to policy \\\"Q\\\""));
        // C4a: every receipt states P, until d states "Q".
        let last = |c: usize| got[c].last().unwrap().clone();
        assert!(last(0).contains("named: 4, mismatch: None"), "{}", last(0));
        assert!(
            last(3).contains("payload.receipts[3].binding.policy_hash is \\\"Q\\\""),
            "{}",
            last(3)
        );
        assert!(got[4][4].contains("receipts[1]: "), "{}", got[4][4]);
        assert!(got[5][5].contains("CAUSAL_RECEIPT_REPLAY_DETECTED"));
        assert!(got[5][5].contains("receipt_id b appears with different content"));
        assert!(got[6][5].contains("CAUSAL_REFERENCE_DANGLING"));
        assert!(got[7][5].contains("CAUSAL_BINDING_FIELD_CONFLICT"));
        assert!(got[8][5].contains("CAUSAL_CLOCK_CONTRADICTION"));
        assert_eq!(got[9][0], "(4, false, Some(2))");
        assert!(got[10][1].contains("receipts[0]: CLAIM_NOT_FOUND signer_did is not allowlisted"));
        assert_eq!(got[11][0], "(4, true, None)");
        let f = GatewayScan::whole(&cases()[9], &cfg, 1);
        assert_eq!(f.first_unsorted(), Some(2));
    }
}
