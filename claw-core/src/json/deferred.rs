//! Strict parsing with chosen arrays left unparsed, and RFC 8785 hashing fed piece by piece:
//! the ground a streaming verifier stands on (issue 15). A proof bundle's event chain and
//! receipt arrays are nearly all of its bytes; parsed whole into a `serde_json::Value` they
//! cost about four times their text. [`parse_deferring`] parses everything else strictly and
//! keeps each chosen array as the byte ranges of its elements ([`Deferred`]); a consumer then
//! parses, checks and drops the elements one by one ([`Deferred::element`]), and hashes the
//! serialization of the whole document as it goes ([`HashStream`]).
//!
//! Strictness is the strict parser's, split in two: the skeleton is parsed strictly here, each
//! element strictly when it is read, and the separators between elements are exactly the
//! commas and the closing bracket a string- and bracket-aware scan found. A document is
//! strict JSON exactly when the skeleton parses and every element does; but the first error
//! found can differ from the one [`super::parse`] reports (the skeleton's comes first).

use super::{
    array_index, checked_text, cmp_utf16, scan_array, write_string, write_value, Budget, HashSink,
    JsonError, KeyOrder, Limits, Parser, PathSeg, Sink,
};
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

/// While the skeleton is parsed: the deferred paths, the keys of the enclosing objects, and
/// the arrays deferred so far.
pub(crate) struct Deferring<'a> {
    paths: &'a [&'a [&'a str]],
    keys: Vec<String>,
    found: Vec<Deferred>,
}

/// An array left unparsed by [`parse_deferring`]: its path (object keys from the root), and
/// the byte range of each element in the input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Deferred {
    path: Vec<String>,
    /// The array's depth (the root is 1).
    depth: usize,
    items: Vec<(usize, usize)>,
}

/// Parse `input` strictly under `limits`, except that an array found at one of `paths` (each
/// a list of object keys from the root) is not parsed: it reads as an empty array in the
/// returned value and is described by one [`Deferred`], in document order.
pub fn parse_deferring(
    input: &[u8],
    limits: &Limits,
    paths: &[&[&str]],
) -> Result<(Value, Vec<Deferred>), JsonError> {
    let text = checked_text(input, limits)?;
    let mut p = Parser::new(text, limits, 1);
    p.skip_ws();
    // Paths are object keys from the root: only a root object has them. Below it, a
    // member that no path continues is parsed without deferring (see `deferring_value`).
    if p.peek() == Some(b'{') {
        p.defer = Some(Deferring {
            paths,
            keys: Vec::new(),
            found: Vec::new(),
        });
    }
    let v = p.value(1)?;
    p.skip_ws();
    if p.pos != p.s.len() {
        return Err(p.syntax("trailing characters after the JSON value"));
    }
    let found = p.defer.take().map(|d| d.found).unwrap_or_default();
    Ok((v, found))
}

impl Parser<'_> {
    /// The value of member `key` (the parser is at its first byte) while arrays are deferred.
    pub(super) fn deferring_value(&mut self, key: &str, depth: usize) -> Result<Value, JsonError> {
        let Some(mut d) = self.defer.take() else {
            return self.value(depth);
        };
        d.keys.push(key.to_string());
        let wanted = d.paths.iter().any(|p| p.iter().eq(d.keys.iter()));
        let deeper = d.paths.iter().any(|p| p.len() > d.keys.len());
        let out = if wanted && self.peek() == Some(b'[') {
            self.defer_array(depth).map(|items| {
                d.found.push(Deferred {
                    path: d.keys.clone(),
                    depth,
                    items,
                });
                Value::Array(Vec::new())
            })
        } else if deeper && self.peek() == Some(b'{') {
            // Only objects continue a path: members of arrays are parsed as usual.
            self.defer = Some(d);
            let v = self.value(depth);
            d = self.defer.take().unwrap_or_else(|| Deferring {
                paths: &[],
                keys: Vec::new(),
                found: Vec::new(),
            });
            v
        } else {
            self.value(depth)
        };
        d.keys.pop();
        self.defer = Some(d);
        out
    }

    /// Skip the array at `depth` (the parser is at its `[`), returning its elements' ranges
    /// with surrounding whitespace trimmed.
    fn defer_array(&mut self, depth: usize) -> Result<Vec<(usize, usize)>, JsonError> {
        self.enter(depth)?;
        self.budget.value()?;
        let start = self.pos;
        let Some((commas, close)) = scan_array(self.s, start) else {
            return Err(self.syntax("unterminated array"));
        };
        if self.s.get(close) != Some(&b']') {
            self.pos = close;
            return Err(self.syntax("expected ',' or ']' in array"));
        }
        let trim = |mut a: usize, mut b: usize| {
            while a < b && matches!(self.s[a], b' ' | b'\t' | b'\n' | b'\r') {
                a += 1;
            }
            while b > a && matches!(self.s[b - 1], b' ' | b'\t' | b'\n' | b'\r') {
                b -= 1;
            }
            (a, b)
        };
        let mut items = Vec::with_capacity(commas.len() + 1);
        let mut from = start + 1;
        for &c in commas.iter().chain(std::iter::once(&close)) {
            items.push(trim(from, c));
            from = c + 1;
        }
        // `[]` (or `[ ]`): no element; `[,]` keeps its empty elements, which fail to parse.
        if commas.is_empty() && items.first().is_some_and(|(a, b)| a == b) {
            items.clear();
        }
        self.pos = close + 1;
        Ok(items)
    }
}

