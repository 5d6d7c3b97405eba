//! The MCP gate rules (claw_core::mcp): a tools/call as a decision with the server in the
//! context, approvals, overrides, the answer a refused call gets, the tools/list filter, the
//! elicitation answer, and hostile messages.
use claw_core::mcp::{self, Approval, ToolCall};
use claw_core::wpc::{CompiledPolicy, Overrides, Policy, PolicyRuntime, Verdict};
use serde_json::{json, Value};
use std::sync::Arc;

const NOW: i64 = 1_790_000_000;

fn runtime(statements: &str) -> PolicyRuntime {
    let doc = format!(
        r#"{{"policy_version":"2","policy_id":"p","issuer_did":"did:key:z6Mkx","statements":{statements}}}"#
    );
    let policy = Policy::parse(doc.as_bytes()).unwrap();
    PolicyRuntime::new(Arc::new(CompiledPolicy::compile(&policy).unwrap()))
}

const FS_POLICY: &str = r#"[
  {"sid":"reads","effect":"Allow","actions":["tool:execute"],"resources":["read_*","list_*"]},
  {"sid":"fs-deletes","effect":"Allow","actions":["tool:execute"],"resources":["delete_*"],
   "conditions":{"StringEquals":{"Mcp:Server":"fs"},"Bool":{"Request:HasHumanApproval":"true"}}},
  {"sid":"no-writes","effect":"Deny","actions":["tool:execute"],"resources":["write_*"]}
]"#;

#[test]
fn a_call_is_decided_on_its_tool_and_server() {
    let rt = runtime(FS_POLICY);
    let snap = rt.snapshot();
    let d = mcp::decide_call(&snap, "read_file", "fs", NOW, NOW, Approval::None);
    assert_eq!(
        (d.verdict, d.reason_code.as_str()),
        (Verdict::Allow, "POLICY_ALLOW")
    );
    assert_eq!(d.statement_id.as_deref(), Some("reads"));
    let d = mcp::decide_call(&snap, "write_file", "fs", NOW, NOW, Approval::None);
    assert_eq!(
        (d.verdict, d.reason_code.as_str()),
        (Verdict::Deny, "POLICY_VIOLATION")
    );
    // delete_* on server fs needs an approval; on another server it is never allowed.
    let d = mcp::decide_call(&snap, "delete_file", "fs", NOW, NOW, Approval::None);
    assert_eq!(
        (d.verdict, d.reason_code.as_str()),
        (Verdict::ApprovalRequired, "CAPABILITY_REQUIRES_APPROVAL")
    );
    let d = mcp::decide_call(&snap, "delete_file", "other", NOW, NOW, Approval::None);
    assert_eq!(
        (d.verdict, d.reason_code.as_str()),
        (Verdict::Deny, "POLICY_DEFAULT_DENY")
    );
    // A recorded approval allows, and is used; a recorded refusal denies.
    let d = mcp::decide_call(
        &snap,
        "delete_file",
        "fs",
        NOW,
        NOW,
        Approval::Approved("r1"),
    );
    assert_eq!(d.verdict, Verdict::Allow);
    assert_eq!(d.approval_receipt_id.as_deref(), Some("r1"));
    let d = mcp::decide_call(&snap, "delete_file", "fs", NOW, NOW, Approval::Denied("r2"));
    assert_eq!(
        (d.verdict, d.reason_code.as_str()),
        (Verdict::Deny, "HUMAN_APPROVAL_DENIED")
    );
    // An approval never overrides an explicit Deny, and is not used then.
    let d = mcp::decide_call(
        &snap,
        "write_file",
        "fs",
        NOW,
        NOW,
        Approval::Approved("r3"),
    );
    assert_eq!(d.verdict, Verdict::Deny);
    assert_eq!(d.approval_receipt_id, None);
    // The record carries the argument hash.
    let rec = d.to_record("write_file", "h");
    assert_eq!(rec.args_hash_b64u.as_deref(), Some("h"));
    assert_eq!(rec.decision, "deny");
}

