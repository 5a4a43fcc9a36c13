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
//! finding is the one from the earliest case, whatever order the tasks finished in, and
//! requests that may interact reach the server in the run's order whatever the concurrency
//! (`gate`).

pub mod filter;
mod fold;
mod gate;
mod lockout;
mod phases;
mod probes;
mod shrink;
mod stateful;
mod work;

pub use phases::execute;

use crate::check::{self, CheckContext};
use crate::generate::{CaseId, GenerateConfig, Generator, Partition};
#[cfg(feature = "mock")]
use crate::mock::{Fault, MockConfig, MockServer};
use crate::model::events::EventSink;
use crate::model::{CheckSet, RunReport, SkipCause, Skipped};
#[cfg(feature = "mock")]
use crate::spec::SecuritySchemeSpec;
use crate::spec::{Operation, Spec, media};
use crate::transport::auth::{AuthMode, AuthSettings, Authenticator};
use crate::transport::{self, RateLimiter, Transport, auth, inprocess};
#[cfg(feature = "mock")]
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

/// Bodies longer than this are not read past it (a `transport` failure says so).
pub const DEFAULT_MAX_BODY: usize = 10 * 1024 * 1024;

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
    #[cfg(feature = "mock")]
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
    #[cfg(feature = "mock")]
    pub fn mock() -> Target {
        Target::Embedded { faults: Vec::new() }
    }

    /// Whether this is the embedded mock.
    pub(crate) fn is_embedded(&self) -> bool {
        #[cfg(feature = "mock")]
        return matches!(self, Target::Embedded { .. });
        #[cfg(not(feature = "mock"))]
        false
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
            #[cfg(feature = "mock")]
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

impl Target {
    /// An application's own tower service (an axum `Router`, for one), contract-tested in this
    /// process: no port is bound, and every request is served by `service` over an in-memory
    /// HTTP/1.1 connection. Requests go to `http://in-process` (see [`ORIGIN`](crate::transport::inprocess::ORIGIN)); the spec's
    /// server path is the base path, as for a URL target without a path. A service error or
    /// panic is a `transport` finding of the request it failed.
    ///
    /// ```
    /// # #[cfg(feature = "mock")] {
    /// use conform::engine::Target;
    /// let app = axum::Router::new().route("/health", axum::routing::get(|| async { "ok" }));
    /// let target = Target::service(app);
    /// assert_eq!(format!("{target:?}"), "Service(InProcess)");
    /// # }
    /// ```
    pub fn service<S, B>(service: S) -> Target
    where
        S: tower_service::Service<hyper::Request<hyper::body::Incoming>, Response = hyper::Response<B>>
            + Clone
            + Send
            + 'static,
        S::Future: Send + 'static,
        S::Error: Into<crate::transport::inprocess::BoxError>,
        B: hyper::body::Body + Send + 'static,
        B::Data: Send,
        B::Error: Into<crate::transport::inprocess::BoxError>,
    {
        Target::Service(crate::transport::inprocess::InProcess::new(service))
    }
}

/// What the user asked for: the one typed settings struct that command-line flags, `CONFORM_*`
/// environment variables and the [`Contract`](crate::Contract) builder all land in. Its `Debug`
/// output shows no credential: header values are hidden, and so are pinned parameter values
/// whose names mark them as credentials.
#[derive(Clone)]
pub struct RunConfig {
    /// `None`: pick one at random (and report it).
    pub seed: Option<u64>,
    /// `--cases`: random cases per operation, after the deterministic ones.
    pub cases: usize,
    /// `--concurrency`: how many requests may be in flight at once.
    pub concurrency: usize,
    /// `--rate-limit`: at most this many requests per second across all tasks; `None`: no limit.
    pub rate_limit: Option<f64>,
    /// `--timeout`: how long to wait for an answer before a `timeout` failure.
    pub timeout: Duration,
    /// Operation ids to test; empty: all.
    pub operations: Vec<String>,
    /// `--include`: when any is given, only operations matching one of them run.
    pub include: Vec<filter::Filter>,
    /// `--exclude`: operations matching any of them do not run.
    pub exclude: Vec<filter::Filter>,
    /// The checks to run (`--checks` minus `--exclude-checks`).
    pub checks: CheckSet,
    /// `--param NAME=VALUE`.
    pub params: Vec<(String, String)>,
    /// `-H 'Name: value'`.
    pub headers: Vec<(String, String)>,
    /// The credentials, as given by flags or the environment.
    pub auth: AuthSettings,
    /// `--allow-mutations`: test operations that change state against a target that is not loopback.
    pub allow_mutations: bool,
    /// `--partition K/N`: only this share of the cases.
    pub partition: Option<Partition>,
    /// `--max-response-time`: answers slower than this fail `max_response_time`; `None`: no limit.
    pub max_response_time: Option<Duration>,
    /// `--api-version DATE`: the date put in versioned `Accept` media types.
    pub api_version: Option<String>,
    /// `--max-body`: bytes of an answer read at most; a longer body is cut and fails `transport`.
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
        use crate::model::redact::{REDACTED, is_credential_header};
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
            checks: CheckSet::server_side(),
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
    #[cfg(feature = "mock")]
    Mock(#[from] crate::mock::MockError),
    /// The URL the embedded mock listens on does not parse (a bug).
    #[error("the embedded mock's address is not a URL")]
    #[cfg(feature = "mock")]
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
    /// The loaded spec the run tests.
    pub spec: Arc<Spec>,
    generator: Arc<Generator>,
    /// The run's cases, in order.
    ids: Arc<Vec<CaseId>>,
    transport: Arc<Transport>,
    mock: Option<EmbeddedServer>,
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
    let x = (nanos as u64) ^ (u64::from(std::process::id()) << 32);
    // splitmix64 finaliser: spread the clock bits.
    crate::rng::mix(x) % 1_000_000_000
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
        #[cfg_attr(not(feature = "mock"), allow(unused_mut))]
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
            #[cfg(feature = "mock")]
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

/// Judges and records exchanges that conform did not generate (`conform proxy`): the run's own
/// judging (`work::judge_answer`: the plan's checks, its context, the body cap's `transport`
/// finding) and the run's report builder fed through the same events, so that deduplication,
/// the report and every writer of it are the run's.
pub struct Recorder {
    plan: RunPlan,
    builder: fold::ReportBuilder,
    started: std::time::Instant,
}

impl std::fmt::Debug for Recorder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Recorder").field("plan", &self.plan).finish_non_exhaustive()
    }
}

impl Recorder {
    /// A recorder for the exchanges of `plan`'s spec and target.
    pub fn new(plan: RunPlan) -> Recorder {
        let builder = fold::ReportBuilder::new(&plan.spec.operations);
        Recorder { plan, builder, started: std::time::Instant::now() }
    }

    /// The plan the exchanges are judged by.
    pub fn plan(&self) -> &RunPlan {
        &self.plan
    }

    /// Judges one exchange of `case` with the plan's checks, as a run judges its own: the
    /// failures, and the checks that judged it.
    pub fn judge(
        &self,
        case: &crate::model::case::Case,
        outcome: &transport::Outcome,
    ) -> (Vec<crate::model::CheckFailure>, CheckSet) {
        match self.plan.spec.operations.get(case.operation) {
            Some(op) => work::judge_answer(&self.plan, op, case, outcome, None, None),
            None => (Vec::new(), CheckSet::none()),
        }
    }

    /// Folds one event into the report (any task may call it; events of one exchange in order).
    pub fn record(&self, event: &crate::model::events::Event<'_>) {
        use crate::model::events::EventSink as _;
        self.builder.event(event);
    }

    /// The report of everything recorded so far (the findings are handed over: a second call
    /// reports only what came after the first).
    pub fn finish(&self) -> RunReport {
        fold::finish(&self.plan, &self.builder, None, self.started, Vec::new())
    }
}

/// The embedded mock's server, when conform is built with it.
#[cfg(feature = "mock")]
type EmbeddedServer = MockServer;

/// Without the `mock` feature there is no embedded server: a plan never holds one.
#[cfg(not(feature = "mock"))]
enum EmbeddedServer {}

#[cfg(not(feature = "mock"))]
impl EmbeddedServer {
    async fn shutdown(self) {
        match self {}
    }
}

/// Credentials for the embedded mock, of a scheme the spec declares and the mock verifies: a
/// Bearer token where the spec declares Bearer or OAuth2 (whose access tokens are Bearer
/// tokens), else HTTP Basic, else HTTP Digest. Specs with only other schemes (API keys, OpenID
/// Connect) get a Bearer token, the one thing the mock can check for them.
#[cfg(feature = "mock")]
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

/// Loads, plans and runs in one call: what `conform run` and the libtest harness do.
///
/// # Errors
/// [`RunError`] when the run cannot start.
pub async fn run(
    spec: Arc<Spec>,
    target: Target,
    config: RunConfig,
    sink: &dyn EventSink,
) -> Result<RunReport, RunError> {
    let plan = RunPlan::prepare(spec, target, config).await?;
    Ok(execute(plan, sink).await)
}

/// [`run`] with no event sink, on a task of its own: call it from the thread that `block_on`
/// parks (a test's `main`, the harness). The engine's own task receives every judged exchange
/// from the workers; on a runtime worker each hand-off costs a fraction of waking the
/// `block_on` thread: over the 2026 Atlas spec (75,491 requests), 27,299 futex calls instead of
/// 139,558, and a sixth less CPU (BENCHMARKS.md).
///
/// # Errors
/// The outer error when the run's task panicked or was cancelled (a conform bug); the inner
/// [`RunError`] when the run cannot start.
pub async fn spawn(
    spec: Arc<Spec>,
    target: Target,
    config: RunConfig,
) -> Result<Result<RunReport, RunError>, tokio::task::JoinError> {
    tokio::spawn(async move { run(spec, target, config, &crate::model::events::NoProgress).await }).await
}

#[cfg(test)]
mod tests;
