//! The check catalogue: pure functions from (operation, case, answer) to failures.
//!
//! Each family lives in its own file. Checks never do I/O and never panic on a server's answer:
//! an answer is data, however broken. They read the *effective* answer: with `envelope=true`
//! that is the status and body inside the envelope (see [`envelope`]), so an invalid request
//! answered `200 {"status": 400, ...}` counts as rejected.

#![warn(missing_docs, clippy::missing_errors_doc)]

mod auth;
pub mod collection;
mod content;
pub mod envelope;
mod gap;
pub mod identity;
mod method;
mod negative;
mod refusal;
pub(crate) mod request;
pub mod stateful;
mod status;
mod timing;

pub use negative::{is_precondition, precondition_unmet, refusal_excused, refusal_is_a_break};

use crate::generate::{Case, Request};
use crate::spec::Operation;
use serde::Serialize;
use std::time::Duration;

pub use crate::model::{CheckFailure, CheckName, CheckSet, Response, Severity};
// The catalogue's own short name for it (private: `generate::Failure` is another type).
use crate::model::CheckFailure as Failure;

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
