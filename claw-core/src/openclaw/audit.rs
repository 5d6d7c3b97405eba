//! The drift audit: compare an OpenClaw config with a Work Policy Contract (and, optionally,
//! with a recorded baseline), and report findings in the shape `openclaw security audit
//! --json` uses.

use super::catalog;
use super::config::{OpenClawConfig, SandboxMode};
use super::effective::{effective_agents, EffectiveAgent, ProfileSource, ANY_PLUGIN_TOOL};
use super::error::OpenClawError;
use super::plugin::{PluginCoverage, CLAW_PLUGIN_POLICY_PATH};
use crate::json;
use serde_json::{json, Map, Value};
use std::fmt::Write as _;

/// The tool name a WPC denies to forbid host execution (see `docs/SPEC.md`, "OpenClaw
/// drift audit"). It names no real tool: a WPC says "no host execution" with an explicit
/// Deny statement for `tool:execute` on the resource `host_exec` (in the authoring form,
/// `denied_tools: ["host_exec"]`, directly or inside a denied tool class).
pub const HOST_EXEC_MARKER: &str = "host_exec";

/// What a WPC says about one tool when no call context is known.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ToolStance {
    /// An Allow statement applies and nothing denies.
    Allowed,
    /// Allowed once a human approves.
    ApprovalRequired,
    /// The outcome depends on call context the audit does not have (a condition, a data
    /// class): OpenClaw has to let the call through and claw decides it per call.
    Conditional,
    /// An explicit Deny statement applies.
    Denied,
    /// No Allow statement applies (default deny).
    NotAllowed,
}

impl ToolStance {
    /// Whether OpenClaw should let the tool reach claw's per-call decision.
    pub fn permits_some_calls(self) -> bool {
        matches!(
            self,
            ToolStance::Allowed | ToolStance::ApprovalRequired | ToolStance::Conditional
        )
    }
}

/// A WPC's answer about one tool.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ToolRuling {
    /// The stance.
    pub stance: ToolStance,
    /// The statement that decided, if one did.
    pub statement_id: Option<String>,
    /// The decision's reason code (`POLICY_VIOLATION`, `POLICY_DEFAULT_DENY`, ...).
    pub reason_code: String,
}

/// The questions the audit asks of a verified WPC. `claw_core::wpc` policies implement it
/// (`openclaw::WpcTools`); tests use small tables.
pub trait WpcView {
    /// `policy_id` of the contract.
    fn policy_id(&self) -> &str;
    /// `policy_hash_b64u` of the contract.
    fn policy_hash(&self) -> &str;
    /// The contract's stance on calling `tool` (action `tool:execute`, no context).
    fn tool(&self, tool: &str) -> ToolRuling;
    /// The members of a tool class the contract declares (`claw.dev/v1` `tool_classes`).
    fn tool_class(&self, _name: &str) -> Option<Vec<String>> {
        None
    }
    /// Whether the contract forbids host execution, and the ruling that says so: an
    /// explicit Deny of the tool name [`HOST_EXEC_MARKER`], or a declared tool class named
    /// `host_exec` whose members are all explicitly denied.
    fn forbids_host_exec(&self) -> Option<ToolRuling> {
        let r = self.tool(HOST_EXEC_MARKER);
        if r.stance == ToolStance::Denied {
            return Some(r);
        }
        let members = self.tool_class(HOST_EXEC_MARKER)?;
        let rulings: Vec<ToolRuling> = members.iter().map(|m| self.tool(m)).collect();
        if rulings.is_empty() || rulings.iter().any(|r| r.stance != ToolStance::Denied) {
            return None;
        }
        rulings.into_iter().next()
    }
}

/// Severity, as OpenClaw spells it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    /// Blocks a deployment (exit code 6).
    Critical,
    /// Worth fixing.
    Warn,
    /// For the record.
    Info,
}

impl Severity {
    /// `critical`, `warn` or `info`.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Critical => "critical",
            Severity::Warn => "warn",
            Severity::Info => "info",
        }
    }
}

/// One finding, in OpenClaw's shape.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// Stable check id (`claw.wpc.tool_denied`).
    pub check_id: String,
    /// Severity.
    pub severity: Severity,
    /// One line.
    pub title: String,
    /// Several lines; never quotes a config value other than tool names and paths.
    pub detail: String,
    /// What to change, when there is something to change.
    pub remediation: Option<String>,
    /// The agent and tool a per-tool finding is about (`None` for the other findings); lets
    /// [`AuditReport::summarized`] fold one rule's findings into one.
    pub subject: Option<(String, String)>,
    /// What already stops what this finding describes at run time (the claw plugin loaded
    /// with the same WPC); the severity was lowered from critical to warn because of it.
    pub mitigated_by: Option<String>,
}

