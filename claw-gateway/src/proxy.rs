//! One request: route, authorize, enforce, forward, receipt (`docs/SPEC.md §8.3`).

use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use claw_core::evidence::Binding;
use claw_core::wpc::{self, Verdict};
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Incoming;
use hyper::header::{HeaderValue, CONTENT_ENCODING, CONTENT_TYPE};
use hyper::{HeaderMap, Method, Request, Response, StatusCode};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use tokio::sync::{mpsc, OwnedSemaphorePermit};

use crate::body::GwBody;
use crate::error::GatewayError;
use crate::receipt::{self, Call, CallResult, Outcome, Signed};
use crate::state::State;

/// Bound on a binding header value.
const MAX_BINDING_HEADER: usize = 256;
/// Bound on the model name.
const MAX_MODEL_BYTES: usize = 256;

/// Which upstream API a route speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Api {
    ChatCompletions,
    Responses,
    Messages,
}

impl Api {
    fn path(self) -> &'static str {
        match self {
            Api::ChatCompletions => "/v1/chat/completions",
            Api::Responses => "/v1/responses",
            Api::Messages => "/v1/messages",
        }
    }
}

/// A route.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Route {
    Health,
    Did,
    Metrics,
    Receipt(String),
    Proxy { provider: String, api: Option<Api> },
}

/// Match method and path to a route.
pub fn route(method: &Method, path: &str) -> Result<Route, GatewayError> {
    let nf = || GatewayError::NotFound(path.chars().take(256).collect());
    if method == Method::GET {
        return match path {
            "/health" => Ok(Route::Health),
            "/v1/did" => Ok(Route::Did),
            "/metrics" => Ok(Route::Metrics),
            _ => match path.strip_prefix("/v1/receipt/") {
                Some(n) if !n.is_empty() && !n.contains('/') => Ok(Route::Receipt(n.to_string())),
                _ => Err(nf()),
            },
        };
    }
    if method != Method::POST {
        return Err(nf());
    }
    let p = |provider: &str, api| {
        Ok(Route::Proxy {
            provider: provider.to_string(),
            api,
        })
    };
    match path {
        "/v1/chat/completions" => p("openai", Some(Api::ChatCompletions)),
        "/v1/responses" => p("openai", Some(Api::Responses)),
        "/v1/messages" => p("anthropic", Some(Api::Messages)),
        _ => match path.strip_prefix("/v1/proxy/") {
            Some(pr) if crate::config::valid_provider(pr) => p(pr, None),
            _ => Err(nf()),
        },
    }
}

fn json_response(status: StatusCode, v: &Value) -> Response<GwBody> {
    let body = serde_json::to_vec(v).unwrap_or_default();
    let mut r = Response::new(GwBody::full(body));
    *r.status_mut() = status;
    r.headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    r
}

/// The response for a refusal.
pub fn error_response(e: &GatewayError) -> Response<GwBody> {
    json_response(e.status(), &e.body())
}

/// Serve one request.
pub async fn handle(state: Arc<State>, req: Request<Incoming>) -> Response<GwBody> {
    let started = Instant::now();
    let method = req.method().clone();
    let path = req.uri().path().to_string();
    let res = match route(&method, &path) {
        Err(e) => Err(e),
        Ok(Route::Health) => {
            state.metrics.request("health");
            Ok(json_response(
                StatusCode::OK,
                &json!({"status": "ok", "version": env!("CARGO_PKG_VERSION"), "signingEnabled": true}),
            ))
        }
        Ok(Route::Did) => {
            state.metrics.request("did");
            Ok(did_response(&state))
        }
        Ok(Route::Metrics) => {
            state.metrics.request("metrics");
            let mut r = Response::new(GwBody::full(state.metrics.render()));
            r.headers_mut().insert(
                CONTENT_TYPE,
                HeaderValue::from_static("text/plain; version=0.0.4"),
            );
            Ok(r)
        }
        Ok(Route::Receipt(n)) => {
            state.metrics.request("receipt");
            receipt_lookup(&state, &n).await
        }
        Ok(Route::Proxy { provider, api }) => {
            state.metrics.request("proxy");
            proxy(&state, req, provider, api).await
        }
    };
    match res {
        Ok(r) => {
            tracing::info!(%method, %path, status = r.status().as_u16(), ms = started.elapsed().as_millis() as u64, "request");
            r
        }
        Err(e) => {
            state.metrics.decision(e.reason_code());
            tracing::info!(%method, %path, status = e.status().as_u16(), reason_code = e.reason_code(), ms = started.elapsed().as_millis() as u64, "refused");
            error_response(&e)
        }
    }
}

fn did_response(state: &State) -> Response<GwBody> {
    let vk = state.key.verifying_key();
    let kid = format!("{}#{}", state.did, vk.reference_kid());
    json_response(
        StatusCode::OK,
        &json!({
            "@context": ["https://www.w3.org/ns/did/v1", "https://w3id.org/security/suites/ed25519-2020/v1"],
            "id": state.did,
            "verificationMethod": [{
                "id": kid, "type": "Ed25519VerificationKey2020", "controller": state.did,
                "publicKeyMultibase": format!("u{}", claw_core::b64::encode(vk.to_bytes())),
            }],
            "authentication": [kid],
            "assertionMethod": [kid],
            "deployment": {
                "version": env!("CARGO_PKG_VERSION"), "signingEnabled": true,
                "encryptionEnabled": false, "runtime": "claw-gateway", "service": "claw-gateway",
                "receiptSignerDidKey": state.did, "gatewayId": state.gateway_id,
            },
        }),
    )
}

async fn receipt_lookup(state: &Arc<State>, key: &str) -> Result<Response<GwBody>, GatewayError> {
    crate::sink::check_key(key).map_err(|_| {
        GatewayError::bad(
            "INVALID_NONCE",
            "a nonce is 1..=256 characters of A-Z a-z 0-9 . _ : -",
        )
    })?;
    let st = state.clone();
    let k = key.to_string();
    let got = tokio::task::spawn_blocking(move || crate::sink::ReceiptSink::get(&st.sink, &k))
        .await
        .map_err(|e| GatewayError::Sink(crate::sink::SinkError::Invalid(e.to_string())))??;
    let bytes = got.ok_or_else(|| GatewayError::ReceiptNotFound(key.to_string()))?;
    let env = claw_core::json::parse(&bytes, &claw_core::json::Limits::STRICT)
        .map_err(|e| GatewayError::Sink(crate::sink::SinkError::Corrupt(e.to_string())))?;
    let payload = env.get("payload");
    let md = payload
        .and_then(|p| p.get("metadata"))
        .and_then(|m| m.get(receipt::METADATA_KEY));
    let b = payload.and_then(|p| p.get("binding"));
    Ok(json_response(
        StatusCode::OK,
        &json!({
            "ok": true,
            "nonce": key,
            "status": md.and_then(|m| m.get("upstream_status")).cloned().unwrap_or(Value::Null),
            "outcome": md.and_then(|m| m.get("outcome")).cloned().unwrap_or(Value::Null),
            "truncated": md.and_then(|m| m.get("outcome")).is_some_and(|o| o != "complete"),
            "receipt_envelope": env,
            "receipt": Value::Null,
            "binding": {
                "run_id": b.and_then(|b| b.get("run_id")).cloned().unwrap_or(Value::Null),
                "event_hash_b64u": b.and_then(|b| b.get("event_hash_b64u")).cloned().unwrap_or(Value::Null),
            },
        }),
    ))
}

