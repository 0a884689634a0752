//! The run ledger: every resource a run creates is written down, as it is created, with
//! the requests that remove it; its removal is written down too. A run killed outright
//! leaves the file behind, and `stackconform sweep` replays what is outstanding.
//!
//! One JSON object per line, appended and flushed line by line, so a crash loses at most
//! the line being written.
use std::collections::BTreeMap;
use std::fs::{File, OpenOptions};
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::case::{Method, Role, Service};

/// One request that removes (part of) a resource, rendered at creation time.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Removal {
    #[serde(rename = "as")]
    pub identity: Role,
    pub service: Service,
    pub method: Method,
    /// Path under the service root, as the case file gives it, variables filled in.
    pub path: String,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub headers: BTreeMap<String, String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<Value>,
    /// The status of a successful removal; 404 also counts (already gone).
    pub status: u16,
    /// A waiting step (the port is gone, the server is gone): repeat it for up to this many
    /// seconds until it answers `status`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub poll_seconds: Option<f64>,
    /// What the body must show for the step to be done (JSON pointer to matcher, variables
    /// filled in), e.g. `/server/status: ACTIVE` after a resume.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub until_body: BTreeMap<String, Value>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum Event {
    /// A fixture created (or may have created) something. A later `created` with the same
    /// key replaces it (setup goes on capturing more).
    Created {
        key: String,
        run_id: String,
        /// The owner's project, so that a sweep only touches the projects it was given.
        project_id: Option<String>,
        case: String,
        fixture: String,
        alias: String,
        /// False while the setup step is in flight or when it failed: its effect is not
        /// certain, so a removal that finds nothing to undo is not an error.
        #[serde(default = "yes")]
        confirmed: bool,
        removals: Vec<Removal>,
    },
    /// Teardown started on it: from here its state is uncertain again (a run killed mid-way
    /// may have undone part of it), so a removal that finds nothing to undo is not an error.
    Removing { key: String },
    /// Teardown removed it.
    Removed { key: String },
}

fn yes() -> bool {
    true
}

/// A ledger that could not be read, written or locked.
#[derive(Debug, thiserror::Error)]
pub enum LedgerError {
    #[error("cannot {action} the ledger {}: {source}", path.display())]
    Io {
        action: &'static str,
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("the ledger {} is locked by another process", path.display())]
    Locked { path: PathBuf },
    #[error("cannot write an event to the ledger: {0}")]
    Encode(#[from] serde_json::Error),
}

fn io(action: &'static str, path: &Path) -> impl FnOnce(std::io::Error) -> LedgerError {
    let path = path.to_path_buf();
    move |source| LedgerError::Io {
        action,
        path,
        source,
    }
}

/// A ledger file, open for appending, with an exclusive OS lock (`flock`) held for as
/// long as this lives: a run's while it runs, a sweep's while it replays the file. The
/// lock ends with the process, so a killed run's ledger is free to sweep.
pub struct Ledger {
    path: PathBuf,
    file: Mutex<File>,
}

/// What `Ledger::claim` found at a path.
pub enum Claim {
    /// The ledger, locked by this process now.
    Claimed(Ledger),
    /// Another process (a run still going, or another sweep) holds its lock.
    Live,
    /// The file is gone: its run finished and removed it.
    Gone,
}

/// Where ledgers go by default: `$XDG_STATE_HOME/stackconform/ledgers`, else
/// `~/.local/state/stackconform/ledgers`, else `./.stackconform/ledgers`.
pub fn default_dir() -> PathBuf {
    if let Some(d) = std::env::var_os("XDG_STATE_HOME").filter(|d| !d.is_empty()) {
        return Path::new(&d).join("stackconform/ledgers");
    }
    if let Some(h) = std::env::var_os("HOME").filter(|d| !d.is_empty()) {
        return Path::new(&h).join(".local/state/stackconform/ledgers");
    }
    PathBuf::from(".stackconform/ledgers")
}

impl Ledger {
    /// A new run's ledger, locked.
    pub fn create(dir: &Path, run_id: &str) -> std::io::Result<Ledger> {
        std::fs::create_dir_all(dir)?;
        let path = dir.join(format!("{run_id}.jsonl"));
        let file = OpenOptions::new().create(true).append(true).open(&path)?;
        file.try_lock().map_err(|e| match e {
            std::fs::TryLockError::WouldBlock => {
                std::io::Error::other(format!("{} is locked by another process", path.display()))
            }
            std::fs::TryLockError::Error(e) => e,
        })?;
        Ok(Ledger {
            path,
            file: Mutex::new(file),
        })
    }

