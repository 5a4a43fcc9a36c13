//! Contract coverage: how much of each operation's contract a run (or, later, a proxy's
//! traffic) exercised. Per operation: the exchanges seen, the documented statuses and media
//! types answered out of those documented, the parameters and body properties sent valid and
//! broken on purpose, and the kinds of invalid case sent; then the gaps, said plainly ("never
//! answered 2xx", "documented 404 never seen").
//!
//! Two halves, so that the hot path stays cheap. [`Facts::of_case`] (or [`Facts::of_request`]
//! for traffic conform did not generate) reads one exchange on the worker that sent it and
//! keeps only indices: which of the operation's parameters and body properties the request
//! carried, as bitsets, the status, and the answer's media type as an index into the documented
//! ones. [`Coverage::record`] adds such facts up; [`Coverage::observe`] does both at once.
//!
//! Coverage holds names from the spec and counts, never a value: nothing here can hold a
//! secret. It never sends, judges or renders.

use super::case::{Body, Case, CaseKind, Location, Request};
use crate::spec::{Operation, ParamLocation, StatusSpec};
use serde::Serialize;
use serde_json::Value;
use std::borrow::Cow;
use std::collections::BTreeMap;

/// Parameters, body properties and media types an operation can have tracked; the rest are
/// counted in [`OperationCoverage::untracked`].
pub const TRACKED: usize = 128;

/// Longest undocumented media type kept (a server chooses it), in bytes.
const MEDIA_MAX: usize = 100;

/// Distinct undocumented media types kept per operation (a server chooses them).
const UNDOCUMENTED_MAX: usize = 16;

/// A set of indices below [`TRACKED`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Bits(u128);

impl Bits {
    /// Adds `i`; an index from [`TRACKED`] up is left out.
    pub fn set(&mut self, i: usize) {
        if i < TRACKED {
            self.0 |= 1 << i;
        }
    }

    /// Whether `i` is in the set.
    pub fn contains(self, i: usize) -> bool {
        i < TRACKED && self.0 & (1 << i) != 0
    }

    /// The indices in the set, ascending.
    pub fn iter(self) -> impl Iterator<Item = usize> {
        (0..TRACKED).filter(move |&i| self.contains(i))
    }
}

/// The invalid-case kinds the generator makes (the broken keyword or rule), kept without an
/// allocation; another name is kept as it comes.
const KINDS: &[&str] = &[
    "additionalProperties",
    "allOf",
    "anyOf",
    "body",
    "const",
    "content_type",
    "enum",
    "exclusiveMaximum",
    "exclusiveMinimum",
    "format",
    "items",
    "malformed_json",
    "maxItems",
    "maxLength",
    "maximum",
    "method",
    "minItems",
    "minLength",
    "minimum",
    "missing_body",
    "multipleOf",
    "nullable",
    "oneOf",
    "pattern",
    "prefixItems",
    "properties",
    "readOnly",
    "required",
    "type",
    "uniqueItems",
];

/// What a request was for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Intent {
    /// It satisfies the contract.
    Valid,
    /// It breaks one constraint on purpose: the kind (`maximum`, `required`, `content_type`…).
    Invalid(Cow<'static, str>),
    /// Not known (traffic conform did not generate).
    Unknown,
}

/// What a request broke on purpose, as an index into the operation's parameters or body
/// properties.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Broken {
    /// The parameter at this index of `Operation::parameters`.
    Parameter(usize),
    /// The body property at this position of the operation's body properties.
    Property(usize),
}

/// The media type of an answer, as coverage keeps it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Media {
    /// No answer, or no `Content-Type`.
    None,
    /// The documented media type at this position of the operation's response media types.
    Documented(usize),
    /// A media type the operation does not document (cut to 100 bytes).
    Undocumented(Box<str>),
}

