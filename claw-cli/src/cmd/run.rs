//! `claw run`: record a run, one command per step, into a run directory.
//!
//! The directory holds one file, `run.jsonl`: the append-only run log of
//! `claw_core::evidence::RunState` (docs/SPEC.md §6.6). Each command replays the log,
//! applies one step, and appends the step's records in one write. One writer at a time.

use super::common::{bad_arg, now_ms, read_json, seed, signing_key, verified_policy};
use crate::{exit, io, Failure};
use claw_core::canonical::Canonical;
use claw_core::cst::{self, KeySet, ValidationOptions};
use claw_core::evidence::{
    parse_run_log, DecisionRecord, Gateway, ModelCall, RunOp, RunPolicy, RunRecord, RunStart,
    RunState, RunToken,
};
use claw_core::keys::VerifyingKey;
use claw_core::wpc::{self, Request, Verdict};
use claw_core::{hash, json, mcp};
use serde_json::{json, Map, Value};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The run log's file name inside the run directory.
pub const LOG_FILE: &str = "run.jsonl";

#[derive(clap::Subcommand, Debug)]
pub enum Command {
    /// Open a run: verify the signed policy and the scoped token, write DIR/run.jsonl.
    Start(StartArgs),
    /// Decide a tool call with the run's policy and token and record the decision. Exit 0
    /// allow, 4 deny, 5 approval required. With --result, an allowed call's tool receipt is
    /// recorded too; without, record it after executing with `claw run result`.
    Tool(ToolArgs),
    /// Record the result (the tool receipt) of a call allowed earlier by `claw run tool`.
    Result(ResultArgs),
    /// Record a model call: an llm_call event and the gateway receipt bound to it.
    Model(ModelArgs),
    /// Attach a gateway receipt (from `claw receipt sign`, or carried by a gateway's model
    /// response) to a pending model call.
    Attach(AttachArgs),
    /// Record a human approval (or denial) of a tool call, or of an MCP resource read or
    /// prompt; the next matching request (`claw run tool`, `claw mcp`) uses it once.
    Approve(ApproveArgs),
    /// Print the run's state as JSON (events, receipts, pending calls, unused approvals).
    Status(DirArgs),
}

#[derive(clap::Args, Debug)]
pub struct DirArgs {
    /// The run directory.
    #[arg(long)]
    dir: PathBuf,
    /// The agent's private JWK (default: the file named when the run started).
    #[arg(long, value_name = "FILE")]
    agent_key: Option<PathBuf>,
}

#[derive(clap::Args, Debug)]
pub struct StartArgs {
    /// The run directory (created if missing; must not hold a run yet).
    #[arg(long)]
    pub(crate) dir: PathBuf,
    /// The agent's private JWK (signs tool receipts and the bundle).
    #[arg(long, value_name = "FILE")]
    pub(crate) agent_key: PathBuf,
    /// The signed policy (WPC envelope) the run executes under.
    #[arg(long, value_name = "ENVELOPE")]
    pub(crate) wpc: PathBuf,
    /// The policy's trusted signer (repeatable).
    #[arg(long = "wpc-signer", value_name = "DID", required = true)]
    pub(crate) wpc_signer: Vec<String>,
    /// The scoped token (compact JWS, or @FILE).
    #[arg(long, value_name = "TOKEN")]
    pub(crate) cst: Option<String>,
    /// The token's trusted issuer: a did:key or a public JWK file (repeatable).
    #[arg(long = "cst-issuer", value_name = "DID|FILE", requires = "cst")]
    pub(crate) cst_issuer: Vec<String>,
    /// The audience the token must name.
    #[arg(long, value_name = "AUD", requires = "cst")]
    pub(crate) aud: Option<String>,
    /// The job: the token's mission_id must equal it.
    #[arg(long, value_name = "JOB", requires = "cst")]
    pub(crate) mission: Option<String>,
    // Help text as an attribute: rustdoc would read `<uuid>` as an HTML tag.
    #[arg(long, help = "The run id (default: run_<uuid>)")]
    pub(crate) run_id: Option<String>,
}

