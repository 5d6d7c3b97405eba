//! Validation: one call from a compact token to [`VerifiedClaims`] or a [`TokenError`].

use super::claims::Claims;
use super::error::{quoted, TokenError};
use super::jws;
use super::keyset::KeySet;
use super::memo::SignatureMemo;
use super::replay::ReplayGuard;
use super::state::RevocationSource;
use crate::{b64, json};
use serde_json::Value;
use std::fmt;
use subtle::ConstantTimeEq;

/// Default clock skew tolerated on `exp`, `nbf`, `iat` and `delegation_expires_at`: 60 s.
pub const DEFAULT_CLOCK_SKEW_SECONDS: u32 = 60;

/// How replays are refused.
#[derive(Clone, Copy, Default)]
pub enum ReplayMode<'a> {
    /// No replay check (the token may be used until it expires).
    #[default]
    Off,
    /// (a) A token's `jti` is accepted once per the job *the token* is bound to: the pair
    /// (`jti`, the token's `mission_id`, or `""` when it has none) is recorded in the guard
    /// until the token expires. The runtime's [`ValidationOptions::job`] never chooses the
    /// record (a presenter could name a new job per use): a token bound to a job can only be
    /// used in that job anyway (step 11), and a token bound to none is accepted once in all.
    /// A token without `jti` fails (`TOKEN_JTI_REQUIRED`).
    JtiOncePerJob(&'a dyn ReplayGuard),
    /// (b) The token may be used only by the job it names: `mission_id` must be present and
    /// equal the runtime's job (which must be named); repeated use within that job is
    /// allowed.
    BoundToJob,
}

impl fmt::Debug for ReplayMode<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ReplayMode::Off => "Off",
            ReplayMode::JtiOncePerJob(_) => "JtiOncePerJob(..)",
            ReplayMode::BoundToJob => "BoundToJob",
        })
    }
}

/// What the runtime expects of a token. Build with [`ValidationOptions::new`] and set the
/// fields that apply; the defaults are the strict ones.
#[derive(Debug, Clone, Copy)]
#[non_exhaustive]
pub struct ValidationOptions<'a> {
    /// The audience this validator serves; it must be one of the token's `aud` (exact,
    /// case-sensitive).
    pub audience: &'a str,
    /// The action being requested; it must be one of the token's `scope` entries (exact,
    /// case-sensitive; no wildcards: a `*` in a scope is only the literal string `*`).
    /// `None` only for inspection (e.g. `claw cst verify` without `--scope`): every other
    /// check still runs, but the token is not authorized for any particular action.
    pub action: Option<&'a str>,
    /// When set, `sub` must equal it.
    pub subject: Option<&'a str>,
    /// The job the runtime is executing. A token's `mission_id` must equal it; a token that
    /// names a job fails when this is `None` (the binding cannot be honoured), as a pinned
    /// policy fails without [`Self::runtime_policy_hash`].
    pub job: Option<&'a str>,
    /// Require job binding: a token without `mission_id`, or a runtime that names no job,
    /// fails (`TOKEN_MISSION_REQUIRED`). Implied by [`ReplayMode::BoundToJob`].
    pub require_job_binding: bool,
    /// The hash of the policy the runtime enforces. A token that pins a policy hash must
    /// pin exactly this one (constant-time comparison); when this is `None`, a pinned token
    /// fails (the pin cannot be honoured).
    pub runtime_policy_hash: Option<&'a str>,
    /// The policy requires tokens to pin a policy hash (`TOKEN_POLICY_PIN_REQUIRED`).
    pub require_policy_pin: bool,
    /// The policy's maximum token lifetime: `exp - iat` above it fails.
    pub max_ttl_seconds: Option<u64>,
    /// Require `token_scope_hash_b64u` (the reference gateway does). When present it is
    /// always checked.
    pub require_scope_hash: bool,
    /// Clock skew tolerated on every time check, in seconds (default
    /// [`DEFAULT_CLOCK_SKEW_SECONDS`]).
    pub clock_skew_seconds: u32,
    /// Bound on the compact token (default [`jws::DEFAULT_MAX_TOKEN_BYTES`], 8 KiB).
    pub max_token_bytes: usize,
    /// The replay mode.
    pub replay: ReplayMode<'a>,
    /// Revocations to consult (a snapshot is taken once per validation): the in-memory
    /// [`super::Revocations`], or a shared store's local copy. A source that cannot vouch for
    /// its copy fails the validation with its reason code (`STATE_STORE_UNAVAILABLE`,
    /// `STATE_STORE_STALE`, ...).
    pub revocations: Option<&'a dyn RevocationSource>,
    /// Signatures already verified by this process ([`SignatureMemo`]): step 4 is answered
    /// from it for a token seen before under the same key; every other step still runs.
    pub signature_memo: Option<&'a SignatureMemo>,
}

