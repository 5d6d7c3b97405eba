//! Evidence: receipts, the event chain, proof bundles, Merkle checkpoints and proofs, the
//! Trust Pulse, and the offline verifier.
//!
//! Everything here is wire-compatible with the Clawsig reference schemas (`poh/*.json`):
//!
//! * **Producing.** A [`Recorder`] is fed one event at a time by the harness (model calls,
//!   tool calls, policy decisions, side effects, approvals, delegations). It keeps the
//!   hash-linked event chain, hands out the [`Binding`] (run id, event hash, nonce, causal
//!   span) that each receipt carries, collects the receipts, and finally signs a
//!   `proof_bundle` envelope ([`Recorder::finish`]) whose receipt arrays are sorted by
//!   `receipt_id` and whose every object has sorted keys, so that the reference's
//!   `JSON.stringify` hash rule and RFC 8785 JCS give the same bytes.
//! * **Merkle assembly** (claw's addition): an RFC 9162 tree over the bundle's receipts in
//!   *event-chain order*, a signed [`Checkpoint`] of it carried in the bundle's hash-bound
//!   `metadata["claw.dev/v1"]`, self-contained [`ReceiptProof`]s for one receipt and
//!   [`ConsistencyProof`]s between two checkpoints of one run.
//! * **Verifying.** [`verify_bundle`] follows the reference verifier's check order and reason
//!   codes and returns a [`Verdict`] with a proof tier and per-component results.
//!   [`verify_export_bundle`] verifies an audit-ready export bundle: its manifest, its
//!   issuer's signature, the proof bundle and the attestations it carries.
//!
//! docs/SPEC.md §6 describes every format and the verification algorithm in order.

mod aggregate;
mod approval_binding;
mod batch;
mod bundle;
mod carried;
mod causal;
mod chain;
mod commit;
mod config;
mod document;
mod export;
mod gateway_policy;
mod ids;
mod merkle_proofs;
mod options;
mod progress;
mod pulse;
mod receipts;
mod recorder;
mod runlog;
mod runlog_line;
mod schema;
mod verify;
mod wire;

pub use aggregate::{
    is_aggregate_bundle, verify_aggregate_bundle, verify_aggregate_bundle_value, AggregateVerdict,
    AGGREGATE_TTL_SKEW_MS,
};
pub use batch::{SigMode, TABLE_MIN_SIGNATURES};
pub use bundle::{Bundle, BundleOptions, CausalAnchoring};
pub use carried::{
    receipt_from_response, sse_trailer, sse_trailer_from_json, CarriedReceipt,
    MAX_CARRIED_RESPONSE_BYTES, SSE_TRAILER_ENVELOPE, SSE_TRAILER_LEGACY,
};
pub use causal::CausalMode;
pub use chain::{event_hash, Event};
pub use commit::{
    commit_failure_json, verify_commit_signature, verify_commit_signature_value, CommitError,
    CommitForm, VerifiedCommit, MAX_COMMIT_SIG_BYTES,
};
pub use config::{parse_clawverify_config, Allowlists};
pub use document::{
    locate_document, AmbiguousDocument, Located, VerifiedBundle, AMBIGUOUS_DOCUMENT,
};
pub use export::{
    is_export_bundle, verify_document, verify_export_bundle, verify_export_bundle_value,
    DocumentVerdict, ExportVerdict, EXPORT_CONTENT_TYPE, EXPORT_TTL_SKEW_MS,
};
pub use ids::{new_id, uuid_v4};
pub use merkle_proofs::{
    verify_consistency_proof, Checkpoint, ConsistencyProof, ReceiptProof, CHECKPOINT_ENVELOPE_TYPE,
    LEAF_RULE, TREE_ALG,
};
pub use options::{VerifyOptions, WpcReplayOptions, MAX_OPTIONS_BYTES, OPTION_MEMBERS};
pub use progress::{Progress, ProgressSink};
pub use pulse::{safe_relative_path, trust_pulse_from_bundle, TrustPulse, TRUST_PULSE_SCHEMA};
pub use receipts::{
    sign_receipt_envelope, ApprovalType, ApproverMethod, Binding, Delegation, EffectClass, Gateway,
    HumanApproval, ModelCall, Receipt, ReceiptKind, ResponseStatus, SideEffect, ToolCall,
    ToolStatus,
};
pub use recorder::{PendingModelCall, Recorder};
pub use runlog::{
    check_disclosures, parse_run_log, ApprovalState, DecisionRecord, Disclosure, ElicitationRecord,
    ListedKind, ListingRecord, RunOp, RunOut, RunPolicy, RunRecord, RunStart, RunState, RunToken,
    DISCLOSURE_BUDGET_BYTES, MAX_RUN_LOG_LINE_BYTES, RUN_LOG_VERSION,
};
pub use schema::UNVERIFIED_METADATA_MEMBERS;
pub use verify::{
    verify_bundle, verify_bundle_for_use, verify_bundle_value, verify_bundle_with_tree,
    verify_log_inclusion_proof, verify_receipt_proof, Component, ComponentStatus, Detail,
    PolicyReplay, ProofTier, ReceiptProofVerdict, Step, TrustTier, Verdict, VerdictHead,
    VerifyConfig, VerifyFailure, VerifyLimits,
};

