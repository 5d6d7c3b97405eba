//! The Streamable HTTP relay (`claw mcp serve-http`): one MCP endpoint per upstream MCP
//! server (`POST /mcp/NAME`, or `/mcp` for an unnamed one) that decides and records like the
//! stdio proxy, the route's name being the `Mcp:Server` context key, and relays to the
//! upstream over HTTP/1.1. Plain `http://` upstreams only; one request per connection
//! (`Connection: close`). An upstream's event stream is relayed event by event as it
//! arrives (progress before the answer, a `subscriptions/listen` stream), each event gated
//! like a JSON answer; GET opens the upstream's server-to-client stream through the same
//! gate. An approval is asked through elicitation inside the call's own answer stream (SSE)
//! when the session's client declared the capability.

use super::gate::{allows, Gate};
use super::http_routes::{parse_routes, Route};
use super::ServeHttpArgs;
use crate::{exit, Failure};
use claw_cli::http_wire::{
    read_body, read_head, respond, respond_json, sse_event, sse_event_of, sse_events, start_sse,
    Body, Deadline, Head, ReadFailure, SseEvent, MAX_HEAD_BYTES,
};
use claw_core::mcp::sse::SseSplitter;
use claw_core::mcp::{
    self, client_supports_elicitation, refusal, result_response, Approvable, CallDecision,
    Completion, DataRequest, InFlight, McpError, Message, Offered, ToolCall,
};
use claw_core::wpc::Verdict;
use serde_json::Value;
use std::collections::HashMap;
use std::io::{self, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::mpsc::{sync_channel, SyncSender};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

/// At most this many client connections are served at once (beyond: 503 `MCP_PROXY_BUSY`).
const MAX_CONNECTIONS: usize = 64;
/// At most this many of them may hold a stream that stays open as long as the upstream
/// keeps it so (`GET`, `subscriptions/listen`; beyond: 503 `MCP_TOO_MANY_STREAMS`), so
/// that such streams never take every connection from the requests.
const MAX_HELD_STREAMS: usize = MAX_CONNECTIONS / 4;
/// At most this many sessions' client capabilities are remembered (beyond: not asked).
const MAX_SESSIONS: usize = 4096;
/// How long a call waits for the client's answer to an approval request.
const ASK_TIMEOUT: Duration = Duration::from_secs(600);

/// What the proxy does with the upstream's answer to a request.
enum Pending {
    None,
    Call {
        call: ToolCall,
        started: Instant,
    },
    /// A `tools/list` (`true`: a first page, asked without a cursor).
    List(bool),
    /// A listing of resources, resource templates or prompts (the method): the answer is
    /// filtered.
    DataList(&'static str),
    /// An `initialize`: the session's client and whether it can be asked (elicitation).
    Init {
        elicitation: bool,
        client: String,
    },
}

/// What the proxy does with one message of the upstream's answer.
enum Answer {
    /// Relay it as it is.
    Keep,
    /// Relay this instead (a filtered listing, or an error when recording failed).
    Replace(Value),
    /// Never relay it: not the answer to this request, or not readable.
    Drop(McpError),
}

/// An upstream's answer whose head has been read; its body is read as it is relayed.
struct Upstream {
    status: String,
    head: Head,
    body: Body<BufReader<TcpStream>>,
}

impl Upstream {
    /// The answer read whole, at most `max` bytes of body.
    fn read_whole(self, max: usize) -> io::Result<Whole> {
        Ok(Whole {
            body: self.body.read_bounded(max)?,
            status: self.status,
            head: self.head,
        })
    }
}

/// An upstream answer the proxy read whole (not an event stream), for the client.
struct Whole {
    status: String,
    head: Head,
    body: Vec<u8>,
}

/// A request admitted in flight in its session: settled when the exchange ends.
struct Admitted<'p> {
    proxy: &'p Proxy,
    key: (String, String),
    id: Value,
}

impl Drop for Admitted<'_> {
    fn drop(&mut self) {
        let mut in_flight = lock(&self.proxy.in_flight);
        if let Some(f) = in_flight.get_mut(&self.key) {
            f.settle(&self.id);
            if f.is_empty() {
                in_flight.remove(&self.key);
            }
        }
    }
}

/// One of the [`MAX_HELD_STREAMS`] places, given back when dropped.
struct HeldStream<'p>(&'p AtomicUsize);

impl Drop for HeldStream<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

/// What a session's client declared at `initialize`.
struct Client {
    elicitation: bool,
    name: String,
}

/// An approval request waiting for the client's answer.
struct Ask {
    route: String,
    session: String,
    answer: SyncSender<Result<Value, Value>>,
}

/// How long each read of an upstream's answer may wait (a tool call can run for minutes).
const UPSTREAM_READ_TIMEOUT: Duration = Duration::from_secs(300);

