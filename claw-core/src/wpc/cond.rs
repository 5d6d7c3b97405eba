//! Compiled conditions and their three-valued evaluation.

use super::glob::{has_line_terminator, Glob};
use super::schema::{ConditionOperator, Conditions};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// Longest context value a `StringLike`/`StringNotLike` condition will glob-match, in bytes;
/// longer values are an evaluation error (bounds the matcher's work).
pub const MAX_LIKE_VALUE_BYTES: usize = 4096;

/// Where a condition's value comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Key {
    /// `Tool:Name`: the resource of a `tool:*` action.
    ToolName,
    /// `Model:Name`: the resource of a `model:*` action.
    ModelName,
    /// `SideEffect:TargetDomain`: the resource of `side_effect:network_egress`.
    TargetDomain,
    /// `Context:Hour`: UTC hour from the injected clock.
    Hour,
    /// `Context:DayOfWeek`: UTC day from the injected clock, 0 = Sunday.
    DayOfWeek,
    /// `Request:HasHumanApproval` (caller-supplied, but substituted during the approval probe).
    HumanApproval,
    /// Any other key: looked up in the caller's context.
    User(Box<str>),
}

impl Key {
    pub(crate) fn new(k: &str) -> Key {
        match k {
            "Tool:Name" => Key::ToolName,
            "Model:Name" => Key::ModelName,
            "SideEffect:TargetDomain" => Key::TargetDomain,
            "Context:Hour" => Key::Hour,
            "Context:DayOfWeek" => Key::DayOfWeek,
            "Request:HasHumanApproval" => Key::HumanApproval,
            other => Key::User(other.into()),
        }
    }
}

/// What a condition tests.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Test {
    StrEq(Box<str>),
    StrNe(Box<str>),
    Like(Glob),
    NotLike(Glob),
    NumEq(f64),
    NumLt(f64),
    NumGt(f64),
    Bool(bool),
    Ip(Cidr),
    /// Internal (v1 lowering): the value is one of these.
    OneOf(Box<[Box<str>]>),
    /// The policy's own value is malformed (bad number, CIDR, boolean): always an error.
    Invalid,
}

/// One compiled condition.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Cond {
    pub(crate) key: Key,
    pub(crate) test: Test,
}

/// Three-valued result of a condition or a conjunction of conditions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Tri {
    True,
    /// A referenced context key is absent.
    Unresolved,
    /// A value could not be interpreted (number, CIDR, boolean, over-long or
    /// line-terminator-bearing value under a `**` glob), or the policy's own value is bad.
    Error,
    False,
}

/// Compile a statement's conditions (all operators, all keys, AND-ed).
pub(crate) fn compile(c: &Conditions) -> Vec<Cond> {
    let mut out = Vec::new();
    for (op, map) in c.iter() {
        for (k, v) in &map.0 {
            out.push(Cond {
                key: Key::new(k),
                test: compile_test(op, v),
            });
        }
    }
    out
}

fn compile_test(op: ConditionOperator, v: &str) -> Test {
    let num = |f: fn(f64) -> Test| parse_number(v).map_or(Test::Invalid, f);
    match op {
        ConditionOperator::StringEquals => Test::StrEq(v.into()),
        ConditionOperator::StringNotEquals => Test::StrNe(v.into()),
        // Condition values are at most 512 characters, so Glob::new cannot fail here.
        ConditionOperator::StringLike => Glob::new(v).map_or(Test::Invalid, Test::Like),
        ConditionOperator::StringNotLike => Glob::new(v).map_or(Test::Invalid, Test::NotLike),
        ConditionOperator::NumericEquals => num(Test::NumEq),
        ConditionOperator::NumericLessThan => num(Test::NumLt),
        ConditionOperator::NumericGreaterThan => num(Test::NumGt),
        ConditionOperator::Bool => parse_bool(v).map_or(Test::Invalid, Test::Bool),
        ConditionOperator::IpAddress => Cidr::parse(v).map_or(Test::Invalid, Test::Ip),
    }
}

