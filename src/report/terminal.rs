//! The terminal report: a per-operation table, the contract coverage (compact, or in full with
//! `--coverage`), then each finding with what was expected, what
//! came, the minimal request and a `curl` line that reproduces it. Colours only on a terminal
//! and never with `NO_COLOR`.

use super::view::{self, FindingView};
use crate::model::RunReport;
use crate::model::coverage::{Exercised, OperationCoverage};
use crate::model::events::{Event, EventSink};
use serde_json::Value;
use std::fmt::Write as _;

/// Text styling, on or off.
#[derive(Debug, Clone, Copy)]
pub struct Style {
    /// Whether to emit ANSI colour codes.
    pub color: bool,
}

impl Style {
    /// Colour when stdout is a terminal and `NO_COLOR` is unset.
    pub fn detect() -> Style {
        use std::io::IsTerminal;
        let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
        Style { color: !no_color && std::io::stdout().is_terminal() }
    }

    fn paint(&self, code: &str, text: &str) -> String {
        if self.color { format!("\x1b[{code}m{text}\x1b[0m") } else { text.to_owned() }
    }

    fn bold(&self, t: &str) -> String {
        self.paint("1", t)
    }
    fn red(&self, t: &str) -> String {
        self.paint("31", t)
    }
    fn green(&self, t: &str) -> String {
        self.paint("32", t)
    }
    fn dim(&self, t: &str) -> String {
        self.paint("2", t)
    }
}

fn indent_body(body: &Value) -> String {
    let text = match body {
        Value::String(s) => s.clone(),
        Value::Null => return String::new(),
        other => serde_json::to_string_pretty(other).unwrap_or_default(),
    };
    text.lines().map(|l| format!("             {l}")).collect::<Vec<_>>().join("\n")
}

fn finding(out: &mut String, style: Style, n: usize, f: &FindingView) {
    let unit = if f.steps.is_empty() { "request" } else { "sequence" };
    let times = if f.count == 1 { format!("1 {unit}") } else { format!("{} {unit}s", f.count) };
    let check = if f.severity == "warning" { format!("{} (warning)", f.check) } else { style.red(&f.check) };
    let _ = writeln!(out, "{}", style.bold(&format!("{n}. {check} · {} ({times})", f.operation)));
    let _ = writeln!(out, "   expected: {}", f.expected);
    let _ = writeln!(out, "   got:      {}", f.message);
    let shrunk = if f.shrunk { " (shrunk)" } else { "" };
    let _ = writeln!(out, "   request{shrunk}: {} {}", f.request.method, f.request.url);
    for (k, v) in &f.request.headers {
        let _ = writeln!(out, "             {k}: {v}");
    }
    if let Some(body) = &f.request.body {
        let _ = writeln!(out, "{}", indent_body(body));
    }
    match &f.response {
        Some(r) => {
            let ct = r
                .headers
                .iter()
                .find(|(k, _)| k == "content-type")
                .map(|(_, v)| v.as_str())
                .unwrap_or("no Content-Type");
            let _ = writeln!(out, "   response: {} {ct}", r.status);
            let body = indent_body(&r.body);
            if !body.is_empty() {
                let _ = writeln!(out, "{body}");
            }
        }
        None => {
            let _ = writeln!(out, "   response: none");
        }
    }
    for (i, s) in f.steps.iter().enumerate() {
        let status = s.response.as_ref().map(|r| r.status.to_string()).unwrap_or_else(|| "no answer".into());
        let _ = writeln!(out, "   step {}: {} {} -> {status}", i + 1, s.request.method, s.request.url);
    }
    if f.steps.is_empty() {
        let _ = writeln!(out, "   reproduce: {}", style.dim(&f.reproduce));
    } else {
        let _ = writeln!(out, "   reproduce, in order:");
        for s in &f.steps {
            let _ = writeln!(out, "     {}", style.dim(&s.reproduce));
        }
    }
    let _ = writeln!(out);
}

/// How much of the contract coverage the terminal report shows.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum CoverageDetail {
    /// A summary line and a short table: every operation of a small spec, else only the first
    /// operations with gaps.
    #[default]
    Compact,
    /// Every operation, each with its statuses, media types, parameters, body properties and
    /// invalid kinds (`--coverage`).
    Full,
}

/// What the terminal report shows beyond the always-there parts.
#[derive(Debug, Clone, Copy, Default)]
pub struct Options {
    /// How much contract coverage to show.
    pub coverage: CoverageDetail,
}

