//! One HTTP exchange: send with a timeout, read a capped body, keep a redacted record.
mod exchange;

pub use exchange::{send, HttpRequest, HttpResponse, TransportError};
