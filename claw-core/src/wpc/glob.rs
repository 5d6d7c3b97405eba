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
//! Matching never allocates. Fast paths: literals, `*`, `prefix*` and `*suffix`; patterns of
//! under 64 tokens run a bit-parallel NFA in one machine word. Longer patterns are cut at
//! their stars into fixed segments: when the value leaves every star free (no `/` between the
//! first and last segment where a `*` would have to cross it, no line terminator where a `**`
//! would), the middle segments are found greedily leftmost, in O(|value|) with a linear-time
//! substring search; otherwise (and for `?` in a middle segment) a word-parallel NFA runs in
//! O(|pattern|/64 x |value|). Patterns are compiled once per policy.

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
    #[cfg(test)]
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
    /// Anything else: star-separated segments, with the NFA over UTF-16 units (one bit per
    /// position) for the values the segments cannot decide.
    General(Box<General>),
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

const SLASH: u16 = b'/' as u16;

/// A pattern of 64 tokens or more.
#[derive(Debug, Clone, PartialEq, Eq)]
struct General {
    /// `None` when a middle segment holds a `?` (always the NFA).
    segments: Option<Segments>,
    nfa: Nfa,
}

impl General {
    fn new(toks: &[Tok]) -> General {
        General {
            segments: Segments::new(toks),
            nfa: Nfa::new(toks),
        }
    }

    fn matches(&self, value: &str) -> bool {
        match self.segments.as_ref().map(|s| s.decide(value)) {
            Some(Decided::Yes) => true,
            Some(Decided::No) => false,
            Some(Decided::Unknown) | None => self.nfa.matches(value),
        }
    }
}

/// A token of an anchored (first or last) segment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum SegTok {
    Unit(u16),
    Any1,
}

/// The first or last segment: a literal, or (with `?`) tokens matched against ASCII values.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Anchor {
    Literal(Box<str>),
    Tokens(Box<[SegTok]>),
}

impl Anchor {
    fn new(toks: &[Tok]) -> Anchor {
        let mut units = Vec::new();
        let mut seg = Vec::new();
        for t in toks {
            match *t {
                Tok::Unit(u) => {
                    units.push(u);
                    seg.push(SegTok::Unit(u));
                }
                _ => seg.push(SegTok::Any1),
            }
        }
        if units.len() == seg.len() {
            // Whole characters of a `str` pattern: always valid UTF-16.
            Anchor::Literal(String::from_utf16_lossy(&units).into())
        } else {
            Anchor::Tokens(seg.into_boxed_slice())
        }
    }

    /// Length in bytes of what it matches (UTF-8 for a literal; one byte per token for
    /// tokens, which only ever meet ASCII values).
    fn len(&self) -> usize {
        match self {
            Anchor::Literal(l) => l.len(),
            Anchor::Tokens(t) => t.len(),
        }
    }

    /// Whether it matches `part` exactly (`part` is ASCII when `self` is `Tokens`).
    fn matches(&self, part: &str) -> bool {
        match self {
            Anchor::Literal(l) => part == &**l,
            Anchor::Tokens(t) => {
                part.len() == t.len()
                    && t.iter().zip(part.bytes()).all(|(t, b)| match *t {
                        SegTok::Unit(u) => u == u16::from(b),
                        SegTok::Any1 => b != b'/',
                    })
            }
        }
    }
}

/// The pattern cut at its stars: `first *c1 mid_1 *c2 … mid_n *cn last` (or `first` alone
/// when it has no star), empty middle segments dropped.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Segments {
    first: Anchor,
    /// Literal middle segments (none holds a `?`).
    middle: Box<[Box<str>]>,
    last: Anchor,
    has_star: bool,
    /// Some star is `*` (cannot cross `/`).
    no_slash: bool,
    /// Some star is `**` (cannot cross a line terminator).
    no_lt: bool,
    /// Some middle segment holds a `/`.
    middle_slash: bool,
    /// Some middle segment holds a line terminator.
    middle_lt: bool,
    /// `first` or `last` holds a `?` (only ASCII values are decided here).
    anchor_any1: bool,
}

/// What the segments say about a value.
enum Decided {
    Yes,
    No,
    /// A star's class matters for this value: the NFA decides.
    Unknown,
}