impl Cond {
    /// Evaluate against a resolved value (`None`: the key is absent).
    pub(crate) fn eval(&self, value: Option<&str>) -> Tri {
        if self.test == Test::Invalid {
            return Tri::Error;
        }
        let Some(v) = value else {
            return Tri::Unresolved;
        };
        let b = |x: bool| if x { Tri::True } else { Tri::False };
        match &self.test {
            Test::StrEq(e) => b(v == &**e),
            Test::StrNe(e) => b(v != &**e),
            Test::Like(g) | Test::NotLike(g) => {
                if v.len() > MAX_LIKE_VALUE_BYTES
                    || (g.is_line_terminator_sensitive() && has_line_terminator(v))
                {
                    return Tri::Error;
                }
                b(g.matches(v) == matches!(self.test, Test::Like(_)))
            }
            Test::NumEq(e) => parse_number(v).map_or(Tri::Error, |a| b(a == *e)),
            Test::NumLt(e) => parse_number(v).map_or(Tri::Error, |a| b(a < *e)),
            Test::NumGt(e) => parse_number(v).map_or(Tri::Error, |a| b(a > *e)),
            Test::Bool(e) => parse_bool(v).map_or(Tri::Error, |a| b(a == *e)),
            Test::Ip(c) => v.parse::<IpAddr>().map_or(Tri::Error, |a| b(c.contains(a))),
            Test::OneOf(set) => b(set.iter().any(|s| v == &**s)),
            Test::Invalid => Tri::Error,
        }
    }
}

/// A number in JSON syntax (`-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?`), finite as an
/// IEEE 754 double. Anything else (blanks, `+1`, `.5`, `0x10`, `Infinity`, `12abc`) is
/// rejected, unlike JavaScript's lenient `parseFloat`.
pub(crate) fn parse_number(s: &str) -> Option<f64> {
    let b = s.as_bytes();
    let mut i = 0;
    let digits = |i: &mut usize| {
        let start = *i;
        while b.get(*i).is_some_and(u8::is_ascii_digit) {
            *i += 1;
        }
        *i - start
    };
    if b.get(i) == Some(&b'-') {
        i += 1;
    }
    match b.get(i) {
        Some(b'0') => i += 1,
        Some(b'1'..=b'9') => {
            digits(&mut i);
        }
        _ => return None,
    }
    if b.get(i) == Some(&b'.') {
        i += 1;
        if digits(&mut i) == 0 {
            return None;
        }
    }
    if matches!(b.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(b.get(i), Some(b'+' | b'-')) {
            i += 1;
        }
        if digits(&mut i) == 0 {
            return None;
        }
    }
    if i != b.len() {
        return None;
    }
    s.parse::<f64>().ok().filter(|f| f.is_finite())
}

/// Exactly `true` or `false`.
pub(crate) fn parse_bool(s: &str) -> Option<bool> {
    match s {
        "true" => Some(true),
        "false" => Some(false),
        _ => None,
    }
}

/// An IPv4 or IPv6 network.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Cidr {
    V4(u32, u32),
    V6(u128, u32),
}

impl Cidr {
    /// `address` or `address/prefix`; the prefix is decimal without sign or leading zero, at
    /// most 32 (IPv4) or 128 (IPv6); host bits are masked off. A bare address is a /32 or
    /// /128. Addresses use the strict std parsers (no leading zeros in IPv4 octets, no zone).
    pub(crate) fn parse(s: &str) -> Option<Cidr> {
        let (addr, prefix) = match s.split_once('/') {
            Some((a, p)) => {
                let ok = !p.is_empty()
                    && p.bytes().all(|c| c.is_ascii_digit())
                    && (p == "0" || !p.starts_with('0'))
                    && p.len() <= 3;
                if !ok {
                    return None;
                }
                (a, Some(p.parse::<u32>().ok()?))
            }
            None => (s, None),
        };
        match addr.parse::<IpAddr>().ok()? {
            IpAddr::V4(a) => {
                let p = prefix.unwrap_or(32);
                (p <= 32).then(|| Cidr::V4(u32::from(a) & mask32(p), p))
            }
            IpAddr::V6(a) => {
                let p = prefix.unwrap_or(128);
                (p <= 128).then(|| Cidr::V6(u128::from(a) & mask128(p), p))
            }
        }
    }

