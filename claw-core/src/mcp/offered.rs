//! The tools a server has offered: a `tools/call` for a name the server never listed is not
//! decided by the policy at all but refused (docs/SPEC.md §10.3, step 0). The policy's globs
//! match names exactly; a server that matched names loosely (case-blind, trimmed, aliased)
//! would run `DELETE_file` as `delete_file` after the policy's `Deny delete_*` let it past.
//! Only names the server itself listed are decided, so the name the policy sees is the name
//! the server publishes.

use super::McpError;
use serde_json::{json, Value};
use std::collections::HashSet;

/// Bound on the names kept per server. A server that lists more is treated as having listed
/// only the first ones: a call to any other is refused, never let through.
pub const MAX_OFFERED_TOOLS: usize = 16_384;

/// Bound on the pages the proxy reads when it lists a server's tools itself.
pub const MAX_LISTING_PAGES: usize = 64;

/// What the proxy knows of one name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Offered {
    /// The server listed it.
    Listed,
    /// The server's whole listing was read and does not hold it: refuse the call
    /// (`MCP_TOOL_NOT_LISTED`).
    NotListed,
    /// No whole listing has been read since the server last said its tools changed: list
    /// them first.
    Unknown,
}

impl Offered {
    /// The reason a call to the name is refused before the policy sees it:
    /// `MCP_TOOL_NOT_LISTED` (the server's whole listing does not hold it),
    /// `MCP_TOOL_LISTING_UNAVAILABLE` (no whole listing could be read); `None` when listed.
    pub fn refusal(self) -> Option<&'static str> {
        match self {
            Offered::Listed => None,
            Offered::NotListed => Some("MCP_TOOL_NOT_LISTED"),
            Offered::Unknown => Some("MCP_TOOL_LISTING_UNAVAILABLE"),
        }
    }
}

/// The tool names one server offered in its `tools/list` answers (every page, whoever asked),
/// and whether a whole listing (its last page: no `nextCursor`) has been read since the
/// server last announced `notifications/tools/list_changed`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OfferedTools {
    names: HashSet<String>,
    complete: bool,
}

impl OfferedTools {
    /// Take in one page of a `tools/list` result: its tool names (entries without a string
    /// name add nothing), and, when it has no `nextCursor` and `from_first_page` holds, that
    /// the listing is whole. `from_first_page`: this page is a first page (its request had no
    /// cursor), or every page before it was read from the first (the proxy's own listing); a
    /// client that resumed from a cursor has not shown the pages before it. Returns the next
    /// cursor of a page that has one (a non-empty string). A result without a `tools` array
    /// is refused (`MCP_INVALID_LISTING`) and changes nothing.
    pub fn note_page(
        &mut self,
        result: &Value,
        from_first_page: bool,
    ) -> Result<Option<String>, McpError> {
        let tools = result
            .get("tools")
            .and_then(Value::as_array)
            .ok_or_else(|| {
                McpError::InvalidListing("tools/list: \"tools\" is not an array".into())
            })?;
        for name in tools.iter().filter_map(|t| t.get("name")?.as_str()) {
            if self.names.len() >= MAX_OFFERED_TOOLS {
                break;
            }
            if !name.is_empty() && !self.names.contains(name) {
                self.names.insert(name.to_string());
            }
        }
        match result.get("nextCursor") {
            Some(Value::String(c)) if !c.is_empty() => Ok(Some(c.clone())),
            _ => {
                self.complete |= from_first_page;
                Ok(None)
            }
        }
    }

    /// The server said its tools changed (`notifications/tools/list_changed`): a name it
    /// has not listed yet may be new, so the next call to one lists the tools again. Names
    /// already listed stay listed.
    pub fn changed(&mut self) {
        self.complete = false;
    }

    /// What is known of `name`.
    pub fn offered(&self, name: &str) -> Offered {
        if self.names.contains(name) {
            Offered::Listed
        } else if self.complete {
            Offered::NotListed
        } else {
            Offered::Unknown
        }
    }
}

/// Whether a `tools/list` request asks for a first page (`params` has no `cursor`): the
/// `from_first_page` of its answer ([`OfferedTools::note_page`]).
pub fn asks_first_page(params: Option<&Value>) -> bool {
    params.and_then(|p| p.get("cursor")).is_none()
}

/// The `tools/list` request the proxy sends on its own (id `id`, from page `cursor`).
pub fn tools_list_request(id: &Value, cursor: Option<&str>) -> Value {
    match cursor {
        Some(c) => {
            json!({"jsonrpc": "2.0", "id": id, "method": "tools/list", "params": {"cursor": c}})
        }
        None => json!({"jsonrpc": "2.0", "id": id, "method": "tools/list"}),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn names_listed_on_every_page_and_whole_at_the_last() {
        let mut o = OfferedTools::default();
        assert_eq!(o.offered("read"), Offered::Unknown);
        let next = o.note_page(
            &json!({"tools": [{"name": "read"}, {"x": 1}], "nextCursor": "2"}),
            true,
        );
        assert_eq!(next.unwrap().as_deref(), Some("2"));
        assert_eq!(o.offered("read"), Offered::Listed);
        assert_eq!(o.offered("write"), Offered::Unknown);
        assert_eq!(
            o.note_page(&json!({"tools": [{"name": "write"}]}), true),
            Ok(None)
        );
        assert_eq!(o.offered("write"), Offered::Listed);
        assert_eq!(o.offered("WRITE"), Offered::NotListed);
        // The server's tools changed: unknown names are looked up again, listed ones stay.
        o.changed();
        assert_eq!(o.offered("WRITE"), Offered::Unknown);
        assert_eq!(o.offered("read"), Offered::Listed);
        // An empty or non-string cursor ends the listing.
        assert_eq!(
            o.note_page(&json!({"tools": [], "nextCursor": ""}), true),
            Ok(None)
        );
        assert_eq!(o.offered("WRITE"), Offered::NotListed);
        // A result that is not a listing is refused and changes nothing.
        o.changed();
        let e = o.note_page(&json!({}), true).unwrap_err();
        assert_eq!(e.reason_code(), "MCP_INVALID_LISTING");
        assert_eq!(o.offered("WRITE"), Offered::Unknown);
    }

    /// A last page read after resuming from a cursor does not make the listing whole: the
    /// pages before it were not seen.
    #[test]
    fn a_resumed_listing_is_not_whole() {
        let mut o = OfferedTools::default();
        assert_eq!(
            o.note_page(&json!({"tools": [{"name": "b"}]}), false),
            Ok(None)
        );
        assert_eq!(o.offered("b"), Offered::Listed);
        assert_eq!(o.offered("a"), Offered::Unknown);
    }

    #[test]
    fn bounded() {
        let mut o = OfferedTools::default();
        let tools: Vec<Value> = (0..MAX_OFFERED_TOOLS + 5)
            .map(|i| json!({"name": format!("t{i}")}))
            .collect();
        o.note_page(&json!({ "tools": tools }), true).unwrap();
        assert_eq!(o.names.len(), MAX_OFFERED_TOOLS);
        assert_eq!(o.offered("t0"), Offered::Listed);
        assert_eq!(
            o.offered(&format!("t{}", MAX_OFFERED_TOOLS + 1)),
            Offered::NotListed
        );
    }
}
