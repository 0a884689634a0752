//! `/os-keypairs`: create (a generated RSA key) or import, list, show, delete, as Nova 34
//! serves them (nova/api/openstack/compute/keypairs.py, docs/CONTRACT.md §9.3). What a
//! response holds, the create and delete status, `user_id` and paging depend on the
//! microversion: `type` from 2.2 (201 on create, 204 on delete), another user's key
//! pairs for admins from 2.10, `limit`/`marker` and `keypairs_links` from 2.35, and no
//! generation from 2.92.

use axum::http::StatusCode;
use base64::Engine as _;
use md5::Digest as _;
use rsa::pkcs1::EncodeRsaPrivateKey as _;
use rsa::traits::PublicKeyParts as _;
use serde_json::{json, Map, Value};

use crate::clock;
use crate::http::{python_repr, JsonStyle, Reply};
use crate::nova::call::NCall;
use crate::nova::faults::{
    additional_properties, bad_request, conflict, limit_not_digits, not_found, policy,
    schema_error, NovaError, NovaResult,
};
use crate::quota::limit;
use crate::state::{Keypair, State};

/// Nova's generated keys: `paramiko.RSAKey.generate(2048)` (nova/crypto.py).
const BITS: usize = 2048;

/// The key types `load_ssh_public_key` of pyca/cryptography reads.
const SSH_TYPES: &[&str] = &[
    "ssh-rsa",
    "ssh-dss",
    "ssh-ed25519",
    "ecdsa-sha2-nistp256",
    "ecdsa-sha2-nistp384",
    "ecdsa-sha2-nistp521",
];

fn invalid(reason: &str) -> NovaError {
    bad_request(format!("Keypair data is invalid: {reason}"))
}

/// The policies are `admin_api or user_id:%(user_id)s`: anyone with a token manages their
/// own key pairs, only an admin those of another user.
fn allowed(call: &NCall, action: &str, user_id: &str) -> NovaResult<()> {
    if call.ctx.is_admin() || call.ctx.user_id == user_id {
        Ok(())
    } else {
        Err(policy(&format!("os_compute_api:os-keypairs:{action}")))
    }
}

/// From 2.75 a query parameter the action does not know is refused.
fn strict_query(call: &NCall, known: &[&str]) -> NovaResult<()> {
    if !call.version.at_least(2, 75) {
        return Ok(());
    }
    let mut unknown: Vec<String> = call
        .req
        .query_pairs()
        .into_iter()
        .map(|(k, _)| k)
        .filter(|k| !known.contains(&k.as_str()))
        .collect();
    unknown.dedup();
    if unknown.is_empty() {
        return Ok(());
    }
    Err(bad_request(additional_properties(&unknown)))
}

/// `?user_id=` counts from 2.10; before, it is ignored.
fn user_of(call: &NCall) -> String {
    if call.version.at_least(2, 10) {
        if let Some((_, v)) = call
            .req
            .query_pairs()
            .into_iter()
            .find(|(k, _)| k == "user_id")
        {
            return v;
        }
    }
    call.ctx.user_id.clone()
}

/// `keypair_name_special_chars`: 1 to 255 of `[_\- a-zA-Z0-9]` (from 2.92 also `@` and
/// `.`), and no leading or trailing space (parameter_types.name).
fn check_name(call: &NCall, name: &Value) -> NovaResult<String> {
    let Some(text) = name.as_str() else {
        return Err(schema_error(
            "name",
            name,
            &format!("{} is not of type 'string'", python_repr(name)),
        ));
    };
    let extra: &[char] = if call.version.at_least(2, 92) {
        &['@', '.']
    } else {
        &[]
    };
    // As Python's repr shows the pattern in the message: each backslash doubled.
    let pattern = if call.version.at_least(2, 92) {
        r"^[_\\-\\@\\. a-zA-Z0-9]+$"
    } else {
        r"^[_\\- a-zA-Z0-9]+$"
    };
    if text.is_empty() {
        return Err(schema_error("name", name, "'' should be non-empty"));
    }
    if text.chars().count() > 255 {
        return Err(schema_error("name", name, &format!("'{text}' is too long")));
    }
    let ok =
        |c: char| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | ' ') || extra.contains(&c);
    if !text.chars().all(ok) {
        return Err(schema_error(
            "name",
            name,
            &format!("'{text}' does not match '{pattern}'"),
        ));
    }
    if text.trim() != text {
        return Err(bad_request(
            "An invalid 'name' value was provided. The name must be: printable characters. Can not start or end with whitespace.",
        ));
    }
    Ok(text.to_string())
}

