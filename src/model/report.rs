//! What a run found: per-operation counts, deduplicated findings with their examples, the
//! operations left out and why, and the [`RunReport`] every reporter renders.
//!
//! Plain data, built by the engine and only read after. Nothing here sends, judges or prints;
//! every `Debug` output that could show a secret goes through [`super::redact`].

use super::{AuthMode, CheckName, Credentials, Response, Sent, Severity};
use crate::model::case::Case;
use serde::Serialize;
use std::collections::BTreeMap;

/// Bytes of an answer's body kept in a finding's example (reports show less still): answers
/// are dropped once judged, so a run's memory does not grow with the bodies it found wrong.
pub const EXCERPT: usize = 64 * 1024;

/// An operation left out of the run, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Skipped {
    /// The operation's id: its operationId, or `METHOD path` when it has none.
    pub operation: String,
    /// The HTTP method, upper-case.
    pub method: String,
    /// The path template, as the spec writes it.
    pub path: String,
    /// The kind of reason, for scripts.
    pub cause: SkipCause,
    /// The precise reason: the filter, the parameter or body, the flag that would allow it.
    pub reason: String,
}

/// Why an operation was left out, in one word.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum SkipCause {
    /// `--operation`, `--include` or `--exclude` left it out.
    Filter,
    /// It changes state and the target is not loopback.
    Mutations,
    /// No valid request could be generated for it.
    Generation,
    /// `--partition` gave its cases to other shares.
    Partition,
    /// The run stopped before reaching it (credentials stopped working).
    NotReached,
}

/// Counts per operation.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct OperationStats {
    /// The operation's id: its operationId, or `METHOD path` when it has none.
    pub operation: String,
    /// The HTTP method, upper-case.
    pub method: String,
    /// The path template, as the spec writes it.
    pub path: String,
    /// HTTP requests sent to it, retries included.
    pub requests: usize,
    /// Distinct findings on this operation.
    pub failures: usize,
    /// Failing exchanges per check.
    pub by_check: BTreeMap<CheckName, usize>,
    /// The checks that judged at least one exchange of this operation (whatever the verdict):
    /// JUnit lists these and no others.
    pub checks: Vec<CheckName>,
}

/// Run totals.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Stats {
    /// Operations tested.
    pub operations: usize,
    /// HTTP requests sent, retries included.
    pub requests: usize,
    /// Wall-clock time of the run, in milliseconds.
    pub duration_ms: u64,
    /// Distinct findings (deduplicated), warnings included.
    pub failures: usize,
    /// The operations left out, and why.
    pub skipped_operations: Vec<Skipped>,
    /// Operations in the spec: `operations` tested plus `skipped_operations`.
    pub operations_total: usize,
}

/// One exchange kept as an example of a finding.
#[derive(Debug, Clone, PartialEq)]
pub struct Example {
    /// The generated case the request was made from.
    pub case: Case,
    /// The request as it went on the wire.
    pub sent: Sent,
    /// The answer, its body cut to [`EXCERPT`] bytes (then `truncated`).
    pub response: Option<Response>,
    /// Which credentials the request carried (curl lines reproduce them by reference).
    pub credentials: Credentials,
}

impl Example {
    /// The example as kept: a body longer than [`EXCERPT`] is cut (and marked `truncated`), and
    /// the buffer is shrunk, so that a finding never holds a whole large answer.
    pub fn bounded(mut self) -> Example {
        if let Some(response) = &mut self.response
            && response.body.len() > EXCERPT
        {
            response.body.truncate(EXCERPT);
            response.body.shrink_to_fit();
            response.truncated = true;
        }
        self
    }
}

/// One deduplicated finding: the same check failing the same way on the same operation.
#[derive(Debug, Clone, PartialEq)]
pub struct Finding {
    /// The check that failed.
    pub check: CheckName,
    /// The operation's id: its operationId, or `METHOD path` when it has none.
    pub operation: String,
    /// The operation's index in `Spec::operations`.
    pub operation_index: usize,
    /// What was expected and what came, as a sentence fragment.
    pub message: String,
    /// What identifies this way of failing (with the check and operation).
    pub signature: String,
    /// How many exchanges failed this way.
    pub count: usize,
    /// The minimal example (shrunk when the case was random).
    pub example: Example,
    /// Whether `example` is the shrunk form of a random case.
    pub shrunk: bool,
    /// For stateful findings: every step of the sequence, in order.
    pub steps: Vec<Example>,
    /// A warning fails the run only with `--strict`.
    pub severity: Severity,
}

