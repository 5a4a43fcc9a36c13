//! Everything generation needs about one operation, computed once: a plan and a strategy per
//! parameter and for the body, the minimal valid request, the variant catalogue, and the
//! deterministic cases. Random cases are drawn from the precomputed strategies on demand.

use super::mutate::{Action, Special, Target, Variant, Walker, apply};
use super::place::{Place, fits};
use super::plan::{Node, Plan, plan};
use super::strategy::strategy;
use super::values::{maximal, minimal};
use super::wire::{PartRule, breaks_only, encode_path_value, form_pairs, multipart_parts, part_rules, violations};
use crate::model::case::{Body, Case, CaseKind, CaseOrigin, Location, Mutation, Request};
use crate::rng::mix;
use crate::spec::params::{Serialized, serialize};
use crate::spec::{
    FindingKind, MediaTypeSpec, Method, Operation, ParamLocation, ParamStyle, ParameterSpec, PathTemplate, Spec,
    SpecFinding, media,
};
use proptest::prelude::*;
use proptest::strategy::{SBoxedStrategy, ValueTree};
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};
use serde_json::Value;
use std::collections::HashSet;

/// Deterministic cases one operation may have at most.
const MAX_DETERMINISTIC: usize = 400;

/// The values a request is made of, before serialisation: one per planned parameter, and the body.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Raw {
    pub params: Vec<Option<Value>>,
    pub body: Option<Value>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum BodyKind {
    Json,
    Form,
    Multipart,
    Text,
}

impl BodyKind {
    /// How bodies of a documented media type are encoded.
    fn of(media: &MediaTypeSpec) -> BodyKind {
        if media.is_json() {
            return BodyKind::Json;
        }
        match media.essence().as_str() {
            "application/x-www-form-urlencoded" => BodyKind::Form,
            "multipart/form-data" => BodyKind::Multipart,
            _ => BodyKind::Text,
        }
    }

    /// Where the body's values go: form and multipart members are text.
    pub(crate) fn place(self) -> Place {
        match self {
            BodyKind::Json => Place::Json,
            BodyKind::Form | BodyKind::Multipart => Place::Form,
            BodyKind::Text => Place::Text,
        }
    }

    /// Bodies made of named fields, which go out empty when no member is set.
    fn is_form(self) -> bool {
        matches!(self, BodyKind::Form | BodyKind::Multipart)
    }
}

pub(crate) struct ParamPlan {
    /// Index into `Operation::parameters`.
    pub index: usize,
    pub required: bool,
    pub place: Place,
    pub node: Node,
    pub strategy: Option<SBoxedStrategy<Value>>,
    /// The pinned value (`--param`), if any.
    pub pinned: Option<Value>,
    /// The value of the minimal request (the pin, a valid example, or the minimal value).
    pub base: Option<Value>,
}

pub(crate) struct BodyPlan {
    pub content_type: String,
    pub kind: BodyKind,
    pub node: Node,
    pub strategy: Option<SBoxedStrategy<Value>>,
    pub required: bool,
    pub base: Option<Value>,
    /// The media type's examples that satisfy its schema.
    pub examples: Vec<Value>,
    /// How each member goes out, for multipart bodies.
    pub parts: Vec<PartRule>,
}

pub(crate) struct OpPlan {
    pub op: usize,
    pub params: Vec<ParamPlan>,
    pub body: Option<BodyPlan>,
    /// The other documented body encodings (form, multipart, JSON beside the chosen one): each
    /// gets its own valid cases and a few invalid ones, but no random draws.
    pub alternates: Vec<BodyPlan>,
    /// Draws whole requests; `None` when the operation has no valid request.
    pub strategy: Option<SBoxedStrategy<Raw>>,
    pub base: Option<Raw>,
    /// Whether drawn requests must be checked (the plans are not exact).
    pub check: bool,
    pub variants: Vec<Variant>,
    /// `(variant, candidate)` pairs that gave an invalid deterministic case: what random invalid
    /// cases apply to random valid requests.
    pub random_pool: Vec<(usize, usize)>,
    pub deterministic: Vec<Case>,
    /// Why the operation gets no case at all (`None` when it has some), for the report.
    pub skip: Option<String>,
    /// The length of the very long string of edge cases (`--max-string`).
    pub max_string: usize,
}

fn param_place(p: &ParameterSpec, path_slashes: bool) -> Place {
    if p.content_type.is_some() {
        return match p.location {
            ParamLocation::Header => Place::Header,
            _ => Place::Json,
        };
    }
    match p.location {
        ParamLocation::Path => match p.style {
            ParamStyle::Label | ParamStyle::Matrix => Place::Item,
            _ if path_slashes => Place::PathSlash,
            _ => Place::Path,
        },
        ParamLocation::Query => Place::Text,
        ParamLocation::Header => Place::Header,
        ParamLocation::Cookie => Place::Cookie,
    }
}

