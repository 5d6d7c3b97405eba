//! A typed view of the parts of `openclaw.json` that decide what tools an agent gets and
//! where they run.
//!
//! The reader is lenient about everything it does not interpret (OpenClaw's schema has
//! hundreds of keys, and a new release adds more) and strict about everything it does: a
//! field the audit reads must have the shape OpenClaw's schema gives it, and a config that
//! OpenClaw itself refuses to load (an unknown profile, `allow` together with `alsoAllow` in
//! one scope, `agents.defaults.tools`, a bad agent id) is refused, so the audit never reasons
//! about a config that would not run.

use super::catalog;
use super::error::OpenClawError;
use super::json5::{self, Json5Limits};
use crate::json;
use serde_json::{Map, Value};

/// One `allow` / `alsoAllow` / `deny` triple (a policy scope).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ListPolicy {
    /// `allow`, as written.
    pub allow: Option<Vec<String>>,
    /// `alsoAllow`, as written.
    pub also_allow: Option<Vec<String>>,
    /// `deny`, as written.
    pub deny: Option<Vec<String>>,
}

/// One `tools.byProvider` entry.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProviderPolicy {
    /// The key as written (`"ollama"`, `"openai/gpt-5.4"`).
    pub key: String,
    /// The key normalized as OpenClaw looks it up (trimmed, lowercased).
    pub normalized_key: String,
    /// `profile`.
    pub profile: Option<String>,
    /// `allow` / `alsoAllow` / `deny`.
    pub lists: ListPolicy,
}

/// `tools.elevated` (global or per agent).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Elevated {
    /// `enabled`; OpenClaw treats an unset value as enabled.
    pub enabled: Option<bool>,
    /// `allowFrom`: provider → sender entries (numbers rendered as strings).
    pub allow_from: Vec<(String, Vec<String>)>,
}

/// `tools.exec` fields that say where and how commands run.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Exec {
    /// `host`: `auto` (default), `sandbox`, `gateway` or `node`.
    pub host: Option<String>,
    /// `security`: `deny`, `allowlist` or `full`.
    pub security: Option<String>,
}

/// A tools scope: the top-level `tools`, or `agents.entries.<id>.tools`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ToolsScope {
    /// `profile`: `minimal`, `coding`, `messaging` or `full`.
    pub profile: Option<String>,
    /// `allow` / `alsoAllow` / `deny`.
    pub lists: ListPolicy,
    /// `byProvider` entries, in file order.
    pub by_provider: Vec<ProviderPolicy>,
    /// `sandbox.tools`: the extra policy for sandboxed sessions.
    pub sandbox_tools: ListPolicy,
    /// `elevated`.
    pub elevated: Option<Elevated>,
    /// `exec`.
    pub exec: Exec,
}

/// `agents.*.sandbox.mode`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum SandboxMode {
    /// No session is sandboxed (OpenClaw's default).
    Off,
    /// Every session except the agent's main session is sandboxed.
    NonMain,
    /// Every session is sandboxed.
    All,
}

impl SandboxMode {
    /// The config spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            SandboxMode::Off => "off",
            SandboxMode::NonMain => "non-main",
            SandboxMode::All => "all",
        }
    }
}

/// A model reference: `"provider/model"` plus fallbacks.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ModelRef {
    /// `primary` (or the bare string form).
    pub primary: Option<String>,
    /// `fallbacks`.
    pub fallbacks: Vec<String>,
}

/// One agent of the roster.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Agent {
    /// The agent id.
    pub id: String,
    /// Where it was declared: `agents.entries.<id>`, `agents.list[i]`, or `(default)` for
    /// the implicit `main` agent of a config without a roster (no `$.` prefix).
    pub path: String,
    /// `tools` of the agent, if any.
    pub tools: Option<ToolsScope>,
    /// `sandbox.mode` of the agent, if set.
    pub sandbox_mode: Option<SandboxMode>,
    /// `model` of the agent (empty when it uses `agents.defaults.model`).
    pub model: ModelRef,
}

