//! The facade a team uses from its own crate: a [`Contract`] builder that turns a spec, a
//! target, credentials and a few settings into a [`Report`] (`run().await`) or into `cargo
//! test` trials (`harness()`).
//!
//! ```no_run
//! // tests/contract.rs in the team's own crate (harness = false)
//! fn main() -> std::process::ExitCode {
//!     conform::Contract::from_path("openapi.yaml")
//!         .target_env("STAGING_URL") // unset: the embedded mock
//!         .auth(conform::Auth::bearer_env("STAGING_TOKEN"))
//!         .param("groupId", "5f4d1e2b3c4a5b6c7d8e9f01")
//!         .cases(50)
//!         .harness() // libtest-mimic trials <op>::<check>
//! }
//! ```
//!
//! Everything lands in the same [`RunConfig`] the command line fills, through the parsers of
//! [`crate::settings`]. The builder never fails: a value that cannot be used is kept as the
//! first [`ContractError`] and returned by `run` (or printed by `harness`). Secrets given to it
//! never show in `{:?}` of the builder, an [`Auth`] or a [`Report`]. This module never panics,
//! except in [`Report::assert_conforms`], whose panic is the API.

#![warn(missing_docs)]

use crate::check::{CheckName, CheckSet};
use crate::engine::filter::Filter;
use crate::engine::{self, RunConfig, RunError, Target};
use crate::model::RunReport;
use crate::settings::{self, CredentialSources, SettingError, env};
use crate::spec::{Spec, SpecError};
use crate::transport::auth::{AuthMode, AuthSettings};
use std::sync::Arc;
use std::time::Duration;

/// Seed of a [`Contract`] run unless [`Contract::seed`] says otherwise: runs in `cargo test` are
/// reproducible by default.
pub const DEFAULT_SEED: u64 = 1;
/// Random cases per operation of a [`Contract`] run unless [`Contract::cases`] says otherwise.
pub const DEFAULT_CASES: usize = 30;

/// Why a contract could not be run (as opposed to findings: the API breaking its contract is a
/// [`Report`]). Causes are kept as [`source`](std::error::Error::source)s: print the chain
/// (`anyhow`'s `{:#}`, or walk `source()`) to see them all.
///
/// ```no_run
/// # async fn demo() {
/// match conform::Contract::from_path("openapi.yaml").run().await {
///     Ok(report) => report.assert_conforms(),
///     Err(conform::ContractError::Spec(e)) => panic!("the spec does not load: {e}"),
///     Err(e) => panic!("conform could not run: {e}"),
/// }
/// # }
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ContractError {
    /// The spec could not be read or parsed.
    #[error("cannot load the spec")]
    Spec(#[from] SpecError),
    /// A text that cannot be a target ([`Target::url`]).
    #[error(transparent)]
    Target(#[from] crate::engine::TargetError),
    /// Loading the spec stopped before it finished (the loading task panicked or was cancelled).
    #[error("cannot load the spec")]
    SpecTask(#[source] tokio::task::JoinError),
    /// The run's task stopped before it finished (it panicked or was cancelled): a conform bug.
    #[error("the run stopped before it finished")]
    RunTask(#[source] tokio::task::JoinError),
    /// An environment variable holds a value that cannot be used.
    #[error("environment variable {var}")]
    Env {
        /// The variable.
        var: String,
        /// What is wrong with its value.
        #[source]
        source: SettingError,
    },
    /// An environment variable that must hold a credential for a real target is unset or empty.
    #[error("environment variable {var} is not set ({what} for {mode} authentication)")]
    MissingEnv {
        /// The variable.
        var: String,
        /// What it should hold.
        what: crate::transport::auth::Credential,
        /// The authentication mode that needs it.
        mode: &'static str,
    },
    /// A value given to the builder cannot be used.
    #[error("invalid {what}")]
    Setting {
        /// What the value was for: `header`, `include filter`…
        what: &'static str,
        /// What is wrong with it.
        #[source]
        source: SettingError,
    },
    /// The run could not start: target unreachable, credentials missing or refused, pinned
    /// values the spec rejects…
    #[error(transparent)]
    Run(#[from] RunError),
    /// The async runtime of the harness could not start.
    #[error("cannot start the async runtime")]
    Runtime(#[source] std::io::Error),
    /// No target was given and this build has no embedded mock to fall back on.
    #[error("no target: give one, or build conform with its `mock` feature to test the embedded mock")]
    NoTarget,
}

/// The embedded reference mock, the target when none is given; without the `mock` feature,
/// [`ContractError::NoTarget`].
fn embedded() -> Result<Target, ContractError> {
    #[cfg(feature = "mock")]
    return Ok(Target::mock());
    #[cfg(not(feature = "mock"))]
    Err(ContractError::NoTarget)
}

/// Where the spec comes from.
#[derive(Clone)]
enum SpecSource {
    Path(String),
    Loaded(Arc<Spec>),
}

impl std::fmt::Debug for SpecSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            // A URL's credentials (`user:password@`, `?token=`) are not shown.
            SpecSource::Path(p) => {
                let shown = crate::spec::Origin::parse(p).map(|o| o.display()).unwrap_or_else(|_| p.clone());
                f.debug_tuple("Path").field(&shown).finish()
            }
            SpecSource::Loaded(spec) => f.debug_tuple("Loaded").field(&spec.title).finish(),
        }
    }
}

/// Where requests go, as asked.
#[derive(Clone, Debug)]
enum TargetChoice {
    /// The embedded reference mock (what a contract tests when no target is given).
    Embedded,
    Given(Target),
    /// The URL in this variable; unset or empty: the embedded mock.
    Env(String),
}

/// A secret, or the name of the environment variable holding it (read when the run starts).
#[derive(Clone)]
enum Secret {
    Value(String),
    Env(String),
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Secret::Value(_) => f.write_str(crate::model::redact::REDACTED),
            Secret::Env(var) => f.debug_tuple("Env").field(var).finish(),
        }
    }
}

#[derive(Clone)]
enum AuthKind {
    None,
    /// From the standard sources, mode chosen by what is present.
    Standard(Box<AuthSettings>),
    /// `CONFORM_AUTH` could not be read.
    Invalid {
        var: &'static str,
        source: SettingError,
    },
    Bearer(Secret),
    Basic(Secret, Secret),
    Digest(Secret, Secret),
    ApiKey(Secret),
    OAuth {
        client_id: Secret,
        client_secret: Secret,
        token_url: Option<String>,
    },
}

/// The credentials a run sends: Bearer, HTTP Basic, HTTP Digest, the spec's API key, or OAuth2
/// client credentials; each as a literal value or as the name of an environment variable read
/// when the run starts. Against the embedded mock, the run makes its own credentials, and a
/// variable that is unset is no error; against a real target it is.
///
/// Its `Debug` output shows the mode and the variable names, never a value.
///
/// ```no_run
/// let auth = conform::Auth::bearer_env("STAGING_TOKEN");
/// assert!(!format!("{auth:?}").contains("s3cret"));
/// let basic = conform::Auth::basic("ci-bot", "s3cret");
/// assert!(!format!("{basic:?}").contains("s3cret"));
/// ```
#[derive(Clone)]
#[must_use]
pub struct Auth {
    kind: AuthKind,
}

impl std::fmt::Debug for Auth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.kind {
            AuthKind::None => f.write_str("Auth::None"),
            AuthKind::Standard(settings) => f.debug_tuple("Auth::Standard").field(settings).finish(),
            AuthKind::Invalid { var, source } => {
                f.debug_struct("Auth::Invalid").field("var", var).field("source", source).finish()
            }
            AuthKind::Bearer(token) => f.debug_tuple("Auth::Bearer").field(token).finish(),
            AuthKind::Basic(user, pass) => f.debug_tuple("Auth::Basic").field(user).field(pass).finish(),
            AuthKind::Digest(user, pass) => f.debug_tuple("Auth::Digest").field(user).field(pass).finish(),
            AuthKind::ApiKey(key) => f.debug_tuple("Auth::ApiKey").field(key).finish(),
            AuthKind::OAuth { client_id, client_secret, token_url } => f
                .debug_struct("Auth::OAuth")
                .field("client_id", client_id)
                .field("client_secret", client_secret)
                .field("token_url", token_url)
                .finish(),
        }
    }
}

