//! Scoped tokens (CST): issue, validate, replay guard, revocation.
//!
//! A CST is a JWS compact token (RFC 7515) signed with Ed25519, header
//! `{"alg":"EdDSA","typ":"JWT","kid":...}`, whose claims follow
//! `scoped_token_claims.v1` (`token_version` "1"). The format, every check in the order it
//! runs, and every reason code are in `docs/SPEC.md §5`.
//!
//! ```
//! use claw_core::cst::{self, Claims, KeySet, ValidationOptions};
//! use claw_core::keys::SigningKey;
//!
//! let issuer = SigningKey::from_seed(&[7u8; 32]);
//! let mut claims = Claims::new("did:key:z6MkAgent", vec!["gateway".into()], vec!["tool:run".into()]);
//! claims.mission_id = Some("job-42".into());
//! let now = 1_700_000_000;
//! let issued = cst::issue(&issuer, &claims, 300, now, &mut rand_core::OsRng)?;
//!
//! let keys = KeySet::from_dids([issuer.verifying_key().did().as_str()])?;
//! let mut opts = ValidationOptions::new("gateway", "tool:run");
//! opts.job = Some("job-42");
//! let verified = cst::validate(&issued.token, &keys, &opts, now + 10)?;
//! assert_eq!(verified.mission_id.as_deref(), Some("job-42"));
//! # Ok::<(), claw_core::cst::TokenError>(())
//! ```

#![deny(missing_docs)]

mod claims;
mod error;
mod issue;
pub mod jws;
mod keyset;
mod memo;
mod replay;
mod revocation;
mod state;
mod validate;

/// JavaScript's `String.prototype.trim`, the reference's rule wherever it trims an
/// identifier (tokens here; export attestations in `evidence::export`).
pub(crate) use claims::js_trim;
pub use claims::{
    Claims, TokenLane, MAX_AUD_ITEMS, MAX_AUD_ITEM_BYTES, MAX_CLAIM_BYTES, MAX_SCOPE_ITEMS,
    MAX_SCOPE_ITEM_BYTES, TOKEN_VERSION,
};
pub use error::{ReplayError, RevokedBy, TokenError};
pub use issue::{issue, issue_with, IssueOptions, IssuedToken};
pub use keyset::{KeySet, MAX_JWKS_BYTES, MAX_KID_BYTES};
pub use memo::SignatureMemo;
pub use replay::{replay_key, InMemoryReplayGuard, ReplayGuard, ReplayUse};
pub use revocation::{RevocationList, Revocations};
pub use state::{
    Revocation, RevocationSource, RevocationStore, StateError, MAX_REVOCATION_ENTRY_BYTES,
};
pub use validate::{
    validate, ReplayMode, ValidationOptions, VerifiedClaims, DEFAULT_CLOCK_SKEW_SECONDS,
};

/// The reference's `token_hash`: lowercase hex SHA-256 of the UTF-8 compact token (64
/// characters), used to revoke one token.
pub fn token_hash(token: &str) -> String {
    use std::fmt::Write;
    let digest = crate::hash::sha256(token.as_bytes());
    let mut out = String::with_capacity(64);
    for b in digest {
        // Writing to a String cannot fail.
        let _ = write!(out, "{b:02x}");
    }
    out
}
