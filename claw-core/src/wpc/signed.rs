//! Signed policies: a WPC in a `work_policy_contract` envelope (the reference's
//! `work_policy_contract_envelope.v1`), whose `payload_hash_b64u` is the policy hash.

use super::{Policy, PolicyError};
use crate::envelope::{self, Envelope, Signers, VerifiedEnvelope, VerifyOptions};
use crate::json::{self, Limits};
use crate::keys::SigningKey;

/// The envelope type of a signed WPC.
pub const ENVELOPE_TYPE: &str = "work_policy_contract";

/// A policy that arrived in an envelope whose hash, signature and signer were verified.
/// The only way to get one is [`verify_policy_envelope`].
#[derive(Debug, Clone)]
pub struct VerifiedPolicy {
    policy: Policy,
    envelope: VerifiedEnvelope,
}

impl VerifiedPolicy {
    /// The verified policy.
    pub fn policy(&self) -> &Policy {
        &self.policy
    }

    /// Envelope facts: signer, `issued_at`, `expires_at`.
    pub fn envelope(&self) -> &VerifiedEnvelope {
        &self.envelope
    }

    /// The policy, consuming the wrapper.
    pub fn into_policy(self) -> Policy {
        self.policy
    }
}

/// Sign `policy` into a `work_policy_contract` envelope (payload with sorted keys, so the
/// envelope's `payload_hash_b64u` is the policy hash under every rule).
pub fn sign_policy(
    policy: &Policy,
    key: &SigningKey,
    issued_at_ms: i64,
    expires_at_ms: Option<i64>,
) -> Result<Envelope, PolicyError> {
    let env = envelope::sign(
        ENVELOPE_TYPE,
        policy.payload(),
        key,
        issued_at_ms,
        expires_at_ms,
    )?;
    // Cannot differ (both are SHA-256 of the JCS bytes), but a policy whose hash is not its
    // envelope's hash must never leave this function.
    policy.verify_hash(&env.payload_hash_b64u)?;
    Ok(env)
}

/// Verify a signed policy, in this order: strict JSON and envelope shape; envelope version,
/// type (`work_policy_contract`), algorithms, signer DID, hash (JCS), signature, signer in
/// `signers`, expiry against `now`; then the payload as a WPC (schema); then, when given,
/// the policy hash against `expected_hash_b64u` (e.g. the hash a CST pins).
pub fn verify_policy_envelope(
    bytes: &[u8],
    signers: Signers<'_>,
    expected_hash_b64u: Option<&str>,
    now: Option<i64>,
) -> Result<VerifiedPolicy, PolicyError> {
    let value = json::parse(
        bytes,
        &Limits::STRICT.with_max_bytes(super::MAX_POLICY_BYTES + 64 * 1024),
    )?;
    let env = Envelope::from_value(value)?;
    let verified = env.verify(&VerifyOptions {
        expected_type: ENVELOPE_TYPE,
        signers,
        now,
    })?;
    let policy = Policy::from_value(verified.payload.clone())?;
    policy.verify_hash(&verified.payload_hash_b64u)?;
    if let Some(expected) = expected_hash_b64u {
        policy.verify_hash(expected)?;
    }
    Ok(VerifiedPolicy {
        policy,
        envelope: verified,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const POLICY: &str = r#"{"policy_version":"2","policy_id":"p1","issuer_did":"did:key:z6Mkx",
        "statements":[{"sid":"allow-read","effect":"Allow","actions":["tool:execute"],"resources":["read"]}]}"#;

    #[test]
    fn sign_then_verify_and_refusals() {
        let key = SigningKey::from_seed(&[4u8; 32]);
        let policy = Policy::parse(POLICY.as_bytes()).unwrap();
        let env = sign_policy(&policy, &key, 1_800_000_000_000, Some(1_800_000_600_000)).unwrap();
        let text = env.to_json().unwrap();
        let did = key.verifying_key().did();
        let trusted = [did.clone()];
        let ok = verify_policy_envelope(
            text.as_bytes(),
            Signers::OneOf(&trusted),
            Some(policy.hash_b64u()),
            Some(1_800_000_000),
        )
        .unwrap();
        assert_eq!(ok.policy().hash_b64u(), policy.hash_b64u());
        assert_eq!(ok.envelope().signer_did, did);

        let code = |r: Result<VerifiedPolicy, PolicyError>| r.unwrap_err().reason_code();
        let other = ["did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK".to_string()];
        assert_eq!(
            code(verify_policy_envelope(
                text.as_bytes(),
                Signers::OneOf(&other),
                None,
                None
            )),
            "SIGNER_NOT_ALLOWED"
        );
        assert_eq!(
            code(verify_policy_envelope(
                text.as_bytes(),
                Signers::Any,
                Some("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"),
                None
            )),
            "HASH_MISMATCH"
        );
        assert_eq!(
            code(verify_policy_envelope(
                text.as_bytes(),
                Signers::Any,
                None,
                Some(1_800_000_600)
            )),
            "EXPIRED"
        );
        let tampered = text.replace("allow-read", "allow-all");
        assert_eq!(
            code(verify_policy_envelope(
                tampered.as_bytes(),
                Signers::Any,
                None,
                None
            )),
            "HASH_MISMATCH"
        );
        // A validly signed envelope whose payload is not a WPC.
        let junk = envelope::sign(
            ENVELOPE_TYPE,
            &json::parse_str(r#"{"x":1}"#).unwrap(),
            &key,
            0,
            None,
        )
        .unwrap();
        assert_eq!(
            code(verify_policy_envelope(
                junk.to_json().unwrap().as_bytes(),
                Signers::Any,
                None,
                None
            )),
            "SCHEMA_VALIDATION_FAILED"
        );
        // Another envelope type is refused before anything else is looked at.
        let wrong = envelope::sign("proof_bundle", policy.payload(), &key, 0, None).unwrap();
        assert_eq!(
            code(verify_policy_envelope(
                wrong.to_json().unwrap().as_bytes(),
                Signers::Any,
                None,
                None
            )),
            "UNKNOWN_ENVELOPE_TYPE"
        );
    }
}