impl Segments {
    fn new(toks: &[Tok]) -> Option<Segments> {
        let mut parts: Vec<&[Tok]> = Vec::new();
        let mut no_slash = false;
        let mut no_lt = false;
        let mut start = 0;
        for (i, t) in toks.iter().enumerate() {
            if let Tok::Star(c) = t {
                parts.push(&toks[start..i]);
                start = i + 1;
                match c {
                    StarClass::NoSlash => no_slash = true,
                    StarClass::NoLineTerminator => no_lt = true,
                }
            }
        }
        parts.push(&toks[start..]);
        let has_star = parts.len() > 1;
        let first = Anchor::new(parts.first().copied().unwrap_or(&[]));
        let (last, mids) = match parts.as_slice() {
            [_, mids @ .., last] => (Anchor::new(last), mids),
            _ => (Anchor::Literal("".into()), &[][..]),
        };
        let mut middle = Vec::new();
        let (mut middle_slash, mut middle_lt) = (false, false);
        for m in mids.iter().filter(|m| !m.is_empty()) {
            match Anchor::new(m) {
                Anchor::Literal(l) => {
                    middle_slash |= l.contains('/');
                    middle_lt |= has_line_terminator(&l);
                    middle.push(l);
                }
                Anchor::Tokens(_) => return None,
            }
        }
        let anchor_any1 = matches!(first, Anchor::Tokens(_)) || matches!(last, Anchor::Tokens(_));
        Some(Segments {
            first,
            middle: middle.into_boxed_slice(),
            last,
            has_star,
            no_slash,
            no_lt,
            middle_slash,
            middle_lt,
            anchor_any1,
        })
    }

    /// Exact when it says `Yes` or `No`. With every star free to match any unit of the
    /// region between `first` and `last`, fixed-length segments placed leftmost leave the
    /// longest rest for the segments after them, so greedy placement finds a match whenever
    /// one exists. A star is free when the region holds none of the units its class refuses;
    /// a refused unit that no other star and no middle segment can take means no match.
    fn decide(&self, value: &str) -> Decided {
        use Decided::*;
        if self.anchor_any1 && !value.is_ascii() {
            // `?` counts UTF-16 units; leave non-ASCII values to the NFA.
            return Unknown;
        }
        let (f, l) = (self.first.len(), self.last.len());
        if !self.has_star {
            return if self.first.matches(value) { Yes } else { No };
        }
        let Some(end) = value.len().checked_sub(l).filter(|e| *e >= f) else {
            return No;
        };
        // Both cuts are on character boundaries: a literal match of whole characters, or an
        // ASCII value.
        let (Some(head), Some(region), Some(tail)) =
            (value.get(..f), value.get(f..end), value.get(end..))
        else {
            return Unknown;
        };
        if !self.first.matches(head) || !self.last.matches(tail) {
            return No;
        }
        let slash = self.no_slash && region.contains('/');
        let lt = self.no_lt && has_line_terminator(region);
        // A `/` only a `**` or a middle segment can take; a line terminator only a `*` or a
        // middle segment can take.
        if slash && !self.no_lt && !self.middle_slash {
            return No;
        }
        if lt && !self.no_slash && !self.middle_lt {
            return No;
        }
        // Greedy placement with every star free. Star classes only take matches away, so
        // when the segments do not fit even so, there is no match either way.
        let mut rest = region;
        for m in self.middle.iter() {
            // Linear in the region: memchr for one character, two-way search otherwise.
            let mut chars = m.chars();
            let found = match (chars.next(), chars.next()) {
                (Some(c), None) => rest.find(c),
                _ => rest.find(&**m),
            };
            match found {
                Some(i) => rest = &rest[i + m.len()..],
                None => return No,
            }
        }
        if slash || lt {
            return Unknown;
        }
        Yes
    }
}

/// Bit-parallel NFA over UTF-16 units: bit `i` of the state is set when the first `i`
/// tokens have matched the value so far; each unit costs a few operations per 64 tokens.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Nfa {
    /// Accepting position (= number of tokens).
    k: usize,
    /// Words per state (`k / 64 + 1`, at most [`WORDS`]).
    words: usize,
    any1: Box<[u64]>,
    no_slash: Box<[u64]>,
    no_lt: Box<[u64]>,
    stars: Box<[u64]>,
    /// Distinct literal units, sorted; `starts[i]..starts[i + 1]` are `units[i]`'s entries.
    units: Box<[u16]>,
    starts: Box<[u32]>,
    /// (word, bits): the positions in that word expecting the unit.
    entries: Box<[(u32, u64)]>,
    /// For ASCII units: index + 1 in `units` (0: not in the pattern).
    ascii: Box<[u16; 128]>,
}

