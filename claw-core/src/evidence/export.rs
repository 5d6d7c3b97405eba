//! Offline verification of audit-ready export bundles (`export_bundle.v1`): one signed JSON
//! document carrying a proof bundle envelope and optional execution, derivation and
//! audit-result attestation envelopes, with a content-addressed manifest of them. The
//! checks, their order and their reason codes are those of the reference verifier
//! (`verifyExportBundle` followed by its CLI's strict receipt layer); docs/SPEC.md §6.7
//! lists every step.

use super::config::Allowlists;
use super::document::{locate_document, Located};
use super::schema::{self, ArrayLimits, SchemaError};
use super::verify::{
    arr, did_format_ok, did_key, invalid_json, js_hash, parse_input, verdict_json,
    verify_bundle_value, verify_log_inclusion_proof, Component, ComponentStatus, ProofTier,
    Verdict, VerifyConfig,
};
use crate::cst::js_trim;
use crate::json;
use crate::{hash, time};
use serde_json::{json, Map, Value};
use std::collections::HashMap;

/// The allowance the reference applies to the export bundle's own `issued_at` (future) and
/// `expires_at` checks, and which its CLI never changes (5 minutes).
pub const EXPORT_TTL_SKEW_MS: i64 = 300_000;

/// The only `content_type` a manifest entry may have: every artifact is JSON.
pub const EXPORT_CONTENT_TYPE: &str = "application/json";

/// The verifier's answer for an export bundle.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportVerdict {
    /// Whether every check passed.
    pub valid: bool,
    /// `OK` when valid, else one reason code.
    pub reason_code: &'static str,
    /// A human-readable explanation of `reason_code`.
    pub reason: String,
    /// Path of the failing field, when known (`manifest.entries[…].sha256_b64u`,
    /// `artifacts.proof_bundle_envelope.payload_hash_b64u`, …).
    pub field: Option<String>,
    /// RFC 3339 time of the verification (the injected clock).
    pub verified_at: String,
    /// The export's `export_id`, when it could be read.
    pub export_id: Option<String>,
    /// The export envelope's signer, when it could be read.
    pub issuer_did: Option<String>,
    /// The proof bundle envelope's `payload_hash_b64u`, when it could be read.
    pub bundle_hash_b64u: Option<String>,
    /// Manifest entries matched against the artifacts (all of them, or 0).
    pub manifest_entries_verified: usize,
    /// Execution attestations whose signature and subject verified.
    pub execution_attestations_verified: usize,
    /// Derivation attestations whose signature and subject verified.
    pub derivation_attestations_verified: usize,
    /// Audit-result attestations whose signature and subject verified.
    pub audit_result_attestations_verified: usize,
    /// `input, schema, timestamps, manifest, signature, proof_bundle,
    /// execution_attestations, derivation_attestations, audit_result_attestations`, as far
    /// as verification got.
    pub components: Vec<Component>,
    /// The contained proof bundle's own verdict, once it was verified.
    pub proof_bundle: Option<Verdict>,
}

impl ExportVerdict {
    /// A component by name.
    pub fn component(&self, name: &str) -> Option<&Component> {
        self.components.iter().find(|c| c.name == name)
    }

    /// The contained proof bundle's tier when the export bundle is valid, else `unknown`.
    pub fn proof_tier(&self) -> ProofTier {
        match &self.proof_bundle {
            Some(v) if self.valid => v.proof_tier,
            _ => ProofTier::Unknown,
        }
    }

    /// `{kind: "export_bundle", status: PASS|FAIL, reason_code, reason, verified_at,
    /// proof_tier, export_id?, issuer_did?, bundle_hash_b64u?, field?, components: {name:
    /// {status, code, detail}}, counts: {manifest_entries, execution_attestations,
    /// derivation_attestations, audit_result_attestations}, proof_bundle?: <the proof
    /// bundle verdict's JSON>}` (keys sorted).
    pub fn to_json(&self) -> Value {
        let mut m = verdict_json(
            self.head(),
            self.proof_tier(),
            &self.components,
            [
                ("export_id", &self.export_id),
                ("issuer_did", &self.issuer_did),
                ("bundle_hash_b64u", &self.bundle_hash_b64u),
            ],
            json!({
                "manifest_entries": self.manifest_entries_verified,
                "execution_attestations": self.execution_attestations_verified,
                "derivation_attestations": self.derivation_attestations_verified,
                "audit_result_attestations": self.audit_result_attestations_verified,
            }),
        );
        m.insert("kind".into(), Value::String("export_bundle".into()));
        if let Some(pb) = &self.proof_bundle {
            m.insert("proof_bundle".into(), pb.to_json());
        }
        json::sorted(&Value::Object(m))
    }
}