/// The MD5 fingerprint Nova gives an OpenSSH public key: colon-separated hex of the
/// decoded key blob; a key pyca/cryptography would not read is invalid.
fn fingerprint(public_key: &str) -> NovaResult<String> {
    let bad = || invalid("failed to generate fingerprint");
    let mut parts = public_key.split_whitespace();
    let (Some(kind), Some(data)) = (parts.next(), parts.next()) else {
        return Err(bad());
    };
    let blob = base64::engine::general_purpose::STANDARD
        .decode(data)
        .map_err(|_| bad())?;
    // The blob starts with its own type, which must be the one written before it.
    let inner = blob
        .get(..4)
        .map(|n| u32::from_be_bytes([n[0], n[1], n[2], n[3]]) as usize)
        .and_then(|n| blob.get(4..4 + n))
        .ok_or_else(bad)?;
    if !SSH_TYPES.contains(&kind) || inner != kind.as_bytes() || blob.len() < 4 + kind.len() + 8 {
        return Err(bad());
    }
    Ok(md5_hex(&blob))
}

fn md5_hex(bytes: &[u8]) -> String {
    md5::Md5::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect::<Vec<_>>()
        .join(":")
}

/// An SSH wire-format string or mpint (`u32` length, then the bytes).
fn put(out: &mut Vec<u8>, bytes: &[u8]) {
    out.extend_from_slice(&(bytes.len() as u32).to_be_bytes());
    out.extend_from_slice(bytes);
}

fn mpint(out: &mut Vec<u8>, be: &[u8]) {
    if be.first().is_some_and(|b| b & 0x80 != 0) {
        let mut padded = vec![0];
        padded.extend_from_slice(be);
        put(out, &padded);
    } else {
        put(out, be);
    }
}

/// Whether `req` (at `api`, the path after `/v2.1`) is a create that will need a key
/// generated: a POST to `os-keypairs` whose body names no public key.
pub fn wants_generation(req: &crate::http::Req, api: &str) -> bool {
    req.method == axum::http::Method::POST
        && matches!(
            api.trim_end_matches('/').rsplit('/').next(),
            Some("os-keypairs")
        )
        && !req
            .body
            .windows(b"\"public_key\"".len())
            .any(|w| w == b"\"public_key\"")
}

/// A new RSA key pair as Nova makes one: the private key as traditional PEM (what
/// paramiko writes), the public key as `ssh-rsa <base64> Generated-by-Nova`.
pub fn generate() -> Result<(String, String), String> {
    let mut rng = rand::thread_rng();
    let key = rsa::RsaPrivateKey::new(&mut rng, BITS).map_err(|e| e.to_string())?;
    let pem = key
        .to_pkcs1_pem(rsa::pkcs1::LineEnding::LF)
        .map_err(|e| e.to_string())?
        .to_string();
    let mut blob = Vec::new();
    put(&mut blob, b"ssh-rsa");
    mpint(&mut blob, &key.e().to_bytes_be());
    mpint(&mut blob, &key.n().to_bytes_be());
    let public = format!(
        "ssh-rsa {} Generated-by-Nova",
        base64::engine::general_purpose::STANDARD.encode(&blob)
    );
    Ok((pem, public))
}

