//! Data families: `negative_data_rejection` (an invalid request must not be accepted) and
//! `positive_data_acceptance` (a valid one must not be rejected, where acceptance can be
//! expected).

use super::envelope::Answer;
use super::refusal::{body_text, data_words, path_pinned};
use super::{CheckContext, CheckName, Exchange, Failure};
use crate::generate::Location;
use crate::spec::{Operation, ParamLocation};

/// An invalid request answered 2xx. Any 4xx counts as a rejection; a 5xx is
/// `not_a_server_error`'s.
pub(super) fn negative_data_rejection(ex: &Exchange<'_>, answer: &Answer<'_>) -> Option<Failure> {
    let mutation = ex.case.mutation()?;
    if mutation.location == Location::Method || !(200..300).contains(&answer.status) {
        return None;
    }
    let message = format!(
        "request {} {} was accepted with {}",
        // "with dayOfWeek = 8 (maximum 7)", "where name has 21 characters (maxLength 20)".
        if mutation.description.contains(" = ") { "with" } else { "where" },
        mutation.description,
        answer.status
    );
    let signature = format!("{}:{}", location_key(&mutation.location), mutation.constraint);
    let read_as = match mutation.constraint.as_str() {
        "type" => coerced_valid(ex).or_else(|| coerced_param(ex)).map(|v| format!("the valid {v}")),
        "nullable" => null_left_out(ex).then(|| "left out".to_owned()),
        _ => None,
    };
    if let Some(read_as) = read_as {
        return Some(Failure::warning(
            CheckName::TypeCoercionAccepted,
            format!("{message}, read as {read_as}"),
            signature,
        ));
    }
    Some(Failure::new(CheckName::NegativeDataRejection, message, signature))
}

/// `null` for an optional member is the member left out, as pydantic (`Optional[...] = None`)
/// and colander read it, like `null` for an optional body: true when the body sent, with the
/// `null` member removed, is valid. A required member (removing it breaks the body) stays a
/// failure.
fn null_left_out(ex: &Exchange<'_>) -> bool {
    let Some(Location::Body(pointer)) = ex.case.mutation().map(|m| &m.location) else { return false };
    let Some((parent, key)) = pointer.rsplit_once('/') else { return false };
    let Some(body) = ex.request.json_body() else { return false };
    if crate::spec::pointer::get(body, pointer).is_none_or(|v| !v.is_null()) {
        return false;
    }
    let mut fixed = body.clone();
    let key = key.replace("~1", "/").replace("~0", "~");
    let removed = match fixed.pointer_mut(parent) {
        Some(serde_json::Value::Object(members)) => members.remove(&key).is_some(),
        _ => false,
    };
    let schema = ex.operation.request_body.as_ref().and_then(|rb| rb.content.iter().find(|m| m.is_json()));
    removed && schema.and_then(|m| m.schema.as_ref()).is_some_and(|s| s.is_valid(&fixed))
}

/// The parameter form of [`coerced_valid`]: a query, header or cookie value is text on the
/// wire, and frameworks read `1` as `true` and `"7"` as 7. The value it was read as, when one
/// validates against the parameter's schema.
fn coerced_param(ex: &Exchange<'_>) -> Option<serde_json::Value> {
    let (location, name) = match &ex.case.mutation()?.location {
        Location::Query(n) => (ParamLocation::Query, n),
        Location::Header(n) => (ParamLocation::Header, n),
        Location::Cookie(n) => (ParamLocation::Cookie, n),
        _ => return None,
    };
    let find = |pairs: &[(String, String)]| {
        let mut values = pairs.iter().filter(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.clone());
        // One value only: an array parameter is not a scalar read leniently.
        let first = values.next();
        if values.next().is_some() { None } else { first }
    };
    let sent = match location {
        ParamLocation::Query => find(&ex.request.query),
        ParamLocation::Header => find(&ex.request.headers),
        _ => find(&ex.request.cookies),
    }?;
    let param = ex.operation.parameters.iter().find(|p| p.location == location && p.name.eq_ignore_ascii_case(name))?;
    let schema = param.schema.as_ref()?;
    coercions(&serde_json::Value::String(sent)).into_iter().find(|candidate| schema.is_valid(candidate))
}

