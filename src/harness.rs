//! conform as a `cargo test` harness (libtest-mimic): one trial per operation x check, named
//! `<operationId>::<check>`. A repository's `tests/contract.rs` with `harness = false` is just
//! `fn main() { conform::harness::main() }`: that is how a team runs `cargo test` against
//! staging.
//!
//! - `CONFORM_SPEC` (default `specs/atlas-maintenance-window.yaml`) and `CONFORM_TARGET`
//!   (default: the embedded mock) choose what to test; the usual auth variables
//!   (`MONGODB_ATLAS_PUBLIC_API_KEY`/`…PRIVATE…`, `MONGODB_ATLAS_CLIENT_ID`/`…SECRET`,
//!   `CONFORM_TOKEN`, `CONFORM_API_KEY`) authenticate; `CONFORM_SEED` (default 1), `CONFORM_CASES` (default 30),
//!   `CONFORM_PARAMS` (`groupId=5f…,other=…`) and `CONFORM_ALLOW_MUTATIONS=1` tune the run.
//! - `CONFORM_INCLUDE` / `CONFORM_EXCLUDE` (comma-separated, as `--include` / `--exclude`:
//!   `id:GLOB`, `path:GLOB`, `tag:NAME`, `method:NAME`) choose operations; trials of operations
//!   they leave out are not listed.
//! - `--list`, name filters, `--exact`, `--skip`, `--ignored`, `--nocapture` behave as usual.
//!   Checks that cannot apply in the chosen configuration are listed as ignored.
//! - The run happens once per process, covering only the operations and checks whose trials are
//!   selected, so cargo-nextest (one process per trial) runs one narrow run per trial.

use crate::check::{CheckName, CheckSet};
use crate::model::RunReport;
use crate::model::events::NoProgress;
use crate::runner::auth::AuthSettings;
use crate::runner::filter::{self, Filter};
use crate::runner::{self, RunConfig, Target};
use crate::spec::Spec;
use libtest_mimic::{Arguments, Conclusion, Failed, Trial};
use std::sync::{Arc, OnceLock};

fn env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

/// What the harness tests, read from the environment by [`Setup::from_env`].
pub struct Setup {
    pub spec: Arc<Spec>,
    /// `None`: the embedded mock.
    pub target: Option<url::Url>,
    pub params: Vec<(String, String)>,
    /// `CONFORM_INCLUDE` / `CONFORM_EXCLUDE`.
    pub include: Vec<Filter>,
    pub exclude: Vec<Filter>,
}

impl Setup {
    /// Reads `CONFORM_SPEC` (default: `specs/atlas-maintenance-window.yaml` in the crate under
    /// test), `CONFORM_TARGET` and `CONFORM_PARAMS`.
    ///
    /// # Errors
    /// A message naming the variable that is wrong.
    pub fn from_env() -> Result<Setup, String> {
        let default_spec = format!(
            "{}/specs/atlas-maintenance-window.yaml",
            std::env::var("CARGO_MANIFEST_DIR").unwrap_or_else(|_| ".".to_owned())
        );
        let mut setup = Setup::new(
            &env("CONFORM_SPEC").unwrap_or(default_spec),
            env("CONFORM_TARGET").as_deref(),
            env("CONFORM_PARAMS").as_deref(),
        )?;
        let filters =
            |name: &str| filter::parse_list(&env(name).unwrap_or_default()).map_err(|e| format!("{name}: {e}"));
        setup.include = filters("CONFORM_INCLUDE")?;
        setup.exclude = filters("CONFORM_EXCLUDE")?;
        Ok(setup)
    }

