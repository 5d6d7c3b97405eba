//! One rule for showing untrusted text in a message (docs/SPEC.md §12.4): every error path of
//! every surface (CLI stderr lines and text output, C error messages, Python exceptions)
//! passes outside strings through [`escape`] so that a bundle, config or argument cannot
//! write terminal escape sequences, break a one-line message, or reorder what a reader sees
//! with bidirectional controls.
//!
//! Escaped as `\u{XXXX}` (hex, upper-case): C0 and C1 controls and DEL (including `\n`,
//! `\r`, `\t`, ESC), the bidirectional formatting characters (U+061C, U+200E, U+200F,
//! U+202A–U+202E, U+2066–U+2069), the line and paragraph separators U+2028/U+2029, and
//! the byte-order mark / zero-width no-break space U+FEFF. A backslash is written as `\\`,
//! so an escaped string is never ambiguous. Everything else is kept.

use std::borrow::Cow;

/// Whether `c` is shown escaped.
pub fn needs_escape(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{061C}'
                | '\u{200E}'
                | '\u{200F}'
                | '\u{202A}'..='\u{202E}'
                | '\u{2066}'..='\u{2069}'
                | '\u{2028}'
                | '\u{2029}'
                | '\u{FEFF}'
        )
}

/// `s` with control, bidirectional and separator characters escaped (see the module docs);
/// borrowed when nothing needs escaping.
pub fn escape(s: &str) -> Cow<'_, str> {
    if !s.chars().any(|c| c == '\\' || needs_escape(c)) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if c == '\\' {
            out.push_str("\\\\");
        } else if needs_escape(c) {
            out.push_str(&format!("\\u{{{:04X}}}", c as u32));
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_controls_bidi_and_backslash() {
        assert!(matches!(escape("plain did:key:z6Mk"), Cow::Borrowed(_)));
        assert_eq!(escape("a\nb"), "a\\u{000A}b");
        assert_eq!(escape("\u{1b}[31m"), "\\u{001B}[31m");
        assert_eq!(escape("x\u{202E}gpj.exe"), "x\\u{202E}gpj.exe");
        assert_eq!(
            escape("\u{2067}\u{85}\u{7f}"),
            "\\u{2067}\\u{0085}\\u{007F}"
        );
        assert_eq!(escape("a\\u{000A}"), "a\\\\u{000A}");
        assert_eq!(escape("é中"), "é中");
    }
}
