//! The engine: fire generated requests at a target concurrently, judge every answer with the
//! check catalogue, probe authentication, shrink failures to minimal requests, and hand a
//! [`RunReport`] to the reporters.
//!
//! Work is prepared in two steps, as ripgrep does with its flags: [`RunConfig`] (what the user
//! asked for) becomes a [`RunPlan`] (spec loaded, target reachable, generator and validators
//! built, credentials resolved) before the first request. Errors before that point are
//! [`RunError`]s (exit 2); everything a server does after it is a finding.
//!
//! Reports are deterministic for a seed and a deterministic server: the example kept for a
//! finding is the one from the earliest case, whatever order the tasks finished in.

pub mod auth;
pub mod filter;
pub mod inprocess;
mod lockout;
mod stateful;
pub mod transport;

use crate::check::{self, AuthProbe, CheckContext, CheckName, CheckSet, Exchange, Failure};
use crate::generate::{Case, CaseId, CaseKind, CaseOrigin, GenerateConfig, Generator, Partition};
use crate::mock::{Fault, MockConfig, MockServer};
use crate::spec::{Operation, SecuritySchemeSpec, Spec, media};
use auth::{AuthMode, AuthSettings, Authenticator};
use serde::Serialize;
use std::collections::BTreeMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use transport::{Credentials, Outcome, RateLimiter, Sent, Transport};

/// Bodies longer than this are not read past it (a `transport` failure says so).
pub const DEFAULT_MAX_BODY: usize = 10 * 1024 * 1024;
/// At most this many extra requests are spent shrinking one finding.
const SHRINK_BUDGET: usize = 64;
/// Bytes of an answer's body kept in a finding's example (reports show less still): answers
/// are dropped once judged, so a run's memory does not grow with the bodies it found wrong.
pub const EXCERPT: usize = 64 * 1024;

/// Where to send requests. Its `Debug` output hides the URL's user name and password.
///
/// ```no_run
/// # fn main() -> Result<(), conform::ContractError> {
/// let staging = conform::Target::url("https://staging.example/api")?;
/// let mock = conform::Target::mock();
/// # Ok(()) }
/// ```
#[derive(Clone)]
#[non_exhaustive]
pub enum Target {
    /// An HTTP(S) base URL. With no path, the spec's first server path is appended.
    Url(url::Url),
    /// The embedded reference mock, started on 127.0.0.1:0 for the run (with these faults).
    Embedded {
        /// The ways the mock breaks the contract (none: a conforming reference).
        faults: Vec<Fault>,
    },
    /// An application's tower service, served in this process (see [`Target::service`]).
    Service(inprocess::InProcess),
}

impl Target {
    /// An HTTP(S) base URL; with no path, the spec's first server path is appended to it.
    ///
    /// # Errors
    /// [`TargetError`] when the text is not a URL, or not an `http` or `https` one.
    ///
    /// ```no_run
    /// # fn main() -> Result<(), conform::ContractError> {
    /// let target = conform::Target::url("http://127.0.0.1:8080")?;
    /// # Ok(()) }
    /// ```
    pub fn url(text: &str) -> Result<Target, TargetError> {
        let url = url::Url::parse(text.trim())
            .map_err(|source| TargetError::NotUrl { text: text.trim().to_owned(), source })?;
        if !matches!(url.scheme(), "http" | "https") {
            return Err(TargetError::Scheme(transport::shown_url(&url)));
        }
        Ok(Target::Url(url))
    }

    /// The embedded reference mock of the spec, with no fault: started for the run on a free
    /// loopback port, with credentials made for the run.
    ///
    /// ```no_run
    /// let target = conform::Target::mock();
    /// ```
    pub fn mock() -> Target {
        Target::Embedded { faults: Vec::new() }
    }

    /// Whether this is the embedded mock.
    pub(crate) fn is_embedded(&self) -> bool {
        matches!(self, Target::Embedded { .. })
    }
}

/// Why a text cannot be a [`Target`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TargetError {
    /// The text does not parse as a URL.
    #[error("`{text}` is not a URL")]
    NotUrl {
        /// The text given.
        text: String,
        /// What the URL parser said.
        #[source]
        source: url::ParseError,
    },
    /// A URL whose scheme is neither `http` nor `https` (shown without credentials).
    #[error("invalid target {0}: only http and https URLs are supported")]
    Scheme(String),
}

impl std::fmt::Debug for Target {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Target::Url(url) => {
                let mut shown = url.clone();
                // Userinfo is a credential (user name included: an Atlas public key, a SID).
                if !shown.username().is_empty() {
                    let _ = shown.set_username("redacted");
                }
                if shown.password().is_some() {
                    let _ = shown.set_password(Some("redacted"));
                }
                f.debug_tuple("Url").field(&shown.as_str()).finish()
            }
            Target::Embedded { faults } => f.debug_struct("Embedded").field("faults", faults).finish(),
            Target::Service(service) => f.debug_tuple("Service").field(service).finish(),
        }
    }
}

/// Random cases per operation when none is asked for (`conform run`; the harness and
/// [`Contract`](crate::Contract) use fewer).
pub const DEFAULT_CASES: usize = 100;
/// How long a request may take before it is abandoned, when nothing else is asked for.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);

/// What the user asked for: the one typed settings struct that command-line flags, `CONFORM_*`
/// environment variables and the [`Contract`](crate::Contract) builder all land in. Its `Debug`
/// output shows no credential: header values are hidden, and so are pinned parameter values
/// whose names mark them as credentials.
#[derive(Clone)]
pub struct RunConfig {
    /// `None`: pick one at random (and report it).
    pub seed: Option<u64>,
    pub cases: usize,
    pub concurrency: usize,
    pub rate_limit: Option<f64>,
    pub timeout: Duration,
    /// Operation ids to test; empty: all.
    pub operations: Vec<String>,
    /// `--include`: when any is given, only operations matching one of them run.
    pub include: Vec<filter::Filter>,
    /// `--exclude`: operations matching any of them do not run.
    pub exclude: Vec<filter::Filter>,
    pub checks: CheckSet,
    /// `--param NAME=VALUE`.
    pub params: Vec<(String, String)>,
    /// `-H 'Name: value'`.
    pub headers: Vec<(String, String)>,
    pub auth: AuthSettings,
    pub allow_mutations: bool,
    pub partition: Option<Partition>,
    pub max_response_time: Option<Duration>,
    /// `--api-version DATE`: the date put in versioned `Accept` media types.
    pub api_version: Option<String>,
    pub max_body: usize,
    /// `--base-path`: the path prefix of every request, instead of the target URL's path or
    /// the spec's server path (`""` for the root).
    pub base_path: Option<String>,
    /// Extra trusted CA certificates, or no verification at all, for HTTPS targets.
    pub tls: crate::tls::TlsSettings,
    /// `--path-slashes`: generated path values may hold `/` (see `GenerateConfig`).
    pub path_slashes: bool,
    /// `--strict`: warning-level findings fail the run too.
    pub strict: bool,
    /// `--max-string`: the length of the very long string of edge cases.
    pub max_string: usize,
}

