//! The one engine that applies a schema table ([`S`], static data) to a JSON value. The first
//! error (in document order: type, required members in schema order, unknown members, then
//! each member in schema order) is reported with its JSON path.

use super::ArrayLimits;
use serde_json::Value;

/// A string pattern of the schemas.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Pat {
    /// `^[A-Za-z0-9_-]+$`
    B64u,
    /// `^did:`
    Did,
    /// `^[0-9]+$`
    Digits,
    /// `^eip155:[0-9]+:0x[0-9a-fA-F]{40}$`
    Eip155,
    /// `format: uri`, read as an RFC 3986 scheme (`ALPHA *(ALPHA / DIGIT / "+" / "-" / ".")`)
    /// followed by `:` and no whitespace or control character.
    Uri,
}

pub(crate) fn is_b64u_chars(s: &str) -> bool {
    !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

impl Pat {
    pub(crate) fn matches(self, s: &str) -> bool {
        match self {
            Pat::B64u => is_b64u_chars(s),
            Pat::Did => s.starts_with("did:"),
            Pat::Digits => !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()),
            Pat::Eip155 => (|| {
                let rest = s.strip_prefix("eip155:")?;
                let (chain, addr) = rest.split_once(':')?;
                let hex = addr.strip_prefix("0x")?;
                Some(
                    !chain.is_empty()
                        && chain.bytes().all(|b| b.is_ascii_digit())
                        && hex.len() == 40
                        && hex.bytes().all(|b| b.is_ascii_hexdigit()),
                )
            })()
            .unwrap_or(false),
            Pat::Uri => s.split_once(':').is_some_and(|(scheme, _)| {
                scheme
                    .bytes()
                    .next()
                    .is_some_and(|b| b.is_ascii_alphabetic())
                    && scheme
                        .bytes()
                        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'-' | b'.'))
                    && !s.chars().any(|c| c.is_whitespace() || c.is_control())
            }),
        }
    }
}

/// A rule JSON Schema expresses with `if`/`then`, checked after the node's own schema matched.
pub(crate) type Rule = fn(&Value, &P<'_>) -> Result<(), SchemaError>;

/// A schema node: static data (`const`/`static` tables in `tables.rs`).
#[derive(Debug, Clone, Copy)]
pub(crate) enum S {
    Any,
    Str(Str),
    Const(&'static str),
    Enum(&'static [&'static str]),
    Num {
        min: Option<f64>,
        int: bool,
    },
    Bool,
    /// `type: ["string", "null"]` with string constraints.
    Nullable(&'static S),
    Obj(Obj),
    /// An object whose every member value matches the schema.
    Map(&'static S),
    Arr(Arr),
    OneOf(&'static [S]),
    /// A schema, then a [`Rule`] (checked only when the schema matched).
    With(&'static S, Rule),
    /// A member the reference defines but claw does not verify: present means fail closed.
    Unsupported,
}

/// `type: string` with `minLength`, `maxLength` (in characters), `pattern`,
/// `format: date-time`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Str {
    pub min: usize,
    pub max: usize,
    pub pat: Option<Pat>,
    pub datetime: bool,
}

/// `type: object`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Obj {
    pub props: &'static [(&'static str, S)],
    pub required: &'static [&'static str],
    /// `additionalProperties: false`
    pub closed: bool,
    /// `anyOf: [{required:[a]}, {required:[b]}…]`
    pub any_of_required: &'static [&'static str],
}

/// `type: array`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Arr {
    pub items: &'static S,
    pub min: usize,
    pub max: Max,
    /// A big array whose items the caller may check separately (in parallel): skipped when
    /// the validation is run with [`Ctx::skip_split_items`].
    pub split: bool,
}

/// `maxItems`: fixed, or one of the verifier's configurable limits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Max {
    Unbounded,
    N(usize),
    /// [`ArrayLimits::receipts`] (reference: 1000).
    Receipts,
    /// [`ArrayLimits::rate_limit_claims`] (reference: 256).
    RateLimitClaims,
}

/// What a run of the engine needs besides the table.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Ctx {
    pub limits: ArrayLimits,
    /// Do not look into the items of arrays marked `split`.
    pub skip_split_items: bool,
}

