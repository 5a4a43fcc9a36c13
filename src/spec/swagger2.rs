//! Swagger 2.0 -> the OpenAPI 3.0 shape, at the `serde_json::Value` level, before normalising.
//!
//! Converting the document (rather than writing a second normaliser) keeps one normalisation
//! step for every version: what 2.0 says is restated the 3.0 way and then read exactly as a 3.0
//! document would be. Every place that moves is recorded in [`Moved`], so findings and
//! "unchecked" pointers name the place in the document the user wrote, not the converted one.
//!
//! - `host`/`basePath`/`schemes` become `servers`;
//! - `definitions`, `parameters`, `responses`, `securityDefinitions` become components;
//! - `in: body` and `in: formData` parameters become request bodies (`consumes` decides the
//!   media types; a `type: file` field makes the form `multipart/form-data`);
//! - `produces` gives each response's media types; `collectionFormat` becomes style/explode;
//! - schemas: `x-nullable` becomes `nullable`, `type: file` a binary string, a string
//!   `discriminator` a discriminator object.
//!
//! This module never fails: an unreadable piece is left as it is, and the normaliser reports it.

use super::finding::{FindingKind, SpecFinding};
use super::pointer;
use super::source::BUNDLE_KEY;
use serde_json::{Map, Value, json};

/// Keywords a 2.0 non-body parameter (or header, or items) shares with a schema.
const SCHEMA_KEYS: [&str; 16] = [
    "type",
    "format",
    "items",
    "default",
    "maximum",
    "exclusiveMaximum",
    "minimum",
    "exclusiveMinimum",
    "maxLength",
    "minLength",
    "pattern",
    "maxItems",
    "minItems",
    "uniqueItems",
    "enum",
    "multipleOf",
];

/// Where converted places came from: `(converted pointer, original pointer)` prefixes.
#[derive(Debug, Default)]
pub(super) struct Moved {
    prefixes: Vec<(String, String)>,
}

impl Moved {
    fn add(&mut self, converted: String, original: String) {
        if converted != original {
            self.prefixes.push((converted, original));
        }
    }

    /// The original pointer of a converted one (the longest recorded prefix wins).
    pub(super) fn original(&self, at: &str) -> String {
        let best = self
            .prefixes
            .iter()
            .filter(|(c, _)| at == c || (at.starts_with(c.as_str()) && at.as_bytes().get(c.len()) == Some(&b'/')))
            .max_by_key(|(c, _)| c.len());
        match best {
            Some((c, o)) => format!("{o}{}", &at[c.len()..]),
            None => at.to_owned(),
        }
    }

    /// Points findings and "unchecked" lists back into the original document.
    pub(super) fn restore(&self, findings: &mut [SpecFinding], operations: &mut [super::model::Operation]) {
        for f in findings {
            f.pointer = self.original(&f.pointer);
        }
        for op in operations {
            for at in &mut op.unchecked {
                *at = self.original(at);
            }
        }
    }
}

/// Converts a bundled Swagger 2.0 document into the OpenAPI 3.0 shape.
pub(super) fn convert(doc: &Value, findings: &mut Vec<SpecFinding>) -> (Value, Moved) {
    let mut c = Converter { doc, moved: Moved::default(), findings };
    let out = c.document();
    (out, c.moved)
}

struct Converter<'d> {
    doc: &'d Value,
    moved: Moved,
    findings: &'d mut Vec<SpecFinding>,
}

fn strings(v: Option<&Value>) -> Option<Vec<String>> {
    v.and_then(Value::as_array).map(|a| a.iter().filter_map(Value::as_str).map(str::to_owned).collect())
}

