//! One place turns inputs into settings. The command line, the `CONFORM_*` environment
//! variables of the `cargo test` harness and the [`Contract`](crate::Contract) builder all land
//! in the same [`RunConfig`](crate::engine::RunConfig), through the parsers and the credential
//! rules here, so that the three cannot drift apart again.
//!
//! Nothing here reads a flag: error texts speak of values, and each front end says which flag
//! or variable the value came from.

#![warn(missing_docs)]

use crate::transport::auth::{AuthMode, AuthSettings};
use std::time::Duration;

/// The environment variables the harness ([`Contract::from_env`](crate::Contract::from_env))
/// reads. The credential variables are also the command line's defaults for its flags.
pub mod env {
    /// The spec: a file path or an http(s) URL.
    pub const SPEC: &str = "CONFORM_SPEC";
    /// The target's base URL; unset or empty: the embedded mock.
    pub const TARGET: &str = "CONFORM_TARGET";
    /// The seed of the run.
    pub const SEED: &str = "CONFORM_SEED";
    /// Random cases per operation.
    pub const CASES: &str = "CONFORM_CASES";
    /// Pinned parameters, `name=value,name=value`.
    pub const PARAMS: &str = "CONFORM_PARAMS";
    /// Extra headers for every request, one `Name: value` per line.
    pub const HEADERS: &str = "CONFORM_HEADERS";
    /// `1` or `true`: send mutating requests to a target that is not loopback.
    pub const ALLOW_MUTATIONS: &str = "CONFORM_ALLOW_MUTATIONS";
    /// Operation filters to include, comma-separated.
    pub const INCLUDE: &str = "CONFORM_INCLUDE";
    /// Operation filters to exclude, comma-separated.
    pub const EXCLUDE: &str = "CONFORM_EXCLUDE";
    /// Checks to run (comma-separated; default all).
    pub const CHECKS: &str = "CONFORM_CHECKS";
    /// Checks not to run (comma-separated).
    pub const EXCLUDE_CHECKS: &str = "CONFORM_EXCLUDE_CHECKS";
    /// Answers slower than this many milliseconds fail `max_response_time`.
    pub const MAX_RESPONSE_TIME: &str = "CONFORM_MAX_RESPONSE_TIME";
    /// Seconds before a request is abandoned.
    pub const TIMEOUT: &str = "CONFORM_TIMEOUT";
    /// The path prefix of every request (`/` for the root).
    pub const BASE_PATH: &str = "CONFORM_BASE_PATH";
    /// The authentication mode: `none`, `digest`, `bearer`, `oauth`, `basic` or `apikey`
    /// (default: from the credentials present).
    pub const AUTH: &str = "CONFORM_AUTH";
    /// Atlas API public key (HTTP Digest username).
    pub const PUBLIC_KEY: &str = "MONGODB_ATLAS_PUBLIC_API_KEY";
    /// Atlas API private key (HTTP Digest password).
    pub const PRIVATE_KEY: &str = "MONGODB_ATLAS_PRIVATE_API_KEY";
    /// Service account client id (OAuth2 client credentials).
    pub const CLIENT_ID: &str = "MONGODB_ATLAS_CLIENT_ID";
    /// Service account client secret (OAuth2 client credentials).
    pub const CLIENT_SECRET: &str = "MONGODB_ATLAS_CLIENT_SECRET";
    /// OAuth2 token endpoint (default: the spec's client-credentials flow).
    pub const TOKEN_URL: &str = "CONFORM_TOKEN_URL";
    /// Bearer token.
    pub const TOKEN: &str = "CONFORM_TOKEN";
    /// API key for the spec's apiKey scheme.
    pub const API_KEY: &str = "CONFORM_API_KEY";
    /// HTTP Basic username.
    pub const USERNAME: &str = "CONFORM_USERNAME";
    /// HTTP Basic password.
    pub const PASSWORD: &str = "CONFORM_PASSWORD";
    /// A second tenant's Bearer token (`object_ownership` across tenants).
    pub const OTHER_TOKEN: &str = "CONFORM_OTHER_TOKEN";
    /// A second tenant's API key.
    pub const OTHER_API_KEY: &str = "CONFORM_OTHER_API_KEY";
    /// A second tenant's username (Basic, or Digest: an Atlas public key).
    pub const OTHER_USERNAME: &str = "CONFORM_OTHER_USERNAME";
    /// A second tenant's password (Basic, or Digest: an Atlas private key).
    pub const OTHER_PASSWORD: &str = "CONFORM_OTHER_PASSWORD";
    /// A second tenant's OAuth2 client id.
    pub const OTHER_CLIENT_ID: &str = "CONFORM_OTHER_CLIENT_ID";
    /// A second tenant's OAuth2 client secret.
    pub const OTHER_CLIENT_SECRET: &str = "CONFORM_OTHER_CLIENT_SECRET";
}

