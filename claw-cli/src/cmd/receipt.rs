//! `claw receipt sign`: what a gateway does after forwarding a model call.

use super::common::{now_ms, signing_key};
use crate::{exit, io, Failure};
use claw_core::evidence::{Binding, Gateway, ModelCall};
use std::path::PathBuf;

#[derive(clap::Subcommand, Debug)]
pub enum Command {
    /// Sign a gateway receipt for one model call; prints the `gateway_receipt` envelope.
    /// The request and response bytes are hashed, never embedded.
    Sign(SignArgs),
}

/// Hashes and ids are base64url and may start with `-`: those options take such values.
#[derive(clap::Args, Debug)]
pub struct SignArgs {
    /// The request bytes forwarded upstream.
    #[arg(long, value_name = "FILE")]
    request: PathBuf,
    /// The response bytes received.
    #[arg(long, value_name = "FILE")]
    response: PathBuf,
    /// Provider, e.g. anthropic.
    #[arg(long)]
    provider: String,
    /// Model name.
    #[arg(long)]
    model: String,
    /// Input tokens (at most 10,000,000).
    #[arg(long)]
    tokens_in: u64,
    /// Output tokens (at most 10,000,000).
    #[arg(long)]
    tokens_out: u64,
    /// Latency in milliseconds (at most 3,600,000).
    #[arg(long)]
    latency_ms: u64,
    /// Binding: the run id (X-Run-Id).
    #[arg(long, allow_hyphen_values = true)]
    run_id: String,
    /// Binding: the hash of the run's llm_call event (X-Event-Hash).
    #[arg(long, allow_hyphen_values = true)]
    event_hash: String,
    /// Binding: the idempotency nonce (X-Idempotency-Key).
    #[arg(long, allow_hyphen_values = true)]
    nonce: Option<String>,
    /// Binding: the policy hash the run executes under.
    #[arg(long, allow_hyphen_values = true)]
    policy_hash: Option<String>,
    /// Binding: the scoped token's token_scope_hash_b64u.
    #[arg(long, allow_hyphen_values = true)]
    token_scope_hash: Option<String>,
    /// Binding: the call's causal span (claw's recorder uses the llm_call event id).
    #[arg(long, allow_hyphen_values = true)]
    span_id: Option<String>,
    /// Binding: the parent span (the run's first model call).
    #[arg(long, allow_hyphen_values = true)]
    parent_span_id: Option<String>,
    /// The gateway's private JWK file.
    #[arg(long, value_name = "GATEWAY.jwk")]
    key: PathBuf,
    /// The gateway id written in the receipt.
    #[arg(long, default_value = "claw-gateway")]
    gateway_id: String,
    /// Issue the receipt at this Unix time in milliseconds instead of now.
    #[arg(long, value_name = "MS")]
    now_ms: Option<i64>,
}

pub fn run(cmd: Command) -> Result<u8, Failure> {
    let Command::Sign(a) = cmd;
    let key = signing_key(&a.key)?;
    let request = io::read_input(Some(&a.request))?;
    let response = io::read_input(Some(&a.response))?;
    let gateway = Gateway::new(&a.gateway_id, key).map_err(|e| Failure::input(e.into()))?;
    let binding = Binding {
        run_id: a.run_id,
        event_hash_b64u: a.event_hash,
        nonce: a.nonce,
        policy_hash: a.policy_hash,
        token_scope_hash_b64u: a.token_scope_hash,
        span_id: a.span_id,
        parent_span_id: a.parent_span_id,
    };
    let call = ModelCall {
        provider: &a.provider,
        model: &a.model,
        request: &request,
        response: &response,
        tokens_input: a.tokens_in,
        tokens_output: a.tokens_out,
        latency_ms: a.latency_ms,
        timestamp_ms: a.now_ms.unwrap_or_else(now_ms),
        metadata: None,
    };
    let env = gateway
        .sign_receipt(&call, Some(&binding), &mut rand_core::OsRng)
        .map_err(|e| Failure::input(e.into()))?;
    io::print_line(&env.to_json().map_err(|e| Failure::input(e.into()))?)?;
    Ok(exit::OK)
}
