//! Wire spellings of the evidence enums that callers name in text: receipt fields
//! (`result_status`, `effect_class`, `response_status`, `approval_type`, `approver_method`;
//! fixed by the reference schemas `poh/*.json`) and the bundle and verifier options
//! (`causal_anchoring`, `causal_mode`, `sig_mode`).
//!
//! One table per enum gives `as_str` (what the core writes), `NAMES` and `FromStr` (what it
//! reads), so the bindings parse with the core and the two spellings cannot drift apart.
//! Parsing is exact: no case folding, no trimming.

use super::{
    ApprovalType, ApproverMethod, CausalAnchoring, CausalMode, EffectClass, ResponseStatus,
    SigMode, ToolStatus,
};
use std::fmt;
use std::str::FromStr;

/// Longest prefix of a refused value kept in a [`ParseEnumError`] (in characters).
const VALUE_PREFIX_CHARS: usize = 64;

/// A name that is not the wire spelling of any value of an evidence enum.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{value:?} is not a valid {enum_name}; expected one of {accepted:?}")]
pub struct ParseEnumError {
    enum_name: &'static str,
    value: String,
    accepted: &'static [&'static str],
}

impl ParseEnumError {
    /// The enum that was being read (e.g. `"ToolStatus"`).
    pub fn enum_name(&self) -> &'static str {
        self.enum_name
    }

    /// The refused value (its first 64 characters).
    pub fn value(&self) -> &str {
        &self.value
    }

    /// Every spelling the enum accepts.
    pub fn accepted(&self) -> &'static [&'static str] {
        self.accepted
    }

    /// Stable reason code (the one the schemas' `enum` checks report).
    pub fn reason_code(&self) -> &'static str {
        "SCHEMA_VALIDATION_FAILED"
    }
}

/// `as_str`, `ALL`, `NAMES`, `Display` and `FromStr` for each enum from one table of
/// `Variant => "spelling"` (the `match` in `as_str` makes the table cover every variant).
macro_rules! wire_names {
    ($($ty:ident { $($variant:ident => $name:literal),+ $(,)? })+) => {$(
        impl $ty {
            /// Every value, in the order of [`Self::NAMES`].
            pub const ALL: &'static [$ty] = &[$($ty::$variant),+];
            /// The wire spelling of each value of [`Self::ALL`].
            pub const NAMES: &'static [&'static str] = &[$($name),+];

            /// The wire spelling.
            pub fn as_str(self) -> &'static str {
                match self {
                    $($ty::$variant => $name,)+
                }
            }
        }

        impl fmt::Display for $ty {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl FromStr for $ty {
            type Err = ParseEnumError;

            /// Exactly one of [`Self::NAMES`].
            fn from_str(s: &str) -> Result<$ty, ParseEnumError> {
                match s {
                    $($name => Ok($ty::$variant),)+
                    _ => Err(ParseEnumError {
                        enum_name: stringify!($ty),
                        value: s.chars().take(VALUE_PREFIX_CHARS).collect(),
                        accepted: $ty::NAMES,
                    }),
                }
            }
        }
    )+};
}

