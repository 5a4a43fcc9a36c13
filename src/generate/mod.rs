//! Request generation: valid and invalid requests for every operation, derived from the compiled
//! contract with proptest. Boundaries first, reproducible from a seed, shrinkable.
//!
//! Per operation, [`Generator::new`] plans every parameter and the body once (schemas resolved,
//! patterns parsed, strategies built), builds the minimal valid request, and lists the
//! deterministic cases: the spec's examples, boundary values, then the invalid catalogue applied
//! to the minimal request. Random cases follow, drawn on demand from a seed derived from
//! (run seed, operation, case index), so any case can be made in any order on any thread.
//!
//! It must never hand out an "invalid" request that satisfies the contract, nor one that breaks
//! more than the one thing its label says: every mutant is read back and checked with the
//! compiled validators ([`violations`]) before it is used. Problems with the spec itself
//! (a pattern nothing can be generated from, a schema nothing satisfies) are findings, not
//! panics or errors.

mod mutate;
mod operation;
mod place;
mod plan;
mod strategy;
mod values;
mod wire;

pub use crate::model::case::*;
pub use wire::{Failure, breaks_only, failures, form_to_json, reasons_match, violations};

use crate::rng::mix;
use crate::spec::{Operation, Spec, SpecFinding};
use operation::{OpPlan, Raw, runner_config};
use proptest::strategy::ValueTree;
use proptest::test_runner::Config;
use std::str::FromStr;
use std::sync::Arc;

/// What to generate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GenerateConfig {
    /// Run seed: the same seed and spec give byte-identical cases in the same order.
    pub seed: u64,
    /// Random cases per operation, after the deterministic ones.
    pub cases: usize,
    /// `--param NAME=VALUE`: the value every parameter of that name takes in valid requests.
    pub pins: Vec<(String, String)>,
    /// Only this share of the case list.
    pub partition: Option<Partition>,
    /// Operation ids to generate for; empty means all.
    pub only: Vec<String>,
    /// `--path-slashes`: path values may hold `/` (sent as `%2F`). Off by default: servers
    /// that decode before routing send such a request to another route.
    pub path_slashes: bool,
    /// `--max-string`: the length of the very long string sent where a string declares no
    /// `maxLength` (an edge case).
    pub max_string: usize,
}

/// The default of [`GenerateConfig::max_string`].
pub const DEFAULT_MAX_STRING: usize = mutate::DEFAULT_MAX_STRING;

impl Default for GenerateConfig {
    fn default() -> Self {
        GenerateConfig {
            seed: 0,
            cases: 100,
            pins: Vec::new(),
            partition: None,
            only: Vec::new(),
            path_slashes: false,
            max_string: DEFAULT_MAX_STRING,
        }
    }
}

/// `K/N`: the K-th (1-based) of N disjoint shares of a run's cases.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Partition {
    /// K: which share, counting from 1.
    pub index: usize,
    /// N: how many shares.
    pub total: usize,
}

impl Partition {
    /// Whether the case at `position` in the whole run's list belongs to this share.
    pub fn contains(&self, position: usize) -> bool {
        position % self.total == self.index - 1
    }
}

impl FromStr for Partition {
    type Err = String;

    /// # Errors
    /// `"partition must be K/N with 1 <= K <= N"` for anything else.
    fn from_str(s: &str) -> Result<Partition, String> {
        let bad = || "partition must be K/N with 1 <= K <= N".to_owned();
        let (k, n) = s.split_once('/').ok_or_else(bad)?;
        let index: usize = k.trim().parse().map_err(|_| bad())?;
        let total: usize = n.trim().parse().map_err(|_| bad())?;
        if index == 0 || total == 0 || index > total {
            return Err(bad());
        }
        Ok(Partition { index, total })
    }
}

/// A case's place in the run: operation index (in `Spec::operations`) and index in that
/// operation's case list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CaseId {
    /// The operation's index in `Spec::operations`.
    pub operation: usize,
    /// The case's position in that operation's case list.
    pub index: usize,
}

