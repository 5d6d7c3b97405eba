//! Verifier configuration in the reference verifier's file format
//! (`clawverify.config.*.json`): `{"config_version":"1", "allowlists": {…}}`.
//!
//! Like the reference loader, only the six allowlists below are read, each a list of DIDs;
//! non-string items are dropped and other members (e.g. `trusted_signer_dids`) are ignored.

use crate::error::{Error, ErrorKind};
use crate::json;
use serde_json::Value;

/// The allowlists of a verifier configuration.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Allowlists {
    /// Gateway receipt signers (`gateway_receipt_signer_dids`).
    pub gateway_receipt_signer_dids: Vec<String>,
    pub web_receipt_signer_dids: Vec<String>,
    /// Attesters whose `attestations[]` entries count (`attestation_signer_dids`).
    pub attestation_signer_dids: Vec<String>,
    pub execution_attestation_signer_dids: Vec<String>,
    /// Derivation attestation signers (export bundles).
    pub derivation_attestation_signer_dids: Vec<String>,
    pub audit_result_attestation_signer_dids: Vec<String>,
}

/// Parse a `clawverify.config.*.json` file. Refused (`CONFIG_ERROR`) unless it is strict
/// JSON, an object, and has `config_version: "1"`.
pub fn parse_clawverify_config(bytes: &[u8]) -> Result<Allowlists, Error> {
    let bad = |m: &str| Error::new(ErrorKind::Input, "CONFIG_ERROR", m.to_string());
    let v = json::parse(bytes, &json::Limits::STRICT)?;
    let o = v
        .as_object()
        .ok_or_else(|| bad("config must be a JSON object"))?;
    if o.get("config_version").and_then(Value::as_str) != Some("1") {
        return Err(bad("config_version must be \"1\""));
    }
    let lists = match o.get("allowlists") {
        None => return Ok(Allowlists::default()),
        Some(Value::Object(m)) => m,
        Some(_) => return Err(bad("allowlists must be an object")),
    };
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
    fn reads_like_the_reference() {
        let a = parse_clawverify_config(
            br#"{"config_version":"1","trusted_signer_dids":["did:key:zX"],
                "allowlists":{"gateway_receipt_signer_dids":["did:key:zA",1,"did:key:zA"]}}"#,
        )
        .unwrap();
        assert_eq!(
            a.gateway_receipt_signer_dids,
            vec!["did:key:zA".to_string()]
        );
        assert!(a.attestation_signer_dids.is_empty());
        for bad in [
            &b"[]"[..],
            br#"{"config_version":"2"}"#,
            br#"{"config_version":"1","allowlists":[]}"#,
        ] {
            assert_eq!(
                parse_clawverify_config(bad).unwrap_err().reason_code(),
                "CONFIG_ERROR"
            );
        }
    }
}
