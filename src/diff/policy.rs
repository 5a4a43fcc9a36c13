//! What a team makes of each change: the level of every change kind (`breaking`, `warning`,
//! `info`, `ignore`), from a named preset and a rules file, and an allow-list of breaking changes
//! accepted on purpose (each with a reason and an optional expiry date).
//!
//! The classification itself (what narrows, what widens, who it breaks) stays in the rest of
//! [`crate::diff`]; a policy only maps kinds to levels, so every preset reads the same facts.
//! Operations marked `x-stability-level: beta` or `deprecated` get warnings where a stable one
//! would break, and `draft`/`alpha` ones only information, as oasdiff does. This module must
//! never panic, whatever the rules file holds: a bad file is a [`PolicyError`].

use super::{Change, DiffReport, KINDS, Lifecycle, ParseError, Severity};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

/// The rules file read from the current directory when `--rules` is not given.
pub const DEFAULT_RULES_FILE: &str = "conform-diff.toml";

/// What a change means for the gate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    /// Dropped from the report.
    Ignore,
    /// Reported, never fails.
    Info,
    /// Reported apart, fails only with `--fail-on any`.
    Warning,
    /// Fails the gate unless allowed.
    Breaking,
}

impl Level {
    /// The strict default: breaking changes are `breaking`, every other change `info`.
    pub(crate) fn default_for(severity: Severity) -> Level {
        match severity {
            Severity::Breaking => Level::Breaking,
            Severity::NonBreaking => Level::Info,
        }
    }

    /// `breaking`, `warning`, `info` or `ignore`.
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Breaking => "breaking",
            Level::Warning => "warning",
            Level::Info => "info",
            Level::Ignore => "ignore",
        }
    }
}

impl fmt::Display for Level {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Level {
    type Err = ParseError;

    /// Parses `breaking`, `warning`, `info` or `ignore`.
    fn from_str(s: &str) -> Result<Level, ParseError> {
        match s {
            "breaking" => Ok(Level::Breaking),
            "warning" => Ok(Level::Warning),
            "info" => Ok(Level::Info),
            "ignore" => Ok(Level::Ignore),
            _ => Err(ParseError { what: "level", value: s.to_owned(), expected: "breaking, warning, info or ignore" }),
        }
    }
}

/// A named set of default levels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum Preset {
    /// conform's own classification: every change that may break a client is `breaking`.
    #[default]
    Strict,
    /// oasdiff's default levels (ERR, WARN, INFO) for the kinds both tools have.
    Oasdiff,
    /// For generated clients (closed enums, methods named after operationIds): oasdiff's levels,
    /// with what breaks generated code raised to `breaking`.
    Sdk,
}

impl FromStr for Preset {
    type Err = ParseError;

    /// Parses `strict`, `oasdiff` or `sdk`.
    fn from_str(s: &str) -> Result<Preset, ParseError> {
        match s {
            "strict" => Ok(Preset::Strict),
            "oasdiff" => Ok(Preset::Oasdiff),
            "sdk" => Ok(Preset::Sdk),
            _ => Err(ParseError { what: "preset", value: s.to_owned(), expected: "strict, oasdiff or sdk" }),
        }
    }
}

/// Where `oasdiff` (checker/rules.go, checked against its source) puts a kind both tools have at
/// another level than conform's strict classification. Kinds not listed keep the strict level:
/// oasdiff agrees (ERR for what conform calls breaking, INFO for the rest) or has no such check.
pub const OASDIFF_LEVELS: &[(&str, Level, &str)] = &[
    ("response_enum_value_added", Level::Warning, "response-property-enum-value-added is WARN"),
    ("parameter_removed", Level::Warning, "request-parameter-removed is WARN"),
    ("request_property_removed", Level::Warning, "request-property-removed is WARN"),
    ("request_pattern_changed", Level::Warning, "request-property-pattern-changed is WARN"),
    ("response_pattern_changed", Level::Info, "response-property-pattern-changed is INFO"),
    ("success_status_added", Level::Info, "response-success-status-added is INFO"),
    ("request_discriminator_mapping_changed", Level::Info, "request-body-discriminator-mapping-changed is INFO"),
    ("response_discriminator_mapping_changed", Level::Info, "response-body-discriminator-mapping-changed is INFO"),
    ("security_scheme_changed", Level::Info, "api-security-component-type-updated is INFO"),
];

/// What the `sdk` preset changes on top of [`OASDIFF_LEVELS`], and why.
pub const SDK_LEVELS: &[(&str, Level, &str)] = &[
    ("response_enum_value_added", Level::Breaking, "a closed enum cannot decode the new value"),
    ("response_discriminator_mapping_changed", Level::Breaking, "the client decodes the value into another type"),
    ("operation_id_changed", Level::Breaking, "generated method names come from operationIds"),
    ("parameter_removed", Level::Breaking, "the generated method loses an argument callers pass"),
    ("request_property_removed", Level::Breaking, "the generated model loses a field callers set"),
];

