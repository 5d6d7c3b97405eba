//! The run log: a [`Recorder`] persisted as an append-only JSON-lines log, so that a
//! harness made of separate processes (e.g. successive `claw run …` commands) can record one
//! run and build its bundle later.
//!
//! Each line is one [`RunRecord`]: an operation ([`RunOp`]) with its time (`at_ms`) and a
//! fresh 32-byte `seed_b64u`. Replaying the records in order through [`RunState::replay`]
//! performs exactly the same [`Recorder`] calls with the same times and with random ids
//! drawn from a SHA-256 stream over each record's seed, so it rebuilds the same events, the
//! same bindings and the same receipts, byte for byte (Ed25519 signatures are
//! deterministic). Each record also keeps what its operation produced (`out`: the event
//! hash, the receipt id, the binding handed out) and replay checks it (`RUN_LOG_DIVERGED`).
//!
//! Rules the log enforces (fail closed): the first record, and only the first, is `start`;
//! when the run has a policy, each `tool` record uses up one earlier `allow` decision for the
//! same tool and the same argument hash (decide, execute, then record the result); a decision
//! that names an approval uses it up; a `model_receipt` must name a pending `model_begin` of this run and carry a
//! correctly signed gateway receipt.
//!
//! Pure functions only: reading and appending the file is the caller's job (the CLI).
//! docs/SPEC.md §6.6 describes the format.

use super::bundle::{Bundle, BundleOptions};
use super::receipts::{ApprovalType, ApproverMethod, HumanApproval, ReceiptKind, ToolCall};
use super::recorder::{PendingModelCall, Recorder};
use super::{invalid, EvidenceError, ParseEnumError, ToolStatus};
use crate::canonical::Canonical;
use crate::envelope::{Envelope, Signers, VerifyOptions};
use crate::keys::SigningKey;
use crate::{b64, hash, json};
use rand_core::{CryptoRng, CryptoRngCore, RngCore};
use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};
use std::collections::{BTreeMap, HashMap, HashSet, VecDeque};
use std::hash::Hash;

/// The version written in every record (`v`).
pub const RUN_LOG_VERSION: &str = "1";

/// Largest run-log line accepted (a tool record holds the call's arguments and result).
pub const MAX_RUN_LOG_LINE_BYTES: usize = 16 * 1024 * 1024;

/// Budget, in JCS bytes, for the event payloads disclosed in the bundle metadata
/// (`metadata["claw.dev/v1"].run.events`); the reference accepts 16,384 bytes of metadata
/// in all, and claw's Merkle and checkpoint entries take about 2,000.
pub const DISCLOSURE_BUDGET_BYTES: usize = 9_000;

/// One line of the run log.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RunRecord {
    /// [`RUN_LOG_VERSION`].
    pub v: String,
    /// Position in the log, from 0.
    pub seq: u64,
    /// When the operation happened (Unix milliseconds); the time of the events it appends.
    pub at_ms: i64,
    /// 32 random bytes (base64url) from which the record's ids and nonces are derived.
    pub seed_b64u: String,
    /// What was recorded.
    pub op: RunOp,
    /// What recording it produced (checked on replay).
    pub out: RunOut,
}

/// What an operation produced.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RunOut {
    /// Hash of the last event the operation appended (for `model_receipt`: the event the
    /// receipt is bound to).
    pub event_hash_b64u: String,
    /// The receipt the operation produced or attached, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub receipt_id: Option<String>,
    /// SHA-256 of the JCS bytes of that receipt as it goes into the bundle.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub receipt_hash_b64u: Option<String>,
    /// `model_begin`: the binding the gateway must sign.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub binding: Option<Value>,
}

/// The operations of a run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum RunOp {
    /// Open the run: a `run_start` event.
    Start(RunStart),
    /// A policy decision: a `policy_decision` event whose payload is the record.
    Decision(DecisionRecord),
    /// An executed tool call: a `tool_call` event and a tool receipt signed by the agent.
    Tool {
        /// The tool's name.
        tool_name: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        /// The tool's version, when known.
        tool_version: Option<String>,
        /// The arguments (the receipt holds SHA-256 of their JCS bytes, computed once with
        /// them, as is the text of the log line).
        args: Canonical,
        /// The result (the receipt holds SHA-256 of its JCS bytes).
        result: Canonical,
        /// `success`, `error` or `timeout`.
        result_status: String,
        /// Wall time in milliseconds.
        latency_ms: u64,
    },
    /// A model call about to be sent: an `llm_call` event; the call stays pending.
    ModelBegin {
        /// The model provider.
        provider: String,
        /// The model id.
        model: String,
    },
    /// The gateway receipt (a signed `gateway_receipt` envelope) of a pending model call.
    ModelReceipt {
        /// The `gateway_receipt` envelope as the gateway returned it.
        receipt: Value,
    },
    /// A human approval or denial: a `human_approval` event and receipt.
    Approval {
        /// `explicit_approve` or `explicit_deny`.
        approval_type: String,
        /// Who decided.
        approver_subject: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        /// `ui_click`, `cli_confirm`, `api_call`, ... when known.
        approver_method: Option<String>,
        /// What is approved: `{"action", "resource", "args_hash_b64u"?}`.
        scope: Value,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        /// Human-readable summary of the scope.
        scope_summary: Option<String>,
    },
    /// A listing a proxy relayed (MCP `tools/list`; `resources/list`,
    /// `resources/templates/list`, `prompts/list`): a `tools_listed` event (or
    /// [`ListedKind::event_type`]) whose payload is the record (what the server offered,
    /// what the client was shown).
    Listing(ListingRecord),
    /// A human's answer to a proxy's approval question (MCP elicitation): an
    /// `mcp_elicitation` event whose payload is the record. Unlike `approval` it makes no
    /// receipt, so a run without model calls (nothing to anchor a human-approval receipt to)
    /// still builds a bundle the reference accepts; the decision that follows names the
    /// answer's event.
    Elicitation(ElicitationRecord),
}