fn header<'a>(h: &'a HeaderMap, name: &str) -> Result<Option<&'a str>, GatewayError> {
    // Given twice, a header has no one value: the gateway would bind, enforce and record the
    // first while a proxy in front of it, or a log, may have taken the other.
    if h.get_all(name).iter().nth(1).is_some() {
        return Err(GatewayError::bad(
            "INVALID_HEADER",
            format!("{name} is given more than once"),
        ));
    }
    match h.get(name) {
        None => Ok(None),
        Some(v) => {
            let s = v
                .to_str()
                .map_err(|_| GatewayError::bad("INVALID_HEADER", format!("{name} is not ASCII")))?
                .trim();
            if s.len() > MAX_BINDING_HEADER {
                return Err(GatewayError::bad(
                    "INVALID_HEADER",
                    format!("{name} is above {MAX_BINDING_HEADER} bytes"),
                ));
            }
            Ok((!s.is_empty()).then_some(s))
        }
    }
}

/// What the gateway reads of a request body: it must be a JSON object (strict parse) with a
/// string `model` and an optional boolean `stream`.
#[derive(Debug, Clone, PartialEq)]
pub struct CallBody {
    pub model: String,
    pub stream: bool,
    /// OpenAI Responses API shape (`input` without `messages`).
    pub responses_shape: bool,
    /// The first thing the body asks the provider to fetch or connect to on its own (a
    /// server-side tool, an MCP server, web search), described; `None` when it asks for
    /// nothing of the kind. Refused under an egress allowlist (`docs/SPEC.md §8.3` step 6).
    pub provider_fetch: Option<String>,
}

/// Read the call body (`docs/SPEC.md §8.3`).
pub fn inspect_request(body: &[u8], max_bytes: usize) -> Result<CallBody, GatewayError> {
    let v = claw_core::json::parse(
        body,
        &claw_core::json::Limits::STRICT.with_max_bytes(max_bytes),
    )
    .map_err(|e| GatewayError::bad("INVALID_REQUEST", format!("request body: {e}")))?;
    let o = v.as_object().ok_or_else(|| {
        GatewayError::bad("INVALID_REQUEST", "request body must be a JSON object")
    })?;
    // A member that a case-insensitive JSON reader takes for `model` or `stream` (Go's
    // encoding/json, behind which many OpenAI-compatible servers run, folds case and lets
    // the last such member win): the gateway would decide on one model while the provider
    // runs another. Only the exact spelling is accepted.
    for k in o.keys() {
        for name in ["model", "stream"] {
            if k != name && folds_to(k, name) {
                return Err(GatewayError::bad(
                    "INVALID_REQUEST",
                    format!("member {k:?}: only {name:?} is accepted in that spelling"),
                ));
            }
        }
    }
    let model = match o.get("model") {
        Some(Value::String(m)) if !m.is_empty() && m.len() <= MAX_MODEL_BYTES => m.clone(),
        _ => {
            return Err(GatewayError::bad(
                "INVALID_REQUEST",
                format!("model must be a string of 1..={MAX_MODEL_BYTES} bytes"),
            ))
        }
    };
    let stream = match o.get("stream") {
        None | Some(Value::Null) => false,
        Some(Value::Bool(b)) => *b,
        Some(_) => {
            return Err(GatewayError::bad(
                "INVALID_REQUEST",
                "stream must be a boolean",
            ))
        }
    };
    Ok(CallBody {
        model,
        stream,
        responses_shape: o.contains_key("input") && !o.contains_key("messages"),
        provider_fetch: provider_fetch(o),
    })
}

/// Top-level request members with which a provider reaches the network on its own:
/// Anthropic's MCP connector (`mcp_servers`), OpenAI Chat Completions' web search
/// (`web_search_options`).
const PROVIDER_FETCH_MEMBERS: [&str; 2] = ["mcp_servers", "web_search_options"];

/// Whether a `tools` entry's `type` names a tool the client runs (the provider only
/// describes the call): no type or `custom` (Anthropic's own tools), `function` and
/// `custom` (OpenAI), OpenAI's client-run `local_shell` and `computer_use_preview`, and
/// Anthropic's client tools `bash_`, `text_editor_`, `computer_`, `memory_` with their
/// 8-digit version. Every other type (`web_search_*`, `web_fetch_*`, `code_execution_*`,
/// `mcp_toolset`, `web_search_preview`, `file_search`, `mcp`, a type not known yet, ...) is
/// taken as one the provider runs.
fn client_tool_type(t: &str) -> bool {
    if matches!(
        t,
        "custom" | "function" | "local_shell" | "computer_use_preview"
    ) {
        return true;
    }
    ["bash_", "text_editor_", "computer_", "memory_"]
        .iter()
        .any(|p| {
            t.strip_prefix(p)
                .is_some_and(|v| v.len() == 8 && v.bytes().all(|b| b.is_ascii_digit()))
        })
}

/// The first part of a request body that asks the provider to fetch or connect on its own,
/// described (see [`CallBody::provider_fetch`]). Members are read as a case-folding JSON
/// reader reads them (Go's `encoding/json`, behind which many OpenAI-compatible servers run:
/// `"TOOLS"` is `tools` there), and a member given in two spellings is refused, since
/// readers differ on which one wins.
fn provider_fetch(o: &serde_json::Map<String, Value>) -> Option<String> {
    provider_fetch_in(o).unwrap_or_else(Some)
}

/// The value of `o`'s member `name` (lowercase ASCII) as a case-folding reader sees it: the
/// one member whose key folds to `name` ([`folds_to`]). `Err` when more than one does.
fn folded<'a>(
    o: &'a serde_json::Map<String, Value>,
    name: &str,
) -> Result<Option<&'a Value>, String> {
    let mut found = None;
    for (k, v) in o {
        if folds_to(k, name) {
            if found.is_some() {
                return Err(format!("member {name:?} given in more than one spelling"));
            }
            found = Some(v);
        }
    }
    Ok(found)
}