impl Max {
    fn resolve(self, l: &ArrayLimits) -> usize {
        match self {
            Max::Unbounded => usize::MAX,
            Max::N(n) => n,
            Max::Receipts => l.receipts,
            Max::RateLimitClaims => l.rate_limit_claims,
        }
    }
}

/// Why a value does not match.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SchemaError {
    pub path: String,
    pub message: String,
    /// The value uses a member claw does not verify (reason `UNKNOWN_SCHEMA_ID`).
    pub unsupported: bool,
}

/// A JSON path built lazily: formatted only when an error is reported (validating a large
/// bundle visits millions of members).
#[derive(Clone, Copy)]
pub(crate) enum P<'a> {
    Root(&'a str),
    Key(&'a P<'a>, &'a str),
    Idx(&'a P<'a>, usize),
    /// A member of a map, written `["key"]`.
    MapKey(&'a P<'a>, &'a str),
}

impl std::fmt::Display for P<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            P::Root(s) => f.write_str(s),
            P::Key(p, k) => write!(f, "{p}.{k}"),
            P::Idx(p, i) => write!(f, "{p}[{i}]"),
            P::MapKey(p, k) => write!(f, "{p}[{k:?}]"),
        }
    }
}

pub(crate) fn fail(path: &P<'_>, message: impl Into<String>) -> Result<(), SchemaError> {
    Err(SchemaError {
        path: path.to_string(),
        message: message.into(),
        unsupported: false,
    })
}

/// Most objects of the schemas have fewer members than this; their members are found in one
/// pass over the object instead of one hash lookup per schema property.
const FAST_PROPS: usize = 48;

fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

impl S {
    pub(crate) fn check(&self, v: &Value, path: &P<'_>, cx: &Ctx) -> Result<(), SchemaError> {
        match self {
            S::Any => Ok(()),
            S::With(inner, rule) => {
                inner.check(v, path, cx)?;
                rule(v, path)
            }
            S::Unsupported => Err(SchemaError {
                path: path.to_string(),
                message: "this evidence type is not supported by claw's verifier".into(),
                unsupported: true,
            }),
            S::Str(st) => check_str(st, v, path),
            S::Const(c) => match v {
                Value::String(s) if s == c => Ok(()),
                _ => fail(path, format!("must be equal to {c:?}")),
            },
            S::Enum(opts) => match v {
                Value::String(s) if opts.contains(&s.as_str()) => Ok(()),
                _ => fail(path, format!("must be one of {opts:?}")),
            },
            S::Num { min, int } => {
                let Some(x) = v.as_f64() else {
                    return fail(path, format!("must be number, not {}", type_name(v)));
                };
                if *int && x.fract() != 0.0 {
                    return fail(path, "must be an integer");
                }
                if let Some(m) = min {
                    if x < *m {
                        return fail(path, format!("must be >= {m}"));
                    }
                }
                Ok(())
            }
            S::Bool => match v {
                Value::Bool(_) => Ok(()),
                _ => fail(path, format!("must be boolean, not {}", type_name(v))),
            },
            S::Nullable(inner) => match v {
                Value::Null => Ok(()),
                Value::String(_) => inner.check(v, path, cx),
                _ => fail(
                    path,
                    format!("must be string or null, not {}", type_name(v)),
                ),
            },
            S::Map(inner) => {
                let Value::Object(m) = v else {
                    return fail(path, format!("must be object, not {}", type_name(v)));
                };
                for (k, x) in m {
                    inner.check(x, &P::MapKey(path, k), cx)?;
                }
                Ok(())
            }
            S::Arr(a) => check_arr(a, v, path, cx),
            S::OneOf(alts) => check_one_of(alts, v, path, cx),
            S::Obj(o) => check_obj(o, v, path, cx),
        }
    }
}

