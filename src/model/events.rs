//! The events a run emits, in a leaf module that the engine and the reporters both import (as
//! nextest keeps its events in `reporter/events.rs`), so that neither imports the other.
//!
//! The engine runs named [`Phase`]s and tells an [`EventSink`] what happens as it happens: a
//! case sent, an answer judged, a check failing, a phase skipped and why, an operation done,
//! the run finished. Events are delivered on the engine's own task, one at a time and in order;
//! a sink must be quick and must never block (a progress bar, a fold into a report). They
//! borrow what they describe: a sink that keeps something clones it.
//!
//! Nothing here sends or judges. The `Debug` output of an event never shows an exchange (a
//! server may echo a secret into an answer): only its kind, phase and operation.

use super::{CheckFailure, CheckName, CheckSet, Example, OperationStats, RunReport};
use crate::model::case::{Case, CaseOrigin};
use crate::model::coverage::Facts;
use serde::Serialize;

/// A named step of a run. The case phases share one pass over the generator's cases, in the
/// generator's order (which keeps a seed's requests identical); the others run after it, in
/// this order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Phase {
    /// The spec's own examples.
    Examples,
    /// Valid values at bounds and edges: bounds, enum values, optional fields present and
    /// absent, the edges a schema leaves open.
    Boundaries,
    /// Requests that break exactly one constraint (the mutation catalogue).
    Invalid,
    /// Seeded random requests (shrinkable).
    Random,
    /// Each secured operation without credentials, then with wrong ones (`ignored_auth`).
    AuthProbes,
    /// One request for an item that does not exist, on operations with a path parameter that
    /// document a 404, so that the 404's shape is checked even where every id is pinned.
    NotFoundProbes,
    /// Sequences that show whether a write is kept (`stateful_conformance`).
    Stateful,
    /// Random cases with a finding, simplified while they still fail the same way.
    Shrink,
}

impl Phase {
    /// Every phase, in the order a run reaches them.
    pub const ALL: [Phase; 8] = [
        Phase::Examples,
        Phase::Boundaries,
        Phase::Invalid,
        Phase::Random,
        Phase::AuthProbes,
        Phase::NotFoundProbes,
        Phase::Stateful,
        Phase::Shrink,
    ];

    /// The phase's name in reports and events (`auth_probes`).
    pub fn as_str(self) -> &'static str {
        match self {
            Phase::Examples => "examples",
            Phase::Boundaries => "boundaries",
            Phase::Invalid => "invalid",
            Phase::Random => "random",
            Phase::AuthProbes => "auth_probes",
            Phase::NotFoundProbes => "not_found_probes",
            Phase::Stateful => "stateful",
            Phase::Shrink => "shrink",
        }
    }

    /// The case phase a generated case belongs to: an invalid case is `invalid` whatever made
    /// it (except random draws, which are `random`).
    pub fn of(case: &Case) -> Phase {
        match case.origin {
            CaseOrigin::Random => Phase::Random,
            _ if !case.is_valid() => Phase::Invalid,
            CaseOrigin::Example => Phase::Examples,
            CaseOrigin::Boundary | CaseOrigin::Edge | CaseOrigin::Catalogue => Phase::Boundaries,
            CaseOrigin::Probe => Phase::NotFoundProbes,
        }
    }

    /// Whether the phase is one of the generated cases' (examples, boundaries, invalid, random).
    pub fn is_case(self) -> bool {
        matches!(self, Phase::Examples | Phase::Boundaries | Phase::Invalid | Phase::Random)
    }

    /// Whether the phase's requests are counted in [`Event::Started`]'s `planned` (the case
    /// phases and the probes; sequences and shrinking are open-ended).
    pub fn is_planned(self) -> bool {
        self.is_case() || matches!(self, Phase::AuthProbes | Phase::NotFoundProbes)
    }
}