/// [`folded`] of a value that may not be an object (`None` then).
fn folded_in<'a>(v: &'a Value, name: &str) -> Result<Option<&'a Value>, String> {
    match v.as_object() {
        Some(o) => folded(o, name),
        None => Ok(None),
    }
}

fn provider_fetch_in(o: &serde_json::Map<String, Value>) -> Result<Option<String>, String> {
    for m in PROVIDER_FETCH_MEMBERS {
        if folded(o, m)?.is_some() {
            return Ok(Some(format!("member {m:?}")));
        }
    }
    if let Some(what) = content_by_url(o)? {
        return Ok(Some(what.to_string()));
    }
    Ok(match folded(o, "tools")? {
        None | Some(Value::Null) => None,
        Some(Value::Array(tools)) => {
            for (i, t) in tools.iter().enumerate() {
                let Some(t) = t.as_object() else {
                    return Ok(Some(format!("tools[{i}] is not an object")));
                };
                let what = match folded(t, "type")? {
                    None => None,
                    Some(Value::String(ty)) if client_tool_type(ty) => None,
                    Some(Value::String(ty)) => Some(format!(
                        "tools[{i}] of type {:?}",
                        ty.chars().take(64).collect::<String>()
                    )),
                    Some(_) => Some(format!("tools[{i}] has a type that is not a string")),
                };
                if what.is_some() {
                    return Ok(what);
                }
            }
            None
        }
        Some(_) => Some("member \"tools\" is not an array".to_string()),
    })
}

/// A content part the provider fetches from a URL itself: an Anthropic `image`/`document`
/// whose `source.type` is `url`, an OpenAI `image_url` (or Responses `input_image`) that is
/// not a `data:` URL, a Responses `input_file` with a `file_url`. Looked for in the parts of
/// `messages[*].content` (Anthropic `tool_result` contents included) and `input[*].content`
/// and in `input` items themselves; every other member is left alone.
fn content_by_url(o: &serde_json::Map<String, Value>) -> Result<Option<&'static str>, String> {
    fn not_data(u: &Value) -> bool {
        u.as_str()
            .is_none_or(|u| !u.get(..5).is_some_and(|p| p.eq_ignore_ascii_case("data:")))
    }
    fn part(p: &Value) -> Result<Option<&'static str>, String> {
        let Some(p) = p.as_object() else {
            return Ok(None);
        };
        let source_type = match folded(p, "source")? {
            Some(src) => folded_in(src, "type")?,
            None => None,
        };
        if source_type.is_some_and(|t| t == "url") {
            return Ok(Some("a content source of type \"url\""));
        }
        match folded(p, "image_url")? {
            None | Some(Value::Null) => {}
            Some(u @ Value::Object(_)) => {
                if folded_in(u, "url")?.is_some_and(not_data) {
                    return Ok(Some("an image_url that is not a data: URL"));
                }
            }
            Some(u) if not_data(u) => return Ok(Some("an image_url that is not a data: URL")),
            Some(_) => {}
        }
        if folded(p, "file_url")?.is_some_and(|u| !u.is_null()) {
            return Ok(Some("a file_url"));
        }
        // Anthropic tool results carry content parts of their own.
        if let Some(Value::Array(c)) = folded(p, "content")? {
            for x in c {
                if let Some(what) = part(x)? {
                    return Ok(Some(what));
                }
            }
        }
        Ok(None)
    }
    for k in ["messages", "input"] {
        if let Some(Value::Array(items)) = folded(o, k)? {
            for item in items {
                if let Some(what) = part(item)? {
                    return Ok(Some(what));
                }
            }
        }
    }
    Ok(None)
}

/// `anthropic-beta` flags that switch on tools the provider runs against the network
/// (prefixes of the flag names, which end in a date).
const PROVIDER_FETCH_BETAS: [&str; 5] = [
    "mcp-client-",
    "web-fetch-",
    "web-search-",
    "code-execution-",
    "skills-",
];

/// The first `anthropic-beta` flag (of every copy of the header) that switches on a tool the
/// provider runs against the network, or a header that cannot be read.
fn provider_fetch_beta(h: &HeaderMap) -> Option<String> {
    for v in h.get_all("anthropic-beta") {
        let Ok(s) = v.to_str() else {
            return Some("an anthropic-beta header that is not ASCII".to_string());
        };
        for flag in s.split(',').map(str::trim) {
            let lower = flag.to_ascii_lowercase();
            if PROVIDER_FETCH_BETAS.iter().any(|p| lower.starts_with(p)) {
                return Some(format!(
                    "anthropic-beta {:?}",
                    flag.chars().take(64).collect::<String>()
                ));
            }
        }
    }
    None
}

/// Whether `key` equals `name` (lowercase ASCII) under simple case folding as Go's
/// encoding/json applies it: ASCII case, and the two non-ASCII letters that fold to ASCII
/// ones (U+017F `ſ` to `s`, U+212A Kelvin sign to `k`).
fn folds_to(key: &str, name: &str) -> bool {
    let mut k = key.chars().map(|c| match c {
        '\u{17F}' => 's',
        '\u{212A}' => 'k',
        c => c.to_ascii_lowercase(),
    });
    let mut n = name.chars();
    loop {
        match (k.next(), n.next()) {
            (None, None) => return true,
            (Some(a), Some(b)) if a == b => {}
            _ => return false,
        }
    }
}

/// Token counts from a provider's JSON response (`usage.prompt_tokens`/`completion_tokens`
/// or `usage.input_tokens`/`output_tokens`); 0 when absent.
pub fn usage(v: &Value) -> (u64, u64) {
    let u = v.get("usage");
    let n = |a: &str, b: &str| {
        u.and_then(|u| u.get(a).or_else(|| u.get(b)))
            .and_then(Value::as_u64)
            .unwrap_or(0)
    };
    (
        n("prompt_tokens", "input_tokens"),
        n("completion_tokens", "output_tokens"),
    )
}

struct NonceGuard {
    state: Arc<State>,
    key: Option<String>,
}

impl Drop for NonceGuard {
    fn drop(&mut self) {
        if let Some(k) = self.key.take() {
            self.state
                .inflight
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .remove(&k);
        }
    }
}