/// The proptest configuration for drawing values: no persistence, few local rejects (a filter
/// that rarely passes must fail fast, not spin).
pub(crate) fn runner_config() -> Config {
    Config { failure_persistence: None, max_local_rejects: 256, max_global_rejects: 256, ..Config::default() }
}

pub(crate) fn runner(config: &Config, seed: u64) -> TestRunner {
    let mut bytes = [0u8; 16];
    bytes[..8].copy_from_slice(&seed.to_le_bytes());
    bytes[8..].copy_from_slice(&mix(seed ^ 0x5eed).to_le_bytes());
    TestRunner::new_with_rng(config.clone(), TestRng::from_seed(RngAlgorithm::XorShift, &bytes))
}

impl OpPlan {
    /// Plans operation `index`. Generation problems are appended to `findings`.
    pub(super) fn build(
        spec: &Spec,
        index: usize,
        pins: &[(String, String)],
        (path_slashes, max_string): (bool, usize),
        findings: &mut Vec<SpecFinding>,
    ) -> OpPlan {
        let op = &spec.operations[index];
        let mut exact = true;
        let mut never: Option<(String, String)> = None;
        let note = |plan: &Plan, findings: &mut Vec<SpecFinding>| {
            for (pointer, pattern, fell_back) in &plan.ungeneratable {
                let what = if *fell_back {
                    "valid values come from the schema's examples"
                } else {
                    "no valid value can be generated"
                };
                findings.push(SpecFinding::new(
                    FindingKind::UngeneratablePattern,
                    pointer.clone(),
                    format!("operation {}: pattern `{pattern}` cannot be generated from; {what}", op.id),
                ));
            }
        };
        // Plans an optional schema, reporting what cannot be generated.
        let planned =
            |schema: Option<&crate::spec::Schema>, findings: &mut Vec<SpecFinding>, exact: &mut bool| match schema {
                Some(s) => {
                    let pl = plan(s);
                    note(&pl, findings);
                    *exact &= pl.exact;
                    pl.node
                }
                None => Node::Any,
            };
        let mut params = Vec::new();
        for (i, p) in op.parameters.iter().enumerate() {
            let place = param_place(p, path_slashes);
            let mut node = planned(p.schema.as_ref(), findings, &mut exact);
            let examples: Vec<Value> = p
                .examples
                .iter()
                .filter(|e| p.schema.as_ref().is_none_or(|s| s.is_valid(e)) && fits(e, place))
                .cloned()
                .collect();
            if node.is_never() && !examples.is_empty() {
                node = Node::Enum(examples.clone());
            }
            let pinned = pins.iter().find(|(n, _)| *n == p.name).map(|(_, text)| pin_value(p, text));
            let strategy = strategy(&node, place).map(|s| {
                let param = p.clone();
                s.prop_filter("sendable", move |v| sendable(&param, v)).sboxed()
            });
            if p.required && pinned.is_none() && strategy.is_none() {
                never.get_or_insert_with(|| match &node {
                    Node::Never(ptr, why) => (ptr.clone(), why.clone()),
                    _ => (p.pointer.clone(), format!("no value of parameter {} can be sent", p.name)),
                });
            }
            let base = pinned
                .clone()
                .or_else(|| examples.iter().find(|e| sendable(p, e)).cloned())
                .or_else(|| minimal(&node, place).filter(|v| sendable(p, v)))
                // An empty array is not sendable in a path: try one with an item.
                .or_else(|| maximal(&node, place).filter(|v| sendable(p, v)));
            params.push(ParamPlan { index: i, required: p.required, place, node, strategy, pinned, base });
        }
        let plan_body = |chosen: &MediaTypeSpec, findings: &mut Vec<SpecFinding>, exact: &mut bool| {
            let kind = BodyKind::of(chosen);
            let place = kind.place();
            let node = planned(chosen.schema.as_ref(), findings, exact);
            let examples: Vec<Value> = chosen
                .examples
                .iter()
                .filter(|e| chosen.schema.as_ref().is_none_or(|s| s.is_valid(e)))
                .cloned()
                .collect();
            let strategy = strategy(&node, place);
            let base = minimal(&node, place);
            let required = op.request_body.as_ref().is_some_and(|rb| rb.required);
            let parts = if kind == BodyKind::Multipart { part_rules(chosen) } else { Vec::new() };
            BodyPlan { content_type: chosen.name.clone(), kind, node, strategy, required, base, examples, parts }
        };
        let chosen = op.request_body.as_ref().and_then(|rb| {
            rb.content
                .iter()
                .find(|m| m.is_json())
                .or_else(|| rb.content.iter().find(|m| m.essence() == "application/x-www-form-urlencoded"))
                .or_else(|| rb.content.iter().find(|m| m.essence() == "multipart/form-data"))
                .or_else(|| rb.content.first())
        });
        let body = chosen.map(|chosen| {
            let b = plan_body(chosen, findings, &mut exact);
            if b.required && b.strategy.is_none() {
                never.get_or_insert_with(|| match &b.node {
                    Node::Never(ptr, why) => (ptr.clone(), why.clone()),
                    _ => (chosen.pointer.clone(), "no request body can be generated".to_owned()),
                });
            }
            if b.required && b.kind.is_form() && b.base.as_ref().is_some_and(|v| form_pairs(v).is_empty()) {
                // Draws may go out empty, which reads as a missing body: check every one.
                exact = false;
            }
            b
        });
        // One more plan per other encoding (never two of a kind: versioned JSON types of one
        // body stay with the chosen one). Their problems were reported with the chosen one's,
        // or are reported when they are chosen; their cases are always checked.
        let mut alternates = Vec::new();
        if let (Some(rb), Some(b)) = (&op.request_body, &body) {
            let mut kinds = vec![b.kind];
            for m in &rb.content {
                let kind = BodyKind::of(m);
                if kind == BodyKind::Text || kinds.contains(&kind) || m.name.contains('*') {
                    continue;
                }
                kinds.push(kind);
                alternates.push(plan_body(m, &mut Vec::new(), &mut true));
            }
        }
        let mut plan = OpPlan {
            op: index,
            params,
            body,
            alternates,
            strategy: None,
            base: None,
            check: !exact,
            variants: Vec::new(),
            random_pool: Vec::new(),
            deterministic: Vec::new(),
            skip: None,
            max_string,
        };
        if let Some((pointer, why)) = never {
            plan.skip = Some(format!("no valid request can be generated: {why} (at {pointer})"));
            findings.push(SpecFinding::new(
                FindingKind::InvalidSchema,
                pointer,
                format!("operation {}: {why}; no valid request can be generated, so it is skipped", op.id),
            ));
            return plan;
        }
        plan.strategy = plan.raw_strategy();
        plan.base = plan.minimal_raw(op).or_else(|| plan.drawn_raw(op));
        if plan.base.is_none() {
            let why = plan.why_no_minimal(op);
            findings.push(SpecFinding::new(
                FindingKind::InvalidSchema,
                op.pointer.clone(),
                format!("operation {}: no minimal valid request could be built ({why}); it is skipped", op.id),
            ));
            plan.skip = Some(format!("no valid request can be built: {why}"));
            plan.strategy = None;
            return plan;
        }
        plan.variants = plan.collect_variants(spec, op);
        plan.build_deterministic(op);
        if plan.deterministic.is_empty() && plan.strategy.is_none() {
            plan.skip = Some("no request could be generated".to_owned());
        }
        plan
    }

