//! `claw openclaw audit|policy|hash` from the outside: exit codes, output shapes, errors.
#![allow(clippy::disallowed_methods)] // tests may read JSON with serde_json (clippy.toml)

use claw_core::envelope;
use claw_core::keys::SigningKey;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const NOW: i64 = 1_800_000_000;

fn data(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../claw-core/tests/data/openclaw")
        .join(rel)
}

/// The fixtures' policy signer (seed 7): trusted through `CLAW_WPC_SIGNER` in every run
/// below unless a test says otherwise.
fn fixture_signer() -> String {
    SigningKey::from_seed(&[7u8; 32]).verifying_key().did()
}

fn claw(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_claw"))
        .args(args)
        .env("CLAW_WPC_SIGNER", fixture_signer())
        .output()
        .expect("run claw")
}

/// `claw` with no trusted signer in the environment.
fn claw_no_env(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_claw"))
        .args(args)
        .env_remove("CLAW_WPC_SIGNER")
        .output()
        .expect("run claw")
}

fn stdout(o: &Output) -> String {
    String::from_utf8(o.stdout.clone()).unwrap()
}

fn assert_one_line_error(o: &Output, code: i32, reason: &str) {
    let err = String::from_utf8(o.stderr.clone()).unwrap();
    assert_eq!(o.status.code(), Some(code), "stderr: {err}");
    assert_eq!(err.lines().count(), 1, "stderr: {err}");
    assert!(
        err.starts_with(&format!("claw: {reason}: ")),
        "stderr: {err}"
    );
}

struct Fixture {
    dir: tempfile::TempDir,
    key: SigningKey,
}

impl Fixture {
    fn new() -> Fixture {
        Fixture {
            dir: tempfile::tempdir().unwrap(),
            key: SigningKey::from_seed(&[7u8; 32]),
        }
    }

    fn path(&self, name: &str) -> String {
        self.dir.path().join(name).to_str().unwrap().to_string()
    }

    fn did(&self) -> String {
        self.key.verifying_key().did()
    }

    /// Sign the authoring fixture (with `edit` applied) as a WPC envelope; returns its path.
    fn wpc(
        &self,
        name: &str,
        edit: impl FnOnce(&mut serde_json::Value),
        expires: Option<i64>,
    ) -> String {
        let mut doc: serde_json::Value =
            serde_json::from_slice(&std::fs::read(data("wpc/coding-job.authoring.json")).unwrap())
                .unwrap();
        doc["issuer_did"] = self.did().into();
        edit(&mut doc);
        let policy = claw_core::wpc::compile_authoring(&doc.to_string()).unwrap();
        let env = envelope::sign(
            "work_policy_contract",
            policy.payload(),
            &self.key,
            NOW * 1000 - 60_000,
            expires,
        )
        .unwrap();
        let p = self.path(name);
        std::fs::write(&p, env.to_json().unwrap()).unwrap();
        p
    }
}

fn config(name: &str) -> String {
    data(&format!("configs/{name}"))
        .to_str()
        .unwrap()
        .to_string()
}

const NOW_ARG: &str = "1800000000";

#[test]
fn audit_exits_6_on_critical_and_prints_text_or_json() {
    let f = Fixture::new();
    let wpc = f.wpc("wpc.json", |_| {}, None);
    let o = claw(&[
        "openclaw",
        "audit",
        "--config",
        &config("04-drifted.json5"),
        "--wpc",
        &wpc,
        "--now",
        NOW_ARG,
    ]);
    assert_eq!(
        o.status.code(),
        Some(6),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let text = stdout(&o);
    assert!(text.starts_with("OpenClaw config audit"), "{text}");
    assert!(
        text.contains("CRITICAL Agent \"main\" can call \"gateway\", which the WPC denies"),
        "{text}"
    );
    assert!(text.contains("policy       repo-maintenance-prod"));

    let o = claw(&[
        "openclaw",
        "audit",
        "--config",
        &config("04-drifted.json5"),
        "--wpc",
        &wpc,
        "--json",
        "--now",
        NOW_ARG,
    ]);
    assert_eq!(o.status.code(), Some(6));
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(v["ts"], NOW * 1000);
    assert!(v["summary"]["critical"].as_u64().unwrap() > 0);
    let checks: Vec<&str> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["checkId"].as_str().unwrap())
        .collect();
    for c in [
        "claw.wpc.tool_denied",
        "claw.wpc.tool_not_allowed",
        "claw.wpc.host_exec_unsandboxed",
        "claw.wpc.tool_requires_approval",
    ] {
        assert!(checks.contains(&c), "{c}: {checks:?}");
    }
    // The config hash in the report is the one `claw openclaw hash` prints.
    let h = claw(&["openclaw", "hash", "--config", &config("04-drifted.json5")]);
    assert!(h.status.success());
    assert_eq!(
        format!("{}\n", v["claw"]["configHash"].as_str().unwrap()),
        stdout(&h)
    );
    // Secrets in the config (the telegram bot token) never reach the output.
    assert!(!stdout(&o).contains("123:abc"));
}

