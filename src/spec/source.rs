//! Reading a spec: from a file or an http(s) URL, as YAML or JSON, into one `serde_json::Value`.
//!
//! External `$ref`s (`other.yaml#/Foo`, `https://…/x.json`) are bundled here, once, into the
//! document under `x-conform-bundled`, with every reference rewritten to a local one. Everything
//! after this module sees a single self-contained document. This module must never panic on
//! input bytes: bad bytes are a [`SpecError`] naming file, line and column.

use super::finding::{FindingKind, SpecFinding};
use super::pointer;
use serde_json::Value;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Where bundled external documents live inside the bundled document.
pub(super) const BUNDLE_KEY: &str = "x-conform-bundled";
/// At most this many external documents are pulled in.
const MAX_EXTERNAL_DOCUMENTS: usize = 256;
/// Specs larger than this are refused rather than read into memory.
const MAX_SPEC_BYTES: u64 = 64 * 1024 * 1024;

/// Why a spec could not be loaded at all (as opposed to a [`SpecFinding`]).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SpecError {
    /// A file could not be read.
    #[error("cannot read {path}: {source}")]
    Read {
        /// The file, as given.
        path: String,
        /// What the file system said.
        #[source]
        source: std::io::Error,
    },
    /// A URL could not be parsed or fetched (a network error, a non-2xx answer).
    #[error("cannot fetch {url}: {message}")]
    Fetch {
        /// The URL; credentials in it are hidden once it parses.
        url: String,
        /// What went wrong.
        message: String,
    },
    /// A document is neither valid JSON nor valid YAML.
    #[error("{origin}:{line}:{column}: {message}")]
    Syntax {
        /// The file or URL.
        origin: String,
        /// 1-based line of the error.
        line: usize,
        /// 1-based column of the error.
        column: usize,
        /// The parser's message.
        message: String,
    },
    /// A document parses but is not an OpenAPI (or Swagger 2.0) description.
    #[error("{origin}: not an OpenAPI document: {reason}")]
    NotOpenApi {
        /// The file or URL.
        origin: String,
        /// What is missing or wrong (no `openapi` key, an unsupported version, …).
        reason: String,
    },
    /// A document is larger than conform reads into memory.
    #[error("{origin}: {size} bytes is more than the {limit} bytes conform reads")]
    TooLarge {
        /// The file or URL.
        origin: String,
        /// Its size in bytes: the announced length, or what was read before the limit.
        size: u64,
        /// The limit in bytes.
        limit: u64,
    },
}

/// A place a document comes from: a file path or a URL.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Origin {
    /// A local file.
    File(PathBuf),
    /// An `http://` or `https://` URL.
    Url(url::Url),
}

impl Origin {
    /// Parses a `--spec` argument: `http://` and `https://` are URLs, anything else a path.
    ///
    /// # Errors
    /// [`SpecError::Fetch`] for an `http(s)://` argument that is not a valid URL.
    pub fn parse(source: &str) -> Result<Origin, SpecError> {
        if source.starts_with("http://") || source.starts_with("https://") {
            url::Url::parse(source)
                .map(Origin::Url)
                .map_err(|e| SpecError::Fetch { url: shown_unparsed(source), message: e.to_string() })
        } else {
            Ok(Origin::File(PathBuf::from(source)))
        }
    }

    /// Resolves a reference's document part (before `#`) relative to this origin.
    fn join(&self, relative: &str) -> Option<Origin> {
        if relative.starts_with("http://") || relative.starts_with("https://") {
            return url::Url::parse(relative).ok().map(Origin::Url);
        }
        match self {
            Origin::File(path) => {
                let rel = relative.strip_prefix("file://").unwrap_or(relative);
                let rel = percent_encoding::percent_decode_str(rel).decode_utf8_lossy();
                let base = path.parent().unwrap_or(Path::new("."));
                Some(Origin::File(normalize_path(&base.join(rel.as_ref()))))
            }
            Origin::Url(url) => url.join(relative).ok().map(Origin::Url),
        }
    }

    /// The origin as shown in messages and reports (a URL without its credentials).
    pub fn display(&self) -> String {
        match self {
            Origin::File(p) => p.display().to_string(),
            Origin::Url(u) => shown_url(u),
        }
    }
}

/// A URL as shown: without user information (`user:password@`), query or fragment, any of
/// which may carry credentials (`?token=…`).
pub fn shown_url(url: &url::Url) -> String {
    let mut shown = url.clone();
    let _ = shown.set_username("");
    let _ = shown.set_password(None);
    shown.set_query(None);
    shown.set_fragment(None);
    shown.to_string()
}

