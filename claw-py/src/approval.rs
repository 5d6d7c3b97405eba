//! `claw.approval_arguments`: what a human asked to approve a call is shown of its arguments
//! (the rule is `claw_core::approval`; the C ABI's `claw_approval_arguments`, the Node
//! binding's `approvalArguments`).

use crate::convert;
use crate::errors::IntoPyResult;
use crate::json::{limits, text_bytes};
use claw_core::{approval, json};
use pyo3::prelude::*;

/// The arguments as shown to a human asked to approve the call: their RFC 8785 form with
/// control and bidirectional characters escaped, at most `max_chars` characters (`None`:
/// 2048; at least 160 are used); when they do not fit, the beginning and an explicit note of
/// how many characters are not shown and the SHA-256 of the arguments' canonical form, which
/// the approval covers (docs/SPEC.md §7.9.1).
///
/// `args` is JSON text (`str`, `bytes`, `bytearray`), parsed strictly, or a JSON-compatible
/// Python object. Raises `CanonicalizationError` for JSON outside I-JSON.
#[pyfunction]
#[pyo3(signature = (args, max_chars = None))]
pub(crate) fn approval_arguments(
    py: Python<'_>,
    args: &Bound<'_, PyAny>,
    max_chars: Option<usize>,
) -> PyResult<String> {
    let max_chars = max_chars.unwrap_or(approval::DEFAULT_SHOWN_CHARS);
    let value = match text_bytes(args)? {
        Some(text) => json::parse(&text, &limits()).py_err(py)?,
        None => convert::to_value(args)?,
    };
    approval::arguments_shown(&value, max_chars).py_err(py)
}
