//! The catalogue's critical path under a latency profile: the longest chain of requests
//! that must happen one after another (a case's setups, its request, its checks, its
//! teardown, and the shared fixtures it waits for), each taking the profile's answer time,
//! and a poll the time the work it waits for takes. No run can be faster than this chain;
//! the bench sets a run's wall time against it (docs/performance.md).
use std::collections::BTreeMap;
use std::time::Duration;

use refcloud::{Op, Timings};

use crate::case::{Case, Catalogue, Method, Service, StepPlan};

/// One case's chain, step by step.
#[derive(Debug, Clone)]
pub struct Chain {
    pub trial: String,
    pub total: Duration,
    pub steps: Vec<(String, Duration)>,
}

fn service(s: &Service) -> refcloud::Service {
    match s.as_str() {
        "compute" => refcloud::Service::Compute,
        "network" => refcloud::Service::Network,
        "identity" => refcloud::Service::Identity,
        _ => refcloud::Service::Other,
    }
}

/// What a step's request is, for the profile.
fn op(step: &StepPlan) -> (Option<Op>, String, Method) {
    let r = &step.request;
    let path = r.path.shape();
    (
        refcloud::classify(service(&r.service), r.method.as_str(), &path),
        path,
        r.method,
    )
}

/// How long the work a request starts goes on after its answer (what a poll after it
/// waits for).
fn work_after(timings: &Timings, step: &StepPlan) -> Duration {
    let (op, path, m) = op(step);
    match op {
        Some(Op::NovaBoot) => timings.server_build.time,
        Some(Op::NovaDelete) => timings.server_delete.time,
        Some(Op::NovaWrite) if m == Method::Delete && path.contains("/os-interface/") => {
            timings.detach.time
        }
        Some(Op::NovaWrite) if path.ends_with("/action") => timings.action.time,
        Some(Op::NeutronAddInterface) => timings.router_port_up.time,
        _ => Duration::ZERO,
    }
}

struct Walk<'t> {
    timings: &'t Timings,
    steps: Vec<(String, Duration)>,
    last: Option<&'t StepPlan>,
}

impl<'t> Walk<'t> {
    fn step(&mut self, title: String, step: &'t StepPlan) {
        let (op, ..) = op(step);
        let answer = op.map_or(Duration::ZERO, |op| self.timings.time_of(op));
        // A poll is ready once the work the previous request started is done.
        let wait = match (&step.poll, self.last) {
            (Some(_), Some(prev)) => work_after(self.timings, prev),
            _ => Duration::ZERO,
        };
        self.steps.push((title, wait + answer));
        self.last = Some(step);
    }
}

/// The chain of one case; `shared_teardowns` are the shared fixtures' teardown chains,
/// which follow their last user.
pub fn chain(catalogue: &Catalogue, case: &Case, timings: &Timings) -> Chain {
    let login = timings.time_of(Op::KeystoneToken);
    let mut walk = Walk {
        timings,
        steps: vec![("log in".to_string(), login)],
        last: None,
    };
    let plan = &case.plan;
    let mut own = Vec::new();
    let mut shared_tail = Duration::ZERO;
    for used in &plan.fixtures {
        let Some(fixture) = catalogue.fixtures.get(&used.fixture) else {
            continue;
        };
        for (i, s) in fixture.setup.iter().enumerate() {
            walk.step(format!("{} setup {}", used.alias, i + 1), s);
        }
        if fixture.share.is_some() {
            let mut tail = Walk {
                timings,
                steps: Vec::new(),
                last: None,
            };
            for (i, s) in fixture.teardown.iter().enumerate() {
                tail.step(format!("{} teardown {}", used.alias, i + 1), s);
            }
            shared_tail = shared_tail.max(tail.steps.iter().map(|(_, d)| *d).sum());
        } else {
            own.push((used.alias.clone(), fixture));
        }
    }
    walk.step("request under test".to_string(), &plan.under_test);
    for (i, s) in plan.then.iter().enumerate() {
        walk.step(format!("then {}", i + 1), s);
    }
    if let Some(cleanup) = &plan.cleanup {
        for (i, s) in cleanup.teardown.iter().enumerate() {
            walk.step(format!("cleanup {}", i + 1), s);
        }
    }
    for (alias, fixture) in own.iter().rev() {
        for (i, s) in fixture.teardown.iter().enumerate() {
            walk.step(format!("{alias} teardown {}", i + 1), s);
        }
    }
    if !shared_tail.is_zero() {
        walk.steps
            .push(("shared fixtures' teardown".to_string(), shared_tail));
    }
    Chain {
        trial: case.trial_name.clone(),
        total: walk.steps.iter().map(|(_, d)| *d).sum(),
        steps: walk.steps,
    }
}

/// The longest chain among `cases`, and every case's total.
pub fn critical_path<'c>(
    catalogue: &Catalogue,
    cases: impl Iterator<Item = &'c Case>,
    timings: &Timings,
) -> (Option<Chain>, BTreeMap<String, Duration>) {
    let mut longest: Option<Chain> = None;
    let mut totals = BTreeMap::new();
    for case in cases {
        let c = chain(catalogue, case, timings);
        totals.insert(c.trial.clone(), c.total);
        if longest.as_ref().is_none_or(|l| c.total > l.total) {
            longest = Some(c);
        }
    }
    (longest, totals)
}
