//! Case files: their format, loading and validation.
mod error;
mod load;
mod model;
mod operation;
mod validate;

pub use error::{LoadError, LoadErrors};
pub use load::{
    load_catalogue, load_catalogue_from_sources, parse as parse_file, Case, Catalogue, Fixture,
    IdentityId, Needs,
};
pub use model::*;
pub use operation::Operation;
pub use validate::{parse_duration, parse_microversion, BadDuration};
