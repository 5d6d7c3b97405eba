//! The per-request log line (`claw-gateway/src/main.rs`, `proxy::handle`): every request's
//! line reaches stderr as a line of its own (one JSON object with `--log-format json`), up to
//! the last request before the gateway stops on SIGTERM. (A writer thread for these lines
//! was measured and not kept: BENCHMARKS.md "Gateway"; this test guards any such change.)
#![allow(clippy::disallowed_methods)] // tests may read JSON with serde_json (clippy.toml)

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::process::{Child, Command, Stdio};

use claw_core::keys::SigningKey;

/// A `claw-gateway` process; killed (and reaped) on drop, also when the test fails.
struct Gateway(Child);

impl Drop for Gateway {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn get(addr: SocketAddr, path: &str) -> String {
    let mut s = TcpStream::connect(addr).unwrap();
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: gw\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut out = String::new();
    s.read_to_string(&mut out).unwrap();
    out
}

#[test]
fn every_request_line_is_written_up_to_shutdown() {
    let t = tempfile::tempdir().unwrap();
    let dir = t.path();
    std::fs::write(dir.join("gw.jwk"), SigningKey::from_seed(&[1; 32]).to_jwk()).unwrap();
    std::fs::write(
        dir.join("issuer.jwk"),
        SigningKey::from_seed(&[2; 32]).verifying_key().to_jwk(),
    )
    .unwrap();
    let err = std::fs::File::create(dir.join("gw.err")).unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_claw-gateway"))
        .args(["--listen", "127.0.0.1:0", "--audience", "claw-gateway"])
        .arg("--signing-key")
        .arg(dir.join("gw.jwk"))
        .arg("--cst-issuer")
        .arg(dir.join("issuer.jwk"))
        .args([
            "--upstream",
            "openai=http://127.0.0.1:9",
            "--log-format",
            "json",
        ])
        .env("CLAW_GATEWAY_LOG", "info")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(err)
        .spawn()
        .unwrap();
    let mut out = BufReader::new(child.stdout.take().unwrap());
    let gw = Gateway(child);
    let mut line = String::new();
    out.read_line(&mut line).unwrap();
    let addr: SocketAddr = line
        .trim()
        .strip_prefix("listening on http://")
        .unwrap_or_else(|| panic!("unexpected first line {line:?}"))
        .parse()
        .unwrap();
    const N: usize = 300;
    for i in 0..N {
        let path = if i % 2 == 0 { "/health" } else { "/v1/did" };
        let r = get(addr, path);
        assert!(r.starts_with("HTTP/1.1 200"), "{r}");
    }
    // One refused request: its line carries the reason code.
    assert!(get(addr, "/nope").starts_with("HTTP/1.1 404"));
    let st = Command::new("kill")
        .args(["-TERM", &gw.0.id().to_string()])
        .status()
        .unwrap();
    assert!(st.success());
    let mut gw = gw;
    let status = gw.0.wait().unwrap();
    assert!(status.success(), "{status:?}");
    let log = std::fs::read_to_string(dir.join("gw.err")).unwrap();
    // Whole lines: each one is a JSON object.
    let lines: Vec<serde_json::Value> = log
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l:?}")))
        .collect();
    let count = |path: &str, status: u64| {
        lines
            .iter()
            .filter(|l| l["fields"]["path"] == path && l["fields"]["status"] == status)
            .count()
    };
    assert_eq!(count("/health", 200), N / 2, "{log}");
    assert_eq!(count("/v1/did", 200), N / 2, "{log}");
    assert_eq!(count("/nope", 404), 1, "{log}");
    assert!(
        lines
            .iter()
            .any(|l| l["fields"]["path"] == "/nope" && l["fields"]["reason_code"] == "NOT_FOUND"),
        "{log}"
    );
}
