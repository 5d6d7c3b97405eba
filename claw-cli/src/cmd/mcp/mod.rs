//! `claw mcp`: the policy at the MCP boundary (docs/SPEC.md §10). `wrap` is an MCP proxy
//! over stdio: the client starts it instead of the server, it starts the server as a child
//! and relays JSON-RPC both ways, deciding every `tools/call` with the signed WPC, filtering
//! `tools/list`, and recording decisions, listings and tool receipts into a run directory.
//! The rules live in `claw_core::mcp`; this module does the I/O.

mod gate;
mod http;
mod http_routes;
mod lines;
mod lock;
mod stdio;

use std::path::PathBuf;

use crate::Failure;

#[derive(clap::Subcommand, Debug)]
pub enum Command {
    /// Run an MCP server behind the policy: `claw mcp wrap --wpc P --signer DID -- npx SERVER`.
    /// Exits with the server's exit code.
    Wrap(WrapArgs),
    /// The same proxy over the Streamable HTTP transport: listen on ADDR, serve each upstream
    /// MCP server on its own route (POST /mcp/NAME) and relay to it. Runs until killed.
    ServeHttp(ServeHttpArgs),
}

#[derive(clap::Args, Debug)]
pub struct WrapArgs {
    #[command(flatten)]
    pub gate: GateArgs,
    /// The server command and its arguments (after `--`).
    #[arg(last = true, required = true, value_name = "COMMAND")]
    pub command: Vec<String>,
}

#[derive(clap::Args, Debug)]
pub struct ServeHttpArgs {
    #[command(flatten)]
    pub gate: GateArgs,
    /// Where to listen (host:port; port 0 picks one, printed on stdout as one JSON line).
    #[arg(long, default_value = "127.0.0.1:0")]
    pub listen: String,
    /// An upstream MCP server's Streamable HTTP endpoint (repeatable): NAME=http://host:port/path
    /// is served at /mcp/NAME, NAME being its `Mcp:Server` context key; a bare URL is served
    /// at /mcp under --server-name.
    #[arg(long, value_name = "NAME=URL", required = true)]
    pub upstream: Vec<String>,
    /// How long a client may take to send a whole request (head and body), in seconds;
    /// past it the request is answered 408 `REQUEST_TIMEOUT`.
    #[arg(long, value_name = "SECONDS", default_value_t = 30,
          value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub request_timeout: u64,
}

/// What both transports decide and record with.
#[derive(clap::Args, Debug)]
pub struct GateArgs {
    /// The signed policy (WPC envelope) every tools/call is decided with.
    #[arg(long, value_name = "ENVELOPE")]
    pub wpc: PathBuf,
    /// The policy's trusted signer (repeatable).
    #[arg(long = "signer", value_name = "DID", required = true)]
    pub signer: Vec<String>,
    /// The server's name: the `Mcp:Server` context key of every decision, and the name in
    /// the recorded listings.
    #[arg(long, default_value = "mcp")]
    pub server_name: String,
    /// Record decisions, listings and tool receipts into this run directory (started here
    /// unless it already holds a run under the same policy); build the bundle afterwards with
    /// `claw bundle build --run-dir DIR`.
    #[arg(long, value_name = "DIR", requires = "agent_key")]
    pub run_dir: Option<PathBuf>,
    /// The agent's private JWK (signs the tool receipts).
    #[arg(long, value_name = "K.jwk", requires = "run_dir")]
    pub agent_key: Option<PathBuf>,
    /// Incident overrides (docs/SPEC.md §4.10), re-read when the file changes: a change applies
    /// to the next call. While the file is unreadable or invalid every call is denied.
    #[arg(long, value_name = "FILE")]
    pub overrides: Option<PathBuf>,
    /// A scoped token (compact JWS or @FILE; default: the CLAW_MCP_CST environment variable),
    /// validated when the proxy starts (pinned to the policy) and again once it has expired.
    #[arg(long, value_name = "TOKEN|@FILE", requires = "run_dir")]
    pub cst: Option<String>,
    /// The token's trusted issuer: a did:key or a public JWK file (repeatable).
    #[arg(long = "cst-issuer", value_name = "DID|FILE")]
    pub cst_issuer: Vec<String>,
    /// The audience the token must name (default: the server name).
    #[arg(long, value_name = "AUD")]
    pub cst_aud: Option<String>,
    /// Refuse to start without a scoped token even when the policy does not require one.
    #[arg(long)]
    pub require_cst: bool,
    /// The largest JSON-RPC message accepted either way, in bytes.
    #[arg(long, default_value_t = claw_core::mcp::DEFAULT_MAX_MESSAGE_BYTES)]
    pub max_message_bytes: usize,
    /// How long the server may take to answer the proxy's own `tools/list` (each page),
    /// in seconds; past it, the calls waiting for the listing are refused
    /// (`MCP_TOOL_LISTING_UNAVAILABLE`) and the next call lists again.
    #[arg(long, value_name = "SECONDS", default_value_t = 30,
          value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub listing_timeout: u64,
}

pub fn run(cmd: Command) -> Result<u8, Failure> {
    match cmd {
        Command::Wrap(a) => stdio::wrap(a),
        Command::ServeHttp(a) => http::serve(a),
    }
}

/// One line on stderr, the CLI's error format: what a proxy drops or refuses on its own.
/// The message can quote a peer's bytes: control and bidi characters are escaped (§12.4).
fn note(reason: &str, message: &str) {
    eprintln!("claw: {reason}: {}", claw_core::escape::escape(message));
}
