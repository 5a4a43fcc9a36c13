//! One small pair of documents per rule, both directions where that makes sense.

use super::*;
use serde_json::{Value, json};

fn spec(doc: Value) -> Spec {
    Spec::from_value("test.yaml", doc).expect("a valid test document")
}

fn document(paths: Value, components: Value) -> Value {
    json!({"openapi": "3.0.3", "info": {"title": "t", "version": "1"}, "paths": paths, "components": components})
}

/// Every kind a report holds must be documented in [`KINDS`].
fn assert_documented(report: &DiffReport) {
    for c in &report.changes {
        let documented = KINDS.iter().any(|(k, _)| {
            *k == c.kind
                || k.strip_prefix("{side}_").is_some_and(|rest| {
                    c.kind.strip_prefix("request_").or_else(|| c.kind.strip_prefix("response_")) == Some(rest)
                })
        });
        assert!(documented, "kind {} is not in KINDS", c.kind);
        assert_eq!(c.kind, c.kind.to_ascii_lowercase());
    }
}

fn run(old: Value, new: Value) -> DiffReport {
    let report = diff(&spec(old), &spec(new));
    assert_documented(&report);
    report
}

fn listing(report: &DiffReport) -> String {
    report.changes.iter().map(|c| format!("{} @ {}: {}\n", c.kind, c.location, c.message)).collect()
}

/// The single change of a kind.
fn the<'r>(report: &'r DiffReport, kind: &str) -> &'r Change {
    let found: Vec<&Change> = report.changes.iter().filter(|c| c.kind == kind).collect();
    assert_eq!(found.len(), 1, "expected one {kind} in:\n{}", listing(report));
    found[0]
}

#[track_caller]
fn assert_change(report: &DiffReport, kind: &str, severity: Severity, breaks: Breaks, location: &str) {
    let c = the(report, kind);
    assert_eq!((c.severity, c.breaks, c.location.as_str()), (severity, breaks, location), "{}", listing(report));
}

#[track_caller]
fn assert_only(report: &DiffReport, kind: &str, severity: Severity, breaks: Breaks, location: &str) {
    assert_eq!(report.changes.len(), 1, "{}", listing(report));
    assert_change(report, kind, severity, breaks, location);
}

use Breaks::{Both, Clients, Servers};
use Severity::{Breaking, NonBreaking};

/// A PATCH /a whose request body (application/json) is `schema`.
fn with_request(schema: Value) -> Value {
    document(
        json!({"/a": {"patch": {
            "operationId": "patchA",
            "requestBody": {"required": true, "content": {"application/json": {"schema": schema}}},
            "responses": {"204": {"description": "ok"}}
        }}}),
        json!({}),
    )
}

/// A GET /a whose 200 application/json answer is `schema`.
fn with_response(schema: Value) -> Value {
    document(
        json!({"/a": {"get": {
            "operationId": "getA",
            "responses": {"200": {"description": "ok", "content": {"application/json": {"schema": schema}}}}
        }}}),
        json!({}),
    )
}

fn req(old: Value, new: Value) -> DiffReport {
    run(with_request(old), with_request(new))
}

fn resp(old: Value, new: Value) -> DiffReport {
    run(with_response(old), with_response(new))
}

fn object(properties: Value, required: &[&str]) -> Value {
    json!({"type": "object", "properties": properties, "required": required})
}

// --- Operations ------------------------------------------------------------------------------

fn two_operations() -> Value {
    document(
        json!({
            "/groups/{groupId}": {
                "get": {"operationId": "getGroup", "parameters": [{"name": "groupId", "in": "path", "required": true, "schema": {"type": "string"}}], "responses": {"200": {"description": "ok"}}},
                "delete": {"operationId": "deleteGroup", "parameters": [{"name": "groupId", "in": "path", "required": true, "schema": {"type": "string"}}], "responses": {"204": {"description": "ok"}}}
            }
        }),
        json!({}),
    )
}

#[test]
fn identical_specs_have_no_changes_and_exit_0() {
    let report = run(two_operations(), two_operations());
    assert!(report.changes.is_empty(), "{}", listing(&report));
    assert_eq!(exit_code(&report, FailOn::Breaking), crate::exit::OK);
    assert_eq!(exit_code(&report, FailOn::Any), crate::exit::OK);
    assert_eq!(report.render_text().lines().last(), Some("0 breaking, 0 non-breaking"));
}

#[test]
fn a_removed_method_is_breaking_and_an_added_one_is_not() {
    let mut fewer = two_operations();
    fewer["paths"]["/groups/{groupId}"].as_object_mut().unwrap().shift_remove("delete");
    let report = run(two_operations(), fewer.clone());
    assert_only(&report, "operation_removed", Breaking, Clients, "operation");
    let c = the(&report, "operation_removed");
    assert_eq!(
        (c.method.as_str(), c.path.as_str(), c.operation.as_str()),
        ("DELETE", "/groups/{groupId}", "deleteGroup")
    );
    assert_eq!(c.message, "DELETE removed from /groups/{groupId}");
    assert_eq!(exit_code(&report, FailOn::Breaking), crate::exit::FINDINGS);

    let report = run(fewer, two_operations());
    assert_only(&report, "operation_added", NonBreaking, Servers, "operation");
    assert_eq!(exit_code(&report, FailOn::Breaking), crate::exit::OK);
    assert_eq!(exit_code(&report, FailOn::Any), crate::exit::FINDINGS);
}

#[test]
fn operations_match_by_method_and_template_not_by_id() {
    let mut renamed = two_operations();
    renamed["paths"]["/groups/{groupId}"]["get"]["operationId"] = json!("fetchGroup");
    let report = run(two_operations(), renamed);
    assert_only(&report, "operation_id_changed", NonBreaking, Breaks::None, "operation");
    assert_eq!(the(&report, "operation_id_changed").message, "operationId changed from getGroup to fetchGroup");
    assert_eq!(the(&report, "operation_id_changed").operation, "fetchGroup");

    // Same id on another path: not the same operation.
    let moved =
        document(json!({"/teams/{groupId}": two_operations()["paths"]["/groups/{groupId}"].clone()}), json!({}));
    let report = run(two_operations(), moved);
    assert_eq!(report.changes.iter().filter(|c| c.kind == "operation_removed").count(), 2);
    assert_eq!(report.changes.iter().filter(|c| c.kind == "operation_added").count(), 2);
}

#[test]
fn a_renamed_path_parameter_is_matched_and_not_breaking() {
    let text = serde_json::to_string(&two_operations()).unwrap().replace("groupId", "id");
    let renamed: Value = serde_json::from_str(&text).unwrap();
    let report = run(two_operations(), renamed);
    assert_eq!(report.changes.len(), 2, "{}", listing(&report));
    assert!(report.changes.iter().all(|c| c.kind == "path_parameter_renamed" && c.severity == NonBreaking));
    assert_eq!(report.changes[0].location, "path parameter id");
    assert_eq!(report.changes[0].message, "path parameter renamed from groupId to id");
    assert_eq!(report.changes[0].path, "/groups/{id}");
}

#[test]
fn deprecating_an_operation_is_reported_but_not_breaking() {
    let mut deprecated = two_operations();
    deprecated["paths"]["/groups/{groupId}"]["get"]["deprecated"] = json!(true);
    assert_only(&run(two_operations(), deprecated), "operation_deprecated", NonBreaking, Breaks::None, "operation");
}

// --- Parameters ------------------------------------------------------------------------------

fn with_params(params: Value) -> Value {
    document(json!({"/a": {"get": {"parameters": params, "responses": {"200": {"description": "ok"}}}}}), json!({}))
}

