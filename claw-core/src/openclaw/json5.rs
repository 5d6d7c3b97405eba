//! A small, strict JSON5 reader (<https://spec.json5.org/>, version 1.0.0) for OpenClaw
//! configs.
//!
//! It accepts everything JSON5 adds to JSON: comments (`//`, `/* */`), unquoted
//! (ECMAScript identifier) keys, single-quoted strings with the extra escapes (`\v`, `\0`,
//! `\xHH`, line continuations, identity escapes), trailing commas, hexadecimal numbers,
//! leading `+`, leading or trailing decimal points, and Unicode white space. It is stricter
//! than the JSON5 reference parser in four ways, each deliberate:
//!
//! * **Duplicate keys are refused** (the reference keeps the last one silently), so two
//!   readers of one file cannot disagree on a policy.
//! * **`Infinity` and `NaN` are refused**: they have no place in the JSON data model the
//!   config is hashed in.
//! * **Size and depth are bounded** ([`Json5Limits`]), and the parser is iterative over
//!   neither, so a hostile file cannot exhaust the stack before the depth check.
//! * **Escapes inside unquoted keys** (`{ \u0061: 1 }`) are refused with a clear message
//!   (no real config uses them).
//!
//! Numbers are read as JavaScript reads them (OpenClaw runs on Node): integer literals
//! within ±(2^53 − 1) stay integers, every other literal becomes the nearest double.
//! Lone surrogates in `\u` escapes are refused (a Rust string cannot hold them).

use super::error::OpenClawError;
use crate::json::{Budget, JsonError, MAX_SAFE_INTEGER};
use serde_json::{Map, Number, Value};
use std::fmt::Write as _;

/// Bounds applied while reading.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Json5Limits {
    /// Largest input accepted, in bytes.
    pub max_bytes: usize,
    /// Deepest nesting of arrays and objects (the top-level value is depth 1).
    pub max_depth: usize,
}

impl Json5Limits {
    /// 4 MiB and depth 64: far above any real OpenClaw config (the full schema of
    /// 2026.9.6 nests about 12 deep).
    pub const CONFIG: Json5Limits = Json5Limits {
        max_bytes: 4 * 1024 * 1024,
        max_depth: 64,
    };
}

impl Default for Json5Limits {
    fn default() -> Self {
        Json5Limits::CONFIG
    }
}

/// Parse JSON5 text into a JSON value (object key order preserved).
pub fn parse(input: &[u8], limits: &Json5Limits) -> Result<Value, OpenClawError> {
    if input.len() > limits.max_bytes {
        return Err(OpenClawError::TooLarge {
            size: input.len(),
            limit: limits.max_bytes,
        });
    }
    let text = std::str::from_utf8(input).map_err(|e| OpenClawError::InvalidUtf8 {
        offset: e.valid_up_to(),
    })?;
    let mut p = Parser {
        text,
        pos: 0,
        limits,
        path: Vec::new(),
        budget: Budget::for_input(text.len()),
    };
    p.skip_ws()?;
    let v = p.value(1)?;
    p.skip_ws()?;
    if p.pos != text.len() {
        return Err(p.syntax("trailing characters after the value"));
    }
    Ok(v)
}

/// Parse a `&str` under [`Json5Limits::CONFIG`].
pub fn parse_str(input: &str) -> Result<Value, OpenClawError> {
    parse(input.as_bytes(), &Json5Limits::CONFIG)
}

#[derive(Debug)]
enum Seg {
    Key(String),
    Index(usize),
}

struct Parser<'a> {
    text: &'a str,
    pos: usize,
    limits: &'a Json5Limits,
    path: Vec<Seg>,
    /// Memory the value may take: the strict JSON parser's budget for the same input size.
    budget: Budget,
}

fn too_complex(e: JsonError) -> OpenClawError {
    match e {
        JsonError::TooComplex { limit, detail } => OpenClawError::TooComplex { limit, detail },
        _ => OpenClawError::TooComplex {
            limit: 0,
            detail: "memory budget",
        },
    }
}

