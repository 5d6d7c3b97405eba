//! Properties of the JSON5 reader: JSON reads the same through it as through the strict JSON
//! parser, the JSON5 spellings of a value (unquoted keys, single quotes, comments, trailing
//! commas, hex, leading `+`) all read back to that value, and arbitrary bytes never panic.
use claw_core::json::{self, Limits};
use claw_core::openclaw::json5;
use claw_core::openclaw::OpenClawConfig;
use proptest::prelude::*;
use serde_json::{Map, Value};

fn arb_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        (-(1i64 << 53) + 1..(1i64 << 53)).prop_map(|i| Value::Number(i.into())),
        any::<f64>()
            .prop_filter("finite, not integral", |f| f.is_finite()
                && f.fract() != 0.0)
            .prop_map(|f| serde_json::Number::from_f64(f)
                .map(Value::Number)
                .unwrap_or(Value::Null)),
        "\\PC{0,10}".prop_map(Value::String),
        "[\u{0}-\u{1f}'\"\\\\\u{7f}\u{2028}\u{2029}\u{feff}\u{10000}-\u{10010}]{0,4}"
            .prop_map(Value::String),
    ];
    leaf.prop_recursive(4, 40, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..5).prop_map(Value::Array),
            prop::collection::vec(("[a-zA-Z_$][a-zA-Z0-9_$]{0,5}|\\PC{0,5}", inner), 0..5)
                .prop_map(|kv| {
                    let mut m = Map::new();
                    for (k, v) in kv {
                        m.insert(k, v);
                    }
                    Value::Object(m)
                }),
        ]
    })
}

/// A JSON5 spelling of `v`; `style` picks the features per position.
fn json5_text(v: &Value, style: &mut impl FnMut() -> u8, out: &mut String) {
    let ws = |s: &mut dyn FnMut() -> u8, out: &mut String| match s() % 6 {
        0 => out.push_str(" // c\n"),
        1 => out.push_str("/* c */"),
        2 => out.push('\u{a0}'),
        3 => out.push_str("\r\n\t"),
        _ => {}
    };
    match v {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => {
            if let Some(i) = n.as_i64() {
                match style() % 3 {
                    0 if i >= 0 => out.push_str(&format!("0x{i:X}")),
                    1 if i >= 0 => out.push_str(&format!("+{i}")),
                    _ => out.push_str(&i.to_string()),
                }
            } else {
                out.push_str(&n.to_string());
            }
        }
        Value::String(s) => string5(s, style() % 2 == 0, out),
        Value::Array(a) => {
            out.push('[');
            for (i, x) in a.iter().enumerate() {
                ws(style, out);
                json5_text(x, style, out);
                if i + 1 < a.len() || style() % 2 == 0 {
                    out.push(',');
                }
            }
            ws(style, out);
            out.push(']');
        }
        Value::Object(m) => {
            out.push('{');
            for (i, (k, x)) in m.iter().enumerate() {
                ws(style, out);
                let ident = !k.is_empty()
                    && k.chars()
                        .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '$')
                    && !k.starts_with(|c: char| c.is_ascii_digit());
                if ident && style() % 2 == 0 {
                    out.push_str(k);
                } else {
                    string5(k, style() % 2 == 0, out);
                }
                ws(style, out);
                out.push(':');
                ws(style, out);
                json5_text(x, style, out);
                if i + 1 < m.len() || style() % 2 == 0 {
                    out.push(',');
                }
            }
            ws(style, out);
            out.push('}');
        }
    }
}

fn string5(s: &str, single: bool, out: &mut String) {
    let q = if single { '\'' } else { '"' };
    out.push(q);
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\u{b}' => out.push_str("\\v"),
            '\0' => out.push_str("\\0"),
            c if c == q => {
                out.push('\\');
                out.push(c);
            }
            c if (c as u32) < 0x20 => out.push_str(&format!("\\x{:02x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push(q);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn json_reads_the_same_as_json(v in arb_json()) {
        let text = json::canonicalize(&v).unwrap();
        let strict = json::parse(&text, &Limits::STRICT).unwrap();
        let five = json5::parse(&text, &json5::Json5Limits::CONFIG).unwrap();
        prop_assert_eq!(json::canonicalize(&five).unwrap(), json::canonicalize(&strict).unwrap());
    }

    #[test]
    fn json5_spellings_read_back(v in arb_json(), seed in any::<u64>()) {
        let mut x = seed | 1;
        let mut style = move || { x ^= x << 13; x ^= x >> 7; x ^= x << 17; (x % 251) as u8 };
        let mut text = String::new();
        json5_text(&v, &mut style, &mut text);
        let back = json5::parse_str(&text).map_err(|e| TestCaseError::fail(format!("{e}\n{text}")))?;
        prop_assert_eq!(json::canonicalize(&back).unwrap(), json::canonicalize(&v).unwrap(), "{}", text);
    }

    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..256)) {
        let _ = OpenClawConfig::parse(&bytes);
    }

    #[test]
    fn config_hash_ignores_the_spelling(v in arb_json(), seed in any::<u64>()) {
        let cfg = Value::Object([("meta".to_string(), v)].into_iter().collect());
        let a = OpenClawConfig::from_value(cfg.clone()).unwrap();
        let mut x = seed | 1;
        let mut style = move || { x ^= x << 13; x ^= x >> 7; x ^= x << 17; (x % 251) as u8 };
        let mut text = String::new();
        json5_text(&cfg, &mut style, &mut text);
        let b = OpenClawConfig::parse(text.as_bytes()).unwrap();
        prop_assert_eq!(a.hash_b64u(), b.hash_b64u());
    }
}
