//! Python objects <-> `serde_json::Value`, the core's JSON value.
//!
//! Python → JSON is strict, because what comes out is hashed or signed: `dict` with `str` keys,
//! `list`/`tuple`, `str` (no lone surrogates), `bool` (checked before `int`, which it
//! subclasses), `int` within ±(2^53 − 1) (the core's `MAX_SAFE_INTEGER`), finite `float`,
//! `None`. Anything else is refused with a `CanonicalizationError` naming the JSON path at
//! fault. Nesting is bounded by the core's parse depth limit, which also stops cycles; the
//! memory the value takes is charged to the core's `json::Budget` as if the structure were
//! `Limits::STRICT.max_bytes` of JSON text, which stops shared references (`l = [l, l]`
//! nested 22 deep stands for 4 million values) long before they cost seconds
//! (`JSON_TOO_COMPLEX`).

use crate::errors::IntoPyResult;
use claw_core::json::{self, Budget, JsonError, Limits};
use claw_core::{Error, ErrorKind};
use pyo3::exceptions::{PyUnicodeEncodeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyDict, PyFloat, PyInt, PyList, PyString, PyTuple};
use serde_json::{Map, Number, Value};
use std::borrow::Cow;

/// Reason code for a Python value that has no JSON form (a `set`, `bytes`, a non-`str` key…).
/// The core has no such case, because it only ever reads JSON text.
pub(crate) const UNSUPPORTED_TYPE: &str = "JSON_UNSUPPORTED_TYPE";

/// The JSON path of the value being converted, as the core writes it: `$.a[3]["x y"]`.
#[derive(Debug, Default)]
struct Path(Vec<Seg>);

#[derive(Debug)]
enum Seg {
    Key(String),
    Index(usize),
}

impl Path {
    fn render(&self) -> String {
        let mut out = String::from("$");
        for seg in &self.0 {
            match seg {
                Seg::Index(i) => out.push_str(&format!("[{i}]")),
                Seg::Key(k) => {
                    let simple = !k.is_empty()
                        && k.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
                        && !k.starts_with(|c: char| c.is_ascii_digit());
                    if simple {
                        out.push('.');
                        out.push_str(k);
                    } else {
                        out.push('[');
                        out.push_str(&Value::String(k.clone()).to_string());
                        out.push(']');
                    }
                }
            }
        }
        out
    }
}

/// Convert a Python object to a JSON value, or raise `CanonicalizationError`.
pub(crate) fn to_value(obj: &Bound<'_, PyAny>) -> PyResult<Value> {
    let mut path = Path::default();
    let mut budget = Budget::for_input(Limits::STRICT.max_bytes);
    convert(obj, &mut path, 1, &mut budget).py_err(obj.py())
}

fn unsupported(path: &Path, what: impl std::fmt::Display) -> Error {
    Error::new(
        ErrorKind::Canonicalization,
        UNSUPPORTED_TYPE,
        format!("{what} at {} has no JSON form", path.render()),
    )
}

/// The UTF-8 text of a top-level `str` (a lone surrogate is refused as the core refuses it).
pub(crate) fn text<'a>(s: &'a Bound<'_, PyString>) -> Result<Cow<'a, str>, Error> {
    string(s, &Path::default())
}

fn string<'a>(s: &'a Bound<'_, PyString>, path: &Path) -> Result<Cow<'a, str>, Error> {
    s.to_cow().map_err(|e| {
        if e.is_instance_of::<PyUnicodeEncodeError>(s.py()) {
            // A str holding a lone surrogate cannot be UTF-8, hence not JSON text.
            let offset = e
                .value(s.py())
                .getattr("start")
                .and_then(|v| v.extract::<usize>())
                .unwrap_or(0);
            JsonError::LoneSurrogate {
                path: path.render(),
                offset,
            }
            .into()
        } else {
            unsupported(path, "a str that cannot be read")
        }
    })
}

