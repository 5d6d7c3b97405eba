//! OpenClaw config reader and drift audit, on config files shaped like OpenClaw's
//! documentation examples (`tests/data/openclaw/configs/`), checked against:
//! * the tool catalog dumped from the shipped code (`tool-catalog-2026.9.6.json`),
//! * OpenClaw's own policy pipeline run on the same files (`effective-2026.9.6.json`,
//!   written by `scripts/openclaw/effective-oracle.mjs`),
//! * the shape of real `openclaw security audit --json` outputs (`openclaw-audit/`).
#![allow(clippy::disallowed_methods)] // tests may read JSON with serde_json (clippy.toml)

use claw_core::openclaw::catalog;
use claw_core::openclaw::{
    audit, audit_with_plugin, changed_sections, effective_agents, recommended_config,
    recommended_config_for, AuditReport, Baseline, Isolation, OpenClawConfig, OpenClawError,
    PluginCoverage, SectionChange, Severity, ToolRuling, ToolStance, WpcView, MITIGATED_BY_PLUGIN,
};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

fn data(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/openclaw")
        .join(rel)
}

fn read(rel: &str) -> Vec<u8> {
    std::fs::read(data(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

fn config(name: &str) -> OpenClawConfig {
    OpenClawConfig::parse(&read(&format!("configs/{name}")))
        .unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn json_file(rel: &str) -> Value {
    serde_json::from_slice(&read(rel)).unwrap()
}

/// A WPC stand-in: explicit rulings per tool name (with `*` suffix globs), default deny.
struct TableWpc {
    rules: Vec<(String, ToolStance, Option<&'static str>)>,
}

impl TableWpc {
    fn new() -> TableWpc {
        TableWpc { rules: Vec::new() }
    }
    fn rule(mut self, stance: ToolStance, sid: Option<&'static str>, tools: &[&str]) -> TableWpc {
        for t in tools {
            self.rules.push(((*t).to_string(), stance, sid));
        }
        self
    }
    fn allow(self, tools: &[&str]) -> TableWpc {
        self.rule(ToolStance::Allowed, Some("allow-tools"), tools)
    }
    fn deny(self, sid: &'static str, tools: &[&str]) -> TableWpc {
        self.rule(ToolStance::Denied, Some(sid), tools)
    }
}

fn glob(p: &str, name: &str) -> bool {
    match p.strip_suffix('*') {
        Some(prefix) => name.starts_with(prefix),
        None => p == name,
    }
}

impl WpcView for TableWpc {
    fn policy_id(&self) -> &str {
        "test-policy"
    }
    fn policy_hash(&self) -> &str {
        "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
    }
    fn tool(&self, tool: &str) -> ToolRuling {
        // Deny wins, then the first other matching rule.
        let hit = self
            .rules
            .iter()
            .find(|(p, s, _)| *s == ToolStance::Denied && glob(p, tool))
            .or_else(|| self.rules.iter().find(|(p, _, _)| glob(p, tool)));
        match hit {
            Some((_, stance, sid)) => ToolRuling {
                stance: *stance,
                statement_id: sid.map(str::to_string),
                reason_code: match stance {
                    ToolStance::Denied => "POLICY_VIOLATION",
                    ToolStance::ApprovalRequired => "CAPABILITY_REQUIRES_APPROVAL",
                    _ => "POLICY_ALLOW",
                }
                .into(),
            },
            None => ToolRuling {
                stance: ToolStance::NotAllowed,
                statement_id: None,
                reason_code: "POLICY_DEFAULT_DENY".into(),
            },
        }
    }
}

/// The glossary's coding job: read and edit the repo, run commands in a sandbox only, fetch
/// docs; no browser, no control plane; pushing needs a human.
fn coding_wpc() -> TableWpc {
    TableWpc::new()
        .deny("deny-host-exec", &["host_exec"])
        .deny(
            "deny-control-plane",
            &["gateway", "plugins", "automations", "openclaw", "browser"],
        )
        .rule(
            ToolStance::ApprovalRequired,
            Some("approve-publish"),
            &["github_publish"],
        )
        .rule(
            ToolStance::Conditional,
            Some("allow-fetch-internal"),
            &["web_fetch"],
        )
        .allow(&[
            "ls",
            "read",
            "write",
            "edit",
            "apply_patch",
            "exec",
            "process",
            "memory_*",
            "session_status",
        ])
}

fn ids(r: &AuditReport, check: &str) -> Vec<String> {
    r.findings
        .iter()
        .filter(|f| f.check_id == check)
        .map(|f| f.title.clone())
        .collect()
}

fn count(r: &AuditReport, check: &str) -> usize {
    ids(r, check).len()
}

#[test]
fn catalog_matches_the_dump() {
    let dump = json_file("tool-catalog-2026.9.6.json");
    let groups = dump["groups"].as_object().unwrap();
    assert_eq!(groups.len(), catalog::GROUPS.len());
    for (g, members) in catalog::GROUPS {
        let want: Vec<&str> = groups[*g]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap())
            .collect();
        assert_eq!(&want, members, "{g}");
    }
    let profiles = dump["profiles"].as_object().unwrap();
    assert_eq!(profiles.len(), catalog::PROFILES.len());
    for (p, allow) in catalog::PROFILES {
        let want: Vec<&str> = profiles[*p]["allow"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap())
            .collect();
        assert_eq!(&want, allow, "{p}");
    }
}

#[test]
fn sandbox_defaults_match_sandbox_explain() {
    // `openclaw sandbox explain --agent family --json` for 02: global alsoAllow web_fetch.
    let explain = json_file("openclaw-audit/02-multi-agent.sandbox-explain.family.json");
    let deny: Vec<&str> = explain["sandbox"]["tools"]["deny"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    let ours: Vec<&str> = catalog::SANDBOX_DEFAULT_DENY
        .iter()
        .chain(catalog::CHANNEL_TOOLS)
        .copied()
        .collect();
    assert_eq!(deny, ours);
    let allow: Vec<&str> = explain["sandbox"]["tools"]["allow"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    let mut want: Vec<&str> = catalog::SANDBOX_DEFAULT_ALLOW.to_vec();
    want.push("web_fetch");
    assert_eq!(allow, want);
}

/// Every config: claw's effective tool sets equal what OpenClaw's own pipeline computes.
#[test]
fn effective_tools_match_openclaw() {
    let golden = json_file("effective-2026.9.6.json");
    let golden = golden.as_object().unwrap();
    let mut files: Vec<String> = std::fs::read_dir(data("configs"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    files.sort();
    assert_eq!(
        files.iter().collect::<BTreeSet<_>>(),
        golden.keys().collect::<BTreeSet<_>>(),
        "regenerate effective-2026.9.6.json (scripts/test-openclaw.sh)"
    );
    let mut checked = 0;
    for f in &files {
        let agents = effective_agents(&config(f));
        let want = golden[f].as_object().unwrap();
        assert_eq!(agents.len(), want.len(), "{f}");
        for a in &agents {
            let w: Vec<&str> = want[&a.agent_id]
                .as_array()
                .unwrap()
                .iter()
                .map(|v| v.as_str().unwrap())
                .collect();
            assert_eq!(a.allowed, w, "{f}: agent {}", a.agent_id);
            checked += 1;
        }
    }
    assert!(checked >= 20, "{checked}");
}

#[test]
fn groups_profiles_and_per_agent_overrides() {
    let v = effective_agents(&config("08-groups-by-provider.json5"));
    // main runs openai/gpt-5.4: coding ∩ (group:fs + sessions_list), ui/nodes/x_* denied.
    assert_eq!(
        v[0].allowed,
        [
            "ls",
            "read",
            "write",
            "edit",
            "apply_patch",
            "sessions_list"
        ]
    );
    // writer runs anthropic: byProvider profile minimal + read/ls.
    assert_eq!(v[1].allowed, ["ls", "read", "session_status", "gateway"]);
    // analyst: its own messaging profile (replacing coding) + its alsoAllow, minus its own
    // and the global denies, minus its byProvider deny of web_search.
    assert_eq!(
        v[2].allowed,
        [
            "web_fetch",
            "memory_search",
            "memory_get",
            "message",
            "gateway",
            "ask_user"
        ]
    );
    assert!(!v[2].allows("web_search") && !v[2].allows("x_search") && !v[2].allows("secrets"));
    assert!(v[2].allows("web_fetch") && v[2].allows("memory_get") && v[2].allows("message"));
}

#[test]
fn audit_reports_each_finding_kind() {
    let wpc = coding_wpc();
    // 04: global minimal overridden by agent full, fs denied, exec security full, elevated
    // with "*" senders, sandbox off.
    let r = audit(
        &config("04-drifted.json5"),
        &wpc,
        None,
        Some(1_795_557_262_334),
    );
    assert!(r.has_critical());
    // Denied explicitly.
    let denied = ids(&r, "claw.wpc.tool_denied");
    for t in ["gateway", "plugins", "automations", "openclaw", "browser"] {
        assert!(
            denied.iter().any(|d| d.contains(&format!("\"{t}\""))),
            "{t}: {denied:?}"
        );
    }
    // Not allowed (default deny): e.g. message, nodes, tts.
    let not_allowed = ids(&r, "claw.wpc.tool_not_allowed");
    assert!(not_allowed.iter().any(|d| d.contains("\"message\"")));
    // Approval and conditional stances are info.
    assert_eq!(count(&r, "claw.wpc.tool_requires_approval"), 1);
    assert_eq!(count(&r, "claw.wpc.tool_conditional"), 1);
    // profile full: any plugin tool.
    assert_eq!(count(&r, "claw.wpc.plugin_tools_unrestricted"), 1);
    // Sandbox off: exec on the host.
    assert_eq!(count(&r, "claw.wpc.host_exec_unsandboxed"), 1);
    // Elevated does not matter when already on the host.
    assert_eq!(count(&r, "claw.wpc.host_exec_elevated"), 0);
    // terminal, computer, nodes reach the host.
    assert_eq!(
        count(&r, "claw.wpc.host_reach_tool"),
        0,
        "not allowed by the WPC: reported as tool findings"
    );
    assert_eq!(count(&r, "claw.openclaw.effective_tools"), 1);

    // Every core tool the agent has is either allowed by the WPC or reported.
    let main = &r.agents[0];
    let reported = denied.len() + not_allowed.len();
    let wpc_ok = main
        .allowed
        .iter()
        .filter(|t| wpc.tool(t).stance.permits_some_calls())
        .count();
    assert_eq!(reported + wpc_ok, main.allowed.len());

    // Ordering: critical first.
    let sev: Vec<Severity> = r.findings.iter().map(|f| f.severity).collect();
    let mut sorted = sev.clone();
    sorted.sort();
    assert_eq!(sev, sorted);
}

#[test]
fn audit_sandboxed_agents_and_elevated() {
    let wpc = coding_wpc();
    let r = audit(&config("09-host-exec.json5"), &wpc, None, None);
    let unsandboxed = ids(&r, "claw.wpc.host_exec_unsandboxed");
    assert_eq!(
        unsandboxed,
        ["Agent \"ops\" runs shell commands on the host"]
    );
    let elevated = ids(&r, "claw.wpc.host_exec_elevated");
    assert_eq!(
        elevated,
        ["Agent \"main\" can escape the sandbox with elevated exec"],
        "ops is already on the host, builder has elevated off"
    );
    let detail = &r
        .findings
        .iter()
        .find(|f| f.check_id == "claw.wpc.host_exec_elevated")
        .unwrap()
        .detail;
    assert!(
        detail.contains("whatsapp, discord") || detail.contains("discord, whatsapp"),
        "{detail}"
    );
    assert!(detail.contains("deny-host-exec"), "{detail}");

    // Without the host_exec deny in the WPC, none of these appear.
    let lax = TableWpc::new().allow(&["*"]);
    let r = audit(&config("09-host-exec.json5"), &lax, None, None);
    assert!(!r.has_critical(), "{}", r.to_text());
    assert_eq!(count(&r, "claw.wpc.host_exec_elevated"), 0);
}

#[test]
fn host_reach_tools_are_reported_when_the_wpc_allows_them_but_forbids_host_exec() {
    let wpc = TableWpc::new()
        .deny("no-host", &["host_exec"])
        .allow(&["*"]);
    let r = audit(&config("07-docs-per-agent-sandbox.json5"), &wpc, None, None);
    // main: no profile, sandbox off: every core tool, on the host.
    let reach = ids(&r, "claw.wpc.host_reach_tool");
    assert_eq!(reach.len(), 3, "{reach:?}");
    assert_eq!(count(&r, "claw.wpc.host_exec_unsandboxed"), 1);
    // family/work/public are sandboxed ("all") and elevated is on by default: work can run
    // exec, so elevated lets it escape.
    let elevated = ids(&r, "claw.wpc.host_exec_elevated");
    assert_eq!(
        elevated,
        ["Agent \"work\" can escape the sandbox with elevated exec"]
    );
    assert!(r
        .findings
        .iter()
        .find(|f| f.check_id == "claw.wpc.host_exec_elevated")
        .unwrap()
        .detail
        .contains("enabled by default"));
}

#[test]
fn plugin_and_mcp_tools() {
    let wpc = TableWpc::new().allow(&["read", "ls"]);
    let r = audit(&config("10-docs-mcp-sandbox.json5"), &wpc, None, None);
    // main: coding in a sandbox that re-allows bundle-mcp.
    assert_eq!(
        ids(&r, "claw.wpc.mcp_tools_allowed"),
        ["Agent \"main\" can call MCP server tools (bundle-mcp); the WPC does not allow them"]
    );
    // research: two MCP tool patterns by name.
    let named = ids(&r, "claw.wpc.plugin_tool_allowed");
    assert_eq!(named.len(), 2, "{named:?}");
    assert!(named.iter().all(|t| t.contains("research")));
    let f = r
        .findings
        .iter()
        .find(|f| f.check_id == "claw.wpc.plugin_tool_allowed")
        .unwrap();
    assert_eq!(f.severity, Severity::Warn);

    // A WPC that names the MCP tools is satisfied.
    let wpc = TableWpc::new().allow(&["read", "ls", "docs__*", "bundle-mcp"]);
    let r = audit(&config("10-docs-mcp-sandbox.json5"), &wpc, None, None);
    assert_eq!(count(&r, "claw.wpc.plugin_tool_allowed"), 0);
    assert_eq!(count(&r, "claw.wpc.mcp_tools_allowed"), 0);
}

#[test]
fn typos_and_legacy_roster() {
    let wpc = TableWpc::new().allow(&["*"]);
    let r = audit(&config("11-typos.json5"), &wpc, None, None);
    let deny = ids(&r, "claw.openclaw.deny_entry_matches_nothing");
    assert_eq!(
        deny,
        [
            "Deny entry \"group:shell\" matches no known tool",
            "Deny entry \"browsr\" matches no known tool"
        ]
    );
    assert_eq!(
        ids(&r, "claw.openclaw.allow_entry_not_core"),
        ["Allow entry \"jira_comment\" is not a core tool"]
    );
    // "discord" in a deny list is a channel plugin's tool: not a typo.
    let r = audit(&config("07-docs-per-agent-sandbox.json5"), &wpc, None, None);
    assert_eq!(count(&r, "claw.openclaw.deny_entry_matches_nothing"), 0);

    let r = audit(&config("05-legacy-agents-list.json5"), &wpc, None, None);
    assert_eq!(count(&r, "claw.openclaw.legacy_agents_list"), 1);
    assert_eq!(r.agents.len(), 2);
}

#[test]
fn baseline_drift() {
    let wpc = TableWpc::new().allow(&["*"]);
    let base = config("01-personal-coding.json5");
    let same = config("01-personal-coding.baseline.json5");
    assert_eq!(
        base.hash_b64u(),
        same.hash_b64u(),
        "formatting and key order do not count"
    );

    // By hash: matches.
    let b = Baseline::from_hash(base.hash_b64u()).unwrap();
    let r = audit(&same, &wpc, Some(&b), None);
    assert_eq!(count(&r, "claw.openclaw.config_matches_baseline"), 1);
    assert!(!r.has_critical());

    // A hash file (with a trailing newline) reads as a hash.
    let b = Baseline::parse(format!("{}\n", base.hash_b64u()).as_bytes()).unwrap();
    assert!(matches!(b, Baseline::Hash(_)));

    // Drifted config against the baseline hash: critical, no section list.
    let drifted = config("12-personal-coding-drifted.json5");
    let r = audit(
        &drifted,
        &wpc,
        Some(&Baseline::from_hash(base.hash_b64u()).unwrap()),
        None,
    );
    let f = r
        .findings
        .iter()
        .find(|f| f.check_id == "claw.openclaw.config_drift")
        .unwrap();
    assert_eq!(f.severity, Severity::Critical);
    assert!(f.detail.contains(drifted.hash_b64u()) && f.detail.contains(base.hash_b64u()));

    // Against the baseline config: which sections changed.
    let b = Baseline::parse(&read("configs/01-personal-coding.baseline.json5")).unwrap();
    let r = audit(&drifted, &wpc, Some(&b), None);
    let f = r
        .findings
        .iter()
        .find(|f| f.check_id == "claw.openclaw.config_drift")
        .unwrap();
    assert!(f.detail.contains("- channels (added)"), "{}", f.detail);
    assert!(f.detail.contains("- tools (changed)"), "{}", f.detail);
    assert!(!f.detail.contains("- agents"), "{}", f.detail);
    assert!(!f.detail.contains("- plugins"), "{}", f.detail);
    // The bot token never leaks into the report.
    let text = r.to_text() + &serde_json::to_string(&r.to_json()).unwrap();
    assert!(!text.contains("redacted-in-tests"));

    assert_eq!(
        changed_sections(base.value(), drifted.value()),
        [
            ("channels".to_string(), SectionChange::Added),
            ("tools".to_string(), SectionChange::Changed)
        ]
    );
    assert_eq!(
        Baseline::from_hash("not-a-hash").unwrap_err().reason_code(),
        "OPENCLAW_BASELINE_INVALID"
    );
}

#[test]
fn json_shape_matches_openclaw_security_audit() {
    let r = audit(
        &config("04-drifted.json5"),
        &coding_wpc(),
        None,
        Some(1_795_557_262_334),
    );
    let ours = r.to_json();
    for f in ["01-personal-coding", "04-drifted", "06-audit-suppression"] {
        let theirs = json_file(&format!("openclaw-audit/{f}.audit.json"));
        for key in ["ts", "summary", "findings"] {
            assert!(
                theirs.get(key).is_some() && ours.get(key).is_some(),
                "{key}"
            );
        }
        let their_keys: BTreeSet<&str> = theirs["summary"]
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        let our_keys: BTreeSet<&str> = ours["summary"]
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        assert_eq!(their_keys, our_keys);
        let allowed: BTreeSet<&str> = theirs["findings"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|f| f.as_object().unwrap().keys().map(String::as_str))
            .collect();
        for finding in ours["findings"].as_array().unwrap() {
            for k in finding.as_object().unwrap().keys() {
                assert!(allowed.contains(k.as_str()), "{k}");
            }
            let sev = finding["severity"].as_str().unwrap();
            assert!(["info", "warn", "critical"].contains(&sev));
        }
    }
    let s = r.summary();
    assert_eq!(ours["summary"]["critical"], s.critical);
    assert_eq!(
        s.critical + s.warn + s.info,
        ours["findings"].as_array().unwrap().len()
    );
    assert_eq!(ours["ts"], 1_795_557_262_334i64);
    assert_eq!(
        ours["claw"]["configHash"],
        config("04-drifted.json5").hash_b64u()
    );
}

#[test]
fn the_recommended_config_passes_the_audit() {
    for wpc in [
        coding_wpc(),
        TableWpc::new().allow(&["read"]),
        TableWpc::new(),
    ] {
        let rec = recommended_config(&wpc);
        let cfg = OpenClawConfig::from_value(rec.clone()).unwrap();
        let r = audit(&cfg, &wpc, None, None);
        let bad: Vec<_> = r
            .findings
            .iter()
            .filter(|f| f.severity != Severity::Info)
            .collect();
        assert!(
            bad.is_empty(),
            "{}\n{}",
            serde_json::to_string_pretty(&rec).unwrap(),
            r.to_text()
        );
        // Exactly the WPC's core tools, no more.
        let want: Vec<&str> = catalog::CORE_TOOLS
            .iter()
            .copied()
            .filter(|t| wpc.tool(t).stance.permits_some_calls())
            .collect();
        assert_eq!(r.agents[0].allowed, want);
        assert!(r.agents[0].other.is_empty());
    }
    let rec = recommended_config(&coding_wpc());
    assert_eq!(rec["tools"]["profile"], "minimal");
    assert_eq!(rec["tools"]["elevated"]["enabled"], false);
    assert_eq!(rec["tools"]["exec"]["host"], "sandbox");
    assert_eq!(rec["agents"]["defaults"]["sandbox"]["mode"], "all");
    let deny: Vec<&str> = rec["tools"]["deny"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    for g in ["group:ui", "group:automation", "group:nodes", "group:media"] {
        assert!(deny.contains(&g), "{deny:?}");
    }
    assert!(deny.contains(&"gateway") || deny.contains(&"group:automation"));
    assert!(!deny.contains(&"session_status"), "the WPC allows it");
}

#[test]
fn malformed_configs_give_typed_errors() {
    let cases: BTreeMap<&str, &str> = [
        ("duplicate-key.json5", "OPENCLAW_JSON5_DUPLICATE_KEY"),
        ("unbalanced.json5", "OPENCLAW_JSON5_SYNTAX"),
        ("trailing-garbage.json5", "OPENCLAW_JSON5_SYNTAX"),
        ("unterminated-string.json5", "OPENCLAW_JSON5_SYNTAX"),
        ("unterminated-comment.json5", "OPENCLAW_JSON5_SYNTAX"),
        ("unknown-profile.json5", "OPENCLAW_CONFIG_INVALID"),
        ("allow-and-also-allow.json5", "OPENCLAW_CONFIG_INVALID"),
        ("include.json5", "OPENCLAW_CONFIG_INCLUDE_UNSUPPORTED"),
        ("not-an-object.json5", "OPENCLAW_CONFIG_INVALID"),
        ("infinity.json5", "OPENCLAW_JSON5_NUMBER_NOT_FINITE"),
        ("lone-surrogate.json5", "OPENCLAW_JSON5_LONE_SURROGATE"),
        ("invalid-utf8.json5", "INVALID_UTF8"),
    ]
    .into_iter()
    .collect();
    let mut files: Vec<String> = std::fs::read_dir(data("malformed"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    files.sort();
    assert_eq!(files.len(), cases.len());
    for f in &files {
        let e = OpenClawConfig::parse(&read(&format!("malformed/{f}"))).unwrap_err();
        assert_eq!(e.reason_code(), cases[f.as_str()], "{f}: {e}");
        // Errors convert into the crate error with the same code.
        let ce: claw_core::Error = e.clone().into();
        assert_eq!(ce.reason_code(), e.reason_code());
    }
    match OpenClawConfig::parse(&read("malformed/duplicate-key.json5")).unwrap_err() {
        OpenClawError::DuplicateKey {
            line, path, key, ..
        } => {
            assert_eq!((line, path.as_str(), key.as_str()), (5, "$.tools", "deny"));
        }
        other => panic!("{other:?}"),
    }
    match OpenClawConfig::parse(&read("malformed/unbalanced.json5")).unwrap_err() {
        OpenClawError::Syntax { line, .. } => assert_eq!(line, 5),
        other => panic!("{other:?}"),
    }
}

#[test]
fn every_prefix_of_every_config_is_refused_or_read_without_panic() {
    // Truncations and single-byte corruptions of real configs never panic.
    for dir in ["configs", "malformed"] {
        for e in std::fs::read_dir(data(dir)).unwrap() {
            let bytes = std::fs::read(e.unwrap().path()).unwrap();
            for cut in 0..bytes.len() {
                let _ = OpenClawConfig::parse(&bytes[..cut]);
            }
            for i in (0..bytes.len()).step_by(7) {
                for b in [b'"', b'\'', b'{', b']', b'\\', b'/', 0xff, b'*'] {
                    let mut m = bytes.clone();
                    m[i] = b;
                    let _ = OpenClawConfig::parse(&m);
                }
            }
        }
    }
}

#[test]
fn text_report_is_readable() {
    let r = audit(
        &config("03-locked-down.json5"),
        &coding_wpc(),
        None,
        Some(1),
    );
    let text = r.to_text();
    assert!(text.starts_with("OpenClaw config audit (OpenClaw 2026.9.6 rules)\n"));
    assert!(text.contains("policy       test-policy"));
    // 03 is sandboxed, read-mostly: ls/read/session_status are all allowed by the WPC.
    assert!(!r.has_critical(), "{text}");
    assert!(text.contains("Effective tools of agent \"main\""));
}

fn authoring_policy(extra: &[(&str, serde_json::Value)]) -> claw_core::wpc::Policy {
    let mut doc = json_file("wpc/coding-job.authoring.json");
    doc["issuer_did"] = "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK".into();
    for (k, v) in extra {
        doc[*k] = v.clone();
    }
    claw_core::wpc::compile_authoring(&doc.to_string()).unwrap()
}

#[test]
fn wpc_adapter_maps_decisions_to_stances() {
    use claw_core::openclaw::WpcTools;
    let policy = authoring_policy(&[]);
    let w = WpcTools::new(&policy, 1_800_000_000).unwrap();
    assert_eq!(w.policy_id(), "repo-maintenance-prod");
    assert_eq!(w.policy_hash(), policy.hash_b64u());
    assert_eq!(w.tool("read").stance, ToolStance::Allowed);
    assert!(w
        .tool("read")
        .statement_id
        .unwrap()
        .starts_with("allow-tools."));
    let host = w.forbids_host_exec().expect("the WPC denies host_exec");
    assert!(host.statement_id.unwrap().starts_with("deny-tools."));
    assert_eq!(host.reason_code, "POLICY_VIOLATION");
    assert_eq!(w.tool("gateway").stance, ToolStance::Denied);
    assert_eq!(
        w.tool("github_publish").stance,
        ToolStance::ApprovalRequired
    );
    let web = w.tool("web_fetch");
    assert_eq!(
        (web.stance, web.reason_code.as_str()),
        (ToolStance::NotAllowed, "POLICY_DEFAULT_DENY")
    );

    // Data classes: every tool call needs one; the audit asks with an accepted class.
    let policy = authoring_policy(&[("data_classes_allowed", serde_json::json!(["internal"]))]);
    let w = WpcTools::new(&policy, 1_800_000_000).unwrap();
    assert_eq!(w.tool("read").stance, ToolStance::Conditional);
    assert_eq!(w.tool("web_fetch").stance, ToolStance::NotAllowed);
    assert_eq!(w.tool("gateway").stance, ToolStance::Denied);
    let policy = authoring_policy(&[("data_classes_denied", serde_json::json!(["regulated_pii"]))]);
    let w = WpcTools::new(&policy, 1_800_000_000).unwrap();
    assert_eq!(w.tool("read").stance, ToolStance::Conditional);

    // A WPC that never mentions host_exec does not forbid host execution.
    let mut doc = json_file("wpc/coding-job.authoring.json");
    doc["issuer_did"] = "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK".into();
    doc["denied_tools"] = serde_json::json!(["control_plane"]);
    let policy = claw_core::wpc::compile_authoring(&doc.to_string()).unwrap();
    let w = WpcTools::new(&policy, 1_800_000_000).unwrap();
    assert_eq!(w.tool("host_exec").stance, ToolStance::NotAllowed);
    assert!(w.forbids_host_exec().is_none());
}

#[test]
fn audit_with_a_compiled_wpc() {
    use claw_core::openclaw::WpcTools;
    let policy = authoring_policy(&[]);
    let w = WpcTools::new(&policy, 1_800_000_000).unwrap();
    // 01: coding profile, sandbox off, elevated off.
    let r = audit(&config("01-personal-coding.json5"), &w, None, None);
    assert_eq!(count(&r, "claw.wpc.host_exec_unsandboxed"), 1);
    assert_eq!(count(&r, "claw.wpc.host_exec_elevated"), 0);
    assert!(ids(&r, "claw.wpc.tool_denied")
        .iter()
        .any(|t| t.contains("\"gateway\"")));
    assert_eq!(count(&r, "claw.wpc.tool_requires_approval"), 1);
    // The recommended config for this WPC passes.
    let cfg = OpenClawConfig::from_value(recommended_config(&w)).unwrap();
    let r = audit(&cfg, &w, None, None);
    assert!(!r.has_critical(), "{}", r.to_text());
    assert_eq!(
        r.agents[0].allowed,
        [
            "ls",
            "read",
            "write",
            "edit",
            "apply_patch",
            "exec",
            "process",
            "memory_search",
            "memory_get",
            "github_publish",
            "session_status"
        ]
    );
}

#[test]
fn a_denied_host_exec_tool_class_also_forbids_host_execution() {
    use claw_core::openclaw::WpcTools;
    // The shape of examples/policy/invoice-triage.authoring.json: a class named host_exec.
    let mut doc = json_file("wpc/coding-job.authoring.json");
    doc["issuer_did"] = "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK".into();
    doc["tool_classes"] = serde_json::json!({"host_exec": ["shell_exec", "exec", "process"]});
    doc["allowed_tools"] = serde_json::json!(["read"]);
    doc["denied_tools"] = serde_json::json!(["host_exec"]);
    doc["approvals"] = serde_json::json!([]);
    let policy = claw_core::wpc::compile_authoring(&doc.to_string()).unwrap();
    let w = WpcTools::new(&policy, 1_800_000_000).unwrap();
    assert_eq!(w.tool("host_exec").stance, ToolStance::NotAllowed);
    let r = w.forbids_host_exec().expect("class host_exec denied");
    assert!(r.statement_id.unwrap().starts_with("deny-tools."));
    // exec itself is denied, so the per-tool finding reports it.
    let r = audit(&config("01-personal-coding.json5"), &w, None, None);
    assert!(ids(&r, "claw.wpc.tool_denied")
        .iter()
        .any(|t| t.contains("\"exec\"")));
    // A class only partly denied does not forbid host execution.
    doc["allowed_tools"] = serde_json::json!(["read", "exec"]);
    doc["denied_tools"] = serde_json::json!(["shell_exec", "process"]);
    let policy = claw_core::wpc::compile_authoring(&doc.to_string()).unwrap();
    let w = WpcTools::new(&policy, 1_800_000_000).unwrap();
    assert!(w.forbids_host_exec().is_none());
}

/// `name`'s config with the claw plugin loaded (policy at `policy`).
fn with_claw_plugin(name: &str, policy: &str) -> OpenClawConfig {
    let mut v = config(name).value().clone();
    v["plugins"] = serde_json::json!({
        "allow": ["claw"],
        "entries": { "claw": { "enabled": true, "config": {
            "policy": policy, "policySigners": ["did:key:z6MkPolicyIssuer"],
            "job": "job-1", "evidenceDir": "/var/lib/claw" } } }
    });
    OpenClawConfig::from_value(v).unwrap()
}

#[test]
fn the_claw_plugin_loaded_with_the_same_wpc_mitigates_what_it_blocks() {
    let wpc = coding_wpc();
    // 04: denied and not-allowed tools, host exec (sandbox off), plugin tools.
    let cfg = with_claw_plugin("04-drifted.json5", "/etc/claw/job.wpc.json");
    let plain = audit(&cfg, &wpc, None, None);
    assert!(plain.has_critical());
    let same = PluginCoverage::assess(&cfg, wpc.policy_hash(), |path| {
        assert_eq!(path, "/etc/claw/job.wpc.json");
        Ok(wpc.policy_hash().to_string())
    });
    assert!(same.enforces());
    let r = audit_with_plugin(&cfg, &wpc, None, None, &same);
    // Every critical finding of a covered check is now a warning marked mitigated; nothing
    // else changed; no critical remains in this config (04 has no host-reach tool allowed).
    let covered =
        |f: &claw_core::openclaw::Finding| MITIGATED_BY_PLUGIN.contains(&f.check_id.as_str());
    let before: Vec<_> = plain.findings.iter().filter(|f| covered(f)).collect();
    assert!(before.len() > 5, "{}", plain.to_text());
    assert!(before.iter().all(|f| f.severity == Severity::Critical));
    let after: Vec<_> = r.findings.iter().filter(|f| covered(f)).collect();
    assert_eq!(after.len(), before.len());
    for f in &after {
        assert_eq!(f.severity, Severity::Warn, "{}", f.title);
        assert!(
            f.title.ends_with("(mitigated: the claw plugin blocks it)"),
            "{}",
            f.title
        );
        assert!(f
            .mitigated_by
            .as_deref()
            .unwrap()
            .contains("/etc/claw/job.wpc.json"));
        assert_eq!(
            f.to_json()["mitigatedBy"],
            f.mitigated_by.clone().unwrap().as_str()
        );
    }
    assert_eq!(count(&r, "claw.openclaw.plugin_enforces_wpc"), 1);
    assert!(!r.has_critical(), "{}", r.to_text());
    // What the plugin does not cover keeps its severity.
    for check in [
        "claw.wpc.plugin_tools_unrestricted",
        "claw.openclaw.effective_tools",
    ] {
        let sev = |rep: &AuditReport| -> Vec<Severity> {
            rep.findings
                .iter()
                .filter(|f| f.check_id == check)
                .map(|f| f.severity)
                .collect()
        };
        assert_eq!(sev(&plain), sev(&r), "{check}");
    }
    // The summary keeps the mark.
    let folded = r.summarized();
    let denied = folded
        .findings
        .iter()
        .find(|f| f.check_id == "claw.wpc.tool_denied")
        .unwrap();
    assert_eq!(denied.severity, Severity::Warn);
    assert!(denied.mitigated_by.is_some() && denied.title.contains("mitigated"));

    // Host-reach tools that the WPC allows are not blocked by the plugin: still critical.
    let reach_wpc = TableWpc::new()
        .deny("no-host", &["host_exec"])
        .allow(&["*"]);
    let cfg7 = with_claw_plugin("07-docs-per-agent-sandbox.json5", "p.json");
    let same7 = PluginCoverage::assess(&cfg7, reach_wpc.policy_hash(), |_| {
        Ok(reach_wpc.policy_hash().to_string())
    });
    let r7 = audit_with_plugin(&cfg7, &reach_wpc, None, None, &same7);
    assert!(r7
        .findings
        .iter()
        .filter(|f| f.check_id == "claw.wpc.host_reach_tool")
        .all(|f| f.severity == Severity::Critical && f.mitigated_by.is_none()));
    assert_eq!(count(&r7, "claw.wpc.host_reach_tool"), 3);
    assert!(r7
        .findings
        .iter()
        .filter(|f| f.check_id == "claw.wpc.host_exec_unsandboxed")
        .all(|f| f.severity == Severity::Warn));
}

#[test]
fn the_claw_plugin_with_another_or_no_policy_mitigates_nothing() {
    let wpc = coding_wpc();
    let cfg = with_claw_plugin("04-drifted.json5", "/etc/claw/other.wpc.json");
    let plain = audit(&cfg, &wpc, None, None);
    for coverage in [
        PluginCoverage::assess(&cfg, wpc.policy_hash(), |_| Ok("B".repeat(43))),
        PluginCoverage::assess(&cfg, wpc.policy_hash(), |_| Err("no such file".into())),
    ] {
        assert!(!coverage.enforces());
        let r = audit_with_plugin(&cfg, &wpc, None, None, &coverage);
        assert_eq!(r.summary().critical, plain.summary().critical);
        assert!(r.findings.iter().all(|f| f.mitigated_by.is_none()));
        assert_eq!(count(&r, "claw.openclaw.plugin_policy_differs"), 1);
        assert_eq!(count(&r, "claw.openclaw.plugin_enforces_wpc"), 0);
    }
    // The same config without the plugin section: nothing is assessed as loaded.
    let bare = config("04-drifted.json5");
    let absent = PluginCoverage::assess(&bare, wpc.policy_hash(), |_| unreachable!());
    assert!(matches!(absent, PluginCoverage::Absent(_)));
    assert_eq!(
        audit_with_plugin(&bare, &wpc, None, None, &absent),
        audit(&bare, &wpc, None, None)
    );
}

#[test]
fn the_recommended_config_without_docker_passes_the_audit() {
    let exec_no_host = TableWpc::new()
        .deny("no-host", &["host_exec"])
        .allow(&["*"]);
    for wpc in [
        coding_wpc(),
        exec_no_host,
        TableWpc::new().allow(&["read", "exec"]),
        TableWpc::new().allow(&["read"]),
        TableWpc::new(),
    ] {
        let rec = recommended_config_for(&wpc, Isolation::Host);
        let cfg = OpenClawConfig::from_value(rec.clone()).unwrap();
        let r = audit(&cfg, &wpc, None, None);
        let bad: Vec<_> = r
            .findings
            .iter()
            .filter(|f| f.severity != Severity::Info)
            .collect();
        assert!(
            bad.is_empty(),
            "{}\n{}",
            serde_json::to_string_pretty(&rec).unwrap(),
            r.to_text()
        );
        // No container: sandbox off, no sandbox tool list.
        assert_eq!(rec["agents"]["defaults"]["sandbox"]["mode"], "off");
        assert!(rec["tools"].get("sandbox").is_none());
        assert_eq!(rec["tools"]["elevated"]["enabled"], false);
        let forbids = wpc.forbids_host_exec().is_some();
        let want: Vec<&str> = catalog::CORE_TOOLS
            .iter()
            .copied()
            .filter(|t| wpc.tool(t).stance.permits_some_calls())
            .filter(|t| {
                !(forbids
                    && (catalog::HOST_EXEC_TOOLS.contains(t)
                        || catalog::HOST_REACH_TOOLS.contains(t)))
            })
            .collect();
        assert_eq!(r.agents[0].allowed, want);
        // The trade-off is stated, and names what it gives up.
        let t = Isolation::Host.trade_off(&wpc);
        if forbids {
            assert!(
                !r.agents[0].allows("exec") && t.contains("exec/process"),
                "{t}"
            );
        } else if wpc.tool("exec").stance.permits_some_calls() {
            assert_eq!(rec["tools"]["exec"]["host"], "gateway");
            assert!(t.contains("runs on the host"), "{t}");
        }
    }
    // The Docker recommendation is unchanged by the new parameter.
    assert_eq!(
        recommended_config_for(&coding_wpc(), Isolation::Docker),
        recommended_config(&coding_wpc())
    );
}
