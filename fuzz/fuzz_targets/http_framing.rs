#![no_main]
//! `claw mcp serve-http`'s HTTP/1.1 framing (`claw_cli::http_wire`, docs/SPEC.md §10.6.1) on
//! arbitrary bytes: a request or response head, then its body by the one framing the head
//! states. Never a panic, never a head or body above its bound; a body read a few bytes at a
//! time as it arrives (as event streams are relayed) is exactly the body read whole.
//! The first byte chooses the mode: bit 0, a response (a body may run to the end); the rest,
//! the body bound (1 to 8,129 bytes).

use claw_cli::http_wire::{read_body, read_head, Body, MAX_HEAD_BYTES};
use libfuzzer_sys::fuzz_target;
use std::io::{Cursor, Read};

fuzz_target!(|data: &[u8]| {
    let Some((&mode, input)) = data.split_first() else {
        return;
    };
    let to_eof = mode & 1 == 1;
    let max = 1 + usize::from(mode >> 1) * 64;
    let mut r = Cursor::new(input);
    let Ok(head) = read_head(&mut r) else {
        return;
    };
    assert!(head.line.len() <= MAX_HEAD_BYTES);
    assert!(head
        .headers
        .iter()
        .all(|(k, _)| *k == k.to_ascii_lowercase()));
    let body_at = usize::try_from(r.position()).expect("within the input");
    let whole = read_body(&mut r, &head, max, to_eof);
    let Ok(whole) = whole else {
        return;
    };
    assert!(whole.len() <= max);
    let mut rest = Cursor::new(&input[body_at..]);
    let mut body = Body::new(&mut rest, &head, to_eof).expect("the head was accepted once");
    let mut pieces = Vec::new();
    let mut buf = [0u8; 7];
    loop {
        match body.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => pieces.extend_from_slice(&buf[..n]),
            Err(e) => panic!("read whole, but not as it arrives: {e}"),
        }
        assert!(pieces.len() <= whole.len());
    }
    assert_eq!(pieces, whole);
});
