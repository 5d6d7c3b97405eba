//! `claw bundle`: build, verify, prove, check-proof, pulse, report.

use super::common::{bad_arg, now_ms, read_json, seed, TrustArgs};
use super::run as runlog;
use crate::{exit, io, progress, report, Failure};
use claw_core::evidence::{
    trust_pulse_from_bundle, verify_bundle_for_use, verify_document, verify_receipt_proof,
    AggregateVerdict, Bundle, BundleOptions, Component, ComponentStatus, DocumentVerdict,
    ExportVerdict, RunOp, Verdict, VerdictHead, CLAW_NAMESPACE,
};
use claw_core::{hash, json};
use serde_json::{json, Value};
use std::path::PathBuf;

#[derive(clap::Subcommand, Debug)]
pub enum Command {
    /// Build and sign the proof bundle of a run directory (`claw run …`).
    Build(BuildArgs),
    /// Verify a proof bundle, an export bundle (a document with `export_version`, or
    /// `{"bundle": …}`) or an aggregate bundle, offline. Exit 0 PASS, 3 FAIL.
    Verify(VerifyArgs),
    /// Print the inclusion proof of one receipt against the bundle's signed checkpoint
    /// (the bundle is verified first).
    Prove(ProveArgs),
    /// Verify a receipt inclusion proof offline. Exit 0 valid, 3 invalid.
    CheckProof(CheckProofArgs),
    /// Print the run's Trust Pulse (the bundle is verified first).
    Pulse(PulseArgs),
    /// Write a self-contained HTML report for an auditor. Exit 0 PASS, 3 FAIL (the report is
    /// written either way).
    Report(ReportArgs),
}

#[derive(clap::Args, Debug)]
pub struct BuildArgs {
    /// The run directory.
    #[arg(long, value_name = "DIR")]
    run_dir: PathBuf,
    /// Where to write the bundle (the signed proof_bundle envelope).
    #[arg(long, value_name = "FILE")]
    out: PathBuf,
    /// Gateway receipts (from `claw receipt sign`) for model calls still pending in the run
    /// (repeatable). They are attached in memory; the run log is not changed.
    #[arg(long, value_name = "FILE")]
    receipt: Vec<PathBuf>,
    /// Also write the recorder's Trust Pulse (bound in the bundle by its hash).
    #[arg(long, value_name = "FILE")]
    pulse_out: Option<PathBuf>,
    /// The agent's private JWK (default: the file named when the run started).
    #[arg(long, value_name = "FILE")]
    agent_key: Option<PathBuf>,
}

#[derive(clap::Args, Debug)]
pub struct VerifyArgs {
    /// The bundle: a proof bundle envelope (or {"envelope": …}), or an export bundle (or
    /// {"bundle": …}); the config's attestation allowlists apply to an export bundle's
    /// attestations.
    bundle: PathBuf,
    #[command(flatten)]
    trust: TrustArgs,
    /// Print the registry's verification JSON instead of text.
    #[arg(long)]
    json: bool,
    /// No progress line on stderr. Without it, a verification that runs over a second shows
    /// its progress on stderr: a bar rewritten in place when stderr is a terminal, else a
    /// plain line a second (none with --json unless stderr is a terminal). Stdout is the same
    /// either way. `CLAW_PROGRESS_AFTER_MS` sets the threshold (default 1000).
    #[arg(long, short = 'q')]
    quiet: bool,
}

#[derive(clap::Args, Debug)]
pub struct ProveArgs {
    /// The bundle.
    bundle: PathBuf,
    /// The receipt id (rcpt_…, tr_…, har_…, …).
    #[arg(long)]
    receipt: String,
    #[command(flatten)]
    trust: TrustArgs,
}

#[derive(clap::Args, Debug)]
pub struct CheckProofArgs {
    /// The proof (claw.receipt_inclusion JSON).
    proof: PathBuf,
    /// The agent whose checkpoint the proof must be against.
    #[arg(long, value_name = "DID")]
    agent: Option<String>,
    /// A trusted gateway signer: a gateway receipt must be signed by one (repeatable).
    #[arg(long, value_name = "DID")]
    gateway: Vec<String>,
    /// Verifier configuration (its gateway allowlist is added to --gateway).
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
}

#[derive(clap::Args, Debug)]
pub struct PulseArgs {
    /// The bundle.
    bundle: PathBuf,
    /// The Trust Pulse written by `claw bundle build --pulse-out`: printed if its hash is
    /// the one the bundle binds. Without it, a pulse is derived from the bundle (tools and
    /// times only: a bundle holds no tool arguments).
    #[arg(long, value_name = "FILE")]
    pulse: Option<PathBuf>,
    #[command(flatten)]
    trust: TrustArgs,
}

