//! `conform diff` over the real history of the Atlas maintenance-window contract: the 2023
//! version (204 answers, `hourOfDay` required) against the current one (200, only `dayOfWeek`
//! required). Renderings are snapshotted.

use crate::support::snapshots;
use conform::diff::{Breaks, Change, DiffReport, FailOn, Severity, diff, exit_code};
use conform::exit;
use conform::spec::Spec;

const OLD: &str = "tests/data/diff/atlas-maintenance-window-2023.yaml";
const NEW: &str = "specs/atlas-maintenance-window.yaml";

/// Loads by the repository-relative name, so that reports (and snapshots) show that name.
fn load(path: &str) -> Spec {
    let bytes = std::fs::read(crate::support::repo(path)).expect("the spec is readable");
    Spec::from_bytes(path, &bytes).expect("the spec loads")
}

fn find<'r>(report: &'r DiffReport, id: &str, kind: &str) -> Vec<&'r Change> {
    report.changes.iter().filter(|c| c.operation == id && c.kind == kind).collect()
}

const NOW_200: [&str; 3] =
    ["updateGroupMaintenanceWindow", "deferGroupMaintenanceWindow", "toggleGroupMaintenanceWindowAutoDefer"];

#[test]
fn from_2023_the_status_change_is_breaking_and_hour_of_day_optional_is_not() {
    let report = diff(&load(OLD), &load(NEW));
    for id in NOW_200 {
        let removed = find(&report, id, "success_status_removed");
        assert_eq!(removed.len(), 1, "{id}: {:#?}", report.changes);
        assert_eq!(
            (removed[0].severity, removed[0].breaks, removed[0].location.as_str()),
            (Severity::Breaking, Breaks::Clients, "response 204")
        );
        let added = find(&report, id, "success_status_added");
        assert_eq!(added.len(), 1, "{id}: {:#?}", report.changes);
        assert_eq!(
            (added[0].severity, added[0].breaks, added[0].location.as_str()),
            (Severity::Breaking, Breaks::Clients, "response 200")
        );
    }
    let optional = find(&report, "updateGroupMaintenanceWindow", "request_property_became_optional");
    assert_eq!(optional.len(), 1, "{:#?}", report.changes);
    assert_eq!(
        (optional[0].severity, optional[0].breaks, optional[0].location.as_str(), optional[0].method.as_str()),
        (Severity::NonBreaking, Breaks::Servers, "request body /hourOfDay", "PATCH")
    );
    // Nothing else moved: GET and DELETE are untouched.
    assert_eq!(report.changes.len(), 7, "{:#?}", report.changes);
    assert_eq!(report.breaking(), 6);
    assert_eq!(exit_code(&report, FailOn::Breaking), exit::FINDINGS);
}

#[test]
fn back_to_2023_hour_of_day_becoming_required_is_breaking() {
    let report = diff(&load(NEW), &load(OLD));
    let required = find(&report, "updateGroupMaintenanceWindow", "request_property_became_required");
    assert_eq!(required.len(), 1, "{:#?}", report.changes);
    assert_eq!(
        (required[0].severity, required[0].breaks, required[0].location.as_str()),
        (Severity::Breaking, Breaks::Clients, "request body /hourOfDay")
    );
    for id in NOW_200 {
        let removed = find(&report, id, "success_status_removed");
        assert_eq!(removed.len(), 1, "{id}: {:#?}", report.changes);
        assert_eq!(removed[0].location, "response 200");
        assert_eq!(removed[0].severity, Severity::Breaking);
    }
    assert_eq!(exit_code(&report, FailOn::Breaking), exit::FINDINGS);
}

#[test]
fn identical_specs_report_nothing_and_exit_0() {
    for path in [NEW, OLD, "specs/cloud-manager-maintenance-windows.yaml"] {
        let report = diff(&load(path), &load(path));
        assert!(report.changes.is_empty(), "{path}: {:#?}", report.changes);
        assert_eq!(exit_code(&report, FailOn::Breaking), exit::OK);
        assert_eq!(exit_code(&report, FailOn::Any), exit::OK);
    }
}

#[test]
fn a_large_real_spec_compared_with_itself_reports_nothing() {
    let twilio = load("../shared/fixtures/twilio_api_v2010.yaml");
    let report = diff(&twilio, &twilio);
    assert!(report.changes.is_empty(), "{:#?}", &report.changes[..report.changes.len().min(20)]);
}

#[test]
fn an_operation_id_renamed_only_is_a_non_breaking_rename() {
    let text = std::fs::read_to_string(crate::support::repo(NEW)).unwrap();
    let renamed = text.replace("operationId: getGroupMaintenanceWindow", "operationId: getProjectMaintenanceWindow");
    let new = Spec::from_bytes("renamed.yaml", renamed.as_bytes()).unwrap();
    let report = diff(&load(NEW), &new);
    assert_eq!(report.changes.len(), 1, "{:#?}", report.changes);
    let c = &report.changes[0];
    assert_eq!((c.kind, c.severity, c.breaks), ("operation_id_changed", Severity::NonBreaking, Breaks::None));
    assert_eq!(c.operation, "getProjectMaintenanceWindow");
    assert_eq!(exit_code(&report, FailOn::Breaking), exit::OK);
    assert_eq!(exit_code(&report, FailOn::Any), exit::FINDINGS);
}

