//! The panic boundary around every exported function.
//!
//! Since Rust 1.81 a panic unwinding out of an `extern "C"` function aborts the host process.
//! A library that an agent runtime links must never take its host down, so every export runs
//! its body here: a panic becomes `CLAW_ERR_PANIC` with the error record filled.
//!
//! Most exports have one result, a new handle or a string: [`returning_handle`] and
//! [`returning_string`] (or [`returning_string_len`]) are their whole frame (the boundary, the output pointer checked before
//! any work, the output written only on success), so each export states only its own work.

use crate::error::{claw_error, claw_result, claw_result_code, fill_error, Fail};
use crate::ffi::{try_out, write_handle, write_string};
use std::os::raw::c_char;
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

/// An export whose result is a new handle: `out` checked first, then `make`, and only on its
/// success the handle boxed into `*out` (freed by the type's `_free`).
pub(crate) fn returning_handle<T>(
    err: *mut claw_error,
    out: *mut *mut T,
    make: impl FnOnce() -> Result<T, Fail>,
) -> claw_result {
    boundary(err, || {
        try_out(out, "out")?;
        let value = make()?;
        // SAFETY: `out` checked non-NULL above; writable by the caller's contract.
        unsafe { write_handle(out, value) };
        Ok(())
    })
}

/// An export whose result is a string: `out` (called `name` in errors) checked first, then
/// `make`, and only on its success a NUL-terminated copy in `*out` (freed by
/// `claw_string_free`).
pub(crate) fn returning_string<S: Into<Vec<u8>>>(
    err: *mut claw_error,
    out: *mut *mut c_char,
    name: &str,
    make: impl FnOnce() -> Result<S, Fail>,
) -> claw_result {
    returning(err, out, name, std::ptr::null_mut(), make)
}

/// [`returning_string`] for an `out` that comes with an optional `out_len`: its length (without
/// the NUL) is written there when it is not NULL.
pub(crate) fn returning_string_len<S: Into<Vec<u8>>>(
    err: *mut claw_error,
    out: *mut *mut c_char,
    out_len: *mut usize,
    make: impl FnOnce() -> Result<S, Fail>,
) -> claw_result {
    returning(err, out, "out", out_len, make)
}

fn returning<S: Into<Vec<u8>>>(
    err: *mut claw_error,
    out: *mut *mut c_char,
    name: &str,
    out_len: *mut usize,
    make: impl FnOnce() -> Result<S, Fail>,
) -> claw_result {
    boundary(err, || {
        try_out(out, name)?;
        let s = make()?;
        // SAFETY: `out` checked non-NULL above; `out_len` is optional; both writable by the
        // caller's contract.
        unsafe { write_string(out, out_len, s) }
    })
}
