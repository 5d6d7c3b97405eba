//! SHA-256 helpers: every protocol hash is SHA-256, written as unpadded base64url.

use sha2::{Digest, Sha256};

/// SHA-256 of `bytes`.
pub fn sha256(bytes: impl AsRef<[u8]>) -> [u8; 32] {
    Sha256::digest(bytes.as_ref()).into()
}

/// base64url(SHA-256(bytes)): the 43-character form used across the protocol.
pub fn sha256_b64u(bytes: impl AsRef<[u8]>) -> String {
    crate::b64::encode(sha256(bytes))
}

/// Whether `s` has the shape of a base64url SHA-256 (43 characters of the alphabet, with the
/// last one carrying zero trailing bits).
pub fn is_b64u_sha256(s: &str) -> bool {
    s.len() == 43 && crate::b64::decode_array::<32>(s).is_ok()
}