/// Why a generator could not be built.
#[derive(Debug, thiserror::Error)]
pub enum GenerateError {
    /// A pinned value that the parameter's schema rejects.
    #[error("`{value}` is not a valid {location} parameter {name} of operation {operation} ({why})")]
    BadPin {
        /// The parameter name given to `--param`.
        name: String,
        /// The pinned value.
        value: String,
        /// Where the parameter goes (`path`, `query`, `header`, `cookie`).
        location: String,
        /// The id of the operation whose parameter rejects the value.
        operation: String,
        /// Why the schema rejects it.
        why: String,
    },
    /// A pinned parameter that no operation has.
    #[error("no operation has a parameter named {name}")]
    UnknownPin {
        /// The parameter name given to `--param`.
        name: String,
    },
    /// An operation id in `only` that the spec does not have.
    #[error("unknown operation {0}")]
    UnknownOperation(String),
    /// A partition outside `1 <= K <= N`.
    #[error("partition {index}/{total}: partition must be K/N with 1 <= K <= N")]
    BadPartition {
        /// K as given.
        index: usize,
        /// N as given.
        total: usize,
    },
}

/// Derives the seed of random case `index` of operation `op`.
fn case_seed(run: u64, op: usize, index: usize) -> u64 {
    mix(mix(run ^ 0xC0DE_F00D_0000_0001).wrapping_add(mix(op as u64 + 1)).wrapping_add(index as u64))
}

/// Builds requests for a spec. `Send + Sync`: build it once per run and share it.
pub struct Generator {
    spec: Arc<Spec>,
    config: GenerateConfig,
    plans: Vec<Arc<OpPlan>>,
    ids: Vec<CaseId>,
    findings: Vec<SpecFinding>,
    runner: Config,
}

/// What a random draw gave: the value tree's seed, the request, and for invalid cases the
/// variant and candidate applied.
struct Drawn {
    tree_seed: u64,
    request: Request,
    mutation: Option<(usize, usize, Mutation)>,
}

impl Generator {
    /// Plans every operation of `spec` and lists the run's cases.
    ///
    /// # Errors
    /// [`GenerateError`] for a pin that names no parameter or that its schema rejects, an
    /// unknown operation id in `only`, or a partition outside `1 <= K <= N`.
    pub fn new(spec: Arc<Spec>, config: GenerateConfig) -> Result<Generator, GenerateError> {
        if let Some(Partition { index, total }) = config.partition
            && (index == 0 || index > total)
        {
            return Err(GenerateError::BadPartition { index, total });
        }
        for (name, value) in &config.pins {
            let mut found = false;
            for op in &spec.operations {
                for p in op.parameters.iter().filter(|p| p.name == *name) {
                    found = true;
                    let parsed = operation::pin_value(p, value);
                    if let Some(schema) = &p.schema
                        && !schema.is_valid(&parsed)
                    {
                        let why = schema
                            .violations(&parsed, 1)
                            .into_iter()
                            .next()
                            .map_or_else(|| "does not satisfy its schema".to_owned(), |v| v.to_string());
                        return Err(GenerateError::BadPin {
                            name: name.clone(),
                            value: value.clone(),
                            location: p.location.to_string(),
                            operation: op.id.clone(),
                            why,
                        });
                    }
                }
            }
            if !found {
                return Err(GenerateError::UnknownPin { name: name.clone() });
            }
        }
        let mut selected = vec![config.only.is_empty(); spec.operations.len()];
        for id in &config.only {
            let i = spec
                .operations
                .iter()
                .position(|o| o.id == *id)
                .ok_or_else(|| GenerateError::UnknownOperation(id.clone()))?;
            selected[i] = true;
        }
        let mut findings = Vec::new();
        let plans: Vec<Arc<OpPlan>> = (0..spec.operations.len())
            .map(|i| {
                Arc::new(OpPlan::build(&spec, i, &config.pins, (config.path_slashes, config.max_string), &mut findings))
            })
            .collect();
        // A schema used in several places (or recursively) is reported once.
        let mut seen = std::collections::HashSet::new();
        findings.retain(|f: &SpecFinding| seen.insert((f.pointer.clone(), f.message.clone())));
        let mut ids = Vec::new();
        let mut position = 0;
        for (i, plan) in plans.iter().enumerate() {
            if !selected[i] {
                continue;
            }
            let random = if plan.strategy.is_some() { config.cases } else { 0 };
            for index in 0..plan.deterministic.len() + random {
                if config.partition.is_none_or(|p| p.contains(position)) {
                    ids.push(CaseId { operation: i, index });
                }
                position += 1;
            }
        }
        Ok(Generator { spec, config, plans, ids, findings, runner: runner_config() })
    }

