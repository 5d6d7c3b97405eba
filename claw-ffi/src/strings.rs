//! Strings handed to the caller. Allocated by claw, freed only by `claw_string_free`
//! (never by C `free`: the allocators may differ).

use crate::error::{claw_result_code, Fail};
use std::ffi::CString;
use std::os::raw::c_char;

/// Move a Rust string to the caller as a NUL-terminated buffer.
pub(crate) fn to_c_string(s: impl Into<Vec<u8>>) -> Result<*mut c_char, Fail> {
    CString::new(s).map(CString::into_raw).map_err(|_| {
        Fail::new(
            claw_result_code::CLAW_ERR_INPUT,
            "INTERNAL_NUL",
            "output contains a NUL byte",
        )
    })
}

/// Free a string returned by claw. NULL is accepted and ignored. The bytes are overwritten
/// with zeros before the memory is released (some strings, like private JWKs, are secrets).
/// Passing the same pointer twice, or a pointer claw did not return, is undefined behaviour.
#[no_mangle]
pub unsafe extern "C" fn claw_string_free(s: *mut c_char) {
    if s.is_null() {
        return;
    }
    // A panic cannot happen here, but the boundary rule is absolute for exports.
    let _ = std::panic::catch_unwind(|| {
        // SAFETY: `s` came from CString::into_raw in `to_c_string` (caller contract).
        let owned = unsafe { CString::from_raw(s) };
        let mut bytes = owned.into_bytes_with_nul();
        zeroize::Zeroize::zeroize(&mut bytes);
    });
}
