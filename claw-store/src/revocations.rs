//! Revocations: a versioned set in Redis, announced on a pub/sub channel; each instance
//! keeps a local copy, confirmed current at least every poll interval (`docs/SPEC.md §9.4`).

use crate::{Inner, RedisState};
use claw_core::cst::{Revocation, RevocationList, RevocationSource, RevocationStore, StateError};
use rand_core::RngCore;
use redis::{Script, Value};
use std::sync::atomic::Ordering;
use std::sync::{Arc, LazyLock, RwLockReadGuard, RwLockWriteGuard};
use std::time::{Duration, Instant};

/// Entries per `revoke` call (one script invocation).
pub const MAX_REVOKE_BATCH: usize = 1000;

/// The longest the background thread blocks before checking whether it should stop.
const WAKE: Duration = Duration::from_millis(100);

#[derive(Debug, Default)]
pub(crate) struct Local {
    pub(crate) list: Arc<RevocationList>,
    pub(crate) version: i64,
    /// The store's epoch the copy belongs to (`None` before the first sync).
    pub(crate) epoch: Option<String>,
    /// When Redis last confirmed the copy current.
    pub(crate) confirmed: Option<Instant>,
    /// One-time uses are refused until then (Redis lost its data).
    pub(crate) quarantine_until: Option<Instant>,
    /// Why the copy is not confirmed (reported while stale).
    pub(crate) last_error: Option<StateError>,
}

/// KEYS: version, set, epoch. ARGV: new epoch id (used only when none exists), max entries.
/// Returns {epoch, version, members} or {epoch, version, count} when there are too many.
static SYNC: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
local e = redis.call('GET', KEYS[3])
if not e then e = ARGV[1]; redis.call('SET', KEYS[3], e) end
local v = redis.call('GET', KEYS[1]) or '0'
local n = redis.call('SCARD', KEYS[2])
if n > tonumber(ARGV[2]) then return {e, v, n} end
return {e, v, redis.call('SMEMBERS', KEYS[2])}
",
    )
});

/// KEYS: version, set, epoch. ARGV: channel, new epoch id, entries... Adds the entries,
/// bumps the version, announces "<version>\n<entry>\n..." and returns {epoch, version}.
static REVOKE: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
local e = redis.call('GET', KEYS[3])
if not e then e = ARGV[2]; redis.call('SET', KEYS[3], e) end
local entries = {}
for i = 3, #ARGV do entries[#entries + 1] = ARGV[i] end
redis.call('SADD', KEYS[2], unpack(entries))
local v = redis.call('INCR', KEYS[1])
redis.call('PUBLISH', ARGV[1], v .. '\n' .. table.concat(entries, '\n'))
return {e, v}
",
    )
});

fn new_epoch() -> String {
    let mut b = [0u8; 16];
    rand_core::OsRng.fill_bytes(&mut b);
    let ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis());
    let mut s = String::with_capacity(48);
    for x in b {
        s.push_str(&format!("{x:02x}"));
    }
    format!("{s}:{ms}")
}

fn corrupt(what: &str) -> StateError {
    StateError::Corrupt(format!("revocations: {what}"))
}

fn as_string(v: &Value, what: &str) -> Result<String, StateError> {
    match v {
        Value::BulkString(b) => String::from_utf8(b.clone()).map_err(|_| corrupt(what)),
        Value::SimpleString(s) => Ok(s.clone()),
        _ => Err(corrupt(what)),
    }
}

fn as_version(v: &Value) -> Result<i64, StateError> {
    match v {
        Value::Int(i) if *i >= 0 => Ok(*i),
        _ => as_string(v, "version is not an integer")?
            .parse::<i64>()
            .ok()
            .filter(|i| *i >= 0)
            .ok_or_else(|| corrupt("version is not a non-negative integer")),
    }
}