    /// The spec the cases are for.
    pub fn spec(&self) -> &Spec {
        &self.spec
    }

    /// The run's cases in order (operations in document order, deterministic cases first),
    /// after `only` and the partition.
    pub fn case_ids(&self) -> Vec<CaseId> {
        self.ids.clone()
    }

    /// Operations (index, reason) that `only` selected but that get no case: no valid request
    /// could be generated for them, or the partition holds none of their cases.
    pub fn skipped(&self) -> Vec<(usize, String)> {
        let only = |i: usize| self.config.only.is_empty() || self.config.only.contains(&self.spec.operations[i].id);
        let mut out = Vec::new();
        for (i, plan) in self.plans.iter().enumerate().filter(|(i, _)| only(*i)) {
            if let Some(why) = &plan.skip {
                out.push((i, why.clone()));
            } else if !self.ids.iter().any(|id| id.operation == i) {
                let share = self.config.partition.map_or(String::new(), |p| format!(" {}/{}", p.index, p.total));
                out.push((i, format!("partition{share} holds none of its cases")));
            }
        }
        out
    }

    /// Generation problems: patterns nothing can be generated from, schemas nothing satisfies
    /// (each names the operation and the pointer).
    pub fn findings(&self) -> &[SpecFinding] {
        &self.findings
    }

    /// The case `id`; `None` when the operation or index does not exist. Deterministic: the same
    /// generator gives the same case for the same id, on any thread, in any order.
    pub fn case(&self, id: CaseId) -> Option<Case> {
        let plan = self.plans.get(id.operation)?;
        if let Some(case) = plan.deterministic.get(id.index) {
            return Some(case.clone());
        }
        plan.strategy.as_ref()?;
        let r = id.index - plan.deterministic.len();
        if r >= self.config.cases {
            return None;
        }
        let op = &self.spec.operations[id.operation];
        let invalid = r % 2 == 1 && !plan.random_pool.is_empty();
        let seed = case_seed(self.config.seed, id.operation, id.index);
        let (kind, request, seed) = match draw(plan, op, &self.runner, seed, invalid) {
            Some(d) => {
                (d.mutation.map_or(CaseKind::Valid, |(_, _, m)| CaseKind::Invalid(m)), d.request, Some(d.tree_seed))
            }
            None => fallback(plan, op, invalid)?,
        };
        Some(Case {
            operation: id.operation,
            index: id.index,
            kind,
            origin: CaseOrigin::Random,
            seed,
            request,
            edge: None,
        })
    }

    /// A shrinker for a random case: it rebuilds the case's value tree from its seed. `None`
    /// for deterministic cases (and for the rare random case that fell back to the minimal
    /// request).
    pub fn shrinker(&self, case: &Case) -> Option<Shrinker> {
        if case.origin != CaseOrigin::Random {
            return None;
        }
        let tree_seed = case.seed?;
        let plan = self.plans.get(case.operation)?.clone();
        let op = &self.spec.operations[case.operation];
        let seed = case_seed(self.config.seed, case.operation, case.index);
        let drawn = draw(&plan, op, &self.runner, seed, !case.is_valid())?;
        if drawn.tree_seed != tree_seed {
            return None;
        }
        Some(Shrinker {
            spec: self.spec.clone(),
            plan,
            runner: self.runner.clone(),
            tree_seed,
            mutation: drawn.mutation.map(|(v, c, _)| (v, c)),
            history: Vec::new(),
            current: case.clone(),
        })
    }

