//! Where a generated value goes (a JSON body, a header, a path segment…) and what can be
//! carried there unchanged. A leaf of the generator: the strategies (random values) and the
//! deterministic values both read it, and neither imports the other.

use serde_json::Value;

/// Where a value goes: decides which characters strings may hold and whether `null` is sendable.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Place {
    /// A JSON body: anything.
    Json,
    /// A query value or a form field: any text, but `null` cannot be told from "".
    Text,
    /// A form body (an object whose members are [`Place::Text`]).
    Form,
    /// A path segment: non-empty, percent-encoded later, without `/`: WSGI and ASGI servers
    /// decode `%2F` before routing, so a value holding it reaches another route (307, 308, 404).
    Path,
    /// A path segment that may hold `/` (as `%2F`): only with `--path-slashes`.
    PathSlash,
    /// A header value: visible ASCII.
    Header,
    /// A cookie value: cookie-octets.
    Cookie,
    /// An item inside a delimited parameter value: `[A-Za-z0-9-_~]` only.
    Item,
}

impl Place {
    /// The place of values nested inside this one (array items, object members).
    pub(super) fn nested(self) -> Place {
        match self {
            Place::Json => Place::Json,
            Place::Form => Place::Text,
            _ => Place::Item,
        }
    }

    /// A path segment, with or without `/`.
    pub(super) fn is_path(self) -> bool {
        matches!(self, Place::Path | Place::PathSlash)
    }

    /// Whether `null` can be sent here (only in JSON).
    pub(super) fn allows_null(self) -> bool {
        self == Place::Json
    }

    /// Whether a string can be carried here unchanged.
    pub(super) fn carries(self, s: &str) -> bool {
        match self {
            Place::Json | Place::Text | Place::Form => true,
            Place::Path => !s.is_empty() && s != "." && s != ".." && !s.contains('/'),
            Place::PathSlash => !s.is_empty() && s != "." && s != "..",
            Place::Header => s.bytes().all(|b| (0x20..0x7f).contains(&b)) && s.trim() == s,
            Place::Cookie => s.bytes().all(is_cookie_octet),
            Place::Item => s.bytes().all(|b| b.is_ascii_alphanumeric() || b"-_~".contains(&b)),
        }
    }

    /// Characters free strings are drawn from (shrinking goes to the first range's start).
    pub(super) fn char_ranges(self) -> Vec<(char, char)> {
        let alnum = vec![('a', 'z'), ('A', 'Z'), ('0', '9')];
        match self {
            Place::Item => {
                let mut r = alnum;
                r.extend([('-', '-'), ('_', '_'), ('~', '~')]);
                r
            }
            Place::Header => {
                let mut r = alnum;
                r.extend([('!', '/'), (':', '@'), ('[', '`'), ('{', '~')]);
                r
            }
            Place::Cookie => {
                let mut r = alnum;
                r.extend([('!', '!'), ('#', '+'), ('-', '/'), (':', ':'), ('<', '@'), ('[', '['), (']', '`')]);
                r
            }
            Place::Json | Place::Text | Place::Form | Place::Path | Place::PathSlash => {
                let mut r = alnum;
                r.extend([
                    (' ', if self == Place::Path { '.' } else { '/' }),
                    (':', '@'),
                    ('[', '`'),
                    ('{', '~'),
                    ('é', 'é'),
                    ('ß', 'ß'),
                    ('中', '中'),
                    ('😀', '😀'),
                ]);
                r
            }
        }
    }
}

fn is_cookie_octet(b: u8) -> bool {
    b == 0x21
        || (0x23..=0x2b).contains(&b)
        || (0x2d..=0x3a).contains(&b)
        || (0x3c..=0x5b).contains(&b)
        || (0x5d..=0x7e).contains(&b)
}

/// Whether a constant can be carried at a place (no `null` outside JSON, strings that fit).
pub(crate) fn fits(v: &Value, place: Place) -> bool {
    match v {
        Value::Null => place.allows_null(),
        Value::String(s) => place.carries(s),
        Value::Array(items) => items.iter().all(|i| fits(i, place.nested())),
        Value::Object(map) => map.values().all(|i| fits(i, place.nested())),
        _ => true,
    }
}
