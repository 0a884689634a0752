//! Nova v2.1 at `/compute`.
pub mod microversion;
use crate::cloud::app::App;
use crate::cloud::http::{Reply, Req};
use std::sync::Arc;
pub fn handle(_app: &Arc<App>, _req: &Req) -> Reply {
    Reply::new(axum::http::StatusCode::NOT_FOUND)
}
pub fn too_large(_app: &App, _id: &str, _accept: Option<&str>) -> Reply {
    Reply::new(axum::http::StatusCode::PAYLOAD_TOO_LARGE)
}
