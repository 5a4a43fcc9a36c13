//! Spec findings: what is wrong with a document that conform could still load.
//!
//! A finding never stops the load; it names the place (a JSON pointer) and says which
//! constraint conform had to leave unchecked because of it.

use serde::Serialize;
use std::fmt;

/// How bad a finding is: errors make `conform lint` exit 1, warnings do not.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// conform cannot use part of the document as written (`conform lint` exits 1).
    Error,
    /// The document is usable but conform reads it leniently or cannot check all of it.
    Warning,
}

/// What kind of problem a finding is; stable names for the JSON output.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum FindingKind {
    /// A `pattern` no regex engine conform uses accepts; the constraint is unchecked.
    InvalidPattern,
    /// A valid `pattern` that request generation cannot produce strings from.
    UngeneratablePattern,
    /// A `$ref` that points nowhere; the referencing schema accepts anything there.
    UnresolvedRef,
    /// A schema keyword of the wrong shape; the keyword is ignored.
    InvalidSchema,
    /// A part of the document openapiv3 could not read; that part is left out.
    InvalidStructure,
    /// Keywords beside a `$ref`, which OpenAPI 3.0 ignores.
    RefSiblings,
    /// Two operations share an operationId.
    DuplicateOperationId,
    /// A path parameter missing from the template, or a template variable with no parameter.
    PathParameterMismatch,
    /// A validator that could not be compiled; the schema is unchecked.
    CompileFailed,
    /// An example that does not satisfy its own schema.
    InvalidExample,
    /// A security requirement naming a scheme that is not defined.
    UnknownSecurityScheme,
    /// A `format` that no validator knows but that is one typo away from one that does
    /// (`datetime` for `date-time`); it is only an annotation.
    UnknownFormat,
    /// A schema keyword from another OpenAPI version than the document's (`nullable` in 3.1,
    /// `const` in 3.0, a boolean `exclusiveMinimum` in 3.1).
    VersionKeyword,
    /// A construct conform reads but cannot honour fully (a schema dialect other than
    /// 2020-12, a keyword requests are not generated from); values are still checked.
    Unsupported,
}

impl FindingKind {
    /// Default severity of this kind.
    pub fn severity(self) -> Severity {
        match self {
            FindingKind::RefSiblings
            | FindingKind::UngeneratablePattern
            | FindingKind::InvalidExample
            | FindingKind::UnknownFormat
            | FindingKind::VersionKeyword
            | FindingKind::Unsupported => Severity::Warning,
            _ => Severity::Error,
        }
    }

    /// Stable snake_case name.
    pub fn as_str(self) -> &'static str {
        match self {
            FindingKind::InvalidPattern => "invalid_pattern",
            FindingKind::UngeneratablePattern => "ungeneratable_pattern",
            FindingKind::UnresolvedRef => "unresolved_ref",
            FindingKind::InvalidSchema => "invalid_schema",
            FindingKind::InvalidStructure => "invalid_structure",
            FindingKind::RefSiblings => "ref_siblings",
            FindingKind::DuplicateOperationId => "duplicate_operation_id",
            FindingKind::PathParameterMismatch => "path_parameter_mismatch",
            FindingKind::CompileFailed => "compile_failed",
            FindingKind::InvalidExample => "invalid_example",
            FindingKind::UnknownSecurityScheme => "unknown_security_scheme",
            FindingKind::UnknownFormat => "unknown_format",
            FindingKind::VersionKeyword => "version_keyword",
            FindingKind::Unsupported => "unsupported",
        }
    }
}

/// One problem in the document, at a JSON pointer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SpecFinding {
    /// How bad it is; follows from the kind.
    pub severity: Severity,
    /// What sort of problem it is.
    pub kind: FindingKind,
    /// RFC 6901 pointer into the (bundled) document, without the leading `#`.
    pub pointer: String,
    /// Lowercase sentence fragment saying what is wrong and what conform does about it.
    pub message: String,
    /// The other places with the same finding (one pattern used in many schemas), grouped by
    /// [`group_places`]; empty for a finding at one place.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub places: Vec<String>,
}

