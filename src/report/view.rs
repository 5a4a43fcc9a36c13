//! One redacted, render-ready view of each finding, shared by every reporter so that the
//! terminal, JSON, JUnit and snapshot outputs say the same thing the same way.

use crate::generate::{CaseKind, CaseOrigin, Mutation};
use crate::model::redact::Redactor;
use crate::model::{AuthMode, Credentials, Example, Finding, RunReport, Sent};
use serde::Serialize;
use serde_json::Value;

/// Bodies longer than this are cut in reports (the full body is never needed to see the point).
const SHOWN_BODY: usize = 16 * 1024;

/// A request as reports show it: redacted, its body parsed or cut.
#[derive(Debug, Clone, Serialize)]
pub struct RequestView {
    /// The HTTP method, upper-case.
    pub method: String,
    /// The full URL, secrets redacted.
    pub url: String,
    /// Header pairs as sent, credential values redacted.
    pub headers: Vec<(String, String)>,
    /// The body: parsed JSON, or redacted text cut at a size reports can show; `None` without a body.
    pub body: Option<Value>,
}

/// An answer as reports show it: redacted, its body parsed or cut.
#[derive(Debug, Clone, Serialize)]
pub struct ResponseView {
    /// The HTTP status code.
    pub status: u16,
    /// Header pairs as received, secrets redacted.
    pub headers: Vec<(String, String)>,
    /// The body: parsed JSON, redacted text (cut, with a note, when long), or `null` when empty.
    pub body: Value,
}

/// What the example's case was for.
#[derive(Debug, Clone, Serialize)]
pub struct CaseView {
    /// `valid` or `invalid`.
    pub kind: &'static str,
    /// How the case was made.
    pub origin: CaseOrigin,
    /// Position in the operation's case list (stable for a seed).
    pub index: usize,
    /// The constraint an invalid case breaks; `None` for a valid case.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mutation: Option<Mutation>,
}

/// One step of a failing stateful sequence.
#[derive(Debug, Clone, Serialize)]
pub struct StepView {
    /// The request sent.
    pub request: RequestView,
    /// The answer; `None` when none came.
    pub response: Option<ResponseView>,
    /// A `curl` command line that sends the request again, credentials by reference.
    pub reproduce: String,
}

/// A finding, redacted and ready to print.
#[derive(Debug, Clone, Serialize)]
pub struct FindingView {
    /// The failing check's `snake_case` name.
    pub check: String,
    /// `error` or `warning` (shown and counted, failing the run only with `--strict`).
    pub severity: &'static str,
    /// What a conforming API does.
    pub expected: &'static str,
    /// The operation's id: its operationId, or `METHOD path` when it has none.
    pub operation: String,
    /// What was expected and what came, redacted.
    pub message: String,
    /// How many exchanges failed this way.
    pub count: usize,
    /// Whether the example is the shrunk form of a random case.
    pub shrunk: bool,
    /// What the example's case was for.
    pub case: CaseView,
    /// The example's request.
    pub request: RequestView,
    /// The example's answer; `None` when none came.
    pub response: Option<ResponseView>,
    /// A `curl` command line that sends the example's request again, credentials by reference.
    pub reproduce: String,
    /// For stateful findings, every step of the sequence in order; empty otherwise.
    pub steps: Vec<StepView>,
}

/// A body as shown: parsed JSON, or text cut at [`SHOWN_BODY`]. Redacted before it is cut, so
/// that a secret straddling the cut cannot leave its first half behind.
fn body_value(r: &Redactor, bytes: &[u8]) -> Value {
    cut_body(r, bytes, false)
}

