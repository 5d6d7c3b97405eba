//! Reconciliation: OpenClaw's own record of a run (its session transcript) against claw's
//! receipts. A gate that cannot show it saw every call is only a hope: this check finds the
//! calls OpenClaw executed that claw never decided (a plugin-less entry point such as
//! `openclaw agent exec`, a hook that did not fire), and the calls claw refused that ran anyway.
//!
//! ```text
//! Transcript::parse(bytes)                   session JSONL (or agent_end's messages as JSONL)
//! records_from_bundle(&verified_bundle)      the bundle's tool receipts + the session it names
//! reconcile(&transcript, &records)           -> ReconcileReport { findings, to_json() }
//! ```
//!
//! Rules (docs/SPEC.md §7.8): every call OpenClaw executed needs a tool receipt with the same
//! tool name and `args_hash_b64u = H(JCS(arguments))` (claw writes a receipt only for a call it
//! allowed); a call OpenClaw reports as blocked must have none; each receipt answers one call.

use std::collections::HashMap;

use serde_json::{json, Map, Value};

use super::audit::{Finding, Severity, Summary};
use crate::evidence::{Bundle, ReceiptKind};

/// Largest transcript read (bytes).
pub const MAX_TRANSCRIPT_BYTES: usize = 64 * 1024 * 1024;
/// Most transcript lines read.
pub const MAX_TRANSCRIPT_LINES: usize = 200_000;
/// Most tool calls in one transcript.
pub const MAX_TRANSCRIPT_CALLS: usize = 100_000;
const MAX_DEPTH: usize = 64;

/// Why a transcript could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ReconcileError {
    /// Larger than [`MAX_TRANSCRIPT_BYTES`], or more lines or calls than allowed.
    #[error("session transcript too large: {what} above the limit of {limit}")]
    TooLarge {
        /// What was too large (bytes, lines, calls).
        what: &'static str,
        /// The bound.
        limit: usize,
    },
    /// A line is not a JSON object (1-based line number).
    #[error("session transcript line {line}: {detail}")]
    Line {
        /// 1-based line in the transcript.
        line: usize,
        /// What is wrong.
        detail: String,
    },
    /// A message or tool call lacks a field the reconciliation needs.
    #[error("session transcript line {line}: {detail}")]
    Shape {
        /// 1-based line in the transcript.
        line: usize,
        /// What is wrong.
        detail: &'static str,
    },
    /// Two tool calls with one id.
    #[error("session transcript line {line}: tool call id {id:?} appears twice")]
    DuplicateCall {
        /// 1-based line in the transcript.
        line: usize,
        /// The repeated tool call id.
        id: String,
    },
    /// The transcript records no session and no message.
    #[error("session transcript is empty")]
    Empty,
}

impl ReconcileError {
    /// Stable, machine-readable reason code.
    pub fn reason_code(&self) -> &'static str {
        match self {
            ReconcileError::TooLarge { .. } => "OPENCLAW_TRANSCRIPT_TOO_LARGE",
            ReconcileError::Line { .. } => "OPENCLAW_TRANSCRIPT_INVALID_JSON",
            ReconcileError::Shape { .. } | ReconcileError::DuplicateCall { .. } => {
                "OPENCLAW_TRANSCRIPT_INVALID"
            }
            ReconcileError::Empty => "OPENCLAW_TRANSCRIPT_EMPTY",
        }
    }
}

impl From<ReconcileError> for crate::Error {
    fn from(e: ReconcileError) -> crate::Error {
        crate::Error::new(crate::ErrorKind::Input, e.reason_code(), e.to_string())
    }
}

/// What OpenClaw did with one tool call, as its transcript says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CallOutcome {
    /// A tool result that is not a block: the tool ran.
    Executed,
    /// The tool result says a hook blocked it (`details.status = "blocked"`): it did not run.
    Blocked,
    /// No tool result in the transcript (the run ended first).
    NoResult,
}