/// The small facts one exchange gives coverage, computed where the exchange is (a worker):
/// indices and a status, never the request itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Facts {
    /// What the request was for.
    pub intent: Intent,
    /// The parameters the request carried (indices into `Operation::parameters`).
    pub parameters: Bits,
    /// The top-level body properties the request carried (positions, see [`Facts::of_request`]).
    pub properties: Bits,
    /// What the request broke on purpose, when it is a parameter or a body property.
    pub broken: Option<Broken>,
    /// The effective status of the answer; `None` when none came.
    pub status: Option<u16>,
    /// The answer's media type.
    pub media: Media,
}

impl Facts {
    /// The facts of a generated case and its answer (`status`, `content_type`).
    pub fn of_case(op: &Operation, case: &Case, status: Option<u16>, content_type: Option<&str>) -> Facts {
        let mut facts = Facts::of_request(op, &case.request, status, content_type);
        if let CaseKind::Invalid(m) = &case.kind {
            let kind = match KINDS.iter().find(|k| **k == m.constraint) {
                Some(k) => Cow::Borrowed(*k),
                None => Cow::Owned(m.constraint.clone()),
            };
            facts.intent = Intent::Invalid(kind);
            facts.broken = broken(op, &m.location);
            // A broken value is not a valid use of what it breaks.
            match facts.broken {
                Some(Broken::Parameter(i)) if i < TRACKED => facts.parameters.0 &= !(1 << i),
                Some(Broken::Property(i)) if i < TRACKED => facts.properties.0 &= !(1 << i),
                _ => {}
            }
        } else {
            facts.intent = Intent::Valid;
        }
        facts
    }

    /// The facts of a request whose intent is not known (a proxy's traffic): the parameters and
    /// top-level body properties it carries, the status and media type of the answer.
    pub fn of_request(op: &Operation, request: &Request, status: Option<u16>, content_type: Option<&str>) -> Facts {
        let mut parameters = Bits::default();
        for (i, p) in op.parameters.iter().enumerate().take(TRACKED) {
            let present = match p.location {
                ParamLocation::Path => true,
                ParamLocation::Query => request.query.iter().any(|(k, _)| *k == p.name),
                ParamLocation::Header => request.headers.iter().any(|(k, _)| k.eq_ignore_ascii_case(&p.name)),
                ParamLocation::Cookie => request.cookies.iter().any(|(k, _)| *k == p.name),
            };
            if present {
                parameters.set(i);
            }
        }
        let mut properties = Bits::default();
        if op.request_body.is_some() {
            let mut mark = |name: &str| {
                if let Some(i) = property_position(op, name) {
                    properties.set(i);
                }
            };
            match &request.body {
                Some(Body::Json(Value::Object(map))) => map.keys().for_each(|k| mark(k)),
                Some(Body::Form(pairs)) => pairs.iter().for_each(|(k, _)| mark(k)),
                Some(Body::Multipart { parts, .. }) => parts.iter().for_each(|p| mark(&p.name)),
                _ => {}
            }
        }
        let media = match content_type {
            None => Media::None,
            Some(ct) => match media_position(op, ct) {
                Some(i) => Media::Documented(i),
                None => {
                    let essence = essence(ct);
                    let mut end = essence.len().min(MEDIA_MAX);
                    while !essence.is_char_boundary(end) {
                        end -= 1;
                    }
                    Media::Undocumented(essence[..end].to_ascii_lowercase().into())
                }
            },
        };
        Facts { intent: Intent::Unknown, parameters, properties, broken: None, status, media }
    }
}

fn essence(media: &str) -> &str {
    media.split(';').next().unwrap_or("").trim()
}

/// Where a mutation at `location` lands: a parameter, or a top-level body property.
fn broken(op: &Operation, location: &Location) -> Option<Broken> {
    let param = |loc: ParamLocation, name: &str| {
        op.parameters
            .iter()
            .position(|p| {
                p.location == loc
                    && if loc == ParamLocation::Header { p.name.eq_ignore_ascii_case(name) } else { p.name == name }
            })
            .map(Broken::Parameter)
    };
    match location {
        Location::Path(n) => param(ParamLocation::Path, n),
        Location::Query(n) => param(ParamLocation::Query, n),
        Location::Header(n) => param(ParamLocation::Header, n),
        Location::Cookie(n) => param(ParamLocation::Cookie, n),
        Location::Body(pointer) => {
            let first = pointer.strip_prefix('/')?.split('/').next()?;
            let first = first.replace("~1", "/").replace("~0", "~");
            property_position(op, &first).map(Broken::Property)
        }
        Location::ContentType | Location::Method => None,
    }
}

