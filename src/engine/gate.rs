//! The conflict gate of the worker pool: it makes a concurrent run send every request that may
//! interact with another in the order a sequential run (`--concurrency 1`) sends them, so that
//! the server's answers, and so the findings and their examples, are the same for a seed
//! whatever the concurrency and the timing.
//!
//! Jobs are numbered in the run's order. A worker takes a job's number from the gate (a
//! [`Pass`]), makes the job's request, and calls [`Pass::enter`] with its [`Scope`] before
//! sending it: `enter` returns once no earlier unfinished job may interact with it. The pass is
//! released when it is dropped (after the answer came, or when the job ends early, fails or
//! panics), so a job that never sends holds nobody up for longer than it lives.
//!
//! ## When two requests may interact
//!
//! A request is *safe* when its method is GET, HEAD, OPTIONS or TRACE: HTTP says it does not
//! change state (RFC 9110 §9.2.1). Two safe requests never interact: they may run together in
//! any order. A request with any other method (POST, PUT, PATCH, DELETE) may change state, and
//! it may interact with another request, safe or not, when they may address the same state:
//!
//! - they share a path-parameter value (compared without regard to ASCII case, as sent):
//!   `PATCH /groups/A/window` and `GET /groups/A/window`, but also `DELETE /groups/A` and
//!   `GET /groups/A/clusters/C`. A resource lives under the values of its path, so requests
//!   with no value in common address different resources;
//! - or either has no path parameter (a collection, a root, an RPC-style endpoint: it may see or
//!   change every resource), or its path does not match its template (a path mutation), so its
//!   values are not known.
//!
//! An unsafe request then waits for every earlier request it may interact with to finish, and
//! every later request it may interact with waits for it: whatever the timing, the server sees
//! each such pair in the sequential order. Random cases carry random path values, so they
//! rarely share one and run concurrently; example and boundary cases, which share the spec's
//! example ids, are serialized where one of them writes.
//!
//! The rule assumes that a server's state is addressed by paths. What it does not order, and a
//! run against such a server can see differently from run to run: state shared by every path
//! (a global id sequence handing the next id to whichever create arrives first, quotas, rate
//! limits, a request counter), one resource reached by two different values (`/users/me` and
//! `/users/{id}` do conflict, as `me` is no value; `/groups/{id}` and `/groups/byName/{name}`
//! do not), and safe methods that change state anyway. Timing itself is outside it too:
//! timeouts, `max_response_time`, a 429 retried, and a Digest nonce expiring while requests are
//! in flight (each meets a challenge and is sent again: the request counts move, the findings
//! do not). The credentials stopping part-way is in `lockout`.
//!
//! The first job of a pool goes alone: what the transport learns from a first answer (the
//! Digest challenge and its nonce) is then learned once, before other requests go, and no
//! request count depends on how many requests were in flight before it. Later, requests that
//! race for a new nonce (an expired one) can still move the counts.
//!
//! Sequences and shrinking run after the pool, one request at a time, so they start from the
//! same state at any concurrency.
//!
//! ## Cost
//!
//! Each worker holds at most one pass, so the gate never holds more unfinished jobs than there
//! are workers, and [`Pass::enter`] scans only those: no scan grows with the run. A job waits
//! for an earlier one only while that one has not made its request yet (it cannot know
//! otherwise whether they conflict), or while a conflicting one is in flight.

use crate::generate::Request;
use crate::spec::{Operation, PathTemplate};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use tokio::sync::Notify;

/// The most path values a [`Scope`] keeps; a request with more is taken to touch anything.
const MAX_VALUES: usize = 8;

/// What a request may touch: whether it may change state, and the path values it addresses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Scope {
    /// The method may change state (not GET, HEAD, OPTIONS or TRACE).
    writes: bool,
    /// Hashes of the path-parameter values as sent, ASCII case folded (the first `len`);
    /// `None`: it may touch anything (no path parameter, more than [`MAX_VALUES`], or a path
    /// that does not match the template). Two values with the same hash are taken to be the
    /// same: a collision only orders two requests that need not be, never the reverse.
    values: Option<([u64; MAX_VALUES], usize)>,
}

/// FNV-1a of a value with its ASCII letters lower-cased: equal for values that are equal
/// without regard to ASCII case. Computed per request, so cheaper than SipHash on purpose; it
/// need not resist attacks (a collision only costs concurrency).
fn fold_hash(value: &str) -> u64 {
    value
        .bytes()
        .fold(0xcbf2_9ce4_8422_2325, |h, b| (h ^ u64::from(b.to_ascii_lowercase())).wrapping_mul(0x0100_0000_01b3))
}