impl Deferred {
    /// The array's path: object keys from the root.
    pub fn path(&self) -> &[String] {
        &self.path
    }

    /// How many elements the array has.
    pub fn len(&self) -> usize {
        self.items.len()
    }

    /// Whether the array is empty.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// Element `i` of the array, parsed strictly from `input` (the bytes given to
    /// [`parse_deferring`]) at its depth, with a memory budget for its own bytes. Errors
    /// carry the element's path and offsets into `input`. `None` past the end.
    pub fn element(
        &self,
        input: &[u8],
        i: usize,
        limits: &Limits,
    ) -> Option<Result<Value, JsonError>> {
        let &(a, b) = self.items.get(i)?;
        Some(self.parse_at(input, a, b, limits).map_err(|e| {
            let mut e = e.within(&PathSeg::Index(i));
            for k in self.path.iter().rev() {
                e = e.within(&PathSeg::Key(k));
            }
            e
        }))
    }

    fn parse_at(
        &self,
        input: &[u8],
        a: usize,
        b: usize,
        limits: &Limits,
    ) -> Result<Value, JsonError> {
        let bytes = input.get(a..b).unwrap_or_default();
        let text = std::str::from_utf8(bytes).map_err(|e| JsonError::InvalidUtf8 {
            offset: a + e.valid_up_to(),
        })?;
        let mut p = Parser::new(text, limits, 1);
        p.budget = Budget::for_input(bytes.len());
        let v = p.value(self.depth + 1).map_err(|e| e.shifted(a));
        let v = v?;
        if p.pos != p.s.len() {
            return Err(p.syntax("element does not end at its separator").shifted(a));
        }
        Ok(v)
    }
}

impl JsonError {
    /// The error with its input offset moved by `by` (an element parsed on its own).
    fn shifted(mut self, by: usize) -> JsonError {
        match &mut self {
            JsonError::Syntax { offset, .. } | JsonError::LoneSurrogate { offset, .. } => {
                *offset += by
            }
            _ => {}
        }
        self
    }
}

/// SHA-256 of a value's serialization in one [`KeyOrder`] (RFC 8785, or JavaScript's
/// `JSON.stringify` order, which proof-bundle hashes use), fed piece by piece: an object's
/// members in the order [`HashStream::members`] gives, a deferred array's elements one at a
/// time. The result equals [`super::sha256_of`] of the whole value in that order.
pub struct HashStream {
    sink: HashSink<Sha256>,
    order: KeyOrder,
    open: Vec<Frame>,
}

impl std::fmt::Debug for HashStream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HashStream")
            .field("open", &self.open.len())
            .finish_non_exhaustive()
    }
}

/// An open container.
enum Frame {
    /// An object: whether a member was written, whether a key awaits its value.
    Object { any: bool, keyed: bool },
    /// An array: whether an element was written.
    Array { any: bool },
}

/// What [`HashStream`] refuses: a call out of place (a key outside an object, a value after
/// a value in an object, an end with nothing open, a finish with something open).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OutOfPlace;

impl HashStream {
    /// An empty stream writing in `order`.
    pub fn new(order: KeyOrder) -> HashStream {
        HashStream {
            sink: HashSink::new(Sha256::new()),
            order,
            open: Vec::new(),
        }
    }