/// A human's answer to an approval question asked through MCP elicitation (docs/SPEC.md §10).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ElicitationRecord {
    /// The server's name.
    pub server: String,
    /// The tool of the call asked about; absent when a data request was asked about.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tool: Option<String>,
    /// The action of the data request asked about (`mcp:read_resource`, `mcp:get_prompt`);
    /// absent for a call.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub action: Option<String>,
    /// The data request's resource URI or prompt name; absent for a call.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource: Option<String>,
    /// SHA-256 (base64url) of the JCS bytes of the arguments (`{}` for a resource).
    pub args_hash_b64u: String,
    /// Whether the human approved.
    pub approved: bool,
    /// Who answered, as the client named itself (`mcp-client:NAME`).
    pub approver: String,
}

impl ElicitationRecord {
    /// The record of an answer about `action` on `resource`: a call (`tool:execute`, the
    /// tool named as `tool`, the form of earlier logs) or a data request (`action` and
    /// `resource`).
    pub fn new(
        server: &str,
        action: &str,
        resource: &str,
        args_hash_b64u: &str,
        approved: bool,
        approver: &str,
    ) -> ElicitationRecord {
        let call = action == crate::wpc::ACTION_TOOL_EXECUTE;
        ElicitationRecord {
            server: server.into(),
            tool: call.then(|| resource.into()),
            action: (!call).then(|| action.into()),
            resource: (!call).then(|| resource.into()),
            args_hash_b64u: args_hash_b64u.into(),
            approved,
            approver: approver.into(),
        }
    }

    /// The action and resource the answer is about, when the record names exactly one
    /// (a non-empty `tool`, or a non-empty `action` and `resource` and no `tool`).
    pub fn subject(&self) -> Option<(&str, &str)> {
        fn nonempty(s: &Option<String>) -> Option<&str> {
            s.as_deref().filter(|s| !s.is_empty())
        }
        match (nonempty(&self.tool), &self.action, &self.resource) {
            (Some(t), None, None) => Some((crate::wpc::ACTION_TOOL_EXECUTE, t)),
            (None, Some(_), Some(_)) => nonempty(&self.action).zip(nonempty(&self.resource)),
            _ => None,
        }
    }
}

/// What a proxy relayed of a server's listing (docs/SPEC.md §10.6, §10.3.1).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ListingRecord {
    /// The server's name (the proxy's `--server-name`).
    pub server: String,
    /// The names the server offered, in its order (tool names; resource URIs, template
    /// texts or prompt names for the other kinds).
    pub offered: Vec<String>,
    /// The names shown to the client.
    pub shown: Vec<String>,
    /// SHA-256 (base64url) of the JCS bytes of the server's whole listing result.
    pub offered_hash_b64u: String,
    /// What was listed; absent for tools (`tools/list`, the only kind recorded before).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<ListedKind>,
}

/// What a [`ListingRecord`] lists besides tools.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ListedKind {
    /// `resources/list`.
    Resources,
    /// `resources/templates/list`.
    ResourceTemplates,
    /// `prompts/list`.
    Prompts,
}

impl ListedKind {
    /// The type of the event the listing is recorded as.
    pub fn event_type(self) -> &'static str {
        match self {
            ListedKind::Resources => "resources_listed",
            ListedKind::ResourceTemplates => "resource_templates_listed",
            ListedKind::Prompts => "prompts_listed",
        }
    }
}

impl RunOp {
    /// The `type` of the operation as written in the log.
    pub fn type_name(&self) -> &'static str {
        match self {
            RunOp::Start(_) => "start",
            RunOp::Decision(_) => "decision",
            RunOp::Tool { .. } => "tool",
            RunOp::ModelBegin { .. } => "model_begin",
            RunOp::ModelReceipt { .. } => "model_receipt",
            RunOp::Approval { .. } => "approval",
            RunOp::Listing(_) => "listing",
            RunOp::Elicitation(_) => "elicitation",
        }
    }
}

/// The opening record: who runs, under which policy and token.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RunStart {
    /// The run's id.
    pub run_id: String,
    /// The agent's DID; the key that replays the log must have it.
    pub agent_did: String,
    /// Where the harness keeps the agent's private key (for the CLI: a file path). Never
    /// the key itself.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agent_key_ref: Option<String>,
    /// The policy the run is executed under.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub policy: Option<RunPolicy>,
    /// The scoped token the run is executed under.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token: Option<RunToken>,
}

/// The run's policy: a signed WPC verified when the run started.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RunPolicy {
    /// `policy_hash_b64u` (bound into every receipt as `binding.policy_hash`).
    pub hash_b64u: String,
    /// The policy's `policy_id`.
    pub policy_id: String,
    /// The DID that signed the envelope (trusted by whoever started the run).
    pub signer_did: String,
    /// The `work_policy_contract` envelope.
    pub envelope: Value,
}

/// The run's scoped token, validated when the run started.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RunToken {
    /// The compact token (kept in the run directory only; the bundle discloses its claims).
    pub token: String,
    /// `token_scope_hash_b64u` (bound into every receipt's binding).
    pub scope_hash_b64u: String,
    /// The verified claims.
    pub claims: Value,
    /// The trusted issuer keys (public JWKs).
    pub issuers: Vec<Value>,
    /// The audience the runtime validates the token for.
    pub audience: String,
}

