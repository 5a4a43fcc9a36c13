//! The mock's request validation: the pure functions moved to [`crate::check::request`], which
//! `conform proxy` shares; re-exported here so that the mock's modules keep their paths.

pub(crate) use crate::check::request::*;