impl CallOutcome {
    /// `executed`, `blocked` or `no_result`.
    pub fn as_str(self) -> &'static str {
        match self {
            CallOutcome::Executed => "executed",
            CallOutcome::Blocked => "blocked",
            CallOutcome::NoResult => "no_result",
        }
    }
}

/// One tool call the model made, and what became of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TranscriptCall {
    /// OpenClaw's tool call id.
    pub id: String,
    /// The tool that runs: for a Tool Search bridge call (`tool_call {id, args}`), the inner tool.
    pub tool: String,
    /// `H(JCS(arguments))` (the inner `args` for a bridge call).
    pub args_hash_b64u: String,
    /// Reached through the Tool Search bridge.
    pub bridged: bool,
    /// What happened to it.
    pub outcome: CallOutcome,
    /// The result is an error OpenClaw's plugin-approval flow wrote instead of running the
    /// tool (`details.status = "error"`, its text beginning `Plugin approval` or `Approval `:
    /// e.g. `agent --local` runs, which have no surface to ask on). Alone it proves nothing
    /// (a tool could print that text); with claw's refusing approval receipt for the same
    /// tool and arguments it is read as "refused, not executed".
    pub approval_failed: bool,
}

/// The tool calls of one OpenClaw session transcript.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transcript {
    /// The session id from the transcript's `session` line, if any.
    pub session_id: Option<String>,
    /// Every tool call, in transcript order.
    pub calls: Vec<TranscriptCall>,
}

fn args_hash(v: &Value) -> String {
    // Values come from the strict parser, so JCS cannot fail; a failure hashes a marker that
    // matches no receipt (the call then shows as a bypass, never as covered).
    match crate::json::canonicalize(v) {
        Ok(b) => crate::hash::sha256_b64u(b),
        Err(_) => "unhashable".into(),
    }
}

impl Transcript {
    /// Parse OpenClaw's session transcript: JSON Lines, one entry per line. Lines
    /// `{"type":"session","id"}` name the session; `{"type":"message","message":{...}}` (or a
    /// bare message with a `role`) carry the conversation. Assistant messages list tool calls
    /// (`content[]` items `{type:"toolCall", id, name, arguments}`); `toolResult` messages
    /// answer them by `toolCallId`. Other entry types are skipped.
    pub fn parse(bytes: &[u8]) -> Result<Transcript, ReconcileError> {
        if bytes.len() > MAX_TRANSCRIPT_BYTES {
            return Err(ReconcileError::TooLarge {
                what: "bytes",
                limit: MAX_TRANSCRIPT_BYTES,
            });
        }
        let limits = crate::json::Limits {
            max_bytes: MAX_TRANSCRIPT_BYTES,
            max_depth: MAX_DEPTH,
            // As JavaScript reads them: the plugin hashed the values Node held.
            exact_integers: false,
        };
        let mut session_id = None;
        let mut calls: Vec<TranscriptCall> = Vec::new();
        let mut index: HashMap<String, usize> = HashMap::new();
        let mut seen_any = false;
        for (n, line) in bytes.split(|&b| b == b'\n').enumerate() {
            let line_no = n + 1;
            if line_no > MAX_TRANSCRIPT_LINES {
                return Err(ReconcileError::TooLarge {
                    what: "lines",
                    limit: MAX_TRANSCRIPT_LINES,
                });
            }
            if line.iter().all(u8::is_ascii_whitespace) {
                continue;
            }
            let v = crate::json::parse(line, &limits).map_err(|e| ReconcileError::Line {
                line: line_no,
                detail: e.to_string(),
            })?;
            let Value::Object(o) = v else {
                return Err(ReconcileError::Line {
                    line: line_no,
                    detail: "not a JSON object".into(),
                });
            };
            let message =
                match o.get("type").and_then(Value::as_str) {
                    Some("session") => {
                        seen_any = true;
                        if let Some(id) = o.get("id").and_then(Value::as_str) {
                            session_id.get_or_insert_with(|| id.to_string());
                        }
                        continue;
                    }
                    Some("message") => o.get("message").and_then(Value::as_object).ok_or(
                        ReconcileError::Shape {
                            line: line_no,
                            detail: "a message entry without a message object",
                        },
                    )?,
                    None if o.contains_key("role") => &o,
                    _ => continue,
                };
            seen_any = true;
            match message.get("role").and_then(Value::as_str) {
                Some("assistant") => {
                    let Some(Value::Array(content)) = message.get("content") else {
                        continue;
                    };
                    for item in content {
                        if item.get("type").and_then(Value::as_str) != Some("toolCall") {
                            continue;
                        }
                        let call = tool_call(item, line_no)?;
                        if index.contains_key(&call.id) {
                            return Err(ReconcileError::DuplicateCall {
                                line: line_no,
                                id: call.id,
                            });
                        }
                        if calls.len() >= MAX_TRANSCRIPT_CALLS {
                            return Err(ReconcileError::TooLarge {
                                what: "tool calls",
                                limit: MAX_TRANSCRIPT_CALLS,
                            });
                        }
                        index.insert(call.id.clone(), calls.len());
                        calls.push(call);
                    }
                }
                Some("toolResult") => {
                    let id = message.get("toolCallId").and_then(Value::as_str).ok_or(
                        ReconcileError::Shape {
                            line: line_no,
                            detail: "a toolResult without toolCallId",
                        },
                    )?;
                    // A result for a call not in the transcript is ignored: there is no call
                    // to account for.
                    if let Some(&i) = index.get(id) {
                        calls[i].outcome = if is_blocked(message) {
                            CallOutcome::Blocked
                        } else {
                            CallOutcome::Executed
                        };
                        calls[i].approval_failed = is_approval_failure(message);
                    }
                }
                _ => {}
            }
        }
        if !seen_any {
            return Err(ReconcileError::Empty);
        }
        Ok(Transcript { session_id, calls })
    }
}

