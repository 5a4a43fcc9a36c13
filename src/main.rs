//! The `conform` binary: parse arguments, call the library, map the outcome to an exit code.

use clap::{Parser, Subcommand, ValueEnum};
use conform::{exit, report, spec::Spec};
use std::process::ExitCode;

#[derive(Parser)]
#[command(name = "conform", version, about = "OpenAPI 3.0 contract-validation harness")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Clone, Copy, ValueEnum)]
enum Format {
    Text,
    Json,
}

#[derive(Subcommand)]
enum Command {
    /// List every operation with its parameters, request media types and responses.
    List {
        /// OpenAPI 3.0 document: a file path or an http(s) URL.
        #[arg(long)]
        spec: String,
        #[arg(long, value_enum, default_value = "text")]
        format: Format,
    },
    /// Report problems in a spec (errors and warnings, with JSON pointers); exit 1 on errors.
    Lint {
        /// OpenAPI 3.0 document: a file path or an http(s) URL.
        #[arg(long)]
        spec: String,
        #[arg(long, value_enum, default_value = "text")]
        format: Format,
    },
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let code = if e.use_stderr() { exit::ERROR } else { exit::OK };
            let _ = e.print();
            return ExitCode::from(code as u8);
        }
    };
    match run(cli) {
        Ok(code) => ExitCode::from(code as u8),
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(exit::ERROR as u8)
        }
    }
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
    }
}

fn load(source: &str) -> anyhow::Result<Spec> {
    Spec::load(source).map_err(|e| anyhow::anyhow!("failed to load the spec: {e}"))
}