/// Coercion is not corruption: Django REST Framework takes `123` for a string and `"true"` for
/// a boolean, pydantic `"7"` for an integer and a number for a date. When the wrong-type value
/// of a body field, replaced by what it coerces to, makes the body valid, the value it was read
/// as; `None` when no coercion makes it valid (`"99"` for a maximum of 23 stays a break).
fn coerced_valid(ex: &Exchange<'_>) -> Option<serde_json::Value> {
    let Location::Body(pointer) = &ex.case.mutation()?.location else { return None };
    let body = ex.request.json_body()?;
    let sent = crate::spec::pointer::get(body, pointer)?;
    let schema = ex.operation.request_body.as_ref()?.content.iter().find(|m| m.is_json())?.schema.as_ref()?;
    coercions(sent).into_iter().find(|candidate| {
        let mut fixed = body.clone();
        match fixed.pointer_mut(pointer) {
            Some(slot) => *slot = candidate.clone(),
            None if pointer.is_empty() => fixed = candidate.clone(),
            None => return false,
        }
        schema.is_valid(&fixed)
    })
}

/// What lenient frameworks read a scalar as: numbers and booleans from their text and back,
/// 0 and 1 as booleans, and a Unix time as a date-time or a date.
fn coercions(value: &serde_json::Value) -> Vec<serde_json::Value> {
    use serde_json::Value;
    let mut out = Vec::new();
    match value {
        Value::String(s) => {
            let t = s.trim();
            if let Ok(i) = t.parse::<i64>() {
                out.push(Value::from(i));
            } else if let Some(n) =
                t.parse::<f64>().ok().filter(|f| f.is_finite()).and_then(serde_json::Number::from_f64)
            {
                out.push(Value::Number(n));
            }
            match t.to_ascii_lowercase().as_str() {
                "true" | "1" | "yes" | "on" => out.push(Value::Bool(true)),
                "false" | "0" | "no" | "off" => out.push(Value::Bool(false)),
                _ => {}
            }
        }
        Value::Number(n) => {
            out.push(Value::String(n.to_string()));
            match n.as_f64() {
                Some(0.0) => out.push(Value::Bool(false)),
                Some(1.0) => out.push(Value::Bool(true)),
                _ => {}
            }
            if let Some(secs) = n.as_i64() {
                let (date, time) = unix_time(secs);
                out.push(Value::String(format!("{date}T{time}Z")));
                out.push(Value::String(date));
            }
        }
        Value::Bool(b) => {
            out.push(Value::String(b.to_string()));
            out.push(Value::String(if *b { "True" } else { "False" }.to_owned()));
            out.push(Value::from(u8::from(*b)));
        }
        _ => {}
    }
    out
}

