//! The contract: load a Swagger 2.0 or OpenAPI 3.0/3.1 document (YAML or JSON, file or URL),
//! normalise it once
//! into conform's own [`Operation`] model and compile a validator for every parameter, request
//! body, response body and response header.
//!
//! A malformed document is a [`SpecError`] (conform cannot run). A broken place inside a
//! well-formed document is a [`SpecFinding`] (the rest still loads): an invalid regex, an
//! unresolvable `$ref`, a schema of an unknown shape. This module must never panic on any input.

#![warn(missing_docs, clippy::missing_errors_doc)]

mod compile;
mod finding;
mod inherit;
pub mod media;
mod model;
mod normalize;
mod oas31;
pub mod params;
pub mod pattern;
pub mod pointer;
mod schema;
pub mod semantics;
mod source;
mod swagger2;

pub use compile::standalone as standalone_schema;
pub use finding::{FindingKind, Severity, SpecFinding, group_places};
pub(crate) use inherit::{inherited_base, require_within};
pub use model::*;
pub use pattern::generatable;
pub use pattern::{pattern_compiles, translate_pattern};
pub use schema::DISCRIMINATOR_KEY;
pub use source::{Origin, SpecError, Version, shown_url};

use indexmap::IndexMap;
use serde_json::Value;
use std::sync::Arc;

/// A loaded, normalised and compiled spec.
#[derive(Debug, Clone)]
pub struct Spec {
    /// What the user gave (`specs/x.yaml`, or a URL).
    pub source: String,
    /// The document's `info.title`.
    pub title: String,
    /// The document's `info.version` (the API's version, not OpenAPI's).
    pub version: String,
    /// The document's `openapi` field.
    pub openapi: String,
    /// Server URLs, variables filled with their defaults.
    pub servers: Vec<String>,
    /// Operations in document order.
    pub operations: Vec<Operation>,
    /// The `components.securitySchemes`, by name, in document order.
    pub security_schemes: IndexMap<String, SecuritySchemeSpec>,
    /// Problems found while loading, in the order found.
    pub findings: Vec<SpecFinding>,
    /// The format the document is written in.
    pub format: Version,
    /// 3.1 webhooks: listed, never fired.
    pub webhooks: Vec<Webhook>,
    docs: Arc<SchemaDocs>,
}

impl Spec {
    /// Loads a spec from a file path or an http(s) URL. URLs (and external `$ref`s) are fetched
    /// with a blocking client: call this before entering an async runtime, or from
    /// `spawn_blocking`.
    ///
    /// # Errors
    /// [`SpecError`] when the document cannot be read, parsed, or is not Swagger 2.0 or
    /// OpenAPI 3.x.
    pub fn load(source: &str) -> Result<Spec, SpecError> {
        let origin = Origin::parse(source)?;
        let bytes = source::read(&origin)?;
        // A URL's credentials (`user:password@`, `?token=`) must not reach any report.
        let name = match &origin {
            Origin::Url(_) => origin.display(),
            Origin::File(_) => source.to_owned(),
        };
        Spec::from_bytes_at(&name, origin, &bytes)
    }

    /// Loads a spec from bytes; relative external `$ref`s resolve against the current directory.
    ///
    /// # Errors
    /// As [`Spec::load`].
    pub fn from_bytes(name: &str, bytes: &[u8]) -> Result<Spec, SpecError> {
        Spec::from_bytes_at(name, Origin::File(name.into()), bytes)
    }

    fn from_bytes_at(name: &str, origin: Origin, bytes: &[u8]) -> Result<Spec, SpecError> {
        let doc = source::parse(name, bytes)?;
        Spec::from_value_at(name, origin, doc)
    }

    /// Loads a spec from an already parsed document.
    ///
    /// # Errors
    /// [`SpecError::NotOpenApi`] when it is not a Swagger 2.0 or OpenAPI 3.x document.
    pub fn from_value(name: &str, doc: Value) -> Result<Spec, SpecError> {
        Spec::from_value_at(name, Origin::File(name.into()), doc)
    }

