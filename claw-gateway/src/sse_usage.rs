//! Token usage read from a streamed (SSE) response as it passes through
//! (`docs/SPEC.md §8.4`): nothing is buffered beyond the current line, itself bounded.
//!
//! A `data:` line whose JSON object carries a usage object at `usage` (OpenAI Chat
//! Completions' last chunk with `stream_options.include_usage`; Anthropic `message_delta`),
//! `message.usage` (Anthropic `message_start`) or `response.usage` (OpenAI Responses
//! `response.completed`) updates the counts: `prompt_tokens` / `input_tokens` and
//! `completion_tokens` / `output_tokens`, the last value seen winning (the providers'
//! counts are cumulative).

use serde_json::Value;

/// Longest line read for usage; longer lines are skipped (usage lines are small).
pub const MAX_USAGE_LINE: usize = 64 * 1024;

/// Incremental usage reader.
#[derive(Debug, Default)]
pub struct SseUsage {
    line: Vec<u8>,
    skipping: bool,
    /// Input tokens seen so far.
    pub input: u64,
    /// Output tokens seen so far.
    pub output: u64,
}

impl SseUsage {
    /// Feed the next bytes of the stream.
    pub fn feed(&mut self, mut bytes: &[u8]) {
        while !bytes.is_empty() {
            let nl = bytes.iter().position(|b| *b == b'\n');
            let (part, rest, done) = match nl {
                Some(i) => (&bytes[..i], &bytes[i + 1..], true),
                None => (bytes, &[][..], false),
            };
            if !self.skipping {
                if self.line.len() + part.len() > MAX_USAGE_LINE {
                    self.skipping = true;
                    self.line = Vec::new();
                } else if !self.line.is_empty() || part.starts_with(b"d") || part.is_empty() {
                    self.line.extend_from_slice(part);
                } else {
                    // Not a data line (event:, id:, comments): not kept.
                    self.skipping = true;
                }
            }
            if done {
                if !self.skipping {
                    let line = std::mem::take(&mut self.line);
                    self.line_done(&line);
                    self.line = line;
                }
                self.line.clear();
                self.skipping = false;
            }
            bytes = rest;
        }
    }

    fn line_done(&mut self, line: &[u8]) {
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        let Some(data) = line.strip_prefix(b"data:") else {
            return;
        };
        let data = data.strip_prefix(b" ").unwrap_or(data);
        if !data.starts_with(b"{") || !contains(data, b"\"usage\"") {
            return;
        }
        let Ok(v) = claw_core::json::parse(
            data,
            &claw_core::json::Limits::STRICT.with_max_bytes(MAX_USAGE_LINE),
        ) else {
            return;
        };
        for u in [
            v.get("usage"),
            v.get("message").and_then(|m| m.get("usage")),
            v.get("response").and_then(|m| m.get("usage")),
        ]
        .into_iter()
        .flatten()
        {
            let n = |a: &str, b: &str| {
                u.get(a)
                    .and_then(Value::as_u64)
                    .or_else(|| u.get(b).and_then(Value::as_u64))
            };
            if let Some(i) = n("prompt_tokens", "input_tokens") {
                self.input = i;
            }
            if let Some(o) = n("completion_tokens", "output_tokens") {
                self.output = o;
            }
        }
    }
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn feed_split(s: &str, at: usize) -> SseUsage {
        let mut u = SseUsage::default();
        let b = s.as_bytes();
        for c in b.chunks(at) {
            u.feed(c);
        }
        u
    }

    #[test]
    fn openai_anthropic_responses() {
        let openai = "data: {\"choices\":[{\"delta\":{\"content\":\"x\"}}],\"usage\":null}\n\n\
                      data: {\"choices\":[],\"usage\":{\"prompt_tokens\":11,\"completion_tokens\":7}}\r\n\r\n\
                      data: [DONE]\n\n";
        let anthropic = "event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"usage\":{\"input_tokens\":25,\"output_tokens\":1}}}\n\n\
                         event: message_delta\ndata: {\"type\":\"message_delta\",\"delta\":{},\"usage\":{\"output_tokens\":15}}\n\n";
        let responses = "event: response.completed\ndata: {\"type\":\"response.completed\",\"response\":{\"usage\":{\"input_tokens\":9,\"output_tokens\":4}}}\n\n";
        for at in [1, 3, 7, 1000] {
            let u = feed_split(openai, at);
            assert_eq!((u.input, u.output), (11, 7), "split {at}");
            let u = feed_split(anthropic, at);
            assert_eq!((u.input, u.output), (25, 15), "split {at}");
            let u = feed_split(responses, at);
            assert_eq!((u.input, u.output), (9, 4), "split {at}");
        }
    }

    #[test]
    fn bounded_and_garbage() {
        let mut u = SseUsage::default();
        let big = format!(
            "data: {{\"usage\":{{\"prompt_tokens\":5}},\"x\":\"{}\"}}\n",
            "a".repeat(MAX_USAGE_LINE)
        );
        u.feed(big.as_bytes());
        assert_eq!(u.input, 0, "an oversized line is skipped");
        assert!(u.line.capacity() <= MAX_USAGE_LINE + 64);
        u.feed(b"data: {\"usage\":{\"prompt_tokens\":\"x\"}}\ndata: {bad\n\xff\xfe\n");
        assert_eq!((u.input, u.output), (0, 0));
        u.feed(b"data: {\"usage\":{\"prompt_tokens\":2,\"completion_tokens\":3}}\n");
        assert_eq!((u.input, u.output), (2, 3));
    }
}
