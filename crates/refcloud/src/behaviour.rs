//! The seam where the cloud deviates on purpose: the selected mutant sees each finished reply and may
//! replace it. Injected faults act around the handler instead (`server.rs`), since some of them (a
//! dropped connection, a truncated body) are not replies at all.

use crate::http::{Reply, Req};
use crate::mutants::{mutate_reply, Mutant};

/// Which service produced a reply, so that a deviation can target one of them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Service {
    Identity,
    Network,
    Compute,
    Image,
    Other,
}

#[derive(Debug, Default, Clone)]
pub struct Behaviour {
    mutant: Option<Mutant>,
}

impl Behaviour {
    pub fn new(mutant: Option<Mutant>) -> Self {
        Behaviour { mutant }
    }

    /// Whether `mutant` is the one this cloud runs with; handlers ask this at their deviation points.
    pub fn is(&self, mutant: Mutant) -> bool {
        self.mutant == Some(mutant)
    }

    pub fn finish(&self, service: Service, req: &Req, reply: Reply) -> Reply {
        match self.mutant {
            Some(m) => mutate_reply(m, service, req, reply),
            None => reply,
        }
    }
}