/// [`body_value`] of a body conform holds only the first part of (`truncated`): never parsed
/// as whole JSON, and the note says the body was longer.
fn cut_body(r: &Redactor, bytes: &[u8], truncated: bool) -> Value {
    if bytes.is_empty() {
        return Value::Null;
    }
    if !truncated && let Ok(v) = serde_json::from_slice::<Value>(bytes) {
        return r.json(&v);
    }
    // Enough past the cut to hold any secret that starts before it.
    let margin = r.longest().saturating_mul(4);
    let read = &bytes[..bytes.len().min(SHOWN_BODY.saturating_add(margin))];
    let text = r.text(&String::from_utf8_lossy(read));
    if bytes.len() <= SHOWN_BODY && !truncated {
        return Value::String(text);
    }
    let mut cut = SHOWN_BODY.min(text.len());
    while !text.is_char_boundary(cut) {
        cut -= 1;
    }
    if truncated {
        return Value::String(format!("{}… (cut: the body is longer than {} bytes)", &text[..cut], bytes.len()));
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

fn response_view(r: &Redactor, response: &crate::model::Response) -> ResponseView {
    ResponseView {
        status: response.status,
        headers: response.headers.iter().map(|(k, v)| (r.text(k), r.header(k, v))).collect(),
        body: cut_body(r, &response.body, response.truncated),
    }
}

/// The environment variable a `curl` line reads a `-H` credential from: `CONFORM_HEADER_`
/// and the header name in upper case, `-` as `_` (`Authorization` -> `CONFORM_HEADER_AUTHORIZATION`).
pub fn header_variable(name: &str) -> String {
    let name: String =
        name.chars().map(|c| if c.is_ascii_alphanumeric() { c.to_ascii_uppercase() } else { '_' }).collect();
    format!("CONFORM_HEADER_{name}")
}

fn shell_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', r"'\''"))
}

/// A `curl` command that reproduces a request; credentials are referenced through the
/// environment variables conform reads them from, never written out.
pub fn curl(r: &Redactor, sent: &Sent, auth: AuthMode, credentials: Credentials) -> String {
    use crate::spec::ParamLocation;
    // An API key is written as `$CONFORM_API_KEY` where it went (a wrong probe key as is).
    let key = sent.api_key.as_ref();
    let key_value = match credentials {
        Credentials::Configured => "$CONFORM_API_KEY",
        Credentials::Other => "$CONFORM_OTHER_API_KEY",
        _ => "conform-wrong-credentials",
    };
    let at = |location| key.filter(|k| k.location == location);
    let url = match at(ParamLocation::Query) {
        Some(k) => without_query_pair(&sent.url, &k.name),
        None => sent.url.clone(),
    };
    let mut parts =
        vec!["curl".to_owned(), "-i".to_owned(), "-X".to_owned(), sent.method.clone(), shell_quote(&r.text(&url))];
    let body_args = sent.body.as_ref().map(|body| body_arguments(r, sent, body));
    // curl writes its own multipart Content-Type, with the boundary it draws.
    let own_type = matches!(&body_args, Some(BodyArgs::Multipart(_)));
    for (name, value) in &sent.headers {
        if own_type && name.eq_ignore_ascii_case("content-type") {
            continue;
        }
        // Credentials given with `-H` (no auth mode of conform's own): the rerun needs them, so
        // the line names a variable to hold the value instead of dropping or printing it.
        if auth == AuthMode::None
            && credentials == Credentials::Configured
            && crate::model::redact::is_credential_header(name)
        {
            parts.push(format!("-H \"{name}: ${}\"", header_variable(name)));
            continue;
        }
        if name.eq_ignore_ascii_case("authorization") && at(ParamLocation::Header).is_none() {
            continue;
        }
        if let Some(k) = at(ParamLocation::Header).filter(|k| k.name.eq_ignore_ascii_case(name)) {
            parts.push(format!("-H \"{}: {key_value}\"", k.name));
            continue;
        }
        let value = match at(ParamLocation::Cookie).filter(|_| name.eq_ignore_ascii_case("cookie")) {
            Some(k) => {
                let rest: Vec<&str> =
                    value.split("; ").filter(|c| c.split_once('=').is_none_or(|(n, _)| n != k.name)).collect();
                parts.push(format!("-b \"{}={key_value}\"", k.name));
                if rest.is_empty() {
                    continue;
                }
                rest.join("; ")
            }
            None => value.clone(),
        };
        parts.push("-H".to_owned());
        parts.push(shell_quote(&format!("{}: {}", r.text(name), r.header(name, &value))));
    }
    if let Some(k) = at(ParamLocation::Query) {
        parts.push(format!("--url-query \"{}={key_value}\"", k.name));
    }
    match (credentials, auth) {
        (Credentials::Omitted, _) | (Credentials::Configured, AuthMode::None) | (_, AuthMode::ApiKey) => {}
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
        (Credentials::Other, AuthMode::None) => {}
        (Credentials::Other, AuthMode::Digest) => {
            parts.push("--digest --user \"$CONFORM_OTHER_USERNAME:$CONFORM_OTHER_PASSWORD\"".to_owned());
        }
        (Credentials::Other, AuthMode::Basic) => {
            parts.push("--user \"$CONFORM_OTHER_USERNAME:$CONFORM_OTHER_PASSWORD\"".to_owned())
        }
        (Credentials::Other, AuthMode::Bearer) => {
            parts.push("-H \"Authorization: Bearer $CONFORM_OTHER_TOKEN\"".to_owned())
        }
        (Credentials::Other, _) => parts.push("-H \"Authorization: Bearer $OTHER_ACCESS_TOKEN\"".to_owned()),
    }
    match body_args {
        Some(BodyArgs::Multipart(args) | BodyArgs::Form(args)) => parts.extend(args),
        Some(BodyArgs::Raw(text)) => {
            parts.push("--data-binary".to_owned());
            parts.push(shell_quote(&text));
        }
        None => {}
    }
    parts.join(" ")
}

/// How a curl line carries a body: one `-F` per multipart part, one `--data-urlencode` per
/// form pair, else the (redacted) bytes as they were sent.
enum BodyArgs {
    Multipart(Vec<String>),
    Form(Vec<String>),
    Raw(String),
}

fn body_arguments(r: &Redactor, sent: &Sent, body: &[u8]) -> BodyArgs {
    let content_type = sent
        .headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("content-type"))
        .map(|(_, v)| v.as_str())
        .unwrap_or("");
    let essence = crate::spec::media::essence(content_type);
    if essence == "multipart/form-data"
        && let Ok(fields) = crate::multipart::parse(content_type, body)
    {
        // `name="value";type=…;filename=…`: a quoted value is never read as `@file` or `<file`.
        let quote = |t: &str| format!("\"{}\"", t.replace('\\', "\\\\").replace('"', "\\\""));
        let args = fields
            .iter()
            .flat_map(|p| {
                let mut arg = format!("{}={}", r.text(&p.name), quote(&r.text(&p.data)));
                if let Some(t) = &p.content_type {
                    arg.push_str(&format!(";type={}", r.text(t)));
                }
                if let Some(f) = &p.filename {
                    arg.push_str(&format!(";filename={}", quote(&r.text(f))));
                }
                ["-F".to_owned(), shell_quote(&arg)]
            })
            .collect();
        return BodyArgs::Multipart(args);
    }
    if essence == "application/x-www-form-urlencoded" {
        let args = url::form_urlencoded::parse(body)
            .flat_map(|(k, v)| {
                let name: String = url::form_urlencoded::byte_serialize(r.text(&k).as_bytes()).collect();
                ["--data-urlencode".to_owned(), shell_quote(&format!("{name}={}", r.text(&v)))]
            })
            .collect();
        return BodyArgs::Form(args);
    }
    BodyArgs::Raw(r.text(&String::from_utf8_lossy(body)))
}

