//! The check catalogue: pure functions from (operation, case, answer) to failures.
//!
//! Each family lives in its own file. Checks never do I/O and never panic on a server's answer:
//! an answer is data, however broken. They read the *effective* answer: with `envelope=true`
//! that is the status and body inside the envelope (see [`envelope`]), so an invalid request
//! answered `200 {"status": 400, ...}` counts as rejected.

#![warn(missing_docs, clippy::missing_errors_doc)]

mod auth;
mod content;
// Not yet fully documented (outside this round's documentation pass): drop the allow once it is.
#[allow(missing_docs)]
pub mod envelope;
mod gap;
pub mod identity;
mod method;
mod negative;
mod refusal;
mod status;
mod timing;

pub use negative::{is_precondition, precondition_unmet, refusal_excused, refusal_is_a_break};

use crate::generate::{Case, Request};
use crate::spec::Operation;
use serde::Serialize;
use std::fmt;
use std::time::Duration;

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
}

impl CheckName {
    /// Every check, in the order reports list them.
    pub const ALL: [CheckName; 15] = [
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
        CheckName::UnsupportedMethod,
        CheckName::MaxResponseTime,
        CheckName::Transport,
        CheckName::TypeCoercionAccepted,
        CheckName::UndocumentedConstraint,
    ];

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
            CheckName::UnsupportedMethod => "unsupported_method",
            CheckName::MaxResponseTime => "max_response_time",
            CheckName::Transport => "transport",
            CheckName::TypeCoercionAccepted => "type_coercion_accepted",
            CheckName::UndocumentedConstraint => "undocumented_constraint",
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
            CheckName::UnsupportedMethod => {
                "405 (or 404) for a method the path does not document, with Allow listing the documented ones"
            }
            CheckName::MaxResponseTime => "an answer within --max-response-time",
            CheckName::Transport => "a complete HTTP answer within the timeout",
            CheckName::TypeCoercionAccepted => "a value of the wrong JSON type is rejected, even one that coerces",
            CheckName::UndocumentedConstraint => "every field and limit the server enforces is declared in the spec",
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
            let names: Vec<&str> = CheckName::ALL.iter().map(|c| c.as_str()).collect();
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

    /// `--checks` (empty: all) minus `--exclude-checks`.
    pub fn select(only: &[CheckName], exclude: &[CheckName]) -> CheckSet {
        let base =
            if only.is_empty() { CheckSet::all() } else { only.iter().fold(CheckSet::none(), |s, c| s.with(*c)) };
        exclude.iter().fold(base, |s, c| s.without(*c))
    }

    /// The checks in the set, in [`CheckName::ALL`] order.
    pub fn iter(self) -> impl Iterator<Item = CheckName> {
        CheckName::ALL.into_iter().filter(move |c| self.contains(*c))
    }
}

/// A server's answer as conform read it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Response {
    /// The HTTP status code.
    pub status: u16,
    /// Header names lower-cased, in the order received.
    pub headers: Vec<(String, String)>,
    #[serde(skip)]
    /// The body as read (at most conform's read limit; see `truncated`).
    pub body: Vec<u8>,
    /// The body was longer than conform reads; `body` holds the first part.
    pub truncated: bool,
    #[serde(skip)]
    /// Time from sending the request to the end of the body.
    pub elapsed: Duration,
}

impl Response {
    /// The first value of a header (name compared case-insensitively).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }

    /// The `Content-Type` header, when the answer has one.
    pub fn content_type(&self) -> Option<&str> {
        self.header("content-type")
    }
}

/// Requests made to probe authentication rather than the contract.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AuthProbe {
    /// The request was sent without any credentials.
    NoCredentials,
    /// The request was sent with credentials of the right shape but wrong values.
    WrongCredentials,
}

/// What the run knows that changes how answers are judged.
#[derive(Debug, Clone, Default)]
pub struct CheckContext {
    /// Valid requests are expected to be accepted (embedded mock, or real ids pinned).
    pub expect_acceptance: bool,
    /// Parameter names the user pinned to real values (`--param`).
    pub pinned: Vec<String>,
    /// The run's credentials are known to be good (the embedded mock's, made for the run), so
    /// a 401 to a valid request is a failure rather than a credentials problem.
    pub trusted_credentials: bool,
    /// `--max-response-time`.
    pub max_response_time: Option<Duration>,
    /// Read operations whose answers must name the item asked for, by operation id (from a
    /// semantics sidecar; see [`identity`]).
    pub identity: std::collections::BTreeMap<String, identity::Identity>,
    /// The target is conform's own mock, which knows its data: a valid request refused for
    /// anything but the excused reasons is a bug there (see `positive_data_acceptance`).
    pub reference_target: bool,
    /// The documented methods of each path (as written in the spec), for the `Allow` of a 405
    /// or an `OPTIONS` answer (see [`path_methods`]).
    pub path_methods: std::collections::BTreeMap<String, Vec<crate::spec::Method>>,
}

