//! The stdio relay: the client on our stdin/stdout, the server a child process on pipes,
//! its stderr passed through. Two threads read (client, server); each message is parsed
//! strictly, decided on when it is a `tools/call`, and forwarded as the exact bytes read.

use super::gate::{allows, Gate};
use super::lines::{read_line, Read};
use super::{note, WrapArgs};
use crate::{exit, Failure};
use claw_core::mcp::{
    self, client_supports_elicitation, data_denial, denial_result, refusal, result_response,
    Approvable, Completion, DataRequest, IdKey, InFlight, McpError, Message, Offered, ToolCall,
};
use claw_core::wpc::Verdict;
use serde_json::Value;
use std::collections::HashMap;
use std::io::{BufReader, Write};
use std::process::{ChildStdin, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{mpsc, Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

/// A client request in flight, and what the proxy does with the server's answer to it.
#[derive(Debug)]
enum Pending {
    /// An allowed `tools/call`: its receipt is signed when the server answers.
    Call { call: ToolCall, started: Instant },
    /// A `tools/list`: the answer is filtered (`true`: a first page, asked without a cursor).
    List(bool),
    /// A listing of resources, resource templates or prompts (the method): the answer is
    /// filtered.
    DataList(&'static str),
    /// Any other request: the answer is relayed as it is.
    Relay,
    /// A `tools/call` not forwarded (yet): being decided, waiting for the server's tool
    /// listing, or for a human's answer. Its id stays taken; a server "answer" to it is
    /// dropped.
    Held,
    /// A page of the `tools/list` the proxy sends on its own (the page's number).
    OwnListing(usize),
}

/// A `tools/call` held (its id [`Pending::Held`]) with what forwarding it needs: waiting for
/// the client's answer to an approval asked through elicitation, or for the proxy's own
/// listing of the server's tools.
#[derive(Debug)]
struct HeldCall {
    id: Value,
    call: ToolCall,
    line: Vec<u8>,
}

/// A request held (its id [`Pending::Held`]) while the client is asked to approve it: a
/// `tools/call`, or a data request.
#[derive(Debug)]
struct Asked {
    id: Value,
    what: Approvable,
    line: Vec<u8>,
}

struct Shared {
    gate: Mutex<Gate>,
    /// `--server-name`: the `Mcp:Server` context key.
    server: String,
    /// The client's requests in flight (one per id: docs/SPEC.md §10.2).
    pending: Mutex<InFlight<Pending>>,
    asked: Mutex<HashMap<IdKey, Asked>>,
    /// Calls waiting for the proxy's own listing of the server's tools, and whether that
    /// listing is under way.
    unlisted: Mutex<(Vec<HeldCall>, bool)>,
    to_client: Mutex<std::io::Stdout>,
    to_server: Mutex<Option<ChildStdin>>,
    elicitation: AtomicBool,
    client_name: Mutex<String>,
    next_ask: AtomicU64,
    ask_prefix: String,
    max_bytes: usize,
    /// The proxy's own `tools/list` requests, each with the time its answer is due, to the
    /// thread that refuses the waiting calls when it is not ([`Shared::listing_overdue`]).
    listing_due: mpsc::Sender<(Value, Instant)>,
    listing_timeout: Duration,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // A poisoned lock means a relay thread panicked; the data it guards is still usable.
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// The message and its newline in one buffer: one `write(2)` per message, so the peer is
/// woken once, with a whole line.
fn with_newline(bytes: &[u8]) -> Vec<u8> {
    let mut line = Vec::with_capacity(bytes.len() + 1);
    line.extend_from_slice(bytes);
    line.push(b'\n');
    line
}

impl Shared {
    fn send_client_bytes(&self, bytes: &[u8]) {
        self.send_client_line(&with_newline(bytes));
    }

    /// A whole line, its newline included.
    fn send_client_line(&self, line: &[u8]) {
        let mut out = lock(&self.to_client);
        let _ = out.write_all(line).and_then(|_| out.flush());
    }

    fn send_client(&self, v: &Value) {
        match serde_json::to_vec(v) {
            Ok(mut b) => {
                b.push(b'\n');
                self.send_client_line(&b);
            }
            Err(e) => note("INTERNAL_ERROR", &e.to_string()),
        }
    }

    fn send_server(&self, bytes: &[u8]) {
        let line = with_newline(bytes);
        let mut guard = lock(&self.to_server);
        if let Some(w) = guard.as_mut() {
            if w.write_all(&line).and_then(|_| w.flush()).is_err() {
                // The server is gone; its exit ends the proxy.
                *guard = None;
            }
        }
    }

    fn refuse(&self, id: &Value, e: &McpError) {
        self.send_client(&refusal(id, e));
    }

    fn fail(&self, id: &Value, f: &Failure) {
        note(&f.reason, &f.message);
        self.send_client(&mcp::error_response(
            id,
            -32603,
            &format!("claw: {}: {}", f.reason, f.message),
            Some(serde_json::json!({"reason_code": f.reason})),
        ));
    }

    /// A message from the client.
    fn on_client_message(&self, line: &[u8]) {
        let msg = match mcp::parse_message(line, self.max_bytes) {
            Ok(m) => m,
            Err(e) => return self.refuse(&Value::Null, &e),
        };
        match msg {
            Message::Request { id, method, params } => {
                if let Err(e) = mcp::check_relayable(&method, params.as_ref()) {
                    return self.refuse(&id, &e);
                }
                self.on_client_request(id, &method, params.as_ref(), line)
            }
            Message::Response { id, outcome } => {
                let asked = IdKey::of(&id).and_then(|k| lock(&self.asked).remove(&k));
                match asked {
                    Some(a) => self.answered(a, &outcome),
                    None => self.send_server(line),
                }
            }
            Message::Notification { method, params } => {
                if method == "notifications/cancelled" {
                    self.cancelled(params.as_ref());
                }
                self.send_server(line)
            }
        }
    }

    fn on_client_request(&self, id: Value, method: &str, params: Option<&Value>, line: &[u8]) {
        match DataRequest::all_of(method, params) {
            Ok(Some(reqs)) => return self.data_request(id, &reqs, line),
            Err(e) => return self.refuse(&id, &e),
            Ok(None) => {}
        }
        match Completion::from_request(method, params) {
            // Suggestions about a prompt or template the policy hides: none, from the proxy.
            Ok(Some(c)) if !lock(&self.gate).completion_shown(&c) => {
                return self.send_client(&result_response(&id, Completion::empty_result()));
            }
            Err(e) => return self.refuse(&id, &e),
            Ok(_) => {}
        }
        if let Some(list) = mcp::data_list_method(method) {
            return self.forward(&id, Pending::DataList(list), line);
        }
        match method {
            "tools/call" => self.tools_call(id, params, line),
            "tools/list" => self.forward(&id, Pending::List(mcp::asks_first_page(params)), line),
            "initialize" => {
                let p = params;
                self.elicitation
                    .store(client_supports_elicitation(p), Ordering::SeqCst);
                if let Some(n) = p
                    .and_then(|p| p.get("clientInfo"))
                    .and_then(|c| c.get("name"))
                    .and_then(Value::as_str)
                {
                    *lock(&self.client_name) = n.chars().take(128).collect();
                }
                self.forward(&id, Pending::Relay, line);
            }
            _ => self.forward(&id, Pending::Relay, line),
        }
    }

    /// Forward a request whose id is not in flight yet; refuse it otherwise (a duplicate id,
    /// or too many waiting), never forwarded then.
    fn forward(&self, id: &Value, p: Pending, line: &[u8]) {
        let admitted = lock(&self.pending).admit(id, p);
        match admitted {
            Ok(()) => self.send_server(line),
            Err(e) => self.refuse(id, &e),
        }
    }

    /// The client withdrew a request (`notifications/cancelled`): a relayed request or a
    /// held call is settled (a late answer from the server is then dropped), so withdrawn
    /// requests the server never answers do not fill the bound. An allowed call stays in
    /// flight: if the server still answers, its receipt is recorded as for any answer.
    fn cancelled(&self, params: Option<&Value>) {
        let Some(id) = params.and_then(|p| p.get("requestId")) else {
            return;
        };
        let mut pending = lock(&self.pending);
        if matches!(
            pending.get(id),
            Some(Pending::Relay | Pending::List(_) | Pending::DataList(_) | Pending::Held)
        ) {
            pending.settle(id);
        }
    }

    fn tools_call(&self, id: Value, params: Option<&Value>, line: &[u8]) {
        let call = match ToolCall::from_params(params) {
            Ok(c) => c,
            Err(e) => return self.refuse(&id, &e),
        };
        // The id is taken before anything is decided or recorded: a duplicate leaves no trace.
        let admitted = lock(&self.pending).admit(&id, Pending::Held);
        if let Err(e) = admitted {
            return self.refuse(&id, &e);
        }
        // A name the server has not been seen to list: list its tools first (docs/SPEC.md
        // §10.3, step 0); the call is decided when the listing is read.
        if lock(&self.gate).offered(&self.server, &call.name) == Offered::Unknown {
            let start = {
                let mut u = lock(&self.unlisted);
                u.0.push(HeldCall {
                    id,
                    call,
                    line: line.to_vec(),
                });
                !std::mem::replace(&mut u.1, true)
            };
            if start {
                self.list_tools(None, 0);
            }
            return;
        }
        self.decide_held(id, call, line);
    }

    /// Send page `page` of the proxy's own `tools/list` (from `cursor`); when it cannot be
    /// sent, the waiting calls are decided with what is known.
    fn list_tools(&self, cursor: Option<&str>, page: usize) {
        let n = self.next_ask.fetch_add(1, Ordering::SeqCst);
        let id = Value::from(format!("{}-list-{n}", self.ask_prefix));
        let admitted = lock(&self.pending).admit(&id, Pending::OwnListing(page));
        match admitted.map(|_| serde_json::to_vec(&mcp::tools_list_request(&id, cursor))) {
            Ok(Ok(bytes)) => {
                let _ = self
                    .listing_due
                    .send((id.clone(), Instant::now() + self.listing_timeout));
                self.send_server(&bytes);
            }
            Ok(Err(e)) => {
                lock(&self.pending).settle(&id);
                note("INTERNAL_ERROR", &e.to_string());
                self.listed();
            }
            Err(e) => {
                note(e.reason_code(), &format!("the proxy's own tools/list: {e}"));
                self.listed();
            }
        }
    }

    /// The answer to the proxy's own `tools/list` `id` is due: if it has not come, the listing
    /// has ended unread (a late answer is dropped as one to no request in flight) and the
    /// waiting calls are decided with what is known, which refuses them.
    fn listing_overdue(&self, id: &Value) {
        let overdue = {
            let mut pending = lock(&self.pending);
            let waiting = matches!(pending.get(id), Some(Pending::OwnListing(_)));
            if waiting {
                pending.settle(id);
            }
            waiting
        };
        if overdue {
            note(
                "MCP_TOOL_LISTING_UNAVAILABLE",
                &format!(
                    "the server did not answer the proxy's own tools/list within {} s",
                    self.listing_timeout.as_secs()
                ),
            );
            self.listed();
        }
    }

    /// The proxy's own listing ended (read whole, or not): decide the calls that waited for
    /// it, except those the client withdrew meanwhile.
    fn listed(&self) {
        let waiting = {
            let mut u = lock(&self.unlisted);
            u.1 = false;
            std::mem::take(&mut u.0)
        };
        for w in waiting {
            let held = matches!(lock(&self.pending).get(&w.id), Some(Pending::Held));
            if held {
                self.decide_held(w.id, w.call, &w.line);
            }
        }
    }

    /// Decide a call whose id is held, and act on the decision.
    fn decide_held(&self, id: Value, call: ToolCall, line: &[u8]) {
        let decided = lock(&self.gate).decide(&call, &self.server);
        let d = match decided {
            Ok(d) => d,
            Err(f) => {
                lock(&self.pending).settle(&id);
                return self.fail(&id, &f);
            }
        };
        if allows(&d) {
            return self.send_call(&id, call, line);
        }
        if d.verdict == Verdict::ApprovalRequired && self.elicitation.load(Ordering::SeqCst) {
            return self.ask(id, Approvable::Call(call), line);
        }
        lock(&self.pending).settle(&id);
        self.send_client(&result_response(
            &id,
            denial_result(&call.name, &self.server, &d),
        ));
    }

    /// Ask the client to approve `what` (request `id`, held), through elicitation.
    fn ask(&self, id: Value, what: Approvable, line: &[u8]) {
        let n = self.next_ask.fetch_add(1, Ordering::SeqCst);
        let ask_id = Value::from(format!("{}-{n}", self.ask_prefix));
        let req = what.elicitation_request(&ask_id, &self.server);
        if let Some(k) = IdKey::of(&ask_id) {
            let line = line.to_vec();
            lock(&self.asked).insert(k, Asked { id, what, line });
        }
        self.send_client(&req);
    }

    /// A `resources/read`, `resources/subscribe`, `prompts/get` or `subscriptions/listen`:
    /// each data request it makes decided and recorded like a call (no receipt), in order;
    /// forwarded only when every one is allowed, else refused with the first refusal
    /// (docs/SPEC.md §10.3.1). A request that makes one data request which needs an approval
    /// is asked through elicitation like a call (§10.4).
    fn data_request(&self, id: Value, reqs: &[DataRequest], line: &[u8]) {
        let admitted = lock(&self.pending).admit(&id, Pending::Held);
        if let Err(e) = admitted {
            return self.refuse(&id, &e);
        }
        let refused = lock(&self.gate).first_data_refusal(reqs, &self.server);
        match refused {
            Ok(None) => self.send_relayed(&id, line),
            Ok(Some((req, d))) => {
                let askable = d.verdict == Verdict::ApprovalRequired
                    && DataRequest::askable(reqs)
                    && self.elicitation.load(Ordering::SeqCst);
                if askable {
                    return self.ask(id, Approvable::Data(req.clone()), line);
                }
                lock(&self.pending).settle(&id);
                self.send_client(&data_denial(&id, req, &self.server, &d));
            }
            Err(f) => {
                lock(&self.pending).settle(&id);
                self.fail(&id, &f);
            }
        }
    }

    /// The client answered an approval request: record the answer, decide again.
    fn answered(&self, a: Asked, outcome: &Result<Value, Value>) {
        let approved = mcp::elicitation_answer(outcome);
        let approver = format!("mcp-client:{}", lock(&self.client_name));
        // Cancellations and answers both come from the client, read by this thread in order:
        // a call withdrawn before its answer arrived is no longer held.
        let withdrawn = !matches!(lock(&self.pending).get(&a.id), Some(Pending::Held));
        let mut gate = lock(&self.gate);
        let recorded = gate.record_approval(&a.what, &self.server, approved, &approver);
        if withdrawn {
            // The human's answer is recorded; the call is not sent.
            if let Err(f) = recorded {
                note(&f.reason, &f.message);
            }
            return;
        }
        let decided = recorded.and_then(|_| gate.decide_approvable(&a.what, &self.server));
        drop(gate);
        match decided {
            Ok(d) if allows(&d) => match a.what {
                Approvable::Call(call) => self.send_call(&a.id, call, &a.line),
                Approvable::Data(_) => self.send_relayed(&a.id, &a.line),
            },
            Ok(d) => {
                lock(&self.pending).settle(&a.id);
                self.send_client(&a.what.refusal(&a.id, &self.server, &d))
            }
            Err(f) => {
                lock(&self.pending).settle(&a.id);
                self.fail(&a.id, &f)
            }
        }
    }

    /// Forward an allowed request whose id is held and whose answer is relayed as it is.
    fn send_relayed(&self, id: &Value, line: &[u8]) {
        let mut pending = lock(&self.pending);
        if let Some(p) = pending.get_mut(id) {
            *p = Pending::Relay;
            drop(pending);
            self.send_server(line);
        }
    }

    /// Forward an allowed call whose id is held: from now on the server's answer to it is
    /// recorded (its receipt signed) before it is relayed.
    fn send_call(&self, id: &Value, call: ToolCall, line: &[u8]) {
        let mut pending = lock(&self.pending);
        if let Some(p) = pending.get_mut(id) {
            *p = Pending::Call {
                call,
                started: Instant::now(),
            };
            drop(pending);
            self.send_server(line);
        }
    }

    /// A message from the server.
    fn on_server_message(&self, line: &[u8]) {
        let msg = match mcp::parse_message(line, self.max_bytes) {
            Ok(m) => m,
            Err(e) => {
                // Never forwarded: the client would read what claw could not.
                return note(
                    e.reason_code(),
                    &format!("message from the server dropped: {e}"),
                );
            }
        };
        let (id, outcome) = match msg {
            Message::Response { id, outcome } => (id, outcome),
            Message::Notification { method, .. } => {
                if method == "notifications/tools/list_changed" {
                    lock(&self.gate).tools_changed(&self.server);
                }
                return self.send_client_bytes(line);
            }
            Message::Request { .. } => return self.send_client_bytes(line),
        };
        if id.is_null() {
            // An error about a request the server could not read: it answers no request.
            return self.send_client_bytes(line);
        }
        let pending = {
            let mut in_flight = lock(&self.pending);
            match in_flight.get(&id) {
                None | Some(Pending::Held) => None,
                Some(_) => in_flight.settle(&id),
            }
        };
        match pending {
            None | Some(Pending::Held) => {
                let e = McpError::UnsolicitedResponse(id.to_string());
                note(e.reason_code(), &e.to_string())
            }
            Some(Pending::Relay) => self.send_client_bytes(line),
            Some(Pending::OwnListing(page)) => {
                // Never relayed: the client did not ask.
                let next = match outcome {
                    Ok(r) => lock(&self.gate).note_tools_page(&self.server, &r, true),
                    Err(e) => Err(McpError::InvalidListing(format!("tools/list answered {e}"))),
                };
                match next {
                    Ok(Some(cursor)) if page + 1 < mcp::MAX_LISTING_PAGES => {
                        self.list_tools(Some(&cursor), page + 1)
                    }
                    Ok(_) => self.listed(),
                    Err(e) => {
                        note(e.reason_code(), &format!("the proxy's own tools/list: {e}"));
                        self.listed()
                    }
                }
            }
            Some(Pending::Call { call, started }) => {
                let latency = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
                let (result, status) = match outcome {
                    Ok(r) => {
                        let err = r.get("isError").and_then(Value::as_bool) == Some(true);
                        (r, if err { "error" } else { "success" })
                    }
                    Err(e) => (e, "error"),
                };
                let recorded = lock(&self.gate).record_result(call, result, status, latency);
                match recorded {
                    Ok(_) => self.send_client_bytes(line),
                    Err(f) => self.fail(&id, &f),
                }
            }
            Some(Pending::DataList(method)) => match outcome {
                Err(_) => self.send_client_bytes(line),
                Ok(r) => {
                    let filtered = lock(&self.gate).data_listing(method, &r, &self.server);
                    match filtered {
                        Ok(Some(v)) => self.send_client(&result_response(&id, v)),
                        Ok(None) => self.send_client_bytes(line),
                        Err(f) => self.fail(&id, &f),
                    }
                }
            },
            Some(Pending::List(first_page)) => match outcome {
                Err(_) => self.send_client_bytes(line),
                Ok(r) => {
                    let filtered = lock(&self.gate).listing(&r, &self.server, first_page);
                    match filtered {
                        Ok(l) => self.send_client(&result_response(&id, l.result)),
                        Err(f) => self.fail(&id, &f),
                    }
                }
            },
        }
    }
}

fn random_prefix() -> String {
    let s = crate::cmd::common::seed();
    let hex: String = s[..8].iter().map(|b| format!("{b:02x}")).collect();
    format!("claw-approval-{hex}")
}

/// `claw mcp wrap`: check everything, start the server, relay until it exits.
pub fn wrap(a: WrapArgs) -> Result<u8, Failure> {
    let gate = Gate::open(&a.gate)?;
    let (prog, args) = a
        .command
        .split_first()
        .ok_or_else(|| crate::cmd::common::bad_arg("no server command after --"))?;
    let mut child = Command::new(prog)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .map_err(|e| Failure::new(exit::IO, "MCP_SERVER_START_FAILED", format!("{prog}: {e}")))?;
    let (Some(child_in), Some(child_out)) = (child.stdin.take(), child.stdout.take()) else {
        let _ = child.kill();
        return Err(Failure::new(
            exit::IO,
            "MCP_SERVER_START_FAILED",
            "no pipes to the server",
        ));
    };
    let (due_tx, due_rx) = mpsc::channel::<(Value, Instant)>();
    let shared = Arc::new(Shared {
        gate: Mutex::new(gate),
        server: a.gate.server_name.clone(),
        pending: Mutex::new(InFlight::default()),
        asked: Mutex::new(HashMap::new()),
        unlisted: Mutex::new((Vec::new(), false)),
        to_client: Mutex::new(std::io::stdout()),
        to_server: Mutex::new(Some(child_in)),
        elicitation: AtomicBool::new(false),
        client_name: Mutex::new(String::from("unknown")),
        next_ask: AtomicU64::new(1),
        ask_prefix: random_prefix(),
        max_bytes: a.gate.max_message_bytes,
        listing_due: due_tx,
        listing_timeout: Duration::from_secs(a.gate.listing_timeout),
    });

    // The proxy's own listings come due in the order they were sent (one timeout for all).
    let s = Arc::clone(&shared);
    // Not joined: it waits for the next listing as long as the proxy runs.
    std::thread::spawn(move || {
        while let Ok((id, due)) = due_rx.recv() {
            std::thread::sleep(due.saturating_duration_since(Instant::now()));
            s.listing_overdue(&id);
        }
    });

    let s = Arc::clone(&shared);
    let server_thread = std::thread::spawn(move || {
        let mut r = BufReader::with_capacity(64 * 1024, child_out);
        let mut buf = Vec::new();
        loop {
            match read_line(&mut r, &mut buf, s.max_bytes) {
                Ok(Read::Eof) | Err(_) => break,
                Ok(Read::TooLong(n)) => note(
                    "MCP_MESSAGE_TOO_LARGE",
                    &format!(
                        "message of {n} bytes from the server dropped (limit {})",
                        s.max_bytes
                    ),
                ),
                Ok(Read::Line) if buf.iter().all(u8::is_ascii_whitespace) => {}
                Ok(Read::Line) => s.on_server_message(&buf),
            }
        }
    });
    let s = Arc::clone(&shared);
    // Not joined: it may sit in a read of our stdin when the server exits.
    std::thread::spawn(move || {
        let stdin = std::io::stdin();
        let mut r = BufReader::with_capacity(64 * 1024, stdin.lock());
        let mut buf = Vec::new();
        loop {
            match read_line(&mut r, &mut buf, s.max_bytes) {
                Ok(Read::Eof) | Err(_) => break,
                Ok(Read::TooLong(n)) => s.refuse(
                    &Value::Null,
                    &McpError::TooLarge {
                        size: n,
                        limit: s.max_bytes,
                    },
                ),
                Ok(Read::Line) if buf.iter().all(u8::is_ascii_whitespace) => {}
                Ok(Read::Line) => s.on_client_message(&buf),
            }
        }
        // The client closed its side: close the server's stdin so it ends.
        *lock(&s.to_server) = None;
    });

    let status = child
        .wait()
        .map_err(|e| Failure::new(exit::IO, "IO_ERROR", format!("waiting for the server: {e}")))?;
    let _ = server_thread.join();
    lock(&shared.gate).sync_to_disk();
    let code = match status.code() {
        Some(c) => u8::try_from(c & 0xff).unwrap_or(1),
        None => {
            #[cfg(unix)]
            {
                use std::os::unix::process::ExitStatusExt;
                status
                    .signal()
                    .map_or(1, |s| u8::try_from((128 + s) & 0xff).unwrap_or(1))
            }
            #[cfg(not(unix))]
            {
                1
            }
        }
    };
    Ok(code)
}
