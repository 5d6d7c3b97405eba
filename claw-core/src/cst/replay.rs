//! Replay protection: the [`ReplayGuard`] trait and a bounded, sharded in-memory guard.

use super::error::ReplayError;
use crate::hash;
use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard};

/// Records token uses so a `(job, jti)` pair is accepted once. The validator passes the
/// token's own job binding (`mission_id`, `""` without one) as `job`, never a job named by
/// whoever presents the token (`docs/SPEC.md §5.4`).
///
/// The contract, which shared stores (several gateway instances behind one database or
/// cache) must keep too:
/// * **Atomic**: of any number of concurrent calls with the same `(jti, job)`, exactly one
///   returns `Ok(())` while the first record is live.
/// * **Retention**: a recorded pair is remembered at least until `expires_at` (epoch
///   seconds; the validator passes the token's `exp` plus the clock skew, the last moment
///   the token could still validate). After that it may be forgotten.
/// * **Fail closed**: a guard that cannot record (full, unreachable) returns an error, never
///   `Ok(())`. A guard that does not know whether a use was recorded (the store went away
///   mid-request) returns an error too; the use may then stay consumed (refused later as a
///   replay), never accepted twice.
///
/// "Exactly once" therefore means: per `(jti, job)` pair, across every instance sharing the
/// guard, at most one `Ok(())` until `expires_at`, and exactly one when the store is
/// reachable. Shared stores are specified in `docs/SPEC.md §9`.
pub trait ReplayGuard: Send + Sync {
    /// Accept the first use of `(jti, job)` and record it until `expires_at`; refuse a
    /// second use with [`ReplayError::Replayed`].
    fn check_and_record(
        &self,
        jti: &str,
        job: &str,
        expires_at: i64,
        now: i64,
    ) -> Result<(), ReplayError>;

    /// Record several uses at once (one result per use, in order). Shared stores override
    /// it to use one round trip; the default calls [`ReplayGuard::check_and_record`] for each.
    fn check_and_record_many(
        &self,
        uses: &[ReplayUse<'_>],
        now: i64,
    ) -> Vec<Result<(), ReplayError>> {
        uses.iter()
            .map(|u| self.check_and_record(u.jti, u.job, u.expires_at, now))
            .collect()
    }
}

/// One use for [`ReplayGuard::check_and_record_many`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReplayUse<'a> {
    /// The token's `jti`.
    pub jti: &'a str,
    /// The job the token is bound to (its `mission_id`; `""` when it names none). The
    /// validator never passes the runtime's job here (`docs/SPEC.md §5.4`).
    pub job: &'a str,
    /// Keep the record at least until then (epoch seconds).
    pub expires_at: i64,
}

const DEFAULT_SHARDS: usize = 16;

#[derive(Debug, Default)]
struct Shard {
    /// SHA-256(len(job) ‖ job ‖ jti) → expires_at. Fixed-size keys: memory per entry does
    /// not depend on claim lengths.
    seen: HashMap<[u8; 32], i64>,
    /// No entry expires before this (skip purges that cannot free anything).
    earliest_expiry: i64,
}

impl Shard {
    fn purge(&mut self, now: i64) {
        if now < self.earliest_expiry {
            return;
        }
        self.seen.retain(|_, exp| *exp > now);
        self.earliest_expiry = self.seen.values().copied().min().unwrap_or(i64::MAX);
    }
}

/// An in-memory [`ReplayGuard`] for one process: sharded `Mutex<HashMap>`, entries expire
/// with their token, and a hard capacity. When a shard is full of unexpired entries the
/// guard refuses the new use (`REPLAY_GUARD_FULL`) rather than evict an entry that could
/// still be replayed.
#[derive(Debug)]
pub struct InMemoryReplayGuard {
    shards: Box<[Mutex<Shard>]>,
    per_shard: usize,
}

impl InMemoryReplayGuard {
    /// A guard holding at most `max_entries` unexpired uses (spread over up to 16 shards of
    /// `max_entries / shards` entries each; a full shard refuses even if others have room).
    pub fn new(max_entries: usize) -> InMemoryReplayGuard {
        let n = DEFAULT_SHARDS.min(max_entries.max(1));
        let shards = (0..n)
            .map(|_| {
                Mutex::new(Shard {
                    seen: HashMap::new(),
                    earliest_expiry: i64::MAX,
                })
            })
            .collect();
        InMemoryReplayGuard {
            shards,
            per_shard: max_entries / n,
        }
    }

    /// The hard capacity (sum over shards).
    pub fn capacity(&self) -> usize {
        self.per_shard * self.shards.len()
    }

    /// Entries currently held (expired ones included until purged).
    pub fn len(&self) -> usize {
        self.shards.iter().map(|s| lock(s).seen.len()).sum()
    }

    /// Whether no entry is held.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Drop every entry whose token has expired by `now`.
    pub fn purge_expired(&self, now: i64) {
        for s in self.shards.iter() {
            lock(s).purge(now);
        }
    }

    fn key(jti: &str, job: &str) -> [u8; 32] {
        replay_key(jti, job)
    }
}

