//! Offline verification of proof bundles (protocol §7), in the reference verifier's check
//! order and with its reason codes, plus claw's additions (log inclusion proofs, the Merkle
//! checkpoint, policy replay, optional spec-strict checks). docs/SPEC.md §6.3 lists
//! every step.

use super::batch::{self, SigJob, SigMode};
use super::bundle::{event_index, CLAW_NAMESPACE};
use super::causal::{self, CausalMode};
use super::config::Allowlists;
use super::document::{locate_document, Located, VerifiedBundle};
use super::merkle_proofs::{self, Checkpoint, LEAF_ORDER, LEAF_RULE, TREE_ALG};
use super::receipts::{Receipt, ReceiptKind, MAX_LATENCY_MS, MAX_TOKENS};
use super::schema::{self, is_b64u_chars, ArrayLimits, SchemaError};
use super::{first_err, par_map};
use crate::error::{Error, ErrorKind};
use crate::json::{self, KeyOrder};
use crate::keys::VerifyingKey;
use crate::{b64, hash, time};
use serde_json::{json, Map, Value};
use std::borrow::Cow;
use std::collections::{HashMap, HashSet};

/// Size and count bounds. The reference allows 1000 events and receipts; claw's defaults
/// allow a million of each (see [`VerifyLimits::reference`] for the reference's numbers).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VerifyLimits {
    /// Input size in bytes.
    pub max_bytes: usize,
    /// JSON nesting depth.
    pub max_depth: usize,
    /// `event_chain` entries.
    pub max_events: usize,
    /// Items of each receipt array (`receipts`, `tool_receipts`, `side_effect_receipts`,
    /// `human_approval_receipts`, `delegation_receipts`).
    pub max_receipts: usize,
    /// `attestations` entries.
    pub max_attestations: usize,
    /// `rate_limit_claims` entries.
    pub max_rate_limit_claims: usize,
    /// Bytes of `JSON.stringify` of `payload.metadata`, `payload.urm.metadata` and each
    /// gateway receipt's `payload.metadata`.
    pub max_metadata_bytes: usize,
}

impl VerifyLimits {
    /// The reference verifier's limits.
    pub const fn reference() -> VerifyLimits {
        VerifyLimits {
            max_bytes: 16 * 1024 * 1024,
            max_depth: 64,
            max_events: 1000,
            max_receipts: 1000,
            max_attestations: 100,
            max_rate_limit_claims: 256,
            max_metadata_bytes: 16_384,
        }
    }
}

impl Default for VerifyLimits {
    fn default() -> Self {
        VerifyLimits {
            max_bytes: 1024 * 1024 * 1024,
            max_depth: 64,
            max_events: 1_000_000,
            max_receipts: 1_000_000,
            max_attestations: 100,
            max_rate_limit_claims: 256,
            max_metadata_bytes: 16_384,
        }
    }
}

/// What the verifier trusts and how it works.
#[derive(Debug, Clone)]
pub struct VerifyConfig {
    /// Verification time, Unix milliseconds (expiry checks).
    pub now_ms: i64,
    /// Allowance added to `expires_at` (reference default 0).
    pub ttl_skew_ms: i64,
    /// Allowlists (reference config file format, see [`super::parse_clawverify_config`]).
    pub allowlists: Allowlists,
    /// Bounds.
    pub limits: VerifyLimits,
    /// Causal connectivity mode (reference default: enforce).
    pub causal_mode: CausalMode,
    /// The URM document a bundle's `urm` reference points to, if the caller has it.
    pub urm: Option<Value>,
    /// Signature checking strategy.
    pub sig_mode: SigMode,
    /// Threads for `SigMode::Batch` signature checks and parallel work (0 = all available
    /// cores); at most [`crate::json::MAX_THREADS`], larger requests are clamped.
    pub threads: usize,
    /// Log operators whose signed roots are accepted in `log_inclusion_proof`s (empty =
    /// any `did:key` operator, as the reference).
    pub trusted_log_signer_dids: Vec<String>,
    /// Protocol-text checks the reference does not make: receipt arrays sorted by
    /// `receipt_id` (`UNSORTED_RECEIPT_ARRAY`), and a gateway receipt counts for the
    /// `gateway` tier only with a valid log inclusion proof.
    pub spec_strict: bool,
    /// Replay tool and side-effect receipts against this policy (WPC); a Deny fails with
    /// `POLICY_VIOLATION`.
    pub policy: Option<PolicyReplay>,
    /// Where to report progress (parse, schema, signatures); nowhere by default.
    pub progress: super::ProgressSink,
}

/// A pinned policy to replay receipts against: a function from (receipt kind, receipt
/// payload) to an optional denial reason. Built by `claw_core::wpc` integration.
#[derive(Clone)]
pub struct PolicyReplay {
    /// The policy hash (`policy_hash_b64u`) the replay is pinned to.
    pub policy_hash_b64u: String,
    #[allow(clippy::type_complexity)]
    decide: std::sync::Arc<dyn Fn(ReceiptKind, &Value) -> Option<String> + Send + Sync>,
}

impl std::fmt::Debug for PolicyReplay {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "PolicyReplay({})", self.policy_hash_b64u)
    }
}

impl PolicyReplay {
    /// Replay against a compiled WPC (§7 step 8): every tool receipt is judged as the action
    /// `tool:execute` on its `tool_name` with [`crate::wpc::CompiledPolicy::replay`]; a receipt
    /// no request context could have allowed (an unconditional Deny, no Allow at all, a
    /// missing parent) fails the bundle with `POLICY_VIOLATION`. Side-effect receipts carry
    /// only a digest of their target, so resource-scoped statements cannot be evaluated for
    /// them offline; they are not replayed (docs/SPEC.md §6).
    pub fn from_policy(policy: std::sync::Arc<crate::wpc::CompiledPolicy>) -> PolicyReplay {
        let hash = policy.hash_b64u().to_string();
        PolicyReplay::new(&hash, move |kind, payload| {
            if kind != ReceiptKind::Tool {
                return None;
            }
            // A tool receipt without a tool name never passed schema validation; judge it
            // as the empty name anyway, which no statement allows.
            let tool = payload
                .get("tool_name")
                .and_then(Value::as_str)
                .unwrap_or("");
            match policy.replay(crate::wpc::ACTION_TOOL_EXECUTE, tool) {
                crate::wpc::ReplayVerdict::NotDisproved => None,
                crate::wpc::ReplayVerdict::Violation {
                    reason,
                    statement_id,
                    policy_hash,
                } => Some(format!(
                    "tool {tool:?}: {}{} (policy {policy_hash})",
                    reason.as_str(),
                    statement_id
                        .map(|s| format!(" by statement {s}"))
                        .unwrap_or_default()
                )),
            }
        })
    }

    /// A replay from a decision function returning `Some(reason)` for a denied receipt.
    pub fn new(
        policy_hash_b64u: &str,
        decide: impl Fn(ReceiptKind, &Value) -> Option<String> + Send + Sync + 'static,
    ) -> PolicyReplay {
        PolicyReplay {
            policy_hash_b64u: policy_hash_b64u.to_string(),
            decide: std::sync::Arc::new(decide),
        }
    }
}

impl VerifyConfig {
    /// Defaults at verification time `now_ms`: no allowlists, claw's limits, causal
    /// enforce, signatures checked with `verify_strict` on all cores.
    pub fn new(now_ms: i64) -> VerifyConfig {
        VerifyConfig {
            now_ms,
            ttl_skew_ms: 0,
            allowlists: Allowlists::default(),
            limits: VerifyLimits::default(),
            causal_mode: CausalMode::Enforce,
            urm: None,
            sig_mode: SigMode::Batch,
            threads: 0,
            trusted_log_signer_dids: Vec::new(),
            spec_strict: false,
            policy: None,
            progress: super::ProgressSink::none(),
        }
    }

    pub(crate) fn thread_count(&self) -> usize {
        if self.sig_mode == SigMode::Sequential {
            return 1;
        }
        // A huge request (`threads = 10**8` from a binding) is clamped, never spawned.
        if self.threads > 0 {
            return crate::json::clamp_threads(self.threads);
        }
        crate::json::clamp_threads(std::thread::available_parallelism().map_or(1, |n| n.get()))
    }
}

/// The proof tier.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum ProofTier {
    /// The bundle is invalid.
    Unknown,
    /// Intact and signed by its agent, nothing external verified (`self`).
    SelfTier,
    /// At least one allowlisted, bound gateway receipt (`gateway`).
    Gateway,
    /// At least one valid attestation by an allowlisted attester (`sandbox`).
    Sandbox,
}

impl ProofTier {
    /// The protocol's name.
    pub fn as_str(self) -> &'static str {
        match self {
            ProofTier::Unknown => "unknown",
            ProofTier::SelfTier => "self",
            ProofTier::Gateway => "gateway",
            ProofTier::Sandbox => "sandbox",
        }
    }
}

/// Outcome of one component.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ComponentStatus {
    Pass,
    Fail,
    /// Checked, problem reported without failing the bundle (e.g. causal `warn` mode).
    Warn,
    /// Absent or not configured.
    Skipped,
}

impl ComponentStatus {
    fn as_str(self) -> &'static str {
        match self {
            ComponentStatus::Pass => "pass",
            ComponentStatus::Fail => "fail",
            ComponentStatus::Warn => "warn",
            ComponentStatus::Skipped => "skipped",
        }
    }
}

/// One component's result.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Component {
    pub name: &'static str,
    pub status: ComponentStatus,
    /// `OK` or the reason code.
    pub code: &'static str,
    pub detail: String,
}

/// The verifier's answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verdict {
    pub valid: bool,
    /// `OK` when valid, else one reason code.
    pub reason_code: &'static str,
    pub reason: String,
    /// JSON path of the failing field, when known.
    pub field: Option<String>,
    pub proof_tier: ProofTier,
    /// The reference's trust tier (`unknown`, `basic`, `verified`, `attested`, `full`).
    pub trust_tier: &'static str,
    pub verified_at: String,
    pub bundle_id: Option<String>,
    pub agent_did: Option<String>,
    pub run_id: Option<String>,
    pub components: Vec<Component>,
    /// Gateway receipts: total, signature-verified, fully verified (signature and binding).
    pub receipts_count: usize,
    pub receipts_signature_verified_count: usize,
    pub receipts_verified_count: usize,
}

impl Verdict {
    /// VALID?
    pub fn is_valid(&self) -> bool {
        self.valid
    }

