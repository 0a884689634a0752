//! Errors of starting and running the reference cloud (request errors are HTTP replies, not these).

#[derive(Debug, thiserror::Error)]
pub enum CloudError {
    #[error("cannot bind {addr}: {source}")]
    Bind {
        addr: std::net::SocketAddr,
        source: std::io::Error,
    },
    #[error("cannot read the bound address: {0}")]
    LocalAddr(std::io::Error),
    #[error("the HTTP server failed: {0}")]
    Serve(std::io::Error),
}
