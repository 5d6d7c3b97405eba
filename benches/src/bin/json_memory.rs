//! Peak resident memory of the strict JSON parser per input byte, for hostile shapes (many
//! tiny values: nested brackets, empty containers, one-digit numbers, one-letter strings,
//! tiny objects) and for a genuine 100,000-receipt proof bundle; with the memory each value
//! was charged by `json::Budget` (what the parser refuses past
//! `MAX_MEMORY_PER_INPUT_BYTE` × input + `MEMORY_FLOOR_BYTES`).
//!
//! `cargo run --release --bin json_memory -- [MiB=8] [receipts=100000] [only]`, `only` one
//! shape name to measure it alone in a fresh process; with `UNBOUNDED=1` in the environment
//! the value is parsed with no budget (the parser before the budget existed). The peak is reset between measurements
//! by writing 5 to /proc/self/clear_refs (Linux). Results: ../BENCHMARKS.md.
use claw_benches::{bundle_bytes, status_kib, Mix};
use claw_core::json::{self, Budget, Limits};

/// `[item,item,…]` of about `bytes` bytes.
fn repeat(item: &str, bytes: usize) -> Vec<u8> {
    let n = bytes / (item.len() + 1);
    let mut out = Vec::with_capacity(bytes + 2);
    out.push(b'[');
    for i in 0..n {
        if i > 0 {
            out.push(b',');
        }
        out.extend_from_slice(item.as_bytes());
    }
    out.push(b']');
    out
}

/// Tiny objects with distinct keys.
fn objects(bytes: usize) -> Vec<u8> {
    let mut out = String::from("[");
    let mut i = 0usize;
    while out.len() < bytes {
        if i > 0 {
            out.push(',');
        }
        out.push_str(&format!("{{\"k{}\":0}}", i % 10));
        i += 1;
    }
    out.push(']');
    out.into_bytes()
}

fn main() {
    let mut args = std::env::args().skip(1);
    let mib: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(8);
    let receipts: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(100_000);
    let only = args.next();
    let size = mib << 20;
    let nested16 = format!("{}{}", "[".repeat(15), "]".repeat(15));
    #[allow(clippy::type_complexity)]
    let shapes: Vec<(&str, Box<dyn Fn(usize) -> Vec<u8>>)> = vec![
        ("nested16", Box::new(move |n| repeat(&nested16, n))),
        ("empty_arrays", Box::new(|n| repeat("[]", n))),
        ("empty_objects", Box::new(|n| repeat("{}", n))),
        ("digits", Box::new(|n| repeat("0", n))),
        ("letters", Box::new(|n| repeat("\"a\"", n))),
        ("tiny_objects", Box::new(objects)),
        (
            "bundle",
            Box::new(move |_| bundle_bytes(receipts, Mix::Mixed)),
        ),
    ];
    let limits = Limits::STRICT.with_max_bytes(usize::MAX);
    println!("| shape | input | verdict | charged / input | peak RSS / input |");
    println!("|---|---|---|---|---|");
    for (name, make) in shapes {
        if only.as_deref().is_some_and(|o| o != name) {
            continue;
        }
        let input = make(size);
        let _ = std::fs::write("/proc/self/clear_refs", "5");
        let base = status_kib("VmRSS:");
        // UNBOUNDED=1: parse with no memory budget, as the parser did before it had one.
        let parsed = if std::env::var_os("UNBOUNDED").is_some() {
            json::parse_within(&input, &limits, &mut Budget::with_limit(usize::MAX))
        } else {
            json::parse(&input, &limits)
        };
        let verdict = match parsed {
            Ok(v) => {
                drop(v);
                "parsed".to_string()
            }
            Err(e) => e.reason_code().to_string(),
        };
        let peak = status_kib("VmHWM:").saturating_sub(base) * 1024;
        // What the shape is charged (unbounded budget), on a 1 MiB sample of it (the ratio
        // does not depend on the size) so that no hostile shape is ever held whole.
        let sample = if name == "bundle" {
            input.clone()
        } else {
            make(1 << 20)
        };
        let mut unbounded = Budget::with_limit(usize::MAX);
        let charged = json::parse_within(&sample, &limits, &mut unbounded)
            .map(drop)
            .map(|()| unbounded.spent() as f64 / sample.len() as f64);
        let len = input.len() as f64;
        println!(
            "| {name} | {:.1} MiB | {verdict} | {} | {:.1}× |",
            len / 1048576.0,
            charged.map_or_else(|e| e.reason_code().to_string(), |c| format!("{c:.1}×")),
            peak as f64 / len
        );
    }
}
