//! The proxy's decision point: the policy runtime with the incident overrides file, the
//! scoped token, and the run directory the decisions, listings and receipts go into. One per
//! proxy, behind a mutex (the relay threads take turns).

use super::lock::{lock_run_dir, RunDirLock};
use super::GateArgs;
use crate::cmd::common::{now_ms, seed, verified_policy};
use crate::cmd::run::{self, StartArgs};
use crate::{exit, io, Failure};
use claw_core::canonical::Canonical;
use claw_core::evidence::{
    ElicitationRecord, ListedKind, ListingRecord, RunOp, RunState, RunToken,
};
use claw_core::mcp::{
    self, Approvable, Approval, CallDecision, Completion, DataRequest, Listing, McpError, Offered,
    OfferedTools, ToolCall,
};
use claw_core::wpc::{Overrides, PolicyRuntime, Requirements, Verdict, ACTION_TOOL_EXECUTE};
use serde_json::Value;
use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

/// The incident overrides file, re-read when its size or modification time changes.
#[derive(Debug)]
struct OverridesFile {
    path: PathBuf,
    stamp: Option<(u64, SystemTime)>,
    /// The reason every call is denied while the file is unreadable or invalid.
    broken: Option<&'static str>,
}

/// Seeds drawn from the OS at once: one `getrandom(2)` per this many records, not one per
/// record (two per tool call).
const SEEDS_PER_DRAW: usize = 32;

/// Record seeds (32 fresh random bytes each, docs/SPEC.md §6.6), drawn from the OS
/// [`SEEDS_PER_DRAW`] at a time. A seed is written into its record, in the clear, so drawing
/// it a few records early gives nothing away.
#[derive(Debug)]
struct Seeds {
    buf: Vec<[u8; 32]>,
}

impl Seeds {
    fn new() -> Seeds {
        Seeds { buf: Vec::new() }
    }

    /// The next seed; `draw` refills the pool when it is empty.
    fn next_with(&mut self, draw: impl FnOnce(&mut [[u8; 32]])) -> [u8; 32] {
        if self.buf.is_empty() {
            self.buf.resize(SEEDS_PER_DRAW, [0; 32]);
            draw(&mut self.buf);
        }
        self.buf.pop().unwrap_or_else(seed)
    }

    fn next(&mut self) -> [u8; 32] {
        self.next_with(|buf| {
            use rand_core::RngCore;
            rand_core::OsRng.fill_bytes(buf.as_flattened_mut());
        })
    }
}

/// The run directory being recorded into.
#[derive(Debug)]
struct Run {
    /// Held while the proxy runs: no second proxy records into the directory.
    _lock: RunDirLock,
    dir: PathBuf,
    state: RunState,
    /// The log, open for appending (one write per record).
    file: std::fs::File,
    /// The log's length after our last write: a longer log was appended to by another
    /// writer (e.g. `claw run approve`), and what it appended is replayed before our next
    /// record.
    log_len: u64,
    seeds: Seeds,
}

/// The token the run is bound to, re-validated once it has expired.
#[derive(Debug)]
struct Token {
    token: RunToken,
    mission: Option<String>,
    exp: Option<i64>,
}

/// A human's answer through elicitation, used once by the next decision on the same call
/// or data request (action, resource and argument hash).
#[derive(Debug)]
struct Answer {
    server: String,
    action: String,
    resource: String,
    args_hash: String,
    approved: bool,
}

#[derive(Debug)]
pub struct Gate {
    answers: Vec<Answer>,
    /// The tools each server (by name) listed (docs/SPEC.md §10.3, step 0).
    offered: HashMap<String, OfferedTools>,
    runtime: PolicyRuntime,
    policy_hash: String,
    requirements: Requirements,
    overrides: Option<OverridesFile>,
    run: Option<Run>,
    token: Option<Token>,
    agent_did: Option<String>,
    started_at: i64,
}

fn log_len(dir: &Path) -> Result<u64, Failure> {
    let p = run::log_path(dir);
    std::fs::metadata(&p)
        .map(|m| m.len())
        .map_err(|e| run::io_err(&p, e))
}

