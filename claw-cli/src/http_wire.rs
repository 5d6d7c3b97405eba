//! HTTP/1.1 as `claw mcp serve-http` speaks it (docs/SPEC.md §10.6.1): bounded request and
//! response heads and bodies (Content-Length, chunked, or to the end of a response), read
//! whole or as they arrive, and the responses it writes.

use serde_json::Value;
use std::io::{self, BufRead, Read, Write};
use std::net::TcpStream;

pub use claw_core::mcp::sse::{sse_events, SseEvent};

/// The largest request or response head.
pub const MAX_HEAD_BYTES: usize = 64 * 1024;

/// A request or response head: the first line and the headers (names lower-cased).
#[derive(Debug)]
pub struct Head {
    pub line: String,
    pub headers: Vec<(String, String)>,
}

impl Head {
    pub fn get(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
    pub fn count(&self, name: &str) -> usize {
        self.headers.iter().filter(|(k, _)| k == name).count()
    }
}

fn bad_data(m: &str) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, m.to_string())
}

/// A body above its bound (told apart from malformed framing: 413, not 400).
#[derive(Debug)]
pub struct BodyTooLarge;

impl std::fmt::Display for BodyTooLarge {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("body too large")
    }
}

impl std::error::Error for BodyTooLarge {}

/// What a failed read of a request was: too large (413), not received in time (408), or
/// anything else (400).
#[derive(Debug)]
pub enum ReadFailure {
    TooLarge,
    TimedOut,
    Malformed(String),
}

impl ReadFailure {
    pub fn of(e: &io::Error) -> ReadFailure {
        if e.get_ref().is_some_and(|x| x.is::<BodyTooLarge>()) {
            return ReadFailure::TooLarge;
        }
        match e.kind() {
            io::ErrorKind::TimedOut | io::ErrorKind::WouldBlock => ReadFailure::TimedOut,
            _ => ReadFailure::Malformed(e.to_string()),
        }
    }
}

/// A socket read with one deadline for the whole request, not one per read: a client that
/// sends a byte now and then cannot hold a connection past it.
#[derive(Debug)]
pub struct Deadline {
    pub stream: TcpStream,
    pub until: std::time::Instant,
}

impl Read for Deadline {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let left = self
            .until
            .saturating_duration_since(std::time::Instant::now());
        if left.is_zero() {
            return Err(io::Error::new(
                io::ErrorKind::TimedOut,
                "the request was not received in time",
            ));
        }
        self.stream.set_read_timeout(Some(left))?;
        self.stream.read(buf)
    }
}

pub fn read_head(r: &mut impl BufRead) -> io::Result<Head> {
    let mut total = 0usize;
    let mut line = Vec::new();
    let mut next = |r: &mut dyn BufRead, line: &mut Vec<u8>| -> io::Result<String> {
        line.clear();
        let n = r
            .take((MAX_HEAD_BYTES - total.min(MAX_HEAD_BYTES)) as u64)
            .read_until(b'\n', line)?;
        total += n;
        if n == 0 || line.last() != Some(&b'\n') {
            return Err(bad_data("head too large or truncated"));
        }
        let s = String::from_utf8(std::mem::take(line)).map_err(|_| bad_data("head not UTF-8"))?;
        Ok(s.trim_end_matches(['\r', '\n']).to_string())
    };
    let first = next(r, &mut line)?;
    let mut headers = Vec::new();
    loop {
        let l = next(r, &mut line)?;
        if l.is_empty() {
            break;
        }
        let (k, v) = l
            .split_once(':')
            .ok_or_else(|| bad_data("bad header line"))?;
        headers.push((k.trim().to_ascii_lowercase(), v.trim().to_string()));
    }
    Ok(Head {
        line: first,
        headers,
    })
}

/// A body by Content-Length, chunked, or (responses only) to the end; at most `max` bytes.
pub fn read_body(
    r: &mut impl BufRead,
    head: &Head,
    max: usize,
    to_eof: bool,
) -> io::Result<Vec<u8>> {
    Body::new(r, head, to_eof)?.read_bounded(max)
}

