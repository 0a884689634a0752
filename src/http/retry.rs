//! Sending again after a transient failure: a connection that failed or a 503. Used where
//! a repeat is safe and says nothing about the contract: setup and teardown, log-in and
//! discovery. The request under test is never repeated.
use std::future::Future;
use std::time::Duration;

use super::{HttpResponse, TransportError};

/// The first pause before a repeat; `next_pause` doubles it up to 2 s.
pub const FIRST_PAUSE: Duration = Duration::from_millis(100);
const MAX_PAUSE: Duration = Duration::from_secs(2);

pub fn next_pause(pause: Duration) -> Duration {
    (pause * 2).min(MAX_PAUSE)
}

/// A failure that a repeat may cure: the target was not reached, or said it is
/// temporarily unavailable.
pub fn is_transient(result: &Result<HttpResponse, TransportError>) -> bool {
    match result {
        Ok(resp) => resp.status == 503,
        Err(e) => matches!(
            e,
            TransportError::Connect(_) | TransportError::Dropped(_) | TransportError::Other(_)
        ),
    }
}

/// Runs `attempt` until it gives a non-transient outcome or `retries` repeats are spent,
/// pausing 100 ms, doubling up to 2 s, in between. `what` names the request in the log.
pub async fn with_retries<F, Fut>(
    retries: u32,
    what: &str,
    mut attempt: F,
) -> Result<HttpResponse, TransportError>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<HttpResponse, TransportError>>,
{
    let mut pause = FIRST_PAUSE;
    let mut done = 0;
    loop {
        let result = attempt().await;
        if done >= retries || !is_transient(&result) {
            return result;
        }
        done += 1;
        let why = match &result {
            Ok(resp) => format!("status {}", resp.status),
            Err(e) => e.to_string(),
        };
        tracing::info!(what, attempt = done, %why, "transient failure; retrying");
        tokio::time::sleep(pause).await;
        pause = next_pause(pause);
    }
}
