//! The part of the `claw` CLI that other crates reach: the HTTP/1.1 framing of
//! `claw mcp serve-http` ([`http_wire`]), a parser of untrusted bytes that the fuzz targets
//! (`fuzz/fuzz_targets/http_framing.rs`) drive directly. Everything else of the CLI is the
//! binary (`src/main.rs`).
#![forbid(unsafe_code)]

pub mod http_wire;
