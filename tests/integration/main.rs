//! Integration tests: one binary (link once), one module per area.

mod checks;
mod cli;
mod cli_errors;
mod diff;
mod hostile;
mod regressions;
mod secrets;
mod support;
