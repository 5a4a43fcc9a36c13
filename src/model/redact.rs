//! Secrets never leave conform: every rendering goes through a [`Redactor`], which replaces
//! known secret values wherever they appear and blanks the values of credential headers.

/// What replaces a secret.
pub const REDACTED: &str = "[REDACTED]";

/// Replaces secret values and credential headers.
#[derive(Debug, Clone, Default)]
pub struct Redactor {
    secrets: Vec<String>,
}

/// Header names whose values are credentials whatever they hold.
pub fn is_credential_header(name: &str) -> bool {
    let n = name.to_ascii_lowercase();
    matches!(n.as_str(), "authorization" | "proxy-authorization" | "cookie" | "set-cookie" | "www-authenticate")
        || ["token", "secret", "password", "api-key", "apikey", "x-key", "auth"].iter().any(|w| n.contains(w))
}

impl Redactor {
    /// A redactor for these secret values (short values are ignored: they would blank noise).
    pub fn new(secrets: &[String]) -> Redactor {
        let mut secrets: Vec<String> = secrets.iter().filter(|s| s.len() >= 4).cloned().collect();
        // A secret echoed into a URL (a `Location`, a query) is percent-encoded there.
        let encoded: Vec<String> = secrets
            .iter()
            .flat_map(|s| {
                [
                    percent_encoding::utf8_percent_encode(s, percent_encoding::NON_ALPHANUMERIC).to_string(),
                    url::form_urlencoded::byte_serialize(s.as_bytes()).collect(),
                ]
            })
            .filter(|e| !secrets.contains(e))
            .collect();
        secrets.extend(encoded);
        // Longest first, so a secret that contains another is replaced whole.
        secrets.sort_by(|a, b| b.len().cmp(&a.len()).then_with(|| a.cmp(b)));
        secrets.dedup();
        Redactor { secrets }
    }

    /// A redactor for `Debug` output: also matches each secret as `{:?}` escapes it inside a
    /// quoted string (a secret with `"` or `\\` in it is written differently there).
    pub fn for_debug(secrets: &[String]) -> Redactor {
        let mut all = secrets.to_vec();
        all.extend(secrets.iter().map(|s| s.escape_debug().to_string()).filter(|e| !secrets.contains(e)));
        Redactor::new(&all)
    }

    /// The length in bytes of the longest secret (0 without any).
    pub fn longest(&self) -> usize {
        self.secrets.first().map_or(0, String::len)
    }

    /// `text` with every secret value replaced.
    pub fn text(&self, text: &str) -> String {
        let mut out = text.to_owned();
        for secret in &self.secrets {
            if out.contains(secret.as_str()) {
                out = out.replace(secret.as_str(), REDACTED);
            }
        }
        out
    }

    /// A header value: credential headers are blanked (keeping the scheme word of
    /// `Authorization`, e.g. `Digest [REDACTED]`), others go through [`Redactor::text`].
    pub fn header(&self, name: &str, value: &str) -> String {
        if name.eq_ignore_ascii_case("www-authenticate") {
            // A challenge carries no secret; keep it readable.
            return self.text(value);
        }
        if is_credential_header(name) {
            return match value.split_once(' ') {
                Some((scheme, _)) if name.to_ascii_lowercase().ends_with("authorization") => {
                    format!("{scheme} {REDACTED}")
                }
                _ => REDACTED.to_owned(),
            };
        }
        self.text(value)
    }

    /// A JSON value with every string redacted.
    pub fn json(&self, value: &serde_json::Value) -> serde_json::Value {
        use serde_json::Value;
        match value {
            Value::String(s) => Value::String(self.text(s)),
            Value::Array(items) => Value::Array(items.iter().map(|v| self.json(v)).collect()),
            Value::Object(map) => Value::Object(map.iter().map(|(k, v)| (self.text(k), self.json(v))).collect()),
            other => other.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn secrets_and_credential_headers_are_replaced() {
        let r = Redactor::new(&["s3cr3t-value".into(), "ab".into()]);
        assert_eq!(r.text("token=s3cr3t-value&x=ab"), "token=[REDACTED]&x=ab");
        assert_eq!(r.header("Authorization", "Bearer s3cr3t-value"), "Bearer [REDACTED]");
        assert_eq!(r.header("authorization", r#"Digest username="k", response="f00""#), "Digest [REDACTED]");
        assert_eq!(r.header("X-Api-Key", "anything"), REDACTED);
        assert_eq!(r.header("Cookie", "session=1"), REDACTED);
        assert_eq!(r.header("Accept", "application/json"), "application/json");
        assert_eq!(r.json(&json!({"a": ["s3cr3t-value"]})), json!({"a": ["[REDACTED]"]}));
    }

    #[test]
    fn secrets_echoed_percent_encoded_into_urls_are_replaced() {
        let r = Redactor::new(&["p@ss word/+1".into()]);
        assert_eq!(r.text("/x?k=p%40ss%20word%2F%2B1"), "/x?k=[REDACTED]");
        assert_eq!(r.text("/x?k=p%40ss+word%2F%2B1"), "/x?k=[REDACTED]");
        assert_eq!(r.text("p@ss word/+1"), "[REDACTED]");
    }
}
