//! Every way a request can be refused, with its HTTP status and stable reason code.

use claw_core::cst::TokenError;
use claw_core::wpc::PolicyError;
use hyper::StatusCode;

use crate::sink::SinkError;

/// Why the gateway refused or failed a request. Each variant carries its reason code
/// ([`GatewayError::reason_code`]) and HTTP status ([`GatewayError::status`]); the body is
/// `{"error":{"code","message"},"reason_code"}` (`docs/SPEC.md §8.4`).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum GatewayError {
    /// No `X-CST` / `X-Scoped-Token` header.
    #[error("a scoped token is required: send X-CST (or X-Scoped-Token)")]
    TokenMissing,
    /// `X-CST` and `X-Scoped-Token` both present and different.
    #[error("conflicting scoped tokens: X-CST and X-Scoped-Token differ")]
    TokenConflict,
    /// The token failed validation (`cst` rules).
    #[error("scoped token refused: {0}")]
    Token(#[from] TokenError),
    /// The policy the request names could not be loaded or verified.
    #[error("policy {hash}: {source}")]
    Policy { hash: String, source: PolicyError },
    /// No policy is named and the gateway requires one.
    #[error("a policy is required: send X-Policy-Hash or configure policy_hash")]
    PolicyRequired,
    /// The policy named is not in the policy directory.
    #[error("policy {0} is not in the policy directory")]
    PolicyNotFound(String),
    /// The policy (or an incident switch) denies the call.
    #[error("{detail}")]
    Denied { code: &'static str, detail: String },
    /// The request is malformed.
    #[error("{detail}")]
    BadRequest { code: &'static str, detail: String },
    /// The request body is above the bound.
    #[error("request body above the {limit}-byte bound")]
    BodyTooLarge { limit: usize },
    /// The client did not send its body in time.
    #[error("request body not received within {0} ms")]
    BodyTimeout(u64),
    /// Unknown route.
    #[error("unknown endpoint: {0}")]
    NotFound(String),
    /// Provider without a configured upstream.
    #[error("provider {0:?} has no configured upstream")]
    UnknownProvider(String),
    /// Too many requests in flight.
    #[error("the gateway is at its concurrency limit")]
    Overloaded,
    /// The gateway is shutting down.
    #[error("the gateway is shutting down")]
    ShuttingDown,
    /// Too many client connections open (`limits.max_connections`).
    #[error("the gateway is at its connection limit")]
    Busy,
    /// This idempotency key already has a receipt, or a request with it is in flight.
    #[error("idempotency key {0:?} was already used")]
    NonceReused(String),
    /// No receipt under this key.
    #[error("no receipt for {0:?}")]
    ReceiptNotFound(String),
    /// The receipt could not be built or signed.
    #[error("receipt signing failed: {0}")]
    Receipt(#[from] claw_core::evidence::EvidenceError),
    /// The receipt sink failed.
    #[error("receipt sink: {0}")]
    Sink(#[from] SinkError),
    /// The shared state store could not be consulted (`docs/SPEC.md §9.6`).
    #[error("{0}")]
    State(claw_core::cst::StateError),
}

impl GatewayError {
    /// Stable reason code.
    pub fn reason_code(&self) -> &'static str {
        match self {
            GatewayError::TokenMissing => "TOKEN_REQUIRED",
            GatewayError::TokenConflict => "TOKEN_CONFLICT",
            GatewayError::Token(e) => e.reason_code(),
            GatewayError::Policy { source, .. } => source.reason_code(),
            GatewayError::PolicyRequired => "POLICY_REQUIRED",
            GatewayError::PolicyNotFound(_) => "POLICY_NOT_FOUND",
            GatewayError::Denied { code, .. } | GatewayError::BadRequest { code, .. } => code,
            GatewayError::BodyTooLarge { .. } => "REQUEST_TOO_LARGE",
            GatewayError::BodyTimeout(_) => "REQUEST_TIMEOUT",
            GatewayError::NotFound(_) => "NOT_FOUND",
            GatewayError::UnknownProvider(_) => "UNKNOWN_PROVIDER",
            GatewayError::Overloaded => "GATEWAY_OVERLOADED",
            GatewayError::ShuttingDown => "GATEWAY_SHUTTING_DOWN",
            GatewayError::Busy => "GATEWAY_BUSY",
            GatewayError::NonceReused(_) => "IDEMPOTENCY_KEY_REUSED",
            GatewayError::ReceiptNotFound(_) => "RECEIPT_NOT_FOUND",
            GatewayError::Receipt(_) => "RECEIPT_SIGNING_FAILED",
            GatewayError::Sink(e) => e.reason_code(),
            GatewayError::State(e) => e.reason_code(),
        }
    }

    /// HTTP status.
    pub fn status(&self) -> StatusCode {
        // The shared store did not answer (a token, a nonce, a receipt): try again later.
        if self.reason_code().starts_with("STATE_STORE_") {
            return StatusCode::SERVICE_UNAVAILABLE;
        }
        match self {
            GatewayError::TokenMissing | GatewayError::TokenConflict | GatewayError::Token(_) => {
                StatusCode::UNAUTHORIZED
            }
            GatewayError::Policy { .. }
            | GatewayError::PolicyRequired
            | GatewayError::PolicyNotFound(_)
            | GatewayError::Denied { .. } => StatusCode::FORBIDDEN,
            GatewayError::BadRequest { .. } | GatewayError::UnknownProvider(_) => {
                StatusCode::BAD_REQUEST
            }
            GatewayError::BodyTooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            GatewayError::BodyTimeout(_) => StatusCode::REQUEST_TIMEOUT,
            GatewayError::NotFound(_) | GatewayError::ReceiptNotFound(_) => StatusCode::NOT_FOUND,
            GatewayError::Overloaded | GatewayError::ShuttingDown | GatewayError::Busy => {
                StatusCode::SERVICE_UNAVAILABLE
            }
            GatewayError::NonceReused(_) => StatusCode::CONFLICT,
            GatewayError::Receipt(_) | GatewayError::Sink(_) | GatewayError::State(_) => {
                StatusCode::INTERNAL_SERVER_ERROR
            }
        }
    }

    /// The JSON error body: `{"error":{"code","message"},"reason_code"}` (the reference's
    /// `{error:{code,message}}` plus a top-level `reason_code`).
    pub fn body(&self) -> serde_json::Value {
        serde_json::json!({
            "error": {"code": self.reason_code(), "message": self.to_string()},
            "reason_code": self.reason_code(),
        })
    }

    pub(crate) fn bad(code: &'static str, detail: impl Into<String>) -> GatewayError {
        GatewayError::BadRequest {
            code,
            detail: detail.into(),
        }
    }
}
