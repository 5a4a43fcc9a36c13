//! Content negotiation: which documented media type answers a request's `Accept`, and whether a
//! request's `Content-Type` is one the operation documents.
//!
//! Versioned vendor types (`application/vnd.atlas.2025-03-12+json`) resolve as Atlas does: to the
//! newest documented version on or before the requested date. A malformed or too-early date is
//! a client error. Pure functions: no HTTP types.

use crate::spec::media;
use std::borrow::Cow;

/// Why a media type was refused: an error code and a sentence for the error body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Refusal {
    pub code: &'static str,
    pub detail: String,
}

/// A documented versioned type split around its date: `application/vnd.atlas.` + `+json`.
fn family(documented: &str) -> Option<(String, String)> {
    let essence = media::essence(documented);
    let date = media::version_date(&essence)?;
    let at = essence.rfind(date)?;
    Some((essence[..at].to_owned(), essence[at + date.len()..].to_owned()))
}

/// How a requested type relates to the documented versioned types of its family.
enum Versioned<'a> {
    /// Not a versioned type of any documented family.
    Unrelated,
    /// Resolved to this documented type.
    Resolved(&'a str),
    /// Names a family but its date is malformed or earlier than every documented version.
    Refused(String),
}

fn resolve_versioned<'a>(requested: &str, documented: &'a [String]) -> Versioned<'a> {
    for d in documented {
        let Some((prefix, suffix)) = family(d) else { continue };
        let Some(middle) = requested.strip_prefix(prefix.as_str()).and_then(|r| r.strip_suffix(suffix.as_str())) else {
            continue;
        };
        if !media::is_iso_date(middle) {
            return Versioned::Refused(format!("`{requested}` does not carry a valid version date (YYYY-MM-DD)"));
        }
        let same_family = documented.iter().filter(|m| family(m).is_some_and(|(p, s)| p == prefix && s == suffix));
        return match media::resolve_version(same_family.map(String::as_str), middle) {
            Some(found) => Versioned::Resolved(found),
            None => Versioned::Refused(format!("no version of this resource is as old as {middle}")),
        };
    }
    Versioned::Unrelated
}

/// The documented type a bare request falls back to: the first JSON one, else the first.
fn preferred(documented: &[String]) -> usize {
    documented.iter().position(|m| media::is_json(m)).unwrap_or(0)
}

