//! A parsed, schema-valid, hashed Work Policy Contract.

use super::claw_meta::{ClawMetadata, Requirements};
use super::error::PolicyError;
use super::schema::{from_value_at, Validate, WpcV1, WpcV2};
use crate::json::{self, Limits};
use serde_json::Value;

/// Largest policy document accepted, in bytes. A v2 policy at every schema limit
/// (64 statements x 256 resources x 512 characters) is about 8.5 MB: such a document would be
/// absurd, and 1 MiB leaves room for any real one.
pub const MAX_POLICY_BYTES: usize = 1024 * 1024;

/// `base64url(SHA-256(JCS(payload)))`: the WPC `policy_hash_b64u`, over the payload exactly
/// as given (metadata included). Independent of key order and insignificant whitespace in the
/// text the payload was parsed from.
pub fn policy_hash_b64u(payload: &Value) -> Result<String, PolicyError> {
    Ok(crate::hash::sha256_b64u(json::canonicalize(payload)?))
}

/// Schema version of a policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum PolicyVersion {
    /// `policy_version: "1"`: flat allowlists.
    V1,
    /// `policy_version: "2"`: IAM-style statements.
    V2,
}

/// The typed body of a policy.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum PolicyBody {
    /// A v1 contract.
    V1(WpcV1),
    /// A v2 contract.
    V2(WpcV2),
}

/// A Work Policy Contract that has been parsed strictly, validated against its schema (and
/// against the `claw.dev/v1` namespace when present) and hashed.
///
/// This type only proves the document is well-formed; it says nothing about who issued it.
/// Signed envelopes (`work_policy_contract_envelope.v1`, whose `payload_hash_b64u` must equal
/// [`Policy::hash_b64u`]) are verified by `crate::envelope`, wired in by the lead: an
/// envelope-verified policy should be built with [`Policy::from_value`] on the envelope's
/// `payload` followed by [`Policy::verify_hash`] against the envelope's hash.
#[derive(Debug, Clone, PartialEq)]
pub struct Policy {
    payload: Value,
    hash: String,
    body: PolicyBody,
    claw: Option<ClawMetadata>,
}

impl Policy {
    /// Parse a policy from JSON text (strict JSON, at most [`MAX_POLICY_BYTES`]).
    pub fn parse(bytes: &[u8]) -> Result<Policy, PolicyError> {
        let v = json::parse(bytes, &Limits::STRICT.with_max_bytes(MAX_POLICY_BYTES))?;
        Policy::from_value(v)
    }

    /// Parse a policy and check it hashes to `expected_hash_b64u`.
    pub fn parse_with_hash(bytes: &[u8], expected_hash_b64u: &str) -> Result<Policy, PolicyError> {
        let p = Policy::parse(bytes)?;
        p.verify_hash(expected_hash_b64u)?;
        Ok(p)
    }

    /// Validate an already strictly parsed payload (for instance an envelope's `payload`).
    pub fn from_value(payload: Value) -> Result<Policy, PolicyError> {
        let Some(obj) = payload.as_object() else {
            return Err(PolicyError::schema("$", "a policy must be a JSON object"));
        };
        let version = match obj.get("policy_version") {
            None => {
                return Err(PolicyError::schema(
                    "$",
                    "missing required field `policy_version`",
                ))
            }
            Some(Value::String(s)) if s == "1" => PolicyVersion::V1,
            Some(Value::String(s)) if s == "2" => PolicyVersion::V2,
            Some(Value::String(s)) => {
                return Err(PolicyError::UnsupportedVersion { found: s.clone() })
            }
            Some(_) => {
                return Err(PolicyError::schema(
                    "$.policy_version",
                    "must be the string \"1\" or \"2\"",
                ))
            }
        };
        let hash = policy_hash_b64u(&payload)?;
        let body = match version {
            PolicyVersion::V1 => {
                let v: WpcV1 = from_value_at(payload.clone(), "$", PolicyError::schema)?;
                v.validate("$")?;
                PolicyBody::V1(v)
            }
            PolicyVersion::V2 => {
                let v: WpcV2 = from_value_at(payload.clone(), "$", PolicyError::schema)?;
                v.validate("$")?;
                PolicyBody::V2(v)
            }
        };
        let metadata = match &body {
            PolicyBody::V1(v) => v.metadata.as_ref(),
            PolicyBody::V2(v) => v.metadata.as_ref(),
        };
        let claw = ClawMetadata::from_metadata(metadata)?;
        Ok(Policy {
            payload,
            hash,
            body,
            claw,
        })
    }

    /// Fail with [`PolicyError::HashMismatch`] unless the policy hashes to `expected`.
    pub fn verify_hash(&self, expected_hash_b64u: &str) -> Result<(), PolicyError> {
        if self.hash == expected_hash_b64u {
            Ok(())
        } else {
            Err(PolicyError::HashMismatch {
                expected: expected_hash_b64u.to_string(),
                computed: self.hash.clone(),
            })
        }
    }

    /// `policy_hash_b64u` of the payload as given.
    pub fn hash_b64u(&self) -> &str {
        &self.hash
    }

    /// The payload exactly as parsed.
    pub fn payload(&self) -> &Value {
        &self.payload
    }

    /// The RFC 8785 bytes that [`Policy::hash_b64u`] hashes (what a signer signs over).
    pub fn canonical_bytes(&self) -> Vec<u8> {
        // Cannot fail: the payload was parsed under Limits::STRICT (depth <= 64), far below
        // the serializer's depth bound, and holds only finite numbers.
        json::canonicalize(&self.payload).unwrap_or_default()
    }

    /// Schema version.
    pub fn version(&self) -> PolicyVersion {
        match self.body {
            PolicyBody::V1(_) => PolicyVersion::V1,
            PolicyBody::V2(_) => PolicyVersion::V2,
        }
    }

    /// The typed body.
    pub fn body(&self) -> &PolicyBody {
        &self.body
    }

    /// The v1 body, if this is a v1 policy.
    pub fn as_v1(&self) -> Option<&WpcV1> {
        match &self.body {
            PolicyBody::V1(v) => Some(v),
            PolicyBody::V2(_) => None,
        }
    }

    /// The v2 body, if this is a v2 policy.
    pub fn as_v2(&self) -> Option<&WpcV2> {
        match &self.body {
            PolicyBody::V2(v) => Some(v),
            PolicyBody::V1(_) => None,
        }
    }

    /// `policy_id`.
    pub fn policy_id(&self) -> &str {
        match &self.body {
            PolicyBody::V1(v) => &v.policy_id,
            PolicyBody::V2(v) => &v.policy_id,
        }
    }

    /// `issuer_did`.
    pub fn issuer_did(&self) -> &str {
        match &self.body {
            PolicyBody::V1(v) => &v.issuer_did,
            PolicyBody::V2(v) => &v.issuer_did,
        }
    }

    /// `inherits` (v2 only).
    pub fn inherits(&self) -> Option<&str> {
        self.as_v2().and_then(|v| v.inherits.as_deref())
    }

    /// The validated `claw.dev/v1` metadata, if the policy has it.
    pub fn claw_metadata(&self) -> Option<&ClawMetadata> {
        self.claw.as_ref()
    }

    /// Token, evidence and run-time requirements (all off when the policy has no
    /// `claw.dev/v1` metadata).
    pub fn requirements(&self) -> Requirements {
        self.claw
            .as_ref()
            .map(ClawMetadata::requirements)
            .unwrap_or_default()
    }
}
