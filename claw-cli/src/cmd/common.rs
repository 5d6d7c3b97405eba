//! Helpers shared by the evidence commands: keys, JSON files, the clock, verifier trust.

use crate::{exit, io, Failure};
use claw_core::envelope::Signers;
use claw_core::evidence::{VerifyConfig, VerifyOptions, WpcReplayOptions};
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

/// A token argument: the token itself, or `@FILE`. One rule for both forms: the token's
/// bytes are used as given; a file may end with one line ending (`\n` or `\r\n`, as `claw
/// cst issue > FILE` writes), which is removed, and nothing else is trimmed, so whitespace
/// the argument form refuses is refused from a file too.
pub fn token_arg(arg: &str) -> Result<String, Failure> {
    match arg.strip_prefix('@') {
        Some(path) => {
            let text = io::read_text(Path::new(path))?;
            let t = text
                .strip_suffix("\r\n")
                .or_else(|| text.strip_suffix('\n'))
                .unwrap_or(&text);
            Ok(t.to_string())
        }
        None => Ok(arg.to_string()),
    }
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
/// `report`. Every flag sets one member of the core's `VerifyOptions` (docs/SPEC.md §12);
/// `--config` is that options document itself.
#[derive(clap::Args, Debug, Clone)]
pub struct TrustArgs {
    /// Verifier options: the reference's `clawverify.config.*.json` format
    /// (`allowlists.gateway_receipt_signer_dids`, `attestation_signer_dids`, …) plus claw's
    /// members (`causal_mode`, `ttl_skew_ms`, `trusted_log_signer_dids`, `spec_strict`,
    /// `sig_mode`, `threads`, `verify_at`, `urm`, `wpc`); unknown members are refused.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// A trusted gateway receipt signer (repeatable; added to the config's allowlist).
    #[arg(long, value_name = "DID")]
    pub gateway: Vec<String>,
    /// The URM document the bundle's `urm` reference points to. Without it (and without
    /// `urm` in --config), `NAME-urm.json` beside `NAME-bundle.json`, or `urm.json` beside
    /// `proof-bundle.json`, is loaded when it exists.
    #[arg(long, value_name = "FILE")]
    pub urm: Option<PathBuf>,
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

/// The URM file the reference CLI reads beside a bundle: `NAME-urm.json` for
/// `NAME-bundle.json`, and (claw's addition, for the reference repository's other layout)
/// `urm.json` for `proof-bundle.json`; only when it exists.
pub fn sibling_urm(bundle: &Path) -> Option<PathBuf> {
    let name = bundle.file_name()?.to_str()?;
    let urm = if name == "proof-bundle.json" {
        "urm.json".to_string()
    } else {
        format!("{}-urm.json", name.strip_suffix("-bundle.json")?)
    };
    let p = bundle.with_file_name(urm);
    p.is_file().then_some(p)
}

/// A bad option: `CONFIG_ERROR` naming the file.
fn config_failure(path: &Path, e: claw_core::Error) -> Failure {
    Failure::new(
        exit::BAD_INPUT,
        e.reason_code(),
        format!("{}: {}", path.display(), e.message()),
    )
}

impl TrustArgs {
    /// The verifier options these flags describe, for verifying `bundle` (whose sibling URM
    /// is loaded when no URM was given).
    pub fn options(
        &self,
        bundle: Option<&Path>,
    ) -> Result<(VerifyOptions, Option<PathBuf>), Failure> {
        let mut o = match &self.config {
            Some(path) => VerifyOptions::parse(&io::read_input(Some(path))?)
                .map_err(|e| config_failure(path, e))?,
            None => VerifyOptions::default(),
        };
        for g in &self.gateway {
            o.add_gateway(g)
                .map_err(|e| bad_arg(format!("--gateway: {}", e.message())))?;
        }
        let urm_path = match &self.urm {
            Some(p) => Some(p.clone()),
            None if o.urm.is_none() => bundle.and_then(sibling_urm),
            None => None,
        };
        if let Some(p) = &urm_path {
            o.urm = Some(read_json(p)?);
        }
        if let Some(s) = self.now {
            o.verify_at_ms = Some(s.saturating_mul(1000));
        }
        if let Some(path) = &self.wpc {
            if self.signer.is_empty() {
                return Err(bad_arg(
                    "a signed policy needs at least one trusted --signer",
                ));
            }
            o.wpc = Some(WpcReplayOptions {
                envelope: read_json(path)?,
                signers: self.signer.clone(),
            });
        }
        Ok((o, urm_path))
    }

    /// The verifier configuration these options describe, for verifying `bundle`.
    pub fn config_for(&self, bundle: &Path) -> Result<VerifyConfig, Failure> {
        let (o, _) = self.options(Some(bundle))?;
        to_config(&o)
    }
}

/// The core's configuration from options, at the CLI's clock. A `--wpc` policy that does
/// not verify fails the command (exit 3) with the policy's reason code.
pub fn to_config(o: &VerifyOptions) -> Result<VerifyConfig, Failure> {
    o.to_config(now_ms()).map_err(|e| {
        if e.reason_code() == "CONFIG_ERROR" {
            Failure::input(e)
        } else {
            Failure::verify(e)
        }
    })
}