    /// The keys of `map` in the order this stream writes them: by UTF-16 code units (RFC
    /// 8785), or array-index keys ascending and then the others as they came (JavaScript).
    pub fn members<'m>(&self, map: &'m Map<String, Value>) -> Vec<&'m str> {
        let mut keys: Vec<&str> = map.keys().map(String::as_str).collect();
        match self.order {
            KeyOrder::Jcs => keys.sort_by(|a, b| cmp_utf16(a, b)),
            KeyOrder::JavaScript => {
                keys.sort_by_key(|k| array_index(k).map_or((1, 0), |i| (0, i)));
            }
        }
        keys
    }

    /// Before a value or a container: its comma, if it follows an element.
    fn before_value(&mut self) -> Result<(), OutOfPlace> {
        match self.open.last_mut() {
            Some(Frame::Object { keyed, .. }) if *keyed => *keyed = false,
            Some(Frame::Object { .. }) => return Err(OutOfPlace),
            Some(Frame::Array { any }) => {
                let follows = std::mem::replace(any, true);
                if follows {
                    self.sink.byte(b',');
                }
            }
            None => {}
        }
        Ok(())
    }

    /// Open an object (a member's value, an element, or the root).
    pub fn begin_object(&mut self) -> Result<(), OutOfPlace> {
        self.before_value()?;
        self.sink.byte(b'{');
        self.open.push(Frame::Object {
            any: false,
            keyed: false,
        });
        Ok(())
    }

    /// Open an array.
    pub fn begin_array(&mut self) -> Result<(), OutOfPlace> {
        self.before_value()?;
        self.sink.byte(b'[');
        self.open.push(Frame::Array { any: false });
        Ok(())
    }

    /// The key of the open object's next member; its value follows. Keys must come in
    /// [`HashStream::members`] order (not checked here).
    pub fn key(&mut self, k: &str) -> Result<(), OutOfPlace> {
        match self.open.last_mut() {
            Some(Frame::Object { any, keyed }) if !*keyed => {
                if std::mem::replace(any, true) {
                    self.sink.byte(b',');
                }
                *keyed = true;
            }
            _ => return Err(OutOfPlace),
        }
        write_string(&mut self.sink, k);
        self.sink.byte(b':');
        Ok(())
    }

    /// A whole value: a member's (after [`HashStream::key`]), an element, or the root.
    pub fn value(&mut self, v: &Value) -> Result<(), JsonError> {
        self.before_value().map_err(|_| JsonError::Syntax {
            path: "$".into(),
            offset: 0,
            detail: "a value out of place in a canonical stream",
        })?;
        write_value(&mut self.sink, v, self.order, 1)
    }

    /// A whole value already serialized in this stream's key order (e.g. by
    /// [`super::serialize`] on another thread): written as [`HashStream::value`] would write
    /// it. The bytes are not checked; a caller passing anything else gets another hash.
    pub fn serialized(&mut self, bytes: &[u8]) -> Result<(), OutOfPlace> {
        self.before_value()?;
        self.sink.put(bytes);
        Ok(())
    }

    /// Close the innermost open object or array.
    pub fn end(&mut self) -> Result<(), OutOfPlace> {
        match self.open.pop() {
            Some(Frame::Object { keyed: false, .. }) => self.sink.byte(b'}'),
            Some(Frame::Array { .. }) => self.sink.byte(b']'),
            _ => return Err(OutOfPlace),
        }
        Ok(())
    }

    /// The digest, once every container is closed.
    pub fn finish(self) -> Result<[u8; 32], OutOfPlace> {
        if !self.open.is_empty() {
            return Err(OutOfPlace);
        }
        Ok(self.sink.finish().into())
    }
}

#[cfg(test)]
mod tests {
    use super::super::parse;
    use super::*;
    use proptest::prelude::*;

    const PATHS: &[&[&str]] = &[&["payload", "a"], &["payload", "b"], &["top"]];

    fn limits() -> Limits {
        Limits {
            max_bytes: 1 << 24,
            max_depth: 16,
            exact_integers: true,
        }
    }

    /// The whole value back from the skeleton and its deferred elements.
    fn rebuild(input: &[u8], l: &Limits) -> Result<Value, JsonError> {
        let (mut v, found) = parse_deferring(input, l, PATHS)?;
        for d in &found {
            let mut items = Vec::with_capacity(d.len());
            for i in 0..d.len() {
                items.push(d.element(input, i, l).unwrap_or_else(|| unreachable!())?);
            }
            let mut at = &mut v;
            for k in d.path() {
                at = &mut at[k.as_str()];
            }
            *at = Value::Array(items);
        }
        Ok(v)
    }

