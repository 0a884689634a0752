//! The catalogue's critical path under a latency profile: the longest chain of requests
//! that must happen one after another (a case's setups, its request, its checks, its
//! teardown, and the shared fixtures it waits for), each taking the profile's answer time,
//! and a poll the time the work it waits for takes. No run can be faster than this chain;
//! the bench sets a run's wall time against it (docs/performance.md). The other bound is
//! the work: N cases at once need about all the cases' work, each shared fixture's setup
//! and teardown counted once, divided by N.
use std::collections::BTreeMap;
use std::time::Duration;

use refcloud::{Op, Timings};

use crate::case::{Case, Catalogue, Method, Service, StepPlan};
use crate::runner::shared_instance_key;

/// One case's chain, step by step.
#[derive(Debug, Clone)]
pub struct Chain {
    pub trial: String,
    pub total: Duration,
    pub steps: Vec<(String, Duration)>,
    /// The part of `total` the case does itself: without the shared fixtures' setup and
    /// teardown, which one user does for all of them.
    pub own: Duration,
    /// Each shared fixture instance it uses: its key, setup and teardown time.
    pub shared: Vec<(String, Duration, Duration)>,
}

/// The catalogue under a profile.
#[derive(Debug, Clone)]
pub struct CriticalPath {
    /// The longest chain, `None` for no cases.
    pub longest: Option<Chain>,
    /// Every case's chain length, by trial name.
    pub totals: BTreeMap<String, Duration>,
    /// The cases' own work plus each shared fixture instance's setup and teardown once:
    /// a run of N cases at once needs about `work / N`.
    pub work: Duration,
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
    let mut shared = Vec::new();
    for used in &plan.fixtures {
        let Some(fixture) = catalogue.fixtures.get(&used.fixture) else {
            continue;
        };
        let before = walk.steps.len();
        for (i, s) in fixture.setup.iter().enumerate() {
            walk.step(format!("{} setup {}", used.alias, i + 1), s);
        }
        if let Some(key) = shared_instance_key(case, used, fixture) {
            let setup: Duration = walk.steps[before..].iter().map(|(_, d)| *d).sum();
            let mut tail = Walk {
                timings,
                steps: Vec::new(),
                last: None,
            };
            for (i, s) in fixture.teardown.iter().enumerate() {
                tail.step(format!("{} teardown {}", used.alias, i + 1), s);
            }
            let teardown: Duration = tail.steps.iter().map(|(_, d)| *d).sum();
            shared.push((key, setup, teardown));
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
    let shared_tail = longest_teardown(&shared);
    if !shared_tail.is_zero() {
        walk.steps
            .push(("shared fixtures' teardown".to_string(), shared_tail));
    }
    let total: Duration = walk.steps.iter().map(|(_, d)| *d).sum();
    let shared_setups: Duration = shared.iter().map(|(_, s, _)| *s).sum();
    Chain {
        trial: case.trial_name.clone(),
        // The chain holds every shared setup and the longest shared teardown.
        own: total.saturating_sub(shared_setups + shared_tail),
        total,
        steps: walk.steps,
        shared,
    }
}

/// The shared fixtures' teardowns follow the last user of each, side by side: the longest
/// of them is what a case's chain waits for.
fn longest_teardown(shared: &[(String, Duration, Duration)]) -> Duration {
    shared.iter().map(|(.., t)| *t).max().unwrap_or_default()
}

/// The longest chain among `cases`, every case's total, and the work of them all.
pub fn critical_path<'c>(
    catalogue: &Catalogue,
    cases: impl Iterator<Item = &'c Case>,
    timings: &Timings,
) -> CriticalPath {
    let mut longest: Option<Chain> = None;
    let mut totals = BTreeMap::new();
    let mut own = Duration::ZERO;
    let mut instances = BTreeMap::new();
    for case in cases {
        let c = chain(catalogue, case, timings);
        totals.insert(c.trial.clone(), c.total);
        own += c.own;
        instances.extend(c.shared.iter().map(|(k, s, t)| (k.clone(), *s + *t)));
        if longest.as_ref().is_none_or(|l| c.total > l.total) {
            longest = Some(c);
        }
    }
    CriticalPath {
        longest,
        totals,
        work: own + instances.values().sum::<Duration>(),
    }
}

/// What a run orders its cases by, longest first (`runner::trials`): a case's own chain,
/// the setup of each shared fixture instance it is the first to need (taking the cases
/// longest chain first), and its shared fixtures' teardown, which it may be last to need.
/// The other users of an instance wait for its setup; ranked by their whole chain, they
/// would all start at once and hold job slots while one boot went on (measured: 16 cases
/// at once took 1.57 times the critical path, with work for 1.11).
pub fn start_costs<'c>(
    catalogue: &Catalogue,
    cases: impl Iterator<Item = &'c Case>,
    timings: &Timings,
) -> Vec<Duration> {
    let chains: Vec<Chain> = cases.map(|c| chain(catalogue, c, timings)).collect();
    let mut by_total: Vec<usize> = (0..chains.len()).collect();
    by_total.sort_by(|&a, &b| chains[b].total.cmp(&chains[a].total).then(a.cmp(&b)));
    let mut claimed = std::collections::BTreeSet::new();
    let mut costs = vec![Duration::ZERO; chains.len()];
    for i in by_total {
        let c = &chains[i];
        costs[i] = c.own
            + longest_teardown(&c.shared)
            + c.shared
                .iter()
                .filter(|(key, ..)| claimed.insert(key.clone()))
                .map(|(_, s, _)| *s)
                .sum::<Duration>();
    }
    costs
}