/// The position of a top-level body property: its first place among the body's
/// [`top_level_properties`](crate::spec::RequestBodySpec::top_level_properties) (later
/// repeats of a name are never used).
fn property_position(op: &Operation, name: &str) -> Option<usize> {
    op.request_body.as_ref()?.top_level_properties().iter().position(|k| k == name)
}

/// Every documented response media type, in order (repeats included: positions count them).
fn response_media(op: &Operation) -> impl Iterator<Item = &str> {
    op.responses.iter().flat_map(|r| r.content.iter().map(|m| m.name.as_str()))
}

/// The position of an answer's media type among the documented ones (its first place).
fn media_position(op: &Operation, content_type: &str) -> Option<usize> {
    let essence = essence(content_type);
    response_media(op).position(|m| self::essence(m).eq_ignore_ascii_case(essence))
}

/// How often something documented was exercised, validly and on purpose broken.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Exercised {
    /// The parameter's or property's name, as the spec writes it.
    pub name: String,
    /// Where a parameter goes (`path`, `query`, `header`, `cookie`); `None` for a body property.
    #[serde(rename = "in", skip_serializing_if = "Option::is_none")]
    pub location: Option<&'static str>,
    /// Whether the spec requires it.
    pub required: bool,
    /// Requests that carried it (valid requests, or any request when the intent is unknown).
    pub valid: usize,
    /// Invalid requests that broke it on purpose.
    pub invalid: usize,
}

/// A documented status (`200`, `4XX`, `default`) and how many answers it covered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StatusSeen {
    /// The responses key, as written.
    pub status: String,
    /// Answers it covered (an exact code first, then a range, then `default`).
    pub seen: usize,
}

/// A media type and how many answers had it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MediaSeen {
    /// The media type (without parameters).
    pub media_type: String,
    /// Answers with it.
    pub seen: usize,
}

/// The coverage of one operation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OperationCoverage {
    /// The operation's id: its operationId, or `METHOD path` when it has none.
    pub operation: String,
    /// The HTTP method, upper-case.
    pub method: String,
    /// The path template, as the spec writes it.
    pub path: String,
    /// Why it was not tested, when it was left out of the run.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub skipped: Option<String>,
    /// Exchanges seen (a request and its answer, or its lack of one); retries not counted.
    pub requests: usize,
    /// Of those, requests that satisfy the contract.
    pub valid: usize,
    /// Of those, requests that break it on purpose.
    pub invalid: usize,
    /// Answers with a 2xx status.
    pub answered_2xx: usize,
    /// Exchanges that got no answer at all.
    pub unanswered: usize,
    /// The documented statuses, in spec order, and how many answers each covered.
    pub statuses: Vec<StatusSeen>,
    /// Answers whose status no documented key covers, by status.
    pub undocumented_statuses: BTreeMap<u16, usize>,
    /// The documented response media types (each once), and how many answers had each.
    pub media_types: Vec<MediaSeen>,
    /// Answers with a media type the operation does not document, by media type (16 at most).
    pub undocumented_media_types: BTreeMap<String, usize>,
    /// The parameters, in spec order.
    pub parameters: Vec<Exercised>,
    /// The request body's top-level properties, in schema order.
    pub body_properties: Vec<Exercised>,
    /// Parameters, body properties and media types past the first 128 of each, not tracked.
    pub untracked: usize,
    /// Invalid requests by kind (the broken keyword or rule).
    pub invalid_kinds: BTreeMap<String, usize>,
    #[serde(skip)]
    layout: Layout,
}

