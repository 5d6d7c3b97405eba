//! The effective tool policy of each agent: which tools OpenClaw 2026.9.6 lets it call, and
//! where `exec` runs.
//!
//! The rules follow OpenClaw's tool-policy pipeline:
//!
//! * Each entry is trimmed, lowercased and alias-normalized (`bash` → `exec`), renamed
//!   (`update_plan` → `progress_card`), widened by its family (`canvas` brings
//!   `show_widget`), then group-expanded (`group:fs` → `ls, read, write, edit,
//!   apply_patch`). `*` is the only wildcard. Unknown names match nothing.
//! * Within one layer **deny wins**; an empty or absent allow means "everything not
//!   denied"; an allow containing `write` also allows `apply_patch` (a deny of `write` does
//!   not deny `apply_patch`).
//! * The layers **intersect**, in order: profile (+ `alsoAllow`) → byProvider profile (+ its
//!   `alsoAllow`) → `tools.allow/deny` → `tools.byProvider[p].allow/deny` →
//!   `agents.entries.<id>.tools.allow/deny` → the agent's byProvider → (sandboxed sessions
//!   only) the sandbox tool policy.
//! * The profile is **replaced**, not merged: `agent.tools.profile ?? tools.profile`, and
//!   likewise the agent's `alsoAllow` replaces the global one at the profile layer. In the
//!   allow/deny layers, an `alsoAllow` without `allow` means `["*", …alsoAllow]`.
//! * **One** byProvider entry applies: the `provider/model` key, else the `provider` key.
//!
//! The result is an *upper bound*: channel (group) policies, `tools.toolsBySender`,
//! sub-agent caps and plugin availability can only remove tools, and are not modelled. When
//! an agent can run on several models (fallbacks), the union over them is taken; when no
//! model is configured, no byProvider entry is assumed to apply (byProvider only ever
//! narrows, so this is again the upper bound). In sandbox mode `non-main` the agent's main
//! session is not sandboxed, so only mode `all` applies the sandbox tool policy.

use super::catalog;
use super::config::{
    Agent, Elevated, ListPolicy, OpenClawConfig, ProviderPolicy, SandboxMode, ToolsScope,
};
use std::collections::{BTreeSet, HashSet};

/// The probe name that stands for "any plugin tool" (a name no real tool can have: it only
/// matches `*`).
pub const ANY_PLUGIN_TOOL: &str = "(any plugin tool)";

#[derive(Debug, Clone, PartialEq, Eq)]
enum Pattern {
    All,
    Exact(String),
    Glob(Vec<String>),
    /// `group:plugins`: every plugin-owned tool.
    Plugins,
}

impl Pattern {
    fn compile(normalized: &str) -> Pattern {
        if normalized == "*" {
            Pattern::All
        } else if normalized == catalog::GROUP_PLUGINS {
            Pattern::Plugins
        } else if normalized.contains('*') {
            Pattern::Glob(normalized.split('*').map(str::to_string).collect())
        } else {
            Pattern::Exact(normalized.to_string())
        }
    }

    fn matches(&self, name: &str) -> bool {
        match self {
            Pattern::All => true,
            // `bundle-mcp` stands for every tool served by a bundled MCP server
            // (`<server>__<tool>`).
            Pattern::Exact(e) if e == catalog::BUNDLE_MCP => e == name || is_mcp_tool_name(name),
            Pattern::Exact(e) => e == name,
            Pattern::Plugins => !catalog::is_core_tool(name),
            Pattern::Glob(parts) => glob_match(parts, name),
        }
    }
}

/// MCP tools are named `<server>__<tool>`.
fn is_mcp_tool_name(name: &str) -> bool {
    !catalog::is_core_tool(name) && name.contains("__")
}

