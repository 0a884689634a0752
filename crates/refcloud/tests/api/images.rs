//! The image service (issue #16): Glance v2's read side at `/image`, in the catalog, and
//! Nova's `/images` proxy up to 2.35 (docs/CONTRACT.md §9.4).
use crate::common::{s, Harness};
use refcloud::Role;
use reqwest::Method;
use serde_json::Value;

fn glance(h: &Harness, path: &str) -> String {
    format!("{}/image{path}", h.cloud.base_url())
}

async fn get(h: &Harness, url: &str, mv: Option<&str>) -> crate::common::Resp {
    let version = mv.map(|v| format!("compute {v}"));
    let headers: Vec<(&str, &str)> = version
        .as_deref()
        .map(|v| vec![("OpenStack-API-Version", v)])
        .unwrap_or_default();
    h.send(Method::GET, url, Some(h.token(Role::Owner)), None, &headers)
        .await
}

#[tokio::test]
async fn glance_is_in_the_catalog_and_answers_its_version_document() {
    let h = Harness::start().await;
    let r = h.send(Method::GET, &glance(&h, "/"), None, None, &[]).await;
    assert_eq!(r.status, 300, "{}", r.text);
    let versions = r.json()["versions"].as_array().unwrap().clone();
    assert_eq!(versions[0]["id"], "v2.18");
    assert_eq!(versions[0]["status"], "CURRENT");
    assert_eq!(versions.last().unwrap()["id"], "v2.0");
    assert!(s(&versions[0]["links"][0]["href"]).ends_with("/image/v2/"));
    // The token's catalog lists it, as clients find it.
    let url = format!("{}/identity/v3/auth/catalog", h.cloud.base_url());
    let r = h
        .send(Method::GET, &url, Some(h.token(Role::Owner)), None, &[])
        .await;
    let catalog = r.json();
    let image: Vec<&Value> = catalog["catalog"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|svc| svc["type"] == "image")
        .collect();
    assert_eq!(image.len(), 1, "{}", r.text);
    assert!(s(&image[0]["endpoints"][0]["url"]).ends_with("/image"));
    h.shutdown().await;
}

#[tokio::test]
async fn glance_lists_and_shows_the_image_servers_boot() {
    let h = Harness::start().await;
    let id = h.fact("image_id");
    let r = get(&h, &glance(&h, "/v2/images"), None).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let body = r.json();
    assert_eq!(body["first"], "/v2/images");
    assert_eq!(body["schema"], "/v2/schemas/images");
    let image = &body["images"][0];
    assert_eq!(s(&image["id"]), id);
    let keys: Vec<&String> = image.as_object().unwrap().keys().collect();
    assert_eq!(
        keys,
        [
            "name",
            "disk_format",
            "container_format",
            "visibility",
            "size",
            "virtual_size",
            "status",
            "checksum",
            "protected",
            "min_ram",
            "min_disk",
            "owner",
            "os_hidden",
            "os_hash_algo",
            "os_hash_value",
            "id",
            "created_at",
            "updated_at",
            "tags",
            "self",
            "file",
            "schema"
        ]
    );
    assert_eq!(image["status"], "active");
    assert_eq!(s(&image["self"]), format!("/v2/images/{id}"));

    // Filters, as `openstack image show NAME` and `server create --image NAME` use them.
    let name = s(&image["name"]);
    let r = get(&h, &glance(&h, &format!("/v2/images?name={name}")), None).await;
    assert_eq!(r.json()["images"].as_array().unwrap().len(), 1);
    assert_eq!(r.json()["first"], format!("/v2/images?name={name}"));
    let r = get(&h, &glance(&h, "/v2/images?name=nope"), None).await;
    assert_eq!(r.json()["images"].as_array().unwrap().len(), 0);
    let r = get(&h, &glance(&h, "/v2/images?limit=1"), None).await;
    assert_eq!(
        s(&r.json()["next"]),
        format!("/v2/images?limit=1&marker={id}")
    );

    let r = get(&h, &glance(&h, &format!("/v2/images/{id}")), None).await;
    assert_eq!((r.status, s(&r.json()["id"])), (200, id.clone()));
    let r = h
        .send(
            Method::GET,
            &glance(&h, "/v2/images/6a1f9d0e-2b3c-4d5e-8f90-1a2b3c4d5e6f"),
            Some(h.token(Role::Owner)),
            None,
            &[("Accept", "application/json")],
        )
        .await;
    assert_eq!(r.status, 404);
    assert!(
        r.text
            .contains("No image found with ID 6a1f9d0e-2b3c-4d5e-8f90-1a2b3c4d5e6f"),
        "{}",
        r.text
    );

    // Glance's own 400s.
    for (query, message) in [
        ("limit=x", "limit param must be an integer"),
        ("limit=-1", "limit param must be positive"),
        ("sort_dir=up", "Invalid sort direction: up"),
        ("visibility=nobody", "Invalid visibility value: nobody"),
        ("marker=nope", "No image found with ID nope"),
    ] {
        let r = get(&h, &glance(&h, &format!("/v2/images?{query}")), None).await;
        assert_eq!(r.status, 400, "{query}");
        assert!(r.text.contains(message), "{query}: {}", r.text);
    }
    // Without a token: keystonemiddleware's 401.
    let r = h
        .send(Method::GET, &glance(&h, "/v2/images"), None, None, &[])
        .await;
    assert_eq!(r.status, 401);
    h.shutdown().await;
}

#[tokio::test]
async fn nova_proxies_images_up_to_2_35() {
    let h = Harness::start().await;
    let id = h.fact("image_id");
    let r = get(&h, &h.nova("images"), None).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let image = &r.json()["images"][0];
    assert_eq!(s(&image["id"]), id);
    let rels: Vec<String> = image["links"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| s(&l["rel"]))
        .collect();
    assert_eq!(rels, ["self", "bookmark", "alternate"]);

    let r = get(&h, &h.nova(&format!("images/{id}")), Some("2.35")).await;
    assert_eq!(r.status, 200);
    let keys: Vec<String> = r.json()["image"]
        .as_object()
        .unwrap()
        .keys()
        .cloned()
        .collect();
    assert_eq!(
        keys,
        [
            "id",
            "name",
            "minRam",
            "minDisk",
            "metadata",
            "created",
            "updated",
            "status",
            "progress",
            "OS-EXT-IMG-SIZE:size",
            "links"
        ]
    );
    assert_eq!(r.json()["image"]["status"], "ACTIVE");
    let r = get(&h, &h.nova("images/detail?limit=1"), None).await;
    assert!(s(&r.json()["images_links"][0]["href"])
        .ends_with(&format!("/images/detail?limit=1&marker={id}")));

    let r = get(&h, &h.nova("images/nope"), None).await;
    assert_eq!(
        (r.status, s(&r.json()["itemNotFound"]["message"])),
        (404, "Image not found.".into())
    );
    let r = get(&h, &h.nova("images"), Some("2.36")).await;
    assert_eq!(
        (r.status, s(&r.json()["itemNotFound"]["message"])),
        (404, "The resource could not be found.".into())
    );
    h.shutdown().await;
}