/// A policy decision as recorded (the `policy_decision` event payload).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DecisionRecord {
    /// e.g. `tool:execute`.
    pub action: String,
    /// e.g. the tool name.
    pub resource: String,
    /// `allow`, `deny` or `approval_required`.
    pub decision: String,
    /// The policy's or the token's reason code (`POLICY_ALLOW`, `POLICY_VIOLATION`,
    /// `TOKEN_EXPIRED`, …).
    pub reason_code: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    /// The statement that decided, when one did.
    pub statement_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    /// The policy that decided, when there is one.
    pub policy_hash_b64u: Option<String>,
    /// SHA-256 of the JCS bytes of the call's arguments.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub args_hash_b64u: Option<String>,
    /// The human approval this decision used (consumed by it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub approval_receipt_id: Option<String>,
}

/// A human approval recorded in the run.
#[derive(Debug, Clone, PartialEq)]
pub struct ApprovalState {
    /// The approval receipt's id.
    pub receipt_id: String,
    /// `explicit_approve` or `explicit_deny`.
    pub approval_type: String,
    /// Who decided.
    pub approver_subject: String,
    /// What is approved: `{"action", "resource", "args_hash_b64u"?}`.
    pub scope: Value,
    /// Whether a decision has used it.
    pub consumed: bool,
}

/// A recorder rebuilt from (or being appended to) a run log.
#[derive(Debug)]
pub struct RunState {
    recorder: Recorder,
    start: RunStart,
    started_at_ms: i64,
    last_at_ms: i64,
    next_seq: u64,
    /// Model calls waiting for their receipt, by the hash of their `llm_call` event.
    pending: Open<String, PendingModelCall>,
    /// Disclosable event payloads: (event id, is a non-allow decision, payload).
    disclosures: Vec<(String, bool, Disclosed)>,
    /// The approvals; the unused ones by receipt id.
    approvals: Open<String, ApprovalState>,
    /// Allow decisions whose tool call is not recorded yet: (resource, args hash), by the
    /// same pair.
    open_allows: Open<(String, Option<String>), (String, Option<String>)>,
}

/// What a run leaves open (allows awaiting their tool call, approvals, pending model calls),
/// in the order it was recorded, each entry found by its key without a scan. A log may leave
/// any number of them open: a linear search (and a `Vec::remove`) per record made replaying
/// it quadratic in that number. An entry is filed under one key; the first entry (in
/// order) filed under a key is the one [`Open::first`] finds. An entry may stay listed after
/// it is no longer filed ([`Open::unfile`]: a used approval while the history is kept).
#[derive(Debug)]
struct Open<K, T> {
    next: u64,
    /// Entries by order of arrival.
    items: BTreeMap<u64, T>,
    /// Key → the entries filed under it, in order (never an empty queue).
    index: HashMap<K, VecDeque<u64>>,
}

impl<K: Eq + Hash, T> Open<K, T> {
    fn new() -> Open<K, T> {
        Open {
            next: 0,
            items: BTreeMap::new(),
            index: HashMap::new(),
        }
    }

    fn push(&mut self, key: K, item: T) {
        let n = self.next;
        self.next += 1;
        self.items.insert(n, item);
        self.index.entry(key).or_default().push_back(n);
    }

    /// The first entry filed under `key`.
    fn first<Q>(&self, key: &Q) -> Option<u64>
    where
        K: std::borrow::Borrow<Q>,
        Q: Eq + Hash + ?Sized,
    {
        self.index.get(key).and_then(|q| q.front().copied())
    }

    /// Stop filing the first entry under `key` (it stays listed); its position.
    fn unfile<Q>(&mut self, key: &Q) -> Option<u64>
    where
        K: std::borrow::Borrow<Q>,
        Q: Eq + Hash + ?Sized,
    {
        let q = self.index.get_mut(key)?;
        let n = q.pop_front();
        if q.is_empty() {
            self.index.remove(key);
        }
        n
    }

    /// Remove the first entry filed under `key`: its position and the entry.
    fn take<Q>(&mut self, key: &Q) -> Option<(u64, T)>
    where
        K: std::borrow::Borrow<Q>,
        Q: Eq + Hash + ?Sized,
    {
        let n = self.unfile(key)?;
        self.items.remove(&n).map(|t| (n, t))
    }

    /// Put back an entry [`Open::take`] removed, where it was.
    fn restore(&mut self, key: K, n: u64, item: T) {
        self.items.insert(n, item);
        self.index.entry(key).or_default().push_front(n);
    }

    fn values(&self) -> impl ExactSizeIterator<Item = &T> + '_ {
        self.items.values()
    }
}

/// A disclosable event payload, made a JSON value only when a bundle is built.
#[derive(Debug)]
enum Disclosed {
    /// A payload kept as its value (`run_start`).
    Value(Value),
    /// A `policy_decision` payload: the decision record.
    Decision(DecisionRecord),
}

impl Disclosed {
    fn to_value(&self) -> Result<Value, EvidenceError> {
        match self {
            Disclosed::Value(v) => Ok(v.clone()),
            Disclosed::Decision(d) => {
                let v = serde_json::to_value(d).map_err(|e| invalid("decision", e.to_string()))?;
                Ok(json::sorted(&v))
            }
        }
    }
}

/// Random bytes from SHA-256(seed ‖ counter): the ids of one record, reproducible on replay.
struct SeedRng {
    seed: [u8; 32],
    counter: u64,
    buf: [u8; 32],
    pos: usize,
}

impl SeedRng {
    fn new(seed: [u8; 32]) -> SeedRng {
        SeedRng {
            seed,
            counter: 0,
            buf: [0; 32],
            pos: 32,
        }
    }
}

