//! The `conform` binary: parse arguments, call the library, map the outcome to an exit code
//! (see `conform::exit`). Nothing here decides what passes or fails.

use anyhow::{Context, anyhow, bail};
use clap::{Args, Parser, Subcommand, ValueEnum};
use conform::check::{CheckName, CheckSet};
use conform::engine::{self, RunConfig, RunError, Target};
use conform::generate::Partition;
use conform::settings::{self, CredentialSources, env};
use conform::spec::Spec;
use conform::transport::auth::{AuthError, AuthMode, Credential};
use conform::{exit, report};
use std::io::Write as _;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

/// mimalloc rather than the system allocator: parsing, validating and serving allocate many small
/// short-lived values (BENCHMARKS.md has the figures).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser)]
#[command(name = "conform", version, about = "OpenAPI 3.0 contract-validation harness", max_term_width = 100)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Clone, Copy, ValueEnum)]
enum Format {
    Text,
    Json,
}

#[derive(Clone, Copy, ValueEnum)]
enum DiffFormat {
    Text,
    Json,
    Markdown,
    Changelog,
}

#[derive(Clone, Copy, ValueEnum)]
enum DiffPreset {
    Strict,
    Oasdiff,
    Sdk,
}

#[derive(Clone, Copy, ValueEnum)]
enum FailOn {
    Breaking,
    Any,
}

#[derive(Clone, Copy, ValueEnum)]
enum Auth {
    None,
    Digest,
    Bearer,
    Oauth,
    Basic,
    Apikey,
}

impl From<Auth> for AuthMode {
    fn from(a: Auth) -> AuthMode {
        match a {
            Auth::None => AuthMode::None,
            Auth::Digest => AuthMode::Digest,
            Auth::Bearer => AuthMode::Bearer,
            Auth::Oauth => AuthMode::OAuth,
            Auth::Basic => AuthMode::Basic,
            Auth::Apikey => AuthMode::ApiKey,
        }
    }
}

#[derive(Subcommand)]
enum Command {
    /// List every operation with its parameters, request media types and responses.
    List {
        /// Swagger 2.0 or OpenAPI 3.x document: a file path or an http(s) URL.
        #[arg(long)]
        spec: String,
        #[arg(long, value_enum, default_value = "text")]
        format: Format,
    },
    /// Report problems in a spec (errors and warnings, with JSON pointers); exit 1 on errors.
    Lint {
        /// Swagger 2.0 or OpenAPI 3.x document: a file path or an http(s) URL.
        #[arg(long)]
        spec: String,
        #[arg(long, value_enum, default_value = "text")]
        format: Format,
    },
    /// Generate requests, fire them at a target (default: the embedded mock) and check every answer.
    Run(Box<RunArgs>),
    /// Serve a spec as a reference mock server, optionally with seeded faults.
    Mock(MockArgs),
    /// Classify the changes between two versions of a spec; exit 1 when one is breaking.
    Diff(DiffArgs),
    /// Forward a client's traffic to a target and check both sides of every exchange against the spec.
    Proxy(ProxyArgs),
}

#[derive(Clone, Copy, ValueEnum)]
enum Side {
    Client,
    Server,
    Any,
}

#[derive(Args)]
struct ProxyArgs {
    /// Swagger 2.0 or OpenAPI 3.x document: a file path or an http(s) URL.
    #[arg(long)]
    spec: String,
    /// Base URL of the server to forward to (http:// only), or `mock` for the embedded mock.
    #[arg(long)]
    target: String,
    /// Address to listen on (port 0: any free port).
    #[arg(long, default_value = "127.0.0.1:0")]
    listen: std::net::SocketAddr,
    /// Stop after this many seconds (default: on Ctrl-C).
    #[arg(long, value_name = "SECS", allow_negative_numbers = true, value_parser = positive_f64)]
    duration: Option<f64>,
    /// Whose breaks fail the run: the client's requests, the server's answers, or either.
    #[arg(long, value_enum, default_value = "any")]
    fail_on: Side,
    /// With --target mock: seed this fault into the embedded mock (repeatable).
    #[arg(long = "mock-fault", value_name = "NAME", value_parser = fault)]
    mock_faults: Vec<conform::mock::Fault>,
    /// Seconds to connect to the target and to get an answer's head.
    #[arg(long, allow_negative_numbers = true, default_value_t = engine::DEFAULT_TIMEOUT.as_secs_f64(), value_parser = positive_f64)]
    timeout: f64,
    /// Bytes of a request or an answer kept for judging; longer ones are forwarded whole.
    #[arg(long, value_name = "BYTES", default_value_t = engine::DEFAULT_MAX_BODY, value_parser = byte_count)]
    max_body: usize,
    /// Fail on warning-level findings too.
    #[arg(long)]
    strict: bool,
    #[command(flatten)]
    reports: ReportArgs,
}