/// The documented methods of every path of `spec`, in document order.
pub fn path_methods(spec: &crate::spec::Spec) -> std::collections::BTreeMap<String, Vec<crate::spec::Method>> {
    let mut out: std::collections::BTreeMap<String, Vec<crate::spec::Method>> = std::collections::BTreeMap::new();
    for op in &spec.operations {
        let methods = out.entry(op.path.clone()).or_default();
        if !methods.contains(&op.method) {
            methods.push(op.method);
        }
    }
    out
}

/// One request/answer pair to judge.
#[derive(Debug, Clone, Copy)]
pub struct Exchange<'a> {
    /// The operation the request was made for.
    pub operation: &'a Operation,
    /// The generated case the request came from.
    pub case: &'a Case,
    /// The request as sent (for auth probes, without or with wrong credentials).
    pub request: &'a Request,
    /// The answer, as read.
    pub response: &'a Response,
    /// Set when the request probed authentication instead of the contract.
    pub probe: Option<AuthProbe>,
}

/// How much a finding weighs: an error fails the run; a warning is shown and counted but
/// fails the run only with `--strict` (a lenient reading of the contract rather than a break).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    #[default]
    /// A break of the contract: fails the run.
    Error,
    /// A lenient reading of the contract: shown and counted; fails the run only with `--strict`.
    Warning,
}

impl Severity {
    /// The lower-case name reports use (`error`, `warning`).
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
        }
    }
}

/// One check failing on one exchange.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Failure {
    /// The check that failed.
    pub check: CheckName,
    /// What was expected and what came, as a sentence fragment.
    pub message: String,
    /// Identifies "the same way of failing" for deduplication (with the check and operation).
    pub signature: String,
    /// Error or warning.
    pub severity: Severity,
}

impl Failure {
    /// An error-level failure of `check`, with its message and deduplication signature.
    pub fn new(check: CheckName, message: impl Into<String>, signature: impl Into<String>) -> Failure {
        Failure { check, message: message.into(), signature: signature.into(), severity: Severity::Error }
    }

    /// A warning-level failure (see [`Severity`]).
    pub fn warning(check: CheckName, message: impl Into<String>, signature: impl Into<String>) -> Failure {
        Failure { severity: Severity::Warning, ..Failure::new(check, message, signature) }
    }
}

/// The selected checks that judge this exchange, whatever their verdict: the same conditions
/// [`run_on`] applies before it calls each check. Reports list a check on an operation only if
/// it judged at least one of its exchanges (`max_response_time` without a limit, `ignored_auth`
/// on an operation that was never probed, `negative_data_rejection` without an invalid case
/// say nothing, so they are not shown as passed).
pub fn judged(checks: CheckSet, ctx: &CheckContext, ex: &Exchange<'_>) -> CheckSet {
    use CheckName as C;
    let media = CheckSet::none()
        .with(C::ContentTypeConformance)
        .with(C::ResponseSchemaConformance)
        .with(C::ResponseHeadersConformance);
    let status = ex.response.status;
    let mut on = CheckSet::none().with(C::NotAServerError).with(C::Transport);
    if method::is_method_probe(ex.case) {
        on = on.with(C::UnsupportedMethod);
        if status == 405 && documents_exactly(ex.operation, 405) {
            on = on.union(media);
        }
        return checks.intersect(on);
    }
    if ex.request.wants_envelope() {
        on = on.with(C::EnvelopeConformance);
    }
    if ex.probe.is_some() {
        on = on.with(C::IgnoredAuth);
        if (400..500).contains(&status) && ex.operation.response_for(status).is_some() {
            on = on.union(media);
        }
        return checks.intersect(on);
    }
    on = on.with(C::StatusCodeConformance).union(media);
    if !ctx.reference_target && ex.case.is_valid() && ex.case.origin != crate::generate::CaseOrigin::Probe {
        on = on.with(C::UndocumentedConstraint);
    }
    if ex.case.mutation().is_some() {
        on = on.with(C::NegativeDataRejection).with(C::TypeCoercionAccepted);
    }
    if ctx.expect_acceptance && ex.case.is_valid() {
        on = on.with(C::PositiveDataAcceptance);
    }
    if ctx.max_response_time.is_some() {
        on = on.with(C::MaxResponseTime);
    }
    if ex.case.is_valid() && ctx.identity.contains_key(&ex.operation.id) {
        on = on.with(C::StatefulConformance);
    }
    checks.intersect(on)
}

/// Runs every selected check on one exchange.
pub fn run(checks: CheckSet, ctx: &CheckContext, ex: &Exchange<'_>) -> Vec<Failure> {
    run_on(checks, ctx, ex, &envelope::effective(ex.request, ex.response))
}

