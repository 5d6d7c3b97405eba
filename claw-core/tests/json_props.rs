//! Properties of canonical JSON: canonical form is a fixed point, independent of input key
//! order and whitespace, and strict parsing never panics on arbitrary bytes.
use claw_core::json::{self, KeyOrder, Limits};
use proptest::prelude::*;
use serde_json::{Map, Value};

fn arb_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        (-(1i64 << 53) + 1..(1i64 << 53)).prop_map(|i| Value::Number(i.into())),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(|f| serde_json::Number::from_f64(f)
                .map(Value::Number)
                .unwrap_or(Value::Null)),
        "\\PC{0,12}".prop_map(Value::String),
        "[\u{0}-\u{1f}\"\\\\\u{7f}\u{2028}\u{10000}-\u{10010}\u{e000}]{0,4}"
            .prop_map(Value::String),
    ];
    leaf.prop_recursive(4, 48, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::vec(("\\PC{0,6}", inner), 0..6).prop_map(|kv| {
                let mut m = Map::new();
                for (k, v) in kv {
                    m.insert(k, v);
                }
                Value::Object(m)
            }),
        ]
    })
}

/// Rebuild every object with its members in reverse order.
fn reversed(v: &Value) -> Value {
    match v {
        Value::Object(m) => Value::Object(
            m.iter()
                .rev()
                .map(|(k, v)| (k.clone(), reversed(v)))
                .collect(),
        ),
        Value::Array(a) => Value::Array(a.iter().map(reversed).collect()),
        o => o.clone(),
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn canonical_form_is_a_fixed_point(v in arb_json()) {
        let once = json::canonicalize(&v).unwrap();
        let twice = json::canonicalize_bytes(&once, &Limits::STRICT).unwrap();
        prop_assert_eq!(&once, &twice);
    }

    #[test]
    fn independent_of_key_order_and_whitespace(v in arb_json()) {
        let a = json::canonicalize(&v).unwrap();
        let b = json::canonicalize(&reversed(&v)).unwrap();
        prop_assert_eq!(&a, &b);
        let pretty = serde_json::to_string_pretty(&reversed(&v)).unwrap();
        let c = json::canonicalize_bytes(pretty.as_bytes(), &Limits::STRICT).unwrap();
        prop_assert_eq!(&a, &c);
    }

    #[test]
    fn sorted_values_stringify_like_jcs_without_index_keys(v in arb_json()) {
        let s = json::sorted(&v);
        let has_index_key = json::serialize(&s, KeyOrder::JavaScript).unwrap() != json::canonicalize(&s).unwrap();
        if has_index_key {
            // Only possible when some key is an array index ("0", "17", ...).
            prop_assert!(contains_index_key(&v));
        }
    }

    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..256)) {
        let _ = json::parse(&bytes, &Limits::STRICT);
    }

    #[test]
    fn mutated_json_never_panics(v in arb_json(), pos in any::<prop::sample::Index>(), byte in any::<u8>()) {
        let mut text = json::canonicalize(&v).unwrap();
        if !text.is_empty() {
            let i = pos.index(text.len());
            text[i] = byte;
        }
        if let Ok(parsed) = json::parse(&text, &Limits::STRICT) {
            prop_assert!(json::canonicalize(&parsed).is_ok());
        }
    }
}

fn contains_index_key(v: &Value) -> bool {
    match v {
        Value::Object(m) => m.iter().any(|(k, v)| {
            (k == "0"
                || (!k.is_empty()
                    && !k.starts_with('0')
                    && k.len() <= 10
                    && k.bytes().all(|b| b.is_ascii_digit())))
                || contains_index_key(v)
        }),
        Value::Array(a) => a.iter().any(contains_index_key),
        _ => false,
    }
}
