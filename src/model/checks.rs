//! The names of the checks, sets of them, and how much a finding weighs: shared by the check
//! catalogue that judges, the engine that records, and the reporters that list them.
//!
//! Only names and sets live here; what each check does is `check`'s business.

use serde::Serialize;
use std::fmt;

/// Check names, as the README lists them ("Checks"); reports and the harness use them verbatim.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum CheckName {
    /// `not_a_server_error`: fails on any 5xx answer.
    NotAServerError,
    /// `status_code_conformance`: fails on a status the operation does not document.
    StatusCodeConformance,
    /// `content_type_conformance`: fails on a `Content-Type` missing or not documented for that status.
    ContentTypeConformance,
    /// `response_schema_conformance`: fails on a body that does not validate against the documented schema.
    ResponseSchemaConformance,
    /// `response_headers_conformance`: fails on a documented required header missing or invalid.
    ResponseHeadersConformance,
    /// `negative_data_rejection`: fails when a request that violates the contract gets a 2xx.
    NegativeDataRejection,
    /// `positive_data_acceptance`: fails when a request that satisfies the contract is refused with a 4xx.
    PositiveDataAcceptance,
    /// `ignored_auth`: fails on a 2xx to a request without credentials, or with wrong ones.
    IgnoredAuth,
    /// `envelope_conformance`: fails when `envelope=true` is not answered `200 {status, content}`.
    EnvelopeConformance,
    /// `stateful_conformance`: fails on a write the matching read does not reflect.
    StatefulConformance,
    /// `object_ownership`: fails when an object created under one parent (or one tenant's
    /// credentials) is read, changed or removed through another (OWASP API1, broken
    /// object-level authorization).
    ObjectOwnership,
    /// `unsupported_method`: fails when an undocumented method does not get 405 (or 404), or a 405 lacks a complete `Allow`.
    UnsupportedMethod,
    /// `max_response_time`: fails on an answer slower than the configured limit.
    MaxResponseTime,
    /// `transport`: fails on a refused or reset connection, a timeout, or a truncated or undecodable body.
    Transport,
    /// `type_coercion_accepted`: warns when a wrong-type value is accepted as the valid value it coerces to (`"7"` for `7`).
    TypeCoercionAccepted,
    /// `undocumented_constraint`: warns when a valid request is refused for a field or limit the spec does not declare.
    UndocumentedConstraint,
    /// `request_schema_conformance` (`conform proxy`, client side): fails on a request body
    /// that does not validate against the documented schema (or cannot be read as its media type).
    RequestSchemaConformance,
    /// `request_parameters_conformance` (`conform proxy`, client side): fails on a documented
    /// parameter missing or invalid.
    RequestParametersConformance,
    /// `request_content_type_conformance` (`conform proxy`, client side): fails on a request
    /// body whose `Content-Type` the operation does not document, or a required body missing.
    RequestContentTypeConformance,
    /// `unknown_operation` (`conform proxy`, client side): fails on a request whose path or
    /// method the spec does not document.
    UnknownOperation,
}

impl CheckName {
    /// Every check, in the order reports list them.
    pub const ALL: [CheckName; 20] = [
        CheckName::NotAServerError,
        CheckName::StatusCodeConformance,
        CheckName::ContentTypeConformance,
        CheckName::ResponseSchemaConformance,
        CheckName::ResponseHeadersConformance,
        CheckName::NegativeDataRejection,
        CheckName::PositiveDataAcceptance,
        CheckName::IgnoredAuth,
        CheckName::EnvelopeConformance,
        CheckName::StatefulConformance,
        CheckName::ObjectOwnership,
        CheckName::UnsupportedMethod,
        CheckName::MaxResponseTime,
        CheckName::Transport,
        CheckName::TypeCoercionAccepted,
        CheckName::UndocumentedConstraint,
        CheckName::RequestSchemaConformance,
        CheckName::RequestParametersConformance,
        CheckName::RequestContentTypeConformance,
        CheckName::UnknownOperation,
    ];

    /// Whether the check judges a client's request (`conform proxy` only): `run` generates its
    /// requests, so these never apply to it.
    pub fn is_client_side(self) -> bool {
        matches!(
            self,
            CheckName::RequestSchemaConformance
                | CheckName::RequestParametersConformance
                | CheckName::RequestContentTypeConformance
                | CheckName::UnknownOperation
        )
    }