/// The bytes of `path` from offset `from` to `to`.
fn read_range(path: &Path, from: u64, to: u64) -> Result<Vec<u8>, Failure> {
    use std::io::{Read, Seek, SeekFrom};
    let io = |e| run::io_err(path, e);
    let mut f = std::fs::File::open(path).map_err(io)?;
    f.seek(SeekFrom::Start(from)).map_err(io)?;
    let n = usize::try_from(to - from).unwrap_or(usize::MAX);
    let mut buf = Vec::with_capacity(n.min(1 << 20));
    f.take(to - from).read_to_end(&mut buf).map_err(io)?;
    if buf.len() as u64 != to - from {
        return Err(run::io_err(
            path,
            std::io::Error::from(std::io::ErrorKind::UnexpectedEof),
        ));
    }
    Ok(buf)
}

fn failure(e: impl Into<claw_core::Error>) -> Failure {
    Failure::input(e.into())
}

impl Gate {
    /// Verify the policy, open (or continue) the run, validate the token: everything that
    /// must hold before the server is started.
    pub fn open(a: &GateArgs) -> Result<Gate, Failure> {
        let now = now_ms();
        let env_bytes = io::read_input(Some(&a.wpc))?;
        let (verified, compiled) = verified_policy(&env_bytes, &a.signer, now / 1000)?;
        let policy_hash = verified.policy().hash_b64u().to_string();
        let requirements = compiled.requirements();
        let cst = match &a.cst {
            Some(t) => Some(t.clone()),
            None => std::env::var("CLAW_MCP_CST").ok().filter(|t| !t.is_empty()),
        };
        if cst.is_none() && (a.require_cst || requirements.require_cst()) {
            return Err(Failure::new(
                exit::VERIFY_FAILED,
                "TOKEN_REQUIRED",
                format!("policy {policy_hash} requires a scoped token (--cst or CLAW_MCP_CST)"),
            ));
        }
        let runtime = PolicyRuntime::new(compiled);
        let mut gate = Gate {
            answers: Vec::new(),
            offered: HashMap::new(),
            runtime,
            policy_hash,
            requirements,
            overrides: a.overrides.as_ref().map(|p| OverridesFile {
                path: p.clone(),
                stamp: None,
                broken: None,
            }),
            run: None,
            token: None,
            agent_did: None,
            started_at: now / 1000,
        };
        if let Some(o) = &gate.overrides {
            // An invalid overrides file at start is an error, not a silent deny-all.
            let bytes = io::read_input(Some(&o.path))?;
            let parsed = Overrides::parse(&bytes).map_err(failure)?;
            gate.runtime.set_overrides(parsed).map_err(failure)?;
            gate.refresh_overrides();
        }
        let (Some(dir), Some(key)) = (&a.run_dir, &a.agent_key) else {
            if cst.is_some() {
                return Err(crate::cmd::common::bad_arg(
                    "--cst needs --run-dir and --agent-key",
                ));
            }
            return Ok(gate);
        };
        let lock = lock_run_dir(dir)?;
        let (mut state, log_len) = if run::log_path(dir).exists() {
            run::load_counted(dir, Some(key))?
        } else {
            if cst.is_some() && a.cst_issuer.is_empty() {
                return Err(crate::cmd::common::bad_arg(
                    "--cst needs at least one trusted --cst-issuer",
                ));
            }
            run::start_run(StartArgs {
                dir: dir.clone(),
                agent_key: key.clone(),
                wpc: a.wpc.clone(),
                wpc_signer: a.signer.clone(),
                cst: cst.clone(),
                cst_issuer: a.cst_issuer.clone(),
                aud: Some(a.cst_aud.clone().unwrap_or_else(|| a.server_name.clone())),
                mission: None,
                run_id: None,
            })
            .and_then(|st| Ok((st, log_len(dir)?)))?
        };
        // The proxy only appends (the bundle is built from the log afterwards): keep what the
        // next record needs, not the history, so memory stays flat however many calls.
        state.keep_chain_head_only();
        let start = state.start_info().clone();
        match &start.policy {
            Some(p) if p.hash_b64u == gate.policy_hash => {}
            _ => {
                return Err(Failure::new(
                    exit::BAD_INPUT,
                    "RUN_POLICY_MISMATCH",
                    format!(
                        "{} holds a run under another policy than {}",
                        dir.display(),
                        gate.policy_hash
                    ),
                ))
            }
        }
        if cst.is_some() && start.token.is_none() {
            return Err(Failure::new(
                exit::BAD_INPUT,
                "RUN_TOKEN_MISMATCH",
                format!("{} holds a run started without a token", dir.display()),
            ));
        }
        gate.agent_did = Some(start.agent_did.clone());
        gate.started_at = state.started_at_ms() / 1000;
        if let Some(t) = &start.token {
            let tok = Token {
                mission: t
                    .claims
                    .get("mission_id")
                    .and_then(Value::as_str)
                    .map(str::to_string),
                exp: t.claims.get("exp").and_then(Value::as_i64),
                token: t.clone(),
            };
            // Validated now for tool calls (a continued run's token may have expired since).
            run::validate_token(
                &tok.token,
                tok.mission.as_deref(),
                &start.agent_did,
                &gate.policy_hash,
                &gate.requirements,
                Some(ACTION_TOOL_EXECUTE),
                now / 1000,
            )
            .map_err(|e| Failure::verify(e.into()))?;
            gate.token = Some(tok);
        }
        let path = run::log_path(dir);
        let file = std::fs::OpenOptions::new()
            .append(true)
            .open(&path)
            .map_err(|e| run::io_err(&path, e))?;
        gate.run = Some(Run {
            _lock: lock,
            dir: dir.clone(),
            log_len,
            file,
            seeds: Seeds::new(),
            state,
        });
        Ok(gate)
    }