/// The fields in the order Nova's view builder writes them (`type` last, from 2.2).
const LISTED: &[&str] = &["name", "public_key", "fingerprint"];
const CREATED: &[&str] = &["name", "public_key", "fingerprint", "user_id"];
const SHOWN: &[&str] = &[
    "name",
    "public_key",
    "fingerprint",
    "user_id",
    "created_at",
    "deleted",
    "deleted_at",
    "id",
    "updated_at",
];

fn view(call: &NCall, k: &Keypair, fields: &[&str]) -> Value {
    let mut m = Map::new();
    for f in fields {
        let v = match *f {
            "name" => json!(k.name),
            "public_key" => json!(k.public_key),
            "fingerprint" => json!(k.fingerprint),
            "user_id" => json!(k.user_id),
            "created_at" => json!(clock::micros_naive(k.created_at)),
            "deleted" => json!(false),
            "deleted_at" | "updated_at" => Value::Null,
            "id" => json!(k.id),
            _ => continue,
        };
        m.insert((*f).to_string(), v);
    }
    if call.version.at_least(2, 2) {
        m.insert("type".into(), json!(k.kind));
    }
    Value::Object(m)
}

pub fn create(call: &NCall, state: &mut State) -> NovaResult<Reply> {
    let body = call.body.clone().unwrap_or(Value::Null);
    let Some(params) = body.get("keypair") else {
        return Err(bad_request("'keypair' is a required property"));
    };
    let Some(obj) = params.as_object() else {
        return Err(schema_error(
            "keypair",
            params,
            &format!("{} is not of type 'object'", python_repr(params)),
        ));
    };
    let mut known = vec!["name", "public_key"];
    if call.version.at_least(2, 2) {
        known.push("type");
    }
    if call.version.at_least(2, 10) {
        known.push("user_id");
    }
    let mut unknown: Vec<&String> = obj
        .keys()
        .filter(|k| !known.contains(&k.as_str()))
        .collect();
    if !unknown.is_empty() {
        unknown.sort();
        return Err(schema_error(
            "keypair",
            params,
            &additional_properties(&unknown),
        ));
    }
    let Some(name) = obj.get("name") else {
        return Err(schema_error(
            "keypair",
            params,
            "'name' is a required property",
        ));
    };
    let name = check_name(call, name)?;
    if call.version.at_least(2, 92) && !obj.contains_key("public_key") {
        return Err(schema_error(
            "keypair",
            params,
            "'public_key' is a required property",
        ));
    }
    let kind = match obj.get("type") {
        None => "ssh".to_string(),
        Some(Value::String(t)) if t == "ssh" || t == "x509" => t.clone(),
        Some(t) => {
            return Err(schema_error(
                "type",
                t,
                &format!("{} is not one of ['ssh', 'x509']", python_repr(t)),
            ))
        }
    };
    let public_key = match obj.get("public_key") {
        None => None,
        Some(Value::String(k)) => Some(k.clone()),
        Some(k) => {
            return Err(schema_error(
                "public_key",
                k,
                &format!("{} is not of type 'string'", python_repr(k)),
            ))
        }
    };
    let user_id = match obj.get("user_id") {
        None => call.ctx.user_id.clone(),
        Some(Value::String(u)) => u.clone(),
        Some(u) => {
            return Err(schema_error(
                "user_id",
                u,
                &format!("{} is not of type 'string'", python_repr(u)),
            ))
        }
    };
    allowed(call, "create", &user_id)?;
    let allowed_pairs = limit(
        &call.app.config.quotas,
        state,
        call.ctx.project(),
        "key_pairs",
    );
    let owned = state
        .keypairs
        .iter()
        .filter(|k| k.user_id == user_id)
        .count() as i64;
    if allowed_pairs >= 0 && owned + 1 > allowed_pairs {
        return Err(NovaError::new(
            StatusCode::FORBIDDEN,
            "Quota exceeded, too many key pairs.",
        ));
    }
    if kind == "x509" {
        // Not served: Nova signs a WinRM certificate; no client of the reference cloud does.
        return Err(invalid(
            "x509 key pairs are not served by the reference cloud",
        ));
    }
    let (public_key, private_key) = match public_key {
        Some(k) => (k, None),
        None => {
            let generated = call.new_key.clone().unwrap_or_else(generate);
            let (private, public) = generated.map_err(|e| {
                NovaError::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    format!("key generation failed: {e}"),
                )
            })?;
            (public, Some(private))
        }
    };
    let fingerprint = fingerprint(&public_key)?;
    if state
        .keypairs
        .iter()
        .any(|k| k.user_id == user_id && k.name == name)
    {
        return Err(conflict(format!("Key pair '{name}' already exists.")));
    }
    let id = state.keypairs.iter().map(|k| k.id).max().unwrap_or(0) + 1;
    let keypair = Keypair {
        id,
        user_id,
        name,
        kind,
        public_key,
        fingerprint,
        created_at: call.now,
    };
    // Create writes `private_key` and `type` first (views/keypairs.py `create`).
    let mut shown = Map::new();
    if let Some(private) = private_key {
        shown.insert("private_key".into(), json!(private));
    }
    if call.version.at_least(2, 2) {
        shown.insert("type".into(), json!(keypair.kind));
    }
    if let Value::Object(fields) = view(call, &keypair, CREATED) {
        for (k, v) in fields.into_iter().filter(|(k, _)| k != "type") {
            shown.insert(k, v);
        }
    }
    state.keypairs.push(keypair);
    let status = if call.version.at_least(2, 2) {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok(Reply::json(
        status,
        &json!({"keypair": shown}),
        JsonStyle::Python,
    ))
}

