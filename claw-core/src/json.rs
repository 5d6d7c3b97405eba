//! Strict JSON parsing and RFC 8785 canonical serialization.
//!
//! Everything claw hashes or signs goes through this module. Two rules make that safe:
//!
//! * **Parse strictly.** [`parse`] accepts only RFC 8259 JSON that is also I-JSON (RFC 7493):
//!   valid UTF-8, no duplicate object keys, no lone surrogates in `\u` escapes, only finite
//!   numbers, and (by default) no integer literal beyond ±(2^53 − 1), which a JavaScript peer
//!   would silently round. Depth and size are bounded by [`Limits`]. Every error carries the
//!   JSON path of the offending value (`$.statements[3].sid`) and a stable reason code.
//! * **Serialize canonically.** One serializer, two key orders ([`KeyOrder`]):
//!   [`KeyOrder::Jcs`] sorts object keys by UTF-16 code units (RFC 8785);
//!   [`KeyOrder::JavaScript`] keeps the order `JSON.stringify` would give for an object parsed
//!   from the same text (integer-like keys ascending first, then insertion order), which the
//!   reference implementation hashes in several places. Both use ECMAScript number formatting
//!   and JCS string escaping, so an object whose keys are already sorted gives identical bytes
//!   under both orders.
//!
//! The value type is `serde_json::Value` built with `preserve_order`, so typed structs can be
//! read from a strictly parsed value with `serde_json::from_value`.

use serde_json::{Map, Number, Value};
use std::fmt;

/// The largest integer a JavaScript peer represents exactly (2^53 − 1).
pub const MAX_SAFE_INTEGER: u64 = (1 << 53) - 1;

/// Bounds applied while parsing untrusted JSON.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Maximum input size in bytes.
    pub max_bytes: usize,
    /// Maximum nesting depth of arrays and objects (the top-level value is depth 1).
    pub max_depth: usize,
    /// Reject integer literals beyond 2^53 that are not the canonical spelling of a double
    /// (I-JSON exactness: a JavaScript peer would silently read another number). When false,
    /// they are read as the nearest double, as JavaScript does.
    pub exact_integers: bool,
}

impl Limits {
    /// Defaults for documents that will be hashed or signed: 16 MiB, depth 64, exact integers.
    pub const STRICT: Limits = Limits {
        max_bytes: 16 * 1024 * 1024,
        max_depth: 64,
        exact_integers: true,
    };

    /// Same strictness with a caller-chosen size bound (proof bundles can be large).
    pub const fn with_max_bytes(self, max_bytes: usize) -> Limits {
        Limits { max_bytes, ..self }
    }
}

impl Default for Limits {
    fn default() -> Self {
        Limits::STRICT
    }
}

/// What went wrong while parsing or canonicalizing JSON.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum JsonError {
    /// The input is larger than [`Limits::max_bytes`].
    #[error("JSON input is {size} bytes, above the limit of {limit}")]
    TooLarge {
        /// Size of the input in bytes.
        size: usize,
        /// The bound that was exceeded.
        limit: usize,
    },
    /// Arrays/objects nest deeper than [`Limits::max_depth`].
    #[error("JSON nesting deeper than {limit} at {path}")]
    TooDeep {
        /// JSON path of the value at fault (`$.a[0]`).
        path: String,
        /// The bound that was exceeded.
        limit: usize,
    },
    /// The input is not valid UTF-8.
    #[error("JSON input is not valid UTF-8 (byte offset {offset})")]
    InvalidUtf8 {
        /// Byte offset in the input.
        offset: usize,
    },
    /// The text is not JSON.
    #[error("invalid JSON at {path} (byte offset {offset}): {detail}")]
    Syntax {
        /// JSON path of the value at fault (`$.a[0]`).
        path: String,
        /// Byte offset in the input.
        offset: usize,
        /// What was expected or found.
        detail: &'static str,
    },
    /// An object has the same key twice.
    #[error("duplicate key {key:?} in object at {path}")]
    DuplicateKey {
        /// JSON path of the value at fault (`$.a[0]`).
        path: String,
        /// The repeated key.
        key: String,
    },
    /// A `\u` escape encodes half of a surrogate pair without the other half.
    #[error("lone surrogate escape in string at {path} (byte offset {offset})")]
    LoneSurrogate {
        /// JSON path of the value at fault (`$.a[0]`).
        path: String,
        /// Byte offset in the input.
        offset: usize,
    },
    /// A number that is not a finite IEEE 754 double (e.g. `1e400`).
    #[error("number at {path} is outside the range of a double")]
    NumberOutOfRange {
        /// JSON path of the value at fault (`$.a[0]`).
        path: String,
    },
    /// An integer literal beyond 2^53 that JavaScript peers would silently read as another
    /// number; or, when serializing, an integer held as such beyond ±(2^53 − 1).
    #[error("integer at {path} is beyond 2^53 and would not be read exactly by a JavaScript peer")]
    InexactInteger {
        /// JSON path of the value at fault (`$.a[0]`).
        path: String,
    },
    /// The value would take more memory than its [`Budget`] allows: many tiny values (empty
    /// arrays, one-digit numbers, nested brackets) cost far more in memory than in text.
    #[error("JSON value needs more than {limit} bytes of memory to hold ({detail})")]
    TooComplex {
        /// The bound that was exceeded.
        limit: usize,
        /// What was expected or found.
        detail: &'static str,
    },
    /// Canonical output would exceed its bound (a structure with shared references expands
    /// exponentially when written out).
    #[error("canonical JSON output would exceed {limit} bytes")]
    OutputTooLarge {
        /// The bound that was exceeded.
        limit: usize,
    },
}

impl JsonError {
    /// Stable, machine-readable reason code.
    pub fn reason_code(&self) -> &'static str {
        match self {
            JsonError::TooLarge { .. } => "JSON_TOO_LARGE",
            JsonError::TooDeep { .. } => "JSON_TOO_DEEP",
            JsonError::InvalidUtf8 { .. } => "INVALID_UTF8",
            JsonError::Syntax { .. } => "JSON_SYNTAX",
            JsonError::DuplicateKey { .. } => "JSON_DUPLICATE_KEY",
            JsonError::LoneSurrogate { .. } => "JSON_LONE_SURROGATE",
            JsonError::NumberOutOfRange { .. } => "JSON_NUMBER_OUT_OF_RANGE",
            JsonError::InexactInteger { .. } => "JSON_INEXACT_INTEGER",
            JsonError::TooComplex { .. } => "JSON_TOO_COMPLEX",
            JsonError::OutputTooLarge { .. } => "JSON_OUTPUT_TOO_LARGE",
        }
    }

    /// Prefix the error's JSON path with a parent segment while unwinding the parser.
    fn within(mut self, seg: &PathSeg<'_>) -> JsonError {
        match &mut self {
            JsonError::TooDeep { path, .. }
            | JsonError::Syntax { path, .. }
            | JsonError::DuplicateKey { path, .. }
            | JsonError::LoneSurrogate { path, .. }
            | JsonError::NumberOutOfRange { path }
            | JsonError::InexactInteger { path } => {
                // Paths are built leaf-first and rooted at "$" last; insert after the "$".
                let rest = path.strip_prefix('$').unwrap_or(path).to_string();
                *path = format!("${seg}{rest}");
            }
            JsonError::TooLarge { .. }
            | JsonError::InvalidUtf8 { .. }
            | JsonError::TooComplex { .. }
            | JsonError::OutputTooLarge { .. } => {}
        }
        self
    }
}

/// Bytes of memory a parsed value may take per byte of its JSON text (see [`Budget`]).
pub const MAX_MEMORY_PER_INPUT_BYTE: usize = 16;
/// Memory any value may take whatever its size (small documents are never refused for shape).
pub const MEMORY_FLOOR_BYTES: usize = 8 << 20;
/// Threads any multi-threaded entry point uses at most, whatever the caller asks: more than
/// this gains nothing on CPU-bound work and a huge request (`threads = 10**8`) must not spawn.
pub const MAX_THREADS: usize = 64;

/// `threads` clamped to `1..=`[`MAX_THREADS`].
pub fn clamp_threads(threads: usize) -> usize {
    threads.clamp(1, MAX_THREADS)
}

/// The memory a [`Value`] is allowed to take while it is built, charged value by value.
///
/// Memory is estimated from the value's shape (an upper bound of what `serde_json::Value`
/// allocates: the value's slot, each string's heap buffer, each object member's entry and
/// index, each container's allocation and its growth slack), so a refusal comes before the
/// memory is spent. The parser's budget is [`MAX_MEMORY_PER_INPUT_BYTE`] per input byte plus
/// [`MEMORY_FLOOR_BYTES`]: a hostile shape (`[[[[…]]]]`, `[[],[],…]`, `[0,0,…]`) costs 20–70
/// times its text and is refused with `JSON_TOO_COMPLEX`, while real documents (receipts,
/// policies, tokens: mostly strings) cost 2–4 times theirs. Bindings that build a value from
/// a caller's structure (Python objects) charge the same budget.
#[derive(Debug, Clone)]
pub struct Budget {
    spent: usize,
    limit: usize,
}

impl Budget {
    /// Size of one value slot.
    const VALUE: usize = std::mem::size_of::<Value>();
    /// Bookkeeping of one heap allocation (allocator header and rounding).
    const ALLOC: usize = 16;
    /// One object member besides its value: the entry's hash and key `String`, the index
    /// slot, and the entry vector's growth slack (up to one more entry).
    const MEMBER: usize = 8 + 24 + 16 + Self::VALUE + 32;
    /// A nonempty object's two allocations and the spare entries a small object starts with.
    const OBJECT: usize = 2 * Self::ALLOC + 2 * (8 + 24 + Self::VALUE);

