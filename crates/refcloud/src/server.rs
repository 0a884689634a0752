//! Starting, serving and stopping the reference cloud on one loopback port.

use std::collections::BTreeMap;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::{Request, State as AxState};
use axum::http::StatusCode;
use axum::response::Response;
use axum::Router;
use tokio::task::JoinHandle;

use crate::app::App;
use crate::behaviour::Service;
use crate::clouds_yaml;
use crate::config::CloudConfig;
use crate::error::CloudError;
use crate::http::{Reply, Req};
use crate::identities::SeededIdentity;
use crate::ids::{self, Ids};
use crate::injection::{self, FaultKind, InjectedFault};
use crate::inventory::Inventory;
use crate::journal::JournalEntry;
use crate::mutants::Mutant;
use crate::seed::{self, REGION};
use crate::{keystone, neutron, nova};

/// Body cap for Keystone and Neutron, which have no sizelimit of their own in the contract; it only keeps a
/// hostile client from making the cloud buffer without bound.
const OTHER_BODY_LIMIT: usize = 8 * 1024 * 1024;
/// How long `shutdown` waits for open connections before giving up on them.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(5);

pub struct RunningCloud {
    app: Arc<App>,
    addr: SocketAddr,
    facts: BTreeMap<String, String>,
    server: JoinHandle<Result<(), std::io::Error>>,
}

pub async fn start(config: CloudConfig) -> Result<RunningCloud, CloudError> {
    let listener = tokio::net::TcpListener::bind(config.listen)
        .await
        .map_err(|source| CloudError::Bind {
            addr: config.listen,
            source,
        })?;
    let addr = listener.local_addr().map_err(CloudError::LocalAddr)?;
    let base_url = format!("http://{addr}");
    let ids = Ids::new(config.seed);
    let seeded = seed::seed(&ids, &base_url);
    let mut facts = BTreeMap::new();
    facts.insert("image_id".to_string(), seeded.image_id.clone());
    facts.insert("flavor_id".to_string(), "1".to_string());
    facts.insert("network_id".to_string(), seeded.network_id.clone());
    facts.insert("subnet_id".to_string(), seeded.subnet_id.clone());
    facts.insert("region".to_string(), REGION.to_string());
    facts.insert(
        "max_microversion".to_string(),
        nova::microversion::MAX.to_string(),
    );
    facts.insert("auth_url".to_string(), format!("{base_url}/identity/v3"));
    facts.insert(
        "compute_url".to_string(),
        format!("{base_url}/compute/v2.1"),
    );
    facts.insert("network_url".to_string(), format!("{base_url}/networking"));
    for identity in &seeded.identities {
        let key = match identity.role {
            crate::identities::Role::Owner => "project_id",
            crate::identities::Role::Other => "alt_project_id",
            _ => continue,
        };
        facts.insert(key.to_string(), identity.project_id.clone());
    }
    let app = Arc::new(App::new(
        config,
        base_url,
        ids,
        seeded.identities,
        seeded.state,
    ));
    let router = Router::new()
        .fallback(dispatch)
        .with_state(Arc::clone(&app));
    let stop = app.shutdown_signal();
    let server = tokio::spawn(async move {
        axum::serve(listener, router)
            .with_graceful_shutdown(stop)
            .await
    });
    tracing::info!(%addr, "reference cloud listening");
    Ok(RunningCloud {
        app,
        addr,
        facts,
        server,
    })
}

/// Serves until `until` resolves, then stops gracefully (what `stackconform serve` needs).
pub async fn serve_until(
    config: CloudConfig,
    until: impl Future<Output = ()>,
    on_ready: impl FnOnce(&RunningCloud),
) -> Result<(), CloudError> {
    let cloud = start(config).await?;
    on_ready(&cloud);
    until.await;
    cloud.shutdown().await;
    Ok(())
}

