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
fn is_credential_header(name: &str) -> bool {
    let n = name.to_ascii_lowercase();
    matches!(n.as_str(), "authorization" | "proxy-authorization" | "cookie" | "set-cookie" | "www-authenticate")
        || ["token", "secret", "password", "api-key", "apikey", "x-key", "auth"].iter().any(|w| n.contains(w))
}

impl Redactor {
    /// A redactor for these secret values (short values are ignored: they would blank noise).
    pub fn new(secrets: &[String]) -> Redactor {
        let mut secrets: Vec<String> = secrets.iter().filter(|s| s.len() >= 4).cloned().collect();
        // Longest first, so a secret that contains another is replaced whole.
        secrets.sort_by_key(|s| std::cmp::Reverse(s.len()));
        secrets.dedup();
        Redactor { secrets }
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
}
