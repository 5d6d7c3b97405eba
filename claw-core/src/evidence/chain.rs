//! The event chain (`event_chain.v1` entries inside a proof bundle).
//!
//! `event_hash_b64u` = base64url(SHA-256(`JSON.stringify` of the header object built in the
//! fixed key order `event_id, run_id, event_type, timestamp, payload_hash_b64u,
//! prev_hash_b64u`)), with `prev_hash_b64u: null` for the first event. This is what the
//! reference computes (its protocol text says JCS, which would order the keys differently).

use crate::json;
use crate::{hash, time};
use serde_json::{Map, Value};

/// One entry of the event chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    /// Unique id of the event.
    pub event_id: String,
    /// The run this event belongs to.
    pub run_id: String,
    /// What happened (`run_start`, `tool_call`, `llm_call`, ...).
    pub event_type: String,
    /// RFC 3339 with milliseconds and `Z` (JavaScript `toISOString`).
    pub timestamp: String,
    /// base64url SHA-256 of the payload's canonical JSON bytes.
    pub payload_hash_b64u: String,
    /// `None` for the first event.
    pub prev_hash_b64u: Option<String>,
    /// base64url SHA-256 of this event's canonical header (links the next event).
    pub event_hash_b64u: String,
}

/// The header hash of an event (fixed key order, see the module documentation).
pub fn event_hash(
    event_id: &str,
    run_id: &str,
    event_type: &str,
    timestamp: &str,
    payload_hash_b64u: &str,
    prev_hash_b64u: Option<&str>,
) -> String {
    // The header written directly (no map, no key hashing): the members in the fixed order,
    // strings escaped as `JSON.stringify` does (`event_hash_matches_the_map_serialization`).
    let members = [
        ("event_id", Some(event_id)),
        ("run_id", Some(run_id)),
        ("event_type", Some(event_type)),
        ("timestamp", Some(timestamp)),
        ("payload_hash_b64u", Some(payload_hash_b64u)),
        ("prev_hash_b64u", prev_hash_b64u),
    ];
    let len: usize = members
        .iter()
        .map(|(k, v)| k.len() + v.map_or(4, str::len) + 6)
        .sum();
    let mut out: Vec<u8> = Vec::with_capacity(len + 2);
    for (i, (k, v)) in members.iter().enumerate() {
        out.push(if i == 0 { b'{' } else { b',' });
        json::write_string(&mut out, k);
        out.push(b':');
        match v {
            Some(v) => json::write_string(&mut out, v),
            None => out.extend_from_slice(b"null"),
        }
    }
    out.push(b'}');
    hash::sha256_b64u(out)
}

impl Event {
    /// Build the next event after `prev` (or the first one), hashing `payload` with JCS.
    pub fn new(
        event_id: String,
        run_id: &str,
        event_type: &str,
        timestamp_ms: i64,
        payload: &Value,
        prev: Option<&Event>,
    ) -> Result<Event, json::JsonError> {
        let payload_hash_b64u = hash::sha256_b64u(json::canonicalize(payload)?);
        Ok(Event::with_payload_hash(
            event_id,
            run_id,
            event_type,
            timestamp_ms,
            payload_hash_b64u,
            prev,
        ))
    }

    /// [`Event::new`] for a payload whose hash (SHA-256 of its JCS bytes, base64url) the
    /// caller computed.
    pub(crate) fn with_payload_hash(
        event_id: String,
        run_id: &str,
        event_type: &str,
        timestamp_ms: i64,
        payload_hash_b64u: String,
        prev: Option<&Event>,
    ) -> Event {
        let timestamp = time::format_rfc3339_millis(timestamp_ms);
        let prev_hash_b64u = prev.map(|p| p.event_hash_b64u.clone());
        let event_hash_b64u = event_hash(
            &event_id,
            run_id,
            event_type,
            &timestamp,
            &payload_hash_b64u,
            prev_hash_b64u.as_deref(),
        );
        Event {
            event_id,
            run_id: run_id.to_string(),
            event_type: event_type.to_string(),
            timestamp,
            payload_hash_b64u,
            prev_hash_b64u,
            event_hash_b64u,
        }
    }

    /// The bundle entry, keys sorted.
    pub fn to_value(&self) -> Value {
        let mut m = Map::new();
        m.insert(
            "event_hash_b64u".into(),
            Value::String(self.event_hash_b64u.clone()),
        );
        m.insert("event_id".into(), Value::String(self.event_id.clone()));
        m.insert("event_type".into(), Value::String(self.event_type.clone()));
        m.insert(
            "payload_hash_b64u".into(),
            Value::String(self.payload_hash_b64u.clone()),
        );
        m.insert(
            "prev_hash_b64u".into(),
            self.prev_hash_b64u
                .clone()
                .map_or(Value::Null, Value::String),
        );
        m.insert("run_id".into(), Value::String(self.run_id.clone()));
        m.insert("timestamp".into(), Value::String(self.timestamp.clone()));
        Value::Object(m)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::json::KeyOrder;

    /// The header hash as it was computed before it was written directly: a map in the fixed
    /// key order, serialized in insertion order.
    fn event_hash_via_map(
        id: &str,
        run: &str,
        ty: &str,
        ts: &str,
        ph: &str,
        prev: Option<&str>,
    ) -> String {
        let mut m = Map::new();
        m.insert("event_id".into(), Value::String(id.into()));
        m.insert("run_id".into(), Value::String(run.into()));
        m.insert("event_type".into(), Value::String(ty.into()));
        m.insert("timestamp".into(), Value::String(ts.into()));
        m.insert("payload_hash_b64u".into(), Value::String(ph.into()));
        m.insert(
            "prev_hash_b64u".into(),
            prev.map_or(Value::Null, |p| Value::String(p.into())),
        );
        hash::sha256_b64u(json::serialize(&Value::Object(m), KeyOrder::JavaScript).unwrap())
    }

    #[test]
    fn event_hash_matches_the_map_serialization() {
        let odd = [
            "",
            "evt_0190",
            "quote \" back \\ slash",
            "ctl \u{0} \u{1f} \n \t \u{7f}",
            "é 😀 \u{2028} \u{fffd}",
            "0",
            "4294967294",
        ];
        for a in odd {
            for prev in [None, Some(a), Some("p")] {
                assert_eq!(
                    event_hash(a, "run_1", a, "2026-02-12T00:00:00.000Z", a, prev),
                    event_hash_via_map(a, "run_1", a, "2026-02-12T00:00:00.000Z", a, prev),
                    "{a:?} {prev:?}"
                );
            }
        }
    }

    #[test]
    fn conformance_pass_vector_event_hash() {
        // proof_bundle_pass.v1.json: payload {type:"llm_call"}.
        let payload = json::parse_str(r#"{"type":"llm_call"}"#).unwrap();
        let e = Event::new(
            "evt_conformance_001".into(),
            "run_conformance_001",
            "llm_call",
            time::parse_rfc3339_millis("2026-02-12T00:00:00.000Z").unwrap(),
            &payload,
            None,
        )
        .unwrap();
        assert_eq!(
            e.payload_hash_b64u,
            "ibhRTWt5gh47v4X1fAtBRKwEKCHZir1w-de3fNfCEu8"
        );
        assert_eq!(
            e.event_hash_b64u,
            "mo72_ab1UHvxY2DERZG2Tn12KNl2e_NSUrVDEQ5-Jds"
        );
    }
}
