//! What a run talks to: identities with their tokens and endpoints, facts, capabilities.
mod clouds;
mod discover;
mod embedded;
mod model;

pub use clouds::{connect_clouds, find_clouds_yaml, CloudNames};
pub use discover::discover;
pub use embedded::start_embedded;
pub use model::{Capabilities, Identity, Target};
