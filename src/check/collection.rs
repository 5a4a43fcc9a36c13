//! Reading a list answer: where its items are, whether one of them is a given item, and how to
//! ask for the next page. `stateful_conformance` holds a collection to what was written into
//! it (after a create the list shows the new item; after a delete it no longer does), and it
//! must read any common list shape to do so without a false alarm: a bare array, an object
//! with a `results`/`items`/`data` array, counts, `links` with `rel: next`, a `Link` header, or
//! page-number and offset parameters.
//!
//! Pure functions: the engine's sequences (`engine::stateful`) send the requests.

use crate::spec::{Operation, ParamLocation, Schema};
use serde_json::Value;

/// Names of array properties that hold a list's items, most likely first.
const ITEM_ARRAYS: [&str; 8] = ["results", "items", "data", "content", "values", "records", "elements", "entries"];

/// Names of a page-number query parameter.
const PAGE_NUMBER: [&str; 4] = ["pagenum", "page", "pagenumber", "page_number"];
/// Names of a page-size query parameter.
const PAGE_SIZE: [&str; 8] =
    ["itemsperpage", "per_page", "perpage", "pagesize", "page_size", "limit", "_limit", "size"];
/// Names of an offset query parameter.
const OFFSET: [&str; 4] = ["offset", "skip", "start", "_offset"];
/// Names of a total-count field in a list body.
const TOTALS: [&str; 5] = ["totalCount", "total", "count", "total_count", "totalResults"];

/// The items of a list answer: the body when it is an array, else its array property with a
/// list-like name, else its only array of objects. `None` when the answer holds no list.
pub fn items(body: &Value) -> Option<&[Value]> {
    match body {
        Value::Array(items) => Some(items),
        Value::Object(map) => {
            if let Some(items) = ITEM_ARRAYS.iter().find_map(|k| map.get(*k).and_then(Value::as_array)) {
                return Some(items);
            }
            let mut arrays = map
                .iter()
                .filter(|(k, _)| k.as_str() != "links")
                .filter_map(|(_, v)| v.as_array())
                .filter(|a| a.iter().all(Value::is_object));
            let first = arrays.next()?;
            arrays.next().is_none().then_some(first.as_slice())
        }
        _ => None,
    }
}

/// Whether `items` holds the item whose `id_field` is `id` (a number and its decimal text
/// are the same id).
pub fn holds(items: &[Value], id_field: &str, id: &str) -> bool {
    items.iter().any(|item| item_id(item, id_field).as_deref() == Some(id))
}

/// The id of one item, as text: its `id_field`, or that of the object it wraps in `data`
/// (`{"data": {"id": …}}`, as Kinto and JSON:API answer). A number is its decimal text.
pub fn item_id(item: &Value, id_field: &str) -> Option<String> {
    let own = |v: &Value| match v.get(id_field) {
        Some(Value::String(s)) => Some(s.clone()),
        Some(Value::Number(n)) => Some(n.to_string()),
        _ => None,
    };
    own(item).or_else(|| item.get("data").filter(|d| d.is_object()).and_then(own))
}

/// The total the list body announces (`totalCount`, `total`…), if any.
pub fn total(body: &Value) -> Option<u64> {
    TOTALS.iter().find_map(|k| body.get(*k).and_then(Value::as_u64))
}

/// The query of the next page, from the answer: a `links` entry with `rel: next`, a `next`
/// URL in the body, or a `Link` header with `rel="next"` (RFC 8288). Only the query is taken:
/// the next page is asked of the same operation, on the same target.
pub fn next_page(body: &Value, link_header: Option<&str>) -> Option<Vec<(String, String)>> {
    let from_links = body.get("links").and_then(Value::as_array).and_then(|links| {
        links.iter().find_map(|l| {
            (l.get("rel").and_then(Value::as_str) == Some("next")).then(|| l.get("href").and_then(Value::as_str))?
        })
    });
    let from_body = ["next", "next_page", "nextPage", "nextLink", "@odata.nextLink"]
        .iter()
        .find_map(|k| body.get(*k).and_then(Value::as_str));
    let from_header = link_header.and_then(|h| {
        h.split(',').find_map(|part| {
            let (target, params) = part.split_once(';')?;
            let is_next = params.split(';').any(|p| {
                let p = p.trim().to_ascii_lowercase();
                p == "rel=next" || p == "rel=\"next\""
            });
            is_next.then(|| target.trim().trim_start_matches('<').trim_end_matches('>'))
        })
    });
    let href = from_links.or(from_body).or(from_header)?;
    let query = href.split_once('?').map_or("", |(_, q)| q).split('#').next().unwrap_or("");
    let pairs: Vec<(String, String)> = url::form_urlencoded::parse(query.as_bytes()).into_owned().collect();
    (!pairs.is_empty()).then_some(pairs)
}

