//! Load benchmark: parse + normalise + convert + compile every validator of a large spec.
//! Prints figures (median of several runs); it asserts nothing. `cargo bench --bench load`.
//!
//! Target (DESIGN.md): a real 1.5 MB spec in under 0.3 s for the whole process; the issue asks
//! for well under a second for a 300+ operation document.

use conform::spec::Spec;
use conform_testkit::large_spec::{LargeSpecConfig, large_spec};
use std::time::{Duration, Instant};

fn median(mut runs: Vec<Duration>) -> Duration {
    runs.sort();
    runs[runs.len() / 2]
}

fn time(name: &str, bytes: usize, runs: usize, mut f: impl FnMut() -> Spec) {
    let mut times = Vec::with_capacity(runs);
    let mut last = None;
    for _ in 0..runs {
        let start = Instant::now();
        let spec = f();
        times.push(start.elapsed());
        last = Some(spec);
    }
    let spec = last.expect("at least one run");
    let validators: usize = spec
        .operations
        .iter()
        .map(|o| {
            o.parameters.iter().filter(|p| p.schema.is_some()).count()
                + o.request_body.iter().flat_map(|b| &b.content).filter(|m| m.schema.is_some()).count()
                + o.responses.iter().flat_map(|r| &r.content).filter(|m| m.schema.is_some()).count()
        })
        .sum();
    println!(
        "{name:<40} {:>5.2} MB  {:>4} operations  {:>5} schema handles  {:>4} findings  median {:>7.1} ms  (min {:.1} ms, {runs} runs)",
        bytes as f64 / 1e6,
        spec.operations.len(),
        validators,
        spec.findings.len(),
        median(times.clone()).as_secs_f64() * 1e3,
        times.iter().min().copied().unwrap_or_default().as_secs_f64() * 1e3,
    );
}

fn main() {
    let root = env!("CARGO_MANIFEST_DIR");
    let twilio = std::fs::read(format!("{root}/../shared/fixtures/twilio_api_v2010.yaml")).expect("twilio fixture");
    time("twilio v2010 (YAML, from bytes)", twilio.len(), 11, || {
        Spec::from_bytes("twilio.yaml", &twilio).expect("loads")
    });

    let big = large_spec(&LargeSpecConfig::default());
    let yaml = serde_yaml_ng::to_string(&big.document).expect("serialises");
    let json = serde_json::to_vec(&big.document).expect("serialises");
    time("synthetic Atlas-like (YAML, from bytes)", yaml.len(), 11, || {
        Spec::from_bytes("large.yaml", yaml.as_bytes()).expect("loads")
    });
    time("synthetic Atlas-like (JSON, from bytes)", json.len(), 11, || {
        Spec::from_bytes("large.json", &json).expect("loads")
    });
    let atlas = std::fs::read(format!("{root}/specs/atlas-maintenance-window.yaml")).expect("atlas spec");
    time("atlas maintenance window (YAML)", atlas.len(), 21, || Spec::from_bytes("atlas.yaml", &atlas).expect("loads"));
    route_figure(root);
}

/// `Spec::route` (what the proxy asks for every request) over every path of the 2026 Atlas
/// spec, each variable filled with a made-up value: nanoseconds per call, median of 5 passes.
fn route_figure(root: &str) {
    let Ok(bytes) = std::fs::read(format!("{root}/../shared/fixtures/atlas/atlas-api-2026.yaml")) else {
        println!("route: the 2026 Atlas fixture is missing; skipped");
        return;
    };
    let spec = Spec::from_bytes("atlas-2026.yaml", &bytes).expect("loads");
    let paths: Vec<String> =
        spec.operations.iter().map(|o| o.template.render(|name| Some(format!("v{}", name.len())))).collect();
    let mut passes = Vec::new();
    let mut found = 0;
    for _ in 0..5 {
        let start = Instant::now();
        for path in &paths {
            found += usize::from(spec.route(path).is_some());
        }
        passes.push(start.elapsed() / paths.len() as u32);
    }
    println!(
        "{:<40} {:>5} paths  {found} routed  median {:>8.0} ns per call",
        "Spec::route, 2026 Atlas (proxy)",
        paths.len(),
        median(passes).as_nanos()
    );
}
