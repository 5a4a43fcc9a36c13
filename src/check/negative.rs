//! Data families: `negative_data_rejection` (an invalid request must not be accepted) and
//! `positive_data_acceptance` (a valid one must not be rejected, where acceptance can be
//! expected).

use super::envelope::{Answer, Body};
use super::{CheckContext, CheckName, Exchange, Failure};
use crate::generate::Location;
use crate::spec::{Operation, ParamLocation};

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

/// Whether every path parameter of `op` (at least one) was pinned to a real value.
fn path_pinned(ctx: &CheckContext, op: &Operation) -> bool {
    let mut path_params = op.params_in(ParamLocation::Path).peekable();
    path_params.peek().is_some() && path_params.all(|p| ctx.pinned.contains(&p.name))
}

/// Whether refusing a valid request with `status` may be right whatever the contract says:
/// permissions and rate limits (403, 429), credentials not known to be good (401), and an item
/// that may not exist (404, 410) where not every path parameter was pinned to a real value.
/// Shared by `positive_data_acceptance` and the stateful sequences.
pub fn refusal_excused(ctx: &CheckContext, op: &Operation, status: u16) -> bool {
    matches!(status, 403 | 429)
        || (status == 401 && !ctx.trusted_credentials)
        || (matches!(status, 404 | 410) && !path_pinned(ctx, op))
}

/// Words with which a server refuses for existence, uniqueness, permission or an opaque token
/// it did not issue, not for the shape of the data: `{"dag": ["Invalid pk - object does not
/// exist."]}`, `{"detail": "Invalid page token"}`.
const DATA_DEPENDENT: [&str; 14] = [
    "not exist",
    "n't exist",
    "not found",
    "no such",
    "already exist",
    "already in use",
    "already taken",
    "unique",
    "duplicate",
    "conflict",
    "permission",
    "not authori",
    "token",
    "expired",
];

fn speaks_of_data(answer: &Answer<'_>) -> bool {
    let text = match &answer.body {
        Body::Raw(bytes) => String::from_utf8_lossy(bytes).to_lowercase(),
        Body::Json(v) => v.to_string().to_lowercase(),
        Body::Empty => return false,
    };
    DATA_DEPENDENT.iter().any(|w| text.contains(w))
}

/// A valid request answered 4xx, when acceptance can be expected. See [`refusal_excused`] for
/// the refusals that never count. Against conform's own mock every other refusal is a bug.
/// Against a real server (with `--param` pins) a valid request may still be refused for data
/// conform cannot know (a made-up id in the body, a random foreign key or page token, a
/// repeated create, a pinned item its own PATCH renamed): only a validation refusal counts
/// there (400 or 422 whose body does not speak of existence, uniqueness, permission or a
/// token), on an operation whose every path parameter was pinned (pinning one header does
/// not vouch for the rest).
pub fn positive_data_acceptance(ctx: &CheckContext, ex: &Exchange<'_>, answer: &Answer<'_>) -> Option<Failure> {
    if !ctx.expect_acceptance || !ex.case.is_valid() || !(400..500).contains(&answer.status) {
        return None;
    }
    if refusal_excused(ctx, ex.operation, answer.status) {
        return None;
    }
    if !ctx.reference_target
        && (!path_pinned(ctx, ex.operation) || !matches!(answer.status, 400 | 422) || speaks_of_data(answer))
    {
        return None;
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
    use serde_json::{Value, json};

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
        let mock = CheckContext { expect_acceptance: true, reference_target: true, ..CheckContext::default() };
        assert!(judge(&mock, 400) && judge(&mock, 422) && judge(&mock, 409));
        assert!(!judge(&mock, 200) && !judge(&mock, 401) && !judge(&mock, 403) && !judge(&mock, 429));
        assert!(!judge(&mock, 404), "an unpinned id may not exist");
        let pinned = CheckContext { pinned: vec!["groupId".into()], ..mock.clone() };
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
        let user = CheckContext { expect_acceptance: true, reference_target: true, ..CheckContext::default() };
        assert!(judge(&user).is_none(), "the user's credentials may be wrong or lack rights");
        let own = CheckContext { trusted_credentials: true, ..user };
        assert_eq!(judge(&own).map(|f| f.signature), Some("401".to_owned()));
    }

    /// Regression (issue 11, class 4): against a real server a valid request may be refused
    /// for existence, uniqueness or permission (a repeated create, a made-up id in the body, a
    /// random foreign key or page token, a pinned item renamed by conform's own PATCH). Only a
    /// validation refusal counts, and only on operations whose path is pinned.
    #[test]
    fn against_a_real_server_only_validation_refusals_count() {
        let (spec, case) = atlas_case("updateGroupMaintenanceWindow");
        let op = &spec.operations[case.operation];
        let real = CheckContext { expect_acceptance: true, pinned: vec!["groupId".into()], ..CheckContext::default() };
        let judge = |ctx: &CheckContext, status: u16, body: Value| {
            let resp = response(status, "application/json", body);
            let ex = exchange(op, &case, &case.request, &resp);
            positive_data_acceptance(ctx, &ex, &effective(&case.request, &resp)).is_some()
        };
        // Correct behaviour of a server with data conform does not know.
        assert!(!judge(&real, 409, json!({"detail": "Pool already exists"})));
        assert!(!judge(&real, 404, json!({"detail": "DAG not found"})));
        assert!(!judge(&real, 400, json!({"dag": ["Invalid pk \"123\" - object does not exist."]})));
        assert!(!judge(&real, 400, json!({"detail": "Invalid page token"})));
        assert!(!judge(&real, 400, json!({"detail": "Key (name)=(x) violates unique constraint"})));
        // The real break: valid data refused by validation.
        assert!(judge(
            &real,
            422,
            json!({"detail": [{"loc": ["body", "hourOfDay"], "msg": "value is not a valid integer"}]})
        ));
        assert!(judge(&real, 400, json!({"hourOfDay": ["Ensure this value is less than or equal to 23."]})));
        // A pinned header vouches for no path: the check stays off where the path is not pinned.
        let header_only = CheckContext { pinned: vec!["X-Api-Version".into()], ..real.clone() };
        assert!(!judge(&header_only, 422, json!({"detail": "invalid"})));
        // The embedded mock knows its data: every other refusal is a bug there.
        let mock = CheckContext { expect_acceptance: true, reference_target: true, ..CheckContext::default() };
        assert!(judge(&mock, 409, json!({})) && judge(&mock, 400, json!({"detail": "object does not exist"})));
    }
}
