//! `--snapshot-dir`: each finding as an insta snapshot file, so that `cargo insta review`
//! accepts known findings and a committed set is the baseline. Volatile parts (the target's
//! host and port, timestamps, durations, server-made ids, secrets) are redacted, so the same
//! seed against the same server gives identical files.
//!
//! A finding whose `.snap` exists with the same content is *known*; otherwise conform writes
//! `<name>.snap.new` (insta's pending form) and the finding is *new* (or *changed*).

use super::view::{self, FindingView};
use crate::model::RunReport;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// How each finding compared with the baseline.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SnapshotOutcome {
    /// Same as the committed snapshot.
    pub known: Vec<String>,
    /// No committed snapshot.
    pub new: Vec<String>,
    /// The committed snapshot differs.
    pub changed: Vec<String>,
}

impl SnapshotOutcome {
    /// Whether a finding is not covered by the baseline.
    pub fn has_unaccepted(&self) -> bool {
        !self.new.is_empty() || !self.changed.is_empty()
    }
}

/// Why snapshots could not be written.
#[derive(Debug, thiserror::Error)]
#[error("cannot write snapshots in {dir}: {source}")]
pub struct SnapshotError {
    dir: String,
    #[source]
    source: std::io::Error,
}

fn slug(s: &str) -> String {
    let mut out: String = s.chars().map(|c| if c.is_ascii_alphanumeric() || c == '-' { c } else { '_' }).collect();
    out.truncate(80);
    out
}

fn fnv(text: &str) -> u32 {
    text.bytes().fold(0x811c_9dc5_u32, |h, b| (h ^ u32::from(b)).wrapping_mul(0x0100_0193))
}

/// Replaces what changes from run to run. Works on bytes, so no input can split a character.
pub fn normalize(text: &str, target: &str) -> String {
    let text = text.replace(target, "http://[TARGET]");
    let b = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    let mut copied = 0;
    while i < b.len() {
        let (len, with) = if let Some(n) = loopback_port(&b[i..]) {
            (n, "127.0.0.1:[PORT]")
        } else if let Some(n) = timestamp(&b[i..]) {
            (n, "[DATETIME]")
        } else if let Some(n) = quoted_object_id(&b[i..]) {
            (n, "\"[ID]\"")
        } else {
            i += 1;
            continue;
        };
        // Every match starts and ends on ASCII bytes, so these are character boundaries.
        out.push_str(&text[copied..i]);
        out.push_str(with);
        i += len;
        copied = i;
    }
    out.push_str(&text[copied..]);
    out
}

/// `127.0.0.1:` followed by digits.
fn loopback_port(b: &[u8]) -> Option<usize> {
    let rest = b.strip_prefix(b"127.0.0.1:")?;
    let digits = rest.iter().take_while(|c| c.is_ascii_digit()).count();
    (digits > 0).then_some(10 + digits)
}

/// An RFC 3339 date-time: `YYYY-MM-DDTHH:MM:SS`, optional fraction, `Z` or an offset.
fn timestamp(b: &[u8]) -> Option<usize> {
    if b.len() < 19 {
        return None;
    }
    let digits = [0, 1, 2, 3, 5, 6, 8, 9, 11, 12, 14, 15, 17, 18];
    let shape = b[4] == b'-' && b[7] == b'-' && b[10] == b'T' && b[13] == b':' && b[16] == b':';
    if !shape || !digits.iter().all(|&i| b[i].is_ascii_digit()) {
        return None;
    }
    let mut n = 19;
    if b.get(n) == Some(&b'.') {
        n += 1;
        while b.get(n).is_some_and(u8::is_ascii_digit) {
            n += 1;
        }
    }
    Some(match b.get(n) {
        Some(b'Z') => n + 1,
        Some(b'+' | b'-') if b.len() >= n + 6 && b[n + 3] == b':' => n + 6,
        _ => n,
    })
}

/// A quoted 24-digit lower-case hex id (`"56294bdfd4c643eef5176b73"`), as servers make them.
fn quoted_object_id(b: &[u8]) -> Option<usize> {
    let ok = b.len() >= 26
        && b[0] == b'"'
        && b[25] == b'"'
        && b[1..25].iter().all(|c| c.is_ascii_digit() || (b'a'..=b'f').contains(c));
    ok.then_some(26)
}

/// Checks whose verdict rests on the response body.
const BODY_CHECKS: [&str; 5] = [
    "response_schema_conformance",
    "content_type_conformance",
    "envelope_conformance",
    "stateful_conformance",
    "transport",
];

