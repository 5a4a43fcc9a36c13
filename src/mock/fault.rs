//! Seeded faults: each one makes the mock break the contract in exactly one precise way, so that
//! conform's own checks can be shown to catch it (`conform mock --fault NAME`).
//!
//! A fault must be deterministic: one that fires "on some requests" picks them by a fixed rule
//! on the request itself (one in 3, by a hash of what was sent: [`fires`]), never at random and
//! never by arrival order, so that a concurrent run, which sends the same requests in another
//! order, meets the same faults.

use super::MockError;
use std::fmt;
use std::str::FromStr;
use std::time::Duration;

/// How long `slow-response` holds every answer.
pub const SLOW_DELAY: Duration = Duration::from_millis(250);

/// Faults that fire "on some requests" fire on one request in this many ([`fires`]).
pub(crate) const EVERY: u64 = 3;

/// Whether `fault`, one that fires "on some requests", fires on this one: one request in
/// [`EVERY`], picked by a stable hash of the fault and of what was sent (method, path and
/// query as sent, body), so the same request meets the same fate whatever arrived before it.
pub(crate) fn fires(fault: Fault, method: &str, target: &str, body: &[u8]) -> bool {
    const PRIME: u64 = 0x0100_0000_01b3;
    let mut h = 0xcbf2_9ce4_8422_2325 ^ u64::from(fault.bit());
    for part in [method.as_bytes(), target.as_bytes(), body] {
        h = part.iter().fold(h, |h, &b| (h ^ u64::from(b)).wrapping_mul(PRIME));
        // A separator, so that moving bytes from one part to the next changes the hash.
        h = (h ^ 0xff).wrapping_mul(PRIME);
    }
    crate::rng::mix(h).is_multiple_of(EVERY)
}

/// One way to break the contract.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Fault {
    /// `wrong-type`: success bodies carry a field of the wrong type (a number sent as a string).
    WrongType,
    /// `missing-required-field`: success bodies leave out a required field.
    MissingRequiredField,
    /// `out-of-range`: success bodies carry a number past its documented bound.
    OutOfRange,
    /// `error-without-code`: error bodies leave out the required `errorCode`.
    ErrorWithoutCode,
    /// `undocumented-status`: successes are answered with a status the operation does not document.
    UndocumentedStatus,
    /// `wrong-content-type`: successes are labelled with an undocumented `Content-Type`.
    WrongContentType,
    /// `missing-required-header`: response headers the spec marks required are left out.
    MissingRequiredHeader,
    /// `accept-bad-day-of-week`: a `dayOfWeek` outside 1..7 is applied and answered 2xx.
    AcceptBadDayOfWeek,
    /// `accept-bad-hour-of-day`: an `hourOfDay` outside 0..23 is applied and answered 2xx.
    AcceptBadHourOfDay,
    /// `accept-bad-group-id`: a malformed `groupId` path parameter is served.
    AcceptBadGroupId,
    /// `reject-valid`: every valid request is answered 400.
    RejectValid,
    /// `server-error`: one valid request in 3 (by a hash of the request) is answered 500.
    ServerError,
    /// `state-not-persisted`: writes are answered as if applied but never stored.
    StateNotPersisted,
    /// `state-not-reset`: a reset or delete is answered but changes nothing.
    StateNotReset,
    /// `state-not-incremented`: an increment is answered but the counter does not change.
    StateNotIncremented,
    /// `state-not-toggled`: a toggle is answered but the flag does not flip.
    StateNotToggled,
    /// `envelope-ignored`: `envelope=true` is ignored; the bare status and body are sent.
    EnvelopeIgnored,
    /// `auth-not-enforced`: requests without credentials, or with wrong ones, are served.
    AuthNotEnforced,
    /// `undocumented-method-allowed`: an undocumented method on a documented path is answered 200, not 405.
    UndocumentedMethodAllowed,
    /// `drop-connection`: one request in 3 (by a hash of the request) gets no answer; the connection is closed.
    DropConnection,
    /// `slow-response`: every answer is held for [`SLOW_DELAY`].
    SlowResponse,
    /// `list-ignores-created`: every list of a collection is empty, whatever was created.
    ListIgnoresCreated,
    /// `cross-parent-read`: an object is readable under a parent that does not own it (broken
    /// object-level authorization).
    CrossParentRead,
}

