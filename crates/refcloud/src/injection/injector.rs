//! Deciding, request by request, whether a fault is injected. The n-th eligible request's fate depends
//! only on the seed and n, so the same seed and the same request order give the same faults.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;

use axum::http::Method;

use crate::injection::plan::{FaultKind, FaultPlan};

/// The log keeps the most recent faults only, so a long `serve` does not grow without bound.
const LOG_CAPACITY: usize = 65_536;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InjectedFault {
    /// Which eligible request (0-based) got it.
    pub index: u64,
    pub method: String,
    pub path: String,
    pub kind: FaultKind,
}

#[derive(Debug)]
pub struct Injector {
    plan: FaultPlan,
    eligible_seen: AtomicU64,
    log: Mutex<Vec<InjectedFault>>,
}

/// SplitMix64: tiny, well mixed, and stable across platforms and crate versions (no `rand` needed).
fn mix(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^ (x >> 31)
}

/// The fault of the `index`-th eligible request under `plan`, if any.
pub fn fault_at(plan: &FaultPlan, index: u64) -> Option<FaultKind> {
    let draw = mix(plan.seed ^ mix(index));
    let unit = (draw >> 11) as f64 / (1u64 << 53) as f64;
    if unit >= plan.rate || plan.kinds.is_empty() {
        return None;
    }
    let pick = mix(draw) % plan.kinds.len() as u64;
    plan.kinds.get(pick as usize).copied()
}

impl Injector {
    pub fn new(plan: FaultPlan) -> Self {
        Injector {
            plan,
            eligible_seen: AtomicU64::new(0),
            log: Mutex::new(Vec::new()),
        }
    }

    pub fn plan(&self) -> &FaultPlan {
        &self.plan
    }

    /// Called once per request, in arrival order.
    pub fn decide(&self, method: &Method, path: &str) -> Option<FaultKind> {
        if !self.plan.eligible(method, path) {
            return None;
        }
        let index = self.eligible_seen.fetch_add(1, Ordering::SeqCst);
        let kind = fault_at(&self.plan, index)?;
        let mut log = self.log.lock().unwrap_or_else(|e| e.into_inner());
        if log.len() == LOG_CAPACITY {
            log.remove(0);
        }
        log.push(InjectedFault {
            index,
            method: method.to_string(),
            path: path.to_string(),
            kind,
        });
        tracing::debug!(index, %method, path, %kind, "injecting a fault");
        Some(kind)
    }

    pub fn log(&self) -> Vec<InjectedFault> {
        self.log.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_faults_and_the_rate_roughly_holds() {
        let plan = FaultPlan::new(7, 0.2, FaultKind::ALL.to_vec());
        let a: Vec<_> = (0..1000).map(|i| fault_at(&plan, i)).collect();
        let b: Vec<_> = (0..1000).map(|i| fault_at(&plan, i)).collect();
        assert_eq!(a, b);
        let hits = a.iter().flatten().count();
        assert!(
            (150..250).contains(&hits),
            "{hits} faults in 1000 at rate 0.2"
        );
        for kind in FaultKind::ALL {
            assert!(a.contains(&Some(kind)), "{kind} never drawn");
        }
        let other = FaultPlan::new(8, 0.2, FaultKind::ALL.to_vec());
        let c: Vec<_> = (0..1000).map(|i| fault_at(&other, i)).collect();
        assert_ne!(a, c);
    }

    #[test]
    fn only_eligible_requests_count() {
        let mut plan = FaultPlan::new(3, 1.0, vec![FaultKind::Unavailable]);
        plan.methods = vec![Method::DELETE];
        let injector = Injector::new(plan);
        assert_eq!(injector.decide(&Method::GET, "/x"), None);
        assert_eq!(
            injector.decide(&Method::DELETE, "/x"),
            Some(FaultKind::Unavailable)
        );
        assert_eq!(injector.log()[0].index, 0);
    }

    #[test]
    fn rate_zero_never_faults() {
        let plan = FaultPlan::new(3, 0.0, FaultKind::ALL.to_vec());
        assert!((0..10_000).all(|i| fault_at(&plan, i).is_none()));
    }
}
