//! End-to-end tests of claw-gateway on loopback: a scripted upstream (OpenAI and Anthropic
//! shapes, SSE, errors, a dropped stream) runs in-process, the gateway is the real server.
#![allow(clippy::disallowed_methods)] // tests may read JSON with serde_json (clippy.toml)

use std::convert::Infallible;
use std::net::SocketAddr;
use std::path::Path;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use claw_core::cst::{self, Claims};
use claw_core::envelope::Envelope;
use claw_core::keys::SigningKey;
use claw_core::wpc::{self, Policy};
use claw_gateway::config::{self, Overrides};
use http_body_util::{BodyExt, Full};
use hyper::body::{Body, Frame, Incoming};
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::{TokioExecutor, TokioIo};
use serde_json::{json, Value};
use tokio::sync::mpsc;

mod common;
use common::{b64sha, write, Gateway};

// ---------------------------------------------------------------- scripted upstream

/// What the upstream received: (path, authorization-ish header, body bytes).
type Seen = Arc<Mutex<Vec<(String, Option<String>, Vec<u8>)>>>;
/// What the upstream sent in its last response body.
type Sent = Arc<Mutex<Vec<u8>>>;

struct ChanBody(mpsc::Receiver<Result<Bytes, std::io::Error>>);
impl Body for ChanBody {
    type Data = Bytes;
    type Error = std::io::Error;
    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, std::io::Error>>> {
        self.0.poll_recv(cx).map(|o| o.map(|r| r.map(Frame::data)))
    }
}

fn sse_chunks(anthropic: bool) -> Vec<String> {
    if anthropic {
        vec![
            "event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"id\":\"msg_1\",\"type\":\"message\",\"role\":\"assistant\",\"model\":\"claude-test\",\"content\":[],\"usage\":{\"input_tokens\":3,\"output_tokens\":0}}}\n\n".into(),
            "event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"hi\"}}\n\n".into(),
            "event: message_delta\ndata: {\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"end_turn\"},\"usage\":{\"output_tokens\":6}}\n\n".into(),
            "event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n".into(),
        ]
    } else {
        let mut v: Vec<String> = ["Hel", "lo", "!"]
            .iter()
            .map(|t| format!("data: {{\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"choices\":[{{\"index\":0,\"delta\":{{\"content\":\"{t}\"}}}}]}}\n\n"))
            .collect();
        v.push("data: {\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"choices\":[],\"usage\":{\"prompt_tokens\":9,\"completion_tokens\":4,\"total_tokens\":13}}\n\n".into());
        v.push("data: [DONE]\n\n".into());
        v
    }
}

