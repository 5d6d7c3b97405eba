//! What the steps after step 25 need of the tool receipts, gathered in one scan of them: per
//! receipt, step 26's own checks (its agent before the binding; expiry, hash, signatures and
//! disclosures after it) kept as the first failing receipt, and its binding to the event
//! chain (`binding.run_id`, `binding.event_hash_b64u`) kept unresolved, since the chain may
//! come after the receipts in a stream; step 26 resolves it against [`EventFacts`]. Also C2's
//! first unsorted position, C4a's policy statements and C4's first denial
//! ([`super::array_facts`]), and what C5 reads of each receipt bound to an event
//! ([`BoundTool`]). Fed the whole array today, and chunk by chunk once the verifier streams
//! (docs/design/streaming-verifier.md); no step reads the tool receipts themselves.

use super::super::approval_binding::BoundTool;
use super::super::par_map;
use super::super::receipts::{payload_of, ReceiptKind};
use super::super::schema::is_b64u_chars;
use super::array_facts::{PolicyFacts, PolicyItem, SortScan};
use super::config::VerifyConfig;
use super::events::EventFacts;
use super::failure::{StepResult, VerifyFailure};
use super::prepare::ToolPre;
use super::receipts::{check_tool_agent, check_tool_sealed, tool_fail};
use serde_json::Value;

/// Where in a tool receipt's step-26 checks a failure was found; within a receipt, the
/// earlier stage wins.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Stage {
    /// `agent_did`, checked first.
    Agent,
    /// `binding.run_id`.
    Run,
    /// `binding.event_hash_b64u`.
    Event,
    /// Expiry, hash, signatures, disclosures, checked last.
    Sealed,
}

/// The tool receipts' facts (see the module documentation).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct ToolFacts {
    len: usize,
    /// The first receipt whose own checks fail, the stage and the failure.
    own: Option<(usize, Stage, VerifyFailure)>,
    /// `binding.run_id` (a non-empty string, in a `binding` object) where it changes from
    /// the previous receipt stating one: a receipt stating a run states the last entry's at
    /// or before its index.
    runs: Vec<(usize, Box<str>)>,
    /// Each receipt whose `binding` object has a string `binding.event_hash_b64u` (step 26,
    /// C5).
    bound: Vec<BoundTool>,
    /// The first receipt whose `binding.event_hash_b64u` is not a string.
    first_unstrung: Option<usize>,
    /// C2: the first position out of `receipt_id` order.
    first_unsorted: Option<usize>,
    /// C4a, C4 under the configured policy (empty without one).
    policy: PolicyFacts,
}

/// Gathers [`ToolFacts`] from runs of consecutive tool receipts.
#[derive(Debug)]
pub(crate) struct ToolScan<'c> {
    agent_did: Box<str>,
    cfg: &'c VerifyConfig,
    facts: ToolFacts,
    sort: SortScan,
}

/// What one receipt gives the scan, read in parallel.
struct Item<'a> {
    own: Option<(Stage, VerifyFailure)>,
    run: Option<&'a str>,
    /// `Some(None)`: a `binding.event_hash_b64u` that is not a string.
    event: Option<Option<&'a str>>,
    bound: Option<BoundTool>,
    policy: Option<PolicyItem>,
}