#[test]
fn policy_output_is_a_config_that_passes_the_audit() {
    let f = Fixture::new();
    let wpc = f.wpc("wpc.json", |_| {}, None);
    let o = claw(&[
        "openclaw",
        "policy",
        "--wpc",
        &wpc,
        "--now",
        NOW_ARG,
        "--sandbox",
        "docker",
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let rec: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(rec["tools"]["profile"], "minimal");
    assert_eq!(rec["tools"]["exec"]["host"], "sandbox");
    let cfg = f.path("recommended.json5");
    std::fs::write(&cfg, stdout(&o)).unwrap();
    let o = claw(&[
        "openclaw", "audit", "--config", &cfg, "--wpc", &wpc, "--now", NOW_ARG,
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    assert!(stdout(&o).contains("0 critical, 0 warn"), "{}", stdout(&o));
}

#[test]
fn policy_with_a_gateway_adds_the_claw_gateway_provider_and_still_passes_the_audit() {
    let f = Fixture::new();
    let wpc = f.wpc("wpc.json", |_| {}, None);
    let o = claw(&[
        "openclaw",
        "policy",
        "--wpc",
        &wpc,
        "--now",
        NOW_ARG,
        "--gateway-url",
        "http://127.0.0.1:8787",
        "--gateway-model",
        "gpt-test",
        "--sandbox",
        "docker",
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let rec: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    let p = &rec["models"]["providers"]["claw-gateway"];
    assert_eq!(p["baseUrl"], "http://127.0.0.1:8787/v1");
    assert_eq!(p["api"], "openai-completions");
    assert_eq!(
        p["headers"]["X-CST"],
        serde_json::json!({"source": "env", "provider": "default", "id": "CLAW_GATEWAY_CST"})
    );
    assert_eq!(p["models"][0]["id"], "gpt-test");
    assert_eq!(
        rec["agents"]["defaults"]["model"]["primary"],
        "claw-gateway/gpt-test"
    );
    assert_eq!(rec["agents"]["defaults"]["sandbox"]["mode"], "all");
    let cfg = f.path("recommended-gw.json5");
    std::fs::write(&cfg, stdout(&o)).unwrap();
    let o = claw(&[
        "openclaw", "audit", "--config", &cfg, "--wpc", &wpc, "--now", NOW_ARG,
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));

    let o = claw(&[
        "openclaw",
        "policy",
        "--wpc",
        &wpc,
        "--now",
        NOW_ARG,
        "--gateway-url",
        "http://gw/?x=1",
    ]);
    assert_one_line_error(&o, 2, "OPENCLAW_GATEWAY_URL_INVALID");
    let o = claw(&[
        "openclaw",
        "policy",
        "--wpc",
        &wpc,
        "--now",
        NOW_ARG,
        "--gateway-url",
        "http://gw",
        "--gateway-model",
        "",
    ]);
    assert_one_line_error(&o, 2, "OPENCLAW_GATEWAY_MODEL_INVALID");
}

#[test]
fn baseline_by_hash_by_hash_file_and_by_config() {
    let f = Fixture::new();
    let wpc = f.wpc(
        "wpc.json",
        |d| {
            // Allow everything the personal-coding config gives, so only drift is critical.
            d["allowed_tools"] = serde_json::json!(["*"]);
            d["denied_tools"] = serde_json::json!([]);
            d["approvals"] = serde_json::json!([]);
        },
        None,
    );
    let base = config("01-personal-coding.baseline.json5");
    let hash = stdout(&claw(&["openclaw", "hash", "--config", &base]))
        .trim()
        .to_string();
    let same = config("01-personal-coding.json5");
    let o = claw(&[
        "openclaw",
        "audit",
        "--config",
        &same,
        "--wpc",
        &wpc,
        "--baseline",
        &hash,
        "--now",
        NOW_ARG,
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    assert!(stdout(&o).contains("Config matches the recorded baseline"));

    let drifted = config("12-personal-coding-drifted.json5");
    let hash_file = f.path("baseline.hash");
    std::fs::write(&hash_file, format!("{hash}\n")).unwrap();
    for b in [hash.as_str(), hash_file.as_str()] {
        let o = claw(&[
            "openclaw",
            "audit",
            "--config",
            &drifted,
            "--wpc",
            &wpc,
            "--baseline",
            b,
            "--json",
            "--now",
            NOW_ARG,
        ]);
        assert_eq!(o.status.code(), Some(6));
        let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
        let drift: Vec<_> = v["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["checkId"] == "claw.openclaw.config_drift")
            .collect();
        assert_eq!(drift.len(), 1);
        assert_eq!(drift[0]["severity"], "critical");
    }
    let o = claw(&[
        "openclaw",
        "audit",
        "--config",
        &drifted,
        "--wpc",
        &wpc,
        "--baseline",
        &base,
        "--now",
        NOW_ARG,
    ]);
    assert_eq!(o.status.code(), Some(6));
    let text = stdout(&o);
    assert!(
        text.contains("- channels (added)") && text.contains("- tools (changed)"),
        "{text}"
    );
}

#[test]
fn errors_are_typed_one_liners() {
    let f = Fixture::new();
    let wpc = f.wpc("wpc.json", |_| {}, None);
    let bad = data("malformed/duplicate-key.json5");
    let o = claw(&[
        "openclaw",
        "audit",
        "--config",
        bad.to_str().unwrap(),
        "--wpc",
        &wpc,
        "--now",
        NOW_ARG,
    ]);
    assert_one_line_error(&o, 2, "OPENCLAW_JSON5_DUPLICATE_KEY");
    let bad = data("malformed/include.json5");
    let o = claw(&["openclaw", "hash", "--config", bad.to_str().unwrap()]);
    assert_one_line_error(&o, 2, "OPENCLAW_CONFIG_INCLUDE_UNSUPPORTED");
    let o = claw(&["openclaw", "hash", "--config", &f.path("missing.json5")]);
    assert_one_line_error(&o, 1, "IO_ERROR");

    // A WPC signed by someone else than --signer.
    let other = SigningKey::from_seed(&[8u8; 32]).verifying_key().did();
    let o = claw(&[
        "openclaw", "policy", "--wpc", &wpc, "--signer", &other, "--now", NOW_ARG,
    ]);
    assert_one_line_error(&o, 3, "SIGNER_NOT_ALLOWED");
    let o = claw(&[
        "openclaw",
        "policy",
        "--wpc",
        &wpc,
        "--signer",
        &f.did(),
        "--now",
        NOW_ARG,
    ]);
    assert!(o.status.success());

    // A tampered payload.
    let mut env: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&wpc).unwrap()).unwrap();
    env["payload"]["policy_id"] = "repo-maintenance-dev".into();
    let tampered = f.path("tampered.json");
    std::fs::write(&tampered, env.to_string()).unwrap();
    let o = claw(&["openclaw", "policy", "--wpc", &tampered, "--now", NOW_ARG]);
    assert_one_line_error(&o, 3, "HASH_MISMATCH");

    // Expired.
    let expiring = f.wpc("expiring.json", |_| {}, Some(NOW * 1000 - 1));
    let o = claw(&["openclaw", "policy", "--wpc", &expiring, "--now", NOW_ARG]);
    assert_one_line_error(&o, 3, "EXPIRED");

    // Inheriting policies need their parent.
    let child = f.wpc("child.json", |d| d["inherits"] = "org-base".into(), None);
    let o = claw(&["openclaw", "policy", "--wpc", &child, "--now", NOW_ARG]);
    assert_one_line_error(&o, 2, "POLICY_PARENT_MISSING");

    // A baseline that is neither a hash nor a file.
    let o = claw(&[
        "openclaw",
        "audit",
        "--config",
        &config("01-personal-coding.json5"),
        "--wpc",
        &wpc,
        "--baseline",
        "nope",
        "--now",
        NOW_ARG,
    ]);
    assert_one_line_error(&o, 2, "OPENCLAW_BASELINE_INVALID");
    // A baseline file that is not a config.
    let o = claw(&[
        "openclaw",
        "audit",
        "--config",
        &config("01-personal-coding.json5"),
        "--wpc",
        &wpc,
        "--baseline",
        data("malformed/unbalanced.json5").to_str().unwrap(),
        "--now",
        NOW_ARG,
    ]);
    assert_one_line_error(&o, 2, "OPENCLAW_JSON5_SYNTAX");

    // Not an envelope at all.
    let o = claw(&[
        "openclaw",
        "policy",
        "--wpc",
        &config("01-personal-coding.json5"),
    ]);
    assert_eq!(o.status.code(), Some(2));
}

/// A WPC vouching for itself: without `--signer` or `CLAW_WPC_SIGNER` the commands refuse
/// (they used to trust the envelope's own issuer_did); a self-signed policy by a key nobody
/// trusts fails with SIGNER_NOT_ALLOWED when a signer is configured.
#[test]
fn a_policy_does_not_vouch_for_itself() {
    let f = Fixture::new();
    let wpc = f.wpc("wpc.json", |_| {}, None);
    let o = claw_no_env(&["openclaw", "policy", "--wpc", &wpc, "--now", NOW_ARG]);
    assert_one_line_error(&o, 2, "TRUSTED_SIGNER_REQUIRED");
    let o = claw_no_env(&[
        "openclaw",
        "audit",
        "--config",
        &config("01-personal-coding.json5"),
        "--wpc",
        &wpc,
        "--now",
        NOW_ARG,
    ]);
    assert_one_line_error(&o, 2, "TRUSTED_SIGNER_REQUIRED");
    // The flag works without the environment.
    let o = claw_no_env(&[
        "openclaw",
        "policy",
        "--wpc",
        &wpc,
        "--signer",
        &f.did(),
        "--now",
        NOW_ARG,
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    // An attacker's self-signed policy (issuer_did = its own key) is not trusted.
    let attacker = Fixture {
        dir: tempfile::tempdir().unwrap(),
        key: SigningKey::from_seed(&[9u8; 32]),
    };
    let evil = attacker.wpc("evil.json", |_| {}, None);
    let o = claw(&["openclaw", "policy", "--wpc", &evil, "--now", NOW_ARG]);
    assert_one_line_error(&o, 3, "SIGNER_NOT_ALLOWED");
}

#[test]
fn reconcile_exit_codes_clean_bypass_bad_transcript_bad_bundle() {
    let t = |n: &str| data(&format!("transcripts/{n}")).display().to_string();
    let bundle = t("allow-deny-2026.9.6.bundle.json");
    let now = "1796541300";
    let run = |session: &str, bundle: &str| {
        claw(&[
            "openclaw",
            "reconcile",
            "--session",
            session,
            "--bundle",
            bundle,
            "--json",
            "--now",
            now,
        ])
    };
    // The real plugin run: clean.
    let o = run(&t("allow-deny-2026.9.6.jsonl"), &bundle);
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(v["summary"]["critical"], 0);
    assert_eq!(v["claw"]["covered"], 1);
    // The same turn through `openclaw agent exec`: a bypass, exit 6.
    let o = run(&t("agent-exec-2026.9.6.jsonl"), &bundle);
    assert_eq!(o.status.code(), Some(6));
    assert!(stdout(&o).contains("claw.openclaw.call_bypassed_gate"));
    // A transcript that is not JSON Lines: exit 2, one line.
    let f = Fixture::new();
    let bad = f.path("bad.jsonl");
    std::fs::write(&bad, "{\"type\":\"session\"\n").unwrap();
    // `run` passes --json, so the error is one JSON line on stderr.
    let o = run(&bad, &bundle);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8(o.stderr.clone()).unwrap();
    assert_eq!(err.lines().count(), 1, "stderr: {err}");
    let e: serde_json::Value = serde_json::from_str(&err).unwrap();
    assert_eq!(
        e["reason_code"], "OPENCLAW_TRANSCRIPT_INVALID_JSON",
        "stderr: {err}"
    );
    assert_eq!(e["exit_code"], 2);
    // A tampered bundle: exit 3.
    let tampered = f.path("tampered.bundle.json");
    let text = std::fs::read_to_string(&bundle).unwrap();
    std::fs::write(&tampered, text.replacen("\"exec\"", "\"read\"", 1)).unwrap();
    let o = run(&t("allow-deny-2026.9.6.jsonl"), &tampered);
    assert_eq!(
        o.status.code(),
        Some(3),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
}

#[test]
fn reconcile_reads_an_unapprovable_call_as_refused_and_a_refused_call_that_ran_as_a_bypass() {
    // The real `scripts/test-openclaw.sh gateway` run: write needs an approval that
    // `agent --local` cannot ask; OpenClaw answered with its "Plugin approval unavailable"
    // error and the plugin recorded the refusal.
    let t = |n: &str| data(&format!("transcripts/{n}")).display().to_string();
    let bundle = t("gateway-2026.9.6.bundle.json");
    let run = |session: &str| {
        claw(&[
            "openclaw",
            "reconcile",
            "--session",
            session,
            "--bundle",
            &bundle,
            "--gateway",
            "did:key:z6Mkt7byrbeuXibN6jb64ukJnrVqr9C5pPcsgeSr2o6WqYMj",
            "--json",
            "--now",
            "1796571000",
        ])
    };
    let o = run(&t("gateway-2026.9.6.jsonl"));
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(v["claw"]["refused"], 1);
    assert_eq!(v["claw"]["executed"], 1);
    assert!(stdout(&o).contains("claw.openclaw.refused_not_executed"));
    // The same transcript where the write returned the tool's own result: it ran although
    // claw refused it, a critical bypass (exit 6).
    let f = Fixture::new();
    let ran = f.path("ran.jsonl");
    let text = std::fs::read_to_string(t("gateway-2026.9.6.jsonl")).unwrap();
    let text = text.replace(r#""details":{"status":"error","tool":"write","error":"Plugin approval unavailable: non-interactive CLI runs have no approval-capable initiating surface."}"#, r#""details":{"status":"ok"}"#);
    std::fs::write(&ran, text).unwrap();
    let o = run(&ran);
    assert_eq!(o.status.code(), Some(6), "{}", stdout(&o));
    assert!(
        stdout(&o).contains("claw refused this call"),
        "{}",
        stdout(&o)
    );
}

/// `claw openclaw policy` with `DOCKER_HOST` set, so the Docker probe does not depend on
/// this machine.
fn policy_cmd(wpc: &str, extra: &[&str], docker_host: &str) -> Output {
    Command::new(env!("CARGO_BIN_EXE_claw"))
        .args(["openclaw", "policy", "--wpc", wpc, "--now", NOW_ARG])
        .args(extra)
        .env("CLAW_WPC_SIGNER", fixture_signer())
        .env("DOCKER_HOST", docker_host)
        .output()
        .expect("run claw")
}

#[test]
fn policy_without_a_docker_daemon_recommends_a_config_without_the_sandbox() {
    let f = Fixture::new();
    let wpc = f.wpc("wpc.json", |_| {}, None);
    let nowhere = format!("unix://{}", f.path("no-docker.sock"));
    // auto (the default), no daemon at DOCKER_HOST: the host config, and the trade-off said.
    let auto = policy_cmd(&wpc, &[], &nowhere);
    assert!(auto.status.success());
    let note = String::from_utf8(auto.stderr.clone()).unwrap();
    assert!(
        note.starts_with("claw: note: no Docker daemon answers;"),
        "{note}"
    );
    assert!(
        note.contains("exec/process and terminal/computer/nodes are denied"),
        "{note}"
    );
    let rec: serde_json::Value = serde_json::from_str(&stdout(&auto)).unwrap();
    assert_eq!(rec["agents"]["defaults"]["sandbox"]["mode"], "off");
    assert!(rec["tools"].get("exec").is_none(), "{rec}");
    let deny = rec["tools"]["deny"].to_string();
    assert!(
        deny.contains("\"group:runtime\"")
            || (deny.contains("\"exec\"") && deny.contains("\"process\"")),
        "{deny}"
    );
    // --sandbox none gives the same config; it passes the audit against the same WPC.
    let none = policy_cmd(&wpc, &["--sandbox", "none"], "tcp://127.0.0.1:9");
    assert_eq!(stdout(&none), stdout(&auto));
    let cfg = f.path("no-docker.json5");
    std::fs::write(&cfg, stdout(&none)).unwrap();
    let o = claw(&[
        "openclaw", "audit", "--config", &cfg, "--wpc", &wpc, "--now", NOW_ARG,
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    assert!(stdout(&o).contains("0 critical, 0 warn"), "{}", stdout(&o));

    // A daemon answering on the socket: the Docker sandbox config, no note.
    let sock = f.path("docker.sock");
    let _listener = std::os::unix::net::UnixListener::bind(&sock).unwrap();
    let docker = policy_cmd(&wpc, &[], &format!("unix://{sock}"));
    assert!(docker.status.success() && docker.stderr.is_empty());
    let rec: serde_json::Value = serde_json::from_str(&stdout(&docker)).unwrap();
    assert_eq!(rec["agents"]["defaults"]["sandbox"]["mode"], "all");
    assert_eq!(rec["tools"]["exec"]["host"], "sandbox");
    // A bad choice is a usage error.
    let bad = policy_cmd(&wpc, &["--sandbox", "podman"], &nowhere);
    assert_eq!(bad.status.code(), Some(2));
}

#[test]
fn audit_counts_what_the_claw_plugin_blocks_as_mitigated_when_it_runs_the_same_wpc() {
    let f = Fixture::new();
    let wpc = f.wpc("wpc.json", |_| {}, None);
    let other = f.wpc(
        "other.json",
        |d| d["policy_name"] = "another-job".into(),
        None,
    );
    let base = std::fs::read_to_string(config("04-drifted.json5")).unwrap();
    let with_plugin = |policy: &str| {
        let cfg = base.replace(
            "plugins: { entries: { claw: { enabled: true } } },",
            &format!(
                "plugins: {{ allow: [\"claw\"], entries: {{ claw: {{ enabled: true, config: {{ policy: {policy:?}, \
                 policySigners: [\"{}\"], job: \"job-1\", evidenceDir: \"/tmp/e\" }} }} }} }},",
                fixture_signer()
            ),
        );
        assert_ne!(cfg, base);
        let p = f.path(&format!("cfg-{}.json5", policy.len()));
        std::fs::write(&p, cfg).unwrap();
        p
    };
    let audit = |cfg: &str, extra: &[&str]| {
        let mut args = vec![
            "openclaw", "audit", "--config", cfg, "--wpc", &wpc, "--json", "--now", NOW_ARG,
        ];
        args.extend_from_slice(extra);
        let o = claw(&args);
        let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
        (o.status.code(), v)
    };
    let by_check = |v: &serde_json::Value, check: &str| -> Vec<serde_json::Value> {
        v["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["checkId"] == check)
            .cloned()
            .collect()
    };
    // Same WPC: what the plugin blocks is a mitigated warning; this config has nothing else
    // critical, so the audit passes.
    let same = with_plugin(&wpc);
    let (code, v) = audit(&same, &[]);
    assert_eq!(code, Some(0), "{v:#}");
    let denied = by_check(&v, "claw.wpc.tool_denied");
    assert!(!denied.is_empty());
    for d in &denied {
        assert_eq!(d["severity"], "warn");
        assert!(d["mitigatedBy"].as_str().unwrap().contains(&wpc), "{d}");
    }
    assert_eq!(by_check(&v, "claw.openclaw.plugin_enforces_wpc").len(), 1);
    // --ignore-plugin: the plain audit.
    let (code, v) = audit(&same, &["--ignore-plugin"]);
    assert_eq!(code, Some(6));
    assert!(by_check(&v, "claw.wpc.tool_denied")
        .iter()
        .all(|d| d["severity"] == "critical"));
    // Another policy, or a missing file: nothing mitigated, and a warning says why.
    for cfg in [
        with_plugin(&other),
        with_plugin(&f.path("missing.wpc.json")),
    ] {
        let (code, v) = audit(&cfg, &[]);
        assert_eq!(code, Some(6));
        assert!(v["findings"]
            .as_array()
            .unwrap()
            .iter()
            .all(|f| f.get("mitigatedBy").is_none()));
        assert_eq!(
            by_check(&v, "claw.openclaw.plugin_policy_differs").len(),
            1,
            "{v:#}"
        );
    }
}
