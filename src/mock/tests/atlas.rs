//! The Atlas maintenance window: statuses, media types, validation errors, negotiation,
//! envelope, pretty printing and state transitions.

use super::*;
use serde_json::json;

fn op(id: &str) -> crate::spec::Operation {
    atlas_spec().operation(id).unwrap().clone()
}

#[tokio::test]
async fn every_operation_answers_its_documented_status_and_media_type() {
    let server = atlas(MockConfig::default()).await;
    let url = window_url(&server, GROUP);
    let cases = [
        ("getGroupMaintenanceWindow", "GET", url.clone(), None, 200),
        ("updateGroupMaintenanceWindow", "PATCH", url.clone(), Some(r#"{"dayOfWeek": 2}"#), 200),
        ("deferGroupMaintenanceWindow", "POST", format!("{url}/defer"), None, 200),
        ("toggleGroupMaintenanceWindowAutoDefer", "POST", format!("{url}/autoDefer"), None, 200),
        ("resetGroupMaintenanceWindow", "DELETE", url.clone(), None, 204),
    ];
    for (id, method, url, body, status) in cases {
        let got = atlas_send(method, &url, body).await;
        assert_eq!(got.status, status, "{id}: {}", String::from_utf8_lossy(&got.body));
        assert_eq!(got.content_type(), Some(ATLAS_JSON), "{id}");
        check(&op(id), &got).unwrap();
        if status == 204 {
            assert!(got.body.is_empty(), "{id}");
        }
    }
    server.shutdown().await;
}

#[tokio::test]
async fn an_untouched_project_has_the_default_window() {
    let server = atlas(MockConfig::default()).await;
    let got = get(&window_url(&server, GROUP)).await;
    assert_eq!(
        got.json(),
        json!({"autoDeferOnceEnabled": false, "dayOfWeek": 7, "hourOfDay": 3, "numberOfDeferrals": 0,
               "startASAP": false, "timeZoneId": "UTC"})
    );
    server.shutdown().await;
}

#[tokio::test]
async fn validation_errors_name_the_bad_field() {
    let server = atlas(MockConfig::default()).await;
    let url = window_url(&server, GROUP);
    let patch = op("updateGroupMaintenanceWindow");
    let cases: [(&str, &str, &str); 6] = [
        (r#"{"dayOfWeek": 8}"#, "dayOfWeek", "VALIDATION_ERROR"),
        (r#"{"dayOfWeek": 0}"#, "dayOfWeek", "VALIDATION_ERROR"),
        (r#"{"dayOfWeek": 2, "hourOfDay": 24}"#, "hourOfDay", "VALIDATION_ERROR"),
        (r#"{"dayOfWeek": "monday"}"#, "dayOfWeek", "VALIDATION_ERROR"),
        (r#"{"hourOfDay": 3}"#, "dayOfWeek", "VALIDATION_ERROR"),
        (r#"{"dayOfWeek": 2, "protectHours": {}}"#, "protectHours", "INVALID_ATTRIBUTE"),
    ];
    for (body, field, code) in cases {
        let got = atlas_send("PATCH", &url, Some(body)).await;
        assert_eq!(got.status, 400, "{body}");
        assert_eq!(got.content_type(), Some("application/json"), "{body}");
        check(&patch, &got).unwrap();
        let v = got.json();
        assert_eq!(v["errorCode"], json!(code), "{body}: {v}");
        assert_eq!(v["error"], json!(400));
        assert_eq!(v["reason"], json!("Bad Request"));
        assert!(got.bad_fields().contains(&field.to_owned()), "{body}: {v}");
        assert!(v["badRequestDetail"]["fields"][0]["description"].as_str().is_some_and(|d| !d.is_empty()));
    }
    let nested = atlas_send("PATCH", &url, Some(r#"{"dayOfWeek": 2, "protectedHours": {"startHourOfDay": -1}}"#)).await;
    assert_eq!(nested.bad_fields(), ["protectedHours.startHourOfDay"]);
    // Nothing invalid was written.
    assert_eq!(get(&url).await.json()["dayOfWeek"], json!(7));
    server.shutdown().await;
}

#[tokio::test]
async fn bad_group_ids_missing_and_malformed_bodies_are_400() {
    let server = atlas(MockConfig::default()).await;
    let get_op = op("getGroupMaintenanceWindow");
    for bad in ["nothex", "32B6E34B3D91647ABB20E7B8", "32b6e34b3d91647abb20e7b", "%FF%FE"] {
        let got = get(&window_url(&server, bad)).await;
        assert_eq!(got.status, 400, "{bad}");
        check(&get_op, &got).unwrap();
        assert_eq!(got.bad_fields(), ["groupId"], "{bad}");
    }
    let url = window_url(&server, GROUP);
    let patch = op("updateGroupMaintenanceWindow");
    let missing = atlas_send("PATCH", &url, None).await;
    assert_eq!(missing.status, 400);
    assert_eq!(missing.bad_fields(), ["body"]);
    check(&patch, &missing).unwrap();
    let malformed = atlas_send("PATCH", &url, Some(r#"{"dayOfWeek": "#)).await;
    assert_eq!(malformed.status, 400);
    assert_eq!(malformed.json()["errorCode"], json!("MALFORMED_JSON"));
    check(&patch, &malformed).unwrap();
    let bad_flag = get(&format!("{url}?envelope=yes")).await;
    assert_eq!((bad_flag.status, bad_flag.bad_fields()), (400, vec!["envelope".to_owned()]));
    server.shutdown().await;
}

#[tokio::test]
async fn media_types_methods_and_paths_are_enforced() {
    let server = atlas(MockConfig::default()).await;
    let url = window_url(&server, GROUP);
    let body = Some(r#"{"dayOfWeek": 2}"#);
    for ct in ["text/plain", "application/xml", "application/vnd.atlas.2022-01-01+json", "application/json"] {
        let got = send("PATCH", &url, &[("content-type", ct)], body).await;
        assert_generic_error(&got, 415, "UNSUPPORTED_MEDIA_TYPE");
    }
    let none = send("PATCH", &url, &[], body).await;
    assert_eq!(none.status, 415);
    // A later version date in Content-Type resolves to the documented version.
    let later = send("PATCH", &url, &[("content-type", "application/vnd.atlas.2025-03-12+json")], body).await;
    assert_eq!(later.status, 200);

    let put = send("PUT", &url, &[], None).await;
    assert_generic_error(&put, 405, "METHOD_NOT_ALLOWED");
    // Document order: the YAML lists get, patch, delete.
    assert_eq!(put.header("allow"), Some("GET, PATCH, DELETE"));
    let head = send("HEAD", &format!("{url}/defer"), &[], None).await;
    assert_eq!((head.status, head.header("allow")), (405, Some("POST")));

    let unknown = get(&format!("{}/api/atlas/v2/groups/{GROUP}/nothing", server.url())).await;
    assert_eq!(unknown.status, 404);
    assert_eq!(unknown.content_type(), Some("application/json"));
    check(&op("getGroupMaintenanceWindow"), &unknown).unwrap();
    assert_eq!(unknown.json()["errorCode"], json!("RESOURCE_NOT_FOUND"));
    server.shutdown().await;
}

#[tokio::test]
async fn accept_dates_resolve_to_the_newest_version_on_or_before() {
    let server = atlas(MockConfig::default()).await;
    let url = window_url(&server, GROUP);
    for accept in [
        "application/vnd.atlas.2025-03-12+json",
        "application/vnd.atlas.2023-01-01+json",
        "application/vnd.atlas.2023-10-01+json",
        "*/*",
        "application/json",
        "application/json, text/plain, */*",
    ] {
        let got = send("GET", &url, &[("accept", accept)], None).await;
        assert_eq!((got.status, got.content_type()), (200, Some(ATLAS_JSON)), "{accept}");
    }
    for accept in ["application/vnd.atlas.2022-12-31+json", "application/vnd.atlas.2023-02-30x+json", "text/html"] {
        let got = send("GET", &url, &[("accept", accept)], None).await;
        assert_eq!(got.status, 406, "{accept}");
        assert_eq!(got.content_type(), Some("application/json"));
        let v = got.json();
        assert!(v["errorCode"].is_string() && v["error"] == json!(406), "{v}");
    }
    // The DELETE documents a media type for its 204: a bad date is refused there too.
    let del = send("DELETE", &url, &[("accept", "application/vnd.atlas.2020-01-01+json")], None).await;
    assert_eq!(del.status, 406);
    server.shutdown().await;
}

#[tokio::test]
async fn envelope_wraps_status_and_body_and_pretty_indents() {
    let server = atlas(MockConfig::default()).await;
    let url = window_url(&server, GROUP);
    let got = get(&format!("{url}?envelope=true")).await;
    assert_eq!((got.status, got.content_type()), (200, Some(ATLAS_JSON)));
    let v = got.json();
    assert_eq!(v["status"], json!(200));
    assert_eq!(v["content"]["dayOfWeek"], json!(7));

    let reset = send("DELETE", &format!("{url}?envelope=true"), &[], None).await;
    assert_eq!((reset.status, reset.json()), (200, json!({"status": 204})));

    let bad = atlas_send("PATCH", &format!("{url}?envelope=true"), Some(r#"{"dayOfWeek": 9}"#)).await;
    assert_eq!((bad.status, bad.content_type()), (200, Some("application/json")));
    let v = bad.json();
    assert_eq!(v["status"], json!(400));
    assert_eq!(v["content"]["errorCode"], json!("VALIDATION_ERROR"));

    // Every answer is wrapped when asked: 405 and unknown paths too.
    let put = send("PUT", &format!("{url}?envelope=true"), &[], None).await;
    assert_eq!((put.status, put.json()["status"].clone()), (200, json!(405)));
    assert_eq!(put.json()["content"]["errorCode"], json!("METHOD_NOT_ALLOWED"));
    let nowhere = get(&format!("{}/api/atlas/v2/nothing?envelope=true", server.url())).await;
    assert_eq!((nowhere.status, nowhere.json()["status"].clone()), (200, json!(404)));

    let pretty = get(&format!("{url}?pretty=true")).await;
    let text = String::from_utf8(pretty.body.clone()).unwrap();
    assert!(text.contains("\n  \"dayOfWeek\": 7"), "{text}");
    assert_eq!(pretty.json(), get(&url).await.json());
    let compact = String::from_utf8(get(&url).await.body).unwrap();
    assert!(!compact.contains('\n'));
    let both = get(&format!("{url}?pretty=true&envelope=true")).await;
    assert!(String::from_utf8_lossy(&both.body).contains("\n  \"status\": 200"));
    server.shutdown().await;
}

#[tokio::test]
async fn state_follows_the_semantics() {
    let server = atlas(MockConfig::default()).await;
    let url = window_url(&server, GROUP);
    let read = || async { get(&url).await.json() };

    assert_eq!(atlas_send("POST", &format!("{url}/defer"), None).await.status, 200);
    assert_eq!(atlas_send("POST", &format!("{url}/defer"), None).await.status, 200);
    assert_eq!(read().await["numberOfDeferrals"], json!(2));

    let toggled = atlas_send("POST", &format!("{url}/autoDefer"), None).await;
    assert_eq!(toggled.json()["autoDeferOnceEnabled"], json!(true));
    assert_eq!(read().await["autoDeferOnceEnabled"], json!(true));
    atlas_send("POST", &format!("{url}/autoDefer"), None).await;
    assert_eq!(read().await["autoDeferOnceEnabled"], json!(false));

    let body = r#"{"dayOfWeek": 2, "hourOfDay": 5, "protectedHours": {"startHourOfDay": 1, "endHourOfDay": 4}}"#;
    let patched = atlas_send("PATCH", &url, Some(body)).await;
    assert_eq!(patched.status, 200);
    let now = read().await;
    assert_eq!(
        (now["dayOfWeek"].clone(), now["hourOfDay"].clone(), now["numberOfDeferrals"].clone()),
        (json!(2), json!(5), json!(0)),
        "PATCH merges and resets deferrals"
    );
    assert_eq!(now["protectedHours"], json!({"startHourOfDay": 1, "endHourOfDay": 4}));
    assert_eq!(now["timeZoneId"], json!("UTC"), "untouched fields stay");
    atlas_send("PATCH", &url, Some(r#"{"dayOfWeek": 3, "protectedHours": {"endHourOfDay": 6}}"#)).await;
    assert_eq!(read().await["protectedHours"], json!({"startHourOfDay": 1, "endHourOfDay": 6}), "nested merge");

    // Another project is untouched.
    assert_eq!(get(&window_url(&server, "aaaaaaaaaaaaaaaaaaaaaaaa")).await.json()["dayOfWeek"], json!(7));

    assert_eq!(send("DELETE", &url, &[], None).await.status, 204);
    assert_eq!(
        read().await,
        get(&window_url(&server, "bbbbbbbbbbbbbbbbbbbbbbbb")).await.json(),
        "reset restores the default"
    );
    server.shutdown().await;
}

#[tokio::test]
async fn seed_and_url_are_reported() {
    let server = atlas(MockConfig { seed: 7, ..MockConfig::default() }).await;
    assert!(server.url().starts_with("http://127.0.0.1:"));
    assert_ne!(server.local_addr().port(), 0);
    assert_eq!(server.url(), format!("http://{}", server.local_addr()));
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_writes_are_all_applied() {
    let server = atlas(MockConfig::default()).await;
    let url = window_url(&server, GROUP);
    let other = window_url(&server, "cccccccccccccccccccccccc");
    let mut tasks = Vec::new();
    for i in 0..100 {
        let target = if i % 2 == 0 { format!("{url}/defer") } else { format!("{other}/defer") };
        tasks.push(tokio::spawn(async move { atlas_send("POST", &target, None).await.status }));
    }
    for task in tasks {
        assert_eq!(task.await.unwrap(), 200);
    }
    assert_eq!(get(&url).await.json()["numberOfDeferrals"], json!(50));
    assert_eq!(get(&other).await.json()["numberOfDeferrals"], json!(50));
    server.shutdown().await;
}