#[derive(clap::Args, Debug)]
pub struct ToolArgs {
    #[command(flatten)]
    dir: DirArgs,
    /// The tool.
    #[arg(long)]
    tool: String,
    /// The tool's version.
    #[arg(long)]
    tool_version: Option<String>,
    /// The call's arguments (JSON; the receipt holds their hash).
    #[arg(long, value_name = "FILE")]
    args: PathBuf,
    /// The call's result (JSON; the receipt holds its hash), when the call has already run.
    #[arg(long, value_name = "FILE")]
    result: Option<PathBuf>,
    /// The result status.
    #[arg(long, default_value = "success", value_parser = ["success", "error", "timeout"])]
    status: String,
    /// How long the call took.
    #[arg(long, default_value_t = 0)]
    latency_ms: u64,
    /// A request context key, e.g. Data:Class=internal (repeatable). Request:HasHumanApproval
    /// is set by claw from recorded approvals, never from the command line.
    #[arg(long = "context", value_name = "KEY=VALUE")]
    context: Vec<String>,
}

#[derive(clap::Args, Debug)]
pub struct ResultArgs {
    #[command(flatten)]
    dir: DirArgs,
    /// The tool (as decided).
    #[arg(long)]
    tool: String,
    /// The tool's version.
    #[arg(long)]
    tool_version: Option<String>,
    /// The call's arguments (as decided).
    #[arg(long, value_name = "FILE")]
    args: PathBuf,
    /// The call's result (JSON; the receipt holds its hash).
    #[arg(long, value_name = "FILE")]
    result: PathBuf,
    /// The result status.
    #[arg(long, default_value = "success", value_parser = ["success", "error", "timeout"])]
    status: String,
    /// How long the call took.
    #[arg(long, default_value_t = 0)]
    latency_ms: u64,
}

#[derive(clap::Args, Debug)]
pub struct ModelArgs {
    #[command(flatten)]
    dir: DirArgs,
    /// Provider, e.g. anthropic.
    #[arg(long)]
    provider: String,
    /// Model name.
    #[arg(long)]
    model: String,
    /// Only record the llm_call event and print the binding the gateway must sign; attach
    /// its receipt later with `claw run attach`.
    #[arg(long, conflicts_with_all = ["request", "response", "gateway_key"])]
    pending: bool,
    /// The request bytes (hashed into the receipt).
    #[arg(long, value_name = "FILE", required_unless_present = "pending")]
    request: Option<PathBuf>,
    /// The response bytes (hashed into the receipt).
    #[arg(long, value_name = "FILE", required_unless_present = "pending")]
    response: Option<PathBuf>,
    /// Input tokens.
    #[arg(long, default_value_t = 0)]
    tokens_in: u64,
    /// Output tokens.
    #[arg(long, default_value_t = 0)]
    tokens_out: u64,
    /// Latency in milliseconds: the llm_call event is stamped this long before the receipt.
    #[arg(long, default_value_t = 0)]
    latency_ms: u64,
    /// The gateway's private JWK (claw signs the receipt as the gateway).
    #[arg(long, value_name = "FILE", required_unless_present = "pending")]
    gateway_key: Option<PathBuf>,
    /// The gateway id written in the receipt.
    #[arg(long, default_value = "claw-gateway")]
    gateway_id: String,
}

#[derive(clap::Args, Debug)]
pub struct AttachArgs {
    #[command(flatten)]
    dir: DirArgs,
    /// The gateway receipt envelope.
    #[arg(
        long,
        value_name = "FILE",
        required_unless_present = "from_response",
        conflicts_with = "from_response"
    )]
    receipt: Option<PathBuf>,
    /// A model response from a gateway (claw-gateway or the reference's clawproxy): the
    /// receipt it carries (a JSON body's `_receipt_envelope`, or the SSE trailer) is attached.
    #[arg(long, value_name = "FILE")]
    from_response: Option<PathBuf>,
}

