//! One request, start to finish, as a plain function from what arrived to what to answer: route,
//! method, credentials, body size, media types, parameters and body, faults, state, and the
//! rendering of the answer (envelope, pretty printing). No HTTP server types beyond headers, so
//! it can be tested without sockets.

use super::app::{App, OpPlan, ResourcePlan};
use super::auth::Verdict;
use super::errors::{self, FieldError, Problem};
use super::fault::{Fault, fires};
use super::negotiate;
use super::state::{Entry, Snapshot, complete, now_rfc3339};
use super::validate::{self, Inputs};
use crate::spec::semantics::{self, Effect, ResourceKind};
use crate::spec::{Method, Operation, ParamLocation, ParameterSpec, Schema, media};
use axum::body::Bytes;
use axum::http::{HeaderMap, HeaderName, HeaderValue, header};
use serde_json::{Map, Value, json};
use std::sync::Arc;

/// Request bodies above this many bytes are answered 413.
pub const MAX_BODY: usize = 1024 * 1024;

/// Why a request body could not be taken.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum BodyProblem {
    TooLarge,
    Unreadable,
}

/// What arrived.
pub(crate) struct Incoming<'a> {
    pub method: &'a str,
    /// The path as sent (percent-encoded).
    pub path: &'a str,
    pub query: Option<&'a str>,
    /// Path and query as sent (what a digest `uri` names).
    pub target: &'a str,
    pub headers: &'a HeaderMap,
    pub body: Result<Bytes, BodyProblem>,
}

/// What to answer.
#[derive(Debug)]
pub(crate) struct Answer {
    pub status: u16,
    pub headers: Vec<(HeaderName, HeaderValue)>,
    pub body: Bytes,
    /// Close the connection instead of answering (`drop-connection`).
    pub drop_connection: bool,
}

/// The operation a request reached and the query flags that shape every answer to it.
#[derive(Clone, Copy)]
struct Ctx {
    op: Option<usize>,
    envelope: bool,
    pretty: bool,
}

impl Ctx {
    const NONE: Ctx = Ctx { op: None, envelope: false, pretty: false };
}

/// What an effect produced.
enum Produced {
    State(Arc<Snapshot>),
    List(Vec<Arc<Snapshot>>),
    Nothing,
}

/// A body on its way out: shared compact bytes, or a value still to serialise.
enum Out {
    Empty,
    Snap(Arc<Snapshot>),
    Value(Value),
}

const JSON: HeaderValue = HeaderValue::from_static("application/json");

impl App {
    /// Answers one request.
    pub(crate) fn respond(&self, req: &Incoming<'_>) -> Answer {
        let query: Vec<(String, String)> = req
            .query
            .map(|q| url::form_urlencoded::parse(q.as_bytes()).map(|(k, v)| (k.into_owned(), v.into_owned())).collect())
            .unwrap_or_default();
        let rest = if self.base.is_empty() {
            Some(req.path)
        } else {
            req.path.strip_prefix(self.base.as_str()).filter(|r| r.starts_with('/'))
        };
        let mut raw_vars = Vec::new();
        let method = Method::parse(req.method).filter(|m| m.as_str() == req.method);
        let Some(path) = rest.and_then(|r| self.route(r, method, &mut raw_vars)) else {
            // No operation: the first one's conventions (envelope, pretty) stand for the API's.
            return self.not_found_path(self.ctx(None, &query), req.path);
        };
        let Some(index) = method.and_then(|m| path.by_method.iter().find(|(pm, _)| *pm == m)).map(|(_, i)| *i) else {
            return self.method_not_allowed(self.ctx(Some(path.first_op), &query), &path.allow, req.method);
        };
        let plan = &self.ops[index];
        let op = &self.spec.operations[index];
        let sent_body = req.body.as_deref().unwrap_or_default();
        if self.faults.has(Fault::DropConnection) && fires(Fault::DropConnection, req.method, req.target, sent_body) {
            return Answer { status: 500, headers: Vec::new(), body: Bytes::new(), drop_connection: true };
        }
        let ctx = self.ctx(Some(index), &query);

        if self.auth.enabled() && op.requires_auth() && !self.faults.has(Fault::AuthNotEnforced) {
            let verdict = self.auth.check(req.method, req.target, req.headers.get_all(header::AUTHORIZATION).iter());
            if let Verdict::Denied { detail, stale } = verdict {
                let mut answer = self.error(ctx, Problem::new(401, "UNAUTHORIZED", detail));
                for challenge in self.auth.challenges(stale) {
                    answer.headers.push((header::WWW_AUTHENTICATE, challenge));
                }
                return answer;
            }
        }
        let body = match &req.body {
            Ok(body) => body,
            Err(BodyProblem::TooLarge) => {
                let detail = format!("The request body is larger than the {MAX_BODY} bytes this server accepts.");
                return self.error(ctx, Problem::new(413, "REQUEST_TOO_LARGE", detail));
            }
            Err(BodyProblem::Unreadable) => {
                return self
                    .error(ctx, Problem::new(400, "INVALID_REQUEST_BODY", "The request body could not be read."));
            }
        };
        // A body sent to an operation that documents none is ignored, as Atlas does with the
        // `-d '{ <Payload> }'` of its defer samples.
        let body_media = if !plan.body_media.is_empty() && !body.is_empty() {
            let ct = req.headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok());
            match negotiate::content_type(ct, &plan.body_media) {
                Ok(i) => Some(i),
                Err(r) => return self.error(ctx, Problem::new(415, r.code, r.detail)),
            }
        } else {
            None
        };
        let accept = req.headers.get(header::ACCEPT).map(|v| v.to_str().unwrap_or("\u{0}"));
        let answer_media = if plan.success.media.is_empty() {
            0
        } else if accept.is_none() {
            plan.success.preferred
        } else {
            match negotiate::accept(accept, &plan.success.media) {
                Ok(i) => i,
                Err(r) => return self.error(ctx, Problem::new(406, r.code, r.detail)),
            }
        };

