//! The Clawsig signed envelope v1.
//!
//! ```text
//! { envelope_version: "1", envelope_type, payload, payload_hash_b64u, hash_algorithm: "SHA-256",
//!   signature_b64u, algorithm: "Ed25519", signer_did, issued_at, expires_at? }
//! ```
//!
//! `payload_hash_b64u` = base64url(SHA-256(bytes(payload))) where `bytes` is the hash rule of
//! the envelope type ([`HashRule`]): RFC 8785 JCS for policies and most types, JavaScript
//! `JSON.stringify` in the payload's own key order for the types the reference hashes that
//! way. The signature is Ed25519 over the UTF-8 bytes of the 43-character
//! `payload_hash_b64u` string (not the raw digest), as the reference does.
//!
//! Parsing gives an [`Envelope`], which is only data. [`Envelope::verify`] is the one way to a
//! [`VerifiedEnvelope`], so an unverified payload cannot reach a decision by mistake.

use crate::json::{self, KeyOrder};
use crate::keys::{SigningKey, VerifyingKey};
use crate::{b64, time};
use serde_json::{Map, Value};

/// Envelope schema version this module reads and writes.
pub const ENVELOPE_VERSION: &str = "1";

/// How the payload bytes are produced before hashing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HashRule {
    /// RFC 8785 canonical JSON.
    Jcs,
    /// JavaScript `JSON.stringify` of the payload in its own key order (what the reference's
    /// code does for some types, contrary to the protocol text). claw always emits payloads
    /// with sorted keys, for which both rules give identical bytes.
    JsonStringify,
}

/// The hash rule the reference applies to each envelope type. Pinned per type, never read
/// from the envelope: policies (`work_policy_contract`, `confidential_work_contract`) are
/// hashed as JCS, as their schemas say; every other type is hashed by the reference's
/// `computeHash`, which is `JSON.stringify` in received key order (see docs/SPEC.md).
pub fn hash_rule(envelope_type: &str) -> HashRule {
    match envelope_type {
        "work_policy_contract" | "confidential_work_contract" => HashRule::Jcs,
        _ => HashRule::JsonStringify,
    }
}

/// Why an envelope was refused. Codes are the reference registry's.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum EnvelopeError {
    /// Not JSON, or not strict JSON.
    #[error("envelope is not valid JSON: {0}")]
    Json(#[from] json::JsonError),
    /// A required field is missing, has the wrong type, or an unknown field is present.
    #[error("malformed envelope: {0}")]
    Malformed(String),
    /// `envelope_version` is not "1".
    #[error("unknown envelope_version {0:?}")]
    UnknownVersion(String),
    /// `envelope_type` is not the one the caller expects.
    #[error("unexpected envelope_type {found:?} (expected {expected:?})")]
    UnknownType {
        /// The `envelope_type` the envelope carries.
        found: String,
        /// The `envelope_type` the caller asked for.
        expected: String,
    },
    /// `hash_algorithm` is not SHA-256.
    #[error("unknown hash_algorithm {0:?}")]
    UnknownHashAlgorithm(String),
    /// `algorithm` is not Ed25519.
    #[error("unknown algorithm {0:?}")]
    UnknownAlgorithm(String),
    /// `signer_did` is not an Ed25519 `did:key`.
    #[error("signer_did: {0}")]
    InvalidDid(String),
    /// `payload_hash_b64u` does not match the payload.
    #[error("payload_hash_b64u does not match the payload")]
    HashMismatch,
    /// The signature does not verify under `signer_did`.
    #[error("signature does not verify for signer_did")]
    SignatureInvalid,
    /// The signer is not one the caller trusts.
    #[error("signer {0} is not in the trusted signer list")]
    SignerNotAllowed(String),
    /// `issued_at`/`expires_at` is not an RFC 3339 date-time.
    #[error("{0}")]
    InvalidTimestamp(String),
    /// The envelope expired before `now`.
    #[error("envelope expired at {0}")]
    Expired(String),
    /// The payload could not be canonicalized (e.g. an integer beyond 2^53).
    #[error("payload cannot be canonicalized: {0}")]
    Canonicalization(String),
}