#[derive(clap::Args, Debug)]
#[command(group(clap::ArgGroup::new("subject").required(true).args(["tool", "resource", "prompt"])))]
pub struct ApproveArgs {
    #[command(flatten)]
    dir: DirArgs,
    /// The tool call being approved (`tool:execute` on the tool's name).
    #[arg(long)]
    tool: Option<String>,
    /// The resource read being approved (MCP `resources/read` or `resources/subscribe`:
    /// `mcp:read_resource` on the URI).
    #[arg(long, value_name = "URI", conflicts_with = "args")]
    resource: Option<String>,
    /// The prompt being approved (MCP `prompts/get`: `mcp:get_prompt` on the name).
    #[arg(long, value_name = "NAME")]
    prompt: Option<String>,
    /// Approve only a call (or prompt) with exactly these arguments (JSON).
    #[arg(long, value_name = "FILE")]
    args: Option<PathBuf>,
    /// Who approved (e.g. an e-mail address).
    #[arg(long)]
    approver: String,
    /// How the approver answered.
    #[arg(long, default_value = "cli_confirm", value_parser = ["cli_confirm", "ui_click", "api_call"])]
    method: String,
    /// What the approver was shown (at most 1024 characters).
    #[arg(long)]
    summary: Option<String>,
    /// Record a denial instead: the next matching call is denied.
    #[arg(long)]
    deny: bool,
}

pub fn run(cmd: Command) -> Result<u8, Failure> {
    match cmd {
        Command::Start(a) => start(a),
        Command::Tool(a) => tool(a),
        Command::Result(a) => result(a),
        Command::Model(a) => model(a),
        Command::Attach(a) => attach(a),
        Command::Approve(a) => approve(a),
        Command::Status(a) => status(a),
    }
}

pub(crate) fn log_path(dir: &Path) -> PathBuf {
    dir.join(LOG_FILE)
}

pub(crate) fn io_err(path: &Path, e: std::io::Error) -> Failure {
    Failure::new(exit::IO, "IO_ERROR", format!("{}: {e}", path.display()))
}

/// Append whole lines to the log in one write.
fn append(dir: &Path, records: &[RunRecord], create: bool) -> Result<(), Failure> {
    use std::io::Write;
    let path = log_path(dir);
    let mut text = String::new();
    for r in records {
        text.push_str(&r.to_line().map_err(|e| Failure::input(e.into()))?);
        text.push('\n');
    }
    let mut opts = std::fs::OpenOptions::new();
    if create {
        // The log holds the token and the raw tool arguments and results: owner only.
        opts.write(true).create_new(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            opts.mode(0o600);
        }
    } else {
        opts.append(true);
    }
    let mut f = opts.open(&path).map_err(|e| io_err(&path, e))?;
    f.write_all(text.as_bytes())
        .and_then(|_| f.sync_data())
        .map_err(|e| io_err(&path, e))
}

/// Replay the run directory's log.
pub fn load(dir: &Path, agent_key: Option<&Path>) -> Result<RunState, Failure> {
    load_counted(dir, agent_key).map(|(st, _)| st)
}

/// [`load`], and the length in bytes of the log that was replayed.
pub(crate) fn load_counted(
    dir: &Path,
    agent_key: Option<&Path>,
) -> Result<(RunState, u64), Failure> {
    let path = log_path(dir);
    if !path.is_file() {
        return Err(Failure::new(
            exit::IO,
            "IO_ERROR",
            format!(
                "{}: no run log (start the run with `claw run start`)",
                path.display()
            ),
        ));
    }
    let text = io::read_text(&path)?;
    let records = parse_run_log(&text).map_err(|e| Failure::input(e.into()))?;
    let key_path = match (agent_key, &records[0].op) {
        (Some(p), _) => p.to_path_buf(),
        (None, RunOp::Start(s)) => match &s.agent_key_ref {
            Some(r) => PathBuf::from(r),
            None => return Err(bad_arg("the run names no agent key file: pass --agent-key")),
        },
        (None, _) => {
            return Err(Failure::new(
                exit::BAD_INPUT,
                "RUN_LOG_INVALID",
                "run log line 1: the first record must be start",
            ))
        }
    };
    let key = signing_key(&key_path)?;
    let st = RunState::replay(key, &records).map_err(|e| Failure::input(e.into()))?;
    Ok((st, text.len() as u64))
}

