//! Subcommands. Each module parses its arguments, reads files, calls the core, and prints.

mod bundle;
mod commit;
mod common;
mod cst;
mod docs;
mod jcs;
mod keygen;
mod mcp;
mod openclaw;
mod receipt;
mod refcli;
mod run;
mod wpc;

use crate::Failure;
use clap::{Parser, Subcommand};

/// claw: permissioned execution for AI agents.
#[derive(Parser, Debug)]
#[command(name = "claw", version, about, propagate_version = true)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Generate an Ed25519 key pair: PREFIX.jwk (mode 0600) and PREFIX.pub.jwk; prints the did:key.
    Keygen(keygen::Args),
    /// Print the RFC 8785 canonical form of a JSON document (no newline added).
    Jcs(jcs::Args),
    /// Work Policy Contracts: hash, compile, sign, verify, check.
    #[command(subcommand)]
    Wpc(wpc::Command),
    /// Scoped tokens (CST): issue and verify.
    #[command(subcommand)]
    Cst(cst::Command),
    /// Gateway receipts: sign.
    #[command(subcommand)]
    Receipt(receipt::Command),
    /// Record a run step by step into a run directory (start, tool, model, attach, approve,
    /// status).
    #[command(subcommand)]
    Run(run::Command),
    /// Proof bundles: build, verify, prove, check-proof, pulse, report.
    #[command(subcommand)]
    Bundle(bundle::Command),
    /// OpenClaw: audit a config against a signed WPC, print the tightest tool config.
    #[command(subcommand)]
    Openclaw(openclaw::Command),
    /// Print shell completions (bash, zsh, fish, elvish, powershell) to stdout.
    Completions(docs::CompletionsArgs),
    /// Print the man page, claw(1), as roff to stdout.
    Man,
    /// MCP: run an MCP server behind the policy (`claw mcp wrap … -- COMMAND`).
    #[command(subcommand)]
    Mcp(mcp::Command),
    /// Commit signatures: verify (`message_signature` over `commit:<sha>`, `commit_proof`).
    #[command(subcommand)]
    Commit(commit::Command),
    /// The reference CLI's syntax and exit codes (0 PASS, 1 FAIL, 2 ERROR):
    /// `claw verify proof-bundle --input FILE [--urm FILE] [--config FILE] [--json]`.
    #[command(subcommand)]
    Verify(refcli::Command),
}

/// Run the parsed command; returns the exit code on success paths (allow/deny/...).
pub fn run(cli: Cli) -> Result<u8, Failure> {
    match cli.command {
        Command::Keygen(a) => keygen::run(a),
        Command::Jcs(a) => jcs::run(a),
        Command::Cst(c) => cst::run(c),
        Command::Openclaw(c) => openclaw::run(c),
        Command::Wpc(c) => wpc::run(c),
        Command::Receipt(c) => receipt::run(c),
        Command::Run(c) => run::run(c),
        Command::Bundle(c) => bundle::run(c),
        Command::Completions(a) => docs::completions(a),
        Command::Man => docs::man(),
        Command::Mcp(c) => mcp::run(c),
        Command::Commit(c) => commit::run(c),
        Command::Verify(c) => refcli::run(c),
    }
}
