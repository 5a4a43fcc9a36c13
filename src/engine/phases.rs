//! The engine: runs a [`RunPlan`] as named phases and tells an [`EventSink`] what happens.
//!
//! Phases, in order (see [`Phase`]): the case phases (examples, boundaries, invalid, random)
//! share one pass over the generator's cases, in its order, so that a seed sends the same
//! requests as it always did; then the auth probes and the 404 probes; then the stateful
//! sequences; then shrinking. Each phase that does not run says why ([`PhaseSkip`]), for the
//! run or for an operation.
//!
//! One worker pool serves every concurrent phase: workers send and judge (the CPU work stays
//! spread over the runtime's threads) and hand each judged exchange to the engine's own task,
//! which turns it into events. Events go to the [`ReportBuilder`] first, then to the caller's
//! sink, one at a time: sinks need no locking of their own, and a worker never waits on a
//! display. The pool's gate (`gate`) sends requests that may interact in the run's order, so
//! the server answers as it would at concurrency 1. Sequences and shrinking run on the
//! engine's task, one request at a time.
//!
//! The path of one request: [`execute`] -> [`cases`] -> [`pool`] -> (worker) [`run_case`]:
//! `Transport::send`, `lockout::Watch::observe`, [`judge_answer`] (the check catalogue) ->
//! [`Emitter::judged`] on the engine's task -> `CaseSent`, `AnswerJudged`, `Finding` events ->
//! [`ReportBuilder`] -> `fold::finish` -> [`RunReport`] -> `Finished`.

use super::fold::{self, ReportBuilder};
use super::gate::{Pass, Scope};
use super::lockout::{self, Watch};
use super::work::{Done, Emitter, Judged, judge_answer, pool};
use super::{RunPlan, probes, shrink, stateful};
use crate::generate::{Case, CaseId};
use crate::model::events::{Event, EventSink, Phase, PhaseSkip, Position};
use crate::model::{CheckName, Credentials, RunReport};
use std::sync::Arc;
use std::time::Instant;

/// Runs the plan to completion, telling `sink` what happens.
pub async fn execute(plan: RunPlan, sink: &dyn EventSink) -> RunReport {
    let started = Instant::now();
    let plan = Arc::new(plan);
    let watch = Arc::new(Watch::default());
    let builder = ReportBuilder::new(&plan.spec.operations);
    let emit = Emitter { builder: &builder, sink };
    let mut internal_errors = Vec::new();
    let mut probes = probes::jobs(&plan);
    let probe_requests: usize = probes.iter().map(|p| p.requests()).sum();
    emit.emit(Event::Started {
        seed: plan.seed,
        target: &plan.target_display,
        operations: plan.spec.operations.len(),
        planned: (plan.ids.len() + probe_requests) as u64,
    });

    cases(&plan, &watch, &emit, &mut internal_errors).await;

    // Once the credentials stopped working, every later request would only be refused.
    let locked_out = watch.stopped();
    if locked_out {
        probes.clear();
    }
    let probe_count = probes.len();
    probes::run(&plan, probes, locked_out, &emit, &mut internal_errors).await;

    if locked_out {
        emit.emit(Event::PhaseSkipped { phase: Phase::Stateful, operation: None, reason: PhaseSkip::LockedOut });
    } else if !plan.checks.contains(CheckName::StatefulConformance) && !plan.checks.contains(CheckName::ObjectOwnership)
    {
        let reason = PhaseSkip::CheckNotSelected(CheckName::StatefulConformance);
        emit.emit(Event::PhaseSkipped { phase: Phase::Stateful, operation: None, reason });
    } else {
        emit.emit(Event::PhaseStarted { phase: Phase::Stateful });
        stateful::run(&plan, &emit, &plan.semantics, plan.ids.len() + probe_count).await;
    }

    if locked_out {
        emit.emit(Event::PhaseSkipped { phase: Phase::Shrink, operation: None, reason: PhaseSkip::LockedOut });
    } else {
        shrink::run(&plan, &emit).await;
    }

    let report = fold::finish(&plan, &builder, watch.stopped_after(), started, internal_errors);
    for stats in &report.operations {
        if let Some(operation) = plan.spec.operations.iter().position(|op| op.id == stats.operation) {
            emit.emit(Event::OperationDone { operation, stats });
        }
    }
    emit.emit(Event::Finished { report: &report });
    // Every task has ended, so this is the last reference.
    if let Ok(plan) = Arc::try_unwrap(plan)
        && let Some(mock) = plan.mock
    {
        mock.shutdown().await;
    }
    report
}

