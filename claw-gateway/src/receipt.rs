//! Signing a call's receipt: the canonical `gateway_receipt` envelope (claw-core) and the
//! reference's legacy `_receipt` object, then storing it in the sink.

use std::sync::Arc;
use std::time::Instant;

use bytes::Bytes;
use claw_core::envelope::Envelope;
use claw_core::evidence::{Binding, ModelCall};
use serde_json::{json, Map, Value};

use crate::error::GatewayError;
use crate::state::State;

/// Receipt metadata member written by claw-gateway (signed with the payload).
pub const METADATA_KEY: &str = "claw_gateway";

/// How the call ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// The upstream answered and every byte reached the client.
    Complete,
    /// The upstream could not be reached or failed mid-response.
    UpstreamError,
    /// The upstream stopped sending for longer than the read timeout.
    UpstreamTimeout,
    /// The client went away before the end of the response.
    ClientDisconnected,
    /// The upstream response was above the gateway's bound.
    ResponseTooLarge,
}

impl Outcome {
    /// Wire name (`metadata.claw_gateway.outcome`).
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Complete => "complete",
            Outcome::UpstreamError => "upstream_error",
            Outcome::UpstreamTimeout => "upstream_timeout",
            Outcome::ClientDisconnected => "client_disconnected",
            Outcome::ResponseTooLarge => "response_too_large",
        }
    }
}

/// What is known about a call before it is forwarded.
#[derive(Debug, Clone)]
pub struct Call {
    pub provider: String,
    pub model: String,
    pub binding: Option<Binding>,
    /// Sink key: the idempotency key, else the receipt id.
    pub nonce: Option<String>,
    pub stream: bool,
    pub started: Instant,
    pub started_ms: i64,
    pub request_sha256: [u8; 32],
    /// The privacy mode the call asked for (header, policy); receipts are `hash_only`.
    pub privacy: claw_core::wpc::ReceiptPrivacyMode,
    /// The policy's redaction rules changed the forwarded body.
    pub redacted: bool,
}

/// What happened.
#[derive(Debug, Clone, Copy)]
pub struct CallResult {
    pub status: Option<u16>,
    pub outcome: Outcome,
    pub response_sha256: [u8; 32],
    pub response_bytes: u64,
    pub tokens_input: u64,
    pub tokens_output: u64,
}

/// A signed receipt, each JSON text written once and shared by the response body, the
/// receipt sink and the SSE trailer.
#[derive(Debug, Clone)]
pub struct Signed {
    /// The `gateway_receipt` envelope.
    pub envelope: Envelope,
    /// Its JSON text (`Envelope::to_json`, here also serde_json's and the JCS form: members
    /// sorted, strings and integers only).
    pub envelope_json: Bytes,
    /// The reference's legacy `_receipt` (members in its order, `signature` last).
    pub legacy: Value,
    /// Its JSON text: the signed text with `signature` appended.
    pub legacy_json: Bytes,
    /// The key it is stored under.
    pub key: String,
}

impl Signed {
    /// A receipt from its parts, the JSON texts written from them (tests, fuzzing).
    pub fn from_values(envelope: Envelope, legacy: Value, key: String) -> Signed {
        let envelope_json = Bytes::from(envelope.to_json().unwrap_or_default().into_bytes());
        let legacy_json = Bytes::from(serde_json::to_vec(&legacy).unwrap_or_default());
        Signed {
            envelope,
            envelope_json,
            legacy,
            legacy_json,
            key,
        }
    }
}

fn hex(b: &[u8; 32]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(64);
    for x in b {
        s.push(char::from(DIGITS[usize::from(x >> 4)]));
        s.push(char::from(DIGITS[usize::from(x & 15)]));
    }
    s
}

/// Token bounds of the receipt schema.
const MAX_TOKENS: u64 = 10_000_000;

