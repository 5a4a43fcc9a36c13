//! Everything the mock precomputes when it starts, so that a request only routes, validates and
//! looks up state: per path the documented methods, per operation its success answer (status,
//! media types, a valid fallback body), required headers and effect, per resource its default
//! state, and a generated value for every documented error schema.

use super::MockConfig;
use super::MockError;
use super::auth::Auth;
use super::errors::{AnswerCache, Shape};
use super::fault::FaultSet;
use super::state::{Ids, LastWritten, Snapshot, Store, stable_hash};
use super::validate::ParamPlan;
use super::values;
use crate::spec::semantics::{Effect, Resource, ResourceKind, Semantics};
use crate::spec::{
    Method, Operation, ParamLocation, ParameterSpec, PathTemplate, ResponseSpec, Schema, Spec, StatusSpec, params,
};
use axum::http::{HeaderName, HeaderValue};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::Arc;

/// The running mock's shared, read-mostly data.
pub(crate) struct App {
    pub spec: Arc<Spec>,
    /// The spec's base path (`/api/public/v1.0`), possibly empty.
    pub base: String,
    pub ops: Vec<OpPlan>,
    /// The path templates' plans.
    pub paths: Vec<PathPlan>,
    /// Indices into `paths` in the order a request path is tried against them (most literal
    /// text first, then document order: the precedence of [`Spec::route`]), by the number of
    /// segments of their template: a path can only match a template of as many segments, so a
    /// request scans one bucket, not every template.
    pub route_order: Vec<Vec<usize>>,
    pub resources: Vec<ResourcePlan>,
    pub store: Store,
    pub ids: Ids,
    pub auth: Auth,
    pub faults: FaultSet,
    /// Error-schema pointer -> a generated valid value, for shapes the mock cannot fill by name.
    pub error_fallbacks: HashMap<String, Value>,
    /// Error-schema pointer -> what the schema declares, for shaping error bodies.
    pub error_shapes: HashMap<String, Shape>,
    /// Error answers already worked out.
    pub error_answers: AnswerCache,
}

/// The operations of one path template.
pub(crate) struct PathPlan {
    pub by_method: Vec<(Method, usize)>,
    /// The `Allow` header of a 405.
    pub allow: HeaderValue,
    pub first_op: usize,
}

/// What one operation needs at request time.
pub(crate) struct OpPlan {
    pub effect: Option<(Effect, usize)>,
    pub success: Success,
    /// Whether the operation documents the `envelope` / `pretty` query parameters.
    pub envelope: bool,
    pub pretty: bool,
    /// Documented request media types (empty: no request body).
    pub body_media: Vec<String>,
    pub body_required: bool,
    /// What requests need to know of each parameter (aligned with `Operation::parameters`).
    pub params: Vec<ParamPlan>,
    /// Required headers of each response (aligned with `Operation::responses`).
    pub required_headers: Vec<Vec<(HeaderName, HeaderValue)>>,
}

/// The success answer of an operation.
pub(crate) struct Success {
    pub status: u16,
    /// Index of the documented response in `Operation::responses`.
    pub response: Option<usize>,
    /// Documented media types of that response.
    pub media: Vec<String>,
    /// The same as `Content-Type` values, and whether each is JSON.
    pub media_header: Vec<HeaderValue>,
    pub media_json: Vec<bool>,
    /// The media type answered when the client states no preference.
    pub preferred: usize,
    /// For each media type: a valid body to answer when there is no state (`None`: none could
    /// be made).
    pub fallback: Vec<Option<Arc<Snapshot>>>,
    /// A 2xx status the operation does not document (for `undocumented-status`).
    pub undocumented: Option<u16>,
    /// For each media type: where its schema marks a property `writeOnly`, which a stored
    /// state shown back leaves out ([`crate::spec::write_only_places`]).
    pub write_only: Vec<Vec<Vec<String>>>,
}

/// A resource of the semantics, ready to key and default.
pub(crate) struct ResourcePlan {
    pub resource: Resource,
    pub instance_params: Vec<String>,
    pub collection_params: Vec<String>,
    /// A singleton's state before any write (also put in `resource.default`).
    pub default: Option<Arc<Snapshot>>,
    /// Whether item ids are numbers rather than strings.
    pub id_integer: bool,
    /// The id parameter of every operation on an item (read, update, delete): a new item's id
    /// must be a value each of them accepts, or the item could not be addressed.
    pub id_params: Vec<ParameterSpec>,
    /// The read operation's success schema and a valid answer for it: every stored state is
    /// completed to fit it ([`super::state::complete`]), so reads show what writes stored.
    pub read_shape: Option<(Schema, Option<Value>)>,
    /// A singleton's most recent write to any instance (only kept with `cross-parent-read`).
    pub last_written: LastWritten,
}

