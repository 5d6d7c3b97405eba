//! Three `claw-gateway` processes (the built binary) sharing one real `redis-server`
//! (`docs/SPEC.md §9.7`), in front of a scripted upstream that counts what it receives per
//! call (each call carries a unique marker as its message). Revocations are made with the
//! `claw` CLI against the store (`claw cst revoke --state`), as an operator would.
//!
//! Proves: a nonce (`X-Idempotency-Key`) is forwarded upstream once whichever instance sees
//! it, sequentially and when sent to the three at once, and its receipt is served by all; a
//! one-time token used on one is refused on the others (and exactly one of three concurrent
//! uses passes), also under a new `X-Run-Id` (the client's header never makes a token new
//! again: `a_one_time_token_is_refused_under_a_new_run_id`); an incident switch revokes on its own instance only; a revocation made by
//! the CLI is honoured by all three (propagation measured, asserted within the documented
//! bound); Redis killed under load: every call refused `503 STATE_STORE_UNAVAILABLE`
//! (receipt lookups too), nothing forwarded; Redis back: each process serves again without a
//! restart, and nothing accepted before, during or after the outage is accepted twice.
//!
//! The `claw` binary is `$CLAW_BIN`, or the one next to this test in the target directory
//! (`cargo build -p claw-cli`; the scripts build it first).
#![allow(clippy::disallowed_methods)] // tests may read JSON with serde_json (clippy.toml)
mod common;

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bytes::Bytes;
use claw_core::cst::{self, Claims};
use claw_core::keys::SigningKey;
use claw_gateway::config::{self, Overrides};
use claw_store::testing::RedisServer;
use http_body_util::{BodyExt, Full};
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::{TokioExecutor, TokioIo};
use serde_json::{json, Value};

const EV: &str = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";
/// The documented worst-case propagation bound (SPEC §9.4: max(poll_interval + timeout,
/// max_staleness) with the defaults).
const BOUND: Duration = Duration::from_secs(6);

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

/// Forwarded calls per marker (the first message's content).
#[derive(Clone, Default)]
struct Hits(Arc<Mutex<HashMap<String, usize>>>);

impl Hits {
    fn get(&self, marker: &str) -> usize {
        self.0.lock().unwrap().get(marker).copied().unwrap_or(0)
    }
    fn max(&self) -> usize {
        self.0.lock().unwrap().values().copied().max().unwrap_or(0)
    }
}

