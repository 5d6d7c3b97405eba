//! The element pass of the streamed verifier (docs/design/streaming-verifier.md): the
//! payload's big arrays, left unparsed by [`json::parse_deferring`], are parsed a chunk at a
//! time, each chunk handed to the scans and hashed into the payload hash, then dropped. Only
//! the skeleton and one chunk per array are ever held as values.

use super::super::par_map;
use crate::json::{self, Deferred, HashStream, JsonError, KeyOrder, Limits};
use serde_json::{Map, Value};

/// The payload's big arrays, the ones a streamed verification leaves unparsed.
pub(crate) const BIG_ARRAYS: [&str; 6] = [
    "event_chain",
    "receipts",
    "tool_receipts",
    "side_effect_receipts",
    "human_approval_receipts",
    "delegation_receipts",
];

/// Elements parsed and handed on together: large enough that the parallel work inside one
/// chunk spreads over every thread, small enough that a chunk's values stay a few MiB.
pub(crate) const CHUNK: usize = 4096;

/// How the element pass ended early.
#[derive(Debug)]
pub(crate) enum PassError {
    /// An element is not strict JSON.
    Json(JsonError),
    /// The payload could not be serialized for its hash (the whole-tree hash is `None` too).
    Unhashable,
}

/// Walk the payload whose skeleton is `payload` (each array of `arrays` read as empty there),
/// in the order its hash is written (JavaScript's `JSON.stringify` order): every other member
/// is hashed as it stands; each deferred array's elements are parsed from `input` a chunk at
/// a time on `threads`, handed to `feed(name, chunk)`, hashed, and dropped. `arrays` pairs a
/// member name of `payload` with its elements. Returns the payload's SHA-256, equal to
/// `json::sha256_of(payload with its arrays, KeyOrder::JavaScript)`.
pub(crate) fn element_pass(
    input: &[u8],
    payload: &Map<String, Value>,
    arrays: &[(&str, &Deferred)],
    limits: &Limits,
    threads: usize,
    mut feed: impl FnMut(&str, &[Value]),
) -> Result<[u8; 32], PassError> {
    let mut h = HashStream::new(KeyOrder::JavaScript);
    let place = |_| PassError::Unhashable;
    h.begin_object().map_err(place)?;
    for k in h.members(payload) {
        h.key(k).map_err(place)?;
        let Some((_, d)) = arrays.iter().find(|(name, _)| *name == k) else {
            h.value(&payload[k]).map_err(|_| PassError::Unhashable)?;
            continue;
        };
        h.begin_array().map_err(place)?;
        let idx: Vec<usize> = (0..d.len()).collect();
        for run in idx.chunks(CHUNK) {
            let parsed = par_map(run, threads, |&i| {
                d.element(input, i, limits)
                    .unwrap_or_else(|| unreachable_element(i))
            });
            let chunk = parsed
                .into_iter()
                .collect::<Result<Vec<Value>, JsonError>>()
                .map_err(PassError::Json)?;
            feed(k, &chunk);
            for v in &chunk {
                h.value(v).map_err(|_| PassError::Unhashable)?;
            }
            json::drop_with_threads(Value::Array(chunk), threads);
        }
        h.end().map_err(place)?;
    }
    h.end().map_err(place)?;
    h.finish().map_err(place)
}

/// An index below `len()` always has an element; if one were missing, fail as a syntax error
/// rather than panic.
fn unreachable_element(i: usize) -> Result<Value, JsonError> {
    Err(JsonError::Syntax {
        path: format!("$[{i}]"),
        offset: 0,
        detail: "a deferred element out of range",
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn limits() -> Limits {
        Limits {
            max_bytes: 1 << 24,
            max_depth: 64,
            exact_integers: true,
        }
    }

    /// The streamed hash is the whole payload's JavaScript-order hash (members out of RFC
    /// 8785 order, an index-like key, arrays longer than a chunk and empty), and every
    /// element is fed once, in order.
    #[test]
    fn the_pass_hashes_the_payload_as_the_tree_does_and_feeds_every_element() {
        let events: Vec<Value> = (0..CHUNK + 3)
            .map(|i| json!({"z": i, "a": [1, {"y": null, "b": "é\u{2028}"}]}))
            .collect();
        let doc = json!({
            "payload": {
                "zeta": 1,
                "event_chain": events,
                "7": "index-like key first",
                "receipts": [],
                "metadata": {"b": 2, "a": 1},
                "tool_receipts": [{"k": 1.5}, {"k": -0.0}],
            },
            "signer_did": "did:key:z",
        });
        let text = serde_json::to_string(&doc).unwrap();
        // As the verifier's strict parser reads it (`-0.0` reads as 0).
        let doc = json::parse(text.as_bytes(), &limits()).unwrap();
        let want = json::sha256_of(&doc["payload"], KeyOrder::JavaScript).unwrap();
        let paths: Vec<[&str; 2]> = BIG_ARRAYS.iter().map(|a| ["payload", a]).collect();
        let paths: Vec<&[&str]> = paths.iter().map(|p| &p[..]).collect();
        let (skel, deferred) = json::parse_deferring(text.as_bytes(), &limits(), &paths).unwrap();
        let names: Vec<&str> = deferred
            .iter()
            .map(|d| {
                BIG_ARRAYS
                    .iter()
                    .find(|a| **a == d.path()[1])
                    .copied()
                    .unwrap()
            })
            .collect();
        let arrays: Vec<(&str, &Deferred)> = names.iter().copied().zip(&deferred).collect();
        for threads in [1, 2] {
            let mut fed: Vec<(String, Value)> = Vec::new();
            let got = element_pass(
                text.as_bytes(),
                skel["payload"].as_object().unwrap(),
                &arrays,
                &limits(),
                threads,
                |k, chunk| fed.extend(chunk.iter().map(|v| (k.to_string(), v.clone()))),
            )
            .unwrap();
            assert_eq!(got, want, "{threads} threads");
            let want_fed: Vec<(String, Value)> = ["event_chain", "tool_receipts"]
                .iter()
                .flat_map(|k| {
                    doc["payload"][*k]
                        .as_array()
                        .unwrap()
                        .iter()
                        .map(|v| (k.to_string(), v.clone()))
                })
                .collect();
            assert_eq!(fed.len(), want_fed.len());
            for (i, (a, b)) in fed.iter().zip(&want_fed).enumerate() {
                assert!(a == b, "element {i}: {a:?} != {b:?}");
            }
        }
    }

    /// An element that is not strict JSON ends the pass with its error.
    #[test]
    fn an_element_that_is_not_strict_json_ends_the_pass() {
        let text = r#"{"payload":{"receipts":[{"a":1},{"a":1,"a":2}]}}"#;
        let (skel, deferred) =
            json::parse_deferring(text.as_bytes(), &limits(), &[&["payload", "receipts"]]).unwrap();
        let mut fed = 0;
        let r = element_pass(
            text.as_bytes(),
            skel["payload"].as_object().unwrap(),
            &[("receipts", &deferred[0])],
            &limits(),
            1,
            |_, c| fed += c.len(),
        );
        assert!(matches!(r, Err(PassError::Json(_))), "{r:?}");
        assert_eq!(fed, 0, "a chunk with a bad element is not fed");
    }
}
