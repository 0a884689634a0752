//! The run's standard output goes through a pipe this process reads, and only this relay
//! writes to the real stdout. libtest-mimic's printer and `println!` panic when stdout
//! fails (`stackconform | head -n 1`, a full disk); a panic on the main thread would end
//! the run without teardown. With the relay they never see the failure: the relay stops
//! the run (no new case starts, running ones tear down, reports are written) and discards
//! what is printed afterwards.
use std::io::{Read, Write};
use std::os::fd::{AsFd, AsRawFd, OwnedFd};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

use crate::runner::{Progress, Stop};

pub struct Relay {
    /// The real stdout, put back on fd 1 at the end.
    original: OwnedFd,
    thread: JoinHandle<()>,
    /// Redraws the status line; told to stop (and erase it) by `done`.
    ticker: Option<JoinHandle<()>>,
    done: Arc<AtomicBool>,
}

// The one unsafe call of the harness: std has no dup2.
#[allow(unsafe_code)]
fn dup2(from: &impl AsFd, to: i32) -> std::io::Result<()> {
    // SAFETY: both descriptors are open; dup2 only replaces `to`, which stays owned by
    // std's `Stdout`, as it was.
    if unsafe { libc::dup2(from.as_fd().as_raw_fd(), to) } < 0 {
        return Err(std::io::Error::last_os_error());
    }
    Ok(())
}

/// What the relay has put on the real stdout: the line being written (not yet ended)
/// and whether the status line stands in its place.
struct Screen {
    real: std::fs::File,
    /// The terminal's width: a line at least this wide has wrapped, and a wrapped line
    /// cannot be cleared and put back in place, so the status line waits for its end.
    width: usize,
    /// The current line is longer than `partial` keeps: nothing is drawn until it ends.
    untracked: bool,
    /// The text after the last newline written: drawn over by the status line, and put
    /// back before more output.
    partial: Vec<u8>,
    status_drawn: bool,
    failed: bool,
}

/// Erase the current row and go back to its start.
const CLEAR: &[u8] = b"\r\x1b[2K";

impl Screen {
    fn new(real: std::fs::File, width: usize) -> Self {
        Self {
            real,
            width,
            untracked: false,
            partial: Vec::new(),
            status_drawn: false,
            failed: false,
        }
    }

    fn write(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        if self.status_drawn {
            self.real.write_all(CLEAR)?;
            self.real.write_all(&self.partial)?;
            self.status_drawn = false;
        }
        self.real.write_all(bytes)?;
        match bytes.iter().rposition(|b| *b == b'\n') {
            Some(i) => {
                self.partial.clear();
                self.partial.extend_from_slice(&bytes[i + 1..]);
                self.untracked = false;
            }
            None => self.partial.extend_from_slice(bytes),
        }
        // A line without an end this long is not libtest's; stop tracking it.
        if self.partial.len() > 4096 {
            self.partial.clear();
            self.untracked = true;
        }
        self.real.flush()
    }

    fn draw(&mut self, line: Option<String>) -> std::io::Result<()> {
        let wrapped =
            self.untracked || String::from_utf8_lossy(&self.partial).chars().count() >= self.width;
        match line {
            Some(line) if !wrapped => {
                self.real.write_all(CLEAR)?;
                self.real.write_all(line.as_bytes())?;
                self.status_drawn = true;
            }
            _ if self.status_drawn => {
                self.real.write_all(CLEAR)?;
                self.real.write_all(&self.partial)?;
                self.status_drawn = false;
            }
            _ => return Ok(()),
        }
        self.real.flush()
    }
}

/// The real stdout's width (a pipe has none: 100, for `--progress always`).
fn terminal_width(stdout: &impl AsFd) -> usize {
    terminal_size::terminal_size_of(stdout.as_fd())
        .map(|(w, _)| w.0 as usize)
        .filter(|w| *w > 20)
        .unwrap_or(100)
        - 1
}

/// Stops the run when writing to stdout failed, whichever thread found out.
fn output_failed(stop: &Stop, e: &std::io::Error) {
    if stop.request(format!("its standard output failed ({e})")) {
        // stderr may be gone too; nothing more can be done then.
        let _ = writeln!(
            std::io::stderr(),
            "stackconform: standard output failed ({e}); no new case starts, running cases finish and tear down, reports are written"
        );
    }
}

/// How often the status line is redrawn: its times move in tenths of a second.
const TICK: std::time::Duration = std::time::Duration::from_millis(250);