impl EnvelopeError {
    /// Stable reason code.
    pub fn reason_code(&self) -> &'static str {
        match self {
            EnvelopeError::Json(_) => "INVALID_JSON",
            EnvelopeError::Malformed(_) => "MALFORMED_ENVELOPE",
            EnvelopeError::UnknownVersion(_) => "UNKNOWN_ENVELOPE_VERSION",
            EnvelopeError::UnknownType { .. } => "UNKNOWN_ENVELOPE_TYPE",
            EnvelopeError::UnknownHashAlgorithm(_) => "UNKNOWN_HASH_ALGORITHM",
            EnvelopeError::UnknownAlgorithm(_) => "UNKNOWN_ALGORITHM",
            EnvelopeError::InvalidDid(_) => "INVALID_DID_FORMAT",
            EnvelopeError::HashMismatch => "HASH_MISMATCH",
            EnvelopeError::SignatureInvalid => "SIGNATURE_INVALID",
            EnvelopeError::SignerNotAllowed(_) => "SIGNER_NOT_ALLOWED",
            EnvelopeError::InvalidTimestamp(_) => "INVALID_TIMESTAMP",
            EnvelopeError::Expired(_) => "EXPIRED",
            EnvelopeError::Canonicalization(_) => "CANONICALIZATION_ERROR",
        }
    }
}

/// A parsed, **unverified** envelope.
#[derive(Debug, Clone, PartialEq)]
pub struct Envelope {
    /// Always `"1"` once verified.
    pub envelope_version: String,
    /// What the payload is (`proof_bundle`, `gateway_receipt`, ...).
    pub envelope_type: String,
    /// The signed JSON payload.
    pub payload: Value,
    /// base64url SHA-256 of the payload's canonical JSON bytes.
    pub payload_hash_b64u: String,
    /// The hash algorithm named by the envelope (`SHA-256`).
    pub hash_algorithm: String,
    /// base64url Ed25519 signature over the UTF-8 bytes of `payload_hash_b64u`.
    pub signature_b64u: String,
    /// The signature algorithm named by the envelope (`Ed25519`).
    pub algorithm: String,
    /// The signer's `did:key`.
    pub signer_did: String,
    /// RFC 3339 time of issue.
    pub issued_at: String,
    /// RFC 3339 expiry, when the envelope has one.
    pub expires_at: Option<String>,
}

/// Who may have signed an envelope.
#[derive(Debug, Clone, Copy)]
pub enum Signers<'a> {
    /// Any valid `did:key` signer (integrity only; the caller checks identity itself, e.g.
    /// a proof bundle whose signer must equal its `agent_did`).
    Any,
    /// One of these DIDs.
    OneOf(&'a [String]),
}

/// What [`Envelope::verify`] checks beyond the signature.
#[derive(Debug, Clone, Copy)]
pub struct VerifyOptions<'a> {
    /// The `envelope_type` the caller expects.
    pub expected_type: &'a str,
    /// Trusted signers.
    pub signers: Signers<'a>,
    /// Unix seconds; when set, an envelope whose `expires_at` is at or before `now` fails.
    pub now: Option<i64>,
}

/// An envelope whose hash and signature were checked.
#[derive(Debug, Clone, PartialEq)]
pub struct VerifiedEnvelope {
    /// What the payload is (`proof_bundle`, `gateway_receipt`, ...).
    pub envelope_type: String,
    /// The signed JSON payload.
    pub payload: Value,
    /// base64url SHA-256 of the payload's canonical JSON bytes.
    pub payload_hash_b64u: String,
    /// The signer's public key (from `signer_did`).
    pub signer: VerifyingKey,
    /// The signer's `did:key`.
    pub signer_did: String,
    /// `issued_at` in Unix milliseconds.
    pub issued_at_ms: i64,
    /// `expires_at` in Unix milliseconds, when present.
    pub expires_at_ms: Option<i64>,
}

/// The members of an envelope v1 (§3); no other member is accepted.
pub(crate) const FIELDS: [&str; 10] = [
    "envelope_version",
    "envelope_type",
    "payload",
    "payload_hash_b64u",
    "hash_algorithm",
    "signature_b64u",
    "algorithm",
    "signer_did",
    "issued_at",
    "expires_at",
];