    /// Whose break a failure of this check is: `client` for the request checks of
    /// `conform proxy`, `server` for every other.
    pub fn side(self) -> &'static str {
        if self.is_client_side() { "client" } else { "server" }
    }

    /// The check's `snake_case` name, as the README, the reports and `--checks` spell it.
    pub fn as_str(self) -> &'static str {
        match self {
            CheckName::NotAServerError => "not_a_server_error",
            CheckName::StatusCodeConformance => "status_code_conformance",
            CheckName::ContentTypeConformance => "content_type_conformance",
            CheckName::ResponseSchemaConformance => "response_schema_conformance",
            CheckName::ResponseHeadersConformance => "response_headers_conformance",
            CheckName::NegativeDataRejection => "negative_data_rejection",
            CheckName::PositiveDataAcceptance => "positive_data_acceptance",
            CheckName::IgnoredAuth => "ignored_auth",
            CheckName::EnvelopeConformance => "envelope_conformance",
            CheckName::StatefulConformance => "stateful_conformance",
            CheckName::ObjectOwnership => "object_ownership",
            CheckName::UnsupportedMethod => "unsupported_method",
            CheckName::MaxResponseTime => "max_response_time",
            CheckName::Transport => "transport",
            CheckName::TypeCoercionAccepted => "type_coercion_accepted",
            CheckName::UndocumentedConstraint => "undocumented_constraint",
            CheckName::RequestSchemaConformance => "request_schema_conformance",
            CheckName::RequestParametersConformance => "request_parameters_conformance",
            CheckName::RequestContentTypeConformance => "request_content_type_conformance",
            CheckName::UnknownOperation => "unknown_operation",
        }
    }

    /// What the check fails on, for `--help` and reports.
    pub fn description(self) -> &'static str {
        match self {
            CheckName::NotAServerError => "any 5xx answer",
            CheckName::StatusCodeConformance => "status not documented for the operation",
            CheckName::ContentTypeConformance => "Content-Type missing or not documented for that status",
            CheckName::ResponseSchemaConformance => "body does not validate against the documented schema",
            CheckName::ResponseHeadersConformance => "a documented required header is missing or invalid",
            CheckName::NegativeDataRejection => "a request that violates the contract got a 2xx",
            CheckName::PositiveDataAcceptance => "a request that satisfies the contract got a 4xx",
            CheckName::IgnoredAuth => "2xx without credentials, or with wrong ones",
            CheckName::EnvelopeConformance => "envelope=true not answered 200 {status, content}",
            CheckName::StatefulConformance => "a write not reflected by the matching read",
            CheckName::ObjectOwnership => "an object served, changed or removed outside its parent or tenant",
            CheckName::UnsupportedMethod => {
                "an undocumented method did not get 405 (or 404), or a 405 lacks a complete Allow"
            }
            CheckName::MaxResponseTime => "slower than --max-response-time",
            CheckName::Transport => "connection refused or reset, timeout, truncated or undecodable body",
            CheckName::TypeCoercionAccepted => {
                "a wrong-type value accepted as the valid value it coerces to (\"7\" for 7); a warning unless --strict"
            }
            CheckName::UndocumentedConstraint => {
                "a valid request refused for a field or limit the spec does not declare; a warning unless --strict"
            }
            CheckName::RequestSchemaConformance => {
                "(proxy) a client's request body does not validate against the documented schema"
            }
            CheckName::RequestParametersConformance => {
                "(proxy) a client's request misses a required parameter or sends an invalid one"
            }
            CheckName::RequestContentTypeConformance => {
                "(proxy) a client's request body has an undocumented Content-Type, or a required body is missing"
            }
            CheckName::UnknownOperation => "(proxy) a client's request path or method is not in the spec",
        }
    }
}

impl CheckName {
    /// What a conforming API does, for the "expected" line of a report.
    pub fn expectation(self) -> &'static str {
        match self {
            CheckName::NotAServerError => "no 5xx answer",
            CheckName::StatusCodeConformance => "a status the spec documents for the operation",
            CheckName::ContentTypeConformance => "a Content-Type the spec documents for that status",
            CheckName::ResponseSchemaConformance => "a body that validates against the documented schema",
            CheckName::ResponseHeadersConformance => "every required header, each valid",
            CheckName::NegativeDataRejection => "a request that violates the contract is rejected with a 4xx",
            CheckName::PositiveDataAcceptance => "a request that satisfies the contract is accepted",
            CheckName::IgnoredAuth => "401 or 403 without credentials, or with wrong ones",
            CheckName::EnvelopeConformance => {
                "with envelope=true, HTTP 200 and {\"status\": <real status>, \"content\": <body>}"
            }
            CheckName::StatefulConformance => "a write reflected by the matching read",
            CheckName::ObjectOwnership => {
                "an object is reachable only under the parent it was created in, and with its own tenant's credentials"
            }
            CheckName::UnsupportedMethod => {
                "405 (or 404) for a method the path does not document, with Allow listing the documented ones"
            }
            CheckName::MaxResponseTime => "an answer within --max-response-time",
            CheckName::Transport => "a complete HTTP answer within the timeout",
            CheckName::TypeCoercionAccepted => "a value of the wrong JSON type is rejected, even one that coerces",
            CheckName::UndocumentedConstraint => "every field and limit the server enforces is declared in the spec",
            CheckName::RequestSchemaConformance => "a request body that validates against the documented schema",
            CheckName::RequestParametersConformance => "every required parameter, each valid",
            CheckName::RequestContentTypeConformance => {
                "a request body of a documented media type, present when required"
            }
            CheckName::UnknownOperation => "a request to a path and method the spec documents",
        }
    }
}

