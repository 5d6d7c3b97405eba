//! The upstream pool's rules, against a hand-written HTTP/1.1 server that counts the
//! connections it accepts and the requests it reads (plain TCP, and TLS with a CA made by
//! `openssl` for the test).

use std::path::Path;
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use http_body_util::Full;
use hyper::Request;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpListener;

use super::*;

/// What the server does with its n-th request (0-based, over all connections).
#[derive(Clone, Copy, Debug)]
enum Act {
    /// Answer 200 with a body of this many bytes and keep the connection.
    Answer(usize),
    /// Answer 200 (a small body), then close the connection 50 ms later (no
    /// `Connection: close`).
    AnswerThenClose,
    /// Read the request, then close without answering.
    HangUp,
}

#[derive(Default)]
struct Counts {
    conns: AtomicUsize,
    reqs: AtomicUsize,
    first_head: Mutex<String>,
}

struct Server {
    port: u16,
    counts: Arc<Counts>,
}

impl Server {
    fn conns(&self) -> usize {
        self.counts.conns.load(Ordering::SeqCst)
    }
    fn reqs(&self) -> usize {
        self.counts.reqs.load(Ordering::SeqCst)
    }
    fn url(&self, scheme: &str, host: &str) -> String {
        format!("{scheme}://{host}:{}/v1/chat/completions", self.port)
    }
}

async fn serve_conn<S: AsyncRead + AsyncWrite + Unpin>(
    mut s: S,
    counts: Arc<Counts>,
    plan: Arc<dyn Fn(usize) -> Act + Send + Sync>,
) {
    let mut buf = Vec::new();
    loop {
        // One request: head, then content-length bytes.
        let head_end = loop {
            if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                break i + 4;
            }
            let mut chunk = [0u8; 4096];
            match s.read(&mut chunk).await {
                Ok(0) | Err(_) => return,
                Ok(n) => buf.extend_from_slice(&chunk[..n]),
            }
        };
        let head = String::from_utf8_lossy(&buf[..head_end]).to_string();
        let len: usize = head
            .lines()
            .find_map(|l| {
                l.to_ascii_lowercase()
                    .strip_prefix("content-length:")
                    .map(|v| v.trim().parse().unwrap())
            })
            .unwrap_or(0);
        while buf.len() < head_end + len {
            let mut chunk = [0u8; 4096];
            match s.read(&mut chunk).await {
                Ok(0) | Err(_) => return,
                Ok(n) => buf.extend_from_slice(&chunk[..n]),
            }
        }
        buf.drain(..head_end + len);
        let n = counts.reqs.fetch_add(1, Ordering::SeqCst);
        if n == 0 {
            *counts.first_head.lock().unwrap() = head;
        }
        let (body_len, close) = match plan(n) {
            Act::Answer(b) => (b, false),
            Act::AnswerThenClose => (2, true),
            Act::HangUp => return,
        };
        let mut out = format!(
            "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {body_len}\r\n\r\n"
        )
        .into_bytes();
        out.resize(out.len() + body_len, b'x');
        if s.write_all(&out).await.is_err() {
            return;
        }
        let _ = s.flush().await;
        if close {
            // Later, so that the client has pooled the connection by then.
            tokio::time::sleep(Duration::from_millis(50)).await;
            let _ = s.shutdown().await;
            return;
        }
    }
}

async fn server(
    plan: impl Fn(usize) -> Act + Send + Sync + 'static,
    tls: Option<tokio_rustls::TlsAcceptor>,
) -> Server {
    let l = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = l.local_addr().unwrap().port();
    let counts = Arc::new(Counts::default());
    let plan: Arc<dyn Fn(usize) -> Act + Send + Sync> = Arc::new(plan);
    let c = counts.clone();
    tokio::spawn(async move {
        while let Ok((tcp, _)) = l.accept().await {
            c.conns.fetch_add(1, Ordering::SeqCst);
            let (c, plan, tls) = (c.clone(), plan.clone(), tls.clone());
            tokio::spawn(async move {
                match tls {
                    None => serve_conn(tcp, c, plan).await,
                    Some(acc) => {
                        if let Ok(s) = acc.accept(tcp).await {
                            serve_conn(s, c, plan).await
                        }
                    }
                }
            });
        }
    });
    Server { port, counts }
}

fn client() -> Upstream {
    Upstream::with_roots(Duration::from_secs(5), rustls::RootCertStore::empty()).unwrap()
}

fn post(url: &str) -> Request<Body> {
    Request::post(url)
        .header("content-type", "application/json")
        .body(Full::new(Bytes::from_static(b"{\"model\":\"m-1\"}")))
        .unwrap()
}

/// Send and read the whole body; the body's length.
async fn call(up: &Upstream, url: &str) -> usize {
    let mut r = up.send(post(url)).await.unwrap();
    assert_eq!(r.status(), 200);
    let mut n = 0;
    while let Some(f) = r.frame().await {
        n += f.unwrap().into_data().map(|d| d.len()).unwrap_or(0);
    }
    n
}