/// Anchored match of `a*b*c` given its literal parts `["a","b","c"]`.
fn glob_match(parts: &[String], name: &str) -> bool {
    let (Some(first), Some(last)) = (parts.first(), parts.last()) else {
        return true;
    };
    if parts.len() == 1 {
        return first == name;
    }
    if !name.starts_with(first.as_str()) || name.len() < first.len() + last.len() {
        return false;
    }
    if !name[first.len()..].ends_with(last.as_str()) {
        return false;
    }
    let mut rest = &name[first.len()..name.len() - last.len()];
    for mid in &parts[1..parts.len() - 1] {
        match rest.find(mid.as_str()) {
            Some(i) => rest = &rest[i + mid.len()..],
            None => return false,
        }
    }
    true
}

/// Normalize, rename, widen families and expand groups, as OpenClaw does before matching.
pub fn expand_entries(list: &[String]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut seen: HashSet<String> = HashSet::new();
    let mut push = |s: &str| {
        if !s.is_empty() && seen.insert(s.to_string()) {
            out.push(s.to_string());
        }
    };
    for raw in list {
        let n = catalog::normalize(raw);
        let n = catalog::RENAMES
            .iter()
            .find(|(from, _)| *from == n)
            .map(|(_, to)| (*to).to_string())
            .unwrap_or(n);
        let mut names = vec![n.clone()];
        if let Some((_, extra)) = catalog::FAMILIES.iter().find(|(f, _)| *f == n) {
            names.extend(extra.iter().map(|s| (*s).to_string()));
        }
        for name in names {
            match catalog::group(&name) {
                Some(members) => members.iter().for_each(|m| push(m)),
                None => push(&name),
            }
        }
    }
    out
}

/// One policy layer, compiled.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Layer {
    /// Where the layer comes from (`tools.profile (coding)`, `agents.entries.main.tools`).
    pub label: String,
    allow: Vec<Pattern>,
    deny: Vec<Pattern>,
    /// The allow entries as configured (for explanations).
    pub allow_entries: Option<Vec<String>>,
    /// The deny entries as configured.
    pub deny_entries: Option<Vec<String>>,
}

impl Layer {
    fn new(label: String, allow: Option<Vec<String>>, deny: Option<Vec<String>>) -> Layer {
        let compile = |l: &Option<Vec<String>>| -> Vec<Pattern> {
            l.as_deref()
                .map(expand_entries)
                .unwrap_or_default()
                .iter()
                .map(|s| Pattern::compile(s))
                .collect()
        };
        Layer {
            allow: compile(&allow),
            deny: compile(&deny),
            label,
            allow_entries: allow,
            deny_entries: deny,
        }
    }

    /// Whether the layer lets `name` (already normalized) through.
    pub fn permits(&self, name: &str) -> bool {
        if self.denies(name) {
            return false;
        }
        if self.allow.is_empty() || self.allow.iter().any(|p| p.matches(name)) {
            return true;
        }
        name == "apply_patch" && self.allow.iter().any(|p| p.matches("write"))
    }

    /// Whether a deny entry of the layer matches `name`.
    pub fn denies(&self, name: &str) -> bool {
        self.deny.iter().any(|p| p.matches(name))
    }

    fn allow_names_non_core(&self) -> Vec<String> {
        self.allow
            .iter()
            .filter_map(|p| match p {
                // Unknown `group:` ids match nothing (no tool can be named so).
                Pattern::Exact(e) if !catalog::is_core_tool(e) && !e.starts_with("group:") => {
                    Some(e.clone())
                }
                Pattern::Glob(parts) => Some(parts.join("*")),
                Pattern::Plugins => Some(catalog::GROUP_PLUGINS.to_string()),
                _ => None,
            })
            .collect()
    }
}

/// `alsoAllow` into a profile's allowlist (only when the profile has one).
fn profile_layer(
    label: String,
    profile: Option<&str>,
    also_allow: Option<&Vec<String>>,
) -> Option<Layer> {
    let base = catalog::profile(profile?)?;
    let mut allow: Vec<String> = base.iter().map(|s| (*s).to_string()).collect();
    if let Some(extra) = also_allow {
        for e in extra {
            if !allow.contains(e) {
                allow.push(e.clone());
            }
        }
    }
    Some(Layer::new(label, Some(allow), None))
}

