//! What operations do to server state, which OpenAPI cannot say: "defer increments
//! `numberOfDeferrals`", "DELETE restores the default window", "POST creates an item that GET
//! then returns".
//!
//! One model serves two masters: the reference mock implements it, and the stateful checks hold
//! a target to it. It comes from a sidecar file next to the spec (`NAME.semantics.yaml` beside
//! `NAME.yaml`), documented in `specs/README.md`; without one it is inferred from the paths
//! (collection + item -> create/read/update/delete; a singleton with GET -> read/update/reset).

use super::model::{Method, Operation};
use super::{Spec, pointer};
use indexmap::IndexMap;
use serde::Deserialize;
use serde_json::{Map, Value};
use std::path::{Path, PathBuf};

/// How resources of one kind are addressed.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ResourceKind {
    /// Exists implicitly (with `default`) for every value of the template's variables.
    Singleton,
    /// Items created by a POST on `collection`, each addressed by `instance`.
    Collection,
}

/// One kind of resource.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Resource {
    /// A singleton or a collection of items.
    pub kind: ResourceKind,
    /// Path template of one resource (`/groups/{groupId}/maintenanceWindow`).
    pub instance: String,
    /// Path template of the collection (collections only).
    #[serde(default)]
    pub collection: Option<String>,
    /// Template variable that carries the item id (collections only).
    #[serde(default)]
    pub id_param: Option<String>,
    /// Body field that carries the item id (collections only).
    #[serde(default)]
    pub id_field: Option<String>,
    /// State of a singleton never written, and after a reset. When absent the mock takes the
    /// read operation's example or generates one; stateful checks then only compare resets
    /// with each other.
    #[serde(default)]
    pub default: Option<Value>,
    /// Fields the server sets; a write never has to be reflected in them.
    #[serde(default)]
    pub server_fields: Vec<String>,
    /// Fields set on create: a literal, or `$objectid` (24 hex digits), `$now` (RFC 3339),
    /// `{var}` (a path variable).
    #[serde(default)]
    pub on_create: IndexMap<String, Value>,
    /// Fields set to `$now` on every write.
    #[serde(default)]
    pub touch: Vec<String>,
}

/// What an operation does to its resource.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(tag = "effect", rename_all = "snake_case", deny_unknown_fields)]
#[non_exhaustive]
pub enum Effect {
    /// Returns the resource (GET of an item or singleton).
    Read {
        /// The resource's name (a key of [`Semantics::resources`]).
        resource: String,
    },
    /// Returns every item of a collection.
    List {
        /// The collection's name (a key of [`Semantics::resources`]).
        resource: String,
    },
    /// Creates an item from the body.
    Create {
        /// The collection's name (a key of [`Semantics::resources`]).
        resource: String,
    },
    /// Merges the body's fields into the resource, then applies `set`.
    Merge {
        /// The resource's name (a key of [`Semantics::resources`]).
        resource: String,
        /// Fields set after the merge, whatever the body said (field -> value).
        #[serde(default)]
        set: Map<String, Value>,
    },
    /// Replaces the resource with the body, then applies `set`.
    Replace {
        /// The resource's name (a key of [`Semantics::resources`]).
        resource: String,
        /// Fields set after the replacement, whatever the body said (field -> value).
        #[serde(default)]
        set: Map<String, Value>,
    },
    /// Restores a singleton's default.
    Reset {
        /// The singleton's name (a key of [`Semantics::resources`]).
        resource: String,
    },
    /// Removes an item; reading it afterwards gives 404.
    Delete {
        /// The collection's name (a key of [`Semantics::resources`]).
        resource: String,
    },
    /// Adds one to an integer field.
    Increment {
        /// The resource's name (a key of [`Semantics::resources`]).
        resource: String,
        /// The integer field, by name.
        field: String,
    },
    /// Flips a boolean field.
    Toggle {
        /// The resource's name (a key of [`Semantics::resources`]).
        resource: String,
        /// The boolean field, by name.
        field: String,
    },
    /// Changes nothing that can be observed.
    None {
        /// The resource it concerns, if any.
        #[serde(default)]
        resource: Option<String>,
    },
}