fn idle_count(up: &Upstream) -> usize {
    up.inner.idle.lock().unwrap().values().map(Vec::len).sum()
}

#[tokio::test]
async fn connections_are_reused_and_requests_written_as_before() {
    let s = server(|_| Act::Answer(100), None).await;
    let up = client();
    for _ in 0..5 {
        assert_eq!(call(&up, &s.url("http", "127.0.0.1")).await, 100);
    }
    assert_eq!(
        (s.conns(), s.reqs()),
        (1, 5),
        "one connection, five requests"
    );
    // Origin-form target and the Host header hyper-util's client wrote (port kept, not the
    // scheme's default).
    let head = s.counts.first_head.lock().unwrap().clone();
    assert!(
        head.starts_with("POST /v1/chat/completions HTTP/1.1\r\n"),
        "{head}"
    );
    assert!(
        head.contains(&format!("\r\nhost: 127.0.0.1:{}\r\n", s.port)),
        "{head}"
    );
}

#[tokio::test]
async fn a_response_not_read_to_its_end_never_returns_its_connection() {
    let s = server(|_| Act::Answer(256 * 1024), None).await;
    let up = client();
    let url = s.url("http", "127.0.0.1");
    // Head only, then dropped.
    drop(up.send(post(&url)).await.unwrap());
    // One frame of a large body, then dropped.
    let mut r = up.send(post(&url)).await.unwrap();
    assert!(r.frame().await.unwrap().is_ok());
    drop(r);
    // Read to the end: this one is reused by the next call.
    assert_eq!(call(&up, &url).await, 256 * 1024);
    assert_eq!(call(&up, &url).await, 256 * 1024);
    assert_eq!(
        (s.conns(), s.reqs()),
        (3, 4),
        "the two unfinished responses each cost their connection; the finished one was reused"
    );
}

#[tokio::test]
async fn an_idle_connection_the_upstream_closed_is_replaced() {
    let s = server(|_| Act::AnswerThenClose, None).await;
    let up = client();
    let url = s.url("http", "127.0.0.1");
    assert_eq!(call(&up, &url).await, 2);
    assert_eq!(idle_count(&up), 1, "pooled");
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(call(&up, &url).await, 2);
    assert_eq!((s.conns(), s.reqs()), (2, 2));
}

#[tokio::test]
async fn a_written_request_is_never_sent_again() {
    let s = server(|n| if n == 0 { Act::Answer(10) } else { Act::HangUp }, None).await;
    let up = client();
    let url = s.url("http", "127.0.0.1");
    assert_eq!(call(&up, &url).await, 10);
    // The pooled connection carries the request; the upstream reads it and hangs up.
    let e = up.send(post(&url)).await.unwrap_err();
    assert!(matches!(e, UpstreamError::Http(_)), "{e}");
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert_eq!(
        (s.conns(), s.reqs()),
        (1, 2),
        "the failed request reached the upstream once and was not resent"
    );
}

#[tokio::test]
async fn a_request_never_written_is_sent_once_more_on_a_fresh_connection() {
    let s = server(|_| Act::AnswerThenClose, None).await;
    let up = client();
    let url = s.url("http", "127.0.0.1");
    assert_eq!(call(&up, &url).await, 2);
    // The upstream has closed the pooled connection; take it from the pool without the
    // check `checkout` makes, so that hyper finds the EOF before writing the request.
    assert_eq!(idle_count(&up), 1, "pooled");
    tokio::time::sleep(Duration::from_millis(200)).await;
    let mut req = post(&url);
    let key = prepare(&mut req).unwrap();
    let stale = {
        let mut map = up.inner.idle.lock().unwrap();
        map.get_mut(&key).and_then(Vec::pop).expect("pooled")
    };
    let mut r = up.send_on(&key, Some(stale.conn), req).await.unwrap();
    assert_eq!(r.status(), 200);
    while r.frame().await.is_some() {}
    assert_eq!(
        (s.conns(), s.reqs()),
        (2, 2),
        "sent once, on a second connection"
    );
}

#[tokio::test]
async fn at_most_the_bound_of_idle_connections_is_kept() {
    let s = server(|_| Act::Answer(1), None).await;
    let up = client();
    let url = s.url("http", "127.0.0.1");
    let n = MAX_IDLE_PER_HOST + 4;
    let mut open = Vec::new();
    for _ in 0..n {
        open.push(up.send(post(&url)).await.unwrap());
    }
    for mut r in open {
        while r.frame().await.is_some() {}
    }
    assert_eq!((s.conns(), idle_count(&up)), (n, MAX_IDLE_PER_HOST));
}

