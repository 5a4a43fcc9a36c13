//! Parameter values on the wire: OpenAPI 3.0 `style`/`explode` serialisation, and the way back
//! (strings from a path, query, header or cookie -> JSON typed by the parameter's schema).
//!
//! Generators serialise with [`serialize`]; the mock and checks parse with [`parse`]. Both follow
//! the OpenAPI 3.0 style table. Values are returned unencoded; percent-encoding belongs to
//! whoever builds the URL.

use super::model::{ParamLocation, ParamStyle, ParameterSpec};
use serde_json::{Map, Value};

/// One serialised parameter: the pairs to send (for `form`/`deepObject` query styles an object
/// becomes several pairs) or, for path/header/cookie, a single value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Serialized {
    /// `(name, value)` query pairs.
    Pairs(Vec<(String, String)>),
    /// One value (path segment, header value, cookie value).
    Single(String),
}

/// A JSON scalar as parameter text (`true`, `12`, `abc`); objects and arrays as JSON.
pub fn scalar_text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

/// Serialises `value` for `param` according to its location, style and explode. A parameter with
/// `content` (a media type) is sent as that media type's JSON text.
pub fn serialize(param: &ParameterSpec, value: &Value) -> Serialized {
    let name = param.name.as_str();
    if param.content_type.is_some() {
        let text = value.to_string();
        return match param.location {
            ParamLocation::Query => Serialized::Pairs(vec![(name.to_owned(), text)]),
            _ => Serialized::Single(text),
        };
    }
    match param.location {
        ParamLocation::Query => Serialized::Pairs(query_pairs(name, param.style, param.explode, value)),
        ParamLocation::Path => Serialized::Single(path_value(name, param.style, param.explode, value)),
        ParamLocation::Header => Serialized::Single(simple(value, param.explode)),
        ParamLocation::Cookie => Serialized::Single(match value {
            Value::Array(items) => items.iter().map(scalar_text).collect::<Vec<_>>().join(","),
            Value::Object(map) => flat_pairs(map, ","),
            other => scalar_text(other),
        }),
    }
}

fn flat_pairs(map: &Map<String, Value>, sep: &str) -> String {
    map.iter().map(|(k, v)| format!("{k}{sep}{}", scalar_text(v))).collect::<Vec<_>>().join(",")
}

fn simple(value: &Value, explode: bool) -> String {
    match value {
        Value::Array(items) => items.iter().map(scalar_text).collect::<Vec<_>>().join(","),
        Value::Object(map) if explode => {
            map.iter().map(|(k, v)| format!("{k}={}", scalar_text(v))).collect::<Vec<_>>().join(",")
        }
        Value::Object(map) => flat_pairs(map, ","),
        other => scalar_text(other),
    }
}

fn path_value(name: &str, style: ParamStyle, explode: bool, value: &Value) -> String {
    match style {
        ParamStyle::Label => {
            let sep = if explode { "." } else { "," };
            match value {
                Value::Array(items) => format!(".{}", items.iter().map(scalar_text).collect::<Vec<_>>().join(sep)),
                Value::Object(map) if explode => {
                    format!(
                        ".{}",
                        map.iter().map(|(k, v)| format!("{k}={}", scalar_text(v))).collect::<Vec<_>>().join(".")
                    )
                }
                Value::Object(map) => format!(".{}", flat_pairs(map, ",")),
                other => format!(".{}", scalar_text(other)),
            }
        }
        ParamStyle::Matrix => match value {
            Value::Array(items) if explode => items.iter().map(|v| format!(";{name}={}", scalar_text(v))).collect(),
            Value::Array(items) => format!(";{name}={}", items.iter().map(scalar_text).collect::<Vec<_>>().join(",")),
            Value::Object(map) if explode => map.iter().map(|(k, v)| format!(";{k}={}", scalar_text(v))).collect(),
            Value::Object(map) => format!(";{name}={}", flat_pairs(map, ",")),
            other => format!(";{name}={}", scalar_text(other)),
        },
        _ => simple(value, explode),
    }
}

