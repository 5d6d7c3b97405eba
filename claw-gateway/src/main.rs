//! `claw-gateway`: see the library documentation and `docs/SPEC.md §8`.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use clap::{Parser, Subcommand};
use claw_gateway::config::{self, Overrides};
use claw_gateway::state::State;

/// The claw model gateway: CST-checked, policy-enforcing, receipting reverse proxy.
#[derive(Parser, Debug)]
#[command(name = "claw-gateway", version)]
struct Cli {
    #[command(subcommand)]
    cmd: Option<Cmd>,
    /// Configuration file (TOML, or JSON by extension); flags override it.
    #[arg(long, value_name = "FILE", global = true)]
    config: Option<PathBuf>,
    #[command(flatten)]
    flags: Flags,
}

#[derive(Subcommand, Debug)]
enum Cmd {
    /// Validate a configuration (and load every key and policy it names) without serving.
    CheckConfig {
        /// The configuration file.
        file: Option<PathBuf>,
    },
}

#[derive(clap::Args, Debug, Default)]
struct Flags {
    /// Listen address (IP:PORT; port 0 picks a free port, printed on stdout).
    #[arg(long, global = true)]
    listen: Option<String>,
    /// The gateway's private Ed25519 JWK (signs receipts).
    #[arg(long, value_name = "GATEWAY.jwk", global = true)]
    signing_key: Option<PathBuf>,
    /// The gateway_id written in receipts (default: the signing key's did:key).
    #[arg(long, global = true)]
    gateway_id: Option<String>,
    /// CST issuer public key: a JWK or a JWK set (repeatable; reloaded on change or SIGHUP).
    #[arg(long, value_name = "FILE", global = true)]
    cst_issuer: Vec<PathBuf>,
    /// The audience tokens must name.
    #[arg(long, global = true)]
    audience: Option<String>,
    /// Tokens must be bound to a job (mission_id) equal to X-Run-Id.
    #[arg(long, global = true)]
    require_job_binding: bool,
    /// Tokens must carry token_scope_hash_b64u.
    #[arg(long, global = true)]
    require_scope_hash: bool,
    /// Directory of signed WPC envelopes, one per policy, named <policy_hash>.json.
    #[arg(long, value_name = "DIR", global = true)]
    wpc_dir: Option<PathBuf>,
    /// Trusted WPC signer DID (repeatable).
    #[arg(long, value_name = "DID", global = true)]
    wpc_signer: Vec<String>,
    /// Policy enforced when a request names none (X-Policy-Hash).
    #[arg(long, global = true)]
    policy_hash: Option<String>,
    /// Refuse calls under no policy.
    #[arg(long, global = true)]
    require_policy: bool,
    /// Incident switch file (JSON; reloaded on change or SIGHUP).
    #[arg(long, value_name = "FILE", global = true)]
    overrides: Option<PathBuf>,
    /// Upstream base URL per provider (repeatable): openai=https://api.openai.com.
    #[arg(long, value_name = "PROVIDER=URL", global = true)]
    upstream: Vec<String>,
    /// Environment variable holding a provider's API key (repeatable): openai=OPENAI_API_KEY.
    #[arg(long, value_name = "PROVIDER=VAR", global = true)]
    upstream_key_env: Vec<String>,
    /// Receipt directory (one fsync'd file per receipt).
    #[arg(long, value_name = "DIR", global = true)]
    receipts_dir: Option<PathBuf>,
    /// Receipt log (append-only JSON lines).
    #[arg(long, value_name = "FILE", global = true)]
    receipts_log: Option<PathBuf>,
    /// Log format: text or json.
    #[arg(long, global = true)]
    log_format: Option<String>,
    /// Request body bound, bytes.
    #[arg(long, global = true)]
    max_request_bytes: Option<usize>,
    /// Non-streamed upstream response bound, bytes.
    #[arg(long, global = true)]
    max_response_bytes: Option<usize>,
    /// Requests processed at once.
    #[arg(long, global = true)]
    max_concurrent: Option<usize>,
    /// Client connections open at once.
    #[arg(long, global = true)]
    max_connections: Option<usize>,
    /// Time to receive a request head, ms.
    #[arg(long, global = true)]
    header_timeout_ms: Option<u64>,
    /// Time to receive a request body, ms.
    #[arg(long, global = true)]
    body_timeout_ms: Option<u64>,
    /// Upstream read timeout (head, then between chunks), ms.
    #[arg(long, global = true)]
    upstream_read_timeout_ms: Option<u64>,
    /// Grace period for in-flight requests on SIGTERM, ms.
    #[arg(long, global = true)]
    shutdown_grace_ms: Option<u64>,
    /// Shared state on Redis (replay guard, revocations, nonces, receipts): redis://HOST:PORT.
    #[arg(long, value_name = "URL", global = true)]
    state: Option<String>,
    /// Accept each token once (per its own mission_id, never per X-Run-Id) across every
    /// instance sharing --state.
    #[arg(long, global = true)]
    one_time_tokens: bool,
}

