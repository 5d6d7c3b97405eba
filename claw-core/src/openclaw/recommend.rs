//! The tightest OpenClaw tool config that matches a WPC.

use super::audit::WpcView;
use super::catalog;
use serde_json::{json, Map, Value};

/// A config fragment to merge into `openclaw.json`:
///
/// ```json5
/// {
///   tools: {
///     profile: "minimal",
///     alsoAllow: [/* WPC-allowed core tools beyond the minimal profile */],
///     deny: [/* every core tool the WPC does not allow, whole groups folded */],
///     elevated: { enabled: false },
///     exec: { host: "sandbox" },          // only when the WPC allows exec or process
///     sandbox: { tools: { allow: [/* the same allowed tools */] } },
///   },
///   agents: { defaults: { sandbox: { mode: "all" } } },
/// }
/// ```
///
/// * `profile: "minimal"` + `alsoAllow` (not `allow`): the layers intersect, so an `allow`
///   next to the minimal profile would leave only the two minimal tools; `alsoAllow` widens
///   the profile's own list instead.
/// * The `deny` list repeats every core tool the WPC does not allow (explicit Deny or
///   default deny), so a later change of profile cannot bring them back; the two tools the
///   minimal profile brings (`session_status`, `gateway`) are denied too unless the WPC
///   allows them. Tools allowed with approval or under conditions stay allowed: the claw
///   plugin decides those per call.
/// * Sandboxed sessions get the same allowlist (the sandbox's default list would otherwise
///   drop WPC-allowed tools such as `web_fetch`).
/// * Only core tools are listed: a WPC may name plugin tools, which this OpenClaw release
///   cannot know about.
///
/// OpenClaw's sandbox is a Docker container; for a machine without a Docker daemon see
/// [`recommended_config_for`] with [`Isolation::Host`].
pub fn recommended_config(wpc: &dyn WpcView) -> Value {
    recommended_config_for(wpc, Isolation::Docker)
}

/// Where the recommended config runs the agent's tools.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Isolation {
    /// In OpenClaw's sandbox (a Docker container per session): needs a Docker daemon.
    Docker,
    /// On the host, without a sandbox: for a machine with no Docker daemon. See
    /// [`Isolation::trade_off`].
    Host,
}

impl Isolation {
    /// `docker` or `host`.
    pub fn as_str(self) -> &'static str {
        match self {
            Isolation::Docker => "docker",
            Isolation::Host => "host",
        }
    }

    /// What the config gives up, in one paragraph, for `wpc`.
    pub fn trade_off(self, wpc: &dyn WpcView) -> String {
        match self {
            Isolation::Docker => "tools run in OpenClaw's Docker sandbox (sandbox.mode \"all\", exec host \"sandbox\", which fails closed when no Docker daemon answers)".into(),
            Isolation::Host if wpc.forbids_host_exec().is_some() => format!(
                "no Docker sandbox: the WPC forbids host execution, so {} and {} are denied although the WPC may allow them (no shell for the agent); the remaining tools act on the host with the OpenClaw process's rights, limited only by the WPC (the claw plugin decides each call)",
                catalog::HOST_EXEC_TOOLS.join("/"),
                catalog::HOST_REACH_TOOLS.join("/")
            ),
            Isolation::Host => "no Docker sandbox: every allowed tool, exec included, runs on the host with the OpenClaw process's rights; the only boundary is the WPC, decided per call by the claw plugin (run OpenClaw as an unprivileged user in a dedicated workspace)".into(),
        }
    }
}