impl Finding {
    pub(crate) fn new(
        check_id: &str,
        severity: Severity,
        title: String,
        detail: String,
        remediation: Option<String>,
    ) -> Finding {
        Finding {
            check_id: check_id.to_string(),
            severity,
            title,
            detail,
            remediation,
            subject: None,
            mitigated_by: None,
        }
    }

    fn about(mut self, agent: &str, tool: &str) -> Finding {
        self.subject = Some((agent.to_string(), tool.to_string()));
        self
    }

    /// The finding as OpenClaw writes it (`remediation` omitted when absent), plus
    /// `mitigatedBy` when the claw plugin covers it.
    pub fn to_json(&self) -> Value {
        let mut m = Map::new();
        m.insert("checkId".into(), Value::String(self.check_id.clone()));
        m.insert(
            "severity".into(),
            Value::String(self.severity.as_str().into()),
        );
        m.insert("title".into(), Value::String(self.title.clone()));
        m.insert("detail".into(), Value::String(self.detail.clone()));
        if let Some(r) = &self.remediation {
            m.insert("remediation".into(), Value::String(r.clone()));
        }
        if let Some(by) = &self.mitigated_by {
            m.insert("mitigatedBy".into(), Value::String(by.clone()));
        }
        Value::Object(m)
    }
}

/// Finding counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Summary {
    /// Critical findings.
    pub critical: usize,
    /// Warnings.
    pub warn: usize,
    /// Informational findings.
    pub info: usize,
}

impl Summary {
    /// The counts of these findings, by severity.
    pub fn of(findings: &[Finding]) -> Summary {
        let mut s = Summary::default();
        for f in findings {
            match f.severity {
                Severity::Critical => s.critical += 1,
                Severity::Warn => s.warn += 1,
                Severity::Info => s.info += 1,
            }
        }
        s
    }

    /// `{critical, warn, info}`, the `summary` member of OpenClaw's `security audit --json`.
    pub fn to_json(&self) -> Value {
        json!({"critical": self.critical, "warn": self.warn, "info": self.info})
    }
}

/// A recorded baseline to compare the config with.
#[derive(Debug, Clone, PartialEq)]
pub enum Baseline {
    /// A config hash (`base64url(SHA-256(JCS(config)))`).
    Hash(String),
    /// A baseline config: its hash, and which top-level sections changed.
    Config(Box<OpenClawConfig>),
}

impl Baseline {
    /// A baseline from a hash string (43 base64url characters).
    pub fn from_hash(s: &str) -> Result<Baseline, OpenClawError> {
        let s = s.trim();
        if crate::hash::is_b64u_sha256(s) {
            Ok(Baseline::Hash(s.to_string()))
        } else {
            Err(OpenClawError::Baseline {
                detail: "not a base64url SHA-256 config hash (43 characters)".into(),
            })
        }
    }

    /// A baseline from a file's contents: a hash (one line), else an OpenClaw config.
    pub fn parse(bytes: &[u8]) -> Result<Baseline, OpenClawError> {
        if let Ok(text) = std::str::from_utf8(bytes) {
            if crate::hash::is_b64u_sha256(text.trim()) {
                return Ok(Baseline::Hash(text.trim().to_string()));
            }
        }
        Ok(Baseline::Config(Box::new(OpenClawConfig::parse(bytes)?)))
    }

    /// The baseline's config hash.
    pub fn hash_b64u(&self) -> &str {
        match self {
            Baseline::Hash(h) => h,
            Baseline::Config(c) => c.hash_b64u(),
        }
    }
}

/// How a top-level section differs from the baseline.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SectionChange {
    /// Present now, absent in the baseline.
    Added,
    /// Absent now, present in the baseline.
    Removed,
    /// Present in both, different.
    Changed,
}

impl SectionChange {
    fn as_str(self) -> &'static str {
        match self {
            SectionChange::Added => "added",
            SectionChange::Removed => "removed",
            SectionChange::Changed => "changed",
        }
    }
}

