//! What a run created on the target and how long its setups waited for quota: counted
//! as it happens, for the summary's notes and the report's `resources`.
use std::collections::BTreeMap;
use std::sync::Mutex;
use std::time::Duration;

use crate::http::{HttpRequest, HttpResponse};
use crate::report::{QuotaWait, Resources};

#[derive(Debug, Default)]
pub struct Tally {
    inner: Mutex<Counts>,
}

#[derive(Debug, Default)]
struct Counts {
    setups: BTreeMap<String, u32>,
    created: BTreeMap<String, u32>,
    quota_waits: Vec<QuotaWait>,
}

impl Tally {
    fn counts(&self) -> std::sync::MutexGuard<'_, Counts> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// One more completed setup of `fixture`.
    pub fn setup_done(&self, fixture: &str) {
        *self.counts().setups.entry(fixture.to_string()).or_default() += 1;
    }

    /// A setup exchange: counted under its resource kind when it created something.
    pub fn exchanged(&self, req: &HttpRequest, resp: &HttpResponse) {
        if let Some(kind) = created_kind(&req.method, &req.url, resp.status) {
            *self.counts().created.entry(kind.to_string()).or_default() += 1;
        }
    }

    pub fn waited_for_quota(&self, trial: &str, step: &str, waited: Duration, got_room: bool) {
        self.counts().quota_waits.push(QuotaWait {
            trial: trial.to_string(),
            step: step.to_string(),
            waited_ms: waited.as_secs_f64() * 1000.0,
            got_room,
        });
    }

    /// The summary's lines: creations by kind, then by fixture.
    pub fn notes(&self) -> Vec<String> {
        let counts = self.counts();
        let line = |m: &BTreeMap<String, u32>| {
            m.iter()
                .map(|(k, n)| format!("{k} {n}"))
                .collect::<Vec<_>>()
                .join(", ")
        };
        let mut notes = Vec::new();
        if !counts.created.is_empty() {
            notes.push(format!("created (by resource): {}", line(&counts.created)));
        }
        if !counts.setups.is_empty() {
            notes.push(format!("fixture setups: {}", line(&counts.setups)));
        }
        notes
    }

    /// The report's `resources`, quotas aside.
    pub fn resources(&self) -> Resources {
        let counts = self.counts();
        Resources {
            created: counts.created.clone(),
            setups: counts.setups.clone(),
            quota_waits: counts.quota_waits.clone(),
            quotas: Vec::new(),
        }
    }
}

/// The kind of what a request created: the collection a `POST` answered 2xx went to
/// (`routers`, `servers`, `os-interface`...). A server action (`.../action`: lock,
/// suspend) is a `POST` that creates nothing.
fn created_kind<'a>(method: &str, url: &'a str, status: u16) -> Option<&'a str> {
    if method != "POST" || !(200..300).contains(&status) {
        return None;
    }
    let path = url.split(['?', '#']).next()?;
    let last = path.trim_end_matches('/').rsplit('/').next()?;
    (last != "action" && !last.is_empty() && !last.contains(':')).then_some(last)
}

#[cfg(test)]
mod tests {
    use super::created_kind;

    #[test]
    fn a_create_is_a_post_answered_2xx_to_a_collection_and_an_action_is_not() {
        let servers = "http://127.0.0.1:1/compute/v2.1/servers";
        assert_eq!(created_kind("POST", servers, 202), Some("servers"));
        let attach = format!("{servers}/abc/os-interface");
        assert_eq!(created_kind("POST", &attach, 200), Some("os-interface"));
        let action = format!("{servers}/abc/action");
        assert_eq!(created_kind("POST", &action, 202), None);
        let routers = "http://h/networking/v2.0/routers?x=1";
        assert_eq!(created_kind("POST", routers, 201), Some("routers"));
        assert_eq!(created_kind("POST", routers, 409), None);
        assert_eq!(created_kind("PUT", routers, 200), None);
    }
}