/// How a body's end is known.
#[derive(Debug)]
enum Framing {
    /// `Content-Length`: the bytes still to come.
    Length(u64),
    /// `Transfer-Encoding: chunked`: the bytes still to come in the current chunk (0:
    /// the next size line is due).
    Chunked(u64),
    /// A response without either: up to the connection's close.
    ToEof,
    /// No body (a request without either), or the last chunk and its trailers were read.
    Done,
}

/// A body read as it arrives, by the one framing its head states (RFC 9112 §6.3: a message
/// with both `Content-Length` and `Transfer-Encoding`, or with two lengths, is how requests
/// are smuggled past one reader and not another). Chunk sizes are hex digits only, each
/// chunk ends with CRLF, trailers at most [`MAX_HEAD_BYTES`]; a body cut short is an
/// `UnexpectedEof` error, never a short body.
#[derive(Debug)]
pub struct Body<R> {
    r: R,
    framing: Framing,
}

impl<R: BufRead> Body<R> {
    /// The body that follows `head` on `r`; `to_eof`: a response, which may run to the
    /// connection's close.
    pub fn new(r: R, head: &Head, to_eof: bool) -> io::Result<Body<R>> {
        let te = head.get("transfer-encoding");
        if head.count("transfer-encoding") > 1 || head.count("content-length") > 1 {
            return Err(bad_data("Transfer-Encoding or Content-Length given twice"));
        }
        if te.is_some() && head.get("content-length").is_some() {
            return Err(bad_data("both Transfer-Encoding and Content-Length"));
        }
        if te.is_some_and(|t| !t.eq_ignore_ascii_case("chunked")) {
            return Err(bad_data("a Transfer-Encoding other than chunked"));
        }
        let framing = if te.is_some() {
            Framing::Chunked(0)
        } else if let Some(n) = head.get("content-length") {
            if n.is_empty() || !n.bytes().all(|b| b.is_ascii_digit()) {
                return Err(bad_data("bad Content-Length"));
            }
            Framing::Length(n.parse().map_err(|_| bad_data("bad Content-Length"))?)
        } else if to_eof {
            Framing::ToEof
        } else {
            Framing::Done
        };
        Ok(Body { r, framing })
    }

    /// The whole body, refused (`BodyTooLarge`) once it is known to exceed `max` bytes.
    pub fn read_bounded(mut self, max: usize) -> io::Result<Vec<u8>> {
        let too_big = || io::Error::new(io::ErrorKind::InvalidData, BodyTooLarge);
        if let Framing::Length(n) = self.framing {
            if n > max as u64 {
                return Err(too_big());
            }
        }
        let mut out = Vec::new();
        (&mut self).take(max as u64 + 1).read_to_end(&mut out)?;
        if out.len() > max {
            return Err(too_big());
        }
        Ok(out)
    }

    /// The next chunk's size, or the trailers after the last chunk (then `Done`).
    fn next_chunk(&mut self) -> io::Result<()> {
        let mut size_line = String::new();
        (&mut self.r).take(1024).read_line(&mut size_line)?;
        let size_hex = size_line.trim().split(';').next().unwrap_or("");
        if size_hex.is_empty() || !size_hex.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(bad_data("bad chunk size"));
        }
        let size = u64::from_str_radix(size_hex, 16).map_err(|_| bad_data("bad chunk size"))?;
        if size > 0 {
            self.framing = Framing::Chunked(size);
            return Ok(());
        }
        // Trailers up to the blank line, within the bound of a head.
        let mut trailers = 0usize;
        loop {
            let mut t = String::new();
            let n = (&mut self.r).take(8192).read_line(&mut t)?;
            trailers = trailers.saturating_add(n);
            if trailers > MAX_HEAD_BYTES {
                return Err(bad_data("trailers too large"));
            }
            if n == 0 || t.trim().is_empty() {
                self.framing = Framing::Done;
                return Ok(());
            }
        }
    }
}

