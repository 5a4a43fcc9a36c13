//! Specs whose shapes used to make the mock contradict itself: a create whose answer schema
//! needs fields the request never sets, and two path templates of one shape with different
//! methods (regression tests for issue 12, item 3).

use super::*;
use serde_json::json;

fn shapes_spec() -> Arc<Spec> {
    // The read answers fields the create request cannot set (`createdAt`, a server-side
    // `status` enum).
    let thing = json!({"type": "object", "required": ["id", "name", "createdAt", "status"], "properties": {
        "id": {"type": "string", "pattern": "^[0-9a-f]{24}$"},
        "name": {"type": "string", "minLength": 1},
        "createdAt": {"type": "string", "format": "date-time"},
        "status": {"type": "string", "enum": ["READY", "PENDING"]},
        "secret": {"type": "string", "writeOnly": true}}});
    let body =
        |schema: serde_json::Value| json!({"required": true, "content": {"application/json": {"schema": schema}}});
    let answer = |code: &str, schema: serde_json::Value| json!({code: {"description": "ok", "content": {"application/json": {"schema": schema}}}});
    let var = |name: &str| json!([{"name": name, "in": "path", "required": true, "schema": {"type": "string"}}]);
    Arc::new(
        Spec::from_value(
            "shapes.yaml",
            json!({
                "openapi": "3.0.3", "info": {"title": "shapes", "version": "1"},
                "components": {"schemas": {"Thing": thing}},
                "paths": {
                    "/things": {
                        "post": {
                            "requestBody": body(json!({"type": "object", "required": ["name"], "properties": {
                                "name": {"type": "string", "minLength": 1}, "secret": {"type": "string"}}})),
                            "responses": answer("201", json!({"$ref": "#/components/schemas/Thing"}))
                        }
                    },
                    "/things/{thingId}": {
                        "parameters": var("thingId"),
                        // A documented 404 makes the item path a collection (semantics inference).
                        "get": {"responses": {
                            "200": {"description": "ok", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Thing"}}}},
                            "404": {"description": "missing"}
                        }}
                    },
                    "/loads/{loadId}": {
                        "parameters": var("loadId"),
                        "get": {"responses": answer("200", json!({"type": "object"}))}
                    },
                    "/loads/{name}": {
                        "parameters": var("name"),
                        "post": {"responses": {"202": {"description": "accepted"}}}
                    }
                }
            }),
        )
        .unwrap(),
    )
}

#[tokio::test]
async fn a_create_answers_and_stores_one_state_that_fits_the_read() {
    let spec = shapes_spec();
    let server = start(spec.clone(), MockConfig::default()).await;
    let op = |id: &str| spec.operations.iter().find(|o| o.id == id).unwrap().clone();
    let created = send(
        "POST",
        &format!("{}/things", server.url()),
        &[("content-type", "application/json")],
        Some(r#"{"name": "first", "secret": "s3cret"}"#),
    )
    .await;
    assert_eq!(created.status, 201, "{}", String::from_utf8_lossy(&created.body));
    let made = created.json();
    assert_eq!(made["name"], json!("first"), "the written field is answered: {made}");
    let id = made["id"].as_str().expect("an id");
    let read = get(&format!("{}/things/{id}", server.url())).await;
    assert_eq!(read.status, 200, "the created id is the stored one");
    conforms(&op("GET /things/{thingId}"), read.status, read.content_type(), &read.body).unwrap();
    assert_eq!(read.json(), made, "the read shows what the create answered");
    server.shutdown().await;
}

#[tokio::test]
async fn templates_of_one_shape_each_answer_their_method() {
    let server = start(shapes_spec(), MockConfig::default()).await;
    let url = format!("{}/loads/sample", server.url());
    assert_eq!(get(&url).await.status, 200, "GET is documented on /loads/{{loadId}}");
    assert_eq!(send("POST", &url, &[], None).await.status, 202, "POST is documented on /loads/{{name}}");
    let put = send("PUT", &url, &[], None).await;
    assert_eq!(put.status, 405, "neither template documents PUT");
    server.shutdown().await;
}
