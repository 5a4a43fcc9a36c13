//! One test per fault: the same requests to a conforming mock and to one with the fault, and
//! the difference the fault's check is expected to see.

use super::*;
use crate::mock::Fault;
use serde_json::json;
use std::time::{Duration, Instant};

/// A conforming Atlas mock and one with `fault`.
async fn pair(fault: Fault) -> (MockServer, MockServer) {
    let faulty = MockConfig { faults: vec![fault], ..MockConfig::default() };
    (atlas(MockConfig::default()).await, atlas(faulty).await)
}

fn atlas_op(id: &str) -> crate::spec::Operation {
    atlas_spec().operation(id).unwrap().clone()
}

async fn shutdown(servers: (MockServer, MockServer)) {
    servers.0.shutdown().await;
    servers.1.shutdown().await;
}

/// Asserts the good server's GET conforms and the faulty one's does not; returns the latter.
async fn broken_get(fault: Fault) -> Got {
    let servers = pair(fault).await;
    let get_op = atlas_op("getGroupMaintenanceWindow");
    check(&get_op, &get(&window_url(&servers.0, GROUP)).await).unwrap();
    let bad = get(&window_url(&servers.1, GROUP)).await;
    assert!(check(&get_op, &bad).is_err(), "{fault}: {bad:?}");
    shutdown(servers).await;
    bad
}

#[tokio::test]
async fn wrong_type() {
    let bad = broken_get(Fault::WrongType).await;
    assert_eq!(bad.json()["dayOfWeek"], json!("7"));
}

#[tokio::test]
async fn missing_required_field() {
    let bad = broken_get(Fault::MissingRequiredField).await;
    assert!(bad.json().get("dayOfWeek").is_none());
}

#[tokio::test]
async fn out_of_range() {
    let bad = broken_get(Fault::OutOfRange).await;
    assert_eq!(bad.json()["dayOfWeek"], json!(8));
}

#[tokio::test]
async fn undocumented_status() {
    let bad = broken_get(Fault::UndocumentedStatus).await;
    assert_eq!(bad.status, 202);
}

#[tokio::test]
async fn wrong_content_type() {
    let bad = broken_get(Fault::WrongContentType).await;
    assert_eq!(bad.content_type(), Some("application/json"));
    assert_eq!(bad.json()["dayOfWeek"], json!(7), "the body itself is fine");
}