/// Text that failed to parse as a URL, as shown: the same parts left out as by [`shown_url`]
/// (anything before an `@` in the authority, the query, the fragment), found by their
/// delimiters alone.
fn shown_unparsed(text: &str) -> String {
    let (scheme, rest) = text.split_once("://").unwrap_or(("", text));
    let rest = rest.split(['?', '#']).next().unwrap_or_default();
    let (authority, path) = rest.find('/').map_or((rest, ""), |i| rest.split_at(i));
    let host = authority.rsplit_once('@').map_or(authority, |(_, host)| host);
    format!("{scheme}://{host}{path}")
}

fn normalize_path(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for part in path.components() {
        match part {
            std::path::Component::ParentDir => {
                if !out.pop() {
                    out.push("..");
                }
            }
            std::path::Component::CurDir => {}
            other => out.push(other.as_os_str()),
        }
    }
    out
}

/// Reads the bytes of one document. URLs are fetched with a blocking client, so call this
/// outside an async runtime (or inside `spawn_blocking`).
///
/// # Errors
/// [`SpecError::Read`], [`SpecError::Fetch`] or [`SpecError::TooLarge`].
pub(super) fn read(origin: &Origin) -> Result<Vec<u8>, SpecError> {
    match origin {
        Origin::File(path) => {
            let err = |source| SpecError::Read { path: path.display().to_string(), source };
            let meta = std::fs::metadata(path).map_err(err)?;
            if meta.is_dir() {
                return Err(SpecError::Read {
                    path: path.display().to_string(),
                    source: std::io::Error::other("is a directory"),
                });
            }
            if meta.len() > MAX_SPEC_BYTES {
                return Err(SpecError::TooLarge { origin: origin.display(), size: meta.len(), limit: MAX_SPEC_BYTES });
            }
            // Devices and pipes report a length of 0 whatever they hold (`/dev/zero`): the
            // read itself is bounded too.
            let file = std::fs::File::open(path).map_err(err)?;
            read_bounded(file).map_err(|e| match e {
                Bounded::TooLarge(size) => {
                    SpecError::TooLarge { origin: origin.display(), size, limit: MAX_SPEC_BYTES }
                }
                Bounded::Io(source) => err(source),
            })
        }
        Origin::Url(url) => fetch(url),
    }
}

enum Bounded {
    TooLarge(u64),
    Io(std::io::Error),
}

/// Reads at most [`MAX_SPEC_BYTES`], whatever the source claims about its length.
fn read_bounded(reader: impl std::io::Read) -> Result<Vec<u8>, Bounded> {
    use std::io::Read as _;
    let mut bytes = Vec::new();
    match reader.take(MAX_SPEC_BYTES + 1).read_to_end(&mut bytes) {
        Ok(n) if n as u64 > MAX_SPEC_BYTES => Err(Bounded::TooLarge(n as u64)),
        Ok(_) => Ok(bytes),
        Err(e) => Err(Bounded::Io(e)),
    }
}

/// Reads a document a `$ref` points at. A document may name any path, so only regular files
/// are read: a reference to `/dev/stdin` or a FIFO must not block the loader.
fn read_referenced(origin: &Origin) -> Result<Vec<u8>, SpecError> {
    if let Origin::File(path) = origin
        && std::fs::metadata(path).is_ok_and(|m| !m.is_file())
    {
        return Err(SpecError::Read {
            path: path.display().to_string(),
            source: std::io::Error::other("not a regular file"),
        });
    }
    read(origin)
}

