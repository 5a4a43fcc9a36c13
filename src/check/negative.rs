//! Data families: `negative_data_rejection` (an invalid request must not be accepted) and
//! `positive_data_acceptance` (a valid one must not be rejected, where acceptance can be
//! expected).

use super::envelope::Answer;
use super::{CheckContext, CheckName, Exchange, Failure};
use crate::generate::Location;
use crate::spec::ParamLocation;

/// An invalid request answered 2xx. Any 4xx counts as a rejection; a 5xx is
/// `not_a_server_error`'s.
pub fn negative_data_rejection(ex: &Exchange<'_>, answer: &Answer<'_>) -> Option<Failure> {
    let mutation = ex.case.mutation()?;
    if mutation.location == Location::Method || !(200..300).contains(&answer.status) {
        return None;
    }
    Some(Failure::new(
        CheckName::NegativeDataRejection,
        format!(
            "request {} {} was accepted with {}",
            // "with dayOfWeek = 8 (maximum 7)", "where name has 21 characters (maxLength 20)".
            if mutation.description.contains(" = ") { "with" } else { "where" },
            mutation.description,
            answer.status
        ),
        format!("{}:{}", location_key(&mutation.location), mutation.constraint),
    ))
}

fn location_key(location: &Location) -> String {
    match location {
        Location::Path(n) => format!("path.{n}"),
        Location::Query(n) => format!("query.{n}"),
        Location::Header(n) => format!("header.{}", n.to_ascii_lowercase()),
        Location::Cookie(n) => format!("cookie.{n}"),
        Location::Body(p) => format!("body{p}"),
        Location::ContentType => "content-type".to_owned(),
        Location::Method => "method".to_owned(),
    }
}

/// A valid request answered 4xx, when acceptance can be expected. 403 and 429 never count
/// (permissions and rate limits are outside the contract), nor does 401 unless the credentials
/// are known to be good; 404 counts only when every path parameter was pinned to a real value.
pub fn positive_data_acceptance(ctx: &CheckContext, ex: &Exchange<'_>, answer: &Answer<'_>) -> Option<Failure> {
    if !ctx.expect_acceptance || !ex.case.is_valid() || !(400..500).contains(&answer.status) {
        return None;
    }
    if matches!(answer.status, 403 | 429) || (answer.status == 401 && !ctx.trusted_credentials) {
        return None;
    }
    if answer.status == 404 {
        let mut path_params = ex.operation.params_in(ParamLocation::Path).peekable();
        let all_pinned = path_params.peek().is_some() && path_params.all(|p| ctx.pinned.contains(&p.name));
        if !all_pinned {
            return None;
        }
    }
    Some(Failure::new(
        CheckName::PositiveDataAcceptance,
        format!("a request that satisfies the contract was rejected with {}", answer.status),
        answer.status.to_string(),
    ))
}

#[cfg(test)]
mod tests {
    use super::super::envelope::effective;
    use super::super::test_support::*;
    use super::*;
    use serde_json::json;

    #[test]
    fn accepted_invalid_requests_fail_with_their_description() {
        let (spec, mut case) = atlas_case("updateGroupMaintenanceWindow");
        let op = &spec.operations[case.operation];
        case.kind = invalid_described(Location::Body("/dayOfWeek".into()), "maximum", "dayOfWeek = 8 (maximum 7)");
        for (status, fails) in [(200, true), (204, true), (400, false), (404, false), (422, false), (500, false)] {
            let resp = response(status, "application/json", json!({}));
            let ex = exchange(op, &case, &case.request, &resp);
            let got = negative_data_rejection(&ex, &effective(&case.request, &resp));
            assert_eq!(got.is_some(), fails, "{status}");
            if let Some(f) = got {
                assert_eq!(f.message, format!("request with dayOfWeek = 8 (maximum 7) was accepted with {status}"));
                assert_eq!(f.signature, "body/dayOfWeek:maximum");
            }
        }
    }

    #[test]
    fn an_enveloped_rejection_is_a_rejection() {
        let (spec, mut case) = atlas_case("updateGroupMaintenanceWindow");
        let op = &spec.operations[case.operation];
        case.kind = invalid(Location::Body("/dayOfWeek".into()), "maximum");
        let req = request_with_query(&[("envelope", "true")]);
        let resp = response(
            200,
            "application/json",
            json!({"status": 400, "content": {"error": 400, "errorCode": "VALIDATION_ERROR"}}),
        );
        let ex = exchange(op, &case, &req, &resp);
        assert!(negative_data_rejection(&ex, &effective(&req, &resp)).is_none());
    }

    #[test]
    fn valid_requests_must_be_accepted_where_acceptance_is_expected() {
        let (spec, case) = atlas_case("getGroupMaintenanceWindow");
        let op = &spec.operations[case.operation];
        let judge = |ctx: &CheckContext, status: u16| {
            let resp = response(status, "application/json", json!({}));
            let ex = exchange(op, &case, &case.request, &resp);
            positive_data_acceptance(ctx, &ex, &effective(&case.request, &resp)).is_some()
        };
        let mock = CheckContext { expect_acceptance: true, ..CheckContext::default() };
        assert!(judge(&mock, 400) && judge(&mock, 422) && judge(&mock, 409));
        assert!(!judge(&mock, 200) && !judge(&mock, 401) && !judge(&mock, 403) && !judge(&mock, 429));
        assert!(!judge(&mock, 404), "an unpinned id may not exist");
        let pinned =
            CheckContext { expect_acceptance: true, pinned: vec!["groupId".into()], ..CheckContext::default() };
        assert!(judge(&pinned, 404), "a pinned, real id must be found");
        assert!(!judge(&CheckContext::default(), 400), "not expected against an arbitrary target");
    }

    /// Regression: conform's Digest client got 401 for valid requests from the embedded mock
    /// (nonce counts out of order, challenges inside envelopes), and no check said so, because
    /// a 401 usually means the user's credentials are wrong. The embedded mock's credentials
    /// are made for the run: there a 401 to a valid request is a failure.
    #[test]
    fn a_401_counts_where_the_credentials_are_known_to_be_good() {
        let (spec, case) = atlas_case("getGroupMaintenanceWindow");
        let op = &spec.operations[case.operation];
        let resp = response(401, "application/json", json!({}));
        let ex = exchange(op, &case, &case.request, &resp);
        let judge = |ctx: &CheckContext| positive_data_acceptance(ctx, &ex, &effective(&case.request, &resp));
        let user = CheckContext { expect_acceptance: true, ..CheckContext::default() };
        assert!(judge(&user).is_none(), "the user's credentials may be wrong or lack rights");
        let own = CheckContext { trusted_credentials: true, ..user };
        assert_eq!(judge(&own).map(|f| f.signature), Some("401".to_owned()));
    }
}
