//! What the MCP rules refuse.

/// A refused MCP message. Each variant has a stable reason code and the JSON-RPC error code
/// sent back to the peer ([`McpError::rpc_code`]).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum McpError {
    /// The message is larger than the proxy's bound.
    #[error("message is {size} bytes, above the limit of {limit}")]
    TooLarge {
        /// Size of the message in bytes.
        size: usize,
        /// The bound.
        limit: usize,
    },
    /// The bytes are not strict JSON (syntax, duplicate keys, lone surrogates, numbers).
    #[error("not strict JSON: {0}")]
    Json(#[from] crate::json::JsonError),
    /// A JSON array: JSON-RPC batches are not part of MCP since revision 2025-06-18.
    #[error("JSON-RPC batches are not accepted (MCP has no batching since 2025-06-18)")]
    Batch,
    /// Valid JSON but not a JSON-RPC 2.0 message MCP allows.
    #[error("invalid JSON-RPC message: {0}")]
    InvalidMessage(String),
    /// `tools/call` parameters without a tool name, or with non-object arguments (or a
    /// `resources/read` without a URI, a `prompts/get` without a name: the detail says which).
    #[error("invalid params: {0}")]
    InvalidParams(String),
    /// A listing result the proxy cannot read (`tools/list` without a `tools` array,
    /// `resources/list` without `resources`, `prompts/list` without `prompts`).
    #[error("invalid listing from the server: {0}")]
    InvalidListing(String),
    /// An HTTP `Mcp-Method` / `Mcp-Name` header disagrees with the body, or a required one
    /// is missing.
    #[error("header {header} {detail}")]
    HeaderMismatch {
        /// The header name.
        header: &'static str,
        /// What is wrong with it.
        detail: String,
    },
    /// A request whose id is already in flight from the same requester: MCP forbids reusing
    /// a request id within a session, and a proxy that matches answers to requests by id
    /// would attribute one request's answer to another.
    #[error("request id {0} is already in flight; it was not forwarded (MCP: a request id must not be reused within a session)")]
    DuplicateRequestId(String),
    /// More requests wait for an answer than the proxy keeps.
    #[error("{limit} requests are already waiting for the server; this one was not forwarded")]
    TooManyPending {
        /// The bound.
        limit: usize,
    },
    /// A task-augmented request (`params.task`) or a `tasks/*` request: the tool's result
    /// would come later through `tasks/result`, outside the call the proxy decided on and
    /// receipted, so the proxy does not relay tasks.
    #[error("{0}: MCP tasks are not relayed by this proxy (a task's result would reach the client without a receipt); call the tool without \"task\"")]
    TasksUnsupported(String),
    /// A response from the server to no request in flight (never sent, already answered,
    /// or still held by the proxy): dropped, never relayed, so nothing reaches the client
    /// as the answer to a call the proxy did not forward and receipt.
    #[error("response to {0}, which is not a request in flight to the server: dropped")]
    UnsolicitedResponse(String),
}

impl McpError {
    /// Stable, machine-readable reason code.
    pub fn reason_code(&self) -> &'static str {
        match self {
            McpError::TooLarge { .. } => "MCP_MESSAGE_TOO_LARGE",
            McpError::Json(_) => "MCP_INVALID_JSON",
            McpError::Batch => "MCP_BATCH_UNSUPPORTED",
            McpError::InvalidMessage(_) => "MCP_INVALID_MESSAGE",
            McpError::InvalidParams(_) => "MCP_INVALID_PARAMS",
            McpError::InvalidListing(_) => "MCP_INVALID_LISTING",
            McpError::HeaderMismatch { .. } => "MCP_HEADER_MISMATCH",
            McpError::DuplicateRequestId(_) => "MCP_DUPLICATE_REQUEST_ID",
            McpError::TooManyPending { .. } => "MCP_TOO_MANY_PENDING",
            McpError::TasksUnsupported(_) => "MCP_TASKS_UNSUPPORTED",
            McpError::UnsolicitedResponse(_) => "MCP_UNSOLICITED_RESPONSE",
        }
    }

    /// The JSON-RPC error code for the peer: -32700 parse error, -32600 invalid request,
    /// -32602 invalid params, -32603 internal error (a server answer the proxy refuses),
    /// -32020 `HeaderMismatch` (MCP 2026-07-28, Streamable HTTP).
    pub fn rpc_code(&self) -> i64 {
        match self {
            McpError::Json(_) => -32700,
            McpError::TooLarge { .. }
            | McpError::Batch
            | McpError::InvalidMessage(_)
            | McpError::DuplicateRequestId(_)
            | McpError::TasksUnsupported(_) => -32600,
            McpError::InvalidParams(_) => -32602,
            McpError::InvalidListing(_)
            | McpError::TooManyPending { .. }
            | McpError::UnsolicitedResponse(_) => -32603,
            McpError::HeaderMismatch { .. } => -32020,
        }
    }
}