    /// The hash of `v` in `order`, streamed with the paths' arrays element by element (every
    /// other element serialized beforehand, as the streamed verifier does).
    fn streamed_hash(v: &Value, order: KeyOrder) -> [u8; 32] {
        fn walk(s: &mut HashStream, v: &Value, path: &mut Vec<String>) {
            match v {
                Value::Object(m) => {
                    s.begin_object().unwrap_or_else(|_| unreachable!());
                    for k in s.members(m) {
                        s.key(k).unwrap_or_else(|_| unreachable!());
                        path.push(k.to_string());
                        walk(s, &m[k], path);
                        path.pop();
                    }
                    s.end().unwrap_or_else(|_| unreachable!());
                }
                Value::Array(items) if PATHS.iter().any(|p| p.iter().eq(path.iter())) => {
                    s.begin_array().unwrap_or_else(|_| unreachable!());
                    for (i, x) in items.iter().enumerate() {
                        if i % 2 == 1 {
                            let bytes = super::super::serialize(x, s.order).unwrap();
                            s.serialized(&bytes).unwrap_or_else(|_| unreachable!());
                        } else {
                            s.value(x).unwrap_or_else(|_| unreachable!());
                        }
                    }
                    s.end().unwrap_or_else(|_| unreachable!());
                }
                _ => s.value(v).unwrap_or_else(|_| unreachable!()),
            }
        }
        let mut s = HashStream::new(order);
        walk(&mut s, v, &mut Vec::new());
        s.finish().unwrap_or_else(|_| unreachable!())
    }

