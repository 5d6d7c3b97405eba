//! `claw cst verify --state` and `claw cst revoke --state` against a real redis-server.
//! The `claw` binary is `$CLAW_BIN`, or the one next to this test in the target directory
//! (scripts/test-redis.sh builds it first).

use claw_store::testing::RedisServer;
use std::path::PathBuf;
use std::process::{Command, Output};

fn claw_bin() -> PathBuf {
    if let Ok(p) = std::env::var("CLAW_BIN") {
        return PathBuf::from(p);
    }
    let exe = std::env::current_exe().unwrap();
    let p = exe.parent().unwrap().parent().unwrap().join("claw");
    assert!(
        p.exists(),
        "{} missing: cargo build -p claw-cli first",
        p.display()
    );
    p
}

fn claw(args: &[&str]) -> Output {
    Command::new(claw_bin()).args(args).output().unwrap()
}

fn ok(o: &Output) -> String {
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    String::from_utf8(o.stdout.clone()).unwrap()
}

fn fails(o: &Output, code: i32, reason: &str) {
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(code), "{err}");
    assert!(err.starts_with(&format!("claw: {reason}: ")), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
}

#[test]
fn verify_consumes_the_jti_and_revoke_reaches_the_next_verify() {
    let s = RedisServer::start().unwrap();
    let url = s.url();
    let dir = tempdir();
    let prefix = dir.join("issuer");
    let did = ok(&claw(&["keygen", "--out", prefix.to_str().unwrap()]));
    let did = did.trim();
    assert!(did.starts_with("did:key:"), "{did}");
    let key = dir.join("issuer.jwk");
    let issue = |mission: &str| {
        ok(&claw(&[
            "cst",
            "issue",
            "--key",
            key.to_str().unwrap(),
            "--sub",
            "did:key:z6MkAgent",
            "--aud",
            "gw",
            "--scope",
            "tool:run",
            "--mission",
            mission,
        ]))
        .trim()
        .to_string()
    };
    let verify = |t: &str, mission: &str, state: &str| {
        claw(&[
            "cst",
            "verify",
            t,
            "--issuer",
            did,
            "--aud",
            "gw",
            "--scope",
            "tool:run",
            "--mission",
            mission,
            "--state",
            state,
        ])
    };
    let t = issue("job-1");
    ok(&verify(&t, "job-1", &url));
    // One-time use: a second process refuses it.
    fails(&verify(&t, "job-1", &url), 3, "TOKEN_REPLAYED");
    // Without --state the in-memory default is unchanged (no replay across processes).
    ok(&claw(&[
        "cst",
        "verify",
        &t,
        "--issuer",
        did,
        "--aud",
        "gw",
        "--mission",
        "job-1",
    ]));
    // Revocation by jti, by token, by kid: the next verify refuses.
    let t2 = issue("job-2");
    let claims = ok(&claw(&[
        "cst",
        "verify",
        &t2,
        "--issuer",
        did,
        "--aud",
        "gw",
        "--mission",
        "job-2",
    ]));
    let jti = claims
        .split("\"jti\": \"")
        .nth(1)
        .and_then(|r| r.split('"').next())
        .unwrap()
        .to_string();
    ok(&claw(&["cst", "revoke", "--jti", &jti, "--state", &url]));
    fails(&verify(&t2, "job-2", &url), 3, "TOKEN_REVOKED");
    let t3 = issue("job-3");
    ok(&claw(&["cst", "revoke", "--token", &t3, "--state", &url]));
    fails(&verify(&t3, "job-3", &url), 3, "TOKEN_REVOKED");
    let t4 = issue("job-4");
    ok(&claw(&["cst", "revoke", "--key", did, "--state", &url]));
    fails(&verify(&t4, "job-4", &url), 3, "TOKEN_REVOKED");
    // Store unreachable: refused, never accepted.
    let dead = "redis://127.0.0.1:1";
    fails(
        &verify(&issue("job-5"), "job-5", dead),
        3,
        "STATE_STORE_UNAVAILABLE",
    );
    fails(
        &claw(&["cst", "revoke", "--jti", "x", "--state", dead]),
        1,
        "STATE_STORE_UNAVAILABLE",
    );
    // Bad input.
    fails(
        &claw(&["cst", "revoke", "--state", &url]),
        2,
        "STATE_REQUEST_INVALID",
    );
    fails(
        &verify(&t, "job-1", "http://nope"),
        2,
        "STATE_REQUEST_INVALID",
    );
    let long = "x".repeat(5000);
    fails(
        &claw(&["cst", "revoke", "--jti", &long, "--state", &url]),
        2,
        "STATE_REQUEST_INVALID",
    );
    let _ = std::fs::remove_dir_all(&dir);
}

fn tempdir() -> PathBuf {
    let d = std::env::temp_dir().join(format!("claw-store-cli-{}", std::process::id()));
    std::fs::create_dir_all(&d).unwrap();
    d
}
