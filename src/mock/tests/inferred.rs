//! A spec without a semantics file: a collection and a singleton inferred from the paths work
//! like the shipped ones (integer ids, generated default, replace, reset, 404 after delete).

use super::*;
use serde_json::json;

fn pets_spec() -> Arc<Spec> {
    let pet = json!({"type": "object", "required": ["id", "name"], "properties": {
        "id": {"type": "integer", "minimum": 1}, "name": {"type": "string", "minLength": 1}, "tag": {"type": "string"}}});
    let settings = json!({"type": "object", "required": ["volume"], "properties": {
        "theme": {"type": "string", "enum": ["light", "dark"]}, "volume": {"type": "integer", "minimum": 0, "maximum": 10}}});
    let body =
        |schema: serde_json::Value| json!({"required": true, "content": {"application/json": {"schema": schema}}});
    let answer = |code: &str, schema: serde_json::Value| json!({code: {"description": "ok", "content": {"application/json": {"schema": schema}}}});
    let with_4xx = |mut responses: serde_json::Value| {
        responses["4XX"] = json!({"description": "client error"});
        responses
    };
    let pet_id = json!([{"name": "petId", "in": "path", "required": true, "schema": {"type": "integer"}}]);
    Arc::new(
        Spec::from_value(
            "pets.yaml",
            json!({
                "openapi": "3.0.3", "info": {"title": "pets", "version": "1"},
                "servers": [{"url": "/v1"}],
                "components": {"schemas": {"Pet": pet, "Settings": settings}},
                "paths": {
                    "/pets": {
                        "get": {"responses": answer("200", json!({"type": "array", "items": {"$ref": "#/components/schemas/Pet"}}))},
                        "post": {
                            "requestBody": body(json!({"type": "object", "required": ["name"], "additionalProperties": false,
                                "properties": {"name": {"type": "string", "minLength": 1}, "tag": {"type": "string"}}})),
                            "responses": answer("201", json!({"$ref": "#/components/schemas/Pet"}))
                        }
                    },
                    // Items that can be missing document it (4XX here); see `Semantics::infer`.
                    "/pets/{petId}": {
                        "parameters": pet_id,
                        "get": {"responses": with_4xx(answer("200", json!({"$ref": "#/components/schemas/Pet"})))},
                        "patch": {
                            "requestBody": body(json!({"type": "object", "properties": {"tag": {"type": "string"}}})),
                            "responses": with_4xx(answer("200", json!({"$ref": "#/components/schemas/Pet"})))
                        },
                        "delete": {"responses": {"204": {"description": "gone"}, "4XX": {"description": "client error"}}}
                    },
                    "/settings": {
                        "get": {"responses": answer("200", json!({"$ref": "#/components/schemas/Settings"}))},
                        "put": {"requestBody": body(json!({"$ref": "#/components/schemas/Settings"})),
                                "responses": answer("200", json!({"$ref": "#/components/schemas/Settings"}))},
                        "delete": {"responses": {"204": {"description": "reset"}}}
                    }
                }
            }),
        )
        .unwrap(),
    )
}

