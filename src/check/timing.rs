//! `max_response_time`: answers slower than `--max-response-time`.

use super::{CheckContext, CheckName, Exchange, Failure};

pub(super) fn max_response_time(ctx: &CheckContext, ex: &Exchange<'_>) -> Option<Failure> {
    let limit = ctx.max_response_time?;
    (ex.response.elapsed > limit).then(|| {
        Failure::new(
            CheckName::MaxResponseTime,
            format!(
                "answered in {} ms, more than the {} ms allowed",
                ex.response.elapsed.as_millis(),
                limit.as_millis()
            ),
            "slow",
        )
    })
}

#[cfg(test)]
mod tests {
    use super::super::test_support::*;
    use super::*;
    use serde_json::json;
    use std::time::Duration;

    #[test]
    fn slow_answers_fail_only_when_a_limit_is_set() {
        let (spec, case) = atlas_case("getGroupMaintenanceWindow");
        let op = &spec.operations[case.operation];
        let mut resp = response(200, "application/json", json!({}));
        resp.elapsed = Duration::from_millis(250);
        let ex = exchange(op, &case, &case.request, &resp);
        let limit = |ms| CheckContext { max_response_time: Some(Duration::from_millis(ms)), ..CheckContext::default() };
        assert!(max_response_time(&limit(100), &ex).is_some());
        assert!(max_response_time(&limit(300), &ex).is_none());
        assert!(max_response_time(&CheckContext::default(), &ex).is_none());
    }
}