fn convert(
    obj: &Bound<'_, PyAny>,
    path: &mut Path,
    depth: usize,
    budget: &mut Budget,
) -> Result<Value, Error> {
    budget.value()?;
    if obj.is_none() {
        return Ok(Value::Null);
    }
    // bool first: it is a subclass of int.
    if let Ok(b) = obj.cast::<PyBool>() {
        return Ok(Value::Bool(b.is_true()));
    }
    if obj.is_instance_of::<PyInt>() {
        let exact = obj
            .extract::<i64>()
            .ok()
            .filter(|i| i.unsigned_abs() <= json::MAX_SAFE_INTEGER);
        return match exact {
            Some(i) => Ok(Value::Number(i.into())),
            None => Err(JsonError::InexactInteger {
                path: path.render(),
            }
            .into()),
        };
    }
    if let Ok(f) = obj.cast::<PyFloat>() {
        return Number::from_f64(f.value())
            .map(Value::Number)
            .ok_or_else(|| {
                JsonError::NumberOutOfRange {
                    path: path.render(),
                }
                .into()
            });
    }
    if let Ok(s) = obj.cast::<PyString>() {
        let s = string(s, path)?;
        budget.string(s.len())?;
        return Ok(Value::String(s.into_owned()));
    }
    let is_container = obj.is_instance_of::<PyDict>()
        || obj.is_instance_of::<PyList>()
        || obj.is_instance_of::<PyTuple>();
    if !is_container {
        return Err(unsupported(
            path,
            format_args!("a value of type {}", type_name(obj)),
        ));
    }
    if depth > Limits::STRICT.max_depth {
        return Err(JsonError::TooDeep {
            path: path.render(),
            limit: Limits::STRICT.max_depth,
        }
        .into());
    }
    if let Ok(d) = obj.cast::<PyDict>() {
        let mut map = Map::new();
        if !d.is_empty() {
            budget.object()?;
        }
        for (k, v) in d.iter() {
            let Ok(ks) = k.cast::<PyString>() else {
                return Err(unsupported(
                    path,
                    format_args!("an object key of type {}", type_name(&k)),
                ));
            };
            let key = string(ks, path)?.into_owned();
            budget.string(key.len())?;
            budget.member()?;
            path.0.push(Seg::Key(key.clone()));
            let item = convert(&v, path, depth + 1, budget)?;
            path.0.pop();
            map.insert(key, item);
        }
        return Ok(Value::Object(map));
    }
    let items: Vec<Bound<'_, PyAny>> = if let Ok(l) = obj.cast::<PyList>() {
        l.iter().collect()
    } else {
        obj.cast::<PyTuple>()
            .map(|t| t.iter().collect())
            .unwrap_or_default()
    };
    budget.array(items.len(), items.len())?;
    let mut out = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        path.0.push(Seg::Index(i));
        out.push(convert(item, path, depth + 1, budget)?);
        path.0.pop();
    }
    Ok(Value::Array(out))
}

/// The name of `obj`'s type, for a message (`?` when it has none).
fn type_name(obj: &Bound<'_, PyAny>) -> String {
    obj.get_type()
        .name()
        .map(|n| n.to_string())
        .unwrap_or_else(|_| "?".into())
}

/// A verdict's JSON as canonical JSON text (what every verdict's `to_json()` returns).
pub(crate) fn canonical_text(py: Python<'_>, v: &Value) -> PyResult<String> {
    let bytes = json::canonicalize(v).py_err(py)?;
    String::from_utf8(bytes).map_err(|_| PyValueError::new_err("canonical JSON is UTF-8"))
}

/// Member `key` of a verdict's JSON as a Python object (`None` when absent).
pub(crate) fn member<'py>(py: Python<'py>, v: &Value, key: &str) -> PyResult<Bound<'py, PyAny>> {
    to_py(py, v.get(key).unwrap_or(&Value::Null))
}

/// Convert a JSON value to plain Python objects (`dict`, `list`, `str`, `int`, `float`, `bool`,
/// `None`).
pub(crate) fn to_py<'py>(py: Python<'py>, v: &Value) -> PyResult<Bound<'py, PyAny>> {
    Ok(match v {
        Value::Null => py.None().into_bound(py),
        Value::Bool(b) => PyBool::new(py, *b).to_owned().into_any(),
        Value::Number(n) => {
            if let Some(u) = n.as_u64() {
                u.into_pyobject(py)?.into_any()
            } else if let Some(i) = n.as_i64() {
                i.into_pyobject(py)?.into_any()
            } else {
                // serde_json numbers are u64, i64 or finite f64.
                n.as_f64().unwrap_or(f64::NAN).into_pyobject(py)?.into_any()
            }
        }
        Value::String(s) => PyString::new(py, s).into_any(),
        Value::Array(items) => {
            let list = PyList::empty(py);
            for item in items {
                list.append(to_py(py, item)?)?;
            }
            list.into_any()
        }
        Value::Object(map) => {
            let dict = PyDict::new(py);
            for (k, item) in map {
                dict.set_item(k, to_py(py, item)?)?;
            }
            dict.into_any()
        }
    })
}
