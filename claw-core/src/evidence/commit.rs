//! Commit signatures (docs/SPEC.md §11.1): the reference's `message_signature` over
//! `commit:<sha>` (the `commit_sig` conformance kind, "Protocol M") and the signed
//! `commit_proof` envelope (`poh/commit_proof.v1.json`).
//!
//! * `message_signature`: `{"version":"m1","type":"message_signature","algo":"ed25519",
//!   "did":"did:key:…","message":"commit:<7–64 hex>","createdAt":…,"signature":<base64>}`.
//!   The signature is Ed25519 (`verify_strict`) over the RFC 8785 canonical form of the whole
//!   object with `signature` replaced by the empty string.
//! * `commit_proof`: a Clawsig envelope of type `commit_proof` whose payload follows
//!   `commit_proof.v1.json`; hash and signature as every envelope (§3).

use crate::envelope::{Envelope, EnvelopeError, Signers, VerifyOptions};
use crate::json;
use crate::keys::VerifyingKey;
use base64::Engine as _;
use serde_json::{json, Map, Value};

/// Largest commit signature file read (they are a few hundred bytes).
pub const MAX_COMMIT_SIG_BYTES: usize = 64 * 1024;

/// Why a commit signature was refused; each variant carries the reference's reason code.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CommitError {
    /// Not strict JSON.
    #[error("{0}")]
    Json(#[from] json::JsonError),
    /// Not an object, a field missing or of the wrong type, a signature that is not 64 bytes
    /// of base64.
    #[error("malformed commit signature: {0}")]
    Malformed(String),
    /// `version` is not `m1`.
    #[error("unsupported version {0:?}")]
    UnknownVersion(String),
    /// `type` is not `message_signature` (nor is the document a `commit_proof` envelope).
    #[error("unsupported type {0:?}")]
    UnknownType(String),
    /// `algo` is not `ed25519`.
    #[error("unsupported algo {0:?}")]
    UnknownAlgo(String),
    /// `message` is not `commit:<7–64 hex digits>`.
    #[error("invalid message (expected \"commit:<sha>\")")]
    MessageInvalid,
    /// `did` is not an Ed25519 `did:key`.
    #[error("unsupported DID (expected an Ed25519 did:key)")]
    InvalidDid,
    /// The signature does not verify.
    #[error("signature verification failed")]
    SignatureInvalid,
    /// The `commit_proof` payload breaks `commit_proof.v1.json`.
    #[error("commit_proof payload: {0}")]
    Schema(String),
    /// The `commit_proof` envelope failed (hash, signature, version, algorithm, …).
    #[error(transparent)]
    Envelope(EnvelopeError),
}

impl CommitError {
    /// Stable reason code.
    pub fn reason_code(&self) -> &'static str {
        match self {
            CommitError::Json(e) => e.reason_code(),
            CommitError::Malformed(_) => "MALFORMED_ENVELOPE",
            CommitError::UnknownVersion(_) => "UNKNOWN_VERSION",
            CommitError::UnknownType(_) => "UNKNOWN_TYPE",
            CommitError::UnknownAlgo(_) => "UNKNOWN_ALGO",
            CommitError::MessageInvalid => "COMMIT_MESSAGE_INVALID",
            CommitError::InvalidDid => "INVALID_DID_FORMAT",
            CommitError::SignatureInvalid => "SIGNATURE_INVALID",
            CommitError::Schema(_) => "SCHEMA_VALIDATION_FAILED",
            CommitError::Envelope(e) => e.reason_code(),
        }
    }
}

/// For bindings that map errors by kind: a JSON fault keeps its kind (`Canonicalization`), an
/// envelope fault its own (`Envelope`); every other refusal of a commit signature is a
/// `Signature` error, with the same reason code.
impl From<CommitError> for crate::Error {
    fn from(e: CommitError) -> crate::Error {
        match e {
            CommitError::Json(j) => j.into(),
            CommitError::Envelope(x) => x.into(),
            other => crate::Error::new(
                crate::ErrorKind::Signature,
                other.reason_code(),
                other.to_string(),
            ),
        }
    }
}

/// Which of the two forms was verified.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CommitForm {
    /// `message_signature` over `commit:<sha>`.
    MessageSignature,
    /// `commit_proof` envelope.
    CommitProof,
}

