//! The contract coverage as one self-contained HTML page (`--coverage-html FILE`): a summary
//! with bars, then one row per operation of the spec with its statuses, media types,
//! parameters and body properties as coloured cells, and its gaps said plainly.
//!
//! One file, readable offline: inline CSS, no script, no font or image from anywhere. The
//! markup is well-formed XHTML (every element closed, every attribute quoted), so that a test
//! can parse it as XML. Every piece of text is escaped: operation ids, paths and names come
//! from the spec, and hostile specs exist. Coverage holds names and counts, never values;
//! the one thing a server chose (an undocumented media type) goes through the redactor.

use crate::model::RunReport;
use crate::model::coverage::{Exercised, OperationCoverage};
use crate::model::redact::Redactor;
use std::fmt::Write as _;

/// Text escaped for XML and HTML alike (element content and quoted attributes). Characters
/// XML forbids (control characters other than tab and newline) become `?`.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            '\t' | '\n' => out.push(c),
            c if c.is_control() || matches!(c, '\u{FFFE}' | '\u{FFFF}') => out.push('?'),
            c => out.push(c),
        }
    }
    out
}

const STYLE: &str = "
body{font:14px/1.45 system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;margin:0;color:#1f2328;background:#f6f8fa}
header{background:#24292f;color:#fff;padding:16px 24px}
header h1{margin:0 0 4px;font-size:20px}
header p{margin:0;color:#d0d7de;font-size:13px;word-break:break-all}
main{padding:16px 24px}
.cards{display:flex;flex-wrap:wrap;gap:12px;margin-bottom:16px}
.card{background:#fff;border:1px solid #d0d7de;border-radius:6px;padding:10px 14px;min-width:190px;flex:1}
.card h2{font-size:12px;text-transform:uppercase;letter-spacing:.04em;color:#57606a;margin:0 0 6px}
.card .n{font-size:22px;font-weight:600}
.bar{height:8px;background:#ffebe9;border-radius:4px;overflow:hidden;margin-top:6px}
.bar span{display:block;height:100%;background:#2da44e}
table{border-collapse:collapse;width:100%;background:#fff;border:1px solid #d0d7de}
th,td{border-bottom:1px solid #d8dee4;padding:6px 8px;text-align:left;vertical-align:top}
th{background:#f6f8fa;font-size:12px;color:#57606a;position:sticky;top:0}
td.op code{font-weight:600}
td.op .path{color:#57606a;font-size:12px;word-break:break-all}
.m{display:inline-block;font-size:11px;font-weight:700;padding:0 4px;border-radius:3px;background:#ddf4ff;color:#0969da;margin-right:4px}
.c{display:inline-block;margin:1px 2px;padding:0 6px;border-radius:10px;font-size:12px;white-space:nowrap;border:1px solid transparent}
.seen{background:#dafbe1;border-color:#aceebb}
.half{background:#fff8c5;border-color:#eac54f}
.miss{background:#ffebe9;border-color:#ff8182}
.undoc{background:#fbefff;border-color:#d8b9ff}
.dflt{background:#eaeef2;border-color:#d0d7de}
.gaps{color:#cf222e;margin:0;padding-left:16px}
.ok{color:#1a7f37}
tr.skipped td{color:#6e7781;background:#f6f8fa}
.legend{font-size:12px;color:#57606a;margin:8px 0 12px}
.num{text-align:right;white-space:nowrap}
";

fn card(out: &mut String, title: &str, seen: usize, total: usize, note: &str) {
    let pct = (seen * 100).checked_div(total).unwrap_or(100);
    let _ = write!(
        out,
        "<div class=\"card\"><h2>{}</h2><div class=\"n\">{seen} <small>of {total}</small></div>\
         <div class=\"bar\" title=\"{pct}%\"><span style=\"width:{pct}%\"></span></div><div class=\"legend\">{}</div></div>",
        escape(title),
        escape(note)
    );
}

fn chip(out: &mut String, class: &str, text: &str, title: &str) {
    let _ = write!(out, "<span class=\"c {class}\" title=\"{}\">{}</span>", escape(title), escape(text));
}

fn exercised(out: &mut String, list: &[Exercised]) {
    if list.is_empty() {
        out.push_str("<span class=\"legend\">none documented</span>");
        return;
    }
    for p in list {
        let class = match (p.valid > 0, p.invalid > 0) {
            (true, true) => "seen",
            (false, false) => "miss",
            _ => "half",
        };
        let place = p.location.map(|l| format!("{l} ")).unwrap_or_default();
        let required = if p.required { "required " } else { "" };
        let title = format!("{required}{place}{}: sent valid {}, broken {}", p.name, p.valid, p.invalid);
        chip(out, class, &format!("{} {}/{}", p.name, p.valid, p.invalid), &title);
    }
}

fn row(out: &mut String, o: &OperationCoverage, redactor: &Redactor) {
    let skipped = o.skipped.is_some();
    let _ = write!(
        out,
        "<tr id=\"op-{}\"{}><td class=\"op\"><span class=\"m\">{}</span><code>{}</code><div class=\"path\">{}</div></td>",
        escape(&o.operation).replace(' ', "_"),
        if skipped { " class=\"skipped\"" } else { "" },
        escape(&o.method),
        escape(&o.operation),
        escape(&o.path)
    );
    let _ = write!(
        out,
        "<td class=\"num\">{}<div class=\"legend\">{} valid · {} invalid</div></td><td>",
        o.requests, o.valid, o.invalid
    );
    for s in &o.statuses {
        let class = match (s.status.as_str(), s.seen) {
            ("default", _) => "dflt",
            (_, 0) => "miss",
            _ => "seen",
        };
        chip(out, class, &format!("{} ×{}", s.status, s.seen), &format!("documented {}: {} answers", s.status, s.seen));
    }
    for (status, n) in &o.undocumented_statuses {
        chip(out, "undoc", &format!("{status} ×{n}"), &format!("undocumented {status}: {n} answers"));
    }
    out.push_str("</td><td>");
    for m in &o.media_types {
        let class = if m.seen > 0 { "seen" } else { "miss" };
        chip(out, class, &format!("{} ×{}", m.media_type, m.seen), "documented media type");
    }
    for (m, n) in &o.undocumented_media_types {
        chip(out, "undoc", &format!("{} ×{n}", redactor.text(m)), "undocumented media type");
    }
    out.push_str("</td><td>");
    exercised(out, &o.parameters);
    out.push_str("</td><td>");
    exercised(out, &o.body_properties);
    out.push_str("</td><td>");
    for (kind, n) in &o.invalid_kinds {
        chip(out, "dflt", &format!("{kind} ×{n}"), "invalid requests of this kind");
    }
    out.push_str("</td><td>");
    let gaps = o.gaps();
    if gaps.is_empty() {
        out.push_str("<span class=\"ok\">none</span>");
    } else {
        out.push_str("<ul class=\"gaps\">");
        for g in gaps {
            let _ = write!(out, "<li>{}</li>", escape(&g));
        }
        out.push_str("</ul>");
    }
    out.push_str("</td></tr>\n");
}

/// The coverage page of a run: a complete, self-contained XHTML document.
pub fn render(report: &RunReport) -> String {
    let redactor = Redactor::new(&report.secrets);
    let s = report.coverage.summary();
    let mut out = String::new();
    out.push_str("<!DOCTYPE html>\n<html xmlns=\"http://www.w3.org/1999/xhtml\" lang=\"en\">\n<head>\n");
    out.push_str(
        "<meta charset=\"utf-8\"/>\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"/>\n",
    );
    let _ = writeln!(out, "<title>conform coverage · {}</title>", escape(&report.spec));
    let _ = writeln!(out, "<style>{STYLE}</style>\n</head>\n<body>");
    let _ = writeln!(
        out,
        "<header><h1>Contract coverage</h1><p>conform {} · {} → {} · seed {} · {} requests</p></header>\n<main>",
        env!("CARGO_PKG_VERSION"),
        escape(&report.spec),
        escape(&redactor.text(&report.target)),
        report.seed,
        s.requests
    );
    out.push_str("<div class=\"cards\">");
    card(&mut out, "operations answered 2xx", s.answered_2xx, s.tested, &format!("{} in the spec", s.operations));
    card(&mut out, "documented statuses seen", s.statuses_seen, s.statuses_documented, "codes and ranges, not default");
    card(&mut out, "media types seen", s.media_types_seen, s.media_types_documented, "documented response types");
    card(
        &mut out,
        "parameters sent valid",
        s.parameters_valid,
        s.parameters,
        &format!("{} broken on purpose", s.parameters_invalid),
    );
    card(
        &mut out,
        "body properties sent valid",
        s.body_properties_valid,
        s.body_properties,
        &format!("{} broken on purpose", s.body_properties_invalid),
    );
    card(
        &mut out,
        "operations without gaps",
        s.tested - s.operations_with_gaps,
        s.tested,
        &format!("{} invalid-case kinds sent", s.invalid_kinds),
    );
    out.push_str("</div>\n");
    out.push_str(
        "<p class=\"legend\"><span class=\"c seen\">seen</span><span class=\"c half\">sent valid or broken, not both</span>\
         <span class=\"c miss\">never</span><span class=\"c undoc\">undocumented</span><span class=\"c dflt\">default / kinds</span>\
         Parameters and properties read name valid/broken.</p>\n",
    );
    out.push_str(
        "<table>\n<thead><tr><th>operation</th><th>requests</th><th>statuses</th><th>media types</th>\
         <th>parameters</th><th>body properties</th><th>invalid kinds</th><th>gaps</th></tr></thead>\n<tbody>\n",
    );
    for o in &report.coverage.operations {
        row(&mut out, o, &redactor);
    }
    out.push_str("</tbody>\n</table>\n</main>\n</body>\n</html>\n");
    out
}
