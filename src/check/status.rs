//! Status families: `not_a_server_error` and `status_code_conformance`.

use super::envelope::Answer;
use super::{CheckName, Exchange, Failure};
use crate::generate::Location;
use crate::spec::StatusSpec;

/// Any 5xx.
pub(super) fn not_a_server_error(answer: &Answer<'_>) -> Option<Failure> {
    (answer.status >= 500).then(|| {
        Failure::new(
            CheckName::NotAServerError,
            format!("the server answered {}", answer.status),
            answer.status.to_string(),
        )
    })
}

/// Protocol-level rejections an API rarely documents, tolerated for requests broken in the way
/// they name: 415 for a wrong Content-Type or body, 406 and 413 likewise.
fn tolerated_protocol_rejection(ex: &Exchange<'_>, status: u16) -> bool {
    let Some(mutation) = ex.case.mutation() else { return false };
    let body_level = matches!(&mutation.location, Location::ContentType)
        || matches!(&mutation.location, Location::Body(p) if p.is_empty());
    body_level && matches!(status, 406 | 413 | 415)
}

/// A 4xx rejecting a request that violates the contract, from an operation that does not
/// document how it rejects invalid data: no 400, 422, `4XX` or `default` (Twilio documents its
/// successes and, at most, a 408 timeout). The spec then says nothing about how such a request
/// is answered, and `negative_data_rejection` demands a 4xx: holding the status to the
/// documented ones too would leave a conforming server no right answer.
fn undocumented_rejection_of_an_invalid_request(ex: &Exchange<'_>, status: u16) -> bool {
    ex.case.mutation().is_some()
        && (400..500).contains(&status)
        && !ex.operation.responses.iter().any(|r| match r.status {
            StatusSpec::Code(c) => matches!(c, 400 | 422),
            StatusSpec::Range(d) => d == 4,
            StatusSpec::Default => true,
        })
}

/// The status must be documented: an exact code, an `NXX` range or `default`.
pub(super) fn status_code_conformance(ex: &Exchange<'_>, answer: &Answer<'_>) -> Option<Failure> {
    if ex.operation.response_for(answer.status).is_some()
        || tolerated_protocol_rejection(ex, answer.status)
        || undocumented_rejection_of_an_invalid_request(ex, answer.status)
    {
        return None;
    }
    let documented: Vec<String> = ex.operation.responses.iter().map(|r| r.status.to_string()).collect();
    Some(Failure::new(
        CheckName::StatusCodeConformance,
        format!(
            "answered {}, which is not documented for {} (documented: {})",
            answer.status,
            ex.operation.id,
            if documented.is_empty() { "none".to_owned() } else { documented.join(", ") }
        ),
        answer.status.to_string(),
    ))
}

#[cfg(test)]
mod tests {
    use super::super::envelope::effective;
    use super::super::test_support::*;
    use super::*;
    use crate::generate::CaseKind;
    use serde_json::json;

    #[test]
    fn server_errors_fail_whatever_the_spec_says() {
        let (spec, case) = atlas_case("getGroupMaintenanceWindow");
        let resp = response(500, "application/json", json!({"error": 500, "errorCode": "UNEXPECTED_ERROR"}));
        let a = effective(&case.request, &resp);
        assert!(not_a_server_error(&a).is_some(), "500 is documented for Atlas, and still a failure");
        let ok = response(200, "application/vnd.atlas.2023-01-01+json", json!({"dayOfWeek": 1}));
        assert!(not_a_server_error(&effective(&case.request, &ok)).is_none());
        let _ = spec;
    }

    #[test]
    fn undocumented_statuses_fail_and_documented_ones_pass() {
        let (spec, case) = atlas_case("getGroupMaintenanceWindow");
        let op = &spec.operations[case.operation];
        for (status, fails) in [(200, false), (404, false), (500, false), (201, true), (418, true), (302, true)] {
            let resp = response(status, "application/json", json!({}));
            let ex = exchange(op, &case, &case.request, &resp);
            assert_eq!(status_code_conformance(&ex, &effective(&case.request, &resp)).is_some(), fails, "{status}");
        }
        let failure = status_code_conformance(
            &exchange(op, &case, &case.request, &response(418, "text/plain", json!("x"))),
            &effective(&case.request, &response(418, "text/plain", json!("x"))),
        )
        .unwrap();
        assert_eq!(
            failure.message,
            "answered 418, which is not documented for getGroupMaintenanceWindow (documented: 200, 400, 401, 403, 404, 500)"
        );
    }

    #[test]
    fn protocol_rejections_of_a_broken_body_are_tolerated() {
        let (spec, mut case) = atlas_case("updateGroupMaintenanceWindow");
        let op = &spec.operations[case.operation];
        case.kind = invalid(Location::ContentType, "content_type");
        let resp = response(415, "application/json", json!({"error": 415, "errorCode": "UNSUPPORTED_MEDIA_TYPE"}));
        let ex = exchange(op, &case, &case.request, &resp);
        assert!(status_code_conformance(&ex, &effective(&case.request, &resp)).is_none());
        case.kind = invalid(Location::Body("/dayOfWeek".into()), "maximum");
        let ex = exchange(op, &case, &case.request, &resp);
        assert!(
            status_code_conformance(&ex, &effective(&case.request, &resp)).is_some(),
            "415 for a bad field is not protocol-level"
        );
    }

    /// Regression: Twilio documents only successes (and, on some operations, a 408). An invalid request must be rejected with a
    /// 4xx (`negative_data_rejection`), so that 4xx cannot also be a `status_code_conformance`
    /// failure; a valid request answered 400, or an invalid one answered 3xx, still is, and an
    /// operation that documents its client errors is still held to them.
    #[test]
    fn a_4xx_for_an_invalid_request_is_allowed_where_no_client_error_is_documented() {
        let spec = load_inline(json!({
            "openapi": "3.0.3", "info": {"title": "t", "version": "1"},
            "paths": {
                "/only-success": {"get": {"responses": {"200": {"description": "ok"}}}},
                "/with-400": {"get": {"responses": {"200": {"description": "ok"}, "400": {"description": "bad"}}}},
                "/with-408": {"get": {"responses": {"200": {"description": "ok"}, "408": {"description": "timeout"}}}}
            }
        }));
        let judge = |op: usize, kind: Option<CaseKind>, status: u16| {
            let mut case = valid_case(op);
            if let Some(kind) = kind {
                case.kind = kind;
            }
            let resp = raw_response(status, None, b"");
            let ex = exchange(&spec.operations[op], &case, &case.request, &resp);
            status_code_conformance(&ex, &effective(&case.request, &resp)).is_some()
        };
        let bad_query = || Some(invalid(Location::Query("PageSize".into()), "minimum"));
        assert!(!judge(0, bad_query(), 400));
        assert!(!judge(0, bad_query(), 422));
        assert!(judge(0, bad_query(), 302), "not a rejection");
        assert!(judge(0, None, 400), "a valid request answered 400 is still undocumented");
        assert!(judge(1, bad_query(), 422), "the operation documents how it rejects: 400");
        assert!(!judge(1, bad_query(), 400));
        assert!(!judge(2, bad_query(), 400), "a documented timeout says nothing about rejections");
    }
}
