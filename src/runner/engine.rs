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
//! display. Sequences and shrinking run on the engine's task, one request at a time.
//!
//! The path of one request: [`execute`] -> [`cases`] -> [`pool`] -> (worker) [`run_case`]:
//! `Transport::send`, `lockout::Watch::observe`, [`judge_answer`] (the check catalogue) ->
//! [`Emitter::judged`] on the engine's task -> `CaseSent`, `AnswerJudged`, `Finding` events ->
//! [`ReportBuilder`] -> `fold::finish` -> [`RunReport`] -> `Finished`.

use super::fold::{self, ReportBuilder};
use super::lockout::{self, Watch};
use super::transport::Outcome;
use super::{RunPlan, probes, shrink, stateful};
use crate::check::{self, AuthProbe, Exchange};
use crate::generate::{Case, CaseId};
use crate::model::envelope::Answer;
use crate::model::events::{Event, EventSink, Phase, PhaseSkip, Position};
use crate::model::{CheckFailure, CheckName, CheckSet, Credentials, Example, RunReport};
use crate::spec::Operation;
use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

/// Delivers events: to the report builder, then to the caller's sink.
pub(super) struct Emitter<'s> {
    pub(super) builder: &'s ReportBuilder,
    sink: &'s dyn EventSink,
}

impl Emitter<'_> {
    pub(super) fn emit(&self, event: Event<'_>) {
        self.builder.event(&event);
        self.sink.event(&event);
    }

    /// The events of one judged exchange.
    pub(super) fn judged(&self, done: Judged) {
        let Judged { phase, position, case, outcome, credentials, status, checks, failures } = done;
        let operation = case.operation;
        self.emit(Event::CaseSent { phase, operation, requests: outcome.requests });
        self.emit(Event::AnswerJudged {
            phase,
            operation,
            valid: case.is_valid(),
            status,
            checks,
            failures: failures.len(),
        });
        if failures.is_empty() {
            return;
        }
        let example = Example { case, sent: outcome.sent, response: outcome.result.ok(), credentials }.bounded();
        for failure in &failures {
            self.emit(Event::Finding { phase, operation, position, failure, example: &example, steps: &[] });
        }
    }

    fn done(&self, done: Done) {
        match done {
            Done::Sent { phase, operation, requests } => self.emit(Event::CaseSent { phase, operation, requests }),
            Done::Judged(judged) => self.judged(*judged),
        }
    }
}

/// What a worker hands to the engine's task.
pub(super) enum Done {
    /// Requests that no judged exchange owns (a lockout verification).
    Sent {
        phase: Phase,
        operation: usize,
        requests: usize,
    },
    Judged(Box<Judged>),
}

/// One exchange, sent and judged.
pub(super) struct Judged {
    pub(super) phase: Phase,
    pub(super) position: Position,
    pub(super) case: Case,
    pub(super) outcome: Outcome,
    pub(super) credentials: Credentials,
    /// The effective status (inside an envelope), when an answer came.
    pub(super) status: Option<u16>,
    /// The checks that judged it ([`check::judged`]).
    pub(super) checks: CheckSet,
    pub(super) failures: Vec<CheckFailure>,
}

