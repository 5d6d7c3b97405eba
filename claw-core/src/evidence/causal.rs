//! Causal binding checks over gateway-receipt bindings (span ids, phases, attribution
//! confidence) and the anchoring of side-effect / human-approval receipts, with the
//! reference verifier's rules and codes (steps 29–32 of docs/SPEC.md §6.3).

use crate::time;
use serde_json::{Map, Value};
use std::collections::{BTreeMap, HashMap, HashSet};

/// How strictly causal connectivity is enforced (the reference's
/// `causal_connectivity_mode`; its default is `enforce`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum CausalMode {
    /// Disconnected graphs and orphaned side-effect/approval receipts fail.
    #[default]
    Enforce,
    /// Reported in the `causal` component only.
    Warn,
    /// Not checked.
    Observe,
}

pub(crate) type Fail = (&'static str, String, String);

fn fail<T>(
    code: &'static str,
    msg: impl Into<String>,
    field: impl Into<String>,
) -> Result<T, Fail> {
    Err((code, msg.into(), field.into()))
}

const PHASES: [&str; 7] = [
    "setup",
    "planning",
    "reasoning",
    "execution",
    "observation",
    "reflection",
    "teardown",
];

fn transition_ok(parent: &str, child: &str) -> bool {
    let allowed: &[&str] = match parent {
        "setup" => &["setup", "planning"],
        "planning" => &["planning", "reasoning", "execution"],
        "reasoning" => &["reasoning", "execution", "observation"],
        "execution" => &["execution", "observation", "reflection", "teardown"],
        "observation" => &["observation", "reflection", "teardown"],
        "reflection" => &["reflection", "teardown"],
        "teardown" => &["teardown"],
        _ => &[],
    };
    allowed.contains(&child)
}

/// A normalized identifier pair (snake_case wins; both present must agree after trim).
fn ident(
    b: &Map<String, Value>,
    path: &str,
    snake: &str,
    camel: &str,
) -> Result<Option<String>, Fail> {
    let read = |k: &str| -> Result<Option<String>, Fail> {
        match b.get(k) {
            None => Ok(None),
            Some(Value::String(s)) if !s.trim().is_empty() => Ok(Some(s.trim().to_string())),
            Some(_) => fail(
                "CAUSAL_BINDING_NORMALIZATION_FAILED",
                format!("{k} must be a non-empty string identifier"),
                format!("{path}.{k}"),
            ),
        }
    };
    let s = read(snake)?;
    let c = read(camel)?;
    if let (Some(x), Some(y)) = (&s, &c) {
        if x != y {
            return fail(
                "CAUSAL_BINDING_FIELD_CONFLICT",
                format!("{snake} and {camel} conflict"),
                format!("{path}.{snake}"),
            );
        }
    }
    Ok(s.or(c))
}

fn confidence(b: &Map<String, Value>, path: &str) -> Result<Option<f64>, Fail> {
    let read = |k: &str| -> Result<Option<f64>, Fail> {
        match b.get(k) {
            None => Ok(None),
            Some(v) => match v.as_f64() {
                Some(x) if x.is_finite() => Ok(Some(x)),
                _ => fail(
                    "CAUSAL_BINDING_NORMALIZATION_FAILED",
                    format!("{k} must be a finite number"),
                    format!("{path}.{k}"),
                ),
            },
        }
    };
    let s = read("attribution_confidence")?;
    let c = read("attributionConfidence")?;
    if let (Some(x), Some(y)) = (s, c) {
        if x.to_bits() != y.to_bits() {
            return fail(
                "CAUSAL_BINDING_FIELD_CONFLICT",
                "attribution_confidence and attributionConfidence conflict",
                format!("{path}.attribution_confidence"),
            );
        }
    }
    Ok(s.or(c))
}

/// One gateway receipt's causal binding, read on its own ([`entry_of`]): its normalized
/// span identifiers, phase, confidence and binding-coupled time, with the paths messages
/// name. Owns its data.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Entry {
    path: String,
    span: Option<String>,
    parent: Option<String>,
    tool: Option<String>,
    phase: Option<Value>,
    confidence: Option<f64>,
    ts: Option<i64>,
    ts_field: String,
}

