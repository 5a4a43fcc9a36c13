//! conform as a `cargo test` harness (libtest-mimic): one trial per operation x check, named
//! `<operationId>::<check>`. A repository's `tests/contract.rs` with `harness = false` is a
//! [`Contract`] ending in [`Contract::harness`], or, configured only by environment variables,
//! `fn main() { conform::harness::main() }` (which is `Contract::from_env()`): that is how a
//! team runs `cargo test` against staging.
//!
//! - [`Contract::from_env`] lists the variables: `CONFORM_SPEC`, `CONFORM_TARGET` (default: the
//!   embedded mock), the usual credentials, `CONFORM_SEED` (default 1), `CONFORM_CASES`
//!   (default 30), `CONFORM_PARAMS`, `CONFORM_HEADERS`, `CONFORM_BASE_PATH`, `CONFORM_TIMEOUT`,
//!   `CONFORM_ALLOW_MUTATIONS=1`, `CONFORM_INCLUDE` / `CONFORM_EXCLUDE`, `CONFORM_CHECKS` /
//!   `CONFORM_EXCLUDE_CHECKS`, `CONFORM_MAX_RESPONSE_TIME`. Trials of operations and checks
//!   they leave out are not listed.
//! - `--list`, name filters, `--exact`, `--skip`, `--ignored`, `--nocapture` behave as usual.
//!   Checks that cannot apply in the chosen configuration are listed as ignored.
//! - The run happens once per process, covering only the operations and checks whose trials are
//!   selected, so cargo-nextest (one process per trial) runs one narrow run per trial.
//!
//! Nothing here reads the environment or decides a setting: [`Contract`] does.

use crate::check::{CheckName, CheckSet};
use crate::contract::{Contract, ContractError, Prepared, error_chain};
use crate::engine::filter;
use crate::engine::{self, RunConfig, Target};
use crate::model::RunReport;
use libtest_mimic::{Arguments, Conclusion, Failed, Trial};
use std::sync::{Arc, OnceLock};

/// Whether a check can say anything in this configuration.
fn applies(check: CheckName, target: &Target, config: &RunConfig) -> bool {
    match check {
        CheckName::PositiveDataAcceptance => target.is_embedded() || !config.params.is_empty(),
        CheckName::MaxResponseTime => config.max_response_time.is_some(),
        _ => true,
    }
}

/// Whether a check can judge any exchange of this operation at all: no trial is listed for one
/// that cannot (it would show as passed without having run).
fn judges(check: CheckName, op: &crate::spec::Operation) -> bool {
    match check {
        // The request checks of `conform proxy`: a run makes its own requests.
        _ if check.is_client_side() => false,
        CheckName::IgnoredAuth => op.requires_auth(),
        CheckName::EnvelopeConformance => op.params_in(crate::spec::ParamLocation::Query).any(|p| p.name == "envelope"),
        // Ownership probes read, change and remove an item by its path.
        CheckName::ObjectOwnership => {
            use crate::spec::Method;
            matches!(op.method, Method::Get | Method::Put | Method::Patch | Method::Delete)
                && op.params_in(crate::spec::ParamLocation::Path).next().is_some()
        }
        _ => true,
    }
}

fn run_once(prepared: &Prepared, operations: Vec<String>, checks: CheckSet) -> Result<RunReport, String> {
    let config = RunConfig { operations, checks, ..prepared.config.clone() };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("conform could not run: {}", error_chain(&ContractError::Runtime(e))))?;
    let report = runtime
        .block_on(engine::spawn(prepared.spec.clone(), prepared.target.clone(), config))
        .map_err(|e| format!("conform could not run: {}", error_chain(&ContractError::RunTask(e))))?;
    report.map_err(|e| format!("conform could not run: {}", error_chain(&e)))
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

/// The whole harness configured by environment variables ([`Contract::from_env`]): reads them
/// and the libtest arguments, runs, exits (2 when the configuration cannot be used).
///
/// ```no_run
/// // the body of `fn main` in tests/contract.rs, with `harness = false`
/// conform::harness::main()
/// ```
pub fn main() -> ! {
    let args = Arguments::from_args();
    match run(Contract::from_env(), &args) {
        Ok(conclusion) => conclusion.exit(),
        Err(e) => {
            eprintln!("error: {}", error_chain(&e));
            std::process::exit(crate::exit::ERROR);
        }
    }
}

/// Builds the trials of a contract for `args` and runs them.
///
/// # Errors
/// [`ContractError`] when the contract cannot be set up (the spec does not load, a value
/// cannot be used); nothing has run then.
pub fn run(contract: Contract, args: &Arguments) -> Result<Conclusion, ContractError> {
    Ok(libtest_mimic::run(args, trials(contract, args)?))
}

/// One trial per operation x check. The conform run behind them happens once, on the first
/// trial that executes, and covers only the operations and checks selected by `args`.
///
/// # Errors
/// As [`run`].
pub fn trials(contract: Contract, args: &Arguments) -> Result<Vec<Trial>, ContractError> {
    Ok(trials_for(contract.prepare()?, args))
}

fn trials_for(prepared: Prepared, args: &Arguments) -> Vec<Trial> {
    let prepared = Arc::new(prepared);
    let config = &prepared.config;
    let names: Vec<(String, CheckName)> = prepared
        .spec
        .operations
        .iter()
        .filter(|op| config.operations.is_empty() || config.operations.contains(&op.id))
        .filter(|op| filter::excluded_by(op, &config.include, &config.exclude).is_none())
        .flat_map(|op| config.checks.iter().filter(|c| judges(*c, op)).map(move |c| (op.id.clone(), c)))
        .collect();
    // Which trials will run: the same filter libtest-mimic applies, so the run covers them only.
    let selected: Vec<&(String, CheckName)> = names
        .iter()
        .filter(|(op, c)| {
            let name = format!("{op}::{c}");
            let matches = |f: &str| if args.exact { name == f } else { name.contains(f) };
            let ignored = !applies(*c, &prepared.target, config);
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
            let (prepared, report, operations) = (prepared.clone(), report.clone(), operations.clone());
            let ignored = !applies(check, &prepared.target, &prepared.config);
            Trial::test(format!("{op}::{check}"), move || {
                let result = report.get_or_init(|| run_once(&prepared, operations, checks));
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

impl Contract {
    /// Runs the contract as `cargo test` trials, one per operation and check, named
    /// `<operationId>::<check>`, reading the usual libtest arguments (`--list`, filters,
    /// `--exact`, `--skip`, `--ignored`). Use it as the `main` of a test target with
    /// `harness = false`; call it outside any async runtime.
    ///
    /// Returns the exit code: 0 when every trial passed, 101 when one failed, 2 when the
    /// contract could not be set up (the error is printed).
    ///
    /// ```no_run
    /// fn main() -> std::process::ExitCode {
    ///     conform::Contract::from_path("openapi.yaml").target_env("STAGING_URL").cases(50).harness()
    /// }
    /// ```
    pub fn harness(self) -> std::process::ExitCode {
        let args = libtest_mimic::Arguments::from_args();
        match run(self, &args) {
            Ok(conclusion) => conclusion.exit_code(),
            Err(e) => {
                eprintln!("error: {}", error_chain(&e));
                std::process::ExitCode::from(crate::exit::ERROR as u8)
            }
        }
    }
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
        assert!(!judges(CheckName::ObjectOwnership, &open), "no path parameter: no item to reach");
    }
}