fn openssl(dir: &Path, args: &[&str]) {
    let out = Command::new("openssl")
        .args(args)
        .current_dir(dir)
        .output()
        .expect("openssl (apt-get install -y openssl)");
    assert!(
        out.status.success(),
        "openssl {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A CA and a certificate for 127.0.0.1 and localhost signed by it: (CA DER, leaf DER,
/// leaf key PKCS#8 DER).
fn test_pki(dir: &Path) -> (Vec<u8>, Vec<u8>, Vec<u8>) {
    let ec = [
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:P-256",
        "-nodes",
    ];
    let mut a = vec!["req", "-x509", "-days", "1", "-subj", "/CN=claw test CA"];
    a.extend(ec);
    a.extend(["-keyout", "ca.key", "-out", "ca.pem"]);
    openssl(dir, &a);
    let mut a = vec!["req", "-subj", "/CN=localhost"];
    a.extend(ec);
    a.extend(["-keyout", "leaf.key", "-out", "leaf.csr"]);
    openssl(dir, &a);
    std::fs::write(
        dir.join("ext.cnf"),
        "subjectAltName=DNS:localhost,IP:127.0.0.1\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n",
    )
    .unwrap();
    openssl(
        dir,
        &[
            "x509",
            "-req",
            "-in",
            "leaf.csr",
            "-CA",
            "ca.pem",
            "-CAkey",
            "ca.key",
            "-CAcreateserial",
            "-days",
            "1",
            "-extfile",
            "ext.cnf",
            "-out",
            "leaf.pem",
        ],
    );
    openssl(
        dir,
        &["x509", "-in", "ca.pem", "-outform", "DER", "-out", "ca.der"],
    );
    openssl(
        dir,
        &[
            "x509", "-in", "leaf.pem", "-outform", "DER", "-out", "leaf.der",
        ],
    );
    openssl(
        dir,
        &[
            "pkcs8", "-topk8", "-nocrypt", "-in", "leaf.key", "-outform", "DER", "-out", "leaf.p8",
        ],
    );
    let r = |f: &str| std::fs::read(dir.join(f)).unwrap();
    (r("ca.der"), r("leaf.der"), r("leaf.p8"))
}

fn acceptor(leaf: Vec<u8>, key: Vec<u8>) -> tokio_rustls::TlsAcceptor {
    #[allow(deprecated)]
    let provider = rustls::crypto::ring::default_provider();
    let cfg = rustls::ServerConfig::builder_with_provider(Arc::new(provider))
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(
            vec![rustls::pki_types::CertificateDer::from(leaf)],
            rustls::pki_types::PrivateKeyDer::Pkcs8(key.into()),
        )
        .unwrap();
    tokio_rustls::TlsAcceptor::from(Arc::new(cfg))
}

#[tokio::test]
async fn https_upstreams_use_tls_pooled_and_verified() {
    let dir = tempfile::tempdir().unwrap();
    let (ca, leaf, key) = test_pki(dir.path());
    let s = server(|_| Act::Answer(50), Some(acceptor(leaf, key))).await;
    let mut roots = rustls::RootCertStore::empty();
    roots
        .add(rustls::pki_types::CertificateDer::from(ca))
        .unwrap();
    let up = Upstream::with_roots(Duration::from_secs(5), roots).unwrap();
    for host in ["localhost", "localhost", "127.0.0.1"] {
        assert_eq!(call(&up, &s.url("https", host)).await, 50);
    }
    // localhost twice on one connection; 127.0.0.1 is another pool key.
    assert_eq!((s.conns(), s.reqs()), (2, 3));
    // A client that does not trust the CA refuses the server before sending anything.
    let e = client()
        .send(post(&s.url("https", "localhost")))
        .await
        .unwrap_err();
    assert!(
        matches!(e, UpstreamError::Connect(ref m) if m.starts_with("TLS")),
        "{e}"
    );
    // Plain HTTP to the TLS port is not mistaken for a response.
    assert!(client()
        .send(post(&s.url("http", "localhost")))
        .await
        .is_err());
    assert_eq!(s.reqs(), 3);
}

#[tokio::test]
async fn connect_is_bounded_by_the_connect_timeout() {
    // Accepts TCP, never answers the TLS handshake.
    let l = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = l.local_addr().unwrap().port();
    let held = Arc::new(Mutex::new(Vec::new()));
    let h = held.clone();
    tokio::spawn(async move {
        while let Ok((tcp, _)) = l.accept().await {
            h.lock().unwrap().push(tcp);
        }
    });
    let up =
        Upstream::with_roots(Duration::from_millis(200), rustls::RootCertStore::empty()).unwrap();
    let t = std::time::Instant::now();
    let e = up
        .send(post(&format!("https://127.0.0.1:{port}/v1/x")))
        .await
        .unwrap_err();
    assert!(
        matches!(e, UpstreamError::Connect(ref m) if m.contains("200 ms")),
        "{e}"
    );
    assert!(t.elapsed() < Duration::from_secs(3), "{:?}", t.elapsed());
}
