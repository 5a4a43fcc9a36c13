//! Request validation against the contract: every parameter (path, query, header, cookie) parsed
//! back into JSON with [`params::parse`] and checked with its compiled schema, and the body
//! checked against its media type's schema. Each violation becomes a [`FieldError`] naming the
//! parameter or the body path, without echoing the rejected value.
//!
//! Pure functions over HTTP types, shared by the two places that judge a request they did not
//! make: the mock (which answers 400 with the fields) and `conform proxy` (which reports a
//! client-side finding).

use crate::spec::params;
use crate::spec::{Operation, ParamLocation, ParameterSpec, Schema};
use hyper::http::HeaderMap;
use jsonschema::error::ValidationErrorKind;
use jsonschema::paths::LocationSegment;
use serde_json::{Map, Value};
use std::borrow::Cow;

/// One bad request element: a body path (`protectedHours.startHourOfDay`) or a parameter name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct FieldError {
    pub field: String,
    pub description: String,
}

/// At most this many violations are reported per request.
const MAX_FIELDS: usize = 20;

/// Everything a request carries outside its body, already split.
pub(crate) struct Inputs<'a> {
    /// Path variables, percent-decoded (`None`: not valid UTF-8 once decoded).
    pub vars: &'a [(String, Option<String>)],
    /// Query pairs, decoded.
    pub query: &'a [(String, String)],
    pub headers: &'a HeaderMap,
}

/// Whether [`params::parse`] would return a parameter's first raw value as a plain JSON string
/// (a `string` schema in a style that adds no punctuation): then the mock skips the parse.
pub(crate) fn is_plain_string(p: &ParameterSpec) -> bool {
    let Some(schema) = &p.schema else { return false };
    let node = schema.resolve(schema.value());
    let string = match node.get("type") {
        Some(Value::String(t)) => t == "string",
        Some(Value::Array(ts)) => ts.iter().filter_map(Value::as_str).find(|t| *t != "null") == Some("string"),
        _ => false,
    };
    let plain_style = match p.location {
        ParamLocation::Path => p.style == crate::spec::ParamStyle::Simple,
        ParamLocation::Query => p.style == crate::spec::ParamStyle::Form,
        ParamLocation::Header | ParamLocation::Cookie => true,
    };
    string && plain_style && p.content_type.is_none()
}

/// What a request needs to know about one parameter, worked out at start so that checking a
/// request resolves no schema.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct ParamPlan {
    /// Whether the parameter [`is_plain_string`].
    pub plain: bool,
    /// For an exploded query object: its property names, any of which spreads it over the
    /// query (`a=1&b=2`).
    pub spread: Vec<String>,
    /// What [`params::parse`] makes of the parameter's schema.
    pub wants: params::Wants,
}

impl ParamPlan {
    pub(crate) fn new(p: &ParameterSpec) -> ParamPlan {
        let spread = match object_properties(p) {
            Some(props) if p.explode && p.location == ParamLocation::Query => props.keys().cloned().collect(),
            _ => Vec::new(),
        };
        ParamPlan { plain: is_plain_string(p), spread, wants: params::wants(p) }
    }
}

/// Checks every documented parameter; `skip` says which parameters a fault leaves unchecked.
/// `plans` are the parameters' [`ParamPlan`]s, in order.
pub(crate) fn parameters(
    op: &Operation,
    plans: &[ParamPlan],
    inputs: &Inputs<'_>,
    skip: &dyn Fn(&ParameterSpec) -> bool,
) -> Vec<FieldError> {
    let mut out = Vec::new();
    for (i, p) in op.parameters.iter().enumerate() {
        if skip(p) || out.len() >= MAX_FIELDS {
            continue;
        }
        let plan = plans.get(i);
        let value = match raw_values(p, plan, inputs) {
            Raw::Missing if p.required => {
                out.push(FieldError {
                    field: p.name.clone(),
                    description: format!("The required {} parameter is missing.", p.location),
                });
                continue;
            }
            Raw::Missing => continue,
            Raw::NotText => {
                out.push(FieldError {
                    field: p.name.clone(),
                    description: "The value is not valid UTF-8 text.".to_owned(),
                });
                continue;
            }
            Raw::One(value) if plan.is_some_and(|plan| plan.plain) => Value::String(value.into_owned()),
            Raw::Values(values) if plan.is_some_and(|plan| plan.plain) && !values.is_empty() => {
                Value::String(values[0].to_owned())
            }
            Raw::One(value) => parse(p, plan, &[value.as_ref()], inputs),
            Raw::Values(values) => parse(p, plan, &values, inputs),
        };
        if let Some(schema) = &p.schema
            && !schema.is_valid(&value)
        {
            let why = schema.violations(&value, 1).into_iter().next().map(|v| v.message).unwrap_or_default();
            out.push(FieldError { field: p.name.clone(), description: sentence(&why) });
        }
    }
    out
}

