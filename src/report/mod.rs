//! Rendering for people and machines: spec listings and lint results, run reports (terminal,
//! JSON, JUnit) and insta snapshots. Renderers only read; they never decide what failed.

pub mod listing;
