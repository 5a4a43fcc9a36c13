//! `--include` / `--exclude`: which operations a run may touch, chosen the way users name them
//! (an operationId glob, a path glob, a tag, a method). The harness reads the same filters from
//! `CONFORM_INCLUDE` / `CONFORM_EXCLUDE`, so both front ends parse them here.
//!
//! A filter never fails on an operation: it matches or it does not. Only the filter text itself
//! can be wrong (an empty value, an unknown prefix), and that is a usage error before the run.

use crate::spec::Operation;

/// What a filter compares.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Field {
    /// `id:GLOB`.
    Id,
    /// `path:GLOB` (or any value starting with `/`).
    Path,
    /// `tag:NAME` (exact, case-insensitive).
    Tag,
    /// `method:NAME` (or a bare upper-case HTTP method).
    Method,
    /// A bare value: an operationId glob or a tag.
    IdOrTag,
}

/// One `--include` / `--exclude` value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Filter {
    field: Field,
    pattern: String,
    /// As the user wrote it, for skip reasons.
    text: String,
}

/// A filter text that cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("filter `{text}`: {why}")]
pub struct FilterError {
    /// The filter as the user wrote it.
    pub text: String,
    /// Why it cannot be used, as a lowercase fragment.
    pub why: String,
}

const METHODS: [&str; 8] = ["GET", "PUT", "POST", "DELETE", "OPTIONS", "HEAD", "PATCH", "TRACE"];

impl std::str::FromStr for Filter {
    type Err = FilterError;

    /// `id:GLOB`, `path:GLOB`, `tag:NAME`, `method:NAME`; a bare value starting with `/` is a
    /// path glob, a bare upper-case method is a method, anything else an operationId glob or tag.
    ///
    /// # Errors
    /// [`FilterError`] for an empty value or an unknown method.
    fn from_str(s: &str) -> Result<Filter, FilterError> {
        let text = s.trim().to_owned();
        let err = |why: &str| FilterError { text: text.clone(), why: why.to_owned() };
        let (field, pattern) = match text.split_once(':') {
            Some(("id", p)) => (Field::Id, p),
            Some(("path", p)) => (Field::Path, p),
            Some(("tag", p)) => (Field::Tag, p),
            Some(("method", p)) => (Field::Method, p),
            _ if text.starts_with('/') => (Field::Path, text.as_str()),
            _ if METHODS.contains(&text.as_str()) => (Field::Method, text.as_str()),
            _ => (Field::IdOrTag, text.as_str()),
        };
        if pattern.is_empty() {
            return Err(err("the value is empty (id:GLOB, path:GLOB, tag:NAME or method:NAME)"));
        }
        if field == Field::Method && !METHODS.contains(&pattern.to_ascii_uppercase().as_str()) {
            return Err(err("not an HTTP method"));
        }
        Ok(Filter { field, pattern: pattern.to_owned(), text })
    }
}

impl std::fmt::Display for Filter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.text)
    }
}

impl Filter {
    /// Whether `op` matches.
    pub fn matches(&self, op: &Operation) -> bool {
        let tag = || op.tags.iter().any(|t| t.eq_ignore_ascii_case(&self.pattern));
        match self.field {
            Field::Id => glob(&self.pattern, &op.id),
            Field::Path => glob(&self.pattern, &op.path),
            Field::Tag => tag(),
            Field::Method => op.method.as_str().eq_ignore_ascii_case(&self.pattern),
            Field::IdOrTag => glob(&self.pattern, &op.id) || tag(),
        }
    }
}

/// Why `op` is left out by these filters, or `None` when it runs: it must match one include
/// (when any is given) and no exclude.
pub fn excluded_by(op: &Operation, include: &[Filter], exclude: &[Filter]) -> Option<String> {
    if let Some(f) = exclude.iter().find(|f| f.matches(op)) {
        return Some(format!("excluded by --exclude {f}"));
    }
    if !include.is_empty() && !include.iter().any(|f| f.matches(op)) {
        return Some("matches no --include filter".to_owned());
    }
    None
}

