//! Runs the real binary with a hard time limit and measures its peak memory.
use std::io::Read;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use super::tree::Tree;

/// A run far past this is a hang: the child is killed and the test fails.
const HARD_LIMIT: Duration = Duration::from_secs(40);
/// How often the child's peak memory is read while it runs.
const SAMPLE_EVERY: Duration = Duration::from_millis(10);

#[derive(Debug)]
pub struct Run {
    /// `None` when a signal ended the process (a crash, or our kill).
    pub code: Option<i32>,
    /// stdout then stderr.
    pub output: String,
    pub elapsed: Duration,
    /// The highest VmHWM (peak resident memory) seen while the child ran.
    pub peak_rss_bytes: u64,
}

fn drain(pipe: Option<impl Read + Send + 'static>) -> JoinHandle<String> {
    std::thread::spawn(move || {
        let mut text = Vec::new();
        if let Some(mut pipe) = pipe {
            let _ = pipe.read_to_end(&mut text);
        }
        String::from_utf8_lossy(&text).into_owned()
    })
}

/// Runs `stackconform --cloud hostile` on the tree with `args` after it.
pub fn run(tree: &Tree, args: &[&str]) -> Run {
    let mut command = Command::new(env!("CARGO_BIN_EXE_stackconform"));
    command
        .current_dir(tree.root())
        .env("CI", "true") // insta writes nothing
        .env("OS_CLIENT_CONFIG_FILE", tree.clouds_yaml())
        .env_remove("OS_CLOUD")
        .env_remove("OS_CLIENT_SECURE_FILE")
        .args(["--cloud", "hostile"])
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let started = Instant::now();
    let mut child = command.spawn().expect("spawn stackconform");
    let stdout = drain(child.stdout.take());
    let stderr = drain(child.stderr.take());
    let (status, peak_rss_bytes, killed) = wait_sampling(&mut child, started);
    let elapsed = started.elapsed();
    let output = format!(
        "{}{}",
        stdout.join().expect("stdout"),
        stderr.join().expect("stderr")
    );
    assert!(
        !killed,
        "stackconform hung: killed after {elapsed:?}; it printed:\n{output}"
    );
    Run {
        code: status.code(),
        output,
        elapsed,
        peak_rss_bytes,
    }
}

/// The kernel's high-water mark of the process's resident memory. Not `ru_maxrss`
/// from `wait4`: Linux carries the spawning process's own peak into it across exec,
/// so it would measure this test binary, not stackconform.
fn vm_hwm_bytes(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}

/// Waits for the child, sampling its peak memory; kills it past `HARD_LIMIT`.
fn wait_sampling(child: &mut Child, started: Instant) -> (ExitStatus, u64, bool) {
    let mut peak = 0;
    let mut killed = false;
    loop {
        // Sample before reaping: VmHWM is monotonic, so the last sample is the peak up
        // to at most one interval before exit.
        if let Some(hwm) = vm_hwm_bytes(child.id()) {
            peak = peak.max(hwm);
        }
        if let Some(status) = child.try_wait().expect("try_wait") {
            return (status, peak, killed);
        }
        if !killed && started.elapsed() > HARD_LIMIT {
            let _ = child.kill();
            killed = true;
        }
        std::thread::sleep(SAMPLE_EVERY);
    }
}
