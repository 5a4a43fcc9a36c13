//! Renderings of a [`DiffReport`]: text for terminals, JSON for machines, Markdown for a
//! pull-request comment, a Markdown changelog for release notes. Renderers only read the report;
//! they never classify.

use super::{Breaks, Change, DiffReport, Level, ParseError};
use serde::Serialize;
use std::fmt::Write as _;
use std::str::FromStr;

/// An output format of `conform diff`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum Format {
    #[default]
    /// Plain text for a terminal (the default).
    Text,
    /// The [`DiffReport`] as JSON, for machines.
    Json,
    /// Markdown tables, for a pull-request comment.
    Markdown,
    /// A Markdown changelog grouped by operation, for release notes.
    Changelog,
}

impl FromStr for Format {
    type Err = ParseError;

    /// Parses `text`, `json`, `markdown` or `changelog`.
    fn from_str(s: &str) -> Result<Format, ParseError> {
        match s {
            "text" => Ok(Format::Text),
            "json" => Ok(Format::Json),
            "markdown" => Ok(Format::Markdown),
            "changelog" => Ok(Format::Changelog),
            _ => Err(ParseError { what: "format", value: s.to_owned(), expected: "text, json, markdown or changelog" }),
        }
    }
}

/// How much a rendering shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RenderOptions {
    /// Most changes listed in a Markdown comment (a comment has a size limit and a reader has
    /// patience); the rest are counted.
    pub max_items: usize,
}

impl Default for RenderOptions {
    fn default() -> RenderOptions {
        RenderOptions { max_items: 50 }
    }
}

/// How a change is labelled: its level, or `allowed` for an accepted break.
fn label(c: &Change) -> &'static str {
    match c.level {
        Level::Breaking if c.allowed => "allowed",
        Level::Breaking => "breaking",
        Level::Warning => "warning",
        Level::Info | Level::Ignore => "non-breaking",
    }
}

/// Display order: failing first, then warnings, allowed breaks, the rest.
fn rank(c: &Change) -> u8 {
    match (c.level, c.allowed) {
        (Level::Breaking, false) => 0,
        (Level::Warning, _) => 1,
        (Level::Breaking, true) => 2,
        _ => 3,
    }
}

/// The stable JSON document; fields are only ever added.
#[derive(Serialize)]
struct ReportJson<'a> {
    old: &'a str,
    new: &'a str,
    breaking: usize,
    non_breaking: usize,
    warnings: usize,
    allowed: usize,
    changes: &'a [Change],
}

/// Changes grouped by operation (`method`, `path`, `operation`), or by component for changes
/// reported at a shared component, in report order.
fn by_operation<'r>(changes: impl Iterator<Item = &'r Change>) -> Vec<(&'r Change, Vec<&'r Change>)> {
    let mut groups: Vec<(&Change, Vec<&Change>)> = Vec::new();
    for change in changes {
        match groups.iter_mut().find(|(first, _)| match (&first.component, &change.component) {
            (Some(a), Some(b)) => a == b,
            (None, None) => {
                first.method == change.method && first.path == change.path && first.operation == change.operation
            }
            _ => false,
        }) {
            Some((_, members)) => members.push(change),
            None => groups.push((change, vec![change])),
        }
    }
    groups
}

/// `PATCH /path (operationId)`, without the id when it is only `METHOD path`; for a change at
/// a shared component, `schema Name (used by a, b)`.
fn operation_title(change: &Change) -> String {
    if let Some(component) = &change.component {
        return format!("schema {component} (used by {})", change.operations.join(", "));
    }
    let generated = format!("{} {}", change.method, change.path);
    if change.operation == generated { generated } else { format!("{generated} ({})", change.operation) }
}

fn summary(report: &DiffReport) -> String {
    let mut out = format!("{} breaking, {} non-breaking", report.breaking(), report.non_breaking());
    if report.warnings() > 0 || report.allowed() > 0 {
        out.push_str(&format!(" ({} warnings, {} allowed)", report.warnings(), report.allowed()));
    }
    out
}