impl ResourcePlan {
    /// A state to store: completed to fit the read's schema where it does not already.
    pub(super) fn shaped(&self, state: Value) -> Value {
        match &self.read_shape {
            Some((schema, base)) => super::state::completed(schema, base.as_ref(), state),
            None => state,
        }
    }

    /// A new item's id, not in use (`taken`): the next hex id (or number, for numeric ids)
    /// when every id parameter accepts it, else one drawn from the parameters' schemas (a
    /// UUID, `vpce-…`, an address). The hex id when nothing fits.
    pub(super) fn new_id(&self, ids: &Ids, taken: impl Fn(&str) -> bool) -> String {
        let first = if self.id_integer { ids.next_number().to_string() } else { ids.next_hex() };
        if self.id_fits(&first) && !taken(&first) {
            return first;
        }
        for _ in 0..ID_ATTEMPTS {
            let seed = crate::rng::mix(ids.next_number() ^ 0x5eed_1d5e_ed1d_5eed);
            for schema in self.id_params.iter().filter_map(|p| p.schema.as_ref()) {
                let Some(value) = values::generate(schema, seed) else { continue };
                let text = params::scalar_text(&value);
                if !text.is_empty() && self.id_fits(&text) && !taken(&text) {
                    return text;
                }
            }
        }
        first
    }

    /// Whether every id parameter accepts `id` as its (decoded) path value.
    fn id_fits(&self, id: &str) -> bool {
        self.id_params
            .iter()
            .all(|p| p.schema.as_ref().is_none_or(|schema| schema.is_valid(&params::parse(p, &[id], &[]))))
    }

    /// The key of one instance: the instance template's variables joined, as
    /// [`crate::spec::semantics::instance_key`] computes it.
    pub(super) fn instance_key(&self, vars: &[(String, String)]) -> String {
        join_vars(&self.instance_params, vars)
    }

    /// The key of a collection, as [`crate::spec::semantics::collection_key`] computes it.
    pub(super) fn collection_key(&self, vars: &[(String, String)]) -> String {
        join_vars(&self.collection_params, vars)
    }
}

/// [`PathTemplate::split`] collected, splitting at `/` bytes directly (what `str::split` with a
/// `char` costs showed in profiles: paths are split once per request).
fn split_path(path: &str) -> Vec<&str> {
    let path = path.trim_start_matches('/');
    let mut out = Vec::with_capacity(8);
    let mut start = 0;
    for (i, b) in path.bytes().enumerate() {
        if b == b'/' {
            out.push(&path[start..i]);
            start = i + 1;
        }
    }
    out.push(&path[start..]);
    out
}

fn join_vars(names: &[String], vars: &[(String, String)]) -> String {
    let mut out = String::new();
    for (i, name) in names.iter().enumerate() {
        if i > 0 {
            out.push('\u{1f}');
        }
        out.push_str(vars.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str()).unwrap_or(""));
    }
    out
}