/// Whether a parsed document is an export bundle (or `{"bundle": <export bundle>}`, the
/// reference's fixture form) rather than a proof bundle, by [`locate_document`]'s rule (an
/// ambiguous root is neither).
pub fn is_export_bundle(v: &Value) -> bool {
    matches!(locate_document(v), Ok(Located::Export(_)))
}

/// Verify an export bundle: the bundle JSON, or an object `{"bundle": …}` wrapping it.
/// Strict JSON parse with `cfg.limits` (`INVALID_JSON`), then
/// [`verify_export_bundle_value`].
pub fn verify_export_bundle(bytes: &[u8], cfg: &VerifyConfig) -> ExportVerdict {
    match parse_input(bytes, cfg) {
        Ok(v) => {
            let out = verify_export_bundle_value(&v, cfg);
            json::drop_with_threads(v, cfg.thread_count());
            out
        }
        Err(e) => Ctx::new(cfg).finish(Err(fail("input", "INVALID_JSON", e.to_string(), None))),
    }
}

/// The verdict on a document that may be a proof bundle or an export bundle.
#[derive(Debug, Clone)]
#[allow(clippy::large_enum_variant)] // one value per verification, returned once
pub enum DocumentVerdict {
    /// It was a proof bundle (or not JSON at all: `INVALID_JSON`, as from [`verify_bundle`]).
    ///
    /// [`verify_bundle`]: super::verify_bundle
    Proof(Verdict),
    /// It carried `export_version` ([`is_export_bundle`]).
    Export(ExportVerdict),
    /// It was an `aggregate_bundle` envelope ([`super::is_aggregate_bundle`]).
    Aggregate(super::AggregateVerdict),
}

/// Verify `bytes` as an aggregate bundle when it is an `aggregate_bundle` envelope, as an
/// export bundle when the document carries `export_version`, else as a proof bundle,
/// parsing it once (what `claw bundle verify` does).
pub fn verify_document(bytes: &[u8], cfg: &VerifyConfig) -> DocumentVerdict {
    // A large proof bundle is verified without its tree (export and aggregate bundles are
    // not taken there).
    if let Some(v) = super::verify::verify_streamed(bytes, cfg) {
        return DocumentVerdict::Proof(v);
    }
    match parse_input(bytes, cfg) {
        Ok(doc) => {
            // An ambiguous root is refused by the proof-bundle verifier (AMBIGUOUS_DOCUMENT).
            let out = if super::is_aggregate_bundle(&doc) {
                DocumentVerdict::Aggregate(super::verify_aggregate_bundle_value(&doc, cfg))
            } else if is_export_bundle(&doc) {
                DocumentVerdict::Export(verify_export_bundle_value(&doc, cfg))
            } else {
                DocumentVerdict::Proof(verify_bundle_value(&doc, cfg))
            };
            json::drop_with_threads(doc, cfg.thread_count());
            out
        }
        Err(e) => DocumentVerdict::Proof(invalid_json(cfg, &e)),
    }
}

/// Verify an already parsed (strict) export bundle. The contained proof bundle is checked
/// with [`verify_bundle_value`] under the same `cfg` (allowlists, limits, causal mode,
/// policy replay, time); attestations against `cfg.allowlists`
/// (`execution_attestation_signer_dids`, `derivation_attestation_signer_dids`,
/// `audit_result_attestation_signer_dids`: an empty list fails closed, as in the
/// reference), their log inclusion proofs against `cfg.trusted_log_signer_dids`.
pub fn verify_export_bundle_value(v: &Value, cfg: &VerifyConfig) -> ExportVerdict {
    // As the reference CLI: a `bundle` member is the export bundle; the one rule of
    // [`locate_document`] decides (§6.8).
    let mut ctx = Ctx::new(cfg);
    let outcome = match locate_document(v) {
        Ok(Located::Export(bundle)) => run(&mut ctx, bundle),
        Ok(Located::ProofBundle(_)) => run(&mut ctx, v),
        Err(e) => Err(fail("input", e.reason_code(), e.to_string(), None)),
    };
    ctx.finish(outcome)
}

