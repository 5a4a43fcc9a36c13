//! Loader tests over the shipped specs and small documents that exercise one rule each.

use super::*;
use serde_json::json;

fn repo(path: &str) -> String {
    format!("{}/{path}", env!("CARGO_MANIFEST_DIR"))
}

fn atlas() -> Spec {
    Spec::load(&repo("specs/atlas-maintenance-window.yaml")).unwrap()
}

fn cloud_manager() -> Spec {
    Spec::load(&repo("specs/cloud-manager-maintenance-windows.yaml")).unwrap()
}

/// `(status, media types)` per operation id.
fn statuses(spec: &Spec, id: &str) -> Vec<(String, Vec<String>)> {
    let op = spec.operation(id).unwrap_or_else(|| panic!("no operation {id}"));
    op.responses.iter().map(|r| (r.status.to_string(), r.content.iter().map(|m| m.name.clone()).collect())).collect()
}

fn doc(extra_paths: serde_json::Value) -> Spec {
    Spec::from_value(
        "test.yaml",
        json!({
            "openapi": "3.0.3",
            "info": {"title": "t", "version": "1"},
            "paths": extra_paths,
        }),
    )
    .unwrap()
}

#[test]
fn shipped_specs_load_without_any_finding() {
    for spec in [atlas(), cloud_manager()] {
        assert!(spec.findings.is_empty(), "{}: {:#?}", spec.source, spec.findings);
        assert_eq!(spec.operations.len(), 5);
        for op in &spec.operations {
            for schema in op.schemas_mut_for_test() {
                assert!(schema.is_checked(), "{} {}", op.id, schema.pointer());
            }
        }
    }
}

#[test]
fn atlas_operations_match_the_pages() {
    let spec = atlas();
    let ids: Vec<&str> = spec.operations.iter().map(|o| o.id.as_str()).collect();
    for id in [
        "getGroupMaintenanceWindow",
        "updateGroupMaintenanceWindow",
        "resetGroupMaintenanceWindow",
        "deferGroupMaintenanceWindow",
        "toggleGroupMaintenanceWindowAutoDefer",
    ] {
        assert!(ids.contains(&id), "{id} missing from {ids:?}");
    }
    let vendor = "application/vnd.atlas.2023-01-01+json".to_owned();
    let json = "application/json".to_owned();
    let errors = ["400", "401", "403", "404", "500"].map(|s| (s.to_owned(), vec![json.clone()]));
    for (id, success) in [
        ("getGroupMaintenanceWindow", "200"),
        ("updateGroupMaintenanceWindow", "200"),
        ("resetGroupMaintenanceWindow", "204"),
        ("deferGroupMaintenanceWindow", "200"),
        ("toggleGroupMaintenanceWindowAutoDefer", "200"),
    ] {
        let mut want = vec![(success.to_owned(), vec![vendor.clone()])];
        want.extend(errors.iter().cloned());
        assert_eq!(statuses(&spec, id), want, "{id}");
    }
    let update = spec.operation("updateGroupMaintenanceWindow").unwrap();
    assert_eq!(update.method, Method::Patch);
    let body = update.request_body.as_ref().unwrap();
    assert!(body.required);
    assert_eq!(body.content[0].name, vendor);
    let names: Vec<(&str, ParamLocation, bool)> =
        update.parameters.iter().map(|p| (p.name.as_str(), p.location, p.required)).collect();
    assert_eq!(
        names,
        [
            ("groupId", ParamLocation::Path, true),
            ("envelope", ParamLocation::Query, false),
            ("pretty", ParamLocation::Query, false)
        ]
    );
    assert!(update.requires_auth());
    assert_eq!(spec.security_schemes.len(), 3);
    assert_eq!(spec.security_schemes["DigestAuth"], SecuritySchemeSpec::Digest);
    match &spec.security_schemes["ServiceAccounts"] {
        SecuritySchemeSpec::OAuth2 { client_credentials: Some(flow), .. } => {
            assert_eq!(flow.token_url, "https://cloud.mongodb.com/api/oauth/token");
        }
        other => panic!("unexpected {other:?}"),
    }
}