/// Where a position of [`Facts`] lands in an [`OperationCoverage`]'s lists.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct Layout {
    statuses: Vec<StatusSpec>,
    /// Body property position -> index in `body_properties` (the name's first place).
    properties: Vec<usize>,
    /// Response media position -> index in `media_types`.
    media: Vec<usize>,
    /// Whether the operation documents a success (`2XX`, a 2xx code, or `default`).
    documents_success: bool,
}

impl OperationCoverage {
    /// An operation's empty coverage: everything it documents, nothing seen yet.
    pub fn new(op: &Operation) -> OperationCoverage {
        let mut untracked = 0;
        let parameters = op
            .parameters
            .iter()
            .enumerate()
            .filter(|(i, _)| {
                let keep = *i < TRACKED;
                untracked += usize::from(!keep);
                keep
            })
            .map(|(_, p)| Exercised {
                name: p.name.clone(),
                location: Some(p.location.as_str()),
                required: p.required,
                valid: 0,
                invalid: 0,
            })
            .collect();
        let mut body_properties: Vec<Exercised> = Vec::new();
        let mut properties = Vec::new();
        let names = op.request_body.as_ref().map_or(&[][..], |b| b.top_level_properties());
        for name in names {
            let index = match body_properties.iter().position(|e| e.name == *name) {
                Some(i) => i,
                None => {
                    body_properties.push(Exercised {
                        name: name.clone(),
                        location: None,
                        required: false,
                        valid: 0,
                        invalid: 0,
                    });
                    body_properties.len() - 1
                }
            };
            properties.push(index);
        }
        if properties.len() > TRACKED {
            untracked += properties.len() - TRACKED;
            properties.truncate(TRACKED);
            let keep = properties.iter().max().map_or(0, |m| m + 1);
            body_properties.truncate(keep);
        }
        let required = required_properties(op);
        for p in &mut body_properties {
            p.required = required.contains(&p.name);
        }
        let mut media_types: Vec<MediaSeen> = Vec::new();
        let mut media = Vec::new();
        for name in response_media(op) {
            let essence = essence(name);
            let index = match media_types.iter().position(|m| m.media_type.eq_ignore_ascii_case(essence)) {
                Some(i) => i,
                None => {
                    media_types.push(MediaSeen { media_type: essence.to_owned(), seen: 0 });
                    media_types.len() - 1
                }
            };
            media.push(index);
        }
        let statuses: Vec<StatusSpec> = op.responses.iter().map(|r| r.status).collect();
        let documents_success = statuses.iter().any(|s| match s {
            StatusSpec::Code(c) => (200..300).contains(c),
            StatusSpec::Range(d) => *d == 2,
            StatusSpec::Default => true,
        });
        OperationCoverage {
            operation: op.id.clone(),
            method: op.method.as_str().to_owned(),
            path: op.path.clone(),
            skipped: None,
            requests: 0,
            valid: 0,
            invalid: 0,
            answered_2xx: 0,
            unanswered: 0,
            statuses: statuses.iter().map(|s| StatusSeen { status: status_key(*s), seen: 0 }).collect(),
            undocumented_statuses: BTreeMap::new(),
            media_types,
            undocumented_media_types: BTreeMap::new(),
            parameters,
            body_properties,
            untracked,
            invalid_kinds: BTreeMap::new(),
            layout: Layout { statuses, properties, media, documents_success },
        }
    }