impl Converter<'_> {
    fn document(&mut self) -> Value {
        let doc = self.doc;
        let mut out = Map::new();
        // The listing shows what the user wrote; the normaliser only reads this as text.
        out.insert("openapi".into(), doc.get("swagger").cloned().unwrap_or(json!("2.0")));
        if let Some(info) = doc.get("info") {
            out.insert("info".into(), info.clone());
        }
        out.insert("servers".into(), servers(doc));
        for key in ["tags", "externalDocs", "security"] {
            if let Some(v) = doc.get(key) {
                out.insert(key.into(), v.clone());
            }
        }
        let mut components = Map::new();
        if let Some(Value::Object(defs)) = doc.get("definitions") {
            let mut schemas = Map::new();
            for (name, schema) in defs {
                schemas.insert(name.clone(), schema_of(schema));
                self.moved.add(pointer::join("/components/schemas", name), pointer::join("/definitions", name));
            }
            components.insert("schemas".into(), Value::Object(schemas));
        }
        if let Some(Value::Object(params)) = doc.get("parameters") {
            let mut out_params = Map::new();
            for (name, param) in params {
                // Body and form parameters are inlined into request bodies where they are used.
                if matches!(param.get("in").and_then(Value::as_str), Some("body" | "formData")) {
                    continue;
                }
                let at = pointer::join("/parameters", name);
                let new_at = pointer::join("/components/parameters", name);
                out_params.insert(name.clone(), self.parameter(param, &new_at, &at));
            }
            components.insert("parameters".into(), Value::Object(out_params));
        }
        let produces = strings(doc.get("produces")).unwrap_or_default();
        if let Some(Value::Object(responses)) = doc.get("responses") {
            let mut out_responses = Map::new();
            for (name, response) in responses {
                let at = pointer::join("/responses", name);
                let new_at = pointer::join("/components/responses", name);
                out_responses.insert(name.clone(), self.response(response, &produces, &new_at, &at));
            }
            components.insert("responses".into(), Value::Object(out_responses));
        }
        if let Some(Value::Object(defs)) = doc.get("securityDefinitions") {
            let mut schemes = Map::new();
            for (name, def) in defs {
                let at = pointer::join("/securityDefinitions", name);
                self.moved.add(pointer::join("/components/securitySchemes", name), at.clone());
                schemes.insert(name.clone(), self.security_scheme(def, &at));
            }
            components.insert("securitySchemes".into(), Value::Object(schemes));
        }
        out.insert("components".into(), Value::Object(components));
        if let Some(Value::Object(paths)) = doc.get("paths") {
            let mut out_paths = Map::new();
            for (path, item) in paths {
                let at = pointer::join("/paths", path);
                out_paths.insert(
                    path.clone(),
                    if path.starts_with("x-") { item.clone() } else { self.path_item(item, &at) },
                );
            }
            out.insert("paths".into(), Value::Object(out_paths));
        } else if let Some(paths) = doc.get("paths") {
            out.insert("paths".into(), paths.clone());
        }
        if let Some(bundled) = doc.get(BUNDLE_KEY) {
            // External documents hold 2.0 schemas too: convert them as schemas.
            let converted = match bundled {
                Value::Array(docs) => Value::Array(docs.iter().map(schema_of_document).collect()),
                other => other.clone(),
            };
            out.insert(BUNDLE_KEY.into(), converted);
        }
        let mut out = Value::Object(out);
        rewrite_refs(&mut out);
        out
    }

    /// A path item: path-level parameters are merged into each operation (body and form
    /// parameters can only become a request body per operation).
    fn path_item(&mut self, item: &Value, at: &str) -> Value {
        let Value::Object(map) = item else { return item.clone() };
        if map.contains_key("$ref") {
            return item.clone();
        }
        let shared = indexed_parameters(map, at);
        let mut out = Map::new();
        for (key, value) in map {
            match key.as_str() {
                "parameters" => {}
                "get" | "put" | "post" | "delete" | "options" | "head" | "patch" => {
                    let op_at = pointer::join(at, key);
                    out.insert(key.clone(), self.operation(value, &shared, &op_at));
                }
                _ => {
                    out.insert(key.clone(), value.clone());
                }
            }
        }
        Value::Object(out)
    }

    /// Follows a `#/parameters/X` reference to the global parameter and its pointer.
    fn global_parameter<'v>(&self, param: &'v Value) -> Option<(&'v Value, String)>
    where
        Self: 'v,
    {
        let doc: &'v Value = self.doc;
        let fragment = param.get("$ref").and_then(Value::as_str).and_then(pointer::local_fragment)?;
        pointer::get(doc, fragment).map(|p| (p, fragment.to_owned()))
    }

    fn operation(&mut self, op: &Value, shared: &[(Value, String)], at: &str) -> Value {
        let Value::Object(map) = op else { return op.clone() };
        let doc = self.doc;
        // Operation-level parameters override path-level ones with the same name and location.
        let mut params: Vec<(Value, String)> = Vec::new();
        let own = indexed_parameters(map, at);
        let key_of = |c: &Converter<'_>, p: &Value| -> (String, String) {
            let p = c.global_parameter(p).map(|(g, _)| g).unwrap_or(p);
            let text = |k: &str| p.get(k).and_then(Value::as_str).unwrap_or("").to_owned();
            (text("name"), text("in"))
        };
        for entry in shared.iter().chain(own.iter()) {
            let key = key_of(self, &entry.0);
            match params.iter().position(|(p, _)| key_of(self, p) == key) {
                Some(i) => params[i] = entry.clone(),
                None => params.push(entry.clone()),
            }
        }
        let consumes = strings(map.get("consumes"))
            .or_else(|| strings(doc.get("consumes")))
            .filter(|c| !c.is_empty())
            .unwrap_or_else(|| vec!["application/json".to_owned()]);
        let produces = strings(map.get("produces"))
            .or_else(|| strings(doc.get("produces")))
            .filter(|p| !p.is_empty())
            .unwrap_or_else(|| vec!["application/json".to_owned()]);

        let mut out = Map::new();
        let mut out_params = Vec::new();
        let mut body: Option<(Value, String)> = None;
        let mut form: Vec<(Value, String)> = Vec::new();
        for (param, param_at) in params {
            let (resolved, resolved_at) = match self.global_parameter(&param) {
                Some((g, g_at)) => (g.clone(), g_at),
                None => (param.clone(), param_at.clone()),
            };
            match resolved.get("in").and_then(Value::as_str) {
                Some("body") => body = Some((resolved, resolved_at)),
                Some("formData") => form.push((resolved, resolved_at)),
                _ if param.get("$ref").is_some() => out_params.push(param),
                _ => {
                    let new_at = pointer::join_index(&pointer::join(at, "parameters"), out_params.len());
                    out_params.push(self.parameter(&resolved, &new_at, &resolved_at));
                }
            }
        }
        for (key, value) in map {
            match key.as_str() {
                "parameters" | "consumes" | "produces" | "schemes" => {}
                "responses" => {
                    let r_at = pointer::join(at, "responses");
                    let mut responses = Map::new();
                    if let Value::Object(rs) = value {
                        for (status, response) in rs {
                            let one_at = pointer::join(&r_at, status);
                            let converted = if response.get("$ref").is_some() || status.starts_with("x-") {
                                response.clone()
                            } else {
                                self.response(response, &produces, &one_at, &one_at)
                            };
                            responses.insert(status.clone(), converted);
                        }
                    }
                    out.insert(key.clone(), Value::Object(responses));
                }
                _ => {
                    out.insert(key.clone(), value.clone());
                }
            }
        }
        if !out_params.is_empty() {
            out.insert("parameters".into(), Value::Array(out_params));
        }
        let body_at = pointer::join(at, "requestBody");
        if let Some((param, param_at)) = body {
            let schema = param.get("schema").map(schema_of).unwrap_or_else(|| json!({}));
            let mut content = Map::new();
            for media in &consumes {
                let media_at = pointer::join(&pointer::join(&body_at, "content"), media);
                self.moved.add(pointer::join(&media_at, "schema"), pointer::join(&param_at, "schema"));
                content.insert(media.clone(), json!({"schema": schema}));
            }
            self.moved.add(body_at.clone(), param_at.clone());
            let mut request = Map::new();
            if let Some(d) = param.get("description") {
                request.insert("description".into(), d.clone());
            }
            request.insert("required".into(), json!(param.get("required") == Some(&Value::Bool(true))));
            request.insert("content".into(), Value::Object(content));
            out.insert("requestBody".into(), Value::Object(request));
        } else if !form.is_empty() {
            out.insert("requestBody".into(), self.form_body(&form, &consumes, &body_at, at));
        }
        Value::Object(out)
    }

    /// `in: formData` parameters: one object schema, urlencoded or multipart.
    fn form_body(&mut self, form: &[(Value, String)], consumes: &[String], body_at: &str, op_at: &str) -> Value {
        let has_file = form.iter().any(|(p, _)| p.get("type").and_then(Value::as_str) == Some("file"));
        let form_types: Vec<String> = consumes
            .iter()
            .filter(|m| {
                let m = m.to_ascii_lowercase();
                m.starts_with("multipart/form-data") || m.starts_with("application/x-www-form-urlencoded")
            })
            .filter(|m| !has_file || m.to_ascii_lowercase().starts_with("multipart/"))
            .cloned()
            .collect();
        let media_types = if !form_types.is_empty() {
            form_types
        } else if has_file {
            vec!["multipart/form-data".to_owned()]
        } else {
            vec!["application/x-www-form-urlencoded".to_owned()]
        };
        let mut properties = Map::new();
        let mut required = Vec::new();
        let mut encoding = Map::new();
        for (param, param_at) in form {
            let Some(name) = param.get("name").and_then(Value::as_str) else { continue };
            properties.insert(name.to_owned(), schema_of(&schema_from_parameter(param)));
            if param.get("required") == Some(&Value::Bool(true)) {
                required.push(json!(name));
            }
            if param.get("type").and_then(Value::as_str) == Some("array")
                && let Some((style, explode)) = collection_style(param, "query")
            {
                encoding.insert(name.to_owned(), json!({"style": style, "explode": explode}));
            }
            for media in &media_types {
                let media_at = pointer::join(&pointer::join(body_at, "content"), media);
                let prop_at = pointer::join(&pointer::join(&pointer::join(&media_at, "schema"), "properties"), name);
                self.moved.add(prop_at, param_at.clone());
            }
        }
        let mut schema = json!({"type": "object", "properties": properties});
        if !required.is_empty() {
            schema["required"] = Value::Array(required);
        }
        let mut content = Map::new();
        for media in &media_types {
            let media_at = pointer::join(&pointer::join(body_at, "content"), media);
            self.moved.add(pointer::join(&media_at, "schema"), op_at.to_owned());
            let mut entry = json!({"schema": schema});
            if !encoding.is_empty() && media.starts_with("application/x-www-form-urlencoded") {
                entry["encoding"] = Value::Object(encoding.clone());
            }
            content.insert(media.clone(), entry);
        }
        let any_required = form.iter().any(|(p, _)| p.get("required") == Some(&Value::Bool(true)));
        json!({"required": any_required, "content": content})
    }

    /// A non-body parameter: its type keywords move into `schema`, `collectionFormat` becomes
    /// style and explode.
    fn parameter(&mut self, param: &Value, new_at: &str, at: &str) -> Value {
        let Value::Object(map) = param else { return param.clone() };
        if map.contains_key("$ref") {
            return param.clone();
        }
        self.moved.add(new_at.to_owned(), at.to_owned());
        self.moved.add(pointer::join(new_at, "schema"), at.to_owned());
        let location = map.get("in").and_then(Value::as_str).unwrap_or("query");
        let mut out = Map::new();
        for key in ["name", "in", "description", "required", "allowEmptyValue", "deprecated"] {
            if let Some(v) = map.get(key) {
                out.insert(key.into(), v.clone());
            }
        }
        for (key, v) in map {
            if key.starts_with("x-") && key != "x-nullable" {
                out.insert(key.clone(), v.clone());
            }
        }
        if map.get("type").and_then(Value::as_str) == Some("array") {
            match collection_style(param, location) {
                Some((style, explode)) => {
                    out.insert("style".into(), json!(style));
                    out.insert("explode".into(), json!(explode));
                }
                None => self.findings.push(SpecFinding::new(
                    FindingKind::Unsupported,
                    pointer::join(at, "collectionFormat"),
                    format!(
                        "`collectionFormat: {}` has no OpenAPI 3 style in `{location}`; values are sent and read comma-separated",
                        map.get("collectionFormat").and_then(Value::as_str).unwrap_or("?")
                    ),
                )),
            }
        }
        out.insert("schema".into(), schema_of(&schema_from_parameter(param)));
        Value::Object(out)
    }

    fn response(&mut self, response: &Value, produces: &[String], new_at: &str, at: &str) -> Value {
        let Value::Object(map) = response else { return response.clone() };
        if map.contains_key("$ref") {
            return response.clone();
        }
        self.moved.add(new_at.to_owned(), at.to_owned());
        let mut out = Map::new();
        out.insert("description".into(), map.get("description").cloned().unwrap_or(json!("")));
        if let Some(schema) = map.get("schema") {
            let produces = if produces.is_empty() { vec!["application/json".to_owned()] } else { produces.to_vec() };
            let examples = map.get("examples").and_then(Value::as_object);
            let mut content = Map::new();
            for media in &produces {
                let media_at = pointer::join(&pointer::join(new_at, "content"), media);
                self.moved.add(pointer::join(&media_at, "schema"), pointer::join(at, "schema"));
                let mut entry = json!({"schema": schema_of(schema)});
                if let Some(example) = examples.and_then(|e| e.get(media)) {
                    entry["example"] = example.clone();
                }
                content.insert(media.clone(), entry);
            }
            out.insert("content".into(), Value::Object(content));
        }
        if let Some(Value::Object(headers)) = map.get("headers") {
            let mut out_headers = Map::new();
            for (name, header) in headers {
                let h_new = pointer::join(&pointer::join(new_at, "headers"), name);
                let h_at = pointer::join(&pointer::join(at, "headers"), name);
                self.moved.add(h_new.clone(), h_at.clone());
                self.moved.add(pointer::join(&h_new, "schema"), h_at);
                let mut h = json!({"schema": schema_of(&schema_from_parameter(header))});
                if let Some(d) = header.get("description") {
                    h["description"] = d.clone();
                }
                out_headers.insert(name.clone(), h);
            }
            out.insert("headers".into(), Value::Object(out_headers));
        }
        Value::Object(out)
    }

    fn security_scheme(&mut self, def: &Value, at: &str) -> Value {
        let text = |k: &str| def.get(k).and_then(Value::as_str).unwrap_or("").to_owned();
        let mut out = match text("type").as_str() {
            "basic" => json!({"type": "http", "scheme": "basic"}),
            "apiKey" => json!({"type": "apiKey", "in": text("in"), "name": text("name")}),
            "oauth2" => {
                let scopes = def.get("scopes").cloned().unwrap_or_else(|| json!({}));
                let (flow, body) = match text("flow").as_str() {
                    "implicit" => ("implicit", json!({"authorizationUrl": text("authorizationUrl"), "scopes": scopes})),
                    "password" => ("password", json!({"tokenUrl": text("tokenUrl"), "scopes": scopes})),
                    // 2.0 calls the client-credentials grant `application`.
                    "application" => ("clientCredentials", json!({"tokenUrl": text("tokenUrl"), "scopes": scopes})),
                    "accessCode" => (
                        "authorizationCode",
                        json!({"authorizationUrl": text("authorizationUrl"), "tokenUrl": text("tokenUrl"), "scopes": scopes}),
                    ),
                    other => {
                        self.findings.push(SpecFinding::new(
                            FindingKind::InvalidStructure,
                            pointer::join(at, "flow"),
                            format!("`{other}` is not an OAuth2 flow of Swagger 2.0; the scheme is left out"),
                        ));
                        return def.clone();
                    }
                };
                json!({"type": "oauth2", "flows": {flow: body}})
            }
            // Unknown: left for the normaliser to report.
            _ => return def.clone(),
        };
        if let Some(d) = def.get("description") {
            out["description"] = d.clone();
        }
        out
    }
}