    fn leaf() -> impl Strategy<Value = Value> {
        prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            (-1000i64..1000).prop_map(Value::from),
            "[a-z,\\[\\]{}\"\\\\ é😀]{0,6}".prop_map(Value::from),
        ]
    }

    fn json() -> impl Strategy<Value = Value> {
        leaf().prop_recursive(4, 40, 5, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..5).prop_map(Value::Array),
                prop::collection::btree_map("[a-c]{1,2}", inner, 0..4)
                    .prop_map(|m| Value::Object(m.into_iter().collect())),
            ]
        })
    }

    /// A document with the deferred paths present (or not) and other members around them.
    fn doc() -> impl Strategy<Value = Value> {
        (
            prop::option::of(prop::collection::vec(json(), 0..6)),
            prop::option::of(prop::collection::vec(json(), 0..6)),
            prop::option::of(prop::collection::vec(json(), 0..3)),
            json(),
        )
            .prop_map(|(a, b, top, other)| {
                let mut payload = Map::new();
                payload.insert("z".into(), other.clone());
                if let Some(a) = a {
                    payload.insert("a".into(), Value::Array(a));
                }
                if let Some(b) = b {
                    payload.insert("b".into(), Value::Array(b));
                }
                let mut root = Map::new();
                root.insert("payload".into(), Value::Object(payload));
                if let Some(t) = top {
                    root.insert("top".into(), Value::Array(t));
                }
                root.insert("other".into(), other);
                Value::Object(root)
            })
    }

    /// `v` written with whitespace around every token (pretty), or compact.
    fn text(v: &Value, pretty: bool) -> Vec<u8> {
        let out = if pretty {
            serde_json::to_vec_pretty(v)
        } else {
            serde_json::to_vec(v)
        };
        out.unwrap_or_else(|_| unreachable!())
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]

        #[test]
        fn skeleton_and_elements_are_the_whole_value(v in doc(), pretty in any::<bool>()) {
            let bytes = text(&v, pretty);
            let l = limits();
            prop_assert_eq!(rebuild(&bytes, &l).ok(), parse(&bytes, &l).ok());
            prop_assert_eq!(rebuild(&bytes, &l).ok(), Some(v.clone()));
            for order in [KeyOrder::Jcs, KeyOrder::JavaScript] {
                let whole = super::super::sha256_of(&v, order).ok();
                prop_assert_eq!(Some(streamed_hash(&v, order)), whole);
            }
        }

        /// One byte changed or removed: the split parse accepts exactly what the strict
        /// parser accepts, and reads the same value.
        #[test]
        fn damaged_input_is_refused_the_same(v in doc(), at in any::<prop::sample::Index>(),
                                             byte in prop::sample::select(b"[]{},:\" 0a-".to_vec()),
                                             remove in any::<bool>()) {
            let mut bytes = text(&v, false);
            let i = at.index(bytes.len());
            if remove { bytes.remove(i); } else { bytes[i] = byte; }
            let l = limits();
            prop_assert_eq!(rebuild(&bytes, &l).ok(), parse(&bytes, &l).ok());
        }
    }

    #[test]
    fn empty_and_spaced_arrays() {
        let l = limits();
        for (src, n) in [
            (&b"{\"top\":[]}"[..], 0),
            (b"{\"top\":[ \n ]}", 0),
            (b"{\"top\":[ 1 ]}", 1),
            (b"{\"top\":[1, \"],\" ,{\"x\":[2]}]}", 3),
        ] {
            let (v, found) = parse_deferring(src, &l, PATHS).unwrap_or_else(|e| panic!("{e}"));
            assert_eq!(v["top"], Value::Array(Vec::new()));
            assert_eq!(found.len(), 1);
            assert_eq!(found[0].len(), n);
            assert_eq!(rebuild(src, &l).ok(), parse(src, &l).ok());
        }
        for bad in [
            &b"{\"top\":[,]}"[..],
            b"{\"top\":[1,]}",
            b"{\"top\":[1 2]}",
            b"{\"top\":[}",
        ] {
            assert!(
                rebuild(bad, &l).is_err(),
                "{}",
                String::from_utf8_lossy(bad)
            );
            assert!(parse(bad, &l).is_err());
        }
    }

    #[test]
    fn depth_counts_from_the_root() {
        // An element at depth 2 ({"top": [ <element> ]}): its nesting counts from there.
        let l = Limits {
            max_depth: 4,
            ..limits()
        };
        let ok = br#"{"top":[[[1]]]}"#;
        let deep = br#"{"top":[[[[1]]]]}"#;
        assert!(rebuild(ok, &l).is_ok() && parse(ok, &l).is_ok());
        assert!(rebuild(deep, &l).is_err() && parse(deep, &l).is_err());
    }

    #[test]
    fn only_object_paths_are_deferred() {
        // "top" inside an array is not the root's member.
        let l = limits();
        let src = br#"[{"top":[1,2]}]"#;
        let (v, found) = parse_deferring(src, &l, PATHS).unwrap_or_else(|e| panic!("{e}"));
        assert!(found.is_empty());
        assert_eq!(v[0]["top"][1], 2);
    }

    #[test]
    fn errors_carry_the_element_path_and_input_offset() {
        let l = limits();
        let src = br#"{"top":[1, {"k": tru}]}"#;
        let (_, found) = parse_deferring(src, &l, PATHS).unwrap_or_else(|e| panic!("{e}"));
        let e = found[0].element(src, 1, &l).and_then(Result::err);
        let whole = parse(src, &l).err();
        assert_eq!(e.map(|e| e.to_string()), whole.map(|e| e.to_string()));
    }

    #[test]
    fn javascript_order_keeps_insertion_order_after_index_keys() {
        let v = parse(br#"{"z":1,"10":2,"a":[{"y":1,"b":2}],"2":3}"#, &limits())
            .unwrap_or_else(|e| panic!("{e}"));
        for order in [KeyOrder::Jcs, KeyOrder::JavaScript] {
            assert_eq!(
                Some(streamed_hash(&v, order)),
                super::super::sha256_of(&v, order).ok()
            );
        }
        let m = v.as_object().unwrap_or_else(|| unreachable!());
        assert_eq!(
            HashStream::new(KeyOrder::JavaScript).members(m),
            ["2", "10", "z", "a"]
        );
        assert_eq!(
            HashStream::new(KeyOrder::Jcs).members(m),
            ["10", "2", "a", "z"]
        );
    }

    #[test]
    fn stream_refuses_calls_out_of_place() {
        let mut s = HashStream::new(KeyOrder::Jcs);
        assert_eq!(s.key("k"), Err(OutOfPlace));
        assert_eq!(s.end(), Err(OutOfPlace));
        assert!(s.begin_object().is_ok());
        assert!(s.value(&Value::Null).is_err());
        assert!(s.key("k").is_ok());
        assert_eq!(s.end(), Err(OutOfPlace));
        let mut s = HashStream::new(KeyOrder::Jcs);
        assert!(s.begin_array().is_ok());
        assert_eq!(s.finish(), Err(OutOfPlace));
    }
}
