//! What a run is doing right now, for the live status line on a terminal
//! (`commands/output.rs` draws it): libtest prints outcomes in catalogue order, so a slow
//! first case would otherwise leave the screen silent while everything else runs.
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

#[derive(Default)]
pub struct Progress {
    total: AtomicUsize,
    done: AtomicUsize,
    failed: AtomicUsize,
    /// Cases holding a job slot, with when they got it.
    running: Mutex<HashMap<String, Instant>>,
    /// Set while cases run: there is nothing to show before or after.
    active: AtomicBool,
}

impl Progress {
    pub fn begin(&self, total: usize) {
        self.total.store(total, Ordering::Relaxed);
        self.active.store(true, Ordering::Relaxed);
    }

    pub fn end(&self) {
        self.active.store(false, Ordering::Relaxed);
    }

    pub fn started(&self, trial: &str) {
        self.lock().insert(trial.to_string(), Instant::now());
    }

    pub fn finished(&self, trial: &str, failed: bool) {
        self.lock().remove(trial);
        self.done.fetch_add(1, Ordering::Relaxed);
        if failed {
            self.failed.fetch_add(1, Ordering::Relaxed);
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Instant>> {
        self.running.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The status line, at most `width` characters; `None` when no case is running.
    pub fn line(&self, width: usize) -> Option<String> {
        if !self.active.load(Ordering::Relaxed) {
            return None;
        }
        let now = Instant::now();
        let mut running: Vec<(Duration, String)> = self
            .lock()
            .iter()
            .map(|(t, at)| (now.duration_since(*at), t.clone()))
            .collect();
        let total = self.total.load(Ordering::Relaxed);
        let done = self.done.load(Ordering::Relaxed);
        if done >= total {
            return None;
        }
        running.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1.cmp(&b.1)));
        let failed = self.failed.load(Ordering::Relaxed);
        let mut line = format!("[{done}/{total} done");
        if failed > 0 {
            line.push_str(&format!(", {failed} failed"));
        }
        line.push_str(&format!("] {} running", running.len()));
        for (i, (elapsed, trial)) in running.iter().enumerate() {
            let item = format!(
                "{}{trial} {:.1}s",
                if i == 0 { ": " } else { ", " },
                elapsed.as_secs_f64()
            );
            if line.chars().count() + item.chars().count() > width {
                let more = format!(", +{}", running.len() - i);
                if line.chars().count() + more.chars().count() <= width {
                    line.push_str(&more);
                }
                break;
            }
            line.push_str(&item);
        }
        Some(line.chars().take(width).collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_line_names_the_longest_running_case_first_and_fits_the_width() {
        let p = Progress::default();
        assert_eq!(p.line(80), None, "nothing before the run");
        p.begin(3);
        p.started("network.x::slow");
        std::thread::sleep(Duration::from_millis(20));
        p.started("network.x::fast");
        p.started("network.x::third");
        p.finished("network.x::third", true);
        let line = p.line(200).unwrap();
        assert!(
            line.starts_with("[1/3 done, 1 failed] 2 running: network.x::slow "),
            "{line}"
        );
        assert!(
            line.find("slow").unwrap() < line.find("fast").unwrap(),
            "{line}"
        );
        let short = p.line(40).unwrap();
        assert!(short.chars().count() <= 40, "{short}");
        assert!(short.contains("+"), "{short}");
        p.end();
        assert_eq!(p.line(80), None, "nothing after the run");
    }
}
