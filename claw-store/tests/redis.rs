//! claw-store against a real `redis-server` (started by each test on a free loopback port,
//! stopped on drop): exactly-once jti use across threads and processes, revocation
//! propagation, fail-closed outages and recovery, data loss, garbage in the store.

use claw_core::cst::{
    self, Claims, KeySet, ReplayError, ReplayGuard, ReplayMode, ReplayUse, Revocation,
    RevocationSource, RevocationStore, TokenError, ValidationOptions,
};
use claw_core::keys::SigningKey;
use claw_store::testing::RedisServer;
use claw_store::{NonceState, RedisState, StateConfig};
use std::io::Write;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Barrier};
use std::time::{Duration, Instant};

const AUD: &str = "gateway.test";
const ACTION: &str = "tool:run";
const JOB: &str = "job-7";

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

fn issuer() -> SigningKey {
    SigningKey::from_seed(&[0x21; 32])
}

fn keyset() -> KeySet {
    KeySet::from_dids([issuer().verifying_key().did().as_str()]).unwrap()
}

fn token(ttl: u64) -> String {
    let mut c = Claims::new("did:key:z6MkAgent", vec![AUD.into()], vec![ACTION.into()]);
    c.mission_id = Some(JOB.into());
    cst::issue(&issuer(), &c, ttl, now(), &mut rand_core::OsRng)
        .unwrap()
        .token
}

fn fast() -> StateConfig {
    let mut c = StateConfig::default();
    c.timeout = Duration::from_millis(500);
    c.poll_interval = Duration::from_millis(100);
    c.max_staleness = Duration::from_millis(400);
    c.quarantine_after_reset = Duration::from_secs(30);
    c
}

fn server() -> RedisServer {
    RedisServer::start().expect("redis-server (scripts/test-redis.sh installs it)")
}

fn open(s: &RedisServer) -> RedisState {
    let st = RedisState::open_with(&s.url(), fast()).unwrap();
    st.wait_ready(Duration::from_secs(5)).unwrap();
    st
}

/// The full validation with the shared state as guard and revocation source.
fn validate(state: &RedisState, token: &str, keys: &KeySet) -> Result<(), TokenError> {
    let mut o = ValidationOptions::new(AUD, ACTION);
    o.job = Some(JOB);
    o.replay = ReplayMode::JtiOncePerJob(state);
    o.revocations = Some(state);
    cst::validate(token, keys, &o, now()).map(|_| ())
}

#[test]
fn a_token_is_accepted_once_across_instances_and_threads() {
    let s = server();
    let states: Vec<Arc<RedisState>> = (0..3).map(|_| Arc::new(open(&s))).collect();
    let keys = Arc::new(keyset());
    for round in 0..20 {
        let t = Arc::new(token(300));
        let wins = Arc::new(AtomicUsize::new(0));
        let barrier = Arc::new(Barrier::new(12));
        let hs: Vec<_> = (0..12)
            .map(|i| {
                let (st, t, keys, wins, barrier) = (
                    states[i % 3].clone(),
                    t.clone(),
                    keys.clone(),
                    wins.clone(),
                    barrier.clone(),
                );
                std::thread::spawn(move || {
                    barrier.wait();
                    match validate(&st, &t, &keys) {
                        Ok(()) => {
                            wins.fetch_add(1, Ordering::SeqCst);
                        }
                        Err(e) => assert_eq!(e.reason_code(), "TOKEN_REPLAYED", "{e}"),
                    }
                })
            })
            .collect();
        for h in hs {
            h.join().unwrap();
        }
        assert_eq!(wins.load(Ordering::SeqCst), 1, "round {round}");
    }
    // Another job may use the same jti once (per-job contract).
    let g: &dyn ReplayGuard = &*states[0];
    g.check_and_record("j", "a", now() + 60, now()).unwrap();
    g.check_and_record("j", "b", now() + 60, now()).unwrap();
    assert_eq!(
        states[1].check_and_record("j", "a", now() + 60, now()),
        Err(ReplayError::Replayed)
    );
}