impl RngCore for SeedRng {
    fn next_u32(&mut self) -> u32 {
        rand_core::impls::next_u32_via_fill(self)
    }
    fn next_u64(&mut self) -> u64 {
        rand_core::impls::next_u64_via_fill(self)
    }
    fn fill_bytes(&mut self, dest: &mut [u8]) {
        for d in dest {
            if self.pos == self.buf.len() {
                let mut input = [0u8; 40];
                input[..32].copy_from_slice(&self.seed);
                input[32..].copy_from_slice(&self.counter.to_le_bytes());
                self.buf = hash::sha256(input);
                self.counter = self.counter.wrapping_add(1);
                self.pos = 0;
            }
            *d = self.buf[self.pos];
            self.pos += 1;
        }
    }
    fn try_fill_bytes(&mut self, dest: &mut [u8]) -> Result<(), rand_core::Error> {
        self.fill_bytes(dest);
        Ok(())
    }
}

// The seed comes from the caller's CSPRNG; SHA-256 in counter mode keeps it unpredictable.
impl CryptoRng for SeedRng {}

fn log_err(seq: u64, detail: impl Into<String>) -> EvidenceError {
    EvidenceError::RunLog {
        line: seq + 1,
        detail: detail.into(),
    }
}

impl RunRecord {
    /// The record as one line of canonical JSON (RFC 8785, no newline).
    pub fn to_line(&self) -> Result<String, EvidenceError> {
        let bytes = super::runlog_line::record_line(self)?;
        // JCS output is UTF-8 by construction.
        String::from_utf8(bytes).map_err(|e| invalid("run record", e.to_string()))
    }

    /// Read one line (strict JSON, then the record's closed shape).
    pub fn parse_line(line: &str, seq: u64) -> Result<RunRecord, EvidenceError> {
        let v = json::parse(
            line.as_bytes(),
            &json::Limits::STRICT.with_max_bytes(MAX_RUN_LOG_LINE_BYTES),
        )
        .map_err(|e| log_err(seq, e.to_string()))?;
        let r: RunRecord = serde_json::from_value(v).map_err(|e| log_err(seq, e.to_string()))?;
        if r.v != RUN_LOG_VERSION {
            return Err(log_err(seq, format!("unknown version {:?}", r.v)));
        }
        if r.seq != seq {
            return Err(log_err(seq, format!("seq is {}, expected {seq}", r.seq)));
        }
        Ok(r)
    }
}

/// Split a run log into records (blank lines are refused: the log is written by appending
/// whole lines).
pub fn parse_run_log(text: &str) -> Result<Vec<RunRecord>, EvidenceError> {
    if text.strip_suffix('\n').unwrap_or(text).is_empty() {
        return Err(log_err(0, "the run log is empty"));
    }
    whole_lines(text, 0)?
        .enumerate()
        .map(|(i, l)| RunRecord::parse_line(l, i as u64))
        .collect()
}

/// The lines of log text whose first line has `seq` `first_seq`: every line, the last one
/// included, ends with a newline (the log is written by appending whole lines); nothing for
/// empty text.
fn whole_lines(
    text: &str,
    first_seq: u64,
) -> Result<std::str::SplitTerminator<'_, char>, EvidenceError> {
    if !text.is_empty() && !text.ends_with('\n') {
        return Err(EvidenceError::RunLog {
            line: first_seq + text.split('\n').count() as u64,
            detail: "the last line is incomplete (no newline)".into(),
        });
    }
    Ok(text.split_terminator('\n'))
}

fn seed_of(r: &RunRecord) -> Result<[u8; 32], EvidenceError> {
    b64::decode_array::<32>(&r.seed_b64u)
        .map_err(|_| log_err(r.seq, "seed_b64u must be 32 bytes of base64url"))
}

impl RunState {
    /// Open a run: the `start` record (the first line of the log) and the state after it.
    pub fn start(
        agent: SigningKey,
        start: RunStart,
        at_ms: i64,
        seed: [u8; 32],
    ) -> Result<(RunState, RunRecord), EvidenceError> {
        let mut st = RunState::open(agent, &start, at_ms, 0)?;
        let out = st.apply_start(&start, at_ms, seed)?;
        st.start = start.clone();
        let rec = RunRecord {
            v: RUN_LOG_VERSION.into(),
            seq: 0,
            at_ms,
            seed_b64u: b64::encode(seed),
            op: RunOp::Start(start),
            out,
        };
        st.next_seq = 1;
        Ok((st, rec))
    }

    fn open(
        agent: SigningKey,
        start: &RunStart,
        at_ms: i64,
        seq: u64,
    ) -> Result<RunState, EvidenceError> {
        let did = agent.verifying_key().did();
        if did != start.agent_did {
            return Err(EvidenceError::BindingMismatch(format!(
                "the agent key is {did}, the run was started by {}",
                start.agent_did
            )));
        }
        let mut recorder =
            Recorder::with_run_id(agent, &start.run_id).map_err(|e| log_err(seq, e.to_string()))?;
        recorder.set_binding_context(
            start.policy.as_ref().map(|p| p.hash_b64u.as_str()),
            start.token.as_ref().map(|t| t.scope_hash_b64u.as_str()),
        )?;
        Ok(RunState {
            recorder,
            start: start.clone(),
            started_at_ms: at_ms,
            last_at_ms: at_ms,
            next_seq: 0,
            pending: Open::new(),
            disclosures: Vec::new(),
            approvals: Open::new(),
            open_allows: Open::new(),
        })
    }

