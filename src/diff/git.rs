//! `conform diff --base REF SPEC`: the old version of a spec read from git, so that a CI job
//! needs no second checkout. The document is `git show REF:path`, and every file it reaches
//! through a relative `$ref` is read from the same revision, so references resolve as they did
//! then. Files are written to a private temporary directory with the repository's layout,
//! loaded by the ordinary loader, and the directory is removed. URLs are fetched as usual.
//!
//! This module runs `git`; it never changes the repository, its index or its work tree.

use crate::spec::Spec;
use serde_json::Value;
use std::collections::HashSet;
use std::path::{Component, Path, PathBuf};
use std::process::Command;

/// At most this many files are read from the revision.
const MAX_FILES: usize = 256;

/// Why the old version could not be read from git.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum GitError {
    /// The `git` program could not be started (not installed, not on `PATH`).
    #[error("cannot run git: {0}")]
    Spawn(#[source] std::io::Error),
    /// A git command failed (an unknown revision, a file not in it, not a repository).
    #[error("git {args}: {message}")]
    Git {
        /// The git arguments, space-separated.
        args: String,
        /// What git said on stderr, or why its answer is unusable.
        message: String,
    },
    /// The old version's files could not be written to the temporary directory.
    #[error("{0}")]
    Io(#[from] std::io::Error),
    /// The spec at the revision is neither JSON nor YAML.
    #[error("{path} at {reference}: {message}")]
    Parse {
        /// The revision, as given.
        reference: String,
        /// The spec's path in the repository.
        path: String,
        /// The parser's message.
        message: String,
    },
    /// The old version was read but could not be loaded as a spec.
    #[error(transparent)]
    Spec(#[from] crate::spec::SpecError),
}

fn git(dir: &Path, args: &[&str]) -> Result<Vec<u8>, GitError> {
    let out = Command::new("git").arg("-C").arg(dir).args(args).output().map_err(GitError::Spawn)?;
    if !out.status.success() {
        let message = String::from_utf8_lossy(&out.stderr).trim().to_owned();
        return Err(GitError::Git { args: args.join(" "), message });
    }
    Ok(out.stdout)
}

/// `a/b/../c` -> `a/c`; `None` when it climbs out of the repository.
fn normalize(path: &Path) -> Option<PathBuf> {
    let mut out = PathBuf::new();
    for part in path.components() {
        match part {
            Component::ParentDir => {
                if !out.pop() {
                    return None;
                }
            }
            Component::CurDir => {}
            Component::Normal(p) => out.push(p),
            Component::RootDir | Component::Prefix(_) => return None,
        }
    }
    Some(out)
}

/// The document parts of every relative external `$ref` in a document.
fn external_refs(value: &Value, out: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            for (key, v) in map {
                if key == "$ref"
                    && let Some(r) = v.as_str()
                {
                    let document = r.split('#').next().unwrap_or_default();
                    if !document.is_empty() && !document.contains("://") {
                        out.push(document.to_owned());
                    }
                } else {
                    external_refs(v, out);
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|v| external_refs(v, out)),
        _ => {}
    }
}

/// Loads the spec at `spec` (a path in the work tree, as given) as it was at git revision
/// `reference`. The report names it `REF:spec`.
///
/// # Errors
/// [`GitError`] when git cannot run, the path is not in a repository, the revision or the file
/// does not exist there, or the document does not load.
pub fn load_at(reference: &str, spec: &str) -> Result<Spec, GitError> {
    let given = Path::new(spec);
    let dir = match given.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let file = given
        .file_name()
        .ok_or_else(|| GitError::Git { args: "show".to_owned(), message: format!("{spec} does not name a file") })?;
    let prefix = String::from_utf8_lossy(&git(&dir, &["rev-parse", "--show-prefix"])?).trim().to_owned();
    let root = PathBuf::from(prefix).join(file);
    let stamp = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or(0);
    let temp = std::env::temp_dir().join(format!("conform-base-{}-{stamp}", std::process::id()));
    let result = materialize(&dir, reference, &root, &temp).and_then(|()| {
        let mut loaded = Spec::load(&temp.join(&root).to_string_lossy())?;
        loaded.source = format!("{reference}:{spec}");
        Ok(loaded)
    });
    let _ = std::fs::remove_dir_all(&temp);
    result
}

/// Writes `root` and every file it references (transitively) at `reference` under `temp`.
fn materialize(dir: &Path, reference: &str, root: &Path, temp: &Path) -> Result<(), GitError> {
    let mut queue = vec![root.to_path_buf()];
    let mut seen: HashSet<PathBuf> = HashSet::new();
    while let Some(path) = queue.pop() {
        if !seen.insert(path.clone()) || seen.len() > MAX_FILES {
            continue;
        }
        let shown = path.to_string_lossy().replace('\\', "/");
        let bytes = match git(dir, &["show", &format!("{reference}:{shown}")]) {
            Ok(bytes) => bytes,
            // A missing referenced file becomes the loader's finding, as it would in a checkout.
            Err(_) if path != root => continue,
            Err(e) => return Err(e),
        };
        let target = temp.join(&path);
        if let Some(parent) = target.parent() {
            std::fs::create_dir_all(parent)?;
        }
        std::fs::write(&target, &bytes)?;
        let doc: Value = match serde_yaml_ng::from_slice(&bytes) {
            Ok(doc) => doc,
            Err(e) if path == root => {
                return Err(GitError::Parse { reference: reference.to_owned(), path: shown, message: e.to_string() });
            }
            Err(_) => continue,
        };
        let mut refs = Vec::new();
        external_refs(&doc, &mut refs);
        let base = path.parent().unwrap_or(Path::new(""));
        for r in refs {
            let decoded = percent_encoding::percent_decode_str(&r).decode_utf8_lossy().into_owned();
            if let Some(next) = normalize(&base.join(decoded)) {
                queue.push(next);
            }
        }
    }
    Ok(())
}