#[test]
fn atlas_request_body_holds_every_documented_bound() {
    let spec = atlas();
    let update = spec.operation("updateGroupMaintenanceWindow").unwrap();
    let body = update.request_body.as_ref().unwrap().content[0].schema.clone().unwrap();
    assert!(body.is_valid(&json!({"dayOfWeek": 1})));
    assert!(body.is_valid(&json!({"dayOfWeek": 7, "hourOfDay": 23, "protectedHours": {"startHourOfDay": 0, "endHourOfDay": 23}, "autoDeferOnceEnabled": true, "startASAP": false})));
    for bad in [
        json!({}),
        json!({"dayOfWeek": 0}),
        json!({"dayOfWeek": 8}),
        json!({"dayOfWeek": "1"}),
        json!({"dayOfWeek": 1, "hourOfDay": -1}),
        json!({"dayOfWeek": 1, "hourOfDay": 24}),
        json!({"dayOfWeek": 1, "protectedHours": {"startHourOfDay": 24}}),
        json!({"dayOfWeek": 1, "protectedHours": {"endHourOfDay": -1}}),
        json!({"dayOfWeek": 1, "unknownAttribute": true}),
        json!({"dayOfWeek": 1, "startASAP": "yes"}),
    ] {
        assert!(!body.is_valid(&bad), "{bad} should be rejected");
    }
    let group = update.parameters.iter().find(|p| p.name == "groupId").unwrap().schema.clone().unwrap();
    assert!(group.is_valid(&json!("32b6e34b3d91647abb20e7b8")));
    for bad in
        ["32b6e34b3d91647abb20e7b", "32b6e34b3d91647abb20e7b80", "32B6E34B3D91647ABB20E7B8", "zzb6e34b3d91647abb20e7b8"]
    {
        assert!(!group.is_valid(&json!(bad)), "{bad}");
    }
}

#[test]
fn atlas_responses_and_errors_validate_their_examples() {
    let spec = atlas();
    let get = spec.operation("getGroupMaintenanceWindow").unwrap();
    let ok = get.response_for(200).unwrap().content[0].schema.clone().unwrap();
    assert!(ok.is_valid(&json!({"dayOfWeek": 3, "numberOfDeferrals": 2, "timeZoneId": "UTC", "newField": 1})));
    assert!(!ok.is_valid(&json!({"hourOfDay": 3})), "dayOfWeek is required");
    assert!(!ok.is_valid(&json!({"dayOfWeek": 9})));
    for status in [400, 401, 403, 404, 500] {
        let media = &get.response_for(status).unwrap().content[0];
        let schema = media.schema.clone().unwrap();
        assert!(!media.examples.is_empty(), "{status} has the page's example");
        for example in &media.examples {
            assert!(schema.is_valid(example), "{status}: {example}");
            assert_eq!(example["error"], json!(status));
        }
        assert!(!schema.is_valid(&json!({"detail": "x"})), "error and errorCode are required");
        assert!(
            !schema
                .is_valid(&json!({"error": 400, "errorCode": "X", "badRequestDetail": {"fields": [{"field": "a"}]}}))
        );
    }
}