/// [`params::parse`], with the plan's [`params::Wants`] when there is a plan.
fn parse(p: &ParameterSpec, plan: Option<&ParamPlan>, raw: &[&str], inputs: &Inputs<'_>) -> Value {
    match plan {
        Some(plan) => params::parse_with(p, plan.wants, raw, inputs.query),
        None => params::parse(p, raw, inputs.query),
    }
}

/// What a request carries for one parameter, borrowed from the request where it can be.
enum Raw<'a> {
    Missing,
    NotText,
    /// The one value (path, header, cookie).
    One(Cow<'a, str>),
    /// Every value of a repeated query key (empty: the name is spread over the query).
    Values(Vec<&'a str>),
}

fn raw_values<'a>(p: &ParameterSpec, plan: Option<&ParamPlan>, inputs: &Inputs<'a>) -> Raw<'a> {
    match p.location {
        ParamLocation::Path => match inputs.vars.iter().find(|(k, _)| *k == p.name) {
            Some((_, Some(v))) => Raw::One(Cow::Borrowed(v.as_str())),
            Some((_, None)) => Raw::NotText,
            None => Raw::Missing,
        },
        ParamLocation::Query => {
            let values: Vec<&str> =
                inputs.query.iter().filter(|(k, _)| *k == p.name).map(|(_, v)| v.as_str()).collect();
            if !values.is_empty() {
                return Raw::Values(values);
            }
            // deepObject (`p[a]=1`) and exploded form objects (`a=1&b=2`) spread the name.
            let props = plan.map_or(&[][..], |plan| plan.spread.as_slice());
            let spread = inputs.query.iter().any(|(k, _)| {
                k.strip_prefix(p.name.as_str()).is_some_and(|rest| rest.starts_with('['))
                    || props.iter().any(|prop| prop == k)
            });
            if spread { Raw::Values(Vec::new()) } else { Raw::Missing }
        }
        ParamLocation::Header => {
            let mut values = Vec::new();
            for v in inputs.headers.get_all(p.name.as_str()) {
                match v.to_str() {
                    Ok(t) => values.push(t.trim().to_owned()),
                    Err(_) => return Raw::NotText,
                }
            }
            if values.is_empty() { Raw::Missing } else { Raw::One(Cow::Owned(values.join(","))) }
        }
        ParamLocation::Cookie => {
            let mut found = None;
            for header in inputs.headers.get_all(hyper::http::header::COOKIE) {
                let Ok(text) = header.to_str() else { return Raw::NotText };
                for pair in text.split(';') {
                    if let Some((k, v)) = pair.trim().split_once('=')
                        && k.trim() == p.name
                    {
                        found = Some(v.trim().to_owned());
                    }
                }
            }
            found.map_or(Raw::Missing, |v| Raw::One(Cow::Owned(v)))
        }
    }
}

fn object_properties(p: &ParameterSpec) -> Option<&Map<String, Value>> {
    let schema = p.schema.as_ref()?;
    let node = schema.resolve(schema.value());
    (node.get("type").and_then(Value::as_str) == Some("object")).then(|| node.get("properties")?.as_object())?
}

/// A validator message as a sentence: capitalised, with a full stop.
fn sentence(message: &str) -> String {
    let mut chars = message.chars();
    let mut out: String = match chars.next() {
        // The usual case, without collecting char by char.
        Some(c) if c.is_ascii() => {
            let mut out = String::with_capacity(message.len() + 1);
            out.push(c.to_ascii_uppercase());
            out.push_str(chars.as_str());
            out
        }
        Some(c) => c.to_uppercase().chain(chars).collect(),
        None => "The value is not valid".to_owned(),
    };
    if !out.ends_with('.') {
        out.push('.');
    }
    out
}

