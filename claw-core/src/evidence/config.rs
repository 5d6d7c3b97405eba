//! Verifier configuration in the reference verifier's file format
//! (`clawverify.config.*.json`): `{"config_version":"1", "allowlists": {…}}`.
//!
//! Like the reference loader, the six allowlists below are lists of DIDs whose non-string
//! items are dropped; the other members are claw's options (see [`super::VerifyOptions`]).

use crate::error::Error;

/// The allowlists of a verifier configuration.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Allowlists {
    /// Gateway receipt signers (`gateway_receipt_signer_dids`).
    pub gateway_receipt_signer_dids: Vec<String>,
    /// Web receipt signers (`web_receipt_signer_dids`).
    pub web_receipt_signer_dids: Vec<String>,
    /// Attesters whose `attestations[]` entries count (`attestation_signer_dids`).
    pub attestation_signer_dids: Vec<String>,
    /// Execution attestation signers (export bundles).
    pub execution_attestation_signer_dids: Vec<String>,
    /// Derivation attestation signers (export bundles).
    pub derivation_attestation_signer_dids: Vec<String>,
    /// Audit-result attestation signers (export bundles).
    pub audit_result_attestation_signer_dids: Vec<String>,
}

/// Parse a `clawverify.config.*.json` file and return its allowlists: the file is read as
/// [`super::VerifyOptions`] (so it is refused, `CONFIG_ERROR`, unless it is strict JSON, an
/// object, with `config_version` "1" when present, and no unknown member).
pub fn parse_clawverify_config(bytes: &[u8]) -> Result<Allowlists, Error> {
    Ok(super::VerifyOptions::parse(bytes)?.allowlists)
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
