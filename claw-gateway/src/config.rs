//! Configuration: one TOML (or JSON, by extension) file, every key also a flag; flags
//! override the file (`docs/SPEC.md §8.2`).

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use serde::Deserialize;

/// Bound on the configuration file.
pub const MAX_CONFIG_BYTES: usize = 1024 * 1024;

/// A configuration problem (reason code `CONFIG_INVALID`).
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct ConfigError(pub String);

impl ConfigError {
    /// Stable reason code.
    pub fn reason_code(&self) -> &'static str {
        "CONFIG_INVALID"
    }
}

fn cerr(m: impl Into<String>) -> ConfigError {
    ConfigError(m.into())
}

/// Largest `limits.max_concurrent`.
pub const MAX_CONCURRENT_BOUND: usize = 1_000_000;
/// Largest `limits.max_headers`.
pub const MAX_HEADERS_BOUND: usize = 10_000;
/// Largest `limits.max_response_bytes` (1 GiB).
pub const MAX_RESPONSE_BYTES_BOUND: usize = 1 << 30;
/// Largest `limits.max_connections`.
pub const MAX_CONNECTIONS_BOUND: usize = 1_000_000;

/// Bounds (all optional in the file; defaults in [`Limits::default`]).
#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields, default)]
pub struct Limits {
    /// Request body bound (bytes).
    pub max_request_bytes: usize,
    /// Non-streamed upstream response bound (bytes); a streamed response is not buffered.
    pub max_response_bytes: usize,
    /// Request header count bound.
    pub max_headers: usize,
    /// Request head (request line + headers) bound, bytes.
    pub max_header_bytes: usize,
    /// Time to receive the request head.
    pub header_timeout_ms: u64,
    /// Time to receive the request body.
    pub body_timeout_ms: u64,
    /// Upstream connect timeout.
    pub upstream_connect_timeout_ms: u64,
    /// Upstream read timeout: for the response head, then between two body chunks.
    pub upstream_read_timeout_ms: u64,
    /// Requests processed at once; more get 503 `GATEWAY_OVERLOADED`.
    pub max_concurrent: usize,
    /// Client connections open at once; one more gets 503 `GATEWAY_BUSY` and is closed.
    pub max_connections: usize,
    /// On SIGTERM, how long in-flight requests may take to finish.
    pub shutdown_grace_ms: u64,
    /// How long "this policy is not in the policy directory" is remembered before the
    /// directory is read again for that hash (0: read it on every request).
    pub policy_negative_ttl_ms: u64,
    /// How long a client may leave the gateway's bytes untaken (its connection accepts
    /// nothing) before the connection is closed.
    pub client_write_timeout_ms: u64,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            max_request_bytes: 8 * 1024 * 1024,
            max_response_bytes: 64 * 1024 * 1024,
            max_headers: 64,
            max_header_bytes: 16 * 1024,
            header_timeout_ms: 10_000,
            body_timeout_ms: 30_000,
            upstream_connect_timeout_ms: 5_000,
            upstream_read_timeout_ms: 300_000,
            max_concurrent: 512,
            max_connections: 1024,
            shutdown_grace_ms: 10_000,
            policy_negative_ttl_ms: 1_000,
            client_write_timeout_ms: 60_000,
        }
    }
}

/// The file form. Relative paths are relative to the file's directory.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileConfig {
    pub listen: Option<String>,
    pub signing_key: Option<PathBuf>,
    pub gateway_id: Option<String>,
    #[serde(default)]
    pub cst_issuers: Vec<PathBuf>,
    pub audience: Option<String>,
    pub require_job_binding: Option<bool>,
    pub require_scope_hash: Option<bool>,
    pub wpc_dir: Option<PathBuf>,
    #[serde(default)]
    pub wpc_signers: Vec<String>,
    pub policy_hash: Option<String>,
    pub require_policy: Option<bool>,
    pub overrides: Option<PathBuf>,
    pub receipts_dir: Option<PathBuf>,
    pub receipts_log: Option<PathBuf>,
    #[serde(default)]
    pub upstreams: BTreeMap<String, String>,
    /// Provider → name of the environment variable holding its API key (the key itself
    /// never appears in the file).
    #[serde(default)]
    pub upstream_key_env: BTreeMap<String, String>,
    pub log_format: Option<String>,
    /// Shared state (`docs/SPEC.md §9`): a Redis address.
    pub state: Option<String>,
    /// Each token is accepted once (once per its own `mission_id` when it names one, never
    /// per `X-Run-Id`) across every instance (needs `state`).
    pub one_time_tokens: Option<bool>,
    #[serde(default)]
    pub limits: Option<Limits>,
}

