//! Error answers in the shape the spec documents.
//!
//! The mock knows what went wrong (a status, an error code, a sentence, the bad fields); this
//! module dresses that in the body the spec documents for the status: Atlas's `ApiError`
//! (`error`, `errorCode`, `detail`, `reason`, `badRequestDetail.fields`), Cloud Manager's
//! variant without `badRequestDetail`, or any other shape, by property names and types. The
//! result is checked against the schema; when the shape cannot be met it falls back to a
//! generated valid value. Without any documented schema the answer is still JSON.

use crate::spec::Schema;
use axum::http::StatusCode;
use serde_json::{Map, Value};

pub(crate) use crate::check::request::FieldError;

/// An error the mock answers, before it is shaped.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Problem {
    pub status: u16,
    pub code: &'static str,
    pub detail: String,
    pub fields: Vec<FieldError>,
    /// Values that say more (an unknown attribute's name, a path not found); used where the
    /// documented `parameters` accept them.
    pub parameters: Vec<String>,
}

impl Problem {
    pub(super) fn new(status: u16, code: &'static str, detail: impl Into<String>) -> Problem {
        Problem { status, code, detail: detail.into(), fields: Vec::new(), parameters: Vec::new() }
    }

    pub(super) fn with_fields(mut self, fields: Vec<FieldError>) -> Problem {
        self.fields = fields;
        self
    }

    pub(super) fn with_parameters(mut self, parameters: Vec<String>) -> Problem {
        self.parameters = parameters;
        self
    }
}

/// The reason phrase of a status (`Bad Request`).
pub(crate) fn reason(status: u16) -> &'static str {
    StatusCode::from_u16(status).ok().and_then(|s| s.canonical_reason()).unwrap_or("Error")
}

/// What an error schema declares, worked out once per schema (the mock prepares one for every
/// documented error schema when it starts, so an error answer follows no `$ref` again and
/// matches no property name per request).
#[derive(Debug, Clone, Default)]
pub(crate) struct Shape {
    /// Whether the schema declares any property (`allOf` parts included).
    declared: bool,
    /// The declared properties the problem can fill, in declaration order, with what fills
    /// each (properties nobody can name are left out: they never take a value by name).
    props: Vec<(String, Role)>,
    /// The top-level `required` names.
    required: Vec<String>,
}

/// What fills a declared property, decided by its name and (resolved) type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    /// The status as a number.
    Status,
    /// The error code.
    Code,
    /// The status's reason phrase.
    Reason,
    /// The sentence.
    Detail,
    /// `{"fields": [...]}`.
    BadRequestDetail,
    /// The problem's parameters, as strings.
    Parameters,
}

impl Role {
    /// The role of a property named `name` of type `ty` (`""`: none declared); `None` when
    /// nothing the mock knows fits it.
    fn of(name: &str, ty: &str) -> Option<Role> {
        let lower = name.to_ascii_lowercase();
        let integer = ty == "integer" || ty == "number";
        let text = ty == "string" || ty.is_empty();
        match lower.as_str() {
            "error" | "status" | "code" | "statuscode" | "status_code" | "httpstatus" | "httpcode" if integer => {
                Some(Role::Status)
            }
            "errorcode" | "error_code" | "code" | "type" if text => Some(Role::Code),
            "reason" | "title" | "error" | "status" if text => Some(Role::Reason),
            "detail" | "details" | "message" | "description" | "error_description" | "msg" if text => {
                Some(Role::Detail)
            }
            "badrequestdetail" if ty == "object" || ty.is_empty() => Some(Role::BadRequestDetail),
            "parameters" if ty == "array" || ty.is_empty() => Some(Role::Parameters),
            _ => None,
        }
    }
}

impl Shape {
    pub(super) fn of(schema: &Schema) -> Shape {
        let node = schema.resolve(schema.value());
        let required = node
            .get("required")
            .and_then(Value::as_array)
            .map(|r| r.iter().filter_map(Value::as_str).map(str::to_owned).collect())
            .unwrap_or_default();
        let declared = declared_properties(schema, node);
        let props = declared.iter().filter_map(|(name, ty)| Role::of(name, ty).map(|r| (name.clone(), r))).collect();
        Shape { declared: !declared.is_empty(), props, required }
    }