    /// A component by name.
    pub fn component(&self, name: &str) -> Option<&Component> {
        self.components.iter().find(|c| c.name == name)
    }

    /// The registry's verification shape: `{status: PASS|FAIL, reason_code, reason,
    /// verified_at, proof_tier, trust_tier, bundle_id?, agent_did?, run_id?, field?,
    /// components: {name: {status, code, detail}}, counts}` (keys sorted).
    pub fn to_json(&self) -> Value {
        let mut m = verdict_json(
            VerdictHead {
                valid: self.valid,
                reason_code: self.reason_code,
                reason: &self.reason,
                verified_at: &self.verified_at,
                proof_tier: self.proof_tier,
                components: &self.components,
            },
            [
                ("bundle_id", &self.bundle_id),
                ("agent_did", &self.agent_did),
                ("run_id", &self.run_id),
                ("field", &self.field),
            ],
            json!({
                "receipts": self.receipts_count,
                "receipts_signature_verified": self.receipts_signature_verified_count,
                "receipts_verified": self.receipts_verified_count,
            }),
        );
        m.insert("trust_tier".into(), Value::String(self.trust_tier.into()));
        json::sorted(&Value::Object(m))
    }
}

/// What every verdict reports first (proof bundles and export bundles).
pub(super) struct VerdictHead<'a> {
    pub valid: bool,
    pub reason_code: &'static str,
    pub reason: &'a str,
    pub verified_at: &'a str,
    pub proof_tier: ProofTier,
    pub components: &'a [Component],
}

/// The registry's verification shape shared by both verdicts: `status`, `reason_code`,
/// `reason`, `verified_at`, `proof_tier`, the identifiers that are known, `components: {name:
/// {status, code, detail}}` and `counts`. The caller adds its own members and sorts.
pub(super) fn verdict_json(
    head: VerdictHead<'_>,
    ids: [(&str, &Option<String>); 4],
    counts: Value,
) -> Map<String, Value> {
    let mut comps = Map::new();
    for c in head.components {
        comps.insert(
            c.name.into(),
            json!({"status": c.status.as_str(), "code": c.code, "detail": c.detail}),
        );
    }
    let mut m = Map::new();
    m.insert(
        "status".into(),
        Value::String(if head.valid { "PASS" } else { "FAIL" }.into()),
    );
    m.insert("reason_code".into(), Value::String(head.reason_code.into()));
    m.insert("reason".into(), Value::String(head.reason.into()));
    m.insert("verified_at".into(), Value::String(head.verified_at.into()));
    m.insert(
        "proof_tier".into(),
        Value::String(head.proof_tier.as_str().into()),
    );
    for (k, v) in ids {
        if let Some(v) = v {
            m.insert(k.into(), Value::String(v.clone()));
        }
    }
    m.insert("components".into(), Value::Object(comps));
    m.insert("counts".into(), counts);
    m
}

/// A fatal finding: (component, code, reason, field).
struct Stop {
    component: &'static str,
    code: &'static str,
    reason: String,
    field: Option<String>,
}

fn stop(
    component: &'static str,
    code: &'static str,
    reason: impl Into<String>,
    field: Option<&str>,
) -> Stop {
    Stop {
        component,
        code,
        reason: reason.into(),
        field: field.map(str::to_string),
    }
}

/// What a VALID verification keeps for its consumers: the envelope exactly as verified, the
/// receipts in Merkle leaf order and the checkpoint.
pub(crate) type Parsed = (Value, Vec<Receipt>, Option<Checkpoint>);

struct Ctx<'c> {
    cfg: &'c VerifyConfig,
    components: Vec<Component>,
    bundle_id: Option<String>,
    agent_did: Option<String>,
    run_id: Option<String>,
    counts: (usize, usize, usize),
    parsed: Option<Parsed>,
}

impl Ctx<'_> {
    fn set(
        &mut self,
        name: &'static str,
        status: ComponentStatus,
        code: &'static str,
        detail: impl Into<String>,
    ) {
        self.components.push(Component {
            name,
            status,
            code,
            detail: detail.into(),
        });
    }
    fn pass(&mut self, name: &'static str, detail: impl Into<String>) {
        self.set(name, ComponentStatus::Pass, "OK", detail);
    }
    fn skip(&mut self, name: &'static str, detail: impl Into<String>) {
        self.set(name, ComponentStatus::Skipped, "OK", detail);
    }

    fn verdict(
        mut self,
        outcome: Result<(ProofTier, &'static str), Stop>,
    ) -> (Verdict, Option<Parsed>) {
        let verified_at = time::format_rfc3339_millis(self.cfg.now_ms);
        let (valid, code, reason, field, tier, trust) = match outcome {
            Ok((tier, trust)) => (true, "OK", "bundle verified".to_string(), None, tier, trust),
            Err(s) => {
                self.components.push(Component {
                    name: s.component,
                    status: ComponentStatus::Fail,
                    code: s.code,
                    detail: s.reason.clone(),
                });
                (
                    false,
                    s.code,
                    s.reason,
                    s.field,
                    ProofTier::Unknown,
                    "unknown",
                )
            }
        };
        (
            Verdict {
                valid,
                reason_code: code,
                reason,
                field,
                proof_tier: tier,
                trust_tier: trust,
                verified_at,
                bundle_id: self.bundle_id,
                agent_did: self.agent_did,
                run_id: self.run_id,
                components: self.components,
                receipts_count: self.counts.0,
                receipts_signature_verified_count: self.counts.1,
                receipts_verified_count: self.counts.2,
            },
            if valid { self.parsed } else { None },
        )
    }
}

/// Verify a proof bundle: the envelope JSON, or an object `{"envelope": …}` wrapping it
/// (located by [`locate_document`]; an ambiguous root fails `AMBIGUOUS_DOCUMENT`).
pub fn verify_bundle(bytes: &[u8], cfg: &VerifyConfig) -> Verdict {
    verify_bytes(bytes, cfg, false).0
}

pub(crate) fn verify_bundle_keep(bytes: &[u8], cfg: &VerifyConfig) -> (Verdict, Option<Parsed>) {
    verify_bytes(bytes, cfg, true)
}

fn verify_bytes(bytes: &[u8], cfg: &VerifyConfig, keep: bool) -> (Verdict, Option<Parsed>) {
    match parse_input(bytes, cfg) {
        Ok(v) => {
            let out = verify_inner(&v, cfg, keep);
            json::drop_with_threads(v, cfg.thread_count());
            out
        }
        Err(e) => (invalid_json(cfg, &e), None),
    }
}

/// The verifiers' strict parse of their input: `cfg.limits`' size and depth, exact integers,
/// on the configured threads.
pub(super) fn parse_input(bytes: &[u8], cfg: &VerifyConfig) -> Result<Value, json::JsonError> {
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
pub(super) fn invalid_json(cfg: &VerifyConfig, e: &json::JsonError) -> Verdict {
    new_ctx(cfg)
        .verdict(Err(stop("envelope", "INVALID_JSON", e.to_string(), None)))
        .0
}

/// Verify an already parsed (strict) bundle value.
pub fn verify_bundle_value(v: &Value, cfg: &VerifyConfig) -> Verdict {
    verify_inner(v, cfg, false).0
}

fn new_ctx(cfg: &VerifyConfig) -> Ctx<'_> {
    Ctx {
        cfg,
        components: Vec::new(),
        bundle_id: None,
        agent_did: None,
        run_id: None,
        counts: (0, 0, 0),
        parsed: None,
    }
}

/// Verify a bundle and, when it is VALID, hand back the [`VerifiedBundle`]: the only way a
/// consumer (report, Trust Pulse, receipt proofs) gets at a bundle's content. `Err` is the
/// failing verdict.
#[allow(clippy::result_large_err)] // one verdict per verification, returned once
pub fn verify_bundle_for_use(bytes: &[u8], cfg: &VerifyConfig) -> Result<VerifiedBundle, Verdict> {
    match verify_bytes(bytes, cfg, true) {
        (v, Some((env, _, _))) if v.is_valid() => Ok(VerifiedBundle::new(env, v)),
        (v, _) => Err(v),
    }
}

fn verify_inner(root: &Value, cfg: &VerifyConfig, keep: bool) -> (Verdict, Option<Parsed>) {
    let mut ctx = new_ctx(cfg);
    // The one rule that picks the document (§6.8); nothing else reads the root.
    let outcome = match locate_document(root) {
        Ok(Located::ProofBundle(env)) => run(&mut ctx, env, keep),
        Ok(Located::Export(_)) => Err(stop(
            "envelope",
            "MALFORMED_ENVELOPE",
            "an export bundle, not a proof bundle envelope",
            None,
        )),
        Err(e) => Err(stop("envelope", e.reason_code(), e.to_string(), None)),
    };
    ctx.verdict(outcome)
}

// ---------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------

/// Longest DID [`did_key`] decodes: the bound `VerifyingKey::from_did` applies.
pub(super) const MAX_DID_KEY_LEN: usize = 128;

/// `^did:(key|web):[a-zA-Z0-9._%-]+$`
pub(super) fn did_format_ok(s: &str) -> bool {
    let rest = s
        .strip_prefix("did:key:")
        .or_else(|| s.strip_prefix("did:web:"));
    rest.is_some_and(|r| {
        !r.is_empty()
            && r.bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'%' | b'-'))
    })
}

/// The reference's did:key decoding outcome: `Err` = INVALID_DID_FORMAT (not `did:key:z`,
/// not base58btc, wrong multicodec), `Ok(None)` = decodes but is no usable Ed25519 key
/// (the reference's signature check then fails: SIGNATURE_INVALID).
///
/// DIDs longer than [`MAX_DID_KEY_LEN`] are `Err` without decoding: base58 decoding is
/// quadratic in the length (a 1 MiB `signer_did` kept a verifier busy for many minutes, and
/// every receipt and co-signature DID is decoded before any allowlist check). An Ed25519
/// did:key is 56 characters. Deviation: an overlong identifier whose base58 value happens
/// to start with the bytes `ed 01` was `Ok(None)` (SIGNATURE_INVALID) and is now `Err`
/// (INVALID_DID_FORMAT); deciding that exactly needs the whole quadratic conversion.
pub(super) fn did_key(did: &str) -> Result<Option<VerifyingKey>, ()> {
    if did.len() > MAX_DID_KEY_LEN {
        return Err(());
    }
    let ident = did.strip_prefix("did:key:z").ok_or(())?;
    let raw = bs58::decode(ident).into_vec().map_err(|_| ())?;
    if raw.len() < 2 || raw[0] != 0xed || raw[1] != 0x01 {
        return Err(());
    }
    Ok(VerifyingKey::from_did(did).ok())
}

