//! Shared fixtures (`share: run` or `share: operation`): one instance for every case that
//! uses the fixture with the same `with:`. Before the cases start, the run counts each
//! instance's users among the cases it will run; the first user to need it sets it up
//! (the others wait for that), and the last one to finish, whatever its verdict, tears
//! it down. What an interrupted run leaves is torn down when the trials are over; the
//! ledger knows each instance, so a killed run's are swept like any other leftover.
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use serde_json::Value;
use tokio::sync::{Notify, OnceCell};

use crate::case::{builtins, Case, Fixture, Share, UsedFixture};
use crate::template::Scope;

use super::case::{params, teardown_step, Written};
use super::context::RunContext;
use super::failure::{StepError, StepErrorKind};
use super::fixture_setup::{self, copy};
use super::record::CaseLog;

/// One instance of a shared fixture.
struct Instance {
    fixture: String,
    /// The `with:` it was set up with, in the instance's name and key.
    key: String,
    /// Users that have not finished yet.
    users: AtomicUsize,
    /// Its variables once set up, or why its setup failed (every user fails with it).
    ready: OnceCell<Result<Scope, String>>,
    /// A user is setting it up now; the others wait for it before taking a job slot.
    setting_up: AtomicBool,
    /// Wakes those when the setup ends, done or abandoned.
    set_up_ended: Notify,
    torn_down: AtomicBool,
}

/// Marks an instance's setup as going on while it lives; whatever ends it (done, failed,
/// a panic that drops it), the waiting users wake up and look again.
struct SettingUp<'i>(&'i Instance);

impl<'i> SettingUp<'i> {
    fn new(instance: &'i Instance) -> Self {
        instance.setting_up.store(true, Ordering::SeqCst);
        SettingUp(instance)
    }
}

impl Drop for SettingUp<'_> {
    fn drop(&mut self) {
        self.0.setting_up.store(false, Ordering::SeqCst);
        self.0.set_up_ended.notify_waiters();
    }
}

#[derive(Default)]
pub struct SharedFixtures {
    instances: Mutex<BTreeMap<String, Arc<Instance>>>,
}

/// The instance a use belongs to, or `None` for a fixture of the case's own.
pub(crate) fn key(case: &Case, u: &UsedFixture, fixture: &Fixture) -> Option<String> {
    let scope = match fixture.share? {
        Share::Run => "run".to_string(),
        Share::Operation => case.doc.operation.value.clone(),
    };
    let with: BTreeMap<&String, String> = u
        .with
        .iter()
        .map(|(k, v)| (k, format!("{:?}", v)))
        .collect();
    Some(format!("{scope}/{}/{with:?}", fixture.name))
}

fn shared_uses<'c>(
    ctx: &'c RunContext,
    case: &'c Case,
) -> impl Iterator<Item = (String, &'c UsedFixture, &'c Fixture)> {
    case.plan.fixtures.iter().filter_map(move |u| {
        let fixture = ctx.catalogue.fixtures.get(&u.fixture)?;
        key(case, u, fixture).map(|k| (k, u, fixture))
    })
}