fn tool_call(item: &Value, line: usize) -> Result<TranscriptCall, ReconcileError> {
    let shape = |detail| ReconcileError::Shape { line, detail };
    let id = item
        .get("id")
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
        .ok_or(shape("a toolCall without an id"))?;
    let name = item
        .get("name")
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
        .ok_or(shape("a toolCall without a name"))?;
    let empty = Value::Object(Map::new());
    let arguments = item.get("arguments").unwrap_or(&empty);
    // Tool Search: `tool_call {id: "<tool>", args: {...}}` runs <tool> with args.
    let (tool, args, bridged) = match (
        name,
        arguments.get("id").and_then(Value::as_str),
        arguments.get("args"),
    ) {
        ("tool_call", Some(inner), args) => (bridged_tool(inner), args.unwrap_or(&empty), true),
        _ => (name.to_string(), arguments, false),
    };
    Ok(TranscriptCall {
        id: id.to_string(),
        tool,
        args_hash_b64u: args_hash(args),
        bridged,
        outcome: CallOutcome::NoResult,
        approval_failed: false,
    })
}

/// The tool a bridge id names, as the plugin judges it: trimmed, lowercased, the last
/// `:`-separated segment (`openclaw:core:write` → `write`).
fn bridged_tool(id: &str) -> String {
    let lower = id.trim().to_lowercase();
    lower.rsplit(':').next().unwrap_or_default().to_string()
}

/// OpenClaw marks a result it produced instead of running the tool with
/// `details.status = "blocked"` (a `before_tool_call` block or a refused approval).
fn is_blocked(message: &Map<String, Value>) -> bool {
    message
        .get("details")
        .and_then(|d| d.get("status"))
        .and_then(Value::as_str)
        == Some("blocked")
}

