//! The run's job slots (`--test-threads`), handed out by rank rather than by arrival. A
//! case first waits for its quotas, then for a slot; with a first-come queue, a case whose
//! quota came free late (routers: 8 of them for 16 jobs) would queue behind every case
//! that never waited, and the quota's cases would end up running alone at the end
//! (measured: the run's last 9 s, 5 to 8 cases at once out of 16). Here a freed slot goes
//! to the best-ranked case waiting for one.
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use tokio::sync::oneshot;

pub struct Slots {
    state: Mutex<State>,
}

struct State {
    free: usize,
    /// By (rank, arrival): the first is served first.
    waiting: BTreeMap<(usize, u64), oneshot::Sender<Slot>>,
    arrivals: u64,
}

/// A job slot; dropping it hands it to the next case.
pub struct Slot {
    slots: Arc<Slots>,
    /// False for a slot that was never handed over: it gives nothing back.
    live: bool,
}

impl Drop for Slot {
    fn drop(&mut self) {
        if self.live {
            self.slots.release();
        }
    }
}

impl Slots {
    pub fn new(jobs: usize) -> Arc<Self> {
        Arc::new(Slots {
            state: Mutex::new(State {
                free: jobs,
                waiting: BTreeMap::new(),
                arrivals: 0,
            }),
        })
    }

    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// A slot, as soon as no better-ranked case (lower `rank`) is waiting for one.
    pub async fn acquire(self: &Arc<Self>, rank: usize) -> Option<Slot> {
        let rx = {
            let mut st = self.state();
            if st.free > 0 {
                st.free -= 1;
                return Some(Slot {
                    slots: self.clone(),
                    live: true,
                });
            }
            let (tx, rx) = oneshot::channel();
            st.arrivals += 1;
            let arrival = st.arrivals;
            st.waiting.insert((rank, arrival), tx);
            rx
        };
        // A waiter that goes away (its task ended) drops the slot sent to it, which
        // passes it on.
        rx.await.ok()
    }

    fn release(self: &Arc<Self>) {
        let mut st = self.state();
        while let Some((_, tx)) = st.waiting.pop_first() {
            let slot = Slot {
                slots: self.clone(),
                live: true,
            };
            match tx.send(slot) {
                Ok(()) => return,
                // Its waiter is gone: try the next, without this slot giving itself back.
                Err(mut slot) => slot.live = false,
            }
        }
        st.free += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A freed slot goes to the best rank waiting, whatever the order they came in.
    #[tokio::test]
    async fn a_freed_slot_goes_to_the_best_ranked_waiter() {
        let slots = Slots::new(1);
        let held = slots.acquire(5).await.unwrap();
        let order = Arc::new(Mutex::new(Vec::new()));
        let mut tasks = Vec::new();
        for rank in [9, 3, 7] {
            let (slots, order) = (slots.clone(), order.clone());
            tasks.push(tokio::spawn(async move {
                let _slot = slots.acquire(rank).await.unwrap();
                order.lock().unwrap().push(rank);
            }));
            tokio::task::yield_now().await;
        }
        // Let all three queue up.
        while slots.state().waiting.len() < 3 {
            tokio::task::yield_now().await;
        }
        drop(held);
        for t in tasks {
            t.await.unwrap();
        }
        assert_eq!(*order.lock().unwrap(), vec![3, 7, 9]);
        assert_eq!(slots.state().free, 1);
    }

    /// A waiter that went away does not take the slot with it.
    #[tokio::test]
    async fn a_slot_for_a_waiter_that_went_away_is_passed_on() {
        let slots = Slots::new(1);
        let held = slots.acquire(0).await.unwrap();
        let gone = {
            let slots = slots.clone();
            tokio::spawn(async move { slots.acquire(1).await.map(|_| ()) })
        };
        while slots.state().waiting.is_empty() {
            tokio::task::yield_now().await;
        }
        gone.abort();
        let _ = gone.await;
        // Its entry stays (ranked first) until a slot is handed to it.
        let next = {
            let slots = slots.clone();
            tokio::spawn(async move { slots.acquire(2).await.is_some() })
        };
        while slots.state().waiting.len() < 2 {
            tokio::task::yield_now().await;
        }
        drop(held);
        // A slot lost with the gone waiter would leave `next` waiting for ever.
        let got = tokio::time::timeout(std::time::Duration::from_secs(10), next).await;
        assert!(got
            .expect("the slot was lost with the gone waiter")
            .unwrap());
        assert_eq!(slots.state().free, 1);
        assert!(slots.state().waiting.is_empty());
    }
}