async fn proxy(
    state: &Arc<State>,
    req: Request<Incoming>,
    provider: String,
    api: Option<Api>,
) -> Result<Response<GwBody>, GatewayError> {
    if state
        .shutting_down
        .load(std::sync::atomic::Ordering::Relaxed)
    {
        return Err(GatewayError::ShuttingDown);
    }
    let permit = state
        .permits
        .clone()
        .try_acquire_owned()
        .map_err(|_| GatewayError::Overloaded)?;
    let started = Instant::now();
    let started_ms = crate::now_ms();
    let now = started_ms / 1000;
    let (parts, body) = req.into_parts();
    let h = &parts.headers;
    // 1. The token, the binding headers, the policy hash.
    let token = crate::auth::token(h)?;
    let run_id = header(h, "x-run-id")?;
    let event_hash = header(h, "x-event-hash")?;
    let nonce = header(h, "x-idempotency-key")?;
    let span_id = header(h, "x-span-id")?;
    let parent_span_id = header(h, "x-parent-span-id")?;
    let policy_hash = header(h, "x-policy-hash")?
        .map(str::to_string)
        .or_else(|| state.config.policy_hash.clone());
    if let Some(n) = nonce {
        crate::sink::check_key(n).map_err(|_| {
            GatewayError::bad(
                "INVALID_NONCE",
                "X-Idempotency-Key is 1..=256 characters of A-Z a-z 0-9 . _ : -",
            )
        })?;
        // A nonce is kept to one request by the receipt stored under it (step 8). With no
        // sink nothing is stored: after the first call ended a second one with the same
        // nonce would pass, and a client could pick among several receipts that all carry
        // the binding's nonce. Refused rather than honoured only while a call is in flight.
        if state.sink.is_empty() {
            return Err(GatewayError::bad(
                "IDEMPOTENCY_KEY_UNSUPPORTED",
                "this gateway stores no receipts (no receipts_dir, receipts_log or state): \
                 it cannot keep X-Idempotency-Key to one request",
            ));
        }
    }
    // 2. The token (full cst rules), bound to the run and the policy.
    let claims = if state.shared.is_some() {
        crate::shared::validate(state, token, run_id, policy_hash.as_deref(), now).await?
    } else {
        crate::auth::validate(state, token, run_id, policy_hash.as_deref(), now)?
    };
    let upstream_base = state
        .config
        .upstreams
        .get(&provider)
        .ok_or_else(|| GatewayError::UnknownProvider(provider.clone()))?
        .clone();
    // 3. The body, bounded in size and time.
    let limit = state.config.limits.max_request_bytes;
    let body_timeout = state.config.limits.body_timeout_ms;
    let collected = tokio::time::timeout(
        Duration::from_millis(body_timeout),
        Limited::new(body, limit).collect(),
    )
    .await
    .map_err(|_| GatewayError::BodyTimeout(body_timeout))?
    .map_err(|e| {
        if e.is::<http_body_util::LengthLimitError>() {
            GatewayError::BodyTooLarge { limit }
        } else {
            GatewayError::bad("INVALID_REQUEST", "request body could not be read")
        }
    })?;
    let request_bytes = collected.to_bytes();
    let call_body = inspect_request(&request_bytes, limit)?;
    // 4. Policy and incident switches.
    let switches = state.switches.load();
    if let Some((code, detail)) = switches.deny(&provider, &call_body.model, policy_hash.as_deref())
    {
        return Err(GatewayError::Denied { code, detail });
    }
    let upstream_uri: hyper::Uri = {
        let path = match api {
            Some(a) => a.path(),
            None if provider == "anthropic" => Api::Messages.path(),
            None if call_body.responses_shape => Api::Responses.path(),
            None => Api::ChatCompletions.path(),
        };
        format!("{upstream_base}{path}")
            .parse()
            .map_err(|_| GatewayError::UnknownProvider(provider.clone()))?
    };
    let mut loaded = None;
    let enforced_policy = match &policy_hash {
        Some(hash) => {
            let p = state.policy(hash, now)?;
            enforce(
                &p,
                &provider,
                &call_body.model,
                upstream_uri.host().unwrap_or(""),
                now,
            )?;
            if egress_allowlisted(&p) {
                // The allowlist is checked on the upstream host only: a provider told to
                // search, fetch, run code or call an MCP server reaches hosts the gateway
                // never sees. Refused, not forwarded.
                let asked = call_body
                    .provider_fetch
                    .clone()
                    .or_else(|| provider_fetch_beta(h));
                if let Some(what) = asked {
                    return Err(GatewayError::Denied {
                        code: "PROVIDER_EGRESS_DENIED",
                        detail: format!(
                            "policy {} has an egress allowlist, and the request asks the provider to reach the network itself ({what}): server-side tools, MCP servers and web search are refused",
                            p.compiled.hash_b64u()
                        ),
                    });
                }
            }
            loaded = Some(p);
            Some(hash.clone())
        }
        None if state.config.require_policy => return Err(GatewayError::PolicyRequired),
        None => None,
    };
    // 4b. The policy's redaction rules and receipt privacy mode (WPC v1).
    let v1 = loaded.as_ref().and_then(|p| p.policy.as_v1());
    let privacy = privacy_mode(h, v1)?;
    let (request_bytes, redacted) = redact(request_bytes, v1, limit)?;
    state.metrics.decision("ALLOW");
    // 5. The binding the receipt will carry.
    let binding = match (run_id, event_hash) {
        (Some(r), Some(e)) => Some(Binding {
            run_id: r.to_string(),
            event_hash_b64u: e.to_string(),
            nonce: nonce.map(str::to_string),
            policy_hash: enforced_policy,
            token_scope_hash_b64u: claims.token_scope_hash_b64u.clone(),
            span_id: span_id.map(str::to_string),
            parent_span_id: parent_span_id.map(str::to_string),
        }),
        (None, None) if span_id.is_none() && parent_span_id.is_none() => None,
        _ => return Err(GatewayError::bad(
            "BINDING_INCOMPLETE",
            "X-Run-Id and X-Event-Hash go together (and X-Span-Id / X-Parent-Span-Id need them)",
        )),
    };
    if let Some(b) = &binding {
        if !claw_core::hash::is_b64u_sha256(&b.event_hash_b64u) {
            return Err(GatewayError::bad(
                "BINDING_INVALID",
                "X-Event-Hash must be a base64url SHA-256 (43 characters)",
            ));
        }
    }
    // 6. One request per idempotency key.
    let guard = NonceGuard {
        state: state.clone(),
        key: match nonce {
            Some(n) => {
                let fresh = state
                    .inflight
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .insert(n.to_string());
                if !fresh {
                    return Err(GatewayError::NonceReused(n.to_string()));
                }
                Some(n.to_string())
            }
            None => None,
        },
    };
    if let (Some(n), Some(sh)) = (nonce, &state.shared) {
        crate::shared::reserve(sh, n).await?;
    } else if let Some(n) = nonce {
        let st = state.clone();
        let k = n.to_string();
        let exists =
            tokio::task::spawn_blocking(move || crate::sink::ReceiptSink::get(&st.sink, &k))
                .await
                .map_err(|e| {
                    GatewayError::Sink(crate::sink::SinkError::Invalid(e.to_string()))
                })??;
        if exists.is_some() {
            return Err(GatewayError::NonceReused(n.to_string()));
        }
    }
    let call = Call {
        provider: provider.clone(),
        model: call_body.model.clone(),
        binding,
        nonce: nonce.map(str::to_string),
        stream: call_body.stream,
        started,
        started_ms,
        request_sha256: Sha256::digest(&request_bytes).into(),
        privacy,
        redacted,
    };
    // 7. Forward.
    let up_req = upstream_request(
        state,
        &parts.headers,
        &provider,
        upstream_uri,
        call_body.stream,
        request_bytes,
    )?;
    let read_timeout = Duration::from_millis(state.config.limits.upstream_read_timeout_ms);
    let t_up = Instant::now();
    let sent = tokio::time::timeout(read_timeout, state.upstream.client.request(up_req)).await;
    state.metrics.upstream_latency.observe(t_up.elapsed());
    let up = match sent {
        Ok(Ok(r)) => r,
        Ok(Err(e)) => {
            tracing::warn!(provider = %provider, error = %e, "upstream unreachable");
            return failed_call(
                state,
                &call,
                Outcome::UpstreamError,
                "PROVIDER_ERROR",
                "failed to reach the provider",
            )
            .await;
        }
        Err(_) => {
            return failed_call(
                state,
                &call,
                Outcome::UpstreamTimeout,
                "UPSTREAM_TIMEOUT",
                "the provider did not answer in time",
            )
            .await;
        }
    };
    let status = up.status();
    let is_sse = up
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|c| {
            c.trim_start()
                .to_ascii_lowercase()
                .starts_with("text/event-stream")
        });
    if call.stream && status.is_success() && is_sse && carries_body(status) && !encoded(&up) {
        return Ok(stream_response(
            state.clone(),
            call,
            up,
            permit,
            guard,
            read_timeout,
        ));
    }
    buffered_response(state, call, up, read_timeout).await
}