/// OpenClaw's `pickSandboxToolPolicy`: allow ∪ alsoAllow; an `alsoAllow` with no (or an
/// empty) allow becomes `["*", …alsoAllow]`.
fn list_layer(label: String, l: &ListPolicy) -> Option<Layer> {
    let extra = l.also_allow.as_ref().filter(|a| !a.is_empty());
    let allow = match (&l.allow, extra) {
        (Some(a), None) => Some(a.clone()),
        (None, None) => None,
        (Some(a), Some(x)) if !a.is_empty() => {
            let mut v = a.clone();
            v.extend(x.iter().cloned());
            Some(v)
        }
        (_, Some(x)) => {
            let mut v = vec!["*".to_string()];
            v.extend(x.iter().cloned());
            Some(v)
        }
    };
    if allow.is_none() && l.deny.is_none() {
        return None;
    }
    Some(Layer::new(label, allow, l.deny.clone()))
}

/// The sandbox tool policy of an agent (`resolveSandboxToolPolicyForAgent`): per field, the
/// agent's list replaces the global one; defaults apply when neither is set.
fn sandbox_layer(global: &ListPolicy, agent: Option<&ListPolicy>) -> Layer {
    let pick = |f: fn(&ListPolicy) -> &Option<Vec<String>>| -> Option<Vec<String>> {
        agent
            .and_then(|a| f(a).clone())
            .or_else(|| f(global).clone())
    };
    let allow_cfg = pick(|l| &l.allow);
    let also_cfg = pick(|l| &l.also_allow);
    let deny_cfg = pick(|l| &l.deny);
    let default_allow = || {
        catalog::SANDBOX_DEFAULT_ALLOW
            .iter()
            .map(|s| (*s).to_string())
    };
    let mut allow: Vec<String> = match (&allow_cfg, &also_cfg) {
        (Some(a), _) if a.is_empty() => Vec::new(),
        (Some(a), Some(x)) => a.iter().chain(x.iter()).cloned().collect(),
        (Some(a), None) => a.clone(),
        (None, Some(x)) if !x.is_empty() => default_allow().chain(x.iter().cloned()).collect(),
        (None, _) => default_allow().collect(),
    };
    let mut deny: Vec<String> = match &deny_cfg {
        Some(d) => d.clone(),
        None => {
            // The default denylist minus what the operator explicitly re-allowed.
            let explicit: Vec<Pattern> = expand_entries(
                &allow_cfg
                    .iter()
                    .flatten()
                    .chain(also_cfg.iter().flatten())
                    .cloned()
                    .collect::<Vec<_>>(),
            )
            .iter()
            .map(|s| Pattern::compile(s))
            .collect();
            catalog::SANDBOX_DEFAULT_DENY
                .iter()
                .chain(catalog::CHANNEL_TOOLS)
                .filter(|d| !explicit.iter().any(|p| p.matches(d)))
                .map(|s| (*s).to_string())
                .collect()
        }
    };
    // `image` in the denylist also denies `view_image`; a non-empty allowlist always
    // carries `view_image` unless it is denied.
    let deny_patterns: Vec<Pattern> = expand_entries(&deny)
        .iter()
        .map(|s| Pattern::compile(s))
        .collect();
    if deny_patterns.iter().any(|p| p.matches("image"))
        && !deny_patterns.iter().any(|p| p.matches("view_image"))
    {
        deny.push("view_image".into());
    }
    let lower = |v: &Vec<String>| {
        v.iter()
            .map(|s| s.trim().to_lowercase())
            .collect::<Vec<_>>()
    };
    if !allow.is_empty()
        && !lower(&deny).iter().any(|s| s == "view_image")
        && !lower(&allow).iter().any(|s| s == "view_image")
    {
        allow.push("view_image".into());
    }
    Layer::new(
        "sandbox tools (tools.sandbox.tools)".into(),
        Some(allow),
        Some(deny),
    )
}