/// [`run`] with the effective answer already unwrapped (`envelope::effective` of the exchange's
/// request and response), so a caller that needs it too parses the body once.
pub fn run_on(checks: CheckSet, ctx: &CheckContext, ex: &Exchange<'_>, answer: &envelope::Answer<'_>) -> Vec<Failure> {
    let mut out = Vec::new();
    // 501 to OPTIONS says the server does not offer it: no break.
    let not_offered = method::is_options_probe(ex.case) && answer.status == 501;
    if checks.contains(CheckName::NotAServerError) && !not_offered {
        out.extend(status::not_a_server_error(answer));
    }
    if method::is_method_probe(ex.case) {
        // An undocumented method is outside every operation's contract (its parameters, its
        // envelope, its statuses): only the method rule applies, and the documented shape of
        // a 405 where the operation documents one.
        if checks.contains(CheckName::UnsupportedMethod) {
            out.extend(method::unsupported_method(ctx, ex, answer));
        }
        if answer.status == 405 && documents_exactly(ex.operation, 405) {
            out.extend(media_checks(checks, ex, answer));
        }
        return out;
    }
    if checks.contains(CheckName::EnvelopeConformance) {
        out.extend(envelope::check(ex, answer));
    }
    if let Some(probe) = ex.probe {
        // A probe is judged on authentication (and on not crashing the server), and the error
        // it provoked on its documented shape: a 401 or 403 documented as JSON must be JSON.
        if checks.contains(CheckName::IgnoredAuth) {
            out.extend(auth::ignored_auth(probe, answer));
        }
        if (400..500).contains(&answer.status) && ex.operation.response_for(answer.status).is_some() {
            out.extend(media_checks(checks, ex, answer));
        }
        return out;
    }
    if checks.contains(CheckName::StatusCodeConformance) {
        out.extend(status::status_code_conformance(ex, answer));
    }
    out.extend(media_checks(checks, ex, answer));
    if checks.contains(CheckName::NegativeDataRejection) {
        // A wrong-type value that coerces to a valid one is `type_coercion_accepted`'s.
        out.extend(
            negative::negative_data_rejection(ex, answer)
                .filter(|f| f.check != CheckName::TypeCoercionAccepted || checks.contains(f.check)),
        );
    }
    if checks.contains(CheckName::PositiveDataAcceptance) {
        out.extend(negative::positive_data_acceptance(ctx, ex, answer));
    }
    if checks.contains(CheckName::UndocumentedConstraint) {
        out.extend(gap::undocumented_constraint(ctx, ex, answer));
    }
    if checks.contains(CheckName::MaxResponseTime) {
        out.extend(timing::max_response_time(ctx, ex));
    }
    if checks.contains(CheckName::StatefulConformance) {
        out.extend(identity::check(ctx, ex, answer));
    }
    out
}

/// Whether `op` documents `status` by its exact code (not through a range or `default`).
fn documents_exactly(op: &Operation, status: u16) -> bool {
    op.responses.iter().any(|r| r.status == crate::spec::StatusSpec::Code(status))
}

/// The media checks of an answer (Content-Type, body schema, headers); for an error a probe
/// provoked too, where its status is documented, so its shape is part of the contract.
fn media_checks(checks: CheckSet, ex: &Exchange<'_>, answer: &envelope::Answer<'_>) -> Vec<Failure> {
    let mut out = Vec::new();
    if checks.contains(CheckName::ContentTypeConformance) {
        out.extend(content::content_type_conformance(ex, answer));
    }
    if checks.contains(CheckName::ResponseSchemaConformance) {
        out.extend(content::response_schema_conformance(ex, answer));
    }
    if checks.contains(CheckName::ResponseHeadersConformance) {
        out.extend(content::response_headers_conformance(ex, answer));
    }
    out
}

#[cfg(test)]
pub(crate) mod test_support;

#[cfg(test)]
mod tests {
    use super::test_support::*;
    use super::*;
    use crate::generate::Location;
    use serde_json::json;

    /// Issue 19, item 4: a 405 to an undocumented method is held to the operation's documented
    /// 405 (by its code); where none is documented, only `unsupported_method` judges it.
    #[test]
    fn a_405_is_held_to_a_documented_405_only() {
        let spec = load_inline(json!({
            "openapi": "3.0.3", "info": {"title": "t", "version": "1"},
            "paths": {
                "/a": {"get": {"responses": {"200": {"description": "ok"}, "405": {"description": "no",
                    "content": {"application/json": {"schema": {"type": "object"}}}}}}},
                "/b": {"get": {"responses": {"200": {"description": "ok"}}}}
            }
        }));
        let judge = |op: usize| {
            let mut case = valid_case(op);
            case.kind = invalid(Location::Method, "method");
            case.request.method = crate::spec::Method::Put;
            let resp = raw_response(405, Some("text/html"), b"<p>no</p>").with_header("Allow", "GET");
            let ex = exchange(&spec.operations[op], &case, &case.request, &resp);
            run(CheckSet::all(), &CheckContext { path_methods: path_methods(&spec), ..CheckContext::default() }, &ex)
                .into_iter()
                .map(|f| (f.check, f.signature))
                .collect::<Vec<_>>()
        };
        assert_eq!(judge(0), [(CheckName::ContentTypeConformance, "405:text/html".to_owned())]);
        assert!(judge(1).is_empty(), "no 405 documented: {:?}", judge(1));
    }
}
