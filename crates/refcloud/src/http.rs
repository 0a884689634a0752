//! The request and reply types every service handler works with, and the wire-format helpers they share.
//!
//! Handlers are synchronous functions from `Req` to `Reply`: the whole state is in memory, so the only
//! asynchronous steps (reading the body, writing the response) live in `server.rs`.

use axum::body::{Body, Bytes};
use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode};
use axum::response::Response;
use serde_json::Value;

pub struct Req {
    pub method: Method,
    pub path: String,
    pub query: String,
    pub headers: HeaderMap,
    pub body: Bytes,
    pub request_id: String,
}

impl Req {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    pub fn query_pairs(&self) -> Vec<(String, String)> {
        parse_query(&self.query)
    }
}

#[derive(Debug)]
pub struct Reply {
    pub status: StatusCode,
    pub headers: Vec<(HeaderName, HeaderValue)>,
    pub body: Bytes,
}

/// Python's `json.dumps` separators (`", "`, `": "`) versus compact output. docs/CONTRACT.md §7 (item 1): Neutron network,
/// subnet and port bodies are compact; router, interface and error bodies and all Nova bodies are not.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JsonStyle {
    Compact,
    Python,
}

impl Reply {
    pub fn new(status: StatusCode) -> Self {
        Reply {
            status,
            headers: Vec::new(),
            body: Bytes::new(),
        }
    }

    pub fn json(status: StatusCode, value: &Value, style: JsonStyle) -> Self {
        Reply::new(status)
            .header("content-type", "application/json")
            .with_body(to_json(value, style))
    }

    pub fn with_body(mut self, body: impl Into<Bytes>) -> Self {
        self.body = body.into();
        self
    }

    /// Adds a header; values that are not valid header text are dropped rather than failing the request.
    pub fn header(mut self, name: &'static str, value: impl AsRef<str>) -> Self {
        if let Ok(v) = HeaderValue::from_str(value.as_ref()) {
            self.headers.push((HeaderName::from_static(name), v));
        }
        self
    }

    pub fn set_header(mut self, name: &'static str, value: impl AsRef<str>) -> Self {
        self.headers.retain(|(n, _)| n.as_str() != name);
        self.header(name, value)
    }

    pub fn without_header(mut self, name: &str) -> Self {
        self.headers
            .retain(|(n, _)| !n.as_str().eq_ignore_ascii_case(name));
        self
    }

    pub fn header_value(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.as_str().eq_ignore_ascii_case(name))
            .and_then(|(_, v)| v.to_str().ok())
    }

    pub fn into_response(self) -> Response {
        let mut resp = Response::new(Body::from(self.body));
        *resp.status_mut() = self.status;
        let headers = resp.headers_mut();
        for (name, value) in self.headers {
            headers.append(name, value);
        }
        resp
    }
}

pub fn to_json(value: &Value, style: JsonStyle) -> Vec<u8> {
    let mut out = Vec::new();
    let result = match style {
        JsonStyle::Compact => serde_json::to_writer(&mut out, value),
        JsonStyle::Python => {
            let mut ser = serde_json::Serializer::with_formatter(&mut out, PythonFormatter);
            serde::Serialize::serialize(value, &mut ser)
        }
    };
    // Serialising a `Value` into a Vec cannot fail; fall back to an empty object rather than panic.
    if result.is_err() {
        return b"{}".to_vec();
    }
    out
}

struct PythonFormatter;

impl serde_json::ser::Formatter for PythonFormatter {
    fn begin_array_value<W: ?Sized + std::io::Write>(
        &mut self,
        writer: &mut W,
        first: bool,
    ) -> std::io::Result<()> {
        if first {
            Ok(())
        } else {
            writer.write_all(b", ")
        }
    }

    fn begin_object_key<W: ?Sized + std::io::Write>(
        &mut self,
        writer: &mut W,
        first: bool,
    ) -> std::io::Result<()> {
        if first {
            Ok(())
        } else {
            writer.write_all(b", ")
        }
    }

    fn begin_object_value<W: ?Sized + std::io::Write>(
        &mut self,
        writer: &mut W,
    ) -> std::io::Result<()> {
        writer.write_all(b": ")
    }
}

pub fn parse_query(query: &str) -> Vec<(String, String)> {
    query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|pair| match pair.split_once('=') {
            Some((k, v)) => (percent_decode(k), percent_decode(v)),
            None => (percent_decode(pair), String::new()),
        })
        .collect()
}

pub fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).ok();
                match hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                    Some(b) => {
                        out.push(b);
                        i += 2;
                    }
                    None => out.push(b'%'),
                }
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Media type of the request's Content-Type, lower-cased and without parameters.
pub fn media_type(value: &str) -> String {
    value
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase()
}

/// What webob's `WSGIHTTPException.generate_response` would pick for this Accept header
/// (offers `text/html` then `application/json`; no Accept header at all gives plain text).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WebobFormat {
    Html,
    Json,
    Plain,
}