impl Auth {
    /// No credentials.
    ///
    /// ```no_run
    /// let auth = conform::Auth::none();
    /// ```
    pub fn none() -> Auth {
        Auth { kind: AuthKind::None }
    }

    /// A Bearer token.
    ///
    /// ```no_run
    /// let auth = conform::Auth::bearer("eyJhbGciOi…");
    /// ```
    pub fn bearer(token: impl Into<String>) -> Auth {
        Auth { kind: AuthKind::Bearer(Secret::Value(token.into())) }
    }

    /// A Bearer token read from an environment variable when the run starts.
    ///
    /// ```no_run
    /// let auth = conform::Auth::bearer_env("STAGING_TOKEN");
    /// ```
    pub fn bearer_env(var: impl Into<String>) -> Auth {
        Auth { kind: AuthKind::Bearer(Secret::Env(var.into())) }
    }

    /// HTTP Basic with this username and password.
    ///
    /// ```no_run
    /// let auth = conform::Auth::basic("ci-bot", "s3cret");
    /// ```
    pub fn basic(username: impl Into<String>, password: impl Into<String>) -> Auth {
        Auth { kind: AuthKind::Basic(Secret::Value(username.into()), Secret::Value(password.into())) }
    }

    /// HTTP Basic with the username and password in these environment variables.
    ///
    /// ```no_run
    /// let auth = conform::Auth::basic_env("STAGING_USER", "STAGING_PASSWORD");
    /// ```
    pub fn basic_env(username_var: impl Into<String>, password_var: impl Into<String>) -> Auth {
        Auth { kind: AuthKind::Basic(Secret::Env(username_var.into()), Secret::Env(password_var.into())) }
    }

    /// HTTP Digest with this username and password (Atlas: the public and private API keys).
    ///
    /// ```no_run
    /// let auth = conform::Auth::digest("public-key", "private-key");
    /// ```
    pub fn digest(username: impl Into<String>, password: impl Into<String>) -> Auth {
        Auth { kind: AuthKind::Digest(Secret::Value(username.into()), Secret::Value(password.into())) }
    }

    /// HTTP Digest with the username and password in these environment variables.
    ///
    /// ```no_run
    /// let auth = conform::Auth::digest_env("MONGODB_ATLAS_PUBLIC_API_KEY", "MONGODB_ATLAS_PRIVATE_API_KEY");
    /// ```
    pub fn digest_env(username_var: impl Into<String>, password_var: impl Into<String>) -> Auth {
        Auth { kind: AuthKind::Digest(Secret::Env(username_var.into()), Secret::Env(password_var.into())) }
    }

    /// The spec's `apiKey` scheme with this key (sent in the header, query parameter or cookie
    /// the scheme names).
    ///
    /// ```no_run
    /// let auth = conform::Auth::api_key("k3y");
    /// ```
    pub fn api_key(key: impl Into<String>) -> Auth {
        Auth { kind: AuthKind::ApiKey(Secret::Value(key.into())) }
    }

    /// The spec's `apiKey` scheme with the key in this environment variable.
    ///
    /// ```no_run
    /// let auth = conform::Auth::api_key_env("STAGING_API_KEY");
    /// ```
    pub fn api_key_env(var: impl Into<String>) -> Auth {
        Auth { kind: AuthKind::ApiKey(Secret::Env(var.into())) }
    }

    /// OAuth2 client credentials; the token endpoint is the spec's client-credentials flow
    /// unless [`Auth::token_url`] names one.
    ///
    /// ```no_run
    /// let auth = conform::Auth::oauth("client-id", "client-secret");
    /// ```
    pub fn oauth(client_id: impl Into<String>, client_secret: impl Into<String>) -> Auth {
        Auth {
            kind: AuthKind::OAuth {
                client_id: Secret::Value(client_id.into()),
                client_secret: Secret::Value(client_secret.into()),
                token_url: None,
            },
        }
    }

