//! `stateful_conformance`: short sequences that show whether the API keeps its word. Single
//! requests cannot see a lost write; a write followed by the matching read can.
//!
//! Sequences come from the spec's semantics (`spec::semantics`, the same model the reference
//! mock implements), so any spec gets them: write then read, reset then read, increment,
//! toggle twice, create -> read -> update -> read -> delete -> read, and OpenAPI links. Each
//! runs on a fresh resource (new path values) unless the user pinned them. A failing sequence is
//! shrunk: set-up steps are dropped and the written body is cut to the fields that matter while
//! it still fails the same way. The finding keeps every step, in order, for the report and its
//! curl script.
//!
//! This module plans the sequences and sends them; comparing what was written with what is
//! read back is the check catalogue's (`check::stateful`), pure and tested there.

use super::RunPlan;
use super::work::Emitter;
use crate::check::collection::{self, Paging};
use crate::check::stateful::{Fields, changes, compact, compare_written, first_difference, id_fits, same, shown};
use crate::generate::{Case, CaseKind, CaseOrigin, Request};
use crate::model::coverage::Facts;
use crate::model::events::{Event, Phase, Position};
use crate::model::{CheckFailure, CheckName, CheckSet, Credentials, Example};
use crate::spec::semantics::{Effect, Resource, ResourceKind, Semantics};
use crate::spec::{Operation, ParamLocation, pointer};
use crate::transport::Outcome;
use serde_json::{Map, Value};

/// Sequences of each kind per resource (each with its own seed).
fn variants(cases: usize) -> usize {
    (cases / 10).clamp(1, 10)
}

/// One sequence to run.
#[derive(Debug, Clone)]
enum Scenario {
    /// Read, write, read: the write's fields (and its `set`) must show.
    WriteRead { write: usize, read: usize, prep: Vec<usize> },
    /// Write, reset, read: the written values must be gone (and, against the embedded mock, the
    /// default restored).
    Reset { write: Option<usize>, reset: usize, read: usize },
    /// Read, increment, read: the field must go up by one.
    Increment { op: usize, read: usize, field: String },
    /// Read, toggle, read, toggle, read: the field flips, then flips back.
    Toggle { op: usize, read: usize, field: String },
    /// Create, read, update, read, delete, read: what was created can be read, updated and
    /// deleted, and is then gone.
    Lifecycle { create: usize, read: usize, update: Option<usize>, delete: Option<usize> },
    /// An OpenAPI link: the linked operation, fed from the first answer, must not say 404.
    Link { from: usize, link: usize, to: usize },
    /// Create, list, delete, list: the list shows the new item, then no longer does.
    Listing { create: usize, list: usize, delete: Option<usize> },
    /// `object_ownership` of a collection: create under parent A, then read, update and delete
    /// the item under another parent B (and with a second tenant's credentials): none of them
    /// may serve, change or remove A's item.
    Ownership { create: usize, read: usize, update: Option<usize>, delete: Option<usize> },
    /// `object_ownership` of a singleton per parent: writing A's must not show under B, and a
    /// second tenant must not read A's.
    SingletonOwnership { write: usize, read: usize },
}

impl Scenario {
    /// The operation a finding is filed under.
    fn operation(&self) -> usize {
        match self {
            Scenario::WriteRead { write, .. } => *write,
            Scenario::Reset { reset, .. } => *reset,
            Scenario::Increment { op, .. } | Scenario::Toggle { op, .. } => *op,
            Scenario::Lifecycle { create, .. } => *create,
            Scenario::Link { from, .. } => *from,
            Scenario::Listing { list, .. } => *list,
            Scenario::Ownership { read, .. } | Scenario::SingletonOwnership { read, .. } => *read,
        }
    }

    /// The operation whose path values the sequence picks first.
    fn anchor(&self) -> usize {
        match self {
            Scenario::Listing { create, .. } | Scenario::Ownership { create, .. } => *create,
            Scenario::SingletonOwnership { write, .. } => *write,
            other => other.operation(),
        }
    }

    /// The check that judges the sequence.
    fn check(&self) -> CheckName {
        match self {
            Scenario::Ownership { .. } | Scenario::SingletonOwnership { .. } => CheckName::ObjectOwnership,
            _ => CheckName::StatefulConformance,
        }
    }
}

fn op_index(plan: &RunPlan, id: &str) -> Option<usize> {
    plan.spec.operations.iter().position(|o| o.id == id)
}

/// Operations the run may send (selected and not skipped).
fn active(plan: &RunPlan, op: usize) -> bool {
    plan.ids.iter().any(|id| id.operation == op)
}

fn reader(plan: &RunPlan, semantics: &Semantics, resource: &str) -> Option<usize> {
    semantics
        .operations
        .iter()
        .find(|(_, e)| matches!(e, Effect::Read { resource: r } if r == resource))
        .and_then(|(id, _)| op_index(plan, id))
}

/// Every scenario the semantics support among the active operations.
fn scenarios(plan: &RunPlan, semantics: &Semantics) -> Vec<Scenario> {
    let mut out = Vec::new();
    // Lists and ownership come after the older kinds, which keep their seeds.
    let mut later = Vec::new();
    for (name, resource) in &semantics.resources {
        let Some(read) = reader(plan, semantics, name) else { continue };
        let ops: Vec<(usize, &Effect)> = semantics
            .operations
            .iter()
            .filter(|(_, e)| e.resource() == Some(name.as_str()))
            .filter_map(|(id, e)| op_index(plan, id).filter(|&i| active(plan, i)).map(|i| (i, e)))
            .collect();
        let find = |want: fn(&Effect) -> bool| ops.iter().find(|(_, e)| want(e)).map(|(i, _)| *i);
        let write = find(|e| matches!(e, Effect::Merge { .. } | Effect::Replace { .. }));
        let delete = find(|e| matches!(e, Effect::Delete { .. }));
        if resource.kind == ResourceKind::Collection {
            if let Some(create) = find(|e| matches!(e, Effect::Create { .. }))
                && active(plan, read)
            {
                out.push(Scenario::Lifecycle { create, read, update: write, delete });
                // A list whose items cannot be named by the id field: with a sidecar the
                // sequence says so in a note; a guessed pairing is not even tried.
                let id_field = resource.id_field.as_deref().unwrap_or("id");
                if let Some(list) = find(|e| matches!(e, Effect::List { .. }))
                    && (semantics.source.is_some() || collection::names_items(&plan.spec.operations[list], id_field))
                {
                    later.push(Scenario::Listing { create, list, delete });
                }
                later.push(Scenario::Ownership { create, read, update: write, delete });
            }
            continue;
        }
        if !active(plan, read) {
            continue;
        }
        if let Some(write) = write {
            later.push(Scenario::SingletonOwnership { write, read });
        }
        // Ops that change fields a write's `set` resets, to make the reset observable.
        let changers: Vec<usize> = ops
            .iter()
            .filter(|(_, e)| matches!(e, Effect::Increment { .. } | Effect::Toggle { .. }))
            .map(|(i, _)| *i)
            .collect();
        for (i, effect) in &ops {
            match effect {
                Effect::Merge { set, .. } | Effect::Replace { set, .. } => {
                    let prep = if set.is_empty() { Vec::new() } else { changers.clone() };
                    out.push(Scenario::WriteRead { write: *i, read, prep });
                }
                Effect::Reset { .. } => out.push(Scenario::Reset { write, reset: *i, read }),
                Effect::Increment { field, .. } => out.push(Scenario::Increment { op: *i, read, field: field.clone() }),
                Effect::Toggle { field, .. } => out.push(Scenario::Toggle { op: *i, read, field: field.clone() }),
                _ => {}
            }
        }
    }
    // OpenAPI links, for any spec.
    for (from, op) in plan.spec.operations.iter().enumerate() {
        if !active(plan, from) {
            continue;
        }
        for response in op.responses.iter().filter(|r| r.status.is_success()) {
            for (link, spec_link) in response.links.iter().enumerate() {
                let target = spec_link.operation_id.as_deref().and_then(|id| op_index(plan, id));
                if let Some(to) = target.filter(|&t| active(plan, t)) {
                    out.push(Scenario::Link { from, link, to });
                }
            }
        }
    }
    out.extend(later);
    out
}

