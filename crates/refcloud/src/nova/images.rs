//! Nova's image proxy, `/images`, `/images/detail` and `/images/{id}`, up to microversion
//! 2.35 (from 2.36 they are gone: 404). Nova asks Glance and rewrites what it gets
//! (nova/api/openstack/compute/images.py, views/images.py); observed on Nova 34
//! (`targets/nova`, docs/CONTRACT.md §9.4).

use axum::http::StatusCode;
use serde_json::{json, Value};

use crate::clock;
use crate::http::{JsonStyle, Reply};
use crate::nova::call::NCall;
use crate::nova::faults::{bad_request, limit_not_digits, not_found, NovaResult};
use crate::state::{Image, State};

/// `MAX_PROXY_API_SUPPORT_VERSION`.
pub fn served(call: &NCall) -> bool {
    !call.version.at_least(2, 36)
}

fn links(call: &NCall, id: &str) -> Value {
    json!([
        {"rel": "self", "href": format!("{}/images/{id}", call.link_prefix(true))},
        {"rel": "bookmark", "href": format!("{}/images/{id}", call.link_prefix(false))},
        {"rel": "alternate", "type": "application/vnd.openstack.image",
         "href": format!("{}/image/images/{id}", call.app.base_url)}
    ])
}

fn detail(call: &NCall, i: &Image) -> Value {
    let status = match i.status {
        "active" => "ACTIVE",
        "queued" | "saving" => "SAVING",
        "deleted" | "pending_delete" => "DELETED",
        "killed" => "ERROR",
        _ => "UNKNOWN",
    };
    let metadata: serde_json::Map<String, Value> = i
        .properties
        .iter()
        .map(|(k, v)| (k.clone(), json!(v)))
        .collect();
    json!({
        "id": i.id,
        "name": i.name,
        "minRam": i.min_ram,
        "minDisk": i.min_disk,
        "metadata": metadata,
        "created": clock::seconds(i.created_at),
        "updated": clock::seconds(i.created_at),
        "status": status,
        "progress": if status == "ACTIVE" { 100 } else { 0 },
        "OS-EXT-IMG-SIZE:size": i.size,
        "links": links(call, &i.id),
    })
}

fn basic(call: &NCall, i: &Image) -> Value {
    json!({"id": i.id, "name": i.name, "links": links(call, &i.id)})
}

pub fn show(call: &NCall, state: &State, id: &str) -> NovaResult<Reply> {
    let image = crate::glance::visible(state, &call.ctx)
        .find(|i| i.id == id)
        .ok_or_else(|| not_found("Image not found."))?;
    Ok(Reply::json(
        StatusCode::OK,
        &json!({"image": detail(call, image)}),
        JsonStyle::Python,
    ))
}

/// `index` and `detail`: Glance's filters by name and status, `limit` and `marker`, and
/// `images_links` when a page is full.
pub fn list(call: &NCall, state: &State, with_detail: bool) -> NovaResult<Reply> {
    let mut limit = None;
    let mut marker = None;
    let (mut name, mut status) = (None, None);
    for (k, v) in call.req.query_pairs() {
        match k.as_str() {
            "limit" => {
                if !v.bytes().all(|b| b.is_ascii_digit()) || v.is_empty() {
                    return Err(limit_not_digits(&v));
                }
                limit = v.parse::<usize>().ok();
            }
            "marker" => marker = Some(v),
            "name" => name = Some(v),
            "status" => status = Some(v.to_ascii_lowercase()),
            _ => {}
        }
    }
    // Glance's default order: newest first, then id.
    let mut images: Vec<&Image> = crate::glance::visible(state, &call.ctx)
        .filter(|i| i.visibility != "community")
        .filter(|i| name.as_ref().is_none_or(|n| &i.name == n))
        .filter(|i| status.as_ref().is_none_or(|s| i.status == s))
        .collect();
    images.sort_by(|a, b| b.created_at.cmp(&a.created_at).then(b.id.cmp(&a.id)));
    if let Some(m) = &marker {
        let at = images
            .iter()
            .position(|i| &i.id == m)
            // Glance's message, which Nova passes on as its 400 (not observed: the Nova
            // target's image service is a fixture that ignores markers).
            .ok_or_else(|| bad_request(format!("No image found with ID {m}")))?;
        images.drain(..=at);
    }
    if let Some(n) = limit {
        images.truncate(n);
    }
    let items: Vec<Value> = images
        .iter()
        .map(|i| {
            if with_detail {
                detail(call, i)
            } else {
                basic(call, i)
            }
        })
        .collect();
    let mut body = json!({"images": items});
    if let (Some(n), Some(last)) = (limit, images.last()) {
        if images.len() == n {
            let collection = if with_detail {
                "images/detail"
            } else {
                "images"
            };
            body["images_links"] = json!([{"rel": "next",
                "href": format!("{}/{collection}?limit={n}&marker={}", call.link_prefix(true), last.id)}]);
        }
    }
    Ok(Reply::json(StatusCode::OK, &body, JsonStyle::Python))
}
