//! Is the claw plugin already enforcing the audited WPC? The audit reads the config's
//! `plugins` section (OpenClaw 2026.9.6's loading rules) and, through a caller-supplied
//! reader (the pure core does no I/O), the hash of the policy the plugin is configured with.

use super::config::OpenClawConfig;
use serde_json::Value;

/// The id of the claw plugin (`examples/openclaw-plugin/openclaw.plugin.json`).
pub const CLAW_PLUGIN_ID: &str = "claw";

/// The config path of the plugin's policy setting.
pub const CLAW_PLUGIN_POLICY_PATH: &str = "plugins.entries.claw.config.policy";

/// Whether the claw plugin enforces the audited WPC at run time.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum PluginCoverage {
    /// The config does not load the claw plugin (the reason, for the report): nothing the
    /// audit finds is mitigated.
    Absent(String),
    /// The config loads the claw plugin with a signed policy whose hash is the audited WPC's.
    SamePolicy {
        /// The plugin's `config.policy` (a file path, as written in the config).
        policy_path: String,
    },
    /// The config loads the claw plugin with another policy, or with one the audit could not
    /// read: nothing is mitigated.
    OtherPolicy {
        /// The plugin's `config.policy`.
        policy_path: String,
        /// What differs (the other hash, or why the file could not be read).
        detail: String,
    },
}

impl PluginCoverage {
    /// Assess the claw plugin of `config` against the WPC whose hash is `wpc_hash`.
    /// `policy_hash` is called with the plugin's `config.policy` path when the config loads
    /// the plugin; it returns the `policy_hash_b64u` of the signed policy at that path, or
    /// why it could not (the CLI reads and verifies the envelope there).
    pub fn assess(
        config: &OpenClawConfig,
        wpc_hash: &str,
        policy_hash: impl FnOnce(&str) -> Result<String, String>,
    ) -> PluginCoverage {
        let policy_path = match loaded_policy_path(config.value()) {
            Ok(p) => p,
            Err(why) => return PluginCoverage::Absent(why),
        };
        match policy_hash(&policy_path) {
            Ok(h) if h == wpc_hash => PluginCoverage::SamePolicy { policy_path },
            Ok(h) => PluginCoverage::OtherPolicy {
                policy_path,
                detail: format!("its policy hash is {h}, the audited WPC's is {wpc_hash}"),
            },
            Err(e) => PluginCoverage::OtherPolicy {
                policy_path,
                detail: format!("its policy could not be read: {e}"),
            },
        }
    }

    /// Whether the plugin enforces the audited WPC.
    pub fn enforces(&self) -> bool {
        matches!(self, PluginCoverage::SamePolicy { .. })
    }
}

/// The plugin's `config.policy` when the config loads the claw plugin, else why it does not.
/// OpenClaw loads a plugin unless `plugins.enabled` is false, its id is in `plugins.deny`,
/// `plugins.allow` is set without it, or its entry has `enabled: false`; the claw plugin
/// needs its entry's `config` (its `policy` is required). A section of another shape counts
/// as "not loaded": the audit then mitigates nothing.
fn loaded_policy_path(root: &Value) -> Result<String, String> {
    let plugins = match root.get("plugins") {
        None => return Err("the config has no `plugins` section".into()),
        Some(Value::Object(p)) => p,
        Some(_) => return Err("`plugins` is not an object".into()),
    };
    if plugins.get("enabled") == Some(&Value::Bool(false)) {
        return Err("plugins.enabled is false".into());
    }
    let names = |key: &str| -> Option<Vec<&str>> {
        plugins
            .get(key)
            .and_then(Value::as_array)
            .map(|a| a.iter().filter_map(Value::as_str).collect())
    };
    if names("deny").is_some_and(|d| d.contains(&CLAW_PLUGIN_ID)) {
        return Err("plugins.deny names \"claw\"".into());
    }
    if names("allow").is_some_and(|a| !a.contains(&CLAW_PLUGIN_ID)) {
        return Err("plugins.allow does not name \"claw\"".into());
    }
    let entry = plugins
        .get("entries")
        .and_then(|e| e.get(CLAW_PLUGIN_ID))
        .ok_or("plugins.entries has no \"claw\" entry")?;
    if entry.get("enabled") == Some(&Value::Bool(false)) {
        return Err("plugins.entries.claw.enabled is false".into());
    }
    match entry.get("config").and_then(|c| c.get("policy")) {
        Some(Value::String(p)) if !p.is_empty() => Ok(p.clone()),
        _ => Err(format!("{CLAW_PLUGIN_POLICY_PATH} is not set")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cfg(text: &str) -> OpenClawConfig {
        OpenClawConfig::parse(text.as_bytes()).unwrap()
    }

    const LOADED: &str = r#"{ plugins: { allow: ["claw"], entries: { claw: { enabled: true,
        config: { policy: "/etc/claw/job.wpc.json", policySigners: ["did:key:z6Mk"], job: "j", evidenceDir: "/e" } } } } }"#;

    #[test]
    fn same_other_and_unreadable_policies() {
        let c = cfg(LOADED);
        let same = PluginCoverage::assess(&c, "H", |p| {
            assert_eq!(p, "/etc/claw/job.wpc.json");
            Ok("H".into())
        });
        assert!(same.enforces());
        let other = PluginCoverage::assess(&c, "H", |_| Ok("G".into()));
        assert!(matches!(other, PluginCoverage::OtherPolicy { .. }) && !other.enforces());
        let unreadable = PluginCoverage::assess(&c, "H", |_| Err("no such file".into()));
        assert!(!unreadable.enforces());
    }

    #[test]
    fn a_config_that_does_not_load_the_plugin_mitigates_nothing() {
        for (text, why) in [
            ("{}", "no `plugins`"),
            (
                "{plugins: {enabled: false, entries: {claw: {config: {policy: 'p'}}}}}",
                "enabled is false",
            ),
            (
                "{plugins: {deny: ['claw'], entries: {claw: {config: {policy: 'p'}}}}}",
                "deny",
            ),
            (
                "{plugins: {allow: ['other'], entries: {claw: {config: {policy: 'p'}}}}}",
                "allow",
            ),
            (
                "{plugins: {entries: {claw: {enabled: false, config: {policy: 'p'}}}}}",
                "claw.enabled",
            ),
            (
                "{plugins: {entries: {claw: {config: {}}}}}",
                "policy is not set",
            ),
            ("{plugins: {entries: {other: {}}}}", "no \"claw\" entry"),
            ("{plugins: []}", "not an object"),
        ] {
            let got = PluginCoverage::assess(&cfg(text), "H", |_| Ok("H".into()));
            match got {
                PluginCoverage::Absent(reason) => assert!(reason.contains(why), "{text}: {reason}"),
                other => panic!("{text}: {other:?}"),
            }
        }
        // No allow list at all: loaded.
        let c = cfg("{plugins: {entries: {claw: {config: {policy: 'p'}}}}}");
        assert!(PluginCoverage::assess(&c, "H", |_| Ok("H".into())).enforces());
    }
}