    /// OAuth2 client credentials from these environment variables.
    ///
    /// ```no_run
    /// let auth = conform::Auth::oauth_env("CLIENT_ID", "CLIENT_SECRET");
    /// ```
    pub fn oauth_env(client_id_var: impl Into<String>, client_secret_var: impl Into<String>) -> Auth {
        Auth {
            kind: AuthKind::OAuth {
                client_id: Secret::Env(client_id_var.into()),
                client_secret: Secret::Env(client_secret_var.into()),
                token_url: None,
            },
        }
    }

    /// The OAuth2 token endpoint (OAuth2 credentials only; ignored otherwise).
    ///
    /// ```no_run
    /// let auth = conform::Auth::oauth_env("CLIENT_ID", "CLIENT_SECRET")
    ///     .token_url("https://auth.example/oauth/token");
    /// ```
    pub fn token_url(mut self, url: impl Into<String>) -> Auth {
        if let AuthKind::OAuth { token_url, .. } = &mut self.kind {
            *token_url = Some(url.into());
        }
        self
    }

    /// The credentials of the standard environment variables, as the command line reads them:
    /// `MONGODB_ATLAS_PUBLIC_API_KEY`/`…PRIVATE…` (Digest), `MONGODB_ATLAS_CLIENT_ID`/`…SECRET`
    /// (OAuth2, `CONFORM_TOKEN_URL`), `CONFORM_TOKEN` (Bearer), `CONFORM_API_KEY`,
    /// `CONFORM_USERNAME`/`CONFORM_PASSWORD` (Basic); `CONFORM_AUTH` picks the mode, else the
    /// credentials present do. Read now, not when the run starts.
    ///
    /// ```no_run
    /// let auth = conform::Auth::from_env();
    /// ```
    pub fn from_env() -> Auth {
        Auth::from_vars(&settings::var)
    }

    fn from_vars(var: &dyn Fn(&str) -> Option<String>) -> Auth {
        match CredentialSources::from_vars(var) {
            Ok(sources) => Auth { kind: AuthKind::Standard(Box::new(sources.into_settings())) },
            Err(source) => Auth { kind: AuthKind::Invalid { var: env::AUTH, source } },
        }
    }

    /// The settings for a run; `embedded`: against the embedded mock, where an unset variable
    /// is no error (the run makes its own credentials).
    fn resolve(&self, embedded: bool) -> Result<AuthSettings, ContractError> {
        use crate::transport::auth::Credential;
        /// A secret's value; `Ok(None)`: an unset variable against the embedded mock.
        fn get(
            secret: &Secret,
            embedded: bool,
            what: Credential,
            mode: &'static str,
        ) -> Result<Option<String>, ContractError> {
            match secret {
                Secret::Value(v) => Ok(Some(v.clone())),
                Secret::Env(var) => match settings::var(var) {
                    Some(v) => Ok(Some(v)),
                    None if embedded => Ok(None),
                    None => Err(ContractError::MissingEnv { var: var.clone(), what, mode }),
                },
            }
        }
        let pair = |mode: AuthMode, name: &'static str, user: &Secret, pass: &Secret| {
            let user = get(user, embedded, Credential::Username, name)?;
            let pass = get(pass, embedded, Credential::Password, name)?;
            Ok::<_, ContractError>(match (user, pass) {
                (Some(username), Some(password)) => AuthSettings {
                    mode: Some(mode),
                    username: Some(username),
                    password: Some(password),
                    ..AuthSettings::default()
                },
                _ => AuthSettings::default(),
            })
        };
        Ok(match &self.kind {
            AuthKind::None => AuthSettings { mode: Some(AuthMode::None), ..AuthSettings::default() },
            AuthKind::Standard(settings) => (**settings).clone(),
            AuthKind::Invalid { var, source } => {
                return Err(ContractError::Env { var: (*var).to_owned(), source: source.clone() });
            }
            AuthKind::Bearer(token) => match get(token, embedded, Credential::Token, "bearer")? {
                Some(token) => {
                    AuthSettings { mode: Some(AuthMode::Bearer), token: Some(token), ..AuthSettings::default() }
                }
                None => AuthSettings::default(),
            },
            AuthKind::Basic(user, pass) => pair(AuthMode::Basic, "basic", user, pass)?,
            AuthKind::Digest(user, pass) => pair(AuthMode::Digest, "digest", user, pass)?,
            AuthKind::ApiKey(key) => match get(key, embedded, Credential::ApiKey, "apikey")? {
                Some(key) => {
                    AuthSettings { mode: Some(AuthMode::ApiKey), api_key: Some(key), ..AuthSettings::default() }
                }
                None => AuthSettings::default(),
            },
            AuthKind::OAuth { client_id, client_secret, token_url } => {
                let id = get(client_id, embedded, Credential::ClientId, "oauth")?;
                let secret = get(client_secret, embedded, Credential::ClientSecret, "oauth")?;
                match (id, secret) {
                    (Some(id), Some(secret)) => AuthSettings {
                        mode: Some(AuthMode::OAuth),
                        client_id: Some(id),
                        client_secret: Some(secret),
                        token_url: token_url.clone(),
                        ..AuthSettings::default()
                    },
                    _ => AuthSettings::default(),
                }
            }
        })
    }
}

