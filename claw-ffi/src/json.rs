//! Canonical JSON through the C ABI.

use crate::error::{claw_error, claw_result};
use crate::ffi::{try_out, try_str, write_out};
use crate::guard::boundary;
use crate::strings::to_c_string;
use claw_core::json::{self, Limits};
use std::os::raw::c_char;

/// RFC 8785 canonical form of the JSON text `json` (`json_len` bytes, UTF-8, no NUL needed).
/// Strict: duplicate keys, lone surrogates, non-finite numbers and integers beyond 2^53 are
/// refused with `CLAW_ERR_JSON`. On success `*out` receives a NUL-terminated string (free it
/// with `claw_string_free`) and `*out_len`, if not NULL, its length without the NUL.
#[no_mangle]
pub unsafe extern "C" fn claw_jcs(
    json: *const c_char,
    json_len: usize,
    out: *mut *mut c_char,
    out_len: *mut usize,
    err: *mut claw_error,
) -> claw_result {
    boundary(err, || {
        try_out(out, "out")?;
        // SAFETY: caller contract: `json` points to `json_len` readable bytes.
        let text = unsafe { try_str(json, json_len, "json")? };
        let canon = json::canonicalize_bytes(
            text.as_bytes(),
            &Limits::STRICT.with_max_bytes(crate::ffi::MAX_INPUT_LEN),
        )
        .map_err(claw_core::Error::from)?;
        let len = canon.len();
        let s = to_c_string(canon)?;
        // SAFETY: `out` checked non-NULL above; `out_len` is optional.
        unsafe {
            write_out(out, s);
            if !out_len.is_null() {
                write_out(out_len, len);
            }
        }
        Ok(())
    })
}
