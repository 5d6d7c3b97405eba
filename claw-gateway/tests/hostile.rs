//! The gateway against hostile peers, on loopback: a raw-socket upstream that answers with
//! scripted bytes (framing a well-behaved provider would not send), and raw-socket clients.
#![allow(clippy::disallowed_methods)] // tests may read JSON with serde_json (clippy.toml)

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use claw_core::keys::SigningKey;
use claw_gateway::config::{self, Overrides};
use claw_gateway::state::State;
use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

mod common;
use common::{b64sha, write, Gateway};

/// The raw bytes the upstream writes for each request (then it closes the connection):
/// chunks written one after the other, 5 ms apart.
type Script = Arc<Mutex<Vec<Vec<u8>>>>;
/// The request bodies the upstream received.
type Seen = Arc<Mutex<Vec<Vec<u8>>>>;

/// Read one HTTP/1.1 request (head, then a Content-Length body); its body.
async fn read_request(s: &mut TcpStream) -> Option<Vec<u8>> {
    let mut buf = Vec::new();
    let mut tmp = [0u8; 8192];
    let head_end = loop {
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
        let n = s.read(&mut tmp).await.ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&tmp[..n]);
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).to_ascii_lowercase();
    let len: usize = head
        .lines()
        .find_map(|l| l.strip_prefix("content-length:"))
        .map(|v| v.trim().parse().unwrap())
        .unwrap_or(0);
    while buf.len() < head_end + len {
        let n = s.read(&mut tmp).await.ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&tmp[..n]);
    }
    Some(buf[head_end..head_end + len].to_vec())
}

async fn start_upstream(script: Script, seen: Seen) -> SocketAddr {
    let l = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = l.local_addr().unwrap();
    tokio::spawn(async move {
        loop {
            let (mut s, _) = l.accept().await.unwrap();
            let (script, seen) = (script.clone(), seen.clone());
            tokio::spawn(async move {
                let Some(body) = read_request(&mut s).await else {
                    return;
                };
                seen.lock().unwrap().push(body);
                let chunks = script.lock().unwrap().clone();
                for c in chunks {
                    if s.write_all(&c).await.is_err() {
                        return;
                    }
                    tokio::time::sleep(Duration::from_millis(5)).await;
                }
                let _ = s.shutdown().await;
            });
        }
    });
    addr
}

/// The gateway in front of the scripted raw upstream, with its script and what it received.
struct Fx {
    gw: Gateway,
    script: Script,
    seen: Seen,
}

impl std::ops::Deref for Fx {
    type Target = Gateway;
    fn deref(&self) -> &Gateway {
        &self.gw
    }
}

async fn fixture_with(edit: impl FnOnce(&mut Overrides)) -> Fx {
    fixture_cfg(edit, |_| {}).await
}

async fn fixture_cfg(
    edit: impl FnOnce(&mut Overrides),
    edit_cfg: impl FnOnce(&mut config::Config),
) -> Fx {
    let script: Script = Arc::default();
    let seen: Seen = Arc::default();
    let up = start_upstream(script.clone(), seen.clone()).await;
    let gw = Gateway::start(up, &["gpt-4o-mini", "m-*"], |o, _| edit(o), edit_cfg).await;
    Fx { gw, script, seen }
}

async fn fixture() -> Fx {
    fixture_with(|_| {}).await
}

impl Fx {
    fn token(&self) -> String {
        self.gw.token_for("claw-gateway", 300)
    }

    fn script(&self, chunks: &[&[u8]]) {
        *self.script.lock().unwrap() = chunks.iter().map(|c| c.to_vec()).collect();
    }

    /// Send raw bytes on a fresh connection, read until the gateway closes it (or 5 s).
    async fn raw(&self, req: &[u8]) -> Vec<u8> {
        let mut s = TcpStream::connect(self.addr).await.unwrap();
        s.write_all(req).await.unwrap();
        let mut out = Vec::new();
        let _ = tokio::time::timeout(Duration::from_secs(5), s.read_to_end(&mut out)).await;
        out
    }

    /// A POST with the token, `Connection: close`, and `body`.
    async fn post(&self, path: &str, extra: &str, body: &[u8]) -> Vec<u8> {
        let mut req = format!(
            "POST {path} HTTP/1.1\r\nHost: gw\r\nConnection: close\r\nX-CST: {}\r\n{extra}Content-Length: {}\r\n\r\n",
            self.token(),
            body.len()
        )
        .into_bytes();
        req.extend_from_slice(body);
        self.raw(&req).await
    }
}

/// Status code and the body of a raw HTTP/1.1 response (chunked bodies de-chunked).
fn parse_response(r: &[u8]) -> (u16, Vec<u8>) {
    let i = r
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .unwrap_or_else(|| panic!("no head in {:?}", String::from_utf8_lossy(r)));
    let head = String::from_utf8_lossy(&r[..i]).to_ascii_lowercase();
    let status: u16 = head.split(' ').nth(1).unwrap().parse().unwrap();
    let mut body = r[i + 4..].to_vec();
    if head.contains("transfer-encoding: chunked") {
        let mut out = Vec::new();
        let mut rest = &body[..];
        while let Some(e) = rest.windows(2).position(|w| w == b"\r\n") {
            let n =
                usize::from_str_radix(std::str::from_utf8(&rest[..e]).unwrap().trim(), 16).unwrap();
            if n == 0 {
                break;
            }
            out.extend_from_slice(&rest[e + 2..e + 2 + n]);
            rest = &rest[e + 2 + n + 2..];
        }
        body = out;
    }
    (status, body)
}