/// A Unix time in seconds as (`YYYY-MM-DD`, `hh:mm:ss`), UTC.
fn unix_time(secs: i64) -> (String, String) {
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    let (year, month, day) = crate::calendar::civil_from_days(days);
    (format!("{year:04}-{month:02}-{day:02}"), format!("{:02}:{:02}:{:02}", rem / 3600, rem % 3600 / 60, rem % 60))
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

/// Whether refusing a valid request with `status` may be right whatever the contract says:
/// permissions and rate limits (403, 429), credentials not known to be good (401), and an item
/// that may not exist (404, 410) where not every path parameter was pinned to a real value.
/// Shared by `positive_data_acceptance` and the stateful sequences.
pub fn refusal_excused(ctx: &CheckContext, op: &Operation, status: u16) -> bool {
    matches!(status, 403 | 429)
        || (status == 401 && !ctx.trusted_credentials)
        || (matches!(status, 404 | 410) && !path_pinned(ctx, op))
}

/// Conditional request headers (RFC 9110, section 13.1).
const PRECONDITIONS: [&str; 5] = ["if-match", "if-none-match", "if-modified-since", "if-unmodified-since", "if-range"];

/// Whether `status` is HTTP's own answer to a precondition the request carried (RFC 9110,
/// section 13): 412, or 304 to a conditional read. conform makes up `If-Match: "28407"` from the
/// parameter's schema, and a server that compares it with the item's real ETag must refuse it:
/// that says nothing about the data. A 412 to a request without a precondition still counts.
pub fn precondition_unmet(request: &crate::generate::Request, status: u16) -> bool {
    matches!(status, 304 | 412) && request.headers.iter().any(|(k, _)| is_precondition(k))
}

/// Whether a header name is a conditional request header (`If-Match`, …).
pub fn is_precondition(name: &str) -> bool {
    PRECONDITIONS.iter().any(|p| name.eq_ignore_ascii_case(p))
}

/// Whether refusing a valid request for `op` with the 4xx `status` and the answer `text` breaks
/// the contract, by the rules of the `positive_data_acceptance` check: acceptance is expected at all
/// (the embedded mock, or `--param` pins), the refusal is not [`refusal_excused`], and against
/// a real server it is a validation refusal (400 or 422 whose words do not speak of data) on an
/// operation whose every path parameter is pinned. For the stateful sequences, so that a
/// refused step is judged as the same request alone would be.
pub fn refusal_is_a_break(ctx: &CheckContext, op: &Operation, status: u16, text: &str) -> bool {
    if !ctx.expect_acceptance || !(400..500).contains(&status) || refusal_excused(ctx, op, status) {
        return false;
    }
    ctx.reference_target || (path_pinned(ctx, op) && matches!(status, 400 | 422) && !data_words(text))
}

/// A valid request answered 4xx, when acceptance can be expected. See [`refusal_excused`] for
/// the refusals that never count. Against conform's own mock every other refusal is a bug.
/// Against a real server (with `--param` pins) a valid request may still be refused for data
/// conform cannot know (a made-up id in the body, a random foreign key or page token, a
/// repeated create, a pinned item its own PATCH renamed): only a validation refusal counts
/// there (400 or 422 whose body does not speak of existence, uniqueness, permission or a
/// token), on an operation whose every path parameter was pinned (pinning one header does
/// not vouch for the rest).
pub(super) fn positive_data_acceptance(ctx: &CheckContext, ex: &Exchange<'_>, answer: &Answer<'_>) -> Option<Failure> {
    if !ctx.expect_acceptance
        || !ex.case.is_valid()
        || ex.case.origin == crate::generate::CaseOrigin::Probe
        || !(400..500).contains(&answer.status)
    {
        return None;
    }
    // A refusal naming a field the spec leaves optional, or of a value at an edge the spec
    // leaves open, is `undocumented_constraint`'s (a gap in the spec), not a second finding.
    if !ctx.reference_target
        && (ex.case.origin == crate::generate::CaseOrigin::Edge
            || !super::gap::undocumented_constraint(ctx, ex, answer).is_empty())
    {
        return None;
    }
    if precondition_unmet(ex.request, answer.status) {
        return None;
    }
    // The answer's words matter only against a real server with the path pinned.
    let words = if ctx.reference_target || !path_pinned(ctx, ex.operation) { String::new() } else { body_text(answer) };
    if !refusal_is_a_break(ctx, ex.operation, answer.status, &words) {
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

    /// Regression (issue 11, class 9): a wrong-type value the server read as the valid value it
    /// coerces to is `type_coercion_accepted` at warning level, not `negative_data_rejection`;
    /// one that is still invalid after coercion stays a failure.
    #[test]
    fn coercion_is_a_warning_and_corruption_still_fails() {
        let (spec, mut case) = atlas_case("updateGroupMaintenanceWindow");
        let op = &spec.operations[case.operation];
        case.kind = invalid_described(Location::Body("/hourOfDay".into()), "type", "hourOfDay = \"7\" (a string)");
        let judge = |sent: Value| {
            let mut case = case.clone();
            case.request.body = Some(crate::generate::Body::Json(json!({"dayOfWeek": 1, "hourOfDay": sent})));
            let resp = response(200, "application/json", json!({}));
            let ex = exchange(op, &case, &case.request, &resp);
            negative_data_rejection(&ex, &effective(&case.request, &resp)).map(|f| (f.check, f.severity))
        };
        let warning = Some((CheckName::TypeCoercionAccepted, super::super::Severity::Warning));
        assert_eq!(judge(json!("7")), warning, "\"7\" is 7");
        assert_eq!(judge(json!(" 7 ")), warning);
        let failure = Some((CheckName::NegativeDataRejection, super::super::Severity::Error));
        assert_eq!(judge(json!("99")), failure, "99 breaks the maximum of 23 after coercion");
        assert_eq!(judge(json!("seven")), failure, "no coercion reads it");
        assert_eq!(judge(json!([7])), failure, "an array is not a scalar read leniently");
        assert_eq!(unix_time(0), ("1970-01-01".to_owned(), "00:00:00".to_owned()));
        assert_eq!(unix_time(1_700_000_000), ("2023-11-14".to_owned(), "22:13:20".to_owned()));
        assert_eq!(coercions(&json!(true)), [json!("true"), json!("True"), json!(1)]);
        assert!(coercions(&json!(123)).contains(&json!("123")), "DRF takes 123 for a string");
    }

    /// Regression (REAL_WORLD.md, Kinto and Prefect): `null` for an optional member is read
    /// as the member left out (colander, pydantic `Optional[...] = None`), like `null` for an
    /// optional body: 89 `negative_data_rejection` findings on two servers. It is
    /// `type_coercion_accepted` at warning level; `null` for a required member still fails.
    #[test]
    fn null_for_an_optional_member_is_left_out_and_for_a_required_one_fails() {
        let (spec, case) = atlas_case("updateGroupMaintenanceWindow");
        let op = &spec.operations[case.operation];
        let judge = |member: &str, body: Value| {
            let mut case = case.clone();
            case.kind = invalid_described(Location::Body(format!("/{member}")), "nullable", "x = null (not nullable)");
            case.request.body = Some(crate::generate::Body::Json(body));
            let resp = response(200, "application/json", json!({}));
            let ex = exchange(op, &case, &case.request, &resp);
            negative_data_rejection(&ex, &effective(&case.request, &resp)).map(|f| (f.check, f.severity, f.message))
        };
        let (check, severity, message) = judge("hourOfDay", json!({"dayOfWeek": 1, "hourOfDay": null})).unwrap();
        assert_eq!((check, severity), (CheckName::TypeCoercionAccepted, super::super::Severity::Warning));
        assert!(message.ends_with("read as left out"), "{message}");
        let (check, severity, _) = judge("dayOfWeek", json!({"dayOfWeek": null, "hourOfDay": 3})).unwrap();
        assert_eq!((check, severity), (CheckName::NegativeDataRejection, super::super::Severity::Error), "required");
        let (check, _, _) = judge("hourOfDay", json!({"dayOfWeek": 9, "hourOfDay": null})).unwrap();
        assert_eq!(check, CheckName::NegativeDataRejection, "left out, the body is still invalid");
    }

    /// Regression (REAL_WORLD.md, Prefect): a query value is text, and `include_secrets=1` is
    /// read as `true` by pydantic and most frameworks: the coercion rule covers parameters too.
    /// A value no coercion makes valid (`pretty=yes please`) still fails.
    #[test]
    fn a_query_value_read_as_the_valid_value_it_coerces_to_is_a_warning() {
        let (spec, mut case) = atlas_case("getGroupMaintenanceWindow");
        let op = &spec.operations[case.operation];
        case.kind = invalid_described(Location::Query("pretty".into()), "type", "pretty = 1 (an integer)");
        let judge = |sent: &str| {
            let mut case = case.clone();
            case.request.query = vec![("pretty".into(), sent.into())];
            let resp = response(200, "application/json", json!({}));
            let ex = exchange(op, &case, &case.request, &resp);
            negative_data_rejection(&ex, &effective(&case.request, &resp)).map(|f| f.check)
        };
        assert_eq!(judge("1"), Some(CheckName::TypeCoercionAccepted));
        assert_eq!(judge("yes please"), Some(CheckName::NegativeDataRejection));
    }

    /// Regression (REAL_WORLD.md, Kinto): a 412 to a made-up `If-Match` is HTTP refusing the
    /// precondition, not the data; a 412 to a request without a precondition still counts.
    #[test]
    fn a_412_to_a_made_up_precondition_is_not_a_refusal_of_valid_data() {
        let (spec, case) = atlas_case("getGroupMaintenanceWindow");
        let op = &spec.operations[case.operation];
        let mock = CheckContext { expect_acceptance: true, reference_target: true, ..CheckContext::default() };
        let judge = |headers: Vec<(String, String)>, status: u16| {
            let mut case = case.clone();
            case.request.headers = headers;
            let resp = response(status, "application/json", json!({}));
            let ex = exchange(op, &case, &case.request, &resp);
            positive_data_acceptance(&mock, &ex, &effective(&case.request, &resp)).is_some()
        };
        assert!(!judge(vec![("If-Match".into(), "\"28407\"".into())], 412));
        assert!(judge(Vec::new(), 412), "no precondition was sent");
        assert!(judge(vec![("If-Match".into(), "\"28407\"".into())], 400), "only 412 answers a precondition");
        assert!(!precondition_unmet(&request_with_query(&[]), 412));
    }

    /// `refusal_is_a_break` (the stateful sequences' judge of a refused step) agrees with
    /// `positive_data_acceptance` on every context and refusal.
    #[test]
    fn a_refused_step_is_judged_as_the_request_alone() {
        let (spec, case) = atlas_case("updateGroupMaintenanceWindow");
        let op = &spec.operations[case.operation];
        let mock = CheckContext { expect_acceptance: true, reference_target: true, ..CheckContext::default() };
        let pinned =
            CheckContext { expect_acceptance: true, pinned: vec!["groupId".into()], ..CheckContext::default() };
        let header_only =
            CheckContext { expect_acceptance: true, pinned: vec!["Accept".into()], ..CheckContext::default() };
        let bodies = [json!({"detail": "hourOfDay: must be at most 23"}), json!({"detail": "group does not exist"})];
        for ctx in [CheckContext::default(), mock, pinned, header_only] {
            for status in [400, 404, 409, 422, 403, 429, 401] {
                for body in &bodies {
                    let resp = response(status, "application/json", body.clone());
                    let ex = exchange(op, &case, &case.request, &resp);
                    let alone = positive_data_acceptance(&ctx, &ex, &effective(&case.request, &resp)).is_some();
                    assert_eq!(
                        refusal_is_a_break(&ctx, op, status, &body.to_string()),
                        alone,
                        "{ctx:?} {status} {body}"
                    );
                }
            }
        }
        let pinned =
            CheckContext { expect_acceptance: true, pinned: vec!["groupId".into()], ..CheckContext::default() };
        assert!(refusal_is_a_break(&pinned, op, 400, "hourOfDay: must be at most 23"), "a validation refusal, pinned");
        assert!(!refusal_is_a_break(&CheckContext::default(), op, 400, "hourOfDay: must be at most 23"), "no pins");
    }
}
