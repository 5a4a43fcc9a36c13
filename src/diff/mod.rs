//! `conform diff`: the breaking-change gate. Compares two versions of a spec and classifies
//! every change as breaking or not, and says whose existing implementation it may break.
//!
//! Operations are matched by method and path template with the variable names blanked
//! (`/groups/{groupId}` matches `/groups/{id}`), never by operationId, so a renamed id cannot
//! hide a change (the rename itself is reported). Schemas are compared on their converted JSON
//! Schema form (see [`crate::spec`]); the rules live in `schema.rs`.
//!
//! # Classification
//! The new version is the one the server ships; clients built against the old one cannot be
//! updated in step. So:
//! - **breaking** means an existing client may fail: a request it sends may now be rejected, or
//!   an answer it gets may now surprise it. `breaks` is `clients`, or `both` when the change is
//!   neither a narrowing nor a widening (a pattern replaced, a type changed, a parameter
//!   re-serialised) and the server side must change too.
//! - **non-breaking** changes are still reported. `breaks` is `servers` when an implementation
//!   of the old version may no longer conform to the new one (it must now accept a wider request
//!   or send a narrower answer; `conform run` will tell), and `none` otherwise.
//!
//! In requests, narrowing breaks clients and widening is safe; in responses it is the other way
//! round. [`KINDS`] lists every change kind with its rule. This module must never panic, whatever
//! the two documents hold.

#![warn(missing_docs, clippy::missing_errors_doc)]

pub mod git;
mod policy;
mod render;
mod schema;

pub use policy::{
    Allowance, DEFAULT_RULES_FILE, Date, Level, OASDIFF_LEVELS, Policy, PolicyError, Preset, SDK_LEVELS, kind_names,
};
pub use render::{Format, RenderOptions};

use crate::spec::{
    MediaTypeSpec, Operation, ParamLocation, ParamStyle, ParameterSpec, ResponseSpec, SecurityAlternative,
    SecuritySchemeSpec, Spec, StatusSpec,
};
use serde::Serialize;
use std::collections::{HashMap, VecDeque};
use std::fmt;
use std::str::FromStr;

