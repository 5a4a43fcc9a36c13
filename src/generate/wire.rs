//! Requests on the wire and back: percent-encoding path values, form bodies, and
//! [`violations`], which reads a generated [`Request`] back the way a server would (path
//! variables from the template, query pairs, headers, cookies, body by media type) and says
//! which parts break the operation's contract.
//!
//! Generation checks every mutant with it (the mutated part must fail, everything else must
//! pass), and tests check every generated request with it.

use crate::model::case::{Body, Location, Request};
use crate::spec::params::{parse, scalar_text};
use crate::spec::{Operation, ParamLocation, ParamStyle, ParameterSpec, Schema, media};
use indexmap::IndexMap;
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, percent_decode_str, utf8_percent_encode};
use serde_json::{Map, Value};
use std::borrow::Cow;

/// Path values keep unreserved characters and `,` (the array delimiter of `simple`).
const PATH_SIMPLE: &AsciiSet = &NON_ALPHANUMERIC.remove(b'-').remove(b'.').remove(b'_').remove(b'~').remove(b',');
/// `label` and `matrix` values also keep their structural `;` and `=`.
const PATH_STYLED: &AsciiSet = &PATH_SIMPLE.remove(b';').remove(b'=');

/// Percent-encodes a serialised path value for its style.
pub(crate) fn encode_path_value(style: ParamStyle, text: &str) -> String {
    let set = match style {
        ParamStyle::Label | ParamStyle::Matrix => PATH_STYLED,
        _ => PATH_SIMPLE,
    };
    utf8_percent_encode(text, set).to_string()
}

/// A JSON object as form pairs: arrays repeat their key, objects are sent as JSON text,
/// `null` members are left out (a form cannot say null).
pub(crate) fn form_pairs(value: &Value) -> Vec<(String, String)> {
    let mut out = Vec::new();
    if let Value::Object(map) = value {
        for (k, v) in map {
            match v {
                Value::Array(items) => out.extend(items.iter().map(|i| (k.clone(), scalar_text(i)))),
                Value::Null => {}
                other => out.push((k.clone(), scalar_text(other))),
            }
        }
    }
    out
}

/// How one member of a multipart body goes out: as a file part (with a file name) or a field,
/// and with which part `Content-Type` (`None`: plain text, which needs no header).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct PartRule {
    pub name: String,
    pub file: bool,
    pub content_type: Option<String>,
}

/// Whether a schema node describes file content: `format: binary` (3.0, and Swagger 2.0's
/// `type: file` once converted) or `contentMediaType`/`contentEncoding` (3.1).
fn is_file(schema: &Schema, node: &Value) -> bool {
    let node = schema.resolve(node);
    node.get("format").and_then(Value::as_str) == Some("binary")
        || node.get("contentMediaType").is_some()
        || node.get("contentEncoding").is_some()
}

/// A concrete media type for a part from what `encoding.contentType` allows: the first of a
/// list, with wildcards made concrete (`image/*` -> `image/octet-stream`).
fn concrete_type(allowed: &str) -> String {
    let first = allowed.split(',').next().unwrap_or("").trim();
    match first.split_once('/') {
        Some(("*", _)) | None => "application/octet-stream".to_owned(),
        Some((t, "*")) => format!("{t}/octet-stream"),
        Some(_) => first.to_owned(),
    }
}

/// The part rules of a multipart media type, one per top-level property: `encoding.contentType`
/// when given, else the schema's `contentMediaType`, else `application/octet-stream` for files
/// and `application/json` for objects (the OpenAPI defaults), else plain text.
pub(crate) fn part_rules(media: &crate::spec::MediaTypeSpec) -> Vec<PartRule> {
    let Some(schema) = &media.schema else { return Vec::new() };
    let mut names: Vec<String> = Vec::new();
    collect_property_names(schema, schema.value(), &mut names, 0);
    names
        .into_iter()
        .map(|name| {
            let node = property_schema(schema, schema.value(), &name);
            // Arrays of files: each item is a file part.
            let item = node.and_then(|n| schema.resolve(n).get("items"));
            let file = node.is_some_and(|n| is_file(schema, n)) || item.is_some_and(|i| is_file(schema, i));
            let declared = media.part_types.iter().find(|(n, _)| *n == name).map(|(_, t)| concrete_type(t));
            let from_schema = [node, item]
                .into_iter()
                .flatten()
                .find_map(|n| schema.resolve(n).get("contentMediaType").and_then(Value::as_str).map(str::to_owned));
            let want = node.and_then(|n| wanted_type(schema, n));
            let item_want = item.and_then(|i| wanted_type(schema, i));
            let content_type = declared.or(from_schema).or_else(|| {
                if file {
                    Some("application/octet-stream".to_owned())
                } else if want == Some("object") || item_want == Some("object") {
                    Some("application/json".to_owned())
                } else {
                    None
                }
            });
            PartRule { name, file, content_type }
        })
        .collect()
}