/// base64url(SHA-256(JSON.stringify(v))) in the value's own key order.
pub(super) fn js_hash(v: &Value) -> Option<String> {
    json::sha256_of(v, KeyOrder::JavaScript)
        .ok()
        .map(b64::encode)
}

fn js_len(v: &Value) -> usize {
    json::serialize(v, KeyOrder::JavaScript).map_or(usize::MAX, |b| b.len())
}

fn str_of<'a>(v: &'a Value, k: &str) -> Option<&'a str> {
    v.get(k).and_then(Value::as_str)
}

fn b64u8(s: Option<&str>) -> bool {
    s.is_some_and(|s| s.len() >= 8 && is_b64u_chars(s))
}

fn parse_ms(s: Option<&str>) -> Option<i64> {
    s.and_then(|s| time::parse_rfc3339_millis(s).ok())
}

pub(super) fn arr<'a>(p: &'a Value, k: &str) -> &'a [Value] {
    p.get(k)
        .and_then(Value::as_array)
        .map_or(&[], Vec::as_slice)
}

/// The reference's step-9.75 code for a schema error (causal fields get causal codes).
fn schema_code(e: &SchemaError) -> &'static str {
    if e.unsupported {
        return "UNKNOWN_SCHEMA_ID";
    }
    let p = e.path.as_str();
    if !p.contains("binding.") {
        return "SCHEMA_VALIDATION_FAILED";
    }
    if p.ends_with(".phase") {
        "CAUSAL_PHASE_INVALID"
    } else if p.ends_with(".attribution_confidence") || p.ends_with(".attributionConfidence") {
        "CAUSAL_CONFIDENCE_OUT_OF_RANGE"
    } else if p.ends_with("span_id") || p.ends_with("SpanId") || p.ends_with(".spanId") {
        "CAUSAL_BINDING_NORMALIZATION_FAILED"
    } else {
        "SCHEMA_VALIDATION_FAILED"
    }
}

/// Schema validation with the big arrays' items checked in parallel. The first error is
/// deterministic: the envelope without array items first, then arrays in schema order.
fn schema_check(env: &Value, cfg: &VerifyConfig, threads: usize) -> Result<(), SchemaError> {
    let limits = ArrayLimits {
        receipts: cfg.limits.max_receipts,
        rate_limit_claims: cfg.limits.max_rate_limit_claims,
    };
    let big: [(&str, schema::Schema); 6] = [
        ("event_chain", schema_event()),
        ("receipts", schema::gateway_envelope()),
        ("tool_receipts", schema::tool_item()),
        (
            "side_effect_receipts",
            schema_item("side_effect_receipts", limits),
        ),
        (
            "human_approval_receipts",
            schema_item("human_approval_receipts", limits),
        ),
        (
            "delegation_receipts",
            schema_item("delegation_receipts", limits),
        ),
    ];
    let payload = env.get("payload");
    let large =
        payload.is_some_and(|p| big.iter().map(|(k, _)| arr(p, k).len()).sum::<usize>() > 512);
    if !large {
        return schema::bundle_envelope(limits).validate(env, "$");
    }
    // Items replaced by placeholders of the same length for the structural pass (the big
    // arrays are not copied).
    let big_keys: Vec<&str> = big.iter().map(|(k, _)| *k).collect();
    let shallow = shallow_copy(env, &big_keys);
    let skeleton = schema::bundle_envelope(limits).without_split_items();
    skeleton.validate(&shallow, "$")?;
    let Some(p) = payload else { return Ok(()) };
    for (k, item) in &big {
        let items = arr(p, k);
        let idx: Vec<usize> = (0..items.len()).collect();
        let parent = format!("$.payload.{k}");
        let errs = cfg.progress.chunked("schema", &idx, |c| {
            par_map(c, threads, |i| {
                item.validate_item(&items[*i], &parent, *i).err()
            })
        });
        if let Some(e) = errs.into_iter().flatten().next() {
            return Err(e);
        }
    }
    Ok(())
}

fn shallow_copy(env: &Value, big: &[&str]) -> Value {
    let mut out = Map::new();
    for (k, v) in env.as_object().into_iter().flatten() {
        if k != "payload" {
            out.insert(k.clone(), v.clone());
            continue;
        }
        let mut p = Map::new();
        for (pk, pv) in v.as_object().into_iter().flatten() {
            match pv {
                Value::Array(a) if big.contains(&pk.as_str()) => {
                    p.insert(pk.clone(), Value::Array(vec![Value::Null; a.len()]));
                }
                _ => {
                    p.insert(pk.clone(), pv.clone());
                }
            }
        }
        out.insert(k.clone(), Value::Object(p));
    }
    Value::Object(out)
}

fn schema_event() -> schema::Schema {
    schema::event_item()
}

fn schema_item(k: &str, l: ArrayLimits) -> schema::Schema {
    schema::array_item(k, l)
}

// ---------------------------------------------------------------------------------------
// The algorithm
// ---------------------------------------------------------------------------------------

const ENVELOPE_KEYS: [&str; 9] = [
    "envelope_version",
    "envelope_type",
    "payload",
    "payload_hash_b64u",
    "hash_algorithm",
    "signature_b64u",
    "algorithm",
    "signer_did",
    "issued_at",
];

const ENVELOPE_TYPES: [&str; 16] = [
    "artifact_signature",
    "message_signature",
    "gateway_receipt",
    "vir_receipt",
    "web_receipt",
    "coverage_attestation",
    "binary_semantic_evidence",
    "proof_bundle",
    "event_chain",
    "owner_attestation",
    "commit_proof",
    "execution_attestation",
    "derivation_attestation",
    "audit_result_attestation",
    "export_bundle",
    "scoped_token",
];

