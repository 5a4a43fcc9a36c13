//! The terminal report: a per-operation table, then each finding with what was expected, what
//! came, the minimal request and a `curl` line that reproduces it. Colours only on a terminal
//! and never with `NO_COLOR`.

use super::view::{self, FindingView};
use crate::model::RunReport;
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

/// Renders the whole report.
pub fn render(report: &RunReport, style: Style) -> String {
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
