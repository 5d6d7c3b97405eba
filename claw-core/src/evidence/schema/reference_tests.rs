//! Holds every schema table to the reference's JSON Schema file it copies
//! (`../shared/clawsig/poh/*.json`), judged by an independent implementation (the `jsonschema`
//! crate, draft 2020-12, formats checked). For each table, an instance is generated from the
//! table (every member present), then mutated at every node: a required member dropped, an
//! optional member dropped, the wrong type, a pattern, length or format violation, an extra
//! member, each enum value and a non-member, a const's other value, a number under its minimum,
//! an array under/over its bounds. Our engine and the reference's schema must agree on
//! accept/reject for each, except where [`EXCEPTIONS`] names a deliberate difference (each with
//! its row in docs/SPEC.md "Differences from the reference"); an exception that no longer
//! matches anything fails the test too.
#![allow(clippy::disallowed_methods)] // tests may read JSON with serde_json (clippy.toml)

use super::engine::{Max, Obj, Pat, S};
use super::{tables, ArrayLimits, Schema};
use serde_json::{json, Map, Value};
use std::path::{Path, PathBuf};

/// A deliberate difference: (schema file, path suffix, mutation, why).
struct Exception {
    file: &'static str,
    /// The JSON path of the mutated node ends with this.
    path_suffix: &'static str,
    /// The mutation's name (see [`Mutation::name`]).
    mutation: &'static str,
    why: &'static str,
}

const EXCEPTIONS: &[Exception] = &[
    Exception {
        file: "*",
        path_suffix: ".metadata",
        mutation: "object-only",
        why: "model_identity in gateway receipt metadata is checked to be an object only \
              (SPEC §6.5)",
    },
    Exception {
        file: "*",
        path_suffix: "",
        mutation: "unverified-evidence",
        why: "members the reference defines as evidence and claw does not verify fail closed \
              (SPEC: Evidence claw does not verify)",
    },
];

/// Where the reference's schema files are: `$CLAW_SHARED_DIR/clawsig/poh` or `shared/` found
/// above this crate. Missing files fail the test (it must not pass vacuously).
fn poh_dir() -> PathBuf {
    if let Ok(d) = std::env::var("CLAW_SHARED_DIR") {
        return PathBuf::from(d).join("clawsig/poh");
    }
    let mut here = Path::new(env!("CARGO_MANIFEST_DIR")).to_path_buf();
    loop {
        for c in [here.join("shared"), here.join("../shared")] {
            if c.join("clawsig/poh").is_dir() {
                return c.join("clawsig/poh");
            }
        }
        assert!(
            here.pop(),
            "shared/clawsig/poh not found; set CLAW_SHARED_DIR"
        );
    }
}

/// Resolves `$ref`s (absolute `$id`s and relative file names alike) to files of `poh/`.
struct PohRetriever(PathBuf);

impl jsonschema::Retrieve for PohRetriever {
    fn retrieve(
        &self,
        uri: &jsonschema::Uri<String>,
    ) -> Result<Value, Box<dyn std::error::Error + Send + Sync>> {
        let last = uri.path().as_str().rsplit('/').next().unwrap_or_default();
        let file = last.strip_prefix("claw.poh.").unwrap_or(last);
        let text = std::fs::read_to_string(self.0.join(file))?;
        Ok(serde_json::from_str(&text)?)
    }
}

/// The validator of `spec`: a schema file of `poh/`, or `FILE#POINTER` for a subschema of
/// one (the bundle's inline item schemas).
fn reference_validator(dir: &Path, spec: &str) -> jsonschema::Validator {
    let (file, pointer) = spec.split_once('#').unwrap_or((spec, ""));
    let text = std::fs::read_to_string(dir.join(file)).unwrap_or_else(|e| panic!("{file}: {e}"));
    let mut schema: Value = serde_json::from_str(&text).unwrap();
    if !pointer.is_empty() {
        let id = schema["$id"].as_str().unwrap().to_string();
        schema = json!({ "$ref": format!("{id}#{pointer}") });
    }
    jsonschema::options()
        .with_draft(jsonschema::Draft::Draft202012)
        .should_validate_formats(true)
        .with_retriever(PohRetriever(dir.to_path_buf()))
        .build(&schema)
        .unwrap_or_else(|e| panic!("{file}: {e}"))
}

