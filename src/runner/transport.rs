//! Putting a generated [`Request`] on the wire and reading the answer, defensively: a server
//! that hangs, resets, answers garbage or a huge body costs one `transport` failure, never the
//! run. Bodies are read up to a cap; 429 answers are retried after `Retry-After` a bounded number
//! of times; a Digest challenge is answered once.

use super::auth::Authenticator;
use crate::check::Response;
use crate::generate::Request;
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Query keys and values: everything but RFC 3986 unreserved characters is encoded.
const QUERY: &AsciiSet = &NON_ALPHANUMERIC.remove(b'-').remove(b'.').remove(b'_').remove(b'~');
/// 429 answers are retried at most this many times per request.
const MAX_RATE_LIMIT_RETRIES: u32 = 3;
/// A `Retry-After` longer than this is not waited for.
const MAX_RETRY_AFTER: Duration = Duration::from_secs(30);

/// Which credentials a request carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Credentials {
    Configured,
    Omitted,
    Wrong,
}

/// The request as it went on the wire (reporters redact it).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Sent {
    pub method: String,
    pub url: String,
    pub headers: Vec<(String, String)>,
    pub body: Option<Vec<u8>>,
}

/// Why no usable answer came.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TransportFailure {
    /// Stable kind for deduplication: `connect`, `timeout`, `reset`, `body`, `too_large`,
    /// `rate_limited`, `request`.
    pub kind: &'static str,
    pub message: String,
}

/// Sends requests to one target. Shared by every task.
pub struct Transport {
    pub client: reqwest::Client,
    /// `scheme://host:port` plus the base path, without a trailing slash.
    pub base: String,
    pub auth: Arc<Authenticator>,
    /// `-H` headers, added to every request.
    pub extra_headers: Vec<(String, String)>,
    pub max_body: usize,
    pub timeout: Duration,
    pub rate: Option<RateLimiter>,
}

impl Transport {
    /// Every secret value the requests carry, for reporters to redact: the credentials', and the
    /// values of `-H` headers whose names mark them as credentials (`X-Api-Key`, `Authorization`…),
    /// which a server may echo anywhere.
    pub fn secrets(&self) -> Vec<String> {
        let mut secrets = self.auth.secrets();
        for (name, value) in &self.extra_headers {
            if crate::report::redact::is_credential_header(name) {
                secrets.push(value.trim().to_owned());
                // `Bearer abc`: the token alone is what an echo may show.
                if let Some((_, rest)) = value.trim().split_once(' ') {
                    secrets.push(rest.trim().to_owned());
                }
            }
        }
        secrets
    }
}

pub use crate::spec::shown_url;

/// Spaces requests `1/rate` seconds apart across all tasks.
pub struct RateLimiter {
    interval: Duration,
    next: tokio::sync::Mutex<Instant>,
}

impl RateLimiter {
    pub fn new(per_second: f64) -> RateLimiter {
        let interval = Duration::from_secs_f64(1.0 / per_second.max(0.001));
        RateLimiter { interval, next: tokio::sync::Mutex::new(Instant::now()) }
    }

    async fn wait(&self) {
        let slot = {
            let mut next = self.next.lock().await;
            let slot = (*next).max(Instant::now());
            *next = slot + self.interval;
            slot
        };
        tokio::time::sleep_until(slot.into()).await;
    }
}

/// The answer to one exchange: what was sent, how many HTTP requests it took, and the answer.
pub struct Outcome {
    pub sent: Sent,
    pub requests: usize,
    pub result: Result<Response, TransportFailure>,
}

impl Transport {
    /// Builds the URL of a request: base + path + encoded query.
    pub fn url(&self, request: &Request) -> String {
        let mut url = String::with_capacity(self.base.len() + request.path.len() + 64);
        url.push_str(&self.base);
        url.push_str(&request.path);
        for (i, (k, v)) in request.query.iter().enumerate() {
            url.push(if i == 0 { '?' } else { '&' });
            url.extend(utf8_percent_encode(k, QUERY));
            url.push('=');
            url.extend(utf8_percent_encode(v, QUERY));
        }
        url
    }