fn check_str(st: &Str, v: &Value, path: &P<'_>) -> Result<(), SchemaError> {
    let Value::String(s) = v else {
        return fail(path, format!("must be string, not {}", type_name(v)));
    };
    if st.min > 0 || st.max != usize::MAX {
        let n = s.chars().count();
        if n < st.min {
            return fail(path, format!("must have at least {} characters", st.min));
        }
        if n > st.max {
            return fail(path, format!("must have at most {} characters", st.max));
        }
    }
    if let Some(p) = st.pat {
        if !p.matches(s) {
            return fail(path, format!("does not match pattern {p:?}"));
        }
    }
    if st.datetime && crate::time::parse_rfc3339_millis(s).is_err() {
        return fail(path, "must be an RFC 3339 date-time");
    }
    Ok(())
}

fn check_arr(a: &Arr, v: &Value, path: &P<'_>, cx: &Ctx) -> Result<(), SchemaError> {
    let Value::Array(items) = v else {
        return fail(path, format!("must be array, not {}", type_name(v)));
    };
    let max = a.max.resolve(&cx.limits);
    if items.len() < a.min {
        return fail(path, format!("must have at least {} items", a.min));
    }
    if items.len() > max {
        return fail(path, format!("must have at most {max} items"));
    }
    if a.split && cx.skip_split_items {
        return Ok(());
    }
    for (i, x) in items.iter().enumerate() {
        a.items.check(x, &P::Idx(path, i), cx)?;
    }
    Ok(())
}

fn check_one_of(alts: &[S], v: &Value, path: &P<'_>, cx: &Ctx) -> Result<(), SchemaError> {
    let mut errors = Vec::new();
    let mut matched = 0;
    for a in alts {
        match a.check(v, path, cx) {
            Ok(()) => matched += 1,
            Err(e) => errors.push(e),
        }
    }
    match matched {
        1 => Ok(()),
        0 => {
            // Report the error of the branch that got furthest (longest path).
            let best = errors
                .into_iter()
                .max_by_key(|e| e.path.len())
                .map(|e| format!("{}: {}", e.path, e.message))
                .unwrap_or_default();
            fail(
                path,
                format!("must match exactly one schema in oneOf ({best})"),
            )
        }
        _ => fail(path, "matches more than one schema in oneOf"),
    }
}

fn check_obj(o: &Obj, v: &Value, path: &P<'_>, cx: &Ctx) -> Result<(), SchemaError> {
    let Value::Object(m) = v else {
        return fail(path, format!("must be object, not {}", type_name(v)));
    };
    if o.props.len() <= FAST_PROPS {
        // One pass over the members: each found property's value, and the first member (in
        // the object's order) that is no property.
        let mut found: [Option<&Value>; FAST_PROPS] = [None; FAST_PROPS];
        let mut unknown: Option<&String> = None;
        for (k, x) in m {
            match o.props.iter().position(|(p, _)| p == k) {
                Some(j) => found[j] = Some(x),
                None => {
                    if unknown.is_none() {
                        unknown = Some(k);
                    }
                }
            }
        }
        for r in o.required {
            let present = match o.props.iter().position(|(p, _)| p == r) {
                Some(j) => found[j].is_some(),
                None => m.contains_key(*r),
            };
            if !present {
                return fail(path, format!("must have required property {r:?}"));
            }
        }
        if o.closed {
            if let Some(k) = unknown {
                return fail(path, format!("must NOT have additional property {k:?}"));
            }
        }
        for ((name, s), x) in o.props.iter().zip(found) {
            if let Some(x) = x {
                s.check(x, &P::Key(path, name), cx)?;
            }
        }
    } else {
        for r in o.required {
            if !m.contains_key(*r) {
                return fail(path, format!("must have required property {r:?}"));
            }
        }
        if o.closed {
            if let Some(k) = m.keys().find(|k| !o.props.iter().any(|(p, _)| p == k)) {
                return fail(path, format!("must NOT have additional property {k:?}"));
            }
        }
        for (name, s) in o.props {
            if let Some(x) = m.get(*name) {
                s.check(x, &P::Key(path, name), cx)?;
            }
        }
    }
    if !o.any_of_required.is_empty() && !o.any_of_required.iter().any(|k| m.contains_key(*k)) {
        return fail(
            path,
            format!("must have at least one of {:?}", o.any_of_required),
        );
    }
    Ok(())
}
