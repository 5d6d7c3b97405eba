//! Property tests: canonical form, hash independence, and decisions against an oracle.

use crate::util::DID;
use claw_core::json;
use claw_core::wpc::{CompiledPolicy, Overrides, Policy, PolicyRuntime, Request, Verdict};
use proptest::prelude::*;
use serde_json::{json, Map, Value};
use std::sync::Arc;

// ---------- generators ----------

fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        (-1_000_000i64..1_000_000).prop_map(Value::from),
        (-1e6f64..1e6).prop_map(|f| json!(f)),
        "[a-zA-Z0-9 é\u{1F600}\\\\\"\n]{0,8}".prop_map(Value::String),
    ];
    leaf.prop_recursive(4, 32, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..5).prop_map(Value::Array),
            prop::collection::btree_map("[a-zé_:]{0,6}", inner, 0..5)
                .prop_map(|m| Value::Object(m.into_iter().collect::<Map<_, _>>())),
        ]
    })
}

const ACTIONS: &[&str] = &[
    "tool:execute",
    "tool:*",
    "model:invoke",
    "*",
    "side_effect:*",
    "tool:?xecute",
    "**",
];
const RESOURCES: &[&str] = &[
    "a",
    "b",
    "a*",
    "*b",
    "*",
    "a/**",
    "**/b",
    "?",
    "a/b",
    "src/**/*.ts",
    "a?b",
    "**",
];
const KEYS: &[&str] = &["k1", "k2"];
const VALUES: &[&str] = &["a", "ab", "3", "7", "true", "false", "junk", "a/b"];
const OPS: &[(&str, &[&str])] = &[
    ("StringEquals", &["a", "ab", "true"]),
    ("StringNotEquals", &["a", "7"]),
    ("StringLike", &["a*", "?", "*b"]),
    ("StringNotLike", &["a*"]),
    ("NumericLessThan", &["5", "x"]),
    ("Bool", &["true", "false", "maybe"]),
];

fn statement(i: usize) -> impl Strategy<Value = Value> {
    (
        any::<bool>(),
        prop::collection::vec(prop::sample::select(ACTIONS), 1..3),
        prop::collection::vec(prop::sample::select(RESOURCES), 1..3),
        prop::collection::vec((0..OPS.len(), prop::sample::select(KEYS), 0..3usize), 0..3),
    )
        .prop_map(move |(deny, actions, resources, conds)| {
            let mut s = json!({
                "sid": format!("s{i}"),
                "effect": if deny { "Deny" } else { "Allow" },
                "actions": actions, "resources": resources,
            });
            if !conds.is_empty() {
                let mut c = Map::new();
                for (op, key, vi) in conds {
                    let (name, vals) = OPS[op];
                    let m = c.entry(name).or_insert_with(|| json!({}));
                    m[key] = json!(vals[vi % vals.len()]);
                }
                s["conditions"] = Value::Object(c);
            }
            s
        })
}

fn policy_value() -> impl Strategy<Value = Value> {
    (1..8usize)
        .prop_flat_map(|n| (0..n).map(statement).collect::<Vec<_>>())
        .prop_flat_map(|stmts| {
            (Just(stmts), prop::option::of(json_value())).prop_map(|(stmts, meta)| {
                let mut v = json!({"policy_version": "2", "policy_id": "prop", "issuer_did": DID, "statements": stmts});
                if let Some(m) = meta {
                    v["metadata"] = json!({ "free": m });
                }
                v
            })
        })
}

fn request() -> impl Strategy<Value = (String, String, Vec<(&'static str, &'static str)>)> {
    (
        prop::sample::select(
            &[
                "tool:execute",
                "tool:run",
                "model:invoke",
                "side_effect:network_egress",
                "other",
            ][..],
        ),
        prop::sample::select(
            &[
                "a",
                "b",
                "ab",
                "a/b",
                "src/a.ts",
                "src/x/y.ts",
                "axb",
                "a/x/y/b",
                "x",
            ][..],
        ),
        prop::collection::vec(
            (prop::sample::select(KEYS), prop::sample::select(VALUES)),
            0..3,
        ),
    )
        .prop_map(|(a, r, mut ctx)| {
            ctx.sort();
            ctx.dedup_by_key(|(k, _)| *k);
            (a.to_string(), r.to_string(), ctx)
        })
}

// ---------- an independent oracle ----------

/// The reference glob, written as plain recursion over characters.
fn oracle_glob(p: &str, v: &str) -> bool {
    if p == "*" || p == "**" {
        return true;
    }
    fn go(p: &[char], v: &[char]) -> bool {
        match p {
            [] => v.is_empty(),
            ['*', '*', rest @ ..] => {
                let rest = rest.strip_prefix(&['/']).unwrap_or(rest);
                (0..=v.len())
                    .any(|i| v[..i].iter().all(|c| *c != '\n' && *c != '\r') && go(rest, &v[i..]))
            }
            ['*', rest @ ..] => {
                (0..=v.len()).any(|i| v[..i].iter().all(|c| *c != '/') && go(rest, &v[i..]))
            }
            ['?', rest @ ..] => matches!(v.first(), Some(c) if *c != '/') && go(rest, &v[1..]),
            [c, rest @ ..] => v.first() == Some(c) && go(rest, &v[1..]),
        }
    }
    go(
        &p.chars().collect::<Vec<_>>(),
        &v.chars().collect::<Vec<_>>(),
    )
}

