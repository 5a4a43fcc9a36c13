//! Notices when the run's credentials stop working part-way through: a run that calls a
//! server's "rotate my API token" operation would otherwise go on, collect thousands of 401s
//! and blame them on missing credentials.
//!
//! The rule: after at least one valid request passed, a streak of valid requests refused with
//! 401/403 over more than one operation makes the watcher suspicious; it then re-sends the
//! canary, a GET that passed earlier. If the canary is refused too, the credentials stopped
//! working: the phase stops and the run reports the last state-changing operation that passed
//! before the streak. An operation that is merely forbidden to these credentials never trips
//! it, because the canary still passes.
//!
//! It never judges answers (that is the checks'), and holds no secret: the canary is a request
//! without credentials, which the transport adds.
//!
//! Order: the watch sees answers as they complete, which with several workers is the timing's
//! order, so a streak, the canary and the step it reports may differ from one run to the next.
//! That shows only where refusals come in streaks. A run whose credentials keep working is
//! affected only when several operations refuse them (the canary, re-sent and passing, adds a
//! request to the counts; no finding changes). A run whose credentials stop working stops
//! part-way, and how far the other workers got depends on timing too: the credentials are
//! state that no path addresses, which the pool's gate does not order (see `gate`). The
//! report says where it stopped.

use crate::generate::Request;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};

/// Refused valid requests in a row before the canary is re-sent.
const STREAK: usize = 8;

/// What the caller must do after [`Watch::observe`].
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Next {
    Continue,
    /// Re-send this canary request of this operation and pass the status to [`Watch::verdict`].
    Verify(usize, Box<Request>),
}

#[derive(Default)]
struct State {
    /// Valid requests answered so far, in completion order: the "step" of reports.
    step: usize,
    /// The first valid GET that passed (operation index, request).
    canary: Option<(usize, Request)>,
    /// The last pass, and the last pass of a state-changing operation: (operation, step).
    last_pass: Option<(usize, usize)>,
    last_mutation: Option<(usize, usize)>,
    /// Where the refusal streak started, and the suspect recorded then.
    streak: usize,
    streak_ops: Vec<usize>,
    suspect: Option<(usize, usize)>,
    verifying: bool,
    /// Set once: (operation, step) after which the credentials stopped working.
    stopped_after: Option<(usize, usize)>,
}

/// Shared by every request task of a run.
#[derive(Default)]
pub(crate) struct Watch {
    state: Mutex<State>,
    stopped: AtomicBool,
}

impl Watch {
    /// Whether the credentials were found to have stopped working: tasks stop taking cases.
    pub(super) fn stopped(&self) -> bool {
        self.stopped.load(Ordering::Relaxed)
    }

    /// Records the answer to a valid request sent with the configured credentials.
    pub(super) fn observe(&self, op: usize, mutating: bool, safe: bool, request: &Request, status: u16) -> Next {
        let mut s = self.state.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        s.step += 1;
        let step = s.step;
        if (200..300).contains(&status) {
            s.last_pass = Some((op, step));
            if mutating {
                s.last_mutation = Some((op, step));
            }
            if safe && s.canary.is_none() {
                s.canary = Some((op, request.clone()));
            }
            s.streak = 0;
            s.streak_ops.clear();
            return Next::Continue;
        }
        if !matches!(status, 401 | 403) || s.last_pass.is_none() || s.stopped_after.is_some() {
            return Next::Continue;
        }
        if s.streak == 0 {
            s.suspect = s.last_mutation.or(s.last_pass);
        }
        s.streak += 1;
        if !s.streak_ops.contains(&op) {
            s.streak_ops.push(op);
        }
        if s.streak >= STREAK
            && s.streak_ops.len() > 1
            && !s.verifying
            && let Some((canary_op, canary)) = s.canary.clone()
        {
            s.verifying = true;
            return Next::Verify(canary_op, Box::new(canary));
        }
        Next::Continue
    }

    /// The canary's status: refused means the credentials stopped working; a pass resets the
    /// streak (the refusals were about those operations, not the credentials).
    pub(super) fn verdict(&self, status: Option<u16>) {
        let mut s = self.state.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        s.verifying = false;
        match status {
            Some(401 | 403) => {
                s.stopped_after = s.suspect;
                self.stopped.store(true, Ordering::Relaxed);
            }
            _ => {
                s.streak = 0;
                s.streak_ops.clear();
            }
        }
    }

    /// (operation index, step) after which the credentials stopped working, if they did.
    pub(super) fn stopped_after(&self) -> Option<(usize, usize)> {
        self.state.lock().unwrap_or_else(std::sync::PoisonError::into_inner).stopped_after
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request() -> Request {
        Request {
            method: crate::spec::Method::Get,
            path: "/things".into(),
            query: Vec::new(),
            headers: Vec::new(),
            cookies: Vec::new(),
            content_type: None,
            body: None,
        }
    }

    #[test]
    fn a_refused_canary_after_a_streak_names_the_last_mutation() {
        let w = Watch::default();
        let r = request();
        assert_eq!(w.observe(0, false, true, &r, 200), Next::Continue);
        assert_eq!(w.observe(1, true, false, &r, 200), Next::Continue);
        let mut next = Next::Continue;
        for i in 0..STREAK {
            next = w.observe(2 + i % 2, false, true, &r, 401);
        }
        assert_eq!(next, Next::Verify(0, Box::new(r.clone())));
        w.verdict(Some(401));
        assert!(w.stopped());
        assert_eq!(w.stopped_after(), Some((1, 2)));
    }

    #[test]
    fn operations_forbidden_to_these_credentials_do_not_stop_the_run() {
        let w = Watch::default();
        let r = request();
        w.observe(0, false, true, &r, 200);
        // One operation refused many times: not the credentials.
        for _ in 0..STREAK * 3 {
            assert_eq!(w.observe(5, false, true, &r, 403), Next::Continue);
        }
        // Several, but the canary still passes: still not the credentials.
        let verify = (0..STREAK).filter(|i| matches!(w.observe(6 + i % 2, false, true, &r, 403), Next::Verify(..)));
        assert_eq!(verify.count(), 1, "one canary at a time");
        w.verdict(Some(200));
        assert!(!w.stopped());
        assert_eq!(w.stopped_after(), None);
    }

    #[test]
    fn without_a_pass_first_refusals_are_not_a_lockout() {
        let w = Watch::default();
        for i in 0..STREAK * 2 {
            assert_eq!(w.observe(i, false, true, &request(), 401), Next::Continue);
        }
        assert!(!w.stopped());
    }
}
