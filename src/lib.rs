//! conform: contract-test an HTTP API against its OpenAPI document (Swagger 2.0, OpenAPI 3.0
//! and 3.1).
//!
//! The pipeline, one module per step, each importing only the ones before it (the layering
//! test in `src/layering.rs` holds the order):
//! - [`spec`] loads a document once into an operation model with compiled validators;
//! - [`model`] holds the types every later step shares (requests, answers, findings, events);
//! - [`generate`] derives valid and invalid requests with proptest (boundaries first, seeded),
//!   from schema → value pieces it shares with the mock;
//! - [`engine`] fires them at a target through [`transport`] (tokio + hyper/reqwest) and [`check`]
//!   judges every answer;
//! - [`report`] renders findings for terminals, JSON, JUnit and insta snapshots;
//! - [`mock`] serves a spec as a reference server with seeded faults (the default target);
//! - [`diff`] classifies the changes between two versions of a spec;
//! - `harness` (feature `harness`) turns all of it into `cargo test` trials (libtest-mimic).
//!
//! A team's own tests need only the facade: [`Contract`] (spec, target, [`Auth`], settings),
//! its [`Report`] and [`ContractError`]; [`settings`] is where flags, `CONFORM_*` variables and
//! the builder become one [`engine::RunConfig`].
//!
//! A *finding* ("the API broke the contract") is data; an *error* ("conform could not run")
//! is a `Result::Err`. [`exit`] names the process exit codes for both.

#![warn(missing_docs)]
#![warn(rustdoc::broken_intra_doc_links)]

mod calendar;
pub mod check;
pub mod contract;
pub mod diff;
pub mod engine;
pub mod exit;
pub mod generate;
#[cfg(feature = "harness")]
pub mod harness;
#[cfg(test)]
mod layering;
#[cfg(feature = "mock")]
pub mod mock;
pub mod model;
pub mod multipart;
pub mod proxy;
pub mod report;
mod rng;
pub mod settings;
pub mod spec;
pub mod tls;
pub mod transport;
mod values;

pub use check::CheckName;
pub use contract::{Auth, Contract, ContractError, Report};
pub use engine::Target;
