//! `claw openclaw ...`: audit an OpenClaw config against a signed WPC, and print the tightest
//! OpenClaw tool config for a WPC. The rules live in `claw_core::openclaw`; this module reads
//! files, verifies the WPC envelope, and prints.

use super::common;
use crate::{exit, io, Failure};
use claw_core::envelope::Envelope;
use claw_core::json::Limits;
use claw_core::openclaw::{self, Baseline, Isolation, OpenClawConfig, PluginCoverage, WpcTools};
use claw_core::wpc::{Policy, MAX_POLICY_BYTES};
use std::path::{Path, PathBuf};

#[derive(clap::Subcommand, Debug)]
pub enum Command {
    /// Audit an OpenClaw config against a signed WPC; exit 6 on any critical finding.
    Audit(AuditArgs),
    /// Print the tightest OpenClaw `tools` block (and sandbox setting) for a signed WPC.
    Policy(PolicyArgs),
    /// Print the config hash a baseline records: base64url(SHA-256(JCS(config))).
    Hash(HashArgs),
    /// Reconcile OpenClaw's session transcript with a proof bundle: every executed call must
    /// have a claw receipt with the same arguments hash; exit 6 when a call bypassed the gate.
    Reconcile(ReconcileArgs),
}

#[derive(clap::Args, Debug)]
pub struct ReconcileArgs {
    /// OpenClaw's session transcript (JSON Lines: `session` and `message` entries).
    #[arg(long, value_name = "FILE")]
    session: PathBuf,
    /// The run's proof bundle (verified first: signature, chain, receipts).
    #[arg(long, value_name = "BUNDLE")]
    bundle: PathBuf,
    #[command(flatten)]
    trust: common::TrustArgs,
    /// Print the findings as JSON (the audit's shape) instead of text.
    #[arg(long)]
    json: bool,
}

#[derive(clap::Args, Debug)]
pub struct WpcArgs {
    /// Signed WPC envelope (`work_policy_contract`).
    #[arg(long, value_name = "ENVELOPE")]
    wpc: PathBuf,
    /// Trusted policy signer (did:key); repeatable. Without it, the DIDs in the environment
    /// variable CLAW_WPC_SIGNER (comma-separated); without either the command refuses
    /// (TRUSTED_SIGNER_REQUIRED): a policy's own issuer_did does not vouch for it.
    #[arg(long = "signer", value_name = "DID")]
    signers: Vec<String>,
    /// Evaluate as of this Unix time instead of now (envelope expiry, report timestamp).
    #[arg(long, value_name = "SECS")]
    now: Option<i64>,
}

#[derive(clap::Args, Debug)]
pub struct AuditArgs {
    /// The OpenClaw config (openclaw.json, JSON5).
    #[arg(long, value_name = "FILE")]
    config: PathBuf,
    #[command(flatten)]
    wpc: WpcArgs,
    /// Recorded baseline: a config hash, or a file holding the hash or the baseline config.
    #[arg(long, value_name = "HASH|FILE")]
    baseline: Option<String>,
    /// Print the `openclaw security audit --json` shape instead of text.
    #[arg(long)]
    json: bool,
    /// One finding per rule and agent, naming every tool it concerns, instead of one per tool.
    #[arg(long)]
    summary: bool,
    /// Ignore the claw plugin: do not count what it blocks as mitigated, even when the config
    /// loads it with this WPC (`plugins.entries.claw.config.policy`).
    #[arg(long)]
    ignore_plugin: bool,
}

/// Where `claw openclaw policy` puts the agent's tools.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum SandboxChoice {
    /// Docker when a Docker daemon answers (DOCKER_HOST, else /var/run/docker.sock), else none.
    Auto,
    /// OpenClaw's Docker sandbox (sandbox mode "all", exec host "sandbox").
    Docker,
    /// No sandbox (no Docker daemon): tools run on the host; see the trade-off printed.
    None,
}

