//! The parsing claw-gateway does itself: the route, the request body it inspects (`model`,
//! `stream`), token usage from a provider response, the receipt merged into a JSON response
//! and read back from it (and from an SSE trailer), incident switch files, sink keys.
//!
//! Invariants: nothing panics; a merged 2xx JSON object response parses strictly, keeps the
//! provider's members and carries exactly the receipt that was merged; an SSE body with the
//! gateway's trailer appended gives back that receipt and the provider's byte length.
#![no_main]
use claw_gateway::proxy::{inspect_request, merge_receipt, route, usage};
use claw_gateway::receipt::Signed;
use hyper::{Method, StatusCode};
use libfuzzer_sys::fuzz_target;
use serde_json::{json, Value};

fuzz_target!(|data: &[u8]| {
    let Some((&sel, rest)) = data.split_first() else {
        return;
    };
    let text = String::from_utf8_lossy(rest);
    match sel % 5 {
        0 => {
            let m = if sel & 0x80 == 0 {
                Method::GET
            } else {
                Method::POST
            };
            let _ = route(&m, &text);
        }
        1 => {
            if let Ok(b) = inspect_request(rest, 64 * 1024) {
                assert!(!b.model.is_empty() && b.model.len() <= 256);
            }
        }
        2 => {
            let _ = claw_gateway::switches::Switches::parse(rest);
            let _ = claw_gateway::sink::check_key(&text);
            let _ = claw_core::evidence::receipt_from_response(rest);
        }
        3 => {
            let key = claw_core::keys::SigningKey::from_seed(&[7u8; 32]);
            let signed = claw_core::envelope::sign(
                "gateway_receipt",
                &json!({"receipt_id": "rcpt_f"}),
                &key,
                0,
                None,
            )
            .expect("a fixed payload signs");
            let env = signed.to_value();
            let s = Signed::from_values(signed, json!({"version": "1.0"}), "k".into());
            let parsed = claw_core::json::parse(rest, &claw_core::json::Limits::STRICT).ok();
            if let Some(p) = &parsed {
                let _ = usage(p);
            }
            let status = if sel & 0x80 == 0 {
                StatusCode::OK
            } else {
                StatusCode::TOO_MANY_REQUESTS
            };
            let out = merge_receipt(rest, parsed.as_ref(), status, &s);
            let back = claw_core::json::parse(&out, &claw_core::json::Limits::STRICT)
                .expect("a merged response is strict JSON");
            assert_eq!(back.get("_receipt_envelope"), Some(&env));
            if let (true, Some(Value::Object(m))) = (status.is_success(), &parsed) {
                if !m.contains_key("_receipt") && !m.contains_key("_receipt_envelope") {
                    for (k, v) in m {
                        assert_eq!(back.get(k), Some(v), "member {k} kept");
                    }
                }
            }
            let c = claw_core::evidence::receipt_from_response(&out).expect("receipt found");
            assert_eq!(c.envelope, env);
        }
        _ => {
            let env =
                json!({"envelope_type": "gateway_receipt", "payload": {"receipt_id": "rcpt_s"}});
            // An SSE body never starts with `{` (the reader would take it for JSON).
            // The gateway appends its trailer after the provider's last event, which ends
            // with a newline: the trailer starts a line.
            if rest.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'{')
                || !(rest.is_empty() || rest.ends_with(b"\n"))
            {
                return;
            }
            let mut body = rest.to_vec();
            body.extend(claw_core::evidence::sse_trailer(&env, None).expect("trailer"));
            // The provider's bytes end where the gateway's trailer begins; a provider line that
            // imitates the trailer prefix must not be taken for it.
            let c = claw_core::evidence::receipt_from_response(&body).expect("receipt found");
            assert_eq!(c.envelope, env);
            assert_eq!(c.upstream_len, Some(rest.len()));
        }
    }
});