/// A record time: now, but never before the run's latest record.
pub(crate) fn at(st: &RunState) -> i64 {
    now_ms().max(st.last_at_ms())
}

fn print_json(v: &Value) -> Result<(), Failure> {
    io::print_line(&String::from_utf8_lossy(
        &json::canonicalize(v).map_err(|e| Failure::input(e.into()))?,
    ))
}

fn start(a: StartArgs) -> Result<u8, Failure> {
    let st = start_run(a)?;
    let s = st.start_info();
    let mut out = Map::new();
    out.insert("run_id".into(), json!(s.run_id));
    out.insert("agent_did".into(), json!(s.agent_did));
    if let Some(p) = &s.policy {
        out.insert("policy_hash_b64u".into(), json!(p.hash_b64u));
    }
    if let Some(t) = &s.token {
        out.insert("token_scope_hash_b64u".into(), json!(t.scope_hash_b64u));
    }
    print_json(&Value::Object(out))?;
    Ok(exit::OK)
}

/// Open a run: verify the policy and the token, write the `start` record (a new log).
pub(crate) fn start_run(a: StartArgs) -> Result<RunState, Failure> {
    if log_path(&a.dir).exists() {
        return Err(Failure::new(
            exit::BAD_INPUT,
            "RUN_EXISTS",
            format!("{} already holds a run", a.dir.display()),
        ));
    }
    let agent = signing_key(&a.agent_key)?;
    let agent_did = agent.verifying_key().did();
    let now = now_ms();
    let env_bytes = io::read_input(Some(&a.wpc))?;
    let (verified, compiled) = verified_policy(&env_bytes, &a.wpc_signer, now / 1000)?;
    let policy = verified.policy();
    let req = compiled.requirements();
    let envelope = super::common::parse_json(&env_bytes, &a.wpc)?;
    let run_policy = RunPolicy {
        hash_b64u: policy.hash_b64u().to_string(),
        policy_id: policy.policy_id().to_string(),
        signer_did: verified.envelope().signer_did.clone(),
        envelope,
    };
    let token = match &a.cst {
        None if req.require_cst() => {
            return Err(Failure::new(
                exit::VERIFY_FAILED,
                "TOKEN_REQUIRED",
                format!(
                    "policy {} requires a scoped token (--cst)",
                    policy.hash_b64u()
                ),
            ))
        }
        None => None,
        Some(t) => {
            let token = super::common::token_arg(t)?;
            if a.cst_issuer.is_empty() {
                return Err(bad_arg("--cst needs at least one trusted --cst-issuer"));
            }
            let aud = a
                .aud
                .clone()
                .ok_or_else(|| bad_arg("--cst needs the audience it is validated for (--aud)"))?;
            let mut issuers = Vec::new();
            for i in &a.cst_issuer {
                issuers.push(issuer_jwk(i)?);
            }
            let run_token = RunToken {
                token,
                scope_hash_b64u: String::new(),
                claims: Value::Null,
                issuers,
                audience: aud,
            };
            let claims = validate_token(
                &run_token,
                a.mission.as_deref(),
                &agent_did,
                policy.hash_b64u(),
                &req,
                None,
                now / 1000,
            )
            .map_err(|e| Failure::verify(e.into()))?;
            Some(RunToken {
                scope_hash_b64u: claims.scope_hash_b64u(),
                claims: Value::Object(claims.to_json_object()),
                ..run_token
            })
        }
    };
    let key_ref = std::fs::canonicalize(&a.agent_key).map_err(|e| io_err(&a.agent_key, e))?;
    let run_start = RunStart {
        run_id: a
            .run_id
            .unwrap_or_else(|| claw_core::evidence::new_id("run", &mut rand_core::OsRng)),
        agent_did,
        agent_key_ref: Some(key_ref.to_string_lossy().into_owned()),
        policy: Some(run_policy),
        token,
    };
    let (st, rec) =
        RunState::start(agent, run_start, now, seed()).map_err(|e| Failure::input(e.into()))?;
    std::fs::create_dir_all(&a.dir).map_err(|e| io_err(&a.dir, e))?;
    append(&a.dir, &[rec], true)?;
    Ok(st)
}

