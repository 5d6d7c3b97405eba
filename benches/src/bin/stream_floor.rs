//! The floor of a streaming verifier (issue 15), beside what the verifier does today, one
//! measurement per process: **tree** parses the whole 100k-receipt bundle into a
//! `serde_json::Value` on 2 threads, hashes the payload's serialization and frees the tree
//! on 2 threads; **deferred** parses the bundle with its event chain and receipt arrays left
//! unparsed (`json::parse_deferring`), then streams the payload's hash with each
//! element parsed strictly, hashed and dropped in turn (`json::HashStream`, in the JavaScript key order proof-bundle hashes use), on one thread,
//! and checks it against the envelope's signed `payload_hash_b64u`.
//!
//! `cargo run --release --bin stream_floor -- [receipts=100000] tree|deferred`
use claw_benches::{bundle_bytes, status_kib, Mix};
use claw_core::json::{self, HashStream, KeyOrder, Limits};
use std::time::Instant;

use claw_core::evidence::PROOF_BUNDLE_BIG_ARRAYS as BIG;

fn main() {
    let mut a = std::env::args().skip(1);
    let n: usize = a.next().and_then(|x| x.parse().ok()).unwrap_or(100_000);
    let mode = a.next().unwrap_or_else(|| "tree".into());
    let bytes = bundle_bytes(n, Mix::Mixed);
    let base = status_kib("VmRSS:");
    let limits = Limits {
        max_bytes: 1 << 30,
        max_depth: 64,
        exact_integers: true,
    };
    let resettable = std::fs::write("/proc/self/clear_refs", "5").is_ok();
    let t = Instant::now();
    let hash = match mode.as_str() {
        "tree" => tree(&bytes, &limits),
        "deferred" => deferred(&bytes, &limits),
        other => {
            eprintln!("unknown mode {other:?}: tree or deferred");
            std::process::exit(2);
        }
    };
    let secs = t.elapsed().as_secs_f64();
    let above = status_kib("VmHWM:").saturating_sub(base) as f64 / 1024.0;
    let input = bytes.len() as f64 / (1024.0 * 1024.0);
    println!(
        "{mode}: {secs:.3} s, peak RSS above the loaded bundle {above:.1} MiB = {:.2}x of {input:.1} MiB{}; payload hash {hash}",
        above / input,
        if resettable { "" } else { " (peak not reset)" },
    );
}

fn tree(bytes: &[u8], limits: &Limits) -> String {
    let v = json::parse_with_threads(bytes, limits, 2).expect("the bundle parses");
    let h = json::sha256_of(&v["payload"], KeyOrder::JavaScript).expect("serializable");
    json::drop_with_threads(v, 2);
    claw_core::b64::encode(h)
}

fn deferred(bytes: &[u8], limits: &Limits) -> String {
    let paths: Vec<[&str; 2]> = BIG.iter().map(|k| ["payload", *k]).collect();
    let paths: Vec<&[&str]> = paths.iter().map(|p| &p[..]).collect();
    let (env, found) = json::parse_deferring(bytes, limits, &paths).expect("the skeleton parses");
    let payload = env["payload"].as_object().expect("a payload object");
    let mut s = HashStream::new(KeyOrder::JavaScript);
    s.begin_object().expect("in place");
    for k in s.members(payload) {
        s.key(k).expect("in place");
        match found.iter().find(|d| d.path()[1] == k) {
            Some(d) => {
                s.begin_array().expect("in place");
                for i in 0..d.len() {
                    let v = d.element(bytes, i, limits).expect("in range");
                    s.value(&v.expect("the element parses")).expect("serializable");
                }
                s.end().expect("in place");
            }
            None => s.value(&payload[k]).expect("serializable"),
        }
    }
    s.end().expect("in place");
    let h = claw_core::b64::encode(s.finish().expect("closed"));
    assert_eq!(
        Some(h.as_str()),
        env["payload_hash_b64u"].as_str(),
        "the streamed hash is the signed one"
    );
    h
}