/// OpenClaw's own error result for a call its plugin-approval flow stopped (OpenClaw
/// 2026.9.6 `requestPluginToolApproval`: "Plugin approval unavailable: …", "Plugin approval
/// required (gateway unavailable)", "Approval timed out", "Approval cancelled (run aborted)",
/// and `pluginApprovalDeniedOutcome` for an operator's deny: "Denied by user. The tool call
/// did not run. …").
fn is_approval_failure(message: &Map<String, Value>) -> bool {
    let details = message.get("details");
    if details
        .and_then(|d| d.get("status"))
        .and_then(Value::as_str)
        != Some("error")
    {
        return false;
    }
    let text = details
        .and_then(|d| d.get("error"))
        .and_then(Value::as_str)
        .or_else(|| {
            message
                .get("content")
                .and_then(|c| c.get(0))
                .and_then(|c| c.get("text"))
                .and_then(Value::as_str)
        })
        .unwrap_or_default()
        .trim_start();
    text.starts_with("Plugin approval ")
        || text.starts_with("Approval ")
        || text.starts_with("Denied by user. The tool call did not run.")
}

/// One tool receipt of a verified bundle: what claw allowed and recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClawRecord {
    /// The receipt id.
    pub receipt_id: String,
    /// The tool.
    pub tool_name: String,
    /// `H(JCS(args))` of the arguments it ran with.
    pub args_hash_b64u: String,
}

/// What the bundle says about the run: its tool receipts and the OpenClaw session it covers.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct BundleRecords {
    /// The `openclaw.session_id` in the bundle's hash-bound `claw.dev/v1` metadata.
    pub session_id: Option<String>,
    /// The bundle's run id.
    pub run_id: Option<String>,
    /// Its tool receipts.
    pub receipts: Vec<ClawRecord>,
    /// Its refusing human-approval receipts (`explicit_deny`, `timeout_deny`): the tool (named
    /// for the receipt id in `metadata["claw.dev/v1"].openclaw.refusals`) and the hash of the
    /// arguments refused (`plan_hash_b64u`).
    pub refusals: Vec<ClawRecord>,
}

/// The tool receipts and session of a bundle that already verified.
pub fn records_from_bundle(bundle: &Bundle) -> BundleRecords {
    let payload = &bundle.envelope().payload;
    let oc = payload
        .get("metadata")
        .and_then(|m| m.get("claw.dev/v1"))
        .and_then(|m| m.get("openclaw"));
    let receipts = bundle
        .leaves()
        .iter()
        .filter(|r| r.kind == ReceiptKind::Tool)
        .filter_map(|r| {
            let p = r.payload();
            Some(ClawRecord {
                receipt_id: p.get("receipt_id")?.as_str()?.to_string(),
                tool_name: p.get("tool_name")?.as_str()?.to_string(),
                args_hash_b64u: p.get("args_hash_b64u")?.as_str()?.to_string(),
            })
        })
        .collect();
    // The approval receipt carries the refused arguments' hash (plan_hash_b64u) but only the
    // hash of its scope; the plugin names each refusal's tool in the hash-bound metadata.
    let tools: HashMap<&str, &str> = oc
        .and_then(|o| o.get("refusals"))
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|r| Some((r.get("receipt_id")?.as_str()?, r.get("tool")?.as_str()?)))
                .collect()
        })
        .unwrap_or_default();
    let refusals = bundle
        .leaves()
        .iter()
        .filter(|r| r.kind == ReceiptKind::HumanApproval)
        .filter_map(|r| refusal_of(r.payload(), &tools))
        .collect();
    BundleRecords {
        refusals,
        session_id: oc
            .and_then(|o| o.get("session_id"))
            .and_then(Value::as_str)
            .map(str::to_string),
        run_id: payload
            .get("event_chain")
            .and_then(|c| c.get(0))
            .and_then(|e| e.get("run_id"))
            .and_then(Value::as_str)
            .map(str::to_string),
        receipts,
    }
}

