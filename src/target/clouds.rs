//! Targets described by `clouds.yaml`, found the way openstacksdk finds it.
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde_json::Value;

use super::discover::discover;
use super::model::{Identity, Target};
use super::Connect;
use crate::auth::{authenticate, endpoint_root, AuthMethod};
use crate::case::{Role, Service};
use crate::error::Error;
use crate::runner::Clients;

/// The identities of a run, by clouds.yaml name.
#[derive(Debug, Clone, Default)]
pub struct CloudNames {
    pub owner: String,
    pub other: Option<String>,
    pub reader: Option<String>,
    pub admin: Option<String>,
}

/// openstacksdk's search order: `OS_CLIENT_CONFIG_FILE`, the current directory,
/// `~/.config/openstack`, `/etc/openstack`.
pub fn find_clouds_yaml() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("OS_CLIENT_CONFIG_FILE") {
        return Some(PathBuf::from(p));
    }
    let mut dirs = vec![PathBuf::from(".")];
    if let Some(home) = std::env::var_os("HOME") {
        dirs.push(Path::new(&home).join(".config/openstack"));
    }
    dirs.push(PathBuf::from("/etc/openstack"));
    dirs.into_iter()
        .flat_map(|d| ["clouds.yaml", "clouds.yml", "clouds.json"].map(|f| d.join(f)))
        .find(|p| p.is_file())
}

fn read_yaml(path: &Path) -> Result<Value, Error> {
    let text = std::fs::read_to_string(path).map_err(|e| Error::Io {
        path: path.to_path_buf(),
        source: e,
    })?;
    serde_saphyr::from_str::<Value>(&text)
        .map_err(|e| Error::Config(format!("{}: {}", path.display(), e.without_snippet())))
}

/// `secure.yaml` beside clouds.yaml is merged over it, as openstacksdk does.
fn merge(base: &mut Value, over: &Value) {
    match (base, over) {
        (Value::Object(b), Value::Object(o)) => {
            for (k, v) in o {
                merge(b.entry(k.clone()).or_insert(Value::Null), v);
            }
        }
        (b, o) => *b = o.clone(),
    }
}

pub fn load_clouds(path: &Path) -> Result<Value, Error> {
    let mut doc = read_yaml(path)?;
    let secure = std::env::var_os("OS_CLIENT_SECURE_FILE")
        .map(PathBuf::from)
        .or_else(|| path.parent().map(|d| d.join("secure.yaml")))
        .filter(|p| p.is_file());
    if let Some(secure) = secure {
        let over = read_yaml(&secure)?;
        merge(&mut doc, &over);
    }
    Ok(doc)
}

