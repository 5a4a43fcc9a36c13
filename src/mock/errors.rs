//! Error answers in the shape the spec documents.
//!
//! The mock knows what went wrong (a status, an error code, a sentence, the bad fields); this
//! module dresses that in the body the spec documents for the status: Atlas's `ApiError`
//! (`error`, `errorCode`, `detail`, `reason`, `badRequestDetail.fields`), Cloud Manager's
//! variant without `badRequestDetail`, or any other shape, by property names and types. The
//! result is checked against the schema; when the shape cannot be met it falls back to a
//! generated valid value. Without any documented schema the answer is still JSON.

use super::state::Fnv;
use crate::spec::Schema;
use axum::body::Bytes;
use axum::http::{HeaderName, HeaderValue, StatusCode};
use serde_json::{Map, Value};
use std::hash::Hasher;
use std::sync::Mutex;

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

/// What an error answer is a function of: the operation whose responses shape it (`None`: the
/// first operation's), the `envelope` / `pretty` flags in force, and the problem.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ErrorKey {
    pub op: Option<usize>,
    pub envelope: bool,
    pub pretty: bool,
    pub problem: Problem,
}

impl ErrorKey {
    /// FNV-1a over the operation, the flags, the status, the code and the sentence (the
    /// sentence names the fields, so the rest rarely tells keys apart; equality compares all).
    fn hash(&self) -> u64 {
        let mut h = Fnv::default();
        h.write_u64(self.op.map_or(u64::MAX, |op| op as u64));
        h.write_u8(u8::from(self.envelope) | u8::from(self.pretty) << 1);
        h.write_u16(self.problem.status);
        h.write(self.problem.code.as_bytes());
        h.write(self.problem.detail.as_bytes());
        h.finish()
    }
}

/// The error answers already worked out. An error answer depends on nothing but its
/// [`ErrorKey`] (the spec and the faults are fixed for the mock's life), and clients provoke
/// the same few dozen errors over and over (`conform run`: 67 distinct error answers in 3,918),
/// so each is shaped, validated and serialised once. Bounded: a full shard takes no more
/// entries and its misses are shaped as usual.
pub(crate) struct AnswerCache {
    shards: Box<[Mutex<Vec<Cached>>]>,
}

/// An error answer as it goes out: status, headers and body.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ErrorAnswer {
    pub status: u16,
    pub headers: Vec<(HeaderName, HeaderValue)>,
    pub body: Bytes,
}

/// One remembered answer, with its key and the key's hash.
struct Cached {
    hash: u64,
    key: ErrorKey,
    answer: ErrorAnswer,
}

/// Shards of the answer cache (a lock each), and entries each shard takes at most.
const CACHE_SHARDS: usize = 64;
const CACHE_PER_SHARD: usize = 64;

impl AnswerCache {
    pub(super) fn new() -> AnswerCache {
        AnswerCache { shards: (0..CACHE_SHARDS).map(|_| Mutex::new(Vec::new())).collect() }
    }

    fn shard(&self, hash: u64) -> std::sync::MutexGuard<'_, Vec<Cached>> {
        // Fold the high bits in: FNV's low bits vary little for keys that differ at the end.
        let shard = &self.shards[((hash ^ (hash >> 29) ^ (hash >> 47)) as usize) % CACHE_SHARDS];
        // A poisoned shard is still whole: entries are pushed complete or not at all.
        shard.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The answer to `key`, worked out by `make` unless it is remembered.
    pub(super) fn get_or(&self, key: ErrorKey, make: impl FnOnce(&ErrorKey) -> ErrorAnswer) -> ErrorAnswer {
        let hash = key.hash();
        if let Some(c) = self.shard(hash).iter().find(|c| c.hash == hash && c.key == key) {
            return c.answer.clone();
        }
        let answer = make(&key);
        let mut shard = self.shard(hash);
        if shard.len() < CACHE_PER_SHARD && !shard.iter().any(|c| c.hash == hash && c.key == key) {
            shard.push(Cached { hash, key, answer: answer.clone() });
        }
        answer
    }

    /// How many answers are remembered.
    #[cfg(test)]
    fn len(&self) -> usize {
        self.shards.iter().map(|s| s.lock().map(|s| s.len()).unwrap_or(0)).sum()
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
    fn the_answer_cache_remembers_each_key_and_stops_at_its_bound() {
        let cache = AnswerCache::new();
        let key = |op: Option<usize>, detail: &str| ErrorKey {
            op,
            envelope: false,
            pretty: false,
            problem: Problem::new(400, "VALIDATION_ERROR", detail),
        };
        let answer = |body: &'static str| ErrorAnswer {
            status: 400,
            headers: Vec::new(),
            body: Bytes::from_static(body.as_bytes()),
        };
        let made = cache.get_or(key(Some(1), "a"), |_| answer("first"));
        assert_eq!(made.body, Bytes::from_static(b"first"));
        let again = cache.get_or(key(Some(1), "a"), |_| answer("second"));
        assert_eq!(again.body, Bytes::from_static(b"first"), "the same key answers what was made for it");
        let other_op = cache.get_or(key(Some(2), "a"), |_| answer("third"));
        assert_eq!(other_op.body, Bytes::from_static(b"third"), "another operation is another key");
        let mut fields = key(Some(1), "a");
        fields.problem.fields = vec![FieldError { field: "x".into(), description: "y".into() }];
        let with_fields = cache.get_or(fields, |_| answer("fourth"));
        assert_eq!(with_fields.body, Bytes::from_static(b"fourth"), "keys differing past the hash still differ");
        assert_eq!(cache.len(), 3);
        for i in 0..(CACHE_SHARDS * CACHE_PER_SHARD * 2) {
            let detail = format!("d{i}");
            let got =
                cache.get_or(key(None, &detail), |k| answer(if k.problem.detail == detail { "ok" } else { "bad" }));
            assert_eq!(got.body, Bytes::from_static(b"ok"));
        }
        assert!(cache.len() <= CACHE_SHARDS * CACHE_PER_SHARD, "bounded: {}", cache.len());
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