/// The fixed-size identity of a `(jti, job)` use: SHA-256(u64 big-endian len(job) ‖ job ‖
/// jti). The job is length-prefixed so ("ab","c") and ("a","bc") differ. Shared stores key
/// their records by it (no raw token data in the store; `docs/SPEC.md §9`).
pub fn replay_key(jti: &str, job: &str) -> [u8; 32] {
    let mut buf = Vec::with_capacity(8 + job.len() + jti.len());
    buf.extend_from_slice(&(job.len() as u64).to_be_bytes());
    buf.extend_from_slice(job.as_bytes());
    buf.extend_from_slice(jti.as_bytes());
    hash::sha256(buf)
}

fn lock(m: &Mutex<Shard>) -> MutexGuard<'_, Shard> {
    // HashMap operations leave the map consistent even if a holder panicked, so a poisoned
    // shard is still sound to use.
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl ReplayGuard for InMemoryReplayGuard {
    fn check_and_record(
        &self,
        jti: &str,
        job: &str,
        expires_at: i64,
        now: i64,
    ) -> Result<(), ReplayError> {
        let key = Self::key(jti, job);
        let idx = usize::from(key[0]) % self.shards.len();
        let mut shard = lock(&self.shards[idx]);
        if let Some(&exp) = shard.seen.get(&key) {
            if exp > now {
                return Err(ReplayError::Replayed);
            }
            shard.seen.remove(&key);
        }
        if shard.seen.len() >= self.per_shard {
            shard.purge(now);
            if shard.seen.len() >= self.per_shard {
                return Err(ReplayError::CapacityExceeded {
                    capacity: self.capacity(),
                });
            }
        }
        shard.seen.insert(key, expires_at);
        shard.earliest_expiry = shard.earliest_expiry.min(expires_at);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::{Arc, Barrier};

    #[test]
    fn once_per_job_then_expires() {
        let g = InMemoryReplayGuard::new(100);
        g.check_and_record("j1", "job", 200, 100).unwrap();
        assert_eq!(
            g.check_and_record("j1", "job", 200, 150),
            Err(ReplayError::Replayed)
        );
        // Another job may use the same jti once.
        g.check_and_record("j1", "job2", 200, 150).unwrap();
        // Length-prefixed key: no confusion between (jti, job) splits.
        g.check_and_record("b", "a", 200, 150).unwrap();
        g.check_and_record("", "ab", 200, 150).unwrap();
        // After the token's lifetime the entry may be forgotten and the pair reused.
        g.check_and_record("j1", "job", 300, 200).unwrap();
    }

    #[test]
    fn full_guard_fails_closed_and_frees_expired_entries() {
        let g = InMemoryReplayGuard::new(4); // 4 shards of 1
        assert_eq!(g.capacity(), 4);
        let mut accepted = 0;
        let mut full = 0;
        for i in 0..64 {
            match g.check_and_record(&format!("j{i}"), "job", 1000, 10) {
                Ok(()) => accepted += 1,
                Err(e) => {
                    assert_eq!(e.reason_code(), "REPLAY_GUARD_FULL");
                    full += 1;
                }
            }
        }
        assert_eq!(accepted, 4, "never more than the capacity");
        assert_eq!(full, 60);
        assert_eq!(g.len(), 4);
        // Earlier uses were not evicted: still refused as replays.
        for i in 0..64 {
            if let Err(e) = g.check_and_record(&format!("j{i}"), "job", 1000, 11) {
                assert!(matches!(
                    e,
                    ReplayError::Replayed | ReplayError::CapacityExceeded { .. }
                ));
            } else {
                panic!("j{i} accepted while the guard is full");
            }
        }
        // Once the tokens expire, room comes back.
        g.check_and_record("new", "job", 2000, 1000).unwrap();
        g.purge_expired(1000);
        assert_eq!(g.len(), 1);
    }

    #[test]
    fn eight_threads_race_on_one_jti_exactly_one_wins() {
        for round in 0..50 {
            let g = Arc::new(InMemoryReplayGuard::new(1024));
            let wins = Arc::new(AtomicUsize::new(0));
            let replays = Arc::new(AtomicUsize::new(0));
            let barrier = Arc::new(Barrier::new(8));
            let handles: Vec<_> = (0..8)
                .map(|_| {
                    let (g, wins, replays, barrier) =
                        (g.clone(), wins.clone(), replays.clone(), barrier.clone());
                    std::thread::spawn(move || {
                        barrier.wait();
                        match g.check_and_record(&format!("jti-{round}"), "job", 100, 1) {
                            Ok(()) => wins.fetch_add(1, Ordering::SeqCst),
                            Err(ReplayError::Replayed) => replays.fetch_add(1, Ordering::SeqCst),
                            Err(e) => panic!("{e}"),
                        };
                    })
                })
                .collect();
            for h in handles {
                h.join().unwrap();
            }
            assert_eq!(wins.load(Ordering::SeqCst), 1, "round {round}");
            assert_eq!(replays.load(Ordering::SeqCst), 7, "round {round}");
        }
    }
}