/// The violations of a request body.
#[derive(Debug, Default)]
pub(crate) struct BodyErrors {
    pub fields: Vec<FieldError>,
    /// Names of attributes the schema does not know (Atlas answers those `INVALID_ATTRIBUTE`).
    pub unknown: Vec<String>,
}

/// Checks a body; `skip(field)` says which fields a fault leaves unchecked (matched on the
/// field's last path segment).
pub(crate) fn body(schema: &Schema, instance: &Value, skip: &dyn Fn(&str) -> bool) -> BodyErrors {
    let mut out = BodyErrors::default();
    let Some(validator) = &schema.validator else { return out };
    if validator.is_valid(instance) {
        return out;
    }
    for error in validator.iter_errors(instance) {
        if out.fields.len() >= MAX_FIELDS {
            break;
        }
        let base: Vec<String> = error
            .instance_path()
            .iter()
            .map(|s| match s {
                LocationSegment::Property(p) => p.to_string(),
                LocationSegment::Index(i) => format!("[{i}]"),
            })
            .collect();
        let mut push = |extra: Option<&str>, description: String, unknown: bool| {
            let mut segments = base.clone();
            segments.extend(extra.map(str::to_owned));
            let last = segments.last().cloned().unwrap_or_default();
            if skip(&last) {
                return;
            }
            let field = dotted(&segments);
            if unknown {
                out.unknown.push(field.clone());
            }
            out.fields.push(FieldError { field, description });
        };
        match error.kind() {
            ValidationErrorKind::Required { property } => {
                let name = property.as_str().map(str::to_owned).unwrap_or_else(|| property.to_string());
                push(Some(&name), "The attribute is required.".to_owned(), false);
            }
            ValidationErrorKind::AdditionalProperties { unexpected }
            | ValidationErrorKind::UnevaluatedProperties { unexpected } => {
                for name in unexpected {
                    push(Some(name), "The attribute is not known.".to_owned(), true);
                }
            }
            _ => push(None, sentence(&error.masked().to_string()), false),
        }
    }
    out
}

/// `["protectedHours", "startHourOfDay"]` -> `protectedHours.startHourOfDay`; indexes stick
/// to their array (`alertTypeNames[0]`); the root is `body`.
fn dotted(segments: &[String]) -> String {
    let mut out = String::new();
    for s in segments {
        if !s.starts_with('[') && !out.is_empty() {
            out.push('.');
        }
        out.push_str(s);
    }
    if out.is_empty() { "body".to_owned() } else { out }
}

/// An `application/x-www-form-urlencoded` body as a JSON object, each value typed by the
/// schema's property (repeated keys make arrays where the schema wants one).
pub(crate) fn form(bytes: &[u8], schema: Option<&Schema>) -> Value {
    fields(url::form_urlencoded::parse(bytes).map(|(k, v)| (k.into_owned(), v.into_owned())), schema)
}

/// Named text fields (of a form or a multipart body) as a JSON object, typed as [`form`] does.
pub(crate) fn fields(pairs: impl Iterator<Item = (String, String)>, schema: Option<&Schema>) -> Value {
    let props = schema.and_then(|s| s.resolve(s.value()).get("properties").and_then(Value::as_object).map(|p| (s, p)));
    let mut out = Map::new();
    for (key, value) in pairs {
        let (kind, items) = match props.and_then(|(s, p)| p.get(key.as_str()).map(|sub| (s, s.resolve(sub)))) {
            Some((s, sub)) => {
                let kind = type_name(sub);
                let items = sub.get("items").map(|i| type_name(s.resolve(i))).unwrap_or("string");
                (kind, items)
            }
            None => ("string", "string"),
        };
        if kind == "array" {
            let entry = out.entry(key).or_insert_with(|| Value::Array(Vec::new()));
            if let Value::Array(items_out) = entry {
                items_out.push(typed(&value, items));
            }
        } else {
            out.entry(key).or_insert_with(|| typed(&value, kind));
        }
    }
    Value::Object(out)
}

fn type_name(node: &Value) -> &'static str {
    let t = match node.get("type") {
        Some(Value::String(t)) => t.as_str(),
        Some(Value::Array(ts)) => ts.iter().filter_map(Value::as_str).find(|t| *t != "null").unwrap_or("string"),
        _ => "string",
    };
    match t {
        "integer" => "integer",
        "number" => "number",
        "boolean" => "boolean",
        "array" => "array",
        "object" => "object",
        _ => "string",
    }
}