/// The top-level sections of `now` that differ from `base`, in key order (JCS comparison,
/// so formatting and key order do not count).
pub fn changed_sections(base: &Value, now: &Value) -> Vec<(String, SectionChange)> {
    let empty = Map::new();
    let b = base.as_object().unwrap_or(&empty);
    let n = now.as_object().unwrap_or(&empty);
    let canon = |v: &Value| json::canonicalize(v).unwrap_or_default();
    let mut keys: Vec<&String> = b.keys().chain(n.keys()).collect();
    keys.sort();
    keys.dedup();
    keys.into_iter()
        .filter_map(|k| match (b.get(k), n.get(k)) {
            (None, Some(_)) => Some((k.clone(), SectionChange::Added)),
            (Some(_), None) => Some((k.clone(), SectionChange::Removed)),
            (Some(x), Some(y)) if canon(x) != canon(y) => Some((k.clone(), SectionChange::Changed)),
            _ => None,
        })
        .collect()
}

/// The result of an audit.
#[derive(Debug, Clone, PartialEq)]
pub struct AuditReport {
    /// Time of the audit (epoch milliseconds), when the caller gave one.
    pub ts: Option<i64>,
    /// Findings, critical first, then warn, then info (stable within a severity).
    pub findings: Vec<Finding>,
    /// Hash of the audited config.
    pub config_hash: String,
    /// `policy_id` of the WPC.
    pub policy_id: String,
    /// Hash of the WPC.
    pub policy_hash: String,
    /// The effective policy of every agent.
    pub agents: Vec<EffectiveAgent>,
}

impl AuditReport {
    /// Finding counts.
    pub fn summary(&self) -> Summary {
        Summary::of(&self.findings)
    }

    /// The same report with one finding per rule and agent instead of one per tool: the
    /// per-tool findings of one check (e.g. `claw.wpc.tool_not_allowed`) for one agent become
    /// one finding naming every tool, at the place of the first. Severities and the exit code
    /// do not change; findings that are not about a tool are kept as they are.
    pub fn summarized(&self) -> AuditReport {
        let mut groups: Vec<(String, Severity, String, Vec<&Finding>)> = Vec::new();
        let mut order: Vec<Result<usize, &Finding>> = Vec::new();
        for f in &self.findings {
            let Some((agent, _)) = &f.subject else {
                order.push(Err(f));
                continue;
            };
            let key = |g: &(String, Severity, String, Vec<&Finding>)| {
                g.0 == f.check_id && g.1 == f.severity && &g.2 == agent
            };
            match groups.iter().position(key) {
                Some(i) => groups[i].3.push(f),
                None => {
                    order.push(Ok(groups.len()));
                    groups.push((f.check_id.clone(), f.severity, agent.clone(), vec![f]));
                }
            }
        }
        let findings = order
            .into_iter()
            .map(|o| match o {
                Err(f) => f.clone(),
                Ok(i) => fold(&groups[i].2, &groups[i].3),
            })
            .collect();
        AuditReport {
            findings,
            ..self.clone()
        }
    }

    /// Whether any finding is critical (the CLI then exits with code 6).
    pub fn has_critical(&self) -> bool {
        self.findings
            .iter()
            .any(|f| f.severity == Severity::Critical)
    }

    /// `{ts?, summary, findings, claw}`: OpenClaw's shape plus a `claw` member with the
    /// hashes (the config hash is what `--baseline` takes next time).
    pub fn to_json(&self) -> Value {
        let s = self.summary();
        let mut m = Map::new();
        if let Some(ts) = self.ts {
            m.insert("ts".into(), json!(ts));
        }
        m.insert("summary".into(), s.to_json());
        m.insert(
            "findings".into(),
            Value::Array(self.findings.iter().map(Finding::to_json).collect()),
        );
        m.insert(
            "claw".into(),
            json!({
                "openclawRules": catalog::OPENCLAW_VERSION,
                "configHash": self.config_hash,
                "policyId": self.policy_id,
                "policyHash": self.policy_hash,
                "agents": self.agents.iter().map(|a| json!({
                    "agentId": a.agent_id,
                    "profile": a.profile,
                    "sandbox": a.sandbox.as_str(),
                    "execHost": a.exec.host,
                    "elevated": a.elevated.enabled,
                    "tools": a.allowed,
                    "otherTools": a.other,
                })).collect::<Vec<_>>(),
            }),
        );
        Value::Object(m)
    }