    /// Adds one exchange's facts.
    pub fn record(&mut self, facts: &Facts) {
        self.requests += 1;
        let invalid = match &facts.intent {
            Intent::Valid => {
                self.valid += 1;
                false
            }
            Intent::Invalid(kind) => {
                self.invalid += 1;
                match self.invalid_kinds.get_mut(&**kind) {
                    Some(n) => *n += 1,
                    None => {
                        self.invalid_kinds.insert(kind.to_string(), 1);
                    }
                }
                true
            }
            Intent::Unknown => false,
        };
        if !invalid {
            for i in facts.parameters.iter() {
                if let Some(p) = self.parameters.get_mut(i) {
                    p.valid += 1;
                }
            }
            for i in facts.properties.iter() {
                if let Some(p) = self.layout.properties.get(i).and_then(|&k| self.body_properties.get_mut(k)) {
                    p.valid += 1;
                }
            }
        }
        match facts.broken {
            Some(Broken::Parameter(i)) => {
                if let Some(p) = self.parameters.get_mut(i) {
                    p.invalid += 1;
                }
            }
            Some(Broken::Property(i)) => {
                if let Some(p) = self.layout.properties.get(i).and_then(|&k| self.body_properties.get_mut(k)) {
                    p.invalid += 1;
                }
            }
            None => {}
        }
        // An undocumented method is outside every operation's contract: its answer is not one of
        // this operation's statuses or media types.
        if matches!(&facts.intent, Intent::Invalid(kind) if kind == "method") {
            return;
        }
        let Some(status) = facts.status else {
            self.unanswered += 1;
            return;
        };
        if (200..300).contains(&status) {
            self.answered_2xx += 1;
        }
        match documented(&self.layout.statuses, status) {
            Some(i) => self.statuses[i].seen += 1,
            None => *self.undocumented_statuses.entry(status).or_default() += 1,
        }
        match &facts.media {
            Media::None => {}
            Media::Documented(i) => {
                if let Some(m) = self.layout.media.get(*i).and_then(|&k| self.media_types.get_mut(k)) {
                    m.seen += 1;
                }
            }
            Media::Undocumented(name) => {
                let known = self.undocumented_media_types.contains_key(&**name);
                if known || self.undocumented_media_types.len() < UNDOCUMENTED_MAX {
                    *self.undocumented_media_types.entry(name.to_string()).or_default() += 1;
                }
            }
        }
    }

    /// What the run exercised less of than it could, as lowercase fragments: the operation not
    /// tested, never answered 2xx, a documented status or media type never seen, a parameter or
    /// body property never sent. `default` is no promise of any one status: it is never a gap.
    pub fn gaps(&self) -> Vec<String> {
        if let Some(why) = &self.skipped {
            return vec![format!("not tested: {why}")];
        }
        let mut gaps = Vec::new();
        if self.requests > 0 && self.answered_2xx == 0 && self.layout.documents_success {
            gaps.push("never answered 2xx".to_owned());
        }
        for s in self.documented_statuses().filter(|s| s.seen == 0) {
            gaps.push(format!("documented {} never seen", s.status));
        }
        for m in self.media_types.iter().filter(|m| m.seen == 0) {
            gaps.push(format!("documented media type {} never seen", m.media_type));
        }
        for p in self.parameters.iter().filter(|p| p.valid == 0 && p.invalid == 0) {
            gaps.push(format!("{} parameter {} never sent", p.location.unwrap_or("body"), p.name));
        }
        for p in self.body_properties.iter().filter(|p| p.valid == 0 && p.invalid == 0) {
            gaps.push(format!("body property {} never sent", p.name));
        }
        gaps
    }

    /// The documented statuses that promise something: codes and ranges, not `default`.
    pub fn documented_statuses(&self) -> impl Iterator<Item = &StatusSeen> {
        self.statuses.iter().zip(&self.layout.statuses).filter(|(_, s)| **s != StatusSpec::Default).map(|(s, _)| s)
    }
}

fn status_key(s: StatusSpec) -> String {
    match s {
        StatusSpec::Code(c) => c.to_string(),
        StatusSpec::Range(d) => format!("{d}XX"),
        StatusSpec::Default => "default".to_owned(),
    }
}

/// The documented key an actual status falls under: exact code, then range, then `default`
/// (as `Operation::response_for` picks it).
fn documented(statuses: &[StatusSpec], status: u16) -> Option<usize> {
    statuses
        .iter()
        .position(|s| *s == StatusSpec::Code(status))
        .or_else(|| statuses.iter().position(|s| matches!(s, StatusSpec::Range(_)) && s.matches(status)))
        .or_else(|| statuses.iter().position(|s| *s == StatusSpec::Default))
}

