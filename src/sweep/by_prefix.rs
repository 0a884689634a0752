//! Finding leftovers by their name prefix, for runs whose ledger is lost.
//!
//! What to look for is data: every fixture with a `sweep:` says where its resources are
//! listed, which listed items are leftovers (a name with the prefix, or a link to another
//! leftover), and which variables its teardown takes from an item; that teardown then
//! removes it. Only items of the projects of the identities given are touched, each as the
//! identity of its own project.
//!
//! No order is written down: a removal the target refuses for now (a network that still
//! has ports, a locked server) is tried again after the others, round after round, until
//! a round removes nothing more.
use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use serde_json::Value;

use super::call::{call, Call};
use super::from_ledger::{undo, Undo};
use super::{Outcome, SweepError};
use crate::case::{Fixture, Method, Role, Select};
use crate::check::check_body;
use crate::ledger::Removal;
use crate::runner::render_removal;
use crate::target::Target;
use crate::template::{NoVariables, Scope, Splice};

/// How long a waiting teardown step (a server is gone) polls when its file gives no timeout.
const POLL_TIMEOUT: Duration = Duration::from_secs(120);

/// One leftover and how to remove it.
struct Leftover<'a> {
    fixture: &'a Fixture,
    id: String,
    label: String,
    /// The identity of the item's project.
    role: Role,
    item: Value,
}

fn text<'v>(v: &'v Value, pointer: &str) -> &'v str {
    v.pointer(pointer).and_then(Value::as_str).unwrap_or("")
}

/// A fixture's leftovers found so far: kinds whose `of:` link is resolved.
type Found<'a> = BTreeMap<&'a str, Vec<Leftover<'a>>>;

/// Removes every leftover whose name has `prefix`, except those of `live_runs`: runs that
/// still hold their ledger's lock, whose resources are in use and theirs to tear down.
pub async fn sweep_by_prefix(
    target: &Target,
    fixtures: &BTreeMap<String, Fixture>,
    prefix: &str,
    live_runs: &BTreeSet<String>,
    dry_run: bool,
    t: Duration,
) -> Result<Outcome, SweepError> {
    let mut outcome = Outcome::default();
    let mut pending: Vec<&Fixture> = fixtures
        .values()
        .filter(|f| {
            f.sweep.as_ref().is_some_and(|s| {
                target
                    .identities
                    .values()
                    .any(|i| i.root(&s.list.service).is_some())
            })
        })
        .collect();
    let mut found: Found = BTreeMap::new();
    // Kinds found through a link wait for the kind they link to.
    while !pending.is_empty() {
        let before = pending.len();
        let mut waiting = Vec::new();
        for f in pending {
            let sweep = f.sweep.as_ref().expect("filtered above");
            let parents = match &sweep.select {
                Select::Prefix(_) => None,
                Select::Of { fixture, .. } => match found.get(fixture.as_str()) {
                    Some(items) => Some(items.iter().map(|l| l.id.clone()).collect()),
                    None => {
                        waiting.push(f);
                        continue;
                    }
                },
            };
            let items = list(target, f, prefix, parents, live_runs, &mut outcome, t).await?;
            found.insert(&f.name, items);
        }
        // What still waits links to a kind this target does not offer: nothing to find.
        if waiting.len() == before {
            break;
        }
        pending = waiting;
    }
    let leftovers: Vec<Leftover> = found.into_values().flatten().collect();
    if dry_run {
        outcome.would_remove = leftovers.into_iter().map(|l| l.label).collect();
        return Ok(outcome);
    }
    let mut todo = Vec::new();
    for l in leftovers {
        match removals(&l) {
            Ok(r) => todo.push((l, r)),
            Err(problem) => outcome.failed.push(format!("{}: {problem}", l.label)),
        }
    }
    // Linked kinds first (interfaces before their router), then by name.
    todo.sort_by_key(|(l, _)| {
        let linked = matches!(
            l.fixture.sweep.as_ref().map(|s| &s.select),
            Some(Select::Of { .. })
        );
        (!linked, l.fixture.name.clone())
    });
    let admin = target.identities.contains_key(&Role::Admin);
    let mut as_admin = false;
    loop {
        let round = todo.len();
        let mut refused = Vec::new();
        for (l, r) in todo {
            let problems = undo(target, &r, &l.label, Undo::UntilOneFails, t).await;
            if problems.is_empty() {
                outcome.removed.push(l.label);
            } else {
                refused.push((l, r, problems));
            }
        }
        if refused.is_empty() {
            break;
        }
        // What its own project may not remove (a member may not delete a compute port,
        // say) gets one more round as the admin, when the run has one.
        if refused.len() == round && admin && !as_admin {
            as_admin = true;
            todo = refused
                .into_iter()
                .map(|(l, mut r, _)| {
                    r.iter_mut().for_each(|r| r.identity = Role::Admin);
                    (l, r)
                })
                .collect();
            continue;
        }
        if refused.len() == round {
            for (l, _, problems) in refused {
                outcome
                    .failed
                    .push(format!("{}: {}", l.label, problems.join("; ")));
            }
            break;
        }
        todo = refused.into_iter().map(|(l, r, _)| (l, r)).collect();
    }
    Ok(outcome)
}