/// Every change kind, with when it is reported and how it is classified. A schema kind written
/// `{side}_x` exists as `request_x` (request bodies and parameters) and `response_x` (response
/// bodies and headers); unless said otherwise a narrowing is breaking (clients) in requests and
/// non-breaking (servers) in responses, and a widening the other way round.
pub const KINDS: &[(&str, &str)] = &[
    ("operation_removed", "an operation (method + path) is gone: breaking, clients"),
    ("operation_added", "a new operation: non-breaking, servers"),
    ("operation_id_changed", "same method and path, another operationId: non-breaking, none"),
    ("operation_deprecated", "the operation became deprecated: non-breaking, none"),
    ("path_parameter_renamed", "a path variable has a new name: non-breaking, none"),
    ("parameter_removed", "a query, header or cookie parameter is gone: breaking, clients (its effect is lost)"),
    ("parameter_added", "a new optional parameter: non-breaking, servers"),
    ("required_parameter_added", "a new required parameter: breaking, clients"),
    ("parameter_became_required", "breaking, clients"),
    ("parameter_became_optional", "non-breaking, servers"),
    ("parameter_location_changed", "the same name moved between query, header, cookie: breaking, both"),
    ("parameter_style_changed", "serialisation style changed: breaking, both"),
    ("parameter_explode_changed", "serialisation explode changed: breaking, both"),
    ("parameter_content_type_changed", "the media type a parameter is serialised as changed: breaking, both"),
    ("parameter_deprecated", "non-breaking, none"),
    ("request_body_added", "an optional request body appears: non-breaking, servers"),
    ("required_request_body_added", "a required request body appears: breaking, clients"),
    ("request_body_removed", "the request body is gone: breaking, clients"),
    ("request_body_became_required", "breaking, clients"),
    ("request_body_became_optional", "non-breaking, servers"),
    ("request_media_type_removed", "clients sending it are rejected: breaking, clients"),
    ("request_media_type_added", "non-breaking, servers"),
    (
        "success_status_removed",
        "a documented 2xx status (or 2XX) is gone, e.g. 204 -> 200 removes 204: breaking, clients",
    ),
    (
        "success_status_added",
        "a new 2xx status: breaking, clients, when another success status was documented and does not cover it \
         (204 -> 200 adds 200); otherwise non-breaking, none",
    ),
    ("response_status_removed", "a non-2xx status is gone: non-breaking, servers"),
    ("response_status_added", "a new non-2xx status (an error documented): non-breaking, none"),
    ("default_response_removed", "non-breaking, servers"),
    ("default_response_added", "non-breaking, none"),
    ("response_media_type_removed", "a response media type (or version) is gone: breaking, clients"),
    ("response_media_type_added", "non-breaking, none"),
    ("response_header_removed", "a documented response header is gone: breaking, clients"),
    ("response_header_added", "non-breaking; servers when required, none when optional"),
    ("response_header_became_optional", "breaking, clients"),
    ("response_header_became_required", "non-breaking, servers"),
    ("security_requirement_added", "credentials that used to suffice no longer do: breaking, clients"),
    ("security_alternative_removed", "a way to authenticate is gone: breaking, clients"),
    ("security_alternative_added", "a new way to authenticate: non-breaking, servers"),
    ("security_removed", "anonymous access is now allowed: non-breaking, servers"),
    ("security_scheme_changed", "a scheme the operation uses is defined differently: breaking, both"),
    ("{side}_schema_added", "a schema where there was none (or only `{}`): a narrowing"),
    ("{side}_schema_removed", "the schema is gone: a widening"),
    ("{side}_type_narrowed", "fewer JSON types (number -> integer, any -> string): a narrowing"),
    ("{side}_type_widened", "more JSON types: a widening"),
    ("{side}_type_changed", "other types (string -> object): breaking, both"),
    ("{side}_nullable_added", "null became allowed: a widening"),
    ("{side}_nullable_removed", "null is no longer allowed: a narrowing"),
    ("{side}_format_added", "a narrowing"),
    ("{side}_format_removed", "a widening"),
    ("{side}_format_changed", "breaking, both (int32/int64/float/double are compared as bounds)"),
    ("{side}_enum_added", "values restricted to a list: a narrowing"),
    ("{side}_enum_removed", "no longer restricted to a list: a widening"),
    ("{side}_enum_value_removed", "a narrowing"),
    ("{side}_enum_value_added", "a widening (a new response value breaks clients)"),
    ("{side}_minimum_raised", "also a minimum added: a narrowing"),
    ("{side}_minimum_lowered", "also a minimum removed: a widening"),
    ("{side}_maximum_lowered", "also a maximum added: a narrowing"),
    ("{side}_maximum_raised", "also a maximum removed: a widening"),
    ("{side}_exclusive_minimum_added", "the same bound became exclusive: a narrowing"),
    ("{side}_exclusive_minimum_removed", "the same bound became inclusive: a widening"),
    ("{side}_exclusive_maximum_added", "a narrowing"),
    ("{side}_exclusive_maximum_removed", "a widening"),
    ("{side}_multiple_of_added", "a narrowing"),
    ("{side}_multiple_of_removed", "a widening"),
    (
        "{side}_multiple_of_changed",
        "a narrowing when the new factor is a multiple of the old, a widening the other way, else breaking, both",
    ),
    ("{side}_min_length_raised", "a narrowing"),
    ("{side}_min_length_lowered", "a widening"),
    ("{side}_max_length_lowered", "also a maxLength added: a narrowing"),
    ("{side}_max_length_raised", "also a maxLength removed: a widening"),
    ("{side}_pattern_added", "a narrowing"),
    ("{side}_pattern_removed", "a widening"),
    ("{side}_pattern_changed", "breaking, both"),
    ("{side}_min_items_raised", "a narrowing"),
    ("{side}_min_items_lowered", "a widening"),
    ("{side}_max_items_lowered", "a narrowing"),
    ("{side}_max_items_raised", "a widening"),
    ("{side}_unique_items_added", "a narrowing"),
    ("{side}_unique_items_removed", "a widening"),
    ("{side}_min_properties_raised", "a narrowing"),
    ("{side}_min_properties_lowered", "a widening"),
    ("{side}_max_properties_lowered", "a narrowing"),
    ("{side}_max_properties_raised", "a widening"),
    ("{side}_additional_properties_closed", "additionalProperties became false: a narrowing"),
    ("{side}_additional_properties_opened", "additionalProperties is no longer false: a widening"),
    ("{side}_property_became_required", "a narrowing"),
    ("{side}_property_became_optional", "a widening (a response field that may now be missing breaks clients)"),
    ("{side}_property_deprecated", "non-breaking, none"),
    (
        "request_property_removed",
        "breaking, clients, when the new object is closed (sending it is rejected); else non-breaking, servers",
    ),
    ("request_property_added", "a new optional request property: non-breaking, servers"),
    ("request_required_property_added", "breaking, clients"),
    ("response_property_removed", "clients reading it break: breaking, clients"),
    (
        "response_property_added",
        "non-breaking, none; breaking, clients, when the old object was closed (additionalProperties: false)",
    ),
    ("response_required_property_added", "non-breaking, servers; breaking, clients, when the old object was closed"),
    ("{side}_alternative_removed", "an anyOf/oneOf alternative is gone: a narrowing"),
    ("{side}_alternative_added", "a new anyOf/oneOf alternative: a widening (new response shapes break clients)"),
    ("{side}_composition_added", "anyOf/oneOf added beside other constraints: a narrowing"),
    ("{side}_composition_removed", "anyOf/oneOf removed beside other constraints: a widening"),
    ("{side}_not_changed", "a `not` changed: breaking, both"),
    ("{side}_discriminator_mapping_changed", "a discriminator value selects another schema: breaking, both"),
];

/// Whether a change can break existing clients.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// An existing client, or server, built against the old version may stop working.
    Breaking,
    /// Everything built against the old version keeps working.
    NonBreaking,
}

impl Severity {
    /// `breaking` or `non_breaking`.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Breaking => "breaking",
            Severity::NonBreaking => "non_breaking",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Whose existing implementation (built against the old version) may stop working or
/// conforming.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Breaks {
    /// Clients built against the old version (a narrowed request, a widened response).
    Clients,
    /// Servers built against the old version stop conforming (a widened request, a narrowed response).
    Servers,
    /// Both clients and servers.
    Both,
    /// Nobody: the change is compatible both ways.
    None,
}

