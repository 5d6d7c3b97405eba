//! Base64url without padding (RFC 4648 §5), decoded strictly.
//!
//! Signatures and hashes are compared as strings in several places of the protocol, so a
//! decoder that accepted two spellings of the same bytes (padding, whitespace, non-zero
//! trailing bits) would let an attacker change the bytes that are signed without changing
//! the value. The decoder here accepts exactly one spelling per byte string.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;

/// Why a base64url string was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid base64url: {0}")]
pub struct B64Error(&'static str);

impl B64Error {
    /// Stable reason code.
    pub fn reason_code(&self) -> &'static str {
        "INVALID_BASE64URL"
    }
}

/// Encode bytes as base64url without padding.
pub fn encode(bytes: impl AsRef<[u8]>) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

/// Decode base64url without padding; refuses `=`, whitespace, `+`/`/`, and encodings whose
/// unused trailing bits are not zero.
pub fn decode(s: &str) -> Result<Vec<u8>, B64Error> {
    if s.len() % 4 == 1 {
        return Err(B64Error("impossible length"));
    }
    URL_SAFE_NO_PAD.decode(s).map_err(|e| match e {
        base64::DecodeError::InvalidLastSymbol(..) => B64Error("non-canonical trailing bits"),
        base64::DecodeError::InvalidPadding => B64Error("padding is not allowed"),
        base64::DecodeError::InvalidLength(_) => B64Error("impossible length"),
        _ => B64Error("character outside the base64url alphabet"),
    })
}

/// Decode exactly `N` bytes.
pub fn decode_array<const N: usize>(s: &str) -> Result<[u8; N], B64Error> {
    decode(s)?
        .try_into()
        .map_err(|_| B64Error("wrong decoded length"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strict() {
        assert_eq!(decode("AQ").unwrap(), vec![1]);
        assert!(decode("AR").is_err(), "non-zero trailing bits");
        assert!(decode("AQ==").is_err());
        assert!(decode("A Q").is_err());
        assert!(decode("A+/_").is_err());
        assert!(decode("A").is_err());
        assert_eq!(encode([0xfb, 0xff]), "-_8");
        assert_eq!(decode("-_8").unwrap(), vec![0xfb, 0xff]);
        assert_eq!(decode("").unwrap(), Vec::<u8>::new());
    }
}