struct Proxy {
    gate: Mutex<Gate>,
    routes: Vec<Route>,
    /// (route name, Mcp-Session-Id) → the client.
    sessions: Mutex<HashMap<(String, String), Client>>,
    /// (route name, Mcp-Session-Id) → the client's requests in flight (docs/SPEC.md §10.2).
    in_flight: Mutex<HashMap<(String, String), InFlight<()>>>,
    /// Approval request id → who may answer it, and where the answer goes.
    asked: Mutex<HashMap<String, Ask>>,
    next_ask: AtomicU64,
    ask_prefix: String,
    /// Connections holding a stream open (`GET`, `subscriptions/listen`).
    held_streams: AtomicUsize,
    max_bytes: usize,
    /// How long each read of the proxy's own `tools/list` answer may wait.
    listing_timeout: Duration,
    /// How long a client may take to send a whole request.
    request_timeout: Duration,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

fn failure_json(conn: &mut TcpStream, status: &str, id: &Value, f: &Failure) {
    respond_json(conn, status, &failure_response(id, f));
}

/// The answer to a request that could not be read whole: 413 for a body above
/// `--max-message-bytes` (the JSON-RPC refusal `MCP_MESSAGE_TOO_LARGE`), 408
/// `REQUEST_TIMEOUT` past `--request-timeout`, 400 `MCP_HTTP_MALFORMED` for anything else.
fn refuse_read(conn: &mut TcpStream, e: &io::Error, max_bytes: usize) {
    answer_unread(conn, e, max_bytes);
    // The rest of the request is unread: closing now would reset the connection and could
    // destroy the answer before the client reads it (RFC 9112 §9.6), so the proxy stops
    // writing and reads what still comes for a moment, bounded in bytes and time.
    let _ = conn.shutdown(std::net::Shutdown::Write);
    let until = Instant::now() + Duration::from_secs(1);
    let mut sink = [0u8; 8192];
    let mut drained = 0usize;
    while drained < max_bytes.saturating_add(MAX_HEAD_BYTES) {
        let left = until.saturating_duration_since(Instant::now());
        if left.is_zero() || conn.set_read_timeout(Some(left)).is_err() {
            break;
        }
        match io::Read::read(conn, &mut sink) {
            Ok(0) | Err(_) => break,
            Ok(n) => drained += n,
        }
    }
}

fn answer_unread(conn: &mut TcpStream, e: &io::Error, max_bytes: usize) {
    match ReadFailure::of(e) {
        ReadFailure::TooLarge => {
            let e = McpError::TooLarge {
                size: max_bytes.saturating_add(1),
                limit: max_bytes,
            };
            respond_json(conn, "413 Payload Too Large", &refusal(&Value::Null, &e));
        }
        ReadFailure::TimedOut => {
            let f = Failure::new(
                exit::IO,
                "REQUEST_TIMEOUT",
                "the request was not received in time",
            );
            failure_json(conn, "408 Request Timeout", &Value::Null, &f);
        }
        ReadFailure::Malformed(why) => {
            let f = Failure::new(exit::BAD_INPUT, "MCP_HTTP_MALFORMED", why);
            failure_json(conn, "400 Bad Request", &Value::Null, &f);
        }
    }
}

impl Proxy {
    fn handle(&self, mut conn: TcpStream) {
        let _ = conn.set_write_timeout(Some(Duration::from_secs(30)));
        let Ok(reader) = conn.try_clone() else { return };
        // The whole request, head and body, within one deadline.
        let mut r = BufReader::new(Deadline {
            stream: reader,
            until: Instant::now() + self.request_timeout,
        });
        let head = match read_head(&mut r) {
            Ok(h) => h,
            Err(e) => return refuse_read(&mut conn, &e, self.max_bytes),
        };
        let mut parts = head.line.split(' ');
        let (method, path) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""));
        let path = path.split('?').next().unwrap_or("");
        let Some(route) = self.routes.iter().find(|r| r.path == path) else {
            let f = Failure::new(
                exit::BAD_INPUT,
                "MCP_UNKNOWN_ROUTE",
                format!("no MCP server is served at {path:?}"),
            );
            return failure_json(&mut conn, "404 Not Found", &Value::Null, &f);
        };
        match method {
            "POST" => {}
            "GET" => return self.listen(&mut conn, route, &head),
            "DELETE" => {
                if let Some(sid) = head.get("mcp-session-id") {
                    lock(&self.sessions).remove(&(route.name.clone(), sid.to_string()));
                }
                return self.forward_plain(&mut conn, route, &head, "DELETE");
            }
            _ => {
                return respond(
                    &mut conn,
                    "405 Method Not Allowed",
                    &[("Allow", "GET, POST, DELETE")],
                    b"",
                )
            }
        }
        let body = match read_body(&mut r, &head, self.max_bytes, false) {
            Ok(b) => b,
            Err(e) => return refuse_read(&mut conn, &e, self.max_bytes),
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
        if let Message::Response { outcome, .. } = &msg {
            if let Some(ask_id) = id.as_str().filter(|s| s.starts_with(&self.ask_prefix)) {
                return self.answer(&mut conn, route, &head, ask_id, outcome);
            }
        }
        if let Message::Request { method, params, .. } = &msg {
            if let Err(e) = mcp::check_relayable(method, params.as_ref()) {
                return respond_json(&mut conn, "200 OK", &refusal(&id, &e));
            }
        }
        // One request per id in flight within a session (MCP: an id is never reused in a
        // session); without a session id every POST is an exchange of its own.
        let _in_flight = match (&msg, head.get("mcp-session-id")) {
            (Message::Request { .. }, Some(sid)) => match self.admit(route, sid, &id) {
                Ok(a) => Some(a),
                Err(e) => {
                    let status = match e {
                        McpError::DuplicateRequestId(_) => "409 Conflict",
                        _ => "503 Service Unavailable",
                    };
                    return respond_json(&mut conn, status, &refusal(&id, &e));
                }
            },
            _ => None,
        };
        // A `resources/read`, `resources/subscribe`, `prompts/get` or `subscriptions/listen`:
        // each data request it makes decided and recorded like a call (no elicitation, no
        // receipt), in order; forwarded only when every one is allowed (docs/SPEC.md §10.3.1).
        let data = match &msg {
            Message::Request { method, params, .. } => DataRequest::all_of(method, params.as_ref()),
            _ => Ok(None),
        };
        match data {
            Err(e) => return respond_json(&mut conn, "200 OK", &refusal(&id, &e)),
            Ok(Some(reqs)) => {
                let refused = lock(&self.gate).first_data_refusal(&reqs, &route.name);
                match refused {
                    Ok(None) => {}
                    Ok(Some((req, d))) => {
                        let what = Approvable::Data(req.clone());
                        let askable = DataRequest::askable(&reqs);
                        let refused = Refused {
                            route,
                            head: &head,
                            body: &body,
                            id,
                            what,
                        };
                        return self.refuse_or_ask(&mut conn, refused, &d, askable);
                    }
                    Err(f) => return failure_json(&mut conn, "200 OK", &id, &f),
                }
            }
            Ok(None) => {}
        }
        let completion = match &msg {
            Message::Request { method, params, .. } => {
                Completion::from_request(method, params.as_ref())
            }
            _ => Ok(None),
        };
        match completion {
            Err(e) => return respond_json(&mut conn, "200 OK", &refusal(&id, &e)),
            // Suggestions about a prompt or template the policy hides: none, from the proxy.
            Ok(Some(c)) if !lock(&self.gate).completion_shown(&c) => {
                let empty = result_response(&id, Completion::empty_result());
                return respond_json(&mut conn, "200 OK", &empty);
            }
            Ok(_) => {}
        }
        let pending = match &msg {
            Message::Request { method, params, .. } if method == "tools/call" => {
                let call = match ToolCall::from_params(params.as_ref()) {
                    Ok(c) => c,
                    Err(e) => return respond_json(&mut conn, "200 OK", &refusal(&id, &e)),
                };
                // A name the upstream has not been seen to list: list its tools first, in
                // the client's session (docs/SPEC.md §10.3, step 0).
                if lock(&self.gate).offered(&route.name, &call.name) == Offered::Unknown {
                    self.list_tools(route, &head);
                }
                let decided = lock(&self.gate).decide(&call, &route.name);
                match decided {
                    Ok(d) if allows(&d) => Pending::Call {
                        call,
                        started: Instant::now(),
                    },
                    Ok(d) => {
                        let what = Approvable::Call(call);
                        let refused = Refused {
                            route,
                            head: &head,
                            body: &body,
                            id,
                            what,
                        };
                        return self.refuse_or_ask(&mut conn, refused, &d, true);
                    }
                    Err(f) => return failure_json(&mut conn, "200 OK", &id, &f),
                }
            }
            Message::Request { method, params, .. } if method == "tools/list" => {
                Pending::List(mcp::asks_first_page(params.as_ref()))
            }
            Message::Request { method, params, .. } if method == "initialize" => {
                let p = params.as_ref();
                Pending::Init {
                    elicitation: client_supports_elicitation(p),
                    client: p
                        .and_then(|p| p.get("clientInfo"))
                        .and_then(|c| c.get("name"))
                        .and_then(Value::as_str)
                        .unwrap_or("unknown")
                        .chars()
                        .take(128)
                        .collect(),
                }
            }
            Message::Request { method, .. } => {
                mcp::data_list_method(method).map_or(Pending::None, Pending::DataList)
            }
            _ => Pending::None,
        };
        // A listen's answer is a stream the upstream keeps open: it takes one of the places
        // for held streams.
        let _held = match &msg {
            Message::Request { method, .. } if method == "subscriptions/listen" => {
                match self.hold_stream() {
                    Some(h) => Some(h),
                    None => {
                        let f = too_many_streams();
                        return failure_json(&mut conn, "503 Service Unavailable", &id, &f);
                    }
                }
            }
            _ => None,
        };
        let up = match self.upstream_open(route, "POST", &head, Some(&body), UPSTREAM_READ_TIMEOUT)
        {
            Ok(up) => up,
            Err(e) => return failure_json(&mut conn, "502 Bad Gateway", &id, &unreachable(&e)),
        };
        if let Pending::Init {
            elicitation,
            client,
        } = &pending
        {
            self.remember(route, &up.status, &up.head, *elicitation, client.clone());
        }
        match self.relay(&mut conn, route, up, &id, &pending, false) {
            Ok(Some(w)) => respond_whole(&mut conn, &w),
            Ok(None) => {}
            Err(f) => failure_json(&mut conn, "502 Bad Gateway", &id, &f),
        }
    }

