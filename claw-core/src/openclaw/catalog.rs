//! OpenClaw's built-in tool catalog, groups, profiles and name rules, as shipped in
//! `openclaw@2026.9.6` (read from its compiled `dist/tool-catalog-*.mjs`,
//! `tool-policy-shared-*.mjs`, `tool-policy-*.mjs` and `sandbox/constants`; the docs pages
//! lag behind the code, and the code is what runs). The test
//! `catalog_matches_the_dump` compares these tables with the dump in
//! `tests/data/openclaw/tool-catalog-2026.9.6.json`.

/// The OpenClaw release these tables describe.
pub const OPENCLAW_VERSION: &str = "2026.9.6";

/// Every built-in (core) tool id, in catalog order.
pub const CORE_TOOLS: &[&str] = &[
    "ls",
    "read",
    "write",
    "edit",
    "apply_patch",
    "exec",
    "process",
    "code_execution",
    "secrets",
    "web_search",
    "web_fetch",
    "x_search",
    "memory_search",
    "memory_get",
    "sessions",
    "sessions_list",
    "sessions_history",
    "sessions_search",
    "conversations_list",
    "conversations_send",
    "conversations_turn",
    "sessions_send",
    "sessions_spawn",
    "github_identity_status",
    "github_publish",
    "agents_wait",
    "sessions_yield",
    "subagents",
    "session_status",
    "suggest_task",
    "dismiss_task",
    "browser",
    "screen",
    "theme",
    "dashboard",
    "terminal",
    "portal",
    "canvas",
    "show_widget",
    "message",
    "heartbeat_respond",
    "automations",
    "gateway",
    "plugins",
    "openclaw",
    "nodes",
    "computer",
    "mobile_ui",
    "agents_list",
    "get_goal",
    "create_goal",
    "update_goal",
    "progress_card",
    "ask_user",
    "skill_workshop",
    "view_image",
    "image_generate",
    "music_generate",
    "video_generate",
    "tts",
    "pdf",
];

/// Tool groups usable in `allow`, `alsoAllow` and `deny` (`group:plugins` is expanded at run
/// time to the loaded plugins' tools and is handled apart).
pub const GROUPS: &[(&str, &[&str])] = &[
    (
        "group:openclaw",
        &[
            "code_execution",
            "secrets",
            "web_search",
            "web_fetch",
            "x_search",
            "memory_search",
            "memory_get",
            "sessions",
            "sessions_list",
            "sessions_history",
            "sessions_search",
            "conversations_list",
            "conversations_send",
            "conversations_turn",
            "sessions_send",
            "sessions_spawn",
            "github_identity_status",
            "github_publish",
            "agents_wait",
            "sessions_yield",
            "subagents",
            "session_status",
            "suggest_task",
            "dismiss_task",
            "browser",
            "screen",
            "theme",
            "dashboard",
            "terminal",
            "portal",
            "show_widget",
            "message",
            "heartbeat_respond",
            "automations",
            "gateway",
            "plugins",
            "openclaw",
            "nodes",
            "computer",
            "mobile_ui",
            "agents_list",
            "get_goal",
            "create_goal",
            "update_goal",
            "progress_card",
            "ask_user",
            "skill_workshop",
            "view_image",
            "image_generate",
            "music_generate",
            "video_generate",
            "tts",
            "pdf",
        ],
    ),
    ("group:fs", &["ls", "read", "write", "edit", "apply_patch"]),
    (
        "group:runtime",
        &["exec", "process", "code_execution", "secrets"],
    ),
    ("group:web", &["web_search", "web_fetch", "x_search"]),
    ("group:memory", &["memory_search", "memory_get"]),
    (
        "group:sessions",
        &[
            "sessions",
            "sessions_list",
            "sessions_history",
            "sessions_search",
            "conversations_list",
            "conversations_send",
            "conversations_turn",
            "sessions_send",
            "sessions_spawn",
            "github_identity_status",
            "github_publish",
            "agents_wait",
            "sessions_yield",
            "subagents",
            "session_status",
            "suggest_task",
            "dismiss_task",
        ],
    ),
    (
        "group:ui",
        &[
            "browser",
            "screen",
            "theme",
            "dashboard",
            "terminal",
            "portal",
            "canvas",
            "show_widget",
        ],
    ),
    ("group:messaging", &["message"]),
    (
        "group:automation",
        &[
            "heartbeat_respond",
            "automations",
            "gateway",
            "plugins",
            "openclaw",
        ],
    ),
    ("group:nodes", &["nodes", "computer", "mobile_ui"]),
    (
        "group:agents",
        &[
            "agents_list",
            "get_goal",
            "create_goal",
            "update_goal",
            "progress_card",
            "ask_user",
            "skill_workshop",
        ],
    ),
    (
        "group:media",
        &[
            "view_image",
            "image_generate",
            "music_generate",
            "video_generate",
            "tts",
            "pdf",
        ],
    ),
];

/// The group that stands for plugin-owned tools (and `bundle-mcp` MCP tools).
pub const GROUP_PLUGINS: &str = "group:plugins";

/// The pseudo tool id that stands for tools served by bundled MCP servers.
pub const BUNDLE_MCP: &str = "bundle-mcp";

