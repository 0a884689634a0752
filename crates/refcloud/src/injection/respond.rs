//! What an injected fault looks like on the wire.

use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::http::{HeaderValue, StatusCode};
use axum::response::Response;
use futures_util::StreamExt;
use serde_json::json;

use crate::behaviour::Service;
use crate::http::{JsonStyle, Reply};

/// A 503 in the envelope of the service it claims to come from (docs/CONTRACT.md §3.1, §3.4, §3.5), with the
/// request id headers the service would add.
pub fn unavailable(service: Service, request_id: &str) -> Reply {
    let status = StatusCode::SERVICE_UNAVAILABLE;
    let message = "The server is currently unavailable. Please try again at a later time.";
    match service {
        Service::Compute => Reply::new(status)
            .header("content-type", "application/json; charset=UTF-8")
            .with_body(crate::http::to_json(
                &json!({"serviceUnavailable": {"code": 503, "message": message}}),
                JsonStyle::Python,
            ))
            .header("x-openstack-request-id", request_id)
            .header("x-compute-request-id", request_id),
        Service::Network => Reply::json(
            status,
            &json!({"NeutronError": {"type": "ServiceUnavailable", "message": message, "detail": ""}}),
            JsonStyle::Python,
        )
        .header("x-openstack-request-id", request_id),
        Service::Identity | Service::Image | Service::Other => Reply::json(
            status,
            &json!({"error": {"code": 503, "title": "Service Unavailable", "message": message}}),
            JsonStyle::Python,
        )
        .header("x-openstack-request-id", request_id),
    }
}

#[derive(Debug, thiserror::Error)]
#[error("fault injected: connection dropped")]
struct Injected;

/// A response whose body fails before its first byte: hyper then closes the connection, and since the
/// head is only buffered until the body's first chunk, the client gets no answer at all.
pub fn dropped() -> Response {
    let stream = futures_util::stream::iter([Err::<Bytes, Injected>(Injected)]);
    Response::new(Body::from_stream(stream))
}

/// Long enough for hyper to flush what it has buffered.
const FLUSH_PAUSE: Duration = Duration::from_millis(50);

/// The reply's head with its full Content-Length, then half the body, then a closed connection.
pub fn truncated(reply: Reply) -> Response {
    let full = reply.body.len().max(1);
    let sent = reply.body.slice(..reply.body.len() / 2);
    let mut response = Reply {
        body: Bytes::new(),
        ..reply
    }
    .into_response();
    // hyper writes the head and a chunk together and drops both if the body fails before they are
    // flushed, so the failure waits a moment: the client must see the head and the partial body.
    let failure = futures_util::stream::once(async {
        tokio::time::sleep(FLUSH_PAUSE).await;
        Err::<Bytes, Injected>(Injected)
    });
    let stream = futures_util::stream::iter([Ok::<Bytes, Injected>(sent)]).chain(failure);
    *response.body_mut() = Body::from_stream(stream);
    response
        .headers_mut()
        .insert("content-length", HeaderValue::from(full));
    response
}
