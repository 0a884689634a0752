//! What a run talks to: identities with their tokens and endpoints, facts, capabilities.
mod clouds;
mod discover;
mod embedded;
mod model;

pub use clouds::{connect_clouds, find_clouds_yaml, CloudNames};

/// How the harness logs in and discovers: per-request timeout, TLS verification, and how
/// often a connection failure or a 503 is retried (as setup is).
#[derive(Debug, Clone)]
pub struct Connect {
    pub timeout: std::time::Duration,
    pub insecure: bool,
    pub retries: u32,
    /// The identities' HTTP clients, shared by those with the same TLS settings.
    pub clients: std::sync::Arc<crate::runner::Clients>,
}
pub use discover::discover;
pub use discover::DiscoveryError;
pub use embedded::start_embedded;
pub use model::{Capabilities, EndpointError, Identity, Lack, Target};
