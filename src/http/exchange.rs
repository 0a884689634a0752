use std::fmt;
use std::time::{Duration, Instant};

use serde_json::Value;

/// Headers whose values are secrets and never printed.
const SECRET_HEADERS: &[&str] = &["x-auth-token", "x-subject-token", "authorization"];

/// How much of a body a failure message shows.
const SHOWN_BODY_BYTES: usize = 2048;

#[derive(Debug, Clone)]
pub struct HttpRequest {
    pub method: String,
    pub url: String,
    pub headers: Vec<(String, String)>,
    pub body: Option<Vec<u8>>,
}

#[derive(Debug, Clone)]
pub struct HttpResponse {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    pub elapsed: Duration,
    /// The body parsed once: the checks, the schema, captures and the report's shape all
    /// read the same response.
    parsed: std::sync::OnceLock<Result<Value, NotJson>>,
}

/// A body that was expected to be JSON and is not.
#[derive(Debug, Clone, thiserror::Error)]
#[error("body is not JSON ({reason}); Content-Type {content_type:?}")]
pub struct NotJson {
    reason: String,
    content_type: String,
}

#[derive(Debug, thiserror::Error)]
pub enum TransportError {
    #[error("no response within {0:?} (request timeout)")]
    Timeout(Duration),
    /// The status line and headers came, the body did not finish in time.
    #[error("response incomplete after {timeout:?} (request timeout): status {status}, {received} body bytes received")]
    BodyTimeout {
        timeout: Duration,
        status: u16,
        received: usize,
    },
    #[error("response body larger than the cap of {cap} bytes")]
    BodyTooLarge { cap: usize },
    #[error("TLS handshake failed: {reason}; {hint}")]
    Tls { reason: String, hint: &'static str },
    #[error("connection failed: {0}")]
    Connect(String),
    /// The target closed or reset the connection, or the operating system gave up on it,
    /// before the request timeout: never reported as that timeout.
    #[error("the connection was closed or reset before an answer came ({0})")]
    Dropped(String),
    #[error("request failed: {0}")]
    Other(String),
}

fn classify(e: reqwest::Error, timeout: Duration, waited: Duration) -> TransportError {
    if let Some(dropped) = dropped(e.is_timeout(), &error_chain(&e), waited, timeout) {
        dropped
    } else if e.is_timeout() {
        TransportError::Timeout(timeout)
    } else if let Some(tls) = tls_error(&e) {
        // rustls's own words ("received corrupt message of type InvalidContentType")
        // never say TLS; the user needs to know which layer failed and what to check.
        let hint = match tls {
            rustls::Error::InvalidCertificate(_) => {
                "the target's certificate is not trusted: give its CA with `cacert` in clouds.yaml, or run with --insecure"
            }
            rustls::Error::InvalidMessage(_) => {
                "the server does not speak TLS there: is the endpoint plain http://?"
            }
            _ => "check the endpoint's scheme, port and TLS setup",
        };
        TransportError::Tls {
            reason: error_chain(&e),
            hint,
        }
    } else if e.is_connect() {
        TransportError::Connect(error_chain(&e))
    } else {
        TransportError::Other(error_chain(&e))
    }
}

/// The rustls error behind a request error, if TLS is what failed. hyper-rustls wraps
/// it in `io::Error`s, whose `source()` skips the wrapped error, hence `get_ref`.
fn tls_error<'a>(e: &'a (dyn std::error::Error + 'static)) -> Option<&'a rustls::Error> {
    let mut cur = Some(e);
    while let Some(err) = cur {
        if let Some(tls) = err.downcast_ref::<rustls::Error>() {
            return Some(tls);
        }
        cur = match err.downcast_ref::<std::io::Error>() {
            Some(io) => io
                .get_ref()
                .map(|inner| inner as &(dyn std::error::Error + 'static)),
            None => err.source(),
        };
    }
    None
}

/// A failure that is the peer's or the system's doing, not the run's timeout: an error
/// reqwest calls a timeout although the run's own deadline has not passed (the system
/// gave up on the connection), or a connection closed or reset mid-exchange.
fn dropped(
    is_timeout: bool,
    chain: &str,
    waited: Duration,
    timeout: Duration,
) -> Option<TransportError> {
    const CLOSED: &[&str] = &[
        "connection closed before message completed",
        "connection reset",
        "broken pipe",
        "unexpected end of file",
        "unexpected eof",
    ];
    let lower = chain.to_ascii_lowercase();
    if (is_timeout && waited < timeout) || CLOSED.iter().any(|c| lower.contains(c)) {
        Some(TransportError::Dropped(format!(
            "after {waited:.1?}: {chain}"
        )))
    } else {
        None
    }
}

fn error_chain(e: &dyn std::error::Error) -> String {
    let mut s = e.to_string();
    let mut cur = e.source();
    while let Some(inner) = cur {
        s.push_str(": ");
        s.push_str(&inner.to_string());
        cur = inner.source();
    }
    s
}

/// Sends one request. The timeout covers the whole exchange, body included; a body
/// over `cap` bytes is refused before it is read in full.
pub async fn send(
    client: &reqwest::Client,
    req: &HttpRequest,
    timeout: Duration,
    cap: usize,
) -> Result<HttpResponse, TransportError> {
    let method = reqwest::Method::from_bytes(req.method.as_bytes())
        .map_err(|e| TransportError::Other(e.to_string()))?;
    let mut builder = match super::url::parse(&req.url) {
        Some(url) => client.request(method, url),
        None => client.request(method, &req.url),
    };
    for (k, v) in &req.headers {
        builder = builder.header(k, v);
    }
    if let Some(body) = &req.body {
        builder = builder.body(body.clone());
    }
    let started = Instant::now();
    // Status and body bytes so far, kept outside `work` so a timeout can tell "no
    // response" from "a response that never ends".
    let mut progress: Option<(u16, usize)> = None;
    let work = async {
        let mut resp = builder
            .send()
            .await
            .map_err(|e| classify(e, timeout, started.elapsed()))?;
        let status = resp.status().as_u16();
        progress = Some((status, 0));
        let headers = resp
            .headers()
            .iter()
            .map(|(k, v)| {
                (
                    k.as_str().to_string(),
                    String::from_utf8_lossy(v.as_bytes()).into_owned(),
                )
            })
            .collect();
        if resp.content_length().is_some_and(|n| n as usize > cap) {
            return Err(TransportError::BodyTooLarge { cap });
        }
        let mut body = Vec::new();
        while let Some(chunk) = resp
            .chunk()
            .await
            .map_err(|e| classify(e, timeout, started.elapsed()))?
        {
            if body.len() + chunk.len() > cap {
                return Err(TransportError::BodyTooLarge { cap });
            }
            body.extend_from_slice(&chunk);
            progress = Some((status, body.len()));
        }
        Ok(HttpResponse {
            status,
            headers,
            body,
            elapsed: started.elapsed(),
            parsed: std::sync::OnceLock::new(),
        })
    };
    // reqwest's own timeout does not cover a body that trickles forever; this one does.
    let outcome = tokio::time::timeout(timeout, work).await;
    match (outcome, progress) {
        (Ok(r), _) => r,
        (Err(_), None) => Err(TransportError::Timeout(timeout)),
        (Err(_), Some((status, received))) => Err(TransportError::BodyTimeout {
            timeout,
            status,
            received,
        }),
    }
}

impl HttpResponse {
    /// All values of a header (case-insensitive), joined as one field would be.
    pub fn header(&self, name: &str) -> Option<String> {
        let values: Vec<&str> = self
            .headers
            .iter()
            .filter(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
            .collect();
        (!values.is_empty()).then(|| values.join(", "))
    }

    /// `Content-Length: 0` counts as no body even under a JSON Content-Type (Nova's 202).
    pub fn has_body(&self) -> bool {
        !self.body.is_empty()
    }

    /// The start of the body as text, for a message (`(empty body)` when there is none).
    pub fn body_snippet(&self, max: usize) -> String {
        if self.body.is_empty() {
            return "(empty body)".into();
        }
        let text = String::from_utf8_lossy(&self.body[..self.body.len().min(max)]);
        let more = if self.body.len() > max { "..." } else { "" };
        format!("{}{more}", text.trim_end())
    }

    /// The body as JSON, parsed on first use.
    pub fn json(&self) -> Result<&Value, NotJson> {
        self.parsed
            .get_or_init(|| {
                serde_json::from_slice(&self.body).map_err(|e| NotJson {
                    reason: e.to_string(),
                    content_type: self.header("content-type").unwrap_or_default(),
                })
            })
            .as_ref()
            .map_err(Clone::clone)
    }
}

/// Whether a header carries a secret (a token) that must never be shown.
pub fn is_secret_header(name: &str) -> bool {
    SECRET_HEADERS.iter().any(|s| name.eq_ignore_ascii_case(s))
}

fn redact(name: &str, value: &str) -> String {
    if is_secret_header(name) {
        "<redacted>".into()
    } else {
        value.to_string()
    }
}

fn show_body(f: &mut fmt::Formatter<'_>, body: &[u8]) -> fmt::Result {
    if body.is_empty() {
        return Ok(());
    }
    let text = String::from_utf8_lossy(body);
    if text.len() > SHOWN_BODY_BYTES {
        let cut = text.floor_char_boundary(SHOWN_BODY_BYTES);
        writeln!(f, "{}", &text[..cut])?;
        writeln!(f, "[… {} more bytes not shown]", text.len() - cut)
    } else {
        writeln!(f, "{text}")
    }
}

impl fmt::Display for HttpRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "> {} {}", self.method, self.url)?;
        for (k, v) in &self.headers {
            writeln!(f, "> {k}: {}", redact(k, v))?;
        }
        match &self.body {
            Some(b) if b.len() > SHOWN_BODY_BYTES * 4 => {
                writeln!(f, "[request body of {} bytes not shown]", b.len())
            }
            Some(b) => show_body(f, b),
            None => Ok(()),
        }
    }
}

impl fmt::Display for HttpResponse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "< {} ({} ms)", self.status, self.elapsed.as_millis())?;
        for (k, v) in &self.headers {
            writeln!(f, "< {k}: {}", redact(k, v))?;
        }
        show_body(f, &self.body)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECOND: Duration = Duration::from_secs(1);

    // Found on real Neutron 29 at 16 cases at once: connections its server dropped were
    // reported as "no response within 120s (request timeout)" in a run of 37 s.
    #[test]
    fn a_timeout_before_the_deadline_is_the_connection_dropped_not_the_run_timing_out() {
        let d = dropped(true, "operation timed out", 2 * SECOND, 120 * SECOND);
        let text = d.expect("not the run's timeout").to_string();
        assert!(
            text.starts_with("the connection was closed or reset"),
            "{text}"
        );
        assert!(text.contains("after 2.0s: operation timed out"), "{text}");
        assert!(dropped(true, "operation timed out", 120 * SECOND, 120 * SECOND).is_none());
    }

    #[test]
    fn a_closed_or_reset_connection_is_named_so() {
        for chain in [
            "error sending request: connection closed before message completed",
            "error sending request: Connection reset by peer (os error 104)",
        ] {
            assert!(matches!(
                dropped(false, chain, SECOND, 30 * SECOND),
                Some(TransportError::Dropped(_))
            ));
        }
        assert!(dropped(false, "dns error", SECOND, 30 * SECOND).is_none());
    }
}
