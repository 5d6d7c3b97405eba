//! Offline verification of proof bundles (protocol §7), in the reference verifier's check
//! order and with its reason codes, plus claw's additions (log inclusion proofs, the Merkle
//! checkpoint, policy replay, optional spec-strict checks).
//!
//! A pipeline of small steps, one per concern and file, run in the order docs/SPEC.md §6.3
//! numbers them ([`run`]): [`envelope`] (1–9, 15–17), [`schema`] (9.75), [`payload`]
//! (10–14), [`chain`] (18), [`rate_limits`] (19), [`urm`] (24), [`gateway`] (25, S),
//! [`receipts`] (26–28, C2, C5), [`causal`] (29–32), [`attestations`] (34),
//! [`log_inclusion`] (C1), [`merkle`] (C3), [`policy`] (C4a, C4), [`tiers`] (35). The
//! envelope is read once into a typed [`view`] borrowed from the parsed input; a step that
//! fails returns a [`VerifyFailure`], whose variant is the reason code.

mod array_facts;
mod attestations;
mod causal;
mod chain;
mod config;
mod envelope;
mod events;
mod failure;
mod gateway;
mod gateway_facts;
mod gather;
mod helpers;
mod in_bundle;
mod log_inclusion;
mod merkle;
mod payload;
mod policy;
mod prepare;
mod rate_limits;
mod receipt_proof;
mod receipts;
mod schema;
mod stream;
mod support_facts;
mod tiers;
mod tool_facts;
mod urm;
mod verdict;
mod view;

pub use config::{PolicyReplay, VerifyConfig, VerifyLimits};
pub use failure::{Detail, Step, VerifyFailure};
pub use log_inclusion::verify_log_inclusion_proof;
pub use receipt_proof::{verify_receipt_proof, ReceiptProofVerdict};
pub use verdict::{Component, ComponentStatus, ProofTier, TrustTier, Verdict, VerdictHead};

pub(crate) use events::EventFacts;
pub(crate) use helpers::{arr, did_format_ok, did_key, js_hash};
pub(crate) use verdict::verdict_json;

use super::document::{locate_document, Located, VerifiedBundle};
use super::merkle_proofs::{self, Checkpoint};
use super::receipts::{Receipt, ReceiptKind};
use crate::json;
use crate::time;
use failure::{Detail as D, StepResult};
use gather::Gathered;
use serde_json::Value;
use std::borrow::Cow;
use view::{BundleView, Header};

/// What a VALID verification keeps for its consumers: the envelope exactly as verified, the
/// receipts in Merkle leaf order and the checkpoint.
pub(crate) type Parsed = (Value, Vec<Receipt>, Option<Checkpoint>);

/// What [`run`] keeps of a VALID verification for [`Parsed`]: the envelope only when it is
/// not the input's own (legacy receipt entries set aside); otherwise the caller moves the
/// verified envelope out of the parsed input (never a copy of the whole tree).
type Kept = (Option<Value>, Vec<Receipt>, Option<Checkpoint>);

/// What a verification keeps for its caller when it passes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Keep {
    /// Nothing: the verdict alone.
    Nothing,
    /// The envelope (a consumer reads the verified bundle).
    Envelope,
    /// The envelope and a copy of each receipt in Merkle leaf order (a bundle rebuilt to
    /// issue receipt proofs).
    WithLeaves,
}

/// The components found so far, the identifiers and counts, while the steps run.
struct Ctx<'c> {
    cfg: &'c VerifyConfig,
    components: Vec<Component>,
    bundle_id: Option<String>,
    agent_did: Option<String>,
    run_id: Option<String>,
    counts: (usize, usize, usize),
    kept: Option<Kept>,
}