// ---------------------------------------------------------------------------------------
// The algorithm
// ---------------------------------------------------------------------------------------

/// A fatal finding.
struct Fail {
    component: &'static str,
    code: &'static str,
    reason: String,
    field: Option<String>,
}

fn fail(
    component: &'static str,
    code: &'static str,
    reason: impl Into<String>,
    field: Option<&str>,
) -> Fail {
    Fail {
        component,
        code,
        reason: reason.into(),
        field: field.map(str::to_string),
    }
}

struct Ctx<'c> {
    cfg: &'c VerifyConfig,
    out: ExportVerdict,
}

impl<'c> Ctx<'c> {
    fn new(cfg: &'c VerifyConfig) -> Ctx<'c> {
        Ctx {
            cfg,
            out: ExportVerdict {
                valid: false,
                reason_code: "OK",
                reason: String::new(),
                field: None,
                verified_at: time::format_rfc3339_millis(cfg.now_ms),
                export_id: None,
                issuer_did: None,
                bundle_hash_b64u: None,
                manifest_entries_verified: 0,
                execution_attestations_verified: 0,
                derivation_attestations_verified: 0,
                audit_result_attestations_verified: 0,
                components: Vec::new(),
                proof_bundle: None,
            },
        }
    }

    fn set(&mut self, name: &'static str, status: ComponentStatus, detail: impl Into<String>) {
        self.out.components.push(Component {
            name,
            status,
            code: "OK",
            detail: detail.into(),
        });
    }

    fn finish(self, outcome: Result<(), Fail>) -> ExportVerdict {
        let mut out = self.out;
        match outcome {
            Ok(()) => {
                out.valid = true;
                out.reason_code = "OK";
                out.reason = "export bundle verified".into();
            }
            Err(f) => {
                out.components.push(Component {
                    name: f.component,
                    status: ComponentStatus::Fail,
                    code: f.code,
                    detail: f.reason.clone(),
                });
                out.valid = false;
                out.reason_code = f.code;
                out.reason = f.reason;
                out.field = f.field;
                out.manifest_entries_verified = 0;
                out.execution_attestations_verified = 0;
                out.derivation_attestations_verified = 0;
                out.audit_result_attestations_verified = 0;
            }
        }
        out
    }
}

/// The three attestation arrays, in the order the reference verifies them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Execution,
    Derivation,
    AuditResult,
}

const KINDS: [Kind; 3] = [Kind::Execution, Kind::Derivation, Kind::AuditResult];

impl Kind {
    fn array(self) -> &'static str {
        match self {
            Kind::Execution => "execution_attestation_envelopes",
            Kind::Derivation => "derivation_attestation_envelopes",
            Kind::AuditResult => "audit_result_attestation_envelopes",
        }
    }
    fn component(self) -> &'static str {
        match self {
            Kind::Execution => "execution_attestations",
            Kind::Derivation => "derivation_attestations",
            Kind::AuditResult => "audit_result_attestations",
        }
    }
    fn allowlist(self, a: &Allowlists) -> (&[String], &'static str) {
        match self {
            Kind::Execution => (
                &a.execution_attestation_signer_dids,
                "allowlists.execution_attestation_signer_dids",
            ),
            Kind::Derivation => (
                &a.derivation_attestation_signer_dids,
                "allowlists.derivation_attestation_signer_dids",
            ),
            Kind::AuditResult => (
                &a.audit_result_attestation_signer_dids,
                "allowlists.audit_result_attestation_signer_dids",
            ),
        }
    }
}

fn str_of<'a>(v: &'a Value, k: &str) -> &'a str {
    v.get(k).and_then(Value::as_str).unwrap_or("")
}

fn parse_ms(s: &str) -> Option<i64> {
    time::parse_rfc3339_millis(s).ok()
}

/// One manifest entry the artifacts call for.
struct Expected {
    path: String,
    sha256_b64u: String,
    size_bytes: usize,
}

