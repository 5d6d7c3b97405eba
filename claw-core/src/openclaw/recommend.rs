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
pub fn recommended_config(wpc: &dyn WpcView) -> Value {
    let mut allowed: Vec<&str> = Vec::new();
    let mut denied: Vec<&str> = Vec::new();
    for t in catalog::CORE_TOOLS {
        if wpc.tool(t).stance.permits_some_calls() {
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
    if catalog::HOST_EXEC_TOOLS.iter().any(|t| allowed.contains(t)) {
        tools.insert("exec".into(), json!({ "host": "sandbox" }));
    }
    if !allowed.is_empty() {
        tools.insert("sandbox".into(), json!({ "tools": { "allow": allowed } }));
    }
    json!({
        "tools": Value::Object(tools),
        "agents": { "defaults": { "sandbox": { "mode": "all" } } },
    })
}