/// A refusing approval receipt's `(receipt_id, tool, plan_hash_b64u)`, the tool named for
/// its receipt id in `tools` (`openclaw.refusals`); none without a named tool.
fn refusal_of(p: &Value, tools: &HashMap<&str, &str>) -> Option<ClawRecord> {
    let t = p.get("approval_type")?.as_str()?;
    if t != "explicit_deny" && t != "timeout_deny" {
        return None;
    }
    let id = p.get("receipt_id")?.as_str()?;
    Some(ClawRecord {
        receipt_id: id.to_string(),
        tool_name: tools.get(id)?.to_string(),
        args_hash_b64u: p.get("plan_hash_b64u")?.as_str()?.to_string(),
    })
}

/// The result of a reconciliation.
#[derive(Debug, Clone, PartialEq)]
pub struct ReconcileReport {
    /// Findings, critical first, then warn, then info.
    pub findings: Vec<Finding>,
    /// The transcript's session id.
    pub session_id: Option<String>,
    /// Calls in the transcript, by outcome.
    pub executed: usize,
    /// Calls OpenClaw reports as blocked.
    pub blocked: usize,
    /// Calls without a result.
    pub no_result: usize,
    /// Tool receipts considered.
    pub receipts: usize,
    /// Executed calls covered by a receipt.
    pub covered: usize,
    /// Calls claw refused (an approval it could not get) that OpenClaw did not run: its
    /// approval flow's error result, and claw's refusing approval receipt of the same tool
    /// and arguments. Not counted in `executed`.
    pub refused: usize,
}

impl ReconcileReport {
    /// Finding counts.
    pub fn summary(&self) -> Summary {
        Summary::of(&self.findings)
    }

    /// Whether any finding is critical (a call bypassed the gate).
    pub fn has_critical(&self) -> bool {
        self.findings
            .iter()
            .any(|f| f.severity == Severity::Critical)
    }

    /// `{summary, findings, claw: {sessionId, executed, blocked, noResult, receipts, covered}}`:
    /// the audit's shape (OpenClaw's `security audit --json`).
    pub fn to_json(&self) -> Value {
        let s = self.summary();
        json!({
            "summary": s.to_json(),
            "findings": self.findings.iter().map(Finding::to_json).collect::<Vec<_>>(),
            "claw": {
                "sessionId": self.session_id,
                "executed": self.executed,
                "blocked": self.blocked,
                "noResult": self.no_result,
                "receipts": self.receipts,
                "covered": self.covered,
                "refused": self.refused,
            },
        })
    }

    /// The compact form the plugin binds into the bundle's metadata:
    /// `{status: "clean"|"findings", critical, warn, executed, blocked, covered, receipts, check_ids}`.
    pub fn to_metadata(&self) -> Value {
        let s = self.summary();
        let mut ids: Vec<&str> = self
            .findings
            .iter()
            .filter(|f| f.severity != Severity::Info)
            .map(|f| f.check_id.as_str())
            .collect();
        ids.sort_unstable();
        ids.dedup();
        json!({
            "status": if s.critical == 0 && s.warn == 0 { "clean" } else { "findings" },
            "critical": s.critical,
            "warn": s.warn,
            "executed": self.executed,
            "blocked": self.blocked,
            "covered": self.covered,
            "refused": self.refused,
            "receipts": self.receipts,
            "check_ids": ids,
        })
    }
}