impl<'c> ToolScan<'c> {
    /// A scan for a bundle whose payload `agent_did` is `agent_did`, verified under `cfg`.
    pub(crate) fn new(agent_did: &str, cfg: &'c VerifyConfig) -> ToolScan<'c> {
        ToolScan {
            agent_did: agent_did.into(),
            cfg,
            facts: ToolFacts::default(),
            sort: SortScan::default(),
        }
    }

    /// The facts of a whole array.
    #[cfg(test)]
    pub(crate) fn whole(
        tools: &[Value],
        pre: &[ToolPre],
        sig_ok: &[bool],
        agent_did: &str,
        cfg: &'c VerifyConfig,
        threads: usize,
    ) -> ToolFacts {
        let mut s = ToolScan::new(agent_did, cfg);
        s.push(tools, pre, sig_ok, threads);
        s.finish()
    }

    /// The next `tools`, with their prepared hashes and signature jobs (`pre`, one per
    /// receipt) and every signature's result (`sig_ok`).
    pub(crate) fn push(
        &mut self,
        tools: &[Value],
        pre: &[ToolPre],
        sig_ok: &[bool],
        threads: usize,
    ) {
        let base = self.facts.len;
        // Only the first failing receipt counts: once one is known, later receipts' own
        // checks cannot be first.
        let own_wanted = self.facts.own.is_none();
        let replay = self.facts.policy.denied.is_none();
        let (agent_did, cfg) = (&*self.agent_did, self.cfg);
        let idx: Vec<usize> = (0..tools.len()).collect();
        let items = par_map(&idx, threads, |&k| {
            let (i, r) = (base + k, &tools[k]);
            let own = if !own_wanted {
                None
            } else if let Err(f) = check_tool_agent(i, r, agent_did) {
                Some((Stage::Agent, f))
            } else {
                check_tool_sealed(i, r, &pre[k], sig_ok, cfg)
                    .err()
                    .map(|f| (Stage::Sealed, f))
            };
            // The binding as step 26 reads it: an object in the payload. (An envelope
            // without a payload fails its agent check first.)
            let b = payload_of(r).get("binding").and_then(Value::as_object);
            let run = b
                .and_then(|b| b.get("run_id"))
                .and_then(Value::as_str)
                .filter(|s| !s.is_empty());
            let event = b.and_then(|b| b.get("event_hash_b64u")).map(Value::as_str);
            let bound = matches!(event, Some(Some(_)))
                .then(|| BoundTool::of(i, r))
                .flatten();
            let policy = cfg
                .policy
                .as_ref()
                .map(|pol| PolicyFacts::item(pol, ReceiptKind::Tool, i, r, replay));
            Item {
                own,
                run,
                event,
                bound,
                policy,
            }
        });
        let f = &mut self.facts;
        for (k, item) in items.into_iter().enumerate() {
            let i = base + k;
            if let (None, Some((stage, fail))) = (&f.own, item.own) {
                f.own = Some((i, stage, fail));
            }
            if let Some(run) = item.run {
                if f.runs.last().is_none_or(|(_, last)| **last != *run) {
                    f.runs.push((i, run.into()));
                }
            }
            if item.event == Some(None) {
                f.first_unstrung.get_or_insert(i);
            }
            f.bound.extend(item.bound);
            if let Some(p) = item.policy {
                f.policy.add(p);
            }
        }
        f.len += tools.len();
        self.sort.push(tools);
    }

    /// The facts of every receipt pushed.
    pub(crate) fn finish(self) -> ToolFacts {
        ToolFacts {
            first_unsorted: self.sort.finish(),
            ..self.facts
        }
    }
}

impl ToolFacts {
    /// How many tool receipts there are.
    pub(crate) fn len(&self) -> usize {
        self.len
    }

    /// C2: the first position whose `receipt_id` sorts before its predecessor's.
    pub(crate) fn first_unsorted(&self) -> Option<usize> {
        self.first_unsorted
    }

    /// C4a's statements and C4's first denial, under the policy the scan was given.
    pub(crate) fn policy(&self) -> &PolicyFacts {
        &self.policy
    }

    /// C5: the receipts bound to an event, in array order.
    pub(crate) fn bound(&self) -> &[BoundTool] {
        &self.bound
    }

    /// Step 26: the first failing receipt in array order, each receipt's checks in order
    /// (agent, then its binding to `chain` when there is one, then the sealed checks).
    pub(crate) fn check(&self, chain: Option<&EventFacts>) -> StepResult {
        let mut first: Option<(usize, Stage)> = self.own.as_ref().map(|(i, s, _)| (*i, *s));
        let Some(c) = chain else {
            return self.own.as_ref().map_or(Ok(()), |(_, _, f)| Err(f.clone()));
        };
        let mut earlier = |at: (usize, Stage)| {
            if first.is_none_or(|f| at < f) {
                first = Some(at);
            }
        };
        // A receipt's run is the last change at or before it: the first change to another
        // run is the first receipt bound to another run.
        if let Some((i, _)) = self.runs.iter().find(|(_, r)| **r != *c.run()) {
            earlier((*i, Stage::Run));
        }
        if let Some(i) = self.first_unstrung {
            earlier((i, Stage::Event));
        }
        let bad_event = self
            .bound
            .iter()
            .find(|t| !is_b64u_chars(&t.event_hash) || !c.contains(&t.event_hash));
        if let Some(t) = bad_event {
            earlier((t.at, Stage::Event));
        }
        let Some((i, stage)) = first else {
            return Ok(());
        };
        Err(match stage {
            Stage::Agent | Stage::Sealed => match &self.own {
                Some((_, _, f)) => f.clone(),
                None => return Ok(()),
            },
            Stage::Run => tool_fail(
                i,
                VerifyFailure::ReceiptBindingMismatch,
                "binding.run_id differs from the event chain's",
            ),
            Stage::Event => match self.bound.iter().find(|t| t.at == i) {
                Some(t) if is_b64u_chars(&t.event_hash) => tool_fail(
                    i,
                    VerifyFailure::ReceiptBindingMismatch,
                    "binding.event_hash_b64u is not in the event chain",
                ),
                _ => tool_fail(
                    i,
                    VerifyFailure::SchemaValidationFailed,
                    "binding.event_hash_b64u is not base64url",
                ),
            },
        })
    }
}

#[cfg(test)]
mod tests {
    use super::super::events::EventScan;
    use super::super::failure::{Detail, Step};
    use super::*;
    use serde_json::json;

