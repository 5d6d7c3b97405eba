//! Trust Pulse (`trust_pulse.v1`): a self-reported summary of which tools a run used and
//! which (safe, relative) files it touched. It never raises the proof tier:
//! `evidence_class` is always `self_reported`, `tier_uplift` always `false`, and the
//! verifier ignores it when computing tiers.

use super::document::VerifiedBundle;
use super::{ids, EvidenceError};
use crate::{hash, json, time};
use rand_core::CryptoRngCore;
use serde_json::{json, Value};
use std::collections::{BTreeMap, BTreeSet};

/// `$id` of the Trust Pulse schema, used in the metadata pointer.
pub const TRUST_PULSE_SCHEMA: &str = "https://schemas.clawbureau.org/claw.poh.trust_pulse.v1.json";

const MAX_TOOLS: usize = 128;
const MAX_FILES: usize = 512;
const MAX_NAME_CHARS: usize = 128;
const MAX_PATH_CHARS: usize = 1024;
const PATH_FIELDS: [&str; 7] = [
    "path",
    "file_path",
    "filePath",
    "file",
    "filename",
    "old_path",
    "new_path",
];
const SCAN_KEYS: [&str; 4] = ["file_path", "filename", "path", "file"];

/// The reference's rule for a path that may appear in a Trust Pulse: trimmed, not empty,
/// not absolute (`/`, `~`, `\`), backslashes turned into `/`, one leading `./` removed,
/// empty segments dropped, no `..` segment, at most 1024 characters. `None` when refused.
pub fn safe_relative_path(p: &str) -> Option<String> {
    let t = p.trim();
    if t.is_empty() || t.starts_with('/') || t.starts_with('~') || t.starts_with('\\') {
        return None;
    }
    let t = t.replace('\\', "/");
    let t = t.strip_prefix("./").unwrap_or(&t);
    let segs: Vec<&str> = t.split('/').filter(|s| !s.is_empty()).collect();
    if segs.contains(&"..") {
        return None;
    }
    let out = segs.join("/");
    if out.is_empty() || out.chars().count() > MAX_PATH_CHARS {
        return None;
    }
    Some(out)
}

/// Paths named in a tool's arguments: the string fields `path, file_path, filePath, file,
/// filename, old_path, new_path` of an argument object, and `key="value"` /
/// `"key":"value"` occurrences (keys `file_path|path|file|filename`, any case) in the
/// arguments' JSON text. Each is passed through [`safe_relative_path`]; duplicates within
/// one call count once.
pub(crate) fn paths_in_args(args: &Value) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    if let Some(o) = args.as_object() {
        for f in PATH_FIELDS {
            if let Some(p) = o
                .get(f)
                .and_then(Value::as_str)
                .and_then(safe_relative_path)
            {
                out.insert(p);
            }
        }
    }
    let text = match args {
        Value::String(s) => s.clone(),
        other => String::from_utf8(
            json::serialize(other, json::KeyOrder::JavaScript).unwrap_or_default(),
        )
        .unwrap_or_default(),
    };
    let b = text.as_bytes();
    let lower = text.to_ascii_lowercase();
    let lb = lower.as_bytes();
    for i in 0..lb.len() {
        for key in SCAN_KEYS {
            if !lb[i..].starts_with(key.as_bytes()) {
                continue;
            }
            let after = i + key.len();
            let value_start = if b[after..].starts_with(b"=\"") {
                Some(after + 2)
            } else if i > 0 && b[i - 1] == b'"' && b[after..].starts_with(b"\":\"") {
                Some(after + 3)
            } else {
                None
            };
            if let Some(vs) = value_start {
                if let Some(len) = b[vs..].iter().position(|c| *c == b'"') {
                    if let Some(p) = safe_relative_path(&text[vs..vs + len]) {
                        out.insert(p);
                    }
                }
            }
        }
    }
    out
}

/// What the recorder observes for the Trust Pulse.
#[derive(Debug, Clone, Default)]
pub(crate) struct PulseObserver {
    tools: BTreeMap<String, u64>,
    files: BTreeMap<String, u64>,
    first_ms: Option<i64>,
    last_ms: Option<i64>,
}