impl<R: BufRead> Read for Body<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        loop {
            let left = match self.framing {
                Framing::Done | Framing::Length(0) => return Ok(0),
                Framing::ToEof => return self.r.read(buf),
                Framing::Chunked(0) => {
                    self.next_chunk()?;
                    continue;
                }
                Framing::Length(n) | Framing::Chunked(n) => n,
            };
            let want = usize::try_from(left).unwrap_or(usize::MAX).min(buf.len());
            let got = self.r.read(&mut buf[..want])?;
            if got == 0 {
                return Err(io::Error::new(
                    io::ErrorKind::UnexpectedEof,
                    "the body ended before its length",
                ));
            }
            let rest = left - got as u64;
            self.framing = match self.framing {
                Framing::Length(_) => Framing::Length(rest),
                _ => {
                    if rest == 0 {
                        let mut crlf = [0u8; 2];
                        self.r.read_exact(&mut crlf)?;
                        if &crlf != b"\r\n" {
                            return Err(bad_data("a chunk not ended by CRLF"));
                        }
                    }
                    Framing::Chunked(rest)
                }
            };
            return Ok(got);
        }
    }
}

pub fn respond(w: &mut TcpStream, status: &str, headers: &[(&str, &str)], body: &[u8]) {
    let mut out = format!(
        "HTTP/1.1 {status}\r\nContent-Length: {}\r\nConnection: close\r\n",
        body.len()
    );
    for (k, v) in headers {
        out.push_str(&format!("{k}: {v}\r\n"));
    }
    out.push_str("\r\n");
    let _ = w
        .write_all(out.as_bytes())
        .and_then(|_| w.write_all(body))
        .and_then(|_| w.flush());
}

pub fn respond_json(w: &mut TcpStream, status: &str, v: &Value) {
    let body = serde_json::to_vec(v).unwrap_or_default();
    respond(w, status, &[("Content-Type", "application/json")], &body);
}

/// The head of a `text/event-stream` answer whose end is the connection's close, with
/// `status` and, when given, the `Mcp-Session-Id` it belongs to.
pub fn start_sse(w: &mut TcpStream, status: &str, session: Option<&str>) -> io::Result<()> {
    let mut out = format!(
        "HTTP/1.1 {status}\r\nContent-Type: text/event-stream\r\nCache-Control: no-cache\r\nConnection: close\r\n"
    );
    if let Some(s) = session {
        out.push_str(&format!("Mcp-Session-Id: {s}\r\n"));
    }
    out.push_str("\r\n");
    w.write_all(out.as_bytes())?;
    w.flush()
}

/// One message as one Server-Sent Event (`event: message`, the JSON on one `data:` line).
pub fn sse_event(v: &Value) -> Vec<u8> {
    sse_event_of(
        &["event: message"],
        Some(&serde_json::to_vec(v).unwrap_or_default()),
    )
}