/// The parsed config: the raw value (for hashing and diffs) and the typed view.
#[derive(Debug, Clone, PartialEq)]
pub struct OpenClawConfig {
    value: Value,
    hash: String,
    tools: ToolsScope,
    default_sandbox_mode: Option<SandboxMode>,
    default_model: ModelRef,
    agents: Vec<Agent>,
    legacy_agents_list: bool,
}

/// The id OpenClaw gives the agent of a config without a roster.
pub const DEFAULT_AGENT_ID: &str = "main";

impl OpenClawConfig {
    /// Read a config from JSON5 text (bounded by [`Json5Limits::CONFIG`]).
    pub fn parse(bytes: &[u8]) -> Result<OpenClawConfig, OpenClawError> {
        OpenClawConfig::from_value(json5::parse(bytes, &Json5Limits::CONFIG)?)
    }

    /// Build the typed view of an already parsed config.
    pub fn from_value(value: Value) -> Result<OpenClawConfig, OpenClawError> {
        let root = value
            .as_object()
            .ok_or_else(|| OpenClawError::config("$", "the config must be an object"))?;
        find_include(&value, &mut String::from("$"))?;
        let hash = config_hash(&value)?;

        let tools = match root.get("tools") {
            None => ToolsScope::default(),
            Some(t) => read_tools_scope(t, "$.tools")?,
        };

        let agents_obj = opt_object(root.get("agents"), "$.agents")?;
        let mut default_sandbox_mode = None;
        let mut default_model = ModelRef::default();
        let mut agents = Vec::new();
        let mut legacy_agents_list = false;
        if let Some(a) = agents_obj {
            if let Some(d) = opt_object(a.get("defaults"), "$.agents.defaults")? {
                if d.contains_key("tools") {
                    return Err(OpenClawError::config(
                        "$.agents.defaults.tools",
                        "not a valid key in OpenClaw 2026.9.6 (global tool policy goes under the top-level `tools`)",
                    ));
                }
                default_sandbox_mode =
                    read_sandbox_mode(d.get("sandbox"), "$.agents.defaults.sandbox")?;
                default_model = read_model(d.get("model"), "$.agents.defaults.model")?;
            }
            let entries = opt_object(a.get("entries"), "$.agents.entries")?;
            let list = match a.get("list") {
                None => None,
                Some(Value::Array(l)) => Some(l),
                Some(_) => return Err(OpenClawError::config("$.agents.list", "must be an array")),
            };
            if entries.is_some() && list.is_some() {
                return Err(OpenClawError::config(
                    "$.agents",
                    "both `entries` and the legacy `list` are set; keep only `entries`",
                ));
            }
            if let Some(e) = entries {
                for (id, v) in e {
                    let path = key_path("$.agents.entries", id);
                    check_agent_id(id, &path)?;
                    agents.push(read_agent(id.clone(), v, path)?);
                }
            }
            if let Some(l) = list {
                legacy_agents_list = true;
                for (i, v) in l.iter().enumerate() {
                    let path = format!("$.agents.list[{i}]");
                    let id = match v.get("id") {
                        Some(Value::String(s)) => s.trim().to_lowercase(),
                        _ => {
                            return Err(OpenClawError::config(
                                format!("{path}.id"),
                                "every legacy agents.list entry needs a string `id`",
                            ))
                        }
                    };
                    check_agent_id(&id, &format!("{path}.id"))?;
                    if agents.iter().any(|x: &Agent| x.id == id) {
                        return Err(OpenClawError::config(
                            format!("{path}.id"),
                            format!("agent id {id:?} appears twice"),
                        ));
                    }
                    agents.push(read_agent(id, v, path)?);
                }
            }
        }
        if agents.is_empty() {
            agents.push(Agent {
                id: DEFAULT_AGENT_ID.to_string(),
                path: "(default)".to_string(),
                tools: None,
                sandbox_mode: None,
                model: ModelRef::default(),
            });
        }
        Ok(OpenClawConfig {
            value,
            hash,
            tools,
            default_sandbox_mode,
            default_model,
            agents,
            legacy_agents_list,
        })
    }

    /// The config as parsed.
    pub fn value(&self) -> &Value {
        &self.value
    }

