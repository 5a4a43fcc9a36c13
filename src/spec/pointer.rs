//! JSON pointers (RFC 6901): every spec finding and every schema handle names its place in the
//! document with one, so this is the one place that escapes, joins and follows them.

use serde_json::Value;

/// Escapes one reference token (`~` -> `~0`, `/` -> `~1`).
pub fn escape(token: &str) -> String {
    if token.contains(['~', '/']) { token.replace('~', "~0").replace('/', "~1") } else { token.to_owned() }
}

/// Undoes [`escape`].
pub fn unescape(token: &str) -> String {
    // One pass, the same result as replacing `~1` and then `~0`: tokens of OpenAPI paths are
    // long and full of `~1`, and pointers into them are followed for every request.
    let mut out = String::with_capacity(token.len());
    let mut rest = token;
    while let Some(i) = rest.find('~') {
        out.push_str(&rest[..i]);
        match rest.as_bytes().get(i + 1) {
            Some(b'1') => {
                out.push('/');
                rest = &rest[i + 2..];
            }
            Some(b'0') => {
                out.push('~');
                rest = &rest[i + 2..];
            }
            _ => {
                out.push('~');
                rest = &rest[i + 1..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// Appends one unescaped token to a pointer.
pub fn join(base: &str, token: &str) -> String {
    let mut out = String::with_capacity(base.len() + token.len() + 1);
    out.push_str(base);
    out.push('/');
    out.push_str(&escape(token));
    out
}

/// Appends an array index to a pointer.
pub fn join_index(base: &str, index: usize) -> String {
    format!("{base}/{index}")
}

/// Follows a pointer (without the leading `#`), percent-decoding tokens as URI fragments require.
/// Returns `None` when a token does not exist.
pub fn get<'a>(root: &'a Value, pointer: &str) -> Option<&'a Value> {
    if pointer.is_empty() {
        return Some(root);
    }
    if !pointer.starts_with('/') {
        return None;
    }
    let mut node = root;
    for raw in pointer[1..].split('/') {
        let decoded = percent_decode(raw);
        let token = if decoded.contains('~') { std::borrow::Cow::Owned(unescape(&decoded)) } else { decoded };
        node = match node {
            Value::Object(map) => map.get(token.as_ref())?,
            Value::Array(items) => items.get(token.parse::<usize>().ok()?)?,
            _ => return None,
        };
    }
    Some(node)
}

/// Mutable [`get`].
pub fn get_mut<'a>(root: &'a mut Value, pointer: &str) -> Option<&'a mut Value> {
    if pointer.is_empty() {
        return Some(root);
    }
    if !pointer.starts_with('/') {
        return None;
    }
    let mut node = root;
    for raw in pointer[1..].split('/') {
        let token = unescape(&percent_decode(raw));
        node = match node {
            Value::Object(map) => map.get_mut(&token)?,
            Value::Array(items) => items.get_mut(token.parse::<usize>().ok()?)?,
            _ => return None,
        };
    }
    Some(node)
}

/// The fragment of a local reference (`#/components/schemas/X` -> `/components/schemas/X`),
/// or `None` for a reference into another document.
pub fn local_fragment(reference: &str) -> Option<&str> {
    reference.strip_prefix('#')
}

fn percent_decode(token: &str) -> std::borrow::Cow<'_, str> {
    if token.contains('%') {
        percent_encoding::percent_decode_str(token).decode_utf8_lossy()
    } else {
        std::borrow::Cow::Borrowed(token)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn escapes_and_follows_tokens() {
        let doc = json!({"paths": {"/a/{id}": {"get": {"x~y": [1, 2]}}}});
        let p = join(&join(&join("/paths", "/a/{id}"), "get"), "x~y");
        assert_eq!(p, "/paths/~1a~1{id}/get/x~0y");
        assert_eq!(get(&doc, &join_index(&p, 1)), Some(&json!(2)));
        assert_eq!(get(&doc, "/paths/~1a~1%7Bid%7D/get/x~0y/0"), Some(&json!(1)));
        assert_eq!(get(&doc, "/paths/nope"), None);
        assert_eq!(get(&doc, "paths"), None);
        assert_eq!(unescape("a~1b~0c"), "a/b~c");
    }

    #[test]
    fn unescape_matches_replacing_one_then_zero() {
        let slow = |t: &str| t.replace("~1", "/").replace("~0", "~");
        for t in
            ["", "~", "~~", "~0", "~1", "~01", "~10", "~~1", "~~0", "~~10", "a~2b", "x~", "é~1ü~0", "~1api~1v2~1{id}"]
        {
            assert_eq!(unescape(t), slow(t), "{t:?}");
        }
    }
}
