//! SIGINT and SIGTERM. During a run, the first lets running cases finish and tear down,
//! starts no new case, and the run reports and exits; a second stops at once. `serve` stops
//! on the first.
use std::sync::Arc;

use crate::runner::Stop;

pub use crate::error::EXIT_INTERRUPTED;

/// The handlers, installed when this is made: a signal that arrives before anyone waits
/// is kept, not lost to the default action (which would kill the process).
pub struct Signals {
    #[cfg(unix)]
    streams: Option<(tokio::signal::unix::Signal, tokio::signal::unix::Signal)>,
}

impl Signals {
    /// Must run inside the tokio runtime.
    pub fn install() -> Signals {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{signal, SignalKind};
            let streams = match (
                signal(SignalKind::interrupt()),
                signal(SignalKind::terminate()),
            ) {
                (Ok(int), Ok(term)) => Some((int, term)),
                _ => None,
            };
            Signals { streams }
        }
        #[cfg(not(unix))]
        Signals {}
    }

    /// Waits for the next signal and names it.
    pub async fn next(&mut self) -> &'static str {
        #[cfg(unix)]
        match &mut self.streams {
            Some((int, term)) => {
                tokio::select! {
                    _ = int.recv() => "SIGINT",
                    _ = term.recv() => "SIGTERM",
                }
            }
            None => std::future::pending().await,
        }
        #[cfg(not(unix))]
        {
            let _ = tokio::signal::ctrl_c().await;
            "Ctrl-C"
        }
    }
}

/// Holds only the flag, not the run, so the run can be torn down while this waits.
pub async fn stop_on_signal(mut signals: Signals, stop: Arc<Stop>, ledger_hint: String) {
    let signal = signals.next().await;
    stop.request(signal);
    eprintln!(
        "stackconform: interrupted; no new case starts, running cases finish and tear down (signal again to stop at once and leave the ledger {ledger_hint})"
    );
    signals.next().await;
    eprintln!("stackconform: stopped at once; sweep leftovers with `stackconform sweep`");
    std::process::exit(EXIT_INTERRUPTED);
}
