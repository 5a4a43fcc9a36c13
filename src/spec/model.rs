//! conform's own operation model: what every later module reads instead of openapiv3's types.
//!
//! Built once by the loader. OpenAPI-level `$ref`s (parameters, bodies, responses, headers) are
//! already resolved here; schemas are [`Schema`] handles that carry a compiled validator and the
//! converted JSON Schema. Nothing here is `ReferenceOr`.

use indexmap::IndexMap;
use serde::Serialize;
use serde_json::Value;
use std::fmt;
use std::sync::Arc;

/// HTTP methods OpenAPI 3.0 can describe.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "UPPERCASE")]
#[non_exhaustive]
pub enum Method {
    /// `GET`: read a resource.
    Get,
    /// `PUT`: replace a resource.
    Put,
    /// `POST`: create a resource or run an action.
    Post,
    /// `DELETE`: remove a resource.
    Delete,
    /// `OPTIONS`: ask which methods and options a resource supports.
    Options,
    /// `HEAD`: `GET` without the body.
    Head,
    /// `PATCH`: change part of a resource.
    Patch,
    /// `TRACE`: echo the request back (loop-back test).
    Trace,
}

impl Method {
    /// All methods in the order OpenAPI lists them in a path item.
    pub const ALL: [Method; 8] = [
        Method::Get,
        Method::Put,
        Method::Post,
        Method::Delete,
        Method::Options,
        Method::Head,
        Method::Patch,
        Method::Trace,
    ];

    /// Upper-case name as sent on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Put => "PUT",
            Method::Post => "POST",
            Method::Delete => "DELETE",
            Method::Options => "OPTIONS",
            Method::Head => "HEAD",
            Method::Patch => "PATCH",
            Method::Trace => "TRACE",
        }
    }

    /// Lower-case key used in a path item.
    pub fn key(self) -> &'static str {
        match self {
            Method::Get => "get",
            Method::Put => "put",
            Method::Post => "post",
            Method::Delete => "delete",
            Method::Options => "options",
            Method::Head => "head",
            Method::Patch => "patch",
            Method::Trace => "trace",
        }
    }

    /// Parses a method name as sent on the wire. HTTP methods are case-sensitive (RFC 9110), so
    /// `get` is not `GET`.
    pub fn parse(name: &str) -> Option<Method> {
        Method::ALL.into_iter().find(|m| m.as_str() == name)
    }

    /// Whether the method changes server state (PATCH, POST, PUT, DELETE).
    pub fn is_mutating(self) -> bool {
        matches!(self, Method::Patch | Method::Post | Method::Put | Method::Delete)
    }
}

impl fmt::Display for Method {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Whether a schema describes what a client sends or what a server answers; `readOnly` and
/// `writeOnly` mean different things in each.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Direction {
    /// The schema describes a request (parameters, request bodies): `readOnly` properties must not be sent.
    Request,
    /// The schema describes an answer (responses, response headers): `writeOnly` properties must not be returned.
    Response,
}

/// The converted JSON Schema documents (one per direction) that every [`Schema`] points into.
#[derive(Debug, Default)]
pub struct SchemaDocs {
    pub(crate) request: Value,
    pub(crate) response: Value,
}

impl SchemaDocs {
    /// The converted document for one direction.
    pub fn document(&self, direction: Direction) -> &Value {
        match direction {
            Direction::Request => &self.request,
            Direction::Response => &self.response,
        }
    }
}

/// A schema at a place in the spec, converted to JSON Schema and compiled once.
///
/// Cheap to clone and `Send + Sync`: share it across tasks.
#[derive(Clone)]
pub struct Schema {
    pub(crate) docs: Arc<SchemaDocs>,
    pub(crate) pointer: Arc<str>,
    pub(crate) direction: Direction,
    pub(crate) validator: Option<Arc<jsonschema::Validator>>,
}

impl fmt::Debug for Schema {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Schema")
            .field("pointer", &self.pointer)
            .field("direction", &self.direction)
            .field("checked", &self.validator.is_some())
            .finish()
    }
}