/// A value that cannot be used as a setting. The texts name the value, never the flag or
/// variable it came from: the front end adds that.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SettingError {
    /// Not `NAME=VALUE` (or an empty name).
    #[error("`{0}` is not NAME=VALUE")]
    NotNameValue(String),
    /// Not `Name: value`.
    #[error("`{0}` is not 'Name: value'")]
    NotHeader(String),
    /// A header name with characters HTTP does not allow.
    #[error("`{0}` is not a valid header name")]
    HeaderName(String),
    /// A header value with control characters (it would split the request).
    #[error("the value of header {0} holds control characters")]
    HeaderValue(String),
    /// Not a positive, finite number.
    #[error("`{0}` is not a positive number")]
    NotPositive(String),
    /// Not a whole number.
    #[error("`{0}` is not a whole number")]
    NotWholeNumber(String),
    /// An operation filter that cannot be used.
    #[error(transparent)]
    Filter(#[from] crate::engine::filter::FilterError),
    /// A check name no check has (the text lists the known ones).
    #[error("{0}")]
    UnknownCheck(String),
    /// An authentication mode no mode has (the text lists the known ones).
    #[error("{0}")]
    AuthMode(String),
    /// A target that is not an http(s) URL.
    #[error(transparent)]
    Target(#[from] crate::engine::TargetError),
}

/// `NAME=VALUE`, as pinned parameters are given. The name is trimmed and must not be empty;
/// the value is kept as given.
///
/// # Errors
/// [`SettingError::NotNameValue`].
///
/// ```
/// let (name, value) = conform::settings::parse_param("groupId=5f4d").unwrap();
/// assert_eq!((name.as_str(), value.as_str()), ("groupId", "5f4d"));
/// ```
pub fn parse_param(s: &str) -> Result<(String, String), SettingError> {
    match s.split_once('=') {
        Some((name, value)) if !name.trim().is_empty() => Ok((name.trim().to_owned(), value.to_owned())),
        _ => Err(SettingError::NotNameValue(s.to_owned())),
    }
}

/// `Name: value`, as extra headers are given; see [`check_header`].
///
/// # Errors
/// [`SettingError::NotHeader`], or those of [`check_header`].
///
/// ```
/// let (name, value) = conform::settings::parse_header("X-Tenant: a").unwrap();
/// assert_eq!((name.as_str(), value.as_str()), ("X-Tenant", "a"));
/// ```
pub fn parse_header(s: &str) -> Result<(String, String), SettingError> {
    let (name, value) = s.split_once(':').ok_or_else(|| SettingError::NotHeader(s.to_owned()))?;
    check_header(name, value)
}

/// A header name and value, trimmed, if HTTP allows them: a token for the name, no control
/// characters but tab in the value.
///
/// # Errors
/// [`SettingError::HeaderName`] or [`SettingError::HeaderValue`].
///
/// ```
/// assert!(conform::settings::check_header("X Tenant", "a").is_err());
/// ```
pub fn check_header(name: &str, value: &str) -> Result<(String, String), SettingError> {
    let name = name.trim();
    let valid_name =
        !name.is_empty() && name.bytes().all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b));
    let value = value.trim();
    if !valid_name {
        return Err(SettingError::HeaderName(name.to_owned()));
    }
    if value.bytes().any(|b| b == b'\r' || b == b'\n' || (b < 0x20 && b != b'\t')) {
        return Err(SettingError::HeaderValue(name.to_owned()));
    }
    Ok((name.to_owned(), value.to_owned()))
}

