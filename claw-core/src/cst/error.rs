//! Why a scoped token was refused, with one stable reason code per failure.

/// Which revocation entry matched.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum RevokedBy {
    /// The token's `jti` is revoked.
    Jti,
    /// The issuer key (`kid`) that signed the token is revoked.
    Kid,
    /// The policy hash the token pins is revoked.
    PolicyHash,
    /// The whole token is revoked by its hash (the reference's `token_hash`).
    TokenHash,
}

impl std::fmt::Display for RevokedBy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            RevokedBy::Jti => "its jti",
            RevokedBy::Kid => "its signing key (kid)",
            RevokedBy::PolicyHash => "its pinned policy hash",
            RevokedBy::TokenHash => "its token hash",
        })
    }
}

/// Why a replay guard refused a use. A guard that cannot answer must fail closed with
/// [`ReplayError::Unavailable`], never let the use through.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ReplayError {
    /// The `(job, jti)` pair was already used.
    #[error("token jti was already used for this job (replay)")]
    Replayed,
    /// The guard is full of unexpired entries; it refuses rather than forget one.
    #[error("replay guard is full ({capacity} unexpired entries); refusing rather than evicting")]
    CapacityExceeded {
        /// The guard's hard capacity.
        capacity: usize,
    },
    /// The guard's store could not be consulted (for shared stores: network, lock, backend).
    #[error("replay guard unavailable: {0}")]
    Unavailable(String),
    /// A shared store failed (unreachable, corrupt data); its reason code is the store's
    /// (`STATE_STORE_UNAVAILABLE`, `STATE_STORE_CORRUPT`, ...).
    #[error(transparent)]
    Store(#[from] super::state::StateError),
}

impl ReplayError {
    /// Stable reason code.
    pub fn reason_code(&self) -> &'static str {
        match self {
            ReplayError::Replayed => "TOKEN_REPLAYED",
            ReplayError::CapacityExceeded { .. } => "REPLAY_GUARD_FULL",
            ReplayError::Unavailable(_) => "REPLAY_PROTECTION_FAILED",
            ReplayError::Store(e) => e.reason_code(),
        }
    }
}

