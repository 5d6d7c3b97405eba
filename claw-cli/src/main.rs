//! `claw`: the command-line front of claw-core. All file and clock access lives here; every
//! rule lives in the core.
//!
//! Exit codes (stable, documented in the README):
//! 0 success / allow / valid, 1 I/O error, 2 bad input, 3 verification failed,
//! 4 decision deny, 5 decision approval required, 6 audit found a critical issue.

mod cmd;
mod io;
mod report;

use clap::Parser;
use std::process::ExitCode;

/// Exit codes shared by every subcommand.
pub mod exit {
    pub const OK: u8 = 0;
    pub const IO: u8 = 1;
    pub const BAD_INPUT: u8 = 2;
    pub const VERIFY_FAILED: u8 = 3;
    pub const DENY: u8 = 4;
    pub const APPROVAL_REQUIRED: u8 = 5;
    pub const CRITICAL_FINDING: u8 = 6;
}

/// A failure to report: one line on stderr and an exit code.
#[derive(Debug)]
pub struct Failure {
    pub code: u8,
    pub reason: String,
    pub message: String,
}

impl Failure {
    pub fn new(code: u8, reason: impl Into<String>, message: impl Into<String>) -> Failure {
        Failure {
            code,
            reason: reason.into(),
            message: message.into(),
        }
    }

    /// Bad input carrying the core error's reason code.
    pub fn input(e: claw_core::Error) -> Failure {
        Failure::new(exit::BAD_INPUT, e.reason_code(), e.message())
    }

    /// A failed verification carrying the core error's reason code.
    pub fn verify(e: claw_core::Error) -> Failure {
        Failure::new(exit::VERIFY_FAILED, e.reason_code(), e.message())
    }
}

fn main() -> ExitCode {
    let cli = cmd::Cli::parse();
    match cmd::run(cli) {
        Ok(code) => ExitCode::from(code),
        Err(f) => {
            // One line, no secrets: the reason code first so scripts can match on it; control
            // and bidi characters from outside escaped (docs/SPEC.md §12.4).
            let msg = claw_core::escape::escape(&f.message);
            eprintln!("claw: {}: {}", f.reason, msg);
            ExitCode::from(f.code)
        }
    }
}