/// Command-line values that override the file (see `main.rs` for the flags).
#[derive(Debug, Default, Clone)]
pub struct Overrides {
    pub listen: Option<String>,
    pub signing_key: Option<PathBuf>,
    pub gateway_id: Option<String>,
    pub cst_issuers: Vec<PathBuf>,
    pub audience: Option<String>,
    pub require_job_binding: bool,
    pub require_scope_hash: bool,
    pub wpc_dir: Option<PathBuf>,
    pub wpc_signers: Vec<String>,
    pub policy_hash: Option<String>,
    pub require_policy: bool,
    pub overrides: Option<PathBuf>,
    pub receipts_dir: Option<PathBuf>,
    pub receipts_log: Option<PathBuf>,
    pub upstreams: Vec<String>,
    pub upstream_key_env: Vec<String>,
    pub log_format: Option<String>,
    pub max_request_bytes: Option<usize>,
    pub max_response_bytes: Option<usize>,
    pub max_concurrent: Option<usize>,
    pub max_connections: Option<usize>,
    pub header_timeout_ms: Option<u64>,
    pub body_timeout_ms: Option<u64>,
    pub upstream_read_timeout_ms: Option<u64>,
    pub shutdown_grace_ms: Option<u64>,
    pub state: Option<String>,
    pub one_time_tokens: bool,
}

/// The resolved configuration.
#[derive(Debug, Clone)]
pub struct Config {
    pub listen: SocketAddr,
    pub signing_key: PathBuf,
    pub gateway_id: Option<String>,
    pub cst_issuers: Vec<PathBuf>,
    pub audience: String,
    pub require_job_binding: bool,
    pub require_scope_hash: bool,
    pub wpc_dir: Option<PathBuf>,
    pub wpc_signers: Vec<String>,
    pub policy_hash: Option<String>,
    pub require_policy: bool,
    pub overrides: Option<PathBuf>,
    pub receipts_dir: Option<PathBuf>,
    pub receipts_log: Option<PathBuf>,
    /// Provider → base URL (`http://` or `https://`, no trailing slash).
    pub upstreams: BTreeMap<String, String>,
    pub upstream_key_env: BTreeMap<String, String>,
    pub json_logs: bool,
    pub limits: Limits,
    /// Redis address of the shared state (`None`: everything stays in this process).
    pub state: Option<String>,
    /// One use per token (`jti`, and the token's own `mission_id`: never the client's
    /// `X-Run-Id`) across the instances sharing `state`.
    pub one_time_tokens: bool,
}

/// Read a configuration file: TOML, or JSON when the name ends in `.json`.
pub fn read_file(path: &Path) -> Result<FileConfig, ConfigError> {
    let bytes = std::fs::read(path).map_err(|e| cerr(format!("{}: {e}", path.display())))?;
    if bytes.len() > MAX_CONFIG_BYTES {
        return Err(cerr(format!(
            "{}: above the {MAX_CONFIG_BYTES}-byte bound",
            path.display()
        )));
    }
    let mut fc: FileConfig = if path.extension().is_some_and(|e| e == "json") {
        let v = claw_core::json::parse(&bytes, &claw_core::json::Limits::STRICT)
            .map_err(|e| cerr(format!("{}: {e}", path.display())))?;
        serde_json::from_value(v).map_err(|e| cerr(format!("{}: {e}", path.display())))?
    } else {
        let text = std::str::from_utf8(&bytes)
            .map_err(|_| cerr(format!("{}: not UTF-8", path.display())))?;
        toml::from_str(text).map_err(|e| cerr(format!("{}: {e}", path.display())))?
    };
    let base = path.parent().unwrap_or(Path::new("."));
    let rel = |p: &mut PathBuf| {
        if p.is_relative() {
            *p = base.join(&*p);
        }
    };
    for p in [
        &mut fc.signing_key,
        &mut fc.wpc_dir,
        &mut fc.overrides,
        &mut fc.receipts_dir,
        &mut fc.receipts_log,
    ]
    .into_iter()
    .flatten()
    {
        rel(p);
    }
    fc.cst_issuers.iter_mut().for_each(rel);
    Ok(fc)
}