impl App {
    /// The plan of the path template `path` (below the base path, still percent-encoded)
    /// matches; `vars` then holds the raw variable values. Templates are tried most literal
    /// text first (the precedence of [`Spec::route`]); among the templates that match, the
    /// first that documents `method` wins, so that `/a/{id}` (GET) and `/a/{name}` (POST),
    /// which share a shape, both answer their documented method. With no such template the
    /// first match answers (405).
    pub(super) fn route<'a, 'p>(
        &'a self,
        path: &'p str,
        method: Option<Method>,
        vars: &mut Vec<(&'a str, &'p str)>,
    ) -> Option<&'a PathPlan> {
        let segments = split_path(path);
        let template = |plan: &PathPlan| &self.spec.operations[plan.first_op].template;
        let mut first: Option<&PathPlan> = None;
        let bucket = self.route_order.get(segments.len()).map_or(&[][..], Vec::as_slice);
        for plan in bucket.iter().map(|&p| &self.paths[p]) {
            if !template(plan).match_into(&segments, vars) {
                continue;
            }
            if method.is_some_and(|m| plan.by_method.iter().any(|(pm, _)| *pm == m)) {
                return Some(plan);
            }
            first.get_or_insert(plan);
        }
        let plan = first?;
        template(plan).match_into(&segments, vars);
        Some(plan)
    }

    /// Builds the plan for `spec`.
    ///
    /// # Errors
    /// [`MockError`] when the semantics cannot be loaded or do not fit the spec.
    pub(super) fn new(spec: Arc<Spec>, config: MockConfig) -> Result<App, MockError> {
        let semantics = match config.semantics {
            Some(s) => {
                check_semantics(&s, &spec)?;
                s
            }
            None => Semantics::for_spec(&spec)?,
        };
        let seed = config.seed;
        let mut resources: Vec<ResourcePlan> = Vec::new();
        let mut names: Vec<String> = Vec::new();
        for (name, resource) in &semantics.resources {
            names.push(name.clone());
            resources.push(ResourcePlan {
                instance_params: PathTemplate::parse(&resource.instance).params().map(str::to_owned).collect(),
                collection_params: PathTemplate::parse(resource.collection.as_deref().unwrap_or(&resource.instance))
                    .params()
                    .map(str::to_owned)
                    .collect(),
                id_integer: false,
                id_params: id_params(&spec, resource),
                read_shape: None,
                default: None,
                last_written: LastWritten::default(),
                resource: resource.clone(),
            });
        }
        let mut ops = Vec::with_capacity(spec.operations.len());
        for op in &spec.operations {
            let effect = semantics
                .effect(&op.id)
                .and_then(|e| e.resource().and_then(|r| names.iter().position(|n| n == r)).map(|r| (e.clone(), r)));
            ops.push(plan_operation(op, effect, seed ^ stable_hash(op.id.as_bytes())));
        }
        for (r, plan) in resources.iter_mut().enumerate() {
            let read = spec
                .operations
                .iter()
                .zip(&ops)
                .find(|(_, p)| matches!(&p.effect, Some((Effect::Read { .. }, idx)) if *idx == r));
            if plan.resource.kind == ResourceKind::Singleton {
                let value = plan.resource.default.clone().or_else(|| {
                    read.and_then(|(_, p)| p.success.fallback.iter().flatten().next().map(|s| s.value.clone()))
                });
                let value = value.unwrap_or_else(|| json!({}));
                plan.resource.default = Some(value.clone());
                plan.default = Some(Snapshot::new(value));
            }
            if let Some((op, p)) = read
                && let Some(schema) = success_schema(op)
            {
                let base = p.success.fallback.get(p.success.preferred).cloned().flatten().map(|s| s.value.clone());
                plan.read_shape = Some((schema.clone(), base));
            }
            if let (Some(id_field), Some((op, _))) = (&plan.resource.id_field, read) {
                plan.id_integer = success_schema(op).is_some_and(|s| {
                    let node = s.resolve(s.value());
                    node.get("properties")
                        .and_then(|p| p.get(id_field))
                        .map(|p| s.resolve(p))
                        .and_then(|p| p.get("type"))
                        .is_some_and(|t| t == "integer")
                });
            }
        }
        let mut paths: Vec<PathPlan> = Vec::new();
        let mut path_of = Vec::with_capacity(spec.operations.len());
        for (i, op) in spec.operations.iter().enumerate() {
            let at = match spec.operations[..i].iter().position(|o| o.path == op.path) {
                Some(first) => path_of[first],
                None => {
                    paths.push(PathPlan { by_method: Vec::new(), allow: HeaderValue::from_static(""), first_op: i });
                    paths.len() - 1
                }
            };
            paths[at].by_method.push((op.method, i));
            path_of.push(at);
        }
        for plan in &mut paths {
            let allow: Vec<&str> = plan.by_method.iter().map(|(m, _)| m.as_str()).collect();
            plan.allow = HeaderValue::from_str(&allow.join(", ")).unwrap_or_else(|_| HeaderValue::from_static(""));
        }
        let mut order: Vec<usize> = (0..paths.len()).collect();
        order.sort_by_key(|&p| {
            let first = paths[p].first_op;
            (std::cmp::Reverse(spec.operations[first].template.literal_len()), first)
        });
        let mut route_order: Vec<Vec<usize>> = Vec::new();
        for p in order {
            let n = spec.operations[paths[p].first_op].template.segments.len();
            if route_order.len() <= n {
                route_order.resize_with(n + 1, Vec::new);
            }
            route_order[n].push(p);
        }
        let mut error_fallbacks = HashMap::new();
        let mut error_shapes = HashMap::new();
        for op in &spec.operations {
            // Any documented status can shape an error answer (a 404 where only `default` is).
            for r in &op.responses {
                for m in r.content.iter().filter(|m| m.is_json()) {
                    let Some(schema) = &m.schema else { continue };
                    if !error_shapes.contains_key(schema.pointer()) {
                        error_shapes.insert(schema.pointer().to_owned(), Shape::of(schema));
                    }
                    if !r.status.is_success()
                        && !error_fallbacks.contains_key(schema.pointer())
                        && let Some(v) = values::generate(schema, seed ^ stable_hash(schema.pointer().as_bytes()))
                    {
                        error_fallbacks.insert(schema.pointer().to_owned(), v);
                    }
                }
            }
        }
        Ok(App {
            base: spec.base_path(),
            spec,
            ops,
            paths,
            route_order,
            resources,
            store: Store::new(),
            ids: Ids::new(seed),
            auth: Auth::new(config.token, config.digest, config.basic, seed),
            faults: FaultSet::new(&config.faults),
            error_fallbacks,
            error_shapes,
            error_answers: AnswerCache::new(),
        })
    }
}