/// The report flags `run` and `proxy` share.
#[derive(Args)]
struct ReportArgs {
    /// Write the JSON report to this file.
    #[arg(long, value_name = "FILE.json")]
    report: Option<PathBuf>,
    /// Write a JUnit XML report to this file.
    #[arg(long, value_name = "FILE.xml")]
    junit: Option<PathBuf>,
    /// Show the full contract coverage table (every operation, every status, parameter and property).
    #[arg(long)]
    coverage: bool,
    /// Write the contract coverage as one self-contained HTML page to this file.
    #[arg(long, value_name = "FILE.html")]
    coverage_html: Option<PathBuf>,
    /// Write each finding as an insta snapshot here; committed snapshots are the baseline.
    #[arg(long, value_name = "DIR", default_value = "snapshots")]
    snapshot_dir: PathBuf,
    /// Write no snapshots (every finding then counts as new).
    #[arg(long)]
    no_snapshots: bool,
    /// Output on stdout: the terminal report or the JSON report.
    #[arg(long, value_enum, default_value = "text")]
    format: Format,
}

#[derive(Args)]
struct RunArgs {
    /// Swagger 2.0 or OpenAPI 3.x document: a file path or an http(s) URL.
    #[arg(long)]
    spec: String,
    /// Base URL of the server to test. Without it, the embedded reference mock is started.
    #[arg(long)]
    target: Option<String>,
    /// Seed for reproducible requests (printed when chosen at random).
    #[arg(long, allow_negative_numbers = true)]
    seed: Option<u64>,
    /// Random cases per operation, after the deterministic boundary cases.
    #[arg(long, allow_negative_numbers = true, default_value_t = engine::DEFAULT_CASES)]
    cases: usize,
    /// Requests in flight at once.
    #[arg(long, allow_negative_numbers = true, default_value_t = engine::default_concurrency(), value_parser = concurrency)]
    concurrency: usize,
    /// Requests per second, at most.
    #[arg(long, allow_negative_numbers = true, value_parser = positive_f64)]
    rate_limit: Option<f64>,
    /// Seconds before a request is abandoned.
    #[arg(long, allow_negative_numbers = true, default_value_t = engine::DEFAULT_TIMEOUT.as_secs_f64(), value_parser = positive_f64)]
    timeout: f64,
    /// Test only this operation (repeatable).
    #[arg(long = "operation", value_name = "ID")]
    operations: Vec<String>,
    /// Test only operations matching one of these (repeatable): id:GLOB, path:GLOB, tag:NAME,
    /// method:NAME; a bare value is a path glob if it starts with /, a method if it is one,
    /// else an operationId glob or a tag.
    #[arg(long = "include", value_name = "FILTER")]
    include: Vec<engine::filter::Filter>,
    /// Leave out operations matching any of these (repeatable; same forms as --include).
    #[arg(long = "exclude", value_name = "FILTER")]
    exclude: Vec<engine::filter::Filter>,
    /// Run only these checks (comma-separated).
    #[arg(long, value_delimiter = ',', value_name = "NAME,...")]
    checks: Vec<CheckName>,
    /// Do not run these checks (comma-separated).
    #[arg(long, value_delimiter = ',', value_name = "NAME,...")]
    exclude_checks: Vec<CheckName>,
    /// Pin a parameter to a real value in valid requests (repeatable): --param groupId=5f...
    #[arg(long = "param", value_name = "NAME=VALUE", value_parser = name_value)]
    params: Vec<(String, String)>,
    /// Extra header for every request (repeatable): -H 'X-Trace: 1'.
    #[arg(short = 'H', long = "header", value_name = "'Name: value'", value_parser = header)]
    headers: Vec<(String, String)>,
    /// Credentials to send; default: from the credentials given.
    #[arg(long, value_enum)]
    auth: Option<Auth>,
    /// Atlas API public key (HTTP Digest username).
    #[arg(long, env = env::PUBLIC_KEY, hide_env_values = true)]
    public_key: Option<String>,
    /// Atlas API private key (HTTP Digest password).
    #[arg(long, env = env::PRIVATE_KEY, hide_env_values = true)]
    private_key: Option<String>,
    /// Service account client id (OAuth2 client credentials).
    #[arg(long, env = env::CLIENT_ID, hide_env_values = true)]
    client_id: Option<String>,
    /// Service account client secret (OAuth2 client credentials).
    #[arg(long, env = env::CLIENT_SECRET, hide_env_values = true)]
    client_secret: Option<String>,
    /// OAuth2 token endpoint (default: the spec's client-credentials flow).
    #[arg(long)]
    token_url: Option<String>,
    /// Bearer token.
    #[arg(long, env = env::TOKEN, hide_env_values = true)]
    token: Option<String>,
    /// API key for the spec's apiKey scheme (sent in the header, query parameter or cookie it names).
    #[arg(long, env = env::API_KEY, hide_env_values = true)]
    api_key: Option<String>,
    /// HTTP Basic username.
    #[arg(long, env = env::USERNAME, hide_env_values = true)]
    username: Option<String>,
    /// HTTP Basic password.
    #[arg(long, env = env::PASSWORD, hide_env_values = true)]
    password: Option<String>,
    /// A second tenant's Bearer token: object_ownership probes read, change and delete the
    /// first tenant's objects with it.
    #[arg(long, env = env::OTHER_TOKEN, hide_env_values = true)]
    other_token: Option<String>,
    /// A second tenant's API key (for the spec's apiKey scheme).
    #[arg(long, env = env::OTHER_API_KEY, hide_env_values = true)]
    other_api_key: Option<String>,
    /// A second tenant's username (Basic, or Digest: an Atlas public key).
    #[arg(long, env = env::OTHER_USERNAME, hide_env_values = true)]
    other_username: Option<String>,
    /// A second tenant's password (Basic, or Digest: an Atlas private key).
    #[arg(long, env = env::OTHER_PASSWORD, hide_env_values = true)]
    other_password: Option<String>,
    /// A second tenant's OAuth2 client id.
    #[arg(long, env = env::OTHER_CLIENT_ID, hide_env_values = true)]
    other_client_id: Option<String>,
    /// A second tenant's OAuth2 client secret.
    #[arg(long, env = env::OTHER_CLIENT_SECRET, hide_env_values = true)]
    other_client_secret: Option<String>,
    /// Send PATCH/POST/PUT/DELETE to a target that is not loopback.
    #[arg(long)]
    allow_mutations: bool,
    /// Run the K-th of N disjoint shares of the cases (CI sharding).
    #[arg(long, value_name = "K/N")]
    partition: Option<Partition>,
    /// Fail answers slower than this many milliseconds.
    #[arg(long, allow_negative_numbers = true, value_name = "MS")]
    max_response_time: Option<u64>,
    /// Bytes of an answer's body read at most; the rest is cut, and the finding says so.
    #[arg(long, value_name = "BYTES", default_value_t = engine::DEFAULT_MAX_BODY, value_parser = byte_count)]
    max_body: usize,
    /// Path prefix of every request, overriding the spec's server path ("/" for the root).
    #[arg(long, value_name = "PATH")]
    base_path: Option<String>,
    /// Let generated path values hold `/` (sent as %2F); off by default, since servers that
    /// decode before routing send such requests to another route.
    #[arg(long)]
    path_slashes: bool,
    /// Fail the run on warning-level findings too (type_coercion_accepted, undocumented_constraint).
    #[arg(long)]
    strict: bool,
    /// Length of the very long string sent where a string declares no maxLength.
    #[arg(long, value_name = "CHARS", default_value_t = conform::generate::DEFAULT_MAX_STRING)]
    max_string: usize,
    /// Date for versioned media types in Accept (application/vnd.atlas.DATE+json).
    #[arg(long, value_name = "YYYY-MM-DD")]
    api_version: Option<String>,
    /// Trust the CA certificates in this PEM file too, for HTTPS targets (repeatable).
    #[arg(long = "ca-cert", value_name = "FILE")]
    ca_certs: Vec<PathBuf>,
    /// Do not verify TLS certificates at all (the report says so).
    #[arg(long)]
    insecure: bool,
    /// With no --target: seed this fault into the embedded mock (repeatable; see conform mock --list-faults).
    #[arg(long = "mock-fault", value_name = "NAME", value_parser = fault)]
    mock_faults: Vec<conform::mock::Fault>,
    #[command(flatten)]
    reports: ReportArgs,
}

