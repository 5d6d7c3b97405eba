//! The progress line on stderr of a long verification (README "Progress on stderr"), drawn
//! from the core's [`Progress`] observer: the core only counts, this module renders.
//!
//! - Nothing before the verification has run for [`DEFAULT_AFTER`] (`CLAW_PROGRESS_AFTER_MS`
//!   sets another threshold, in milliseconds; tests use 0).
//! - stderr a terminal: one line rewritten in place (`\r`), erased when the verification ends.
//! - otherwise: plain lines, at most one a second, and one line at the end of a run that went
//!   past the threshold without printing one.
//! - `--quiet`: nothing. `--json`: the terminal bar only (a captured stderr stays clean).

use claw_core::evidence::{Progress, ProgressSink};
use std::io::{IsTerminal, Write};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// How long a verification runs before progress is shown.
pub const DEFAULT_AFTER: Duration = Duration::from_secs(1);
/// The environment variable that overrides [`DEFAULT_AFTER`] (milliseconds).
pub const AFTER_ENV: &str = "CLAW_PROGRESS_AFTER_MS";
/// The environment variable that forces the style (`bar` or `lines`) whatever stderr is.
pub const STYLE_ENV: &str = "CLAW_PROGRESS_STYLE";
/// Plain lines: at most one per this interval.
const LINE_EVERY: Duration = Duration::from_secs(1);
/// Terminal bar: redrawn this often.
const BAR_EVERY: Duration = Duration::from_millis(100);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Style {
    Bar,
    Lines,
}

/// The counts the core reports (and the CLI's own `read` step).
#[derive(Default)]
struct Meter {
    step: Mutex<(&'static str, u64)>,
    done: AtomicU64,
}

impl Progress for Meter {
    fn step(&self, name: &'static str, total: u64) {
        if let Ok(mut s) = self.step.lock() {
            *s = (name, total);
        }
        self.done.store(0, Ordering::Relaxed);
    }

    fn advance(&self, n: u64) {
        self.done.fetch_add(n, Ordering::Relaxed);
    }
}

impl Meter {
    /// The line to show, or `None` before the first step is named (the display thread can
    /// start before the verification does).
    fn line(&self, elapsed: Duration) -> Option<String> {
        let (name, total) = self.step.lock().map(|s| *s).unwrap_or(("", 0));
        if name.is_empty() {
            return None;
        }
        let done = self.done.load(Ordering::Relaxed).min(total);
        let secs = elapsed.as_secs_f64();
        if total == 0 {
            return Some(format!("claw: verifying: {name} ({secs:.1}s)"));
        }
        let pct = done * 100 / total;
        Some(format!(
            "claw: verifying: {name} {done}/{total} ({pct}%, {secs:.1}s)"
        ))
    }
}

/// A running progress display; [`Display::finish`] (or drop) stops it and erases the bar.
pub struct Display {
    meter: Arc<Meter>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl Display {
    /// Start the display for a verification, or `None` when nothing is to be shown.
    pub fn start(quiet: bool, json: bool) -> Option<Display> {
        if quiet {
            return None;
        }
        let tty = std::io::stderr().is_terminal();
        let style = match std::env::var(STYLE_ENV).as_deref() {
            Ok("bar") => Style::Bar,
            Ok("lines") => Style::Lines,
            _ if tty => Style::Bar,
            _ => Style::Lines,
        };
        if json && style == Style::Lines {
            return None;
        }
        let after = std::env::var(AFTER_ENV)
            .ok()
            .and_then(|s| s.trim().parse::<u64>().ok())
            .map_or(DEFAULT_AFTER, Duration::from_millis);
        let meter = Arc::new(Meter::default());
        let stop = Arc::new(AtomicBool::new(false));
        let thread = {
            let (meter, stop) = (meter.clone(), stop.clone());
            std::thread::Builder::new()
                .name("claw-progress".into())
                .spawn(move || render(&meter, &stop, style, after))
                .ok()
        };
        Some(Display {
            meter,
            stop,
            thread,
        })
    }

    /// The observer to hand to the core.
    pub fn sink(&self) -> ProgressSink {
        ProgressSink::new(self.meter.clone())
    }

    /// A step the CLI itself does (reading the input).
    pub fn step(&self, name: &'static str, total: u64) {
        self.meter.step(name, total);
    }

    pub fn finish(mut self) {
        self.stop_thread();
    }

    fn stop_thread(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            t.thread().unpark();
            let _ = t.join();
        }
    }
}

impl Drop for Display {
    fn drop(&mut self) {
        self.stop_thread();
    }
}

/// The render loop: waits for the threshold, then draws until stopped.
fn render(meter: &Meter, stop: &AtomicBool, style: Style, after: Duration) {
    let start = Instant::now();
    let mut err = std::io::stderr();
    let mut drawn = false;
    let mut last_line: Option<Instant> = None;
    loop {
        let stopping = stop.load(Ordering::Relaxed);
        let elapsed = start.elapsed();
        if let Some(line) = meter.line(elapsed).filter(|_| elapsed >= after) {
            match style {
                Style::Bar if !stopping => {
                    let _ = write!(err, "\r\x1b[K{line}");
                    let _ = err.flush();
                    drawn = true;
                }
                Style::Lines
                    if last_line.is_none_or(|t| t.elapsed() >= LINE_EVERY)
                        && !(stopping && last_line.is_some()) =>
                {
                    let _ = writeln!(err, "{line}");
                    last_line = Some(Instant::now());
                }
                _ => {}
            }
        }
        if stopping {
            break;
        }
        std::thread::park_timeout(match style {
            Style::Bar => BAR_EVERY,
            Style::Lines => BAR_EVERY.min(LINE_EVERY),
        });
    }
    if drawn {
        let _ = write!(err, "\r\x1b[K");
        let _ = err.flush();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_line_before_the_first_step_is_named() {
        // The display thread can draw before the verification names its first step (CI saw
        // "claw: verifying:  (0.0s)" with a zero threshold).
        let m = Meter::default();
        assert_eq!(m.line(Duration::ZERO), None);
        m.step("read", 10);
        m.advance(4);
        assert_eq!(
            m.line(Duration::from_millis(1500)).as_deref(),
            Some("claw: verifying: read 4/10 (40%, 1.5s)")
        );
        m.step("parse", 0);
        assert_eq!(
            m.line(Duration::ZERO).as_deref(),
            Some("claw: verifying: parse (0.0s)")
        );
    }
}
