//! `claw cst issue`, `claw cst verify` and `claw cst revoke`.

use crate::{exit, io, Failure};
use claw_core::cst::{
    self, Claims, KeySet, ReplayMode, Revocation, RevocationStore, StateError, ValidationOptions,
};
use claw_core::keys::{SigningKey, VerifyingKey};
use claw_store::{RedisState, StateConfig};
use std::path::PathBuf;

#[derive(clap::Subcommand, Debug)]
pub enum Command {
    /// Issue a scoped token; prints the compact JWS.
    Issue(IssueArgs),
    /// Validate a token; prints the verified claims as JSON, or exits 3 with the reason code.
    Verify(VerifyArgs),
    /// Revoke tokens in a shared state store (every instance using it refuses them).
    Revoke(RevokeArgs),
}

#[derive(clap::Args, Debug)]
pub struct RevokeArgs {
    /// The shared state: redis://, rediss://, redis+cluster://, redis+sentinel:// (SPEC §9).
    #[arg(long)]
    state: String,
    /// Revoke every token with this jti (repeatable).
    #[arg(long, allow_hyphen_values = true)]
    jti: Vec<String>,
    /// Revoke every token signed under this kid (repeatable).
    #[arg(long, allow_hyphen_values = true)]
    kid: Vec<String>,
    /// Revoke every token signed by this key: a did:key or a public JWK file (repeatable).
    #[arg(long)]
    key: Vec<String>,
    /// Revoke every token pinning this policy hash (repeatable).
    #[arg(long, allow_hyphen_values = true)]
    policy_hash: Vec<String>,
    /// Revoke one token: the compact token or @FILE (its SHA-256 is stored) (repeatable).
    #[arg(long, allow_hyphen_values = true)]
    token: Vec<String>,
    /// Revoke one token by its hash (64 hex digits, `token_hash`) (repeatable).
    #[arg(long)]
    token_hash: Vec<String>,
}

#[derive(clap::Args, Debug)]
pub struct IssueArgs {
    /// Issuer's private JWK file.
    #[arg(long)]
    key: PathBuf,
    /// Subject: the agent's DID.
    #[arg(long)]
    sub: String,
    /// Audience (repeatable).
    #[arg(long, required = true)]
    aud: Vec<String>,
    /// Scope entry: an action the token authorizes (repeatable).
    #[arg(long, required = true)]
    scope: Vec<String>,
    /// Pin the token to this policy hash.
    #[arg(long, allow_hyphen_values = true)]
    policy_hash: Option<String>,
    /// Bind the token to this job (mission_id).
    #[arg(long, allow_hyphen_values = true)]
    mission: Option<String>,
    /// Lifetime in seconds.
    #[arg(long, default_value_t = 600)]
    ttl: u64,
    /// Cap the lifetime at this many seconds (the policy's maximum TTL).
    #[arg(long)]
    max_ttl: Option<u64>,
    /// Issue as of this Unix time instead of now (for reproducible examples).
    #[arg(long)]
    now: Option<i64>,
    /// Print `{"token", "token_hash"}` (the reference's hex token hash) instead of the bare token.
    #[arg(long)]
    json: bool,
}

#[derive(clap::Args, Debug)]
pub struct VerifyArgs {
    /// The compact token, or @FILE to read it from a file.
    token: String,
    /// Trusted issuer: a public JWK file, a JWKS file, or a did:key (repeatable).
    #[arg(long, required = true)]
    issuer: Vec<String>,
    /// The audience this verifier serves.
    #[arg(long)]
    aud: String,
    /// The job being executed: the token's mission_id must equal it.
    #[arg(long, allow_hyphen_values = true)]
    mission: Option<String>,
    /// The policy hash the runtime enforces: a pinned token must pin exactly this.
    #[arg(long, allow_hyphen_values = true)]
    policy_hash: Option<String>,
    /// Require the token to pin a policy hash.
    #[arg(long)]
    require_pin: bool,
    /// The requested action: it must be in the token's scope.
    #[arg(long)]
    scope: Option<String>,
    /// Maximum lifetime (exp - iat) in seconds, from the policy.
    #[arg(long)]
    max_ttl: Option<u64>,
    /// Validate as of this Unix time instead of now.
    #[arg(long)]
    now: Option<i64>,
    /// Shared state (redis://...): consume the token's jti (one-time use, per the token's
    /// own mission_id: a second verify of the same token fails TOKEN_REPLAYED, whatever
    /// --mission says) and check the store's revocations. Unreachable store:
    /// STATE_STORE_UNAVAILABLE.
    #[arg(long)]
    state: Option<String>,
}

pub fn run(cmd: Command) -> Result<u8, Failure> {
    match cmd {
        Command::Issue(a) => issue(a),
        Command::Verify(a) => verify(a),
        Command::Revoke(a) => revoke(a),
    }
}

fn state_failure(e: StateError) -> Failure {
    let code = match e {
        StateError::Invalid(_) => exit::BAD_INPUT,
        _ => exit::IO,
    };
    Failure::new(code, e.reason_code(), e.to_string())
}

