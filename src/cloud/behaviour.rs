//! The seam where later self-check work can make the cloud deviate on purpose: a named mutant or an
//! injected fault sees each finished reply and may replace it. Nothing is implemented yet, so every reply
//! passes through unchanged.

use crate::cloud::http::{Reply, Req};

/// Which service produced a reply, so that a deviation can target one of them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Service {
    Identity,
    Network,
    Compute,
    Other,
}

#[derive(Debug, Default, Clone)]
pub struct Behaviour {}

impl Behaviour {
    pub fn finish(&self, _service: Service, _req: &Req, reply: Reply) -> Reply {
        reply
    }
}
