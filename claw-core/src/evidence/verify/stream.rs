//! The streamed verifier (docs/design/streaming-verifier.md). The bundle is parsed with its
//! big arrays left unparsed ([`json::parse_deferring`]); the element pass ([`element_pass`])
//! parses them a chunk at a time, checks each chunk's items against their schema, hands it to
//! the scans ([`Gatherer`]), hashes it into the payload hash and drops it. Only the skeleton,
//! one chunk and the facts are ever held, about a quarter of the bundle's bytes where the
//! parsed tree takes four times them. The steps then run on the facts exactly as they do for
//! the tree ([`super::steps`]).
//!
//! [`verify`] takes a bundle only where its verdict is certainly the tree path's: more than
//! 512 items (the schema's split mode; legacy entries set aside), a proof-bundle envelope at
//! the root or under `envelope` with its arrays where the paths expect them, strict JSON in
//! every element, nothing kept for a consumer. Anything else returns `None` and takes the
//! tree path.

use super::super::document::{locate_document, Located};
use super::super::is_aggregate_bundle;
use super::super::par_map;
use super::super::receipts::ReceiptKind;
use super::super::PROOF_BUNDLE_BIG_ARRAYS as BIG_ARRAYS;
use super::config::VerifyConfig;
use super::gather::Gatherer;
use super::schema::{self, ItemScan};
use super::verdict::Verdict;
use super::view::BundleView;
use super::{envelope, merkle, merkle_proofs, steps, Ctx, StepResult};
use crate::b64;
use crate::json::{self, Deferred, HashStream, JsonError, KeyOrder, Limits};
use serde_json::{Map, Value};

/// Elements parsed and handed on together: large enough that the parallel work inside one
/// chunk spreads over every thread, small enough that a chunk's values stay a few MiB.
pub(crate) const CHUNK: usize = 4096;

/// How the element pass ended early.
#[derive(Debug)]
pub(crate) enum PassError {
    /// An element is not strict JSON (the tree path reports its error).
    NotStrict,
    /// The payload could not be serialized for its hash (the whole-tree hash is `None` too).
    Unhashable,
}

/// Walk the payload whose skeleton is `payload` (each array of `arrays` read as empty there),
/// in the order its hash is written (JavaScript's `JSON.stringify` order): every other member
/// is hashed as it stands; each deferred array's elements are parsed from `input` a chunk at
/// a time on `threads`, hashed, and handed over to `feed(name, chunk)`, which drops them. `arrays` pairs a
/// member name of `payload` with its elements. Returns the payload's SHA-256, equal to
/// `json::sha256_of(payload with its arrays, KeyOrder::JavaScript)`.
pub(crate) fn element_pass(
    input: &[u8],
    payload: &Map<String, Value>,
    arrays: &[(&str, &Deferred)],
    limits: &Limits,
    threads: usize,
    mut feed: impl FnMut(&str, Vec<Value>),
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
                .map_err(|_| PassError::NotStrict)?;
            // Serialized on the threads, hashed in order on this one.
            let bytes = par_map(&chunk, threads, |v| {
                json::serialize(v, KeyOrder::JavaScript)
            });
            for b in bytes {
                let b = b.map_err(|_| PassError::Unhashable)?;
                h.serialized(&b).map_err(place)?;
            }
            feed(k, chunk);
        }
        h.end().map_err(place)?;
    }
    h.end().map_err(place)?;
    h.finish().map_err(place)
}

/// Serialization depth allowed in a hash ([`json::sha256_of`]'s), less the depth of a big
/// array's elements: deeper limits keep the tree path, whose hash counts depth from the root.
const MAX_STREAMED_DEPTH: usize = 200;