impl RunningCloud {
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn auth_url(&self) -> String {
        format!("{}/identity/v3", self.base_url())
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    pub fn identities(&self) -> &[SeededIdentity] {
        &self.app.identities
    }

    pub fn identity(&self, role: crate::identities::Role) -> Option<&SeededIdentity> {
        self.app.identities.iter().find(|i| i.role == role)
    }

    pub fn facts(&self) -> BTreeMap<String, String> {
        self.facts.clone()
    }

    pub fn clouds_yaml(&self) -> String {
        clouds_yaml::render(&self.auth_url(), REGION, &self.app.identities, &self.facts)
    }

    pub fn inventory(&self) -> Inventory {
        Inventory::of(&self.app.lock())
    }

    /// The requests answered so far (the most recent 65,536), oldest first.
    pub fn journal(&self) -> Vec<JournalEntry> {
        self.app.journal.entries()
    }

    /// The faults injected so far (the most recent 65,536), oldest first.
    pub fn injected_faults(&self) -> Vec<InjectedFault> {
        self.app
            .faults
            .as_ref()
            .map(|f| f.log())
            .unwrap_or_default()
    }

    /// A project-scoped token for a seeded identity without going through HTTP.
    pub fn token_for(&self, role: crate::identities::Role) -> Option<String> {
        let identity = self.identity(role)?;
        keystone::issue_for(
            &self.app,
            &identity.user_id,
            &identity.project_id,
            self.app.config.token_ttl,
        )
    }

    pub async fn shutdown(self) {
        self.app.signal_shutdown();
        let abort = self.server.abort_handle();
        match tokio::time::timeout(SHUTDOWN_GRACE, self.server).await {
            Ok(Ok(Err(e))) => tracing::warn!("reference cloud server error: {e}"),
            Ok(_) => {}
            Err(_) => abort.abort(),
        }
    }
}

async fn dispatch(AxState(app): AxState<Arc<App>>, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    let path = parts.uri.path().to_string();
    let service = if path == "/identity" || path.starts_with("/identity/") {
        Service::Identity
    } else if path == "/networking" || path.starts_with("/networking/") {
        Service::Network
    } else if path == "/compute" || path.starts_with("/compute/") {
        Service::Compute
    } else if path == "/image" || path.starts_with("/image/") {
        Service::Image
    } else {
        Service::Other
    };
    let request_id = ids::request_id();
    // The mutant stands for a deployment whose sizelimit middleware is missing.
    let limit = if service == Service::Compute && !app.mutant(Mutant::NovaBodyLimitIgnored) {
        app.config.max_request_body
    } else {
        OTHER_BODY_LIMIT
    };
    let declared = parts
        .headers
        .get("content-length")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());
    let too_large = |req_id: &str| -> Response {
        let accept = parts.headers.get("accept").and_then(|v| v.to_str().ok());
        if service == Service::Compute {
            nova::too_large(req_id, accept).into_response()
        } else {
            Reply::new(StatusCode::PAYLOAD_TOO_LARGE).into_response()
        }
    };
    // oslo.middleware sizelimit runs before authtoken: a declared length over the limit is refused unread.
    if declared.is_some_and(|n| n > limit as u64) {
        return too_large(&request_id);
    }
    let body = match axum::body::to_bytes(body, limit).await {
        Ok(b) => b,
        Err(_) => return too_large(&request_id),
    };
    let req = Req {
        method: parts.method.clone(),
        path,
        query: parts.uri.query().unwrap_or("").to_string(),
        headers: parts.headers.clone(),
        body,
        request_id,
    };
    // The profile's answer time: the work is done, and visible, when the answer leaves.
    let answer_time = app
        .timings
        .answer_time(service, req.method.as_str(), &req.path);
    if !answer_time.is_zero() {
        tokio::time::sleep(answer_time).await;
    }
    let fault = app.faults.as_ref().and_then(|f| {
        f.decide(&req.method, &req.path)
            .map(|k| (k, f.plan().latency))
    });
    let reply = match fault {
        Some((FaultKind::Drop, _)) => return injection::dropped(),
        Some((FaultKind::Unavailable, _)) => injection::unavailable(service, &req.request_id),
        Some((FaultKind::Latency, latency)) => {
            tokio::time::sleep(latency).await;
            answer(&app, service, &req)
        }
        Some((FaultKind::Truncate, _)) | None => answer(&app, service, &req),
    };
    app.journal.record(JournalEntry {
        method: req.method.to_string(),
        path: req.path.clone(),
        status: reply.status.as_u16(),
    });
    match fault {
        Some((FaultKind::Truncate, _)) => injection::truncated(reply),
        _ => reply.into_response(),
    }
}

/// The service's reply, as the selected mutant (if any) deviates it.
fn answer(app: &Arc<App>, service: Service, req: &Req) -> Reply {
    let reply = match service {
        Service::Identity => keystone::handle(app, req),
        Service::Network => neutron::handle(app, req),
        Service::Compute => nova::handle(app, req),
        Service::Image => crate::glance::handle(app, req),
        Service::Other => crate::http::webob_page(
            StatusCode::NOT_FOUND,
            "Not Found",
            "The resource could not be found.",
            req.header("accept"),
        ),
    };
    app.behaviour.finish(service, req, reply)
}