const CAUSAL_KEYS: [&str; 9] = [
    "span_id",
    "spanId",
    "parent_span_id",
    "parentSpanId",
    "tool_span_id",
    "toolSpanId",
    "phase",
    "attribution_confidence",
    "attributionConfidence",
];

/// The causal entry of gateway receipt `i`, if its binding has causal fields.
pub(crate) fn entry_of(i: usize, env: &Value) -> Result<Option<Entry>, Fail> {
    let Some(b) = env
        .get("payload")
        .and_then(|p| p.get("binding"))
        .and_then(Value::as_object)
    else {
        return Ok(None);
    };
    if !CAUSAL_KEYS.iter().any(|k| b.contains_key(*k)) {
        return Ok(None);
    }
    let path = format!("payload.receipts[{i}].payload.binding");
    let span = ident(b, &path, "span_id", "spanId")?;
    let parent = ident(b, &path, "parent_span_id", "parentSpanId")?;
    let tool = ident(b, &path, "tool_span_id", "toolSpanId")?;
    let conf = confidence(b, &path)?;
    let pts = env.get("payload").and_then(|p| p.get("timestamp"));
    let its = env.get("issued_at");
    let parse = |v: Option<&Value>, f: String| -> Result<Option<i64>, Fail> {
        match v {
            None => Ok(None),
            Some(Value::String(s)) => match time::parse_rfc3339_millis(s) {
                Ok(ms) => Ok(Some(ms)),
                Err(_) => fail(
                    "CAUSAL_CLOCK_CONTRADICTION",
                    "binding-coupled timestamp must be a date-time",
                    f,
                ),
            },
            Some(_) => fail(
                "CAUSAL_CLOCK_CONTRADICTION",
                "binding-coupled timestamp must be a date-time",
                f,
            ),
        }
    };
    let pts_field = format!("payload.receipts[{i}].payload.timestamp");
    let its_field = format!("payload.receipts[{i}].issued_at");
    let p_ms = parse(pts, pts_field.clone())?;
    let i_ms = parse(its, its_field.clone())?;
    if let (Some(a), Some(b)) = (p_ms, i_ms) {
        if a > b {
            return fail(
                "CAUSAL_CLOCK_CONTRADICTION",
                "binding-coupled payload.timestamp must not be after envelope.issued_at",
                pts_field,
            );
        }
    }
    let (ts, ts_field) = match p_ms {
        Some(t) => (Some(t), pts_field),
        None => (i_ms, its_field),
    };
    Ok(Some(Entry {
        path,
        span,
        parent,
        tool,
        phase: b.get("phase").cloned(),
        confidence: conf,
        ts,
        ts_field,
    }))
}

/// Steps 29 and 31: collect and validate gateway-receipt causal entries; returns the
/// declared span ids.
#[cfg(test)]
pub(crate) fn check_gateway_bindings(
    receipts: &[Value],
    mode: CausalMode,
    threads: usize,
) -> Result<HashSet<String>, Fail> {
    // Each receipt's entry on its own (in parallel); the first failure in receipt order.
    let idx: Vec<usize> = (0..receipts.len()).collect();
    let mut entries = Vec::new();
    for e in super::par_map(&idx, threads, |&i| entry_of(i, &receipts[i])) {
        if let Some(e) = e? {
            entries.push(e);
        }
    }
    let entries: Vec<&Entry> = entries.iter().collect();
    check_entries(&entries, mode)
}