impl Scope {
    /// The scope of `request`, sent to `op`.
    pub(super) fn of(op: &Operation, request: &Request) -> Scope {
        let writes = request.method.is_mutating();
        let segments: Vec<&str> = PathTemplate::split(&request.path).collect();
        let mut found = Vec::new();
        let values =
            (op.template.match_into(&segments, &mut found) && (1..=MAX_VALUES).contains(&found.len())).then(|| {
                let mut hashes = [0; MAX_VALUES];
                for (slot, (_, value)) in hashes.iter_mut().zip(&found) {
                    *slot = fold_hash(value);
                }
                (hashes, found.len())
            });
        Scope { writes, values }
    }

    /// A scope from values (tests).
    #[cfg(test)]
    fn with(writes: bool, values: &[&str]) -> Scope {
        let mut hashes = [0; MAX_VALUES];
        for (slot, value) in hashes.iter_mut().zip(values) {
            *slot = fold_hash(value);
        }
        Scope { writes, values: (!values.is_empty()).then_some((hashes, values.len())) }
    }

    /// A request that reads these path values (tests).
    #[cfg(test)]
    fn read(values: &[&str]) -> Scope {
        Scope::with(false, values)
    }

    /// A request that may change what these path values address; none: anything (tests).
    #[cfg(test)]
    fn write(values: &[&str]) -> Scope {
        Scope::with(true, values)
    }

    /// Whether two requests may interact (see the module's doc).
    pub(super) fn interacts(&self, other: &Scope) -> bool {
        if !self.writes && !other.writes {
            return false;
        }
        match (&self.values, &other.values) {
            (Some((mine, m)), Some((theirs, t))) => mine[..*m].iter().any(|a| theirs[..*t].contains(a)),
            _ => true,
        }
    }
}

/// One unfinished job: taken, and its scope once it made its request.
struct Slot {
    job: usize,
    scope: Option<Scope>,
    /// Wakes the jobs waiting on this one when it makes its request and when it finishes.
    changed: Arc<Notify>,
}

#[derive(Default)]
struct State {
    /// The next job to hand out.
    next: usize,
    /// Unfinished jobs, by number (at most one per worker).
    active: Vec<Slot>,
}

/// Hands out a pool's jobs in order and lets each send once no earlier job it may interact
/// with is unfinished.
pub(super) struct Gate {
    jobs: usize,
    state: Mutex<State>,
}

impl Gate {
    /// A gate for jobs `0..jobs`.
    pub(super) fn new(jobs: usize) -> Gate {
        Gate { jobs, state: Mutex::new(State::default()) }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The next job, in order, with its pass; `None` once every job was handed out.
    pub(super) fn take(self: &Arc<Self>) -> Option<Pass> {
        let mut state = self.lock();
        let job = state.next;
        if job >= self.jobs {
            return None;
        }
        state.next += 1;
        state.active.push(Slot { job, scope: None, changed: Arc::new(Notify::new()) });
        Some(Pass { gate: self.clone(), job })
    }
}

/// A job's number, and its place in the gate until dropped.
pub(super) struct Pass {
    gate: Arc<Gate>,
    job: usize,
}

impl Pass {
    /// The job's number in the run's order.
    pub(super) fn job(&self) -> usize {
        self.job
    }

    /// Records the job's scope, then waits until every earlier unfinished job has made its
    /// request and none of them may interact with this one. It waits on one earlier job at a
    /// time (the first that holds it), so a change wakes only the jobs it may concern.
    pub(super) async fn enter(&self, scope: Scope) {
        let gate = &*self.gate;
        {
            let mut state = gate.lock();
            if let Some(slot) = state.active.iter_mut().find(|s| s.job == self.job) {
                slot.scope = Some(scope);
                slot.changed.notify_waiters();
            }
        }
        loop {
            let Some(changed) = self.blocker() else { return };
            let notified = changed.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            // Looked at again once registered: a change made before is seen here, one made
            // after wakes this task.
            if self.blocker().is_some_and(|again| Arc::ptr_eq(&again, &changed)) {
                notified.await;
            }
        }
    }

