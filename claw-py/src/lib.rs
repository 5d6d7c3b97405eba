//! claw-py: the native module `claw._claw`, re-exported by the `claw` Python package
//! (`claw-py/python/claw/__init__.py`).
//!
//! This crate holds no rule of its own: it converts Python values to core calls and back, reads
//! the clock and the OS RNG (the core takes both injected), maps `claw_core::Error` to one
//! exception class per `ErrorKind`, and releases the GIL around long calls.
#![forbid(unsafe_code)]
#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used))]

mod aggregate;
mod approval;
mod commit;
mod convert;
mod cst;
mod envelope;
mod errors;
mod evidence;
mod json;
mod keys;
mod merkle;
mod policy;
mod state;

/// Native part of the `claw` package. Import `claw`, not this module.
#[pyo3::pymodule(name = "_claw")]
mod claw_native {
    use pyo3::prelude::*;

    #[pymodule_export]
    use crate::errors::{
        BundleError, CanonicalizationError, ClawError, EnvelopeError, InputError, KeyFormatError,
        MerkleError, PolicyError, SignatureError, TokenError,
    };

    #[pymodule_export]
    use crate::json::{b64u_decode, b64u_encode, jcs, parse_json, sha256_b64u};

    #[pymodule_export]
    use crate::approval::approval_arguments;

    #[pymodule_export]
    use crate::keys::{PySigningKey, PyVerifyingKey};

    #[pymodule_export]
    use crate::envelope::{sign_envelope, verify_envelope, PyVerifiedEnvelope};

    #[pymodule_export]
    use crate::merkle::{
        clawlogs_audit_path, clawlogs_root, merkle_leaf_hash, verify_clawlogs_inclusion,
        verify_consistency_proof, verify_inclusion_proof, PyMerkleTree,
    };

    #[pymodule_export]
    use crate::cst::{
        cst_scope_hash, cst_token_hash, issue_cst, verify_cst, PyKeySet, PyReplayGuard,
        PyRevocations,
    };

    #[pymodule_export]
    use crate::state::PyRedisState;

    #[pymodule_export]
    use crate::policy::{compile_policy, PyDecision, PyPolicy, PyPolicyRuntime};

    #[pymodule_export]
    use crate::evidence::{
        build_bundle, trust_pulse_from_bundle, verify_bundle, verify_checkpoint_consistency,
        verify_log_inclusion_proof, verify_receipt_proof, PyBundle, PyCheckpoint, PyGateway,
        PyPendingModelCall, PyRecorder, PyVerdict,
    };

    #[pymodule_export]
    use crate::aggregate::{verify_aggregate_bundle, PyAggregateVerdict};

    #[pymodule_export]
    use crate::commit::{verify_commit_signature, PyCommitSignature};

    #[pymodule_init]
    fn init(m: &Bound<'_, PyModule>) -> PyResult<()> {
        m.add("__version__", env!("CARGO_PKG_VERSION"))?;
        Ok(())
    }
}