impl Envelope {
    /// Parse envelope JSON strictly (duplicate keys, lone surrogates and inexact numbers are
    /// refused before anything is hashed).
    pub fn parse(input: &[u8], limits: &json::Limits) -> Result<Envelope, EnvelopeError> {
        Envelope::from_value(json::parse(input, limits)?)
    }

    /// Read an envelope from a strictly parsed value. Shape only: no hash or signature check.
    pub fn from_value(v: Value) -> Result<Envelope, EnvelopeError> {
        let Value::Object(mut obj) = v else {
            return Err(EnvelopeError::Malformed(
                "an envelope must be a JSON object".into(),
            ));
        };
        if let Some(k) = obj.keys().find(|k| !FIELDS.contains(&k.as_str())) {
            return Err(EnvelopeError::Malformed(format!("unknown field {k:?}")));
        }
        let mut take = |name: &str| -> Result<String, EnvelopeError> {
            match obj.remove(name) {
                Some(Value::String(s)) if !s.is_empty() => Ok(s),
                Some(_) => Err(EnvelopeError::Malformed(format!(
                    "{name} must be a non-empty string"
                ))),
                None => Err(EnvelopeError::Malformed(format!(
                    "missing required field {name}"
                ))),
            }
        };
        let envelope_version = take("envelope_version")?;
        let envelope_type = take("envelope_type")?;
        let payload_hash_b64u = take("payload_hash_b64u")?;
        let hash_algorithm = take("hash_algorithm")?;
        let signature_b64u = take("signature_b64u")?;
        let algorithm = take("algorithm")?;
        let signer_did = take("signer_did")?;
        let issued_at = take("issued_at")?;
        let expires_at = match obj.remove("expires_at") {
            None => None,
            Some(Value::String(s)) => Some(s),
            Some(_) => {
                return Err(EnvelopeError::Malformed(
                    "expires_at must be a string".into(),
                ))
            }
        };
        let payload = match obj.remove("payload") {
            Some(p @ Value::Object(_)) => p,
            Some(_) => return Err(EnvelopeError::Malformed("payload must be an object".into())),
            None => {
                return Err(EnvelopeError::Malformed(
                    "missing required field payload".into(),
                ))
            }
        };
        Ok(Envelope {
            envelope_version,
            envelope_type,
            payload,
            payload_hash_b64u,
            hash_algorithm,
            signature_b64u,
            algorithm,
            signer_did,
            issued_at,
            expires_at,
        })
    }

    /// Check version, type, algorithms, hash, signature, signer and expiry, in that order.
    pub fn verify(&self, opts: &VerifyOptions<'_>) -> Result<VerifiedEnvelope, EnvelopeError> {
        if self.envelope_version != ENVELOPE_VERSION {
            return Err(EnvelopeError::UnknownVersion(self.envelope_version.clone()));
        }
        if self.envelope_type != opts.expected_type {
            return Err(EnvelopeError::UnknownType {
                found: self.envelope_type.clone(),
                expected: opts.expected_type.to_string(),
            });
        }
        if self.hash_algorithm != "SHA-256" {
            return Err(EnvelopeError::UnknownHashAlgorithm(
                self.hash_algorithm.clone(),
            ));
        }
        if self.algorithm != "Ed25519" {
            return Err(EnvelopeError::UnknownAlgorithm(self.algorithm.clone()));
        }
        let signer = VerifyingKey::from_did(&self.signer_did)
            .map_err(|e| EnvelopeError::InvalidDid(e.to_string()))?;
        let issued_at_ms = time::parse_rfc3339_millis(&self.issued_at)
            .map_err(|e| EnvelopeError::InvalidTimestamp(format!("issued_at: {e}")))?;
        let expires_at_ms = self
            .expires_at
            .as_deref()
            .map(time::parse_rfc3339_millis)
            .transpose()
            .map_err(|e| EnvelopeError::InvalidTimestamp(format!("expires_at: {e}")))?;
        let computed = payload_hash(&self.envelope_type, &self.payload)?;
        // Public values, but compare in constant time anyway: it costs nothing here.
        if !bool::from(subtle::ConstantTimeEq::ct_eq(
            computed.as_bytes(),
            self.payload_hash_b64u.as_bytes(),
        )) {
            return Err(EnvelopeError::HashMismatch);
        }
        signer
            .verify_b64u(self.payload_hash_b64u.as_bytes(), &self.signature_b64u)
            .map_err(|_| EnvelopeError::SignatureInvalid)?;
        if let Signers::OneOf(allowed) = opts.signers {
            if !allowed.iter().any(|d| d == &self.signer_did) {
                return Err(EnvelopeError::SignerNotAllowed(self.signer_did.clone()));
            }
        }
        if let (Some(now), Some(exp)) = (opts.now, expires_at_ms) {
            if now.saturating_mul(1000) >= exp {
                return Err(EnvelopeError::Expired(
                    self.expires_at.clone().unwrap_or_default(),
                ));
            }
        }
        Ok(VerifiedEnvelope {
            envelope_type: self.envelope_type.clone(),
            payload: self.payload.clone(),
            payload_hash_b64u: self.payload_hash_b64u.clone(),
            signer,
            signer_did: self.signer_did.clone(),
            issued_at_ms,
            expires_at_ms,
        })
    }