    /// The budget for parsing `input_len` bytes of JSON text.
    pub fn for_input(input_len: usize) -> Budget {
        Budget::with_limit(
            input_len
                .saturating_mul(MAX_MEMORY_PER_INPUT_BYTE)
                .saturating_add(MEMORY_FLOOR_BYTES),
        )
    }

    /// A budget of `limit` bytes.
    pub fn with_limit(limit: usize) -> Budget {
        Budget { spent: 0, limit }
    }

    /// Bytes charged so far.
    pub fn spent(&self) -> usize {
        self.spent
    }

    /// The limit in bytes.
    pub fn limit(&self) -> usize {
        self.limit
    }

    #[inline]
    fn charge(&mut self, bytes: usize, detail: &'static str) -> Result<(), JsonError> {
        self.spent = self.spent.saturating_add(bytes);
        if self.spent > self.limit {
            Err(JsonError::TooComplex {
                limit: self.limit,
                detail,
            })
        } else {
            Ok(())
        }
    }

    /// One value (its slot in the parent container, or the root).
    #[inline]
    pub fn value(&mut self) -> Result<(), JsonError> {
        self.charge(Self::VALUE, "too many values for the input size")
    }

    /// A string of `len` bytes (a value or a key), beside its slot.
    #[inline]
    pub fn string(&mut self, len: usize) -> Result<(), JsonError> {
        if len == 0 {
            return Ok(());
        }
        // The allocator's smallest chunk is 32 bytes.
        self.charge(
            (len + Self::ALLOC).max(32),
            "too many strings for the input size",
        )
    }

    /// One object member besides its key's bytes and its value.
    #[inline]
    pub fn member(&mut self) -> Result<(), JsonError> {
        self.charge(Self::MEMBER, "too many object members for the input size")
    }

    /// A finished array of `len` items in a buffer of `capacity` (the unused slots).
    #[inline]
    pub fn array(&mut self, len: usize, capacity: usize) -> Result<(), JsonError> {
        if capacity == 0 {
            return Ok(());
        }
        self.charge(
            (capacity - len.min(capacity)) * Self::VALUE + Self::ALLOC,
            "too many arrays for the input size",
        )
    }

    /// A nonempty object's allocations (its entries and its index table, which start with
    /// room for several members).
    #[inline]
    pub fn object(&mut self) -> Result<(), JsonError> {
        self.charge(Self::OBJECT, "too many objects for the input size")
    }

    /// Add what a part charged (the parallel parser's parts) and check the total.
    fn absorb(&mut self, spent: usize) -> Result<(), JsonError> {
        self.charge(spent, "the value needs too much memory for the input size")
    }
}

enum PathSeg<'a> {
    Key(&'a str),
    Index(usize),
}

impl fmt::Display for PathSeg<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PathSeg::Index(i) => write!(f, "[{i}]"),
            PathSeg::Key(k) => {
                let simple = !k.is_empty()
                    && k.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
                    && !k.starts_with(|c: char| c.is_ascii_digit());
                if simple {
                    write!(f, ".{k}")
                } else {
                    // Quote unusual keys so the path stays unambiguous.
                    write!(f, "[{}]", serde_json::Value::String((*k).to_string()))
                }
            }
        }
    }
}

/// Parse `input` strictly under `limits`, its memory bounded by [`Budget::for_input`].
///
/// The one reader of outside JSON: a duplicate key, a lone surrogate or a number outside
/// I-JSON is an error with its reason code, never a silent choice.
///
/// ```
/// use claw_core::json::{self, JsonError, Limits};
///
/// let v = json::parse(br#"{"tool":"read","args":{"path":"a.txt"}}"#, &Limits::STRICT)?;
/// assert_eq!(v["args"]["path"], "a.txt");
///
/// // Two readers could disagree on which `tool` counts: refused.
/// let err = json::parse(br#"{"tool":"read","tool":"shell"}"#, &Limits::STRICT).unwrap_err();
/// assert!(matches!(err, JsonError::DuplicateKey { .. }));
/// assert_eq!(err.reason_code(), "JSON_DUPLICATE_KEY");
///
/// // Bounded: a limit on size (and depth, and memory per input byte).
/// let small = Limits::STRICT.with_max_bytes(8);
/// assert_eq!(json::parse(b"[1,2,3,4,5]", &small).unwrap_err().reason_code(), "JSON_TOO_LARGE");
/// # Ok::<(), JsonError>(())
/// ```
pub fn parse(input: &[u8], limits: &Limits) -> Result<Value, JsonError> {
    let mut budget = Budget::for_input(input.len());
    parse_within(input, limits, &mut budget)
}

/// [`parse`] charging `budget` (which then tells what the value was charged).
pub fn parse_within(
    input: &[u8],
    limits: &Limits,
    budget: &mut Budget,
) -> Result<Value, JsonError> {
    let text = checked_text(input, limits)?;
    let mut p = Parser::new(text, limits, 1);
    p.budget = budget.clone();
    p.skip_ws();
    let v = p.value(1);
    *budget = p.budget.clone();
    let v = v?;
    p.skip_ws();
    if p.pos != p.s.len() {
        return Err(p.syntax("trailing characters after the JSON value"));
    }
    Ok(v)
}

/// `input` as text, within `limits.max_bytes` and valid UTF-8: what every parse checks first.
fn checked_text<'a>(input: &'a [u8], limits: &Limits) -> Result<&'a str, JsonError> {
    if input.len() > limits.max_bytes {
        return Err(JsonError::TooLarge {
            size: input.len(),
            limit: limits.max_bytes,
        });
    }
    std::str::from_utf8(input).map_err(|e| JsonError::InvalidUtf8 {
        offset: e.valid_up_to(),
    })
}

/// [`parse`] on up to `threads` threads: the same value, or the same error.
///
/// Large arrays near the top of the document (a proof bundle's event chain and receipt
/// arrays) are split at their top-level commas, found by a quick scan that only tracks
/// strings and brackets, and the parts are parsed on scoped threads with the strict parser;
/// each part must end exactly at the separator the scan found, so the parts together are the
/// array the serial parser would read. If anything fails on this path, the input is parsed
/// again serially, which reports the exact error [`parse`] reports.
pub fn parse_with_threads(
    input: &[u8],
    limits: &Limits,
    threads: usize,
) -> Result<Value, JsonError> {
    let threads = clamp_threads(threads);
    if threads <= 1 || input.len() < PAR_MIN_BYTES || input.len() > limits.max_bytes {
        return parse(input, limits);
    }
    let Ok(text) = std::str::from_utf8(input) else {
        return parse(input, limits);
    };
    let mut p = Parser::new(text, limits, threads);
    p.skip_ws();
    let ok = p.value(1).ok().filter(|_| {
        p.skip_ws();
        p.pos == p.s.len()
    });
    match ok {
        Some(v) => Ok(v),
        None => parse(input, limits),
    }
}

/// Drop `v` on up to `threads` threads: large arrays near the top (those
/// [`parse_with_threads`] splits) are taken out, cut into parts and freed in parallel.
/// Freeing a parsed 100 MB document is a large share of the time spent on it.
pub fn drop_with_threads(mut v: Value, threads: usize) {
    let threads = clamp_threads(threads);
    fn take_big(v: &mut Value, depth: usize, out: &mut Vec<Vec<Value>>) {
        if depth > PAR_MAX_DEPTH {
            return;
        }
        match v {
            Value::Array(a) if a.len() >= PAR_MIN_DROP_ITEMS => out.push(std::mem::take(a)),
            Value::Array(a) => a.iter_mut().for_each(|x| take_big(x, depth + 1, out)),
            Value::Object(m) => m.values_mut().for_each(|x| take_big(x, depth + 1, out)),
            _ => {}
        }
    }
    if threads <= 1 {
        return;
    }
    let mut big = Vec::new();
    take_big(&mut v, 1, &mut big);
    if big.is_empty() {
        return;
    }
    // Part j of every array goes to thread j.
    let mut per_thread: Vec<Vec<Vec<Value>>> = (0..threads).map(|_| Vec::new()).collect();
    for mut a in big {
        let per = a.len().div_ceil(threads);
        for j in (1..threads).rev() {
            let tail = a.split_off((per * j).min(a.len()));
            per_thread[j].push(tail);
        }
        per_thread[0].push(a);
    }
    let first = per_thread.remove(0);
    std::thread::scope(|sc| {
        for parts in per_thread {
            sc.spawn(move || drop(parts));
        }
        drop(first);
        drop(v);
    });
}

const PAR_MIN_DROP_ITEMS: usize = 4096;

/// Inputs below this are parsed serially.
const PAR_MIN_BYTES: usize = 1 << 20;
/// Arrays spanning fewer bytes, or deeper than this, are parsed serially.
const PAR_MIN_ARRAY_BYTES: usize = 1 << 20;
const PAR_MAX_DEPTH: usize = 4;