fn find<'s>(state: &'s State, user_id: &str, name: &str) -> NovaResult<&'s Keypair> {
    state
        .keypairs
        .iter()
        .find(|k| k.user_id == user_id && k.name == name)
        .ok_or_else(|| not_found(format!("Keypair {name} not found for user {user_id}")))
}

pub fn show(call: &NCall, state: &State, name: &str) -> NovaResult<Reply> {
    strict_query(call, &["user_id"])?;
    let user_id = user_of(call);
    allowed(call, "show", &user_id)?;
    let k = find(state, &user_id, name)?;
    Ok(Reply::json(
        StatusCode::OK,
        &json!({"keypair": view(call, k, SHOWN)}),
        JsonStyle::Python,
    ))
}

pub fn delete(call: &NCall, state: &mut State, name: &str) -> NovaResult<Reply> {
    strict_query(call, &["user_id"])?;
    let user_id = user_of(call);
    allowed(call, "delete", &user_id)?;
    find(state, &user_id, name)?;
    state
        .keypairs
        .retain(|k| !(k.user_id == user_id && k.name == name));
    Ok(Reply::new(if call.version.at_least(2, 2) {
        StatusCode::NO_CONTENT
    } else {
        StatusCode::ACCEPTED
    }))
}

pub fn list(call: &NCall, state: &State) -> NovaResult<Reply> {
    strict_query(call, &["user_id", "limit", "marker"])?;
    let user_id = user_of(call);
    allowed(call, "index", &user_id)?;
    let mut mine: Vec<&Keypair> = state
        .keypairs
        .iter()
        .filter(|k| k.user_id == user_id)
        .collect();
    mine.sort_by(|a, b| a.name.cmp(&b.name));
    let (mut limit, mut marker) = (None, None);
    if call.version.at_least(2, 35) {
        for (k, v) in call.req.query_pairs() {
            match k.as_str() {
                "limit" => {
                    if v.is_empty() {
                        return Err(bad_request(
                            "Invalid input for query parameters limit. Value: . '' should be non-empty",
                        ));
                    }
                    if !v.bytes().all(|b| b.is_ascii_digit()) {
                        return Err(limit_not_digits(&v));
                    }
                    limit = Some(v.parse::<usize>().map_err(|_| limit_not_digits(&v))?);
                }
                "marker" => marker = Some(v),
                _ => {}
            }
        }
    }
    if let Some(m) = &marker {
        let at = mine
            .iter()
            .position(|k| &k.name == m)
            .ok_or_else(|| bad_request(format!("Marker {m} could not be found.")))?;
        mine.drain(..=at);
    }
    if let Some(n) = limit {
        mine.truncate(n);
    }
    let items: Vec<Value> = mine
        .iter()
        .map(|k| json!({"keypair": view(call, k, LISTED)}))
        .collect();
    let mut body = json!({"keypairs": items});
    // The next page's link when a page is full, as common.ViewBuilder writes it.
    if let (Some(n), Some(last)) = (limit, mine.last()) {
        if mine.len() == n {
            let href = format!(
                "{}/os-keypairs?limit={n}&marker={}",
                call.link_prefix(true),
                last.name.replace(' ', "%20")
            );
            body["keypairs_links"] = json!([{"rel": "next", "href": href}]);
        }
    }
    Ok(Reply::json(StatusCode::OK, &body, JsonStyle::Python))
}

