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