    /// Sends one request (with Digest and 429 handling) and reads the answer.
    pub async fn send(&self, request: &Request, accept: &str, credentials: Credentials) -> Outcome {
        let url = self.url(request);
        let body = request.body.as_ref().map(|b| b.to_bytes());
        let uri = path_and_query(&url);
        let mut requests = 0;
        let mut digest_retried = false;
        let mut rate_retries = 0;
        loop {
            // Wait for the rate limiter first: credentials made before the wait can be stale by
            // the time the request leaves (an OAuth2 token past its refresh time, a Digest nonce
            // count overtaken by other tasks).
            if let Some(rate) = &self.rate {
                rate.wait().await;
            }
            let authorization = match credentials {
                Credentials::Omitted => None,
                Credentials::Wrong => {
                    Some(self.auth.wrong_authorization(request.method.as_str(), &uri, body.as_deref()))
                }
                Credentials::Configured => {
                    match self.auth.authorization(&self.client, request.method.as_str(), &uri, body.as_deref()).await {
                        Ok(a) => a,
                        Err(e) => {
                            let sent = self.sent(request, &url, accept, None, &body);
                            let failure = TransportFailure { kind: "auth", message: e.to_string() };
                            return Outcome { sent, requests, result: Err(failure) };
                        }
                    }
                }
            };
            let sent = self.sent(request, &url, accept, authorization.as_deref(), &body);
            requests += 1;
            let result = self.exchange(&sent).await;
            let Ok(response) = &result else { return Outcome { sent, requests, result } };
            if response.status == 401 && credentials == Credentials::Configured && !digest_retried {
                let challenge = response.header("www-authenticate").unwrap_or_default().to_owned();
                match self.auth.learn_challenge(&challenge) {
                    Ok(true) => {
                        digest_retried = true;
                        continue;
                    }
                    Ok(false) => {}
                    Err(e) => {
                        return Outcome {
                            sent,
                            requests,
                            result: Err(TransportFailure { kind: "auth", message: e.to_string() }),
                        };
                    }
                }
            }
            if response.status == 429 {
                if rate_retries >= MAX_RATE_LIMIT_RETRIES {
                    let failure = TransportFailure {
                        kind: "rate_limited",
                        message: format!("still rate limited (429) after {MAX_RATE_LIMIT_RETRIES} retries"),
                    };
                    return Outcome { sent, requests, result: Err(failure) };
                }
                rate_retries += 1;
                let wait = retry_after(response.header("retry-after")).unwrap_or(Duration::from_secs(1));
                tokio::time::sleep(wait.min(MAX_RETRY_AFTER).min(self.timeout)).await;
                continue;
            }
            return Outcome { sent, requests, result };
        }
    }

    fn sent(
        &self,
        request: &Request,
        url: &str,
        accept: &str,
        authorization: Option<&str>,
        body: &Option<Vec<u8>>,
    ) -> Sent {
        let mut headers = Vec::with_capacity(request.headers.len() + self.extra_headers.len() + 4);
        if !accept.is_empty() {
            headers.push(("Accept".to_owned(), accept.to_owned()));
        }
        if let Some(ct) = &request.content_type {
            headers.push(("Content-Type".to_owned(), ct.clone()));
        }
        headers.extend(request.headers.iter().cloned());
        if !request.cookies.is_empty() {
            let cookie = request.cookies.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("; ");
            headers.push(("Cookie".to_owned(), cookie));
        }
        headers.extend(self.extra_headers.iter().cloned());
        if let Some(a) = authorization {
            headers.push(("Authorization".to_owned(), a.to_owned()));
        }
        Sent { method: request.method.as_str().to_owned(), url: url.to_owned(), headers, body: body.clone() }
    }

    async fn exchange(&self, sent: &Sent) -> Result<Response, TransportFailure> {
        let method = reqwest::Method::from_bytes(sent.method.as_bytes()).map_err(|_| TransportFailure {
            kind: "request",
            message: format!("`{}` is not an HTTP method", sent.method),
        })?;
        let mut builder = self.client.request(method, &sent.url);
        for (name, value) in &sent.headers {
            builder = builder.header(name.as_str(), value.as_str());
        }
        if let Some(body) = &sent.body {
            builder = builder.body(body.clone());
        }
        let start = Instant::now();
        let mut response = builder.send().await.map_err(|e| classify(&e))?;
        let status = response.status().as_u16();
        let headers: Vec<(String, String)> = response
            .headers()
            .iter()
            .map(|(k, v)| (k.as_str().to_owned(), String::from_utf8_lossy(v.as_bytes()).into_owned()))
            .collect();
        let mut body = Vec::new();
        let mut truncated = false;
        loop {
            match response.chunk().await {
                Ok(Some(chunk)) => {
                    let room = self.max_body.saturating_sub(body.len());
                    if chunk.len() > room {
                        body.extend_from_slice(&chunk[..room]);
                        truncated = true;
                        break;
                    }
                    body.extend_from_slice(&chunk);
                }
                Ok(None) => break,
                Err(e) => {
                    let mut failure = classify(&e);
                    if failure.kind != "timeout" {
                        failure.kind = "body";
                        failure.message =
                            format!("the connection broke while reading the {status} body: {}", describe(&e));
                    } else {
                        failure.message = format!("timed out while reading the {status} body");
                    }
                    return Err(failure);
                }
            }
        }
        Ok(Response { status, headers, body, truncated, elapsed: start.elapsed() })
    }
}