fn query_pairs(name: &str, style: ParamStyle, explode: bool, value: &Value) -> Vec<(String, String)> {
    let one = |v: String| vec![(name.to_owned(), v)];
    match (style, value) {
        (ParamStyle::DeepObject, Value::Object(map)) => {
            map.iter().map(|(k, v)| (format!("{name}[{k}]"), scalar_text(v))).collect()
        }
        (ParamStyle::SpaceDelimited, Value::Array(items)) if !explode => {
            one(items.iter().map(scalar_text).collect::<Vec<_>>().join(" "))
        }
        (ParamStyle::PipeDelimited, Value::Array(items)) if !explode => {
            one(items.iter().map(scalar_text).collect::<Vec<_>>().join("|"))
        }
        (_, Value::Array(items)) if explode => items.iter().map(|v| (name.to_owned(), scalar_text(v))).collect(),
        (_, Value::Array(items)) => one(items.iter().map(scalar_text).collect::<Vec<_>>().join(",")),
        (_, Value::Object(map)) if explode => map.iter().map(|(k, v)| (k.clone(), scalar_text(v))).collect(),
        (_, Value::Object(map)) => one(flat_pairs(map, ",")),
        (_, other) => one(scalar_text(other)),
    }
}

/// What type a parameter's schema wants, to turn wire text back into JSON.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Want {
    String,
    Integer,
    Number,
    Boolean,
    Array,
    Object,
    /// No schema or an untyped one: keep the text.
    Any,
}

/// What [`parse`] makes of a parameter's schema (the wanted type and item type), worked out
/// once with [`wants`] so that [`parse_with`] resolves no schema for scalars and arrays.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Wants(Want, Want);

impl Default for Wants {
    fn default() -> Wants {
        Wants(Want::Any, Want::Any)
    }
}

/// The [`Wants`] of `param`.
pub fn wants(param: &ParameterSpec) -> Wants {
    let (top, items) = want_of(param);
    Wants(top, items)
}

fn want_of(param: &ParameterSpec) -> (Want, Want) {
    let Some(schema) = &param.schema else { return (Want::Any, Want::Any) };
    let node = schema.resolve(schema.value());
    let of = |node: &Value| -> Want {
        // The first type named (in a list, the first that is not `null`), without collecting.
        let first = match node.get("type") {
            Some(Value::String(t)) => Some(t.as_str()),
            Some(Value::Array(ts)) => ts.iter().filter_map(Value::as_str).find(|t| *t != "null"),
            _ => None,
        };
        match first {
            Some("string") => Want::String,
            Some("integer") => Want::Integer,
            Some("number") => Want::Number,
            Some("boolean") => Want::Boolean,
            Some("array") => Want::Array,
            Some("object") => Want::Object,
            _ => Want::Any,
        }
    };
    let top = of(node);
    let items = node.get("items").map(|i| of(schema.resolve(i))).unwrap_or(Want::Any);
    (top, items)
}

fn typed(text: &str, want: Want) -> Value {
    match want {
        Want::Integer => text.parse::<i64>().map(Value::from).unwrap_or_else(|_| {
            text.parse::<u64>().map(Value::from).unwrap_or_else(|_| Value::String(text.to_owned()))
        }),
        Want::Number => text
            .parse::<f64>()
            .ok()
            .filter(|f| f.is_finite())
            .and_then(|f| {
                // Keep integers integral so `1` stays `1` rather than `1.0`.
                text.parse::<i64>().map(Value::from).ok().or_else(|| serde_json::Number::from_f64(f).map(Value::Number))
            })
            .unwrap_or_else(|| Value::String(text.to_owned())),
        Want::Boolean => match text {
            "true" => Value::Bool(true),
            "false" => Value::Bool(false),
            _ => Value::String(text.to_owned()),
        },
        _ => Value::String(text.to_owned()),
    }
}

