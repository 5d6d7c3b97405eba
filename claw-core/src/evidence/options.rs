//! The verifier's options, one set for every surface (docs/SPEC.md §12): the reference's
//! `clawverify.config.*.json` format (`config_version`, `allowlists`) plus claw's members.
//! The CLI's `--config`, the C ABI's `config_json` (hence Node and Go), and Python's
//! `config` all read exactly this; the bindings only convert.
//!
//! Unknown top-level members and unknown allowlist names are refused (`CONFIG_ERROR`): a
//! misspelt `causal_mode` silently verifying in the default mode is the failure this rule
//! exists for. Messages quote outside text as is: every surface escapes at its sink
//! ([`crate::escape`]). One exception: `trusted_signer_dids`, which the reference's own config files
//! carry and its loader ignores, is accepted and ignored.

use super::causal::CausalMode;
use super::config::Allowlists;
use super::verify::{PolicyReplay, VerifyConfig};
use super::SigMode;
use crate::error::{Error, ErrorKind};
use crate::json;
use serde_json::{Map, Value};

/// Largest options document read (a config with a URM and a policy fits easily).
pub const MAX_OPTIONS_BYTES: usize = 4 * 1024 * 1024;

/// A signed Work Policy Contract to replay tool receipts against, and who may have signed it.
#[derive(Debug, Clone, PartialEq)]
pub struct WpcReplayOptions {
    /// The signed `work_policy_contract` envelope.
    pub envelope: Value,
    /// Trusted signers of the envelope (at least one).
    pub signers: Vec<String>,
}

/// Every option of the verifier. `Default` is the reference's behaviour: no allowlists,
/// causal `enforce`, no URM, no replay, claw's limits.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct VerifyOptions {
    /// `allowlists`: the reference's six lists of trusted DIDs.
    pub allowlists: Allowlists,
    /// `causal_mode`: `enforce` (default), `warn` or `observe`.
    pub causal_mode: Option<CausalMode>,
    /// `ttl_skew_ms`: allowance added to `expires_at` (default 0).
    pub ttl_skew_ms: Option<i64>,
    /// `trusted_log_signer_dids`: log operators whose signed roots are accepted (empty = any).
    pub trusted_log_signer_dids: Vec<String>,
    /// `spec_strict`: protocol-text checks the reference does not make (default false).
    pub spec_strict: bool,
    /// `sig_mode`: `batch` (default) or `sequential`.
    pub sig_mode: Option<SigMode>,
    /// `threads`: 0 (default) = all available cores.
    pub threads: usize,
    /// `verify_at`: verify as of this RFC 3339 time (Unix ms here) instead of the caller's clock.
    pub verify_at_ms: Option<i64>,
    /// `urm`: the URM document the bundle's `urm` reference points to.
    pub urm: Option<Value>,
    /// `wpc`: `{"envelope": <signed WPC>, "signers": [DID…]}`.
    pub wpc: Option<WpcReplayOptions>,
}

fn bad(m: impl Into<String>) -> Error {
    Error::new(ErrorKind::Input, "CONFIG_ERROR", m.into())
}

const ALLOWLISTS: [&str; 6] = [
    "gateway_receipt_signer_dids",
    "web_receipt_signer_dids",
    "attestation_signer_dids",
    "execution_attestation_signer_dids",
    "derivation_attestation_signer_dids",
    "audit_result_attestation_signer_dids",
];

/// Every top-level member read, in the order SPEC §12 lists them.
pub const OPTION_MEMBERS: [&str; 12] = [
    "config_version",
    "allowlists",
    "causal_mode",
    "ttl_skew_ms",
    "trusted_log_signer_dids",
    "spec_strict",
    "sig_mode",
    "threads",
    "verify_at",
    "urm",
    "wpc",
    "trusted_signer_dids",
];

impl VerifyOptions {
    /// Parse an options document (strict JSON, at most [`MAX_OPTIONS_BYTES`]; a JSON fault
    /// keeps the parser's code, `DUPLICATE_KEY`, `JSON_TOO_LARGE`, …).
    pub fn parse(bytes: &[u8]) -> Result<VerifyOptions, Error> {
        let limits = json::Limits::STRICT.with_max_bytes(MAX_OPTIONS_BYTES);
        let v = json::parse(bytes, &limits)?;
        VerifyOptions::from_value(&v)
    }

