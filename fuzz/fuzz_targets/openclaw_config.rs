//! OpenClaw config reader and audit: any input either is refused with a typed error or is
//! read, audited and recommended for without a panic; the canonical JSON of an accepted
//! config reads back (as JSON5) to the same value and hash.
#![no_main]
use claw_core::json;
use claw_core::openclaw::{
    audit, audit_with_plugin, effective_agents, recommended_config, recommended_config_for,
    Isolation, OpenClawConfig, PluginCoverage, ToolRuling, ToolStance, WpcView,
};
use libfuzzer_sys::fuzz_target;

struct Table;

impl WpcView for Table {
    fn policy_id(&self) -> &str {
        "fuzz"
    }
    fn policy_hash(&self) -> &str {
        "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
    }
    fn tool(&self, tool: &str) -> ToolRuling {
        let stance = match tool.len() % 5 {
            0 => ToolStance::Allowed,
            1 => ToolStance::Denied,
            2 => ToolStance::NotAllowed,
            3 => ToolStance::ApprovalRequired,
            _ => ToolStance::Conditional,
        };
        ToolRuling {
            stance,
            statement_id: Some("s".into()),
            reason_code: "X".into(),
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let Ok(cfg) = OpenClawConfig::parse(data) else {
        return;
    };
    let _ = effective_agents(&cfg);
    let report = audit(&cfg, &Table, None, Some(0));
    let _ = report.to_text();
    let _ = report.to_json();
    let canon = json::canonicalize(cfg.value()).expect("an accepted config canonicalizes");
    let back = OpenClawConfig::parse(&canon).expect("its canonical JSON reads back");
    assert_eq!(back.hash_b64u(), cfg.hash_b64u());
    let _ = OpenClawConfig::from_value(recommended_config(&Table)).expect("recommendation reads");
    let _ = OpenClawConfig::from_value(recommended_config_for(&Table, Isolation::Host))
        .expect("the no-Docker recommendation reads");
    // Whatever its `plugins` section, the plugin assessment and the plugin-aware audit of
    // an accepted config do not panic.
    let plugin = PluginCoverage::assess(&cfg, Table.policy_hash(), |p| Ok(p.to_string()));
    let _ = audit_with_plugin(&cfg, &Table, None, Some(0), &plugin)
        .summarized()
        .to_json();
});