/// Picks the documented media type that answers `accept`; returns its index in `documented`.
/// No `Accept`, `*/*` and `application/json` (for a JSON vendor type) take the documented type.
///
/// # Errors
/// A [`Refusal`] (answered 406) when nothing acceptable is documented, or when a versioned type
/// carries a malformed or too-early date.
pub(crate) fn accept(accept: Option<&str>, documented: &[String]) -> Result<usize, Refusal> {
    if documented.is_empty() {
        return Ok(0);
    }
    let Some(accept) = accept.map(str::trim).filter(|a| !a.is_empty()) else { return Ok(preferred(documented)) };
    let mut refused: Option<String> = None;
    if !accept.contains(',') {
        // One range: nothing to sort.
        if let Some((range, _)) = parse_range(accept)
            && let Some(found) = try_range(&range, documented, &mut refused)
        {
            return Ok(found);
        }
    } else if !accept.contains(';') {
        // No range states a quality, so all have 1 and the (stable) sorted order is the sent
        // order: no list to collect and sort.
        for part in accept.split(',') {
            if let Some((range, _)) = parse_range(part)
                && let Some(found) = try_range(&range, documented, &mut refused)
            {
                return Ok(found);
            }
        }
    } else {
        let mut ranges: Vec<(Cow<'_, str>, f32)> = accept.split(',').filter_map(parse_range).collect();
        ranges.sort_by(|a, b| b.1.total_cmp(&a.1));
        for (range, _) in &ranges {
            if let Some(found) = try_range(range, documented, &mut refused) {
                return Ok(found);
            }
        }
    }
    Err(match refused {
        Some(why) => {
            Refusal { code: "INVALID_VERSION_DATE", detail: format!("The Accept header is not acceptable: {why}.") }
        }
        None => Refusal {
            code: "NOT_ACCEPTABLE",
            detail: format!(
                "None of the accepted media types is available; this resource answers {}.",
                documented.join(", ")
            ),
        },
    })
}

/// One `Accept` range: its lower-cased essence (borrowed when already lower case) and quality;
/// `None` when empty or refused (`q=0`).
fn parse_range(part: &str) -> Option<(Cow<'_, str>, f32)> {
    let (essence, params) = match part.split_once(';') {
        Some((essence, params)) => (essence.trim(), Some(params)),
        None => (part.trim(), None),
    };
    let essence = if essence.bytes().any(|b| b.is_ascii_uppercase()) {
        Cow::Owned(essence.to_ascii_lowercase())
    } else {
        Cow::Borrowed(essence)
    };
    let q = params
        .and_then(|params| {
            params.split(';').find_map(|p| p.trim().strip_prefix("q=").and_then(|q| q.trim().parse::<f32>().ok()))
        })
        .unwrap_or(1.0);
    (!essence.is_empty() && q > 0.0).then_some((essence, q))
}

/// The documented type one (lower-cased) range picks, if any; a versioned range that names a
/// documented family but cannot be met leaves its reason in `refused` (the first one stays).
fn try_range(range: &str, documented: &[String], refused: &mut Option<String>) -> Option<usize> {
    if range == "*/*" || range == "*" {
        return Some(preferred(documented));
    }
    // `media::essence(d) == range`, without lower-casing a copy (`range` is lower case).
    let essence_is = |d: &str, want: &str| d.split(';').next().unwrap_or("").trim().eq_ignore_ascii_case(want);
    if let Some(i) = documented.iter().position(|d| essence_is(d, range)) {
        return Some(i);
    }
    if let Some(kind) = range.strip_suffix("/*")
        && let Some(i) = documented.iter().position(|d| media::essence(d).split('/').next() == Some(kind))
    {
        return Some(i);
    }
    if range == "application/json"
        && let Some(i) = documented.iter().position(|d| media::is_json(d))
    {
        return Some(i);
    }
    match resolve_versioned(range, documented) {
        Versioned::Resolved(found) => Some(documented.iter().position(|d| d == found).unwrap_or(0)),
        Versioned::Refused(why) => {
            if refused.is_none() {
                *refused = Some(why);
            }
            None
        }
        Versioned::Unrelated => None,
    }
}

/// Finds the documented request media type that a request's `Content-Type` names; returns its
/// index in `documented`.
///
/// # Errors
/// A [`Refusal`] (answered 415) when the type is missing or not documented, or carries a
/// malformed or too-early version date.
pub(crate) fn content_type(actual: Option<&str>, documented: &[String]) -> Result<usize, Refusal> {
    let unsupported = |detail: String| Refusal { code: "UNSUPPORTED_MEDIA_TYPE", detail };
    let Some(actual) = actual.map(str::trim).filter(|a| !a.is_empty()) else {
        return Err(unsupported(format!(
            "A request body needs a Content-Type; this operation accepts {}.",
            documented.join(", ")
        )));
    };
    let essence = media::essence(actual);
    if let Some(i) = documented.iter().position(|d| media::essence(d) == essence) {
        return Ok(i);
    }
    if let Some(i) = documented.iter().position(|d| d.contains('*') && media::covers(d, &essence)) {
        return Ok(i);
    }
    match resolve_versioned(&essence, documented) {
        Versioned::Resolved(found) => Ok(documented.iter().position(|d| d == found).unwrap_or(0)),
        Versioned::Refused(why) => Err(unsupported(format!("The Content-Type is not supported: {why}."))),
        Versioned::Unrelated => Err(unsupported(format!(
            "The Content-Type {essence} is not supported; this operation accepts {}.",
            documented.join(", ")
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn atlas() -> Vec<String> {
        vec!["application/vnd.atlas.2023-01-01+json".to_owned()]
    }

    #[test]
    fn bare_wildcard_and_json_accepts_take_the_documented_type() {
        for a in
            [None, Some(""), Some("*/*"), Some("application/json"), Some("application/*"), Some("text/html, */*;q=0.1")]
        {
            assert_eq!(accept(a, &atlas()), Ok(0), "{a:?}");
        }
    }

    #[test]
    fn several_ranges_are_tried_in_quality_then_sent_order() {
        let docs = vec!["application/vnd.atlas.2023-01-01+json".to_owned(), "text/csv".to_owned()];
        assert_eq!(accept(Some("Text/CSV, Application/JSON"), &docs), Ok(1), "sent order, any case");
        assert_eq!(accept(Some("application/json, text/csv"), &docs), Ok(0));
        assert_eq!(accept(Some("text/csv;q=0.5, application/json"), &docs), Ok(0), "quality first");
        assert_eq!(
            accept(Some("application/vnd.atlas.2022-12-31+json, text/csv"), &docs),
            Ok(1),
            "a refusal is not final"
        );
        let refused = accept(Some("application/vnd.atlas.2022-12-31+json, text/html"), &docs).unwrap_err();
        assert_eq!(refused.code, "INVALID_VERSION_DATE");
    }

    #[test]
    fn version_dates_resolve_to_the_newest_on_or_before() {
        let docs = vec![
            "application/vnd.atlas.2023-01-01+json".to_owned(),
            "application/vnd.atlas.2024-08-05+json".to_owned(),
        ];
        assert_eq!(accept(Some("application/vnd.atlas.2025-03-12+json"), &docs), Ok(1));
        assert_eq!(accept(Some("application/vnd.atlas.2023-10-01+json"), &docs), Ok(0));
        assert_eq!(accept(Some("Application/Vnd.Atlas.2023-01-01+JSON; charset=utf-8"), &docs), Ok(0));
    }

    #[test]
    fn malformed_early_and_foreign_accepts_are_refused() {
        let early = accept(Some("application/vnd.atlas.2022-12-31+json"), &atlas()).unwrap_err();
        assert_eq!(early.code, "INVALID_VERSION_DATE");
        let bad = accept(Some("application/vnd.atlas.2023-13-45+json"), &atlas()).unwrap_err();
        assert_eq!(bad.code, "INVALID_VERSION_DATE");
        assert_eq!(accept(Some("text/html"), &atlas()).unwrap_err().code, "NOT_ACCEPTABLE");
        assert_eq!(accept(Some("application/json;q=0"), &atlas()).unwrap_err().code, "NOT_ACCEPTABLE");
    }

    #[test]
    fn request_content_types_must_be_documented() {
        assert_eq!(content_type(Some("application/vnd.atlas.2023-01-01+json"), &atlas()), Ok(0));
        assert_eq!(content_type(Some("application/vnd.atlas.2025-03-12+json; charset=utf-8"), &atlas()), Ok(0));
        assert!(content_type(Some("application/vnd.atlas.2022-01-01+json"), &atlas()).is_err());
        assert!(content_type(Some("text/plain"), &atlas()).is_err());
        assert!(content_type(None, &atlas()).is_err());
        let form = vec!["application/x-www-form-urlencoded".to_owned()];
        assert_eq!(content_type(Some("application/x-www-form-urlencoded; charset=utf-8"), &form), Ok(0));
    }
}