    /// A fresh valid request for operation `op` from `seed`, with the named parameters fixed
    /// (e.g. the same groupId across a stateful sequence); pins apply to the others. `None` if
    /// the operation has no valid request.
    pub fn valid_request(&self, op: usize, seed: u64, fixed: &[(String, serde_json::Value)]) -> Option<Request> {
        let plan = self.plans.get(op)?;
        let operation = &self.spec.operations[op];
        let mut raw = (0..ATTEMPTS).find_map(|attempt| {
            let tree = plan.draw(&self.runner, mix(seed.wrapping_add(attempt)))?;
            let raw = tree.current();
            plan.valid_raw(operation, &raw).map(|_| raw)
        });
        if raw.is_none() {
            raw = plan.base.clone();
        }
        let mut raw = raw?;
        for (name, value) in fixed {
            for (slot, p) in raw.params.iter_mut().zip(&plan.params) {
                if operation.parameters[p.index].name == *name {
                    *slot = Some(value.clone());
                }
            }
        }
        Some(plan.render(operation, &raw))
    }

    /// A valid request for operation `op` whose path values are drawn afresh rather than
    /// pinned (`--param`) or minimal: an item that most likely does not exist, to provoke the
    /// operation's documented 404. `None` when the operation has no path parameter, or no
    /// fresh valid value differs from the pinned one.
    pub fn unknown_id_request(&self, op: usize, seed: u64) -> Option<Request> {
        let plan = self.plans.get(op)?;
        let operation = &self.spec.operations[op];
        let base = plan.base.clone()?;
        let path_params: Vec<usize> = (0..plan.params.len())
            .filter(|&i| operation.parameters[plan.params[i].index].location == crate::spec::ParamLocation::Path)
            .collect();
        if path_params.is_empty() {
            return None;
        }
        for attempt in 0..ATTEMPTS {
            let mut raw = base.clone();
            let mut changed = false;
            for (k, &i) in path_params.iter().enumerate() {
                let p = &plan.params[i];
                let Some(strategy) = &p.strategy else { continue };
                let mut runner = operation::runner(&self.runner, mix(seed ^ mix(attempt * 31 + k as u64 + 1)));
                let Ok(tree) = proptest::strategy::Strategy::new_tree(strategy, &mut runner) else { continue };
                let value = tree.current();
                if Some(&value) != p.pinned.as_ref() && Some(&value) != p.base.as_ref() {
                    raw.params[i] = Some(value);
                    changed = true;
                }
            }
            if !changed {
                continue;
            }
            let request = plan.render(operation, &raw);
            if violations(operation, &request).is_empty() {
                return Some(request);
            }
        }
        None
    }
}

const ATTEMPTS: u64 = 8;

/// Draws a random case: a valid request, or a valid request with one mutation from the pool.
fn draw(plan: &OpPlan, op: &Operation, runner: &Config, seed: u64, invalid: bool) -> Option<Drawn> {
    for attempt in 0..ATTEMPTS {
        let tree_seed = mix(seed.wrapping_add(attempt));
        let Some(tree) = plan.draw(runner, tree_seed) else { continue };
        let raw = tree.current();
        if !invalid {
            let Some(valid) = plan.valid_raw(op, &raw) else { continue };
            return Some(Drawn { tree_seed, request: valid, mutation: None });
        }
        if plan.check && plan.valid_raw(op, &raw).is_none() {
            continue; // A mutant must start from a valid request.
        }
        if let Some((request, v, c, m)) = mutate(plan, op, &raw, tree_seed) {
            return Some(Drawn { tree_seed, request, mutation: Some((v, c, m)) });
        }
    }
    None
}

/// Applies the pool's mutations, starting at one picked by `seed`, until one breaks exactly its
/// place in this request.
fn mutate(plan: &OpPlan, op: &Operation, raw: &Raw, seed: u64) -> Option<(Request, usize, usize, Mutation)> {
    let n = plan.random_pool.len();
    if n == 0 {
        return None;
    }
    let start = (mix(seed ^ 0x1A7A_11D0) % n as u64) as usize;
    for k in 0..n.min(8) {
        let (v, c) = plan.random_pool[(start + k) % n];
        if let Some(req) = apply_checked(plan, op, raw, v, c) {
            let m = OpPlan::mutation(&plan.variants[v], c)?;
            return Some((req, v, c, m));
        }
    }
    None
}