/// The members of a proof bundle's payload that hold nearly all of its bytes (the event chain
/// and the five receipt arrays), in the order the schema reports their items' errors: the
/// arrays the streamed verifier leaves unparsed.
pub const PROOF_BUNDLE_BIG_ARRAYS: [&str; 6] = [
    "event_chain",
    "receipts",
    "tool_receipts",
    "side_effect_receipts",
    "human_approval_receipts",
    "delegation_receipts",
];

/// The metadata namespace claw writes under (shared with WPC metadata).
pub const CLAW_NAMESPACE: &str = "claw.dev/v1";
pub use wire::ParseEnumError;

/// Why evidence could not be produced (the verifier reports through [`Verdict`] instead).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum EvidenceError {
    /// A caller-supplied value is out of the range the schemas or the reference accept.
    #[error("invalid {field}: {detail}")]
    InvalidInput {
        /// The input field at fault.
        field: String,
        /// What is wrong with it.
        detail: String,
    },
    /// An object key that JavaScript would reorder (an array index such as "0" or "42").
    #[error("object key {key:?} at {path} is an array index; JSON.stringify would move it first, so the reference's hash would differ")]
    IndexLikeKey {
        /// JSON path of the object holding the key.
        path: String,
        /// The offending key.
        key: String,
    },
    /// A timestamp earlier than the previous event's.
    #[error("timestamp {got} is earlier than the previous event ({last})")]
    ClockRegression {
        /// The new timestamp.
        got: String,
        /// The previous event's timestamp.
        last: String,
    },
    /// A receipt or pending call does not belong to this run / event.
    #[error("binding mismatch: {0}")]
    BindingMismatch(String),
    /// A model call is still waiting for its gateway receipt.
    #[error("model call bound to event {0} has no gateway receipt yet")]
    PendingModelCall(String),
    /// A side-effect or approval receipt has no causal span (see [`CausalAnchoring`]).
    #[error("{kind} {receipt_id} is not anchored to a gateway-receipt span; the reference verifier's default mode would reject the bundle")]
    UnanchoredReceipt {
        /// The receipt kind (`side_effect_receipt`, `human_approval_receipt`).
        kind: &'static str,
        /// The unanchored receipt's id.
        receipt_id: String,
    },
    /// No receipt with this id, or no such checkpoint.
    #[error("not found: {0}")]
    NotFound(String),
    /// A signed envelope could not be built.
    #[error(transparent)]
    Envelope(#[from] crate::envelope::EnvelopeError),
    /// A value could not be serialized.
    #[error(transparent)]
    Json(#[from] crate::json::JsonError),
    /// A run log line is malformed or breaks a rule of the log (see [`RunState`]).
    #[error("run log line {line}: {detail}")]
    RunLog {
        /// 1-based line number in the run log.
        line: u64,
        /// What is wrong with it.
        detail: String,
    },
    /// Replaying a run log did not reproduce what the log says was recorded.
    #[error("run log line {line} does not replay: {detail}")]
    RunLogDiverged {
        /// 1-based line number in the run log.
        line: u64,
        /// What is wrong with it.
        detail: String,
    },
    /// A model response carries no gateway receipt (no `_receipt_envelope` member, no SSE
    /// trailer), or the one it carries cannot be read.
    #[error("no gateway receipt carried by the response: {0}")]
    ReceiptNotCarried(String),
    /// A gateway receipt bound to another policy than the run's (docs/SPEC.md §7.12).
    #[error("{0}")]
    GatewayPolicyMismatch(String),
    /// A checkpoint, consistency proof, disclosure or bundle asked of a recorder that keeps
    /// only the chain head ([`Recorder::keep_chain_head_only`]).
    #[error("this recorder keeps only the chain head; build the bundle from the run log")]
    HistoryNotKept,
}

impl EvidenceError {
    /// Stable reason code.
    pub fn reason_code(&self) -> &'static str {
        match self {
            EvidenceError::InvalidInput { .. } => "SCHEMA_VALIDATION_FAILED",
            EvidenceError::IndexLikeKey { .. } => "CANONICALIZATION_ERROR",
            EvidenceError::ClockRegression { .. } => "CAUSAL_CLOCK_CONTRADICTION",
            EvidenceError::BindingMismatch(_) => "RECEIPT_BINDING_MISMATCH",
            EvidenceError::PendingModelCall(_) => "MISSING_REQUIRED_FIELD",
            EvidenceError::UnanchoredReceipt { kind, .. } => {
                if *kind == "human_approval_receipt" {
                    "CAUSAL_HUMAN_APPROVAL_ORPHANED"
                } else {
                    "CAUSAL_SIDE_EFFECT_ORPHANED"
                }
            }
            EvidenceError::NotFound(_) => "CLAIM_NOT_FOUND",
            EvidenceError::Envelope(e) => e.reason_code(),
            EvidenceError::Json(e) => e.reason_code(),
            EvidenceError::RunLog { .. } => "RUN_LOG_INVALID",
            EvidenceError::RunLogDiverged { .. } => "RUN_LOG_DIVERGED",
            EvidenceError::ReceiptNotCarried(_) => "RECEIPT_NOT_CARRIED",
            EvidenceError::GatewayPolicyMismatch(_) => "GATEWAY_POLICY_MISMATCH",
            EvidenceError::HistoryNotKept => "RECORDER_HISTORY_NOT_KEPT",
        }
    }
}

