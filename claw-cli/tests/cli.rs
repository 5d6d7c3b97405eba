//! The `claw` binary from the outside: exit codes, one-line errors, files it writes.
#![allow(clippy::disallowed_methods)] // tests may read JSON with serde_json (clippy.toml)
use std::path::Path;
use std::process::{Command, Output};

fn claw(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_claw"))
        .args(args)
        .output()
        .expect("run claw")
}

fn claw_stdin(args: &[&str], stdin: &[u8]) -> Output {
    use std::io::Write;
    let mut child = Command::new(env!("CARGO_BIN_EXE_claw"))
        .args(args)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(stdin).unwrap();
    child.wait_with_output().unwrap()
}

fn stdout(o: &Output) -> String {
    String::from_utf8(o.stdout.clone()).unwrap()
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

#[test]
fn keygen_writes_private_key_0600_and_prints_did() {
    let dir = tempfile::tempdir().unwrap();
    let prefix = dir.path().join("k");
    let o = claw(&["keygen", "--out", prefix.to_str().unwrap()]);
    assert!(o.status.success());
    let did = stdout(&o);
    assert!(did.starts_with("did:key:z6Mk") && did.ends_with('\n'));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(dir.path().join("k.jwk"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    let public = std::fs::read_to_string(dir.path().join("k.pub.jwk")).unwrap();
    assert!(!public.contains("\"d\""));
    let key = claw_core::keys::VerifyingKey::from_jwk(&public).unwrap();
    assert_eq!(format!("{}\n", key.did()), did);
}

#[test]
fn jcs_prints_canonical_bytes_without_newline() {
    let o = claw_stdin(&["jcs"], br#"{"b": 1, "a": [1.0, 2e1, "\u20ac"]}"#);
    assert!(o.status.success());
    assert_eq!(o.stdout, "{\"a\":[1,20,\"€\"],\"b\":1}".as_bytes());
    let o = claw_stdin(&["jcs", "-"], br#"{"a":1,"a":2}"#);
    assert_one_line_error(&o, 2, "JSON_DUPLICATE_KEY");
    let o = claw(&["jcs", "/nonexistent/file.json"]);
    assert_one_line_error(&o, 1, "IO_ERROR");
}

#[test]
fn jcs_matches_the_cyberphone_outputs() {
    // $CLAW_SHARED_DIR, else the first `shared/` (or `../shared/`) above the crate, so the
    // test also finds it from a git worktree.
    let shared = match std::env::var("CLAW_SHARED_DIR") {
        Ok(d) => Path::new(&d).join("vectors/jcs"),
        Err(_) => Path::new(env!("CARGO_MANIFEST_DIR"))
            .canonicalize()
            .unwrap()
            .ancestors()
            .flat_map(|a| [a.join("shared"), a.join("../shared")])
            .map(|d| d.join("vectors/jcs"))
            .find(|d| d.is_dir())
            .expect("shared/vectors/jcs not found: set CLAW_SHARED_DIR"),
    };
    for name in [
        "arrays",
        "french",
        "structures",
        "unicode",
        "values",
        "weird",
    ] {
        let input = shared.join(format!("input/{name}.json"));
        let o = claw(&["jcs", input.to_str().unwrap()]);
        assert!(o.status.success(), "{name}");
        assert_eq!(
            o.stdout,
            std::fs::read(shared.join(format!("output/{name}.json"))).unwrap(),
            "{name}"
        );
    }
}

#[test]
fn cst_issue_and_verify_with_exit_codes() {
    let dir = tempfile::tempdir().unwrap();
    let prefix = dir.path().join("issuer");
    let did = stdout(&claw(&["keygen", "--out", prefix.to_str().unwrap()]))
        .trim()
        .to_string();
    let key = format!("{}.jwk", prefix.display());
    let public = format!("{}.pub.jwk", prefix.display());
    let hash = "mK1g_juiUE4SnMxLuqPiQCLFI5nZKqiP7CVEUSKk87o";
    let o = claw(&[
        "cst",
        "issue",
        "--key",
        &key,
        "--sub",
        "did:key:z6MkAgent",
        "--aud",
        "gateway",
        "--scope",
        "tool:execute",
        "--policy-hash",
        hash,
        "--mission",
        "job-1",
        "--ttl",
        "300",
        "--now",
        "1800000000",
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let token = stdout(&o).trim().to_string();
    let base = [
        "cst",
        "verify",
        token.as_str(),
        "--aud",
        "gateway",
        "--now",
        "1800000010",
    ];

    let ok = claw(
        &[
            &base[..],
            &[
                "--issuer",
                &public,
                "--mission",
                "job-1",
                "--policy-hash",
                hash,
                "--scope",
                "tool:execute",
            ],
        ]
        .concat(),
    );
    assert!(
        ok.status.success(),
        "{}",
        String::from_utf8_lossy(&ok.stderr)
    );
    let claims: serde_json::Value = serde_json::from_slice(&ok.stdout).unwrap();
    assert_eq!(claims["mission_id"], "job-1");
    assert_eq!(claims["policy_hash_b64u"], hash);

    // Same token through a did:key issuer.
    assert!(claw(
        &[
            &base[..],
            &[
                "--issuer",
                &did,
                "--mission",
                "job-1",
                "--policy-hash",
                hash
            ]
        ]
        .concat()
    )
    .status
    .success());

    let cases: [(&[&str], &str); 5] = [
        (
            &[
                "--issuer",
                &public,
                "--mission",
                "job-2",
                "--policy-hash",
                hash,
            ],
            "TOKEN_MISSION_MISMATCH",
        ),
        (
            &[
                "--issuer",
                &public,
                "--mission",
                "job-1",
                "--policy-hash",
                "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
            ],
            "POLICY_HASH_MISMATCH",
        ),
        (
            &[
                "--issuer",
                &public,
                "--mission",
                "job-1",
                "--policy-hash",
                hash,
                "--scope",
                "shell:exec",
            ],
            "TOKEN_INSUFFICIENT_SCOPE",
        ),
        (
            &[
                "--issuer",
                "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK",
                "--policy-hash",
                hash,
            ],
            "TOKEN_UNKNOWN_KID",
        ),
        (
            &[
                "--issuer",
                &public,
                "--policy-hash",
                hash,
                "--max-ttl",
                "60",
            ],
            "TOKEN_TTL_EXCEEDS_POLICY",
        ),
    ];
    for (extra, reason) in cases {
        assert_one_line_error(&claw(&[&base[..], extra].concat()), 3, reason);
    }
    // @FILE and the argument form follow one rule: the file's one final line ending is
    // removed (as `claw cst issue > FILE` writes it), nothing else is trimmed.
    let at = |content: &str| {
        let f = dir.path().join("token.jws");
        std::fs::write(&f, content).unwrap();
        let arg = format!("@{}", f.display());
        claw(&[
            "cst",
            "verify",
            &arg,
            "--aud",
            "gateway",
            "--now",
            "1800000010",
            "--issuer",
            &public,
            "--policy-hash",
            hash,
            "--mission",
            "job-1",
        ])
    };
    for ending in ["", "\n", "\r\n"] {
        let o = at(&format!("{token}{ending}"));
        assert!(
            o.status.success(),
            "{ending:?}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
    }
    let spaced = format!(" {token} ");
    let by_arg = claw(&[
        "cst",
        "verify",
        &spaced,
        "--aud",
        "gateway",
        "--now",
        "1800000010",
        "--issuer",
        &public,
        "--policy-hash",
        hash,
        "--mission",
        "job-1",
    ]);
    assert!(!by_arg.status.success());
    let by_file = at(&format!("{spaced}\n"));
    assert_eq!(by_file.status.code(), by_arg.status.code());
    assert_eq!(
        String::from_utf8_lossy(&by_file.stderr).split(':').nth(1),
        String::from_utf8_lossy(&by_arg.stderr).split(':').nth(1)
    );
    // Expired: verify far in the future.
    let late = claw(&[
        "cst",
        "verify",
        &token,
        "--aud",
        "gateway",
        "--issuer",
        &public,
        "--policy-hash",
        hash,
        "--now",
        "1900000000",
    ]);
    assert_one_line_error(&late, 3, "TOKEN_EXPIRED");
    // Garbage token is bad input for the verifier, reported as a verification failure.
    assert_one_line_error(
        &claw(&["cst", "verify", "a.b", "--aud", "g", "--issuer", &public]),
        3,
        "TOKEN_MALFORMED",
    );
}

fn example(name: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../examples/policy")
        .join(name)
        .to_str()
        .unwrap()
        .to_string()
}

#[test]
fn wpc_compile_hash_sign_verify_check() {
    let dir = tempfile::tempdir().unwrap();
    let prefix = dir.path().join("signer");
    let did = stdout(&claw(&["keygen", "--out", prefix.to_str().unwrap()]))
        .trim()
        .to_string();
    let key = format!("{}.jwk", prefix.display());

    let compiled = claw(&["wpc", "compile", &example("invoice-triage.authoring.json")]);
    assert!(
        compiled.status.success(),
        "{}",
        String::from_utf8_lossy(&compiled.stderr)
    );
    // Deterministic: compiling twice gives the same bytes.
    assert_eq!(
        compiled.stdout,
        claw(&["wpc", "compile", &example("invoice-triage.authoring.json")]).stdout
    );
    let policy = dir.path().join("policy.json");
    std::fs::write(&policy, &compiled.stdout).unwrap();
    let policy = policy.to_str().unwrap();

    let hash = stdout(&claw(&["wpc", "hash", policy])).trim().to_string();
    assert_eq!(hash.len(), 43);
    // The hash is SHA-256 of the JCS bytes (computed here independently of the CLI).
    let v: serde_json::Value = serde_json::from_slice(&compiled.stdout).unwrap();
    let jcs = claw_core::json::canonicalize(&v).unwrap();
    assert_eq!(hash, claw_core::hash::sha256_b64u(jcs));

    let env = claw(&["wpc", "sign", policy, "--key", &key]);
    assert!(env.status.success());
    let env_path = dir.path().join("policy.env.json");
    std::fs::write(&env_path, &env.stdout).unwrap();
    let env_path = env_path.to_str().unwrap();
    assert_eq!(
        stdout(&claw(&[
            "wpc", "verify", env_path, "--signer", &did, "--hash", &hash
        ]))
        .trim(),
        hash
    );
    assert_eq!(stdout(&claw(&["wpc", "hash", env_path])).trim(), hash);
    assert_one_line_error(
        &claw(&[
            "wpc",
            "verify",
            env_path,
            "--signer",
            "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK",
        ]),
        3,
        "SIGNER_NOT_ALLOWED",
    );
    assert_one_line_error(
        &claw(&[
            "wpc",
            "verify",
            env_path,
            "--hash",
            "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
        ]),
        3,
        "HASH_MISMATCH",
    );
    let tampered = String::from_utf8(env.stdout.clone())
        .unwrap()
        .replace("send_external_email", "send_external_emails");
    let tampered_path = dir.path().join("tampered.json");
    std::fs::write(&tampered_path, tampered).unwrap();
    assert_one_line_error(
        &claw(&["wpc", "verify", tampered_path.to_str().unwrap()]),
        3,
        "HASH_MISMATCH",
    );

    // Decisions and their exit codes.
    let check = |tool: &str, extra: &[&str]| {
        let o = claw(
            &[
                &["wpc", "check", env_path, "--signer", &did, "--tool", tool][..],
                extra,
            ]
            .concat(),
        );
        let v: serde_json::Value =
            serde_json::from_slice(&o.stdout).unwrap_or(serde_json::Value::Null);
        (
            o.status.code().unwrap(),
            v["decision"].as_str().unwrap_or("").to_string(),
            v["reason_code"].as_str().unwrap_or("").to_string(),
            v["statement_id"].clone(),
        )
    };
    let internal = ["--context", "Data:Class=internal"];
    let (code, decision, reason, _) = check("read", &internal);
    assert_eq!(
        (code, decision.as_str(), reason.as_str()),
        (0, "allow", "POLICY_ALLOW")
    );
    let (code, decision, reason, sid) = check("shell_exec", &internal);
    assert_eq!(
        (code, decision.as_str(), reason.as_str()),
        (4, "deny", "POLICY_VIOLATION")
    );
    assert!(sid.as_str().unwrap().starts_with("deny-"));
    let (code, decision, _, _) = check("send_external_email", &internal);
    assert_eq!((code, decision.as_str()), (5, "approval_required"));
    let (code, decision, _, _) = check(
        "send_external_email",
        &[
            "--context",
            "Data:Class=internal",
            "--context",
            "Request:HasHumanApproval=true",
        ],
    );
    assert_eq!((code, decision.as_str()), (0, "allow"));
    let (code, _, reason, _) = check("unknown_tool", &internal);
    assert_eq!((code, reason.as_str()), (4, "POLICY_DEFAULT_DENY"));
    let (code, _, reason, _) = check("read", &[]);
    assert_eq!((code, reason.as_str()), (4, "POLICY_DATA_CLASS_MISSING"));
    // A bad --context is bad input, not a decision.
    assert_one_line_error(
        &claw(&[
            "wpc",
            "check",
            env_path,
            "--tool",
            "read",
            "--context",
            "novalue",
        ]),
        2,
        "INVALID_ARGUMENT",
    );
}

/// Identifiers minted by someone else (a jti, a kid, a mission id) are base64url or free
/// text and may begin with `-`: one random jti in 64 does. They are values, not flags.
#[test]
fn cst_identifier_arguments_may_begin_with_a_hyphen() {
    let dead = "redis://127.0.0.1:1";
    for (flag, value) in [
        ("--jti", "-RZ1f0Wc2aG3nQ"),
        ("--kid", "-k1"),
        ("--token", "-not.a.token"),
    ] {
        let o = claw(&["cst", "revoke", flag, value, "--state", dead]);
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(
            !err.contains("unexpected argument"),
            "{flag} {value}: {err}"
        );
        assert_ne!(o.status.code(), Some(0), "{flag} {value}: {err}");
    }
    let dir = tempfile::tempdir().unwrap();
    let prefix = dir.path().join("k");
    let did = stdout(&claw(&["keygen", "--out", prefix.to_str().unwrap()]));
    let key = format!("{}.jwk", prefix.display());
    let issued = claw(&[
        "cst",
        "issue",
        "--key",
        &key,
        "--sub",
        "did:key:z6MkAgent",
        "--aud",
        "gw",
        "--scope",
        "tool:run",
        "--mission",
        "-job-1",
    ]);
    assert!(
        issued.status.success(),
        "{}",
        String::from_utf8_lossy(&issued.stderr)
    );
    let token = stdout(&issued).trim().to_string();
    let verified = claw(&[
        "cst",
        "verify",
        &token,
        "--issuer",
        did.trim(),
        "--aud",
        "gw",
        "--mission",
        "-job-1",
    ]);
    assert!(
        verified.status.success(),
        "{}",
        String::from_utf8_lossy(&verified.stderr)
    );
}
