//! `unsupported_method`: an undocumented method on a documented path must get 405 (or 404), a
//! 405 must carry an `Allow` header listing the path's documented methods (RFC 9110 §15.5.6),
//! and an `OPTIONS` answer that carries `Allow` must list them too.

use super::envelope::Answer;
use super::{CheckContext, CheckName, Exchange, Failure};
use crate::generate::{Case, Location};
use crate::spec::Method;

/// Whether a case probes an undocumented method rather than the operation itself.
pub(super) fn is_method_probe(case: &Case) -> bool {
    case.mutation().is_some_and(|m| m.location == Location::Method)
}

/// Whether a case is the `OPTIONS` probe of its path (never one of the undocumented methods
/// probed for 405, which are GET, PUT, POST, DELETE and PATCH).
pub(super) fn is_options_probe(case: &Case) -> bool {
    is_method_probe(case) && case.request.method == Method::Options
}

/// The methods listed by an `Allow` value, upper-cased.
fn allowed(value: &str) -> Vec<String> {
    value.split(',').map(|m| m.trim().to_ascii_uppercase()).filter(|m| !m.is_empty()).collect()
}

/// The documented methods of the probed path that `allow` leaves out. Where the request's path
/// also matches other path templates (`/load/{groupId}` beside `/load/{datasetId}`), the
/// server may have routed it to any of them: an `Allow` that covers one of them in full is
/// complete.
fn left_out(ctx: &CheckContext, ex: &Exchange<'_>, allow: &str) -> Vec<Method> {
    let listed = allowed(allow);
    let missing = |documented: &[Method]| -> Vec<Method> {
        documented.iter().copied().filter(|m| !listed.iter().any(|l| l == m.as_str())).collect()
    };
    let own = match ctx.path_methods.get(&ex.operation.path) {
        Some(methods) => missing(methods),
        None => missing(std::slice::from_ref(&ex.operation.method)),
    };
    if own.is_empty() {
        return own;
    }
    let covered_elsewhere = ctx.path_methods.iter().any(|(path, methods)| {
        *path != ex.operation.path
            && crate::spec::PathTemplate::parse(path).matches(&ex.request.path).is_some()
            && missing(methods).is_empty()
    });
    if covered_elsewhere { Vec::new() } else { own }
}

fn names(methods: &[Method]) -> String {
    methods.iter().map(|m| m.as_str()).collect::<Vec<_>>().join(", ")
}