impl Nfa {
    fn new(toks: &[Tok]) -> Nfa {
        // Glob::new bounds patterns to MAX_POSITIONS - 1 tokens; a longer one (impossible)
        // gets no accepting position and so matches nothing (fail closed).
        let k = toks.len().min(MAX_POSITIONS - 1);
        let unreachable_accept = toks.len() > k;
        let words = k / 64 + 1;
        let mut any1 = vec![0u64; words];
        let mut no_slash = vec![0u64; words];
        let mut no_lt = vec![0u64; words];
        let mut lits: Vec<(u16, usize)> = Vec::new();
        for (i, t) in toks.iter().take(k).enumerate() {
            let (w, bit) = (i / 64, 1u64 << (i % 64));
            match *t {
                Tok::Unit(u) => lits.push((u, i)),
                Tok::Any1 => any1[w] |= bit,
                Tok::Star(StarClass::NoSlash) => no_slash[w] |= bit,
                Tok::Star(StarClass::NoLineTerminator) => no_lt[w] |= bit,
            }
        }
        lits.sort_unstable();
        let (mut units, mut starts, mut entries) =
            (Vec::new(), Vec::new(), Vec::<(u32, u64)>::new());
        for (u, i) in lits {
            let (w, bit) = ((i / 64) as u32, 1u64 << (i % 64));
            if units.last() != Some(&u) {
                units.push(u);
                starts.push(entries.len() as u32);
            } else if let Some(e) = entries.last_mut().filter(|e| e.0 == w) {
                e.1 |= bit;
                continue;
            }
            entries.push((w, bit));
        }
        starts.push(entries.len() as u32);
        let mut ascii = Box::new([0u16; 128]);
        for (i, u) in units.iter().enumerate() {
            if let Some(a) = ascii.get_mut(usize::from(*u)) {
                *a = (i + 1) as u16;
            }
        }
        let stars: Vec<u64> = no_slash.iter().zip(&no_lt).map(|(a, b)| a | b).collect();
        Nfa {
            k: if unreachable_accept { usize::MAX } else { k },
            words,
            any1: any1.into(),
            no_slash: no_slash.into(),
            no_lt: no_lt.into(),
            stars: stars.into(),
            units: units.into(),
            starts: starts.into(),
            entries: entries.into(),
            ascii,
        }
    }

    /// The entries of literal unit `u`.
    fn lit(&self, u: u16) -> &[(u32, u64)] {
        let idx = match self.ascii.get(usize::from(u)) {
            Some(0) => return &[],
            Some(i) => Some(usize::from(*i) - 1),
            None => self.units.binary_search(&u).ok(),
        };
        idx.and_then(|i| {
            let (a, b) = (*self.starts.get(i)?, *self.starts.get(i + 1)?);
            self.entries.get(a as usize..b as usize)
        })
        .unwrap_or(&[])
    }

    /// Epsilon closure: a set star position sets every position up to and including the
    /// first non-star after its run of stars. Per word, `((x & stars) + stars) ^ stars` sets
    /// exactly those bits above the lowest set star of each run (the carry runs through the
    /// run and stops on the position after it, never a star).
    fn close(&self, x: &mut [u64]) {
        let mut carry = 0u64;
        for (xi, &p) in x.iter_mut().zip(self.stars.iter()) {
            let (s1, c1) = (*xi & p).overflowing_add(p);
            let (s2, c2) = s1.overflowing_add(carry);
            carry = u64::from(c1 | c2);
            *xi |= s2 ^ p;
        }
    }