/// Steps 29 and 31 over the gateway receipts' causal entries, in receipt order (each
/// [`entry_of`] succeeded): phases, confidences, references, one semantic per span, clock
/// and phase order, parent cycles, confidence classes and (enforce) the graph's shape.
/// Returns the declared span ids.
pub(crate) fn check_entries(entries: &[&Entry], mode: CausalMode) -> Result<HashSet<String>, Fail> {
    if entries.is_empty() {
        return Ok(HashSet::new());
    }
    let known: HashSet<String> = entries.iter().filter_map(|e| e.span.clone()).collect();
    for e in entries {
        if let Some(p) = &e.phase {
            if !p.as_str().is_some_and(|s| PHASES.contains(&s)) {
                return fail(
                    "CAUSAL_PHASE_INVALID",
                    "binding.phase is not an allowed phase",
                    format!("{}.phase", e.path),
                );
            }
        }
        if let Some(c) = e.confidence {
            if !(0.0..=1.0).contains(&c) {
                return fail(
                    "CAUSAL_CONFIDENCE_OUT_OF_RANGE",
                    "binding.attribution_confidence must be in [0, 1]",
                    format!("{}.attribution_confidence", e.path),
                );
            }
        }
        for (rel, v) in [("parent_span_id", &e.parent), ("tool_span_id", &e.tool)] {
            if let Some(v) = v {
                if !known.contains(v) {
                    return fail(
                        "CAUSAL_REFERENCE_DANGLING",
                        format!("binding.{rel} references unknown span_id {v}"),
                        format!("{}.{rel}", e.path),
                    );
                }
            }
        }
    }
    // One semantic per span id (first occurrence defines it).
    struct Sem<'a> {
        parent: Option<&'a str>,
        tool: Option<&'a str>,
        phase: Option<&'a str>,
        conf: Option<f64>,
        ts: Option<i64>,
        ts_field: &'a str,
        path: &'a str,
    }
    let mut order: Vec<&str> = Vec::new();
    let mut sem: HashMap<&str, Sem<'_>> = HashMap::new();
    for e in entries {
        let Some(span) = e.span.as_deref() else {
            continue;
        };
        let phase = e.phase.as_ref().and_then(Value::as_str);
        match sem.get(span) {
            None => {
                order.push(span);
                sem.insert(
                    span,
                    Sem {
                        parent: e.parent.as_deref(),
                        tool: e.tool.as_deref(),
                        phase,
                        conf: e.confidence,
                        ts: e.ts,
                        ts_field: &e.ts_field,
                        path: &e.path,
                    },
                );
            }
            Some(prev) => {
                let differs = |a: Option<&str>, b: Option<&str>| matches!((a, b), (Some(x), Some(y)) if x != y);
                if let (Some(a), Some(b)) = (prev.ts, e.ts) {
                    if a != b {
                        return fail(
                            "CAUSAL_CLOCK_CONTRADICTION",
                            format!("span_id {span} has inconsistent timestamps"),
                            e.ts_field.clone(),
                        );
                    }
                }
                let conf_differs = matches!((prev.conf, e.confidence), (Some(x), Some(y)) if x.to_bits() != y.to_bits());
                if differs(prev.parent, e.parent.as_deref())
                    || differs(prev.tool, e.tool.as_deref())
                    || differs(prev.phase, phase)
                    || conf_differs
                {
                    return fail(
                        "CAUSAL_SPAN_REUSE_CONFLICT",
                        format!("span_id {span} reused with different semantics"),
                        format!("{}.span_id", e.path),
                    );
                }
            }
        }
    }
    for span in &order {
        let s = &sem[span];
        for p in [s.parent, s.tool].into_iter().flatten() {
            let Some(ps) = sem.get(p) else { continue };
            if let (Some(c), Some(pt)) = (s.ts, ps.ts) {
                if c < pt {
                    return fail(
                        "CAUSAL_CLOCK_CONTRADICTION",
                        format!("span_id {span} occurs before its parent {p}"),
                        s.ts_field.to_string(),
                    );
                }
            }
            if let (Some(cp), Some(pp)) = (s.phase, ps.phase) {
                if !transition_ok(pp, cp) {
                    return fail(
                        "CAUSAL_PHASE_TRANSITION_INVALID",
                        format!("invalid phase transition {pp} -> {cp} for span_id {span}"),
                        format!("{}.phase", s.path),
                    );
                }
            }
        }
    }
    // Parent cycles. A span's parent is the first one any of its entries names, so following
    // parents from a span either ends or enters a cycle. Starts are taken in span order and the
    // first cycle met is reported at the first span seen twice; a span whose walk already
    // ended without a cycle is not walked again, so every span is walked once (a long parent
    // chain costs linear time, not quadratic).
    let mut parent_of: BTreeMap<&str, &str> = BTreeMap::new();
    let mut parent_path: HashMap<&str, &str> = HashMap::new();
    for e in entries {
        if let (Some(s), Some(p)) = (e.span.as_deref(), e.parent.as_deref()) {
            parent_of.entry(s).or_insert(p);
            parent_path.entry(s).or_insert(&e.path);
        }
    }
    #[derive(Clone, Copy, PartialEq)]
    enum Walk {
        Current,
        Done,
    }
    let mut walked: HashMap<&str, Walk> = HashMap::with_capacity(parent_of.len());
    let mut current = Vec::new();
    for start in parent_of.keys() {
        let mut cur = *start;
        loop {
            match walked.get(cur) {
                Some(Walk::Done) => break,
                Some(Walk::Current) => {
                    return fail(
                        "CAUSAL_CYCLE_DETECTED",
                        format!("parent_span_id cycle at span_id {cur}"),
                        parent_path
                            .get(cur)
                            .map_or_else(|| "payload".into(), |p| format!("{p}.parent_span_id")),
                    );
                }
                None => {}
            }
            let Some(p) = parent_of.get(cur) else { break };
            walked.insert(cur, Walk::Current);
            current.push(cur);
            cur = p;
        }
        for s in current.drain(..) {
            walked.insert(s, Walk::Done);
        }
    }
    // Confidence evidence classes.
    let mut inbound: HashMap<&str, usize> = HashMap::new();
    for e in entries {
        for r in [e.parent.as_deref(), e.tool.as_deref()]
            .into_iter()
            .flatten()
        {
            *inbound.entry(r).or_default() += 1;
        }
    }
    for e in entries {
        let Some(c) = e.confidence else { continue };
        let direct = e.parent.is_some()
            || e.tool.is_some()
            || e.span
                .as_deref()
                .is_some_and(|s| inbound.get(s).copied().unwrap_or(0) > 0);
        let (class, max) = if direct {
            ("direct", 1.0)
        } else if e.span.is_some() {
            ("inferred", 0.5)
        } else {
            ("unattributed", 0.0)
        };
        if c > max {
            return fail(
                "CAUSAL_CONFIDENCE_EVIDENCE_INCONSISTENT",
                format!("attribution_confidence {c} exceeds {max:.1} for {class} evidence"),
                format!("{}.attribution_confidence", e.path),
            );
        }
    }
    if mode == CausalMode::Enforce && !known.is_empty() {
        // The graph of first occurrences: span `order[i]` links to its parent and tool spans.
        let n = order.len();
        let index: HashMap<&str, usize> = order.iter().enumerate().map(|(i, s)| (*s, i)).collect();
        let links = |i: usize| {
            let s = &sem[order[i]];
            [s.parent, s.tool]
                .into_iter()
                .flatten()
                .filter_map(|p| index.get(p).copied())
        };
        let is_root: Vec<bool> = order
            .iter()
            .map(|s| sem[s].parent.is_none() && sem[s].tool.is_none())
            .collect();
        let first_field = |i: usize| format!("{}.span_id", sem[order[i]].path);
        if !is_root.contains(&true) {
            return fail(
                "CAUSAL_GRAPH_DISCONNECTED",
                "causal graph has no root",
                if n == 0 {
                    "payload".into()
                } else {
                    first_field(0)
                },
            );
        }
        // Which spans reach a root along links: walk the links backwards from the roots, each
        // span once.
        let mut linked_from: Vec<Vec<usize>> = vec![Vec::new(); n];
        for i in 0..n {
            for j in links(i) {
                linked_from[j].push(i);
            }
        }
        let mut reaches = is_root.clone();
        let mut stack: Vec<usize> = (0..n).filter(|&i| is_root[i]).collect();
        while let Some(j) = stack.pop() {
            for &i in &linked_from[j] {
                if !reaches[i] {
                    reaches[i] = true;
                    stack.push(i);
                }
            }
        }
        if let Some(i) = reaches.iter().position(|r| !r) {
            return fail(
                "CAUSAL_GRAPH_DISCONNECTED",
                format!("span_id {} does not reach a root", order[i]),
                first_field(i),
            );
        }
        // One component: everything is linked, in either direction, to the first span.
        let mut seen = vec![false; n];
        seen[0] = true;
        let mut stack = vec![0];
        while let Some(c) = stack.pop() {
            for x in links(c).chain(linked_from[c].iter().copied()) {
                if !seen[x] {
                    seen[x] = true;
                    stack.push(x);
                }
            }
        }
        if let Some(i) = seen.iter().position(|s| !s) {
            return fail(
                "CAUSAL_GRAPH_DISCONNECTED",
                "causal graph has disconnected components",
                first_field(i),
            );
        }
    }
    Ok(known)
}