impl Breaks {
    /// `clients`, `servers`, `both` or `none`.
    pub fn as_str(self) -> &'static str {
        match self {
            Breaks::Clients => "clients",
            Breaks::Servers => "servers",
            Breaks::Both => "both",
            Breaks::None => "none",
        }
    }
}

impl fmt::Display for Breaks {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A severity and who it breaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Class {
    severity: Severity,
    breaks: Breaks,
}

impl Class {
    const BREAKS_CLIENTS: Class = Class { severity: Severity::Breaking, breaks: Breaks::Clients };
    const BREAKS_BOTH: Class = Class { severity: Severity::Breaking, breaks: Breaks::Both };
    const SERVERS: Class = Class { severity: Severity::NonBreaking, breaks: Breaks::Servers };
    const NONE: Class = Class { severity: Severity::NonBreaking, breaks: Breaks::None };
}

/// Which way a schema is read: what clients send, or what servers answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Side {
    Request,
    Response,
}

/// One classified change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Change {
    /// Stable snake_case name; see [`KINDS`].
    pub kind: &'static str,
    /// Whether the change can break existing clients.
    pub severity: Severity,
    /// Whose existing implementation the change can break.
    pub breaks: Breaks,
    /// The operationId (of the new version when both have one), or `METHOD path`.
    pub operation: String,
    /// `GET`, `PATCH`…
    pub method: String,
    /// The path template (of the new version when the operation still exists).
    pub path: String,
    /// Where: `operation`, `security`, `query parameter pretty`, `request body /a/b`,
    /// `response 204`, `response 200 application/json /id`, `response 200 header X-Rate`.
    /// Inside schemas, `/[]` stands for array items and `/*` for additional properties.
    pub location: String,
    /// What changed, a lowercase fragment: `maximum lowered from 23 to 12`.
    pub message: String,
    /// What the policy makes of it (by default `breaking` for breaking changes, `info` for the
    /// rest); see [`Policy`].
    pub level: Level,
    /// A breaking change the allow-list accepts (with an unexpired allowance): it does not fail.
    pub allowed: bool,
    /// The allow-list entry's reason, when one matched (an expired one says so).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub allowance: Option<String>,
    /// The component schema the change lies in (`Pet`), when the same change is reached from
    /// more than one place: it is then reported once, at `schema Pet /path`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub component: Option<String>,
    /// Every operation such a component change affects (`operation` is the first of them).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub operations: Vec<String>,
    /// Where the change lies inside a component, before it is known to be shared.
    #[serde(skip)]
    anchor: Option<(String, String)>,
    /// How stable the affected operation is (the most stable one of a component change).
    #[serde(skip)]
    pub(crate) lifecycle: Lifecycle,
}

/// How an operation's contract is promised, as oasdiff reads it: `x-stability-level` (`draft`,
/// `alpha`, `beta`, `stable`) and `deprecated`. Ordered from least to most stable.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default)]
pub(crate) enum Lifecycle {
    /// `draft` or `alpha`: oasdiff leaves these out of breaking-change detection.
    Experimental,
    /// `beta`, or deprecated: a break is a warning.
    Unstable,
    #[default]
    Stable,
}

impl Lifecycle {
    fn of(old: &Operation, new: &Operation) -> Lifecycle {
        let level = new.stability.as_deref().or(old.stability.as_deref()).map(str::to_ascii_lowercase);
        match level.as_deref() {
            Some("draft" | "alpha") => Lifecycle::Experimental,
            _ if old.deprecated || new.deprecated => Lifecycle::Unstable,
            Some("beta") => Lifecycle::Unstable,
            _ => Lifecycle::Stable,
        }
    }
}

/// Every change between two versions of a spec, in a deterministic order: by path, then
/// method, breaking changes first, then in the order the operation is read (operation,
/// security, parameters, request body, responses).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DiffReport {
    /// Where the old version came from (as given).
    pub old: String,
    /// Where the new version came from (as given).
    pub new: String,
    /// The changes, in the order above.
    pub changes: Vec<Change>,
}

impl DiffReport {
    /// Number of changes at level `breaking` that no allowance accepts: what fails the gate.
    pub fn breaking(&self) -> usize {
        self.changes.iter().filter(|c| c.level == Level::Breaking && !c.allowed).count()
    }

    /// Number of every other change (warnings, information and allowed breaks).
    pub fn non_breaking(&self) -> usize {
        self.changes.len() - self.breaking()
    }

    /// Number of changes at level `warning`.
    pub fn warnings(&self) -> usize {
        self.changes.iter().filter(|c| c.level == Level::Warning).count()
    }

    /// Number of breaking changes the allow-list accepts.
    pub fn allowed(&self) -> usize {
        self.changes.iter().filter(|c| c.allowed).count()
    }
}

/// When `conform diff` exits 1.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum FailOn {
    /// Any breaking change (the default).
    #[default]
    Breaking,
    /// Any change at all.
    Any,
}

