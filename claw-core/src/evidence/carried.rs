//! The gateway receipt a model response carries (`docs/SPEC.md §8.5`).
//!
//! A gateway (claw's `claw-gateway`, or the reference's `clawproxy`) hands the receipt of a
//! model call back in the response itself:
//!
//! * a JSON response is an object with a `_receipt_envelope` member (the signed
//!   `gateway_receipt` envelope) beside the provider's members (and a legacy `_receipt`);
//! * a streamed (SSE) response ends, after the provider's last byte, with SSE comment lines
//!   `:clawproxy_receipt_envelope_b64u=<base64url(JSON envelope)>` and
//!   `:clawproxy_receipt_b64u=<base64url(JSON legacy receipt)>` and a blank line.
//!
//! [`receipt_from_response`] finds the envelope in either form; [`sse_trailer`] writes the
//! trailer. Both sides of the wire use this one definition. Nothing here verifies the
//! envelope: attaching it to a run ([`super::RunOp::ModelReceipt`]) does.

use super::{EvidenceError, ReceiptKind};
use crate::{b64, json};
use serde_json::Value;

/// Prefix of the SSE comment line that carries the envelope.
pub const SSE_TRAILER_ENVELOPE: &str = ":clawproxy_receipt_envelope_b64u=";
/// Prefix of the SSE comment line that carries the reference's legacy `_receipt`.
pub const SSE_TRAILER_LEGACY: &str = ":clawproxy_receipt_b64u=";
/// Bound on a response read for its receipt.
pub const MAX_CARRIED_RESPONSE_BYTES: usize = 64 * 1024 * 1024;
/// Bound on one decoded trailer envelope.
const MAX_TRAILER_JSON_BYTES: usize = 1024 * 1024;

/// A receipt found in a response.
#[derive(Debug, Clone, PartialEq)]
pub struct CarriedReceipt {
    /// The `gateway_receipt` envelope, **unverified**.
    pub envelope: Value,
    /// For an SSE response, the length of the provider's bytes (everything before the
    /// trailer): the receipt's `response_hash_b64u` is over `response[..upstream_len]`.
    /// `None` for a JSON response (the gateway merged the receipt into the body, so the
    /// provider's bytes are not recoverable from it).
    pub upstream_len: Option<usize>,
}

fn not_carried(detail: impl Into<String>) -> EvidenceError {
    EvidenceError::ReceiptNotCarried(detail.into())
}

fn check_envelope(v: Value, where_: &str) -> Result<Value, EvidenceError> {
    let ty = v.get("envelope_type").and_then(Value::as_str);
    if !v.is_object() || ty != Some(ReceiptKind::Gateway.type_name()) {
        return Err(not_carried(format!(
            "{where_} is not a gateway_receipt envelope"
        )));
    }
    Ok(v)
}

/// Find the gateway receipt envelope carried by a model response body: a JSON object's
/// `_receipt_envelope` member, or the last `:clawproxy_receipt_envelope_b64u=` SSE comment
/// line. A body whose first non-blank byte is `{` is read as JSON (strictly), anything
/// else as an SSE stream.
pub fn receipt_from_response(body: &[u8]) -> Result<CarriedReceipt, EvidenceError> {
    if body.len() > MAX_CARRIED_RESPONSE_BYTES {
        return Err(not_carried(format!(
            "response is {} bytes, above the {MAX_CARRIED_RESPONSE_BYTES}-byte bound",
            body.len()
        )));
    }
    let first = body.iter().find(|b| !b.is_ascii_whitespace());
    if first == Some(&b'{') {
        let limits = json::Limits::STRICT.with_max_bytes(MAX_CARRIED_RESPONSE_BYTES);
        let v = json::parse(body, &limits)?;
        let env = match v {
            Value::Object(mut m) => m.remove("_receipt_envelope"),
            _ => None,
        }
        .ok_or_else(|| not_carried("JSON response has no _receipt_envelope member"))?;
        return Ok(CarriedReceipt {
            envelope: check_envelope(env, "_receipt_envelope")?,
            upstream_len: None,
        });
    }
    let (start, line) = last_trailer_line(body)
        .ok_or_else(|| not_carried("response has no receipt trailer line"))?;
    let b64 = std::str::from_utf8(&line[SSE_TRAILER_ENVELOPE.len()..])
        .map_err(|_| not_carried("receipt trailer is not ASCII"))?;
    let bytes =
        b64::decode(b64).map_err(|e| not_carried(format!("receipt trailer base64url: {e}")))?;
    let limits = json::Limits::STRICT.with_max_bytes(MAX_TRAILER_JSON_BYTES);
    let env = json::parse(&bytes, &limits)?;
    Ok(CarriedReceipt {
        envelope: check_envelope(env, "the receipt trailer")?,
        upstream_len: Some(start),
    })
}