impl<'c> Ctx<'c> {
    fn new(cfg: &'c VerifyConfig) -> Ctx<'c> {
        Ctx {
            cfg,
            components: Vec::new(),
            bundle_id: None,
            agent_did: None,
            run_id: None,
            counts: (0, 0, 0),
            kept: None,
        }
    }

    fn set(
        &mut self,
        step: Step,
        status: ComponentStatus,
        code: &'static str,
        detail: impl Into<String>,
    ) {
        self.components.push(Component {
            name: step.as_str(),
            status,
            code,
            detail: detail.into(),
        });
    }
    fn pass(&mut self, step: Step, detail: impl Into<String>) {
        self.set(step, ComponentStatus::Pass, "OK", detail);
    }
    fn skip(&mut self, step: Step, detail: impl Into<String>) {
        self.set(step, ComponentStatus::Skipped, "OK", detail);
    }

    fn verdict(mut self, outcome: StepResult<(ProofTier, TrustTier)>) -> (Verdict, Option<Kept>) {
        let verified_at = time::format_rfc3339_millis(self.cfg.now_ms);
        let (valid, code, reason, field, tier, trust) = match outcome {
            Ok((tier, trust)) => (true, "OK", "bundle verified".to_string(), None, tier, trust),
            Err(f) => {
                let step = f.step();
                let (code, reason, field) = f.into_parts();
                self.set(step, ComponentStatus::Fail, code, reason.clone());
                let unknown = (ProofTier::Unknown, TrustTier::Unknown);
                (false, code, reason, field, unknown.0, unknown.1)
            }
        };
        (
            Verdict {
                valid,
                reason_code: code,
                reason,
                field,
                verified_at,
                proof_tier: tier,
                trust_tier: trust,
                bundle_id: self.bundle_id,
                agent_did: self.agent_did,
                run_id: self.run_id,
                components: self.components,
                receipts_count: self.counts.0,
                receipts_signature_verified_count: self.counts.1,
                receipts_verified_count: self.counts.2,
            },
            if valid { self.kept } else { None },
        )
    }
}

/// Verify a proof bundle: the envelope JSON, or an object `{"envelope": …}` wrapping it
/// (located by [`locate_document`]; an ambiguous root fails `AMBIGUOUS_DOCUMENT`).
///
/// Never fails with an error: the answer is a [`Verdict`] (valid or not, one reason code,
/// the proof tier, each component's result). `bundle_json` below is a bundle built by a
/// [`super::Recorder`] (see its example).
///
/// ```
/// # use claw_core::evidence::{BundleOptions, Recorder, ToolCall, ToolStatus};
/// # use claw_core::keys::SigningKey;
/// # use serde_json::json;
/// # let mut rng = rand_core::OsRng;
/// # let now_ms = 1_800_000_000_000;
/// # let agent = SigningKey::generate(&mut rng);
/// # let mut rec = Recorder::with_run_id(agent, "run_docs")?;
/// # for path in ["src/a.rs", "src/b.rs", "src/a.rs"] {
/// #     let args = json!({"path": path});
/// #     let call = ToolCall { tool_name: "read_file", tool_version: None, args: &args,
/// #         result: &json!("..."), result_status: ToolStatus::Success, latency_ms: 1,
/// #         timestamp_ms: now_ms };
/// #     rec.record_tool_call(&call, &mut rng)?;
/// # }
/// # let bundle = rec.finish(&BundleOptions::default(), now_ms + 10, &mut rng)?;
/// # let bundle_json = bundle.to_json()?;
/// use claw_core::evidence::{verify_bundle, ProofTier, VerifyConfig};
///
/// let cfg = VerifyConfig::new(now_ms + 20); // verification time, Unix milliseconds
/// let verdict = verify_bundle(bundle_json.as_bytes(), &cfg);
/// assert!(verdict.valid);
/// assert_eq!(verdict.reason_code, "OK");
/// // Agent-signed only: no gateway receipt from an allowlisted gateway, so tier `self`.
/// assert_eq!(verdict.proof_tier, ProofTier::SelfTier);
/// assert_eq!(verdict.to_json()["status"], "PASS");
///
/// // One byte changed in the signed payload: refused, with the reason.
/// let tampered = bundle_json.replacen("read_file", "read_fila", 1);
/// let verdict = verify_bundle(tampered.as_bytes(), &cfg);
/// assert!(!verdict.valid);
/// assert_eq!(verdict.reason_code, "HASH_MISMATCH");
/// # Ok::<(), claw_core::evidence::EvidenceError>(())
/// ```
pub fn verify_bundle(bytes: &[u8], cfg: &VerifyConfig) -> Verdict {
    verify_bytes(bytes, cfg, Keep::Nothing).0
}

pub(crate) fn verify_bundle_keep(bytes: &[u8], cfg: &VerifyConfig) -> (Verdict, Option<Parsed>) {
    verify_bytes(bytes, cfg, Keep::WithLeaves)
}

/// The verdict of the parsed-tree path alone, never the streamed one: the oracle the
/// streamed verifier is held to (differential tests and fuzzing). Not for other use.
#[doc(hidden)]
pub fn verify_bundle_with_tree(bytes: &[u8], cfg: &VerifyConfig) -> Verdict {
    verify_tree(bytes, cfg, Keep::Nothing).0
}

/// A proof bundle's verdict from the streamed verifier, when it decides `bytes` (see
/// `stream.rs`); `None`: parse the tree.
pub(crate) fn verify_streamed(bytes: &[u8], cfg: &VerifyConfig) -> Option<Verdict> {
    stream::verify(bytes, cfg)
}

fn verify_bytes(bytes: &[u8], cfg: &VerifyConfig, keep: Keep) -> (Verdict, Option<Parsed>) {
    if keep == Keep::Nothing {
        if let Some(verdict) = verify_streamed(bytes, cfg) {
            return (verdict, None);
        }
    }
    verify_tree(bytes, cfg, keep)
}

fn verify_tree(bytes: &[u8], cfg: &VerifyConfig, keep: Keep) -> (Verdict, Option<Parsed>) {
    match parse_input(bytes, cfg) {
        Ok(v) => match verify_inner(&v, cfg, keep) {
            (verdict, Some((own, leaves, checkpoint))) => {
                let env = own.unwrap_or_else(|| take_envelope(v));
                (verdict, Some((env, leaves, checkpoint)))
            }
            (verdict, None) => {
                json::drop_with_threads(v, cfg.thread_count());
                (verdict, None)
            }
        },
        Err(e) => (invalid_json(cfg, &e), None),
    }
}

/// The proof-bundle envelope a VALID verification of `root` verified, moved out of it:
/// [`locate_document`] picked the root itself or its `envelope` member.
fn take_envelope(mut root: Value) -> Value {
    let wrapped =
        matches!(locate_document(&root), Ok(Located::ProofBundle(e)) if !std::ptr::eq(e, &root));
    if wrapped {
        if let Some(env) = root.as_object_mut().and_then(|o| o.remove("envelope")) {
            return env;
        }
    }
    root
}

/// The verifiers' strict parse of their input: `cfg.limits`' size and depth, exact integers,
/// on the configured threads.
pub(crate) fn parse_input(bytes: &[u8], cfg: &VerifyConfig) -> Result<Value, json::JsonError> {
    let limits = json::Limits {
        max_bytes: cfg.limits.max_bytes,
        max_depth: cfg.limits.max_depth,
        exact_integers: true,
    };
    cfg.progress.step("parse", bytes.len());
    let v = json::parse_with_threads(bytes, &limits, cfg.thread_count());
    cfg.progress.advance(bytes.len());
    v
}

/// The proof-bundle verdict on input that is not strict JSON.
pub(crate) fn invalid_json(cfg: &VerifyConfig, e: &json::JsonError) -> Verdict {
    Ctx::new(cfg)
        .verdict(Err(VerifyFailure::InvalidJson(D::new(
            Step::Envelope,
            e.to_string(),
            None,
        ))))
        .0
}

/// Verify an already parsed (strict) bundle value.
pub fn verify_bundle_value(v: &Value, cfg: &VerifyConfig) -> Verdict {
    verify_inner(v, cfg, Keep::Nothing).0
}

/// Verify a bundle and, when it is VALID, hand back the [`VerifiedBundle`]: the only way a
/// consumer (report, Trust Pulse, receipt proofs) gets at a bundle's content. `Err` is the
/// failing verdict.
#[allow(clippy::result_large_err)] // one verdict per verification, returned once
pub fn verify_bundle_for_use(bytes: &[u8], cfg: &VerifyConfig) -> Result<VerifiedBundle, Verdict> {
    match verify_bytes(bytes, cfg, Keep::Envelope) {
        (v, Some((env, _, _))) if v.is_valid() => Ok(VerifiedBundle::new(env, v)),
        (v, _) => Err(v),
    }
}

fn verify_inner(root: &Value, cfg: &VerifyConfig, keep: Keep) -> (Verdict, Option<Kept>) {
    let mut ctx = Ctx::new(cfg);
    // The one rule that picks the document (§6.8); nothing else reads the root.
    let outcome = match locate_document(root) {
        Ok(Located::ProofBundle(env)) => run(&mut ctx, env, keep),
        Ok(Located::Export(_)) => Err(VerifyFailure::malformed_envelope(
            Step::Envelope,
            "an export bundle, not a proof bundle envelope",
            None,
        )),
        Err(e) => Err(VerifyFailure::from_code(
            e.reason_code(),
            D::new(Step::Envelope, e.to_string(), None),
        )),
    };
    ctx.verdict(outcome)
}

/// The steps, in the order of docs/SPEC.md §6.3, on the parsed tree; the first failure
/// stops.
fn run(ctx: &mut Ctx<'_>, env: &Value, keep: Keep) -> StepResult<(ProofTier, TrustTier)> {
    let cfg = ctx.cfg;
    // 1–9.
    let header = envelope::check_header(env, cfg)?;
    // 9.75 (legacy receipt entries set aside; the hash still covers the original payload).
    let checked = schema::set_aside_legacy(env);
    let env = checked.as_ref();
    schema::check(env, cfg, cfg.thread_count())?;
    let v = BundleView::new(env);
    let gathered = gather::gather_tree(&v, &header, cfg, merkle::wanted(v.payload));
    let receipt = |k: ReceiptKind, i: usize| &arr(v.payload, k.array_name())[i];
    let leaf_bytes = |k, i| merkle_proofs::leaf_bytes(k, receipt(k, i)).unwrap_or_default();
    let (tiers, order, checkpoint) = steps(ctx, &header, &v, gathered, &leaf_bytes)?;
    if keep != Keep::Nothing {
        // Receipts in leaf order (for receipt proofs from a verified bundle).
        let leaves = if keep == Keep::WithLeaves {
            order
                .into_iter()
                .map(|(kind, i)| Receipt {
                    kind,
                    value: receipt(kind, i).clone(),
                })
                .collect()
        } else {
            Vec::new()
        };
        let own = match checked {
            Cow::Owned(e) => Some(e),
            Cow::Borrowed(_) => None,
        };
        ctx.kept = Some((own, leaves, checkpoint));
    }
    Ok(tiers)
}

/// What [`steps`] gives a passing verification: the tiers, the receipts' positions in leaf
/// order and the checkpoint (C3).
type Passed = (
    (ProofTier, TrustTier),
    Vec<(ReceiptKind, usize)>,
    Option<Checkpoint>,
);

/// Steps 9.75 (passed: the schema was checked by the driver) to 35 over the gathered facts
/// `g`; `v` is the payload's view (its big arrays are not read); `leaf_bytes` reads one
/// receipt's leaf bytes again, for a full tie in leaf order.
fn steps(
    ctx: &mut Ctx<'_>,
    header: &Header<'_>,
    v: &BundleView<'_>,
    g: Gathered,
    leaf_bytes: &dyn Fn(ReceiptKind, usize) -> Vec<u8>,
) -> StepResult<Passed> {
    let cfg = ctx.cfg;
    let threads = cfg.thread_count();
    ctx.pass(Step::Schema, "proof_bundle_envelope.v1");
    let Gathered {
        events,
        gateway,
        gateway_sig_ok: sig_ok,
        tools,
        side_effects,
        approvals,
        delegations,
        leaves,
        payload_hash: bundle_hash,
    } = g;
    ctx.bundle_id = v.bundle_id.map(str::to_string);
    ctx.agent_did = Some(v.agent_did.to_string());
    ctx.run_id = events.run_id().map(str::to_string);

    // 10–14.
    payload::check(v, &events, &gateway, header, cfg)?;

    // 15–17.
    envelope::check_signature(header, bundle_hash.as_deref())?;
    ctx.pass(Step::Envelope, "proof_bundle envelope signed by agent_did");

    // 18. The chain, when there is one: its run and hash index bind receipts below.
    let chain: Option<&EventFacts> = if events.is_empty() {
        ctx.skip(Step::EventChain, "no event chain");
        None
    } else {
        events.chain()?;
        ctx.pass(
            Step::EventChain,
            format!("{} events linked and recomputed", events.len()),
        );
        Some(&events)
    };
    let chain_run = chain.map(EventFacts::run);

    // 19.
    if v.rate_limit_claims.is_empty() {
        ctx.skip(Step::RateLimits, "no rate_limit_claims");
    } else {
        rate_limits::check(v.rate_limit_claims, events.run_id())?;
        ctx.pass(
            Step::RateLimits,
            format!("{} claims", v.rate_limit_claims.len()),
        );
    }

    // 24.
    let urm_valid = match v.urm {
        Some(u) => {
            let ok = urm::check(
                u,
                cfg.urm.as_ref(),
                v.agent_did,
                chain_run,
                events.first_hash(),
            )?;
            ctx.pass(Step::Urm, "URM document matches its reference");
            Some(ok)
        }
        None => None,
    };

    // 25 (counted; the strict layer below decides).
    let gw = gateway::count(&gateway, &sig_ok, chain, threads);
    ctx.counts = (gw.total, gw.signature_verified, gw.verified);

    let support = [&side_effects, &approvals, &delegations];

    // 26–28.
    receipts::check_tools(&tools, chain)?;
    receipts::check_support(&side_effects)?;
    receipts::check_support(&approvals)?;
    if tools.len() + side_effects.len() + approvals.len() + delegations.len() == 0 {
        ctx.skip(
            Step::Receipts,
            "no tool, side-effect, approval or delegation receipts",
        );
    } else {
        ctx.pass(
            Step::Receipts,
            format!(
                "{} tool, {} side-effect, {} approval, {} delegation receipts",
                tools.len(),
                side_effects.len(),
                approvals.len(),
                delegations.len()
            ),
        );
    }

    // 29–32.
    let anchors = (side_effects.anchors(), approvals.anchors());
    match causal::check(&gateway, anchors.0, anchors.1, cfg.causal_mode)? {
        causal::CausalOutcome::Observed => {
            ctx.skip(Step::Causal, "causal connectivity not checked (observe)")
        }
        causal::CausalOutcome::Anchored(spans) => {
            ctx.pass(Step::Causal, format!("{spans} declared spans"))
        }
        causal::CausalOutcome::Warned(code, m) => {
            ctx.set(Step::Causal, ComponentStatus::Warn, code, m)
        }
    }

    // 34 (counted).
    let att_verified = attestations::count(v.attestations, v.agent_did, cfg);
    if v.attestations.is_empty() {
        ctx.skip(Step::Attestations, "none");
    } else {
        let st = if att_verified == v.attestations.len() {
            ComponentStatus::Pass
        } else {
            ComponentStatus::Warn
        };
        ctx.set(
            Step::Attestations,
            st,
            "OK",
            format!(
                "{att_verified}/{} attestations verified",
                v.attestations.len()
            ),
        );
    }

    // S. The reference CLI's strict layer (what the conformance suite checks).
    if gateway.is_empty() {
        ctx.skip(Step::Gateway, "no gateway receipts");
    } else {
        gateway::check_strict(&gw, cfg)?;
        // C6: bound to the run's declared policy, when the receipt states one.
        let (bound, unstated) = gateway::check_policy(v.payload, &gateway)?;
        let policy = match (bound, unstated) {
            (0, 0) => String::new(),
            (b, 0) => format!("; {b} bound to the run's policy"),
            (b, u) => format!("; {b} bound to the run's policy, {u} stating no policy"),
        };
        ctx.pass(
            Step::Gateway,
            format!(
                "{} gateway receipts allowlisted, signed and bound{policy}",
                gw.verified
            ),
        );
    }

    // C1.
    let with_log = log_inclusion::check(&gateway)?;
    if with_log == 0 {
        ctx.skip(Step::LogInclusion, "no log inclusion proofs");
    } else {
        ctx.pass(
            Step::LogInclusion,
            format!("{with_log} log inclusion proofs verified"),
        );
    }

    // C2.
    if cfg.spec_strict {
        receipts::check_sorted(gateway.first_unsorted(), &tools, support)?;
    }

    // C3.
    let (order, checkpoint) = merkle::check(
        v.payload,
        leaves,
        &events,
        v.agent_did,
        chain_run,
        leaf_bytes,
    )?;
    match &checkpoint {
        Some(c) => ctx.pass(
            Step::Merkle,
            format!("{} leaves, root {}", c.tree_size, c.root_b64u),
        ),
        None => ctx.skip(Step::Merkle, "no claw Merkle metadata"),
    }

    // C4a, C4: policy replay, after checking that the run was bound to that policy.
    if let Some(pol) = &cfg.policy {
        let gateway = gateway.statements(&pol.policy_hash_b64u);
        let r = policy::check(v.payload, gateway, &tools, support, pol)?;
        if r.named == 0 {
            ctx.set(
                Step::Policy,
                ComponentStatus::Warn,
                "POLICY_BINDING_MISSING",
                format!(
                    "{} receipts replayed against policy {}, but the bundle names no policy hash: the run is not shown to have been bound to it",
                    r.receipts, pol.policy_hash_b64u
                ),
            );
        } else {
            ctx.pass(
                Step::Policy,
                format!(
                    "{} receipts replayed against policy {}, which the run is bound to ({} statements)",
                    r.receipts, pol.policy_hash_b64u, r.named
                ),
            );
        }
    } else {
        ctx.skip(Step::Policy, "no policy supplied");
    }

    // C5.
    receipts::check_approvals(&tools, &approvals, &events)?;

    // 35.
    let counted = tiers::Counted {
        attestations_verified: att_verified,
        attestations: v.attestations.len(),
        gateway_verified: gw.verified,
        gateway: gw.total,
        with_log_proof: with_log,
        event_chain: chain.is_some(),
        urm: urm_valid,
        spec_strict: cfg.spec_strict,
    };
    let tiers = (tiers::proof_tier(&counted), tiers::trust_tier(&counted));
    Ok((tiers, order, checkpoint))
}