/// Runs every scenario (several variants each) and records failures.
pub(super) async fn run(plan: &RunPlan, emit: &Emitter<'_>, semantics: &Semantics, order_base: usize) {
    let scenarios = scenarios(plan, semantics);
    let variants = variants(plan.cases);
    for (n, scenario) in scenarios.iter().enumerate() {
        if !plan.checks.contains(scenario.check()) {
            continue;
        }
        for v in 0..variants {
            let seed = plan.seed.wrapping_mul(31).wrapping_add((n * 7919 + v) as u64);
            let mut runner = Sequence::new(plan, semantics, seed, seed, Shape::Full);
            let result = runner.run(scenario).await;
            let operation = runner.filed.unwrap_or_else(|| scenario.operation());
            emit.emit(Event::CaseSent { phase: Phase::Stateful, operation, requests: runner.requests });
            for (step, facts) in &runner.covered {
                emit.emit(Event::Covered { operation: *step, facts });
            }
            if !matches!(result, Err(Stop::Drop(_))) {
                emit.emit(Event::AnswerJudged {
                    phase: Phase::Stateful,
                    operation,
                    valid: true,
                    status: runner.steps.last().and_then(|s| s.response.as_ref()).map(|r| r.status),
                    checks: CheckSet::none().with(scenario.check()),
                    failures: usize::from(matches!(result, Err(Stop::Fail(_)))),
                });
            }
            match result {
                Ok(()) => {}
                Err(Stop::Fail(failure)) => {
                    let (failure, steps) = shrink(plan, semantics, scenario, seed, failure, runner.steps).await;
                    if let Some(example) = steps.last() {
                        emit.emit(Event::Finding {
                            phase: Phase::Stateful,
                            operation,
                            position: Position::new(order_base + n, v),
                            failure: &failure,
                            example,
                            steps: &steps,
                        });
                    }
                    break; // One failing variant per scenario is the finding; the rest add nothing.
                }
                Err(Stop::Drop(why)) => {
                    emit.emit(Event::Note { operation, why: &why });
                    break; // Another variant would be dropped the same way.
                }
            }
        }
    }
}

/// Tries shorter forms of a failing sequence; keeps the shortest that fails the same way.
async fn shrink(
    plan: &RunPlan,
    semantics: &Semantics,
    scenario: &Scenario,
    seed: u64,
    failure: CheckFailure,
    steps: Vec<Example>,
) -> (CheckFailure, Vec<Example>) {
    let mut best = (failure, steps);
    for (attempt, shape) in [Shape::NoSetup, Shape::MinimalBody, Shape::Minimal].into_iter().enumerate() {
        // Same bodies, but a fresh resource: earlier attempts must not leave state behind.
        let paths = seed ^ (0x9e37_79b9_7f4a_7c15_u64.wrapping_mul(attempt as u64 + 1));
        let mut runner = Sequence::new(plan, semantics, seed, paths, shape);
        if let Err(Stop::Fail(f)) = runner.run(scenario).await
            && f.signature == best.0.signature
            && runner.steps.len() <= best.1.len()
        {
            best = (f, runner.steps);
        }
    }
    best
}

/// How much of a scenario to run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Shape {
    Full,
    /// Without set-up steps that are not needed to observe the failure.
    NoSetup,
    /// The written body cut to required fields plus a few others.
    MinimalBody,
    /// Both.
    Minimal,
}

impl Shape {
    fn setup(self) -> bool {
        matches!(self, Shape::Full | Shape::MinimalBody)
    }
    fn minimal_body(self) -> bool {
        matches!(self, Shape::MinimalBody | Shape::Minimal)
    }
}

struct Sequence<'p> {
    plan: &'p RunPlan,
    semantics: &'p Semantics,
    /// Seeds the bodies.
    seed: u64,
    /// Seeds the path values, i.e. which resource the sequence works on.
    paths: u64,
    shape: Shape,
    /// Path values shared by every step (a fresh resource), as JSON.
    fixed: Vec<(String, Value)>,
    steps: Vec<Example>,
    requests: usize,
    /// Whether a step answered 2xx: until then a refusal may only mean that the item does not
    /// exist (the path values are made up unless pinned).
    established: bool,
    /// The operation a failure is filed under, when not the scenario's own (the step that
    /// leaked an object).
    filed: Option<usize>,
    /// What each step exercised of its operation's contract, for the coverage report.
    covered: Vec<(usize, Facts)>,
}

/// What a read showed.
struct Read {
    status: u16,
    body: Option<Value>,
    /// A body came, but not as JSON (another documented media type, such as CSV).
    other_media: bool,
}

/// Why a sequence stopped early.
#[derive(Debug)]
enum Stop {
    /// The server broke its word.
    Fail(CheckFailure),
    /// The sequence cannot say anything: the item does not exist, access is refused, or a
    /// pairing conform only guessed cannot be confirmed. Why, for the run's notes.
    Drop(String),
}

impl From<CheckFailure> for Stop {
    fn from(failure: CheckFailure) -> Stop {
        Stop::Fail(failure)
    }
}

fn fail(message: String, way: String) -> Stop {
    Stop::Fail(CheckFailure::new(CheckName::StatefulConformance, message, way))
}

fn leak(message: String, way: &str) -> Stop {
    Stop::Fail(CheckFailure::new(CheckName::ObjectOwnership, message, way))
}

/// The label of a sequence's first read, named in its messages.
const START: &str = "the start";