/// JSON5 `WhiteSpace` (ECMAScript 5.1 §7.2: TAB, VT, FF, SP, NBSP, BOM and category Zs) and
/// `LineTerminator` (§7.3).
fn is_ws(c: char) -> bool {
    matches!(
        c,
        '\t' | '\u{b}' | '\u{c}' | ' ' | '\u{a0}' | '\u{feff}' | '\u{1680}' | '\u{2000}'
            ..='\u{200a}' | '\u{202f}' | '\u{205f}' | '\u{3000}'
    ) || is_line_terminator(c)
}

fn is_line_terminator(c: char) -> bool {
    matches!(c, '\n' | '\r' | '\u{2028}' | '\u{2029}')
}

fn is_id_start(c: char) -> bool {
    c == '$' || c == '_' || c.is_alphabetic()
}

fn is_id_part(c: char) -> bool {
    is_id_start(c) || c.is_alphanumeric() || c == '\u{200c}' || c == '\u{200d}'
}

/// Render a path like `$.tools.deny[2]` (keys that are not simple names are quoted).
fn render_path(path: &[Seg]) -> String {
    let mut out = String::from("$");
    for seg in path {
        match seg {
            Seg::Index(i) => {
                let _ = write!(out, "[{i}]");
            }
            Seg::Key(k) => {
                let simple = !k.is_empty()
                    && k.chars()
                        .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '$')
                    && !k.starts_with(|c: char| c.is_ascii_digit());
                if simple {
                    let _ = write!(out, ".{k}");
                } else {
                    let _ = write!(out, "[{}]", Value::String(k.clone()));
                }
            }
        }
    }
    out
}