/// The body's required top-level properties (from the same nodes as the properties).
fn required_properties(op: &Operation) -> Vec<String> {
    let mut out = Vec::new();
    let Some(body) = &op.request_body else { return out };
    for media in &body.content {
        let Some(schema) = &media.schema else { continue };
        let root = schema.resolve(schema.value());
        let members = root.get("allOf").and_then(Value::as_array).into_iter().flatten().map(|m| schema.resolve(m));
        for node in std::iter::once(root).chain(members).take(16) {
            for r in node.get("required").and_then(Value::as_array).into_iter().flatten().filter_map(Value::as_str) {
                if !out.iter().any(|o| o == r) {
                    out.push(r.to_owned());
                }
            }
        }
    }
    out
}

/// Totals over the tested operations.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct CoverageSummary {
    /// Operations in the spec.
    pub operations: usize,
    /// Operations with at least one exchange.
    pub tested: usize,
    /// Tested operations answered 2xx at least once.
    pub answered_2xx: usize,
    /// Exchanges seen.
    pub requests: usize,
    /// Documented statuses (codes and ranges, not `default`) of the tested operations.
    pub statuses_documented: usize,
    /// Of those, statuses answered at least once.
    pub statuses_seen: usize,
    /// Documented response media types of the tested operations.
    pub media_types_documented: usize,
    /// Of those, media types answered at least once.
    pub media_types_seen: usize,
    /// Parameters of the tested operations.
    pub parameters: usize,
    /// Of those, parameters sent in a valid request.
    pub parameters_valid: usize,
    /// Of those, parameters broken on purpose in an invalid request.
    pub parameters_invalid: usize,
    /// Top-level body properties of the tested operations.
    pub body_properties: usize,
    /// Of those, properties sent in a valid request.
    pub body_properties_valid: usize,
    /// Of those, properties broken on purpose in an invalid request.
    pub body_properties_invalid: usize,
    /// Distinct invalid-case kinds sent.
    pub invalid_kinds: usize,
    /// Tested operations with at least one gap.
    pub operations_with_gaps: usize,
}

/// The coverage of a whole run (or of a proxy's traffic): one [`OperationCoverage`] per
/// operation of the spec, in the spec's order.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Coverage {
    /// Every operation of the spec, in order.
    pub operations: Vec<OperationCoverage>,
}

impl Coverage {
    /// Nothing seen yet, for these operations (`Spec::operations`).
    pub fn new(operations: &[Operation]) -> Coverage {
        Coverage { operations: operations.iter().map(OperationCoverage::new).collect() }
    }

    /// Adds one exchange's facts to operation `operation` (an index into the operations).
    pub fn record(&mut self, operation: usize, facts: &Facts) {
        if let Some(op) = self.operations.get_mut(operation) {
            op.record(facts);
        }
    }

    /// Reads and adds one exchange of traffic conform did not generate (a proxy's).
    pub fn observe(
        &mut self,
        operations: &[Operation],
        operation: usize,
        request: &Request,
        status: Option<u16>,
        content_type: Option<&str>,
    ) {
        if let Some(op) = operations.get(operation) {
            self.record(operation, &Facts::of_request(op, request, status, content_type));
        }
    }

    /// Marks an operation as left out of the run, and why.
    pub fn skip(&mut self, operation: usize, why: &str) {
        if let Some(op) = self.operations.get_mut(operation) {
            op.skipped = Some(why.to_owned());
        }
    }