    /// Says which part stopped [`OpPlan::minimal_raw`]: a required parameter or body with no
    /// value, else the parts of the minimal request that its own contract rejects.
    fn why_no_minimal(&self, op: &Operation) -> String {
        let mut raw = Raw { params: Vec::new(), body: None };
        for p in &self.params {
            let spec = &op.parameters[p.index];
            if (spec.required || p.pinned.is_some()) && p.base.is_none() {
                return format!("no sendable value for {} parameter {}", spec.location, spec.name);
            }
            raw.params.push(if spec.required || p.pinned.is_some() { p.base.clone() } else { None });
        }
        if let Some(b) = &self.body {
            if b.required && b.base.is_none() {
                return format!("no {} request body satisfies its schema", b.content_type);
            }
            raw.body = b.base.clone();
        }
        let failures = super::wire::failures(op, &self.render(op, &raw), true);
        let parts: Vec<String> = failures
            .iter()
            .take(3)
            .map(|f| {
                let at: Vec<String> = f
                    .keywords
                    .iter()
                    .zip(&f.pointers)
                    .take(3)
                    .map(|(k, p)| if p.is_empty() { format!("`{k}`") } else { format!("`{k}` at {p}") })
                    .collect();
                if at.is_empty() { f.location.to_string() } else { format!("{} fails {}", f.location, at.join(", ")) }
            })
            .collect();
        if parts.is_empty() {
            "its minimal values do not survive serialisation".to_owned()
        } else {
            format!("the minimal request breaks its own contract: {}", parts.join("; "))
        }
    }