#[derive(clap::Args, Debug)]
pub struct ReportArgs {
    /// The bundle.
    bundle: PathBuf,
    /// Where to write the HTML page.
    #[arg(long, value_name = "OUT.html")]
    html: PathBuf,
    #[command(flatten)]
    trust: TrustArgs,
    /// Print `{"status", "reason_code", "html"}` instead of text.
    #[arg(long)]
    json: bool,
}

pub fn run(cmd: Command) -> Result<u8, Failure> {
    match cmd {
        Command::Build(a) => build(a),
        Command::Verify(a) => verify(a),
        Command::Prove(a) => prove(a),
        Command::CheckProof(a) => check_proof(a),
        Command::Pulse(a) => pulse(a),
        Command::Report(a) => report_cmd(a),
    }
}

fn failed(e: impl Into<claw_core::Error>) -> Failure {
    Failure::input(e.into())
}

fn build(a: BuildArgs) -> Result<u8, Failure> {
    let mut st = runlog::load(&a.run_dir, a.agent_key.as_deref())?;
    for p in &a.receipt {
        let receipt = read_json(p)?;
        let t = st.last_at_ms();
        st.apply(RunOp::ModelReceipt { receipt }, t, seed())
            .map_err(|e| {
                let e: claw_core::Error = e.into();
                Failure::new(
                    exit::BAD_INPUT,
                    e.reason_code(),
                    format!("{}: {}", p.display(), e.message()),
                )
            })?;
    }
    let run_id = st.start_info().run_id.clone();
    let issued = now_ms().max(st.last_at_ms());
    let bundle = st
        .finish(&BundleOptions::default(), issued, &mut rand_core::OsRng)
        .map_err(failed)?;
    let text = bundle.to_json().map_err(failed)?;
    io::write_file(&a.out, text.as_bytes(), false)?;
    if let Some(p) = &a.pulse_out {
        let tp = bundle
            .trust_pulse()
            .ok_or_else(|| bad_arg("the bundle carries no Trust Pulse"))?;
        io::write_file(p, tp.to_json().map_err(failed)?.as_bytes(), false)?;
    }
    let p = &bundle.envelope().payload;
    let count = |k: &str| p.get(k).and_then(Value::as_array).map_or(0, Vec::len);
    let out = json!({
        "bundle_id": p.get("bundle_id"),
        "run_id": run_id,
        "agent_did": p.get("agent_did"),
        "events": count("event_chain"),
        "receipts": count("receipts"),
        "tool_receipts": count("tool_receipts"),
        "human_approval_receipts": count("human_approval_receipts"),
        "payload_hash_b64u": bundle.envelope().payload_hash_b64u,
        "out": a.out.display().to_string(),
    });
    io::print_line(&out.to_string())?;
    Ok(exit::OK)
}

fn verdict_code(v: &Verdict) -> u8 {
    if v.is_valid() {
        exit::OK
    } else {
        exit::VERIFY_FAILED
    }
}

/// The first lines of a verdict's text form: `PASS  WHAT verified`, or `FAIL  CODE: reason`
/// and the failing field when known.
fn verdict_head(what: &str, h: VerdictHead<'_>) -> String {
    if h.valid {
        return format!("PASS  {what} verified\n");
    }
    let mut s = format!("FAIL  {}: {}\n", h.reason_code, one_line(h.reason));
    if let Some(f) = h.field {
        s.push_str(&format!("field       {}\n", one_line(f)));
    }
    s
}

/// Text form: the verdict first, then the facts, then every component.
fn human(v: &Verdict) -> String {
    let mut s = verdict_head("bundle", v.head());
    s.push_str(&format!(
        "proof tier  {} (trust tier {})\n",
        v.proof_tier.as_str(),
        v.trust_tier
    ));
    for (k, val) in [
        ("bundle", &v.bundle_id),
        ("agent", &v.agent_did),
        ("run", &v.run_id),
    ] {
        if let Some(x) = val {
            s.push_str(&format!("{k:<12}{}\n", one_line(x)));
        }
    }
    s.push_str(&format!(
        "gateway     {} receipts, {} signature-verified, {} verified\n",
        v.receipts_count, v.receipts_signature_verified_count, v.receipts_verified_count
    ));
    s.push_str(&format!("verified at {}\ncomponents\n", v.verified_at));
    components(&mut s, &v.components, 15);
    s
}