impl std::fmt::Display for Phase {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why a phase did not run, for the whole run or for one operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum PhaseSkip {
    /// The check the phase serves is not selected (`ignored_auth` for auth probes,
    /// `stateful_conformance` for sequences).
    CheckNotSelected(CheckName),
    /// Nothing to do: the generator made no case of this kind for the operation (no example
    /// in the spec, no constraint to break, no room left by `--cases`), no tested operation
    /// requires authentication or documents a 404 for a path parameter, the spec's semantics
    /// give no sequence, or no random case has a finding to shrink.
    NothingToDo,
    /// The run's credentials stopped working: every later request would only be refused.
    LockedOut,
}

impl PhaseSkip {
    /// The reason as a lowercase fragment ("`stateful_conformance` is not selected").
    pub fn describe(self, phase: Phase) -> String {
        match self {
            PhaseSkip::CheckNotSelected(check) => format!("{check} is not selected"),
            PhaseSkip::LockedOut => "the credentials stopped working earlier in the run".to_owned(),
            PhaseSkip::NothingToDo => match phase {
                Phase::Examples => "the spec gives no example".to_owned(),
                Phase::Boundaries => "no boundary or edge value to send".to_owned(),
                Phase::Invalid => "no constraint the generator can break".to_owned(),
                Phase::Random => "no random case (--cases leaves no room, or none could be drawn)".to_owned(),
                Phase::AuthProbes => "no tested operation requires authentication".to_owned(),
                Phase::NotFoundProbes => "no tested operation documents a 404 for a path parameter".to_owned(),
                Phase::Stateful => "the spec's semantics give no sequence to run".to_owned(),
                Phase::Shrink => "no finding on a random case".to_owned(),
            },
        }
    }
}

/// Where an exchange stands in the run's order. Reports keep the example of the earliest
/// exchange that failed a way, whatever order concurrent tasks finished in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Position {
    /// The case's index in the run (probes and sequences follow the cases).
    pub slot: usize,
    /// The request within the slot (the second auth probe, a sequence's variant).
    pub step: usize,
    /// Whether the example is the shrunk form of a random case.
    pub shrunk: bool,
}

impl Position {
    /// The position of the `step`th request of `slot`.
    pub fn new(slot: usize, step: usize) -> Position {
        Position { slot, step, shrunk: false }
    }
}