    /// Whether [`by_names`] can answer differently with and without `extras` for `problem`.
    fn extras_matter(&self, problem: &Problem) -> bool {
        self.props.iter().any(|(_, role)| match role {
            Role::BadRequestDetail => problem.fields.is_empty(),
            Role::Parameters => !problem.parameters.is_empty(),
            _ => false,
        })
    }
}

/// The body for `problem`, fitted to `schema` (the documented error schema, if any).
/// `fallback` is a value generated for that schema, used when the shape cannot be met;
/// `shape` is [`Shape::of`] the schema when the caller has it ready.
pub(crate) fn body(
    problem: &Problem,
    schema: Option<&Schema>,
    shape: Option<&Shape>,
    fallback: Option<&Value>,
) -> Value {
    let Some(schema) = schema.filter(|s| s.is_checked()) else { return canonical(problem) };
    let computed;
    let shape = match shape {
        Some(shape) => shape,
        None => {
            computed = Shape::of(schema);
            &computed
        }
    };
    if !shape.declared {
        let canonical = canonical(problem);
        if schema.is_valid(&canonical) {
            return canonical;
        }
        return fallback.cloned().unwrap_or(canonical);
    }
    let full = by_names(problem, shape, fallback, true);
    if schema.is_valid(&full) {
        return full;
    }
    // Without extras the body would be the same one again, which the schema just rejected.
    if shape.extras_matter(problem) {
        let lean = by_names(problem, shape, fallback, false);
        if schema.is_valid(&lean) {
            return lean;
        }
    }
    fallback.cloned().unwrap_or(full)
}

/// `{error, errorCode, detail, reason}` (+ `badRequestDetail` when fields are named): the
/// shape for specs that document no error schema.
fn canonical(problem: &Problem) -> Value {
    let mut map = Map::with_capacity(5);
    map.insert("error".into(), Value::from(problem.status));
    map.insert("errorCode".into(), Value::String(problem.code.to_owned()));
    map.insert("detail".into(), Value::String(problem.detail.clone()));
    map.insert("reason".into(), Value::String(reason(problem.status).to_owned()));
    if !problem.fields.is_empty() {
        map.insert("badRequestDetail".into(), fields_object(problem));
    }
    Value::Object(map)
}

/// `{"fields": [{"field": …, "description": …}, …]}`.
fn fields_object(problem: &Problem) -> Value {
    let fields = problem
        .fields
        .iter()
        .map(|f| {
            let mut m = Map::with_capacity(2);
            m.insert("field".into(), Value::String(f.field.clone()));
            m.insert("description".into(), Value::String(f.description.clone()));
            Value::Object(m)
        })
        .collect();
    let mut m = Map::with_capacity(1);
    m.insert("fields".into(), Value::Array(fields));
    Value::Object(m)
}

/// Property name -> (resolved) type name, for the object schema's declared properties,
/// including those of `allOf` parts.
fn declared_properties(schema: &Schema, node: &Value) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::new();
    let mut stack = vec![node];
    let mut hops = 0;
    while let Some(n) = stack.pop() {
        hops += 1;
        if hops > 64 {
            break;
        }
        let n = schema.resolve(n);
        if let Some(props) = n.get("properties").and_then(Value::as_object) {
            for (name, sub) in props {
                let sub = schema.resolve(sub);
                let t = match sub.get("type") {
                    Some(Value::String(t)) => t.clone(),
                    Some(Value::Array(ts)) => {
                        ts.iter().filter_map(Value::as_str).find(|t| *t != "null").unwrap_or("").to_owned()
                    }
                    _ => String::new(),
                };
                if !out.iter().any(|(k, _)| k == name) {
                    out.push((name.clone(), t));
                }
            }
        }
        if let Some(parts) = n.get("allOf").and_then(Value::as_array) {
            stack.extend(parts.iter());
        }
    }
    out
}