/// One line per component: name (padded to `width`), status, code unless OK, detail.
fn components(s: &mut String, comps: &[Component], width: usize) {
    for c in comps {
        let status = match c.status {
            ComponentStatus::Pass => "pass",
            ComponentStatus::Fail => "FAIL",
            ComponentStatus::Warn => "warn",
            ComponentStatus::Skipped => "skip",
        };
        let code = if c.code == "OK" {
            String::new()
        } else {
            format!("{} ", c.code)
        };
        s.push_str(&format!(
            "  {:<width$}{status:<6}{code}{}\n",
            c.name,
            one_line(&c.detail)
        ));
    }
}

/// Text form of an export bundle's verdict, then the contained proof bundle's, indented.
fn human_export(v: &ExportVerdict) -> String {
    let mut s = verdict_head("export bundle", v.head());
    s.push_str(&format!("proof tier  {}\n", v.proof_tier().as_str()));
    for (k, val) in [
        ("export", &v.export_id),
        ("issuer", &v.issuer_did),
        ("bundle hash", &v.bundle_hash_b64u),
    ] {
        if let Some(x) = val {
            s.push_str(&format!("{k:<12}{}\n", one_line(x)));
        }
    }
    s.push_str(&format!(
        "manifest    {} entries verified\nverified    {} execution, {} derivation, {} audit-result attestations\n",
        v.manifest_entries_verified,
        v.execution_attestations_verified,
        v.derivation_attestations_verified,
        v.audit_result_attestations_verified
    ));
    s.push_str(&format!("verified at {}\ncomponents\n", v.verified_at));
    components(&mut s, &v.components, 27);
    if let Some(pb) = &v.proof_bundle {
        s.push_str("proof bundle\n");
        for line in human(pb).lines() {
            s.push_str(&format!("  {line}\n"));
        }
    }
    s
}

/// Text form of an aggregate bundle's verdict.
fn human_aggregate(v: &AggregateVerdict) -> String {
    let mut s = verdict_head("aggregate bundle", v.head());
    s.push_str(&format!("proof tier  {} (fleet)\n", v.proof_tier.as_str()));
    for (k, val) in [("aggregate", &v.aggregate_id), ("issuer", &v.signer_did)] {
        if let Some(x) = val {
            s.push_str(&format!("{k:<12}{}\n", one_line(x)));
        }
    }
    s.push_str(&format!(
        "members     {} ({} agents, {} runs)\nverified at {}\n",
        v.member_count, v.unique_agents, v.total_runs, v.verified_at
    ));
    s
}

/// Control and bidi characters from the bundle never reach the terminal (the core's one
/// escaping rule, docs/SPEC.md §12.4).
pub(crate) fn one_line(s: &str) -> String {
    claw_core::escape::escape(s).into_owned()
}

fn verify(a: VerifyArgs) -> Result<u8, Failure> {
    let display = progress::Display::start(a.quiet, a.json);
    let mut cfg = a.trust.config_for(&a.bundle)?;
    if let Some(d) = &display {
        d.step("read", std::fs::metadata(&a.bundle).map_or(0, |m| m.len()));
        cfg.progress = d.sink();
    }
    let bytes = io::read_input(Some(&a.bundle))?;
    let verdict = verify_document(&bytes, &cfg);
    // The bar is erased before anything is printed on stdout.
    if let Some(d) = display {
        d.finish();
    }
    let v = match verdict {
        DocumentVerdict::Export(v) => {
            if a.json {
                io::print_line(&v.to_json().to_string())?;
            } else {
                io::write_stdout(human_export(&v).as_bytes())?;
            }
            return Ok(if v.is_valid() {
                exit::OK
            } else {
                exit::VERIFY_FAILED
            });
        }
        DocumentVerdict::Aggregate(v) => {
            if a.json {
                io::print_line(&v.to_json().to_string())?;
            } else {
                io::write_stdout(human_aggregate(&v).as_bytes())?;
            }
            return Ok(if v.is_valid() {
                exit::OK
            } else {
                exit::VERIFY_FAILED
            });
        }
        DocumentVerdict::Proof(v) => v,
    };
    if a.json {
        io::print_line(&v.to_json().to_string())?;
    } else {
        io::write_stdout(human(&v).as_bytes())?;
    }
    Ok(verdict_code(&v))
}

