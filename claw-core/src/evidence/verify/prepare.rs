//! Per-receipt work done as the receipts are gathered (docs/SPEC.md §6.3 steps 25–26 before
//! their verdicts): the tool-receipt envelopes' payload hashes and their signature jobs; and
//! the reference's generic gateway-receipt checks, which the gateway facts apply to each
//! receipt as they are read.

use super::super::batch::SigJob;
use super::super::par_map;
use super::super::receipts::{MAX_LATENCY_MS, MAX_TOKENS};
use super::super::schema::is_b64u_chars;
use super::failure::{Detail, Step, VerifyFailure};
use super::helpers::{arr, did_format_ok, did_key, js_hash, parse_ms, str_of};
use serde_json::Value;
use std::collections::HashMap;

/// A failure's variant, applied to its detail once the receipt's index is known.
pub(crate) type Variant = fn(Detail) -> VerifyFailure;

/// Why a gateway receipt failed the generic checks before its signature: a variant and a
/// fixed message (a receipt's fact, one word of data; [`GwFail::failure`] builds the failure).
#[derive(Clone, Copy)]
pub(crate) struct GwFail {
    variant: Variant,
    message: &'static str,
}

impl GwFail {
    /// The failure, in step 25's component.
    pub(crate) fn failure(self) -> VerifyFailure {
        (self.variant)(Detail::new(Step::Gateway, self.message, None))
    }

    /// The failure's message.
    pub(crate) fn message(self) -> &'static str {
        self.message
    }
}

impl std::fmt::Debug for GwFail {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}", self.failure().reason_code(), self.message)
    }
}

/// Per tool receipt envelope: hash outcome and signature job indices.
pub(crate) struct ToolPre {
    pub hash_ok: Option<Result<(), Variant>>,
    pub primary_job: Option<usize>,
    pub primary_key_ok: bool,
    pub cosig_jobs: Vec<Option<usize>>,
}

/// The tool receipts' hashes (in parallel) and their signature jobs, in receipt order.
pub(crate) fn prepare_tools<'a>(
    tools: &'a [Value],
    threads: usize,
) -> (Vec<ToolPre>, Vec<SigJob<'a>>) {
    // Each distinct DID is decoded once (point decompression is not free).
    let mut keys: HashMap<&str, Result<bool, ()>> = HashMap::new();
    for r in tools {
        for d in std::iter::once(str_of(r, "signer_did"))
            .chain(
                arr(r, "co_signatures")
                    .iter()
                    .map(|c| str_of(c, "signer_did")),
            )
            .flatten()
        {
            keys.entry(d)
                .or_insert_with(|| did_key(d).map(|k| k.is_some()));
        }
    }
    let key_ok = |d: &str| keys.get(d).copied().unwrap_or(Err(()));
    let tool_hash = par_map(tools, threads, |r| {
        r.get("envelope_type")?;
        let p = r.get("payload")?;
        Some(if str_of(r, "hash_algorithm") != Some("SHA-256") {
            Err(VerifyFailure::UnknownHashAlgorithm as Variant)
        } else if js_hash(p).as_deref() == str_of(r, "payload_hash_b64u") {
            Ok(())
        } else {
            Err(VerifyFailure::HashMismatch as Variant)
        })
    });
    let mut jobs: Vec<SigJob<'a>> = Vec::new();
    let mut tool_pre = Vec::with_capacity(tools.len());
    for (r, hash_ok) in tools.iter().zip(tool_hash) {
        let mut tp = ToolPre {
            hash_ok,
            primary_job: None,
            primary_key_ok: false,
            cosig_jobs: Vec::new(),
        };
        if tp.hash_ok.is_some() {
            let msg = str_of(r, "payload_hash_b64u").unwrap_or("").as_bytes();
            let signer = str_of(r, "signer_did").unwrap_or("");
            tp.primary_key_ok =
                str_of(r, "algorithm") == Some("Ed25519") && key_ok(signer) == Ok(true);
            jobs.push(SigJob {
                did: signer,
                msg,
                sig_b64u: str_of(r, "signature_b64u").unwrap_or(""),
            });
            tp.primary_job = Some(jobs.len() - 1);
            for co in arr(r, "co_signatures") {
                let did = str_of(co, "signer_did").unwrap_or("");
                let ok = str_of(co, "algorithm") == Some("Ed25519") && key_ok(did) == Ok(true);
                tp.cosig_jobs.push(ok.then(|| {
                    jobs.push(SigJob {
                        did,
                        msg,
                        sig_b64u: str_of(co, "signature_b64u").unwrap_or(""),
                    });
                    jobs.len() - 1
                }));
            }
        }
        tool_pre.push(tp);
    }
    (tool_pre, jobs)
}

/// The reference's generic receipt checks (§2 of the note), all but the signature; `key_ok`
/// is [`did_key`]'s outcome for a DID (usable key or not).
pub(crate) fn gateway_generic(
    r: &Value,
    allow: &[String],
    key_ok: &(dyn Fn(&str) -> Result<bool, ()> + Sync),
) -> Result<(), GwFail> {
    let e = |variant: Variant, message: &'static str| Err(GwFail { variant, message });
    let signer = str_of(r, "signer_did").unwrap_or("");
    if !did_format_ok(signer) {
        return e(VerifyFailure::InvalidDidFormat, "signer_did format");
    }
    if allow.is_empty() {
        return e(
            VerifyFailure::DependencyNotConfigured,
            "no gateway signer allowlist",
        );
    }
    if !allow.iter().any(|d| d == signer) {
        return e(
            VerifyFailure::ClaimNotFound,
            "signer_did is not allowlisted",
        );
    }
    let p = &r["payload"];
    let int_in = |k: &str, max: u64| {
        p.get(k)
            .and_then(Value::as_f64)
            .is_some_and(|x| x.fract() == 0.0 && x >= 0.0 && x <= max as f64)
    };
    if str_of(p, "receipt_version") != Some("1")
        || ["receipt_id", "gateway_id", "provider", "model"]
            .iter()
            .any(|k| str_of(p, k).is_none_or(str::is_empty))
        || !is_b64u_chars(str_of(p, "request_hash_b64u").unwrap_or(""))
        || !is_b64u_chars(str_of(p, "response_hash_b64u").unwrap_or(""))
        || !int_in("tokens_input", MAX_TOKENS)
        || !int_in("tokens_output", MAX_TOKENS)
        || !int_in("latency_ms", MAX_LATENCY_MS)
        || parse_ms(str_of(p, "timestamp")).is_none()
    {
        return e(
            VerifyFailure::MalformedEnvelope,
            "gateway receipt payload out of range",
        );
    }
    if str_of(r, "hash_algorithm") != Some("SHA-256")
        || js_hash(p).as_deref() != str_of(r, "payload_hash_b64u")
    {
        return e(
            VerifyFailure::HashMismatch,
            "payload_hash_b64u does not match",
        );
    }
    match key_ok(signer) {
        Err(()) => e(
            VerifyFailure::InvalidDidFormat,
            "signer_did is not an Ed25519 did:key",
        ),
        Ok(false) => e(VerifyFailure::SignatureInvalid, "signer key unusable"),
        Ok(true) => Ok(()),
    }
}