impl<'p> Sequence<'p> {
    fn new(plan: &'p RunPlan, semantics: &'p Semantics, seed: u64, paths: u64, shape: Shape) -> Sequence<'p> {
        Sequence {
            plan,
            semantics,
            seed,
            paths,
            shape,
            fixed: Vec::new(),
            steps: Vec::new(),
            requests: 0,
            established: false,
            filed: None,
            covered: Vec::new(),
        }
    }

    /// Fixes the path values for the whole sequence from the path seed.
    fn pick_resource(&mut self, op: usize) {
        self.fixed = self.path_values(op, self.paths);
    }

    /// The path values of a valid request for `op` drawn from `seed`, as JSON.
    fn path_values(&self, op: usize, seed: u64) -> Vec<(String, Value)> {
        let Some(request) = self.plan.generator.valid_request(op, seed, &[]) else { return Vec::new() };
        let operation = self.op(op);
        let Some(values) = operation.template.matches(&request.path) else { return Vec::new() };
        values
            .into_iter()
            .map(|(name, raw)| {
                let text = percent_encoding::percent_decode_str(&raw).decode_utf8_lossy().into_owned();
                let value = operation
                    .parameters
                    .iter()
                    .find(|p| p.location == ParamLocation::Path && p.name == name)
                    .map(|p| crate::spec::params::parse(p, &[text.as_str()], &[]))
                    .unwrap_or(Value::String(text));
                (name, value)
            })
            .collect()
    }

    /// This sequence's path values with the `parents` of `op` drawn anew, for another owner:
    /// `None` when no draw differs (the parents are pinned, or take one value).
    fn other_parents(&self, op: usize, parents: &[String]) -> Option<Vec<(String, Value)>> {
        if parents.is_empty() {
            return None;
        }
        (1..=4u64).find_map(|salt| {
            let drawn = self.path_values(op, self.paths ^ 0x2545_f491_4f6c_dd1d_u64.wrapping_mul(salt));
            let mut other = self.fixed.clone();
            let mut differs = false;
            for (name, value) in drawn.into_iter().filter(|(n, _)| parents.contains(n)) {
                match other.iter_mut().find(|(k, _)| *k == name) {
                    Some(slot) if slot.1 != value => {
                        slot.1 = value;
                        differs = true;
                    }
                    Some(_) => {}
                    None => other.push((name, value)),
                }
            }
            differs.then_some(other)
        })
    }

    /// The path parameters of `op` that name its owner: all but the resource's id parameter.
    fn parents(&self, op: usize, resource: &Resource) -> Vec<String> {
        self.op(op)
            .params_in(ParamLocation::Path)
            .filter(|p| resource.id_param.as_deref() != Some(p.name.as_str()))
            .map(|p| p.name.clone())
            .collect()
    }

    fn op(&self, i: usize) -> &'p Operation {
        &self.plan.spec.operations[i]
    }

    fn resource(&self, op: usize) -> Option<&'p Resource> {
        let effect = self.semantics.effect(&self.op(op).id)?;
        self.semantics.resource(effect.resource()?)
    }

    /// A valid request for `op` on this sequence's resource.
    fn request(&self, op: usize, salt: u64) -> Option<Request> {
        self.request_in(op, salt, &self.fixed)
    }

    /// A valid request for `op` with these path values.
    fn request_in(&self, op: usize, salt: u64, fixed: &[(String, Value)]) -> Option<Request> {
        let mut request = self.plan.generator.valid_request(op, self.seed.wrapping_add(salt), fixed)?;
        // No envelope and no pretty-printing inside sequences: reads are compared as plain JSON.
        request.query.retain(|(k, _)| k != "envelope" && k != "pretty");
        // No made-up preconditions (`If-Match: "28407"`): a sequence asks what a write did, and
        // a server that checks them must answer 412. Required or pinned ones stay.
        let kept = |name: &str| {
            self.plan.context.pinned.iter().any(|p| p.eq_ignore_ascii_case(name))
                || self.op(op).params_in(ParamLocation::Header).any(|p| p.required && p.name.eq_ignore_ascii_case(name))
        };
        request.headers.retain(|(k, _)| !crate::check::is_precondition(k) || kept(k));
        Some(request)
    }

    async fn send(&mut self, op: usize, request: Request) -> Outcome {
        self.send_as(op, request, Credentials::Configured).await
    }

    /// Sends a step with these credentials; only the configured ones' successes show that the
    /// sequence's item exists.
    async fn send_as(&mut self, op: usize, request: Request, credentials: Credentials) -> Outcome {
        let outcome = self.plan.transport.send(&request, &self.plan.accept[op], credentials).await;
        self.requests += outcome.requests;
        if credentials == Credentials::Configured
            && outcome.result.as_ref().is_ok_and(|r| (200..300).contains(&r.status))
        {
            self.established = true;
        }
        let case = Case {
            operation: op,
            index: self.steps.len(),
            kind: CaseKind::Valid,
            origin: CaseOrigin::Example,
            seed: None,
            request,
            edge: None,
        };
        let response = outcome.result.as_ref().ok();
        let content_type = response.and_then(|r| r.header("content-type"));
        self.covered.push((op, Facts::of_case(self.op(op), &case, response.map(|r| r.status), content_type)));
        self.steps.push(Example { case, sent: outcome.sent.clone(), response: response.cloned(), credentials });
        outcome
    }

    /// Sends `op` and requires a 2xx.
    async fn write(&mut self, op: usize, request: Request) -> Result<Option<Value>, Stop> {
        let name = format!("{} {}", self.op(op).method, self.op(op).id);
        let outcome = self.send(op, request).await;
        let Ok(response) = &outcome.result else {
            return Err(fail(
                format!("the sequence stopped: {name} got no answer"),
                format!("{}:no_answer", self.op(op).id),
            ));
        };
        let status = response.status;
        if let Some(why) = self.excused(op, status) {
            return Err(why);
        }
        if let Some(why) = self.refusal_not_judged(op, status, &String::from_utf8_lossy(&response.body)) {
            return Err(why);
        }
        if !(200..300).contains(&status) {
            return Err(fail(
                format!("the sequence stopped: {name} answered {status} to a valid request"),
                format!("{}:status", self.op(op).id),
            ));
        }
        Ok(serde_json::from_slice(&response.body).ok())
    }

    /// A refusal that says nothing about the contract (`check::refusal_excused`: the item may
    /// not exist, access is refused), judged before the sequence saw the item exist; after
    /// that, only permissions and rate limits are excused.
    fn excused(&self, op: usize, status: u16) -> Option<Stop> {
        let ctx = &self.plan.context;
        // The request just sent: a precondition conform made up (`If-Match: "28407"`) is
        // refused by HTTP itself, whatever the sequence saw before.
        if self.steps.last().is_some_and(|s| crate::check::precondition_unmet(&s.case.request, status)) {
            return Some(Stop::Drop(format!(
                "{} {} answered {status} to a precondition header conform made up",
                self.op(op).method,
                self.op(op).id
            )));
        }
        let excused = if self.established {
            matches!(status, 403 | 429) || (status == 401 && !ctx.trusted_credentials)
        } else {
            crate::check::refusal_excused(ctx, self.op(op), status)
        };
        excused.then(|| {
            Stop::Drop(format!(
                "{} {} answered {status} before the sequence saw the item exist (pin its path with --param)",
                self.op(op).method,
                self.op(op).id
            ))
        })
    }

    /// A refused step that the same request alone would not be failed for: a 4xx other than
    /// 404/410 (which `excused` judges by whether the item was seen) where
    /// `check::refusal_is_a_break` does not hold, i.e. against a real server without pins, or a
    /// refusal that speaks of data. A refused write is not a lost one: the sequence is dropped,
    /// with the server's words in the note.
    fn refusal_not_judged(&self, op: usize, status: u16, text: &str) -> Option<Stop> {
        if !(400..500).contains(&status) || matches!(status, 404 | 410) {
            return None;
        }
        if crate::check::refusal_is_a_break(&self.plan.context, self.op(op), status, text) {
            return None;
        }
        let words: String = text.split_whitespace().collect::<Vec<_>>().join(" ").chars().take(160).collect();
        Some(Stop::Drop(format!(
            "{} {} answered {status} to a request valid by the spec, a refusal positive_data_acceptance does not fail here (the server said: {words})",
            self.op(op).method,
            self.op(op).id
        )))
    }

    /// Which written fields the read must show. With a sidecar, all: the pairing is declared.
    /// With inferred semantics, which fields a write and a read share is a guess, confirmed
    /// only for the fields the read's documented 2xx JSON schema declares.
    fn declared(&self, read: usize) -> Fields {
        if self.semantics.source.is_some() {
            return Fields::All;
        }
        let response = self.op(read).responses.iter().find(|r| r.status.is_success() && !r.content.is_empty());
        match response.and_then(|r| r.content.iter().find(|m| m.is_json())).and_then(|m| m.schema.clone()) {
            Some(schema) => Fields::DeclaredBy(schema),
            None => Fields::Unconfirmed,
        }
    }

    async fn read(&mut self, op: usize) -> Result<Read, Stop> {
        let fixed = self.fixed.clone();
        self.read_as(op, &fixed, Credentials::Configured).await
    }

    /// A read with these path values and credentials.
    async fn read_as(&mut self, op: usize, fixed: &[(String, Value)], credentials: Credentials) -> Result<Read, Stop> {
        let Some(request) = self.request_in(op, 0, fixed) else {
            return Err(fail(format!("no valid request for {}", self.op(op).id), "no_request".into()));
        };
        let outcome = self.send_as(op, request, credentials).await;
        let Ok(response) = outcome.result else {
            return Err(fail(
                format!("the sequence stopped: {} got no answer", self.op(op).id),
                "read:no_answer".into(),
            ));
        };
        let body: Option<Value> = serde_json::from_slice(&response.body).ok();
        let other_media = body.is_none() && !response.body.iter().all(u8::is_ascii_whitespace);
        Ok(Read { status: response.status, body, other_media })
    }

    async fn read_ok(&mut self, op: usize, after: &str) -> Result<Value, Stop> {
        let established = self.established;
        let read = self.read(op).await?;
        match (read.status, read.body) {
            (200..=299, Some(body)) => Ok(body),
            // A success whose body is not JSON (a read that also documents CSV, and answered
            // in it) cannot show the state: nothing to compare, so the sequence says nothing.
            // An empty success still fails: the read shows no resource.
            (status @ 200..=299, None) if read.other_media => {
                self.established = established;
                Err(Stop::Drop(format!(
                    "{} {} answered {status} with a body that is not JSON, so the state could not be compared",
                    self.op(op).method,
                    self.op(op).id
                )))
            }
            (status, body) => {
                // Judged as of before this read: its own answer proves nothing.
                self.established = established;
                if let Some(why) = self.excused(op, status) {
                    return Err(why);
                }
                let text = body.map(|b| b.to_string()).unwrap_or_default();
                if let Some(why) = self.refusal_not_judged(op, status, &text) {
                    return Err(why);
                }
                let message = if after == START {
                    format!(
                        "the sequence's first step, {} {}, answered {status} instead of the resource",
                        self.op(op).method,
                        self.op(op).id
                    )
                } else {
                    format!("after {after}, {} answered {status} instead of the resource", self.op(op).id)
                };
                Err(fail(message, format!("read_after:{}", status)))
            }
        }
    }

    /// A valid body for a write; with the minimal shape, cut to required fields plus `keep`.
    fn body_request(&self, op: usize, salt: u64, keep: &[String]) -> Option<Request> {
        self.body_request_in(op, salt, keep, &self.fixed)
    }

    /// [`Self::body_request`] with these path values.
    fn body_request_in(&self, op: usize, salt: u64, keep: &[String], fixed: &[(String, Value)]) -> Option<Request> {
        let mut request = self.request_in(op, salt, fixed)?;
        if self.shape.minimal_body()
            && let Some(crate::generate::Body::Json(Value::Object(map))) = &request.body
        {
            let operation = self.op(op);
            let schema = operation
                .request_body
                .as_ref()
                .and_then(|b| b.content.iter().find(|m| m.is_json()))
                .and_then(|m| m.schema.clone());
            let required: Vec<String> = schema
                .as_ref()
                .and_then(|s| s.resolve(s.value()).get("required").and_then(Value::as_array).cloned())
                .unwrap_or_default()
                .into_iter()
                .filter_map(|v| v.as_str().map(str::to_owned))
                .collect();
            let cut: Map<String, Value> = map
                .iter()
                .filter(|(k, _)| required.contains(k) || keep.contains(k))
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect();
            let cut = Value::Object(cut);
            if schema.is_none_or(|s| s.is_valid(&cut)) && !cut.as_object().is_some_and(Map::is_empty) {
                request.body = Some(crate::generate::Body::Json(cut));
            }
        }
        Some(request)
    }

    async fn run(&mut self, scenario: &Scenario) -> Result<(), Stop> {
        self.pick_resource(scenario.anchor());
        match scenario {
            Scenario::WriteRead { write, read, prep } => self.write_read(*write, *read, prep).await,
            Scenario::Reset { write, reset, read } => self.reset(*write, *reset, *read).await,
            Scenario::Increment { op, read, field } => self.increment(*op, *read, field).await,
            Scenario::Toggle { op, read, field } => self.toggle(*op, *read, field).await,
            Scenario::Lifecycle { create, read, update, delete } => {
                self.lifecycle(*create, *read, *update, *delete).await
            }
            Scenario::Link { from, link, to } => self.link(*from, *link, *to).await,
            Scenario::Listing { create, list, delete } => self.listing(*create, *list, *delete).await,
            Scenario::Ownership { create, read, update, delete } => {
                self.ownership(*create, *read, *update, *delete).await
            }
            Scenario::SingletonOwnership { write, read } => self.singleton_ownership(*write, *read).await,
        }
    }

    async fn write_read(&mut self, write: usize, read: usize, prep: &[usize]) -> Result<(), Stop> {
        let Some(resource) = self.resource(write) else { return Ok(()) };
        let set = match self.semantics.effect(&self.op(write).id) {
            Some(Effect::Merge { set, .. } | Effect::Replace { set, .. }) => set.clone(),
            _ => Map::new(),
        };
        // Pick the path values first so that the set-up steps act on the same resource.
        let Some(request) = self.body_request(write, 1, &[]) else { return Ok(()) };
        if self.shape.setup() {
            for &p in prep {
                if let Some(r) = self.request(p, 2) {
                    self.write(p, r).await?;
                }
            }
        }
        let body = request.json_body().cloned();
        let what = format!("{} {}", self.op(write).method, self.op(write).id);
        self.write(write, request).await?;
        let after = self.read_ok(read, &what).await?;
        if let Some(body) = &body {
            compare_written(body, &after, resource, &what, &self.declared(read))?;
        }
        for (field, expected) in &set {
            if expected.as_str().is_some_and(|s| s.starts_with('$') || s.starts_with('{')) {
                continue; // Server-made values cannot be predicted.
            }
            let actual = pointer::get(&after, &format!("/{field}"));
            if !actual.is_some_and(|a| same(a, expected)) {
                return Err(fail(
                    format!(
                        "after {what}, {field} should be {expected} (the write resets it) but the read shows {}",
                        shown(actual)
                    ),
                    format!("set:{field}"),
                ));
            }
        }
        Ok(())
    }

    async fn reset(&mut self, write: Option<usize>, reset: usize, read: usize) -> Result<(), Stop> {
        let Some(resource) = self.resource(reset) else { return Ok(()) };
        let before = self.read_ok(read, START).await?;
        let mut written: Option<Value> = None;
        if let Some(w) = write {
            // A body that changes something the reset must undo.
            for salt in 0..8 {
                let Some(request) = self.body_request(w, 10 + salt, &[]) else { break };
                let Some(body) = request.json_body().cloned() else { break };
                if changes(&body, &before, resource) {
                    self.write(w, request).await?;
                    written = Some(body);
                    break;
                }
            }
        }
        let Some(request) = self.request(reset, 3) else { return Ok(()) };
        let what = format!("{} {}", self.op(reset).method, self.op(reset).id);
        self.write(reset, request).await?;
        let after = self.read_ok(read, &what).await?;
        if let Some(body) = &written
            && !changes(body, &after, resource)
            && resource.default.as_ref().is_none_or(|d| changes(body, d, resource))
        {
            return Err(fail(
                format!("after {what}, the read still shows what the earlier write set ({})", compact(body)),
                "not_reset".into(),
            ));
        }
        if self.plan.mock.is_some()
            && let Some(default) = &resource.default
            && let Some(diff) = first_difference(default, &after, resource)
        {
            return Err(fail(format!("after {what}, the read is not the default: {diff}"), "not_default".into()));
        }
        Ok(())
    }

    async fn increment(&mut self, op: usize, read: usize, field: &str) -> Result<(), Stop> {
        let before = self.read_ok(read, START).await?;
        let Some(request) = self.request(op, 4) else { return Ok(()) };
        let what = format!("{} {}", self.op(op).method, self.op(op).id);
        self.write(op, request).await?;
        let after = self.read_ok(read, &what).await?;
        let n = |v: &Value| pointer::get(v, &format!("/{field}")).and_then(Value::as_i64);
        let (b, a) = (n(&before).unwrap_or(0), n(&after));
        if a != Some(b + 1) {
            return Err(fail(
                format!(
                    "{field} was {b} before {what} and {} after, not {}",
                    a.map_or("absent".to_owned(), |a| a.to_string()),
                    b + 1
                ),
                format!("increment:{field}"),
            ));
        }
        Ok(())
    }

    async fn toggle(&mut self, op: usize, read: usize, field: &str) -> Result<(), Stop> {
        let flag = |v: &Value| pointer::get(v, &format!("/{field}")).and_then(Value::as_bool).unwrap_or(false);
        let before = flag(&self.read_ok(read, START).await?);
        let what = format!("{} {}", self.op(op).method, self.op(op).id);
        for (round, expected) in [(1, !before), (2, before)] {
            let Some(request) = self.request(op, 5 + round) else { return Ok(()) };
            self.write(op, request).await?;
            let now = flag(&self.read_ok(read, &what).await?);
            if now != expected {
                let times = if round == 1 { "once" } else { "twice" };
                return Err(fail(
                    format!("{field} was {before}; after {what} {times} it is {now}, expected {expected}"),
                    format!("toggle:{field}"),
                ));
            }
        }
        Ok(())
    }

    /// Creates an item (a valid body) and fixes its id for the later steps: its id, the body
    /// written, and the step's name. `None` when no valid create can be made.
    async fn create_item(
        &mut self,
        create: usize,
        read: usize,
        resource: &Resource,
    ) -> Result<Option<(String, Option<Value>, String)>, Stop> {
        let Some(request) = self.body_request(create, 1, &[]) else { return Ok(None) };
        let body = request.json_body().cloned();
        let what = format!("{} {}", self.op(create).method, self.op(create).id);
        let created = self.write(create, request).await?;
        let Some(id) = created_id(resource, created.as_ref(), self.steps.last()) else {
            if self.semantics.source.is_none() {
                // conform guessed that this operation creates an item of that read: without an
                // id in the answer the guess cannot be confirmed (the item may be keyed by name).
                return Err(Stop::Drop(format!(
                    "{what} answered without an id, and which read shows the item was guessed, not declared"
                )));
            }
            return Err(fail(
                format!(
                    "{what} answered without an id (no `{}` in the body, no Location)",
                    resource.id_field.as_deref().unwrap_or("id")
                ),
                "no_id".into(),
            ));
        };
        if self.semantics.source.is_none()
            && let Some(param) = resource.id_param.as_deref()
            && !id_fits(self.op(read), param, &id)
        {
            // The read's own parameter refuses the id: the item is keyed by something else
            // (a name, an address), and the guessed pairing cannot be confirmed.
            return Err(Stop::Drop(format!(
                "{what} answered an id that {}'s `{param}` parameter does not accept, and which read shows \
                 the item was guessed, not declared",
                self.op(read).id
            )));
        }
        if let Some(param) = &resource.id_param {
            self.fixed.retain(|(k, _)| k != param);
            self.fixed.push((param.clone(), Value::String(id.clone())));
        }
        Ok(Some((id, body, what)))
    }

    async fn lifecycle(
        &mut self,
        create: usize,
        read: usize,
        update: Option<usize>,
        delete: Option<usize>,
    ) -> Result<(), Stop> {
        let Some(resource) = self.resource(create) else { return Ok(()) };
        let Some((id, body, what)) = self.create_item(create, read, resource).await? else { return Ok(()) };
        let full = self.shape.setup();
        if full || update.is_none() {
            let after = self.read_ok(read, &what).await?;
            if let Some(body) = &body {
                compare_written(body, &after, resource, &what, &self.declared(read))?;
            }
        }
        if let Some(u) = update {
            let Some(request) = self.body_request(u, 2, &[]) else { return Ok(()) };
            let body = request.json_body().cloned();
            let what = format!("{} {}", self.op(u).method, self.op(u).id);
            self.write(u, request).await?;
            if full || delete.is_none() {
                let after = self.read_ok(read, &what).await?;
                if let Some(body) = &body {
                    compare_written(body, &after, resource, &what, &self.declared(read))?;
                }
            }
        }
        if let Some(d) = delete {
            let Some(request) = self.request(d, 3) else { return Ok(()) };
            let what = format!("{} {}", self.op(d).method, self.op(d).id);
            self.write(d, request).await?;
            let gone = self.read(read).await?;
            // 401 and 403 say nothing of the item: a server may hide whether an item exists
            // from whoever may not read it (Kinto answers 403 for a bucket that is gone).
            if !matches!(gone.status, 404 | 410 | 401 | 403) {
                return Err(fail(
                    format!(
                        "after {what}, {} answered {} instead of 404: the item {id} is not gone",
                        self.op(read).id,
                        gone.status
                    ),
                    "not_deleted".into(),
                ));
            }
        }
        Ok(())
    }

    /// Create, list, delete, list: a collection reflects what was written into it.
    async fn listing(&mut self, create: usize, list: usize, delete: Option<usize>) -> Result<(), Stop> {
        let Some(resource) = self.resource(create) else { return Ok(()) };
        let id_field = resource.id_field.clone().unwrap_or_else(|| "id".to_owned());
        if !collection::names_items(self.op(list), &id_field) {
            return Err(Stop::Drop(format!(
                "{}'s documented items have no `{id_field}` field, so whether it shows a created item cannot be told",
                self.op(list).id
            )));
        }
        let read = reader(
            self.plan,
            self.semantics,
            self.semantics.effect(&self.op(create).id).and_then(Effect::resource).unwrap_or(""),
        )
        .unwrap_or(create);
        let Some((id, _, what)) = self.create_item(create, read, resource).await? else { return Ok(()) };
        let declared = self.semantics.source.is_some();
        match self.list_shows(list, &id_field, &id, &what).await? {
            Listed::Holds => {}
            Listed::Lacks { pages, items } if declared => {
                return Err(fail(
                    format!(
                        "after {what} made {id}, {} does not show it ({items} item(s) over {pages} page(s))",
                        self.op(list).id
                    ),
                    "list_lacks_created".into(),
                ));
            }
            Listed::Lacks { .. } => {
                return Err(Stop::Drop(format!(
                    "{} did not show the item {what} made, and which list shows it was guessed, not declared",
                    self.op(list).id
                )));
            }
            Listed::Unknown(why) => return Err(Stop::Drop(why)),
        }
        let Some(d) = delete else { return Ok(()) };
        let Some(request) = self.request(d, 3) else { return Ok(()) };
        let what = format!("{} {}", self.op(d).method, self.op(d).id);
        self.write(d, request).await?;
        match self.list_shows(list, &id_field, &id, &what).await? {
            Listed::Holds => Err(fail(
                format!("after {what} removed {id}, {} still shows it", self.op(list).id),
                "list_keeps_deleted".into(),
            )),
            Listed::Lacks { .. } => Ok(()),
            Listed::Unknown(why) => Err(Stop::Drop(why)),
        }
    }

    /// Whether the list `list` shows the item `id`, following its pages up to [`MAX_PAGES`]:
    /// only the required query parameters are sent, with the paging ones set to the first page
    /// and the largest page size the spec allows (a made-up filter could hide the item).
    async fn list_shows(&mut self, list: usize, id_field: &str, id: &str, after: &str) -> Result<Listed, Stop> {
        let Some(mut request) = self.request(list, 7) else {
            return Ok(Listed::Unknown(format!("no valid request for {}", self.op(list).id)));
        };
        let paging = Paging::of(self.op(list));
        let required: Vec<String> =
            self.op(list).params_in(ParamLocation::Query).filter(|p| p.required).map(|p| p.name.clone()).collect();
        request.query.retain(|(k, _)| required.contains(k) && !paging.controls(k));
        let set = |request: &mut Request, name: &str, value: String| {
            request.query.retain(|(k, _)| k != name);
            request.query.push((name.to_owned(), value));
        };
        if let Some((name, size)) = &paging.size {
            set(&mut request, name, size.to_string());
        }
        let mut page = paging.page.as_ref().map(|(_, first)| *first);
        if let (Some((name, _)), Some(n)) = (&paging.page, page) {
            set(&mut request, name, n.to_string());
        }
        let mut seen = 0usize;
        for pages in 1..=MAX_PAGES {
            let outcome = self.send(list, request.clone()).await;
            let Ok(response) = outcome.result else {
                return Err(fail(
                    format!("after {after}, {} got no answer", self.op(list).id),
                    "list:no_answer".into(),
                ));
            };
            let status = response.status;
            if !(200..300).contains(&status) {
                if let Some(why) = self.excused(list, status) {
                    return Err(why);
                }
                if let Some(why) = self.refusal_not_judged(list, status, &String::from_utf8_lossy(&response.body)) {
                    return Err(why);
                }
                return Err(fail(
                    format!("after {after}, {} answered {status} instead of the list", self.op(list).id),
                    format!("list_after:{status}"),
                ));
            }
            let Some(body) = serde_json::from_slice::<Value>(&response.body).ok() else {
                return Ok(Listed::Unknown(format!("{} answered a list that is not JSON", self.op(list).id)));
            };
            let Some(items) = collection::items(&body) else {
                return Ok(Listed::Unknown(format!("{}'s answer holds no list of items", self.op(list).id)));
            };
            if collection::holds(items, id_field, id) {
                return Ok(Listed::Holds);
            }
            seen += items.len();
            let total = collection::total(&body);
            if items.is_empty() || total.is_some_and(|t| seen as u64 >= t) {
                return Ok(Listed::Lacks { pages, items: seen });
            }
            if let Some(next) = collection::next_page(&body, response.header("link")) {
                for (k, v) in next {
                    set(&mut request, &k, v);
                }
            } else if let (Some((name, _)), Some(n)) = (&paging.page, page) {
                page = Some(n + 1);
                set(&mut request, name, (n + 1).to_string());
            } else if let Some(name) = &paging.offset {
                set(&mut request, name, seen.to_string());
            } else if total.is_some() {
                return Ok(Listed::Unknown(format!(
                    "{} announces more items than it answered, and says of no next page",
                    self.op(list).id
                )));
            } else {
                return Ok(Listed::Lacks { pages, items: seen });
            }
        }
        Ok(Listed::Unknown(format!("{} has more than {MAX_PAGES} pages; the item was not on them", self.op(list).id)))
    }

    /// `object_ownership` of a collection item: made under parent A, it must not be served,
    /// changed or removed under another parent B, nor with a second tenant's credentials.
    async fn ownership(
        &mut self,
        create: usize,
        read: usize,
        update: Option<usize>,
        delete: Option<usize>,
    ) -> Result<(), Stop> {
        let Some(resource) = self.resource(create) else { return Ok(()) };
        let Reach { parents, other, tenant } = self.reach(read, resource)?;
        let Some((id, _, what)) = self.create_item(create, read, resource).await? else { return Ok(()) };
        let owner = self.read_ok(read, &what).await?;
        let owner_at = describe(&self.fixed, &parents);
        let mut intruders = Vec::new();
        if let Some(mut other) = other {
            if let Some(param) = &resource.id_param {
                other.retain(|(k, _)| k != param);
                other.push((param.clone(), Value::String(id.clone())));
            }
            let label = format!("under {}", describe(&other, &parents));
            intruders.push((other, Credentials::Configured, label, "other_parent"));
        }
        if tenant {
            intruders.push((
                self.fixed.clone(),
                Credentials::Other,
                "with the second tenant's credentials".to_owned(),
                "other_tenant",
            ));
        }
        for (fixed, credentials, label, way) in intruders {
            let probe = Intrusion {
                fixed: &fixed,
                credentials,
                label: &label,
                way,
                owner: &owner,
                owner_at: &owner_at,
                id: &id,
            };
            self.intrude(resource, read, update, delete, probe).await?;
        }
        // Leave nothing behind: the item goes (unrecorded; the sequence has passed).
        if let Some(d) = delete
            && let Some(request) = self.request(d, 3)
        {
            let outcome = self.plan.transport.send(&request, &self.plan.accept[d], Credentials::Configured).await;
            self.requests += outcome.requests;
        }
        Ok(())
    }

    /// Reads, updates and deletes the owner's item as the intruder: a success that serves,
    /// changes or removes it is an `object_ownership` failure, filed under that operation.
    async fn intrude(
        &mut self,
        resource: &Resource,
        read: usize,
        update: Option<usize>,
        delete: Option<usize>,
        probe: Intrusion<'_>,
    ) -> Result<(), Stop> {
        let Intrusion { fixed, credentials, label, way, owner, owner_at, id } = probe;
        if let Some(request) = self.request_in(read, 0, fixed) {
            let outcome = self.send_as(read, request, credentials).await;
            if let Ok(response) = &outcome.result
                && (200..300).contains(&response.status)
                && let Ok(body) = serde_json::from_slice::<Value>(&response.body)
                && serves(&body, owner, resource, id)
            {
                let what = format!("answered {} with the item {id} created under {owner_at}", response.status);
                return Err(self.leaked(read, label, &what, &format!("read_{way}")));
            }
        }
        if let Some(u) = update
            && let Some(request) = self.body_request_in(u, 5, &[], fixed)
        {
            let written = request.json_body().cloned();
            let outcome = self.send_as(u, request, credentials).await;
            if outcome.result.as_ref().is_ok_and(|r| (200..300).contains(&r.status))
                && let Some(written) = written.filter(|w| changes(w, owner, resource))
            {
                let now = self.read(read).await?;
                if (200..300).contains(&now.status)
                    && now.body.as_ref().is_some_and(|b| !changes(&written, b, resource))
                {
                    let what = format!(
                        "changed the item {id} created under {owner_at}: its read there now shows {}",
                        compact(&written)
                    );
                    return Err(self.leaked(u, label, &what, &format!("update_{way}")));
                }
            }
        }
        if let Some(d) = delete
            && let Some(request) = self.request_in(d, 3, fixed)
        {
            let outcome = self.send_as(d, request, credentials).await;
            if outcome.result.as_ref().is_ok_and(|r| (200..300).contains(&r.status)) {
                let now = self.read(read).await?;
                if matches!(now.status, 404 | 410) {
                    let what = format!(
                        "removed the item {id} created under {owner_at}: its read there answers {}",
                        now.status
                    );
                    return Err(self.leaked(d, label, &what, &format!("delete_{way}")));
                }
            }
        }
        Ok(())
    }

    /// `object_ownership` of a singleton per parent (one maintenance window per group):
    /// writing A's must leave B's as it was, and a second tenant must not read A's.
    async fn singleton_ownership(&mut self, write: usize, read: usize) -> Result<(), Stop> {
        let Some(resource) = self.resource(write) else { return Ok(()) };
        let Reach { parents, other, tenant } = self.reach(read, resource)?;
        // B as it was, where it can be read at all (a made-up parent is usually refused).
        let mut before_other = None;
        if let Some(other) = &other {
            let seen = self.read_as(read, other, Credentials::Configured).await?;
            if (200..300).contains(&seen.status) {
                before_other = seen.body;
            }
        }
        let before = self.read_ok(read, START).await?;
        let mut chosen = None;
        for salt in 0..8 {
            let Some(request) = self.body_request(write, 20 + salt, &[]) else { break };
            let Some(body) = request.json_body().cloned() else { break };
            if changes(&body, &before, resource) && before_other.as_ref().is_none_or(|b| changes(&body, b, resource)) {
                chosen = Some((request, body));
                break;
            }
        }
        let Some((request, written)) = chosen else { return Ok(()) };
        let what = format!("{} {}", self.op(write).method, self.op(write).id);
        let owner_at = describe(&self.fixed, &parents);
        self.write(write, request).await?;
        if let (Some(other), Some(_)) = (&other, &before_other) {
            let seen = self.read_as(read, other, Credentials::Configured).await?;
            if (200..300).contains(&seen.status) && seen.body.as_ref().is_some_and(|b| !changes(&written, b, resource))
            {
                self.filed = Some(read);
                return Err(leak(
                    format!(
                        "after {what} under {owner_at} wrote {}, {} under {} shows those values instead of its own",
                        compact(&written),
                        self.op(read).id,
                        describe(other, &parents)
                    ),
                    "read_other_parent",
                ));
            }
        }
        if tenant {
            let fixed = self.fixed.clone();
            let seen = self.read_as(read, &fixed, Credentials::Other).await?;
            if (200..300).contains(&seen.status) && seen.body.as_ref().is_some_and(|b| !changes(&written, b, resource))
            {
                self.filed = Some(read);
                return Err(leak(
                    format!(
                        "{} under {owner_at} with the second tenant's credentials answered {} with what {what} wrote there",
                        self.op(read).id,
                        seen.status
                    ),
                    "read_other_tenant",
                ));
            }
        }
        Ok(())
    }

    /// An `object_ownership` failure of `op`'s step, filed under `op`: "METHOD opId {label} {what}".
    fn leaked(&mut self, op: usize, label: &str, what: &str, way: &str) -> Stop {
        self.filed = Some(op);
        leak(format!("{} {} {label} {what}", self.op(op).method, self.op(op).id), way)
    }

    /// Who can intrude on an item of `read`: another parent drawn for its parent parameters,
    /// and the second tenant; why the probe cannot run when neither can.
    fn reach(&self, read: usize, resource: &Resource) -> Result<Reach, Stop> {
        let parents = self.parents(read, resource);
        let other = self.other_parents(read, &parents);
        let tenant = self.plan.transport.auth.has_other();
        if other.is_none() && !tenant {
            return Err(self.no_intruder(read, &parents));
        }
        Ok(Reach { parents, other, tenant })
    }

    /// Why an ownership probe cannot run: no other parent to draw, and no second tenant.
    fn no_intruder(&self, read: usize, parents: &[String]) -> Stop {
        let why = if parents.is_empty() {
            format!("{}'s path names no parent", self.op(read).id)
        } else {
            format!("{}'s parent ({}) is pinned", self.op(read).id, parents.join(", "))
        };
        Stop::Drop(format!(
            "object_ownership: {why}; give a second tenant's credentials (--other-token, --other-api-key or \
             --other-username/--other-password) to probe it across tenants"
        ))
    }

    async fn link(&mut self, from: usize, link: usize, to: usize) -> Result<(), Stop> {
        let Some(request) = self.request(from, 1) else { return Ok(()) };
        let sent = request.clone();
        let outcome = self.send(from, request).await;
        let Ok(response) = outcome.result else { return Ok(()) };
        let Some(spec_link) = self.op(from).response_for(response.status).and_then(|r| r.links.get(link)).cloned()
        else {
            return Ok(()); // The answer's status has no such link.
        };
        let body: Option<Value> = serde_json::from_slice(&response.body).ok();
        let mut fixed = self.fixed.clone();
        for (name, expression) in &spec_link.parameters {
            if let Some(value) = evaluate(expression, &sent, body.as_ref(), &response) {
                fixed.retain(|(k, _)| k != name);
                fixed.push((name.clone(), value));
            }
        }
        let Some(target) = self.plan.generator.valid_request(to, self.seed, &fixed) else { return Ok(()) };
        let outcome = self.send(to, target).await;
        match outcome.result {
            Ok(r) if r.status == 404 => Err(fail(
                format!(
                    "link `{}` from {} leads to {}, which answered 404",
                    spec_link.name,
                    self.op(from).id,
                    self.op(to).id
                ),
                format!("link:{}", spec_link.name),
            )),
            _ => Ok(()),
        }
    }
}