/// Renders the whole report, with the compact coverage table.
pub fn render(report: &RunReport, style: Style) -> String {
    render_with(report, style, Options::default())
}

/// Renders the whole report, as `options` say.
pub fn render_with(report: &RunReport, style: Style, options: Options) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{} {} · {} -> {} · seed {}{}\n",
        style.bold("conform"),
        env!("CARGO_PKG_VERSION"),
        report.spec,
        report.target,
        report.seed,
        if report.warnings.iter().any(|w| w == crate::tls::INSECURE_WARNING) {
            style.red(" · TLS NOT VERIFIED (insecure)")
        } else {
            String::new()
        }
    );
    let width = report.operations.iter().map(|o| o.operation.len()).max().unwrap_or(9).max(9);
    let _ = writeln!(out, "{:<width$}  {:>8}  {:>8}  checks failed", "operation", "requests", "failures");
    for op in &report.operations {
        let checks: Vec<String> = op.by_check.iter().map(|(c, n)| format!("{c} x{n}")).collect();
        let failures = if op.failures == 0 { style.green("0") } else { style.red(&op.failures.to_string()) };
        let pad = 8 + failures.len() - op.failures.to_string().len();
        let _ = writeln!(out, "{:<width$}  {:>8}  {failures:>pad$}  {}", op.operation, op.requests, checks.join(", "));
    }
    // Operations a filter left out are what the user asked for: counted, not listed one by one.
    let mut filtered = 0;
    for s in &report.stats.skipped_operations {
        if s.cause == crate::model::SkipCause::Filter {
            filtered += 1;
            continue;
        }
        let _ = writeln!(out, "{:<width$}  {}", s.operation, style.dim(&format!("skipped: {}", s.reason)));
    }
    if filtered > 0 {
        let _ = writeln!(
            out,
            "{}",
            style.dim(&format!("{filtered} operations left out by --operation/--include/--exclude"))
        );
    }
    coverage(&mut out, report, style, options.coverage);
    let views = view::findings(report);
    let _ = writeln!(
        out,
        "\n{} of {} operations tested, {} requests in {:.2} s: {}",
        report.stats.operations,
        report.stats.operations_total,
        report.stats.requests,
        report.stats.duration_ms as f64 / 1000.0,
        match views.len() {
            0 => style.green("no failures"),
            1 => style.red("1 failure"),
            n => style.red(&format!("{n} failures")),
        }
    );
    let generation = report.spec_findings.iter().filter(|f| f.severity == crate::spec::Severity::Error).count();
    if generation > 0 {
        let _ = writeln!(
            out,
            "{}",
            style.dim(&format!("{generation} spec errors left constraints unchecked (conform lint lists them)"))
        );
    }
    let redactor = crate::model::redact::Redactor::new(&report.secrets);
    for w in &report.warnings {
        let _ = writeln!(out, "{}", style.red(&format!("warning: {}", redactor.text(w))));
    }
    for e in &report.errors {
        let _ = writeln!(out, "{}", style.red(&format!("error: {}", redactor.text(e))));
    }
    for e in &report.internal_errors {
        let _ = writeln!(out, "{}", style.red(&format!("internal error: {}", redactor.text(e))));
    }
    if !views.is_empty() {
        let _ = writeln!(out, "\n{}\n", style.bold("FAILURES"));
        for (i, f) in views.iter().enumerate() {
            finding(&mut out, style, i + 1, f);
        }
    }
    out
}

/// Tested operations a compact table lists one by one; past this, only the first operations
/// with gaps are listed.
const COMPACT_ROWS: usize = 20;

/// A spec's name as the terminal shows it: control characters become `?` (a hostile spec may
/// name an operation with escape sequences).
fn clean(text: &str) -> String {
    text.chars().map(|c| if c.is_control() { '?' } else { c }).collect()
}

/// `a of b`, or `-` when there is nothing to cover.
fn ratio(a: usize, b: usize) -> String {
    if b == 0 { "-".to_owned() } else { format!("{a}/{b}") }
}