/// Follows `$ref` chains at most this deep before giving up (cycles of pure refs).
const MAX_REF_HOPS: usize = 32;

impl Schema {
    pub(crate) fn pending(pointer: String, direction: Direction) -> Schema {
        Schema { docs: Arc::default(), pointer: pointer.into(), direction, validator: None }
    }

    /// JSON pointer of this schema in the bundled document.
    pub fn pointer(&self) -> &str {
        &self.pointer
    }

    /// Request or response.
    pub fn direction(&self) -> Direction {
        self.direction
    }

    /// The converted schema node (it may be a `$ref`; see [`Schema::resolve`]).
    pub fn value(&self) -> &Value {
        super::pointer::get(self.document(), &self.pointer).unwrap_or(&Value::Bool(true))
    }

    /// The whole converted document this schema lives in, for resolving `$ref`s.
    pub fn document(&self) -> &Value {
        self.docs.document(self.direction)
    }

    /// Follows a local `$ref` (`#/…`) in the converted document.
    pub fn lookup(&self, reference: &str) -> Option<&Value> {
        super::pointer::local_fragment(reference).and_then(|f| super::pointer::get(self.document(), f))
    }

    /// Follows `value`'s `$ref` chain to a node that is not a pure reference. A broken or
    /// cyclic chain resolves to the `true` schema.
    pub fn resolve<'a>(&'a self, mut value: &'a Value) -> &'a Value {
        for _ in 0..MAX_REF_HOPS {
            match value.get("$ref").and_then(Value::as_str) {
                Some(reference) => match self.lookup(reference) {
                    Some(next) => value = next,
                    None => return &Value::Bool(true),
                },
                None => return value,
            }
        }
        &Value::Bool(true)
    }

    /// Whether conform could compile a validator for this schema. When it could not, a spec
    /// finding says why and every instance is accepted.
    pub fn is_checked(&self) -> bool {
        self.validator.is_some()
    }

    /// Validates an instance; an unchecked schema accepts everything.
    pub fn is_valid(&self, instance: &Value) -> bool {
        self.validator.as_ref().is_none_or(|v| v.is_valid(instance))
    }

    /// Every violation, as `(instance pointer, message)`, at most `limit` of them.
    pub fn violations(&self, instance: &Value, limit: usize) -> Vec<Violation> {
        let Some(validator) = &self.validator else { return Vec::new() };
        validator
            .iter_errors(instance)
            .take(limit)
            .map(|e| Violation {
                instance_path: e.instance_path().to_string(),
                keyword_path: e.schema_path().to_string(),
                message: e.masked().to_string(),
            })
            .collect()
    }
}

/// One reason an instance does not satisfy a schema.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Violation {
    /// Pointer into the instance (`/protectedHours/startHourOfDay`), empty for the root.
    pub instance_path: String,
    /// Pointer to the failing keyword in the schema.
    pub keyword_path: String,
    /// What is wrong, without echoing the instance value.
    pub message: String,
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.instance_path.is_empty() {
            write!(f, "{}", self.message)
        } else {
            write!(f, "{}: {}", self.instance_path, self.message)
        }
    }
}

/// Where a parameter goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ParamLocation {
    /// Substituted into the path template (`/groups/{groupId}`).
    Path,
    /// Appended to the URL's query string.
    Query,
    /// Sent as a request header.
    Header,
    /// Sent in the `Cookie` header.
    Cookie,
}

impl ParamLocation {
    /// The lower-case name OpenAPI uses in `in` (`path`, `query`, `header`, `cookie`).
    pub fn as_str(self) -> &'static str {
        match self {
            ParamLocation::Path => "path",
            ParamLocation::Query => "query",
            ParamLocation::Header => "header",
            ParamLocation::Cookie => "cookie",
        }
    }
}