fn fetch(url: &url::Url) -> Result<Vec<u8>, SpecError> {
    let fail = |message: String| SpecError::Fetch { url: shown_url(url), message };
    crate::tls::install_default_provider();
    let client = reqwest::blocking::Client::builder()
        .timeout(Duration::from_secs(30))
        .user_agent(concat!("conform/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| fail(e.to_string()))?;
    let response = client
        .get(url.clone())
        .header("Accept", "application/yaml, application/json;q=0.9, */*;q=0.5")
        .send()
        .map_err(|e| fail(without_url(&e)))?;
    let status = response.status();
    if !status.is_success() {
        return Err(fail(format!("server answered {status}")));
    }
    if let Some(len) = response.content_length()
        && len > MAX_SPEC_BYTES
    {
        return Err(SpecError::TooLarge { origin: shown_url(url), size: len, limit: MAX_SPEC_BYTES });
    }
    // A chunked answer has no length to check first: the read is bounded instead.
    read_bounded(response).map_err(|e| match e {
        Bounded::TooLarge(size) => SpecError::TooLarge { origin: shown_url(url), size, limit: MAX_SPEC_BYTES },
        Bounded::Io(e) => fail(e.to_string()),
    })
}

fn without_url(e: &reqwest::Error) -> String {
    let mut text = e.to_string();
    if let Some(url) = e.url() {
        text = text
            .replace(&format!(" for url ({url})"), "")
            .replace(&format!(" ({url})"), "")
            .replace(url.as_str(), "<url>");
    }
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text
}

/// Parses YAML or JSON bytes into a value. JSON is tried first when the text starts with `{`.
///
/// # Errors
/// [`SpecError::Syntax`] with the 1-based line and column of the problem.
pub(super) fn parse(origin: &str, bytes: &[u8]) -> Result<Value, SpecError> {
    let text = std::str::from_utf8(bytes).map_err(|e| {
        let (line, column) = line_col_of_offset(bytes, e.valid_up_to());
        SpecError::Syntax { origin: origin.to_owned(), line, column, message: "invalid UTF-8".to_owned() }
    })?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    if text.trim().is_empty() {
        return Err(SpecError::Syntax {
            origin: origin.to_owned(),
            line: 1,
            column: 1,
            message: "the document is empty".to_owned(),
        });
    }
    if text.trim_start().starts_with('{') {
        return serde_json::from_str(text).map_err(|e| SpecError::Syntax {
            origin: origin.to_owned(),
            line: e.line(),
            column: e.column(),
            message: strip_location(&e.to_string()),
        });
    }
    serde_yaml_ng::from_str::<Value>(text).map_err(|e| {
        let (line, column) = e.location().map(|l| (l.line(), l.column())).unwrap_or((1, 1));
        SpecError::Syntax { origin: origin.to_owned(), line, column, message: strip_location(&e.to_string()) }
    })
}

fn strip_location(message: &str) -> String {
    // Both parsers append " at line L column C"; the error already carries them.
    match message.find(" at line ") {
        Some(i) => {
            let rest = &message[i..];
            let tail = rest.find(", ").map(|j| &rest[j..]).unwrap_or("");
            format!("{}{}", &message[..i], tail)
        }
        None => message.to_owned(),
    }
}

fn line_col_of_offset(bytes: &[u8], offset: usize) -> (usize, usize) {
    let before = &bytes[..offset.min(bytes.len())];
    let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
    let column = before.iter().rev().take_while(|&&b| b != b'\n').count() + 1;
    (line, column)
}

/// The document format a spec is written in; every one is read into the same model.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Version {
    /// Swagger 2.0: converted into the 3.0 shape on load (the private `spec::swagger2` module).
    Swagger2,
    /// OpenAPI 3.0.x: schemas are the 3.0 dialect and are converted to JSON Schema 2020-12.
    V30,
    /// OpenAPI 3.1 (and, read the same way, 3.2): schemas are JSON Schema 2020-12 as written.
    V31,
}

/// Which format a parsed value is written in.
///
/// # Errors
/// [`SpecError::NotOpenApi`] naming what is wrong (not a mapping, no version field, a version
/// conform does not know).
pub(super) fn check_version(origin: &str, doc: &Value) -> Result<Version, SpecError> {
    let fail = |reason: String| Err(SpecError::NotOpenApi { origin: origin.to_owned(), reason });
    let Some(map) = doc.as_object() else {
        return fail("the top level is not a mapping".to_owned());
    };
    if let Some(swagger) = map.get("swagger") {
        return match swagger {
            Value::String(v) if v.starts_with("2.") => Ok(Version::Swagger2),
            other => fail(format!("`swagger` is {other}; conform reads Swagger \"2.0\"")),
        };
    }
    match map.get("openapi") {
        None => fail("there is no `openapi` field".to_owned()),
        Some(Value::String(v)) if v.starts_with("3.0") => Ok(Version::V30),
        // 3.2 only adds to 3.1 (new methods, query, streaming media types); what conform reads
        // of it is read the 3.1 way.
        Some(Value::String(v)) if v.starts_with("3.1") || v.starts_with("3.2") => Ok(Version::V31),
        Some(Value::String(v)) => {
            fail(format!("version {v} is not supported; conform reads Swagger 2.0 and OpenAPI 3.0, 3.1 and 3.2"))
        }
        Some(other) => fail(format!("`openapi` is {other}, expected a version string such as \"3.1.0\"")),
    }
}

/// Pulls every external document reached through `$ref` into `doc` under [`BUNDLE_KEY`] and
/// rewrites the references to local ones. References that cannot be followed stay as they are
/// and are reported; the schema compiler treats them as unresolved.
pub(super) fn bundle(origin: &Origin, doc: &mut Value, findings: &mut Vec<SpecFinding>) {
    let mut bundler = Bundler { slots: HashMap::new(), documents: Vec::new(), findings };
    bundler.rewrite(origin, doc, "", "");
    let mut next = 0;
    while next < bundler.documents.len() {
        let (doc_origin, mut external) = std::mem::replace(&mut bundler.documents[next], (None, Value::Null));
        if let Some(doc_origin) = doc_origin {
            let prefix = format!("/{BUNDLE_KEY}/{next}");
            bundler.rewrite(&doc_origin, &mut external, &prefix, &prefix);
        }
        bundler.documents[next].1 = external;
        next += 1;
    }
    if !bundler.documents.is_empty()
        && let Some(map) = doc.as_object_mut()
    {
        let bundled: Vec<Value> = bundler.documents.into_iter().map(|(_, v)| v).collect();
        map.insert(BUNDLE_KEY.to_owned(), Value::Array(bundled));
    }
}

struct Bundler<'f> {
    slots: HashMap<Origin, usize>,
    /// (origin still to rewrite, document); the origin is taken when rewritten.
    documents: Vec<(Option<Origin>, Value)>,
    findings: &'f mut Vec<SpecFinding>,
}

