//! The Streamable HTTP request headers that mirror the body (SEP-2243, in the MCP revision
//! 2026-07-28): `Mcp-Method` = `method`; `Mcp-Name` = `params.name` for `tools/call` and
//! `prompts/get`, `params.uri` for `resources/read`. A value outside the header character set
//! travels Base64-encoded inside the sentinel `=?base64?…?=` (prefix case-insensitive). A
//! server that reads the body must refuse a request whose headers disagree with it
//! (HTTP 400, JSON-RPC `-32020` HeaderMismatch).

use super::{McpError, Message};
use serde_json::Value;

/// Decode a header value: the Base64 sentinel `=?base64?B64?=` (standard alphabet, padding
/// optional) to its UTF-8 text, anything else as is.
pub fn decode_header_value(raw: &str) -> Result<String, McpError> {
    let bad = |detail: &str| McpError::HeaderMismatch {
        header: "Mcp-Name",
        detail: detail.to_string(),
    };
    let lower = raw.get(..9).map(str::to_ascii_lowercase);
    if lower.as_deref() == Some("=?base64?") && raw.len() >= 11 && raw.ends_with("?=") {
        let inner = raw
            .get(9..raw.len() - 2)
            .ok_or_else(|| bad("bad sentinel"))?;
        let bytes = decode_std_b64(inner).ok_or_else(|| bad("bad Base64 in the sentinel"))?;
        return String::from_utf8(bytes).map_err(|_| bad("the sentinel is not UTF-8"));
    }
    Ok(raw.to_string())
}

/// Standard-alphabet Base64 with optional padding; `None` on any other character.
fn decode_std_b64(s: &str) -> Option<Vec<u8>> {
    let s = s.trim_end_matches('=');
    let mut out = Vec::with_capacity(s.len() * 3 / 4);
    let (mut acc, mut bits) = (0u32, 0u32);
    for c in s.bytes() {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => return None,
        };
        acc = (acc << 6) | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push(((acc >> bits) & 0xff) as u8);
        }
    }
    if bits >= 6 {
        return None;
    }
    Some(out)
}

/// The body field `Mcp-Name` mirrors for `method`, if any.
fn named_field<'a>(method: &str, params: Option<&'a Value>) -> Option<Option<&'a str>> {
    let field = match method {
        "tools/call" | "prompts/get" => "name",
        "resources/read" => "uri",
        _ => return None,
    };
    Some(params.and_then(|p| p.get(field)).and_then(Value::as_str))
}

/// Check the `Mcp-Method` / `Mcp-Name` headers of a POST against its body. A header that is
/// present must agree with the body. With `require` (the negotiated revision is 2026-07-28
/// or later), a missing `Mcp-Method` on a request or notification, or a missing `Mcp-Name`
/// where one is mirrored, is refused too. Responses carry neither header.
pub fn check_http_headers(
    method_header: Option<&str>,
    name_header: Option<&str>,
    msg: &Message,
    require: bool,
) -> Result<(), McpError> {
    let mismatch =
        |header: &'static str, detail: String| McpError::HeaderMismatch { header, detail };
    let Some(method) = msg.method() else {
        if method_header.is_some() || name_header.is_some() {
            return Err(mismatch("Mcp-Method", "is set on a response".into()));
        }
        return Ok(());
    };
    match method_header {
        Some(h) if h != method => {
            return Err(mismatch(
                "Mcp-Method",
                format!("{h:?} disagrees with the body's method {method:?}"),
            ))
        }
        None if require => return Err(mismatch("Mcp-Method", "is missing".into())),
        _ => {}
    }
    match (named_field(method, msg.params()), name_header) {
        (None, Some(_)) => Err(mismatch(
            "Mcp-Name",
            format!("is set but {method} has no named target"),
        )),
        (None, None) => Ok(()),
        (Some(body), Some(h)) => {
            let h = decode_header_value(h)?;
            if body == Some(h.as_str()) {
                Ok(())
            } else {
                Err(mismatch(
                    "Mcp-Name",
                    format!("{h:?} disagrees with the body ({body:?})"),
                ))
            }
        }
        (Some(_), None) if require => Err(mismatch("Mcp-Name", "is missing".into())),
        (Some(_), None) => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mcp::parse_message;

    fn msg(s: &str) -> Message {
        parse_message(s.as_bytes(), 1 << 16).unwrap()
    }

    #[test]
    fn agree_or_refuse() {
        let call =
            msg(r#"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"read_file"}}"#);
        assert!(check_http_headers(Some("tools/call"), Some("read_file"), &call, true).is_ok());
        // read_file in the sentinel
        assert!(check_http_headers(
            Some("tools/call"),
            Some("=?BASE64?cmVhZF9maWxl?="),
            &call,
            true
        )
        .is_ok());
        for (m, n) in [
            (Some("tools/list"), Some("read_file")),
            (Some("tools/call"), Some("write_file")),
            (Some("tools/call"), Some("=?base64?d3JpdGVfZmlsZQ==?=")),
            (Some("tools/call"), Some("=?base64?***?=")),
            (None, Some("read_file")),
            (Some("tools/call"), None),
        ] {
            let e = check_http_headers(m, n, &call, true).unwrap_err();
            assert_eq!(e.reason_code(), "MCP_HEADER_MISMATCH");
            assert_eq!(e.rpc_code(), -32020);
        }
        // Older revisions: absent headers pass, present ones must still agree.
        assert!(check_http_headers(None, None, &call, false).is_ok());
        assert!(check_http_headers(None, Some("x"), &call, false).is_err());
        let list = msg(r#"{"jsonrpc":"2.0","id":1,"method":"tools/list"}"#);
        assert!(check_http_headers(Some("tools/list"), None, &list, true).is_ok());
        assert!(check_http_headers(Some("tools/list"), Some("x"), &list, true).is_err());
        let read = msg(
            r#"{"jsonrpc":"2.0","id":1,"method":"resources/read","params":{"uri":"file:///a"}}"#,
        );
        assert!(check_http_headers(Some("resources/read"), Some("file:///a"), &read, true).is_ok());
    }
}
