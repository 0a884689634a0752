//! Test doubles that break HTTP on purpose: raw bytes on a loopback socket, no HTTP
//! library, so each one can do exactly what a well-behaved server never would.
//! `Server::start` answers discovery (Neutron's extension list) properly and misbehaves on
//! every other path, so the request under test meets the misbehaviour;
//! `Server::start_everywhere` misbehaves on discovery too, which fails the run before any
//! case (exit 3).
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use tokio::runtime::Runtime;
use tokio_rustls::rustls;
use tokio_rustls::rustls::pki_types::pem::PemObject;
use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer};

/// What the server does with each connection.
#[derive(Debug, Clone, Copy)]
pub enum Misbehaviour {
    /// A well-formed 200 whose body matches the test case's snapshot.
    Good,
    /// 200 with `Content-Type: application/json` and an HTML body.
    NotJson,
    /// Announces a 1 GiB body with Content-Length and streams it as fast as it can.
    HugeWithLength,
    /// A chunked body without length that never ends, as fast as it can.
    EndlessChunked,
    /// Headers, then one byte of body every 100 ms, forever.
    Trickle,
    /// Accepts and reads the request, never writes a byte.
    Silent,
    /// `Good` everywhere except Neutron's extension list (what discovery reads first),
    /// which is an endless chunked body.
    EndlessDiscovery,
    /// `302 Found` with `Location` pointing at the very same URL.
    RedirectToSelf,
    /// Half a status line and header, then closes the connection.
    CloseMidHeaders,
    /// Answers whatever arrives with plain-text HTTP: what a TLS client meets when an
    /// `https://` URL points at a plain-HTTP port.
    PlainHttp,
    /// A Keystone that issues a token (201, `X-Subject-Token`) whose body has no catalog.
    TokenWithoutCatalog,
}

/// The body `Good` serves; the test case's snapshot and matchers accept it.
pub const GOOD_BODY: &str = r#"{"network": {"id": "3f1bd3a5-4c52-4a52-9d4a-2b0e1d9d7c11"}}"#;

/// The extension list a well-behaved Neutron would give discovery.
const EXTENSIONS: &str = r#"{"extensions": [{"alias": "router", "name": "Neutron L3 Router"}]}"#;

/// A running double; dropping it stops every connection it serves.
pub struct Server {
    pub addr: SocketAddr,
    runtime: Option<Runtime>,
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(rt) = self.runtime.take() {
            // Endless writers are cancelled at their next await; no need to wait for them.
            rt.shutdown_background();
        }
    }
}

fn runtime() -> Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("test runtime")
}

impl Server {
    /// A plain-TCP server with `behaviour` on every request but discovery's.
    pub fn start(behaviour: Misbehaviour) -> Server {
        Self::listen(behaviour, false)
    }

    /// A plain-TCP server with `behaviour` on every request, discovery's included.
    pub fn start_everywhere(behaviour: Misbehaviour) -> Server {
        Self::listen(behaviour, true)
    }

    fn listen(behaviour: Misbehaviour, hostile_discovery: bool) -> Server {
        let rt = runtime();
        let listener = rt.block_on(TcpListener::bind("127.0.0.1:0")).expect("bind");
        let addr = listener.local_addr().expect("local addr");
        rt.spawn(async move {
            while let Ok((mut stream, _)) = listener.accept().await {
                tokio::spawn(async move {
                    let _ = stream.set_nodelay(true);
                    // Errors only mean the client went away, which is the point.
                    let _ = serve(&mut stream, behaviour, hostile_discovery).await;
                });
            }
        });
        Server {
            addr,
            runtime: Some(rt),
        }
    }

    /// A TLS server with a self-signed certificate for 127.0.0.1 that answers `Good`.
    pub fn start_self_signed_tls() -> Server {
        let rt = runtime();
        let listener = rt.block_on(TcpListener::bind("127.0.0.1:0")).expect("bind");
        let addr = listener.local_addr().expect("local addr");
        let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(tls_config()));
        rt.spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let acceptor = acceptor.clone();
                tokio::spawn(async move {
                    // A client that rejects the certificate aborts the handshake: fine.
                    if let Ok(mut tls) = acceptor.accept(stream).await {
                        let _ = serve(&mut tls, Misbehaviour::Good, false).await;
                        let _ = tls.shutdown().await;
                    }
                });
            }
        });
        Server {
            addr,
            runtime: Some(rt),
        }
    }

    pub fn url(&self, scheme: &str) -> String {
        format!("{scheme}://{}", self.addr)
    }
}

fn tls_config() -> rustls::ServerConfig {
    const CERT: &[u8] = include_bytes!("self-signed.cert.pem");
    const KEY: &[u8] = include_bytes!("self-signed.key.pem");
    let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_slice_iter(CERT)
        .collect::<Result<_, _>>()
        .expect("test certificate");
    let key = PrivateKeyDer::from_pem_slice(KEY).expect("test key");
    // ring is the provider reqwest already builds; naming it avoids a process default.
    rustls::ServerConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
        .with_safe_default_protocol_versions()
        .expect("protocol versions")
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .expect("server config")
}

