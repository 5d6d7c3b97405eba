//! docs/SPEC.md §6.3 step 18: the event chain [event_chain]: each event's fields, one
//! `run_id`, the `prev_hash_b64u` links (null first), and every header hash recomputed.

use super::super::{first_err, par_map};
use super::failure::{Step, StepResult, VerifyFailure};
use super::helpers::{b64u8, parse_ms, str_of};
use serde_json::Value;

/// Step 18 on a non-empty chain; the first failing event in chain order is reported.
pub(crate) fn check(events: &[Value], threads: usize) -> StepResult {
    let bad = |i: usize, m: &str| {
        VerifyFailure::malformed_envelope(
            Step::EventChain,
            format!("event {i}: {m}"),
            Some("payload.event_chain"),
        )
    };
    let run0 = str_of(&events[0], "run_id").unwrap_or("");
    // Each event's checks depend only on it and its predecessor: run them in parallel and
    // report the first failing event, as a serial pass would.
    let idx: Vec<usize> = (0..events.len()).collect();
    let structural = par_map(&idx, threads, |&i| -> StepResult {
        let e = &events[i];
        for k in ["event_id", "run_id", "event_type"] {
            if str_of(e, k).is_none_or(str::is_empty) {
                return Err(bad(i, &format!("missing or empty {k}")));
            }
        }
        if parse_ms(str_of(e, "timestamp")).is_none() {
            return Err(bad(i, "invalid timestamp"));
        }
        if !b64u8(str_of(e, "payload_hash_b64u")) || !b64u8(str_of(e, "event_hash_b64u")) {
            return Err(bad(i, "invalid payload_hash_b64u / event_hash_b64u"));
        }
        if str_of(e, "run_id") != Some(run0) {
            return Err(bad(i, "run_id differs from the first event's"));
        }
        let prev = e.get("prev_hash_b64u");
        if i == 0 {
            if !matches!(prev, Some(Value::Null) | None) && prev.and_then(Value::as_str) != Some("")
            {
                return Err(bad(0, "first event must have prev_hash_b64u null"));
            }
        } else {
            let p = prev.and_then(Value::as_str);
            if !b64u8(p) || p != str_of(&events[i - 1], "event_hash_b64u") {
                return Err(bad(i, "prev_hash_b64u does not link to the previous event"));
            }
        }
        Ok(())
    });
    first_err(structural)?;
    let ok = par_map(events, threads, |e| {
        let prev = str_of(e, "prev_hash_b64u").filter(|p| !p.is_empty());
        let h = super::super::chain::event_hash(
            str_of(e, "event_id").unwrap_or(""),
            str_of(e, "run_id").unwrap_or(""),
            str_of(e, "event_type").unwrap_or(""),
            str_of(e, "timestamp").unwrap_or(""),
            str_of(e, "payload_hash_b64u").unwrap_or(""),
            prev,
        );
        Some(h.as_str()) == str_of(e, "event_hash_b64u")
    });
    if let Some(i) = ok.iter().position(|x| !x) {
        return Err(VerifyFailure::hash_mismatch(
            Step::EventChain,
            format!("event {i}: event_hash_b64u does not match the event header"),
            Some("payload.event_chain"),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn event(id: &str, prev: Option<&str>) -> Value {
        let ts = "2026-01-01T00:00:00Z";
        let ph = "cGF5bG9hZGhhc2g";
        let h = super::super::super::chain::event_hash(id, "r", "llm_call", ts, ph, prev);
        json!({"event_id": id, "run_id": "r", "event_type": "llm_call", "timestamp": ts,
               "payload_hash_b64u": ph, "prev_hash_b64u": prev, "event_hash_b64u": h})
    }

    fn code(events: &[Value]) -> Result<(), (&'static str, String)> {
        check(events, 1).map_err(|e| (e.reason_code(), e.message().to_string()))
    }

    #[test]
    fn links_and_hashes() {
        let e0 = event("e0", None);
        let h0 = e0["event_hash_b64u"].as_str().map(str::to_string);
        let e1 = event("e1", h0.as_deref());
        assert_eq!(code(&[e0.clone(), e1.clone()]), Ok(()));
        let unlinked = event("e1", Some("AAAAAAAAAAAA"));
        assert_eq!(
            code(&[e0.clone(), unlinked]),
            Err((
                "MALFORMED_ENVELOPE",
                "event 1: prev_hash_b64u does not link to the previous event".into()
            ))
        );
        let mut forged = e1;
        forged["event_type"] = json!("tool_call");
        assert_eq!(code(&[e0, forged]).map_err(|e| e.0), Err("HASH_MISMATCH"));
    }
}
