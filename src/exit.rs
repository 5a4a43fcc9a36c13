//! Process exit codes, shared by every subcommand (the table under "CLI" in the README).

#![warn(missing_docs, clippy::missing_errors_doc)]

/// Ran; no conformance failure (`diff`: nothing breaking; `lint`: no error).
pub const OK: i32 = 0;
/// Ran; at least one conformance failure (`diff`: a breaking change; `lint`: spec errors).
pub const FINDINGS: i32 = 1;
/// Could not run: bad arguments, unreadable spec, unreachable target.
pub const ERROR: i32 = 2;
