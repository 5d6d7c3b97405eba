//! The panic boundary around every exported function.
//!
//! Since Rust 1.81 a panic unwinding out of an `extern "C"` function aborts the host process.
//! A library that an agent runtime links must never take its host down, so every export runs
//! its body here: a panic becomes `CLAW_ERR_PANIC` with the error record filled.

use crate::error::{claw_error, claw_result, claw_result_code, fill_error, Fail};
use std::panic::{catch_unwind, AssertUnwindSafe};

/// Run `body`; map its failure or panic to a result code and fill `err`.
#[inline]
pub(crate) fn boundary(
    err: *mut claw_error,
    body: impl FnOnce() -> Result<(), Fail>,
) -> claw_result {
    // AssertUnwindSafe: on panic nothing the body touched is handed back to the caller
    // (outputs are written only on success), so no broken invariant can be observed.
    match catch_unwind(AssertUnwindSafe(body)) {
        Ok(Ok(())) => claw_result_code::CLAW_OK as claw_result,
        Ok(Err(f)) => {
            fill_error(err, &f);
            f.code as claw_result
        }
        Err(_) => {
            let f = Fail::new(
                claw_result_code::CLAW_ERR_PANIC,
                "INTERNAL_ERROR",
                "claw panicked internally; the call had no effect",
            );
            fill_error(err, &f);
            f.code as claw_result
        }
    }
}
