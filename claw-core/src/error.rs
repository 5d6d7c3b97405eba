//! One error type over every module, for bindings that map errors by kind.

/// The family an error belongs to; bindings map it to an exception class or a C result code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// Input is not acceptable JSON (syntax, duplicates, surrogates, numbers, limits).
    Canonicalization,
    /// A key, JWK or DID was refused.
    Key,
    /// A signature failed.
    Signature,
    /// A signed envelope was refused.
    Envelope,
    /// A policy could not be parsed, compiled or verified.
    Policy,
    /// A scoped token was refused.
    Token,
    /// Evidence (receipts, event chains, bundles) was refused.
    Bundle,
    /// A Merkle proof failed.
    Merkle,
    /// Any other invalid input (timestamps, base64url, arguments).
    Input,
}

/// Any claw error: a kind, a stable reason code and a message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct Error {
    kind: ErrorKind,
    reason_code: &'static str,
    message: String,
}

impl Error {
    /// Build an error from its parts (used by the module error conversions).
    pub fn new(kind: ErrorKind, reason_code: &'static str, message: impl Into<String>) -> Error {
        Error {
            kind,
            reason_code,
            message: message.into(),
        }
    }

    /// The family of the error.
    pub fn kind(&self) -> ErrorKind {
        self.kind
    }

    /// The stable reason code (SCREAMING_SNAKE_CASE).
    pub fn reason_code(&self) -> &'static str {
        self.reason_code
    }

    /// The human-readable message (never contains secrets).
    pub fn message(&self) -> &str {
        &self.message
    }
}

macro_rules! from_module_error {
    ($($ty:ty => $kind:ident),* $(,)?) => {$(
        impl From<$ty> for Error {
            fn from(e: $ty) -> Error {
                Error::new(ErrorKind::$kind, e.reason_code(), e.to_string())
            }
        }
    )*};
}

from_module_error! {
    crate::json::JsonError => Canonicalization,
    crate::keys::KeyError => Key,
    crate::keys::SignatureError => Signature,
    crate::envelope::EnvelopeError => Envelope,
    crate::b64::B64Error => Input,
    crate::time::TimeError => Input,
    crate::evidence::EvidenceError => Bundle,
    crate::evidence::ParseEnumError => Bundle,
    crate::merkle::MerkleError => Merkle,
    crate::cst::TokenError => Token,
    crate::cst::ReplayError => Token,
    crate::wpc::PolicyError => Policy,
    crate::mcp::McpError => Input,
}