wire_names! {
    ToolStatus {
        Success => "success",
        Error => "error",
        Timeout => "timeout",
    }
    EffectClass {
        NetworkEgress => "network_egress",
        FilesystemWrite => "filesystem_write",
        ExternalApiWrite => "external_api_write",
    }
    ResponseStatus {
        Success => "success",
        Error => "error",
        Timeout => "timeout",
        Denied => "denied",
    }
    ApprovalType {
        ExplicitApprove => "explicit_approve",
        ExplicitDeny => "explicit_deny",
        AutoApprove => "auto_approve",
        TimeoutDeny => "timeout_deny",
    }
    ApproverMethod {
        UiClick => "ui_click",
        CliConfirm => "cli_confirm",
        ApiCall => "api_call",
        PolicyAuto => "policy_auto",
        Timeout => "timeout",
    }
    CausalAnchoring {
        Require => "require",
        Off => "off",
    }
    CausalMode {
        Enforce => "enforce",
        Warn => "warn",
        Observe => "observe",
    }
    SigMode {
        Batch => "batch",
        Sequential => "sequential",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::{Error, ErrorKind};

    /// `as_str` → `from_str` gives back every variant, `NAMES` lists the spellings of `ALL`
    /// in order, and no two variants share a spelling.
    fn round_trips<T>(all: &[T], names: &[&str], as_str: fn(T) -> &'static str)
    where
        T: Copy + PartialEq + fmt::Debug + fmt::Display + FromStr<Err = ParseEnumError>,
    {
        let spelled: Vec<&str> = all.iter().map(|v| as_str(*v)).collect();
        assert_eq!(spelled, names);
        for v in all {
            assert_eq!(as_str(*v).parse::<T>(), Ok(*v));
            assert_eq!(v.to_string(), as_str(*v));
        }
        let mut distinct = spelled.clone();
        distinct.sort_unstable();
        distinct.dedup();
        assert_eq!(distinct.len(), spelled.len(), "{names:?}");
    }

    /// Near misses of every spelling (case, white space, prefixes) and unknown names are
    /// refused with an error naming the enum, the value and the accepted spellings.
    fn refuses<T>(enum_name: &str, names: &'static [&'static str])
    where
        T: fmt::Debug + FromStr<Err = ParseEnumError>,
    {
        let mut bad: Vec<String> = vec![
            String::new(),
            " ".into(),
            "unknown".into(),
            "null".into(),
            names.join(","),
        ];
        for n in names {
            bad.push(n.to_uppercase());
            let mut first = n.chars();
            bad.extend(
                first
                    .next()
                    .map(|c| c.to_uppercase().chain(first).collect()),
            );
            bad.push(format!(" {n}"));
            bad.push(format!("{n} "));
            bad.push(format!("{n}\n"));
            bad.push(format!("\t{n}"));
            bad.push(format!("\"{n}\""));
            if n.contains('_') {
                bad.push(n.replace('_', "-"));
            }
            bad.push(n[..n.len() - 1].to_string());
            bad.push(format!("{n}\0"));
        }
        for b in &bad {
            let e = b.parse::<T>().expect_err(b);
            assert_eq!(e.enum_name(), enum_name);
            assert_eq!(e.value(), b);
            assert_eq!(e.accepted(), names);
            assert_eq!(e.reason_code(), "SCHEMA_VALIDATION_FAILED");
            let msg = e.to_string();
            assert!(msg.contains(enum_name), "{msg}");
            assert!(msg.contains(&format!("{b:?}")), "{msg}");
            assert!(names.iter().all(|n| msg.contains(n)), "{msg}");
        }
    }

    macro_rules! each_enum {
        ($($ty:ident),+) => {$(
            round_trips($ty::ALL, $ty::NAMES, $ty::as_str);
            refuses::<$ty>(stringify!($ty), $ty::NAMES);
        )+};
    }

    #[test]
    fn every_enum_round_trips_and_refuses_near_misses() {
        each_enum!(
            ToolStatus,
            EffectClass,
            ResponseStatus,
            ApprovalType,
            ApproverMethod,
            CausalAnchoring,
            CausalMode,
            SigMode
        );
    }

    #[test]
    fn refused_values_are_cut_in_the_error() {
        let long = "é".repeat(1000);
        let e = long.parse::<ToolStatus>().unwrap_err();
        assert_eq!(e.value(), "é".repeat(VALUE_PREFIX_CHARS));
        assert!(e.to_string().len() < 300);
    }

    #[test]
    fn converts_to_a_bundle_error() {
        let e = Error::from("Success".parse::<ToolStatus>().unwrap_err());
        assert_eq!(e.kind(), ErrorKind::Bundle);
        assert_eq!(e.reason_code(), "SCHEMA_VALIDATION_FAILED");
        assert_eq!(
            e.message(),
            r#""Success" is not a valid ToolStatus; expected one of ["success", "error", "timeout"]"#
        );
    }
}