impl Bundler<'_> {
    /// Rewrites `$ref`s under `node`. `at` is the node's pointer in the final document, `local`
    /// the prefix that local references of this document get.
    fn rewrite(&mut self, origin: &Origin, node: &mut Value, at: &str, local: &str) {
        match node {
            Value::Object(map) => {
                if let Some(Value::String(reference)) = map.get_mut("$ref") {
                    let place = pointer::join(at, "$ref");
                    if let Some(fragment) = reference.strip_prefix('#') {
                        if !local.is_empty() {
                            *reference = format!("#{local}{fragment}");
                        }
                    } else if let Some(new) = self.external(origin, reference, &place) {
                        *reference = new;
                    }
                }
                for (key, child) in map.iter_mut() {
                    if key == "$ref" || (at.is_empty() && key == BUNDLE_KEY) {
                        continue;
                    }
                    let child_at = pointer::join(at, key);
                    self.rewrite(origin, child, &child_at, local);
                }
            }
            Value::Array(items) => {
                for (i, child) in items.iter_mut().enumerate() {
                    let child_at = pointer::join_index(at, i);
                    self.rewrite(origin, child, &child_at, local);
                }
            }
            _ => {}
        }
    }

    fn external(&mut self, origin: &Origin, reference: &str, place: &str) -> Option<String> {
        let (document, fragment) = match reference.split_once('#') {
            Some((d, f)) => (d, f),
            None => (reference, ""),
        };
        let unresolved = |why: String| SpecFinding::new(FindingKind::UnresolvedRef, place, why);
        let Some(target) = origin.join(document) else {
            self.findings.push(unresolved(format!("cannot resolve `{reference}`; the schema there is unchecked")));
            return None;
        };
        let slot = match self.slots.get(&target) {
            Some(&slot) => slot,
            None => {
                if self.documents.len() >= MAX_EXTERNAL_DOCUMENTS {
                    self.findings.push(unresolved(format!(
                        "more than {MAX_EXTERNAL_DOCUMENTS} external documents; `{reference}` is not followed"
                    )));
                    return None;
                }
                let loaded = read_referenced(&target).and_then(|bytes| parse(&target.display(), &bytes));
                match loaded {
                    Ok(value) => {
                        let slot = self.documents.len();
                        self.documents.push((Some(target.clone()), value));
                        self.slots.insert(target, slot);
                        slot
                    }
                    Err(e) => {
                        self.findings.push(unresolved(format!(
                            "cannot load `{reference}` ({e}); the schema there is unchecked"
                        )));
                        return None;
                    }
                }
            }
        };
        Some(format!("#/{BUNDLE_KEY}/{slot}{fragment}"))
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn an_unparsable_spec_url_is_shown_without_its_credentials() {
        let err = super::Origin::parse("https://alice:s3cret@exa mple.com/spec.yaml?token=t0ken#x").unwrap_err();
        let text = err.to_string();
        assert!(!text.contains("s3cret") && !text.contains("alice") && !text.contains("t0ken"), "{text}");
        assert!(text.contains("https://exa mple.com/spec.yaml"), "{text}");
        assert_eq!(super::shown_unparsed("http://h:99999/a"), "http://h:99999/a");
    }

    use super::*;
    use serde_json::json;

    #[test]
    fn yaml_syntax_error_names_line_and_column() {
        let err = parse("spec.yaml", b"openapi: 3.0.3\ninfo:\n  title: x\n  version: [1\npaths: {}\n").unwrap_err();
        match err {
            SpecError::Syntax { line, column, ref origin, .. } => {
                assert_eq!((origin.as_str(), line, column), ("spec.yaml", 5, 6));
            }
            other => panic!("unexpected {other:?}"),
        }
        assert!(err.to_string().starts_with("spec.yaml:5:6: "), "{err}");
    }

    #[test]
    fn json_syntax_error_names_line_and_column() {
        let err = parse("spec.json", b"{\n  \"openapi\": \"3.0.3\",\n  \"info\": }\n").unwrap_err();
        assert!(err.to_string().starts_with("spec.json:3:11: "), "{err}");
    }

    #[test]
    fn yaml_is_read_as_yaml_1_2() {
        let doc = parse("x.yaml", b"a: yes\nb: 200\n'200': ok\nc: 2015-10-23\n").unwrap();
        assert_eq!(doc, json!({"a": "yes", "b": 200, "200": "ok", "c": "2015-10-23"}));
    }

    #[test]
    fn numeric_yaml_keys_become_strings() {
        let doc = parse("x.yaml", b"responses:\n  200:\n    description: ok\n").unwrap();
        assert_eq!(doc["responses"]["200"]["description"], json!("ok"));
    }

    #[test]
    fn invalid_utf8_and_empty_documents_are_syntax_errors() {
        assert!(matches!(parse("x", b"a: \xff\n"), Err(SpecError::Syntax { line: 1, column: 4, .. })));
        assert!(matches!(parse("x", b"  \n"), Err(SpecError::Syntax { .. })));
    }

    #[test]
    fn version_check_explains_what_is_wrong() {
        let check = |v: Value| check_version("s", &v).map_err(|e| e.to_string());
        assert_eq!(check(json!({"openapi": "3.0.3"})), Ok(Version::V30));
        assert_eq!(check(json!({"swagger": "2.0"})), Ok(Version::Swagger2));
        assert_eq!(check(json!({"openapi": "3.1.0"})), Ok(Version::V31));
        assert_eq!(check(json!({"openapi": "3.2.0"})), Ok(Version::V31));
        assert!(check(json!({"openapi": "4.0.0"})).unwrap_err().contains("4.0.0 is not supported"));
        assert!(check(json!({"swagger": "1.2"})).unwrap_err().contains("Swagger"));
        assert!(check(json!({"openapi": 3.0})).unwrap_err().contains("expected a version string"));
        assert!(check(json!([1])).unwrap_err().contains("not a mapping"));
        assert!(check(json!({"info": {}})).unwrap_err().contains("no `openapi` field"));
    }

    #[test]
    fn bundles_relative_files_and_rewrites_their_local_refs() {
        let dir = std::env::temp_dir().join(format!("conform-bundle-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("sub")).unwrap();
        std::fs::write(
            dir.join("sub/common.yaml"),
            "Pet:\n  type: object\n  properties:\n    tag: {$ref: '#/Tag'}\n    owner: {$ref: 'owner.json'}\nTag: {type: string}\n",
        )
        .unwrap();
        std::fs::write(dir.join("sub/owner.json"), r#"{"type": "string", "minLength": 1}"#).unwrap();
        let mut doc = json!({
            "openapi": "3.0.3",
            "a": {"$ref": "sub/common.yaml#/Pet"},
            "b": {"$ref": "./sub/common.yaml#/Tag"},
            "c": {"$ref": "missing.yaml#/X"},
            "d": {"$ref": "#/a"}
        });
        let mut findings = Vec::new();
        bundle(&Origin::File(dir.join("spec.yaml")), &mut doc, &mut findings);
        assert_eq!(doc["a"]["$ref"], json!("#/x-conform-bundled/0/Pet"));
        assert_eq!(doc["b"]["$ref"], json!("#/x-conform-bundled/0/Tag"));
        assert_eq!(doc["d"]["$ref"], json!("#/a"));
        let pet = &doc[BUNDLE_KEY][0]["Pet"]["properties"];
        assert_eq!(pet["tag"]["$ref"], json!("#/x-conform-bundled/0/Tag"));
        assert_eq!(pet["owner"]["$ref"], json!("#/x-conform-bundled/1"));
        assert_eq!(doc[BUNDLE_KEY][1]["minLength"], json!(1));
        assert_eq!(findings.len(), 1);
        assert_eq!(findings[0].kind, FindingKind::UnresolvedRef);
        assert_eq!(findings[0].pointer, "/c/$ref");
        let _ = std::fs::remove_dir_all(dir);
    }
}