/// The paging parameters a list operation declares in its query.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Paging {
    /// The page-number parameter and its first page (its `minimum`, else 1).
    pub page: Option<(String, i64)>,
    /// The page-size parameter and the size to ask for (its `maximum`, at most 500), when it
    /// declares one.
    pub size: Option<(String, i64)>,
    /// The offset parameter.
    pub offset: Option<String>,
}

impl Paging {
    /// Reads the paging parameters of `list` by their common names.
    pub fn of(list: &Operation) -> Paging {
        let find = |names: &[&str]| {
            list.params_in(ParamLocation::Query).find(|p| names.contains(&p.name.to_ascii_lowercase().as_str()))
        };
        let bound = |p: &crate::spec::ParameterSpec, key: &str| {
            p.schema.as_ref().and_then(|s| s.resolve(s.value()).get(key).and_then(Value::as_f64)).map(|f| f as i64)
        };
        Paging {
            page: find(&PAGE_NUMBER).map(|p| (p.name.clone(), bound(p, "minimum").unwrap_or(1).max(0))),
            size: find(&PAGE_SIZE).and_then(|p| bound(p, "maximum").map(|max| (p.name.clone(), max.clamp(1, 500)))),
            offset: find(&OFFSET).map(|p| p.name.clone()),
        }
    }

    /// Whether `name` is one of the paging parameters.
    pub fn controls(&self, name: &str) -> bool {
        self.page.as_ref().is_some_and(|(p, _)| p == name)
            || self.size.as_ref().is_some_and(|(p, _)| p == name)
            || self.offset.as_deref() == Some(name)
    }
}

/// Whether the list's documented 2xx JSON schema can name an item by `id_field`: its items
/// (the array itself, or an array property of the list object) declare that property.
pub fn names_items(list: &Operation, id_field: &str) -> bool {
    let Some(schema) = list
        .responses
        .iter()
        .filter(|r| r.status.is_success())
        .find_map(|r| r.content.iter().find(|m| m.is_json()).and_then(|m| m.schema.as_ref()))
    else {
        return false;
    };
    let field = format!("/{}", crate::spec::pointer::escape(id_field));
    let item_declares = |node: &Value| node.get("items").is_some_and(|i| super::stateful::declares(schema, i, &field));
    let root = schema.resolve(schema.value());
    if item_declares(root) {
        return true;
    }
    properties(schema, root).iter().any(|p| item_declares(schema.resolve(p)))
}