        let vars: Vec<(String, Option<String>)> = raw_vars
            .iter()
            .map(|(k, v)| {
                ((*k).to_owned(), percent_encoding::percent_decode_str(v).decode_utf8().ok().map(|s| s.into_owned()))
            })
            .collect();
        let skip_param = |p: &ParameterSpec| {
            self.faults.has(Fault::AcceptBadGroupId)
                && p.location == ParamLocation::Path
                && (p.name == "groupId" || p.name == "PROJECT-ID")
        };
        let inputs = Inputs { vars: &vars, query: &query, headers: req.headers };
        let mut fields = validate::parameters(op, &plan.params, &inputs, &skip_param);
        let mut unknown = Vec::new();
        let mut value = None;
        if let Some(i) = body_media {
            let media = op.request_body.as_ref().and_then(|b| b.content.get(i));
            let sent_type = req.headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("");
            let parsed = match parse_body(
                media.map(|m| m.name.as_str()).unwrap_or(""),
                sent_type,
                body,
                media.and_then(|m| m.schema.as_ref()),
            ) {
                Ok(parsed) => parsed,
                Err(problem) => return self.error(ctx, problem),
            };
            if let (Some(v), Some(schema)) = (&parsed, media.and_then(|m| m.schema.as_ref())) {
                let skip = |field: &str| {
                    (field == "dayOfWeek" && self.faults.has(Fault::AcceptBadDayOfWeek))
                        || (field == "hourOfDay" && self.faults.has(Fault::AcceptBadHourOfDay))
                };
                let found = validate::body(schema, v, &skip);
                fields.extend(found.fields);
                unknown = found.unknown;
            }
            value = parsed;
        } else if plan.body_required && body.is_empty() {
            fields.push(FieldError { field: "body".to_owned(), description: "A request body is required.".to_owned() });
        }
        if !fields.is_empty() {
            return self.error(ctx, invalid(fields, unknown));
        }

