//! The Streamable HTTP relay (`claw mcp serve-http`): an MCP endpoint at `POST /mcp` that
//! decides and records like the stdio proxy, and relays to one upstream MCP server over
//! HTTP/1.1. Plain `http://` upstreams only; one request per connection (`Connection: close`);
//! GET (the optional server-to-client stream) is answered 405, which the transport allows.

use super::gate::{allows, Gate};
use super::ServeHttpArgs;
use crate::{exit, Failure};
use claw_core::mcp::{self, denial_result, refusal, result_response, McpError, Message, ToolCall};
use serde_json::Value;
use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// The largest request or response head.
const MAX_HEAD_BYTES: usize = 64 * 1024;
/// At most this many client connections are served at once (beyond: 503).
const MAX_CONNECTIONS: usize = 64;

#[derive(Debug)]
struct Upstream {
    addr: String,
    host: String,
    path: String,
}

fn parse_upstream(url: &str) -> Result<Upstream, Failure> {
    let bad = || {
        crate::cmd::common::bad_arg(format!(
            "--upstream {url:?}: expected http://HOST:PORT/PATH"
        ))
    };
    let rest = url.strip_prefix("http://").ok_or_else(bad)?;
    let (host, path) = match rest.find('/') {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, "/"),
    };
    if host.is_empty() || host.contains('@') {
        return Err(bad());
    }
    let addr = if host.contains(':') {
        host.to_string()
    } else {
        format!("{host}:80")
    };
    Ok(Upstream {
        addr,
        host: host.to_string(),
        path: path.to_string(),
    })
}

/// A request or response head: the first line and the headers (names lower-cased).
#[derive(Debug)]
struct Head {
    line: String,
    headers: Vec<(String, String)>,
}

impl Head {
    fn get(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
    fn count(&self, name: &str) -> usize {
        self.headers.iter().filter(|(k, _)| k == name).count()
    }
}

fn bad_data(m: &str) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, m.to_string())
}