    fn from_value_at(name: &str, origin: Origin, mut doc: Value) -> Result<Spec, SpecError> {
        let format = source::check_version(name, &doc)?;
        let mut findings = Vec::new();
        source::bundle(&origin, &mut doc, &mut findings);
        // Swagger 2.0 becomes the 3.0 shape here; `moved` maps pointers back for findings.
        let moved = match format {
            Version::Swagger2 => {
                let (converted, moved) = swagger2::convert(&doc, &mut findings);
                doc = converted;
                Some(moved)
            }
            _ => None,
        };
        let (v31, dialect) = match format {
            Version::V31 => (true, schema::Dialect::Oas31),
            _ => (false, schema::Dialect::Oas30),
        };
        if v31 {
            oas31::check_dialect(&doc, &mut findings);
        }
        let normalized = normalize::normalize(&doc, v31, &mut findings);
        let mut roots = normalized.schema_roots;
        // Bundled external documents may hold schemas reached only through references.
        roots.dedup();
        let sanitized = schema::sanitize_dialect(&mut doc, &roots, &mut findings, dialect);
        let docs = Arc::new(SchemaDocs {
            request: schema::convert_dialect(&doc, &sanitized.order, Direction::Request, dialect),
            response: schema::convert_dialect(&doc, &sanitized.order, Direction::Response, dialect),
        });
        drop(doc);
        let mut operations = normalized.operations;
        compile::compile_and_bind(&docs, &mut operations, &mut findings);
        compile::mark_unchecked(&docs, &mut operations, &sanitized.defects);
        compile::check_examples(&operations, &mut findings);
        if let Some(moved) = &moved {
            moved.restore(&mut findings, &mut operations);
        }
        group_places(&mut findings);
        Ok(Spec {
            source: name.to_owned(),
            title: normalized.title,
            version: normalized.version,
            openapi: normalized.openapi,
            servers: normalized.servers,
            operations,
            security_schemes: normalized.security_schemes,
            findings,
            format,
            webhooks: normalized.webhooks,
            docs,
        })
    }

    /// The operation with this id (operationId, or `METHOD path`).
    pub fn operation(&self, id: &str) -> Option<&Operation> {
        self.operations.iter().find(|o| o.id == id)
    }

    /// Whether any finding is an error.
    pub fn has_errors(&self) -> bool {
        self.findings.iter().any(|f| f.severity == Severity::Error)
    }

    /// The path part of the first server URL (`/api/public/v1.0`), without a trailing slash;
    /// empty when there is none.
    pub fn base_path(&self) -> String {
        let Some(server) = self.servers.first() else { return String::new() };
        let path = match url::Url::parse(server) {
            Ok(url) => url.path().to_owned(),
            // A relative server URL (`/v1`) is already a path.
            Err(_) if server.starts_with('/') => server.clone(),
            Err(_) => String::new(),
        };
        path.trim_end_matches('/').to_owned()
    }

    /// The converted JSON Schema document of one direction (for generators and tools).
    pub fn schema_document(&self, direction: Direction) -> &Value {
        self.docs.document(direction)
    }

    /// Finds the operations whose path template matches a concrete path (without the base
    /// path). Returns the best template's operations with the raw variable values; more literal
    /// text wins (`/a/me` over `/a/{id}`).
    pub fn route(&self, path: &str) -> Option<Route<'_>> {
        // One split and one buffer for every template; only the winner's values are copied.
        let segments: Vec<&str> = PathTemplate::split(path).collect();
        let mut found = Vec::new();
        let best = self
            .operations
            .iter()
            .filter(|op| op.template.match_into(&segments, &mut found))
            // Most literal text wins; on a tie the first in document order.
            .rev()
            .max_by_key(|op| op.template.literal_len())?;
        best.template.match_into(&segments, &mut found);
        let params = found.iter().map(|(name, value)| ((*name).to_owned(), (*value).to_owned())).collect();
        Some(Route { operations: self.operations.iter().filter(|o| o.path == best.path).collect(), params })
    }
}

/// The operations of one path template, and the raw values of its variables.
#[derive(Debug)]
pub struct Route<'a> {
    /// The operations of the matched template, one per method.
    pub operations: Vec<&'a Operation>,
    /// `(name, still percent-encoded value)`, in template order.
    pub params: Vec<(String, String)>,
}

#[cfg(test)]
mod tests;
