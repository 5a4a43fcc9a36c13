//! The application's contract test, in-process: `cargo test -p conform-example-axum` runs one
//! trial per operation and check (`<operationId>::<check>`) against [`conform_example_axum::app`],
//! served by conform over in-memory connections: no port, no server to start.

fn main() -> std::process::ExitCode {
    conform::Contract::from_path(concat!(env!("CARGO_MANIFEST_DIR"), "/openapi.yaml"))
        .target(conform::Target::service(conform_example_axum::app()))
        .cases(20)
        .harness()
}
