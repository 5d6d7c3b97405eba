//! Strict parse → canonicalize → parse → canonicalize must give equal bytes, and the
//! JavaScript-order serialization must parse back to the same value. The split parse
//! (`parse_deferring` with its arrays' elements parsed one by one) accepts exactly what the
//! strict parser accepts and reads the same value, and the canonical hash streamed element by
//! element is the hash of the canonical bytes.
#![no_main]
use claw_core::json::{self, Deferred, HashStream, KeyOrder, Limits};
use libfuzzer_sys::fuzz_target;
use serde_json::Value;

const PATHS: &[&[&str]] = &[&["a"], &["payload", "receipts"], &["b", "c"]];

fn elements(data: &[u8], d: &Deferred) -> Result<Vec<Value>, json::JsonError> {
    (0..d.len())
        .map(|i| d.element(data, i, &Limits::STRICT).expect("in range"))
        .collect()
}

fn split_parse(data: &[u8]) -> Result<(Value, Value), json::JsonError> {
    let (skeleton, found) = json::parse_deferring(data, &Limits::STRICT, PATHS)?;
    let mut whole = skeleton.clone();
    for d in &found {
        let mut at = &mut whole;
        for k in d.path() {
            at = &mut at[k.as_str()];
        }
        *at = Value::Array(elements(data, d)?);
    }
    Ok((skeleton, whole))
}

/// The hash of the root value in `order`, deferred arrays streamed element by element.
fn streamed(data: &[u8], skeleton: &Value, found: &[Deferred], order: KeyOrder) -> [u8; 32] {
    fn walk(
        s: &mut HashStream,
        v: &Value,
        path: &mut Vec<String>,
        data: &[u8],
        found: &[Deferred],
    ) {
        match v {
            Value::Object(m) => {
                s.begin_object().expect("in place");
                for k in s.members(m) {
                    s.key(k).expect("in place");
                    path.push(k.to_string());
                    walk(s, &m[k], path, data, found);
                    path.pop();
                }
                s.end().expect("in place");
            }
            _ => match found.iter().find(|d| d.path() == path.as_slice()) {
                Some(d) => {
                    s.begin_array().expect("in place");
                    for x in elements(data, d).expect("elements parse") {
                        s.value(&x).expect("canonical");
                    }
                    s.end().expect("in place");
                }
                None => s.value(v).expect("canonical"),
            },
        }
    }
    let mut s = HashStream::new(order);
    walk(&mut s, skeleton, &mut Vec::new(), data, found);
    s.finish().expect("closed")
}

fuzz_target!(|data: &[u8]| {
    let strict = json::parse(data, &Limits::STRICT);
    let split = split_parse(data);
    assert_eq!(
        strict.as_ref().ok(),
        split.as_ref().ok().map(|(_, w)| w),
        "the split parse disagrees with the strict parser"
    );
    let Ok(v) = strict else {
        return;
    };
    let once = json::canonicalize(&v).expect("a strictly parsed value canonicalizes");
    let again = json::parse(&once, &Limits::STRICT).expect("canonical output parses");
    let twice = json::canonicalize(&again).expect("canonicalizes again");
    assert_eq!(once, twice, "canonical form is not a fixed point");
    let js = json::serialize(&v, KeyOrder::JavaScript).expect("stringify order");
    let back = json::parse(&js, &Limits::STRICT).expect("stringify output parses");
    assert_eq!(json::canonicalize(&back).expect("canon"), once);
    let (skeleton, found) =
        json::parse_deferring(data, &Limits::STRICT, PATHS).expect("parsed above");
    for order in [KeyOrder::Jcs, KeyOrder::JavaScript] {
        let whole = json::sha256_of(&v, order).expect("serializes");
        let got = streamed(data, &skeleton, &found, order);
        assert_eq!(got, whole, "streamed hash differs ({order:?})");
    }
});
