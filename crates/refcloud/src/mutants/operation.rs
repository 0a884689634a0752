//! Which of the catalogue's two operations a request is, so that reply-level mutants change the
//! operation under test and leave the fixtures' other calls alone.

use axum::http::Method;

use crate::http::Req;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Operation {
    /// `PUT /v2.0/routers/{id}/remove_router_interface` (also with `.json`).
    RemoveRouterInterface,
    /// `DELETE /v2.1[/{project}]/servers/{id}/os-interface/{port}`.
    DetachInterface,
    /// `POST /v3/auth/tokens`.
    IssueToken,
}

impl Operation {
    pub fn of(req: &Req) -> Option<Operation> {
        let segments: Vec<&str> = req.path.split('/').filter(|s| !s.is_empty()).collect();
        match (&req.method, segments.as_slice()) {
            (&Method::PUT, ["networking", "v2.0", "routers", _, action])
                if action.strip_suffix(".json").unwrap_or(action) == "remove_router_interface" =>
            {
                Some(Operation::RemoveRouterInterface)
            }
            (&Method::DELETE, ["compute", "v2.1", "servers", _, "os-interface", _])
            | (&Method::DELETE, ["compute", "v2.1", _, "servers", _, "os-interface", _]) => {
                Some(Operation::DetachInterface)
            }
            (&Method::POST, ["identity", "v3", "auth", "tokens"]) => Some(Operation::IssueToken),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::body::Bytes;
    use axum::http::HeaderMap;

    fn req(method: Method, path: &str) -> Req {
        Req {
            method,
            path: path.into(),
            query: String::new(),
            headers: HeaderMap::new(),
            body: Bytes::new(),
            request_id: String::new(),
        }
    }

    #[test]
    fn recognises_the_operations_and_nothing_else() {
        let of = |m: Method, p: &str| Operation::of(&req(m, p));
        assert_eq!(
            of(
                Method::PUT,
                "/networking/v2.0/routers/r/remove_router_interface.json"
            ),
            Some(Operation::RemoveRouterInterface)
        );
        assert_eq!(
            of(
                Method::PUT,
                "/networking/v2.0/routers/r/add_router_interface"
            ),
            None
        );
        assert_eq!(
            of(Method::DELETE, "/compute/v2.1/abc/servers/s/os-interface/p"),
            Some(Operation::DetachInterface)
        );
        assert_eq!(
            of(Method::DELETE, "/compute/v2.1/servers/s/os-interface/p"),
            Some(Operation::DetachInterface)
        );
        assert_eq!(
            of(Method::GET, "/compute/v2.1/servers/s/os-interface/p"),
            None
        );
        assert_eq!(
            of(Method::POST, "/identity/v3/auth/tokens"),
            Some(Operation::IssueToken)
        );
    }
}
