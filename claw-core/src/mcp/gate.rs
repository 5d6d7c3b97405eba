//! A `tools/call` as a policy decision, a refused call as an answer the model reads, a
//! `tools/list` answer filtered to what the policy could allow, and the elicitation that asks
//! a human for an approval.

use super::{DataRequest, McpError};
use crate::canonical::Canonical;
use crate::escape::escape;
use crate::evidence::DecisionRecord;
use crate::wpc::{
    NoContext, OwnedDecision, ReasonCode, ReplayVerdict, Request, Snapshot, Verdict,
    ACTION_TOOL_EXECUTE,
};
use crate::{approval, hash, json};
use serde_json::{json, Map, Value};

/// The context key that carries the MCP server's name (`--server-name`) in every
/// `tools/call` decision, so a statement can name a server:
/// `StringEquals {"Mcp:Server": "filesystem"}`.
pub const KEY_MCP_SERVER: &str = "Mcp:Server";

/// The `tools/call` parameters the proxy decides on.
#[derive(Debug, Clone, PartialEq)]
pub struct ToolCall {
    /// `params.name`: the WPC resource.
    pub name: String,
    /// `params.arguments` (an object; `{}` when absent), with its RFC 8785 bytes and their
    /// hash, computed once: the decision, the receipt and the run log all use them.
    pub arguments: Canonical,
}

impl ToolCall {
    /// Read `params` of a `tools/call` request: `name` a non-empty string, `arguments` absent
    /// or an object.
    pub fn from_params(params: Option<&Value>) -> Result<ToolCall, McpError> {
        let bad = |d: &str| McpError::InvalidParams(d.to_string());
        let p = params
            .and_then(Value::as_object)
            .ok_or_else(|| bad("tools/call: params must be an object"))?;
        let name = match p.get("name") {
            Some(Value::String(s)) if !s.is_empty() => s.clone(),
            _ => return Err(bad("tools/call: \"name\" must be a non-empty string")),
        };
        let arguments = match p.get("arguments") {
            None => Value::Object(Map::new()),
            Some(a @ Value::Object(_)) => a.clone(),
            Some(_) => return Err(bad("tools/call: \"arguments\" must be an object")),
        };
        Ok(ToolCall {
            name,
            arguments: Canonical::new(arguments)?,
        })
    }

    /// SHA-256 (base64url) of the JCS bytes of the arguments: the receipt's `args_hash_b64u`.
    pub fn args_hash_b64u(&self) -> &str {
        self.arguments.hash_b64u()
    }
}

/// A recorded human answer about this very call (tool and argument hash), not used yet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Approval<'a> {
    /// Nobody answered.
    None,
    /// A human approved: the approval receipt's id.
    Approved(&'a str),
    /// A human refused: the approval receipt's id.
    Denied(&'a str),
}

/// The decision about one call, ready to be recorded and acted on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallDecision {
    /// Allow, Deny or ApprovalRequired.
    pub verdict: Verdict,
    /// The reason code (`POLICY_ALLOW`, `OVERRIDE_TOOL_DENIED`, `HUMAN_APPROVAL_DENIED`, …).
    pub reason_code: String,
    /// The deciding statement.
    pub statement_id: Option<String>,
    /// The deciding policy's hash.
    pub policy_hash_b64u: Option<String>,
    /// The approval this decision used up, if one decided it.
    pub approval_receipt_id: Option<String>,
}

impl CallDecision {
    /// The run log's `decision` record (docs/SPEC.md §6.6) for tool `tool`.
    pub fn to_record(&self, tool: &str, args_hash_b64u: &str) -> DecisionRecord {
        self.to_record_of(ACTION_TOOL_EXECUTE, tool, args_hash_b64u)
    }

    /// The run log's `decision` record for `action` on `resource` (a tool call, or a data
    /// request: [`super::DataRequest`]).
    pub fn to_record_of(
        &self,
        action: &str,
        resource: &str,
        args_hash_b64u: &str,
    ) -> DecisionRecord {
        DecisionRecord {
            action: action.into(),
            resource: resource.into(),
            decision: self.verdict.as_str().into(),
            reason_code: self.reason_code.clone(),
            statement_id: self.statement_id.clone(),
            policy_hash_b64u: self.policy_hash_b64u.clone(),
            args_hash_b64u: Some(args_hash_b64u.into()),
            approval_receipt_id: self.approval_receipt_id.clone(),
        }
    }