impl Inner {
    pub(crate) fn read_local(&self) -> RwLockReadGuard<'_, Local> {
        // Local is replaced field by field under the lock; every state is usable.
        self.local.read().unwrap_or_else(|p| p.into_inner())
    }

    fn write_local(&self) -> RwLockWriteGuard<'_, Local> {
        self.local.write().unwrap_or_else(|p| p.into_inner())
    }

    fn note_error(&self, e: &StateError) {
        self.write_local().last_error = Some(e.clone());
    }

    /// The copy, if Redis confirmed it within the maximum staleness.
    pub(crate) fn current_list(&self) -> Result<Arc<RevocationList>, StateError> {
        let l = self.read_local();
        let max = self.cfg.max_staleness;
        let age = match l.confirmed {
            Some(t) => t.elapsed(),
            None => {
                return Err(l.last_error.clone().unwrap_or_else(|| {
                    StateError::Unavailable("revocations not read from the store yet".into())
                }))
            }
        };
        if age > max {
            return Err(match &l.last_error {
                Some(e @ StateError::Corrupt(_)) => e.clone(),
                _ => StateError::Stale {
                    age_ms: age.as_millis().try_into().unwrap_or(u64::MAX),
                    max_ms: max.as_millis().try_into().unwrap_or(u64::MAX),
                },
            });
        }
        Ok(Arc::clone(&l.list))
    }

    /// Whether one-time uses are refused because Redis lost its data.
    pub(crate) fn quarantined(&self) -> Option<Duration> {
        let until = self.read_local().quarantine_until?;
        until.checked_duration_since(Instant::now())
    }

    /// Read everything (one script call) and install it; detect a store that lost its data
    /// (epoch changed) and write this instance's entries back.
    pub(crate) fn full_sync(&self) -> Result<(), StateError> {
        let _g = self.sync_lock.lock().unwrap_or_else(|p| p.into_inner());
        let r = self.full_sync_locked();
        if let Err(e) = &r {
            self.note_error(e);
        }
        r
    }

    fn full_sync_locked(&self) -> Result<(), StateError> {
        let reply: Value = self.pool.with(|c| {
            SYNC.key(&self.keys.rev_version)
                .key(&self.keys.rev_set)
                .key(&self.keys.epoch)
                .arg(new_epoch())
                .arg(self.cfg.max_revocations)
                .invoke(c)
        })?;
        let Value::Array(parts) = reply else {
            return Err(corrupt("sync reply is not an array"));
        };
        let [epoch, version, members] = parts.as_slice() else {
            return Err(corrupt("sync reply has the wrong length"));
        };
        let epoch = as_string(epoch, "epoch is not a string")?;
        let version = as_version(version)?;
        let members = match members {
            Value::Array(m) => m,
            Value::Set(m) => m,
            Value::Int(n) => {
                return Err(StateError::Invalid(format!(
                    "the store holds {n} revocations, above the bound of {}",
                    self.cfg.max_revocations
                )))
            }
            _ => return Err(corrupt("members are not a set")),
        };
        let mut list = RevocationList::new();
        for m in members {
            let Value::BulkString(b) = m else {
                return Err(corrupt("member is not a string"));
            };
            list.apply(&Revocation::from_wire(b)?);
        }
        let mut reseed = Vec::new();
        {
            let mut l = self.write_local();
            let reset = l.epoch.as_ref().is_some_and(|old| *old != epoch);
            if reset {
                // Redis lost its data: refuse one-time uses for the quarantine, keep every
                // revocation this instance knew, and write them back below.
                l.quarantine_until = Some(Instant::now() + self.cfg.quarantine_after_reset);
                let mut merged = RevocationList::clone(&l.list);
                for e in l.list.entries() {
                    if !list.contains(&e) {
                        reseed.push(e);
                    }
                }
                for e in list.entries() {
                    merged.apply(&e);
                }
                list = merged;
                self.pool.clear();
            }
            l.list = Arc::new(list);
            l.version = version;
            l.epoch = Some(epoch);
            l.confirmed = Some(Instant::now());
            l.last_error = None;
        }
        for chunk in reseed.chunks(MAX_REVOKE_BATCH) {
            self.revoke_entries(chunk)?;
        }
        Ok(())
    }

    /// One `MGET` of version and epoch: confirm the copy, or resynchronise.
    fn heartbeat(&self) -> Result<(), StateError> {
        let reply: Vec<Value> = self.pool.with(|c| {
            redis::cmd("MGET")
                .arg(&self.keys.rev_version)
                .arg(&self.keys.epoch)
                .query(c)
        })?;
        let [version, epoch] = reply.as_slice() else {
            return Err(corrupt("MGET reply has the wrong length"));
        };
        let version = match version {
            Value::Nil => 0,
            v => as_version(v)?,
        };
        let epoch = match epoch {
            Value::Nil => None,
            e => Some(as_string(e, "epoch is not a string")?),
        };
        let same = {
            let l = self.read_local();
            l.version == version && l.epoch.is_some() && l.epoch == epoch
        };
        if same {
            let mut l = self.write_local();
            l.confirmed = Some(Instant::now());
            l.last_error = None;
            Ok(())
        } else {
            self.full_sync()
        }
    }

    /// Apply an announcement "<version>\n<entry>\n...": directly when it is the next
    /// version, otherwise by a full sync.
    fn on_message(&self, payload: &[u8]) -> Result<(), StateError> {
        let mut lines = payload.split(|b| *b == b'\n');
        let version = lines
            .next()
            .and_then(|v| std::str::from_utf8(v).ok())
            .and_then(|v| v.parse::<i64>().ok());
        let entries: Option<Vec<Revocation>> =
            lines.map(|e| Revocation::from_wire(e).ok()).collect();
        if let (Some(v), Some(entries)) = (version, entries) {
            let mut l = self.write_local();
            if v == l.version + 1 && l.epoch.is_some() {
                let mut list = RevocationList::clone(&l.list);
                for e in &entries {
                    list.apply(e);
                }
                l.list = Arc::new(list);
                l.version = v;
                l.confirmed = Some(Instant::now());
                return Ok(());
            }
            if v <= l.version {
                return Ok(());
            }
        }
        self.full_sync()
    }

    pub(crate) fn revoke_entries(&self, entries: &[Revocation]) -> Result<(), StateError> {
        if entries.is_empty() {
            return Ok(());
        }
        if entries.len() > MAX_REVOKE_BATCH {
            return Err(StateError::Invalid(format!(
                "{} revocations in one call, above {MAX_REVOKE_BATCH}",
                entries.len()
            )));
        }
        for e in entries {
            e.check()?;
        }
        let reply: Value = self.pool.with(|c| {
            let mut inv = REVOKE.key(&self.keys.rev_version);
            inv.key(&self.keys.rev_set)
                .key(&self.keys.epoch)
                .arg(&self.keys.channel)
                .arg(new_epoch());
            for e in entries {
                inv.arg(e.to_wire());
            }
            inv.invoke(c)
        })?;
        let Value::Array(parts) = reply else {
            return Err(corrupt("revoke reply is not an array"));
        };
        let [_, version] = parts.as_slice() else {
            return Err(corrupt("revoke reply has the wrong length"));
        };
        let version = as_version(version)?;
        // Apply locally at once (this instance need not wait for its own announcement).
        let mut l = self.write_local();
        let mut list = RevocationList::clone(&l.list);
        for e in entries {
            list.apply(e);
        }
        l.list = Arc::new(list);
        if version == l.version + 1 {
            l.version = version;
        }
        Ok(())
    }
}

