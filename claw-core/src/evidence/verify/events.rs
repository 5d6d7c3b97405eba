//! What the steps after the schema need of the event chain, gathered in one scan of its
//! events: the count, the first event's `run_id` and hash, the last hash, the index by event
//! hash, whether each event is a `tool_call`, whether an `event_id` repeats (step 12), and
//! step 18's result ([`ChainScan`]). Fed the whole chain today, and chunk by chunk once the
//! verifier streams (docs/design/streaming-verifier.md); no step after the schema reads the
//! events themselves.

use super::chain::ChainScan;
use super::failure::StepResult;
use super::helpers::str_of;
use serde_json::Value;
use std::collections::{HashMap, HashSet};

/// The event chain's facts (see the module documentation).
#[derive(Debug)]
pub(crate) struct EventFacts {
    len: usize,
    run_id: Option<String>,
    first_hash: Option<String>,
    last_hash: Option<String>,
    /// `event_hash_b64u` → index; the last event wins when a hash repeats.
    index: HashMap<Box<str>, usize>,
    /// Per event: `event_type` is `"tool_call"`.
    tool_call: Vec<bool>,
    duplicate_id: bool,
    chain: StepResult,
}

impl Default for EventFacts {
    fn default() -> Self {
        EventFacts {
            len: 0,
            run_id: None,
            first_hash: None,
            last_hash: None,
            index: HashMap::new(),
            tool_call: Vec::new(),
            duplicate_id: false,
            chain: Ok(()),
        }
    }
}

/// Gathers [`EventFacts`] from runs of consecutive events.
#[derive(Debug, Default)]
pub(crate) struct EventScan {
    facts: EventFacts,
    /// `event_id`s seen (`""` when absent), until one repeats.
    ids: HashSet<Box<str>>,
    chain: ChainScan,
}

impl EventScan {
    /// The facts of a whole chain.
    #[cfg(test)]
    pub(crate) fn whole(events: &[Value], threads: usize) -> EventFacts {
        let mut s = EventScan::default();
        s.push(events, threads);
        s.finish()
    }

    /// The next `events` of the chain.
    pub(crate) fn push(&mut self, events: &[Value], threads: usize) {
        let f = &mut self.facts;
        for (k, e) in events.iter().enumerate() {
            let i = f.len + k;
            let hash = str_of(e, "event_hash_b64u");
            if i == 0 {
                f.run_id = str_of(e, "run_id").map(str::to_string);
                f.first_hash = hash.map(str::to_string);
            }
            if let Some(h) = hash {
                f.index.insert(h.into(), i);
            }
            f.tool_call
                .push(str_of(e, "event_type") == Some("tool_call"));
            if !f.duplicate_id && !self.ids.insert(str_of(e, "event_id").unwrap_or("").into()) {
                f.duplicate_id = true;
                self.ids = HashSet::new();
            }
        }
        if let Some(last) = events.last() {
            f.last_hash = str_of(last, "event_hash_b64u").map(str::to_string);
        }
        f.len += events.len();
        self.chain.push(events, threads);
    }

    /// The facts of every event pushed.
    pub(crate) fn finish(self) -> EventFacts {
        EventFacts {
            chain: self.chain.finish(),
            ..self.facts
        }
    }
}

impl EventFacts {
    /// How many events the chain has.
    pub(crate) fn len(&self) -> usize {
        self.len
    }

    /// Whether the chain is empty.
    pub(crate) fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The first event's `run_id`, when it has one.
    pub(crate) fn run_id(&self) -> Option<&str> {
        self.run_id.as_deref()
    }

    /// The chain's run as bindings are compared with it (`""` when the first event has no
    /// `run_id`, which step 18 refuses).
    pub(crate) fn run(&self) -> &str {
        self.run_id().unwrap_or("")
    }

    /// The first event's `event_hash_b64u`.
    pub(crate) fn first_hash(&self) -> Option<&str> {
        self.first_hash.as_deref()
    }

    /// The last event's `event_hash_b64u`.
    pub(crate) fn last_hash(&self) -> Option<&str> {
        self.last_hash.as_deref()
    }

    /// The index of the event whose `event_hash_b64u` is `hash` (the last such event).
    pub(crate) fn index_of(&self, hash: &str) -> Option<usize> {
        self.index.get(hash).copied()
    }

    /// Whether some event's `event_hash_b64u` is `hash`.
    pub(crate) fn contains(&self, hash: &str) -> bool {
        self.index.contains_key(hash)
    }

    /// Whether event `i` exists and its `event_type` is `"tool_call"`.
    pub(crate) fn is_tool_call(&self, i: usize) -> bool {
        self.tool_call.get(i).copied().unwrap_or(false)
    }

    /// Whether two events share an `event_id` (step 12).
    pub(crate) fn duplicate_id(&self) -> bool {
        self.duplicate_id
    }

    /// Step 18's result (meaningful for a non-empty chain).
    pub(crate) fn chain(&self) -> StepResult {
        self.chain.clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn ev(id: &str, hash: &str, ty: &str) -> Value {
        json!({"event_id": id, "run_id": "r", "event_type": ty, "event_hash_b64u": hash})
    }

    /// Runs of every size give the facts of the whole chain.
    #[test]
    fn runs_of_any_size_give_the_whole_chains_facts() {
        let events = [
            ev("a", "h0", "llm_call"),
            ev("b", "h1", "tool_call"),
            ev("c", "h0", "tool_call"),
            ev("a", "h3", "x"),
        ];
        let whole = EventScan::whole(&events, 1);
        assert_eq!(whole.len(), 4);
        assert_eq!((whole.run_id(), whole.run()), (Some("r"), "r"));
        assert_eq!(
            (whole.first_hash(), whole.last_hash()),
            (Some("h0"), Some("h3"))
        );
        assert_eq!(whole.index_of("h0"), Some(2), "the last event wins");
        assert!(whole.contains("h1") && !whole.contains("h2"));
        assert!(!whole.is_tool_call(0) && whole.is_tool_call(1) && !whole.is_tool_call(9));
        assert!(whole.duplicate_id());
        for size in 1..=events.len() {
            let mut s = EventScan::default();
            for run in events.chunks(size) {
                s.push(run, 2);
            }
            let f = s.finish();
            assert_eq!(f.len(), whole.len());
            assert_eq!(f.run_id(), whole.run_id());
            assert_eq!(
                (f.first_hash(), f.last_hash()),
                (whole.first_hash(), whole.last_hash())
            );
            assert_eq!(f.index, whole.index);
            assert_eq!(f.tool_call, whole.tool_call);
            assert_eq!(f.duplicate_id(), whole.duplicate_id());
            assert_eq!(
                f.chain().map_err(|e| e.reason_code()),
                whole.chain().map_err(|e| e.reason_code())
            );
        }
        let unique = EventScan::whole(&events[..3], 1);
        assert!(!unique.duplicate_id());
        let empty = EventScan::whole(&[], 1);
        assert!(empty.is_empty() && empty.run_id().is_none() && empty.last_hash().is_none());
    }
}