impl Effect {
    /// The resource the effect applies to.
    pub fn resource(&self) -> Option<&str> {
        match self {
            Effect::Read { resource }
            | Effect::List { resource }
            | Effect::Create { resource }
            | Effect::Merge { resource, .. }
            | Effect::Replace { resource, .. }
            | Effect::Reset { resource }
            | Effect::Delete { resource }
            | Effect::Increment { resource, .. }
            | Effect::Toggle { resource, .. } => Some(resource),
            Effect::None { resource } => resource.as_deref(),
        }
    }

    /// Whether the effect changes state.
    pub fn is_write(&self) -> bool {
        !matches!(self, Effect::Read { .. } | Effect::List { .. } | Effect::None { .. })
    }
}

/// The semantics of a whole spec.
#[derive(Debug, Clone, PartialEq, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Semantics {
    /// Resource name -> how the resource behaves.
    #[serde(default)]
    pub resources: IndexMap<String, Resource>,
    /// Operation id -> effect.
    #[serde(default)]
    pub operations: IndexMap<String, Effect>,
    /// Where it came from: a file path, or `None` when inferred.
    #[serde(skip)]
    pub source: Option<PathBuf>,
}

/// Why a semantics file could not be used.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SemanticsError {
    /// The file could not be read.
    #[error("cannot read {path}: {source}")]
    Read {
        /// The file, as given.
        path: String,
        /// What the file system said.
        #[source]
        source: std::io::Error,
    },
    /// The file is not valid semantics: bad YAML, an unknown field, or names the spec lacks.
    #[error("{path}: {message}")]
    Invalid {
        /// The file, as given.
        path: String,
        /// What is wrong, and where.
        message: String,
    },
}

impl Semantics {
    /// The sidecar path for a spec path: `specs/x.yaml` -> `specs/x.semantics.yaml`.
    pub fn sidecar_for(spec_path: &str) -> Option<PathBuf> {
        if spec_path.starts_with("http://") || spec_path.starts_with("https://") {
            return None;
        }
        let path = Path::new(spec_path);
        let stem = path.file_stem()?.to_str()?;
        Some(path.with_file_name(format!("{stem}.semantics.yaml")))
    }

    /// The sidecar of `spec` if there is one, else semantics inferred from its paths.
    ///
    /// # Errors
    /// [`SemanticsError`] when a sidecar exists but is unreadable or inconsistent with the spec.
    pub fn for_spec(spec: &Spec) -> Result<Semantics, SemanticsError> {
        match Semantics::sidecar_for(&spec.source).filter(|p| p.is_file()) {
            Some(path) => Semantics::load(&path, spec),
            None => Ok(Semantics::infer(spec)),
        }
    }

    /// Reads and checks a semantics file against a spec.
    ///
    /// # Errors
    /// [`SemanticsError`] naming the file and the problem.
    pub fn load(path: &Path, spec: &Spec) -> Result<Semantics, SemanticsError> {
        let shown = path.display().to_string();
        let text =
            std::fs::read_to_string(path).map_err(|source| SemanticsError::Read { path: shown.clone(), source })?;
        let mut semantics: Semantics = serde_yaml_ng::from_str(&text).map_err(|e| {
            let at = e.location().map(|l| format!("{}:{}: ", l.line(), l.column())).unwrap_or_default();
            SemanticsError::Invalid { path: shown.clone(), message: format!("{at}{e}") }
        })?;
        semantics.source = Some(path.to_owned());
        semantics.validate(spec).map_err(|message| SemanticsError::Invalid { path: shown, message })?;
        Ok(semantics)
    }