// ---------------------------------------------------------------------------------------
// Instances generated from a table
// ---------------------------------------------------------------------------------------

fn good_string(min: usize, pat: Option<Pat>, datetime: bool) -> String {
    if datetime {
        return "2026-02-11T00:00:00.000Z".into();
    }
    let base = match pat {
        None => "x".to_string(),
        Some(Pat::B64u) => "AAAAAAAA".into(),
        Some(Pat::Did) => "did:key:z6MkTest".into(),
        Some(Pat::Digits) => "42".into(),
        Some(Pat::Eip155) => "eip155:1:0x0123456789abcdef0123456789ABCDEF01234567".into(),
        Some(Pat::Uri) => "https://example.com/x".into(),
    };
    let pad = if pat == Some(Pat::B64u) { "A" } else { "x" };
    let mut s = base;
    while s.chars().count() < min {
        s.push_str(pad);
    }
    s
}

/// Members our tables check more loosely than the reference's schema (the exceptions
/// `object-only` below): left out of generated instances, then added back as `{}` by the
/// mutation `object-only`.
const LOOSE_MEMBERS: &[&str] = &["model_identity"];

/// A valid instance with every member of every object present (but [`LOOSE_MEMBERS`] of
/// objects that are `OBJ_ANY` in our tables); `oneOf` takes its first branch.
fn generate(s: &S) -> Value {
    match s {
        S::Any => json!("any"),
        S::Str(st) => Value::String(good_string(st.min, st.pat, st.datetime)),
        S::Const(c) => json!(c),
        S::Enum(e) => json!(e[0]),
        S::Num { min, .. } => json!(min.map_or(1.0, |m| m.max(1.0)) as u64),
        S::Bool => json!(true),
        S::Nullable(inner) => generate(inner),
        S::Obj(o) => {
            let mut m = Map::new();
            for (k, v) in o.props {
                let loose = is_obj_any(v) && LOOSE_MEMBERS.contains(k);
                if !(matches!(v, S::Unsupported) || loose) {
                    m.insert((*k).to_string(), generate(v));
                }
            }
            Value::Object(m)
        }
        S::Map(inner) => json!({ "k": generate(inner) }),
        S::Arr(a) => Value::Array(vec![generate(a.items); a.min.max(1)]),
        S::OneOf(alts) => generate(&alts[0]),
        S::With(inner, _) => {
            let mut v = generate(inner);
            // `execution_attestation.v1`: a consistent instance of its if/then rule.
            if v.get("execution_type").is_some() {
                v["execution_type"] = json!("tee_execution");
            }
            v
        }
        S::Unsupported => Value::Null,
    }
}

// ---------------------------------------------------------------------------------------
// Mutations
// ---------------------------------------------------------------------------------------

#[derive(Debug, Clone)]
enum Seg {
    Key(String),
    Idx(usize),
}

#[derive(Debug, Clone)]
struct Mutation {
    at: Vec<Seg>,
    /// The JSON path of the node in our error format.
    path: String,
    name: &'static str,
    op: Op,
}

#[derive(Debug, Clone)]
enum Op {
    Set(Value),
    Remove(String),
    Insert(String, Value),
}

impl Mutation {
    fn apply(&self, root: &Value) -> Value {
        let mut out = root.clone();
        let mut cur = &mut out;
        for s in &self.at {
            cur = match s {
                Seg::Key(k) => &mut cur[k.as_str()],
                Seg::Idx(i) => &mut cur[*i],
            };
        }
        match &self.op {
            Op::Set(v) => *cur = v.clone(),
            Op::Remove(k) => {
                cur.as_object_mut().unwrap().shift_remove(k);
            }
            Op::Insert(k, v) => {
                cur.as_object_mut().unwrap().insert(k.clone(), v.clone());
            }
        }
        out
    }
}

fn is_obj_any(s: &S) -> bool {
    matches!(s, S::Obj(o) if o.props.is_empty() && !o.closed && o.required.is_empty())
}

