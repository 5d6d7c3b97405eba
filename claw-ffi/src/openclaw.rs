//! OpenClaw reconciliation through the C ABI: the plugin reconciles the run's transcript with
//! its own receipts at `agent_end`, before it signs the bundle (docs/SPEC.md §7.8).

use crate::error::{claw_error, claw_result};
use crate::ffi::{try_bytes, try_str};
use crate::guard::returning_string;
use claw_core::openclaw::reconcile::reconcile_records_json;
use std::os::raw::c_char;

/// Reconcile an OpenClaw session transcript (`transcript`, JSON Lines: `session` and
/// `message` entries as OpenClaw stores them, or bare messages) with the tool receipts claw
/// wrote for the run (`receipts_json`: a JSON array of `{receipt_id, tool_name,
/// args_hash_b64u, refused?}`; `refused: true` marks a refusing approval receipt, the hash
/// that of the arguments refused). `session_id` (NULL with 0: unknown) is the session the evidence covers.
/// On success `*out` is `{"report": <findings in the audit's shape>, "metadata": <the
/// compact result to bind into the bundle>}` (free with `claw_string_free`).
/// Errors: `OPENCLAW_TRANSCRIPT_*`, `OPENCLAW_RECEIPTS_INVALID`, JSON reason codes.
#[no_mangle]
pub unsafe extern "C" fn claw_openclaw_reconcile(
    transcript: *const u8,
    transcript_len: usize,
    session_id: *const c_char,
    session_id_len: usize,
    receipts_json: *const u8,
    receipts_len: usize,
    out: *mut *mut c_char,
    err: *mut claw_error,
) -> claw_result {
    returning_string(err, out, "out", || {
        // SAFETY: caller contract on each pointer/length pair.
        let transcript = unsafe { try_bytes(transcript, transcript_len, "transcript")? };
        // SAFETY: as above.
        let session = unsafe { try_str(session_id, session_id_len, "session_id")? };
        // SAFETY: as above.
        let receipts = unsafe { try_bytes(receipts_json, receipts_len, "receipts_json")? };
        let session = (!session.is_empty()).then_some(session);
        let report = reconcile_records_json(transcript, session, receipts)?;
        let doc = serde_json::json!({"report": report.to_json(), "metadata": report.to_metadata()});
        Ok(doc.to_string())
    })
}