/// A positive, finite number.
///
/// # Errors
/// [`SettingError::NotPositive`].
///
/// ```
/// assert_eq!(conform::settings::parse_positive("2.5"), Ok(2.5));
/// ```
pub fn parse_positive(s: &str) -> Result<f64, SettingError> {
    match s.trim().parse::<f64>() {
        Ok(v) if v > 0.0 && v.is_finite() => Ok(v),
        _ => Err(SettingError::NotPositive(s.to_owned())),
    }
}

/// A duration in seconds (a positive number, fractions allowed), as timeouts are given.
///
/// # Errors
/// [`SettingError::NotPositive`].
///
/// ```
/// assert_eq!(conform::settings::parse_seconds("1.5"), Ok(std::time::Duration::from_millis(1500)));
/// ```
pub fn parse_seconds(s: &str) -> Result<Duration, SettingError> {
    parse_positive(s).and_then(|v| Duration::try_from_secs_f64(v).map_err(|_| SettingError::NotPositive(s.to_owned())))
}

/// A whole number.
///
/// # Errors
/// [`SettingError::NotWholeNumber`].
pub fn parse_whole<T: std::str::FromStr>(s: &str) -> Result<T, SettingError> {
    s.trim().parse().map_err(|_| SettingError::NotWholeNumber(s.to_owned()))
}

/// A comma-separated list of check names.
///
/// # Errors
/// [`SettingError::UnknownCheck`] for a name no check has.
pub fn parse_checks(s: &str) -> Result<Vec<crate::check::CheckName>, SettingError> {
    s.split(',').filter(|c| !c.trim().is_empty()).map(|c| c.parse().map_err(SettingError::UnknownCheck)).collect()
}

/// The credentials of the standard sources, as given (`None` where not given): the command
/// line's flags, or the environment variables of [`env`](mod@env). [`CredentialSources::into_settings`]
/// is the one rule that turns them into [`AuthSettings`].
#[derive(Clone, Default)]
#[non_exhaustive]
pub struct CredentialSources {
    /// The mode asked for; `None` picks it from the credentials present.
    pub mode: Option<AuthMode>,
    /// Atlas public API key (Digest username).
    pub public_key: Option<String>,
    /// Atlas private API key (Digest password).
    pub private_key: Option<String>,
    /// Basic username (also Digest's, when no public key is given).
    pub username: Option<String>,
    /// Basic password (also Digest's, when no private key is given).
    pub password: Option<String>,
    /// OAuth2 client id.
    pub client_id: Option<String>,
    /// OAuth2 client secret.
    pub client_secret: Option<String>,
    /// OAuth2 token endpoint.
    pub token_url: Option<String>,
    /// Bearer token.
    pub token: Option<String>,
    /// API key.
    pub api_key: Option<String>,
    /// A second tenant's credentials, used with the same mode (`object_ownership` across
    /// tenants).
    pub other: OtherTenant,
}

/// A second tenant's credentials, as given (`None` where not given).
#[derive(Clone, Default)]
#[non_exhaustive]
pub struct OtherTenant {
    /// Bearer token.
    pub token: Option<String>,
    /// API key.
    pub api_key: Option<String>,
    /// Username (Basic, or Digest).
    pub username: Option<String>,
    /// Password (Basic, or Digest).
    pub password: Option<String>,
    /// OAuth2 client id.
    pub client_id: Option<String>,
    /// OAuth2 client secret.
    pub client_secret: Option<String>,
}

impl std::fmt::Debug for CredentialSources {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CredentialSources").field("mode", &self.mode).finish_non_exhaustive()
    }
}