/// A contract test of one API: the spec, where to send requests, credentials and settings.
/// Build it with [`Contract::from_path`], [`Contract::from_spec`] or [`Contract::from_env`],
/// then [`run`](Contract::run) it for a [`Report`] or turn it into `cargo test` trials with
/// `harness` (feature `harness`).
///
/// Defaults: the embedded mock as the target, seed [`DEFAULT_SEED`], [`DEFAULT_CASES`] random
/// cases per operation, every check, no mutating request to a target that is not loopback;
/// everything else as `conform run`.
///
/// Its `Debug` output shows no secret: credentials, header values and pinned values whose
/// names mark them as credentials are hidden.
///
/// ```no_run
/// # async fn demo() -> Result<(), conform::ContractError> {
/// let report = conform::Contract::from_path("openapi.yaml")
///     .target_env("STAGING_URL")
///     .auth(conform::Auth::bearer_env("STAGING_TOKEN"))
///     .param("groupId", "5f4d1e2b3c4a5b6c7d8e9f01")
///     .run()
///     .await?;
/// report.assert_conforms();
/// # Ok(()) }
/// ```
#[must_use]
pub struct Contract {
    spec: SpecSource,
    target: TargetChoice,
    auth: Option<Auth>,
    /// A second tenant's credentials, for `object_ownership` across tenants.
    other_tenant: Option<Auth>,
    config: RunConfig,
    checks: Vec<CheckName>,
    exclude_checks: Vec<CheckName>,
    /// The first value given that cannot be used.
    invalid: Option<ContractError>,
}

impl std::fmt::Debug for Contract {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Contract")
            .field("spec", &self.spec)
            .field("target", &self.target)
            .field("auth", &self.auth)
            .field("other_tenant", &self.other_tenant)
            .field("config", &self.config)
            .field("checks", &self.checks)
            .field("exclude_checks", &self.exclude_checks)
            .field("invalid", &self.invalid)
            .finish()
    }
}

/// A contract ready to run: spec loaded, target and credentials resolved.
pub(crate) struct Prepared {
    pub(crate) spec: Arc<Spec>,
    pub(crate) target: Target,
    pub(crate) config: RunConfig,
}

impl Contract {
    fn new(spec: SpecSource) -> Contract {
        Contract {
            spec,
            target: TargetChoice::Embedded,
            auth: None,
            other_tenant: None,
            config: RunConfig { seed: Some(DEFAULT_SEED), cases: DEFAULT_CASES, ..RunConfig::default() },
            checks: Vec::new(),
            exclude_checks: Vec::new(),
            invalid: None,
        }
    }

    /// The spec at a file path or an http(s) URL (Swagger 2.0 or OpenAPI 3.x), loaded when the
    /// run starts.
    ///
    /// ```no_run
    /// let contract = conform::Contract::from_path("openapi.yaml");
    /// ```
    pub fn from_path(path: impl AsRef<std::path::Path>) -> Contract {
        Contract::new(SpecSource::Path(path.as_ref().to_string_lossy().into_owned()))
    }

    /// A spec already loaded.
    ///
    /// ```no_run
    /// # fn main() -> Result<(), conform::spec::SpecError> {
    /// let spec = std::sync::Arc::new(conform::spec::Spec::load("openapi.yaml")?);
    /// let contract = conform::Contract::from_spec(spec);
    /// # Ok(()) }
    /// ```
    pub fn from_spec(spec: Arc<Spec>) -> Contract {
        Contract::new(SpecSource::Loaded(spec))
    }

    /// Everything from the `CONFORM_*` environment variables, as `conform::harness::main` has
    /// always read them: `CONFORM_SPEC` (default `specs/atlas-maintenance-window.yaml` in the
    /// crate under test), `CONFORM_TARGET` (unset: the embedded mock), the credentials of
    /// [`Auth::from_env`], `CONFORM_SEED`, `CONFORM_CASES`, `CONFORM_PARAMS`
    /// (`name=value,…`), `CONFORM_HEADERS` (one `Name: value` per line), `CONFORM_BASE_PATH`,
    /// `CONFORM_TIMEOUT` (seconds), `CONFORM_ALLOW_MUTATIONS=1`, `CONFORM_INCLUDE` /
    /// `CONFORM_EXCLUDE` (comma-separated filters), `CONFORM_CHECKS` /
    /// `CONFORM_EXCLUDE_CHECKS` (comma-separated names) and `CONFORM_MAX_RESPONSE_TIME` (ms).
    /// A variable whose value cannot be used is an error naming it when the run starts.
    ///
    /// ```no_run
    /// fn main() -> std::process::ExitCode {
    ///     conform::Contract::from_env().harness()
    /// }
    /// ```
    pub fn from_env() -> Contract {
        Contract::from_vars(&settings::var)
    }

    /// As [`Contract::from_env`], with variables looked up by `var` (blank counts as unset).
    fn from_vars(var: &dyn Fn(&str) -> Option<String>) -> Contract {
        let default_spec = format!(
            "{}/specs/atlas-maintenance-window.yaml",
            std::env::var("CARGO_MANIFEST_DIR").unwrap_or_else(|_| ".".to_owned())
        );
        let mut contract = Contract::from_path(var(env::SPEC).unwrap_or(default_spec)).auth(Auth::from_vars(var));
        if let Some(url) = var(env::TARGET) {
            match Target::url(&url) {
                Ok(target) => contract.target = TargetChoice::Given(target),
                Err(e) => contract.invalid = Some(ContractError::Env { var: env::TARGET.to_owned(), source: e.into() }),
            }
        }
        for name in [
            env::SEED,
            env::CASES,
            env::PARAMS,
            env::HEADERS,
            env::BASE_PATH,
            env::TIMEOUT,
            env::ALLOW_MUTATIONS,
            env::INCLUDE,
            env::EXCLUDE,
            env::CHECKS,
            env::EXCLUDE_CHECKS,
            env::MAX_RESPONSE_TIME,
        ] {
            if let Some(value) = var(name)
                && let Err(source) = contract.apply_var(name, &value)
            {
                contract.invalid.get_or_insert(ContractError::Env { var: name.to_owned(), source });
            }
        }
        contract
    }