#[derive(Args)]
struct MockArgs {
    /// Swagger 2.0 or OpenAPI 3.x document: a file path or an http(s) URL.
    #[arg(long, required_unless_present = "list_faults")]
    spec: Option<String>,
    /// Address to listen on (port 0: any free port).
    #[arg(long, default_value = "127.0.0.1:0")]
    listen: std::net::SocketAddr,
    /// Break the contract in this way (repeatable).
    #[arg(long = "fault", value_name = "NAME", value_parser = fault)]
    faults: Vec<conform::mock::Fault>,
    /// Require this Bearer token.
    #[arg(long, env = "CONFORM_MOCK_TOKEN", hide_env_values = true)]
    token: Option<String>,
    /// Require HTTP Digest with this username (with --digest-password).
    #[arg(long, requires = "digest_password")]
    digest_user: Option<String>,
    /// Password for --digest-user.
    #[arg(long, env = "CONFORM_MOCK_DIGEST_PASSWORD", hide_env_values = true)]
    digest_password: Option<String>,
    /// Seed for generated answers and ids.
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// Print the faults, one per line, and exit.
    #[arg(long)]
    list_faults: bool,
}

fn positive_f64(s: &str) -> Result<f64, String> {
    settings::parse_positive(s).map_err(|e| e.to_string())
}