        if self.faults.has(Fault::RejectValid) {
            let detail = "The request is not valid.";
            return self.error(ctx, Problem::new(400, "VALIDATION_ERROR", detail));
        }
        if self.faults.has(Fault::ServerError) && fires(Fault::ServerError, req.method, req.target, sent_body) {
            return self.error(ctx, Problem::new(500, "UNEXPECTED_ERROR", "Unexpected error."));
        }
        let vars: Vec<(String, String)> = vars.into_iter().filter_map(|(k, v)| v.map(|v| (k, v))).collect();
        match self.execute(plan, &vars, value.as_ref()) {
            Ok(produced) => self.success(ctx, op, plan, answer_media, produced, &query),
            Err(problem) => self.error(ctx, problem),
        }
    }

    /// Applies the operation's effect to the store.
    fn execute(&self, plan: &OpPlan, vars: &[(String, String)], body: Option<&Value>) -> Result<Produced, Problem> {
        let Some((effect, r)) = &plan.effect else { return Ok(Produced::Nothing) };
        let res = &self.resources[*r];
        let suppressed = match effect {
            Effect::Merge { .. } | Effect::Replace { .. } => self.faults.has(Fault::StateNotPersisted),
            Effect::Reset { .. } | Effect::Delete { .. } => self.faults.has(Fault::StateNotReset),
            Effect::Increment { .. } => self.faults.has(Fault::StateNotIncremented),
            Effect::Toggle { .. } => self.faults.has(Fault::StateNotToggled),
            _ => false,
        };
        match res.resource.kind {
            ResourceKind::Singleton => {
                let key = (*r, res.instance_key(vars));
                let mut shard = self.store.lock(&key);
                let current = match shard.get(&key) {
                    Some(Entry::Singleton(state)) => state.clone(),
                    // `cross-parent-read`: an instance never written reads as the last one written.
                    None if self.faults.has(Fault::CrossParentRead)
                        && matches!(effect, Effect::Read { .. } | Effect::List { .. } | Effect::None { .. }) =>
                    {
                        res.last_written.get().or_else(|| res.default.clone())
                    }
                    _ => res.default.clone(),
                };
                match effect {
                    Effect::Read { .. } => current.map(Produced::State).ok_or_else(|| not_found(vars)),
                    Effect::List { .. } | Effect::None { .. } => Ok(current.map_or(Produced::Nothing, Produced::State)),
                    _ => {
                        let revives =
                            matches!(effect, Effect::Create { .. } | Effect::Replace { .. } | Effect::Reset { .. });
                        if current.is_none() && !revives {
                            return Err(not_found(vars));
                        }
                        let id = self.ids.next_hex();
                        let state = current.as_ref().map(|s| &s.value);
                        let next = semantics::apply(effect, &res.resource, state, body, vars, &now_rfc3339(), &id)
                            .map(|v| Snapshot::new(self.shaped(res, v)));
                        if suppressed {
                            // A write that is "answered but not stored" answers what it would have
                            // stored; the others answer the unchanged state.
                            let shown = if matches!(effect, Effect::Merge { .. } | Effect::Replace { .. }) {
                                next
                            } else {
                                current
                            };
                            return Ok(shown.map_or(Produced::Nothing, Produced::State));
                        }
                        shard.insert(key, Entry::Singleton(next.clone()));
                        if self.faults.has(Fault::CrossParentRead) {
                            res.last_written.set(next.clone());
                        }
                        Ok(next.map_or(Produced::Nothing, Produced::State))
                    }
                }
            }
            ResourceKind::Collection => {
                let key = (*r, res.collection_key(vars));
                if self.faults.has(Fault::CrossParentRead)
                    && matches!(effect, Effect::Read { .. } | Effect::None { .. })
                    && let Some(leaked) = self.read_elsewhere(res, &key, vars)
                {
                    return Ok(Produced::State(leaked));
                }
                let mut shard = self.store.lock(&key);
                // Only a create makes a collection exist: reads of unknown ones store nothing.
                let items = if matches!(effect, Effect::Create { .. }) {
                    let entry = shard.entry(key).or_insert_with(|| Entry::Collection(Default::default()));
                    if let Entry::Singleton(_) = entry {
                        *entry = Entry::Collection(Default::default());
                    }
                    entry
                } else {
                    match shard.get_mut(&key) {
                        Some(entry) => entry,
                        None if matches!(effect, Effect::List { .. }) => return Ok(Produced::List(Vec::new())),
                        None => return Err(not_found(vars)),
                    }
                };
                let Entry::Collection(items) = items else { return Ok(Produced::Nothing) };
                match effect {
                    Effect::Create { .. } => {
                        let id = res.new_id(&self.ids, |id| items.contains_key(id));
                        let Some(state) =
                            semantics::apply(effect, &res.resource, None, body, vars, &now_rfc3339(), &id)
                        else {
                            return Ok(Produced::Nothing);
                        };
                        let mut state = self.shaped(res, state);
                        let id_field = res.resource.id_field.as_deref().unwrap_or("id");
                        if res.id_integer
                            && let Some(slot) = state.get_mut(id_field)
                            && let Some(n) = slot.as_str().and_then(|s| s.parse::<u64>().ok())
                        {
                            *slot = Value::from(n);
                        }
                        let stored_id = state.get(id_field).map(semantics_id).unwrap_or(id);
                        let snap = Snapshot::new(state);
                        items.insert(stored_id, snap.clone());
                        Ok(Produced::State(snap))
                    }
                    // `list-ignores-created`: the list answers as if nothing was ever created.
                    Effect::List { .. } if self.faults.has(Fault::ListIgnoresCreated) => Ok(Produced::List(Vec::new())),
                    Effect::List { .. } => Ok(Produced::List(items.values().cloned().collect())),
                    _ => {
                        let id_param = res.resource.id_param.as_deref().unwrap_or("id");
                        let id = vars.iter().find(|(k, _)| k == id_param).map(|(_, v)| v.clone()).unwrap_or_default();
                        let Some(current) = items.get(&id).cloned() else { return Err(not_found(vars)) };
                        match effect {
                            Effect::Read { .. } | Effect::None { .. } => Ok(Produced::State(current)),
                            Effect::Delete { .. } => {
                                if !suppressed {
                                    items.shift_remove(&id);
                                }
                                Ok(Produced::Nothing)
                            }
                            _ => {
                                let next = semantics::apply(
                                    effect,
                                    &res.resource,
                                    Some(&current.value),
                                    body,
                                    vars,
                                    &now_rfc3339(),
                                    &id,
                                )
                                .map(|v| Snapshot::new(self.shaped(res, v)));
                                if suppressed {
                                    let shown = if matches!(effect, Effect::Merge { .. } | Effect::Replace { .. }) {
                                        next
                                    } else {
                                        Some(current)
                                    };
                                    return Ok(shown.map_or(Produced::Nothing, Produced::State));
                                }
                                match &next {
                                    Some(s) => {
                                        items.insert(id, s.clone());
                                    }
                                    None => {
                                        items.shift_remove(&id);
                                    }
                                }
                                Ok(next.map_or(Produced::Nothing, Produced::State))
                            }
                        }
                    }
                }
            }
        }
    }

    /// `cross-parent-read`: the item a read names when its own parent's collection does not
    /// hold it but another's does (the first such parent by collection key); `None` when its
    /// own collection holds it (the read goes on as usual) or no collection does (404). Locks
    /// one shard at a time, and only on this fault's path.
    fn read_elsewhere(
        &self,
        res: &ResourcePlan,
        key: &(usize, String),
        vars: &[(String, String)],
    ) -> Option<Arc<Snapshot>> {
        let id_param = res.resource.id_param.as_deref().unwrap_or("id");
        let id = vars.iter().find(|(k, _)| k == id_param).map(|(_, v)| v.as_str())?;
        let owned = matches!(self.store.lock(key).get(key), Some(Entry::Collection(items)) if items.contains_key(id));
        if owned {
            return None;
        }
        self.store.item_elsewhere(key.0, &key.1, id)
    }

    /// The success answer: documented status and media type, body from state or fallback.
    fn success(
        &self,
        ctx: Ctx,
        op: &Operation,
        plan: &OpPlan,
        media: usize,
        produced: Produced,
        query: &[(String, String)],
    ) -> Answer {
        let s = &plan.success;
        let mut status = s.status;
        let media_name = s.media.get(media);
        let schema = s.response.and_then(|r| op.responses[r].content.get(media)).and_then(|m| m.schema.as_ref());
        let fallback = s.fallback.get(media).cloned().flatten();
        let mut out = if status == 204 || media_name.is_none() {
            Out::Empty
        } else if !s.media_json.get(media).copied().unwrap_or(false) {
            fallback.map_or(Out::Empty, Out::Snap)
        } else {
            let shown = match produced {
                Produced::State(snap) if self.state_fits(schema, &snap) => Some(Out::Snap(snap)),
                // A state the write's own answer schema does not take (a create answered with a
                // different shape than its read): the state laid over the documented answer.
                Produced::State(snap) => schema
                    .and_then(|schema| complete(schema, fallback.as_ref().map(|f| &f.value), &snap.value))
                    .map(Out::Value),
                Produced::List(items) => self.list_body(op, schema, fallback.as_deref(), &items, query).map(Out::Value),
                _ => None,
            };
            // What was written is shown back, but not where the schema says `writeOnly`.
            // (A value that no longer fits without them, a `minProperties` say, is shown whole.)
            let hidden = s.write_only.get(media).map_or(&[][..], Vec::as_slice);
            let hide =
                |v: &Value| crate::spec::without_places(v, hidden).filter(|h| schema.is_none_or(|s| s.is_valid(h)));
            let shown = match shown {
                Some(Out::Snap(snap)) if !hidden.is_empty() => {
                    Some(hide(&snap.value).map_or(Out::Snap(snap), Out::Value))
                }
                Some(Out::Value(v)) if !hidden.is_empty() => Some(Out::Value(hide(&v).unwrap_or(v))),
                other => other,
            };
            match shown.or_else(|| fallback.map(Out::Snap)) {
                Some(out) => out,
                None => {
                    let detail = "The mock could not produce a body that satisfies the documented schema.";
                    return self.error(ctx, Problem::new(500, "UNEXPECTED_ERROR", detail));
                }
            }
        };
        if let Some(schema) = schema {
            out = self.sabotage(out, schema);
        }
        let mut headers = Vec::new();
        if let Some(documented) = s.media_header.get(media) {
            let content_type = if self.faults.has(Fault::WrongContentType) {
                wrong_content_type(&s.media)
            } else {
                documented.clone()
            };
            headers.push((header::CONTENT_TYPE, content_type));
        } else if self.faults.has(Fault::WrongContentType) {
            headers.push((header::CONTENT_TYPE, HeaderValue::from_static("text/plain; charset=utf-8")));
        }
        if !self.faults.has(Fault::MissingRequiredHeader)
            && let Some(r) = s.response
        {
            headers.extend(plan.required_headers[r].iter().cloned());
        }
        if self.faults.has(Fault::UndocumentedStatus)
            && let Some(other) = s.undocumented
        {
            status = other;
        }
        self.finish(ctx, status, headers, out)
    }

    /// A state to store, completed to fit the resource's read schema (unless a fault lets
    /// invalid data in on purpose).
    fn shaped(&self, res: &ResourcePlan, state: Value) -> Value {
        if self.lets_bad_data_in() { state } else { res.shaped(state) }
    }

    fn lets_bad_data_in(&self) -> bool {
        self.faults.has(Fault::AcceptBadDayOfWeek)
            || self.faults.has(Fault::AcceptBadHourOfDay)
            || self.faults.has(Fault::AcceptBadGroupId)
    }

    /// Whether a state may be answered for a response schema. States built from validated
    /// writes normally fit; one that does not (inferred semantics that do not match the
    /// schema) gives way to the fallback, unless a fault let invalid data in on purpose.
    fn state_fits(&self, schema: Option<&Schema>, snap: &Snapshot) -> bool {
        self.lets_bad_data_in() || schema.is_none_or(|s| snap.fits(s))
    }

    /// A list answer: the items in the documented list shape (the array property of the
    /// fallback object, with counts and paging where the spec has them).
    fn list_body(
        &self,
        op: &Operation,
        schema: Option<&Schema>,
        fallback: Option<&Snapshot>,
        items: &[Arc<Snapshot>],
        query: &[(String, String)],
    ) -> Option<Value> {
        let values: Vec<Value> = items.iter().map(|s| s.value.clone()).collect();
        let Some(schema) = schema else { return Some(Value::Array(values)) };
        let node = schema.resolve(schema.value());
        if node.get("type").and_then(Value::as_str) == Some("array") {
            let v = Value::Array(values);
            return schema.is_valid(&v).then_some(v);
        }
        let props = node.get("properties").and_then(Value::as_object)?;
        let arrays: Vec<&String> = props
            .iter()
            .filter(|(_, p)| schema.resolve(p).get("type").and_then(Value::as_str) == Some("array"))
            .map(|(k, _)| k)
            .collect();
        let field = ["results", "items", "data", "content", "values"]
            .iter()
            .find_map(|want| arrays.iter().find(|k| k.as_str() == *want))
            .or_else(|| arrays.iter().find(|k| k.as_str() != "links"))?;
        let number = |name: &str| -> Option<i64> {
            let declared = op.params_in(ParamLocation::Query).any(|p| p.name == name);
            query.iter().find(|(k, _)| declared && k == name).and_then(|(_, v)| v.parse().ok())
        };
        let page = number("pageNum").unwrap_or(1).max(1) as usize;
        let per_page = number("itemsPerPage").unwrap_or(100).max(1) as usize;
        let shown: Vec<Value> =
            values.iter().skip((page - 1).saturating_mul(per_page)).take(per_page).cloned().collect();
        let mut obj = match fallback.map(|f| &f.value) {
            Some(Value::Object(m)) => m.clone(),
            _ => Map::new(),
        };
        obj.insert((*field).clone(), Value::Array(shown));
        let include_count = !query.iter().any(|(k, v)| k == "includeCount" && v == "false");
        for count in ["totalCount", "total", "count", "total_count"] {
            if props.contains_key(count) {
                if include_count {
                    obj.insert(count.to_owned(), json!(values.len()));
                } else {
                    obj.remove(count);
                }
            }
        }
        let v = Value::Object(obj);
        schema.is_valid(&v).then_some(v)
    }

    /// Body faults on a success answer (only where the schema can tell).
    fn sabotage(&self, out: Out, schema: &Schema) -> Out {
        let wanted = [Fault::WrongType, Fault::MissingRequiredField, Fault::OutOfRange];
        if !wanted.iter().any(|f| self.faults.has(*f)) {
            return out;
        }
        let mut value = match out {
            Out::Empty => return Out::Empty,
            Out::Snap(s) => s.value.clone(),
            Out::Value(v) => v,
        };
        for fault in wanted.into_iter().filter(|f| self.faults.has(*f)) {
            if let Some(broken) = break_body(fault, &value, schema) {
                value = broken;
            }
        }
        Out::Value(value)
    }

    /// An error answer in the documented shape for its status (remembered: see
    /// [`errors::AnswerCache`]).
    fn error(&self, ctx: Ctx, problem: Problem) -> Answer {
        let key = errors::ErrorKey { op: ctx.op, envelope: ctx.envelope, pretty: ctx.pretty, problem };
        let made = self.error_answers.get_or(key, |key| {
            let answer = self.shape_error(ctx, &key.problem);
            errors::ErrorAnswer { status: answer.status, headers: answer.headers, body: answer.body }
        });
        Answer { status: made.status, headers: made.headers, body: made.body, drop_connection: false }
    }

    /// [`App::error`]'s answer, worked out.
    fn shape_error(&self, ctx: Ctx, problem: &Problem) -> Answer {
        let shape_op = ctx.op.or(if self.spec.operations.is_empty() { None } else { Some(0) });
        let op = shape_op.map(|i| &self.spec.operations[i]);
        let response = op.and_then(|o| o.response_for(problem.status).map(|r| (o, r)));
        let media = response.and_then(|(_, r)| r.content.iter().find(|m| m.is_json()));
        let schema = media.and_then(|m| m.schema.as_ref());
        let fallback = schema.and_then(|s| self.error_fallbacks.get(s.pointer()));
        let shape = schema.and_then(|s| self.error_shapes.get(s.pointer()));
        let mut body = errors::body(problem, schema, shape, fallback);
        if self.faults.has(Fault::ErrorWithoutCode)
            && let Value::Object(map) = &mut body
            && map.shift_remove("errorCode").is_none()
        {
            // A shape without `errorCode`: leave out its first required property instead.
            let required = schema.and_then(|s| s.resolve(s.value()).get("required")).and_then(Value::as_array);
            if let Some(first) =
                required.and_then(|r| r.iter().filter_map(Value::as_str).find(|k| map.contains_key(*k)))
            {
                let first = first.to_owned();
                map.shift_remove(&first);
            }
        }
        let content_type = media.and_then(|m| HeaderValue::from_str(&m.name).ok()).unwrap_or(JSON);
        let mut headers = vec![(header::CONTENT_TYPE, content_type)];
        if !self.faults.has(Fault::MissingRequiredHeader)
            && let (Some(i), Some((o, r))) = (ctx.op, response)
            && let Some(pos) = o.responses.iter().position(|x| std::ptr::eq(x, r))
        {
            headers.extend(self.ops[i].required_headers[pos].iter().cloned());
        }
        self.finish(ctx, problem.status, headers, Out::Value(body))
    }

    /// Envelope and pretty printing, then bytes. With `envelope=true` the answer is 200 and
    /// `{"status": <real status>, "content": <real body>}` (no `content` when there is no
    /// body). Its Content-Type stays the one the real answer would have carried (the versioned
    /// type for a success, `application/json` for an error): the envelope changes the status
    /// line, not what the body is made of. An answer that had none gets `application/json`.
    fn finish(&self, ctx: Ctx, status: u16, mut headers: Vec<(HeaderName, HeaderValue)>, out: Out) -> Answer {
        let (status, out) = if ctx.envelope && !self.faults.has(Fault::EnvelopeIgnored) {
            if !ctx.pretty
                && let Out::Snap(s) = &out
                && let Some(body) = s.enveloped(status)
            {
                if !headers.iter().any(|(k, _)| k == header::CONTENT_TYPE) {
                    headers.push((header::CONTENT_TYPE, JSON));
                }
                return Answer { status: 200, headers, body, drop_connection: false };
            }
            let mut env = Map::new();
            env.insert("status".into(), json!(status));
            match out {
                Out::Empty => {}
                Out::Snap(s) => {
                    env.insert("content".into(), s.value.clone());
                }
                Out::Value(v) => {
                    env.insert("content".into(), v);
                }
            }
            if !headers.iter().any(|(k, _)| k == header::CONTENT_TYPE) {
                headers.push((header::CONTENT_TYPE, JSON));
            }
            (200, Out::Value(Value::Object(env)))
        } else {
            (status, out)
        };
        let body = match out {
            Out::Empty => Bytes::new(),
            Out::Snap(s) if !ctx.pretty => s.bytes.clone(),
            Out::Snap(s) => s.pretty(),
            Out::Value(v) if ctx.pretty => Bytes::from(serde_json::to_vec_pretty(&v).unwrap_or_default()),
            Out::Value(v) => Bytes::from(serde_json::to_vec(&v).unwrap_or_default()),
        };
        Answer { status, headers, body, drop_connection: false }
    }

    /// The context of an answer: the operation whose responses shape it (`None`: the first
    /// operation's), and the `envelope`/`pretty` flags where that operation documents them.
    fn ctx(&self, op: Option<usize>, query: &[(String, String)]) -> Ctx {
        let Some(plan) = op.or((!self.ops.is_empty()).then_some(0)).map(|i| &self.ops[i]) else { return Ctx::NONE };
        let flag = |documented: bool, name: &str| documented && query.iter().any(|(k, v)| k == name && v == "true");
        Ctx { op, envelope: flag(plan.envelope, "envelope"), pretty: flag(plan.pretty, "pretty") }
    }

    fn not_found_path(&self, ctx: Ctx, path: &str) -> Answer {
        let shown: String = path.chars().take(200).collect();
        let problem = Problem::new(404, "RESOURCE_NOT_FOUND", format!("Cannot find resource {shown}."))
            .with_parameters(vec![shown]);
        self.error(ctx, problem)
    }

    fn method_not_allowed(&self, ctx: Ctx, allow: &HeaderValue, method: &str) -> Answer {
        if self.faults.has(Fault::UndocumentedMethodAllowed) {
            let body = Bytes::from_static(b"{}");
            return Answer { status: 200, headers: vec![(header::CONTENT_TYPE, JSON)], body, drop_connection: false };
        }
        let shown: String = method.chars().filter(|c| c.is_ascii_graphic()).take(32).collect();
        let detail =
            format!("The method {shown} is not allowed on this resource; it allows {}.", allow.to_str().unwrap_or(""));
        let mut answer = self.error(ctx, Problem::new(405, "METHOD_NOT_ALLOWED", detail));
        answer.headers.push((header::ALLOW, allow.clone()));
        answer
    }
}