fn read_head(r: &mut impl BufRead) -> io::Result<Head> {
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
fn read_body(r: &mut impl BufRead, head: &Head, max: usize, to_eof: bool) -> io::Result<Vec<u8>> {
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

fn respond(w: &mut TcpStream, status: &str, headers: &[(&str, &str)], body: &[u8]) {
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

fn respond_json(w: &mut TcpStream, status: &str, v: &Value) {
    let body = serde_json::to_vec(v).unwrap_or_default();
    respond(w, status, &[("Content-Type", "application/json")], &body);
}

/// What the proxy does with the upstream's answer to a request.
enum Pending {
    None,
    Call { call: ToolCall, started: Instant },
    List,
}

struct Proxy {
    gate: Mutex<Gate>,
    upstream: Upstream,
    max_bytes: usize,
}

fn lock(m: &Mutex<Gate>) -> std::sync::MutexGuard<'_, Gate> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl Proxy {
    fn handle(&self, mut conn: TcpStream) {
        let _ = conn.set_read_timeout(Some(Duration::from_secs(30)));
        let Ok(reader) = conn.try_clone() else { return };
        let mut r = BufReader::new(reader);
        let head = match read_head(&mut r) {
            Ok(h) => h,
            Err(_) => return respond(&mut conn, "400 Bad Request", &[], b""),
        };
        let mut parts = head.line.split(' ');
        let (method, path) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""));
        if path.split('?').next() != Some("/mcp") {
            return respond(&mut conn, "404 Not Found", &[], b"");
        }
        match method {
            "POST" => {}
            "DELETE" => return self.forward_plain(&mut conn, &head, "DELETE"),
            _ => {
                return respond(
                    &mut conn,
                    "405 Method Not Allowed",
                    &[("Allow", "POST, DELETE")],
                    b"",
                )
            }
        }
        let body = match read_body(&mut r, &head, self.max_bytes, false) {
            Ok(b) => b,
            Err(_) => {
                let e = McpError::TooLarge {
                    size: self.max_bytes.saturating_add(1),
                    limit: self.max_bytes,
                };
                return respond_json(
                    &mut conn,
                    "413 Payload Too Large",
                    &refusal(&Value::Null, &e),
                );
            }
        };
        let msg = match mcp::parse_message(&body, self.max_bytes) {
            Ok(m) => m,
            Err(e) => {
                return respond_json(&mut conn, "400 Bad Request", &refusal(&Value::Null, &e))
            }
        };
        // SEP-2243: the headers must agree with the body (required from 2026-07-28 on); a
        // header given twice is a disagreement.
        let id = match &msg {
            Message::Request { id, .. } | Message::Response { id, .. } => id.clone(),
            Message::Notification { .. } => Value::Null,
        };
        let require = head
            .get("mcp-protocol-version")
            .is_some_and(|v| v >= "2026-07-28");
        let dup = ["mcp-method", "mcp-name"]
            .iter()
            .find(|h| head.count(h) > 1);
        let checked = match dup {
            Some(h) => Err(McpError::HeaderMismatch {
                header: if *h == "mcp-method" {
                    "Mcp-Method"
                } else {
                    "Mcp-Name"
                },
                detail: "is given twice".into(),
            }),
            None => {
                mcp::check_http_headers(head.get("mcp-method"), head.get("mcp-name"), &msg, require)
            }
        };
        if let Err(e) = checked {
            return respond_json(&mut conn, "400 Bad Request", &refusal(&id, &e));
        }
        let pending = match &msg {
            Message::Request { method, params, .. } if method == "tools/call" => {
                let call = match ToolCall::from_params(params.as_ref()) {
                    Ok(c) => c,
                    Err(e) => return respond_json(&mut conn, "200 OK", &refusal(&id, &e)),
                };
                let decided = lock(&self.gate).decide(&call);
                match decided {
                    Ok(d) if allows(&d) => Pending::Call {
                        call,
                        started: Instant::now(),
                    },
                    Ok(d) => {
                        // Approval through elicitation is not offered over HTTP (SPEC §10.4).
                        let server = lock(&self.gate).server().to_string();
                        return respond_json(
                            &mut conn,
                            "200 OK",
                            &result_response(&id, denial_result(&call.name, &server, &d)),
                        );
                    }
                    Err(f) => return respond_json(&mut conn, "200 OK", &failure_response(&id, &f)),
                }
            }
            Message::Request { method, .. } if method == "tools/list" => Pending::List,
            _ => Pending::None,
        };
        let (status, up_head, up_body) = match self.upstream_request("POST", &head, Some(&body)) {
            Ok(x) => x,
            Err(e) => {
                let f = Failure::new(exit::IO, "MCP_UPSTREAM_UNREACHABLE", e.to_string());
                return respond_json(&mut conn, "502 Bad Gateway", &failure_response(&id, &f));
            }
        };
        let ctype = up_head.get("content-type").unwrap_or("").to_string();
        let body = if matches!(pending, Pending::None) {
            up_body
        } else if ctype.starts_with("text/event-stream") {
            self.rewrite_sse(&up_body, &id, &pending)
        } else if ctype.starts_with("application/json") {
            match mcp::parse_message(&up_body, self.max_bytes) {
                Ok(m) => match self.on_answer(m, &id, &pending) {
                    Some(v) => serde_json::to_vec(&v).unwrap_or_default(),
                    None => up_body,
                },
                Err(_) => up_body,
            }
        } else {
            up_body
        };
        let mut headers: Vec<(&str, &str)> = Vec::new();
        if !ctype.is_empty() {
            headers.push(("Content-Type", &ctype));
        }
        if let Some(s) = up_head.get("mcp-session-id") {
            headers.push(("Mcp-Session-Id", s));
        }
        respond(&mut conn, &status, &headers, &body);
    }

    /// The rewritten answer to the client's request `id`, or None to pass it unchanged.
    fn on_answer(&self, msg: Message, id: &Value, pending: &Pending) -> Option<Value> {
        let Message::Response { id: rid, outcome } = msg else {
            return None;
        };
        if &rid != id {
            return None;
        }
        match pending {
            Pending::None => None,
            Pending::Call { call, started } => {
                let latency = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
                let (result, status) = match &outcome {
                    Ok(r) => (
                        r.clone(),
                        if r.get("isError").and_then(Value::as_bool) == Some(true) {
                            "error"
                        } else {
                            "success"
                        },
                    ),
                    Err(e) => (e.clone(), "error"),
                };
                match lock(&self.gate).record_result(call, result, status, latency) {
                    Ok(_) => None,
                    Err(f) => Some(failure_response(id, &f)),
                }
            }
            Pending::List => match outcome {
                Err(_) => None,
                Ok(r) => Some(match lock(&self.gate).listing(&r) {
                    Ok(l) => result_response(id, l.result),
                    Err(f) => failure_response(id, &f),
                }),
            },
        }
    }

    /// Rewrite the answer inside an SSE body: each event's data is one message.
    fn rewrite_sse(&self, body: &[u8], id: &Value, pending: &Pending) -> Vec<u8> {
        let text = String::from_utf8_lossy(body);
        let mut out = String::new();
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
                    None => other.push(line),
                }
            }
            let rewritten = mcp::parse_message(data.as_bytes(), self.max_bytes)
                .ok()
                .and_then(|m| self.on_answer(m, id, pending))
                .and_then(|v| serde_json::to_string(&v).ok());
            for l in other {
                out.push_str(l);
                out.push('\n');
            }
            if let Some(d) = rewritten
                .as_deref()
                .or((!data.is_empty()).then_some(data.as_str()))
            {
                for l in d.split('\n') {
                    out.push_str("data: ");
                    out.push_str(l);
                    out.push('\n');
                }
            }
            out.push('\n');
        }
        out.into_bytes()
    }

    fn forward_plain(&self, conn: &mut TcpStream, head: &Head, method: &str) {
        match self.upstream_request(method, head, None) {
            Ok((status, h, body)) => {
                let ctype = h.get("content-type").unwrap_or("text/plain").to_string();
                respond(conn, &status, &[("Content-Type", &ctype)], &body)
            }
            Err(_) => respond(conn, "502 Bad Gateway", &[], b""),
        }
    }

    /// One request to the upstream; the client's `Accept`, `Authorization`, `Last-Event-ID`
    /// and `Mcp-*` / `MCP-*` headers go along.
    fn upstream_request(
        &self,
        method: &str,
        head: &Head,
        body: Option<&[u8]>,
    ) -> io::Result<(String, Head, Vec<u8>)> {
        let mut s = TcpStream::connect(&self.upstream.addr)?;
        s.set_read_timeout(Some(Duration::from_secs(300)))?;
        let mut req = format!(
            "{method} {} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n",
            self.upstream.path, self.upstream.host
        );
        for (k, v) in &head.headers {
            if k == "accept"
                || k == "authorization"
                || k == "last-event-id"
                || k.starts_with("mcp-")
            {
                req.push_str(&format!("{k}: {v}\r\n"));
            }
        }
        if let Some(b) = body {
            req.push_str(&format!(
                "Content-Type: application/json\r\nContent-Length: {}\r\n",
                b.len()
            ));
        }
        req.push_str("\r\n");
        s.write_all(req.as_bytes())?;
        if let Some(b) = body {
            s.write_all(b)?;
        }
        s.flush()?;
        let mut r = BufReader::new(s);
        let h = read_head(&mut r)?;
        let status = h
            .line
            .split_once(' ')
            .map_or("502 Bad Gateway", |(_, s)| s)
            .to_string();
        let body = read_body(&mut r, &h, self.max_bytes, true)?;
        Ok((status, h, body))
    }
}

