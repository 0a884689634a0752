use crate::error::Error;

/// One reqwest client per identity: connection reuse within it, no redirects followed
/// (a redirect is a response to judge, and a loop must not hang the case).
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