fn collect_property_names(schema: &Schema, node: &Value, out: &mut Vec<String>, depth: usize) {
    if depth > 16 {
        return;
    }
    let node = schema.resolve(node);
    if let Some(Value::Object(props)) = node.get("properties") {
        for name in props.keys() {
            if !out.contains(name) {
                out.push(name.clone());
            }
        }
    }
    for key in ["allOf", "anyOf", "oneOf"] {
        if let Some(Value::Array(items)) = node.get(key) {
            for item in items {
                collect_property_names(schema, item, out, depth + 1);
            }
        }
    }
}

/// A JSON object as multipart parts: like [`form_pairs`] (arrays repeat their name, `null`
/// members are left out), objects as JSON text, files with a file name and a content type.
pub(crate) fn multipart_parts(rules: &[PartRule], value: &Value) -> Vec<crate::multipart::Part> {
    let mut out = Vec::new();
    let Value::Object(map) = value else { return out };
    for (k, v) in map {
        let rule = rules.iter().find(|r| r.name == *k);
        let items: Vec<&Value> = match v {
            Value::Array(items) => items.iter().collect(),
            Value::Null => continue,
            other => vec![other],
        };
        for item in items {
            let data = match item {
                Value::Object(_) | Value::Array(_) => item.to_string(),
                other => scalar_text(other),
            };
            let content_type = rule.and_then(|r| r.content_type.clone());
            let filename = rule.filter(|r| r.file).map(|_| {
                let ext = content_type
                    .as_deref()
                    .and_then(|t| t.split(';').next()?.split_once('/').map(|(_, s)| s.trim().to_owned()))
                    .filter(|s| !s.is_empty() && s.len() <= 12 && s.bytes().all(|b| b.is_ascii_alphanumeric()))
                    .unwrap_or_else(|| "bin".to_owned());
                format!("{k}.{ext}")
            });
            out.push(crate::multipart::Part { name: k.clone(), filename, content_type, data });
        }
    }
    out
}

/// The JSON type a schema node wants, following `$ref`s, `allOf` and nullable `anyOf`.
fn wanted_type<'a>(schema: &'a Schema, node: &'a Value) -> Option<&'a str> {
    let node = schema.resolve(node);
    match node.get("type") {
        Some(Value::String(t)) => return Some(t.as_str()),
        Some(Value::Array(ts)) => return ts.iter().filter_map(Value::as_str).find(|t| *t != "null"),
        _ => {}
    }
    for key in ["allOf", "anyOf", "oneOf"] {
        if let Some(Value::Array(items)) = node.get(key) {
            for item in items {
                if let Some(t) = wanted_type(schema, item).filter(|t| *t != "null") {
                    return Some(t);
                }
            }
        }
    }
    None
}

fn property_schema<'a>(schema: &'a Schema, node: &'a Value, name: &str) -> Option<&'a Value> {
    let node = schema.resolve(node);
    if let Some(p) = node.get("properties").and_then(|p| p.get(name)) {
        return Some(p);
    }
    for key in ["allOf", "anyOf", "oneOf"] {
        if let Some(Value::Array(items)) = node.get(key) {
            for item in items {
                if let Some(p) = property_schema(schema, item, name) {
                    return Some(p);
                }
            }
        }
    }
    None
}

fn typed_text(text: &str, want: Option<&str>) -> Value {
    match want {
        Some("integer") => text
            .parse::<i64>()
            .map(Value::from)
            .or_else(|_| text.parse::<u64>().map(Value::from))
            .unwrap_or_else(|_| Value::String(text.to_owned())),
        Some("number") => text
            .parse::<i64>()
            .map(Value::from)
            .ok()
            .or_else(|| text.parse::<f64>().ok().and_then(serde_json::Number::from_f64).map(Value::Number))
            .unwrap_or_else(|| Value::String(text.to_owned())),
        Some("boolean") => match text {
            "true" => Value::Bool(true),
            "false" => Value::Bool(false),
            _ => Value::String(text.to_owned()),
        },
        Some("object") | Some("array") => serde_json::from_str(text).unwrap_or_else(|_| Value::String(text.to_owned())),
        _ => Value::String(text.to_owned()),
    }
}

