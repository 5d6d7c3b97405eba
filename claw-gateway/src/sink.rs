//! Where receipts go besides the response: a [`ReceiptSink`] keyed by the request's
//! idempotency key (`X-Idempotency-Key`, the binding nonce) or, without one, by the
//! receipt id.
//!
//! The trait is synchronous: implementations do blocking I/O (files, fsync, a Redis
//! round-trip) and the gateway calls them on tokio's blocking pool, so a slow disk never
//! stalls the request threads. Two implementations live here: [`DirSink`] (one file per
//! receipt, written to a temporary file, fsync'd, renamed, directory fsync'd: a crash
//! leaves either the whole receipt or nothing) and [`JsonlSink`] (an append-only JSON-lines
//! log, fsync'd per line). [`MultiSink`] writes to several.

use std::collections::HashMap;
use std::fs::{self, File, OpenOptions};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

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

/// One file per receipt: `DIR/<sha256-hex(key)>.json`.
#[derive(Debug)]
pub struct DirSink {
    dir: PathBuf,
    lock: Mutex<()>,
}

impl DirSink {
    /// A sink writing into `dir` (created if missing).
    pub fn open(dir: &Path) -> Result<DirSink, SinkError> {
        fs::create_dir_all(dir).map_err(io(dir))?;
        Ok(DirSink {
            dir: dir.to_path_buf(),
            lock: Mutex::new(()),
        })
    }

    fn path(&self, key: &str) -> PathBuf {
        let h = claw_core::hash::sha256(key.as_bytes());
        let mut name = String::with_capacity(69);
        for b in h {
            name.push_str(&format!("{b:02x}"));
        }
        name.push_str(".json");
        self.dir.join(name)
    }
}

impl ReceiptSink for DirSink {
    fn put(&self, key: &str, envelope: &[u8]) -> Result<(), SinkError> {
        check(key, envelope)?;
        let path = self.path(key);
        // One writer at a time decides "exists or not" and renames.
        let _g = self.lock.lock().unwrap_or_else(|p| p.into_inner());
        if path.exists() {
            return Err(SinkError::Exists(key.to_string()));
        }
        let tmp = path.with_extension(format!("tmp{}", std::process::id()));
        let mut f = File::create(&tmp).map_err(io(&tmp))?;
        f.write_all(envelope).map_err(io(&tmp))?;
        f.sync_all().map_err(io(&tmp))?;
        drop(f);
        fs::rename(&tmp, &path).map_err(io(&path))?;
        File::open(&self.dir)
            .and_then(|d| d.sync_all())
            .map_err(io(&self.dir))?;
        Ok(())
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
/// fsync'd. An index of key → line offset is kept in memory (rebuilt from the file when
/// opened; a torn last line from a crash is ignored).
#[derive(Debug)]
pub struct JsonlSink {
    path: PathBuf,
    inner: Mutex<JsonlInner>,
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
        Ok(JsonlSink {
            path: path.to_path_buf(),
            inner: Mutex::new(JsonlInner { file, index }),
        })
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
        let env = claw_core::json::parse(
            envelope,
            &claw_core::json::Limits::STRICT.with_max_bytes(MAX_RECEIPT_BYTES),
        )
        .map_err(|e| SinkError::Invalid(format!("receipt is not JSON: {e}")))?;
        let mut line =
            serde_json::to_vec(&serde_json::json!({"key": key, "receipt_envelope": env}))
                .map_err(|e| SinkError::Invalid(e.to_string()))?;
        line.push(b'\n');
        let mut g = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        if g.index.contains_key(key) {
            return Err(SinkError::Exists(key.to_string()));
        }
        let off = g.file.seek(SeekFrom::End(0)).map_err(io(&self.path))?;
        g.file.write_all(&line).map_err(io(&self.path))?;
        g.file.sync_data().map_err(io(&self.path))?;
        g.index.insert(key.to_string(), (off, line.len()));
        Ok(())
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
}