/// The background thread: subscribe, read everything, then apply announcements as they
/// arrive and confirm the copy every poll interval; on any error, reconnect.
pub(crate) fn run(inner: &Inner) {
    let poll = inner.cfg.poll_interval;
    while !inner.stop.load(Ordering::SeqCst) {
        // Wake at least every WAKE to notice `stop` (dropping the state never waits a whole
        // poll interval); the heartbeat still runs once per poll interval.
        let mut conn = match inner.pool.subscriber(poll.min(WAKE)) {
            Ok(c) => c,
            Err(e) => {
                inner.note_error(&e);
                sleep_unless_stopped(inner, poll);
                continue;
            }
        };
        let mut ps = conn.as_pubsub();
        if let Err(e) = ps.subscribe(&inner.keys.channel) {
            inner.note_error(&crate::pool::map_err(&inner.pool.address, &e));
            sleep_unless_stopped(inner, poll);
            continue;
        }
        if inner.full_sync().is_err() {
            sleep_unless_stopped(inner, poll);
            continue;
        }
        let mut last_beat = Instant::now();
        while !inner.stop.load(Ordering::SeqCst) {
            match ps.get_message() {
                Ok(msg) => {
                    let payload: Vec<u8> = msg.get_payload().unwrap_or_default();
                    let _ = inner.on_message(&payload);
                }
                Err(e) if e.is_timeout() => {}
                Err(e) => {
                    inner.note_error(&crate::pool::map_err(&inner.pool.address, &e));
                    break;
                }
            }
            if last_beat.elapsed() >= poll {
                last_beat = Instant::now();
                if inner.heartbeat().is_err() {
                    break;
                }
            }
        }
    }
}

fn sleep_unless_stopped(inner: &Inner, d: Duration) {
    let end = Instant::now() + d;
    while !inner.stop.load(Ordering::SeqCst) && Instant::now() < end {
        std::thread::sleep(Duration::from_millis(20).min(d));
    }
}

impl RevocationSource for RedisState {
    fn current(&self) -> Result<Arc<RevocationList>, StateError> {
        self.inner.current_list()
    }
}

impl RevocationStore for RedisState {
    /// Add the entries to the shared set (one script: `SADD`, `INCR` of the version,
    /// `PUBLISH`), and to this instance's copy at once.
    fn revoke(&self, entries: &[Revocation]) -> Result<(), StateError> {
        self.inner.revoke_entries(entries)
    }
}
