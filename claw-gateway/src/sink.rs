//! Where receipts go besides the response: a [`ReceiptSink`] keyed by the request's
//! idempotency key (`X-Idempotency-Key`, the binding nonce) or, without one, by the
//! receipt id.
//!
//! The trait is synchronous: implementations do blocking I/O (files, fsync, a Redis
//! round-trip) and the gateway calls them on tokio's blocking pool, so a slow disk never
//! stalls the request threads. Two implementations live here: [`DirSink`] (one file per
//! receipt, written to a temporary file, fsync'd, linked under its name, directory fsync'd:
//! a crash leaves either the whole receipt or nothing) and [`JsonlSink`] (an append-only
//! JSON-lines log). [`MultiSink`] writes to several.
//!
//! Both are durable when `put` returns, and both commit in groups ([`GroupSync`]): a `put`
//! writes its bytes, then waits until an fsync that started after its write has finished.
//! One writer at a time runs the fsync, for every write made before it started; writers
//! that arrive meanwhile are covered by the next one. Under concurrency one fsync serves
//! many receipts; a lone request pays exactly one, as before. An fsync that fails makes the
//! sink refuse every later `put` (after a failed fsync the kernel may have dropped the
//! dirty pages, so no later fsync can vouch for them): the gateway answers
//! `RECEIPT_SINK_IO` until it is restarted and the sink reopened.

use std::collections::HashMap;
use std::fs::{self, File, OpenOptions};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Condvar, Mutex};

/// Bound on one stored receipt envelope.
pub const MAX_RECEIPT_BYTES: usize = 1024 * 1024;
/// Bound on a key (nonce or receipt id).
pub const MAX_KEY_BYTES: usize = 256;

/// Why a sink failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SinkError {
    /// Reading or writing failed.
    #[error("{path}: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
    /// The key or value is out of bounds.
    #[error("{0}")]
    Invalid(String),
    /// Stored data is not what was written (a torn or edited file).
    #[error("{0}")]
    Corrupt(String),
    /// A receipt already exists under this key.
    #[error("a receipt is already stored under {0:?}")]
    Exists(String),
    /// The shared state store failed (`docs/SPEC.md §9`).
    #[error(transparent)]
    State(#[from] claw_core::cst::StateError),
}

impl SinkError {
    /// Stable reason code.
    pub fn reason_code(&self) -> &'static str {
        match self {
            SinkError::Io { .. } => "RECEIPT_SINK_IO",
            SinkError::Invalid(_) => "RECEIPT_SINK_INVALID",
            SinkError::Corrupt(_) => "RECEIPT_CORRUPTED",
            SinkError::Exists(_) => "IDEMPOTENCY_KEY_REUSED",
            SinkError::State(e) => e.reason_code(),
        }
    }
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> SinkError + '_ {
    move |source| SinkError::Io {
        path: path.display().to_string(),
        source,
    }
}

/// Where receipts are kept. `put` stores the signed `gateway_receipt` envelope (JSON bytes)
/// under `key` and fails with [`SinkError::Exists`] if the key already holds one; `get`
/// returns it. Implementations must be durable when `put` returns.
pub trait ReceiptSink: Send + Sync + std::fmt::Debug {
    /// Store `envelope` under `key`.
    fn put(&self, key: &str, envelope: &[u8]) -> Result<(), SinkError>;
    /// The envelope stored under `key`, if any.
    fn get(&self, key: &str) -> Result<Option<Vec<u8>>, SinkError>;
}

/// Check a key and value against the bounds every sink applies.
pub fn check(key: &str, envelope: &[u8]) -> Result<(), SinkError> {
    check_key(key)?;
    if envelope.len() > MAX_RECEIPT_BYTES {
        return Err(SinkError::Invalid(format!(
            "receipt of {} bytes above the {MAX_RECEIPT_BYTES}-byte bound",
            envelope.len()
        )));
    }
    Ok(())
}

/// A key is 1..=256 bytes of `A-Z a-z 0-9 . _ : -`.
pub fn check_key(key: &str) -> Result<(), SinkError> {
    if key.is_empty()
        || key.len() > MAX_KEY_BYTES
        || !key
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"._:-".contains(&b))
    {
        return Err(SinkError::Invalid(
            "a receipt key is 1..=256 characters of A-Z a-z 0-9 . _ : -".into(),
        ));
    }
    Ok(())
}