/// `artifacts/proof_bundle_envelope.json` and `artifacts/<array>/<index>.json`, each hashed
/// over the JCS bytes of the artifact, sorted by path. (Byte order; for these ASCII paths it
/// is the order of the reference's `localeCompare`.)
fn expected_entries(artifacts: &Value) -> Result<Vec<Expected>, json::JsonError> {
    let entry = |path: String, v: &Value| -> Result<Expected, json::JsonError> {
        let bytes = json::canonicalize(v)?;
        Ok(Expected {
            path,
            sha256_b64u: hash::sha256_b64u(&bytes),
            size_bytes: bytes.len(),
        })
    };
    let mut out = vec![entry(
        "artifacts/proof_bundle_envelope.json".into(),
        &artifacts["proof_bundle_envelope"],
    )?];
    for kind in KINDS {
        for (i, a) in arr(artifacts, kind.array()).iter().enumerate() {
            out.push(entry(format!("artifacts/{}/{i}.json", kind.array()), a)?);
        }
    }
    out.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(out)
}

/// JCS of the signed view `{export_version, export_id, created_at, issuer_did, manifest,
/// artifacts, issued_at, expires_at?, metadata?}` (everything but `bundle_hash_b64u`,
/// `hash_algorithm`, `signature_b64u`, `algorithm`), written member by member so the
/// artifacts are not copied.
fn signed_view_jcs(bundle: &Map<String, Value>) -> Result<Vec<u8>, json::JsonError> {
    // The members in JCS (UTF-16) order.
    const SIGNED: [&str; 9] = [
        "artifacts",
        "created_at",
        "expires_at",
        "export_id",
        "export_version",
        "issued_at",
        "issuer_did",
        "manifest",
        "metadata",
    ];
    let mut out = vec![b'{'];
    for k in SIGNED {
        let Some(v) = bundle.get(k) else { continue };
        if out.len() > 1 {
            out.push(b',');
        }
        out.push(b'"');
        out.extend_from_slice(k.as_bytes());
        out.extend_from_slice(b"\":");
        out.extend_from_slice(&json::canonicalize(v)?);
    }
    out.push(b'}');
    Ok(out)
}

