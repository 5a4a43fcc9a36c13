//! Authentication as Atlas does it: HTTP Digest (RFC 7616, MD5, `qop="auth"`) with API keys,
//! and Bearer tokens; HTTP Basic for specs that declare it (Twilio). Digest nonces are issued by the server, tracked, expire, and each
//! nonce-count may be used once (in any order, within a window), so a replayed
//! `Authorization` header is refused.
//!
//! Nothing here panics on a malformed header; every refusal says why in a sentence.

use super::state::Sharded;
use axum::http::HeaderValue;
use base64::Engine;
use md5::{Digest, Md5};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// The realm Atlas and Cloud Manager use.
pub(crate) const REALM: &str = "MMS Public API";
/// How long a nonce stays fresh.
const NONCE_LIFETIME: Duration = Duration::from_secs(300);
/// Tracked nonces per shard before the oldest are forgotten.
const NONCES_PER_SHARD: usize = 2048;
/// How far below the highest nonce-count seen a count may still arrive (once): a client
/// sharing one nonce across concurrent requests numbers them in order, but they do not reach
/// the server in order.
const NC_WINDOW: u64 = 128;

struct NonceState {
    issued: Instant,
    /// The highest nonce-count seen.
    last_nc: u64,
    /// Bit `i`: count `last_nc - i` was used.
    used: u128,
}

impl NonceState {
    /// Records a nonce-count; `false` when it was already used or is too old to tell.
    fn use_count(&mut self, count: u64) -> bool {
        if count == 0 {
            return false;
        }
        if count > self.last_nc {
            let shift = count - self.last_nc;
            self.used = if shift >= NC_WINDOW { 0 } else { self.used << shift };
            self.used |= 1;
            self.last_nc = count;
            return true;
        }
        let age = self.last_nc - count;
        if age >= NC_WINDOW || self.used & (1 << age) != 0 {
            return false;
        }
        self.used |= 1 << age;
        true
    }
}

/// The configured credentials and the nonces handed out.
pub(crate) struct Auth {
    token: Option<String>,
    digest: Option<(String, String)>,
    /// The expected `Authorization: Basic …` credentials, base64 of `user:password`.
    basic: Option<String>,
    nonces: Sharded<String, NonceState>,
    issued: AtomicU64,
    seed: u64,
    started: Instant,
}

/// The outcome of checking a request's credentials.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Verdict {
    Allowed,
    /// Refused; `stale` when the digest was right but its nonce is unknown or expired.
    Denied {
        detail: String,
        stale: bool,
    },
}

fn denied(detail: &str) -> Verdict {
    Verdict::Denied { detail: detail.to_owned(), stale: false }
}

impl Auth {
    pub(super) fn new(
        token: Option<String>,
        digest: Option<(String, String)>,
        basic: Option<(String, String)>,
        seed: u64,
    ) -> Auth {
        let basic = basic
            .map(|(user, password)| base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}")));
        Auth { token, digest, basic, nonces: Sharded::new(), issued: AtomicU64::new(0), seed, started: Instant::now() }
    }

    /// Whether any credential is configured (else every request is allowed).
    pub(super) fn enabled(&self) -> bool {
        self.token.is_some() || self.digest.is_some() || self.basic.is_some()
    }