/// Reconcile a transcript with a bundle's records. `bundle_session` is the session the bundle
/// says it covers (None: not recorded).
pub fn reconcile(t: &Transcript, records: &BundleRecords) -> ReconcileReport {
    let mut findings = Vec::new();
    // Receipts by (tool, args hash), each usable once.
    let mut pool: HashMap<(&str, &str), Vec<&ClawRecord>> = HashMap::new();
    for r in &records.receipts {
        pool.entry((r.tool_name.as_str(), r.args_hash_b64u.as_str()))
            .or_default()
            .push(r);
    }
    if let (Some(ts), Some(bs)) = (&t.session_id, &records.session_id) {
        if ts != bs {
            findings.push(Finding::new(
                "claw.openclaw.session_mismatch",
                Severity::Critical,
                "the bundle covers another OpenClaw session".into(),
                format!("transcript session {ts}, bundle session {bs}: the transcript's run left no evidence of its own"),
                Some("run agents only through entry points that load plugins (`openclaw agent --local`, the Gateway), never `openclaw agent exec`".into()),
            ));
        }
    }
    let mut refusals: HashMap<(&str, &str), Vec<&ClawRecord>> = HashMap::new();
    for r in &records.refusals {
        refusals
            .entry((r.tool_name.as_str(), r.args_hash_b64u.as_str()))
            .or_default()
            .push(r);
    }
    let (mut executed, mut blocked, mut no_result, mut covered) = (0, 0, 0, 0);
    let mut refused = Vec::new();
    let mut bypassed = Vec::new();
    let mut denied_ran = Vec::new();
    // Executed calls take their receipts first; a blocked call only counts against the
    // receipts left over (the same tool and arguments may be blocked once and allowed later).
    for c in &t.calls {
        let key = (c.tool.as_str(), c.args_hash_b64u.as_str());
        match c.outcome {
            CallOutcome::Executed => {
                if pool.get_mut(&key).and_then(Vec::pop).is_some() {
                    executed += 1;
                    covered += 1;
                    continue;
                }
                // Not run: OpenClaw's approval flow answered with an error, and claw refused
                // this very call (tool and arguments). Both records agree; each refusal
                // answers one call.
                if c.approval_failed {
                    if let Some(r) = refusals.get_mut(&key).and_then(Vec::pop) {
                        refused.push((c, r));
                        continue;
                    }
                }
                executed += 1;
                bypassed.push(c);
            }
            CallOutcome::Blocked => blocked += 1,
            CallOutcome::NoResult => no_result += 1,
        }
    }
    for c in t.calls.iter().filter(|c| c.outcome == CallOutcome::Blocked) {
        let key = (c.tool.as_str(), c.args_hash_b64u.as_str());
        if pool.get_mut(&key).and_then(Vec::pop).is_some() {
            denied_ran.push(c);
        }
    }
    for c in &bypassed {
        let other = records.receipts.iter().any(|r| r.tool_name == c.tool);
        let was_refused = records
            .refusals
            .iter()
            .any(|r| r.tool_name == c.tool && r.args_hash_b64u == c.args_hash_b64u);
        findings.push(Finding::new(
            "claw.openclaw.call_bypassed_gate",
            Severity::Critical,
            format!("\"{}\" ran without a claw decision and receipt", c.tool),
            format!(
                "tool call {} executed \"{}\"{} (arguments hash {}); no tool receipt in the bundle has this tool and arguments hash{}{}",
                c.id,
                c.tool,
                if c.bridged { " through Tool Search" } else { "" },
                c.args_hash_b64u,
                if other { " (a receipt for the same tool has other arguments: they changed after claw decided)" } else { "" },
                if was_refused { "; claw refused this call (its approval was not given), yet OpenClaw reports a result of the tool" } else { "" },
            ),
            Some("find the entry point that skipped the plugin (e.g. `openclaw agent exec`), and stop using it".into()),
        ));
    }
    for c in &denied_ran {
        findings.push(Finding::new(
            "claw.openclaw.blocked_call_has_receipt",
            Severity::Critical,
            format!("\"{}\" is blocked in the transcript but has a receipt", c.tool),
            format!(
                "tool call {} of \"{}\" is recorded by OpenClaw as blocked, yet the bundle holds a receipt for it: the two records disagree",
                c.id, c.tool
            ),
            None,
        ));
    }
    let left: usize = pool.values().map(Vec::len).sum();
    if left > 0 {
        let mut names: Vec<&str> = pool
            .values()
            .flatten()
            .map(|r| r.tool_name.as_str())
            .collect();
        names.sort_unstable();
        names.dedup();
        findings.push(Finding::new(
            "claw.openclaw.receipt_without_call",
            Severity::Warn,
            format!("{left} tool receipt(s) match no executed call in the transcript"),
            format!(
                "receipts for {} have no executed call with the same arguments in this transcript (another session's bundle, or a truncated transcript)",
                names.join(", ")
            ),
            None,
        ));
    }
    if !refused.is_empty() {
        let list: Vec<String> = refused
            .iter()
            .map(|(c, r)| {
                format!(
                    "{} \"{}\" (approval receipt {})",
                    c.id, c.tool, r.receipt_id
                )
            })
            .collect();
        findings.push(Finding::new(
            "claw.openclaw.refused_not_executed",
            Severity::Info,
            format!(
                "{} call(s) refused for want of an approval, not executed",
                refused.len()
            ),
            format!(
                "OpenClaw's approval flow answered these calls with an error instead of running them, and claw recorded the refusal: {}",
                list.join(", ")
            ),
            None,
        ));
    }
    if no_result > 0 {
        findings.push(Finding::new(
            "claw.openclaw.call_without_result",
            Severity::Info,
            format!("{no_result} tool call(s) have no result in the transcript"),
            "the run ended before these calls were answered; they are not counted as executed"
                .into(),
            None,
        ));
    }
    findings.push(Finding::new(
        "claw.openclaw.reconciled",
        Severity::Info,
        format!(
            "{covered} of {executed} executed call(s) covered by a claw receipt; {blocked} blocked; {} refused, not executed",
            refused.len()
        ),
        format!(
            "transcript session {}, bundle run {}: {} call(s), {} receipt(s)",
            t.session_id.as_deref().unwrap_or("(none)"),
            records.run_id.as_deref().unwrap_or("(none)"),
            t.calls.len(),
            records.receipts.len()
        ),
        None,
    ));
    findings.sort_by_key(|f| f.severity);
    ReconcileReport {
        findings,
        session_id: t.session_id.clone(),
        executed,
        blocked,
        no_result,
        receipts: records.receipts.len(),
        covered,
        refused: refused.len(),
    }
}