/// `schemes`/`host`/`basePath` as server URLs; without a host, the base path alone (relative).
fn servers(doc: &Value) -> Value {
    let base = doc.get("basePath").and_then(Value::as_str).unwrap_or("");
    let base = if base == "/" { "" } else { base };
    let Some(host) = doc.get("host").and_then(Value::as_str) else {
        return json!([{"url": if base.is_empty() { "/" } else { base }}]);
    };
    let schemes = strings(doc.get("schemes")).filter(|s| !s.is_empty()).unwrap_or_else(|| vec!["https".to_owned()]);
    Value::Array(schemes.iter().map(|s| json!({"url": format!("{s}://{host}{base}")})).collect())
}

/// 2.0 `collectionFormat` as a 3.0 (style, explode) for a parameter in `location`; `None` for
/// `tsv`, which 3.0 has no style for.
fn collection_style(param: &Value, location: &str) -> Option<(&'static str, bool)> {
    let format = param.get("collectionFormat").and_then(Value::as_str).unwrap_or("csv");
    let simple = matches!(location, "path" | "header");
    match format {
        "csv" if simple => Some(("simple", false)),
        "csv" => Some(("form", false)),
        "ssv" if !simple => Some(("spaceDelimited", false)),
        "pipes" if !simple => Some(("pipeDelimited", false)),
        "multi" if location == "query" || location == "formData" => Some(("form", true)),
        _ => None,
    }
}