#[test]
fn parameters_added_removed_and_made_required() {
    let none = with_params(json!([]));
    let optional = with_params(json!([{"name": "pretty", "in": "query", "schema": {"type": "boolean"}}]));
    let required =
        with_params(json!([{"name": "pretty", "in": "query", "required": true, "schema": {"type": "boolean"}}]));
    let loc = "query parameter pretty";
    assert_only(&run(none.clone(), optional.clone()), "parameter_added", NonBreaking, Servers, loc);
    assert_only(&run(none.clone(), required.clone()), "required_parameter_added", Breaking, Clients, loc);
    assert_only(&run(optional.clone(), none), "parameter_removed", Breaking, Clients, loc);
    assert_only(&run(optional.clone(), required.clone()), "parameter_became_required", Breaking, Clients, loc);
    assert_only(&run(required, optional), "parameter_became_optional", NonBreaking, Servers, loc);
    let report = run(with_params(json!([])), with_params(json!([])));
    assert!(report.changes.is_empty());
    let report = run(
        with_params(json!([{"name": "op", "in": "path", "required": true}])),
        with_params(json!([{"name": "op", "in": "path", "required": true}])),
    );
    let _ = report; // A stray path parameter is a spec finding, not a diff.
}

#[test]
fn a_parameters_location_style_and_explode_matter() {
    let query =
        with_params(json!([{"name": "ids", "in": "query", "schema": {"type": "array", "items": {"type": "string"}}}]));
    let header =
        with_params(json!([{"name": "ids", "in": "header", "schema": {"type": "array", "items": {"type": "string"}}}]));
    let report = run(query.clone(), header);
    assert_only(&report, "parameter_location_changed", Breaking, Both, "header parameter ids");
    assert_eq!(the(&report, "parameter_location_changed").message, "ids moved from query to header");

    let piped = with_params(
        json!([{"name": "ids", "in": "query", "style": "pipeDelimited", "explode": true, "schema": {"type": "array", "items": {"type": "string"}}}]),
    );
    let report = run(query.clone(), piped);
    assert_only(&report, "parameter_style_changed", Breaking, Both, "query parameter ids");
    assert_eq!(the(&report, "parameter_style_changed").message, "style changed from form to pipeDelimited");

    let unexploded = with_params(
        json!([{"name": "ids", "in": "query", "explode": false, "schema": {"type": "array", "items": {"type": "string"}}}]),
    );
    assert_only(&run(query, unexploded), "parameter_explode_changed", Breaking, Both, "query parameter ids");
}

#[test]
fn parameter_schemas_are_compared_as_requests() {
    let limit = |max: u64| {
        with_params(
            json!([{"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": max}}]),
        )
    };
    let report = run(limit(500), limit(100));
    assert_only(&report, "request_maximum_lowered", Breaking, Clients, "query parameter limit");
    assert_eq!(the(&report, "request_maximum_lowered").message, "maximum lowered from 500 to 100");
    assert_only(&run(limit(100), limit(500)), "request_maximum_raised", NonBreaking, Servers, "query parameter limit");
    // Header names compare without case.
    let header = |name: &str| with_params(json!([{"name": name, "in": "header", "schema": {"type": "string"}}]));
    assert!(run(header("X-Trace"), header("x-trace")).changes.is_empty());
}

#[test]
fn deprecating_a_parameter_is_not_breaking() {
    let plain = with_params(json!([{"name": "q", "in": "query", "schema": {"type": "string"}}]));
    let deprecated =
        with_params(json!([{"name": "q", "in": "query", "deprecated": true, "schema": {"type": "string"}}]));
    assert_only(&run(plain, deprecated), "parameter_deprecated", NonBreaking, Breaks::None, "query parameter q");
}

// --- Request bodies --------------------------------------------------------------------------

#[test]
fn request_properties_added_as_required_or_made_required_are_breaking() {
    let one = object(json!({"a": {"type": "string"}}), &[]);
    let two_optional = object(json!({"a": {"type": "string"}, "b": {"type": "string"}}), &[]);
    let two_required = object(json!({"a": {"type": "string"}, "b": {"type": "string"}}), &["b"]);
    assert_only(
        &req(one.clone(), two_required.clone()),
        "request_required_property_added",
        Breaking,
        Clients,
        "request body /b",
    );
    assert_only(
        &req(one.clone(), two_optional.clone()),
        "request_property_added",
        NonBreaking,
        Servers,
        "request body /b",
    );
    assert_only(
        &req(two_optional.clone(), two_required.clone()),
        "request_property_became_required",
        Breaking,
        Clients,
        "request body /b",
    );
    assert_only(
        &req(two_required, two_optional.clone()),
        "request_property_became_optional",
        NonBreaking,
        Servers,
        "request body /b",
    );
    // Removed from an open object: no longer documented, still accepted.
    assert_only(
        &req(two_optional.clone(), one.clone()),
        "request_property_removed",
        NonBreaking,
        Servers,
        "request body /b",
    );
    // Removed from a closed object: sending it is now rejected.
    let mut closed = one;
    closed["additionalProperties"] = json!(false);
    let mut old_closed = two_optional;
    old_closed["additionalProperties"] = json!(false);
    assert_only(&req(old_closed, closed), "request_property_removed", Breaking, Clients, "request body /b");
}

#[test]
fn read_only_properties_do_not_exist_in_requests() {
    let old = object(json!({"a": {"type": "string"}}), &[]);
    let new = object(json!({"a": {"type": "string"}, "id": {"type": "string", "readOnly": true}}), &["id"]);
    assert!(req(old.clone(), new.clone()).changes.is_empty(), "{}", listing(&req(old.clone(), new.clone())));
    // In a response, the same property is there.
    assert_only(
        &resp(old, new),
        "response_required_property_added",
        NonBreaking,
        Servers,
        "response 200 application/json /id",
    );
}

#[test]
fn request_bodies_appearing_disappearing_and_becoming_required() {
    let without = document(json!({"/a": {"post": {"responses": {"204": {"description": "ok"}}}}}), json!({}));
    let body = |required: bool| {
        document(
            json!({"/a": {"post": {
                "requestBody": {"required": required, "content": {"application/json": {"schema": {"type": "object"}}}},
                "responses": {"204": {"description": "ok"}}
            }}}),
            json!({}),
        )
    };
    assert_only(&run(without.clone(), body(true)), "required_request_body_added", Breaking, Clients, "request body");
    assert_only(&run(without.clone(), body(false)), "request_body_added", NonBreaking, Servers, "request body");
    assert_only(&run(body(false), without), "request_body_removed", Breaking, Clients, "request body");
    assert_only(&run(body(false), body(true)), "request_body_became_required", Breaking, Clients, "request body");
    assert_only(&run(body(true), body(false)), "request_body_became_optional", NonBreaking, Servers, "request body");
}

#[test]
fn request_media_types_removed_are_breaking() {
    let media = |names: &[&str]| {
        let content: serde_json::Map<String, Value> =
            names.iter().map(|n| (n.to_string(), json!({"schema": {"type": "object"}}))).collect();
        document(
            json!({"/a": {"post": {"requestBody": {"content": content}, "responses": {"204": {"description": "ok"}}}}}),
            json!({}),
        )
    };
    let both = media(&["application/json", "application/x-www-form-urlencoded"]);
    let json_only = media(&["application/json"]);
    assert_only(
        &run(both.clone(), json_only.clone()),
        "request_media_type_removed",
        Breaking,
        Clients,
        "request body application/x-www-form-urlencoded",
    );
    assert_only(
        &run(json_only, both),
        "request_media_type_added",
        NonBreaking,
        Servers,
        "request body application/x-www-form-urlencoded",
    );
    // A version is a media type of its own.
    let v1 = media(&["application/vnd.atlas.2023-01-01+json"]);
    let v2 = media(&["application/vnd.atlas.2024-05-30+json"]);
    let report = run(v1, v2);
    assert_change(
        &report,
        "request_media_type_removed",
        Breaking,
        Clients,
        "request body application/vnd.atlas.2023-01-01+json",
    );
    assert_change(
        &report,
        "request_media_type_added",
        NonBreaking,
        Servers,
        "request body application/vnd.atlas.2024-05-30+json",
    );
    // Case and parameters' spacing do not make a new media type.
    assert!(
        run(media(&["application/json; charset=utf-8"]), media(&["Application/JSON;charset=utf-8"])).changes.is_empty()
    );
}

// --- Request constraints: narrowing breaks clients, widening does not ------------------------

#[track_caller]
fn request_pair(narrow_from: Value, narrow_to: Value, narrowed: &str, widened: &str, location: &str) {
    assert_only(&req(narrow_from.clone(), narrow_to.clone()), narrowed, Breaking, Clients, location);
    assert_only(&req(narrow_to, narrow_from), widened, NonBreaking, Servers, location);
}