    /// A human-readable report.
    pub fn to_text(&self) -> String {
        let s = self.summary();
        let mut out = String::new();
        let _ = writeln!(
            out,
            "OpenClaw config audit (OpenClaw {} rules)",
            catalog::OPENCLAW_VERSION
        );
        let _ = writeln!(out, "config hash  {}", self.config_hash);
        let _ = writeln!(
            out,
            "policy       {} ({})",
            self.policy_id, self.policy_hash
        );
        let _ = writeln!(
            out,
            "summary      {} critical, {} warn, {} info",
            s.critical, s.warn, s.info
        );
        for f in &self.findings {
            let _ = writeln!(out);
            let tag = match f.severity {
                Severity::Critical => "CRITICAL",
                Severity::Warn => "WARN",
                Severity::Info => "INFO",
            };
            let _ = writeln!(out, "{tag:<8} {}  [{}]", f.title, f.check_id);
            for line in f.detail.lines() {
                let _ = writeln!(out, "         {line}");
            }
            if let Some(r) = &f.remediation {
                let _ = writeln!(out, "   fix:  {r}");
            }
        }
        out
    }
}

/// One finding for the per-tool findings `fs` (same check, severity and agent).
fn fold(agent: &str, fs: &[&Finding]) -> Finding {
    let first = fs[0];
    if fs.len() == 1 {
        return first.clone();
    }
    let tools: Vec<&str> = fs
        .iter()
        .filter_map(|f| f.subject.as_ref().map(|(_, t)| t.as_str()))
        .collect();
    let quoted = tools
        .iter()
        .map(|t| format!("\"{t}\""))
        .collect::<Vec<_>>()
        .join(", ");
    let what = match first.check_id.as_str() {
        "claw.wpc.tool_denied" => "which the WPC denies",
        "claw.wpc.tool_not_allowed" => "which the WPC does not allow",
        "claw.wpc.tool_requires_approval" => "for which the WPC requires a human approval",
        "claw.wpc.tool_conditional" => "which the WPC allows only under conditions",
        _ => "flagged by this check",
    };
    let mut detail = format!("{} tools: {}.", tools.len(), tools.join(", "));
    // The first tool's explanation stands for the others (same rule, same agent).
    let _ = write!(detail, "\nFor example, {}", first.detail);
    let remediation = first.remediation.as_ref().map(|r| {
        let one = format!("\"{}\"", tools[0]);
        r.replacen(&one, &quoted, 1)
    });
    let mut title = format!(
        "Agent \"{agent}\" can call {} tools {what}: {}",
        tools.len(),
        tools.join(", ")
    );
    if first.mitigated_by.is_some() {
        title.push_str(MITIGATED_TITLE);
    }
    Finding {
        check_id: first.check_id.clone(),
        severity: first.severity,
        title,
        detail,
        remediation,
        subject: None,
        mitigated_by: first.mitigated_by.clone(),
    }
}

fn ruling_text(r: &ToolRuling) -> String {
    match &r.statement_id {
        Some(sid) => format!("statement \"{sid}\" ({})", r.reason_code),
        None => r.reason_code.clone(),
    }
}

fn deny_key(a: &EffectiveAgent) -> String {
    if a.agent_path == "(default)" {
        "tools.deny".to_string()
    } else if a.agent_path.starts_with("agents.list") {
        format!("the tools.deny of agent \"{}\" (agents.list)", a.agent_id)
    } else {
        format!(
            "agents.entries.{}.tools.deny (this agent) or tools.deny (every agent)",
            a.agent_id
        )
    }
}

fn why_allowed(a: &EffectiveAgent) -> String {
    match (&a.profile, a.profile_source) {
        (Some(p), ProfileSource::Agent) => format!(
            "the agent's own profile \"{p}\" ({}.tools.profile, which replaces tools.profile)",
            a.agent_path
        ),
        (Some(p), _) => format!("profile \"{p}\" (tools.profile)"),
        (None, _) => "no profile is set, so every core tool passes the profile layer".to_string(),
    }
}

/// The checks whose calls the claw plugin blocks at run time when it is loaded with the
/// audited WPC: a tool the WPC denies or does not allow (decided per call in
/// `before_tool_call`), and exec/process on the host when the WPC forbids host execution
/// (the plugin reads the same sandbox, exec host and elevated settings and blocks the call).
/// Plugin and MCP tools, host-reach tools the WPC allows, and config drift are not covered.
pub const MITIGATED_BY_PLUGIN: &[&str] = &[
    "claw.wpc.tool_denied",
    "claw.wpc.tool_not_allowed",
    "claw.wpc.host_exec_unsandboxed",
    "claw.wpc.host_exec_elevated",
];