fn wrong_type(s: &S) -> Value {
    match s {
        S::Str(_) | S::Const(_) | S::Enum(_) | S::Nullable(_) => json!(12345),
        S::Num { .. } => json!("1"),
        S::Bool => json!("true"),
        S::Obj(_) | S::Map(_) => json!([]),
        S::Arr(_) => json!({}),
        _ => json!(null),
    }
}

struct Walk<'a> {
    out: Vec<Mutation>,
    limits: &'a ArrayLimits,
    /// Every `enum` of the reference's schema files.
    reference_enums: &'a [Vec<String>],
}

/// Every `enum` list of strings in the reference's schema files.
fn reference_enums(dir: &Path) -> Vec<Vec<String>> {
    fn walk(v: &Value, out: &mut Vec<Vec<String>>) {
        match v {
            Value::Object(m) => {
                if let Some(Value::Array(e)) = m.get("enum") {
                    out.push(
                        e.iter()
                            .filter_map(|x| x.as_str().map(String::from))
                            .collect(),
                    );
                }
                m.values().for_each(|x| walk(x, out));
            }
            Value::Array(a) => a.iter().for_each(|x| walk(x, out)),
            _ => {}
        }
    }
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let path = e.unwrap().path();
        if path.extension().is_some_and(|x| x == "json") {
            let v: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
            walk(&v, &mut out);
        }
    }
    assert!(
        out.len() > 20,
        "reference enums not found in {}",
        dir.display()
    );
    out
}

