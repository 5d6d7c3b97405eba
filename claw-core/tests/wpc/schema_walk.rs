//! Schema-driven conformance: walk the reference JSON Schemas (v1 and v2) next to a document
//! that uses every property, and check every rule at its boundary: unknown properties, missing
//! required properties, wrong types, const/enum, minLength/maxLength (code points), pattern,
//! format, minItems/maxItems, maxProperties, minimum. Each rejected document must fail at the
//! exact JSON path; each boundary document must pass. The limits are read from the schema
//! files, so the reader cannot drift from them unnoticed.
#![allow(clippy::disallowed_methods)] // tests may read JSON with serde_json (clippy.toml)

use crate::common;
use crate::util::DID;
use claw_core::wpc::Policy;
use serde_json::{json, Map, Value};

#[derive(Clone, Debug)]
enum Seg {
    Key(String),
    Index(usize),
}

fn path_string(segs: &[Seg]) -> String {
    let mut p = "$".to_string();
    for s in segs {
        match s {
            Seg::Index(i) => p.push_str(&format!("[{i}]")),
            Seg::Key(k) => {
                let simple = !k.is_empty()
                    && k.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
                    && !k.starts_with(|c: char| c.is_ascii_digit());
                if simple {
                    p.push('.');
                    p.push_str(k);
                } else {
                    p.push_str(&format!("[{}]", Value::String(k.clone())));
                }
            }
        }
    }
    p
}

fn at<'v>(v: &'v mut Value, segs: &[Seg]) -> &'v mut Value {
    segs.iter().fold(v, |v, s| match s {
        Seg::Key(k) => &mut v[k.as_str()],
        Seg::Index(i) => &mut v[*i],
    })
}

enum Expect {
    Ok,
    Err(String),
}

struct Walker<'s> {
    root: &'s Value,
    base: Value,
    cases: Vec<(String, Value, Expect)>,
}