/// The receipt privacy mode of the call (`X-Receipt-Privacy-Mode`, the policy's
/// `receipt_privacy_mode`; `docs/SPEC.md §8.3` step 6).
fn privacy_mode(
    h: &HeaderMap,
    v1: Option<&wpc::WpcV1>,
) -> Result<wpc::ReceiptPrivacyMode, GatewayError> {
    let asked = header(h, "x-receipt-privacy-mode")?.and_then(wpc::ReceiptPrivacyMode::from_wire);
    Ok(wpc::receipt_privacy_mode(
        v1.and_then(|p| p.receipt_privacy_mode),
        asked,
    ))
}

/// Apply the policy's `redaction_rules` to the request body: the redacted body (compact
/// JSON, members in their order) is what is forwarded and hashed; a body no rule matches
/// is forwarded unchanged.
fn redact(
    body: Bytes,
    v1: Option<&wpc::WpcV1>,
    limit: usize,
) -> Result<(Bytes, bool), GatewayError> {
    let Some(rules) = v1
        .and_then(|p| p.redaction_rules.as_deref())
        .filter(|r| !r.is_empty())
    else {
        return Ok((body, false));
    };
    let mut v = claw_core::json::parse(
        &body,
        &claw_core::json::Limits::STRICT.with_max_bytes(limit),
    )
    .map_err(|e| GatewayError::bad("INVALID_REQUEST", format!("request body: {e}")))?;
    if !wpc::apply_redaction_rules(&mut v, rules) {
        return Ok((body, false));
    }
    let out = serde_json::to_vec(&v)
        .map_err(|e| GatewayError::bad("INVALID_REQUEST", format!("request body: {e}")))?;
    Ok((Bytes::from(out), true))
}

/// The policy's answer for this call: provider and model (`model:invoke`, resource the
/// model, `Model:Provider` the provider) and, for a v1 policy with an `egress_allowlist`,
/// the upstream host (`side_effect:network_egress`).
fn enforce(
    p: &crate::state::LoadedPolicy,
    provider: &str,
    model: &str,
    host: &str,
    now: i64,
) -> Result<(), GatewayError> {
    let mut ctx = std::collections::HashMap::new();
    ctx.insert("Model:Provider", provider);
    let d = p
        .compiled
        .decide(&wpc::Request::model_call(model, &ctx, now));
    if d.verdict != Verdict::Allow {
        return Err(GatewayError::Denied {
            code: d.reason.as_str(),
            detail: format!(
                "policy {} does not allow {provider} model {model:?}",
                p.compiled.hash_b64u()
            ),
        });
    }
    if egress_allowlisted(p) {
        let d = p.compiled.decide(&wpc::Request::egress(host, &ctx, now));
        if d.verdict != Verdict::Allow {
            return Err(GatewayError::Denied {
                code: d.reason.as_str(),
                detail: format!(
                    "policy {} does not allow egress to {host:?}",
                    p.compiled.hash_b64u()
                ),
            });
        }
    }
    Ok(())
}

/// Whether the policy is v1 with a non-empty `egress_allowlist`.
fn egress_allowlisted(p: &crate::state::LoadedPolicy) -> bool {
    p.policy
        .as_v1()
        .and_then(|v| v.egress_allowlist.as_ref())
        .is_some_and(|l| !l.is_empty())
}

fn upstream_request(
    state: &State,
    client: &HeaderMap,
    provider: &str,
    uri: hyper::Uri,
    stream: bool,
    body: Bytes,
) -> Result<Request<Full<Bytes>>, GatewayError> {
    let mut b = Request::builder()
        .method(Method::POST)
        .uri(uri)
        .header(CONTENT_TYPE, "application/json");
    let accept = client
        .get(hyper::header::ACCEPT)
        .cloned()
        .unwrap_or_else(|| {
            HeaderValue::from_static(if stream {
                "text/event-stream"
            } else {
                "application/json"
            })
        });
    b = b.header(hyper::header::ACCEPT, accept);
    let anthropic = provider == "anthropic";
    let key = state.provider_key(provider);
    let passed = client
        .get("x-provider-api-key")
        .and_then(|v| v.to_str().ok())
        .map(|v| {
            v.trim()
                .strip_prefix("Bearer ")
                .unwrap_or(v.trim())
                .to_string()
        });
    if anthropic {
        let k = key.or(passed).or_else(|| {
            client
                .get("x-api-key")
                .and_then(|v| v.to_str().ok())
                .map(str::to_string)
        });
        if let Some(k) = k {
            b = b.header("x-api-key", k);
        }
        let ver = client
            .get("anthropic-version")
            .cloned()
            .unwrap_or_else(|| HeaderValue::from_static("2023-06-01"));
        b = b.header("anthropic-version", ver);
        if let Some(beta) = client.get("anthropic-beta") {
            b = b.header("anthropic-beta", beta.clone());
        }
    } else {
        match key.or(passed) {
            Some(k) => b = b.header(hyper::header::AUTHORIZATION, format!("Bearer {k}")),
            None => {
                if let Some(a) = client.get(hyper::header::AUTHORIZATION) {
                    b = b.header(hyper::header::AUTHORIZATION, a.clone());
                }
            }
        }
    }
    b.body(Full::new(body))
        .map_err(|_| GatewayError::bad("INVALID_HEADER", "a provider header is not valid"))
}