/// `url` without the query pairs named `name` (the API key, which curl adds by reference).
fn without_query_pair(url: &str, name: &str) -> String {
    let Some((base, query)) = url.split_once('?') else { return url.to_owned() };
    let encoded: String = url::form_urlencoded::byte_serialize(name.as_bytes()).collect();
    let kept: Vec<&str> =
        query.split('&').filter(|pair| pair.split('=').next().is_none_or(|n| n != name && n != encoded)).collect();
    if kept.is_empty() { base.to_owned() } else { format!("{base}?{}", kept.join("&")) }
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
            api_key: None,
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

    /// Issue 12, item 7: multipart bodies are `-F` parts (curl writes its own Content-Type and
    /// boundary), form bodies `--data-urlencode` pairs; secrets in them are redacted, and a
    /// body that does not read as its Content-Type says goes out as sent.
    #[test]
    fn curl_renders_multipart_as_parts_and_forms_as_pairs() {
        use crate::multipart::{Part, encode};
        let r = Redactor::new(&["tok-secret".into()]);
        let parts = vec![
            Part::text("caption", "it's \"tok-secret\""),
            Part {
                name: "file".into(),
                filename: Some("file.png".into()),
                content_type: Some("image/png".into()),
                data: "@abc".into(),
            },
        ];
        let sent = |content_type: &str, body: Vec<u8>| Sent {
            method: "POST".into(),
            url: "http://h/up".into(),
            headers: vec![("Content-Type".into(), content_type.into())],
            body: Some(hyper::body::Bytes::from(body)),
            api_key: None,
        };
        let multipart = sent("multipart/form-data; boundary=XY", encode("XY", &parts));
        assert_eq!(
            curl(&r, &multipart, AuthMode::None, Credentials::Omitted),
            r#"curl -i -X POST 'http://h/up' -F 'caption="it'\''s \"[REDACTED]\""' -F 'file="@abc";type=image/png;filename="file.png"'"#
        );
        let form = sent("application/x-www-form-urlencoded", b"a+b=1%262&token=tok-secret".to_vec());
        assert_eq!(
            curl(&r, &form, AuthMode::None, Credentials::Omitted),
            r#"curl -i -X POST 'http://h/up' -H 'Content-Type: application/x-www-form-urlencoded' --data-urlencode 'a+b=1&2' --data-urlencode 'token=[REDACTED]'"#
        );
        // Sent under a wrong Content-Type on purpose: the bytes as they went.
        let wrong = sent("text/plain", encode("XY", &parts[..1]));
        let line = curl(&r, &wrong, AuthMode::None, Credentials::Omitted);
        assert!(line.contains("-H 'Content-Type: text/plain' --data-binary '--XY"), "{line}");
        let unreadable = sent("multipart/form-data", encode("XY", &parts[..1]));
        assert!(curl(&r, &unreadable, AuthMode::None, Credentials::Omitted).contains("--data-binary"));
    }

    /// Issue 11, class 7: a credential given with `-H` is referenced, never printed or dropped.
    #[test]
    fn curl_references_credentials_given_with_h() {
        let r = Redactor::new(&["Token abc-secret".into()]);
        let sent = Sent {
            method: "GET".into(),
            url: "http://127.0.0.1:1/a".into(),
            headers: vec![
                ("Accept".into(), "application/json".into()),
                ("Authorization".into(), "Token abc-secret".into()),
                ("X-Api-Key".into(), "k-secret-1".into()),
            ],
            body: None,
            api_key: None,
        };
        let line = curl(&r, &sent, AuthMode::None, Credentials::Configured);
        assert_eq!(
            line,
            r#"curl -i -X GET 'http://127.0.0.1:1/a' -H 'Accept: application/json' -H "Authorization: $CONFORM_HEADER_AUTHORIZATION" -H "X-Api-Key: $CONFORM_HEADER_X_API_KEY""#
        );
        // A conform auth mode keeps its own variables; an ordinary header stays as it is.
        let bearer = curl(&r, &sent, AuthMode::Bearer, Credentials::Configured);
        assert!(bearer.contains(r#"-H "Authorization: Bearer $CONFORM_TOKEN""#), "{bearer}");
        assert!(bearer.contains("-H 'Accept: application/json'"), "{bearer}");
    }

    #[test]
    fn curl_references_the_api_key_where_it_went() {
        use crate::model::ApiKeyPlace;
        use crate::spec::ParamLocation;
        let r = Redactor::new(&["key-0123456789".into()]);
        let sent = |location, url: &str, headers: Vec<(String, String)>| Sent {
            method: "GET".into(),
            url: url.into(),
            headers,
            body: None,
            api_key: Some(ApiKeyPlace { location, name: "api_key".into() }),
        };
        let query = curl(
            &r,
            &sent(ParamLocation::Query, "http://h/a?x=1&api_key=key-0123456789", vec![]),
            AuthMode::ApiKey,
            Credentials::Configured,
        );
        assert_eq!(query, r#"curl -i -X GET 'http://h/a?x=1' --url-query "api_key=$CONFORM_API_KEY""#);
        let header = vec![("api_key".to_owned(), "key-0123456789".to_owned())];
        let line =
            curl(&r, &sent(ParamLocation::Header, "http://h/a", header), AuthMode::ApiKey, Credentials::Configured);
        assert_eq!(line, r#"curl -i -X GET 'http://h/a' -H "api_key: $CONFORM_API_KEY""#);
        let cookie = vec![("Cookie".to_owned(), "api_key=key-0123456789".to_owned())];
        let line = curl(&r, &sent(ParamLocation::Cookie, "http://h/a", cookie), AuthMode::ApiKey, Credentials::Wrong);
        assert_eq!(line, r#"curl -i -X GET 'http://h/a' -b "api_key=conform-wrong-credentials""#);
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