/// The last line starting with [`SSE_TRAILER_ENVELOPE`] (its offset, its bytes without the
/// line ending). The gateway writes its trailer after the provider's last byte, so the last
/// such line is the gateway's even if the provider's own bytes contain one.
fn last_trailer_line(body: &[u8]) -> Option<(usize, &[u8])> {
    let prefix = SSE_TRAILER_ENVELOPE.as_bytes();
    let mut found = None;
    let mut start = 0;
    while start < body.len() {
        let end = body[start..]
            .iter()
            .position(|&b| b == b'\n')
            .map_or(body.len(), |i| start + i);
        let mut line = &body[start..end];
        if let Some(l) = line.strip_suffix(b"\r") {
            line = l;
        }
        if line.starts_with(prefix) {
            found = Some((start, line));
        }
        start = end + 1;
    }
    found
}

/// The SSE trailer a gateway appends after the provider's last byte: the envelope line,
/// the legacy receipt line when given, and a blank line. JSON is written in RFC 8785 order.
pub fn sse_trailer(envelope: &Value, legacy: Option<&Value>) -> Result<Vec<u8>, EvidenceError> {
    let legacy = legacy.map(json::canonicalize).transpose()?;
    Ok(sse_trailer_from_json(
        &json::canonicalize(envelope)?,
        legacy.as_deref(),
    ))
}

/// [`sse_trailer`] from JSON texts the caller already holds in RFC 8785 form (a gateway
/// holding its envelope's canonical text skips serializing it again).
pub fn sse_trailer_from_json(envelope_jcs: &[u8], legacy_jcs: Option<&[u8]>) -> Vec<u8> {
    let mut out = Vec::with_capacity(1024);
    out.extend_from_slice(SSE_TRAILER_ENVELOPE.as_bytes());
    out.extend_from_slice(b64::encode(envelope_jcs).as_bytes());
    out.push(b'\n');
    if let Some(l) = legacy_jcs {
        out.extend_from_slice(SSE_TRAILER_LEGACY.as_bytes());
        out.extend_from_slice(b64::encode(l).as_bytes());
        out.push(b'\n');
    }
    out.push(b'\n');
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn env() -> Value {
        json!({"envelope_type": "gateway_receipt", "payload": {"receipt_id": "rcpt_x"}})
    }

    #[test]
    fn json_body_member() {
        let body = json!({"id": "chatcmpl-1", "_receipt": {}, "_receipt_envelope": env()});
        let c = receipt_from_response(&serde_json::to_vec(&body).unwrap()).unwrap();
        assert_eq!(c.envelope, env());
        assert_eq!(c.upstream_len, None);
    }

    #[test]
    fn sse_trailer_round_trip_and_upstream_len() {
        let upstream = b"data: {\"x\":1}\n\ndata: [DONE]\n\n".to_vec();
        let mut body = upstream.clone();
        body.extend(sse_trailer(&env(), Some(&json!({"version": "1.0"}))).unwrap());
        let c = receipt_from_response(&body).unwrap();
        assert_eq!(c.envelope, env());
        assert_eq!(c.upstream_len, Some(upstream.len()));
    }

    #[test]
    fn last_trailer_wins_over_an_injected_one() {
        let fake = json!({"envelope_type": "gateway_receipt", "payload": {"receipt_id": "fake"}});
        let mut body = sse_trailer(&fake, None).unwrap();
        body.extend_from_slice(b"data: 1\n\n");
        let start = body.len();
        body.extend(sse_trailer(&env(), None).unwrap());
        let c = receipt_from_response(&body).unwrap();
        assert_eq!(c.envelope, env());
        assert_eq!(c.upstream_len, Some(start));
    }

    #[test]
    fn refusals_have_the_reason_code() {
        for body in [
            &b"{\"id\":1}"[..],
            b"data: 1\n\n",
            b":clawproxy_receipt_envelope_b64u=!!!\n",
            b":clawproxy_receipt_envelope_b64u=e30\n",
            b"{\"_receipt_envelope\":{\"envelope_type\":\"tool_receipt\"}}",
        ] {
            let e = receipt_from_response(body).unwrap_err();
            assert_eq!(e.reason_code(), "RECEIPT_NOT_CARRIED", "{e}");
        }
        // Duplicate keys are refused by the strict parser.
        let e = receipt_from_response(b"{\"a\":1,\"a\":2}").unwrap_err();
        assert_ne!(e.reason_code(), "RECEIPT_NOT_CARRIED");
    }
}
