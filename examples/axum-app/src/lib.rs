//! A small axum application, a to-do list kept in memory, that contract-tests itself in its
//! own `cargo test` with conform, in-process: `tests/contract.rs` hands [`app`] to
//! `conform::Target::service`, so no port is bound and no server is started. Its contract is
//! `openapi.yaml`, beside this crate's `Cargo.toml`.
//!
//! The feature `contract-bug` plants one deliberate breach: `getTodo` answers the id as a
//! string where the contract says integer. The contract test catches it and names the trial
//! `getTodo::response_schema_conformance`. The application must never panic on any request.

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, PoisonError};

/// Longest title the contract allows, in characters.
const MAX_TITLE: usize = 100;
/// Most to-dos one list answer holds (`limit`'s maximum).
const MAX_LIMIT: u64 = 100;

/// One to-do, without its id (the key it is stored under).
struct Todo {
    title: String,
    done: bool,
}

/// Every to-do, by id, and the id the next one gets.
#[derive(Default)]
struct Store {
    last_id: i64,
    todos: BTreeMap<i64, Todo>,
}

type Shared = Arc<Mutex<Store>>;

/// The application: `GET`/`POST /todos`, `GET`/`DELETE /todos/{id}`, each call with an empty
/// store of its own. Unknown paths are answered 404 with an `Error` body, methods a path does
/// not have 405 with `Allow`.
///
/// ```
/// let app: axum::Router = conform_example_axum::app();
/// ```
pub fn app() -> Router {
    Router::new()
        .route("/todos", get(list).post(create))
        .route("/todos/{id}", get(read).delete(remove))
        .fallback(|| async { error(StatusCode::NOT_FOUND, "no such path") })
        .with_state(Shared::default())
}

fn lock(store: &Shared) -> std::sync::MutexGuard<'_, Store> {
    store.lock().unwrap_or_else(PoisonError::into_inner)
}

fn json(status: StatusCode, body: &Value) -> Response {
    (status, [(header::CONTENT_TYPE, "application/json")], body.to_string()).into_response()
}

fn error(status: StatusCode, message: &str) -> Response {
    json(status, &json!({ "message": message }))
}

fn bad_request(message: &str) -> Response {
    error(StatusCode::BAD_REQUEST, message)
}

fn todo_json(id: i64, todo: &Todo) -> Value {
    json!({ "id": id, "title": todo.title, "done": todo.done })
}

/// An integer written as one (`-`? digits): `+1`, `1.0` or ` 1` are not integers here.
fn integer(text: &str) -> Option<i64> {
    let digits = text.strip_prefix('-').unwrap_or(text);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
}

/// A to-do id: an integer of at least 1.
fn todo_id(text: &str) -> Option<i64> {
    integer(text).filter(|id| *id >= 1)
}

const BAD_ID: &str = "id must be an integer of at least 1";

async fn list(State(store): State<Shared>, RawQuery(query): RawQuery) -> Response {
    let mut limit = MAX_LIMIT;
    for (name, value) in url::form_urlencoded::parse(query.unwrap_or_default().as_bytes()) {
        if name == "limit" {
            match integer(&value).and_then(|n| u64::try_from(n).ok()).filter(|n| (1..=MAX_LIMIT).contains(n)) {
                Some(n) => limit = n,
                None => return bad_request("limit must be an integer from 1 to 100"),
            }
        }
    }
    let store = lock(&store);
    let todos: Vec<Value> = store
        .todos
        .iter()
        .take(usize::try_from(limit).unwrap_or(usize::MAX))
        .map(|(id, todo)| todo_json(*id, todo))
        .collect();
    json(StatusCode::OK, &Value::Array(todos))
}

/// A `NewTodo` from a JSON body, or why the body is not one.
fn new_todo(headers: &HeaderMap, body: &[u8]) -> Result<Todo, &'static str> {
    let media = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or_default();
    let essence = media.split(';').next().unwrap_or_default().trim();
    if !essence.eq_ignore_ascii_case("application/json") {
        return Err("the body must be application/json");
    }
    let Ok(Value::Object(fields)) = serde_json::from_slice::<Value>(body) else {
        return Err("the body must be a JSON object");
    };
    if fields.keys().any(|k| k != "title" && k != "done") {
        return Err("the body may only have title and done");
    }
    let title = match fields.get("title") {
        Some(Value::String(t)) if (1..=MAX_TITLE).contains(&t.chars().count()) => t.clone(),
        _ => return Err("title must be a string of 1 to 100 characters"),
    };
    let done = match fields.get("done") {
        None => false,
        Some(Value::Bool(done)) => *done,
        Some(_) => return Err("done must be a boolean"),
    };
    Ok(Todo { title, done })
}

async fn create(State(store): State<Shared>, headers: HeaderMap, body: Bytes) -> Response {
    let todo = match new_todo(&headers, &body) {
        Ok(todo) => todo,
        Err(why) => return bad_request(why),
    };
    let mut store = lock(&store);
    store.last_id += 1;
    let id = store.last_id;
    let answer = todo_json(id, &todo);
    store.todos.insert(id, todo);
    json(StatusCode::CREATED, &answer)
}

async fn read(State(store): State<Shared>, Path(id): Path<String>) -> Response {
    let Some(id) = todo_id(&id) else { return bad_request(BAD_ID) };
    match lock(&store).todos.get(&id) {
        #[cfg(not(feature = "contract-bug"))]
        Some(todo) => json(StatusCode::OK, &todo_json(id, todo)),
        // The deliberate bug: the id as a string.
        #[cfg(feature = "contract-bug")]
        Some(todo) => json(StatusCode::OK, &json!({ "id": id.to_string(), "title": todo.title, "done": todo.done })),
        None => error(StatusCode::NOT_FOUND, "no to-do has this id"),
    }
}

async fn remove(State(store): State<Shared>, Path(id): Path<String>) -> Response {
    let Some(id) = todo_id(&id) else { return bad_request(BAD_ID) };
    match lock(&store).todos.remove(&id) {
        Some(_) => StatusCode::NO_CONTENT.into_response(),
        None => error(StatusCode::NOT_FOUND, "no to-do has this id"),
    }
}
