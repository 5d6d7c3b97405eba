//! Three claw-gateway instances sharing one Redis (`docs/SPEC.md §9.7`): a real
//! `redis-server` on a free port (claw_store::testing), three gateways in this process,
//! each with its own store connection, and a counting scripted upstream.
//!
//! Proves: a nonce is forwarded once whichever instance sees it (and its receipt is served
//! by all), a one-time token used on one is refused on the others, a revocation made
//! through the store is honoured by all (propagation measured), the incident switches
//! still revoke, and with Redis killed every call is refused (503
//! `STATE_STORE_UNAVAILABLE`), service resumes when it is back, nothing is accepted twice.

use std::net::SocketAddr;
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use claw_core::cst::{self, Claims, Revocation, RevocationStore};
use claw_core::keys::SigningKey;
use claw_gateway::config::{self, Overrides};
use claw_gateway::state::State;
use claw_store::testing::RedisServer;
use claw_store::RedisState;
use http_body_util::{BodyExt, Full};
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::{TokioExecutor, TokioIo};
use serde_json::{json, Value};

const EV: &str = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";

/// An OpenAI-shaped upstream that counts the calls it receives.
async fn counting_upstream() -> (SocketAddr, Arc<AtomicUsize>) {
    let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = l.local_addr().unwrap();
    let n = Arc::new(AtomicUsize::new(0));
    let n2 = n.clone();
    tokio::spawn(async move {
        while let Ok((tcp, _)) = l.accept().await {
            let n = n2.clone();
            tokio::spawn(async move {
                let svc = hyper::service::service_fn(move |r: Request<hyper::body::Incoming>| {
                    let n = n.clone();
                    async move {
                        let _ = r.into_body().collect().await;
                        let k = n.fetch_add(1, Ordering::SeqCst) + 1;
                        let b = json!({"id": format!("c{k}"), "object":"chat.completion",
                            "choices":[{"index":0,"message":{"role":"assistant","content":"hi"},"finish_reason":"stop"}],
                            "usage":{"prompt_tokens":1,"completion_tokens":1}});
                        Ok::<_, std::convert::Infallible>(
                            Response::builder()
                                .header("content-type", "application/json")
                                .body(Full::new(Bytes::from(b.to_string())))
                                .unwrap(),
                        )
                    }
                });
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(TokioIo::new(tcp), svc)
                    .await;
            });
        }
    });
    (addr, n)
}

struct Gw {
    addr: SocketAddr,
    state: Arc<State>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
}

impl Drop for Gw {
    fn drop(&mut self) {
        if let Some(s) = self.stop.take() {
            let _ = s.send(());
        }
    }
}

async fn gateway(dir: &Path, i: usize, up: SocketAddr, redis: &str) -> Gw {
    let o = Overrides {
        listen: Some("127.0.0.1:0".into()),
        signing_key: Some(dir.join("gw.jwk")),
        cst_issuers: vec![dir.join("issuer.jwk")],
        audience: Some("claw-gateway".into()),
        overrides: Some(dir.join(format!("switches{i}.json"))),
        upstreams: vec![format!("openai=http://{up}")],
        state: Some(redis.to_string()),
        one_time_tokens: true,
        ..Overrides::default()
    };
    let state = Arc::new(State::load(config::resolve(None, o).unwrap()).unwrap());
    let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = l.local_addr().unwrap();
    let (stop, rx) = tokio::sync::oneshot::channel::<()>();
    let st = state.clone();
    tokio::spawn(async move {
        let _ = claw_gateway::server::serve(st, l, async {
            let _ = rx.await;
        })
        .await;
    });
    Gw {
        addr,
        state,
        stop: Some(stop),
    }
}

async fn send(
    addr: SocketAddr,
    method: &str,
    path: &str,
    h: &[(&str, &str)],
) -> (StatusCode, Value) {
    let client = hyper_util::client::legacy::Client::builder(TokioExecutor::new())
        .build_http::<Full<Bytes>>();
    let mut b = Request::builder()
        .method(method)
        .uri(format!("http://{addr}{path}"));
    for (k, v) in h {
        b = b.header(*k, *v);
    }
    let body = if method == "POST" {
        json!({"model":"gpt-4o-mini","messages":[]}).to_string()
    } else {
        String::new()
    };
    let r = client
        .request(b.body(Full::new(Bytes::from(body))).unwrap())
        .await
        .unwrap();
    let st = r.status();
    let b = r.into_body().collect().await.unwrap().to_bytes();
    (st, serde_json::from_slice(&b).unwrap_or(Value::Null))
}

async fn chat(addr: SocketAddr, token: &str, extra: &[(&str, &str)]) -> (StatusCode, Value) {
    let mut h = vec![("x-cst", token)];
    h.extend_from_slice(extra);
    send(addr, "POST", "/v1/chat/completions", &h).await
}