fn overrides(f: Flags) -> Overrides {
    Overrides {
        listen: f.listen,
        signing_key: f.signing_key,
        gateway_id: f.gateway_id,
        cst_issuers: f.cst_issuer,
        audience: f.audience,
        require_job_binding: f.require_job_binding,
        require_scope_hash: f.require_scope_hash,
        wpc_dir: f.wpc_dir,
        wpc_signers: f.wpc_signer,
        policy_hash: f.policy_hash,
        require_policy: f.require_policy,
        overrides: f.overrides,
        receipts_dir: f.receipts_dir,
        receipts_log: f.receipts_log,
        upstreams: f.upstream,
        upstream_key_env: f.upstream_key_env,
        log_format: f.log_format,
        max_request_bytes: f.max_request_bytes,
        max_response_bytes: f.max_response_bytes,
        max_concurrent: f.max_concurrent,
        max_connections: f.max_connections,
        header_timeout_ms: f.header_timeout_ms,
        body_timeout_ms: f.body_timeout_ms,
        upstream_read_timeout_ms: f.upstream_read_timeout_ms,
        shutdown_grace_ms: f.shutdown_grace_ms,
        state: f.state,
        one_time_tokens: f.one_time_tokens,
    }
}

fn fail(code: &str, msg: impl std::fmt::Display) -> ExitCode {
    eprintln!("claw-gateway: {code}: {msg}");
    ExitCode::from(2)
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let (file, check) = match cli.cmd {
        Some(Cmd::CheckConfig { file }) => (file.or(cli.config), true),
        None => (cli.config, false),
    };
    let fc = match file.as_deref().map(config::read_file).transpose() {
        Ok(f) => f,
        Err(e) => return fail(e.reason_code(), e),
    };
    let cfg = match config::resolve(fc, overrides(cli.flags)) {
        Ok(c) => c,
        Err(e) => return fail(e.reason_code(), e),
    };
    let filter = tracing_subscriber::EnvFilter::try_from_env("CLAW_GATEWAY_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    if cfg.json_logs {
        tracing_subscriber::fmt()
            .json()
            .with_env_filter(filter)
            .with_writer(std::io::stderr)
            .init();
    } else {
        tracing_subscriber::fmt()
            .with_env_filter(filter)
            .with_writer(std::io::stderr)
            .init();
    }
    let rt = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => return fail("RUNTIME", e),
    };
    rt.block_on(async move {
        let state = match State::load(cfg) {
            Ok(s) => s,
            Err(e) => return fail(e.reason_code(), e),
        };
        if check {
            let out = serde_json::json!({
                "ok": true,
                "did": state.did,
                "gateway_id": state.gateway_id,
                "listen": state.config.listen.to_string(),
                "audience": state.config.audience,
                "issuer_kids": state.issuers.load().kids().collect::<Vec<_>>(),
                "upstreams": state.config.upstreams,
                "policy_dir": state.config.wpc_dir,
                "receipts_dir": state.config.receipts_dir,
                "receipts_log": state.config.receipts_log,
                "state": state.shared.as_ref().map(|s| s.store.address().to_string()),
                "one_time_tokens": state.config.one_time_tokens,
            });
            println!("{out}");
            return ExitCode::SUCCESS;
        }
        let listener = match tokio::net::TcpListener::bind(state.config.listen).await {
            Ok(l) => l,
            Err(e) => return fail("LISTEN_FAILED", format!("{}: {e}", state.config.listen)),
        };
        let addr = match listener.local_addr() {
            Ok(a) => a,
            Err(e) => return fail("LISTEN_FAILED", e),
        };
        // The first line on stdout is the address (tests and scripts read it).
        println!("listening on http://{addr}");
        tracing::info!(%addr, did = %state.did, "claw-gateway listening");
        let state = Arc::new(state);
        match claw_gateway::server::serve(state, listener, std::future::pending()).await {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => fail("SERVE_FAILED", e),
        }
    })
}