/// The case phases: every generated case, in the generator's order, until the credentials stop
/// working. Afterwards, each tested operation that got no case of a phase hears why.
async fn cases(plan: &Arc<RunPlan>, watch: &Arc<Watch>, emit: &Emitter<'_>, internal_errors: &mut Vec<String>) {
    for phase in Phase::ALL.into_iter().filter(|p| p.is_case()) {
        emit.emit(Event::PhaseStarted { phase });
    }
    let ids = plan.ids.clone();
    let workers = plan.concurrency.min(ids.len().max(1));
    let work = {
        let (plan, watch) = (plan.clone(), watch.clone());
        move |pass: Pass, id: CaseId| {
            let (plan, watch) = (plan.clone(), watch.clone());
            async move {
                match plan.generator.case(id) {
                    Some(case) => run_case(&plan, &watch, case, pass).await,
                    None => Vec::new(),
                }
            }
        }
    };
    // Which case phases each operation got, to say which it did not.
    let mut seen: Vec<[bool; 4]> = vec![[false; 4]; plan.spec.operations.len()];
    let track = |done: &Done, seen: &mut Vec<[bool; 4]>| {
        if let Done::Judged(j) = done
            && let Some(slot) = seen.get_mut(j.operation)
            && let Some(k) = Phase::ALL.iter().position(|p| *p == j.phase).filter(|&k| k < 4)
        {
            slot[k] = true;
        }
    };
    pool(workers, ids.clone(), Some(watch.clone()), work, emit, "request", internal_errors, |done| {
        track(done, &mut seen)
    })
    .await;
    let reason = if watch.stopped() { PhaseSkip::LockedOut } else { PhaseSkip::NothingToDo };
    let mut tested: Vec<usize> = ids.iter().map(|id| id.operation).collect();
    tested.sort_unstable();
    tested.dedup();
    for operation in tested {
        for (k, phase) in Phase::ALL.into_iter().take(4).enumerate() {
            if !seen[operation][k] {
                emit.emit(Event::PhaseSkipped { phase, operation: Some(operation), reason });
            }
        }
    }
}

/// Sends one case (once the gate lets it: see `gate`) and judges the answer (on a worker).
async fn run_case(plan: &RunPlan, watch: &Watch, case: Case, pass: Pass) -> Vec<Done> {
    let mut out = Vec::new();
    let phase = Phase::of(&case);
    let position = Position::new(pass.job(), 0);
    let op = &plan.spec.operations[case.operation];
    pass.enter(Scope::of(op, &case.request)).await;
    let outcome = plan.transport.send(&case.request, &plan.accept[case.operation], Credentials::Configured).await;
    // The server has answered: later requests to the same state may go.
    drop(pass);
    // Unwrapped once: the lockout watch and every check read it.
    let answer =
        outcome.result.as_ref().ok().map(|response| crate::model::envelope::effective(&case.request, response));
    if let (true, Some(answer)) = (case.is_valid(), &answer) {
        let safe = op.method == crate::spec::Method::Get;
        let next = watch.observe(case.operation, op.method.is_mutating(), safe, &case.request, answer.status);
        if let lockout::Next::Verify(canary_op, canary) = next {
            let verify = plan.transport.send(&canary, &plan.accept[canary_op], Credentials::Configured).await;
            out.push(Done::Sent { phase, operation: canary_op, requests: verify.requests });
            watch.verdict(verify.result.as_ref().ok().map(|r| r.status));
        }
    }
    let (failures, checks) = judge_answer(plan, op, &case, &outcome, answer.as_ref(), None);
    let status = answer.map(|a| a.status);
    out.push(Judged::done(op, phase, position, case, outcome, Credentials::Configured, status, checks, failures));
    out
}