    /// What a refusal's message says of it: the approval it lacked, or the policy.
    pub(super) fn why_refused(&self) -> &'static str {
        match self.verdict {
            Verdict::ApprovalRequired => "needs a human approval, and none was given",
            _ => "is not allowed by the policy",
        }
    }

    /// The decision as a refusal carries it: `{decision, reason_code, statement_id?,
    /// policy_hash_b64u?}` (a refused call's `_meta["claw.dev/decision"]`, a refused data
    /// request's error `data`).
    pub(super) fn to_meta(&self) -> Value {
        let mut meta = Map::new();
        meta.insert("decision".into(), json!(self.verdict.as_str()));
        meta.insert("reason_code".into(), json!(self.reason_code));
        if let Some(s) = &self.statement_id {
            meta.insert("statement_id".into(), json!(s));
        }
        if let Some(h) = &self.policy_hash_b64u {
            meta.insert("policy_hash_b64u".into(), json!(h));
        }
        Value::Object(meta)
    }

    /// A denial that comes from outside the policy (an invalid token, unreadable overrides):
    /// `reason_code` says which.
    pub fn refused(reason_code: &str, policy_hash_b64u: &str) -> CallDecision {
        CallDecision {
            verdict: Verdict::Deny,
            reason_code: reason_code.into(),
            statement_id: None,
            policy_hash_b64u: Some(policy_hash_b64u.into()),
            approval_receipt_id: None,
        }
    }
}

/// Decide a call: `tool:execute` on the tool name, context `Mcp:Server` = `server` (the only
/// caller key; `Request:HasHumanApproval` = `"true"` is added only for a recorded approval),
/// at `now` (seconds) in a run started at `run_started_at`, overrides first (the snapshot).
/// When the policy asks for an approval and `approval` is an approval of this call, the call
/// is decided again with it, and the approval is used only if that allows; a recorded refusal
/// denies with `HUMAN_APPROVAL_DENIED`.
pub fn decide_call(
    snapshot: &Snapshot,
    tool: &str,
    server: &str,
    now: i64,
    run_started_at: i64,
    approval: Approval<'_>,
) -> CallDecision {
    decide_request(
        snapshot,
        ACTION_TOOL_EXECUTE,
        tool,
        server,
        now,
        run_started_at,
        approval,
    )
}

/// Decide `action` on `resource` for the MCP server `server` by the rule of
/// [`decide_call`]: a tool call (`tool:execute`), or a data request
/// ([`super::DataRequest::action`]).
pub fn decide_request(
    snapshot: &Snapshot,
    action: &str,
    resource: &str,
    server: &str,
    now: i64,
    run_started_at: i64,
    approval: Approval<'_>,
) -> CallDecision {
    let decide = |approved: bool| -> OwnedDecision {
        let base = [(KEY_MCP_SERVER, server)];
        let with = [
            (KEY_MCP_SERVER, server),
            (crate::wpc::KEY_HUMAN_APPROVAL, "true"),
        ];
        let ctx: &[(&str, &str)] = if approved { &with } else { &base };
        snapshot
            .decide(&Request::new(action, resource, &ctx, now).with_run_started_at(run_started_at))
            .into_owned()
    };
    let first = decide(false);
    let mut used = None;
    let d = match (first.verdict, approval) {
        (Verdict::ApprovalRequired, Approval::Approved(id)) => {
            let second = decide(true);
            if second.verdict == Verdict::Allow {
                used = Some(id.to_string());
                second
            } else {
                first
            }
        }
        (Verdict::ApprovalRequired, Approval::Denied(id)) => {
            return CallDecision {
                verdict: Verdict::Deny,
                reason_code: "HUMAN_APPROVAL_DENIED".into(),
                statement_id: first.statement_id,
                policy_hash_b64u: first.policy_hash,
                approval_receipt_id: Some(id.to_string()),
            }
        }
        _ => first,
    };
    CallDecision {
        verdict: d.verdict,
        reason_code: d.reason.as_str().into(),
        statement_id: d.statement_id,
        policy_hash_b64u: d.policy_hash,
        approval_receipt_id: used,
    }
}