/// `Retry-After`: delay seconds or an HTTP date.
fn retry_after(value: Option<&str>) -> Option<Duration> {
    let value = value?.trim();
    if let Ok(secs) = value.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let when = httpdate_to_unix(value)?;
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).ok()?.as_secs();
    Some(Duration::from_secs(when.saturating_sub(now)))
}

/// Parses an IMF-fixdate (`Sun, 06 Nov 1994 08:49:37 GMT`) to Unix seconds.
fn httpdate_to_unix(s: &str) -> Option<u64> {
    let parts: Vec<&str> = s.split_whitespace().collect();
    let [_, day, month, year, time, "GMT"] = parts.as_slice() else { return None };
    let month = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        .iter()
        .position(|m| m == month)? as u64
        + 1;
    let (day, year): (u64, u64) = (day.parse().ok()?, year.parse().ok()?);
    let hms: Vec<u64> = time.split(':').map(|p| p.parse().ok()).collect::<Option<_>>()?;
    let [h, m, sec] = hms.as_slice() else { return None };
    // Days from the civil date (Howard Hinnant's algorithm).
    let (y, mo) = if month <= 2 { (year - 1, month + 9) } else { (year, month - 3) };
    let era = y / 400;
    let yoe = y - era * 400;
    let doy = (153 * mo + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    Some(days * 86_400 + h * 3600 + m * 60 + sec)
}

fn path_and_query(url: &str) -> String {
    let after_scheme = url.split_once("://").map(|(_, r)| r).unwrap_or(url);
    match after_scheme.find('/') {
        Some(i) => after_scheme[i..].to_owned(),
        None => "/".to_owned(),
    }
}

fn classify(e: &reqwest::Error) -> TransportFailure {
    let message = describe(e);
    let kind = if e.is_timeout() {
        "timeout"
    } else if e.is_connect() {
        "connect"
    } else if e.is_body() || e.is_decode() {
        "body"
    } else if e.is_request() {
        "reset"
    } else {
        "request"
    };
    let message = match kind {
        "timeout" => "no answer within the timeout".to_owned(),
        "connect" => format!("cannot connect: {message}"),
        "reset" => format!("the connection failed before an answer: {message}"),
        _ => message,
    };
    TransportFailure { kind, message }
}

/// An error's message chain, without the URL (which may carry query secrets).
pub fn describe(e: &reqwest::Error) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut source: Option<&dyn std::error::Error> = std::error::Error::source(e);
    while let Some(s) = source {
        let text = s.to_string();
        if !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
        source = s.source();
    }
    if parts.is_empty() {
        let text = e.to_string();
        let text = match e.url() {
            Some(url) => text.replace(&format!(" ({url})"), "").replace(url.as_str(), "the target"),
            None => text,
        };
        parts.push(text);
    }
    parts.join(": ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_reads_seconds_and_dates() {
        assert_eq!(retry_after(Some("3")), Some(Duration::from_secs(3)));
        assert_eq!(httpdate_to_unix("Sun, 06 Nov 1994 08:49:37 GMT"), Some(784_111_777));
        assert_eq!(retry_after(Some("Sun, 06 Nov 1994 08:49:37 GMT")), Some(Duration::ZERO));
        assert_eq!(retry_after(Some("soon")), None);
        assert_eq!(retry_after(None), None);
    }

    #[test]
    fn urls_encode_query_pairs_and_keep_the_path() {
        let t = Transport {
            client: reqwest::Client::new(),
            base: "http://127.0.0.1:1/api".into(),
            auth: Arc::new(
                Authenticator::new(
                    &super::super::auth::AuthSettings::default(),
                    &crate::spec::Spec::from_value(
                        "t",
                        serde_json::json!({"openapi": "3.0.3", "info": {"title": "t", "version": "1"}, "paths": {}}),
                    )
                    .unwrap(),
                )
                .unwrap(),
            ),
            extra_headers: Vec::new(),
            max_body: 10,
            timeout: Duration::from_secs(1),
            rate: None,
        };
        let request = Request {
            method: crate::spec::Method::Get,
            path: "/a/b%2Fc".into(),
            query: vec![("q".into(), "a b&c=d".into()), ("x[y]".into(), "1".into())],
            headers: vec![],
            cookies: vec![],
            content_type: None,
            body: None,
        };
        assert_eq!(t.url(&request), "http://127.0.0.1:1/api/a/b%2Fc?q=a%20b%26c%3Dd&x%5By%5D=1");
        assert_eq!(path_and_query("http://h:1/a/b?c=d"), "/a/b?c=d");
    }
}
