//! The evidence commands from the outside: `claw receipt`, `claw run`, `claw bundle`; exit
//! codes, one-line errors, JSON shapes, the shared conformance vectors, the HTML report,
//! and the demo script.
#![allow(clippy::disallowed_methods)] // tests may read JSON with serde_json (clippy.toml)
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn claw(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_claw"))
        .args(args)
        .output()
        .expect("run claw")
}

fn stdout(o: &Output) -> String {
    String::from_utf8(o.stdout.clone()).unwrap()
}

fn ok(o: &Output) -> String {
    assert_eq!(
        o.status.code(),
        Some(0),
        "stderr: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    stdout(o)
}

fn json_out(o: &Output) -> Value {
    serde_json::from_slice(&o.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&o.stdout)))
}

/// Errors are exactly one line on stderr: `claw: REASON: message`.
fn assert_one_line_error(o: &Output, code: i32, reason: &str) {
    let err = String::from_utf8(o.stderr.clone()).unwrap();
    assert_eq!(o.status.code(), Some(code), "stderr: {err}");
    assert_eq!(err.lines().count(), 1, "stderr: {err}");
    assert!(
        err.starts_with(&format!("claw: {reason}: ")),
        "stderr: {err}"
    );
}

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn shared() -> PathBuf {
    if let Ok(d) = std::env::var("CLAW_SHARED_DIR") {
        return PathBuf::from(d);
    }
    let mut here = repo().canonicalize().unwrap();
    loop {
        for c in [here.join("shared"), here.join("../shared")] {
            if c.join("clawsig").is_dir() {
                return c;
            }
        }
        assert!(here.pop(), "shared/ not found; set CLAW_SHARED_DIR");
    }
}

/// Keys, a signed policy and a token in a temporary folder.
struct Setup {
    dir: tempfile::TempDir,
    signer: String,
    issuer: String,
    agent: String,
    gateway: String,
    policy_hash: String,
}

impl Setup {
    fn new() -> Setup {
        let dir = tempfile::tempdir().unwrap();
        let key = |name: &str| {
            ok(&claw(&[
                "keygen",
                "--out",
                dir.path().join(name).to_str().unwrap(),
            ]))
            .trim()
            .to_string()
        };
        let (signer, issuer, agent, gateway) =
            (key("signer"), key("issuer"), key("agent"), key("gateway"));
        let authoring = repo().join("examples/policy/invoice-triage.authoring.json");
        let compiled = ok(&claw(&["wpc", "compile", authoring.to_str().unwrap()]));
        let s = Setup {
            dir,
            signer,
            issuer,
            agent,
            gateway,
            policy_hash: String::new(),
        };
        std::fs::write(s.p("policy.json"), compiled).unwrap();
        let env = ok(&claw(&[
            "wpc",
            "sign",
            &s.p("policy.json"),
            "--key",
            &s.p("signer.jwk"),
        ]));
        std::fs::write(s.p("policy.env.json"), env).unwrap();
        let hash = ok(&claw(&["wpc", "hash", &s.p("policy.json")]))
            .trim()
            .to_string();
        let token = s.token(&hash, "job-1", &s.agent.clone());
        std::fs::write(s.p("token.jws"), token).unwrap();
        Setup {
            policy_hash: hash,
            ..s
        }
    }

    fn p(&self, name: &str) -> String {
        self.dir.path().join(name).to_str().unwrap().to_string()
    }

    fn token(&self, hash: &str, mission: &str, sub: &str) -> String {
        ok(&claw(&[
            "cst",
            "issue",
            "--key",
            &self.p("issuer.jwk"),
            "--sub",
            sub,
            "--aud",
            "rt",
            "--scope",
            "tool:execute",
            "--policy-hash",
            hash,
            "--mission",
            mission,
            "--ttl",
            "600",
        ]))
        .trim()
        .to_string()
    }

    fn write(&self, name: &str, text: &str) -> String {
        std::fs::write(self.p(name), text).unwrap();
        self.p(name)
    }

    fn start(&self, run: &str) -> Output {
        claw(&[
            "run",
            "start",
            "--dir",
            &self.p(run),
            "--agent-key",
            &self.p("agent.jwk"),
            "--wpc",
            &self.p("policy.env.json"),
            "--wpc-signer",
            &self.signer,
            "--cst",
            &format!("@{}", self.p("token.jws")),
            "--cst-issuer",
            &self.issuer,
            "--aud",
            "rt",
            "--mission",
            "job-1",
        ])
    }

