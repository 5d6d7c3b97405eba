//! One JSON-RPC 2.0 message as MCP uses it, parsed strictly and bounded.

use super::McpError;
use crate::json::{self, Limits};
use serde_json::{Map, Value};

/// The default bound on one message (4 MiB); transports may choose another.
pub const DEFAULT_MAX_MESSAGE_BYTES: usize = 4 * 1024 * 1024;

/// The JSON nesting bound of a message.
const MAX_DEPTH: usize = 64;

/// A JSON-RPC message, classified. The transport keeps the bytes it read and forwards them
/// unchanged: they are exactly what was parsed here (strict JSON has one reading).
#[derive(Debug, Clone, PartialEq)]
pub enum Message {
    /// A request: `id` (string or integer), `method`, optional object `params`.
    Request {
        /// The JSON-RPC `id`.
        id: Value,
        /// The method name.
        method: String,
        /// The `params` object, when present.
        params: Option<Value>,
    },
    /// A notification: `method` without `id`.
    Notification {
        /// The method name.
        method: String,
        /// The `params` object, when present.
        params: Option<Value>,
    },
    /// A response: `id` (null only for an error about an unreadable request) and exactly one
    /// of `result` (`Ok`) or `error` (`Err`, an object with an integer `code` and a string
    /// `message`).
    Response {
        /// The JSON-RPC `id`.
        id: Value,
        /// `Ok(result)` or `Err(error)`.
        outcome: Result<Value, Value>,
    },
}

impl Message {
    /// The method of a request or notification.
    pub fn method(&self) -> Option<&str> {
        match self {
            Message::Request { method, .. } | Message::Notification { method, .. } => Some(method),
            Message::Response { .. } => None,
        }
    }

    /// The parameters of a request or notification.
    pub fn params(&self) -> Option<&Value> {
        match self {
            Message::Request { params, .. } | Message::Notification { params, .. } => {
                params.as_ref()
            }
            Message::Response { .. } => None,
        }
    }
}

/// A request id as a map key: `s:` + a string id, `n:` + an integer id (so `1` and `"1"`
/// differ, as they do in JSON-RPC).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct IdKey(String);

impl IdKey {
    /// The key of a request or response id (`None` for null or another type).
    pub fn of(id: &Value) -> Option<IdKey> {
        match id {
            Value::String(s) => Some(IdKey(format!("s:{s}"))),
            Value::Number(n) if n.is_i64() || n.is_u64() => Some(IdKey(format!("n:{n}"))),
            _ => None,
        }
    }
}

fn invalid(detail: impl Into<String>) -> McpError {
    McpError::InvalidMessage(detail.into())
}

fn is_request_id(v: &Value) -> bool {
    match v {
        Value::String(_) => true,
        Value::Number(n) => n.is_i64() || n.is_u64(),
        _ => false,
    }
}

/// Parse one message: strict JSON (`json::parse`: duplicate keys, lone surrogates, numbers
/// outside I-JSON refused) within `max_bytes` and depth 64, then the JSON-RPC 2.0 shape MCP
/// allows: an object (no batches), `"jsonrpc": "2.0"`, no members beyond the JSON-RPC ones,
/// ids strings or integers, `params` an object, a non-empty `method`.
pub fn parse_message(bytes: &[u8], max_bytes: usize) -> Result<Message, McpError> {
    if bytes.len() > max_bytes {
        return Err(McpError::TooLarge {
            size: bytes.len(),
            limit: max_bytes,
        });
    }
    let limits = Limits {
        max_bytes,
        max_depth: MAX_DEPTH,
        exact_integers: true,
    };
    let v = json::parse(bytes, &limits)?;
    let obj = match v {
        Value::Object(o) => o,
        Value::Array(_) => return Err(McpError::Batch),
        _ => return Err(invalid("not a JSON object")),
    };
    from_object(obj)
}

