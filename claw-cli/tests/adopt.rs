//! What a new user meets first: shell completions, the man page, and `--json` errors.
#![allow(clippy::disallowed_methods)] // tests may read JSON with serde_json (clippy.toml)
use std::process::{Command, Output};

fn claw(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_claw"))
        .args(args)
        .output()
        .expect("run claw")
}

fn text(b: &[u8]) -> String {
    String::from_utf8(b.to_vec()).expect("utf-8 output")
}

/// Every subcommand (and nested subcommand) name of the CLI, from `claw --help` recursively.
fn subcommands(path: &[&str]) -> Vec<String> {
    let mut args: Vec<&str> = path.to_vec();
    args.push("--help");
    let help = text(&claw(&args).stdout);
    let mut names = Vec::new();
    let mut in_commands = false;
    for line in help.lines() {
        if line.starts_with("Commands:") {
            in_commands = true;
            continue;
        }
        if in_commands {
            let Some(name) = line
                .strip_prefix("  ")
                .and_then(|l| l.split_whitespace().next())
            else {
                break;
            };
            if name != "help" && !line.starts_with("   ") {
                names.push(name.to_string());
            }
        }
    }
    names
}

#[test]
fn completions_name_every_subcommand() {
    let top = subcommands(&[]);
    assert!(top.len() >= 8, "{top:?}");
    for shell in ["bash", "zsh", "fish", "elvish", "powershell"] {
        let o = claw(&["completions", shell]);
        assert_eq!(o.status.code(), Some(0), "{shell}: {}", text(&o.stderr));
        let script = text(&o.stdout);
        for name in &top {
            assert!(
                script.contains(name.as_str()),
                "{shell} completions lack {name}"
            );
        }
    }
    // Nested subcommands and their options are completed too.
    let bash = text(&claw(&["completions", "bash"]).stdout);
    for name in subcommands(&["bundle"]) {
        assert!(bash.contains(&name), "bash completions lack bundle {name}");
    }
    assert!(
        bash.contains("--pulse-out"),
        "bash completions lack bundle build's options"
    );
    let o = claw(&["completions", "tcsh"]);
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn man_page_is_roff_and_covers_every_leaf_command() {
    let o = claw(&["man"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let page = text(&o.stdout);
    assert!(
        page.starts_with(".ie") || page.starts_with(".TH"),
        "{}",
        &page[..80.min(page.len())]
    );
    assert!(page.contains(".TH claw 1"), "no .TH header");
    for top in subcommands(&[]) {
        let nested = subcommands(&[top.as_str()]);
        if nested.is_empty() {
            assert!(
                page.contains(&format!(".SH \"CLAW {}\"", top.to_uppercase())),
                "man lacks {top}"
            );
        }
        for sub in nested {
            let head = format!(".SH \"CLAW {} {}\"", top.to_uppercase(), sub.to_uppercase());
            assert!(page.contains(&head), "man lacks {top} {sub}");
        }
    }
    assert!(
        page.contains("pulse\\-out"),
        "man lacks bundle build's options"
    );
}

/// With `--json`, an error is one JSON line on stderr with the reason code and exit code.
fn json_error(o: &Output) -> serde_json::Value {
    let err = text(&o.stderr);
    assert_eq!(err.lines().count(), 1, "stderr: {err}");
    assert!(o.stdout.is_empty(), "stdout: {}", text(&o.stdout));
    let v: serde_json::Value = serde_json::from_str(&err).expect("stderr is JSON");
    assert_eq!(
        v["exit_code"].as_i64(),
        o.status.code().map(i64::from),
        "{v}"
    );
    assert!(v["error"].as_str().is_some_and(|m| !m.is_empty()), "{v}");
    v
}

#[test]
fn errors_are_json_with_json() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("missing.json");
    let missing = missing.to_str().unwrap();
    // A command failure: the core's reason code.
    let o = claw(&["bundle", "verify", missing, "--json"]);
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(json_error(&o)["reason_code"], "IO_ERROR");
    let bad = dir.path().join("bad.json");
    std::fs::write(&bad, br#"{"a":1,"a":2}"#).unwrap();
    let o = claw(&["wpc", "hash", bad.to_str().unwrap(), "--json"]);
    assert_eq!(o.status.code(), Some(2));
    let v = json_error(&o);
    assert_eq!(v["reason_code"], "JSON_DUPLICATE_KEY", "{v}");
    // A usage error: USAGE_ERROR, exit 2.
    let o = claw(&["bundle", "verify", "--json", "--no-such-flag"]);
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(json_error(&o)["reason_code"], "USAGE_ERROR");
    // Without --json: the one-line text form is unchanged.
    let o = claw(&["bundle", "verify", missing]);
    assert!(
        text(&o.stderr).starts_with("claw: IO_ERROR: "),
        "{}",
        text(&o.stderr)
    );
    // --help is not an error, even with --json.
    let o = claw(&["bundle", "verify", "--help", "--json"]);
    assert_eq!(o.status.code(), Some(0));
    assert!(text(&o.stdout).contains("Usage"));
}

fn json_out(o: &Output) -> serde_json::Value {
    assert_eq!(o.status.code(), Some(0), "stderr: {}", text(&o.stderr));
    let out = text(&o.stdout);
    assert_eq!(out.lines().count(), 1, "stdout: {out}");
    serde_json::from_str(&out).expect("stdout is JSON")
}

/// Every command that prints a bare value prints a JSON object with `--json`, holding the
/// same value the text form prints.
#[test]
fn json_output_of_text_commands() {
    let dir = tempfile::tempdir().unwrap();
    let p = |name: &str| dir.path().join(name).to_str().unwrap().to_string();
    let k = claw(&["keygen", "--out", &p("signer"), "--json"]);
    let k = json_out(&k);
    let signer = k["did"].as_str().unwrap().to_string();
    assert!(signer.starts_with("did:key:z6Mk"), "{k}");
    assert_eq!(k["private_jwk"], p("signer.jwk"));
    assert_eq!(k["public_jwk"], p("signer.pub.jwk"));
    let text_did = text(&claw(&["keygen", "--out", &p("issuer")]).stdout);
    assert!(text_did.trim().starts_with("did:key:z6Mk"));

    let authoring = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../examples/policy/invoice-triage.authoring.json"
    );
    let compiled = claw(&["wpc", "compile", authoring]);
    std::fs::write(p("policy.json"), &compiled.stdout).unwrap();
    let signed = claw(&["wpc", "sign", &p("policy.json"), "--key", &p("signer.jwk")]);
    std::fs::write(p("policy.env.json"), &signed.stdout).unwrap();
    let hash_text = text(&claw(&["wpc", "hash", &p("policy.json")]).stdout)
        .trim()
        .to_string();
    let h = json_out(&claw(&["wpc", "hash", &p("policy.json"), "--json"]));
    assert_eq!(h["policy_hash_b64u"], hash_text.as_str());
    let v = json_out(&claw(&[
        "wpc",
        "verify",
        &p("policy.env.json"),
        "--signer",
        &signer,
        "--json",
    ]));
    assert_eq!(v["policy_hash_b64u"], hash_text.as_str());
    assert_eq!(v["signer_did"], signer.as_str());

    let t = json_out(&claw(&[
        "cst",
        "issue",
        "--key",
        &p("issuer.jwk"),
        "--sub",
        &signer,
        "--aud",
        "rt",
        "--scope",
        "tool:execute",
        "--policy-hash",
        &hash_text,
        "--mission",
        "job-1",
        "--json",
    ]));
    let token = t["token"].as_str().unwrap();
    assert_eq!(token.split('.').count(), 3, "{t}");
    let th = t["token_hash"].as_str().unwrap();
    assert!(
        th.len() == 64 && th.bytes().all(|b| b.is_ascii_hexdigit()),
        "{t}"
    );

    std::fs::write(p("openclaw.json"), "{ tools: { profile: 'minimal' } }").unwrap();
    let hash_text = text(&claw(&["openclaw", "hash", "--config", &p("openclaw.json")]).stdout);
    let o = json_out(&claw(&[
        "openclaw",
        "hash",
        "--config",
        &p("openclaw.json"),
        "--json",
    ]));
    assert_eq!(o["config_hash_b64u"], hash_text.trim());

    // A report on a bundle that does not verify: FAIL with the verifier's reason code, exit 3.
    std::fs::write(p("bundle.json"), "{}").unwrap();
    let o = claw(&[
        "bundle",
        "report",
        &p("bundle.json"),
        "--html",
        &p("r.html"),
        "--json",
    ]);
    assert_eq!(o.status.code(), Some(3), "{}", text(&o.stderr));
    let r: serde_json::Value = serde_json::from_str(&text(&o.stdout)).unwrap();
    assert_eq!(r["status"], "FAIL");
    assert!(r["reason_code"].as_str().is_some_and(|c| c != "OK"), "{r}");
    assert_eq!(r["html"], p("r.html"));
    assert!(std::fs::metadata(p("r.html")).is_ok());
}

/// `claw openclaw audit --summary`: one finding per rule and agent naming every tool, the same
/// tools and severities as the full report, the same exit code.
#[test]
fn openclaw_audit_summary_folds_per_tool_findings() {
    let dir = tempfile::tempdir().unwrap();
    let p = |name: &str| dir.path().join(name).to_str().unwrap().to_string();
    let data = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../claw-core/tests/data/openclaw"
    );
    let signer = json_out(&claw(&["keygen", "--out", &p("signer"), "--json"]))["did"]
        .as_str()
        .unwrap()
        .to_string();
    let mut doc: serde_json::Value = serde_json::from_slice(
        &std::fs::read(format!("{data}/wpc/coding-job.authoring.json")).unwrap(),
    )
    .unwrap();
    doc["issuer_did"] = signer.clone().into();
    std::fs::write(p("authoring.json"), doc.to_string()).unwrap();
    let compiled = claw(&["wpc", "compile", &p("authoring.json")]);
    std::fs::write(p("policy.json"), &compiled.stdout).unwrap();
    let signed = claw(&["wpc", "sign", &p("policy.json"), "--key", &p("signer.jwk")]);
    std::fs::write(p("wpc.json"), &signed.stdout).unwrap();
    // A config that lets the agent call every core tool: many per-tool criticals.
    std::fs::write(p("openclaw.json"), "{ tools: { profile: 'full' } }").unwrap();
    let (cfg, wpc) = (p("openclaw.json"), p("wpc.json"));
    let audit = |extra: &[&str]| {
        let mut all = vec![
            "openclaw", "audit", "--config", &cfg, "--wpc", &wpc, "--signer", &signer, "--json",
        ];
        all.extend_from_slice(extra);
        let o = claw(&all);
        assert_eq!(o.status.code(), Some(6), "{}", text(&o.stderr));
        let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
        v["findings"].as_array().unwrap().clone()
    };
    let full = audit(&[]);
    let summary = audit(&["--summary"]);
    let per_tool = |fs: &[serde_json::Value], check: &str| {
        fs.iter()
            .filter(|f| f["checkId"] == check)
            .cloned()
            .collect::<Vec<_>>()
    };
    let mut folded_rules = 0;
    for check in ["claw.wpc.tool_denied", "claw.wpc.tool_not_allowed"] {
        let many = per_tool(&full, check);
        let one = per_tool(&summary, check);
        if many.len() < 2 {
            continue;
        }
        folded_rules += 1;
        assert_eq!(one.len(), 1, "{check}: {one:?}");
        assert_eq!(one[0]["severity"], many[0]["severity"]);
        let title = one[0]["title"].as_str().unwrap();
        assert!(
            title.contains(&format!("can call {} tools", many.len())),
            "{title}"
        );
        for f in &many {
            // Every tool named by the full report is named by the summary's finding.
            let t = f["title"].as_str().unwrap();
            let tool = t.split('"').nth(3).unwrap();
            assert!(title.contains(tool), "{tool} missing from {title}");
            assert!(one[0]["remediation"]
                .as_str()
                .unwrap()
                .contains(&format!("\"{tool}\"")));
        }
    }
    assert!(
        folded_rules >= 1,
        "the fixture produced no rule with several tools: {full:?}"
    );
    assert!(summary.len() < full.len());
    // Findings that are not about one tool are the same in both.
    let others = |fs: &[serde_json::Value]| {
        fs.iter()
            .filter(|f| !f["checkId"].as_str().unwrap().starts_with("claw.wpc.tool_"))
            .cloned()
            .collect::<Vec<_>>()
    };
    assert_eq!(others(&full), others(&summary));
}