impl SpecFinding {
    /// A finding of `kind` at `pointer`, with the kind's severity and no other places.
    pub fn new(kind: FindingKind, pointer: impl Into<String>, message: impl Into<String>) -> Self {
        SpecFinding {
            severity: kind.severity(),
            kind,
            pointer: pointer.into(),
            message: message.into(),
            places: Vec::new(),
        }
    }
}

impl SpecFinding {
    /// Whether the finding is at `pointer`, as its first place or one of the grouped others.
    pub fn is_at(&self, pointer: &str) -> bool {
        self.pointer == pointer || self.places.iter().any(|p| p == pointer)
    }
}

/// Kinds whose findings say the same thing wherever the same value is written (a pattern, a
/// format name): one finding lists every place.
const GROUPED: [FindingKind; 4] = [
    FindingKind::InvalidPattern,
    FindingKind::UngeneratablePattern,
    FindingKind::UnknownFormat,
    FindingKind::VersionKeyword,
];

/// Merges findings of the same kind and message (one pattern's findings) into the first one,
/// whose `places` then lists the other pointers. Order is otherwise kept.
pub fn group_places(findings: &mut Vec<SpecFinding>) {
    let mut first: std::collections::HashMap<(FindingKind, String), usize> = std::collections::HashMap::new();
    let mut out: Vec<SpecFinding> = Vec::with_capacity(findings.len());
    for f in findings.drain(..) {
        if !GROUPED.contains(&f.kind) {
            out.push(f);
            continue;
        }
        match first.get(&(f.kind, f.message.clone())) {
            Some(&i) => {
                out[i].places.push(f.pointer);
                out[i].places.extend(f.places);
            }
            None => {
                first.insert((f.kind, f.message.clone()), out.len());
                out.push(f);
            }
        }
    }
    *findings = out;
}

impl fmt::Display for SpecFinding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sev = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        write!(f, "{sev}[{}] #{}: {}", self.kind.as_str(), self.pointer, self.message)?;
        if !self.places.is_empty() {
            const SHOWN: usize = 3;
            let shown: Vec<String> = self.places.iter().take(SHOWN).map(|p| format!("#{p}")).collect();
            let more = self.places.len().saturating_sub(SHOWN);
            write!(
                f,
                " (also at {}{})",
                shown.join(", "),
                if more > 0 { format!(" and {more} more") } else { String::new() }
            )?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_patterns_findings_are_grouped_with_their_places() {
        let f = |kind, at: &str, msg: &str| SpecFinding::new(kind, at, msg);
        let mut findings = vec![
            f(FindingKind::UngeneratablePattern, "/a/pattern", "`x` cannot"),
            f(FindingKind::UnresolvedRef, "/b/$ref", "nowhere"),
            f(FindingKind::UngeneratablePattern, "/c/pattern", "`x` cannot"),
            f(FindingKind::UngeneratablePattern, "/d/pattern", "`y` cannot"),
            f(FindingKind::UnresolvedRef, "/e/$ref", "nowhere"),
            f(FindingKind::UngeneratablePattern, "/f/pattern", "`x` cannot"),
        ];
        group_places(&mut findings);
        let shown: Vec<(&str, Vec<&str>)> =
            findings.iter().map(|f| (f.pointer.as_str(), f.places.iter().map(String::as_str).collect())).collect();
        assert_eq!(
            shown,
            [
                ("/a/pattern", vec!["/c/pattern", "/f/pattern"]),
                ("/b/$ref", vec![]),
                ("/d/pattern", vec![]),
                ("/e/$ref", vec![]),
            ],
            "patterns grouped, other kinds kept apart"
        );
        assert!(findings[0].to_string().ends_with("(also at #/c/pattern, #/f/pattern)"), "{}", findings[0]);
        let json = serde_json::to_value(&findings[0]).unwrap_or_default();
        assert_eq!(json["places"], serde_json::json!(["/c/pattern", "/f/pattern"]));
        assert!(serde_json::to_value(&findings[1]).unwrap_or_default().get("places").is_none());
    }
}