/// Verify `bytes` with the big arrays streamed, or `None` where the tree path must decide (see
/// the module documentation).
pub(crate) fn verify(bytes: &[u8], cfg: &VerifyConfig) -> Option<Verdict> {
    if cfg.limits.max_depth > MAX_STREAMED_DEPTH {
        return None;
    }
    let limits = Limits {
        max_bytes: cfg.limits.max_bytes,
        max_depth: cfg.limits.max_depth,
        exact_integers: true,
    };
    let paths: Vec<Vec<&str>> = [&["payload"][..], &["envelope", "payload"][..]]
        .iter()
        .flat_map(|prefix| {
            BIG_ARRAYS.iter().map(move |a| {
                let mut p = prefix.to_vec();
                p.push(a);
                p
            })
        })
        .collect();
    let paths: Vec<&[&str]> = paths.iter().map(Vec::as_slice).collect();
    cfg.progress.step("parse", bytes.len());
    let (root, deferred) = json::parse_deferring(bytes, &limits, &paths).ok()?;
    // An aggregate bundle is another document (`verify_document` routes it).
    let Ok(Located::ProofBundle(env)) = locate_document(&root) else {
        return None;
    };
    if is_aggregate_bundle(&root) {
        return None;
    }
    let prefix: &[&str] = if std::ptr::eq(env, &root) {
        &["payload"]
    } else {
        &["envelope", "payload"]
    };
    // Every deferred array is one of the located payload's (no other verdict reads them).
    let mut arrays: Vec<(&str, &Deferred)> = Vec::with_capacity(deferred.len());
    for d in &deferred {
        let path = d.path();
        let name = BIG_ARRAYS
            .iter()
            .find(|a| path.last().is_some_and(|l| l == *a))?;
        if path.len() != prefix.len() + 1 || path.iter().zip(prefix).any(|(a, b)| a != b) {
            return None;
        }
        arrays.push((name, d));
    }
    if !schema::split(arrays.iter().map(|(_, d)| d.len())) {
        return None;
    }
    let payload = env.get("payload")?.as_object()?;
    let threads = cfg.thread_count();
    let agent_did = payload
        .get("agent_did")
        .and_then(Value::as_str)
        .unwrap_or("");
    let wanted = merkle::wanted(&env["payload"]);

    // The element pass: items against their schema, the scans fed while no item has failed
    // (a schema failure decides the verdict, so no later fact is read), the gateway
    // array's legacy entries set aside (their positions kept for the Merkle tie-break).
    let mut gatherer = Gatherer::new(cfg, agent_did, wanted, threads);
    let mut items: Vec<(&str, usize, ItemScan)> = schema::big_items(cfg)
        .into_iter()
        .map(|(k, item)| (k, 0, ItemScan::new(k, item)))
        .collect();
    let mut gateway_at: Vec<usize> = Vec::new();
    let mut gateway_seen = 0;
    let mut failed = false;
    let digest = element_pass(
        bytes,
        payload,
        &arrays,
        &limits,
        threads,
        |name, mut chunk| {
            if name == "receipts" {
                let base = gateway_seen;
                gateway_seen += chunk.len();
                let mut k = 0;
                chunk.retain(|r| {
                    let keep = !schema::is_legacy(r);
                    if keep {
                        gateway_at.push(base + k);
                    }
                    k += 1;
                    keep
                });
            }
            if let Some((_, n, scan)) = items.iter_mut().find(|(k, _, _)| *k == name) {
                *n += chunk.len();
                scan.push(&chunk, threads);
                failed |= scan.failed();
            }
            if !failed {
                match ReceiptKind::from_array_name(name) {
                    Some(kind) => gatherer.receipts(kind, &chunk),
                    None => gatherer.events(&chunk),
                }
            }
            json::drop_with_threads(Value::Array(chunk), threads);
        },
    )
    .ok()?;
    cfg.progress.advance(bytes.len());
    // Legacy entries set aside may leave too few items for the split mode.
    if !schema::split(items.iter().map(|(_, n, _)| *n)) {
        return None;
    }
    let gathered = gatherer.finish(Some(b64::encode(digest)));

    let mut ctx = Ctx::new(cfg);
    let outcome = (|| -> StepResult<_> {
        // 1–9.
        let header = envelope::check_header(env, cfg)?;
        // 9.75.
        schema::check_split(env, items, cfg)
            .map_err(|e| schema::failure(e, super::Step::Schema, true))?;
        let v = BundleView::new(env);
        let element = |kind: ReceiptKind, i: usize| -> Vec<u8> {
            let at = match kind {
                ReceiptKind::Gateway => gateway_at.get(i).copied(),
                _ => Some(i),
            };
            let d = arrays.iter().find(|(n, _)| *n == kind.array_name());
            let value = d
                .zip(at)
                .and_then(|((_, d), at)| d.element(bytes, at, &limits));
            match value {
                Some(Ok(r)) => merkle_proofs::leaf_bytes(kind, &r).unwrap_or_default(),
                _ => Vec::new(),
            }
        };
        let (tiers, _, _) = steps(&mut ctx, &header, &v, gathered, &element)?;
        Ok(tiers)
    })();
    Some(ctx.verdict(outcome).0)
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
                |k, chunk| fed.extend(chunk.into_iter().map(|v| (k.to_string(), v))),
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
        assert!(matches!(r, Err(PassError::NotStrict)), "{r:?}");
        assert_eq!(fed, 0, "a chunk with a bad element is not fed");
    }
}