/// The upstream could not be reached or did not answer: a signed receipt saying so, in
/// the reference's error shape.
async fn failed_call(
    state: &Arc<State>,
    call: &Call,
    outcome: Outcome,
    code: &'static str,
    message: &str,
) -> Result<Response<GwBody>, GatewayError> {
    let r = CallResult {
        status: None,
        outcome,
        response_sha256: Sha256::digest(b"").into(),
        response_bytes: 0,
        tokens_input: 0,
        tokens_output: 0,
    };
    let signed = receipt::sign(state, call, &r)?;
    receipt::persist(state, &signed).await?;
    state.metrics.decision(code);
    let status = if outcome == Outcome::UpstreamTimeout {
        StatusCode::GATEWAY_TIMEOUT
    } else {
        StatusCode::BAD_GATEWAY
    };
    Ok(receipted_error(status, code, message, &signed))
}

/// A refusal carrying the call's receipts: `{"error":{"code","message"},"reason_code",
/// "_receipt","_receipt_envelope"}`, the receipts spliced in from their JSON texts.
pub fn receipted_error(
    status: StatusCode,
    code: &str,
    message: &str,
    s: &Signed,
) -> Response<GwBody> {
    let mut body = serde_json::to_vec(&json!({
        "error": {"code": code, "message": message},
        "reason_code": code,
    }))
    .unwrap_or_default();
    body.pop();
    body.reserve(s.legacy_json.len() + s.envelope_json.len() + 40);
    body.extend_from_slice(b",\"_receipt\":");
    body.extend_from_slice(&s.legacy_json);
    body.extend_from_slice(b",\"_receipt_envelope\":");
    body.extend_from_slice(&s.envelope_json);
    body.push(b'}');
    let mut r = Response::new(GwBody::full(body));
    *r.status_mut() = status;
    r.headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    r
}

/// Memory the strict parse of an upstream body of `len` bytes may take: the parser's usual
/// budget ([`claw_core::json::Budget::for_input`], 16 bytes per input byte plus 8 MiB), but
/// never more than 4 bytes per byte of `max_response_bytes` plus 8 MiB (`docs/SPEC.md §8.5`).
/// A body past its budget is relayed as text (`data`), its bytes whole.
fn response_parse_budget(len: usize, max_response_bytes: usize) -> claw_core::json::Budget {
    let usual = claw_core::json::Budget::for_input(len);
    let cap = max_response_bytes
        .saturating_mul(RESPONSE_PARSE_BYTES_PER_MAX_BYTE)
        .saturating_add(claw_core::json::MEMORY_FLOOR_BYTES);
    claw_core::json::Budget::with_limit(usual.limit().min(cap))
}

/// See [`response_parse_budget`].
const RESPONSE_PARSE_BYTES_PER_MAX_BYTE: usize = 4;

/// Merge the receipts into a JSON response: spliced into the provider's own bytes when it
/// is an object without `_receipt`/`_receipt_envelope` members, else rebuilt.
pub fn merge_receipt(
    body: &[u8],
    parsed: Option<&Value>,
    status: StatusCode,
    s: &Signed,
) -> Vec<u8> {
    merge_receipt_owned(body, parsed.cloned(), status, s)
}

/// [`merge_receipt`] taking the parsed body (no copy of it is made).
fn merge_receipt_owned(
    body: &[u8],
    parsed: Option<Value>,
    status: StatusCode,
    s: &Signed,
) -> Vec<u8> {
    let legacy = &s.legacy_json;
    let env = &s.envelope_json;
    if status.is_success() {
        if let Some(Value::Object(m)) = &parsed {
            if !m.contains_key("_receipt") && !m.contains_key("_receipt_envelope") {
                let end = body.len()
                    - body
                        .iter()
                        .rev()
                        .take_while(|b| b.is_ascii_whitespace())
                        .count();
                if end > 0 && body[end - 1] == b'}' {
                    let mut out = Vec::with_capacity(end + legacy.len() + env.len() + 40);
                    out.extend_from_slice(&body[..end - 1]);
                    if !m.is_empty() {
                        out.push(b',');
                    }
                    out.extend_from_slice(b"\"_receipt\":");
                    out.extend_from_slice(legacy);
                    out.extend_from_slice(b",\"_receipt_envelope\":");
                    out.extend_from_slice(env);
                    out.push(b'}');
                    return out;
                }
            }
        }
    }
    // The rest is written member by member (no second copy of the provider's value or
    // text): `{"data":TEXT,…}`, `{"error":BODY,"status":N,…}`, `{"error":{"raw":TEXT},…}`.
    let mut out = Vec::with_capacity(body.len() + legacy.len() + env.len() + 64);
    match (status.is_success(), parsed) {
        (true, Some(Value::Object(mut m))) => {
            m.insert("_receipt".into(), s.legacy.clone());
            m.insert("_receipt_envelope".into(), s.envelope.to_value());
            return serde_json::to_vec(&Value::Object(m)).unwrap_or_default();
        }
        (true, _) => {
            out.extend_from_slice(b"{\"data\":");
            json_string(&mut out, body);
        }
        (false, parsed) => {
            out.extend_from_slice(b"{\"error\":");
            match parsed {
                // The provider's own JSON (strictly parsed, so whole and valid).
                Some(v) => {
                    drop(v);
                    out.extend_from_slice(body.trim_ascii());
                }
                None => {
                    out.extend_from_slice(b"{\"raw\":");
                    json_string(&mut out, body);
                    out.push(b'}');
                }
            }
            out.extend_from_slice(format!(",\"status\":{}", status.as_u16()).as_bytes());
        }
    }
    out.extend_from_slice(b",\"_receipt\":");
    out.extend_from_slice(legacy);
    out.extend_from_slice(b",\"_receipt_envelope\":");
    out.extend_from_slice(env);
    out.push(b'}');
    out
}

