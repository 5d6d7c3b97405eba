//! Checked conversions from C arguments. Nothing here trusts a pointer without a NULL check
//! or a length without a bound.

use crate::error::{claw_result_code, Fail};
use std::os::raw::c_char;

/// Largest input buffer accepted through the C ABI (bundles of 100k receipts fit).
pub(crate) const MAX_INPUT_LEN: usize = 256 * 1024 * 1024;

/// Borrow `len` bytes at `ptr`. `ptr` may be NULL only when `len` is 0.
///
/// SAFETY (caller of the exported function): `ptr` points to `len` readable bytes that stay
/// valid and unmodified for the duration of the call.
#[inline]
pub(crate) unsafe fn try_bytes<'a>(
    ptr: *const u8,
    len: usize,
    name: &str,
) -> Result<&'a [u8], Fail> {
    if len > MAX_INPUT_LEN {
        return Err(Fail::new(
            claw_result_code::CLAW_ERR_INVALID_ARGUMENT,
            "INPUT_TOO_LARGE",
            format!("{name}: length {len} exceeds {MAX_INPUT_LEN}"),
        ));
    }
    if ptr.is_null() {
        if len == 0 {
            return Ok(&[]);
        }
        return Err(null(name));
    }
    // SAFETY: non-NULL, and the caller guarantees `len` readable bytes.
    Ok(unsafe { std::slice::from_raw_parts(ptr, len) })
}

/// Borrow `len` bytes at `ptr` as UTF-8.
#[inline]
pub(crate) unsafe fn try_str<'a>(
    ptr: *const c_char,
    len: usize,
    name: &str,
) -> Result<&'a str, Fail> {
    // SAFETY: forwarded contract.
    let bytes = unsafe { try_bytes(ptr.cast(), len, name)? };
    std::str::from_utf8(bytes).map_err(|e| {
        Fail::new(
            claw_result_code::CLAW_ERR_INVALID_UTF8,
            "INVALID_UTF8",
            format!("{name} is not valid UTF-8 (byte {})", e.valid_up_to()),
        )
    })
}

/// Longest NUL-terminated C string accepted, in bytes (without the NUL).
pub(crate) const MAX_CSTR_LEN: usize = 64 * 1024;

/// Borrow a NUL-terminated C string of at most [`MAX_CSTR_LEN`] bytes. The scan for the NUL
/// stops after `MAX_CSTR_LEN + 1` bytes, so a string whose NUL is missing is refused after
/// reading at most that far instead of running on through memory (`CStr::from_ptr` would
/// scan without a bound before any length check could apply).
pub(crate) unsafe fn try_cstr<'a>(ptr: *const c_char, name: &str) -> Result<&'a str, Fail> {
    if ptr.is_null() {
        return Err(null(name));
    }
    let mut len = 0;
    // SAFETY: the caller guarantees a NUL-terminated string at `ptr`; every byte read here
    // is at or before its NUL, and at most MAX_CSTR_LEN + 1 bytes are read in any case.
    while len <= MAX_CSTR_LEN && unsafe { *ptr.add(len) } != 0 {
        len += 1;
    }
    if len > MAX_CSTR_LEN {
        return Err(Fail::new(
            claw_result_code::CLAW_ERR_INVALID_ARGUMENT,
            "INPUT_TOO_LARGE",
            format!("{name}: C string longer than 64 KiB"),
        ));
    }
    // SAFETY: the `len` bytes before the NUL were just read.
    let bytes = unsafe { std::slice::from_raw_parts(ptr.cast::<u8>(), len) };
    std::str::from_utf8(bytes).map_err(|_| {
        Fail::new(
            claw_result_code::CLAW_ERR_INVALID_UTF8,
            "INVALID_UTF8",
            format!("{name} is not valid UTF-8"),
        )
    })
}

/// Borrow the object behind a handle pointer.
#[inline]
pub(crate) unsafe fn try_ref<'a, T>(ptr: *const T, name: &str) -> Result<&'a T, Fail> {
    // SAFETY: the caller guarantees `ptr` is NULL or a live handle from claw.
    unsafe { ptr.as_ref() }.ok_or_else(|| null(name))
}

