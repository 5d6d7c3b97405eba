//! docs/SPEC.md §6.3 step 19: rate-limit claims [rate_limits]: windows, counts within
//! their maxima, the chain's `run_id`.

use super::failure::{Step, StepResult, VerifyFailure};
use super::helpers::{parse_ms, str_of};
use serde_json::Value;

/// Step 19; `run0` is the event chain's `run_id`.
pub(crate) fn check(claims: &[Value], run0: Option<&str>) -> StepResult {
    const C: Step = Step::RateLimits;
    for (i, c) in claims.iter().enumerate() {
        let f = format!("payload.rate_limit_claims[{i}]");
        let inc = |m: &str| {
            VerifyFailure::rate_limit_claim_inconsistent(
                C,
                format!("rate_limit_claims[{i}]: {m}"),
                Some(&f),
            )
        };
        let (Some(ws), Some(we)) = (
            parse_ms(str_of(c, "window_start")),
            parse_ms(str_of(c, "window_end")),
        ) else {
            return Err(inc("window bounds must be date-times"));
        };
        if ws > we {
            return Err(VerifyFailure::rate_limit_window_invalid(
                C,
                format!("rate_limit_claims[{i}]: window_start is after window_end"),
                Some(&f),
            ));
        }
        let num = |k: &str| c.get(k).and_then(Value::as_f64);
        let (Some(max), Some(obs)) = (num("max_requests"), num("observed_requests")) else {
            return Err(inc("max_requests / observed_requests must be numbers"));
        };
        if max < 0.0 || obs < 0.0 {
            return Err(inc("negative counts"));
        }
        if obs > max {
            return Err(VerifyFailure::rate_limit_exceeded(
                C,
                format!("rate_limit_claims[{i}]: observed_requests exceeds max_requests"),
                Some(&f),
            ));
        }
        for (mk, ok) in [
            ("max_tokens_input", "observed_tokens_input"),
            ("max_tokens_output", "observed_tokens_output"),
        ] {
            match (c.get(mk), c.get(ok)) {
                (None, None) => {}
                (Some(_), None) | (None, Some(_)) => {
                    return Err(inc(&format!(
                        "{mk} and {ok} must be both present or both absent"
                    )))
                }
                (Some(a), Some(b)) => {
                    let (Some(a), Some(b)) = (a.as_f64(), b.as_f64()) else {
                        return Err(inc("token counts must be numbers"));
                    };
                    if a < 0.0 || b < 0.0 {
                        return Err(inc("negative token counts"));
                    }
                    if b > a {
                        return Err(VerifyFailure::rate_limit_exceeded(
                            C,
                            format!("rate_limit_claims[{i}]: {ok} exceeds {mk}"),
                            Some(&f),
                        ));
                    }
                }
            }
        }
        if let Some(r) = str_of(c, "run_id") {
            if Some(r) != run0 {
                return Err(inc("run_id differs from the event chain's"));
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn code(c: Value) -> &'static str {
        check(&[c], Some("r")).map_or_else(|e| e.reason_code(), |()| "OK")
    }

    #[test]
    fn windows_counts_and_run() {
        let base = json!({
            "window_start": "2026-01-01T00:00:00Z", "window_end": "2026-01-01T01:00:00Z",
            "max_requests": 10, "observed_requests": 3,
        });
        assert_eq!(code(base.clone()), "OK");
        let with = |k: &str, v: Value| {
            let mut c = base.clone();
            c[k] = v;
            c
        };
        assert_eq!(
            code(with("window_start", json!("2026-01-02T00:00:00Z"))),
            "RATE_LIMIT_WINDOW_INVALID"
        );
        assert_eq!(
            code(with("observed_requests", json!(11))),
            "RATE_LIMIT_EXCEEDED"
        );
        assert_eq!(
            code(with("window_end", json!("soon"))),
            "RATE_LIMIT_CLAIM_INCONSISTENT"
        );
        assert_eq!(
            code(with("max_tokens_input", json!(5))),
            "RATE_LIMIT_CLAIM_INCONSISTENT"
        );
        assert_eq!(
            code(with("run_id", json!("other"))),
            "RATE_LIMIT_CLAIM_INCONSISTENT"
        );
        let e = check(&[base.clone(), with("observed_requests", json!(-1))], None);
        assert_eq!(
            e.map_err(|e| e.field().map(str::to_string)),
            Err(Some("payload.rate_limit_claims[1]".into()))
        );
    }
}