const MITIGATED_TITLE: &str = " (mitigated: the claw plugin blocks it)";

/// Run the audit. `ts` (epoch milliseconds) is copied into the report. The claw plugin is
/// not taken into account (see [`audit_with_plugin`]).
pub fn audit(
    config: &OpenClawConfig,
    wpc: &dyn WpcView,
    baseline: Option<&Baseline>,
    ts: Option<i64>,
) -> AuditReport {
    let none = PluginCoverage::Absent("not assessed".into());
    audit_with_plugin(config, wpc, baseline, ts, &none)
}

/// [`audit`], aware of the claw plugin: when `plugin` says the config loads it with the
/// audited WPC, each critical finding of [`MITIGATED_BY_PLUGIN`] becomes a warning marked
/// `mitigated_by` (the config still lets the call reach the plugin, so fixing it keeps a
/// second layer), and an info finding says so; when the plugin runs another policy, a
/// warning says that and nothing is lowered.
pub fn audit_with_plugin(
    config: &OpenClawConfig,
    wpc: &dyn WpcView,
    baseline: Option<&Baseline>,
    ts: Option<i64>,
    plugin: &PluginCoverage,
) -> AuditReport {
    let agents = effective_agents(config);
    let mut findings = Vec::new();

    // 1. Drift against the baseline.
    if let Some(b) = baseline {
        if b.hash_b64u() == config.hash_b64u() {
            findings.push(Finding::new(
                "claw.openclaw.config_matches_baseline",
                Severity::Info,
                "Config matches the recorded baseline".into(),
                format!("config hash {}", config.hash_b64u()),
                None,
            ));
        } else {
            let mut detail = format!(
                "config hash {}\nbaseline    {}",
                config.hash_b64u(),
                b.hash_b64u()
            );
            if let Baseline::Config(bc) = b {
                let changes = changed_sections(bc.value(), config.value());
                if !changes.is_empty() {
                    detail.push_str("\nchanged top-level sections:");
                    for (k, c) in &changes {
                        let _ = write!(detail, "\n- {k} ({})", c.as_str());
                    }
                }
            } else {
                detail.push_str("\n(give the baseline config file instead of its hash to see which sections changed)");
            }
            findings.push(Finding::new(
                "claw.openclaw.config_drift",
                Severity::Critical,
                "Config changed since the recorded baseline".into(),
                detail,
                Some("Review the change; if it is intended, re-run this audit and record the new config hash as the baseline.".into()),
            ));
        }
    }

    // 2. Per agent: what OpenClaw allows against what the WPC allows.
    let host_exec_rule = wpc.forbids_host_exec();
    let policy_label = format!("The WPC \"{}\"", wpc.policy_id());
    for a in &agents {
        let tools_list = if a.allowed.is_empty() {
            "(none)".to_string()
        } else {
            a.allowed.join(", ")
        };
        let mut summary = format!(
            "profile: {} ({})\nsandbox: {} ({})\nexec host: {} ({}){}\nelevated: {}\nmodels: {}\ncore tools ({}): {}",
            a.profile.as_deref().unwrap_or("unset"),
            match a.profile_source {
                ProfileSource::Agent => "agent",
                ProfileSource::Global => "tools.profile",
                ProfileSource::Unset => "default",
            },
            a.sandbox.as_str(),
            a.sandbox_source,
            a.exec.host,
            a.exec.source,
            a.exec
                .security
                .as_ref()
                .map(|s| format!(", security {s}"))
                .unwrap_or_default(),
            if a.elevated.enabled {
                if a.elevated.enabled_by_default {
                    "enabled (by default: tools.elevated.enabled is unset)"
                } else {
                    "enabled"
                }
            } else {
                "disabled"
            },
            if a.models.is_empty() {
                "(none configured)".to_string()
            } else {
                a.models.join(", ")
            },
            a.allowed.len(),
            tools_list,
        );
        if !a.other.is_empty() {
            let _ = write!(summary, "\nother tools: {}", a.other.join(", "));
        }
        findings.push(Finding::new(
            "claw.openclaw.effective_tools",
            Severity::Info,
            format!("Effective tools of agent \"{}\"", a.agent_id),
            summary,
            None,
        ));

        for tool in &a.allowed {
            let r = wpc.tool(tool);
            let allowed_by = format!(
                "OpenClaw lets agent \"{}\" call \"{tool}\": {} admits it and no deny entry removes it.",
                a.agent_id,
                why_allowed(a)
            );
            match r.stance {
                ToolStance::Denied => findings.push(Finding::new(
                    "claw.wpc.tool_denied",
                    Severity::Critical,
                    format!("Agent \"{}\" can call \"{tool}\", which the WPC denies", a.agent_id),
                    format!("{allowed_by}\n{policy_label} denies it: {}.", ruling_text(&r)),
                    Some(format!("Add \"{tool}\" to {}.", deny_key(a))),
                )
                .about(&a.agent_id, tool)),
                ToolStance::NotAllowed => findings.push(Finding::new(
                    "claw.wpc.tool_not_allowed",
                    Severity::Critical,
                    format!(
                        "Agent \"{}\" can call \"{tool}\", which the WPC does not allow",
                        a.agent_id
                    ),
                    format!(
                        "{allowed_by}\n{policy_label} has no Allow statement for it (default deny: {}).",
                        ruling_text(&r)
                    ),
                    Some(format!(
                        "Add \"{tool}\" to {}, or narrow the profile (`claw openclaw policy` prints the tightest tools block).",
                        deny_key(a)
                    )),
                )
                .about(&a.agent_id, tool)),
                ToolStance::ApprovalRequired => findings.push(Finding::new(
                    "claw.wpc.tool_requires_approval",
                    Severity::Info,
                    format!(
                        "Agent \"{}\" can call \"{tool}\"; the WPC requires a human approval for it",
                        a.agent_id
                    ),
                    format!(
                        "{allowed_by}\n{policy_label} allows it only with a human approval ({}). OpenClaw does not ask by itself: the claw plugin must be installed for the approval to be enforced.",
                        ruling_text(&r)
                    ),
                    None,
                )
                .about(&a.agent_id, tool)),
                ToolStance::Conditional => findings.push(Finding::new(
                    "claw.wpc.tool_conditional",
                    Severity::Info,
                    format!(
                        "Agent \"{}\" can call \"{tool}\"; the WPC allows it only under conditions",
                        a.agent_id
                    ),
                    format!(
                        "{allowed_by}\n{policy_label} decides it per call ({}); the claw plugin enforces it.",
                        ruling_text(&r)
                    ),
                    None,
                )
                .about(&a.agent_id, tool)),
                ToolStance::Allowed => {}
            }
        }

        for other in &a.other {
            let r = wpc.tool(other);
            if r.stance.permits_some_calls() {
                continue;
            }
            let (check, title, what) = if other == ANY_PLUGIN_TOOL {
                (
                    "claw.wpc.plugin_tools_unrestricted",
                    format!("Agent \"{}\" can call any plugin tool; the WPC allows only the tools it names", a.agent_id),
                    "no layer restricts tools outside the core catalog (an unset or \"full\" profile, or a \"*\" allow entry)".to_string(),
                )
            } else if other == catalog::BUNDLE_MCP {
                (
                    "claw.wpc.mcp_tools_allowed",
                    format!("Agent \"{}\" can call MCP server tools (bundle-mcp); the WPC does not allow them", a.agent_id),
                    "the profile or an allow entry includes bundle-mcp".to_string(),
                )
            } else {
                (
                    "claw.wpc.plugin_tool_allowed",
                    format!("Agent \"{}\" can call plugin tools matching \"{other}\", which the WPC does not allow", a.agent_id),
                    format!("an allow entry names \"{other}\", which is not a core tool"),
                )
            };
            let severity = if r.stance == ToolStance::Denied {
                Severity::Critical
            } else {
                Severity::Warn
            };
            let deny_hint = if other == ANY_PLUGIN_TOOL || other == catalog::BUNDLE_MCP {
                "\"group:plugins\"".to_string()
            } else {
                format!("\"{other}\"")
            };
            findings.push(Finding::new(
                check,
                severity,
                title,
                format!(
                    "For agent \"{}\", {what}.\n{policy_label}: {}.",
                    a.agent_id,
                    ruling_text(&r)
                ),
                Some(format!(
                    "Add {deny_hint} to {}, or use a bounded profile (minimal with alsoAllow).",
                    deny_key(a)
                )),
            ));
        }

        // 3. Host execution, when the WPC forbids it.
        if let Some(rule) = &host_exec_rule {
            let forbids = format!(
                "{policy_label} forbids host execution: {}.",
                ruling_text(rule)
            );
            let exec_tools: Vec<&str> = catalog::HOST_EXEC_TOOLS
                .iter()
                .copied()
                .filter(|t| a.allows(t) && wpc.tool(t).stance.permits_some_calls())
                .collect();
            if !exec_tools.is_empty() {
                let tools = exec_tools.join(" and ");
                if let Some(reason) = a.host_exec_reason() {
                    findings.push(Finding::new(
                        "claw.wpc.host_exec_unsandboxed",
                        Severity::Critical,
                        format!("Agent \"{}\" runs shell commands on the host", a.agent_id),
                        format!("Agent \"{}\" can call {tools}, and {reason}.\n{forbids}", a.agent_id),
                        Some(format!(
                            "Set {} to \"all\" and tools.exec.host to \"sandbox\" (which fails closed when no sandbox is available), or deny {tools} for this agent.",
                            if a.agent_path == "(default)" {
                                "agents.defaults.sandbox.mode".to_string()
                            } else {
                                format!("{}.sandbox.mode (or agents.defaults.sandbox.mode)", a.agent_path)
                            }
                        )),
                    ));
                }
                let exec_can_escape = a.allows("exec")
                    && a.exec.security.as_deref() != Some("deny")
                    && !matches!(a.exec.host.as_str(), "gateway" | "node")
                    && (a.sandbox != SandboxMode::Off || a.exec.host == "sandbox");
                if a.elevated.enabled && exec_can_escape {
                    let mut detail = format!(
                        "tools.elevated is {} for agent \"{}\": an authorized sender can run exec outside the sandbox, on the gateway host.",
                        if a.elevated.enabled_by_default { "enabled by default (tools.elevated.enabled is unset)" } else { "enabled" },
                        a.agent_id
                    );
                    if !a.elevated.providers.is_empty() {
                        let _ = write!(
                            detail,
                            "\nsender allowlists: {}",
                            a.elevated.providers.join(", ")
                        );
                    }
                    if !a.elevated.wildcard_providers.is_empty() {
                        let _ = write!(
                            detail,
                            "\n\"*\" (everyone) for: {}",
                            a.elevated.wildcard_providers.join(", ")
                        );
                    }
                    let _ = write!(detail, "\n{forbids}");
                    findings.push(Finding::new(
                        "claw.wpc.host_exec_elevated",
                        Severity::Critical,
                        format!("Agent \"{}\" can escape the sandbox with elevated exec", a.agent_id),
                        detail,
                        Some("Set tools.elevated.enabled to false (or agents.entries.<id>.tools.elevated.enabled for this agent).".into()),
                    ));
                }
            }
            for t in catalog::HOST_REACH_TOOLS {
                if a.allows(t) && wpc.tool(t).stance.permits_some_calls() {
                    findings.push(Finding::new(
                        "claw.wpc.host_reach_tool",
                        Severity::Critical,
                        format!("Agent \"{}\" can call \"{t}\", which acts on the host whatever the sandbox", a.agent_id),
                        format!(
                            "\"{t}\" works outside the sandbox by design (operator terminals, the gateway desktop or paired devices).\n{forbids}"
                        ),
                        Some(format!("Add \"{t}\" to {}.", deny_key(a))),
                    ));
                }
            }
        }
    }

    // 4. Config hygiene.
    if config.uses_legacy_agents_list() {
        findings.push(Finding::new(
            "claw.openclaw.legacy_agents_list",
            Severity::Info,
            "Config uses the legacy agents.list roster".into(),
            "OpenClaw migrates agents.list to agents.entries on load; the audit reads it the same way.".into(),
            Some("Run `openclaw doctor --fix` to rewrite it as agents.entries.".into()),
        ));
    }
    for (path, list, is_deny) in list_locations(config) {
        for (i, raw) in list.iter().enumerate() {
            let n = catalog::normalize(raw);
            if n.is_empty() || super::config::is_known_entry(&n) {
                continue;
            }
            let at = format!("{path}[{i}]");
            if is_deny {
                findings.push(Finding::new(
                    "claw.openclaw.deny_entry_matches_nothing",
                    Severity::Warn,
                    format!("Deny entry \"{raw}\" matches no known tool"),
                    format!("{at} names neither a core tool nor a group of OpenClaw {}: OpenClaw accepts it and it denies nothing (unless a plugin registers a tool by that exact name).", catalog::OPENCLAW_VERSION),
                    Some("Fix the name (tool ids are lowercase, groups are group:fs, group:runtime, ...).".into()),
                ));
            } else {
                findings.push(Finding::new(
                    "claw.openclaw.allow_entry_not_core",
                    Severity::Info,
                    format!("Allow entry \"{raw}\" is not a core tool"),
                    format!("{at} matches no core tool or group; it only has an effect if a plugin registers a tool by that name."),
                    None,
                ));
            }
        }
    }

    plugin_findings(&mut findings, plugin, wpc);
    findings.sort_by_key(|f| f.severity);
    AuditReport {
        ts,
        findings,
        config_hash: config.hash_b64u().to_string(),
        policy_id: wpc.policy_id().to_string(),
        policy_hash: wpc.policy_hash().to_string(),
        agents,
    }
}