    fn matches(&self, value: &str) -> bool {
        let w = self.words;
        let mut cur = [0u64; WORDS];
        let mut adv = [0u64; WORDS];
        let (Some(cur), Some(adv)) = (cur.get_mut(..w), adv.get_mut(..w)) else {
            // Cannot happen: words <= WORDS. Fail closed (no match).
            return false;
        };
        cur[0] = 1;
        self.close(cur);
        for u in value.encode_utf16() {
            if u == SLASH {
                adv.fill(0);
            } else {
                adv.copy_from_slice(&self.any1);
            }
            for &(i, bits) in self.lit(u) {
                if let Some(a) = adv.get_mut(i as usize) {
                    *a |= bits;
                }
            }
            // The stars that may stay on this unit.
            let stay: &[u64] = if u == SLASH {
                &self.no_lt
            } else if is_line_terminator_unit(u) {
                &self.no_slash
            } else {
                &self.stars
            };
            // One pass, low word to high: step, then the closure (both carry upwards).
            let (mut carry, mut close_carry, mut live) = (0u64, 0u64, 0u64);
            for (((c, a), st), p) in cur.iter_mut().zip(adv.iter()).zip(stay).zip(&*self.stars) {
                let moved = *c & a;
                let mut n = (moved << 1) | carry | (*c & st);
                carry = moved >> 63;
                let (s1, c1) = (n & p).overflowing_add(*p);
                let (s2, c2) = s1.overflowing_add(close_carry);
                close_carry = u64::from(c1 | c2);
                n |= s2 ^ p;
                *c = n;
                live |= n;
            }
            if live == 0 {
                return false;
            }
        }
        cur.get(self.k / 64)
            .is_some_and(|x| x & (1u64 << (self.k % 64)) != 0)
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
                    None => Kind::General(Box::new(General::new(&toks))),
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
            Kind::General(g) => g.nfa.no_lt.iter().any(|w| *w != 0),
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
            Kind::General(g) => g.matches(value),
        }
    }
}

/// The matcher before segments and the word-parallel NFA (positions visited one set bit at a
/// time): kept as the oracle of the differential tests.
#[cfg(test)]
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
#[cfg(test)]
fn close(toks: &[Tok], s: &mut [u64; WORDS]) {
    for (i, t) in toks.iter().enumerate() {
        if matches!(t, Tok::Star(_)) && get(s, i) {
            set(s, i + 1);
        }
    }
}

#[cfg(test)]
fn set(s: &mut [u64; WORDS], i: usize) {
    if let Some(w) = s.get_mut(i / 64) {
        *w |= 1u64 << (i % 64);
    }
}