#[test]
fn overrides_apply_to_the_next_call() {
    let rt = runtime(FS_POLICY);
    assert_eq!(
        mcp::decide_call(&rt.snapshot(), "read_file", "fs", NOW, NOW, Approval::None).verdict,
        Verdict::Allow
    );
    rt.set_overrides(Overrides::none().deny_tool("read_*"))
        .unwrap();
    let d = mcp::decide_call(&rt.snapshot(), "read_file", "fs", NOW, NOW, Approval::None);
    assert_eq!(d.reason_code, "OVERRIDE_TOOL_DENIED");
    assert!(!mcp::listing_visible(&rt.snapshot(), "read_file", NOW));
}

#[test]
fn listing_hides_what_can_never_be_allowed() {
    let rt = runtime(FS_POLICY);
    let snap = rt.snapshot();
    let result = json!({
        "tools": [
            {"name": "read_file", "inputSchema": {"type": "object"}},
            {"name": "write_file", "inputSchema": {"type": "object"}},
            {"name": "delete_file", "inputSchema": {"type": "object"}},
            {"name": "exec", "inputSchema": {"type": "object"}},
            {"inputSchema": {"type": "object"}},
        ],
        "nextCursor": "c2"
    });
    let l = mcp::filter_tools_list(&result, |n| mcp::listing_visible(&snap, n, NOW)).unwrap();
    assert_eq!(
        l.offered,
        ["read_file", "write_file", "delete_file", "exec", ""]
    );
    assert_eq!(l.shown, ["read_file", "delete_file"]);
    assert_eq!(l.result["nextCursor"], "c2");
    assert_eq!(l.result["tools"].as_array().unwrap().len(), 2);
    assert_eq!(l.offered_hash_b64u.len(), 43);
    // A tool that runs only as a task is never shown: the proxy relays no tasks.
    let tasks = json!({"tools": [
        {"name": "read_file", "execution": {"taskSupport": "required"}},
        {"name": "read_more", "execution": {"taskSupport": "optional"}},
        {"name": "read_less", "execution": {"taskSupport": "forbidden"}},
    ]});
    let l = mcp::filter_tools_list(&tasks, |_| true).unwrap();
    assert_eq!(l.offered, ["read_file", "read_more", "read_less"]);
    assert_eq!(l.shown, ["read_more", "read_less"]);
    for bad in [json!([]), json!({"tools": {}}), json!({})] {
        let e = mcp::filter_tools_list(&bad, |_| true).unwrap_err();
        assert_eq!(e.reason_code(), "MCP_INVALID_LISTING");
    }
}

#[test]
fn a_refused_call_reads_as_a_tool_error_with_the_reason() {
    let rt = runtime(FS_POLICY);
    let d = mcp::decide_call(&rt.snapshot(), "write_file", "fs", NOW, NOW, Approval::None);
    let r = mcp::denial_result("write_file", "fs", &d);
    assert_eq!(r["isError"], true);
    let text = r["content"][0]["text"].as_str().unwrap();
    assert!(text.starts_with("claw: POLICY_VIOLATION: "), "{text}");
    assert_eq!(
        r["_meta"]["claw.dev/decision"]["reason_code"],
        "POLICY_VIOLATION"
    );
    assert_eq!(r["_meta"]["claw.dev/decision"]["statement_id"], "no-writes");
}

#[test]
fn tool_call_params_are_checked() {
    let c = ToolCall::from_params(Some(&json!({"name": "read_file"}))).unwrap();
    assert_eq!(c.arguments.value(), &json!({}));
    // The hash is of the JCS bytes: key order does not matter.
    let a =
        ToolCall::from_params(Some(&json!({"name": "t", "arguments": {"b": 1, "a": 2}}))).unwrap();
    let b =
        ToolCall::from_params(Some(&json!({"name": "t", "arguments": {"a": 2, "b": 1}}))).unwrap();
    assert_eq!(a.args_hash_b64u(), b.args_hash_b64u());
    let jcs = claw_core::json::canonicalize(&json!({"a": 2, "b": 1})).unwrap();
    assert_eq!(a.arguments.bytes(), jcs);
    assert_eq!(a.args_hash_b64u(), claw_core::hash::sha256_b64u(&jcs));
    for bad in [
        None,
        Some(json!({})),
        Some(json!({"name": ""})),
        Some(json!({"name": 1})),
        Some(json!({"name": "t", "arguments": [1]})),
    ] {
        let e = ToolCall::from_params(bad.as_ref()).unwrap_err();
        assert_eq!(e.reason_code(), "MCP_INVALID_PARAMS");
        assert_eq!(e.rpc_code(), -32602);
    }
}

