//! What the generator hands to the runner: concrete requests, labelled with what they are for.
//!
//! An invalid case says exactly which one constraint it breaks and where, so that a finding can
//! say precisely what a server accepted ("dayOfWeek = 8 (maximum 7) was accepted with 200").

use crate::spec::Method;
use serde::Serialize;
use serde_json::Value;
use std::fmt;

/// A request body as generated.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", content = "value", rename_all = "snake_case")]
pub enum Body {
    /// Serialised as JSON.
    Json(Value),
    /// `application/x-www-form-urlencoded` pairs.
    Form(Vec<(String, String)>),
    /// `multipart/form-data` parts, with the boundary the `Content-Type` names.
    Multipart {
        /// The delimiter between parts, as the `Content-Type` names it.
        boundary: String,
        /// The parts, in order.
        parts: Vec<crate::multipart::Part>,
    },
    /// Sent as is (malformed JSON, text bodies).
    Text(String),
}

impl Body {
    /// The bytes on the wire.
    pub fn to_bytes(&self) -> Vec<u8> {
        match self {
            Body::Json(v) => serde_json::to_vec(v).unwrap_or_default(),
            Body::Form(pairs) => {
                let mut out = url::form_urlencoded::Serializer::new(String::new());
                for (k, v) in pairs {
                    out.append_pair(k, v);
                }
                out.finish().into_bytes()
            }
            // No part is no body (as an empty form is), not a lone closing delimiter.
            Body::Multipart { parts, .. } if parts.is_empty() => Vec::new(),
            Body::Multipart { boundary, parts } => crate::multipart::encode(boundary, parts),
            Body::Text(t) => t.clone().into_bytes(),
        }
    }

    /// Whether the body says nothing: an empty form or text, which a server cannot tell from
    /// no body at all whatever the Content-Type says, or JSON `null`, which frameworks read as
    /// "no body" (FastAPI and pydantic treat `null` for an optional body as the body left out).
    pub fn is_empty(&self) -> bool {
        match self {
            Body::Json(v) => v.is_null(),
            Body::Form(pairs) => pairs.is_empty(),
            Body::Multipart { parts, .. } => parts.is_empty(),
            Body::Text(t) => t.is_empty(),
        }
    }
}

/// A concrete HTTP request, before authentication and before the target's base URL.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Request {
    /// The HTTP method.
    pub method: Method,
    /// The path with variables filled in and percent-encoded, without the server base path
    /// (`/api/atlas/v2/groups/5f…/maintenanceWindow`).
    pub path: String,
    /// Query pairs in order, not yet percent-encoded.
    pub query: Vec<(String, String)>,
    /// Header pairs in order (generated parameters; `Accept` and auth are the runner's).
    pub headers: Vec<(String, String)>,
    /// Cookie pairs in order, sent in one `Cookie` header.
    pub cookies: Vec<(String, String)>,
    /// The `Content-Type` to send, if any (it may be wrong on purpose).
    pub content_type: Option<String>,
    /// The body, if any (a missing required body is a mutation).
    pub body: Option<Body>,
}

impl Request {
    /// The first query value for `name`.
    pub fn query_value(&self, name: &str) -> Option<&str> {
        self.query.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }

    /// Whether the request asks for an enveloped answer (`envelope=true`).
    pub fn wants_envelope(&self) -> bool {
        self.query_value("envelope") == Some("true")
    }

    /// The JSON body, if the body is JSON.
    pub fn json_body(&self) -> Option<&Value> {
        match &self.body {
            Some(Body::Json(v)) => Some(v),
            _ => None,
        }
    }
}

/// Where a mutation applies.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(tag = "in", content = "at", rename_all = "snake_case")]
pub enum Location {
    /// The path parameter of that name.
    Path(String),
    /// The query parameter of that name.
    Query(String),
    /// The header of that name.
    Header(String),
    /// The cookie of that name.
    Cookie(String),
    /// A JSON pointer into the body (`/protectedHours/startHourOfDay`; empty for the whole body).
    Body(String),
    /// The `Content-Type` of the body.
    ContentType,
    /// The HTTP method (an undocumented method on a documented path).
    Method,
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Location::Path(n) => write!(f, "path parameter {n}"),
            Location::Query(n) => write!(f, "query parameter {n}"),
            Location::Header(n) => write!(f, "header {n}"),
            Location::Cookie(n) => write!(f, "cookie {n}"),
            Location::Body(p) if p.is_empty() => f.write_str("body"),
            Location::Body(p) => write!(f, "body {p}"),
            Location::ContentType => f.write_str("Content-Type"),
            Location::Method => f.write_str("method"),
        }
    }
}

/// The one constraint an invalid request breaks.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Mutation {
    /// Where the broken value is.
    pub location: Location,
    /// The broken keyword or rule: `maximum`, `pattern`, `type`, `required`, `enum`,
    /// `additionalProperties`, `nullable`, `minLength`, `malformed_json`, `missing_body`,
    /// `content_type`, `method`…
    pub constraint: String,
    /// A lowercase fragment for reports: `dayOfWeek = 8 (maximum 7)`.
    pub description: String,
}

/// Whether a case satisfies the contract.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum CaseKind {
    /// Satisfies the contract: a conforming server accepts it.
    Valid,
    /// Breaks exactly one constraint, which a conforming server rejects.
    Invalid(Mutation),
}

/// How a case was made; deterministic cases come first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CaseOrigin {
    /// The spec's own examples.
    Example,
    /// Bounds, bounds ± 1, enum values, optional fields present and absent.
    Boundary,
    /// A mutation of a minimal valid request from the catalogue.
    Catalogue,
    /// Drawn from a proptest strategy with this case's seed (and shrinkable).
    Random,
    /// A valid value at an edge the schema leaves open (no `maximum`: int64's; no `maxLength`:
    /// a very long string; -0, non-ASCII text, an empty array item): sent after the catalogue.
    Edge,
    /// A valid request sent to provoke a documented error answer (an id that is not the
    /// pinned one, for a 404), so that the answer's shape is checked; never expected to be
    /// accepted.
    Probe,
}

/// One generated test case.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Case {
    /// Index of the operation in `Spec::operations`.
    pub operation: usize,
    /// Position in the operation's case list (stable for a seed).
    pub index: usize,
    /// Whether the case satisfies the contract, and if not which constraint it breaks.
    pub kind: CaseKind,
    /// How the case was made, which sets its phase.
    pub origin: CaseOrigin,
    /// For random cases: the seed of this case's value tree (see `Generator::shrinker`).
    pub seed: Option<u64>,
    /// The request to send.
    pub request: Request,
    /// For [`CaseOrigin::Edge`] cases: what was sent at which edge
    /// (`count = 9223372036854775807 (int64 maximum; no maximum declared)`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub edge: Option<String>,
}

impl Case {
    /// The mutation, for an invalid case.
    pub fn mutation(&self) -> Option<&Mutation> {
        match &self.kind {
            CaseKind::Invalid(m) => Some(m),
            CaseKind::Valid => None,
        }
    }

    /// Whether the case satisfies the contract.
    pub fn is_valid(&self) -> bool {
        self.kind == CaseKind::Valid
    }
}
