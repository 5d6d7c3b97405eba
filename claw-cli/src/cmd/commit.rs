//! `claw commit verify`: a commit signature file (`message_signature` over `commit:<sha>`,
//! or a `commit_proof` envelope), docs/SPEC.md §11.1.

use crate::{exit, io, Failure};
use claw_core::evidence::{commit_failure_json, verify_commit_signature};
use std::path::PathBuf;

#[derive(clap::Subcommand, Debug)]
pub enum Command {
    /// Verify a commit signature file offline. Exit 0 valid, 3 invalid.
    Verify(VerifyArgs),
}

#[derive(clap::Args, Debug)]
pub struct VerifyArgs {
    /// The signature file (`commit.sig.json`), or `-` for stdin.
    file: PathBuf,
    /// Print the verification as JSON (also on failure, with exit 3).
    #[arg(long)]
    json: bool,
}

pub fn run(cmd: Command) -> Result<u8, Failure> {
    match cmd {
        Command::Verify(a) => verify(a),
    }
}

fn verify(a: VerifyArgs) -> Result<u8, Failure> {
    let bytes = io::read_input(Some(&a.file))?;
    match verify_commit_signature(&bytes) {
        Ok(v) if a.json => {
            io::print_line(&v.to_json().to_string())?;
            Ok(exit::OK)
        }
        Ok(v) => {
            let mut line = format!(
                "PASS  commit {} signed by {} ({})",
                v.commit_sha,
                claw_core::escape::escape(&v.signer_did),
                v.form.as_str()
            );
            if let Some(r) = &v.repository {
                line.push_str(&format!(" repository {}", claw_core::escape::escape(r)));
            }
            io::print_line(&line)?;
            Ok(exit::OK)
        }
        Err(e) if a.json => {
            io::print_line(&commit_failure_json(&e).to_string())?;
            Ok(exit::VERIFY_FAILED)
        }
        Err(e) => Err(Failure::new(
            exit::VERIFY_FAILED,
            e.reason_code(),
            e.to_string(),
        )),
    }
}
