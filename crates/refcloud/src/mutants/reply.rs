//! Reply-level mutants: deviations visible in the reply alone (status, headers, body shape). They run in
//! `Behaviour::finish`, after the handler, so the handler's side effects are those of a correct cloud.

use axum::http::StatusCode;
use serde_json::{json, Map, Value};

use crate::behaviour::Service;
use crate::http::{to_json, JsonStyle, Reply, Req};
use crate::mutants::{Mutant, Operation};

/// Applies `mutant` to `reply` if the mutant concerns this request; otherwise returns it unchanged.
pub fn mutate_reply(mutant: Mutant, service: Service, req: &Req, reply: Reply) -> Reply {
    use Mutant::*;
    let op = Operation::of(req);
    let status = reply.status;
    let remove = op == Some(Operation::RemoveRouterInterface);
    let detach = op == Some(Operation::DetachInterface);
    let issue = op == Some(Operation::IssueToken);
    match mutant {
        NeutronRemove204 if remove && status == StatusCode::OK => {
            let mut reply = reply.without_header("content-type");
            reply.status = StatusCode::NO_CONTENT;
            reply.with_body(Vec::new())
        }
        NeutronReader401 if remove && status == StatusCode::FORBIDDEN => {
            with_status(reply, StatusCode::UNAUTHORIZED)
        }
        NeutronMismatch409
            if remove
                && status == StatusCode::BAD_REQUEST
                && neutron_error_type(&reply).as_deref() == Some("SubnetMismatchForPort") =>
        {
            with_status(reply, StatusCode::CONFLICT)
        }
        NeutronNoSubnetIds if remove && status == StatusCode::OK => edit_object(reply, |m| {
            m.remove("subnet_ids");
        }),
        NeutronSubnetIdsString if remove && status == StatusCode::OK => edit_object(reply, |m| {
            let first = m
                .get("subnet_ids")
                .and_then(|ids| ids.get(0))
                .cloned()
                .unwrap_or_else(|| json!(""));
            m.insert("subnet_ids".into(), first);
        }),
        NeutronExtraTags if remove && status == StatusCode::OK => edit_object(reply, |m| {
            m.insert("tags".into(), json!([]));
        }),
        NeutronBothOwnerKeys if remove && status == StatusCode::OK => edit_object(reply, |m| {
            let owner = m
                .get("project_id")
                .or_else(|| m.get("tenant_id"))
                .cloned()
                .unwrap_or_else(|| json!(""));
            m.insert("project_id".into(), owner.clone());
            m.insert("tenant_id".into(), owner);
        }),
        NeutronNoOwnerKey if remove && status == StatusCode::OK => edit_object(reply, |m| {
            m.remove("project_id");
            m.remove("tenant_id");
        }),
        NeutronBareError if remove && status.is_client_error() => edit_value(reply, |v| {
            if let Some(inner) = v.get("NeutronError").cloned() {
                *v = inner;
            }
        }),
        NeutronNoRequestId if remove => reply.without_header("x-openstack-request-id"),
        NeutronTextContentType if remove && !reply.body.is_empty() => {
            reply.set_header("content-type", "text/plain; charset=UTF-8")
        }
        NovaDetach204 if detach && status == StatusCode::ACCEPTED => {
            let mut reply = reply.without_header("content-type");
            reply.status = StatusCode::NO_CONTENT;
            reply
        }
        NovaDetach200 if detach && status == StatusCode::ACCEPTED => {
            with_status(reply, StatusCode::OK)
        }
        NovaLocked400 if detach && status == StatusCode::CONFLICT && is_lock_fault(&reply) => {
            let reply = edit_value(reply, |v| {
                if let Some(fault) = v.get("conflictingRequest").cloned() {
                    let mut fault = fault;
                    fault["code"] = json!(400);
                    *v = json!({ "badRequest": fault });
                }
            });
            with_status(reply, StatusCode::BAD_REQUEST)
        }
        NovaFaultKeyRenamed if detach && status.is_client_error() => edit_object(reply, |m| {
            if m.len() == 1 {
                if let Some((_, fault)) = m.iter().next().map(|(k, v)| (k.clone(), v.clone())) {
                    m.clear();
                    m.insert("fault".into(), fault);
                }
            }
        }),
        NovaNoRequestId if detach => reply.without_header("x-openstack-request-id"),
        NovaNoMicroversionHeaders if detach => reply
            .without_header("openstack-api-version")
            .without_header("x-openstack-nova-api-version")
            .without_header("vary"),
        NoWwwAuthenticate
            if matches!(service, Service::Network | Service::Compute)
                && status == StatusCode::UNAUTHORIZED =>
        {
            reply.without_header("www-authenticate")
        }
        KeystoneNoSubjectToken if issue => reply.without_header("x-subject-token"),
        KeystoneNoComputeEndpoint if service == Service::Identity => edit_value(reply, |v| {
            if let Some(Value::Array(catalog)) = v.pointer_mut("/token/catalog") {
                catalog.retain(|entry| entry.get("type") != Some(&json!("compute")));
            }
        }),
        _ => reply,
    }
}