    /// The envelope as a JSON value: envelope fields sorted, the payload in its own order
    /// (the order its hash was computed over).
    pub fn to_value(&self) -> Value {
        let mut m = Map::new();
        m.insert("algorithm".into(), Value::String(self.algorithm.clone()));
        m.insert(
            "envelope_type".into(),
            Value::String(self.envelope_type.clone()),
        );
        m.insert(
            "envelope_version".into(),
            Value::String(self.envelope_version.clone()),
        );
        if let Some(e) = &self.expires_at {
            m.insert("expires_at".into(), Value::String(e.clone()));
        }
        m.insert(
            "hash_algorithm".into(),
            Value::String(self.hash_algorithm.clone()),
        );
        m.insert("issued_at".into(), Value::String(self.issued_at.clone()));
        m.insert("payload".into(), self.payload.clone());
        m.insert(
            "payload_hash_b64u".into(),
            Value::String(self.payload_hash_b64u.clone()),
        );
        m.insert(
            "signature_b64u".into(),
            Value::String(self.signature_b64u.clone()),
        );
        m.insert("signer_did".into(), Value::String(self.signer_did.clone()));
        Value::Object(m)
    }

    /// JSON text of the envelope: envelope fields in sorted order, the payload in the order
    /// it was received or signed in. Re-sorting a received payload would change its bytes
    /// under the `STRINGIFY` hash rule, so a verified envelope must be written back as is.
    /// For envelopes claw signs (payload keys sorted) this is exactly the JCS form.
    pub fn to_json(&self) -> Result<String, EnvelopeError> {
        let bytes = json::serialize(&self.to_value(), KeyOrder::JavaScript)
            .map_err(|e| EnvelopeError::Canonicalization(e.to_string()))?;
        String::from_utf8(bytes).map_err(|e| EnvelopeError::Canonicalization(e.to_string()))
    }
}

/// The payload hash of `payload` under the rule of `envelope_type`.
pub fn payload_hash(envelope_type: &str, payload: &Value) -> Result<String, EnvelopeError> {
    let order = match hash_rule(envelope_type) {
        HashRule::Jcs => KeyOrder::Jcs,
        HashRule::JsonStringify => KeyOrder::JavaScript,
    };
    let digest = json::sha256_of(payload, order)
        .map_err(|e| EnvelopeError::Canonicalization(e.to_string()))?;
    Ok(b64::encode(digest))
}

/// Sign `payload` into an envelope of `envelope_type`. The payload is stored with its keys
/// sorted (recursively), so the reference's JCS and `JSON.stringify` rules agree on its hash.
pub fn sign(
    envelope_type: &str,
    payload: &Value,
    key: &SigningKey,
    issued_at_ms: i64,
    expires_at_ms: Option<i64>,
) -> Result<Envelope, EnvelopeError> {
    sign_owned(
        envelope_type,
        payload.clone(),
        key,
        &key.verifying_key().did(),
        issued_at_ms,
        expires_at_ms,
    )
}