/// What a run found. Its `Debug` output goes through the same redaction as every report: the
/// secret values are listed by count only and replaced wherever else they appear (a server may
/// echo a credential into a body).
#[derive(Clone)]
pub struct RunReport {
    /// The spec as the user gave it (a path or a URL).
    pub spec: String,
    /// The target the requests went to, as reports show it.
    pub target: String,
    /// The seed the generator drew from (repeat it to repeat the run).
    pub seed: u64,
    /// How requests authenticated (curl lines name the matching environment variables).
    pub auth: AuthMode,
    /// Run totals.
    pub stats: Stats,
    /// Counts per tested operation, in the spec's order.
    pub operations: Vec<OperationStats>,
    /// The deduplicated findings.
    pub findings: Vec<Finding>,
    /// Problems found in the spec itself (while loading it or generating from it).
    pub spec_findings: Vec<crate::spec::SpecFinding>,
    /// Secret values to redact from every rendering.
    pub secrets: Vec<String>,
    /// conform's own failures during the run (a bug if ever non-empty).
    pub internal_errors: Vec<String>,
    /// Things that make the run say less than it seems to (most valid requests refused…).
    pub warnings: Vec<String>,
    /// `--strict`: warning-level findings fail the run too.
    pub strict: bool,
    /// Why the run could not finish (credentials stopped working): exit 2, whatever was found.
    pub errors: Vec<String>,
    /// How much of each operation's contract the run exercised (every operation of the spec).
    pub coverage: super::coverage::Coverage,
}

impl std::fmt::Debug for RunReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        struct Fields<'a>(&'a RunReport);
        impl std::fmt::Debug for Fields<'_> {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                let r = self.0;
                f.debug_struct("RunReport")
                    .field("spec", &r.spec)
                    .field("target", &r.target)
                    .field("seed", &r.seed)
                    .field("auth", &r.auth)
                    .field("stats", &r.stats)
                    .field("operations", &r.operations)
                    .field("findings", &r.findings)
                    .field("spec_findings", &r.spec_findings)
                    .field("secrets", &format_args!("[{} redacted]", r.secrets.len()))
                    .field("internal_errors", &r.internal_errors)
                    .field("warnings", &r.warnings)
                    .field("strict", &r.strict)
                    .field("errors", &r.errors)
                    .field("coverage", &r.coverage)
                    .finish()
            }
        }
        let text = if f.alternate() { format!("{:#?}", Fields(self)) } else { format!("{:?}", Fields(self)) };
        f.write_str(&super::redact::Redactor::for_debug(&self.secrets).text(&text))
    }
}

impl RunReport {
    /// Whether any check failed (warnings count only with `--strict`).
    pub fn failed(&self) -> bool {
        self.findings.iter().any(|f| self.strict || f.severity == Severity::Error)
    }

    /// `Some(why)`, on one line, when the run must end with exit 2 whatever it found: an error
    /// of the run (credentials stopped working), or no operation tested at all (then the
    /// reasons of the skipped operations, most common first).
    pub fn run_error(&self) -> Option<String> {
        if let Some(error) = self.errors.first() {
            return Some(error.clone());
        }
        if self.stats.operations > 0 {
            return None;
        }
        let skipped = &self.stats.skipped_operations;
        if skipped.is_empty() {
            return Some("nothing was tested: the spec has no operations".to_owned());
        }
        if let [only] = skipped.as_slice() {
            return Some(format!("nothing was tested: {} was skipped: {}", only.operation, only.reason));
        }
        let mut by_reason: Vec<(&str, usize)> = Vec::new();
        for s in skipped {
            match by_reason.iter_mut().find(|(r, _)| *r == s.reason) {
                Some((_, n)) => *n += 1,
                None => by_reason.push((s.reason.as_str(), 1)),
            }
        }
        by_reason.sort_by_key(|(_, n)| std::cmp::Reverse(*n));
        let shown: Vec<String> = by_reason.iter().take(3).map(|(r, n)| format!("{n} {r}")).collect();
        let more = if by_reason.len() > 3 { format!("; {} other reasons", by_reason.len() - 3) } else { String::new() };
        Some(format!("nothing was tested: all {} operations were skipped ({}{more})", skipped.len(), shown.join("; ")))
    }
}
