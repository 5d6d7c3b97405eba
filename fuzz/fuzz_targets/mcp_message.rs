//! Bytes as one MCP JSON-RPC message, through everything the MCP proxy does with it
//! (claw_core::mcp): parse and classify, read `tools/call` params and decide them against a
//! fixed policy, check the Streamable HTTP headers the body implies, refuse tasks, keep one
//! request per id in flight, filter a `tools/list` result, read the params of the data
//! requests (`resources/read`, `resources/subscribe`, `prompts/get`, `subscriptions/listen`)
//! and decide them, read `completion/complete` params, filter the resource, template and
//! prompt listings, take in a listing page of offered tools.
//!
//! Checks beyond "never panics": an accepted message re-serialized parses to the same message;
//! a refusal is a JSON-RPC error with the error's code; headers mirrored from the body (plain
//! and in the Base64 sentinel) always agree and a changed method never does; a filtered listing
//! shows a subset of what was offered and never a tool the policy denies unconditionally; a
//! denied call's answer says its reason code.
#![no_main]
use claw_core::mcp::{self, Approval, Message, ToolCall};
use claw_core::wpc::{CompiledPolicy, Policy, PolicyRuntime, Verdict};
use libfuzzer_sys::fuzz_target;
use serde_json::Value;
use std::sync::{Arc, OnceLock};

const POLICY: &str = r#"{"policy_version":"2","policy_id":"fuzz","issuer_did":"did:key:z6Mkx","statements":[
 {"sid":"reads","effect":"Allow","actions":["tool:execute"],"resources":["read_*"]},
 {"sid":"edits","effect":"Allow","actions":["tool:execute"],"resources":["edit_*"],
  "conditions":{"StringEquals":{"Mcp:Server":"fs"},"Bool":{"Request:HasHumanApproval":"true"}}},
 {"sid":"no-writes","effect":"Deny","actions":["tool:execute"],"resources":["write_*"]}]}"#;

fn runtime() -> &'static PolicyRuntime {
    static RT: OnceLock<PolicyRuntime> = OnceLock::new();
    RT.get_or_init(|| {
        let p = Policy::parse(POLICY.as_bytes()).expect("fixed policy");
        PolicyRuntime::new(Arc::new(CompiledPolicy::compile(&p).expect("compiles")))
    })
}

fn b64(s: &str) -> String {
    const A: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for c in s.as_bytes().chunks(3) {
        let n = c
            .iter()
            .enumerate()
            .fold(0u32, |acc, (i, &b)| acc | (u32::from(b) << (16 - 8 * i)));
        for i in 0..=c.len() {
            out.push(char::from(A[((n >> (18 - 6 * i)) & 63) as usize]));
        }
    }
    out
}

