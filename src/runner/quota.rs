//! Admission by quota: no more cases at once than the projects' quotas admit.
//!
//! A fixture's `quota:` names what one use of it takes (a router, an instance) and how to
//! read the project's limit and use. Before the cases start, the run reads each quota the
//! selected cases take; the room left (limit minus use) becomes a semaphore. A case takes
//! its permits, in one global order so that no two cases wait on each other, before it
//! takes a job slot, and gives them back when its teardown is done. Where a quota cannot be
//! read, `--quota` gives the room; without it the quota holds nothing back, and the run
//! says so.
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;
use std::time::Duration;

use serde_json::Value;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use crate::case::{Case, Fixture, Method, QuotaPlan};
use crate::report::QuotaReport;
use crate::sweep::call::{call, Call};
use crate::target::Target;
use crate::template::{Scope, Splice};

/// One quota of one project, as the run found it.
struct Gate {
    /// `router of project 6f70…`, for messages.
    label: String,
    /// Limit and use before the run, when the quota API said.
    found: Option<(i64, i64)>,
    /// How many the cases may hold at once; `None` holds nothing back (unlimited, or not
    /// readable and not given).
    room: Option<u32>,
    permits: Option<Arc<Semaphore>>,
    in_flight: AtomicU32,
    peak: AtomicU32,
}

/// The quotas the selected cases take, by (project, resource).
#[derive(Default)]
pub struct Quotas {
    gates: BTreeMap<(String, String), Gate>,
    /// What the run could not read, and what it found: said after the summary.
    notes: Vec<String>,
}

/// The permits a running case holds; dropping it gives them back.
pub struct Admission {
    _held: Vec<(GateRef, Option<OwnedSemaphorePermit>)>,
}

type Needs<'c> = BTreeMap<(String, String), (u32, &'c QuotaPlan)>;

/// Adds what one use of `fixture` takes to `out`.
fn take<'c>(target: &Target, fixture: &'c Fixture, out: &mut Needs<'c>) {
    for q in fixture.quota.iter() {
        let project = target
            .identities
            .get(&q.identity)
            .and_then(|i| i.project_id.clone());
        if let Some(project) = project {
            out.entry((project, q.resource.clone())).or_insert((0, q)).0 += 1;
        }
    }
}

/// What the shared instances the cases use take, once each: set aside before the room
/// is shared out among the cases.
fn shared_needs<'c>(
    target: &Target,
    fixtures: &'c BTreeMap<String, Fixture>,
    cases: &[&Case],
) -> Needs<'c> {
    let mut instances = std::collections::BTreeSet::new();
    let mut out = Needs::new();
    for case in cases {
        for used in &case.plan.fixtures {
            let Some(fixture) = fixtures.get(&used.fixture) else {
                continue;
            };
            // The instance as the runner keys it: per operation for `share: operation`.
            if let Some(key) = super::shared::key(case, used, fixture) {
                if instances.insert(key) {
                    take(target, fixture, &mut out);
                }
            }
        }
    }
    out
}

/// What a case takes of each (project, resource), and how to read that quota. A shared
/// instance is set up once, whoever its users are: not held per case.
fn needs<'c>(target: &Target, fixtures: &'c BTreeMap<String, Fixture>, case: &Case) -> Needs<'c> {
    let mut out = Needs::new();
    for used in &case.plan.fixtures {
        if let Some(fixture) = fixtures.get(&used.fixture).filter(|f| f.share.is_none()) {
            take(target, fixture, &mut out);
        }
    }
    out
}

/// Limit and use, or why they could not be read.
async fn read(
    target: &Target,
    project: &str,
    q: &QuotaPlan,
    t: Duration,
) -> Result<(i64, i64), String> {
    let mut scope = Scope::new();
    scope.set("project_id", Value::String(project.to_string()));
    let path = q
        .read
        .path
        .render(&scope, Splice::Plain)
        .map_err(|e| e.to_string())?;
    let headers = q.read.microversion_headers();
    let c = Call {
        role: q.identity,
        service: q.read.service.clone(),
        method: Method::Get,
        path: &path,
        headers: &headers,
        body: None,
    };
    let answer = call(target, &c, t).await.map_err(|e| e.to_string())?;
    if answer.status != 200 {
        return Err(format!("GET {path} answered {}", answer.status));
    }
    let number = |pointer: &str| {
        answer
            .body
            .pointer(pointer)
            .and_then(Value::as_i64)
            .ok_or_else(|| format!("GET {path}: no integer at {pointer}"))
    };
    Ok((number(&q.limit)?, number(&q.used)?))
}

