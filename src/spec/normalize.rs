//! openapiv3 -> conform's model, piece by piece.
//!
//! openapiv3 reads the 3.0 shapes of these pieces; 3.1 pieces have the same shape except for a
//! few relaxations handled here (a response without `description`, `mutualTLS`, `webhooks`),
//! and Swagger 2.0 arrives already converted into the 3.0 shape by [`super::swagger2`]. So one
//! normaliser serves every version.
//!
//! Each parameter, request body, response, header, security scheme and operation shell is
//! deserialised with openapiv3 on its own, so a malformed piece is a finding that costs only
//! that piece. Schemas are not read through openapiv3 at all: they are recorded as pointers
//! (replaced by `{}` before openapiv3 sees them) and converted by [`super::schema`], which
//! copes with shapes openapiv3 would refuse.

use super::finding::{FindingKind, SpecFinding};
use super::model::*;
use super::pointer;
use indexmap::IndexMap;
use openapiv3 as oa;
use serde::de::DeserializeOwned;
use serde_json::Value;
use std::collections::HashMap;

/// Deepest chain of OpenAPI-level `$ref`s (a parameter that refers to one that refers…).
const MAX_REF_CHAIN: usize = 16;

/// What normalisation produced, before schemas are compiled and bound.
pub(super) struct Normalized {
    pub title: String,
    pub version: String,
    pub openapi: String,
    pub servers: Vec<String>,
    pub operations: Vec<Operation>,
    pub security_schemes: IndexMap<String, SecuritySchemeSpec>,
    /// Every schema pointer the model uses (roots for the schema passes), in model order.
    pub schema_roots: Vec<String>,
    /// 3.1 `webhooks`: described, listed, never fired.
    pub webhooks: Vec<Webhook>,
}

struct Ctx<'d> {
    doc: &'d Value,
    /// Whether 3.1 relaxations apply.
    v31: bool,
    findings: &'d mut Vec<SpecFinding>,
    roots: Vec<String>,
}

/// Normalises the bundled document.
pub(super) fn normalize(doc: &Value, v31: bool, findings: &mut Vec<SpecFinding>) -> Normalized {
    let mut ctx = Ctx { doc, v31, findings, roots: Vec::new() };
    let info = doc.get("info");
    let text =
        |v: Option<&Value>, key: &str| v.and_then(|v| v.get(key)).and_then(Value::as_str).unwrap_or("").to_owned();
    let title = text(info, "title");
    let version = text(info, "version");
    let openapi = text(Some(doc), "openapi");
    let servers = ctx
        .piece::<Vec<oa::Server>>(doc.get("servers"), "/servers")
        .unwrap_or_default()
        .into_iter()
        .map(|s| expand_server(&s))
        .collect();
    let security_schemes = ctx.security_schemes();
    let global_security = ctx.security(doc.get("security"), "/security", &security_schemes).unwrap_or_default();

    let mut operations = Vec::new();
    if let Some(paths) = doc.get("paths").and_then(Value::as_object) {
        for (path, item) in paths {
            if path.starts_with("x-") {
                continue;
            }
            let item_at = pointer::join("/paths", path);
            ctx.path_item(path, item, &item_at, &global_security, &security_schemes, &mut operations);
        }
    } else if doc.get("paths").is_some() {
        ctx.finding(FindingKind::InvalidStructure, "/paths", "`paths` is not a mapping; no operation is loaded".into());
    }
    dedupe_ids(&mut operations, ctx.findings);
    let webhooks = ctx.webhooks();
    if let Some(schemas) = doc.pointer("/components/schemas").and_then(Value::as_object) {
        for name in schemas.keys() {
            ctx.roots.push(pointer::join("/components/schemas", name));
        }
    }
    Normalized { title, version, openapi, servers, operations, security_schemes, schema_roots: ctx.roots, webhooks }
}

/// A server URL with its variables replaced by their defaults.
fn expand_server(server: &oa::Server) -> String {
    let mut url = server.url.clone();
    if let Some(vars) = &server.variables {
        for (name, var) in vars {
            url = url.replace(&format!("{{{name}}}"), &var.default);
        }
    }
    url
}