    const AGENT: &str = "did:key:zA";
    const H: [&str; 3] = ["AAAAAAAAAAh0", "AAAAAAAAAAh1", "AAAAAAAAAAh2"];

    /// Step 26 as it read the receipts' values before the facts: per receipt in array
    /// order, agent, binding, sealed checks.
    fn oracle(
        tools: &[Value],
        pre: &[ToolPre],
        sig_ok: &[bool],
        chain: Option<&EventFacts>,
        cfg: &VerifyConfig,
    ) -> StepResult {
        for (i, r) in tools.iter().enumerate() {
            check_tool_agent(i, r, AGENT)?;
            let fail = |v: fn(Detail) -> VerifyFailure, m: &str| tool_fail(i, v, m);
            let p = if r.get("envelope_type").is_some() {
                &r["payload"]
            } else {
                r
            };
            if let (Some(b), Some(c)) = (p.get("binding").and_then(Value::as_object), chain) {
                if let Some(Value::String(br)) = b.get("run_id") {
                    if !br.is_empty() && br != c.run() {
                        return Err(fail(
                            VerifyFailure::ReceiptBindingMismatch,
                            "binding.run_id differs from the event chain's",
                        ));
                    }
                }
                if let Some(ev) = b.get("event_hash_b64u") {
                    let ev = ev.as_str().unwrap_or("");
                    if !is_b64u_chars(ev) {
                        return Err(fail(
                            VerifyFailure::SchemaValidationFailed,
                            "binding.event_hash_b64u is not base64url",
                        ));
                    }
                    if !c.contains(ev) {
                        return Err(fail(
                            VerifyFailure::ReceiptBindingMismatch,
                            "binding.event_hash_b64u is not in the event chain",
                        ));
                    }
                }
            }
            check_tool_sealed(i, r, &pre[i], sig_ok, cfg)?;
        }
        Ok(())
    }

    /// A bare tool receipt bound to `run` and event `ev`.
    fn bare(run: Value, ev: Value) -> Value {
        json!({"agent_did": AGENT, "receipt_id": "tr", "binding": {"run_id": run, "event_hash_b64u": ev}})
    }

    /// A tool receipt envelope expiring at `exp`, signed (`good`) or not.
    fn env(run: &str, ev: &str, exp: &str, good: bool) -> Value {
        json!({"envelope_type": "tool_receipt", "expires_at": exp,
               "signature_b64u": if good { "good" } else { "bad" },
               "payload": {"agent_did": AGENT, "binding": {"run_id": run, "event_hash_b64u": ev}}})
    }

    /// What `prepare` gives: envelopes hashed, signed by job 0 (verifies) or 1 (does not).
    fn pre_of(tools: &[Value]) -> Vec<ToolPre> {
        tools
            .iter()
            .map(|r| {
                let env = r.get("envelope_type").is_some();
                ToolPre {
                    hash_ok: env.then_some(Ok(())),
                    primary_job: env.then_some(usize::from(r["signature_b64u"] == "bad")),
                    primary_key_ok: env,
                    cosig_jobs: Vec::new(),
                }
            })
            .collect()
    }

