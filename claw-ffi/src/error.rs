//! Result codes and the caller-owned error record.

use claw_core::ErrorKind;
use std::os::raw::c_char;

/// The return type of every claw function: one of the `claw_result_code` values.
/// A fixed-width integer so the ABI does not depend on the compiler's enum width.
pub type claw_result = u32;

/// Every result a claw function can return. Values are explicit and never reused.
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum claw_result_code {
    /// Success.
    CLAW_OK = 0,
    /// A required pointer argument was NULL.
    CLAW_ERR_NULL_ARGUMENT = 1,
    /// A string argument was not valid UTF-8.
    CLAW_ERR_INVALID_UTF8 = 2,
    /// An argument is out of range (length, count, enum value).
    CLAW_ERR_INVALID_ARGUMENT = 3,
    /// claw panicked internally; the call had no effect. Please report it.
    CLAW_ERR_PANIC = 4,
    /// JSON input refused (syntax, duplicate keys, lone surrogates, numbers, limits).
    CLAW_ERR_JSON = 100,
    /// A key, JWK or DID was refused.
    CLAW_ERR_KEY = 101,
    /// A signature did not verify.
    CLAW_ERR_SIGNATURE = 102,
    /// A signed envelope was refused.
    CLAW_ERR_ENVELOPE = 103,
    /// A policy could not be parsed, compiled or verified.
    CLAW_ERR_POLICY = 104,
    /// A scoped token was refused.
    CLAW_ERR_TOKEN = 105,
    /// Evidence (receipt, event chain, bundle) was refused.
    CLAW_ERR_BUNDLE = 106,
    /// A Merkle proof failed.
    CLAW_ERR_MERKLE = 107,
    /// Any other invalid input (timestamps, base64url).
    CLAW_ERR_INPUT = 108,
}

/// Size of `claw_error.reason_code`, including the terminating NUL.
pub const CLAW_REASON_CODE_LEN: usize = 64;
/// Size of `claw_error.message`, including the terminating NUL.
pub const CLAW_MESSAGE_LEN: usize = 512;

/// Details of a failure, in storage the caller owns (usually on its stack).
/// claw writes it only when a call fails and the pointer is not NULL; both strings are
/// always NUL-terminated UTF-8, truncated on a character boundary if too long.
#[repr(C)]
#[derive(Debug)]
pub struct claw_error {
    /// The same value the function returned.
    pub code: claw_result,
    /// Stable machine-readable reason, e.g. "POLICY_HASH_MISMATCH".
    pub reason_code: [c_char; CLAW_REASON_CODE_LEN],
    /// Human-readable explanation; never contains secrets.
    pub message: [c_char; CLAW_MESSAGE_LEN],
}

/// A failure inside the FFI layer before it reaches a claw error record.
pub(crate) struct Fail {
    pub code: claw_result_code,
    pub reason: &'static str,
    pub message: String,
}

impl Fail {
    pub fn new(code: claw_result_code, reason: &'static str, message: impl Into<String>) -> Fail {
        Fail {
            code,
            reason,
            message: message.into(),
        }
    }
}

impl From<claw_core::Error> for Fail {
    fn from(e: claw_core::Error) -> Fail {
        use claw_result_code::*;
        let code = match e.kind() {
            ErrorKind::Canonicalization => CLAW_ERR_JSON,
            ErrorKind::Key => CLAW_ERR_KEY,
            ErrorKind::Signature => CLAW_ERR_SIGNATURE,
            ErrorKind::Envelope => CLAW_ERR_ENVELOPE,
            ErrorKind::Policy => CLAW_ERR_POLICY,
            ErrorKind::Token => CLAW_ERR_TOKEN,
            ErrorKind::Bundle => CLAW_ERR_BUNDLE,
            ErrorKind::Merkle => CLAW_ERR_MERKLE,
            _ => CLAW_ERR_INPUT,
        };
        Fail {
            code,
            reason: e.reason_code(),
            message: e.message().to_string(),
        }
    }
}

/// Copy `s` into a fixed C buffer, truncated on a UTF-8 boundary, always NUL-terminated.
pub(crate) fn copy_truncated(dst: &mut [c_char], s: &str) {
    let max = dst.len().saturating_sub(1);
    let mut end = s.len().min(max);
    while end > 0 && !s.is_char_boundary(end) {
        end -= 1;
    }
    for (d, b) in dst.iter_mut().zip(s.as_bytes()[..end].iter()) {
        *d = *b as c_char;
    }
    if let Some(nul) = dst.get_mut(end) {
        *nul = 0;
    }
}

/// Fill the caller's error record, if it gave one.
pub(crate) fn fill_error(err: *mut claw_error, f: &Fail) {
    // SAFETY: the caller promised `err` is NULL or points to a writable claw_error.
    if let Some(e) = unsafe { err.as_mut() } {
        e.code = f.code as claw_result;
        copy_truncated(&mut e.reason_code, f.reason);
        // Outside text never reaches the caller's log raw (docs/SPEC.md §12.4).
        copy_truncated(&mut e.message, &claw_core::escape::escape(&f.message));
    }
}

/// A static, NUL-terminated description of a result code (never freed). Unknown values
/// give "unknown claw_result".
#[no_mangle]
pub extern "C" fn claw_result_name(result: claw_result) -> *const c_char {
    let s: &'static [u8] = match result {
        0 => b"CLAW_OK\0",
        1 => b"CLAW_ERR_NULL_ARGUMENT\0",
        2 => b"CLAW_ERR_INVALID_UTF8\0",
        3 => b"CLAW_ERR_INVALID_ARGUMENT\0",
        4 => b"CLAW_ERR_PANIC\0",
        100 => b"CLAW_ERR_JSON\0",
        101 => b"CLAW_ERR_KEY\0",
        102 => b"CLAW_ERR_SIGNATURE\0",
        103 => b"CLAW_ERR_ENVELOPE\0",
        104 => b"CLAW_ERR_POLICY\0",
        105 => b"CLAW_ERR_TOKEN\0",
        106 => b"CLAW_ERR_BUNDLE\0",
        107 => b"CLAW_ERR_MERKLE\0",
        108 => b"CLAW_ERR_INPUT\0",
        _ => b"unknown claw_result\0",
    };
    s.as_ptr().cast()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn truncation_keeps_utf8_and_nul() {
        let mut buf = [1 as c_char; 5];
        copy_truncated(&mut buf, "ab€cd"); // € is 3 bytes: only "ab" fits before the NUL
        assert_eq!(buf[..3], [b'a' as c_char, b'b' as c_char, 0]);
    }
}