impl fmt::Display for ParamLocation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// OpenAPI 3.0 parameter serialisation styles.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum ParamStyle {
    /// `simple`: comma-separated values (`1,2,3`); the default for path and header parameters.
    Simple,
    /// `label`: a leading dot (`.1.2.3`), for path parameters.
    Label,
    /// `matrix`: `;name=value` pairs, for path parameters.
    Matrix,
    /// `form`: `name=value` as in a form; the default for query and cookie parameters.
    Form,
    /// `spaceDelimited`: array items separated by spaces, in the query.
    SpaceDelimited,
    /// `pipeDelimited`: array items separated by `|`, in the query.
    PipeDelimited,
    /// `deepObject`: object properties as `name[key]=value`, in the query.
    DeepObject,
}

/// A parameter after merging path-level and operation-level lists.
#[derive(Debug, Clone)]
pub struct ParameterSpec {
    /// The parameter's name, as written (header names keep their case).
    pub name: String,
    /// Where it is sent (`in`).
    pub location: ParamLocation,
    /// Whether a request must carry it (always true for path parameters).
    pub required: bool,
    /// Marked `deprecated: true`.
    pub deprecated: bool,
    /// How the value is serialised (`style`, or the location's default).
    pub style: ParamStyle,
    /// Whether arrays and objects are exploded (`explode`, defaulting to true for `form` only).
    pub explode: bool,
    /// Query only: reserved characters (`:/?#[]@!$&'()*+,;=`) are sent unencoded.
    pub allow_reserved: bool,
    /// Query only: the parameter may be sent with an empty value.
    pub allow_empty_value: bool,
    /// The schema, from `schema` or from the single entry of `content`.
    pub schema: Option<Schema>,
    /// Set when the parameter uses `content` (its value is serialised as that media type).
    pub content_type: Option<String>,
    /// `example` and `examples` values, spec order.
    pub examples: Vec<Value>,
    /// The parameter's `description`, when given.
    pub description: Option<String>,
    /// Pointer of the parameter object (after `$ref` resolution).
    pub pointer: String,
}

/// One media type of a body.
#[derive(Debug, Clone)]
pub struct MediaTypeSpec {
    /// As written in the spec (`application/vnd.atlas.2023-01-01+json`).
    pub name: String,
    /// The body's schema for this media type, when one is given.
    pub schema: Option<Schema>,
    /// `example` and `examples` values, spec order.
    pub examples: Vec<Value>,
    /// `encoding.<property>.contentType` of form and multipart bodies: the media type each
    /// named part is sent as (`image/png, image/jpeg`), in spec order.
    pub part_types: Vec<(String, String)>,
    /// Pointer of the media type object.
    pub pointer: String,
}

impl MediaTypeSpec {
    /// Lower-case `type/subtype` without parameters.
    pub fn essence(&self) -> String {
        super::media::essence(&self.name)
    }

    /// Whether bodies of this type are JSON (`application/json`, `*/*+json`).
    pub fn is_json(&self) -> bool {
        super::media::is_json(&self.name)
    }
}

/// The places in answers of `schema` (a response schema) that it marks `writeOnly`: each a
/// list of member names, `*` standing for every item of an array. OpenAPI says such a property
/// (a password, a secret) SHOULD NOT be sent in a response, so a server's answers leave them
/// out (the mock's, and the reads a write is compared with). Follows `properties`, `items`
/// and the members of `allOf`, `anyOf` and `oneOf`, at most 6 levels down and 256 nodes, so
/// that a hostile spec cannot make it slow.
pub fn write_only_places(schema: &Schema) -> Vec<Vec<String>> {
    fn walk(schema: &Schema, node: &Value, at: &mut Vec<String>, out: &mut Vec<Vec<String>>, budget: &mut usize) {
        if *budget == 0 || at.len() > 6 {
            return;
        }
        *budget -= 1;
        let node = schema.resolve(node);
        if let Some(props) = node.get("properties").and_then(Value::as_object) {
            for (name, child) in props {
                at.push(name.clone());
                if schema.resolve(child).get("writeOnly").and_then(Value::as_bool) == Some(true) {
                    if !out.contains(at) {
                        out.push(at.clone());
                    }
                } else {
                    walk(schema, child, at, out, budget);
                }
                at.pop();
            }
        }
        if let Some(items) = node.get("items") {
            at.push("*".to_owned());
            walk(schema, items, at, out, budget);
            at.pop();
        }
        for key in ["allOf", "anyOf", "oneOf"] {
            for member in node.get(key).and_then(Value::as_array).into_iter().flatten() {
                walk(schema, member, at, out, budget);
            }
        }
    }
    let mut out = Vec::new();
    walk(schema, schema.value(), &mut Vec::new(), &mut out, &mut 256);
    out
}