/// [`recommended_config`] for a chosen [`Isolation`]. With [`Isolation::Host`]:
/// `agents.defaults.sandbox.mode: "off"` (no container), no `sandbox.tools` block; when the
/// WPC forbids host execution, `exec`, `process` and the host-reach tools (`terminal`,
/// `computer`, `nodes`) are denied whatever the WPC allows, since nothing would keep them off
/// the host; otherwise `tools.exec.host: "gateway"` says plainly that commands run on the
/// host. `elevated` stays disabled. The audit of this config against the same WPC has no
/// warning or critical finding either.
pub fn recommended_config_for(wpc: &dyn WpcView, isolation: Isolation) -> Value {
    let no_host_exec = isolation == Isolation::Host && wpc.forbids_host_exec().is_some();
    let mut allowed: Vec<&str> = Vec::new();
    let mut denied: Vec<&str> = Vec::new();
    for t in catalog::CORE_TOOLS {
        let host_only =
            catalog::HOST_EXEC_TOOLS.contains(t) || catalog::HOST_REACH_TOOLS.contains(t);
        if no_host_exec && host_only {
            denied.push(t);
        } else if wpc.tool(t).stance.permits_some_calls() {
            allowed.push(t);
        } else {
            denied.push(t);
        }
    }
    let minimal = catalog::profile("minimal").unwrap_or(&[]);
    let also_allow: Vec<&str> = allowed
        .iter()
        .copied()
        .filter(|t| !minimal.contains(t))
        .collect();

    // Fold whole section groups (not group:openclaw, whose membership is less obvious).
    let mut deny: Vec<String> = Vec::new();
    let mut covered: Vec<&str> = Vec::new();
    for (g, members) in catalog::GROUPS {
        if *g == "group:openclaw" {
            continue;
        }
        if members.iter().all(|m| denied.contains(m)) {
            deny.push((*g).to_string());
            covered.extend(members.iter().copied());
        }
    }
    deny.extend(
        denied
            .iter()
            .filter(|t| !covered.contains(t))
            .map(|t| (*t).to_string()),
    );

    let mut tools = Map::new();
    tools.insert("profile".into(), json!("minimal"));
    if !also_allow.is_empty() {
        tools.insert("alsoAllow".into(), json!(also_allow));
    }
    if !deny.is_empty() {
        tools.insert("deny".into(), json!(deny));
    }
    tools.insert("elevated".into(), json!({ "enabled": false }));
    let runs_exec = catalog::HOST_EXEC_TOOLS.iter().any(|t| allowed.contains(t));
    let (exec_host, sandbox_mode) = match isolation {
        Isolation::Docker => ("sandbox", "all"),
        Isolation::Host => ("gateway", "off"),
    };
    if runs_exec {
        tools.insert("exec".into(), json!({ "host": exec_host }));
    }
    if isolation == Isolation::Docker && !allowed.is_empty() {
        tools.insert("sandbox".into(), json!({ "tools": { "allow": allowed } }));
    }
    json!({
        "tools": Value::Object(tools),
        "agents": { "defaults": { "sandbox": { "mode": sandbox_mode } } },
    })
}

/// The model provider id the claw plugin owns (docs/SPEC.md §7.12).
pub const GATEWAY_PROVIDER_ID: &str = "claw-gateway";
/// The environment variable OpenClaw reads the gateway CST from (an env SecretRef).
pub const GATEWAY_CST_ENV: &str = "CLAW_GATEWAY_CST";
const MAX_GATEWAY_URL: usize = 2048;
const MAX_GATEWAY_MODELS: usize = 64;
const MAX_MODEL_ID: usize = 256;

/// Why a gateway provider block cannot be made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GatewayProviderError {
    /// The URL is not `http(s)://host[:port][/path]` without query, fragment or credentials.
    Url(&'static str),
    /// A model id is empty, too long, has control characters, or there are too many.
    Model(&'static str),
}

impl GatewayProviderError {
    /// The stable reason code of this error.
    pub fn reason_code(&self) -> &'static str {
        match self {
            Self::Url(_) => "OPENCLAW_GATEWAY_URL_INVALID",
            Self::Model(_) => "OPENCLAW_GATEWAY_MODEL_INVALID",
        }
    }
}

impl std::fmt::Display for GatewayProviderError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Url(m) | Self::Model(m) => f.write_str(m),
        }
    }
}

impl std::error::Error for GatewayProviderError {}