/// [`sign`] taking the payload by value and the signer's DID (as `key.verifying_key().did()`)
/// precomputed: a signer of many envelopes (a gateway) skips the copy and the base58
/// encoding of each.
pub(crate) fn sign_owned(
    envelope_type: &str,
    payload: Value,
    key: &SigningKey,
    signer_did: &str,
    issued_at_ms: i64,
    expires_at_ms: Option<i64>,
) -> Result<Envelope, EnvelopeError> {
    let payload = sorted_object(payload)?;
    let payload_hash_b64u = payload_hash(envelope_type, &payload)?;
    Ok(seal(
        envelope_type,
        payload,
        payload_hash_b64u,
        key,
        signer_did,
        issued_at_ms,
        expires_at_ms,
    ))
}

/// The payload every `sign_owned*` signs: an object, its keys sorted (JCS order) at every
/// depth.
fn sorted_object(mut payload: Value) -> Result<Value, EnvelopeError> {
    if !payload.is_object() {
        return Err(EnvelopeError::Malformed("payload must be an object".into()));
    }
    json::sort_keys_in_place(&mut payload);
    Ok(payload)
}

/// The envelope around a sorted payload and its `payload_hash_b64u`: the signature over that
/// hash and the fixed members. The one place every `sign_owned*` builds an [`Envelope`].
fn seal(
    envelope_type: &str,
    payload: Value,
    payload_hash_b64u: String,
    key: &SigningKey,
    signer_did: &str,
    issued_at_ms: i64,
    expires_at_ms: Option<i64>,
) -> Envelope {
    let signature = key.sign(payload_hash_b64u.as_bytes());
    Envelope {
        envelope_version: ENVELOPE_VERSION.into(),
        envelope_type: envelope_type.into(),
        payload,
        payload_hash_b64u,
        hash_algorithm: "SHA-256".into(),
        signature_b64u: b64::encode(signature),
        algorithm: "Ed25519".into(),
        signer_did: signer_did.to_string(),
        issued_at: time::format_rfc3339_millis(issued_at_ms),
        expires_at: expires_at_ms.map(time::format_rfc3339_millis),
    }
}

/// Sign a payload given as its RFC 8785 bytes, for a signer that keeps no parsed envelope
/// (the run log's tool receipts, docs/SPEC.md §10.7): returns the envelope's RFC 8785 bytes
/// and their SHA-256, without a value tree. `payload_jcs` must be a canonical object with no
/// array-index key anywhere, so that its bytes are also its `JSON.stringify` bytes under
/// either hash rule; the caller writes it member by member and guarantees both.
pub(crate) fn sign_canonical_payload(
    envelope_type: &str,
    payload_jcs: &[u8],
    key: &SigningKey,
    signer_did: &str,
    issued_at_ms: i64,
) -> (Vec<u8>, [u8; 32]) {
    let payload_hash_b64u = b64::encode(crate::hash::sha256(payload_jcs));
    // The payload member is never read: `envelope_json` splices in the bytes.
    let env = seal(
        envelope_type,
        Value::Null,
        payload_hash_b64u,
        key,
        signer_did,
        issued_at_ms,
        None,
    );
    let bytes = env.canonical_bytes_with(payload_jcs);
    let digest = crate::hash::sha256(&bytes);
    (bytes, digest)
}

impl Envelope {
    /// The RFC 8785 bytes of [`Envelope::to_value`], given the RFC 8785 bytes of the payload
    /// (the caller has them; they are spliced in, not recomputed). The envelope's own members
    /// are ASCII names in the same order under both key orders, so this is [`envelope_json`].
    fn canonical_bytes_with(&self, payload_jcs: &[u8]) -> Vec<u8> {
        envelope_json(self, payload_jcs)
    }

    /// [`Envelope::to_value`], moving the payload instead of copying it.
    pub fn into_value(self) -> Value {
        let mut m = Map::new();
        m.insert("algorithm".into(), Value::String(self.algorithm));
        m.insert("envelope_type".into(), Value::String(self.envelope_type));
        m.insert(
            "envelope_version".into(),
            Value::String(self.envelope_version),
        );
        if let Some(e) = self.expires_at {
            m.insert("expires_at".into(), Value::String(e));
        }
        m.insert("hash_algorithm".into(), Value::String(self.hash_algorithm));
        m.insert("issued_at".into(), Value::String(self.issued_at));
        m.insert("payload".into(), self.payload);
        m.insert(
            "payload_hash_b64u".into(),
            Value::String(self.payload_hash_b64u),
        );
        m.insert("signature_b64u".into(), Value::String(self.signature_b64u));
        m.insert("signer_did".into(), Value::String(self.signer_did));
        Value::Object(m)
    }
}