#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Debug)]
enum T3 {
    True,
    Unresolved,
    Error,
    False,
}

fn oracle_conds(conds: Option<&Value>, ctx: &[(&str, &str)]) -> T3 {
    let Some(conds) = conds else { return T3::True };
    let num = |s: &str| {
        (!s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())).then(|| s.parse::<f64>().unwrap())
    };
    let boolean = |s: &str| match s {
        "true" => Some(true),
        "false" => Some(false),
        _ => None,
    };
    let mut acc = T3::True;
    for (op, map) in conds.as_object().unwrap() {
        for (k, want) in map.as_object().unwrap() {
            let want = want.as_str().unwrap();
            let got = ctx.iter().find(|(kk, _)| kk == k).map(|(_, v)| *v);
            let t = match (op.as_str(), got) {
                ("NumericLessThan", _) if num(want).is_none() => T3::Error,
                ("Bool", _) if boolean(want).is_none() => T3::Error,
                (_, None) => T3::Unresolved,
                ("StringEquals", Some(g)) => {
                    if g == want {
                        T3::True
                    } else {
                        T3::False
                    }
                }
                ("StringNotEquals", Some(g)) => {
                    if g != want {
                        T3::True
                    } else {
                        T3::False
                    }
                }
                ("StringLike", Some(g)) => {
                    if oracle_glob(want, g) {
                        T3::True
                    } else {
                        T3::False
                    }
                }
                ("StringNotLike", Some(g)) => {
                    if !oracle_glob(want, g) {
                        T3::True
                    } else {
                        T3::False
                    }
                }
                ("NumericLessThan", Some(g)) => match num(g) {
                    None => T3::Error,
                    Some(x) => {
                        if x < num(want).unwrap() {
                            T3::True
                        } else {
                            T3::False
                        }
                    }
                },
                ("Bool", Some(g)) => match boolean(g) {
                    None => T3::Error,
                    Some(b) => {
                        if Some(b) == boolean(want) {
                            T3::True
                        } else {
                            T3::False
                        }
                    }
                },
                (other, _) => panic!("operator {other}"),
            };
            acc = acc.max(t);
        }
    }
    acc
}