    fn model(&self, run: &str) -> Output {
        let req = self.write("req.json", r#"{"prompt":"hi"}"#);
        let resp = self.write("resp.json", r#"{"text":"hello"}"#);
        claw(&[
            "run",
            "model",
            "--dir",
            &self.p(run),
            "--provider",
            "anthropic",
            "--model",
            "claude",
            "--request",
            &req,
            "--response",
            &resp,
            "--tokens-in",
            "10",
            "--tokens-out",
            "20",
            "--latency-ms",
            "300",
            "--gateway-key",
            &self.p("gateway.jwk"),
        ])
    }

    fn tool(&self, run: &str, tool: &str, args: &str) -> Output {
        let a = self.write("args.json", args);
        let r = self.write("result.json", r#"{"ok":true}"#);
        claw(&[
            "run",
            "tool",
            "--dir",
            &self.p(run),
            "--tool",
            tool,
            "--args",
            &a,
            "--result",
            &r,
            "--context",
            "Data:Class=internal",
        ])
    }

    fn trust(&self) -> Vec<String> {
        vec!["--gateway".into(), self.gateway.clone()]
    }
}

fn with<'a>(base: &[&'a str], extra: &'a [String]) -> Vec<&'a str> {
    base.iter()
        .copied()
        .chain(extra.iter().map(String::as_str))
        .collect()
}

#[test]
fn receipt_sign_prints_a_bound_gateway_receipt() {
    let s = Setup::new();
    let req = s.write("req.bin", "request bytes");
    let resp = s.write("resp.bin", "response bytes");
    let eh = claw_core::hash::sha256_b64u(b"event");
    let base = [
        "receipt",
        "sign",
        "--request",
        &req,
        "--response",
        &resp,
        "--provider",
        "openai",
        "--model",
        "gpt",
        "--tokens-in",
        "5",
        "--tokens-out",
        "7",
        "--latency-ms",
        "120",
        "--run-id",
        "run_1",
        "--event-hash",
        &eh,
        "--nonce",
        "nonce_1",
    ];
    let key = s.p("gateway.jwk");
    let o = claw(
        &[
            &base[..],
            &[
                "--key",
                &key,
                "--policy-hash",
                &s.policy_hash,
                "--now-ms",
                "1800000000000",
            ],
        ]
        .concat(),
    );
    let env = json_out(&o);
    assert_eq!(o.status.code(), Some(0));
    assert_eq!(env["envelope_type"], "gateway_receipt");
    assert_eq!(env["signer_did"], s.gateway.as_str());
    let p = &env["payload"];
    assert_eq!(
        p["request_hash_b64u"],
        claw_core::hash::sha256_b64u(b"request bytes")
    );
    assert_eq!(
        p["response_hash_b64u"],
        claw_core::hash::sha256_b64u(b"response bytes")
    );
    assert_eq!(p["binding"]["run_id"], "run_1");
    assert_eq!(p["binding"]["event_hash_b64u"], eh.as_str());
    assert_eq!(p["binding"]["policy_hash"], s.policy_hash.as_str());
    assert_eq!(p["timestamp"], "2027-01-15T08:00:00.000Z");
    assert!(p["receipt_id"].as_str().unwrap().starts_with("rcpt_"));
    // The envelope verifies as a gateway receipt signed by the gateway.
    let parsed =
        claw_core::envelope::Envelope::from_value(claw_core::json::parse_str(&stdout(&o)).unwrap())
            .unwrap();
    let signers = [s.gateway.clone()];
    parsed
        .verify(&claw_core::envelope::VerifyOptions {
            expected_type: "gateway_receipt",
            signers: claw_core::envelope::Signers::OneOf(&signers),
            now: None,
        })
        .unwrap();

    // Hashes are base64url and may start with "-": still a value, not an option.
    let dash = format!("-{}", "A".repeat(42));
    let o = claw(&[
        "receipt",
        "sign",
        "--request",
        &req,
        "--response",
        &resp,
        "--provider",
        "p",
        "--model",
        "m",
        "--tokens-in",
        "1",
        "--tokens-out",
        "1",
        "--latency-ms",
        "1",
        "--run-id",
        "r",
        "--event-hash",
        &dash,
        "--nonce",
        "-n",
        "--policy-hash",
        &dash,
        "--key",
        &key,
    ]);
    assert_eq!(
        json_out(&o)["payload"]["binding"]["event_hash_b64u"],
        dash.as_str()
    );
    assert_one_line_error(
        &claw(&["wpc", "verify", &s.p("policy.env.json"), "--hash", &dash]),
        3,
        "HASH_MISMATCH",
    );

    // Refusals.
    let bad_hash = [
        "receipt",
        "sign",
        "--request",
        &req,
        "--response",
        &resp,
        "--provider",
        "p",
        "--model",
        "m",
        "--tokens-in",
        "1",
        "--tokens-out",
        "1",
        "--latency-ms",
        "1",
        "--run-id",
        "r",
        "--event-hash",
        "short",
        "--key",
        &key,
    ];
    assert_one_line_error(&claw(&bad_hash), 2, "SCHEMA_VALIDATION_FAILED");
    let too_many = [
        "receipt",
        "sign",
        "--request",
        &req,
        "--response",
        &resp,
        "--provider",
        "p",
        "--model",
        "m",
        "--tokens-in",
        "10000001",
        "--tokens-out",
        "1",
        "--latency-ms",
        "1",
        "--run-id",
        "r",
        "--event-hash",
        &eh,
        "--key",
        &key,
    ];
    assert_one_line_error(&claw(&too_many), 2, "SCHEMA_VALIDATION_FAILED");
    let public = s.p("gateway.pub.jwk");
    assert_one_line_error(
        &claw(&[&base[..], &["--key", &public]].concat()),
        2,
        "INVALID_JWK",
    );
    assert_one_line_error(
        &claw(&[&base[..], &["--key", "/nonexistent.jwk"]].concat()),
        1,
        "IO_ERROR",
    );
}

#[test]
fn a_run_is_decided_recorded_bundled_verified_proved_and_reported() {
    let s = Setup::new();
    let started = json_out(&s.start("run"));
    assert!(started["run_id"].as_str().unwrap().starts_with("run_"));
    assert_eq!(started["policy_hash_b64u"], s.policy_hash.as_str());
    assert_eq!(started["token_scope_hash_b64u"].as_str().unwrap().len(), 43);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(s.p("run/run.jsonl"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600, "the run log holds the token");
    }
    // A run directory holds one run.
    assert_one_line_error(&s.start("run"), 2, "RUN_EXISTS");

    let m = json_out(&s.model("run"));
    assert!(m["receipt_id"].as_str().unwrap().starts_with("rcpt_"));

    // Allowed: exit 0, decision and tool receipt recorded.
    let o = s.tool("run", "read", r#"{"path":"src/lib.rs"}"#);
    let d = json_out(&o);
    assert_eq!(o.status.code(), Some(0));
    assert_eq!(
        (d["decision"].as_str(), d["reason_code"].as_str()),
        (Some("allow"), Some("POLICY_ALLOW"))
    );
    assert!(d["receipt_id"].as_str().unwrap().starts_with("tr_"));
    // Denied: exit 4, only the decision is recorded.
    let o = s.tool("run", "shell_exec", r#"{"cmd":"id"}"#);
    let d = json_out(&o);
    assert_eq!(o.status.code(), Some(4));
    assert_eq!(
        (d["decision"].as_str(), d["reason_code"].as_str()),
        (Some("deny"), Some("POLICY_VIOLATION"))
    );
    assert!(d.get("receipt_id").is_none());
    // Approval required: exit 5; approved for other arguments: still 5; approved: 0, once.
    let mail = r#"{"to":"a@b.example"}"#;
    assert_eq!(
        s.tool("run", "send_external_email", mail).status.code(),
        Some(5)
    );
    let other = s.write("other.json", r#"{"to":"c@d.example"}"#);
    let a = json_out(&claw(&[
        "run",
        "approve",
        "--dir",
        &s.p("run"),
        "--tool",
        "send_external_email",
        "--args",
        &other,
        "--approver",
        "bob@example.com",
    ]));
    assert!(a["receipt_id"].as_str().unwrap().starts_with("har_"));
    assert_eq!(
        s.tool("run", "send_external_email", mail).status.code(),
        Some(5)
    );
    let args = s.write("mail.json", mail);
    let a = json_out(&claw(&[
        "run",
        "approve",
        "--dir",
        &s.p("run"),
        "--tool",
        "send_external_email",
        "--args",
        &args,
        "--approver",
        "alice@example.com",
        "--summary",
        "send it",
    ]));
    let o = s.tool("run", "send_external_email", mail);
    let d = json_out(&o);
    assert_eq!(o.status.code(), Some(0));
    assert_eq!(d["approval_receipt_id"], a["receipt_id"]);
    let email_receipt = d["receipt_id"].as_str().unwrap().to_string();
    assert_eq!(
        s.tool("run", "send_external_email", mail).status.code(),
        Some(5)
    );
    // A denial recorded by a human denies the next matching call.
    claw(&[
        "run",
        "approve",
        "--dir",
        &s.p("run"),
        "--tool",
        "send_external_email",
        "--approver",
        "carol",
        "--deny",
    ]);
    let o = s.tool("run", "send_external_email", mail);
    assert_eq!(o.status.code(), Some(4));
    assert_eq!(json_out(&o)["reason_code"], "HUMAN_APPROVAL_DENIED");
    // The approval context key cannot be claimed on the command line.
    let a2 = s.write("a2.json", "{}");
    assert_one_line_error(
        &claw(&[
            "run",
            "tool",
            "--dir",
            &s.p("run"),
            "--tool",
            "send_external_email",
            "--args",
            &a2,
            "--result",
            &a2,
            "--context",
            "Request:HasHumanApproval=true",
        ]),
        2,
        "INVALID_ARGUMENT",
    );
    // Fail closed on data classes: no Data:Class, default deny.
    let o = claw(&[
        "run",
        "tool",
        "--dir",
        &s.p("run"),
        "--tool",
        "read",
        "--args",
        &a2,
        "--result",
        &a2,
    ]);
    assert_eq!(o.status.code(), Some(4));
    assert_eq!(json_out(&o)["reason_code"], "POLICY_DATA_CLASS_MISSING");

    let status = json_out(&claw(&["run", "status", "--dir", &s.p("run")]));
    assert_eq!(status["receipts"]["tool_receipts"], 2);
    assert_eq!(status["receipts"]["receipts"], 1);
    assert_eq!(status["receipts"]["human_approval_receipts"], 3);
    assert_eq!(status["unused_approvals"].as_array().unwrap().len(), 1);

    // Build.
    let bundle = s.p("bundle.json");
    let pulse = s.p("pulse.json");
    let b = json_out(&claw(&[
        "bundle",
        "build",
        "--run-dir",
        &s.p("run"),
        "--out",
        &bundle,
        "--pulse-out",
        &pulse,
    ]));
    assert_eq!(b["tool_receipts"], 2);
    assert_eq!(b["receipts"], 1);

    // Verify: PASS with the gateway trusted (exit 0), text verdict first, registry JSON.
    let trust = s.trust();
    let o = claw(&with(&["bundle", "verify", &bundle], &trust));
    assert!(ok(&o).starts_with("PASS  bundle verified\nproof tier  gateway"));
    let mut wpc = trust.clone();
    wpc.extend([
        "--wpc".into(),
        s.p("policy.env.json"),
        "--signer".into(),
        s.signer.clone(),
        "--json".into(),
    ]);
    let v = json_out(&claw(&with(&["bundle", "verify", &bundle], &wpc)));
    assert_eq!(v["status"], "PASS");
    assert_eq!(v["reason_code"], "OK");
    assert_eq!(v["proof_tier"], "gateway");
    for c in [
        "envelope",
        "event_chain",
        "receipts",
        "gateway",
        "merkle",
        "policy",
    ] {
        assert_eq!(v["components"][c]["status"], "pass", "{c}: {v}");
    }
    assert_eq!(v["counts"]["receipts_verified"], 1);
    // Without a trusted gateway: FAIL, exit 3, still the verdict first.
    let o = claw(&["bundle", "verify", &bundle]);
    assert_eq!(o.status.code(), Some(3));
    assert!(stdout(&o).starts_with("FAIL  DEPENDENCY_NOT_CONFIGURED: "));
    // The policy envelope must come from the trusted signer.
    assert_one_line_error(
        &claw(&with(
            &[
                "bundle",
                "verify",
                &bundle,
                "--wpc",
                &s.p("policy.env.json"),
                "--signer",
                &s.gateway,
            ],
            &trust,
        )),
        3,
        "SIGNER_NOT_ALLOWED",
    );
    assert_one_line_error(
        &claw(&["bundle", "verify", "/nonexistent/b.json"]),
        1,
        "IO_ERROR",
    );
    let badcfg = s.write("cfg.json", r#"{"config_version":"2"}"#);
    assert_one_line_error(
        &claw(&["bundle", "verify", &bundle, "--config", &badcfg]),
        2,
        "CONFIG_ERROR",
    );
    // A reference-format config file gives the same verdict as --gateway.
    let cfg = s.write(
        "cfg.json",
        &format!(
            r#"{{"config_version":"1","allowlists":{{"gateway_receipt_signer_dids":["{}"]}}}}"#,
            s.gateway
        ),
    );
    ok(&claw(&["bundle", "verify", &bundle, "--config", &cfg]));

    // Prove a receipt; check the proof offline.
    let o = claw(&with(
        &["bundle", "prove", &bundle, "--receipt", &email_receipt],
        &trust,
    ));
    let proof = json_out(&o);
    assert_eq!(proof["proof_type"], "claw.receipt_inclusion");
    assert_eq!(proof["kind"], "tool_receipt");
    let proof_path = s.write("proof.json", &stdout(&o));
    let c = json_out(&claw(&[
        "bundle",
        "check-proof",
        &proof_path,
        "--agent",
        &s.agent,
        "--gateway",
        &s.gateway,
    ]));
    assert_eq!(c["status"], "PASS");
    assert_eq!(c["receipt_id"], email_receipt.as_str());
    assert_eq!(c["agent_did"], s.agent.as_str());
    assert_one_line_error(
        &claw(&["bundle", "check-proof", &proof_path, "--agent", &s.gateway]),
        3,
        "PROOF_BUNDLE_AGENT_MISMATCH",
    );
    let mut forged = proof.clone();
    forged["receipt"]["payload"]["tool_name"] = "read".into();
    let forged_path = s.write("forged.json", &forged.to_string());
    assert_one_line_error(
        &claw(&["bundle", "check-proof", &forged_path]),
        3,
        "INCLUSION_PROOF_INVALID",
    );
    assert_one_line_error(
        &claw(&with(
            &["bundle", "prove", &bundle, "--receipt", "tr_nope"],
            &trust,
        )),
        2,
        "CLAIM_NOT_FOUND",
    );
    assert_one_line_error(
        &claw(&["bundle", "prove", &bundle, "--receipt", &email_receipt]),
        3,
        "DEPENDENCY_NOT_CONFIGURED",
    );

    // Trust Pulse: the recorder's, checked against the bound hash; or derived.
    let tp = json_out(&claw(&with(
        &["bundle", "pulse", &bundle, "--pulse", &pulse],
        &trust,
    )));
    assert_eq!(tp["trust_pulse_version"], "1");
    assert_eq!(tp["files"][0]["path"], "src/lib.rs");
    let tools: Vec<&str> = tp["tools"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    assert_eq!(tools, ["read", "send_external_email"]);
    let derived = json_out(&claw(&with(&["bundle", "pulse", &bundle], &trust)));
    assert_eq!(derived["tools"], tp["tools"]);
    let mut other = tp.clone();
    other["files"] = Value::Array(vec![]);
    let other_path = s.write("other-pulse.json", &other.to_string());
    assert_one_line_error(
        &claw(&with(
            &["bundle", "pulse", &bundle, "--pulse", &other_path],
            &trust,
        )),
        3,
        "HASH_MISMATCH",
    );

    // Report: PASS page; exit 0.
    let html = s.p("report.html");
    let o = claw(&with(
        &["bundle", "report", &bundle, "--html", &html],
        &trust,
    ));
    assert!(ok(&o).starts_with("PASS"));
    let page = std::fs::read_to_string(&html).unwrap();
    assert!(page.contains("<div class=\"word\">PASS</div>"));
    assert!(page.contains("shell_exec"), "denied calls are listed");
    assert!(page.contains("alice@example.com"));

    // The run log is checked on every use: an edited log does not replay.
    let log = s.p("run/run.jsonl");
    let text = std::fs::read_to_string(&log).unwrap();
    std::fs::write(&log, text.replacen("src/lib.rs", "src/main.rs", 1)).unwrap();
    assert_one_line_error(
        &claw(&["run", "status", "--dir", &s.p("run")]),
        2,
        "RUN_LOG_INVALID",
    );
    std::fs::write(&log, text.replacen(r#""ok":true"#, r#""ok":false"#, 1)).unwrap();
    assert_one_line_error(
        &claw(&["run", "status", "--dir", &s.p("run")]),
        2,
        "RUN_LOG_DIVERGED",
    );
    assert_one_line_error(
        &claw(&["run", "status", "--dir", &s.p("nope")]),
        1,
        "IO_ERROR",
    );
}

#[test]
fn run_start_checks_the_policy_and_the_token() {
    let s = Setup::new();
    let agent = s.p("agent.jwk");
    let env = s.p("policy.env.json");
    let start = |run: &str, extra: &[&str]| {
        claw(
            &[
                &[
                    "run",
                    "start",
                    "--dir",
                    &s.p(run),
                    "--agent-key",
                    &agent,
                    "--wpc",
                    &env,
                ][..],
                extra,
            ]
            .concat(),
        )
    };
    // The policy requires a CST.
    assert_one_line_error(
        &start("a", &["--wpc-signer", &s.signer]),
        3,
        "TOKEN_REQUIRED",
    );
    // The policy must be signed by a trusted signer.
    let tok = format!("@{}", s.p("token.jws"));
    let cst = [
        "--cst",
        &tok,
        "--cst-issuer",
        &s.issuer,
        "--aud",
        "rt",
        "--mission",
        "job-1",
    ];
    assert_one_line_error(
        &start("b", &[&["--wpc-signer", &s.gateway][..], &cst].concat()),
        3,
        "SIGNER_NOT_ALLOWED",
    );
    // The token: another job, another audience, another issuer, another agent, another policy.
    let ws = ["--wpc-signer", s.signer.as_str()];
    let cases: [(&[&str], &str); 3] = [
        (
            &[
                "--cst",
                &tok,
                "--cst-issuer",
                &s.issuer,
                "--aud",
                "rt",
                "--mission",
                "job-2",
            ],
            "TOKEN_MISSION_MISMATCH",
        ),
        (
            &[
                "--cst",
                &tok,
                "--cst-issuer",
                &s.issuer,
                "--aud",
                "other",
                "--mission",
                "job-1",
            ],
            "TOKEN_BAD_AUDIENCE",
        ),
        (
            &[
                "--cst",
                &tok,
                "--cst-issuer",
                &s.gateway,
                "--aud",
                "rt",
                "--mission",
                "job-1",
            ],
            "TOKEN_UNKNOWN_KID",
        ),
    ];
    for (extra, reason) in cases {
        assert_one_line_error(&start("c", &[&ws[..], extra].concat()), 3, reason);
    }
    let for_gateway = s.write("t2.jws", &s.token(&s.policy_hash, "job-1", &s.gateway));
    let t2 = format!("@{for_gateway}");
    assert_one_line_error(
        &start(
            "d",
            &[
                &ws[..],
                &["--cst", &t2, "--cst-issuer", &s.issuer, "--aud", "rt"],
            ]
            .concat(),
        ),
        3,
        "TOKEN_SUB_MISMATCH",
    );
    let other_policy = s.write(
        "t3.jws",
        &s.token(
            "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
            "job-1",
            &s.agent,
        ),
    );
    let t3 = format!("@{other_policy}");
    assert_one_line_error(
        &start(
            "e",
            &[
                &ws[..],
                &["--cst", &t3, "--cst-issuer", &s.issuer, "--aud", "rt"],
            ]
            .concat(),
        ),
        3,
        "POLICY_HASH_MISMATCH",
    );
    // Nothing was written by the refused starts.
    for d in ["a", "b", "c", "d", "e"] {
        assert!(!Path::new(&s.p(d)).join("run.jsonl").exists());
    }
    // A public JWK file works as the issuer.
    let issuer_file = s.p("issuer.pub.jwk");
    ok(&start(
        "f",
        &[
            &ws[..],
            &[
                "--cst",
                &tok,
                "--cst-issuer",
                &issuer_file,
                "--aud",
                "rt",
                "--mission",
                "job-1",
            ],
        ]
        .concat(),
    ));
    // The private key of the issuer is refused as an issuer.
    let issuer_private = s.p("issuer.jwk");
    assert_one_line_error(
        &start(
            "g",
            &[
                &ws[..],
                &[
                    "--cst",
                    &tok,
                    "--cst-issuer",
                    &issuer_private,
                    "--aud",
                    "rt",
                ],
            ]
            .concat(),
        ),
        2,
        "INVALID_JWK",
    );
}

#[test]
fn an_external_gateway_signs_a_pending_model_call() {
    let s = Setup::new();
    ok(&s.start("run"));
    let o = claw(&[
        "run",
        "model",
        "--dir",
        &s.p("run"),
        "--provider",
        "openai",
        "--model",
        "gpt",
        "--pending",
    ]);
    let b = json_out(&o)["binding"].clone();
    assert_eq!(b["policy_hash"], s.policy_hash.as_str());
    let bundle = s.p("b.json");
    // A pending call blocks the bundle.
    assert_one_line_error(
        &claw(&[
            "bundle",
            "build",
            "--run-dir",
            &s.p("run"),
            "--out",
            &bundle,
        ]),
        2,
        "MISSING_REQUIRED_FIELD",
    );
    // The gateway signs the binding it was given.
    let req = s.write("req", "q");
    let s_ = |k: &str| b[k].as_str().unwrap().to_string();
    let receipt = ok(&claw(&[
        "receipt",
        "sign",
        "--request",
        &req,
        "--response",
        &req,
        "--provider",
        "openai",
        "--model",
        "gpt",
        "--tokens-in",
        "1",
        "--tokens-out",
        "2",
        "--latency-ms",
        "3",
        "--run-id",
        &s_("run_id"),
        "--event-hash",
        &s_("event_hash_b64u"),
        "--nonce",
        &s_("nonce"),
        "--policy-hash",
        &s_("policy_hash"),
        "--token-scope-hash",
        &s_("token_scope_hash_b64u"),
        "--span-id",
        &s_("span_id"),
        "--key",
        &s.p("gateway.jwk"),
    ]));
    let rp = s.write("receipt.json", &receipt);
    // Attached in memory by `bundle build --receipt`, or recorded by `run attach`.
    ok(&claw(&[
        "bundle",
        "build",
        "--run-dir",
        &s.p("run"),
        "--out",
        &bundle,
        "--receipt",
        &rp,
    ]));
    ok(&claw(&with(&["bundle", "verify", &bundle], &s.trust())));
    ok(&claw(&[
        "run",
        "attach",
        "--dir",
        &s.p("run"),
        "--receipt",
        &rp,
    ]));
    assert_one_line_error(
        &claw(&["run", "attach", "--dir", &s.p("run"), "--receipt", &rp]),
        2,
        "RECEIPT_BINDING_MISMATCH",
    );
    ok(&claw(&[
        "bundle",
        "build",
        "--run-dir",
        &s.p("run"),
        "--out",
        &bundle,
    ]));
    ok(&claw(&with(&["bundle", "verify", &bundle], &s.trust())));
    // A receipt whose signature does not verify is refused.
    let bad = receipt.replacen("\"tokens_input\":1", "\"tokens_input\":9", 1);
    let bp = s.write("bad.json", &bad);
    ok(&claw(&[
        "run",
        "model",
        "--dir",
        &s.p("run"),
        "--provider",
        "openai",
        "--model",
        "gpt",
        "--pending",
    ]));
    assert_one_line_error(
        &claw(&["run", "attach", "--dir", &s.p("run"), "--receipt", &bp]),
        2,
        "HASH_MISMATCH",
    );
}

#[test]
fn decide_first_then_record_the_result() {
    let s = Setup::new();
    ok(&s.start("run"));
    ok(&s.model("run"));
    let dir = s.p("run");
    let args = s.write("args.json", r#"{"path":"a.txt"}"#);
    let other = s.write("other.json", r#"{"path":"b.txt"}"#);
    let res = s.write("res.json", r#"{"text":"hello"}"#);
    // Decide only: exit 0, the result is awaited.
    let d = json_out(&claw(&[
        "run",
        "tool",
        "--dir",
        &dir,
        "--tool",
        "read",
        "--args",
        &args,
        "--context",
        "Data:Class=internal",
    ]));
    assert_eq!(d["decision"], "allow");
    assert_eq!(d["result_pending"], true);
    assert!(d.get("receipt_id").is_none());
    let st = json_out(&claw(&["run", "status", "--dir", &dir]));
    assert_eq!(st["allowed_awaiting_result"][0]["tool"], "read");
    // Only the decided call can be recorded, once.
    let result = |tool: &str, a: &str| {
        claw(&[
            "run", "result", "--dir", &dir, "--tool", tool, "--args", a, "--result", &res,
        ])
    };
    assert_one_line_error(&result("read", &other), 2, "RUN_LOG_INVALID");
    assert_one_line_error(&result("write", &args), 2, "RUN_LOG_INVALID");
    let r = json_out(&result("read", &args));
    assert!(r["receipt_id"].as_str().unwrap().starts_with("tr_"));
    assert_one_line_error(&result("read", &args), 2, "RUN_LOG_INVALID");
    // A denied call has nothing to record.
    let o = claw(&[
        "run",
        "tool",
        "--dir",
        &dir,
        "--tool",
        "shell_exec",
        "--args",
        &args,
        "--context",
        "Data:Class=internal",
    ]);
    assert_eq!(o.status.code(), Some(4));
    assert_one_line_error(&result("shell_exec", &args), 2, "RUN_LOG_INVALID");
    let bundle = s.p("b.json");
    ok(&claw(&[
        "bundle",
        "build",
        "--run-dir",
        &dir,
        "--out",
        &bundle,
    ]));
    ok(&claw(&with(&["bundle", "verify", &bundle], &s.trust())));
}

#[test]
fn conformance_vectors_through_the_cli() {
    let dir = shared().join("clawsig/fixtures/protocol-conformance");
    let cfg = dir.join("clawverify.config.conformance.v1.json");
    let manifest: Value =
        serde_json::from_slice(&std::fs::read(dir.join("manifest.v1.json")).unwrap()).unwrap();
    let mut ran = 0;
    for v in manifest["vectors"].as_array().unwrap() {
        // Export bundles go through `claw bundle verify` too (detected by export_version).
        let export = v["kind"] == "export_bundle";
        if v["kind"] != "proof_bundle" && !export {
            continue;
        }
        let rel = v["path"]
            .as_str()
            .unwrap()
            .strip_prefix("packages/schema/fixtures/")
            .unwrap();
        let path = shared().join("clawsig/fixtures").join(rel);
        let o = claw(&[
            "bundle",
            "verify",
            path.to_str().unwrap(),
            "--config",
            cfg.to_str().unwrap(),
            "--json",
            "--now",
            "1775260800", // 2026-04-04
        ]);
        let out = json_out(&o);
        let name = v["name"].as_str().unwrap();
        let valid = v["expected"]["valid"].as_bool().unwrap();
        let expected: Vec<&str> = match &v["expected"]["reason_code"] {
            Value::String(s) => vec![s.as_str()],
            Value::Array(a) => a.iter().map(|x| x.as_str().unwrap()).collect(),
            _ => unreachable!(),
        };
        assert_eq!(
            o.status.code(),
            Some(if valid { 0 } else { 3 }),
            "{name}: {out}"
        );
        assert_eq!(out["status"], if valid { "PASS" } else { "FAIL" }, "{name}");
        assert!(
            expected.contains(&out["reason_code"].as_str().unwrap()),
            "{name}: {out}"
        );
        let keys: &[&str] = if export {
            assert_eq!(out["kind"], "export_bundle", "{name}");
            &[
                "reason",
                "verified_at",
                "proof_tier",
                "components",
                "counts",
                "export_id",
            ]
        } else {
            &[
                "reason",
                "verified_at",
                "proof_tier",
                "trust_tier",
                "components",
                "counts",
            ]
        };
        for k in keys {
            assert!(out.get(*k).is_some(), "{name}: {k}");
        }
        ran += 1;
    }
    assert_eq!(ran, 26);
    // The pass vector in detail, and two failures by name.
    let run = |f: &str| {
        json_out(&claw(&[
            "bundle",
            "verify",
            dir.join(f).to_str().unwrap(),
            "--config",
            cfg.to_str().unwrap(),
            "--json",
        ]))
    };
    let pass = run("proof_bundle_pass.v1.json");
    assert_eq!(
        (pass["status"].as_str(), pass["proof_tier"].as_str()),
        (Some("PASS"), Some("gateway"))
    );
    assert_eq!(
        run("proof_bundle_fail_invalid_signature.v1.json")["reason_code"],
        "SIGNATURE_INVALID"
    );
    assert_eq!(
        run("proof_bundle_fail_unknown_envelope_version.v1.json")["reason_code"],
        "UNKNOWN_ENVELOPE_VERSION"
    );
    // Without the config the gateway receipt cannot be trusted.
    let o = claw(&[
        "bundle",
        "verify",
        dir.join("proof_bundle_pass.v1.json").to_str().unwrap(),
        "--json",
    ]);
    assert_eq!(o.status.code(), Some(3));
    assert_eq!(json_out(&o)["reason_code"], "DEPENDENCY_NOT_CONFIGURED");
}

#[test]
fn export_bundles_through_bundle_verify() {
    let fixtures = shared().join("clawsig/fixtures");
    let cfg = fixtures.join("protocol-conformance/clawverify.config.conformance.v1.json");
    let golden = fixtures.join("export_bundle_golden.v1.json");
    let verify = |path: &Path, extra: &[&str]| {
        let mut args = vec![
            "bundle",
            "verify",
            path.to_str().unwrap(),
            "--now",
            "1775260800", // 2026-04-04
        ];
        args.extend_from_slice(extra);
        claw(&args)
    };
    let cfg_args = ["--config", cfg.to_str().unwrap()];

    // Text: the verdict first, then the facts, the components and the proof bundle.
    let text = ok(&verify(&golden, &cfg_args));
    assert!(text.starts_with("PASS  export bundle verified\n"), "{text}");
    for want in [
        "export      exp_fixture_001",
        "manifest    2 entries verified",
        "derivation_attestations",
        "proof bundle\n  PASS  bundle verified",
    ] {
        assert!(text.contains(want), "{want}: {text}");
    }
    // JSON: the export verdict, with the proof bundle's inside.
    let j = json_out(&verify(&golden, &[&cfg_args[..], &["--json"]].concat()));
    assert_eq!(
        (
            j["kind"].as_str(),
            j["status"].as_str(),
            j["proof_tier"].as_str()
        ),
        (Some("export_bundle"), Some("PASS"), Some("self"))
    );
    assert_eq!(j["counts"]["derivation_attestations"], 1);
    assert_eq!(j["proof_bundle"]["status"], "PASS");
    // The bare bundle (without the fixture's wrapper) is the same.
    let dir = tempfile::tempdir().unwrap();
    let doc: Value = serde_json::from_slice(&std::fs::read(&golden).unwrap()).unwrap();
    let bare = dir.path().join("bare.json");
    std::fs::write(&bare, serde_json::to_vec(&doc["bundle"]).unwrap()).unwrap();
    assert_eq!(
        json_out(&verify(&bare, &[&cfg_args[..], &["--json"]].concat()))["export_id"],
        "exp_fixture_001"
    );

    // Tampered copies: exit 3 with the reason code, text and JSON.
    let tamper = |name: &str, f: &dyn Fn(&mut Value)| {
        let mut d = doc.clone();
        f(&mut d);
        let p = dir.path().join(name);
        std::fs::write(&p, serde_json::to_vec(&d).unwrap()).unwrap();
        p
    };
    let cases: Vec<(PathBuf, &str)> = vec![
        (
            tamper("size.json", &|d| {
                d["bundle"]["manifest"]["entries"][1]["size_bytes"] = 1.into()
            }),
            "HASH_MISMATCH",
        ),
        (
            tamper("dropped.json", &|d| {
                d["bundle"]["manifest"]["entries"]
                    .as_array_mut()
                    .unwrap()
                    .pop();
            }),
            "MISSING_REQUIRED_FIELD",
        ),
        (
            tamper("artifact.json", &|d| {
                d["bundle"]["artifacts"]["proof_bundle_envelope"]["payload"]["bundle_id"] =
                    "bundle_other".into()
            }),
            "HASH_MISMATCH",
        ),
        (
            tamper("sig.json", &|d| {
                d["bundle"]["signature_b64u"] = "A".repeat(86).into()
            }),
            "SIGNATURE_INVALID",
        ),
        (
            tamper("extra.json", &|d| d["bundle"]["extra"] = 1.into()),
            "SCHEMA_VALIDATION_FAILED",
        ),
    ];
    for (p, code) in &cases {
        let o = verify(p, &[&cfg_args[..], &["--json"]].concat());
        assert_eq!(o.status.code(), Some(3), "{}", p.display());
        assert_eq!(json_out(&o)["reason_code"], *code, "{}", p.display());
        let o = verify(p, &cfg_args);
        assert_eq!(o.status.code(), Some(3));
        assert!(
            stdout(&o).starts_with(&format!("FAIL  {code}: ")),
            "{}",
            stdout(&o)
        );
    }
    // Without the configuration the derivation attestation cannot be trusted.
    let o = verify(&golden, &["--json"]);
    assert_eq!(o.status.code(), Some(3));
    assert_eq!(json_out(&o)["reason_code"], "DEPENDENCY_NOT_CONFIGURED");
    // Not JSON at all: still a FAIL verdict from the proof bundle verifier, as before.
    let junk = dir.path().join("junk.json");
    std::fs::write(&junk, b"{\"bundle\": ").unwrap();
    let o = verify(&junk, &["--json"]);
    assert_eq!(o.status.code(), Some(3));
    assert_eq!(json_out(&o)["reason_code"], "INVALID_JSON");
}

/// A bundle whose receipts carry hostile strings, built with the core recorder.
fn hostile_bundle(path: &Path) -> String {
    use claw_core::evidence::*;
    use claw_core::keys::SigningKey;
    let mut rng = rand_core::OsRng;
    let gw_key = SigningKey::from_seed(&[9u8; 32]);
    let gw = Gateway::new("</style><b>gw</b>", gw_key).unwrap();
    let mut rec = Recorder::new(SigningKey::from_seed(&[7u8; 32]), &mut rng);
    let t = 1_800_000_000_000;
    rec.record_model_call(
        &gw,
        &ModelCall {
            provider: "<img src=x onerror=alert(1)>",
            model: "m\u{202E}gpj.exe",
            request: b"",
            response: b"",
            tokens_input: 1,
            tokens_output: 1,
            latency_ms: 1,
            timestamp_ms: t,
            metadata: None,
        },
        &mut rng,
    )
    .unwrap();
    rec.record_tool_call(
        &ToolCall {
            tool_name: "<script>alert('x')</script>",
            tool_version: None,
            args: &serde_json::json!({}),
            result: &serde_json::json!({}),
            result_status: ToolStatus::Success,
            latency_ms: 1,
            timestamp_ms: t,
        },
        &mut rng,
    )
    .unwrap();
    rec.record_human_approval(
        &HumanApproval {
            approval_type: ApprovalType::ExplicitApprove,
            approver_subject: "\"><a href=\"https://evil.example/\">x</a>",
            approver_method: None,
            scope: &serde_json::json!({}),
            scope_summary: Some("javascript:alert(1) //evil.example/x.png"),
            policy_hash_b64u: None,
            minted_capability_id: None,
            minted_capability_ttl_seconds: None,
            plan: None,
            timestamp_ms: t,
        },
        &mut rng,
    )
    .unwrap();
    let b = rec.finish(&BundleOptions::default(), t, &mut rng).unwrap();
    std::fs::write(path, b.to_json().unwrap()).unwrap();
    gw.did()
}

/// Every tag of the page is one of the report's own (bundle text only ever appears escaped),
/// no tag or style can load anything, and the CSP forbids everything but inline style.
fn assert_inert(page: &str) {
    const TAGS: [&str; 27] = [
        "!DOCTYPE", "html", "head", "meta", "title", "style", "body", "main", "h1", "h2",
        "section", "div", "span", "strong", "dl", "dt", "dd", "p", "code", "table", "thead",
        "tbody", "tr", "th", "td", "ul", "li",
    ];
    let mut rest = page;
    let mut tags = 0;
    while let Some(i) = rest.find('<') {
        let end = rest[i..].find('>').expect("unclosed tag") + i;
        let tag = &rest[i + 1..end];
        let name = tag
            .trim_start_matches('/')
            .split([' ', '>'])
            .next()
            .unwrap();
        assert!(
            TAGS.contains(&name) || ["br", "footer"].contains(&name),
            "tag <{tag}>"
        );
        let lower = tag.to_ascii_lowercase();
        for bad in ["src=", "href=", "http:", "https:", "//", "url(", "on"] {
            if bad == "on" {
                assert!(
                    !lower.split(' ').skip(1).any(|a| a.starts_with("on")),
                    "<{tag}>"
                );
            } else {
                assert!(!lower.contains(bad), "<{tag}>");
            }
        }
        rest = &rest[end + 1..];
        tags += 1;
    }
    assert!(tags > 10);
    let css = &page[page.find("<style>").unwrap()..page.find("</style>").unwrap()];
    for bad in ["url(", "@import", "http", "//", "@font-face"] {
        assert!(!css.contains(bad), "css: {bad}");
    }
    assert!(!page.contains('\u{202E}'), "bidi override");
    assert!(page.contains(
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">"
    ));
    assert_eq!(page.matches("<style>").count(), 1);
}

#[test]
fn the_report_escapes_everything_and_loads_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let bundle = dir.path().join("b.json");
    let gw = hostile_bundle(&bundle);
    let html = dir.path().join("r.html");
    let o = claw(&[
        "bundle",
        "report",
        bundle.to_str().unwrap(),
        "--html",
        html.to_str().unwrap(),
        "--gateway",
        &gw,
    ]);
    assert!(ok(&o).starts_with("PASS"));
    let page = std::fs::read_to_string(&html).unwrap();
    assert_inert(&page);
    assert!(page.contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;"));
    assert!(page.contains("&lt;img src=x onerror=alert(1)&gt;"));
    assert!(page.contains("m\u{FFFD}gpj.exe"));
    // The verdict comes before everything else in the body.
    let body = &page[page.find("<body>").unwrap()..];
    assert!(body.find("PASS").unwrap() < body.find("Timeline").unwrap());

    // FAIL: tampered, and not JSON at all. The page is written; exit 3.
    let text = std::fs::read_to_string(&bundle).unwrap();
    std::fs::write(&bundle, text.replacen("alert('x')", "alert('y')", 1)).unwrap();
    let o = claw(&[
        "bundle",
        "report",
        bundle.to_str().unwrap(),
        "--html",
        html.to_str().unwrap(),
        "--gateway",
        &gw,
    ]);
    assert_eq!(o.status.code(), Some(3));
    let page = std::fs::read_to_string(&html).unwrap();
    assert_inert(&page);
    assert!(page.contains("<div class=\"word\">FAIL</div>"));
    assert!(page.contains("What failed"));
    assert!(page.contains("HASH_MISMATCH"));
    std::fs::write(&bundle, "<html>not json").unwrap();
    let o = claw(&[
        "bundle",
        "report",
        bundle.to_str().unwrap(),
        "--html",
        html.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(3));
    let page = std::fs::read_to_string(&html).unwrap();
    assert_inert(&page);
    assert!(page.contains("INVALID_JSON"));
    assert_one_line_error(
        &claw(&[
            "bundle",
            "report",
            bundle.to_str().unwrap(),
            "--html",
            "/nonexistent/dir/r.html",
        ]),
        1,
        "IO_ERROR",
    );
}

/// Issue 12, found from outside on these commands: one document, one verdict. A genuine
/// bundle wrapped beside an invented payload, or beside an export-bundle wrapper, is refused
/// by `verify`, `report`, `pulse` and `prove` alike (`AMBIGUOUS_DOCUMENT`), and the report
/// never shows the invented run; the report says the envelope's `issued_at` is unsigned;
/// `check-proof` needs a trusted gateway for a gateway receipt; `verify --wpc P` fails a run
/// bound to another policy.
#[test]
fn one_document_one_verdict_on_every_bundle_command() {
    let s = Setup::new();
    ok(&s.start("run"));
    let model_receipt = json_out(&s.model("run"))["receipt_id"]
        .as_str()
        .unwrap()
        .to_string();
    ok(&s.tool("run", "read", r#"{"path":"src/lib.rs"}"#));
    let bundle = s.p("bundle.json");
    ok(&claw(&[
        "bundle",
        "build",
        "--run-dir",
        &s.p("run"),
        "--out",
        &bundle,
    ]));
    let trust = s.trust();
    let genuine: Value = serde_json::from_str(&std::fs::read_to_string(&bundle).unwrap()).unwrap();
    let mut invented = genuine["payload"].clone();
    invented["bundle_id"] = "bundle_INVENTED_RUN".into();
    let wrapped = [
        s.write(
            "wrapped1.json",
            &serde_json::json!({"envelope": genuine, "payload": invented}).to_string(),
        ),
        s.write(
            "wrapped2.json",
            &serde_json::json!({"bundle": {"export_version": "1"}, "envelope": genuine})
                .to_string(),
        ),
    ];
    for w in &wrapped {
        let o = claw(&with(&["bundle", "verify", w], &trust));
        assert_eq!(o.status.code(), Some(3), "{}", stdout(&o));
        assert!(
            stdout(&o).starts_with("FAIL  AMBIGUOUS_DOCUMENT: "),
            "{}",
            stdout(&o)
        );
        let html = s.p("wrapped.html");
        let o = claw(&with(&["bundle", "report", w, "--html", &html], &trust));
        assert_eq!(o.status.code(), Some(3));
        let page = std::fs::read_to_string(&html).unwrap();
        assert!(page.contains("AMBIGUOUS_DOCUMENT"));
        assert!(!page.contains("bundle_INVENTED_RUN"));
        assert!(!page.contains(">PASS<"));
        assert_one_line_error(
            &claw(&with(&["bundle", "pulse", w], &trust)),
            3,
            "AMBIGUOUS_DOCUMENT",
        );
        assert_one_line_error(
            &claw(&with(
                &["bundle", "prove", w, "--receipt", &model_receipt],
                &trust,
            )),
            3,
            "AMBIGUOUS_DOCUMENT",
        );
    }
    // The genuine bundle: the report labels issued_at as outside the signature.
    let html = s.p("genuine.html");
    ok(&claw(&with(
        &["bundle", "report", &bundle, "--html", &html],
        &trust,
    )));
    let page = std::fs::read_to_string(&html).unwrap();
    assert!(page.contains("not covered by the signature"));
    assert!(!page.contains("signed 20"), "issued_at shown as signed");

    // check-proof: a gateway receipt's proof needs a trusted gateway signer.
    let proof = ok(&claw(&with(
        &["bundle", "prove", &bundle, "--receipt", &model_receipt],
        &trust,
    )));
    let proof_path = s.write("gw-proof.json", &proof);
    assert_eq!(
        json_out(&claw(&with(
            &["bundle", "check-proof", &proof_path],
            &trust
        )))["status"],
        "PASS"
    );
    assert_one_line_error(
        &claw(&["bundle", "check-proof", &proof_path]),
        3,
        "DEPENDENCY_NOT_CONFIGURED",
    );
    assert_one_line_error(
        &claw(&["bundle", "check-proof", &proof_path, "--gateway", &s.agent]),
        3,
        "RECEIPT_VERIFICATION_FAILED",
    );

    // --wpc P on a run bound to the policy the run started under passes; against another
    // policy (signed by the same trusted signer, allowing at least as much) it fails.
    let mut other: Value =
        serde_json::from_str(&std::fs::read_to_string(s.p("policy.json")).unwrap()).unwrap();
    other["policy_id"] = "another-policy".into();
    s.write("other.json", &other.to_string());
    let env = ok(&claw(&[
        "wpc",
        "sign",
        &s.p("other.json"),
        "--key",
        &s.p("signer.jwk"),
    ]));
    let other_env = s.write("other.env.json", &env);
    let replay = |policy: &str| {
        json_out(&claw(&with(
            &[
                "bundle", "verify", &bundle, "--wpc", policy, "--signer", &s.signer, "--json",
            ],
            &trust,
        )))
    };
    let v = replay(&s.p("policy.env.json"));
    assert_eq!(v["status"], "PASS", "{v}");
    assert_eq!(v["components"]["policy"]["status"], "pass");
    let v = replay(&other_env);
    assert_eq!(v["status"], "FAIL", "{v}");
    assert_eq!(v["reason_code"], "POLICY_BINDING_MISMATCH", "{v}");
}

#[test]
fn run_logs_of_an_earlier_claw_still_replay() {
    let fixtures = repo().join("claw-cli/tests/fixtures/runlogs-2026-12-06");
    let key = fixtures.join("agent.jwk");
    for (name, records, types) in [
        (
            "elicitation",
            10,
            &["decision", "elicitation", "listing", "start", "tool"][..],
        ),
        (
            "operator-approval",
            9,
            &["approval", "decision", "listing", "start", "tool"][..],
        ),
    ] {
        let src = fixtures.join(name).join("run.jsonl");
        let text = std::fs::read_to_string(&src).unwrap();
        let mut seen: Vec<String> = text
            .lines()
            .map(|l| {
                serde_json::from_str::<Value>(l).unwrap()["op"]["type"]
                    .as_str()
                    .unwrap()
                    .to_string()
            })
            .collect();
        assert_eq!(seen.len(), records, "{name}");
        seen.sort();
        seen.dedup();
        assert_eq!(seen, types, "{name}");
        let dir = tempfile::tempdir().unwrap();
        std::fs::copy(&src, dir.path().join("run.jsonl")).unwrap();
        let d = dir.path().to_str().unwrap();
        let status = json_out(&claw(&[
            "run",
            "status",
            "--dir",
            d,
            "--agent-key",
            key.to_str().unwrap(),
        ]));
        assert_eq!(status["events"], records as u64, "{name}: {status}");
        if name == "operator-approval" {
            // Its approval receipt has no model call to anchor to: no bundle (as in 2026-12).
            continue;
        }
        let bundle = dir.path().join("bundle.json");
        ok(&claw(&[
            "bundle",
            "build",
            "--run-dir",
            d,
            "--agent-key",
            key.to_str().unwrap(),
            "--out",
            bundle.to_str().unwrap(),
        ]));
        let v = json_out(&claw(&[
            "bundle",
            "verify",
            "--json",
            bundle.to_str().unwrap(),
        ]));
        assert_eq!(v["status"], "PASS", "{name}: {v}");
    }
}
