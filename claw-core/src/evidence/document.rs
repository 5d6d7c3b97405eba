//! Which document a verifier input holds, decided once (docs/SPEC.md §6.8), and the
//! verified proof bundle every consumer reads.
//!
//! A verifier input is a proof-bundle envelope, `{"envelope": <envelope>}`, an export
//! bundle, or `{"bundle": <export bundle>}`. [`locate_document`] is the only place that
//! picks the value to verify; a root that carries members of more than one of those shapes
//! (`{"envelope": …, "payload": …}`, `{"bundle": …, "envelope": …}`, …) is refused with
//! `AMBIGUOUS_DOCUMENT`, so no surface can verify one value and show another.
//!
//! [`VerifiedBundle`] is what a consumer (report, pulse, receipt proofs) gets after a PASS:
//! the envelope exactly as verified. It can only be made by the verifier.

use super::verify::Verdict;
use serde_json::Value;

/// The reason code of an input whose root holds more than one document shape.
pub const AMBIGUOUS_DOCUMENT: &str = "AMBIGUOUS_DOCUMENT";

/// Members that make an object look like a proof-bundle envelope: an envelope's own
/// (`envelope::FIELDS`), the reference's `co_signatures`, and a wrapper's `envelope`.
fn is_envelope_member(k: &str) -> bool {
    crate::envelope::FIELDS.contains(&k) || matches!(k, "co_signatures" | "envelope")
}

/// Members that make an object look like an export bundle (or its wrapper).
const EXPORT_MEMBERS: [&str; 7] = [
    "export_version",
    "export_id",
    "created_at",
    "issuer_did",
    "manifest",
    "artifacts",
    "bundle",
];

/// The document found in a verifier input.
#[derive(Debug, Clone, Copy)]
pub enum Located<'a> {
    /// A proof bundle: the value to verify as a `proof_bundle` envelope (the root itself, or
    /// the root's `envelope` member). Anything that is no other shape lands here and fails
    /// the envelope checks.
    ProofBundle(&'a Value),
    /// An export bundle: the root (it carries `export_version`) or the root's `bundle`
    /// member (which does).
    Export(&'a Value),
}

/// A root with members of two document shapes.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("ambiguous document: {0}")]
pub struct AmbiguousDocument(pub String);

impl AmbiguousDocument {
    /// `AMBIGUOUS_DOCUMENT`.
    pub fn reason_code(&self) -> &'static str {
        AMBIGUOUS_DOCUMENT
    }
}

/// Pick the one document a verifier input holds (§6.8):
///
/// * a root with `envelope_version` is a proof-bundle envelope;
/// * a root with `export_version` is an export bundle;
/// * a root with `envelope` (and no `envelope_version`) wraps a proof-bundle envelope: the
///   wrapper may carry other members (`description`, …) but none of an envelope's or an
///   export bundle's;
/// * a root with `bundle` whose value carries `export_version` wraps an export bundle, with
///   the same rule;
/// * anything else is treated as a proof bundle (and fails its checks).
///
/// A root that is more than one of these, or a wrapper with members of either shape beside
/// its wrapped value, is [`AmbiguousDocument`].
pub fn locate_document(root: &Value) -> Result<Located<'_>, AmbiguousDocument> {
    let Some(o) = root.as_object() else {
        return Ok(Located::ProofBundle(root));
    };
    let has = |k: &str| o.contains_key(k);
    let export_inner = o
        .get("bundle")
        .filter(|b| b.get("export_version").is_some());
    let shapes = [
        ("envelope_version", has("envelope_version")),
        ("export_version", has("export_version")),
        ("envelope", has("envelope") && !has("envelope_version")),
        ("bundle", export_inner.is_some()),
    ];
    let found: Vec<&str> = shapes.iter().filter(|s| s.1).map(|s| s.0).collect();
    if found.len() > 1 {
        return Err(AmbiguousDocument(format!(
            "the root carries {} at once; it must hold exactly one document",
            found.join(" and ")
        )));
    }
    let foreign = |wrapped: &str| {
        o.keys()
            .filter(|k| k.as_str() != wrapped)
            .find(|k| is_envelope_member(k) || EXPORT_MEMBERS.contains(&k.as_str()))
            .map(|k| {
                AmbiguousDocument(format!(
                    "the wrapper of {wrapped:?} also carries {k:?}; only the wrapped document is read"
                ))
            })
    };
    match found.first().copied() {
        Some("envelope") => match foreign("envelope") {
            Some(e) => Err(e),
            None => Ok(Located::ProofBundle(&o["envelope"])),
        },
        Some("bundle") => match (foreign("bundle"), export_inner) {
            (Some(e), _) => Err(e),
            (None, Some(inner)) => Ok(Located::Export(inner)),
            (None, None) => Ok(Located::ProofBundle(root)),
        },
        Some("export_version") => match o.keys().find(|k| {
            is_envelope_member(k)
                && !EXPORT_MEMBERS.contains(&k.as_str())
                && !matches!(
                    k.as_str(),
                    // Members an export bundle has under the same names.
                    "hash_algorithm" | "signature_b64u" | "algorithm" | "issued_at" | "expires_at"
                )
        }) {
            Some(k) => Err(AmbiguousDocument(format!(
                "an export bundle that also carries the envelope member {k:?}"
            ))),
            None => Ok(Located::Export(root)),
        },
        Some("envelope_version") => match ["envelope", "bundle"].iter().find(|k| has(k)) {
            Some(k) => Err(AmbiguousDocument(format!(
                "a proof-bundle envelope that also carries {k:?}"
            ))),
            None => Ok(Located::ProofBundle(root)),
        },
        _ => Ok(Located::ProofBundle(root)),
    }
}

