//! Errors raised while reading an OpenClaw config.

/// Why an OpenClaw config (or a baseline) was refused.
///
/// JSON5 errors carry the 1-based line and column of the offending character and, when the
/// parser was inside a value, its JSON path (`$.tools.deny[2]`). Config errors name the path
/// of the field at fault. No message ever quotes a config *value* (configs hold bot tokens
/// and API keys): only key names, paths and positions.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum OpenClawError {
    /// The input is larger than the reader's bound.
    #[error("OpenClaw config is {size} bytes, above the limit of {limit}")]
    TooLarge {
        /// Size of the input in bytes.
        size: usize,
        /// The bound that was exceeded.
        limit: usize,
    },
    /// Arrays/objects nest deeper than the reader's bound.
    #[error("OpenClaw config nests deeper than {limit} at {path}")]
    TooDeep {
        /// Config path of the value at fault.
        path: String,
        /// The bound that was exceeded.
        limit: usize,
    },
    /// The config would take more memory than the JSON budget allows for its size
    /// ([`crate::json::Budget`]): a hostile shape, not a config.
    #[error("OpenClaw config needs more than {limit} bytes of memory to hold ({detail})")]
    TooComplex {
        /// The bound that was exceeded.
        limit: usize,
        /// What is wrong.
        detail: &'static str,
    },
    /// The input is not valid UTF-8.
    #[error("OpenClaw config is not valid UTF-8 (byte offset {offset})")]
    InvalidUtf8 {
        /// Byte offset in the input.
        offset: usize,
    },
    /// The text is not JSON5.
    #[error("invalid JSON5 at line {line}, column {column} ({path}): {detail}")]
    Syntax {
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
        /// Config path of the value at fault.
        path: String,
        /// What is wrong.
        detail: &'static str,
    },
    /// An object has the same key twice (JSON5 parsers keep the last one silently; claw
    /// refuses, since two readers could then disagree on the policy).
    #[error("duplicate key {key:?} at line {line}, column {column} in object at {path}")]
    DuplicateKey {
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
        /// Config path of the value at fault.
        path: String,
        /// The repeated key.
        key: String,
    },
    /// A `\u` escape encodes half of a surrogate pair without the other half.
    #[error("lone surrogate escape at line {line}, column {column} ({path})")]
    LoneSurrogate {
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
        /// Config path of the value at fault.
        path: String,
    },
    /// `Infinity`, `NaN` or a literal beyond the range of a double: not representable in the
    /// JSON data model the config is hashed in.
    #[error("number at line {line}, column {column} ({path}) is not finite")]
    NumberNotFinite {
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
        /// Config path of the value at fault.
        path: String,
    },
    /// A field that the audit reads has the wrong shape, or the config is one OpenClaw itself
    /// refuses to load (unknown profile, `allow` with `alsoAllow` in one scope, ...).
    #[error("invalid OpenClaw config at {path}: {detail}")]
    Config {
        /// Config path of the value at fault.
        path: String,
        /// What is wrong.
        detail: String,
    },
    /// The config uses `$include`: the pure reader cannot see the included files, and an audit
    /// of half a config would be worse than none.
    #[error("OpenClaw config uses $include at {path}; flatten it before auditing")]
    IncludeUnsupported {
        /// Config path of the value at fault.
        path: String,
    },
    /// A `--baseline` value is neither a config hash nor a config.
    #[error("invalid baseline: {detail}")]
    Baseline {
        /// What is wrong.
        detail: String,
    },
}

impl OpenClawError {
    /// Stable, machine-readable reason code.
    pub fn reason_code(&self) -> &'static str {
        match self {
            OpenClawError::TooLarge { .. } => "OPENCLAW_CONFIG_TOO_LARGE",
            OpenClawError::TooDeep { .. } => "OPENCLAW_CONFIG_TOO_DEEP",
            OpenClawError::TooComplex { .. } => "OPENCLAW_CONFIG_TOO_COMPLEX",
            OpenClawError::InvalidUtf8 { .. } => "INVALID_UTF8",
            OpenClawError::Syntax { .. } => "OPENCLAW_JSON5_SYNTAX",
            OpenClawError::DuplicateKey { .. } => "OPENCLAW_JSON5_DUPLICATE_KEY",
            OpenClawError::LoneSurrogate { .. } => "OPENCLAW_JSON5_LONE_SURROGATE",
            OpenClawError::NumberNotFinite { .. } => "OPENCLAW_JSON5_NUMBER_NOT_FINITE",
            OpenClawError::Config { .. } => "OPENCLAW_CONFIG_INVALID",
            OpenClawError::IncludeUnsupported { .. } => "OPENCLAW_CONFIG_INCLUDE_UNSUPPORTED",
            OpenClawError::Baseline { .. } => "OPENCLAW_BASELINE_INVALID",
        }
    }

    pub(crate) fn config(path: impl Into<String>, detail: impl Into<String>) -> OpenClawError {
        OpenClawError::Config {
            path: path.into(),
            detail: detail.into(),
        }
    }
}

impl From<OpenClawError> for crate::Error {
    fn from(e: OpenClawError) -> crate::Error {
        use crate::ErrorKind;
        let kind = match e {
            OpenClawError::TooLarge { .. }
            | OpenClawError::TooDeep { .. }
            | OpenClawError::TooComplex { .. }
            | OpenClawError::InvalidUtf8 { .. }
            | OpenClawError::Syntax { .. }
            | OpenClawError::DuplicateKey { .. }
            | OpenClawError::LoneSurrogate { .. }
            | OpenClawError::NumberNotFinite { .. } => ErrorKind::Canonicalization,
            OpenClawError::Config { .. }
            | OpenClawError::IncludeUnsupported { .. }
            | OpenClawError::Baseline { .. } => ErrorKind::Input,
        };
        crate::Error::new(kind, e.reason_code(), e.to_string())
    }
}
