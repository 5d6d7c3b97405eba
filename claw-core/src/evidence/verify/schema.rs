//! docs/SPEC.md §6.3 step 9.75: the strict schema `proof_bundle_envelope.v1` [schema], with
//! legacy raw receipt entries set aside first. The schema rules themselves are
//! `evidence/schema.rs`'s; this step applies them (the big arrays' items in parallel) and
//! maps an error to its reason code.

use super::super::par_map;
use super::super::receipts::ReceiptKind;
use super::super::schema::{self, ArrayLimits, SchemaError};
use super::super::PROOF_BUNDLE_BIG_ARRAYS;
use super::config::VerifyConfig;
use super::failure::{Detail, Step, StepResult, VerifyFailure};
use super::helpers::arr;
use serde_json::{Map, Value};
use std::borrow::Cow;

/// Legacy raw receipt entries (`receipt_type` without `envelope_type`) are set aside for the
/// schema check and everything after it; the payload hash still covers the original payload.
pub(crate) fn set_aside_legacy(env: &Value) -> Cow<'_, Value> {
    let legacy = is_legacy;
    match env["payload"].get("receipts").and_then(Value::as_array) {
        Some(rs) if rs.iter().any(legacy) => {
            let mut e = env.clone();
            if let Some(Value::Array(rs)) = e.get_mut("payload").and_then(|p| p.get_mut("receipts"))
            {
                rs.retain(|r| !legacy(r));
            }
            Cow::Owned(e)
        }
        _ => Cow::Borrowed(env),
    }
}

/// Whether a gateway receipt array entry is a legacy raw receipt (`receipt_type` without
/// `envelope_type`), set aside before the schema.
pub(crate) fn is_legacy(r: &Value) -> bool {
    r.get("envelope_type").is_none() && r.get("receipt_type").is_some()
}

/// Step 9.75 on the envelope (legacy entries already set aside).
pub(crate) fn check(env: &Value, cfg: &VerifyConfig, threads: usize) -> StepResult {
    schema_check(env, cfg, threads).map_err(|e| failure(e, Step::Schema, true))
}

/// A schema error as a failure at `step` (`with_field`: the error's path is the field).
pub(crate) fn failure(e: SchemaError, step: Step, with_field: bool) -> VerifyFailure {
    let message = format!("{}: {}", e.path, e.message);
    let code = schema_code(&e);
    let field = with_field.then_some(e.path);
    VerifyFailure::from_code(
        code,
        Detail {
            step,
            message,
            field,
        },
    )
}

/// The item schema of one receipt array (a receipt checked outside its bundle, §6.5).
pub(crate) fn receipt_item(kind: ReceiptKind, cfg: &VerifyConfig) -> schema::Schema {
    match kind {
        ReceiptKind::Gateway => schema::gateway_envelope(),
        ReceiptKind::Tool => schema::tool_item(),
        _ => schema_item(kind.array_name(), limits(cfg)),
    }
}

fn limits(cfg: &VerifyConfig) -> ArrayLimits {
    ArrayLimits {
        receipts: cfg.limits.max_receipts,
        rate_limit_claims: cfg.limits.max_rate_limit_claims,
    }
}

/// The reference's step-9.75 code for a schema error (causal fields get causal codes).
fn schema_code(e: &SchemaError) -> &'static str {
    if e.unsupported {
        return "UNKNOWN_SCHEMA_ID";
    }
    let p = e.path.as_str();
    if !p.contains("binding.") {
        return "SCHEMA_VALIDATION_FAILED";
    }
    if p.ends_with(".phase") {
        "CAUSAL_PHASE_INVALID"
    } else if p.ends_with(".attribution_confidence") || p.ends_with(".attributionConfidence") {
        "CAUSAL_CONFIDENCE_OUT_OF_RANGE"
    } else if p.ends_with("span_id") || p.ends_with("SpanId") || p.ends_with(".spanId") {
        "CAUSAL_BINDING_NORMALIZATION_FAILED"
    } else {
        "SCHEMA_VALIDATION_FAILED"
    }
}