fuzz_target!(|data: &[u8]| {
    // The same bytes as an event stream: events in order, each message's bytes as sent.
    let events = mcp::sse::sse_events(data);
    // Read as it arrives, in three pieces (cut where the input's first byte says), the stream
    // gives the same events.
    let (i, j) = match data.first() {
        Some(&b) => (
            (b as usize).min(data.len()),
            (b as usize * 7).min(data.len()),
        ),
        None => (0, 0),
    };
    let (i, j) = (i.min(j), i.max(j));
    let mut split = mcp::sse::SseSplitter::new(usize::MAX);
    let mut pieces = Vec::new();
    for piece in [&data[..i], &data[i..j], &data[j..]] {
        pieces.extend(split.push(piece).expect("unbounded"));
    }
    pieces.extend(split.finish());
    assert_eq!(pieces, events);
    for e in events {
        assert!(!e.data.contains(&b'\r'));
        assert!(e.other.iter().all(|l| !l.contains('\n') && !l.is_empty()));
        // Only UTF-8 is ever read as a message (never data repaired with U+FFFD).
        if mcp::parse_message(&e.data, 64 * 1024).is_ok() {
            assert!(std::str::from_utf8(&e.data).is_ok());
        }
    }
    let msg = match mcp::parse_message(data, 64 * 1024) {
        Ok(m) => m,
        Err(e) => {
            let r = mcp::refusal(&Value::Null, &e);
            assert_eq!(r["error"]["code"], e.rpc_code());
            assert_eq!(r["error"]["data"]["reason_code"], e.reason_code());
            return;
        }
    };
    // Re-serialized, it reads back as the same message.
    let v = match &msg {
        Message::Request { id, method, params } => {
            let mut m = serde_json::json!({"jsonrpc": "2.0", "id": id, "method": method});
            if let Some(p) = params {
                m["params"] = p.clone();
            }
            m
        }
        Message::Notification { method, params } => {
            let mut m = serde_json::json!({"jsonrpc": "2.0", "method": method});
            if let Some(p) = params {
                m["params"] = p.clone();
            }
            m
        }
        Message::Response { id, outcome: Ok(r) } => mcp::result_response(id, r.clone()),
        Message::Response {
            id,
            outcome: Err(e),
        } => {
            serde_json::json!({"jsonrpc": "2.0", "id": id, "error": e})
        }
    };
    let again = mcp::parse_message(&serde_json::to_vec(&v).expect("serializes"), 1 << 20)
        .expect("re-reads");
    assert_eq!(again, msg);

    // Headers mirrored from the body agree; a changed method never does.
    if let Some(method) = msg.method() {
        let name = match method {
            "tools/call" | "prompts/get" => msg.params().and_then(|p| p.get("name")),
            "resources/read" => msg.params().and_then(|p| p.get("uri")),
            _ => None,
        }
        .and_then(Value::as_str);
        // A name that itself looks like the sentinel must be sent encoded (SEP-2243).
        let plain_ok = name.is_none_or(|n| {
            !n.get(..9)
                .is_some_and(|p| p.eq_ignore_ascii_case("=?base64?"))
        });
        if plain_ok {
            assert!(mcp::check_http_headers(Some(method), name, &msg, name.is_some()).is_ok());
        }
        if let Some(n) = name {
            let sentinel = format!("=?base64?{}?=", b64(n));
            assert!(mcp::check_http_headers(Some(method), Some(&sentinel), &msg, true).is_ok());
        }
        let other = format!("{method}x");
        assert!(mcp::check_http_headers(Some(&other), name, &msg, false).is_err());
    }

    // A request: relayed unless it is a task; one request per id in flight.
    if let Message::Request { id, method, params } = &msg {
        let task = method.starts_with("tasks/")
            || params.as_ref().is_some_and(|p| p.get("task").is_some());
        let checked = mcp::check_relayable(method, params.as_ref());
        assert_eq!(checked.is_err(), task);
        if let Err(e) = checked {
            assert_eq!(e.reason_code(), "MCP_TASKS_UNSUPPORTED");
        }
        let mut in_flight = mcp::InFlight::new(2);
        in_flight.admit(id, ()).expect("a request id is admitted");
        let dup = in_flight.admit(id, ()).expect_err("the same id twice");
        assert_eq!(dup.reason_code(), "MCP_DUPLICATE_REQUEST_ID");
        assert_eq!(in_flight.settle(id), Some(()));
        assert!(in_flight.is_empty());
    }

    let snap = runtime().snapshot();
    if msg.method() == Some("tools/call") {
        if let Ok(call) = ToolCall::from_params(msg.params()) {
            let h = call.args_hash_b64u();
            assert_eq!(h.len(), 43);
            for server in ["fs", "other"] {
                let d = mcp::decide_call(
                    &snap,
                    &call.name,
                    server,
                    1_790_000_000,
                    1_790_000_000,
                    Approval::None,
                );
                if call.name.starts_with("write_") {
                    assert_eq!(d.verdict, Verdict::Deny);
                }
                if d.verdict != Verdict::Allow {
                    let r = mcp::denial_result(&call.name, server, &d);
                    assert_eq!(r["isError"], true);
                    assert_eq!(
                        r["_meta"]["claw.dev/decision"]["reason_code"],
                        d.reason_code.as_str()
                    );
                }
            }
        }
    }
    // Data requests: each decided on its own action; the fixed policy allows none, so each is
    // denied, and its refusal names the decision's reason code. A completion names a prompt
    // or a template the fixed policy never shows.
    if let Message::Request { id, method, params } = &msg {
        let data_methods = [
            "resources/read",
            "resources/subscribe",
            "prompts/get",
            "subscriptions/listen",
        ];
        match mcp::DataRequest::all_of(method, params.as_ref()) {
            Ok(Some(reqs)) => {
                assert!(data_methods.contains(&method.as_str()));
                assert!(reqs.len() <= mcp::data::MAX_LISTEN_URIS);
                for req in &reqs {
                    let d = mcp::decide_request(
                        &snap,
                        req.action(),
                        req.target(),
                        "fs",
                        1_790_000_000,
                        1_790_000_000,
                        Approval::None,
                    );
                    assert_eq!(d.verdict, Verdict::Deny);
                    let r = mcp::data_denial(id, req, "fs", &d);
                    assert_eq!(r["error"]["code"], mcp::RPC_CODE_DENIED);
                    assert_eq!(r["error"]["data"]["reason_code"], d.reason_code.as_str());
                }
            }
            Ok(None) => assert!(!data_methods.contains(&method.as_str())),
            Err(e) => assert_eq!(e.reason_code(), "MCP_INVALID_PARAMS"),
        }
        match mcp::Completion::from_request(method, params.as_ref()) {
            Ok(Some(c)) => {
                assert_eq!(method, "completion/complete");
                assert!(!mcp::visible_in_listing(
                    &snap,
                    c.action(),
                    c.target(),
                    1_790_000_000
                ));
            }
            Ok(None) => assert_ne!(method, "completion/complete"),
            Err(e) => assert_eq!(e.reason_code(), "MCP_INVALID_PARAMS"),
        }
    }
    if let Message::Response { outcome: Ok(r), .. } = &msg {
        // Listings of data: with the fixed policy nothing could be allowed, so nothing shows.
        for (method, member) in [
            ("resources/list", "resources"),
            ("resources/templates/list", "resourceTemplates"),
            ("prompts/list", "prompts"),
        ] {
            assert_eq!(mcp::data_list_method(method), Some(method));
            if let Ok(Some((_, l))) = mcp::filter_data_list(method, r, |a, t| {
                mcp::visible_in_listing(&snap, a, t, 1_790_000_000)
            }) {
                assert_eq!(l.result[member].as_array().map(Vec::len), Some(0));
                assert!(l.shown.is_empty());
                assert_eq!(Some(l.offered.len()), r[member].as_array().map(Vec::len));
            }
        }
        // Offered tools: what a page lists is listed; without a cursor the listing is whole.
        let mut offered = mcp::OfferedTools::default();
        if let Ok(next) = offered.note_page(r, true) {
            for name in r["tools"].as_array().into_iter().flatten() {
                if let Some(n) = name["name"].as_str().filter(|n| !n.is_empty()) {
                    assert_eq!(offered.offered(n), mcp::Offered::Listed);
                }
            }
            let probe = "\u{0}never listed";
            let listed = r["tools"]
                .as_array()
                .into_iter()
                .flatten()
                .any(|t| t["name"] == probe);
            if !listed {
                let whole = offered.offered(probe) == mcp::Offered::NotListed;
                assert_eq!(whole, next.is_none());
            }
        }
        if let Ok(l) = mcp::filter_tools_list(r, |n| mcp::listing_visible(&snap, n, 1_790_000_000))
        {
            assert!(l.shown.iter().all(|s| l.offered.contains(s)));
            assert!(l.shown.iter().all(|s| !s.starts_with("write_")));
            assert_eq!(
                l.result["tools"].as_array().map(Vec::len),
                Some(l.shown.len())
            );
        }
    }
});