fn failure_response(id: &Value, f: &Failure) -> Value {
    mcp::error_response(
        id,
        -32603,
        &format!("claw: {}: {}", f.reason, f.message),
        Some(serde_json::json!({"reason_code": f.reason})),
    )
}

/// `claw mcp serve-http`: check everything, listen, serve until killed.
pub fn serve(a: ServeHttpArgs) -> Result<u8, Failure> {
    let upstream = parse_upstream(&a.upstream)?;
    let gate = Gate::open(&a.gate)?;
    let listener = TcpListener::bind(&a.listen)
        .map_err(|e| Failure::new(exit::IO, "IO_ERROR", format!("listen on {}: {e}", a.listen)))?;
    let local = listener
        .local_addr()
        .map_err(|e| Failure::new(exit::IO, "IO_ERROR", e.to_string()))?;
    crate::io::print_line(&serde_json::json!({"listen": local.to_string(), "endpoint": format!("http://{local}/mcp"), "upstream": a.upstream}).to_string())?;
    let proxy = Arc::new(Proxy {
        gate: Mutex::new(gate),
        upstream,
        max_bytes: a.gate.max_message_bytes,
    });
    let active = Arc::new(AtomicUsize::new(0));
    for conn in listener.incoming() {
        let Ok(mut conn) = conn else { continue };
        if active.load(Ordering::SeqCst) >= MAX_CONNECTIONS {
            respond(&mut conn, "503 Service Unavailable", &[], b"");
            continue;
        }
        active.fetch_add(1, Ordering::SeqCst);
        let (p, n) = (Arc::clone(&proxy), Arc::clone(&active));
        std::thread::spawn(move || {
            p.handle(conn);
            n.fetch_sub(1, Ordering::SeqCst);
        });
    }
    Ok(exit::OK)
}
