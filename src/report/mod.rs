//! Rendering for people and machines: spec listings and lint results, run reports (terminal,
//! JSON, JUnit), the contract coverage page (HTML) and insta snapshots. Renderers only read; they never decide what failed, and
//! every run rendering goes through the [`redact`](crate::model::redact) layer.

pub mod html;
pub mod json;
pub mod junit;
pub mod listing;
pub mod snapshot;
pub mod terminal;
pub mod view;