/// Fills each declared property from what the problem says, by name and type; required
/// properties nobody can name come from `fallback`. `extras` adds `parameters` and an empty
/// `badRequestDetail`, which some schemas accept and others do not.
fn by_names(problem: &Problem, shape: &Shape, fallback: Option<&Value>, extras: bool) -> Value {
    let mut map = Map::with_capacity(shape.props.len() + shape.required.len());
    for (name, role) in &shape.props {
        let value = match role {
            Role::Status => Some(Value::from(problem.status)),
            Role::Code => Some(Value::String(problem.code.to_owned())),
            Role::Reason => Some(Value::String(reason(problem.status).to_owned())),
            Role::Detail => Some(Value::String(problem.detail.clone())),
            Role::BadRequestDetail => (!problem.fields.is_empty() || extras).then(|| fields_object(problem)),
            Role::Parameters => (extras && !problem.parameters.is_empty())
                .then(|| Value::Array(problem.parameters.iter().map(|p| Value::String(p.clone())).collect())),
        };
        if let Some(value) = value {
            map.insert(name.clone(), value);
        }
    }
    for name in &shape.required {
        if !map.contains_key(name)
            && let Some(v) = fallback.and_then(|f| f.get(name))
        {
            map.insert(name.clone(), v.clone());
        }
    }
    Value::Object(map)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::{Direction, standalone_schema};
    use serde_json::json;

    fn problem() -> Problem {
        Problem::new(400, "VALIDATION_ERROR", "The request is not valid.")
            .with_fields(vec![FieldError { field: "dayOfWeek".into(), description: "too big".into() }])
            .with_parameters(vec!["dayOfWeek".into()])
    }

    #[test]
    fn atlas_shape_names_the_fields() {
        let atlas = standalone_schema(
            &json!({"type": "object", "required": ["error", "errorCode"], "properties": {
                "badRequestDetail": {"type": "object", "properties": {"fields": {"type": "array", "items": {
                    "type": "object", "required": ["description", "field"],
                    "properties": {"description": {"type": "string"}, "field": {"type": "string"}}}}}},
                "detail": {"type": "string"}, "error": {"type": "integer"}, "errorCode": {"type": "string"},
                "parameters": {"type": "array", "items": {"type": "object"}}, "reason": {"type": "string"}}}),
            Direction::Response,
        )
        .unwrap();
        let v = body(&problem(), Some(&atlas), None, None);
        assert!(atlas.is_valid(&v), "{v}");
        assert_eq!(v["error"], json!(400));
        assert_eq!(v["reason"], json!("Bad Request"));
        assert_eq!(v["badRequestDetail"]["fields"][0]["field"], json!("dayOfWeek"));
        assert!(v.get("parameters").is_none(), "string parameters do not fit object items");
    }

    #[test]
    fn other_shapes_are_met_by_name_or_by_fallback() {
        let twilio_like = standalone_schema(
            &json!({"type": "object", "required": ["code", "message", "status"], "properties": {
                "code": {"type": "integer"}, "message": {"type": "string"}, "more_info": {"type": "string"},
                "status": {"type": "integer"}}}),
            Direction::Response,
        )
        .unwrap();
        let v = body(&problem(), Some(&twilio_like), None, None);
        assert!(twilio_like.is_valid(&v), "{v}");
        assert_eq!(v["message"], json!("The request is not valid."));
        let odd = standalone_schema(
            &json!({"type": "object", "required": ["x"], "properties": {"x": {"type": "boolean"}}}),
            Direction::Response,
        )
        .unwrap();
        let v = body(&problem(), Some(&odd), None, Some(&json!({"x": true})));
        assert!(odd.is_valid(&v), "{v}");
    }

    #[test]
    fn no_schema_means_the_generic_json_shape() {
        let v = body(&Problem::new(404, "RESOURCE_NOT_FOUND", "gone"), None, None, None);
        assert_eq!(
            v,
            json!({"error": 404, "errorCode": "RESOURCE_NOT_FOUND", "detail": "gone", "reason": "Not Found"})
        );
    }
}