impl CommitForm {
    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            CommitForm::MessageSignature => "message_signature",
            CommitForm::CommitProof => "commit_proof",
        }
    }
}

/// A commit signature whose signature verified: what it establishes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedCommit {
    /// Which of the two signed forms this was.
    pub form: CommitForm,
    /// The commit, lower-case hex (7–64 digits).
    pub commit_sha: String,
    /// The signer's did:key.
    pub signer_did: String,
    /// `commit_proof` only: the repository and claim it names, and the branch if given.
    pub repository: Option<String>,
    /// `commit_proof` only: the repository claim id.
    pub repo_claim_id: Option<String>,
    /// `commit_proof` only: the branch, when given.
    pub branch: Option<String>,
}

impl VerifiedCommit {
    /// `{status:"PASS", reason_code:"OK", kind:"commit_sig", form, commit_sha, signer_did, …}`.
    pub fn to_json(&self) -> Value {
        let mut m = Map::new();
        m.insert("status".into(), "PASS".into());
        m.insert("reason_code".into(), "OK".into());
        m.insert("reason".into(), "commit signature verified".into());
        m.insert("kind".into(), "commit_sig".into());
        m.insert("form".into(), self.form.as_str().into());
        m.insert("commit_sha".into(), self.commit_sha.clone().into());
        m.insert("signer_did".into(), self.signer_did.clone().into());
        for (k, v) in [
            ("repository", &self.repository),
            ("repo_claim_id", &self.repo_claim_id),
            ("branch", &self.branch),
        ] {
            if let Some(v) = v {
                m.insert(k.into(), v.clone().into());
            }
        }
        json::sorted(&Value::Object(m))
    }
}

/// The failure shape of a commit verification, as [`VerifiedCommit::to_json`].
pub fn commit_failure_json(e: &CommitError) -> Value {
    json!({
        "status": "FAIL",
        "reason_code": e.reason_code(),
        "reason": e.to_string(),
        "kind": "commit_sig",
    })
}

/// `^commit:([a-f0-9]{7,64})$`, case-insensitive; the sha lower-cased.
fn commit_of_message(m: &str) -> Option<String> {
    let sha = m.strip_prefix("commit:")?;
    sha_ok(sha).then(|| sha.to_ascii_lowercase())
}

fn sha_ok(s: &str) -> bool {
    (7..=64).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_hexdigit())
}

/// Verify a commit signature file: a `message_signature` or a `commit_proof` envelope.
pub fn verify_commit_signature(bytes: &[u8]) -> Result<VerifiedCommit, CommitError> {
    let limits = json::Limits::STRICT.with_max_bytes(MAX_COMMIT_SIG_BYTES);
    let v = json::parse(bytes, &limits)?;
    verify_commit_signature_value(&v)
}

/// [`verify_commit_signature`] on a strictly parsed value.
pub fn verify_commit_signature_value(v: &Value) -> Result<VerifiedCommit, CommitError> {
    let Some(o) = v.as_object() else {
        return Err(CommitError::Malformed("must be a JSON object".into()));
    };
    if o.get("envelope_type").and_then(Value::as_str) == Some("commit_proof") {
        return verify_commit_proof(v);
    }
    let text = |k: &str| o.get(k).and_then(Value::as_str);
    // The reference's order: version, type, algo, message, did, signature.
    match text("version") {
        Some("m1") => {}
        other => return Err(CommitError::UnknownVersion(shown(o.get("version"), other))),
    }
    match text("type") {
        Some("message_signature") => {}
        other => return Err(CommitError::UnknownType(shown(o.get("type"), other))),
    }
    match text("algo") {
        Some("ed25519") => {}
        other => return Err(CommitError::UnknownAlgo(shown(o.get("algo"), other))),
    }
    let sha = text("message")
        .and_then(commit_of_message)
        .ok_or(CommitError::MessageInvalid)?;
    let did = text("did").ok_or(CommitError::InvalidDid)?;
    let key = did_key_ed25519(did)?;
    let sig = match text("signature") {
        Some(s) if !s.is_empty() => s,
        _ => return Err(CommitError::Malformed("missing signature".into())),
    };
    let sig =
        std_b64(sig).ok_or_else(|| CommitError::Malformed("signature is not base64".into()))?;
    let sig: [u8; 64] = sig
        .try_into()
        .map_err(|_| CommitError::Malformed("signature must be 64 bytes".into()))?;
    let mut unsigned = o.clone();
    unsigned.insert("signature".into(), Value::String(String::new()));
    let msg = json::canonicalize(&Value::Object(unsigned))?;
    key.verify(&msg, &sig)
        .map_err(|_| CommitError::SignatureInvalid)?;
    Ok(VerifiedCommit {
        form: CommitForm::MessageSignature,
        commit_sha: sha,
        signer_did: did.to_string(),
        repository: None,
        repo_claim_id: None,
        branch: None,
    })
}