    /// `GET`: the upstream's server-to-client stream, through the same gate as an answer's
    /// (no request of the client's is answered on it: every response is dropped).
    fn listen(&self, conn: &mut TcpStream, route: &Route, head: &Head) {
        let Some(_held) = self.hold_stream() else {
            return failure_json(
                conn,
                "503 Service Unavailable",
                &Value::Null,
                &too_many_streams(),
            );
        };
        match self.upstream_open(route, "GET", head, None, UPSTREAM_READ_TIMEOUT) {
            Ok(up) => match self.relay(conn, route, up, &Value::Null, &Pending::None, false) {
                Ok(Some(w)) => respond_whole(conn, &w),
                Ok(None) => {}
                Err(f) => failure_json(conn, "502 Bad Gateway", &Value::Null, &f),
            },
            Err(e) => failure_json(conn, "502 Bad Gateway", &Value::Null, &unreachable(&e)),
        }
    }

    /// One of the places for a stream held open, while the guard lives; `None` when all are
    /// taken.
    fn hold_stream(&self) -> Option<HeldStream<'_>> {
        self.held_streams
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| {
                (n < MAX_HELD_STREAMS).then_some(n + 1)
            })
            .ok()?;
        Some(HeldStream(&self.held_streams))
    }

    /// Take `id` in flight in the session `sid` of `route`, until the guard is dropped.
    fn admit(&self, route: &Route, sid: &str, id: &Value) -> Result<Admitted<'_>, McpError> {
        let key = (route.name.clone(), sid.to_string());
        lock(&self.in_flight)
            .entry(key.clone())
            .or_default()
            .admit(id, ())?;
        Ok(Admitted {
            proxy: self,
            key,
            id: id.clone(),
        })
    }

    /// Bring the upstream's answer to the client's request `id` to the client, handled on
    /// the way (receipt, filtered listing). A 2xx answer is read message by message: only
    /// the response to `id` (once) and the upstream's own requests and notifications reach
    /// the client; a response to another id or a message claw cannot read is dropped (in a
    /// JSON body: replaced by an error), so nothing reaches the client as a call's answer
    /// that the proxy did not forward and receipt.
    ///
    /// An event stream is relayed event by event as it arrives, into the client's stream
    /// (`in_stream`: already started, the approval path) or a new one: `Ok(None)`. Any
    /// other answer is read whole and returned for the caller to send.
    fn relay(
        &self,
        conn: &mut TcpStream,
        route: &Route,
        up: Upstream,
        id: &Value,
        pending: &Pending,
        in_stream: bool,
    ) -> Result<Option<Whole>, Failure> {
        let ok = up.status.starts_with('2');
        if ok
            && up
                .head
                .get("content-type")
                .is_some_and(|c| c.starts_with("text/event-stream"))
        {
            let started =
                in_stream || start_sse(conn, &up.status, up.head.get("mcp-session-id")).is_ok();
            if started {
                self.stream_events(conn, route, up.body, id, pending);
            }
            return Ok(None);
        }
        let Whole {
            status,
            head,
            body: up_body,
        } = up.read_whole(self.max_bytes).map_err(|e| unreachable(&e))?;
        let ctype = head.get("content-type").unwrap_or("");
        let body = if ok && !up_body.is_empty() && ctype.starts_with("application/json") {
            let mut answered = false;
            let answer = match mcp::parse_message(&up_body, self.max_bytes) {
                Ok(m) => self.on_answer(route, m, id, pending, &mut answered),
                Err(e) => Answer::Drop(e),
            };
            match answer {
                Answer::Keep => up_body,
                Answer::Replace(v) => serde_json::to_vec(&v).unwrap_or_default(),
                Answer::Drop(e) => serde_json::to_vec(&dropped_answer(id, &e)).unwrap_or_default(),
            }
        } else {
            up_body
        };
        Ok(Some(Whole { status, head, body }))
    }

    /// Relay an upstream event stream to the client as it arrives, each event handled as in
    /// [`Proxy::relay`] before it is written. The stream ends with the upstream's, with a
    /// read error (the per-read timeout included), with an event above twice
    /// `--max-message-bytes` (where the next one starts is then unknown), or when the client
    /// stops reading. When it ends without the answer to `id`, the client gets an error
    /// `MCP_UPSTREAM_ERROR` for it instead of waiting for an answer that cannot come.
    fn stream_events(
        &self,
        conn: &mut TcpStream,
        route: &Route,
        mut body: impl Read,
        id: &Value,
        pending: &Pending,
    ) {
        let bound = self
            .max_bytes
            .saturating_mul(2)
            .saturating_add(MAX_HEAD_BYTES);
        let mut split = SseSplitter::new(bound);
        let mut answered = false;
        let mut buf = vec![0u8; 16 * 1024];
        // One event handled and written; false once the client stops reading.
        let mut relay = |e: SseEvent| {
            self.relay_event(route, e, id, pending, &mut answered)
                .is_none_or(|o| write_flush(conn, &o).is_ok())
        };
        let ended_early = loop {
            let n = match body.read(&mut buf) {
                Ok(0) => break None,
                Ok(n) => n,
                Err(e) => break Some(format!("reading the upstream's event stream: {e}")),
            };
            let events = match split.push(&buf[..n]) {
                Ok(events) => events,
                Err(e) => {
                    break Some(format!(
                        "an event of the upstream's stream is larger than {} bytes",
                        e.max
                    ))
                }
            };
            if !events.into_iter().all(&mut relay) {
                return;
            }
        };
        if ended_early.is_none() && !split.finish().into_iter().all(&mut relay) {
            return;
        }
        if !answered && !id.is_null() {
            let why = ended_early
                .unwrap_or_else(|| "the upstream's event stream ended without the answer".into());
            let f = Failure::new(exit::IO, "MCP_UPSTREAM_ERROR", why);
            super::note(&f.reason, &f.message);
            let _ = write_flush(conn, &sse_event(&failure_response(id, &f)));
        }
    }

    /// Remember what a session's client declared, once the upstream opened the session.
    fn remember(&self, route: &Route, status: &str, up: &Head, elicitation: bool, name: String) {
        let Some(sid) = up.get("mcp-session-id").filter(|_| status.starts_with('2')) else {
            return;
        };
        let mut sessions = lock(&self.sessions);
        if sessions.len() < MAX_SESSIONS {
            sessions.insert(
                (route.name.clone(), sid.to_string()),
                Client { elicitation, name },
            );
        }
    }

    /// The session and client name when this request's client can be asked for an approval:
    /// it declared elicitation at `initialize` in this session and accepts an event stream.
    fn askable(&self, route: &Route, head: &Head) -> Option<(String, String)> {
        let sid = head.get("mcp-session-id")?;
        if !head
            .get("accept")
            .is_some_and(|a| a.contains("text/event-stream"))
        {
            return None;
        }
        let sessions = lock(&self.sessions);
        let c = sessions.get(&(route.name.clone(), sid.to_string()))?;
        c.elicitation.then(|| (sid.to_string(), c.name.clone()))
    }

    /// The client's answer to an approval request: to the waiting call, if this session asked.
    fn answer(
        &self,
        conn: &mut TcpStream,
        route: &Route,
        head: &Head,
        ask_id: &str,
        outcome: &Result<Value, Value>,
    ) {
        let mut asked = lock(&self.asked);
        let ours = asked.get(ask_id).is_some_and(|a| {
            a.route == route.name && Some(a.session.as_str()) == head.get("mcp-session-id")
        });
        if !ours {
            drop(asked);
            let f = Failure::new(
                exit::BAD_INPUT,
                "MCP_UNKNOWN_ANSWER",
                format!("{ask_id:?} is no approval request waiting in this session"),
            );
            return failure_json(conn, "404 Not Found", &Value::Null, &f);
        }
        if let Some(a) = asked.remove(ask_id) {
            let _ = a.answer.try_send(outcome.clone());
        }
        drop(asked);
        respond(conn, "202 Accepted", &[], b"");
    }

    /// Answer a request that `d` did not allow: when `d` asks for an approval, `askable`
    /// holds and the session's client can be asked, ask it ([`Proxy::ask`]); else the
    /// refusal.
    fn refuse_or_ask(&self, conn: &mut TcpStream, r: Refused<'_>, d: &CallDecision, askable: bool) {
        if d.verdict == Verdict::ApprovalRequired && askable {
            if let Some((session, client)) = self.askable(r.route, r.head) {
                let asking = Asking {
                    req: r,
                    session,
                    client,
                };
                return self.ask(conn, asking, d);
            }
        }
        respond_json(conn, "200 OK", &r.what.refusal(&r.id, &r.route.name, d));
    }

    /// Ask the client to approve a call or a data request, inside the request's answer (an
    /// event stream): the approval request, then, once answered, the answer or the refusal.
    fn ask(&self, conn: &mut TcpStream, a: Asking<'_>, first: &CallDecision) {
        let n = self.next_ask.fetch_add(1, Ordering::SeqCst);
        let ask_id = format!("{}-{n}", self.ask_prefix);
        let (tx, rx) = sync_channel(1);
        lock(&self.asked).insert(
            ask_id.clone(),
            Ask {
                route: a.req.route.name.clone(),
                session: a.session.clone(),
                answer: tx,
            },
        );
        let asked = Value::from(ask_id.as_str());
        let req = a.req.what.elicitation_request(&asked, &a.req.route.name);
        let sent =
            start_sse(conn, "200 OK", None).and_then(|_| write_flush(conn, &sse_event(&req)));
        let outcome = match sent {
            Ok(()) => rx.recv_timeout(ASK_TIMEOUT).ok(),
            Err(_) => None,
        };
        lock(&self.asked).remove(&ask_id);
        let Some(outcome) = outcome else {
            // No answer (in time): refused as asked, nothing recorded as a human's answer.
            let v = a.req.what.refusal(&a.req.id, &a.req.route.name, first);
            let _ = write_flush(conn, &sse_event(&v));
            return;
        };
        let approved = mcp::elicitation_answer(&outcome);
        let approver = format!("mcp-client:{}", a.client);
        let mut gate = lock(&self.gate);
        let decided = gate
            .record_approval(&a.req.what, &a.req.route.name, approved, &approver)
            .and_then(|_| gate.decide_approvable(&a.req.what, &a.req.route.name));
        drop(gate);
        let out = match decided {
            Ok(d) if allows(&d) => {
                let pending = match a.req.what {
                    Approvable::Call(call) => Pending::Call {
                        started: Instant::now(),
                        call,
                    },
                    // A data request's answer is relayed as it is.
                    Approvable::Data(_) => Pending::None,
                };
                let up = self.upstream_open(
                    a.req.route,
                    "POST",
                    a.req.head,
                    Some(a.req.body),
                    UPSTREAM_READ_TIMEOUT,
                );
                match up
                    .map_err(|e| unreachable(&e))
                    .and_then(|up| self.relay(conn, a.req.route, up, &a.req.id, &pending, true))
                {
                    // An event stream: relayed into this one.
                    Ok(None) => return,
                    Ok(Some(w)) if w.status.starts_with('2') => {
                        match mcp::parse_message(&w.body, self.max_bytes) {
                            Ok(_) => sse_event_of(&["event: message"], Some(&w.body)),
                            Err(e) => sse_event(&refusal(&a.req.id, &e)),
                        }
                    }
                    Ok(Some(w)) => sse_event(&failure_response(
                        &a.req.id,
                        &Failure::new(
                            exit::IO,
                            "MCP_UPSTREAM_ERROR",
                            format!("the upstream answered {}", w.status),
                        ),
                    )),
                    Err(f) => sse_event(&failure_response(&a.req.id, &f)),
                }
            }
            Ok(d) => sse_event(&a.req.what.refusal(&a.req.id, &a.req.route.name, &d)),
            Err(f) => sse_event(&failure_response(&a.req.id, &f)),
        };
        let _ = write_flush(conn, &out);
    }

    /// What to do with one message of the upstream's answer to the client's request `id`;
    /// `answered` is set once the response to `id` has been handled.
    fn on_answer(
        &self,
        route: &Route,
        msg: Message,
        id: &Value,
        pending: &Pending,
        answered: &mut bool,
    ) -> Answer {
        let (rid, outcome) = match msg {
            Message::Response { id, outcome } => (id, outcome),
            Message::Notification { method, .. } => {
                if method == "notifications/tools/list_changed" {
                    lock(&self.gate).tools_changed(&route.name);
                }
                return Answer::Keep;
            }
            // The upstream's own requests on the answer's stream.
            Message::Request { .. } => return Answer::Keep,
        };
        if &rid != id || *answered {
            return Answer::Drop(McpError::UnsolicitedResponse(rid.to_string()));
        }
        *answered = true;
        match pending {
            Pending::None | Pending::Init { .. } => Answer::Keep,
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
                match lock(&self.gate).record_result(call.clone(), result, status, latency) {
                    Ok(_) => Answer::Keep,
                    Err(f) => Answer::Replace(failure_response(id, &f)),
                }
            }
            Pending::DataList(method) => match outcome {
                Err(_) => Answer::Keep,
                Ok(r) => match lock(&self.gate).data_listing(method, &r, &route.name) {
                    Ok(Some(v)) => Answer::Replace(result_response(id, v)),
                    Ok(None) => Answer::Keep,
                    Err(f) => Answer::Replace(failure_response(id, &f)),
                },
            },
            Pending::List(first_page) => match outcome {
                Err(_) => Answer::Keep,
                Ok(r) => Answer::Replace(
                    match lock(&self.gate).listing(&r, &route.name, *first_page) {
                        Ok(l) => result_response(id, l.result),
                        Err(f) => failure_response(id, &f),
                    },
                ),
            },
        }
    }

    /// One event of an upstream's event stream as it goes to the client (its data one
    /// message, handled by [`Proxy::on_answer`]), or nothing when it is dropped.
    fn relay_event(
        &self,
        route: &Route,
        event: SseEvent,
        id: &Value,
        pending: &Pending,
        answered: &mut bool,
    ) -> Option<Vec<u8>> {
        let SseEvent { other, data } = event;
        let relayed = if data.is_empty() {
            None
        } else {
            let answer = match mcp::parse_message(&data, self.max_bytes) {
                Ok(m) => self.on_answer(route, m, id, pending, answered),
                Err(e) => Answer::Drop(e),
            };
            match answer {
                // Parsed, so UTF-8.
                Answer::Keep => String::from_utf8(data).ok(),
                Answer::Replace(v) => serde_json::to_string(&v).ok(),
                Answer::Drop(e) => {
                    // The whole event goes: its other fields describe the dropped data.
                    super::note(
                        e.reason_code(),
                        &format!("message from the upstream dropped: {e}"),
                    );
                    return None;
                }
            }
        };
        Some(sse_event_of(&other, relayed.as_deref().map(str::as_bytes)))
    }

    fn forward_plain(&self, conn: &mut TcpStream, route: &Route, head: &Head, method: &str) {
        let up = self.upstream_open(route, method, head, None, UPSTREAM_READ_TIMEOUT);
        match up.and_then(|up| up.read_whole(self.max_bytes)) {
            Ok(Whole {
                status,
                head: h,
                body,
            }) => {
                let ctype = h.get("content-type").unwrap_or("text/plain").to_string();
                respond(conn, &status, &[("Content-Type", &ctype)], &body)
            }
            Err(_) => respond(conn, "502 Bad Gateway", &[], b""),
        }
    }

    /// List the upstream's tools on the proxy's own behalf, page by page, in the session of
    /// the client request `head` (its `Mcp-Session-Id`, protocol version and credentials);
    /// what is read goes to the gate, nothing to the client. A failure is one line on
    /// stderr: the call is then decided with what is known (`MCP_TOOL_LISTING_UNAVAILABLE`).
    fn list_tools(&self, route: &Route, head: &Head) {
        // The session, the revision and the credentials; not the call's own Mcp-* headers.
        let mut own = Head {
            line: head.line.clone(),
            headers: head
                .headers
                .iter()
                .filter(|(k, _)| {
                    matches!(
                        k.as_str(),
                        "accept" | "authorization" | "mcp-session-id" | "mcp-protocol-version"
                    )
                })
                .cloned()
                .collect(),
        };
        if head.get("mcp-method").is_some() {
            own.headers.push(("mcp-method".into(), "tools/list".into()));
        }
        let mut cursor: Option<String> = None;
        for page in 0..mcp::MAX_LISTING_PAGES {
            let id = Value::from(format!("{}-list-{page}", self.ask_prefix));
            let body = serde_json::to_vec(&mcp::tools_list_request(&id, cursor.as_deref()))
                .unwrap_or_default();
            let read = self
                .upstream_open(route, "POST", &own, Some(&body), self.listing_timeout)
                .and_then(|up| up.read_whole(self.max_bytes))
                .map_err(|e| McpError::InvalidListing(format!("tools/list: {e}")))
                .and_then(|w| own_answer(&w.status, &w.head, &w.body, &id, self.max_bytes))
                .and_then(|r| lock(&self.gate).note_tools_page(&route.name, &r, true));
            match read {
                Ok(Some(c)) => cursor = Some(c),
                Ok(None) => return,
                Err(e) => {
                    return super::note(
                        e.reason_code(),
                        &format!("the proxy's own tools/list of {}: {e}", route.name),
                    )
                }
            }
        }
    }

    /// Send one request upstream and read the head of its answer; the body is left to read.
    /// The client's `Accept`, `Authorization`, `Last-Event-ID` and `Mcp-*` / `MCP-*` headers
    /// go along.
    fn upstream_open(
        &self,
        route: &Route,
        method: &str,
        head: &Head,
        body: Option<&[u8]>,
        read_timeout: Duration,
    ) -> io::Result<Upstream> {
        let up = &route.upstream;
        let mut s = TcpStream::connect(&up.addr)?;
        s.set_read_timeout(Some(read_timeout))?;
        let mut req = format!(
            "{method} {} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n",
            up.path, up.host
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
        let body = Body::new(r, &h, true)?;
        Ok(Upstream {
            status,
            head: h,
            body,
        })
    }
}