fn pair(s: &str, what: &str) -> Result<(String, String), ConfigError> {
    s.split_once('=')
        .filter(|(k, v)| !k.is_empty() && !v.is_empty())
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .ok_or_else(|| cerr(format!("{what} {s:?}: expected PROVIDER=VALUE")))
}

/// Providers are lowercase names (`openai`, `anthropic`, ...).
pub fn valid_provider(p: &str) -> bool {
    !p.is_empty()
        && p.len() <= 64
        && p.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_')
}

/// Merge the file (if any) and the flags; flags win. Checks every value.
pub fn resolve(file: Option<FileConfig>, o: Overrides) -> Result<Config, ConfigError> {
    let f = file.unwrap_or_default();
    let listen = o
        .listen
        .or(f.listen)
        .unwrap_or_else(|| "127.0.0.1:8787".into());
    let listen: SocketAddr = listen
        .parse()
        .map_err(|_| cerr(format!("listen {listen:?}: expected IP:PORT")))?;
    let signing_key = o
        .signing_key
        .or(f.signing_key)
        .ok_or_else(|| cerr("signing_key is required (--signing-key GATEWAY.jwk)"))?;
    let cst_issuers = if o.cst_issuers.is_empty() {
        f.cst_issuers
    } else {
        o.cst_issuers
    };
    if cst_issuers.is_empty() {
        return Err(cerr(
            "at least one CST issuer key is required (--cst-issuer FILE)",
        ));
    }
    let audience = o
        .audience
        .or(f.audience)
        .ok_or_else(|| cerr("audience is required (--audience AUD)"))?;
    if audience.is_empty() {
        return Err(cerr("audience must not be empty"));
    }
    let mut upstreams = f.upstreams;
    for u in &o.upstreams {
        let (k, v) = pair(u, "--upstream")?;
        upstreams.insert(k, v);
    }
    if upstreams.is_empty() {
        return Err(cerr(
            "at least one upstream is required (--upstream PROVIDER=URL)",
        ));
    }
    for (k, v) in upstreams.iter_mut() {
        if !valid_provider(k) {
            return Err(cerr(format!(
                "upstream provider {k:?}: lowercase letters, digits, - and _"
            )));
        }
        let uri: hyper::Uri = v
            .parse()
            .map_err(|_| cerr(format!("upstream {k}: {v:?} is not a URL")))?;
        match (uri.scheme_str(), uri.host()) {
            (Some("http") | Some("https"), Some(_)) if uri.query().is_none() => {}
            _ => {
                return Err(cerr(format!(
                    "upstream {k}: {v:?} must be an http(s) URL without query"
                )))
            }
        }
        while v.ends_with('/') {
            v.pop();
        }
    }
    let mut upstream_key_env = f.upstream_key_env;
    for u in &o.upstream_key_env {
        let (k, v) = pair(u, "--upstream-key-env")?;
        upstream_key_env.insert(k, v);
    }
    let wpc_signers = if o.wpc_signers.is_empty() {
        f.wpc_signers
    } else {
        o.wpc_signers
    };
    for s in &wpc_signers {
        claw_core::keys::VerifyingKey::from_did(s)
            .map_err(|e| cerr(format!("wpc signer {s:?}: {e}")))?;
    }
    let wpc_dir = o.wpc_dir.or(f.wpc_dir);
    if wpc_dir.is_some() && wpc_signers.is_empty() {
        return Err(cerr(
            "a policy directory needs at least one trusted signer (--wpc-signer DID)",
        ));
    }
    let policy_hash = o.policy_hash.or(f.policy_hash);
    if let Some(h) = &policy_hash {
        if !claw_core::hash::is_b64u_sha256(h) {
            return Err(cerr(format!("policy_hash {h:?}: not a base64url SHA-256")));
        }
        if wpc_dir.is_none() {
            return Err(cerr("policy_hash needs a policy directory (--wpc-dir)"));
        }
    }
    let require_policy = o.require_policy || f.require_policy.unwrap_or(false);
    if require_policy && wpc_dir.is_none() {
        return Err(cerr("require_policy needs a policy directory (--wpc-dir)"));
    }
    let json_logs = match o.log_format.or(f.log_format).as_deref() {
        None | Some("text") => false,
        Some("json") => true,
        Some(x) => return Err(cerr(format!("log_format {x:?}: text or json"))),
    };
    let mut limits = f.limits.unwrap_or_default();
    if let Some(v) = o.max_request_bytes {
        limits.max_request_bytes = v;
    }
    if let Some(v) = o.max_response_bytes {
        limits.max_response_bytes = v;
    }
    if let Some(v) = o.max_concurrent {
        limits.max_concurrent = v;
    }
    if let Some(v) = o.max_connections {
        limits.max_connections = v;
    }
    if let Some(v) = o.header_timeout_ms {
        limits.header_timeout_ms = v;
    }
    if let Some(v) = o.body_timeout_ms {
        limits.body_timeout_ms = v;
    }
    if let Some(v) = o.upstream_read_timeout_ms {
        limits.upstream_read_timeout_ms = v;
    }
    if let Some(v) = o.shutdown_grace_ms {
        limits.shutdown_grace_ms = v;
    }
    if limits.max_concurrent == 0
        || limits.max_connections == 0
        || limits.max_headers == 0
        || limits.max_request_bytes == 0
        || limits.max_response_bytes == 0
        || limits.client_write_timeout_ms == 0
        || limits.max_header_bytes < 1024
    {
        return Err(cerr(
            "limits: max_concurrent, max_connections, max_headers, max_request_bytes, max_response_bytes, client_write_timeout_ms must be positive, max_header_bytes at least 1024",
        ));
    }
    // Upper bounds: past them the values are not limits but faults. The permits are a tokio
    // semaphore (it panics above `usize::MAX >> 3` permits, and shutdown waits for them as
    // one u32), and hyper allocates room for `max_headers` headers for every request head it
    // parses (a huge value aborted the process on the first request).
    if limits.max_concurrent > MAX_CONCURRENT_BOUND
        || limits.max_headers > MAX_HEADERS_BOUND
        || limits.max_connections > MAX_CONNECTIONS_BOUND
        || limits.max_response_bytes > MAX_RESPONSE_BYTES_BOUND
    {
        return Err(cerr(format!(
            "limits: max_concurrent at most {MAX_CONCURRENT_BOUND}, max_headers at most {MAX_HEADERS_BOUND}, max_connections at most {MAX_CONNECTIONS_BOUND}, max_response_bytes at most {MAX_RESPONSE_BYTES_BOUND}"
        )));
    }
    let state = o.state.or(f.state);
    let one_time_tokens = o.one_time_tokens || f.one_time_tokens.unwrap_or(false);
    if one_time_tokens && state.is_none() {
        return Err(cerr(
            "one_time_tokens needs the shared state (--state redis://...)",
        ));
    }
    if let Some(u) = &state {
        claw_store::Address::parse(u).map_err(|e| cerr(format!("state: {e}")))?;
    }
    Ok(Config {
        state,
        one_time_tokens,
        listen,
        signing_key,
        gateway_id: o.gateway_id.or(f.gateway_id),
        cst_issuers,
        audience,
        require_job_binding: o.require_job_binding || f.require_job_binding.unwrap_or(false),
        require_scope_hash: o.require_scope_hash || f.require_scope_hash.unwrap_or(false),
        wpc_dir,
        wpc_signers,
        policy_hash,
        require_policy,
        overrides: o.overrides.or(f.overrides),
        receipts_dir: o.receipts_dir.or(f.receipts_dir),
        receipts_log: o.receipts_log.or(f.receipts_log),
        upstreams,
        upstream_key_env,
        json_logs,
        limits,
    })
}
