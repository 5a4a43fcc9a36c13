//! The words of a refusal: whether a server refused for the data it holds (existence,
//! uniqueness, permission, a token) rather than for the shape of the request, and whether the
//! request named real items at all.
//!
//! Shared by `positive_data_acceptance` (`negative.rs`) and `undocumented_constraint`
//! (`gap.rs`), so that neither check imports the other's file. Pure: no I/O, no panics.

use super::CheckContext;
use super::envelope::{Answer, Body};
use crate::spec::{Operation, ParamLocation};

/// Whether every path parameter of `op` (at least one) was pinned to a real value.
pub(super) fn path_pinned(ctx: &CheckContext, op: &Operation) -> bool {
    let mut path_params = op.params_in(ParamLocation::Path).peekable();
    path_params.peek().is_some() && path_params.all(|p| ctx.pinned.contains(&p.name))
}

/// Words with which a server refuses for existence, uniqueness, permission or an opaque token
/// it did not issue, not for the shape of the data: `{"dag": ["Invalid pk - object does not
/// exist."]}`, `{"detail": "Invalid page token"}`.
const DATA_DEPENDENT: [&str; 14] = [
    "not exist",
    "n't exist",
    "not found",
    "no such",
    "already exist",
    "already in use",
    "already taken",
    "unique",
    "duplicate",
    "conflict",
    "permission",
    "not authori",
    "token",
    "expired",
];

/// Whether the answer's body speaks of data rather than shape (see [`data_words`]).
pub(super) fn speaks_of_data(answer: &Answer<'_>) -> bool {
    data_words(&body_text(answer))
}

/// The answer's body as text (JSON re-serialised), for the word rules.
pub(super) fn body_text(answer: &Answer<'_>) -> String {
    match &answer.body {
        Body::Raw(bytes) => String::from_utf8_lossy(bytes).into_owned(),
        Body::Json(v) => v.to_string(),
        Body::Empty => String::new(),
    }
}

/// Whether `text` speaks of existence, uniqueness, permission or a token (see [`DATA_DEPENDENT`]).
pub(super) fn data_words(text: &str) -> bool {
    let text = text.to_lowercase();
    DATA_DEPENDENT.iter().any(|w| text.contains(w))
}
