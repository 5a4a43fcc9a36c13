//! `multipart/form-data` bodies (RFC 7578): encoding with a boundary that depends only on the
//! parts (so a seed reproduces the same bytes), and reading them back for the wire checks, the
//! embedded mock and `curl` lines.
//!
//! A leaf module: it knows nothing of specs or runs. It must never panic on any input and
//! holds at most [`MAX_PARTS`] parts of a body.

#![warn(missing_docs, clippy::missing_errors_doc)]

use serde::Serialize;

/// Parts a body may hold before the reader gives up.
pub const MAX_PARTS: usize = 1024;

/// One part of a multipart body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Part {
    /// The form field name (`name=` of `Content-Disposition`).
    pub name: String,
    /// The file name, for file parts.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub filename: Option<String>,
    /// The part's `Content-Type`, when it has one (absent means `text/plain`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub content_type: Option<String>,
    /// The content (conform generates text; bytes that are not UTF-8 are read lossily).
    pub data: String,
}

impl Part {
    /// A plain text field.
    pub fn text(name: &str, data: &str) -> Part {
        Part { name: name.to_owned(), filename: None, content_type: None, data: data.to_owned() }
    }
}

/// Why a multipart body could not be read (messages follow "cannot read the body: …").
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum MultipartError {
    /// The `Content-Type` has no `boundary` parameter.
    #[error("the content type names no boundary")]
    MissingBoundary,
    /// The body does not start with the boundary line.
    #[error("no opening boundary")]
    NoOpening,
    /// The closing boundary (`--boundary--`) never comes.
    #[error("the body ends before its closing boundary")]
    Unterminated,
    /// A part's headers are not followed by an empty line.
    #[error("a part has no blank line after its headers")]
    BadHeaders,
    /// A part's `Content-Disposition` has no `name`.
    #[error("a part has no form-data name")]
    MissingName,
    /// The body has more parts than conform reads.
    #[error("more than {MAX_PARTS} parts")]
    TooManyParts,
}

/// 64-bit FNV-1a, then a final mix: a stable hash (std's is seeded per process).
fn hash(bytes: impl IntoIterator<Item = u8>, salt: u64) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325 ^ salt;
    for b in bytes {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h ^= h >> 33;
    h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
    h ^ (h >> 33)
}

/// The boundary for `parts`: `conform-` and 16 hex digits drawn from the parts themselves, so
/// the same parts always give the same bytes; never a string any part contains.
pub fn boundary(parts: &[Part]) -> String {
    let content = || {
        parts.iter().flat_map(|p| {
            p.name.bytes().chain([0]).chain(p.filename.iter().flat_map(|f| f.bytes())).chain([0]).chain(p.data.bytes())
        })
    };
    (0u64..)
        .map(|salt| format!("conform-{:016x}", hash(content(), salt)))
        .find(|b| !parts.iter().any(|p| p.data.contains(b.as_str())))
        .unwrap_or_default()
}

/// `"`, CR and LF in a disposition parameter, percent-encoded as browsers do (WHATWG).
fn quoted(text: &str) -> String {
    text.replace('"', "%22").replace('\r', "%0D").replace('\n', "%0A")
}