    /// `base64url(SHA-256(JCS(config)))`: the config hash a baseline records. Independent
    /// of comments, formatting, quoting style and key order.
    pub fn hash_b64u(&self) -> &str {
        &self.hash
    }

    /// The top-level `tools` scope.
    pub fn tools(&self) -> &ToolsScope {
        &self.tools
    }

    /// `agents.defaults.sandbox.mode`, if set.
    pub fn default_sandbox_mode(&self) -> Option<SandboxMode> {
        self.default_sandbox_mode
    }

    /// `agents.defaults.model`.
    pub fn default_model(&self) -> &ModelRef {
        &self.default_model
    }

    /// The agents (the implicit `main` agent when the config has no roster).
    pub fn agents(&self) -> &[Agent] {
        &self.agents
    }

    /// Whether the roster uses the legacy `agents.list` form.
    pub fn uses_legacy_agents_list(&self) -> bool {
        self.legacy_agents_list
    }
}

/// `base64url(SHA-256(JCS(value)))`.
pub fn config_hash(value: &Value) -> Result<String, OpenClawError> {
    let bytes = json::canonicalize(value)
        .map_err(|e| OpenClawError::config("$", format!("cannot canonicalize: {e}")))?;
    Ok(crate::hash::sha256_b64u(bytes))
}

fn key_path(parent: &str, key: &str) -> String {
    let simple = !key.is_empty()
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '$')
        && !key.starts_with(|c: char| c.is_ascii_digit());
    if simple {
        format!("{parent}.{key}")
    } else {
        format!("{parent}[{}]", Value::String(key.to_string()))
    }
}

fn find_include(v: &Value, path: &mut String) -> Result<(), OpenClawError> {
    match v {
        Value::Object(m) => {
            if m.contains_key("$include") {
                return Err(OpenClawError::IncludeUnsupported { path: path.clone() });
            }
            for (k, child) in m {
                let len = path.len();
                *path = key_path(path, k);
                find_include(child, path)?;
                path.truncate(len);
            }
            Ok(())
        }
        Value::Array(items) => {
            for (i, child) in items.iter().enumerate() {
                let len = path.len();
                path.push_str(&format!("[{i}]"));
                find_include(child, path)?;
                path.truncate(len);
            }
            Ok(())
        }
        _ => Ok(()),
    }
}

fn check_agent_id(id: &str, path: &str) -> Result<(), OpenClawError> {
    let mut chars = id.chars();
    let first_ok = chars
        .next()
        .is_some_and(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    let rest_ok =
        chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '-');
    if first_ok && rest_ok && id.len() <= 64 {
        Ok(())
    } else {
        Err(OpenClawError::config(
            path,
            "agent ids must match ^[a-z0-9_][a-z0-9_-]{0,63}$",
        ))
    }
}

fn opt_object<'a>(
    v: Option<&'a Value>,
    path: &str,
) -> Result<Option<&'a Map<String, Value>>, OpenClawError> {
    match v {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Object(m)) => Ok(Some(m)),
        Some(_) => Err(OpenClawError::config(path, "must be an object")),
    }
}

fn opt_string(v: Option<&Value>, path: &str) -> Result<Option<String>, OpenClawError> {
    match v {
        None => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(OpenClawError::config(path, "must be a string")),
    }
}

fn opt_bool(v: Option<&Value>, path: &str) -> Result<Option<bool>, OpenClawError> {
    match v {
        None => Ok(None),
        Some(Value::Bool(b)) => Ok(Some(*b)),
        Some(_) => Err(OpenClawError::config(path, "must be a boolean")),
    }
}

fn opt_enum(
    v: Option<&Value>,
    path: &str,
    allowed: &[&str],
) -> Result<Option<String>, OpenClawError> {
    match opt_string(v, path)? {
        None => Ok(None),
        Some(s) if allowed.contains(&s.as_str()) => Ok(Some(s)),
        Some(_) => Err(OpenClawError::config(
            path,
            format!("must be one of {}", allowed.join(", ")),
        )),
    }
}