/// One event: its `fields` lines (`event:`, `id:`, comments) as they are, then, when given,
/// `data` with each of its lines (ended by CRLF, LF or CR) as a `data:` line, so a reader
/// joins them back with LF into the same message (a JSON text's line ends are whitespace).
pub fn sse_event_of(fields: &[impl AsRef<str>], data: Option<&[u8]>) -> Vec<u8> {
    let mut out = Vec::new();
    for f in fields {
        out.extend_from_slice(f.as_ref().as_bytes());
        out.push(b'\n');
    }
    if let Some(d) = data {
        let mut rest = d;
        loop {
            let end = rest.iter().position(|&b| b == b'\n' || b == b'\r');
            out.extend_from_slice(b"data: ");
            out.extend_from_slice(&rest[..end.unwrap_or(rest.len())]);
            out.push(b'\n');
            let Some(at) = end else { break };
            let skip = if rest[at..].starts_with(b"\r\n") {
                2
            } else {
                1
            };
            rest = &rest[at + skip..];
        }
    }
    out.push(b'\n');
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Cursor;

    /// Request heads and bodies from a mutated corpus (a fixed seed): never a panic, never a
    /// body above its bound, never a head above 64 KiB.
    #[test]
    fn framing_survives_mutated_requests() {
        let seeds: [&[u8]; 5] = [
            b"POST /mcp HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello",
            b"POST /mcp HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5;x=y\r\nhello\r\n0\r\nT: 1\r\n\r\n",
            b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n\r\ndata: {}\n\n",
            b"POST / HTTP/1.1\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
            b"GET / HTTP/1.1\r\n\r\n",
        ];
        let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
        let mut next = move || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        for round in 0..20_000usize {
            let mut input = seeds[round % seeds.len()].to_vec();
            for _ in 0..(next() % 6) {
                let at = (next() as usize) % (input.len() + 1);
                match next() % 4 {
                    0 if at < input.len() => input[at] = next() as u8,
                    1 => input.insert(at, b"\r\n:0;-+fF"[(next() % 9) as usize]),
                    2 if at < input.len() => {
                        input.remove(at);
                    }
                    _ => input.extend(std::iter::repeat_n(b'f', (next() % 40) as usize)),
                }
            }
            let mut r = Cursor::new(&input[..]);
            if let Ok(head) = read_head(&mut r) {
                assert!(head.line.len() <= MAX_HEAD_BYTES);
                if let Ok(body) = read_body(&mut r, &head, 64, round % 2 == 0) {
                    assert!(body.len() <= 64, "{:?}", String::from_utf8_lossy(&input));
                }
            }
        }
    }

    /// A body read a few bytes at a time is the body read whole; a chunk not ended by CRLF
    /// and a body cut short are errors, never a short body.
    #[test]
    fn a_body_read_as_it_arrives() {
        let chunked = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n\
                        5\r\nhello\r\n1;ext\r\n \r\n6\r\nworld!\r\n0\r\nX: y\r\n\r\nNEXT";
        let length = b"HTTP/1.1 200 OK\r\nContent-Length: 12\r\n\r\nhello world!NEXT";
        let close = b"HTTP/1.1 200 OK\r\n\r\nhello world!";
        for input in [&chunked[..], &length[..], &close[..]] {
            let mut r = Cursor::new(input);
            let head = read_head(&mut r).unwrap();
            let mut body = Body::new(&mut r, &head, true).unwrap();
            let mut got = Vec::new();
            let mut buf = [0u8; 3];
            loop {
                match body.read(&mut buf).unwrap() {
                    0 => break,
                    n => got.extend_from_slice(&buf[..n]),
                }
            }
            assert_eq!(got, b"hello world!");
        }
        let bad = [
            &b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhelloXY0\r\n\r\n"[..],
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhel",
            b"HTTP/1.1 200 OK\r\nContent-Length: 12\r\n\r\nhello",
        ];
        for input in bad {
            let mut r = Cursor::new(input);
            let head = read_head(&mut r).unwrap();
            assert!(read_body(&mut r, &head, 64, true).is_err());
        }
    }

    /// An event's data lines read back as the message that was written, whatever its line
    /// ends; its other fields kept in order.
    #[test]
    fn an_event_carries_a_multi_line_message_whole() {
        for data in [&b"{\"a\":1}"[..], b"{\n  \"a\": 1\r\n}\r", b"\n", b""] {
            let event = sse_event_of(&["id: 7", "event: message"], Some(data));
            let read = sse_events(&event);
            assert_eq!(read.len(), 1, "{:?}", String::from_utf8_lossy(&event));
            assert_eq!(read[0].other, ["id: 7", "event: message"]);
            let want: Vec<u8> = String::from_utf8_lossy(data)
                .replace("\r\n", "\n")
                .replace('\r', "\n")
                .into_bytes();
            assert_eq!(read[0].data, want);
        }
        let read = sse_events(&sse_event(&serde_json::json!({"k": "v\nw"})));
        assert_eq!(read[0].data, br#"{"k":"v\nw"}"#);
    }
}
