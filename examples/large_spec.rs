//! Writes the synthetic Atlas-like spec of `conform_testkit::large_spec` (default
//! configuration) as YAML, so that `benches/throughput.sh` can time `conform lint` on it as a
//! whole process: `cargo run --release --example large_spec -- OUT.yaml`.

use conform_testkit::large_spec::{LargeSpecConfig, large_spec};

fn main() {
    let Some(out) = std::env::args().nth(1) else {
        eprintln!("usage: large_spec OUT.yaml");
        std::process::exit(2);
    };
    let spec = large_spec(&LargeSpecConfig::default());
    let yaml = serde_yaml_ng::to_string(&spec.document).expect("the document serialises");
    std::fs::write(&out, &yaml).unwrap_or_else(|e| {
        eprintln!("cannot write {out}: {e}");
        std::process::exit(2);
    });
    println!("{} operations, {} schemas, {} bytes", spec.operations, spec.schemas, yaml.len());
}