/// The snapshot body of one finding.
pub fn content(f: &FindingView) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "check: {}", f.check);
    let _ = writeln!(out, "operation: {}", f.operation);
    let _ = writeln!(out, "message: {}", f.message);
    let _ = writeln!(out, "case: {} ({:?} #{})", f.case.kind, f.case.origin, f.case.index);
    let _ = writeln!(out, "request: {} {}", f.request.method, f.request.url);
    for (k, v) in &f.request.headers {
        let _ = writeln!(out, "  {k}: {v}");
    }
    if let Some(body) = &f.request.body {
        let _ = writeln!(out, "  body: {}", serde_json::to_string(body).unwrap_or_default());
    }
    match &f.response {
        Some(r) => {
            let _ = writeln!(out, "response: {}", r.status);
            for (k, v) in &r.headers {
                if k != "date" && k != "content-length" {
                    let _ = writeln!(out, "  {k}: {v}");
                }
            }
            // The body is evidence only where the check judges it. Elsewhere (an accepted invalid
            // request, say) it may echo server state that concurrent requests changed, which
            // would make the same finding look different from run to run.
            if BODY_CHECKS.contains(&f.check.as_str()) {
                let _ = writeln!(out, "  body: {}", serde_json::to_string(&r.body).unwrap_or_default());
            }
        }
        None => {
            let _ = writeln!(out, "response: none");
        }
    }
    for (i, s) in f.steps.iter().enumerate() {
        let status = s.response.as_ref().map(|r| r.status.to_string()).unwrap_or_else(|| "none".into());
        let _ = writeln!(out, "step {}: {} {} -> {status}", i + 1, s.request.method, s.request.url);
    }
    let _ = writeln!(out, "reproduce: {}", f.reproduce);
    out
}

/// The file stem of a finding's snapshot: spec, operation, check and a hash of the message.
pub fn name(spec: &str, f: &FindingView, normalized: &str) -> String {
    let stem = Path::new(spec).file_stem().and_then(|s| s.to_str()).unwrap_or("spec");
    let message_line = normalized.lines().find(|l| l.starts_with("message: ")).unwrap_or("");
    format!("{}__{}__{}__{:08x}", slug(stem), slug(&f.operation), f.check, fnv(message_line))
}

fn file_text(f: &FindingView, body: &str) -> String {
    format!("---\nsource: conform run\nexpression: \"{} / {}\"\n---\n{body}", f.operation, f.check)
}

/// Writes pending snapshots for new or changed findings and reports how each compared.
///
/// # Errors
/// [`SnapshotError`] when the directory or a file cannot be written.
pub fn write(report: &RunReport, dir: &Path) -> Result<SnapshotOutcome, SnapshotError> {
    let err = |source| SnapshotError { dir: dir.display().to_string(), source };
    let mut outcome = SnapshotOutcome::default();
    let views = view::findings(report);
    if views.is_empty() {
        return Ok(outcome);
    }
    std::fs::create_dir_all(dir).map_err(err)?;
    for f in &views {
        let body = normalize(&content(f), &report.target);
        let name = name(&report.spec, f, &body);
        let text = file_text(f, &body);
        let accepted = dir.join(format!("{name}.snap"));
        let pending: PathBuf = dir.join(format!("{name}.snap.new"));
        match std::fs::read_to_string(&accepted) {
            Ok(existing) if snapshot_body(&existing) == body => {
                let _ = std::fs::remove_file(&pending);
                outcome.known.push(name);
            }
            Ok(_) => {
                std::fs::write(&pending, text).map_err(err)?;
                outcome.changed.push(name);
            }
            Err(_) => {
                std::fs::write(&pending, text).map_err(err)?;
                outcome.new.push(name);
            }
        }
    }
    Ok(outcome)
}

/// The content of an insta snapshot file after its header.
fn snapshot_body(file: &str) -> &str {
    file.strip_prefix("---\n").and_then(|rest| rest.split_once("\n---\n")).map(|(_, body)| body).unwrap_or(file)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn volatile_parts_are_normalized() {
        let text = "url: http://127.0.0.1:41234/api/x at 2026-11-22T15:14:34.123Z and 2015-10-23T22:00:00+02:00; \
                    id \"56294bdfd4c643eef5176b73\" other http://127.0.0.1:999/y";
        assert_eq!(
            normalize(text, "http://127.0.0.1:41234"),
            "url: http://[TARGET]/api/x at [DATETIME] and [DATETIME]; id \"[ID]\" other http://127.0.0.1:[PORT]/y"
        );
    }

    #[test]
    fn normalizing_never_splits_characters() {
        let text = "·2026-11-22T15:14:34Z·\"56294bdfd4c643eef5176b73\"·127.0.0.1:80·é";
        assert_eq!(normalize(text, "http://nowhere"), "·[DATETIME]·\"[ID]\"·127.0.0.1:[PORT]·é");
        for cut in 0..text.len() {
            if text.is_char_boundary(cut) {
                let _ = normalize(&text[cut..], "·");
            }
        }
    }

    #[test]
    fn bodies_compare_without_the_header() {
        assert_eq!(snapshot_body("---\nsource: x\nexpression: y\n---\nbody\n"), "body\n");
    }
}