pub(super) fn unsupported_method(ctx: &CheckContext, ex: &Exchange<'_>, answer: &Answer<'_>) -> Option<Failure> {
    if !is_method_probe(ex.case) || answer.status >= 500 {
        return None;
    }
    let (method, path) = (ex.request.method, &ex.operation.path);
    let allow = ex.response.header("allow");
    if is_options_probe(ex.case) {
        // Not offering OPTIONS is no break; offering it with an `Allow` that omits a
        // documented method is.
        let allow = allow.filter(|_| (200..300).contains(&answer.status))?;
        let missing = left_out(ctx, ex, allow);
        return (!missing.is_empty()).then(|| {
            Failure::new(
                CheckName::UnsupportedMethod,
                format!("OPTIONS {path} was answered Allow: {allow}, which leaves out documented {}", names(&missing)),
                "OPTIONS:allow_incomplete",
            )
        });
    }
    match answer.status {
        404 => None,
        405 => {
            let Some(allow) = allow else {
                return Some(Failure::new(
                    CheckName::UnsupportedMethod,
                    format!("{method} {path} was answered 405 without an Allow header (RFC 9110 §15.5.6 requires one)"),
                    "405:allow_missing",
                ));
            };
            if allowed(allow).iter().any(|m| m == method.as_str()) {
                return Some(Failure::new(
                    CheckName::UnsupportedMethod,
                    format!("{method} {path} was answered 405 with Allow: {allow}, which lists {method} itself"),
                    "405:allow_lists_refused",
                ));
            }
            let missing = left_out(ctx, ex, allow);
            (!missing.is_empty()).then(|| {
                Failure::new(
                    CheckName::UnsupportedMethod,
                    format!(
                        "{method} {path} was answered 405 with Allow: {allow}, which leaves out documented {}",
                        names(&missing)
                    ),
                    "405:allow_incomplete",
                )
            })
        }
        status => Some(Failure::new(
            CheckName::UnsupportedMethod,
            format!("{method} {path} is not documented, and was answered {status} instead of 405"),
            format!("{method}:{}", status / 100),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::super::envelope::effective;
    use super::super::test_support::*;
    use super::*;
    use serde_json::json;

    fn ctx() -> CheckContext {
        let spec = atlas();
        CheckContext { path_methods: crate::check::path_methods(&spec), ..CheckContext::default() }
    }

    #[test]
    fn undocumented_methods_must_get_405_or_404() {
        let (spec, mut case) = atlas_case("getGroupMaintenanceWindow");
        let op = &spec.operations[case.operation];
        case.kind = invalid(Location::Method, "method");
        case.request.method = Method::Put;
        let allow = "GET, PATCH, DELETE";
        for (status, fails) in [(405, false), (404, false), (200, true), (400, true), (500, false)] {
            let resp = response(status, "application/json", json!({})).with_header("allow", allow);
            let ex = exchange(op, &case, &case.request, &resp);
            assert_eq!(unsupported_method(&ctx(), &ex, &effective(&case.request, &resp)).is_some(), fails, "{status}");
        }
        let (_, valid) = atlas_case("getGroupMaintenanceWindow");
        let resp = response(200, "application/json", json!({}));
        assert!(
            unsupported_method(&ctx(), &exchange(op, &valid, &valid.request, &resp), &effective(&valid.request, &resp))
                .is_none()
        );
    }

    /// Issue 19, item 1: RFC 9110 §15.5.6 says a 405 MUST carry `Allow` with the resource's
    /// methods. A 405 without it, or one whose `Allow` omits a documented method or lists the
    /// refused one, fails; a complete `Allow` (extra methods such as HEAD included) passes.
    #[test]
    fn a_405_must_carry_an_allow_header_with_the_documented_methods() {
        let (spec, mut case) = atlas_case("getGroupMaintenanceWindow");
        let op = &spec.operations[case.operation];
        case.kind = invalid(Location::Method, "method");
        case.request.method = Method::Put;
        let judge = |allow: Option<&str>| {
            let mut resp = response(405, "application/json", json!({}));
            if let Some(a) = allow {
                resp = resp.with_header("Allow", a);
            }
            let ex = exchange(op, &case, &case.request, &resp);
            unsupported_method(&ctx(), &ex, &effective(&case.request, &resp)).map(|f| f.signature)
        };
        assert_eq!(judge(None).as_deref(), Some("405:allow_missing"));
        assert_eq!(judge(Some("GET, PATCH, DELETE")), None);
        assert_eq!(judge(Some("get,patch , delete, HEAD, OPTIONS")), None, "case and spacing do not matter");
        assert_eq!(judge(Some("GET")).as_deref(), Some("405:allow_incomplete"));
        assert_eq!(judge(Some("GET, PATCH, DELETE, PUT")).as_deref(), Some("405:allow_lists_refused"));
        let message = {
            let resp = response(405, "application/json", json!({}));
            let ex = exchange(op, &case, &case.request, &resp);
            unsupported_method(&ctx(), &ex, &effective(&case.request, &resp)).unwrap().message
        };
        assert!(message.contains("without an Allow header"), "{message}");
    }

    /// Two templates of one shape (the 2023 Atlas spec: `POST /load/{groupId}` beside
    /// `GET /load/{datasetId}`): a request on that shape may be routed to either, so an `Allow`
    /// that covers either one is complete; one that covers neither is still incomplete.
    #[test]
    fn an_allow_covering_any_template_the_path_matches_is_complete() {
        let ok = json!({"200": {"description": "ok"}});
        let spec = load_inline(json!({"openapi": "3.0.3", "info": {"title": "t", "version": "1"}, "paths": {
            "/load/{datasetId}": {"get": {"parameters": [{"name": "datasetId", "in": "path", "required": true,
                "schema": {"type": "string"}}], "responses": ok}},
            "/load/{groupId}": {"post": {"parameters": [{"name": "groupId", "in": "path", "required": true,
                "schema": {"type": "string"}}], "responses": ok}}
        }}));
        let ctx = CheckContext { path_methods: crate::check::path_methods(&spec), ..CheckContext::default() };
        let get = spec.operations.iter().position(|o| o.method == Method::Get).unwrap();
        let mut case = valid_case(get);
        case.kind = invalid(Location::Method, "method");
        case.request.method = Method::Put;
        case.request.path = "/load/abc".into();
        let judge = |allow: &str| {
            let resp = response(405, "application/json", json!({})).with_header("Allow", allow);
            let ex = exchange(&spec.operations[get], &case, &case.request, &resp);
            unsupported_method(&ctx, &ex, &effective(&case.request, &resp)).map(|f| f.signature)
        };
        assert_eq!(judge("POST"), None, "routed to the twin template");
        assert_eq!(judge("GET"), None);
        assert_eq!(judge("DELETE").as_deref(), Some("405:allow_incomplete"));
    }

    /// Issue 19, item 1: an `OPTIONS` answer is judged only when it offers `Allow`.
    #[test]
    fn an_options_answer_with_allow_must_list_the_documented_methods() {
        let (spec, mut case) = atlas_case("getGroupMaintenanceWindow");
        let op = &spec.operations[case.operation];
        case.kind = invalid(Location::Method, "method");
        case.request.method = Method::Options;
        let judge = |status: u16, allow: Option<&str>| {
            let mut resp = raw_response(status, None, b"");
            if let Some(a) = allow {
                resp = resp.with_header("Allow", a);
            }
            let ex = exchange(op, &case, &case.request, &resp);
            unsupported_method(&ctx(), &ex, &effective(&case.request, &resp)).map(|f| f.signature)
        };
        assert_eq!(judge(200, Some("GET, PATCH, DELETE, OPTIONS")), None);
        assert_eq!(judge(204, Some("GET, OPTIONS")).as_deref(), Some("OPTIONS:allow_incomplete"));
        assert_eq!(judge(200, None), None, "no Allow: nothing offered to judge");
        assert_eq!(judge(405, Some("GET")), None, "OPTIONS not offered");
        assert_eq!(judge(404, None), None);
    }
}
