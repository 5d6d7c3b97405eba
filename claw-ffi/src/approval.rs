//! What a human asked to approve a call is shown of its arguments, through the C ABI (the
//! OpenClaw plugin's approval request uses it; the rule is `claw_core::approval`).

use crate::error::{claw_error, claw_result};
use crate::ffi::{json_limits, try_str};
use crate::guard::returning_string_len;
use claw_core::{approval, json};
use std::os::raw::c_char;

/// The arguments `args_json` (`args_json_len` bytes of strict JSON) as shown to a human asked
/// to approve the call: their RFC 8785 form with control and bidirectional characters escaped,
/// at most `max_chars` characters (0: 2048; at least 160 are used); when they do not fit, the
/// beginning and an explicit note of how many characters are not shown and the SHA-256 of the
/// arguments' canonical form, which the approval covers (docs/SPEC.md §7.9.1). JSON that is not
/// strict, or outside I-JSON, fails with `CLAW_ERR_JSON`. On success `*out` receives a
/// NUL-terminated string (free it with `claw_string_free`) and `*out_len`, if not NULL, its
/// length without the NUL.
#[no_mangle]
pub unsafe extern "C" fn claw_approval_arguments(
    args_json: *const c_char,
    args_json_len: usize,
    max_chars: usize,
    out: *mut *mut c_char,
    out_len: *mut usize,
    err: *mut claw_error,
) -> claw_result {
    returning_string_len(err, out, out_len, || {
        // SAFETY: caller contract: `args_json` points to `args_json_len` readable bytes.
        let text = unsafe { try_str(args_json, args_json_len, "args_json")? };
        let args = json::parse(text.as_bytes(), &json_limits()).map_err(claw_core::Error::from)?;
        let max = if max_chars == 0 {
            approval::DEFAULT_SHOWN_CHARS
        } else {
            max_chars
        };
        Ok(approval::arguments_shown(&args, max)
            .map_err(claw_core::Error::from)?
            .into_bytes())
    })
}
