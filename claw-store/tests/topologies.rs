//! claw-store through a real Redis Cluster (3 primaries, `redis-cli --cluster create`) and a
//! real Sentinel (a primary and one sentinel), both started by the test on free loopback
//! ports and killed on drop, even when an assertion fails.
//!
//! The sentinel setup has a replica: after the checks, `SENTINEL FAILOVER` promotes it, and
//! the instances must follow without a restart (what was used stays used).
//!
//! Through each topology, three `RedisState` instances: exactly one acceptance per token
//! under concurrency (12 threads over the 3 instances, fresh token per round), a batch of
//! uses (a cluster pipeline spreads over the nodes), one reservation per nonce and its
//! receipt read everywhere, a revocation made on one instance honoured by the other two.
//! Their poll interval is 30 s, so the revocation can only arrive by pub/sub; in the
//! cluster, each instance holds its subscription on a different node, so the announcement
//! published on the node owning `{claw:rev}` has to cross the cluster bus.

use claw_core::cst::{
    self, Claims, KeySet, ReplayError, ReplayGuard, ReplayMode, ReplayUse, Revocation,
    RevocationSource, RevocationStore, TokenError, ValidationOptions,
};
use claw_core::keys::SigningKey;
use claw_store::testing::{RedisCluster, RedisSentinel, RedisServer};
use claw_store::{NonceState, RedisState, StateConfig};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Barrier};
use std::time::{Duration, Instant};

const AUD: &str = "gateway.test";
const ACTION: &str = "tool:run";
const JOB: &str = "job-topology";
const ROUNDS: usize = 60;
const THREADS: usize = 12;

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

fn issuer() -> SigningKey {
    SigningKey::from_seed(&[0x31; 32])
}

fn keyset() -> KeySet {
    KeySet::from_dids([issuer().verifying_key().did().as_str()]).unwrap()
}

/// A fresh token and its jti.
fn token() -> (String, String) {
    let mut c = Claims::new("did:key:z6MkAgent", vec![AUD.into()], vec![ACTION.into()]);
    c.mission_id = Some(JOB.into());
    let t = cst::issue(&issuer(), &c, 300, now(), &mut rand_core::OsRng).unwrap();
    let jti = t.claims.jti.clone().unwrap();
    (t.token, jti)
}

fn validate(state: &RedisState, token: &str, keys: &KeySet) -> Result<(), TokenError> {
    let mut o = ValidationOptions::new(AUD, ACTION);
    o.job = Some(JOB);
    o.replay = ReplayMode::JtiOncePerJob(state);
    o.revocations = Some(state);
    cst::validate(token, keys, &o, now()).map(|_| ())
}

/// Pub/sub only: the 30 s poll never runs within the test, and the copy stays usable.
fn pubsub_only() -> StateConfig {
    let mut c = StateConfig::default();
    c.poll_interval = Duration::from_secs(30);
    c.max_staleness = Duration::from_secs(120);
    c
}

fn open_all(urls: &[String]) -> Vec<Arc<RedisState>> {
    urls.iter()
        .map(|u| {
            let s = RedisState::open_with(u, pubsub_only()).unwrap();
            s.wait_ready(Duration::from_secs(10)).unwrap();
            Arc::new(s)
        })
        .collect()
}

/// Run `f(state, thread)` on `THREADS` threads released together, the threads spread over
/// the instances; the number of `true` results.
fn race(
    states: &[Arc<RedisState>],
    f: impl Fn(&RedisState) -> bool + Send + Sync + 'static,
) -> usize {
    let f = Arc::new(f);
    let wins = Arc::new(AtomicUsize::new(0));
    let barrier = Arc::new(Barrier::new(THREADS));
    let hs: Vec<_> = (0..THREADS)
        .map(|i| {
            let (st, f, wins, barrier) = (
                states[i % states.len()].clone(),
                f.clone(),
                wins.clone(),
                barrier.clone(),
            );
            std::thread::spawn(move || {
                barrier.wait();
                if f(&st) {
                    wins.fetch_add(1, Ordering::SeqCst);
                }
            })
        })
        .collect();
    for h in hs {
        h.join().unwrap();
    }
    wins.load(Ordering::SeqCst)
}

