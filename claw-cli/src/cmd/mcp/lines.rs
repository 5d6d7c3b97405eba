//! Newline-delimited messages with a size bound (the stdio transport of MCP).

use std::io::{self, BufRead};

/// One read.
#[derive(Debug, PartialEq, Eq)]
pub enum Read {
    /// End of input.
    Eof,
    /// A line (without its `\n` / `\r\n`) in the buffer.
    Line,
    /// A line longer than the bound: its bytes were skipped; the size seen.
    TooLong(usize),
}

/// Read one line into `buf` (cleared first), keeping at most `max` bytes; a longer line is
/// consumed up to its newline and reported as [`Read::TooLong`] without being buffered.
pub fn read_line(r: &mut impl BufRead, buf: &mut Vec<u8>, max: usize) -> io::Result<Read> {
    buf.clear();
    let mut seen = 0usize;
    let mut too_long = false;
    loop {
        let avail = match r.fill_buf() {
            Ok(a) => a,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if avail.is_empty() {
            if seen == 0 {
                return Ok(Read::Eof);
            }
            break;
        }
        let (chunk, done) = match avail.iter().position(|&b| b == b'\n') {
            Some(i) => (&avail[..i], Some(i + 1)),
            None => (avail, None),
        };
        seen = seen.saturating_add(chunk.len());
        if !too_long {
            if seen > max {
                too_long = true;
                buf.clear();
            } else {
                buf.extend_from_slice(chunk);
            }
        }
        let used = done.unwrap_or(avail.len());
        r.consume(used);
        if done.is_some() {
            break;
        }
    }
    if too_long {
        return Ok(Read::TooLong(seen));
    }
    if buf.last() == Some(&b'\r') {
        buf.pop();
    }
    Ok(Read::Line)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounded_lines() {
        let input = b"abc\r\n0123456789\nxy\nlast";
        let mut r = io::BufReader::with_capacity(4, &input[..]);
        let mut buf = Vec::new();
        assert_eq!(read_line(&mut r, &mut buf, 5).unwrap(), Read::Line);
        assert_eq!(buf, b"abc");
        assert_eq!(read_line(&mut r, &mut buf, 5).unwrap(), Read::TooLong(10));
        assert_eq!(read_line(&mut r, &mut buf, 5).unwrap(), Read::Line);
        assert_eq!(buf, b"xy");
        assert_eq!(read_line(&mut r, &mut buf, 5).unwrap(), Read::Line);
        assert_eq!(buf, b"last");
        assert_eq!(read_line(&mut r, &mut buf, 5).unwrap(), Read::Eof);
    }
}