/// Every configured allow/alsoAllow/deny list with its path (deny lists flagged).
fn list_locations(config: &OpenClawConfig) -> Vec<(String, &Vec<String>, bool)> {
    use super::config::{ListPolicy, ToolsScope};
    let mut out = Vec::new();
    fn scope<'a>(path: &str, s: &'a ToolsScope, out: &mut Vec<(String, &'a Vec<String>, bool)>) {
        push_lists(path, &s.lists, out);
        for e in &s.by_provider {
            push_lists(&format!("{path}.byProvider[{:?}]", e.key), &e.lists, out);
        }
        push_lists(&format!("{path}.sandbox.tools"), &s.sandbox_tools, out);
    }
    fn push_lists<'a>(
        path: &str,
        l: &'a ListPolicy,
        out: &mut Vec<(String, &'a Vec<String>, bool)>,
    ) {
        for (name, v, deny) in [
            ("allow", &l.allow, false),
            ("alsoAllow", &l.also_allow, false),
            ("deny", &l.deny, true),
        ] {
            if let Some(v) = v {
                out.push((format!("{path}.{name}"), v, deny));
            }
        }
    }
    scope("tools", config.tools(), &mut out);
    for a in config.agents() {
        if let Some(t) = &a.tools {
            scope(&format!("{}.tools", a.path), t, &mut out);
        }
    }
    out
}