/// Reads form pairs back into a JSON object typed by the body schema: repeated keys and
/// array-typed properties become arrays, numbers and booleans are parsed where the schema wants
/// them; text that does not fit stays a string, so validation reports it.
pub fn form_to_json(schema: Option<&Schema>, pairs: &[(String, String)]) -> Value {
    let mut grouped: IndexMap<&str, Vec<&str>> = IndexMap::new();
    for (k, v) in pairs {
        grouped.entry(k.as_str()).or_default().push(v.as_str());
    }
    let mut map = Map::new();
    for (k, values) in grouped {
        let prop = schema.and_then(|s| property_schema(s, s.value(), k).map(|p| (s, p)));
        let want = prop.and_then(|(s, p)| wanted_type(s, p));
        let value = if want == Some("array") {
            let item_want = prop.and_then(|(s, p)| s.resolve(p).get("items").and_then(|i| wanted_type(s, i)));
            Value::Array(values.iter().map(|v| typed_text(v, item_want)).collect())
        } else if values.len() > 1 {
            Value::Array(values.iter().map(|v| typed_text(v, want)).collect())
        } else {
            typed_text(values[0], want)
        };
        map.insert(k.to_owned(), value);
    }
    Value::Object(map)
}

/// The raw (unencoded) values a request carries for a parameter, or `None` when absent.
fn raw_values<'r>(
    param: &ParameterSpec,
    req: &'r Request,
    path_values: &'r Option<Vec<(String, String)>>,
) -> Option<Vec<String>> {
    match param.location {
        ParamLocation::Path => path_values
            .as_ref()?
            .iter()
            .find(|(n, _)| *n == param.name)
            .map(|(_, v)| vec![percent_decode_str(v).decode_utf8_lossy().into_owned()]),
        ParamLocation::Query => {
            let direct: Vec<String> =
                req.query.iter().filter(|(k, _)| *k == param.name).map(|(_, v)| v.clone()).collect();
            if !direct.is_empty() {
                return Some(direct);
            }
            // Objects spread over several keys: deepObject (`p[a]`) or exploded form (`a=…`).
            let schema = param.schema.as_ref()?;
            if wanted_type(schema, schema.value()) != Some("object") || param.content_type.is_some() {
                return None;
            }
            let prefix = format!("{}[", param.name);
            let spread = match param.style {
                ParamStyle::DeepObject => req.query.iter().any(|(k, _)| k.starts_with(&prefix)),
                ParamStyle::Form if param.explode => {
                    req.query.iter().any(|(k, _)| property_schema(schema, schema.value(), k).is_some())
                }
                _ => false,
            };
            spread.then(Vec::new)
        }
        ParamLocation::Header => {
            req.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(&param.name)).map(|(_, v)| vec![v.clone()])
        }
        ParamLocation::Cookie => req.cookies.iter().find(|(k, _)| *k == param.name).map(|(_, v)| vec![v.clone()]),
    }
}

/// One part of a request that breaks the contract, and why.
#[derive(Debug, Clone, PartialEq)]
pub struct Failure {
    /// Where the broken value is.
    pub location: Location,
    /// The failing keywords (`maximum`, `pattern`, `required`…; `method`, `content_type`,
    /// `malformed_json`, `missing_body` for whole-request problems).
    pub keywords: Vec<String>,
    /// Pointers into the failing value where each keyword failed (empty: the value itself).
    pub pointers: Vec<String>,
}

impl Failure {
    fn simple(location: Location, keyword: &str) -> Failure {
        Failure { location, keywords: vec![keyword.to_owned()], pointers: vec![String::new()] }
    }

    fn from_schema(location: Location, schema: &Schema, value: &Value) -> Failure {
        let mut keywords = Vec::new();
        let mut pointers = Vec::new();
        // Straight from the compiled validator: keyword and instance paths only, no messages.
        if let Some(validator) = &schema.validator {
            for e in validator.iter_errors(value).take(16) {
                let keyword_path = e.schema_path().as_str();
                keywords.push(keyword_path.rsplit('/').next().unwrap_or_default().to_owned());
                pointers.push(e.instance_path().as_str().to_owned());
            }
        }
        Failure { location, keywords, pointers }
    }
}

/// Which parts of `req` break `op`'s contract, in the order path, query, header, cookie,
/// method, content type, body. Empty when the request satisfies it. A request whose method is
/// not the operation's reports [`Location::Method`] and is not checked for a body.
pub fn violations(op: &Operation, req: &Request) -> Vec<Location> {
    failures(op, req, false).into_iter().map(|f| f.location).collect()
}

