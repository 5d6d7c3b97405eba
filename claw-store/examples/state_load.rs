//! Load generator for BENCHMARKS.md: validations per second and p50/p99 latency of
//! `cst::validate` in one-time mode (jti once per job) with the in-memory guard vs the
//! Redis guard + revocations, in 1 and 4 processes, in one run.
//!
//! `cargo run --release -p claw-store --example state_load -- [validations per process]`
//! starts its own redis-server on a free loopback port (stopped at the end). Each process
//! runs `threads` (= available cores) validating fresh tokens (issued before the clock
//! starts); every process starts at the same wall-clock instant.

use claw_core::cst::{self, Claims, InMemoryReplayGuard, KeySet, ReplayMode, ValidationOptions};
use claw_core::keys::SigningKey;
use claw_store::testing::RedisServer;
use claw_store::RedisState;
use std::io::Write;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

fn epoch_ms() -> u128 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis())
}

fn issuer() -> SigningKey {
    SigningKey::from_seed(&[0x42; 32])
}

fn worker(mode: &str, url: &str, n: usize, threads: usize, start_at: u128) {
    let now = (epoch_ms() / 1000) as i64;
    let mut c = Claims::new(
        "did:key:z6MkAgent",
        vec!["gw".into()],
        vec!["tool:run".into()],
    );
    c.mission_id = Some("job".into());
    let per = n / threads;
    let tokens: Vec<Vec<String>> = (0..threads)
        .map(|_| {
            (0..per)
                .map(|_| {
                    cst::issue(&issuer(), &c, 600, now, &mut rand_core::OsRng)
                        .unwrap()
                        .token
                })
                .collect()
        })
        .collect();
    let keys = KeySet::from_dids([issuer().verifying_key().did().as_str()]).unwrap();
    let mem = InMemoryReplayGuard::new(n * 2);
    let redis = (mode == "redis").then(|| {
        let s = RedisState::open(url).unwrap();
        s.wait_ready(Duration::from_secs(10)).unwrap();
        s
    });
    while epoch_ms() < start_at {
        std::thread::sleep(Duration::from_millis(1));
    }
    let lat: Vec<Vec<u32>> = std::thread::scope(|s| {
        let hs: Vec<_> = tokens
            .iter()
            .map(|ts| {
                let (keys, mem, redis) = (&keys, &mem, redis.as_ref());
                s.spawn(move || {
                    let mut out = Vec::with_capacity(ts.len());
                    for t in ts {
                        let mut o = ValidationOptions::new("gw", "tool:run");
                        o.job = Some("job");
                        match redis {
                            Some(r) => {
                                o.replay = ReplayMode::JtiOncePerJob(r);
                                o.revocations = Some(r);
                            }
                            None => o.replay = ReplayMode::JtiOncePerJob(mem),
                        }
                        let t0 = Instant::now();
                        cst::validate(t, keys, &o, now).unwrap();
                        out.push(t0.elapsed().as_micros().min(u32::MAX as u128) as u32);
                    }
                    out
                })
            })
            .collect();
        hs.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let end = epoch_ms();
    let mut o = std::io::stdout().lock();
    writeln!(o, "END {end}").unwrap();
    for l in lat.iter().flatten() {
        writeln!(o, "{l}").unwrap();
    }
}

fn run(mode: &str, url: &str, procs: usize, n: usize, threads: usize) -> (f64, u32, u32) {
    let start_at = epoch_ms() + 3000 + (n as u128 / 20);
    let exe = std::env::current_exe().unwrap();
    let children: Vec<_> = (0..procs)
        .map(|_| {
            Command::new(&exe)
                .env(
                    "CLAW_LOAD_WORKER",
                    format!("{mode} {url} {n} {threads} {start_at}"),
                )
                .stdout(Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    let mut lat = Vec::new();
    let mut end = 0u128;
    for c in children {
        let out = c.wait_with_output().unwrap();
        assert!(out.status.success());
        for line in String::from_utf8(out.stdout).unwrap().lines() {
            if let Some(e) = line.strip_prefix("END ") {
                end = end.max(e.parse().unwrap());
            } else {
                lat.push(line.parse::<u32>().unwrap());
            }
        }
    }
    lat.sort_unstable();
    let secs = (end - start_at) as f64 / 1000.0;
    let pct = |p: f64| lat[((lat.len() as f64 * p) as usize).min(lat.len() - 1)];
    (lat.len() as f64 / secs, pct(0.50), pct(0.99))
}

fn main() {
    if let Ok(args) = std::env::var("CLAW_LOAD_WORKER") {
        let a: Vec<&str> = args.split(' ').collect();
        worker(
            a[0],
            a[1],
            a[2].parse().unwrap(),
            a[3].parse().unwrap(),
            a[4].parse().unwrap(),
        );
        return;
    }
    let n: usize = std::env::args()
        .nth(1)
        .map_or(20_000, |s| s.parse().expect("validations per process"));
    let threads = std::thread::available_parallelism().map_or(2, |p| p.get());
    let server = RedisServer::start().expect("redis-server");
    let url = server.url();
    println!(
        "{n} validations per process, {threads} threads per process, redis-server on loopback"
    );
    println!("| guard | processes | validations/s | p50 µs | p99 µs | vs in-memory |");
    println!("|---|---|---|---|---|---|");
    for procs in [1, 4] {
        let (mem_rate, mem50, mem99) = run("memory", &url, procs, n, threads);
        let (r_rate, r50, r99) = run("redis", &url, procs, n, threads);
        println!("| in-memory | {procs} | {mem_rate:.0} | {mem50} | {mem99} | 100% |");
        println!(
            "| Redis (SET NX PX + revocation copy) | {procs} | {r_rate:.0} | {r50} | {r99} | {:.0}% |",
            100.0 * r_rate / mem_rate
        );
    }
    let mut c = server.connection().unwrap();
    let info: String = redis::cmd("INFO")
        .arg("commandstats")
        .query(&mut c)
        .unwrap();
    for l in info
        .lines()
        .filter(|l| l.starts_with("cmdstat_set:") || l.starts_with("cmdstat_mget:"))
    {
        println!("redis {l}");
    }
}