    fn raw_strategy(&self) -> Option<SBoxedStrategy<Raw>> {
        let mut params: Vec<SBoxedStrategy<Option<Value>>> = Vec::new();
        for p in &self.params {
            let required = p.required;
            params.push(match (&p.pinned, &p.strategy) {
                (Some(v), _) => Just(Some(v.clone())).sboxed(),
                (None, Some(s)) if required => s.clone().prop_map(Some).sboxed(),
                (None, Some(s)) => proptest::option::of(s.clone()).sboxed(),
                (None, None) if required => return None,
                (None, None) => Just(None).sboxed(),
            });
        }
        let body: SBoxedStrategy<Option<Value>> = match &self.body {
            None => Just(None).sboxed(),
            Some(b) => match &b.strategy {
                Some(s) if b.required => s.clone().prop_map(Some).sboxed(),
                Some(s) => proptest::option::weighted(0.8, s.clone()).sboxed(),
                None if b.required => return None,
                None => Just(None).sboxed(),
            },
        };
        Some((params, body).prop_map(|(params, body)| Raw { params, body }).sboxed())
    }

    fn minimal_raw(&self, op: &Operation) -> Option<Raw> {
        let mut params = Vec::new();
        for p in &self.params {
            let spec = &op.parameters[p.index];
            if spec.required || p.pinned.is_some() {
                params.push(Some(p.base.clone()?));
            } else {
                params.push(None);
            }
        }
        let mut body = self.body.as_ref().and_then(|b| b.base.clone());
        if let Some(b) = self.body.as_ref().filter(|b| b.required) {
            body.as_ref()?;
            // A required form body whose minimal value is `{}` would go out empty, which a
            // server reads as no body: send its optional members instead.
            if b.kind.is_form() && body.as_ref().is_some_and(|v| form_pairs(v).is_empty()) {
                body = maximal(&b.node, Place::Form).filter(|v| !form_pairs(v).is_empty()).or(body);
            }
        }
        let raw = Raw { params, body };
        if !violations(op, &self.render(op, &raw)).is_empty() {
            // Examples may not survive the wire; fall back to plain minimal values.
            let mut plain = raw.clone();
            for (slot, p) in plain.params.iter_mut().zip(&self.params) {
                if slot.is_some() && p.pinned.is_none() {
                    *slot = Some(minimal(&p.node, p.place)?);
                }
            }
            if !violations(op, &self.render(op, &plain)).is_empty() {
                return None;
            }
            return Some(plain);
        }
        Some(raw)
    }

    /// A valid request drawn from the strategy, when the minimal one is not valid (a keyword
    /// the plan does not honour, such as `if`/`then`, made it break its contract). Bounded.
    fn drawn_raw(&self, op: &Operation) -> Option<Raw> {
        let config = runner_config();
        (0..32u64).find_map(|seed| {
            let raw = self.draw(&config, mix(seed ^ 0xba5e))?.current();
            violations(op, &self.render(op, &raw)).is_empty().then_some(raw)
        })
    }

    /// Serialises raw values into a request.
    pub(super) fn render(&self, op: &Operation, raw: &Raw) -> Request {
        self.render_with(op, raw, self.body.as_ref())
    }

    /// Serialises raw values into a request whose body is encoded as `body` says.
    fn render_with(&self, op: &Operation, raw: &Raw, body_plan: Option<&BodyPlan>) -> Request {
        let mut path_values: Vec<(&str, String)> = Vec::new();
        let mut query = Vec::new();
        let mut headers = Vec::new();
        let mut cookies = Vec::new();
        for (p, value) in self.params.iter().zip(&raw.params) {
            let Some(value) = value else { continue };
            let spec = &op.parameters[p.index];
            match (spec.location, serialize(spec, value)) {
                (ParamLocation::Path, Serialized::Single(s)) => {
                    path_values.push((spec.name.as_str(), encode_path_value(spec.style, &s)));
                }
                (ParamLocation::Query, Serialized::Pairs(pairs)) => query.extend(pairs),
                (ParamLocation::Query, Serialized::Single(s)) => query.push((spec.name.clone(), s)),
                (ParamLocation::Header, Serialized::Single(s)) => headers.push((spec.name.clone(), s)),
                (ParamLocation::Cookie, Serialized::Single(s)) => cookies.push((spec.name.clone(), s)),
                (_, Serialized::Pairs(pairs)) => query.extend(pairs),
            }
        }
        let path = op.template.render(|name| path_values.iter().find(|(n, _)| *n == name).map(|(_, v)| v.clone()));
        let (content_type, body) = match (body_plan, &raw.body) {
            (Some(b), Some(v)) if b.kind == BodyKind::Multipart => {
                let parts = multipart_parts(&b.parts, v);
                let boundary = crate::multipart::boundary(&parts);
                (Some(format!("{}; boundary={boundary}", b.content_type)), Some(Body::Multipart { boundary, parts }))
            }
            (Some(b), Some(v)) => (
                Some(b.content_type.clone()),
                Some(match b.kind {
                    BodyKind::Json => Body::Json(v.clone()),
                    BodyKind::Form | BodyKind::Multipart => Body::Form(form_pairs(v)),
                    BodyKind::Text => Body::Text(match v {
                        Value::String(s) => s.clone(),
                        other => other.to_string(),
                    }),
                }),
            ),
            _ => (None, None),
        };
        Request { method: op.method, path, query, headers, cookies, content_type, body }
    }