/// A request body as JSON, by its (documented) media type: JSON parsed, forms and multipart
/// bodies (read with the boundary `sent_type`, the request's Content-Type, names) typed by the
/// schema, text as a string; other types are not inspected (`None`).
///
/// # Errors
/// A 400 [`Problem`] for malformed JSON, a multipart body that cannot be read, or text that is
/// not UTF-8.
fn parse_body(media: &str, sent_type: &str, body: &[u8], schema: Option<&Schema>) -> Result<Option<Value>, Problem> {
    if media::is_json(media) {
        return serde_json::from_slice::<Value>(body).map(Some).map_err(|e| {
            Problem::new(400, "MALFORMED_JSON", format!("Received JSON is malformed ({}).", json_error_kind(&e)))
        });
    }
    let essence = media::essence(media);
    if essence == "application/x-www-form-urlencoded" {
        return Ok(Some(validate::form(body, schema)));
    }
    if essence == "multipart/form-data" {
        let parts = crate::multipart::parse(sent_type, body).map_err(|e| {
            Problem::new(400, "INVALID_REQUEST_BODY", format!("The multipart body cannot be read: {e}."))
        })?;
        let fields = parts.into_iter().map(|p| (p.name, p.data));
        return Ok(Some(validate::fields(fields, schema)));
    }
    if essence.starts_with("text/") {
        return std::str::from_utf8(body)
            .map(|t| Some(Value::String(t.to_owned())))
            .map_err(|_| Problem::new(400, "INVALID_REQUEST_BODY", "The request body is not valid UTF-8 text."));
    }
    Ok(None)
}