/// The most pages a list is followed over to find an item.
const MAX_PAGES: usize = 10;

/// What a list showed of an item.
enum Listed {
    Holds,
    /// Not there, over every page.
    Lacks {
        pages: usize,
        items: usize,
    },
    /// Cannot be told (why, for the run's notes).
    Unknown(String),
}

/// Who an ownership probe can intrude as ([`Sequence::reach`]).
struct Reach {
    /// The path parameters that name the owner.
    parents: Vec<String>,
    /// The sequence's path values with the parents drawn anew, when a draw differs.
    other: Option<Vec<(String, Value)>>,
    /// Whether a second tenant's credentials are set.
    tenant: bool,
}

/// Who intrudes on an owner's item, and how a failure names it.
struct Intrusion<'a> {
    /// The path values the intruder uses (another parent's, or the owner's).
    fixed: &'a [(String, Value)],
    credentials: Credentials,
    /// "under groupId=…", "with the second tenant's credentials".
    label: &'a str,
    /// The signature's suffix: `other_parent` or `other_tenant`.
    way: &'a str,
    /// The item as its owner reads it.
    owner: &'a Value,
    /// The owner's parent values, described.
    owner_at: &'a str,
    id: &'a str,
}

/// Whether `body` is the owner's item: the same id, and every value the owner reads.
fn serves(body: &Value, owner: &Value, resource: &Resource, id: &str) -> bool {
    let field = resource.id_field.as_deref().unwrap_or("id");
    collection::item_id(body, field).as_deref() == Some(id) && !changes(owner, body, resource)
}

