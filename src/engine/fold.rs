//! The report builder: an [`EventSink`] that folds a run's events into the counts, the
//! deduplicated findings, the contract coverage and the notes a [`RunReport`] is made of, then [`finish`] turns them
//! into the report.
//!
//! It keeps, for each way of failing (operation, check, signature), the example of the earliest
//! exchange in the run's order ([`Position`]), so that a report is the same for a seed whatever
//! order the tasks finished in. It never sends and never judges.

use super::RunPlan;
use crate::model::AuthMode;
use crate::model::coverage::Coverage;
use crate::model::events::{Event, EventSink, Phase, Position};
use crate::model::{
    CheckFailure, CheckName, CheckSet, Credentials, Example, Finding, OperationStats, RunReport, SkipCause, Skipped,
    Stats,
};
use crate::spec::Operation;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU32, AtomicUsize, Ordering};
use std::time::Instant;

/// A way of failing: (operation, check, signature).
pub(super) type Key = (usize, CheckName, String);

pub(super) struct Entry {
    pub(super) failure: CheckFailure,
    count: usize,
    /// Position of the kept example (the earliest wins).
    pub(super) order: Position,
    pub(super) example: Example,
    /// Every step of a failing sequence (stateful findings only).
    steps: Vec<Example>,
}

/// Folds events into a report's material. Events come one at a time from the engine's task;
/// the locks are never contended.
#[derive(Default)]
pub(super) struct ReportBuilder {
    pub(super) findings: Mutex<BTreeMap<Key, Entry>>,
    /// Failing exchanges per (operation, check).
    by_check: Mutex<BTreeMap<(usize, CheckName), usize>>,
    pub(super) requests: Vec<AtomicUsize>,
    /// Per operation, the checks that judged at least one of its exchanges ([`CheckSet::bits`]).
    judged: Vec<AtomicU32>,
    /// Valid cases answered, and how many of them 401 or 403 (a sign of bad credentials).
    valid_answered: AtomicUsize,
    valid_refused: AtomicUsize,
    /// Stateful sequences dropped because they could not say anything: operations by why.
    notes: Mutex<BTreeMap<String, BTreeSet<usize>>>,
    /// What the exchanges exercised of each operation's contract.
    coverage: Mutex<Coverage>,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

impl ReportBuilder {
    pub(super) fn new(operations: &[Operation]) -> ReportBuilder {
        ReportBuilder {
            requests: operations.iter().map(|_| AtomicUsize::new(0)).collect(),
            judged: operations.iter().map(|_| AtomicU32::new(0)).collect(),
            coverage: Mutex::new(Coverage::new(operations)),
            ..ReportBuilder::default()
        }
    }

    /// One failing exchange: counted, and kept as the example when it is the earliest.
    fn record(&self, op: usize, order: Position, failure: &CheckFailure, example: &Example) {
        *lock(&self.by_check).entry((op, failure.check)).or_default() += 1;
        let mut findings = lock(&self.findings);
        let key = (op, failure.check, failure.signature.clone());
        match findings.get_mut(&key) {
            Some(entry) => {
                entry.count += 1;
                if order < entry.order {
                    entry.order = order;
                    entry.failure = failure.clone();
                    entry.example = example.clone().bounded();
                }
            }
            None => {
                let example = example.clone().bounded();
                findings.insert(key, Entry { failure: failure.clone(), count: 1, order, example, steps: Vec::new() });
            }
        }
    }

