//! Cloud Manager: a collection under a base path; create, list, get, update, delete.

use super::*;
use serde_json::json;

fn op(id: &str) -> crate::spec::Operation {
    cloud_manager_spec().operation(id).unwrap().clone()
}

fn collection(server: &MockServer, project: &str) -> String {
    format!("{}/api/public/v1.0/groups/{project}/maintenanceWindows", server.url())
}

const CREATE: &str = r#"{"startDate": "2015-10-23T22:00:00Z", "endDate": "2015-10-23T23:30:00Z",
    "alertTypeNames": ["HOST", "REPLICA_SET"], "description": "new description"}"#;

async fn json_send(method: &str, url: &str, body: Option<&str>) -> Got {
    send(method, url, &[("content-type", "application/json")], body).await
}

#[tokio::test]
async fn crud_works_on_what_was_created() {
    let server = start(cloud_manager_spec(), MockConfig::default()).await;
    let list_url = collection(&server, PROJECT);

    let empty = get(&list_url).await;
    check(&op("listMaintenanceWindows"), &empty).unwrap();
    assert_eq!(empty.json()["results"], json!([]));
    assert_eq!(empty.json()["totalCount"], json!(0));

    let created = json_send("POST", &list_url, Some(CREATE)).await;
    assert_eq!(created.status, 200, "{}", String::from_utf8_lossy(&created.body));
    check(&op("createMaintenanceWindow"), &created).unwrap();
    let window = created.json();
    let id = window["id"].as_str().unwrap().to_owned();
    assert!(id.len() == 24 && id.bytes().all(|b| b.is_ascii_hexdigit()), "{id}");
    assert_eq!(window["groupId"], json!(PROJECT));
    assert_eq!(window["alertTypeNames"], json!(["HOST", "REPLICA_SET"]));
    assert_eq!(window["created"], window["updated"]);
    assert!(window["created"].as_str().unwrap().ends_with('Z'));

    let item = format!("{list_url}/{id}");
    let read = get(&item).await;
    check(&op("getMaintenanceWindow"), &read).unwrap();
    assert_eq!(read.json(), window);

    let second = json_send("POST", &list_url, Some(CREATE)).await.json();
    assert_ne!(second["id"], window["id"]);
    let listed = get(&list_url).await;
    check(&op("listMaintenanceWindows"), &listed).unwrap();
    assert_eq!(listed.json()["totalCount"], json!(2));
    assert_eq!(listed.json()["results"][0], window);
    let paged = get(&format!("{list_url}?itemsPerPage=1&pageNum=2&includeCount=false")).await.json();
    assert_eq!(paged["results"], json!([second]));
    assert!(paged.get("totalCount").is_none());

    let updated =
        json_send("PATCH", &item, Some(r#"{"description": "extended", "endDate": "2015-10-24T00:30:00Z"}"#)).await;
    assert_eq!(updated.status, 200);
    check(&op("updateMaintenanceWindow"), &updated).unwrap();
    let after = get(&item).await.json();
    assert_eq!(after["description"], json!("extended"));
    assert_eq!(after["endDate"], json!("2015-10-24T00:30:00Z"));
    assert_eq!(after["startDate"], window["startDate"]);
    assert_eq!(after["id"], window["id"]);

    let other_project = get(&format!("{}/{id}", collection(&server, "aaaaaaaaaaaaaaaaaaaaaaaa"))).await;
    assert_eq!(other_project.status, 404, "items belong to their project");

    let deleted = send("DELETE", &item, &[], None).await;
    assert_eq!((deleted.status, deleted.json()), (200, json!({})));
    check(&op("deleteMaintenanceWindow"), &deleted).unwrap();
    for (method, body) in [("GET", None), ("PATCH", Some(r#"{"description": "x"}"#)), ("DELETE", None)] {
        let gone = json_send(method, &item, body).await;
        assert_eq!(gone.status, 404, "{method} after delete");
        assert_eq!(gone.content_type(), Some("application/json"));
        check(&op("getMaintenanceWindow"), &gone).unwrap();
        let v = gone.json();
        assert_eq!((v["error"].clone(), v["errorCode"].clone()), (json!(404), json!("RESOURCE_NOT_FOUND")));
        assert!(v.get("badRequestDetail").is_none(), "Cloud Manager errors have no badRequestDetail: {v}");
    }
    assert_eq!(get(&list_url).await.json()["totalCount"], json!(1));
    server.shutdown().await;
}

#[tokio::test]
async fn the_base_path_is_required_and_bodies_are_checked() {
    let server = start(cloud_manager_spec(), MockConfig::default()).await;
    let without_base = get(&format!("{}/groups/{PROJECT}/maintenanceWindows", server.url())).await;
    assert_eq!(without_base.status, 404);
    let list_url = collection(&server, PROJECT);
    let bad = json_send("POST", &list_url, Some(r#"{"startDate": "yesterday", "alertTypeNames": ["NOPE"]}"#)).await;
    assert_eq!(bad.status, 400);
    check(&op("createMaintenanceWindow"), &bad).unwrap();
    let v = bad.json();
    assert_eq!(v["errorCode"], json!("VALIDATION_ERROR"));
    for field in ["startDate", "endDate", "alertTypeNames[0]"] {
        assert!(v["parameters"].as_array().unwrap().contains(&json!(field)), "{field}: {v}");
    }
    let unknown = json_send("POST", &list_url, Some(&CREATE.replace("\"description\"", "\"colour\""))).await;
    assert_eq!(unknown.json()["errorCode"], json!("INVALID_ATTRIBUTE"));
    let bad_page = get(&format!("{list_url}?itemsPerPage=501")).await;
    assert_eq!(bad_page.status, 400);
    let bad_id = get(&format!("{list_url}/xyz")).await;
    assert_eq!(bad_id.status, 400);
    server.shutdown().await;
}

#[tokio::test]
async fn ids_are_reproducible_for_a_seed() {
    let mut ids = Vec::new();
    for _ in 0..2 {
        let server = start(cloud_manager_spec(), MockConfig { seed: 42, ..MockConfig::default() }).await;
        let created = json_send("POST", &collection(&server, PROJECT), Some(CREATE)).await.json();
        ids.push(created["id"].clone());
        server.shutdown().await;
    }
    assert_eq!(ids[0], ids[1]);
    let other = start(cloud_manager_spec(), MockConfig { seed: 43, ..MockConfig::default() }).await;
    let created = json_send("POST", &collection(&other, PROJECT), Some(CREATE)).await.json();
    assert_ne!(created["id"], ids[0]);
    other.shutdown().await;
}
