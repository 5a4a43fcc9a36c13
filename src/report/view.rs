//! One redacted, render-ready view of each finding, shared by every reporter so that the
//! terminal, JSON, JUnit and snapshot outputs say the same thing the same way.

use super::redact::Redactor;
use crate::generate::{CaseKind, CaseOrigin, Mutation};
use crate::runner::auth::AuthMode;
use crate::runner::transport::{Credentials, Sent};
use crate::runner::{Example, Finding, RunReport};
use serde::Serialize;
use serde_json::Value;

/// Bodies longer than this are cut in reports (the full body is never needed to see the point).
const SHOWN_BODY: usize = 16 * 1024;

#[derive(Debug, Clone, Serialize)]
pub struct RequestView {
    pub method: String,
    pub url: String,
    pub headers: Vec<(String, String)>,
    pub body: Option<Value>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ResponseView {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Value,
}

#[derive(Debug, Clone, Serialize)]
pub struct CaseView {
    pub kind: &'static str,
    pub origin: CaseOrigin,
    pub index: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mutation: Option<Mutation>,
}

#[derive(Debug, Clone, Serialize)]
pub struct StepView {
    pub request: RequestView,
    pub response: Option<ResponseView>,
    pub reproduce: String,
}

/// A finding, redacted and ready to print.
#[derive(Debug, Clone, Serialize)]
pub struct FindingView {
    pub check: String,
    /// `error` or `warning` (shown and counted, failing the run only with `--strict`).
    pub severity: &'static str,
    /// What a conforming API does.
    pub expected: &'static str,
    pub operation: String,
    pub message: String,
    pub count: usize,
    pub shrunk: bool,
    pub case: CaseView,
    pub request: RequestView,
    pub response: Option<ResponseView>,
    pub reproduce: String,
    pub steps: Vec<StepView>,
}

/// A body as shown: parsed JSON, or text cut at [`SHOWN_BODY`]. Redacted before it is cut, so
/// that a secret straddling the cut cannot leave its first half behind.
fn body_value(r: &Redactor, bytes: &[u8]) -> Value {
    if bytes.is_empty() {
        return Value::Null;
    }
    if let Ok(v) = serde_json::from_slice::<Value>(bytes) {
        return r.json(&v);
    }
    // Enough past the cut to hold any secret that starts before it.
    let margin = r.longest().saturating_mul(4);
    let read = &bytes[..bytes.len().min(SHOWN_BODY.saturating_add(margin))];
    let text = r.text(&String::from_utf8_lossy(read));
    if bytes.len() <= SHOWN_BODY {
        return Value::String(text);
    }
    let mut cut = SHOWN_BODY.min(text.len());
    while !text.is_char_boundary(cut) {
        cut -= 1;
    }
    Value::String(format!("{}… ({} bytes in all)", &text[..cut], bytes.len()))
}

fn request_view(r: &Redactor, sent: &Sent) -> RequestView {
    RequestView {
        method: sent.method.clone(),
        url: r.text(&sent.url),
        headers: sent.headers.iter().map(|(k, v)| (r.text(k), r.header(k, v))).collect(),
        body: sent.body.as_deref().map(|b| body_value(r, b)),
    }
}

fn response_view(r: &Redactor, response: &crate::check::Response) -> ResponseView {
    ResponseView {
        status: response.status,
        headers: response.headers.iter().map(|(k, v)| (r.text(k), r.header(k, v))).collect(),
        body: body_value(r, &response.body),
    }
}

fn shell_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', r"'\''"))
}

/// A `curl` command that reproduces a request; credentials are referenced through the
/// environment variables conform reads them from, never written out.
pub fn curl(r: &Redactor, sent: &Sent, auth: AuthMode, credentials: Credentials) -> String {
    let mut parts =
        vec!["curl".to_owned(), "-i".to_owned(), "-X".to_owned(), sent.method.clone(), shell_quote(&r.text(&sent.url))];
    for (name, value) in &sent.headers {
        if name.eq_ignore_ascii_case("authorization") {
            continue;
        }
        parts.push("-H".to_owned());
        parts.push(shell_quote(&format!("{}: {}", r.text(name), r.header(name, value))));
    }
    match (credentials, auth) {
        (Credentials::Omitted, _) | (Credentials::Configured, AuthMode::None) => {}
        (Credentials::Configured, AuthMode::Digest) => {
            parts.push("--digest --user \"$MONGODB_ATLAS_PUBLIC_API_KEY:$MONGODB_ATLAS_PRIVATE_API_KEY\"".to_owned());
        }
        (Credentials::Configured, AuthMode::Basic) => {
            parts.push("--user \"$CONFORM_USERNAME:$CONFORM_PASSWORD\"".to_owned())
        }
        (Credentials::Configured, AuthMode::Bearer) => {
            parts.push("-H \"Authorization: Bearer $CONFORM_TOKEN\"".to_owned())
        }
        (Credentials::Configured, AuthMode::OAuth) => {
            parts.push("-H \"Authorization: Bearer $ACCESS_TOKEN\"".to_owned())
        }
        (Credentials::Wrong, AuthMode::Digest) => {
            parts.push("--digest --user \"$MONGODB_ATLAS_PUBLIC_API_KEY:conform-wrong-credentials\"".to_owned());
        }
        (Credentials::Wrong, AuthMode::Basic) => {
            parts.push("--user \"$CONFORM_USERNAME:conform-wrong-credentials\"".to_owned())
        }
        (Credentials::Wrong, _) => parts.push("-H 'Authorization: Bearer conform-wrong-credentials'".to_owned()),
    }
    if let Some(body) = &sent.body {
        parts.push("--data-binary".to_owned());
        parts.push(shell_quote(&r.text(&String::from_utf8_lossy(body))));
    }
    parts.join(" ")
}