#[derive(clap::Args, Debug)]
pub struct PolicyArgs {
    #[command(flatten)]
    wpc: WpcArgs,
    /// Also route model calls through claw-gateway at this URL: adds the `claw-gateway`
    /// model provider (baseUrl `<URL>/v1`, the CST from the env var CLAW_GATEWAY_CST), whose
    /// calls the claw plugin binds to the run (docs/SPEC.md §7.12).
    #[arg(long, value_name = "URL")]
    gateway_url: Option<String>,
    /// A model the gateway serves (repeatable; with --gateway-url); the first becomes the
    /// agents' primary model `claw-gateway/<ID>`.
    #[arg(long = "gateway-model", value_name = "ID", requires = "gateway_url")]
    gateway_models: Vec<String>,
    /// Run tools in OpenClaw's Docker sandbox, or on the host when there is no Docker daemon
    /// (the config's trade-off is printed on stderr).
    #[arg(long, value_enum, default_value = "auto")]
    sandbox: SandboxChoice,
}

#[derive(clap::Args, Debug)]
pub struct HashArgs {
    /// The OpenClaw config (openclaw.json, JSON5).
    #[arg(long, value_name = "FILE")]
    config: PathBuf,
    /// Print `{"config_hash_b64u"}` instead of the bare hash.
    #[arg(long)]
    json: bool,
}

pub fn run(c: Command) -> Result<u8, Failure> {
    match c {
        Command::Audit(a) => audit(a),
        Command::Policy(a) => policy(a),
        Command::Hash(a) => hash(a),
        Command::Reconcile(a) => reconcile(a),
    }
}

fn now_ms(now: Option<i64>) -> i64 {
    now.map_or_else(common::now_ms, |s| s.saturating_mul(1000))
}

fn read_config(path: &Path) -> Result<OpenClawConfig, Failure> {
    let bytes = io::read_input(Some(path))?;
    OpenClawConfig::parse(&bytes).map_err(|e| {
        let e: claw_core::Error = e.into();
        Failure::new(
            exit::BAD_INPUT,
            e.reason_code(),
            format!("{}: {}", path.display(), e.message()),
        )
    })
}

/// The environment variable naming the trusted WPC signers when `--signer` is not given.
pub const WPC_SIGNER_ENV: &str = "CLAW_WPC_SIGNER";

/// The trusted policy signers: `--signer`, else [`WPC_SIGNER_ENV`]; never the envelope's
/// own `issuer_did` (a policy vouching for itself proves only that someone signed it).
fn trusted_signers(a: &WpcArgs) -> Result<Vec<String>, Failure> {
    if !a.signers.is_empty() {
        return Ok(a.signers.clone());
    }
    let from_env: Vec<String> = std::env::var(WPC_SIGNER_ENV)
        .unwrap_or_default()
        .split(',')
        .map(str::trim)
        .filter(|d| !d.is_empty())
        .map(str::to_string)
        .collect();
    if from_env.is_empty() {
        return Err(Failure::new(
            exit::BAD_INPUT,
            "TRUSTED_SIGNER_REQUIRED",
            format!("no trusted policy signer: pass --signer DID or set {WPC_SIGNER_ENV} (the WPC's own issuer_did cannot vouch for it)"),
        ));
    }
    Ok(from_env)
}

/// Verify the WPC envelope (hash, signature, trusted signer, expiry) and read the policy.
fn load_wpc(a: &WpcArgs, now_ms: i64) -> Result<Policy, Failure> {
    let signers = trusted_signers(a)?;
    let bytes = io::read_input(Some(&a.wpc))?;
    // Not an envelope at all is bad input (exit 2), not a verification failure.
    let limits = Limits::STRICT.with_max_bytes(MAX_POLICY_BYTES + 64 * 1024);
    Envelope::parse(&bytes, &limits).map_err(|e| Failure::input(e.into()))?;
    let (verified, _) = common::verified_policy(&bytes, &signers, now_ms.div_euclid(1000))?;
    let policy = verified.into_policy();
    if let Some(parent) = policy.inherits() {
        return Err(Failure::new(
            exit::BAD_INPUT,
            "POLICY_PARENT_MISSING",
            format!("the WPC inherits from {parent:?}; audit the flattened policy instead (parents are not loaded by this command)"),
        ));
    }
    Ok(policy)
}