/// One side-effect or approval receipt's causal anchor (its binding's `tool_span_id`, else
/// `parent_span_id`, else `span_id`; `None` without any), or why it cannot have one: no
/// binding object, or an identifier pair that does not normalize. `path` names the receipt
/// (`payload.{array}[{i}]`), `code` the array's orphan code.
pub(crate) fn anchor_of(r: &Value, path: &str, code: &'static str) -> Result<Option<String>, Fail> {
    let Some(b) = r.get("binding").and_then(Value::as_object) else {
        return fail(
            code,
            "missing binding object for causal anchoring",
            format!("{path}.binding"),
        );
    };
    let bpath = format!("{path}.binding");
    let span = ident(b, &bpath, "span_id", "spanId")?;
    let parent = ident(b, &bpath, "parent_span_id", "parentSpanId")?;
    let tool = ident(b, &bpath, "tool_span_id", "toolSpanId")?;
    Ok(tool.or(parent).or(span))
}

/// One array's anchoring (step 32), gathered receipt by receipt ([`anchor_of`]): each
/// receipt's anchor up to the first that cannot have one, whose failure is kept. Checked
/// against the declared spans once every gateway receipt is known.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Anchors {
    anchors: Vec<Option<Box<str>>>,
    broken: Option<Fail>,
}

