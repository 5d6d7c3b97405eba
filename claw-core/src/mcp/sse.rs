//! Server-Sent Events as the Streamable HTTP transport carries MCP messages: a body split
//! into events, each event's `data:` lines joined into one message (docs/SPEC.md §10.6.1).
//! The data is kept as bytes: a message that is not UTF-8 is refused where it is parsed
//! ([`super::parse_message`]), as on stdio, never repaired with U+FFFD.

/// One event of a Server-Sent Events body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SseEvent {
    /// The lines other than `data:` (`event:`, `id:`, comments), in order (not UTF-8:
    /// decoded with U+FFFD; they are relayed, never read).
    pub other: Vec<String>,
    /// The bytes of the `data:` lines (one space after the colon dropped), joined by LF;
    /// empty when there are none. Not decoded (module docs).
    pub data: Vec<u8>,
}

/// The events of an SSE body, in order (lines end with CRLF, LF or CR; a blank line ends an
/// event; blank events are skipped).
pub fn sse_events(body: &[u8]) -> Vec<SseEvent> {
    // Line ends made LF, on the bytes (CR and LF never occur inside a UTF-8 sequence).
    let mut text = Vec::with_capacity(body.len());
    let mut i = 0;
    while i < body.len() {
        match body[i] {
            b'\r' => {
                text.push(b'\n');
                if body.get(i + 1) == Some(&b'\n') {
                    i += 1;
                }
            }
            b => text.push(b),
        }
        i += 1;
    }
    let mut events = Vec::new();
    let mut rest = &text[..];
    while !rest.is_empty() {
        let (event, next) = match rest.windows(2).position(|w| w == b"\n\n") {
            Some(at) => (&rest[..at], &rest[at + 2..]),
            None => (rest, &rest[rest.len()..]),
        };
        rest = next;
        if event.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        let mut other = Vec::new();
        let mut data: Vec<u8> = Vec::new();
        let mut has_data = false;
        for line in event.split(|&b| b == b'\n') {
            match line.strip_prefix(b"data:") {
                Some(d) => {
                    if has_data {
                        data.push(b'\n');
                    }
                    has_data = true;
                    data.extend_from_slice(d.strip_prefix(b" ").unwrap_or(d));
                }
                None if line.is_empty() => {}
                None => other.push(String::from_utf8_lossy(line).into_owned()),
            }
        }
        events.push(SseEvent { other, data });
    }
    events
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sse_events_keep_data_bytes() {
        let body = b": comment\r\nevent: message\r\ndata: {\"a\":\r\ndata:1}\r\n\r\n\
                     data: x\rdata: y\r\r\n\n\nid: 7\ndata: \xff\xfe\n\n: only a comment";
        let ev = sse_events(body);
        assert_eq!(ev.len(), 4);
        assert_eq!(ev[0].other, [": comment", "event: message"]);
        assert_eq!(ev[0].data, b"{\"a\":\n1}");
        assert_eq!(ev[1].data, b"x\ny");
        assert!(ev[1].other.is_empty());
        // Not UTF-8: kept as it came, for the parser to refuse.
        assert_eq!(ev[2].other, ["id: 7"]);
        assert_eq!(ev[2].data, b"\xff\xfe");
        assert_eq!(ev[3].other, [": only a comment"]);
        assert!(ev[3].data.is_empty());
        assert!(sse_events(b"\n\n\r\n").is_empty());
    }
}