impl Fault {
    /// Every fault, in the order `--list-faults` prints them.
    pub const ALL: &'static [Fault] = &[
        Fault::WrongType,
        Fault::MissingRequiredField,
        Fault::OutOfRange,
        Fault::ErrorWithoutCode,
        Fault::UndocumentedStatus,
        Fault::WrongContentType,
        Fault::MissingRequiredHeader,
        Fault::AcceptBadDayOfWeek,
        Fault::AcceptBadHourOfDay,
        Fault::AcceptBadGroupId,
        Fault::RejectValid,
        Fault::ServerError,
        Fault::StateNotPersisted,
        Fault::StateNotReset,
        Fault::StateNotIncremented,
        Fault::StateNotToggled,
        Fault::EnvelopeIgnored,
        Fault::AuthNotEnforced,
        Fault::UndocumentedMethodAllowed,
        Fault::DropConnection,
        Fault::SlowResponse,
        Fault::ListIgnoresCreated,
        Fault::CrossParentRead,
    ];

    /// `(name, check, description)`.
    const fn info(self) -> (&'static str, &'static str, &'static str) {
        match self {
            Fault::WrongType => (
                "wrong-type",
                "response_schema_conformance",
                "success bodies carry a field of the wrong type (a number sent as a string)",
            ),
            Fault::MissingRequiredField => (
                "missing-required-field",
                "response_schema_conformance",
                "success bodies leave out a required field (dayOfWeek)",
            ),
            Fault::OutOfRange => (
                "out-of-range",
                "response_schema_conformance",
                "success bodies carry a number past its documented bound (dayOfWeek 8)",
            ),
            Fault::ErrorWithoutCode => {
                ("error-without-code", "response_schema_conformance", "error bodies leave out the required errorCode")
            }
            Fault::UndocumentedStatus => (
                "undocumented-status",
                "status_code_conformance",
                "successes are answered with a status the operation does not document (202)",
            ),
            Fault::WrongContentType => (
                "wrong-content-type",
                "content_type_conformance",
                "successes are labelled with an undocumented Content-Type (application/json for a versioned type)",
            ),
            Fault::MissingRequiredHeader => (
                "missing-required-header",
                "response_headers_conformance",
                "response headers the spec marks required are left out",
            ),
            Fault::AcceptBadDayOfWeek => (
                "accept-bad-day-of-week",
                "negative_data_rejection",
                "dayOfWeek outside 1..7 is not checked: the write is applied and answered 2xx",
            ),
            Fault::AcceptBadHourOfDay => (
                "accept-bad-hour-of-day",
                "negative_data_rejection",
                "hourOfDay outside 0..23 is not checked: the write is applied and answered 2xx",
            ),
            Fault::AcceptBadGroupId => (
                "accept-bad-group-id",
                "negative_data_rejection",
                "a malformed groupId (or PROJECT-ID) path parameter is not checked and is served",
            ),
            Fault::RejectValid => {
                ("reject-valid", "positive_data_acceptance", "every valid request is answered 400 VALIDATION_ERROR")
            }
            Fault::ServerError => (
                "server-error",
                "not_a_server_error",
                "one valid request in 3 (picked by a hash of the request) is answered 500 (nothing is written)",
            ),
            Fault::StateNotPersisted => (
                "state-not-persisted",
                "stateful_conformance",
                "PATCH/PUT writes are answered as if applied but never stored",
            ),
            Fault::StateNotReset => {
                ("state-not-reset", "stateful_conformance", "DELETE (reset or delete) is answered but changes nothing")
            }
            Fault::StateNotIncremented => (
                "state-not-incremented",
                "stateful_conformance",
                "defer is answered but numberOfDeferrals does not change",
            ),
            Fault::StateNotToggled => (
                "state-not-toggled",
                "stateful_conformance",
                "autoDefer is answered but autoDeferOnceEnabled does not flip",
            ),
            Fault::EnvelopeIgnored => (
                "envelope-ignored",
                "envelope_conformance",
                "envelope=true is ignored: the bare status and body are sent",
            ),
            Fault::AuthNotEnforced => (
                "auth-not-enforced",
                "ignored_auth",
                "requests without credentials, or with wrong ones, are served as if authenticated",
            ),
            Fault::UndocumentedMethodAllowed => (
                "undocumented-method-allowed",
                "unsupported_method",
                "an undocumented method on a documented path is answered 200 instead of 405",
            ),
            Fault::DropConnection => (
                "drop-connection",
                "transport",
                "one request in 3 (picked by a hash of the request) gets no answer: the connection is closed",
            ),
            Fault::SlowResponse => ("slow-response", "max_response_time", "every answer is held for 250 ms"),
            Fault::ListIgnoresCreated => (
                "list-ignores-created",
                "stateful_conformance",
                "every list of a collection answers no item (totalCount 0), though creates, reads, updates and deletes work",
            ),
            Fault::CrossParentRead => (
                "cross-parent-read",
                "object_ownership",
                "an item is read under a parent that does not own it (the first owner by parent key); \
                 a singleton never written reads as the last one written",
            ),
        }
    }

    /// Kebab-case name, as given to `--fault`.
    pub fn name(self) -> &'static str {
        self.info().0
    }

    /// One line saying what the mock does wrong.
    pub fn description(self) -> &'static str {
        self.info().2
    }

    /// The check (README, "Checks") expected to catch the fault.
    pub fn check(self) -> &'static str {
        self.info().1
    }

    fn bit(self) -> u32 {
        1 << (self as u32)
    }
}