    /// An IPv4 network contains IPv4 addresses and IPv4-mapped IPv6 addresses
    /// (`::ffff:a.b.c.d`); an IPv6 network contains IPv6 addresses only.
    pub(crate) fn contains(&self, a: IpAddr) -> bool {
        match (*self, a) {
            (Cidr::V4(net, p), IpAddr::V4(a)) => v4_in(net, p, a),
            (Cidr::V4(net, p), IpAddr::V6(a)) => {
                a.to_ipv4_mapped().is_some_and(|a| v4_in(net, p, a))
            }
            (Cidr::V6(net, p), IpAddr::V6(a)) => v6_in(net, p, a),
            (Cidr::V6(..), IpAddr::V4(_)) => false,
        }
    }
}

fn mask32(p: u32) -> u32 {
    if p == 0 {
        0
    } else {
        u32::MAX << (32 - p)
    }
}

fn mask128(p: u32) -> u128 {
    if p == 0 {
        0
    } else {
        u128::MAX << (128 - p)
    }
}

fn v4_in(net: u32, p: u32, a: Ipv4Addr) -> bool {
    u32::from(a) & mask32(p) == net
}

fn v6_in(net: u128, p: u32, a: Ipv6Addr) -> bool {
    u128::from(a) & mask128(p) == net
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_strict() {
        for (s, v) in [
            ("0", 0.0),
            ("-0", 0.0),
            ("7", 7.0),
            ("1.5", 1.5),
            ("1e3", 1000.0),
            ("-2E-1", -0.2),
        ] {
            assert_eq!(parse_number(s), Some(v), "{s}");
        }
        for s in [
            "", " 1", "1 ", "+1", ".5", "5.", "01", "0x10", "12abc", "Infinity", "NaN", "1e400",
            "1e", "--1",
        ] {
            assert_eq!(parse_number(s), None, "{s:?}");
        }
    }

    #[test]
    fn cidrs() {
        let c = |s| Cidr::parse(s).unwrap();
        let ip = |s: &str| s.parse::<IpAddr>().unwrap();
        assert!(c("10.0.0.0/8").contains(ip("10.1.2.3")));
        assert!(!c("10.0.0.0/8").contains(ip("11.0.0.1")));
        assert!(c("10.0.0.0/8").contains(ip("::ffff:10.0.0.1")));
        assert!(!c("10.0.0.0/8").contains(ip("2001:db8::1")));
        assert!(c("0.0.0.0/0").contains(ip("1.2.3.4")));
        assert!(c("10.1.2.3/8").contains(ip("10.9.9.9")));
        assert!(c("192.168.1.7").contains(ip("192.168.1.7")));
        assert!(!c("192.168.1.7").contains(ip("192.168.1.8")));
        assert!(c("2001:db8::/32").contains(ip("2001:db8:1::1")));
        assert!(!c("2001:db8::/32").contains(ip("2001:db9::1")));
        assert!(!c("::/0").contains(ip("1.2.3.4")));
        assert!(c("::/0").contains(ip("::1")));
        for bad in [
            "10.0.0.0/33",
            "10.0.0.0/",
            "10.0.0.0/08",
            "10.0.0.0/+8",
            "010.0.0.1/8",
            "10.0.0/8",
            "::/129",
            "fe80::1%eth0/64",
            "10.0.0.0/8/1",
            "x",
            "",
        ] {
            assert_eq!(Cidr::parse(bad), None, "{bad}");
        }
    }
}
