//! Regression tests for bugs found by hostile inputs and fuzzing, each named after what it
//! guards.

use conform::spec::{FindingKind, Spec, SpecError};
use serde_json::json;
use std::time::{Duration, Instant};

/// `--spec /dev/zero` (or any device or pipe) reports a length of 0: the read used to grow
/// without bound. It now stops at the spec size limit.
#[cfg(unix)]
#[test]
fn a_spec_that_never_ends_is_refused_at_the_size_limit() {
    let err = Spec::load("/dev/zero").unwrap_err();
    assert!(matches!(err, SpecError::TooLarge { .. }), "{err}");
    assert!(err.to_string().starts_with("/dev/zero: "), "{err}");
}

/// A document may `$ref` any path: a device or a FIFO must neither exhaust memory nor block
/// the loader. Such references stay unresolved, as findings.
#[cfg(unix)]
#[test]
fn a_ref_to_a_device_or_a_fifo_is_a_finding_and_never_blocks() {
    let dir = std::env::temp_dir().join(format!("conform-fifo-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let fifo = dir.join("pipe.yaml");
    let made = std::process::Command::new("mkfifo").arg(&fifo).status().is_ok_and(|s| s.success());
    let mut refs = vec!["/dev/zero#/X".to_owned()];
    if made {
        refs.push(format!("{}#/X", fifo.display()));
    }
    for reference in refs {
        let doc = json!({
            "openapi": "3.0.3", "info": {"title": "t", "version": "1"},
            "paths": {"/a": {"get": {"responses": {"200": {"description": "ok", "content": {
                "application/json": {"schema": {"$ref": reference}}
            }}}}}}
        });
        let started = Instant::now();
        let spec = Spec::from_value(&dir.join("spec.yaml").display().to_string(), doc).unwrap();
        assert!(started.elapsed() < Duration::from_secs(10), "{reference}: {:?}", started.elapsed());
        let finding = spec.findings.iter().find(|f| f.kind == FindingKind::UnresolvedRef).expect("a finding");
        assert!(finding.message.contains("not a regular file"), "{reference}: {}", finding.message);
    }
    let _ = std::fs::remove_dir_all(dir);
}
