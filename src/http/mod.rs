//! One HTTP exchange: send with a timeout, read a capped body, keep a redacted record.
mod curl;
mod exchange;
mod retry;
mod url;

pub use curl::curl;
pub use exchange::{is_secret_header, send, HttpRequest, HttpResponse, NotJson, TransportError};
pub use retry::with_retries;
