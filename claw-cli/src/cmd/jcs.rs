use crate::{exit, io, Failure};
use claw_core::json::{self, Limits};
use std::path::PathBuf;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// JSON file (stdin when absent or `-`).
    file: Option<PathBuf>,
    /// Accept integer literals beyond 2^53 as the nearest double (as JavaScript does).
    #[arg(long)]
    lenient_integers: bool,
}

pub fn run(a: Args) -> Result<u8, Failure> {
    let input = io::read_input(a.file.as_deref())?;
    let limits = Limits {
        max_bytes: io::MAX_INPUT_BYTES as usize,
        exact_integers: !a.lenient_integers,
        ..Limits::STRICT
    };
    let out = json::canonicalize_bytes(&input, &limits).map_err(|e| Failure::input(e.into()))?;
    io::write_stdout(&out)?;
    Ok(exit::OK)
}