/// The fixture's teardown for one leftover, as that item's owner.
fn removals(l: &Leftover) -> Result<Vec<Removal>, String> {
    let sweep = l.fixture.sweep.as_ref().expect("a swept kind");
    let mut vars = Scope::new();
    for (key, pointer) in &sweep.vars {
        let value = l.item.pointer(pointer).cloned().ok_or_else(|| {
            format!(
                "the listed item has nothing at {pointer}, which `sweep.vars.{key}` of fixture {} names ({})",
                l.fixture.name, sweep.at
            )
        })?;
        vars.set(key.clone(), value);
    }
    l.fixture
        .teardown
        .iter()
        .map(|step| {
            let poll = step
                .poll
                .as_ref()
                .map(|p| p.timeout.unwrap_or(POLL_TIMEOUT));
            let mut r = render_removal(step, poll, &vars)
                .map_err(|e| format!("its teardown cannot be written ({}): {e}", step.at))?;
            r.identity = l.role;
            Ok(r)
        })
        .collect()
}

/// Lists one kind as every identity and keeps its leftovers: items of the given projects
/// that carry the prefix (or link to a leftover in `parents`) and pass `where:`; each once.
async fn list<'a>(
    target: &Target,
    fixture: &'a Fixture,
    prefix: &str,
    parents: Option<BTreeSet<String>>,
    live_runs: &BTreeSet<String>,
    outcome: &mut Outcome,
    t: Duration,
) -> Result<Vec<Leftover<'a>>, SweepError> {
    let sweep = fixture.sweep.as_ref().expect("a swept kind");
    let projects: BTreeSet<&str> = target
        .identities
        .values()
        .filter_map(|i| i.project_id.as_deref())
        .collect();
    let path = sweep
        .list
        .path
        .render(&NoVariables, Splice::Plain)
        .map_err(|e| SweepError::Listing {
            what: format!("fixture {} ({})", fixture.name, sweep.at),
            problem: e.to_string(),
        })?;
    let headers = sweep.list.microversion_headers();
    let mut seen = BTreeSet::new();
    let mut found = Vec::new();
    for role in [Role::Owner, Role::Other, Role::Reader, Role::Admin] {
        if !target.identities.contains_key(&role) {
            continue;
        }
        let c = Call {
            role,
            service: sweep.list.service.clone(),
            method: Method::Get,
            path: &path,
            headers: &headers,
            body: None,
        };
        let a = call(target, &c, t).await?;
        let what = format!("GET {path} as {role} (fixture {})", fixture.name);
        // A listing the target does not serve (a compute-only cloud's routers): nothing of
        // that kind can have been left there. Any other answer is a question unanswered.
        if a.status == 404 {
            continue;
        }
        if a.status != 200 {
            outcome.failed.push(format!(
                "{what} answered {}: its leftovers were not looked for",
                a.status
            ));
            continue;
        }
        let Some(items) = a.body.pointer(&sweep.items).and_then(Value::as_array) else {
            outcome.failed.push(format!(
                "{what}: the listing has no array at {} ({})",
                sweep.items, sweep.at
            ));
            continue;
        };
        for item in items {
            let project = item
                .get("project_id")
                .or_else(|| item.get("tenant_id"))
                .and_then(Value::as_str)
                .unwrap_or("");
            let id = text(item, "/id").to_string();
            let label = match &sweep.select {
                Select::Prefix(field) => {
                    let name = text(item, field);
                    if !name.starts_with(prefix) {
                        continue;
                    }
                    format!("{} {name} ({id})", fixture.name)
                }
                Select::Of { fixture: of, at } => {
                    let link = text(item, at);
                    if !parents.as_ref().is_some_and(|p| p.contains(link)) {
                        continue;
                    }
                    format!("{} {id} (of {of} {link})", fixture.name)
                }
            };
            if id.is_empty()
                || !projects.contains(project)
                || !check_body(item, &sweep.only, &NoVariables).is_empty()
                || !seen.insert(id.clone())
            {
                continue;
            }
            if let Some(run) = live_runs
                .iter()
                .find(|run| label.contains(&format!("stackconform-{run}-")))
            {
                outcome.skipped.push(format!(
                    "{label}: run {run} is still going (its ledger is locked)"
                ));
                continue;
            }
            // Removed as an identity of the item's own project when there is one.
            let owner = target
                .identities
                .iter()
                .find(|(r, i)| **r != Role::None && i.project_id.as_deref() == Some(project))
                .map(|(r, _)| *r)
                .unwrap_or(role);
            found.push(Leftover {
                fixture,
                id,
                label,
                role: owner,
                item: item.clone(),
            });
        }
    }
    Ok(found)
}