/// Where the profile in force comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProfileSource {
    /// `agents.entries.<id>.tools.profile`.
    Agent,
    /// `tools.profile`.
    Global,
    /// No profile: core tools unfiltered at the profile layer.
    Unset,
}

/// How `exec` is placed for an agent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExecPlacement {
    /// `tools.exec.host` in force (`auto` when unset).
    pub host: String,
    /// `tools.exec.security` in force, if set.
    pub security: Option<String>,
    /// Where the `host` and `security` values come from.
    pub source: String,
}

/// `tools.elevated` in force for an agent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ElevatedState {
    /// Enabled (OpenClaw: `global.enabled !== false && agent.enabled !== false`).
    pub enabled: bool,
    /// Whether `enabled` is true only because no config sets it.
    pub enabled_by_default: bool,
    /// Providers with a `*` sender entry that the agent does not narrow.
    pub wildcard_providers: Vec<String>,
    /// Providers with sender entries.
    pub providers: Vec<String>,
}

/// The effective tool policy of one agent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EffectiveAgent {
    /// Agent id.
    pub agent_id: String,
    /// Where the agent is declared.
    pub agent_path: String,
    /// The profile in force.
    pub profile: Option<String>,
    /// Where it comes from.
    pub profile_source: ProfileSource,
    /// The models considered (`provider/model`; empty when none is configured).
    pub models: Vec<String>,
    /// Core tools the agent may call, in catalog order.
    pub allowed: Vec<String>,
    /// Non-core tools that get through: [`ANY_PLUGIN_TOOL`], `bundle-mcp` (MCP tools),
    /// named plugin tools and globs from allow lists.
    pub other: Vec<String>,
    /// Sandbox mode in force.
    pub sandbox: SandboxMode,
    /// Where the sandbox mode comes from.
    pub sandbox_source: String,
    /// Exec placement.
    pub exec: ExecPlacement,
    /// Elevated exec.
    pub elevated: ElevatedState,
    /// The layers applied for the first model considered (for explanations).
    pub layers: Vec<Layer>,
}

impl EffectiveAgent {
    /// Whether the agent may call `tool` (core or not).
    pub fn allows(&self, tool: &str) -> bool {
        self.allowed.iter().any(|t| t == tool) || self.other.iter().any(|t| t == tool)
    }

    /// The first layer that removes `tool`, if any (for explanations).
    pub fn blocking_layer(&self, tool: &str) -> Option<&Layer> {
        self.layers.iter().find(|l| !l.permits(tool))
    }

    /// Whether `exec` for this agent can run on the host (gateway or a paired node), and why.
    pub fn host_exec_reason(&self) -> Option<String> {
        if self.exec.security.as_deref() == Some("deny") {
            return None;
        }
        match self.exec.host.as_str() {
            "gateway" | "node" => Some(format!(
                "exec is pinned to host={} ({})",
                self.exec.host, self.exec.source
            )),
            "sandbox" => None, // fails closed when no sandbox is available
            _ => match self.sandbox {
                SandboxMode::Off => Some(format!(
                    "sandbox mode is off ({}), so exec host=auto runs on the gateway host",
                    self.sandbox_source
                )),
                SandboxMode::NonMain => Some(format!(
                    "sandbox mode is non-main ({}): the agent's main session is not sandboxed and runs exec on the gateway host",
                    self.sandbox_source
                )),
                SandboxMode::All => None,
            },
        }
    }
}

fn provider_entry<'a>(
    entries: &'a [ProviderPolicy],
    model: Option<&str>,
) -> Option<&'a ProviderPolicy> {
    let model = model?;
    let (provider, id) = model.split_once('/')?;
    let provider = provider.trim().to_lowercase();
    let full = format!("{provider}/{}", id.trim().to_lowercase());
    for key in [full.as_str(), provider.as_str()] {
        let mut matches = entries.iter().filter(|e| e.normalized_key == key);
        let first = matches.next();
        // Two keys may normalize alike ("OpenAI", "openai"): the canonical one wins.
        let canonical = entries
            .iter()
            .find(|e| e.normalized_key == key && e.key == e.normalized_key);
        if let Some(e) = canonical.or(first) {
            return Some(e);
        }
    }
    None
}