/// An envelope claw signed, with its JSON text (the bytes [`Envelope::to_json`] gives).
#[derive(Debug, Clone, PartialEq)]
pub struct SignedEnvelope {
    /// The envelope.
    pub envelope: Envelope,
    /// Its JSON text, built around the payload bytes that were hashed: a signer that sends
    /// the envelope (a gateway: in the response, to the receipt sink, in an SSE trailer)
    /// serializes the payload once, not once to hash it and again to send it.
    pub json: Vec<u8>,
}

/// [`sign_owned`], also returning the envelope's JSON text. The payload is sorted, written
/// once (in [`Envelope::to_json`]'s order), and those bytes are hashed (`STRINGIFY` rule) and
/// placed in the envelope text; under the JCS rule the hash is computed apart (the two orders
/// differ only for array-index keys).
pub(crate) fn sign_owned_json(
    envelope_type: &str,
    payload: Value,
    key: &SigningKey,
    signer_did: &str,
    issued_at_ms: i64,
    expires_at_ms: Option<i64>,
) -> Result<SignedEnvelope, EnvelopeError> {
    let payload = sorted_object(payload)?;
    let canon = |e: json::JsonError| EnvelopeError::Canonicalization(e.to_string());
    let payload_json = json::serialize(&payload, KeyOrder::JavaScript).map_err(canon)?;
    let digest = match hash_rule(envelope_type) {
        HashRule::JsonStringify => crate::hash::sha256(&payload_json),
        HashRule::Jcs => json::sha256_of(&payload, KeyOrder::Jcs).map_err(canon)?,
    };
    let payload_hash_b64u = b64::encode(digest);
    let envelope = seal(
        envelope_type,
        payload,
        payload_hash_b64u,
        key,
        signer_did,
        issued_at_ms,
        expires_at_ms,
    );
    let json = envelope_json(&envelope, &payload_json);
    Ok(SignedEnvelope { envelope, json })
}

