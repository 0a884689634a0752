//! Bulk create: `POST /v2.0/networks {"networks": [{...}, {...}]}` (and subnets, ports)
//! creates each item as its own create would, all or nothing, and answers 201 with the
//! list (`{"networks": [...]}`). ML2 creates a bulk in one transaction, so the first item
//! that fails undoes the others and its error is the answer (docs/CONTRACT.md §1.6).
use axum::http::StatusCode;
use serde_json::{json, Value};

use crate::http::Reply;
use crate::neutron::errors::{http_bad_request, NResult};
use crate::neutron::request::{style_for, Call};
use crate::state::State;

type Create = fn(&Call, &mut State) -> NResult<Reply>;

/// What a failed bulk puts back: everything a network, subnet or port create touches.
struct Undo {
    networks: Vec<crate::state::Network>,
    subnets: Vec<crate::state::Subnet>,
    ports: Vec<crate::state::Port>,
    default_security_groups: std::collections::BTreeMap<String, String>,
}

impl Undo {
    fn of(state: &State) -> Self {
        Undo {
            networks: state.networks.clone(),
            subnets: state.subnets.clone(),
            ports: state.ports.clone(),
            default_security_groups: state.default_security_groups.clone(),
        }
    }

    fn restore(self, state: &mut State) {
        state.networks = self.networks;
        state.subnets = self.subnets;
        state.ports = self.ports;
        state.default_security_groups = self.default_security_groups;
    }
}

/// The bulk form of a create, when the body has the plural key with a list; `None` for a
/// single create.
pub fn create(
    call: &Call,
    state: &mut State,
    singular: &str,
    plural: &str,
    single: Create,
) -> Option<NResult<Reply>> {
    let collection = call.body.as_ref()?.get(plural)?;
    let items = match items(collection, singular) {
        Ok(items) => items,
        Err(e) => return Some(Err(e)),
    };
    let undo = Undo::of(state);
    let mut created = Vec::with_capacity(items.len());
    for item in items {
        let one = Call {
            app: call.app,
            req: call.req,
            ctx: call.ctx.clone(),
            body: Some(json!({ singular: item })),
            key: call.key,
            now: call.now,
            if_match: call.if_match.clone(),
        };
        match single(&one, state) {
            Ok(reply) => {
                let body: Value = serde_json::from_slice(&reply.body).unwrap_or(Value::Null);
                created.push(body.get(singular).cloned().unwrap_or(Value::Null));
            }
            Err(e) => {
                undo.restore(state);
                return Some(Err(e));
            }
        }
    }
    Some(Ok(Reply::json(
        StatusCode::CREATED,
        &json!({ plural: created }),
        style_for(singular),
    )))
}

/// The items of a bulk body as Neutron's API layer reads them (Python iteration and
/// truthiness, observed on Neutron 29): an empty or null collection is "Resources
/// required"; a list's items, an object's keys or a string's characters are the items; an
/// item may be wrapped in the singular key; anything that is not an object in the end is
/// "Object 'network' contains invalid data", and what cannot be iterated or asked for a
/// key (a number, true, null) is "Body contains invalid data".
fn items(collection: &Value, singular: &str) -> NResult<Vec<Value>> {
    let invalid_body = || http_bad_request("Body contains invalid data");
    let invalid_object = || http_bad_request(format!("Object '{singular}' contains invalid data"));
    let falsy = match collection {
        Value::Null | Value::Bool(false) => true,
        Value::Number(n) => n.as_f64() == Some(0.0),
        Value::String(s) => s.is_empty(),
        Value::Array(a) => a.is_empty(),
        Value::Object(o) => o.is_empty(),
        Value::Bool(true) => false,
    };
    if falsy {
        return Err(http_bad_request("Resources required"));
    }
    let raw: Vec<Value> = match collection {
        Value::Array(a) => a.clone(),
        Value::Object(o) => o.keys().map(|k| Value::String(k.clone())).collect(),
        Value::String(s) => s.chars().map(|c| Value::String(c.to_string())).collect(),
        _ => return Err(invalid_body()),
    };
    raw.into_iter()
        .map(|item| {
            let inner = match item {
                Value::Object(mut o) => match o.remove(singular) {
                    Some(wrapped) => wrapped,
                    None => Value::Object(o),
                },
                Value::String(_) | Value::Array(_) => item,
                Value::Null | Value::Bool(_) | Value::Number(_) => return Err(invalid_body()),
            };
            if inner.is_object() {
                Ok(inner)
            } else {
                Err(invalid_object())
            }
        })
        .collect()
}