/// A call waiting for an approval, with what forwarding it needs.
/// A request the policy did not allow, with what answering it needs.
struct Refused<'a> {
    route: &'a Route,
    head: &'a Head,
    body: &'a [u8],
    id: Value,
    what: Approvable,
}

/// A refused request whose client is asked to approve it: its session and name.
struct Asking<'a> {
    req: Refused<'a>,
    session: String,
    client: String,
}

/// The result of the answer to the proxy's own request `id`: the one response to it in a
/// JSON body or in an event stream (each event's data one message).
fn own_answer(
    status: &str,
    up: &Head,
    body: &[u8],
    id: &Value,
    max_bytes: usize,
) -> Result<Value, McpError> {
    if !status.starts_with('2') {
        return Err(McpError::InvalidListing(format!(
            "tools/list: HTTP {status}"
        )));
    }
    let answer = |data: &[u8]| match mcp::parse_message(data, max_bytes)? {
        Message::Response { id: rid, outcome } if &rid == id => Ok(Some(outcome)),
        _ => Ok::<_, McpError>(None),
    };
    let outcome = if up
        .get("content-type")
        .unwrap_or("")
        .starts_with("text/event-stream")
    {
        // Events without data (a stream's priming event) and events that are not a message
        // are passed over: only the answer to `id` is read.
        let mut found = None;
        for e in sse_events(body) {
            if e.data.is_empty() {
                continue;
            }
            if let Ok(Some(o)) = answer(&e.data) {
                found = Some(o);
                break;
            }
        }
        found
    } else {
        answer(body)?
    };
    match outcome {
        Some(Ok(r)) => Ok(r),
        Some(Err(e)) => Err(McpError::InvalidListing(format!("tools/list answered {e}"))),
        None => Err(McpError::InvalidListing("tools/list: no answer".into())),
    }
}