    /// Runs of every size give the whole array's facts, and step 26 reads them as it read
    /// the receipts: the first failing receipt, within one the agent, then the binding, then
    /// expiry, hash, signatures and disclosures.
    #[test]
    fn runs_of_any_size_give_the_whole_arrays_step_26() {
        let events: Vec<Value> = H
            .iter()
            .map(|h| json!({"event_id": h, "run_id": "r", "event_type": "x", "event_hash_b64u": h}))
            .collect();
        let events = EventScan::whole(&events, 1);
        let (late, past) = ("2030-01-01T00:00:00Z", "2020-01-01T00:00:00Z");
        let good = |i: usize| bare(json!("r"), json!(H[i % 3]));
        let mut other_agent = good(0);
        other_agent["agent_did"] = json!("did:key:zB");
        other_agent["binding"]["run_id"] = json!("x");
        let mut disclosure = good(1);
        disclosure["receipt_version"] = json!("2");
        disclosure["args_disclosure"] = json!({"disclosure_algorithm": "x"});
        let cases: Vec<(Vec<Value>, &str)> = vec![
            ((0..5).map(good).collect(), "OK"),
            // Expired (1) before a bound to another run (3), and the other way round.
            (
                vec![
                    good(0),
                    env("r", H[1], past, true),
                    good(2),
                    bare(json!("x"), json!(H[0])),
                ],
                "EXPIRED_TTL",
            ),
            (
                vec![
                    good(0),
                    bare(json!("x"), json!(H[0])),
                    env("r", H[1], past, true),
                ],
                "RECEIPT_BINDING_MISMATCH",
            ),
            // Within one receipt: the binding before the expiry and the signature.
            (
                vec![good(0), env("r", "AAAAAAAAAAzz", past, false), good(1)],
                "RECEIPT_BINDING_MISMATCH",
            ),
            (
                vec![
                    env("r", H[2], late, true),
                    env("r", "not b64u!", late, false),
                ],
                "SCHEMA_VALIDATION_FAILED",
            ),
            // The agent before the binding.
            (
                vec![good(0), good(1), other_agent, bare(json!("x"), json!(H[0]))],
                "PROOF_BUNDLE_AGENT_MISMATCH",
            ),
            // A binding event that is not a string, before a bad signature and after.
            (
                vec![
                    good(0),
                    bare(json!("r"), json!(7)),
                    env("r", H[1], late, false),
                ],
                "SCHEMA_VALIDATION_FAILED",
            ),
            (
                vec![
                    good(0),
                    env("r", H[1], late, false),
                    bare(json!("r"), json!(7)),
                ],
                "SIGNATURE_INVALID",
            ),
            // Runs that change and come back; a run that is not a string or empty is no run.
            (
                vec![
                    good(0),
                    bare(json!(""), json!(H[1])),
                    bare(json!(3), json!(H[2])),
                    good(1),
                    bare(json!("x"), json!(H[1])),
                    good(2),
                    bare(json!("y"), json!("AAAAAAAAAAzz")),
                ],
                "RECEIPT_BINDING_MISMATCH",
            ),
            (
                vec![
                    good(0),
                    bare(json!("r"), json!("AAAAAAAAAAzz")),
                    bare(json!("x"), json!(H[0])),
                ],
                "RECEIPT_BINDING_MISMATCH",
            ),
            (
                vec![good(0), disclosure, bare(json!("x"), json!(H[0]))],
                "DISCLOSURE_ALGORITHM_UNKNOWN",
            ),
            (
                vec![
                    json!({"agent_did": AGENT, "binding": "r"}),
                    json!({"agent_did": AGENT}),
                ],
                "OK",
            ),
            (vec![], "OK"),
        ];
        let cfg = VerifyConfig::new(1_800_000_000_000);
        let sig_ok = [true, false];
        for (tools, code) in &cases {
            let pre = pre_of(tools);
            let whole = ToolScan::whole(tools, &pre, &sig_ok, AGENT, &cfg, 1);
            assert_eq!(whole.len(), tools.len());
            let got = whole.check(Some(&events));
            assert_eq!(got, oracle(tools, &pre, &sig_ok, Some(&events), &cfg));
            assert_eq!(
                got.as_ref().err().map_or("OK", |e| e.reason_code()),
                *code,
                "{tools:?}"
            );
            assert_eq!(whole.check(None), oracle(tools, &pre, &sig_ok, None, &cfg));
            for size in 1..=tools.len() {
                let mut s = ToolScan::new(AGENT, &cfg);
                for (run, pre) in tools.chunks(size).zip(pre.chunks(size)) {
                    s.push(run, pre, &sig_ok, 2);
                }
                assert_eq!(s.finish(), whole, "runs of {size}");
            }
        }
        let f = ToolScan::whole(&cases[2].0, &pre_of(&cases[2].0), &sig_ok, AGENT, &cfg, 1);
        let e = f.check(Some(&events)).err();
        assert_eq!(e.as_ref().map(|e| e.step()), Some(Step::Receipts));
        assert_eq!(
            e.as_ref().and_then(|e| e.field()),
            Some("payload.tool_receipts[1]")
        );
    }
}