impl std::fmt::Debug for RunConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        use crate::report::redact::{REDACTED, is_credential_header};
        let headers: Vec<(&str, &str)> = self.headers.iter().map(|(name, _)| (name.as_str(), REDACTED)).collect();
        let params: Vec<(&str, &str)> = self
            .params
            .iter()
            .map(|(name, value)| (name.as_str(), if is_credential_header(name) { REDACTED } else { value.as_str() }))
            .collect();
        f.debug_struct("RunConfig")
            .field("seed", &self.seed)
            .field("cases", &self.cases)
            .field("concurrency", &self.concurrency)
            .field("rate_limit", &self.rate_limit)
            .field("timeout", &self.timeout)
            .field("operations", &self.operations)
            .field("include", &self.include)
            .field("exclude", &self.exclude)
            .field("checks", &self.checks)
            .field("params", &params)
            .field("headers", &headers)
            .field("auth", &self.auth)
            .field("allow_mutations", &self.allow_mutations)
            .field("partition", &self.partition)
            .field("max_response_time", &self.max_response_time)
            .field("api_version", &self.api_version)
            .field("max_body", &self.max_body)
            .field("base_path", &self.base_path)
            .field("tls", &self.tls)
            .field("path_slashes", &self.path_slashes)
            .field("strict", &self.strict)
            .finish()
    }
}

impl Default for RunConfig {
    fn default() -> Self {
        RunConfig {
            seed: None,
            cases: DEFAULT_CASES,
            concurrency: default_concurrency(),
            rate_limit: None,
            timeout: DEFAULT_TIMEOUT,
            operations: Vec::new(),
            include: Vec::new(),
            exclude: Vec::new(),
            checks: CheckSet::all(),
            params: Vec::new(),
            headers: Vec::new(),
            auth: AuthSettings::default(),
            allow_mutations: false,
            partition: None,
            max_response_time: None,
            api_version: None,
            max_body: DEFAULT_MAX_BODY,
            base_path: None,
            tls: crate::tls::TlsSettings::default(),
            path_slashes: false,
            strict: false,
            max_string: crate::generate::DEFAULT_MAX_STRING,
        }
    }
}

/// Four connections per core, between 4 and 32: enough to keep a local server busy without
/// hammering a remote one.
pub fn default_concurrency() -> usize {
    std::thread::available_parallelism().map(|n| n.get() * 4).unwrap_or(8).clamp(4, 32)
}