#[test]
fn cloud_manager_operations_cover_the_crud() {
    let spec = cloud_manager();
    assert_eq!(spec.base_path(), "/api/public/v1.0");
    let create = spec.operation("createMaintenanceWindow").unwrap();
    assert_eq!((create.method, create.path.as_str()), (Method::Post, "/groups/{PROJECT-ID}/maintenanceWindows"));
    let body = create.request_body.as_ref().unwrap().content[0].schema.clone().unwrap();
    let valid = json!({"startDate": "2015-10-23T22:00:00Z", "endDate": "2015-10-23T23:30:00Z", "alertTypeNames": ["HOST", "REPLICA_SET"], "description": "new description"});
    assert!(body.is_valid(&valid));
    for missing in ["startDate", "endDate", "alertTypeNames"] {
        let mut bad = valid.clone();
        bad.as_object_mut().unwrap().remove(missing);
        assert!(!body.is_valid(&bad), "{missing} is required");
    }
    let ok = create.response_for(200).unwrap().content[0].schema.clone().unwrap();
    let answer = json!({"alertTypeNames": ["REPLICA_SET"], "created": "2015-10-22T20:49:35Z", "description": "my description", "endDate": "2015-10-23T23:30:00Z", "groupId": "5628faffd4c606594adaa3b2", "id": "56294bdfd4c643eef5176b73", "startDate": "2015-10-23T22:00:00Z", "updated": "2015-10-22T20:49:35Z", "links": []});
    assert!(ok.is_valid(&answer), "{:?}", ok.violations(&answer, 5));
    for id in ["listMaintenanceWindows", "getMaintenanceWindow", "updateMaintenanceWindow", "deleteMaintenanceWindow"] {
        assert!(spec.operation(id).is_some(), "{id}");
    }
    assert_eq!(spec.security_schemes.keys().collect::<Vec<_>>(), ["DigestAuth"]);
}

#[test]
fn shipped_specs_pass_the_openapi_3_0_schema() {
    let meta: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(repo("../shared/fixtures/openapi-schemas/openapi-3.0.schema.json")).unwrap(),
    )
    .unwrap();
    let validator = jsonschema::draft4::options().build(&meta).unwrap();
    for path in [
        "specs/atlas-maintenance-window.yaml",
        "specs/cloud-manager-maintenance-windows.yaml",
        "tests/data/diff/atlas-maintenance-window-2023.yaml",
    ] {
        let doc = source::parse(path, &std::fs::read(repo(path)).unwrap()).unwrap();
        let errors: Vec<String> = validator.iter_errors(&doc).map(|e| format!("{}: {e}", e.instance_path())).collect();
        assert!(errors.is_empty(), "{path}: {errors:#?}");
    }
    // The meta-schema really rejects things: a response without a description.
    let mut broken = source::parse("x", &std::fs::read(repo("specs/atlas-maintenance-window.yaml")).unwrap()).unwrap();
    broken["paths"]["/api/atlas/v2/groups/{groupId}/maintenanceWindow"]["get"]["responses"]["200"]
        .as_object_mut()
        .unwrap()
        .remove("description");
    assert!(!validator.is_valid(&broken));
}

#[test]
fn twilio_loads_every_operation_without_errors() {
    let spec = Spec::load(&repo("../shared/fixtures/twilio_api_v2010.yaml")).unwrap();
    assert_eq!(spec.operations.len(), 197);
    assert!(
        !spec.has_errors(),
        "{:#?}",
        spec.findings.iter().filter(|f| f.severity == Severity::Error).collect::<Vec<_>>()
    );
    let form = spec
        .operations
        .iter()
        .filter_map(|o| o.request_body.as_ref())
        .filter(|b| b.content.iter().any(|m| m.name == "application/x-www-form-urlencoded"))
        .count();
    assert_eq!(form, 62);
}

#[test]
fn path_level_parameters_merge_and_operation_level_ones_override() {
    let spec = doc(json!({
        "/things/{id}": {
            "parameters": [
                {"name": "id", "in": "path", "required": true, "schema": {"type": "string"}},
                {"name": "q", "in": "query", "schema": {"type": "string"}}
            ],
            "get": {
                "parameters": [
                    {"name": "q", "in": "query", "required": true, "schema": {"type": "integer"}},
                    {"name": "X-Trace", "in": "header", "schema": {"type": "string"}},
                    {"name": "Accept", "in": "header", "schema": {"type": "string"}},
                    {"name": "session", "in": "cookie", "schema": {"type": "string"}}
                ],
                "responses": {"200": {"description": "ok"}}
            }
        }
    }));
    let op = &spec.operations[0];
    assert_eq!(op.id, "GET /things/{id}");
    let names: Vec<(&str, ParamLocation, bool)> =
        op.parameters.iter().map(|p| (p.name.as_str(), p.location, p.required)).collect();
    assert_eq!(
        names,
        [
            ("id", ParamLocation::Path, true),
            ("q", ParamLocation::Query, true),
            ("X-Trace", ParamLocation::Header, false),
            ("session", ParamLocation::Cookie, false)
        ],
        "Accept is ignored as OpenAPI says"
    );
    let q = op.parameters[1].schema.clone().unwrap();
    assert!(q.is_valid(&json!(1)) && !q.is_valid(&json!("1")), "the operation's q wins");
    assert_eq!((op.parameters[1].style, op.parameters[1].explode), (ParamStyle::Form, true));
    assert_eq!((op.parameters[0].style, op.parameters[0].explode), (ParamStyle::Simple, false));
}