#[allow(clippy::too_many_lines)]
fn run(ctx: &mut Ctx<'_>, b: &Value) -> Result<(), Fail> {
    let cfg = ctx.cfg;

    // 1. Schema: export_bundle.v1 with every artifact's envelope schema.
    let limits = ArrayLimits {
        receipts: cfg.limits.max_receipts,
        rate_limit_claims: cfg.limits.max_rate_limit_claims,
    };
    if let Err(e) = schema::export_bundle(limits).validate(b, "$") {
        let SchemaError {
            path,
            message,
            unsupported,
        } = e;
        let code = if unsupported {
            "UNKNOWN_SCHEMA_ID"
        } else {
            "SCHEMA_VALIDATION_FAILED"
        };
        return Err(Fail {
            component: "schema",
            code,
            reason: format!("{path}: {message}"),
            field: Some(path),
        });
    }
    ctx.set("schema", ComponentStatus::Pass, "export_bundle.v1");
    let Some(bo) = b.as_object() else {
        return Err(fail(
            "schema",
            "SCHEMA_VALIDATION_FAILED",
            "$: must be object",
            None,
        ));
    };
    let issuer = str_of(b, "issuer_did");
    ctx.out.export_id = Some(str_of(b, "export_id").to_string());
    ctx.out.issuer_did = Some(issuer.to_string());
    ctx.out.bundle_hash_b64u = Some(str_of(b, "bundle_hash_b64u").to_string());

    // 2. Issuer DID and timestamps.
    const T: &str = "timestamps";
    if !did_format_ok(issuer) {
        return Err(fail(
            "signature",
            "INVALID_DID_FORMAT",
            "issuer_did is not a did:key/did:web DID",
            Some("issuer_did"),
        ));
    }
    let (Some(created), Some(issued)) = (
        parse_ms(str_of(b, "created_at")),
        parse_ms(str_of(b, "issued_at")),
    ) else {
        let f = if parse_ms(str_of(b, "created_at")).is_none() {
            "created_at"
        } else {
            "issued_at"
        };
        return Err(fail(
            T,
            "MALFORMED_ENVELOPE",
            "created_at and issued_at must be date-times",
            Some(f),
        ));
    };
    let expires = match b.get("expires_at") {
        None => None,
        Some(x) => match x.as_str().and_then(parse_ms) {
            Some(ms) => Some(ms),
            None => {
                return Err(fail(
                    T,
                    "MALFORMED_ENVELOPE",
                    "expires_at must be a date-time",
                    Some("expires_at"),
                ))
            }
        },
    };
    if created > issued {
        return Err(fail(
            T,
            "CAUSAL_CLOCK_CONTRADICTION",
            "created_at is after issued_at",
            Some("created_at"),
        ));
    }
    if issued > cfg.now_ms.saturating_add(EXPORT_TTL_SKEW_MS) {
        return Err(fail(
            T,
            "FUTURE_TIMESTAMP_POISONING",
            "issued_at is in the future beyond the 5-minute allowance",
            Some("issued_at"),
        ));
    }
    if let Some(exp) = expires {
        if cfg.now_ms > exp.saturating_add(EXPORT_TTL_SKEW_MS) {
            return Err(fail(
                T,
                "EXPIRED_TTL",
                "export bundle expired",
                Some("expires_at"),
            ));
        }
    }
    ctx.set(
        T,
        ComponentStatus::Pass,
        "created_at <= issued_at, not in the future, not expired",
    );

    // 3. Manifest: exactly one entry per artifact, each with its JCS hash and size.
    const M: &str = "manifest";
    let artifacts = &b["artifacts"];
    let entries = arr(&b["manifest"], "entries");
    let expected = expected_entries(artifacts).map_err(|e| {
        fail(
            M,
            "CANONICALIZATION_ERROR",
            format!("an artifact cannot be canonicalized: {e}"),
            Some("artifacts"),
        )
    })?;
    let mut provided: HashMap<&str, &Value> = HashMap::with_capacity(entries.len());
    for e in entries {
        let p = str_of(e, "path");
        if provided.insert(p, e).is_some() {
            return Err(fail(
                M,
                "MALFORMED_ENVELOPE",
                format!("duplicate manifest path {p:?}"),
                Some("manifest.entries.path"),
            ));
        }
    }
    if entries.len() != expected.len() {
        return Err(fail(
            M,
            "MISSING_REQUIRED_FIELD",
            format!(
                "manifest.entries has {} entries, the artifacts call for {}",
                entries.len(),
                expected.len()
            ),
            Some("manifest.entries"),
        ));
    }
    for x in &expected {
        let field = |k: &str| format!("manifest.entries[{}].{k}", x.path);
        let Some(e) = provided.get(x.path.as_str()) else {
            return Err(fail(
                M,
                "MISSING_REQUIRED_FIELD",
                format!("manifest has no entry for {}", x.path),
                Some("manifest.entries.path"),
            ));
        };
        if str_of(e, "sha256_b64u") != x.sha256_b64u {
            return Err(fail(
                M,
                "HASH_MISMATCH",
                format!("manifest hash mismatch for {}", x.path),
                Some(&field("sha256_b64u")),
            ));
        }
        if str_of(e, "content_type") != EXPORT_CONTENT_TYPE {
            return Err(fail(
                M,
                "MALFORMED_ENVELOPE",
                format!("content_type of {} must be {EXPORT_CONTENT_TYPE}", x.path),
                Some(&field("content_type")),
            ));
        }
        // A JSON number; 835 and 835.0 are the same size, as in JavaScript.
        if e.get("size_bytes").and_then(Value::as_f64) != Some(x.size_bytes as f64) {
            return Err(fail(
                M,
                "HASH_MISMATCH",
                format!("manifest size_bytes mismatch for {}", x.path),
                Some(&field("size_bytes")),
            ));
        }
    }
    ctx.set(
        M,
        ComponentStatus::Pass,
        format!("{} entries match their artifacts", expected.len()),
    );

    // 4. Bundle hash and the issuer's signature.
    const S: &str = "signature";
    let claimed = str_of(b, "bundle_hash_b64u");
    let computed = signed_view_jcs(bo).map(hash::sha256_b64u).map_err(|e| {
        fail(
            S,
            "CANONICALIZATION_ERROR",
            format!("the bundle cannot be canonicalized: {e}"),
            None,
        )
    })?;
    if computed != claimed {
        return Err(fail(
            S,
            "HASH_MISMATCH",
            "bundle_hash_b64u does not match the bundle",
            Some("bundle_hash_b64u"),
        ));
    }
    let Ok(key) = did_key(issuer) else {
        return Err(fail(
            S,
            "INVALID_DID_FORMAT",
            "issuer_did is not an Ed25519 did:key",
            Some("issuer_did"),
        ));
    };
    let sig = str_of(b, "signature_b64u");
    if sig.len() % 4 == 1 {
        return Err(fail(
            S,
            "MALFORMED_ENVELOPE",
            "signature_b64u is not valid base64url",
            Some("signature_b64u"),
        ));
    }
    if key.is_none_or(|k| k.verify_b64u(claimed.as_bytes(), sig).is_err()) {
        return Err(fail(
            S,
            "SIGNATURE_INVALID",
            "signature_b64u does not verify bundle_hash_b64u for issuer_did",
            Some("signature_b64u"),
        ));
    }
    ctx.set(S, ComponentStatus::Pass, "bundle hash signed by issuer_did");

    // 5. The proof bundle, with the proof bundle verifier. A failure of its strict receipt
    // layer (component `gateway`) is reported after the attestations, where the reference
    // CLI applies it.
    const P: &str = "proof_bundle";
    let pbe = &artifacts["proof_bundle_envelope"];
    let nested = verify_bundle_value(pbe, cfg);
    let nested_fail = |v: &Verdict| Fail {
        component: P,
        code: v.reason_code,
        reason: format!("proof bundle: {}", v.reason),
        field: Some(match &v.field {
            Some(f) => format!("artifacts.proof_bundle_envelope.{f}"),
            None => "artifacts.proof_bundle_envelope".to_string(),
        }),
    };
    let mut deferred = None;
    if !nested.valid {
        let f = nested_fail(&nested);
        let strict_layer = nested
            .components
            .last()
            .is_some_and(|c| c.name == "gateway" && c.status == ComponentStatus::Fail);
        if !strict_layer {
            ctx.out.proof_bundle = Some(nested);
            return Err(f);
        }
        deferred = Some(f);
    }
    if nested.valid {
        ctx.set(
            P,
            ComponentStatus::Pass,
            format!(
                "proof bundle verified (tier {})",
                nested.proof_tier.as_str()
            ),
        );
    }
    let pb_hash = str_of(pbe, "payload_hash_b64u");
    let pb_payload = &pbe["payload"];
    let pb_agent = str_of(pb_payload, "agent_did");
    let pb_run = arr(pb_payload, "event_chain")
        .first()
        .map(|e| str_of(e, "run_id"))
        .filter(|r| !r.is_empty());
    ctx.out.proof_bundle = Some(nested);

    // 6. Attestations, each verified on its own, then bound to the proof bundle.
    for kind in KINDS {
        let items = arr(artifacts, kind.array());
        for (i, env) in items.iter().enumerate() {
            let at = format!("artifacts.{}[{i}]", kind.array());
            verify_attestation(kind, env, cfg).map_err(|(code, m, f)| Fail {
                component: kind.component(),
                code,
                reason: format!("{}[{i}]: {m}", kind.array()),
                field: Some(match f {
                    Some(f) => format!("{at}.{f}"),
                    None => at.clone(),
                }),
            })?;
            let p = &env["payload"];
            let bind = |what: &str, f: &str| Fail {
                component: kind.component(),
                code: "HASH_MISMATCH",
                reason: format!(
                    "{}[{i}]: {what} differs from the proof bundle's",
                    kind.array()
                ),
                field: Some(format!("{at}.payload.{f}")),
            };
            if kind == Kind::Execution {
                if str_of(p, "proof_bundle_hash_b64u") != pb_hash {
                    return Err(bind("proof_bundle_hash_b64u", "proof_bundle_hash_b64u"));
                }
                if pb_run.is_some_and(|r| str_of(p, "run_id") != r) {
                    return Err(bind("run_id", "run_id"));
                }
                if str_of(p, "agent_did") != pb_agent {
                    return Err(bind("agent_did", "agent_did"));
                }
            } else {
                let h = p
                    .get("execution")
                    .and_then(|x| x.get("proof_bundle_hash_b64u"))
                    .and_then(Value::as_str)
                    .filter(|h| !h.is_empty());
                if h.is_some_and(|h| h != pb_hash) {
                    return Err(bind(
                        "execution.proof_bundle_hash_b64u",
                        "execution.proof_bundle_hash_b64u",
                    ));
                }
            }
        }
        match kind {
            Kind::Execution => ctx.out.execution_attestations_verified = items.len(),
            Kind::Derivation => ctx.out.derivation_attestations_verified = items.len(),
            Kind::AuditResult => ctx.out.audit_result_attestations_verified = items.len(),
        }
        if items.is_empty() {
            ctx.set(kind.component(), ComponentStatus::Skipped, "none");
        } else {
            ctx.set(
                kind.component(),
                ComponentStatus::Pass,
                format!("{} verified and bound to the proof bundle", items.len()),
            );
        }
    }

    // 7. The proof bundle's strict receipt layer, deferred from step 5.
    if let Some(f) = deferred {
        return Err(f);
    }
    ctx.out.manifest_entries_verified = expected.len();
    Ok(())
}