impl DiffReport {
    /// Renders in one of the formats.
    pub fn render(&self, format: Format, options: RenderOptions) -> String {
        match format {
            Format::Text => self.render_text(),
            Format::Json => self.render_json(),
            Format::Markdown => self.render_markdown_limited(options.max_items),
            Format::Changelog => self.render_changelog(),
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
            ordered.sort_by_key(|c| rank(c)); // Stable: failing first, report order kept.
            for c in ordered {
                let severity = label(c);
                let breaks = match (c.level, c.breaks) {
                    (_, Breaks::None) => String::new(),
                    (Level::Breaking | Level::Warning, b) => format!(", breaks {b}"),
                    (_, b) => format!(", affects {b}"),
                };
                let allowance = c.allowance.as_ref().map(|r| format!(" (allowed: {r})")).unwrap_or_default();
                let _ =
                    writeln!(out, "  {severity:<12}  {}: {} [{}{breaks}]{allowance}", c.location, c.message, c.kind);
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
    ///     "message": "success status 204 removed",
    ///     "level": "breaking",
    ///     "allowed": false
    ///   }]
    /// }
    /// ```
    /// `severity` is `breaking` or `non_breaking` (conform's classification); `level` is what the
    /// policy makes of it (`breaking`, `warning`, `info`); `allowed` is true for a break the
    /// allow-list accepts (`allowance` then gives its reason). A change at a shared component
    /// also has `component` and `operations`. `breaks` is `clients`, `servers`, `both` or
    /// `none`; `kind` is one of [`super::KINDS`]. `breaking` counts what fails the gate.
    /// Changes are in report order.
    pub fn render_json(&self) -> String {
        let doc = ReportJson {
            old: &self.old,
            new: &self.new,
            breaking: self.breaking(),
            non_breaking: self.non_breaking(),
            warnings: self.warnings(),
            allowed: self.allowed(),
            changes: &self.changes,
        };
        serde_json::to_string_pretty(&doc).unwrap_or_default()
    }

    /// For a pull-request comment: a heading, the summary, then tables of failing breaking
    /// changes, warnings, allowed breaks and other changes; see [`Self::render_markdown_limited`].
    pub fn render_markdown(&self) -> String {
        self.render_markdown_limited(RenderOptions::default().max_items)
    }

    /// As [`Self::render_markdown`], listing at most `max_items` changes (failing ones first)
    /// and counting the rest.
    pub fn render_markdown_limited(&self, max_items: usize) -> String {
        let mut out = format!("## API changes: {} → {}\n\n", code(&self.old), code(&self.new));
        if self.changes.is_empty() {
            out.push_str("No changes.\n");
            return out;
        }
        if self.breaking() > 0 {
            let _ = writeln!(
                out,
                "**{} breaking**, {}.",
                self.breaking(),
                summary(self).split_once(", ").map_or("", |(_, rest)| rest)
            );
        } else {
            let _ = writeln!(out, "{}.", summary(self));
        }
        let mut budget = max_items;
        // Who a non-breaking change affects must follow it; it does not break them.
        for (rank_of, title, who) in [
            (0, "Breaking changes", "Breaks"),
            (1, "Warnings", "Breaks"),
            (2, "Allowed breaking changes", "Breaks"),
            (3, "Non-breaking changes", "Affects"),
        ] {
            let rows: Vec<&Change> = self.changes.iter().filter(|c| rank(c) == rank_of).collect();
            if rows.is_empty() || budget == 0 {
                continue;
            }
            let _ = writeln!(out, "\n### {title} ({})\n", rows.len());
            let _ = writeln!(out, "| Operation | Location | Change | {who} | Kind |\n|---|---|---|---|---|");
            for c in rows.iter().take(budget) {
                let kind = match &c.allowance {
                    Some(reason) => format!("{} ({})", code(c.kind), text(reason)),
                    None => code(c.kind),
                };
                let _ = writeln!(
                    out,
                    "| {} | {} | {} | {} | {kind} |",
                    code(&operation_title(c)),
                    text(&c.location),
                    text(&c.message),
                    c.breaks,
                );
            }
            budget -= rows.len().min(budget);
        }
        let shown = max_items.min(self.changes.len());
        if shown < self.changes.len() {
            let _ = writeln!(
                out,
                "\n…and {} more changes not shown (`conform diff --format text` lists them all).",
                self.changes.len() - shown
            );
        }
        out
    }

    /// For release notes: Markdown grouped by operation (and by shared component), breaking
    /// changes first in each group, each line naming its level.
    pub fn render_changelog(&self) -> String {
        let mut out = format!("# API changelog: {} → {}\n", code(&self.old), code(&self.new));
        if self.changes.is_empty() {
            out.push_str("\nNo changes.\n");
            return out;
        }
        let _ = writeln!(out, "\n{}.", summary(self));
        for (first, changes) in by_operation(self.changes.iter()) {
            let _ = writeln!(out, "\n## {}\n", code(&operation_title(first)));
            let mut ordered = changes;
            ordered.sort_by_key(|c| rank(c));
            for c in ordered {
                let allowance = c.allowance.as_ref().map(|r| format!(" (allowed: {})", text(r))).unwrap_or_default();
                let _ = writeln!(out, "- **{}** {}: {}{allowance}", label(c), text(&c.location), text(&c.message));
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