/// Why a run could not start. Messages speak of settings, not of command-line flags; causes
/// are kept as [`source`](std::error::Error::source)s, not flattened into the message.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RunError {
    /// Nothing accepts a TCP connection at the target.
    #[error("cannot reach {target}")]
    Unreachable {
        /// The target, without credentials.
        target: String,
        /// Why the connection failed (`TimedOut` when nothing answered within the timeout).
        #[source]
        source: std::io::Error,
    },
    /// A target URL that is neither `http` nor `https` (shown without credentials).
    #[error("invalid target {0}: only http and https URLs are supported")]
    BadTarget(String),
    /// Credentials are missing, or cannot be used with this spec.
    #[error(transparent)]
    Auth(#[from] auth::AuthError),
    /// Pinned parameter values, or the partition, cannot be used.
    #[error(transparent)]
    Generate(#[from] crate::generate::GenerateError),
    /// The spec's state semantics cannot be used.
    #[error(transparent)]
    Semantics(#[from] crate::spec::semantics::SemanticsError),
    /// The embedded mock could not start.
    #[error("cannot start the embedded mock")]
    Mock(#[from] crate::mock::MockError),
    /// The URL the embedded mock listens on does not parse (a bug).
    #[error("the embedded mock's address is not a URL")]
    MockUrl(#[source] url::ParseError),
    /// The API version for versioned media types is not a date.
    #[error("the API version {0} is not a date like 2025-03-12")]
    ApiVersion(String),
    /// The HTTP client could not be built.
    #[error("cannot build the HTTP client: {0}")]
    Client(String),
    /// An operation to test that the spec does not have.
    #[error("no operation {0} in the spec")]
    UnknownOperation(String),
    /// The TLS settings cannot be applied.
    #[error(transparent)]
    Tls(#[from] crate::tls::TlsError),
}

/// An operation left out of the run, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Skipped {
    pub operation: String,
    pub method: String,
    pub path: String,
    /// The kind of reason, for scripts.
    pub cause: SkipCause,
    /// The precise reason: the filter, the parameter or body, the flag that would allow it.
    pub reason: String,
}

/// Why an operation was left out, in one word.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SkipCause {
    /// `--operation`, `--include` or `--exclude` left it out.
    Filter,
    /// It changes state and the target is not loopback.
    Mutations,
    /// No valid request could be generated for it.
    Generation,
    /// `--partition` gave its cases to other shares.
    Partition,
    /// The run stopped before reaching it (credentials stopped working).
    NotReached,
}

impl Skipped {
    fn new(op: &Operation, cause: SkipCause, reason: String) -> Skipped {
        Skipped {
            operation: op.id.clone(),
            method: op.method.as_str().to_owned(),
            path: op.path.clone(),
            cause,
            reason,
        }
    }
}

/// Everything prepared for a run.
pub struct RunPlan {
    pub spec: Arc<Spec>,
    generator: Arc<Generator>,
    /// The run's cases, in order.
    ids: Arc<Vec<CaseId>>,
    transport: Arc<Transport>,
    mock: Option<MockServer>,
    target_display: String,
    seed: u64,
    /// `--cases`: also scales how many stateful sequences run.
    cases: usize,
    /// What operations do to state: drives the stateful sequences (and the embedded mock).
    semantics: crate::spec::semantics::Semantics,
    checks: CheckSet,
    context: CheckContext,
    concurrency: usize,
    skipped: Vec<Skipped>,
    /// Per operation index: the `Accept` header value.
    accept: Vec<String>,
    /// TLS certificates are not verified: the report must say so.
    insecure_tls: bool,
    strict: bool,
}

impl std::fmt::Debug for RunPlan {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RunPlan")
            .field("target", &self.target_display)
            .field("seed", &self.seed)
            .finish_non_exhaustive()
    }
}

fn random_seed() -> u64 {
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or(0);
    let mut x = (nanos as u64) ^ (u64::from(std::process::id()) << 32);
    // splitmix64 finaliser: spread the clock bits.
    x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    (x ^ (x >> 31)) % 1_000_000_000
}

fn is_loopback(url: &url::Url) -> bool {
    match url.host() {
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        None => false,
    }
}

impl RunPlan {
    /// Turns a configuration into a ready plan: starts the embedded mock if asked, checks the
    /// target answers TCP, resolves credentials (fetching an OAuth2 token), builds the generator.
    ///
    /// # Errors
    /// [`RunError`] for anything that stops the run before it starts (exit 2).
    pub async fn prepare(spec: Arc<Spec>, target: Target, config: RunConfig) -> Result<RunPlan, RunError> {
        for id in &config.operations {
            if spec.operation(id).is_none() {
                return Err(RunError::UnknownOperation(id.clone()));
            }
        }
        if let Some(v) = &config.api_version
            && !media::is_iso_date(v)
        {
            return Err(RunError::ApiVersion(v.clone()));
        }
        let seed = config.seed.unwrap_or_else(random_seed);
        let semantics = crate::spec::semantics::Semantics::for_spec(&spec)?;
        let mut auth_settings = config.auth.clone();
        let mut dialer = None;
        let (mock, base_url, loopback) = match target {
            Target::Url(url) => {
                if !matches!(url.scheme(), "http" | "https") {
                    return Err(RunError::BadTarget(transport::shown_url(&url)));
                }
                let loopback = is_loopback(&url);
                (None, url, loopback)
            }
            Target::Embedded { faults } => {
                // The embedded mock enforces authentication with credentials made for this run,
                // so that `ignored_auth` is meaningful against it.
                let secret = format!("conform-mock-{seed:x}-{:x}", random_seed());
                let mut mock_config =
                    MockConfig { faults, seed, semantics: Some(semantics.clone()), ..MockConfig::default() };
                if spec.operations.iter().any(Operation::requires_auth) {
                    auth_settings = embedded_credentials(&spec, &mut mock_config, secret);
                }
                let listen = SocketAddr::new(IpAddr::from([127, 0, 0, 1]), 0);
                let server = MockServer::start(spec.clone(), listen, mock_config).await?;
                let url = url::Url::parse(&server.url()).map_err(RunError::MockUrl)?;
                (Some(server), url, true)
            }
            Target::Service(service) => {
                dialer = Some(service.dialer());
                let url = url::Url::parse(inprocess::ORIGIN).map_err(|e| RunError::BadTarget(e.to_string()))?;
                (None, url, true)
            }
        };
        let embedded = mock.is_some();
        let base = request_base(&base_url, &spec.base_path(), config.base_path.as_deref());
        let target_display = base.clone();
        if dialer.is_none() {
            check_reachable(&base_url, config.timeout).await?;
        }

        let auth = Arc::new(Authenticator::new(&auth_settings, &spec)?);
        let certs = crate::tls::load_ca_certs(&config.tls.ca_certs)?;
        let client = reqwest::Client::builder()
            .http1_only()
            .tcp_nodelay(true)
            .redirect(reqwest::redirect::Policy::none())
            .pool_max_idle_per_host(config.concurrency.max(1))
            // As the fast path does: a connection idle for long may be closing on the server.
            .pool_idle_timeout(Duration::from_secs(1))
            .timeout(config.timeout)
            .connect_timeout(config.timeout.min(Duration::from_secs(10)))
            .user_agent(concat!("conform/", env!("CARGO_PKG_VERSION")));
        let client = crate::tls::configure(client, &config.tls, certs);
        let client = transport::Client::new(client, &base, auth.mode() == AuthMode::OAuth).map_err(RunError::Client)?;
        if auth.mode() == AuthMode::OAuth {
            // Fail before the run, not on every request.
            auth.authorization(&client, "GET", "/", None).await?;
        }

        let (only, mut skipped) = select_operations(&spec, &config, loopback);
        let nothing_to_run = only.is_empty();
        let generate = GenerateConfig {
            seed,
            cases: config.cases,
            pins: config.params.clone(),
            partition: config.partition,
            only,
            path_slashes: config.path_slashes,
            max_string: config.max_string,
        };
        let generator = Generator::new(spec.clone(), generate)?;
        if !nothing_to_run {
            for (i, why) in generator.skipped() {
                let op = &spec.operations[i];
                let cause = if why.starts_with("partition") { SkipCause::Partition } else { SkipCause::Generation };
                skipped.push(Skipped::new(op, cause, why));
            }
        }
        // An empty `only` means "all" to the generator; here it means every operation was skipped.
        let ids = if nothing_to_run { Vec::new() } else { generator.case_ids() };
        let accept = spec.operations.iter().map(|op| accept_header(op, config.api_version.as_deref())).collect();
        let transport = Transport {
            client,
            base,
            auth,
            extra_headers: config.headers.clone(),
            max_body: config.max_body,
            timeout: config.timeout,
            rate: config.rate_limit.filter(|r| *r > 0.0).map(RateLimiter::new),
            pool: transport::Pool::with_dialer(dialer),
        };
        let pinned = config.params.iter().map(|(k, _)| k.clone()).collect();
        let identity = check::identity::identities(&spec);
        let path_methods = check::path_methods(&spec);
        Ok(RunPlan {
            spec,
            generator: Arc::new(generator),
            ids: Arc::new(ids),
            transport: Arc::new(transport),
            mock,
            target_display,
            seed,
            cases: config.cases,
            semantics,
            checks: config.checks,
            context: CheckContext {
                expect_acceptance: embedded || !config.params.is_empty(),
                pinned,
                // The embedded mock's credentials are made for the run.
                trusted_credentials: embedded,
                max_response_time: config.max_response_time,
                identity,
                reference_target: embedded,
                path_methods,
            },
            concurrency: config.concurrency.max(1),
            skipped,
            accept,
            insecure_tls: config.tls.insecure,
            strict: config.strict,
        })
    }

    /// The seed of the run (chosen at random when none was given).
    pub fn seed(&self) -> u64 {
        self.seed
    }

    /// The base URL requests go to.
    pub fn target(&self) -> &str {
        &self.target_display
    }

    /// Every secret value the run knows, for reporters to redact.
    pub fn secrets(&self) -> Vec<String> {
        self.transport.secrets()
    }

    /// Generation problems (patterns that cannot be generated from…), for the report.
    pub fn generation_findings(&self) -> &[crate::spec::SpecFinding] {
        self.generator.findings()
    }
}

/// Credentials for the embedded mock, of a scheme the spec declares and the mock verifies: a
/// Bearer token where the spec declares Bearer or OAuth2 (whose access tokens are Bearer
/// tokens), else HTTP Basic, else HTTP Digest. Specs with only other schemes (API keys, OpenID
/// Connect) get a Bearer token, the one thing the mock can check for them.
fn embedded_credentials(spec: &Spec, mock: &mut MockConfig, secret: String) -> AuthSettings {
    let declares = |wanted: fn(&SecuritySchemeSpec) -> bool| spec.security_schemes.values().any(wanted);
    let user = "conform-run".to_owned();
    if !declares(|s| matches!(s, SecuritySchemeSpec::Bearer { .. } | SecuritySchemeSpec::OAuth2 { .. })) {
        if declares(|s| *s == SecuritySchemeSpec::Basic) {
            mock.basic = Some((user.clone(), secret.clone()));
            return AuthSettings {
                mode: Some(AuthMode::Basic),
                username: Some(user),
                password: Some(secret),
                ..AuthSettings::default()
            };
        }
        if declares(|s| *s == SecuritySchemeSpec::Digest) {
            mock.digest = Some((user.clone(), secret.clone()));
            return AuthSettings {
                mode: Some(AuthMode::Digest),
                username: Some(user),
                password: Some(secret),
                ..AuthSettings::default()
            };
        }
    }
    mock.token = Some(secret.clone());
    AuthSettings { mode: Some(AuthMode::Bearer), token: Some(secret), ..AuthSettings::default() }
}

/// Which operations run: `--operation`, `--include` and `--exclude` filter; against a target
/// that is not loopback, mutating operations are skipped unless `--allow-mutations`. Every
/// operation left out says why.
fn select_operations(spec: &Spec, config: &RunConfig, loopback: bool) -> (Vec<String>, Vec<Skipped>) {
    let mut skipped = Vec::new();
    let mut only = Vec::new();
    for op in &spec.operations {
        if !config.operations.is_empty() && !config.operations.contains(&op.id) {
            skipped.push(Skipped::new(op, SkipCause::Filter, "not named by --operation".to_owned()));
            continue;
        }
        if let Some(why) = filter::excluded_by(op, &config.include, &config.exclude) {
            skipped.push(Skipped::new(op, SkipCause::Filter, why));
            continue;
        }
        if op.method.is_mutating() && !loopback && !config.allow_mutations {
            skipped.push(Skipped::new(
                op,
                SkipCause::Mutations,
                format!(
                    "{} changes state and the target is not loopback; mutations are not allowed (--allow-mutations)",
                    op.method
                ),
            ));
            continue;
        }
        only.push(op.id.clone());
    }
    (only, skipped)
}

/// Where request paths are appended: `--base-path` when given, else [`base_with_path`].
fn request_base(url: &url::Url, spec_base: &str, base_path: Option<&str>) -> String {
    match base_path {
        Some(prefix) => {
            let prefix = prefix.trim_matches('/');
            let root = origin(url);
            if prefix.is_empty() { root } else { format!("{root}/{prefix}") }
        }
        None => base_with_path(url, spec_base),
    }
}

/// `scheme://host[:port]` of a URL.
fn origin(url: &url::Url) -> String {
    let mut root = format!("{}://{}", url.scheme(), url.host_str().unwrap_or("localhost"));
    if let Some(port) = url.port() {
        root.push_str(&format!(":{port}"));
    }
    root
}

/// `http://host:port` + the spec's base path, unless the target URL has a path of its own.
fn base_with_path(url: &url::Url, spec_base: &str) -> String {
    let root = origin(url);
    let path = url.path().trim_end_matches('/');
    if path.is_empty() { format!("{root}{spec_base}") } else { format!("{root}{path}") }
}

async fn check_reachable(url: &url::Url, timeout: Duration) -> Result<(), RunError> {
    let host = url.host_str().unwrap_or("localhost").trim_start_matches('[').trim_end_matches(']').to_owned();
    let port = url.port_or_known_default().unwrap_or(80);
    let connect = tokio::net::TcpStream::connect((host.as_str(), port));
    match tokio::time::timeout(timeout.min(Duration::from_secs(10)), connect).await {
        Ok(Ok(_)) => Ok(()),
        Ok(Err(source)) => Err(RunError::Unreachable { target: transport::shown_url(url), source }),
        Err(_) => Err(RunError::Unreachable {
            target: transport::shown_url(url),
            source: std::io::Error::new(std::io::ErrorKind::TimedOut, "no TCP connection within the timeout"),
        }),
    }
}

/// The `Accept` value for an operation: its documented response media types, success ones
/// first, with versioned vendor types moved to `api_version` when given.
fn accept_header(op: &Operation, api_version: Option<&str>) -> String {
    let mut types: Vec<String> = Vec::new();
    let mut ordered: Vec<&crate::spec::ResponseSpec> = op.responses.iter().collect();
    ordered.sort_by_key(|r| !r.status.is_success());
    for response in ordered {
        for m in &response.content {
            let name = match api_version {
                Some(date) => media::with_version_date(&m.name, date).unwrap_or_else(|| m.name.clone()),
                None => m.name.clone(),
            };
            if !types.contains(&name) {
                types.push(name);
            }
        }
    }
    types.join(", ")
}

/// Progress callbacks (a terminal progress bar, or nothing).
pub trait Progress: Send + Sync {
    fn start(&self, _total: u64) {}
    fn advance(&self, _n: u64) {}
    fn finish(&self) {}
}

/// No progress display.
pub struct NoProgress;
impl Progress for NoProgress {}

/// Counts per operation.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct OperationStats {
    pub operation: String,
    pub method: String,
    pub path: String,
    pub requests: usize,
    /// Distinct findings on this operation.
    pub failures: usize,
    /// Failing exchanges per check.
    pub by_check: BTreeMap<CheckName, usize>,
    /// The checks that judged at least one exchange of this operation (whatever the verdict):
    /// JUnit lists these and no others.
    pub checks: Vec<CheckName>,
}

/// Run totals.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Stats {
    pub operations: usize,
    pub requests: usize,
    pub duration_ms: u64,
    pub failures: usize,
    pub skipped_operations: Vec<Skipped>,
    /// Operations in the spec: `operations` tested plus `skipped_operations`.
    pub operations_total: usize,
}