    fn apply_start(
        &mut self,
        start: &RunStart,
        at_ms: i64,
        seed: [u8; 32],
    ) -> Result<RunOut, EvidenceError> {
        let mut payload = Map::new();
        payload.insert("agent_did".into(), json!(start.agent_did));
        payload.insert("run_id".into(), json!(start.run_id));
        if let Some(p) = &start.policy {
            payload.insert("policy_hash_b64u".into(), json!(p.hash_b64u));
            payload.insert("policy_id".into(), json!(p.policy_id));
            payload.insert("policy_signer_did".into(), json!(p.signer_did));
        }
        if let Some(t) = &start.token {
            payload.insert("token_scope_hash_b64u".into(), json!(t.scope_hash_b64u));
        }
        let payload = json::sorted(&Value::Object(payload));
        let b =
            self.recorder
                .record_event("run_start", &payload, at_ms, &mut SeedRng::new(seed))?;
        self.disclose(false, || Disclosed::Value(payload));
        Ok(RunOut {
            event_hash_b64u: b.event_hash_b64u,
            ..RunOut::default()
        })
    }

    /// Keep an event payload for the bundle's disclosures (made only when the history is
    /// kept).
    fn disclose(&mut self, priority: bool, payload: impl FnOnce() -> Disclosed) {
        if !self.recorder.keeps_history() {
            return;
        }
        if let Some(e) = self.recorder.events().last() {
            self.disclosures
                .push((e.event_id.clone(), priority, payload()));
        }
    }

    /// Rebuild the state from parsed records, checking every record's `out`.
    pub fn replay(agent: SigningKey, records: &[RunRecord]) -> Result<RunState, EvidenceError> {
        let first = records
            .first()
            .ok_or_else(|| log_err(0, "the run log is empty"))?;
        let RunOp::Start(start) = &first.op else {
            return Err(log_err(0, "the first record must be start"));
        };
        let (mut st, rec) = RunState::start(agent, start.clone(), first.at_ms, seed_of(first)?)?;
        check_out(first, &rec.out)?;
        for r in &records[1..] {
            st.apply_record(r)?;
        }
        Ok(st)
    }

    /// Replay one more record of the log (the next one: its `seq` is [`RunState::next_seq`]),
    /// checking its `out`: how a writer catches up with records another writer appended.
    pub fn apply_record(&mut self, r: &RunRecord) -> Result<(), EvidenceError> {
        if r.seq != self.next_seq {
            return Err(log_err(
                r.seq,
                format!("seq is {}, expected {}", r.seq, self.next_seq),
            ));
        }
        let out = self
            .apply(r.op.clone(), r.at_ms, seed_of(r)?)
            .map_err(|e| match e {
                EvidenceError::RunLog { .. } => e,
                other => log_err(r.seq, other.to_string()),
            })?;
        check_out(r, &out.out)
    }

    /// Replay the lines another writer appended to the log since this state's last record
    /// (`appended`: whole lines, each ending with a newline, the first one's `seq` being
    /// [`RunState::next_seq`]). Returns how many records were applied. On an error the state
    /// is unusable (replay the whole log to get it back).
    pub fn catch_up(&mut self, appended: &str) -> Result<usize, EvidenceError> {
        let mut n = 0;
        for line in whole_lines(appended, self.next_seq)? {
            let r = RunRecord::parse_line(line, self.next_seq)?;
            self.apply_record(&r)?;
            n += 1;
        }
        Ok(n)
    }

    /// From now on keep only what the next record needs (the chain head, pending model
    /// calls, unused approvals, allows awaiting their result), so memory stays flat however
    /// long the run: for a writer that only appends, such as the MCP proxy (docs/SPEC.md
    /// §10.7). [`RunState::disclosure`], [`RunState::bundle_options`] and
    /// [`RunState::finish`] then fail with `RECORDER_HISTORY_NOT_KEPT`; build the bundle by
    /// replaying the log.
    pub fn keep_chain_head_only(&mut self) {
        self.recorder.keep_chain_head_only();
        self.disclosures = Vec::new();
        // Only unused approvals are filed: dropping the used ones leaves the index whole.
        self.approvals.items.retain(|_, a| !a.consumed);
    }

