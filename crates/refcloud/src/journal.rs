//! A bounded record of the requests the cloud answered, in order, so tests can see what a run
//! did to the cloud (teardown order, retries, what a mutant changed) without a packet capture.

use std::collections::VecDeque;
use std::sync::Mutex;

/// Old entries are dropped beyond this, so a long `serve` never grows without bound.
const CAPACITY: usize = 65_536;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JournalEntry {
    pub method: String,
    /// The path as received, without the query string.
    pub path: String,
    pub status: u16,
}

#[derive(Debug, Default)]
pub struct Journal {
    entries: Mutex<VecDeque<JournalEntry>>,
}

impl Journal {
    pub fn record(&self, entry: JournalEntry) {
        let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        if entries.len() == CAPACITY {
            entries.pop_front();
        }
        entries.push_back(entry);
    }

    pub fn entries(&self) -> Vec<JournalEntry> {
        let entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        entries.iter().cloned().collect()
    }
}