fn byte_count(s: &str) -> Result<usize, String> {
    match s.parse::<usize>() {
        Ok(n) if n > 0 => Ok(n),
        _ => Err(format!("`{s}` is not a byte count (a whole number from 1)")),
    }
}

fn concurrency(s: &str) -> Result<usize, String> {
    match s.parse::<usize>() {
        Ok(n) if (1..=1024).contains(&n) => Ok(n),
        _ => Err(format!("`{s}` is not a number from 1 to 1024")),
    }
}

fn name_value(s: &str) -> Result<(String, String), String> {
    settings::parse_param(s).map_err(|e| e.to_string())
}

fn header(s: &str) -> Result<(String, String), String> {
    settings::parse_header(s).map_err(|e| e.to_string())
}

fn fault(s: &str) -> Result<conform::mock::Fault, String> {
    s.parse().map_err(|e| format!("{e} (conform mock --list-faults lists them)"))
}

fn main() {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) if !e.use_stderr() => {
            // --help, --version.
            let _ = e.print();
            std::process::exit(exit::OK);
        }
        Err(e) if e.kind() == clap::error::ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => {
            // `conform` alone: the help is the message.
            let _ = e.print();
            std::process::exit(exit::ERROR);
        }
        Err(e) => {
            eprintln!("{}", one_line(&e));
            std::process::exit(exit::ERROR);
        }
    };
    let code = match run(cli) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("{}", printable(&format!("error: {e:#}")));
            exit::ERROR
        }
    };
    let _ = std::io::stdout().flush();
    // Exit without tearing down large structures (a big spec's validators take a while to drop).
    std::process::exit(code);
}

