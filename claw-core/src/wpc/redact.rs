//! WPC v1 `redaction_rules` and `receipt_privacy_mode` (`docs/SPEC.md §8.3`, step 6b).
//!
//! A gateway applies the rules to the request body before forwarding it and before hashing
//! it into the receipt. The path language is the reference's simplified JSONPath: an
//! optional leading `$.`, then `.`-separated segments; a segment `name[*]` walks every item
//! of the array member `name`; any other segment is a member name (or, on an array, a
//! decimal index). A path that does not match changes nothing.

use serde_json::Value;

use super::schema::{ReceiptPrivacyMode, RedactionAction, RedactionRule};

/// What `mask` writes.
pub const MASK: &str = "[REDACTED]";

/// Apply `rules` in order to `body`; returns whether anything changed.
pub fn apply_redaction_rules(body: &mut Value, rules: &[RedactionRule]) -> bool {
    let mut changed = false;
    for r in rules {
        let p = r.path.strip_prefix("$.").unwrap_or(&r.path);
        let segs: Vec<&str> = p.split('.').collect();
        changed |= redact_at(body, &segs, r.action);
    }
    changed
}

/// The value `action` puts in place of `v` (`None`: remove it).
fn replacement(v: &Value, action: RedactionAction) -> Option<Value> {
    match action {
        RedactionAction::Remove => None,
        RedactionAction::Mask => Some(Value::String(MASK.into())),
        // The reference's marker: the JavaScript `typeof` of the value, nothing of its content.
        RedactionAction::Hash => Some(Value::String(format!(
            "[HASH:{}]",
            match v {
                Value::String(_) => "string",
                Value::Number(_) => "number",
                Value::Bool(_) => "boolean",
                Value::Null | Value::Array(_) | Value::Object(_) => "object",
            }
        ))),
    }
}

fn array_index(seg: &str, len: usize) -> Option<usize> {
    let canonical = !seg.is_empty()
        && seg.bytes().all(|b| b.is_ascii_digit())
        && (seg == "0" || !seg.starts_with('0'));
    if !canonical {
        return None;
    }
    seg.parse::<usize>().ok().filter(|i| *i < len)
}

fn redact_at(v: &mut Value, segs: &[&str], action: RedactionAction) -> bool {
    let Some((cur, rest)) = segs.split_first() else {
        return false;
    };
    if cur.is_empty() {
        return false;
    }
    if let Some(name) = cur
        .strip_suffix("[*]")
        .filter(|n| !n.is_empty() && !n.contains('['))
    {
        let Some(Value::Array(items)) = v.as_object_mut().and_then(|o| o.get_mut(name)) else {
            return false;
        };
        if rest.is_empty() {
            let had = !items.is_empty();
            let old = std::mem::take(items);
            *items = old
                .into_iter()
                .filter_map(|it| replacement(&it, action))
                .collect();
            return had;
        }
        let mut changed = false;
        for it in items.iter_mut() {
            changed |= redact_at(it, rest, action);
        }
        return changed;
    }
    match v {
        Value::Object(o) => {
            if rest.is_empty() {
                let Some(old) = o.get(*cur) else {
                    return false;
                };
                match replacement(old, action) {
                    Some(r) => {
                        o.insert((*cur).to_string(), r);
                    }
                    None => {
                        o.shift_remove(*cur);
                    }
                }
                true
            } else {
                o.get_mut(*cur)
                    .is_some_and(|child| redact_at(child, rest, action))
            }
        }
        Value::Array(items) => {
            let Some(i) = array_index(cur, items.len()) else {
                return false;
            };
            if rest.is_empty() {
                match replacement(&items[i], action) {
                    Some(r) => items[i] = r,
                    None => {
                        items.remove(i);
                    }
                }
                true
            } else {
                redact_at(&mut items[i], rest, action)
            }
        }
        _ => false,
    }
}

/// The receipt privacy mode of a call: the caller's request (`X-Receipt-Privacy-Mode`), else
/// the policy's, else `hash_only`; a policy saying `hash_only` cannot be overridden to
/// `encrypted`. Returns the mode the receipt must honour.
pub fn receipt_privacy_mode(
    policy: Option<ReceiptPrivacyMode>,
    requested: Option<ReceiptPrivacyMode>,
) -> ReceiptPrivacyMode {
    match (policy, requested) {
        (Some(ReceiptPrivacyMode::HashOnly), _) => ReceiptPrivacyMode::HashOnly,
        (_, Some(r)) => r,
        (Some(p), None) => p,
        (None, None) => ReceiptPrivacyMode::HashOnly,
    }
}

impl ReceiptPrivacyMode {
    /// Wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            ReceiptPrivacyMode::HashOnly => "hash_only",
            ReceiptPrivacyMode::Encrypted => "encrypted",
        }
    }

    /// Parse a wire name (`None` for anything else, as the reference ignores it).
    pub fn from_wire(s: &str) -> Option<Self> {
        match s {
            "hash_only" => Some(ReceiptPrivacyMode::HashOnly),
            "encrypted" => Some(ReceiptPrivacyMode::Encrypted),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn rule(path: &str, action: RedactionAction) -> RedactionRule {
        RedactionRule {
            path: path.into(),
            action,
        }
    }

    #[test]
    fn paths_and_actions() {
        let mut v = json!({"model":"m","user":"u1","messages":[
            {"role":"user","content":"secret"},{"role":"assistant","content":7}],
            "meta":{"ssn":"123","keep":1},"tags":["a","b"]});
        let rules = [
            rule("$.messages[*].content", RedactionAction::Hash),
            rule("$.user", RedactionAction::Remove),
            rule("meta.ssn", RedactionAction::Mask),
            rule("$.tags[*]", RedactionAction::Remove),
            rule("$.absent.x", RedactionAction::Mask),
        ];
        assert!(apply_redaction_rules(&mut v, &rules));
        assert_eq!(
            v,
            json!({"model":"m","messages":[
                {"role":"user","content":"[HASH:string]"},
                {"role":"assistant","content":"[HASH:number]"}],
                "meta":{"ssn":"[REDACTED]","keep":1},"tags":[]})
        );
        let mut w = json!({"a":[{"b":1}]});
        assert!(!apply_redaction_rules(
            &mut w,
            &[rule("$.zz", RedactionAction::Remove)]
        ));
        assert!(apply_redaction_rules(
            &mut w,
            &[rule("$.a.0.b", RedactionAction::Mask)]
        ));
        assert_eq!(w, json!({"a":[{"b":"[REDACTED]"}]}));
        assert!(!apply_redaction_rules(
            &mut w,
            &[rule("$.a.01.b", RedactionAction::Mask)]
        ));
    }

    #[test]
    fn privacy_mode() {
        use ReceiptPrivacyMode::*;
        assert_eq!(receipt_privacy_mode(None, None), HashOnly);
        assert_eq!(receipt_privacy_mode(Some(Encrypted), None), Encrypted);
        assert_eq!(
            receipt_privacy_mode(Some(HashOnly), Some(Encrypted)),
            HashOnly
        );
        assert_eq!(
            receipt_privacy_mode(Some(Encrypted), Some(HashOnly)),
            HashOnly
        );
        assert_eq!(receipt_privacy_mode(None, Some(Encrypted)), Encrypted);
    }
}