    /// Apply one operation and return its record (to append to the log). When this fails,
    /// append nothing and discard the state (replay the log to get it back).
    pub fn apply(
        &mut self,
        op: RunOp,
        at_ms: i64,
        seed: [u8; 32],
    ) -> Result<RunRecord, EvidenceError> {
        let seq = self.next_seq;
        let mut rng = SeedRng::new(seed);
        let out = match &op {
            RunOp::Start(_) => return Err(log_err(seq, "start may only be the first record")),
            RunOp::Decision(d) => self.apply_decision(seq, d, at_ms, &mut rng)?,
            RunOp::Tool {
                tool_name,
                tool_version,
                args,
                result,
                result_status,
                latency_ms,
            } => {
                let allow = if self.start.policy.is_some() {
                    // The first open allow for this tool and these arguments, or for this
                    // tool and any arguments, whichever was decided first.
                    let exact = (tool_name.clone(), Some(args.hash_b64u().to_string()));
                    let any = (tool_name.clone(), None);
                    let key = match (self.open_allows.first(&exact), self.open_allows.first(&any)) {
                        (Some(e), Some(a)) => Some(if e < a { exact } else { any }),
                        (Some(_), None) => Some(exact),
                        (None, Some(_)) => Some(any),
                        (None, None) => None,
                    };
                    if key.is_none() {
                        return Err(log_err(
                            seq,
                            format!(
                                "tool {tool_name:?} with these arguments has no allow decision waiting for it"
                            ),
                        ));
                    }
                    key
                } else {
                    None
                };
                let status: ToolStatus = result_status
                    .parse()
                    .map_err(|e: ParseEnumError| invalid("result_status", e.to_string()))?;
                if let Some(key) = allow {
                    self.open_allows.take(&key);
                }
                let (id, receipt_hash) = self.recorder.record_tool_call_hashed(
                    &ToolCall {
                        tool_name,
                        tool_version: tool_version.as_deref(),
                        args: args.value(),
                        result: result.value(),
                        result_status: status,
                        latency_ms: *latency_ms,
                        timestamp_ms: at_ms,
                    },
                    args.hash_b64u(),
                    result.hash_b64u(),
                    &mut rng,
                )?;
                RunOut {
                    event_hash_b64u: self.last_event_hash(),
                    receipt_id: Some(id),
                    receipt_hash_b64u: Some(receipt_hash),
                    binding: None,
                }
            }
            RunOp::ModelBegin { provider, model } => {
                if provider.is_empty() || model.is_empty() {
                    return Err(invalid("provider/model", "must not be empty"));
                }
                let p = self
                    .recorder
                    .begin_model_call(provider, model, at_ms, &mut rng)?;
                let out = RunOut {
                    event_hash_b64u: p.binding.event_hash_b64u.clone(),
                    binding: Some(p.binding.to_value()),
                    ..RunOut::default()
                };
                self.pending.push(p.binding.event_hash_b64u.clone(), p);
                out
            }
            RunOp::ModelReceipt { receipt } => self.apply_model_receipt(receipt)?,
            RunOp::Listing(l) => {
                if l.server.is_empty() || l.offered_hash_b64u.is_empty() {
                    return Err(invalid(
                        "listing",
                        "server and offered_hash_b64u must not be empty",
                    ));
                }
                let event_type = l.kind.map_or("tools_listed", ListedKind::event_type);
                self.plain_event(event_type, l, at_ms, &mut rng)?
            }
            RunOp::Elicitation(e) => {
                if e.server.is_empty() || e.subject().is_none() || e.args_hash_b64u.is_empty() {
                    return Err(invalid(
                        "elicitation",
                        "server, args_hash_b64u and either tool or action and resource must be given, not empty",
                    ));
                }
                self.plain_event("mcp_elicitation", e, at_ms, &mut rng)?
            }
            RunOp::Approval {
                approval_type,
                approver_subject,
                approver_method,
                scope,
                scope_summary,
            } => {
                let t = match approval_type.as_str() {
                    "explicit_approve" => ApprovalType::ExplicitApprove,
                    "explicit_deny" => ApprovalType::ExplicitDeny,
                    other => {
                        return Err(invalid(
                            "approval_type",
                            format!("{other:?}: expected explicit_approve or explicit_deny"),
                        ))
                    }
                };
                let method = match approver_method.as_deref() {
                    None => None,
                    Some("ui_click") => Some(ApproverMethod::UiClick),
                    Some("cli_confirm") => Some(ApproverMethod::CliConfirm),
                    Some("api_call") => Some(ApproverMethod::ApiCall),
                    Some(other) => {
                        return Err(invalid(
                            "approver_method",
                            format!("{other:?}: expected ui_click, cli_confirm or api_call"),
                        ))
                    }
                };
                check_scope(scope)?;
                let id = self.recorder.record_human_approval(
                    &HumanApproval {
                        approval_type: t,
                        approver_subject,
                        approver_method: method,
                        scope,
                        scope_summary: scope_summary.as_deref(),
                        policy_hash_b64u: self.start.policy.as_ref().map(|p| p.hash_b64u.as_str()),
                        minted_capability_id: None,
                        minted_capability_ttl_seconds: None,
                        plan: None,
                        timestamp_ms: at_ms,
                    },
                    &mut rng,
                )?;
                self.approvals.push(
                    id.clone(),
                    ApprovalState {
                        receipt_id: id.clone(),
                        approval_type: approval_type.clone(),
                        approver_subject: approver_subject.clone(),
                        scope: scope.clone(),
                        consumed: false,
                    },
                );
                self.receipt_out(id)?
            }
        };
        self.last_at_ms = self.last_at_ms.max(at_ms);
        self.next_seq += 1;
        Ok(RunRecord {
            v: RUN_LOG_VERSION.into(),
            seq,
            at_ms,
            seed_b64u: b64::encode(seed),
            op,
            out,
        })
    }

    /// Append an event whose payload is `record` (keys sorted); no receipt.
    fn plain_event(
        &mut self,
        event_type: &str,
        record: &impl Serialize,
        at_ms: i64,
        rng: &mut SeedRng,
    ) -> Result<RunOut, EvidenceError> {
        let payload =
            serde_json::to_value(record).map_err(|e| invalid(event_type, e.to_string()))?;
        let event_hash_b64u = self.recorder.record_plain_event(
            event_type,
            &json::canonicalize(&payload)?,
            at_ms,
            rng,
        )?;
        Ok(RunOut {
            event_hash_b64u,
            ..RunOut::default()
        })
    }

