//! `claw`: the command-line front of claw-core. All file and clock access lives here; every
//! rule lives in the core.
//!
//! Exit codes (stable, documented in the README):
//! 0 success / allow / valid, 1 I/O error, 2 bad input, 3 verification failed,
//! 4 decision deny, 5 decision approval required, 6 audit found a critical issue.

mod cmd;
mod io;
mod progress;
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
    // With `--json` anywhere on the command line, errors are JSON too (one line on stderr).
    let json = std::env::args_os().skip(1).any(|a| a == "--json");
    let cli = match cmd::Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) if json && e.use_stderr() => {
            let first = e.to_string();
            let first = first.lines().next().unwrap_or_default();
            let msg = first.strip_prefix("error: ").unwrap_or(first);
            return report(&Failure::new(exit::BAD_INPUT, "USAGE_ERROR", msg), true);
        }
        Err(e) => e.exit(),
    };
    match cmd::run(cli) {
        Ok(code) => ExitCode::from(code),
        Err(f) => report(&f, json),
    }
}

/// Prints a failure on stderr: `claw: REASON_CODE: message`, or with `--json` one line
/// `{"error":"message","reason_code":"REASON_CODE","exit_code":N}`; returns its exit code.
fn report(f: &Failure, json: bool) -> ExitCode {
    // One line, no secrets: the reason code first so scripts can match on it; control and bidi
    // characters from outside escaped (docs/SPEC.md §12.4). JSON output escapes by itself.
    let msg = if json {
        f.message.replace('\n', " ")
    } else {
        claw_core::escape::escape(&f.message).into_owned()
    };
    if json {
        let v = serde_json::json!({"error": msg, "reason_code": f.reason, "exit_code": f.code});
        eprintln!("{v}");
    } else {
        eprintln!("claw: {}: {}", f.reason, msg);
    }
    ExitCode::from(f.code)
}