    /// Applies the value of one of the run's variables (not the spec, target or credentials).
    fn apply_var(&mut self, name: &str, value: &str) -> Result<(), SettingError> {
        let config = &mut self.config;
        match name {
            env::SEED => config.seed = Some(settings::parse_whole(value)?),
            env::CASES => config.cases = settings::parse_whole(value)?,
            env::PARAMS => {
                for kv in value.split(',').filter(|kv| !kv.trim().is_empty()) {
                    let (name, value) = settings::parse_param(kv.trim())?;
                    config.params.push((name, value.trim().to_owned()));
                }
            }
            env::HEADERS => {
                for line in value.lines().filter(|l| !l.trim().is_empty()) {
                    config.headers.push(settings::parse_header(line)?);
                }
            }
            env::BASE_PATH => config.base_path = Some(value.trim().to_owned()),
            env::TIMEOUT => config.timeout = settings::parse_seconds(value)?,
            env::ALLOW_MUTATIONS => config.allow_mutations = value == "1" || value == "true",
            env::INCLUDE => config.include.extend(crate::engine::filter::parse_list(value)?),
            env::EXCLUDE => config.exclude.extend(crate::engine::filter::parse_list(value)?),
            env::CHECKS => self.checks.extend(settings::parse_checks(value)?),
            env::EXCLUDE_CHECKS => self.exclude_checks.extend(settings::parse_checks(value)?),
            env::MAX_RESPONSE_TIME => {
                config.max_response_time = Some(Duration::from_millis(settings::parse_whole(value)?));
            }
            _ => {}
        }
        Ok(())
    }

    /// Keeps the first value that cannot be used.
    fn invalid(mut self, what: &'static str, source: SettingError) -> Contract {
        self.invalid.get_or_insert(ContractError::Setting { what, source });
        self
    }

    /// Sends requests to this target (default: the embedded mock).
    ///
    /// ```no_run
    /// # fn main() -> Result<(), conform::ContractError> {
    /// let contract = conform::Contract::from_path("openapi.yaml")
    ///     .target(conform::Target::url("http://127.0.0.1:8080")?);
    /// # Ok(()) }
    /// ```
    pub fn target(mut self, target: Target) -> Contract {
        self.target = TargetChoice::Given(target);
        self
    }

    /// Sends requests to the base URL in this environment variable, read when the run starts;
    /// unset or empty, to the embedded mock.
    ///
    /// ```no_run
    /// let contract = conform::Contract::from_path("openapi.yaml").target_env("STAGING_URL");
    /// ```
    pub fn target_env(mut self, var: impl Into<String>) -> Contract {
        self.target = TargetChoice::Env(var.into());
        self
    }

    /// The credentials to send (default: none; the embedded mock gets credentials made for
    /// the run whatever is given here).
    ///
    /// ```no_run
    /// let contract = conform::Contract::from_path("openapi.yaml")
    ///     .auth(conform::Auth::digest_env("ATLAS_PUBLIC_KEY", "ATLAS_PRIVATE_KEY"));
    /// ```
    pub fn auth(mut self, auth: Auth) -> Contract {
        self.auth = Some(auth);
        self
    }

    /// A second tenant's credentials, of the same kind as [`Contract::auth`]'s: the
    /// `object_ownership` probes then also read, change and delete what the first tenant
    /// created with them, and fail where that succeeds. Without it they still probe under
    /// another parent (another `groupId`) where the path has one that is not pinned.
    ///
    /// ```no_run
    /// let contract = conform::Contract::from_path("openapi.yaml")
    ///     .auth(conform::Auth::bearer_env("TENANT_A_TOKEN"))
    ///     .other_tenant(conform::Auth::bearer_env("TENANT_B_TOKEN"));
    /// ```
    pub fn other_tenant(mut self, auth: Auth) -> Contract {
        self.other_tenant = Some(auth);
        self
    }

    /// Pins a parameter to a real value in valid requests (a project id that exists): the
    /// run then expects valid requests to be accepted. Repeatable.
    ///
    /// ```no_run
    /// let contract = conform::Contract::from_path("openapi.yaml").param("groupId", "5f4d1e2b3c4a5b6c7d8e9f01");
    /// ```
    pub fn param(mut self, name: impl Into<String>, value: impl Into<String>) -> Contract {
        self.config.params.push((name.into(), value.into()));
        self
    }

    /// Sends this header with every request (its value never shows in `{:?}`). Repeatable.
    ///
    /// ```no_run
    /// let contract = conform::Contract::from_path("openapi.yaml").header("X-Tenant", "a");
    /// ```
    pub fn header(mut self, name: impl AsRef<str>, value: impl AsRef<str>) -> Contract {
        match settings::check_header(name.as_ref(), value.as_ref()) {
            Ok(header) => {
                self.config.headers.push(header);
                self
            }
            Err(e) => self.invalid("header", e),
        }
    }

    /// The path prefix of every request, instead of the target URL's path or the spec's server
    /// path (`"/"` for the root).
    ///
    /// ```no_run
    /// let contract = conform::Contract::from_path("openapi.yaml").base_path("/api");
    /// ```
    pub fn base_path(mut self, path: impl Into<String>) -> Contract {
        self.config.base_path = Some(path.into());
        self
    }

    /// How long a request may take before it is abandoned (default 10 s).
    ///
    /// ```no_run
    /// let contract = conform::Contract::from_path("openapi.yaml").timeout(std::time::Duration::from_secs(30));
    /// ```
    pub fn timeout(mut self, timeout: Duration) -> Contract {
        self.config.timeout = timeout;
        self
    }

    /// Answers slower than this fail the `max_response_time` check (default: no limit, and the
    /// check does not run).
    ///
    /// ```no_run
    /// let contract =
    ///     conform::Contract::from_path("openapi.yaml").max_response_time(std::time::Duration::from_millis(500));
    /// ```
    pub fn max_response_time(mut self, limit: Duration) -> Contract {
        self.config.max_response_time = Some(limit);
        self
    }

    /// Tests only operations matching one of the included filters: `id:GLOB`, `path:GLOB`,
    /// `tag:NAME`, `method:NAME`, or a bare value (a path glob if it starts with `/`, a method
    /// if it is one, else an operationId glob or a tag). Repeatable.
    ///
    /// ```no_run
    /// let contract = conform::Contract::from_path("openapi.yaml").include("tag:Maintenance Windows");
    /// ```
    pub fn include(mut self, filter: impl AsRef<str>) -> Contract {
        match filter.as_ref().parse::<Filter>() {
            Ok(f) => {
                self.config.include.push(f);
                self
            }
            Err(e) => self.invalid("include filter", e.into()),
        }
    }

