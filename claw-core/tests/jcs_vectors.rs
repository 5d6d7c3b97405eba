//! RFC 8785 conformance: the cyberphone test data and the ES6 number file.
mod common;

use claw_core::json::{self, Limits};

#[test]
fn cyberphone_inputs_canonicalize_to_outputs() {
    let dir = common::shared_dir().join("vectors/jcs/input");
    let files = common::walk(&dir);
    assert_eq!(files.len(), 6, "expected the 6 cyberphone inputs");
    for input in files {
        let name = input.file_name().unwrap().to_str().unwrap().to_string();
        let got = json::canonicalize_bytes(&std::fs::read(&input).unwrap(), &Limits::STRICT)
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        let want = common::read_shared(&format!("vectors/jcs/output/{name}"));
        assert_eq!(
            String::from_utf8_lossy(&got),
            String::from_utf8_lossy(&want),
            "{name}"
        );
        // The hex form must agree too (guards against line-ending rewrites of output/).
        let hex = String::from_utf8(common::read_shared(&format!(
            "vectors/jcs/outhex/{}",
            name.replace(".json", ".txt")
        )))
        .unwrap();
        let want_hex: Vec<u8> = hex
            .split_whitespace()
            .map(|h| u8::from_str_radix(h, 16).unwrap())
            .collect();
        assert_eq!(got, want_hex, "{name} (outhex)");
        // Canonical form is a fixed point.
        assert_eq!(
            json::canonicalize_bytes(&got, &Limits::STRICT).unwrap(),
            got
        );
    }
}

#[test]
fn es6_number_file_all_10000_lines() {
    let text = String::from_utf8(common::read_shared(
        "vectors/jcs/numbers/es6testfile10k.txt",
    ))
    .unwrap();
    let mut n = 0;
    for line in text.lines() {
        let (hex, want) = line.split_once(',').unwrap();
        let bits = u64::from_str_radix(hex, 16).unwrap();
        let v = f64::from_bits(bits);
        assert_eq!(json::format_es6(v), want, "line {} ({hex})", n + 1);
        // And through the parser: the expected text parses back to the same double.
        if v != 0.0 {
            let parsed = json::parse(
                want.as_bytes(),
                &Limits {
                    exact_integers: false,
                    ..Limits::STRICT
                },
            )
            .unwrap();
            assert_eq!(
                parsed.as_f64().unwrap().to_bits(),
                v.abs().to_bits() | (v.to_bits() & (1 << 63)),
                "{want}"
            );
        }
        n += 1;
    }
    assert_eq!(n, 10_000);
}

#[test]
fn non_finite_is_refused() {
    for bad in ["NaN", "Infinity", "-Infinity", "1e309", "-1e309"] {
        assert!(json::parse_str(bad).is_err(), "{bad}");
    }
}