/// The schema a non-body parameter (or header) describes with its own keywords.
fn schema_from_parameter(param: &Value) -> Value {
    let mut schema = Map::new();
    if let Value::Object(map) = param {
        for key in SCHEMA_KEYS {
            if let Some(v) = map.get(key) {
                let v = if key == "items" { schema_from_parameter(v) } else { v.clone() };
                schema.insert(key.into(), v);
            }
        }
        if let Some(v) = map.get("x-nullable") {
            schema.insert("x-nullable".into(), v.clone());
        }
        if let Some(v) = map.get("x-example") {
            schema.insert("example".into(), v.clone());
        }
    }
    Value::Object(schema)
}

/// A 2.0 schema in the 3.0 dialect, recursively: `x-nullable`, `type: file`, string
/// `discriminator`.
fn schema_of(schema: &Value) -> Value {
    let mut out = schema.clone();
    fix_schema(&mut out, 0);
    out
}

/// A bundled external document: its schema-looking nodes are converted.
fn schema_of_document(doc: &Value) -> Value {
    let mut out = doc.clone();
    fix_schema(&mut out, 0);
    out
}

fn fix_schema(node: &mut Value, depth: usize) {
    if depth > 64 {
        return;
    }
    let Value::Object(map) = node else {
        if let Value::Array(items) = node {
            for item in items {
                fix_schema(item, depth + 1);
            }
        }
        return;
    };
    if let Some(nullable) = map.shift_remove("x-nullable") {
        map.insert("nullable".into(), nullable);
    }
    if map.get("type").and_then(Value::as_str) == Some("file") {
        map.insert("type".into(), json!("string"));
        map.insert("format".into(), json!("binary"));
    }
    if let Some(Value::String(property)) = map.get("discriminator") {
        let property = property.clone();
        map.insert("discriminator".into(), json!({"propertyName": property}));
    }
    for (key, child) in map.iter_mut() {
        if matches!(key.as_str(), "properties" | "patternProperties" | "definitions") {
            if let Value::Object(children) = child {
                children.values_mut().for_each(|c| fix_schema(c, depth + 1));
            }
            continue;
        }
        // Example payloads and enums are data, not schemas.
        if matches!(key.as_str(), "example" | "examples" | "enum" | "default" | "x-example" | "discriminator") {
            continue;
        }
        fix_schema(child, depth + 1);
    }
}

