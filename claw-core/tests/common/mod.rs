//! Helpers shared by the integration tests: where the shared vectors live.
#![allow(dead_code)]
#![allow(clippy::disallowed_methods)] // tests may read JSON with serde_json (clippy.toml)

use std::path::{Path, PathBuf};

/// The `shared/` folder beside the repository (or `$CLAW_SHARED_DIR`). Tests that need the
/// shared vectors fail loudly when it is missing rather than passing vacuously.
pub fn shared_dir() -> PathBuf {
    if let Ok(dir) = std::env::var("CLAW_SHARED_DIR") {
        return PathBuf::from(dir);
    }
    let mut here = Path::new(env!("CARGO_MANIFEST_DIR")).to_path_buf();
    loop {
        let candidate = here.join("shared");
        if candidate.join("vectors").is_dir() {
            return candidate;
        }
        let candidate = here.join("../shared");
        if candidate.join("vectors").is_dir() {
            return candidate;
        }
        if !here.pop() {
            panic!(
                "shared/ vectors not found above {}; set CLAW_SHARED_DIR",
                env!("CARGO_MANIFEST_DIR")
            );
        }
    }
}

/// Read a file under `shared/`.
pub fn read_shared(rel: &str) -> Vec<u8> {
    let p = shared_dir().join(rel);
    std::fs::read(&p).unwrap_or_else(|e| panic!("reading {}: {e}", p.display()))
}

/// Every file below `dir` (recursive), sorted, so tests never hard-code vector names.
pub fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap_or_else(|e| panic!("{}: {e}", d.display())) {
            let p = e.expect("dir entry").path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

/// Decode lowercase/uppercase hex (test vectors only).
pub fn hex(s: &str) -> Vec<u8> {
    assert!(s.len() % 2 == 0, "odd hex length");
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).expect("hex"))
        .collect()
}

/// Parse a shared JSON file with serde_json (test scaffolding, not the code under test).
pub fn shared_json(rel: &str) -> serde_json::Value {
    serde_json::from_slice(&read_shared(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

/// Parses the JSON file at `path`.
pub fn read_json(path: &Path) -> serde_json::Value {
    let text = std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{} is not JSON: {e}", path.display()))
}

/// Base64 alphabets (RFC 4648 §4 and §5), for the decoders below.
const B64_STD: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
const B64_URL: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/// Standard base64 with padding (RFC 4648 §4), as Go marshals `[]byte` in JSON.
pub fn b64_std_decode(s: &str) -> Vec<u8> {
    assert!(s.len() % 4 == 0, "unpadded base64 {s:?}");
    b64_decode(s.trim_end_matches('='), B64_STD)
}

/// Base64url without padding (RFC 4648 §5), as the clawsig fixtures use.
pub fn b64url_decode(s: &str) -> Vec<u8> {
    assert!(!s.contains('='), "padded base64url {s:?}");
    b64_decode(s, B64_URL)
}

fn b64_decode(s: &str, alphabet: &[u8; 64]) -> Vec<u8> {
    let mut out = Vec::with_capacity(s.len() * 3 / 4);
    let (mut acc, mut bits) = (0u32, 0u32);
    for c in s.bytes() {
        let v = alphabet
            .iter()
            .position(|&a| a == c)
            .unwrap_or_else(|| panic!("bad base64 character {:?} in {s:?}", c as char));
        acc = (acc << 6) | v as u32;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    assert!(bits < 6 && acc == 0, "non-canonical base64 tail in {s:?}");
    out
}