fn verify_failure(v: &Verdict) -> Failure {
    Failure::new(
        exit::VERIFY_FAILED,
        v.reason_code,
        format!("the bundle does not verify: {}", v.reason),
    )
}

fn prove(a: ProveArgs) -> Result<u8, Failure> {
    let cfg = a.trust.config_for(&a.bundle)?;
    let bytes = io::read_input(Some(&a.bundle))?;
    let bundle = Bundle::from_verified_json(&bytes, &cfg).map_err(|e| {
        Failure::new(
            exit::VERIFY_FAILED,
            e.reason_code(),
            format!("the bundle does not verify: {}", e.message()),
        )
    })?;
    let proof = bundle.receipt_proof(&a.receipt).map_err(failed)?;
    io::print_line(&proof.to_json().map_err(Failure::input)?)?;
    Ok(exit::OK)
}

fn check_proof(a: CheckProofArgs) -> Result<u8, Failure> {
    let mut gateways = a.gateway.clone();
    if let Some(p) = &a.config {
        let o = claw_core::evidence::VerifyOptions::parse(&io::read_input(Some(p))?)
            .map_err(Failure::input)?;
        gateways.extend(o.allowlists.gateway_receipt_signer_dids);
    }
    let bytes = io::read_input(Some(&a.proof))?;
    let v = verify_receipt_proof(&bytes, a.agent.as_deref(), &gateways).map_err(Failure::verify)?;
    let out = json!({
        "status": "PASS",
        "kind": v.kind.type_name(),
        "receipt_id": v.receipt_id,
        "run_id": v.run_id,
        "agent_did": v.agent_did,
        "leaf_index": v.leaf_index,
        "tree_size": v.tree_size,
        "root_b64u": v.root_b64u,
        "receipt_signer_did": v.receipt_signer_did,
    });
    io::print_line(&out.to_string())?;
    Ok(exit::OK)
}

fn pulse(a: PulseArgs) -> Result<u8, Failure> {
    let cfg = a.trust.config_for(&a.bundle)?;
    let bytes = io::read_input(Some(&a.bundle))?;
    // Everything below reads the envelope the verifier verified, never the file again.
    let bundle = verify_bundle_for_use(&bytes, &cfg).map_err(|v| verify_failure(&v))?;
    let text = match &a.pulse {
        Some(p) => {
            let doc = read_json(p)?;
            let canon = json::canonicalize(&doc).map_err(|e| Failure::input(e.into()))?;
            let got = hash::sha256_b64u(&canon);
            let bound = bundle
                .payload()
                .get("metadata")
                .and_then(|m| m.get(CLAW_NAMESPACE))
                .and_then(|n| n.get("trust_pulse"))
                .and_then(|t| t.get("artifact_hash_b64u"))
                .and_then(Value::as_str);
            match bound {
                Some(h) if h == got => String::from_utf8_lossy(&canon).into_owned(),
                Some(h) => {
                    return Err(Failure::new(
                        exit::VERIFY_FAILED,
                        "HASH_MISMATCH",
                        format!("{}: hash {got}, the bundle binds {h}", p.display()),
                    ))
                }
                None => {
                    return Err(Failure::new(
                        exit::VERIFY_FAILED,
                        "CLAIM_NOT_FOUND",
                        "the bundle binds no Trust Pulse",
                    ))
                }
            }
        }
        None => trust_pulse_from_bundle(&bundle, cfg.now_ms, &mut rand_core::OsRng)
            .and_then(|tp| tp.to_json())
            .map_err(failed)?,
    };
    io::print_line(&text)?;
    Ok(exit::OK)
}

fn report_cmd(a: ReportArgs) -> Result<u8, Failure> {
    let cfg = a.trust.config_for(&a.bundle)?;
    let bytes = io::read_input(Some(&a.bundle))?;
    let outcome = verify_bundle_for_use(&bytes, &cfg);
    let html = report::render(&bytes, &outcome, cfg.policy.is_some());
    io::write_file(&a.html, html.as_bytes(), false)?;
    let v = match &outcome {
        Ok(vb) => vb.verdict(),
        Err(v) => v,
    };
    let status = if outcome.is_ok() { "PASS" } else { "FAIL" };
    if a.json {
        let out = serde_json::json!({
            "status": status,
            "reason_code": v.reason_code,
            "html": a.html.display().to_string(),
        });
        io::print_line(&out.to_string())?;
    } else {
        io::print_line(&format!("{status}  report written to {}", a.html.display()))?;
    }
    Ok(verdict_code(v))
}
