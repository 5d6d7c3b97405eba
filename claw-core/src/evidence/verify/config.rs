//! What the verifier trusts and how it works: [`VerifyConfig`], its [`VerifyLimits`] and the
//! [`PolicyReplay`] receipts are replayed against.

use super::super::batch::SigMode;
use super::super::causal::CausalMode;
use super::super::config::Allowlists;
use super::super::receipts::ReceiptKind;
use serde_json::Value;

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
    /// Allowlists (reference config file format, see [`super::super::parse_clawverify_config`]).
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
    pub progress: super::super::ProgressSink,
}

/// A pinned policy to replay receipts against: a function from (receipt kind, receipt
/// payload) to an optional denial reason. Built by `claw_core::wpc` integration.
#[derive(Clone)]
pub struct PolicyReplay {
    /// The policy hash (`policy_hash_b64u`) the replay is pinned to.
    pub policy_hash_b64u: String,
    #[allow(clippy::type_complexity)]
    pub(super) decide: std::sync::Arc<dyn Fn(ReceiptKind, &Value) -> Option<String> + Send + Sync>,
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
            progress: super::super::ProgressSink::none(),
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