/// A `--fail-on` or `--format` value that is not one of the known names.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown {what} `{value}`; expected {expected}")]
pub struct ParseError {
    what: &'static str,
    value: String,
    expected: &'static str,
}

impl FromStr for FailOn {
    type Err = ParseError;

    /// Parses `breaking` or `any`.
    fn from_str(s: &str) -> Result<FailOn, ParseError> {
        match s {
            "breaking" => Ok(FailOn::Breaking),
            "any" => Ok(FailOn::Any),
            _ => Err(ParseError { what: "--fail-on value", value: s.to_owned(), expected: "breaking or any" }),
        }
    }
}

/// The process exit code for a report: [`crate::exit::FINDINGS`] when something breaks (or,
/// with [`FailOn::Any`], when anything changed), [`crate::exit::OK`] otherwise.
pub fn exit_code(report: &DiffReport, fail_on: FailOn) -> i32 {
    let fail = match fail_on {
        FailOn::Breaking => report.breaking() > 0,
        FailOn::Any => !report.changes.is_empty(),
    };
    if fail { crate::exit::FINDINGS } else { crate::exit::OK }
}

/// Compares two versions of a spec. Never fails and never panics: what cannot be compared is
/// not reported.
pub fn diff(old: &Spec, new: &Spec) -> DiffReport {
    let mut changes = Vec::new();
    let mut memo = schema::Memo::default();

    let mut unmatched: HashMap<(crate::spec::Method, String), VecDeque<usize>> = HashMap::new();
    for (i, op) in new.operations.iter().enumerate() {
        unmatched.entry(match_key(op)).or_default().push_back(i);
    }
    let mut new_matched = vec![false; new.operations.len()];
    for old_op in &old.operations {
        match unmatched.get_mut(&match_key(old_op)).and_then(VecDeque::pop_front) {
            Some(i) => {
                new_matched[i] = true;
                let lifecycle = Lifecycle::of(old_op, &new.operations[i]);
                let mut cx = OpCx::new(&new.operations[i], lifecycle, &mut changes);
                cx.operation(old, new, old_op, &new.operations[i], &mut memo);
            }
            None => {
                let mut cx = OpCx::new(old_op, Lifecycle::of(old_op, old_op), &mut changes);
                let others = new.operations.iter().any(|o| match_key(o).1 == match_key(old_op).1);
                let message = if others {
                    format!("{} removed from {}", old_op.method, old_op.path)
                } else {
                    "operation removed".to_owned()
                };
                cx.push("operation_removed", Class::BREAKS_CLIENTS, "operation", message);
            }
        }
    }
    for (op, _) in new.operations.iter().zip(&new_matched).filter(|(_, matched)| !**matched) {
        OpCx::new(op, Lifecycle::Stable, &mut changes).push(
            "operation_added",
            Class::SERVERS,
            "operation",
            "operation added".to_owned(),
        );
    }
    let mut changes = report_once(changes);
    // Stable: within one operation and severity, the order in which it was read; changes to
    // shared components after every operation's own.
    changes.sort_by(|a, b| {
        (a.component.as_deref(), a.path.as_str(), method_rank(&a.method), a.severity).cmp(&(
            b.component.as_deref(),
            b.path.as_str(),
            method_rank(&b.method),
            b.severity,
        ))
    });
    DiffReport { old: old.source.clone(), new: new.source.clone(), changes }
}