    fn validate(&self, spec: &Spec) -> Result<(), String> {
        for (id, effect) in &self.operations {
            if spec.operation(id).is_none() {
                return Err(format!("operation `{id}` is not in the spec"));
            }
            if let Some(resource) = effect.resource()
                && !self.resources.contains_key(resource)
            {
                return Err(format!("operation `{id}` names resource `{resource}`, which is not defined"));
            }
        }
        for (name, r) in &self.resources {
            if r.kind == ResourceKind::Collection && (r.collection.is_none() || r.id_param.is_none()) {
                return Err(format!("collection resource `{name}` needs `collection` and `id_param`"));
            }
        }
        Ok(())
    }

    /// Infers semantics from paths and methods alone.
    pub fn infer(spec: &Spec) -> Semantics {
        let mut semantics = Semantics::default();
        let has = |path: &str, method: Method| spec.operations.iter().any(|o| o.path == path && o.method == method);
        // An item that can be missing is answered 404; a spec whose item operations document no
        // such answer (no 404, 4XX or default) says every id exists, so its items are not
        // modelled as a collection: the mock would otherwise answer a status the spec does not
        // allow, and the stateful checks would expect one.
        let can_miss =
            |path: &str| spec.operations.iter().filter(|o| o.path == path).all(|o| o.response_for(404).is_some());
        for op in &spec.operations {
            if op.method != Method::Get || semantics.resources.values().any(|r| r.instance == op.path) {
                continue;
            }
            let parent = parent_collection(&op.path);
            let name = format!("resource{}", semantics.resources.len() + 1);
            let resource = match parent {
                Some((collection, id_param)) if has(&collection, Method::Post) && can_miss(&op.path) => Resource {
                    kind: ResourceKind::Collection,
                    instance: op.path.clone(),
                    collection: Some(collection),
                    id_param: Some(id_param),
                    id_field: Some("id".to_owned()),
                    default: None,
                    server_fields: vec!["id".to_owned()],
                    on_create: IndexMap::new(),
                    touch: Vec::new(),
                },
                Some((collection, _)) if has(&collection, Method::Post) => continue,
                _ => {
                    // A GET with a POST on the same path is a collection endpoint, not a singleton.
                    if has(&op.path, Method::Post) {
                        continue;
                    }
                    Resource {
                        kind: ResourceKind::Singleton,
                        instance: op.path.clone(),
                        collection: None,
                        id_param: None,
                        id_field: None,
                        default: None,
                        server_fields: Vec::new(),
                        on_create: IndexMap::new(),
                        touch: Vec::new(),
                    }
                }
            };
            semantics.resources.insert(name, resource);
        }
        for op in &spec.operations {
            if let Some(effect) = infer_effect(&semantics, op) {
                semantics.operations.insert(op.id.clone(), effect);
            }
        }
        semantics
    }

    /// The effect of an operation, if known.
    pub fn effect(&self, operation_id: &str) -> Option<&Effect> {
        self.operations.get(operation_id)
    }

    /// A resource by name.
    pub fn resource(&self, name: &str) -> Option<&Resource> {
        self.resources.get(name)
    }
}

/// `/a/{x}/items/{id}` -> (`/a/{x}/items`, `id`) when the last segment is exactly a variable.
fn parent_collection(path: &str) -> Option<(String, String)> {
    let (parent, last) = path.trim_end_matches('/').rsplit_once('/')?;
    let var = last.strip_prefix('{')?.strip_suffix('}')?;
    (!parent.is_empty() && !var.contains(['{', '}'])).then(|| (parent.to_owned(), var.to_owned()))
}

