//! `claw wpc`: hash, compile, sign, verify and check Work Policy Contracts.

use crate::{exit, io, Failure};
use claw_core::envelope::Signers;
use claw_core::keys::SigningKey;
use claw_core::wpc::{self, CompiledPolicy, Policy, Request, Verdict};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

#[derive(clap::Subcommand, Debug)]
pub enum Command {
    /// Print the policy hash (base64url SHA-256 of the JCS payload, 43 characters).
    Hash {
        /// Print a JSON object instead of text.
        #[arg(long)]
        json: bool,
        /// A WPC payload, or a signed WPC envelope (its payload is hashed; the signature is
        /// not checked: use `claw wpc verify` for that).
        file: PathBuf,
    },
    /// Compile the authoring form (allowed_tools, denied_tools, approvals, ...) into a v2 WPC.
    Compile {
        /// The authoring document.
        file: PathBuf,
    },
    /// Sign a WPC payload; prints the envelope.
    Sign {
        /// The WPC payload (v1 or v2).
        file: PathBuf,
        /// The signer's private JWK file.
        #[arg(long)]
        key: PathBuf,
        /// Expiry of the envelope, in seconds from now.
        #[arg(long)]
        expires_in: Option<i64>,
    },
    /// Verify a signed WPC envelope; prints the policy hash.
    Verify {
        /// The envelope.
        envelope: PathBuf,
        /// A trusted signer DID (repeatable). Without any, the signature is checked but any
        /// signer is accepted.
        #[arg(long)]
        signer: Vec<String>,
        /// The policy hash the envelope must carry.
        #[arg(long, allow_hyphen_values = true)]
        hash: Option<String>,
        /// Print a JSON object instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Decide one tool call; prints {"decision","reason_code","statement_id"}.
    /// Exit code: 0 allow, 4 deny, 5 approval required.
    Check(CheckArgs),
}

#[derive(clap::Args, Debug)]
pub struct CheckArgs {
    /// A WPC payload or a signed envelope (the envelope's signature is verified).
    policy: PathBuf,
    /// The tool being called (the resource of `tool:execute`).
    #[arg(long)]
    tool: String,
    /// The action (default `tool:execute`).
    #[arg(long)]
    action: Option<String>,
    /// The resource (default: the tool name).
    #[arg(long)]
    resource: Option<String>,
    /// A context key, e.g. `Data:Class=internal` or `Request:HasHumanApproval=true` (repeatable).
    #[arg(long = "context", value_name = "KEY=VALUE")]
    context: Vec<String>,
    /// Trusted signer DID for an envelope (repeatable).
    #[arg(long)]
    signer: Vec<String>,
    /// Decide as of this Unix time (Context:Hour, Context:DayOfWeek).
    #[arg(long)]
    now: Option<i64>,
    /// When the run started (Unix time), for the policy's run time limit. Defaults to the
    /// decision time: a one-off check is the first call of its run.
    #[arg(long)]
    run_started_at: Option<i64>,
}

pub fn run(cmd: Command) -> Result<u8, Failure> {
    match cmd {
        Command::Hash { file, json } => {
            let policy = load_policy(&file, None)?;
            print_hash(policy.hash_b64u(), None, json)?;
            Ok(exit::OK)
        }
        Command::Compile { file } => {
            let text = io::read_text(&file)?;
            let policy = wpc::compile_authoring(&text).map_err(|e| Failure::input(e.into()))?;
            let bytes = policy.canonical_bytes();
            io::print_line(&String::from_utf8_lossy(&bytes))?;
            Ok(exit::OK)
        }
        Command::Sign {
            file,
            key,
            expires_in,
        } => {
            let policy = Policy::parse(&io::read_input(Some(&file))?)
                .map_err(|e| Failure::input(e.into()))?;
            let key = SigningKey::from_jwk(&io::read_text(&key)?)
                .map_err(|e| Failure::input(e.into()))?;
            let now_ms = io::now_secs() * 1000;
            let env =
                wpc::sign_policy(&policy, &key, now_ms, expires_in.map(|s| now_ms + s * 1000))
                    .map_err(|e| Failure::input(e.into()))?;
            io::print_line(&env.to_json().map_err(|e| Failure::input(e.into()))?)?;
            Ok(exit::OK)
        }
        Command::Verify {
            envelope,
            signer,
            hash,
            json,
        } => {
            let bytes = io::read_input(Some(&envelope))?;
            let signers = if signer.is_empty() {
                Signers::Any
            } else {
                Signers::OneOf(&signer)
            };
            let verified =
                wpc::verify_policy_envelope(&bytes, signers, hash.as_deref(), Some(io::now_secs()))
                    .map_err(|e| Failure::verify(e.into()))?;
            print_hash(
                verified.policy().hash_b64u(),
                Some(&verified.envelope().signer_did),
                json,
            )?;
            Ok(exit::OK)
        }
        Command::Check(a) => check(a),
    }
}

/// The policy hash as a line of text, or `{"policy_hash_b64u", "signer_did"}` with `--json`.
fn print_hash(hash: &str, signer: Option<&str>, json: bool) -> Result<(), Failure> {
    if !json {
        return io::print_line(hash);
    }
    let mut out = serde_json::json!({ "policy_hash_b64u": hash });
    if let Some(s) = signer {
        out["signer_did"] = s.into();
    }
    io::print_line(&out.to_string())
}

/// Read a WPC payload, or a signed envelope (verified against `signers` when given).
fn load_policy(path: &Path, signers: Option<&[String]>) -> Result<Policy, Failure> {
    let bytes = io::read_input(Some(path))?;
    let value = claw_core::json::parse(&bytes, &claw_core::json::Limits::STRICT)
        .map_err(|e| Failure::input(e.into()))?;
    if value.get("envelope_version").is_some() {
        match signers {
            // Hashing only: the payload of an envelope, unverified.
            None => {
                let payload = value.get("payload").cloned().unwrap_or_default();
                Policy::from_value(payload).map_err(|e| Failure::input(e.into()))
            }
            Some(s) => {
                let signers = if s.is_empty() {
                    Signers::Any
                } else {
                    Signers::OneOf(s)
                };
                wpc::verify_policy_envelope(&bytes, signers, None, Some(io::now_secs()))
                    .map(wpc::VerifiedPolicy::into_policy)
                    .map_err(|e| Failure::verify(e.into()))
            }
        }
    } else {
        Policy::from_value(value).map_err(|e| Failure::input(e.into()))
    }
}

fn check(a: CheckArgs) -> Result<u8, Failure> {
    let policy = load_policy(&a.policy, Some(&a.signer))?;
    let compiled = CompiledPolicy::compile(&policy).map_err(|e| Failure::input(e.into()))?;
    let mut context = BTreeMap::new();
    for kv in &a.context {
        let (k, v) = kv.split_once('=').ok_or_else(|| {
            Failure::new(
                exit::BAD_INPUT,
                "INVALID_ARGUMENT",
                format!("--context {kv:?}: expected KEY=VALUE"),
            )
        })?;
        if context.insert(k.to_string(), v.to_string()).is_some() {
            return Err(Failure::new(
                exit::BAD_INPUT,
                "INVALID_ARGUMENT",
                format!("--context {k}: given twice"),
            ));
        }
    }
    let action = a.action.as_deref().unwrap_or(wpc::ACTION_TOOL_EXECUTE);
    let resource = a.resource.as_deref().unwrap_or(&a.tool);
    let now = a.now.unwrap_or_else(io::now_secs);
    if action == wpc::ACTION_TOOL_EXECUTE && resource != a.tool {
        // Tool:Name is the resource of a tool call; two different names would be ambiguous.
        return Err(Failure::new(
            exit::BAD_INPUT,
            "INVALID_ARGUMENT",
            "--resource of a tool:execute call must be the tool name",
        ));
    }
    let request = Request::new(action, resource, &context, now)
        .with_run_started_at(a.run_started_at.unwrap_or(now));
    let d = compiled.decide(&request);
    let out = serde_json::json!({
        "decision": d.verdict.as_str(),
        "reason_code": d.reason.as_str(),
        "statement_id": d.statement_id,
        "policy_hash_b64u": policy.hash_b64u(),
    });
    io::print_line(&out.to_string())?;
    Ok(match d.verdict {
        Verdict::Allow => exit::OK,
        Verdict::Deny => exit::DENY,
        Verdict::ApprovalRequired => exit::APPROVAL_REQUIRED,
    })
}