    fn collect_variants(&self, spec: &Spec, op: &Operation) -> Vec<Variant> {
        let mut out = Vec::new();
        let base = self.base.as_ref();
        for (i, p) in self.params.iter().enumerate() {
            let param = &op.parameters[p.index];
            let location = match param.location {
                ParamLocation::Path => Location::Path(param.name.clone()),
                ParamLocation::Query => Location::Query(param.name.clone()),
                ParamLocation::Header => Location::Header(param.name.clone()),
                ParamLocation::Cookie => Location::Cookie(param.name.clone()),
            };
            let mut w = Walker::new(Target::Param(i), Some(location.clone()), self.max_string);
            let present = base.is_some_and(|b| b.params[i].is_some());
            if !present && let Some(v) = minimal(&p.node, p.place) {
                w.out.push(Variant {
                    target: Target::Param(i),
                    path: Vec::new(),
                    action: Action::Set(vec![(v, String::new())]),
                    constraint: None,
                    origin: CaseOrigin::Boundary,
                    location: location.clone(),
                });
            }
            if param.required && param.location != ParamLocation::Path {
                w.out.push(Variant {
                    target: Target::Param(i),
                    path: Vec::new(),
                    action: Action::Remove(format!("required {} parameter {} is missing", param.location, param.name)),
                    constraint: Some("required"),
                    origin: CaseOrigin::Catalogue,
                    location: location.clone(),
                });
            }
            w.walk(&p.node, &mut Vec::new(), &param.name, p.place, false, 0);
            let mut vs = w.into_variants();
            if !param.required && param.location == ParamLocation::Header {
                // An empty header is no header, as an empty body is no body: an HTTP list
                // field may be empty (RFC 9110, section 5.6.1; `If-Match:` is no precondition),
                // and WSGI and ASGI code reads `headers.get(name) or default`. So "" is never
                // an invalid value of an optional header.
                vs.retain_mut(|v| {
                    if let (Some(_), Action::Set(candidates)) = (v.constraint, &mut v.action) {
                        candidates.retain(|(value, _)| value.as_str() != Some(""));
                        !candidates.is_empty()
                    } else {
                        true
                    }
                });
            }
            if p.pinned.is_some() {
                vs.retain(|v| !v.is_valid()); // A pinned value stays as given in valid requests.
            }
            out.extend(vs);
        }
        if let Some(b) = &self.body {
            let place = b.kind.place();
            let mut w = Walker::new(Target::Body, None, self.max_string);
            w.walk(&b.node, &mut Vec::new(), "body", place, false, 0);
            out.extend(w.into_variants());
            let special = |s: Special, location: Location, constraint: &'static str, d: String| Variant {
                target: Target::Request(s),
                path: Vec::new(),
                action: Action::Remove(d),
                constraint: Some(constraint),
                origin: CaseOrigin::Catalogue,
                location,
            };
            if b.kind == BodyKind::Json {
                out.push(special(
                    Special::MalformedJson,
                    Location::Body(String::new()),
                    "malformed_json",
                    "malformed json body".into(),
                ));
            }
            if b.required {
                out.push(special(
                    Special::MissingBody,
                    Location::Body(String::new()),
                    "missing_body",
                    "required request body is missing".into(),
                ));
            }
            let documented: Vec<&str> =
                op.request_body.iter().flat_map(|rb| rb.content.iter().map(|m| m.name.as_str())).collect();
            if let Some(wrong) = ["text/plain", "application/xml", "application/octet-stream"]
                .into_iter()
                .find(|w| !documented.iter().any(|d| media::covers(d, w)))
            {
                let d = format!("body sent as {wrong} (documented: {})", documented.join(", "));
                out.push(special(Special::ContentType(wrong.into()), Location::ContentType, "content_type", d));
            }
        }
        // Undocumented methods, once per path: on its first operation.
        let first_on_path = spec.operations.iter().position(|o| o.path == op.path) == Some(self.op);
        if first_on_path {
            // A method is undocumented for this path only if no operation's template matches
            // the path with it: `PATCH /connections/test` is `PATCH /connections/{id}`. (A
            // `{name}` segment of this path matches another template's variable as any value.)
            // And a method another template of the same shape documents may be routed there
            // (`/a/{id}` GET beside `/a/{name}` POST): no probe can say it is unsupported.
            let segments: Vec<&str> = PathTemplate::split(&op.path).collect();
            let mut found = Vec::new();
            let documented: Vec<Method> = spec
                .operations
                .iter()
                .filter(|o| {
                    o.path == op.path
                        || o.template.match_into(&segments, &mut found)
                        || may_overlap(&o.template, &op.template)
                })
                .map(|o| o.method)
                .collect();
            for m in [Method::Get, Method::Put, Method::Post, Method::Delete, Method::Patch] {
                if !documented.contains(&m) {
                    out.push(Variant {
                        target: Target::Request(Special::Method(m)),
                        path: Vec::new(),
                        action: Action::Remove(format!("undocumented method {m} on {}", op.path)),
                        constraint: Some("method"),
                        origin: CaseOrigin::Catalogue,
                        location: Location::Method,
                    });
                }
            }
            // OPTIONS, where no operation documents it: an answer with `Allow` must list the
            // path's documented methods (not offering OPTIONS at all is no break).
            if !documented.contains(&Method::Options) {
                out.push(Variant {
                    target: Target::Request(Special::Method(Method::Options)),
                    path: Vec::new(),
                    action: Action::Remove(format!("OPTIONS on {}", op.path)),
                    constraint: Some("method"),
                    origin: CaseOrigin::Catalogue,
                    location: Location::Method,
                });
            }
        }
        out
    }

    /// Applies variant `v` (candidate `c`) to raw values and renders the request.
    pub(super) fn apply(&self, op: &Operation, raw: &Raw, v: &Variant, c: usize) -> Option<Request> {
        self.apply_with(op, raw, v, c, self.body.as_ref())
    }

    /// [`OpPlan::apply`] with the body encoded as `body_plan` says.
    fn apply_with(
        &self,
        op: &Operation,
        raw: &Raw,
        v: &Variant,
        c: usize,
        body_plan: Option<&BodyPlan>,
    ) -> Option<Request> {
        let mut raw = raw.clone();
        match &v.target {
            Target::Param(i) => {
                let fill =
                    self.params[*i].base.clone().or_else(|| minimal(&self.params[*i].node, self.params[*i].place))?;
                if !apply(&mut raw.params[*i], &fill, &v.path, &v.action, c) {
                    return None;
                }
                if let Some(value) = &raw.params[*i]
                    && !sendable(&op.parameters[self.params[*i].index], value)
                {
                    return None;
                }
                Some(self.render_with(op, &raw, body_plan))
            }
            Target::Body => {
                let fill = body_plan?.base.clone()?;
                if !apply(&mut raw.body, &fill, &v.path, &v.action, c) {
                    return None;
                }
                Some(self.render_with(op, &raw, body_plan))
            }
            Target::Request(special) => {
                if raw.body.is_none()
                    && let Some(b) = body_plan
                {
                    raw.body = b.base.clone();
                }
                let mut req = self.render_with(op, &raw, body_plan);
                match special {
                    Special::MalformedJson => {
                        let text = serde_json::to_string(raw.body.as_ref()?).ok()?;
                        let broken =
                            if text.len() > 1 { text[..text.len() - 1].to_owned() } else { format!("{{{text}") };
                        req.body = Some(Body::Text(broken));
                    }
                    Special::MissingBody => {
                        req.body = None;
                        req.content_type = None;
                    }
                    Special::ContentType(ct) => req.content_type = Some(ct.clone()),
                    Special::Method(m) => {
                        req.method = *m;
                        req.body = None;
                        req.content_type = None;
                    }
                }
                Some(req)
            }
        }
    }

    /// The mutation label of variant `v`'s candidate `c`.
    pub(super) fn mutation(v: &Variant, c: usize) -> Option<Mutation> {
        let constraint = v.constraint?;
        let description = match &v.action {
            Action::Set(cands) => cands.get(c)?.1.clone(),
            Action::Remove(d) => d.clone(),
        };
        Some(Mutation { location: v.location.clone(), constraint: constraint.to_owned(), description })
    }

    /// Applies the first candidate of `v` that gives an acceptable request.
    pub(super) fn realise(&self, op: &Operation, raw: &Raw, v: &Variant) -> Option<(Request, usize)> {
        self.realise_with(op, raw, v, self.body.as_ref())
    }

    fn realise_with(
        &self,
        op: &Operation,
        raw: &Raw,
        v: &Variant,
        body_plan: Option<&BodyPlan>,
    ) -> Option<(Request, usize)> {
        let n = match &v.action {
            Action::Set(c) => c.len(),
            Action::Remove(_) => 1,
        };
        for c in 0..n {
            let Some(req) = self.apply_with(op, raw, v, c, body_plan) else { continue };
            let ok = if v.is_valid() {
                violations(op, &req).is_empty()
            } else {
                breaks_only(op, &req, &v.location, v.constraint.unwrap_or_default())
            };
            if ok {
                return Some((req, c));
            }
        }
        None
    }

    fn build_deterministic(&mut self, op: &Operation) {
        let Some(base) = self.base.clone() else { return };
        // (kind, origin, request, what an edge case sent).
        type Made = (CaseKind, CaseOrigin, Request, Option<String>);
        let mut cases: Vec<Made> = Vec::new();
        let mut seen: HashSet<String> = HashSet::new();
        let mut push =
            |cases: &mut Vec<Made>, kind: CaseKind, origin: CaseOrigin, req: Request, edge: Option<String>| {
                let key = serde_json::to_string(&(&kind, &req)).unwrap_or_default();
                if cases.len() < MAX_DETERMINISTIC && seen.insert(key) {
                    cases.push((kind, origin, req, edge));
                }
            };
        // 1. The spec's examples.
        if let Some(b) = &self.body {
            for example in &b.examples {
                let raw = Raw { params: base.params.clone(), body: Some(example.clone()) };
                let req = self.render(op, &raw);
                if violations(op, &req).is_empty() {
                    push(&mut cases, CaseKind::Valid, CaseOrigin::Example, req, None);
                }
            }
        }
        // 2. Boundaries: the minimal request, the maximal one, then each variant in order.
        push(&mut cases, CaseKind::Valid, CaseOrigin::Boundary, self.render(op, &base), None);
        let mut full = base.clone();
        for (slot, p) in full.params.iter_mut().zip(&self.params) {
            if slot.is_none() {
                *slot = maximal(&p.node, p.place).filter(|v| sendable(&op.parameters[p.index], v));
            }
        }
        if let Some(b) = &self.body {
            let place = if b.kind.is_form() { Place::Form } else { Place::Json };
            full.body = maximal(&b.node, place).or(full.body);
        }
        let full_req = self.render(op, &full);
        if violations(op, &full_req).is_empty() {
            push(&mut cases, CaseKind::Valid, CaseOrigin::Boundary, full_req, None);
        }
        // 3. Every other documented encoding: its examples and boundaries, then a missing
        // required field, a field of the wrong type and a Content-Type it is not.
        for alt in &self.alternates {
            let with_body = |body: Value| Raw { params: base.params.clone(), body: Some(body) };
            for example in &alt.examples {
                let req = self.render_with(op, &with_body(example.clone()), Some(alt));
                if violations(op, &req).is_empty() {
                    push(&mut cases, CaseKind::Valid, CaseOrigin::Example, req, None);
                }
            }
            let mut least = alt.base.clone();
            if alt.kind.is_form() && least.as_ref().is_some_and(|v| form_pairs(v).is_empty()) {
                least = maximal(&alt.node, Place::Form).filter(|v| !form_pairs(v).is_empty()).or(least);
            }
            let most = maximal(&alt.node, if alt.kind.is_form() { Place::Form } else { Place::Json });
            let mut alt_base = None;
            for value in [least, most].into_iter().flatten() {
                let raw = with_body(value);
                let req = self.render_with(op, &raw, Some(alt));
                if violations(op, &req).is_empty() {
                    alt_base.get_or_insert(raw);
                    push(&mut cases, CaseKind::Valid, CaseOrigin::Boundary, req, None);
                }
            }
            let Some(alt_base) = alt_base else { continue };
            let sent_as = media::essence(&alt.content_type);
            let mut w = Walker::new(Target::Body, None, self.max_string);
            w.walk(&alt.node, &mut Vec::new(), "body", alt.kind.place(), false, 0);
            let documented: Vec<&str> =
                op.request_body.iter().flat_map(|rb| rb.content.iter().map(|m| m.name.as_str())).collect();
            let wrong_type = ["text/plain", "application/xml", "application/octet-stream"]
                .into_iter()
                .find(|w| !documented.iter().any(|d| media::covers(d, w)))
                .map(|wrong| Variant {
                    target: Target::Request(Special::ContentType(wrong.into())),
                    path: Vec::new(),
                    action: Action::Remove(format!("body sent as {wrong} (documented: {})", documented.join(", "))),
                    constraint: Some("content_type"),
                    origin: CaseOrigin::Catalogue,
                    location: Location::ContentType,
                });
            let required = w.out.iter().find(|v| v.constraint == Some("required"));
            let typed = w.out.iter().filter(|v| v.constraint == Some("type"));
            // One wrong type per encoding: the first one a server can tell from the text.
            let mut typed_done = false;
            for v in required.into_iter().chain(typed).chain(wrong_type.as_ref()) {
                if typed_done && v.constraint == Some("type") {
                    continue;
                }
                let Some((req, c)) = self.realise_with(op, &alt_base, v, Some(alt)) else { continue };
                let Some(mut m) = Self::mutation(v, c) else { continue };
                if v.constraint != Some("content_type") {
                    m.description = format!("{} (sent as {sent_as})", m.description);
                }
                typed_done |= m.constraint == "type";
                push(&mut cases, CaseKind::Invalid(m), CaseOrigin::Catalogue, req, None);
            }
        }
        let mut pool = Vec::new();
        // Edges come last: where the cap cuts, it cuts them rather than the catalogue.
        for origin in [CaseOrigin::Boundary, CaseOrigin::Catalogue, CaseOrigin::Edge] {
            for (vi, v) in self.variants.iter().enumerate() {
                if v.origin != origin {
                    continue;
                }
                let Some((req, c)) = self.realise(op, &base, v) else { continue };
                let kind = match Self::mutation(v, c) {
                    Some(m) => {
                        pool.push((vi, c));
                        CaseKind::Invalid(m)
                    }
                    None => CaseKind::Valid,
                };
                let edge = match (&v.action, origin) {
                    (Action::Set(cands), CaseOrigin::Edge) => cands.get(c).map(|(_, d)| d.clone()),
                    _ => None,
                };
                push(&mut cases, kind, origin, req, edge);
            }
        }
        self.random_pool = pool;
        self.deterministic = cases
            .into_iter()
            .enumerate()
            .map(|(index, (kind, origin, request, edge))| Case {
                operation: self.op,
                index,
                kind,
                origin,
                seed: None,
                request,
                edge,
            })
            .collect();
    }

    /// Draws raw values from the strategy with `seed`; `None` when the draw fails.
    pub(super) fn draw(&self, config: &Config, seed: u64) -> Option<Box<dyn ValueTree<Value = Raw>>> {
        let strategy = self.strategy.as_ref()?;
        strategy.new_tree(&mut runner(config, seed)).ok()
    }

    /// Whether raw values render to a valid request (checked only when plans are inexact).
    pub(super) fn valid_raw(&self, op: &Operation, raw: &Raw) -> Option<Request> {
        let req = self.render(op, raw);
        if self.check && !violations(op, &req).is_empty() {
            return None;
        }
        Some(req)
    }
}