/// An operation's gaps, condensed for one table cell.
fn gap_cell(op: &OperationCoverage) -> String {
    if op.skipped.is_some() {
        return op.gaps().join("; ");
    }
    let mut parts = Vec::new();
    if op.requests > 0 && op.answered_2xx == 0 && op.gaps().iter().any(|g| g == "never answered 2xx") {
        parts.push("never answered 2xx".to_owned());
    }
    let statuses: Vec<&str> = op.documented_statuses().filter(|s| s.seen == 0).map(|s| s.status.as_str()).collect();
    if !statuses.is_empty() {
        parts.push(format!("documented {} never seen", statuses.join(", ")));
    }
    let media: Vec<&str> = op.media_types.iter().filter(|m| m.seen == 0).map(|m| m.media_type.as_str()).collect();
    match media.as_slice() {
        [] => {}
        [one] => parts.push(format!("media type {one} never seen")),
        many => parts.push(format!("{} media types never seen", many.len())),
    }
    let never = |list: &[Exercised]| -> Vec<String> {
        list.iter().filter(|p| p.valid == 0 && p.invalid == 0).map(|p| p.name.clone()).collect()
    };
    for (what, names) in [("parameter", never(&op.parameters)), ("body property", never(&op.body_properties))] {
        match names.as_slice() {
            [] => {}
            [one] => parts.push(format!("{what} {one} never sent")),
            many if what == "body property" => parts.push(format!("{} body properties never sent", many.len())),
            many => parts.push(format!("{} {what}s never sent", many.len())),
        }
    }
    clean(&parts.join("; "))
}

fn coverage(out: &mut String, report: &RunReport, style: Style, detail: CoverageDetail) {
    let coverage = &report.coverage;
    let s = coverage.summary();
    if s.tested == 0 {
        return;
    }
    let _ = writeln!(out, "\n{}", style.bold("coverage"));
    let _ = writeln!(
        out,
        "  {} of {} tested operations answered 2xx · documented statuses seen {} of {} · media types {} of {}",
        s.answered_2xx, s.tested, s.statuses_seen, s.statuses_documented, s.media_types_seen, s.media_types_documented
    );
    let _ = writeln!(
        out,
        "  parameters sent valid {} of {}, broken {} · body properties sent valid {} of {}, broken {} · {} invalid kinds",
        s.parameters_valid,
        s.parameters,
        s.parameters_invalid,
        s.body_properties_valid,
        s.body_properties,
        s.body_properties_invalid,
        s.invalid_kinds
    );
    let tested: Vec<&OperationCoverage> =
        coverage.operations.iter().filter(|o| o.skipped.is_none() && o.requests > 0).collect();
    let (rows, more): (Vec<&OperationCoverage>, usize) = match detail {
        CoverageDetail::Full => (tested.clone(), 0),
        CoverageDetail::Compact if tested.len() <= COMPACT_ROWS => (tested.clone(), 0),
        CoverageDetail::Compact => {
            // The widest gaps first: never answered 2xx, then in spec order.
            let mut gaps: Vec<&OperationCoverage> =
                tested.iter().copied().filter(|o| !gap_cell(o).is_empty()).collect();
            gaps.sort_by_key(|o| o.answered_2xx > 0);
            let more = gaps.len().saturating_sub(COMPACT_ROWS);
            (gaps.into_iter().take(COMPACT_ROWS).collect(), more)
        }
    };
    if !rows.is_empty() {
        let width = rows.iter().map(|o| clean(&o.operation).chars().count()).max().unwrap_or(9).max(9);
        let _ = writeln!(
            out,
            "  {:<width$}  {:>8}  {:>3}  {:>8}  {:>5}  {:>6}  {:>5}  gaps",
            "operation", "requests", "2xx", "statuses", "media", "params", "body"
        );
        for o in &rows {
            let seen = o.documented_statuses().filter(|s| s.seen > 0).count();
            let documented = o.documented_statuses().count();
            let media = o.media_types.iter().filter(|m| m.seen > 0).count();
            let exercised = |l: &[Exercised]| l.iter().filter(|p| p.valid + p.invalid > 0).count();
            let ok = if o.answered_2xx > 0 { style.green("yes") } else { style.red(" no") };
            let gaps = gap_cell(o);
            let _ = writeln!(
                out,
                "  {:<width$}  {:>8}  {ok}  {:>8}  {:>5}  {:>6}  {:>5}  {}",
                clean(&o.operation),
                o.requests,
                ratio(seen, documented),
                ratio(media, o.media_types.len()),
                ratio(exercised(&o.parameters), o.parameters.len()),
                ratio(exercised(&o.body_properties), o.body_properties.len()),
                if gaps.is_empty() { style.dim("none") } else { style.red(&gaps) },
            );
        }
    }
    if detail == CoverageDetail::Compact && tested.len() > COMPACT_ROWS {
        let _ = writeln!(
            out,
            "{}",
            style.dim(&format!(
                "  {} of {} tested operations have gaps, {} never answered 2xx{}; --coverage lists every operation, --coverage-html FILE writes a page",
                s.operations_with_gaps,
                s.tested,
                s.tested - s.answered_2xx,
                if more > 0 { format!(" ({more} not listed)") } else { String::new() },
            ))
        );
    }
    if detail == CoverageDetail::Full {
        let redactor = crate::model::redact::Redactor::new(&report.secrets);
        for o in &tested {
            details(out, o, &redactor);
        }
    }
}

