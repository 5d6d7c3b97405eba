//! The stdio relay: the client on our stdin/stdout, the server a child process on pipes,
//! its stderr passed through. Two threads read (client, server); each message is parsed
//! strictly, decided on when it is a `tools/call`, and forwarded as the exact bytes read.

use super::gate::{allows, Gate};
use super::lines::{read_line, Read};
use super::WrapArgs;
use crate::{exit, Failure};
use claw_core::mcp::{
    self, client_supports_elicitation, denial_result, refusal, result_response, IdKey, McpError,
    Message, ToolCall,
};
use claw_core::wpc::Verdict;
use serde_json::Value;
use std::collections::HashMap;
use std::io::{BufReader, Write};
use std::process::{ChildStdin, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Instant;

/// At most this many requests wait for the server's answer (beyond: refused).
const MAX_PENDING: usize = 4096;

/// A client request whose answer the proxy acts on.
#[derive(Debug)]
enum Pending {
    /// An allowed `tools/call`: its receipt is signed when the server answers.
    Call { call: ToolCall, started: Instant },
    /// A `tools/list`: the answer is filtered.
    List,
}

/// An approval asked through elicitation: the call waits for the client's answer.
#[derive(Debug)]
struct Asked {
    id: Value,
    call: ToolCall,
    line: Vec<u8>,
}

struct Shared {
    gate: Mutex<Gate>,
    /// `--server-name`: the `Mcp:Server` context key.
    server: String,
    pending: Mutex<HashMap<IdKey, Pending>>,
    asked: Mutex<HashMap<IdKey, Asked>>,
    to_client: Mutex<std::io::Stdout>,
    to_server: Mutex<Option<ChildStdin>>,
    elicitation: AtomicBool,
    client_name: Mutex<String>,
    next_ask: AtomicU64,
    ask_prefix: String,
    max_bytes: usize,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // A poisoned lock means a relay thread panicked; the data it guards is still usable.
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// One line on stderr, the CLI's error format.
fn note(reason: &str, message: &str) {
    eprintln!("claw: {reason}: {}", message.replace('\n', " "));
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
            Message::Request { id, method, params } => match method.as_str() {
                "tools/call" => self.tools_call(id, params.as_ref(), line),
                "tools/list" => {
                    if self.track(&id, Pending::List) {
                        self.send_server(line);
                    }
                }
                "initialize" => {
                    let p = params.as_ref();
                    self.elicitation
                        .store(client_supports_elicitation(p), Ordering::SeqCst);
                    if let Some(n) = p
                        .and_then(|p| p.get("clientInfo"))
                        .and_then(|c| c.get("name"))
                        .and_then(Value::as_str)
                    {
                        *lock(&self.client_name) = n.chars().take(128).collect();
                    }
                    self.send_server(line);
                }
                _ => self.send_server(line),
            },
            Message::Response { id, outcome } => {
                let asked = IdKey::of(&id).and_then(|k| lock(&self.asked).remove(&k));
                match asked {
                    Some(a) => self.answered(a, &outcome),
                    None => self.send_server(line),
                }
            }
            Message::Notification { .. } => self.send_server(line),
        }
    }

    /// Remember a request whose answer the proxy acts on; false (and the client told) when
    /// too many are waiting.
    fn track(&self, id: &Value, p: Pending) -> bool {
        let Some(k) = IdKey::of(id) else {
            return false;
        };
        let mut pending = lock(&self.pending);
        if pending.len() >= MAX_PENDING && !pending.contains_key(&k) {
            drop(pending);
            self.fail(
                id,
                &Failure::new(
                    exit::IO,
                    "MCP_TOO_MANY_PENDING",
                    "too many requests waiting for the server",
                ),
            );
            return false;
        }
        pending.insert(k, p);
        true
    }

    fn tools_call(&self, id: Value, params: Option<&Value>, line: &[u8]) {
        let call = match ToolCall::from_params(params) {
            Ok(c) => c,
            Err(e) => return self.refuse(&id, &e),
        };
        let decided = lock(&self.gate).decide(&call, &self.server);
        let d = match decided {
            Ok(d) => d,
            Err(f) => return self.fail(&id, &f),
        };
        if allows(&d) {
            let started = Instant::now();
            if self.track(&id, Pending::Call { call, started }) {
                self.send_server(line);
            }
            return;
        }
        if d.verdict == Verdict::ApprovalRequired && self.elicitation.load(Ordering::SeqCst) {
            let n = self.next_ask.fetch_add(1, Ordering::SeqCst);
            let ask_id = Value::from(format!("{}-{n}", self.ask_prefix));
            let req =
                mcp::elicitation_request(&ask_id, &call.name, &self.server, call.arguments.value());
            if let Some(k) = IdKey::of(&ask_id) {
                lock(&self.asked).insert(
                    k,
                    Asked {
                        id,
                        call,
                        line: line.to_vec(),
                    },
                );
            }
            return self.send_client(&req);
        }
        self.send_client(&result_response(
            &id,
            denial_result(&call.name, &self.server, &d),
        ));
    }

    /// The client answered an approval request: record the answer, decide again.
    fn answered(&self, a: Asked, outcome: &Result<Value, Value>) {
        let approved = mcp::elicitation_answer(outcome);
        let approver = format!("mcp-client:{}", lock(&self.client_name));
        let mut gate = lock(&self.gate);
        let decided = gate
            .record_approval(&a.call, &self.server, approved, &approver)
            .and_then(|_| gate.decide(&a.call, &self.server));
        drop(gate);
        match decided {
            Ok(d) if allows(&d) => {
                let started = Instant::now();
                if self.track(
                    &a.id,
                    Pending::Call {
                        call: a.call,
                        started,
                    },
                ) {
                    self.send_server(&a.line);
                }
            }
            Ok(d) => self.send_client(&result_response(
                &a.id,
                denial_result(&a.call.name, &self.server, &d),
            )),
            Err(f) => self.fail(&a.id, &f),
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
        let Message::Response { id, outcome } = msg else {
            return self.send_client_bytes(line);
        };
        let pending = IdKey::of(&id).and_then(|k| lock(&self.pending).remove(&k));
        match pending {
            None => self.send_client_bytes(line),
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
            Some(Pending::List) => match outcome {
                Err(_) => self.send_client_bytes(line),
                Ok(r) => {
                    let filtered = lock(&self.gate).listing(&r, &self.server);
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
    let shared = Arc::new(Shared {
        gate: Mutex::new(gate),
        server: a.gate.server_name.clone(),
        pending: Mutex::new(HashMap::new()),
        asked: Mutex::new(HashMap::new()),
        to_client: Mutex::new(std::io::stdout()),
        to_server: Mutex::new(Some(child_in)),
        elicitation: AtomicBool::new(false),
        client_name: Mutex::new(String::from("unknown")),
        next_ask: AtomicU64::new(1),
        ask_prefix: random_prefix(),
        max_bytes: a.gate.max_message_bytes,
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