impl fmt::Display for CheckName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for CheckName {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        CheckName::ALL.into_iter().find(|c| c.as_str() == s.trim()).ok_or_else(|| {
            // The checks a run can select: the request checks of `conform proxy` parse, but
            // are not offered to `--checks`.
            let names: Vec<&str> = CheckSet::server_side().iter().map(|c| c.as_str()).collect();
            format!("unknown check `{}` (known: {})", s.trim(), names.join(", "))
        })
    }
}

/// A set of checks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct CheckSet(u32);

impl CheckSet {
    /// Every check.
    pub fn all() -> CheckSet {
        CheckSet((1 << CheckName::ALL.len()) - 1)
    }

    /// No check.
    pub fn none() -> CheckSet {
        CheckSet(0)
    }

    /// Whether `check` is in the set.
    pub fn contains(self, check: CheckName) -> bool {
        self.0 & (1 << check as u32) != 0
    }

    /// The set with `check` added.
    pub fn with(self, check: CheckName) -> CheckSet {
        CheckSet(self.0 | (1 << check as u32))
    }

    /// The set with `check` removed.
    pub fn without(self, check: CheckName) -> CheckSet {
        CheckSet(self.0 & !(1 << check as u32))
    }

    /// The checks in both sets.
    pub fn intersect(self, other: CheckSet) -> CheckSet {
        CheckSet(self.0 & other.0)
    }

    /// The checks in either set.
    pub fn union(self, other: CheckSet) -> CheckSet {
        CheckSet(self.0 | other.0)
    }

    /// The set as bits (for an atomic accumulator).
    pub fn bits(self) -> u32 {
        self.0
    }

    /// The set from [`CheckSet::bits`] (unknown bits are dropped).
    pub fn from_bits(bits: u32) -> CheckSet {
        CheckSet(bits & CheckSet::all().0)
    }

    /// The checks that judge a server's answers: every check but the client-side ones
    /// ([`CheckName::is_client_side`]).
    pub fn server_side() -> CheckSet {
        CheckName::ALL.into_iter().filter(|c| c.is_client_side()).fold(CheckSet::all(), CheckSet::without)
    }

    /// `--checks` (empty: every server-side check, [`CheckSet::server_side`]) minus `--exclude-checks`.
    pub fn select(only: &[CheckName], exclude: &[CheckName]) -> CheckSet {
        let base = if only.is_empty() {
            CheckSet::server_side()
        } else {
            only.iter().fold(CheckSet::none(), |s, c| s.with(*c))
        };
        exclude.iter().fold(base, |s, c| s.without(*c))
    }

    /// The checks in the set, in [`CheckName::ALL`] order.
    pub fn iter(self) -> impl Iterator<Item = CheckName> {
        CheckName::ALL.into_iter().filter(move |c| self.contains(*c))
    }
}

/// How much a finding weighs: an error fails the run; a warning is shown and counted but
/// fails the run only with `--strict` (a lenient reading of the contract rather than a break).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// Fails the run.
    #[default]
    Error,
    /// Shown and counted; fails the run only with `--strict`.
    Warning,
}

impl Severity {
    /// The severity as reports spell it: `error` or `warning`.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
        }
    }
}

/// One check failing on one exchange (named apart from `generate::Failure`, a request that
/// breaks the contract).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CheckFailure {
    /// The check that failed.
    pub check: CheckName,
    /// What was expected and what came, as a sentence fragment.
    pub message: String,
    /// Identifies "the same way of failing" for deduplication (with the check and operation).
    pub signature: String,
    /// Whether the failure is an error or a warning.
    pub severity: Severity,
}

impl CheckFailure {
    /// An error-level failure (see [`CheckFailure::warning`] for a warning).
    pub fn new(check: CheckName, message: impl Into<String>, signature: impl Into<String>) -> CheckFailure {
        CheckFailure { check, message: message.into(), signature: signature.into(), severity: Severity::Error }
    }

    /// A warning-level failure (see [`Severity`]).
    pub fn warning(check: CheckName, message: impl Into<String>, signature: impl Into<String>) -> CheckFailure {
        CheckFailure { severity: Severity::Warning, ..CheckFailure::new(check, message, signature) }
    }
}