/// Loose scan of the array whose `[` is at `start`: the positions of its top-level commas
/// and of its closing `]`. Tracks only strings (with escapes) and brackets; the strict parse
/// of the parts checks everything else.
fn scan_array(s: &[u8], start: usize) -> Option<(Vec<usize>, usize)> {
    let mut commas = Vec::new();
    let mut depth = 0usize;
    let mut i = start + 1;
    while i < s.len() {
        match s[i] {
            b'"' => {
                i += 1;
                loop {
                    // Skip plain bytes eight at a time.
                    while i + 8 <= s.len() {
                        let mut w = [0u8; 8];
                        w.copy_from_slice(&s[i..i + 8]);
                        let w = u64::from_le_bytes(w);
                        if has_byte(w, b'"') || has_byte(w, b'\\') {
                            break;
                        }
                        i += 8;
                    }
                    match s.get(i)? {
                        b'"' => break,
                        b'\\' => i += 2,
                        _ => i += 1,
                    }
                }
            }
            b'[' | b'{' => depth += 1,
            b']' | b'}' => {
                if depth == 0 {
                    return Some((commas, i));
                }
                depth -= 1;
            }
            b',' if depth == 0 => commas.push(i),
            _ => {}
        }
        i += 1;
    }
    None
}

/// Whether any byte of `w` equals `b` (SWAR).
#[inline]
fn has_byte(w: u64, b: u8) -> bool {
    const LO: u64 = 0x0101_0101_0101_0101;
    const HI: u64 = 0x8080_8080_8080_8080;
    let x = w ^ (LO * u64::from(b));
    (x.wrapping_sub(LO) & !x & HI) != 0
}

/// Parse a `&str` strictly under the default [`Limits::STRICT`].
pub fn parse_str(input: &str) -> Result<Value, JsonError> {
    parse(input.as_bytes(), &Limits::STRICT)
}

struct Parser<'a> {
    s: &'a [u8],
    text: &'a str,
    pos: usize,
    limits: &'a Limits,
    /// More than 1 only on the [`parse_with_threads`] path, where any error means "parse again
    /// serially" (so its errors need not be exact).
    threads: usize,
    /// Memory the value may take ([`Budget::for_input`] of the whole text).
    budget: Budget,
    /// The members of the small objects being read, innermost last (see `object_members`).
    members: Vec<(String, Value)>,
    /// Arrays left unparsed, with the keys of the enclosing objects (see [`deferred`]).
    defer: Option<deferred::Deferring<'a>>,
}

/// Objects with up to this many members are gathered before their map is built.
const SMALL_OBJECT: usize = 32;

