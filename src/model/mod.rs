//! The shared types of a run, in one leaf module that every other part reads and none of them
//! owns: an exchange ([`Response`], [`Sent`], [`Credentials`]), the names of the checks
//! ([`CheckName`], [`CheckSet`], [`Severity`]), what a run found ([`Finding`], [`Example`],
//! [`RunReport`]…), the contract [`coverage`] a run or a proxy's traffic reached, the generated request ([`case`]: what the generator makes, the transport
//! sends and the checks judge), the [`events`] a run emits, how an answer is read inside an
//! [`envelope`], and the [`redact`] layer their `Debug` outputs go through.
//!
//! It must never import the engine, the transport, the checks or the reporters: they import it,
//! so that none of them imports another to share a type. It reads only `spec`'s vocabulary
//! (methods, parameter locations, spec findings) and the `multipart` encoding.

pub mod case;
mod checks;
pub mod coverage;
pub mod envelope;
pub mod events;
mod exchange;
pub mod redact;
mod report;

pub use checks::{CheckFailure, CheckName, CheckSet, Severity};
pub use exchange::{ApiKeyPlace, AuthMode, Credentials, Response, Sent};
pub use report::{EXCERPT, Example, Finding, OperationStats, RunReport, SkipCause, Skipped, Stats};