/// Why a scoped token was refused (validation), could not be issued, or why a key set could
/// not be built. Messages name the header member or claim at fault and never contain the
/// token, a signature or key material.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TokenError {
    /// The token is larger than the configured bound.
    #[error("token is {size} bytes, above the limit of {limit}")]
    TooLarge {
        /// Size of the token in bytes.
        size: usize,
        /// The configured bound.
        limit: usize,
    },
    /// Not a compact JWS of three strict-base64url segments with a JSON object header and
    /// payload (bad segment count, padding, non-canonical base64url, duplicate JSON keys,
    /// lone surrogates, inexact integers, ...).
    #[error("token is malformed: {0}")]
    Malformed(String),
    /// `alg` is missing or is not `EdDSA` / `Ed25519`.
    #[error("header alg {0} is not allowed (only EdDSA and Ed25519)")]
    UnsupportedAlg(String),
    /// A header member that is never accepted (`crit`, `jwk`, `jku`, `x5u`, `x5c`, ...) or
    /// an unknown header member.
    #[error("header member {0} is not allowed")]
    ForbiddenHeader(String),
    /// `typ` is missing or is not `JWT` / `application/jwt`.
    #[error("header typ {0} is not accepted (JWT required)")]
    BadType(String),
    /// The header has no `kid`.
    #[error("header kid is missing")]
    MissingKid,
    /// The header's `kid` is not in the trusted key set.
    #[error("header kid {0:?} is not in the trusted key set")]
    UnknownKid(String),
    /// The key named by `kid` is past its `not_after` time.
    #[error("key {0:?} has expired")]
    KidExpired(String),
    /// The signature does not verify (strict RFC 8032) under the key named by `kid`.
    #[error("token signature does not verify")]
    SignatureInvalid,
    /// `token_version` is present and is not `"1"`.
    #[error("claim token_version is not \"1\"")]
    UnknownVersion,
    /// A claim is missing, unknown, of the wrong type, out of bounds or fails its pattern.
    #[error("claim {claim}: {reason}")]
    InvalidClaim {
        /// The claim at fault (truncated and quoted when it is not a known claim).
        claim: String,
        /// What is wrong with it.
        reason: String,
    },
    /// `exp` is in the past (beyond the clock skew).
    #[error("claim exp: token expired at {exp} (now {now})")]
    Expired {
        /// The token's `exp`.
        exp: i64,
        /// The injected clock.
        now: i64,
    },
    /// `nbf` is in the future (beyond the clock skew).
    #[error("claim nbf: token is not valid before {nbf} (now {now})")]
    NotYetValid {
        /// The token's `nbf`.
        nbf: i64,
        /// The injected clock.
        now: i64,
    },
    /// `iat` is in the future (beyond the clock skew).
    #[error("claim iat: token issued in the future at {iat} (now {now})")]
    IssuedInFuture {
        /// The token's `iat`.
        iat: i64,
        /// The injected clock.
        now: i64,
    },
    /// `exp - iat` is above the policy's maximum TTL.
    #[error("claims iat/exp: lifetime {ttl} s exceeds the policy maximum of {max} s")]
    TtlExceedsPolicy {
        /// `exp - iat`.
        ttl: i64,
        /// The policy's maximum.
        max: u64,
    },
    /// The token is revoked.
    #[error("token is revoked by {0}")]
    Revoked(RevokedBy),
    /// The expected audience is not in `aud`.
    #[error("claim aud does not contain the expected audience")]
    AudienceMismatch,
    /// `sub` differs from the expected subject.
    #[error("claim sub does not match the expected subject")]
    SubjectMismatch,
    /// The requested action is not in `scope`.
    #[error("claim scope does not grant the requested action {0:?}")]
    InsufficientScope(String),
    /// The caller requires `token_scope_hash_b64u` and the token has none.
    #[error("claim token_scope_hash_b64u is required")]
    ScopeHashRequired,
    /// The delegation claims are incomplete or inconsistent.
    #[error("delegation claims: {0}")]
    DelegationInvalid(String),
    /// `delegation_expires_at` is in the past.
    #[error("claim delegation_expires_at: the delegation has expired")]
    DelegationExpired,
    /// `token_scope_hash_b64u` differs from the value recomputed from the claims.
    #[error("claim token_scope_hash_b64u does not match the claims")]
    ScopeHashMismatch,
    /// The policy requires a pinned policy hash and the token pins none.
    #[error("claim policy_hash_b64u is required by the policy (token is not pinned)")]
    PolicyPinRequired,
    /// The token pins a policy hash that is not the runtime's policy hash.
    #[error("claim policy_hash_b64u does not match the runtime policy ({0})")]
    PolicyHashMismatch(&'static str),
    /// The runtime requires job binding and the token has no `mission_id` (or the runtime
    /// named no job).
    #[error("claim mission_id is required: {0}")]
    MissionRequired(&'static str),
    /// `mission_id` is not the job the runtime is executing, or the runtime named no job.
    #[error("claim mission_id does not match the job being executed ({0})")]
    MissionMismatch(&'static str),
    /// jti-once replay mode and the token has no `jti`.
    #[error("claim jti is required by the replay mode")]
    JtiRequired,
    /// The revocations could not be consulted (shared store unreachable, stale, corrupt).
    #[error(transparent)]
    State(#[from] super::state::StateError),
    /// The replay guard refused the use.
    #[error(transparent)]
    Replay(#[from] ReplayError),
    /// A key set could not be built (bad JWKS/JWK/DID, duplicate kid).
    #[error("key set: {0}")]
    InvalidKeySet(String),
    /// An issuing request was refused (TTL, kid, time overflow).
    #[error("issue: {0}")]
    InvalidIssue(String),
}

impl TokenError {
    /// Stable reason code: the reference registry's or the reference code's where one
    /// exists, claw's own otherwise (see `docs/SPEC.md §5`).
    pub fn reason_code(&self) -> &'static str {
        match self {
            TokenError::TooLarge { .. } | TokenError::Malformed(_) => "TOKEN_MALFORMED",
            TokenError::UnsupportedAlg(_) => "TOKEN_UNSUPPORTED_ALG",
            TokenError::ForbiddenHeader(_) => "TOKEN_HEADER_FORBIDDEN",
            TokenError::BadType(_) => "TOKEN_TYP_INVALID",
            TokenError::MissingKid | TokenError::UnknownKid(_) => "TOKEN_UNKNOWN_KID",
            TokenError::KidExpired(_) => "TOKEN_KID_EXPIRED",
            TokenError::SignatureInvalid => "TOKEN_SIGNATURE_INVALID",
            TokenError::UnknownVersion => "TOKEN_UNKNOWN_VERSION",
            TokenError::InvalidClaim { .. } => "TOKEN_INVALID_CLAIMS",
            TokenError::Expired { .. } => "TOKEN_EXPIRED",
            TokenError::NotYetValid { .. } => "TOKEN_NOT_YET_VALID",
            TokenError::IssuedInFuture { .. } => "TOKEN_ISSUED_IN_FUTURE",
            TokenError::TtlExceedsPolicy { .. } => "TOKEN_TTL_EXCEEDS_POLICY",
            TokenError::Revoked(_) => "TOKEN_REVOKED",
            TokenError::AudienceMismatch => "TOKEN_BAD_AUDIENCE",
            TokenError::SubjectMismatch => "TOKEN_SUB_MISMATCH",
            TokenError::InsufficientScope(_) => "TOKEN_INSUFFICIENT_SCOPE",
            TokenError::ScopeHashRequired => "TOKEN_SCOPE_HASH_REQUIRED",
            TokenError::DelegationInvalid(_) => "TOKEN_DELEGATION_BINDING_INVALID",
            TokenError::DelegationExpired => "TOKEN_DELEGATION_EXPIRED",
            TokenError::ScopeHashMismatch => "TOKEN_SCOPE_HASH_MISMATCH",
            TokenError::PolicyPinRequired => "TOKEN_POLICY_PIN_REQUIRED",
            TokenError::PolicyHashMismatch(_) => "POLICY_HASH_MISMATCH",
            TokenError::MissionRequired(_) => "TOKEN_MISSION_REQUIRED",
            TokenError::MissionMismatch(_) => "TOKEN_MISSION_MISMATCH",
            TokenError::JtiRequired => "TOKEN_JTI_REQUIRED",
            TokenError::Replay(e) => e.reason_code(),
            TokenError::State(e) => e.reason_code(),
            TokenError::InvalidKeySet(_) => "SIGNING_CONFIG_INVALID",
            TokenError::InvalidIssue(_) => "TOKEN_ISSUE_INVALID",
        }
    }

    pub(crate) fn claim(claim: &str, reason: impl Into<String>) -> TokenError {
        TokenError::InvalidClaim {
            claim: claim.to_string(),
            reason: reason.into(),
        }
    }
}

/// Quote an attacker-chosen name for an error message, bounded in length.
pub(crate) fn quoted(name: &str) -> String {
    const MAX: usize = 64;
    if name.len() <= MAX {
        format!("{name:?}")
    } else {
        let mut end = MAX;
        while !name.is_char_boundary(end) {
            end -= 1;
        }
        format!("{:?}…", &name[..end])
    }
}