fn with_status(mut reply: Reply, status: StatusCode) -> Reply {
    reply.status = status;
    reply
}

fn parse(reply: &Reply) -> Option<Value> {
    serde_json::from_slice(&reply.body).ok()
}

fn neutron_error_type(reply: &Reply) -> Option<String> {
    parse(reply)?
        .pointer("/NeutronError/type")?
        .as_str()
        .map(str::to_owned)
}

fn is_lock_fault(reply: &Reply) -> bool {
    parse(reply)
        .and_then(|v| {
            v.pointer("/conflictingRequest/message")
                .and_then(Value::as_str)
                .map(|m| m.ends_with("is locked"))
        })
        .unwrap_or(false)
}

/// Rewrites a JSON body; a body that is not JSON is left alone (the mutant then changes nothing).
fn edit_value(reply: Reply, edit: impl FnOnce(&mut Value)) -> Reply {
    let Some(mut value) = parse(&reply) else {
        return reply;
    };
    edit(&mut value);
    reply.with_body(to_json(&value, JsonStyle::Python))
}

fn edit_object(reply: Reply, edit: impl FnOnce(&mut Map<String, Value>)) -> Reply {
    edit_value(reply, |v| {
        if let Value::Object(map) = v {
            edit(map);
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::body::Bytes;
    use axum::http::{HeaderMap, Method};

    fn remove_req() -> Req {
        Req {
            method: Method::PUT,
            path: "/networking/v2.0/routers/r/remove_router_interface".into(),
            query: String::new(),
            headers: HeaderMap::new(),
            body: Bytes::new(),
            request_id: "req-1".into(),
        }
    }

    fn info() -> Reply {
        Reply::json(
            StatusCode::OK,
            &json!({"id": "r", "project_id": "p", "subnet_ids": ["s"]}),
            JsonStyle::Python,
        )
        .header("x-openstack-request-id", "req-1")
    }

    fn body(reply: &Reply) -> Value {
        serde_json::from_slice(&reply.body).unwrap()
    }

    #[test]
    fn body_mutants_change_only_their_field() {
        let r = mutate_reply(
            Mutant::NeutronSubnetIdsString,
            Service::Network,
            &remove_req(),
            info(),
        );
        assert_eq!(body(&r)["subnet_ids"], json!("s"));
        let r = mutate_reply(
            Mutant::NeutronBothOwnerKeys,
            Service::Network,
            &remove_req(),
            info(),
        );
        assert_eq!(body(&r)["tenant_id"], json!("p"));
        assert_eq!(body(&r)["project_id"], json!("p"));
        let r = mutate_reply(
            Mutant::NeutronNoRequestId,
            Service::Network,
            &remove_req(),
            info(),
        );
        assert!(r.header_value("x-openstack-request-id").is_none());
    }

    #[test]
    fn other_requests_are_untouched() {
        let mut req = remove_req();
        req.path = "/networking/v2.0/routers/r/add_router_interface".into();
        let r = mutate_reply(Mutant::NeutronRemove204, Service::Network, &req, info());
        assert_eq!(r.status, StatusCode::OK);
        assert_eq!(body(&r)["subnet_ids"], json!(["s"]));
    }
}