/// One exchange kept as an example of a finding.
#[derive(Debug, Clone, PartialEq)]
pub struct Example {
    pub case: Case,
    pub sent: Sent,
    /// The answer, its body cut to [`EXCERPT`] bytes (then `truncated`).
    pub response: Option<check::Response>,
    /// Which credentials the request carried (curl lines reproduce them by reference).
    pub credentials: Credentials,
}

/// A copy of an answer with at most [`EXCERPT`] bytes of its body (without copying the rest).
fn excerpt(response: &check::Response) -> check::Response {
    let cut = response.body.len() > EXCERPT;
    check::Response {
        status: response.status,
        headers: response.headers.clone(),
        body: response.body[..response.body.len().min(EXCERPT)].to_vec(),
        truncated: response.truncated || cut,
        elapsed: response.elapsed,
    }
}

impl Example {
    /// The example as kept: a body longer than [`EXCERPT`] is cut (and marked `truncated`), and
    /// the buffer is shrunk, so that a finding never holds a whole large answer.
    fn bounded(mut self) -> Example {
        if let Some(response) = &mut self.response
            && response.body.len() > EXCERPT
        {
            response.body.truncate(EXCERPT);
            response.body.shrink_to_fit();
            response.truncated = true;
        }
        self
    }
}

/// One deduplicated finding: the same check failing the same way on the same operation.
#[derive(Debug, Clone, PartialEq)]
pub struct Finding {
    pub check: CheckName,
    pub operation: String,
    pub operation_index: usize,
    pub message: String,
    pub signature: String,
    /// How many exchanges failed this way.
    pub count: usize,
    /// The minimal example (shrunk when the case was random).
    pub example: Example,
    pub shrunk: bool,
    /// For stateful findings: every step of the sequence, in order.
    pub steps: Vec<Example>,
    /// A warning fails the run only with `--strict`.
    pub severity: check::Severity,
}

