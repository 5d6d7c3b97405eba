//! The requests one requester has in flight: sent, not yet answered. A proxy matches each
//! answer to its request by id, so two requests with the same id in flight would let one
//! request's answer be taken for the other's (a tool receipt over the wrong result, and the
//! right result relayed without one). MCP forbids reusing a request id within a session
//! (basic/messages); the proxy refuses a request whose id is in flight, and keeps at most
//! `limit` of them (docs/SPEC.md §10.2).

use super::{IdKey, McpError};
use serde_json::Value;
use std::collections::HashMap;

/// At most this many requests of one requester wait for an answer at once.
pub const MAX_IN_FLIGHT: usize = 4096;

/// Requests in flight, each with what the proxy does with its answer (`T`).
#[derive(Debug)]
pub struct InFlight<T> {
    waiting: HashMap<IdKey, T>,
    limit: usize,
}

impl<T> Default for InFlight<T> {
    fn default() -> Self {
        InFlight::new(MAX_IN_FLIGHT)
    }
}

impl<T> InFlight<T> {
    /// An empty set that keeps at most `limit` requests.
    pub fn new(limit: usize) -> InFlight<T> {
        InFlight {
            waiting: HashMap::new(),
            limit,
        }
    }

    /// Admit a request about to be forwarded: refused when its id is in flight already
    /// (`MCP_DUPLICATE_REQUEST_ID`), is not a request id (`MCP_INVALID_MESSAGE`), or when
    /// `limit` requests wait already (`MCP_TOO_MANY_PENDING`).
    pub fn admit(&mut self, id: &Value, what: T) -> Result<(), McpError> {
        let key = IdKey::of(id).ok_or_else(|| {
            McpError::InvalidMessage("a request id must be a string or an integer".into())
        })?;
        if self.waiting.contains_key(&key) {
            return Err(McpError::DuplicateRequestId(id.to_string()));
        }
        if self.waiting.len() >= self.limit {
            return Err(McpError::TooManyPending { limit: self.limit });
        }
        self.waiting.insert(key, what);
        Ok(())
    }

    /// The answer to `id` arrived (or the request is withdrawn): what was kept for it, if the
    /// id was in flight.
    pub fn settle(&mut self, id: &Value) -> Option<T> {
        IdKey::of(id).and_then(|k| self.waiting.remove(&k))
    }

    /// What is kept for `id`, if it is in flight.
    pub fn get(&self, id: &Value) -> Option<&T> {
        IdKey::of(id).and_then(|k| self.waiting.get(&k))
    }

    /// What is kept for `id`, to change it (the request stays in flight).
    pub fn get_mut(&mut self, id: &Value) -> Option<&mut T> {
        IdKey::of(id).and_then(|k| self.waiting.get_mut(&k))
    }

    /// How many requests are in flight.
    pub fn len(&self) -> usize {
        self.waiting.len()
    }

    /// Whether none is.
    pub fn is_empty(&self) -> bool {
        self.waiting.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn an_id_in_flight_is_refused_until_it_is_answered() {
        let mut f = InFlight::new(8);
        f.admit(&json!(7), "call").unwrap();
        let e = f.admit(&json!(7), "ping").unwrap_err();
        assert_eq!(e.reason_code(), "MCP_DUPLICATE_REQUEST_ID");
        assert_eq!(e.rpc_code(), -32600);
        // 7 and "7" are different JSON-RPC ids.
        f.admit(&json!("7"), "other").unwrap();
        assert_eq!(f.get(&json!(7)), Some(&"call"));
        assert_eq!(f.settle(&json!(7)), Some("call"));
        assert_eq!(f.settle(&json!(7)), None);
        f.admit(&json!(7), "again").unwrap();
        assert_eq!(f.len(), 2);
    }

    #[test]
    fn at_most_limit_wait_and_null_is_not_an_id() {
        let mut f = InFlight::new(2);
        f.admit(&json!(1), ()).unwrap();
        f.admit(&json!(2), ()).unwrap();
        let e = f.admit(&json!(3), ()).unwrap_err();
        assert_eq!(
            (e.reason_code(), e.rpc_code()),
            ("MCP_TOO_MANY_PENDING", -32603)
        );
        assert_eq!(
            f.admit(&json!(1), ()).unwrap_err().reason_code(),
            "MCP_DUPLICATE_REQUEST_ID"
        );
        f.settle(&json!(1));
        f.admit(&json!(3), ()).unwrap();
        let e = f.admit(&Value::Null, ()).unwrap_err();
        assert_eq!(e.reason_code(), "MCP_INVALID_MESSAGE");
        assert!(!f.is_empty());
    }
}