/// A breaking change accepted on purpose: it passes until `expires`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Allowance {
    /// operationId, `METHOD path`, or `*` for any.
    pub operation: String,
    /// A change kind, exactly.
    pub kind: String,
    /// The change's location, exactly, or a prefix ending in `*`; `None` for any.
    pub location: Option<String>,
    /// Why the change is accepted, for the report.
    pub reason: String,
    /// The last day the allowance holds; `None` for no end.
    pub expires: Option<Date>,
}

impl Allowance {
    fn matches(&self, change: &Change) -> bool {
        let operation = self.operation == "*"
            || self.operation == change.operation
            || self.operation == format!("{} {}", change.method, change.path)
            || change.operations.contains(&self.operation);
        let location = match self.location.as_deref() {
            None => true,
            Some(pattern) => match pattern.strip_suffix('*') {
                Some(prefix) => change.location.starts_with(prefix),
                None => change.location == pattern,
            },
        };
        operation && location && self.kind == change.kind
    }
}

/// A calendar day, `YYYY-MM-DD`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Date {
    /// The year (four digits when parsed).
    pub year: i32,
    /// The month, 1 to 12.
    pub month: u32,
    /// The day of the month, 1 to 31.
    pub day: u32,
}

impl Date {
    /// Today in UTC, from the system clock.
    pub fn today() -> Date {
        let secs = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0);
        Date::from_days(i64::try_from(secs / 86_400).unwrap_or(0))
    }

    /// The civil date of a day count since 1970-01-01.
    pub(super) fn from_days(days: i64) -> Date {
        let (year, month, day) = crate::calendar::civil_from_days(days);
        Date { year: i32::try_from(year).unwrap_or(i32::MAX), month: month as u32, day: day as u32 }
    }
}

impl FromStr for Date {
    type Err = ParseError;

    /// Parses `YYYY-MM-DD`.
    fn from_str(s: &str) -> Result<Date, ParseError> {
        let bad = || ParseError { what: "date", value: s.to_owned(), expected: "YYYY-MM-DD" };
        let mut parts = s.splitn(3, '-');
        let (Some(y), Some(m), Some(d)) = (parts.next(), parts.next(), parts.next()) else { return Err(bad()) };
        let digits = |p: &str, n: usize| p.len() == n && p.bytes().all(|b| b.is_ascii_digit());
        if !(digits(y, 4) && digits(m, 2) && digits(d, 2)) {
            return Err(bad());
        }
        let date = Date {
            year: y.parse().map_err(|_| bad())?,
            month: m.parse().map_err(|_| bad())?,
            day: d.parse().map_err(|_| bad())?,
        };
        if !(1..=12).contains(&date.month) || !(1..=31).contains(&date.day) {
            return Err(bad());
        }
        Ok(date)
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

/// Why a rules file cannot be used.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PolicyError {
    /// The rules file could not be read.
    #[error("cannot read {path}: {source}")]
    Read {
        /// The file, as given.
        path: String,
        /// What the file system said.
        #[source]
        source: std::io::Error,
    },
    /// The rules file is not valid: bad YAML, an unknown kind or level, a bad date.
    #[error("{path}: {message}")]
    Invalid {
        /// The file, as given.
        path: String,
        /// What is wrong, and where.
        message: String,
    },
}

/// The levels and the allow-list one diff is judged by.
#[derive(Debug, Clone)]
pub struct Policy {
    /// The default levels.
    pub preset: Preset,
    /// Levels set by the rules file, by kind; they win over the preset's.
    pub levels: BTreeMap<String, Level>,
    /// Breaking changes accepted on purpose, in file order.
    pub allow: Vec<Allowance>,
    /// The day allowances are judged on (today, unless a test says otherwise).
    pub today: Date,
}

impl Default for Policy {
    fn default() -> Policy {
        Policy::preset(Preset::Strict)
    }
}

/// The rules file: top-level keys, or the same keys under a `[diff]` table of a conform config.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RulesFile {
    preset: Option<String>,
    #[serde(default)]
    levels: BTreeMap<String, String>,
    #[serde(default)]
    allow: Vec<AllowEntry>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AllowEntry {
    #[serde(default)]
    operation: Option<String>,
    kind: String,
    #[serde(default)]
    location: Option<String>,
    reason: String,
    /// A TOML date (`2027-01-31`) or the same as a string.
    #[serde(default)]
    expires: Option<toml::Value>,
}

/// Every concrete kind name (`{side}_x` expanded to `request_x` and `response_x`).
pub fn kind_names() -> Vec<String> {
    let mut out = Vec::new();
    for (kind, _) in KINDS {
        match kind.strip_prefix("{side}_") {
            Some(rest) => {
                out.push(format!("request_{rest}"));
                out.push(format!("response_{rest}"));
            }
            None => out.push((*kind).to_owned()),
        }
    }
    out
}

impl Policy {
    /// A preset with no rules file.
    pub fn preset(preset: Preset) -> Policy {
        Policy { preset, levels: BTreeMap::new(), allow: Vec::new(), today: Date::today() }
    }