/// A 400 for the violations found, Atlas style: `INVALID_ATTRIBUTE` when the body names an
/// attribute the schema does not know, else `VALIDATION_ERROR`.
fn invalid(fields: Vec<FieldError>, unknown: Vec<String>) -> Problem {
    if !unknown.is_empty() {
        let detail = format!("Invalid attribute {} specified.", unknown.join(", "));
        return Problem::new(400, "INVALID_ATTRIBUTE", detail).with_fields(fields).with_parameters(unknown);
    }
    let mut detail =
        String::with_capacity(64 + fields.iter().map(|f| f.field.len() + f.description.len() + 5).sum::<usize>());
    detail.push_str("The request is not valid: ");
    for (i, f) in fields.iter().enumerate() {
        if i > 0 {
            detail.push_str("; ");
        }
        // `field (description)`, the description lower-cased without its full stop.
        let description = f.description.trim_end_matches('.');
        detail.push_str(&f.field);
        detail.push_str(" (");
        if description.is_ascii() {
            let from = detail.len();
            detail.push_str(description);
            detail[from..].make_ascii_lowercase();
        } else {
            detail.push_str(&description.to_lowercase());
        }
        detail.push(')');
    }
    detail.push('.');
    let names = fields.iter().map(|f| f.field.clone()).collect();
    Problem::new(400, "VALIDATION_ERROR", detail).with_fields(fields).with_parameters(names)
}