/// The property schemas of an object schema, through `allOf`.
fn properties<'s>(schema: &'s Schema, node: &'s Value) -> Vec<&'s Value> {
    let mut out: Vec<&Value> =
        node.get("properties").and_then(Value::as_object).into_iter().flat_map(|m| m.values()).collect();
    for member in node.get("allOf").and_then(Value::as_array).into_iter().flatten() {
        let member = schema.resolve(member);
        if !std::ptr::eq(member, node) {
            out.extend(member.get("properties").and_then(Value::as_object).into_iter().flat_map(|m| m.values()));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn items_are_found_in_every_common_list_shape() {
        assert_eq!(items(&json!([{"id": 1}])).map(<[Value]>::len), Some(1));
        assert_eq!(
            items(&json!({"results": [], "links": [{"rel": "self"}], "totalCount": 0})).map(<[Value]>::len),
            Some(0)
        );
        assert_eq!(items(&json!({"widgets": [{"id": "a"}, {"id": "b"}], "links": []})).map(<[Value]>::len), Some(2));
        assert!(
            items(&json!({"a": [{"id": 1}], "b": [{"id": 2}]})).is_none(),
            "two arrays: which is the list is a guess"
        );
        assert!(items(&json!({"id": 1})).is_none());
        assert!(items(&json!("text")).is_none());
    }

    #[test]
    fn an_item_is_found_by_its_id_as_text_or_number() {
        let list = [json!({"id": "5f1"}), json!({"id": 42}), json!({"name": "x"}), json!({"data": {"id": "k"}})];
        assert!(holds(&list, "id", "5f1"));
        assert!(holds(&list, "id", "k"), "an item wrapped in data");
        assert!(holds(&list, "id", "42"));
        assert!(!holds(&list, "id", "43"));
        assert!(!holds(&list, "uid", "5f1"));
    }

    #[test]
    fn the_next_page_comes_from_links_the_body_or_the_link_header() {
        let atlas = json!({"links": [{"rel": "self", "href": "http://h/a?pageNum=1"}, {"rel": "next", "href": "http://h/a?pageNum=2&itemsPerPage=100"}]});
        assert_eq!(
            next_page(&atlas, None),
            Some(vec![("pageNum".into(), "2".into()), ("itemsPerPage".into(), "100".into())])
        );
        assert_eq!(next_page(&json!({"next": "/a?cursor=x%20y"}), None), Some(vec![("cursor".into(), "x y".into())]));
        let header = r#"<https://h/a?page=1>; rel="prev", <https://h/a?page=3>; rel="next""#;
        assert_eq!(next_page(&json!([]), Some(header)), Some(vec![("page".into(), "3".into())]));
        assert_eq!(next_page(&json!({"next": null}), None), None);
        assert_eq!(next_page(&json!({"links": [{"rel": "self", "href": "/a?x=1"}]}), Some("<x>; rel=prev")), None);
        assert_eq!(total(&json!({"totalCount": 3})), Some(3));
    }

    fn list_op(params: serde_json::Value, schema: serde_json::Value) -> crate::spec::Spec {
        crate::spec::Spec::from_value(
            "t",
            json!({
                "openapi": "3.0.3", "info": {"title": "t", "version": "1"},
                "paths": {"/w": {"get": {"operationId": "list", "parameters": params,
                    "responses": {"200": {"description": "ok", "content": {"application/json": {"schema": schema}}}}}}},
                "components": {"schemas": {"W": {"type": "object", "properties": {"id": {"type": "string"}}}}}
            }),
        )
        .unwrap()
    }

    #[test]
    fn paging_parameters_are_read_by_name_with_their_bounds() {
        let spec = list_op(
            json!([
                {"name": "pageNum", "in": "query", "schema": {"type": "integer", "minimum": 1}},
                {"name": "itemsPerPage", "in": "query", "schema": {"type": "integer", "maximum": 500}},
                {"name": "name", "in": "query", "schema": {"type": "string"}}
            ]),
            json!({"type": "array", "items": {"$ref": "#/components/schemas/W"}}),
        );
        let paging = Paging::of(&spec.operations[0]);
        assert_eq!(paging.page, Some(("pageNum".into(), 1)));
        assert_eq!(paging.size, Some(("itemsPerPage".into(), 500)));
        assert!(paging.controls("pageNum") && !paging.controls("name"));
        let unbounded = list_op(
            json!([{"name": "limit", "in": "query", "schema": {"type": "integer"}},
                   {"name": "offset", "in": "query", "schema": {"type": "integer"}}]),
            json!({"type": "array"}),
        );
        let paging = Paging::of(&unbounded.operations[0]);
        assert_eq!(paging.size, None, "no maximum: the server's default page size is asked for");
        assert_eq!(paging.offset.as_deref(), Some("offset"));
    }

    #[test]
    fn a_list_names_its_items_only_where_their_schema_has_the_id_field() {
        let bare = list_op(json!([]), json!({"type": "array", "items": {"$ref": "#/components/schemas/W"}}));
        assert!(names_items(&bare.operations[0], "id"));
        assert!(!names_items(&bare.operations[0], "uid"));
        let wrapped = list_op(
            json!([]),
            json!({"type": "object", "properties": {"totalCount": {"type": "integer"},
                   "results": {"type": "array", "items": {"$ref": "#/components/schemas/W"}}}}),
        );
        assert!(names_items(&wrapped.operations[0], "id"));
        let untyped = list_op(json!([]), json!({"type": "array", "items": {}}));
        assert!(!names_items(&untyped.operations[0], "id"));
    }
}
