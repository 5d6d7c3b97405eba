//! `claw verify …`: the reference CLI's verification syntax, output and exit codes, so that
//! scripts written for `clawverify` (its protocol conformance runner among them) drive claw
//! unchanged (docs/SPEC.md §12.3):
//!
//! `claw verify proof-bundle|export-bundle|aggregate-bundle|commit-sig --input FILE
//! [--urm FILE] [--config FILE] [--json]`
//!
//! Without `--json`, stdout is the reference's output object (`kind`, `status`,
//! `verified_at`, `reason_code`, `reason`, `input`, `verification`); with `--json`, its
//! summary (`result`, `reason_codes`, …). Exit 0 PASS, 1 FAIL, 2 ERROR (usage, unreadable
//! input or config), whose object (`status: "ERROR"`) goes to stdout, or with `--json` to
//! stderr as `{error: true, code, message, exit_code}`.

use super::common::{sibling_urm, to_config};
use crate::{io, Failure};
use claw_core::evidence::{
    is_aggregate_bundle, verify_aggregate_bundle_value, verify_bundle_value,
    verify_commit_signature_value, verify_export_bundle_value, CommitError, VerifyOptions,
};

use serde_json::{json, Map, Value};
use std::path::{Path, PathBuf};

/// The reference's exit codes.
const PASS: u8 = 0;
const FAIL: u8 = 1;
const ERROR: u8 = 2;

#[derive(clap::Subcommand, Debug)]
pub enum Command {
    /// A proof bundle (`{"envelope": …}` accepted). The URM is `--urm`, or the sibling
    /// `NAME-urm.json` of `NAME-bundle.json` when it exists.
    #[command(name = "proof-bundle", alias = "proof_bundle")]
    ProofBundle(Args),
    /// An export bundle, or an aggregate bundle (the reference treats both kinds alike).
    #[command(
        name = "export-bundle",
        aliases = ["export_bundle", "aggregate-bundle", "aggregate_bundle"]
    )]
    ExportBundle(Args),
    /// A commit signature (`commit.sig.json`).
    #[command(name = "commit-sig", alias = "commit_sig")]
    CommitSig(Args),
}

#[derive(clap::Args, Debug)]
pub struct Args {
    /// The document to verify.
    #[arg(long, value_name = "PATH")]
    input: PathBuf,
    /// The URM document (proof bundles).
    #[arg(long, value_name = "PATH")]
    urm: Option<PathBuf>,
    /// Verifier options (`clawverify.config.*.json`, plus claw's members).
    #[arg(long, value_name = "PATH")]
    config: Option<PathBuf>,
    /// Print the reference's JSON summary instead of its output object.
    #[arg(long)]
    json: bool,
}

pub fn run(cmd: Command) -> Result<u8, Failure> {
    let (kind, a) = match &cmd {
        Command::ProofBundle(a) => ("proof_bundle", a),
        Command::ExportBundle(a) => ("export_bundle", a),
        Command::CommitSig(a) => ("commit_sig", a),
    };
    match verify(kind, a) {
        Ok(code) => Ok(code),
        Err(f) => {
            let message = claw_core::escape::escape(&f.message).into_owned();
            if a.json {
                let e = json!({"error": true, "code": f.reason, "message": message,
                               "exit_code": ERROR});
                eprintln!("{}", pretty(&e));
            } else {
                let e = json!({"status": "ERROR", "verified_at": now(),
                               "reason_code": f.reason, "reason": message});
                io::print_line(&pretty(&e))?;
            }
            Ok(ERROR)
        }
    }
}

fn pretty(v: &Value) -> String {
    serde_json::to_string_pretty(v).unwrap_or_else(|_| v.to_string())
}

fn now() -> String {
    claw_core::time::format_rfc3339_millis(super::common::now_ms())
}

fn read_doc(path: &Path) -> Result<Value, Failure> {
    let bytes = io::read_input(Some(path))?;
    super::common::parse_json(&bytes, path)
}