/// A usage error on one line, as every other error: clap's message and its context (the
/// missing flags, a tip), without the usage block and the `--help` hint.
fn one_line(e: &clap::Error) -> String {
    let text = e.render().to_string();
    let mut parts: Vec<String> = Vec::new();
    for line in text.lines().map(str::trim) {
        if line.starts_with("Usage:") || line.starts_with("For more information") {
            break;
        }
        if line.is_empty() {
            continue;
        }
        match line.strip_prefix("tip: ") {
            Some(tip) => parts.push(format!("({tip})")),
            None => parts.push(line.to_owned()),
        }
    }
    printable(&parts.join(" "))
}

/// An error line as printed: control characters from arguments or servers are shown escaped,
/// so that the line stays one line and cannot drive the terminal.
fn printable(line: &str) -> String {
    line.chars().flat_map(|c| if c.is_control() { c.escape_default().collect() } else { vec![c] }).collect()
}

fn run(cli: Cli) -> anyhow::Result<i32> {
    match cli.command {
        Command::List { spec, format } => {
            let spec = load(&spec)?;
            match format {
                Format::Text => print!("{}", report::listing::list_text(&spec)),
                Format::Json => println!("{}", report::listing::list_json(&spec)),
            }
            Ok(exit::OK)
        }
        Command::Lint { spec, format } => {
            let spec = load(&spec)?;
            match format {
                Format::Text => print!("{}", report::listing::lint_text(&spec)),
                Format::Json => println!("{}", report::listing::lint_json(&spec)),
            }
            Ok(if spec.has_errors() { exit::FINDINGS } else { exit::OK })
        }
        Command::Run(args) => run_command(*args),
        Command::Mock(args) => mock_command(args),
        Command::Diff(args) => diff_command(args),
        Command::Proxy(args) => proxy_command(args),
    }
}

fn load(source: &str) -> anyhow::Result<Spec> {
    Spec::load(source).map_err(|e| anyhow!("failed to load the spec: {e}"))
}

fn tokio_runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread().enable_all().build().context("failed to start the async runtime")
}

fn run_command(args: RunArgs) -> anyhow::Result<i32> {
    let target = match &args.target {
        Some(t) => {
            if !args.mock_faults.is_empty() {
                bail!("--mock-fault applies to the embedded mock; it cannot be used with --target");
            }
            let url = url::Url::parse(t).map_err(|e| anyhow!("--target {t} is not a URL: {e}"))?;
            Target::Url(url)
        }
        None => Target::Embedded { faults: args.mock_faults.clone() },
    };
    let spec = Arc::new(load(&args.spec)?);
    let mut credentials = CredentialSources::default();
    credentials.mode = args.auth.map(AuthMode::from);
    credentials.public_key = args.public_key.clone();
    credentials.private_key = args.private_key.clone();
    credentials.username = args.username.clone();
    credentials.password = args.password.clone();
    credentials.client_id = args.client_id.clone();
    credentials.client_secret = args.client_secret.clone();
    credentials.token_url = args.token_url.clone();
    credentials.token = args.token.clone();
    credentials.api_key = args.api_key.clone();
    credentials.other.token = args.other_token.clone();
    credentials.other.api_key = args.other_api_key.clone();
    credentials.other.username = args.other_username.clone();
    credentials.other.password = args.other_password.clone();
    credentials.other.client_id = args.other_client_id.clone();
    credentials.other.client_secret = args.other_client_secret.clone();
    let config = RunConfig {
        seed: args.seed,
        cases: args.cases,
        concurrency: args.concurrency,
        rate_limit: args.rate_limit,
        timeout: Duration::from_secs_f64(args.timeout),
        operations: args.operations.clone(),
        include: args.include.clone(),
        exclude: args.exclude.clone(),
        checks: CheckSet::select(&args.checks, &args.exclude_checks),
        params: args.params.clone(),
        headers: args.headers.clone(),
        auth: credentials.into_settings(),
        allow_mutations: args.allow_mutations,
        partition: args.partition,
        max_response_time: args.max_response_time.map(Duration::from_millis),
        api_version: args.api_version.clone(),
        max_body: args.max_body,
        tls: if args.insecure {
            conform::tls::TlsSettings::insecure()
        } else {
            conform::tls::TlsSettings::with_ca_certs(args.ca_certs.clone())
        },
        base_path: args.base_path.clone(),
        path_slashes: args.path_slashes,
        strict: args.strict,
        max_string: args.max_string,
    };
    let runtime = tokio_runtime()?;
    let report = runtime.block_on(async {
        let plan = engine::RunPlan::prepare(spec, target, config).await.map_err(flag_context)?;
        if args.seed.is_none() {
            eprintln!("seed: {} (pass --seed {} to repeat this run)", plan.seed(), plan.seed());
        }
        // On a worker thread rather than this one: the engine's own task receives every judged
        // exchange from the workers, and waking a worker costs far less than waking the thread
        // that `block_on` parks (BENCHMARKS.md).
        let run = tokio::spawn(async move {
            let progress = report::terminal::ProgressBar::stderr();
            engine::execute(plan, &progress).await
        });
        run.await.context("the run's task ended abnormally")
    })?;

    let checks: Vec<CheckName> = CheckSet::select(&args.checks, &args.exclude_checks).iter().collect();
    let failed = report.failed();
    write_reports(&report, &args.reports, &checks, report.run_error(), failed)
}

