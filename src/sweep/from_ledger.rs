//! Replaying the outstanding removals of a ledger file.
use std::collections::BTreeMap;
use std::path::Path;
use std::time::{Duration, Instant};

use super::call::{call, Answer, Call};
use super::{Outcome, SweepError};
use crate::case::{Fixture, Role};
use crate::check::{check_body, Check, FieldCheck};
use crate::ledger::{Claim, Event, Ledger, Removal};
use crate::target::Target;
use crate::template::{NoVariables, ValueTemplate};

/// Sends one removal; a waiting step is repeated until it answers as expected or the
/// poll timeout its run recorded is up, and says what it waits for.
async fn removal(
    target: &Target,
    r: &Removal,
    what: &str,
    timeout: Duration,
) -> Result<Answer, SweepError> {
    let wait = Duration::from_secs_f64(r.poll_seconds.unwrap_or(0.0).max(0.0));
    let deadline = Instant::now() + wait;
    let until = until_checks(r).map_err(|e| *e)?;
    let mut said = false;
    let c = Call {
        role: r.identity,
        service: r.service.clone(),
        method: r.method,
        path: &r.path,
        headers: &r.headers,
        body: r.body.as_ref(),
    };
    loop {
        let a = call(target, &c, timeout).await?;
        let done = a.status == r.status && check_body(&a.body, &until, &NoVariables).is_empty();
        if done || Instant::now() >= deadline {
            return Ok(a);
        }
        if !said {
            said = true;
            eprintln!(
                "sweep: {what}: waiting up to {:.0}s for {} {} to answer {}",
                wait.as_secs_f64(),
                r.method.as_str(),
                r.path,
                r.status
            );
        }
        tokio::time::sleep(POLL_PAUSE).await;
    }
}

/// The body checks a removal waits for, as its run recorded them (rendered already).
fn until_checks(r: &Removal) -> Result<Vec<FieldCheck>, Box<SweepError>> {
    r.until_body
        .iter()
        .map(|(path, written)| {
            let check = Check::parse(written).map_err(|error| {
                Box::new(SweepError::BadCheck {
                    what: format!("{} {}: the body check {path}", r.method.as_str(), r.path),
                    error,
                })
            })?;
            Ok(FieldCheck {
                key: path.clone(),
                check,
                written: ValueTemplate::Fixed(written.clone()),
                line: 0,
            })
        })
        .collect()
}

/// What to do after a removal that failed.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Undo {
    /// Try the rest anyway: a ledger's steps each undo their own part.
    Every,
    /// Stop: the rest waits for what failed (a server that would not delete).
    UntilOneFails,
}

/// Sends a resource's removals in order; what went wrong, one line per removal.
pub async fn undo(
    target: &Target,
    removals: &[Removal],
    what: &str,
    mode: Undo,
    timeout: Duration,
) -> Vec<String> {
    let mut problems = Vec::new();
    for r in removals {
        match removal(target, r, what, timeout).await {
            Ok(a) if a.status == r.status || a.status == 404 => continue,
            Ok(a) => problems.push(format!(
                "{} {} answered {} (expected {} or 404): {}",
                r.method.as_str(),
                r.path,
                a.status,
                r.status,
                short(&a.body)
            )),
            Err(e) => problems.push(e.to_string()),
        }
        if mode == Undo::UntilOneFails {
            break;
        }
    }
    problems
}

/// A response body in a line of a summary.
fn short(body: &serde_json::Value) -> String {
    let text = body.to_string();
    match text.char_indices().nth(200) {
        Some((i, _)) => format!("{}…", &text[..i]),
        None => text,
    }
}

const POLL_PAUSE: Duration = Duration::from_millis(200);

/// Removes, newest first, what the ledger at `path` says is still there. Only entries of the
/// owner's project are touched. Removed entries are written down as removed, so a second
/// sweep finds nothing; then whatever still carries the run's name prefix is removed too.
/// The ledger of a live run (it holds the file's lock) is left alone,
/// and one that disappears (its run finished) is nothing to do.
pub async fn sweep_ledger(
    target: &Target,
    fixtures: &BTreeMap<String, Fixture>,
    path: &Path,
    dry_run: bool,
    timeout: Duration,
) -> Result<Outcome, SweepError> {
    let mut outcome = Outcome::default();
    let ledger = match Ledger::claim(path)? {
        Claim::Claimed(ledger) => ledger,
        Claim::Gone => return Ok(outcome),
        Claim::Live => {
            outcome.skipped.push(format!(
                "{}: the ledger of a run that is still going (it holds the file's lock); sweep it after that run ends",
                path.display()
            ));
            return Ok(outcome);
        }
    };
    let mut left = ledger.outstanding()?;
    left.reverse();
    let owner_project = target
        .identities
        .get(&Role::Owner)
        .and_then(|i| i.project_id.clone());
    let ledger = (!dry_run).then_some(ledger);
    let mut refused = Vec::new();
    for event in left {
        let Event::Created {
            key,
            project_id,
            case,
            alias,
            fixture,
            removals,
            confirmed,
            ..
        } = event
        else {
            continue;
        };
        let what = format!("{case}: {alias} ({fixture})");
        if project_id.is_some() && project_id != owner_project {
            outcome.skipped.push(format!(
                "{what}: created in project {}, not the --cloud identity's",
                project_id.as_deref().unwrap_or("?")
            ));
            continue;
        }
        if dry_run {
            outcome.would_remove.push(what);
            continue;
        }
        let mut problems = undo(target, &removals, &what, Undo::Every, timeout).await;
        if !problems.is_empty() && !confirmed {
            outcome.skipped.push(format!(
                "{what}: its setup or teardown was cut short, and undoing it did not apply: {}",
                problems.join("; ")
            ));
            problems.clear();
        }
        if problems.is_empty() {
            if let Some(ledger) = &ledger {
                ledger.write(&Event::Removed { key })?;
            }
            outcome.removed.push(what);
        } else {
            refused.push((key, what, removals));
        }
    }
    // A run killed while a create was in flight wrote that step down before it knew the
    // new resource's id, so no removal could be rendered for it. The run is over (its lock
    // was free), so whatever still carries its prefix is its leftover. A dry run lists the
    // ledger's entries only: the same resources by name would be counted twice.
    if let (Some(run), false) = (Ledger::run_id_of(path), dry_run) {
        let by_name = super::sweep_by_prefix(
            target,
            fixtures,
            &format!("stackconform-{run}-"),
            &Default::default(),
            false,
            timeout,
        )
        .await?;
        outcome.absorb(by_name);
    }
    // A removal the target refused because of something else of the run (a network
    // still holding the port whose create was cut short, found by name just above) is
    // tried once more now that the rest is gone.
    for (key, what, removals) in refused {
        let problems = undo(target, &removals, &what, Undo::Every, timeout).await;
        if problems.is_empty() {
            if let Some(ledger) = &ledger {
                ledger.write(&Event::Removed { key })?;
            }
            outcome.removed.push(what);
        } else {
            outcome
                .failed
                .push(format!("{what}: {}", problems.join("; ")));
        }
    }
    if let Some(ledger) = ledger {
        ledger.finish()?;
    }
    Ok(outcome)
}