fn not_found(vars: &[(String, String)]) -> Problem {
    let id = vars.last().map(|(_, v)| v.clone()).unwrap_or_default();
    Problem::new(404, "RESOURCE_NOT_FOUND", format!("Cannot find resource {id}.")).with_parameters(vec![id])
}

/// The id of a stored item as a key: strings as they are, numbers as text.
fn semantics_id(v: &Value) -> String {
    v.as_str().map(str::to_owned).unwrap_or_else(|| v.to_string())
}

/// A brief, value-free description of a JSON syntax error.
fn json_error_kind(e: &serde_json::Error) -> String {
    match e.classify() {
        serde_json::error::Category::Eof => "it ends too early".to_owned(),
        _ => format!("line {}, column {}", e.line(), e.column()),
    }
}

/// A Content-Type the success response does not document.
fn wrong_content_type(documented: &[String]) -> HeaderValue {
    if documented.iter().any(|m| media::essence(m) == "application/json") {
        HeaderValue::from_static("text/plain; charset=utf-8")
    } else {
        JSON
    }
}

/// One body fault applied to a value so that `schema` rejects it; `None` when no change can.
fn break_body(fault: Fault, value: &Value, schema: &Schema) -> Option<Value> {
    let Value::Object(map) = value else { return None };
    let node = schema.resolve(schema.value());
    let props = node.get("properties").and_then(Value::as_object);
    let try_with = |key: &str, replacement: Option<Value>| -> Option<Value> {
        let mut m = map.clone();
        match replacement {
            Some(v) => {
                m.insert(key.to_owned(), v);
            }
            None => {
                m.shift_remove(key);
            }
        }
        let v = Value::Object(m);
        (!schema.is_valid(&v)).then_some(v)
    };
    match fault {
        Fault::WrongType => {
            // Numbers first (the classic "number sent as a string"), then anything else.
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort_by_key(|k| !map[k.as_str()].is_number());
            keys.into_iter().find_map(|k| {
                let wrong = match &map[k.as_str()] {
                    Value::Number(n) => Value::String(n.to_string()),
                    Value::String(_) => json!(42),
                    Value::Bool(b) => Value::String(b.to_string()),
                    Value::Null => json!(0),
                    Value::Array(_) | Value::Object(_) => json!("example"),
                };
                try_with(k, Some(wrong))
            })
        }
        Fault::MissingRequiredField => {
            let required = node.get("required").and_then(Value::as_array)?;
            required.iter().filter_map(Value::as_str).filter(|k| map.contains_key(*k)).find_map(|k| try_with(k, None))
        }
        Fault::OutOfRange => props?.iter().find_map(|(k, p)| {
            let p = schema.resolve(p);
            let bound = |key: &str| p.get(key).and_then(Value::as_i64);
            let past =
                bound("maximum").map(|m| m.saturating_add(1)).or_else(|| bound("minimum").map(|m| m.saturating_sub(1)));
            past.and_then(|v| try_with(k, Some(json!(v))))
        }),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::{Direction, standalone_schema};

    #[test]
    fn bodies_parse_by_media_type() {
        assert_eq!(
            parse_body("application/vnd.atlas.2023-01-01+json", "", b"{\"a\":1}", None),
            Ok(Some(json!({"a": 1})))
        );
        assert_eq!(parse_body("application/json", "", b"{", None).unwrap_err().code, "MALFORMED_JSON");
        assert_eq!(parse_body("application/x-www-form-urlencoded", "", b"a=1", None), Ok(Some(json!({"a": "1"}))));
        assert_eq!(parse_body("text/plain; charset=utf-8", "", b"hi", None), Ok(Some(json!("hi"))));
        assert_eq!(parse_body("text/plain", "", b"\xff", None).unwrap_err().status, 400);
        assert_eq!(parse_body("application/octet-stream", "", b"\xff", None), Ok(None));
        let parts = vec![crate::multipart::Part::text("n", "3"), crate::multipart::Part::text("n", "4")];
        let sent = "multipart/form-data; boundary=XY";
        let bytes = crate::multipart::encode("XY", &parts);
        assert_eq!(parse_body("multipart/form-data", sent, &bytes, None), Ok(Some(json!({"n": "3"}))));
        let unread = parse_body("multipart/form-data", "multipart/form-data", &bytes, None).unwrap_err();
        assert_eq!((unread.status, unread.code), (400, "INVALID_REQUEST_BODY"));
    }

    #[test]
    fn body_faults_always_break_the_schema() {
        let schema = standalone_schema(
            &json!({"type": "object", "required": ["day"], "properties": {
                "on": {"type": "boolean"}, "day": {"type": "integer", "minimum": 1, "maximum": 7}}}),
            Direction::Response,
        )
        .unwrap();
        let good = json!({"on": true, "day": 3});
        for fault in [Fault::WrongType, Fault::MissingRequiredField, Fault::OutOfRange] {
            let bad = break_body(fault, &good, &schema).unwrap_or_else(|| panic!("{fault} changed nothing"));
            assert!(!schema.is_valid(&bad), "{fault}: {bad}");
        }
        assert_eq!(break_body(Fault::WrongType, &good, &schema), Some(json!({"on": true, "day": "3"})));
        assert_eq!(break_body(Fault::OutOfRange, &good, &schema), Some(json!({"on": true, "day": 8})));
        let open = standalone_schema(&json!({}), Direction::Response).unwrap();
        assert_eq!(break_body(Fault::WrongType, &good, &open), None, "nothing breaks an open schema");
    }

    #[test]
    fn bad_requests_say_which_fields() {
        let fields = vec![FieldError { field: "dayOfWeek".into(), description: "Too big.".into() }];
        let p = invalid(fields.clone(), Vec::new());
        assert_eq!((p.code, p.detail.as_str()), ("VALIDATION_ERROR", "The request is not valid: dayOfWeek (too big)."));
        let several = vec![
            FieldError { field: "a".into(), description: "Is WRONG...".into() },
            FieldError { field: "b".into(), description: "Émoi ΣΑΣ.".into() },
        ];
        let p = invalid(several, Vec::new());
        assert_eq!(p.detail, "The request is not valid: a (is wrong); b (émoi σας).");
        let p = invalid(fields, vec!["colour".into()]);
        assert_eq!((p.code, p.detail.as_str()), ("INVALID_ATTRIBUTE", "Invalid attribute colour specified."));
    }
}