/// Prints and writes the report (terminal or JSON on stdout, `--report`, `--junit` with
/// `checks`, `--coverage-html`, the snapshots) and picks the exit code: 2 on `run_error`, 0
/// when not `failed`, else 1 unless every finding matches a committed snapshot.
fn write_reports(
    report: &conform::model::RunReport,
    out: &ReportArgs,
    checks: &[CheckName],
    run_error: Option<String>,
    failed: bool,
) -> anyhow::Result<i32> {
    match out.format {
        Format::Text => {
            let coverage = if out.coverage {
                report::terminal::CoverageDetail::Full
            } else {
                report::terminal::CoverageDetail::Compact
            };
            let options = report::terminal::Options { coverage };
            print!("{}", report::terminal::render_with(report, report::terminal::Style::detect(), options))
        }
        Format::Json => println!("{}", report::json::render(report)),
    }
    if let Some(path) = &out.report {
        std::fs::write(path, report::json::render(report))
            .with_context(|| format!("failed to write --report {}", path.display()))?;
    }
    if let Some(path) = &out.coverage_html {
        std::fs::write(path, report::html::render(report))
            .with_context(|| format!("failed to write --coverage-html {}", path.display()))?;
    }
    if let Some(path) = &out.junit {
        std::fs::write(path, report::junit::render(report, checks))
            .with_context(|| format!("failed to write --junit {}", path.display()))?;
    }
    if let Some(why) = run_error {
        eprintln!("{}", printable(&format!("error: {why}")));
        return Ok(exit::ERROR);
    }
    if !failed {
        return Ok(exit::OK);
    }
    if out.no_snapshots {
        return Ok(exit::FINDINGS);
    }
    let outcome = report::snapshot::write(report, &out.snapshot_dir)?;
    if outcome.has_unaccepted() {
        eprintln!(
            "{} new and {} changed findings written as {}/*.snap.new (accept them with `cargo insta review`)",
            outcome.new.len(),
            outcome.changed.len(),
            out.snapshot_dir.display()
        );
        Ok(exit::FINDINGS)
    } else {
        eprintln!("every finding matches a committed snapshot in {}: accepted baseline", out.snapshot_dir.display());
        Ok(exit::OK)
    }
}