/// Which statements match (action and resource) with which condition outcome.
fn oracle_matches(
    policy: &Value,
    action: &str,
    resource: &str,
    ctx: &[(&str, &str)],
) -> Vec<(bool, T3)> {
    policy["statements"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| {
            s["actions"]
                .as_array()
                .unwrap()
                .iter()
                .any(|p| oracle_glob(p.as_str().unwrap(), action))
                && s["resources"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .any(|p| oracle_glob(p.as_str().unwrap(), resource))
        })
        .map(|s| {
            (
                s["effect"] == "Deny",
                oracle_conds(s.get("conditions"), ctx),
            )
        })
        .collect()
}

// ---------- a writer that shuffles keys and whitespace ----------

struct Shuffle(u64);

impl Shuffle {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        self.0 >> 33
    }
    fn ws(&mut self, out: &mut String) {
        for _ in 0..self.next() % 3 {
            out.push([' ', '\n', '\t', '\r'][(self.next() % 4) as usize]);
        }
    }
    fn write(&mut self, v: &Value, out: &mut String) {
        self.ws(out);
        match v {
            Value::Object(o) => {
                let mut entries: Vec<_> = o.iter().collect();
                for i in (1..entries.len()).rev() {
                    entries.swap(i, (self.next() % (i as u64 + 1)) as usize);
                }
                out.push('{');
                for (i, (k, val)) in entries.into_iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    self.ws(out);
                    // Escape some characters the long way: same string, different text.
                    let key = serde_json::to_string(k).unwrap();
                    out.push_str(&if self.next() % 2 == 0 {
                        key.replace('a', "\\u0061")
                    } else {
                        key
                    });
                    self.ws(out);
                    out.push(':');
                    self.write(val, out);
                }
                self.ws(out);
                out.push('}');
            }
            Value::Array(a) => {
                out.push('[');
                for (i, val) in a.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    self.write(val, out);
                }
                self.ws(out);
                out.push(']');
            }
            other => out.push_str(&serde_json::to_string(other).unwrap()),
        }
        self.ws(out);
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn canonicalize_twice_is_once(v in json_value()) {
        let once = json::canonicalize(&v).unwrap();
        let twice = json::canonicalize(&json::parse_str(std::str::from_utf8(&once).unwrap()).unwrap()).unwrap();
        prop_assert_eq!(once, twice);
    }

    #[test]
    fn policy_canonical_bytes_are_a_fixed_point(v in policy_value()) {
        let p = Policy::from_value(v).unwrap();
        let again = Policy::parse(&p.canonical_bytes()).unwrap();
        prop_assert_eq!(again.canonical_bytes(), p.canonical_bytes());
        prop_assert_eq!(again.hash_b64u(), p.hash_b64u());
    }

    #[test]
    fn hash_ignores_key_order_and_whitespace(v in policy_value(), seed in any::<u64>()) {
        let reference = Policy::from_value(v.clone()).unwrap();
        let mut text = String::new();
        Shuffle(seed).write(&v, &mut text);
        let shuffled = Policy::parse(text.as_bytes()).unwrap();
        prop_assert_eq!(shuffled.hash_b64u(), reference.hash_b64u(), "text: {}", text);
    }

    #[test]
    fn decisions_match_the_oracle_and_never_allow_a_matching_deny(v in policy_value(), reqs in prop::collection::vec(request(), 1..8)) {
        let compiled = CompiledPolicy::compile(&Policy::from_value(v.clone()).unwrap()).unwrap();
        for (action, resource, ctx) in reqs {
            let ctx: &[(&str, &str)] = &ctx;
            let d = compiled.decide(&Request::new(&action, &resource, &ctx, 0));
            let m = oracle_matches(&v, &action, &resource, ctx);
            let deny_applies = m.iter().any(|(deny, t)| *deny && *t != T3::False);
            if deny_applies {
                prop_assert_eq!(d.verdict, Verdict::Deny, "a matching Deny was not honoured: {} {} {:?}", action, resource, ctx);
            }
            let allow_error = m.iter().any(|(deny, t)| !*deny && *t == T3::Error);
            let allow = m.iter().any(|(deny, t)| !*deny && *t == T3::True);
            let want = if !deny_applies && !allow_error && allow { Verdict::Allow } else { Verdict::Deny };
            prop_assert_eq!(d.verdict, want, "{} {} {:?} -> {:?}", action, resource, ctx, d);
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

    /// A matching Deny (true, unresolved or erroring) is never turned into an Allow by
    /// anything around the policy: a human approval in the context, a permissive child that
    /// inherits from it, a permissive parent it inherits from, or a runtime with overrides.
    #[test]
    fn an_explicit_deny_survives_approval_inheritance_and_overrides(
        v in policy_value(),
        child in policy_value(),
        reqs in prop::collection::vec(request(), 1..6),
        denied_tool in prop::sample::select(&["x", "b", "a*", "zzz"][..]),
    ) {
        let policy = Policy::from_value(v.clone()).unwrap();
        let own = Arc::new(CompiledPolicy::compile(&policy).unwrap());
        let mut child = child;
        child["policy_id"] = json!("child");
        child["inherits"] = json!("prop");
        let child = CompiledPolicy::compile_with_parent(&Policy::from_value(child).unwrap(), Some(own.clone())).unwrap();
        let open_parent = Arc::new(CompiledPolicy::compile(&Policy::from_value(json!({
            "policy_version": "2", "policy_id": "open", "issuer_did": DID,
            "statements": [{"sid": "all", "effect": "Allow", "actions": ["*"], "resources": ["*"]}]
        })).unwrap()).unwrap());
        let mut under = v.clone();
        under["inherits"] = json!("open");
        let under = CompiledPolicy::compile_with_parent(&Policy::from_value(under).unwrap(), Some(open_parent)).unwrap();
        let runtime = PolicyRuntime::new(own.clone());
        runtime.set_overrides(Overrides::none().deny_tool(denied_tool)).unwrap();

        for (action, resource, ctx) in reqs {
            let m = oracle_matches(&v, &action, &resource, &ctx);
            if !m.iter().any(|(deny, t)| *deny && *t != T3::False) {
                continue;
            }
            let mut approved = ctx.clone();
            approved.push(("Request:HasHumanApproval", "true"));
            let approved: &[(&str, &str)] = &approved;
            let ctx: &[(&str, &str)] = &ctx;
            for c in [ctx, approved] {
                let req = Request::new(&action, &resource, &c, 0);
                prop_assert_eq!(own.decide(&req).verdict, Verdict::Deny, "own {} {}", action, resource);
                prop_assert_eq!(child.decide(&req).verdict, Verdict::Deny, "as parent {} {}", action, resource);
                prop_assert_eq!(under.decide(&req).verdict, Verdict::Deny, "as child {} {}", action, resource);
                prop_assert_eq!(runtime.decide(&req).verdict, Verdict::Deny, "runtime {} {}", action, resource);
            }
        }
    }
}

#[test]
fn oracle_glob_agrees_with_reference_examples() {
    assert!(oracle_glob("src/**/*.ts", "src/a.ts"));
    assert!(!oracle_glob("model:*", "model:a/b"));
    assert!(oracle_glob("**/secrets/**", "mysecrets/x"));
}
