//! What a human is shown of a tool call's arguments when asked to approve it (docs/SPEC.md
//! §7.9.1). One rule for every surface that asks (the MCP proxy's elicitation, the OpenClaw
//! plugin's approval request through the C ABI).
//!
//! The approval binds to the SHA-256 of the arguments' JCS bytes, so the human must see those
//! arguments as they are, and must know when not all of them are shown: the JCS text with
//! control, bidirectional and separator characters escaped ([`crate::escape`]: a path holding
//! U+202E must not read as another path), whole when it fits in the space the asking surface
//! has, otherwise its beginning followed by how many characters are not shown and the hash the
//! approval binds to. Never a silent cut: arguments whose harmful part comes after a long
//! harmless prefix say so.

use crate::escape::escape;
use crate::{hash, json};
use serde_json::Value;

/// The space a surface gives the arguments when it has no bound of its own (characters).
pub const DEFAULT_SHOWN_CHARS: usize = 2048;

/// The fewest characters [`arguments_shown`] accepts as `max_chars` (the note for hidden
/// characters and the hash must fit).
pub const MIN_SHOWN_CHARS: usize = 160;

/// The arguments as shown to a human asked to approve the call: at most `max_chars`
/// characters (at least [`MIN_SHOWN_CHARS`] are used), the JCS text escaped, with an explicit
/// note and the arguments' hash when it had to be shortened (the note's count is of the
/// escaped text not shown). Fails like [`json::canonicalize`] (a value outside I-JSON).
pub fn arguments_shown(arguments: &Value, max_chars: usize) -> Result<String, json::JsonError> {
    let jcs = json::canonicalize(arguments)?;
    let text = String::from_utf8_lossy(&jcs);
    let escaped = escape(&text);
    let total = escaped.chars().count();
    let max_chars = max_chars.max(MIN_SHOWN_CHARS);
    if total <= max_chars {
        return Ok(escaped.into_owned());
    }
    let hash = hash::sha256_b64u(&jcs);
    // The note's length depends on the number it states; reserve for the largest.
    let note = |hidden: usize| {
        format!(" … [{hidden} more characters not shown; the approval covers all of them: SHA-256 of the arguments (JCS) {hash}]")
    };
    let budget = max_chars.saturating_sub(note(total).chars().count());
    // Cut between characters of the original text, never inside an escape sequence.
    let mut shown = String::new();
    let mut used = 0;
    for c in text.chars() {
        let one = escape(c.encode_utf8(&mut [0; 4])).into_owned();
        let width = one.chars().count();
        if used + width > budget {
            break;
        }
        shown.push_str(&one);
        used += width;
    }
    shown.push_str(&note(total - used));
    Ok(shown)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn short_arguments_are_shown_whole_in_jcs_order() {
        let a = json!({"path": "/tmp/a.txt", "content": "hi"});
        assert_eq!(
            arguments_shown(&a, 200).unwrap(),
            r#"{"content":"hi","path":"/tmp/a.txt"}"#
        );
    }

    #[test]
    fn bidi_and_control_characters_are_escaped() {
        let a = json!({"path": "/tmp/\u{202E}txt.exe", "x": "\u{2066}"});
        let s = arguments_shown(&a, 500).unwrap();
        assert_eq!(s, r#"{"path":"/tmp/\u{202E}txt.exe","x":"\u{2066}"}"#);
        assert!(!s.chars().any(crate::escape::needs_escape));
    }

    #[test]
    fn long_arguments_say_what_is_hidden_and_the_hash() {
        let tail = "rm -rf / # the part a human must not miss";
        let a = json!({"cmd": format!("{}{tail}", "echo ok; ".repeat(100))});
        let whole = String::from_utf8(json::canonicalize(&a).unwrap()).unwrap();
        let s = arguments_shown(&a, 300).unwrap();
        assert!(s.chars().count() <= 300, "{}", s.chars().count());
        assert!(!s.contains(tail));
        let hidden: usize = s
            .split(" … [")
            .nth(1)
            .and_then(|n| n.split(' ').next())
            .and_then(|n| n.parse().ok())
            .unwrap();
        let shown = s.split(" … [").next().unwrap();
        assert_eq!(shown.chars().count() + hidden, whole.chars().count());
        assert!(whole.starts_with(shown));
        assert!(s.ends_with(&format!(
            "SHA-256 of the arguments (JCS) {}]",
            hash::sha256_b64u(whole.as_bytes())
        )));
    }

    #[test]
    fn a_cut_never_splits_an_escape_and_tiny_bounds_still_fit_the_note() {
        let a = json!({"k": "\u{202E}".repeat(400)});
        let s = arguments_shown(&a, 200).unwrap();
        let shown = s.split(" … [").next().unwrap();
        assert!(
            shown.ends_with("\\u{202E}") || shown.ends_with('"'),
            "{shown}"
        );
        assert!(s.chars().count() <= 200);
        let tiny = arguments_shown(&a, 1).unwrap();
        assert!(tiny.chars().count() <= MIN_SHOWN_CHARS);
        assert!(tiny.contains("more characters not shown"));
        // Arguments outside I-JSON have no hash to approve: refused like their canonical form.
        assert!(arguments_shown(&json!({"n": 9_007_199_254_740_993u64}), 500).is_err());
    }
}
