//! Request URLs, parsed with their origin looked up instead of parsed again.
//!
//! Every request of a run goes to one of a handful of origins, and parsing the host
//! (IDNA included) was the costliest part of parsing a URL, about 5% of the harness's CPU
//! per request (docs/performance.md). A path-absolute reference joined onto its origin
//! gives the URL that parsing the whole string would; the tests below hold that to it.
use std::cell::RefCell;

use reqwest::Url;

/// Origins kept per thread; a run uses one per service, at most a few.
const KEEP: usize = 8;

thread_local! {
    static ORIGINS: RefCell<Vec<(String, Url)>> = const { RefCell::new(Vec::new()) };
}

/// `url` parsed; `None` when it does not parse, so the HTTP client reports why.
pub fn parse(url: &str) -> Option<Url> {
    let Some((origin, rest)) = split(url) else {
        return Url::parse(url).ok();
    };
    ORIGINS.with(|cell| {
        let mut origins = cell.borrow_mut();
        if let Some((_, base)) = origins.iter().find(|(o, _)| o == origin) {
            return base.join(rest).ok();
        }
        let base = Url::parse(origin).ok()?;
        let joined = base.join(rest).ok();
        if origins.len() == KEEP {
            origins.remove(0);
        }
        origins.push((origin.to_string(), base));
        joined
    })
}

/// `scheme://authority` and the path-absolute rest, when the rest means the same joined
/// onto the origin as it does in the whole string: it starts with one `/` (`//` would
/// name another host) and the authority is plain and not empty.
fn split(url: &str) -> Option<(&str, &str)> {
    let authority = url.find("://")? + 3;
    let slash = authority + url[authority..].find('/')?;
    let (origin, rest) = url.split_at(slash);
    let plain = |c: char| c.is_ascii_alphanumeric() || ".-_:[]@%".contains(c);
    let scheme_ok = url[..authority - 3]
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c));
    if !scheme_ok
        || origin.len() == authority
        || !origin[authority..].chars().all(plain)
        || rest.starts_with("//")
        || rest.starts_with("/\\")
    {
        return None;
    }
    Some((origin, rest))
}

#[cfg(test)]
mod tests {
    use super::*;

    const URLS: &[&str] = &[
        "http://127.0.0.1:8774/v2.1/servers/x/os-interface/y",
        "http://127.0.0.1:8774/compute/v2.1/servers?name=a%20b&x=%2F#frag",
        "https://cloud.example.com/networking/v2.0/routers/r/remove_router_interface",
        "https://Cloud.EXAMPLE.com:443/a/../b/./c/",
        "http://user:secret@host:9696/v2.0/ports",
        "http://[::1]:9696/v2.0/ports.json",
        "http://host/a b/c\td",
        "http://host/ünïcode/%zz/..%2F",
        "http://host/path?q=1?2#x#y",
        "http://host//double/slash",
        "http://host/\\backslash",
        "http://host",
        "http://host/",
        "http://bücher.example/a",
        "http://host:99999/a",
        "not a url",
        "http:///a",
        "ftp://host/a/../..",
        "http://host/trailing space ",
    ];

    #[test]
    fn parses_as_the_whole_string_does() {
        for _ in 0..2 {
            // The second round finds every origin already kept.
            for url in URLS {
                assert_eq!(parse(url), Url::parse(url).ok(), "{url}");
            }
        }
    }

    #[test]
    fn keeps_a_bounded_number_of_origins() {
        for port in 1000..1100 {
            let url = format!("http://127.0.0.1:{port}/a");
            assert_eq!(parse(&url), Url::parse(&url).ok());
        }
        ORIGINS.with(|o| assert!(o.borrow().len() <= KEEP));
    }
}
