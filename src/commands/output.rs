//! The run's standard output goes through a pipe this process reads, and only this relay
//! writes to the real stdout. libtest-mimic's printer and `println!` panic when stdout
//! fails (`stackconform | head -n 1`, a full disk); a panic on the main thread would end
//! the run without teardown. With the relay they never see the failure: the relay stops
//! the run (no new case starts, running ones tear down, reports are written) and discards
//! what is printed afterwards.
use std::io::{Read, Write};
use std::os::fd::{AsFd, AsRawFd, OwnedFd};
use std::sync::Arc;
use std::thread::JoinHandle;

use crate::runner::Stop;

pub struct Relay {
    /// The real stdout, put back on fd 1 at the end.
    original: OwnedFd,
    thread: JoinHandle<()>,
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

/// Puts the relay between the process and its stdout. Must be called before the run
/// prints anything, and before any thread that could print starts.
pub fn install(stop: Arc<Stop>) -> std::io::Result<Relay> {
    std::io::stdout().flush()?;
    let original = std::io::stdout().as_fd().try_clone_to_owned()?;
    let mut real = std::fs::File::from(original.try_clone()?);
    let (mut reader, writer) = std::io::pipe()?;
    dup2(&writer, 1)?;
    drop(writer);
    let thread = std::thread::Builder::new()
        .name("stdout-relay".into())
        .spawn(move || {
            let mut buf = vec![0u8; 64 * 1024];
            let mut failed = false;
            loop {
                let n = match reader.read(&mut buf) {
                    Ok(0) => return,
                    Ok(n) => n,
                    Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                    Err(_) => return,
                };
                if failed {
                    continue;
                }
                if let Err(e) = real.write_all(&buf[..n]).and_then(|()| real.flush()) {
                    failed = true;
                    if stop.request(format!("its standard output failed ({e})")) {
                        // stderr may be gone too; nothing more can be done then.
                        let _ = writeln!(
                            std::io::stderr(),
                            "stackconform: standard output failed ({e}); no new case starts, running cases finish and tear down, reports are written"
                        );
                    }
                }
            }
        })?;
    Ok(Relay { original, thread })
}

impl Relay {
    /// Puts the real stdout back and waits until everything printed so far was relayed.
    pub fn finish(self) {
        let _ = std::io::stdout().flush();
        // Replacing fd 1 closes the pipe's last write end, so the relay reads to its end.
        if dup2(&self.original, 1).is_ok() {
            let _ = self.thread.join();
        }
    }
}