    /// Leaves out operations matching this filter (same forms as [`Contract::include`]).
    /// Repeatable.
    ///
    /// ```no_run
    /// let contract = conform::Contract::from_path("openapi.yaml").exclude("method:DELETE");
    /// ```
    pub fn exclude(mut self, filter: impl AsRef<str>) -> Contract {
        match filter.as_ref().parse::<Filter>() {
            Ok(f) => {
                self.config.exclude.push(f);
                self
            }
            Err(e) => self.invalid("exclude filter", e.into()),
        }
    }

    /// Runs only these checks (default: all).
    ///
    /// ```no_run
    /// use conform::CheckName;
    /// let contract = conform::Contract::from_path("openapi.yaml")
    ///     .checks([CheckName::NotAServerError, CheckName::ResponseSchemaConformance]);
    /// ```
    pub fn checks(mut self, checks: impl IntoIterator<Item = CheckName>) -> Contract {
        self.checks.extend(checks);
        self
    }

    /// Does not run these checks.
    ///
    /// ```no_run
    /// use conform::CheckName;
    /// let contract = conform::Contract::from_path("openapi.yaml").exclude_checks([CheckName::IgnoredAuth]);
    /// ```
    pub fn exclude_checks(mut self, checks: impl IntoIterator<Item = CheckName>) -> Contract {
        self.exclude_checks.extend(checks);
        self
    }

    /// Random cases per operation, after the examples and boundary cases (default
    /// [`DEFAULT_CASES`]).
    ///
    /// ```no_run
    /// let contract = conform::Contract::from_path("openapi.yaml").cases(50);
    /// ```
    pub fn cases(mut self, cases: usize) -> Contract {
        self.config.cases = cases;
        self
    }

    /// The seed of the generated requests (default [`DEFAULT_SEED`]).
    ///
    /// ```no_run
    /// let contract = conform::Contract::from_path("openapi.yaml").seed(7);
    /// ```
    pub fn seed(mut self, seed: u64) -> Contract {
        self.config.seed = Some(seed);
        self
    }

    /// Sends PATCH, POST, PUT and DELETE to a target that is not loopback too (default: only
    /// to loopback targets and the embedded mock).
    ///
    /// ```no_run
    /// let contract = conform::Contract::from_path("openapi.yaml").allow_mutations(true);
    /// ```
    pub fn allow_mutations(mut self, allow: bool) -> Contract {
        self.config.allow_mutations = allow;
        self
    }

    /// Loads the spec (blocking: a URL is fetched) and resolves the target and credentials.
    #[cfg(feature = "harness")]
    pub(crate) fn prepare(self) -> Result<Prepared, ContractError> {
        let spec = match &self.spec {
            SpecSource::Path(path) => Arc::new(Spec::load(path).map_err(ContractError::Spec)?),
            SpecSource::Loaded(spec) => spec.clone(),
        };
        self.prepare_with(spec)
    }

    /// Resolves the target and credentials for a loaded spec.
    fn prepare_with(self, spec: Arc<Spec>) -> Result<Prepared, ContractError> {
        if let Some(e) = self.invalid {
            return Err(e);
        }
        let target = match self.target {
            TargetChoice::Embedded => embedded()?,
            TargetChoice::Given(target) => target,
            TargetChoice::Env(var) => match settings::var(&var) {
                None => embedded()?,
                Some(url) => Target::url(&url).map_err(|e| ContractError::Env { var, source: e.into() })?,
            },
        };
        let mut config = self.config;
        if let Some(auth) = &self.auth {
            config.auth = auth.resolve(target.is_embedded())?;
        }
        if let Some(other) = &self.other_tenant {
            let other = other.resolve(target.is_embedded())?;
            config.auth.other =
                Some(Box::new(AuthSettings { mode: None, other: None, ..other })).filter(|o| o.any_given());
        }
        config.checks = CheckSet::select(&self.checks, &self.exclude_checks);
        Ok(Prepared { spec, target, config })
    }

    /// Runs the contract test: every selected operation and check, against the target.
    ///
    /// Call it from an async test (any tokio runtime); the spec is loaded on a blocking thread.
    ///
    /// # Errors
    /// [`ContractError`] when the run cannot start: a spec that does not load, a value that
    /// cannot be used, a target that does not answer, missing or refused credentials. What the
    /// API does wrong is not an error: it is in the [`Report`].
    ///
    /// ```no_run
    /// #[tokio::test]
    /// async fn staging_conforms() {
    ///     let report = conform::Contract::from_path("openapi.yaml")
    ///         .target_env("STAGING_URL")
    ///         .run()
    ///         .await
    ///         .expect("conform could not run");
    ///     report.assert_conforms();
    /// }
    /// ```
    pub async fn run(self) -> Result<Report, ContractError> {
        let spec = match &self.spec {
            SpecSource::Path(path) => {
                let path = path.clone();
                let loaded =
                    tokio::task::spawn_blocking(move || Spec::load(&path)).await.map_err(ContractError::SpecTask)?;
                Arc::new(loaded.map_err(ContractError::Spec)?)
            }
            SpecSource::Loaded(spec) => spec.clone(),
        };
        let prepared = self.prepare_with(spec)?;
        let report =
            engine::spawn(prepared.spec, prepared.target, prepared.config).await.map_err(ContractError::RunTask)??;
        Ok(Report { run: report })
    }
}

/// An error and its sources on one line, `a: b: c`, as `anyhow` prints `{:#}`.
#[cfg(any(feature = "harness", test))]
pub(crate) fn error_chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(cause) = source {
        let part = cause.to_string();
        // A message that already ends with its cause's text does not repeat it.
        if !text.ends_with(&part) {
            text.push_str(": ");
            text.push_str(&part);
        }
        source = cause.source();
    }
    text
}

/// What a contract run found: findings (the API breaking its contract), per-operation counts,
/// skipped operations and why. Its `Debug` output and its rendering redact every secret of the
/// run; [`Display`](std::fmt::Display) is the terminal report without colours.
///
/// ```no_run
/// # async fn demo() -> Result<(), conform::ContractError> {
/// let report = conform::Contract::from_path("openapi.yaml").run().await?;
/// if !report.conforms() {
///     eprintln!("{report}");
/// }
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct Report {
    run: RunReport,
}