    /// Read options from a strictly parsed value.
    pub fn from_value(v: &Value) -> Result<VerifyOptions, Error> {
        let o = v
            .as_object()
            .ok_or_else(|| bad("the options must be a JSON object"))?;
        if let Some(k) = o.keys().find(|k| !OPTION_MEMBERS.contains(&k.as_str())) {
            return Err(bad(format!(
                "unknown member \"{k}\" (known: {})",
                OPTION_MEMBERS.join(", ")
            )));
        }
        match o.get("config_version") {
            None => {}
            Some(Value::String(s)) if s == "1" => {}
            Some(_) => return Err(bad("config_version must be \"1\"")),
        }
        let mut out = VerifyOptions {
            allowlists: read_allowlists(o.get("allowlists"))?,
            ..VerifyOptions::default()
        };
        let text = |k: &str| -> Result<Option<&str>, Error> {
            match o.get(k) {
                None | Some(Value::Null) => Ok(None),
                Some(Value::String(s)) => Ok(Some(s)),
                Some(_) => Err(bad(format!("{k} must be a string"))),
            }
        };
        if let Some(m) = text("causal_mode")? {
            out.causal_mode = Some(m.parse().map_err(|e| bad(format!("causal_mode: {e}")))?);
        }
        if let Some(m) = text("sig_mode")? {
            out.sig_mode = Some(m.parse().map_err(|e| bad(format!("sig_mode: {e}")))?);
        }
        if let Some(t) = text("verify_at")? {
            out.verify_at_ms = Some(
                crate::time::parse_rfc3339_millis(t).map_err(|e| bad(format!("verify_at: {e}")))?,
            );
        }
        if let Some(v) = o.get("ttl_skew_ms").filter(|v| !v.is_null()) {
            out.ttl_skew_ms = Some(
                v.as_i64()
                    .filter(|n| (0..=i64::from(u32::MAX)).contains(n))
                    .ok_or_else(|| bad("ttl_skew_ms must be an integer from 0 to 2^32-1"))?,
            );
        }
        if let Some(v) = o.get("threads").filter(|v| !v.is_null()) {
            out.threads = v
                .as_u64()
                .filter(|n| *n <= 1024)
                .map(|n| n as usize)
                .ok_or_else(|| bad("threads must be an integer from 0 to 1024"))?;
        }
        if let Some(v) = o.get("spec_strict").filter(|v| !v.is_null()) {
            out.spec_strict = v
                .as_bool()
                .ok_or_else(|| bad("spec_strict must be true or false"))?;
        }
        if let Some(v) = o.get("trusted_log_signer_dids").filter(|v| !v.is_null()) {
            out.trusted_log_signer_dids = did_list("trusted_log_signer_dids", v)?;
        }
        if let Some(v) = o.get("urm").filter(|v| !v.is_null()) {
            if !v.is_object() {
                return Err(bad("urm must be the URM document (an object)"));
            }
            out.urm = Some(v.clone());
        }
        if let Some(v) = o.get("wpc").filter(|v| !v.is_null()) {
            let w = v
                .as_object()
                .ok_or_else(|| bad("wpc must be {\"envelope\": …, \"signers\": […]}"))?;
            if let Some(k) = w
                .keys()
                .find(|k| !matches!(k.as_str(), "envelope" | "signers"))
            {
                return Err(bad(format!("wpc: unknown member \"{k}\"")));
            }
            let envelope = w
                .get("envelope")
                .filter(|e| e.is_object())
                .ok_or_else(|| bad("wpc.envelope must be the signed policy envelope"))?
                .clone();
            let signers = did_list("wpc.signers", w.get("signers").unwrap_or(&Value::Null))?;
            if signers.is_empty() {
                return Err(bad("wpc.signers must name at least one trusted signer"));
            }
            out.wpc = Some(WpcReplayOptions { envelope, signers });
        }
        Ok(out)
    }

    /// Add a trusted gateway receipt signer (the CLI's `--gateway`, Python's
    /// `gateway_signers`).
    pub fn add_gateway(&mut self, did: &str) -> Result<(), Error> {
        if !did.starts_with("did:") {
            return Err(bad(format!("gateway signer \"{did}\": expected a DID")));
        }
        if !self
            .allowlists
            .gateway_receipt_signer_dids
            .iter()
            .any(|d| d == did)
        {
            self.allowlists
                .gateway_receipt_signer_dids
                .push(did.to_string());
        }
        Ok(())
    }

    /// The verifier configuration: `clock_ms` is the caller's clock, used unless `verify_at`
    /// is set. A `wpc` envelope is verified against its signers (at the verification time)
    /// and compiled here.
    pub fn to_config(&self, clock_ms: i64) -> Result<VerifyConfig, Error> {
        let now_ms = self.verify_at_ms.unwrap_or(clock_ms);
        let mut cfg = VerifyConfig::new(now_ms);
        cfg.allowlists = self.allowlists.clone();
        if let Some(m) = self.causal_mode {
            cfg.causal_mode = m;
        }
        if let Some(s) = self.ttl_skew_ms {
            cfg.ttl_skew_ms = s;
        }
        cfg.trusted_log_signer_dids = self.trusted_log_signer_dids.clone();
        cfg.spec_strict = self.spec_strict;
        if let Some(m) = self.sig_mode {
            cfg.sig_mode = m;
        }
        cfg.threads = self.threads;
        cfg.urm = self.urm.clone();
        if let Some(w) = &self.wpc {
            let bytes = json::canonicalize(&w.envelope)?;
            let verified = crate::wpc::verify_policy_envelope(
                &bytes,
                crate::envelope::Signers::OneOf(&w.signers),
                None,
                Some(now_ms.div_euclid(1000)),
            )?;
            let compiled = crate::wpc::CompiledPolicy::compile(verified.policy())?;
            cfg.policy = Some(PolicyReplay::from_policy(std::sync::Arc::new(compiled)));
        }
        Ok(cfg)
    }
}