/// Open the state for one command: no background thread, the revocations read once. A
/// failed read is not reported here: the validation then fails with its reason code.
fn open_state(url: &str) -> Result<RedisState, Failure> {
    let mut cfg = StateConfig::default();
    cfg.background_sync = false;
    let state = RedisState::open_with(url, cfg).map_err(state_failure)?;
    let _ = state.sync_now();
    Ok(state)
}

fn revoke(a: RevokeArgs) -> Result<u8, Failure> {
    let mut entries: Vec<Revocation> = Vec::new();
    entries.extend(a.jti.into_iter().map(Revocation::Jti));
    entries.extend(a.kid.into_iter().map(Revocation::Kid));
    for k in &a.key {
        let key = if k.starts_with("did:") {
            VerifyingKey::from_did(k)
        } else {
            VerifyingKey::from_jwk(&io::read_text(std::path::Path::new(k))?)
        }
        .map_err(|e| Failure::input(e.into()))?;
        entries.push(Revocation::key(&key));
    }
    entries.extend(a.policy_hash.into_iter().map(Revocation::PolicyHash));
    for t in &a.token {
        entries.push(Revocation::TokenHash(cst::token_hash(
            &super::common::token_arg(t)?,
        )));
    }
    entries.extend(a.token_hash.into_iter().map(Revocation::TokenHash));
    if entries.is_empty() {
        return Err(Failure::new(
            exit::BAD_INPUT,
            "STATE_REQUEST_INVALID",
            "nothing to revoke: give --jti, --kid, --key, --policy-hash, --token or --token-hash",
        ));
    }
    for e in &entries {
        e.check().map_err(state_failure)?;
    }
    let mut cfg = StateConfig::default();
    cfg.background_sync = false;
    let state = RedisState::open_with(&a.state, cfg).map_err(state_failure)?;
    state.revoke(&entries).map_err(state_failure)?;
    io::print_line(&format!(
        "revoked {} entr{} in {}",
        entries.len(),
        if entries.len() == 1 { "y" } else { "ies" },
        state.address()
    ))?;
    Ok(exit::OK)
}

fn issue(a: IssueArgs) -> Result<u8, Failure> {
    let key_text = io::read_text(&a.key)?;
    let key = SigningKey::from_jwk(&key_text).map_err(|e| Failure::input(e.into()))?;
    let mut claims = Claims::new(a.sub, a.aud, a.scope);
    claims.policy_hash_b64u = a.policy_hash;
    claims.mission_id = a.mission;
    let mut opts = cst::IssueOptions::default();
    opts.max_ttl_seconds = a.max_ttl;
    let now = a.now.unwrap_or_else(io::now_secs);
    let issued = cst::issue_with(&key, &claims, a.ttl, now, &mut rand_core::OsRng, &opts)
        .map_err(|e| Failure::input(e.into()))?;
    if a.json {
        let out = serde_json::json!({
            "token": issued.token,
            "token_hash": cst::token_hash(&issued.token),
        });
        io::print_line(&out.to_string())?;
    } else {
        io::print_line(&issued.token)?;
    }
    Ok(exit::OK)
}

fn verify(a: VerifyArgs) -> Result<u8, Failure> {
    let token = super::common::token_arg(&a.token)?;
    let state = a.state.as_deref().map(open_state).transpose()?;
    let mut keys = KeySet::new();
    for issuer in &a.issuer {
        add_issuer(&mut keys, issuer)?;
    }
    let mut opts = ValidationOptions::new(&a.aud, "");
    opts.action = a.scope.as_deref();
    opts.job = a.mission.as_deref();
    opts.runtime_policy_hash = a.policy_hash.as_deref();
    opts.require_policy_pin = a.require_pin;
    opts.max_ttl_seconds = a.max_ttl;
    if let Some(state) = &state {
        opts.replay = ReplayMode::JtiOncePerJob(state);
        opts.revocations = Some(state);
    }
    let now = a.now.unwrap_or_else(io::now_secs);
    let verified =
        cst::validate(&token, &keys, &opts, now).map_err(|e| Failure::verify(e.into()))?;
    let claims = serde_json::Value::Object(verified.claims().to_json_object());
    io::print_line(&serde_json::to_string_pretty(&claims).unwrap_or_default())?;
    Ok(exit::OK)
}

/// An issuer is a did:key, or a file holding a JWK or a JWKS.
fn add_issuer(keys: &mut KeySet, issuer: &str) -> Result<(), Failure> {
    if issuer.starts_with("did:") {
        keys.insert_did(issuer)
            .map_err(|e| Failure::input(e.into()))?;
        return Ok(());
    }
    let text = io::read_text(std::path::Path::new(issuer))?;
    let value = claw_core::json::parse_str(&text).map_err(|e| Failure::input(e.into()))?;
    if let Some(set) = value.get("keys") {
        // Validate the whole set first (duplicate kids, shapes), then add its members.
        KeySet::from_jwks_value(&value).map_err(|e| Failure::input(e.into()))?;
        for jwk in set.as_array().into_iter().flatten() {
            keys.insert_jwk_value(jwk)
                .map_err(|e| Failure::input(e.into()))?;
        }
    } else {
        keys.insert_jwk_value(&value)
            .map_err(|e| Failure::input(e.into()))?;
    }
    Ok(())
}