/// The length of UTF-8 `text` written as a JSON string by [`json_string`].
fn json_string_len(text: &[u8]) -> usize {
    2 + text
        .iter()
        .map(|&b| match b {
            b'"' | b'\\' | 0x08 | 0x0c | b'\n' | b'\r' | b'\t' => 2,
            0..=0x1f => 6,
            _ => 1,
        })
        .sum::<usize>()
}

/// `text` (its invalid UTF-8 replaced by U+FFFD) as a JSON string, appended to `out`.
fn json_string(out: &mut Vec<u8>, text: &[u8]) {
    let t = String::from_utf8_lossy(text);
    let _ = serde_json::to_writer(&mut *out, &*t);
}

/// The next data chunk of an upstream body, each frame within `read_timeout`: `Ok(None)` at
/// the body's end, `Err` with the outcome when the upstream timed out or failed. Frames
/// that carry no data (trailers) are skipped.
async fn next_chunk(body: &mut Incoming, read_timeout: Duration) -> Result<Option<Bytes>, Outcome> {
    loop {
        match tokio::time::timeout(read_timeout, body.frame()).await {
            Err(_) => return Err(Outcome::UpstreamTimeout),
            Ok(None) => return Ok(None),
            Ok(Some(Err(_))) => return Err(Outcome::UpstreamError),
            Ok(Some(Ok(f))) => {
                if let Ok(d) = f.into_data() {
                    return Ok(Some(d));
                }
            }
        }
    }
}

/// Whether the upstream's body is coded (`Content-Encoding` other than `identity`).
fn encoded<B>(up: &Response<B>) -> bool {
    up.headers()
        .get_all(CONTENT_ENCODING)
        .iter()
        .flat_map(|v| v.as_bytes().split(|b| *b == b','))
        .map(|c| c.trim_ascii())
        .any(|c| !c.is_empty() && !c.eq_ignore_ascii_case(b"identity"))
}

/// Whether a response with this status may carry a body to the client: not a 1xx
/// (`101` would switch the client's connection to another protocol), not `204`, `205` or
/// `304` (HTTP drops their body, and with it the receipts).
fn carries_body(status: StatusCode) -> bool {
    !(status.is_informational()
        || status == StatusCode::NO_CONTENT
        || status == StatusCode::RESET_CONTENT
        || status == StatusCode::NOT_MODIFIED)
}

async fn buffered_response(
    state: &Arc<State>,
    call: Call,
    up: Response<Incoming>,
    read_timeout: Duration,
) -> Result<Response<GwBody>, GatewayError> {
    let status = up.status();
    // A coded body (gzip, …) was never asked for (the gateway sends no Accept-Encoding) and
    // is not decoded: relayed, the client would get bytes it cannot read (as text, mangled
    // beyond what the receipt's hash covers). Refused like a body that cannot be relayed.
    // (A non-2xx answer keeps its status: the client learns the call failed either way.)
    let coding = (status.is_success() && encoded(&up)).then(|| {
        up.headers()
            .get(CONTENT_ENCODING)
            .map(|v| {
                String::from_utf8_lossy(v.as_bytes())
                    .chars()
                    .take(64)
                    .collect::<String>()
            })
            .unwrap_or_default()
    });
    let max = state.config.limits.max_response_bytes;
    // Room for a declared length up front (within the bound): growing by doubling held the
    // old buffer and a new one twice its size at once.
    let declared = up
        .headers()
        .get(hyper::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok())
        .unwrap_or(0);
    let mut body = up.into_body();
    let mut buf: Vec<u8> = Vec::with_capacity(declared.min(max));
    let mut outcome = Outcome::Complete;
    loop {
        match next_chunk(&mut body, read_timeout).await {
            Err(o) => {
                outcome = o;
                break;
            }
            Ok(None) => break,
            Ok(Some(d)) => {
                if buf.len() + d.len() > max {
                    outcome = Outcome::ResponseTooLarge;
                    break;
                }
                buf.extend_from_slice(&d);
            }
        }
    }
    // A status that cannot carry the receipts to the client is not relayed: the call failed.
    let bodyless = !carries_body(status);
    // A 2xx body that is not UTF-8 cannot be relayed either: as `data` text it would reach
    // the client with its bad bytes replaced (bytes the receipt's hash does not cover).
    let not_text =
        status.is_success() && outcome == Outcome::Complete && std::str::from_utf8(&buf).is_err();
    if (bodyless || coding.is_some() || not_text) && outcome == Outcome::Complete {
        outcome = Outcome::UpstreamError;
    }
    let parsed = if outcome == Outcome::Complete {
        let mut budget = response_parse_budget(buf.len(), max);
        claw_core::json::parse_within(
            &buf,
            &claw_core::json::Limits::STRICT.with_max_bytes(max),
            &mut budget,
        )
        .ok()
    } else {
        None
    };
    // A 2xx body that is not a JSON object goes to the client as `data` text: at most twice
    // `max_response_bytes` of it (control characters escaped as `\u00XX` took 6 bytes each).
    if status.is_success()
        && outcome == Outcome::Complete
        && !matches!(parsed, Some(Value::Object(_)))
        && json_string_len(&buf) > max.saturating_mul(2)
    {
        outcome = Outcome::ResponseTooLarge;
    }
    let (ti, to) = parsed.as_ref().map(usage).unwrap_or((0, 0));
    let r = CallResult {
        status: Some(status.as_u16()),
        outcome,
        response_sha256: Sha256::digest(&buf).into(),
        response_bytes: buf.len() as u64,
        tokens_input: ti,
        tokens_output: to,
    };
    let signed = receipt::sign(state, &call, &r)?;
    // The answer is built, and the provider's bytes and their parse let go, before the
    // receipt is stored: they are not held while the sink's fsync is awaited.
    let out =
        (outcome == Outcome::Complete).then(|| merge_receipt_owned(&buf, parsed, status, &signed));
    drop(buf);
    receipt::persist(state, &signed).await?;
    let Some(out) = out else {
        let (code, st) = match outcome {
            Outcome::UpstreamTimeout => ("UPSTREAM_TIMEOUT", StatusCode::GATEWAY_TIMEOUT),
            Outcome::ResponseTooLarge => ("UPSTREAM_RESPONSE_TOO_LARGE", StatusCode::BAD_GATEWAY),
            _ => ("PROVIDER_ERROR", StatusCode::BAD_GATEWAY),
        };
        let message = if bodyless {
            format!(
                "the provider answered {}, a status that carries no response",
                status.as_u16()
            )
        } else if let Some(c) = &coding {
            format!("the provider answered with content-encoding {c:?}, which was not asked for")
        } else if not_text {
            "the provider's response is not UTF-8 text".to_string()
        } else if outcome == Outcome::ResponseTooLarge && r.response_bytes <= max as u64 {
            "the provider's response is not a JSON object, and as text it is above twice the response bound".to_string()
        } else {
            "the provider's response did not complete".to_string()
        };
        return Ok(receipted_error(st, code, &message, &signed));
    };
    let mut resp = Response::new(GwBody::full(out));
    *resp.status_mut() = status;
    resp.headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    Ok(resp)
}

