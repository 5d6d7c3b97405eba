//! `claw completions SHELL` and `claw man`: generated from the same clap definition the parser
//! uses, so they cannot drift from the commands.

use crate::{exit, Failure};
use clap::CommandFactory;
use std::io::Write;

#[derive(clap::Args, Debug)]
pub struct CompletionsArgs {
    /// The shell to write completions for.
    #[arg(value_enum)]
    shell: clap_complete::Shell,
}

/// Writes the completion script for the shell to stdout
/// (e.g. `claw completions bash > /etc/bash_completion.d/claw`).
pub fn completions(a: CompletionsArgs) -> Result<u8, Failure> {
    let mut cmd = super::Cli::command();
    let mut out = Vec::new();
    clap_complete::generate(a.shell, &mut cmd, "claw", &mut out);
    write_stdout(&out)
}

/// Writes the man page, claw(1), as roff to stdout (`claw man > claw.1; man ./claw.1`).
pub fn man() -> Result<u8, Failure> {
    let cmd = super::Cli::command();
    let mut out = Vec::new();
    clap_mangen::Man::new(cmd)
        .render(&mut out)
        .map_err(|e| Failure::new(exit::IO, "IO_ERROR", format!("man page: {e}")))?;
    // One page for the whole tool: each subcommand's usage and options follow the main page.
    for sub in super::Cli::command().get_subcommands() {
        render_sub(&mut out, "claw", sub)?;
    }
    write_stdout(&out)
}

fn render_sub(out: &mut Vec<u8>, parent: &str, cmd: &clap::Command) -> Result<(), Failure> {
    let name = format!("{parent} {}", cmd.get_name());
    if cmd.has_subcommands() {
        for sub in cmd.get_subcommands() {
            render_sub(out, &name, sub)?;
        }
        return Ok(());
    }
    let page = clap_mangen::Man::new(cmd.clone().bin_name(name.clone()));
    let err = |e: std::io::Error| Failure::new(exit::IO, "IO_ERROR", format!("man page: {e}"));
    writeln!(out, ".SH \"{}\"", name.to_uppercase()).map_err(err)?;
    page.render_synopsis_section(out).map_err(err)?;
    page.render_description_section(out).map_err(err)?;
    page.render_options_section(out).map_err(err)?;
    Ok(())
}

fn write_stdout(bytes: &[u8]) -> Result<u8, Failure> {
    let mut stdout = std::io::stdout().lock();
    stdout
        .write_all(bytes)
        .and_then(|()| stdout.flush())
        .map_err(|e| Failure::new(exit::IO, "IO_ERROR", format!("stdout: {e}")))?;
    Ok(exit::OK)
}