/// Wire text as JSON of the wanted type; text that does not fit stays a string, so that the
/// schema reports it.
fn typed(text: &str, kind: &str) -> Value {
    let fallback = || Value::String(text.to_owned());
    match kind {
        "integer" => text
            .parse::<i64>()
            .map(Value::from)
            .or_else(|_| text.parse::<u64>().map(Value::from))
            .unwrap_or_else(|_| fallback()),
        "number" => text
            .parse::<i64>()
            .map(Value::from)
            .ok()
            .or_else(|| text.parse::<f64>().ok().and_then(serde_json::Number::from_f64).map(Value::Number))
            .unwrap_or_else(fallback),
        "boolean" => match text {
            "true" => Value::Bool(true),
            "false" => Value::Bool(false),
            _ => fallback(),
        },
        "object" => serde_json::from_str::<Value>(text).ok().filter(Value::is_object).unwrap_or_else(fallback),
        _ => fallback(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::{Direction, standalone_schema};
    use serde_json::json;

    fn window() -> Schema {
        standalone_schema(
            &json!({"type": "object", "required": ["dayOfWeek"], "additionalProperties": false, "properties": {
                "dayOfWeek": {"type": "integer", "minimum": 1, "maximum": 7},
                "protectedHours": {"type": "object", "additionalProperties": false, "properties": {
                    "startHourOfDay": {"type": "integer", "minimum": 0, "maximum": 23}}},
                "tags": {"type": "array", "items": {"type": "string"}}}}),
            Direction::Request,
        )
        .unwrap()
    }

    #[test]
    fn sentences_are_capitalised_and_end_with_a_full_stop() {
        assert_eq!(sentence("value is too big"), "Value is too big.");
        assert_eq!(sentence("Already one."), "Already one.");
        assert_eq!(sentence("\"x\" is not valid"), "\"x\" is not valid.");
        assert_eq!(sentence("ßig"), "SSig.", "non-ASCII first letters upper-case as Unicode says");
        assert_eq!(sentence("émoi"), "Émoi.");
        assert_eq!(sentence(""), "The value is not valid.");
    }

    #[test]
    fn body_violations_name_their_fields() {
        let s = window();
        let e =
            body(&s, &json!({"dayOfWeek": 8, "protectedHours": {"startHourOfDay": 24, "x": 1}, "tags": [1]}), &|_| {
                false
            });
        let fields: Vec<&str> = e.fields.iter().map(|f| f.field.as_str()).collect();
        for want in ["dayOfWeek", "protectedHours.startHourOfDay", "protectedHours.x", "tags[0]"] {
            assert!(fields.contains(&want), "{want} not in {fields:?}");
        }
        assert_eq!(e.unknown, ["protectedHours.x"]);
        let missing = body(&s, &json!({}), &|_| false);
        assert_eq!(missing.fields[0].field, "dayOfWeek");
        assert_eq!(body(&s, &json!([]), &|_| false).fields[0].field, "body");
        assert!(body(&s, &json!({"dayOfWeek": 8}), &|f| f == "dayOfWeek").fields.is_empty());
    }

    #[test]
    fn plain_strings_parse_to_themselves() {
        let spec =
            crate::spec::Spec::load(&format!("{}/specs/atlas-maintenance-window.yaml", env!("CARGO_MANIFEST_DIR")))
                .unwrap();
        let op = spec.operation("getGroupMaintenanceWindow").unwrap();
        for p in &op.parameters {
            let plain = is_plain_string(p);
            assert_eq!(plain, p.name == "groupId", "{}", p.name);
            if plain {
                assert_eq!(params::parse(p, &["a b", "c"], &[]), json!("a b"));
            }
        }
    }

    #[test]
    fn forms_are_typed_by_the_schema() {
        let s = standalone_schema(
            &json!({"type": "object", "properties": {
                "N": {"type": "integer"}, "B": {"type": "boolean"}, "L": {"type": "array", "items": {"type": "integer"}}}}),
            Direction::Request,
        )
        .unwrap();
        assert_eq!(
            form(b"N=3&B=true&L=1&L=2&S=a+b%21&N=9", Some(&s)),
            json!({"N": 3, "B": true, "L": [1, 2], "S": "a b!"})
        );
        assert_eq!(form(b"N=x", Some(&s)), json!({"N": "x"}));
    }
}