fn wpc_tools(policy: &Policy, now_ms: i64) -> Result<WpcTools, Failure> {
    WpcTools::new(policy, now_ms.div_euclid(1000)).map_err(|e| Failure::input(e.into()))
}

fn read_baseline(arg: &str) -> Result<Baseline, Failure> {
    if let Ok(b) = Baseline::from_hash(arg) {
        return Ok(b);
    }
    let path = Path::new(arg);
    if !path.exists() {
        return Err(Failure::new(
            exit::BAD_INPUT,
            "OPENCLAW_BASELINE_INVALID",
            format!("{arg}: neither a config hash (43 base64url characters) nor a file"),
        ));
    }
    let bytes = io::read_input(Some(path))?;
    Baseline::parse(&bytes).map_err(|e| {
        let e: claw_core::Error = e.into();
        Failure::new(
            exit::BAD_INPUT,
            e.reason_code(),
            format!("{arg}: {}", e.message()),
        )
    })
}

fn print(bytes: &[u8]) -> Result<(), Failure> {
    io::write_stdout(bytes)
}

fn pretty(v: &serde_json::Value) -> Result<Vec<u8>, Failure> {
    let mut s = serde_json::to_vec_pretty(v)
        .map_err(|e| Failure::new(exit::IO, "IO_ERROR", e.to_string()))?;
    s.push(b'\n');
    Ok(s)
}

fn audit(a: AuditArgs) -> Result<u8, Failure> {
    let now = now_ms(a.wpc.now);
    let config = read_config(&a.config)?;
    let policy = load_wpc(&a.wpc, now)?;
    let tools = wpc_tools(&policy, now)?;
    let baseline = a.baseline.as_deref().map(read_baseline).transpose()?;
    let plugin = if a.ignore_plugin {
        PluginCoverage::Absent("--ignore-plugin".into())
    } else {
        PluginCoverage::assess(&config, policy.hash_b64u(), |path| {
            plugin_policy_hash(path, now)
        })
    };
    let mut report =
        openclaw::audit_with_plugin(&config, &tools, baseline.as_ref(), Some(now), &plugin);
    if a.summary {
        report = report.summarized();
    }
    if a.json {
        print(&pretty(&report.to_json())?)?;
    } else {
        print(report.to_text().as_bytes())?;
    }
    Ok(if report.has_critical() {
        exit::CRITICAL_FINDING
    } else {
        exit::OK
    })
}

/// The hash of the signed policy the claw plugin is configured with: the envelope at `path`
/// (relative paths are read from the current directory, as the plugin reads them from
/// OpenClaw's), its hash and signature checked. Which signer the plugin trusts is the
/// plugin's own check at start (it blocks every call when it fails): the audit only asks
/// whether the two policies are the same document.
fn plugin_policy_hash(path: &str, now_ms: i64) -> Result<String, String> {
    let bytes = io::read_input(Some(Path::new(path))).map_err(|e| e.message)?;
    let verified = claw_core::wpc::verify_policy_envelope(
        &bytes,
        claw_core::envelope::Signers::Any,
        None,
        Some(now_ms.div_euclid(1000)),
    )
    .map_err(|e| format!("{}: {e}", e.reason_code()))?;
    Ok(verified.policy().hash_b64u().to_string())
}

