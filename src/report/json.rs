//! The JSON run report (`--report FILE.json`, `--format json`), as the README's "JSON report"
//! fixes it. Fields are only ever added: `count`, `shrunk`, `case`, `expected`, `steps` and `side` extend each failure;
//! `coverage` is a section of its own.

use super::view::{self, FindingView, RequestView, ResponseView};
use crate::model::RunReport;
use serde_json::{Map, Value, json};

fn headers(pairs: &[(String, String)]) -> Value {
    let mut map = Map::new();
    for (k, v) in pairs {
        match map.get_mut(k) {
            Some(Value::String(existing)) => {
                existing.push_str(", ");
                existing.push_str(v);
            }
            _ => {
                map.insert(k.clone(), Value::String(v.clone()));
            }
        }
    }
    Value::Object(map)
}

fn request(r: &RequestView) -> Value {
    json!({"method": r.method, "url": r.url, "headers": headers(&r.headers), "body": r.body})
}

fn response(r: &Option<ResponseView>) -> Value {
    match r {
        Some(r) => json!({"status": r.status, "headers": headers(&r.headers), "body": r.body}),
        None => Value::Null,
    }
}

fn failure(f: &FindingView, seed: u64) -> Value {
    json!({
        "check": f.check,
        "side": f.check.parse::<crate::model::CheckName>().map_or("server", crate::model::CheckName::side),
        "severity": f.severity,
        "operation": f.operation,
        "message": f.message,
        "expected": f.expected,
        "count": f.count,
        "shrunk": f.shrunk,
        "case": f.case,
        "request": request(&f.request),
        "response": response(&f.response),
        "reproduce": f.reproduce,
        "seed": seed,
        "steps": f.steps.iter().map(|s| json!({"request": request(&s.request), "response": response(&s.response), "reproduce": s.reproduce})).collect::<Vec<_>>(),
    })
}

/// The report as a JSON value.
pub fn value(report: &RunReport) -> Value {
    let r = crate::model::redact::Redactor::new(&report.secrets);
    let internal_errors: Vec<String> = report.internal_errors.iter().map(|e| r.text(e)).collect();
    json!({
        "conform_version": env!("CARGO_PKG_VERSION"),
        "spec": report.spec,
        "target": report.target,
        "seed": report.seed,
        "stats": report.stats,
        "operations": report.operations,
        "skipped_operations": report.stats.skipped_operations,
        "failures": view::findings(report).iter().map(|f| failure(f, report.seed)).collect::<Vec<_>>(),
        "spec_findings": report.spec_findings,
        "internal_errors": internal_errors,
        "warnings": report.warnings.iter().map(|w| r.text(w)).collect::<Vec<_>>(),
        "errors": report.errors.iter().map(|e| r.text(e)).collect::<Vec<_>>(),
        "coverage": coverage(report, &r),
    })
}

/// The `coverage` section: totals, then every operation with its gaps. Names come from the
/// spec; only undocumented media types come from the server, and they go through the redactor.
pub fn coverage(report: &RunReport, r: &crate::model::redact::Redactor) -> Value {
    let operations: Vec<Value> = report
        .coverage
        .operations
        .iter()
        .map(|op| {
            let mut value = serde_json::to_value(op).unwrap_or(Value::Null);
            if let Some(map) = value.as_object_mut() {
                let media: Map<String, Value> =
                    op.undocumented_media_types.iter().map(|(k, n)| (r.text(k), Value::from(*n))).collect();
                map.insert("undocumented_media_types".into(), Value::Object(media));
                map.insert("gaps".into(), json!(op.gaps()));
            }
            value
        })
        .collect();
    json!({"summary": report.coverage.summary(), "operations": operations})
}

/// The report as pretty JSON text.
pub fn render(report: &RunReport) -> String {
    serde_json::to_string_pretty(&value(report)).unwrap_or_default()
}