    /// Reads a rules file.
    ///
    /// # Errors
    /// [`PolicyError`] when it cannot be read, is not TOML, or names an unknown kind, level,
    /// preset or date.
    pub fn load(path: &std::path::Path) -> Result<Policy, PolicyError> {
        let shown = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|source| PolicyError::Read { path: shown.clone(), source })?;
        Policy::from_toml(&shown, &text)
    }

    /// Parses the text of a rules file; `name` is used in errors.
    ///
    /// # Errors
    /// As [`Policy::load`].
    pub fn from_toml(name: &str, text: &str) -> Result<Policy, PolicyError> {
        let invalid = |message: String| PolicyError::Invalid { path: name.to_owned(), message };
        let mut table: toml::Table = toml::from_str(text).map_err(|e| invalid(e.to_string().trim().to_owned()))?;
        let body = match table.remove("diff") {
            Some(toml::Value::Table(diff)) => diff,
            Some(_) => return Err(invalid("`diff` must be a table".to_owned())),
            // A conform config without a `[diff]` table sets nothing here.
            None if table.keys().any(|k| !["preset", "levels", "allow"].contains(&k.as_str())) => {
                let unknown: Vec<&String> =
                    table.keys().filter(|k| !["preset", "levels", "allow"].contains(&k.as_str())).collect();
                return Err(invalid(format!("unknown keys {unknown:?}; expected preset, levels, allow or [diff]")));
            }
            None => table,
        };
        let file: RulesFile =
            toml::Value::Table(body).try_into().map_err(|e: toml::de::Error| invalid(e.to_string()))?;
        let preset = match file.preset.as_deref() {
            Some(p) => p.parse().map_err(|e: ParseError| invalid(e.to_string()))?,
            None => Preset::Strict,
        };
        let known = kind_names();
        let check_kind = |kind: &str| {
            if known.iter().any(|k| k == kind) {
                Ok(())
            } else {
                Err(invalid(format!("unknown change kind `{kind}` (see the README's list of kinds)")))
            }
        };
        let mut levels = BTreeMap::new();
        for (kind, level) in file.levels {
            check_kind(&kind)?;
            let level: Level = level.parse().map_err(|e: ParseError| invalid(format!("{kind}: {e}")))?;
            levels.insert(kind, level);
        }
        let mut allow = Vec::new();
        for entry in file.allow {
            check_kind(&entry.kind)?;
            let expires = match entry.expires {
                None => None,
                Some(toml::Value::String(s)) => Some(s),
                Some(toml::Value::Datetime(d)) => Some(d.to_string()),
                Some(_) => return Err(invalid(format!("allowance for {}: expires must be a date", entry.kind))),
            };
            let expires = match expires {
                Some(text) => {
                    Some(text.parse::<Date>().map_err(|e| invalid(format!("allowance for {}: {e}", entry.kind)))?)
                }
                None => None,
            };
            if entry.reason.trim().is_empty() {
                return Err(invalid(format!("allowance for {}: a reason is required", entry.kind)));
            }
            allow.push(Allowance {
                operation: entry.operation.unwrap_or_else(|| "*".to_owned()),
                kind: entry.kind,
                location: entry.location,
                reason: entry.reason,
                expires,
            });
        }
        Ok(Policy { preset, levels, allow, today: Date::today() })
    }

    /// The level of a kind before stability and allowances: the rules file, else the preset.
    pub fn level_of(&self, kind: &str, severity: Severity) -> Level {
        if let Some(level) = self.levels.get(kind) {
            return *level;
        }
        let table = |t: &[(&str, Level, &str)]| t.iter().find(|(k, _, _)| *k == kind).map(|(_, l, _)| *l);
        let preset = match self.preset {
            Preset::Strict => None,
            Preset::Oasdiff => table(OASDIFF_LEVELS),
            Preset::Sdk => table(SDK_LEVELS).or_else(|| table(OASDIFF_LEVELS)),
        };
        preset.unwrap_or_else(|| Level::default_for(severity))
    }

    /// Sets every change's level and allowance, and drops the ignored ones.
    pub fn apply(&self, report: &mut DiffReport) {
        for change in &mut report.changes {
            let mut level = self.level_of(change.kind, change.severity);
            // oasdiff: beta and deprecated operations may still change (a warning); draft and
            // alpha ones are outside breaking-change detection.
            level = match (change.lifecycle, level) {
                (Lifecycle::Unstable, Level::Breaking) => Level::Warning,
                (Lifecycle::Experimental, Level::Breaking | Level::Warning) => Level::Info,
                (_, level) => level,
            };
            change.level = level;
            change.allowed = false;
            change.allowance = None;
            if level != Level::Breaking {
                continue;
            }
            if let Some(a) = self.allow.iter().find(|a| a.matches(change)) {
                match a.expires {
                    Some(day) if day < self.today => {
                        change.allowance = Some(format!("{} (allowance expired on {day})", a.reason));
                    }
                    _ => {
                        change.allowed = true;
                        change.allowance = Some(a.reason.clone());
                    }
                }
            }
        }
        report.changes.retain(|c| c.level != Level::Ignore);
    }
}