async fn upstream(
    req: Request<Incoming>,
    seen: Seen,
    sent: Sent,
) -> Result<Response<ChanBody>, Infallible> {
    let path = req.uri().path().to_string();
    let auth = req
        .headers()
        .get("authorization")
        .or_else(|| req.headers().get("x-api-key"))
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let body = req.into_body().collect().await.unwrap().to_bytes().to_vec();
    seen.lock()
        .unwrap()
        .push((path.clone(), auth, body.clone()));
    let v: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    let model = v["model"].as_str().unwrap_or("").to_string();
    let stream = v["stream"].as_bool().unwrap_or(false);
    let anthropic = path == "/v1/messages";
    let (tx, rx) = mpsc::channel(16);
    let mut resp = Response::builder();
    if model == "m-error" {
        let b = br#"{"error":{"message":"slow down","type":"rate_limit_error"}}"#.to_vec();
        *sent.lock().unwrap() = b.clone();
        tx.send(Ok(Bytes::from(b))).await.unwrap();
        resp = resp.status(429).header("content-type", "application/json");
    } else if stream {
        resp = resp.header("content-type", "text/event-stream");
        let chunks = sse_chunks(anthropic);
        let drop_mid = model == "m-drop";
        let sent = sent.clone();
        tokio::spawn(async move {
            let mut all = Vec::new();
            for (i, c) in chunks.iter().enumerate() {
                if drop_mid && i == 2 {
                    *sent.lock().unwrap() = all;
                    let _ = tx.send(Err(std::io::Error::other("dropped"))).await;
                    return;
                }
                all.extend_from_slice(c.as_bytes());
                let _ = tx.send(Ok(Bytes::from(c.clone()))).await;
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
            *sent.lock().unwrap() = all;
        });
    } else {
        let b = if anthropic {
            json!({"id":"msg_1","type":"message","role":"assistant","model":model,
                   "content":[{"type":"text","text":"hi"}],"stop_reason":"end_turn",
                   "usage":{"input_tokens":3,"output_tokens":2}})
        } else {
            json!({"id":"chatcmpl-1","object":"chat.completion","created":1,"model":model,
                   "choices":[{"index":0,"message":{"role":"assistant","content":"Hello!"},"finish_reason":"stop"}],
                   "usage":{"prompt_tokens":5,"completion_tokens":2,"total_tokens":7}})
        };
        // Pretty-printed with a trailing newline: the gateway must keep these bytes as sent.
        let mut b = serde_json::to_vec_pretty(&b).unwrap();
        b.push(b'\n');
        *sent.lock().unwrap() = b.clone();
        tx.send(Ok(Bytes::from(b))).await.unwrap();
        resp = resp.header("content-type", "application/json");
    }
    Ok(resp.body(ChanBody(rx)).unwrap())
}

async fn start_upstream() -> (SocketAddr, Seen, Sent) {
    let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = l.local_addr().unwrap();
    let seen: Seen = Arc::default();
    let sent: Sent = Arc::default();
    let (s2, t2) = (seen.clone(), sent.clone());
    tokio::spawn(async move {
        loop {
            let (tcp, _) = l.accept().await.unwrap();
            let (s, t) = (s2.clone(), t2.clone());
            tokio::spawn(async move {
                let svc = hyper::service::service_fn(move |r| upstream(r, s.clone(), t.clone()));
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(TokioIo::new(tcp), svc)
                    .await;
            });
        }
    });
    (addr, seen, sent)
}

// ---------------------------------------------------------------- gateway fixture

/// The gateway in front of the scripted upstream, with what the upstream saw and sent.
struct Fx {
    gw: Gateway,
    seen: Seen,
    sent: Sent,
}

impl std::ops::Deref for Fx {
    type Target = Gateway;
    fn deref(&self) -> &Gateway {
        &self.gw
    }
}

async fn fixture() -> Fx {
    let (up, seen, sent) = start_upstream().await;
    let gw = Gateway::start(
        up,
        &["gpt-4o-mini", "m-*", "claude-*"],
        |o, dir| o.receipts_log = Some(dir.join("receipts.jsonl")),
        |_| {},
    )
    .await;
    Fx { gw, seen, sent }
}

impl Fx {
    fn token(&self, aud: &str, ttl: u64) -> String {
        self.gw.token_for(aud, ttl)
    }

    async fn send(
        &self,
        method: &str,
        path: &str,
        headers: &[(&str, String)],
        body: Vec<u8>,
    ) -> (StatusCode, Vec<u8>) {
        let client = hyper_util::client::legacy::Client::builder(TokioExecutor::new())
            .build_http::<Full<Bytes>>();
        let mut b = Request::builder()
            .method(method)
            .uri(format!("http://{}{path}", self.addr));
        for (k, v) in headers {
            b = b.header(*k, v);
        }
        let r = client
            .request(b.body(Full::new(Bytes::from(body))).unwrap())
            .await
            .unwrap();
        let st = r.status();
        (
            st,
            r.into_body().collect().await.unwrap().to_bytes().to_vec(),
        )
    }

    async fn chat(&self, headers: &[(&str, String)], body: Value) -> (StatusCode, Value, Vec<u8>) {
        let (st, b) = self
            .send(
                "POST",
                "/v1/chat/completions",
                headers,
                body.to_string().into_bytes(),
            )
            .await;
        let v = serde_json::from_slice(&b).unwrap_or(Value::Null);
        (st, v, b)
    }

    fn verify(&self, env: &Value) -> Envelope {
        self.gw.verify(env)
    }
}

const EV: &str = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";

// ---------------------------------------------------------------- tests

#[tokio::test]
async fn token_refusals_are_401_and_forward_nothing() {
    let fx = fixture().await;
    let body = json!({"model":"gpt-4o-mini","messages":[]});
    let (st, v, _) = fx.chat(&[], body.clone()).await;
    assert_eq!(st, 401);
    assert_eq!(v["reason_code"], "TOKEN_REQUIRED");
    assert_eq!(v["error"]["code"], "TOKEN_REQUIRED");
    let (st, v, _) = fx
        .chat(&[("x-cst", fx.token("someone-else", 300))], body.clone())
        .await;
    assert_eq!(
        (st.as_u16(), v["reason_code"].as_str()),
        (401, Some("TOKEN_BAD_AUDIENCE"))
    );
    let (st, v, _) = fx.chat(&[("x-cst", "a.b.c".into())], body.clone()).await;
    assert_eq!(st, 401, "{v}");
    let other = SigningKey::from_seed(&[9; 32]);
    let c = Claims::new(
        "did:key:z6MkAgent",
        vec!["claw-gateway".into()],
        vec!["proxy:call".into()],
    );
    let forged = cst::issue(
        &other,
        &c,
        300,
        claw_gateway::now_ms() / 1000,
        &mut rand_core::OsRng,
    )
    .unwrap()
    .token;
    let (st, v, _) = fx.chat(&[("x-cst", forged)], body.clone()).await;
    assert_eq!(
        (st.as_u16(), v["reason_code"].as_str()),
        (401, Some("TOKEN_UNKNOWN_KID"))
    );
    let (st, v, _) = fx
        .chat(
            &[
                ("x-cst", fx.token("claw-gateway", 300)),
                ("x-scoped-token", fx.token("claw-gateway", 300)),
            ],
            body.clone(),
        )
        .await;
    assert_eq!(
        (st.as_u16(), v["reason_code"].as_str()),
        (401, Some("TOKEN_CONFLICT"))
    );
    // Wrong scope.
    let c = Claims::new(
        "did:key:z6MkAgent",
        vec!["claw-gateway".into()],
        vec!["tool:run".into()],
    );
    let t = cst::issue(
        &fx.issuer,
        &c,
        300,
        claw_gateway::now_ms() / 1000,
        &mut rand_core::OsRng,
    )
    .unwrap()
    .token;
    let (st, v, _) = fx.chat(&[("x-cst", t)], body).await;
    assert_eq!(
        (st.as_u16(), v["reason_code"].as_str()),
        (401, Some("TOKEN_INSUFFICIENT_SCOPE"))
    );
    assert!(
        fx.seen.lock().unwrap().is_empty(),
        "nothing reached the upstream"
    );
}

#[tokio::test]
async fn policy_refusals_are_403_and_forward_nothing() {
    let fx = fixture().await;
    let t = fx.token("claw-gateway", 300);
    let (st, v, _) = fx
        .chat(
            &[("x-cst", t.clone())],
            json!({"model":"gpt-5","messages":[]}),
        )
        .await;
    assert_eq!(st, 403, "{v}");
    assert_eq!(v["reason_code"], "POLICY_DEFAULT_DENY");
    // google is not a configured upstream; a provider outside the policy: a policy without it.
    let (st, v) = fx
        .send(
            "POST",
            "/v1/proxy/google",
            &[("x-cst", t.clone())],
            br#"{"model":"m-1"}"#.to_vec(),
        )
        .await;
    assert_eq!(st, 400, "{}", String::from_utf8_lossy(&v));
    // An unknown policy hash: fail closed.
    let (st, v, _) = fx
        .chat(
            &[
                ("x-cst", t.clone()),
                ("x-policy-hash", format!("{}A", "B".repeat(42))),
            ],
            json!({"model":"m-1"}),
        )
        .await;
    assert_eq!(
        (st.as_u16(), v["reason_code"].as_str()),
        (403, Some("POLICY_NOT_FOUND"))
    );
    // Incident switch: deny a model, applied to the next request after reload.
    write(
        &fx.dir.join("switches.json"),
        r#"{"denied_models":["gpt-4o*"],"denied_providers":["anthropic"]}"#,
    );
    fx.state.reload().unwrap();
    let (st, v, _) = fx
        .chat(&[("x-cst", t.clone())], json!({"model":"gpt-4o-mini"}))
        .await;
    assert_eq!(
        (st.as_u16(), v["reason_code"].as_str()),
        (403, Some("MODEL_DENIED_BY_OVERRIDE"))
    );
    let (st, _) = fx
        .send(
            "POST",
            "/v1/messages",
            &[("x-cst", t.clone())],
            br#"{"model":"claude-x","max_tokens":5,"messages":[]}"#.to_vec(),
        )
        .await;
    assert_eq!(st, 403);
    // Revoke the token by hash.
    write(
        &fx.dir.join("switches.json"),
        &format!(r#"{{"revoked_token_hashes":["{}"]}}"#, cst::token_hash(&t)),
    );
    fx.state.reload().unwrap();
    let (st, v, _) = fx.chat(&[("x-cst", t)], json!({"model":"m-1"})).await;
    assert_eq!(
        (st.as_u16(), v["reason_code"].as_str()),
        (401, Some("TOKEN_REVOKED"))
    );
    assert!(
        fx.seen.lock().unwrap().is_empty(),
        "nothing reached the upstream"
    );
}

#[tokio::test]
async fn json_call_is_receipted_over_the_exact_bytes() {
    let fx = fixture().await;
    // Odd spacing: the gateway forwards these bytes unchanged.
    let body =
        br#"{ "model" : "gpt-4o-mini", "messages": [{"role":"user","content":"hi"}] }"#.to_vec();
    let h = [
        ("x-cst", fx.token("claw-gateway", 300)),
        ("x-run-id", "run_1".to_string()),
        ("x-event-hash", EV.to_string()),
        ("x-idempotency-key", "nonce_abc".to_string()),
        ("authorization", "Bearer sk-test".to_string()),
    ];
    let (st, raw) = fx
        .send("POST", "/v1/chat/completions", &h, body.clone())
        .await;
    assert_eq!(st, 200, "{}", String::from_utf8_lossy(&raw));
    let v: Value = serde_json::from_slice(&raw).unwrap();
    assert_eq!(v["choices"][0]["message"]["content"], "Hello!");
    let env = fx.verify(&v["_receipt_envelope"]);
    let p = &env.payload;
    let seen = fx.seen.lock().unwrap().clone();
    assert_eq!(seen.len(), 1);
    assert_eq!(seen[0].0, "/v1/chat/completions");
    assert_eq!(
        seen[0].1.as_deref(),
        Some("Bearer sk-test"),
        "provider auth passes through"
    );
    assert_eq!(seen[0].2, body, "upstream received the exact bytes");
    assert_eq!(p["request_hash_b64u"], b64sha(&body));
    assert_eq!(p["response_hash_b64u"], b64sha(&fx.sent.lock().unwrap()));
    assert_eq!(p["binding"]["run_id"], "run_1");
    assert_eq!(p["binding"]["event_hash_b64u"], EV);
    assert_eq!(p["binding"]["nonce"], "nonce_abc");
    assert_eq!(p["binding"]["policy_hash"], fx.policy_hash.as_str());
    assert_eq!(
        (p["tokens_input"].as_u64(), p["tokens_output"].as_u64()),
        (Some(5), Some(2))
    );
    assert_eq!(p["metadata"]["claw_gateway"]["outcome"], "complete");
    assert_eq!(v["_receipt"]["binding"]["runId"], "run_1");
    assert_eq!(v["_receipt"]["proxyDid"], fx.gateway_did.as_str());
    // The response body carries it for the recorder (core rule).
    let c = claw_core::evidence::receipt_from_response(&raw).unwrap();
    assert_eq!(c.envelope, v["_receipt_envelope"]);
    // Recoverable by nonce, stored in both sinks.
    let (st, r) = fx.send("GET", "/v1/receipt/nonce_abc", &[], vec![]).await;
    assert_eq!(st, 200);
    let r: Value = serde_json::from_slice(&r).unwrap();
    assert_eq!(r["receipt_envelope"], v["_receipt_envelope"]);
    assert_eq!(r["status"], 200);
    assert_eq!(r["binding"]["run_id"], "run_1");
    assert_eq!(
        std::fs::read_dir(fx.dir.join("receipts")).unwrap().count(),
        1
    );
    let log = std::fs::read_to_string(fx.dir.join("receipts.jsonl")).unwrap();
    assert_eq!(log.lines().count(), 1);
    // The same nonce again: refused, not forwarded.
    let (st, _) = fx.send("POST", "/v1/chat/completions", &h, body).await;
    assert_eq!(st, 409);
    assert_eq!(fx.seen.lock().unwrap().len(), 1);
    let (st, _) = fx.send("GET", "/v1/receipt/nonce_nope", &[], vec![]).await;
    assert_eq!(st, 404);
}

#[tokio::test]
async fn anthropic_json_and_upstream_error_wrapped_with_receipt() {
    let fx = fixture().await;
    let t = fx.token("claw-gateway", 300);
    let (st, raw) = fx
        .send("POST", "/v1/messages", &[("x-cst", t.clone()), ("x-api-key", "sk-ant".into())],
              br#"{"model":"claude-test","max_tokens":5,"messages":[{"role":"user","content":"hi"}]}"#.to_vec())
        .await;
    assert_eq!(st, 200);
    let v: Value = serde_json::from_slice(&raw).unwrap();
    assert_eq!(v["content"][0]["text"], "hi");
    let env = fx.verify(&v["_receipt_envelope"]);
    assert_eq!(env.payload["provider"], "anthropic");
    assert_eq!(env.payload["tokens_input"], 3);
    assert_eq!(fx.seen.lock().unwrap()[0].1.as_deref(), Some("sk-ant"));
    // Upstream 429: status kept, body wrapped as the reference wraps it, receipt attached.
    let (st, v, _) = fx.chat(&[("x-cst", t)], json!({"model":"m-error"})).await;
    assert_eq!(st, 429);
    assert_eq!(v["status"], 429);
    assert_eq!(v["error"]["error"]["type"], "rate_limit_error");
    let env = fx.verify(&v["_receipt_envelope"]);
    assert_eq!(
        env.payload["metadata"]["claw_gateway"]["upstream_status"],
        429
    );
    assert_eq!(
        env.payload["response_hash_b64u"],
        b64sha(&fx.sent.lock().unwrap())
    );
}

#[tokio::test]
async fn sse_passes_through_with_trailer_and_hash_of_upstream_bytes() {
    let fx = fixture().await;
    let h = [
        ("x-cst", fx.token("claw-gateway", 300)),
        ("x-idempotency-key", "nonce_sse".to_string()),
    ];
    let (st, raw) = fx
        .send(
            "POST",
            "/v1/chat/completions",
            &h,
            br#"{"model":"m-1","stream":true,"messages":[]}"#.to_vec(),
        )
        .await;
    assert_eq!(st, 200);
    let c = claw_core::evidence::receipt_from_response(&raw).unwrap();
    let n = c.upstream_len.unwrap();
    let upstream_bytes = fx.sent.lock().unwrap().clone();
    assert_eq!(
        &raw[..n],
        &upstream_bytes[..],
        "bytes pass through unchanged"
    );
    let env = fx.verify(&c.envelope);
    assert_eq!(env.payload["response_hash_b64u"], b64sha(&upstream_bytes));
    assert_eq!(env.payload["metadata"]["claw_gateway"]["stream"], true);
    assert_eq!(
        (
            env.payload["tokens_input"].as_u64(),
            env.payload["tokens_output"].as_u64()
        ),
        (Some(9), Some(4)),
        "usage read from the stream's usage chunk"
    );
    let text = String::from_utf8_lossy(&raw[n..]).to_string();
    assert!(
        text.starts_with(":clawproxy_receipt_envelope_b64u="),
        "{text}"
    );
    assert!(text.contains("\n:clawproxy_receipt_b64u="), "{text}");
    let (st, r) = fx.send("GET", "/v1/receipt/nonce_sse", &[], vec![]).await;
    assert_eq!(st, 200);
    let r: Value = serde_json::from_slice(&r).unwrap();
    assert_eq!(r["receipt_envelope"], c.envelope);
    // Anthropic SSE too.
    let (st, raw) = fx
        .send(
            "POST",
            "/v1/messages",
            &[("x-cst", fx.token("claw-gateway", 300))],
            br#"{"model":"claude-test","max_tokens":5,"stream":true,"messages":[]}"#.to_vec(),
        )
        .await;
    assert_eq!(st, 200);
    let c = claw_core::evidence::receipt_from_response(&raw).unwrap();
    assert!(String::from_utf8_lossy(&raw[..c.upstream_len.unwrap()]).contains("message_stop"));
    let env = fx.verify(&c.envelope);
    assert_eq!(
        (
            env.payload["tokens_input"].as_u64(),
            env.payload["tokens_output"].as_u64()
        ),
        (Some(3), Some(6)),
        "message_start input, message_delta output"
    );
}

#[tokio::test]
async fn dropped_stream_still_gets_a_signed_receipt() {
    let fx = fixture().await;
    let h = [
        ("x-cst", fx.token("claw-gateway", 300)),
        ("x-idempotency-key", "nonce_drop".to_string()),
    ];
    let (st, raw) = fx
        .send(
            "POST",
            "/v1/chat/completions",
            &h,
            br#"{"model":"m-drop","stream":true}"#.to_vec(),
        )
        .await;
    assert_eq!(st, 200);
    let c = claw_core::evidence::receipt_from_response(&raw).unwrap();
    let env = fx.verify(&c.envelope);
    assert_eq!(
        env.payload["metadata"]["claw_gateway"]["outcome"],
        "upstream_error"
    );
    let partial = fx.sent.lock().unwrap().clone();
    assert_eq!(
        env.payload["response_hash_b64u"],
        b64sha(&partial),
        "hash of the bytes so far"
    );
    let (st, r) = fx.send("GET", "/v1/receipt/nonce_drop", &[], vec![]).await;
    assert_eq!(st, 200);
    let r: Value = serde_json::from_slice(&r).unwrap();
    assert_eq!(r["outcome"], "upstream_error");
    assert_eq!(r["truncated"], true);
}

#[tokio::test]
async fn service_routes_bounds_and_bad_requests() {
    let fx = fixture().await;
    let (st, b) = fx.send("GET", "/health", &[], vec![]).await;
    assert_eq!(st, 200);
    assert_eq!(serde_json::from_slice::<Value>(&b).unwrap()["status"], "ok");
    let (st, b) = fx.send("GET", "/v1/did", &[], vec![]).await;
    assert_eq!(st, 200);
    let d: Value = serde_json::from_slice(&b).unwrap();
    assert_eq!(
        d["deployment"]["receiptSignerDidKey"],
        fx.gateway_did.as_str()
    );
    let (st, b) = fx.send("GET", "/nope", &[], vec![]).await;
    assert_eq!(st, 404);
    assert_eq!(
        serde_json::from_slice::<Value>(&b).unwrap()["reason_code"],
        "NOT_FOUND"
    );
    let t = fx.token("claw-gateway", 300);
    // Body above the bound: 413.
    let big = format!(r#"{{"model":"m-1","x":"{}"}}"#, "a".repeat(70 * 1024));
    let (st, b) = fx
        .send(
            "POST",
            "/v1/chat/completions",
            &[("x-cst", t.clone())],
            big.into_bytes(),
        )
        .await;
    assert_eq!(st, 413, "{}", String::from_utf8_lossy(&b));
    // Duplicate keys, no model, non-boolean stream: 400.
    for body in [
        &br#"{"model":"m-1","model":"m-2"}"#[..],
        br#"{"messages":[]}"#,
        br#"{"model":"m-1","stream":"yes"}"#,
        b"[1]",
    ] {
        let (st, b) = fx
            .send(
                "POST",
                "/v1/chat/completions",
                &[("x-cst", t.clone())],
                body.to_vec(),
            )
            .await;
        assert_eq!(st, 400, "{}", String::from_utf8_lossy(&b));
        assert_eq!(
            serde_json::from_slice::<Value>(&b).unwrap()["reason_code"],
            "INVALID_REQUEST"
        );
    }
    // Half a binding.
    let (st, _) = fx
        .send(
            "POST",
            "/v1/chat/completions",
            &[("x-cst", t.clone()), ("x-run-id", "r".into())],
            br#"{"model":"m-1"}"#.to_vec(),
        )
        .await;
    assert_eq!(st, 400);
    assert!(fx.seen.lock().unwrap().is_empty());
    let (st, b) = fx.send("GET", "/metrics", &[], vec![]).await;
    assert_eq!(st, 200);
    let m = String::from_utf8(b).unwrap();
    assert!(
        m.contains("claw_gateway_decisions_total{reason_code=\"REQUEST_TOO_LARGE\"} 1"),
        "{m}"
    );
    assert!(
        m.contains("claw_gateway_requests_total{route=\"proxy\"}"),
        "{m}"
    );
}

#[test]
fn example_config_and_switches_parse() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/gateway");
    let fc = config::read_file(&root.join("gateway.toml")).unwrap();
    let cfg = config::resolve(Some(fc), Overrides::default()).unwrap();
    assert_eq!(cfg.upstreams["anthropic"], "https://api.anthropic.com");
    assert_eq!(cfg.limits, config::Limits::default());
    assert!(cfg.signing_key.ends_with("keys/gateway.jwk"));
    let s = std::fs::read(root.join("switches.example.json")).unwrap();
    claw_gateway::switches::Switches::parse(&s).unwrap();
    // Flags override the file; bad values are refused with CONFIG_INVALID.
    let fc = config::read_file(&root.join("gateway.toml")).unwrap();
    let o = Overrides {
        listen: Some("127.0.0.1:9".into()),
        ..Overrides::default()
    };
    assert_eq!(config::resolve(Some(fc), o).unwrap().listen.port(), 9);
    let fc = config::read_file(&root.join("gateway.toml")).unwrap();
    let o = Overrides {
        upstreams: vec!["openai=ftp://x".into()],
        ..Overrides::default()
    };
    assert_eq!(
        config::resolve(Some(fc), o).unwrap_err().reason_code(),
        "CONFIG_INVALID"
    );
    let t = tempfile::tempdir().unwrap();
    let p = t.path().join("g.toml");
    write(&p, "listen = \"127.0.0.1:1\"\nbogus = 1\n");
    assert!(config::read_file(&p)
        .unwrap_err()
        .to_string()
        .contains("bogus"));
}

/// Sign `policy` (v1 JSON, issuer filled in) into the fixture's policy directory; its hash.
fn add_policy(fx: &Fx, mut policy: Value) -> String {
    let signer = SigningKey::from_seed(&[3; 32]);
    policy["issuer_did"] = json!(signer.verifying_key().did());
    let p = Policy::parse(policy.to_string().as_bytes()).unwrap();
    let env = wpc::sign_policy(&p, &signer, claw_gateway::now_ms(), None).unwrap();
    write(
        &fx.dir.join("wpc").join(format!("{}.json", p.hash_b64u())),
        &env.to_json().unwrap(),
    );
    p.hash_b64u().to_string()
}

#[tokio::test]
async fn policy_redaction_rules_and_privacy_mode() {
    let fx = fixture().await;
    let hash = add_policy(
        &fx,
        json!({"policy_version":"1","policy_id":"p-redact","issuer_did":"",
               "allowed_providers":["openai"],"allowed_models":["m-*"],
               "redaction_rules":[
                   {"path":"$.messages[*].content","action":"mask"},
                   {"path":"$.user","action":"remove"},
                   {"path":"$.metadata.ssn","action":"hash"}],
               "receipt_privacy_mode":"encrypted"}),
    );
    let body =
        br#"{"model":"m-1", "user":"alice@example.com","metadata":{"ssn":"123-45-6789","k":1},
        "messages":[{"role":"user","content":"my card is 4111"}]}"#
            .to_vec();
    let h = [
        ("x-cst", fx.token("claw-gateway", 300)),
        ("x-policy-hash", hash.clone()),
    ];
    let (st, raw) = fx
        .send("POST", "/v1/chat/completions", &h, body.clone())
        .await;
    assert_eq!(st, 200, "{}", String::from_utf8_lossy(&raw));
    let forwarded = fx.seen.lock().unwrap()[0].2.clone();
    let want = br#"{"model":"m-1","metadata":{"ssn":"[HASH:string]","k":1},"messages":[{"role":"user","content":"[REDACTED]"}]}"#;
    assert_eq!(
        String::from_utf8_lossy(&forwarded),
        String::from_utf8_lossy(want),
        "the provider receives the redacted body"
    );
    let text = String::from_utf8_lossy(&forwarded);
    assert!(!text.contains("alice") && !text.contains("4111") && !text.contains("6789"));
    let v: Value = serde_json::from_slice(&raw).unwrap();
    let env = fx.verify(&v["_receipt_envelope"]);
    let p = &env.payload;
    assert_eq!(
        p["request_hash_b64u"],
        b64sha(want),
        "hash of the redacted bytes"
    );
    assert_eq!(p["binding"], Value::Null);
    assert_eq!(p["metadata"]["claw_gateway"]["redacted"], true);
    // The policy asks for encrypted receipts; the gateway does not encrypt: hash_only.
    assert_eq!(
        p["metadata"]["claw_gateway"]["privacy_mode_requested"],
        "encrypted"
    );
    assert_eq!(p["metadata"]["privacy_mode"], "hash_only");
    assert_eq!(v["_receipt"]["privacyMode"], "hash_only");

    // No rule matches: the exact bytes go through. The caller can lower to hash_only.
    let plain = br#"{ "model":"m-1","messages":[] }"#.to_vec();
    let h2 = [
        ("x-cst", fx.token("claw-gateway", 300)),
        ("x-policy-hash", hash.clone()),
        ("x-receipt-privacy-mode", "hash_only".to_string()),
    ];
    let (st, raw) = fx
        .send("POST", "/v1/chat/completions", &h2, plain.clone())
        .await;
    assert_eq!(st, 200);
    assert_eq!(fx.seen.lock().unwrap()[1].2, plain);
    let v: Value = serde_json::from_slice(&raw).unwrap();
    let p = &fx.verify(&v["_receipt_envelope"]).payload;
    assert_eq!(p["request_hash_b64u"], b64sha(&plain));
    assert_eq!(p["metadata"]["claw_gateway"]["redacted"], false);
    assert_eq!(
        p["metadata"]["claw_gateway"]["privacy_mode_requested"],
        "hash_only"
    );

    // A policy forcing hash_only wins over a caller asking for encrypted; the default
    // policy has no rules: bytes unchanged.
    let (st, raw) = fx
        .send(
            "POST",
            "/v1/chat/completions",
            &[
                ("x-cst", fx.token("claw-gateway", 300)),
                ("x-receipt-privacy-mode", "encrypted".to_string()),
            ],
            body.clone(),
        )
        .await;
    assert_eq!(st, 200);
    assert_eq!(fx.seen.lock().unwrap()[2].2, body);
    let v: Value = serde_json::from_slice(&raw).unwrap();
    let p = &fx.verify(&v["_receipt_envelope"]).payload;
    assert_eq!(
        p["metadata"]["claw_gateway"]["privacy_mode_requested"], "encrypted",
        "no policy mode: the caller's request is recorded"
    );
    let forced = add_policy(
        &fx,
        json!({"policy_version":"1","policy_id":"p-hash","issuer_did":"",
               "allowed_models":["m-*"],"receipt_privacy_mode":"hash_only"}),
    );
    let (st, raw) = fx
        .send(
            "POST",
            "/v1/chat/completions",
            &[
                ("x-cst", fx.token("claw-gateway", 300)),
                ("x-policy-hash", forced),
                ("x-receipt-privacy-mode", "encrypted".to_string()),
            ],
            plain,
        )
        .await;
    assert_eq!(st, 200, "{}", String::from_utf8_lossy(&raw));
    let v: Value = serde_json::from_slice(&raw).unwrap();
    let p = &fx.verify(&v["_receipt_envelope"]).payload;
    assert_eq!(
        p["metadata"]["claw_gateway"]["privacy_mode_requested"],
        "hash_only"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_calls_all_have_durable_retrievable_receipts() {
    // Both sinks commit in groups (docs/SPEC.md §8.6): every response is released only once
    // its receipt is durable, so each of these concurrent calls' receipts is on disk (in the
    // directory and in the log, read back from a fresh handle) and served by nonce.
    let fx = Arc::new(fixture().await);
    let n = 24;
    let calls: Vec<_> = (0..n)
        .map(|i| {
            let fx = fx.clone();
            tokio::spawn(async move {
                let h = [
                    ("x-cst", fx.token("claw-gateway", 300)),
                    ("x-idempotency-key", format!("group_{i}")),
                ];
                let (st, v, _) = fx
                    .chat(&h, json!({"model":"gpt-4o-mini","messages":[]}))
                    .await;
                assert_eq!(st, 200, "{v}");
                v["_receipt_envelope"].clone()
            })
        })
        .collect();
    let mut envs = Vec::new();
    for c in calls {
        envs.push(c.await.unwrap());
    }
    let log = claw_gateway::sink::JsonlSink::open(&fx.dir.join("receipts.jsonl")).unwrap();
    let dir = claw_gateway::sink::DirSink::open(&fx.dir.join("receipts")).unwrap();
    for (i, env) in envs.iter().enumerate() {
        let key = format!("group_{i}");
        let (st, r) = fx
            .send("GET", &format!("/v1/receipt/{key}"), &[], vec![])
            .await;
        assert_eq!(st, 200);
        let r: Value = serde_json::from_slice(&r).unwrap();
        assert_eq!(&r["receipt_envelope"], env);
        use claw_gateway::sink::ReceiptSink;
        for stored in [log.get(&key).unwrap(), dir.get(&key).unwrap()] {
            let stored: Value = serde_json::from_slice(&stored.expect("stored")).unwrap();
            assert_eq!(&stored, env);
        }
    }
    assert_eq!(
        std::fs::read_dir(fx.dir.join("receipts")).unwrap().count(),
        n
    );
}

async fn egress_call(fx: &Fx, hash: String) -> (StatusCode, Vec<u8>) {
    let h = [
        ("x-cst", fx.token("claw-gateway", 300)),
        ("x-policy-hash", hash),
    ];
    let body = br#"{"model":"m-1","messages":[]}"#.to_vec();
    fx.send("POST", "/v1/chat/completions", &h, body).await
}

#[tokio::test]
async fn egress_allowlist_decides_which_upstream_hosts_are_reached() {
    let fx = fixture().await;
    let elsewhere = add_policy(
        &fx,
        json!({"policy_version":"1","policy_id":"p-egress-no","issuer_did":"",
               "allowed_providers":["openai"],"allowed_models":["m-*"],
               "egress_allowlist":["api.openai.com"]}),
    );
    let (st, raw) = egress_call(&fx, elsewhere).await;
    let v: Value = serde_json::from_slice(&raw).unwrap();
    assert_eq!(st, 403, "{v}");
    assert!(
        v["error"]["message"]
            .as_str()
            .unwrap_or("")
            .contains("egress"),
        "{v}"
    );
    assert!(fx.seen.lock().unwrap().is_empty(), "nothing was forwarded");
    let here = add_policy(
        &fx,
        json!({"policy_version":"1","policy_id":"p-egress-yes","issuer_did":"",
               "allowed_providers":["openai"],"allowed_models":["m-*"],
               "egress_allowlist":["127.0.0.1"]}),
    );
    let (st, raw) = egress_call(&fx, here).await;
    assert_eq!(st, 200, "{}", String::from_utf8_lossy(&raw));
    assert_eq!(fx.seen.lock().unwrap().len(), 1);
}

/// Under an egress allowlist, a request that asks the provider to reach the network itself
/// (a server-side tool, Anthropic's MCP connector, OpenAI's web search, a beta flag switching
/// one on) is refused `403 PROVIDER_EGRESS_DENIED` and nothing is forwarded: the allowlist
/// was checked on the upstream host only, and the provider fetched whatever it was told to.
/// Tools the client runs (function, custom, no type, Anthropic's client tools) still pass, and
/// without an allowlist nothing changes.
#[tokio::test]
async fn provider_side_fetches_are_refused_under_an_egress_allowlist() {
    let fx = fixture().await;
    let hash = add_policy(
        &fx,
        json!({"policy_version":"1","policy_id":"p-egress-tools","issuer_did":"",
               "allowed_providers":["openai","anthropic"],"allowed_models":["m-*","claude-*"],
               "egress_allowlist":["127.0.0.1"]}),
    );
    let call = |path: &'static str, body: Value, beta: Option<&'static str>| {
        let fx = &fx;
        let hash = hash.clone();
        async move {
            let mut h = vec![
                ("x-cst", fx.token("claw-gateway", 300)),
                ("x-policy-hash", hash),
            ];
            if let Some(b) = beta {
                h.push(("anthropic-beta", b.to_string()));
            }
            let (st, raw) = fx
                .send("POST", path, &h, body.to_string().into_bytes())
                .await;
            let v: Value = serde_json::from_slice(&raw).unwrap_or(Value::Null);
            (st, v)
        }
    };
    let msgs = json!([{"role":"user","content":"hi"}]);
    let anth = |extra: Value| {
        let mut b = json!({"model":"claude-x","max_tokens":10,"messages":msgs});
        for (k, v) in extra.as_object().unwrap() {
            b[k] = v.clone();
        }
        b
    };
    let refused = [
        (
            "/v1/messages",
            anth(json!({"tools":[{"type":"web_search_20250305","name":"web_search"}]})),
            None,
        ),
        (
            "/v1/messages",
            anth(
                json!({"tools":[{"name":"f","input_schema":{}},{"type":"web_fetch_20250910","name":"web_fetch"}]}),
            ),
            None,
        ),
        (
            "/v1/messages",
            anth(json!({"tools":[{"type":"code_execution_20250825","name":"code_execution"}]})),
            None,
        ),
        (
            "/v1/messages",
            anth(json!({"tools":[{"type":"mcp_toolset","mcp_server_name":"x"}]})),
            None,
        ),
        (
            "/v1/messages",
            anth(json!({"tools":[{"type":"some_new_server_tool_20270101","name":"n"}]})),
            None,
        ),
        ("/v1/messages", anth(json!({"tools":[{"type":7}]})), None),
        (
            "/v1/messages",
            anth(json!({"tools":{"type":"custom"}})),
            None,
        ),
        (
            "/v1/messages",
            anth(
                json!({"mcp_servers":[{"type":"url","url":"https://evil.example/mcp","name":"e"}]}),
            ),
            None,
        ),
        (
            "/v1/messages",
            anth(json!({})),
            Some("mcp-client-2025-04-04"),
        ),
        (
            "/v1/messages",
            anth(json!({})),
            Some("prompt-caching-2024-07-31, web-fetch-2025-09-10"),
        ),
        (
            "/v1/messages",
            anth(json!({})),
            Some("Code-Execution-2025-05-22"),
        ),
        (
            "/v1/chat/completions",
            json!({"model":"m-1","messages":msgs,"web_search_options":{}}),
            None,
        ),
        (
            "/v1/responses",
            json!({"model":"m-1","input":"hi","tools":[{"type":"web_search_preview"}]}),
            None,
        ),
        (
            "/v1/responses",
            json!({"model":"m-1","input":"hi","tools":[{"type":"mcp","server_label":"x","server_url":"https://evil.example/sse"}]}),
            None,
        ),
        (
            "/v1/responses",
            json!({"model":"m-1","input":"hi","tools":[{"type":"file_search"}]}),
            None,
        ),
        // Content the provider fetches from a URL itself.
        (
            "/v1/messages",
            anth(
                json!({"messages":[{"role":"user","content":[{"type":"image","source":{"type":"url","url":"https://evil.example/a.png"}}]}]}),
            ),
            None,
        ),
        (
            "/v1/messages",
            anth(
                json!({"messages":[{"role":"user","content":[{"type":"tool_result","tool_use_id":"t","content":[{"type":"document","source":{"type":"url","url":"https://evil.example/a.pdf"}}]}]}]}),
            ),
            None,
        ),
        (
            "/v1/chat/completions",
            json!({"model":"m-1","messages":[{"role":"user","content":[{"type":"image_url","image_url":{"url":"https://evil.example/a.png"}}]}]}),
            None,
        ),
        (
            "/v1/responses",
            json!({"model":"m-1","input":[{"role":"user","content":[{"type":"input_image","image_url":"https://evil.example/a.png"}]}]}),
            None,
        ),
        (
            "/v1/responses",
            json!({"model":"m-1","input":[{"role":"user","content":[{"type":"input_file","file_url":"https://evil.example/a.pdf"}]}]}),
            None,
        ),
    ];
    for (path, body, beta) in &refused {
        let (st, v) = call(path, body.clone(), *beta).await;
        assert_eq!(
            (st.as_u16(), v["reason_code"].as_str().unwrap_or("")),
            (403, "PROVIDER_EGRESS_DENIED"),
            "{path} {body} {beta:?}: {v}"
        );
    }
    assert!(fx.seen.lock().unwrap().is_empty(), "nothing was forwarded");
    // Tools the client runs pass.
    let passed = [
        (
            "/v1/chat/completions",
            json!({"model":"m-1","messages":msgs,"tools":[{"type":"function","function":{"name":"f","parameters":{}}}]}),
            None,
        ),
        (
            "/v1/responses",
            json!({"model":"m-1","input":"hi","tools":[{"type":"function","name":"f","parameters":{}},{"type":"custom","name":"g"}]}),
            None,
        ),
        (
            "/v1/messages",
            anth(
                json!({"tools":[{"name":"f","input_schema":{}},{"type":"custom","name":"g","input_schema":{}},
                                              {"type":"bash_20250124","name":"bash"},{"type":"text_editor_20250728","name":"str_replace_based_edit_tool"}]}),
            ),
            Some("prompt-caching-2024-07-31,token-efficient-tools-2025-02-19"),
        ),
        ("/v1/messages", anth(json!({"tools":null})), None),
        // Inline content (base64, data: URLs) is no fetch.
        (
            "/v1/messages",
            anth(
                json!({"messages":[{"role":"user","content":[{"type":"image","source":{"type":"base64","media_type":"image/png","data":"AA=="}}]}]}),
            ),
            None,
        ),
        (
            "/v1/chat/completions",
            json!({"model":"m-1","messages":[{"role":"user","content":[{"type":"image_url","image_url":{"url":"data:image/png;base64,AA=="}}]}]}),
            None,
        ),
        (
            "/v1/responses",
            json!({"model":"m-1","input":[{"role":"user","content":[{"type":"input_image","image_url":"DATA:image/png;base64,AA=="}]}]}),
            None,
        ),
    ];
    for (path, body, beta) in &passed {
        let (st, v) = call(path, body.clone(), *beta).await;
        assert_eq!(st, 200, "{path} {body}: {v}");
    }
    assert_eq!(fx.seen.lock().unwrap().len(), passed.len());
    // Without an allowlist the server tools pass as before (the policy decides no egress).
    let (st, v, _) = fx
        .chat(
            &[("x-cst", fx.token("claw-gateway", 300))],
            json!({"model":"m-1","messages":msgs,"web_search_options":{}}),
        )
        .await;
    assert_eq!(st, 200, "{v}");
}