#[cfg(test)]
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
            let toks = tokens(p);
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

    /// The tokens the old matcher ran on (the reference tokenization).
    fn tokens(p: &str) -> Vec<Tok> {
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
        toks
    }

    /// xorshift64*: deterministic, so a failure names its case.
    struct Rng(u64);
    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 >> 12;
            self.0 ^= self.0 << 25;
            self.0 ^= self.0 >> 27;
            self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
        }
        fn below(&mut self, n: usize) -> usize {
            (self.next() % n as u64) as usize
        }
        fn pick(&mut self, s: &[char]) -> char {
            s[self.below(s.len())]
        }
    }

    /// Differential: patterns of 64 tokens and more (the segment matcher and the
    /// word-parallel NFA) against the old matcher, on random patterns over every character
    /// the glob treats specially, and values made from the pattern (so that many match),
    /// then mutated. Each path is checked on its own too: the NFA always, the segments
    /// whenever they decide.
    #[test]
    fn long_patterns_agree_with_the_old_matcher() {
        const SPECIAL: [char; 13] = [
            'a',
            'b',
            '/',
            '*',
            '*',
            '?',
            '.',
            'é',
            '\u{1F600}',
            '\n',
            '\r',
            '\u{2028}',
            'a',
        ];
        const VALUE: [char; 10] = [
            'a',
            'b',
            '/',
            '.',
            'é',
            '\u{1F600}',
            '\n',
            '\r',
            '\u{2028}',
            'a',
        ];
        const ASCII: [char; 8] = ['a', 'b', '/', '*', '*', '?', '.', 'a'];
        const VALUE_ASCII: [char; 6] = ['a', 'b', '/', '.', 'a', 'a'];
        // No '/' or line terminator anywhere: the segments decide (but for a middle '?').
        const PLAIN: [char; 7] = ['a', 'b', '*', '*', '.', 'é', '\u{1F600}'];
        const VALUE_PLAIN: [char; 5] = ['a', 'b', '.', 'é', '\u{1F600}'];
        let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
        let (mut general, mut decided, mut matched) = (0, 0, 0);
        for case in 0..4000 {
            let (pa, va): (&[char], &[char]) = match rng.below(5) {
                0 => (&SPECIAL, &VALUE),
                1 => (&ASCII, &VALUE_ASCII),
                2 => (&PLAIN, &VALUE_PLAIN),
                3 => (&PLAIN[..5], &VALUE_PLAIN[..3]),
                _ => (&PLAIN, &VALUE),
            };
            let len = 110 + rng.below(300);
            let mut p: String = (0..len).map(|_| rng.pick(pa)).collect();
            // '?' only in the anchors (first or last segment), or none, or anywhere.
            match rng.below(3) {
                0 => p = p.replace('?', "a"),
                1 => {
                    p = p.replace('?', "b");
                    p = format!("?a{p}b?");
                }
                _ => {}
            }
            let mut v = String::new();
            for c in p.chars() {
                match c {
                    '*' => {
                        for _ in 0..rng.below(4) {
                            v.push(rng.pick(va));
                        }
                    }
                    '?' => v.push(rng.pick(va)),
                    c => v.push(c),
                }
            }
            let mut v: Vec<char> = v.chars().collect();
            for _ in 0..rng.below(3) {
                if !v.is_empty() {
                    let i = rng.below(v.len());
                    match rng.below(3) {
                        0 => v[i] = rng.pick(va),
                        1 => {
                            v.remove(i);
                        }
                        _ => v.insert(i, rng.pick(va)),
                    }
                }
            }
            let v: String = v.into_iter().collect();
            let toks = tokens(&p);
            let want = nfa_match(&toks, &v);
            let g = Glob::new(&p).unwrap();
            assert_eq!(g.matches(&v), want, "case {case}: {p:?} against {v:?}");
            matched += usize::from(want);
            if let Kind::General(gen) = &g.kind {
                general += 1;
                assert_eq!(gen.nfa.matches(&v), want, "NFA, case {case}: {p:?} {v:?}");
                if let Some(seg) = &gen.segments {
                    match seg.decide(&v) {
                        Decided::Yes => assert!(want, "segments, case {case}: {p:?} {v:?}"),
                        Decided::No => assert!(!want, "segments, case {case}: {p:?} {v:?}"),
                        Decided::Unknown => continue,
                    }
                    decided += 1;
                }
            }
        }
        // The generator exercises what it is meant to.
        assert!(general > 3500, "{general}");
        assert!(decided > 1000, "{decided}");
        assert!(matched > 300, "{matched}");
    }

    /// Hand-picked cases around the segment rules: where a refused unit lies, which star
    /// class can take it, anchors with `?`, patterns with no star, `**/`.
    #[test]
    fn segment_rules_agree_with_the_old_matcher() {
        let pad = "x".repeat(70); // enough tokens for the general matcher
        let pats = [
            format!("{pad}*a*b"),
            format!("{pad}**a*b"),
            format!("{pad}*a/b*c"),
            format!("{pad}**a**b"),
            format!("{pad}*a**b*"),
            format!("?{pad}*b"),
            format!("{pad}*b?"),
            format!("{pad}?"),
            format!("{pad}**/a*"),
            format!("{pad}*\n*a"),
            format!("{pad}**\n**a"),
            format!("{pad}*a?b*c"),
            format!("*{pad}*"),
            format!("**{pad}**"),
        ];
        let tails = [
            "",
            "a",
            "ab",
            "a/b",
            "/ab",
            "a/b/c",
            "ab/",
            "\na\nb",
            "a\nb",
            "x/ab",
            "\u{1F600}b",
            "b\u{1F600}",
            "a\u{2028}b",
            "/a",
            "a**b",
            "ayb/c",
            "a/bzc",
            "é",
            "?b",
        ];
        for p in &pats {
            let toks = tokens(p);
            let g = Glob::new(p).unwrap();
            assert!(matches!(g.kind, Kind::General(_)), "{p:?}");
            for pre in ["", "x", "?", "é"] {
                for t in tails {
                    for v in [
                        format!("{pre}{pad}{t}"),
                        format!("{pad}{t}{pre}"),
                        format!("{pre}{pad}{t}{t}"),
                    ] {
                        assert_eq!(g.matches(&v), nfa_match(&toks, &v), "{p:?} against {v:?}");
                    }
                }
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