/// Most entries a tool or model list may have. Real configs list tens; the effective-policy
/// computation matches every listed name against every pattern of every layer, so the
/// count must be bounded for a hostile config not to cost quadratic time.
pub const MAX_LIST_ENTRIES: usize = 1024;

fn opt_string_list(v: Option<&Value>, path: &str) -> Result<Option<Vec<String>>, OpenClawError> {
    match v {
        None => Ok(None),
        Some(Value::Array(items)) if items.len() > MAX_LIST_ENTRIES => Err(OpenClawError::config(
            path,
            format!(
                "has {} entries, above the limit of {MAX_LIST_ENTRIES}",
                items.len()
            ),
        )),
        Some(Value::Array(items)) => items
            .iter()
            .enumerate()
            .map(|(i, x)| match x {
                Value::String(s) => Ok(s.clone()),
                _ => Err(OpenClawError::config(
                    format!("{path}[{i}]"),
                    "must be a string",
                )),
            })
            .collect::<Result<Vec<_>, _>>()
            .map(Some),
        Some(_) => Err(OpenClawError::config(path, "must be an array of strings")),
    }
}

fn read_lists(m: &Map<String, Value>, path: &str) -> Result<ListPolicy, OpenClawError> {
    let lists = ListPolicy {
        allow: opt_string_list(m.get("allow"), &format!("{path}.allow"))?,
        also_allow: opt_string_list(m.get("alsoAllow"), &format!("{path}.alsoAllow"))?,
        deny: opt_string_list(m.get("deny"), &format!("{path}.deny"))?,
    };
    let non_empty = |l: &Option<Vec<String>>| l.as_ref().is_some_and(|l| !l.is_empty());
    if non_empty(&lists.allow) && non_empty(&lists.also_allow) {
        return Err(OpenClawError::config(
            path,
            "cannot set both allow and alsoAllow in the same scope (OpenClaw refuses this config)",
        ));
    }
    Ok(lists)
}

const PROFILE_NAMES: &[&str] = &["minimal", "coding", "messaging", "full"];

fn read_tools_scope(v: &Value, path: &str) -> Result<ToolsScope, OpenClawError> {
    let m = v
        .as_object()
        .ok_or_else(|| OpenClawError::config(path, "must be an object"))?;
    let profile = opt_enum(m.get("profile"), &format!("{path}.profile"), PROFILE_NAMES)?;
    let lists = read_lists(m, path)?;
    let mut by_provider = Vec::new();
    if let Some(bp) = opt_object(m.get("byProvider"), &format!("{path}.byProvider"))? {
        for (key, entry) in bp {
            let ep = key_path(&format!("{path}.byProvider"), key);
            let em = entry
                .as_object()
                .ok_or_else(|| OpenClawError::config(&ep, "must be an object"))?;
            by_provider.push(ProviderPolicy {
                key: key.clone(),
                normalized_key: normalize_provider_key(key),
                profile: opt_enum(em.get("profile"), &format!("{ep}.profile"), PROFILE_NAMES)?,
                lists: read_lists(em, &ep)?,
            });
        }
    }
    let mut sandbox_tools = ListPolicy::default();
    if let Some(sb) = opt_object(m.get("sandbox"), &format!("{path}.sandbox"))? {
        if let Some(st) = opt_object(sb.get("tools"), &format!("{path}.sandbox.tools"))? {
            sandbox_tools = read_lists(st, &format!("{path}.sandbox.tools"))?;
        }
    }
    let elevated = match opt_object(m.get("elevated"), &format!("{path}.elevated"))? {
        None => None,
        Some(e) => {
            let ep = format!("{path}.elevated");
            let mut allow_from = Vec::new();
            if let Some(af) = opt_object(e.get("allowFrom"), &format!("{ep}.allowFrom"))? {
                for (provider, senders) in af {
                    let sp = key_path(&format!("{ep}.allowFrom"), provider);
                    let items = senders
                        .as_array()
                        .ok_or_else(|| OpenClawError::config(&sp, "must be an array"))?;
                    let mut out = Vec::new();
                    for (i, s) in items.iter().enumerate() {
                        match s {
                            Value::String(s) => out.push(s.clone()),
                            Value::Number(n) => out.push(n.to_string()),
                            _ => {
                                return Err(OpenClawError::config(
                                    format!("{sp}[{i}]"),
                                    "must be a string or a number",
                                ))
                            }
                        }
                    }
                    allow_from.push((provider.clone(), out));
                }
            }
            Some(Elevated {
                enabled: opt_bool(e.get("enabled"), &format!("{ep}.enabled"))?,
                allow_from,
            })
        }
    };
    let exec = match opt_object(m.get("exec"), &format!("{path}.exec"))? {
        None => Exec::default(),
        Some(x) => Exec {
            host: opt_enum(
                x.get("host"),
                &format!("{path}.exec.host"),
                &["auto", "sandbox", "gateway", "node"],
            )?,
            security: opt_enum(
                x.get("security"),
                &format!("{path}.exec.security"),
                &["deny", "allowlist", "full"],
            )?,
        },
    };
    Ok(ToolsScope {
        profile,
        lists,
        by_provider,
        sandbox_tools,
        elevated,
        exec,
    })
}

