//! One exchange as data: the answer conform read, the request as it went on the wire, and
//! which credentials it carried. Transport fills them, checks and the engine read them,
//! reporters render them.
//!
//! Nothing here holds a secret in the clear in its `Debug` output: [`Sent`] hides credential
//! headers and the API key wherever it was put.

use crate::spec::ParamLocation;
use hyper::body::Bytes;
use serde::Serialize;
use std::time::Duration;

/// A server's answer as conform read it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Response {
    /// The HTTP status code.
    pub status: u16,
    /// Header names lower-cased, in the order received.
    pub headers: Vec<(String, String)>,
    /// The body as read (at most conform's read limit; see `truncated`).
    #[serde(skip)]
    pub body: Vec<u8>,
    /// The body was longer than conform reads; `body` holds the first part.
    pub truncated: bool,
    /// Time from sending the request to the end of the body.
    #[serde(skip)]
    pub elapsed: Duration,
}

impl Response {
    /// The first value of a header (name compared case-insensitively).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }

    /// The `Content-Type` header, when the answer has one.
    pub fn content_type(&self) -> Option<&str> {
        self.header("content-type")
    }
}

/// Which credentials a request carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Credentials {
    /// The credentials the run was configured with.
    Configured,
    /// No credentials at all (an `ignored_auth` probe).
    Omitted,
    /// Deliberately wrong credentials (an `ignored_auth` probe).
    Wrong,
    /// A second tenant's credentials, of the same kind as the configured ones (an
    /// `object_ownership` probe).
    Other,
}

/// The request as it went on the wire (reporters redact it). Its `Debug` output hides the
/// values of credential headers and of the API key, wherever it was put.
#[derive(Clone, PartialEq, Default)]
pub struct Sent {
    /// The HTTP method, upper-case.
    pub method: String,
    /// The full URL, query string included.
    pub url: String,
    /// Header names and values as sent, in order (credentials included; `Debug` hides them).
    pub headers: Vec<(String, String)>,
    /// Shared, not copied: the same bytes go to the wire on every attempt and into the report.
    pub body: Option<Bytes>,
    /// Where an API key was put (header, query pair or cookie), so that `curl` lines reference
    /// `$CONFORM_API_KEY` there instead of the value.
    pub api_key: Option<ApiKeyPlace>,
}

impl std::fmt::Debug for Sent {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        use super::redact::{REDACTED, is_credential_header};
        let key = self.api_key.as_ref();
        let hidden = |name: &str, location: ParamLocation| {
            is_credential_header(name)
                || key.is_some_and(|k| k.location == location && k.name.eq_ignore_ascii_case(name))
        };
        let headers: Vec<(&str, &str)> = self
            .headers
            .iter()
            .map(|(name, value)| {
                let cookie_key =
                    name.eq_ignore_ascii_case("cookie") && key.is_some_and(|k| k.location == ParamLocation::Cookie);
                (
                    name.as_str(),
                    if hidden(name, ParamLocation::Header) || cookie_key { REDACTED } else { value.as_str() },
                )
            })
            .collect();
        // The URL with the values of credential-named query pairs (and the API key's) hidden.
        let url = match self.url.split_once('?') {
            Some((path, query)) => {
                let pairs: Vec<String> = query
                    .split('&')
                    .map(|pair| match pair.split_once('=') {
                        Some((name, _)) if hidden(name, ParamLocation::Query) => format!("{name}={REDACTED}"),
                        _ => pair.to_owned(),
                    })
                    .collect();
                format!("{path}?{}", pairs.join("&"))
            }
            None => self.url.clone(),
        };
        f.debug_struct("Sent")
            .field("method", &self.method)
            .field("url", &url)
            .field("headers", &headers)
            .field("body", &self.body)
            .field("api_key", &self.api_key)
            .finish()
    }
}

/// Which kind of credentials to send.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum AuthMode {
    /// No credentials.
    None,
    /// HTTP Digest with the Atlas public and private API keys.
    Digest,
    /// A fixed Bearer token from `CONFORM_TOKEN`.
    Bearer,
    /// OAuth2 client credentials: a Bearer token fetched from the token endpoint and refreshed.
    OAuth,
    /// HTTP Basic with a user name and password.
    Basic,
    /// The spec's `apiKey` scheme, with the key from `CONFORM_API_KEY`.
    ApiKey,
}

/// Where the API key goes, as the spec's `apiKey` scheme names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiKeyPlace {
    /// Header, query parameter or cookie.
    pub location: ParamLocation,
    /// The header, parameter or cookie name.
    pub name: String,
}

impl AuthMode {
    /// The mode as `--auth` spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            AuthMode::None => "none",
            AuthMode::Digest => "digest",
            AuthMode::Bearer => "bearer",
            AuthMode::OAuth => "oauth",
            AuthMode::Basic => "basic",
            AuthMode::ApiKey => "apikey",
        }
    }
}

impl std::str::FromStr for AuthMode {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "none" => Ok(AuthMode::None),
            "digest" => Ok(AuthMode::Digest),
            "bearer" => Ok(AuthMode::Bearer),
            "oauth" => Ok(AuthMode::OAuth),
            "basic" => Ok(AuthMode::Basic),
            "apikey" => Ok(AuthMode::ApiKey),
            other => Err(format!("unknown auth mode `{other}` (none, digest, bearer, oauth, basic, apikey)")),
        }
    }
}
