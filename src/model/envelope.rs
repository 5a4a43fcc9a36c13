//! How an answer is read with `envelope=true`: Atlas and Cloud Manager wrap an answer as HTTP
//! 200 `{"status": <real status>, "content": <real body>}` for clients that cannot read status
//! codes (list endpoints add `status` beside `results` instead). The transport reads the real
//! status here (a 401 inside an envelope still carries a Digest challenge), and every check
//! judges the real status and body; `check::envelope` judges the wrapping itself.
//!
//! Reading only: nothing here decides whether an answer conforms.

use super::Response;
use crate::model::case::Request;
use serde_json::Value;

/// The body of the effective answer.
#[derive(Debug, Clone, PartialEq)]
pub enum Body<'a> {
    /// The raw bytes of an answer that was not enveloped.
    Raw(&'a [u8]),
    /// The `content` of an envelope (or a list body without its `status`).
    Json(Value),
    /// An envelope without `content`.
    Empty,
}

/// The status and body a check should judge.
#[derive(Debug, Clone, PartialEq)]
pub struct Answer<'a> {
    /// The real status: the envelope's `status` when unwrapped, else the HTTP status.
    pub status: u16,
    /// The real body.
    pub body: Body<'a>,
    /// Whether the answer was unwrapped from an envelope.
    pub enveloped: bool,
    /// The answer as read, envelope and all.
    pub response: &'a Response,
}

impl Answer<'_> {
    /// Whether there is no body at all.
    pub fn is_empty(&self) -> bool {
        match &self.body {
            Body::Raw(bytes) => bytes.iter().all(u8::is_ascii_whitespace),
            Body::Json(_) => false,
            Body::Empty => true,
        }
    }
}

/// Unwraps an envelope when the request asked for one and the answer is shaped like one.
pub fn effective<'a>(request: &Request, response: &'a Response) -> Answer<'a> {
    let raw = Answer { status: response.status, body: Body::Raw(&response.body), enveloped: false, response };
    if !request.wants_envelope() || response.status != 200 || response.truncated {
        return raw;
    }
    let Ok(Value::Object(mut map)) = serde_json::from_slice::<Value>(&response.body) else { return raw };
    let Some(status) = map.get("status").and_then(Value::as_u64).filter(|s| (100..=599).contains(s)) else {
        return raw;
    };
    let status = status as u16;
    let only_envelope_keys = map.keys().all(|k| k == "status" || k == "content");
    let body = if only_envelope_keys {
        match map.remove("content") {
            Some(Value::Null) | None => Body::Empty,
            Some(content) => Body::Json(content),
        }
    } else {
        map.shift_remove("status");
        Body::Json(Value::Object(map))
    };
    Answer { status, body, enveloped: true, response }
}

/// Whether the effective status (see [`effective`]) is `code`. Parses the body only when it may
/// hold an envelope with that status: an envelope's `status` is a JSON integer, so the body of
/// one with status `code` holds its digits as they are.
pub fn effective_status_is(request: &Request, response: &Response, code: u16) -> bool {
    if request.wants_envelope() && response.status == 200 && !response.truncated && response.status != code {
        let mut buf = [0u8; 5];
        let mut start = buf.len();
        let mut n = code;
        loop {
            start -= 1;
            buf[start] = b'0' + (n % 10) as u8;
            n /= 10;
            if n == 0 {
                break;
            }
        }
        let digits = &buf[start..];
        if memchr::memmem::find(&response.body, digits).is_none() {
            return false; // Raw (200, not `code`) or an envelope with another status.
        }
    }
    effective(request, response).status == code
}