impl Parser<'_> {
    fn rest(&self) -> &str {
        // `pos` only ever advances by whole characters, so it is a char boundary.
        self.text.get(self.pos..).unwrap_or("")
    }

    fn peek(&self) -> Option<char> {
        self.rest().chars().next()
    }

    fn peek2(&self) -> Option<char> {
        self.rest().chars().nth(1)
    }

    fn bump(&mut self) -> Option<char> {
        let c = self.peek()?;
        self.pos += c.len_utf8();
        Some(c)
    }

    /// 1-based line and column (in characters) of byte offset `at`. CRLF counts as one line
    /// break, as do LS and PS.
    fn line_col(&self, at: usize) -> (usize, usize) {
        let mut line = 1;
        let mut col = 1;
        let mut prev_cr = false;
        for c in self.text.get(..at).unwrap_or(self.text).chars() {
            match c {
                '\n' if prev_cr => {}
                '\n' | '\r' | '\u{2028}' | '\u{2029}' => {
                    line += 1;
                    col = 1;
                }
                _ => col += 1,
            }
            prev_cr = c == '\r';
        }
        (line, col)
    }

    fn syntax_at(&self, at: usize, detail: &'static str) -> OpenClawError {
        let (line, column) = self.line_col(at);
        OpenClawError::Syntax {
            line,
            column,
            path: render_path(&self.path),
            detail,
        }
    }

    fn syntax(&self, detail: &'static str) -> OpenClawError {
        self.syntax_at(self.pos, detail)
    }

    fn skip_ws(&mut self) -> Result<(), OpenClawError> {
        loop {
            match self.peek() {
                Some(c) if is_ws(c) => {
                    self.bump();
                }
                Some('/') => match self.peek2() {
                    Some('/') => {
                        while let Some(c) = self.peek() {
                            if is_line_terminator(c) {
                                break;
                            }
                            self.bump();
                        }
                    }
                    Some('*') => {
                        let start = self.pos;
                        self.pos += 2;
                        match self.rest().find("*/") {
                            Some(i) => self.pos += i + 2,
                            None => return Err(self.syntax_at(start, "unterminated comment")),
                        }
                    }
                    _ => return Err(self.syntax("unexpected '/'")),
                },
                _ => return Ok(()),
            }
        }
    }

    fn enter(&self, depth: usize) -> Result<(), OpenClawError> {
        if depth > self.limits.max_depth {
            Err(OpenClawError::TooDeep {
                path: render_path(&self.path),
                limit: self.limits.max_depth,
            })
        } else {
            Ok(())
        }
    }

    fn value(&mut self, depth: usize) -> Result<Value, OpenClawError> {
        self.budget.value().map_err(too_complex)?;
        match self.peek() {
            None => Err(self.syntax("unexpected end of input")),
            Some('{') => self.object(depth),
            Some('[') => self.array(depth),
            Some(q @ ('"' | '\'')) => {
                let s = self.string(q)?;
                self.budget.string(s.len()).map_err(too_complex)?;
                Ok(Value::String(s))
            }
            Some('+' | '-' | '.' | '0'..='9') => self.number(),
            Some(c) if is_id_start(c) => {
                let start = self.pos;
                let word = self.identifier()?;
                match word.as_str() {
                    "null" => Ok(Value::Null),
                    "true" => Ok(Value::Bool(true)),
                    "false" => Ok(Value::Bool(false)),
                    "Infinity" | "NaN" => Err(self.not_finite(start)),
                    _ => Err(self.syntax_at(start, "unexpected word (strings must be quoted)")),
                }
            }
            Some(_) => Err(self.syntax("unexpected character")),
        }
    }

    fn not_finite(&self, at: usize) -> OpenClawError {
        let (line, column) = self.line_col(at);
        OpenClawError::NumberNotFinite {
            line,
            column,
            path: render_path(&self.path),
        }
    }

    /// An ECMAScript IdentifierName without escapes.
    fn identifier(&mut self) -> Result<String, OpenClawError> {
        let start = self.pos;
        match self.peek() {
            Some(c) if is_id_start(c) => {
                self.bump();
            }
            Some('\\') => {
                return Err(self.syntax("escape sequences in unquoted keys are not supported"))
            }
            _ => return Err(self.syntax("expected a key")),
        }
        while let Some(c) = self.peek() {
            if is_id_part(c) {
                self.bump();
            } else if c == '\\' {
                return Err(self.syntax("escape sequences in unquoted keys are not supported"));
            } else {
                break;
            }
        }
        Ok(self.text[start..self.pos].to_string())
    }

    fn object(&mut self, depth: usize) -> Result<Value, OpenClawError> {
        self.enter(depth)?;
        self.bump(); // '{'
        let mut map = Map::new();
        loop {
            self.skip_ws()?;
            match self.peek() {
                Some('}') => {
                    self.bump();
                    return Ok(Value::Object(map));
                }
                None => return Err(self.syntax("unterminated object")),
                _ => {}
            }
            let key_at = self.pos;
            let key = match self.peek() {
                Some(q @ ('"' | '\'')) => self.string(q)?,
                _ => self.identifier()?,
            };
            self.budget.string(key.len()).map_err(too_complex)?;
            self.budget.member().map_err(too_complex)?;
            if map.is_empty() {
                self.budget.object().map_err(too_complex)?;
            }
            if map.contains_key(&key) {
                let (line, column) = self.line_col(key_at);
                return Err(OpenClawError::DuplicateKey {
                    line,
                    column,
                    path: render_path(&self.path),
                    key,
                });
            }
            self.skip_ws()?;
            if self.peek() != Some(':') {
                return Err(self.syntax("expected ':' after key"));
            }
            self.bump();
            self.skip_ws()?;
            self.path.push(Seg::Key(key.clone()));
            let v = self.value(depth + 1)?;
            self.path.pop();
            map.insert(key, v);
            self.skip_ws()?;
            match self.peek() {
                Some(',') => {
                    self.bump();
                }
                Some('}') => {
                    self.bump();
                    return Ok(Value::Object(map));
                }
                _ => return Err(self.syntax("expected ',' or '}' in object")),
            }
        }
    }

    fn array(&mut self, depth: usize) -> Result<Value, OpenClawError> {
        self.enter(depth)?;
        self.bump(); // '['
        let mut items = Vec::new();
        loop {
            self.skip_ws()?;
            match self.peek() {
                Some(']') => {
                    self.bump();
                    self.budget
                        .array(items.len(), items.capacity())
                        .map_err(too_complex)?;
                    return Ok(Value::Array(items));
                }
                None => return Err(self.syntax("unterminated array")),
                _ => {}
            }
            self.path.push(Seg::Index(items.len()));
            let v = self.value(depth + 1)?;
            self.path.pop();
            items.push(v);
            self.skip_ws()?;
            match self.peek() {
                Some(',') => {
                    self.bump();
                }
                Some(']') => {
                    self.bump();
                    self.budget
                        .array(items.len(), items.capacity())
                        .map_err(too_complex)?;
                    return Ok(Value::Array(items));
                }
                _ => return Err(self.syntax("expected ',' or ']' in array")),
            }
        }
    }

    fn hex_digits(&mut self, n: usize) -> Result<u32, OpenClawError> {
        let mut v: u32 = 0;
        for _ in 0..n {
            let d = self
                .peek()
                .and_then(|c| c.to_digit(16))
                .ok_or_else(|| self.syntax("invalid hex digit in escape"))?;
            self.bump();
            v = (v << 4) | d;
        }
        Ok(v)
    }

    fn lone_surrogate(&self, at: usize) -> OpenClawError {
        let (line, column) = self.line_col(at);
        OpenClawError::LoneSurrogate {
            line,
            column,
            path: render_path(&self.path),
        }
    }

    fn string(&mut self, quote: char) -> Result<String, OpenClawError> {
        let open = self.pos;
        self.bump(); // opening quote
        let mut out = String::new();
        loop {
            let Some(c) = self.peek() else {
                return Err(self.syntax_at(open, "unterminated string"));
            };
            if c == quote {
                self.bump();
                return Ok(out);
            }
            if c == '\n' || c == '\r' {
                return Err(self.syntax("unescaped line break in string"));
            }
            if c != '\\' {
                self.bump();
                out.push(c);
                continue;
            }
            let esc_at = self.pos;
            self.bump(); // '\'
            let Some(e) = self.bump() else {
                return Err(self.syntax_at(open, "unterminated string"));
            };
            match e {
                '\'' | '"' | '\\' | '/' => out.push(e),
                'b' => out.push('\u{8}'),
                'f' => out.push('\u{c}'),
                'n' => out.push('\n'),
                'r' => out.push('\r'),
                't' => out.push('\t'),
                'v' => out.push('\u{b}'),
                '0' => {
                    if matches!(self.peek(), Some('0'..='9')) {
                        return Err(self.syntax_at(esc_at, "octal escapes are not allowed"));
                    }
                    out.push('\0');
                }
                '1'..='9' => return Err(self.syntax_at(esc_at, "octal escapes are not allowed")),
                'x' => {
                    let v = self.hex_digits(2)?;
                    // Cannot fail: two hex digits are at most 0xFF, a valid scalar value.
                    out.push(char::from_u32(v).ok_or_else(|| self.lone_surrogate(esc_at))?);
                }
                'u' => {
                    let hi = self.hex_digits(4)?;
                    let cp = match hi {
                        0xD800..=0xDBFF => {
                            if !self.rest().starts_with("\\u") {
                                return Err(self.lone_surrogate(esc_at));
                            }
                            self.pos += 2;
                            let lo = self.hex_digits(4)?;
                            if !(0xDC00..=0xDFFF).contains(&lo) {
                                return Err(self.lone_surrogate(esc_at));
                            }
                            0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00)
                        }
                        0xDC00..=0xDFFF => return Err(self.lone_surrogate(esc_at)),
                        _ => hi,
                    };
                    out.push(char::from_u32(cp).ok_or_else(|| self.lone_surrogate(esc_at))?);
                }
                // Line continuation: the escaped line terminator contributes nothing.
                '\r' => {
                    if self.peek() == Some('\n') {
                        self.bump();
                    }
                }
                '\n' | '\u{2028}' | '\u{2029}' => {}
                // Identity escape of any other character.
                other => out.push(other),
            }
        }
    }

    fn number(&mut self) -> Result<Value, OpenClawError> {
        let start = self.pos;
        let mut negative = false;
        match self.peek() {
            Some('+') => {
                self.bump();
            }
            Some('-') => {
                negative = true;
                self.bump();
            }
            _ => {}
        }
        // Signed keywords: `+Infinity`, `-Infinity`, `-NaN`.
        if matches!(self.peek(), Some(c) if is_id_start(c)) {
            let word = self.identifier()?;
            return Err(match word.as_str() {
                "Infinity" | "NaN" => self.not_finite(start),
                _ => self.syntax_at(start, "invalid number"),
            });
        }
        let digits_start = self.pos;
        // Hexadecimal integer.
        if self.peek() == Some('0') && matches!(self.peek2(), Some('x' | 'X')) {
            self.pos += 2;
            let hex_start = self.pos;
            while matches!(self.peek(), Some(c) if c.is_ascii_hexdigit()) {
                self.bump();
            }
            if self.pos == hex_start {
                return Err(self.syntax("hex digit expected"));
            }
            self.check_number_end()?;
            let hex = &self.text[hex_start..self.pos];
            let value = match u64::from_str_radix(hex, 16) {
                Ok(u) if u <= MAX_SAFE_INTEGER => {
                    return Ok(int_value(u, negative));
                }
                // Beyond 2^53 (or 2^64): JavaScript reads the nearest double.
                _ => hex
                    .chars()
                    .filter_map(|c| c.to_digit(16))
                    .fold(0f64, |acc, d| acc * 16.0 + f64::from(d)),
            };
            return self.float_value(if negative { -value } else { value }, start);
        }
        let mut integer = true;
        let mut int_digits = 0;
        while matches!(self.peek(), Some('0'..='9')) {
            self.bump();
            int_digits += 1;
        }
        if int_digits > 1 && self.text[digits_start..].starts_with('0') {
            return Err(self.syntax_at(digits_start, "leading zeros are not allowed"));
        }
        let mut frac_digits = 0;
        if self.peek() == Some('.') {
            integer = false;
            self.bump();
            while matches!(self.peek(), Some('0'..='9')) {
                self.bump();
                frac_digits += 1;
            }
        }
        if int_digits == 0 && frac_digits == 0 {
            return Err(self.syntax_at(start, "invalid number"));
        }
        if matches!(self.peek(), Some('e' | 'E')) {
            integer = false;
            self.bump();
            if matches!(self.peek(), Some('+' | '-')) {
                self.bump();
            }
            if !matches!(self.peek(), Some('0'..='9')) {
                return Err(self.syntax("digit expected in exponent"));
            }
            while matches!(self.peek(), Some('0'..='9')) {
                self.bump();
            }
        }
        self.check_number_end()?;
        let lit = &self.text[digits_start..self.pos];
        if integer {
            if let Ok(u) = lit.parse::<u64>() {
                if u <= MAX_SAFE_INTEGER {
                    return Ok(int_value(u, negative));
                }
            }
        }
        // Rust's parser accepts "5." and ".5" and rounds correctly; overflow gives ±inf.
        let f: f64 = lit
            .parse()
            .map_err(|_| self.syntax_at(start, "invalid number"))?;
        self.float_value(if negative { -f } else { f }, start)
    }

    /// A number must not run into an identifier character or digit (`1x`, `0x1g`).
    fn check_number_end(&self) -> Result<(), OpenClawError> {
        match self.peek() {
            Some(c) if is_id_part(c) || c == '.' => {
                Err(self.syntax("invalid character after number"))
            }
            _ => Ok(()),
        }
    }

    fn float_value(&self, f: f64, at: usize) -> Result<Value, OpenClawError> {
        if f == 0.0 {
            // -0 and 0.0 canonicalize to "0"; keep an integer so typed fields read it.
            return Ok(Value::Number(0u64.into()));
        }
        Number::from_f64(f)
            .map(Value::Number)
            .ok_or_else(|| self.not_finite(at))
    }
}