/// What the model reads for a refused call: a `tools/call` result with `isError: true`
/// (so MCP clients hand it to the model rather than failing the turn), one text item
/// `claw: REASON_CODE: …`, and `_meta["claw.dev/decision"]` with the decision.
pub fn denial_result(tool: &str, server: &str, d: &CallDecision) -> Value {
    let text = format!(
        "claw: {}: tool {tool:?} of MCP server {server:?} {}; the call was not sent to the server",
        d.reason_code,
        d.why_refused()
    );
    json!({
        "content": [{"type": "text", "text": text}],
        "isError": true,
        "_meta": {"claw.dev/decision": d.to_meta()},
    })
}

/// Whether a listed tool is shown: hidden when the overrides deny it (or the whole policy)
/// or when no request context could make the policy allow it (an unconditional Deny
/// matches, or no Allow statement names it: [`crate::wpc::CompiledPolicy::replay`]).
pub fn listing_visible(snapshot: &Snapshot, tool: &str, now: i64) -> bool {
    visible_in_listing(snapshot, ACTION_TOOL_EXECUTE, tool, now)
}

/// Whether a listed entry is shown, by the rule of [`listing_visible`], for `action` on
/// `resource` (a tool: `tool:execute` on its name; a resource: `mcp:read_resource` on its
/// URI; a prompt: `mcp:get_prompt` on its name).
pub fn visible_in_listing(snapshot: &Snapshot, action: &str, resource: &str, now: i64) -> bool {
    let d = snapshot.decide(&Request::new(action, resource, &NoContext, now));
    if matches!(
        d.reason,
        ReasonCode::OverrideToolDenied
            | ReasonCode::OverridePolicyHashDenied
            | ReasonCode::OverridePolicyHashMismatch
            | ReasonCode::RequestInvalid
    ) {
        return false;
    }
    matches!(
        snapshot.policy().replay(action, resource),
        ReplayVerdict::NotDisproved
    )
}

/// A `tools/list` result after filtering.
#[derive(Debug, Clone, PartialEq)]
pub struct Listing {
    /// The result sent to the client: the server's, with only the shown tools.
    pub result: Value,
    /// The tool names the server offered, in its order (a tool without a string name is
    /// listed as `""` and never shown).
    pub offered: Vec<String>,
    /// The tool names shown to the client.
    pub shown: Vec<String>,
    /// SHA-256 (base64url) of the JCS bytes of the server's whole result.
    pub offered_hash_b64u: String,
}

/// Filter a `tools/list` result: keep the tools `visible` accepts, except those that can only
/// run as a task (`execution.taskSupport` `"required"`: the proxy relays no tasks,
/// [`super::check_relayable`]); every other member of the result (`nextCursor`, `_meta`)
/// unchanged.
pub fn filter_tools_list(
    result: &Value,
    visible: impl Fn(&str) -> bool,
) -> Result<Listing, McpError> {
    let obj = result.as_object().ok_or_else(|| {
        McpError::InvalidListing("tools/list: the result is not an object".into())
    })?;
    let tools = obj
        .get("tools")
        .and_then(Value::as_array)
        .ok_or_else(|| McpError::InvalidListing("tools/list: \"tools\" is not an array".into()))?;
    let mut offered = Vec::with_capacity(tools.len());
    let mut shown = Vec::new();
    let mut kept = Vec::new();
    for t in tools {
        let name = t.get("name").and_then(Value::as_str).unwrap_or("");
        offered.push(name.to_string());
        let task_only = t
            .get("execution")
            .and_then(|e| e.get("taskSupport"))
            .and_then(Value::as_str)
            == Some("required");
        if !name.is_empty() && !task_only && visible(name) {
            shown.push(name.to_string());
            kept.push(t.clone());
        }
    }
    let mut out = obj.clone();
    out.insert("tools".into(), Value::Array(kept));
    Ok(Listing {
        result: Value::Object(out),
        offered,
        shown,
        offered_hash_b64u: hash::sha256_b64u(json::canonicalize(result)?),
    })
}

/// The `elicitation/create` request (form mode) that asks the user to approve a call: one
/// boolean field `approve`.
pub fn elicitation_request(id: &Value, tool: &str, server: &str, arguments: &Value) -> Value {
    // The arguments of a call are canonical already (`ToolCall`); shown by the one rule
    // (`approval::arguments_shown`: escaped, never cut silently).
    let what = format!(
        "tool \"{}\" of MCP server \"{}\" with arguments {}",
        escape(tool),
        escape(server),
        shown_arguments(arguments)
    );
    ask_for(id, &what)
}