/// `value` without what is at `places` ([`write_only_places`]); `None` when none of them is
/// there (the value is shown as it is, without a copy).
pub fn without_places(value: &Value, places: &[Vec<String>]) -> Option<Value> {
    fn present(value: &Value, place: &[String]) -> bool {
        match (place.split_first(), value) {
            (None, _) => true,
            (Some((first, rest)), Value::Array(items)) if first == "*" => items.iter().any(|i| present(i, rest)),
            (Some((first, rest)), Value::Object(map)) => map.get(first).is_some_and(|v| present(v, rest)),
            _ => false,
        }
    }
    fn remove(value: &mut Value, place: &[String]) {
        match (place.split_first(), value) {
            (Some((first, [])), Value::Object(map)) => {
                map.shift_remove(first);
            }
            (Some((first, rest)), Value::Array(items)) if first == "*" => {
                items.iter_mut().for_each(|i| remove(i, rest))
            }
            (Some((first, rest)), Value::Object(map)) => {
                if let Some(v) = map.get_mut(first) {
                    remove(v, rest);
                }
            }
            _ => {}
        }
    }
    if !places.iter().any(|p| present(value, p)) {
        return None;
    }
    let mut out = value.clone();
    for place in places {
        remove(&mut out, place);
    }
    Some(out)
}

/// A request body.
#[derive(Debug, Clone)]
pub struct RequestBodySpec {
    /// Whether a request must carry a body.
    pub required: bool,
    /// The media types a body may be sent as, in spec order.
    pub content: Vec<MediaTypeSpec>,
    /// Pointer of the request body object (after `$ref` resolution).
    pub pointer: String,
    /// [`RequestBodySpec::top_level_properties`], worked out on first use.
    pub(crate) properties: std::sync::OnceLock<Vec<String>>,
}

impl RequestBodySpec {
    /// The names of the body's top-level properties, in order: for each documented media type,
    /// its schema's `properties` and those of the members of a top-level `allOf`, `anyOf` or
    /// `oneOf`, concatenated (a name repeated in several places appears each time, so a
    /// position counts every place before it). At most 16 schema nodes are read, so that a
    /// hostile spec cannot make this slow. Worked out once and kept: coverage asks it for every
    /// request.
    pub fn top_level_properties(&self) -> &[String] {
        self.properties.get_or_init(|| {
            let mut names = Vec::new();
            let mut visited = 0;
            for media in &self.content {
                let Some(schema) = &media.schema else { continue };
                let root = schema.resolve(schema.value());
                let members = ["allOf", "anyOf", "oneOf"]
                    .iter()
                    .filter_map(|k| root.get(*k).and_then(Value::as_array))
                    .flatten()
                    .map(|m| schema.resolve(m));
                for node in std::iter::once(root).chain(members) {
                    if visited == 16 {
                        return names;
                    }
                    visited += 1;
                    if let Some(props) = node.get("properties").and_then(Value::as_object) {
                        names.extend(props.keys().cloned());
                    }
                }
            }
            names
        })
    }
}

/// A response key: an exact code, an `NXX` range or `default`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum StatusSpec {
    /// One exact status code (`200`).
    Code(u16),
    /// `1XX`..`5XX`; holds the leading digit.
    Range(u16),
    /// `default`: every status no other key covers.
    Default,
}

