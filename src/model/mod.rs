//! The shared types of a run, in one leaf module that every other part reads and none of them
//! owns: an exchange ([`Response`], [`Sent`], [`Credentials`]), the names of the checks
//! ([`CheckName`], [`CheckSet`], [`Severity`]), what a run found ([`Finding`], [`Example`],
//! [`RunReport`]…), the [`events`] a run emits, how an answer is read inside an [`envelope`],
//! and the [`redact`] layer their `Debug` outputs go through.
//!
//! It must never import the engine, the transport, the checks or the reporters: they import it,
//! so that none of them imports another to share a type. (It reads `spec` for parameter
//! locations and spec findings, and `generate` for the generated [`Case`](crate::generate::Case)
//! an example holds.)

mod checks;
pub mod envelope;
pub mod events;
mod exchange;
pub mod redact;
mod report;

pub use checks::{CheckFailure, CheckName, CheckSet, Severity};
pub use exchange::{ApiKeyPlace, AuthMode, Credentials, Response, Sent};
pub use report::{EXCERPT, Example, Finding, OperationStats, RunReport, SkipCause, Skipped, Stats};