/// Group commit: writers take a ticket after their write, and [`GroupSync::wait_durable`]
/// returns once an fsync that started after that write has succeeded.
#[derive(Debug, Default)]
pub struct GroupSync {
    state: Mutex<SyncState>,
    done: Condvar,
}

#[derive(Debug, Default)]
struct SyncState {
    /// Tickets handed out (writes completed).
    written: u64,
    /// Every ticket up to this one is durable.
    synced: u64,
    /// A writer is running an fsync.
    syncing: bool,
    /// The first fsync failure; sticky.
    failed: Option<String>,
    /// Fsyncs run (for tests and metrics).
    syncs: u64,
}

impl GroupSync {
    /// A ticket for a write that has completed (call after the write returned).
    pub fn ticket(&self) -> Result<u64, SinkError> {
        let mut g = self.state.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(f) = &g.failed {
            return Err(failed(f));
        }
        g.written += 1;
        Ok(g.written)
    }

    /// Whether an fsync has failed (the sink then refuses writes).
    pub fn check(&self) -> Result<(), SinkError> {
        let g = self.state.lock().unwrap_or_else(|p| p.into_inner());
        match &g.failed {
            Some(f) => Err(failed(f)),
            None => Ok(()),
        }
    }

    /// Refuse every later write: a write failed part-way and the file's state is unknown.
    pub fn fail(&self, why: String) {
        let mut g = self.state.lock().unwrap_or_else(|p| p.into_inner());
        g.failed.get_or_insert(why);
        self.done.notify_all();
    }

    /// Number of fsyncs run so far.
    pub fn syncs(&self) -> u64 {
        self.state.lock().unwrap_or_else(|p| p.into_inner()).syncs
    }

    /// Block until `ticket` is durable. When no fsync is running, this writer runs `sync`
    /// for every ticket handed out so far; otherwise it waits for the running one and, if
    /// that one started before its write, for the next.
    pub fn wait_durable(
        &self,
        ticket: u64,
        sync: impl Fn() -> std::io::Result<()>,
    ) -> Result<(), SinkError> {
        let mut g = self.state.lock().unwrap_or_else(|p| p.into_inner());
        loop {
            if let Some(f) = &g.failed {
                return Err(failed(f));
            }
            if g.synced >= ticket {
                return Ok(());
            }
            if g.syncing {
                g = self.done.wait(g).unwrap_or_else(|p| p.into_inner());
                continue;
            }
            g.syncing = true;
            let target = g.written;
            drop(g);
            let r = sync();
            g = self.state.lock().unwrap_or_else(|p| p.into_inner());
            g.syncing = false;
            g.syncs += 1;
            match r {
                Ok(()) => g.synced = g.synced.max(target),
                Err(e) => {
                    g.failed.get_or_insert_with(|| e.to_string());
                }
            }
            self.done.notify_all();
        }
    }
}

fn failed(f: &str) -> SinkError {
    SinkError::Io {
        path: "receipt sink".into(),
        source: std::io::Error::other(format!(
            "an earlier fsync failed ({f}); refusing receipts until restarted"
        )),
    }
}

/// One file per receipt: `DIR/<sha256-hex(key)>.json`.
#[derive(Debug)]
pub struct DirSink {
    dir: PathBuf,
    /// Temporary file names: `<hex>.tmp<pid>-<n>`, unique per `put`.
    tmp_seq: AtomicU64,
    group: GroupSync,
}

impl DirSink {
    /// A sink writing into `dir` (created if missing).
    pub fn open(dir: &Path) -> Result<DirSink, SinkError> {
        fs::create_dir_all(dir).map_err(io(dir))?;
        Ok(DirSink {
            dir: dir.to_path_buf(),
            tmp_seq: AtomicU64::new(0),
            group: GroupSync::default(),
        })
    }