/// One operation's coverage in full (`--coverage`).
fn details(out: &mut String, o: &OperationCoverage, redactor: &crate::model::redact::Redactor) {
    let _ = writeln!(
        out,
        "\n  {} · {} {} · {} requests ({} valid, {} invalid, {} unanswered)",
        clean(&o.operation),
        o.method,
        clean(&o.path),
        o.requests,
        o.valid,
        o.invalid,
        o.unanswered
    );
    let mut statuses: Vec<String> = o.statuses.iter().map(|s| format!("{} x{}", s.status, s.seen)).collect();
    statuses.extend(o.undocumented_statuses.iter().map(|(s, n)| format!("{s} x{n} (undocumented)")));
    let _ = writeln!(out, "    statuses     {}", statuses.join(" · "));
    let mut media: Vec<String> =
        o.media_types.iter().map(|m| format!("{} x{}", clean(&m.media_type), m.seen)).collect();
    media.extend(
        o.undocumented_media_types.iter().map(|(m, n)| format!("{} x{n} (undocumented)", clean(&redactor.text(m)))),
    );
    if !media.is_empty() {
        let _ = writeln!(out, "    media types  {}", media.join(" · "));
    }
    let list = |l: &[Exercised]| -> String {
        l.iter()
            .map(|p| {
                let place = p.location.map(|l| format!(" ({l})")).unwrap_or_default();
                format!("{}{place} valid {} broken {}", clean(&p.name), p.valid, p.invalid)
            })
            .collect::<Vec<_>>()
            .join(" · ")
    };
    if !o.parameters.is_empty() {
        let _ = writeln!(out, "    parameters   {}", list(&o.parameters));
    }
    if !o.body_properties.is_empty() {
        let _ = writeln!(out, "    body         {}", list(&o.body_properties));
    }
    if !o.invalid_kinds.is_empty() {
        let kinds: Vec<String> = o.invalid_kinds.iter().map(|(k, n)| format!("{} x{n}", clean(k))).collect();
        let _ = writeln!(out, "    invalid      {}", kinds.join(" · "));
    }
    if o.untracked > 0 {
        let _ =
            writeln!(out, "    untracked    {} parameters, properties or media types past the first 128", o.untracked);
    }
    let gaps = o.gaps();
    if !gaps.is_empty() {
        let _ = writeln!(out, "    gaps         {}", clean(&gaps.join("; ")));
    }
}

/// A progress bar on stderr when stderr is a terminal; silent otherwise.
pub struct ProgressBar {
    bar: Option<indicatif::ProgressBar>,
}

impl ProgressBar {
    /// A bar drawn on stderr, or a silent one when stderr is not a terminal.
    pub fn stderr() -> ProgressBar {
        use std::io::IsTerminal;
        if !std::io::stderr().is_terminal() {
            return ProgressBar { bar: None };
        }
        let bar = indicatif::ProgressBar::new(0);
        if let Ok(style) =
            indicatif::ProgressStyle::with_template("{spinner} {pos}/{len} requests [{elapsed_precise}] {wide_bar}")
        {
            bar.set_style(style);
        }
        ProgressBar { bar: Some(bar) }
    }
}

/// Counts the exchanges of the planned phases (cases and probes) against the total the run
/// announced; sequences and shrinking are open-ended and not counted.
impl EventSink for ProgressBar {
    fn event(&self, event: &Event<'_>) {
        let Some(bar) = &self.bar else { return };
        match event {
            Event::Started { planned, .. } => bar.set_length(*planned),
            Event::AnswerJudged { phase, .. } if phase.is_planned() => bar.inc(1),
            Event::Finished { .. } => bar.finish_and_clear(),
            _ => {}
        }
    }
}