#[test]
fn replay_keys_are_hashed_and_expire_with_the_token() {
    let s = server();
    let st = open(&s);
    let t = now();
    st.check_and_record("secret-jti", "secret-job", t + 5, t)
        .unwrap();
    let mut c = s.connection().unwrap();
    let keys: Vec<String> = redis::cmd("KEYS").arg("*").query(&mut c).unwrap();
    let replay: Vec<&String> = keys.iter().filter(|k| k.starts_with("claw:r:")).collect();
    assert_eq!(replay.len(), 1, "{keys:?}");
    assert!(keys.iter().all(|k| !k.contains("secret")), "{keys:?}");
    // TTL = (exp + skew - now) + margin (60 s default): 5 s + 60 s here.
    let ttl: i64 = redis::cmd("PTTL").arg(replay[0]).query(&mut c).unwrap();
    assert!(ttl > 60_000 && ttl <= 65_000, "{ttl}");
}

#[test]
fn batched_uses_take_one_pipeline_and_keep_exactly_once() {
    let s = server();
    let st = open(&s);
    let t = now();
    let jtis: Vec<String> = (0..50).map(|i| format!("b{i}")).collect();
    let uses: Vec<ReplayUse> = jtis
        .iter()
        .map(|j| ReplayUse {
            jti: j,
            job: JOB,
            expires_at: t + 60,
        })
        .collect();
    assert!(st.check_and_record_many(&uses, t).iter().all(|r| r.is_ok()));
    assert!(st
        .check_and_record_many(&uses, t)
        .iter()
        .all(|r| *r == Err(ReplayError::Replayed)));
}

/// Worker half of the multi-process race: run only as a child of the test below.
#[test]
#[ignore = "worker process of four_processes_eight_threads_one_winner_per_token"]
fn race_worker() {
    let url = std::env::var("CLAW_RACE_URL").expect("run by the race test");
    let tokens: Vec<String> = std::fs::read_to_string(std::env::var("CLAW_RACE_TOKENS").unwrap())
        .unwrap()
        .lines()
        .map(String::from)
        .collect();
    let state = Arc::new(RedisState::open_with(&url, fast()).unwrap());
    state.wait_ready(Duration::from_secs(5)).unwrap();
    let keys = Arc::new(keyset());
    let tokens = Arc::new(tokens);
    let barrier = Arc::new(Barrier::new(8));
    let hs: Vec<_> = (0..8)
        .map(|_| {
            let (state, keys, tokens, barrier) =
                (state.clone(), keys.clone(), tokens.clone(), barrier.clone());
            std::thread::spawn(move || {
                let mut won = Vec::new();
                for (i, t) in tokens.iter().enumerate() {
                    barrier.wait();
                    match validate(&state, t, &keys) {
                        Ok(()) => won.push(i),
                        Err(e) => assert_eq!(e.reason_code(), "TOKEN_REPLAYED", "{e}"),
                    }
                }
                won
            })
        })
        .collect();
    let mut out = std::io::stdout().lock();
    for h in hs {
        for i in h.join().unwrap() {
            writeln!(out, "WON {i}").unwrap();
        }
    }
}

