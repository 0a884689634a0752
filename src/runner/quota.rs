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
    /// The most the run could ever hold: the limit less the shared fixtures' share. A case
    /// that needs more never runs; one that needs no more than this waits for room.
    ever: Option<u32>,
    permits: Option<Arc<Semaphore>>,
    in_flight: AtomicU32,
    peak: AtomicU32,
}

/// How many of a quota the run may hold at once.
#[derive(Debug, PartialEq, Eq)]
struct Room {
    /// What the limit leaves now: less what others use and what the shared fixtures take.
    now: u32,
    /// What it would leave if others freed theirs: a case needing more never runs.
    ever: u32,
    /// The gate's size. What others hold now (another job on a shared cloud, another run)
    /// may be freed, so the run takes at least its largest case's share (`most`) when the
    /// limit allows it, and a setup the target refuses over quota waits (--quota-wait)
    /// instead of the case failing as "room for 0" (seen in CI with two runs at once).
    room: u32,
}

impl Room {
    fn of(limit: i64, used: i64, shared: i64, most: u32) -> Room {
        let whole = |n: i64| u32::try_from(n.max(0)).unwrap_or(u32::MAX);
        let now = whole(limit - used - shared);
        let ever = whole(limit - shared);
        Room {
            now,
            ever,
            room: now.max(ever.min(most)),
        }
    }
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
        // The most one case takes of each quota.
        let mut most: BTreeMap<(String, String), u32> = BTreeMap::new();
        for case in cases {
            for (key, (n, q)) in needs(target, fixtures, case) {
                let m = most.entry(key.clone()).or_default();
                *m = (*m).max(n);
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
            let key = (project.clone(), resource.clone());
            let (room, ever) = match (given.get(&resource), &found) {
                (Some(room), _) => {
                    quotas
                        .notes
                        .push(format!("quota {label}: room {room} (--quota)"));
                    (Some(*room), Some(*room))
                }
                (None, Ok((limit, _))) if *limit < 0 => (None, None),
                (None, Ok((limit, used))) => {
                    let shared = set_aside.get(&key).map_or(0, |(n, _)| i64::from(*n));
                    let most = most.get(&key).copied().unwrap_or(1);
                    let Room { now, ever, room } = Room::of(*limit, *used, shared, most);
                    let aside = if shared > 0 {
                        format!(", {shared} set aside for shared fixtures")
                    } else {
                        String::new()
                    };
                    let then = if room > now {
                        format!(", which leaves {now}: the run still takes {room} at once and waits for others to free theirs (--quota-wait)")
                    } else {
                        format!(", so at most {room} at once")
                    };
                    quotas.notes.push(format!(
                        "quota {label}: limit {limit}, {used} in use before the run{aside}{then}"
                    ));
                    (Some(room), Some(ever))
                }
                (None, Err(why)) => {
                    quotas.notes.push(format!(
                        "quota {label} could not be read ({why}; {}): cases are not held back by it; give its room with --quota {resource}=N",
                        q.at
                    ));
                    (None, None)
                }
            };
            quotas.gates.insert(
                (project, resource),
                Gate {
                    label,
                    found: found.ok(),
                    room,
                    ever,
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
            let permit = match (&gate.permits, gate.ever) {
                (Some(permits), Some(ever)) => {
                    if n > ever {
                        return Err(format!(
                            "the case takes {n} of quota {} at once, and there is room for {ever}",
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

    /// How much scarcer than a job slot the quotas `case` takes are: a case that needs one
    /// of 8 routers, in a run of 16 jobs, competes for half as many places (2.0); 1.0 when
    /// nothing holds it back more than the jobs do. The run starts such cases earlier: a
    /// quota's cases left for the end would run 8 at a time while the other slots idle.
    pub fn scarcity(
        &self,
        target: &Target,
        fixtures: &BTreeMap<String, Fixture>,
        case: &Case,
        jobs: usize,
    ) -> f64 {
        needs(target, fixtures, case)
            .into_iter()
            .filter_map(|(key, (n, _))| {
                let room = self.gates.get(&key)?.room?;
                Some(jobs as f64 * f64::from(n) / f64::from(room.max(1)))
            })
            .fold(1.0, f64::max)
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

#[cfg(test)]
mod tests {
    use super::Room;

    #[test]
    fn what_others_hold_leaves_the_run_its_largest_share_and_the_limit_bounds_it() {
        // 10 routers, 2 for the shared ones, nobody else: 8 at once.
        assert_eq!(
            Room::of(10, 0, 2, 1),
            Room {
                now: 8,
                ever: 8,
                room: 8
            }
        );
        // Another run holds 9: the run still takes one at a time and waits for room.
        assert_eq!(
            Room::of(10, 9, 2, 1),
            Room {
                now: 0,
                ever: 8,
                room: 1
            }
        );
        // A case that takes 3 subnets, with 2 free now of a limit of 3: it may run.
        assert_eq!(
            Room::of(3, 1, 0, 3),
            Room {
                now: 2,
                ever: 3,
                room: 3
            }
        );
        // A limit that can never admit the largest case: the gate stays at what it leaves.
        assert_eq!(
            Room::of(2, 0, 0, 3),
            Room {
                now: 2,
                ever: 2,
                room: 2
            }
        );
        assert_eq!(
            Room::of(1, 5, 2, 1),
            Room {
                now: 0,
                ever: 0,
                room: 0
            }
        );
    }
}