fn read_sandbox_mode(v: Option<&Value>, path: &str) -> Result<Option<SandboxMode>, OpenClawError> {
    let Some(sb) = opt_object(v, path)? else {
        return Ok(None);
    };
    Ok(
        match opt_enum(
            sb.get("mode"),
            &format!("{path}.mode"),
            &["off", "non-main", "all"],
        )?
        .as_deref()
        {
            Some("off") => Some(SandboxMode::Off),
            Some("non-main") => Some(SandboxMode::NonMain),
            Some("all") => Some(SandboxMode::All),
            _ => None,
        },
    )
}

fn read_model(v: Option<&Value>, path: &str) -> Result<ModelRef, OpenClawError> {
    match v {
        None | Some(Value::Null) => Ok(ModelRef::default()),
        Some(Value::String(s)) => Ok(ModelRef {
            primary: Some(s.clone()),
            fallbacks: Vec::new(),
        }),
        Some(Value::Object(m)) => Ok(ModelRef {
            primary: opt_string(m.get("primary"), &format!("{path}.primary"))?,
            fallbacks: opt_string_list(m.get("fallbacks"), &format!("{path}.fallbacks"))?
                .unwrap_or_default(),
        }),
        Some(_) => Err(OpenClawError::config(path, "must be a string or an object")),
    }
}

fn read_agent(id: String, v: &Value, path: String) -> Result<Agent, OpenClawError> {
    let m = v
        .as_object()
        .ok_or_else(|| OpenClawError::config(&path, "must be an object"))?;
    let tools = match m.get("tools") {
        None => None,
        Some(t) => Some(read_tools_scope(t, &format!("{path}.tools"))?),
    };
    Ok(Agent {
        sandbox_mode: read_sandbox_mode(m.get("sandbox"), &format!("{path}.sandbox"))?,
        model: read_model(m.get("model"), &format!("{path}.model"))?,
        tools,
        id,
        path: path.trim_start_matches("$.").to_string(),
    })
}

/// OpenClaw's `byProvider` key normalization: lowercase and trim; `provider/model` keeps
/// the model part.
pub fn normalize_provider_key(key: &str) -> String {
    let k = key.trim().to_lowercase();
    match k.find('/') {
        Some(i) if i > 0 => {
            let (p, m) = (k[..i].trim(), &k[i + 1..]);
            if m.is_empty() {
                p.to_string()
            } else {
                format!("{p}/{m}")
            }
        }
        _ => k,
    }
}

