//! OpenClaw config reader and drift audit.
//!
//! OpenClaw is the agent runtime claw's users start from. Its `openclaw.json` (JSON5) decides
//! which tools each agent may call and where commands run; a Work Policy Contract decides
//! what the job may do. This module reads the config (no I/O: bytes in), computes each
//! agent's **effective** tool set with OpenClaw 2026.9.6's own rules, and reports every
//! place where the config lets an agent do what the WPC forbids, in the finding shape of
//! `openclaw security audit --json`.
//!
//! ```text
//! OpenClawConfig::parse(bytes)          JSON5, bounded, duplicate keys refused
//!     .hash_b64u()                      base64url(SHA-256(JCS(config))), for baselines
//! effective_agents(&config)             per agent: allowed tools, sandbox, exec host, elevated
//! audit(&config, &wpc, baseline, ts)    -> AuditReport { findings, summary(), to_json(), to_text() }
//! audit_with_plugin(.., &PluginCoverage) the same, with what the loaded claw plugin covers
//! recommended_config(&wpc)              the tightest `tools` block (+ sandbox) for a WPC
//! reconcile(&transcript, &records)     OpenClaw's session transcript against a bundle's receipts
//! ```
//!
//! The WPC side is the [`WpcView`] trait: the tool stance of a verified contract. A WPC
//! forbids host execution by explicitly denying the tool name [`HOST_EXEC_MARKER`]
//! (`host_exec`).

pub mod audit;
pub mod catalog;
pub mod config;
pub mod effective;
mod error;
pub mod json5;
pub mod plugin;
pub mod recommend;
pub mod reconcile;
mod wpc_view;

pub use audit::{
    audit, audit_with_plugin, changed_sections, AuditReport, Baseline, Finding, SectionChange,
    Severity, Summary, ToolRuling, ToolStance, WpcView, HOST_EXEC_MARKER, MITIGATED_BY_PLUGIN,
};
pub use config::{OpenClawConfig, SandboxMode};
pub use effective::{effective_agents, EffectiveAgent};
pub use error::OpenClawError;
pub use plugin::{PluginCoverage, CLAW_PLUGIN_ID};
pub use recommend::{
    gateway_models, recommended_config, recommended_config_for, GatewayProviderError, Isolation,
};
pub use reconcile::{reconcile, records_from_bundle, ReconcileError, ReconcileReport, Transcript};
pub use wpc_view::WpcTools;