    fn apply_decision(
        &mut self,
        seq: u64,
        d: &DecisionRecord,
        at_ms: i64,
        rng: &mut SeedRng,
    ) -> Result<RunOut, EvidenceError> {
        if !matches!(d.decision.as_str(), "allow" | "deny" | "approval_required") {
            return Err(invalid(
                "decision",
                format!(
                    "{:?}: expected allow, deny or approval_required",
                    d.decision
                ),
            ));
        }
        if d.action.is_empty() || d.resource.is_empty() || d.reason_code.is_empty() {
            return Err(invalid(
                "decision",
                "action, resource and reason_code must not be empty",
            ));
        }
        // Only unused approvals are filed under their receipt id.
        let approval = match &d.approval_receipt_id {
            None => None,
            Some(id) => {
                if self.approvals.first(id.as_str()).is_none() {
                    return Err(log_err(
                        seq,
                        format!("approval {id} is unknown or already used"),
                    ));
                }
                Some(id)
            }
        };
        // The event payload is the record: its JCS bytes written once, hashed for the event.
        let payload = super::runlog_line::decision_bytes(d, false);
        let event_hash_b64u =
            self.recorder
                .record_plain_event("policy_decision", &payload, at_ms, rng)?;
        if let Some(id) = approval {
            if !self.recorder.keeps_history() {
                self.approvals.take(id.as_str());
            } else if let Some(n) = self.approvals.unfile(id.as_str()) {
                if let Some(a) = self.approvals.items.get_mut(&n) {
                    a.consumed = true;
                }
            }
        }
        self.disclose(d.decision != "allow", || Disclosed::Decision(d.clone()));
        if d.decision == "allow" {
            let allow = (d.resource.clone(), d.args_hash_b64u.clone());
            self.open_allows.push(allow.clone(), allow);
        }
        Ok(RunOut {
            event_hash_b64u,
            ..RunOut::default()
        })
    }

    fn apply_model_receipt(&mut self, receipt: &Value) -> Result<RunOut, EvidenceError> {
        let env = Envelope::from_value(receipt.clone())?;
        env.verify(&VerifyOptions {
            expected_type: ReceiptKind::Gateway.type_name(),
            signers: Signers::Any,
            now: None,
        })?;
        let event_hash = env
            .payload
            .get("binding")
            .and_then(|b| b.get("event_hash_b64u"))
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string();
        let (n, p) = self.pending.take(event_hash.as_str()).ok_or_else(|| {
            EvidenceError::BindingMismatch(format!(
                "the receipt is bound to event {event_hash:?}, which is no pending model call of this run"
            ))
        })?;
        let id = env
            .payload
            .get("receipt_id")
            .and_then(Value::as_str)
            .map(str::to_string);
        if let Err(e) = self.recorder.attach_gateway_receipt(p.clone(), &env) {
            self.pending.restore(event_hash, n, p);
            return Err(e);
        }
        let mut out = self.receipt_out(id.unwrap_or_default())?;
        out.event_hash_b64u = event_hash;
        Ok(out)
    }

    /// The `out` of an operation that appended (or attached) the receipt `id` last.
    fn receipt_out(&self, id: String) -> Result<RunOut, EvidenceError> {
        let h = match self.recorder.receipts().last() {
            Some((_, r)) => Some(hash::sha256_b64u(json::canonicalize(&r.value)?)),
            None => None,
        };
        Ok(RunOut {
            event_hash_b64u: self.last_event_hash(),
            receipt_id: Some(id),
            receipt_hash_b64u: h,
            binding: None,
        })
    }

    fn last_event_hash(&self) -> String {
        self.recorder
            .events()
            .last()
            .map(|e| e.event_hash_b64u.clone())
            .unwrap_or_default()
    }

    /// The recorder (events and receipts so far).
    pub fn recorder(&self) -> &Recorder {
        &self.recorder
    }

    /// The opening record.
    pub fn start_info(&self) -> &RunStart {
        &self.start
    }

    /// When the run started (Unix milliseconds).
    pub fn started_at_ms(&self) -> i64 {
        self.started_at_ms
    }

    /// The latest record time: a later record must not be earlier than this.
    pub fn last_at_ms(&self) -> i64 {
        self.last_at_ms
    }

    /// The `seq` of the next record.
    pub fn next_seq(&self) -> u64 {
        self.next_seq
    }

    /// Model calls waiting for their gateway receipt (their bindings).
    pub fn pending_model_calls(&self) -> impl Iterator<Item = &PendingModelCall> {
        self.pending.values()
    }

    /// Allowed tool calls whose result is not recorded yet: (tool, argument hash), in the
    /// order they were allowed.
    pub fn open_allows(&self) -> Vec<&(String, Option<String>)> {
        self.open_allows.values().collect()
    }

    /// The approvals recorded so far, in order (only the unused ones once
    /// [`RunState::keep_chain_head_only`] was called).
    pub fn approvals(&self) -> Vec<&ApprovalState> {
        self.approvals.values().collect()
    }

    /// The first unused approval whose scope covers `action` on `resource` with arguments
    /// hashing to `args_hash_b64u` (a scope without `args_hash_b64u` covers any arguments).
    pub fn unused_approval(
        &self,
        action: &str,
        resource: &str,
        args_hash_b64u: Option<&str>,
    ) -> Option<&ApprovalState> {
        self.approvals.values().find(|a| {
            let s = &a.scope;
            !a.consumed
                && s.get("action").and_then(Value::as_str) == Some(action)
                && s.get("resource").and_then(Value::as_str) == Some(resource)
                && match s.get("args_hash_b64u").and_then(Value::as_str) {
                    None => true,
                    Some(h) => Some(h) == args_hash_b64u,
                }
        })
    }