    /// Totals over the tested operations.
    pub fn summary(&self) -> CoverageSummary {
        let mut s = CoverageSummary { operations: self.operations.len(), ..CoverageSummary::default() };
        let mut kinds: Vec<&str> = Vec::new();
        for op in self.operations.iter().filter(|o| o.skipped.is_none() && o.requests > 0) {
            s.tested += 1;
            s.answered_2xx += usize::from(op.answered_2xx > 0);
            s.requests += op.requests;
            for st in op.documented_statuses() {
                s.statuses_documented += 1;
                s.statuses_seen += usize::from(st.seen > 0);
            }
            s.media_types_documented += op.media_types.len();
            s.media_types_seen += op.media_types.iter().filter(|m| m.seen > 0).count();
            s.parameters += op.parameters.len();
            s.parameters_valid += op.parameters.iter().filter(|p| p.valid > 0).count();
            s.parameters_invalid += op.parameters.iter().filter(|p| p.invalid > 0).count();
            s.body_properties += op.body_properties.len();
            s.body_properties_valid += op.body_properties.iter().filter(|p| p.valid > 0).count();
            s.body_properties_invalid += op.body_properties.iter().filter(|p| p.invalid > 0).count();
            for k in op.invalid_kinds.keys() {
                if !kinds.contains(&k.as_str()) {
                    kinds.push(k);
                }
            }
            s.operations_with_gaps += usize::from(!op.gaps().is_empty());
        }
        s.invalid_kinds = kinds.len();
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::case::{CaseOrigin, Mutation};
    use crate::spec::{Method, Spec};

    fn spec() -> Spec {
        let doc = serde_json::json!({
            "openapi": "3.0.3",
            "info": {"title": "t", "version": "1"},
            "paths": {"/items/{id}": {"patch": {
                "operationId": "patchItem",
                "parameters": [
                    {"name": "id", "in": "path", "required": true, "schema": {"type": "string"}},
                    {"name": "pretty", "in": "query", "schema": {"type": "boolean"}},
                    {"name": "X-Trace", "in": "header", "schema": {"type": "string"}}
                ],
                "requestBody": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Item"}}}},
                "responses": {
                    "200": {"description": "ok", "content": {"application/vnd.x+json": {"schema": {"type": "object"}}}},
                    "404": {"description": "no", "content": {"application/json": {"schema": {"type": "object"}}}},
                    "4XX": {"description": "bad", "content": {"application/json": {"schema": {"type": "object"}}}},
                    "default": {"description": "other"}
                }
            }}},
            "components": {"schemas": {"Item": {"type": "object", "required": ["day"],
                "properties": {"day": {"type": "integer", "maximum": 7}, "hour": {"type": "integer"}}}}}
        });
        Spec::from_value("inline.json", doc).unwrap()
    }

    fn request(body: Value, query: &[(&str, &str)]) -> Request {
        Request {
            method: Method::Patch,
            path: "/items/a".into(),
            query: query.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect(),
            headers: vec![("x-trace".into(), "1".into())],
            cookies: Vec::new(),
            content_type: Some("application/json".into()),
            body: Some(Body::Json(body)),
        }
    }

    fn case(kind: CaseKind, request: Request) -> Case {
        Case { operation: 0, index: 0, kind, origin: CaseOrigin::Catalogue, seed: None, request, edge: None }
    }

    #[test]
    fn facts_keep_indices_of_what_the_request_carried() {
        let spec = spec();
        let op = &spec.operations[0];
        let c = case(CaseKind::Valid, request(serde_json::json!({"hour": 3, "extra": 1}), &[("pretty", "true")]));
        let facts = Facts::of_case(op, &c, Some(200), Some("application/vnd.x+json; charset=utf-8"));
        assert_eq!(facts.intent, Intent::Valid);
        assert_eq!(facts.parameters.iter().collect::<Vec<_>>(), vec![0, 1, 2], "path, query and header (any case)");
        assert_eq!(facts.properties.iter().collect::<Vec<_>>(), vec![1], "hour only: extra is not documented");
        assert_eq!(facts.media, Media::Documented(0));
        let other = Facts::of_case(op, &c, Some(500), Some("text/html"));
        assert_eq!(other.media, Media::Undocumented("text/html".into()));
    }

    #[test]
    fn an_invalid_case_counts_what_it_broke_not_as_valid_use() {
        let spec = spec();
        let op = &spec.operations[0];
        let m = Mutation {
            location: Location::Body("/day".into()),
            constraint: "maximum".into(),
            description: "day = 8 (maximum 7)".into(),
        };
        let c = case(CaseKind::Invalid(m), request(serde_json::json!({"day": 8}), &[]));
        let facts = Facts::of_case(op, &c, Some(400), Some("application/json"));
        assert_eq!(facts.intent, Intent::Invalid(Cow::Borrowed("maximum")));
        assert!(matches!(facts.intent, Intent::Invalid(Cow::Borrowed(_))), "a known kind is not allocated");
        assert_eq!(facts.broken, Some(Broken::Property(0)));
        assert!(!facts.properties.contains(0));
        let mut cov = Coverage::new(&spec.operations);
        cov.record(0, &facts);
        let op = &cov.operations[0];
        assert_eq!((op.requests, op.valid, op.invalid, op.answered_2xx), (1, 0, 1, 0));
        assert_eq!(op.body_properties[0].invalid, 1);
        assert_eq!(op.body_properties[0].valid, 0);
        assert!(op.body_properties[0].required && !op.body_properties[1].required);
        assert_eq!(op.parameters[0].valid, 0, "the other parts of an invalid request are not valid uses");
        assert_eq!(op.invalid_kinds.get("maximum"), Some(&1));
        assert_eq!(op.statuses[2].seen, 1, "400 falls under 4XX");
    }

    #[test]
    fn statuses_fall_under_code_then_range_then_default_and_gaps_say_what_was_missed() {
        let spec = spec();
        let mut cov = Coverage::new(&spec.operations);
        let op = &spec.operations[0];
        let valid = case(CaseKind::Valid, request(serde_json::json!({"day": 1}), &[]));
        cov.record(0, &Facts::of_case(op, &valid, Some(404), Some("application/json")));
        cov.record(0, &Facts::of_case(op, &valid, Some(503), None));
        cov.record(0, &Facts::of_case(op, &valid, None, None));
        let o = &cov.operations[0];
        let seen: Vec<(&str, usize)> = o.statuses.iter().map(|s| (s.status.as_str(), s.seen)).collect();
        assert_eq!(seen, vec![("200", 0), ("404", 1), ("4XX", 0), ("default", 1)]);
        assert_eq!(o.unanswered, 1);
        assert_eq!(
            o.gaps(),
            vec![
                "never answered 2xx",
                "documented 200 never seen",
                "documented 4XX never seen",
                "documented media type application/vnd.x+json never seen",
                "query parameter pretty never sent",
                "body property hour never sent",
            ]
        );
        let s = cov.summary();
        assert_eq!((s.tested, s.answered_2xx, s.statuses_documented, s.statuses_seen), (1, 0, 3, 1));
        assert_eq!((s.parameters, s.parameters_valid, s.body_properties, s.body_properties_valid), (3, 2, 2, 1));
        assert_eq!(s.operations_with_gaps, 1);
        cov.skip(0, "excluded by --exclude");
        assert_eq!(cov.operations[0].gaps(), vec!["not tested: excluded by --exclude"]);
        assert_eq!(cov.summary().tested, 0);
    }

    #[test]
    fn bits_hold_indices_below_the_cap_only() {
        let mut b = Bits::default();
        b.set(0);
        b.set(127);
        b.set(128);
        assert_eq!(b.iter().collect::<Vec<_>>(), vec![0, 127]);
        assert!(!b.contains(500));
    }

    #[test]
    fn a_proxy_can_feed_coverage_directly() {
        let spec = spec();
        let mut cov = Coverage::new(&spec.operations);
        let r = request(serde_json::json!({"day": 2, "hour": 1}), &[]);
        cov.observe(&spec.operations, 0, &r, Some(200), Some("application/vnd.x+json"));
        cov.observe(&spec.operations, 9, &r, Some(200), None);
        let o = &cov.operations[0];
        assert_eq!((o.requests, o.valid, o.invalid, o.answered_2xx), (1, 0, 0, 1));
        assert_eq!(o.body_properties.iter().map(|p| p.valid).collect::<Vec<_>>(), vec![1, 1]);
        assert_eq!(o.media_types[0].seen, 1);
    }
}