impl<'a> Parser<'a> {
    /// A parser at the start of `text`.
    fn new(text: &'a str, limits: &'a Limits, threads: usize) -> Parser<'a> {
        Parser {
            s: text.as_bytes(),
            text,
            pos: 0,
            limits,
            threads,
            budget: Budget::for_input(text.len()),
            members: Vec::new(),
            defer: None,
        }
    }

    fn syntax(&self, detail: &'static str) -> JsonError {
        JsonError::Syntax {
            path: "$".into(),
            offset: self.pos,
            detail,
        }
    }

    fn peek(&self) -> Option<u8> {
        self.s.get(self.pos).copied()
    }

    fn skip_ws(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.peek() {
            self.pos += 1;
        }
    }

    fn expect_lit(&mut self, lit: &'static [u8], v: Value) -> Result<Value, JsonError> {
        if self.s[self.pos..].starts_with(lit) {
            self.pos += lit.len();
            Ok(v)
        } else {
            Err(self.syntax("invalid literal"))
        }
    }

    fn value(&mut self, depth: usize) -> Result<Value, JsonError> {
        self.budget.value()?;
        match self.peek() {
            None => Err(self.syntax("unexpected end of input")),
            Some(b'{') => self.object(depth),
            Some(b'[') => self.array(depth),
            Some(b'"') => Ok(Value::String(self.string()?)),
            Some(b't') => self.expect_lit(b"true", Value::Bool(true)),
            Some(b'f') => self.expect_lit(b"false", Value::Bool(false)),
            Some(b'n') => self.expect_lit(b"null", Value::Null),
            Some(b'-' | b'0'..=b'9') => self.number(),
            Some(_) => Err(self.syntax("unexpected character")),
        }
    }

    fn enter(&self, depth: usize) -> Result<(), JsonError> {
        if depth > self.limits.max_depth {
            Err(JsonError::TooDeep {
                path: "$".into(),
                limit: self.limits.max_depth,
            })
        } else {
            Ok(())
        }
    }

    fn object(&mut self, depth: usize) -> Result<Value, JsonError> {
        self.enter(depth)?;
        self.pos += 1; // '{'
        self.skip_ws();
        if self.peek() == Some(b'}') {
            self.pos += 1;
            return Ok(Value::Object(Map::new()));
        }
        self.budget.object()?;
        let base = self.members.len();
        let out = self.object_members(depth, base);
        // On success the members were moved into the map; on failure they are dropped here.
        self.members.truncate(base);
        out.map(Value::Object)
    }

    /// The members of a nonempty object, from its first key to its `}`. A small object's
    /// members are gathered on the shared `members` stack (above `base`) and moved into a
    /// map of exactly their number: a map grown one insertion at a time keeps room for up to
    /// half as many members again, the largest share of a parsed document after its strings.
    /// Past [`SMALL_OBJECT`] members the object continues in a growing map. A duplicate key
    /// is refused at the same point either way (when its value has been read).
    fn object_members(
        &mut self,
        depth: usize,
        base: usize,
    ) -> Result<Map<String, Value>, JsonError> {
        let mut large: Option<Map<String, Value>> = None;
        loop {
            self.skip_ws();
            if self.peek() != Some(b'"') {
                return Err(self.syntax("expected a string key"));
            }
            let key = self.string()?;
            self.budget.member()?;
            self.skip_ws();
            if self.peek() != Some(b':') {
                return Err(self
                    .syntax("expected ':' after key")
                    .within(&PathSeg::Key(&key)));
            }
            self.pos += 1;
            self.skip_ws();
            let v = match self.defer.is_some() {
                true => self.deferring_value(&key, depth + 1),
                false => self.value(depth + 1),
            }
            .map_err(|e| e.within(&PathSeg::Key(&key)))?;
            match &mut large {
                Some(map) => match map.entry(key) {
                    serde_json::map::Entry::Vacant(e) => {
                        e.insert(v);
                    }
                    serde_json::map::Entry::Occupied(e) => {
                        return Err(JsonError::DuplicateKey {
                            path: "$".into(),
                            key: e.key().clone(),
                        });
                    }
                },
                None => {
                    // `members` above `base` are this object's (nested objects took theirs).
                    let mine = self.members.get(base..).unwrap_or_default();
                    if let Some((k, _)) = mine.iter().find(|(k, _)| *k == key) {
                        return Err(JsonError::DuplicateKey {
                            path: "$".into(),
                            key: k.clone(),
                        });
                    }
                    self.members.push((key, v));
                    if self.members.len() - base > SMALL_OBJECT {
                        let mut map = Map::with_capacity(2 * SMALL_OBJECT);
                        map.extend(self.members.drain(base..));
                        large = Some(map);
                    }
                }
            }
            self.skip_ws();
            match self.peek() {
                Some(b',') => self.pos += 1,
                Some(b'}') => {
                    self.pos += 1;
                    return Ok(match large {
                        Some(map) => map,
                        None => {
                            let mut map = Map::with_capacity(self.members.len() - base);
                            map.extend(self.members.drain(base..));
                            map
                        }
                    });
                }
                _ => return Err(self.syntax("expected ',' or '}' in object")),
            }
        }
    }

    fn array(&mut self, depth: usize) -> Result<Value, JsonError> {
        self.enter(depth)?;
        if self.threads > 1
            && depth <= PAR_MAX_DEPTH
            && self.s.len() - self.pos >= PAR_MIN_ARRAY_BYTES
        {
            if let Some(v) = self.array_parallel(depth)? {
                return Ok(v);
            }
        }
        self.pos += 1; // '['
        let mut items = Vec::new();
        self.skip_ws();
        if self.peek() == Some(b']') {
            self.pos += 1;
            return Ok(Value::Array(items));
        }
        loop {
            self.skip_ws();
            let idx = items.len();
            let v = self
                .value(depth + 1)
                .map_err(|e| e.within(&PathSeg::Index(idx)))?;
            items.push(v);
            self.skip_ws();
            match self.peek() {
                Some(b',') => self.pos += 1,
                Some(b']') => {
                    self.pos += 1;
                    self.budget.array(items.len(), items.capacity())?;
                    return Ok(Value::Array(items));
                }
                _ => return Err(self.syntax("expected ',' or ']' in array")),
            }
        }
    }

    /// A large array split at its top-level commas and parsed in parts on scoped threads
    /// (see [`parse_with_threads`]). `Ok(None)`: not worth it, parse serially. Errors here
    /// are not the serial parser's; the caller parses again serially.
    fn array_parallel(&mut self, depth: usize) -> Result<Option<Value>, JsonError> {
        let start = self.pos;
        let Some((commas, close)) = scan_array(self.s, start) else {
            return Err(self.syntax("unterminated array"));
        };
        // `close` is an index the scan read, so it is in bounds.
        if self.s[close] != b']' {
            return Err(self.syntax("expected ',' or ']' in array"));
        }
        if close - start < PAR_MIN_ARRAY_BYTES || commas.len() < 2 * self.threads {
            return Ok(None);
        }
        // Element k spans (sep[k], sep[k+1]): sep = [start, commas…, close].
        let mut sep = Vec::with_capacity(commas.len() + 2);
        sep.push(start);
        sep.extend_from_slice(&commas);
        sep.push(close);
        let n = sep.len() - 1;
        // Cut into `threads` runs of elements of about equal bytes.
        let mut cuts = vec![0usize];
        for j in 1..self.threads {
            let target = start + (close - start) * j / self.threads;
            let k = sep
                .partition_point(|&p| p < target)
                .clamp(*cuts.last().unwrap_or(&0), n);
            cuts.push(k);
        }
        cuts.push(n);
        let (text, limits, sep) = (self.text, self.limits, &sep);
        // Each part may spend the share of the remaining budget its bytes are of the array's.
        let left = self.budget.limit().saturating_sub(self.budget.spent());
        let span = close - start;
        let parts: Vec<Result<(Vec<Value>, usize), JsonError>> = std::thread::scope(|sc| {
            let hs: Vec<_> = cuts
                .windows(2)
                .map(|w| {
                    let (from, to) = (w[0], w[1]);
                    let part_bytes = sep[to] - sep[from];
                    let share = u128::try_from(left).unwrap_or(u128::MAX)
                        * u128::try_from(part_bytes).unwrap_or(u128::MAX)
                        / u128::try_from(span.max(1)).unwrap_or(1);
                    let share = usize::try_from(share).unwrap_or(usize::MAX);
                    sc.spawn(move || {
                        let mut p = Parser::new(text, limits, 1);
                        p.budget = Budget::with_limit(share);
                        let mut out = Vec::with_capacity(to - from);
                        // `to` ≤ n = sep.len() − 1, so `sep[k + 1]` is in bounds.
                        for k in from..to {
                            p.pos = sep[k] + 1;
                            p.skip_ws();
                            out.push(p.value(depth + 1)?);
                            p.skip_ws();
                            if p.pos != sep[k + 1] {
                                return Err(p.syntax("element does not end at its separator"));
                            }
                        }
                        Ok((out, p.budget.spent()))
                    })
                })
                .collect();
            hs.into_iter()
                .map(|h| h.join().unwrap_or_else(|e| std::panic::resume_unwind(e)))
                .collect()
        });
        let mut items = Vec::with_capacity(n);
        for part in parts {
            let (part, spent) = part?;
            self.budget.absorb(spent)?;
            items.extend(part);
        }
        self.budget.array(items.len(), items.capacity())?;
        // Each separator the scan found is a ',' (commas) or the closing ']' (close); every
        // element parsed strictly between two of them.
        self.pos = close + 1;
        Ok(Some(Value::Array(items)))
    }

    fn hex4(&mut self) -> Result<u16, JsonError> {
        let digits = self
            .s
            .get(self.pos..self.pos + 4)
            .ok_or_else(|| self.syntax("truncated \\u escape"))?;
        let mut v: u16 = 0;
        for &d in digits {
            let n = match d {
                b'0'..=b'9' => d - b'0',
                b'a'..=b'f' => d - b'a' + 10,
                b'A'..=b'F' => d - b'A' + 10,
                _ => return Err(self.syntax("invalid hex digit in \\u escape")),
            };
            v = (v << 4) | u16::from(n);
        }
        self.pos += 4;
        Ok(v)
    }

    fn string(&mut self) -> Result<String, JsonError> {
        self.pos += 1; // opening quote
        let mut out = String::new();
        loop {
            // Copy the longest run of plain characters at once; the input is valid UTF-8 and
            // the run stops only at ASCII bytes, so the slice boundaries are char boundaries.
            let start = self.pos;
            while let Some(b) = self.peek() {
                if b == b'"' || b == b'\\' || b < 0x20 {
                    break;
                }
                self.pos += 1;
            }
            out.push_str(&self.text[start..self.pos]);
            match self.peek() {
                None => return Err(self.syntax("unterminated string")),
                Some(b'"') => {
                    self.pos += 1;
                    self.budget.string(out.len())?;
                    return Ok(out);
                }
                Some(b'\\') => {
                    let esc_at = self.pos;
                    self.pos += 1;
                    let c = self.peek().ok_or_else(|| self.syntax("truncated escape"))?;
                    self.pos += 1;
                    match c {
                        b'"' => out.push('"'),
                        b'\\' => out.push('\\'),
                        b'/' => out.push('/'),
                        b'b' => out.push('\u{8}'),
                        b'f' => out.push('\u{c}'),
                        b'n' => out.push('\n'),
                        b'r' => out.push('\r'),
                        b't' => out.push('\t'),
                        b'u' => {
                            let hi = self.hex4()?;
                            let lone = || JsonError::LoneSurrogate {
                                path: "$".into(),
                                offset: esc_at,
                            };
                            let cp = match hi {
                                0xD800..=0xDBFF => {
                                    if self.s.get(self.pos..self.pos + 2) != Some(b"\\u") {
                                        return Err(lone());
                                    }
                                    self.pos += 2;
                                    let lo = self.hex4()?;
                                    if !(0xDC00..=0xDFFF).contains(&lo) {
                                        return Err(lone());
                                    }
                                    0x10000
                                        + ((u32::from(hi) - 0xD800) << 10)
                                        + (u32::from(lo) - 0xDC00)
                                }
                                0xDC00..=0xDFFF => return Err(lone()),
                                _ => u32::from(hi),
                            };
                            // Cannot fail: surrogates were excluded above.
                            out.push(char::from_u32(cp).ok_or_else(lone)?);
                        }
                        _ => {
                            self.pos = esc_at;
                            return Err(self.syntax("invalid escape sequence"));
                        }
                    }
                }
                Some(_) => return Err(self.syntax("unescaped control character in string")),
            }
        }
    }

    fn number(&mut self) -> Result<Value, JsonError> {
        let start = self.pos;
        let mut integer = true;
        if self.peek() == Some(b'-') {
            self.pos += 1;
        }
        match self.peek() {
            Some(b'0') => self.pos += 1,
            Some(b'1'..=b'9') => {
                while let Some(b'0'..=b'9') = self.peek() {
                    self.pos += 1;
                }
            }
            _ => return Err(self.syntax("invalid number")),
        }
        if self.peek() == Some(b'.') {
            integer = false;
            self.pos += 1;
            if !matches!(self.peek(), Some(b'0'..=b'9')) {
                return Err(self.syntax("digit expected after decimal point"));
            }
            while let Some(b'0'..=b'9') = self.peek() {
                self.pos += 1;
            }
        }
        if let Some(b'e' | b'E') = self.peek() {
            integer = false;
            self.pos += 1;
            if let Some(b'+' | b'-') = self.peek() {
                self.pos += 1;
            }
            if !matches!(self.peek(), Some(b'0'..=b'9')) {
                return Err(self.syntax("digit expected in exponent"));
            }
            while let Some(b'0'..=b'9') = self.peek() {
                self.pos += 1;
            }
        }
        let lit = &self.text[start..self.pos];
        if integer {
            // Integer literals stay integers so typed fields (timestamps, counts) read exactly.
            if let Ok(u) = lit.parse::<u64>() {
                if u <= MAX_SAFE_INTEGER {
                    return Ok(Value::Number(u.into()));
                }
            } else if let Ok(i) = lit.parse::<i64>() {
                if i.unsigned_abs() <= MAX_SAFE_INTEGER {
                    return Ok(Value::Number(i.into()));
                }
            }
            // Beyond 2^53 an integer literal is accepted only if it is the canonical spelling
            // of the double it denotes (e.g. 100000000000000000000, which is what JCS writes
            // for 1e20), so a JavaScript peer reads and writes back the very same text;
            // 9007199254740993 would silently become …992 and is refused.
            if self.limits.exact_integers {
                let f: f64 = lit.parse().map_err(|_| self.syntax("invalid number"))?;
                if !f.is_finite() || format_es6(f) != lit {
                    return Err(JsonError::InexactInteger { path: "$".into() });
                }
            }
        }
        // `str::parse::<f64>` rounds correctly; it yields ±inf for overflow, rejected here.
        let f: f64 = lit.parse().map_err(|_| self.syntax("invalid number"))?;
        if f == 0.0 && lit.starts_with('-') {
            // -0 canonicalizes to "0"; store +0 so integer typing of e.g. "-0" works.
            return Ok(Value::Number(0u64.into()));
        }
        Number::from_f64(f)
            .map(Value::Number)
            .ok_or(JsonError::NumberOutOfRange { path: "$".into() })
    }
}

mod deferred;
pub use deferred::{parse_deferring, Deferred, HashStream, OutOfPlace};

/// The order in which object members are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyOrder {
    /// RFC 8785: keys sorted by their UTF-16 code units.
    Jcs,
    /// What JavaScript's `JSON.stringify` writes for an object built in the value's order:
    /// array-index keys ("0", "1", ... below 2^32 − 1) ascending first, then the others in
    /// insertion order.
    JavaScript,
}

/// RFC 8785 canonical bytes of `v`.
pub fn canonicalize(v: &Value) -> Result<Vec<u8>, JsonError> {
    serialize(v, KeyOrder::Jcs)
}

/// Serialize `v` with ECMAScript number formatting, JCS escaping and the given key order.
pub fn serialize(v: &Value, order: KeyOrder) -> Result<Vec<u8>, JsonError> {
    let mut out = Vec::with_capacity(256);
    write_value(&mut out, v, order, 0)?;
    Ok(out)
}

/// Append the serialization of `v` (as [`serialize`]) to `out`.
pub fn serialize_into(out: &mut Vec<u8>, v: &Value, order: KeyOrder) -> Result<(), JsonError> {
    write_value(out, v, order, 0)
}

/// SHA-256 of [`serialize`]`(v, order)`, computed while serializing: the bytes are streamed
/// through a small buffer into the hasher and never held whole (a 100 MB bundle payload is
/// hashed without a 100 MB copy).
pub fn sha256_of(v: &Value, order: KeyOrder) -> Result<[u8; 32], JsonError> {
    let mut sink = HashSink::new(sha2::Sha256::default());
    write_value(&mut sink, v, order, 0)?;
    Ok(sink.finish().into())
}