    /// Checks the `Authorization` headers of a request. `uri` is the request target as sent
    /// (path and query), which a digest response must name.
    pub(super) fn check<'a>(
        &self,
        method: &str,
        uri: &str,
        authorization: impl Iterator<Item = &'a HeaderValue>,
    ) -> Verdict {
        let mut verdict = denied("This resource requires credentials: none were sent.");
        for header in authorization {
            let Ok(text) = header.to_str() else {
                verdict = denied("The Authorization header is not valid text.");
                continue;
            };
            let (scheme, rest) = text.trim().split_once(' ').unwrap_or((text.trim(), ""));
            let this = if scheme.eq_ignore_ascii_case("bearer") {
                self.bearer(rest.trim())
            } else if scheme.eq_ignore_ascii_case("digest") {
                self.digest(method, uri, rest)
            } else if scheme.eq_ignore_ascii_case("basic") {
                self.basic(rest.trim())
            } else {
                denied("The Authorization scheme is not supported here.")
            };
            if this == Verdict::Allowed {
                return this;
            }
            verdict = this;
        }
        verdict
    }

    fn bearer(&self, presented: &str) -> Verdict {
        match &self.token {
            Some(token) if constant_time_eq(token.as_bytes(), presented.as_bytes()) => Verdict::Allowed,
            Some(_) => denied("The bearer token is not valid."),
            None => denied("Bearer tokens are not accepted here."),
        }
    }

    fn basic(&self, presented: &str) -> Verdict {
        match &self.basic {
            Some(expected) if constant_time_eq(expected.as_bytes(), presented.as_bytes()) => Verdict::Allowed,
            Some(_) => denied("The user name or password is not valid."),
            None => denied("Basic authentication is not accepted here."),
        }
    }

    fn digest(&self, method: &str, uri: &str, params: &str) -> Verdict {
        let Some((user, password)) = &self.digest else {
            return denied("Digest authentication is not accepted here.");
        };
        let p = parse_params(params);
        let get = |k: &str| p.iter().find(|(key, _)| key.eq_ignore_ascii_case(k)).map(|(_, v)| v.as_str());
        let (Some(username), Some(realm), Some(nonce), Some(digest_uri), Some(response)) =
            (get("username"), get("realm"), get("nonce"), get("uri"), get("response"))
        else {
            return denied("The digest is incomplete: username, realm, nonce, uri and response are required.");
        };
        if !get("algorithm").is_none_or(|a| a.eq_ignore_ascii_case("MD5")) {
            return denied("Only the MD5 digest algorithm is supported.");
        }
        let (Some("auth"), Some(nc), Some(cnonce)) = (get("qop"), get("nc"), get("cnonce")) else {
            return denied("The digest must use qop=auth with nc and cnonce.");
        };
        let Some(count) = (nc.len() == 8).then(|| u64::from_str_radix(nc, 16).ok()).flatten() else {
            return denied("The digest nonce count (nc) must be 8 hexadecimal digits.");
        };
        if cnonce.is_empty() {
            return denied("The digest client nonce (cnonce) is empty.");
        }
        if realm != REALM || username != user {
            return denied("The digest credentials are not valid.");
        }
        if digest_uri != uri && origin_form(digest_uri) != uri {
            return denied("The digest uri does not match the request.");
        }
        let ha1 = md5_hex(format!("{username}:{REALM}:{password}").as_bytes());
        let ha2 = md5_hex(format!("{method}:{digest_uri}").as_bytes());
        let expected = md5_hex(format!("{ha1}:{nonce}:{nc}:{cnonce}:auth:{ha2}").as_bytes());
        if !constant_time_eq(expected.as_bytes(), response.to_ascii_lowercase().as_bytes()) {
            return denied("The digest credentials are not valid.");
        }
        let key = nonce.to_owned();
        let mut shard = self.nonces.lock(&key);
        match shard.get_mut(&key) {
            Some(state) if state.issued.elapsed() <= NONCE_LIFETIME => {
                if !state.use_count(count) {
                    return denied("The digest nonce count was already used: the request is a replay.");
                }
                Verdict::Allowed
            }
            _ => Verdict::Denied { detail: "The digest nonce is unknown or expired.".to_owned(), stale: true },
        }
    }

    /// Issues a fresh nonce and tracks it.
    fn issue_nonce(&self) -> String {
        let n = self.issued.fetch_add(1, Ordering::Relaxed);
        let nanos = self.started.elapsed().as_nanos();
        let nonce = md5_hex(format!("{}:{n}:{nanos}", self.seed).as_bytes());
        let mut shard = self.nonces.lock(&nonce);
        if shard.len() >= NONCES_PER_SHARD {
            shard.retain(|_, s| s.issued.elapsed() <= NONCE_LIFETIME);
            while shard.len() >= NONCES_PER_SHARD {
                let Some(oldest) = shard.iter().min_by_key(|(_, s)| s.issued).map(|(k, _)| k.clone()) else { break };
                shard.remove(&oldest);
            }
        }
        shard.insert(nonce.clone(), NonceState { issued: Instant::now(), last_nc: 0, used: 0 });
        nonce
    }

    /// The `WWW-Authenticate` values of a 401: a Digest challenge with a fresh nonce (and
    /// `stale=true` when the client only needs a new nonce), and a Bearer challenge.
    pub(super) fn challenges(&self, stale: bool) -> Vec<HeaderValue> {
        let mut out = Vec::new();
        if self.digest.is_some() {
            let nonce = self.issue_nonce();
            let stale = if stale { ", stale=true" } else { "" };
            let text = format!("Digest realm=\"{REALM}\", nonce=\"{nonce}\", qop=\"auth\", algorithm=MD5{stale}");
            out.extend(HeaderValue::from_str(&text).ok());
        }
        if self.token.is_some() {
            out.push(HeaderValue::from_static("Bearer realm=\"MMS Public API\""));
        }
        if self.basic.is_some() {
            out.push(HeaderValue::from_static("Basic realm=\"MMS Public API\""));
        }
        out
    }
}