/// Whether a Docker daemon answers: a connection to the unix socket of `DOCKER_HOST`
/// (`unix://PATH`), else `/var/run/docker.sock`. Another `DOCKER_HOST` scheme (tcp, ssh)
/// is taken as a daemon being there: it is not probed.
fn docker_daemon_present() -> bool {
    let socket = match std::env::var("DOCKER_HOST") {
        Ok(h) if !h.is_empty() => match h.strip_prefix("unix://") {
            Some(p) => PathBuf::from(p),
            None => return true,
        },
        _ => PathBuf::from("/var/run/docker.sock"),
    };
    std::os::unix::net::UnixStream::connect(socket).is_ok()
}

fn policy(a: PolicyArgs) -> Result<u8, Failure> {
    let now = now_ms(a.wpc.now);
    let policy = load_wpc(&a.wpc, now)?;
    let tools = wpc_tools(&policy, now)?;
    let isolation = match a.sandbox {
        SandboxChoice::Docker => Isolation::Docker,
        SandboxChoice::None => Isolation::Host,
        SandboxChoice::Auto if docker_daemon_present() => Isolation::Docker,
        SandboxChoice::Auto => Isolation::Host,
    };
    // serde_json keeps insertion order here (profile, alsoAllow, deny, ...).
    let mut v = openclaw::recommended_config_for(&tools, isolation);
    if let Some(url) = &a.gateway_url {
        let models = openclaw::gateway_models(url, &a.gateway_models)
            .map_err(|e| Failure::new(exit::BAD_INPUT, e.reason_code(), e.to_string()))?;
        v["models"] = models;
        if let Some(first) = a.gateway_models.first() {
            v["agents"]["defaults"]["model"] = serde_json::json!({
                "primary": format!("{}/{first}", openclaw::recommend::GATEWAY_PROVIDER_ID)
            });
        }
    }
    if isolation == Isolation::Host {
        let why = if a.sandbox == SandboxChoice::Auto {
            "no Docker daemon answers"
        } else {
            "--sandbox none"
        };
        eprintln!(
            "claw: note: {why}; recommending a config without OpenClaw's sandbox: {}",
            isolation.trade_off(&tools)
        );
    }
    print(&pretty(&v)?)?;
    Ok(exit::OK)
}

fn hash(a: HashArgs) -> Result<u8, Failure> {
    let config = read_config(&a.config)?;
    let line = if a.json {
        serde_json::json!({ "config_hash_b64u": config.hash_b64u() }).to_string()
    } else {
        config.hash_b64u().to_string()
    };
    print(format!("{line}\n").as_bytes())?;
    Ok(exit::OK)
}

fn reconcile(a: ReconcileArgs) -> Result<u8, Failure> {
    let transcript = io::read_input(Some(&a.session))?;
    let t = openclaw::Transcript::parse(&transcript).map_err(|e| {
        Failure::new(
            exit::BAD_INPUT,
            e.reason_code(),
            format!("{}: {e}", a.session.display()),
        )
    })?;
    let mut cfg = a.trust.config_for(&a.bundle)?;
    // Completeness is this command's question; whether approvals are anchored to gateway
    // receipts is `claw bundle verify`'s (a bundle built without a gateway is still read).
    cfg.causal_mode = claw_core::evidence::CausalMode::Warn;
    let bytes = io::read_input(Some(&a.bundle))?;
    let bundle =
        claw_core::evidence::Bundle::from_verified_json(&bytes, &cfg).map_err(Failure::verify)?;
    let records = openclaw::records_from_bundle(&bundle);
    let report = openclaw::reconcile(&t, &records);
    if a.json {
        print(&pretty(&report.to_json())?)?;
    } else {
        let mut out = String::new();
        for f in &report.findings {
            out.push_str(&format!(
                "{:8} {}  {}\n         {}\n",
                f.severity.as_str(),
                f.check_id,
                f.title,
                f.detail
            ));
        }
        print(out.as_bytes())?;
    }
    Ok(if report.has_critical() {
        exit::CRITICAL_FINDING
    } else {
        exit::OK
    })
}