/// A single header-style value (`simple` style) typed by `schema`: used for response headers.
pub fn parse_simple(schema: &super::model::Schema, text: &str) -> Value {
    let node = schema.resolve(schema.value());
    let want = |n: &Value| match n.get("type").and_then(Value::as_str) {
        Some("integer") => Want::Integer,
        Some("number") => Want::Number,
        Some("boolean") => Want::Boolean,
        _ => Want::String,
    };
    match node.get("type").and_then(Value::as_str) {
        Some("array") => {
            let items = node.get("items").map(|i| want(schema.resolve(i))).unwrap_or(Want::String);
            Value::Array(text.split(',').map(|p| typed(p.trim(), items)).collect())
        }
        _ => typed(text.trim(), want(node)),
    }
}

/// Turns the wire form of a parameter back into JSON typed by its schema. `raw` holds every value
/// received for the parameter (several for repeated query keys); for `deepObject` and exploded
/// form objects, `pairs` holds all query pairs. Text that does not fit the wanted type stays a
/// string, so schema validation reports it instead of this function guessing.
pub fn parse(param: &ParameterSpec, raw: &[&str], pairs: &[(String, String)]) -> Value {
    parse_with(param, wants(param), raw, pairs)
}

/// [`parse`] with the parameter's [`Wants`] already worked out.
pub fn parse_with(param: &ParameterSpec, wants: Wants, raw: &[&str], pairs: &[(String, String)]) -> Value {
    let Wants(want, items) = wants;
    if param.content_type.is_some() {
        return raw
            .first()
            .map(|t| serde_json::from_str(t).unwrap_or_else(|_| Value::String((*t).to_owned())))
            .unwrap_or(Value::Null);
    }
    if param.location == ParamLocation::Query && want == Want::Object {
        return parse_query_object(param, raw, pairs);
    }
    let first = raw.first().copied().unwrap_or("");
    let text = strip_path_prefix(param, first);
    match want {
        Want::Array => {
            let parts: Vec<String> =
                if param.location == ParamLocation::Query && param.explode && param.style == ParamStyle::Form {
                    raw.iter().map(|s| (*s).to_owned()).collect()
                } else {
                    let sep = match (param.style, param.explode) {
                        (ParamStyle::SpaceDelimited, _) => " ",
                        (ParamStyle::PipeDelimited, _) => "|",
                        (ParamStyle::Label, true) => ".",
                        (ParamStyle::Matrix, true) => {
                            return Value::Array(
                                matrix_values(&param.name, first).into_iter().map(|v| typed(&v, items)).collect(),
                            );
                        }
                        _ => ",",
                    };
                    if text.is_empty() { Vec::new() } else { text.split(sep).map(str::to_owned).collect() }
                };
            Value::Array(parts.iter().map(|p| typed(p, items)).collect())
        }
        Want::Object => {
            let sep_pairs = param.explode;
            let mut map = Map::new();
            if sep_pairs {
                let delim = if param.style == ParamStyle::Label {
                    '.'
                } else if param.style == ParamStyle::Matrix {
                    ';'
                } else {
                    ','
                };
                for part in text.split(delim).filter(|p| !p.is_empty()) {
                    if let Some((k, v)) = part.split_once('=') {
                        map.insert(k.to_owned(), Value::String(v.to_owned()));
                    }
                }
            } else {
                let parts: Vec<&str> = text.split(',').collect();
                for chunk in parts.chunks(2) {
                    if let [k, v] = chunk {
                        map.insert((*k).to_owned(), Value::String((*v).to_owned()));
                    }
                }
            }
            type_object(param, map)
        }
        other => typed(text, other),
    }
}

