//! Renderings of a [`DiffReport`]: text for terminals, JSON for machines, Markdown for a
//! pull-request comment. Renderers only read the report; they never classify.

use super::{Breaks, Change, DiffReport, ParseError, Severity};
use serde::Serialize;
use std::fmt::Write as _;
use std::str::FromStr;

/// An output format of `conform diff`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Format {
    #[default]
    Text,
    Json,
    Markdown,
}

impl FromStr for Format {
    type Err = ParseError;

    /// Parses `text`, `json` or `markdown`.
    fn from_str(s: &str) -> Result<Format, ParseError> {
        match s {
            "text" => Ok(Format::Text),
            "json" => Ok(Format::Json),
            "markdown" => Ok(Format::Markdown),
            _ => Err(ParseError { what: "format", value: s.to_owned(), expected: "text, json or markdown" }),
        }
    }
}

/// The stable JSON document; fields are only ever added.
#[derive(Serialize)]
struct ReportJson<'a> {
    old: &'a str,
    new: &'a str,
    breaking: usize,
    non_breaking: usize,
    changes: &'a [Change],
}

/// Changes grouped by operation (`method`, `path`, `operation`), in report order.
fn by_operation<'r>(changes: impl Iterator<Item = &'r Change>) -> Vec<(&'r Change, Vec<&'r Change>)> {
    let mut groups: Vec<(&Change, Vec<&Change>)> = Vec::new();
    for change in changes {
        match groups.iter_mut().find(|(first, _)| {
            first.method == change.method && first.path == change.path && first.operation == change.operation
        }) {
            Some((_, members)) => members.push(change),
            None => groups.push((change, vec![change])),
        }
    }
    groups
}

/// `PATCH /path (operationId)`, without the id when it is only `METHOD path`.
fn operation_title(change: &Change) -> String {
    let generated = format!("{} {}", change.method, change.path);
    if change.operation == generated { generated } else { format!("{generated} ({})", change.operation) }
}

fn summary(report: &DiffReport) -> String {
    format!("{} breaking, {} non-breaking", report.breaking(), report.non_breaking())
}

impl DiffReport {
    /// Renders in one of the formats.
    pub fn render(&self, format: Format) -> String {
        match format {
            Format::Text => self.render_text(),
            Format::Json => self.render_json(),
            Format::Markdown => self.render_markdown(),
        }
    }

    /// For terminals: one block per operation, breaking changes first in each, then the
    /// summary line `N breaking, M non-breaking`. Each line ends with the kind and who the
    /// change breaks (breaking changes) or affects (non-breaking ones).
    pub fn render_text(&self) -> String {
        let mut out = format!("conform diff {} -> {}\n", self.old, self.new);
        if self.changes.is_empty() {
            out.push_str("\nno changes\n");
        }
        for (first, changes) in by_operation(self.changes.iter()) {
            let _ = writeln!(out, "\n{}", operation_title(first));
            let mut ordered = changes;
            ordered.sort_by_key(|c| c.severity); // Stable: breaking first, report order kept.
            for c in ordered {
                let severity = match c.severity {
                    Severity::Breaking => "breaking",
                    Severity::NonBreaking => "non-breaking",
                };
                let breaks = match (c.severity, c.breaks) {
                    (_, Breaks::None) => String::new(),
                    (Severity::Breaking, b) => format!(", breaks {b}"),
                    (Severity::NonBreaking, b) => format!(", affects {b}"),
                };
                let _ = writeln!(out, "  {severity:<12}  {}: {} [{}{breaks}]", c.location, c.message, c.kind);
            }
        }
        let _ = writeln!(out, "\n{}", summary(self));
        out
    }

    /// For machines, pretty-printed and stable (fields are only ever added):
    ///
    /// ```json
    /// {
    ///   "old": "tests/data/diff/atlas-maintenance-window-2023.yaml",
    ///   "new": "specs/atlas-maintenance-window.yaml",
    ///   "breaking": 6,
    ///   "non_breaking": 1,
    ///   "changes": [{
    ///     "kind": "success_status_removed",
    ///     "severity": "breaking",
    ///     "breaks": "clients",
    ///     "operation": "updateGroupMaintenanceWindow",
    ///     "method": "PATCH",
    ///     "path": "/api/atlas/v2/groups/{groupId}/maintenanceWindow",
    ///     "location": "response 204",
    ///     "message": "success status 204 removed"
    ///   }]
    /// }
    /// ```
    /// `severity` is `breaking` or `non_breaking`; `breaks` is `clients`, `servers`, `both` or
    /// `none`; `kind` is one of [`super::KINDS`]. Changes are in report order.
    pub fn render_json(&self) -> String {
        let doc = ReportJson {
            old: &self.old,
            new: &self.new,
            breaking: self.breaking(),
            non_breaking: self.non_breaking(),
            changes: &self.changes,
        };
        serde_json::to_string_pretty(&doc).unwrap_or_default()
    }

    /// For a pull-request comment: a heading, the summary, a table of breaking changes, then
    /// one of non-breaking changes.
    pub fn render_markdown(&self) -> String {
        let mut out = format!("## API changes: {} → {}\n\n", code(&self.old), code(&self.new));
        if self.changes.is_empty() {
            out.push_str("No changes.\n");
            return out;
        }
        if self.breaking() > 0 {
            let _ = writeln!(out, "**{} breaking**, {} non-breaking.", self.breaking(), self.non_breaking());
        } else {
            let _ = writeln!(out, "{}.", summary(self));
        }
        // Who a non-breaking change affects must follow it; it does not break them.
        for (severity, title, who) in [
            (Severity::Breaking, "Breaking changes", "Breaks"),
            (Severity::NonBreaking, "Non-breaking changes", "Affects"),
        ] {
            let rows: Vec<&Change> = self.changes.iter().filter(|c| c.severity == severity).collect();
            if rows.is_empty() {
                continue;
            }
            let _ = writeln!(out, "\n### {title} ({})\n", rows.len());
            let _ = writeln!(out, "| Operation | Location | Change | {who} | Kind |\n|---|---|---|---|---|");
            for c in rows {
                let _ = writeln!(
                    out,
                    "| {} | {} | {} | {} | {} |",
                    code(&operation_title(c)),
                    text(&c.location),
                    text(&c.message),
                    c.breaks,
                    code(c.kind)
                );
            }
        }
        out
    }
}

/// A table cell as a code span: only `|` needs escaping there (GitHub tables).
fn code(s: &str) -> String {
    let flat = s.replace(['\n', '\r'], " ");
    if flat.contains('`') {
        return text(&flat);
    }
    format!("`{}`", flat.replace('|', "\\|"))
}

/// A table cell as plain text: Markdown punctuation and `|` escaped, one line.
fn text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for ch in s.chars() {
        match ch {
            '\n' | '\r' => out.push(' '),
            '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '|' | '~' | '#' | '!' => {
                out.push('\\');
                out.push(ch);
            }
            _ => out.push(ch),
        }
    }
    out
}