fn prop(schema: Value) -> Value {
    object(json!({"v": schema}), &[])
}

#[test]
fn numeric_bounds_in_requests() {
    let loc = "request body /v";
    request_pair(
        prop(json!({"type": "integer", "maximum": 23})),
        prop(json!({"type": "integer", "maximum": 12})),
        "request_maximum_lowered",
        "request_maximum_raised",
        loc,
    );
    request_pair(
        prop(json!({"type": "integer", "minimum": 0})),
        prop(json!({"type": "integer", "minimum": 1})),
        "request_minimum_raised",
        "request_minimum_lowered",
        loc,
    );
    request_pair(
        prop(json!({"type": "number"})),
        prop(json!({"type": "number", "maximum": 5})),
        "request_maximum_lowered",
        "request_maximum_raised",
        loc,
    );
    request_pair(
        prop(json!({"type": "number", "minimum": 0})),
        prop(json!({"type": "number", "minimum": 0, "exclusiveMinimum": true})),
        "request_exclusive_minimum_added",
        "request_exclusive_minimum_removed",
        loc,
    );
    request_pair(
        prop(json!({"type": "number", "maximum": 9})),
        prop(json!({"type": "number", "maximum": 9, "exclusiveMaximum": true})),
        "request_exclusive_maximum_added",
        "request_exclusive_maximum_removed",
        loc,
    );
    request_pair(
        prop(json!({"type": "number"})),
        prop(json!({"type": "number", "multipleOf": 2})),
        "request_multiple_of_added",
        "request_multiple_of_removed",
        loc,
    );
    let report = req(prop(json!({"type": "integer", "maximum": 23})), prop(json!({"type": "integer", "maximum": 12})));
    assert_eq!(the(&report, "request_maximum_lowered").message, "maximum lowered from 23 to 12");
    let report = req(
        prop(json!({"type": "number", "minimum": 0})),
        prop(json!({"type": "number", "minimum": 5, "exclusiveMinimum": true})),
    );
    assert_eq!(the(&report, "request_minimum_raised").message, "minimum raised from 0 to 5 (exclusive)");
    // int32 -> int64: the explicit bounds widen.
    let report =
        req(prop(json!({"type": "integer", "format": "int32"})), prop(json!({"type": "integer", "format": "int64"})));
    assert_eq!(report.changes.len(), 2, "{}", listing(&report));
    assert!(report.changes.iter().all(|c| c.severity == NonBreaking));
    // multipleOf 2 -> 4 narrows; 2 -> 3 is neither.
    let report =
        req(prop(json!({"type": "number", "multipleOf": 2})), prop(json!({"type": "number", "multipleOf": 4})));
    assert_only(&report, "request_multiple_of_changed", Breaking, Clients, loc);
    let report =
        req(prop(json!({"type": "number", "multipleOf": 2})), prop(json!({"type": "number", "multipleOf": 3})));
    assert_only(&report, "request_multiple_of_changed", Breaking, Both, loc);
}

#[test]
fn enums_in_requests() {
    let loc = "request body /v";
    request_pair(
        prop(json!({"type": "string", "enum": ["a", "b"]})),
        prop(json!({"type": "string", "enum": ["a"]})),
        "request_enum_value_removed",
        "request_enum_value_added",
        loc,
    );
    request_pair(
        prop(json!({"type": "string"})),
        prop(json!({"type": "string", "enum": ["a"]})),
        "request_enum_added",
        "request_enum_removed",
        loc,
    );
    let report = req(prop(json!({"enum": ["a", "b", "c"]})), prop(json!({"enum": ["a"]})));
    assert_eq!(the(&report, "request_enum_value_removed").message, "enum values \"b\", \"c\" removed");
}

#[test]
fn strings_and_patterns_in_requests() {
    let loc = "request body /v";
    request_pair(
        prop(json!({"type": "string", "maxLength": 10})),
        prop(json!({"type": "string", "maxLength": 5})),
        "request_max_length_lowered",
        "request_max_length_raised",
        loc,
    );
    request_pair(
        prop(json!({"type": "string", "minLength": 1})),
        prop(json!({"type": "string", "minLength": 3})),
        "request_min_length_raised",
        "request_min_length_lowered",
        loc,
    );
    request_pair(
        prop(json!({"type": "string"})),
        prop(json!({"type": "string", "pattern": "^[a-f0-9]{24}$"})),
        "request_pattern_added",
        "request_pattern_removed",
        loc,
    );
    let report =
        req(prop(json!({"type": "string", "pattern": "^a+$"})), prop(json!({"type": "string", "pattern": "^b+$"})));
    assert_only(&report, "request_pattern_changed", Breaking, Both, loc);
    request_pair(
        prop(json!({"type": "string"})),
        prop(json!({"type": "string", "format": "date"})),
        "request_format_added",
        "request_format_removed",
        loc,
    );
    let report =
        req(prop(json!({"type": "string", "format": "date"})), prop(json!({"type": "string", "format": "date-time"})));
    assert_only(&report, "request_format_changed", Breaking, Both, loc);
}

#[test]
fn arrays_in_requests() {
    let loc = "request body /v";
    request_pair(
        prop(json!({"type": "array", "maxItems": 10})),
        prop(json!({"type": "array", "maxItems": 3})),
        "request_max_items_lowered",
        "request_max_items_raised",
        loc,
    );
    request_pair(
        prop(json!({"type": "array"})),
        prop(json!({"type": "array", "minItems": 1})),
        "request_min_items_raised",
        "request_min_items_lowered",
        loc,
    );
    request_pair(
        prop(json!({"type": "array"})),
        prop(json!({"type": "array", "uniqueItems": true})),
        "request_unique_items_added",
        "request_unique_items_removed",
        loc,
    );
    // Items are compared too, under `/[]`.
    request_pair(
        prop(json!({"type": "array", "items": {"type": "integer", "maximum": 10}})),
        prop(json!({"type": "array", "items": {"type": "integer", "maximum": 5}})),
        "request_maximum_lowered",
        "request_maximum_raised",
        "request body /v/[]",
    );
}

#[test]
fn types_and_nullability_in_requests() {
    let loc = "request body /v";
    request_pair(
        prop(json!({"type": "number"})),
        prop(json!({"type": "integer"})),
        "request_type_narrowed",
        "request_type_widened",
        loc,
    );
    request_pair(
        prop(json!({})),
        prop(json!({"type": "string"})),
        "request_type_narrowed",
        "request_type_widened",
        loc,
    );
    let report = req(prop(json!({"type": "string", "maxLength": 3})), prop(json!({"type": "object"})));
    // Reported once: string keywords are not compared against an object.
    assert_only(&report, "request_type_changed", Breaking, Both, loc);
    assert_eq!(the(&report, "request_type_changed").message, "type changed from string to object");
    request_pair(
        prop(json!({"type": "string", "nullable": true})),
        prop(json!({"type": "string"})),
        "request_nullable_removed",
        "request_nullable_added",
        loc,
    );
    // nullable without a type becomes `anyOf [.., {type: null}]`: read as a nullable schema.
    let components = json!({"schemas": {"X": {"type": "object", "properties": {"a": {"type": "string"}}}}});
    let nullable_ref = |nullable: bool| {
        let mut doc = with_request(object(
            json!({"x": {"allOf": [{"$ref": "#/components/schemas/X"}], "nullable": nullable}}),
            &[],
        ));
        doc["components"] = components.clone();
        doc
    };
    assert_only(
        &run(nullable_ref(true), nullable_ref(false)),
        "request_nullable_removed",
        Breaking,
        Clients,
        "request body /x",
    );
    assert_only(
        &run(nullable_ref(false), nullable_ref(true)),
        "request_nullable_added",
        NonBreaking,
        Servers,
        "request body /x",
    );
}

#[test]
fn additional_properties_in_requests() {
    let open = object(json!({"a": {"type": "string"}}), &[]);
    let mut closed = open.clone();
    closed["additionalProperties"] = json!(false);
    request_pair(
        open.clone(),
        closed,
        "request_additional_properties_closed",
        "request_additional_properties_opened",
        "request body",
    );
    let mut typed = open.clone();
    typed["additionalProperties"] = json!({"type": "integer", "maximum": 9});
    let mut tighter = open;
    tighter["additionalProperties"] = json!({"type": "integer", "maximum": 5});
    request_pair(typed, tighter, "request_maximum_lowered", "request_maximum_raised", "request body /*");
}

