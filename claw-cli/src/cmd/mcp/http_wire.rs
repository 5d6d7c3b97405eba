//! HTTP/1.1 as `claw mcp serve-http` speaks it: bounded request and response heads and
//! bodies (Content-Length, chunked, or to the end of a response), and whole responses.

use serde_json::Value;
use std::io::{self, BufRead, Read, Write};
use std::net::TcpStream;

/// One event of a Server-Sent Events body: its lines other than `data:` (`event:`, `id:`,
/// comments), and its data: the values of its `data:` lines (one space after the colon
/// dropped), joined by newlines; empty when it has none.
pub struct SseEvent {
    pub other: Vec<String>,
    pub data: String,
}

/// The events of an SSE body, in order (lines end with CRLF, LF or CR; a blank line ends an
/// event; blank events are skipped).
pub fn sse_events(body: &[u8]) -> Vec<SseEvent> {
    let text = String::from_utf8_lossy(body)
        .replace("\r\n", "\n")
        .replace('\r', "\n");
    let mut events = Vec::new();
    for event in text.split("\n\n") {
        if event.trim().is_empty() {
            continue;
        }
        let mut other = Vec::new();
        let mut data = String::new();
        for line in event.lines() {
            match line.strip_prefix("data:") {
                Some(d) => {
                    if !data.is_empty() {
                        data.push('\n');
                    }
                    data.push_str(d.strip_prefix(' ').unwrap_or(d));
                }
                None => other.push(line.to_string()),
            }
        }
        events.push(SseEvent { other, data });
    }
    events
}

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
    let too_big = || bad_data("body too large");
    if head
        .get("transfer-encoding")
        .is_some_and(|t| t.eq_ignore_ascii_case("chunked"))
    {
        let mut out = Vec::new();
        loop {
            let mut size_line = String::new();
            r.take(1024).read_line(&mut size_line)?;
            let size_hex = size_line.trim().split(';').next().unwrap_or("");
            let size =
                usize::from_str_radix(size_hex, 16).map_err(|_| bad_data("bad chunk size"))?;
            if size == 0 {
                // Trailers up to the blank line.
                loop {
                    let mut t = String::new();
                    if r.take(8192).read_line(&mut t)? == 0 || t.trim().is_empty() {
                        return Ok(out);
                    }
                }
            }
            if out.len().saturating_add(size) > max {
                return Err(too_big());
            }
            let start = out.len();
            out.resize(start + size, 0);
            r.read_exact(&mut out[start..])?;
            let mut crlf = [0u8; 2];
            r.read_exact(&mut crlf)?;
        }
    }
    if let Some(n) = head.get("content-length") {
        let n: usize = n.parse().map_err(|_| bad_data("bad Content-Length"))?;
        if n > max {
            return Err(too_big());
        }
        let mut out = vec![0u8; n];
        r.read_exact(&mut out)?;
        return Ok(out);
    }
    let mut out = Vec::new();
    if to_eof {
        r.take(max as u64 + 1).read_to_end(&mut out)?;
        if out.len() > max {
            return Err(too_big());
        }
    }
    Ok(out)
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

/// The head of a `text/event-stream` answer whose end is the connection's close.
pub fn start_sse(w: &mut TcpStream) -> io::Result<()> {
    w.write_all(
        b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nCache-Control: no-cache\r\nConnection: close\r\n\r\n",
    )?;
    w.flush()
}

/// One message as one Server-Sent Event (`event: message`, the JSON on one `data:` line).
pub fn sse_event(v: &Value) -> Vec<u8> {
    let mut out = b"event: message\ndata: ".to_vec();
    out.extend_from_slice(&serde_json::to_vec(v).unwrap_or_default());
    out.extend_from_slice(b"\n\n");
    out
}