/// Sign the receipt of `call`.
pub fn sign(state: &State, call: &Call, r: &CallResult) -> Result<Signed, GatewayError> {
    let t0 = Instant::now();
    let latency_ms = u64::try_from(call.started.elapsed().as_millis())
        .unwrap_or(u64::MAX)
        .min(3_600_000);
    let timestamp_ms = call
        .started_ms
        .saturating_add(i64::try_from(latency_ms).unwrap_or(0));
    let mut gw = Map::new();
    gw.insert("outcome".into(), json!(r.outcome.as_str()));
    gw.insert("response_bytes".into(), json!(r.response_bytes));
    gw.insert("stream".into(), json!(call.stream));
    gw.insert("upstream_status".into(), json!(r.status));
    gw.insert(
        "privacy_mode_requested".into(),
        json!(call.privacy.as_str()),
    );
    gw.insert("redacted".into(), json!(call.redacted));
    let mut md = Map::new();
    md.insert(METADATA_KEY.into(), Value::Object(gw));
    md.insert("privacy_mode".into(), json!("hash_only"));
    let signed = state.gateway.sign_receipt_hashed(
        &ModelCall {
            provider: &call.provider,
            model: &call.model,
            request: &[],
            response: &[],
            tokens_input: r.tokens_input.min(MAX_TOKENS),
            tokens_output: r.tokens_output.min(MAX_TOKENS),
            latency_ms,
            timestamp_ms,
            metadata: Some(&md),
        },
        &call.request_sha256,
        &r.response_sha256,
        call.binding.as_ref(),
        &mut rand_core::OsRng,
    )?;
    let payload = &signed.envelope.payload;
    let timestamp = payload.get("timestamp").cloned().unwrap_or(Value::Null);
    let (legacy, legacy_json) = legacy_receipt(state, call, r, timestamp, latency_ms);
    state.metrics.signing_latency.observe(t0.elapsed());
    state.metrics.receipt(r.outcome.as_str());
    let key = match &call.nonce {
        Some(n) => n.clone(),
        None => payload
            .get("receipt_id")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string(),
    };
    Ok(Signed {
        envelope: signed.envelope,
        envelope_json: Bytes::from(signed.json),
        legacy,
        legacy_json,
        key,
    })
}

/// The reference's legacy receipt: members in its order, signed (Ed25519, base64url) over
/// the `JSON.stringify` of every member but `signature`; and its JSON text, the signed text
/// with `,"signature":"…"` spliced before its closing brace (what serializing the object
/// with `signature` inserted last gives, without serializing it again).
fn legacy_receipt(
    state: &State,
    call: &Call,
    r: &CallResult,
    timestamp: Value,
    latency_ms: u64,
) -> (Value, Bytes) {
    let mut m = Map::new();
    m.insert("version".into(), json!("1.0"));
    m.insert("proxyDid".into(), json!(state.did));
    m.insert("provider".into(), json!(call.provider));
    m.insert("model".into(), json!(call.model));
    m.insert("requestHash".into(), json!(hex(&call.request_sha256)));
    m.insert("responseHash".into(), json!(hex(&r.response_sha256)));
    m.insert("timestamp".into(), timestamp);
    m.insert("latencyMs".into(), json!(latency_ms));
    m.insert("kid".into(), json!(state.reference_kid));
    if let Some(b) = &call.binding {
        let mut bm = Map::new();
        bm.insert("runId".into(), json!(b.run_id));
        bm.insert("eventHash".into(), json!(b.event_hash_b64u));
        if let Some(n) = &b.nonce {
            bm.insert("nonce".into(), json!(n));
        }
        if let Some(p) = &b.policy_hash {
            bm.insert("policyHash".into(), json!(p));
        }
        if let Some(t) = &b.token_scope_hash_b64u {
            bm.insert("tokenScopeHashB64u".into(), json!(t));
        }
        m.insert("binding".into(), Value::Object(bm));
    }
    m.insert("privacyMode".into(), json!("hash_only"));
    // serde_json (preserve_order) writes members in insertion order, as JSON.stringify does.
    let mut text = serde_json::to_vec(&m).unwrap_or_default();
    let sig = claw_core::b64::encode(state.key.sign(&text));
    // `text` ends with the object's `}`; base64url needs no escaping.
    text.pop();
    text.extend_from_slice(b",\"signature\":\"");
    text.extend_from_slice(sig.as_bytes());
    text.extend_from_slice(b"\"}");
    m.insert("signature".into(), Value::String(sig));
    (Value::Object(m), Bytes::from(text))
}

/// Store the receipt in the sink (on the blocking pool).
pub async fn persist(state: &Arc<State>, s: &Signed) -> Result<(), GatewayError> {
    if state.sink.is_empty() {
        return Ok(());
    }
    let bytes = s.envelope_json.clone();
    let st = state.clone();
    let key = s.key.clone();
    tokio::task::spawn_blocking(move || crate::sink::ReceiptSink::put(&st.sink, &key, &bytes))
        .await
        .map_err(|e| GatewayError::Sink(crate::sink::SinkError::Invalid(e.to_string())))??;
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn hex_is_lowercase_two_digits_per_byte() {
        let mut b = [0u8; 32];
        b[0] = 0x0f;
        b[1] = 0xa0;
        b[31] = 0xff;
        let h = super::hex(&b);
        assert_eq!(h.len(), 64);
        assert!(h.starts_with("0fa000"));
        assert!(h.ends_with("00ff"));
    }
}