/// Each change once. A difference inside a component schema reached from more than one place
/// (several operations, or several bodies of one) becomes one change at the component, listing
/// every operation it affects; the same change met twice at one place is kept once.
fn report_once(changes: Vec<Change>) -> Vec<Change> {
    /// Kind, component, path inside it, message: one change at a component.
    type Key = (&'static str, String, String, String);
    let key = |c: &Change| -> Option<Key> {
        c.anchor.as_ref().map(|(name, local)| (c.kind, name.clone(), local.clone(), c.message.clone()))
    };
    // Where (operation + location) each anchored change was met.
    let mut places: HashMap<Key, Vec<(String, String)>> = HashMap::new();
    for c in &changes {
        if let Some(k) = key(c) {
            let place = (c.operation.clone(), c.location.clone());
            let seen = places.entry(k).or_default();
            if !seen.contains(&place) {
                seen.push(place);
            }
        }
    }
    let mut out: Vec<Change> = Vec::with_capacity(changes.len());
    let mut merged: HashMap<Key, usize> = HashMap::new();
    let mut seen: std::collections::HashSet<(String, &'static str, String, String)> = Default::default();
    for mut c in changes {
        let shared = key(&c).filter(|k| places.get(k).is_some_and(|p| p.len() > 1));
        match shared {
            Some(k) => match merged.get(&k) {
                Some(&i) => {
                    let first = &mut out[i];
                    if !first.operations.contains(&c.operation) {
                        first.operations.push(c.operation);
                    }
                    first.lifecycle = first.lifecycle.max(c.lifecycle);
                }
                None => {
                    let (name, local) = c.anchor.take().unwrap_or_default();
                    c.location =
                        if local.is_empty() { format!("schema {name}") } else { format!("schema {name} {local}") };
                    c.component = Some(name);
                    c.operations = vec![c.operation.clone()];
                    merged.insert(k, out.len());
                    out.push(c);
                }
            },
            None => {
                if seen.insert((c.operation.clone(), c.kind, c.location.clone(), c.message.clone())) {
                    c.anchor = None;
                    out.push(c);
                }
            }
        }
    }
    out
}

/// Whether answers of this status to this operation have no body: HEAD answers, 1xx, 204 No
/// Content, 205 Reset Content and 304 Not Modified (RFC 9110). Whatever content such a response
/// documents, a client never reads it, so it cannot break.
fn bodiless(op: &Operation, status: StatusSpec) -> bool {
    op.method == crate::spec::Method::Head
        || matches!(status, StatusSpec::Code(100..=199 | 204 | 205 | 304) | StatusSpec::Range(1))
}

fn method_rank(method: &str) -> usize {
    crate::spec::Method::ALL.iter().position(|m| m.as_str() == method).unwrap_or(usize::MAX)
}

/// Method and path template with variable names blanked: `/groups/{}/maintenanceWindow`.
fn match_key(op: &Operation) -> (crate::spec::Method, String) {
    let mut path = String::with_capacity(op.path.len());
    for segment in &op.template.segments {
        path.push('/');
        for part in segment {
            match part {
                crate::spec::TemplatePart::Literal(text) => path.push_str(text),
                crate::spec::TemplatePart::Param(_) => path.push_str("{}"),
            }
        }
    }
    (op.method, path)
}

fn style_name(style: ParamStyle) -> &'static str {
    match style {
        ParamStyle::Simple => "simple",
        ParamStyle::Label => "label",
        ParamStyle::Matrix => "matrix",
        ParamStyle::Form => "form",
        ParamStyle::SpaceDelimited => "spaceDelimited",
        ParamStyle::PipeDelimited => "pipeDelimited",
        ParamStyle::DeepObject => "deepObject",
    }
}

fn param_label(p: &ParameterSpec) -> String {
    format!("{} parameter {}", p.location, p.name)
}

/// A media type name for pairing: lower case, without spaces or a `charset` parameter. Other
/// parameters (`version=2`) stay: they name another representation.
fn normalized_media(name: &str) -> String {
    let mut parts = name.split(';').map(|p| p.chars().filter(|c| !c.is_whitespace()).collect::<String>());
    let mut out = parts.next().unwrap_or_default().to_ascii_lowercase();
    for param in parts.filter(|p| !p.is_empty()) {
        let (key, value) = param.split_once('=').unwrap_or((&param, ""));
        if !key.eq_ignore_ascii_case("charset") {
            out.push(';');
            out.push_str(&key.to_ascii_lowercase());
            out.push('=');
            out.push_str(value);
        }
    }
    out
}

/// Pairs media types: `(old index, new index)` pairs, then the unpaired ones on each side.
fn pair_media(old: &[MediaTypeSpec], new: &[MediaTypeSpec]) -> (Vec<(usize, usize)>, Vec<usize>, Vec<usize>) {
    let mut pairs = Vec::new();
    let mut old_free = vec![true; old.len()];
    let mut new_free = vec![true; new.len()];
    for (j, n) in new.iter().enumerate() {
        let name = normalized_media(&n.name);
        if let Some(i) = (0..old.len()).find(|i| old_free[*i] && normalized_media(&old[*i].name) == name) {
            old_free[i] = false;
            new_free[j] = false;
            pairs.push((i, j));
        }
    }
    let old_left = (0..old.len()).filter(|i| old_free[*i]).collect();
    let new_left = (0..new.len()).filter(|j| new_free[*j]).collect();
    (pairs, old_left, new_left)
}

/// A scheme with its OAuth scopes sorted: their order means nothing.
fn normalized_scheme(scheme: &SecuritySchemeSpec) -> SecuritySchemeSpec {
    let mut scheme = scheme.clone();
    if let SecuritySchemeSpec::OAuth2 { client_credentials: Some(flow), other_flows } = &mut scheme {
        flow.scopes.sort();
        other_flows.sort();
    }
    scheme
}

fn describe_alternative(alt: &SecurityAlternative) -> String {
    if alt.schemes.is_empty() {
        return "anonymous".to_owned();
    }
    alt.schemes
        .iter()
        .map(|(name, scopes)| if scopes.is_empty() { name.clone() } else { format!("{name} [{}]", scopes.join(", ")) })
        .collect::<Vec<_>>()
        .join(" + ")
}

/// Whether credentials for `have` satisfy the requirement `need` (every scheme, every scope).
fn satisfies(have: &SecurityAlternative, need: &SecurityAlternative) -> bool {
    need.schemes.iter().all(|(name, scopes)| {
        have.schemes.iter().any(|(n, s)| n == name && scopes.iter().all(|scope| s.contains(scope)))
    })
}

/// Collects the changes of one operation.
struct OpCx<'c> {
    changes: &'c mut Vec<Change>,
    operation: String,
    method: String,
    path: String,
    lifecycle: Lifecycle,
}