fn proxy_command(args: ProxyArgs) -> anyhow::Result<i32> {
    use conform::proxy::{FailOn, Proxy, ProxyConfig};
    let embedded = args.target == "mock";
    if !embedded && !args.mock_faults.is_empty() {
        bail!("--mock-fault applies to --target mock");
    }
    let target_url = if embedded {
        None
    } else {
        Some(url::Url::parse(&args.target).map_err(|e| anyhow!("--target {} is not a URL: {e}", args.target))?)
    };
    let spec = Arc::new(load(&args.spec)?);
    let runtime = tokio_runtime()?;
    let fail_on = match args.fail_on {
        Side::Client => FailOn::Client,
        Side::Server => FailOn::Server,
        Side::Any => FailOn::Any,
    };
    let mut report = runtime.block_on(async {
        let mock = match &target_url {
            Some(_) => None,
            None => {
                let config = conform::mock::MockConfig { faults: args.mock_faults.clone(), ..Default::default() };
                let listen = std::net::SocketAddr::from(([127, 0, 0, 1], 0));
                Some(conform::mock::MockServer::start(spec.clone(), listen, config).await?)
            }
        };
        let target = match (&target_url, &mock) {
            (Some(url), _) => url.clone(),
            (None, Some(server)) => url::Url::parse(&server.url())?,
            (None, None) => bail!("no target"),
        };
        let config = ProxyConfig {
            listen: args.listen,
            max_body: args.max_body,
            timeout: Duration::from_secs_f64(args.timeout),
        };
        let proxy = Proxy::start(spec, target, config).await?;
        println!("listening on {}", proxy.url());
        let _ = std::io::stdout().flush();
        match args.duration {
            Some(secs) => {
                tokio::select! {
                    _ = tokio::time::sleep(Duration::from_secs_f64(secs)) => {}
                    _ = tokio::signal::ctrl_c() => {}
                }
            }
            None => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
        let report = proxy.finish().await;
        if let Some(server) = mock {
            server.shutdown().await;
        }
        anyhow::Ok(report)
    })?;
    report.strict = args.strict;
    let failed = conform::proxy::fails(&report, fail_on);
    let run_error = report.errors.first().cloned();
    write_reports(&report, &args.reports, &conform::proxy::checks(), run_error, failed)
}

/// A library error with the flag it concerns in front, where one does: the library speaks of
/// settings, the command line of its flags.
fn flag_context(e: RunError) -> anyhow::Error {
    let context = match &e {
        RunError::UnknownOperation(id) => format!("--operation {id}"),
        RunError::ApiVersion(date) => format!("--api-version {date}"),
        RunError::Generate(conform::generate::GenerateError::BadPin { name, value, .. }) => {
            format!("--param {name}={value}")
        }
        RunError::Generate(conform::generate::GenerateError::UnknownPin { name }) => format!("--param {name}"),
        RunError::Auth(AuthError::MissingCredentials { mode, what }) => {
            format!("--auth {mode} needs {}", credential_flags(mode, *what))
        }
        RunError::Auth(AuthError::NoTokenUrl) => "--auth oauth needs --token-url".to_owned(),
        RunError::Auth(AuthError::NoApiKeyScheme) => "--auth apikey".to_owned(),
        RunError::Auth(AuthError::OtherTenant { .. } | AuthError::OtherWithoutFirst) => {
            "--other-token/--other-api-key/--other-username/--other-password/--other-client-id/--other-client-secret"
                .to_owned()
        }
        _ => return e.into(),
    };
    anyhow::Error::new(e).context(context)
}

/// Where the command line takes a credential from.
fn credential_flags(mode: &str, what: Credential) -> &'static str {
    match (mode, what) {
        ("digest", Credential::Username) => "MONGODB_ATLAS_PUBLIC_API_KEY (or --public-key)",
        ("digest", Credential::Password) => "MONGODB_ATLAS_PRIVATE_API_KEY (or --private-key)",
        (_, Credential::Username) => "a username (--username or CONFORM_USERNAME)",
        (_, Credential::Password) => "a password (--password or CONFORM_PASSWORD)",
        (_, Credential::ClientId) => "MONGODB_ATLAS_CLIENT_ID (or --client-id)",
        (_, Credential::ClientSecret) => "MONGODB_ATLAS_CLIENT_SECRET (or --client-secret)",
        (_, Credential::Token) => "CONFORM_TOKEN (or --token)",
        (_, Credential::ApiKey) => "CONFORM_API_KEY (or --api-key)",
        _ => "a credential (see --help)",
    }
}

