//! MCP requests that hand a server's data to the client outside `tools/call`: `resources/read`
//! (a resource's contents: a file, a row, a page), `resources/subscribe` (news of its
//! changes) and `prompts/get` (a prompt's messages, which can embed resources). A policy that
//! denies a `read_file` tool would mean little if the same file came back through
//! `resources/read`, so the proxy decides these like a call (docs/SPEC.md §10.3.1): action
//! [`ACTION_READ_RESOURCE`] on the resource's URI, or [`ACTION_GET_PROMPT`] on the prompt's
//! name, context `Mcp:Server`; default deny, so a policy that names neither lets neither
//! through. What only names data — the listings of resources, resource templates and prompts,
//! and `completion/complete` suggestions for a prompt's or a template's arguments — is shown
//! only for what the policy could allow ([`filter_data_list`], [`Completion`]).

use super::gate::{CallDecision, Listing};
use super::message::error_response;
use super::McpError;
use crate::canonical::Canonical;
use crate::escape::escape;
use crate::evidence::ListedKind;
use crate::{hash, json};
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

/// A data request's target (a URI, a template's text, a prompt's name) as `what` names it:
/// a non-empty string of at most [`MAX_TARGET_BYTES`]; else why not.
fn target(v: Option<&Value>, what: &str) -> Result<String, String> {
    match v {
        Some(Value::String(s)) if !s.is_empty() && s.len() <= MAX_TARGET_BYTES => Ok(s.clone()),
        Some(Value::String(s)) if !s.is_empty() => Err(format!(
            "{what} is {} bytes, above {MAX_TARGET_BYTES}",
            s.len()
        )),
        _ => Err(format!("{what} must be a non-empty string")),
    }
}

/// Bound on the resource URIs one `subscriptions/listen` may name (each is a decision).
pub const MAX_LISTEN_URIS: usize = 256;

/// A `resources/read`, `resources/subscribe` or `prompts/get` request, or one URI of a
/// `subscriptions/listen`, read for a decision.
#[derive(Debug, Clone, PartialEq)]
pub struct DataRequest {
    method: &'static str,
    action: &'static str,
    target: String,
    arguments: Canonical,
}