/// Lower what the claw plugin covers, and say what the plugin does.
fn plugin_findings(findings: &mut Vec<Finding>, plugin: &PluginCoverage, wpc: &dyn WpcView) {
    match plugin {
        PluginCoverage::SamePolicy { policy_path } => {
            // A path from the config: shown with controls and bidi characters escaped.
            let policy_path = crate::escape::escape(policy_path);
            let by = format!("claw plugin ({CLAW_PLUGIN_POLICY_PATH} = {policy_path})");
            let mut lowered = 0;
            for f in findings.iter_mut() {
                if f.severity == Severity::Critical
                    && MITIGATED_BY_PLUGIN.contains(&f.check_id.as_str())
                {
                    f.severity = Severity::Warn;
                    f.title.push_str(MITIGATED_TITLE);
                    f.detail.push_str(
                        "\nMitigated: the claw plugin is loaded with this WPC and blocks these calls before they run. OpenClaw's own config still lets them reach the plugin; fixing it keeps a second layer if the plugin is removed or fails to load.",
                    );
                    f.mitigated_by = Some(by.clone());
                    lowered += 1;
                }
            }
            findings.push(Finding::new(
                "claw.openclaw.plugin_enforces_wpc",
                Severity::Info,
                "The claw plugin is loaded with this WPC".into(),
                format!(
                    "{CLAW_PLUGIN_POLICY_PATH} ({policy_path}) is the WPC \"{}\" ({}); it decides every tool call.\n{lowered} critical finding(s) lowered to warn as mitigated: {}.",
                    wpc.policy_id(),
                    wpc.policy_hash(),
                    MITIGATED_BY_PLUGIN.join(", ")
                ),
                None,
            ));
        }
        PluginCoverage::OtherPolicy {
            policy_path,
            detail,
        } => findings.push(Finding::new(
            "claw.openclaw.plugin_policy_differs",
            Severity::Warn,
            "The claw plugin is loaded with another policy".into(),
            format!(
                "{CLAW_PLUGIN_POLICY_PATH} ({}): {}. Nothing is counted as mitigated.",
                crate::escape::escape(policy_path),
                crate::escape::escape(detail)
            ),
            Some(format!(
                "Point {CLAW_PLUGIN_POLICY_PATH} at the audited WPC, or audit the plugin's policy."
            )),
        )),
        PluginCoverage::Absent(_) => {}
    }
}
