//! claw-core: the pure core of claw.
//!
//! Everything that decides or proves lives here, once: canonical JSON (RFC 8785), Ed25519
//! identities (JWK, `did:key`), Clawsig signed envelopes, Work Policy Contracts (WPC), scoped
//! tokens (CST), and evidence (receipts, event chains, proof bundles, Merkle proofs).
//! The crate does no I/O, holds no global state and contains no `unsafe`: the bindings
//! (`claw-ffi`, `claw-py`) and the `claw` CLI add transport, never rules.
#![forbid(unsafe_code)]
#![warn(missing_docs)]
// Library code must not unwrap data that came from outside; tests may.
#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used))]

pub mod approval;
pub mod b64;
pub mod canonical;
pub mod cst;
pub mod envelope;
pub mod error;
pub mod escape;
pub mod evidence;
pub mod hash;
pub mod json;
pub mod keys;
pub mod mcp;
pub mod merkle;
pub mod openclaw;
pub mod time;
pub mod wpc;

pub use error::{Error, ErrorKind};