// --- Responses -------------------------------------------------------------------------------

#[track_caller]
fn response_pair(narrow_from: Value, narrow_to: Value, narrowed: &str, widened: &str, location: &str) {
    assert_only(&resp(narrow_to.clone(), narrow_from.clone()), widened, Breaking, Clients, location);
    assert_only(&resp(narrow_from, narrow_to), narrowed, NonBreaking, Servers, location);
}

#[test]
fn response_properties_removed_or_made_optional_are_breaking() {
    let loc = "response 200 application/json /id";
    let with_id = object(json!({"id": {"type": "string"}, "name": {"type": "string"}}), &["id"]);
    let optional_id = object(json!({"id": {"type": "string"}, "name": {"type": "string"}}), &[]);
    let without_id = object(json!({"name": {"type": "string"}}), &[]);
    assert_only(&resp(with_id.clone(), without_id.clone()), "response_property_removed", Breaking, Clients, loc);
    assert_only(&resp(optional_id.clone(), without_id.clone()), "response_property_removed", Breaking, Clients, loc);
    assert_only(
        &resp(with_id.clone(), optional_id.clone()),
        "response_property_became_optional",
        Breaking,
        Clients,
        loc,
    );
    assert_only(&resp(optional_id, with_id), "response_property_became_required", NonBreaking, Servers, loc);
    assert_only(
        &resp(without_id.clone(), object(json!({"id": {}, "name": {"type": "string"}}), &[])),
        "response_property_added",
        NonBreaking,
        Breaks::None,
        loc,
    );
    // A closed answer promised nothing else would appear.
    let mut closed = without_id;
    closed["additionalProperties"] = json!(false);
    let mut grown = object(json!({"id": {"type": "string"}, "name": {"type": "string"}}), &[]);
    grown["additionalProperties"] = json!(false);
    assert_only(&resp(closed, grown), "response_property_added", Breaking, Clients, loc);
}

#[test]
fn response_constraints_widened_break_clients() {
    let loc = "response 200 application/json /v";
    response_pair(
        prop(json!({"type": "integer", "maximum": 23})),
        prop(json!({"type": "integer", "maximum": 12})),
        "response_maximum_lowered",
        "response_maximum_raised",
        loc,
    );
    response_pair(
        prop(json!({"type": "string", "enum": ["a", "b"]})),
        prop(json!({"type": "string", "enum": ["a"]})),
        "response_enum_value_removed",
        "response_enum_value_added",
        loc,
    );
    response_pair(
        prop(json!({"type": "number"})),
        prop(json!({"type": "integer"})),
        "response_type_narrowed",
        "response_type_widened",
        loc,
    );
    response_pair(
        prop(json!({"type": "string", "nullable": true})),
        prop(json!({"type": "string"})),
        "response_nullable_removed",
        "response_nullable_added",
        loc,
    );
    response_pair(
        prop(json!({"type": "string"})),
        prop(json!({"type": "string", "maxLength": 3})),
        "response_max_length_lowered",
        "response_max_length_raised",
        loc,
    );
}

fn with_statuses(statuses: Value) -> Value {
    document(json!({"/a": {"post": {"operationId": "postA", "responses": statuses}}}), json!({}))
}

#[test]
fn a_success_status_changed_is_breaking() {
    let no_content = with_statuses(json!({"204": {"description": "none"}, "404": {"description": "missing"}}));
    let ok = with_statuses(json!({
        "200": {"description": "ok", "content": {"application/json": {"schema": {"type": "object"}}}},
        "404": {"description": "missing"}
    }));
    let report = run(no_content, ok);
    assert_eq!(report.changes.len(), 2, "{}", listing(&report));
    assert_change(&report, "success_status_removed", Breaking, Clients, "response 204");
    assert_change(&report, "success_status_added", Breaking, Clients, "response 200");
    assert_eq!(the(&report, "success_status_added").message, "success status 200 added with application/json");
}

#[test]
fn error_statuses_documented_or_dropped_are_not_breaking() {
    let few = with_statuses(json!({"200": {"description": "ok"}}));
    let more = with_statuses(
        json!({"200": {"description": "ok"}, "429": {"description": "slow down"}, "default": {"description": "error"}}),
    );
    let report = run(few.clone(), more.clone());
    assert_eq!(report.changes.len(), 2, "{}", listing(&report));
    assert_change(&report, "response_status_added", NonBreaking, Breaks::None, "response 429");
    assert_change(&report, "default_response_added", NonBreaking, Breaks::None, "response default");
    let report = run(more, few);
    assert_change(&report, "response_status_removed", NonBreaking, Servers, "response 429");
    assert_change(&report, "default_response_removed", NonBreaking, Servers, "response default");
}

#[test]
fn a_success_status_already_covered_by_2xx_is_not_breaking() {
    let range = with_statuses(json!({"2XX": {"description": "ok"}}));
    let both = with_statuses(json!({"2XX": {"description": "ok"}, "201": {"description": "created"}}));
    assert_only(&run(range, both), "success_status_added", NonBreaking, Breaks::None, "response 201");
}

#[test]
fn response_media_types_and_headers() {
    let answer = |media: &str, headers: Value| {
        with_statuses(
            json!({"200": {"description": "ok", "headers": headers, "content": {media: {"schema": {"type": "object"}}}}}),
        )
    };
    let report = run(
        answer("application/vnd.x.2023-01-01+json", json!({})),
        answer("application/vnd.x.2024-01-01+json", json!({})),
    );
    assert_change(
        &report,
        "response_media_type_removed",
        Breaking,
        Clients,
        "response 200 application/vnd.x.2023-01-01+json",
    );
    assert_change(
        &report,
        "response_media_type_added",
        NonBreaking,
        Breaks::None,
        "response 200 application/vnd.x.2024-01-01+json",
    );

    let required = json!({"X-Rate": {"required": true, "schema": {"type": "integer", "maximum": 100}}});
    let optional = json!({"X-Rate": {"schema": {"type": "integer", "maximum": 100}}});
    let wider = json!({"X-Rate": {"required": true, "schema": {"type": "integer", "maximum": 1000}}});
    let loc = "response 200 header X-Rate";
    assert_only(
        &run(answer("application/json", required.clone()), answer("application/json", json!({}))),
        "response_header_removed",
        Breaking,
        Clients,
        loc,
    );
    assert_only(
        &run(answer("application/json", json!({})), answer("application/json", required.clone())),
        "response_header_added",
        NonBreaking,
        Servers,
        loc,
    );
    assert_only(
        &run(answer("application/json", required.clone()), answer("application/json", optional.clone())),
        "response_header_became_optional",
        Breaking,
        Clients,
        loc,
    );
    assert_only(
        &run(answer("application/json", optional), answer("application/json", required.clone())),
        "response_header_became_required",
        NonBreaking,
        Servers,
        loc,
    );
    assert_only(
        &run(answer("application/json", required), answer("application/json", wider)),
        "response_maximum_raised",
        Breaking,
        Clients,
        loc,
    );
}

#[test]
fn a_schema_appearing_where_there_was_none() {
    let report = resp(json!({}), json!({"type": "object"}));
    assert_only(&report, "response_schema_added", NonBreaking, Servers, "response 200 application/json");
    let report = req(json!({"type": "object", "required": ["a"]}), json!({}));
    assert_only(&report, "request_schema_removed", NonBreaking, Servers, "request body");
}

// --- Security --------------------------------------------------------------------------------

fn secured(security: Value) -> Value {
    let mut doc = document(
        json!({"/a": {"get": {"security": security, "responses": {"200": {"description": "ok"}}}}}),
        json!({"securitySchemes": {
            "Digest": {"type": "http", "scheme": "digest"},
            "Bearer": {"type": "http", "scheme": "bearer"},
            "OAuth": {"type": "oauth2", "flows": {"clientCredentials": {"tokenUrl": "https://x.example/token", "scopes": {"read": "r", "write": "w"}}}}
        }}),
    );
    if security.is_null() {
        doc["paths"]["/a"]["get"].as_object_mut().unwrap().shift_remove("security");
    }
    doc
}