fn infer_effect(semantics: &Semantics, op: &Operation) -> Option<Effect> {
    let on_instance = semantics.resources.iter().find(|(_, r)| r.instance == op.path).map(|(n, r)| (n.clone(), r));
    let on_collection = semantics
        .resources
        .iter()
        .find(|(_, r)| r.collection.as_deref() == Some(op.path.as_str()))
        .map(|(n, _)| n.clone());
    // The state model is an object whose fields a write sets: a write whose body is not an
    // object (a PUT of a bare array, a POST that adds a list of entries) cannot be modelled, so
    // it is left without an effect. A POST of a list is not the creation of one item.
    let object_body = || {
        op.request_body.as_ref().is_none_or(|b| {
            b.content.iter().filter_map(|m| m.schema.as_ref()).all(|schema| {
                let root = schema.resolve(schema.value());
                match root.get("type") {
                    Some(Value::String(t)) => t == "object",
                    Some(Value::Array(ts)) => ts.iter().any(|t| t == "object"),
                    _ => true,
                }
            })
        })
    };
    match (op.method, on_instance, on_collection) {
        (Method::Patch | Method::Put, Some(_), _) | (Method::Post, _, Some(_)) if !object_body() => None,
        (Method::Get, Some((resource, _)), _) => Some(Effect::Read { resource }),
        (Method::Patch, Some((resource, _)), _) => Some(Effect::Merge { resource, set: Map::new() }),
        (Method::Put, Some((resource, _)), _) => Some(Effect::Replace { resource, set: Map::new() }),
        (Method::Delete, Some((resource, r)), _) => Some(match r.kind {
            ResourceKind::Singleton => Effect::Reset { resource },
            ResourceKind::Collection => Effect::Delete { resource },
        }),
        (Method::Post, _, Some(resource)) => Some(Effect::Create { resource }),
        (Method::Get, _, Some(resource)) => Some(Effect::List { resource }),
        _ => None,
    }
}

/// Applies a write to a resource state (the mock's behaviour and the checker's expectation).
/// `body` is the request body; `now` and `new_id` fill `$now` and `$objectid`. Returns the new
/// state, or `None` when the resource no longer exists.
pub fn apply(
    effect: &Effect,
    resource: &Resource,
    state: Option<&Value>,
    body: Option<&Value>,
    vars: &[(String, String)],
    now: &str,
    new_id: &str,
) -> Option<Value> {
    let fill = |template: &Value| -> Value {
        match template.as_str() {
            Some("$now") => Value::String(now.to_owned()),
            Some("$objectid") => Value::String(new_id.to_owned()),
            Some(s) if s.starts_with('{') && s.ends_with('}') => {
                let var = &s[1..s.len() - 1];
                vars.iter().find(|(k, _)| k == var).map(|(_, v)| Value::String(v.clone())).unwrap_or(Value::Null)
            }
            _ => template.clone(),
        }
    };
    let touch = |mut v: Value| {
        if let Value::Object(map) = &mut v {
            for field in &resource.touch {
                map.insert(field.clone(), Value::String(now.to_owned()));
            }
        }
        v
    };
    let writable = |body: Option<&Value>| -> Map<String, Value> {
        body.and_then(Value::as_object)
            .map(|m| {
                m.iter()
                    .filter(|(k, _)| !resource.server_fields.contains(k))
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect()
            })
            .unwrap_or_default()
    };
    match effect {
        Effect::Read { .. } | Effect::List { .. } | Effect::None { .. } => state.cloned(),
        Effect::Create { .. } => {
            let mut map = writable(body);
            for (field, template) in &resource.on_create {
                map.insert(field.clone(), fill(template));
            }
            if let Some(id_field) = &resource.id_field
                && !map.contains_key(id_field)
            {
                map.insert(id_field.clone(), Value::String(new_id.to_owned()));
            }
            Some(touch(Value::Object(map)))
        }
        Effect::Merge { set, .. } | Effect::Replace { set, .. } => {
            let mut map = match (effect, state) {
                (Effect::Merge { .. }, Some(Value::Object(m))) => m.clone(),
                (Effect::Replace { .. }, Some(Value::Object(m))) => m
                    .iter()
                    .filter(|(k, _)| resource.server_fields.contains(k))
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect(),
                _ => Map::new(),
            };
            for (k, v) in writable(body) {
                merge_field(&mut map, k, v);
            }
            for (k, v) in set {
                map.insert(k.clone(), fill(v));
            }
            Some(touch(Value::Object(map)))
        }
        Effect::Reset { .. } => resource.default.clone().or_else(|| state.cloned()),
        Effect::Delete { .. } => None,
        Effect::Increment { field, .. } => {
            let mut v = state.cloned().unwrap_or_else(|| Value::Object(Map::new()));
            if let Value::Object(map) = &mut v {
                let n = map.get(field).and_then(Value::as_i64).unwrap_or(0);
                map.insert(field.clone(), Value::from(n.saturating_add(1)));
            }
            Some(touch(v))
        }
        Effect::Toggle { field, .. } => {
            let mut v = state.cloned().unwrap_or_else(|| Value::Object(Map::new()));
            if let Value::Object(map) = &mut v {
                let b = map.get(field).and_then(Value::as_bool).unwrap_or(false);
                map.insert(field.clone(), Value::Bool(!b));
            }
            Some(touch(v))
        }
    }
}