    fn path(&self, key: &str) -> PathBuf {
        let h = claw_core::hash::sha256(key.as_bytes());
        const DIGITS: &[u8; 16] = b"0123456789abcdef";
        let mut name = String::with_capacity(69);
        for b in h {
            name.push(char::from(DIGITS[usize::from(b >> 4)]));
            name.push(char::from(DIGITS[usize::from(b & 15)]));
        }
        name.push_str(".json");
        self.dir.join(name)
    }
}

impl DirSink {
    /// Fsyncs run so far (group commit: fewer than receipts under concurrency).
    pub fn syncs(&self) -> u64 {
        self.group.syncs()
    }
}

impl ReceiptSink for DirSink {
    fn put(&self, key: &str, envelope: &[u8]) -> Result<(), SinkError> {
        check(key, envelope)?;
        self.group.check()?;
        let path = self.path(key);
        if path.exists() {
            return Err(SinkError::Exists(key.to_string()));
        }
        let n = self.tmp_seq.fetch_add(1, Ordering::Relaxed);
        let tmp = path.with_extension(format!("tmp{}-{n}", std::process::id()));
        let written = (|| {
            let mut f = OpenOptions::new().write(true).create_new(true).open(&tmp)?;
            f.write_all(envelope)?;
            f.sync_all()
        })();
        if let Err(e) = written {
            let _ = fs::remove_file(&tmp);
            return Err(io(&tmp)(e));
        }
        // A hard link never replaces an existing name: of two writers of one key exactly
        // one succeeds, without a lock held across the fsyncs.
        let linked = fs::hard_link(&tmp, &path);
        let _ = fs::remove_file(&tmp);
        match linked {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                return Err(SinkError::Exists(key.to_string()))
            }
            Err(e) => return Err(io(&path)(e)),
        }
        // The new name is durable once the directory is: one directory fsync per group.
        let ticket = self.group.ticket()?;
        self.group
            .wait_durable(ticket, || File::open(&self.dir).and_then(|d| d.sync_all()))
    }

    fn get(&self, key: &str) -> Result<Option<Vec<u8>>, SinkError> {
        check_key(key)?;
        let path = self.path(key);
        let f = match File::open(&path) {
            Ok(f) => f,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(io(&path)(e)),
        };
        let mut out = Vec::new();
        f.take(MAX_RECEIPT_BYTES as u64 + 1)
            .read_to_end(&mut out)
            .map_err(io(&path))?;
        if out.len() > MAX_RECEIPT_BYTES {
            return Err(SinkError::Corrupt(format!(
                "{}: above the receipt bound",
                path.display()
            )));
        }
        Ok(Some(out))
    }
}

/// An append-only JSON-lines log: one line `{"key":K,"receipt_envelope":E}` per receipt,
/// fsync'd in groups ([`GroupSync`]). An index of key → line offset is kept in memory (rebuilt from the file when
/// opened; a torn last line from a crash is ignored).
#[derive(Debug)]
pub struct JsonlSink {
    path: PathBuf,
    inner: Mutex<JsonlInner>,
    /// A second handle on the same open file, for the fsync (run without `inner` held, so
    /// writers keep appending meanwhile).
    sync_file: File,
    group: GroupSync,
}

#[derive(Debug)]
struct JsonlInner {
    file: File,
    index: HashMap<String, (u64, usize)>,
}

impl JsonlSink {
    /// Open (or create) the log at `path`.
    pub fn open(path: &Path) -> Result<JsonlSink, SinkError> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            fs::create_dir_all(dir).map_err(io(dir))?;
        }
        let mut file = OpenOptions::new()
            .read(true)
            .append(true)
            .create(true)
            .open(path)
            .map_err(io(path))?;
        let mut all = Vec::new();
        file.read_to_end(&mut all).map_err(io(path))?;
        let mut index = HashMap::new();
        let mut off = 0usize;
        for line in all.split_inclusive(|&b| b == b'\n') {
            if line.ends_with(b"\n") {
                if let Some(k) = line_key(line) {
                    index.insert(k, (off as u64, line.len()));
                }
            }
            off += line.len();
        }
        if !all.is_empty() && !all.ends_with(b"\n") {
            // A torn last line: end it so the next record starts on its own line.
            file.write_all(b"\n").map_err(io(path))?;
        }
        let sync_file = file.try_clone().map_err(io(path))?;
        Ok(JsonlSink {
            path: path.to_path_buf(),
            inner: Mutex::new(JsonlInner { file, index }),
            sync_file,
            group: GroupSync::default(),
        })
    }

    /// Fsyncs run so far (group commit: fewer than receipts under concurrency).
    pub fn syncs(&self) -> u64 {
        self.group.syncs()
    }
}