fn int_value(u: u64, negative: bool) -> Value {
    if negative && u != 0 {
        // Cannot overflow: u <= 2^53 - 1.
        Value::Number(Number::from(-(u as i64)))
    } else {
        Value::Number(Number::from(u))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn p(s: &str) -> Result<Value, OpenClawError> {
        parse_str(s)
    }

    #[test]
    fn json5_features() {
        let v = p(r#"
            // line comment
            {
              unquoted: 'single "quoted"',
              $dollar_1: "x", _u: 1,
              /* block
                 comment */
              "quoted key": [1, 2, 3,],
              hex: 0x1F, neg: -0xA, plus: +5, lead: .5, trail: 5., exp: 1e3,
              esc: 'a\'b\x41\u0042\v\0',
              cont: "ab\
cd",
              id: 'Ωmega',
              nested: { a: { b: [ { c: null, d: true, e: false, }, ], }, },
            }"#)
        .unwrap();
        assert_eq!(
            v,
            json!({
                "unquoted": "single \"quoted\"",
                "$dollar_1": "x", "_u": 1,
                "quoted key": [1, 2, 3],
                "hex": 31, "neg": -10, "plus": 5, "lead": 0.5, "trail": 5.0, "exp": 1000.0,
                "esc": "a'bAB\u{b}\0",
                "cont": "abcd",
                "id": "Ωmega",
                "nested": {"a": {"b": [{"c": null, "d": true, "e": false}]}}
            })
        );
    }

    #[test]
    fn keeps_key_order() {
        let v = p("{b: 1, a: 2, c: 3}").unwrap();
        let keys: Vec<_> = v.as_object().unwrap().keys().cloned().collect();
        assert_eq!(keys, ["b", "a", "c"]);
    }

    #[test]
    fn plain_json_reads_the_same_as_strict_json() {
        let text = r#"{"a":[1,-2,3.5,1e-7,"\u00e9\n",true,null,{}],"b":{"c":[]}}"#;
        assert_eq!(p(text).unwrap(), crate::json::parse_str(text).unwrap());
    }

    #[test]
    fn duplicate_keys_are_refused_with_position() {
        let e = p("{\n  tools: { deny: [], 'deny': [\"x\"] }\n}").unwrap_err();
        assert_eq!(e.reason_code(), "OPENCLAW_JSON5_DUPLICATE_KEY");
        match e {
            OpenClawError::DuplicateKey {
                line,
                column,
                path,
                key,
            } => {
                assert_eq!((line, column), (2, 22));
                assert_eq!(path, "$.tools");
                assert_eq!(key, "deny");
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn syntax_errors_are_typed_with_line_and_path() {
        let e = p("{\n  tools: {\n    deny: [\"a\" \"b\"],\n  },\n}").unwrap_err();
        match &e {
            OpenClawError::Syntax {
                line, column, path, ..
            } => {
                assert_eq!((*line, *column), (3, 16));
                assert_eq!(path, "$.tools.deny");
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(e.reason_code(), "OPENCLAW_JSON5_SYNTAX");
    }

    #[test]
    fn refusals() {
        let cases: &[(&str, &str)] = &[
            ("", "OPENCLAW_JSON5_SYNTAX"),
            ("{", "OPENCLAW_JSON5_SYNTAX"),
            ("{a:1", "OPENCLAW_JSON5_SYNTAX"),
            ("[1,,2]", "OPENCLAW_JSON5_SYNTAX"),
            ("[,]", "OPENCLAW_JSON5_SYNTAX"),
            ("{,}", "OPENCLAW_JSON5_SYNTAX"),
            ("{a:1,,}", "OPENCLAW_JSON5_SYNTAX"),
            ("{a b: 1}", "OPENCLAW_JSON5_SYNTAX"),
            ("{a: undefined}", "OPENCLAW_JSON5_SYNTAX"),
            ("{a: bare}", "OPENCLAW_JSON5_SYNTAX"),
            ("{1a: 1}", "OPENCLAW_JSON5_SYNTAX"),
            ("{\\u0061: 1}", "OPENCLAW_JSON5_SYNTAX"),
            ("'unterminated", "OPENCLAW_JSON5_SYNTAX"),
            ("'line\nbreak'", "OPENCLAW_JSON5_SYNTAX"),
            ("'\\01'", "OPENCLAW_JSON5_SYNTAX"),
            ("'\\1'", "OPENCLAW_JSON5_SYNTAX"),
            ("'\\x4'", "OPENCLAW_JSON5_SYNTAX"),
            ("'\\u12'", "OPENCLAW_JSON5_SYNTAX"),
            ("/* open", "OPENCLAW_JSON5_SYNTAX"),
            ("1 / 2", "OPENCLAW_JSON5_SYNTAX"),
            ("01", "OPENCLAW_JSON5_SYNTAX"),
            ("1x", "OPENCLAW_JSON5_SYNTAX"),
            ("0x", "OPENCLAW_JSON5_SYNTAX"),
            ("0x1g", "OPENCLAW_JSON5_SYNTAX"),
            ("1e", "OPENCLAW_JSON5_SYNTAX"),
            (".", "OPENCLAW_JSON5_SYNTAX"),
            ("+", "OPENCLAW_JSON5_SYNTAX"),
            ("--1", "OPENCLAW_JSON5_SYNTAX"),
            ("1.2.3", "OPENCLAW_JSON5_SYNTAX"),
            ("{} {}", "OPENCLAW_JSON5_SYNTAX"),
            ("nullx", "OPENCLAW_JSON5_SYNTAX"),
            ("Infinity", "OPENCLAW_JSON5_NUMBER_NOT_FINITE"),
            ("-Infinity", "OPENCLAW_JSON5_NUMBER_NOT_FINITE"),
            ("+Infinity", "OPENCLAW_JSON5_NUMBER_NOT_FINITE"),
            ("NaN", "OPENCLAW_JSON5_NUMBER_NOT_FINITE"),
            ("[1e400]", "OPENCLAW_JSON5_NUMBER_NOT_FINITE"),
            ("'\\ud800'", "OPENCLAW_JSON5_LONE_SURROGATE"),
            ("'\\udc00x'", "OPENCLAW_JSON5_LONE_SURROGATE"),
            ("'\\ud800\\u0041'", "OPENCLAW_JSON5_LONE_SURROGATE"),
        ];
        for (text, code) in cases {
            let e = p(text).expect_err(text);
            assert_eq!(e.reason_code(), *code, "{text:?}: {e}");
        }
    }

    #[test]
    fn surrogate_pairs_and_unicode_whitespace() {
        assert_eq!(
            p("\u{feff}\u{2028}\u{a0}['\\ud83d\\ude00']\u{3000}").unwrap(),
            json!(["😀"])
        );
    }

    #[test]
    fn numbers_read_as_javascript_does() {
        assert_eq!(p("9007199254740991").unwrap(), json!(9007199254740991u64));
        assert_eq!(p("-9007199254740991").unwrap(), json!(-9007199254740991i64));
        // Beyond 2^53: the nearest double, as Node reads it.
        assert_eq!(p("9007199254740993").unwrap(), json!(9007199254740992.0));
        assert_eq!(
            p("0xFFFFFFFFFFFFFFFFFF").unwrap(),
            json!(4.722366482869645e21)
        );
        assert_eq!(p("-0").unwrap(), json!(0));
        assert_eq!(p("-0.0").unwrap(), json!(0));
        assert_eq!(p("0").unwrap(), json!(0));
    }

    #[test]
    fn size_and_depth_are_bounded() {
        let limits = Json5Limits {
            max_bytes: 10,
            max_depth: 3,
        };
        assert_eq!(
            parse(b"[1,2,3,4,5,6]", &limits).unwrap_err().reason_code(),
            "OPENCLAW_CONFIG_TOO_LARGE"
        );
        assert_eq!(
            parse(b"[[[[]]]]", &limits).unwrap_err().reason_code(),
            "OPENCLAW_CONFIG_TOO_DEEP"
        );
        assert!(parse(b"[[[]]]", &limits).is_ok());
        // Deep input far beyond the bound fails on the bound, not on the stack.
        let deep = "[".repeat(100_000);
        assert_eq!(
            parse(deep.as_bytes(), &Json5Limits::CONFIG)
                .unwrap_err()
                .reason_code(),
            "OPENCLAW_CONFIG_TOO_DEEP"
        );
        assert_eq!(
            parse(b"\xff", &Json5Limits::CONFIG)
                .unwrap_err()
                .reason_code(),
            "INVALID_UTF8"
        );
    }

    #[test]
    fn crlf_counts_as_one_line() {
        match p("{\r\n\r\n  a: ?}").unwrap_err() {
            OpenClawError::Syntax { line, column, .. } => assert_eq!((line, column), (3, 6)),
            other => panic!("{other:?}"),
        }
    }
}