/// A nested object in a PATCH merges into the stored one (JSON merge-patch, RFC 7386, without
/// `null` deletes: Atlas treats `null` as "unset", which a later read shows as absent).
fn merge_field(map: &mut Map<String, Value>, key: String, value: Value) {
    match (map.get_mut(&key), value) {
        (Some(Value::Object(existing)), Value::Object(incoming)) => {
            for (k, v) in incoming {
                merge_field(existing, k, v);
            }
        }
        (_, Value::Null) => {
            map.shift_remove(&key);
        }
        (_, v) => {
            map.insert(key, v);
        }
    }
}

/// The resource key of a concrete request: the instance template's variables, in order.
pub fn instance_key(resource: &Resource, vars: &[(String, String)]) -> String {
    let template = super::model::PathTemplate::parse(&resource.instance);
    template
        .params()
        .map(|name| vars.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str()).unwrap_or(""))
        .collect::<Vec<_>>()
        .join("\u{1f}")
}

/// The collection key of a concrete request: the collection template's variables.
pub fn collection_key(resource: &Resource, vars: &[(String, String)]) -> String {
    let template = super::model::PathTemplate::parse(resource.collection.as_deref().unwrap_or(&resource.instance));
    template
        .params()
        .map(|name| vars.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str()).unwrap_or(""))
        .collect::<Vec<_>>()
        .join("\u{1f}")
}