fn line_key(line: &[u8]) -> Option<String> {
    let v = claw_core::json::parse(
        line,
        &claw_core::json::Limits::STRICT.with_max_bytes(MAX_RECEIPT_BYTES * 2),
    )
    .ok()?;
    v.get("key")?.as_str().map(str::to_string)
}

impl ReceiptSink for JsonlSink {
    fn put(&self, key: &str, envelope: &[u8]) -> Result<(), SinkError> {
        check(key, envelope)?;
        self.group.check()?;
        // The envelope goes in as it is (no re-serialization); it must be one strict JSON
        // value on one line, so the line stays one record.
        claw_core::json::parse(
            envelope,
            &claw_core::json::Limits::STRICT.with_max_bytes(MAX_RECEIPT_BYTES),
        )
        .map_err(|e| SinkError::Invalid(format!("receipt is not JSON: {e}")))?;
        if envelope.iter().any(|&b| b == b'\n' || b == b'\r') {
            return Err(SinkError::Invalid("receipt is not on one line".into()));
        }
        // The key is 1..=256 of `A-Z a-z 0-9 . _ : -`: a JSON string as it is.
        let mut line = Vec::with_capacity(envelope.len() + key.len() + 32);
        line.extend_from_slice(b"{\"key\":\"");
        line.extend_from_slice(key.as_bytes());
        line.extend_from_slice(b"\",\"receipt_envelope\":");
        line.extend_from_slice(envelope);
        line.extend_from_slice(b"}\n");
        let ticket = {
            let mut g = self.inner.lock().unwrap_or_else(|p| p.into_inner());
            if g.index.contains_key(key) {
                return Err(SinkError::Exists(key.to_string()));
            }
            let off = g.file.seek(SeekFrom::End(0)).map_err(io(&self.path))?;
            if let Err(e) = g.file.write_all(&line) {
                // Part of the line may be in the file: later lines would not parse.
                self.group.fail(format!("write: {e}"));
                return Err(io(&self.path)(e));
            }
            g.index.insert(key.to_string(), (off, line.len()));
            self.group.ticket()?
        };
        self.group
            .wait_durable(ticket, || self.sync_file.sync_data())
    }

    fn get(&self, key: &str) -> Result<Option<Vec<u8>>, SinkError> {
        check_key(key)?;
        let mut g = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        let Some(&(off, len)) = g.index.get(key) else {
            return Ok(None);
        };
        let mut buf = vec![0u8; len];
        g.file.seek(SeekFrom::Start(off)).map_err(io(&self.path))?;
        g.file.read_exact(&mut buf).map_err(io(&self.path))?;
        let v = claw_core::json::parse(
            &buf,
            &claw_core::json::Limits::STRICT.with_max_bytes(MAX_RECEIPT_BYTES * 2),
        )
        .map_err(|e| SinkError::Corrupt(format!("{}: {e}", self.path.display())))?;
        match (
            v.get("key").and_then(|k| k.as_str()),
            v.get("receipt_envelope"),
        ) {
            (Some(k), Some(env)) if k == key => serde_json::to_vec(env)
                .map(Some)
                .map_err(|e| SinkError::Corrupt(e.to_string())),
            _ => Err(SinkError::Corrupt(format!(
                "{}: line at offset {off} is not the record of {key:?}",
                self.path.display()
            ))),
        }
    }
}

/// Several sinks: `put` writes to each in order (the first failure stops and is returned),
/// `get` answers from the first that has the key.
#[derive(Debug, Default)]
pub struct MultiSink {
    sinks: Vec<Box<dyn ReceiptSink>>,
}

impl MultiSink {
    /// No sinks yet.
    pub fn new() -> MultiSink {
        MultiSink::default()
    }

    /// Add a sink.
    pub fn push(&mut self, sink: Box<dyn ReceiptSink>) {
        self.sinks.push(sink);
    }

