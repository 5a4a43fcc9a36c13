//! Arbitrary bytes as a YAML or JSON spec: `Spec::from_bytes` must return a spec or a
//! `SpecError`, never panic, hang or grow without bound; a loaded spec must list and lint.

#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // Hermetic: URL references would be fetched over the network, which a fuzzer must not do
    // (and cannot, here). File references resolve against a directory that does not exist,
    // except absolute ones, which the loader must read with a bound.
    if data.windows(3).any(|w| w == b"://") {
        return;
    }
    if let Ok(spec) = conform::spec::Spec::from_bytes("/nonexistent/conform-fuzz/spec.yaml", data) {
        let _ = conform::report::listing::list_text(&spec);
        let _ = conform::report::listing::lint_json(&spec);
    }
});