/// What a run found. Its `Debug` output goes through the same redaction as every report: the
/// secret values are listed by count only and replaced wherever else they appear (a server may
/// echo a credential into a body).
#[derive(Clone)]
pub struct RunReport {
    pub spec: String,
    pub target: String,
    pub seed: u64,
    /// How requests authenticated (curl lines name the matching environment variables).
    pub auth: AuthMode,
    pub stats: Stats,
    pub operations: Vec<OperationStats>,
    pub findings: Vec<Finding>,
    pub spec_findings: Vec<crate::spec::SpecFinding>,
    /// Secret values to redact from every rendering.
    pub secrets: Vec<String>,
    /// conform's own failures during the run (a bug if ever non-empty).
    pub internal_errors: Vec<String>,
    /// Things that make the run say less than it seems to (most valid requests refused…).
    pub warnings: Vec<String>,
    /// `--strict`: warning-level findings fail the run too.
    pub strict: bool,
    /// Why the run could not finish (credentials stopped working): exit 2, whatever was found.
    pub errors: Vec<String>,
}

impl std::fmt::Debug for RunReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        struct Fields<'a>(&'a RunReport);
        impl std::fmt::Debug for Fields<'_> {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                let r = self.0;
                f.debug_struct("RunReport")
                    .field("spec", &r.spec)
                    .field("target", &r.target)
                    .field("seed", &r.seed)
                    .field("auth", &r.auth)
                    .field("stats", &r.stats)
                    .field("operations", &r.operations)
                    .field("findings", &r.findings)
                    .field("spec_findings", &r.spec_findings)
                    .field("secrets", &format_args!("[{} redacted]", r.secrets.len()))
                    .field("internal_errors", &r.internal_errors)
                    .field("warnings", &r.warnings)
                    .field("strict", &r.strict)
                    .field("errors", &r.errors)
                    .finish()
            }
        }
        let text = if f.alternate() { format!("{:#?}", Fields(self)) } else { format!("{:?}", Fields(self)) };
        f.write_str(&crate::report::redact::Redactor::for_debug(&self.secrets).text(&text))
    }
}

impl RunReport {
    /// Whether any check failed (warnings count only with `--strict`).
    pub fn failed(&self) -> bool {
        self.findings.iter().any(|f| self.strict || f.severity == check::Severity::Error)
    }

    /// `Some(why)`, on one line, when the run must end with exit 2 whatever it found: an error
    /// of the run (credentials stopped working), or no operation tested at all (then the
    /// reasons of the skipped operations, most common first).
    pub fn run_error(&self) -> Option<String> {
        if let Some(error) = self.errors.first() {
            return Some(error.clone());
        }
        if self.stats.operations > 0 {
            return None;
        }
        let skipped = &self.stats.skipped_operations;
        if skipped.is_empty() {
            return Some("nothing was tested: the spec has no operations".to_owned());
        }
        if let [only] = skipped.as_slice() {
            return Some(format!("nothing was tested: {} was skipped: {}", only.operation, only.reason));
        }
        let mut by_reason: Vec<(&str, usize)> = Vec::new();
        for s in skipped {
            match by_reason.iter_mut().find(|(r, _)| *r == s.reason) {
                Some((_, n)) => *n += 1,
                None => by_reason.push((s.reason.as_str(), 1)),
            }
        }
        by_reason.sort_by_key(|(_, n)| std::cmp::Reverse(*n));
        let shown: Vec<String> = by_reason.iter().take(3).map(|(r, n)| format!("{n} {r}")).collect();
        let more = if by_reason.len() > 3 { format!("; {} other reasons", by_reason.len() - 3) } else { String::new() };
        Some(format!("nothing was tested: all {} operations were skipped ({}{more})", skipped.len(), shown.join("; ")))
    }
}

type Key = (usize, CheckName, String);

struct Entry {
    failure: Failure,
    count: usize,
    /// Case id of the kept example (the smallest wins).
    order: (usize, usize, u8),
    example: Example,
    /// Every step of a failing sequence (stateful findings only).
    steps: Vec<Example>,
}

#[derive(Default)]
struct Collector {
    findings: Mutex<BTreeMap<Key, Entry>>,
    /// Failing exchanges per (operation, check).
    by_check: Mutex<BTreeMap<(usize, CheckName), usize>>,
    requests: Vec<AtomicUsize>,
    /// Per operation, the checks that judged at least one of its exchanges ([`CheckSet::bits`]).
    judged: Vec<AtomicU32>,
    /// Valid cases answered, and how many of them 401 or 403 (a sign of bad credentials).
    valid_answered: AtomicUsize,
    valid_refused: AtomicUsize,
    /// Stateful sequences dropped because they could not say anything: operation ids by why.
    notes: Mutex<BTreeMap<String, std::collections::BTreeSet<String>>>,
    /// Credentials that stop working mid-run.
    watch: lockout::Watch,
}

impl Collector {
    fn new(operations: usize) -> Collector {
        Collector {
            requests: (0..operations).map(|_| AtomicUsize::new(0)).collect(),
            judged: (0..operations).map(|_| AtomicU32::new(0)).collect(),
            ..Collector::default()
        }
    }

    /// Notes that `checks` judged an exchange of operation `op`.
    fn judged(&self, op: usize, checks: CheckSet) {
        if let Some(slot) = self.judged.get(op) {
            slot.fetch_or(checks.bits(), Ordering::Relaxed);
        }
    }

    fn record(&self, op: usize, order: (usize, usize, u8), failures: Vec<Failure>, example: impl Fn() -> Example) {
        if failures.is_empty() {
            return;
        }
        let mut by_check = self.by_check.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        for f in &failures {
            *by_check.entry((op, f.check)).or_default() += 1;
        }
        drop(by_check);
        let mut findings = self.findings.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        for failure in failures {
            let key = (op, failure.check, failure.signature.clone());
            match findings.get_mut(&key) {
                Some(entry) => {
                    entry.count += 1;
                    if order < entry.order {
                        entry.order = order;
                        entry.failure = failure;
                        entry.example = example().bounded();
                    }
                }
                None => {
                    let example = example().bounded();
                    findings.insert(key, Entry { failure, count: 1, order, example, steps: Vec::new() });
                }
            }
        }
    }