impl DataRequest {
    /// The data request a client request is, if it is one: `resources/read` or
    /// `resources/subscribe` with a non-empty string `uri` (a subscription is decided as a
    /// read: its notifications tell when the resource changes), `prompts/get` with a
    /// non-empty string `name` and `arguments` absent or an object. `Ok(None)` for every
    /// other method (`resources/unsubscribe` included: it only ends what was allowed).
    pub fn from_request(method: &str, params: Option<&Value>) -> Result<Option<Self>, McpError> {
        let (method, action, key) = match method {
            "resources/read" => ("resources/read", ACTION_READ_RESOURCE, "uri"),
            "resources/subscribe" => ("resources/subscribe", ACTION_READ_RESOURCE, "uri"),
            "prompts/get" => ("prompts/get", ACTION_GET_PROMPT, "name"),
            _ => return Ok(None),
        };
        let bad = |d: String| McpError::InvalidParams(format!("{method}: {d}"));
        let p = params
            .and_then(Value::as_object)
            .ok_or_else(|| bad("params must be an object".into()))?;
        let target = target(p.get(key), &format!("\"{key}\"")).map_err(bad)?;
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

    /// The data requests a client request makes, in order, if it makes any: one for
    /// `resources/read`, `resources/subscribe` and `prompts/get`
    /// ([`DataRequest::from_request`]); for `subscriptions/listen` (revision 2026-07-28) one
    /// read per URI of `notifications.resourceSubscriptions` (none when absent: the other
    /// opt-ins name no data), at most [`MAX_LISTEN_URIS`]. `Ok(None)` for every other method.
    /// The request goes to the server only if every one is allowed.
    pub fn all_of(method: &str, params: Option<&Value>) -> Result<Option<Vec<Self>>, McpError> {
        if method != "subscriptions/listen" {
            return Ok(Self::from_request(method, params)?.map(|r| vec![r]));
        }
        let bad = |d: String| McpError::InvalidParams(format!("subscriptions/listen: {d}"));
        let filter = params
            .and_then(|p| p.get("notifications"))
            .and_then(Value::as_object)
            .ok_or_else(|| bad("\"notifications\" must be an object".into()))?;
        let uris = match filter.get("resourceSubscriptions") {
            None | Some(Value::Null) => return Ok(Some(Vec::new())),
            Some(Value::Array(a)) if a.len() <= MAX_LISTEN_URIS => a,
            Some(Value::Array(a)) => {
                return Err(bad(format!(
                    "{} resource subscriptions, above {MAX_LISTEN_URIS}",
                    a.len()
                )))
            }
            Some(_) => return Err(bad("\"resourceSubscriptions\" must be an array".into())),
        };
        let empty = Canonical::new(Value::Object(Map::new()))?;
        uris.iter()
            .map(|u| {
                Ok(DataRequest {
                    method: "subscriptions/listen",
                    action: ACTION_READ_RESOURCE,
                    target: target(Some(u), "each resource subscription").map_err(bad)?,
                    arguments: empty.clone(),
                })
            })
            .collect::<Result<Vec<_>, _>>()
            .map(Some)
    }

    /// Whether a human may be asked to approve the data requests one client request makes
    /// (docs/SPEC.md §10.3.1, §10.4): only when it makes exactly one and is not a
    /// `subscriptions/listen` (which can name up to [`MAX_LISTEN_URIS`] URIs).
    pub fn askable(reqs: &[DataRequest]) -> bool {
        matches!(reqs, [r] if r.method != "subscriptions/listen")
    }

    /// `resources/read`, `resources/subscribe`, `prompts/get` or `subscriptions/listen`.
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
    let what = match req.action {
        ACTION_READ_RESOURCE => "resource",
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

/// A listing of data this module filters: its method, the array member holding the
/// entries, the entry's member naming its target, the action the target is shown for, and
/// what the listing's record says it lists.
struct DataList {
    method: &'static str,
    member: &'static str,
    key: &'static str,
    action: &'static str,
    kind: ListedKind,
}

const DATA_LISTS: [DataList; 3] = [
    DataList {
        method: "resources/list",
        member: "resources",
        key: "uri",
        action: ACTION_READ_RESOURCE,
        kind: ListedKind::Resources,
    },
    // A template is shown when the policy could allow a read of its text itself: a glob
    // such as `file:///docs/*` covers `file:///docs/{name}`; URIs named one by one do not.
    DataList {
        method: "resources/templates/list",
        member: "resourceTemplates",
        key: "uriTemplate",
        action: ACTION_READ_RESOURCE,
        kind: ListedKind::ResourceTemplates,
    },
    DataList {
        method: "prompts/list",
        member: "prompts",
        key: "name",
        action: ACTION_GET_PROMPT,
        kind: ListedKind::Prompts,
    },
];

fn data_list(method: &str) -> Option<&'static DataList> {
    DATA_LISTS.iter().find(|l| l.method == method)
}

/// `method` as a `&'static str` when its answer is a listing [`filter_data_list`] filters
/// (`resources/list`, `resources/templates/list`, `prompts/list`).
pub fn data_list_method(method: &str) -> Option<&'static str> {
    data_list(method).map(|l| l.method)
}

/// A listing's result after filtering, and its record: the entries of its array
/// (`resources`, each named by `uri`; `resourceTemplates`, by `uriTemplate`; `prompts`, by
/// `name`) that `visible` accepts, every other member unchanged; an entry without a
/// non-empty string name is not shown (and offered as `""`). `Ok(None)` for any other
/// method. A result without the array is refused (`MCP_INVALID_LISTING`).
pub fn filter_data_list(
    method: &str,
    result: &Value,
    visible: impl Fn(&'static str, &str) -> bool,
) -> Result<Option<(ListedKind, Listing)>, McpError> {
    let Some(&DataList {
        method,
        member,
        key,
        action,
        kind,
    }) = data_list(method)
    else {
        return Ok(None);
    };
    let bad = |d: &str| McpError::InvalidListing(format!("{method}: {d}"));
    let obj = result
        .as_object()
        .ok_or_else(|| bad("the result is not an object"))?;
    let items = obj
        .get(member)
        .and_then(Value::as_array)
        .ok_or_else(|| bad(&format!("\"{member}\" is not an array")))?;
    let mut offered = Vec::with_capacity(items.len());
    let mut shown = Vec::new();
    let mut kept = Vec::new();
    for it in items {
        let name = it
            .get(key)
            .and_then(Value::as_str)
            .filter(|t| !t.is_empty());
        offered.push(name.unwrap_or_default().to_string());
        if let Some(t) = name.filter(|t| visible(action, t)) {
            shown.push(t.to_string());
            kept.push(it.clone());
        }
    }
    let mut out = obj.clone();
    out.insert(member.into(), Value::Array(kept));
    Ok(Some((
        kind,
        Listing {
            result: Value::Object(out),
            offered,
            shown,
            offered_hash_b64u: hash::sha256_b64u(json::canonicalize(result)?),
        },
    )))
}

/// A `completion/complete` request, read for what it names: the prompt (`ref/prompt`,
/// by `name`) or the resource template (`ref/resource`, by `uri`) whose argument values the
/// server would suggest. Suggestions name data, so they are given only for a prompt or a
/// template a listing would show (the same rule as [`filter_data_list`]); for any other the
/// proxy answers [`Completion::empty_result`] itself and the server is not asked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Completion {
    action: &'static str,
    target: String,
}

impl Completion {
    /// The completion a client request is, if it is one (`Ok(None)` for any other method).
    /// A `ref` of another type, or without its non-empty string name, is refused
    /// (`MCP_INVALID_PARAMS`): the proxy cannot tell what it would name.
    pub fn from_request(method: &str, params: Option<&Value>) -> Result<Option<Self>, McpError> {
        if method != "completion/complete" {
            return Ok(None);
        }
        let bad = |d: String| McpError::InvalidParams(format!("completion/complete: {d}"));
        let r = params
            .and_then(|p| p.get("ref"))
            .and_then(Value::as_object)
            .ok_or_else(|| bad("\"ref\" must be an object".into()))?;
        let (action, key) = match r.get("type").and_then(Value::as_str) {
            Some("ref/prompt") => (ACTION_GET_PROMPT, "name"),
            Some("ref/resource") => (ACTION_READ_RESOURCE, "uri"),
            _ => {
                return Err(bad(
                    "\"ref.type\" must be \"ref/prompt\" or \"ref/resource\"".into(),
                ))
            }
        };
        let target = target(r.get(key), &format!("\"ref.{key}\"")).map_err(bad)?;
        Ok(Some(Completion { action, target }))
    }