#[test]
fn four_processes_eight_threads_one_winner_per_token() {
    let s = server();
    let n = 1000;
    let dir = std::env::temp_dir().join(format!("claw-race-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("tokens");
    let tokens: Vec<String> = (0..n).map(|_| token(600)).collect();
    std::fs::write(&file, tokens.join("\n")).unwrap();
    let exe = std::env::current_exe().unwrap();
    let children: Vec<_> = (0..4)
        .map(|_| {
            Command::new(&exe)
                .args([
                    "--exact",
                    "race_worker",
                    "--ignored",
                    "--nocapture",
                    "--test-threads=1",
                ])
                .env("CLAW_RACE_URL", s.url())
                .env("CLAW_RACE_TOKENS", &file)
                .stdout(Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    let mut winners = vec![0usize; n];
    for c in children {
        let out = c.wait_with_output().unwrap();
        assert!(out.status.success(), "worker failed");
        for line in String::from_utf8(out.stdout).unwrap().lines() {
            // libtest prints "test race_worker ... " before the first line of output.
            if let Some(i) = line.split("WON ").nth(1) {
                winners[i.parse::<usize>().unwrap()] += 1;
            }
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
    let total: usize = winners.iter().sum();
    let doubles = winners.iter().filter(|w| **w > 1).count();
    let none = winners.iter().filter(|w| **w == 0).count();
    assert_eq!((total, doubles, none), (n, 0, 0), "winners per token");
}

#[test]
fn a_revocation_reaches_every_instance_within_the_bound() {
    let s = server();
    let a = open(&s);
    let b = open(&s);
    let c = open(&s);
    let keys = keyset();
    let mut worst = Duration::ZERO;
    for kind in 0..4 {
        let t = token(300);
        let mut vo = ValidationOptions::new(AUD, ACTION);
        vo.job = Some(JOB);
        let verified = cst::validate(&t, &keys, &vo, now()).unwrap();
        let entry = match kind {
            0 => Revocation::Jti(verified.jti.clone().unwrap()),
            1 => Revocation::TokenHash(cst::token_hash(&t)),
            2 => Revocation::Kid(verified.kid().to_string()),
            _ => Revocation::key(&issuer().verifying_key()),
        };
        let start = Instant::now();
        a.revoke(&[entry]).unwrap();
        // The instance that revoked applies it at once.
        assert_eq!(
            validate(&a, &t, &keys).unwrap_err().reason_code(),
            "TOKEN_REVOKED"
        );
        for other in [&b, &c] {
            loop {
                let mut o = ValidationOptions::new(AUD, ACTION);
                o.job = Some(JOB);
                o.revocations = Some(other);
                match cst::validate(&t, &keys, &o, now()) {
                    Err(e) if e.reason_code() == "TOKEN_REVOKED" => break,
                    _ => {}
                }
                assert!(
                    start.elapsed() < Duration::from_secs(2),
                    "not propagated in 2 s"
                );
                std::thread::sleep(Duration::from_millis(1));
            }
        }
        worst = worst.max(start.elapsed());
        if kind >= 2 {
            break; // kid and key revoke everything from this issuer
        }
    }
    // The bound documented in SPEC §9.4 is the poll interval (pub/sub is the fast path).
    assert!(
        worst <= fast().poll_interval * 3,
        "propagation took {worst:?}"
    );
    eprintln!("revocation propagation (worst of the kinds): {worst:?}");
    // A new instance starts with everything.
    let d = open(&s);
    let kid = keys.kids().next().unwrap().to_string();
    assert!(d.current().unwrap().contains(&Revocation::Kid(kid)));
    assert_eq!(d.revocation_version(), a.revocation_version());
}

#[test]
fn an_outage_refuses_everything_and_recovery_needs_no_restart() {
    let mut s = RedisServer::start_with(true).unwrap();
    let st = open(&s);
    let keys = keyset();
    let before = token(300);
    validate(&st, &before, &keys).unwrap();
    s.kill();
    // Down: the replay check cannot be made → refused; the copy goes stale → refused even
    // for validations that only read revocations.
    let during = token(300);
    let e = validate(&st, &during, &keys).unwrap_err();
    assert!(
        matches!(
            e.reason_code(),
            "STATE_STORE_UNAVAILABLE" | "STATE_STORE_STALE"
        ),
        "{e}"
    );
    std::thread::sleep(fast().max_staleness + Duration::from_millis(100));
    let mut ro = ValidationOptions::new(AUD, ACTION);
    ro.job = Some(JOB);
    ro.revocations = Some(&st);
    assert_eq!(
        cst::validate(&during, &keys, &ro, now())
            .unwrap_err()
            .reason_code(),
        "STATE_STORE_STALE"
    );
    assert_eq!(
        st.check_and_record("x", JOB, now() + 60, now())
            .unwrap_err()
            .reason_code(),
        "STATE_STORE_UNAVAILABLE"
    );
    // Back (with its append-only file): service resumes by itself.
    s.restart().unwrap();
    st.wait_ready(Duration::from_secs(5)).unwrap();
    validate(&st, &during, &keys).unwrap();
    // Nothing accepted twice across the outage.
    assert_eq!(
        validate(&st, &before, &keys).unwrap_err().reason_code(),
        "TOKEN_REPLAYED"
    );
    assert_eq!(
        validate(&st, &during, &keys).unwrap_err().reason_code(),
        "TOKEN_REPLAYED"
    );
}

#[test]
fn redis_restarted_empty_is_detected_and_revocations_are_written_back() {
    let mut s = server(); // no persistence: a restart loses everything
    let st = open(&s);
    let keys = keyset();
    let used = token(300);
    validate(&st, &used, &keys).unwrap();
    st.revoke(&[Revocation::Jti("revoked-before-the-loss".into())])
        .unwrap();
    s.restart().unwrap();
    // The instance that lived through the loss sees a new epoch (at its next heartbeat, or
    // now): it refuses one-time uses for the quarantine (the lost records could be
    // replayed) ...
    st.sync_now().unwrap();
    let e = validate(&st, &used, &keys).unwrap_err();
    assert_eq!(e.reason_code(), "STATE_STORE_UNAVAILABLE", "{e}");
    assert!(e.to_string().contains("lost its data"), "{e}");
    let fresh = token(300);
    assert_eq!(
        validate(&st, &fresh, &keys).unwrap_err().reason_code(),
        "STATE_STORE_UNAVAILABLE"
    );
    // ... and writes back the revocations it knew, so every instance has them again.
    let other = open(&s);
    assert!(other
        .current()
        .unwrap()
        .contains(&Revocation::Jti("revoked-before-the-loss".into())));
    // What SPEC §9.6 says about an instance that did not see the loss: it has no record of
    // the earlier use, so the token is accepted once more (hence persistence / quarantine).
    validate(&other, &used, &keys).unwrap();
    assert_eq!(
        validate(&other, &used, &keys).unwrap_err().reason_code(),
        "TOKEN_REPLAYED"
    );
}

#[test]
fn garbage_in_the_store_is_an_error_never_a_panic() {
    let s = server();
    let st = open(&s);
    let mut c = s.connection().unwrap();
    let set = |c: &mut redis::Connection, k: &str, v: &str| {
        let _: () = redis::cmd("DEL").arg(k).query(c).unwrap();
        let _: () = redis::cmd("SET").arg(k).arg(v).query(c).unwrap();
    };
    // Version that is not a number.
    set(&mut c, "{claw:rev}:ver", "not-a-number");
    assert_eq!(
        st.sync_now().unwrap_err().reason_code(),
        "STATE_STORE_CORRUPT"
    );
    let _: () = redis::cmd("DEL")
        .arg("{claw:rev}:ver")
        .query(&mut c)
        .unwrap();
    st.sync_now().unwrap();
    // The set key holding a string (wrong type).
    set(&mut c, "{claw:rev}:set", "x");
    assert_eq!(
        st.sync_now().unwrap_err().reason_code(),
        "STATE_STORE_CORRUPT"
    );
    // A member claw never writes.
    let _: () = redis::cmd("DEL")
        .arg("{claw:rev}:set")
        .query(&mut c)
        .unwrap();
    let _: () = redis::cmd("SADD")
        .arg("{claw:rev}:set")
        .arg("bogus")
        .query(&mut c)
        .unwrap();
    assert_eq!(
        st.sync_now().unwrap_err().reason_code(),
        "STATE_STORE_CORRUPT"
    );
    // Announced by a version bump, the background thread finds it too.
    let _: () = redis::cmd("INCR")
        .arg("{claw:rev}:ver")
        .query(&mut c)
        .unwrap();
    // While the store stays corrupt, the copy goes stale and validations are refused with
    // the corruption as the reason.
    std::thread::sleep(fast().max_staleness + Duration::from_millis(200));
    assert_eq!(
        st.current().unwrap_err().reason_code(),
        "STATE_STORE_CORRUPT"
    );
    let _: () = redis::cmd("DEL")
        .arg("{claw:rev}:set")
        .query(&mut c)
        .unwrap();
    st.wait_ready(Duration::from_secs(5)).unwrap();
    // The epoch holding a list.
    let _: () = redis::cmd("DEL")
        .arg("{claw:rev}:epoch")
        .query(&mut c)
        .unwrap();
    let _: () = redis::cmd("RPUSH")
        .arg("{claw:rev}:epoch")
        .arg("x")
        .query(&mut c)
        .unwrap();
    assert_eq!(
        st.sync_now().unwrap_err().reason_code(),
        "STATE_STORE_CORRUPT"
    );
    // A replay key of another type: the key exists, so the use is refused (fail closed).
    let nonce_key = |n: &[u8]| {
        use sha2::Digest;
        let h = sha2::Sha256::digest(n);
        format!(
            "claw:n:{}",
            h.iter().map(|b| format!("{b:02x}")).collect::<String>()
        )
    };
    // Nonce records: a wrong value, a wrong type.
    set(&mut c, &nonce_key(b"n1"), "garbage");
    assert_eq!(
        st.nonce_state(b"n1").unwrap_err().reason_code(),
        "STATE_STORE_CORRUPT"
    );
    assert_eq!(
        st.reserve_nonce(b"n1", Duration::from_secs(5))
            .unwrap_err()
            .reason_code(),
        "STATE_STORE_CORRUPT"
    );
    let _: () = redis::cmd("DEL")
        .arg(nonce_key(b"n2"))
        .query(&mut c)
        .unwrap();
    let _: () = redis::cmd("HSET")
        .arg(nonce_key(b"n2"))
        .arg("a")
        .arg("b")
        .query(&mut c)
        .unwrap();
    assert_eq!(
        st.nonce_state(b"n2").unwrap_err().reason_code(),
        "STATE_STORE_CORRUPT"
    );
    assert_eq!(
        st.reserve_nonce(b"n2", Duration::from_secs(5))
            .unwrap_err()
            .reason_code(),
        "STATE_STORE_CORRUPT"
    );
}

#[test]
fn nonces_and_receipts_are_shared() {
    let s = server();
    let a = open(&s);
    let b = open(&s);
    let ttl = Duration::from_secs(60);
    assert_eq!(a.reserve_nonce(b"k1", ttl).unwrap(), NonceState::Reserved);
    assert_eq!(b.reserve_nonce(b"k1", ttl).unwrap(), NonceState::Pending);
    assert_eq!(b.receipt(b"k1").unwrap(), None);
    a.complete_nonce(b"k1", b"{\"receipt\":1}", ttl).unwrap();
    assert_eq!(
        b.reserve_nonce(b"k1", ttl).unwrap(),
        NonceState::Done(b"{\"receipt\":1}".to_vec())
    );
    assert_eq!(
        b.receipt(b"k1").unwrap().as_deref(),
        Some(&b"{\"receipt\":1}"[..])
    );
    assert_eq!(a.nonce_state(b"unknown").unwrap(), None);
    let big = vec![0u8; claw_store::MAX_RECEIPT_BYTES + 1];
    assert_eq!(
        a.complete_nonce(b"k2", &big, ttl)
            .unwrap_err()
            .reason_code(),
        "STATE_REQUEST_INVALID"
    );
}

#[test]
fn unreachable_at_start_fails_closed_then_recovers() {
    let mut s = server();
    let port = s.port();
    s.kill();
    let st = RedisState::open_with(&format!("redis://127.0.0.1:{port}"), fast()).unwrap();
    let keys = keyset();
    let t = token(300);
    let e = validate(&st, &t, &keys).unwrap_err();
    assert_eq!(e.reason_code(), "STATE_STORE_UNAVAILABLE", "{e}");
    assert_eq!(
        st.current().unwrap_err().reason_code(),
        "STATE_STORE_UNAVAILABLE"
    );
    s.restart().unwrap();
    st.wait_ready(Duration::from_secs(5)).unwrap();
    validate(&st, &t, &keys).unwrap();
}

#[test]
fn bad_addresses_and_settings_are_refused() {
    for bad in ["", "http://x", "redis+sentinel://h:1", "redis://h:99999999"] {
        assert_eq!(
            RedisState::open(bad).unwrap_err().reason_code(),
            "STATE_REQUEST_INVALID",
            "{bad}"
        );
    }
    let mut cfg = StateConfig::default();
    cfg.namespace = "a b".into();
    assert!(RedisState::open_with("redis://127.0.0.1:1", cfg).is_err());
    let st = RedisState::open("redis://:hunter2@127.0.0.1:1").unwrap();
    assert!(!format!("{st:?}").contains("hunter2"));
    assert!(!st.address().contains("hunter2"));
    let e = st.revoke(&[Revocation::Jti("x".repeat(5000))]).unwrap_err();
    assert_eq!(e.reason_code(), "STATE_REQUEST_INVALID");
}