impl StatusSpec {
    /// Parses a responses key (`200`, `4XX`, `4xx`, `default`).
    pub fn parse(key: &str) -> Option<StatusSpec> {
        if key == "default" {
            return Some(StatusSpec::Default);
        }
        let bytes = key.as_bytes();
        if bytes.len() != 3 {
            return None;
        }
        if bytes[1].eq_ignore_ascii_case(&b'x') && bytes[2].eq_ignore_ascii_case(&b'x') {
            return match bytes[0] {
                b'1'..=b'5' => Some(StatusSpec::Range(u16::from(bytes[0] - b'0'))),
                _ => None,
            };
        }
        key.parse::<u16>().ok().filter(|c| (100..=599).contains(c)).map(StatusSpec::Code)
    }

    /// Whether an actual status is covered by this key.
    pub fn matches(self, status: u16) -> bool {
        match self {
            StatusSpec::Code(c) => c == status,
            StatusSpec::Range(d) => status / 100 == d,
            StatusSpec::Default => true,
        }
    }

    /// Whether the key only covers 2xx answers.
    pub fn is_success(self) -> bool {
        match self {
            StatusSpec::Code(c) => (200..300).contains(&c),
            StatusSpec::Range(d) => d == 2,
            StatusSpec::Default => false,
        }
    }
}

impl fmt::Display for StatusSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StatusSpec::Code(c) => write!(f, "{c}"),
            StatusSpec::Range(d) => write!(f, "{d}XX"),
            StatusSpec::Default => f.write_str("default"),
        }
    }
}

impl Serialize for StatusSpec {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// A documented response header.
#[derive(Debug, Clone)]
pub struct HeaderSpec {
    /// The header's name, as written.
    pub name: String,
    /// Whether every answer with this response must carry the header.
    pub required: bool,
    /// Marked `deprecated: true`.
    pub deprecated: bool,
    /// The header value's schema, when one is given.
    pub schema: Option<Schema>,
    /// Pointer of the header object (after `$ref` resolution).
    pub pointer: String,
}

/// An OpenAPI link from a response to another operation.
#[derive(Debug, Clone, Serialize)]
pub struct LinkSpec {
    /// Its key under the response's `links`.
    pub name: String,
    /// The target operation, by `operationId`.
    pub operation_id: Option<String>,
    /// The target operation, by reference (`#/paths/…/get`), when `operationId` is not used.
    pub operation_ref: Option<String>,
    /// Parameter name -> runtime expression or constant.
    pub parameters: IndexMap<String, Value>,
    /// Runtime expression or constant for the target's request body, when given.
    pub request_body: Option<Value>,
}

/// One documented response.
#[derive(Debug, Clone)]
pub struct ResponseSpec {
    /// The responses key it is documented under.
    pub status: StatusSpec,
    /// The response's `description` (required by OpenAPI, possibly empty).
    pub description: String,
    /// The media types the answer may have, in spec order; empty for a body-less answer.
    pub content: Vec<MediaTypeSpec>,
    /// The documented response headers.
    pub headers: Vec<HeaderSpec>,
    /// Links from this response to other operations.
    pub links: Vec<LinkSpec>,
    /// Pointer of the response object (after `$ref` resolution).
    pub pointer: String,
}

/// One way to satisfy an operation's security: all of its schemes together. An alternative
/// with no schemes means anonymous access is allowed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SecurityAlternative {
    /// Scheme name -> scopes.
    pub schemes: Vec<(String, Vec<String>)>,
}

