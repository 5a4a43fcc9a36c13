//! `conform diff` as a CI gate (issue 15), through the binary: the old version read from git
//! with `--base` (in a repository the test makes), the rules file with its levels and
//! allow-list, the presets, and the changelog and Markdown renderings.

use crate::support::{conform, stderr, stdout};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// A fresh directory under the system's temporary directory, removed on drop.
struct TempDir(PathBuf);

impl TempDir {
    fn new(name: &str) -> TempDir {
        let stamp =
            std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or(0);
        let dir = std::env::temp_dir().join(format!("conform-{name}-{}-{stamp}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        TempDir(dir)
    }

    fn write(&self, path: &str, text: &str) {
        let target = self.0.join(path);
        if let Some(parent) = target.parent() {
            std::fs::create_dir_all(parent).expect("parent dir");
        }
        std::fs::write(target, text).expect("write");
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn git(dir: &Path, args: &[&str]) {
    let out = Command::new("git")
        .args(["-c", "user.name=conform test", "-c", "user.email=test@example.invalid", "-c", "commit.gpgsign=false"])
        .args(args)
        .current_dir(dir)
        .output()
        .expect("git runs");
    assert!(out.status.success(), "git {args:?}: {}", String::from_utf8_lossy(&out.stderr));
}

fn conform_in(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_conform"))
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .output()
        .expect("the conform binary runs")
}

const SPEC: &str = "openapi: 3.0.3
info: {title: gate, version: '1'}
paths:
  /windows:
    get:
      operationId: getWindow
      responses:
        '200':
          description: ok
          content:
            application/json:
              schema: {$ref: 'schemas/window.yaml#/Window'}
";

fn window(max_hour: u32) -> String {
    format!(
        "Window:\n  type: object\n  required: [hourOfDay]\n  properties:\n    hourOfDay: {{type: integer, minimum: 0, maximum: {max_hour}}}\n"
    )
}

#[test]
fn base_reads_the_old_version_and_its_refs_from_git() {
    let repo = TempDir::new("diff-base");
    git(&repo.0, &["init", "-q"]);
    repo.write("api/openapi.yaml", SPEC);
    repo.write("api/schemas/window.yaml", &window(23));
    git(&repo.0, &["add", "."]);
    git(&repo.0, &["commit", "-q", "-m", "v1"]);
    // Only the referenced file changes in the work tree: were `$ref`s read from the work tree,
    // the old version would already have the new maximum and nothing would differ.
    repo.write("api/schemas/window.yaml", &window(47));
    let out = conform_in(&repo.0, &["diff", "--base", "HEAD", "api/openapi.yaml"]);
    assert_eq!(out.status.code(), Some(1), "{}{}", stdout(&out), stderr(&out));
    let text = stdout(&out);
    assert!(text.contains("conform diff HEAD:api/openapi.yaml -> api/openapi.yaml"), "{text}");
    assert!(text.contains("maximum raised from 23 to 47"), "{text}");
    // From a subdirectory, with the path relative to it.
    let out = conform_in(&repo.0.join("api"), &["diff", "--base", "HEAD", "openapi.yaml", "--format", "json"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    // Unchanged work tree: nothing to report.
    repo.write("api/schemas/window.yaml", &window(23));
    let out = conform_in(&repo.0, &["diff", "--base", "HEAD", "api/openapi.yaml"]);
    assert_eq!(out.status.code(), Some(0), "{}{}", stdout(&out), stderr(&out));
    // A revision or a file git does not have, or two specs with --base: could not run.
    for args in [
        &["diff", "--base", "no-such-ref", "api/openapi.yaml"][..],
        &["diff", "--base", "HEAD", "api/missing.yaml"],
        &["diff", "--base", "HEAD", "api/openapi.yaml", "api/openapi.yaml"],
    ] {
        let out = conform_in(&repo.0, args);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stdout(&out));
    }
    let outside = TempDir::new("diff-base-outside");
    outside.write("openapi.yaml", SPEC);
    let out = conform_in(&outside.0, &["diff", "--base", "HEAD", "openapi.yaml"]);
    assert_eq!(out.status.code(), Some(2), "not a repository: {}", stdout(&out));
}

const INSERTED_OLD: &str = "tests/data/diff/oneof-inserted-old.yaml";
const INSERTED_NEW: &str = "tests/data/diff/oneof-inserted-new.yaml";

#[test]
fn rules_file_presets_and_allow_list_decide_the_exit_code() {
    let dir = TempDir::new("diff-rules");
    let old = crate::support::repo(INSERTED_OLD);
    let new = crate::support::repo(INSERTED_NEW);
    // Strict: USER_REMOVED gone from a request enum breaks.
    let out = conform(&["diff", INSERTED_OLD, INSERTED_NEW]);
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    // An unexpired allowance accepts that break; the report still shows it, as allowed.
    dir.write(
        "conform-diff.toml",
        "[[allow]]\noperation = \"createAlert\"\nkind = \"request_enum_value_removed\"\n\
         location = \"request body /eventTypeName\"\nreason = \"USER_REMOVED was never emitted\"\nexpires = 2999-01-01\n",
    );
    let out = conform_in(&dir.0, &["diff", &old, &new]);
    assert_eq!(out.status.code(), Some(0), "{}{}", stdout(&out), stderr(&out));
    assert!(stdout(&out).contains("allowed: USER_REMOVED was never emitted"), "{}", stdout(&out));
    let out = conform_in(&dir.0, &["diff", &old, &new, "--format", "json"]);
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    let removed =
        json["changes"].as_array().and_then(|cs| cs.iter().find(|c| c["kind"] == "request_enum_value_removed"));
    let removed = removed.expect("the change is listed");
    assert_eq!(
        (&removed["level"], &removed["allowed"], &removed["severity"]),
        (&"breaking".into(), &true.into(), &"breaking".into())
    );
    assert_eq!((json["breaking"].as_u64(), json["allowed"].as_u64()), (Some(0), Some(1)));
    // Expired: the same break fails again.
    dir.write(
        "rules-expired.toml",
        "[[allow]]\nkind = \"request_enum_value_removed\"\nreason = \"USER_REMOVED was never emitted\"\nexpires = 2020-01-01\n",
    );
    let out = conform_in(&dir.0, &["diff", &old, &new, "--rules", "rules-expired.toml"]);
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    assert!(stdout(&out).contains("allowance expired on 2020-01-01"), "{}", stdout(&out));
    // A rules file that names an unknown kind, or does not exist: could not run.
    dir.write("typo.toml", "[levels]\nrequest_enum_removed_value = \"info\"\n");
    for rules in ["typo.toml", "missing.toml"] {
        let out = conform_in(&dir.0, &["diff", &old, &new, "--rules", rules]);
        assert_eq!(out.status.code(), Some(2), "{rules}: {}", stdout(&out));
    }
    // A level set in the rules file; the preset flag keeps it.
    dir.write("levels.toml", "[levels]\nrequest_enum_value_removed = \"warning\"\n");
    let out = conform_in(&dir.0, &["diff", &old, &new, "--rules", "levels.toml", "--preset", "sdk"]);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    assert!(stdout(&out).contains("warning"), "{}", stdout(&out));
    assert_eq!(
        conform_in(&dir.0, &["diff", &old, &new, "--rules", "levels.toml", "--fail-on", "any"]).status.code(),
        Some(1)
    );
}

#[test]
fn changelog_groups_by_operation_and_markdown_caps_its_items() {
    let (old, new) = ("tests/data/diff/shared-old.yaml", "tests/data/diff/shared-new.yaml");
    let out = conform(&["diff", old, new, "--format", "changelog"]);
    assert_eq!(out.status.code(), Some(1));
    let text = stdout(&out);
    assert!(text.starts_with("# API changelog: "), "{text}");
    assert!(text.contains("## `schema Tags (used by listClusters, getCluster)`"), "{text}");
    assert!(text.contains("- **breaking** schema Tags /team: property team removed"), "{text}");
    assert_eq!(text.matches("property team removed").count(), 1, "reported once: {text}");

    let (old, new) = (INSERTED_OLD, INSERTED_NEW);
    let out = conform(&["diff", old, new, "--format", "markdown", "--max-items", "1"]);
    let text = stdout(&out);
    assert!(text.contains("### Breaking changes (1)"), "{text}");
    assert!(!text.contains("### Non-breaking changes"), "{text}");
    assert!(text.contains("…and 1 more changes not shown"), "{text}");
    let out = conform(&["diff", old, new, "--format", "markdown"]);
    assert!(!stdout(&out).contains("more changes not shown"), "{}", stdout(&out));
}