/// Parses a comma-separated list (the harness's environment variables).
///
/// # Errors
/// The first [`FilterError`].
pub fn parse_list(text: &str) -> Result<Vec<Filter>, FilterError> {
    text.split(',').map(str::trim).filter(|s| !s.is_empty()).map(str::parse).collect()
}

/// Glob match: `*` matches within a path segment, `**` across segments, `?` one character.
fn glob(pattern: &str, text: &str) -> bool {
    let p: Vec<char> = pattern.chars().collect();
    let t: Vec<char> = text.chars().collect();
    // memo[i][j]: pattern from i matches text from j. Patterns and texts are short.
    let mut memo = vec![vec![None; t.len() + 1]; p.len() + 1];
    glob_at(&p, &t, 0, 0, &mut memo)
}

fn glob_at(p: &[char], t: &[char], i: usize, j: usize, memo: &mut Vec<Vec<Option<bool>>>) -> bool {
    if let Some(known) = memo[i][j] {
        return known;
    }
    let result = if i == p.len() {
        j == t.len()
    } else if p[i] == '*' {
        let across = p.get(i + 1) == Some(&'*');
        let rest = if across { i + 2 } else { i + 1 };
        let mut k = j;
        loop {
            if glob_at(p, t, rest, k, memo) {
                break true;
            }
            if k == t.len() || (!across && t[k] == '/') {
                break false;
            }
            k += 1;
        }
    } else if j < t.len() && (p[i] == '?' || p[i] == t[j]) {
        glob_at(p, t, i + 1, j + 1, memo)
    } else {
        false
    };
    memo[i][j] = Some(result);
    result
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::Spec;

    fn op(id: &str, method: &str, path: &str, tags: &[&str]) -> Operation {
        let doc = serde_json::json!({
            "openapi": "3.0.3",
            "info": {"title": "t", "version": "1"},
            "paths": {path: {method: {"operationId": id, "tags": tags, "responses": {"200": {"description": "ok"}}}}}
        });
        Spec::from_value("filters.json", doc).unwrap().operations.remove(0)
    }

    #[test]
    fn globs_keep_star_within_a_segment() {
        assert!(glob("get*", "getCluster"));
        assert!(glob("/groups/*/clusters", "/groups/{groupId}/clusters"));
        assert!(!glob("/groups/*", "/groups/{groupId}/clusters"));
        assert!(glob("/groups/**", "/groups/{groupId}/clusters"));
        assert!(glob("?et", "get"));
        assert!(!glob("get", "getX"));
    }

    #[test]
    fn each_field_matches_what_it_names() {
        let rotate = op("rotateApiToken", "post", "/tokens/{id}:rotate", &["Tokens"]);
        let f = |s: &str| s.parse::<Filter>().unwrap();
        assert!(f("rotate*").matches(&rotate));
        assert!(f("tokens").matches(&rotate), "a bare value also names a tag");
        assert!(f("tag:Tokens").matches(&rotate));
        assert!(!f("tag:rotate*").matches(&rotate), "tags are not globs");
        assert!(f("POST").matches(&rotate));
        assert!(f("method:post").matches(&rotate));
        assert!(!f("method:GET").matches(&rotate));
        assert!(f("/tokens/**").matches(&rotate));
        assert!(f("path:/tokens/*").matches(&rotate));
        assert!(!f("id:list*").matches(&rotate));
    }

    #[test]
    fn exclude_wins_and_include_restricts() {
        let get = op("getThing", "get", "/things", &[]);
        let del = op("deleteThing", "delete", "/things", &[]);
        let include = parse_list("/things").unwrap();
        let exclude = parse_list("DELETE, id:nothing").unwrap();
        assert_eq!(excluded_by(&get, &include, &exclude), None);
        assert_eq!(excluded_by(&del, &include, &exclude).as_deref(), Some("excluded by --exclude DELETE"));
        let only_ids = parse_list("id:list*").unwrap();
        assert_eq!(excluded_by(&get, &only_ids, &[]).as_deref(), Some("matches no --include filter"));
    }

    #[test]
    fn bad_filters_are_usage_errors() {
        assert!("tag:".parse::<Filter>().is_err());
        assert!("method:FETCH".parse::<Filter>().is_err());
        assert!(parse_list(" , ").unwrap().is_empty());
    }
}