/// Reads up to the end of a request head (or 64 KiB); returns the request path, or
/// `None` when the client closed the connection instead of sending another request.
async fn read_head<S: AsyncReadExt + Unpin>(stream: &mut S) -> std::io::Result<Option<String>> {
    let mut head = Vec::new();
    let mut buf = [0u8; 4096];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") && head.len() < 65536 {
        let n = stream.read(&mut buf).await?;
        if n == 0 {
            break;
        }
        head.extend_from_slice(&buf[..n]);
    }
    if head.is_empty() {
        return Ok(None);
    }
    let line = String::from_utf8_lossy(&head);
    Ok(Some(
        line.split_whitespace().nth(1).unwrap_or("/").to_string(),
    ))
}

async fn serve<S>(
    stream: &mut S,
    behaviour: Misbehaviour,
    hostile_discovery: bool,
) -> std::io::Result<()>
where
    S: AsyncReadExt + AsyncWriteExt + Unpin,
{
    if let Misbehaviour::PlainHttp = behaviour {
        // A TLS ClientHello has no blank line to wait for: answer whatever came.
        let mut buf = [0u8; 4096];
        let _ = stream.read(&mut buf).await?;
        stream
            .write_all(
                b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
            )
            .await?;
        return stream.flush().await;
    }
    // Complete answers keep the connection alive, as any HTTP/1.1 server does: closing
    // it would race the client's reuse of it and fail the next request for that reason.
    while let Some(path) = read_head(stream).await? {
        if !hostile_discovery && path.ends_with("/v2.0/extensions") {
            respond(stream, "200 OK", "application/json", EXTENSIONS).await?;
            stream.flush().await?;
            continue;
        }
        match behaviour {
            Misbehaviour::Good => respond(stream, "200 OK", "application/json", GOOD_BODY).await?,
            Misbehaviour::NotJson => {
                let body = "<html><body><h1>502 Bad Gateway</h1></body></html>";
                respond(stream, "200 OK", "application/json", body).await?
            }
            Misbehaviour::RedirectToSelf => {
                let head =
                    format!("HTTP/1.1 302 Found\r\nLocation: {path}\r\nContent-Length: 0\r\n\r\n");
                stream.write_all(head.as_bytes()).await?
            }
            Misbehaviour::EndlessDiscovery if path.ends_with("/extensions") => {
                return endless_chunked(stream).await
            }
            Misbehaviour::EndlessDiscovery => {
                respond(stream, "200 OK", "application/json", GOOD_BODY).await?
            }
            Misbehaviour::TokenWithoutCatalog => {
                let body = r#"{"token": {"project": {"id": "p"}, "user": {"id": "u"}}}"#;
                let head = format!(
                    "HTTP/1.1 201 Created\r\nContent-Type: application/json\r\nX-Subject-Token: t\r\nContent-Length: {}\r\n\r\n",
                    body.len()
                );
                stream.write_all(head.as_bytes()).await?;
                stream.write_all(body.as_bytes()).await?
            }
            other => return misbehave(stream, other).await,
        }
        stream.flush().await?;
    }
    Ok(())
}

/// The answers after which the connection is useless.
async fn misbehave<S>(stream: &mut S, behaviour: Misbehaviour) -> std::io::Result<()>
where
    S: AsyncReadExt + AsyncWriteExt + Unpin,
{
    match behaviour {
        Misbehaviour::HugeWithLength => {
            stream
                .write_all(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 1073741824\r\n\r\n")
                .await?;
            let block = vec![b' '; 64 * 1024];
            loop {
                stream.write_all(&block).await?;
            }
        }
        Misbehaviour::EndlessChunked => endless_chunked(stream).await?,
        Misbehaviour::Trickle => {
            // A length under the cap: only the clock can end this response.
            stream
                .write_all(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n")
                .await?;
            loop {
                stream.write_all(b" ").await?;
                stream.flush().await?;
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        }
        Misbehaviour::Silent => std::future::pending::<()>().await,
        Misbehaviour::CloseMidHeaders => {
            stream.write_all(b"HTTP/1.1 200 OK\r\nContent-Ty").await?;
            stream.flush().await?;
            // Returning drops the socket: the client sees EOF inside the header block.
        }
        Misbehaviour::Good
        | Misbehaviour::NotJson
        | Misbehaviour::RedirectToSelf
        | Misbehaviour::EndlessDiscovery
        | Misbehaviour::TokenWithoutCatalog
        | Misbehaviour::PlainHttp => unreachable!("answered by serve"),
    }
    stream.flush().await
}

/// A chunked body without length that never ends, written as fast as the client reads.
async fn endless_chunked<S: AsyncWriteExt + Unpin>(stream: &mut S) -> std::io::Result<()> {
    stream
        .write_all(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n")
        .await?;
    let mut chunk = b"10000\r\n".to_vec(); // 64 KiB per chunk
    chunk.extend(std::iter::repeat_n(b' ', 0x10000));
    chunk.extend_from_slice(b"\r\n");
    loop {
        stream.write_all(&chunk).await?;
    }
}

async fn respond<S: AsyncWriteExt + Unpin>(
    stream: &mut S,
    status: &str,
    content_type: &str,
    body: &str,
) -> std::io::Result<()> {
    let head = format!(
        "HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes()).await?;
    stream.write_all(body.as_bytes()).await
}
