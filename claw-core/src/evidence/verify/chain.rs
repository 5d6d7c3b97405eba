//! docs/SPEC.md §6.3 step 18: the event chain [event_chain]: each event's fields, one
//! `run_id`, the `prev_hash_b64u` links (null first), and every header hash recomputed.

use super::super::{first_err, par_map};
use super::failure::{Step, StepResult, VerifyFailure};
use super::helpers::{b64u8, parse_ms, str_of};
use serde_json::Value;

/// Step 18 fed the chain in runs of consecutive events (the whole chain at once, or chunk by
/// chunk as a stream reads it), keeping only what the next run and the verdict need: the
/// first event's `run_id`, the last event's hash, and the first failure of each kind. Any
/// structural failure (fields, `run_id`, links) outranks any hash mismatch, as in a pass over
/// the whole chain that checks structure first.
#[derive(Debug, Default)]
pub(crate) struct ChainScan {
    /// Events seen so far.
    seen: usize,
    /// The first event's `run_id` (`""` when absent).
    run0: Option<String>,
    /// The last event's `event_hash_b64u`, for the next run's first link.
    last_hash: Option<String>,
    structural: Option<VerifyFailure>,
    first_bad_hash: Option<usize>,
}

impl ChainScan {
    /// Check the next `events` of the chain.
    pub(crate) fn push(&mut self, events: &[Value], threads: usize) {
        let Some(first) = events.first() else {
            return;
        };
        let base = self.seen;
        let run0 = self
            .run0
            .get_or_insert_with(|| str_of(first, "run_id").unwrap_or("").to_string())
            .as_str();
        let carried = self.last_hash.as_deref();
        // Each event's checks depend only on it and its predecessor: run them in parallel and
        // keep the first failing event, as a serial pass would.
        if self.structural.is_none() {
            let idx: Vec<usize> = (0..events.len()).collect();
            let structural = par_map(&idx, threads, |&i| -> StepResult {
                let prev_hash = match i {
                    0 => carried,
                    _ => str_of(&events[i - 1], "event_hash_b64u"),
                };
                structural(base + i, &events[i], run0, prev_hash)
            });
            self.structural = first_err(structural).err();
        }
        if self.structural.is_none() && self.first_bad_hash.is_none() {
            let ok = par_map(events, threads, hash_matches);
            self.first_bad_hash = ok.iter().position(|x| !x).map(|i| base + i);
        }
        self.last_hash = events
            .last()
            .and_then(|e| str_of(e, "event_hash_b64u"))
            .map(str::to_string);
        self.seen += events.len();
    }

    /// The step's result over every event pushed.
    pub(crate) fn finish(self) -> StepResult {
        if let Some(f) = self.structural {
            return Err(f);
        }
        if let Some(i) = self.first_bad_hash {
            return Err(VerifyFailure::hash_mismatch(
                Step::EventChain,
                format!("event {i}: event_hash_b64u does not match the event header"),
                Some("payload.event_chain"),
            ));
        }
        Ok(())
    }
}

/// Event `i`'s fields, its `run_id` against the first event's, and its link to the previous
/// event's hash (`prev_hash` is `None` for event 0, or when the previous event has none).
fn structural(i: usize, e: &Value, run0: &str, prev_hash: Option<&str>) -> StepResult {
    let bad = |m: &str| {
        VerifyFailure::malformed_envelope(
            Step::EventChain,
            format!("event {i}: {m}"),
            Some("payload.event_chain"),
        )
    };
    for k in ["event_id", "run_id", "event_type"] {
        if str_of(e, k).is_none_or(str::is_empty) {
            return Err(bad(&format!("missing or empty {k}")));
        }
    }
    if parse_ms(str_of(e, "timestamp")).is_none() {
        return Err(bad("invalid timestamp"));
    }
    if !b64u8(str_of(e, "payload_hash_b64u")) || !b64u8(str_of(e, "event_hash_b64u")) {
        return Err(bad("invalid payload_hash_b64u / event_hash_b64u"));
    }
    if str_of(e, "run_id") != Some(run0) {
        return Err(bad("run_id differs from the first event's"));
    }
    let prev = e.get("prev_hash_b64u");
    if i == 0 {
        if !matches!(prev, Some(Value::Null) | None) && prev.and_then(Value::as_str) != Some("") {
            return Err(bad("first event must have prev_hash_b64u null"));
        }
    } else {
        let p = prev.and_then(Value::as_str);
        if !b64u8(p) || p != prev_hash {
            return Err(bad("prev_hash_b64u does not link to the previous event"));
        }
    }
    Ok(())
}

/// Whether the event's `event_hash_b64u` is the hash of its header.
fn hash_matches(e: &Value) -> bool {
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

    /// Step 18 on a whole chain.
    fn code(events: &[Value]) -> Result<(), (&'static str, String)> {
        let mut scan = ChainScan::default();
        scan.push(events, 1);
        scan.finish()
            .map_err(|e| (e.reason_code(), e.message().to_string()))
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

    /// The chain fed in runs of every size gives the whole chain's result.
    #[test]
    fn runs_of_any_size_agree_with_the_whole_chain() {
        let mut chain = vec![event("e0", None)];
        for i in 1..9 {
            let prev = chain[i - 1]["event_hash_b64u"].as_str().map(str::to_string);
            chain.push(event(&format!("e{i}"), prev.as_deref()));
        }
        let mut cases = vec![chain.clone()];
        let mut unlinked = chain.clone();
        unlinked[5]["prev_hash_b64u"] = json!("AAAAAAAAAAAA");
        cases.push(unlinked);
        let mut forged = chain.clone();
        forged[3]["event_type"] = json!("tool_call");
        cases.push(forged.clone());
        // A hash mismatch early loses to a structural failure late.
        let mut both = forged;
        both[7]["run_id"] = json!("other");
        cases.push(both);
        let mut no_hash = chain.clone();
        no_hash[4]
            .as_object_mut()
            .map(|o| o.remove("event_hash_b64u"));
        cases.push(no_hash);
        for events in &cases {
            let whole = code(events);
            for size in 1..=events.len() {
                let mut scan = ChainScan::default();
                for run in events.chunks(size) {
                    scan.push(run, 2);
                }
                let got = scan
                    .finish()
                    .map_err(|e| (e.reason_code(), e.message().to_string()));
                assert_eq!(got, whole, "runs of {size}");
            }
        }
        assert_eq!(code(&cases[3]).map_err(|e| e.0), Err("MALFORMED_ENVELOPE"));
    }
}