/// `http://host/p?q` -> `/p?q`; anything else unchanged.
fn origin_form(uri: &str) -> &str {
    match uri.split_once("://") {
        Some((_, rest)) => rest.find('/').map_or("/", |i| &rest[i..]),
        None => uri,
    }
}

pub(crate) fn md5_hex(bytes: &[u8]) -> String {
    Md5::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// `key=value, key="quoted, \"value\""` -> pairs; tolerant of spacing, never fails.
fn parse_params(text: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut chars = text.chars().peekable();
    loop {
        while chars.peek().is_some_and(|c| c.is_whitespace() || *c == ',') {
            chars.next();
        }
        let key: String = std::iter::from_fn(|| chars.next_if(|c| *c != '=' && *c != ',')).collect();
        if key.trim().is_empty() {
            if chars.peek().is_none() {
                break;
            }
            chars.next();
            continue;
        }
        if chars.next_if_eq(&'=').is_none() {
            out.push((key.trim().to_owned(), String::new()));
            continue;
        }
        while chars.peek().is_some_and(|c| c.is_whitespace()) {
            chars.next();
        }
        let value = if chars.next_if_eq(&'"').is_some() {
            let mut v = String::new();
            while let Some(c) = chars.next() {
                match c {
                    '\\' => v.extend(chars.next()),
                    '"' => break,
                    c => v.push(c),
                }
            }
            v
        } else {
            std::iter::from_fn(|| chars.next_if(|c| *c != ',')).collect::<String>().trim().to_owned()
        };
        out.push((key.trim().to_owned(), value));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn params_parse_quoted_and_bare_values() {
        let p = parse_params(r#"username="a,b", realm="MMS Public API",nc=00000001, qop=auth, x="q\"uote""#);
        assert_eq!(
            p,
            [
                ("username".to_owned(), "a,b".to_owned()),
                ("realm".to_owned(), "MMS Public API".to_owned()),
                ("nc".to_owned(), "00000001".to_owned()),
                ("qop".to_owned(), "auth".to_owned()),
                ("x".to_owned(), "q\"uote".to_owned()),
            ]
        );
        assert!(parse_params("").is_empty());
        let _ = parse_params("=,=\"\\");
    }

    #[test]
    fn md5_matches_the_rfc_example() {
        // RFC 2617 section 3.5: HA1 of Mufasa / testrealm@host.com / Circle Of Life.
        assert_eq!(md5_hex(b"Mufasa:testrealm@host.com:Circle Of Life"), "939e7578ed9e3c518a452acee763bce9");
    }

    /// Regression: conform's own Digest client, with eight connections sharing a nonce, got
    /// 401 for about one valid request in six from this mock, which demanded strictly
    /// increasing counts: concurrent requests are numbered in order but arrive out of order.
    #[test]
    fn nonce_counts_may_arrive_out_of_order_but_only_once() {
        let mut state = NonceState { issued: Instant::now(), last_nc: 0, used: 0 };
        for count in [1, 3, 2, 5, 4] {
            assert!(state.use_count(count), "{count}");
        }
        for count in [0, 1, 2, 3, 4, 5] {
            assert!(!state.use_count(count), "{count} again is a replay");
        }
        assert!(state.use_count(5 + NC_WINDOW + 10));
        assert!(!state.use_count(6), "too old to tell: refused");
        assert!(state.use_count(5 + NC_WINDOW + 9), "within the window");
        assert!(state.use_count(u64::MAX) && !state.use_count(u64::MAX));
    }

    #[test]
    fn origin_forms() {
        assert_eq!(origin_form("http://h:1/a?b=c"), "/a?b=c");
        assert_eq!(origin_form("/a"), "/a");
    }
}