#[test]
fn security_requirements_added_or_alternatives_removed_are_breaking() {
    let open = secured(Value::Null);
    let digest = secured(json!([{"Digest": []}]));
    let either = secured(json!([{"Digest": []}, {"Bearer": []}]));
    let report = run(open.clone(), digest.clone());
    assert_only(&report, "security_requirement_added", Breaking, Clients, "security");
    assert_eq!(the(&report, "security_requirement_added").message, "authentication is now required: Digest");
    assert_only(&run(digest.clone(), open), "security_removed", NonBreaking, Servers, "security");
    assert_only(&run(either.clone(), digest.clone()), "security_alternative_removed", Breaking, Clients, "security");
    assert_only(&run(digest, either), "security_alternative_added", NonBreaking, Servers, "security");
    let report = run(secured(json!([{"OAuth": ["read"]}])), secured(json!([{"OAuth": ["read", "write"]}])));
    assert_only(&report, "security_requirement_added", Breaking, Clients, "security");
    assert_eq!(the(&report, "security_requirement_added").message, "OAuth [read] now requires OAuth [read, write]");
    // An anonymous alternative beside a scheme is the same as none.
    assert!(run(secured(json!([{}])), secured(Value::Null)).changes.is_empty());
}

#[test]
fn a_security_scheme_redefined_breaks_both_sides() {
    let digest = secured(json!([{"Digest": []}]));
    let mut basic = digest.clone();
    basic["components"]["securitySchemes"]["Digest"]["scheme"] = json!("basic");
    assert_only(&run(digest, basic), "security_scheme_changed", Breaking, Both, "security scheme Digest");
}

// --- Composition and references --------------------------------------------------------------

fn with_components(mut doc: Value, schemas: Value) -> Value {
    doc["components"] = json!({"schemas": schemas});
    doc
}

#[test]
fn all_of_is_merged_before_comparing() {
    let flat = object(json!({"a": {"type": "string"}, "b": {"type": "integer", "maximum": 5}}), &["a"]);
    let split = json!({"allOf": [
        {"$ref": "#/components/schemas/Base"},
        {"type": "object", "properties": {"b": {"type": "integer", "maximum": 5}}}
    ]});
    let base = json!({"Base": object(json!({"a": {"type": "string"}}), &["a"])});
    let report = run(with_request(flat.clone()), with_components(with_request(split.clone()), base.clone()));
    assert!(report.changes.is_empty(), "{}", listing(&report));
    // The same property in two members: both constrain it.
    let base =
        json!({"Base": object(json!({"a": {"type": "string"}, "b": {"type": "integer", "maximum": 5}}), &["a"])});
    let report = run(with_request(flat.clone()), with_components(with_request(split.clone()), base.clone()));
    assert!(report.changes.is_empty(), "{}", listing(&report));
    let tighter = json!({"allOf": [
        {"$ref": "#/components/schemas/Base"},
        {"properties": {"b": {"maximum": 3}}}
    ]});
    let report = run(with_request(flat), with_components(with_request(tighter), base));
    assert_only(&report, "request_maximum_lowered", Breaking, Clients, "request body /b");
}

fn pets(alternatives: &[&str]) -> Value {
    let refs: Vec<Value> = alternatives.iter().map(|n| json!({"$ref": format!("#/components/schemas/{n}")})).collect();
    json!({"oneOf": refs})
}

fn pet_schemas() -> Value {
    json!({
        "Cat": object(json!({"kind": {"type": "string"}, "lives": {"type": "integer", "maximum": 9}}), &["kind"]),
        "Dog": object(json!({"kind": {"type": "string"}, "good": {"type": "boolean"}}), &["kind"]),
        "Cow": object(json!({"kind": {"type": "string"}, "moo": {"type": "boolean"}}), &["kind"])
    })
}

#[test]
fn alternatives_added_break_response_readers_and_removed_ones_break_request_senders() {
    let two = |doc: Value| with_components(doc, pet_schemas());
    let report = run(two(with_response(pets(&["Cat", "Dog"]))), two(with_response(pets(&["Cat", "Dog", "Cow"]))));
    assert_only(&report, "response_alternative_added", Breaking, Clients, "response 200 application/json");
    assert_eq!(the(&report, "response_alternative_added").message, "alternative Cow added");
    let report = run(two(with_response(pets(&["Cat", "Dog"]))), two(with_response(pets(&["Cat"]))));
    assert_only(&report, "response_alternative_removed", NonBreaking, Servers, "response 200 application/json");
    let report = run(two(with_request(pets(&["Cat", "Dog"]))), two(with_request(pets(&["Dog"]))));
    assert_only(&report, "request_alternative_removed", Breaking, Clients, "request body");
    let report = run(two(with_request(pets(&["Cat"]))), two(with_request(pets(&["Cat", "Cow"]))));
    assert_only(&report, "request_alternative_added", NonBreaking, Servers, "request body");
    // Paired alternatives are compared inside.
    let mut fewer_lives = pet_schemas();
    fewer_lives["Cat"]["properties"]["lives"]["maximum"] = json!(7);
    let report = run(
        two(with_request(pets(&["Cat", "Dog"]))),
        with_components(with_request(pets(&["Cat", "Dog"])), fewer_lives),
    );
    assert_only(&report, "request_maximum_lowered", Breaking, Clients, "request body /lives");
}

#[test]
fn a_schema_that_becomes_one_of_several_is_widened() {
    let single = with_components(with_response(json!({"$ref": "#/components/schemas/Cat"})), pet_schemas());
    let union = with_components(with_response(pets(&["Cat", "Dog"])), pet_schemas());
    assert_only(
        &run(single.clone(), union.clone()),
        "response_alternative_added",
        Breaking,
        Clients,
        "response 200 application/json",
    );
    assert_only(
        &run(union, single),
        "response_alternative_removed",
        NonBreaking,
        Servers,
        "response 200 application/json",
    );
}

#[test]
fn discriminator_values_follow_enum_rules() {
    let with_disc = |names: &[&str]| {
        let mut schema = pets(names);
        schema["discriminator"] = json!({"propertyName": "kind"});
        with_components(with_request(schema), pet_schemas())
    };
    let report = run(with_disc(&["Cat", "Dog"]), with_disc(&["Cat"]));
    assert_change(&report, "request_alternative_removed", Breaking, Clients, "request body");
    assert_change(&report, "request_enum_value_removed", Breaking, Clients, "request body /kind");
    assert_eq!(the(&report, "request_enum_value_removed").message, "enum value \"Dog\" removed");
}

#[test]
fn references_are_followed_and_recursive_schemas_terminate() {
    let tree = |max: u64| {
        json!({"Node": {"type": "object", "properties": {
            "value": {"type": "integer", "maximum": max},
            "children": {"type": "array", "items": {"$ref": "#/components/schemas/Node"}}
        }}})
    };
    let old = with_components(with_request(json!({"$ref": "#/components/schemas/Node"})), tree(10));
    let new = with_components(with_request(json!({"$ref": "#/components/schemas/Node"})), tree(5));
    let report = run(old.clone(), new);
    assert_only(&report, "request_maximum_lowered", Breaking, Clients, "request body /value");
    // Inlined on one side, referenced on the other: the same schema.
    let inline = with_request(json!({"type": "object", "properties": {
        "value": {"type": "integer", "maximum": 10},
        "children": {"type": "array", "items": {"$ref": "#/components/schemas/Node"}}
    }}));
    let report = run(old, with_components(inline, tree(10)));
    assert!(report.changes.is_empty(), "{}", listing(&report));
    // A pair reached twice is compared once and reported once, at the component.
    let shared = |max: u64| {
        with_components(
            with_request(object(
                json!({"from": {"$ref": "#/components/schemas/Hour"}, "to": {"$ref": "#/components/schemas/Hour"}}),
                &[],
            )),
            json!({"Hour": {"type": "integer", "maximum": max}}),
        )
    };
    let report = run(shared(23), shared(12));
    assert_only(&report, "request_maximum_lowered", Breaking, Clients, "schema Hour");
    assert_eq!(report.changes[0].component.as_deref(), Some("Hour"));
    assert_eq!(report.changes[0].operations, ["patchA"]);
}

