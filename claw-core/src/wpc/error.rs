//! Errors raised while reading, compiling or authoring a Work Policy Contract.

use crate::json::JsonError;

/// Why a policy, an authoring document or an overrides document was rejected.
///
/// Every variant names the JSON path at fault where there is one (`$.statements[3].sid`) and
/// maps to a stable [`reason_code`](PolicyError::reason_code). Messages never contain secrets
/// (a policy holds none).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PolicyError {
    /// The input is not strict JSON (see [`crate::json::parse`]).
    #[error("policy is not valid JSON: {0}")]
    Json(#[from] JsonError),
    /// The signed policy envelope was refused (version, type, hash, signature, signer,
    /// expiry); carries the envelope's own reason code.
    #[error("policy envelope: {0}")]
    Envelope(#[from] crate::envelope::EnvelopeError),
    /// `policy_version` is a string other than `"1"` or `"2"`.
    #[error("$.policy_version: unsupported policy version {found:?} (expected \"1\" or \"2\")")]
    UnsupportedVersion {
        /// The version found.
        found: String,
    },
    /// The document does not conform to the WPC JSON Schema (or to the `claw.dev/v1`
    /// metadata namespace): unknown field, wrong type, missing field, limit exceeded, ...
    #[error("{path}: {detail}")]
    Schema {
        /// JSON path of the offending value.
        path: String,
        /// What is wrong with it.
        detail: String,
    },
    /// Two statements of one policy share a `sid`.
    #[error("{path}: duplicate statement id {sid:?} (sid must be unique within a policy)")]
    DuplicateSid {
        /// JSON path of the second occurrence.
        path: String,
        /// The repeated sid.
        sid: String,
    },
    /// The policy does not hash to the expected `policy_hash_b64u`.
    #[error("policy hash mismatch: expected {expected}, computed {computed}")]
    HashMismatch {
        /// The hash the caller expected (e.g. from an envelope or a CST).
        expected: String,
        /// base64url(SHA-256(JCS(payload))) of the policy as given.
        computed: String,
    },
    /// The authoring form (see [`crate::wpc::compile_authoring`]) is invalid.
    #[error("{path}: {detail}")]
    Authoring {
        /// JSON path in the authoring document.
        path: String,
        /// What is wrong.
        detail: String,
    },
    /// The parent handed to [`crate::wpc::CompiledPolicy::compile_with_parent`] is neither
    /// identified by the child's `inherits` id nor by its hash.
    #[error("$.inherits: parent policy (id {parent_id:?}, hash {parent_hash}) does not match inherits {inherits:?}")]
    ParentMismatch {
        /// The child's `inherits` value.
        inherits: String,
        /// The supplied parent's `policy_id`.
        parent_id: String,
        /// The supplied parent's hash.
        parent_hash: String,
    },
    /// A parent was supplied for a policy that does not `inherits`.
    #[error(
        "$.inherits: a parent policy ({parent_id:?}) was supplied but the policy does not inherit"
    )]
    UnexpectedParent {
        /// The supplied parent's `policy_id`.
        parent_id: String,
    },
    /// The `inherits` chain is longer than [`crate::wpc::MAX_INHERITANCE_DEPTH`].
    #[error("$.inherits: inheritance chain deeper than {limit} policies")]
    InheritanceTooDeep {
        /// The limit.
        limit: usize,
    },
    /// An overrides (incident switch) document is invalid.
    #[error("{path}: {detail}")]
    Overrides {
        /// JSON path in the overrides document.
        path: String,
        /// What is wrong.
        detail: String,
    },
}

impl PolicyError {
    /// Stable, machine-readable reason code. Registry codes where one exists
    /// (`INVALID_JSON`, `UNKNOWN_SCHEMA_VERSION`, `SCHEMA_VALIDATION_FAILED`, `HASH_MISMATCH`),
    /// claw codes (documented in `docs/SPEC.md §4`) otherwise.
    pub fn reason_code(&self) -> &'static str {
        match self {
            PolicyError::Json(_) => "INVALID_JSON",
            PolicyError::Envelope(e) => e.reason_code(),
            PolicyError::UnsupportedVersion { .. } => "UNKNOWN_SCHEMA_VERSION",
            PolicyError::Schema { .. } | PolicyError::DuplicateSid { .. } => {
                "SCHEMA_VALIDATION_FAILED"
            }
            PolicyError::HashMismatch { .. } => "HASH_MISMATCH",
            PolicyError::Authoring { .. } => "POLICY_AUTHORING_INVALID",
            PolicyError::ParentMismatch { .. } | PolicyError::UnexpectedParent { .. } => {
                "POLICY_PARENT_MISMATCH"
            }
            PolicyError::InheritanceTooDeep { .. } => "POLICY_INHERITANCE_TOO_DEEP",
            PolicyError::Overrides { .. } => "OVERRIDES_INVALID",
        }
    }

    /// The JSON path at fault, where the error has one.
    pub fn path(&self) -> Option<&str> {
        match self {
            PolicyError::Schema { path, .. }
            | PolicyError::DuplicateSid { path, .. }
            | PolicyError::Authoring { path, .. }
            | PolicyError::Overrides { path, .. } => Some(path),
            PolicyError::UnsupportedVersion { .. } => Some("$.policy_version"),
            PolicyError::ParentMismatch { .. }
            | PolicyError::UnexpectedParent { .. }
            | PolicyError::InheritanceTooDeep { .. } => Some("$.inherits"),
            PolicyError::Json(_) | PolicyError::HashMismatch { .. } | PolicyError::Envelope(_) => {
                None
            }
        }
    }

    pub(crate) fn schema(path: impl Into<String>, detail: impl Into<String>) -> PolicyError {
        PolicyError::Schema {
            path: path.into(),
            detail: detail.into(),
        }
    }
}
