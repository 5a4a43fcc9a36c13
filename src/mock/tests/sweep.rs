//! A few hundred varied requests, valid and invalid, at both shipped specs: every answer of a
//! fault-free mock must be documented (status, Content-Type, body) for its operation. Statuses
//! the specs do not document for anything (405, 406, 413, 415) must use the generic JSON shape.

use super::twilio::request_with;
use super::*;
use crate::rng::Rng;
use crate::spec::Method;
use serde_json::{Value, json};

const VARIANTS: u64 = 14;

struct Sent {
    method: String,
    target: String,
    headers: Vec<(String, String)>,
    body: Option<Vec<u8>>,
    envelope: bool,
}

/// Builds variant `kind` of a request for `op`.
fn variant(spec: &Spec, op: &Operation, kind: u64, rng: &mut Rng, known_ids: &[String]) -> Sent {
    let mut overrides: Vec<(&str, String)> = Vec::new();
    // Collection items: half the time one that exists.
    if op.template.params().any(|p| p == "MW-ID") && !known_ids.is_empty() && rng.below(2) == 0 {
        overrides.push(("MW-ID", known_ids[rng.below(known_ids.len() as u64) as usize].clone()));
    }
    // A bad path parameter: the first one gets characters no pattern here allows.
    if kind == 6
        && let Some(first) = op.template.params().next()
    {
        overrides.push((first, "not%20valid!".to_owned()));
    }
    let (mut target, mut headers, content_type, mut body) = request_with(op, rng.next_u64(), &overrides);
    let mut method = op.method.as_str().to_owned();
    let mut envelope = false;
    let add_query = |target: &mut String, pair: &str| {
        target.push(if target.contains('?') { '&' } else { '?' });
        target.push_str(pair);
    };
    match kind {
        0..=3 => {}
        4 => {
            add_query(&mut target, "envelope=true");
            envelope = op.parameters.iter().any(|p| p.name == "envelope");
        }
        5 => add_query(&mut target, "pretty=true"),
        6 => {}
        7 => {
            if let Some(Ok(Value::Object(mut map))) = body.as_deref().map(serde_json::from_slice::<Value>) {
                match rng.below(3) {
                    0 => {
                        map.insert("zzUnknown".into(), json!(1));
                    }
                    1 => {
                        if let Some(k) = map.keys().next().cloned() {
                            map.insert(k, json!(99999));
                        }
                    }
                    _ => {
                        if let Some(k) = map.keys().next().cloned() {
                            map.shift_remove(&k);
                        }
                    }
                }
                body = Some(serde_json::to_vec(&Value::Object(map)).unwrap());
            }
        }
        8 => body = body.map(|_| b"{\"dayOfWeek\": ".to_vec()),
        9 => body = None,
        10 => {
            if body.is_some() {
                headers.push(("content-type".into(), "text/plain".into()));
            }
        }
        11 => headers.push((
            "accept".into(),
            ["application/vnd.atlas.2001-01-01+json", "text/html"][rng.below(2) as usize].into(),
        )),
        12 => {
            let documented: Vec<Method> =
                spec.operations.iter().filter(|o| o.path == op.path).map(|o| o.method).collect();
            method = [Method::Put, Method::Patch, Method::Post, Method::Delete, Method::Get]
                .into_iter()
                .find(|m| !documented.contains(m))
                .map(|m| m.as_str().to_owned())
                .unwrap_or_else(|| "FROB".to_owned());
        }
        _ => add_query(
            &mut target,
            ["envelope=maybe", "pretty=1", "itemsPerPage=0", "pageNum=-1"][rng.below(4) as usize],
        ),
    }
    if let Some(ct) = content_type
        && !headers.iter().any(|(k, _)| k == "content-type")
    {
        headers.push(("content-type".into(), ct));
    }
    Sent { method, target, headers, body, envelope }
}

async fn fire(server: &MockServer, base: &str, sent: &Sent) -> Got {
    let url = format!("{}{base}{}", server.url(), sent.target);
    let mut req = client().request(reqwest::Method::from_bytes(sent.method.as_bytes()).unwrap(), &url);
    for (k, v) in &sent.headers {
        req = req.header(k.as_str(), v.as_str());
    }
    if let Some(b) = &sent.body {
        req = req.body(b.clone());
    }
    let res = req.send().await.unwrap_or_else(|e| panic!("{url}: {e}"));
    let status = res.status().as_u16();
    let headers = res.headers().clone();
    Got { status, headers, body: res.bytes().await.unwrap().to_vec() }
}

/// Judges one answer; `Err` says what is wrong.
fn judge(op: &Operation, sent: &Sent, got: &Got) -> Result<(), String> {
    if matches!(got.status, 405 | 406 | 413 | 415) && op.response_for(got.status).is_none() {
        let v: Value = serde_json::from_slice(&got.body).map_err(|e| format!("{}: not JSON: {e}", got.status))?;
        let ok = got.content_type() == Some("application/json")
            && v["error"] == json!(got.status)
            && v["errorCode"].is_string()
            && v["detail"].is_string();
        return if ok { Ok(()) } else { Err(format!("{}: generic error shape expected: {v}", got.status)) };
    }
    if sent.envelope {
        let v: Value = serde_json::from_slice(&got.body).map_err(|e| format!("envelope not JSON: {e}"))?;
        if got.status != 200 {
            return Err(format!("envelope answered {}", got.status));
        }
        let inner = v["status"].as_u64().ok_or_else(|| format!("envelope without status: {v}"))? as u16;
        let content = v.get("content").map(|c| serde_json::to_vec(c).unwrap()).unwrap_or_default();
        return conforms(op, inner, got.content_type(), &content);
    }
    check(op, got)
}

async fn sweep(spec: Arc<Spec>, base: &str, requests: u64, seed: u64) {
    let server = start(spec.clone(), MockConfig { seed, ..MockConfig::default() }).await;
    let mut rng = Rng::new(seed);
    let mut known_ids: Vec<String> = Vec::new();
    let mut failures = Vec::new();
    let mut statuses = std::collections::BTreeMap::new();
    for i in 0..requests {
        let op = &spec.operations[(i as usize) % spec.operations.len()];
        let kind = rng.below(VARIANTS);
        let sent = variant(&spec, op, kind, &mut rng, &known_ids);
        let got = fire(&server, base, &sent).await;
        *statuses.entry(got.status).or_insert(0) += 1;
        if let Some(id) = (got.status == 200 && op.method == Method::Post)
            .then(|| serde_json::from_slice::<Value>(&got.body).ok())
            .flatten()
            .and_then(|v| v["id"].as_str().map(str::to_owned))
        {
            known_ids.push(id);
        }
        if let Err(e) = judge(op, &sent, &got) {
            failures.push(format!("#{i} {} {} (variant {kind}): {e}", sent.method, sent.target));
        }
    }
    assert!(failures.is_empty(), "{} of {requests} answers do not conform:\n{}", failures.len(), failures.join("\n"));
    // The sweep reached the interesting answers.
    for status in [200, 400, 405, 406] {
        assert!(statuses.contains_key(&status), "no {status} in {statuses:?}");
    }
    server.shutdown().await;
}

#[tokio::test]
async fn every_atlas_answer_conforms() {
    sweep(atlas_spec(), "", 300, 1).await;
}

#[tokio::test]
async fn every_cloud_manager_answer_conforms() {
    sweep(cloud_manager_spec(), "/api/public/v1.0", 300, 2).await;
}
