//! Wall and CPU time of `verify_bundle` on an n-receipt bundle, batch+threads vs sequential,
//! interleaved so both modes see the same machine load.
//!
//! `cargo run --release --bin verify_timing -- [receipts=100000] [reps=5] [mixed|gateway] [batch|sequential|batch1]`
use claw_benches::{bundle_bytes, config, Mix};
use claw_core::evidence::{verify_bundle, SigMode};
use std::time::Instant;

/// User+system CPU seconds of this process (from /proc/self/stat; 0 where unavailable).
fn cpu_seconds() -> f64 {
    let Ok(s) = std::fs::read_to_string("/proc/self/stat") else {
        return 0.0;
    };
    // Fields after the parenthesised command name; utime and stime are the 12th and 13th.
    let rest = s.rsplit_once(')').map_or("", |x| x.1);
    let f: Vec<&str> = rest.split_whitespace().collect();
    let ticks = |i: usize| f.get(i).and_then(|x| x.parse::<f64>().ok()).unwrap_or(0.0);
    (ticks(11) + ticks(12)) / 100.0
}

fn loadavg() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .unwrap_or_default()
        .trim()
        .to_string()
}

fn main() {
    let mut args = std::env::args().skip(1);
    let n: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(100_000);
    let reps: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(5);
    let mix = args.next().map_or(Mix::Mixed, |m| {
        Mix::parse(&m).expect("mix: mixed or gateway")
    });
    let only = args.next();
    let bytes = bundle_bytes(n, mix);
    println!(
        "{n} receipts ({}), {} bytes, load {}",
        mix.name(),
        bytes.len(),
        loadavg()
    );
    let batch = config();
    let mut seq = config();
    seq.sig_mode = SigMode::Sequential;
    let mut batch1 = config();
    batch1.threads = 1;
    let mut times: [Vec<(f64, f64)>; 3] = [Vec::new(), Vec::new(), Vec::new()];
    for rep in 0..reps {
        for (m, (name, cfg)) in [("batch", &batch), ("sequential", &seq), ("batch1", &batch1)]
            .into_iter()
            .enumerate()
        {
            if only.as_deref().map_or(name == "batch1", |o| o != name) {
                continue;
            }
            let (c0, t0) = (cpu_seconds(), Instant::now());
            let v = verify_bundle(&bytes, cfg);
            let (wall, cpu) = (t0.elapsed().as_secs_f64(), cpu_seconds() - c0);
            assert!(v.valid, "{v:?}");
            println!(
                "rep {rep} {name:>10}: wall {wall:.3} s, cpu {cpu:.2} s, load {}",
                loadavg()
            );
            times[m].push((wall, cpu));
        }
    }
    let med = |v: &mut Vec<(f64, f64)>| {
        v.sort_by(|a, b| a.0.total_cmp(&b.0));
        (
            v.first().map_or(0.0, |x| x.0),
            v.get(v.len() / 2).map_or(0.0, |x| x.0),
        )
    };
    let (bmin, bmed) = med(&mut times[0]);
    let (smin, smed) = med(&mut times[1]);
    println!(
        "batch      min {bmin:.3} s median {bmed:.3} s = {:.0} receipts/s",
        n as f64 / bmed
    );
    println!(
        "sequential min {smin:.3} s median {smed:.3} s = {:.0} receipts/s",
        n as f64 / smed
    );
    if bmin > 0.0 && smin > 0.0 {
        println!(
            "speedup: min/min {:.2}x, median/median {:.2}x",
            smin / bmin,
            smed / bmed
        );
    }
}