/// Map `f` over `items` on `threads` threads, keeping order.
pub(crate) fn par_map<T: Sync, R: Send>(
    items: &[T],
    threads: usize,
    f: impl Fn(&T) -> R + Sync,
) -> Vec<R> {
    if threads <= 1 || items.len() < 256 {
        return items.iter().map(&f).collect();
    }
    let per = items.len().div_ceil(threads);
    let f = &f;
    std::thread::scope(|s| {
        let handles: Vec<_> = items
            .chunks(per)
            .map(|c| s.spawn(move || c.iter().map(f).collect::<Vec<R>>()))
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap_or_else(|e| std::panic::resume_unwind(e)))
            .collect()
    })
}

/// The first error of results kept in item order (what a serial pass would have returned).
pub(crate) fn first_err<E>(results: Vec<Result<(), E>>) -> Result<(), E> {
    results.into_iter().collect()
}

pub(crate) fn invalid(field: &str, detail: impl Into<String>) -> EvidenceError {
    EvidenceError::InvalidInput {
        field: field.to_string(),
        detail: detail.into(),
    }
}

/// Refuse object keys that are JavaScript array indices anywhere in `v` (see
/// [`EvidenceError::IndexLikeKey`]); every object claw emits passes this check.
pub fn check_emittable(v: &serde_json::Value) -> Result<(), EvidenceError> {
    fn walk(v: &serde_json::Value, path: &mut String) -> Result<(), EvidenceError> {
        match v {
            serde_json::Value::Object(m) => {
                for (k, x) in m {
                    if is_array_index(k) {
                        return Err(EvidenceError::IndexLikeKey {
                            path: path.clone(),
                            key: k.clone(),
                        });
                    }
                    let len = path.len();
                    path.push('.');
                    path.push_str(k);
                    walk(x, path)?;
                    path.truncate(len);
                }
                Ok(())
            }
            serde_json::Value::Array(a) => {
                for (i, x) in a.iter().enumerate() {
                    let len = path.len();
                    path.push_str(&format!("[{i}]"));
                    walk(x, path)?;
                    path.truncate(len);
                }
                Ok(())
            }
            _ => Ok(()),
        }
    }
    walk(v, &mut String::from("$"))
}

/// ECMAScript array index: canonical decimal integer below 2^32 − 1.
pub(crate) fn is_array_index(k: &str) -> bool {
    if k.is_empty() || k.len() > 10 || !k.bytes().all(|b| b.is_ascii_digit()) {
        return false;
    }
    if k.len() > 1 && k.starts_with('0') {
        return false;
    }
    k.parse::<u64>().is_ok_and(|n| n < u64::from(u32::MAX))
}
