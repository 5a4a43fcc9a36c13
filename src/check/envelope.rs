//! `envelope=true`: Atlas and Cloud Manager wrap an answer as HTTP 200
//! `{"status": <real status>, "content": <real body>}` for clients that cannot read status codes
//! (list endpoints add `status` beside `results` instead). Every other check reads the real
//! status and body from inside the envelope; this family checks the wrapping itself.

use super::{CheckName, Exchange, Failure};
pub use crate::model::envelope::{Answer, Body, effective, effective_status_is};

/// `envelope_conformance`: with `envelope=true`, the answer must be HTTP 200 with an envelope.
pub fn check(ex: &Exchange<'_>, answer: &Answer<'_>) -> Option<Failure> {
    if !ex.request.wants_envelope() || ex.response.truncated {
        return None;
    }
    let fail = |message: String, way: &str| Some(Failure::new(CheckName::EnvelopeConformance, message, way));
    // Authentication happens before the operation: its refusal need not be wrapped.
    if ex.response.status == 401 || (ex.probe.is_some() && ex.response.status == 403) {
        return None;
    }
    if ex.response.status != 200 {
        return fail(
            format!(
                "with envelope=true the answer was HTTP {}, expected 200 with {{\"status\", \"content\"}}",
                ex.response.status
            ),
            "http_status",
        );
    }
    if !answer.enveloped {
        return fail(
            "with envelope=true the body is not an envelope: expected a JSON object with an integer `status` and the real body as `content`".to_owned(),
            "not_enveloped",
        );
    }
    if answer.status == 204 && matches!(answer.body, Body::Json(_)) {
        return fail(
            "the envelope of a 204 answer carries `content`, but a 204 has no body".to_owned(),
            "content_on_204",
        );
    }
    None
}

#[cfg(test)]
mod tests {
    use super::super::test_support::*;
    use super::*;
    use serde_json::json;

    #[test]
    fn unwraps_single_results_and_lists() {
        let req = request_with_query(&[("envelope", "true")]);
        let resp = response(200, "application/json", json!({"status": 400, "content": {"error": 400}}));
        let a = effective(&req, &resp);
        assert_eq!((a.status, a.body.clone(), a.enveloped), (400, Body::Json(json!({"error": 400})), true));
        let resp = response(200, "application/json", json!({"status": 204}));
        assert_eq!(effective(&req, &resp).body, Body::Empty);
        let resp = response(200, "application/json", json!({"status": 200, "results": [], "totalCount": 0}));
        assert_eq!(effective(&req, &resp).body, Body::Json(json!({"results": [], "totalCount": 0})));
        // Without envelope=true nothing is unwrapped, however the body looks.
        for (body, code) in [
            (json!({"status": 401, "content": {}}), 401),
            (json!({"status": 400, "content": {"detail": "401"}}), 400),
            (json!({"status": 204}), 204),
            (json!({"detail": "not an envelope"}), 200),
        ] {
            let resp = response(200, "application/json", body);
            for probe in [200, 204, 400, 401, 403] {
                assert_eq!(effective_status_is(&req, &resp, probe), probe == code, "{probe} {code}");
            }
        }
        let plain = request_with_query(&[]);
        let resp = response(200, "application/json", json!({"status": 400, "content": {}}));
        assert_eq!(effective(&plain, &resp).status, 200);
    }

    #[test]
    fn envelope_conformance_fires_on_unwrapped_or_non_200_answers() {
        let (spec, case) = atlas_case("getGroupMaintenanceWindow");
        let op = &spec.operations[case.operation];
        let req = request_with_query(&[("envelope", "true")]);
        let good =
            response(200, "application/vnd.atlas.2023-01-01+json", json!({"status": 200, "content": {"dayOfWeek": 1}}));
        let ex = exchange(op, &case, &req, &good);
        assert_eq!(check(&ex, &effective(&req, &good)), None);
        let ignored = response(200, "application/vnd.atlas.2023-01-01+json", json!({"dayOfWeek": 1}));
        let ex = exchange(op, &case, &req, &ignored);
        assert_eq!(check(&ex, &effective(&req, &ignored)).map(|f| f.signature), Some("not_enveloped".to_owned()));
        let not_200 = response(400, "application/json", json!({"status": 400, "content": {}}));
        let ex = exchange(op, &case, &req, &not_200);
        assert_eq!(check(&ex, &effective(&req, &not_200)).map(|f| f.signature), Some("http_status".to_owned()));
    }

    /// Regression (issue 11, class 1): a 401 to a request without (or with wrong) credentials
    /// is the authentication layer's, before the operation: it need not be enveloped. Any
    /// other unwrapped answer still fails.
    #[test]
    fn an_authentication_refusal_need_not_be_enveloped() {
        let (spec, case) = atlas_case("getGroupMaintenanceWindow");
        let op = &spec.operations[case.operation];
        let req = request_with_query(&[("envelope", "true")]);
        let judge = |status: u16, probe: Option<crate::check::AuthProbe>| {
            let resp = response(status, "application/json", json!({"error": status}));
            let mut ex = exchange(op, &case, &req, &resp);
            ex.probe = probe;
            check(&ex, &effective(&req, &resp)).map(|f| f.signature)
        };
        for probe in [crate::check::AuthProbe::NoCredentials, crate::check::AuthProbe::WrongCredentials] {
            assert_eq!(judge(401, Some(probe)), None);
            assert_eq!(judge(403, Some(probe)), None);
            assert_eq!(judge(400, Some(probe)).as_deref(), Some("http_status"), "not an authentication refusal");
        }
        assert_eq!(judge(401, None), None, "a 401 is authentication's whoever asked");
        assert_eq!(judge(403, None).as_deref(), Some("http_status"), "a 403 to a valid request is the operation's");
        assert_eq!(judge(404, None).as_deref(), Some("http_status"));
    }
}
