//! `ignored_auth`: an operation with a security requirement must not answer 2xx to a request
//! without credentials, or with wrong ones.

use super::envelope::Answer;
use super::{AuthProbe, CheckName, Failure};

pub(super) fn ignored_auth(probe: AuthProbe, answer: &Answer<'_>) -> Option<Failure> {
    if !(200..300).contains(&answer.status) {
        return None;
    }
    let (how, way) = match probe {
        AuthProbe::NoCredentials => ("without credentials", "none"),
        AuthProbe::WrongCredentials => ("with wrong credentials", "wrong"),
    };
    Some(Failure::new(
        CheckName::IgnoredAuth,
        format!("the operation requires authentication, but a request {how} was answered {}", answer.status),
        way,
    ))
}

#[cfg(test)]
mod tests {
    use super::super::envelope::effective;
    use super::super::test_support::*;
    use super::*;
    use serde_json::json;

    #[test]
    fn a_2xx_without_or_with_wrong_credentials_fails() {
        let req = request_with_query(&[]);
        for (status, fails) in [(200, true), (204, true), (401, false), (403, false), (404, false)] {
            let resp = response(status, "application/json", json!({}));
            for probe in [AuthProbe::NoCredentials, AuthProbe::WrongCredentials] {
                assert_eq!(ignored_auth(probe, &effective(&req, &resp)).is_some(), fails, "{status} {probe:?}");
            }
        }
    }
}