/// Draws of a new id from the id parameters' schemas before the hex id is kept.
const ID_ATTEMPTS: usize = 16;

/// The path parameters that carry a collection item's id, one per distinct parameter object.
fn id_params(spec: &Spec, resource: &Resource) -> Vec<ParameterSpec> {
    let Some(name) = resource.id_param.as_deref() else { return Vec::new() };
    let mut out: Vec<ParameterSpec> = Vec::new();
    let on_item = spec.operations.iter().filter(|o| o.path == resource.instance);
    for p in on_item.flat_map(|o| o.parameters.iter()) {
        if p.location == ParamLocation::Path && p.name == name && !out.iter().any(|q| q.pointer == p.pointer) {
            out.push(p.clone());
        }
    }
    out
}

/// Checks semantics given in the configuration against the spec (a sidecar file is checked by
/// its loader).
fn check_semantics(s: &Semantics, spec: &Spec) -> Result<(), MockError> {
    let bad = |m: String| Err(MockError::BadSemantics(m));
    for (id, effect) in &s.operations {
        if spec.operation(id).is_none() {
            return bad(format!("operation `{id}` is not in the spec"));
        }
        if let Some(r) = effect.resource()
            && !s.resources.contains_key(r)
        {
            return bad(format!("operation `{id}` names resource `{r}`, which is not defined"));
        }
    }
    for (name, r) in &s.resources {
        if r.kind == ResourceKind::Collection && (r.collection.is_none() || r.id_param.is_none()) {
            return bad(format!("collection resource `{name}` needs `collection` and `id_param`"));
        }
    }
    Ok(())
}

/// The schema of an operation's first JSON success media type.
fn success_schema(op: &Operation) -> Option<&Schema> {
    let r = success_response(op).map(|i| &op.responses[i])?;
    r.content.iter().filter(|m| m.is_json()).find_map(|m| m.schema.as_ref())
}

/// The documented success response: the lowest 2xx code, else `2XX`, else the lowest other
/// non-error code (an operation that only documents a `307`), else `default`.
fn success_response(op: &Operation) -> Option<usize> {
    let lowest_code = |range: std::ops::Range<u16>| {
        op.responses
            .iter()
            .enumerate()
            .filter_map(|(i, r)| match r.status {
                StatusSpec::Code(c) if range.contains(&c) => Some((c, i)),
                _ => None,
            })
            .min()
            .map(|(_, i)| i)
    };
    lowest_code(200..300)
        .or_else(|| op.responses.iter().position(|r| r.status == StatusSpec::Range(2)))
        .or_else(|| lowest_code(100..400))
        .or_else(|| op.responses.iter().position(|r| r.status == StatusSpec::Default))
}

