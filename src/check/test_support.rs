//! Small builders for check tests: a loaded Atlas spec, cases and answers.

use super::{Exchange, Response};
use crate::generate::{Case, CaseKind, CaseOrigin, Location, Mutation, Request};
use crate::spec::{Method, Operation, Spec};
use serde_json::Value;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

pub(crate) fn atlas() -> Arc<Spec> {
    static SPEC: OnceLock<Arc<Spec>> = OnceLock::new();
    SPEC.get_or_init(|| {
        Arc::new(
            Spec::load(&format!("{}/specs/atlas-maintenance-window.yaml", env!("CARGO_MANIFEST_DIR")))
                .expect("atlas spec"),
        )
    })
    .clone()
}

pub(crate) fn load_inline(doc: Value) -> Spec {
    Spec::from_value("inline.yaml", doc).expect("inline spec")
}

pub(crate) fn request_with_query(query: &[(&str, &str)]) -> Request {
    Request {
        method: Method::Get,
        path: "/api/atlas/v2/groups/32b6e34b3d91647abb20e7b8/maintenanceWindow".into(),
        query: query.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(),
        headers: Vec::new(),
        cookies: Vec::new(),
        content_type: None,
        body: None,
    }
}

pub(crate) fn valid_case(operation: usize) -> Case {
    Case {
        operation,
        index: 0,
        kind: CaseKind::Valid,
        origin: CaseOrigin::Boundary,
        seed: None,
        request: request_with_query(&[]),
        edge: None,
    }
}

/// A valid case for an Atlas operation, and the spec it belongs to.
pub(crate) fn atlas_case(id: &str) -> (Arc<Spec>, Case) {
    let spec = atlas();
    let index = spec.operations.iter().position(|o| o.id == id).expect("operation");
    let mut case = valid_case(index);
    case.request.method = spec.operations[index].method;
    (spec, case)
}

pub(crate) fn invalid(location: Location, constraint: &str) -> CaseKind {
    invalid_described(location, constraint, "a broken value")
}

pub(crate) fn invalid_described(location: Location, constraint: &str, description: &str) -> CaseKind {
    CaseKind::Invalid(Mutation { location, constraint: constraint.into(), description: description.into() })
}

pub(crate) fn raw_response(status: u16, content_type: Option<&str>, body: &[u8]) -> Response {
    Response {
        status,
        headers: content_type.map(|ct| vec![("content-type".to_owned(), ct.to_owned())]).unwrap_or_default(),
        body: body.to_vec(),
        truncated: false,
        elapsed: Duration::from_millis(1),
    }
}

pub(crate) fn response(status: u16, content_type: &str, body: Value) -> Response {
    raw_response(status, Some(content_type), &serde_json::to_vec(&body).expect("json"))
}

pub(crate) fn exchange<'a>(
    op: &'a Operation,
    case: &'a Case,
    request: &'a Request,
    response: &'a Response,
) -> Exchange<'a> {
    Exchange { operation: op, case, request, response, probe: None }
}

impl Response {
    /// The same answer with one more header (name lower-cased, as received).
    pub fn with_header(mut self, name: &str, value: &str) -> Response {
        self.headers.push((name.to_ascii_lowercase(), value.to_owned()));
        self
    }
}