fn from_object(mut obj: Map<String, Value>) -> Result<Message, McpError> {
    match obj.remove("jsonrpc") {
        Some(Value::String(s)) if s == "2.0" => {}
        _ => return Err(invalid("\"jsonrpc\" must be \"2.0\"")),
    }
    for k in obj.keys() {
        if !matches!(k.as_str(), "id" | "method" | "params" | "result" | "error") {
            return Err(invalid(format!("unknown member {k:?}")));
        }
    }
    let id = obj.remove("id");
    if let Some(method) = obj.remove("method") {
        let method = match method {
            Value::String(m) if !m.is_empty() => m,
            _ => return Err(invalid("\"method\" must be a non-empty string")),
        };
        if obj.contains_key("result") || obj.contains_key("error") {
            return Err(invalid("a request carries no result or error"));
        }
        let params = match obj.remove("params") {
            None => None,
            Some(p @ Value::Object(_)) => Some(p),
            Some(_) => return Err(invalid("\"params\" must be an object")),
        };
        return match id {
            None => Ok(Message::Notification { method, params }),
            Some(id) if is_request_id(&id) => Ok(Message::Request { id, method, params }),
            Some(_) => Err(invalid("a request id must be a string or an integer")),
        };
    }
    if obj.contains_key("params") {
        return Err(invalid("a response carries no params"));
    }
    let id = id.ok_or_else(|| invalid("neither a method nor an id"))?;
    let outcome = match (obj.remove("result"), obj.remove("error")) {
        (Some(r), None) => Ok(r),
        (None, Some(e)) => {
            let ok = e.as_object().is_some_and(|o| {
                o.get("code").is_some_and(|c| c.is_i64())
                    && o.get("message").is_some_and(Value::is_string)
            });
            if !ok {
                return Err(invalid(
                    "\"error\" must be an object with an integer code and a string message",
                ));
            }
            Err(e)
        }
        _ => return Err(invalid("a response has exactly one of result and error")),
    };
    let null_ok = outcome.is_err() && id.is_null();
    if !is_request_id(&id) && !null_ok {
        return Err(invalid("a response id must be a string or an integer"));
    }
    Ok(Message::Response { id, outcome })
}

/// A JSON-RPC error response (`id` null when the request could not be read).
pub fn error_response(id: &Value, code: i64, message: &str, data: Option<Value>) -> Value {
    let mut err = Map::new();
    err.insert("code".into(), Value::from(code));
    err.insert("message".into(), Value::from(message));
    if let Some(d) = data {
        err.insert("data".into(), d);
    }
    serde_json::json!({"jsonrpc": "2.0", "id": id, "error": Value::Object(err)})
}

/// The error response for a refused message: the JSON-RPC code of `e`, its message, and
/// `data.reason_code`.
pub fn refusal(id: &Value, e: &McpError) -> Value {
    error_response(
        id,
        e.rpc_code(),
        &e.to_string(),
        Some(serde_json::json!({"reason_code": e.reason_code()})),
    )
}

/// Whether the proxy relays this client request: not a task. A task-augmented request
/// (`params.task`, MCP 2025-11-25) is answered at once with a task handle and its real
/// result is fetched later with `tasks/result`, so the call the proxy decided on and
/// receipted would not be the one whose result the client reads; the proxy refuses both
/// (`MCP_TASKS_UNSUPPORTED`) rather than relay a tool's result without a receipt.
pub fn check_relayable(method: &str, params: Option<&Value>) -> Result<(), McpError> {
    if method.starts_with("tasks/") {
        return Err(McpError::TasksUnsupported(format!("{method:?}")));
    }
    if params.and_then(|p| p.get("task")).is_some() {
        return Err(McpError::TasksUnsupported(format!(
            "{method:?} with \"task\""
        )));
    }
    Ok(())
}

