//! Media type helpers: comparing `Content-Type`s with what a spec documents, and the versioned
//! vendor types (`application/vnd.atlas.2023-01-01+json`) that Atlas negotiates by date.

/// Lower-case `type/subtype` without parameters (`Application/JSON; charset=utf-8` ->
/// `application/json`).
pub fn essence(media: &str) -> String {
    raw_essence(media).to_ascii_lowercase()
}

/// [`essence`] before lower-casing: the checks below compare it ignoring ASCII case rather
/// than allocate (they run on every answer).
fn raw_essence(media: &str) -> &str {
    media.split(';').next().unwrap_or("").trim()
}

/// Whether a media type carries JSON: `application/json`, any `+json` suffix, `*/*`-style
/// wildcards excluded.
pub fn is_json(media: &str) -> bool {
    let e = raw_essence(media).as_bytes();
    e.eq_ignore_ascii_case(b"application/json")
        || e.len() >= 5 && e[e.len() - 5..].eq_ignore_ascii_case(b"+json")
        || e.eq_ignore_ascii_case(b"text/json")
}

/// Whether a documented media type (which may hold wildcards such as `application/*` or
/// `*/*`) covers an actual `Content-Type`.
pub fn covers(documented: &str, actual: &str) -> bool {
    let (d, a) = (raw_essence(documented), raw_essence(actual));
    if d.eq_ignore_ascii_case(a) || d == "*/*" {
        return true;
    }
    match (d.split_once('/'), a.split_once('/')) {
        (Some((dt, "*")), Some((at, _))) => dt.eq_ignore_ascii_case(at),
        _ => false,
    }
}

/// The version date of a versioned vendor media type: `application/vnd.atlas.2023-01-01+json`
/// -> `2023-01-01`. Returns `None` for unversioned types.
pub fn version_date(media: &str) -> Option<&str> {
    let e = media.split(';').next()?.trim();
    let (_, subtype) = e.split_once('/')?;
    let stem = subtype.split('+').next()?;
    let date = stem.rsplit('.').next()?;
    is_iso_date(date).then_some(date)
}

/// Replaces the version date of a versioned media type.
pub fn with_version_date(media: &str, date: &str) -> Option<String> {
    let old = version_date(media)?;
    Some(media.replacen(old, date, 1))
}

/// `YYYY-MM-DD` with a plausible month and day.
pub fn is_iso_date(s: &str) -> bool {
    let b = s.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return false;
    }
    let digits = |r: std::ops::Range<usize>| b[r].iter().all(u8::is_ascii_digit);
    if !(digits(0..4) && digits(5..7) && digits(8..10)) {
        return false;
    }
    let month: u8 = s[5..7].parse().unwrap_or(0);
    let day: u8 = s[8..10].parse().unwrap_or(0);
    (1..=12).contains(&month) && (1..=31).contains(&day)
}

/// Of the documented versioned media types, the newest whose date is on or before `wanted`
/// (Atlas's rule). `None` when every documented version is later than the requested date.
pub fn resolve_version<'a>(documented: impl IntoIterator<Item = &'a str>, wanted: &str) -> Option<&'a str> {
    documented
        .into_iter()
        .filter_map(|m| version_date(m).map(|d| (d, m)))
        .filter(|(d, _)| *d <= wanted)
        .max_by_key(|(d, _)| *d)
        .map(|(_, m)| m)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn essence_and_json_detection() {
        assert_eq!(essence("Application/JSON; charset=UTF-8"), "application/json");
        assert!(is_json("application/vnd.atlas.2023-01-01+json"));
        assert!(is_json("application/json;charset=ISO-8859-1"));
        assert!(!is_json("application/xml") && !is_json("*/*"));
    }

    #[test]
    fn wildcards_cover_concrete_types() {
        assert!(covers("application/json", "application/json; charset=utf-8"));
        assert!(covers("application/*", "application/xml"));
        assert!(covers("*/*", "text/plain"));
        assert!(!covers("application/json", "application/vnd.atlas.2023-01-01+json"));
        assert!(!covers("text/*", "application/json"));
        // Case is ignored everywhere, as in `essence`.
        assert!(covers("Application/*", "APPLICATION/xml") && covers("application/json", "Application/JSON"));
        assert!(is_json("Application/Problem+JSON") && is_json("TEXT/json"));
    }

    #[test]
    fn versions_resolve_to_newest_on_or_before() {
        let v = "application/vnd.atlas.2023-01-01+json";
        assert_eq!(version_date(v), Some("2023-01-01"));
        assert_eq!(version_date("application/json"), None);
        assert_eq!(version_date("application/vnd.atlas.2023-13-01+json"), None);
        let docs = ["application/vnd.atlas.2023-01-01+json", "application/vnd.atlas.2024-08-05+json"];
        assert_eq!(resolve_version(docs, "2025-03-12"), Some(docs[1]));
        assert_eq!(resolve_version(docs, "2023-10-01"), Some(docs[0]));
        assert_eq!(resolve_version(docs, "2022-01-01"), None);
        assert_eq!(with_version_date(v, "2025-03-12").as_deref(), Some("application/vnd.atlas.2025-03-12+json"));
    }
}
