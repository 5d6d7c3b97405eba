//! File and stdin access for the CLI, with the same size bound the core applies.

use crate::{exit, Failure};
use std::io::Read;
use std::path::Path;

/// Largest input file the CLI reads (proof bundles of 100k receipts fit).
pub const MAX_INPUT_BYTES: u64 = 256 * 1024 * 1024;

/// Read a file, or stdin when `path` is `-` or absent.
pub fn read_input(path: Option<&Path>) -> Result<Vec<u8>, Failure> {
    let mut buf = Vec::new();
    match path {
        None => read_bounded(std::io::stdin().lock(), &mut buf, "stdin")?,
        Some(p) if p == Path::new("-") => read_bounded(std::io::stdin().lock(), &mut buf, "stdin")?,
        Some(p) => {
            let f = std::fs::File::open(p)
                .map_err(|e| Failure::new(exit::IO, "IO_ERROR", format!("{}: {e}", p.display())))?;
            read_bounded(f, &mut buf, &p.display().to_string())?;
        }
    }
    Ok(buf)
}

fn read_bounded(r: impl Read, buf: &mut Vec<u8>, name: &str) -> Result<(), Failure> {
    r.take(MAX_INPUT_BYTES + 1)
        .read_to_end(buf)
        .map_err(|e| Failure::new(exit::IO, "IO_ERROR", format!("{name}: {e}")))?;
    if buf.len() as u64 > MAX_INPUT_BYTES {
        return Err(Failure::new(
            exit::BAD_INPUT,
            "INPUT_TOO_LARGE",
            format!("{name} is larger than {MAX_INPUT_BYTES} bytes"),
        ));
    }
    Ok(())
}

/// Read a file as UTF-8 text.
pub fn read_text(path: &Path) -> Result<String, Failure> {
    String::from_utf8(read_input(Some(path))?).map_err(|_| {
        Failure::new(
            exit::BAD_INPUT,
            "INVALID_UTF8",
            format!("{} is not UTF-8", path.display()),
        )
    })
}

/// Write a file; `secret` files are created with mode 0600 before any byte is written.
pub fn write_file(path: &Path, bytes: &[u8], secret: bool) -> Result<(), Failure> {
    use std::io::Write;
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create(true).truncate(true);
    #[cfg(unix)]
    if secret {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    let _ = secret;
    let mut f = opts
        .open(path)
        .map_err(|e| Failure::new(exit::IO, "IO_ERROR", format!("{}: {e}", path.display())))?;
    #[cfg(unix)]
    if secret {
        // The file may have existed with wider permissions: tighten before writing.
        use std::os::unix::fs::PermissionsExt;
        f.set_permissions(std::fs::Permissions::from_mode(0o600))
            .map_err(|e| Failure::new(exit::IO, "IO_ERROR", format!("{}: {e}", path.display())))?;
    }
    f.write_all(bytes)
        .map_err(|e| Failure::new(exit::IO, "IO_ERROR", format!("{}: {e}", path.display())))
}

/// The current Unix time in seconds (the only clock the CLI reads).
pub fn now_secs() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

/// Write `text` and a newline to stdout. A closed pipe (`claw … | head`) is not an error
/// worth a panic: the reader has what it wanted.
pub fn print_line(text: &str) -> Result<(), Failure> {
    write_stdout(format!("{text}\n").as_bytes())
}

/// Write raw bytes to stdout (see [`print_line`]).
pub fn write_stdout(bytes: &[u8]) -> Result<(), Failure> {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    match out.write_all(bytes).and_then(|_| out.flush()) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        Err(e) => Err(Failure::new(exit::IO, "IO_ERROR", format!("stdout: {e}"))),
    }
}