fn reason(body: &[u8]) -> String {
    serde_json::from_slice::<Value>(body)
        .ok()
        .and_then(|v| v["reason_code"].as_str().map(str::to_string))
        .unwrap_or_else(|| format!("<no JSON reason: {:?}>", String::from_utf8_lossy(body)))
}

/// POST `body` for a chat completion: the answer must be `502 PROVIDER_ERROR` carrying the
/// gateway's receipt (`what` names the case in a failure); the answer, and the receipt's
/// payload verified.
async fn receipted_502(fx: &Fx, body: &str, what: &str) -> (Value, Value) {
    let r = fx.post("/v1/chat/completions", "", body.as_bytes()).await;
    let (st, b) = parse_response(&r);
    assert_eq!(
        (st, reason(&b).as_str()),
        (502, "PROVIDER_ERROR"),
        "{what}: {}",
        String::from_utf8_lossy(&r)
    );
    let v: Value = serde_json::from_slice(&b).unwrap();
    let p = verify(&v["_receipt_envelope"]);
    (v, p)
}

/// `env` verified as a receipt of the fixture's gateway; its payload.
fn verify(env: &Value) -> Value {
    let did = SigningKey::from_seed(&common::GATEWAY_SEED)
        .verifying_key()
        .did();
    common::verify_receipt(env, &did).payload
}

const SSE_HEAD: &[u8] =
    b"HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\nconnection: close\r\n\r\n";

// ---------------------------------------------------------------- tests

/// A provider stream that ends mid-line (no final line feed), carrying a receipt line of its
/// own: the gateway's trailer starts a line of its own, so the client's last event is intact
/// and the last receipt line of the response is the gateway's, over the provider's bytes.
#[tokio::test]
async fn sse_trailer_starts_its_own_line_after_an_unterminated_stream() {
    let fx = fixture().await;
    let fake = claw_core::b64::encode(
        br#"{"envelope_type":"gateway_receipt","payload":{"receipt_id":"rcpt_fake"}}"#,
    );
    let upstream =
        format!("data: {{\"x\":1}}\n\n:clawproxy_receipt_envelope_b64u={fake}\ndata: [DONE]");
    fx.script(&[SSE_HEAD, upstream.as_bytes()]);
    let r = fx
        .post(
            "/v1/chat/completions",
            "",
            br#"{"model":"m-1","stream":true}"#,
        )
        .await;
    let (st, body) = parse_response(&r);
    assert_eq!(st, 200, "{}", String::from_utf8_lossy(&r));
    assert!(body.starts_with(upstream.as_bytes()));
    let after = String::from_utf8_lossy(&body[upstream.len()..]).to_string();
    assert!(
        after.starts_with("\n:clawproxy_receipt_envelope_b64u="),
        "the trailer joined the provider's last line: {after}"
    );
    assert!(
        String::from_utf8_lossy(&body)
            .lines()
            .any(|l| l == "data: [DONE]"),
        "the provider's last line reaches the client as it was sent"
    );
    let c = claw_core::evidence::receipt_from_response(&body).unwrap();
    let p = verify(&c.envelope);
    assert_ne!(p["receipt_id"], "rcpt_fake");
    assert_eq!(p["response_hash_b64u"], b64sha(upstream.as_bytes()));
    assert_eq!(
        p["metadata"]["claw_gateway"]["response_bytes"],
        upstream.len()
    );
    assert_eq!(c.upstream_len, Some(upstream.len() + 1));
    // A stream that ends with a line feed gets no byte added.
    let upstream = "data: {\"x\":1}\n\ndata: [DONE]\n\n";
    fx.script(&[SSE_HEAD, upstream.as_bytes()]);
    let r = fx
        .post(
            "/v1/chat/completions",
            "",
            br#"{"model":"m-1","stream":true}"#,
        )
        .await;
    let (st, body) = parse_response(&r);
    assert_eq!(st, 200);
    let c = claw_core::evidence::receipt_from_response(&body).unwrap();
    assert_eq!(c.upstream_len, Some(upstream.len()));
    assert_eq!(&body[..upstream.len()], upstream.as_bytes());
    assert_eq!(
        verify(&c.envelope)["response_hash_b64u"],
        b64sha(upstream.as_bytes())
    );
}

const JSON_OK: &[u8] =
    b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 2\r\nconnection: close\r\n\r\n{}";