fn strip_path_prefix<'a>(param: &ParameterSpec, text: &'a str) -> &'a str {
    if param.location != ParamLocation::Path {
        return text;
    }
    match param.style {
        ParamStyle::Label => text.strip_prefix('.').unwrap_or(text),
        ParamStyle::Matrix => {
            // `;id=7`, `;id=3,4`, `;id=a,1` carry the name; exploded objects (`;a=1;b=x`) do not.
            let named = format!(";{}=", param.name);
            text.strip_prefix(named.as_str()).or_else(|| text.strip_prefix(';')).unwrap_or(text)
        }
        _ => text,
    }
}

fn matrix_values(name: &str, text: &str) -> Vec<String> {
    let prefix = format!("{name}=");
    text.split(';').filter_map(|p| p.strip_prefix(prefix.as_str()).map(str::to_owned)).collect()
}

fn parse_query_object(param: &ParameterSpec, raw: &[&str], pairs: &[(String, String)]) -> Value {
    let mut map = Map::new();
    match (param.style, param.explode) {
        (ParamStyle::DeepObject, _) => {
            let prefix = format!("{}[", param.name);
            for (k, v) in pairs {
                if let Some(inner) = k.strip_prefix(prefix.as_str()).and_then(|r| r.strip_suffix(']')) {
                    map.insert(inner.to_owned(), Value::String(v.clone()));
                }
            }
        }
        (_, true) => {
            // Exploded form objects spread their properties as top-level keys: take the ones the
            // schema names.
            if let Some(schema) = &param.schema
                && let Some(props) = schema.resolve(schema.value()).get("properties").and_then(Value::as_object)
            {
                for (k, v) in pairs {
                    if props.contains_key(k) {
                        map.insert(k.clone(), Value::String(v.clone()));
                    }
                }
            }
        }
        (_, false) => {
            let text = raw.first().copied().unwrap_or("");
            let parts: Vec<&str> = text.split(',').collect();
            for chunk in parts.chunks(2) {
                if let [k, v] = chunk {
                    map.insert((*k).to_owned(), Value::String((*v).to_owned()));
                }
            }
        }
    }
    type_object(param, map)
}