/// Per gateway receipt: the outcome of the generic checks before the signature, and the
/// index of its signature job.
struct GwPre {
    pre: Result<(), (&'static str, String)>,
    job: Option<usize>,
}

/// Per tool receipt envelope: hash outcome and signature job indices.
struct ToolPre {
    hash_ok: Option<Result<(), &'static str>>,
    primary_job: Option<usize>,
    primary_key_ok: bool,
    cosig_jobs: Vec<Option<usize>>,
}

#[allow(clippy::too_many_lines)]
fn run(ctx: &mut Ctx<'_>, env: &Value, keep: bool) -> Result<(ProofTier, &'static str), Stop> {
    let cfg = ctx.cfg;
    let threads = cfg.thread_count();
    const E: &str = "envelope";

    // 1. Shape.
    let Some(eo) = env.as_object() else {
        return Err(stop(
            E,
            "MALFORMED_ENVELOPE",
            "bundle must be a JSON object",
            None,
        ));
    };
    let looks = eo.contains_key("envelope_version")
        && eo.contains_key("payload")
        && eo.contains_key("signature_b64u");
    if !looks {
        // Deviation: the reference would verify a raw payload without any signature.
        return Err(stop(
            E,
            "MALFORMED_ENVELOPE",
            "not a signed envelope (raw bundle payloads are refused)",
            None,
        ));
    }
    if let Some(k) = ENVELOPE_KEYS.iter().find(|k| !eo.contains_key(**k)) {
        return Err(stop(
            E,
            "MALFORMED_ENVELOPE",
            format!("missing envelope field {k}"),
            Some(k),
        ));
    }
    // 3–9.
    if env["envelope_version"].as_str() != Some("1") {
        return Err(stop(
            E,
            "UNKNOWN_ENVELOPE_VERSION",
            "envelope_version must be \"1\"",
            Some("envelope_version"),
        ));
    }
    let etype = env["envelope_type"].as_str().unwrap_or("");
    if !ENVELOPE_TYPES.contains(&etype) || etype != "proof_bundle" {
        return Err(stop(
            E,
            "UNKNOWN_ENVELOPE_TYPE",
            "envelope_type must be proof_bundle",
            Some("envelope_type"),
        ));
    }
    if env["algorithm"].as_str() != Some("Ed25519") {
        return Err(stop(
            E,
            "UNKNOWN_ALGORITHM",
            "algorithm must be Ed25519",
            Some("algorithm"),
        ));
    }
    let hash_alg = env["hash_algorithm"].as_str().unwrap_or("");
    if !matches!(hash_alg, "SHA-256" | "BLAKE3") {
        return Err(stop(
            E,
            "UNKNOWN_HASH_ALGORITHM",
            "hash_algorithm must be SHA-256",
            Some("hash_algorithm"),
        ));
    }
    let signer_did = env["signer_did"].as_str().unwrap_or("");
    if !did_format_ok(signer_did) {
        return Err(stop(
            E,
            "INVALID_DID_FORMAT",
            "signer_did is not a did:key/did:web DID",
            Some("signer_did"),
        ));
    }
    if parse_ms(env["issued_at"].as_str()).is_none() {
        return Err(stop(
            E,
            "MALFORMED_ENVELOPE",
            "issued_at is not a date-time",
            Some("issued_at"),
        ));
    }
    if let Some(exp) = env.get("expires_at") {
        let Some(exp_ms) = parse_ms(exp.as_str()) else {
            return Err(stop(
                E,
                "MALFORMED_ENVELOPE",
                "expires_at is not a date-time",
                Some("expires_at"),
            ));
        };
        if cfg.now_ms > exp_ms.saturating_add(cfg.ttl_skew_ms) {
            return Err(stop(
                E,
                "EXPIRED_TTL",
                "bundle envelope expired",
                Some("expires_at"),
            ));
        }
    }
    let claimed_hash = env["payload_hash_b64u"].as_str().unwrap_or("");
    let sig_b64u = env["signature_b64u"].as_str().unwrap_or("");
    if !is_b64u_chars(claimed_hash) || !is_b64u_chars(sig_b64u) {
        return Err(stop(
            E,
            "MALFORMED_ENVELOPE",
            "payload_hash_b64u / signature_b64u are not base64url",
            None,
        ));
    }

    // Legacy raw receipt entries (receipt_type without envelope_type) are set aside for
    // the schema check and processing; the hash still covers the original payload.
    let original_payload = &env["payload"];
    let env_checked: Cow<'_, Value> =
        match original_payload.get("receipts").and_then(Value::as_array) {
            Some(rs)
                if rs.iter().any(|r| {
                    r.get("envelope_type").is_none() && r.get("receipt_type").is_some()
                }) =>
            {
                let mut e = env.clone();
                if let Some(Value::Array(rs)) =
                    e.get_mut("payload").and_then(|p| p.get_mut("receipts"))
                {
                    rs.retain(|r| {
                        !(r.get("envelope_type").is_none() && r.get("receipt_type").is_some())
                    });
                }
                Cow::Owned(e)
            }
            _ => Cow::Borrowed(env),
        };
    let env = env_checked.as_ref();

    // 9.75 Schema.
    if let Err(e) = schema_check(env, cfg, threads) {
        return Err(Stop {
            component: "schema",
            code: schema_code(&e),
            reason: format!("{}: {}", e.path, e.message),
            field: Some(e.path),
        });
    }
    ctx.pass("schema", "proof_bundle_envelope.v1");
    let payload = &env["payload"];
    ctx.bundle_id = str_of(payload, "bundle_id").map(str::to_string);
    let agent_did = str_of(payload, "agent_did").unwrap_or("").to_string();
    ctx.agent_did = Some(agent_did.clone());
    let events = arr(payload, "event_chain");
    let gw = arr(payload, "receipts");
    let tools = arr(payload, "tool_receipts");
    let ses = arr(payload, "side_effect_receipts");
    let has = arr(payload, "human_approval_receipts");
    let dels = arr(payload, "delegation_receipts");
    let atts = arr(payload, "attestations");
    ctx.run_id = events
        .first()
        .and_then(|e| str_of(e, "run_id"))
        .map(str::to_string);

    // 10. Payload structure.
    if payload.get("urm").is_none() && events.is_empty() && gw.is_empty() && atts.is_empty() {
        return Err(stop(
            E,
            "MALFORMED_ENVELOPE",
            "payload needs urm, event_chain, receipts or attestations",
            Some("payload"),
        ));
    }
    // 11. Limits.
    let l = &cfg.limits;
    if events.len() > l.max_events || gw.len() > l.max_receipts || atts.len() > l.max_attestations {
        return Err(stop(
            E,
            "MALFORMED_ENVELOPE",
            "event_chain, receipts or attestations exceed the configured limits",
            Some("payload"),
        ));
    }
    let md_over = |v: Option<&Value>| v.is_some_and(|m| js_len(m) > l.max_metadata_bytes);
    if md_over(payload.get("metadata"))
        || md_over(payload.get("urm").and_then(|u| u.get("metadata")))
        || par_map(gw, threads, |r| {
            md_over(r.get("payload").and_then(|p| p.get("metadata")))
        })
        .into_iter()
        .any(|x| x)
    {
        return Err(stop(
            E,
            "MALFORMED_ENVELOPE",
            "metadata exceeds the configured size limit",
            Some("payload.metadata"),
        ));
    }
    // 12. Unique event ids.
    let mut ids = HashSet::with_capacity(events.len());
    for e in events {
        if !ids.insert(str_of(e, "event_id").unwrap_or("")) {
            return Err(stop(
                E,
                "MALFORMED_ENVELOPE",
                "duplicate event_id in event_chain",
                Some("payload.event_chain"),
            ));
        }
    }
    drop(ids);
    // 13–14.
    if !did_format_ok(&agent_did) {
        return Err(stop(
            E,
            "INVALID_DID_FORMAT",
            "payload.agent_did is not a did:key/did:web DID",
            Some("payload.agent_did"),
        ));
    }
    if signer_did != agent_did {
        return Err(stop(
            E,
            "INVALID_DID_FORMAT",
            "signer_did differs from payload.agent_did",
            Some("signer_did"),
        ));
    }

    // Speculative work, run while the bundle hash is computed: gateway receipt and tool
    // receipt hashes and every signature.
    let (bundle_hash, gw_pre, tool_pre, sig_ok) = std::thread::scope(|s| {
        let hash_job = (threads > 1).then(|| s.spawn(|| js_hash(original_payload)));
        let (gw_pre, tool_pre, jobs) = prepare_receipts(gw, tools, cfg, threads);
        let sig_ok = cfg.progress.chunked("signatures", &jobs, |c| {
            batch::verify_all(c, cfg.sig_mode, threads)
        });
        let bundle_hash = match hash_job {
            Some(h) => h.join().unwrap_or_else(|e| std::panic::resume_unwind(e)),
            None => js_hash(original_payload),
        };
        (bundle_hash, gw_pre, tool_pre, sig_ok)
    });

    // 15–17.
    if hash_alg != "SHA-256" || bundle_hash.as_deref() != Some(claimed_hash) {
        return Err(stop(
            E,
            "HASH_MISMATCH",
            "payload_hash_b64u does not match the payload",
            Some("payload_hash_b64u"),
        ));
    }
    let key = match did_key(signer_did) {
        Err(()) => {
            return Err(stop(
                E,
                "INVALID_DID_FORMAT",
                "signer_did is not an Ed25519 did:key",
                Some("signer_did"),
            ))
        }
        Ok(k) => k,
    };
    let sig_valid = key.is_some_and(|k| k.verify_b64u(claimed_hash.as_bytes(), sig_b64u).is_ok());
    if !sig_valid {
        return Err(stop(
            E,
            "SIGNATURE_INVALID",
            "bundle signature does not verify for signer_did",
            Some("signature_b64u"),
        ));
    }
    ctx.pass(E, "proof_bundle envelope signed by agent_did");

    // 18. Event chain.
    // Event index by event hash: the chain's hash set for bindings and the leaf order.
    let event_idx = event_index(events);
    let mut chain: Option<(String, &HashMap<&str, usize>)> = None;
    if events.is_empty() {
        ctx.skip("event_chain", "no event chain");
    } else {
        check_chain(events, threads)?;
        let run = str_of(&events[0], "run_id").unwrap_or("").to_string();
        chain = Some((run, &event_idx));
        ctx.pass(
            "event_chain",
            format!("{} events linked and recomputed", events.len()),
        );
    }
    let chain_run = chain.as_ref().map(|c| c.0.as_str());

    // 19. Rate limit claims.
    let claims = arr(payload, "rate_limit_claims");
    if claims.is_empty() {
        ctx.skip("rate_limits", "no rate_limit_claims");
    } else {
        check_rate_limits(claims, events.first().and_then(|e| str_of(e, "run_id")))?;
        ctx.pass("rate_limits", format!("{} claims", claims.len()));
    }

    // 24. URM.
    let mut urm_valid = false;
    if let Some(u) = payload.get("urm") {
        urm_valid = check_urm(u, cfg.urm.as_ref(), &agent_did, chain_run, events)?;
        ctx.pass("urm", "URM document matches its reference");
    }

    // 25. Gateway receipts (non-fatal in the core; the strict layer below decides).
    let mut sig_verified = 0usize;
    let mut verified = 0usize;
    let mut gw_problems: Vec<String> = Vec::new();
    let gw_bound = par_map(gw, threads, |r| {
        chain.as_ref().is_some_and(|(run, hashes)| {
            let b = r.get("payload").and_then(|p| p.get("binding"));
            let brun = b.and_then(|b| str_of(b, "run_id"));
            let bev = b.and_then(|b| str_of(b, "event_hash_b64u"));
            brun.is_some_and(|x| !x.is_empty() && x == run)
                && b64u8(bev)
                && bev.is_some_and(|h| hashes.contains_key(h))
        })
    });
    for (i, (pre, bound)) in gw_pre.iter().zip(gw_bound).enumerate() {
        let sig = match (&pre.pre, pre.job) {
            (Ok(()), Some(j)) if sig_ok[j] => Ok(()),
            (Ok(()), _) => Err(("SIGNATURE_INVALID", "signature does not verify".to_string())),
            (Err(e), _) => Err(e.clone()),
        };
        if let Err((code, m)) = sig {
            gw_problems.push(format!("receipts[{i}]: {code} {m}"));
            continue;
        }
        sig_verified += 1;
        if bound {
            verified += 1;
        } else {
            gw_problems.push(format!(
                "receipts[{i}]: RECEIPT_BINDING_MISMATCH not bound to the event chain"
            ));
        }
    }
    ctx.counts = (gw.len(), sig_verified, verified);
    let receipts_valid = verified == gw.len();

    // 26. Tool receipts.
    let tool_idx: Vec<usize> = (0..tools.len()).collect();
    first_err(par_map(&tool_idx, threads, |&i| {
        check_tool_receipt(
            i,
            &tools[i],
            &tool_pre[i],
            &sig_ok,
            &agent_did,
            chain.as_ref(),
            cfg,
        )
    }))?;
    // 27–28.
    check_support(ses, "side_effect_receipts", &agent_did, threads)?;
    check_support(has, "human_approval_receipts", &agent_did, threads)?;
    let tool_count = tools.len() + ses.len() + has.len() + dels.len();
    if tool_count == 0 {
        ctx.skip(
            "receipts",
            "no tool, side-effect, approval or delegation receipts",
        );
    } else {
        ctx.pass(
            "receipts",
            format!(
                "{} tool, {} side-effect, {} approval, {} delegation receipts",
                tools.len(),
                ses.len(),
                has.len(),
                dels.len()
            ),
        );
    }

    // 29–32. Causal bindings, receipt replay, DAG, anchoring.
    let known = match causal::check_gateway_bindings(gw, cfg.causal_mode, threads) {
        Ok(k) => k,
        Err((code, m, f)) => return Err(stop("causal", code, m, Some(&f))),
    };
    check_replay(gw)?;
    if cfg.causal_mode == CausalMode::Observe {
        ctx.skip("causal", "causal connectivity not checked (observe)");
    } else {
        let r = causal::check_anchoring(
            ses,
            &known,
            "side_effect_receipts",
            "CAUSAL_SIDE_EFFECT_ORPHANED",
        )
        .and_then(|()| {
            causal::check_anchoring(
                has,
                &known,
                "human_approval_receipts",
                "CAUSAL_HUMAN_APPROVAL_ORPHANED",
            )
        });
        match (r, cfg.causal_mode) {
            (Ok(()), _) => ctx.pass("causal", format!("{} declared spans", known.len())),
            (Err((code, m, f)), CausalMode::Enforce) => {
                return Err(stop("causal", code, m, Some(&f)))
            }
            (Err((code, m, _)), _) => ctx.set("causal", ComponentStatus::Warn, code, m),
        }
    }

    // 34. Attestations (non-fatal).
    let att_verified = count_attestations(atts, &agent_did, cfg);
    if atts.is_empty() {
        ctx.skip("attestations", "none");
    } else {
        let st = if att_verified == atts.len() {
            ComponentStatus::Pass
        } else {
            ComponentStatus::Warn
        };
        ctx.set(
            "attestations",
            st,
            "OK",
            format!("{att_verified}/{} attestations verified", atts.len()),
        );
    }
    let attestations_valid = att_verified == atts.len();
    let event_chain_valid = chain.is_some();

    // CLI strict layer (what the conformance suite checks).
    if !gw.is_empty() {
        if cfg.allowlists.gateway_receipt_signer_dids.is_empty() {
            return Err(stop(
                "gateway",
                "DEPENDENCY_NOT_CONFIGURED",
                "gateway receipts present but no gateway signer allowlist is configured",
                Some("payload.receipts"),
            ));
        }
        if verified != gw.len() {
            let code = if sig_verified == gw.len() {
                "RECEIPT_BINDING_MISMATCH"
            } else {
                "RECEIPT_VERIFICATION_FAILED"
            };
            return Err(stop(
                "gateway",
                code,
                gw_problems.join("; "),
                Some("payload.receipts"),
            ));
        }
        ctx.pass(
            "gateway",
            format!("{verified} gateway receipts allowlisted, signed and bound"),
        );
    } else {
        ctx.skip("gateway", "no gateway receipts");
    }

    // claw: log inclusion proofs carried by gateway receipts.
    let with_log = check_log_proofs(gw, cfg)?;
    if with_log == 0 {
        ctx.skip("log_inclusion", "no log inclusion proofs");
    } else {
        ctx.pass(
            "log_inclusion",
            format!("{with_log} log inclusion proofs verified"),
        );
    }

    // claw: spec-strict sorting.
    if cfg.spec_strict {
        for kind in ReceiptKind::ALL {
            let items = arr(payload, kind.array_name());
            let sorted = items.windows(2).all(|w| {
                let id = |v: &Value| {
                    Receipt {
                        kind,
                        value: v.clone(),
                    }
                    .receipt_id()
                    .to_string()
                };
                json::cmp_utf16(&id(&w[0]), &id(&w[1])) != std::cmp::Ordering::Greater
            });
            if !sorted {
                return Err(stop(
                    "receipts",
                    "UNSORTED_RECEIPT_ARRAY",
                    format!("{} is not sorted by receipt_id", kind.array_name()),
                    Some(kind.array_name()),
                ));
            }
        }
    }

    // claw: Merkle root and checkpoint.
    let (leaves, checkpoint) = check_merkle(
        payload, events, &event_idx, &agent_did, chain_run, threads, keep,
    )?;
    match &checkpoint {
        Some(c) => ctx.pass(
            "merkle",
            format!("{} leaves, root {}", c.tree_size, c.root_b64u),
        ),
        None => ctx.skip("merkle", "no claw Merkle metadata"),
    }

    // claw: policy replay, after checking that the run was bound to that policy (§6.3).
    if let Some(pol) = &cfg.policy {
        let named = check_policy_binding(payload, &pol.policy_hash_b64u)?;
        let mut n = 0;
        for (kind, items) in [(ReceiptKind::Tool, tools), (ReceiptKind::SideEffect, ses)] {
            for (i, r) in items.iter().enumerate() {
                let rec = Receipt {
                    kind,
                    value: r.clone(),
                };
                if let Some(why) = (pol.decide)(kind, rec.payload()) {
                    return Err(stop(
                        "policy",
                        "POLICY_VIOLATION",
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
        if named == 0 {
            ctx.set(
                "policy",
                ComponentStatus::Warn,
                "POLICY_BINDING_MISSING",
                format!(
                    "{n} receipts replayed against policy {}, but the bundle names no policy hash: the run is not shown to have been bound to it",
                    pol.policy_hash_b64u
                ),
            );
        } else {
            ctx.pass(
                "policy",
                format!(
                    "{n} receipts replayed against policy {}, which the run is bound to ({named} statements)",
                    pol.policy_hash_b64u
                ),
            );
        }
    } else {
        ctx.skip("policy", "no policy supplied");
    }

    // claw: approvals bound to the arguments they approved (docs/SPEC.md §7.9).
    super::approval_binding::check(events, &event_idx, tools, has).map_err(|e| {
        stop(
            "receipts",
            e.reason_code(),
            e.message,
            Some("tool_receipts"),
        )
    })?;

    // 35. Tiers.
    let gateway_counted = if cfg.spec_strict {
        with_log.min(verified)
    } else {
        verified
    };
    let tier = if att_verified > 0 {
        ProofTier::Sandbox
    } else if gateway_counted > 0 {
        ProofTier::Gateway
    } else {
        ProofTier::SelfTier
    };
    let trust = if (payload.get("urm").is_none() || urm_valid)
        && event_chain_valid
        && receipts_valid
        && attestations_valid
        && payload.get("urm").is_some()
    {
        "full"
    } else if attestations_valid && !atts.is_empty() {
        "attested"
    } else if event_chain_valid || (receipts_valid && !gw.is_empty()) {
        "verified"
    } else {
        "basic"
    };
    if keep {
        ctx.parsed = Some((env.clone(), leaves, checkpoint));
    }
    Ok((tier, trust))
}

/// Before receipts are replayed against the policy `want` (`--wpc`): the run must be bound
/// to it. Every policy hash the signed payload states — the run's
/// `metadata["claw.dev/v1"].run.policy.hash_b64u`, each receipt's `binding.policy_hash`,
/// an approval's `policy_hash_b64u` — must equal `want` (`POLICY_BINDING_MISMATCH`): a run
/// made under another policy is not "replayed against P". Returns how many statements
/// named it (0: the run names no policy; the caller reports `POLICY_BINDING_MISSING` as a
/// warning, since recorders without a binding context make such bundles).
fn check_policy_binding(payload: &Value, want: &str) -> Result<usize, Stop> {
    const C: &str = "policy";
    let mut named = 0usize;
    let mut check = |got: Option<&Value>, field: String| -> Result<(), Stop> {
        let Some(got) = got else { return Ok(()) };
        named += 1;
        if got.as_str() == Some(want) {
            return Ok(());
        }
        Err(stop(
            C,
            "POLICY_BINDING_MISMATCH",
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

fn check_chain(events: &[Value], threads: usize) -> Result<(), Stop> {
    let bad = |i: usize, m: &str| {
        stop(
            "event_chain",
            "MALFORMED_ENVELOPE",
            format!("event {i}: {m}"),
            Some("payload.event_chain"),
        )
    };
    let run0 = str_of(&events[0], "run_id").unwrap_or("");
    // Each event's checks depend only on it and its predecessor: run them in parallel and
    // report the first failing event, as a serial pass would.
    let idx: Vec<usize> = (0..events.len()).collect();
    let structural = par_map(&idx, threads, |&i| -> Result<(), Stop> {
        let e = &events[i];
        for k in ["event_id", "run_id", "event_type"] {
            if str_of(e, k).is_none_or(str::is_empty) {
                return Err(bad(i, &format!("missing or empty {k}")));
            }
        }
        if parse_ms(str_of(e, "timestamp")).is_none() {
            return Err(bad(i, "invalid timestamp"));
        }
        if !b64u8(str_of(e, "payload_hash_b64u")) || !b64u8(str_of(e, "event_hash_b64u")) {
            return Err(bad(i, "invalid payload_hash_b64u / event_hash_b64u"));
        }
        if str_of(e, "run_id") != Some(run0) {
            return Err(bad(i, "run_id differs from the first event's"));
        }
        let prev = e.get("prev_hash_b64u");
        if i == 0 {
            if !matches!(prev, Some(Value::Null) | None) && prev.and_then(Value::as_str) != Some("")
            {
                return Err(bad(0, "first event must have prev_hash_b64u null"));
            }
        } else {
            let p = prev.and_then(Value::as_str);
            if !b64u8(p) || p != str_of(&events[i - 1], "event_hash_b64u") {
                return Err(bad(i, "prev_hash_b64u does not link to the previous event"));
            }
        }
        Ok(())
    });
    first_err(structural)?;
    let ok = par_map(events, threads, |e| {
        let prev = str_of(e, "prev_hash_b64u").filter(|p| !p.is_empty());
        let h = super::chain::event_hash(
            str_of(e, "event_id").unwrap_or(""),
            str_of(e, "run_id").unwrap_or(""),
            str_of(e, "event_type").unwrap_or(""),
            str_of(e, "timestamp").unwrap_or(""),
            str_of(e, "payload_hash_b64u").unwrap_or(""),
            prev,
        );
        Some(h.as_str()) == str_of(e, "event_hash_b64u")
    });
    if let Some(i) = ok.iter().position(|x| !x) {
        return Err(stop(
            "event_chain",
            "HASH_MISMATCH",
            format!("event {i}: event_hash_b64u does not match the event header"),
            Some("payload.event_chain"),
        ));
    }
    Ok(())
}

fn check_rate_limits(claims: &[Value], run0: Option<&str>) -> Result<(), Stop> {
    const C: &str = "rate_limits";
    for (i, c) in claims.iter().enumerate() {
        let f = format!("payload.rate_limit_claims[{i}]");
        let inc = |m: &str| {
            stop(
                C,
                "RATE_LIMIT_CLAIM_INCONSISTENT",
                format!("rate_limit_claims[{i}]: {m}"),
                Some(&f),
            )
        };
        let (Some(ws), Some(we)) = (
            parse_ms(str_of(c, "window_start")),
            parse_ms(str_of(c, "window_end")),
        ) else {
            return Err(inc("window bounds must be date-times"));
        };
        if ws > we {
            return Err(stop(
                C,
                "RATE_LIMIT_WINDOW_INVALID",
                format!("rate_limit_claims[{i}]: window_start is after window_end"),
                Some(&f),
            ));
        }
        let num = |k: &str| c.get(k).and_then(Value::as_f64);
        let (Some(max), Some(obs)) = (num("max_requests"), num("observed_requests")) else {
            return Err(inc("max_requests / observed_requests must be numbers"));
        };
        if max < 0.0 || obs < 0.0 {
            return Err(inc("negative counts"));
        }
        if obs > max {
            return Err(stop(
                C,
                "RATE_LIMIT_EXCEEDED",
                format!("rate_limit_claims[{i}]: observed_requests exceeds max_requests"),
                Some(&f),
            ));
        }
        for (mk, ok) in [
            ("max_tokens_input", "observed_tokens_input"),
            ("max_tokens_output", "observed_tokens_output"),
        ] {
            match (c.get(mk), c.get(ok)) {
                (None, None) => {}
                (Some(_), None) | (None, Some(_)) => {
                    return Err(inc(&format!(
                        "{mk} and {ok} must be both present or both absent"
                    )))
                }
                (Some(a), Some(b)) => {
                    let (Some(a), Some(b)) = (a.as_f64(), b.as_f64()) else {
                        return Err(inc("token counts must be numbers"));
                    };
                    if a < 0.0 || b < 0.0 {
                        return Err(inc("negative token counts"));
                    }
                    if b > a {
                        return Err(stop(
                            C,
                            "RATE_LIMIT_EXCEEDED",
                            format!("rate_limit_claims[{i}]: {ok} exceeds {mk}"),
                            Some(&f),
                        ));
                    }
                }
            }
        }
        if let Some(r) = str_of(c, "run_id") {
            if Some(r) != run0 {
                return Err(inc("run_id differs from the event chain's"));
            }
        }
    }
    Ok(())
}

fn check_urm(
    reference: &Value,
    urm: Option<&Value>,
    agent_did: &str,
    chain_run: Option<&str>,
    events: &[Value],
) -> Result<bool, Stop> {
    const C: &str = "urm";
    let Some(u) = urm else {
        return Err(stop(
            C,
            "URM_MISSING",
            "bundle references a URM but none was supplied",
            Some("payload.urm"),
        ));
    };
    if !u.is_object() {
        return Err(stop(
            C,
            "SCHEMA_VALIDATION_FAILED",
            "URM must be an object",
            None,
        ));
    }
    let mismatch = |k: &str| {
        stop(
            C,
            "URM_MISMATCH",
            format!("URM {k} does not match the bundle"),
            Some("payload.urm"),
        )
    };
    if str_of(u, "urm_id") != str_of(reference, "urm_id") {
        return Err(mismatch("urm_id"));
    }
    if str_of(u, "agent_did") != Some(agent_did) {
        return Err(mismatch("agent_did"));
    }
    if let Some(run) = chain_run {
        if str_of(u, "run_id") != Some(run) {
            return Err(mismatch("run_id"));
        }
        if str_of(u, "event_chain_root_hash_b64u")
            != events.first().and_then(|e| str_of(e, "event_hash_b64u"))
        {
            return Err(mismatch("event_chain_root_hash_b64u"));
        }
    }
    if js_hash(u).as_deref() != str_of(reference, "resource_hash_b64u") {
        return Err(stop(
            C,
            "HASH_MISMATCH",
            "URM hash differs from urm.resource_hash_b64u",
            Some("payload.urm.resource_hash_b64u"),
        ));
    }
    Ok(true)
}

/// Speculative per-receipt work: generic checks and hashes (in parallel) and the list of
/// signature jobs.
fn prepare_receipts<'a>(
    gw: &'a [Value],
    tools: &'a [Value],
    cfg: &VerifyConfig,
    threads: usize,
) -> (Vec<GwPre>, Vec<ToolPre>, Vec<SigJob<'a>>) {
    let allow = &cfg.allowlists.gateway_receipt_signer_dids;
    // Each distinct DID is decoded once (point decompression is not free).
    let mut keys: HashMap<&str, Result<bool, ()>> = HashMap::new();
    for r in gw.iter().chain(tools) {
        for d in std::iter::once(str_of(r, "signer_did"))
            .chain(
                arr(r, "co_signatures")
                    .iter()
                    .map(|c| str_of(c, "signer_did")),
            )
            .flatten()
        {
            keys.entry(d)
                .or_insert_with(|| did_key(d).map(|k| k.is_some()));
        }
    }
    let key_ok = |d: &str| keys.get(d).copied().unwrap_or(Err(()));
    let gw_checks = par_map(gw, threads, |r| gateway_generic(r, allow, &key_ok));
    let tool_hash = par_map(tools, threads, |r| {
        r.get("envelope_type")?;
        let p = r.get("payload")?;
        Some(if str_of(r, "hash_algorithm") != Some("SHA-256") {
            Err("UNKNOWN_HASH_ALGORITHM")
        } else if js_hash(p).as_deref() == str_of(r, "payload_hash_b64u") {
            Ok(())
        } else {
            Err("HASH_MISMATCH")
        })
    });
    let mut jobs = Vec::new();
    let mut gw_pre = Vec::with_capacity(gw.len());
    for (r, pre) in gw.iter().zip(gw_checks) {
        let job = pre.is_ok().then(|| {
            jobs.push(SigJob {
                did: str_of(r, "signer_did").unwrap_or(""),
                msg: str_of(r, "payload_hash_b64u").unwrap_or("").as_bytes(),
                sig_b64u: str_of(r, "signature_b64u").unwrap_or(""),
            });
            jobs.len() - 1
        });
        gw_pre.push(GwPre { pre, job });
    }
    let mut tool_pre = Vec::with_capacity(tools.len());
    for (r, hash_ok) in tools.iter().zip(tool_hash) {
        let mut tp = ToolPre {
            hash_ok,
            primary_job: None,
            primary_key_ok: false,
            cosig_jobs: Vec::new(),
        };
        if tp.hash_ok.is_some() {
            let msg = str_of(r, "payload_hash_b64u").unwrap_or("").as_bytes();
            let signer = str_of(r, "signer_did").unwrap_or("");
            tp.primary_key_ok =
                str_of(r, "algorithm") == Some("Ed25519") && key_ok(signer) == Ok(true);
            jobs.push(SigJob {
                did: signer,
                msg,
                sig_b64u: str_of(r, "signature_b64u").unwrap_or(""),
            });
            tp.primary_job = Some(jobs.len() - 1);
            for co in arr(r, "co_signatures") {
                let did = str_of(co, "signer_did").unwrap_or("");
                let ok = str_of(co, "algorithm") == Some("Ed25519") && key_ok(did) == Ok(true);
                tp.cosig_jobs.push(ok.then(|| {
                    jobs.push(SigJob {
                        did,
                        msg,
                        sig_b64u: str_of(co, "signature_b64u").unwrap_or(""),
                    });
                    jobs.len() - 1
                }));
            }
        }
        tool_pre.push(tp);
    }
    (gw_pre, tool_pre, jobs)
}

/// The reference's generic receipt checks (§2 of the note), all but the signature.
fn gateway_generic(
    r: &Value,
    allow: &[String],
    key_ok: &(dyn Fn(&str) -> Result<bool, ()> + Sync),
) -> Result<(), (&'static str, String)> {
    let e = |c: &'static str, m: &str| Err((c, m.to_string()));
    let signer = str_of(r, "signer_did").unwrap_or("");
    if !did_format_ok(signer) {
        return e("INVALID_DID_FORMAT", "signer_did format");
    }
    if allow.is_empty() {
        return e("DEPENDENCY_NOT_CONFIGURED", "no gateway signer allowlist");
    }
    if !allow.iter().any(|d| d == signer) {
        return e("CLAIM_NOT_FOUND", "signer_did is not allowlisted");
    }
    let p = &r["payload"];
    let int_in = |k: &str, max: u64| {
        p.get(k)
            .and_then(Value::as_f64)
            .is_some_and(|x| x.fract() == 0.0 && x >= 0.0 && x <= max as f64)
    };
    if str_of(p, "receipt_version") != Some("1")
        || ["receipt_id", "gateway_id", "provider", "model"]
            .iter()
            .any(|k| str_of(p, k).is_none_or(str::is_empty))
        || !is_b64u_chars(str_of(p, "request_hash_b64u").unwrap_or(""))
        || !is_b64u_chars(str_of(p, "response_hash_b64u").unwrap_or(""))
        || !int_in("tokens_input", MAX_TOKENS)
        || !int_in("tokens_output", MAX_TOKENS)
        || !int_in("latency_ms", MAX_LATENCY_MS)
        || parse_ms(str_of(p, "timestamp")).is_none()
    {
        return e("MALFORMED_ENVELOPE", "gateway receipt payload out of range");
    }
    if str_of(r, "hash_algorithm") != Some("SHA-256")
        || js_hash(p).as_deref() != str_of(r, "payload_hash_b64u")
    {
        return e("HASH_MISMATCH", "payload_hash_b64u does not match");
    }
    match key_ok(signer) {
        Err(()) => e("INVALID_DID_FORMAT", "signer_did is not an Ed25519 did:key"),
        Ok(false) => e("SIGNATURE_INVALID", "signer key unusable"),
        Ok(true) => Ok(()),
    }
}

#[allow(clippy::too_many_arguments)]
fn check_tool_receipt(
    i: usize,
    r: &Value,
    pre: &ToolPre,
    sig_ok: &[bool],
    agent_did: &str,
    chain: Option<&(String, &HashMap<&str, usize>)>,
    cfg: &VerifyConfig,
) -> Result<(), Stop> {
    const C: &str = "receipts";
    let f = format!("payload.tool_receipts[{i}]");
    let fail =
        |code: &'static str, m: &str| stop(C, code, format!("tool_receipts[{i}]: {m}"), Some(&f));
    let is_env = r.get("envelope_type").is_some();
    let p = if is_env { &r["payload"] } else { r };
    if str_of(p, "agent_did") != Some(agent_did) {
        return Err(fail(
            "PROOF_BUNDLE_AGENT_MISMATCH",
            "agent_did differs from the bundle's",
        ));
    }
    if let (Some(b), Some((run, hashes))) = (p.get("binding").and_then(Value::as_object), chain) {
        if let Some(Value::String(br)) = b.get("run_id") {
            if !br.is_empty() && br != run {
                return Err(fail(
                    "RECEIPT_BINDING_MISMATCH",
                    "binding.run_id differs from the event chain's",
                ));
            }
        }
        if let Some(ev) = b.get("event_hash_b64u") {
            let ev = ev.as_str().unwrap_or("");
            if !is_b64u_chars(ev) {
                return Err(fail(
                    "SCHEMA_VALIDATION_FAILED",
                    "binding.event_hash_b64u is not base64url",
                ));
            }
            if !hashes.contains_key(ev) {
                return Err(fail(
                    "RECEIPT_BINDING_MISMATCH",
                    "binding.event_hash_b64u is not in the event chain",
                ));
            }
        }
    }
    if is_env {
        if let Some(exp) = r.get("expires_at") {
            let Some(ms) = parse_ms(exp.as_str()) else {
                return Err(fail(
                    "SCHEMA_VALIDATION_FAILED",
                    "expires_at is not a date-time",
                ));
            };
            if cfg.now_ms > ms.saturating_add(cfg.ttl_skew_ms) {
                return Err(fail("EXPIRED_TTL", "tool receipt envelope expired"));
            }
        }
        match pre.hash_ok {
            Some(Ok(())) => {}
            Some(Err(code)) => {
                return Err(fail(code, "payload_hash_b64u does not match the payload"))
            }
            None => return Err(fail("HASH_MISMATCH", "payload missing")),
        }
        if !pre.primary_key_ok || !pre.primary_job.is_some_and(|j| sig_ok[j]) {
            return Err(fail(
                "SIGNATURE_INVALID",
                "envelope signature does not verify",
            ));
        }
        if str_of(r, "envelope_version") == Some("2") {
            for (j, job) in pre.cosig_jobs.iter().enumerate() {
                if !job.is_some_and(|j| sig_ok[j]) {
                    return Err(fail(
                        "CO_SIGNATURE_INVALID",
                        &format!("co_signatures[{j}] does not verify"),
                    ));
                }
            }
        }
    }
    if str_of(p, "receipt_version") == Some("2") {
        for (d, committed) in [
            ("args_disclosure", "args_hash_b64u"),
            ("result_disclosure", "result_hash_b64u"),
        ] {
            if let Some(disc) = p.get(d) {
                check_disclosure(disc, str_of(p, committed).unwrap_or(""))
                    .map_err(|(code, m)| fail(code, &format!("{d}: {m}")))?;
            }
        }
    }
    Ok(())
}

fn js_type(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// Selective disclosure (`vir_v2_typed_lexicographical`).
fn check_disclosure(d: &Value, committed: &str) -> Result<(), (&'static str, String)> {
    if str_of(d, "disclosure_algorithm") != Some("vir_v2_typed_lexicographical") {
        return Err((
            "DISCLOSURE_ALGORITHM_UNKNOWN",
            "unknown disclosure_algorithm".into(),
        ));
    }
    let root = str_of(d, "merkle_root_b64u").unwrap_or("");
    if root != committed {
        return Err((
            "DISCLOSURE_ROOT_MISMATCH",
            "merkle_root_b64u differs from the committed hash".into(),
        ));
    }
    let mut leaves: Vec<String> = arr(d, "redacted_leaf_hashes_b64u")
        .iter()
        .filter_map(|v| v.as_str().map(str::to_string))
        .collect();
    for (path, leaf) in d
        .get("disclosed_leaves")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
    {
        let value = leaf.get("value").unwrap_or(&Value::Null);
        let ty = str_of(leaf, "type").unwrap_or("");
        if js_type(value) != ty {
            return Err((
                "DISCLOSURE_TYPE_MISMATCH",
                format!("leaf {path} declares {ty} but holds {}", js_type(value)),
            ));
        }
        let obj = json!({"type": ty, "value": value, "salt_b64u": str_of(leaf, "salt_b64u").unwrap_or("")});
        let jcs =
            json::canonicalize(&obj).map_err(|e| ("DISCLOSURE_ROOT_MISMATCH", e.to_string()))?;
        let mut bytes = format!("{path}:").into_bytes();
        bytes.extend_from_slice(&jcs);
        leaves.push(hash::sha256_b64u(bytes));
    }
    leaves.sort_by(|a, b| json::cmp_utf16(a, b));
    let arr = Value::Array(leaves.into_iter().map(Value::String).collect());
    let computed = json::canonicalize(&arr)
        .map(hash::sha256_b64u)
        .unwrap_or_default();
    if computed != root {
        return Err((
            "DISCLOSURE_ROOT_MISMATCH",
            "recomputed disclosure root differs".into(),
        ));
    }
    Ok(())
}

fn check_support(
    items: &[Value],
    array: &str,
    agent_did: &str,
    threads: usize,
) -> Result<(), Stop> {
    let idx: Vec<usize> = (0..items.len()).collect();
    first_err(par_map(&idx, threads, |&i| {
        check_support_one(i, &items[i], array, agent_did)
    }))
}

fn check_support_one(i: usize, r: &Value, array: &str, agent_did: &str) -> Result<(), Stop> {
    const C: &str = "receipts";
    {
        let f = format!("payload.{array}[{i}]");
        let fail =
            |code: &'static str, m: &str| stop(C, code, format!("{array}[{i}]: {m}"), Some(&f));
        if r.get("receipt_version").is_some() && str_of(r, "receipt_version") != Some("1") {
            return Err(fail("UNKNOWN_VERSION", "receipt_version must be \"1\""));
        }
        if r.get("hash_algorithm").is_some() && str_of(r, "hash_algorithm") != Some("SHA-256") {
            return Err(fail(
                "UNKNOWN_HASH_ALGORITHM",
                "hash_algorithm must be SHA-256",
            ));
        }
        if str_of(r, "agent_did").is_some_and(|a| a != agent_did) {
            return Err(fail(
                "PROOF_BUNDLE_AGENT_MISMATCH",
                "agent_did differs from the bundle's",
            ));
        }
    }
    Ok(())
}

fn check_replay(gw: &[Value]) -> Result<(), Stop> {
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
                return Err(stop(
                    "causal",
                    "CAUSAL_RECEIPT_REPLAY_DETECTED",
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

fn count_attestations(atts: &[Value], agent_did: &str, cfg: &VerifyConfig) -> usize {
    atts.iter()
        .filter(|a| {
            let attester = str_of(a, "attester_did").unwrap_or("");
            if !cfg
                .allowlists
                .attestation_signer_dids
                .iter()
                .any(|d| d == attester)
            {
                return false;
            }
            if str_of(a, "subject_did") != Some(agent_did) {
                return false;
            }
            if let Some(exp) = a.get("expires_at") {
                if parse_ms(exp.as_str()).is_none_or(|ms| cfg.now_ms > ms) {
                    return false;
                }
            }
            let mut unsigned = (*a).clone();
            if let Some(o) = unsigned.as_object_mut() {
                o.insert("signature_b64u".into(), Value::String(String::new()));
            }
            let Ok(msg) = json::canonicalize(&unsigned) else {
                return false;
            };
            let Ok(Some(k)) = did_key(attester) else {
                return false;
            };
            k.verify_b64u(&msg, str_of(a, "signature_b64u").unwrap_or(""))
                .is_ok()
        })
        .count()
}

/// Verify a `log_inclusion_proof.v1` with the reference log's Merkle rule
/// (`SHA-256(left ‖ right)`, last node duplicated on odd levels, `metadata.leaf_index`) and
/// its signed root (Ed25519 by `root_signature.signer_did` over the UTF-8 of
/// `root_hash_b64u`). When `trusted` is non-empty the root signer must be in it. When
/// `expected_leaf_b64u` is given the proof's leaf must equal it.
pub fn verify_log_inclusion_proof(
    proof: &Value,
    trusted: &[String],
    expected_leaf_b64u: Option<&str>,
) -> Result<(), Error> {
    let err = |code: &'static str, m: &str| Error::new(ErrorKind::Merkle, code, m.to_string());
    schema::log_inclusion_proof()
        .validate(proof, "$")
        .map_err(|e| {
            err(
                "SCHEMA_VALIDATION_FAILED",
                &format!("{}: {}", e.path, e.message),
            )
        })?;
    let size = proof["tree_size"].as_f64().unwrap_or(-1.0);
    let index = proof
        .get("metadata")
        .and_then(|m| m.get("leaf_index"))
        .and_then(Value::as_f64);
    let Some(index) = index.filter(|i| {
        i.fract() == 0.0 && *i >= 0.0 && *i < size && size >= 1.0 && size.fract() == 0.0
    }) else {
        return Err(err(
            "INCLUSION_PROOF_INVALID",
            "metadata.leaf_index must be an integer in [0, tree_size)",
        ));
    };
    let (idx, size) = (index as u64, size as u64);
    let path = arr(proof, "audit_path");
    let leaf = str_of(proof, "leaf_hash_b64u").unwrap_or("");
    if let Some(x) = expected_leaf_b64u {
        if x != leaf {
            return Err(err(
                "INCLUSION_PROOF_INVALID",
                "leaf_hash_b64u is not the expected leaf",
            ));
        }
    }
    let signer = proof["root_signature"]["signer_did"].as_str().unwrap_or("");
    if !trusted.is_empty() && !trusted.iter().any(|d| d == signer) {
        return Err(err(
            "INCLUSION_PROOF_INVALID",
            "log root signer is not trusted",
        ));
    }
    let root = str_of(proof, "root_hash_b64u").unwrap_or("");
    let key = match did_key(signer) {
        Err(()) => {
            return Err(err(
                "INVALID_DID_FORMAT",
                "root signer is not an Ed25519 did:key",
            ))
        }
        Ok(k) => k,
    };
    let sig = proof["root_signature"]["sig_b64u"].as_str().unwrap_or("");
    if key.is_none_or(|k| k.verify_b64u(root.as_bytes(), sig).is_err()) {
        return Err(err(
            "SIGNATURE_INVALID",
            "log root signature does not verify",
        ));
    }
    let decode = |s: &str| {
        b64::decode(s).map_err(|_| err("INCLUSION_PROOF_INVALID", "proof hashes must be base64url"))
    };
    let leaf_bytes = decode(leaf)?;
    let root_bytes = decode(root)?;
    let siblings = path
        .iter()
        .map(|s| decode(s.as_str().unwrap_or("")))
        .collect::<Result<Vec<_>, _>>()?;
    crate::merkle::clawlogs::verify_inclusion(&leaf_bytes, idx, size, &siblings, &root_bytes)
        .map_err(|e| err("INCLUSION_PROOF_INVALID", &format!("audit path: {e}")))
}

/// claw: gateway receipts carrying `metadata.log_inclusion_proof`. The logged leaf is the
/// payload hash computed without the proof (the gateway logs, then embeds the proof, then
/// signs). Returns how many receipts carried a valid proof.
fn check_log_proofs(gw: &[Value], cfg: &VerifyConfig) -> Result<usize, Stop> {
    let mut n = 0;
    for (i, r) in gw.iter().enumerate() {
        let Some(proof) = r
            .get("payload")
            .and_then(|p| p.get("metadata"))
            .and_then(|m| m.get("log_inclusion_proof"))
        else {
            continue;
        };
        let mut p = r["payload"].clone();
        if let Some(m) = p.get_mut("metadata").and_then(Value::as_object_mut) {
            m.shift_remove("log_inclusion_proof");
        }
        let leaf = js_hash(&p).unwrap_or_default();
        verify_log_inclusion_proof(proof, &cfg.trusted_log_signer_dids, Some(&leaf)).map_err(
            |e| {
                stop(
                    "log_inclusion",
                    e.reason_code(),
                    format!("receipts[{i}]: {}", e.message()),
                    Some(&format!(
                        "payload.receipts[{i}].payload.metadata.log_inclusion_proof"
                    )),
                )
            },
        )?;
        n += 1;
    }
    Ok(n)
}

/// claw: recompute the Merkle root over the receipts (event-chain order) and check the
/// signed checkpoint. Returns the receipts in leaf order and the checkpoint.
#[allow(clippy::too_many_arguments)]
fn check_merkle(
    payload: &Value,
    events: &[Value],
    idx: &HashMap<&str, usize>,
    agent_did: &str,
    chain_run: Option<&str>,
    threads: usize,
    keep: bool,
) -> Result<(Vec<Receipt>, Option<Checkpoint>), Stop> {
    const C: &str = "merkle";
    let ns = payload.get("metadata").and_then(|m| m.get(CLAW_NAMESPACE));
    let Some(ns) = ns else {
        return Ok((Vec::new(), None));
    };
    let Some(ns) = ns.as_object() else {
        return Err(stop(
            C,
            "SCHEMA_VALIDATION_FAILED",
            format!("metadata[{CLAW_NAMESPACE:?}] must be an object"),
            None,
        ));
    };
    let (merkle, cp) = match (ns.get("merkle"), ns.get("checkpoint")) {
        (None, None) => return Ok((Vec::new(), None)),
        (Some(m), Some(c)) => (m, c),
        _ => {
            return Err(stop(
                C,
                "SCHEMA_VALIDATION_FAILED",
                "merkle and checkpoint must come together",
                None,
            ))
        }
    };
    let field = format!("payload.metadata[{CLAW_NAMESPACE:?}].merkle");
    let bad = |m: &str| stop(C, "SCHEMA_VALIDATION_FAILED", m.to_string(), Some(&field));
    let mo = merkle
        .as_object()
        .ok_or_else(|| bad("merkle must be an object"))?;
    if let Some(k) = mo
        .keys()
        .find(|k| !["alg", "leaf", "order", "size", "root_b64u"].contains(&k.as_str()))
    {
        return Err(bad(&format!("merkle: unknown field {k:?}")));
    }
    if str_of(merkle, "alg") != Some(TREE_ALG)
        || str_of(merkle, "leaf") != Some(LEAF_RULE)
        || str_of(merkle, "order") != Some(LEAF_ORDER)
    {
        return Err(stop(
            C,
            "UNKNOWN_ALGORITHM",
            "merkle alg/leaf/order not supported",
            Some(&field),
        ));
    }
    let size = merkle
        .get("size")
        .and_then(Value::as_u64)
        .ok_or_else(|| bad("merkle.size must be an integer"))?;
    let root_b64u = str_of(merkle, "root_b64u")
        .filter(|r| hash::is_b64u_sha256(r))
        .ok_or_else(|| bad("merkle.root_b64u must be a hash"))?;

    let mut items: Vec<(ReceiptKind, &Value)> = Vec::new();
    for kind in ReceiptKind::ALL {
        for r in arr(payload, kind.array_name()) {
            items.push((kind, r));
        }
    }
    // Per receipt (in parallel): its event index, id and leaf hash, streamed from the value
    // (no copy of the receipt, no leaf bytes kept).
    let prepared = par_map(&items, threads, |(kind, r)| -> Result<Leaf<'_>, String> {
        let p = if r.get("envelope_type").is_some() {
            &r["payload"]
        } else {
            *r
        };
        let id = str_of(p, "receipt_id").unwrap_or("");
        let ev = p.get("binding").and_then(|b| str_of(b, "event_hash_b64u"));
        let i = ev.and_then(|h| idx.get(h)).copied().ok_or_else(|| {
            format!(
                "{} {id} is not bound to an event of the chain",
                kind.type_name()
            )
        })?;
        let hash = merkle_proofs::receipt_leaf_hash(*kind, r).map_err(|e| e.to_string())?;
        Ok(Leaf {
            event: i,
            kind: *kind,
            id,
            hash,
            item: r,
        })
    });
    let mut leaves: Vec<Leaf<'_>> = Vec::with_capacity(prepared.len());
    for p in prepared {
        leaves.push(p.map_err(|m| stop(C, "RECEIPT_BINDING_MISMATCH", m, Some(&field)))?);
    }
    // Leaf order (as merkle_proofs::sort_leaves); leaf bytes only for a full tie.
    leaves.sort_by(|a, b| {
        (a.event, a.kind.rank())
            .cmp(&(b.event, b.kind.rank()))
            .then_with(|| json::cmp_utf16(a.id, b.id))
            .then_with(|| {
                let x = merkle_proofs::leaf_bytes(a.kind, a.item).unwrap_or_default();
                let y = merkle_proofs::leaf_bytes(b.kind, b.item).unwrap_or_default();
                x.cmp(&y)
            })
    });
    let hashes: Vec<[u8; 32]> = leaves.iter().map(|l| l.hash).collect();
    let root = crate::merkle::rfc9162::root_from_leaf_hashes(&hashes);
    drop(hashes);
    if leaves.len() as u64 != size || b64::encode(root) != root_b64u {
        return Err(stop(
            C,
            "INVALID_ROOT",
            "Merkle root/size over the receipts differs from metadata.merkle",
            Some(&field),
        ));
    }
    let cp_field = format!("payload.metadata[{CLAW_NAMESPACE:?}].checkpoint");
    let checkpoint = Checkpoint::from_envelope(cp).map_err(|e| {
        stop(
            C,
            e.reason_code(),
            format!("checkpoint: {}", e.message()),
            Some(&cp_field),
        )
    })?;
    if checkpoint.agent_did != agent_did {
        return Err(stop(
            C,
            "PROOF_BUNDLE_AGENT_MISMATCH",
            "checkpoint is not signed by the bundle's agent",
            Some(&cp_field),
        ));
    }
    if Some(checkpoint.run_id.as_str()) != chain_run {
        return Err(stop(
            C,
            "INCONSISTENT_RUN_ID",
            "checkpoint run_id differs from the event chain's",
            Some(&cp_field),
        ));
    }
    if checkpoint.tree_size != size
        || checkpoint.root_b64u != root_b64u
        || checkpoint.event_count != events.len() as u64
        || checkpoint.event_head_b64u.as_deref()
            != events.last().and_then(|e| str_of(e, "event_hash_b64u"))
    {
        return Err(stop(
            C,
            "INVALID_ROOT",
            "checkpoint does not commit to this bundle's receipts and events",
            Some(&cp_field),
        ));
    }
    // Receipts in leaf order (for receipt proofs from a verified bundle).
    if !keep {
        return Ok((Vec::new(), Some(checkpoint)));
    }
    let ordered = leaves
        .iter()
        .map(|l| Receipt {
            kind: l.kind,
            value: l.item.clone(),
        })
        .collect();
    Ok((ordered, Some(checkpoint)))
}

/// One receipt being placed in the tree.
struct Leaf<'a> {
    event: usize,
    kind: ReceiptKind,
    id: &'a str,
    hash: [u8; 32],
    item: &'a Value,
}

/// Check one receipt outside its bundle (receipt proofs, §6.5) with exactly what
/// [`verify_bundle`] checks for it, through the same functions: the receipt array's item
/// schema (a gateway receipt must be a signed `gateway_receipt` envelope; a bare payload is
/// refused), the reference's generic gateway checks with the signer in
/// `cfg.allowlists.gateway_receipt_signer_dids` (none configured:
/// `DEPENDENCY_NOT_CONFIGURED`), a tool receipt's hash, signature, co-signatures, expiry
/// and `agent_did` (it must be `agent_did`, the agent whose checkpoint commits to it), the
/// support receipts' version and agent. The binding to the run is the caller's check.
/// Returns the envelope signer, if the receipt is an envelope.
pub(crate) fn verify_receipt_as_in_bundle(
    kind: ReceiptKind,
    r: &Value,
    agent_did: &str,
    cfg: &VerifyConfig,
) -> Result<Option<String>, Error> {
    let to_err = |s: Stop| Error::new(ErrorKind::Bundle, s.code, s.reason);
    let limits = ArrayLimits {
        receipts: cfg.limits.max_receipts,
        rate_limit_claims: cfg.limits.max_rate_limit_claims,
    };
    let item = match kind {
        ReceiptKind::Gateway => schema::gateway_envelope(),
        ReceiptKind::Tool => schema::tool_item(),
        _ => schema_item(kind.array_name(), limits),
    };
    item.validate(r, "$").map_err(|e| {
        Error::new(
            ErrorKind::Bundle,
            schema_code(&e),
            format!("{}: {}", e.path, e.message),
        )
    })?;
    let one = std::slice::from_ref(r);
    match kind {
        ReceiptKind::Gateway => {
            let (gw_pre, _, jobs) = prepare_receipts(one, &[], cfg, 1);
            let sig_ok = batch::verify_all(&jobs, SigMode::Sequential, 1);
            let pre = &gw_pre[0];
            match (&pre.pre, pre.job) {
                (Ok(()), Some(j)) if sig_ok[j] => {}
                (Err((code @ "DEPENDENCY_NOT_CONFIGURED", m)), _) => {
                    return Err(Error::new(ErrorKind::Bundle, code, m.clone()))
                }
                (Err((code, m)), _) => {
                    return Err(Error::new(
                        ErrorKind::Bundle,
                        "RECEIPT_VERIFICATION_FAILED",
                        format!("gateway receipt: {code} {m}"),
                    ))
                }
                (Ok(()), _) => {
                    return Err(Error::new(
                        ErrorKind::Bundle,
                        "RECEIPT_VERIFICATION_FAILED",
                        "gateway receipt: SIGNATURE_INVALID signature does not verify",
                    ))
                }
            }
        }
        ReceiptKind::Tool => {
            let (_, tool_pre, jobs) = prepare_receipts(&[], one, cfg, 1);
            let sig_ok = batch::verify_all(&jobs, SigMode::Sequential, 1);
            check_tool_receipt(0, r, &tool_pre[0], &sig_ok, agent_did, None, cfg)
                .map_err(to_err)?;
        }
        _ => check_support_one(0, r, kind.array_name(), agent_did).map_err(to_err)?,
    }
    Ok(r.get("envelope_type")
        .and_then(|_| str_of(r, "signer_did"))
        .map(str::to_string))
}
