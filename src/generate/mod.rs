//! Request generation: valid and invalid requests for every operation, derived from the compiled
//! contract with proptest. Boundaries first, reproducible from a seed, shrinkable.

mod case;

pub use case::*;
