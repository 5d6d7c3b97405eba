//! What `StringLike` glob conditions cost a policy decision (`claw_core::wpc::glob`).
//!
//! Cases (one `CompiledPolicy::decide` each):
//! * `pathological`: ~67 KB of policy, 8 Allow statements (the schema's bounds: at most 64
//!   statements, 16 keys per operator) each with 16 `StringNotLike` conditions whose pattern
//!   is 512 characters of `a*a*…a*ab` (255 single stars), against 128 context values of
//!   4 KiB. Values `a^4096` (the old NFA's worst case: every position live to the end) and
//!   `a^200 b^3894 ab` (past both anchors, the middle segments run out) match none, so every
//!   condition is True and all 128 are evaluated; `a^4095 b` matches, so the first condition
//!   of each statement is False and 8 are evaluated;
//! * `mixed stars`: 511-character `StringNotLike` patterns `(a**)^169 a*ab` (both star
//!   classes), values `(a/)^2047 ab`: `/`s that the `**` may take, which the segments hand
//!   to the word-parallel NFA; the NFA keeps ~170 positions live to the end and finds no
//!   match (the `*` before `ab` cannot take the last `/`), all 128 conditions are evaluated;
//! * `ordinary`: a policy of 16 statements with short patterns (`src/**/*.rs`, `*.internal`,
//!   `tool:read_*`, `a?c*`) and short values, the usual shape.
//!
//! Prints the median and minimum of `rounds` batches per case.
//! `cargo run --release --bin glob_cost -- [rounds=15]`
use claw_core::wpc::{CompiledPolicy, Policy, Request};
use std::hint::black_box;
use std::time::Instant;

const NOW: i64 = 1_800_000_000;

fn policy(statements: &[String]) -> CompiledPolicy {
    let text = format!(
        r#"{{"policy_version":"2","policy_id":"glob-cost","issuer_did":"did:key:z6Mkx","statements":[{}]}}"#,
        statements.join(",")
    );
    let p = Policy::parse(text.as_bytes()).expect("policy parses");
    eprintln!(
        "  policy: {} bytes, {} statements",
        text.len(),
        statements.len()
    );
    CompiledPolicy::compile(&p).expect("policy compiles")
}

