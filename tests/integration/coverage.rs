//! Contract coverage through the real binary: the JSON report's `coverage` section adds up
//! against the run (Cloud Manager against the embedded mock), the `--coverage-html` page parses
//! as XML and holds every operation of the spec, and the terminal tables (compact and
//! `--coverage`) are snapshots.

use crate::support::{conform, repo, stderr, stdout};
use conform::spec::Spec;
use serde_json::Value;

const CLOUD_MANAGER: &str = "specs/cloud-manager-maintenance-windows.yaml";
const ATLAS: &str = "specs/atlas-maintenance-window.yaml";

fn tempdir(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("conform-coverage-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Runs the spec against the embedded mock with the report and the page written; returns the
/// JSON report, the page and the terminal output.
fn run(spec: &str, name: &str, extra: &[&str]) -> (Value, String, String) {
    let dir = tempdir(name);
    let (json, html) = (dir.join("report.json"), dir.join("coverage.html"));
    let mut args = vec![
        "run",
        "--spec",
        spec,
        "--seed",
        "1",
        "--cases",
        "10",
        "--concurrency",
        "1",
        "--no-snapshots",
        "--report",
        json.to_str().unwrap(),
        "--coverage-html",
        html.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    let out = conform(&args);
    assert_eq!(out.status.code(), Some(0), "{}{}", stdout(&out), stderr(&out));
    let report: Value = serde_json::from_slice(&std::fs::read(&json).unwrap()).unwrap();
    let page = std::fs::read_to_string(&html).unwrap();
    let _ = std::fs::remove_dir_all(&dir);
    (report, page, stdout(&out))
}

fn n(v: &Value) -> u64 {
    v.as_u64().unwrap_or_else(|| panic!("not a count: {v}"))
}

fn sum(v: &Value, field: &str) -> u64 {
    v.as_array().unwrap().iter().map(|x| n(&x[field])).sum()
}

#[test]
fn cloud_manager_coverage_adds_up() {
    let (report, _, _) = run(CLOUD_MANAGER, "numbers", &[]);
    let coverage = &report["coverage"];
    let summary = &coverage["summary"];
    let ops = coverage["operations"].as_array().unwrap();
    assert_eq!(ops.len(), 5, "every operation of the spec");
    assert_eq!(n(&summary["operations"]), 5);
    assert_eq!(n(&summary["tested"]), 5);
    // Without --param pins, the case phases read, update and delete windows that do not exist;
    // the stateful sequences create one and reach it, and coverage counts them.
    let answered: Vec<&str> =
        ops.iter().filter(|o| n(&o["answered_2xx"]) > 0).map(|o| o["operation"].as_str().unwrap()).collect();
    assert_eq!(answered.len(), 5, "{summary}");
    assert_eq!(n(&summary["answered_2xx"]), 5);
    assert!(n(&summary["statuses_seen"]) <= n(&summary["statuses_documented"]));
    assert!(n(&summary["statuses_seen"]) >= 10, "2xx, 400, 401 and 404 at least: {summary}");
    assert!(n(&summary["invalid_kinds"]) >= 3, "{summary}");
    assert_eq!(
        n(&summary["parameters_valid"]),
        n(&summary["parameters"]),
        "every parameter is sent valid at least once: {summary}"
    );
    assert!(n(&summary["body_properties_invalid"]) > 0, "{summary}");
    let mut total = 0;
    for op in ops {
        let id = op["operation"].as_str().unwrap();
        let requests = n(&op["requests"]);
        total += requests;
        assert!(op.get("skipped").is_none(), "{id} was tested");
        assert_eq!(requests, n(&op["valid"]) + n(&op["invalid"]), "{id}: every generated request has an intent");
        let undocumented: u64 = op["undocumented_statuses"].as_object().unwrap().values().map(n).sum();
        let methods = op["invalid_kinds"].get("method").map_or(0, n);
        let answered: u64 = sum(&op["statuses"], "seen") + undocumented + n(&op["unanswered"]);
        assert_eq!(
            answered + methods,
            requests,
            "{id}: every exchange falls under one status, or none came (undocumented methods are no status of it)"
        );
        // The mock conforms: an undocumented status answers only an invalid request (a 415).
        assert!(undocumented <= n(&op["invalid"]) - methods, "{id}: {}", op["undocumented_statuses"]);
        let kinds: u64 = op["invalid_kinds"].as_object().unwrap().values().map(n).sum();
        assert_eq!(kinds, n(&op["invalid"]), "{id}: every invalid request has a kind");
        for p in op["parameters"].as_array().unwrap() {
            assert!(n(&p["valid"]) > 0, "{id}: parameter {} never sent valid", p["name"]);
        }
        let gaps: Vec<&str> = op["gaps"].as_array().unwrap().iter().map(|g| g.as_str().unwrap()).collect();
        assert_eq!(gaps.contains(&"never answered 2xx"), n(&op["answered_2xx"]) == 0, "{id}: {gaps:?}");
        for s in op["statuses"].as_array().unwrap() {
            let gap = format!("documented {} never seen", s["status"].as_str().unwrap());
            let unseen = n(&s["seen"]) == 0 && s["status"] != "default";
            assert_eq!(gaps.contains(&gap.as_str()), unseen, "{id}: {gap} said exactly when true: {gaps:?}");
        }
    }
    assert_eq!(n(&summary["requests"]), total);
    // HTTP requests count retries and Digest challenges too (and file a sequence's requests under
    // the operation it judges, where coverage counts each step under its own): never fewer.
    assert!(n(&report["stats"]["requests"]) >= total, "{} < {total}", report["stats"]["requests"]);
    let create = ops.iter().find(|o| o["operation"] == "createMaintenanceWindow").unwrap();
    assert!(!create["body_properties"].as_array().unwrap().is_empty(), "{create}");
    assert!(n(&create["invalid"]) > 0);
}

/// Every element of the page, with its text, read by an XML parser (which fails on anything
/// not well-formed).
fn parse(page: &str) -> (Vec<String>, String) {
    use quick_xml::events::Event;
    let mut reader = quick_xml::Reader::from_str(page);
    let (mut elements, mut text, mut depth) = (Vec::new(), String::new(), 0i64);
    loop {
        match reader.read_event() {
            Ok(Event::Start(e)) => {
                depth += 1;
                text.push(' ');
                elements.push(String::from_utf8(e.name().as_ref().to_vec()).unwrap());
            }
            Ok(Event::Empty(e)) => elements.push(String::from_utf8(e.name().as_ref().to_vec()).unwrap()),
            Ok(Event::End(_)) => {
                depth -= 1;
                text.push(' ');
            }
            Ok(Event::Text(t)) => {
                text.push_str(&t.xml10_content().unwrap());
            }
            Ok(Event::GeneralRef(r)) => {
                let name = r.decode().unwrap().into_owned();
                let resolved = match name.as_str() {
                    "amp" => "&",
                    "lt" => "<",
                    "gt" => ">",
                    "quot" => "\"",
                    "#39" => "'",
                    other => panic!("unexpected entity {other}"),
                };
                text.push_str(resolved);
            }
            Ok(Event::Eof) => break,
            Ok(_) => {}
            Err(e) => panic!("the page is not well-formed at {}: {e}", reader.buffer_position()),
        }
    }
    assert_eq!(depth, 0, "every element is closed");
    (elements, text)
}

#[test]
fn the_coverage_page_parses_and_holds_every_operation() {
    for (spec, name) in [(CLOUD_MANAGER, "page-cm"), (ATLAS, "page-atlas")] {
        let (_, page, _) = run(spec, name, &[]);
        let (elements, text) = parse(&page);
        assert_eq!(elements.first().map(String::as_str), Some("html"));
        assert!(elements.iter().any(|e| e == "style"), "inline CSS");
        for forbidden in ["script", "link", "img", "iframe"] {
            assert!(!elements.iter().any(|e| e == forbidden), "{spec}: no <{forbidden}>: one file, no network");
        }
        assert!(!page.contains("http://") || !page.contains("src="), "nothing loaded from anywhere");
        assert!(!page.contains("@import") && !page.contains("url("), "no external CSS or fonts");
        let spec = Spec::load(&repo(spec)).unwrap();
        let rows = elements.iter().filter(|e| *e == "tr").count();
        assert_eq!(rows, spec.operations.len() + 1, "a header row and one row per operation");
        for op in &spec.operations {
            assert!(text.contains(&op.id), "{}: the page names {}", spec.source, op.id);
        }
        assert!(text.contains("Contract coverage"));
    }
}

#[test]
fn the_page_escapes_names_a_hostile_spec_chose() {
    let dir = tempdir("hostile");
    let spec = dir.join("hostile.json");
    let evil = "</code><script>alert(1)</script>&\"'";
    let doc = serde_json::json!({
        "openapi": "3.0.3", "info": {"title": "t", "version": "1"},
        "paths": {"/x": {"get": {
            "operationId": evil,
            "parameters": [{"name": "<b>q</b>", "in": "query", "schema": {"type": "integer", "maximum": 3}}],
            "responses": {"200": {"description": "ok", "content": {"application/json": {"schema": {"type": "object"}}}}}
        }}}
    });
    std::fs::write(&spec, doc.to_string()).unwrap();
    let (_, page, text) = run(spec.to_str().unwrap(), "hostile-run", &["--coverage"]);
    let _ = std::fs::remove_dir_all(&dir);
    let (elements, content) = parse(&page);
    assert!(!elements.iter().any(|e| e == "script" || e == "b"), "names are text, never markup");
    assert!(content.contains(evil), "the id is shown as written");
    assert!(content.contains("<b>q</b>"));
    assert!(text.contains("coverage"), "{text}");
}

/// The coverage block of the terminal report (from its title to the line after its table).
fn coverage_block(text: &str) -> String {
    let start = text.find("\ncoverage\n").expect("a coverage block") + 1;
    let end = text[start..].find("\n\n").map_or(text.len(), |e| start + e);
    text[start..end].to_owned()
}

#[test]
fn the_terminal_coverage_tables() {
    let (_, _, compact) = run(ATLAS, "compact", &[]);
    let (_, _, full) = run(ATLAS, "full", &["--coverage"]);
    let compact = coverage_block(&compact);
    assert_eq!(
        compact.lines().count(),
        4 + 5,
        "a title, two summary lines, a header and a line per operation:\n{compact}"
    );
    crate::support::snapshots().bind(|| insta::assert_snapshot!("coverage_atlas_compact", compact));
    // The full block runs to the verdict line (`5 of 5 operations tested, …`).
    let start = full.find("\ncoverage\n").unwrap() + 1;
    let verdict = full.find(" operations tested, ").unwrap();
    let end = full[..verdict].rfind("\n\n").unwrap();
    let full = full[start..end].to_owned();
    for op in ["getGroupMaintenanceWindow", "updateGroupMaintenanceWindow", "toggleGroupMaintenanceWindowAutoDefer"] {
        assert!(full.contains(&format!("\n  {op} · ")), "{op} has a detail block:\n{full}");
    }
    crate::support::snapshots().bind(|| insta::assert_snapshot!("coverage_atlas_full", full));
}