impl std::fmt::Debug for Report {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("Report").field(&self.run).finish()
    }
}

impl std::fmt::Display for Report {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&crate::report::terminal::render(&self.run, crate::report::terminal::Style { color: false }))
    }
}

impl From<RunReport> for Report {
    fn from(run: RunReport) -> Report {
        Report { run }
    }
}

impl Report {
    /// Whether the API conforms: no failing finding (warnings count only with `strict`), no
    /// error during the run, and at least one operation tested.
    ///
    /// ```no_run
    /// # async fn demo() -> Result<(), conform::ContractError> {
    /// let report = conform::Contract::from_path("openapi.yaml").run().await?;
    /// assert!(report.conforms(), "{report}");
    /// # Ok(()) }
    /// ```
    pub fn conforms(&self) -> bool {
        !self.run.failed() && self.run.run_error().is_none()
    }

    /// Panics, with the terminal report of the findings (secrets redacted), unless the API
    /// [`conforms`](Report::conforms). Meant for tests: the one place a panic is the API.
    ///
    /// # Panics
    /// When the API does not conform.
    ///
    /// ```no_run
    /// # async fn demo() -> Result<(), conform::ContractError> {
    /// conform::Contract::from_path("openapi.yaml").run().await?.assert_conforms();
    /// # Ok(()) }
    /// ```
    #[track_caller]
    pub fn assert_conforms(&self) {
        if self.conforms() {
            return;
        }
        let why = match self.run.run_error() {
            Some(error) => format!("conform could not finish the run: {error}\n"),
            None => String::new(),
        };
        panic!("the API does not conform to its contract\n{why}{self}");
    }

    /// The findings, most severe first as the reporters list them.
    ///
    /// ```no_run
    /// # async fn demo() -> Result<(), conform::ContractError> {
    /// let report = conform::Contract::from_path("openapi.yaml").run().await?;
    /// for finding in report.findings() {
    ///     println!("{} {}: {}", finding.operation, finding.check, finding.message);
    /// }
    /// # Ok(()) }
    /// ```
    pub fn findings(&self) -> &[crate::model::Finding] {
        &self.run.findings
    }

    /// The seed of the run: give it to [`Contract::seed`] to repeat the run.
    ///
    /// ```no_run
    /// # async fn demo() -> Result<(), conform::ContractError> {
    /// let report = conform::Contract::from_path("openapi.yaml").run().await?;
    /// println!("seed {}", report.seed());
    /// # Ok(()) }
    /// ```
    pub fn seed(&self) -> u64 {
        self.run.seed
    }

    /// The engine's full report, for the JSON, JUnit and snapshot writers of [`crate::report`].
    ///
    /// ```no_run
    /// # async fn demo() -> Result<(), conform::ContractError> {
    /// let report = conform::Contract::from_path("openapi.yaml").run().await?;
    /// std::fs::write("conform.json", conform::report::json::render(report.run_report())).unwrap();
    /// # Ok(()) }
    /// ```
    pub fn run_report(&self) -> &RunReport {
        &self.run
    }