/// Whether a parameter value can be put on the wire as is.
pub(crate) fn sendable(param: &ParameterSpec, value: &Value) -> bool {
    match serialize(param, value) {
        Serialized::Single(s) => match param.location {
            ParamLocation::Path => !s.is_empty() && s != "." && s != "..",
            ParamLocation::Header => s.bytes().all(|b| (0x20..0x7f).contains(&b)) && s.trim() == s,
            ParamLocation::Cookie => !s.bytes().any(|b| b == b';' || b.is_ascii_control() || b == b' ' || b > 0x7e),
            ParamLocation::Query => true,
        },
        // An empty exploded array puts nothing on the wire: a required parameter would be missing.
        Serialized::Pairs(pairs) => !pairs.is_empty() || !param.required,
    }
}

/// A `--param` value as the JSON the parameter's schema expects (`5` for an integer).
pub(crate) fn pin_value(param: &ParameterSpec, text: &str) -> Value {
    crate::spec::params::parse(param, &[text], &[(param.name.clone(), text.to_owned())])
}

/// Whether some concrete path matches both templates: as many segments, and wherever both
/// segments are plain literal text, the same text.
pub(crate) fn may_overlap(a: &crate::spec::PathTemplate, b: &crate::spec::PathTemplate) -> bool {
    use crate::spec::TemplatePart;
    a.segments.len() == b.segments.len()
        && a.segments.iter().zip(&b.segments).all(|(x, y)| match (x.as_slice(), y.as_slice()) {
            ([TemplatePart::Literal(l)], [TemplatePart::Literal(r)]) => l == r,
            _ => true,
        })
}

#[cfg(test)]
mod overlap_tests {
    use super::may_overlap;
    use crate::spec::PathTemplate;

    #[test]
    fn templates_of_one_shape_overlap_and_different_literals_do_not() {
        let t = PathTemplate::parse;
        // Routed either way: a probe with POST on the first may reach the second's POST.
        assert!(may_overlap(&t("/g/{g}/load/{id}"), &t("/g/{g}/load/{name}")));
        // A real undocumented method stays probed: literal text tells these apart.
        assert!(!may_overlap(&t("/g/{g}/load/{id}"), &t("/g/{g}/jobs/{id}")));
        assert!(!may_overlap(&t("/g/{g}/load"), &t("/g/{g}/load/{id}")));
    }
}
