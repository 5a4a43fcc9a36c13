//! The probe phases: requests sent beside the cases, to provoke a documented answer that valid
//! requests with pinned values cannot. Auth probes send each secured operation's request
//! without credentials, then with wrong ones (`ignored_auth`); 404 probes ask for an item that
//! most likely does not exist, so that the 404's Content-Type and schema are checked even
//! where every valid request carries a real, pinned id.
//!
//! Probes share the run's worker pool and concurrency: one at a time, a server that stalls
//! requests without credentials cost two timeouts per secured operation. Their positions follow
//! the cases', which keeps reports deterministic whatever order they finish in, and the pool's
//! gate sends those that may interact (an auth probe of a write, against a server that ignores
//! credentials) in that order.

use super::RunPlan;
use super::gate::{Pass, Scope};
use super::work::{Done, Emitter, Judged, judge, judge_answer, pool};
use crate::check::AuthProbe;
use crate::generate::{Case, CaseKind, CaseOrigin};
use crate::model::events::{Event, Phase, PhaseSkip, Position};
use crate::model::{CheckName, CheckSet, Credentials};
use std::sync::Arc;

/// One probe job.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum ProbeJob {
    /// Without credentials, then with wrong ones.
    Auth(usize),
    /// With path values that are not the pinned ones (see `Generator::unknown_id_request`).
    UnknownId(usize),
}

impl ProbeJob {
    /// HTTP requests the job sends (retries aside).
    pub(super) fn requests(self) -> usize {
        match self {
            ProbeJob::Auth(_) => 2,
            ProbeJob::UnknownId(_) => 1,
        }
    }
}

/// Every probe of the run: auth probes, then one unknown-id probe for each operation with a
/// path parameter that documents a 404 (exactly or as `4XX`).
pub(super) fn jobs(plan: &RunPlan) -> Vec<ProbeJob> {
    let mut jobs: Vec<ProbeJob> = auth_probe_ops(plan).into_iter().map(ProbeJob::Auth).collect();
    let mut ops: Vec<usize> = plan.ids.iter().map(|id| id.operation).collect();
    ops.dedup();
    for i in ops {
        let op = &plan.spec.operations[i];
        let documents_404 = op.responses.iter().any(|r| match r.status {
            crate::spec::StatusSpec::Code(c) => c == 404,
            crate::spec::StatusSpec::Range(d) => d == 4,
            crate::spec::StatusSpec::Default => false,
        });
        if documents_404 && op.params_in(crate::spec::ParamLocation::Path).next().is_some() {
            jobs.push(ProbeJob::UnknownId(i));
        }
    }
    jobs
}

/// Operations whose security requirement is probed with missing and wrong credentials.
fn auth_probe_ops(plan: &RunPlan) -> Vec<usize> {
    if !plan.checks.contains(CheckName::IgnoredAuth) {
        return Vec::new();
    }
    let mut ops: Vec<usize> = plan.ids.iter().map(|id| id.operation).collect();
    ops.dedup();
    ops.retain(|&i| plan.spec.operations[i].requires_auth());
    ops
}

/// Runs the probe phases (`jobs` is empty after a lockout).
pub(super) async fn run(
    plan: &Arc<RunPlan>,
    jobs: Vec<ProbeJob>,
    locked_out: bool,
    emit: &Emitter<'_>,
    internal_errors: &mut Vec<String>,
) {
    for (phase, any) in [
        (Phase::AuthProbes, jobs.iter().any(|j| matches!(j, ProbeJob::Auth(_)))),
        (Phase::NotFoundProbes, jobs.iter().any(|j| matches!(j, ProbeJob::UnknownId(_)))),
    ] {
        let reason = if locked_out {
            PhaseSkip::LockedOut
        } else if phase == Phase::AuthProbes && !plan.checks.contains(CheckName::IgnoredAuth) {
            PhaseSkip::CheckNotSelected(CheckName::IgnoredAuth)
        } else {
            PhaseSkip::NothingToDo
        };
        if any {
            emit.emit(Event::PhaseStarted { phase });
        } else {
            emit.emit(Event::PhaseSkipped { phase, operation: None, reason });
        }
    }
    let workers = plan.concurrency.min(jobs.len());
    let first = plan.ids.len();
    let work = {
        let plan = plan.clone();
        move |pass: Pass, job: ProbeJob| {
            let plan = plan.clone();
            async move {
                match job {
                    ProbeJob::Auth(op) => auth_probes(&plan, op, first, pass).await,
                    ProbeJob::UnknownId(op) => unknown_id_probe(&plan, op, first, pass).await,
                }
            }
        }
    };
    pool(workers, Arc::new(jobs), None, work, emit, "probe", internal_errors, |_| {}).await;
}

/// Sends one valid request for an item that most likely does not exist; judged like any valid
/// case, except that it is never expected to be accepted.
async fn unknown_id_probe(plan: &RunPlan, op_index: usize, first: usize, pass: Pass) -> Vec<Done> {
    let slot = first + pass.job();
    let op = &plan.spec.operations[op_index];
    let Some(request) = plan.generator.unknown_id_request(op_index, plan.seed) else { return Vec::new() };
    let case = Case {
        operation: op_index,
        index: 0,
        kind: CaseKind::Valid,
        origin: CaseOrigin::Probe,
        seed: None,
        request,
        edge: None,
    };
    pass.enter(Scope::of(op, &case.request)).await;
    let outcome = plan.transport.send(&case.request, &plan.accept[op_index], Credentials::Configured).await;
    drop(pass);
    let failures = judge(plan, op, &case, &outcome, None);
    let status = outcome.result.as_ref().ok().map(|r| crate::model::envelope::effective(&case.request, r).status);
    vec![Judged::done(
        op,
        Phase::NotFoundProbes,
        Position::new(slot, 0),
        case,
        outcome,
        Credentials::Configured,
        status,
        CheckSet::none(),
        failures,
    )]
}

/// Sends an operation's valid request without credentials, then with wrong ones.
async fn auth_probes(plan: &RunPlan, op_index: usize, first: usize, pass: Pass) -> Vec<Done> {
    let slot = first + pass.job();
    let op = &plan.spec.operations[op_index];
    let Some(request) = plan.generator.valid_request(op_index, plan.seed, &[]) else { return Vec::new() };
    let case = Case {
        operation: op_index,
        index: 0,
        kind: CaseKind::Valid,
        origin: CaseOrigin::Example,
        seed: None,
        request,
        edge: None,
    };
    // A server that ignores credentials applies what these requests change: they are ordered
    // as any request (see `gate`).
    pass.enter(Scope::of(op, &case.request)).await;
    let mut out = Vec::new();
    for (n, (probe, credentials)) in
        [(AuthProbe::NoCredentials, Credentials::Omitted), (AuthProbe::WrongCredentials, Credentials::Wrong)]
            .into_iter()
            .enumerate()
    {
        let outcome = plan.transport.send(&case.request, &plan.accept[op_index], credentials).await;
        let (failures, checks) = judge_answer(plan, op, &case, &outcome, None, Some(probe));
        let status = outcome.result.as_ref().ok().map(|r| crate::model::envelope::effective(&case.request, r).status);
        out.push(Judged::done(
            op,
            Phase::AuthProbes,
            Position::new(slot, n),
            case.clone(),
            outcome,
            credentials,
            status,
            checks,
            failures,
        ));
    }
    out
}