/// Operation ids must be unique: later duplicates get a `#2` suffix and a finding.
fn dedupe_ids(operations: &mut [Operation], findings: &mut Vec<SpecFinding>) {
    let mut seen: HashMap<String, usize> = HashMap::new();
    for op in operations.iter_mut() {
        let count = seen.entry(op.id.clone()).or_insert(0);
        *count += 1;
        if *count > 1 {
            findings.push(SpecFinding::new(
                FindingKind::DuplicateOperationId,
                pointer::join(&op.pointer, "operationId"),
                format!("operationId `{}` is used more than once; this one is called `{}#{count}`", op.id, op.id),
            ));
            op.id = format!("{}#{count}", op.id);
        }
    }
}

/// Replaces schema positions inside a piece with `{}` so openapiv3 never judges a schema.
fn neutralize(piece: &mut Value) {
    let Value::Object(map) = piece else { return };
    if map.contains_key("schema") {
        map.insert("schema".into(), Value::Object(Default::default()));
    }
    for key in ["content", "headers"] {
        if let Some(Value::Object(children)) = map.get_mut(key) {
            for child in children.values_mut() {
                neutralize(child);
            }
        }
    }
}

impl Ctx<'_> {
    /// The operations under 3.1 `webhooks` (each a path item, possibly a `$ref`), by name and
    /// method. They are requests the API sends, so conform lists them and never fires them.
    fn webhooks(&mut self) -> Vec<Webhook> {
        let mut out = Vec::new();
        let doc = self.doc;
        let Some(Value::Object(hooks)) = doc.get("webhooks") else { return out };
        for (name, item) in hooks {
            let Some((item, at)) = self.resolve(item, pointer::join("/webhooks", name)) else { continue };
            let Some(map) = item.as_object() else { continue };
            for (key, op) in map {
                let Some(method) = Method::ALL.into_iter().find(|m| m.key() == key) else { continue };
                out.push(Webhook {
                    name: name.clone(),
                    method,
                    operation_id: op.get("operationId").and_then(Value::as_str).map(str::to_owned),
                    summary: op.get("summary").and_then(Value::as_str).map(str::to_owned),
                    pointer: pointer::join(&at, key),
                });
            }
        }
        out
    }

    fn finding(&mut self, kind: FindingKind, at: &str, message: String) {
        self.findings.push(SpecFinding::new(kind, at, message));
    }

    /// Deserialises one piece; a failure is a finding and `None`.
    fn piece<T: DeserializeOwned>(&mut self, value: Option<&Value>, at: &str) -> Option<T> {
        let mut value = value?.clone();
        neutralize(&mut value);
        match serde_json::from_value::<T>(value) {
            Ok(v) => Some(v),
            Err(e) => {
                self.finding(FindingKind::InvalidStructure, at, format!("cannot be read ({e}); it is left out"));
                None
            }
        }
    }

    /// Follows an OpenAPI-level `$ref` chain; returns the target and its pointer.
    fn resolve<'v>(&mut self, mut value: &'v Value, mut at: String) -> Option<(&'v Value, String)>
    where
        Self: 'v,
    {
        let doc: &'v Value = self.doc;
        for _ in 0..MAX_REF_CHAIN {
            let Some(reference) = value.get("$ref") else { return Some((value, at)) };
            let target = reference.as_str().and_then(pointer::local_fragment);
            match target.and_then(|f| pointer::get(doc, f).map(|v| (v, f.to_owned()))) {
                Some((next, next_at)) => {
                    value = next;
                    at = next_at;
                }
                None => {
                    self.finding(
                        FindingKind::UnresolvedRef,
                        &pointer::join(&at, "$ref"),
                        format!("{reference} does not resolve; what it stands for is left out"),
                    );
                    return None;
                }
            }
        }
        self.finding(FindingKind::UnresolvedRef, &at, "`$ref` chain is too long or cyclic; it is left out".into());
        None
    }

    fn schema(&mut self, container: &Value, container_at: &str, direction: Direction) -> Option<Schema> {
        container.get("schema")?;
        let at = pointer::join(container_at, "schema");
        self.roots.push(at.clone());
        Some(Schema::pending(at, direction))
    }

    fn examples(&mut self, container: &Value) -> Vec<Value> {
        let mut out = Vec::new();
        if let Some(example) = container.get("example") {
            out.push(example.clone());
        }
        if let Some(Value::Object(examples)) = container.get("examples") {
            for example in examples.values() {
                let resolved = self.resolve(example, String::new()).map(|(v, _)| v);
                if let Some(value) = resolved.and_then(|e| e.get("value")) {
                    out.push(value.clone());
                }
            }
        }
        out
    }

    fn media_types(&mut self, container: &Value, container_at: &str, direction: Direction) -> Vec<MediaTypeSpec> {
        let Some(Value::Object(content)) = container.get("content") else { return Vec::new() };
        let content_at = pointer::join(container_at, "content");
        content
            .iter()
            .map(|(name, media)| {
                let at = pointer::join(&content_at, name);
                MediaTypeSpec {
                    name: name.clone(),
                    schema: self.schema(media, &at, direction),
                    examples: self.examples(media),
                    part_types: part_types(media),
                    pointer: at,
                }
            })
            .collect()
    }

    fn security_schemes(&mut self) -> IndexMap<String, SecuritySchemeSpec> {
        let mut out = IndexMap::new();
        let Some(Value::Object(schemes)) = self.doc.pointer("/components/securitySchemes") else { return out };
        for (name, raw) in schemes {
            let at = pointer::join("/components/securitySchemes", name);
            let Some((raw, at)) = self.resolve(raw, at) else { continue };
            if self.v31 && raw.get("type").and_then(Value::as_str) == Some("mutualTLS") {
                // 3.1: a client certificate, which conform does not present.
                out.insert(name.clone(), SecuritySchemeSpec::Http { scheme: "mutualTLS".to_owned() });
                continue;
            }
            let Some(scheme) = self.piece::<oa::SecurityScheme>(Some(raw), &at) else { continue };
            out.insert(name.clone(), security_scheme(scheme));
        }
        out
    }

    fn security(
        &mut self,
        value: Option<&Value>,
        at: &str,
        schemes: &IndexMap<String, SecuritySchemeSpec>,
    ) -> Option<Vec<SecurityAlternative>> {
        let requirements = self.piece::<Vec<oa::SecurityRequirement>>(value, at)?;
        let mut out = Vec::new();
        for (i, requirement) in requirements.into_iter().enumerate() {
            for name in requirement.keys() {
                if !schemes.contains_key(name) {
                    self.finding(
                        FindingKind::UnknownSecurityScheme,
                        &pointer::join(&pointer::join_index(at, i), name),
                        format!("security scheme `{name}` is not defined in components.securitySchemes"),
                    );
                }
            }
            out.push(SecurityAlternative { schemes: requirement.into_iter().collect() });
        }
        Some(out)
    }

    fn path_item(
        &mut self,
        path: &str,
        item: &Value,
        item_at: &str,
        global_security: &[SecurityAlternative],
        schemes: &IndexMap<String, SecuritySchemeSpec>,
        operations: &mut Vec<Operation>,
    ) {
        let Some((item, item_at)) = self.resolve(item, item_at.to_owned()) else { return };
        if !item.is_object() {
            self.finding(
                FindingKind::InvalidStructure,
                &item_at,
                "a path item must be a mapping; it is left out".into(),
            );
            return;
        }
        let shared = self.parameters(item.get("parameters"), &pointer::join(&item_at, "parameters"));
        let template = PathTemplate::parse(path);
        // Document order: the order the author wrote the methods in.
        let methods = item
            .as_object()
            .into_iter()
            .flat_map(|m| m.iter())
            .filter_map(|(key, op)| Method::ALL.into_iter().find(|m| m.key() == key).map(|m| (m, op)));
        for (method, op) in methods {
            let op_at = pointer::join(&item_at, method.key());
            if let Some(op) = self.operation(path, &template, method, op, &op_at, &shared, global_security, schemes) {
                operations.push(op);
            }
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn operation(
        &mut self,
        path: &str,
        template: &PathTemplate,
        method: Method,
        raw: &Value,
        at: &str,
        shared: &[ParameterSpec],
        global_security: &[SecurityAlternative],
        schemes: &IndexMap<String, SecuritySchemeSpec>,
    ) -> Option<Operation> {
        let Value::Object(map) = raw else {
            self.finding(FindingKind::InvalidStructure, at, "an operation must be a mapping; it is left out".into());
            return None;
        };
        // The shell: everything but the pieces read one by one below.
        let mut shell = map.clone();
        for key in ["parameters", "requestBody", "responses", "callbacks", "security"] {
            shell.shift_remove(key);
        }
        shell.insert("responses".into(), Value::Object(Default::default()));
        let shell: oa::Operation = self.piece(Some(&Value::Object(shell)), at)?;

        let mut parameters = shared.to_vec();
        for param in self.parameters(raw.get("parameters"), &pointer::join(at, "parameters")) {
            match parameters.iter_mut().find(|p| p.name == param.name && p.location == param.location) {
                Some(existing) => *existing = param,
                None => parameters.push(param),
            }
        }
        self.check_path_params(template, &mut parameters, at);

        let request_body = raw.get("requestBody").and_then(|b| self.request_body(b, &pointer::join(at, "requestBody")));
        let responses = self.responses(raw.get("responses"), &pointer::join(at, "responses"));
        // An unreadable operation-level `security` is a finding; falling back to "no security"
        // would read as anonymous access, so the global requirement stands instead.
        let security = match raw.get("security") {
            Some(value) => self
                .security(Some(value), &pointer::join(at, "security"), schemes)
                .unwrap_or_else(|| global_security.to_vec()),
            None => global_security.to_vec(),
        };
        let operation_id = shell.operation_id.filter(|id| !id.trim().is_empty());
        Some(Operation {
            id: operation_id.clone().unwrap_or_else(|| format!("{} {path}", method.as_str())),
            operation_id,
            method,
            path: path.to_owned(),
            template: template.clone(),
            pointer: at.to_owned(),
            summary: shell.summary,
            tags: shell.tags,
            deprecated: shell.deprecated,
            stability: raw.get("x-stability-level").and_then(Value::as_str).map(str::to_owned),
            parameters,
            request_body,
            responses,
            security,
            unchecked: Vec::new(),
        })
    }

    /// Every template variable needs a path parameter and vice versa. A missing parameter is
    /// added as a plain required string so that requests can still be built.
    fn check_path_params(&mut self, template: &PathTemplate, params: &mut Vec<ParameterSpec>, at: &str) {
        for name in template.params() {
            if !params.iter().any(|p| p.location == ParamLocation::Path && p.name == name) {
                self.finding(
                    FindingKind::PathParameterMismatch,
                    at,
                    format!("path variable `{{{name}}}` has no path parameter; it is treated as a required string"),
                );
                params.push(ParameterSpec {
                    name: name.to_owned(),
                    location: ParamLocation::Path,
                    required: true,
                    deprecated: false,
                    style: ParamStyle::Simple,
                    explode: false,
                    allow_reserved: false,
                    allow_empty_value: false,
                    schema: None,
                    content_type: None,
                    examples: Vec::new(),
                    description: None,
                    pointer: at.to_owned(),
                });
            }
        }
        let names: Vec<&str> = template.params().collect();
        params.retain(|p| {
            let stray = p.location == ParamLocation::Path && !names.contains(&p.name.as_str());
            if stray {
                self.findings.push(SpecFinding::new(
                    FindingKind::PathParameterMismatch,
                    p.pointer.clone(),
                    format!("path parameter `{}` is not in the path template; it is left out", p.name),
                ));
            }
            !stray
        });
    }

    fn parameters(&mut self, list: Option<&Value>, at: &str) -> Vec<ParameterSpec> {
        let Some(list) = list else { return Vec::new() };
        let Some(items) = list.as_array() else {
            self.finding(FindingKind::InvalidStructure, at, "`parameters` must be a list; it is left out".into());
            return Vec::new();
        };
        let mut out = Vec::new();
        for (i, raw) in items.iter().enumerate() {
            let Some((raw, p_at)) = self.resolve(raw, pointer::join_index(at, i)) else { continue };
            let Some(param) = self.piece::<oa::Parameter>(Some(raw), &p_at) else { continue };
            if let Some(p) = self.parameter(param, raw, &p_at) {
                out.push(p);
            }
        }
        out
    }

    fn parameter(&mut self, param: oa::Parameter, raw: &Value, at: &str) -> Option<ParameterSpec> {
        let (data, location, style, allow_reserved, allow_empty_value) = match param {
            oa::Parameter::Query { parameter_data, allow_reserved, style, allow_empty_value } => {
                let style = match style {
                    oa::QueryStyle::Form => ParamStyle::Form,
                    oa::QueryStyle::SpaceDelimited => ParamStyle::SpaceDelimited,
                    oa::QueryStyle::PipeDelimited => ParamStyle::PipeDelimited,
                    oa::QueryStyle::DeepObject => ParamStyle::DeepObject,
                };
                (parameter_data, ParamLocation::Query, style, allow_reserved, allow_empty_value.unwrap_or(false))
            }
            oa::Parameter::Header { parameter_data, .. } => {
                (parameter_data, ParamLocation::Header, ParamStyle::Simple, false, false)
            }
            oa::Parameter::Path { parameter_data, style } => {
                let style = match style {
                    oa::PathStyle::Matrix => ParamStyle::Matrix,
                    oa::PathStyle::Label => ParamStyle::Label,
                    oa::PathStyle::Simple => ParamStyle::Simple,
                };
                (parameter_data, ParamLocation::Path, style, false, false)
            }
            oa::Parameter::Cookie { parameter_data, .. } => {
                (parameter_data, ParamLocation::Cookie, ParamStyle::Form, false, false)
            }
        };
        // OpenAPI: these header parameters are ignored (they are set by the client itself).
        if location == ParamLocation::Header
            && ["accept", "content-type", "authorization"].contains(&data.name.to_ascii_lowercase().as_str())
        {
            return None;
        }
        let (schema, content_type) = match &data.format {
            oa::ParameterSchemaOrContent::Schema(_) => (self.schema(raw, at, Direction::Request), None),
            oa::ParameterSchemaOrContent::Content(content) => {
                let media = self.media_types(raw, at, Direction::Request);
                let first = media.into_iter().next();
                if content.len() != 1 {
                    self.finding(
                        FindingKind::InvalidStructure,
                        &pointer::join(at, "content"),
                        "a parameter's `content` must hold exactly one media type; the first is used".into(),
                    );
                }
                (first.as_ref().and_then(|m| m.schema.clone()), first.map(|m| m.name))
            }
        };
        let explode = data.explode.unwrap_or(style == ParamStyle::Form);
        let mut examples = self.examples(raw);
        if examples.is_empty()
            && let Some(example) = raw.pointer("/schema/example")
        {
            examples.push(example.clone());
        }
        Some(ParameterSpec {
            name: data.name,
            location,
            required: data.required || location == ParamLocation::Path,
            deprecated: data.deprecated.unwrap_or(false),
            style,
            explode,
            allow_reserved,
            allow_empty_value,
            schema,
            content_type,
            examples,
            description: data.description,
            pointer: at.to_owned(),
        })
    }

    fn request_body(&mut self, raw: &Value, at: &str) -> Option<RequestBodySpec> {
        let (raw, at) = self.resolve(raw, at.to_owned())?;
        let body = self.piece::<oa::RequestBody>(Some(raw), &at)?;
        Some(RequestBodySpec {
            required: body.required,
            content: self.media_types(raw, &at, Direction::Request),
            pointer: at,
            properties: std::sync::OnceLock::new(),
        })
    }

    fn responses(&mut self, raw: Option<&Value>, at: &str) -> Vec<ResponseSpec> {
        let Some(Value::Object(map)) = raw else {
            if raw.is_some() {
                self.finding(FindingKind::InvalidStructure, at, "`responses` must be a mapping; none is loaded".into());
            }
            return Vec::new();
        };
        let mut out = Vec::new();
        for (key, raw) in map {
            if key.starts_with("x-") {
                continue;
            }
            let r_at = pointer::join(at, key);
            let Some(status) = StatusSpec::parse(key) else {
                self.finding(
                    FindingKind::InvalidStructure,
                    &r_at,
                    format!("`{key}` is not a status code, a range such as 4XX, or default; it is left out"),
                );
                continue;
            };
            let Some((raw, r_at)) = self.resolve(raw, r_at) else { continue };
            let response = if self.v31 && raw.get("description").is_none() && raw.is_object() {
                // 3.1 made `description` optional; openapiv3 (3.0) still requires it.
                let mut with = raw.clone();
                if let Some(map) = with.as_object_mut() {
                    map.insert("description".into(), Value::String(String::new()));
                }
                self.piece::<oa::Response>(Some(&with), &r_at)
            } else {
                self.piece::<oa::Response>(Some(raw), &r_at)
            };
            let Some(response) = response else { continue };
            let headers = self.headers(raw, &r_at);
            let links = self.links(&response, raw, &r_at);
            out.push(ResponseSpec {
                status,
                description: response.description,
                content: self.media_types(raw, &r_at, Direction::Response),
                headers,
                links,
                pointer: r_at,
            });
        }
        out
    }

    fn headers(&mut self, response: &Value, at: &str) -> Vec<HeaderSpec> {
        let Some(Value::Object(map)) = response.get("headers") else { return Vec::new() };
        let base = pointer::join(at, "headers");
        let mut out = Vec::new();
        for (name, raw) in map {
            if name.eq_ignore_ascii_case("content-type") {
                continue; // OpenAPI: a Content-Type header definition is ignored.
            }
            let Some((raw, h_at)) = self.resolve(raw, pointer::join(&base, name)) else { continue };
            let Some(header) = self.piece::<oa::Header>(Some(raw), &h_at) else { continue };
            let schema = match header.format {
                oa::ParameterSchemaOrContent::Schema(_) => self.schema(raw, &h_at, Direction::Response),
                oa::ParameterSchemaOrContent::Content(_) => {
                    self.media_types(raw, &h_at, Direction::Response).into_iter().next().and_then(|m| m.schema)
                }
            };
            out.push(HeaderSpec {
                name: name.clone(),
                required: header.required,
                deprecated: header.deprecated.unwrap_or(false),
                schema,
                pointer: h_at,
            });
        }
        out
    }

    fn links(&mut self, response: &oa::Response, raw: &Value, at: &str) -> Vec<LinkSpec> {
        let mut out = Vec::new();
        for name in response.links.keys() {
            let l_at = pointer::join(&pointer::join(at, "links"), name);
            let Some(raw_link) = raw.get("links").and_then(|l| l.get(name)) else { continue };
            let Some((raw_link, l_at)) = self.resolve(raw_link, l_at) else { continue };
            let Some(link) = self.piece::<oa::Link>(Some(raw_link), &l_at) else { continue };
            let (operation_id, operation_ref) = match link.operation {
                oa::LinkOperation::OperationId(id) => (Some(id), None),
                oa::LinkOperation::OperationRef(r) => (None, Some(r)),
            };
            out.push(LinkSpec {
                name: name.clone(),
                operation_id,
                operation_ref,
                parameters: link.parameters.into_iter().collect(),
                request_body: link.request_body,
            });
        }
        out
    }
}

/// `encoding.<property>.contentType` of a media type object, where written as a string.
fn part_types(media: &Value) -> Vec<(String, String)> {
    let Some(Value::Object(encoding)) = media.get("encoding") else { return Vec::new() };
    encoding.iter().filter_map(|(name, e)| Some((name.clone(), e.get("contentType")?.as_str()?.to_owned()))).collect()
}

fn security_scheme(scheme: oa::SecurityScheme) -> SecuritySchemeSpec {
    match scheme {
        oa::SecurityScheme::HTTP { scheme, bearer_format, .. } => match scheme.to_ascii_lowercase().as_str() {
            "basic" => SecuritySchemeSpec::Basic,
            "digest" => SecuritySchemeSpec::Digest,
            "bearer" => SecuritySchemeSpec::Bearer { format: bearer_format },
            _ => SecuritySchemeSpec::Http { scheme },
        },
        oa::SecurityScheme::APIKey { location, name, .. } => SecuritySchemeSpec::ApiKey {
            location: match location {
                oa::APIKeyLocation::Query => ParamLocation::Query,
                oa::APIKeyLocation::Header => ParamLocation::Header,
                oa::APIKeyLocation::Cookie => ParamLocation::Cookie,
            },
            name,
        },
        oa::SecurityScheme::OAuth2 { flows, .. } => {
            let mut other = Vec::new();
            if flows.implicit.is_some() {
                other.push("implicit".to_owned());
            }
            if flows.password.is_some() {
                other.push("password".to_owned());
            }
            if flows.authorization_code.is_some() {
                other.push("authorizationCode".to_owned());
            }
            SecuritySchemeSpec::OAuth2 {
                client_credentials: flows.client_credentials.map(|f| OAuthFlowSpec {
                    token_url: f.token_url,
                    refresh_url: f.refresh_url,
                    scopes: f.scopes.into_keys().collect(),
                }),
                other_flows: other,
            }
        }
        oa::SecurityScheme::OpenIDConnect { open_id_connect_url, .. } => {
            SecuritySchemeSpec::OpenIdConnect { url: open_id_connect_url }
        }
    }
}
