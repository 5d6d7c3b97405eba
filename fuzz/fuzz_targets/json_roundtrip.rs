//! Strict parse → canonicalize → parse → canonicalize must give equal bytes, and the
//! JavaScript-order serialization must parse back to the same value.
#![no_main]
use claw_core::json::{self, KeyOrder, Limits};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(v) = json::parse(data, &Limits::STRICT) else {
        return;
    };
    let once = json::canonicalize(&v).expect("a strictly parsed value canonicalizes");
    let again = json::parse(&once, &Limits::STRICT).expect("canonical output parses");
    let twice = json::canonicalize(&again).expect("canonicalizes again");
    assert_eq!(once, twice, "canonical form is not a fixed point");
    let js = json::serialize(&v, KeyOrder::JavaScript).expect("stringify order");
    let back = json::parse(&js, &Limits::STRICT).expect("stringify output parses");
    assert_eq!(json::canonicalize(&back).expect("canon"), once);
});