/// Reconcile a transcript with the plugin's own list of receipts before the bundle is signed
/// (`receipts`: a JSON array of `{receipt_id, tool_name, args_hash_b64u, refused?}`; with
/// `refused: true` the entry is a refusing approval receipt, `args_hash_b64u` the hash of the
/// arguments refused). The plugin binds
/// `to_metadata()` of the result into the bundle.
pub fn reconcile_records_json(
    transcript: &[u8],
    session_id: Option<&str>,
    receipts: &[u8],
) -> Result<ReconcileReport, crate::Error> {
    let t = Transcript::parse(transcript)?;
    let v = crate::json::parse(receipts, &crate::json::Limits::STRICT)?;
    let bad = || {
        crate::Error::new(
            crate::ErrorKind::Input,
            "OPENCLAW_RECEIPTS_INVALID",
            "receipts must be an array of {receipt_id, tool_name, args_hash_b64u} strings (and an optional boolean refused)",
        )
    };
    let arr = v.as_array().ok_or_else(bad)?;
    let mut out = Vec::with_capacity(arr.len());
    let mut refusals = Vec::new();
    for r in arr {
        let s = |k: &str| r.get(k).and_then(Value::as_str).map(str::to_string);
        let rec = ClawRecord {
            receipt_id: s("receipt_id").ok_or_else(bad)?,
            tool_name: s("tool_name").ok_or_else(bad)?,
            args_hash_b64u: s("args_hash_b64u").ok_or_else(bad)?,
        };
        match r.get("refused") {
            None | Some(Value::Bool(false)) => out.push(rec),
            Some(Value::Bool(true)) => refusals.push(rec),
            Some(_) => return Err(bad()),
        }
    }
    let records = BundleRecords {
        session_id: session_id.map(str::to_string),
        run_id: None,
        receipts: out,
        refusals,
    };
    Ok(reconcile(&t, &records))
}

// Tests: claw-core/tests/openclaw_reconcile.rs (rules on hand-made transcripts, and the real
// OpenClaw 2026.9.6 transcripts and bundle).