/// A result response.
pub fn result_response(id: &Value, result: Value) -> Value {
    serde_json::json!({"jsonrpc": "2.0", "id": id, "result": result})
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(s: &str) -> Result<Message, McpError> {
        parse_message(s.as_bytes(), 1024)
    }

    #[test]
    fn tasks_are_not_relayed() {
        let task = serde_json::json!({"name": "t", "task": {"ttl": 60000}});
        let e = check_relayable("tools/call", Some(&task)).unwrap_err();
        assert_eq!(
            (e.reason_code(), e.rpc_code()),
            ("MCP_TASKS_UNSUPPORTED", -32600)
        );
        for m in ["tasks/result", "tasks/get", "tasks/list", "tasks/cancel"] {
            let e = check_relayable(m, None).unwrap_err();
            assert_eq!(e.reason_code(), "MCP_TASKS_UNSUPPORTED", "{m}");
        }
        let plain = serde_json::json!({"name": "t", "arguments": {"task": 1}});
        assert!(check_relayable("tools/call", Some(&plain)).is_ok());
        assert!(check_relayable("ping", None).is_ok());
    }

    #[test]
    fn classifies() {
        assert!(matches!(
            p(r#"{"jsonrpc":"2.0","id":1,"method":"tools/list"}"#),
            Ok(Message::Request { .. })
        ));
        assert!(matches!(
            p(r#"{"jsonrpc":"2.0","method":"notifications/initialized"}"#),
            Ok(Message::Notification { .. })
        ));
        assert!(matches!(
            p(r#"{"jsonrpc":"2.0","id":"a","result":{}}"#),
            Ok(Message::Response { outcome: Ok(_), .. })
        ));
        assert!(matches!(
            p(r#"{"jsonrpc":"2.0","id":null,"error":{"code":-32700,"message":"x"}}"#),
            Ok(Message::Response {
                outcome: Err(_),
                ..
            })
        ));
    }

    #[test]
    fn refuses_with_codes() {
        let code = |s: &str| p(s).map(|_| ()).unwrap_err().reason_code();
        assert_eq!(code("{"), "MCP_INVALID_JSON");
        assert_eq!(
            code(r#"{"jsonrpc":"2.0","id":1,"id":2,"method":"x"}"#),
            "MCP_INVALID_JSON"
        );
        assert_eq!(
            code(r#"[{"jsonrpc":"2.0","id":1,"method":"x"}]"#),
            "MCP_BATCH_UNSUPPORTED"
        );
        assert_eq!(
            code(r#"{"jsonrpc":"1.0","id":1,"method":"x"}"#),
            "MCP_INVALID_MESSAGE"
        );
        assert_eq!(
            code(r#"{"jsonrpc":"2.0","id":null,"method":"x"}"#),
            "MCP_INVALID_MESSAGE"
        );
        assert_eq!(
            code(r#"{"jsonrpc":"2.0","id":1.5,"method":"x"}"#),
            "MCP_INVALID_MESSAGE"
        );
        assert_eq!(
            code(r#"{"jsonrpc":"2.0","id":1,"method":""}"#),
            "MCP_INVALID_MESSAGE"
        );
        assert_eq!(
            code(r#"{"jsonrpc":"2.0","id":1,"method":"x","params":[1]}"#),
            "MCP_INVALID_MESSAGE"
        );
        assert_eq!(
            code(r#"{"jsonrpc":"2.0","id":1,"method":"x","extra":1}"#),
            "MCP_INVALID_MESSAGE"
        );
        assert_eq!(
            code(r#"{"jsonrpc":"2.0","id":1,"result":{},"error":{"code":1,"message":""}}"#),
            "MCP_INVALID_MESSAGE"
        );
        assert_eq!(
            code(r#"{"jsonrpc":"2.0","id":1,"error":{"code":"x","message":""}}"#),
            "MCP_INVALID_MESSAGE"
        );
        assert_eq!(
            code(r#"{"jsonrpc":"2.0","id":null,"result":{}}"#),
            "MCP_INVALID_MESSAGE"
        );
        assert_eq!(code("\"x\""), "MCP_INVALID_MESSAGE");
        let big = format!(
            r#"{{"jsonrpc":"2.0","id":1,"method":"{}"}}"#,
            "a".repeat(2000)
        );
        assert_eq!(code(&big), "MCP_MESSAGE_TOO_LARGE");
        let deep = format!(
            r#"{{"jsonrpc":"2.0","id":1,"method":"x","params":{{"a":{}1{}}}}}"#,
            "[".repeat(100),
            "]".repeat(100)
        );
        assert_eq!(
            parse_message(deep.as_bytes(), 1 << 20)
                .unwrap_err()
                .reason_code(),
            "MCP_INVALID_JSON"
        );
    }

    #[test]
    fn id_keys_tell_strings_from_numbers() {
        assert_ne!(IdKey::of(&Value::from(1)), IdKey::of(&Value::from("1")));
        assert_eq!(IdKey::of(&Value::Null), None);
    }
}