/// Like [`violations`], with the failing keywords and pointers when `detail` is set.
pub fn failures(op: &Operation, req: &Request, detail: bool) -> Vec<Failure> {
    check_where(op, req, if detail { Detail::All } else { Detail::No }, None)
}

/// Which failures [`check_where`] reads the keywords and pointers of.
#[derive(Clone, Copy)]
enum Detail<'a> {
    No,
    All,
    /// Only failures at this place (the others just say where).
    At(&'a Location),
}

impl Detail<'_> {
    fn wants(self, failed: &Location) -> bool {
        match self {
            Detail::No => false,
            Detail::All => true,
            Detail::At(l) => same_place(failed, l),
        }
    }
}

/// Whether `param` is the parameter `location` names.
fn is_place_of(param: &ParameterSpec, location: &Location) -> bool {
    match (param.location, location) {
        (ParamLocation::Path, Location::Path(n))
        | (ParamLocation::Query, Location::Query(n))
        | (ParamLocation::Header, Location::Header(n))
        | (ParamLocation::Cookie, Location::Cookie(n)) => *n == param.name,
        _ => false,
    }
}

/// Checks only the part of `req` at `only` (all parts when `None`): a parameter, the body
/// (with its Content-Type), or the method.
fn check_where(op: &Operation, req: &Request, detail: Detail<'_>, only: Option<&Location>) -> Vec<Failure> {
    let mut out = Vec::new();
    let wanted = |l: &Location| {
        only.is_none_or(|o| {
            same_place(l, o)
                || (matches!(o, Location::Body(_)) && *l == Location::ContentType)
                || (*o == Location::ContentType && matches!(l, Location::Body(_)))
        })
    };
    let params_wanted = only.is_none_or(|o| {
        matches!(o, Location::Path(_) | Location::Query(_) | Location::Header(_) | Location::Cookie(_))
    });
    // The path is matched against the template only when a path parameter is read.
    let mut path_values = None;
    let mut path_matched = false;
    for param in op.parameters.iter().filter(|_| params_wanted) {
        let location = || match param.location {
            ParamLocation::Path => Location::Path(param.name.clone()),
            ParamLocation::Query => Location::Query(param.name.clone()),
            ParamLocation::Header => Location::Header(param.name.clone()),
            ParamLocation::Cookie => Location::Cookie(param.name.clone()),
        };
        // A parameter's place is never the body's or the Content-Type's, so `wanted` comes down
        // to naming this parameter.
        if !only.is_none_or(|o| is_place_of(param, o)) {
            continue;
        }
        if param.location == ParamLocation::Path && !path_matched {
            path_values = op.template.matches(&req.path);
            path_matched = true;
        }
        match raw_values(param, req, &path_values) {
            None => {
                if param.required {
                    out.push(Failure::simple(location(), "required"));
                }
            }
            Some(raw) => {
                let Some(schema) = &param.schema else { continue };
                let refs: Vec<&str> = raw.iter().map(String::as_str).collect();
                let value = parse(param, &refs, &req.query);
                if !schema.is_valid(&value) {
                    let location = location();
                    out.push(if detail.wants(&location) {
                        Failure::from_schema(location, schema, &value)
                    } else {
                        Failure::simple(location, "")
                    });
                }
            }
        }
    }
    if req.method != op.method {
        if wanted(&Location::Method) {
            out.push(Failure::simple(Location::Method, "method"));
        }
        return out;
    }
    if !wanted(&Location::ContentType) {
        return out;
    }
    let Some(body_spec) = &op.request_body else { return out };
    let body_location = || Location::Body(String::new());
    // An empty body is no body, as a server reads it: its Content-Type and its schema say
    // nothing (an empty form is not `{}` missing a required field).
    let Some(body) = req.body.as_ref().filter(|b| !b.is_empty()) else {
        if body_spec.required {
            out.push(Failure::simple(body_location(), "missing_body"));
        }
        return out;
    };
    let content_type = req.content_type.as_deref().unwrap_or("");
    let Some(media) = body_spec.content.iter().find(|m| media::covers(&m.name, content_type)) else {
        out.push(Failure::simple(Location::ContentType, "content_type"));
        return out;
    };
    // A multipart body the Content-Type does not give the boundary of cannot be read.
    if let Body::Multipart { boundary, .. } = body
        && media::essence(&media.name) == "multipart/form-data"
        && crate::multipart::header_param(content_type, "boundary").as_deref() != Some(boundary.as_str())
    {
        out.push(Failure::simple(Location::ContentType, "content_type"));
        return out;
    }
    let Some(schema) = &media.schema else { return out };
    let value: Option<Cow<'_, Value>> = match (body, media.is_json(), media::essence(&media.name).as_str()) {
        (Body::Json(v), true, _) => Some(Cow::Borrowed(v)),
        (Body::Text(t), true, _) => serde_json::from_str(t).ok().map(Cow::Owned),
        (Body::Form(pairs), _, "application/x-www-form-urlencoded") => {
            Some(Cow::Owned(form_to_json(Some(schema), pairs)))
        }
        (Body::Multipart { parts, .. }, _, "multipart/form-data") => {
            let pairs: Vec<(String, String)> = parts.iter().map(|p| (p.name.clone(), p.data.clone())).collect();
            Some(Cow::Owned(form_to_json(Some(schema), &pairs)))
        }
        (Body::Text(t), false, _) if wanted_type(schema, schema.value()) == Some("string") => {
            Some(Cow::Owned(Value::String(t.clone())))
        }
        (_, false, _) => return out, // Media types conform cannot read are not checked.
        _ => None,
    };
    match value {
        Some(v) if schema.is_valid(&v) => {}
        Some(v) if detail.wants(&body_location()) => out.push(Failure::from_schema(body_location(), schema, &v)),
        Some(_) => out.push(Failure::simple(body_location(), "")),
        None => out.push(Failure::simple(body_location(), "malformed_json")),
    }
    out
}

