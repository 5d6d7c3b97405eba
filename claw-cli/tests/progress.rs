//! The progress line of `claw bundle verify` on stderr (README "Progress on stderr"): shown
//! past a threshold (`CLAW_PROGRESS_AFTER_MS`), plain lines when stderr is not a terminal, a
//! bar rewritten in place when it is (forced here with `CLAW_PROGRESS_STYLE=bar`), none with
//! `--quiet` or under `--json` without a terminal, and stdout the same in every case.
#![allow(clippy::disallowed_methods)] // tests may read JSON with serde_json (clippy.toml)

#[path = "../../claw-core/tests/evidence_util/mod.rs"]
mod evidence_util;

use std::path::Path;
use std::process::{Command, Output};

fn verify(bundle: &Path, extra: &[&str], env: &[(&str, &str)]) -> Output {
    let now = ((evidence_util::T0 + 86_400_000) / 1000).to_string();
    let did = evidence_util::gateway().did();
    let mut c = Command::new(env!("CARGO_BIN_EXE_claw"));
    c.args(["bundle", "verify"])
        .arg(bundle)
        .args(["--gateway", &did, "--now", &now])
        .args(extra)
        .env_remove("CLAW_PROGRESS_AFTER_MS")
        .env_remove("CLAW_PROGRESS_STYLE");
    for (k, v) in env {
        c.env(k, v);
    }
    c.output().expect("run claw")
}

fn text(b: &[u8]) -> String {
    String::from_utf8(b.to_vec()).unwrap()
}

#[test]
fn a_long_verification_shows_progress_on_stderr_only() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("big.json");
    let bundle = evidence_util::build(2000, 1);
    std::fs::write(&path, bundle.to_json().unwrap()).unwrap();
    let now0 = [("CLAW_PROGRESS_AFTER_MS", "0")];

    let quiet = verify(&path, &["--quiet"], &now0);
    assert_eq!(quiet.status.code(), Some(0), "{}", text(&quiet.stderr));
    assert_eq!(text(&quiet.stderr), "", "--quiet prints no progress");
    assert!(
        text(&quiet.stdout).contains("PASS"),
        "{}",
        text(&quiet.stdout)
    );

    // Plain lines (stderr is a pipe here), past a zero threshold.
    let lines = verify(&path, &[], &now0);
    assert_eq!(lines.status.code(), Some(0));
    assert_eq!(lines.stdout, quiet.stdout, "stdout unchanged by progress");
    let err = text(&lines.stderr);
    assert!(!err.is_empty(), "no progress line");
    for l in err.lines() {
        assert!(
            l.starts_with("claw: verifying: ") && !l.contains('\r'),
            "not a plain progress line: {l:?}"
        );
        let step = l["claw: verifying: ".len()..].split(' ').next().unwrap();
        assert!(
            ["read", "parse", "schema", "signatures"].contains(&step),
            "{l:?}"
        );
    }

    // Under the threshold: nothing.
    let fast = verify(&path, &[], &[("CLAW_PROGRESS_AFTER_MS", "600000")]);
    assert_eq!(text(&fast.stderr), "");
    assert_eq!(fast.stdout, quiet.stdout);

    // --json with stderr not a terminal: no progress; the JSON is the same as with --quiet.
    let json = verify(&path, &["--json"], &now0);
    let json_quiet = verify(&path, &["--json", "--quiet"], &now0);
    assert_eq!(text(&json.stderr), "");
    assert_eq!(json.stdout, json_quiet.stdout);
    let v: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(v["status"], "PASS", "{v}");

    // The terminal style: one line rewritten with \r and erased at the end, no newline.
    let bar = verify(&path, &[], &[now0[0], ("CLAW_PROGRESS_STYLE", "bar")]);
    assert_eq!(bar.stdout, quiet.stdout);
    let err = text(&bar.stderr);
    assert!(err.starts_with("\r\x1b[Kclaw: verifying: "), "{err:?}");
    assert!(err.ends_with("\r\x1b[K"), "{err:?}");
    assert!(!err.contains('\n'), "{err:?}");
    // --json does not silence the terminal bar (it never touches stdout).
    let bar_json = verify(
        &path,
        &["--json"],
        &[now0[0], ("CLAW_PROGRESS_STYLE", "bar")],
    );
    assert!(text(&bar_json.stderr).contains("claw: verifying: "));
    assert_eq!(bar_json.stdout, json_quiet.stdout);
}