#[test]
fn renderings_of_the_2023_to_current_diff() {
    let report = diff(&load(OLD), &load(NEW));
    let text = report.render_text();
    assert!(text.ends_with("\n6 breaking, 1 non-breaking\n"), "{text}");
    let json: serde_json::Value = serde_json::from_str(&report.render_json()).expect("render_json is JSON");
    assert_eq!((json["breaking"].as_u64(), json["non_breaking"].as_u64()), (Some(6), Some(1)));
    snapshots().bind(|| {
        insta::assert_snapshot!("diff_atlas_2023_text", text);
        insta::assert_snapshot!("diff_atlas_2023_json", report.render_json());
        insta::assert_snapshot!("diff_atlas_2023_markdown", report.render_markdown());
    });
}

/// Issue 13, item 3: the same API described as Swagger 2.0, OpenAPI 3.0 and OpenAPI 3.1
/// (body and formData parameters, collectionFormat, produces, securityDefinitions; nullable,
/// boolean exclusive bounds, `example` and `format: binary`/`byte` rewritten the 3.1 way).
const VERSIONS: &str = "tests/data/diff/versions";

fn version(name: &str) -> Spec {
    load(&format!("{VERSIONS}/{name}.yaml"))
}

/// The document `name` with `edits` applied to its text, loaded under its own name.
fn edited(name: &str, edits: &[(&str, &str)]) -> Spec {
    let path = format!("{VERSIONS}/{name}.yaml");
    let mut text = std::fs::read_to_string(crate::support::repo(&path)).expect("readable");
    for (from, to) in edits {
        assert!(text.contains(from), "{from} is in {name}");
        text = text.replace(from, to);
    }
    Spec::from_bytes(&path, text.as_bytes()).expect("the edited spec loads")
}

#[test]
fn converting_the_format_alone_is_no_change() {
    let pairs = [
        ("pets-swagger2", "pets-openapi30"),
        ("pets-openapi30", "pets-swagger2"),
        ("pets-swagger2", "pets-openapi31"),
        ("pets-openapi31", "pets-swagger2"),
        ("pets-openapi30", "pets-openapi31"),
        ("pets-openapi31", "pets-openapi30"),
        ("rewrite-openapi30", "rewrite-openapi31"),
        ("rewrite-openapi31", "rewrite-openapi30"),
    ];
    for (old, new) in pairs {
        let (old_spec, new_spec) = (version(old), version(new));
        assert!(old_spec.operations.len() >= 2, "{old} has its operations");
        assert_eq!(old_spec.operations.len(), new_spec.operations.len(), "{old} -> {new}");
        let report = diff(&old_spec, &new_spec);
        assert!(report.changes.is_empty(), "{old} -> {new}: {:#?}", report.changes);
        assert_eq!(exit_code(&report, FailOn::Any), exit::OK);
    }
}

fn kinds(report: &DiffReport) -> Vec<(&str, &str)> {
    let mut out: Vec<(&str, &str)> = report.changes.iter().map(|c| (c.kind, c.location.as_str())).collect();
    out.sort();
    out
}

/// The other way: a real change made while converting is still reported, each one once per
/// place it is reached.
#[test]
fn a_real_change_made_while_converting_is_still_reported() {
    // 3.0 -> 3.1 that drops `null`, makes the bound inclusive and encodes the file as base64.
    let new = edited(
        "pets-openapi31",
        &[
            ("tag: {type: [string, \"null\"]}", "tag: {type: string}"),
            ("weight: {type: number, exclusiveMinimum: 0}", "weight: {type: number, minimum: 0}"),
            ("contentMediaType: application/octet-stream", "contentEncoding: base64"),
        ],
    );
    let report = diff(&version("pets-openapi30"), &new);
    assert_eq!(
        kinds(&report),
        [
            ("request_exclusive_minimum_removed", "request body /weight"),
            ("request_format_changed", "request body /file"),
            ("request_nullable_removed", "request body /tag"),
            ("response_exclusive_minimum_removed", "schema Pet /weight"),
            ("response_nullable_removed", "schema Pet /tag"),
        ],
        "{:#?}",
        report.changes
    );
    // 3.0 -> 2.0 that changes a collectionFormat, drops a produced type and the oauth flow.
    let new = edited(
        "pets-swagger2",
        &[
            ("collectionFormat: csv", "collectionFormat: multi"),
            ("produces: [application/json, application/xml]", "produces: [application/json]"),
            ("flow: application", "flow: password"),
        ],
    );
    let report = diff(&version("pets-openapi30"), &new);
    let found: Vec<&str> = kinds(&report).into_iter().map(|(k, _)| k).collect();
    assert_eq!(
        found,
        ["parameter_explode_changed", "response_media_type_removed", "security_scheme_changed"],
        "{:#?}",
        report.changes
    );
    // 3.0 -> 3.1 where a type array forgets `null`, and where `nullable` becomes a oneOf
    // that forgets it (reported as the union it now is: an alternative changed).
    let new = edited("rewrite-openapi31", &[("label: {type: [string, \"null\"]", "label: {type: string")]);
    let report = diff(&version("rewrite-openapi30"), &new);
    assert_eq!(
        kinds(&report),
        [("request_nullable_removed", "schema Thing /label"), ("response_nullable_removed", "schema Thing /label")],
        "{:#?}",
        report.changes
    );
    let new = edited("rewrite-openapi31", &[("            - type: \"null\"\n", "")]);
    let report = diff(&version("rewrite-openapi30"), &new);
    assert!(report.changes.iter().all(|c| c.location == "schema Thing /owner"), "{:#?}", report.changes);
    assert!(report.breaking() > 0, "{:#?}", report.changes);
}