pub fn webob_format(accept: Option<&str>) -> WebobFormat {
    let Some(accept) = accept else {
        return WebobFormat::Plain;
    };
    let mut best: Option<(f32, usize, WebobFormat)> = None;
    for (offer_index, (offer, format)) in [
        ("text/html", WebobFormat::Html),
        ("application/json", WebobFormat::Json),
    ]
    .into_iter()
    .enumerate()
    {
        let (otype, osub) = offer.split_once('/').unwrap_or((offer, ""));
        let mut q_for_offer: Option<(f32, u8)> = None;
        for range in accept.split(',') {
            let mut parts = range.split(';');
            let mtype = parts.next().unwrap_or("").trim().to_ascii_lowercase();
            let q = parts
                .filter_map(|p| p.trim().strip_prefix("q=").map(str::to_owned))
                .find_map(|v| v.trim().parse::<f32>().ok())
                .unwrap_or(1.0);
            let (rtype, rsub) = mtype.split_once('/').unwrap_or((mtype.as_str(), ""));
            let specificity = if rtype == otype && rsub == osub {
                3
            } else if rtype == otype && rsub == "*" {
                2
            } else if rtype == "*" && rsub == "*" {
                1
            } else {
                continue;
            };
            if q_for_offer.is_none_or(|(_, s)| specificity > s) {
                q_for_offer = Some((q, specificity));
            }
        }
        if let Some((q, _)) = q_for_offer {
            if q > 0.0 && best.is_none_or(|(bq, _, _)| q > bq) {
                best = Some((q, offer_index, format));
            }
        }
    }
    best.map(|(_, _, f)| f).unwrap_or(WebobFormat::Plain)
}

/// A webob error page (`webob.exc.WSGIHTTPException`), as served by routing misses and middleware.
pub fn webob_page(
    status: StatusCode,
    title: &str,
    explanation: &str,
    accept: Option<&str>,
) -> Reply {
    let code = format!("{} {}", status.as_u16(), title);
    match webob_format(accept) {
        WebobFormat::Html => Reply::new(status)
            .header("content-type", "text/html; charset=UTF-8")
            .with_body(format!(
                "<html>\n <head>\n  <title>{code}</title>\n </head>\n <body>\n  <h1>{code}</h1>\n  {explanation}<br /><br />\n\n\n\n </body>\n</html>"
            )),
        WebobFormat::Json => {
            let mut map = serde_json::Map::new();
            map.insert(
                "message".into(),
                Value::String(format!("{explanation}<br /><br />\n\n\n")),
            );
            map.insert("code".into(), Value::String(code));
            map.insert("title".into(), Value::String(title.to_string()));
            Reply::json(status, &Value::Object(map), JsonStyle::Python)
        }
        WebobFormat::Plain => Reply::new(status)
            .header("content-type", "text/plain; charset=UTF-8")
            .with_body(format!("{code}\n\n{explanation}\n\n   ")),
    }
}

/// Python's `str()` of a JSON-decoded value, for messages that interpolate request data with `%s`.
pub fn python_str(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => python_repr(other),
    }
}

pub fn python_repr(value: &Value) -> String {
    match value {
        Value::Null => "None".into(),
        Value::Bool(true) => "True".into(),
        Value::Bool(false) => "False".into(),
        Value::Number(n) => n.to_string(),
        Value::String(s) => format!("'{}'", s.replace('\\', "\\\\").replace('\'', "\\'")),
        Value::Array(items) => format!(
            "[{}]",
            items.iter().map(python_repr).collect::<Vec<_>>().join(", ")
        ),
        Value::Object(map) => format!(
            "{{{}}}",
            map.iter()
                .map(|(k, v)| format!("'{}': {}", k, python_repr(v)))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accept_negotiation_matches_webob() {
        assert_eq!(webob_format(None), WebobFormat::Plain);
        assert_eq!(webob_format(Some("*/*")), WebobFormat::Html);
        assert_eq!(webob_format(Some("text/html")), WebobFormat::Html);
        assert_eq!(webob_format(Some("application/json")), WebobFormat::Json);
        assert_eq!(
            webob_format(Some("application/json, text/html;q=0.5")),
            WebobFormat::Json
        );
        assert_eq!(webob_format(Some("image/png")), WebobFormat::Plain);
    }

    #[test]
    fn python_separators() {
        let v = serde_json::json!({"a": [1, 2], "b": {"c": null}});
        assert_eq!(
            String::from_utf8_lossy(&to_json(&v, JsonStyle::Python)),
            r#"{"a": [1, 2], "b": {"c": null}}"#
        );
    }

    #[test]
    fn query_decoding() {
        assert_eq!(
            parse_query("router%3Aexternal=true&name=a+b&x"),
            vec![
                ("router:external".into(), "true".into()),
                ("name".into(), "a b".into()),
                ("x".into(), String::new())
            ]
        );
        assert_eq!(percent_decode("%zz%4"), "%zz%4");
    }
}