    /// Whether there is no sink.
    pub fn is_empty(&self) -> bool {
        self.sinks.is_empty()
    }
}

impl ReceiptSink for MultiSink {
    fn put(&self, key: &str, envelope: &[u8]) -> Result<(), SinkError> {
        for s in &self.sinks {
            s.put(key, envelope)?;
        }
        Ok(())
    }

    fn get(&self, key: &str) -> Result<Option<Vec<u8>>, SinkError> {
        for s in &self.sinks {
            if let Some(v) = s.get(key)? {
                return Ok(Some(v));
            }
        }
        Ok(None)
    }
}

#[cfg(test)]
#[allow(clippy::disallowed_methods)] // tests may read JSON with serde_json (clippy.toml)
mod tests {
    use super::*;

    fn both(dir: &Path) -> Vec<Box<dyn ReceiptSink>> {
        vec![
            Box::new(DirSink::open(&dir.join("d")).unwrap()),
            Box::new(JsonlSink::open(&dir.join("r.jsonl")).unwrap()),
        ]
    }

    #[test]
    fn put_get_exists_and_bad_keys() {
        let t = tempfile::tempdir().unwrap();
        for s in both(t.path()) {
            assert_eq!(s.get("nonce_1").unwrap(), None);
            s.put("nonce_1", br#"{"a":1}"#).unwrap();
            let got = s.get("nonce_1").unwrap().unwrap();
            assert_eq!(
                serde_json::from_slice::<serde_json::Value>(&got).unwrap(),
                serde_json::json!({"a":1})
            );
            let e = s.put("nonce_1", br#"{"a":2}"#).unwrap_err();
            assert_eq!(e.reason_code(), "IDEMPOTENCY_KEY_REUSED");
            for bad in ["", "../x", "a/b", &"x".repeat(257)] {
                assert_eq!(
                    s.get(bad).unwrap_err().reason_code(),
                    "RECEIPT_SINK_INVALID"
                );
            }
        }
    }

    #[test]
    fn jsonl_reopens_and_survives_a_torn_line() {
        let t = tempfile::tempdir().unwrap();
        let p = t.path().join("r.jsonl");
        {
            let s = JsonlSink::open(&p).unwrap();
            s.put("k1", br#"{"n":1}"#).unwrap();
        }
        // A crash mid-write leaves half a line.
        let mut f = OpenOptions::new().append(true).open(&p).unwrap();
        f.write_all(br#"{"key":"k2","receipt_env"#).unwrap();
        drop(f);
        let s = JsonlSink::open(&p).unwrap();
        assert!(s.get("k1").unwrap().is_some());
        assert_eq!(s.get("k2").unwrap(), None);
        s.put("k2", br#"{"n":2}"#).unwrap();
        let s = JsonlSink::open(&p).unwrap();
        assert_eq!(s.get("k2").unwrap().unwrap(), br#"{"n":2}"#.to_vec());
    }

    #[test]
    fn group_sync_one_fsync_covers_every_write_before_it() {
        use std::sync::atomic::AtomicBool;
        use std::sync::Arc;
        // The first fsync blocks until all 8 writers hold a ticket; the 7 that arrived
        // during it share the next one: 2 fsyncs for 8 writes, every writer durable.
        let g = Arc::new(GroupSync::default());
        let first = Arc::new(AtomicBool::new(true));
        let t1 = g.ticket().unwrap();
        let g2 = g.clone();
        let f2 = first.clone();
        let leader = std::thread::spawn(move || {
            g2.wait_durable(t1, || {
                if f2.swap(false, Ordering::SeqCst) {
                    while g2.state.lock().unwrap().written < 8 {
                        std::thread::yield_now();
                    }
                }
                Ok(())
            })
        });
        while !g.state.lock().unwrap().syncing {
            std::thread::yield_now();
        }
        let others: Vec<_> = (0..7)
            .map(|_| {
                let g = g.clone();
                std::thread::spawn(move || {
                    let t = g.ticket().unwrap();
                    g.wait_durable(t, || Ok(()))
                })
            })
            .collect();
        leader.join().unwrap().unwrap();
        for o in others {
            o.join().unwrap().unwrap();
        }
        assert_eq!(g.syncs(), 2);
        assert_eq!(g.state.lock().unwrap().synced, 8);
    }

    #[test]
    fn a_failed_fsync_fails_its_writers_and_every_later_put() {
        let g = GroupSync::default();
        let t = g.ticket().unwrap();
        let e = g
            .wait_durable(t, || Err(std::io::Error::other("EIO")))
            .unwrap_err();
        assert_eq!(e.reason_code(), "RECEIPT_SINK_IO");
        assert_eq!(g.ticket().unwrap_err().reason_code(), "RECEIPT_SINK_IO");
        assert!(g.check().is_err());
    }

    #[test]
    fn concurrent_puts_are_all_durable_and_retrievable_with_fewer_fsyncs() {
        use std::sync::{Arc, Barrier};
        let t = tempfile::tempdir().unwrap();
        let dir = Arc::new(DirSink::open(&t.path().join("d")).unwrap());
        let log = Arc::new(JsonlSink::open(&t.path().join("r.jsonl")).unwrap());
        let n = 32;
        let barrier = Arc::new(Barrier::new(n));
        let hs: Vec<_> = (0..n)
            .map(|i| {
                let (d, l, b) = (dir.clone(), log.clone(), barrier.clone());
                std::thread::spawn(move || {
                    let env = format!(r#"{{"n":{i}}}"#);
                    b.wait();
                    d.put(&format!("k{i}"), env.as_bytes()).unwrap();
                    l.put(&format!("k{i}"), env.as_bytes()).unwrap();
                })
            })
            .collect();
        for h in hs {
            h.join().unwrap();
        }
        // Concurrent writers share fsyncs (each would otherwise pay its own).
        assert!(dir.syncs() < n as u64, "dir fsyncs: {}", dir.syncs());
        assert!(log.syncs() < n as u64, "log fsyncs: {}", log.syncs());
        // Same key twice: exactly one wins, even racing.
        assert_eq!(
            dir.put("k0", b"{}").unwrap_err().reason_code(),
            "IDEMPOTENCY_KEY_REUSED"
        );
        drop(log);
        let reopened = JsonlSink::open(&t.path().join("r.jsonl")).unwrap();
        for i in 0..n {
            let want = format!(r#"{{"n":{i}}}"#).into_bytes();
            assert_eq!(dir.get(&format!("k{i}")).unwrap().unwrap(), want);
            assert_eq!(reopened.get(&format!("k{i}")).unwrap().unwrap(), want);
        }
        // No temporary file is left behind.
        let names: Vec<_> = fs::read_dir(t.path().join("d"))
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        assert_eq!(names.len(), n);
        assert!(names.iter().all(|f| f.ends_with(".json")), "{names:?}");
    }

    #[test]
    fn racing_writers_of_one_key_one_wins() {
        use std::sync::{Arc, Barrier};
        let t = tempfile::tempdir().unwrap();
        let dir = Arc::new(DirSink::open(&t.path().join("d")).unwrap());
        let log = Arc::new(JsonlSink::open(&t.path().join("r.jsonl")).unwrap());
        let barrier = Arc::new(Barrier::new(8));
        let hs: Vec<_> = (0..8)
            .map(|i| {
                let (d, l, b) = (dir.clone(), log.clone(), barrier.clone());
                std::thread::spawn(move || {
                    let env = format!(r#"{{"n":{i}}}"#);
                    b.wait();
                    (
                        d.put("same", env.as_bytes()).is_ok(),
                        l.put("same", env.as_bytes()).is_ok(),
                    )
                })
            })
            .collect();
        let r: Vec<(bool, bool)> = hs.into_iter().map(|h| h.join().unwrap()).collect();
        assert_eq!(r.iter().filter(|x| x.0).count(), 1);
        assert_eq!(r.iter().filter(|x| x.1).count(), 1);
    }

    #[test]
    fn jsonl_refuses_a_multi_line_envelope() {
        let t = tempfile::tempdir().unwrap();
        let s = JsonlSink::open(&t.path().join("r.jsonl")).unwrap();
        let e = s.put("k", b"{\n\"a\":1}").unwrap_err();
        assert_eq!(e.reason_code(), "RECEIPT_SINK_INVALID");
        assert_eq!(s.get("k").unwrap(), None);
    }
}
