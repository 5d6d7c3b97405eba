//! claw-ffi: the stable C ABI of claw. The header `include/claw.h` is generated from this
//! crate by a pinned cbindgen and committed; `tests/header.rs` fails when they differ.
//!
//! Every exported function:
//! * is named `claw_*` and returns a [`claw_result`] (`uint32_t`);
//! * checks every pointer and length before use (`ffi::try_str` and friends);
//! * runs inside `guard::boundary`, so a Rust panic becomes `CLAW_ERR_PANIC`, never an abort
//!   of the host process;
//! * writes its outputs only on success, and fills the caller's `claw_error` on failure.
//!
//! This crate holds no policy logic: it converts C data to core calls and back.
#![allow(non_camel_case_types)] // C naming for C types
#![allow(clippy::missing_safety_doc)] // safety contracts are in each function's doc comment

mod approval;
mod cst;
mod envelope;
mod error;
mod evidence;
mod ffi;
mod guard;
mod json;
mod keys;
mod merkle;
mod openclaw;
mod policy;
mod state;
mod strings;
mod version;

pub use approval::*;
pub use cst::*;
pub use envelope::*;
pub use error::*;
pub use evidence::*;
pub use json::*;
pub use keys::*;
pub use merkle::*;
pub use policy::*;
pub use strings::*;
pub use version::*;