/// The upstream could not be reached, or its answer broke the framing rules.
fn too_many_streams() -> Failure {
    Failure::new(
        exit::IO,
        "MCP_TOO_MANY_STREAMS",
        format!("{MAX_HELD_STREAMS} streams are held open already (GET, subscriptions/listen); try again later"),
    )
}

fn unreachable(e: &io::Error) -> Failure {
    Failure::new(exit::IO, "MCP_UPSTREAM_UNREACHABLE", e.to_string())
}

/// An answer read whole, with the upstream's status, `Content-Type` and `Mcp-Session-Id`.
fn respond_whole(conn: &mut TcpStream, w: &Whole) {
    let mut headers: Vec<(&str, &str)> = Vec::new();
    if let Some(c) = w.head.get("content-type") {
        headers.push(("Content-Type", c));
    }
    if let Some(s) = w.head.get("mcp-session-id") {
        headers.push(("Mcp-Session-Id", s));
    }
    respond(conn, &w.status, &headers, &w.body);
}

fn write_flush(w: &mut TcpStream, bytes: &[u8]) -> io::Result<()> {
    w.write_all(bytes)?;
    w.flush()
}

fn random_prefix() -> String {
    let s = crate::cmd::common::seed();
    let hex: String = s[..8].iter().map(|b| format!("{b:02x}")).collect();
    format!("claw-approval-{hex}")
}