/// Whether `name` (normalized) is something OpenClaw's matcher can resolve: a core tool, a
/// group, `*`, a glob, or the plugin/MCP pseudo entries. Anything else silently matches
/// nothing unless a plugin happens to register a tool by that name.
pub fn is_known_entry(normalized: &str) -> bool {
    normalized == "*"
        || normalized.contains('*')
        || catalog::is_core_tool(normalized)
        || catalog::CHANNEL_TOOLS.contains(&normalized)
        || catalog::group(normalized).is_some()
        || normalized == catalog::GROUP_PLUGINS
        || normalized == catalog::BUNDLE_MCP
        || catalog::RENAMES.iter().any(|(from, _)| *from == normalized)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cfg(s: &str) -> Result<OpenClawConfig, OpenClawError> {
        OpenClawConfig::parse(s.as_bytes())
    }

    #[test]
    fn empty_config_has_the_implicit_main_agent() {
        let c = cfg("{}").unwrap();
        assert_eq!(c.agents().len(), 1);
        assert_eq!(c.agents()[0].id, "main");
        assert_eq!(c.default_sandbox_mode(), None);
    }

    #[test]
    fn hash_ignores_formatting_and_key_order() {
        let a = cfg("{tools: {profile: 'coding', deny: ['exec']}, /* c */ agents: {}}").unwrap();
        let b = cfg(r#"{"agents":{},"tools":{"deny":["exec"],"profile":"coding"}}"#).unwrap();
        assert_eq!(a.hash_b64u(), b.hash_b64u());
        let c =
            cfg(r#"{"agents":{},"tools":{"deny":["exec","write"],"profile":"coding"}}"#).unwrap();
        assert_ne!(a.hash_b64u(), c.hash_b64u());
    }

    #[test]
    fn refuses_what_openclaw_refuses() {
        let cases = [
            ("[]", "$"),
            ("{tools: {profile: 'everything'}}", "$.tools.profile"),
            (
                "{tools: {allow: ['read'], alsoAllow: ['write']}}",
                "$.tools",
            ),
            ("{tools: {deny: 'exec'}}", "$.tools.deny"),
            ("{tools: {deny: ['exec', 3]}}", "$.tools.deny[1]"),
            (
                "{agents: {defaults: {tools: {}}}}",
                "$.agents.defaults.tools",
            ),
            ("{agents: {entries: {Main: {}}}}", "$.agents.entries.Main"),
            ("{agents: {entries: {a: {}}, list: []}}", "$.agents"),
            ("{agents: {list: [{tools: {}}]}}", "$.agents.list[0].id"),
            (
                "{agents: {list: [{id: 'a'}, {id: 'a'}]}}",
                "$.agents.list[1].id",
            ),
            (
                "{agents: {defaults: {sandbox: {mode: 'some'}}}}",
                "$.agents.defaults.sandbox.mode",
            ),
            (
                "{tools: {elevated: {allowFrom: {telegram: [true]}}}}",
                "$.tools.elevated.allowFrom.telegram[0]",
            ),
            ("{tools: {exec: {host: 'cloud'}}}", "$.tools.exec.host"),
            (
                "{tools: {byProvider: {'openai/x': {allow: ['a'], alsoAllow: ['b']}}}}",
                "$.tools.byProvider[\"openai/x\"]",
            ),
        ];
        for (text, path) in cases {
            match cfg(text) {
                Err(OpenClawError::Config { path: p, .. }) => assert_eq!(p, path, "{text}"),
                other => panic!("{text}: {other:?}"),
            }
        }
    }

    #[test]
    fn include_is_refused_with_its_path() {
        let e = cfg("{agents: {$include: './agents.json5'}}").unwrap_err();
        assert_eq!(e.reason_code(), "OPENCLAW_CONFIG_INCLUDE_UNSUPPORTED");
        assert_eq!(
            e,
            OpenClawError::IncludeUnsupported {
                path: "$.agents".into()
            }
        );
    }

    #[test]
    fn empty_allow_with_also_allow_is_accepted() {
        // OpenClaw only refuses the pair when both lists are non-empty.
        assert!(cfg("{tools: {allow: [], alsoAllow: ['read']}}").is_ok());
    }

    #[test]
    fn provider_keys_normalize() {
        assert_eq!(normalize_provider_key(" OpenAI/GPT-5.4 "), "openai/gpt-5.4");
        assert_eq!(normalize_provider_key("Ollama"), "ollama");
        assert_eq!(normalize_provider_key("openai/"), "openai");
    }

    #[test]
    fn errors_never_quote_values() {
        let e = cfg("{tools: {exec: {host: 'sk-secret-value'}}}").unwrap_err();
        assert!(!e.to_string().contains("sk-secret"), "{e}");
    }
}