fn step(r: &Redactor, auth: AuthMode, e: &Example) -> StepView {
    StepView {
        request: request_view(r, &e.sent),
        response: e.response.as_ref().map(|resp| response_view(r, resp)),
        reproduce: curl(r, &e.sent, auth, e.credentials),
    }
}

/// Redacted views of every finding of a report, in report order.
pub fn findings(report: &RunReport) -> Vec<FindingView> {
    let r = Redactor::new(&report.secrets);
    report.findings.iter().map(|f| finding(&r, report.auth, f)).collect()
}

fn finding(r: &Redactor, auth: AuthMode, f: &Finding) -> FindingView {
    let e = &f.example;
    FindingView {
        check: f.check.as_str().to_owned(),
        severity: f.severity.as_str(),
        expected: f.check.expectation(),
        operation: f.operation.clone(),
        message: r.text(&f.message),
        count: f.count,
        shrunk: f.shrunk,
        case: CaseView {
            kind: match e.case.kind {
                CaseKind::Valid => "valid",
                CaseKind::Invalid(_) => "invalid",
            },
            origin: e.case.origin,
            index: e.case.index,
            mutation: e.case.mutation().cloned(),
        },
        request: request_view(r, &e.sent),
        response: e.response.as_ref().map(|resp| response_view(r, resp)),
        reproduce: curl(r, &e.sent, auth, e.credentials),
        steps: f.steps.iter().map(|s| step(r, auth, s)).collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn curl_quotes_and_references_credentials() {
        let r = Redactor::new(&["tok-secret".into()]);
        let sent = Sent {
            method: "PATCH".into(),
            url: "http://127.0.0.1:1/a?x=it's".into(),
            headers: vec![
                ("Content-Type".into(), "application/json".into()),
                ("Authorization".into(), "Bearer tok-secret".into()),
            ],
            body: Some(hyper::body::Bytes::from_static(br#"{"a":"it's"}"#)),
        };
        let line = curl(&r, &sent, AuthMode::Bearer, Credentials::Configured);
        assert_eq!(
            line,
            r#"curl -i -X PATCH 'http://127.0.0.1:1/a?x=it'\''s' -H 'Content-Type: application/json' -H "Authorization: Bearer $CONFORM_TOKEN" --data-binary '{"a":"it'\''s"}'"#
        );
        assert!(!line.contains("tok-secret"));
        let digest = curl(&r, &sent, AuthMode::Digest, Credentials::Configured);
        assert!(digest.contains(r#"--digest --user "$MONGODB_ATLAS_PUBLIC_API_KEY:$MONGODB_ATLAS_PRIVATE_API_KEY""#));
        assert!(!curl(&r, &sent, AuthMode::Bearer, Credentials::Omitted).contains("Authorization"));
    }

    /// Long text bodies are cut for display; a secret that straddled the cut used to leave its
    /// first half behind, because the body was cut before it was redacted.
    #[test]
    fn a_secret_straddling_the_body_cut_is_redacted_whole() {
        let secret = "s3cr3t-straddling-the-cut";
        let r = Redactor::new(&[secret.into()]);
        for offset in 0..secret.len() {
            let mut body = "x".repeat(SHOWN_BODY - offset).into_bytes();
            body.extend_from_slice(secret.as_bytes());
            body.extend_from_slice(&[b'y'; 100]);
            let Value::String(shown) = body_value(&r, &body) else { panic!("text") };
            assert!(!shown.contains(&secret[..4]), "offset {offset}: …{}", &shown[shown.len() - 60..]);
            assert!(shown.ends_with(&format!("({} bytes in all)", body.len())), "offset {offset}");
        }
    }
}