impl<'a> ValidationOptions<'a> {
    /// Options for a token presented to `audience` to perform `action`: 60 s skew, 8 KiB
    /// bound, no subject/job/policy requirements, no replay check, no revocations.
    pub fn new(audience: &'a str, action: &'a str) -> ValidationOptions<'a> {
        ValidationOptions {
            audience,
            action: Some(action),
            subject: None,
            job: None,
            require_job_binding: false,
            runtime_policy_hash: None,
            require_policy_pin: false,
            max_ttl_seconds: None,
            require_scope_hash: false,
            clock_skew_seconds: DEFAULT_CLOCK_SKEW_SECONDS,
            max_token_bytes: jws::DEFAULT_MAX_TOKEN_BYTES,
            replay: ReplayMode::Off,
            revocations: None,
            signature_memo: None,
        }
    }
}

/// Claims that passed every check of [`validate`]. There is no other way to build one.
#[derive(Debug, Clone, PartialEq)]
pub struct VerifiedClaims {
    claims: Claims,
    kid: String,
}

impl VerifiedClaims {
    /// The verified claims.
    pub fn claims(&self) -> &Claims {
        &self.claims
    }

    /// The `kid` of the issuer key that signed the token.
    pub fn kid(&self) -> &str {
        &self.kid
    }

    /// Give up the proof of verification and keep the data.
    pub fn into_claims(self) -> Claims {
        self.claims
    }
}

impl std::ops::Deref for VerifiedClaims {
    type Target = Claims;
    fn deref(&self) -> &Claims {
        &self.claims
    }
}

fn ct_eq(a: &str, b: &str) -> bool {
    bool::from(a.as_bytes().ct_eq(b.as_bytes()))
}