fn verify(kind: &'static str, a: &Args) -> Result<u8, Failure> {
    let mut o = match &a.config {
        Some(p) if kind != "commit_sig" => VerifyOptions::parse(&io::read_input(Some(p))?)
            .map_err(|e| {
                Failure::new(
                    crate::exit::BAD_INPUT,
                    e.reason_code(),
                    format!("{}: {}", p.display(), e.message()),
                )
            })?,
        _ => VerifyOptions::default(),
    };
    let urm_path = match (&a.urm, kind) {
        (Some(p), _) => Some(p.clone()),
        (None, "proof_bundle") if o.urm.is_none() => sibling_urm(&a.input),
        _ => None,
    };
    if let Some(p) = &urm_path {
        o.urm = Some(read_doc(p)?);
    }
    let doc = read_doc(&a.input)?;
    let mut input = Map::new();
    input.insert("path".into(), a.input.display().to_string().into());
    if let Some(p) = &a.config {
        input.insert("config_path".into(), p.display().to_string().into());
    }
    if let Some(p) = &urm_path {
        input.insert("urm_path".into(), p.display().to_string().into());
    }
    let (valid, code, reason, verification, summary) = match kind {
        "commit_sig" => commit(&doc, a.json)?,
        _ => {
            let cfg = to_config(&o)?;
            if kind == "proof_bundle" {
                let v = verify_bundle_value(&doc, &cfg);
                let payload = doc
                    .get("envelope")
                    .unwrap_or(&doc)
                    .get("payload")
                    .cloned()
                    .unwrap_or(Value::Null);
                let summary = json!({
                    "result": if v.valid { "PASS" } else { "FAIL" },
                    "tier": v.proof_tier.as_str(),
                    "schema_version": "proof_bundle.v1",
                    "agent_did": payload.get("agent_did").cloned().unwrap_or(Value::Null),
                    "reason_codes": if v.valid { vec![] } else { vec![v.reason_code] },
                    "receipt_count": payload.get("receipts").and_then(Value::as_array).map_or(0, Vec::len),
                    "warnings": [],
                });
                (
                    v.valid,
                    v.reason_code,
                    v.reason.clone(),
                    v.to_json(),
                    summary,
                )
            } else {
                let (valid, code, reason, j) = if is_aggregate_bundle(&doc) {
                    let v = verify_aggregate_bundle_value(&doc, &cfg);
                    (v.valid, v.reason_code, v.reason.clone(), v.to_json())
                } else {
                    let v = verify_export_bundle_value(&doc, &cfg);
                    (v.valid, v.reason_code, v.reason.clone(), v.to_json())
                };
                let summary = json!({
                    "result": if valid { "PASS" } else { "FAIL" },
                    "schema_version": "export-bundle.v1",
                    "reason_codes": if valid { vec![] } else { vec![code] },
                    "warnings": [],
                });
                (valid, code, reason, j, summary)
            }
        }
    };
    if a.json {
        io::print_line(&pretty(&summary))?;
    } else {
        let out = json!({
            "kind": kind,
            "status": if valid { "PASS" } else { "FAIL" },
            "verified_at": now(),
            "reason_code": code,
            "reason": claw_core::escape::escape(&reason),
            "input": input,
            "verification": verification,
        });
        io::print_line(&pretty(&out))?;
    }
    Ok(if valid { PASS } else { FAIL })
}

type Outcome = (bool, &'static str, String, Value, Value);

fn commit(doc: &Value, _json: bool) -> Result<Outcome, Failure> {
    let message = doc.get("message").cloned().unwrap_or(Value::Null);
    match verify_commit_signature_value(doc) {
        Ok(c) => {
            let summary = json!({"result": "PASS", "signer_did": c.signer_did,
                                 "commit_sha": c.commit_sha, "message": message});
            Ok((
                true,
                "OK",
                "Commit signature verified".into(),
                c.to_json(),
                summary,
            ))
        }
        Err(CommitError::Json(e)) => Err(Failure::input(e.into())),
        Err(e) => {
            let summary = json!({"result": "FAIL",
                "signer_did": doc.get("did").cloned().unwrap_or(Value::Null),
                "commit_sha": Value::Null, "message": message});
            Ok((
                false,
                e.reason_code(),
                e.to_string(),
                claw_core::evidence::commit_failure_json(&e),
                summary,
            ))
        }
    }
}