/// `name=value` of the parent path values, for messages.
fn describe(fixed: &[(String, Value)], parents: &[String]) -> String {
    let parts: Vec<String> = fixed
        .iter()
        .filter(|(k, _)| parents.contains(k))
        .map(|(k, v)| match v {
            Value::String(s) => format!("{k}={s}"),
            other => format!("{k}={other}"),
        })
        .collect();
    if parts.is_empty() { "the same path".to_owned() } else { parts.join(", ") }
}

/// The id of a created item: the body's id field, else the last segment of `Location`.
fn created_id(resource: &Resource, body: Option<&Value>, step: Option<&Example>) -> Option<String> {
    let field = resource.id_field.as_deref().unwrap_or("id");
    body.and_then(|b| collection::item_id(b, field)).or_else(|| {
        let location = step?.response.as_ref()?.header("location")?;
        location.trim_end_matches('/').rsplit('/').next().map(str::to_owned).filter(|s| !s.is_empty())
    })
}

/// A runtime expression (`$response.body#/id`, `$request.path.id`, `$response.header.Location`)
/// or a constant.
fn evaluate(
    expression: &Value,
    request: &Request,
    body: Option<&Value>,
    response: &crate::check::Response,
) -> Option<Value> {
    let Some(text) = expression.as_str() else { return Some(expression.clone()) };
    if let Some(ptr) = text.strip_prefix("$response.body#") {
        return body.and_then(|b| pointer::get(b, ptr)).cloned();
    }
    if let Some(ptr) = text.strip_prefix("$request.body#") {
        return request.json_body().and_then(|b| pointer::get(b, ptr)).cloned();
    }
    if let Some(name) = text.strip_prefix("$response.header.") {
        return response.header(name).map(|v| Value::String(v.to_owned()));
    }
    if let Some(name) = text.strip_prefix("$request.query.") {
        return request.query_value(name).map(|v| Value::String(v.to_owned()));
    }
    if text.starts_with('$') {
        return None; // `$request.path.x`, `$url`…: the path values are shared already.
    }
    Some(Value::String(text.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::stateful::tests::resource;
    use serde_json::json;

    #[test]
    fn link_expressions_read_the_answer_and_the_request() {
        let request = Request {
            method: crate::spec::Method::Post,
            path: "/a".into(),
            query: vec![("q".into(), "1".into())],
            headers: vec![],
            cookies: vec![],
            content_type: None,
            body: Some(crate::generate::Body::Json(json!({"name": "n"}))),
        };
        let response = crate::check::Response {
            status: 201,
            headers: vec![("location".into(), "/a/77".into())],
            body: Vec::new(),
            truncated: false,
            elapsed: Default::default(),
        };
        let body = json!({"id": "42"});
        assert_eq!(evaluate(&json!("$response.body#/id"), &request, Some(&body), &response), Some(json!("42")));
        assert_eq!(evaluate(&json!("$request.body#/name"), &request, Some(&body), &response), Some(json!("n")));
        assert_eq!(evaluate(&json!("$response.header.Location"), &request, None, &response), Some(json!("/a/77")));
        assert_eq!(evaluate(&json!("$request.query.q"), &request, None, &response), Some(json!("1")));
        assert_eq!(evaluate(&json!(5), &request, None, &response), Some(json!(5)));
        let r = Resource { id_field: Some("id".into()), ..resource(&[]) };
        let step = Example {
            case: crate::check::test_support::valid_case(0),
            sent: Default::default(),
            response: Some(response.clone()),
            credentials: Credentials::Configured,
        };
        assert_eq!(created_id(&r, Some(&body), None).as_deref(), Some("42"));
        assert_eq!(created_id(&r, Some(&json!({})), Some(&step)).as_deref(), Some("77"));
        assert_eq!(created_id(&r, Some(&json!({"data": {"id": "b1"}})), None).as_deref(), Some("b1"));
    }
}