/// The body bytes: each part with its `Content-Disposition` (and `Content-Type` when set),
/// CRLF line ends, then the closing delimiter.
pub fn encode(boundary: &str, parts: &[Part]) -> Vec<u8> {
    let mut out = Vec::new();
    for p in parts {
        out.extend_from_slice(format!("--{boundary}\r\n").as_bytes());
        let mut disposition = format!("Content-Disposition: form-data; name=\"{}\"", quoted(&p.name));
        if let Some(f) = &p.filename {
            disposition.push_str(&format!("; filename=\"{}\"", quoted(f)));
        }
        out.extend_from_slice(disposition.as_bytes());
        out.extend_from_slice(b"\r\n");
        if let Some(ct) = &p.content_type {
            out.extend_from_slice(format!("Content-Type: {}\r\n", ct.replace(['\r', '\n'], " ")).as_bytes());
        }
        out.extend_from_slice(b"\r\n");
        out.extend_from_slice(p.data.as_bytes());
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    out
}

/// A parameter of a header value (`boundary` of a `Content-Type`, `name` of a
/// `Content-Disposition`), unquoted; names compare ignoring ASCII case.
pub fn header_param(value: &str, name: &str) -> Option<String> {
    let mut rest = value.split_once(';')?.1;
    loop {
        let (key, after) = rest.split_once('=')?;
        let key = key.trim();
        let after = after.trim_start();
        let (val, next) = if let Some(quoted) = after.strip_prefix('"') {
            // A quoted string: `\` escapes the next character.
            let mut out = String::new();
            let mut chars = quoted.char_indices();
            let mut end = None;
            while let Some((i, c)) = chars.next() {
                match c {
                    '\\' => {
                        if let Some((_, n)) = chars.next() {
                            out.push(n);
                        }
                    }
                    '"' => {
                        end = Some(i + 1);
                        break;
                    }
                    c => out.push(c),
                }
            }
            let tail = end.map(|e| &quoted[e..]).unwrap_or("");
            (out, tail.split_once(';').map(|(_, n)| n))
        } else {
            match after.split_once(';') {
                Some((v, n)) => (v.trim().to_owned(), Some(n)),
                None => (after.trim().to_owned(), None),
            }
        };
        if key.eq_ignore_ascii_case(name) {
            return Some(val);
        }
        rest = next?;
    }
}

fn find(haystack: &[u8], needle: &[u8], from: usize) -> Option<usize> {
    if needle.is_empty() || from > haystack.len() {
        return None;
    }
    haystack[from..].windows(needle.len()).position(|w| w == needle).map(|i| i + from)
}

/// The parts of a multipart body sent with `content_type` (which names the boundary).
///
/// # Errors
/// [`MultipartError`] when the boundary is missing, a delimiter or a part's headers are
/// malformed, a part has no name, or there are more than [`MAX_PARTS`] parts.
pub fn parse(content_type: &str, body: &[u8]) -> Result<Vec<Part>, MultipartError> {
    let boundary =
        header_param(content_type, "boundary").filter(|b| !b.is_empty()).ok_or(MultipartError::MissingBoundary)?;
    let opening = format!("--{boundary}");
    let delimiter = format!("\r\n--{boundary}");
    // The first delimiter may open the body or follow a preamble.
    let mut at = if body.starts_with(opening.as_bytes()) {
        opening.len()
    } else {
        find(body, delimiter.as_bytes(), 0).ok_or(MultipartError::NoOpening)? + delimiter.len()
    };
    let mut parts = Vec::new();
    loop {
        let rest = body.get(at..).unwrap_or_default();
        if rest.starts_with(b"--") {
            return Ok(parts);
        }
        // Transport padding, then CRLF.
        let line_end = find(body, b"\r\n", at).ok_or(MultipartError::Unterminated)?;
        if body[at..line_end].iter().any(|b| !matches!(b, b' ' | b'\t')) {
            return Err(MultipartError::Unterminated);
        }
        let headers_start = line_end + 2;
        let (headers_end, content_start) = if body[headers_start..].starts_with(b"\r\n") {
            (headers_start, headers_start + 2)
        } else {
            let end = find(body, b"\r\n\r\n", headers_start).ok_or(MultipartError::BadHeaders)?;
            (end, end + 4)
        };
        let content_end = find(body, delimiter.as_bytes(), content_start).ok_or(MultipartError::Unterminated)?;
        if parts.len() == MAX_PARTS {
            return Err(MultipartError::TooManyParts);
        }
        let headers = String::from_utf8_lossy(&body[headers_start..headers_end]);
        let mut name = None;
        let mut filename = None;
        let mut part_type = None;
        for line in headers.split("\r\n") {
            let Some((key, value)) = line.split_once(':') else { continue };
            let key = key.trim();
            if key.eq_ignore_ascii_case("content-disposition") {
                name = header_param(value, "name");
                filename = header_param(value, "filename");
            } else if key.eq_ignore_ascii_case("content-type") {
                part_type = Some(value.trim().to_owned());
            }
        }
        parts.push(Part {
            name: name.ok_or(MultipartError::MissingName)?,
            filename,
            content_type: part_type,
            data: String::from_utf8_lossy(&body[content_start..content_end]).into_owned(),
        });
        at = content_end + delimiter.len();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Vec<Part> {
        vec![
            Part::text("caption", "a \"b\"; c"),
            Part {
                name: "file".into(),
                filename: Some("file.bin".into()),
                content_type: Some("image/png".into()),
                data: "line1\r\nline2".into(),
            },
            Part::text("empty", ""),
        ]
    }

    #[test]
    fn encoding_round_trips_and_the_boundary_is_reproducible() {
        let parts = sample();
        let b = boundary(&parts);
        assert_eq!(b, boundary(&sample()), "same parts, same boundary");
        assert_ne!(b, boundary(&[Part::text("caption", "other")]));
        assert!(b.starts_with("conform-") && b.len() == 24);
        let bytes = encode(&b, &parts);
        let text = String::from_utf8_lossy(&bytes);
        assert!(text.contains("Content-Disposition: form-data; name=\"file\"; filename=\"file.bin\"\r\n"));
        assert!(text.contains("Content-Type: image/png\r\n"));
        assert!(text.ends_with(&format!("--{b}--\r\n")));
        assert_eq!(parse(&format!("multipart/form-data; boundary={b}"), &bytes), Ok(parts.clone()));
        assert_eq!(parse(&format!("Multipart/Form-Data; Boundary=\"{b}\""), &bytes), Ok(parts));
    }

    #[test]
    fn a_boundary_never_occurs_in_the_data() {
        let first = boundary(&[Part::text("a", "x")]);
        let tricky = vec![Part::text("a", "x"), Part::text("b", &first)];
        let b = boundary(&tricky);
        assert!(!tricky.iter().any(|p| p.data.contains(&b)));
        assert_eq!(parse(&format!("multipart/form-data; boundary={b}"), &encode(&b, &tricky)), Ok(tricky));
    }

    #[test]
    fn preamble_and_padding_are_skipped() {
        let body = b"preamble\r\n--XY  \r\nContent-Disposition: form-data; name=a\r\n\r\n1\r\n--XY--";
        assert_eq!(parse("multipart/form-data; boundary=XY", body), Ok(vec![Part::text("a", "1")]));
    }

    #[test]
    fn malformed_bodies_are_errors_not_panics() {
        let ct = "multipart/form-data; boundary=XY";
        assert_eq!(parse("multipart/form-data", b"--XY--"), Err(MultipartError::MissingBoundary));
        assert_eq!(parse(ct, b"just text"), Err(MultipartError::NoOpening));
        assert_eq!(
            parse(ct, b"--XY\r\nContent-Disposition: form-data; name=a\r\n\r\n1"),
            Err(MultipartError::Unterminated)
        );
        assert_eq!(
            parse(ct, b"--XY\r\nContent-Disposition: form-data\r\n\r\n1\r\n--XY--"),
            Err(MultipartError::MissingName)
        );
        assert_eq!(parse(ct, b"--XY\r\nX: y"), Err(MultipartError::BadHeaders));
        for cut in 0..40 {
            let bytes = encode("XY", &sample());
            let _ = parse(ct, &bytes[..cut.min(bytes.len())]);
        }
        let many: Vec<Part> = (0..=MAX_PARTS).map(|i| Part::text(&i.to_string(), "")).collect();
        assert_eq!(parse(ct, &encode("XY", &many)), Err(MultipartError::TooManyParts));
    }

    #[test]
    fn header_params_unquote() {
        assert_eq!(header_param("form-data; name=\"a\\\"b\"; filename=f.txt", "name").as_deref(), Some("a\"b"));
        assert_eq!(header_param("form-data; name=\"a\"; filename=f.txt", "filename").as_deref(), Some("f.txt"));
        assert_eq!(header_param("form-data", "name"), None);
    }
}
