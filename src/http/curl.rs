//! A copy-pasteable `curl` command for a request, with the token left to the shell.
use super::exchange::{is_secret_header, HttpRequest};

/// Bodies larger than this are described instead of inlined.
const INLINE_BODY_BYTES: usize = 4096;

/// POSIX shell single quoting.
fn quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', r"'\''"))
}

/// The command reproducing `req`. Secret headers become `"$OS_TOKEN"` (set it with, e.g.,
/// `export OS_TOKEN=$(openstack token issue -f value -c id)`).
pub fn curl(req: &HttpRequest) -> String {
    let mut cmd = format!("curl -i -X {} {}", req.method, quote(&req.url));
    for (k, v) in &req.headers {
        if is_secret_header(k) {
            cmd.push_str(&format!(" -H \"{k}: $OS_TOKEN\""));
        } else {
            cmd.push_str(&format!(" -H {}", quote(&format!("{k}: {v}"))));
        }
    }
    match &req.body {
        Some(body) if body.len() > INLINE_BODY_BYTES => {
            let filler = body.iter().all(|b| *b == body[0]);
            if filler {
                cmd.push_str(&format!(
                    " --data-binary @<(head -c {} /dev/zero | tr '\\0' {})",
                    body.len(),
                    quote(&(body[0] as char).to_string())
                ));
            } else {
                cmd.push_str(&format!(
                    " --data-binary @body.bin  # the {}-byte body is not shown",
                    body.len()
                ));
            }
        }
        Some(body) => {
            cmd.push_str(&format!(
                " --data-binary {}",
                quote(&String::from_utf8_lossy(body))
            ));
        }
        None => {}
    }
    cmd
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req(headers: &[(&str, &str)], body: Option<&[u8]>) -> HttpRequest {
        HttpRequest {
            method: "PUT".into(),
            url: "http://h/v2.0/routers/r/remove_router_interface".into(),
            headers: headers
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            body: body.map(<[u8]>::to_vec),
        }
    }

    #[test]
    fn the_token_is_left_to_the_shell_and_quotes_survive() {
        let cmd = curl(&req(
            &[
                ("X-Auth-Token", "gAAAAsecret"),
                ("Accept", "application/json"),
            ],
            Some(br#"{"subnet_id": "it's"}"#),
        ));
        assert!(!cmd.contains("gAAAAsecret"), "{cmd}");
        assert_eq!(
            cmd,
            r#"curl -i -X PUT 'http://h/v2.0/routers/r/remove_router_interface' -H "X-Auth-Token: $OS_TOKEN" -H 'Accept: application/json' --data-binary '{"subnet_id": "it'\''s"}'"#
        );
    }

    #[test]
    fn a_large_filler_body_is_generated_not_inlined() {
        let cmd = curl(&req(&[], Some(&vec![b' '; 200_000])));
        assert!(
            cmd.ends_with("--data-binary @<(head -c 200000 /dev/zero | tr '\\0' ' ')"),
            "{cmd}"
        );
    }
}
