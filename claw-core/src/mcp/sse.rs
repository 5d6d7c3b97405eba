//! Server-Sent Events as the Streamable HTTP transport carries MCP messages: a body split
//! into events, each event's `data:` lines joined into one message (docs/SPEC.md §10.6.1).
//! The data is kept as bytes: a message that is not UTF-8 is refused where it is parsed
//! ([`super::parse_message`]), as on stdio, never repaired with U+FFFD. A stream is split
//! as it arrives ([`SseSplitter`]); [`sse_events`] splits a whole body the same way.

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

/// An event (its lines, line ends made LF) longer than the splitter's bound.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EventTooLarge {
    /// The bound, in bytes.
    pub max: usize,
}

/// An event stream split as it arrives: the bytes pushed, in pieces of any size, give the
/// events [`sse_events`] gives for their concatenation, each as soon as the blank line that
/// ends it has come. Lines end with CRLF, LF or CR (a CR at the end of one piece and an LF at
/// the start of the next are one line end); a blank line ends an event; blank events are
/// skipped. What it holds is the one event not yet ended, at most `max_event_bytes`.
#[derive(Debug)]
pub struct SseSplitter {
    /// The text not yet split, line ends made LF.
    text: Vec<u8>,
    /// `text[..scanned]` holds no event end that starts there.
    scanned: usize,
    /// The last byte pushed was a CR: an LF right after it is part of the same line end.
    after_cr: bool,
    max_event_bytes: usize,
}

impl SseSplitter {
    /// A splitter that refuses an event longer than `max_event_bytes` (line ends made LF).
    pub fn new(max_event_bytes: usize) -> SseSplitter {
        SseSplitter {
            text: Vec::new(),
            scanned: 0,
            after_cr: false,
            max_event_bytes,
        }
    }

    /// The events that `bytes` ends, in order. After [`EventTooLarge`] the stream cannot be
    /// split further (where the next event starts is unknown): stop reading it.
    pub fn push(&mut self, bytes: &[u8]) -> Result<Vec<SseEvent>, EventTooLarge> {
        // Line ends made LF, on the bytes (CR and LF never occur inside a UTF-8 sequence).
        for &b in bytes {
            match b {
                b'\r' => {
                    self.text.push(b'\n');
                    self.after_cr = true;
                    continue;
                }
                b'\n' if self.after_cr => {}
                b => self.text.push(b),
            }
            self.after_cr = false;
        }
        let mut events = Vec::new();
        let mut start = 0;
        while let Some(at) = find_end(&self.text[start + self.scanned..]) {
            let end = start + self.scanned + at;
            events.extend(event(&self.text[start..end]));
            start = end + 2;
            self.scanned = 0;
        }
        self.text.drain(..start);
        self.scanned = self.text.len().saturating_sub(1);
        if self.text.len() > self.max_event_bytes {
            return Err(EventTooLarge {
                max: self.max_event_bytes,
            });
        }
        Ok(events)
    }

    /// The stream has ended: its last event, when it did not end with a blank line.
    pub fn finish(self) -> Option<SseEvent> {
        event(&self.text)
    }
}

/// Where the first blank line (`\n\n`) of `text` starts.
fn find_end(text: &[u8]) -> Option<usize> {
    text.windows(2).position(|w| w == b"\n\n")
}

/// The event of one block of lines (LF-ended), or none when the block is blank.
fn event(block: &[u8]) -> Option<SseEvent> {
    if block.iter().all(u8::is_ascii_whitespace) {
        return None;
    }
    let mut other = Vec::new();
    let mut data: Vec<u8> = Vec::new();
    let mut has_data = false;
    for line in block.split(|&b| b == b'\n') {
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
    Some(SseEvent { other, data })
}

/// The events of a whole SSE body, in order (as [`SseSplitter`] splits it, unbounded).
pub fn sse_events(body: &[u8]) -> Vec<SseEvent> {
    let mut s = SseSplitter::new(usize::MAX);
    let mut events = s.push(body).unwrap_or_default();
    events.extend(s.finish());
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

    /// Every split of a stream into two or three pieces gives the events of the whole body.
    #[test]
    fn a_stream_split_anywhere_gives_the_same_events() {
        let body: &[u8] = b": c\r\nevent: message\r\ndata: {\"a\":\r\ndata:1}\r\n\r\n\
                            data: x\rdata: y\r\r\n\n\nid: 7\ndata: \xff\n\r\n\rdata: last";
        let whole = sse_events(body);
        assert_eq!(whole.len(), 4);
        for i in 0..=body.len() {
            for j in i..=body.len() {
                let mut s = SseSplitter::new(64);
                let mut got = Vec::new();
                for piece in [&body[..i], &body[i..j], &body[j..]] {
                    got.extend(s.push(piece).unwrap());
                }
                got.extend(s.finish());
                assert_eq!(got, whole, "split at {i} and {j}");
            }
        }
    }

    /// An event is refused once it outgrows the bound, even before its end has come; what
    /// the splitter holds is never much more than the bound and the last piece.
    #[test]
    fn an_event_above_the_bound_is_refused() {
        let mut s = SseSplitter::new(16);
        assert_eq!(s.push(b"data: 0123456789\n\n").unwrap().len(), 1);
        assert_eq!(s.push(b"data: 0123456789"), Ok(vec![]));
        assert_eq!(s.push(b"abc"), Err(EventTooLarge { max: 16 }));
        let mut s = SseSplitter::new(16);
        let ended = s.push(b"data: 0123456789abcdefgh\n\ndata: x\n\n").unwrap();
        assert_eq!(
            ended.len(),
            2,
            "events that ended in the same piece are not refused"
        );
    }
}