fn plan_operation(op: &Operation, effect: Option<(Effect, usize)>, seed: u64) -> OpPlan {
    let response = success_response(op);
    let status = match response.map(|i| op.responses[i].status) {
        Some(StatusSpec::Code(c)) => c,
        _ => 200,
    };
    let documented = response.map(|i| &op.responses[i]);
    let media: Vec<String> = documented.map(|r| r.content.iter().map(|m| m.name.clone()).collect()).unwrap_or_default();
    let fallback = documented
        .map(|r| r.content.iter().enumerate().map(|(i, m)| fallback_body(m, seed.wrapping_add(i as u64))).collect())
        .unwrap_or_default();
    let undocumented = [202u16, 203, 206, 207, 226, 299].into_iter().find(|c| op.response_for(*c).is_none());
    let write_only = documented
        .map(|r| {
            r.content
                .iter()
                .map(|m| m.schema.as_ref().map(crate::spec::write_only_places).unwrap_or_default())
                .collect()
        })
        .unwrap_or_default();
    let query_param = |name: &str| op.params_in(crate::spec::ParamLocation::Query).any(|p| p.name == name);
    let media_header = media
        .iter()
        .map(|m| HeaderValue::from_str(m).unwrap_or(HeaderValue::from_static("application/json")))
        .collect();
    let media_json: Vec<bool> = media.iter().map(|m| crate::spec::media::is_json(m)).collect();
    let preferred = media_json.iter().position(|j| *j).unwrap_or(0);
    OpPlan {
        effect,
        success: Success {
            status,
            response,
            media,
            media_header,
            media_json,
            preferred,
            fallback,
            undocumented,
            write_only,
        },
        envelope: query_param("envelope"),
        pretty: query_param("pretty"),
        body_media: op
            .request_body
            .as_ref()
            .map(|b| b.content.iter().map(|m| m.name.clone()).collect())
            .unwrap_or_default(),
        body_required: op.request_body.as_ref().is_some_and(|b| b.required),
        params: op.parameters.iter().map(ParamPlan::new).collect(),
        required_headers: op.responses.iter().map(|r| required_headers(r, seed)).collect(),
    }
}

/// A body for one success media type: a valid example, else a generated value. JSON types
/// without a schema answer their example or `{}`; other types answer a string when their
/// schema is one, else nothing.
fn fallback_body(m: &crate::spec::MediaTypeSpec, seed: u64) -> Option<Arc<Snapshot>> {
    if !m.is_json() {
        let text = m
            .schema
            .as_ref()
            .filter(|s| s.resolve(s.value()).get("type").and_then(Value::as_str) == Some("string"))
            .and_then(|s| values::generate(s, seed))
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_default();
        return Some(Arc::new(Snapshot::with_bytes(Value::String(text.clone()), text.into())));
    }
    let value = match &m.schema {
        Some(schema) => {
            m.examples.iter().find(|e| schema.is_valid(e)).cloned().or_else(|| values::generate(schema, seed))?
        }
        None => m.examples.first().cloned().unwrap_or_else(|| json!({})),
    };
    Some(Snapshot::new(value))
}

/// Generated values for the headers a response marks required.
fn required_headers(r: &ResponseSpec, seed: u64) -> Vec<(HeaderName, HeaderValue)> {
    r.headers
        .iter()
        .filter(|h| {
            h.required && !h.name.eq_ignore_ascii_case("content-type") && !h.name.eq_ignore_ascii_case("content-length")
        })
        .filter_map(|h| {
            let value = match &h.schema {
                Some(s) => values::generate(s, seed ^ stable_hash(h.name.as_bytes()))?,
                None => json!("example"),
            };
            let name = HeaderName::from_bytes(h.name.as_bytes()).ok()?;
            let value = HeaderValue::from_str(&params::scalar_text(&value)).ok()?;
            Some((name, value))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::semantics::{collection_key, instance_key};

    #[test]
    fn paths_split_as_templates_split_them() {
        for path in ["", "/", "//a", "/a/b", "/a/b/", "a//b", "/é/ü/", "/api/atlas/v2/groups/x/maintenanceWindow"] {
            assert_eq!(split_path(path), PathTemplate::split(path).collect::<Vec<_>>(), "{path:?}");
        }
    }

    #[test]
    fn keys_match_the_semantics_functions() {
        let resource = Resource {
            kind: ResourceKind::Collection,
            instance: "/g/{PROJECT-ID}/w/{MW-ID}".into(),
            collection: Some("/g/{PROJECT-ID}/w".into()),
            id_param: Some("MW-ID".into()),
            id_field: Some("id".into()),
            default: None,
            server_fields: vec![],
            on_create: Default::default(),
            touch: vec![],
        };
        let plan = ResourcePlan {
            instance_params: PathTemplate::parse(&resource.instance).params().map(str::to_owned).collect(),
            collection_params: PathTemplate::parse(resource.collection.as_deref().unwrap())
                .params()
                .map(str::to_owned)
                .collect(),
            default: None,
            id_integer: false,
            id_params: Vec::new(),
            read_shape: None,
            last_written: LastWritten::default(),
            resource: resource.clone(),
        };
        let vars = vec![("MW-ID".to_owned(), "b".to_owned()), ("PROJECT-ID".to_owned(), "a".to_owned())];
        assert_eq!(plan.instance_key(&vars), instance_key(&resource, &vars));
        assert_eq!(plan.collection_key(&vars), collection_key(&resource, &vars));
    }
}
