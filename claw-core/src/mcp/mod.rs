//! MCP (Model Context Protocol) at the proxy boundary: the rules a proxy between an MCP
//! client and an MCP server applies, shared by every transport (the stdio proxy of
//! `claw mcp wrap`, the Streamable HTTP proxy). Pure: the transports read and write bytes,
//! this module says what the bytes are and what to do with them (docs/SPEC.md §10).
//!
//! - [`message`]: one JSON-RPC 2.0 message, parsed strictly and bounded, classified as a
//!   request, a notification or a response;
//! - [`gate`]: a `tools/call` as a WPC request (tool name as the resource, the server's name
//!   in the `Mcp:Server` context key), the decision with a recorded human approval, the
//!   answer shown to the model when the call is refused, the `tools/list` filter, the
//!   elicitation that asks a human;
//! - [`data`]: `resources/read`, `resources/subscribe` and `prompts/get` as WPC requests
//!   (`mcp:read_resource` on the URI, `mcp:get_prompt` on the name), their refusal, the
//!   filter of the resource, template and prompt listings and of `completion/complete`;
//! - [`offered`]: the tool names a server listed: a call to a name it never listed is
//!   refused before the policy sees it;
//! - [`headers`]: the Streamable HTTP `Mcp-Method` / `Mcp-Name` headers against the body;
//! - [`sse`]: a Streamable HTTP event stream split into its messages;
//! - [`in_flight`]: the requests a client has in flight, one per id, bounded.

pub mod data;
mod error;
pub mod gate;
pub mod headers;
pub mod in_flight;
pub mod message;
pub mod offered;
pub mod sse;

pub use data::{
    data_denial, data_list_method, filter_data_list, Completion, DataRequest, ACTION_GET_PROMPT,
    ACTION_READ_RESOURCE, RPC_CODE_DENIED,
};
pub use error::McpError;
pub use gate::{
    client_supports_elicitation, decide_call, decide_request, denial_result, elicitation_answer,
    elicitation_request, filter_tools_list, listing_visible, visible_in_listing, Approvable,
    Approval, CallDecision, Listing, ToolCall, KEY_MCP_SERVER,
};
pub use headers::{check_http_headers, decode_header_value};
pub use in_flight::{InFlight, MAX_IN_FLIGHT};
pub use message::{
    check_relayable, error_response, parse_message, refusal, result_response, IdKey, Message,
    DEFAULT_MAX_MESSAGE_BYTES,
};
pub use offered::{
    asks_first_page, tools_list_request, Offered, OfferedTools, MAX_LISTING_PAGES,
    MAX_OFFERED_TOOLS,
};