#[tokio::test]
async fn error_without_code() {
    let servers = pair(Fault::ErrorWithoutCode).await;
    let patch = atlas_op("updateGroupMaintenanceWindow");
    let body = Some(r#"{"dayOfWeek": 9}"#);
    let good = atlas_send("PATCH", &window_url(&servers.0, GROUP), body).await;
    assert_eq!(good.status, 400);
    check(&patch, &good).unwrap();
    let bad = atlas_send("PATCH", &window_url(&servers.1, GROUP), body).await;
    assert_eq!(bad.status, 400);
    assert!(bad.json().get("errorCode").is_none());
    assert!(check(&patch, &bad).is_err());
    shutdown(servers).await;
}

#[tokio::test]
async fn missing_required_header() {
    let spec = Arc::new(
        Spec::from_value(
            "headers.yaml",
            json!({
                "openapi": "3.0.3", "info": {"title": "t", "version": "1"},
                "paths": {"/things": {"get": {"responses": {"200": {
                    "description": "ok",
                    "headers": {"X-Rate-Limit": {"required": true, "schema": {"type": "integer", "minimum": 1}}},
                    "content": {"application/json": {"schema": {"type": "object"}}}
                }}}}}
            }),
        )
        .unwrap(),
    );
    let good = start(spec.clone(), MockConfig::default()).await;
    let bad = start(spec, MockConfig { faults: vec![Fault::MissingRequiredHeader], ..MockConfig::default() }).await;
    let with = get(&format!("{}/things", good.url())).await;
    let value: i64 = with.header("x-rate-limit").expect("the required header").parse().unwrap();
    assert!(value >= 1);
    let without = get(&format!("{}/things", bad.url())).await;
    assert_eq!(without.status, 200);
    assert_eq!(without.header("x-rate-limit"), None);
    good.shutdown().await;
    bad.shutdown().await;
}

/// The write is rejected by the good server and accepted (and stored) by the faulty one.
async fn negative_accepted(fault: Fault, body: &str, field: &str, stored: serde_json::Value) {
    let servers = pair(fault).await;
    let good = atlas_send("PATCH", &window_url(&servers.0, GROUP), Some(body)).await;
    assert_eq!(good.status, 400);
    assert!(good.bad_fields().contains(&field.to_owned()));
    let bad = atlas_send("PATCH", &window_url(&servers.1, GROUP), Some(body)).await;
    assert_eq!(bad.status, 200, "{fault}: {}", String::from_utf8_lossy(&bad.body));
    assert_eq!(get(&window_url(&servers.1, GROUP)).await.json()[field], stored, "the write was applied");
    // Only that one field is let through.
    let other = atlas_send("PATCH", &window_url(&servers.1, GROUP), Some(r#"{"dayOfWeek": 2, "startASAP": 1}"#)).await;
    assert_eq!(other.status, 400);
    shutdown(servers).await;
}

#[tokio::test]
async fn accept_bad_day_of_week() {
    negative_accepted(Fault::AcceptBadDayOfWeek, r#"{"dayOfWeek": 8}"#, "dayOfWeek", json!(8)).await;
}

#[tokio::test]
async fn accept_bad_hour_of_day() {
    negative_accepted(Fault::AcceptBadHourOfDay, r#"{"dayOfWeek": 2, "hourOfDay": 24}"#, "hourOfDay", json!(24)).await;
}

#[tokio::test]
async fn accept_bad_group_id() {
    let servers = pair(Fault::AcceptBadGroupId).await;
    assert_eq!(get(&window_url(&servers.0, "not-a-group")).await.status, 400);
    let bad = get(&window_url(&servers.1, "not-a-group")).await;
    assert_eq!(bad.status, 200);
    let write = atlas_send("PATCH", &window_url(&servers.1, "not-a-group"), Some(r#"{"dayOfWeek": 3}"#)).await;
    assert_eq!(write.status, 200);
    assert_eq!(get(&window_url(&servers.1, "not-a-group")).await.json()["dayOfWeek"], json!(3));
    shutdown(servers).await;
}

#[tokio::test]
async fn reject_valid() {
    let servers = pair(Fault::RejectValid).await;
    let body = Some(r#"{"dayOfWeek": 2}"#);
    assert_eq!(atlas_send("PATCH", &window_url(&servers.0, GROUP), body).await.status, 200);
    let bad = atlas_send("PATCH", &window_url(&servers.1, GROUP), body).await;
    assert_eq!(bad.status, 400);
    check(&atlas_op("updateGroupMaintenanceWindow"), &bad).unwrap();
    assert_eq!(get(&window_url(&servers.1, GROUP)).await.status, 400);
    shutdown(servers).await;
}

#[tokio::test]
async fn server_error() {
    let servers = pair(Fault::ServerError).await;
    let groups: Vec<String> = (0..30u32).map(|i| format!("{i:024x}")).collect();
    for group in &groups {
        assert_eq!(get(&window_url(&servers.0, group)).await.status, 200);
    }
    // Invalid requests are still rejected.
    assert_eq!(get(&window_url(&servers.1, "bad")).await.status, 400);
    let mut failed = 0;
    for group in &groups {
        let url = window_url(&servers.1, group);
        let first = get(&url).await;
        // Picked by the request, not by what arrived before it: the same request, the same answer.
        assert_eq!(get(&url).await.status, first.status, "{group}");
        if first.status == 500 {
            check(&atlas_op("getGroupMaintenanceWindow"), &first).unwrap();
            failed += 1;
        } else {
            assert_eq!(first.status, 200);
        }
    }
    assert!((3..=20).contains(&failed), "about one request in 3 fails: {failed} of 30");
    shutdown(servers).await;
}

#[tokio::test]
async fn state_not_persisted() {
    let servers = pair(Fault::StateNotPersisted).await;
    for (server, stored) in [(&servers.0, 2), (&servers.1, 7)] {
        let url = window_url(server, GROUP);
        let answer = atlas_send("PATCH", &url, Some(r#"{"dayOfWeek": 2}"#)).await;
        assert_eq!((answer.status, answer.json()["dayOfWeek"].clone()), (200, json!(2)));
        assert_eq!(get(&url).await.json()["dayOfWeek"], json!(stored));
    }
    shutdown(servers).await;
}

#[tokio::test]
async fn state_not_reset() {
    let servers = pair(Fault::StateNotReset).await;
    for (server, after) in [(&servers.0, 7), (&servers.1, 2)] {
        let url = window_url(server, GROUP);
        atlas_send("PATCH", &url, Some(r#"{"dayOfWeek": 2}"#)).await;
        assert_eq!(send("DELETE", &url, &[], None).await.status, 204);
        assert_eq!(get(&url).await.json()["dayOfWeek"], json!(after));
    }
    shutdown(servers).await;
    // Deleting an item does nothing either.
    let cm =
        start(cloud_manager_spec(), MockConfig { faults: vec![Fault::StateNotReset], ..MockConfig::default() }).await;
    let list = format!("{}/api/public/v1.0/groups/{PROJECT}/maintenanceWindows", cm.url());
    let body = r#"{"startDate": "2015-10-23T22:00:00Z", "endDate": "2015-10-23T23:30:00Z", "alertTypeNames": []}"#;
    let created = send("POST", &list, &[("content-type", "application/json")], Some(body)).await.json();
    let item = format!("{list}/{}", created["id"].as_str().unwrap());
    assert_eq!(send("DELETE", &item, &[], None).await.status, 200);
    assert_eq!(get(&item).await.status, 200);
    cm.shutdown().await;
}

#[tokio::test]
async fn state_not_incremented() {
    let servers = pair(Fault::StateNotIncremented).await;
    for (server, count) in [(&servers.0, 1), (&servers.1, 0)] {
        let url = window_url(server, GROUP);
        assert_eq!(atlas_send("POST", &format!("{url}/defer"), None).await.status, 200);
        assert_eq!(get(&url).await.json()["numberOfDeferrals"], json!(count));
    }
    shutdown(servers).await;
}

#[tokio::test]
async fn state_not_toggled() {
    let servers = pair(Fault::StateNotToggled).await;
    for (server, flag) in [(&servers.0, true), (&servers.1, false)] {
        let url = window_url(server, GROUP);
        assert_eq!(atlas_send("POST", &format!("{url}/autoDefer"), None).await.status, 200);
        assert_eq!(get(&url).await.json()["autoDeferOnceEnabled"], json!(flag));
    }
    shutdown(servers).await;
}

#[tokio::test]
async fn envelope_ignored() {
    let servers = pair(Fault::EnvelopeIgnored).await;
    let good = get(&format!("{}?envelope=true", window_url(&servers.0, GROUP))).await;
    assert_eq!(good.json()["status"], json!(200));
    let bad = get(&format!("{}?envelope=true", window_url(&servers.1, GROUP))).await;
    assert!(bad.json().get("status").is_none());
    assert_eq!(bad.json()["dayOfWeek"], json!(7));
    let reset = send("DELETE", &format!("{}?envelope=true", window_url(&servers.1, GROUP)), &[], None).await;
    assert_eq!(reset.status, 204, "not wrapped in a 200");
    shutdown(servers).await;
}

#[tokio::test]
async fn auth_not_enforced() {
    let key = Some(("user".to_owned(), "key".to_owned()));
    let good = atlas(MockConfig { digest: key.clone(), ..MockConfig::default() }).await;
    let bad = atlas(MockConfig { digest: key, faults: vec![Fault::AuthNotEnforced], ..MockConfig::default() }).await;
    assert_eq!(get(&window_url(&good, GROUP)).await.status, 401);
    assert_eq!(get(&window_url(&bad, GROUP)).await.status, 200);
    let wrong = send("GET", &window_url(&bad, GROUP), &[("authorization", "Bearer nope")], None).await;
    assert_eq!(wrong.status, 200);
    good.shutdown().await;
    bad.shutdown().await;
}

#[tokio::test]
async fn undocumented_method_allowed() {
    let servers = pair(Fault::UndocumentedMethodAllowed).await;
    assert_eq!(send("PUT", &window_url(&servers.0, GROUP), &[], None).await.status, 405);
    assert_eq!(send("PUT", &window_url(&servers.1, GROUP), &[], None).await.status, 200);
    shutdown(servers).await;
}

#[tokio::test]
async fn drop_connection() {
    let servers = pair(Fault::DropConnection).await;
    // A fresh client each time: a dropped connection must not be retried on another.
    let outcome = |url: String| async move { fresh_client().get(&url).send().await.map(|r| r.status().as_u16()).ok() };
    let groups: Vec<String> = (0..30u32).map(|i| format!("{i:024x}")).collect();
    let mut dropped = 0;
    for group in &groups {
        assert_eq!(outcome(window_url(&servers.0, group)).await, Some(200));
        let first = outcome(window_url(&servers.1, group)).await;
        assert_eq!(outcome(window_url(&servers.1, group)).await, first, "the same request, the same fate: {group}");
        match first {
            None => dropped += 1,
            Some(status) => assert_eq!(status, 200),
        }
    }
    assert!((3..=20).contains(&dropped), "about one request in 3 is dropped: {dropped} of 30");
    shutdown(servers).await;
}

#[tokio::test]
async fn slow_response() {
    let servers = pair(Fault::SlowResponse).await;
    let timed = |server: &MockServer| {
        let url = window_url(server, GROUP);
        async move {
            let start = Instant::now();
            assert_eq!(get(&url).await.status, 200);
            start.elapsed()
        }
    };
    // The fastest of a few answers, so that a busy test machine does not look like the fault.
    let mut fastest = Duration::MAX;
    for _ in 0..3 {
        fastest = fastest.min(timed(&servers.0).await);
    }
    assert!(fastest < Duration::from_millis(250), "{fastest:?}");
    for _ in 0..2 {
        assert!(timed(&servers.1).await >= Duration::from_millis(250));
    }
    shutdown(servers).await;
}

/// A Cloud Manager mock, with `faults`, and the URL of one project's collection of windows.
async fn cloud_manager(faults: Vec<Fault>) -> MockServer {
    start(cloud_manager_spec(), MockConfig { faults, ..MockConfig::default() }).await
}

fn windows(server: &MockServer, project: &str) -> String {
    format!("{}/api/public/v1.0/groups/{project}/maintenanceWindows", server.url())
}

const WINDOW: &str =
    r#"{"startDate": "2015-10-23T22:00:00Z", "endDate": "2015-10-23T23:30:00Z", "alertTypeNames": []}"#;
const OTHER: &str = "aaaaaaaaaaaaaaaaaaaaaaaa";

/// Creates a window under `project`; returns the created item's URL and body.
async fn create_window(server: &MockServer, project: &str) -> (String, serde_json::Value) {
    let created = send("POST", &windows(server, project), &[("content-type", "application/json")], Some(WINDOW)).await;
    assert_eq!(created.status, 200, "{}", String::from_utf8_lossy(&created.body));
    let body = created.json();
    (format!("{}/{}", windows(server, project), body["id"].as_str().unwrap()), body)
}

#[tokio::test]
async fn list_ignores_created() {
    let list_op = cloud_manager_spec().operation("listMaintenanceWindows").unwrap().clone();
    for (faults, listed) in [(vec![], 1), (vec![Fault::ListIgnoresCreated], 0)] {
        let server = cloud_manager(faults).await;
        let (item, window) = create_window(&server, PROJECT).await;
        let list = get(&windows(&server, PROJECT)).await;
        check(&list_op, &list).unwrap();
        assert_eq!(list.json()["totalCount"], json!(listed));
        assert_eq!(list.json()["results"].as_array().unwrap().len(), listed);
        // Everything but the list works.
        assert_eq!(get(&item).await.json(), window);
        let patched = send("PATCH", &item, &[("content-type", "application/json")], Some(r#"{"description": "x"}"#));
        assert_eq!(patched.await.status, 200);
        assert_eq!(get(&item).await.json()["description"], json!("x"));
        assert_eq!(send("DELETE", &item, &[], None).await.status, 200);
        assert_eq!(get(&item).await.status, 404);
        server.shutdown().await;
    }
}

#[tokio::test]
async fn cross_parent_read() {
    // Without the fault, an item is only served under its own project.
    let good = cloud_manager(vec![]).await;
    let (item, _) = create_window(&good, PROJECT).await;
    let elsewhere = item.replace(PROJECT, OTHER);
    assert_eq!(get(&elsewhere).await.status, 404);
    good.shutdown().await;

    let bad = cloud_manager(vec![Fault::CrossParentRead]).await;
    let (item, window) = create_window(&bad, PROJECT).await;
    let elsewhere = item.replace(PROJECT, OTHER);
    let leaked = get(&elsewhere).await;
    assert_eq!(leaked.status, 200);
    check(cloud_manager_spec().operation("getMaintenanceWindow").unwrap(), &leaked).unwrap();
    assert_eq!(leaked.json(), window, "project {OTHER} reads project {PROJECT}'s window, groupId and all");
    // Only reads leak: a write or delete under the wrong project is still 404, and the owner's
    // item is untouched.
    let json = [("content-type", "application/json")];
    assert_eq!(send("PATCH", &elsewhere, &json, Some(r#"{"description": "x"}"#)).await.status, 404);
    assert_eq!(send("DELETE", &elsewhere, &[], None).await.status, 404);
    assert_eq!(get(&item).await.json(), window);
    // The other project's list stays its own (empty).
    assert_eq!(get(&windows(&bad, OTHER)).await.json()["totalCount"], json!(0));
    // An id no project holds is still 404; a deleted item stops leaking.
    assert_eq!(get(&format!("{}/{}", windows(&bad, OTHER), "bbbbbbbbbbbbbbbbbbbbbbbb")).await.status, 404);
    assert_eq!(send("DELETE", &item, &[], None).await.status, 200);
    assert_eq!(get(&elsewhere).await.status, 404);
    bad.shutdown().await;

    // Atlas: one window per project. A project never written reads as the last one written.
    let servers = pair(Fault::CrossParentRead).await;
    for (server, seen) in [(&servers.0, 7), (&servers.1, 2)] {
        assert_eq!(
            get(&window_url(server, OTHER)).await.json()["dayOfWeek"],
            json!(7),
            "before any write: the default"
        );
        let written = atlas_send("PATCH", &window_url(server, GROUP), Some(r#"{"dayOfWeek": 2}"#)).await;
        assert_eq!(written.status, 200);
        let read = get(&window_url(server, OTHER)).await;
        check(&atlas_op("getGroupMaintenanceWindow"), &read).unwrap();
        assert_eq!(read.json()["dayOfWeek"], json!(seen));
        assert_eq!(get(&window_url(server, GROUP)).await.json()["dayOfWeek"], json!(2), "the owner reads its own");
    }
    // A project written since reads its own state.
    let own = atlas_send("PATCH", &window_url(&servers.1, OTHER), Some(r#"{"dayOfWeek": 4}"#)).await;
    assert_eq!(own.status, 200);
    assert_eq!(get(&window_url(&servers.1, OTHER)).await.json()["dayOfWeek"], json!(4));
    assert_eq!(get(&window_url(&servers.1, GROUP)).await.json()["dayOfWeek"], json!(2));
    shutdown(servers).await;
}

#[test]
fn every_fault_has_a_test_here() {
    let source = include_str!("faults.rs");
    for fault in Fault::ALL {
        let test_name = fault.name().replace('-', "_");
        assert!(source.contains(&format!("async fn {test_name}()")), "no test for {fault}");
    }
}