fn mock_command(args: MockArgs) -> anyhow::Result<i32> {
    if args.list_faults {
        print!("{}", conform::mock::list_faults());
        return Ok(exit::OK);
    }
    let source = args.spec.as_deref().ok_or_else(|| anyhow!("--spec is required"))?;
    let spec = Arc::new(load(source)?);
    let config = conform::mock::MockConfig {
        faults: args.faults.clone(),
        token: args.token.clone(),
        digest: args.digest_user.clone().zip(args.digest_password.clone()),
        basic: None,
        seed: args.seed,
        semantics: None,
    };
    let runtime = tokio_runtime()?;
    runtime.block_on(async {
        let server = conform::mock::MockServer::start(spec, args.listen, config).await?;
        println!("listening on {}", server.url());
        let _ = std::io::stdout().flush();
        let _ = tokio::signal::ctrl_c().await;
        server.shutdown().await;
        anyhow::Ok(exit::OK)
    })
}

#[derive(Args)]
struct DiffArgs {
    /// The old version (file or URL); with --base, the spec in the work tree whose old version
    /// is read from git.
    old: String,
    /// The new version (file or URL); not with --base.
    new: Option<String>,
    #[arg(long, value_enum, default_value = "text")]
    format: DiffFormat,
    /// Fail on breaking changes only, or on any change.
    #[arg(long, value_enum, default_value = "breaking")]
    fail_on: FailOn,
    /// Read the old version from this git revision (`git show REF:SPEC`, `$ref`s as of REF).
    #[arg(long, value_name = "GIT_REF")]
    base: Option<String>,
    /// Rules file: levels per change kind and accepted breaks (default: ./conform-diff.toml
    /// when it exists).
    #[arg(long, value_name = "FILE")]
    rules: Option<PathBuf>,
    /// Default levels: conform's own (strict), oasdiff's, or for generated SDKs.
    #[arg(long, value_enum)]
    preset: Option<DiffPreset>,
    /// Most changes listed in the Markdown comment; the rest are counted.
    #[arg(long, value_name = "N", default_value_t = 50)]
    max_items: usize,
}

fn diff_command(args: DiffArgs) -> anyhow::Result<i32> {
    use conform::diff::{Policy, Preset};
    let (old, new) = match (&args.base, &args.new) {
        (Some(reference), None) => {
            let old = conform::diff::git::load_at(reference, &args.old)
                .map_err(|e| anyhow!("failed to read {} at {reference}: {e}", args.old))?;
            (old, load(&args.old)?)
        }
        (Some(_), Some(_)) => bail!("--base takes one spec (the new version); the old one comes from git"),
        (None, Some(new)) => (load(&args.old)?, load(new)?),
        (None, None) => bail!("give two specs (OLD NEW), or one with --base GIT_REF"),
    };
    let default_rules = PathBuf::from(conform::diff::DEFAULT_RULES_FILE);
    let mut policy = match &args.rules {
        Some(path) => Policy::load(path)?,
        None if default_rules.is_file() => Policy::load(&default_rules)?,
        None => Policy::default(),
    };
    if let Some(preset) = args.preset {
        policy.preset = match preset {
            DiffPreset::Strict => Preset::Strict,
            DiffPreset::Oasdiff => Preset::Oasdiff,
            DiffPreset::Sdk => Preset::Sdk,
        };
    }
    let mut diff = conform::diff::diff(&old, &new);
    policy.apply(&mut diff);
    let format = match args.format {
        DiffFormat::Text => conform::diff::Format::Text,
        DiffFormat::Json => conform::diff::Format::Json,
        DiffFormat::Markdown => conform::diff::Format::Markdown,
        DiffFormat::Changelog => conform::diff::Format::Changelog,
    };
    let rendered = diff.render(format, conform::diff::RenderOptions { max_items: args.max_items });
    print!("{rendered}");
    if !rendered.ends_with('\n') {
        println!();
    }
    let fail_on = match args.fail_on {
        FailOn::Breaking => conform::diff::FailOn::Breaking,
        FailOn::Any => conform::diff::FailOn::Any,
    };
    Ok(conform::diff::exit_code(&diff, fail_on))
}