    /// Takes an existing ledger for a sweep, unless a live process holds it.
    pub fn claim(path: &Path) -> Result<Claim, LedgerError> {
        let file = match OpenOptions::new().append(true).read(true).open(path) {
            Ok(f) => f,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Claim::Gone),
            Err(e) => return Err(io("open", path)(e)),
        };
        match file.try_lock() {
            Ok(()) => {}
            Err(std::fs::TryLockError::WouldBlock) => return Ok(Claim::Live),
            Err(std::fs::TryLockError::Error(e)) => return Err(io("lock", path)(e)),
        }
        // The run removed the file between our open and its exit: all of it was undone.
        if !path.exists() {
            return Ok(Claim::Gone);
        }
        Ok(Claim::Claimed(Ledger {
            path: path.to_path_buf(),
            file: Mutex::new(file),
        }))
    }

    /// The `created` events no `removed` event cancels, oldest first.
    pub fn outstanding(&self) -> Result<Vec<Event>, LedgerError> {
        outstanding(&self.path)
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Appends one event. A ledger that cannot be written is reported, never fatal to the
    /// case: the prefix sweep still finds what it would have listed.
    pub fn write(&self, event: &Event) -> Result<(), LedgerError> {
        let mut line = serde_json::to_string(event)?;
        line.push('\n');
        let mut file = self.file.lock().unwrap_or_else(|e| e.into_inner());
        file.write_all(line.as_bytes())
            .and_then(|()| file.flush())
            .map_err(io("write", &self.path))
    }

    /// Removes the file when nothing in it is outstanding; returns what is. The lock is
    /// held until this is dropped.
    pub fn finish(&self) -> Result<Vec<Event>, LedgerError> {
        let outstanding = outstanding(&self.path)?;
        if outstanding.is_empty() {
            let _ = std::fs::remove_file(&self.path);
        }
        Ok(outstanding)
    }

    /// The run id in the file's name.
    pub fn run_id_of(path: &Path) -> Option<&str> {
        path.file_stem().and_then(|s| s.to_str())
    }
}

/// The `created` events of a ledger file that no `removed` event cancels, oldest first.
/// A torn last line (the run was killed while writing it) is ignored; a file that is gone
/// (its run finished) has nothing outstanding.
pub fn outstanding(path: &Path) -> Result<Vec<Event>, LedgerError> {
    let file = match File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(io("read", path)(e)),
    };
    let mut order: Vec<String> = Vec::new();
    let mut live: BTreeMap<String, Event> = BTreeMap::new();
    for line in BufReader::new(file).lines() {
        let line = line.map_err(io("read", path))?;
        let Ok(event) = serde_json::from_str::<Event>(&line) else {
            continue;
        };
        match &event {
            Event::Created { key, .. } => {
                if !live.contains_key(key) {
                    order.push(key.clone());
                }
                live.insert(key.clone(), event);
            }
            Event::Removing { key } => {
                if let Some(Event::Created { confirmed, .. }) = live.get_mut(key) {
                    *confirmed = false;
                }
            }
            Event::Removed { key } => {
                live.remove(key);
            }
        }
    }
    Ok(order.into_iter().filter_map(|k| live.remove(&k)).collect())
}

/// Every ledger file in `dir`, oldest first by name is not meaningful, so by modification time.
pub fn files(dir: &Path) -> Result<Vec<PathBuf>, LedgerError> {
    let entries = match std::fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(io("list the folder of", dir)(e)),
    };
    let mut files: Vec<(std::time::SystemTime, PathBuf)> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "jsonl"))
        .map(|p| {
            let t = std::fs::metadata(&p)
                .and_then(|m| m.modified())
                .unwrap_or(std::time::UNIX_EPOCH);
            (t, p)
        })
        .collect();
    files.sort();
    Ok(files.into_iter().map(|(_, p)| p).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn created(key: &str) -> Event {
        Event::Created {
            key: key.into(),
            run_id: "r".into(),
            project_id: None,
            case: "c".into(),
            fixture: "network".into(),
            alias: "net".into(),
            confirmed: true,
            removals: vec![],
        }
    }

    #[test]
    fn removed_cancels_created_and_a_torn_line_is_ignored() {
        let dir = tempfile::tempdir().unwrap();
        let ledger = Ledger::create(dir.path(), "run").unwrap();
        ledger.write(&created("a")).unwrap();
        ledger.write(&created("b")).unwrap();
        ledger.write(&Event::Removed { key: "a".into() }).unwrap();
        let path = ledger.path().to_path_buf();
        OpenOptions::new()
            .append(true)
            .open(&path)
            .unwrap()
            .write_all(b"{\"event\":\"created\",\"ke")
            .unwrap();
        let left = outstanding(&path).unwrap();
        assert_eq!(left, vec![created("b")]);
        assert_eq!(ledger.finish().unwrap().len(), 1);
        assert!(path.exists(), "a ledger with outstanding entries is kept");
    }

    #[test]
    fn a_fully_removed_ledger_is_deleted_at_the_end() {
        let dir = tempfile::tempdir().unwrap();
        let ledger = Ledger::create(dir.path(), "run").unwrap();
        ledger.write(&created("a")).unwrap();
        ledger.write(&Event::Removed { key: "a".into() }).unwrap();
        let path = ledger.path().to_path_buf();
        assert!(ledger.finish().unwrap().is_empty());
        assert!(!path.exists());
    }
}