#[test]
fn only_an_accepted_true_approves() {
    assert!(mcp::elicitation_answer(&Ok(
        json!({"action": "accept", "content": {"approve": true}})
    )));
    for no in [
        Ok(json!({"action": "accept", "content": {"approve": false}})),
        Ok(json!({"action": "accept", "content": {"approve": "true"}})),
        Ok(json!({"action": "decline"})),
        Ok(json!({"action": "cancel", "content": {"approve": true}})),
        Ok(json!(null)),
        Err(json!({"code": -1, "message": "x"})),
    ] {
        assert!(!mcp::elicitation_answer(&no), "{no:?}");
    }
    assert!(mcp::client_supports_elicitation(Some(
        &json!({"capabilities": {"elicitation": {}}})
    )));
    assert!(!mcp::client_supports_elicitation(Some(
        &json!({"capabilities": {}})
    )));
    let req = mcp::elicitation_request(
        &Value::from("x-1"),
        "delete_file",
        "fs",
        &json!({"path": "a"}),
    );
    assert_eq!(req["method"], "elicitation/create");
    assert_eq!(
        req["params"]["requestedSchema"]["properties"]["approve"]["type"],
        "boolean"
    );
    assert!(req["params"]["message"]
        .as_str()
        .unwrap()
        .ends_with(r#"tool "delete_file" of MCP server "fs" with arguments {"path":"a"}"#));
    // What the human approves is what they read: bidi controls escaped, a long payload never
    // cut silently (the hidden part counted, the hash the approval binds to given).
    let sneaky = json!({"path": format!("notes{}/etc/shadow", " ".repeat(4000)), "x": "\u{202E}"});
    let msg = mcp::elicitation_request(&Value::from("x-2"), "read\u{202E}elif", "fs", &sneaky)
        ["params"]["message"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(!msg.contains('\u{202E}') && msg.contains("read\\u{202E}elif"));
    assert!(!msg.contains("/etc/shadow") && msg.contains("more characters not shown"));
    let hash = claw_core::hash::sha256_b64u(claw_core::json::canonicalize(&sneaky).unwrap());
    assert!(msg.ends_with(&format!("{hash}]")));
}

#[test]
fn hostile_messages_get_typed_errors() {
    let cases: &[(&[u8], &str, i64)] = &[
        (b"", "MCP_INVALID_JSON", -32700),
        (b"\xff\xfe", "MCP_INVALID_JSON", -32700),
        (
            br#"{"jsonrpc":"2.0","id":1,"method":"x\ud800"}"#,
            "MCP_INVALID_JSON",
            -32700,
        ),
        (
            br#"{"jsonrpc":"2.0","id":9007199254740993,"method":"x"}"#,
            "MCP_INVALID_JSON",
            -32700,
        ),
        (br#"[]"#, "MCP_BATCH_UNSUPPORTED", -32600),
        (br#"{"id":1,"method":"x"}"#, "MCP_INVALID_MESSAGE", -32600),
        (br#"{"jsonrpc":"2.0"}"#, "MCP_INVALID_MESSAGE", -32600),
    ];
    for (bytes, code, rpc) in cases {
        let e = mcp::parse_message(bytes, 1 << 20).unwrap_err();
        assert_eq!(
            (e.reason_code(), e.rpc_code()),
            (*code, *rpc),
            "{:?}",
            String::from_utf8_lossy(bytes)
        );
        let r = mcp::refusal(&Value::Null, &e);
        assert_eq!(r["error"]["code"], *rpc);
        assert_eq!(r["error"]["data"]["reason_code"], *code);
    }
}

/// `resources/read` and `prompts/get` are decided like calls, on their own actions: a policy
/// that allows every tool still lets no resource or prompt through, and `tool:*` does not
/// reach them either (docs/SPEC.md §10.3.1).
#[test]
fn data_requests_are_decided_on_their_own_actions() {
    use mcp::{DataRequest, ACTION_GET_PROMPT, ACTION_READ_RESOURCE};
    let read = |uri: &str| {
        DataRequest::from_request("resources/read", Some(&json!({"uri": uri})))
            .unwrap()
            .unwrap()
    };
    let decide = |rt: &PolicyRuntime, r: &DataRequest, server: &str| {
        mcp::decide_request(
            &rt.snapshot(),
            r.action(),
            r.target(),
            server,
            NOW,
            NOW,
            Approval::None,
        )
    };
    let tools_only =
        runtime(r#"[{"sid":"all-tools","effect":"Allow","actions":["tool:*"],"resources":["*"]}]"#);
    let d = decide(&tools_only, &read("file:///etc/passwd"), "fs");
    assert_eq!(
        (d.verdict, d.reason_code.as_str()),
        (Verdict::Deny, "POLICY_DEFAULT_DENY")
    );
    let rt = runtime(
        r#"[
  {"sid":"docs","effect":"Allow","actions":["mcp:read_resource"],"resources":["file:///docs/**"],
   "conditions":{"StringEquals":{"Mcp:Server":"fs"}}},
  {"sid":"no-secrets","effect":"Deny","actions":["mcp:*"],"resources":["**/secrets/**"]},
  {"sid":"prompts","effect":"Allow","actions":["mcp:get_prompt"],"resources":["summarize"]}
]"#,
    );
    let d = decide(&rt, &read("file:///docs/a/b.md"), "fs");
    assert_eq!(
        (d.verdict, d.statement_id.as_deref()),
        (Verdict::Allow, Some("docs"))
    );
    // The server is part of the request, the explicit Deny wins.
    assert_eq!(
        decide(&rt, &read("file:///docs/a.md"), "web").verdict,
        Verdict::Deny
    );
    let d = decide(&rt, &read("file:///docs/secrets/k"), "fs");
    assert_eq!(
        (d.verdict, d.statement_id.as_deref()),
        (Verdict::Deny, Some("no-secrets"))
    );
    let p = DataRequest::from_request("prompts/get", Some(&json!({"name": "summarize"})))
        .unwrap()
        .unwrap();
    assert_eq!(decide(&rt, &p, "fs").verdict, Verdict::Allow);
    // The record names the action and the resource.
    let rec = d.to_record_of(ACTION_READ_RESOURCE, "file:///docs/secrets/k", "h");
    assert_eq!(
        (rec.action.as_str(), rec.resource.as_str()),
        (ACTION_READ_RESOURCE, "file:///docs/secrets/k")
    );
    // Listings show what could be allowed, by the same rule as tools.
    let snap = rt.snapshot();
    let shown = mcp::filter_data_list(
        "resources/list",
        &json!({"resources": [{"uri": "file:///docs/x"}, {"uri": "file:///etc/passwd"},
                              {"uri": "file:///docs/secrets/y"}]}),
        |a, t| mcp::visible_in_listing(&snap, a, t, NOW),
    )
    .unwrap()
    .unwrap()
    .1;
    assert_eq!(
        shown.result["resources"],
        json!([{"uri": "file:///docs/x"}])
    );
    assert_eq!(shown.shown, ["file:///docs/x"]);
    let shown = mcp::filter_data_list(
        "prompts/list",
        &json!({"prompts": [{"name": "summarize"}, {"name": "other"}]}),
        |a, t| a == ACTION_GET_PROMPT && mcp::visible_in_listing(&snap, a, t, NOW),
    )
    .unwrap()
    .unwrap()
    .1;
    assert_eq!(shown.result["prompts"], json!([{"name": "summarize"}]));
}