impl Walk<'_> {
    fn push(&mut self, at: &[Seg], path: &str, name: &'static str, op: Op) {
        self.out.push(Mutation {
            at: at.to_vec(),
            path: path.to_string(),
            name,
            op,
        });
    }

    fn set(&mut self, at: &[Seg], path: &str, name: &'static str, v: Value) {
        self.push(at, path, name, Op::Set(v));
    }

    /// Mutations of the node `s` found at `at` with value `v`.
    fn node(&mut self, s: &S, v: &Value, at: &mut Vec<Seg>, path: &str) {
        if !matches!(s, S::Any | S::Unsupported | S::OneOf(_) | S::With(..)) {
            self.set(at, path, "wrong-type", wrong_type(s));
        }
        match s {
            S::Any | S::Bool | S::Unsupported => {}
            S::Str(st) => {
                if st.min > 0 {
                    let short = good_string(0, st.pat, false);
                    let short: String = short.chars().take(st.min - 1).collect();
                    self.set(at, path, "too-short", json!(short));
                }
                if let Some(p) = st.pat {
                    let bad = match p {
                        Pat::B64u => "AAAA+AAAA/",
                        Pat::Did => "xid:key:z6Mk",
                        Pat::Digits => "12a",
                        Pat::Eip155 => "eip155:1:0x0123",
                        Pat::Uri => "no scheme here",
                    };
                    self.set(at, path, "pattern", json!(bad));
                }
                if st.datetime {
                    self.set(at, path, "format", json!("2026-02-30 nope"));
                }
            }
            S::Const(c) => self.set(at, path, "const-other", json!(format!("{c}x"))),
            S::Enum(e) => {
                for x in *e {
                    self.set(at, path, "enum-member", json!(x));
                }
                self.set(at, path, "enum-non-member", json!("not-a-member"));
                // Members of the reference's enums that share a value with ours: a member
                // our table lacks is tried here.
                let mut extra: Vec<&str> = self
                    .reference_enums
                    .iter()
                    .filter(|r| r.iter().any(|x| e.contains(&x.as_str())))
                    .flatten()
                    .map(String::as_str)
                    .filter(|x| !e.contains(x))
                    .collect();
                extra.sort_unstable();
                extra.dedup();
                for x in extra {
                    self.set(at, path, "enum-reference-member", json!(x));
                }
            }
            S::Num { min, .. } => {
                if let Some(m) = min {
                    self.set(at, path, "below-minimum", json!(m - 1.0));
                }
                self.set(at, path, "fraction", json!(2.5));
            }
            S::Nullable(inner) => {
                self.set(at, path, "null", Value::Null);
                self.node(inner, v, at, path);
            }
            S::Map(inner) => {
                self.push(at, path, "map-empty", Op::Set(json!({})));
                if let Some(x) = v.get("k") {
                    at.push(Seg::Key("k".into()));
                    self.node(inner, x, at, &format!("{path}[\"k\"]"));
                    at.pop();
                }
            }
            S::Arr(a) => {
                let item = v.get(0).cloned().unwrap_or(Value::Null);
                if a.min > 0 {
                    self.set(at, path, "too-few-items", json!([]));
                }
                let max = match a.max {
                    Max::Unbounded => None,
                    Max::N(n) => Some(n),
                    Max::Receipts => Some(self.limits.receipts),
                    Max::RateLimitClaims => Some(self.limits.rate_limit_claims),
                };
                if let Some(n) = max {
                    self.set(
                        at,
                        path,
                        "at-max-items",
                        Value::Array(vec![item.clone(); n]),
                    );
                    self.set(at, path, "too-many-items", Value::Array(vec![item; n + 1]));
                }
                if let Some(x) = v.get(0) {
                    at.push(Seg::Idx(0));
                    self.node(a.items, x, at, &format!("{path}[0]"));
                    at.pop();
                }
            }
            S::OneOf(alts) => {
                // Each branch's own instance, whole, then the first branch's mutations.
                for alt in alts.iter().skip(1) {
                    self.set(at, path, "one-of-branch", generate(alt));
                }
                self.node(&alts[0], v, at, path);
            }
            S::With(inner, _) => {
                self.node(inner, v, at, path);
                // The rule's premise without its consequence.
                if let Some(o) = v.as_object() {
                    if o.contains_key("runtime_metadata") {
                        self.push(at, path, "rule-drop", Op::Remove("runtime_metadata".into()));
                    }
                }
            }
            S::Obj(o) => self.object(o, v, at, path),
        }
    }

    fn object(&mut self, o: &Obj, v: &Value, at: &mut Vec<Seg>, path: &str) {
        self.push(
            at,
            path,
            "extra-member",
            Op::Insert("zz_extra".into(), json!(1)),
        );
        for (k, s) in o.props {
            if is_obj_any(s) && LOOSE_MEMBERS.contains(k) {
                self.push(at, path, "object-only", Op::Insert((*k).into(), json!({})));
                continue;
            }
            if matches!(s, S::Unsupported) {
                self.push(
                    at,
                    path,
                    "unverified-evidence",
                    Op::Insert((*k).into(), json!({})),
                );
                continue;
            }
            let name = if o.required.contains(k) {
                "drop-required"
            } else {
                "drop-optional"
            };
            self.push(at, path, name, Op::Remove((*k).into()));
        }
        if !o.any_of_required.is_empty() {
            let mut keep = v.clone();
            if let Some(m) = keep.as_object_mut() {
                for k in o.any_of_required {
                    m.shift_remove(*k);
                }
            }
            self.set(at, path, "drop-any-of", keep);
        }
        for (k, s) in o.props {
            if let Some(x) = v.get(*k) {
                at.push(Seg::Key((*k).into()));
                self.node(s, x, at, &format!("{path}.{k}"));
                at.pop();
            }
        }
    }
}