impl Walker<'_> {
    fn resolve<'a>(&'a self, node: &'a Value) -> &'a Value {
        match node.get("$ref").and_then(Value::as_str) {
            Some(r) => {
                let name = r.strip_prefix("#/$defs/").expect("local $ref");
                &self.root["$defs"][name]
            }
            None => node,
        }
    }

    fn case(&mut self, what: String, segs: &[Seg], f: impl FnOnce(&mut Value), expect: Expect) {
        let mut doc = self.base.clone();
        f(at(&mut doc, segs));
        self.cases
            .push((format!("{} {what}", path_string(segs)), doc, expect));
    }

    fn err_here(segs: &[Seg]) -> Expect {
        Expect::Err(path_string(segs))
    }

    /// A string of `n` code points that satisfies the node's pattern (if any).
    fn valid_string(node: &Value, n: usize) -> String {
        match node.get("pattern").and_then(Value::as_str) {
            Some("^did:") => format!("did:{}", "é".repeat(n.saturating_sub(4))),
            Some("^[A-Za-z0-9_-]+$") => "a".repeat(n),
            Some(p) => panic!("pattern {p} not handled by the walker"),
            None => "\u{1F600}".repeat(n), // astral: counts as one code point
        }
    }

    fn walk(&mut self, node: &Value, segs: Vec<Seg>) {
        let node = self.resolve(node).clone();
        let here = || segs.clone();
        if let Some(c) = node.get("const") {
            let _ = c;
            self.case(
                "const".into(),
                &segs,
                |v| *v = json!("x-not-the-const"),
                Self::err_here(&segs),
            );
            return;
        }
        if node.get("enum").is_some() {
            self.case(
                "enum".into(),
                &segs,
                |v| *v = json!("x-not-in-enum"),
                Self::err_here(&segs),
            );
            self.case(
                "enum type".into(),
                &segs,
                |v| *v = json!(1),
                Self::err_here(&segs),
            );
            return;
        }
        match node.get("type").and_then(Value::as_str) {
            Some("object") => {
                self.case(
                    "type".into(),
                    &segs,
                    |v| *v = json!("not an object"),
                    Self::err_here(&segs),
                );
                if node.get("additionalProperties") == Some(&Value::Bool(false)) {
                    let mut unknown = here();
                    unknown.push(Seg::Key("zz_unknown".into()));
                    self.case(
                        "unknown property".into(),
                        &segs,
                        |v| v["zz_unknown"] = json!(1),
                        Self::err_here(&unknown),
                    );
                }
                let required: Vec<String> = node
                    .get("required")
                    .and_then(Value::as_array)
                    .map(|r| {
                        r.iter()
                            .filter_map(|s| s.as_str().map(String::from))
                            .collect()
                    })
                    .unwrap_or_default();
                for r in &required {
                    let r2 = r.clone();
                    self.case(
                        format!("missing required {r}"),
                        &segs,
                        move |v| {
                            v.as_object_mut().unwrap().remove(&r2);
                        },
                        Self::err_here(&segs),
                    );
                }
                let inst = at(&mut self.base.clone(), &segs).clone();
                if let Some(props) = node.get("properties").and_then(Value::as_object) {
                    for (k, sub) in props {
                        if inst.get(k).is_none() {
                            panic!("base document lacks {} {k}", path_string(&segs));
                        }
                        if !required.contains(k) {
                            let k2 = k.clone();
                            self.case(
                                format!("optional {k} omitted"),
                                &segs,
                                move |v| {
                                    v.as_object_mut().unwrap().remove(&k2);
                                },
                                Expect::Ok,
                            );
                        }
                        let mut s = here();
                        s.push(Seg::Key(k.clone()));
                        self.walk(sub, s);
                    }
                }
                if let Some(add) = node.get("additionalProperties").filter(|a| a.is_object()) {
                    for k in inst.as_object().unwrap().keys() {
                        let mut s = here();
                        s.push(Seg::Key(k.clone()));
                        self.walk(add, s);
                    }
                    if let Some(max) = node.get("maxProperties").and_then(Value::as_u64) {
                        let fill = |n: u64| {
                            move |v: &mut Value| {
                                let o = v.as_object_mut().unwrap();
                                let mut i = 0;
                                while (o.len() as u64) < n {
                                    o.insert(format!("Gen:Key{i}"), json!("v"));
                                    i += 1;
                                }
                            }
                        };
                        self.case(format!("maxProperties {max}"), &segs, fill(max), Expect::Ok);
                        self.case(
                            format!("maxProperties {max}+1"),
                            &segs,
                            fill(max + 1),
                            Self::err_here(&segs),
                        );
                    }
                }
            }
            Some("string") => {
                self.case(
                    "type".into(),
                    &segs,
                    |v| *v = json!(7),
                    Self::err_here(&segs),
                );
                let min = node.get("minLength").and_then(Value::as_u64).unwrap_or(0) as usize;
                let max = node
                    .get("maxLength")
                    .and_then(Value::as_u64)
                    .map(|m| m as usize);
                let floor = if node.get("pattern").and_then(Value::as_str) == Some("^did:") {
                    4
                } else {
                    1
                };
                if min > 0 {
                    let s = Self::valid_string(&node, min - 1);
                    if min > floor || node.get("pattern").is_none() {
                        self.case(
                            format!("minLength {min}-1"),
                            &segs,
                            |v| *v = json!(s),
                            Self::err_here(&segs),
                        );
                    } else {
                        let short: String = "did:".chars().take(min - 1).collect();
                        self.case(
                            format!("minLength {min}-1"),
                            &segs,
                            |v| *v = json!(short),
                            Self::err_here(&segs),
                        );
                    }
                    let s = Self::valid_string(&node, min.max(floor));
                    self.case(
                        format!("minLength {min}"),
                        &segs,
                        |v| *v = json!(s),
                        Expect::Ok,
                    );
                }
                if let Some(max) = max {
                    let s = Self::valid_string(&node, max);
                    self.case(
                        format!("maxLength {max}"),
                        &segs,
                        |v| *v = json!(s),
                        Expect::Ok,
                    );
                    let s = Self::valid_string(&node, max + 1);
                    self.case(
                        format!("maxLength {max}+1"),
                        &segs,
                        |v| *v = json!(s),
                        Self::err_here(&segs),
                    );
                }
                match node.get("pattern").and_then(Value::as_str) {
                    Some("^did:") => self.case(
                        "pattern".into(),
                        &segs,
                        |v| *v = json!("dix:example"),
                        Self::err_here(&segs),
                    ),
                    Some(_) => self.case(
                        "pattern".into(),
                        &segs,
                        |v| *v = json!("abcdefgh!"),
                        Self::err_here(&segs),
                    ),
                    None => {}
                }
                if node.get("format").and_then(Value::as_str) == Some("date-time") {
                    self.case(
                        "format".into(),
                        &segs,
                        |v| *v = json!("2026-02-30T00:00:00Z"),
                        Self::err_here(&segs),
                    );
                }
            }
            Some("array") => {
                self.case(
                    "type".into(),
                    &segs,
                    |v| *v = json!({}),
                    Self::err_here(&segs),
                );
                let min = node.get("minItems").and_then(Value::as_u64).unwrap_or(0) as usize;
                let statements = matches!(segs.last(), Some(Seg::Key(k)) if k == "statements");
                let resize = move |n: usize| {
                    move |v: &mut Value| {
                        let a = v.as_array_mut().unwrap();
                        let first = a[0].clone();
                        a.truncate(n);
                        while a.len() < n {
                            let mut item = first.clone();
                            if statements {
                                item["sid"] = json!(format!("gen{}", a.len()));
                            }
                            a.push(item);
                        }
                    }
                };
                if min > 0 {
                    self.case(
                        format!("minItems {min}-1"),
                        &segs,
                        resize(min - 1),
                        Self::err_here(&segs),
                    );
                    self.case(format!("minItems {min}"), &segs, resize(min), Expect::Ok);
                } else {
                    self.case("empty".into(), &segs, resize(0), Expect::Ok);
                }
                if let Some(max) = node.get("maxItems").and_then(Value::as_u64) {
                    let max = max as usize;
                    self.case(format!("maxItems {max}"), &segs, resize(max), Expect::Ok);
                    self.case(
                        format!("maxItems {max}+1"),
                        &segs,
                        resize(max + 1),
                        Self::err_here(&segs),
                    );
                }
                let items = node.get("items").expect("items").clone();
                let mut s = here();
                s.push(Seg::Index(0));
                self.walk(&items, s);
            }
            Some("number") => {
                self.case(
                    "type".into(),
                    &segs,
                    |v| *v = json!("1"),
                    Self::err_here(&segs),
                );
                if let Some(m) = node.get("minimum").and_then(Value::as_f64) {
                    self.case(format!("minimum {m}"), &segs, |v| *v = json!(m), Expect::Ok);
                    self.case(
                        format!("minimum {m}-0.5"),
                        &segs,
                        |v| *v = json!(m - 0.5),
                        Self::err_here(&segs),
                    );
                }
            }
            other => panic!(
                "schema node type {other:?} at {} not handled",
                path_string(&segs)
            ),
        }
    }
}

