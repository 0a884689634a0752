//! SIGINT and SIGTERM during a run: the first lets running cases finish and tear down,
//! starts no new case, and the run reports and exits; a second stops at once.
use std::sync::atomic::Ordering;
use std::sync::Arc;

use crate::runner::RunContext;

/// 128 + SIGINT, as shells report an interrupted command.
pub const EXIT_INTERRUPTED: i32 = 130;

async fn next_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        match (
            signal(SignalKind::interrupt()),
            signal(SignalKind::terminate()),
        ) {
            (Ok(mut int), Ok(mut term)) => {
                tokio::select! {
                    _ = int.recv() => {}
                    _ = term.recv() => {}
                }
            }
            _ => std::future::pending::<()>().await,
        }
    }
    #[cfg(not(unix))]
    let _ = tokio::signal::ctrl_c().await;
}

pub async fn stop_on_signal(ctx: Arc<RunContext>) {
    next_signal().await;
    ctx.stop.store(true, Ordering::SeqCst);
    eprintln!(
        "stackconform: interrupted; no new case starts, running cases finish and tear down (signal again to stop at once and leave the ledger {})",
        ctx.ledger_hint()
    );
    next_signal().await;
    eprintln!("stackconform: stopped at once; sweep leftovers with `stackconform sweep`");
    std::process::exit(EXIT_INTERRUPTED);
}