    /// Notes a sequence dropped for `why` (the run says so rather than look clean).
    fn note(&self, why: String, operation: &str) {
        let mut notes = self.notes.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        notes.entry(why).or_default().insert(operation.to_owned());
    }

    /// Records a failing sequence with all its steps (the last one is the example).
    fn record_sequence(&self, op: usize, order: (usize, usize, u8), failure: Failure, steps: Vec<Example>) {
        let steps: Vec<Example> = steps.into_iter().map(Example::bounded).collect();
        let Some(example) = steps.last().cloned() else { return };
        *self
            .by_check
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .entry((op, failure.check))
            .or_default() += 1;
        let mut findings = self.findings.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let key = (op, failure.check, failure.signature.clone());
        match findings.get_mut(&key) {
            Some(entry) => entry.count += 1,
            None => {
                findings.insert(key, Entry { failure, count: 1, order, example, steps });
            }
        }
    }
}

/// Runs the plan to completion.
pub async fn execute(plan: RunPlan, progress: &dyn Progress) -> RunReport {
    let started = Instant::now();
    let plan = Arc::new(plan);
    let ids = plan.ids.clone();
    let mut probes = probe_jobs(&plan);
    let probe_requests: usize = probes.iter().map(|p| p.requests()).sum();
    progress.start((ids.len() + probe_requests) as u64);
    let collector = Arc::new(Collector::new(plan.spec.operations.len()));
    let next = Arc::new(AtomicUsize::new(0));
    let done = Arc::new(AtomicUsize::new(0));

    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..plan.concurrency.min(ids.len().max(1)) {
        let (plan, ids, collector, next, done) =
            (plan.clone(), ids.clone(), collector.clone(), next.clone(), done.clone());
        tasks.spawn(async move {
            loop {
                if collector.watch.stopped() {
                    break;
                }
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(&id) = ids.get(i) else { break };
                if let Some(case) = plan.generator.case(id) {
                    run_case(&plan, &collector, &case, (i, 0, 0)).await;
                }
                done.fetch_add(1, Ordering::Relaxed);
            }
        });
    }
    let finished = AtomicBool::new(false);
    let mut internal_errors = Vec::new();
    let join = async {
        while let Some(result) = tasks.join_next().await {
            if let Err(e) = result {
                // A task that died is a conform bug: say so in the report, keep the rest.
                internal_errors.push(format!("a request task ended abnormally: {e}"));
            }
        }
        finished.store(true, Ordering::Relaxed);
    };
    // Progress is polled rather than pushed so that tasks never wait on the display.
    let ticker = async {
        let mut shown = 0;
        loop {
            let now = done.load(Ordering::Relaxed);
            progress.advance((now - shown) as u64);
            shown = now;
            if finished.load(Ordering::Relaxed) {
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    };
    tokio::join!(join, ticker);

    // Probes share the run's concurrency: one at a time, a server that stalls requests without
    // credentials cost two timeouts per secured operation. Their order keys keep reports
    // deterministic whatever order they finish in.
    if collector.watch.stopped() {
        probes.clear();
    }
    let probes = Arc::new(probes);
    let next_probe = Arc::new(AtomicUsize::new(0));
    let mut probe_tasks = tokio::task::JoinSet::new();
    for _ in 0..plan.concurrency.min(probes.len()) {
        let (plan, collector, probes, next) = (plan.clone(), collector.clone(), probes.clone(), next_probe.clone());
        let first = ids.len();
        probe_tasks.spawn(async move {
            loop {
                let n = next.fetch_add(1, Ordering::Relaxed);
                let Some(&job) = probes.get(n) else { break };
                match job {
                    ProbeJob::Auth(op) => run_auth_probes(&plan, &collector, op, first + n).await,
                    ProbeJob::UnknownId(op) => run_unknown_id_probe(&plan, &collector, op, first + n).await,
                }
            }
        });
    }
    while let Some(result) = probe_tasks.join_next().await {
        if let Err(e) = result {
            internal_errors.push(format!("a probe task ended abnormally: {e}"));
        }
    }
    progress.advance(probe_requests as u64);
    // Once the credentials stopped working, every later request would only be refused.
    let locked_out = collector.watch.stopped();
    if plan.checks.contains(CheckName::StatefulConformance) && !locked_out {
        stateful::run(&plan, &collector, &plan.semantics, ids.len() + probes.len()).await;
    }

    if !locked_out {
        shrink_findings(&plan, &collector).await;
    }
    progress.finish();
    let report = finish(&plan, &collector, started, internal_errors);
    // Every task has ended, so this is the last reference.
    if let Ok(plan) = Arc::try_unwrap(plan)
        && let Some(mock) = plan.mock
    {
        mock.shutdown().await;
    }
    report
}

fn finish(plan: &RunPlan, collector: &Collector, started: Instant, internal_errors: Vec<String>) -> RunReport {
    let findings_map =
        std::mem::take(&mut *collector.findings.lock().unwrap_or_else(std::sync::PoisonError::into_inner));
    let by_check = collector.by_check.lock().unwrap_or_else(std::sync::PoisonError::into_inner).clone();
    let stopped = collector.watch.stopped_after();
    let findings: Vec<Finding> = findings_map
        .into_iter()
        // After a lockout, refusals of the configured credentials are the run's error, not findings.
        .filter(|(_, e)| {
            stopped.is_none()
                || e.example.credentials != Credentials::Configured
                || !e.example.response.as_ref().is_some_and(|r| matches!(r.status, 401 | 403))
        })
        .map(|((op, check, signature), e)| Finding {
            check,
            operation: plan.spec.operations[op].id.clone(),
            operation_index: op,
            message: e.failure.message,
            signature,
            count: e.count,
            shrunk: e.order.2 == 1,
            example: e.example,
            steps: e.steps,
            severity: e.failure.severity,
        })
        .collect();
    let mut skipped_ops = plan.skipped.clone();
    let is_skipped: std::collections::HashSet<&str> = plan.skipped.iter().map(|s| s.operation.as_str()).collect();
    for (i, op) in plan.spec.operations.iter().enumerate() {
        if !is_skipped.contains(op.id.as_str()) && collector.requests[i].load(Ordering::Relaxed) == 0 {
            skipped_ops.push(Skipped::new(
                op,
                SkipCause::NotReached,
                "no request was sent before the run stopped".into(),
            ));
        }
    }
    let operations: Vec<OperationStats> = plan
        .spec
        .operations
        .iter()
        .enumerate()
        .filter(|(_, op)| !is_skipped.contains(op.id.as_str()))
        .filter(|(i, _)| collector.requests[*i].load(Ordering::Relaxed) > 0)
        .map(|(i, op)| OperationStats {
            operation: op.id.clone(),
            method: op.method.as_str().to_owned(),
            path: op.path.clone(),
            requests: collector.requests[i].load(Ordering::Relaxed),
            failures: findings.iter().filter(|f| f.operation_index == i).count(),
            by_check: by_check.iter().filter(|((o, _), _)| *o == i).map(|((_, c), n)| (*c, *n)).collect(),
            checks: CheckSet::from_bits(collector.judged[i].load(Ordering::Relaxed)).iter().collect(),
        })
        .collect();
    let mut spec_findings = plan.spec.findings.clone();
    spec_findings.extend(plan.generator.findings().iter().cloned());
    RunReport {
        spec: plan.spec.source.clone(),
        target: plan.target_display.clone(),
        seed: plan.seed,
        auth: plan.transport.auth.mode(),
        stats: Stats {
            operations: operations.len(),
            requests: collector.requests.iter().map(|r| r.load(Ordering::Relaxed)).sum(),
            duration_ms: started.elapsed().as_millis() as u64,
            failures: findings.len(),
            skipped_operations: skipped_ops,
            operations_total: plan.spec.operations.len(),
        },
        operations,
        findings,
        spec_findings,
        secrets: plan.secrets(),
        internal_errors,
        warnings: if stopped.is_some() {
            Vec::new()
        } else {
            warnings(plan, collector)
                .into_iter()
                .chain(collector.notes.lock().unwrap_or_else(std::sync::PoisonError::into_inner).iter().map(
                    |(why, ops)| {
                        let ops: Vec<&str> = ops.iter().map(String::as_str).collect();
                        format!("stateful sequence dropped ({}): {why}", ops.join(", "))
                    },
                ))
                .collect()
        },
        strict: plan.strict,
        errors: stopped
            .map(|(op, step)| {
                format!(
                    "credentials stopped working after {} (step {step}); the run stopped there",
                    plan.spec.operations[op].id
                )
            })
            .into_iter()
            .collect(),
    }
}

/// A run where most valid requests were refused tested little: say so rather than look clean.
fn warnings(plan: &RunPlan, collector: &Collector) -> Vec<String> {
    let mut warnings = Vec::new();
    if plan.insecure_tls {
        warnings.push(crate::tls::INSECURE_WARNING.to_owned());
    }
    let answered = collector.valid_answered.load(Ordering::Relaxed);
    let refused = collector.valid_refused.load(Ordering::Relaxed);
    if answered >= 10 && refused * 2 > answered {
        let given_with_h: Vec<&str> = plan
            .transport
            .extra_headers
            .iter()
            .map(|(name, _)| name.as_str())
            .filter(|name| {
                crate::report::redact::is_credential_header(name) || plan.transport.auth.is_credential_header(name)
            })
            .collect();
        let how = match plan.transport.auth.mode() {
            AuthMode::None if !given_with_h.is_empty() => {
                format!("check the credentials given with -H ({})", given_with_h.join(", "))
            }
            AuthMode::None => "no credentials were given (--auth, or the environment variables in README)".to_owned(),
            mode => format!("check the {mode:?} credentials").to_lowercase(),
        };
        warnings.push(format!(
            "{refused} of {answered} valid requests were refused with 401 or 403, so most checks saw only errors: {how}"
        ));
    }
    warnings
}

/// Sends one case and judges the answer.
async fn run_case(plan: &RunPlan, collector: &Collector, case: &Case, order: (usize, usize, u8)) {
    let op = &plan.spec.operations[case.operation];
    let outcome = plan.transport.send(&case.request, &plan.accept[case.operation], Credentials::Configured).await;
    collector.requests[case.operation].fetch_add(outcome.requests, Ordering::Relaxed);
    // Unwrapped once: the refusal count and every check read it.
    let answer = outcome.result.as_ref().ok().map(|response| check::envelope::effective(&case.request, response));
    if let (true, Some(answer)) = (case.is_valid(), &answer) {
        collector.valid_answered.fetch_add(1, Ordering::Relaxed);
        if matches!(answer.status, 401 | 403) {
            collector.valid_refused.fetch_add(1, Ordering::Relaxed);
        }
        let safe = op.method == crate::spec::Method::Get;
        let next = collector.watch.observe(case.operation, op.method.is_mutating(), safe, &case.request, answer.status);
        if let lockout::Next::Verify(canary_op, canary) = next {
            let verify = plan.transport.send(&canary, &plan.accept[canary_op], Credentials::Configured).await;
            collector.requests[canary_op].fetch_add(verify.requests, Ordering::Relaxed);
            collector.watch.verdict(verify.result.as_ref().ok().map(|r| r.status));
        }
    }
    let (failures, judged) = judge_answer(plan, op, case, &outcome, answer.as_ref(), None);
    collector.judged(case.operation, judged);
    collector.record(case.operation, order, failures, || Example {
        case: case.clone(),
        sent: outcome.sent.clone(),
        response: outcome.result.as_ref().ok().map(excerpt),
        credentials: Credentials::Configured,
    });
}

/// Runs the checks on an outcome (a transport failure is the `transport` check's).
fn judge(plan: &RunPlan, op: &Operation, case: &Case, outcome: &Outcome, probe: Option<AuthProbe>) -> Vec<Failure> {
    judge_answer(plan, op, case, outcome, None, probe).0
}

/// [`judge`] with the effective answer of `outcome`, when the caller has unwrapped it already;
/// also gives the checks that judged the exchange (see [`check::judged`]).
fn judge_answer(
    plan: &RunPlan,
    op: &Operation,
    case: &Case,
    outcome: &Outcome,
    answer: Option<&check::envelope::Answer<'_>>,
    probe: Option<AuthProbe>,
) -> (Vec<Failure>, CheckSet) {
    let transport_only = plan.checks.intersect(CheckSet::none().with(CheckName::Transport));
    match &outcome.result {
        Err(t) => {
            if plan.checks.contains(CheckName::Transport) {
                (vec![Failure::new(CheckName::Transport, t.message.clone(), t.kind)], transport_only)
            } else {
                (Vec::new(), transport_only)
            }
        }
        Ok(response) => {
            let mut failures = Vec::new();
            if response.truncated && plan.checks.contains(CheckName::Transport) {
                failures.push(Failure::new(
                    CheckName::Transport,
                    format!(
                        "the {} body is larger than {} bytes; conform read only that much",
                        response.status, plan.transport.max_body
                    ),
                    "too_large",
                ));
            }
            let exchange = Exchange { operation: op, case, request: &case.request, response, probe };
            match answer {
                Some(answer) => failures.extend(check::run_on(plan.checks, &plan.context, &exchange, answer)),
                None => failures.extend(check::run(plan.checks, &plan.context, &exchange)),
            }
            (failures, check::judged(plan.checks, &plan.context, &exchange))
        }
    }
}

/// A request sent beside the cases, to provoke a documented answer that valid requests with
/// pinned values cannot: authentication refusals, and a 404 for an item that does not exist.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ProbeJob {
    /// Without credentials, then with wrong ones.
    Auth(usize),
    /// With path values that are not the pinned ones (see `Generator::unknown_id_request`).
    UnknownId(usize),
}

impl ProbeJob {
    fn requests(self) -> usize {
        match self {
            ProbeJob::Auth(_) => 2,
            ProbeJob::UnknownId(_) => 1,
        }
    }
}

/// Every probe of the run: auth probes, then one unknown-id probe for each operation with a
/// path parameter that documents a 404 (exactly or as `4XX`), so that the 404's Content-Type
/// and schema are checked even where every valid request carries a real, pinned id.
fn probe_jobs(plan: &RunPlan) -> Vec<ProbeJob> {
    let mut jobs: Vec<ProbeJob> = auth_probe_ops(plan).into_iter().map(ProbeJob::Auth).collect();
    let mut ops: Vec<usize> = plan.ids.iter().map(|id| id.operation).collect();
    ops.dedup();
    for i in ops {
        let op = &plan.spec.operations[i];
        let documents_404 = op.responses.iter().any(|r| match r.status {
            crate::spec::StatusSpec::Code(c) => c == 404,
            crate::spec::StatusSpec::Range(d) => d == 4,
            crate::spec::StatusSpec::Default => false,
        });
        if documents_404 && op.params_in(crate::spec::ParamLocation::Path).next().is_some() {
            jobs.push(ProbeJob::UnknownId(i));
        }
    }
    jobs
}

/// Sends one valid request for an item that most likely does not exist; judged like any valid
/// case, except that it is never expected to be accepted.
async fn run_unknown_id_probe(plan: &RunPlan, collector: &Collector, op_index: usize, order: usize) {
    let op = &plan.spec.operations[op_index];
    let Some(request) = plan.generator.unknown_id_request(op_index, plan.seed) else { return };
    let case = Case {
        operation: op_index,
        index: 0,
        kind: CaseKind::Valid,
        origin: CaseOrigin::Probe,
        seed: None,
        request,
        edge: None,
    };
    let outcome = plan.transport.send(&case.request, &plan.accept[op_index], Credentials::Configured).await;
    collector.requests[op_index].fetch_add(outcome.requests, Ordering::Relaxed);
    let failures = judge(plan, op, &case, &outcome, None);
    collector.record(op_index, (order, 0, 0), failures, || Example {
        case: case.clone(),
        sent: outcome.sent.clone(),
        response: outcome.result.as_ref().ok().map(excerpt),
        credentials: Credentials::Configured,
    });
}

/// Operations whose security requirement is probed with missing and wrong credentials.
fn auth_probe_ops(plan: &RunPlan) -> Vec<usize> {
    if !plan.checks.contains(CheckName::IgnoredAuth) {
        return Vec::new();
    }
    let mut ops: Vec<usize> = plan.ids.iter().map(|id| id.operation).collect();
    ops.dedup();
    ops.retain(|&i| plan.spec.operations[i].requires_auth());
    ops
}

async fn run_auth_probes(plan: &RunPlan, collector: &Collector, op_index: usize, order: usize) {
    let op = &plan.spec.operations[op_index];
    let Some(request) = plan.generator.valid_request(op_index, plan.seed, &[]) else { return };
    let case = Case {
        operation: op_index,
        index: 0,
        kind: CaseKind::Valid,
        origin: CaseOrigin::Example,
        seed: None,
        request,
        edge: None,
    };
    for (n, (probe, credentials)) in
        [(AuthProbe::NoCredentials, Credentials::Omitted), (AuthProbe::WrongCredentials, Credentials::Wrong)]
            .into_iter()
            .enumerate()
    {
        let outcome = plan.transport.send(&case.request, &plan.accept[op_index], credentials).await;
        collector.requests[op_index].fetch_add(outcome.requests, Ordering::Relaxed);
        let (failures, judged) = judge_answer(plan, op, &case, &outcome, None, Some(probe));
        collector.judged(op_index, judged);
        collector.record(op_index, (order, n, 0), failures, || Example {
            case: case.clone(),
            sent: outcome.sent.clone(),
            response: outcome.result.as_ref().ok().map(excerpt),
            credentials,
        });
    }
}

/// Shrinks the kept example of every finding whose case was random: simplify while the same
/// check still fails the same way, within a request budget.
async fn shrink_findings(plan: &RunPlan, collector: &Collector) {
    let targets: Vec<(Key, Case)> = {
        let findings = collector.findings.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        findings
            .iter()
            .filter(|(_, e)| e.example.case.origin == CaseOrigin::Random && e.failure.check != CheckName::Transport)
            .map(|(k, e)| (k.clone(), e.example.case.clone()))
            .collect()
    };
    for (key, case) in targets {
        let Some(mut shrinker) = plan.generator.shrinker(&case) else { continue };
        let op = &plan.spec.operations[case.operation];
        let mut best: Option<(Case, Outcome, Failure)> = None;
        let mut spent = 0;
        let still_fails = |outcome: &Outcome, candidate: &Case| {
            judge(plan, op, candidate, outcome, None).into_iter().find(|f| f.check == key.1 && f.signature == key.2)
        };
        if shrinker.simplify() {
            while spent < SHRINK_BUDGET {
                let candidate = shrinker.current();
                let outcome = plan
                    .transport
                    .send(&candidate.request, &plan.accept[case.operation], Credentials::Configured)
                    .await;
                spent += 1;
                collector.requests[case.operation].fetch_add(outcome.requests, Ordering::Relaxed);
                let progressed = match still_fails(&outcome, &candidate) {
                    Some(failure) => {
                        best = Some((candidate, outcome, failure));
                        shrinker.simplify()
                    }
                    None => shrinker.complicate(),
                };
                if !progressed {
                    break;
                }
            }
        }
        if let Some((candidate, outcome, failure)) = best {
            let mut findings = collector.findings.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
            if let Some(entry) = findings.get_mut(&key) {
                entry.failure = failure;
                entry.order.2 = 1;
                entry.example = Example {
                    case: candidate,
                    sent: outcome.sent,
                    response: outcome.result.ok(),
                    credentials: Credentials::Configured,
                }
                .bounded();
            }
        }
    }
}

/// Loads, plans and runs in one call: what `conform run` and the libtest harness do.
///
/// # Errors
/// [`RunError`] when the run cannot start.
pub async fn run(
    spec: Arc<Spec>,
    target: Target,
    config: RunConfig,
    progress: &dyn Progress,
) -> Result<RunReport, RunError> {
    let plan = RunPlan::prepare(spec, target, config).await?;
    Ok(execute(plan, progress).await)
}

#[cfg(test)]
mod tests;