/// `tools.profile` values and their allowlists (`full` is `["*"]`).
pub const PROFILES: &[(&str, &[&str])] = &[
    ("minimal", &["session_status", "gateway"]),
    (
        "coding",
        &[
            "ls",
            "read",
            "write",
            "edit",
            "apply_patch",
            "exec",
            "process",
            "code_execution",
            "secrets",
            "web_search",
            "web_fetch",
            "x_search",
            "memory_search",
            "memory_get",
            "sessions",
            "sessions_list",
            "sessions_history",
            "sessions_search",
            "conversations_list",
            "conversations_send",
            "conversations_turn",
            "sessions_send",
            "sessions_spawn",
            "github_identity_status",
            "github_publish",
            "agents_wait",
            "sessions_yield",
            "subagents",
            "session_status",
            "suggest_task",
            "dismiss_task",
            "screen",
            "theme",
            "dashboard",
            "terminal",
            "portal",
            "automations",
            "gateway",
            "plugins",
            "get_goal",
            "create_goal",
            "update_goal",
            "progress_card",
            "ask_user",
            "skill_workshop",
            "view_image",
            "image_generate",
            "music_generate",
            "video_generate",
            "bundle-mcp",
        ],
    ),
    (
        "messaging",
        &[
            "secrets",
            "sessions",
            "sessions_list",
            "sessions_history",
            "sessions_search",
            "conversations_list",
            "conversations_send",
            "conversations_turn",
            "sessions_send",
            "sessions_spawn",
            "sessions_yield",
            "subagents",
            "session_status",
            "theme",
            "message",
            "gateway",
            "ask_user",
            "bundle-mcp",
        ],
    ),
    ("full", &["*"]),
];

/// Names normalized before matching (`bash` → `exec`, ...).
pub const ALIASES: &[(&str, &str)] = &[
    ("bash", "exec"),
    ("apply-patch", "apply_patch"),
    ("cron", "automations"),
];

/// Policy names renamed in shipped releases (applied to allow and deny lists).
pub const RENAMES: &[(&str, &str)] = &[("update_plan", "progress_card")];

/// Policy names that also stand for other core tools (`canvas` brings `show_widget`).
pub const FAMILIES: &[(&str, &[&str])] = &[("canvas", &["show_widget"])];

/// The sandbox tool allowlist used when `tools.sandbox.tools.allow` is not configured.
pub const SANDBOX_DEFAULT_ALLOW: &[&str] = &[
    "exec",
    "process",
    "read",
    "ls",
    "write",
    "edit",
    "apply_patch",
    "view_image",
    "sessions_list",
    "sessions_history",
    "sessions_search",
    "sessions_send",
    "sessions_spawn",
    "sessions_yield",
    "subagents",
    "session_status",
];

/// The bundled chat channels; each one's plugin contributes a tool of the same name
/// (`slack`, `discord`, ...), which policies may name.
pub const CHANNEL_TOOLS: &[&str] = &[
    "feishu",
    "googlechat",
    "nostr",
    "buzz",
    "msteams",
    "mattermost",
    "nextcloud-talk",
    "matrix",
    "raft",
    "a2a",
    "line",
    "zalo",
    "clickclack",
    "zalouser",
    "sms",
    "synology-chat",
    "tlon",
    "discord",
    "imessage",
    "irc",
    "reef",
    "signal",
    "slack",
    "telegram",
    "twitch",
    "whatsapp",
];

/// The core part of the sandbox tool denylist used when `tools.sandbox.tools.deny` is not
/// configured; the shipped list continues with [`CHANNEL_TOOLS`].
pub const SANDBOX_DEFAULT_DENY: &[&str] = &[
    "browser",
    "canvas",
    "computer",
    "mobile_ui",
    "nodes",
    "automations",
    "gateway",
];

/// Tools that start or drive shell commands: where they run (sandbox or host) is what a
/// "no host execution" policy is about. `tools.elevated` only ever affects `exec`.
pub const HOST_EXEC_TOOLS: &[&str] = &["exec", "process"];

/// Tools that act outside the sandbox by design, whatever the sandbox mode: shared operator
/// terminals on the gateway host, the gateway desktop or a paired computer, paired devices.
pub const HOST_REACH_TOOLS: &[&str] = &["terminal", "computer", "nodes"];

/// The meta tools of Tool Search (`tool_call {id, args}` runs another tool, which gets its
/// own policy check and hook call); not policy targets themselves.
pub const TOOL_SEARCH_META_TOOLS: &[&str] = &["tool_search", "tool_describe", "tool_call"];

/// The members of a group, if `name` is one.
pub fn group(name: &str) -> Option<&'static [&'static str]> {
    GROUPS.iter().find(|(g, _)| *g == name).map(|(_, m)| *m)
}

/// The allowlist of a profile, if `name` is one.
pub fn profile(name: &str) -> Option<&'static [&'static str]> {
    PROFILES.iter().find(|(p, _)| *p == name).map(|(_, m)| *m)
}

/// Whether `name` is a built-in tool id.
pub fn is_core_tool(name: &str) -> bool {
    CORE_TOOLS.contains(&name)
}

/// OpenClaw's name normalization: trim, lowercase, then aliases (`bash` → `exec`).
pub fn normalize(name: &str) -> String {
    let lower = name.trim().to_lowercase();
    ALIASES
        .iter()
        .find(|(a, _)| *a == lower)
        .map(|(_, to)| (*to).to_string())
        .unwrap_or(lower)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    #[test]
    fn groups_only_name_core_tools() {
        for (g, members) in GROUPS {
            for m in *members {
                assert!(is_core_tool(m), "{g}: {m}");
            }
        }
        let union: BTreeSet<&str> = GROUPS
            .iter()
            .filter(|(g, _)| *g != "group:openclaw")
            .flat_map(|(_, m)| m.iter().copied())
            .collect();
        let core: BTreeSet<&str> = CORE_TOOLS.iter().copied().collect();
        assert_eq!(union, core, "the section groups partition the catalog");
    }

    #[test]
    fn normalize_applies_aliases_and_case() {
        assert_eq!(normalize(" Bash "), "exec");
        assert_eq!(normalize("APPLY-PATCH"), "apply_patch");
        assert_eq!(normalize("cron"), "automations");
        assert_eq!(normalize("Group:FS"), "group:fs");
    }
}