fn run(schema_file: &str, base: Value) -> usize {
    let schema: Value = serde_json::from_slice(&common::read_shared(schema_file)).unwrap();
    Policy::parse(base.to_string().as_bytes()).unwrap_or_else(|e| panic!("base document: {e}"));
    let mut w = Walker {
        root: &schema,
        base,
        cases: Vec::new(),
    };
    w.walk(&schema, Vec::new());
    let mut failures = Vec::new();
    for (what, doc, expect) in &w.cases {
        let got = Policy::parse(doc.to_string().as_bytes());
        match (expect, got) {
            (Expect::Ok, Ok(_)) => {}
            (Expect::Ok, Err(e)) => failures.push(format!("{what}: expected Ok, got {e}")),
            (Expect::Err(_), Ok(_)) => failures.push(format!("{what}: expected an error, got Ok")),
            (Expect::Err(p), Err(e)) => {
                if e.path() != Some(p.as_str()) || !e.to_string().starts_with(p.as_str()) {
                    failures.push(format!(
                        "{what}: expected error at {p}, got {e} ({:?})",
                        e.path()
                    ));
                }
                if !matches!(
                    e.reason_code(),
                    "SCHEMA_VALIDATION_FAILED" | "UNKNOWN_SCHEMA_VERSION"
                ) {
                    failures.push(format!("{what}: reason {}", e.reason_code()));
                }
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases failed:\n{}",
        failures.len(),
        w.cases.len(),
        failures.join("\n")
    );
    w.cases.len()
}

#[test]
fn v1_schema_boundaries() {
    let base = json!({
        "policy_version": "1", "policy_id": "p1", "issuer_did": DID,
        "allowed_providers": ["openai"], "allowed_models": ["gpt-*"],
        "minimum_model_identity_tier": "tee_measured", "required_audit_packs": ["abcdefgh"],
        "redaction_rules": [{"path": "$.x", "action": "mask"}], "receipt_privacy_mode": "encrypted",
        "egress_allowlist": ["a.example"], "metadata": {"k": "v"}
    });
    let n = run("clawsig/policy/work_policy_contract.v1.json", base);
    assert!(n > 60, "{n} cases");
}

#[test]
fn v2_schema_boundaries() {
    let mut conditions = Map::new();
    for op in [
        "StringEquals",
        "StringNotEquals",
        "StringLike",
        "StringNotLike",
        "NumericEquals",
        "NumericLessThan",
        "NumericGreaterThan",
        "Bool",
        "IpAddress",
    ] {
        conditions.insert(op.into(), json!({"Context:Hour": "1"}));
    }
    let base = json!({
        "policy_version": "2", "policy_id": "p2", "issuer_did": DID, "inherits": "parent",
        "coverage_enforcement": "enforce",
        "witnessed_web_policy": {"mode": "enforce", "quorum": {"m": 2, "n": 3},
            "transparency": {"mode": "warn", "required_after": "2026-01-01T00:00:00Z"}},
        "statements": [
            {"sid": "s1", "effect": "Deny", "actions": ["tool:*"], "resources": ["*"], "conditions": conditions},
            {"sid": "s2", "effect": "Allow", "actions": ["*"], "resources": ["src/**/*.ts"]}
        ],
        "metadata": {"k": "v"}
    });
    let n = run("clawsig/policy/work_policy_contract.v2.json", base);
    assert!(n > 100, "{n} cases");
}