fn layers_for(
    config: &OpenClawConfig,
    agent: &Agent,
    model: Option<&str>,
    sandboxed: bool,
) -> Vec<Layer> {
    let global = config.tools();
    let at = agent.tools.as_ref();
    let apath = format!("{}.tools", agent.path);
    let (profile, plabel) = match at.and_then(|t| t.profile.as_deref()) {
        Some(p) => (Some(p), format!("{apath}.profile ({p})")),
        None => (
            global.profile.as_deref(),
            format!(
                "tools.profile ({})",
                global.profile.as_deref().unwrap_or("unset")
            ),
        ),
    };
    let also = at
        .and_then(|t| t.lists.also_allow.as_ref())
        .or(global.lists.also_allow.as_ref());
    let gp = provider_entry(&global.by_provider, model);
    let ap = at.and_then(|t| provider_entry(&t.by_provider, model));
    let pprofile = ap
        .and_then(|e| e.profile.as_deref())
        .or(gp.and_then(|e| e.profile.as_deref()));
    let palso = ap
        .and_then(|e| e.lists.also_allow.as_ref())
        .or(gp.and_then(|e| e.lists.also_allow.as_ref()));

    let mut layers = Vec::new();
    layers.extend(profile_layer(plabel, profile, also));
    layers.extend(profile_layer(
        format!("byProvider profile ({})", pprofile.unwrap_or("")),
        pprofile,
        palso,
    ));
    layers.extend(list_layer("tools.allow/deny".into(), &global.lists));
    if let Some(e) = gp {
        layers.extend(list_layer(
            format!("tools.byProvider[{:?}]", e.key),
            &e.lists,
        ));
    }
    if let Some(t) = at {
        layers.extend(list_layer(apath.clone(), &t.lists));
    }
    if let Some(e) = ap {
        layers.extend(list_layer(
            format!("{apath}.byProvider[{:?}]", e.key),
            &e.lists,
        ));
    }
    if sandboxed {
        layers.push(sandbox_layer(
            &global.sandbox_tools,
            at.map(|t| &t.sandbox_tools),
        ));
    }
    layers
}

fn elevated_state(global: Option<&Elevated>, agent: Option<&Elevated>) -> ElevatedState {
    let ge = global.and_then(|e| e.enabled);
    let ae = agent.and_then(|e| e.enabled);
    let enabled = ge != Some(false) && ae != Some(false);
    let mut providers = Vec::new();
    let mut wildcard_providers = Vec::new();
    if let Some(g) = global {
        for (p, senders) in &g.allow_from {
            if senders.is_empty() {
                continue;
            }
            // A per-agent allowFrom must also match: it narrows the provider, or (when it
            // has no entry for it) leaves only the channel's fallback.
            let agent_list = agent.and_then(|a| {
                if a.allow_from.is_empty() {
                    None
                } else {
                    Some(a.allow_from.iter().find(|(ap, _)| ap == p).map(|(_, s)| s))
                }
            });
            let wild = |s: &Vec<String>| s.iter().any(|x| x.trim() == "*");
            match agent_list {
                None => {
                    providers.push(p.clone());
                    if wild(senders) {
                        wildcard_providers.push(p.clone());
                    }
                }
                Some(Some(a)) if !a.is_empty() => {
                    providers.push(p.clone());
                    if wild(senders) && wild(a) {
                        wildcard_providers.push(p.clone());
                    }
                }
                Some(_) => {}
            }
        }
    }
    ElevatedState {
        enabled,
        enabled_by_default: enabled && ge.is_none() && ae.is_none(),
        wildcard_providers,
        providers,
    }
}