/// The trailer as sent: after provider bytes that end mid-line (no final `\n`, which a
/// provider may leave off, or a hostile one on purpose) it starts with a `\n`, so it never
/// joins the provider's last line (which would corrupt that line for the client, e.g.
/// `data: [DONE]:clawproxy_receipt_envelope_b64u=…`, and hide the gateway's receipt line so
/// that a reader finds a line the provider wrote instead). That `\n` is the gateway's: not
/// in `response_hash_b64u`, and `metadata.claw_gateway.response_bytes` still counts only
/// the provider's bytes (`docs/SPEC.md §8.5`).
fn trailer_on_its_own_line(last: Option<u8>, trailer: Vec<u8>) -> Bytes {
    match last {
        Some(b) if b != b'\n' => {
            let mut t = Vec::with_capacity(trailer.len() + 1);
            t.push(b'\n');
            t.extend_from_slice(&trailer);
            Bytes::from(t)
        }
        _ => Bytes::from(trailer),
    }
}

fn stream_response(
    state: Arc<State>,
    call: Call,
    up: Response<Incoming>,
    permit: OwnedSemaphorePermit,
    guard: NonceGuard,
    read_timeout: Duration,
) -> Response<GwBody> {
    let status = up.status();
    let ct = up
        .headers()
        .get(CONTENT_TYPE)
        .cloned()
        .unwrap_or_else(|| HeaderValue::from_static("text/event-stream"));
    let (tx, rx) = mpsc::channel::<Bytes>(4);
    let mut body = up.into_body();
    tokio::spawn(async move {
        let _permit = permit;
        let _guard = guard;
        let mut hasher = Sha256::new();
        let mut n: u64 = 0;
        let mut usage = crate::sse_usage::SseUsage::default();
        let mut outcome = Outcome::Complete;
        // The provider's last byte: the trailer must start a line of its own.
        let mut last = None;
        loop {
            match next_chunk(&mut body, read_timeout).await {
                Err(o) => {
                    outcome = o;
                    break;
                }
                Ok(None) => break,
                Ok(Some(d)) => {
                    hasher.update(&d);
                    usage.feed(&d);
                    n += d.len() as u64;
                    if let Some(&b) = d.last() {
                        last = Some(b);
                    }
                    if tx.send(d).await.is_err() {
                        outcome = Outcome::ClientDisconnected;
                        break;
                    }
                }
            }
        }
        drop(body);
        let r = CallResult {
            status: Some(status.as_u16()),
            outcome,
            response_sha256: hasher.finalize().into(),
            response_bytes: n,
            tokens_input: usage.input,
            tokens_output: usage.output,
        };
        let signed = match receipt::sign(&state, &call, &r) {
            Ok(s) => s,
            Err(e) => {
                tracing::error!(reason_code = e.reason_code(), error = %e, "stream receipt not signed");
                return;
            }
        };
        if let Err(e) = receipt::persist(&state, &signed).await {
            tracing::error!(reason_code = e.reason_code(), error = %e, "stream receipt not stored");
        }
        tracing::info!(provider = %call.provider, model = %call.model, outcome = outcome.as_str(), bytes = n, "stream receipted");
        if outcome != Outcome::ClientDisconnected {
            // The envelope's text is already its RFC 8785 form (sorted members, strings and
            // integers); the legacy receipt is sent in its own order, so it is canonicalized.
            match claw_core::json::canonicalize(&signed.legacy) {
                Ok(legacy) => {
                    let t = claw_core::evidence::sse_trailer_from_json(
                        &signed.envelope_json,
                        Some(&legacy),
                    );
                    let _ = tx.send(trailer_on_its_own_line(last, t)).await;
                }
                Err(e) => tracing::error!(error = %e, "trailer not written"),
            }
        }
    });
    let mut resp = Response::new(GwBody::Stream(rx));
    *resp.status_mut() = status;
    resp.headers_mut().insert(CONTENT_TYPE, ct);
    resp.headers_mut().insert(
        hyper::header::CACHE_CONTROL,
        HeaderValue::from_static("no-cache"),
    );
    resp
}

#[cfg(test)]
mod tests {
    use super::inspect_request;

    fn fetch(body: &str) -> Option<String> {
        inspect_request(body.as_bytes(), 1 << 20)
            .unwrap_or_else(|e| panic!("{body}: {e:?}"))
            .provider_fetch
    }

    /// A case-folding reader (Go's encoding/json) reads `TOOLS` as `tools`, `TYPE` as `type`,
    /// `ſ` as `s`: such spellings are read the same way here, and two spellings of one member
    /// are refused.
    #[test]
    fn provider_fetches_are_found_in_every_spelling() {
        for body in [
            r#"{"model":"m","TOOLS":[{"type":"web_search_20250305","name":"web_search"}]}"#,
            r#"{"model":"m","tools":[{"TYPE":"web_search_preview"}]}"#,
            r#"{"model":"m","tools":[{"type":"function"}],"Tools":[{"type":"function"}]}"#,
            r#"{"model":"m","MCP_Servers":[]}"#,
            r#"{"model":"m","web_ſearch_options":{}}"#,
            r#"{"model":"m","Messages":[{"role":"user","content":[{"type":"image","Source":{"Type":"url","url":"https://x"}}]}]}"#,
            r#"{"model":"m","messages":[{"role":"user","content":[{"type":"image_url","Image_URL":{"URL":"https://x"}}]}]}"#,
            r#"{"model":"m","input":[{"role":"user","content":[{"type":"input_file","FILE_URL":"https://x"}]}]}"#,
            r#"{"model":"m","messages":[{"role":"user","content":[{"image_url":{"url":"data:,"},"IMAGE_URL":{"url":"data:,"}}]}]}"#,
        ] {
            assert!(fetch(body).is_some(), "{body}");
        }
        for body in [
            r#"{"model":"m","messages":[{"role":"user","content":"hi"}]}"#,
            r#"{"model":"m","tools":[{"type":"function","function":{"name":"f"}}],"messages":[{"role":"user","content":[{"type":"image_url","image_url":{"url":"data:image/png;base64,AA"}}]}]}"#,
            r#"{"model":"m","tools":[{"name":"t","input_schema":{"type":"object"}},{"type":"bash_20250124","name":"bash"}]}"#,
        ] {
            assert_eq!(fetch(body), None, "{body}");
        }
    }
}