fn shown(v: Option<&Value>, s: Option<&str>) -> String {
    match (s, v) {
        (Some(s), _) => s.to_string(),
        (None, None) => "undefined".into(),
        (None, Some(v)) => v.to_string(),
    }
}

fn did_key_ed25519(did: &str) -> Result<VerifyingKey, CommitError> {
    VerifyingKey::from_did(did).map_err(|_| CommitError::InvalidDid)
}

/// Standard-alphabet base64 (`atob`): padding optional, no whitespace.
fn std_b64(s: &str) -> Option<Vec<u8>> {
    use base64::engine::{general_purpose::GeneralPurpose, DecodePaddingMode};
    const ENGINE: GeneralPurpose = GeneralPurpose::new(
        &base64::alphabet::STANDARD,
        base64::engine::GeneralPurposeConfig::new()
            .with_decode_padding_mode(DecodePaddingMode::Indifferent),
    );
    ENGINE.decode(s).ok()
}

/// The `commit_proof` envelope: envelope rules (§3), then the payload schema.
fn verify_commit_proof(v: &Value) -> Result<VerifiedCommit, CommitError> {
    let env = Envelope::from_value(v.clone()).map_err(CommitError::Envelope)?;
    let verified = env
        .verify(&VerifyOptions {
            expected_type: "commit_proof",
            signers: Signers::Any,
            now: None,
        })
        .map_err(CommitError::Envelope)?;
    let p = verified
        .payload
        .as_object()
        .ok_or_else(|| CommitError::Schema("payload must be an object".into()))?;
    const KNOWN: [&str; 9] = [
        "proof_version",
        "repo_claim_id",
        "commit_sha",
        "repository",
        "branch",
        "run_id",
        "proof_bundle_hash_b64u",
        "harness",
        "metadata",
    ];
    if let Some(k) = p.keys().find(|k| !KNOWN.contains(&k.as_str())) {
        return Err(CommitError::Schema(format!("unknown member {k:?}")));
    }
    let s = |k: &str| p.get(k).and_then(Value::as_str);
    if s("proof_version") != Some("1") {
        return Err(CommitError::Schema("proof_version must be \"1\"".into()));
    }
    let nonempty = |k: &str| -> Result<String, CommitError> {
        s(k).filter(|x| !x.is_empty())
            .map(str::to_string)
            .ok_or_else(|| CommitError::Schema(format!("{k} must be a non-empty string")))
    };
    let repo_claim_id = nonempty("repo_claim_id")?;
    let repository = nonempty("repository")?;
    let sha = s("commit_sha")
        .filter(|x| sha_ok(x))
        .ok_or_else(|| CommitError::Schema("commit_sha must be 7-64 hex digits".into()))?;
    for k in ["branch", "run_id", "proof_bundle_hash_b64u"] {
        if p.get(k).is_some_and(|x| !x.is_string()) {
            return Err(CommitError::Schema(format!("{k} must be a string")));
        }
    }
    if p.get("metadata").is_some_and(|x| !x.is_object()) {
        return Err(CommitError::Schema("metadata must be an object".into()));
    }
    if let Some(h) = p.get("harness") {
        let ok = h.as_object().is_some_and(|h| {
            h.iter()
                .all(|(k, x)| matches!(k.as_str(), "id" | "version") && x.is_string())
        });
        if !ok {
            return Err(CommitError::Schema(
                "harness must be {id?: string, version?: string}".into(),
            ));
        }
    }
    Ok(VerifiedCommit {
        form: CommitForm::CommitProof,
        commit_sha: sha.to_ascii_lowercase(),
        signer_did: verified.signer_did,
        repository: Some(repository),
        repo_claim_id: Some(repo_claim_id),
        branch: s("branch").map(str::to_string),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keys::SigningKey;

    fn key() -> SigningKey {
        SigningKey::from_seed(&[7u8; 32])
    }

    fn message_sig(k: &SigningKey, message: &str) -> Value {
        let mut o = json!({
            "version": "m1", "type": "message_signature", "algo": "ed25519",
            "did": k.verifying_key().did(), "message": message, "createdAt": "2026-01-01T00:00:00.000Z",
            "signature": "",
        });
        let msg = json::canonicalize(&o).unwrap();
        let sig = base64::engine::general_purpose::STANDARD.encode(k.sign(&msg));
        o["signature"] = sig.into();
        o
    }

    #[test]
    fn message_signature_round_trip_and_tamper() {
        let k = key();
        let o = message_sig(&k, "commit:ABCDEF1");
        let v = verify_commit_signature_value(&o).unwrap();
        assert_eq!(v.commit_sha, "abcdef1");
        assert_eq!(v.form, CommitForm::MessageSignature);
        let mut t = o.clone();
        t["createdAt"] = "2026-01-01T00:00:00.001Z".into();
        assert_eq!(
            verify_commit_signature_value(&t).unwrap_err().reason_code(),
            "SIGNATURE_INVALID"
        );
        for (k2, val, code) in [
            ("message", json!("commit:xyz1234"), "COMMIT_MESSAGE_INVALID"),
            ("message", json!("commit:abc123"), "COMMIT_MESSAGE_INVALID"),
            ("algo", json!("Ed25519"), "UNKNOWN_ALGO"),
            ("type", json!(1), "UNKNOWN_TYPE"),
            ("signature", json!("AAAA"), "MALFORMED_ENVELOPE"),
            ("signature", json!("!!"), "MALFORMED_ENVELOPE"),
            ("did", json!("did:key:zzz"), "INVALID_DID_FORMAT"),
        ] {
            let mut t = o.clone();
            t[k2] = val;
            assert_eq!(
                verify_commit_signature_value(&t).unwrap_err().reason_code(),
                code,
                "{k2}"
            );
        }
    }

    #[test]
    fn errors_keep_their_kind() {
        use crate::ErrorKind;
        let not_json: crate::Error = verify_commit_signature(b"{").unwrap_err().into();
        assert_eq!(not_json.kind(), ErrorKind::Canonicalization);
        let mut t = message_sig(&key(), "commit:abcdef1");
        t["createdAt"] = "x".into();
        let bad: crate::Error = verify_commit_signature_value(&t).unwrap_err().into();
        assert_eq!(bad.kind(), ErrorKind::Signature);
        assert_eq!(bad.reason_code(), "SIGNATURE_INVALID");
        let env = json!({"envelope_version":"1","envelope_type":"commit_proof"});
        let e: crate::Error = verify_commit_signature_value(&env).unwrap_err().into();
        assert_eq!(e.kind(), ErrorKind::Envelope);
    }

    #[test]
    fn commit_proof_envelope() {
        let k = key();
        let payload = json!({"proof_version":"1","repo_claim_id":"claim_1",
            "commit_sha":"135016bbeda0a95d5745ff9031c1287263ea0a06","repository":"o/r","branch":"main"});
        let env = crate::envelope::sign("commit_proof", &payload, &k, 1_700_000_000_000, None)
            .unwrap()
            .to_value();
        let v = verify_commit_signature_value(&env).unwrap();
        assert_eq!(v.form, CommitForm::CommitProof);
        assert_eq!(v.repository.as_deref(), Some("o/r"));
        assert_eq!(v.branch.as_deref(), Some("main"));
        let mut bad = env.clone();
        bad["payload"]["commit_sha"] = "deadbeef".into();
        assert_eq!(
            verify_commit_signature_value(&bad)
                .unwrap_err()
                .reason_code(),
            "HASH_MISMATCH"
        );
        let mut p2 = payload;
        p2["extra"] = 1.into();
        let env2 = crate::envelope::sign("commit_proof", &p2, &k, 1_700_000_000_000, None)
            .unwrap()
            .to_value();
        assert_eq!(
            verify_commit_signature_value(&env2)
                .unwrap_err()
                .reason_code(),
            "SCHEMA_VALIDATION_FAILED"
        );
    }
}
