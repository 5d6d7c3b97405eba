//! Work Policy Contract tests: schema conformance, hashing, the decision table, authoring,
//! overrides and the runtime switch, reference fixtures, and property tests.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "../common/mod.rs"]
mod common;

mod authoring;
mod decide;
mod fixtures;
mod parse;
mod props;
mod resources;
mod runtime;
mod schema_walk;
mod util;
