//! Shared application state: configuration, the locked cloud state, id generation and the shutdown signal.

use std::future::Future;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use tokio::sync::watch;

use crate::behaviour::Behaviour;
use crate::config::CloudConfig;
use crate::identities::SeededIdentity;
use crate::ids::Ids;
use crate::injection::Injector;
use crate::journal::Journal;
use crate::mutants::Mutant;
use crate::state::State;

pub struct App {
    pub config: CloudConfig,
    /// `http://127.0.0.1:PORT`, used in links, the catalog and `WWW-Authenticate`.
    pub base_url: String,
    pub ids: Ids,
    pub behaviour: Behaviour,
    /// The fault plan's running state, when faults are injected.
    pub faults: Option<Injector>,
    pub identities: Vec<SeededIdentity>,
    pub journal: Journal,
    /// The profile's answer times (`config.profile`), computed once.
    pub timings: crate::profile::Timings,
    state: Mutex<State>,
    shutdown: watch::Sender<bool>,
}

impl App {
    pub fn new(
        config: CloudConfig,
        base_url: String,
        ids: Ids,
        identities: Vec<SeededIdentity>,
        state: State,
    ) -> Self {
        App {
            base_url,
            ids,
            behaviour: Behaviour::new(config.mutant),
            faults: config.faults.clone().map(Injector::new),
            identities,
            journal: Journal::default(),
            timings: config.profile.timings(),
            state: Mutex::new(state),
            shutdown: watch::channel(false).0,
            config,
        }
    }

    /// Whether the cloud runs with this deliberate deviation (see `mutants`).
    pub fn mutant(&self, mutant: Mutant) -> bool {
        self.behaviour.is(mutant)
    }

    /// The one lock around the whole state. Never hold it across an `.await`. A handler that panicked while
    /// holding it cannot have left a half-applied change behind in practice (handlers validate before they
    /// mutate), so a poisoned lock is taken over rather than failing every later request.
    pub fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub fn signal_shutdown(&self) {
        self.shutdown.send_replace(true);
    }

    /// Resolves once shutdown has been signalled.
    pub fn shutdown_signal(&self) -> impl Future<Output = ()> + Send + 'static {
        let mut rx = self.shutdown.subscribe();
        async move {
            let _ = rx.wait_for(|stopped| *stopped).await;
        }
    }

    /// Runs `work` on the state after `delay`, unless the cloud shuts down first. This is how the cloud
    /// completes asynchronous operations (builds, detaches, suspends) after it has answered.
    pub fn after<F>(self: &Arc<Self>, delay: Duration, work: F)
    where
        F: FnOnce(&mut State) + Send + 'static,
    {
        let app = Arc::clone(self);
        let stop = self.shutdown_signal();
        if tokio::runtime::Handle::try_current().is_err() {
            return;
        }
        tokio::spawn(async move {
            tokio::select! {
                _ = tokio::time::sleep(delay) => {
                    let mut state = app.lock();
                    work(&mut state);
                }
                _ = stop => {}
            }
        });
    }
}