impl Quotas {
    /// Reads every quota the cases take. `given` is `--quota`: the room of a resource
    /// whose quota cannot be read.
    pub async fn read(
        target: &Target,
        fixtures: &BTreeMap<String, Fixture>,
        cases: &[&Case],
        given: &BTreeMap<String, u32>,
        t: Duration,
    ) -> Quotas {
        let mut wanted: BTreeMap<(String, String), &QuotaPlan> = BTreeMap::new();
        for case in cases {
            for (key, (_, q)) in needs(target, fixtures, case) {
                wanted.entry(key).or_insert(q);
            }
        }
        let set_aside = shared_needs(target, fixtures, cases);
        for (key, (_, q)) in &set_aside {
            wanted.entry(key.clone()).or_insert(q);
        }
        let mut quotas = Quotas::default();
        for ((project, resource), q) in wanted {
            let short = &project[..project.len().min(8)];
            let label = format!("{resource} of project {short}…");
            let found = read(target, &project, q, t).await;
            let room = match (given.get(&resource), &found) {
                (Some(room), _) => {
                    quotas
                        .notes
                        .push(format!("quota {label}: room {room} (--quota)"));
                    Some(*room)
                }
                (None, Ok((limit, _))) if *limit < 0 => None,
                (None, Ok((limit, used))) => {
                    let shared = set_aside
                        .get(&(project.clone(), resource.clone()))
                        .map_or(0, |(n, _)| i64::from(*n));
                    let room = u32::try_from((limit - used - shared).max(0)).unwrap_or(u32::MAX);
                    let aside = if shared > 0 {
                        format!(", {shared} set aside for shared fixtures")
                    } else {
                        String::new()
                    };
                    quotas.notes.push(format!(
                        "quota {label}: limit {limit}, {used} in use before the run{aside}, so at most {room} at once"
                    ));
                    Some(room)
                }
                (None, Err(why)) => {
                    quotas.notes.push(format!(
                        "quota {label} could not be read ({why}; {}): cases are not held back by it; give its room with --quota {resource}=N",
                        q.at
                    ));
                    None
                }
            };
            quotas.gates.insert(
                (project, resource),
                Gate {
                    label,
                    found: found.ok(),
                    room,
                    permits: room.map(|r| Arc::new(Semaphore::new(r as usize))),
                    in_flight: AtomicU32::new(0),
                    peak: AtomicU32::new(0),
                },
            );
        }
        quotas
    }

    /// Waits until the quotas admit `case`; an error when one never can.
    pub async fn admit(
        self: &Arc<Self>,
        target: &Target,
        fixtures: &BTreeMap<String, Fixture>,
        case: &Case,
    ) -> Result<Admission, String> {
        let mut held = Vec::new();
        // BTreeMap order is the one global order in which every case takes its permits.
        for (key, (n, _)) in needs(target, fixtures, case) {
            let Some(gate) = self.gates.get(&key) else {
                continue;
            };
            let permit = match (&gate.permits, gate.room) {
                (Some(permits), Some(room)) => {
                    if n > room {
                        return Err(format!(
                            "the case takes {n} of quota {} at once, and there is room for {room}",
                            gate.label
                        ));
                    }
                    let permit = permits
                        .clone()
                        .acquire_many_owned(n)
                        .await
                        .map_err(|_| "the run is shutting down".to_string())?;
                    Some(permit)
                }
                _ => None,
            };
            let now = gate.in_flight.fetch_add(n, Ordering::SeqCst) + n;
            gate.peak.fetch_max(now, Ordering::SeqCst);
            let back = GateRef {
                quotas: self.clone(),
                key,
                n,
            };
            held.push((back, permit));
        }
        Ok(Admission { _held: held })
    }

    /// What the run found, and the most each quota had in flight.
    pub fn summary(&self) -> Vec<String> {
        let mut out = self.notes.clone();
        for gate in self.gates.values() {
            let room = gate
                .room
                .map_or_else(|| "not held back".to_string(), |r| format!("room {r}"));
            out.push(format!(
                "quota {}: at most {} in flight ({room})",
                gate.label,
                gate.peak.load(Ordering::SeqCst),
            ));
        }
        out
    }

    /// Each quota the run read, for the JSON report.
    pub fn report(&self) -> Vec<QuotaReport> {
        self.gates
            .iter()
            .map(|((project, resource), gate)| QuotaReport {
                project_id: project.clone(),
                resource: resource.clone(),
                limit: gate.found.map(|(l, _)| l),
                used_before: gate.found.map(|(_, u)| u),
                room: gate.room,
                peak: gate.peak.load(Ordering::SeqCst),
            })
            .collect()
    }
}

/// Gives `n` back to a gate's in-flight count when the case ends.
struct GateRef {
    quotas: Arc<Quotas>,
    key: (String, String),
    n: u32,
}

impl Drop for GateRef {
    fn drop(&mut self) {
        if let Some(gate) = self.quotas.gates.get(&self.key) {
            gate.in_flight.fetch_sub(self.n, Ordering::SeqCst);
        }
    }
}
