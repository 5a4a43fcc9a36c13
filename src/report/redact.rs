//! Kept for compatibility: the redaction layer now lives in [`crate::model::redact`], so that
//! transport and the result model can redact without importing the reporters.

pub use crate::model::redact::*;