    /// The first earlier unfinished job that holds this one back: still making its request, or
    /// one that may interact with it; `None` when there is none.
    fn blocker(&self) -> Option<Arc<Notify>> {
        let state = self.gate.lock();
        let mine = state.active.iter().find(|s| s.job == self.job).and_then(|s| s.scope.as_ref())?;
        let mut earlier = state.active.iter().take_while(|s| s.job < self.job);
        earlier
            .find(|s| {
                // The first job goes alone (see the module's doc).
                s.job == 0 || s.scope.as_ref().is_none_or(|theirs| theirs.interacts(mine))
            })
            .map(|s| s.changed.clone())
    }
}

impl Drop for Pass {
    fn drop(&mut self) {
        let mut state = self.gate.lock();
        if let Some(i) = state.active.iter().position(|s| s.job == self.job) {
            state.active.remove(i).changed.notify_waiters();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;
    use std::time::Duration;
    use tokio::sync::mpsc;

    const SHORT: Duration = Duration::from_millis(50);
    const LONG: Duration = Duration::from_secs(5);

    #[test]
    fn scopes_interact_when_one_writes_and_they_may_address_the_same_state() {
        let (a, b) = (Scope::read(&["g1"]), Scope::read(&["g1"]));
        assert!(!a.interacts(&b), "two reads never");
        assert!(Scope::write(&["G1"]).interacts(&a), "a shared value, whatever the case");
        assert!(Scope::write(&["g1", "w7"]).interacts(&Scope::read(&["g2", "w7"])));
        assert!(!Scope::write(&["g1"]).interacts(&Scope::read(&["g2"])), "different resources");
        assert!(!Scope::write(&["g1"]).interacts(&Scope::write(&["g2"])));
        assert!(Scope::write(&[]).interacts(&Scope::read(&["g2"])), "a collection-wide write");
        let wide_read = Scope { writes: false, values: None };
        assert!(wide_read.interacts(&Scope::write(&["g2"])), "a collection-wide read");
        assert!(!wide_read.interacts(&Scope::read(&["g2"])));
    }

    #[test]
    fn scopes_come_from_the_path_values() {
        let spec = crate::spec::Spec::from_value(
            "t.yaml",
            serde_json::json!({
                "openapi": "3.0.3",
                "info": {"title": "t", "version": "1"},
                "paths": {
                    "/groups/{groupId}/things/{id}": {"parameters": [
                        {"name": "groupId", "in": "path", "required": true, "schema": {"type": "string"}},
                        {"name": "id", "in": "path", "required": true, "schema": {"type": "string"}}
                    ], "patch": {"operationId": "p", "responses": {"200": {"description": "ok"}}}},
                    "/things": {"get": {"operationId": "l", "responses": {"200": {"description": "ok"}}}}
                }
            }),
        )
        .unwrap();
        let request = |method, path: &str| Request {
            method,
            path: path.to_owned(),
            query: Vec::new(),
            headers: Vec::new(),
            cookies: Vec::new(),
            content_type: None,
            body: None,
        };
        let patch = spec.operation("p").unwrap();
        let list = spec.operation("l").unwrap();
        use crate::spec::Method;
        assert_eq!(Scope::of(patch, &request(Method::Patch, "/groups/a/things/b")), Scope::write(&["a", "b"]));
        assert_eq!(
            Scope::of(patch, &request(Method::Get, "/groups/a/things/b")),
            Scope::read(&["a", "b"]),
            "the method sent counts, not the operation's"
        );
        assert_eq!(Scope::of(patch, &request(Method::Patch, "/groups/a/b/things/c")), Scope::write(&[]), "no match");
        assert_eq!(Scope::of(list, &request(Method::Get, "/things")).values, None);
    }

    /// Runs `scopes` as jobs on `workers` tasks; each holds its pass for `hold`; returns the
    /// order jobs were let in, and the most jobs inside at once.
    async fn run(scopes: Vec<Scope>, workers: usize, hold: Duration) -> (Vec<usize>, usize) {
        let gate = Arc::new(Gate::new(scopes.len()));
        let scopes = Arc::new(scopes);
        let (tx, mut rx) = mpsc::unbounded_channel();
        let inside = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let most = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let mut tasks = tokio::task::JoinSet::new();
        for _ in 0..workers {
            let (gate, scopes, tx, inside, most) =
                (gate.clone(), scopes.clone(), tx.clone(), inside.clone(), most.clone());
            tasks.spawn(async move {
                while let Some(pass) = gate.take() {
                    pass.enter(scopes[pass.job()].clone()).await;
                    let now = inside.fetch_add(1, std::sync::atomic::Ordering::SeqCst) + 1;
                    most.fetch_max(now, std::sync::atomic::Ordering::SeqCst);
                    let _ = tx.send(pass.job());
                    tokio::time::sleep(hold).await;
                    inside.fetch_sub(1, std::sync::atomic::Ordering::SeqCst);
                }
            });
        }
        drop(tx);
        tokio::time::timeout(LONG, async { while tasks.join_next().await.is_some() {} }).await.expect("no deadlock");
        let mut order = Vec::new();
        while let Ok(job) = rx.try_recv() {
            order.push(job);
        }
        (order, most.load(std::sync::atomic::Ordering::SeqCst))
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn reads_of_one_resource_overlap() {
        // Nine: the first goes alone.
        let (order, most) = run(vec![Scope::read(&["g"]); 9], 9, SHORT).await;
        assert_eq!(order.len(), 9);
        assert_eq!(most, 8, "eight reads at once");
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn writes_to_different_resources_overlap() {
        let scopes = (0..7).map(|i| Scope::write(&[&format!("g{i}")])).collect();
        let (_, most) = run(scopes, 7, SHORT).await;
        assert_eq!(most, 6, "all but the first, which goes alone");
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_write_waits_for_earlier_reads_and_later_reads_wait_for_it() {
        // r r W r r on one resource, then a read of another one.
        let g = || Scope::read(&["g"]);
        let scopes = vec![g(), g(), Scope::write(&["g"]), g(), g(), Scope::read(&["other"])];
        let (order, most) = run(scopes, 6, SHORT).await;
        let at = |job: usize| order.iter().position(|&j| j == job).unwrap();
        assert!(at(0) < at(2) && at(1) < at(2), "the write waits for earlier reads: {order:?}");
        assert!(at(3) > at(2) && at(4) > at(2), "later reads wait for the write: {order:?}");
        assert!(at(5) < at(2), "a read of another resource does not wait: {order:?}");
        assert!(most >= 2);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn writes_to_one_resource_keep_their_order() {
        let scopes =
            (0..10).map(|i| if i % 3 == 0 { Scope::write(&["g"]) } else { Scope::write(&["g", "x"]) }).collect();
        let (order, most) = run(scopes, 4, Duration::from_millis(5)).await;
        assert_eq!(order, (0..10).collect::<Vec<_>>());
        assert_eq!(most, 1);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_collection_wide_write_is_a_barrier() {
        let scopes = vec![Scope::read(&["a"]), Scope::read(&["b"]), Scope::write(&[]), Scope::read(&["c"])];
        let (order, _) = run(scopes, 4, SHORT).await;
        assert_eq!(&order[2..], &[2, 3], "{order:?}");
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_pass_dropped_without_entering_or_by_a_panic_releases_the_others() {
        let gate = Arc::new(Gate::new(4));
        // Job 0 never enters (dropped), job 1 panics while inside.
        drop(gate.take().unwrap());
        let panicking = {
            let gate = gate.clone();
            tokio::spawn(async move {
                let pass = gate.take().unwrap();
                pass.enter(Scope::write(&[])).await;
                tokio::time::sleep(SHORT).await;
                panic!("a job that dies");
            })
        };
        tokio::time::sleep(Duration::from_millis(5)).await;
        let later = gate.take().unwrap();
        let entered = tokio::time::timeout(LONG, later.enter(Scope::write(&[]))).await;
        assert!(entered.is_ok(), "the dead job released its pass");
        assert!(panicking.await.is_err());
        // A job taken but never entered holds later ones only until it is dropped.
        let last = gate.take().unwrap();
        assert!(gate.take().is_none(), "four jobs");
        drop(later);
        tokio::time::timeout(LONG, last.enter(Scope::read(&["x"]))).await.expect("nothing earlier is left");
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_later_job_waits_while_an_earlier_one_makes_its_request() {
        let gate = Arc::new(Gate::new(3));
        drop(gate.take().unwrap());
        let first = gate.take().unwrap();
        let second = gate.take().unwrap();
        let waiting = tokio::time::timeout(SHORT, second.enter(Scope::read(&["a"]))).await;
        assert!(waiting.is_err(), "job 1 may still turn out to write to a");
        first.enter(Scope::read(&["b"])).await;
        tokio::time::timeout(LONG, second.enter(Scope::read(&["a"]))).await.expect("no conflict once it is known");
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn the_first_job_goes_alone() {
        let (order, _) = run(vec![Scope::read(&["a"]), Scope::read(&["b"]), Scope::read(&["c"])], 3, SHORT).await;
        assert_eq!(order[0], 0, "{order:?}");
        let gate = Arc::new(Gate::new(2));
        let first = gate.take().unwrap();
        first.enter(Scope::read(&["a"])).await;
        let second = gate.take().unwrap();
        let waiting = tokio::time::timeout(SHORT, second.enter(Scope::read(&["b"]))).await;
        assert!(waiting.is_err(), "two reads of different resources, but job 0 is in flight");
        drop(first);
        tokio::time::timeout(LONG, second.enter(Scope::read(&["b"]))).await.expect("job 0 is done");
    }
}