/// Applies pool mutation `(v, c)` to valid raw values; the request if it breaks exactly what the
/// mutation says. Only the mutated part is read back: `raw` is valid and nothing else changed.
fn apply_checked(plan: &OpPlan, op: &Operation, raw: &Raw, v: usize, c: usize) -> Option<Request> {
    let variant = &plan.variants[v];
    let req = plan.apply(op, raw, variant, c)?;
    wire::breaks_only_part(op, &req, &variant.location, variant.constraint.unwrap_or_default()).then_some(req)
}

/// When random draws keep failing: the minimal request (and the pool's first mutation of it).
fn fallback(plan: &OpPlan, op: &Operation, invalid: bool) -> Option<(CaseKind, Request, Option<u64>)> {
    let base = plan.base.as_ref()?;
    if invalid {
        for &(v, c) in &plan.random_pool {
            if let Some(req) = apply_checked(plan, op, base, v, c) {
                return Some((CaseKind::Invalid(OpPlan::mutation(&plan.variants[v], c)?), req, None));
            }
        }
    }
    Some((CaseKind::Valid, plan.render(op, base), None))
}

#[derive(Debug, Clone, Copy)]
enum Move {
    Simplify,
    Complicate,
}

/// Shrinks a random case: `simplify` and `complicate` move its value tree the way proptest's
/// runner does, skipping states that are not a proper case (for an invalid case: a state where
/// the mutation no longer breaks exactly its place). [`Shrinker::current`] is always a proper
/// case of the same kind and label.
///
/// proptest's value trees are not `Send`; to stay `Send` the shrinker keeps the seed and the
/// moves made so far, and replays them on a fresh tree (cheap: trees are rebuilt in
/// microseconds and shrinking takes at most a few hundred moves).
pub struct Shrinker {
    spec: Arc<Spec>,
    plan: Arc<OpPlan>,
    runner: Config,
    tree_seed: u64,
    mutation: Option<(usize, usize)>,
    history: Vec<Move>,
    current: Case,
}

/// Internal moves one `simplify`/`complicate` call may make past improper states.
const MAX_SKIPS: usize = 256;

impl Shrinker {
    /// The case at the current (last proper) state.
    pub fn current(&self) -> Case {
        self.current.clone()
    }

    fn replay(&self) -> Option<Box<dyn ValueTree<Value = Raw>>> {
        let mut tree = self.plan.draw(&self.runner, self.tree_seed)?;
        for m in &self.history {
            match m {
                Move::Simplify => tree.simplify(),
                Move::Complicate => tree.complicate(),
            };
        }
        Some(tree)
    }

    /// The request for raw values, if they make a proper case.
    fn proper(&self, raw: &Raw) -> Option<Request> {
        let op = &self.spec.operations[self.plan.op];
        let valid = self.plan.valid_raw(op, raw)?;
        match self.mutation {
            None => Some(valid),
            Some((v, c)) => apply_checked(&self.plan, op, raw, v, c),
        }
    }

    /// Moves to a simpler proper case. Returns false when there is none.
    pub fn simplify(&mut self) -> bool {
        let Some(mut tree) = self.replay() else { return false };
        for _ in 0..MAX_SKIPS {
            self.history.push(Move::Simplify);
            if !tree.simplify() {
                return false;
            }
            if let Some(req) = self.proper(&tree.current()) {
                self.current.request = req;
                return true;
            }
            // Not a proper case: treat it like a passing one and go on from there.
            self.history.push(Move::Complicate);
            tree.complicate();
        }
        false
    }

    /// Moves back towards the last case that failed (after the simpler one passed). Returns
    /// false when there is nothing between.
    pub fn complicate(&mut self) -> bool {
        let Some(mut tree) = self.replay() else { return false };
        for _ in 0..MAX_SKIPS {
            self.history.push(Move::Complicate);
            if !tree.complicate() {
                return false;
            }
            if let Some(req) = self.proper(&tree.current()) {
                self.current.request = req;
                return true;
            }
        }
        false
    }
}

#[cfg(test)]
mod tests;
