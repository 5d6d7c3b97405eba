//! MCP requests that hand a server's data to the client outside `tools/call`: `resources/read`
//! (a resource's contents: a file, a row, a page) and `prompts/get` (a prompt's messages,
//! which can embed resources). A policy that denies a `read_file` tool would mean little if
//! the same file came back through `resources/read`, so the proxy decides these like a call
//! (docs/SPEC.md §10.3.1): action [`ACTION_READ_RESOURCE`] on the resource's URI, or
//! [`ACTION_GET_PROMPT`] on the prompt's name, context `Mcp:Server`; default deny, so a
//! policy that names neither lets neither through.

use super::gate::CallDecision;
use super::message::error_response;
use super::McpError;
use crate::canonical::Canonical;
use crate::escape::escape;
use serde_json::{Map, Value};

/// The WPC action of a `resources/read`: the resource is the URI the client asked for.
pub const ACTION_READ_RESOURCE: &str = "mcp:read_resource";

/// The WPC action of a `prompts/get`: the resource is the prompt's name.
pub const ACTION_GET_PROMPT: &str = "mcp:get_prompt";

/// The JSON-RPC error code of a data request the policy refused (a server error code in the
/// range JSON-RPC reserves for implementations; MCP defines none for a refusal).
pub const RPC_CODE_DENIED: i64 = -32010;

/// Bound on a resource URI or prompt name (the WPC's bound on a resource).
const MAX_TARGET_BYTES: usize = 4096;

/// A `resources/read` or `prompts/get` request, read for a decision.
#[derive(Debug, Clone, PartialEq)]
pub struct DataRequest {
    method: &'static str,
    action: &'static str,
    target: String,
    arguments: Canonical,
}

impl DataRequest {
    /// The data request a client request is, if it is one: `resources/read` with a
    /// non-empty string `uri`, `prompts/get` with a non-empty string `name` and `arguments`
    /// absent or an object. `Ok(None)` for every other method.
    pub fn from_request(method: &str, params: Option<&Value>) -> Result<Option<Self>, McpError> {
        let (method, action, key) = match method {
            "resources/read" => ("resources/read", ACTION_READ_RESOURCE, "uri"),
            "prompts/get" => ("prompts/get", ACTION_GET_PROMPT, "name"),
            _ => return Ok(None),
        };
        let bad = |d: String| McpError::InvalidParams(format!("{method}: {d}"));
        let p = params
            .and_then(Value::as_object)
            .ok_or_else(|| bad("params must be an object".into()))?;
        let target = match p.get(key) {
            Some(Value::String(s)) if !s.is_empty() && s.len() <= MAX_TARGET_BYTES => s.clone(),
            Some(Value::String(s)) if !s.is_empty() => {
                return Err(bad(format!(
                    "\"{key}\" is {} bytes, above {MAX_TARGET_BYTES}",
                    s.len()
                )))
            }
            _ => return Err(bad(format!("\"{key}\" must be a non-empty string"))),
        };
        // A resource is read whole: nothing beside its URI. A prompt's arguments fill its
        // template, so an approval of one prompt is bound to them as a call's is to its own.
        let arguments = match (method, p.get("arguments")) {
            ("prompts/get", Some(a @ Value::Object(_))) => a.clone(),
            ("prompts/get", Some(_)) => return Err(bad("\"arguments\" must be an object".into())),
            _ => Value::Object(Map::new()),
        };
        Ok(Some(DataRequest {
            method,
            action,
            target,
            arguments: Canonical::new(arguments)?,
        }))
    }

    /// `resources/read` or `prompts/get`.
    pub fn method(&self) -> &'static str {
        self.method
    }

    /// The WPC action: [`ACTION_READ_RESOURCE`] or [`ACTION_GET_PROMPT`].
    pub fn action(&self) -> &'static str {
        self.action
    }

    /// The WPC resource: the URI read, or the prompt's name.
    pub fn target(&self) -> &str {
        &self.target
    }

    /// The prompt's arguments (`{}` for a resource), canonical.
    pub fn arguments(&self) -> &Canonical {
        &self.arguments
    }

    /// SHA-256 (base64url) of the JCS bytes of [`DataRequest::arguments`]: the decision
    /// record's `args_hash_b64u`.
    pub fn args_hash_b64u(&self) -> &str {
        self.arguments.hash_b64u()
    }
}

/// The answer to a refused data request: a JSON-RPC error ([`RPC_CODE_DENIED`]) whose
/// message says what was refused and why, and whose `data` carries the decision
/// (`reason_code`, `decision`, `statement_id`, `policy_hash_b64u`). Unlike a refused tool
/// call (a result the model reads), a resource or prompt has no error result in MCP.
pub fn data_denial(id: &Value, req: &DataRequest, server: &str, d: &CallDecision) -> Value {
    let what = match req.method {
        "resources/read" => "resource",
        _ => "prompt",
    };
    let message = format!(
        "claw: {}: {what} \"{}\" of MCP server \"{}\" {}; the request was not sent to the server",
        d.reason_code,
        escape(&req.target),
        escape(server),
        d.why_refused()
    );
    error_response(id, RPC_CODE_DENIED, &message, Some(d.to_meta()))
}

