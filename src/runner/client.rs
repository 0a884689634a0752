use std::collections::HashMap;
use std::sync::Mutex;

use crate::error::Error;

/// A reqwest client: no redirects followed (a redirect is a response to judge, and a loop
/// must not hang the case).
pub fn http_client(insecure: bool, cacert: Option<&[u8]>) -> Result<reqwest::Client, Error> {
    let mut builder = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .pool_max_idle_per_host(32)
        .user_agent(concat!("stackconform/", env!("CARGO_PKG_VERSION")))
        .danger_accept_invalid_certs(insecure);
    if let Some(pem) = cacert {
        let cert = reqwest::Certificate::from_pem(pem)
            .map_err(|e| Error::Config(format!("cacert is not a PEM certificate: {e}")))?;
        builder = builder.add_root_certificate(cert);
    }
    builder
        .build()
        .map_err(|e| Error::Config(format!("cannot build the HTTP client: {e}")))
}

/// The clients of one target's identities: those with the same TLS settings share one
/// (a `Client` is a handle to a pool; tokens travel per request). Building a client loads
/// the system's root certificates, a few milliseconds each, which for four identities was
/// most of a short run's start-up. Per target, not per process: a client's pooled
/// connections belong to the runtime that made them.
#[derive(Default)]
pub struct Clients {
    built: Mutex<HashMap<Key, reqwest::Client>>,
    /// A client being built on its own thread since the run started (`prewarm`).
    pending: Mutex<Option<(Key, Building)>>,
}

type Key = (bool, Option<Vec<u8>>);
type Building = std::thread::JoinHandle<Result<reqwest::Client, Error>>;

impl std::fmt::Debug for Clients {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Clients")
    }
}

impl Clients {
    /// Starts building the client most identities will use (no CA file of their own) on a
    /// thread, while the run loads its catalogue: on 2 cores that hides the certificate
    /// loading from the start-up.
    pub fn prewarm(&self, insecure: bool) {
        let handle = std::thread::Builder::new()
            .name("http-client".into())
            .spawn(move || http_client(insecure, None));
        if let Ok(handle) = handle {
            *self.pending.lock().unwrap_or_else(|e| e.into_inner()) =
                Some(((insecure, None), handle));
        }
    }

    pub fn get(&self, insecure: bool, cacert: Option<&[u8]>) -> Result<reqwest::Client, Error> {
        let key = (insecure, cacert.map(<[u8]>::to_vec));
        let mut clients = self.built.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(client) = clients.get(&key) {
            return Ok(client.clone());
        }
        let pending = self
            .pending
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .take();
        if let Some((k, handle)) = pending {
            if let Ok(Ok(client)) = handle.join() {
                clients.insert(k, client);
            }
            if let Some(client) = clients.get(&key) {
                return Ok(client.clone());
            }
        }
        let client = http_client(insecure, cacert)?;
        clients.insert(key, client.clone());
        Ok(client)
    }
}