/// Where serialized bytes go: a `Vec` or a hasher behind a buffer.
pub(crate) trait Sink {
    fn put(&mut self, bytes: &[u8]);
    fn byte(&mut self, b: u8) {
        self.put(&[b]);
    }
    /// `Some(limit)` once a bounded sink refused bytes past its limit.
    #[inline]
    fn overflow(&self) -> Option<usize> {
        None
    }
}

/// A `Vec` that takes at most `limit` bytes; past it, it stops growing and reports the
/// overflow, which the serializer turns into [`JsonError::OutputTooLarge`].
struct BoundedVec {
    buf: Vec<u8>,
    limit: usize,
    over: bool,
}

impl Sink for BoundedVec {
    #[inline]
    fn put(&mut self, bytes: &[u8]) {
        if self.over || self.buf.len() + bytes.len() > self.limit {
            self.over = true;
        } else {
            self.buf.extend_from_slice(bytes);
        }
    }
    #[inline]
    fn overflow(&self) -> Option<usize> {
        self.over.then_some(self.limit)
    }
}

/// [`canonicalize`] with its output bounded: more than `max_bytes` of canonical text fails
/// with `JSON_OUTPUT_TOO_LARGE` as soon as the bound is passed (nothing past it is written).
/// Every serialization of a caller-provided structure (the bindings' `jcs`, `claw jcs`)
/// goes through here with [`Limits::STRICT`]'s `max_bytes`: what is written can be read back.
pub fn canonicalize_within(v: &Value, max_bytes: usize) -> Result<Vec<u8>, JsonError> {
    let mut out = BoundedVec {
        buf: Vec::with_capacity(256),
        limit: max_bytes,
        over: false,
    };
    write_value(&mut out, v, KeyOrder::Jcs, 0)?;
    match out.overflow() {
        Some(limit) => Err(JsonError::OutputTooLarge { limit }),
        None => Ok(out.buf),
    }
}

impl Sink for Vec<u8> {
    #[inline]
    fn put(&mut self, bytes: &[u8]) {
        self.extend_from_slice(bytes);
    }
    #[inline]
    fn byte(&mut self, b: u8) {
        self.push(b);
    }
}

/// Feeds a digest in 4 KiB pieces (serializers write many tiny pieces).
pub(crate) struct HashSink<D: sha2::Digest> {
    digest: D,
    buf: Vec<u8>,
}

const HASH_SINK_BUF: usize = 4096;

impl<D: sha2::Digest> HashSink<D> {
    pub(crate) fn new(digest: D) -> Self {
        HashSink {
            digest,
            buf: Vec::with_capacity(HASH_SINK_BUF),
        }
    }
    pub(crate) fn finish(mut self) -> sha2::digest::Output<D> {
        self.digest.update(&self.buf);
        self.digest.finalize()
    }
}

impl<D: sha2::Digest> Sink for HashSink<D> {
    #[inline]
    fn put(&mut self, bytes: &[u8]) {
        if self.buf.len() + bytes.len() > HASH_SINK_BUF {
            self.digest.update(&self.buf);
            self.buf.clear();
            if bytes.len() >= HASH_SINK_BUF {
                self.digest.update(bytes);
                return;
            }
        }
        self.buf.extend_from_slice(bytes);
    }
    #[inline]
    fn byte(&mut self, b: u8) {
        if self.buf.len() == HASH_SINK_BUF {
            self.digest.update(&self.buf);
            self.buf.clear();
        }
        self.buf.push(b);
    }
}

/// Recursion bound for values built in memory (parsed values are already bounded by
/// [`Limits`]); keeps a hostile in-memory value from overflowing the stack.
const MAX_SERIALIZE_DEPTH: usize = 256;

/// Whether the map's own order is already the order `order` writes, so the members can be
/// written without collecting and sorting them: for JCS, keys strictly ascending in UTF-16
/// order; for JavaScript, no key is an array index (index keys would move first).
pub(crate) fn in_write_order(map: &Map<String, Value>, order: KeyOrder) -> bool {
    match order {
        KeyOrder::Jcs => {
            let mut prev: Option<&str> = None;
            for k in map.keys() {
                if let Some(p) = prev {
                    if cmp_utf16(p, k) != std::cmp::Ordering::Less {
                        return false;
                    }
                }
                prev = Some(k);
            }
            true
        }
        KeyOrder::JavaScript => !map.keys().any(|k| array_index(k).is_some()),
    }
}

pub(crate) fn write_value<O: Sink>(
    out: &mut O,
    v: &Value,
    order: KeyOrder,
    depth: usize,
) -> Result<(), JsonError> {
    if depth > MAX_SERIALIZE_DEPTH {
        return Err(JsonError::TooDeep {
            path: "$".into(),
            limit: MAX_SERIALIZE_DEPTH,
        });
    }
    match v {
        Value::Null => out.put(b"null"),
        Value::Bool(true) => out.put(b"true"),
        Value::Bool(false) => out.put(b"false"),
        Value::Number(n) => write_number(out, n)?,
        Value::String(s) => write_string(out, s),
        Value::Array(items) => {
            out.byte(b'[');
            for (i, item) in items.iter().enumerate() {
                if let Some(limit) = out.overflow() {
                    return Err(JsonError::OutputTooLarge { limit });
                }
                if i > 0 {
                    out.byte(b',');
                }
                write_value(out, item, order, depth + 1)
                    .map_err(|e| e.within(&PathSeg::Index(i)))?;
            }
            out.byte(b']');
        }
        Value::Object(map) => {
            out.byte(b'{');
            if in_write_order(map, order) {
                for (i, (k, item)) in map.iter().enumerate() {
                    write_member(out, i, k, item, order, depth)?;
                }
            } else {
                let mut entries: Vec<(&String, &Value)> = map.iter().collect();
                match order {
                    KeyOrder::Jcs => entries.sort_by(|a, b| cmp_utf16(a.0, b.0)),
                    KeyOrder::JavaScript => {
                        // Stable sort: index keys ascending, all others keep insertion order.
                        entries.sort_by_key(|(k, _)| array_index(k).map_or((1, 0), |i| (0, i)));
                    }
                }
                for (i, (k, item)) in entries.into_iter().enumerate() {
                    write_member(out, i, k, item, order, depth)?;
                }
            }
            out.byte(b'}');
        }
    }
    Ok(())
}

/// Write `v` as the value of member `key` of an object at `depth` (the member's key,
/// colon and comma are the caller's); errors carry the key in their path.
pub(crate) fn write_keyed<O: Sink>(
    out: &mut O,
    key: &str,
    v: &Value,
    order: KeyOrder,
    depth: usize,
) -> Result<(), JsonError> {
    write_string(out, key);
    out.byte(b':');
    write_value(out, v, order, depth).map_err(|e| e.within(&PathSeg::Key(key)))
}

#[inline]
fn write_member<O: Sink>(
    out: &mut O,
    i: usize,
    k: &str,
    item: &Value,
    order: KeyOrder,
    depth: usize,
) -> Result<(), JsonError> {
    if let Some(limit) = out.overflow() {
        return Err(JsonError::OutputTooLarge { limit });
    }
    if i > 0 {
        out.byte(b',');
    }
    write_string(out, k);
    out.byte(b':');
    write_value(out, item, order, depth + 1).map_err(|e| e.within(&PathSeg::Key(k)))
}

/// Compare two strings by UTF-16 code units, as RFC 8785 §3.2.3 requires.
///
/// Costs O(length of the common prefix), not O(length of the strings): sorting an object's
/// keys compares one key with many others, and a scan of the whole key per comparison made
/// one huge key among many small ones quadratic.
pub fn cmp_utf16(a: &str, b: &str) -> std::cmp::Ordering {
    use std::cmp::Ordering;
    let (x, y) = (a.as_bytes(), b.as_bytes());
    // First differing byte, backed up to the start of its character: the characters before
    // it are equal (UTF-8 is prefix-free), so the strings compare as their first differing
    // characters do, or by length when one is a prefix of the other.
    let Some(mut i) = x.iter().zip(y).position(|(p, q)| p != q) else {
        return x.len().cmp(&y.len());
    };
    while !a.is_char_boundary(i) {
        i -= 1;
    }
    let (Some(c), Some(d)) = (a[i..].chars().next(), b[i..].chars().next()) else {
        return Ordering::Equal; // unreachable: the strings differ at byte i
    };
    // UTF-8 byte order is code point order, which UTF-16 order differs from only when a
    // supplementary character (a surrogate pair, D800..DBFF first) meets one in
    // U+E000..U+FFFF: compare the first UTF-16 units.
    let unit = |c: char| {
        let mut buf = [0u16; 2];
        c.encode_utf16(&mut buf)[0]
    };
    match unit(c).cmp(&unit(d)) {
        Ordering::Equal => u32::from(c).cmp(&u32::from(d)),
        o => o,
    }
}

/// ECMAScript's "array index": a canonical decimal integer below 2^32 − 1.
pub(crate) fn array_index(k: &str) -> Option<u32> {
    if k.is_empty() || k.len() > 10 || (k.len() > 1 && k.starts_with('0')) {
        return None;
    }
    if !k.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let n: u64 = k.parse().ok()?;
    (n < u64::from(u32::MAX)).then_some(n as u32)
}