impl SharedFixtures {
    /// Counts the users of each instance among the cases the run will start.
    pub fn plan<'c>(&self, ctx: &RunContext, cases: impl Iterator<Item = &'c Case>) {
        let mut instances = self.instances.lock().unwrap_or_else(|e| e.into_inner());
        for case in cases {
            for (key, _, fixture) in shared_uses(ctx, case) {
                let n = instances.len();
                let instance = instances.entry(key.clone()).or_insert_with(|| {
                    Arc::new(Instance {
                        fixture: fixture.name.clone(),
                        key: format!("{}{n}", fixture.name),
                        users: AtomicUsize::new(0),
                        ready: OnceCell::new(),
                        setting_up: AtomicBool::new(false),
                        set_up_ended: Notify::new(),
                        torn_down: AtomicBool::new(false),
                    })
                });
                instance.users.fetch_add(1, Ordering::SeqCst);
            }
        }
    }

    fn get(&self, key: &str) -> Option<Arc<Instance>> {
        let instances = self.instances.lock().unwrap_or_else(|e| e.into_inner());
        instances.get(key).cloned()
    }

    /// The instance's variables, setting it up if this case is its first user (its
    /// exchanges go to this case's log); `None` when the use is the case's own.
    pub async fn acquire(
        &self,
        ctx: &RunContext,
        case: &Case,
        u: &UsedFixture,
        fixture: &Fixture,
        log: &mut CaseLog,
    ) -> Option<Result<Scope, StepError>> {
        // A runner that plans no sharing (the self-check runs cases one by one) gets the
        // fixture as the case's own.
        let instance = self.get(&key(case, u, fixture)?)?;
        let ready = instance
            .ready
            .get_or_init(|| async {
                let _setting_up = SettingUp::new(&instance);
                set_up(ctx, case, u, fixture, &instance, log).await
            })
            .await;
        Some(match ready {
            Ok(vars) => Ok(copy(vars)),
            Err(why) => Err(shared_error(u, why.clone())),
        })
    }

    /// Returns once no shared instance the case uses is being set up by another case. A
    /// run calls it before the case takes a job slot: a user that only waited for a
    /// boot in progress would hold a slot a case with work to do could use.
    pub async fn wait_for_setups(&self, ctx: &RunContext, case: &Case) {
        for (key, ..) in shared_uses(ctx, case) {
            let Some(instance) = self.get(&key) else {
                continue;
            };
            loop {
                let ended = instance.set_up_ended.notified();
                tokio::pin!(ended);
                // Registered before the check, so an end between the two is not missed. The
                // flag is down once the setup is over (the guard drops before the value is
                // stored), so a user that finds it down takes its slot and gets the value, or
                // the setup to do, from `acquire`.
                ended.as_mut().enable();
                if !instance.setting_up.load(Ordering::SeqCst) {
                    break;
                }
                ended.await;
            }
        }
    }

    /// A user is done: the last one tears the instance down.
    pub async fn release(&self, ctx: &RunContext, case: &Case) {
        for (key, _, fixture) in shared_uses(ctx, case) {
            let Some(instance) = self.get(&key) else {
                continue;
            };
            if instance.users.fetch_sub(1, Ordering::SeqCst) == 1 {
                tear_down(ctx, fixture, &instance).await;
            }
        }
    }

    /// What no last user tore down (an interrupted run): torn down now.
    pub async fn tear_down_rest(&self, ctx: &RunContext) {
        let rest: Vec<Arc<Instance>> = {
            let instances = self.instances.lock().unwrap_or_else(|e| e.into_inner());
            instances.values().cloned().collect()
        };
        for instance in rest {
            if let Some(fixture) = ctx.catalogue.fixtures.get(&instance.fixture) {
                tear_down(ctx, fixture, &instance).await;
            }
        }
    }
}

fn shared_error(u: &UsedFixture, why: String) -> StepError {
    StepError {
        step: format!("shared fixture {} ({})", u.alias, u.fixture),
        at: None,
        attempt: None,
        kind: Box::new(StepErrorKind::Shared(why)),
    }
}

fn written<'a>(ctx: &RunContext, fixture: &'a Fixture, instance: &'a Instance) -> Written<'a> {
    Written {
        key: format!("{}/shared/{}", ctx.run_id, instance.key),
        trial: "shared",
        fixture,
        alias: &instance.key,
    }
}

async fn set_up(
    ctx: &RunContext,
    case: &Case,
    u: &UsedFixture,
    fixture: &Fixture,
    instance: &Instance,
    log: &mut CaseLog,
) -> Result<Scope, String> {
    let parent = ctx.shared_scope();
    let mut vars = params(fixture, u, parent.as_ref()).map_err(|e| e.to_string())?;
    let name = format!("{}shared-{}", ctx.resource_prefix(), instance.key);
    vars.set(builtins::NAME, Value::String(name));
    let w = written(ctx, fixture, instance);
    let title = |i: usize| {
        format!(
            "shared fixture {} ({}), setup step {i} (for {} and the cases that share it)",
            u.alias, fixture.name, case.trial_name
        )
    };
    fixture_setup::set_up(
        ctx,
        &w,
        &mut vars,
        parent.as_ref(),
        &title,
        &case.trial_name,
        log,
    )
    .await
    .map_err(|e| format!("its setup failed in {}:\n{e}", case.trial_name))?;
    ctx.tally.setup_done(&fixture.name);
    Ok(vars)
}

/// Once, and only what was set up; a failure is a note and stays in the ledger for
/// `sweep`, as the cases' own teardown failures do.
async fn tear_down(ctx: &RunContext, fixture: &Fixture, instance: &Instance) {
    if instance.torn_down.swap(true, Ordering::SeqCst) {
        return;
    }
    let Some(Ok(vars)) = instance.ready.get() else {
        return;
    };
    let mut vars = copy(vars);
    let parent = ctx.shared_scope();
    let w = written(ctx, fixture, instance);
    ctx.ledger(&crate::ledger::Event::Removing { key: w.key.clone() });
    let mut log = CaseLog::new(&format!("shared {}", instance.key));
    let mut failed = Vec::new();
    for (i, step) in fixture.teardown.iter().enumerate() {
        let title = format!("shared fixture {}, teardown step {}", instance.key, i + 1);
        let result = teardown_step(ctx, step, &title, &mut vars, parent.as_ref(), &mut log).await;
        failed.extend(result.err().map(|e| e.to_string()));
    }
    if failed.is_empty() {
        ctx.ledger(&crate::ledger::Event::Removed { key: w.key });
    } else {
        ctx.note(format!(
            "shared fixture {}: teardown failed, left for `stackconform sweep`: {}",
            instance.key,
            failed.join("; ")
        ));
    }
}