/// A security scheme, reduced to what a client needs to authenticate.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
#[non_exhaustive]
pub enum SecuritySchemeSpec {
    /// HTTP Basic: user name and password in the `Authorization` header.
    Basic,
    /// HTTP Digest: a challenge and a hashed answer in the `Authorization` header.
    Digest,
    /// HTTP Bearer: a token in the `Authorization` header.
    Bearer {
        /// `bearerFormat`, a hint such as `JWT`.
        format: Option<String>,
    },
    /// Another `http` scheme conform cannot speak.
    Http {
        /// The scheme's name as written (`negotiate`, `hoba`, …).
        scheme: String,
    },
    /// An API key sent in a header, the query or a cookie.
    ApiKey {
        /// Where the key is sent.
        location: ParamLocation,
        /// The header, query parameter or cookie name that carries the key.
        name: String,
    },
    /// OAuth2: conform can fetch tokens through the client-credentials flow only.
    OAuth2 {
        /// The client-credentials flow, when the scheme offers it.
        client_credentials: Option<OAuthFlowSpec>,
        /// Names of the other flows offered (`authorizationCode`, `implicit`, `password`).
        other_flows: Vec<String>,
    },
    /// OpenID Connect discovery; conform cannot obtain tokens for it itself.
    OpenIdConnect {
        /// The `openIdConnectUrl` of the discovery document.
        url: String,
    },
}

/// An OAuth2 flow's endpoints.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OAuthFlowSpec {
    /// Where tokens are requested (`tokenUrl`).
    pub token_url: String,
    /// Where tokens are refreshed (`refreshUrl`), when given.
    pub refresh_url: Option<String>,
    /// The scopes the flow offers, in spec order.
    pub scopes: Vec<String>,
}

/// One part of a path template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TemplatePart {
    /// Literal text, matched as is.
    Literal(String),
    /// A template variable (`{groupId}`), by name.
    Param(String),
}

/// A parsed path template such as `/groups/{groupId}/maintenanceWindow`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PathTemplate {
    /// The template as written in the spec.
    pub raw: String,
    /// Parts per `/`-separated segment.
    pub segments: Vec<Vec<TemplatePart>>,
}

impl PathTemplate {
    /// Parses a template; unbalanced braces are kept as literal text.
    pub fn parse(raw: &str) -> PathTemplate {
        let segments = raw
            .trim_start_matches('/')
            .split('/')
            .map(|segment| {
                let mut parts = Vec::new();
                let mut rest = segment;
                while let Some(open) = rest.find('{') {
                    let Some(close) = rest[open..].find('}').map(|c| c + open) else { break };
                    if open > 0 {
                        parts.push(TemplatePart::Literal(rest[..open].to_owned()));
                    }
                    parts.push(TemplatePart::Param(rest[open + 1..close].to_owned()));
                    rest = &rest[close + 1..];
                }
                if !rest.is_empty() || parts.is_empty() {
                    parts.push(TemplatePart::Literal(rest.to_owned()));
                }
                parts
            })
            .collect();
        PathTemplate { raw: raw.to_owned(), segments }
    }

    /// Names of the template variables, in order.
    pub fn params(&self) -> impl Iterator<Item = &str> {
        self.segments.iter().flatten().filter_map(|p| match p {
            TemplatePart::Param(name) => Some(name.as_str()),
            TemplatePart::Literal(_) => None,
        })
    }

    /// Number of literal characters: more literal text means a more specific template.
    pub fn literal_len(&self) -> usize {
        self.segments
            .iter()
            .flatten()
            .map(|p| match p {
                TemplatePart::Literal(l) => l.len(),
                TemplatePart::Param(_) => 0,
            })
            .sum()
    }

    /// Matches a concrete (still percent-encoded) path; returns the raw variable values.
    pub fn matches(&self, path: &str) -> Option<Vec<(String, String)>> {
        let segments: Vec<&str> = PathTemplate::split(path).collect();
        let mut found = Vec::new();
        self.match_into(&segments, &mut found)
            .then(|| found.into_iter().map(|(name, value)| (name.to_owned(), value.to_owned())).collect())
    }