/// Pointer-style field lookup used by expectations (`protectedHours/startHourOfDay`).
pub fn field<'a>(state: &'a Value, path: &str) -> Option<&'a Value> {
    pointer::get(state, &format!("/{}", path.trim_start_matches('/')))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn repo(path: &str) -> String {
        format!("{}/{path}", env!("CARGO_MANIFEST_DIR"))
    }

    #[test]
    fn items_that_cannot_be_missing_are_not_a_collection() {
        let spec = |item_404: bool| {
            let get = if item_404 {
                json!({"responses": {"200": {"description": "ok"}, "404": {"description": "none"}}})
            } else {
                json!({"responses": {"200": {"description": "ok"}}})
            };
            Spec::from_value(
                "t",
                json!({
                    "openapi": "3.0.3", "info": {"title": "t", "version": "1"},
                    "paths": {
                        "/pets": {"post": {"responses": {"201": {"description": "ok"}}}},
                        "/pets/{petId}": {"get": get}
                    }
                }),
            )
            .unwrap()
        };
        let with = Semantics::infer(&spec(true));
        assert_eq!(with.resources.values().map(|r| r.kind.clone()).collect::<Vec<_>>(), [ResourceKind::Collection]);
        let without = Semantics::infer(&spec(false));
        assert!(without.resources.is_empty(), "{:?}", without.resources);
        assert!(without.operations.is_empty());
    }

    #[test]
    fn writes_of_bodies_that_are_not_objects_have_no_inferred_effect() {
        let spec = |body: Value| {
            Spec::from_value(
                "t",
                json!({
                    "openapi": "3.0.3", "info": {"title": "t", "version": "1"},
                    "paths": {"/data": {
                        "get": {"responses": {"200": {"description": "ok"}}},
                        "put": {"operationId": "put",
                                "requestBody": {"content": {"application/json": {"schema": body}}},
                                "responses": {"200": {"description": "ok"}}}
                    }}
                }),
            )
            .unwrap()
        };
        let array = Semantics::infer(&spec(json!({"type": "array"})));
        assert!(array.effect("put").is_none());
        let object = Semantics::infer(&spec(json!({"type": "object"})));
        assert!(matches!(object.effect("put"), Some(Effect::Replace { .. })));
    }

    /// Regression (issue 12, Atlas 2026 `addGroupTeams`, `createAccessListEntry`): a POST that
    /// adds a list of entries to a collection is not the creation of one item.
    #[test]
    fn a_post_of_a_list_creates_no_inferred_item() {
        let spec = |body: Value| {
            Spec::from_value(
                "t",
                json!({
                    "openapi": "3.0.3", "info": {"title": "t", "version": "1"},
                    "paths": {
                        "/teams": {"post": {"operationId": "add",
                            "requestBody": {"content": {"application/json": {"schema": body}}},
                            "responses": {"201": {"description": "ok"}}}},
                        "/teams/{teamId}": {"get": {"operationId": "get", "responses": {
                            "200": {"description": "ok"}, "404": {"description": "none"}}}}
                    }
                }),
            )
            .unwrap()
        };
        let list = Semantics::infer(&spec(json!({"type": "array", "items": {"type": "object"}})));
        assert!(list.effect("add").is_none());
        assert!(matches!(list.effect("get"), Some(Effect::Read { .. })));
        let one = Semantics::infer(&spec(json!({"type": "object"})));
        assert!(matches!(one.effect("add"), Some(Effect::Create { .. })));
    }

    #[test]
    fn inference_finds_collections_and_singletons() {
        let spec = Spec::from_value(
            "t",
            json!({
                "openapi": "3.0.3", "info": {"title": "t", "version": "1"},
                "paths": {
                    "/pets": {"get": {"responses": {"200": {"description": "ok"}}}, "post": {"responses": {"201": {"description": "ok"}}}},
                    "/pets/{petId}": {
                        "get": {"responses": {"200": {"description": "ok"}, "404": {"description": "no such pet"}}},
                        "patch": {"responses": {"200": {"description": "ok"}, "4XX": {"description": "bad"}}},
                        "delete": {"responses": {"204": {"description": "ok"}, "default": {"description": "error"}}}
                    },
                    "/settings": {"get": {"responses": {"200": {"description": "ok"}}}, "put": {"responses": {"200": {"description": "ok"}}}, "delete": {"responses": {"204": {"description": "ok"}}}}
                }
            }),
        )
        .unwrap();
        let s = Semantics::infer(&spec);
        assert_eq!(s.resources.len(), 2);
        let pets = s.resources.values().find(|r| r.instance == "/pets/{petId}").unwrap();
        assert_eq!(
            (pets.kind.clone(), pets.collection.as_deref(), pets.id_param.as_deref()),
            (ResourceKind::Collection, Some("/pets"), Some("petId"))
        );
        let effects: Vec<(&str, &str)> = s
            .operations
            .iter()
            .map(|(id, e)| {
                (
                    id.as_str(),
                    match e {
                        Effect::Read { .. } => "read",
                        Effect::List { .. } => "list",
                        Effect::Create { .. } => "create",
                        Effect::Merge { .. } => "merge",
                        Effect::Replace { .. } => "replace",
                        Effect::Reset { .. } => "reset",
                        Effect::Delete { .. } => "delete",
                        _ => "other",
                    },
                )
            })
            .collect();
        assert_eq!(
            effects,
            [
                ("GET /pets", "list"),
                ("POST /pets", "create"),
                ("GET /pets/{petId}", "read"),
                ("PATCH /pets/{petId}", "merge"),
                ("DELETE /pets/{petId}", "delete"),
                ("GET /settings", "read"),
                ("PUT /settings", "replace"),
                ("DELETE /settings", "reset")
            ]
        );
    }

    #[test]
    fn shipped_sidecars_load_and_name_real_operations() {
        for spec_path in ["specs/atlas-maintenance-window.yaml", "specs/cloud-manager-maintenance-windows.yaml"] {
            let spec = Spec::load(&repo(spec_path)).unwrap();
            let s = Semantics::for_spec(&spec).unwrap();
            assert!(s.source.is_some(), "{spec_path} has a sidecar");
            assert_eq!(s.operations.len(), 5, "{spec_path}");
        }
    }

    #[test]
    fn effects_apply_as_documented() {
        let spec = Spec::load(&repo("specs/atlas-maintenance-window.yaml")).unwrap();
        let s = Semantics::for_spec(&spec).unwrap();
        let window = s.resource("window").unwrap();
        let default = window.default.clone().unwrap();
        let run = |op: &str, state: &Value, body: Option<Value>| {
            apply(
                s.effect(op).unwrap(),
                window,
                Some(state),
                body.as_ref(),
                &[],
                "2026-01-01T00:00:00Z",
                "0".repeat(24).as_str(),
            )
            .unwrap()
        };
        let deferred = run("deferGroupMaintenanceWindow", &default, None);
        assert_eq!(deferred["numberOfDeferrals"], json!(default["numberOfDeferrals"].as_i64().unwrap() + 1));
        let toggled = run("toggleGroupMaintenanceWindowAutoDefer", &deferred, None);
        assert_ne!(toggled["autoDeferOnceEnabled"], deferred["autoDeferOnceEnabled"]);
        assert_eq!(
            run("toggleGroupMaintenanceWindowAutoDefer", &toggled, None)["autoDeferOnceEnabled"],
            deferred["autoDeferOnceEnabled"]
        );
        let patched = run(
            "updateGroupMaintenanceWindow",
            &deferred,
            Some(json!({"dayOfWeek": 2, "protectedHours": {"startHourOfDay": 1}})),
        );
        assert_eq!(
            (patched["dayOfWeek"].clone(), patched["numberOfDeferrals"].clone()),
            (json!(2), json!(0)),
            "PATCH resets deferrals"
        );
        assert_eq!(patched["protectedHours"]["startHourOfDay"], json!(1));
        assert_eq!(run("resetGroupMaintenanceWindow", &patched, None), default);
    }

    #[test]
    fn create_fills_server_fields() {
        let spec = Spec::load(&repo("specs/cloud-manager-maintenance-windows.yaml")).unwrap();
        let s = Semantics::for_spec(&spec).unwrap();
        let (name, window) = s.resources.first().unwrap();
        let effect = s.effect("createMaintenanceWindow").unwrap();
        assert_eq!(effect.resource(), Some(name.as_str()));
        let vars = [("PROJECT-ID".to_owned(), "5628faffd4c606594adaa3b2".to_owned())];
        let body = json!({"startDate": "2015-10-23T22:00:00Z", "endDate": "2015-10-23T23:30:00Z", "alertTypeNames": ["HOST"], "id": "client-chosen"});
        let made = apply(effect, window, None, Some(&body), &vars, "2026-01-01T00:00:00Z", "56294bdfd4c643eef5176b73")
            .unwrap();
        assert_eq!(made["id"], json!("56294bdfd4c643eef5176b73"), "the server picks the id");
        assert_eq!(made["groupId"], json!("5628faffd4c606594adaa3b2"));
        assert_eq!(made["created"], json!("2026-01-01T00:00:00Z"));
        assert_eq!(made["alertTypeNames"], json!(["HOST"]));
        let deleted = apply(s.effect("deleteMaintenanceWindow").unwrap(), window, Some(&made), None, &vars, "", "");
        assert_eq!(deleted, None);
    }
}