#[test]
fn mutually_recursive_and_self_referencing_documents_do_not_hang() {
    let a = json!({
        "A": {"allOf": [{"$ref": "#/components/schemas/A"}, {"$ref": "#/components/schemas/B"}], "properties": {"b": {"$ref": "#/components/schemas/B"}}},
        "B": {"anyOf": [{"$ref": "#/components/schemas/A"}, {"$ref": "#/components/schemas/B"}, {"type": "string"}]},
        "Loop": {"$ref": "#/components/schemas/Loop"}
    });
    let doc = |schema: &str| {
        with_components(with_request(json!({"$ref": format!("#/components/schemas/{schema}")})), a.clone())
    };
    for old in ["A", "B", "Loop"] {
        for new in ["A", "B", "Loop"] {
            let _ = run(doc(old), doc(new));
        }
    }
}

// --- Rendering and the exit code -------------------------------------------------------------

#[test]
fn fail_on_and_format_parse() {
    assert_eq!("breaking".parse(), Ok(FailOn::Breaking));
    assert_eq!("any".parse(), Ok(FailOn::Any));
    assert_eq!(
        "some".parse::<FailOn>().unwrap_err().to_string(),
        "unknown --fail-on value `some`; expected breaking or any"
    );
    assert_eq!("markdown".parse(), Ok(Format::Markdown));
    assert!("yaml".parse::<Format>().is_err());
}

#[test]
fn markdown_cells_escape_pipes() {
    let report = req(prop(json!({"type": "string"})), prop(json!({"type": "string", "pattern": "^(a|b)$"})));
    let md = report.render_markdown();
    assert!(md.contains("pattern ^(a\\|b)$ added"), "{md}");
    assert!(md.lines().filter(|l| l.starts_with("| `PATCH")).all(|l| l.matches(" | ").count() == 4), "{md}");
}

#[test]
fn changes_are_ordered_by_path_method_and_severity() {
    let old = document(
        json!({
            "/b": {"get": {"responses": {"200": {"description": "ok"}}}},
            "/a": {"get": {"parameters": [{"name": "q", "in": "query", "schema": {"type": "string"}}], "responses": {"200": {"description": "ok"}}}}
        }),
        json!({}),
    );
    let new = document(
        json!({
            "/a": {
                "get": {"parameters": [{"name": "r", "in": "query", "schema": {"type": "string"}}], "responses": {"200": {"description": "ok"}}},
                "post": {"responses": {"200": {"description": "ok"}}}
            }
        }),
        json!({}),
    );
    let report = run(old, new);
    let order: Vec<(&str, &str, &str)> =
        report.changes.iter().map(|c| (c.method.as_str(), c.path.as_str(), c.kind)).collect();
    assert_eq!(
        order,
        [
            ("GET", "/a", "parameter_removed"),
            ("GET", "/a", "parameter_added"),
            ("POST", "/a", "operation_added"),
            ("GET", "/b", "operation_removed"),
        ]
    );
}

// --- Never panic -----------------------------------------------------------------------------

/// Replaces every schema-ish node of the Atlas spec, one at a time, with odd shapes, and diffs
/// against the original both ways.
#[test]
fn odd_shapes_never_panic() {
    let text = std::fs::read_to_string(format!("{}/specs/atlas-maintenance-window.yaml", env!("CARGO_MANIFEST_DIR")))
        .expect("the shipped spec");
    let original: Value = serde_yaml_ng::from_str(&text).expect("yaml");
    let base = spec(original.clone());
    let mut pointers = Vec::new();
    collect_pointers(&original, String::new(), &mut pointers);
    let odd = [
        json!("not a schema"),
        json!([]),
        json!(null),
        json!({"$ref": "#/nowhere"}),
        json!({"$ref": "#/components/schemas/GroupMaintenanceWindow"}),
        json!({"type": ["integer", "string", "null"], "enum": [], "minimum": "x", "maxLength": -1}),
        json!({"anyOf": [{"type": "null"}]}),
        json!({"allOf": [{"$ref": "#/components/schemas/ProtectedHours"}, false]}),
        json!(false),
    ];
    for (i, at) in pointers.iter().enumerate() {
        let mut doc = original.clone();
        if let Some(slot) = doc.pointer_mut(at) {
            *slot = odd[i % odd.len()].clone();
        }
        if let Ok(mutated) = Spec::from_value("mutated.yaml", doc) {
            let _ = diff(&base, &mutated).render_text();
            let _ = diff(&mutated, &base).render_markdown();
        }
    }
    assert!(pointers.len() > 50, "{}", pointers.len());
}

fn collect_pointers(value: &Value, at: String, out: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            for (k, v) in map {
                let child = crate::spec::pointer::join(&at, k);
                // Prose changes nothing a diff reads.
                if ["description", "summary", "example", "tags", "info"].contains(&k.as_str()) {
                    continue;
                }
                out.push(child.clone());
                collect_pointers(v, child, out);
            }
        }
        Value::Array(items) => {
            for (i, v) in items.iter().enumerate() {
                let child = format!("{at}/{i}");
                out.push(child.clone());
                collect_pointers(v, child, out);
            }
        }
        _ => {}
    }
}

#[test]
fn recursion_through_merged_members_and_wide_dags_stay_bounded() {
    // `left` and `right` both come from two allOf members: node lists, not single nodes.
    let tree = |max: u64| {
        json!({
            "Tree": {"allOf": [{"$ref": "#/components/schemas/Left"}, {"$ref": "#/components/schemas/Right"}],
                     "properties": {"v": {"type": "integer", "maximum": max}}},
            "Left": {"properties": {"left": {"$ref": "#/components/schemas/Tree"}, "right": {"$ref": "#/components/schemas/Tree"}}},
            "Right": {"properties": {"left": {"$ref": "#/components/schemas/Tree"}, "right": {"$ref": "#/components/schemas/Tree"}}}
        })
    };
    let doc = |max| with_components(with_request(json!({"$ref": "#/components/schemas/Tree"})), tree(max));
    let report = run(doc(10), doc(5));
    assert_only(&report, "request_maximum_lowered", Breaking, Clients, "request body /v");

    // 40 levels, each holding the next twice: 2^40 paths to the one change at the bottom.
    let mut schemas = serde_json::Map::new();
    for level in 0..40 {
        let next = json!({"$ref": format!("#/components/schemas/L{}", level + 1)});
        schemas.insert(format!("L{level}"), json!({"type": "object", "properties": {"a": next, "b": next}}));
    }
    let dag = |max: u64| {
        let mut schemas = schemas.clone();
        schemas.insert("L40".into(), json!({"type": "integer", "maximum": max}));
        with_components(with_request(json!({"$ref": "#/components/schemas/L0"})), Value::Object(schemas))
    };
    let report = run(dag(10), dag(5));
    assert!(!report.changes.is_empty() && report.changes.len() <= 10_000, "{}", report.changes.len());
    assert!(report.changes.iter().all(|c| c.kind == "request_maximum_lowered"));
}

#[test]
fn media_type_parameters_other_than_charset_are_part_of_the_name() {
    let media = |name: &str| {
        document(
            json!({"/a": {"get": {"responses": {"200": {"description": "ok", "content": {name: {"schema": {"type": "object"}}}}}}}}),
            json!({}),
        )
    };
    let report = run(media("application/json; version=2"), media("application/json; version=3"));
    assert_change(
        &report,
        "response_media_type_removed",
        Breaking,
        Clients,
        "response 200 application/json; version=2",
    );
    assert!(run(media("application/json; charset=utf-8"), media("application/json")).changes.is_empty());
}

#[test]
fn oauth_scopes_listed_in_another_order_are_the_same_scheme() {
    let oauth = secured(json!([{"OAuth": ["read"]}]));
    let mut reordered = oauth.clone();
    reordered["components"]["securitySchemes"]["OAuth"]["flows"]["clientCredentials"]["scopes"] =
        json!({"write": "w", "read": "r"});
    assert!(run(oauth, reordered).changes.is_empty());
}

