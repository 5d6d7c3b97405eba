//! Glob patterns for actions, resources and `StringLike` / `StringNotLike`.
//!
//! The semantics are the reference evaluator's, reproduced exactly (see `docs/SPEC.md §4`,
//! "Glob patterns"):
//!
//! * a pattern that is exactly `*` or `**` matches every string;
//! * otherwise the match is anchored and case-sensitive, and the pattern is read left to
//!   right: `**` matches any run of UTF-16 code units except the JavaScript line terminators
//!   (`\n`, `\r`, U+2028, U+2029), and swallows a `/` that follows it (so `src/**/*.ts`
//!   matches `src/a.ts`); a single `*` matches any run of code units except `/`; `?` matches
//!   exactly one UTF-16 code unit except `/`; every other character is literal (there are no
//!   classes, braces or escapes).
//!
//! Matching never allocates and runs in O(|pattern| x |value|) in the worst case, with fast
//! paths for literals, `*`, `prefix*` and `*suffix`.

/// Longest pattern accepted, in characters (the schema's `maxLength` for resources).
pub(crate) const MAX_PATTERN_CHARS: usize = 512;

/// Most NFA positions: every character of a 512-character pattern can be two UTF-16 units.
const MAX_POSITIONS: usize = 2 * MAX_PATTERN_CHARS + 1;
const WORDS: usize = MAX_POSITIONS.div_ceil(64);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum StarClass {
    /// `*`: any code unit except `/`.
    NoSlash,
    /// `**`: any code unit except a JavaScript line terminator.
    NoLineTerminator,
}

impl StarClass {
    fn allows(self, unit: u16) -> bool {
        match self {
            StarClass::NoSlash => unit != u16::from(b'/'),
            StarClass::NoLineTerminator => !is_line_terminator_unit(unit),
        }
    }

    fn allows_str(self, s: &str) -> bool {
        match self {
            StarClass::NoSlash => !s.contains('/'),
            StarClass::NoLineTerminator => !has_line_terminator(s),
        }
    }
}

fn is_line_terminator_unit(u: u16) -> bool {
    matches!(u, 0x0A | 0x0D | 0x2028 | 0x2029)
}