/// Whether any of the 8 bytes of `w` is `"`, `\\` or a control character (below 0x20): the
/// bytes a JSON string escapes. Word-at-a-time ("SWAR") tests, each exact for "some byte":
/// `(x - 0x01…) & !x & 0x80…` is non-zero iff a byte of `x` is zero, and with `0x20…` in
/// place of `0x01…` iff a byte is below 0x20 (true for every limit up to 0x80).
#[inline]
fn word_needs_escape(w: u64) -> bool {
    const ONES: u64 = u64::from_ne_bytes([0x01; 8]);
    const HIGH: u64 = u64::from_ne_bytes([0x80; 8]);
    const SPACE: u64 = u64::from_ne_bytes([0x20; 8]);
    const QUOTE: u64 = u64::from_ne_bytes([b'"'; 8]);
    const BACKSLASH: u64 = u64::from_ne_bytes([b'\\'; 8]);
    let zero_in = |x: u64| x.wrapping_sub(ONES) & !x & HIGH;
    let control = w.wrapping_sub(SPACE) & !w & HIGH;
    (control | zero_in(w ^ QUOTE) | zero_in(w ^ BACKSLASH)) != 0
}

pub(crate) fn write_string<O: Sink>(out: &mut O, s: &str) {
    out.byte(b'"');
    let bytes = s.as_bytes();
    // The bytes before `start` are written; scanning starts at `clean`: the leading 8-byte
    // words in which no byte needs an escape (most strings: ids, hashes, DIDs) are skipped
    // a word at a time.
    let mut start = 0;
    let mut clean = 0;
    for w in bytes.chunks_exact(8) {
        let w = u64::from_ne_bytes([w[0], w[1], w[2], w[3], w[4], w[5], w[6], w[7]]);
        if word_needs_escape(w) {
            break;
        }
        clean += 8;
    }
    for (i, &b) in bytes.iter().enumerate().skip(clean) {
        let esc: Option<&[u8]> = match b {
            b'"' => Some(b"\\\""),
            b'\\' => Some(b"\\\\"),
            0x08 => Some(b"\\b"),
            0x0c => Some(b"\\f"),
            b'\n' => Some(b"\\n"),
            b'\r' => Some(b"\\r"),
            b'\t' => Some(b"\\t"),
            0x00..=0x1f => None,
            _ => continue,
        };
        out.put(&bytes[start..i]);
        match esc {
            Some(e) => out.put(e),
            None => {
                const HEX: &[u8; 16] = b"0123456789abcdef";
                out.put(b"\\u00");
                out.byte(HEX[usize::from(b >> 4)]);
                out.byte(HEX[usize::from(b & 0xf)]);
            }
        }
        start = i + 1;
    }
    out.put(&bytes[start..]);
    out.byte(b'"');
}

/// Decimal digits of `u` without allocating.
fn write_u64<O: Sink>(out: &mut O, mut u: u64) {
    let mut buf = [0u8; 20];
    let mut i = buf.len();
    loop {
        i -= 1;
        buf[i] = b'0' + (u % 10) as u8;
        u /= 10;
        if u == 0 {
            break;
        }
    }
    out.put(&buf[i..]);
}

fn write_number<O: Sink>(out: &mut O, n: &Number) -> Result<(), JsonError> {
    if let Some(u) = n.as_u64() {
        if u > MAX_SAFE_INTEGER {
            return Err(JsonError::InexactInteger { path: "$".into() });
        }
        write_u64(out, u);
    } else if let Some(i) = n.as_i64() {
        if i.unsigned_abs() > MAX_SAFE_INTEGER {
            return Err(JsonError::InexactInteger { path: "$".into() });
        }
        if i < 0 {
            out.byte(b'-');
        }
        write_u64(out, i.unsigned_abs());
    } else {
        // serde_json never holds a non-finite f64.
        let f = n
            .as_f64()
            .ok_or(JsonError::NumberOutOfRange { path: "$".into() })?;
        out.put(format_es6(f).as_bytes());
    }
    Ok(())
}

/// ECMAScript `Number.prototype.toString()` for a finite double (ECMA-262 §6.1.6.1.20),
/// which RFC 8785 §3.2.2.3 adopts. Non-finite input yields `"null"` as `JSON.stringify`
/// would; canonicalization never reaches that case because such values cannot be stored.
pub fn format_es6(v: f64) -> String {
    if !v.is_finite() {
        return "null".into();
    }
    if v == 0.0 {
        return "0".into(); // also -0
    }
    if v < 0.0 {
        return format!("-{}", format_es6(-v));
    }
    let (digits, n) = shortest_digits(v);
    let k = digits.len() as i32;
    let mut s = String::with_capacity(32);
    if k <= n && n <= 21 {
        s.push_str(&digits);
        s.extend(std::iter::repeat_n('0', (n - k) as usize));
    } else if 0 < n && n <= 21 {
        s.push_str(&digits[..n as usize]);
        s.push('.');
        s.push_str(&digits[n as usize..]);
    } else if -6 < n && n <= 0 {
        s.push_str("0.");
        s.extend(std::iter::repeat_n('0', (-n) as usize));
        s.push_str(&digits);
    } else {
        s.push_str(&digits[..1]);
        if k > 1 {
            s.push('.');
            s.push_str(&digits[1..]);
        }
        s.push('e');
        s.push(if n > 0 { '+' } else { '-' });
        s.push_str(&(n - 1).abs().to_string());
    }
    s
}

/// The shortest decimal digits `d1..dk` and exponent `n` with v = 0.d1..dk × 10^n, choosing
/// as ECMA-262 does: fewest digits, then closest to v, then (on an exact tie) an even last
/// digit. Rust's `{:e}` gives the fewest digits and the closest, but breaks ties upward.
fn shortest_digits(v: f64) -> (String, i32) {
    let (digits, n) = split_sci(&format!("{v:e}"));
    let k = digits.len();
    // A tie needs the exact value to end in a 5 right after the k-th digit. Rust formats with
    // a precision exactly, so check with one more digit, then with all of them (a double's
    // decimal expansion has at most 767 significant digits).
    let (one_more, _) = split_sci(&format!("{v:.k$e}"));
    if !one_more.ends_with('5') {
        return (digits, n);
    }
    let (exact, exact_n) = split_sci(&format!("{v:.800e}"));
    let exact = exact.trim_end_matches('0');
    if exact.len() != k + 1 || !exact.ends_with('5') {
        return (digits, n);
    }
    // Exactly halfway between two k-digit neighbours: take the even one, provided it still
    // reads back as v (ECMA-262 only chooses among digit strings that denote v).
    let even = round_half_even(exact, k, exact_n);
    let reads_back = format!("0.{}e{}", even.0, even.1).parse::<f64>() == Ok(v);
    if reads_back {
        even
    } else {
        (digits, n)
    }
}

fn round_half_even(exact: &str, k: usize, exact_n: i32) -> (String, i32) {
    let mut lower: Vec<u8> = exact.as_bytes()[..k].to_vec();
    let last = lower[k - 1] - b'0';
    if last % 2 == 0 {
        return (String::from_utf8_lossy(&lower).into_owned(), exact_n);
    }
    // Round the truncation up by one unit in the last place, with carry.
    let mut i = k;
    while i > 0 {
        i -= 1;
        if lower[i] == b'9' {
            lower[i] = b'0';
        } else {
            lower[i] += 1;
            return (trim_zeros(lower), exact_n);
        }
    }
    lower.insert(0, b'1');
    (trim_zeros(lower), exact_n + 1)
}

fn trim_zeros(mut d: Vec<u8>) -> String {
    while d.len() > 1 && d.last() == Some(&b'0') {
        d.pop();
    }
    String::from_utf8_lossy(&d).into_owned()
}

/// Split Rust's `d.ddde±x` into its digits and the exponent n of the form 0.ddd × 10^n.
fn split_sci(sci: &str) -> (String, i32) {
    let (mantissa, exp) = sci.split_once('e').unwrap_or((sci, "0"));
    let digits: String = mantissa.chars().filter(|c| c.is_ascii_digit()).collect();
    (digits, exp.parse::<i32>().unwrap_or(0) + 1)
}

/// A copy of `v` with every object's keys in RFC 8785 order, so that serializing it in
/// insertion order (as `JSON.stringify` does) gives the canonical bytes.
pub fn sorted(v: &Value) -> Value {
    match v {
        Value::Object(map) => {
            let mut entries: Vec<(&String, &Value)> = map.iter().collect();
            entries.sort_by(|a, b| cmp_utf16(a.0, b.0));
            Value::Object(
                entries
                    .into_iter()
                    .map(|(k, v)| (k.clone(), sorted(v)))
                    .collect(),
            )
        }
        Value::Array(items) => Value::Array(items.iter().map(sorted).collect()),
        other => other.clone(),
    }
}

/// Sort every object's keys in place, as [`sorted`] returns them (RFC 8785 order), without
/// copying the value; objects already in order are left as they are.
pub fn sort_keys_in_place(v: &mut Value) {
    match v {
        Value::Object(map) => {
            if !in_write_order(map, KeyOrder::Jcs) {
                let mut entries: Vec<(String, Value)> = std::mem::take(map).into_iter().collect();
                entries.sort_by(|a, b| cmp_utf16(&a.0, &b.0));
                *map = entries.into_iter().collect();
            }
            map.values_mut().for_each(sort_keys_in_place);
        }
        Value::Array(items) => items.iter_mut().for_each(sort_keys_in_place),
        _ => {}
    }
}