/// Validate a compact CST and return its verified claims.
///
/// Checks run in this order; the first failure is returned (codes in `docs/SPEC.md §5`):
/// 1. size, three strict base64url segments, header JSON (`TOKEN_MALFORMED`);
/// 2. `alg` (`TOKEN_UNSUPPORTED_ALG`), forbidden/unknown header members
///    (`TOKEN_HEADER_FORBIDDEN`), `typ` (`TOKEN_TYP_INVALID`);
/// 3. `kid` in `keys` (`TOKEN_UNKNOWN_KID`, `TOKEN_KID_EXPIRED`);
/// 4. `verify_strict` (`TOKEN_SIGNATURE_INVALID`);
/// 5. claims JSON (`TOKEN_MALFORMED`), `token_version` (`TOKEN_UNKNOWN_VERSION`), schema
///    (`TOKEN_INVALID_CLAIMS`);
/// 6. `exp`, `nbf`, `iat`, max TTL (`TOKEN_EXPIRED`, `TOKEN_NOT_YET_VALID`,
///    `TOKEN_ISSUED_IN_FUTURE`, `TOKEN_TTL_EXCEEDS_POLICY`);
/// 7. revocation (`TOKEN_REVOKED`; a source that cannot answer: `STATE_STORE_UNAVAILABLE`,
///    `STATE_STORE_STALE`, `STATE_STORE_CORRUPT`);
/// 8. audience, subject, scope (`TOKEN_BAD_AUDIENCE`, `TOKEN_SUB_MISMATCH`,
///    `TOKEN_INSUFFICIENT_SCOPE`);
/// 9. scope hash presence, delegation, scope hash value (`TOKEN_SCOPE_HASH_REQUIRED`,
///    `TOKEN_DELEGATION_BINDING_INVALID`, `TOKEN_DELEGATION_EXPIRED`,
///    `TOKEN_SCOPE_HASH_MISMATCH`);
/// 10. policy pin (`TOKEN_POLICY_PIN_REQUIRED`, `POLICY_HASH_MISMATCH`);
/// 11. job binding (`TOKEN_MISSION_REQUIRED`, `TOKEN_MISSION_MISMATCH`);
/// 12. replay, last, so only a token that passed everything consumes its `jti`
///     (`TOKEN_JTI_REQUIRED`, `TOKEN_REPLAYED`, `REPLAY_GUARD_FULL`,
///     `REPLAY_PROTECTION_FAILED`, a shared store's `STATE_STORE_*`).
///
/// ```
/// use claw_core::cst::{self, Claims, KeySet, ValidationOptions};
/// use claw_core::keys::SigningKey;
///
/// let issuer = SigningKey::generate(&mut rand_core::OsRng);
/// let mut claims = Claims::new("did:key:z6MkAgent", vec!["gateway".into()], vec!["tool:run".into()]);
/// claims.mission_id = Some("job-42".into());
/// let now = 1_800_000_000;
/// let token = cst::issue(&issuer, &claims, 300, now, &mut rand_core::OsRng)?.token;
/// let keys = KeySet::from_dids([issuer.verifying_key().did().as_str()])?;
///
/// let mut opts = ValidationOptions::new("gateway", "tool:run");
/// opts.job = Some("job-42");
/// assert_eq!(cst::validate(&token, &keys, &opts, now + 1)?.sub, "did:key:z6MkAgent");
///
/// // Each refusal carries a stable reason code.
/// opts.job = Some("job-43");
/// let other_job = cst::validate(&token, &keys, &opts, now + 1).unwrap_err();
/// assert_eq!(other_job.reason_code(), "TOKEN_MISSION_MISMATCH");
/// opts.job = Some("job-42");
/// // Past `exp` (issued for 300 s) and the default 60 s clock skew:
/// let expired = cst::validate(&token, &keys, &opts, now + 360).unwrap_err();
/// assert_eq!(expired.reason_code(), "TOKEN_EXPIRED");
/// let wrong_scope = ValidationOptions::new("gateway", "tool:delete");
/// let err = cst::validate(&token, &keys, &wrong_scope, now + 1).unwrap_err();
/// assert_eq!(err.reason_code(), "TOKEN_INSUFFICIENT_SCOPE");
/// # Ok::<(), claw_core::cst::TokenError>(())
/// ```
pub fn validate(
    token: &str,
    keys: &KeySet,
    opts: &ValidationOptions<'_>,
    now: i64,
) -> Result<VerifiedClaims, TokenError> {
    // 1-2: structure and header, before any cryptography.
    let compact = jws::split(token, opts.max_token_bytes)?;
    let header = jws::check_header(&compact.header, true)?;
    // 3: the key. A missing kid is never resolved by trying every key.
    let kid = header.kid.ok_or(TokenError::MissingKid)?;
    let key = keys.lookup(kid, now)?;
    // 4: the signature, over the bytes as received.
    let sig = compact.signature()?;
    match opts.signature_memo {
        Some(memo) => memo.verify(key, compact.signing_input, &sig),
        None => key.verify(compact.signing_input, &sig),
    }
    .map_err(|_| TokenError::SignatureInvalid)?;
    // 5: claims, only now that they are authentic.
    let payload = b64::decode(compact.payload_b64)
        .map_err(|e| TokenError::Malformed(format!("payload segment: {e}")))?;
    let limits = json::Limits {
        max_bytes: opts.max_token_bytes,
        max_depth: 8,
        exact_integers: true,
    };
    let map = match json::parse(&payload, &limits) {
        Ok(Value::Object(m)) => m,
        Ok(_) => return Err(TokenError::Malformed("claims are not a JSON object".into())),
        Err(e) => return Err(TokenError::Malformed(format!("claims: {e}"))),
    };
    let claims = Claims::from_json_object(map)?;
    let kid = kid.to_string();

    // 6: time.
    let skew = i64::from(opts.clock_skew_seconds);
    if now >= claims.exp.saturating_add(skew) {
        return Err(TokenError::Expired {
            exp: claims.exp,
            now,
        });
    }
    if let Some(nbf) = claims.nbf {
        if nbf > now.saturating_add(skew) {
            return Err(TokenError::NotYetValid { nbf, now });
        }
    }
    if claims.iat > now.saturating_add(skew) {
        return Err(TokenError::IssuedInFuture {
            iat: claims.iat,
            now,
        });
    }
    if let Some(max) = opts.max_ttl_seconds {
        // exp > iat >= 0 and both are below 2^53: no overflow, ttl > 0.
        let ttl = claims.exp - claims.iat;
        if ttl.unsigned_abs() > max {
            return Err(TokenError::TtlExceedsPolicy { ttl, max });
        }
    }

    // 7: revocation.
    if let Some(revocations) = opts.revocations {
        let list = revocations.current()?;
        if let Some(by) = list.check(
            &kid,
            key,
            token,
            claims.jti.as_deref(),
            claims.pinned_policy_hash(),
        ) {
            return Err(TokenError::Revoked(by));
        }
    }

    // 8: audience, subject, scope.
    if !claims.aud.iter().any(|a| a == opts.audience) {
        return Err(TokenError::AudienceMismatch);
    }
    if let Some(sub) = opts.subject {
        if claims.sub != sub {
            return Err(TokenError::SubjectMismatch);
        }
    }
    if let Some(action) = opts.action {
        if !claims.scope.iter().any(|s| s == action) {
            return Err(TokenError::InsufficientScope(quoted(action)));
        }
    }

    // 9: scope hash and delegation.
    if opts.require_scope_hash && claims.token_scope_hash_b64u.is_none() {
        return Err(TokenError::ScopeHashRequired);
    }
    check_delegation(&claims, now, skew)?;
    if let Some(declared) = &claims.token_scope_hash_b64u {
        if !ct_eq(declared, &claims.scope_hash_b64u()) {
            return Err(TokenError::ScopeHashMismatch);
        }
    }

    // 10: policy pin.
    match (claims.pinned_policy_hash(), opts.runtime_policy_hash) {
        (None, _) if opts.require_policy_pin => return Err(TokenError::PolicyPinRequired),
        (None, _) => {}
        (Some(pin), Some(runtime)) => {
            if !ct_eq(pin, runtime) {
                return Err(TokenError::PolicyHashMismatch(
                    "the token pins another policy",
                ));
            }
        }
        (Some(_), None) => {
            return Err(TokenError::PolicyHashMismatch(
                "the runtime declared no policy hash",
            ))
        }
    }

    // 11: job binding.
    let binding_required =
        opts.require_job_binding || matches!(opts.replay, ReplayMode::BoundToJob);
    // One rule with the policy pin above: a binding the token carries and the runtime cannot
    // check (it names no job) refuses the token, whatever the options say.
    match (claims.mission_id.as_deref(), opts.job) {
        (Some(mission), Some(job)) => {
            if mission != job {
                return Err(TokenError::MissionMismatch(
                    "the token is bound to another job",
                ));
            }
        }
        (Some(_), None) => {
            return Err(TokenError::MissionMismatch(
                "the token is bound to a job and the runtime named no job",
            ))
        }
        (None, _) if binding_required => {
            return Err(TokenError::MissionRequired(
                "the token is not bound to a job",
            ))
        }
        (None, _) => {}
    }

    // 12: replay, last.
    if let ReplayMode::JtiOncePerJob(guard) = opts.replay {
        let jti = claims.jti.as_deref().ok_or(TokenError::JtiRequired)?;
        guard.check_and_record(
            jti,
            replay_job(&claims),
            claims.exp.saturating_add(skew),
            now,
        )?;
    }

    Ok(VerifiedClaims { claims, kid })
}