/// A proof bundle that verified VALID: the envelope exactly as the verifier checked it and
/// the verdict. Only the verifier makes one ([`super::verify_bundle_for_use`]); the report,
/// the Trust Pulse and receipt proofs read this value and never the input they came from.
#[derive(Debug, Clone)]
pub struct VerifiedBundle {
    envelope: Value,
    verdict: Verdict,
}

impl VerifiedBundle {
    pub(crate) fn new(envelope: Value, verdict: Verdict) -> VerifiedBundle {
        VerifiedBundle { envelope, verdict }
    }

    /// The verified `proof_bundle` envelope (legacy raw gateway receipt entries, which the
    /// verifier sets aside, are not in it).
    pub fn envelope(&self) -> &Value {
        &self.envelope
    }

    /// The envelope's `payload`: every member of it is covered by the signature.
    pub fn payload(&self) -> &Value {
        &self.envelope["payload"]
    }

    /// The verdict (VALID).
    pub fn verdict(&self) -> &Verdict {
        &self.verdict
    }

    /// The envelope's `issued_at`. **Not signed**: the signature covers
    /// `payload_hash_b64u` only (§6.8), so this is the producer's unauthenticated claim.
    pub fn unsigned_issued_at(&self) -> Option<&str> {
        self.envelope.get("issued_at").and_then(Value::as_str)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn kind(v: &Value) -> Result<&'static str, String> {
        match locate_document(v) {
            Ok(Located::ProofBundle(_)) => Ok("proof"),
            Ok(Located::Export(_)) => Ok("export"),
            Err(e) => Err(e.to_string()),
        }
    }

    #[test]
    fn one_shape_per_root() {
        assert_eq!(kind(&json!({"envelope_version": "1"})), Ok("proof"));
        assert_eq!(
            kind(&json!({"envelope": {}, "description": "x"})),
            Ok("proof")
        );
        assert_eq!(kind(&json!({"export_version": "1"})), Ok("export"));
        assert_eq!(
            kind(&json!({"bundle": {"export_version": "1"}})),
            Ok("export")
        );
        assert_eq!(kind(&json!({"bundle": 1})), Ok("proof"));
        assert_eq!(kind(&json!([1])), Ok("proof"));
        for bad in [
            json!({"envelope": {}, "payload": {}}),
            json!({"envelope": {}, "signature_b64u": "x"}),
            json!({"bundle": {"export_version": "1"}, "envelope": {}}),
            json!({"bundle": {"export_version": "1"}, "payload": {}}),
            json!({"envelope_version": "1", "export_version": "1"}),
            json!({"envelope_version": "1", "envelope": {}}),
            json!({"export_version": "1", "payload": {}}),
            json!({"export_version": "1", "bundle": {"export_version": "1"}}),
        ] {
            assert!(kind(&bad).is_err(), "{bad}");
        }
    }
}