/// Whether `s` contains a JavaScript line terminator (`\n`, `\r`, U+2028, U+2029).
pub(crate) fn has_line_terminator(s: &str) -> bool {
    s.chars()
        .any(|c| matches!(c, '\n' | '\r' | '\u{2028}' | '\u{2029}'))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tok {
    Unit(u16),
    Any1,
    Star(StarClass),
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Kind {
    /// `*` or `**`: everything.
    Everything,
    /// No wildcard.
    Literal(Box<str>),
    /// `lit*` or `lit**`.
    Prefix(Box<str>, StarClass),
    /// `*lit` or `**lit` (and `**/lit`).
    Suffix(Box<str>, StarClass),
    /// Anything else, up to 63 positions: bit-parallel NFA in one word.
    Small(Small),
    /// Anything else: NFA over UTF-16 units, one bit per position.
    General(Box<[Tok]>),
}

/// A pattern of at most 63 tokens, as bit masks over positions (bit `i`: `toks[i]`).
#[derive(Debug, Clone, PartialEq, Eq)]
struct Small {
    /// Accepting position (= number of tokens).
    k: u32,
    /// Distinct literal units, each with the positions that expect it.
    lits: Box<[(u16, u64)]>,
    any1: u64,
    no_slash: u64,
    no_lt: u64,
}

impl Small {
    fn new(toks: &[Tok]) -> Option<Small> {
        let k = u32::try_from(toks.len()).ok().filter(|k| *k < 64)?;
        let mut s = Small {
            k,
            lits: Box::new([]),
            any1: 0,
            no_slash: 0,
            no_lt: 0,
        };
        let mut lits: Vec<(u16, u64)> = Vec::new();
        for (i, t) in toks.iter().enumerate() {
            let bit = 1u64 << i;
            match *t {
                Tok::Unit(u) => match lits.iter_mut().find(|(c, _)| *c == u) {
                    Some((_, m)) => *m |= bit,
                    None => lits.push((u, bit)),
                },
                Tok::Any1 => s.any1 |= bit,
                Tok::Star(StarClass::NoSlash) => s.no_slash |= bit,
                Tok::Star(StarClass::NoLineTerminator) => s.no_lt |= bit,
            }
        }
        s.lits = lits.into_boxed_slice();
        Some(s)
    }

    fn close(&self, mut x: u64) -> u64 {
        let stars = self.no_slash | self.no_lt;
        loop {
            let y = x | ((x & stars) << 1);
            if y == x {
                return x;
            }
            x = y;
        }
    }

    fn matches(&self, value: &str) -> bool {
        let slash = u16::from(b'/');
        let mut cur = self.close(1);
        for u in value.encode_utf16() {
            let mut advance = if u != slash { self.any1 } else { 0 };
            if let Some((_, m)) = self.lits.iter().find(|(c, _)| *c == u) {
                advance |= m;
            }
            let mut stay = 0;
            if u != slash {
                stay |= self.no_slash;
            }
            if !is_line_terminator_unit(u) {
                stay |= self.no_lt;
            }
            cur = ((cur & advance) << 1) | (cur & stay);
            if cur == 0 {
                return false;
            }
            cur = self.close(cur);
        }
        cur & (1u64 << self.k) != 0
    }
}

/// A compiled glob pattern.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Glob {
    kind: Kind,
}

/// The pattern is longer than [`MAX_PATTERN_CHARS`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct PatternTooLong;

enum Piece {
    Lit(String),
    Any1,
    Star(StarClass),
}

impl Glob {
    /// Compile `pattern`.
    pub(crate) fn new(pattern: &str) -> Result<Glob, PatternTooLong> {
        if pattern.chars().count() > MAX_PATTERN_CHARS {
            return Err(PatternTooLong);
        }
        if pattern == "*" || pattern == "**" {
            return Ok(Glob {
                kind: Kind::Everything,
            });
        }
        // Tokenize left to right exactly as the reference does.
        let mut pieces: Vec<Piece> = Vec::new();
        let mut chars = pattern.chars().peekable();
        while let Some(c) = chars.next() {
            match c {
                '*' if chars.peek() == Some(&'*') => {
                    chars.next();
                    if chars.peek() == Some(&'/') {
                        chars.next();
                    }
                    pieces.push(Piece::Star(StarClass::NoLineTerminator));
                }
                '*' => pieces.push(Piece::Star(StarClass::NoSlash)),
                '?' => pieces.push(Piece::Any1),
                c => match pieces.last_mut() {
                    Some(Piece::Lit(s)) => s.push(c),
                    _ => pieces.push(Piece::Lit(c.to_string())),
                },
            }
        }
        let kind = match pieces.as_slice() {
            [] => Kind::Literal("".into()),
            [Piece::Lit(l)] => Kind::Literal(l.as_str().into()),
            [Piece::Lit(l), Piece::Star(c)] => Kind::Prefix(l.as_str().into(), *c),
            [Piece::Star(c), Piece::Lit(l)] => Kind::Suffix(l.as_str().into(), *c),
            [Piece::Star(c)] => Kind::Prefix("".into(), *c),
            _ => {
                let mut toks = Vec::new();
                for p in &pieces {
                    match p {
                        Piece::Lit(l) => toks.extend(l.encode_utf16().map(Tok::Unit)),
                        Piece::Any1 => toks.push(Tok::Any1),
                        Piece::Star(c) => toks.push(Tok::Star(*c)),
                    }
                }
                match Small::new(&toks) {
                    Some(small) => Kind::Small(small),
                    None => Kind::General(toks.into_boxed_slice()),
                }
            }
        };
        Ok(Glob { kind })
    }

    /// The pattern's text when it has no wildcard.
    pub(crate) fn as_literal(&self) -> Option<&str> {
        match &self.kind {
            Kind::Literal(l) => Some(l),
            _ => None,
        }
    }

    /// Whether the pattern matches every string.
    pub(crate) fn is_everything(&self) -> bool {
        matches!(self.kind, Kind::Everything)
    }

    /// Whether the pattern contains a `**` whose match depends on line terminators (such a
    /// pattern never matches a value containing one, as in JavaScript).
    pub(crate) fn is_line_terminator_sensitive(&self) -> bool {
        match &self.kind {
            Kind::Everything | Kind::Literal(_) => false,
            Kind::Prefix(_, c) | Kind::Suffix(_, c) => *c == StarClass::NoLineTerminator,
            Kind::Small(s) => s.no_lt != 0,
            Kind::General(toks) => toks.contains(&Tok::Star(StarClass::NoLineTerminator)),
        }
    }

    /// Whether `value` matches the pattern.
    pub(crate) fn matches(&self, value: &str) -> bool {
        match &self.kind {
            Kind::Everything => true,
            Kind::Literal(l) => value == &**l,
            Kind::Prefix(l, c) => value
                .strip_prefix(&**l)
                .is_some_and(|rest| c.allows_str(rest)),
            Kind::Suffix(l, c) => value
                .strip_suffix(&**l)
                .is_some_and(|rest| c.allows_str(rest)),
            Kind::Small(s) => s.matches(value),
            Kind::General(toks) => nfa_match(toks, value),
        }
    }
}

/// Position-set simulation: bit `i` set means `toks[..i]` has matched the input so far.
fn nfa_match(toks: &[Tok], value: &str) -> bool {
    let k = toks.len();
    if k >= MAX_POSITIONS {
        // Cannot happen: Glob::new bounds the pattern length. Fail closed (no match).
        return false;
    }
    let mut cur = [0u64; WORDS];
    set(&mut cur, 0);
    close(toks, &mut cur);
    for unit in value.encode_utf16() {
        let mut next = [0u64; WORDS];
        let mut any = false;
        for (w, word) in cur.iter().enumerate() {
            let mut bits = *word;
            while bits != 0 {
                let i = w * 64 + bits.trailing_zeros() as usize;
                bits &= bits - 1;
                let Some(tok) = toks.get(i) else { continue };
                match *tok {
                    Tok::Unit(x) if x == unit => {
                        set(&mut next, i + 1);
                        any = true;
                    }
                    Tok::Any1 if unit != u16::from(b'/') => {
                        set(&mut next, i + 1);
                        any = true;
                    }
                    Tok::Star(c) if c.allows(unit) => {
                        set(&mut next, i);
                        any = true;
                    }
                    _ => {}
                }
            }
        }
        if !any {
            return false;
        }
        close(toks, &mut next);
        cur = next;
    }
    get(&cur, k)
}

/// Epsilon closure: a star may match the empty string.
fn close(toks: &[Tok], s: &mut [u64; WORDS]) {
    for (i, t) in toks.iter().enumerate() {
        if matches!(t, Tok::Star(_)) && get(s, i) {
            set(s, i + 1);
        }
    }
}

fn set(s: &mut [u64; WORDS], i: usize) {
    if let Some(w) = s.get_mut(i / 64) {
        *w |= 1u64 << (i % 64);
    }
}

fn get(s: &[u64; WORDS], i: usize) -> bool {
    s.get(i / 64).is_some_and(|w| w & (1u64 << (i % 64)) != 0)
}

/// Match `value` against `pattern` without keeping the compiled form (authoring checks).
pub(crate) fn glob_match(pattern: &str, value: &str) -> bool {
    Glob::new(pattern).is_ok_and(|g| g.matches(value))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn m(p: &str, v: &str) -> bool {
        Glob::new(p).unwrap().matches(v)
    }

    #[test]
    fn reference_examples() {
        // Whole-pattern fast path crosses "/" and line terminators.
        assert!(m("*", "a/b"));
        assert!(m("**", "a/b\nc"));
        assert!(m("*", ""));
        // Single star stays within a segment.
        assert!(m("tool:*", "tool:execute"));
        assert!(!m("model:*", "model:a/b"));
        assert!(m("*.internal", "api.internal"));
        assert!(!m("*.internal", "a/b.internal"));
        // "**/" swallows its slash.
        assert!(m("src/**/*.ts", "src/a.ts"));
        assert!(m("src/**/*.ts", "src/x/y/a.ts"));
        assert!(!m("src/**/*.ts", "src/x/y/a.js"));
        assert!(!m("src/**/*.ts", "lib/a.ts"));
        // ... and therefore over-matches without a segment boundary, like the reference.
        assert!(m("**/secrets/**", "mysecrets/x"));
        assert!(m("**/secrets/**", "a/b/secrets/c/d"));
        // "**" does not cross a line terminator unless it is the whole pattern.
        assert!(!m("a/**", "a/b\nc"));
        assert!(m("a/*", "a/b\nc"));
        // "?" is one non-"/" UTF-16 unit.
        assert!(m("a?c", "abc"));
        assert!(!m("a?c", "a/c"));
        assert!(!m("a?c", "a\u{1F600}c"));
        assert!(m("a??c", "a\u{1F600}c"));
        // Anchored, case-sensitive, no classes or escapes.
        assert!(!m("abc", "xabc"));
        assert!(!m("abc", "ABC"));
        assert!(m("[a]", "[a]"));
        assert!(!m("[a]", "a"));
        assert!(m("a\\*", "a\\bc"));
    }

    #[test]
    fn fast_paths_agree_with_nfa() {
        let pats = [
            "abc",
            "ab*",
            "*bc",
            "ab**",
            "**bc",
            "**/bc",
            "a*c",
            "a**c",
            "*",
            "**",
            "?",
            "a?",
            "*/*",
            "**/",
            "***",
            "a/**/b",
            "",
            "x*y*z",
            "é*",
            "*é",
            "**/secrets/**",
            "a?*b",
            "src/**/*.ts",
            "\u{1F600}?",
            "?\u{1F600}",
            "a**b**c",
            "*a*b*",
            "**a**",
        ];
        let vals = [
            "", "abc", "ab", "bc", "a/bc", "ab/c", "a\nbc", "abc\r", "x1y2z", "xyz", "x/y/z", "é",
            "éé", "a/b", "a//b", "a/x/b", "ab", "/",
        ];
        for p in pats {
            let g = Glob::new(p).unwrap();
            // Rebuild as General tokens to compare with the NFA.
            let mut toks = Vec::new();
            let mut chars = p.chars().peekable();
            while let Some(c) = chars.next() {
                match c {
                    '*' if chars.peek() == Some(&'*') => {
                        chars.next();
                        if chars.peek() == Some(&'/') {
                            chars.next();
                        }
                        toks.push(Tok::Star(StarClass::NoLineTerminator));
                    }
                    '*' => toks.push(Tok::Star(StarClass::NoSlash)),
                    '?' => toks.push(Tok::Any1),
                    c => {
                        let mut b = [0u16; 2];
                        toks.extend(c.encode_utf16(&mut b).iter().map(|u| Tok::Unit(*u)));
                    }
                }
            }
            for v in vals {
                let want = if p == "*" || p == "**" {
                    true
                } else {
                    nfa_match(&toks, v)
                };
                assert_eq!(g.matches(v), want, "pattern {p:?} value {v:?}");
            }
        }
    }

    #[test]
    fn long_patterns_are_bounded() {
        let p = "a".repeat(MAX_PATTERN_CHARS + 1);
        assert_eq!(Glob::new(&p), Err(PatternTooLong));
        let p: String = "\u{1F600}?".repeat(MAX_PATTERN_CHARS / 2);
        let g = Glob::new(&p).unwrap();
        let v: String = "\u{1F600}x".repeat(MAX_PATTERN_CHARS / 2);
        assert!(g.matches(&v));
        // Pathological star patterns stay polynomial.
        let p = "*a".repeat(200) + "b";
        let v = "a".repeat(4000);
        assert!(!Glob::new(&p).unwrap().matches(&v));
    }
}