/// Puts the relay between the process and its stdout. Must be called before the run
/// prints anything, and before any thread that could print starts. With `progress`, the
/// relay keeps a live status line under the output (see `runner::Progress`).
pub fn install(stop: Arc<Stop>, progress: Option<Arc<Progress>>) -> std::io::Result<Relay> {
    std::io::stdout().flush()?;
    let original = std::io::stdout().as_fd().try_clone_to_owned()?;
    let width = terminal_width(&original);
    let real = std::fs::File::from(original.try_clone()?);
    let (mut reader, writer) = std::io::pipe()?;
    dup2(&writer, 1)?;
    drop(writer);
    let screen = Arc::new(Mutex::new(Screen::new(real, width)));
    let done = Arc::new(AtomicBool::new(false));
    let ticker = match progress {
        Some(progress) => {
            let (screen, done, stop) = (screen.clone(), done.clone(), stop.clone());
            Some(
                std::thread::Builder::new()
                    .name("status-line".into())
                    .spawn(move || {
                        while !done.load(Ordering::Relaxed) {
                            std::thread::sleep(TICK);
                            let mut s = screen.lock().unwrap_or_else(|e| e.into_inner());
                            if !s.failed {
                                if let Err(e) = s.draw(progress.line(width)) {
                                    s.failed = true;
                                    output_failed(&stop, &e);
                                }
                            }
                        }
                        let mut s = screen.lock().unwrap_or_else(|e| e.into_inner());
                        if !s.failed {
                            let _ = s.draw(None);
                        }
                    })?,
            )
        }
        None => None,
    };
    let relayed = screen.clone();
    let thread = std::thread::Builder::new()
        .name("stdout-relay".into())
        .spawn(move || {
            let mut buf = vec![0u8; 64 * 1024];
            loop {
                let n = match reader.read(&mut buf) {
                    Ok(0) => return,
                    Ok(n) => n,
                    Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                    Err(_) => return,
                };
                let mut screen = relayed.lock().unwrap_or_else(|e| e.into_inner());
                if screen.failed {
                    continue;
                }
                if let Err(e) = screen.write(&buf[..n]) {
                    screen.failed = true;
                    output_failed(&stop, &e);
                }
            }
        })?;
    Ok(Relay {
        original,
        thread,
        ticker,
        done,
    })
}

impl Relay {
    /// Puts the real stdout back and waits until everything printed so far was relayed.
    pub fn finish(self) {
        self.done.store(true, Ordering::Relaxed);
        if let Some(ticker) = self.ticker {
            let _ = ticker.join();
        }
        let _ = std::io::stdout().flush();
        // Replacing fd 1 closes the pipe's last write end, so the relay reads to its end.
        if dup2(&self.original, 1).is_ok() {
            let _ = self.thread.join();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn screen(width: usize) -> (Screen, std::path::PathBuf, tempfile::TempDir) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out");
        let real = std::fs::File::create(&path).unwrap();
        (Screen::new(real, width), path, dir)
    }

    /// The status line replaces the unfinished line and gives it back before more output.
    #[test]
    fn the_line_in_progress_is_put_back_after_the_status_line() {
        let (mut s, path, _dir) = screen(80);
        s.write(b"running 1 test\ntest a ... ").unwrap();
        s.draw(Some("[0/1 done] 1 running".into())).unwrap();
        s.write(b"ok\n").unwrap();
        let out = std::fs::read_to_string(&path).unwrap();
        assert_eq!(
            out,
            "running 1 test\ntest a ... \r\x1b[2K[0/1 done] 1 running\r\x1b[2Ktest a ... ok\n"
        );
    }

    /// A line as wide as the terminal has wrapped: clearing one row would leave the rest,
    /// so nothing is drawn until it ends.
    #[test]
    fn nothing_is_drawn_over_a_wrapped_line() {
        let (mut s, path, _dir) = screen(10);
        s.write(b"test a-very-long-name ... ").unwrap();
        s.draw(Some("[0/1 done]".into())).unwrap();
        assert_eq!(
            std::fs::read_to_string(&path).unwrap(),
            "test a-very-long-name ... "
        );
        s.write(b"ok\n").unwrap();
        s.draw(Some("[1/2 done]".into())).unwrap();
        assert!(std::fs::read_to_string(&path)
            .unwrap()
            .ends_with("ok\n\r\x1b[2K[1/2 done]"));
    }
}
