//! Bad command lines: each must exit 2 with one clear line on stderr naming what is wrong
//! (the flag, the variable, or file:line:column). All the lines are snapshotted together, with
//! temporary paths and ports redacted.

use crate::support::{conform, snapshots, stderr};
use std::fmt::Write as _;

const ATLAS: &str = "specs/atlas-maintenance-window.yaml";

/// A port nothing listens on.
fn closed_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

fn redact(text: &str, tmp: &str) -> String {
    let text = text.replace(tmp, "[TMP]");
    let mut out = String::new();
    let mut rest = text.as_str();
    while let Some(i) = rest.find("127.0.0.1:") {
        out.push_str(&rest[..i + 10]);
        rest = &rest[i + 10..];
        let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
        if digits > 0 {
            out.push_str("[PORT]");
        }
        rest = &rest[digits..];
    }
    out.push_str(rest);
    out
}

/// Runs a bad command line: exit 2, exactly one line on stderr, nothing on stdout.
fn one_error_line(args: &[&str]) -> String {
    let out = conform(args);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
    assert_eq!(err.lines().count(), 1, "{args:?}: one line on stderr:\n{err}");
    assert!(err.starts_with("error: "), "{args:?}: {err}");
    assert!(out.stdout.is_empty(), "{args:?}: nothing on stdout: {}", String::from_utf8_lossy(&out.stdout));
    err
}

#[test]
fn bad_command_lines_exit_2_with_one_line_naming_the_problem() {
    let dir = std::env::temp_dir().join(format!("conform-cli-errors-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let tmp = dir.display().to_string();
    let bad_yaml = dir.join("bad.yaml");
    std::fs::write(&bad_yaml, "openapi: 3.0.3\ninfo:\n  title: x\n  version: [1\npaths: {}\n").unwrap();
    let bad_json = dir.join("bad.json");
    std::fs::write(&bad_json, "{\n  \"openapi\": \"3.0.3\",\n  \"info\": }\n").unwrap();
    let closed = format!("http://127.0.0.1:{}", closed_port());
    let closed_spec = format!("{closed}/spec.yaml");
    let (bad_yaml, bad_json) = (bad_yaml.display().to_string(), bad_json.display().to_string());
    // Accepts TCP connections (the kernel's backlog) but never answers: reachable, for the
    // errors that come after the reachability check.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let silent = format!("http://{}", listener.local_addr().unwrap());

    let cases: Vec<(&str, Vec<&str>)> = vec![
        ("missing spec file", vec!["run", "--spec", "does/not/exist.yaml"]),
        ("spec is a directory", vec!["run", "--spec", &tmp]),
        ("yaml syntax error", vec!["run", "--spec", &bad_yaml]),
        ("json syntax error", vec!["lint", "--spec", &bad_json]),
        ("spec url without a host", vec!["run", "--spec", "http://"]),
        ("spec url with a space", vec!["run", "--spec", "http://exa mple.com/spec.yaml"]),
        ("spec url nothing answers", vec!["run", "--spec", &closed_spec]),
        ("no --spec", vec!["run"]),
        ("unknown flag", vec!["run", "--spec", ATLAS, "--nope"]),
        ("target not a url", vec!["run", "--spec", ATLAS, "--target", "not a url"]),
        ("target not http", vec!["run", "--spec", ATLAS, "--target", "ftp://127.0.0.1/"]),
        ("target unreachable", vec!["run", "--spec", ATLAS, "--target", &closed, "--timeout", "2"]),
        ("param without =", vec!["run", "--spec", ATLAS, "--param", "groupId"]),
        ("param with an empty name", vec!["run", "--spec", ATLAS, "--param", "=5"]),
        ("param its schema rejects", vec!["run", "--spec", ATLAS, "--param", "groupId=not-hex"]),
        ("partition 0/2", vec!["run", "--spec", ATLAS, "--partition", "0/2"]),
        ("partition 3/2", vec!["run", "--spec", ATLAS, "--partition", "3/2"]),
        ("partition x", vec!["run", "--spec", ATLAS, "--partition", "x"]),
        ("unknown check", vec!["run", "--spec", ATLAS, "--checks", "not_a_server_error,no_such_check"]),
        ("unknown excluded check", vec!["run", "--spec", ATLAS, "--exclude-checks", "nope"]),
        ("unknown mock fault", vec!["run", "--spec", ATLAS, "--mock-fault", "no-such-fault"]),
        ("mock fault with target", vec!["run", "--spec", ATLAS, "--mock-fault", "wrong-type", "--target", &closed]),
        ("header without colon", vec!["run", "--spec", ATLAS, "-H", "X-Trace"]),
        ("header with a bad name", vec!["run", "--spec", ATLAS, "-H", "X Trace: 1"]),
        ("header with a control character", vec!["run", "--spec", ATLAS, "-H", "X-Trace: a\u{1}b"]),
        ("timeout 0", vec!["run", "--spec", ATLAS, "--timeout", "0"]),
        ("timeout not a number", vec!["run", "--spec", ATLAS, "--timeout", "soon"]),
        ("timeout negative", vec!["run", "--spec", ATLAS, "--timeout", "-1"]),
        ("concurrency 0", vec!["run", "--spec", ATLAS, "--concurrency", "0"]),
        ("max body 0", vec!["run", "--spec", ATLAS, "--max-body", "0"]),
        ("unknown operation", vec!["run", "--spec", ATLAS, "--operation", "nope"]),
        ("bad api version", vec!["run", "--spec", ATLAS, "--api-version", "2025-13"]),
        ("digest without keys", vec!["run", "--spec", ATLAS, "--target", &silent, "--auth", "digest"]),
        (
            "oauth without a secret",
            vec!["run", "--spec", ATLAS, "--target", &silent, "--auth", "oauth", "--client-id", "x"],
        ),
        ("unknown auth mode", vec!["run", "--spec", ATLAS, "--auth", "kerberos"]),
    ];
    let mut transcript = String::new();
    for (label, args) in &cases {
        let line = one_error_line(args);
        let shown: Vec<String> = args.iter().map(|a| redact(&a.escape_debug().to_string(), &tmp)).collect();
        let _ = write!(transcript, "# {label}\n$ conform {}\n{}\n", shown.join(" "), redact(&line, &tmp));
    }
    snapshots().bind(|| insta::assert_snapshot!("cli_errors", transcript));
    drop(listener);
    let _ = std::fs::remove_dir_all(dir);
}

/// A spec file conform may not read. Root reads anything, so the case only runs for other
/// users (the check is whether the file is readable after its permissions are removed).
#[cfg(unix)]
#[test]
fn an_unreadable_spec_exits_2_naming_the_file() {
    use std::os::unix::fs::PermissionsExt;
    let dir = std::env::temp_dir().join(format!("conform-unreadable-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("secret.yaml");
    std::fs::write(&path, "openapi: 3.0.3\n").unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o000)).unwrap();
    if std::fs::read(&path).is_ok() {
        // Running as root: permissions do not stop reads, so there is nothing to test.
        let _ = std::fs::remove_dir_all(&dir);
        return;
    }
    let line = one_error_line(&["run", "--spec", path.to_str().unwrap()]);
    assert!(line.contains("secret.yaml: Permission denied"), "{line}");
    let _ = std::fs::remove_dir_all(&dir);
}

/// `conform` alone is not a one-line error: the help is the answer (still exit 2).
#[test]
fn no_subcommand_prints_the_help_and_exits_2() {
    let out = conform(&[]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(err.contains("Usage: conform <COMMAND>") && err.contains("run"), "{err}");
}