    /// The engine's full report, owned.
    ///
    /// ```no_run
    /// # async fn demo() -> Result<(), conform::ContractError> {
    /// let run = conform::Contract::from_path("openapi.yaml").run().await?.into_run_report();
    /// # Ok(()) }
    /// ```
    pub fn into_run_report(self) -> RunReport {
        self.run
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRETS: [&str; 6] = [
        "tok-S3CRET-bearer",
        "user-S3CRET-basic",
        "pass-S3CRET-basic",
        "hdr-S3CRET-value",
        "key-S3CRET-api",
        "pin-S3CRET-token",
    ];

    fn assert_hidden(text: &str) {
        for secret in SECRETS {
            assert!(!text.contains(secret), "{secret} shows in {text}");
        }
    }

    /// Secrets given to the builder never show in `{:?}` of the builder, an `Auth`, or the
    /// settings the builder resolves to.
    #[test]
    fn debug_output_holds_no_secret() {
        let auths = [
            Auth::bearer(SECRETS[0]),
            Auth::basic(SECRETS[1], SECRETS[2]),
            Auth::digest(SECRETS[1], SECRETS[2]),
            Auth::api_key(SECRETS[4]),
            Auth::oauth(SECRETS[1], SECRETS[2]).token_url("https://auth.example/token"),
        ];
        for auth in auths {
            assert_hidden(&format!("{auth:?} {auth:#?}"));
            let contract = Contract::from_path("specs/atlas-maintenance-window.yaml")
                .target(Target::url(&format!("https://{}:{}@staging.example", SECRETS[1], SECRETS[2])).unwrap())
                .auth(auth.clone())
                .header("X-Api-Token", SECRETS[3])
                .param("access_token", SECRETS[5])
                .param("groupId", "5f4d1e2b3c4a5b6c7d8e9f01");
            let shown = format!("{contract:?} {contract:#?}");
            assert_hidden(&shown);
            assert!(shown.contains("5f4d1e2b3c4a5b6c7d8e9f01"), "ordinary pins still show: {shown}");
            let settings = auth.resolve(false).unwrap();
            assert_hidden(&format!("{settings:?}"));
        }
    }

    #[test]
    fn an_unset_credential_variable_is_an_error_for_a_real_target_only() {
        let auth = Auth::bearer_env("CONFORM_TEST_SURELY_UNSET_TOKEN");
        assert!(auth.resolve(true).unwrap().token.is_none());
        let err = auth.resolve(false).unwrap_err();
        assert_eq!(
            err.to_string(),
            "environment variable CONFORM_TEST_SURELY_UNSET_TOKEN is not set (a token for bearer authentication)"
        );
    }

    #[test]
    fn a_value_that_cannot_be_used_is_the_first_error_with_its_source() {
        let spec = Arc::new(
            Spec::from_value(
                "t.yaml",
                serde_json::json!({
                    "openapi": "3.0.3", "info": {"title": "t", "version": "1"}, "paths": {}
                }),
            )
            .unwrap(),
        );
        let contract = Contract::from_spec(spec.clone()).header("X Bad", "1").include("method:FETCH");
        let err = contract.prepare_with(spec.clone()).err().unwrap();
        assert_eq!(error_chain(&err), "invalid header: `X Bad` is not a valid header name");
        let err = Contract::from_spec(spec.clone()).include("method:FETCH").prepare_with(spec).err().unwrap();
        assert!(error_chain(&err).starts_with("invalid include filter: filter `method:FETCH`"), "{err}");
    }

    fn from_vars(vars: &[(&str, &str)]) -> Contract {
        let vars: std::collections::HashMap<String, String> =
            vars.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect();
        Contract::from_vars(&move |name| vars.get(name).filter(|v| !v.trim().is_empty()).cloned())
    }

    fn tiny_spec() -> Arc<Spec> {
        let doc = serde_json::json!({
            "openapi": "3.0.3", "info": {"title": "t", "version": "1"},
            "components": {"securitySchemes": {"b": {"type": "http", "scheme": "basic"}}},
            "paths": {"/a": {"get": {"responses": {"200": {"description": "ok"}}}}}
        });
        Arc::new(Spec::from_value("t.yaml", doc).unwrap())
    }

    /// What `conform run` has and the harness lacked now reaches it through the environment:
    /// Basic auth, headers, base path, timeout, excluded checks; the old variables still work.
    #[test]
    fn the_environment_lands_in_the_same_settings_as_the_flags() {
        let contract = from_vars(&[
            ("CONFORM_TARGET", "http://127.0.0.1:9/api"),
            ("CONFORM_AUTH", "basic"),
            ("CONFORM_USERNAME", "user-S3CRET-basic"),
            ("CONFORM_PASSWORD", "pass-S3CRET-basic"),
            ("MONGODB_ATLAS_PUBLIC_API_KEY", "pub"),
            ("CONFORM_HEADERS", "X-Tenant: a\nX-Trace: 1\n"),
            ("CONFORM_BASE_PATH", "/v2"),
            ("CONFORM_TIMEOUT", "2.5"),
            ("CONFORM_EXCLUDE_CHECKS", "ignored_auth,max_response_time"),
            ("CONFORM_SEED", "7"),
            ("CONFORM_CASES", "3"),
            ("CONFORM_PARAMS", "groupId = 5f, other=x"),
            ("CONFORM_ALLOW_MUTATIONS", "1"),
            ("CONFORM_EXCLUDE", "method:DELETE"),
            ("CONFORM_MAX_RESPONSE_TIME", "500"),
        ]);
        assert_hidden(&format!("{contract:?}"));
        let prepared = contract.prepare_with(tiny_spec()).unwrap();
        let c = &prepared.config;
        assert!(matches!(&prepared.target, Target::Url(u) if u.as_str() == "http://127.0.0.1:9/api"));
        assert_eq!(c.auth.mode, Some(AuthMode::Basic));
        assert_eq!(c.auth.username.as_deref(), Some("user-S3CRET-basic"));
        assert_eq!(c.headers, [("X-Tenant".to_owned(), "a".to_owned()), ("X-Trace".to_owned(), "1".to_owned())]);
        assert_eq!(c.base_path.as_deref(), Some("/v2"));
        assert_eq!(c.timeout, Duration::from_millis(2500));
        assert!(!c.checks.contains(CheckName::IgnoredAuth) && c.checks.contains(CheckName::NotAServerError));
        assert_eq!((c.seed, c.cases, c.allow_mutations), (Some(7), 3, true));
        assert_eq!(c.params, [("groupId".to_owned(), "5f".to_owned()), ("other".to_owned(), "x".to_owned())]);
        assert_eq!(c.exclude.len(), 1);
        assert_eq!(c.max_response_time, Some(Duration::from_millis(500)));

        let defaults = from_vars(&[]).prepare_with(tiny_spec()).unwrap();
        assert!(defaults.target.is_embedded());
        assert_eq!((defaults.config.seed, defaults.config.cases), (Some(DEFAULT_SEED), DEFAULT_CASES));
        assert_eq!(defaults.config.timeout, crate::engine::DEFAULT_TIMEOUT);
    }

    #[test]
    fn a_variable_that_cannot_be_used_is_named() {
        let cases = [
            (("CONFORM_CASES", "many"), "environment variable CONFORM_CASES: `many` is not a whole number"),
            (("CONFORM_TIMEOUT", "0"), "environment variable CONFORM_TIMEOUT: `0` is not a positive number"),
            (("CONFORM_PARAMS", "groupId"), "environment variable CONFORM_PARAMS: `groupId` is not NAME=VALUE"),
            (
                ("CONFORM_TARGET", "ftp://x/"),
                "environment variable CONFORM_TARGET: invalid target ftp://x/: only http and https URLs are supported",
            ),
            (("CONFORM_HEADERS", "X-Trace"), "environment variable CONFORM_HEADERS: `X-Trace` is not 'Name: value'"),
        ];
        for ((name, value), expected) in cases {
            let err = from_vars(&[(name, value)]).prepare_with(tiny_spec()).err().unwrap();
            assert_eq!(error_chain(&err), expected);
        }
        let err = from_vars(&[("CONFORM_AUTH", "kerberos")]).prepare_with(tiny_spec()).err().unwrap();
        assert!(
            error_chain(&err).starts_with("environment variable CONFORM_AUTH: unknown auth mode `kerberos`"),
            "{err}"
        );
    }

    #[test]
    fn the_error_chain_reads_as_one_line() {
        let err = ContractError::Run(RunError::Unreachable {
            target: "http://127.0.0.1:1/".into(),
            source: std::io::Error::new(std::io::ErrorKind::ConnectionRefused, "Connection refused"),
        });
        assert_eq!(error_chain(&err), "cannot reach http://127.0.0.1:1/: Connection refused");
    }
}