    /// [`PathTemplate::matches`] on a path already split with [`PathTemplate::split`], without
    /// allocating: on a match, `out` holds the variables' names and raw values (borrowed) and
    /// the result is `true`; otherwise `out` is cleared.
    pub fn match_into<'t, 'p>(&'t self, segments: &[&'p str], out: &mut Vec<(&'t str, &'p str)>) -> bool {
        out.clear();
        // Literal segments first, from the end: the templates of one API share their leading
        // segments (`/api/atlas/v2/groups/{groupId}/...`) and differ at the end, so most
        // templates that do not match are turned down on one comparison.
        let literals_agree = || {
            self.segments.iter().zip(segments).rev().all(|(parts, segment)| match parts.as_slice() {
                [TemplatePart::Literal(l)] => l == segment,
                _ => true,
            })
        };
        let matched = segments.len() == self.segments.len()
            && literals_agree()
            && self.segments.iter().zip(segments).all(|(parts, segment)| match_segment(parts, segment, out).is_some());
        if !matched {
            out.clear();
        }
        matched
    }

    /// A concrete path's segments, as templates are split (one leading `/` or more ignored).
    pub fn split(path: &str) -> impl Iterator<Item = &str> {
        path.trim_start_matches('/').split('/')
    }

    /// Fills in the variables with already-encoded values; a missing one stays `{name}`.
    pub fn render(&self, value_of: impl Fn(&str) -> Option<String>) -> String {
        let mut out = String::with_capacity(self.raw.len() + 32);
        for parts in &self.segments {
            out.push('/');
            for part in parts {
                match part {
                    TemplatePart::Literal(l) => out.push_str(l),
                    TemplatePart::Param(name) => match value_of(name) {
                        Some(v) => out.push_str(&v),
                        None => {
                            out.push('{');
                            out.push_str(name);
                            out.push('}');
                        }
                    },
                }
            }
        }
        out
    }
}

fn match_segment<'t, 'p>(
    parts: &'t [TemplatePart],
    mut segment: &'p str,
    values: &mut Vec<(&'t str, &'p str)>,
) -> Option<()> {
    let mut i = 0;
    while i < parts.len() {
        match &parts[i] {
            TemplatePart::Literal(l) => segment = segment.strip_prefix(l.as_str())?,
            TemplatePart::Param(name) => {
                // A variable runs to the next literal (or the end of the segment).
                let end = match parts.get(i + 1) {
                    Some(TemplatePart::Literal(next)) => segment.rfind(next.as_str())?,
                    _ => segment.len(),
                };
                if end == 0 {
                    return None;
                }
                values.push((name.as_str(), &segment[..end]));
                segment = &segment[end..];
            }
        }
        i += 1;
    }
    segment.is_empty().then_some(())
}

/// One operation, normalised.
#[derive(Debug, Clone)]
pub struct Operation {
    /// The operationId, or `METHOD path` when there is none. Unique within a spec.
    pub id: String,
    /// The `operationId`, when the spec gives one.
    pub operation_id: Option<String>,
    /// The HTTP method.
    pub method: Method,
    /// The path template as written (`/groups/{groupId}`), without the server's base path.
    pub path: String,
    /// The path template, parsed.
    pub template: PathTemplate,
    /// Pointer of the operation object.
    pub pointer: String,
    /// The operation's `summary`, when given.
    pub summary: Option<String>,
    /// The operation's `tags`, in spec order.
    pub tags: Vec<String>,
    /// Marked `deprecated: true`.
    pub deprecated: bool,
    /// `x-stability-level` (`draft`, `alpha`, `beta`, `stable`) as written, when given.
    pub stability: Option<String>,
    /// Parameters, path-level and operation-level merged (the operation's win).
    pub parameters: Vec<ParameterSpec>,
    /// The request body, when the operation takes one.
    pub request_body: Option<RequestBodySpec>,
    /// The documented responses, in spec order.
    pub responses: Vec<ResponseSpec>,
    /// Effective security (operation-level or global). Empty: no security.
    pub security: Vec<SecurityAlternative>,
    /// Pointers of spec findings whose constraints this operation cannot check.
    pub unchecked: Vec<String>,
}