fn token(issuer: &SigningKey) -> (String, String) {
    let c = Claims::new(
        "did:key:z6MkAgent",
        vec!["claw-gateway".into()],
        vec!["proxy:call".into()],
    );
    let t = cst::issue(
        issuer,
        &c,
        600,
        claw_gateway::now_ms() / 1000,
        &mut rand_core::OsRng,
    )
    .unwrap();
    let jti = t.claims.jti.clone().unwrap();
    (t.token, jti)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn three_gateways_share_one_redis() {
    // Persistent (appendfsync always): a restart keeps the data, so the outage below is
    // an outage, not a data loss (§9.6 covers that case).
    let mut redis = RedisServer::start_with(true).unwrap();
    let url = redis.url();
    let (up, count) = counting_upstream().await;
    let t = tempfile::tempdir().unwrap();
    let dir = t.path();
    let issuer = SigningKey::from_seed(&[2; 32]);
    std::fs::write(dir.join("gw.jwk"), SigningKey::from_seed(&[1; 32]).to_jwk()).unwrap();
    std::fs::write(dir.join("issuer.jwk"), issuer.verifying_key().to_jwk()).unwrap();
    let mut gws = Vec::new();
    for i in 0..3 {
        gws.push(gateway(dir, i, up, &url).await);
    }
    for g in &gws {
        let s = g.state.shared.as_ref().unwrap().store.clone();
        tokio::task::spawn_blocking(move || s.wait_ready(Duration::from_secs(10)))
            .await
            .unwrap()
            .unwrap();
    }
    let a: Vec<SocketAddr> = gws.iter().map(|g| g.addr).collect();

    // 1. A nonce is forwarded once; the other instances refuse it and serve its receipt.
    let (st, v) = chat(a[0], &token(&issuer).0, &[("x-idempotency-key", "nonce-1")]).await;
    assert_eq!(st, 200, "{v}");
    assert_eq!(count.load(Ordering::SeqCst), 1);
    for &g in &a[1..] {
        let (st, v) = chat(g, &token(&issuer).0, &[("x-idempotency-key", "nonce-1")]).await;
        assert_eq!(st, 409, "{v}");
        assert_eq!(v["reason_code"], "IDEMPOTENCY_KEY_REUSED");
    }
    assert_eq!(count.load(Ordering::SeqCst), 1);
    for &g in &a {
        let (st, r) = send(g, "GET", "/v1/receipt/nonce-1", &[]).await;
        assert_eq!(st, 200, "{r}");
        assert_eq!(r["receipt_envelope"], v["_receipt_envelope"]);
    }
    // The same nonce sent to the three at once: exactly one forward.
    let tok: Vec<String> = (0..3).map(|_| token(&issuer).0).collect();
    let (r0, r1, r2) = tokio::join!(
        chat(a[0], &tok[0], &[("x-idempotency-key", "nonce-2")]),
        chat(a[1], &tok[1], &[("x-idempotency-key", "nonce-2")]),
        chat(a[2], &tok[2], &[("x-idempotency-key", "nonce-2")]),
    );
    let ok = [&r0, &r1, &r2].iter().filter(|r| r.0 == 200).count();
    assert_eq!(ok, 1, "{r0:?} {r1:?} {r2:?}");
    for r in [&r0, &r1, &r2] {
        assert!(
            r.0 == 200 || r.1["reason_code"] == "IDEMPOTENCY_KEY_REUSED",
            "{r:?}"
        );
    }
    assert_eq!(count.load(Ordering::SeqCst), 2);

    // 2. A one-time token used on one instance is refused on the others.
    let (once, _) = token(&issuer);
    assert_eq!(chat(a[1], &once, &[]).await.0, 200);
    for &g in &a {
        let (st, v) = chat(g, &once, &[]).await;
        assert_eq!(st, 401, "{v}");
        assert_eq!(v["reason_code"], "TOKEN_REPLAYED");
    }
    assert_eq!(count.load(Ordering::SeqCst), 3);

    // 3. The incident switches of one instance still revoke there (and only there).
    let (sw, sw_jti) = token(&issuer);
    std::fs::write(
        dir.join("switches2.json"),
        json!({"revoked_jtis": [sw_jti]}).to_string(),
    )
    .unwrap();
    gws[2].state.reload().unwrap();
    let (st, v) = chat(a[2], &sw, &[]).await;
    assert_eq!(
        (st.as_u16(), &v["reason_code"]),
        (401, &json!("TOKEN_REVOKED"))
    );
    assert_eq!(chat(a[0], &sw, &[]).await.0, 200);
    assert_eq!(count.load(Ordering::SeqCst), 4);

    // 4. A revocation made through the store is honoured by every instance; measured.
    let (rt, rjti) = token(&issuer);
    let admin = {
        let u = url.clone();
        tokio::task::spawn_blocking(move || RedisState::open(&u).unwrap())
            .await
            .unwrap()
    };
    let t0 = Instant::now();
    let admin = tokio::task::spawn_blocking(move || {
        admin.revoke(&[Revocation::Jti(rjti)]).unwrap();
        admin
    })
    .await
    .unwrap();
    let revoked_at = t0.elapsed();
    let mut worst = Duration::ZERO;
    for (i, &g) in a.iter().enumerate() {
        let mut probe = 0u32;
        loop {
            // A new job each probe: the one-time use is per (jti, job).
            probe += 1;
            let run = format!("run-{i}-{probe}");
            let (st, v) = chat(g, &rt, &[("x-run-id", &run), ("x-event-hash", EV)]).await;
            if v["reason_code"] == "TOKEN_REVOKED" {
                assert_eq!(st, 401);
                break;
            }
            assert_eq!(st, 200, "{v}");
            assert!(
                t0.elapsed() < Duration::from_secs(6),
                "not revoked within the bound"
            );
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
        println!(
            "revocation: instance {i} refusing after {:?} ({probe} probes)",
            t0.elapsed()
        );
        worst = worst.max(t0.elapsed());
    }
    println!(
        "revocation: revoke returned after {revoked_at:?}; all 3 instances refusing after {worst:?}"
    );
    // 5. Redis killed: every call refused (503), nothing forwarded; back: service resumes
    //    without a restart, and nothing used before is accepted again.
    let before = count.load(Ordering::SeqCst);
    redis.kill();
    for &g in &a {
        let (st, v) = chat(g, &token(&issuer).0, &[]).await;
        assert_eq!(st, 503, "{v}");
        assert_eq!(v["reason_code"], "STATE_STORE_UNAVAILABLE");
        let (st, v) = chat(g, &token(&issuer).0, &[("x-idempotency-key", "nonce-3")]).await;
        assert_eq!(st, 503, "{v}");
        let (st, v) = send(g, "GET", "/v1/receipt/nonce-1", &[]).await;
        assert_eq!(
            (st.as_u16(), &v["reason_code"]),
            (503, &json!("STATE_STORE_UNAVAILABLE"))
        );
    }
    assert_eq!(count.load(Ordering::SeqCst), before);
    redis.restart().unwrap();
    for &g in &a {
        let deadline = Instant::now() + Duration::from_secs(15);
        loop {
            let (st, v) = chat(g, &token(&issuer).0, &[]).await;
            if st == 200 {
                break;
            }
            assert!(
                v["reason_code"]
                    .as_str()
                    .unwrap_or("")
                    .starts_with("STATE_STORE_"),
                "{v}"
            );
            assert!(Instant::now() < deadline, "no recovery: {v}");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
    let resumed = count.load(Ordering::SeqCst);
    for &g in &a {
        assert_eq!(chat(g, &once, &[]).await.1["reason_code"], "TOKEN_REPLAYED");
        let (st, v) = chat(g, &token(&issuer).0, &[("x-idempotency-key", "nonce-1")]).await;
        assert_eq!(
            (st.as_u16(), &v["reason_code"]),
            (409, &json!("IDEMPOTENCY_KEY_REUSED"))
        );
        assert_eq!(send(g, "GET", "/v1/receipt/nonce-1", &[]).await.0, 200);
    }
    assert_eq!(count.load(Ordering::SeqCst), resumed);

    drop(admin);
    drop(gws);
}

#[test]
fn state_config_is_checked() {
    let t = tempfile::tempdir().unwrap();
    let base = Overrides {
        signing_key: Some(t.path().join("gw.jwk")),
        cst_issuers: vec![t.path().join("issuer.jwk")],
        audience: Some("claw-gateway".into()),
        upstreams: vec!["openai=http://127.0.0.1:9".into()],
        ..Overrides::default()
    };
    let once_alone = Overrides {
        one_time_tokens: true,
        ..base.clone()
    };
    let e = config::resolve(None, once_alone).unwrap_err();
    assert!(e.to_string().contains("one_time_tokens needs"), "{e}");
    let bad = Overrides {
        state: Some("http://127.0.0.1:6379".into()),
        ..base.clone()
    };
    let e = config::resolve(None, bad).unwrap_err();
    assert_eq!(e.reason_code(), "CONFIG_INVALID");
    assert!(e.to_string().starts_with("state: "), "{e}");
    let good = Overrides {
        state: Some("redis://127.0.0.1:6379".into()),
        one_time_tokens: true,
        ..base
    };
    let c = config::resolve(None, good).unwrap();
    assert_eq!(c.state.as_deref(), Some("redis://127.0.0.1:6379"));
    assert!(c.one_time_tokens);
}