/// A trusted issuer as a public JWK: a did:key, or a public JWK file.
fn issuer_jwk(issuer: &str) -> Result<Value, Failure> {
    if issuer.starts_with("did:") {
        let key = VerifyingKey::from_did(issuer).map_err(|e| Failure::input(e.into()))?;
        return json::parse_str(&key.to_jwk()).map_err(|e| Failure::input(e.into()));
    }
    let path = Path::new(issuer);
    let v = read_json(path)?;
    // Refuses private JWKs too.
    VerifyingKey::from_jwk_value(&v).map_err(|e| Failure::input(e.into()))?;
    Ok(v)
}

/// Validate the run's token for `action` (None: inspection at start) at `now`.
pub(crate) fn validate_token(
    t: &RunToken,
    mission: Option<&str>,
    agent_did: &str,
    policy_hash: &str,
    req: &wpc::Requirements,
    action: Option<&str>,
    now: i64,
) -> Result<cst::Claims, cst::TokenError> {
    let mut keys = KeySet::new();
    for jwk in &t.issuers {
        keys.insert_jwk_value(jwk)?;
    }
    let mut opts = ValidationOptions::new(&t.audience, "");
    opts.action = action;
    opts.subject = Some(agent_did);
    opts.job = mission;
    opts.runtime_policy_hash = Some(policy_hash);
    opts.require_policy_pin = req.pin_cst_to_policy_hash();
    opts.max_ttl_seconds = req.max_ttl_seconds();
    cst::validate(&t.token, &keys, &opts, now).map(cst::VerifiedClaims::into_claims)
}

fn parse_context(kvs: &[String]) -> Result<BTreeMap<String, String>, Failure> {
    let mut context = BTreeMap::new();
    for kv in kvs {
        let (k, v) = kv
            .split_once('=')
            .ok_or_else(|| bad_arg(format!("--context {kv:?}: expected KEY=VALUE")))?;
        if k == wpc::KEY_HUMAN_APPROVAL {
            return Err(bad_arg(format!(
                "--context {k}: set by claw from the run's recorded approvals (claw run approve)"
            )));
        }
        if context.insert(k.to_string(), v.to_string()).is_some() {
            return Err(bad_arg(format!("--context {k}: given twice")));
        }
    }
    Ok(context)
}