/// Everything the shared state promises, through whatever topology `urls` address;
/// `subscribers` checks where the three instances hold their subscriptions.
fn shared_state_holds(name: &str, urls: &[String], subscribers: impl Fn()) {
    let states = open_all(urls);
    let keys = Arc::new(keyset());
    subscribers();

    // Exactly one acceptance per token, ROUNDS fresh tokens.
    for round in 0..ROUNDS {
        let (t, _) = token();
        let t = Arc::new(t);
        let k = keys.clone();
        let wins = race(&states, move |st| match validate(st, &t, &k) {
            Ok(()) => true,
            Err(e) => {
                assert_eq!(e.reason_code(), "TOKEN_REPLAYED", "{e}");
                false
            }
        });
        assert_eq!(wins, 1, "{name}: round {round}");
    }

    // A batch: all first uses on one instance, all replays on another.
    let t = now();
    let jtis: Vec<String> = (0..40).map(|i| format!("{name}-batch-{i}")).collect();
    let uses: Vec<ReplayUse> = jtis
        .iter()
        .map(|j| ReplayUse {
            jti: j,
            job: JOB,
            expires_at: t + 60,
        })
        .collect();
    assert!(states[0]
        .check_and_record_many(&uses, t)
        .iter()
        .all(Result::is_ok));
    assert!(states[1]
        .check_and_record_many(&uses, t)
        .iter()
        .all(|r| *r == Err(ReplayError::Replayed)));

    // One reservation per nonce; its receipt is read on every instance.
    for i in 0..10 {
        let nonce = format!("{name}-nonce-{i}");
        let n = nonce.clone();
        let reserved = race(&states, move |st| {
            match st.reserve_nonce(n.as_bytes(), Duration::from_secs(60)) {
                Ok(NonceState::Reserved) => true,
                Ok(_) => false,
                Err(e) => panic!("{e}"),
            }
        });
        assert_eq!(reserved, 1, "{name}: nonce {i}");
        states[i % 3]
            .complete_nonce(nonce.as_bytes(), b"receipt", Duration::from_secs(60))
            .unwrap();
        for st in &states {
            assert_eq!(
                st.receipt(nonce.as_bytes()).unwrap().as_deref(),
                Some(&b"receipt"[..])
            );
        }
    }

    // A revocation made on instance 0 reaches 1 and 2 by pub/sub.
    let (revoked, jti) = token();
    let t0 = Instant::now();
    states[0].revoke(&[Revocation::Jti(jti.clone())]).unwrap();
    for (i, st) in states.iter().enumerate() {
        while !st
            .current()
            .unwrap()
            .contains(&Revocation::Jti(jti.clone()))
        {
            assert!(
                t0.elapsed() < Duration::from_secs(10),
                "{name}: instance {i} never saw the revocation"
            );
            std::thread::sleep(Duration::from_millis(1));
        }
        println!(
            "{name}: instance {i} holds the revocation {:?} after revoke started",
            t0.elapsed()
        );
        let e = validate(st, &revoked, &keys).unwrap_err();
        assert_eq!(e.reason_code(), "TOKEN_REVOKED", "{name}: {e}");
    }
    // An instance opened later reads it (the sync script on the cluster).
    let late = open_all(&urls[..1]);
    let e = validate(&late[0], &revoked, &keys).unwrap_err();
    assert_eq!(e.reason_code(), "TOKEN_REVOKED", "{name}: {e}");
}