/// Check an output pointer is present before doing any work.
#[inline]
pub(crate) fn try_out<T>(ptr: *mut T, name: &str) -> Result<(), Fail> {
    if ptr.is_null() {
        Err(null(name))
    } else {
        Ok(())
    }
}

/// Write an output (only called on success, after every check passed).
pub(crate) unsafe fn write_out<T>(ptr: *mut T, value: T) {
    // SAFETY: checked non-NULL by `try_out`; the caller guarantees it is writable.
    unsafe { ptr.write(value) }
}

pub(crate) fn null(name: &str) -> Fail {
    Fail::new(
        claw_result_code::CLAW_ERR_NULL_ARGUMENT,
        "NULL_ARGUMENT",
        format!("{name} is NULL"),
    )
}

/// Hand a string to the caller: `*out` gets a NUL-terminated copy (freed by
/// `claw_string_free`), `*out_len` (optional) its length without the NUL.
/// Only called on success, after `try_out(out)` passed.
pub(crate) unsafe fn write_string(
    out: *mut *mut c_char,
    out_len: *mut usize,
    s: impl Into<Vec<u8>>,
) -> Result<(), Fail> {
    let bytes: Vec<u8> = s.into();
    let len = bytes.len();
    let p = crate::strings::to_c_string(bytes)?;
    // SAFETY: `out` checked non-NULL by the caller; `out_len` is optional.
    unsafe {
        write_out(out, p);
        if !out_len.is_null() {
            write_out(out_len, len);
        }
    }
    Ok(())
}

/// Move a new handle to the caller (`*out`), boxed. Only called on success.
pub(crate) unsafe fn write_handle<T>(out: *mut *mut T, value: T) {
    // SAFETY: `out` checked non-NULL by the caller.
    unsafe { write_out(out, Box::into_raw(Box::new(value))) }
}

/// Parse untrusted JSON text with the strict limits (size bounded by [`MAX_INPUT_LEN`]).
pub(crate) unsafe fn try_json(
    ptr: *const c_char,
    len: usize,
    name: &str,
) -> Result<serde_json::Value, Fail> {
    // SAFETY: forwarded contract.
    let text = unsafe { try_str(ptr, len, name)? };
    claw_core::json::parse(text.as_bytes(), &json_limits())
        .map_err(|e| Fail::from(claw_core::Error::from(e)))
}

/// The canonical (RFC 8785) bytes of a JSON value made here, for the caller.
pub(crate) fn canonical(v: &serde_json::Value) -> Result<Vec<u8>, Fail> {
    claw_core::json::canonicalize(v).map_err(|e| Fail::from(claw_core::Error::from(e)))
}

/// The JSON limits applied to every document that crosses the C ABI.
pub(crate) fn json_limits() -> claw_core::json::Limits {
    claw_core::json::Limits::STRICT.with_max_bytes(MAX_INPUT_LEN)
}

/// Free a handle made by [`write_handle`]. NULL is accepted. Never unwinds.
pub(crate) unsafe fn free_handle<T>(ptr: *mut T) {
    if !ptr.is_null() {
        let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            // SAFETY: the handle came from Box::into_raw in write_handle (caller contract).
            drop(unsafe { Box::from_raw(ptr) });
        }));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Regression (hardening review): the 64 KiB bound on C strings was checked only after
    /// `CStr::from_ptr` had scanned for the NUL without a bound. A buffer of exactly
    /// `MAX_CSTR_LEN + 1` non-NUL bytes (no terminator) is now refused after reading exactly
    /// those bytes; AddressSanitizer or Miri flag the old version reading past it.
    #[test]
    fn c_string_scan_is_bounded_even_without_a_nul() {
        let unterminated = vec![b'a'; MAX_CSTR_LEN + 1];
        let err = unsafe { try_cstr(unterminated.as_ptr().cast(), "did") }.unwrap_err();
        assert_eq!(err.reason, "INPUT_TOO_LARGE");
        let mut longest = vec![b'a'; MAX_CSTR_LEN];
        longest.push(0);
        assert_eq!(
            unsafe { try_cstr(longest.as_ptr().cast(), "did") }
                .map(str::len)
                .ok(),
            Some(MAX_CSTR_LEN)
        );
        let empty = [0u8];
        assert_eq!(
            unsafe { try_cstr(empty.as_ptr().cast(), "did") }.ok(),
            Some("")
        );
    }
}