impl<'c> OpCx<'c> {
    fn new(op: &Operation, lifecycle: Lifecycle, changes: &'c mut Vec<Change>) -> OpCx<'c> {
        OpCx {
            changes,
            operation: op.id.clone(),
            method: op.method.as_str().to_owned(),
            path: op.path.clone(),
            lifecycle,
        }
    }

    fn push(&mut self, kind: &'static str, class: Class, location: impl Into<String>, message: String) {
        self.push_anchored(kind, class, location.into(), message, None);
    }

    fn push_anchored(
        &mut self,
        kind: &'static str,
        class: Class,
        location: String,
        message: String,
        anchor: Option<(String, String)>,
    ) {
        self.changes.push(Change {
            kind,
            severity: class.severity,
            breaks: class.breaks,
            operation: self.operation.clone(),
            method: self.method.clone(),
            path: self.path.clone(),
            location,
            message,
            level: Level::default_for(class.severity),
            allowed: false,
            allowance: None,
            component: None,
            operations: Vec::new(),
            anchor,
            lifecycle: self.lifecycle,
        });
    }

    fn schema(
        &mut self,
        memo: &mut schema::Memo,
        side: Side,
        base: &str,
        old: Option<&crate::spec::Schema>,
        new: Option<&crate::spec::Schema>,
    ) {
        for delta in schema::compare_roots(memo, side, old, new) {
            let location = if delta.path.is_empty() { base.to_owned() } else { format!("{base} {}", delta.path) };
            self.push_anchored(delta.kind, delta.class, location, delta.message, delta.component);
        }
    }

    fn operation(
        &mut self,
        old_spec: &Spec,
        new_spec: &Spec,
        old: &Operation,
        new: &Operation,
        memo: &mut schema::Memo,
    ) {
        if old.operation_id != new.operation_id {
            let show = |id: &Option<String>| id.clone().unwrap_or_else(|| "(none)".to_owned());
            let message =
                format!("operationId changed from {} to {}", show(&old.operation_id), show(&new.operation_id));
            self.push("operation_id_changed", Class::NONE, "operation", message);
        }
        if !old.deprecated && new.deprecated {
            self.push("operation_deprecated", Class::NONE, "operation", "operation deprecated".to_owned());
        }
        self.security(old_spec, new_spec, old, new);
        self.parameters(old, new, memo);
        self.request_body(old, new, memo);
        self.responses(old, new, memo);
    }

    fn security(&mut self, old_spec: &Spec, new_spec: &Spec, old: &Operation, new: &Operation) {
        let anonymous = || vec![SecurityAlternative { schemes: Vec::new() }];
        let olds = if old.security.is_empty() { anonymous() } else { old.security.clone() };
        let news = if new.security.is_empty() { anonymous() } else { new.security.clone() };
        for a in &olds {
            if news.iter().any(|b| satisfies(a, b)) {
                continue;
            }
            let stricter = news.iter().find(|b| satisfies(b, a));
            let (kind, message) = match stricter {
                _ if a.schemes.is_empty() => (
                    "security_requirement_added",
                    format!(
                        "authentication is now required: {}",
                        news.iter().map(describe_alternative).collect::<Vec<_>>().join(" or ")
                    ),
                ),
                Some(b) => (
                    "security_requirement_added",
                    format!("{} now requires {}", describe_alternative(a), describe_alternative(b)),
                ),
                None => ("security_alternative_removed", format!("{} no longer accepted", describe_alternative(a))),
            };
            self.push(kind, Class::BREAKS_CLIENTS, "security", message);
        }
        for b in &news {
            // Already reported above as a stricter form of an old alternative, or not new at all.
            if olds.iter().any(|a| satisfies(b, a)) {
                continue;
            }
            if b.schemes.is_empty() {
                self.push("security_removed", Class::SERVERS, "security", "anonymous access is now allowed".to_owned());
            } else {
                let message = format!("{} now accepted", describe_alternative(b));
                self.push("security_alternative_added", Class::SERVERS, "security", message);
            }
        }
        let mut used: Vec<&str> = Vec::new();
        for (name, _) in old.security.iter().chain(&new.security).flat_map(|a| &a.schemes) {
            if !used.contains(&name.as_str()) {
                used.push(name);
            }
        }
        for name in used {
            if let (Some(o), Some(n)) = (old_spec.security_schemes.get(name), new_spec.security_schemes.get(name))
                && normalized_scheme(o) != normalized_scheme(n)
            {
                let message = format!("security scheme {name} is defined differently");
                self.push("security_scheme_changed", Class::BREAKS_BOTH, format!("security scheme {name}"), message);
            }
        }
    }

    fn parameters(&mut self, old: &Operation, new: &Operation, memo: &mut schema::Memo) {
        let mut pairs: Vec<(&ParameterSpec, &ParameterSpec)> = Vec::new();
        // Path variables pair up by position in the template, whatever their names.
        for (o_name, n_name) in old.template.params().zip(new.template.params()) {
            let o = old.params_in(ParamLocation::Path).find(|p| p.name == o_name);
            let n = new.params_in(ParamLocation::Path).find(|p| p.name == n_name);
            if let (Some(o), Some(n)) = (o, n) {
                if o.name != n.name {
                    let message = format!("path parameter renamed from {} to {}", o.name, n.name);
                    self.push("path_parameter_renamed", Class::NONE, param_label(n), message);
                }
                pairs.push((o, n));
            }
        }
        let same = |a: &ParameterSpec, b: &ParameterSpec| {
            a.location == b.location
                && if a.location == ParamLocation::Header {
                    a.name.eq_ignore_ascii_case(&b.name)
                } else {
                    a.name == b.name
                }
        };
        let olds: Vec<&ParameterSpec> = old.parameters.iter().filter(|p| p.location != ParamLocation::Path).collect();
        let news: Vec<&ParameterSpec> = new.parameters.iter().filter(|p| p.location != ParamLocation::Path).collect();
        let mut old_free = vec![true; olds.len()];
        let mut new_free = vec![true; news.len()];
        for (j, n) in news.iter().enumerate() {
            if let Some(i) = (0..olds.len()).find(|i| old_free[*i] && same(olds[*i], n)) {
                old_free[i] = false;
                new_free[j] = false;
                pairs.push((olds[i], n));
            }
        }
        // The same name elsewhere: a parameter that moved.
        for (j, n) in news.iter().enumerate() {
            if !new_free[j] {
                continue;
            }
            if let Some(i) = (0..olds.len()).find(|i| old_free[*i] && olds[*i].name.eq_ignore_ascii_case(&n.name)) {
                old_free[i] = false;
                new_free[j] = false;
                let message = format!("{} moved from {} to {}", n.name, olds[i].location, n.location);
                self.push("parameter_location_changed", Class::BREAKS_BOTH, param_label(n), message);
                pairs.push((olds[i], n));
            }
        }
        for (o, n) in pairs {
            self.parameter(o, n, memo);
        }
        for (o, _) in olds.iter().zip(&old_free).filter(|(_, free)| **free) {
            self.push("parameter_removed", Class::BREAKS_CLIENTS, param_label(o), "parameter removed".to_owned());
        }
        for (n, _) in news.iter().zip(&new_free).filter(|(_, free)| **free) {
            if n.required {
                self.push(
                    "required_parameter_added",
                    Class::BREAKS_CLIENTS,
                    param_label(n),
                    "required parameter added".to_owned(),
                );
            } else {
                self.push("parameter_added", Class::SERVERS, param_label(n), "optional parameter added".to_owned());
            }
        }
    }

    fn parameter(&mut self, o: &ParameterSpec, n: &ParameterSpec, memo: &mut schema::Memo) {
        let label = param_label(n);
        match (o.required, n.required) {
            (false, true) => {
                self.push("parameter_became_required", Class::BREAKS_CLIENTS, &*label, "became required".to_owned())
            }
            (true, false) => {
                self.push("parameter_became_optional", Class::SERVERS, &*label, "is no longer required".to_owned())
            }
            _ => {}
        }
        if o.location == n.location {
            if o.style != n.style {
                let message = format!("style changed from {} to {}", style_name(o.style), style_name(n.style));
                self.push("parameter_style_changed", Class::BREAKS_BOTH, &*label, message);
            }
            if o.explode != n.explode {
                let message = format!("explode changed from {} to {}", o.explode, n.explode);
                self.push("parameter_explode_changed", Class::BREAKS_BOTH, &*label, message);
            }
        }
        if o.content_type != n.content_type {
            let show = |c: &Option<String>| c.clone().unwrap_or_else(|| "a plain value".to_owned());
            let message = format!("serialised as {} instead of {}", show(&n.content_type), show(&o.content_type));
            self.push("parameter_content_type_changed", Class::BREAKS_BOTH, &*label, message);
        }
        if !o.deprecated && n.deprecated {
            self.push("parameter_deprecated", Class::NONE, &*label, "parameter deprecated".to_owned());
        }
        self.schema(memo, Side::Request, &label, o.schema.as_ref(), n.schema.as_ref());
    }

    fn request_body(&mut self, old: &Operation, new: &Operation, memo: &mut schema::Memo) {
        let (o, n) = match (&old.request_body, &new.request_body) {
            (None, None) => return,
            (None, Some(n)) => {
                if n.required {
                    let message = "a required request body appears".to_owned();
                    self.push("required_request_body_added", Class::BREAKS_CLIENTS, "request body", message);
                } else {
                    let message = "an optional request body appears".to_owned();
                    self.push("request_body_added", Class::SERVERS, "request body", message);
                }
                return;
            }
            (Some(_), None) => {
                let message = "the request body is no longer documented".to_owned();
                self.push("request_body_removed", Class::BREAKS_CLIENTS, "request body", message);
                return;
            }
            (Some(o), Some(n)) => (o, n),
        };
        match (o.required, n.required) {
            (false, true) => self.push(
                "request_body_became_required",
                Class::BREAKS_CLIENTS,
                "request body",
                "the request body became required".to_owned(),
            ),
            (true, false) => self.push(
                "request_body_became_optional",
                Class::SERVERS,
                "request body",
                "the request body is no longer required".to_owned(),
            ),
            _ => {}
        }
        let (pairs, old_left, new_left) = pair_media(&o.content, &n.content);
        // One media type on both sides: the location need not name it.
        let single = o.content.len() == 1 && n.content.len() == 1 && pairs.len() == 1;
        for i in old_left {
            let name = &o.content[i].name;
            let message = format!("media type {name} no longer accepted");
            self.push("request_media_type_removed", Class::BREAKS_CLIENTS, format!("request body {name}"), message);
        }
        for j in new_left {
            let name = &n.content[j].name;
            let message = format!("media type {name} now accepted");
            self.push("request_media_type_added", Class::SERVERS, format!("request body {name}"), message);
        }
        for (i, j) in pairs {
            let base = if single { "request body".to_owned() } else { format!("request body {}", n.content[j].name) };
            self.schema(memo, Side::Request, &base, o.content[i].schema.as_ref(), n.content[j].schema.as_ref());
        }
    }

    fn responses(&mut self, old: &Operation, new: &Operation, memo: &mut schema::Memo) {
        let old_success: Vec<StatusSpec> = old.responses.iter().map(|r| r.status).filter(|s| s.is_success()).collect();
        for o in &old.responses {
            if new.responses.iter().any(|n| n.status == o.status) {
                continue;
            }
            let location = format!("response {}", o.status);
            let (kind, class, message) = match o.status {
                s if s.is_success() => {
                    ("success_status_removed", Class::BREAKS_CLIENTS, format!("success status {s} removed"))
                }
                StatusSpec::Default => {
                    ("default_response_removed", Class::SERVERS, "default response removed".to_owned())
                }
                s => ("response_status_removed", Class::SERVERS, format!("status {s} removed")),
            };
            self.push(kind, class, location, message);
        }
        for n in &new.responses {
            let Some(o) = old.responses.iter().find(|o| o.status == n.status) else {
                self.response_added(n, &old_success);
                continue;
            };
            self.response(o, n, bodiless(new, n.status), memo);
        }
    }

    fn response_added(&mut self, n: &ResponseSpec, old_success: &[StatusSpec]) {
        let location = format!("response {}", n.status);
        let body = match n.content.as_slice() {
            [] => String::new(),
            content => {
                format!(" with {}", content.iter().map(|m| m.name.as_str()).collect::<Vec<_>>().join(", "))
            }
        };
        let (kind, class, message) = match n.status {
            s if s.is_success() => {
                // Covered already by a documented 2XX, or nothing was documented to rely on.
                let covered = old_success.iter().any(|o| matches!((o, s), (StatusSpec::Range(2), StatusSpec::Code(_))));
                let class = if covered || old_success.is_empty() { Class::NONE } else { Class::BREAKS_CLIENTS };
                ("success_status_added", class, format!("success status {s} added{body}"))
            }
            StatusSpec::Default => ("default_response_added", Class::NONE, format!("default response added{body}")),
            s => ("response_status_added", Class::NONE, format!("status {s} documented{body}")),
        };
        self.push(kind, class, location, message);
    }

    /// `bodiless`: the answer has no body (see [`bodiless`]), so its documented content, if
    /// any, is not compared.
    fn response(&mut self, o: &ResponseSpec, n: &ResponseSpec, bodiless: bool, memo: &mut schema::Memo) {
        let status = n.status;
        let none: &[MediaTypeSpec] = &[];
        let (old_content, new_content) = if bodiless { (none, none) } else { (&*o.content, &*n.content) };
        let (pairs, old_left, new_left) = pair_media(old_content, new_content);
        for i in old_left {
            let name = &old_content[i].name;
            let message = format!("media type {name} no longer answered");
            self.push(
                "response_media_type_removed",
                Class::BREAKS_CLIENTS,
                format!("response {status} {name}"),
                message,
            );
        }
        for j in new_left {
            let name = &new_content[j].name;
            let message = format!("media type {name} may now be answered");
            self.push("response_media_type_added", Class::NONE, format!("response {status} {name}"), message);
        }
        for (i, j) in pairs {
            let base = format!("response {status} {}", new_content[j].name);
            self.schema(memo, Side::Response, &base, old_content[i].schema.as_ref(), new_content[j].schema.as_ref());
        }
        for oh in &o.headers {
            let location = format!("response {status} header {}", oh.name);
            match n.headers.iter().find(|nh| nh.name.eq_ignore_ascii_case(&oh.name)) {
                None => {
                    self.push("response_header_removed", Class::BREAKS_CLIENTS, location, "header removed".to_owned())
                }
                Some(nh) => {
                    match (oh.required, nh.required) {
                        (true, false) => self.push(
                            "response_header_became_optional",
                            Class::BREAKS_CLIENTS,
                            &*location,
                            "header is no longer always sent".to_owned(),
                        ),
                        (false, true) => self.push(
                            "response_header_became_required",
                            Class::SERVERS,
                            &*location,
                            "header became required".to_owned(),
                        ),
                        _ => {}
                    }
                    self.schema(memo, Side::Response, &location, oh.schema.as_ref(), nh.schema.as_ref());
                }
            }
        }
        for nh in &n.headers {
            if o.headers.iter().any(|oh| oh.name.eq_ignore_ascii_case(&nh.name)) {
                continue;
            }
            let location = format!("response {status} header {}", nh.name);
            let (class, what) = if nh.required { (Class::SERVERS, "required") } else { (Class::NONE, "optional") };
            self.push("response_header_added", class, location, format!("{what} header added"));
        }
    }
}

#[cfg(test)]
mod tests;