/// The clients subscribed to the revocation channel on this one node.
fn subscribers(node: &RedisServer) -> i64 {
    let mut conn = node.connection().unwrap();
    let (_, n): (String, i64) = redis::cmd("PUBSUB")
        .arg("NUMSUB")
        .arg("claw:rev")
        .query(&mut conn)
        .unwrap();
    n
}

#[test]
fn cluster_of_three_primaries() {
    let c = RedisCluster::start(3).expect("redis-server and redis-cli (scripts/test-redis.sh)");
    let urls: Vec<String> = (0..3).map(|i| c.url_from(i)).collect();
    // Each instance subscribes on the first seed of its list: one per node.
    shared_state_holds("cluster", &urls, || {
        for n in c.nodes() {
            assert_eq!(subscribers(n), 1, "node {}", n.host());
        }
    });
    // The replay and nonce keys spread over the three primaries; the three revocation keys
    // share one slot (the scripts touching them would fail with CROSSSLOT otherwise).
    let mut rev_slots = Vec::new();
    for n in c.nodes() {
        let mut conn = n.connection().unwrap();
        let size: i64 = redis::cmd("DBSIZE").query(&mut conn).unwrap();
        assert!(size > 0, "node {} holds no key", n.host());
        for k in ["{claw:rev}:set", "{claw:rev}:ver", "{claw:rev}:epoch"] {
            let slot: i64 = redis::cmd("CLUSTER")
                .arg("KEYSLOT")
                .arg(k)
                .query(&mut conn)
                .unwrap();
            rev_slots.push(slot);
        }
        let keys: Vec<String> = redis::cmd("KEYS").arg("*").query(&mut conn).unwrap();
        assert!(keys.iter().all(|k| !k.contains("cluster-")), "{keys:?}");
    }
    rev_slots.dedup();
    assert_eq!(rev_slots.len(), 1, "{rev_slots:?}");
}

#[test]
fn sentinel_primary_and_failover() {
    let s = RedisSentinel::start().expect("redis-server in sentinel mode (scripts/test-redis.sh)");
    let urls = vec![s.url(); 3];
    shared_state_holds("sentinel", &urls, || assert_eq!(subscribers(&s.primary), 3));
    // Everything went to the primary the sentinel named.
    let mut conn = s.primary.connection().unwrap();
    let size: i64 = redis::cmd("DBSIZE").query(&mut conn).unwrap();
    assert!(size > ROUNDS as i64, "{size}");

    // Failover: the replica is promoted; the instances follow it without a restart, what
    // was used before stays used, and a fresh token is accepted exactly once.
    let states = open_all(&urls);
    let keys = keyset();
    let (used, _) = token();
    validate(&states[0], &used, &keys).unwrap();
    s.fail_over().unwrap();
    let (fresh, _) = token();
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        // Refusals while the instances reconnect consume nothing they could later accept
        // twice: the use is retried until the new primary answers.
        match validate(&states[1], &fresh, &keys) {
            Ok(()) => break,
            Err(e) => {
                assert!(e.reason_code().starts_with("STATE_STORE_"), "{e}");
                assert!(Instant::now() < deadline, "no recovery after failover: {e}");
                std::thread::sleep(Duration::from_millis(50));
            }
        }
    }
    for st in &states {
        for t in [&used, &fresh] {
            let deadline = Instant::now() + Duration::from_secs(20);
            loop {
                let e = validate(st, t, &keys).unwrap_err();
                if e.reason_code() == "TOKEN_REPLAYED" {
                    break;
                }
                assert!(e.reason_code().starts_with("STATE_STORE_"), "{e}");
                assert!(Instant::now() < deadline, "{e}");
                std::thread::sleep(Duration::from_millis(50));
            }
        }
    }
    let mut conn = s.replica.connection().unwrap();
    let role: Vec<redis::Value> = redis::cmd("ROLE").query(&mut conn).unwrap();
    assert_eq!(
        role.first(),
        Some(&redis::Value::BulkString(b"master".to_vec()))
    );
}
