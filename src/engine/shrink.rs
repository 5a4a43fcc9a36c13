//! The shrink phase: the kept example of every finding whose case was random is simplified
//! while the same check still fails the same way, within a request budget per finding.
//!
//! Runs on the engine's task, one request at a time, after every other phase: what it sends
//! depends on what the previous attempt showed. It changes a finding's example, never whether
//! the finding exists. Its targets are the kept examples (the earliest of each finding) and
//! the server's state is the one the gated pool left, so it shrinks the same way at any
//! concurrency.

use super::RunPlan;
use super::work::{Emitter, judge};
use crate::generate::{Case, CaseOrigin};
use crate::model::events::{Event, Phase, PhaseSkip};
use crate::model::{CheckFailure, CheckName, CheckSet, Credentials, Example};
use crate::transport::Outcome;

/// At most this many extra requests are spent shrinking one finding.
const SHRINK_BUDGET: usize = 64;

/// Shrinks every finding on a random case (see the module's doc).
pub(super) async fn run(plan: &RunPlan, emit: &Emitter<'_>) {
    let targets: Vec<((usize, CheckName, String), Case)> = {
        let findings = emit.builder.findings.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        findings
            .iter()
            .filter(|(_, e)| e.example.case.origin == CaseOrigin::Random && e.failure.check != CheckName::Transport)
            .map(|(k, e)| (k.clone(), e.example.case.clone()))
            .collect()
    };
    if targets.is_empty() {
        emit.emit(Event::PhaseSkipped { phase: Phase::Shrink, operation: None, reason: PhaseSkip::NothingToDo });
        return;
    }
    emit.emit(Event::PhaseStarted { phase: Phase::Shrink });
    for (key, case) in targets {
        let Some(mut shrinker) = plan.generator.shrinker(&case) else { continue };
        let op = &plan.spec.operations[case.operation];
        let mut best: Option<(Case, Outcome, CheckFailure)> = None;
        let mut spent = 0;
        let still_fails = |outcome: &Outcome, candidate: &Case| {
            judge(plan, op, candidate, outcome, None).into_iter().find(|f| f.check == key.1 && f.signature == key.2)
        };
        if shrinker.simplify() {
            while spent < SHRINK_BUDGET {
                let candidate = shrinker.current();
                let outcome = plan
                    .transport
                    .send(&candidate.request, &plan.accept[case.operation], Credentials::Configured)
                    .await;
                spent += 1;
                emit.emit(Event::CaseSent {
                    phase: Phase::Shrink,
                    operation: case.operation,
                    requests: outcome.requests,
                });
                let verdict = still_fails(&outcome, &candidate);
                emit.emit(Event::AnswerJudged {
                    phase: Phase::Shrink,
                    operation: case.operation,
                    valid: candidate.is_valid(),
                    status: outcome
                        .result
                        .as_ref()
                        .ok()
                        .map(|r| crate::model::envelope::effective(&candidate.request, r).status),
                    checks: CheckSet::none(),
                    failures: usize::from(verdict.is_some()),
                });
                let progressed = match verdict {
                    Some(failure) => {
                        best = Some((candidate, outcome, failure));
                        shrinker.simplify()
                    }
                    None => shrinker.complicate(),
                };
                if !progressed {
                    break;
                }
            }
        }
        if let Some((candidate, outcome, failure)) = best {
            let example = Example {
                case: candidate,
                sent: outcome.sent,
                response: outcome.result.ok(),
                credentials: Credentials::Configured,
            }
            .bounded();
            emit.emit(Event::Shrunk {
                operation: key.0,
                check: key.1,
                signature: &key.2,
                failure: &failure,
                example: &example,
            });
        }
    }
}