/// The payload's big arrays and their item schemas, in the order their first errors are
/// reported (the schema's order).
pub(crate) fn big_items(cfg: &VerifyConfig) -> [(&'static str, schema::Schema); 6] {
    let limits = limits(cfg);
    PROOF_BUNDLE_BIG_ARRAYS.map(|k| {
        let item = match k {
            "event_chain" => schema_event(),
            "receipts" => schema::gateway_envelope(),
            "tool_receipts" => schema::tool_item(),
            _ => schema_item(k, limits),
        };
        (k, item)
    })
}

/// Whether arrays of these lengths (legacy entries set aside) are checked skeleton first,
/// then items ([`check_split`]); otherwise the whole envelope is checked in one pass, whose
/// first error can differ.
pub(crate) fn split(lens: impl IntoIterator<Item = usize>) -> bool {
    lens.into_iter().sum::<usize>() > 512
}

/// Schema validation with the big arrays' items checked in parallel. The first error is
/// deterministic: the envelope without array items first, then arrays in schema order.
fn schema_check(env: &Value, cfg: &VerifyConfig, threads: usize) -> Result<(), SchemaError> {
    let big = big_items(cfg);
    let payload = env.get("payload");
    let lens = big
        .iter()
        .map(|(k, _)| payload.map_or(0, |p| arr(p, k).len()));
    if !split(lens) {
        return schema::bundle_envelope(limits(cfg)).validate(env, "$");
    }
    let mut items = Vec::with_capacity(big.len());
    for (k, item) in big {
        let values = payload.map_or(&[][..], |p| arr(p, k));
        let mut scan = ItemScan::new(k, item);
        cfg.progress
            .each_run("schema", values, |run| scan.push(run, threads));
        items.push((k, values.len(), scan));
    }
    check_split(env, items, cfg)
}

/// The split check: `env`'s skeleton, each big array read as `len` placeholders (its items
/// need not be there: a streamed envelope has them elsewhere), then each array's first item
/// error (`items`, in [`big_items`] order, scanned already).
pub(crate) fn check_split(
    env: &Value,
    items: Vec<(&str, usize, ItemScan)>,
    cfg: &VerifyConfig,
) -> Result<(), SchemaError> {
    let lens: Vec<(&str, usize)> = items.iter().map(|(k, n, _)| (*k, *n)).collect();
    let shallow = shallow_copy(env, &lens);
    let skeleton = schema::bundle_envelope(limits(cfg)).without_split_items();
    skeleton.validate(&shallow, "$")?;
    if env.get("payload").is_none() {
        return Ok(());
    }
    for (_, _, scan) in items {
        scan.finish()?;
    }
    Ok(())
}

/// The schema check of one big array's items, fed runs of consecutive items; keeps the
/// first error (the lowest index). Items after an error are not checked.
pub(crate) struct ItemScan {
    item: schema::Schema,
    parent: String,
    seen: usize,
    first: Option<SchemaError>,
}

impl ItemScan {
    /// A scan of the payload's `array`, each item checked against `item`.
    pub(crate) fn new(array: &str, item: schema::Schema) -> ItemScan {
        ItemScan {
            item,
            parent: format!("$.payload.{array}"),
            seen: 0,
            first: None,
        }
    }

    /// The next `items` of the array (in parallel).
    pub(crate) fn push(&mut self, items: &[Value], threads: usize) {
        if self.first.is_none() {
            let base = self.seen;
            let idx: Vec<usize> = (0..items.len()).collect();
            let errs = par_map(&idx, threads, |&i| {
                self.item
                    .validate_item(&items[i], &self.parent, base + i)
                    .err()
            });
            self.first = errs.into_iter().flatten().next();
        }
        self.seen += items.len();
    }

    /// Whether an item pushed so far failed.
    pub(crate) fn failed(&self) -> bool {
        self.first.is_some()
    }

    /// The first error of every item pushed.
    pub(crate) fn finish(self) -> Result<(), SchemaError> {
        self.first.map_or(Ok(()), Err)
    }
}

/// `env` with each big array of the payload replaced by its length in `null`s (the
/// structural pass neither copies nor reads the items).
fn shallow_copy(env: &Value, big: &[(&str, usize)]) -> Value {
    let mut out = Map::new();
    for (k, v) in env.as_object().into_iter().flatten() {
        if k != "payload" {
            out.insert(k.clone(), v.clone());
            continue;
        }
        let mut p = Map::new();
        for (pk, pv) in v.as_object().into_iter().flatten() {
            match (pv, big.iter().find(|(b, _)| b == pk)) {
                (Value::Array(_), Some((_, n))) => {
                    p.insert(pk.clone(), Value::Array(vec![Value::Null; *n]));
                }
                _ => {
                    p.insert(pk.clone(), pv.clone());
                }
            }
        }
        out.insert(k.clone(), Value::Object(p));
    }
    Value::Object(out)
}

fn schema_event() -> schema::Schema {
    schema::event_item()
}

fn schema_item(k: &str, l: ArrayLimits) -> schema::Schema {
    schema::array_item(k, l)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn event(i: usize) -> Value {
        json!({
            "event_id": format!("e{i}"),
            "run_id": "run",
            "event_type": "llm_call",
            "timestamp": "2026-12-07T00:00:00Z",
            "payload_hash_b64u": "AAAAAAAAAAA",
            "prev_hash_b64u": null,
            "event_hash_b64u": "BBBBBBBBBBB",
        })
    }

    fn scanned(items: &[Value], size: usize, threads: usize) -> Result<(), SchemaError> {
        let mut s = ItemScan::new("event_chain", schema_event());
        for run in items.chunks(size) {
            s.push(run, threads);
        }
        s.finish()
    }

    /// Runs of every size report the whole array's first error, with the item's index in the
    /// whole array, on one thread and on two (300 items take the parallel path).
    #[test]
    fn runs_of_any_size_report_the_first_error_of_the_whole_array() {
        let mut items: Vec<Value> = (0..300).map(event).collect();
        assert!(scanned(&items, 300, 1).is_ok());
        items[270]["timestamp"] = json!("yesterday");
        items[261]["event_id"] = json!("");
        items[299]["extra"] = json!(1);
        let whole = scanned(&items, 300, 1).unwrap_err();
        assert!(
            whole.path.starts_with("$.payload.event_chain[261]"),
            "{}",
            whole.path
        );
        for size in [1, 2, 7, 256, 261, 262, 299] {
            for threads in [1, 2] {
                let e = scanned(&items, size, threads).unwrap_err();
                assert_eq!(
                    (&e.path, &e.message),
                    (&whole.path, &whole.message),
                    "{size}"
                );
            }
        }
    }
}
