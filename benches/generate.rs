//! Request generation throughput on one core, for both shipped specs: prints requests/s.
//! A figure, not a test: `cargo bench --bench generate` (release profile).
//!
//! Target (DESIGN.md): more than 100,000 requests/s on one core for the Atlas spec.

use conform::generate::{GenerateConfig, Generator};
use conform::spec::Spec;
use std::hint::black_box;
use std::sync::Arc;
use std::time::Instant;

fn main() {
    let root = env!("CARGO_MANIFEST_DIR");
    // The two shipped specs, then Twilio's 197 operations (test data) for a larger figure.
    for (name, path, cases) in [
        ("atlas-maintenance-window.yaml", "specs/atlas-maintenance-window.yaml", 40_000),
        ("cloud-manager-maintenance-windows.yaml", "specs/cloud-manager-maintenance-windows.yaml", 40_000),
        ("twilio_api_v2010.yaml", "../shared/fixtures/twilio_api_v2010.yaml", 1_000),
    ] {
        let spec = Arc::new(Spec::load(&format!("{root}/{path}")).expect("spec loads"));
        let started = Instant::now();
        let config = GenerateConfig { seed: 42, cases, ..GenerateConfig::default() };
        let generator = Generator::new(spec, config).expect("generator builds");
        let setup = started.elapsed();
        let ids = generator.case_ids();
        // Warm up caches and the allocator.
        for id in ids.iter().take(2_000) {
            black_box(generator.case(*id));
        }
        let mut best = 0.0f64;
        let (mut valid, mut invalid) = (0usize, 0usize);
        for _ in 0..3 {
            let started = Instant::now();
            let (mut v, mut i) = (0, 0);
            for id in &ids {
                let case = generator.case(*id).expect("listed case exists");
                if case.is_valid() {
                    v += 1;
                } else {
                    i += 1;
                }
                black_box(&case);
            }
            let rate = ids.len() as f64 / started.elapsed().as_secs_f64();
            if rate > best {
                best = rate;
                (valid, invalid) = (v, i);
            }
        }
        // The two kinds apart.
        let kind_rate = |valid: bool| {
            let chosen: Vec<_> =
                ids.iter().filter(|id| generator.case(**id).is_some_and(|c| c.is_valid() == valid)).collect();
            let started = Instant::now();
            for id in &chosen {
                black_box(generator.case(**id));
            }
            chosen.len() as f64 / started.elapsed().as_secs_f64()
        };
        let (even, odd) = (kind_rate(true), kind_rate(false));
        println!(
            "{name}: {:.0} requests/s on one core ({} requests: {valid} valid, {invalid} invalid; \
             {even:.0}/s valid, {odd:.0}/s invalid; generator built in {:.1} ms)",
            best,
            ids.len(),
            setup.as_secs_f64() * 1e3
        );
    }
}