#[test]
fn security_is_inherited_and_can_be_switched_off() {
    let spec = Spec::from_value(
        "t",
        json!({
            "openapi": "3.0.0", "info": {"title": "t", "version": "1"},
            "security": [{"key": []}],
            "components": {"securitySchemes": {"key": {"type": "apiKey", "in": "header", "name": "X-Key"}}},
            "paths": {
                "/a": {"get": {"responses": {"200": {"description": "ok"}}}},
                "/b": {"get": {"security": [], "responses": {"200": {"description": "ok"}}}},
                "/c": {"get": {"security": [{}, {"key": []}], "responses": {"200": {"description": "ok"}}}},
                "/d": {"get": {"security": [{"nope": []}], "responses": {"200": {"description": "ok"}}}},
                "/e": {"get": {"security": "everyone", "responses": {"200": {"description": "ok"}}}}
            }
        }),
    )
    .unwrap();
    let auth: Vec<bool> = spec.operations.iter().map(Operation::requires_auth).collect();
    assert_eq!(auth, [true, false, false, true, true], "an unreadable requirement keeps the global one");
    assert_eq!(spec.findings.len(), 2);
    assert_eq!(spec.findings[0].kind, FindingKind::UnknownSecurityScheme);
    assert_eq!(spec.findings[0].pointer, "/paths/~1d/get/security/0/nope");
    assert_eq!(
        (spec.findings[1].kind, spec.findings[1].pointer.as_str()),
        (FindingKind::InvalidStructure, "/paths/~1e/get/security")
    );
}

#[test]
fn responses_resolve_exact_then_range_then_default() {
    let spec = doc(json!({"/a": {"get": {"responses": {
        "default": {"description": "d"},
        "4XX": {"description": "r"},
        "404": {"description": "e"},
        "2xx": {"description": "ok"}
    }}}}));
    let op = &spec.operations[0];
    let d = |s| op.response_for(s).map(|r| r.description.as_str());
    assert_eq!((d(404), d(400), d(201), d(500)), (Some("e"), Some("r"), Some("ok"), Some("d")));
}

