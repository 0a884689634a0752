//! One HTTP exchange: send with a timeout, read a capped body, keep a redacted record.
mod curl;
mod exchange;
mod retry;
mod url;

pub use curl::curl;
pub use exchange::{is_secret_header, send, HttpRequest, HttpResponse, NotJson, TransportError};
pub use retry::{next_pause as next_retry_pause, with_retries, FIRST_PAUSE as FIRST_RETRY_PAUSE};