fn tool(a: ToolArgs) -> Result<u8, Failure> {
    let mut st = load(&a.dir.dir, a.dir.agent_key.as_deref())?;
    let context = parse_context(&a.context)?;
    let args = canonical(read_json(&a.args)?)?;
    let result = match &a.result {
        Some(p) => Some(canonical(read_json(p)?)?),
        None => None,
    };
    let args_hash = args.hash_b64u().to_string();
    let start = st.start_info().clone();
    let policy = start.policy.as_ref().ok_or_else(|| {
        Failure::new(
            exit::BAD_INPUT,
            "POLICY_REQUIRED",
            "the run has no policy to decide with",
        )
    })?;
    let now = at(&st);
    let env_bytes = json::canonicalize(&policy.envelope).map_err(|e| Failure::input(e.into()))?;
    let (_, compiled) = verified_policy(
        &env_bytes,
        std::slice::from_ref(&policy.signer_did),
        now / 1000,
    )?;
    let action = wpc::ACTION_TOOL_EXECUTE;

    let mut record = DecisionRecord {
        action: action.into(),
        resource: a.tool.clone(),
        decision: String::new(),
        reason_code: String::new(),
        statement_id: None,
        policy_hash_b64u: Some(policy.hash_b64u.clone()),
        args_hash_b64u: Some(args_hash.clone()),
        approval_receipt_id: None,
    };
    let token_check = match &start.token {
        None => Ok(()),
        Some(t) => {
            let mission = t.claims.get("mission_id").and_then(Value::as_str);
            validate_token(
                t,
                mission,
                &start.agent_did,
                &policy.hash_b64u,
                &compiled.requirements(),
                Some(action),
                now / 1000,
            )
            .map(|_| ())
        }
    };
    if let Err(e) = token_check {
        // Fail closed: a call under an invalid token is denied, and the denial recorded.
        record.decision = "deny".into();
        record.reason_code = e.reason_code().into();
    } else {
        let started = st.started_at_ms() / 1000;
        let decide = |ctx: &BTreeMap<String, String>| {
            compiled
                .decide(&Request::tool_call(&a.tool, ctx, now / 1000).with_run_started_at(started))
                .into_owned()
        };
        let mut d = decide(&context);
        let mut denied_by_human = false;
        if d.verdict == Verdict::ApprovalRequired {
            if let Some(ap) = st.unused_approval(action, &a.tool, Some(&args_hash)) {
                if ap.approval_type == "explicit_approve" {
                    let mut with = context.clone();
                    with.insert(wpc::KEY_HUMAN_APPROVAL.into(), "true".into());
                    let approved = decide(&with);
                    // The approval is used (once) only when it is what allows the call.
                    if approved.verdict == Verdict::Allow {
                        record.approval_receipt_id = Some(ap.receipt_id.clone());
                        d = approved;
                    }
                } else {
                    record.approval_receipt_id = Some(ap.receipt_id.clone());
                    denied_by_human = true;
                }
            }
        }
        if denied_by_human {
            record.decision = Verdict::Deny.as_str().into();
            record.reason_code = "HUMAN_APPROVAL_DENIED".into();
        } else {
            record.decision = d.verdict.as_str().into();
            record.reason_code = d.reason.as_str().into();
        }
        record.statement_id = d.statement_id;
        if let Some(h) = d.policy_hash {
            record.policy_hash_b64u = Some(h);
        }
    }

    let verdict = record.decision.clone();
    let mut out = Map::new();
    out.insert("tool".into(), json!(a.tool));
    out.insert("decision".into(), json!(verdict));
    out.insert("reason_code".into(), json!(record.reason_code));
    if let Some(s) = &record.statement_id {
        out.insert("statement_id".into(), json!(s));
    }
    if let Some(s) = &record.approval_receipt_id {
        out.insert("approval_receipt_id".into(), json!(s));
    }
    out.insert("policy_hash_b64u".into(), json!(record.policy_hash_b64u));
    let mut records = vec![st
        .apply(RunOp::Decision(record), now, seed())
        .map_err(|e| Failure::input(e.into()))?];
    if let (true, Some(result)) = (verdict == "allow", result) {
        let r = st
            .apply(
                RunOp::Tool {
                    tool_name: a.tool.clone(),
                    tool_version: a.tool_version,
                    args,
                    result,
                    result_status: a.status,
                    latency_ms: a.latency_ms,
                },
                now,
                seed(),
            )
            .map_err(|e| Failure::input(e.into()))?;
        out.insert("receipt_id".into(), json!(r.out.receipt_id));
        records.push(r);
    } else if verdict == "allow" {
        out.insert("result_pending".into(), json!(true));
    }
    out.insert(
        "event_hash_b64u".into(),
        json!(records[records.len() - 1].out.event_hash_b64u),
    );
    append(&a.dir.dir, &records, false)?;
    print_json(&Value::Object(out))?;
    Ok(match verdict.as_str() {
        "allow" => exit::OK,
        "approval_required" => exit::APPROVAL_REQUIRED,
        _ => exit::DENY,
    })
}

/// A tool call's arguments or result, with its JCS bytes (for the hashes and the log line).
fn canonical(v: Value) -> Result<Canonical, Failure> {
    Canonical::new(v).map_err(|e| Failure::input(e.into()))
}