    /// A failing sequence with all its steps (the last one is the example). A later sequence
    /// failing the same way only adds to the count.
    fn record_sequence(&self, op: usize, order: Position, failure: &CheckFailure, steps: &[Example]) {
        let steps: Vec<Example> = steps.iter().cloned().map(Example::bounded).collect();
        let Some(example) = steps.last().cloned() else { return };
        *lock(&self.by_check).entry((op, failure.check)).or_default() += 1;
        let mut findings = lock(&self.findings);
        let key = (op, failure.check, failure.signature.clone());
        match findings.get_mut(&key) {
            Some(entry) => entry.count += 1,
            None => {
                findings.insert(key, Entry { failure: failure.clone(), count: 1, order, example, steps });
            }
        }
    }
}

impl EventSink for ReportBuilder {
    fn event(&self, event: &Event<'_>) {
        match *event {
            Event::CaseSent { operation, requests, .. } => {
                if let Some(n) = self.requests.get(operation) {
                    n.fetch_add(requests, Ordering::Relaxed);
                }
            }
            Event::AnswerJudged { phase, operation, valid, status, checks, .. } => {
                if let Some(slot) = self.judged.get(operation) {
                    slot.fetch_or(checks.bits(), Ordering::Relaxed);
                }
                // Only the generated cases tell whether the credentials work: probes are meant
                // to be refused, sequences work on made-up items.
                if let (true, true, Some(status)) = (phase.is_case(), valid, status) {
                    self.valid_answered.fetch_add(1, Ordering::Relaxed);
                    if matches!(status, 401 | 403) {
                        self.valid_refused.fetch_add(1, Ordering::Relaxed);
                    }
                }
            }
            Event::Finding { phase: Phase::Stateful, operation, position, failure, steps, .. } if !steps.is_empty() => {
                self.record_sequence(operation, position, failure, steps);
            }
            Event::Finding { operation, position, failure, example, .. } => {
                self.record(operation, position, failure, example);
            }
            Event::Shrunk { operation, check, signature, failure, example } => {
                let mut findings = lock(&self.findings);
                if let Some(entry) = findings.get_mut(&(operation, check, signature.to_owned())) {
                    entry.failure = failure.clone();
                    entry.order.shrunk = true;
                    entry.example = example.clone().bounded();
                }
            }
            Event::Covered { operation, facts } => lock(&self.coverage).record(operation, facts),
            Event::Note { operation, why } => {
                lock(&self.notes).entry(why.to_owned()).or_default().insert(operation);
            }
            _ => {}
        }
    }
}

/// Folds what the builder gathered into the report. `stopped`: where the credentials stopped
/// working, if they did ([`super::lockout::Watch::stopped_after`]).
pub(super) fn finish(
    plan: &RunPlan,
    collector: &ReportBuilder,
    stopped: Option<(usize, usize)>,
    started: Instant,
    internal_errors: Vec<String>,
) -> RunReport {
    let findings_map =
        std::mem::take(&mut *collector.findings.lock().unwrap_or_else(std::sync::PoisonError::into_inner));
    let by_check = collector.by_check.lock().unwrap_or_else(std::sync::PoisonError::into_inner).clone();
    let findings: Vec<Finding> = findings_map
        .into_iter()
        // After a lockout, refusals of the configured credentials are the run's error, not findings.
        .filter(|(_, e)| {
            stopped.is_none()
                || e.example.credentials != Credentials::Configured
                || !e.example.response.as_ref().is_some_and(|r| matches!(r.status, 401 | 403))
        })
        .map(|((op, check, signature), e)| Finding {
            check,
            operation: plan.spec.operations[op].id.clone(),
            operation_index: op,
            message: e.failure.message,
            signature,
            count: e.count,
            shrunk: e.order.shrunk,
            example: e.example,
            steps: e.steps,
            severity: e.failure.severity,
        })
        .collect();
    let mut skipped_ops = plan.skipped.clone();
    let is_skipped: std::collections::HashSet<&str> = plan.skipped.iter().map(|s| s.operation.as_str()).collect();
    for (i, op) in plan.spec.operations.iter().enumerate() {
        if !is_skipped.contains(op.id.as_str()) && collector.requests[i].load(Ordering::Relaxed) == 0 {
            skipped_ops.push(Skipped::new(
                op,
                SkipCause::NotReached,
                "no request was sent before the run stopped".into(),
            ));
        }
    }
    let operations: Vec<OperationStats> = plan
        .spec
        .operations
        .iter()
        .enumerate()
        .filter(|(_, op)| !is_skipped.contains(op.id.as_str()))
        .filter(|(i, _)| collector.requests[*i].load(Ordering::Relaxed) > 0)
        .map(|(i, op)| OperationStats {
            operation: op.id.clone(),
            method: op.method.as_str().to_owned(),
            path: op.path.clone(),
            requests: collector.requests[i].load(Ordering::Relaxed),
            failures: findings.iter().filter(|f| f.operation_index == i).count(),
            by_check: by_check.iter().filter(|((o, _), _)| *o == i).map(|((_, c), n)| (*c, *n)).collect(),
            checks: CheckSet::from_bits(collector.judged[i].load(Ordering::Relaxed)).iter().collect(),
        })
        .collect();
    let mut coverage = std::mem::take(&mut *lock(&collector.coverage));
    for s in &skipped_ops {
        if let Some(i) = plan.spec.operations.iter().position(|op| op.id == s.operation) {
            coverage.skip(i, &s.reason);
        }
    }
    let mut spec_findings = plan.spec.findings.clone();
    spec_findings.extend(plan.generator.findings().iter().cloned());
    RunReport {
        spec: plan.spec.source.clone(),
        target: plan.target_display.clone(),
        seed: plan.seed,
        auth: plan.transport.auth.mode(),
        stats: Stats {
            operations: operations.len(),
            requests: collector.requests.iter().map(|r| r.load(Ordering::Relaxed)).sum(),
            duration_ms: started.elapsed().as_millis() as u64,
            failures: findings.len(),
            skipped_operations: skipped_ops,
            operations_total: plan.spec.operations.len(),
        },
        operations,
        findings,
        spec_findings,
        secrets: plan.secrets(),
        internal_errors,
        warnings: if stopped.is_some() {
            Vec::new()
        } else {
            warnings(plan, collector)
                .into_iter()
                .chain(collector.notes.lock().unwrap_or_else(std::sync::PoisonError::into_inner).iter().map(
                    |(why, ops)| {
                        // Ids in order, as the report always listed them.
                        let ops: BTreeSet<&str> = ops.iter().map(|&i| plan.spec.operations[i].id.as_str()).collect();
                        let ops: Vec<&str> = ops.into_iter().collect();
                        format!("stateful sequence dropped ({}): {why}", ops.join(", "))
                    },
                ))
                .collect()
        },
        strict: plan.strict,
        errors: stopped
            .map(|(op, step)| {
                format!(
                    "credentials stopped working after {} (step {step}); the run stopped there",
                    plan.spec.operations[op].id
                )
            })
            .into_iter()
            .collect(),
        coverage,
    }
}

/// A run where most valid requests were refused tested little: say so rather than look clean.
fn warnings(plan: &RunPlan, collector: &ReportBuilder) -> Vec<String> {
    let mut warnings = Vec::new();
    if plan.insecure_tls {
        warnings.push(crate::tls::INSECURE_WARNING.to_owned());
    }
    let answered = collector.valid_answered.load(Ordering::Relaxed);
    let refused = collector.valid_refused.load(Ordering::Relaxed);
    if answered >= 10 && refused * 2 > answered {
        let given_with_h: Vec<&str> = plan
            .transport
            .extra_headers
            .iter()
            .map(|(name, _)| name.as_str())
            .filter(|name| {
                crate::model::redact::is_credential_header(name) || plan.transport.auth.is_credential_header(name)
            })
            .collect();
        let how = match plan.transport.auth.mode() {
            AuthMode::None if !given_with_h.is_empty() => {
                format!("check the credentials given with -H ({})", given_with_h.join(", "))
            }
            AuthMode::None => "no credentials were given (--auth, or the environment variables in README)".to_owned(),
            mode => format!("check the {mode:?} credentials").to_lowercase(),
        };
        warnings.push(format!(
            "{refused} of {answered} valid requests were refused with 401 or 403, so most checks saw only errors: {how}"
        ));
    }
    warnings
}