/// [`Envelope::to_json`]'s bytes, the payload given as its serialized bytes: the members in
/// sorted order, as [`Envelope::to_value`] lists them. The one writer of an envelope's text
/// around payload bytes (the gateway's response text, and the run log's receipt hash through
/// [`Envelope::canonical_bytes_with`]).
fn envelope_json(e: &Envelope, payload_json: &[u8]) -> Vec<u8> {
    let mut o = crate::canonical::JcsObject::with_capacity(payload_json.len() + 400);
    o.str("algorithm", &e.algorithm);
    o.str("envelope_type", &e.envelope_type);
    o.str("envelope_version", &e.envelope_version);
    if let Some(x) = &e.expires_at {
        o.str("expires_at", x);
    }
    o.str("hash_algorithm", &e.hash_algorithm);
    o.str("issued_at", &e.issued_at);
    o.raw("payload", payload_json);
    o.str("payload_hash_b64u", &e.payload_hash_b64u);
    o.str("signature_b64u", &e.signature_b64u);
    o.str("signer_did", &e.signer_did);
    o.finish()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hash;

    /// Signed from the payload's canonical bytes, the envelope is byte for byte the JCS of
    /// the envelope `sign` makes of the same payload, under both hash rules, and the digest is
    /// its SHA-256.
    #[test]
    fn sign_canonical_payload_is_sign_then_jcs() {
        let k = key();
        let did = k.verifying_key().did();
        let payloads = [
            serde_json::json!({"b": "x\u{1}é\u{2028}\"", "a": {"d": [1, {"z": null, "y": 2.5}], "c": true}}),
            serde_json::json!({}),
            serde_json::json!({"k": "\u{10FFFF}\u{7f}\\/", "n": -9_007_199_254_740_991_i64}),
        ];
        for t in ["tool_receipt", "work_policy_contract"] {
            for p in &payloads {
                let want = sign(t, p, &k, 1_700_000_000_123, None).unwrap();
                let jcs_p = json::canonicalize(p).unwrap();
                let (bytes, digest) =
                    sign_canonical_payload(t, &jcs_p, &k, &did, 1_700_000_000_123);
                let want_bytes = json::canonicalize(&want.to_value()).unwrap();
                assert_eq!(bytes, want_bytes, "{t} {p}");
                assert_eq!(digest, hash::sha256(&want_bytes));
                // And it verifies as what it is.
                Envelope::parse(&bytes, &json::Limits::STRICT)
                    .unwrap()
                    .verify(&opts(t, Signers::Any))
                    .unwrap();
            }
        }
        // expires_at is written in its place.
        let mut e = sign("tool_receipt", &payloads[0], &k, 1, Some(2)).unwrap();
        let jcs_p = json::canonicalize(&e.payload).unwrap();
        assert_eq!(
            e.canonical_bytes_with(&jcs_p),
            json::canonicalize(&e.to_value()).unwrap()
        );
        e.expires_at = None;
        assert_eq!(
            e.canonical_bytes_with(&jcs_p),
            json::canonicalize(&e.to_value()).unwrap()
        );
    }

    /// The envelope text built around the hashed payload bytes is exactly `to_json()` (and,
    /// for these payloads, serde_json's and the JCS form), for both hash rules, with and
    /// without `expires_at`, for strings that need escaping and array-index keys.
    #[test]
    fn sign_owned_json_is_to_json() {
        let payloads = [
            json::parse_str(r#"{"z":1,"a":{"y":[1,2],"b":"x"}}"#).unwrap(),
            serde_json::json!({"m": "q\"u\\o\u{1}\u{1f}\u{7f}\n\t\u{2028}é😀</", "n": null, "t": true}),
            serde_json::json!({"10": 1, "9": 2, "b": {"2": [], "a": 0}}),
        ];
        for (i, p) in payloads.iter().enumerate() {
            for t in ["gateway_receipt", "work_policy_contract"] {
                for exp in [None, Some(1_770_768_100_000)] {
                    let did = key().verifying_key().did();
                    let s = sign_owned_json(t, p.clone(), &key(), &did, 1_770_768_000_000, exp)
                        .unwrap();
                    let plain =
                        sign_owned(t, p.clone(), &key(), &did, 1_770_768_000_000, exp).unwrap();
                    assert_eq!(s.envelope, plain, "payload {i} {t}");
                    assert_eq!(s.json, s.envelope.to_json().unwrap().into_bytes());
                    if i < 2 {
                        assert_eq!(s.json, serde_json::to_vec(&s.envelope.to_value()).unwrap());
                        assert_eq!(s.json, json::canonicalize(&s.envelope.to_value()).unwrap());
                    }
                    let parsed = Envelope::parse(&s.json, &json::Limits::STRICT).unwrap();
                    parsed.verify(&opts(t, Signers::Any)).unwrap();
                }
            }
        }
    }

    fn key() -> SigningKey {
        SigningKey::from_seed(&[5u8; 32])
    }

    fn opts<'a>(t: &'a str, signers: Signers<'a>) -> VerifyOptions<'a> {
        VerifyOptions {
            expected_type: t,
            signers,
            now: None,
        }
    }

    #[test]
    fn sign_parse_verify_round_trip() {
        let payload = json::parse_str(r#"{"z":1,"a":{"y":[1,2],"b":"x"}}"#).unwrap();
        let env = sign(
            "work_policy_contract",
            &payload,
            &key(),
            1_770_768_000_000,
            None,
        )
        .unwrap();
        let text = env.to_json().unwrap();
        let parsed = Envelope::parse(text.as_bytes(), &json::Limits::STRICT).unwrap();
        assert_eq!(parsed, env);
        let ok = parsed
            .verify(&opts("work_policy_contract", Signers::Any))
            .unwrap();
        assert_eq!(ok.signer_did, key().verifying_key().did());
        assert_eq!(ok.issued_at_ms, 1_770_768_000_000);
        // The payload hash is the JCS hash, whatever the input order.
        assert_eq!(
            ok.payload_hash_b64u,
            hash::sha256_b64u(json::canonicalize(&payload).unwrap())
        );
    }

    #[test]
    fn each_check_has_its_code() {
        let payload = json::parse_str(r#"{"a":1}"#).unwrap();
        let env = sign("proof_bundle", &payload, &key(), 0, Some(10_000)).unwrap();
        let check = |e: &Envelope, o: VerifyOptions<'_>| e.verify(&o).unwrap_err().reason_code();
        let o = opts("proof_bundle", Signers::Any);
        let mut e = env.clone();
        e.envelope_version = "2".into();
        assert_eq!(check(&e, o), "UNKNOWN_ENVELOPE_VERSION");
        assert_eq!(
            check(&env, opts("gateway_receipt", Signers::Any)),
            "UNKNOWN_ENVELOPE_TYPE"
        );
        let mut e = env.clone();
        e.hash_algorithm = "SHA-512".into();
        assert_eq!(check(&e, o), "UNKNOWN_HASH_ALGORITHM");
        let mut e = env.clone();
        e.algorithm = "EdDSA".into();
        assert_eq!(check(&e, o), "UNKNOWN_ALGORITHM");
        let mut e = env.clone();
        e.signer_did = "did:web:example.com".into();
        assert_eq!(check(&e, o), "INVALID_DID_FORMAT");
        let mut e = env.clone();
        e.payload = json::parse_str(r#"{"a":2}"#).unwrap();
        assert_eq!(check(&e, o), "HASH_MISMATCH");
        let mut e = env.clone();
        e.signer_did = SigningKey::from_seed(&[6u8; 32]).verifying_key().did();
        assert_eq!(check(&e, o), "SIGNATURE_INVALID");
        let others = vec!["did:key:z6MkOther".to_string()];
        assert_eq!(
            check(&env, opts("proof_bundle", Signers::OneOf(&others))),
            "SIGNER_NOT_ALLOWED"
        );
        let expired = VerifyOptions { now: Some(10), ..o };
        assert_eq!(check(&env, expired), "EXPIRED");
        assert!(env.verify(&VerifyOptions { now: Some(9), ..o }).is_ok());
    }

    #[test]
    fn malformed_shapes() {
        for bad in [
            r#"[]"#,
            r#"{"envelope_version":"1"}"#,
            r#"{"envelope_version":"1","envelope_type":"x","payload":{},"payload_hash_b64u":"a","hash_algorithm":"SHA-256","signature_b64u":"a","algorithm":"Ed25519","signer_did":"did:key:z","issued_at":"x","extra":1}"#,
            r#"{"envelope_version":"1","envelope_type":"x","payload":[],"payload_hash_b64u":"a","hash_algorithm":"SHA-256","signature_b64u":"a","algorithm":"Ed25519","signer_did":"did:key:z","issued_at":"x"}"#,
        ] {
            let e = Envelope::parse(bad.as_bytes(), &json::Limits::STRICT).unwrap_err();
            assert_eq!(e.reason_code(), "MALFORMED_ENVELOPE", "{bad}");
        }
        let dup = r#"{"envelope_version":"1","envelope_version":"1"}"#;
        assert_eq!(
            Envelope::parse(dup.as_bytes(), &json::Limits::STRICT)
                .unwrap_err()
                .reason_code(),
            "INVALID_JSON"
        );
    }

    #[test]
    fn stringify_rule_hashes_in_received_order() {
        // A reference-made payload in insertion order verifies under the JSON.stringify rule.
        let k = key();
        let payload = json::parse_str(r#"{"z":1,"a":2}"#).unwrap();
        let h = hash::sha256_b64u(br#"{"z":1,"a":2}"#);
        let env = Envelope {
            envelope_version: "1".into(),
            envelope_type: "gateway_receipt".into(),
            payload,
            payload_hash_b64u: h.clone(),
            hash_algorithm: "SHA-256".into(),
            signature_b64u: b64::encode(k.sign(h.as_bytes())),
            algorithm: "Ed25519".into(),
            signer_did: k.verifying_key().did(),
            issued_at: "2026-01-01T00:00:00.000Z".into(),
            expires_at: None,
        };
        env.verify(&opts("gateway_receipt", Signers::Any)).unwrap();
        // Written back and read again, it still verifies (regression: found by fuzzing, the
        // writer used to re-sort the payload and break its STRINGIFY hash).
        let again =
            Envelope::parse(env.to_json().unwrap().as_bytes(), &json::Limits::STRICT).unwrap();
        again
            .verify(&opts("gateway_receipt", Signers::Any))
            .unwrap();
    }
}