/// A string or number as text (YAML writes `flavor_id: 1` as a number).
fn scalar(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn text(v: &Value, key: &str) -> Option<String> {
    v.get(key).and_then(scalar)
}

/// Logs one cloud in and returns it as an identity.
async fn connect(
    name: &str,
    cloud: &Value,
    c: &Connect,
    clients: &Clients,
) -> Result<Identity, Error> {
    let auth = cloud.get("auth").cloned().unwrap_or(Value::Null);
    let auth_type = text(cloud, "auth_type").unwrap_or_else(|| "password".into());
    let verify = cloud.get("verify").and_then(Value::as_bool).unwrap_or(true);
    let cacert = match text(cloud, "cacert") {
        Some(p) => Some(std::fs::read(&p).map_err(|e| Error::Io {
            path: p.into(),
            source: e,
        })?),
        None => None,
    };
    let client = clients.get(c.insecure || !verify, cacert.as_deref())?;
    let interface = text(cloud, "interface").unwrap_or_else(|| "public".into());
    let region = text(cloud, "region_name");
    let extra = cloud.get("stackconform").cloned().unwrap_or(Value::Null);
    let fail = |msg: String| Error::Target(format!("cloud {name}: {msg}"));

    let (token, project_id, user_id, catalog) = match auth_type.as_str() {
        "admin_token" | "token_endpoint" => {
            let token = text(&auth, "token").ok_or_else(|| fail("auth.token is missing".into()))?;
            (Some(token), None, None, None)
        }
        "none" | "None" | "null" | "" => (None, None, None, None),
        kind => {
            let auth_url =
                text(&auth, "auth_url").ok_or_else(|| fail("auth.auth_url is missing".into()))?;
            let domain = |k: &str| text(&auth, k).unwrap_or_else(|| "Default".into());
            let method = match kind {
                "password" | "v3password" => AuthMethod::Password {
                    username: text(&auth, "username")
                        .ok_or_else(|| fail("auth.username is missing".into()))?,
                    user_domain: domain("user_domain_name"),
                    password: text(&auth, "password")
                        .ok_or_else(|| fail("auth.password is missing".into()))?,
                    project_name: text(&auth, "project_name"),
                    project_id: text(&auth, "project_id"),
                    project_domain: domain("project_domain_name"),
                },
                "v3applicationcredential" => AuthMethod::ApplicationCredential {
                    id: text(&auth, "application_credential_id")
                        .ok_or_else(|| fail("auth.application_credential_id is missing".into()))?,
                    secret: text(&auth, "application_credential_secret").ok_or_else(|| {
                        fail("auth.application_credential_secret is missing".into())
                    })?,
                },
                "token" | "v3token" => AuthMethod::Token {
                    token: text(&auth, "token")
                        .ok_or_else(|| fail("auth.token is missing".into()))?,
                    project_id: text(&auth, "project_id")
                        .ok_or_else(|| fail("auth.project_id is missing".into()))?,
                },
                other => return Err(fail(format!("auth_type {other:?} is not supported"))),
            };
            let t = authenticate(&client, &auth_url, &method, c.timeout, c.retries)
                .await
                .map_err(|e| fail(e.to_string()))?;
            (Some(t.id), t.project_id, t.user_id, Some(t.catalog))
        }
    };
    // openstacksdk's `<type>_endpoint_override`, the type with `_` for `-`.
    let overrides: BTreeMap<Service, String> = cloud
        .as_object()
        .into_iter()
        .flatten()
        .filter_map(|(k, v)| {
            let service = k.strip_suffix("_endpoint_override")?.replace('_', "-");
            Some((Service::new(service), v.as_str()?.to_string()))
        })
        .collect();
    let mut endpoints = BTreeMap::new();
    if let Some(catalog) = &catalog {
        for service in catalog.services() {
            if let Some(url) = catalog.url(&service, &interface, region.as_deref()) {
                endpoints.insert(service, endpoint_root(&url));
            }
        }
    }
    let any_service = (catalog.is_none() && overrides.is_empty())
        .then(|| text(&auth, "endpoint"))
        .flatten()
        .map(|url| endpoint_root(&url));
    for (service, url) in overrides {
        endpoints.insert(service, endpoint_root(&url));
    }
    Ok(Identity {
        cloud: name.to_string(),
        client,
        token,
        project_id: project_id.or_else(|| text(&extra, "project_id")),
        user_id: user_id.or_else(|| text(&extra, "user_id")),
        endpoints,
        any_service,
    })
}

/// Builds a target from the clouds.yaml that openstacksdk would find.
pub async fn connect_clouds(names: &CloudNames, c: &Connect) -> Result<Target, Error> {
    let envvars = envvars_cloud(|k| std::env::var(k).ok());
    let (mut doc, source) = match find_clouds_yaml() {
        Some(path) => (load_clouds(&path)?, path.display().to_string()),
        None if envvars.is_some() => (serde_json::json!({"clouds": {}}), "the OS_* environment".into()),
        None => return Err(Error::Config("no clouds.yaml found (OS_CLIENT_CONFIG_FILE, ./clouds.yaml, ~/.config/openstack, /etc/openstack) and no OS_AUTH_URL".into())),
    };
    if let (Some(cloud), Some(clouds)) = (
        envvars,
        doc.get_mut("clouds").and_then(Value::as_object_mut),
    ) {
        clouds.insert(ENVVARS.into(), cloud);
    }
    target_from_clouds(&doc, &source, names, c).await
}

/// The cloud openstacksdk builds from the plain `OS_*` variables, under this name.
pub const ENVVARS: &str = "envvars";

/// `OS_AUTH_URL`, `OS_USERNAME`, ... as a clouds.yaml entry; `None` without `OS_AUTH_URL`.
pub fn envvars_cloud(var: impl Fn(&str) -> Option<String>) -> Option<Value> {
    var("OS_AUTH_URL")?;
    let mut auth = serde_json::Map::new();
    for key in [
        "auth_url",
        "username",
        "user_id",
        "password",
        "project_name",
        "project_id",
        "user_domain_name",
        "user_domain_id",
        "project_domain_name",
        "project_domain_id",
        "token",
        "application_credential_id",
        "application_credential_secret",
    ] {
        if let Some(v) = var(&format!("OS_{}", key.to_uppercase())) {
            auth.insert(key.into(), Value::String(v));
        }
    }
    let mut cloud = serde_json::Map::new();
    cloud.insert("auth".into(), Value::Object(auth));
    for (key, env) in [
        ("auth_type", "OS_AUTH_TYPE"),
        ("region_name", "OS_REGION_NAME"),
        ("interface", "OS_INTERFACE"),
        ("cacert", "OS_CACERT"),
    ] {
        if let Some(v) = var(env) {
            cloud.insert(key.into(), Value::String(v));
        }
    }
    // As openstacksdk does when OS_AUTH_TYPE is not given.
    if !cloud.contains_key("auth_type") {
        let auth = &cloud["auth"];
        let inferred = if auth.get("application_credential_id").is_some() {
            "v3applicationcredential"
        } else if auth.get("token").is_some() && auth.get("password").is_none() {
            "token"
        } else {
            "password"
        };
        cloud.insert("auth_type".into(), Value::String(inferred.into()));
    }
    Some(Value::Object(cloud))
}

/// Builds a target from a parsed clouds.yaml (`source` names it in errors); the
/// owner's `stackconform.facts` become facts.
pub async fn target_from_clouds(
    doc: &Value,
    source: &str,
    names: &CloudNames,
    c: &Connect,
) -> Result<Target, Error> {
    let clouds = doc.get("clouds").cloned().unwrap_or(Value::Null);
    let get = |name: &str| {
        clouds.get(name).cloned().ok_or_else(|| {
            let known: Vec<&String> = clouds
                .as_object()
                .map(|m| m.keys().collect())
                .unwrap_or_default();
            Error::Config(format!("no cloud {name:?} in {source} (clouds: {known:?})"))
        })
    };
    let owner_cloud = get(&names.owner)?;
    // Every cloud is looked up before anything is sent: a misspelt name is the user's to
    // fix, whatever the target says.
    let mut others = Vec::new();
    for (role, name) in [
        (Role::Other, &names.other),
        (Role::Reader, &names.reader),
        (Role::Admin, &names.admin),
    ] {
        if let Some(name) = name {
            others.push((role, name, get(name)?));
        }
    }
    // The logins, and discovery as soon as the owner has a token, all at once: one after
    // another they were most of a short run's start-up.
    let clients = &*c.clients;
    let owner_and_capabilities = async {
        let owner = connect(&names.owner, &owner_cloud, c, clients).await?;
        let capabilities = discover(&owner, c)
            .await
            .map_err(|e| Error::Target(format!("cloud {}: {e}", names.owner)))?;
        Ok::<_, Error>((owner, capabilities))
    };
    let logins =
        futures_util::future::join_all(others.iter().map(|(role, name, cloud)| async move {
            Ok::<_, Error>((*role, connect(name, cloud, c, clients).await?))
        }));
    // All at once, but the error reported is the first in the order the identities are
    // given (owner, other, reader, admin), whichever failed first.
    let (owner, logged_in) = futures_util::future::join(owner_and_capabilities, logins).await;
    let (owner, capabilities) = owner?;
    let mut identities = BTreeMap::new();
    for login in logged_in {
        let (role, identity) = login?;
        identities.insert(role, identity);
    }
    identities.insert(
        Role::None,
        Identity::anonymous(&owner, clients.get(c.insecure, None)?),
    );
    let facts = owner_cloud
        .get("stackconform")
        .and_then(|s| s.get("facts"))
        .and_then(Value::as_object)
        .map(|m| {
            m.iter()
                .filter_map(|(k, v)| scalar(v).map(|v| (k.clone(), v)))
                .collect()
        })
        .unwrap_or_default();
    identities.insert(Role::Owner, owner);
    Ok(Target {
        name: names.owner.clone(),
        identities,
        facts,
        capabilities,
        cloud: None,
    })
}