/// `#/definitions/X` -> `#/components/schemas/X`, and the same for parameters and responses.
fn rewrite_refs(node: &mut Value) {
    match node {
        Value::Object(map) => {
            if let Some(Value::String(r)) = map.get_mut("$ref") {
                for (old, new) in [
                    ("#/definitions/", "#/components/schemas/"),
                    ("#/parameters/", "#/components/parameters/"),
                    ("#/responses/", "#/components/responses/"),
                ] {
                    if let Some(rest) = r.strip_prefix(old) {
                        *r = format!("{new}{rest}");
                        break;
                    }
                }
            }
            for child in map.values_mut() {
                rewrite_refs(child);
            }
        }
        Value::Array(items) => items.iter_mut().for_each(rewrite_refs),
        _ => {}
    }
}

/// Each entry of an object's `parameters` array, with its pointer in the 2.0 document.
fn indexed_parameters(map: &Map<String, Value>, at: &str) -> Vec<(Value, String)> {
    let list = pointer::join(at, "parameters");
    map.get("parameters")
        .and_then(Value::as_array)
        .map(|ps| ps.iter().enumerate().map(|(i, p)| (p.clone(), pointer::join_index(&list, i))).collect())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use crate::spec::{ParamLocation, ParamStyle, SecuritySchemeSpec, Spec};
    use serde_json::json;

    fn spec() -> Spec {
        Spec::from_value(
            "s2.json",
            json!({
                "swagger": "2.0", "info": {"title": "t", "version": "1"},
                "host": "api.example", "basePath": "/v1", "schemes": ["https"],
                "securityDefinitions": {"app": {"type": "oauth2", "flow": "application", "tokenUrl": "https://a.example/t", "scopes": {}}},
                "definitions": {"Pet": {"type": "object", "required": ["name"], "properties": {
                    "name": {"type": "string"}, "tag": {"type": "string", "x-nullable": true}}}},
                "paths": {
                    "/pets": {
                        "post": {"operationId": "add", "consumes": ["application/json"],
                            "parameters": [{"in": "body", "name": "pet", "required": true, "schema": {"$ref": "#/definitions/Pet"}}],
                            "responses": {"200": {"description": "ok", "schema": {"$ref": "#/definitions/Pet"}}}},
                        "get": {"operationId": "list", "produces": ["application/xml"],
                            "parameters": [{"in": "query", "name": "ids", "type": "array", "items": {"type": "integer"}, "collectionFormat": "pipes"},
                                           {"in": "query", "name": "t", "type": "array", "items": {"type": "string"}, "collectionFormat": "multi"}],
                            "responses": {"200": {"description": "ok", "schema": {"type": "array", "items": {"$ref": "#/definitions/Pet"}}}}}
                    },
                    "/upload": {"post": {"operationId": "up", "consumes": ["multipart/form-data"],
                        "parameters": [{"in": "formData", "name": "file", "type": "file", "required": true},
                                       {"in": "formData", "name": "n", "type": "integer", "maximum": 3}],
                        "responses": {"204": {"description": "ok"}}}}
                }
            }),
        )
        .unwrap()
    }

    #[test]
    fn swagger_2_constructs_become_the_3_0_model() {
        let s = spec();
        assert_eq!(s.servers, ["https://api.example/v1"]);
        let add = s.operation("add").unwrap();
        let body = add.request_body.as_ref().unwrap();
        assert!(body.required);
        let schema = body.content[0].schema.as_ref().unwrap();
        assert!(schema.is_valid(&json!({"name": "a", "tag": null})), "x-nullable");
        assert!(!schema.is_valid(&json!({"tag": "x"})), "definitions are components");
        let list = s.operation("list").unwrap();
        assert_eq!(list.responses[0].content[0].name, "application/xml");
        let styles: Vec<(ParamStyle, bool)> = list.parameters.iter().map(|p| (p.style, p.explode)).collect();
        assert_eq!(styles, [(ParamStyle::PipeDelimited, false), (ParamStyle::Form, true)]);
        assert!(list.parameters.iter().all(|p| p.location == ParamLocation::Query));
        let ids = list.parameters[0].schema.as_ref().unwrap();
        assert!(ids.is_valid(&json!([1])) && !ids.is_valid(&json!(["x"])));
        let up = s.operation("up").unwrap().request_body.as_ref().unwrap();
        assert_eq!(up.content[0].name, "multipart/form-data");
        let form = up.content[0].schema.as_ref().unwrap();
        assert!(form.is_valid(&json!({"file": "bytes", "n": 3})));
        assert!(!form.is_valid(&json!({"n": 4})), "file is required and n has its bound");
        match &s.security_schemes["app"] {
            SecuritySchemeSpec::OAuth2 { client_credentials: Some(flow), .. } => {
                assert_eq!(flow.token_url, "https://a.example/t")
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn findings_point_into_the_2_0_document() {
        let s = Spec::from_value(
            "s2.json",
            json!({"swagger": "2.0", "info": {"title": "t", "version": "1"},
                "definitions": {"A": {"type": "string", "pattern": "^(a$"}},
                "paths": {"/a": {"get": {"parameters": [{"in": "query", "name": "q", "type": "string", "pattern": "(b"}],
                    "responses": {"200": {"description": "ok", "schema": {"$ref": "#/definitions/A"}}}}}}}),
        )
        .unwrap();
        let at: Vec<&str> = s.findings.iter().map(|f| f.pointer.as_str()).collect();
        assert!(at.contains(&"/definitions/A/pattern"), "{at:?}");
        assert!(at.contains(&"/paths/~1a/get/parameters/0/pattern"), "{at:?}");
    }
}