/// 8 Allow statements of 16 `op` conditions each, keys K0..K127.
fn statements(op: &str, pattern: &str) -> Vec<String> {
    (0..8)
        .map(|s| {
            let conds: Vec<String> = (0..16)
                .map(|k| format!(r#""K{}":"{pattern}""#, s * 16 + k))
                .collect();
            format!(
                r#"{{"sid":"a{s}","effect":"Allow","actions":["tool:execute"],"resources":["*"],"conditions":{{"{op}":{{{}}}}}}}"#,
                conds.join(",")
            )
        })
        .collect()
}

fn measure(name: &str, rounds: usize, iters: usize, mut f: impl FnMut() -> bool) {
    let mut t = Vec::with_capacity(rounds);
    let want = f();
    for _ in 0..rounds {
        let s = Instant::now();
        for _ in 0..iters {
            assert_eq!(black_box(f()), want);
        }
        t.push(s.elapsed().as_secs_f64() / iters as f64);
    }
    t.sort_by(f64::total_cmp);
    let fmt = |s: f64| {
        if s < 1e-3 {
            format!("{:.2} µs", s * 1e6)
        } else {
            format!("{:.2} ms", s * 1e3)
        }
    };
    println!(
        "{name}: median {} min {} per decision (allowed: {want})",
        fmt(t[rounds / 2]),
        fmt(t[0])
    );
}

fn main() {
    let rounds: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(15);
    let n = 128;
    println!(
        "glob_cost: {} CPUs, {}",
        std::thread::available_parallelism().map_or(0, |n| n.get()),
        std::fs::read_to_string("/proc/cpuinfo")
            .ok()
            .and_then(
                |c| c.lines().find(|l| l.starts_with("model name")).map(|l| l
                    .split(':')
                    .nth(1)
                    .unwrap_or("")
                    .trim()
                    .to_string())
            )
            .unwrap_or_default()
    );
    let keys: Vec<String> = (0..n).map(|i| format!("K{i}")).collect();

    // a*a*…a*ab: 512 characters, 256 stars.
    let pattern = "a*".repeat(255) + "ab";
    assert_eq!(pattern.chars().count(), 512);
    eprintln!("pathological:");
    let p = policy(&statements("StringNotLike", &pattern));
    let miss = "a".repeat(4096);
    let ctx: Vec<(&str, &str)> = keys.iter().map(|k| (k.as_str(), miss.as_str())).collect();
    let iters = 1;
    measure("pathological (a^4096: no match)", rounds, iters, || {
        let c: &[(&str, &str)] = &ctx;
        p.decide(&Request::tool_call("read", &c, NOW))
            .reason
            .as_str()
            == "POLICY_ALLOW"
    });
    // Past both anchors, then no room for the middle segments.
    let late = "a".repeat(200) + &"b".repeat(3894) + "ab";
    let ctx_late: Vec<(&str, &str)> = keys.iter().map(|k| (k.as_str(), late.as_str())).collect();
    measure(
        "pathological (a^200 b^3894 ab: no match)",
        rounds,
        iters,
        || {
            let c: &[(&str, &str)] = &ctx_late;
            p.decide(&Request::tool_call("read", &c, NOW))
                .reason
                .as_str()
                == "POLICY_ALLOW"
        },
    );
    let hit = "a".repeat(4095) + "b";
    let ctx_hit: Vec<(&str, &str)> = keys.iter().map(|k| (k.as_str(), hit.as_str())).collect();
    measure("pathological (a^4095 b: match)", rounds, iters, || {
        let c: &[(&str, &str)] = &ctx_hit;
        p.decide(&Request::tool_call("read", &c, NOW))
            .reason
            .as_str()
            == "POLICY_ALLOW"
    });

    // a*a**a*a**…: both star classes, values full of '/'.
    let mixed = "a**".repeat(169) + "a*ab";
    assert_eq!(mixed.chars().count(), 511);
    eprintln!("mixed_slash:");
    let p = policy(&statements("StringNotLike", &mixed));
    let slashes = "a/".repeat(2047) + "ab";
    let ctx: Vec<(&str, &str)> = keys
        .iter()
        .map(|k| (k.as_str(), slashes.as_str()))
        .collect();
    measure("mixed stars, (a/)^2047 ab: no match", rounds, 1, || {
        let c: &[(&str, &str)] = &ctx;
        p.decide(&Request::tool_call("read", &c, NOW))
            .reason
            .as_str()
            == "POLICY_ALLOW"
    });

    // The usual shape.
    eprintln!("ordinary:");
    let pats = ["src/**/*.rs", "*.internal", "tool:read_*", "a?c*"];
    let st: Vec<String> = (0..16)
        .map(|i| {
            let pat = pats[i % pats.len()];
            format!(
                r#"{{"sid":"d{i}","effect":"Deny","actions":["tool:execute"],"resources":["*"],"conditions":{{"StringLike":{{"K{i}":"{pat}"}}}}}}"#
            )
        })
        .collect();
    let mut st = st;
    st.push(
        r#"{"sid":"allow","effect":"Allow","actions":["tool:execute"],"resources":["*"]}"#
            .to_string(),
    );
    let p = policy(&st);
    let vals = [
        "lib/x/y/main.go",
        "api.example.com",
        "tool:write_file",
        "abd",
    ];
    let ctx: Vec<(&str, &str)> = keys[..16]
        .iter()
        .enumerate()
        .map(|(i, k)| (k.as_str(), vals[i % vals.len()]))
        .collect();
    measure("ordinary (16 short conditions)", rounds, 20_000, || {
        let c: &[(&str, &str)] = &ctx;
        p.decide(&Request::tool_call("read", &c, NOW))
            .reason
            .as_str()
            == "POLICY_ALLOW"
    });
}
