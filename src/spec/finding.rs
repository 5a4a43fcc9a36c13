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
    Error,
    Warning,
}

/// What kind of problem a finding is; stable names for the JSON output.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
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
            FindingKind::Unsupported => "unsupported",
        }
    }
}

/// One problem in the document, at a JSON pointer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SpecFinding {
    pub severity: Severity,
    pub kind: FindingKind,
    /// RFC 6901 pointer into the (bundled) document, without the leading `#`.
    pub pointer: String,
    /// Lowercase sentence fragment saying what is wrong and what conform does about it.
    pub message: String,
}

impl SpecFinding {
    pub fn new(kind: FindingKind, pointer: impl Into<String>, message: impl Into<String>) -> Self {
        SpecFinding { severity: kind.severity(), kind, pointer: pointer.into(), message: message.into() }
    }
}

impl fmt::Display for SpecFinding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sev = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        write!(f, "{sev}[{}] #{}: {}", self.kind.as_str(), self.pointer, self.message)
    }
}