/// One thing that happened in a run. Operations are indices into `Spec::operations`.
#[derive(Clone, Copy)]
#[non_exhaustive]
pub enum Event<'a> {
    /// The run starts: `planned` requests for the case phases and the probes.
    Started {
        /// The seed the generator draws from (repeat it to repeat the run).
        seed: u64,
        /// The target the requests go to, as reports show it.
        target: &'a str,
        /// How many operations are tested.
        operations: usize,
        /// Requests planned for the case phases and the probes (see [`Phase::is_planned`]).
        planned: u64,
    },
    /// A phase starts.
    PhaseStarted {
        /// The phase.
        phase: Phase,
    },
    /// A phase does not run, for the whole run (`operation: None`) or for one operation.
    PhaseSkipped {
        /// The phase that does not run.
        phase: Phase,
        /// The operation it does not run for; `None` for the whole run.
        operation: Option<usize>,
        /// Why.
        reason: PhaseSkip,
    },
    /// HTTP requests went out for an operation: `requests` counts retries (429, a Digest
    /// challenge) and a lockout verification.
    CaseSent {
        /// The phase the case belongs to.
        phase: Phase,
        /// The operation the requests went to.
        operation: usize,
        /// HTTP requests sent, retries included.
        requests: usize,
    },
    /// An exchange was judged (for [`Phase::Stateful`], a whole sequence). `status` is the
    /// effective status of the answer, `None` when none came; `checks` are the checks that
    /// judged it (empty for 404 probes and shrink attempts, which judge again what the cases
    /// judged); `failures` how many of them failed.
    AnswerJudged {
        /// The phase the exchange belongs to.
        phase: Phase,
        /// The operation the exchange went to.
        operation: usize,
        /// Whether the request satisfied the contract.
        valid: bool,
        /// The effective status of the answer; `None` when none came.
        status: Option<u16>,
        /// The checks that judged the exchange.
        checks: CheckSet,
        /// How many of those checks failed.
        failures: usize,
    },
    /// What an exchange of the case phases, the probes or a stateful sequence exercised of its
    /// operation's contract (shrinking re-sends what the cases covered: it gives none).
    Covered {
        /// The operation the exchange went to.
        operation: usize,
        /// Indices of what the request carried, its intent, the answer's status and media type.
        facts: &'a Facts,
    },
    /// A check failed on an exchange (or a sequence: then `steps` holds every step, in order,
    /// and `example` is the last).
    Finding {
        /// The phase the exchange belongs to.
        phase: Phase,
        /// The operation the exchange went to.
        operation: usize,
        /// Where the exchange stands in the run's order (the earliest example of a way of failing is kept).
        position: Position,
        /// The failing check, its message and signature.
        failure: &'a CheckFailure,
        /// The exchange that failed (a sequence's last step).
        example: &'a Example,
        /// A sequence's steps, in order; empty for a single exchange.
        steps: &'a [Example],
    },
    /// A random case with a finding was shrunk: the finding `(operation, check, signature)`
    /// now has this smaller example (and the failure it shows).
    Shrunk {
        /// The operation of the finding.
        operation: usize,
        /// The check of the finding.
        check: CheckName,
        /// The signature of the finding (with the check and operation, what identifies it).
        signature: &'a str,
        /// The failure the smaller example shows.
        failure: &'a CheckFailure,
        /// The smaller example.
        example: &'a Example,
    },
    /// A stateful sequence was dropped because it could not say anything, and why.
    Note {
        /// The operation the sequence was for.
        operation: usize,
        /// Why it was dropped, as a lowercase fragment.
        why: &'a str,
    },
    /// Nothing more will be sent for an operation: its counts.
    OperationDone {
        /// The operation.
        operation: usize,
        /// Its final counts.
        stats: &'a OperationStats,
    },
    /// The run is over.
    Finished {
        /// The complete report.
        report: &'a RunReport,
    },
}

impl Event<'_> {
    /// The event's kind, as a word (`case_sent`).
    pub fn kind(&self) -> &'static str {
        match self {
            Event::Started { .. } => "started",
            Event::PhaseStarted { .. } => "phase_started",
            Event::PhaseSkipped { .. } => "phase_skipped",
            Event::CaseSent { .. } => "case_sent",
            Event::AnswerJudged { .. } => "answer_judged",
            Event::Covered { .. } => "covered",
            Event::Finding { .. } => "finding",
            Event::Shrunk { .. } => "shrunk",
            Event::Note { .. } => "note",
            Event::OperationDone { .. } => "operation_done",
            Event::Finished { .. } => "finished",
        }
    }
}

impl std::fmt::Debug for Event<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut s = f.debug_struct(self.kind());
        match self {
            Event::PhaseStarted { phase } | Event::PhaseSkipped { phase, .. } => {
                s.field("phase", phase);
            }
            Event::CaseSent { phase, operation, .. }
            | Event::AnswerJudged { phase, operation, .. }
            | Event::Finding { phase, operation, .. } => {
                s.field("phase", phase).field("operation", operation);
            }
            Event::Shrunk { operation, .. }
            | Event::Covered { operation, .. }
            | Event::Note { operation, .. }
            | Event::OperationDone { operation, .. } => {
                s.field("operation", operation);
            }
            Event::Started { .. } | Event::Finished { .. } => {}
        }
        s.finish_non_exhaustive()
    }
}

/// Receives a run's events: a progress bar, a report builder, a log. Called on the engine's
/// task, in order; it must return quickly.
pub trait EventSink: Send + Sync {
    /// One event.
    fn event(&self, event: &Event<'_>);
}

/// A sink that ignores every event.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoProgress;

impl EventSink for NoProgress {
    fn event(&self, _event: &Event<'_>) {}
}
