//! `unsupported_method`: an undocumented method on a documented path must get 405 (or 404).

use super::envelope::Answer;
use super::{CheckName, Exchange, Failure};
use crate::generate::{Case, Location};

/// Whether a case probes an undocumented method rather than the operation itself.
pub fn is_method_probe(case: &Case) -> bool {
    case.mutation().is_some_and(|m| m.location == Location::Method)
}

pub fn unsupported_method(ex: &Exchange<'_>, answer: &Answer<'_>) -> Option<Failure> {
    if !is_method_probe(ex.case) || matches!(answer.status, 404 | 405) || answer.status >= 500 {
        return None;
    }
    Some(Failure::new(
        CheckName::UnsupportedMethod,
        format!(
            "{} {} is not documented, and was answered {} instead of 405",
            ex.request.method, ex.operation.path, answer.status
        ),
        format!("{}:{}", ex.request.method, answer.status / 100),
    ))
}

#[cfg(test)]
mod tests {
    use super::super::envelope::effective;
    use super::super::test_support::*;
    use super::*;
    use crate::spec::Method;
    use serde_json::json;

    #[test]
    fn undocumented_methods_must_get_405_or_404() {
        let (spec, mut case) = atlas_case("getGroupMaintenanceWindow");
        let op = &spec.operations[case.operation];
        case.kind = invalid(Location::Method, "method");
        case.request.method = Method::Put;
        for (status, fails) in [(405, false), (404, false), (200, true), (400, true), (500, false)] {
            let resp = response(status, "application/json", json!({}));
            let ex = exchange(op, &case, &case.request, &resp);
            assert_eq!(unsupported_method(&ex, &effective(&case.request, &resp)).is_some(), fails, "{status}");
        }
        let (_, valid) = atlas_case("getGroupMaintenanceWindow");
        let resp = response(200, "application/json", json!({}));
        assert!(
            unsupported_method(&exchange(op, &valid, &valid.request, &resp), &effective(&valid.request, &resp))
                .is_none()
        );
    }
}