fn result(a: ResultArgs) -> Result<u8, Failure> {
    let mut st = load(&a.dir.dir, a.dir.agent_key.as_deref())?;
    let args = canonical(read_json(&a.args)?)?;
    let result = canonical(read_json(&a.result)?)?;
    let now = at(&st);
    let r = st
        .apply(
            RunOp::Tool {
                tool_name: a.tool.clone(),
                tool_version: a.tool_version,
                args,
                result,
                result_status: a.status,
                latency_ms: a.latency_ms,
            },
            now,
            seed(),
        )
        .map_err(|e| Failure::input(e.into()))?;
    let out = json!({"tool": a.tool, "receipt_id": r.out.receipt_id, "event_hash_b64u": r.out.event_hash_b64u});
    append(&a.dir.dir, &[r], false)?;
    print_json(&out)?;
    Ok(exit::OK)
}

fn model(a: ModelArgs) -> Result<u8, Failure> {
    let mut st = load(&a.dir.dir, a.dir.agent_key.as_deref())?;
    let now = at(&st);
    let gateway = match &a.gateway_key {
        Some(k) => Some(
            Gateway::new(&a.gateway_id, signing_key(k)?).map_err(|e| Failure::input(e.into()))?,
        ),
        None => None,
    };
    let request = match &a.request {
        Some(p) => io::read_input(Some(p))?,
        None => Vec::new(),
    };
    let response = match &a.response {
        Some(p) => io::read_input(Some(p))?,
        None => Vec::new(),
    };
    // The call started `latency` before now, but not before the run's latest record.
    let latency = i64::try_from(a.latency_ms).unwrap_or(i64::MAX);
    let begin = now.saturating_sub(latency).max(st.last_at_ms());
    let b = st
        .apply(
            RunOp::ModelBegin {
                provider: a.provider.clone(),
                model: a.model.clone(),
            },
            begin,
            seed(),
        )
        .map_err(|e| Failure::input(e.into()))?;
    let Some(gateway) = gateway else {
        // --pending: print the binding for the gateway.
        let binding = b.out.binding.clone().unwrap_or(Value::Null);
        append(&a.dir.dir, &[b], false)?;
        print_json(&json!({"binding": binding, "pending": true}))?;
        return Ok(exit::OK);
    };
    let pending = st
        .pending_model_calls()
        .find(|p| p.binding.event_hash_b64u == b.out.event_hash_b64u)
        .map(|p| p.binding.clone())
        .ok_or_else(|| {
            Failure::new(exit::BAD_INPUT, "RUN_LOG_INVALID", "model call not pending")
        })?;
    let env = gateway
        .sign_receipt(
            &ModelCall {
                provider: &a.provider,
                model: &a.model,
                request: &request,
                response: &response,
                tokens_input: a.tokens_in,
                tokens_output: a.tokens_out,
                latency_ms: a.latency_ms,
                timestamp_ms: begin.saturating_add(latency),
                metadata: None,
            },
            Some(&pending),
            &mut rand_core::OsRng,
        )
        .map_err(|e| Failure::input(e.into()))?;
    let r = st
        .apply(
            RunOp::ModelReceipt {
                receipt: env.to_value(),
            },
            begin.saturating_add(latency),
            seed(),
        )
        .map_err(|e| Failure::input(e.into()))?;
    let out = json!({
        "provider": a.provider,
        "model": a.model,
        "receipt_id": r.out.receipt_id,
        "event_hash_b64u": r.out.event_hash_b64u,
        "gateway_did": gateway.did(),
    });
    append(&a.dir.dir, &[b, r], false)?;
    print_json(&out)?;
    Ok(exit::OK)
}