    /// The bundle metadata entry `metadata["claw.dev/v1"].run`: the policy and token the
    /// run was bound to and, within [`DISCLOSURE_BUDGET_BYTES`], the payloads of its
    /// `run_start` and `policy_decision` events (denials and approval requests first), each
    /// checkable against its event's `payload_hash_b64u` ([`check_disclosures`]).
    pub fn disclosure(&self) -> Result<Value, EvidenceError> {
        if !self.recorder.keeps_history() {
            return Err(EvidenceError::HistoryNotKept);
        }
        let mut run = Map::new();
        if let Some(p) = &self.start.policy {
            run.insert(
                "policy".into(),
                json!({"hash_b64u": p.hash_b64u, "policy_id": p.policy_id, "signer_did": p.signer_did}),
            );
        }
        if let Some(t) = &self.start.token {
            run.insert(
                "token".into(),
                json!({"scope_hash_b64u": t.scope_hash_b64u, "claims": t.claims}),
            );
        }
        let mut used = json::canonicalize(&Value::Object(run.clone()))?.len();
        // Priority: denials / approval requests, then the rest, each in event order.
        let mut order: Vec<usize> = (0..self.disclosures.len()).collect();
        order.sort_by_key(|i| (!self.disclosures[*i].1, *i));
        let mut chosen = Vec::new();
        for i in order {
            let (id, _, payload) = &self.disclosures[i];
            let item = json!({"event_id": id, "payload": payload.to_value()?});
            let n = json::canonicalize(&item)?.len() + 1;
            if used + n > DISCLOSURE_BUDGET_BYTES {
                continue;
            }
            used += n;
            chosen.push((i, item));
        }
        chosen.sort_by_key(|(i, _)| *i);
        let omitted = self.disclosures.len() - chosen.len();
        run.insert(
            "events".into(),
            Value::Array(chosen.into_iter().map(|(_, v)| v).collect()),
        );
        if omitted > 0 {
            run.insert("events_omitted".into(), json!(omitted));
        }
        Ok(json::sorted(&Value::Object(run)))
    }

    /// Bundle options for this run: `opts` with the [`RunState::disclosure`] added under
    /// `metadata["claw.dev/v1"].run`.
    pub fn bundle_options(&self, mut opts: BundleOptions) -> Result<BundleOptions, EvidenceError> {
        opts.namespace_extra
            .insert("run".into(), self.disclosure()?);
        Ok(opts)
    }

    /// Sign the proof bundle (fails while a model call is pending).
    pub fn finish(
        self,
        opts: &BundleOptions,
        issued_at_ms: i64,
        rng: &mut impl CryptoRngCore,
    ) -> Result<Bundle, EvidenceError> {
        let opts = self.bundle_options(opts.clone())?;
        self.recorder.finish(&opts, issued_at_ms, rng)
    }
}

fn check_scope(scope: &Value) -> Result<(), EvidenceError> {
    let o = scope
        .as_object()
        .ok_or_else(|| invalid("scope", "must be an object"))?;
    for k in ["action", "resource"] {
        if o.get(k)
            .and_then(Value::as_str)
            .is_none_or(|s| s.is_empty())
        {
            return Err(invalid("scope", format!("{k} must be a non-empty string")));
        }
    }
    Ok(())
}

fn check_out(r: &RunRecord, got: &RunOut) -> Result<(), EvidenceError> {
    if &r.out != got {
        let what = if r.out.event_hash_b64u != got.event_hash_b64u {
            format!(
                "event hash {} recorded, {} replayed",
                r.out.event_hash_b64u, got.event_hash_b64u
            )
        } else if r.out.receipt_id != got.receipt_id {
            format!(
                "receipt {:?} recorded, {:?} replayed",
                r.out.receipt_id, got.receipt_id
            )
        } else if r.out.receipt_hash_b64u != got.receipt_hash_b64u {
            format!(
                "receipt {} has other content than recorded",
                r.out.receipt_id.as_deref().unwrap_or("?")
            )
        } else {
            "binding differs".to_string()
        };
        return Err(EvidenceError::RunLogDiverged {
            line: r.seq + 1,
            detail: what,
        });
    }
    Ok(())
}

/// One event payload disclosed in `metadata["claw.dev/v1"].run.events`.
#[derive(Debug, Clone, PartialEq)]
pub struct Disclosure {
    /// The event's id in the chain.
    pub event_id: String,
    /// The disclosed payload.
    pub payload: Value,
    /// The event exists in the chain and `SHA-256(JCS(payload))` is its
    /// `payload_hash_b64u`.
    pub matches: bool,
}

/// The disclosed event payloads of a bundle (envelope or payload), each checked against the
/// event chain. Anything malformed is skipped: disclosures are informative, never trusted
/// without `matches`.
pub fn check_disclosures(bundle: &Value) -> Vec<Disclosure> {
    let payload = if bundle.get("envelope_type").is_some() {
        bundle.get("payload").unwrap_or(&Value::Null)
    } else {
        bundle
    };
    let events = payload.get("event_chain").and_then(Value::as_array);
    let items = payload
        .get("metadata")
        .and_then(|m| m.get(super::CLAW_NAMESPACE))
        .and_then(|n| n.get("run"))
        .and_then(|r| r.get("events"))
        .and_then(Value::as_array);
    // Each (event id, payload hash) of the chain, looked up once per item: scanning the
    // chain for every item was quadratic (a failing bundle is still shown in a report, so
    // neither count is bounded by verification).
    let chain: HashSet<(&str, &str)> = events
        .into_iter()
        .flatten()
        .filter_map(|e| {
            Some((
                e.get("event_id")?.as_str()?,
                e.get("payload_hash_b64u")?.as_str()?,
            ))
        })
        .collect();
    let mut out = Vec::new();
    for it in items.into_iter().flatten() {
        let (Some(id), Some(p)) = (
            it.get("event_id").and_then(Value::as_str),
            it.get("payload"),
        ) else {
            continue;
        };
        let h = json::canonicalize(p).map(hash::sha256_b64u).ok();
        let matches = h.as_deref().is_some_and(|h| chain.contains(&(id, h)));
        out.push(Disclosure {
            event_id: id.to_string(),
            payload: p.clone(),
            matches,
        });
    }
    out
}
