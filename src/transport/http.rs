//! How reqwest errors are worded, for the transport and for OAuth2 token requests alike: the
//! message chain without the URL, which may carry query secrets.
//!
//! A leaf of the runner: it imports neither `auth` nor `transport`, so that both can use it
//! and `transport` -> `auth` stays one-way.

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