fn attach(a: AttachArgs) -> Result<u8, Failure> {
    let mut st = load(&a.dir.dir, a.dir.agent_key.as_deref())?;
    let receipt = match (&a.receipt, &a.from_response) {
        (Some(p), _) => read_json(p)?,
        (None, Some(p)) => {
            let body = io::read_input(Some(p))?;
            claw_core::evidence::receipt_from_response(&body)
                .map_err(|e| Failure::input(e.into()))?
                .envelope
        }
        (None, None) => {
            return Err(Failure::new(
                exit::BAD_INPUT,
                "MISSING_REQUIRED_FIELD",
                "--receipt or --from-response is required",
            ))
        }
    };
    let now = at(&st);
    let r = st
        .apply(RunOp::ModelReceipt { receipt }, now, seed())
        .map_err(|e| Failure::input(e.into()))?;
    let out = json!({"receipt_id": r.out.receipt_id, "event_hash_b64u": r.out.event_hash_b64u});
    append(&a.dir.dir, &[r], false)?;
    print_json(&out)?;
    Ok(exit::OK)
}

fn approve(a: ApproveArgs) -> Result<u8, Failure> {
    let mut st = load(&a.dir.dir, a.dir.agent_key.as_deref())?;
    // Exactly one of the three is given (clap's group).
    let (action, resource) = match (&a.tool, &a.resource, &a.prompt) {
        (Some(t), _, _) => (wpc::ACTION_TOOL_EXECUTE, t.clone()),
        (_, Some(r), _) => (mcp::ACTION_READ_RESOURCE, r.clone()),
        (_, _, Some(p)) => (mcp::ACTION_GET_PROMPT, p.clone()),
        (None, None, None) => {
            return Err(Failure::new(
                exit::BAD_INPUT,
                "INVALID_ARGUMENT",
                "one of --tool, --resource, --prompt is required",
            ))
        }
    };
    let mut scope = Map::new();
    scope.insert("action".into(), json!(action));
    scope.insert("resource".into(), json!(resource));
    if let Some(p) = &a.args {
        let args = read_json(p)?;
        let h = hash::sha256_b64u(json::canonicalize(&args).map_err(|e| Failure::input(e.into()))?);
        scope.insert("args_hash_b64u".into(), json!(h));
    }
    let approval_type = if a.deny {
        "explicit_deny"
    } else {
        "explicit_approve"
    };
    let now = at(&st);
    let r = st
        .apply(
            RunOp::Approval {
                approval_type: approval_type.into(),
                approver_subject: a.approver,
                approver_method: Some(a.method),
                scope: Value::Object(scope),
                scope_summary: a.summary,
            },
            now,
            seed(),
        )
        .map_err(|e| Failure::input(e.into()))?;
    let mut out = json!({"approval_type": approval_type, "action": action, "resource": resource,
        "receipt_id": r.out.receipt_id});
    if let Some(t) = &a.tool {
        out["tool"] = json!(t);
    }
    append(&a.dir.dir, &[r], false)?;
    print_json(&out)?;
    Ok(exit::OK)
}

fn status(a: DirArgs) -> Result<u8, Failure> {
    let st = load(&a.dir, a.agent_key.as_deref())?;
    let s = st.start_info();
    let mut kinds: BTreeMap<&str, u64> = BTreeMap::new();
    for (_, r) in st.recorder().receipts() {
        *kinds.entry(r.kind.array_name()).or_default() += 1;
    }
    let pending: Vec<Value> = st
        .pending_model_calls()
        .map(|p| p.binding.to_value())
        .collect();
    let approvals: Vec<Value> = st
        .approvals()
        .iter()
        .filter(|ap| !ap.consumed)
        .map(|ap| json!({"receipt_id": ap.receipt_id, "approval_type": ap.approval_type, "scope": ap.scope}))
        .collect();
    print_json(&json!({
        "run_id": s.run_id,
        "agent_did": s.agent_did,
        "policy_hash_b64u": s.policy.as_ref().map(|p| p.hash_b64u.clone()),
        "token_scope_hash_b64u": s.token.as_ref().map(|t| t.scope_hash_b64u.clone()),
        "records": st.next_seq(),
        "events": st.recorder().events().len(),
        "receipts": kinds,
        "pending_model_calls": pending,
        "unused_approvals": approvals,
        "allowed_awaiting_result": st.open_allows().iter().map(|(t, h)| json!({"tool": t, "args_hash_b64u": h})).collect::<Vec<_>>(),
    }))?;
    Ok(exit::OK)
}