impl PulseObserver {
    pub(crate) fn observe_time(&mut self, ms: i64) {
        self.first_ms.get_or_insert(ms);
        self.last_ms = Some(ms);
    }

    pub(crate) fn observe_tool(&mut self, name: &str, args: &Value) {
        let name: String = name.chars().take(MAX_NAME_CHARS).collect();
        if name.is_empty() {
            return;
        }
        *self.tools.entry(name).or_default() += 1;
        for p in paths_in_args(args) {
            *self.files.entry(p).or_default() += 1;
        }
    }
}

/// A Trust Pulse document.
#[derive(Debug, Clone, PartialEq)]
pub struct TrustPulse {
    value: Value,
}

fn ranked(m: &BTreeMap<String, u64>, limit: usize, key: &str, count: &str) -> Value {
    let mut v: Vec<(&String, &u64)> = m.iter().collect();
    v.sort_by(|a, b| b.1.cmp(a.1).then_with(|| json::cmp_utf16(a.0, b.0)));
    Value::Array(
        v.into_iter()
            .take(limit)
            .map(|(k, c)| json!({ key: k, count: c }))
            .collect(),
    )
}

impl TrustPulse {
    pub(crate) fn from_observer(
        o: &PulseObserver,
        run_id: &str,
        agent_did: &str,
        issued_at_ms: i64,
        rng: &mut impl CryptoRngCore,
    ) -> TrustPulse {
        let start = o.first_ms.unwrap_or(issued_at_ms);
        let end = o.last_ms.unwrap_or(start).max(start);
        let doc = json!({
            "trust_pulse_version": "1",
            "trust_pulse_id": ids::new_id("tp", rng),
            "run_id": run_id,
            "agent_did": agent_did,
            "issued_at": time::format_rfc3339_millis(issued_at_ms),
            "evidence_class": "self_reported",
            "tier_uplift": false,
            "started_at": time::format_rfc3339_millis(start),
            "ended_at": time::format_rfc3339_millis(end),
            "duration_ms": u64::try_from(end - start).unwrap_or(0),
            "tools": ranked(&o.tools, MAX_TOOLS, "name", "calls"),
            "files": ranked(&o.files, MAX_FILES, "path", "touches"),
        });
        TrustPulse {
            value: json::sorted(&doc),
        }
    }

    /// The document (keys sorted).
    pub fn to_value(&self) -> &Value {
        &self.value
    }

    /// Canonical JSON text.
    pub fn to_json(&self) -> Result<String, EvidenceError> {
        Ok(String::from_utf8(json::canonicalize(&self.value)?).unwrap_or_default())
    }

    /// SHA-256(JCS(document)), base64url.
    pub fn hash_b64u(&self) -> Result<String, EvidenceError> {
        Ok(hash::sha256_b64u(json::canonicalize(&self.value)?))
    }

    /// The pointer bound in the bundle metadata: `{schema, artifact_hash_b64u,
    /// evidence_class:"self_reported", tier_uplift:false}`.
    pub fn pointer(&self) -> Result<Value, EvidenceError> {
        Ok(json::sorted(&json!({
            "schema": TRUST_PULSE_SCHEMA,
            "artifact_hash_b64u": self.hash_b64u()?,
            "evidence_class": "self_reported",
            "tier_uplift": false,
        })))
    }
}