/// Runs the plan to completion, telling `sink` what happens.
pub async fn execute(plan: RunPlan, sink: &dyn EventSink) -> RunReport {
    let started = Instant::now();
    let plan = Arc::new(plan);
    let watch = Arc::new(Watch::default());
    let builder = ReportBuilder::new(plan.spec.operations.len());
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
    } else if !plan.checks.contains(CheckName::StatefulConformance) {
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
        move |slot: usize, id: CaseId| {
            let (plan, watch) = (plan.clone(), watch.clone());
            async move {
                match plan.generator.case(id) {
                    Some(case) => run_case(&plan, &watch, case, Position::new(slot, 0)).await,
                    None => Vec::new(),
                }
            }
        }
    };
    // Which case phases each operation got, to say which it did not.
    let mut seen: Vec<[bool; 4]> = vec![[false; 4]; plan.spec.operations.len()];
    let track = |done: &Done, seen: &mut Vec<[bool; 4]>| {
        if let Done::Judged(j) = done
            && let Some(slot) = seen.get_mut(j.case.operation)
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

/// The one worker pool: `workers` tasks take `jobs` in order (until `stop` says the credentials
/// stopped working) and hand what they did to this task, which emits it (after `observe` sees
/// it). A task that dies is a conform bug: the report says so and the rest goes on.
#[allow(clippy::too_many_arguments)]
pub(super) async fn pool<J, W, F>(
    workers: usize,
    jobs: Arc<Vec<J>>,
    stop: Option<Arc<Watch>>,
    work: W,
    emit: &Emitter<'_>,
    what: &str,
    internal_errors: &mut Vec<String>,
    mut observe: impl FnMut(&Done),
) where
    J: Copy + Send + Sync + 'static,
    W: Fn(usize, J) -> F + Clone + Send + 'static,
    F: Future<Output = Vec<Done>> + Send + 'static,
{
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<Done>();
    let next = Arc::new(AtomicUsize::new(0));
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..workers {
        let (jobs, next, stop, work, tx) = (jobs.clone(), next.clone(), stop.clone(), work.clone(), tx.clone());
        tasks.spawn(async move {
            loop {
                if stop.as_ref().is_some_and(|w| w.stopped()) {
                    break;
                }
                let n = next.fetch_add(1, Ordering::Relaxed);
                let Some(&job) = jobs.get(n) else { break };
                for done in work(n, job).await {
                    // The receiver lives until every task has ended.
                    let _ = tx.send(done);
                }
            }
        });
    }
    drop(tx);
    let join = async {
        while let Some(result) = tasks.join_next().await {
            if let Err(e) = result {
                internal_errors.push(format!("a {what} task ended abnormally: {e}"));
            }
        }
    };
    let drain = async {
        while let Some(done) = rx.recv().await {
            observe(&done);
            emit.done(done);
        }
    };
    tokio::join!(join, drain);
}

/// Sends one case and judges the answer (on a worker).
async fn run_case(plan: &RunPlan, watch: &Watch, case: Case, position: Position) -> Vec<Done> {
    let mut out = Vec::new();
    let phase = Phase::of(&case);
    let op = &plan.spec.operations[case.operation];
    let outcome = plan.transport.send(&case.request, &plan.accept[case.operation], Credentials::Configured).await;
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
    out.push(Done::Judged(Box::new(Judged {
        phase,
        position,
        case,
        outcome,
        credentials: Credentials::Configured,
        status,
        checks,
        failures,
    })));
    out
}

/// Runs the checks on an outcome (a transport failure is the `transport` check's).
pub(super) fn judge(
    plan: &RunPlan,
    op: &Operation,
    case: &Case,
    outcome: &Outcome,
    probe: Option<AuthProbe>,
) -> Vec<CheckFailure> {
    judge_answer(plan, op, case, outcome, None, probe).0
}

/// [`judge`] with the effective answer of `outcome`, when the caller has unwrapped it already;
/// also gives the checks that judged the exchange (see [`check::judged`]).
pub(super) fn judge_answer(
    plan: &RunPlan,
    op: &Operation,
    case: &Case,
    outcome: &Outcome,
    answer: Option<&Answer<'_>>,
    probe: Option<AuthProbe>,
) -> (Vec<CheckFailure>, CheckSet) {
    let transport_only = plan.checks.intersect(CheckSet::none().with(CheckName::Transport));
    match &outcome.result {
        Err(t) => {
            if plan.checks.contains(CheckName::Transport) {
                (vec![CheckFailure::new(CheckName::Transport, t.message.clone(), t.kind)], transport_only)
            } else {
                (Vec::new(), transport_only)
            }
        }
        Ok(response) => {
            let mut failures = Vec::new();
            if response.truncated && plan.checks.contains(CheckName::Transport) {
                failures.push(CheckFailure::new(
                    CheckName::Transport,
                    format!(
                        "the {} body is larger than {} bytes; conform read only that much",
                        response.status, plan.transport.max_body
                    ),
                    "too_large",
                ));
            }
            let exchange = Exchange { operation: op, case, request: &case.request, response, probe };
            match answer {
                Some(answer) => failures.extend(check::run_on(plan.checks, &plan.context, &exchange, answer)),
                None => failures.extend(check::run(plan.checks, &plan.context, &exchange)),
            }
            (failures, check::judged(plan.checks, &plan.context, &exchange))
        }
    }
}