/// The error the client receives instead of an upstream answer claw dropped.
fn dropped_answer(id: &Value, e: &McpError) -> Value {
    super::note(
        e.reason_code(),
        &format!("answer from the upstream dropped: {e}"),
    );
    mcp::error_response(
        id,
        -32603,
        &format!(
            "claw: {}: the upstream's answer was dropped: {e}",
            e.reason_code()
        ),
        Some(serde_json::json!({"reason_code": e.reason_code()})),
    )
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
    let routes = parse_routes(&a.upstream, &a.gate.server_name)?;
    let gate = Gate::open(&a.gate)?;
    let listener = TcpListener::bind(&a.listen)
        .map_err(|e| Failure::new(exit::IO, "IO_ERROR", format!("listen on {}: {e}", a.listen)))?;
    let local = listener
        .local_addr()
        .map_err(|e| Failure::new(exit::IO, "IO_ERROR", e.to_string()))?;
    let listed: Vec<Value> = routes
        .iter()
        .map(|r| {
            serde_json::json!({"name": r.name, "endpoint": format!("http://{local}{}", r.path), "upstream": r.url})
        })
        .collect();
    let first = &listed[0];
    crate::io::print_line(
        &serde_json::json!({
            "listen": local.to_string(),
            "endpoint": first["endpoint"],
            "upstream": first["upstream"],
            "routes": listed,
        })
        .to_string(),
    )?;
    let proxy = Arc::new(Proxy {
        gate: Mutex::new(gate),
        routes,
        sessions: Mutex::new(HashMap::new()),
        in_flight: Mutex::new(HashMap::new()),
        asked: Mutex::new(HashMap::new()),
        next_ask: AtomicU64::new(1),
        ask_prefix: random_prefix(),
        held_streams: AtomicUsize::new(0),
        max_bytes: a.gate.max_message_bytes,
        listing_timeout: Duration::from_secs(a.gate.listing_timeout),
        request_timeout: Duration::from_secs(a.request_timeout),
    });
    let active = Arc::new(AtomicUsize::new(0));
    for conn in listener.incoming() {
        let Ok(mut conn) = conn else { continue };
        if active.load(Ordering::SeqCst) >= MAX_CONNECTIONS {
            let _ = conn.set_write_timeout(Some(Duration::from_secs(1)));
            let f = Failure::new(
                exit::IO,
                "MCP_PROXY_BUSY",
                format!("{MAX_CONNECTIONS} connections are served already; try again later"),
            );
            failure_json(&mut conn, "503 Service Unavailable", &Value::Null, &f);
            // What of the request has come is read (without waiting) before closing, so the
            // close does not reset the connection under the answer.
            let _ = conn.shutdown(std::net::Shutdown::Write);
            if conn.set_nonblocking(true).is_ok() {
                let mut sink = [0u8; 8192];
                for _ in 0..8 {
                    if !matches!(conn.read(&mut sink), Ok(n) if n > 0) {
                        break;
                    }
                }
            }
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