/// Types each property of a parsed object by the schema's property types.
fn type_object(param: &ParameterSpec, map: Map<String, Value>) -> Value {
    let Some(schema) = &param.schema else { return Value::Object(map) };
    let node = schema.resolve(schema.value());
    let props = node.get("properties").and_then(Value::as_object);
    let typed_map = map
        .into_iter()
        .map(|(k, v)| {
            let want = props
                .and_then(|p| p.get(&k))
                .map(|p| {
                    let p = schema.resolve(p);
                    match p.get("type").and_then(Value::as_str) {
                        Some("integer") => Want::Integer,
                        Some("number") => Want::Number,
                        Some("boolean") => Want::Boolean,
                        _ => Want::String,
                    }
                })
                .unwrap_or(Want::String);
            let text = v.as_str().unwrap_or_default().to_owned();
            (k, typed(&text, want))
        })
        .collect();
    Value::Object(typed_map)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::Spec;
    use serde_json::json;

    fn param(location: &str, style: &str, explode: bool, schema: Value) -> ParameterSpec {
        let spec = Spec::from_value(
            "t",
            json!({
                "openapi": "3.0.3", "info": {"title": "t", "version": "1"},
                "paths": {"/x/{p}": {"get": {
                    "parameters": [
                        {"name": "p", "in": "path", "required": true, "schema": {"type": "string"}},
                        {"name": "v", "in": location, "style": style, "explode": explode, "schema": schema}
                    ],
                    "responses": {"200": {"description": "ok"}}
                }}}
            }),
        )
        .unwrap();
        spec.operations[0].parameters.iter().find(|p| p.name == "v").cloned().unwrap_or_else(|| {
            // A path parameter named `v` replaces the template's `p`.
            spec.operations[0].parameters[0].clone()
        })
    }

    fn round_trip(p: &ParameterSpec, value: Value) {
        let wire = serialize(p, &value);
        let back = match &wire {
            Serialized::Pairs(pairs) => {
                let raw: Vec<&str> = pairs.iter().filter(|(k, _)| *k == p.name).map(|(_, v)| v.as_str()).collect();
                parse(p, &raw, pairs)
            }
            Serialized::Single(text) => parse(p, &[text.as_str()], &[]),
        };
        assert_eq!(back, value, "{:?} {:?} explode={} via {wire:?}", p.location, p.style, p.explode);
    }

    #[test]
    fn query_styles_round_trip() {
        let arr = json!({"type": "array", "items": {"type": "integer"}});
        let obj = json!({"type": "object", "properties": {"a": {"type": "integer"}, "b": {"type": "string"}}});
        for (style, explode) in [("form", true), ("form", false), ("spaceDelimited", false), ("pipeDelimited", false)] {
            round_trip(&param("query", style, explode, arr.clone()), json!([1, 2, 3]));
        }
        for (style, explode) in [("form", true), ("form", false), ("deepObject", true)] {
            round_trip(&param("query", style, explode, obj.clone()), json!({"a": 1, "b": "x"}));
        }
        round_trip(&param("query", "form", true, json!({"type": "boolean"})), json!(true));
        round_trip(&param("query", "form", true, json!({"type": "number"})), json!(1.5));
        assert_eq!(
            serialize(&param("query", "form", false, arr), &json!([1, 2])),
            Serialized::Pairs(vec![("v".into(), "1,2".into())])
        );
        assert_eq!(
            serialize(&param("query", "deepObject", true, obj), &json!({"a": 1})),
            Serialized::Pairs(vec![("v[a]".into(), "1".into())])
        );
    }

    #[test]
    fn header_and_cookie_values_round_trip() {
        round_trip(
            &param("header", "simple", false, json!({"type": "array", "items": {"type": "string"}})),
            json!(["a", "b"]),
        );
        round_trip(&param("header", "simple", false, json!({"type": "integer"})), json!(42));
        round_trip(&param("cookie", "form", true, json!({"type": "string"})), json!("abc"));
    }

    fn path_param(style: ParamStyle, explode: bool, schema: Value) -> ParameterSpec {
        ParameterSpec {
            name: "id".into(),
            location: ParamLocation::Path,
            required: true,
            deprecated: false,
            style,
            explode,
            allow_reserved: false,
            allow_empty_value: false,
            schema: Some(crate::spec::standalone_schema(&schema, crate::spec::Direction::Request).unwrap()),
            content_type: None,
            examples: Vec::new(),
            description: None,
            pointer: String::new(),
        }
    }

    #[test]
    fn path_styles_round_trip() {
        let arr = json!({"type": "array", "items": {"type": "integer"}});
        let obj = json!({"type": "object", "properties": {"a": {"type": "integer"}, "b": {"type": "string"}}});
        for style in [ParamStyle::Simple, ParamStyle::Label, ParamStyle::Matrix] {
            for explode in [false, true] {
                round_trip(&path_param(style, explode, arr.clone()), json!([3, 4, 5]));
                round_trip(&path_param(style, explode, obj.clone()), json!({"a": 1, "b": "x"}));
                round_trip(&path_param(style, explode, json!({"type": "integer"})), json!(7));
            }
        }
        let label = serialize(&path_param(ParamStyle::Label, false, arr.clone()), &json!([3, 4]));
        assert_eq!(label, Serialized::Single(".3,4".into()));
        let matrix = serialize(&path_param(ParamStyle::Matrix, true, arr), &json!([3, 4]));
        assert_eq!(matrix, Serialized::Single(";id=3;id=4".into()));
    }

    #[test]
    fn text_that_does_not_fit_stays_a_string() {
        let p = param("query", "form", true, json!({"type": "integer"}));
        assert_eq!(parse(&p, &["12x"], &[]), json!("12x"));
        assert_eq!(parse(&p, &["-3"], &[]), json!(-3));
        let b = param("query", "form", true, json!({"type": "boolean"}));
        assert_eq!(parse(&b, &["yes"], &[]), json!("yes"));
    }
}