impl Anchors {
    /// The next receipt's [`anchor_of`] outcome.
    pub(crate) fn push(&mut self, anchor: Result<Option<String>, Fail>) {
        if self.broken.is_some() {
            return;
        }
        match anchor {
            Ok(a) => self.anchors.push(a.map(Into::into)),
            Err(f) => self.broken = Some(f),
        }
    }

    /// Whether a later receipt's anchor can still matter (none has failed yet).
    pub(crate) fn open(&self) -> bool {
        self.broken.is_none()
    }

    /// The first receipt (of `array`, orphan code `code`) not anchored to a `known` span, or
    /// that cannot be anchored, in array order.
    pub(crate) fn check(
        &self,
        known: &HashSet<String>,
        array: &str,
        code: &'static str,
    ) -> Result<(), Fail> {
        for (i, a) in self.anchors.iter().enumerate() {
            if !a.as_deref().is_some_and(|a| known.contains(a)) {
                return fail(
                    code,
                    "not anchored to a known causal span",
                    format!("payload.{array}[{i}].binding"),
                );
            }
        }
        self.broken.clone().map_or(Ok(()), Err)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// Gateway receipts whose bindings declare `(span, parent, tool)`.
    fn receipts(spans: &[(&str, Option<&str>, Option<&str>)]) -> Vec<Value> {
        spans
            .iter()
            .map(|(s, p, t)| {
                let mut b = json!({ "span_id": s });
                if let Some(p) = p {
                    b["parent_span_id"] = json!(p);
                }
                if let Some(t) = t {
                    b["tool_span_id"] = json!(t);
                }
                json!({ "payload": { "binding": b } })
            })
            .collect()
    }

    fn check(spans: &[(&str, Option<&str>, Option<&str>)]) -> Result<usize, Fail> {
        check_gateway_bindings(&receipts(spans), CausalMode::Enforce, 2).map(|k| k.len())
    }

    fn code_and_field(r: Result<usize, Fail>) -> (&'static str, String, String) {
        r.expect_err("must fail")
    }

    #[test]
    fn a_star_and_a_chain_pass() {
        assert_eq!(
            check(&[
                ("r", None, None),
                ("a", Some("r"), None),
                ("b", None, Some("r"))
            ]),
            Ok(3)
        );
        assert_eq!(
            check(&[
                ("c", Some("b"), None),
                ("b", Some("a"), None),
                ("a", None, None)
            ]),
            Ok(3)
        );
    }

    /// 200,000 spans, each the parent of the next: the cycle and root checks walk each span
    /// once. (Walking every span's ancestry, as these checks once did, is 2·10^10 steps here:
    /// a bundle like this one kept a verifier busy for hours.)
    #[test]
    fn a_long_parent_chain_is_checked_in_linear_time() {
        let names: Vec<String> = (0..200_000).map(|i| format!("s{i}")).collect();
        let spans: Vec<(&str, Option<&str>, Option<&str>)> = names
            .iter()
            .enumerate()
            .map(|(i, s)| {
                (
                    s.as_str(),
                    i.checked_sub(1).map(|j| names[j].as_str()),
                    None,
                )
            })
            .collect();
        assert_eq!(check(&spans), Ok(200_000));
    }

    #[test]
    fn cycles_are_reported_at_the_first_span_met_twice() {
        let (code, msg, field) = code_and_field(check(&[
            ("r", None, None),
            ("b", Some("a"), None),
            ("a", Some("b"), None),
        ]));
        assert_eq!(code, "CAUSAL_CYCLE_DETECTED");
        assert_eq!(msg, "parent_span_id cycle at span_id a");
        assert_eq!(field, "payload.receipts[2].payload.binding.parent_span_id");

        let (code, msg, _) = code_and_field(check(&[("s", Some("s"), None)]));
        assert_eq!(
            (code, msg.as_str()),
            ("CAUSAL_CYCLE_DETECTED", "parent_span_id cycle at span_id s")
        );

        // x → y → z → y: entered at y. "w" sorts first and walks into a root, which the later
        // walks must not confuse with a cycle.
        let (code, msg, field) = code_and_field(check(&[
            ("r", None, None),
            ("w", Some("r"), None),
            ("z", Some("y"), None),
            ("x", Some("y"), None),
            ("y", Some("z"), None),
        ]));
        assert_eq!(code, "CAUSAL_CYCLE_DETECTED");
        assert_eq!(msg, "parent_span_id cycle at span_id y");
        assert_eq!(field, "payload.receipts[4].payload.binding.parent_span_id");
    }

    #[test]
    fn graphs_without_a_root_or_disconnected_fail() {
        // Tool links only: no parent cycle, but no root either.
        let (code, msg, field) =
            code_and_field(check(&[("a", None, Some("b")), ("b", None, Some("a"))]));
        assert_eq!(
            (code, msg.as_str(), field.as_str()),
            (
                "CAUSAL_GRAPH_DISCONNECTED",
                "causal graph has no root",
                "payload.receipts[0].payload.binding.span_id"
            )
        );
        // A tool-link loop beside a root: it never reaches the root.
        let (code, msg, field) = code_and_field(check(&[
            ("r", None, None),
            ("c", Some("r"), None),
            ("a", None, Some("b")),
            ("b", None, Some("a")),
        ]));
        assert_eq!(
            (code, msg.as_str(), field.as_str()),
            (
                "CAUSAL_GRAPH_DISCONNECTED",
                "span_id a does not reach a root",
                "payload.receipts[2].payload.binding.span_id"
            )
        );
        // Two trees.
        let (code, msg, field) = code_and_field(check(&[
            ("r1", None, None),
            ("a", Some("r1"), None),
            ("r2", None, None),
            ("b", Some("r2"), None),
        ]));
        assert_eq!(
            (code, msg.as_str(), field.as_str()),
            (
                "CAUSAL_GRAPH_DISCONNECTED",
                "causal graph has disconnected components",
                "payload.receipts[2].payload.binding.span_id"
            )
        );
        // Warn mode leaves connectivity to the caller.
        let two_trees = receipts(&[("r1", None, None), ("r2", None, None)]);
        assert!(check_gateway_bindings(&two_trees, CausalMode::Warn, 1).is_ok());
    }

    /// The anchoring check as it read the receipts themselves, before [`Anchors`].
    fn anchoring_read_whole(
        items: &[Value],
        known: &HashSet<String>,
        array: &str,
        code: &'static str,
    ) -> Result<(), Fail> {
        for (i, r) in items.iter().enumerate() {
            let path = format!("payload.{array}[{i}]");
            let Some(b) = r.get("binding").and_then(Value::as_object) else {
                return fail(
                    code,
                    "missing binding object for causal anchoring",
                    format!("{path}.binding"),
                );
            };
            let bpath = format!("{path}.binding");
            let span = ident(b, &bpath, "span_id", "spanId")?;
            let parent = ident(b, &bpath, "parent_span_id", "parentSpanId")?;
            let tool = ident(b, &bpath, "tool_span_id", "toolSpanId")?;
            let anchor = tool.or(parent).or(span);
            if !anchor.is_some_and(|a| known.contains(&a)) {
                return fail(code, "not anchored to a known causal span", bpath);
            }
        }
        Ok(())
    }

    /// Anchors gathered receipt by receipt fail exactly where, and as, the whole-array read
    /// did: unknown and missing anchors, a missing binding, identifiers that do not
    /// normalize or conflict, before and after one another.
    #[test]
    fn anchors_fail_as_the_whole_array_read() {
        let known: HashSet<String> = ["s1", "s2"].iter().map(|s| s.to_string()).collect();
        let shapes = [
            json!({"binding": {"span_id": "s1"}}),
            json!({"binding": {"tool_span_id": " s2 ", "span_id": "zz"}}),
            json!({"binding": {"parentSpanId": "s1", "parent_span_id": "s1"}}),
            json!({"binding": {"span_id": "s9"}}),
            json!({"binding": {}}),
            json!({"no_binding": true}),
            json!({"binding": {"span_id": 7}}),
            json!({"binding": {"toolSpanId": "s1", "tool_span_id": "s2"}}),
        ];
        // Every array of up to three shapes.
        let mut arrays: Vec<Vec<Value>> = vec![Vec::new()];
        for _ in 0..3 {
            let longer: Vec<Vec<Value>> = arrays
                .iter()
                .flat_map(|a| {
                    shapes.iter().map(move |s| {
                        let mut a = a.clone();
                        a.push(s.clone());
                        a
                    })
                })
                .collect();
            arrays.extend(longer);
        }
        arrays.sort_by_key(Vec::len);
        arrays.dedup();
        let code = "CAUSAL_SIDE_EFFECT_ORPHANED";
        let mut failures = 0;
        for items in &arrays {
            let mut a = Anchors::default();
            for (i, r) in items.iter().enumerate() {
                if a.open() {
                    a.push(anchor_of(r, &format!("payload.x[{i}]"), code));
                }
            }
            let want = anchoring_read_whole(items, &known, "x", code);
            failures += usize::from(want.is_err());
            assert_eq!(a.check(&known, "x", code), want, "{items:?}");
        }
        assert!(failures > arrays.len() / 2, "the cases fail in many ways");
    }
}
