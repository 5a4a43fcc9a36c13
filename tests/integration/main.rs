//! Integration tests: one binary (link once), one module per area.

mod checks;
mod cli;
mod diff;
mod faults;
mod harness;
mod no_false_alarms;
mod prism;
mod reports;
mod support;