/// A `resources/list` or `prompts/list` result after filtering: the entries of its array
/// (`resources`, each named by `uri`; `prompts`, by `name`) that `visible` accepts, every
/// other member unchanged; an entry without a non-empty string name is not shown. `Ok(None)`
/// for any other method. A result without the array is refused (`MCP_INVALID_LISTING`).
pub fn filter_data_list(
    method: &str,
    result: &Value,
    visible: impl Fn(&'static str, &str) -> bool,
) -> Result<Option<Value>, McpError> {
    let (member, key, action) = match method {
        "resources/list" => ("resources", "uri", ACTION_READ_RESOURCE),
        "prompts/list" => ("prompts", "name", ACTION_GET_PROMPT),
        _ => return Ok(None),
    };
    let bad = |d: &str| McpError::InvalidListing(format!("{method}: {d}"));
    let obj = result
        .as_object()
        .ok_or_else(|| bad("the result is not an object"))?;
    let items = obj
        .get(member)
        .and_then(Value::as_array)
        .ok_or_else(|| bad(&format!("\"{member}\" is not an array")))?;
    let kept: Vec<Value> = items
        .iter()
        .filter(|it| {
            it.get(key)
                .and_then(Value::as_str)
                .is_some_and(|t| !t.is_empty() && visible(action, t))
        })
        .cloned()
        .collect();
    let mut out = obj.clone();
    out.insert(member.into(), Value::Array(kept));
    Ok(Some(Value::Object(out)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn reads_the_two_data_requests_and_nothing_else() {
        let r = DataRequest::from_request("resources/read", Some(&json!({"uri": "file:///a"})))
            .unwrap()
            .unwrap();
        assert_eq!(
            (r.method(), r.action(), r.target()),
            ("resources/read", ACTION_READ_RESOURCE, "file:///a")
        );
        assert_eq!(r.arguments().value(), &json!({}));
        let p = DataRequest::from_request(
            "prompts/get",
            Some(&json!({"name": "p", "arguments": {"b": "2", "a": "1"}})),
        )
        .unwrap()
        .unwrap();
        assert_eq!((p.action(), p.target()), (ACTION_GET_PROMPT, "p"));
        assert_eq!(p.arguments().bytes(), br#"{"a":"1","b":"2"}"#);
        for m in [
            "tools/call",
            "resources/list",
            "prompts/list",
            "resources/subscribe",
        ] {
            assert_eq!(DataRequest::from_request(m, None).unwrap(), None, "{m}");
        }
    }

    #[test]
    fn refuses_what_it_cannot_decide_on() {
        let long = "x".repeat(MAX_TARGET_BYTES + 1);
        for (m, p) in [
            ("resources/read", None),
            ("resources/read", Some(json!({}))),
            ("resources/read", Some(json!({"uri": ""}))),
            ("resources/read", Some(json!({"uri": 7}))),
            ("resources/read", Some(json!({"uri": long}))),
            ("prompts/get", Some(json!({"name": "p", "arguments": [1]}))),
            ("prompts/get", Some(json!({"arguments": {}}))),
        ] {
            let e = DataRequest::from_request(m, p.as_ref()).unwrap_err();
            assert_eq!(
                (e.reason_code(), e.rpc_code()),
                ("MCP_INVALID_PARAMS", -32602)
            );
            assert!(e.to_string().contains(m), "{e}");
        }
    }

    #[test]
    fn a_denial_is_an_error_naming_the_decision() {
        let r = DataRequest::from_request(
            "resources/read",
            Some(&json!({"uri": "file:///etc/\u{202e}passwd"})),
        )
        .unwrap()
        .unwrap();
        let d = CallDecision::refused("POLICY_DEFAULT_DENY", "h");
        let v = data_denial(&json!(3), &r, "fs", &d);
        assert_eq!(v["id"], 3);
        assert_eq!(v["error"]["code"], RPC_CODE_DENIED);
        assert_eq!(v["error"]["data"]["reason_code"], "POLICY_DEFAULT_DENY");
        assert_eq!(v["error"]["data"]["decision"], "deny");
        assert_eq!(v["error"]["data"]["policy_hash_b64u"], "h");
        let msg = v["error"]["message"].as_str().unwrap();
        assert!(
            msg.starts_with("claw: POLICY_DEFAULT_DENY: resource \"file:///etc/"),
            "{msg}"
        );
        assert!(!msg.contains('\u{202e}'), "bidi control shown raw: {msg}");
    }

    #[test]
    fn listings_keep_only_what_is_visible() {
        let r = json!({"resources": [{"uri": "a://1"}, {"uri": "b://2"}, {"name": "no uri"}],
                       "nextCursor": "c"});
        let out = filter_data_list("resources/list", &r, |a, u| {
            a == ACTION_READ_RESOURCE && u.starts_with("a:")
        });
        let want = json!({"resources": [{"uri": "a://1"}], "nextCursor": "c"});
        assert_eq!(out.unwrap(), Some(want));
        let p = json!({"prompts": [{"name": "x"}, {"name": "y"}]});
        let out = filter_data_list("prompts/list", &p, |a, n| {
            a == ACTION_GET_PROMPT && n == "y"
        });
        assert_eq!(out.unwrap(), Some(json!({"prompts": [{"name": "y"}]})));
        let e = filter_data_list("resources/list", &json!({"x": 1}), |_, _| true).unwrap_err();
        assert_eq!(e.reason_code(), "MCP_INVALID_LISTING");
        assert_eq!(
            filter_data_list("tools/list", &r, |_, _| true).unwrap(),
            None
        );
    }
}
