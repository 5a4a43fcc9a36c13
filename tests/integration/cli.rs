//! The command line: listings and lint output (snapshotted), exit codes, and errors that name
//! the place.

use crate::support::{conform, snapshots, stderr, stdout};

#[test]
fn list_shows_every_atlas_operation() {
    let out = conform(&["list", "--spec", "specs/atlas-maintenance-window.yaml"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    snapshots().bind(|| insta::assert_snapshot!("list_atlas_text", stdout(&out)));
}

#[test]
fn list_shows_every_cloud_manager_operation() {
    let out = conform(&["list", "--spec", "specs/cloud-manager-maintenance-windows.yaml"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    snapshots().bind(|| insta::assert_snapshot!("list_cloud_manager_text", stdout(&out)));
}

#[test]
fn list_json_is_stable() {
    for (name, spec) in [
        ("list_atlas_json", "specs/atlas-maintenance-window.yaml"),
        ("list_cloud_manager_json", "specs/cloud-manager-maintenance-windows.yaml"),
    ] {
        let out = conform(&["list", "--spec", spec, "--format", "json"]);
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        let value: serde_json::Value = serde_json::from_slice(&out.stdout).expect("list --format json is JSON");
        assert_eq!(value["operations"].as_array().map(Vec::len), Some(5));
        snapshots().bind(|| insta::assert_json_snapshot!(name, value));
    }
}

#[test]
fn shipped_specs_lint_clean() {
    for spec in ["specs/atlas-maintenance-window.yaml", "specs/cloud-manager-maintenance-windows.yaml"] {
        let out = conform(&["lint", "--spec", spec]);
        assert_eq!(out.status.code(), Some(0), "{}{}", stdout(&out), stderr(&out));
        assert!(stdout(&out).ends_with(": 5 operations, 0 errors, 0 warnings\n"), "{}", stdout(&out));
    }
}

#[test]
fn lint_exits_1_on_spec_errors_and_names_the_pointer() {
    let dir = std::env::temp_dir().join(format!("conform-lint-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("broken.yaml");
    std::fs::write(
        &path,
        "openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths:\n  /a:\n    get:\n      responses:\n        '200':\n          description: ok\n          content:\n            application/json:\n              schema: {type: string, pattern: '^(a$'}\n",
    )
    .unwrap();
    let out = conform(&["lint", "--spec", path.to_str().unwrap(), "--format", "json"]);
    assert_eq!(out.status.code(), Some(1));
    let value: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(value["errors"], 1);
    assert_eq!(value["findings"][0]["kind"], "invalid_pattern");
    assert_eq!(
        value["findings"][0]["pointer"],
        "/paths/~1a/get/responses/200/content/application~1json/schema/pattern"
    );
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn unreadable_or_malformed_specs_exit_2_naming_the_place() {
    let out = conform(&["list", "--spec", "does/not/exist.yaml"]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        stderr(&out),
        "error: failed to load the spec: cannot read does/not/exist.yaml: No such file or directory (os error 2)\n"
    );

    let dir = std::env::temp_dir().join(format!("conform-bad-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("bad.yaml");
    std::fs::write(&path, "openapi: 3.0.3\ninfo:\n  title: [x\n").unwrap();
    let out = conform(&["lint", "--spec", path.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(err.contains("bad.yaml:4:1: "), "{err}");
    assert_eq!(err.lines().count(), 1, "one clear line: {err}");

    std::fs::write(&path, "openapi: 4.0.0\n").unwrap();
    let out = conform(&["lint", "--spec", path.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("4.0.0 is not supported"), "{}", stderr(&out));
    let _ = std::fs::remove_dir_all(dir);

    let out = conform(&["list"]);
    assert_eq!(out.status.code(), Some(2), "a missing flag is a usage error");
}

#[test]
fn diff_exits_1_on_a_breaking_change_and_0_otherwise() {
    let old = "tests/data/diff/atlas-maintenance-window-2023.yaml";
    let new = "specs/atlas-maintenance-window.yaml";
    let out = conform(&["diff", old, new]);
    assert_eq!(out.status.code(), Some(1), "204 -> 200 is breaking: {}", stdout(&out));
    assert!(stdout(&out).contains("breaking"), "{}", stdout(&out));
    let out = conform(&["diff", new, new, "--format", "markdown"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let out = conform(&["diff", old, new, "--format", "json", "--fail-on", "any"]);
    assert_eq!(out.status.code(), Some(1));
    let value: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert!(value["breaking"].as_u64().unwrap_or(0) >= 3, "{value}");
    let out = conform(&["diff", old, "does/not/exist.yaml"]);
    assert_eq!(out.status.code(), Some(2));
}