    /// [`ACTION_GET_PROMPT`] or [`ACTION_READ_RESOURCE`].
    pub fn action(&self) -> &'static str {
        self.action
    }

    /// The prompt's name or the template's text.
    pub fn target(&self) -> &str {
        &self.target
    }

    /// The answer given instead of the server's: no suggestion.
    pub fn empty_result() -> Value {
        serde_json::json!({"completion": {"values": [], "total": 0, "hasMore": false}})
    }
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
        // A subscription is decided as a read of its URI.
        let s = DataRequest::from_request("resources/subscribe", Some(&json!({"uri": "a://1"})))
            .unwrap()
            .unwrap();
        assert_eq!(
            (s.method(), s.action(), s.target()),
            ("resources/subscribe", ACTION_READ_RESOURCE, "a://1")
        );
        let d = data_denial(&json!(1), &s, "srv", &CallDecision::refused("X", "h"));
        let msg = d["error"]["message"].as_str().unwrap();
        assert!(msg.starts_with("claw: X: resource \"a://1\""), "{msg}");
        for m in [
            "tools/call",
            "resources/list",
            "prompts/list",
            "resources/unsubscribe",
            "completion/complete",
        ] {
            assert_eq!(DataRequest::from_request(m, None).unwrap(), None, "{m}");
        }
    }

    #[test]
    fn a_listen_is_one_read_per_subscribed_uri() {
        let all = |p: Value| DataRequest::all_of("subscriptions/listen", Some(&p));
        let rs = all(json!({"notifications": {"toolsListChanged": true,
                                             "resourceSubscriptions": ["a://1", "b://2"]}}))
        .unwrap()
        .unwrap();
        let got: Vec<_> = rs
            .iter()
            .map(|r| (r.method(), r.action(), r.target()))
            .collect();
        assert_eq!(
            got,
            [
                ("subscriptions/listen", ACTION_READ_RESOURCE, "a://1"),
                ("subscriptions/listen", ACTION_READ_RESOURCE, "b://2")
            ]
        );
        // Opt-ins that name no data: nothing to decide, the request goes through.
        assert_eq!(
            all(json!({"notifications": {"toolsListChanged": true}})).unwrap(),
            Some(vec![])
        );
        let many: Vec<String> = (0..=MAX_LISTEN_URIS).map(|i| format!("a://{i}")).collect();
        for bad in [
            json!({}),
            json!({"notifications": []}),
            json!({"notifications": {"resourceSubscriptions": "a://1"}}),
            json!({"notifications": {"resourceSubscriptions": ["a://1", 7]}}),
            json!({"notifications": {"resourceSubscriptions": [""]}}),
            json!({"notifications": {"resourceSubscriptions": many}}),
        ] {
            let e = all(bad.clone()).unwrap_err();
            assert_eq!(e.reason_code(), "MCP_INVALID_PARAMS", "{bad}");
        }
        // The single requests, through the same entry point.
        let one = DataRequest::all_of("resources/read", Some(&json!({"uri": "a://1"})))
            .unwrap()
            .unwrap();
        assert_eq!(one.len(), 1);
        assert_eq!(DataRequest::all_of("tools/call", None).unwrap(), None);
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
        let (kind, l) = filter_data_list("resources/list", &r, |a, u| {
            a == ACTION_READ_RESOURCE && u.starts_with("a:")
        })
        .unwrap()
        .unwrap();
        let want = json!({"resources": [{"uri": "a://1"}], "nextCursor": "c"});
        assert_eq!((kind, l.result), (ListedKind::Resources, want));
        assert_eq!(
            (l.offered, l.shown),
            (
                vec!["a://1".into(), "b://2".into(), String::new()],
                vec!["a://1".to_string()]
            )
        );
        assert_eq!(
            l.offered_hash_b64u,
            hash::sha256_b64u(json::canonicalize(&r).unwrap())
        );
        let p = json!({"prompts": [{"name": "x"}, {"name": "y"}]});
        let (kind, l) = filter_data_list("prompts/list", &p, |a, n| {
            a == ACTION_GET_PROMPT && n == "y"
        })
        .unwrap()
        .unwrap();
        assert_eq!(
            (kind, l.result),
            (ListedKind::Prompts, json!({"prompts": [{"name": "y"}]}))
        );
        let t = json!({"resourceTemplates": [{"uriTemplate": "a://{id}"}, {"uriTemplate": "b://{id}"},
                                             {"uri": "a://x"}]});
        let (kind, l) = filter_data_list("resources/templates/list", &t, |a, u| {
            a == ACTION_READ_RESOURCE && u.starts_with("a:")
        })
        .unwrap()
        .unwrap();
        assert_eq!(
            (kind, l.result),
            (
                ListedKind::ResourceTemplates,
                json!({"resourceTemplates": [{"uriTemplate": "a://{id}"}]})
            )
        );
        for m in ["resources/list", "resources/templates/list", "prompts/list"] {
            assert_eq!(data_list_method(m), Some(m));
        }
        assert_eq!(data_list_method("tools/list"), None);
        let e = filter_data_list("resources/list", &json!({"x": 1}), |_, _| true).unwrap_err();
        assert_eq!(e.reason_code(), "MCP_INVALID_LISTING");
        assert!(filter_data_list("tools/list", &r, |_, _| true)
            .unwrap()
            .is_none());
    }

    #[test]
    fn a_completion_names_a_prompt_or_a_template() {
        let c = |p: Value| Completion::from_request("completion/complete", Some(&p));
        let p = c(json!({"ref": {"type": "ref/prompt", "name": "p"},
                         "argument": {"name": "a", "value": "x"}}))
        .unwrap()
        .unwrap();
        assert_eq!((p.action(), p.target()), (ACTION_GET_PROMPT, "p"));
        let r = c(json!({"ref": {"type": "ref/resource", "uri": "file:///{path}"}}))
            .unwrap()
            .unwrap();
        assert_eq!(
            (r.action(), r.target()),
            (ACTION_READ_RESOURCE, "file:///{path}")
        );
        let long = "x".repeat(MAX_TARGET_BYTES + 1);
        for bad in [
            json!({}),
            json!({"ref": "p"}),
            json!({"ref": {"type": "ref/tool", "name": "t"}}),
            json!({"ref": {"type": "ref/prompt", "uri": "p"}}),
            json!({"ref": {"type": "ref/prompt", "name": ""}}),
            json!({"ref": {"type": "ref/resource", "uri": long}}),
        ] {
            let e = c(bad.clone()).unwrap_err();
            assert_eq!(e.reason_code(), "MCP_INVALID_PARAMS", "{bad}");
        }
        assert_eq!(Completion::from_request("prompts/get", None).unwrap(), None);
        assert_eq!(
            Completion::empty_result()["completion"]["values"],
            json!([])
        );
    }
}