/// The job a token's use is recorded under in [`ReplayMode::JtiOncePerJob`]: its own
/// `mission_id` (signed by the issuer; by step 11 equal to the runtime's job), or `""` for
/// a token bound to no job, whose `jti` is then accepted once whatever job the runtime
/// names. Never the runtime's job itself: that is the presenter's to choose (a header), so
/// keying on it would let a one-time token be reused once per invented job.
fn replay_job(c: &Claims) -> &str {
    c.mission_id.as_deref().unwrap_or("")
}

/// The reference gateway's delegation consistency rules: any delegation claim requires
/// `delegation_id`, `delegator_did` and `delegate_did`; `delegate_did` = `sub`;
/// `delegator_did` = `owner_did`; the two policy hashes agree; and the delegation has not
/// expired.
fn check_delegation(c: &Claims, now: i64, skew: i64) -> Result<(), TokenError> {
    if !c.has_delegation() {
        return Ok(());
    }
    let bad = |m: &str| Err(TokenError::DelegationInvalid(m.to_string()));
    let (Some(_), Some(delegator), Some(delegate)) = (
        c.delegation_id.as_deref(),
        c.delegator_did.as_deref(),
        c.delegate_did.as_deref(),
    ) else {
        return bad("delegation_id, delegator_did and delegate_did are all required");
    };
    if delegate != c.sub {
        return bad("delegate_did must equal sub");
    }
    if c.owner_did.as_deref() != Some(delegator) {
        return bad("delegator_did must equal owner_did");
    }
    if let (Some(a), Some(b)) = (&c.policy_hash_b64u, &c.delegation_policy_hash_b64u) {
        if a != b {
            return bad("policy_hash_b64u and delegation_policy_hash_b64u differ");
        }
    }
    if let Some(t) = c.delegation_expires_at {
        if now >= t.saturating_add(skew) {
            return Err(TokenError::DelegationExpired);
        }
    }
    Ok(())
}
