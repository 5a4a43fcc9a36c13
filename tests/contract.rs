//! `cargo test --test contract`: conform's checks as one trial per operation x check, named
//! `<operationId>::<check>`. Configured by the `CONFORM_*` environment variables (see
//! `conform::Contract::from_env`); `conform::harness::main()` does the same.

fn main() -> std::process::ExitCode {
    conform::Contract::from_env().harness()
}