    /// Re-read the overrides file if it changed since the last look.
    fn refresh_overrides(&mut self) {
        let Some(o) = &mut self.overrides else {
            return;
        };
        let stamp = std::fs::metadata(&o.path)
            .ok()
            .and_then(|m| Some((m.len(), m.modified().ok()?)));
        if stamp.is_some() && stamp == o.stamp {
            return;
        }
        o.stamp = stamp;
        let parsed = std::fs::read(&o.path)
            .map_err(|_| "OVERRIDES_UNREADABLE")
            .and_then(|b| Overrides::parse(&b).map_err(|_| "OVERRIDES_INVALID"));
        o.broken = match parsed.map(|p| self.runtime.set_overrides(p)) {
            Ok(Ok(())) => None,
            Ok(Err(_)) => Some("OVERRIDES_INVALID"),
            Err(code) => Some(code),
        };
    }

    /// The time of the next record (never before the run's last one), in milliseconds.
    fn now_ms(&self) -> i64 {
        match &self.run {
            Some(r) => run::at(&r.state),
            None => now_ms(),
        }
    }

    /// The token's verdict for `action` at `now` (seconds). A tool call's token was
    /// validated for `tool:execute` when the proxy started, and is fully re-validated once
    /// expired; any other action is validated each time (the token's scope must cover it).
    fn token_refusal(&self, action: &str, now: i64) -> Option<&'static str> {
        let t = self.token.as_ref()?;
        if action == ACTION_TOOL_EXECUTE && t.exp.is_some_and(|exp| now < exp) {
            return None;
        }
        let agent = self.agent_did.as_deref().unwrap_or_default();
        run::validate_token(
            &t.token,
            t.mission.as_deref(),
            agent,
            &self.policy_hash,
            &self.requirements,
            Some(action),
            now,
        )
        .err()
        .map(|e| e.reason_code())
    }

    /// Replay what another writer appended to the log since our last write, if anything.
    fn sync_run(&mut self) -> Result<(), Failure> {
        let Some(r) = &mut self.run else {
            return Ok(());
        };
        let path = run::log_path(&r.dir);
        let len = r
            .file
            .metadata()
            .map(|m| m.len())
            .map_err(|e| run::io_err(&path, e))?;
        if len == r.log_len {
            return Ok(());
        }
        if len < r.log_len {
            return Err(Failure::new(
                exit::BAD_INPUT,
                "RUN_LOG_INVALID",
                format!(
                    "{}: the run log shrank from {} to {len} bytes while the proxy recorded into it",
                    path.display(),
                    r.log_len
                ),
            ));
        }
        let appended = read_range(&path, r.log_len, len)?;
        let appended = std::str::from_utf8(&appended).map_err(|_| {
            Failure::new(
                exit::BAD_INPUT,
                "RUN_LOG_INVALID",
                format!("{}: appended bytes are not UTF-8", path.display()),
            )
        })?;
        r.state.catch_up(appended).map_err(failure)?;
        r.log_len = len;
        Ok(())
    }

    /// Apply one operation to the run and append its record (not synced: the proxy syncs
    /// when it ends; docs/SPEC.md §10).
    fn record(&mut self, op: RunOp, at_ms: i64) -> Result<(), Failure> {
        let Some(r) = &mut self.run else {
            return Ok(());
        };
        let seed = r.seeds.next();
        let rec = r.state.apply(op, at_ms, seed).map_err(failure)?;
        let mut line = rec.to_line().map_err(failure)?;
        line.push('\n');
        // One write of a whole line (O_APPEND), not synced (docs/SPEC.md §10.7).
        r.file
            .write_all(line.as_bytes())
            .map_err(|e| run::io_err(&run::log_path(&r.dir), e))?;
        r.log_len = r.log_len.saturating_add(line.len() as u64);
        Ok(())
    }

    /// Decide a `tools/call` to the MCP server named `server` and record the decision.
    /// A tool the server never listed is refused before the policy sees it
    /// (`MCP_TOOL_NOT_LISTED`; `MCP_TOOL_LISTING_UNAVAILABLE` while no whole listing could
    /// be read): the relays list the server's tools themselves first ([`Gate::offered`]).
    pub fn decide(&mut self, call: &ToolCall, server: &str) -> Result<CallDecision, Failure> {
        let unlisted = self.offered(server, &call.name).refusal();
        self.decide_on(
            ACTION_TOOL_EXECUTE,
            &call.name,
            call.args_hash_b64u(),
            server,
            unlisted,
        )
    }

    /// What is known of tool `name` of the server named `server`: `Unknown` until a whole
    /// listing of its tools has been read (by the client or by the proxy itself).
    pub fn offered(&self, server: &str, name: &str) -> Offered {
        self.offered
            .get(server)
            .map_or(Offered::Unknown, |o| o.offered(name))
    }

    /// Take in one page of a `tools/list` answer (`from_first_page`: see
    /// [`OfferedTools::note_page`]); returns the next page's cursor. The proxy's own listing
    /// (not recorded, not shown to anyone) reads every page from the first.
    pub fn note_tools_page(
        &mut self,
        server: &str,
        result: &Value,
        from_first_page: bool,
    ) -> Result<Option<String>, McpError> {
        self.offered
            .entry(server.to_string())
            .or_default()
            .note_page(result, from_first_page)
    }

    /// The server named `server` said its tools changed (`notifications/tools/list_changed`).
    pub fn tools_changed(&mut self, server: &str) {
        if let Some(o) = self.offered.get_mut(server) {
            o.changed();
        }
    }

    /// Decide, in order, each data request one client request makes to the MCP server named
    /// `server` (docs/SPEC.md §10.3.1): the first that is not allowed, with its decision, or
    /// `None` when every one is (the request may go to the server). The run's token must
    /// cover the requests' action too: it is validated for it each time. Only what happens
    /// is recorded: when one is refused, its refusal alone (the others were not forwarded,
    /// and an approval they would have used stays unused); else every allow, in order.
    pub fn first_data_refusal<'r>(
        &mut self,
        reqs: &'r [DataRequest],
        server: &str,
    ) -> Result<Option<(&'r DataRequest, CallDecision)>, Failure> {
        self.refresh_overrides();
        self.sync_run()?;
        let at = self.now_ms();
        let refused = reqs.iter().position(|r| {
            let (d, _) =
                self.evaluate(r.action(), r.target(), r.args_hash_b64u(), server, None, at);
            !allows(&d)
        });
        let mut done = None;
        if let Some(i) = refused {
            let d = self.decide_data(&reqs[i], server)?;
            if !allows(&d) {
                return Ok(Some((&reqs[i], d)));
            }
            // Allowed on the second look (the clock moved): the others are decided below.
            done = Some(i);
        }
        for (i, req) in reqs.iter().enumerate() {
            if Some(i) == done {
                continue;
            }
            let d = self.decide_data(req, server)?;
            if !allows(&d) {
                return Ok(Some((req, d)));
            }
        }
        Ok(None)
    }

    /// Decide one data request and record it.
    fn decide_data(&mut self, req: &DataRequest, server: &str) -> Result<CallDecision, Failure> {
        self.decide_on(
            req.action(),
            req.target(),
            req.args_hash_b64u(),
            server,
            None,
        )
    }

    /// Decide what a human was asked to approve, again, once the answer is recorded.
    pub fn decide_approvable(
        &mut self,
        asked: &Approvable,
        server: &str,
    ) -> Result<CallDecision, Failure> {
        match asked {
            Approvable::Call(c) => self.decide(c, server),
            Approvable::Data(r) => self.decide_data(r, server),
        }
    }

    /// Decide `action` on `resource` (arguments hashed to `args_hash`) and record it;
    /// `refused` is a reason to deny found before the policy (after the overrides file).
    fn decide_on(
        &mut self,
        action: &str,
        resource: &str,
        args_hash: &str,
        server: &str,
        refused: Option<&'static str>,
    ) -> Result<CallDecision, Failure> {
        self.refresh_overrides();
        self.sync_run()?;
        let at = self.now_ms();
        let (d, answer) = self.evaluate(action, resource, args_hash, server, refused, at);
        if let Some(i) = answer {
            self.answers.remove(i);
        }
        self.record(
            RunOp::Decision(d.to_record_of(action, resource, args_hash)),
            at,
        )?;
        Ok(d)
    }

    /// The decision on `action` on `resource` at `at` (ms), and the index of the answer
    /// given through elicitation it uses up, if one decided it; nothing recorded or used.
    fn evaluate(
        &self,
        action: &str,
        resource: &str,
        args_hash: &str,
        server: &str,
        refused: Option<&'static str>,
        at: i64,
    ) -> (CallDecision, Option<usize>) {
        let broken = self.overrides.as_ref().and_then(|o| o.broken);
        let early = broken
            .or(refused)
            .or_else(|| self.token_refusal(action, at / 1000));
        if let Some(code) = early {
            return (CallDecision::refused(code, &self.policy_hash), None);
        }
        // A recorded approval (`claw run approve`, a receipt) first, then an answer given
        // through elicitation (an event; the decision names no receipt for it).
        let recorded = self
            .run
            .as_ref()
            .and_then(|r| r.state.unused_approval(action, resource, Some(args_hash)));
        let answer = self.answers.iter().position(|a| {
            a.action == action
                && a.server == server
                && a.resource == resource
                && a.args_hash == args_hash
        });
        let approval = match (recorded, answer.and_then(|i| self.answers.get(i))) {
            (Some(ap), _) if ap.approval_type == "explicit_approve" => {
                Approval::Approved(&ap.receipt_id)
            }
            (Some(ap), _) => Approval::Denied(&ap.receipt_id),
            (None, Some(a)) if a.approved => Approval::Approved(""),
            (None, Some(_)) => Approval::Denied(""),
            (None, None) => Approval::None,
        };
        let from_answer = recorded.is_none() && answer.is_some();
        let mut d = mcp::decide_request(
            &self.runtime.snapshot(),
            action,
            resource,
            server,
            at / 1000,
            self.started_at,
            approval,
        );
        let mut used = None;
        if from_answer && d.approval_receipt_id.take().is_some() {
            used = answer;
        }
        (d, used)
    }

    /// Record a human's answer (through MCP elicitation) about this very call or data
    /// request.
    pub fn record_approval(
        &mut self,
        asked: &Approvable,
        server: &str,
        approved: bool,
        approver: &str,
    ) -> Result<(), Failure> {
        self.sync_run()?;
        let at = self.now_ms();
        let (action, resource, args_hash) =
            (asked.action(), asked.target(), asked.args_hash_b64u());
        let op = RunOp::Elicitation(ElicitationRecord::new(
            server, action, resource, args_hash, approved, approver,
        ));
        self.record(op, at)?;
        self.answers.push(Answer {
            server: server.into(),
            action: action.into(),
            resource: resource.into(),
            args_hash: args_hash.into(),
            approved,
        });
        Ok(())
    }

    /// Record the result of an allowed call: the tool receipt.
    pub fn record_result(
        &mut self,
        call: ToolCall,
        result: Value,
        status: &str,
        latency_ms: u64,
    ) -> Result<(), Failure> {
        if self.run.is_none() {
            return Ok(());
        }
        // Serialized once: its hash for the receipt and its text in the log line.
        let result = Canonical::new(result).map_err(failure)?;
        self.sync_run()?;
        let at = self.now_ms();
        self.record(
            RunOp::Tool {
                tool_name: call.name,
                tool_version: None,
                args: call.arguments,
                result,
                result_status: status.into(),
                latency_ms,
            },
            at,
        )
    }

    /// Filter a `tools/list` result of the MCP server named `server` and record the listing
    /// (`first_page`: the client's request had no cursor).
    pub fn listing(
        &mut self,
        result: &Value,
        server: &str,
        first_page: bool,
    ) -> Result<Listing, Failure> {
        self.refresh_overrides();
        self.sync_run()?;
        let at = self.now_ms();
        let shown = self.shown_in_listings(at);
        let listing = mcp::filter_tools_list(result, |name| shown(ACTION_TOOL_EXECUTE, name))
            .map_err(failure)?;
        // What the client was shown is what the server offers (a readable listing: checked
        // by the filter above).
        let _ = self.note_tools_page(server, result, first_page);
        self.record_listing(server, &listing, None, at)?;
        Ok(listing)
    }

    /// Filter a `resources/list`, `resources/templates/list` or `prompts/list` result of the
    /// MCP server named `server` to what the policy could allow, and record the listing
    /// (§10.3.1); `Ok(None)` for any other method.
    pub fn data_listing(
        &mut self,
        method: &str,
        result: &Value,
        server: &str,
    ) -> Result<Option<Value>, Failure> {
        self.refresh_overrides();
        self.sync_run()?;
        let at = self.now_ms();
        let shown = self.shown_in_listings(at);
        let Some((kind, listing)) =
            mcp::filter_data_list(method, result, shown).map_err(failure)?
        else {
            return Ok(None);
        };
        self.record_listing(server, &listing, Some(kind), at)?;
        Ok(Some(listing.result))
    }

    /// Record what a listing offered and showed.
    fn record_listing(
        &mut self,
        server: &str,
        listing: &Listing,
        kind: Option<ListedKind>,
        at_ms: i64,
    ) -> Result<(), Failure> {
        self.record(
            RunOp::Listing(ListingRecord {
                server: server.into(),
                offered: listing.offered.clone(),
                shown: listing.shown.clone(),
                offered_hash_b64u: listing.offered_hash_b64u.clone(),
                kind,
            }),
            at_ms,
        )
    }

    /// Whether the server may be asked for `completion/complete` suggestions about the
    /// prompt or template `c` names: when a listing would show it (§10.3.1).
    pub fn completion_shown(&mut self, c: &Completion) -> bool {
        self.refresh_overrides();
        let shown = self.shown_in_listings(self.now_ms());
        shown(c.action(), c.target())
    }

    /// Whether a listing may show `action` on a target at `at_ms` (§10.6): nothing while the
    /// overrides file is unreadable or invalid, else what the policy could allow.
    fn shown_in_listings(&self, at_ms: i64) -> impl Fn(&str, &str) -> bool {
        let broken = self.overrides.as_ref().is_some_and(|o| o.broken.is_some());
        let snapshot = self.runtime.snapshot();
        move |action, target| {
            !broken && mcp::visible_in_listing(&snapshot, action, target, at_ms / 1000)
        }
    }

    /// Sync the run log to disk (at exit).
    pub fn sync_to_disk(&self) {
        if let Some(r) = &self.run {
            let _ = r.file.sync_data();
        }
    }
}

/// Whether a decision lets the call through.
pub fn allows(d: &CallDecision) -> bool {
    d.verdict == Verdict::Allow
}

#[cfg(test)]
mod tests {
    use super::*;

    /// One draw from the OS per 32 records, and every seed handed out once.
    #[test]
    fn seeds_are_drawn_32_at_a_time_and_never_repeat() {
        let mut seeds = Seeds::new();
        let mut draws = 0u8;
        let mut seen = std::collections::HashSet::new();
        for _ in 0..(3 * SEEDS_PER_DRAW + 1) {
            let s = seeds.next_with(|buf| {
                draws += 1;
                for (i, s) in buf.iter_mut().enumerate() {
                    *s = [draws; 32];
                    s[0] = u8::try_from(i).unwrap();
                }
            });
            assert!(seen.insert(s), "seed handed out twice");
        }
        assert_eq!(draws, 4);
        // The real pool: fresh bytes, distinct seeds.
        let mut real = Seeds::new();
        let (a, b) = (real.next(), real.next());
        assert_ne!(a, b);
        assert_ne!(a, [0; 32]);
    }
}