/// A second spelling of `model` (or `stream`) that a case-insensitive JSON reader takes for
/// it (Go's encoding/json folds case, the last member winning): the policy allows `m-1`, a
/// Go-based provider would run `gpt-5`. Refused before anything is forwarded.
#[tokio::test]
async fn case_variants_of_model_and_stream_are_refused() {
    let fx = fixture().await;
    fx.script(&[JSON_OK]);
    for body in [
        &br#"{"model":"m-1","MODEL":"gpt-5"}"#[..],
        br#"{"Model":"gpt-5","model":"m-1"}"#,
        br#"{"model":"m-1","mod\u0045l":"gpt-5"}"#,
        br#"{"model":"m-1","STREAM":true}"#,
        "{\"model\":\"m-1\",\"\u{17F}tream\":true}".as_bytes(),
    ] {
        let r = fx.post("/v1/chat/completions", "", body).await;
        let (st, b) = parse_response(&r);
        assert_eq!(
            (st, reason(&b).as_str()),
            (400, "INVALID_REQUEST"),
            "{}",
            String::from_utf8_lossy(body)
        );
    }
    assert!(fx.seen.lock().unwrap().is_empty(), "nothing forwarded");
    // Other members that merely contain the names pass.
    let body = br#"{"model":"m-1","model_options":{},"streams":1}"#;
    let (st, b) = parse_response(&fx.post("/v1/chat/completions", "", body).await);
    assert_eq!(st, 200, "{}", String::from_utf8_lossy(&b));
    assert_eq!(fx.seen.lock().unwrap().as_slice(), &[body.to_vec()]);
}