#[test]
fn broken_pieces_cost_only_themselves() {
    let spec = Spec::from_value(
        "t",
        json!({
            "openapi": "3.0.3", "info": {"title": "t", "version": "1"},
            "paths": {
                "/a/{id}": {"get": {
                    "parameters": [
                        {"name": "id", "in": "path", "required": true, "schema": {"type": "string", "pattern": "^(x$"}},
                        {"name": "broken", "schema": {"type": "string"}},
                        {"$ref": "#/components/parameters/Missing"}
                    ],
                    "requestBody": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Thing"}}}},
                    "responses": {"200": {"description": "ok", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Thing"}}}}, "299x": {"description": "?"}}
                }},
                "/b": {"get": "not an operation", "post": {"responses": {"201": {"description": "made"}}}},
                "/c/{x}": {"get": {"responses": {"200": {"description": "ok"}}}}
            },
            "components": {"schemas": {
                "Thing": {"type": "object", "properties": {"n": {"type": "integer", "maximum": 3}, "s": {"type": "string", "pattern": "[a-"}}},
                "Unused": {"type": "wat"}
            }}
        }),
    )
    .unwrap();
    let found: Vec<(FindingKind, &str)> = spec.findings.iter().map(|f| (f.kind, f.pointer.as_str())).collect();
    for want in [
        (FindingKind::InvalidStructure, "/paths/~1a~1{id}/get/parameters/1"),
        (FindingKind::UnresolvedRef, "/paths/~1a~1{id}/get/parameters/2/$ref"),
        (FindingKind::InvalidStructure, "/paths/~1a~1{id}/get/responses/299x"),
        (FindingKind::InvalidStructure, "/paths/~1b/get"),
        (FindingKind::PathParameterMismatch, "/paths/~1c~1{x}/get"),
        (FindingKind::InvalidPattern, "/paths/~1a~1{id}/get/parameters/0/schema/pattern"),
        (FindingKind::InvalidPattern, "/components/schemas/Thing/properties/s/pattern"),
        (FindingKind::InvalidSchema, "/components/schemas/Unused/type"),
    ] {
        assert!(found.contains(&want), "{want:?} not in {found:#?}");
    }
    let ids: Vec<&str> = spec.operations.iter().map(|o| o.id.as_str()).collect();
    assert_eq!(ids, ["GET /a/{id}", "POST /b", "GET /c/{x}"]);
    let a = &spec.operations[0];
    assert_eq!(a.unchecked, ["/components/schemas/Thing/properties/s", "/paths/~1a~1{id}/get/parameters/0/schema"]);
    let thing = a.response_for(200).unwrap().content[0].schema.clone().unwrap();
    assert!(thing.is_valid(&json!({"n": 3, "s": "anything"})));
    assert!(!thing.is_valid(&json!({"n": 4})), "the intact bound is still checked");
    assert!(spec.operations[1].unchecked.is_empty());
}

#[test]
fn documents_that_are_not_openapi_are_errors() {
    let err = |text: &str| Spec::from_bytes("s.yaml", text.as_bytes()).unwrap_err().to_string();
    assert!(err("swagger: '1.2'\n").contains("Swagger"));
    assert!(err("openapi: 4.0.0\n").contains("4.0.0"));
    // Every version conform reads loads, even when it is nearly empty.
    for ok in ["swagger: '2.0'\n", "openapi: 3.0.3\n", "openapi: 3.1.0\n", "openapi: 3.2.0\n"] {
        assert!(Spec::from_bytes("s.yaml", ok.as_bytes()).is_ok(), "{ok}");
    }
    assert!(err("- a\n- b\n").contains("not a mapping"));
    assert!(err("openapi: 3.0.3\ninfo: [\n").starts_with("s.yaml:"));
    let missing = Spec::load("/nonexistent/spec.yaml").unwrap_err().to_string();
    assert!(missing.starts_with("cannot read /nonexistent/spec.yaml"), "{missing}");
}

#[test]
fn routing_prefers_the_most_literal_template() {
    let spec = doc(json!({
        "/users/{id}": {"get": {"responses": {"200": {"description": "ok"}}}, "delete": {"responses": {"204": {"description": "gone"}}}},
        "/users/me": {"get": {"responses": {"200": {"description": "ok"}}}}
    }));
    let route = spec.route("/users/me").unwrap();
    assert_eq!(route.operations.iter().map(|o| o.path.as_str()).collect::<Vec<_>>(), ["/users/me"]);
    let route = spec.route("/users/42").unwrap();
    assert_eq!(route.operations.len(), 2);
    assert_eq!(route.params, [("id".to_owned(), "42".to_owned())]);
    assert!(spec.route("/nope").is_none());
}

#[test]
fn external_refs_load_from_relative_files() {
    let dir = std::env::temp_dir().join(format!("conform-ext-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("schemas.yaml"), "Window:\n  type: object\n  required: [dayOfWeek]\n  properties:\n    dayOfWeek: {type: integer, minimum: 1, maximum: 7}\n").unwrap();
    std::fs::write(
        dir.join("spec.yaml"),
        "openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths:\n  /w:\n    get:\n      responses:\n        '200':\n          description: ok\n          content:\n            application/json:\n              schema: {$ref: 'schemas.yaml#/Window'}\n",
    )
    .unwrap();
    let spec = Spec::load(dir.join("spec.yaml").to_str().unwrap()).unwrap();
    assert!(spec.findings.is_empty(), "{:?}", spec.findings);
    let schema = spec.operations[0].response_for(200).unwrap().content[0].schema.clone().unwrap();
    assert!(schema.is_valid(&json!({"dayOfWeek": 7})) && !schema.is_valid(&json!({"dayOfWeek": 8})));
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn duplicate_operation_ids_are_renamed_and_reported() {
    let spec = doc(json!({
        "/a": {"get": {"operationId": "same", "responses": {"200": {"description": "ok"}}}},
        "/b": {"get": {"operationId": "same", "responses": {"200": {"description": "ok"}}}}
    }));
    assert_eq!(spec.operations.iter().map(|o| o.id.as_str()).collect::<Vec<_>>(), ["same", "same#2"]);
    assert_eq!(spec.findings[0].kind, FindingKind::DuplicateOperationId);
}

impl Operation {
    fn schemas_mut_for_test(&self) -> Vec<Schema> {
        let mut clone = self.clone();
        clone.schemas_mut().into_iter().map(|s| s.clone()).collect()
    }
}

#[test]
fn a_large_spec_with_broken_places_reports_each_and_checks_the_rest() {
    use conform_testkit::large_spec::{self, FindingKind as Planted, LargeSpecConfig};
    let big = large_spec::large_spec(&LargeSpecConfig::default());
    assert!(big.operations >= 300, "{} operations", big.operations);
    let spec = Spec::from_value("large.json", big.document.clone()).unwrap();
    assert_eq!(spec.operations.len(), big.operations);
    for expected in &big.expected {
        let kind = match expected.kind {
            Planted::InvalidPattern => FindingKind::InvalidPattern,
            Planted::UngeneratablePattern => FindingKind::UngeneratablePattern,
            Planted::UnresolvedRef => FindingKind::UnresolvedRef,
            Planted::InvalidSchema => FindingKind::InvalidSchema,
        };
        assert!(
            spec.findings.iter().any(|f| f.kind == kind && f.is_at(&expected.pointer)),
            "{kind:?} at {} not reported; findings: {:#?}",
            expected.pointer,
            spec.findings
        );
    }
    // Nothing else is an error: every other place converts and compiles.
    let errors: Vec<&SpecFinding> = spec
        .findings
        .iter()
        .filter(|f| f.severity == Severity::Error)
        .filter(|f| !big.expected.iter().any(|e| f.is_at(&e.pointer)))
        .collect();
    assert!(errors.is_empty(), "unexpected errors: {errors:#?}");
    let mut schemas = 0;
    for op in &spec.operations {
        for schema in op.schemas_mut_for_test() {
            assert!(schema.is_checked(), "{} {}", op.id, schema.pointer());
            schemas += 1;
        }
    }
    assert!(schemas > 1000, "{schemas} validators");
    // Exactly the operations that reach a broken place say which constraint is unchecked.
    let marked = spec.operations.iter().filter(|o| !o.unchecked.is_empty()).count();
    let broken = big.expected.iter().filter(|e| e.kind != Planted::UngeneratablePattern).count();
    assert_eq!(marked, broken, "one operation per broken place");

    // The same document without the broken places loads with no error at all.
    let clean = large_spec::large_spec(&LargeSpecConfig { broken: false, ..LargeSpecConfig::default() });
    let spec = Spec::from_value("clean.json", clean.document).unwrap();
    assert!(!spec.has_errors(), "{:#?}", spec.findings);
}

/// Regression: only the first example of a parameter was checked (every example shared the
/// key `(pointer, 0)`), so a bad second example went unreported.
#[test]
fn every_parameter_example_is_checked() {
    let spec = doc(json!({"/a": {"get": {
        "parameters": [{"name": "q", "in": "query", "schema": {"type": "integer"},
                        "examples": {"good": {"value": 1}, "bad": {"value": "x"}}}],
        "responses": {"200": {"description": "ok"}}
    }}}));
    let found: Vec<&SpecFinding> = spec.findings.iter().filter(|f| f.kind == FindingKind::InvalidExample).collect();
    assert_eq!(found.len(), 1, "{:#?}", spec.findings);
}

#[test]
fn specs_load_from_urls_with_relative_refs_resolved_against_the_url() {
    use conform_testkit::server::{Reply, TestServer};
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build().unwrap();
    let server = runtime.block_on(TestServer::start(|r| match r.path() {
        "/api/spec.yaml" => Reply::Http {
            status: 200,
            headers: vec![("Content-Type".into(), "application/yaml".into())],
            body: b"openapi: 3.0.3\ninfo: {title: remote, version: '1'}\npaths:\n  /w:\n    get:\n      responses:\n        '200':\n          description: ok\n          content:\n            application/json:\n              schema: {$ref: 'schemas/window.json'}\n".to_vec(),
        },
        "/api/schemas/window.json" => Reply::json(200, "application/json", &json!({"type": "object", "required": ["dayOfWeek"]})),
        _ => Reply::empty(404),
    }));
    // The loader blocks: call it outside the runtime, as `conform` does.
    let spec = Spec::load(&format!("{}/api/spec.yaml", server.url())).unwrap();
    assert_eq!(spec.title, "remote");
    assert!(spec.findings.is_empty(), "{:?}", spec.findings);
    let schema = spec.operations[0].response_for(200).unwrap().content[0].schema.clone().unwrap();
    assert!(schema.is_valid(&json!({"dayOfWeek": 1})) && !schema.is_valid(&json!({})));
    let missing = Spec::load(&format!("{}/api/nope.yaml", server.url())).unwrap_err().to_string();
    assert!(missing.contains("server answered 404"), "{missing}");
    drop(server);
    drop(runtime);
}

#[test]
fn top_level_body_properties_follow_media_types_and_composition_members_in_order() {
    let spec = Spec::from_value(
        "t.yaml",
        json!({
            "openapi": "3.0.3",
            "info": {"title": "t", "version": "1"},
            "paths": {"/w": {"post": {
                "operationId": "w",
                "requestBody": {"content": {
                    "application/json": {"schema": {"$ref": "#/components/schemas/W"}},
                    "application/x-www-form-urlencoded": {"schema": {"type": "object", "properties": {"b": {}, "z": {}}}}
                }},
                "responses": {"200": {"description": "ok"}}
            }}},
            "components": {"schemas": {
                "Base": {"type": "object", "properties": {"a": {}, "b": {}}},
                "W": {"allOf": [{"$ref": "#/components/schemas/Base"}, {"properties": {"c": {}}}], "properties": {"d": {}}}
            }}
        }),
    )
    .unwrap();
    let body = spec.operation("w").and_then(|o| o.request_body.as_ref()).expect("a body");
    // The root first, then each allOf member (through its $ref), then the next media type;
    // a repeated name stays, so positions count every place before them.
    assert_eq!(body.top_level_properties(), ["d", "a", "b", "c", "b", "z"]);
    assert!(std::ptr::eq(body.top_level_properties(), body.top_level_properties()), "worked out once");
    let none = doc(json!({"/n": {"get": {"operationId": "n", "responses": {"200": {"description": "ok"}}}}}));
    assert!(none.operation("n").unwrap().request_body.is_none());
}

#[test]
fn top_level_body_properties_read_at_most_sixteen_schema_nodes() {
    let members: Vec<serde_json::Value> = (0..40).map(|i| json!({"properties": {format!("p{i}"): {}}})).collect();
    let spec = doc(json!({"/w": {"post": {
        "operationId": "w",
        "requestBody": {"content": {"application/json": {"schema": {"anyOf": members}}}},
        "responses": {"200": {"description": "ok"}}
    }}}));
    let body = spec.operation("w").and_then(|o| o.request_body.as_ref()).expect("a body");
    // The root (no properties of its own) and 15 members.
    let want: Vec<String> = (0..15).map(|i| format!("p{i}")).collect();
    assert_eq!(body.top_level_properties(), want);
}