impl fmt::Display for Fault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Fault {
    type Err = MockError;

    /// Parses a kebab-case fault name.
    ///
    /// # Errors
    /// [`MockError::UnknownFault`] for a name no fault has.
    fn from_str(s: &str) -> Result<Fault, MockError> {
        Fault::ALL
            .iter()
            .copied()
            .find(|f| f.name() == s.trim())
            .ok_or_else(|| MockError::UnknownFault { name: s.to_owned() })
    }
}

/// The text of `conform mock --list-faults`: one fault per line, its name, the check expected
/// to catch it, and what it does.
pub fn list_faults() -> String {
    let name_width = Fault::ALL.iter().map(|f| f.name().len()).max().unwrap_or(0);
    let check_width = Fault::ALL.iter().map(|f| f.check().len()).max().unwrap_or(0);
    Fault::ALL
        .iter()
        .map(|f| format!("{:name_width$}  {:check_width$}  {}\n", f.name(), f.check(), f.description()))
        .collect()
}

/// The configured faults as a bit set: one test per check on the hot path.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct FaultSet(u32);

impl FaultSet {
    pub(super) fn new(faults: &[Fault]) -> FaultSet {
        FaultSet(faults.iter().fold(0, |bits, f| bits | f.bit()))
    }

    pub(super) fn has(self, fault: Fault) -> bool {
        self.0 & fault.bit() != 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn names_are_unique_kebab_case_and_parse_back() {
        let mut seen = HashSet::new();
        for &f in Fault::ALL {
            assert!(seen.insert(f.name()), "duplicate {}", f.name());
            assert!(f.name().bytes().all(|b| b.is_ascii_lowercase() || b == b'-'), "{}", f.name());
            assert_eq!(f.name().parse::<Fault>().unwrap(), f);
            assert!(!f.description().is_empty());
        }
        assert!(Fault::ALL.len() >= 15);
        assert!(Fault::ALL.len() < 32, "FaultSet is a u32");
    }

    #[test]
    fn every_check_family_has_a_fault() {
        let checks: HashSet<&str> = Fault::ALL.iter().map(|f| f.check()).collect();
        for family in [
            "not_a_server_error",
            "status_code_conformance",
            "content_type_conformance",
            "response_schema_conformance",
            "response_headers_conformance",
            "negative_data_rejection",
            "positive_data_acceptance",
            "ignored_auth",
            "envelope_conformance",
            "stateful_conformance",
            "object_ownership",
            "unsupported_method",
            "max_response_time",
            "transport",
        ] {
            assert!(checks.contains(family), "no fault for {family}");
        }
    }

    #[test]
    fn unknown_names_say_where_to_look() {
        let e = "nope".parse::<Fault>().unwrap_err();
        assert_eq!(e.to_string(), "unknown fault `nope`");
    }

    #[test]
    fn listing_has_one_line_per_fault_name_first_then_check() {
        let text = list_faults();
        assert_eq!(text.lines().count(), Fault::ALL.len());
        for (line, f) in text.lines().zip(Fault::ALL) {
            let words: Vec<&str> = line.split_whitespace().collect();
            assert_eq!((words[0], words[1]), (f.name(), f.check()));
            assert!(line.ends_with(f.description()));
        }
    }

    #[test]
    fn some_request_faults_pick_one_request_in_three_by_its_content() {
        let picked = |fault| {
            (0..3000)
                .filter(|i| fires(fault, "GET", &format!("/groups/{i:024x}/maintenanceWindow?envelope=false"), b""))
                .count()
        };
        for fault in [Fault::ServerError, Fault::DropConnection] {
            let n = picked(fault);
            assert!((850..1150).contains(&n), "{fault}: {n} of 3000");
        }
        let (a, b) = (fires(Fault::ServerError, "PATCH", "/w", b"{}"), fires(Fault::ServerError, "PATCH", "/w", b"{}"));
        assert_eq!(a, b, "the same request, the same fate");
        let differs = (0..64).any(|i| {
            let target = format!("/w/{i}");
            fires(Fault::ServerError, "GET", &target, b"") != fires(Fault::DropConnection, "GET", &target, b"")
        });
        assert!(differs, "each fault picks its own requests");
    }

    #[test]
    fn sets_hold_what_they_were_given() {
        let set = FaultSet::new(&[Fault::SlowResponse, Fault::WrongType]);
        assert!(set.has(Fault::SlowResponse) && set.has(Fault::WrongType) && !set.has(Fault::ServerError));
        assert_eq!(FaultSet::new(&[]), FaultSet::default());
    }
}
