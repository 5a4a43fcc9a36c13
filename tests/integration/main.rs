//! Integration tests: one binary (link once), one module per area.

mod bodies;
mod checks;
mod ci_examples;
mod cli;
mod cli_errors;
mod coverage;
mod determinism;
mod diff;
mod diff_gate;
mod example_app;
mod faults;
mod harness;
mod hostile;
mod no_false_alarms;
mod peer_gaps;
mod prism;
mod proxy;
mod regressions;
mod reports;
mod safety;
mod secrets;
mod support;
mod tls;