/// A request's arguments as the human asked to approve it reads them (§7.9.1).
fn shown_arguments(arguments: &Value) -> String {
    approval::arguments_shown(arguments, approval::DEFAULT_SHOWN_CHARS)
        .unwrap_or_else(|e| format!("(not shown: {e})"))
}

/// The one form every approval request has: `what` is what needs the approval.
fn ask_for(id: &Value, what: &str) -> Value {
    json!({
        "jsonrpc": "2.0",
        "id": id,
        "method": "elicitation/create",
        "params": {
            "message": format!("claw: the policy needs your approval for {what}"),
            "requestedSchema": {
                "type": "object",
                "properties": {
                    "approve": {"type": "boolean", "title": "Approve this call", "default": false}
                },
                "required": ["approve"]
            }
        }
    })
}

/// What a human can be asked to approve through elicitation (docs/SPEC.md §10.4): a tool
/// call, or one data request (`resources/read`, `resources/subscribe`, `prompts/get`).
#[derive(Debug, Clone, PartialEq)]
pub enum Approvable {
    /// A `tools/call`: `tool:execute` on the tool's name.
    Call(ToolCall),
    /// A data request: its action on its URI or prompt name.
    Data(DataRequest),
}

impl Approvable {
    /// The WPC action decided.
    pub fn action(&self) -> &str {
        match self {
            Approvable::Call(_) => ACTION_TOOL_EXECUTE,
            Approvable::Data(r) => r.action(),
        }
    }

    /// The WPC resource: the tool's name, the resource's URI or the prompt's name.
    pub fn target(&self) -> &str {
        match self {
            Approvable::Call(c) => &c.name,
            Approvable::Data(r) => r.target(),
        }
    }

    /// SHA-256 (base64url) of the JCS bytes of the arguments (`{}` for a resource).
    pub fn args_hash_b64u(&self) -> &str {
        match self {
            Approvable::Call(c) => c.args_hash_b64u(),
            Approvable::Data(r) => r.args_hash_b64u(),
        }
    }

    /// The `elicitation/create` request (id `id`) that asks for the approval: the message
    /// names what is asked of `server` — the tool and its arguments, the resource read or
    /// subscribed to, or the prompt and its arguments — escaped, arguments as §7.9.1 shows
    /// them.
    pub fn elicitation_request(&self, id: &Value, server: &str) -> Value {
        let r = match self {
            Approvable::Call(c) => {
                return elicitation_request(id, &c.name, server, c.arguments.value())
            }
            Approvable::Data(r) => r,
        };
        let (target, server) = (escape(r.target()), escape(server));
        let what = match r.method() {
            "prompts/get" => format!(
                "prompt \"{target}\" of MCP server \"{server}\" with arguments {}",
                shown_arguments(r.arguments().value())
            ),
            "resources/subscribe" => {
                format!("a subscription to resource \"{target}\" of MCP server \"{server}\"")
            }
            _ => format!("reading resource \"{target}\" of MCP server \"{server}\""),
        };
        ask_for(id, &what)
    }

    /// The answer to request `id` when `d` refuses it: a call's refusal is a result the
    /// model reads ([`denial_result`]), a data request's a JSON-RPC error
    /// ([`super::data_denial`]).
    pub fn refusal(&self, id: &Value, server: &str, d: &CallDecision) -> Value {
        match self {
            Approvable::Call(c) => super::result_response(id, denial_result(&c.name, server, d)),
            Approvable::Data(r) => super::data_denial(id, r, server, d),
        }
    }
}

/// Read the client's answer to [`elicitation_request`]: approved only for
/// `{"action": "accept", "content": {"approve": true}}`; any other answer (decline, cancel,
/// an error, a malformed result) is a refusal.
pub fn elicitation_answer(outcome: &Result<Value, Value>) -> bool {
    match outcome {
        Ok(r) => {
            r.get("action").and_then(Value::as_str) == Some("accept")
                && r.get("content")
                    .and_then(|c| c.get("approve"))
                    .and_then(Value::as_bool)
                    == Some(true)
        }
        Err(_) => false,
    }
}

/// Whether an `initialize` request's params declare the elicitation capability (form mode:
/// `capabilities.elicitation` an object, empty or with `form`).
pub fn client_supports_elicitation(initialize_params: Option<&Value>) -> bool {
    match initialize_params
        .and_then(|p| p.get("capabilities"))
        .and_then(|c| c.get("elicitation"))
        .and_then(Value::as_object)
    {
        Some(e) => e.is_empty() || e.contains_key("form"),
        None => false,
    }
}