/// An OpenAI-shaped upstream that counts the calls it receives, per marker.
async fn counting_upstream() -> (SocketAddr, Hits) {
    let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = l.local_addr().unwrap();
    let hits = Hits::default();
    let h2 = hits.clone();
    tokio::spawn(async move {
        while let Ok((tcp, _)) = l.accept().await {
            let hits = h2.clone();
            tokio::spawn(async move {
                let svc = hyper::service::service_fn(move |r: Request<hyper::body::Incoming>| {
                    let hits = hits.clone();
                    async move {
                        let body = r.into_body().collect().await.unwrap().to_bytes();
                        let v: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
                        let marker = v["messages"][0]["content"]
                            .as_str()
                            .unwrap_or("?")
                            .to_string();
                        *hits.0.lock().unwrap().entry(marker).or_default() += 1;
                        let b = json!({"id": "c", "object":"chat.completion",
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
    (addr, hits)
}

/// A `claw-gateway` process; killed (and reaped) on drop, also when the test fails.
struct Gateway {
    child: Child,
    addr: SocketAddr,
}

impl Drop for Gateway {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn launch(dir: &Path, i: usize, up: SocketAddr, redis: &str) -> Child {
    let log = std::fs::File::create(dir.join(format!("gw{i}.log"))).unwrap();
    Command::new(env!("CARGO_BIN_EXE_claw-gateway"))
        .args(["--listen", "127.0.0.1:0", "--audience", "claw-gateway"])
        .arg("--signing-key")
        .arg(dir.join("gw.jwk"))
        .arg("--cst-issuer")
        .arg(dir.join("issuer.jwk"))
        .arg("--overrides")
        .arg(dir.join(format!("switches{i}.json")))
        .arg("--upstream")
        .arg(format!("openai=http://{up}"))
        .args(["--state", redis, "--one-time-tokens"])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(log)
        .spawn()
        .unwrap()
}

/// The address of its first stdout line (`listening on http://IP:PORT`); the rest of
/// stdout is drained by a thread so the process never writes into a closed pipe.
fn listening(mut child: Child) -> Gateway {
    let mut out = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    out.read_line(&mut line).unwrap();
    std::thread::spawn(move || {
        let _ = out.read_to_end(&mut Vec::new());
    });
    let addr = line
        .trim()
        .strip_prefix("listening on http://")
        .unwrap_or_else(|| panic!("unexpected first line {line:?}"))
        .parse()
        .unwrap();
    Gateway { child, addr }
}

type Client = hyper_util::client::legacy::Client<
    hyper_util::client::legacy::connect::HttpConnector,
    Full<Bytes>,
>;

fn client() -> Client {
    hyper_util::client::legacy::Client::builder(TokioExecutor::new()).build_http()
}

async fn get(c: &Client, addr: SocketAddr, path: &str) -> (StatusCode, Value) {
    let r = c
        .request(
            Request::get(format!("http://{addr}{path}"))
                .body(Full::new(Bytes::new()))
                .unwrap(),
        )
        .await
        .unwrap();
    let st = r.status();
    let b = r.into_body().collect().await.unwrap().to_bytes();
    (st, serde_json::from_slice(&b).unwrap_or(Value::Null))
}

/// A chat call carrying `marker` as its message (what the upstream counts).
async fn chat(
    c: &Client,
    addr: SocketAddr,
    token: &str,
    marker: &str,
    h: &[(&str, &str)],
) -> (StatusCode, Value) {
    let mut b = Request::post(format!("http://{addr}/v1/chat/completions"))
        .header("x-cst", token)
        .header("content-type", "application/json");
    for (k, v) in h {
        b = b.header(*k, *v);
    }
    let body = json!({"model":"gpt-4o-mini","messages":[{"role":"user","content":marker}]});
    let r = c
        .request(b.body(Full::new(Bytes::from(body.to_string()))).unwrap())
        .await
        .unwrap();
    let st = r.status();
    let b = r.into_body().collect().await.unwrap().to_bytes();
    (st, serde_json::from_slice(&b).unwrap_or(Value::Null))
}

fn reason(v: &Value) -> &str {
    v["reason_code"].as_str().unwrap_or("")
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

/// Always yields `self.0` (repeated): tokens issued with it share one `jti`. Tests only.
struct SameJti([u8; 16]);
impl rand_core::RngCore for SameJti {
    fn next_u32(&mut self) -> u32 {
        self.next_u64() as u32
    }
    fn next_u64(&mut self) -> u64 {
        let mut b = [0; 8];
        self.fill_bytes(&mut b);
        u64::from_le_bytes(b)
    }
    fn fill_bytes(&mut self, dest: &mut [u8]) {
        for (d, s) in dest.iter_mut().zip(self.0.iter().cycle()) {
            *d = *s;
        }
    }
    fn try_fill_bytes(&mut self, dest: &mut [u8]) -> Result<(), rand_core::Error> {
        self.fill_bytes(dest);
        Ok(())
    }
}
impl rand_core::CryptoRng for SameJti {}

/// A token bound to `job` (its `mission_id`) whose `jti` is `jti` (16 bytes): one-time
/// tokens are used once per the job they name, so probing an instance again and again needs
/// a new job per call, and revoking the one `jti` revokes every such token.
fn token_for_job(issuer: &SigningKey, jti: [u8; 16], job: &str) -> String {
    let mut c = Claims::new(
        "did:key:z6MkAgent",
        vec!["claw-gateway".into()],
        vec!["proxy:call".into()],
    );
    c.mission_id = Some(job.into());
    let t = cst::issue(
        issuer,
        &c,
        600,
        claw_gateway::now_ms() / 1000,
        &mut SameJti(jti),
    )
    .unwrap();
    assert_eq!(
        t.claims.jti.as_deref(),
        Some(claw_core::b64::encode(jti).as_str())
    );
    t.token
}

/// One call of the load run across the outage.
#[derive(Debug, Clone)]
struct Rec {
    gw: usize,
    marker: String,
    token: String,
    started: Instant,
    ended: Instant,
    status: u16,
    reason: String,
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn three_gateway_processes_share_one_redis() {
    // Persistent (appendfsync always): a restart keeps the data, so the outage below is an
    // outage, not a data loss (SPEC §9.6 covers that case; claw-store/tests/redis.rs).
    let mut redis = RedisServer::start_with(true).unwrap();
    let url = redis.url();
    let (up, hits) = counting_upstream().await;
    let t = tempfile::tempdir().unwrap();
    let dir = t.path();
    let issuer = SigningKey::from_seed(&[2; 32]);
    std::fs::write(dir.join("gw.jwk"), SigningKey::from_seed(&[1; 32]).to_jwk()).unwrap();
    std::fs::write(dir.join("issuer.jwk"), issuer.verifying_key().to_jwk()).unwrap();
    // Start the three in parallel, then read their addresses.
    let children: Vec<Child> = (0..3).map(|i| launch(dir, i, up, &url)).collect();
    let gws: Vec<Gateway> = tokio::task::spawn_blocking(move || {
        children.into_iter().map(listening).collect::<Vec<_>>()
    })
    .await
    .unwrap();
    let a: Vec<SocketAddr> = gws.iter().map(|g| g.addr).collect();
    let c = client();
    // Ready once each has read the revocations from the store (503 until then).
    for (i, &g) in a.iter().enumerate() {
        let deadline = Instant::now() + Duration::from_secs(30);
        for n in 0.. {
            let m = format!("ready-{i}-{n}");
            let (st, v) = chat(&c, g, &token(&issuer).0, &m, &[]).await;
            if st == 200 {
                break;
            }
            assert!(reason(&v).starts_with("STATE_STORE_"), "gateway {i}: {v}");
            assert!(Instant::now() < deadline, "gateway {i} never ready: {v}");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    // 1. A nonce is forwarded once; the other processes refuse it and serve its receipt.
    let (st, first) = chat(
        &c,
        a[0],
        &token(&issuer).0,
        "nonce-1",
        &[("x-idempotency-key", "nonce-1")],
    )
    .await;
    assert_eq!(st, 200, "{first}");
    for &g in &a[1..] {
        let (st, v) = chat(
            &c,
            g,
            &token(&issuer).0,
            "nonce-1",
            &[("x-idempotency-key", "nonce-1")],
        )
        .await;
        assert_eq!((st.as_u16(), reason(&v)), (409, "IDEMPOTENCY_KEY_REUSED"));
    }
    assert_eq!(hits.get("nonce-1"), 1);
    for &g in &a {
        let (st, r) = get(&c, g, "/v1/receipt/nonce-1").await;
        assert_eq!(st, 200, "{r}");
        assert_eq!(r["receipt_envelope"], first["_receipt_envelope"]);
    }
    // Twenty nonces, each sent to the three at once: one forward each.
    for k in 0..20 {
        let n = format!("race-{k}");
        let tok: Vec<String> = (0..3).map(|_| token(&issuer).0).collect();
        let h = [("x-idempotency-key", n.as_str())];
        let (r0, r1, r2) = tokio::join!(
            chat(&c, a[0], &tok[0], &n, &h),
            chat(&c, a[1], &tok[1], &n, &h),
            chat(&c, a[2], &tok[2], &n, &h),
        );
        let rs = [r0, r1, r2];
        assert_eq!(rs.iter().filter(|r| r.0 == 200).count(), 1, "{rs:?}");
        for r in &rs {
            assert!(
                r.0 == 200 || (r.0 == 409 && reason(&r.1) == "IDEMPOTENCY_KEY_REUSED"),
                "{r:?}"
            );
        }
        assert_eq!(hits.get(&n), 1, "{n}");
    }

    // 2. A one-time token used on one process is refused on the others; of three
    //    concurrent uses of a fresh token, exactly one passes.
    let (once, _) = token(&issuer);
    assert_eq!(chat(&c, a[1], &once, "once", &[]).await.0, 200);
    for (i, &g) in a.iter().enumerate() {
        let (st, v) = chat(&c, g, &once, "once", &[]).await;
        assert_eq!((st.as_u16(), reason(&v)), (401, "TOKEN_REPLAYED"));
        // Nor does a run id the client invents make it new again, on any process.
        let run = format!("once-run-{i}");
        let h = [("x-run-id", run.as_str()), ("x-event-hash", EV)];
        let (st, v) = chat(&c, g, &once, "once", &h).await;
        assert_eq!((st.as_u16(), reason(&v)), (401, "TOKEN_REPLAYED"));
    }
    assert_eq!(hits.get("once"), 1);
    for k in 0..10 {
        let (tk, _) = token(&issuer);
        let m = format!("once-race-{k}");
        let (r0, r1, r2) = tokio::join!(
            chat(&c, a[0], &tk, &m, &[]),
            chat(&c, a[1], &tk, &m, &[]),
            chat(&c, a[2], &tk, &m, &[]),
        );
        let rs = [r0, r1, r2];
        assert_eq!(rs.iter().filter(|r| r.0 == 200).count(), 1, "{rs:?}");
        assert!(
            rs.iter()
                .all(|r| r.0 == 200 || (r.0 == 401 && reason(&r.1) == "TOKEN_REPLAYED")),
            "{rs:?}"
        );
        assert_eq!(hits.get(&m), 1);
    }

    // 3. An incident switch of one process revokes there (SIGHUP reload), and only there.
    //    Probed with tokens sharing one jti, each bound to its call's X-Run-Id (one-time).
    let sw_bytes = [0x5a; 16];
    let sw_jti = claw_core::b64::encode(sw_bytes);
    std::fs::write(
        dir.join("switches2.json"),
        json!({"revoked_jtis": [sw_jti]}).to_string(),
    )
    .unwrap();
    let hup = Command::new("kill")
        .args(["-HUP", &gws[2].child.id().to_string()])
        .status()
        .unwrap();
    assert!(hup.success());
    let deadline = Instant::now() + Duration::from_secs(10);
    let mut k = 0;
    loop {
        k += 1;
        let run = format!("sw-{k}");
        let (st, v) = chat(
            &c,
            a[2],
            &token_for_job(&issuer, sw_bytes, &run),
            &run,
            &[("x-run-id", &run), ("x-event-hash", EV)],
        )
        .await;
        if reason(&v) == "TOKEN_REVOKED" {
            assert_eq!(st, 401);
            break;
        }
        assert_eq!(st, 200, "{v}");
        assert!(Instant::now() < deadline, "SIGHUP reload not seen");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(
        chat(
            &c,
            a[0],
            &token_for_job(&issuer, sw_bytes, "sw-other"),
            "sw-other",
            &[("x-run-id", "sw-other"), ("x-event-hash", EV)]
        )
        .await
        .0,
        200
    );

    // 4. `claw cst revoke --jti --state` honoured by all three; propagation measured. Each
    //    process is probed without pause from before the CLI starts until it refuses, each
    //    probe with its own X-Run-Id and a token bound to it (a one-time token is used once
    //    per the job it names), all the round's tokens sharing the one jti revoked.
    let mut after_return = Vec::new();
    for round in 0..5u8 {
        let rbytes = [0x70 + round; 16];
        let rjti = claw_core::b64::encode(rbytes);
        let go = Arc::new(AtomicBool::new(false));
        let probes: Vec<_> = a
            .iter()
            .enumerate()
            .map(|(i, &g)| {
                let (c, go, issuer) = (c.clone(), go.clone(), SigningKey::from_seed(&[2; 32]));
                tokio::spawn(async move {
                    let mut accepted_starts = Vec::new();
                    for probe in 0u32.. {
                        let run = format!("rev-{round}-{i}-{probe}");
                        let rt = token_for_job(&issuer, rbytes, &run);
                        let started = Instant::now();
                        let (st, v) = chat(
                            &c,
                            g,
                            &rt,
                            &run,
                            &[("x-run-id", &run), ("x-event-hash", EV)],
                        )
                        .await;
                        if reason(&v) == "TOKEN_REVOKED" {
                            assert_eq!(st, 401);
                            assert!(go.load(Ordering::SeqCst), "refused before the revoke");
                            return (accepted_starts, Instant::now());
                        }
                        assert_eq!(st, 200, "{v}");
                        accepted_starts.push(started);
                    }
                    unreachable!()
                })
            })
            .collect();
        tokio::time::sleep(Duration::from_millis(100)).await;
        go.store(true, Ordering::SeqCst);
        let t0 = Instant::now();
        let (u, j) = (url.clone(), rjti.clone());
        let out = tokio::task::spawn_blocking(move || {
            Command::new(claw_bin())
                .args(["cst", "revoke", "--jti", &j, "--state", &u])
                .output()
                .unwrap()
        })
        .await
        .unwrap();
        let t1 = Instant::now();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let mut worst = Duration::ZERO;
        let mut lag = Duration::ZERO;
        for (i, p) in probes.into_iter().enumerate() {
            let (accepted, refused_at) = tokio::time::timeout(BOUND * 2, p)
                .await
                .unwrap_or_else(|_| panic!("instance {i} never refused"))
                .unwrap();
            // Upper bound: the first refusal came back this long after the CLI returned.
            let upper = refused_at.saturating_duration_since(t1);
            assert!(upper < BOUND, "instance {i} refused only after {upper:?}");
            worst = worst.max(upper);
            // Lower bound: a call that started this long after the CLI returned was still
            // accepted.
            if let Some(s) = accepted.iter().filter(|s| **s > t1).max() {
                lag = lag.max(s.duration_since(t1));
            }
        }
        println!(
            "revocation round {round}: claw cst revoke took {:?}; all 3 processes refusing within {worst:?} of its return (latest call still accepted started {lag:?} after it)",
            t1 - t0
        );
        after_return.push(worst);
    }
    after_return.sort();
    println!("revocation propagation (upper bounds, 5 rounds): {after_return:?}");

    // 5. Redis killed under load, then restarted: every call refused while it is down,
    //    service resumes without a restart, nothing accepted twice.
    let recs = Arc::new(Mutex::new(Vec::<Rec>::new()));
    let stop = Arc::new(AtomicBool::new(false));
    let loaders: Vec<_> = a
        .iter()
        .enumerate()
        .map(|(i, &g)| {
            let (c, recs, stop, issuer) = (
                c.clone(),
                recs.clone(),
                stop.clone(),
                SigningKey::from_seed(&[2; 32]),
            );
            tokio::spawn(async move {
                for k in 0u32.. {
                    if stop.load(Ordering::SeqCst) {
                        break;
                    }
                    let marker = format!("load-{i}-{k}");
                    let (tk, _) = token(&issuer);
                    let started = Instant::now();
                    let (st, v) = chat(
                        &c,
                        g,
                        &tk,
                        &marker,
                        &[("x-idempotency-key", marker.as_str())],
                    )
                    .await;
                    recs.lock().unwrap().push(Rec {
                        gw: i,
                        marker,
                        token: tk,
                        started,
                        ended: Instant::now(),
                        status: st.as_u16(),
                        reason: reason(&v).to_string(),
                    });
                    tokio::time::sleep(Duration::from_millis(10)).await;
                }
            })
        })
        .collect();
    tokio::time::sleep(Duration::from_millis(500)).await;
    tokio::task::block_in_place(|| redis.kill());
    let killed = Instant::now();
    for &g in &a {
        let (st, v) = get(&c, g, "/v1/receipt/nonce-1").await;
        assert_eq!((st.as_u16(), reason(&v)), (503, "STATE_STORE_UNAVAILABLE"));
    }
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let restarting = Instant::now();
    tokio::task::block_in_place(|| redis.restart()).unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let back = {
            let r = recs.lock().unwrap();
            (0..3)
                .filter(|i| {
                    r.iter()
                        .any(|x| x.gw == *i && x.status == 200 && x.started > restarting)
                })
                .count()
        };
        if back == 3 {
            break;
        }
        assert!(Instant::now() < deadline, "not every process recovered");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    stop.store(true, Ordering::SeqCst);
    for l in loaders {
        l.await.unwrap();
    }
    let recs = recs.lock().unwrap().clone();
    let during: Vec<&Rec> = recs
        .iter()
        .filter(|r| r.started > killed && r.ended < restarting)
        .collect();
    for i in 0..3 {
        assert!(
            during.iter().filter(|r| r.gw == i).count() >= 3,
            "process {i} barely tried during the outage"
        );
    }
    for r in &during {
        assert_eq!(
            (r.status, r.reason.as_str()),
            (503, "STATE_STORE_UNAVAILABLE"),
            "{r:?}"
        );
        assert_eq!(hits.get(&r.marker), 0, "{r:?}");
    }
    let recovered: Vec<Duration> = (0..3)
        .filter_map(|i| {
            recs.iter()
                .filter(|r| r.gw == i && r.status == 200 && r.started > restarting)
                .map(|r| r.ended - restarting)
                .min()
        })
        .collect();
    println!(
        "outage: {} calls before, {} during (all 503), {} after; first call served {recovered:?} after the restart began",
        recs.iter().filter(|r| r.ended <= killed).count(),
        during.len(),
        recs.iter().filter(|r| r.started >= restarting).count()
    );
    // Every load call's nonce and token sent again to another process: what was accepted is
    // refused; what was refused in the outage may pass once now (it was never recorded).
    let resends: Vec<_> = (0..3)
        .map(|i| {
            let mine: Vec<Rec> = recs.iter().filter(|r| r.gw == i).cloned().collect();
            let (c, a, issuer) = (c.clone(), a.clone(), SigningKey::from_seed(&[2; 32]));
            tokio::spawn(async move {
                for r in mine {
                    let (st, v) = chat(
                        &c,
                        a[(r.gw + 1) % 3],
                        &token(&issuer).0,
                        &r.marker,
                        &[("x-idempotency-key", r.marker.as_str())],
                    )
                    .await;
                    if r.status == 200 {
                        assert_eq!((st.as_u16(), reason(&v)), (409, "IDEMPOTENCY_KEY_REUSED"));
                    } else {
                        assert!(
                            st == 200 || reason(&v) == "IDEMPOTENCY_KEY_REUSED",
                            "{r:?}: {v}"
                        );
                    }
                    let again = format!("{}-token", r.marker);
                    let (st, v) = chat(&c, a[(r.gw + 2) % 3], &r.token, &again, &[]).await;
                    if r.status == 200 {
                        assert_eq!((st.as_u16(), reason(&v)), (401, "TOKEN_REPLAYED"));
                    } else {
                        assert!(st == 200 || reason(&v) == "TOKEN_REPLAYED", "{r:?}: {v}");
                    }
                }
            })
        })
        .collect();
    for r in resends {
        r.await.unwrap();
    }
    for r in recs.iter().filter(|r| r.status == 200) {
        assert_eq!(hits.get(&r.marker), 1, "{r:?}");
    }
    // Nothing was forwarded twice, across everything this test sent (every marker is
    // unique but "once", forwarded once and refused since).
    assert_eq!(hits.max(), 1);
    // What was used before the outage is still refused everywhere.
    for &g in &a {
        assert_eq!(
            reason(&chat(&c, g, &once, "once", &[]).await.1),
            "TOKEN_REPLAYED"
        );
        assert_eq!(get(&c, g, "/v1/receipt/nonce-1").await.0, 200);
    }
    drop(gws);
}

/// A one-time token (bound to no job) used once, then presented again under a new
/// `X-Run-Id`: refused `401 TOKEN_REPLAYED`, not forwarded. The run id is the client's to
/// choose, so it never makes a used token new again (`docs/SPEC.md §5.4`); a token bound to
/// a job by its `mission_id` is used once in that job.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_one_time_token_is_refused_under_a_new_run_id() {
    let redis = RedisServer::start().unwrap();
    let url = redis.url();
    let (up, hits) = counting_upstream().await;
    let gw = common::Gateway::start(
        up,
        &["gpt-4o-mini"],
        |o, _| {
            o.state = Some(url);
            o.one_time_tokens = true;
        },
        |_| {},
    )
    .await;
    let c = client();
    let run = |r: &'static str| [("x-run-id", r), ("x-event-hash", EV)];
    // Ready once the revocations were read from the store (503 until then).
    let deadline = Instant::now() + Duration::from_secs(30);
    for n in 0.. {
        let m = format!("ready-{n}");
        let (st, v) = chat(&c, gw.addr, &gw.token_for("claw-gateway", 600), &m, &[]).await;
        if st == 200 {
            break;
        }
        assert!(reason(&v).starts_with("STATE_STORE_"), "{v}");
        assert!(Instant::now() < deadline, "never ready: {v}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }

    let t = gw.token_for("claw-gateway", 600);
    let (st, v) = chat(&c, gw.addr, &t, "first", &run("run-a")).await;
    assert_eq!(st, 200, "{v}");
    for (r, m) in [("run-b", "second"), ("run-a", "third")] {
        let (st, v) = chat(&c, gw.addr, &t, m, &run(r)).await;
        assert_eq!((st.as_u16(), reason(&v)), (401, "TOKEN_REPLAYED"), "{r}");
    }
    let (st, v) = chat(&c, gw.addr, &t, "fourth", &[]).await;
    assert_eq!((st.as_u16(), reason(&v)), (401, "TOKEN_REPLAYED"));
    assert_eq!(
        (
            hits.get("first"),
            hits.get("second"),
            hits.get("third"),
            hits.get("fourth")
        ),
        (1, 0, 0, 0)
    );

    // Bound to run-c by its mission_id: once there; elsewhere it is another job's token.
    let bound = token_for_job(&gw.issuer, [0x33; 16], "run-c");
    assert_eq!(
        chat(&c, gw.addr, &bound, "bound-1", &run("run-c")).await.0,
        200
    );
    let (st, v) = chat(&c, gw.addr, &bound, "bound-2", &run("run-c")).await;
    assert_eq!((st.as_u16(), reason(&v)), (401, "TOKEN_REPLAYED"));
    let (st, v) = chat(&c, gw.addr, &bound, "bound-3", &run("run-d")).await;
    assert_eq!((st.as_u16(), reason(&v)), (401, "TOKEN_MISSION_MISMATCH"));
    assert_eq!(hits.get("bound-1"), 1);
    assert_eq!(hits.get("bound-2") + hits.get("bound-3"), 0);
    drop(gw);
    drop(redis);
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
