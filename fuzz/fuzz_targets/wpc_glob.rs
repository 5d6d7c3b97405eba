//! Differential: the compiled glob matcher (literal / prefix / suffix fast paths, one-word
//! bit-parallel NFA, general NFA) against a plain dynamic-programming oracle of the
//! reference's glob over UTF-16 code units, through the public API: the pattern as a
//! statement's resource (the value as the requested tool) and as a `StringLike` condition (the
//! value as a context value).
//!
//! Input: a length byte, then symbols drawn from a small alphabet that holds every character
//! the glob treats specially (`*`, `?`, `/`, line terminators, an astral character).
#![no_main]
use claw_core::wpc::{CompiledPolicy, Policy, Request, Verdict};
use libfuzzer_sys::fuzz_target;
use serde_json::json;

const ALPHABET: [char; 16] = [
    'a',
    'b',
    '/',
    '*',
    '?',
    '.',
    '-',
    'é',
    '\u{1F600}',
    '\n',
    '\r',
    '\u{2028}',
    'x',
    '*',
    '/',
    'a',
];

fn is_lt(u: u16) -> bool {
    matches!(u, 0x0A | 0x0D | 0x2028 | 0x2029)
}

/// The reference glob (docs/SPEC.md §4.4) as a DP over (pattern token, value unit).
fn oracle(pattern: &str, value: &str) -> bool {
    if pattern == "*" || pattern == "**" {
        return true;
    }
    #[derive(Clone, Copy)]
    enum T {
        Unit(u16),
        Any1,
        Star,
        DoubleStar,
    }
    let mut toks = Vec::new();
    let p: Vec<char> = pattern.chars().collect();
    let mut i = 0;
    while i < p.len() {
        match p[i] {
            '*' if p.get(i + 1) == Some(&'*') => {
                i += 2;
                if p.get(i) == Some(&'/') {
                    i += 1;
                }
                toks.push(T::DoubleStar);
                continue;
            }
            '*' => toks.push(T::Star),
            '?' => toks.push(T::Any1),
            c => {
                let mut buf = [0u16; 2];
                toks.extend(c.encode_utf16(&mut buf).iter().map(|u| T::Unit(*u)));
            }
        }
        i += 1;
    }
    let v: Vec<u16> = value.encode_utf16().collect();
    // m[t][j]: tokens t.. match units j..
    let mut m = vec![vec![false; v.len() + 1]; toks.len() + 1];
    m[toks.len()][v.len()] = true;
    for t in (0..toks.len()).rev() {
        for j in (0..=v.len()).rev() {
            m[t][j] = match toks[t] {
                T::Unit(u) => j < v.len() && v[j] == u && m[t + 1][j + 1],
                T::Any1 => j < v.len() && v[j] != u16::from(b'/') && m[t + 1][j + 1],
                T::Star => m[t + 1][j] || (j < v.len() && v[j] != u16::from(b'/') && m[t][j + 1]),
                T::DoubleStar => m[t + 1][j] || (j < v.len() && !is_lt(v[j]) && m[t][j + 1]),
            };
        }
    }
    m[0][0]
}

fn decode(bytes: &[u8]) -> String {
    bytes
        .iter()
        .map(|b| ALPHABET[usize::from(b & 15)])
        .collect()
}

fn invalid_request(s: &str) -> bool {
    s.is_empty()
        || s.chars()
            .any(|c| c.is_control() || c == '\u{2028}' || c == '\u{2029}')
}

fuzz_target!(|data: &[u8]| {
    let Some((&n, rest)) = data.split_first() else {
        return;
    };
    let n = usize::from(n).min(rest.len()).min(80);
    let (pattern, value) = (
        decode(&rest[..n]),
        decode(&rest[n..rest.len().min(n + 200)]),
    );
    if pattern.is_empty() {
        return;
    }
    let want = oracle(&pattern, &value);

    let as_resource = json!({
        "policy_version": "2", "policy_id": "glob", "issuer_did": "did:key:z6MkGlob",
        "statements": [{"sid": "g", "effect": "Allow", "actions": ["tool:execute"], "resources": [pattern]}],
    });
    if let Ok(p) = Policy::parse(as_resource.to_string().as_bytes()) {
        let c = CompiledPolicy::compile(&p).expect("a parsed policy compiles");
        let none: &[(&str, &str)] = &[];
        let d = c.decide(&Request::tool_call(&value, &none, 0));
        if !invalid_request(&value) {
            assert_eq!(
                d.verdict == Verdict::Allow,
                want,
                "resource {pattern:?} vs {value:?}"
            );
        } else {
            assert_eq!(d.verdict, Verdict::Deny);
        }
    }

    let as_condition = json!({
        "policy_version": "2", "policy_id": "glob", "issuer_did": "did:key:z6MkGlob",
        "statements": [{"sid": "g", "effect": "Allow", "actions": ["tool:execute"], "resources": ["*"],
                        "conditions": {"StringLike": {"K": pattern}}}],
    });
    if let Ok(p) = Policy::parse(as_condition.to_string().as_bytes()) {
        let c = CompiledPolicy::compile(&p).expect("a parsed policy compiles");
        let ctx: &[(&str, &str)] = &[("K", value.as_str())];
        let d = c.decide(&Request::tool_call("t", &ctx, 0));
        let has_lt = value.encode_utf16().any(is_lt);
        if !has_lt {
            assert_eq!(
                d.verdict == Verdict::Allow,
                want,
                "condition {pattern:?} vs {value:?}"
            );
        } else if d.verdict == Verdict::Allow {
            assert!(
                want,
                "condition allowed a non-match {pattern:?} vs {value:?}"
            );
        }
    }
});
