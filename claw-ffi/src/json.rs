//! Canonical JSON through the C ABI.

use crate::error::{claw_error, claw_result};
use crate::ffi::{json_limits, try_str};
use crate::guard::returning_string_len;
use claw_core::json;
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
    returning_string_len(err, out, out_len, || {
        // SAFETY: caller contract: `json` points to `json_len` readable bytes.
        let text = unsafe { try_str(json, json_len, "json")? };
        Ok(json::canonicalize_bytes(text.as_bytes(), &json_limits())
            .map_err(claw_core::Error::from)?)
    })
}