#[tokio::test]
async fn an_inferred_collection_supports_crud() {
    let spec = pets_spec();
    let server = start(spec.clone(), MockConfig::default()).await;
    let op = |method: crate::spec::Method, path: &str| {
        spec.operations.iter().find(|o| o.method == method && o.path == path).unwrap().clone()
    };
    use crate::spec::Method::*;
    let base = format!("{}/v1", server.url());
    let json_ct = [("content-type", "application/json")];

    let created = send("POST", &format!("{base}/pets"), &json_ct, Some(r#"{"name": "Rex"}"#)).await;
    assert_eq!(created.status, 201);
    check(&op(Post, "/pets"), &created).unwrap();
    let pet = created.json();
    let id = pet["id"].as_u64().expect("an integer id, as the schema says");
    assert_eq!(pet["name"], json!("Rex"));

    let item = format!("{base}/pets/{id}");
    assert_eq!(get(&item).await.json(), pet);
    let listed = get(&format!("{base}/pets")).await;
    check(&op(Get, "/pets"), &listed).unwrap();
    assert_eq!(listed.json(), json!([pet]));

    let patched = send("PATCH", &item, &json_ct, Some(r#"{"tag": "good"}"#)).await;
    check(&op(Patch, "/pets/{petId}"), &patched).unwrap();
    assert_eq!(get(&item).await.json()["tag"], json!("good"));

    assert_eq!(send("DELETE", &item, &[], None).await.status, 204);
    let gone = get(&item).await;
    assert_generic_error(&gone, 404, "RESOURCE_NOT_FOUND");
    assert_eq!(get(&format!("{base}/pets/abc")).await.status, 400);
    server.shutdown().await;
}

#[tokio::test]
async fn an_inferred_singleton_starts_valid_is_replaced_and_resets() {
    let spec = pets_spec();
    let server = start(spec.clone(), MockConfig::default()).await;
    let url = format!("{}/v1/settings", server.url());
    let read_op =
        spec.operations.iter().find(|o| o.path == "/settings" && o.method == crate::spec::Method::Get).unwrap();
    let first = get(&url).await;
    check(read_op, &first).unwrap();
    let initial = first.json();
    let put =
        send("PUT", &url, &[("content-type", "application/json")], Some(r#"{"volume": 9, "theme": "dark"}"#)).await;
    assert_eq!(put.status, 200);
    assert_eq!(get(&url).await.json(), json!({"volume": 9, "theme": "dark"}));
    assert_eq!(send("DELETE", &url, &[], None).await.status, 204);
    assert_eq!(get(&url).await.json(), initial);
    server.shutdown().await;
}

#[tokio::test]
async fn semantics_given_in_the_config_are_checked() {
    use crate::spec::semantics::{Effect, Semantics};
    let mut semantics = Semantics::default();
    semantics.operations.insert("nope".into(), Effect::None { resource: None });
    let config = MockConfig { semantics: Some(semantics), ..MockConfig::default() };
    let err = MockServer::start(pets_spec(), "127.0.0.1:0".parse().unwrap(), config).await.err().unwrap();
    assert!(err.to_string().contains("operation `nope` is not in the spec"), "{err}");
    let taken = start(pets_spec(), MockConfig::default()).await;
    let err = MockServer::start(pets_spec(), taken.local_addr(), MockConfig::default()).await.err().unwrap();
    assert!(matches!(err, crate::mock::MockError::Bind { .. }), "{err}");
    assert!(err.to_string().starts_with("listen on 127.0.0.1:"), "{err}");
    taken.shutdown().await;
}

/// Regression (issue 12, Atlas 2026 `createGroupMcpConfig`, `createPrivateEndpointId`): a
/// created item's id is one that the item operations' id parameter accepts (a UUID, `vpce-…`),
/// so the item can be read, updated and deleted; ids stay unique. Hex ids where they fit.
#[tokio::test]
async fn created_ids_fit_the_item_parameter() {
    let spec = |pattern: &str| {
        let item = json!({"type": "object", "properties": {"id": {"type": "string"}, "name": {"type": "string"}}});
        let answer = json!({"200": {"description": "ok", "content": {"application/json": {"schema": item}}},
                            "404": {"description": "none"}});
        Arc::new(
            Spec::from_value(
                "ids.yaml",
                json!({
                    "openapi": "3.0.3", "info": {"title": "ids", "version": "1"},
                    "paths": {
                        "/things": {"post": {
                            "requestBody": {"content": {"application/json": {"schema": {"type": "object",
                                "properties": {"name": {"type": "string"}}}}}},
                            "responses": answer.clone()}},
                        "/things/{thingId}": {
                            "parameters": [{"name": "thingId", "in": "path", "required": true,
                                            "schema": {"type": "string", "pattern": pattern}}],
                            "get": {"responses": answer.clone()},
                            "delete": {"responses": {"204": {"description": "gone"}, "404": {"description": "none"}}}
                        }
                    }
                }),
            )
            .unwrap(),
        )
    };
    for pattern in
        ["^vpce-[0-9a-f]{17}$", "^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", "^([a-f0-9]{24})$"]
    {
        let server = start(spec(pattern), MockConfig::default()).await;
        let fits = crate::spec::standalone_schema(
            &json!({"type": "string", "pattern": pattern}),
            crate::spec::Direction::Request,
        )
        .unwrap();
        let mut seen = std::collections::HashSet::new();
        for _ in 0..5 {
            let created = send(
                "POST",
                &format!("{}/things", server.url()),
                &[("content-type", "application/json")],
                Some(r#"{"name": "a"}"#),
            )
            .await;
            assert_eq!(created.status, 200, "{}", String::from_utf8_lossy(&created.body));
            let id = created.json()["id"].as_str().expect("a string id").to_owned();
            assert!(fits.is_valid(&json!(id)), "{id} does not fit {pattern}");
            assert!(seen.insert(id.clone()), "{id} repeats");
            let read = get(&format!("{}/things/{id}", server.url())).await;
            assert_eq!(read.status, 200, "{pattern}: {id}");
            assert_eq!(read.json()["id"], json!(id));
        }
        if pattern == "^([a-f0-9]{24})$" {
            assert!(seen.iter().all(|id| id.len() == 24), "hex ids where they fit");
        }
    }
}

/// OpenAPI 3.0: a `writeOnly` property SHOULD NOT be sent in a response. What was written is
/// shown back (the name, the other keys), but never the secret: not in the create's answer, the
/// read, or the list, nested in array items included. (Schemathesis flagged the mock for
/// echoing them on the 2026 Atlas spec.)
#[tokio::test]
async fn write_only_properties_are_never_shown_back() {
    let user = json!({"type": "object", "required": ["name", "password"], "properties": {
        "id": {"type": "integer", "readOnly": true},
        "name": {"type": "string"},
        "password": {"type": "string", "writeOnly": true},
        "keys": {"type": "array", "items": {"type": "object", "properties": {
            "label": {"type": "string"}, "secret": {"type": "string", "writeOnly": true}}}}
    }});
    let content = |schema: serde_json::Value| json!({"application/json": {"schema": schema}});
    let spec = Arc::new(
        Spec::from_value(
            "users.yaml",
            json!({
                "openapi": "3.0.3", "info": {"title": "users", "version": "1"},
                "components": {"schemas": {"User": user}},
                "paths": {
                    "/users": {
                        "get": {"responses": {"200": {"description": "ok", "content": content(json!({"type": "array", "items": {"$ref": "#/components/schemas/User"}}))}}},
                        "post": {
                            "requestBody": {"required": true, "content": content(json!({"$ref": "#/components/schemas/User"}))},
                            "responses": {"201": {"description": "made", "content": content(json!({"$ref": "#/components/schemas/User"}))}}
                        }
                    },
                    "/users/{userId}": {
                        "parameters": [{"name": "userId", "in": "path", "required": true, "schema": {"type": "integer"}}],
                        "get": {"responses": {
                            "200": {"description": "ok", "content": content(json!({"$ref": "#/components/schemas/User"}))},
                            "404": {"description": "missing"}
                        }}
                    }
                }
            }),
        )
        .unwrap(),
    );
    let server = start(spec.clone(), MockConfig::default()).await;
    let base = server.url().to_owned();
    let written = r#"{"name": "ann", "password": "hunter2", "keys": [{"label": "ci", "secret": "k1"}]}"#;
    let created = send("POST", &format!("{base}/users"), &[("content-type", "application/json")], Some(written)).await;
    assert_eq!(created.status, 201);
    let shown = created.json();
    assert_eq!(shown["name"], json!("ann"));
    assert_eq!(shown["keys"], json!([{"label": "ci"}]));
    assert!(shown.get("password").is_none(), "{shown}");
    let id = shown["id"].as_u64().expect("an id");
    let read = get(&format!("{base}/users/{id}")).await.json();
    assert_eq!(read, shown);
    let listed = get(&format!("{base}/users")).await.json();
    assert_eq!(listed, json!([shown]));
    assert!(!listed.to_string().contains("hunter2") && !listed.to_string().contains("k1"));
    server.shutdown().await;
}