/// Derive a Trust Pulse from a verified bundle ([`super::verify_bundle_for_use`]): tools and
/// call counts from its tool receipts, times from its event chain, all read from the payload
/// the verifier checked. A bundle holds only hashes of tool arguments, so `files` is empty;
/// the recorder's own pulse ([`super::Bundle::trust_pulse`]) includes the files it saw.
///
/// ```
/// # use claw_core::evidence::{BundleOptions, Recorder, ToolCall, ToolStatus};
/// # use claw_core::keys::SigningKey;
/// # use serde_json::json;
/// # let mut rng = rand_core::OsRng;
/// # let now_ms = 1_800_000_000_000;
/// # let agent = SigningKey::generate(&mut rng);
/// # let mut rec = Recorder::with_run_id(agent, "run_docs")?;
/// # for path in ["src/a.rs", "src/b.rs", "src/a.rs"] {
/// #     let args = json!({"path": path});
/// #     let call = ToolCall { tool_name: "read_file", tool_version: None, args: &args,
/// #         result: &json!("..."), result_status: ToolStatus::Success, latency_ms: 1,
/// #         timestamp_ms: now_ms };
/// #     rec.record_tool_call(&call, &mut rng)?;
/// # }
/// # let bundle = rec.finish(&BundleOptions::default(), now_ms + 10, &mut rng)?;
/// # let bundle_json = bundle.to_json()?;
/// use claw_core::evidence::{trust_pulse_from_bundle, verify_bundle_for_use, VerifyConfig};
///
/// // The recorder's pulse: tools and the files their arguments named.
/// let pulse = bundle.trust_pulse().expect("BundleOptions::default() derives one").to_value();
/// assert_eq!(pulse["tools"], json!([{"name": "read_file", "calls": 3}]));
/// assert_eq!(pulse["files"][0], json!({"path": "src/a.rs", "touches": 2}));
/// assert_eq!(pulse["evidence_class"], "self_reported");
///
/// // A consumer derives one from the verified bundle alone (tools, never file names).
/// let verified = verify_bundle_for_use(bundle_json.as_bytes(), &VerifyConfig::new(now_ms + 20))
///     .expect("the bundle verifies");
/// let derived = trust_pulse_from_bundle(&verified, now_ms + 30, &mut rng)?;
/// assert_eq!(derived.to_value()["tools"], pulse["tools"]);
/// assert_eq!(derived.to_value()["files"], json!([]));
/// # Ok::<(), claw_core::evidence::EvidenceError>(())
/// ```
pub fn trust_pulse_from_bundle(
    bundle: &VerifiedBundle,
    issued_at_ms: i64,
    rng: &mut impl CryptoRngCore,
) -> Result<TrustPulse, EvidenceError> {
    let payload = bundle.payload();
    let agent_did = payload
        .get("agent_did")
        .and_then(Value::as_str)
        .ok_or_else(|| super::invalid("agent_did", "missing"))?;
    let events = payload
        .get("event_chain")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let run_id = events
        .first()
        .and_then(|e| e.get("run_id"))
        .and_then(Value::as_str)
        .ok_or_else(|| super::invalid("event_chain", "needs at least one event"))?;
    let mut o = PulseObserver::default();
    for e in &events {
        if let Some(ms) = e
            .get("timestamp")
            .and_then(Value::as_str)
            .and_then(|t| time::parse_rfc3339_millis(t).ok())
        {
            o.observe_time(ms);
        }
    }
    for r in payload
        .get("tool_receipts")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let p = if r.get("envelope_type").is_some() {
            r.get("payload").unwrap_or(&Value::Null)
        } else {
            r
        };
        if let Some(name) = p.get("tool_name").and_then(Value::as_str) {
            o.observe_tool(name, &Value::Null);
        }
    }
    Ok(TrustPulse::from_observer(
        &o,
        run_id,
        agent_did,
        issued_at_ms,
        rng,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn safe_paths() {
        assert_eq!(
            safe_relative_path(" ./src//main.rs ").as_deref(),
            Some("src/main.rs")
        );
        assert_eq!(safe_relative_path("a\\b").as_deref(), Some("a/b"));
        for bad in [
            "",
            "  ",
            "/etc/passwd",
            "~/x",
            "\\x",
            "a/../b",
            "..",
            "./",
            "a/..",
        ] {
            assert_eq!(safe_relative_path(bad), None, "{bad:?}");
        }
        assert_eq!(safe_relative_path("a/..b/c").as_deref(), Some("a/..b/c"));
    }

    #[test]
    fn paths_from_args() {
        let a = json!({"path": "src/lib.rs", "opts": {"file_path": "../x", "filename": "b.txt"}});
        let p: Vec<String> = paths_in_args(&a).into_iter().collect();
        assert_eq!(p, vec!["b.txt".to_string(), "src/lib.rs".to_string()]);
        let s = Value::String(r#"cat FILE="notes/a.md" path="/abs""#.into());
        let p: Vec<String> = paths_in_args(&s).into_iter().collect();
        assert_eq!(p, vec!["notes/a.md".to_string()]);
    }
}