#[test]
fn rarer_keywords_and_parameter_serialisation() {
    let loc = "request body /v";
    request_pair(
        prop(json!({"type": "object"})),
        prop(json!({"type": "object", "maxProperties": 3})),
        "request_max_properties_lowered",
        "request_max_properties_raised",
        loc,
    );
    request_pair(
        prop(json!({"type": "object"})),
        prop(json!({"type": "object", "minProperties": 1})),
        "request_min_properties_raised",
        "request_min_properties_lowered",
        loc,
    );
    let report = req(
        prop(json!({"type": "string", "not": {"enum": ["a"]}})),
        prop(json!({"type": "string", "not": {"enum": ["b"]}})),
    );
    assert_only(&report, "request_not_changed", Breaking, Both, loc);
    let deprecated = req(prop(json!({"type": "string"})), prop(json!({"type": "string", "deprecated": true})));
    assert_only(&deprecated, "request_property_deprecated", NonBreaking, Breaks::None, loc);
    // anyOf beside other constraints: compared as a whole.
    let report = req(
        prop(json!({"type": "object", "properties": {"a": {"type": "string"}}})),
        prop(
            json!({"type": "object", "properties": {"a": {"type": "string"}}, "anyOf": [{"required": ["a"]}, {"required": ["b"]}]}),
        ),
    );
    assert_only(&report, "request_composition_added", Breaking, Clients, loc);

    let content = |media: &str| {
        with_params(json!([{"name": "filter", "in": "query", "content": {media: {"schema": {"type": "object"}}}}]))
    };
    let plain = with_params(json!([{"name": "filter", "in": "query", "schema": {"type": "object"}}]));
    assert_only(
        &run(plain, content("application/json")),
        "parameter_content_type_changed",
        Breaking,
        Both,
        "query parameter filter",
    );
}

#[test]
fn a_discriminator_value_mapped_to_another_schema_breaks_both() {
    let mapped = |target: &str| {
        let mut schema = pets(&["Cat", "Dog"]);
        schema["discriminator"] =
            json!({"propertyName": "kind", "mapping": {"pet": format!("#/components/schemas/{target}")}});
        with_components(with_response(schema), pet_schemas())
    };
    let report = run(mapped("Cat"), mapped("Dog"));
    assert_change(&report, "response_discriminator_mapping_changed", Breaking, Both, "response 200 application/json");
    assert_eq!(
        the(&report, "response_discriminator_mapping_changed").message,
        "discriminator value pet now selects Dog instead of Cat"
    );
}

// --- Issue 15: the wrong classes found on a real history, on spec pairs written for them -------

fn pair(name: &str) -> DiffReport {
    let load = |which: &str| {
        let path = format!("{}/tests/data/diff/{name}-{which}.yaml", env!("CARGO_MANIFEST_DIR"));
        Spec::load(&path).expect("the test spec loads")
    };
    let report = diff(&load("old"), &load("new"));
    assert_documented(&report);
    report
}

#[test]
fn issue_15_bodiless_answers_have_no_body_to_break() {
    let report = pair("bodiless");
    // 204 (DELETE), 304 and every HEAD answer lost their schema: nothing to report. The 200 of
    // the GET lost its body: still breaking.
    assert_only(&report, "response_media_type_removed", Breaking, Clients, "response 200 application/json");
    assert_eq!(report.changes[0].operation, "getThing");
}

#[test]
fn issue_15_an_inserted_inline_branch_does_not_shift_the_pairing() {
    let report = pair("oneof-inserted");
    let kinds: Vec<&str> = report.changes.iter().map(|c| c.kind).collect();
    // The inserted branch is added; the branch that really lost USER_REMOVED says so; no other
    // value reads as removed.
    assert_eq!(kinds.len(), 2, "{}", listing(&report));
    assert_change(&report, "request_alternative_added", NonBreaking, Servers, "request body");
    let removed = the(&report, "request_enum_value_removed");
    assert_eq!((removed.severity, removed.message.as_str()), (Breaking, "enum value \"USER_REMOVED\" removed"));
    assert_eq!(removed.location, "request body /eventTypeName");
}

#[test]
fn issue_15_a_replaced_branch_is_removed_and_added_not_compared() {
    let report = pair("oneof-replaced");
    // GcpEndpoint -> AzureEndpoint: another schema. Webhook -> WebhookEndpoint: renamed, same
    // schema. AwsEndpoint kept: its own change is still reported.
    assert_eq!(report.changes.len(), 3, "{}", listing(&report));
    let removed = the(&report, "request_alternative_removed");
    assert_eq!((removed.severity, removed.message.as_str()), (Breaking, "alternative GcpEndpoint removed"));
    let added = the(&report, "request_alternative_added");
    assert_eq!((added.severity, added.message.as_str()), (NonBreaking, "alternative AzureEndpoint added"));
    assert_change(&report, "request_max_length_lowered", Breaking, Clients, "request body /region");
    assert!(!report.changes.iter().any(|c| c.kind == "request_property_removed"), "{}", listing(&report));
}

#[test]
fn issue_15_a_change_in_a_shared_component_is_reported_once() {
    let report = pair("shared");
    // Tags is reached through three oneOf branches of Cluster, from two operations.
    assert_only(&report, "response_property_removed", Breaking, Clients, "schema Tags /team");
    assert_eq!(report.changes[0].component.as_deref(), Some("Tags"));
    assert_eq!(report.changes[0].operations, ["listClusters", "getCluster"]);
}

#[test]
fn alternatives_pair_by_title_discriminator_and_const_never_by_position() {
    let union = |alts: Value| with_request(json!({"oneOf": alts}));
    let titled = |title: &str, max: u64| json!({"title": title, "type": "string", "maxLength": max});
    // Same type, swapped order: the titles pair them, so nothing changed.
    let report = run(union(json!([titled("a", 5), titled("b", 9)])), union(json!([titled("b", 9), titled("a", 5)])));
    assert!(report.changes.is_empty(), "{}", listing(&report));
    // A title replaced: removed and added, whatever the position.
    let report = run(union(json!([titled("a", 5), titled("b", 9)])), union(json!([titled("a", 5), titled("c", 9)])));
    assert_eq!(report.changes.len(), 2, "{}", listing(&report));
    assert_change(&report, "request_alternative_removed", Breaking, Clients, "request body");
    // `const` of the discriminating property: the order changed and one branch narrowed.
    let tagged = |tag: &str, max: u64| json!({"type": "object", "properties": {"kind": {"const": tag}, "n": {"type": "integer", "maximum": max}}});
    let report = run(union(json!([tagged("A", 5), tagged("B", 9)])), union(json!([tagged("B", 9), tagged("A", 3)])));
    assert_only(&report, "request_maximum_lowered", Breaking, Clients, "request body /n");
    // A discriminator value now mapped to a renamed schema: the same branch.
    let mapped = |target: &str| {
        let schema = json!({
            "oneOf": [{"$ref": format!("#/components/schemas/{target}")}, {"$ref": "#/components/schemas/Dog"}],
            "discriminator": {"propertyName": "kind", "mapping": {
                "cat": format!("#/components/schemas/{target}"), "dog": "#/components/schemas/Dog"}}
        });
        let cat =
            |max: u64| object(json!({"kind": {"type": "string"}, "lives": {"type": "integer", "maximum": max}}), &[]);
        with_components(
            with_request(schema),
            json!({target: cat(if target == "Cat" { 9 } else { 7 }), "Dog": object(json!({"kind": {"type": "string"}}), &[])}),
        )
    };
    let report = run(mapped("Cat"), mapped("Feline"));
    assert!(report.changes.iter().any(|c| c.kind == "request_maximum_lowered"), "{}", listing(&report));
    assert!(!report.changes.iter().any(|c| c.kind == "request_alternative_removed"), "{}", listing(&report));
}

// --- Policy: presets, rules file, allow-list, stability ----------------------------------------

/// GET /a answers an enum that gains a value (breaking in strict) and a `pattern` that changes
/// in a request parameter; the operation may carry an `x-stability-level` or `deprecated`.
fn policy_pair(extra: Value) -> (DiffReport, DiffReport) {
    let doc = |values: &[&str], pattern: &str| {
        let mut op = json!({
            "operationId": "getA",
            "parameters": [{"name": "q", "in": "query", "schema": {"type": "string", "pattern": pattern}}],
            "responses": {"200": {"description": "ok", "content": {"application/json": {"schema":
                object(json!({"state": {"type": "string", "enum": values}}), &[])}}}}
        });
        if let (Some(op), Some(extra)) = (op.as_object_mut(), extra.as_object()) {
            op.extend(extra.clone());
        }
        document(json!({"/a": {"get": op}}), json!({}))
    };
    let report = run(doc(&["IDLE"], "^a"), doc(&["IDLE", "BUSY"], "^b"));
    (report.clone(), report)
}

