//! The shared machinery of the phases: the [`Emitter`] that turns what workers did into
//! events, the one worker [`pool`], and judging an answer with the check catalogue ([`judge`],
//! [`judge_answer`]). Every phase (`phases`, `probes`, `stateful`, `shrink`) uses it; it uses none
//! of them.

use super::RunPlan;
use super::fold::ReportBuilder;
use super::gate::{Gate, Pass};
use super::lockout::Watch;
use crate::check::{self, AuthProbe, Exchange};
use crate::generate::Case;
use crate::model::coverage::Facts;
use crate::model::envelope::Answer;
use crate::model::events::{Event, EventSink, Phase, Position};
use crate::model::{CheckFailure, CheckName, CheckSet, Credentials, Example};
use crate::spec::Operation;
use crate::transport::Outcome;
use std::future::Future;
use std::sync::Arc;

/// Delivers events: to the report builder, then to the caller's sink.
pub(super) struct Emitter<'s> {
    pub(super) builder: &'s ReportBuilder,
    pub(super) sink: &'s dyn EventSink,
}

impl Emitter<'_> {
    pub(super) fn emit(&self, event: Event<'_>) {
        self.builder.event(&event);
        self.sink.event(&event);
    }

    /// The events of one judged exchange.
    pub(super) fn judged(&self, done: Judged) {
        let Judged { phase, position, operation, valid, requests, status, checks, failures, example, facts } = done;
        self.emit(Event::CaseSent { phase, operation, requests });
        self.emit(Event::AnswerJudged { phase, operation, valid, status, checks, failures: failures.len() });
        self.emit(Event::Covered { operation, facts: &facts });
        if let Some(example) = &example {
            for failure in &failures {
                self.emit(Event::Finding { phase, operation, position, failure, example, steps: &[] });
            }
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

/// One exchange, sent and judged: what the events need of it. The exchange itself is kept (as
/// an [`Example`], cut to size on the worker) only when a check failed on it.
pub(super) struct Judged {
    pub(super) phase: Phase,
    pub(super) position: Position,
    pub(super) operation: usize,
    /// Whether the case was meant to satisfy the contract.
    pub(super) valid: bool,
    /// Requests the exchange took (retries included).
    pub(super) requests: usize,
    /// The effective status (inside an envelope), when an answer came.
    pub(super) status: Option<u16>,
    /// The checks that judged it ([`check::judged`]).
    pub(super) checks: CheckSet,
    pub(super) failures: Vec<CheckFailure>,
    /// The exchange, when `failures` is not empty.
    pub(super) example: Option<Example>,
    /// What the exchange exercised of the contract (indices, not the request).
    pub(super) facts: Facts,
}

impl Judged {
    /// A judged exchange, with its example made here (on the worker) only if something failed,
    /// and its coverage facts (read from `op`'s parameters, body and responses).
    #[allow(clippy::too_many_arguments)]
    pub(super) fn done(
        op: &Operation,
        phase: Phase,
        position: Position,
        case: Case,
        outcome: Outcome,
        credentials: Credentials,
        status: Option<u16>,
        checks: CheckSet,
        failures: Vec<CheckFailure>,
    ) -> Done {
        let (operation, valid, requests) = (case.operation, case.is_valid(), outcome.requests);
        let content_type = outcome.result.as_ref().ok().and_then(|r| r.content_type());
        let facts = Facts::of_case(op, &case, status, content_type);
        let example = (!failures.is_empty())
            .then(|| Example { case, sent: outcome.sent, response: outcome.result.ok(), credentials }.bounded());
        Done::Judged(Box::new(Judged {
            phase,
            position,
            operation,
            valid,
            requests,
            status,
            checks,
            failures,
            example,
            facts,
        }))
    }
}

/// The one worker pool: `workers` tasks take `jobs` in order (until `stop` says the credentials
/// stopped working) and hand what they did to this task, which emits it (after `observe` sees
/// it). A task that dies is a conform bug: the report says so and the rest goes on.
///
/// Each job gets its [`Pass`] through the run's conflict gate (`gate`): the job's number in
/// the pool's order, and [`Pass::enter`], which the work calls with its request's scope before
/// sending it, so that requests that may interact reach the server in the pool's order
/// whatever the concurrency. Dropping the pass (the work is done, ended early or panicked)
/// lets later jobs on.
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
    W: Fn(Pass, J) -> F + Clone + Send + 'static,
    F: Future<Output = Vec<Done>> + Send + 'static,
{
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<Done>();
    let gate = Arc::new(Gate::new(jobs.len()));
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..workers {
        let (jobs, gate, stop, work, tx) = (jobs.clone(), gate.clone(), stop.clone(), work.clone(), tx.clone());
        tasks.spawn(async move {
            loop {
                if stop.as_ref().is_some_and(|w| w.stopped()) {
                    break;
                }
                let Some(pass) = gate.take() else { break };
                let Some(&job) = jobs.get(pass.job()) else { break };
                for done in work(pass, job).await {
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