/// Keywords that only report that something below them failed.
const COMBINATORS: [&str; 9] = ["anyOf", "oneOf", "allOf", "not", "if", "then", "else", "$ref", "false"];

/// Whether the failing keywords are the reason a mutation names. Combinators (`anyOf`…) only
/// say that something below them failed, so they never decide; when the validator names
/// concrete keywords, one of them must be the labelled constraint, and the others may only be
/// ones that necessarily come with it (a value of another type is not an enum value either).
pub fn reasons_match(constraint: &str, keywords: &[String]) -> bool {
    let names_it = |k: &str| match constraint {
        "nullable" => matches!(k, "type" | "enum" | "const"),
        c => k == c,
    };
    let companion = |k: &str| constraint == "type" && matches!(k, "enum" | "const");
    let specific: Vec<&str> = keywords.iter().map(String::as_str).filter(|k| !COMBINATORS.contains(k)).collect();
    specific.is_empty()
        || (specific.iter().any(|k| names_it(k)) && specific.iter().all(|k| names_it(k) || companion(k)))
}

/// Whether `pointer` is `prefix` or lies below it.
fn below(pointer: &str, prefix: &str) -> bool {
    pointer == prefix || (pointer.starts_with(prefix) && pointer.as_bytes().get(prefix.len()) == Some(&b'/'))
}

/// Whether `req` breaks exactly what `mutation` says: one failing part, at its place, for its
/// reason, and (in a body) at or above its pointer.
pub fn breaks_only(op: &Operation, req: &Request, location: &Location, constraint: &str) -> bool {
    breaks_only_where(op, req, location, constraint, None)
}

/// [`breaks_only`] for a request made from a valid one by changing only the part at
/// `location`: the other parts are known to pass, so only that part is read back.
pub(crate) fn breaks_only_part(op: &Operation, req: &Request, location: &Location, constraint: &str) -> bool {
    breaks_only_where(op, req, location, constraint, Some(location))
}

fn breaks_only_where(
    op: &Operation,
    req: &Request,
    location: &Location,
    constraint: &str,
    only: Option<&Location>,
) -> bool {
    // One pass: the keywords are read only for a failure at `location`, the only one that
    // can pass (any other failure, or a second one, rejects the request whatever it says).
    let failed = check_where(op, req, Detail::At(location), only);
    let [f] = failed.as_slice() else { return false };
    if !same_place(&f.location, location) {
        return false;
    }
    if !reasons_match(constraint, &f.keywords) {
        return false;
    }
    match location {
        Location::Body(target) => f.pointers.iter().all(|p| below(target, p)),
        _ => true,
    }
}

/// Whether a failure location is the place a mutation names (body pointers all count as the
/// body: a violation deep inside is reported at the body).
pub(crate) fn same_place(failed: &Location, labelled: &Location) -> bool {
    match (failed, labelled) {
        (Location::Body(_), Location::Body(_)) => true,
        (a, b) => a == b,
    }
}