/// One attestation envelope, in the reference's check order after its schema (which the
/// export bundle's schema already applied: structure, version, type, algorithms, patterns,
/// dates). Returns (code, message, field relative to the envelope).
fn verify_attestation(
    kind: Kind,
    env: &Value,
    cfg: &VerifyConfig,
) -> Result<(), (&'static str, String, Option<&'static str>)> {
    let err = |code: &'static str, m: &str, f: Option<&'static str>| Err((code, m.to_string(), f));
    let signer = str_of(env, "signer_did");
    if !did_format_ok(signer) {
        return err(
            "INVALID_DID_FORMAT",
            "signer_did is not a did:key/did:web DID",
            Some("signer_did"),
        );
    }
    let (allow, allow_name) = kind.allowlist(&cfg.allowlists);
    if allow.is_empty() {
        return Err((
            "DEPENDENCY_NOT_CONFIGURED",
            format!("{allow_name} is not configured (an attestation cannot be trusted without it)"),
            Some("signer_did"),
        ));
    }
    if !allow.iter().any(|d| d == signer) {
        return Err((
            "CLAIM_NOT_FOUND",
            format!("signer {signer} is not in {allow_name}"),
            Some("signer_did"),
        ));
    }
    if parse_ms(str_of(env, "issued_at")).is_none() {
        return err(
            "MALFORMED_ENVELOPE",
            "issued_at is not a date-time",
            Some("issued_at"),
        );
    }
    let claimed = str_of(env, "payload_hash_b64u");
    let sig = str_of(env, "signature_b64u");
    if !schema::is_b64u_chars(claimed) || !schema::is_b64u_chars(sig) {
        return err(
            "MALFORMED_ENVELOPE",
            "payload_hash_b64u / signature_b64u are not base64url",
            None,
        );
    }
    let payload = &env["payload"];
    if kind == Kind::Execution {
        if !execution_payload_ok(payload) {
            return err(
                "SCHEMA_VALIDATION_FAILED",
                "payload does not carry what execution_attestation.v1 verification needs \
                 (run_id, proof_bundle_hash_b64u, did:key/did:web agent and attester)",
                Some("payload"),
            );
        }
        if str_of(payload, "attester_did") != signer {
            return err(
                "SIGNATURE_INVALID",
                "payload.attester_did differs from signer_did",
                Some("payload.attester_did"),
            );
        }
    }
    let computed = js_hash(payload);
    if str_of(env, "hash_algorithm") != "SHA-256" || computed.as_deref() != Some(claimed) {
        return err(
            "HASH_MISMATCH",
            "payload_hash_b64u does not match the payload",
            Some("payload_hash_b64u"),
        );
    }
    let Ok(key) = did_key(signer) else {
        return err(
            "INVALID_DID_FORMAT",
            "signer_did is not an Ed25519 did:key",
            Some("signer_did"),
        );
    };
    if key.is_none_or(|k| k.verify_b64u(claimed.as_bytes(), sig).is_err()) {
        return err(
            "SIGNATURE_INVALID",
            "signature does not verify for signer_did",
            Some("signature_b64u"),
        );
    }
    match kind {
        Kind::Execution => {
            if str_of(payload, "execution_type") == "tee_execution" {
                let tee = payload.get("runtime_metadata").and_then(|m| m.get("tee"));
                let claim = |k: &str| tee.map_or("", |t| js_trim(str_of(t, k)));
                if claim("root_id").is_empty() || claim("tcb_version").is_empty() {
                    return err(
                        "SCHEMA_VALIDATION_FAILED",
                        "tee_execution needs runtime_metadata.tee.root_id and tcb_version",
                        Some("payload.runtime_metadata.tee"),
                    );
                }
                // The reference needs TEE root and TCB allowlists, which no verifier
                // configuration carries: a TEE attestation cannot pass offline.
                return err(
                    "DEPENDENCY_NOT_CONFIGURED",
                    "tee_execution attestations need a TEE root allowlist, which is not configured",
                    Some("payload.runtime_metadata.tee.root_id"),
                );
            }
        }
        Kind::Derivation | Kind::AuditResult => {
            if let Some(proof) = payload
                .get("clawlogs")
                .filter(|c| c.is_object())
                .and_then(|c| c.get("inclusion_proof"))
            {
                verify_log_inclusion_proof(proof, &cfg.trusted_log_signer_dids, None).map_err(
                    |e| {
                        (
                            e.reason_code(),
                            format!("clawlogs inclusion proof: {}", e.message()),
                            Some("payload.clawlogs.inclusion_proof"),
                        )
                    },
                )?;
            }
        }
    }
    Ok(())
}