/// Each table and the reference file it copies.
fn pairs() -> Vec<(&'static S, &'static str)> {
    vec![
        (&tables::RECEIPT_BINDING, "receipt_binding.v1.json"),
        (
            &tables::GATEWAY_ENVELOPE,
            "gateway_receipt_envelope.v1.json",
        ),
        (&tables::TOOL_V1, "tool_receipt.v1.json"),
        (&tables::TOOL_V1_ENVELOPE, "tool_receipt_envelope.v1.json"),
        (&tables::TOOL_V2, "tool_receipt.v2.json"),
        (&tables::TOOL_V2_ENVELOPE, "tool_receipt_envelope.v2.json"),
        (&tables::CO_SIGNATURE, "co_signature.v1.json"),
        (
            &tables::SELECTIVE_DISCLOSURE,
            "selective_disclosure.v1.json",
        ),
        // The bundle's inline item schemas (the standalone receipt schemas differ).
        (
            &tables::SIDE_EFFECT_ITEM,
            "proof_bundle.v1.json#/properties/side_effect_receipts/items",
        ),
        (
            &tables::HUMAN_APPROVAL_ITEM,
            "proof_bundle.v1.json#/properties/human_approval_receipts/items",
        ),
        (
            &tables::DELEGATION_ITEM,
            "proof_bundle.v1.json#/properties/delegation_receipts/items",
        ),
        (
            &tables::EVENT_ITEM,
            "proof_bundle.v1.json#/properties/event_chain/items",
        ),
        (&tables::LOG_INCLUSION_PROOF, "log_inclusion_proof.v1.json"),
        (&tables::MODEL_IDENTITY, "model_identity.v1.json"),
        (
            &tables::EXECUTION_ATTESTATION,
            "execution_attestation.v1.json",
        ),
        (
            &tables::DERIVATION_ATTESTATION,
            "derivation_attestation.v1.json",
        ),
        (
            &tables::AUDIT_RESULT_ATTESTATION,
            "audit_result_attestation.v1.json",
        ),
        (&tables::EXPORT_MANIFEST, "export_bundle_manifest.v1.json"),
        (&tables::BUNDLE_ENVELOPE, "proof_bundle_envelope.v1.json"),
        (&tables::EXPORT_BUNDLE, "export_bundle.v1.json"),
        (
            &tables::AGGREGATE_ENVELOPE,
            "aggregate_bundle_envelope.v1.json",
        ),
    ]
}

fn excepted(file: &str, m: &Mutation) -> Option<usize> {
    EXCEPTIONS.iter().position(|e| {
        (e.file == "*" || e.file == file) && m.path.ends_with(e.path_suffix) && e.mutation == m.name
    })
}

#[test]
fn tables_agree_with_the_reference_schemas() {
    let dir = poh_dir();
    let limits = ArrayLimits::REFERENCE;
    let enums = reference_enums(&dir);
    let mut used = vec![false; EXCEPTIONS.len()];
    let mut disagreements = Vec::new();
    let mut checked = 0usize;
    for (node, file) in pairs() {
        let reference = reference_validator(&dir, file);
        let ours = Schema::new(node, limits);
        let valid = generate(node);
        assert!(
            ours.validate(&valid, "$").is_ok(),
            "{file}: our own generated instance fails: {:?}",
            ours.validate(&valid, "$")
        );
        let ref_ok = reference.is_valid(&valid);
        assert!(
            ref_ok,
            "{file}: the generated instance fails the reference: {valid}"
        );
        let mut walk = Walk {
            out: Vec::new(),
            limits: &limits,
            reference_enums: &enums,
        };
        walk.node(node, &valid, &mut Vec::new(), "$");
        for m in &walk.out {
            let inst = m.apply(&valid);
            let a = ours.validate(&inst, "$").is_ok();
            let b = reference.is_valid(&inst);
            checked += 1;
            if a == b {
                continue;
            }
            match excepted(file, m) {
                Some(i) => used[i] = true,
                None => disagreements.push(format!(
                    "{file} {} {} {:.160}: claw {} reference {}",
                    m.path,
                    m.name,
                    format!("{:?}", m.op),
                    if a { "accepts" } else { "rejects" },
                    if b { "accepts" } else { "rejects" }
                )),
            }
        }
    }
    eprintln!(
        "{checked} instances checked, {} disagreements excepted",
        used.iter().filter(|u| **u).count()
    );
    assert!(checked > 2000, "only {checked} instances checked");
    let unused: Vec<_> = EXCEPTIONS
        .iter()
        .zip(&used)
        .filter(|(_, u)| !**u)
        .map(|(e, _)| format!("{} {} {}: {}", e.file, e.path_suffix, e.mutation, e.why))
        .collect();
    assert!(
        disagreements.is_empty() && unused.is_empty(),
        "{} disagreements:\n{}\nunused exceptions:\n{}",
        disagreements.len(),
        disagreements.join("\n"),
        unused.join("\n")
    );
}