    /// A setup from explicit values (`params` as `name=value,name=value`).
    ///
    /// # Errors
    /// A message naming what is wrong.
    pub fn new(spec_path: &str, target: Option<&str>, params: Option<&str>) -> Result<Setup, String> {
        let spec = Spec::load(spec_path).map_err(|e| format!("CONFORM_SPEC: {e}"))?;
        let target = target
            .map(|t| url::Url::parse(t).map_err(|e| format!("CONFORM_TARGET {t} is not a URL: {e}")))
            .transpose()?;
        let params = params
            .map(|p| {
                p.split(',')
                    .filter(|kv| !kv.trim().is_empty())
                    .map(|kv| {
                        kv.split_once('=')
                            .map(|(k, v)| (k.trim().to_owned(), v.trim().to_owned()))
                            .ok_or_else(|| format!("CONFORM_PARAMS: `{kv}` is not NAME=VALUE"))
                    })
                    .collect::<Result<Vec<_>, _>>()
            })
            .transpose()?
            .unwrap_or_default();
        Ok(Setup { spec: Arc::new(spec), target, params, include: Vec::new(), exclude: Vec::new() })
    }
}

/// Whether a check can say anything in this configuration.
fn applies(check: CheckName, setup: &Setup) -> bool {
    match check {
        CheckName::PositiveDataAcceptance => setup.target.is_none() || !setup.params.is_empty(),
        CheckName::MaxResponseTime => env("CONFORM_MAX_RESPONSE_TIME").is_some(),
        _ => true,
    }
}

/// Whether a check can judge any exchange of this operation at all: no trial is listed for one
/// that cannot (it would show as passed without having run).
fn judges(check: CheckName, op: &crate::spec::Operation) -> bool {
    match check {
        CheckName::IgnoredAuth => op.requires_auth(),
        CheckName::EnvelopeConformance => op.params_in(crate::spec::ParamLocation::Query).any(|p| p.name == "envelope"),
        _ => true,
    }
}

fn run_once(setup: &Setup, operations: Vec<String>, checks: CheckSet) -> Result<RunReport, String> {
    let config = RunConfig {
        seed: Some(env("CONFORM_SEED").and_then(|s| s.parse().ok()).unwrap_or(1)),
        cases: env("CONFORM_CASES").and_then(|s| s.parse().ok()).unwrap_or(30),
        operations,
        include: setup.include.clone(),
        exclude: setup.exclude.clone(),
        checks,
        params: setup.params.clone(),
        allow_mutations: env("CONFORM_ALLOW_MUTATIONS").is_some_and(|v| v == "1" || v == "true"),
        max_response_time: env("CONFORM_MAX_RESPONSE_TIME")
            .and_then(|s| s.parse().ok())
            .map(std::time::Duration::from_millis),
        auth: AuthSettings {
            mode: None,
            username: env("MONGODB_ATLAS_PUBLIC_API_KEY"),
            password: env("MONGODB_ATLAS_PRIVATE_API_KEY"),
            client_id: env("MONGODB_ATLAS_CLIENT_ID"),
            client_secret: env("MONGODB_ATLAS_CLIENT_SECRET"),
            token_url: env("CONFORM_TOKEN_URL"),
            token: env("CONFORM_TOKEN"),
            api_key: env("CONFORM_API_KEY"),
        },
        ..RunConfig::default()
    };
    let target = match &setup.target {
        Some(url) => Target::Url(url.clone()),
        None => Target::Embedded { faults: Vec::new() },
    };
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().map_err(|e| e.to_string())?;
    runtime
        .block_on(runner::run(setup.spec.clone(), target, config, &NoProgress))
        .map_err(|e| format!("conform could not run: {e}"))
}

fn describe(report: &RunReport, operation: &str, check: CheckName) -> Option<String> {
    let views = crate::report::view::findings(report);
    let failed: Vec<String> = views
        .iter()
        .filter(|v| v.operation == operation && v.check == check.as_str())
        .map(|v| {
            format!("{} ({} requests)\n  expected: {}\n  reproduce: {}", v.message, v.count, v.expected, v.reproduce)
        })
        .collect();
    (!failed.is_empty()).then(|| failed.join("\n"))
}