/// The reference's extra payload rules for execution attestations (beyond the schema):
/// `run_id` and `proof_bundle_hash_b64u` are required, DIDs are did:key/did:web.
fn execution_payload_ok(p: &Value) -> bool {
    let s = |k: &str| p.get(k).and_then(Value::as_str);
    s("attestation_version") == Some("1")
        && s("attestation_id").is_some_and(|x| !js_trim(x).is_empty())
        && matches!(
            s("execution_type"),
            Some("sandbox_execution" | "tee_execution")
        )
        && s("agent_did").is_some_and(did_format_ok)
        && s("attester_did").is_some_and(did_format_ok)
        && s("run_id").is_some_and(|x| !js_trim(x).is_empty())
        && s("proof_bundle_hash_b64u")
            .is_some_and(|x| js_trim(x).chars().count() >= 8 && schema::is_b64u_chars(x))
        && s("issued_at").and_then(parse_ms).is_some()
        && p.get("expires_at")
            .is_none_or(|x| x.as_str().and_then(parse_ms).is_some())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signed_view_is_jcs_of_the_view() {
        let b = json!({
            "export_version": "1", "export_id": "e", "created_at": "c", "issuer_did": "d",
            "manifest": {"z": 1, "a": [2, {"y": "\u{e9}", "b": null}]},
            "artifacts": {"proof_bundle_envelope": {"k": 1.5}},
            "issued_at": "i", "expires_at": "x", "metadata": {"m": true},
            "bundle_hash_b64u": "h", "hash_algorithm": "SHA-256", "signature_b64u": "s",
            "algorithm": "Ed25519"
        });
        let mut view = b.as_object().unwrap().clone();
        for k in [
            "bundle_hash_b64u",
            "hash_algorithm",
            "signature_b64u",
            "algorithm",
        ] {
            view.remove(k);
        }
        let want = json::canonicalize(&Value::Object(view.clone())).unwrap();
        assert_eq!(signed_view_jcs(b.as_object().unwrap()).unwrap(), want);
        view.remove("expires_at");
        view.remove("metadata");
        let mut without = b.as_object().unwrap().clone();
        without.remove("expires_at");
        without.remove("metadata");
        assert_eq!(
            signed_view_jcs(&without).unwrap(),
            json::canonicalize(&Value::Object(view)).unwrap()
        );
    }

    #[test]
    fn js_trim_and_detection() {
        assert_eq!(js_trim("\u{feff} a \n"), "a");
        // JavaScript's trim keeps U+0085 (NEL, not WhiteSpace there): an id of only NEL is
        // not empty to the reference, so not to claw either.
        assert_eq!(js_trim("\u{85}"), "\u{85}");
        assert!(is_export_bundle(&json!({"export_version": "1"})));
        assert!(is_export_bundle(
            &json!({"bundle": {"export_version": "1"}})
        ));
        assert!(!is_export_bundle(&json!({"envelope_version": "1"})));
        assert!(!is_export_bundle(&json!({"bundle": 1})));
        assert!(!is_export_bundle(&json!([1])));
    }
}