/// The `models` block that routes OpenClaw's model calls through claw-gateway:
///
/// ```json5
/// { providers: { "claw-gateway": {
///     baseUrl: "<gateway>/v1", api: "openai-completions",
///     apiKey: "claw-gateway",   // placeholder: the gateway holds the provider key
///     headers: { "X-CST": { source: "env", provider: "default", id: "CLAW_GATEWAY_CST" } },
///     models: [{ id, name, input: ["text"], reasoning: false, contextWindow: 128000,
///                maxTokens: 8192, cost: { zeros } }] } } }
/// ```
///
/// The per-call binding headers (`X-Run-Id`, `X-Event-Hash`, `X-Span-Id`,
/// `X-Parent-Span-Id`, `X-Idempotency-Key`) are added by the claw plugin, which owns the
/// provider id `claw-gateway`. The CST is never written into the config: OpenClaw resolves
/// the env SecretRef when it sends the call.
pub fn gateway_models(url: &str, models: &[String]) -> Result<Value, GatewayProviderError> {
    let base = gateway_base_url(url)?;
    if models.len() > MAX_GATEWAY_MODELS {
        return Err(GatewayProviderError::Model("more than 64 models"));
    }
    let mut list = Vec::new();
    for m in models {
        if m.is_empty() || m.len() > MAX_MODEL_ID || m.chars().any(char::is_control) {
            return Err(GatewayProviderError::Model(
                "a model id must be 1..=256 bytes without control characters",
            ));
        }
        list.push(json!({
            "id": m, "name": m, "input": ["text"], "reasoning": false,
            "contextWindow": 128000, "maxTokens": 8192,
            "cost": { "input": 0, "output": 0, "cacheRead": 0, "cacheWrite": 0 },
        }));
    }
    Ok(json!({ "providers": { GATEWAY_PROVIDER_ID: {
        "baseUrl": base,
        "api": "openai-completions",
        "apiKey": GATEWAY_PROVIDER_ID,
        "headers": { "X-CST": { "source": "env", "provider": "default", "id": GATEWAY_CST_ENV } },
        "models": list,
    } } }))
}

/// `<url without trailing slash>/v1` (the gateway's OpenAI-compatible routes), after checking
/// the URL's shape.
fn gateway_base_url(url: &str) -> Result<String, GatewayProviderError> {
    if url.len() > MAX_GATEWAY_URL {
        return Err(GatewayProviderError::Url("longer than 2048 bytes"));
    }
    let rest = url
        .strip_prefix("http://")
        .or_else(|| url.strip_prefix("https://"))
        .ok_or(GatewayProviderError::Url(
            "must start with http:// or https://",
        ))?;
    if rest
        .chars()
        .any(|c| c.is_control() || c.is_whitespace() || matches!(c, '?' | '#' | '@' | '\\'))
    {
        return Err(GatewayProviderError::Url(
            "no query, fragment, credentials, backslash or white space allowed",
        ));
    }
    let host = rest.split('/').next().unwrap_or("");
    if host.is_empty() {
        return Err(GatewayProviderError::Url("the host is missing"));
    }
    let trimmed = url.trim_end_matches('/');
    Ok(if trimmed.ends_with("/v1") {
        trimmed.to_string()
    } else {
        format!("{trimmed}/v1")
    })
}

#[cfg(test)]
mod gateway_tests {
    use super::*;

    #[test]
    fn gateway_block_points_at_v1_and_takes_the_cst_from_the_environment() {
        let v = gateway_models("http://127.0.0.1:8787/", &["m-1".into()]).unwrap();
        let p = &v["providers"]["claw-gateway"];
        assert_eq!(p["baseUrl"], "http://127.0.0.1:8787/v1");
        assert_eq!(p["headers"]["X-CST"]["id"], "CLAW_GATEWAY_CST");
        assert_eq!(p["models"][0]["id"], "m-1");
        let v = gateway_models("https://gw.example/v1", &[]).unwrap();
        assert_eq!(
            v["providers"]["claw-gateway"]["baseUrl"],
            "https://gw.example/v1"
        );
    }

    #[test]
    fn bad_urls_and_models_are_refused_with_a_reason_code() {
        for u in [
            "ftp://x",
            "http://",
            "http:///v1",
            "http://a?b",
            "http://u:p@h",
            "http://h/#x",
            "http://h /",
        ] {
            let e = gateway_models(u, &[]).unwrap_err();
            assert_eq!(e.reason_code(), "OPENCLAW_GATEWAY_URL_INVALID", "{u}");
        }
        let e = gateway_models("http://h", &[String::new()]).unwrap_err();
        assert_eq!(e.reason_code(), "OPENCLAW_GATEWAY_MODEL_INVALID");
        let e = gateway_models("http://h", &["a\nb".into()]).unwrap_err();
        assert_eq!(e.reason_code(), "OPENCLAW_GATEWAY_MODEL_INVALID");
    }
}