/// A variable's value, `None` when unset or blank.
pub(crate) fn var(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

impl CredentialSources {
    /// The credentials in the environment variables of [`env`](mod@env) (blank ones count as unset).
    ///
    /// # Errors
    /// [`SettingError::AuthMode`] when `CONFORM_AUTH` names no mode.
    ///
    /// ```no_run
    /// let settings = conform::settings::CredentialSources::from_env().unwrap().into_settings();
    /// ```
    pub fn from_env() -> Result<CredentialSources, SettingError> {
        CredentialSources::from_vars(&var)
    }

    /// As [`CredentialSources::from_env`], with variables looked up by `var`.
    pub(crate) fn from_vars(var: &dyn Fn(&str) -> Option<String>) -> Result<CredentialSources, SettingError> {
        let mode = var(env::AUTH).map(|m| m.trim().parse::<AuthMode>().map_err(SettingError::AuthMode)).transpose()?;
        Ok(CredentialSources {
            mode,
            public_key: var(env::PUBLIC_KEY),
            private_key: var(env::PRIVATE_KEY),
            username: var(env::USERNAME),
            password: var(env::PASSWORD),
            client_id: var(env::CLIENT_ID),
            client_secret: var(env::CLIENT_SECRET),
            token_url: var(env::TOKEN_URL),
            token: var(env::TOKEN),
            api_key: var(env::API_KEY),
            other: OtherTenant {
                token: var(env::OTHER_TOKEN),
                api_key: var(env::OTHER_API_KEY),
                username: var(env::OTHER_USERNAME),
                password: var(env::OTHER_PASSWORD),
                client_id: var(env::OTHER_CLIENT_ID),
                client_secret: var(env::OTHER_CLIENT_SECRET),
            },
        })
    }

    /// The settings: with Basic asked for, the Basic pair; otherwise the Atlas keys, or the
    /// Basic pair where they are not given (Digest then uses it too).
    ///
    /// ```
    /// use conform::settings::CredentialSources;
    /// let mut sources = CredentialSources::default();
    /// sources.token = Some("t0k3n".into());
    /// assert!(sources.into_settings().token.is_some());
    /// ```
    pub fn into_settings(self) -> AuthSettings {
        let (username, password) = match self.mode {
            Some(AuthMode::Basic) => (self.username, self.password),
            _ => (self.public_key.or(self.username), self.private_key.or(self.password)),
        };
        AuthSettings {
            mode: self.mode,
            username,
            password,
            client_id: self.client_id,
            client_secret: self.client_secret,
            token_url: self.token_url,
            token: self.token,
            api_key: self.api_key,
            other: Some(Box::new(AuthSettings {
                username: self.other.username,
                password: self.other.password,
                client_id: self.other.client_id,
                client_secret: self.other.client_secret,
                token: self.other.token,
                api_key: self.other.api_key,
                ..AuthSettings::default()
            }))
            .filter(|o| o.any_given()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parsers_say_what_is_wrong_with_the_value() {
        assert_eq!(parse_param("=5").unwrap_err().to_string(), "`=5` is not NAME=VALUE");
        assert_eq!(parse_param("a==b").unwrap(), ("a".to_owned(), "=b".to_owned()));
        assert_eq!(parse_header("X-Trace").unwrap_err().to_string(), "`X-Trace` is not 'Name: value'");
        assert_eq!(parse_header("X Trace: 1").unwrap_err().to_string(), "`X Trace` is not a valid header name");
        assert_eq!(
            parse_header("X-Trace: a\u{1}b").unwrap_err().to_string(),
            "the value of header X-Trace holds control characters"
        );
        assert_eq!(parse_seconds("-1").unwrap_err().to_string(), "`-1` is not a positive number");
        assert_eq!(parse_whole::<usize>("x").unwrap_err().to_string(), "`x` is not a whole number");
        assert!(parse_checks("ignored_auth, nope").unwrap_err().to_string().starts_with("unknown check `nope`"));
    }

    #[test]
    fn basic_takes_the_basic_pair_and_digest_prefers_the_atlas_keys() {
        let sources = CredentialSources {
            public_key: Some("pub".into()),
            private_key: Some("priv".into()),
            username: Some("user".into()),
            password: Some("pass".into()),
            ..CredentialSources::default()
        };
        let auto = sources.clone().into_settings();
        assert_eq!((auto.username.as_deref(), auto.password.as_deref()), (Some("pub"), Some("priv")));
        let basic = CredentialSources { mode: Some(AuthMode::Basic), ..sources }.into_settings();
        assert_eq!((basic.username.as_deref(), basic.password.as_deref()), (Some("user"), Some("pass")));
    }
}