fn exec_placement(global: &ToolsScope, agent: Option<&ToolsScope>, apath: &str) -> ExecPlacement {
    let (host, hsrc) = match (
        agent.and_then(|a| a.exec.host.clone()),
        global.exec.host.clone(),
    ) {
        (Some(h), _) => (h, format!("{apath}.tools.exec.host")),
        (None, Some(h)) => (h, "tools.exec.host".to_string()),
        (None, None) => ("auto".to_string(), "default".to_string()),
    };
    let security = agent
        .and_then(|a| a.exec.security.clone())
        .or_else(|| global.exec.security.clone());
    ExecPlacement {
        host,
        security,
        source: hsrc,
    }
}

/// Compute the effective policy of every agent of `config`.
pub fn effective_agents(config: &OpenClawConfig) -> Vec<EffectiveAgent> {
    config
        .agents()
        .iter()
        .map(|a| effective_agent(config, a))
        .collect()
}

fn effective_agent(config: &OpenClawConfig, agent: &Agent) -> EffectiveAgent {
    let (sandbox, sandbox_source) = match (agent.sandbox_mode, config.default_sandbox_mode()) {
        (Some(m), _) => (m, format!("{}.sandbox.mode", agent.path)),
        (None, Some(m)) => (m, "agents.defaults.sandbox.mode".to_string()),
        (None, None) => (SandboxMode::Off, "default".to_string()),
    };
    let model_ref = if agent.model.primary.is_some() {
        &agent.model
    } else {
        config.default_model()
    };
    let models: Vec<String> = model_ref
        .primary
        .iter()
        .chain(model_ref.fallbacks.iter())
        .cloned()
        .collect();
    let candidates: Vec<Option<&str>> = if models.is_empty() {
        vec![None]
    } else {
        models.iter().map(|m| Some(m.as_str())).collect()
    };
    let sandboxed = sandbox == SandboxMode::All;

    // Probe names for tools outside the core catalog.
    let mut probes: Vec<String> =
        vec![ANY_PLUGIN_TOOL.to_string(), catalog::BUNDLE_MCP.to_string()];
    let mut probe_set: HashSet<String> = probes.iter().cloned().collect();
    let mut first_layers = None;
    let mut allowed = BTreeSet::new();
    let mut other = BTreeSet::new();
    for model in candidates {
        let layers = layers_for(config, agent, model, sandboxed);
        for l in &layers {
            for n in l.allow_names_non_core() {
                if n != catalog::GROUP_PLUGINS && probe_set.insert(n.clone()) {
                    probes.push(n);
                }
            }
        }
        for (i, tool) in catalog::CORE_TOOLS.iter().enumerate() {
            if layers.iter().all(|l| l.permits(tool)) {
                allowed.insert(i);
            }
        }
        for p in &probes {
            if layers.iter().all(|l| l.permits(p)) {
                other.insert(p.clone());
            }
        }
        if first_layers.is_none() {
            first_layers = Some(layers);
        }
    }
    let global = config.tools();
    let at = agent.tools.as_ref();
    let (profile, profile_source) =
        match (at.and_then(|t| t.profile.clone()), global.profile.clone()) {
            (Some(p), _) => (Some(p), ProfileSource::Agent),
            (None, Some(p)) => (Some(p), ProfileSource::Global),
            (None, None) => (None, ProfileSource::Unset),
        };
    EffectiveAgent {
        agent_id: agent.id.clone(),
        agent_path: agent.path.clone(),
        profile,
        profile_source,
        models,
        allowed: allowed
            .into_iter()
            .filter_map(|i| catalog::CORE_TOOLS.get(i).map(|s| (*s).to_string()))
            .collect(),
        other: probes.into_iter().filter(|p| other.contains(p)).collect(),
        sandbox,
        sandbox_source,
        exec: exec_placement(global, at, &agent.path),
        elevated: elevated_state(
            global.elevated.as_ref(),
            at.and_then(|t| t.elevated.as_ref()),
        ),
        layers: first_layers.unwrap_or_default(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn eff(text: &str) -> Vec<EffectiveAgent> {
        effective_agents(&OpenClawConfig::parse(text.as_bytes()).unwrap())
    }

    fn one(text: &str) -> EffectiveAgent {
        eff(text).remove(0)
    }

    #[test]
    fn globs() {
        let g =
            |p: &str, n: &str| glob_match(&p.split('*').map(str::to_string).collect::<Vec<_>>(), n);
        assert!(g("web_*", "web_fetch"));
        assert!(!g("web_*", "x_web_fetch"));
        assert!(g("*_get", "memory_get"));
        assert!(g("a*b*c", "abc"));
        assert!(g("a*b*c", "a-b-b-c"));
        assert!(!g("a*b*c", "ac"));
        assert!(!g("ab*ba", "aba"));
        assert!(g("*", "anything"));
    }

    #[test]
    fn unset_profile_allows_every_core_tool_and_plugins() {
        let a = one("{}");
        assert_eq!(a.allowed.len(), catalog::CORE_TOOLS.len());
        assert!(a.other.contains(&ANY_PLUGIN_TOOL.to_string()));
        assert_eq!(a.profile_source, ProfileSource::Unset);
        assert_eq!(a.sandbox, SandboxMode::Off);
    }

    #[test]
    fn minimal_profile_with_also_allow_and_deny() {
        let a = one("{tools: {profile: 'minimal', alsoAllow: ['read', 'group:web', 'memory_*'], deny: ['web_search']}}");
        assert_eq!(
            a.allowed,
            [
                "read",
                "web_fetch",
                "x_search",
                "memory_search",
                "memory_get",
                "session_status",
                "gateway"
            ]
        );
        // The glob also reaches any plugin tool named memory_…
        assert_eq!(a.other, ["memory_*"]);
    }

    #[test]
    fn deny_wins_and_write_allows_apply_patch_only_through_allow() {
        let a = one("{tools: {allow: ['write', 'exec'], deny: ['Bash']}}");
        assert_eq!(a.allowed, ["write", "apply_patch"]);
        let b = one("{tools: {profile: 'coding', deny: ['write']}}");
        assert!(b.allows("apply_patch") && !b.allows("write"));
    }

    #[test]
    fn agent_profile_and_also_allow_replace_the_global_ones() {
        let v = eff("{tools: {profile: 'minimal', alsoAllow: ['read']},
                      agents: {entries: {main: {}, ops: {tools: {alsoAllow: ['exec']}}, dev: {tools: {profile: 'full'}}}}}");
        let main = &v[0];
        assert_eq!(main.allowed, ["read", "session_status", "gateway"]);
        let ops = &v[1];
        // ops' alsoAllow replaces the global one: read is gone, exec is in.
        assert_eq!(ops.allowed, ["exec", "session_status", "gateway"]);
        let dev = &v[2];
        assert_eq!(dev.profile_source, ProfileSource::Agent);
        // full + the inherited global alsoAllow (read) is everything.
        assert_eq!(dev.allowed.len(), catalog::CORE_TOOLS.len());
    }

    #[test]
    fn layers_intersect() {
        let v = eff(
            "{tools: {profile: 'coding', allow: ['read', 'write', 'message']},
                      agents: {entries: {main: {tools: {deny: ['write']}}}}}",
        );
        // message is not in the coding profile; write is denied by the agent layer, but
        // apply_patch still gets in through the global allow of write (OpenClaw's rule).
        assert_eq!(v[0].allowed, ["read", "apply_patch"]);
        assert_eq!(
            v[0].blocking_layer("message").unwrap().label,
            "tools.profile (coding)"
        );
        assert_eq!(
            v[0].blocking_layer("write").unwrap().label,
            "agents.entries.main.tools"
        );
    }

    #[test]
    fn one_by_provider_entry_applies_model_key_first() {
        let cfg = "{tools: {profile: 'coding', byProvider: {
                        openai: {deny: ['read']},
                        'OpenAI/GPT-5.4': {deny: ['exec']},
                        ollama: {profile: 'minimal', alsoAllow: ['web_fetch']}}},
                    agents: {defaults: {model: {primary: 'openai/gpt-5.4'}},
                             entries: {main: {}, small: {model: 'ollama/llama3'}, other: {model: 'openai/o9'}}}}";
        let v = eff(cfg);
        assert!(v[0].allows("read") && !v[0].allows("exec"));
        assert_eq!(v[1].allowed, ["web_fetch", "session_status", "gateway"]);
        assert!(!v[2].allows("read") && v[2].allows("exec"));
    }

    #[test]
    fn fallbacks_union() {
        let a = one(
            "{tools: {byProvider: {a: {deny: ['exec']}, b: {deny: ['read']}}},
                      agents: {defaults: {model: {primary: 'a/x', fallbacks: ['b/y']}}}}",
        );
        assert!(a.allows("exec") && a.allows("read"));
    }

    #[test]
    fn sandbox_all_applies_the_sandbox_tool_policy() {
        let a = one("{tools: {profile: 'coding'}, agents: {defaults: {sandbox: {mode: 'all'}}}}");
        assert!(a.allows("exec") && a.allows("read"));
        assert!(!a.allows("web_fetch") && !a.allows("automations") && !a.allows("gateway"));
        assert!(a.allows("view_image"));
        let b = one(
            "{tools: {profile: 'coding', sandbox: {tools: {alsoAllow: ['gateway']}}},
                      agents: {defaults: {sandbox: {mode: 'all'}}}}",
        );
        // An explicit re-allow removes the tool from the default denylist.
        assert!(b.allows("gateway"));
        let c =
            one("{tools: {profile: 'coding'}, agents: {defaults: {sandbox: {mode: 'non-main'}}}}");
        assert!(
            c.allows("web_fetch"),
            "non-main: the main session is not sandboxed"
        );
    }

    #[test]
    fn renames_families_aliases() {
        let a = one("{tools: {allow: ['update_plan', 'canvas', 'cron']}}");
        assert_eq!(
            a.allowed,
            ["canvas", "show_widget", "automations", "progress_card"]
        );
        let b = one("{tools: {deny: ['canvas']}}");
        assert!(!b.allows("show_widget"));
    }

    #[test]
    fn unknown_entries_match_nothing_and_plugin_names_pass() {
        let a = one("{tools: {profile: 'minimal', alsoAllow: ['group:nope', 'my_plugin_tool', 'outlook__*']}}");
        assert_eq!(a.allowed, ["session_status", "gateway"]);
        assert_eq!(a.other, ["my_plugin_tool", "outlook__*"]);
        let b = one("{tools: {profile: 'coding', deny: ['group:plugins']}}");
        assert!(!b.other.contains(&"bundle-mcp".to_string()));
        assert!(b.allows("exec"));
    }

    #[test]
    fn elevated_and_exec_placement() {
        let v = eff("{tools: {elevated: {allowFrom: {telegram: ['*'], discord: ['1']}}, exec: {host: 'gateway'}},
                      agents: {entries: {main: {}, kid: {tools: {elevated: {enabled: false}, exec: {host: 'sandbox'}}}}}}");
        assert!(v[0].elevated.enabled && v[0].elevated.enabled_by_default);
        assert_eq!(v[0].elevated.wildcard_providers, ["telegram"]);
        assert!(v[0].host_exec_reason().unwrap().contains("host=gateway"));
        assert!(!v[1].elevated.enabled);
        assert_eq!(v[1].host_exec_reason(), None);
        let off = one("{tools: {elevated: {enabled: false}, exec: {security: 'deny'}}}");
        assert!(!off.elevated.enabled && off.host_exec_reason().is_none());
    }

    #[test]
    fn legacy_list_reads_like_entries() {
        let v = eff("{tools: {profile: 'coding'}, agents: {list: [{id: 'main', default: true}, {id: 'ops', tools: {profile: 'minimal', alsoAllow: ['exec']}}]}}");
        assert_eq!(v[1].agent_id, "ops");
        assert_eq!(v[1].allowed, ["exec", "session_status", "gateway"]);
    }
}