fn levels(report: &DiffReport) -> Vec<(&'static str, Level, bool)> {
    report.changes.iter().map(|c| (c.kind, c.level, c.allowed)).collect()
}

fn policy_today(text: &str) -> Policy {
    let mut policy = Policy::from_toml("conform-diff.toml", text).expect("a valid rules file");
    policy.today = Date { year: 2026, month: 6, day: 1 };
    policy
}

#[test]
fn presets_set_the_levels_of_the_kinds() {
    let (mut strict, mut oasdiff) = policy_pair(json!({}));
    let (mut sdk, _) = policy_pair(json!({}));
    Policy::preset(Preset::Strict).apply(&mut strict);
    Policy::preset(Preset::Oasdiff).apply(&mut oasdiff);
    Policy::preset(Preset::Sdk).apply(&mut sdk);
    use Level::{Breaking as B, Warning as W};
    assert_eq!(levels(&strict), [("request_pattern_changed", B, false), ("response_enum_value_added", B, false)]);
    assert_eq!(levels(&oasdiff), [("request_pattern_changed", W, false), ("response_enum_value_added", W, false)]);
    assert_eq!(exit_code(&oasdiff, FailOn::Breaking), crate::exit::OK);
    assert_eq!(exit_code(&oasdiff, FailOn::Any), crate::exit::FINDINGS);
    // Generated clients with closed enums cannot read the new value.
    assert_eq!(levels(&sdk), [("request_pattern_changed", W, false), ("response_enum_value_added", B, false)]);
    assert_eq!(exit_code(&sdk, FailOn::Breaking), crate::exit::FINDINGS);
    // Every kind a preset names exists.
    let known = kind_names();
    for (kind, _, _) in OASDIFF_LEVELS.iter().chain(SDK_LEVELS) {
        assert!(known.iter().any(|k| k == kind), "{kind}");
    }
}

#[test]
fn a_rules_file_sets_any_kind_to_any_level() {
    for (level, expected) in [
        ("breaking", Some(Level::Breaking)),
        ("warning", Some(Level::Warning)),
        ("info", Some(Level::Info)),
        ("ignore", None),
    ] {
        let (mut report, _) = policy_pair(json!({}));
        let policy = policy_today(&format!(
            "preset = \"oasdiff\"\n[levels]\nrequest_pattern_changed = \"{level}\"\nresponse_enum_value_added = \"info\"\n"
        ));
        policy.apply(&mut report);
        let pattern = report.changes.iter().find(|c| c.kind == "request_pattern_changed").map(|c| c.level);
        assert_eq!(pattern, expected, "{level}");
        assert_eq!(the(&report, "response_enum_value_added").level, Level::Info);
        let failing = expected == Some(Level::Breaking);
        assert_eq!(exit_code(&report, FailOn::Breaking) == crate::exit::FINDINGS, failing, "{level}");
    }
    // The same keys under `[diff]` of a conform config.
    let policy = policy_today("[diff]\npreset = \"sdk\"\n[diff.levels]\noperation_added = \"ignore\"\n");
    assert_eq!((policy.preset, policy.levels.get("operation_added")), (Preset::Sdk, Some(&Level::Ignore)));
    // Typos are errors, not silently ignored rules.
    for bad in [
        "[levels]\nresponse_enum_added_value = \"info\"\n",
        "[levels]\nresponse_enum_value_added = \"fatal\"\n",
        "preset = \"lenient\"\n",
        "[[allow]]\nkind = \"operation_removed\"\nreason = \"x\"\nexpires = \"next year\"\n",
        "[[allow]]\nkind = \"operation_removed\"\nreason = \"\"\n",
        "levles = 1\n",
        "not toml [",
    ] {
        assert!(Policy::from_toml("conform-diff.toml", bad).is_err(), "{bad}");
    }
}

#[test]
fn an_allowed_break_passes_until_its_allowance_expires() {
    let rules = |expires: &str| {
        format!(
            "[[allow]]\noperation = \"getA\"\nkind = \"response_enum_value_added\"\n\
             location = \"response 200 application/json /state\"\nreason = \"BUSY announced in the changelog\"\n{expires}\n\
             [[allow]]\noperation = \"GET /a\"\nkind = \"request_pattern_changed\"\nlocation = \"query parameter *\"\n\
             reason = \"the old pattern was a typo\"\n"
        )
    };
    let (mut report, _) = policy_pair(json!({}));
    policy_today(&rules("expires = 2026-12-31")).apply(&mut report);
    assert_eq!(report.allowed(), 2);
    assert_eq!(report.breaking(), 0);
    assert_eq!(exit_code(&report, FailOn::Breaking), crate::exit::OK);
    assert_eq!(the(&report, "response_enum_value_added").allowance.as_deref(), Some("BUSY announced in the changelog"));
    // Expired: the break fails again, and says why.
    let (mut report, _) = policy_pair(json!({}));
    policy_today(&rules("expires = \"2026-05-31\"")).apply(&mut report);
    let change = the(&report, "response_enum_value_added");
    assert!(!change.allowed);
    assert!(change.allowance.as_deref().is_some_and(|a| a.contains("expired on 2026-05-31")), "{change:?}");
    assert_eq!(report.breaking(), 1);
    assert_eq!(exit_code(&report, FailOn::Breaking), crate::exit::FINDINGS);
    // An allowance for another operation or location accepts nothing.
    let (mut report, _) = policy_pair(json!({}));
    policy_today(
        "[[allow]]\noperation = \"getB\"\nkind = \"response_enum_value_added\"\nreason = \"r\"\n\
         [[allow]]\nkind = \"request_pattern_changed\"\nlocation = \"header parameter *\"\nreason = \"r\"\n",
    )
    .apply(&mut report);
    assert_eq!((report.allowed(), report.breaking()), (0, 2));
}

#[test]
fn beta_and_deprecated_operations_get_warnings_draft_and_alpha_information() {
    for (extra, expected) in [
        (json!({"x-stability-level": "beta"}), Level::Warning),
        (json!({"deprecated": true}), Level::Warning),
        (json!({"x-stability-level": "alpha"}), Level::Info),
        (json!({"x-stability-level": "draft"}), Level::Info),
        (json!({"x-stability-level": "stable"}), Level::Breaking),
    ] {
        let (mut report, _) = policy_pair(extra.clone());
        Policy::default().apply(&mut report);
        assert_eq!(the(&report, "response_enum_value_added").level, expected, "{extra}");
    }
    // Removing a deprecated operation is a warning too; removing a stable one breaks.
    let op = |deprecated: bool| json!({"operationId": "getB", "deprecated": deprecated, "responses": {"200": {"description": "ok"}}});
    for (deprecated, expected) in [(true, Level::Warning), (false, Level::Breaking)] {
        let old = document(
            json!({"/a": {"get": {"responses": {"200": {"description": "ok"}}}}, "/b": {"get": op(deprecated)}}),
            json!({}),
        );
        let new = document(json!({"/a": {"get": {"responses": {"200": {"description": "ok"}}}}}), json!({}));
        let mut report = run(old, new);
        Policy::default().apply(&mut report);
        assert_eq!(the(&report, "operation_removed").level, expected);
    }
}

#[test]
fn dates_parse_and_count_from_the_epoch() {
    assert_eq!("2026-12-06".parse::<Date>(), Ok(Date { year: 2026, month: 12, day: 6 }));
    assert!("2026-13-01".parse::<Date>().is_err());
    assert!("26-1-1".parse::<Date>().is_err());
    assert_eq!(policy::Date::from_days(0), Date { year: 1970, month: 1, day: 1 });
    assert_eq!(policy::Date::from_days(20_428), Date { year: 2025, month: 12, day: 6 });
    assert_eq!(policy::Date::from_days(11_016), Date { year: 2000, month: 2, day: 29 });
}