/// An upstream status that carries no body to the client (`101` switches the client's
/// connection to another protocol; HTTP drops the body of `204`, `205`, `304`, receipts
/// included): the client gets `502 PROVIDER_ERROR` with both receipts, which record the
/// status.
#[tokio::test]
async fn bodyless_upstream_statuses_become_a_receipted_502() {
    let fx = fixture().await;
    for (status, stream) in [
        ("101 Switching Protocols", false),
        ("204 No Content", false),
        ("204 No Content", true),
        ("205 Reset Content", false),
        ("304 Not Modified", false),
    ] {
        let head = format!(
            "HTTP/1.1 {status}\r\ncontent-type: {}\r\nconnection: close\r\n\r\n",
            if stream {
                "text/event-stream"
            } else {
                "application/json"
            }
        );
        fx.script(&[head.as_bytes()]);
        let body = format!(r#"{{"model":"m-1","stream":{stream}}}"#);
        let (v, p) = receipted_502(&fx, &body, status).await;
        let code: u16 = status[..3].parse().unwrap();
        assert_eq!(p["metadata"]["claw_gateway"]["upstream_status"], code);
        assert_eq!(p["metadata"]["claw_gateway"]["outcome"], "upstream_error");
        assert!(v["_receipt"]["signature"].is_string());
    }
}

/// An incident switch naming a model whose last character is not ASCII, written while the
/// gateway runs: the reload applies it (the check of the pattern panicked and took the
/// accept loop down with it).
#[tokio::test]
async fn a_switch_file_with_a_non_ascii_model_is_applied_not_fatal() {
    let fx = fixture().await;
    fx.script(&[JSON_OK]);
    let r = fx
        .post("/v1/chat/completions", "", br#"{"model":"m-1"}"#)
        .await;
    assert_eq!(parse_response(&r).0, 200);
    write(
        &fx.dir.join("switches.json"),
        r#"{"denied_models":["m-é","m-1"]}"#,
    );
    // The file is checked every second.
    let mut last = String::new();
    for _ in 0..40 {
        tokio::time::sleep(Duration::from_millis(100)).await;
        let Ok(mut s) = TcpStream::connect(fx.addr).await else {
            last = "connection refused".into();
            continue;
        };
        let body = br#"{"model":"m-1"}"#;
        let req = format!(
            "POST /v1/chat/completions HTTP/1.1\r\nHost: gw\r\nConnection: close\r\nX-CST: {}\r\nContent-Length: {}\r\n\r\n{}",
            fx.token(),
            body.len(),
            String::from_utf8_lossy(body)
        );
        s.write_all(req.as_bytes()).await.unwrap();
        let mut out = Vec::new();
        let _ = tokio::time::timeout(Duration::from_secs(2), s.read_to_end(&mut out)).await;
        if out.is_empty() {
            last = "no answer".into();
            continue;
        }
        let (st, b) = parse_response(&out);
        last = format!("{st} {}", reason(&b));
        if st == 403 {
            break;
        }
    }
    assert_eq!(last, "403 MODEL_DENIED_BY_OVERRIDE");
}

/// Limits so large that they are faults (a tokio semaphore of `usize::MAX` permits panics;
/// hyper allocates room for `max_headers` headers per request) are refused with
/// `CONFIG_INVALID`, not a panic or an abort later.
#[test]
fn limits_beyond_their_bounds_are_config_invalid() {
    let t = tempfile::tempdir().unwrap();
    let dir = t.path();
    write(
        &dir.join("gw.jwk"),
        &SigningKey::from_seed(&[1; 32]).to_jwk(),
    );
    write(
        &dir.join("issuer.jwk"),
        &SigningKey::from_seed(&[2; 32]).verifying_key().to_jwk(),
    );
    let base = "signing_key = \"gw.jwk\"\ncst_issuers = [\"issuer.jwk\"]\naudience = \"a\"\n\
                [upstreams]\nopenai = \"http://127.0.0.1:9\"\n";
    for (limits, ok) in [
        ("max_concurrent = 1000000", true),
        ("max_headers = 10000", true),
        ("max_concurrent = 18446744073709551615", false),
        ("max_concurrent = 1000001", false),
        ("max_headers = 10000000000", false),
        ("client_write_timeout_ms = 1", true),
        ("client_write_timeout_ms = 0", false),
        ("max_connections = 1000000", true),
        ("max_connections = 0", false),
        ("max_connections = 1000001", false),
        ("max_response_bytes = 1073741824", true),
        ("max_response_bytes = 1073741825", false),
        ("max_response_bytes = 0", false),
    ] {
        let p = dir.join("g.toml");
        write(&p, &format!("{base}[limits]\n{limits}\n"));
        let fc = config::read_file(&p).unwrap();
        match config::resolve(Some(fc), Overrides::default()) {
            Ok(cfg) => {
                assert!(ok, "{limits} accepted");
                State::load(cfg).unwrap();
            }
            Err(e) => {
                assert!(!ok, "{limits}: {e}");
                assert_eq!(e.reason_code(), "CONFIG_INVALID");
            }
        }
    }
    let o = Overrides {
        signing_key: Some(dir.join("gw.jwk")),
        cst_issuers: vec![dir.join("issuer.jwk")],
        audience: Some("a".into()),
        upstreams: vec!["openai=http://127.0.0.1:9".into()],
        max_concurrent: Some(usize::MAX),
        ..Overrides::default()
    };
    assert_eq!(
        config::resolve(None, o).unwrap_err().reason_code(),
        "CONFIG_INVALID"
    );
}

/// Without a receipt sink the gateway cannot remember that a nonce was used: a call naming
/// one is refused (it was forwarded, and the same nonce again after the first call ended,
/// two receipts carrying one binding nonce). With a sink the second use is a 409.
#[tokio::test]
async fn a_nonce_is_one_request_or_refused() {
    let fx = fixture_with(|o| o.receipts_dir = None).await;
    fx.script(&[JSON_OK]);
    for _ in 0..2 {
        let (st, b) = parse_response(
            &fx.post(
                "/v1/chat/completions",
                "X-Idempotency-Key: n1\r\n",
                br#"{"model":"m-1"}"#,
            )
            .await,
        );
        assert_eq!(
            (st, reason(&b).as_str()),
            (400, "IDEMPOTENCY_KEY_UNSUPPORTED")
        );
    }
    assert!(fx.seen.lock().unwrap().is_empty(), "nothing forwarded");
    // Calls without a nonce pass.
    let (st, _) = parse_response(
        &fx.post("/v1/chat/completions", "", br#"{"model":"m-1"}"#)
            .await,
    );
    assert_eq!(st, 200);
    let fx = fixture().await;
    fx.script(&[JSON_OK]);
    let mut got = Vec::new();
    for _ in 0..2 {
        let (st, b) = parse_response(
            &fx.post(
                "/v1/chat/completions",
                "X-Idempotency-Key: n1\r\n",
                br#"{"model":"m-1"}"#,
            )
            .await,
        );
        got.push((st, reason(&b)));
    }
    assert_eq!(got[0].0, 200);
    assert_eq!(got[1], (409, "IDEMPOTENCY_KEY_REUSED".to_string()));
    assert_eq!(fx.seen.lock().unwrap().len(), 1);
}

/// A token or binding header given twice has no one value. The gateway took the first: with
/// a proxy in front that adds its own `X-Policy-Hash` (Envoy appends by default), the
/// client's copy came first and chose the policy. Refused, nothing forwarded.
#[tokio::test]
async fn a_token_or_binding_header_given_twice_is_refused() {
    let fx = fixture().await;
    fx.script(&[JSON_OK]);
    let body = br#"{"model":"m-1"}"#;
    let other = fx.token();
    let h = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";
    for (extra, want) in [
        (format!("X-CST: {other}\r\n"), (401, "TOKEN_CONFLICT")),
        (
            format!("X-Scoped-Token: {other}\r\nX-Scoped-Token: x\r\n"),
            (401, "TOKEN_CONFLICT"),
        ),
        (
            format!(
                "X-Policy-Hash: {h}\r\nX-Policy-Hash: {}\r\n",
                "B".repeat(43)
            ),
            (400, "INVALID_HEADER"),
        ),
        (
            format!("X-Run-Id: r1\r\nX-Run-Id: r2\r\nX-Event-Hash: {h}\r\n"),
            (400, "INVALID_HEADER"),
        ),
        (
            "X-Idempotency-Key: a\r\nX-Idempotency-Key: b\r\n".to_string(),
            (400, "INVALID_HEADER"),
        ),
    ] {
        let (st, b) = parse_response(&fx.post("/v1/chat/completions", &extra, body).await);
        assert_eq!((st, reason(&b).as_str()), want, "{extra}");
    }
    assert!(fx.seen.lock().unwrap().is_empty(), "nothing forwarded");
    // The same token twice is one token.
    let t = fx.token();
    let mut req = format!(
        "POST /v1/chat/completions HTTP/1.1\r\nHost: gw\r\nConnection: close\r\nX-CST: {t}\r\nX-CST: {t}\r\nContent-Length: {}\r\n\r\n",
        body.len()
    )
    .into_bytes();
    req.extend_from_slice(body);
    assert_eq!(parse_response(&fx.raw(&req).await).0, 200);
}

/// A client that stops reading a stream (zero receive window) while the provider keeps
/// sending: the gateway gives up on it after `client_write_timeout_ms`, the stream ends as
/// `client_disconnected`, its receipt is stored and the call's permit comes back. Without the
/// bound the call stayed in flight for as long as the client kept its connection open, and
/// 512 such clients shut the gateway to everyone (`GATEWAY_OVERLOADED`).
#[tokio::test]
async fn a_client_that_stops_reading_a_stream_is_let_go() {
    let fx = fixture_cfg(
        |o| o.max_concurrent = Some(4),
        |c| c.limits.client_write_timeout_ms = 300,
    )
    .await;
    let line = format!("data: {{\"x\":\"{}\"}}\n\n", "a".repeat(64 * 1024));
    let mut chunks: Vec<&[u8]> = vec![SSE_HEAD];
    chunks.extend(std::iter::repeat_n(line.as_bytes(), 256)); // 16 MiB
    fx.script(&chunks);
    let sock = tokio::net::TcpSocket::new_v4().unwrap();
    sock.set_recv_buffer_size(4096).unwrap();
    let mut s = sock.connect(fx.addr).await.unwrap();
    let body = br#"{"model":"m-1","stream":true}"#;
    let req = format!(
        "POST /v1/chat/completions HTTP/1.1\r\nHost: gw\r\nX-CST: {}\r\nX-Idempotency-Key: stall1\r\nContent-Length: {}\r\n\r\n{}",
        fx.token(),
        body.len(),
        String::from_utf8_lossy(body)
    );
    s.write_all(req.as_bytes()).await.unwrap();
    let mut head = [0u8; 512];
    let n = s.read(&mut head).await.unwrap();
    assert!(head[..n].starts_with(b"HTTP/1.1 200"));
    // Read nothing more; the connection stays open. The receipt must still come.
    let mut got = None;
    for _ in 0..100 {
        tokio::time::sleep(Duration::from_millis(100)).await;
        let r = fx
            .raw(b"GET /v1/receipt/stall1 HTTP/1.1\r\nHost: gw\r\nConnection: close\r\n\r\n")
            .await;
        let (st, b) = parse_response(&r);
        if st == 200 {
            got = Some(serde_json::from_slice::<Value>(&b).unwrap());
            break;
        }
    }
    let got = got.expect("the stalled stream never ended: no receipt after 10 s");
    assert_eq!(got["outcome"], "client_disconnected");
    let p = verify(&got["receipt_envelope"]);
    assert_eq!(p["metadata"]["claw_gateway"]["upstream_status"], 200);
    // The permit is back.
    for _ in 0..50 {
        if fx.state.permits.available_permits() == 4 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(fx.state.permits.available_permits(), 4);
    drop(s);
}

/// A switch file rewritten within one tick of the file system's clock keeps its mtime (a few
/// ms on Linux, whole seconds on some file systems): the change must still be loaded. Here
/// the mtime is set back by hand and the length kept, as two quick writes leave them.
#[tokio::test]
async fn a_switch_rewritten_within_one_mtime_tick_is_loaded() {
    let fx = fixture().await;
    let sw = fx.dir.join("switches.json");
    write(&sw, r#"{"denied_models":["m-2"]}"#);
    // Wait until it is loaded (checked every second).
    let call = |model: &'static str| {
        let fx = &fx;
        async move {
            let body = format!(r#"{{"model":"{model}"}}"#);
            let (st, b) =
                parse_response(&fx.post("/v1/chat/completions", "", body.as_bytes()).await);
            (st, reason(&b))
        }
    };
    fx.script(&[JSON_OK]);
    let mut loaded = false;
    for _ in 0..40 {
        tokio::time::sleep(Duration::from_millis(100)).await;
        if call("m-2").await.0 == 403 {
            loaded = true;
            break;
        }
    }
    assert!(loaded, "the first switch file was never loaded");
    let mtime = std::fs::metadata(&sw).unwrap().modified().unwrap();
    write(&sw, r#"{"denied_models":["m-1"]}"#);
    std::fs::File::options()
        .write(true)
        .open(&sw)
        .unwrap()
        .set_modified(mtime)
        .unwrap();
    let mut last = (0, String::new());
    for _ in 0..40 {
        tokio::time::sleep(Duration::from_millis(100)).await;
        last = call("m-1").await;
        if last.0 == 403 {
            break;
        }
    }
    assert_eq!(last, (403, "MODEL_DENIED_BY_OVERRIDE".to_string()));
    assert_eq!(call("m-2").await.0, 200);
}

/// A coded upstream body (`Content-Encoding: gzip`, never asked for: the gateway sends no
/// `Accept-Encoding`) is not relayed: before, a JSON call got `200 {"data":"<gzip bytes as
/// text, mangled>"}` (bytes the receipt's hash does not cover) and a stream got the gzip bytes
/// as `text/event-stream` without their coding. Now `502 PROVIDER_ERROR` with both receipts,
/// the hash over the bytes received.
#[tokio::test]
async fn a_coded_upstream_body_is_a_receipted_502() {
    let fx = fixture().await;
    // A gzip member of "{}" (its bytes, not UTF-8 after the header).
    let gz: &[u8] = &[
        0x1f, 0x8b, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x03, 0xab, 0xae, 0x05, 0x00, 0x43,
        0xbf, 0xa6, 0xa3, 0x02, 0x00, 0x00, 0x00,
    ];
    for (ct, stream) in [("application/json", false), ("text/event-stream", true)] {
        let head = format!(
            "HTTP/1.1 200 OK\r\ncontent-type: {ct}\r\ncontent-encoding: gzip\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
            gz.len()
        );
        fx.script(&[head.as_bytes(), gz]);
        let body = format!(r#"{{"model":"m-1","stream":{stream}}}"#);
        let (_, p) = receipted_502(&fx, &body, ct).await;
        assert_eq!(p["response_hash_b64u"], b64sha(gz));
        assert_eq!(p["metadata"]["claw_gateway"]["outcome"], "upstream_error");
    }
    // identity is no coding.
    fx.script(&[b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-encoding: identity\r\ncontent-length: 2\r\nconnection: close\r\n\r\n{}"]);
    let (st, _) = parse_response(
        &fx.post("/v1/chat/completions", "", br#"{"model":"m-1"}"#)
            .await,
    );
    assert_eq!(st, 200);
}

/// Read one response with a `content-length` body from a kept-alive connection.
async fn read_one(s: &mut TcpStream) -> (u16, Vec<u8>) {
    let mut buf = Vec::new();
    let mut tmp = [0u8; 4096];
    loop {
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&buf[..i]).to_ascii_lowercase();
            let len: usize = head
                .lines()
                .find_map(|l| l.strip_prefix("content-length:"))
                .map_or(0, |v| v.trim().parse().unwrap());
            if buf.len() >= i + 4 + len {
                return parse_response(&buf[..i + 4 + len]);
            }
        }
        let n = tokio::time::timeout(Duration::from_secs(5), s.read(&mut tmp))
            .await
            .expect("no answer within 5 s")
            .unwrap();
        assert!(n > 0, "closed: {:?}", String::from_utf8_lossy(&buf));
        buf.extend_from_slice(&tmp[..n]);
    }
}

const HEALTH: &[u8] = b"GET /health HTTP/1.1\r\nHost: gw\r\n\r\n";

/// Connections beyond `limits.max_connections`: the extra one gets `503 GATEWAY_BUSY` (a JSON
/// body) and is closed; the connections held are still served, and once one of them closes a
/// new connection is served. Without the bound every connection was accepted and held (a
/// task, its buffers, a file descriptor) for as long as the client liked.
#[tokio::test]
async fn connections_beyond_max_connections_get_a_503_and_are_closed() {
    let fx = fixture_with(|o| o.max_connections = Some(2)).await;
    let mut held = Vec::new();
    for _ in 0..2 {
        let mut s = TcpStream::connect(fx.addr).await.unwrap();
        s.write_all(HEALTH).await.unwrap();
        assert_eq!(read_one(&mut s).await.0, 200);
        held.push(s);
    }
    // The third: answered and closed without being read.
    let mut s = TcpStream::connect(fx.addr).await.unwrap();
    let _ = s.write_all(HEALTH).await;
    let mut out = Vec::new();
    tokio::time::timeout(Duration::from_secs(5), s.read_to_end(&mut out))
        .await
        .expect("the extra connection was not closed")
        .unwrap();
    let (st, b) = parse_response(&out);
    assert_eq!((st, reason(&b).as_str()), (503, "GATEWAY_BUSY"));
    // The held connections are still served.
    for s in &mut held {
        s.write_all(HEALTH).await.unwrap();
        assert_eq!(read_one(s).await.0, 200);
    }
    // One closes: a new connection is served (its slot comes back when the gateway sees the
    // close).
    drop(held.pop());
    let mut last = (0, Vec::new());
    for _ in 0..50 {
        let mut s = TcpStream::connect(fx.addr).await.unwrap();
        s.write_all(HEALTH).await.unwrap();
        last = read_one(&mut s).await;
        if last.0 == 200 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(last.0, 200, "{}", String::from_utf8_lossy(&last.1));
}

/// A 2xx upstream body that is not UTF-8 (no content coding declared): before, the client got
/// `200 {"data":"<text with U+FFFD for the bad bytes>"}`, bytes the receipt's hash does not
/// cover. Now `502 PROVIDER_ERROR` with both receipts, the hash over the bytes received. A
/// UTF-8 body that is not a JSON object still comes back as `data`, and a non-2xx answer keeps
/// its status.
#[tokio::test]
async fn a_non_utf8_upstream_body_is_a_receipted_502() {
    let fx = fixture().await;
    let bad: &[u8] = b"{\"x\":\"\xff\xfe\"}";
    let head = format!(
        "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
        bad.len()
    );
    fx.script(&[head.as_bytes(), bad]);
    let (_, p) = receipted_502(&fx, r#"{"model":"m-1"}"#, "not UTF-8").await;
    assert_eq!(p["response_hash_b64u"], b64sha(bad));
    assert_eq!(p["metadata"]["claw_gateway"]["outcome"], "upstream_error");
    assert_eq!(p["metadata"]["claw_gateway"]["upstream_status"], 200);
    // UTF-8 text that is not JSON still passes, as `data`.
    fx.script(&[b"HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\ncontent-length: 5\r\nconnection: close\r\n\r\nh\xc3\xa9!!"]);
    let (st, b) = parse_response(
        &fx.post("/v1/chat/completions", "", br#"{"model":"m-1"}"#)
            .await,
    );
    assert_eq!(st, 200);
    let v: Value = serde_json::from_slice(&b).unwrap();
    assert_eq!(v["data"], "hé!!");
    // A non-2xx answer keeps its status.
    let head = format!(
        "HTTP/1.1 500 Internal Server Error\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
        bad.len()
    );
    fx.script(&[head.as_bytes(), bad]);
    let (st, _) = parse_response(
        &fx.post("/v1/chat/completions", "", br#"{"model":"m-1"}"#)
            .await,
    );
    assert_eq!(st, 500);
}

/// An upstream body's strict parse may take at most 4 bytes per byte of `max_response_bytes`
/// plus 8 MiB (it took 16 per byte of the body, up to 1 GiB for one 64 MiB answer): a body of
/// small values past that is relayed as `data` text, its bytes whole, not parsed. And a
/// 2xx body relayed as text may not grow past twice the bound when escaped (a control
/// character takes 6 bytes as `\u00XX`): `502 UPSTREAM_RESPONSE_TOO_LARGE` with both
/// receipts.
#[tokio::test]
async fn an_upstream_body_is_parsed_and_relayed_within_bounded_memory() {
    const MAX: usize = 2 << 20;
    let fx = fixture_with(|o| o.max_response_bytes = Some(MAX)).await;
    // Short strings: about 12.6 bytes of parsed value per byte of text.
    let mut strs = b"{\"a\":[\"abcdef\"".to_vec();
    while strs.len() < MAX - 16 {
        strs.extend_from_slice(b",\"abcdef\"");
    }
    strs.extend_from_slice(b"]}");
    // The shape: within the parser's usual budget, past the bounded one.
    let limits = claw_core::json::Limits::STRICT.with_max_bytes(MAX);
    let mut usual = claw_core::json::Budget::for_input(strs.len());
    assert!(claw_core::json::parse_within(&strs, &limits, &mut usual).is_ok());
    let mut bounded = claw_core::json::Budget::with_limit(4 * MAX + (8 << 20));
    assert!(claw_core::json::parse_within(&strs, &limits, &mut bounded).is_err());
    let head = format!(
        "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
        strs.len()
    );
    fx.script(&[head.as_bytes(), &strs]);
    let r = fx
        .post("/v1/chat/completions", "", br#"{"model":"m-1"}"#)
        .await;
    let (st, b) = parse_response(&r);
    assert_eq!(st, 200);
    let v: Value = serde_json::from_slice(&b).unwrap();
    assert!(
        v.get("a").is_none(),
        "parsed within the usual budget, not the bounded one"
    );
    assert!(
        v["data"].as_str().map(str::as_bytes) == Some(&strs[..]),
        "relayed whole as data"
    );
    let p = verify(&v["_receipt_envelope"]);
    assert_eq!(p["response_hash_b64u"], b64sha(&strs));
    // Control characters: 6 bytes each as text.
    let mut ctrl = b"{\"a\":\"".to_vec();
    ctrl.resize(MAX / 2, 1);
    let head = format!(
        "HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
        ctrl.len()
    );
    fx.script(&[head.as_bytes(), &ctrl]);
    let r = fx
        .post("/v1/chat/completions", "", br#"{"model":"m-1"}"#)
        .await;
    let (st, b) = parse_response(&r);
    assert_eq!(
        (st, reason(&b).as_str()),
        (502, "UPSTREAM_RESPONSE_TOO_LARGE"),
        "{}",
        String::from_utf8_lossy(&b[..b.len().min(200)])
    );
    let v: Value = serde_json::from_slice(&b).unwrap();
    let p = verify(&v["_receipt_envelope"]);
    assert_eq!(p["response_hash_b64u"], b64sha(&ctrl));
    assert_eq!(
        p["metadata"]["claw_gateway"]["outcome"],
        "response_too_large"
    );
    // Text with a few escapes still passes.
    let text = "line \"one\"\n\tline two\u{1}";
    let head = format!(
        "HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{text}",
        text.len()
    );
    fx.script(&[head.as_bytes()]);
    let (st, b) = parse_response(
        &fx.post("/v1/chat/completions", "", br#"{"model":"m-1"}"#)
            .await,
    );
    assert_eq!(st, 200);
    let v: Value = serde_json::from_slice(&b).unwrap();
    assert_eq!(v["data"], text);
}

/// The process's peak resident memory (`VmHWM`), KiB.
fn peak_rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .unwrap()
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

/// Not a test: the gateway's peak memory for one non-streamed call whose upstream body is
/// `CLAW_RSS_BODY` (`zeros`: `{"a":[0,0,…]}`; `objects`: `{"a":[{},{},…]}`; `members`:
/// `{"a":[{"k":0},…]}`; `text`: `{"a":"xxxx…"}`; `ctrl`: the same with U+0001, not JSON) of `CLAW_RSS_MIB` MiB (default 60). Run one
/// case per process: `cargo test --release -p claw-gateway --test hostile -- --ignored
/// --nocapture peak_rss` (docs: the numbers are in the commit that bounded the parse).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore]
async fn peak_rss_of_one_large_upstream_body() {
    let kind = std::env::var("CLAW_RSS_BODY").unwrap_or_else(|_| "zeros".into());
    let mib: usize = std::env::var("CLAW_RSS_MIB")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(60);
    let unit: &[u8] = match kind.as_str() {
        "zeros" => b"0,",
        "objects" => b"{},",
        "members" => b"{\"k\":0},",
        "ctrl" => b"\x01",
        _ => b"x",
    };
    let n = mib * 1024 * 1024 / unit.len();
    let mut body = Vec::with_capacity(mib * 1024 * 1024 + 16);
    let text = kind == "text" || kind == "ctrl";
    body.extend_from_slice(if text { b"{\"a\":\"" } else { b"{\"a\":[" });
    for _ in 0..n {
        body.extend_from_slice(unit);
    }
    if text {
        body.extend_from_slice(b"\"}");
    } else {
        body.pop();
        body.extend_from_slice(b"]}");
    }
    let head = format!(
        "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
        body.len()
    );
    let fx = fixture_cfg(|_| {}, |c| c.limits.upstream_read_timeout_ms = 600_000).await;
    let chunks: Vec<Vec<u8>> = std::iter::once(head.into_bytes())
        .chain(body.chunks(1 << 20).map(<[u8]>::to_vec))
        .collect();
    *fx.script.lock().unwrap() = chunks;
    drop(body);
    let before = peak_rss_kib();
    let t = std::time::Instant::now();
    let req = format!(
        "POST /v1/chat/completions HTTP/1.1\r\nHost: gw\r\nConnection: close\r\nX-CST: {}\r\nContent-Length: 15\r\n\r\n{{\"model\":\"m-1\"}}",
        fx.token()
    );
    let mut s = TcpStream::connect(fx.addr).await.unwrap();
    s.write_all(req.as_bytes()).await.unwrap();
    let mut out = Vec::new();
    s.read_to_end(&mut out).await.unwrap();
    let i = out.windows(4).position(|w| w == b"\r\n\r\n").unwrap();
    let status = String::from_utf8_lossy(&out[..i])
        .lines()
        .next()
        .unwrap_or("")
        .to_string();
    let answer_bytes = out.len() - i - 4;
    let start = String::from_utf8_lossy(&out[i + 4..(i + 24).min(out.len())]).to_string();
    let tail = String::from_utf8_lossy(&out[out.len().saturating_sub(120)..]).to_string();
    drop(out);
    println!(
        "RSS body={kind} {mib} MiB: peak before {} MiB, after {} MiB (+{} MiB); {status}; answer {answer_bytes} bytes {start:?}…{tail:?}, {} ms",
        before / 1024,
        peak_rss_kib() / 1024,
        (peak_rss_kib() - before) / 1024,
        t.elapsed().as_millis(),
    );
}

/// A request head hyper refuses itself (before the gateway sees the request) gets the
/// gateway's JSON error body and content type, with hyper's status: it was a bare status
/// line and `content-length: 0`, no reason code.
#[tokio::test]
async fn request_heads_hyper_refuses_get_a_json_error_body() {
    let fx = fixture().await;
    let many = format!(
        "GET /health HTTP/1.1\r\nHost: gw\r\n{}\r\n",
        "X-A: b\r\n".repeat(100)
    );
    let long = format!("GET /{} HTTP/1.1\r\nHost: gw\r\n\r\n", "a".repeat(70_000));
    for (req, want) in [
        (
            "POST /v1/chat/completions HTTP/1.1\r\nHost: gw\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n{}".to_string(),
            (400, "INVALID_HTTP_REQUEST"),
        ),
        ("BAD REQUEST\r\n\r\n".to_string(), (400, "INVALID_HTTP_REQUEST")),
        (many, (431, "REQUEST_HEADERS_TOO_LARGE")),
        (long, (431, "REQUEST_HEADERS_TOO_LARGE")),
    ] {
        let out = fx.raw(req.as_bytes()).await;
        let (st, b) = parse_response(&out);
        assert_eq!(
            (st, reason(&b).as_str()),
            want,
            "{}",
            String::from_utf8_lossy(&out[..out.len().min(300)])
        );
        let head = String::from_utf8_lossy(&out).to_ascii_lowercase();
        assert!(head.contains("\r\ncontent-type: application/json\r\n"), "{head}");
        assert!(head.contains("\r\nconnection: close\r\n"), "{head}");
    }
    // Ordinary answers are untouched, on the same connection as before.
    let mut s = TcpStream::connect(fx.addr).await.unwrap();
    for _ in 0..2 {
        s.write_all(b"GET /nope HTTP/1.1\r\nHost: gw\r\n\r\n")
            .await
            .unwrap();
        let (st, b) = read_one(&mut s).await;
        assert_eq!((st, reason(&b).as_str()), (404, "NOT_FOUND"));
    }
}
