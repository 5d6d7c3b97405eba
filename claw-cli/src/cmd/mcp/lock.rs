//! One proxy per run directory: an exclusive advisory lock (`flock`) on the directory itself,
//! held for the proxy's lifetime and released by the kernel when the process ends, however
//! it ends (docs/SPEC.md §10.7).

use crate::{exit, Failure};
use std::fs::File;
use std::path::Path;

/// The held lock; dropping it (or the process ending) releases it.
#[derive(Debug)]
pub struct RunDirLock {
    _dir: File,
}

/// Create `dir` if needed and lock it, or refuse with `RUN_DIR_LOCKED` when another proxy
/// holds it.
pub fn lock_run_dir(dir: &Path) -> Result<RunDirLock, Failure> {
    let io =
        |e: std::io::Error| Failure::new(exit::IO, "IO_ERROR", format!("{}: {e}", dir.display()));
    std::fs::create_dir_all(dir).map_err(io)?;
    let f = File::open(dir).map_err(io)?;
    flock(f, dir, io)
}

#[cfg(unix)]
fn flock(
    f: File,
    dir: &Path,
    io: impl Fn(std::io::Error) -> Failure,
) -> Result<RunDirLock, Failure> {
    match rustix::fs::flock(&f, rustix::fs::FlockOperation::NonBlockingLockExclusive) {
        Ok(()) => Ok(RunDirLock { _dir: f }),
        Err(e) if e == rustix::io::Errno::WOULDBLOCK => Err(Failure::new(
            exit::IO,
            "RUN_DIR_LOCKED",
            format!(
                "{} is being recorded into by another claw mcp proxy (one proxy per run directory)",
                dir.display()
            ),
        )),
        Err(e) => Err(io(e.into())),
    }
}

#[cfg(not(unix))]
fn flock(
    _f: File,
    dir: &Path,
    _io: impl Fn(std::io::Error) -> Failure,
) -> Result<RunDirLock, Failure> {
    Err(Failure::new(
        exit::IO,
        "RUN_DIR_LOCK_UNSUPPORTED",
        format!("{}: no directory lock on this platform", dir.display()),
    ))
}