impl Operation {
    /// The response documented for an actual status: exact code, then range, then `default`.
    pub fn response_for(&self, status: u16) -> Option<&ResponseSpec> {
        let find = |want: fn(StatusSpec, u16) -> bool| self.responses.iter().find(|r| want(r.status, status));
        find(|s, st| s == StatusSpec::Code(st))
            .or_else(|| find(|s, st| matches!(s, StatusSpec::Range(_)) && s.matches(st)))
            .or_else(|| find(|s, _| s == StatusSpec::Default))
    }

    /// Whether the operation needs credentials (some security and no anonymous alternative).
    pub fn requires_auth(&self) -> bool {
        !self.security.is_empty() && self.security.iter().all(|a| !a.schemes.is_empty())
    }

    /// Parameters at one location.
    pub fn params_in(&self, location: ParamLocation) -> impl Iterator<Item = &ParameterSpec> {
        self.parameters.iter().filter(move |p| p.location == location)
    }

    /// Every schema handle of the operation, mutably (used once, to bind compiled validators).
    pub(crate) fn schemas_mut(&mut self) -> Vec<&mut Schema> {
        let mut out: Vec<&mut Schema> = Vec::new();
        for p in &mut self.parameters {
            out.extend(p.schema.as_mut());
        }
        if let Some(body) = &mut self.request_body {
            out.extend(body.content.iter_mut().filter_map(|m| m.schema.as_mut()));
        }
        for r in &mut self.responses {
            out.extend(r.content.iter_mut().filter_map(|m| m.schema.as_mut()));
            out.extend(r.headers.iter_mut().filter_map(|h| h.schema.as_mut()));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_keys_parse_and_match() {
        assert_eq!(StatusSpec::parse("200"), Some(StatusSpec::Code(200)));
        assert_eq!(StatusSpec::parse("4XX"), Some(StatusSpec::Range(4)));
        assert_eq!(StatusSpec::parse("5xx"), Some(StatusSpec::Range(5)));
        assert_eq!(StatusSpec::parse("default"), Some(StatusSpec::Default));
        for bad in ["6XX", "20", "2000", "abc", "099", "XXX"] {
            assert_eq!(StatusSpec::parse(bad), None, "{bad}");
        }
        assert!(StatusSpec::Range(4).matches(404) && !StatusSpec::Range(4).matches(500));
        assert_eq!(StatusSpec::Range(2).to_string(), "2XX");
    }

    #[test]
    fn templates_match_and_render() {
        let t = PathTemplate::parse("/api/atlas/v2/groups/{groupId}/maintenanceWindow");
        assert_eq!(t.params().collect::<Vec<_>>(), ["groupId"]);
        assert_eq!(
            t.matches("/api/atlas/v2/groups/abc/maintenanceWindow"),
            Some(vec![("groupId".into(), "abc".into())])
        );
        assert_eq!(t.matches("/api/atlas/v2/groups//maintenanceWindow"), None);
        assert_eq!(t.matches("/api/atlas/v2/groups/abc/maintenanceWindow/defer"), None);
        assert_eq!(t.render(|_| Some("x%2Fy".into())), "/api/atlas/v2/groups/x%2Fy/maintenanceWindow");
        let f = PathTemplate::parse("/files/{name}.{ext}");
        assert_eq!(
            f.matches("/files/a.b.txt"),
            Some(vec![("name".into(), "a.b".into()), ("ext".into(), "txt".into())])
        );
        assert_eq!(PathTemplate::parse("/a/{b").matches("/a/{b"), Some(vec![]));
    }
}

/// A 3.1 webhook operation: a request the API sends to its subscribers. Listed, never fired.
#[derive(Debug, Clone)]
pub struct Webhook {
    /// Its key under `webhooks`.
    pub name: String,
    /// The HTTP method the API sends it with.
    pub method: Method,
    /// Its `operationId`, when given.
    pub operation_id: Option<String>,
    /// Its `summary`, when given.
    pub summary: Option<String>,
    /// Where it is described.
    pub pointer: String,
}