/// Parse strictly and return the RFC 8785 canonical bytes.
pub fn canonicalize_bytes(input: &[u8], limits: &Limits) -> Result<Vec<u8>, JsonError> {
    canonicalize_within(&parse(input, limits)?, limits.max_bytes)
}

#[cfg(test)]
#[allow(clippy::disallowed_methods)] // compares with serde_json's reader (clippy.toml)
mod tests {
    use super::*;

    /// The threaded parser gives exactly the serial parser's value or error.
    #[test]
    fn parse_with_threads_matches_parse() {
        let item = |i: usize| {
            format!(
                r#" {{"id":"r{i}","s":"a\"b[c{{d,e\\","n":[{i},{{"x":[1,2,{{}}]}}],"u":"\u00e9\ud83d\ude00","pad":"{}"}} "#,
                // Receipt-sized: the small values alone would cost more memory per input
                // byte than the parser's budget allows (see `memory_is_bounded_per_input_byte`).
                "p".repeat(300)
            )
        };
        let items: Vec<String> = (0..40_000).map(item).collect();
        let good = format!(
            r#"{{"envelope":{{"payload":{{"small":[1,2],"big":[{}],"other":[{}]}},"k":"v"}}}}"#,
            items.join(","),
            items[..20_000].join(",")
        );
        assert!(good.len() > 2 * PAR_MIN_ARRAY_BYTES);
        let limits = Limits::STRICT.with_max_bytes(1 << 30);
        let serial = parse(good.as_bytes(), &limits).unwrap();
        for t in [2, 3, 8] {
            assert_eq!(
                parse_with_threads(good.as_bytes(), &limits, t).unwrap(),
                serial
            );
        }
        let mut bad: Vec<String> = vec![
            good.replacen(r#""id":"r30000","#, r#""id":"r30000","id":1,"#, 1),
            good.replacen(r#""id":"r30001","#, r#""id":"r30001",,"#, 1),
            good.replacen("],\"other\"", ",],\"other\"", 1),
            good.replacen("],\"other\"", "},\"other\"", 1),
            good.replacen(r#""r25000""#, r#""r25000\q""#, 1),
            good.replacen(r#""r25000""#, r#""r25000\ud800""#, 1),
            good.replacen(r#"{"x":[1,2,{}]}"#, r#"{"x":[1,2,{}]]"#, 1),
            good.replacen("\"r39999\"", "\"r39999\u{1}\"", 1),
            good[..good.len() / 2].to_string(),
        ];
        bad.push(good.replacen("r20000", "r20000\"", 1));
        for b in &bad {
            let want = parse(b.as_bytes(), &limits);
            assert!(want.is_err());
            for t in [2, 4] {
                assert_eq!(parse_with_threads(b.as_bytes(), &limits, t), want);
            }
        }
        let deep = Limits {
            max_depth: 4,
            ..limits
        };
        assert_eq!(
            parse_with_threads(good.as_bytes(), &deep, 2),
            parse(good.as_bytes(), &deep)
        );
    }

    fn err(s: &str) -> JsonError {
        parse_str(s).unwrap_err()
    }

    /// The UTF-16 order by its definition, to check [`cmp_utf16`] against.
    fn cmp_utf16_by_definition(a: &str, b: &str) -> std::cmp::Ordering {
        a.encode_utf16().cmp(b.encode_utf16())
    }

    #[test]
    fn cmp_utf16_is_utf16_order() {
        let words = [
            "",
            "a",
            "ab",
            "abc",
            "b",
            "\u{7f}",
            "\u{80}",
            "é",
            "\u{d7ff}",
            "\u{e000}",
            "\u{fb01}",
            "\u{ffff}",
            "\u{10000}",
            "\u{1f600}",
            "\u{10ffff}",
            "a\u{1f600}",
            "a\u{ffff}",
            "a\u{e000}b",
            "\u{1f600}a",
            "\u{1f601}",
        ];
        for x in words {
            for y in words {
                for (a, b) in [
                    (x.to_string(), y.to_string()),
                    (format!("k{x}z"), format!("k{y}")),
                ] {
                    assert_eq!(
                        cmp_utf16(&a, &b),
                        cmp_utf16_by_definition(&a, &b),
                        "{a:?} vs {b:?}"
                    );
                }
            }
        }
    }

    /// An object with one huge key among many small ones: the sort compares the huge key with
    /// about every other key. The old comparison scanned both strings whole (an ASCII check)
    /// on every call, so each of those comparisons cost the huge key's length: 400,000 keys
    /// and a 48 MiB key took about 3 minutes to canonicalize (measured in release: 20,000
    /// keys and an 8 MiB key, 1.6 s; the cost grows with keys x key length). Comparisons now
    /// stop at the first difference; this takes well under a second.
    #[test]
    fn one_huge_key_among_many_is_sorted_in_linear_time() {
        let huge = "z".repeat(48 << 20);
        let n = 400_000;
        let mut m = Map::new();
        m.insert(huge.clone(), Value::Null);
        for i in 0..n {
            m.insert(format!("k{i:06}"), Value::from(i));
        }
        let out = canonicalize(&Value::Object(m)).unwrap();
        assert!(out.starts_with(b"{\"k000000\":0,\"k000001\":1,"));
        assert!(out.ends_with(format!("\"k{:06}\":{},\"{huge}\":null}}", n - 1, n - 1).as_bytes()));
        // The same order the definition gives.
        let mut keys: Vec<String> = (0..2000).map(|i| format!("k{i:06}")).collect();
        keys.push(huge[..1 << 16].to_string());
        let mut want = keys.clone();
        keys.sort_by(|a, b| cmp_utf16(a, b));
        want.sort_by(|a, b| cmp_utf16_by_definition(a, b));
        assert_eq!(keys, want);
    }

    #[test]
    fn es6_numbers() {
        let cases = [
            (1.0, "1"),
            (0.1, "0.1"),
            (1e21, "1e+21"),
            (1e20, "100000000000000000000"),
            (1.5e-7, "1.5e-7"),
            (0.000001, "0.000001"),
            (5e-324, "5e-324"),
            (-1.25, "-1.25"),
            (123456789.0, "123456789"),
            (1.7976931348623157e308, "1.7976931348623157e+308"),
        ];
        for (v, want) in cases {
            assert_eq!(format_es6(v), want, "{v}");
        }
    }

    /// Floats are read correctly rounded, whatever serde_json's features: these shortest
    /// round-trip forms are misread by one ulp by serde_json's reader without its
    /// `float_roundtrip` feature, so a parser built on that reader would canonicalize them to
    /// other digits, and other hashes, than the reference's `JSON.parse` does.
    #[test]
    fn strings_are_escaped_at_every_position() {
        // Every byte that needs an escape, at every offset of strings long enough to take
        // the word-at-a-time path, beside bytes that do not (ASCII, UTF-8, 0x7f, 0x20).
        let specials = [
            '"', '\\', '\n', '\r', '\t', '\u{8}', '\u{c}', '\u{0}', '\u{1f}', '\u{1}',
        ];
        let plain = ['a', ' ', '\u{7f}', 'é', '€', '😀', '~'];
        for len in 0..40usize {
            for pos in 0..len.max(1) {
                for c in specials.iter().chain(plain.iter()) {
                    let mut s: String = (0..len).map(|i| plain[i % plain.len()]).collect();
                    if len > 0 {
                        let at = s.char_indices().nth(pos).map_or(s.len(), |(i, _)| i);
                        s.insert(at, *c);
                    }
                    let mut out = Vec::new();
                    write_string(&mut out, &s);
                    let expected = serde_json::to_vec(&s).unwrap();
                    assert_eq!(out, expected, "{s:?}");
                }
            }
        }
        for w in 0..=255u8 {
            let word = u64::from_ne_bytes([b'a', b'b', w, b'c', b'd', b'e', b'f', b'g']);
            assert_eq!(
                word_needs_escape(word),
                w < 0x20 || w == b'"' || w == b'\\',
                "{w:#x}"
            );
        }
    }

    #[test]
    fn floats_round_trip_exactly() {
        for text in [
            "1.1362275116276523e-8",
            "1.079907802215119e-66",
            "2.2201838057111728e-13",
            "1.862392953319225e-60",
        ] {
            let want: f64 = text.parse().unwrap();
            let v = parse_str(text).unwrap();
            assert_eq!(v.as_f64().unwrap().to_bits(), want.to_bits(), "{text}");
            let jcs = canonicalize_bytes(text.as_bytes(), &Limits::default()).unwrap();
            assert_eq!(jcs, format_es6(want).into_bytes(), "{text}");
            assert_eq!(jcs, text.as_bytes(), "{text}");
        }
    }

    /// Objects below, at and past the size where members stop being gathered before the map
    /// is built, with nested objects between members: the members, their order, and a
    /// duplicate key at any position (also a nested object's key repeated in its parent,
    /// which is no duplicate) are read as a growing map reads them.
    #[test]
    fn objects_of_every_size_keep_members_order_and_refuse_duplicates() {
        for n in [
            1,
            2,
            3,
            7,
            8,
            15,
            SMALL_OBJECT - 1,
            SMALL_OBJECT,
            SMALL_OBJECT + 1,
            70,
        ] {
            let member = |i: usize| {
                if i % 3 == 1 {
                    format!(r#""k{i}":{{"k{i}":1,"z":{{"k0":[{{"k0":0}}]}}}}"#)
                } else {
                    format!(r#""k{i}":{i}"#)
                }
            };
            let members: Vec<String> = (0..n).map(member).collect();
            let text = format!("{{{}}}", members.join(","));
            let v = parse_str(&text).unwrap();
            let o = v.as_object().unwrap();
            let keys: Vec<String> = (0..n).map(|i| format!("k{i}")).collect();
            assert_eq!(o.keys().cloned().collect::<Vec<_>>(), keys, "n={n}");
            assert_eq!(v, serde_json::from_str::<Value>(&text).unwrap(), "n={n}");
            for dup in 0..n {
                let text = format!("{{{},\"k{dup}\":null,\"after\":[1]}}", members.join(","));
                assert_eq!(
                    err(&text),
                    JsonError::DuplicateKey {
                        path: "$".into(),
                        key: format!("k{dup}")
                    },
                    "n={n} dup={dup}"
                );
            }
            // An error inside a gathered object is still the parser's error.
            let text = format!("[{{{},\"bad\":[1,]}}]", members.join(","));
            assert_eq!(err(&text).reason_code(), "JSON_SYNTAX");
        }
        // One parser, many objects: the gathered members of one never reach another.
        let v = parse_str(r#"[{"a":1,"b":{"a":2}},{"a":3},{"b":{"c":{}},"c":4}]"#).unwrap();
        assert_eq!(
            v,
            serde_json::json!([{"a":1,"b":{"a":2}},{"a":3},{"b":{"c":{}},"c":4}])
        );
    }

    #[test]
    fn errors_carry_paths() {
        assert_eq!(
            err(r#"{"a":{"b":[1,{"c":1,"c":2}]}}"#),
            JsonError::DuplicateKey {
                path: "$.a.b[1]".into(),
                key: "c".into()
            }
        );
        assert_eq!(
            err(r#"{"a":["\ud800"]}"#).reason_code(),
            "JSON_LONE_SURROGATE"
        );
        match err(r#"{"x y":[0,1e999]}"#) {
            JsonError::NumberOutOfRange { path } => assert_eq!(path, r#"$["x y"][1]"#),
            e => panic!("{e:?}"),
        }
        match err(r#"{"n":9007199254740993}"#) {
            JsonError::InexactInteger { path } => assert_eq!(path, "$.n"),
            e => panic!("{e:?}"),
        }
        assert!(parse_str("9007199254740991").is_ok());
        assert!(parse_str("-9007199254740991").is_ok());
        assert!(parse_str("-9007199254740993").is_err());
        assert!(parse_str("12345678901234567890").is_err());
        // Exactly representable: JCS writes 1e20 this way, so it must read back.
        let big = parse_str("100000000000000000000").unwrap();
        assert_eq!(canonicalize(&big).unwrap(), b"100000000000000000000");
    }

    #[test]
    fn rejects_malformed() {
        for bad in [
            "",
            "{",
            "[1,]",
            "{\"a\":1,}",
            "01",
            "1.",
            ".5",
            "+1",
            "1e",
            "\"\\x\"",
            "\"a\nb\"",
            "nul",
            "[1] x",
            "\"\\udc00\"",
            "\"\\ud800\\u0041\"",
            "{'a':1}",
            "NaN",
            "Infinity",
        ] {
            assert!(parse_str(bad).is_err(), "accepted {bad:?}");
        }
        assert_eq!(
            parse(&[b'"', 0xff, b'"'], &Limits::STRICT).unwrap_err(),
            JsonError::InvalidUtf8 { offset: 1 }
        );
    }

    #[test]
    fn depth_and_size_bounded() {
        let deep = "[".repeat(65) + &"]".repeat(65);
        assert_eq!(err(&deep).reason_code(), "JSON_TOO_DEEP");
        let ok = "[".repeat(64) + &"]".repeat(64);
        assert!(parse_str(&ok).is_ok());
        let small = Limits::STRICT.with_max_bytes(4);
        assert_eq!(
            parse(b"[1,2,3]", &small).unwrap_err().reason_code(),
            "JSON_TOO_LARGE"
        );
    }

    /// `[item,item,…]` of about `bytes` bytes.
    fn repeated(item: &str, bytes: usize) -> String {
        let n = bytes / (item.len() + 1);
        format!("[{}]", vec![item; n].join(","))
    }

    /// Shapes that cost 20–70 times their size in memory are refused before the memory is
    /// spent (serial and threaded parsers alike), with a stable code; documents of real
    /// shapes of the same size are not. A 1 MiB floor keeps small documents of any shape.
    #[test]
    fn memory_is_bounded_per_input_byte() {
        let nested16 = format!("{}{}", "[".repeat(15), "]".repeat(15));
        let tiny_objects = (0..200_000)
            .map(|i| format!("{{\"k{}\":0}}", i % 10))
            .collect::<Vec<_>>()
            .join(",");
        for (name, text) in [
            ("nested16", repeated(&nested16, 4 << 20)),
            ("empty arrays", repeated("[]", 4 << 20)),
            ("empty objects", repeated("{}", 4 << 20)),
            ("digits", repeated("0", 4 << 20)),
            ("letters", repeated("\"a\"", 4 << 20)),
            ("tiny objects", format!("[{tiny_objects}]")),
        ] {
            for threads in [1, 4] {
                let e =
                    parse_with_threads(text.as_bytes(), &Limits::STRICT, threads).expect_err(name);
                assert_eq!(
                    e.reason_code(),
                    "JSON_TOO_COMPLEX",
                    "{name}, {threads} threads"
                );
                assert!(e.to_string().contains("bytes of memory"), "{e}");
            }
        }
        // A receipt-like document of the same size parses.
        let receipt = r#"{"receipt_id":"rcpt_00000001","tool_name":"shell.exec","args_hash_b64u":"mK1g_juiUE4SnMxLuqPiQCLFI5nZKqiP7CVEUSKk87o","latency_ms":7,"ok":true,"score":0.5}"#;
        let real = repeated(receipt, 4 << 20);
        assert!(parse(real.as_bytes(), &Limits::STRICT).is_ok());
        assert!(parse_with_threads(real.as_bytes(), &Limits::STRICT, 4).is_ok());
        // Below the floor any shape parses.
        assert!(parse(repeated(&nested16, 32 << 10).as_bytes(), &Limits::STRICT).is_ok());
    }

    /// The charged memory is an upper bound of what the value holds: a value's slot, every
    /// string's bytes, every member.
    #[test]
    fn budget_charges_every_part() {
        let mut b = Budget::for_input(0);
        parse_within(br#"{"abc":["defg",1,[]]}"#, &Limits::STRICT, &mut b).unwrap();
        let slot = std::mem::size_of::<Value>();
        // 5 values, a member, the key and the string, the outer array's slack.
        assert!(
            b.spent() >= 5 * slot + Budget::MEMBER + 3 + 4,
            "{}",
            b.spent()
        );
        let mut tight = Budget::with_limit(3 * slot);
        assert_eq!(
            parse_within(b"[1,2,3]", &Limits::STRICT, &mut tight)
                .unwrap_err()
                .reason_code(),
            "JSON_TOO_COMPLEX"
        );
    }

    /// Canonical output is bounded; nothing past the bound is kept.
    #[test]
    fn canonical_output_is_bounded() {
        let v = parse_str(&repeated("\"abcdefgh\"", 4096)).unwrap();
        let full = canonicalize(&v).unwrap();
        assert_eq!(canonicalize_within(&v, full.len()).unwrap(), full);
        assert_eq!(
            canonicalize_within(&v, full.len() - 1)
                .unwrap_err()
                .reason_code(),
            "JSON_OUTPUT_TOO_LARGE"
        );
        // Input that expands when canonicalized (1e20 → 100000000000000000000).
        let grows = repeated("1e20", 1000);
        let limits = Limits::STRICT.with_max_bytes(grows.len());
        assert_eq!(
            canonicalize_bytes(grows.as_bytes(), &limits)
                .unwrap_err()
                .reason_code(),
            "JSON_OUTPUT_TOO_LARGE"
        );
    }

    #[test]
    fn threads_are_clamped() {
        assert_eq!(clamp_threads(0), 1);
        assert_eq!(clamp_threads(100_000_000), MAX_THREADS);
        // A huge thread count on a document the threaded parser splits: same value, and
        // no attempt to spawn a hundred million threads.
        let doc = repeated(
            r#"{"receipt_id":"rcpt_00000001","tool_name":"shell.exec","args_hash_b64u":"mK1g_juiUE4SnMxLuqPiQCLFI5nZKqiP7CVEUSKk87o"}"#,
            2 << 20,
        );
        let v = parse_with_threads(doc.as_bytes(), &Limits::STRICT, 100_000_000).unwrap();
        assert_eq!(v, parse_str(&doc).unwrap());
        drop_with_threads(v, 100_000_000);
    }

    #[test]
    fn javascript_order_puts_index_keys_first() {
        let v = parse_str(r#"{"b":1,"10":2,"a":3,"2":4,"01":5}"#).unwrap();
        assert_eq!(
            serialize(&v, KeyOrder::JavaScript).unwrap(),
            br#"{"2":4,"10":2,"b":1,"a":3,"01":5}"#
        );
        assert_eq!(
            canonicalize(&v).unwrap(),
            br#"{"01":5,"10":2,"2":4,"a":3,"b":1}"#
        );
    }

    #[test]
    fn utf16_order_differs_from_code_point_order() {
        // U+10000 is D800 DC00 in UTF-16, which sorts before U+E000.
        let v = parse_str("{\"\u{e000}\":1,\"\u{10000}\":2}").unwrap();
        assert_eq!(
            String::from_utf8(canonicalize(&v).unwrap()).unwrap(),
            "{\"\u{10000}\":2,\"\u{e000}\":1}"
        );
    }
}