/// The whole harness: reads the environment and the libtest arguments, runs, exits.
pub fn main() -> ! {
    let args = Arguments::from_args();
    let setup = match Setup::from_env() {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: {e}");
            std::process::exit(crate::exit::ERROR);
        }
    };
    run(setup, &args).exit()
}

/// Builds the trials for `args` and runs them.
pub fn run(setup: Setup, args: &Arguments) -> Conclusion {
    libtest_mimic::run(args, trials(setup, args))
}

/// One trial per operation x check. The conform run behind them happens once, on the first
/// trial that executes, and covers only the operations and checks selected by `args`.
pub fn trials(setup: Setup, args: &Arguments) -> Vec<Trial> {
    let setup = Arc::new(setup);
    let names: Vec<(String, CheckName)> = setup
        .spec
        .operations
        .iter()
        .filter(|op| filter::excluded_by(op, &setup.include, &setup.exclude).is_none())
        .flat_map(|op| CheckName::ALL.into_iter().filter(|c| judges(*c, op)).map(move |c| (op.id.clone(), c)))
        .collect();
    // Which trials will run: the same filter libtest-mimic applies, so the run covers them only.
    let selected: Vec<&(String, CheckName)> = names
        .iter()
        .filter(|(op, c)| {
            let name = format!("{op}::{c}");
            let matches = |f: &str| if args.exact { name == f } else { name.contains(f) };
            let ignored = !applies(*c, &setup);
            args.filter.as_deref().is_none_or(matches)
                && !args.skip.iter().any(|s| matches(s))
                && (!ignored || args.ignored || args.include_ignored)
                && (!args.ignored || ignored)
        })
        .collect();
    let mut operations: Vec<String> = selected.iter().map(|(op, _)| op.clone()).collect();
    operations.dedup();
    let checks = selected.iter().fold(CheckSet::none(), |s, (_, c)| s.with(*c));
    let report: Arc<OnceLock<Result<RunReport, String>>> = Arc::new(OnceLock::new());

    names
        .iter()
        .map(|(op, check)| {
            let (op, check) = (op.clone(), *check);
            let (setup, report, operations) = (setup.clone(), report.clone(), operations.clone());
            let ignored = !applies(check, &setup);
            Trial::test(format!("{op}::{check}"), move || {
                let result = report.get_or_init(|| run_once(&setup, operations, checks));
                match result {
                    Err(e) => Err(Failed::from(e.clone())),
                    Ok(r) if !r.errors.is_empty() => Err(Failed::from(r.errors.join("; "))),
                    Ok(r) => match describe(r, &op, check) {
                        Some(details) => Err(Failed::from(details)),
                        None => Ok(()),
                    },
                }
            })
            .with_ignored_flag(ignored)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// Trials are listed only for checks that can judge the operation: no `ignored_auth`
    /// without security, no `envelope_conformance` without an `envelope` parameter.
    #[test]
    fn only_checks_that_can_judge_an_operation_get_a_trial() {
        let op = |security: serde_json::Value, params: serde_json::Value| {
            let doc = json!({
                "openapi": "3.0.3", "info": {"title": "t", "version": "1"},
                "components": {"securitySchemes": {"b": {"type": "http", "scheme": "bearer"}}},
                "paths": {"/a": {"get": {"security": security, "parameters": params,
                    "responses": {"200": {"description": "ok"}}}}}
            });
            crate::spec::Spec::from_value("t.yaml", doc).unwrap().operations.remove(0)
        };
        let envelope = json!([{"name": "envelope", "in": "query", "schema": {"type": "boolean"}}]);
        let open = op(json!([]), json!([]));
        let guarded = op(json!([{"b": []}]), envelope);
        assert!(!judges(CheckName::IgnoredAuth, &open) && judges(CheckName::IgnoredAuth, &guarded));
        assert!(!judges(CheckName::EnvelopeConformance, &open));
        assert!(judges(CheckName::EnvelopeConformance, &guarded));
        assert!(judges(CheckName::StatusCodeConformance, &open));
    }
}