/// Whether `name` is a key pair of `user_id`, for a boot's `key_name`.
pub fn exists(state: &State, user_id: &str, name: &str) -> bool {
    state
        .keypairs
        .iter()
        .any(|k| k.user_id == user_id && k.name == name)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The public key of a generated pair reads back with its own fingerprint, in the
    /// format Nova's keys have.
    #[test]
    fn a_generated_key_is_an_openssh_rsa_key_with_its_md5_fingerprint() {
        let (private, public) = generate().unwrap();
        assert!(
            private.starts_with("-----BEGIN RSA PRIVATE KEY-----\n"),
            "{private}"
        );
        assert!(public.starts_with("ssh-rsa AAAAB3NzaC1yc2E"), "{public}");
        assert!(public.ends_with(" Generated-by-Nova"));
        let fp = fingerprint(&public).unwrap();
        assert_eq!(fp.len(), 47, "{fp}");
        assert_eq!(fp.matches(':').count(), 15);
    }

    /// The key is generated before the state lock only for a create without a public key.
    #[test]
    fn a_key_is_generated_ahead_only_for_a_create_that_needs_one() {
        let req = |method: axum::http::Method, body: &str| crate::http::Req {
            method,
            path: String::new(),
            query: String::new(),
            headers: Default::default(),
            body: body.to_string().into(),
            request_id: String::new(),
        };
        let post = axum::http::Method::POST;
        assert!(wants_generation(
            &req(post.clone(), r#"{"keypair": {"name": "k"}}"#),
            "os-keypairs"
        ));
        assert!(wants_generation(
            &req(post.clone(), "{}"),
            "abc123/os-keypairs/"
        ));
        assert!(!wants_generation(
            &req(
                post.clone(),
                r#"{"keypair": {"name": "k", "public_key": "x"}}"#
            ),
            "os-keypairs"
        ));
        assert!(!wants_generation(&req(post, "{}"), "servers"));
        assert!(!wants_generation(
            &req(axum::http::Method::GET, ""),
            "os-keypairs"
        ));
    }

    /// What pyca/cryptography would refuse is invalid, as in Nova.
    #[test]
    fn a_public_key_that_is_not_openssh_is_invalid() {
        for bad in [
            "",
            "ssh-rsa",
            "ssh-rsa not-base64!",
            "ssh-ed25519 AAAAB3NzaC1yc2EAAAADAQAB",
        ] {
            assert!(fingerprint(bad).is_err(), "{bad:?}");
        }
        // A key ssh-keygen made, and the fingerprint `ssh-keygen -E md5 -l` gives for it.
        let key = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIKH/4B7Ub+4d6v2dJJJuyyGWFzP27vxowPZwPpPFznNS comment";
        assert_eq!(
            fingerprint(key).unwrap(),
            "9f:28:c5:e6:39:45:ab:cc:1b:67:20:e2:f6:a1:fe:b2"
        );
    }
}
