//! `stateful_conformance` within one exchange: a read of one item of a collection answers that
//! item, not another (`GET /things/5` answered with thing 6).
//!
//! OpenAPI cannot say which body field carries the id a path variable names, so this check
//! applies only where the semantics sidecar *declares* it (`id_param` and `id_field` of a
//! collection resource, on an operation whose effect is `read`). It never guesses from names
//! (`/users/{id}` answered `{"id": 12}` may be a different id space), and judges only valid
//! requests answered 2xx with a JSON body that has the field as a string or a number.

use super::envelope::{Answer, Body};
use super::{CheckContext, CheckName, Exchange, Failure};
use crate::spec::Spec;
use crate::spec::semantics::{Effect, ResourceKind, Semantics};
use serde_json::Value;
use std::collections::BTreeMap;

/// Which path variable and which body field carry an item's id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    /// The path variable that names the item asked for (`groupId`).
    pub param: String,
    /// The body field that must hold the same id (`id`).
    pub field: String,
}

/// The identity rule of every read operation whose sidecar declares one, by operation id.
/// Without a sidecar (or with one conform cannot use), none: inferred semantics are guesses.
pub fn identities(spec: &Spec) -> BTreeMap<String, Identity> {
    let mut out = BTreeMap::new();
    let Some(path) = Semantics::sidecar_for(&spec.source).filter(|p| p.is_file()) else { return out };
    let Ok(semantics) = Semantics::load(&path, spec) else { return out };
    for (op_id, effect) in &semantics.operations {
        let Effect::Read { resource } = effect else { continue };
        let Some(r) = semantics.resources.get(resource) else { continue };
        let (Some(param), Some(field)) = (&r.id_param, &r.id_field) else { continue };
        let has_param = spec.operation(op_id).is_some_and(|op| op.parameters.iter().any(|p| &p.name == param));
        if r.kind == ResourceKind::Collection && has_param {
            out.insert(op_id.clone(), Identity { param: param.clone(), field: field.clone() });
        }
    }
    out
}

/// A 2xx answer to a valid read names the item asked for.
pub fn check(ctx: &CheckContext, ex: &Exchange<'_>, answer: &Answer<'_>) -> Option<Failure> {
    let rule = ctx.identity.get(&ex.operation.id)?;
    if !ex.case.is_valid() || !(200..300).contains(&answer.status) {
        return None;
    }
    let asked = ex.operation.template.matches(&ex.request.path)?.into_iter().find(|(name, _)| *name == rule.param)?.1;
    let asked = percent_encoding::percent_decode_str(&asked).decode_utf8_lossy().into_owned();
    let parsed;
    let body = match &answer.body {
        Body::Json(v) => v,
        Body::Raw(bytes) => {
            parsed = serde_json::from_slice::<Value>(bytes).ok()?;
            &parsed
        }
        Body::Empty => return None,
    };
    let got = body.get(&rule.field)?;
    let same = match got {
        Value::String(s) => *s == asked,
        Value::Number(n) => match (n.as_f64(), asked.parse::<f64>()) {
            (Some(a), Ok(b)) => a == b,
            _ => n.to_string() == asked,
        },
        // Not an id at all: the schema check's business.
        _ => return None,
    };
    (!same).then(|| {
        Failure::new(
            CheckName::StatefulConformance,
            format!(
                "the read of {} = {asked} answered {} with an item whose {} is {got}",
                rule.param, answer.status, rule.field
            ),
            format!("identity:{}", rule.field),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::super::envelope::effective;
    use super::super::test_support::*;
    use super::*;
    use serde_json::json;

    fn cloud_manager() -> Spec {
        Spec::load(&format!("{}/specs/cloud-manager-maintenance-windows.yaml", env!("CARGO_MANIFEST_DIR"))).unwrap()
    }

    #[test]
    fn only_declared_reads_of_collection_items_have_a_rule() {
        let rules = identities(&cloud_manager());
        assert_eq!(
            rules.into_iter().collect::<Vec<_>>(),
            [("getMaintenanceWindow".to_owned(), Identity { param: "MW-ID".into(), field: "id".into() })]
        );
        assert!(identities(&atlas()).is_empty(), "a singleton has no item id");
        let inline = load_inline(json!({"openapi": "3.0.3", "info": {"title": "t", "version": "1"}, "paths": {
            "/a": {"post": {"responses": {"201": {"description": "ok"}}}},
            "/a/{id}": {"get": {"parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "string"}}],
                                "responses": {"200": {"description": "ok"}}}}
        }}));
        assert!(identities(&inline).is_empty(), "inferred semantics are not enough");
    }

    #[test]
    fn a_read_answered_with_another_item_fails() {
        let spec = cloud_manager();
        let index = spec.operations.iter().position(|o| o.id == "getMaintenanceWindow").unwrap();
        let op = &spec.operations[index];
        let mut case = valid_case(index);
        case.request.path = "/groups/5f4d1e2b3c4a5b6c7d8e9f01/maintenanceWindows/56294bdfd4c643eef5176b73".into();
        let ctx = CheckContext { identity: identities(&spec), ..CheckContext::default() };
        let judge = |status: u16, body: Value, case: &crate::generate::Case| {
            let resp = response(status, "application/json", body);
            let ex = exchange(op, case, &case.request, &resp);
            check(&ctx, &ex, &effective(&case.request, &resp)).map(|f| f.message)
        };
        assert_eq!(judge(200, json!({"id": "56294bdfd4c643eef5176b73"}), &case), None);
        assert_eq!(
            judge(200, json!({"id": "56294bdfd4c643eef5176b74"}), &case).as_deref(),
            Some(
                "the read of MW-ID = 56294bdfd4c643eef5176b73 answered 200 with an item whose id is \"56294bdfd4c643eef5176b74\""
            )
        );
        assert_eq!(judge(404, json!({"id": "other"}), &case), None, "only 2xx answers name an item");
        assert_eq!(judge(200, json!({"name": "no id"}), &case), None, "a missing id is the schema's business");
        let mut invalid = case.clone();
        invalid.kind = invalid_described(crate::generate::Location::Path("MW-ID".into()), "pattern", "bad id");
        assert_eq!(judge(200, json!({"id": "x"}), &invalid), None, "invalid requests are negative_data_rejection's");
    }

    #[test]
    fn numeric_ids_compare_as_numbers() {
        let ctx = CheckContext {
            identity: [("getA".to_owned(), Identity { param: "id".into(), field: "id".into() })].into(),
            ..CheckContext::default()
        };
        let spec = load_inline(json!({"openapi": "3.0.3", "info": {"title": "t", "version": "1"}, "paths": {
            "/a/{id}": {"get": {"operationId": "getA", "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "integer"}}],
                                "responses": {"200": {"description": "ok"}}}}
        }}));
        let mut case = valid_case(0);
        case.request.path = "/a/007".into();
        let op = &spec.operations[0];
        for (body, fails) in [(json!({"id": 7}), false), (json!({"id": 7.0}), false), (json!({"id": 8}), true)] {
            let resp = response(200, "application/json", body.clone());
            let ex = exchange(op, &case, &case.request, &resp);
            assert_eq!(check(&ctx, &ex, &effective(&case.request, &resp)).is_some(), fails, "{body}");
        }
    }
}