fn did_list(name: &str, v: &Value) -> Result<Vec<String>, Error> {
    let a = v
        .as_array()
        .ok_or_else(|| bad(format!("{name} must be a list of DIDs")))?;
    let mut out: Vec<String> = Vec::with_capacity(a.len());
    for d in a {
        let d = d
            .as_str()
            .filter(|d| d.starts_with("did:"))
            .ok_or_else(|| bad(format!("{name} must be a list of DIDs")))?;
        if !out.iter().any(|x| x == d) {
            out.push(d.to_string());
        }
    }
    Ok(out)
}

/// The reference loader's reading of `allowlists`: each list's string items, trimmed, empty
/// ones and repeats dropped, non-strings ignored. Unknown list names are refused.
fn read_allowlists(v: Option<&Value>) -> Result<Allowlists, Error> {
    let lists: &Map<String, Value> = match v {
        None | Some(Value::Null) => return Ok(Allowlists::default()),
        Some(Value::Object(m)) => m,
        Some(_) => return Err(bad("allowlists must be an object")),
    };
    if let Some(k) = lists.keys().find(|k| !ALLOWLISTS.contains(&k.as_str())) {
        return Err(bad(format!(
            "unknown allowlist \"{k}\" (known: {})",
            ALLOWLISTS.join(", ")
        )));
    }
    let read = |k: &str| -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for d in lists
            .get(k)
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
        {
            let d = d.trim();
            if !d.is_empty() && !out.iter().any(|x| x == d) {
                out.push(d.to_string());
            }
        }
        out
    };
    Ok(Allowlists {
        gateway_receipt_signer_dids: read("gateway_receipt_signer_dids"),
        web_receipt_signer_dids: read("web_receipt_signer_dids"),
        attestation_signer_dids: read("attestation_signer_dids"),
        execution_attestation_signer_dids: read("execution_attestation_signer_dids"),
        derivation_attestation_signer_dids: read("derivation_attestation_signer_dids"),
        audit_result_attestation_signer_dids: read("audit_result_attestation_signer_dids"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_member_reaches_the_config() {
        let o = VerifyOptions::parse(
            br#"{"config_version":"1","trusted_signer_dids":["did:key:zX"],
               "allowlists":{"gateway_receipt_signer_dids":["did:key:zA"," did:key:zA ",1],
                             "attestation_signer_dids":["did:key:zB"]},
               "causal_mode":"observe","ttl_skew_ms":5,"trusted_log_signer_dids":["did:key:zL"],
               "spec_strict":true,"sig_mode":"sequential","threads":3,
               "verify_at":"2026-01-01T00:00:00.000Z","urm":{"urm_version":"1"}}"#,
        )
        .unwrap();
        let c = o.to_config(1).unwrap();
        assert_eq!(c.allowlists.gateway_receipt_signer_dids, ["did:key:zA"]);
        assert_eq!(c.allowlists.attestation_signer_dids, ["did:key:zB"]);
        assert_eq!(c.causal_mode, CausalMode::Observe);
        assert_eq!(c.ttl_skew_ms, 5);
        assert_eq!(c.trusted_log_signer_dids, ["did:key:zL"]);
        assert!(c.spec_strict);
        assert_eq!(c.sig_mode, SigMode::Sequential);
        assert_eq!(c.threads, 3);
        assert_eq!(c.now_ms, 1_767_225_600_000);
        assert!(c.urm.is_some());
        // Without verify_at the caller's clock is used; defaults are the reference's.
        let d = VerifyOptions::parse(b"{}").unwrap().to_config(42).unwrap();
        assert_eq!(d.now_ms, 42);
        assert_eq!(d.causal_mode, CausalMode::Enforce);
    }

    #[test]
    fn refuses_what_it_does_not_know() {
        for bad in [
            &b"[]"[..],
            br#"{"config_version":"2"}"#,
            br#"{"allowlists":[]}"#,
            br#"{"causal_mdoe":"observe"}"#,
            br#"{"allowlists":{"gateway_signer_dids":[]}}"#,
            br#"{"causal_mode":"sometimes"}"#,
            br#"{"ttl_skew_ms":-1}"#,
            br#"{"threads":1.5}"#,
            br#"{"spec_strict":"yes"}"#,
            br#"{"verify_at":"yesterday"}"#,
            br#"{"urm":"x"}"#,
            br#"{"trusted_log_signer_dids":["nope"]}"#,
            br#"{"wpc":{"envelope":{}}}"#,
            br#"{"wpc":{"envelope":{},"signers":["did:key:z"],"x":1}}"#,
        ] {
            let e = VerifyOptions::parse(bad).unwrap_err();
            assert_eq!(
                e.reason_code(),
                "CONFIG_ERROR",
                "{}",
                String::from_utf8_lossy(bad)
            );
        }
        // JSON faults keep the parser's code.
        let dup = VerifyOptions::parse(br#"{"causal_mode":"observe","causal_mode":"enforce"}"#);
        assert_ne!(dup.unwrap_err().reason_code(), "CONFIG_ERROR");
    }
}
