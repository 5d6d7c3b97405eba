//! Helpers shared by the evidence commands: keys, JSON files, the clock, verifier trust.

use crate::{exit, io, Failure};
use claw_core::envelope::Signers;
use claw_core::evidence::{parse_clawverify_config, PolicyReplay, VerifyConfig};
use claw_core::keys::SigningKey;
use claw_core::wpc::{self, CompiledPolicy};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Read a private JWK file.
pub fn signing_key(path: &Path) -> Result<SigningKey, Failure> {
    SigningKey::from_jwk(&io::read_text(path)?).map_err(|e| Failure::input(e.into()))
}

/// Read a JSON file strictly (bounded, duplicate keys and inexact integers refused).
pub fn read_json(path: &Path) -> Result<Value, Failure> {
    let bytes = io::read_input(Some(path))?;
    parse_json(&bytes, path)
}

/// Parse JSON bytes strictly; the error names the file.
pub fn parse_json(bytes: &[u8], path: &Path) -> Result<Value, Failure> {
    let limits = claw_core::json::Limits::STRICT.with_max_bytes(io::MAX_INPUT_BYTES as usize);
    claw_core::json::parse(bytes, &limits).map_err(|e| {
        let e: claw_core::Error = e.into();
        Failure::new(
            exit::BAD_INPUT,
            e.reason_code(),
            format!("{}: {}", path.display(), e.message()),
        )
    })
}

/// The current Unix time in milliseconds.
pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

/// 32 fresh random bytes (run-log record seeds).
pub fn seed() -> [u8; 32] {
    use rand_core::RngCore;
    let mut s = [0u8; 32];
    rand_core::OsRng.fill_bytes(&mut s);
    s
}

/// A bad command-line argument.
pub fn bad_arg(message: impl Into<String>) -> Failure {
    Failure::new(exit::BAD_INPUT, "INVALID_ARGUMENT", message)
}

/// Verify a signed WPC envelope against trusted signers and compile it.
pub fn verified_policy(
    bytes: &[u8],
    signers: &[String],
    now_secs: i64,
) -> Result<(wpc::VerifiedPolicy, Arc<CompiledPolicy>), Failure> {
    if signers.is_empty() {
        return Err(bad_arg(
            "a signed policy needs at least one trusted --signer",
        ));
    }
    let verified =
        wpc::verify_policy_envelope(bytes, Signers::OneOf(signers), None, Some(now_secs))
            .map_err(|e| Failure::verify(e.into()))?;
    let compiled =
        CompiledPolicy::compile(verified.policy()).map_err(|e| Failure::input(e.into()))?;
    Ok((verified, Arc::new(compiled)))
}

/// What a verifier trusts: the options shared by `claw bundle verify`, `prove`, `pulse` and
/// `report`.
#[derive(clap::Args, Debug, Clone)]
pub struct TrustArgs {
    /// Verifier configuration in the reference's format (`clawverify.config.*.json`):
    /// `allowlists.gateway_receipt_signer_dids`, `attestation_signer_dids`, ….
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// A trusted gateway receipt signer (repeatable; added to the config's allowlist).
    #[arg(long, value_name = "DID")]
    pub gateway: Vec<String>,
    /// Replay the bundle's tool receipts against this signed policy (WPC envelope); a
    /// receipt the policy could never allow fails with POLICY_VIOLATION.
    #[arg(long, value_name = "ENVELOPE", requires = "signer")]
    pub wpc: Option<PathBuf>,
    /// The trusted signer of the --wpc envelope (repeatable).
    #[arg(long, value_name = "DID", requires = "wpc")]
    pub signer: Vec<String>,
    /// Verify as of this Unix time (seconds) instead of now.
    #[arg(long, value_name = "SECS")]
    pub now: Option<i64>,
}

impl TrustArgs {
    /// The verifier configuration these options describe.
    pub fn config(&self) -> Result<VerifyConfig, Failure> {
        let now_ms = match self.now {
            Some(s) => s.saturating_mul(1000),
            None => now_ms(),
        };
        let mut cfg = VerifyConfig::new(now_ms);
        if let Some(path) = &self.config {
            cfg.allowlists =
                parse_clawverify_config(&io::read_input(Some(path))?).map_err(|e| {
                    Failure::new(
                        exit::BAD_INPUT,
                        e.reason_code(),
                        format!("{}: {}", path.display(), e.message()),
                    )
                })?;
        }
        for g in &self.gateway {
            if !g.starts_with("did:") {
                return Err(bad_arg(format!("--gateway {g:?}: expected a DID")));
            }
            if !cfg.allowlists.gateway_receipt_signer_dids.contains(g) {
                cfg.allowlists.gateway_receipt_signer_dids.push(g.clone());
            }
        }
        if let Some(path) = &self.wpc {
            let bytes = io::read_input(Some(path))?;
            let (_, compiled) = verified_policy(&bytes, &self.signer, now_ms / 1000)?;
            cfg.policy = Some(PolicyReplay::from_policy(compiled));
        }
        Ok(cfg)
    }
}
