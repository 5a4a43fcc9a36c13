//! Strings from ECMA-262 `pattern`s: the one place where a pattern becomes something to draw
//! from, shared by request generation, the mock and `lint`. It sits in `spec` because loading a
//! spec reports the patterns nothing can be generated from; the value engine's samplers build
//! on it (`crate::values::pattern`).
//!
//! Finite-automaton regexes cannot express look-around or back-references, so a pattern is
//! *relaxed* first: look-arounds are removed (they consume nothing), every back-reference becomes
//! a marker that [`GenPattern::finish`] replaces with the text its group drew, and anchors and
//! word boundaries are dropped. Strings drawn from the relaxed form are then kept only if the
//! full pattern accepts them, judged by the validator's own engine (jsonschema's `pattern`).
//! A pattern is ungeneratable only when no draw out of a bounded number passes.
//!
//! This module must never panic on any pattern, and never hand out a string the full pattern
//! rejects from [`GenPattern::draw`].

use crate::rng::{GOLDEN, Rng};
use proptest::strategy::{SBoxedStrategy, Strategy, ValueTree};
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};
use regex_syntax::hir::{self, Hir, HirKind, Look};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, LazyLock, Mutex};

/// Draws made while compiling a pattern, to learn whether relaxed draws pass the full pattern.
const TRIES: u64 = 64;
/// Accepted strings kept for patterns whose relaxed draws rarely pass.
const POOL: usize = 16;
/// Repetitions above this minimum make strings too long to hand out (the mock's bodies).
const LONGEST_MIN: u32 = 256;
/// Back-reference markers: group `n` opens with `OPEN + n`, closes with `CLOSE + n`, and a
/// reference to it is `REF + n` (supplementary private use plane, never in a real pattern).
const OPEN: u32 = 0xF_0000;
const CLOSE: u32 = 0xF_1000;
const REF: u32 = 0xF_2000;
const MARKERS_END: u32 = 0xF_3000;
const MAX_GROUPS: usize = 0xFFF;

/// A pattern ready to draw strings from.
pub struct GenPattern {
    /// The ECMA-262 source, as written in the spec.
    pub source: String,
    /// The relaxed expression: no anchors, look-arounds or captures; back-references as markers.
    pub hir: Arc<Hir>,
    /// Whether drawn strings must be checked against the full pattern (relaxation lost
    /// something, or a draw failed the check).
    pub lossy: bool,
    /// Fraction of draws the full pattern accepted while compiling (1.0 when not lossy).
    pub rate: f64,
    /// Accepted strings found while compiling, for patterns whose draws rarely pass.
    pub pool: Vec<String>,
    backrefs: bool,
    checker: jsonschema::Validator,
    /// Draws with bounded repetitions; `None` when some repetition must be very long.
    strings: Option<SBoxedStrategy<String>>,
}

impl fmt::Debug for GenPattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GenPattern")
            .field("source", &self.source)
            .field("lossy", &self.lossy)
            .field("rate", &self.rate)
            .finish_non_exhaustive()
    }
}

impl GenPattern {
    /// Whether the full pattern accepts `s` (the validator's verdict).
    pub fn accepts(&self, s: &str) -> bool {
        self.checker.is_valid(&Value::String(s.to_owned()))
    }

    /// A string drawn from [`GenPattern::hir`] with its back-reference markers resolved.
    pub fn finish(&self, s: String) -> String {
        if self.backrefs { resolve_markers(&s) } else { s }
    }

    /// A string the full pattern accepts, drawn with `seed` (repetitions bounded for small
    /// values); `None` when no bounded number of draws found one.
    pub fn draw(&self, seed: u64) -> Option<String> {
        let strings = self.strings.as_ref()?;
        for attempt in 0..8 {
            let Ok(tree) = strings.new_tree(&mut runner(seed.wrapping_add(attempt))) else { continue };
            let s = self.finish(tree.current());
            if !self.lossy || self.accepts(&s) {
                return Some(s);
            }
        }
        let n = self.pool.len() as u64;
        (n > 0).then(|| self.pool[(seed % n) as usize].clone())
    }
}

/// A compiled pattern, or why nothing can be generated from it.
type Compiled = Result<Arc<GenPattern>, String>;

static CACHE: LazyLock<Mutex<HashMap<String, Compiled>>> = LazyLock::new(|| Mutex::new(HashMap::new()));

/// The generator for `source`, compiled once per process.
///
/// # Errors
/// Why no string can be generated: the validator rejects the pattern, the relaxed form does not
/// parse, or no bounded number of draws passes the full pattern.
pub fn generator(source: &str) -> Result<Arc<GenPattern>, String> {
    if let Some(found) = CACHE.lock().unwrap_or_else(|e| e.into_inner()).get(source) {
        return found.clone();
    }
    let compiled = compile(source).map(Arc::new);
    let mut cache = CACHE.lock().unwrap_or_else(|e| e.into_inner());
    if cache.len() > 4096 {
        cache.clear();
    }
    cache.insert(source.to_owned(), compiled.clone());
    compiled
}

/// Whether strings can be generated from `pattern` (see [`generator`]).
pub fn generatable(pattern: &str) -> bool {
    generator(pattern).is_ok()
}

fn compile(source: &str) -> Result<GenPattern, String> {
    let checker = jsonschema::options()
        .build(&json!({"pattern": source}))
        .map_err(|_| "it is not a valid regular expression".to_owned())?;
    let relaxed = relax(source);
    let translated = translate_pattern(&relaxed.text)
        .ok_or_else(|| "it uses syntax no finite-automaton regex can draw from".to_owned())?;
    let parsed = regex_syntax::ParserBuilder::new()
        .build()
        .parse(&translated)
        .map_err(|_| "it uses syntax no finite-automaton regex can draw from".to_owned())?;
    if has_empty_class(&parsed) {
        return Err("it holds a character class with no member".to_owned());
    }
    let mut lossy = relaxed.lossy;
    let hir = strip(&parsed, &mut lossy);
    let capped = cap(&hir);
    let strings = match &capped {
        Some(h) => Some(
            proptest::string::string_regex_parsed(h)
                .map_err(|_| "it uses syntax no finite-automaton regex can draw from".to_owned())?
                .sboxed(),
        ),
        None => None,
    };
    let mut pattern = GenPattern {
        source: source.to_owned(),
        hir: Arc::new(hir),
        lossy,
        rate: 1.0,
        pool: Vec::new(),
        backrefs: relaxed.backrefs,
        checker,
        strings,
    };
    let Some(strings) = &pattern.strings else { return Ok(pattern) };
    let mut accepted = 0;
    let mut tried = 0;
    for seed in 0..TRIES {
        let Ok(tree) = strings.new_tree(&mut runner(seed)) else { continue };
        tried += 1;
        let s = pattern.finish(tree.current());
        if pattern.accepts(&s) {
            accepted += 1;
            if pattern.pool.len() < POOL && !pattern.pool.contains(&s) {
                pattern.pool.push(s);
            }
        } else {
            pattern.lossy = true;
        }
    }
    if accepted == 0 {
        return Err(format!("none of {TRIES} strings drawn with its look-arounds relaxed matches it"));
    }
    pattern.rate = f64::from(accepted) / f64::from(tried.max(1));
    Ok(pattern)
}

/// A proptest runner seeded from `seed`: each 8-byte part of the ChaCha seed is the first output
/// of a splitmix64 generator seeded apart.
fn runner(seed: u64) -> TestRunner {
    let mut bytes = [0u8; 32];
    for (i, chunk) in bytes.chunks_mut(8).enumerate() {
        chunk.copy_from_slice(&Rng::new(seed ^ (i as u64).wrapping_mul(GOLDEN)).next_u64().to_le_bytes());
    }
    TestRunner::new_with_rng(Config::default(), TestRng::from_seed(RngAlgorithm::ChaCha, &bytes))
}

/// An ECMA-262 pattern with its look-arounds removed and its back-references marked.
#[derive(Debug, PartialEq)]
struct Relaxed {
    text: String,
    /// Something was removed or replaced: drawn strings must be checked.
    lossy: bool,
    /// Back-reference markers are in the text (resolved by [`resolve_markers`]).
    backrefs: bool,
}

enum Open {
    /// A look-around that started at this length of the output.
    Look(usize),
    /// Capture group `n` (ECMA numbering).
    Capture(usize),
    Other,
}

/// Relaxes `source` (see the module documentation). Works on the text, before translation:
/// the translator and regex-syntax reject look-arounds and back-references outright.
fn relax(source: &str) -> Relaxed {
    let chars: Vec<char> = source.chars().collect();
    let names = group_names(&chars);
    let total = names.len();
    let markers = total <= MAX_GROUPS && !chars.iter().any(|c| (OPEN..MARKERS_END).contains(&(*c as u32)));
    let refers = markers && has_backrefs(&chars, &names);
    let marker = |base: u32, n: usize| char::from_u32(base + n as u32).unwrap_or('\u{FFFD}');
    let mut out = String::with_capacity(source.len());
    let mut stack: Vec<Open> = Vec::new();
    let (mut lossy, mut in_class, mut group, mut i) = (false, false, 0, 0);
    while i < chars.len() {
        let c = chars[i];
        if c == '\\' {
            let Some(&next) = chars.get(i + 1) else {
                out.push(c);
                break;
            };
            if !in_class && let Some((n, end)) = backref_at(&chars, i, &names) {
                lossy = true;
                if refers {
                    out.push(marker(REF, n));
                }
                i = end;
                continue;
            }
            out.push(c);
            out.push(next);
            i += 2;
            continue;
        }
        if in_class {
            in_class = c != ']';
            out.push(c);
            i += 1;
            continue;
        }
        match c {
            '[' => {
                in_class = true;
                out.push(c);
            }
            '(' => {
                let rest: String = chars[i..chars.len().min(i + 4)].iter().collect();
                if ["(?=", "(?!"].iter().any(|p| rest.starts_with(p)) || ["(?<=", "(?<!"].contains(&rest.as_str()) {
                    stack.push(Open::Look(out.len()));
                    lossy = true;
                    out.push('(');
                } else if rest.starts_with("(?<") {
                    // A named group: unnamed here (duplicate names would not parse once relaxed).
                    let close = chars[i..].iter().position(|&c| c == '>').map_or(chars.len(), |p| i + p);
                    group += 1;
                    stack.push(Open::Capture(group));
                    out.push_str("(?:");
                    if refers {
                        out.push(marker(OPEN, group));
                    }
                    i = close + 1;
                    continue;
                } else if rest.starts_with("(?") {
                    stack.push(Open::Other);
                    out.push('(');
                } else {
                    group += 1;
                    stack.push(Open::Capture(group));
                    out.push_str("(?:");
                    if refers {
                        out.push(marker(OPEN, group));
                    }
                }
            }
            ')' => match stack.pop() {
                Some(Open::Look(at)) => {
                    out.truncate(at);
                    out.push_str("(?:)");
                }
                Some(Open::Capture(n)) => {
                    if refers {
                        out.push(marker(CLOSE, n));
                    }
                    out.push(')');
                }
                _ => out.push(')'),
            },
            _ => out.push(c),
        }
        i += 1;
    }
    Relaxed { text: out, lossy, backrefs: refers }
}

/// The capture groups of a pattern in ECMA order, with their names.
fn group_names(chars: &[char]) -> Vec<Option<String>> {
    let mut names = Vec::new();
    let (mut in_class, mut i) = (false, 0);
    while i < chars.len() {
        match chars[i] {
            '\\' => i += 1,
            ']' if in_class => in_class = false,
            '[' if !in_class => in_class = true,
            '(' if !in_class => {
                let after = |k: usize| chars.get(i + k).copied();
                if after(1) != Some('?') {
                    names.push(None);
                } else if after(2) == Some('<') && !matches!(after(3), Some('=' | '!')) {
                    let name: String = chars[i + 3..].iter().take_while(|&&c| c != '>').collect();
                    names.push(Some(name));
                }
            }
            _ => {}
        }
        i += 1;
    }
    names
}

fn has_backrefs(chars: &[char], names: &[Option<String>]) -> bool {
    let (mut in_class, mut i) = (false, 0);
    while i < chars.len() {
        match chars[i] {
            '\\' if !in_class && backref_at(chars, i, names).is_some() => return true,
            '\\' => i += 1,
            ']' if in_class => in_class = false,
            '[' if !in_class => in_class = true,
            _ => {}
        }
        i += 1;
    }
    false
}

/// The back-reference starting at the `\` at `i` (outside a class): its group number and the
/// index after it. `\10` with fewer than ten groups is not one (ECMA reads it as an escape).
fn backref_at(chars: &[char], i: usize, names: &[Option<String>]) -> Option<(usize, usize)> {
    let next = *chars.get(i + 1)?;
    if next.is_ascii_digit() && next != '0' {
        let digits: String = chars[i + 1..].iter().take_while(|c| c.is_ascii_digit()).collect();
        let n: usize = digits.parse().ok()?;
        return (n <= names.len()).then_some((n, i + 1 + digits.len()));
    }
    if next == 'k' && chars.get(i + 2) == Some(&'<') {
        let name: String = chars[i + 3..].iter().take_while(|&&c| c != '>').collect();
        let n = names.iter().position(|g| g.as_deref() == Some(name.as_str()))? + 1;
        return Some((n, i + 3 + name.chars().count() + 1));
    }
    None
}

/// Replaces back-reference markers with the text their group last drew (nothing when it drew
/// none, as ECMA-262 matches an unset group) and drops the group markers.
fn resolve_markers(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut open: Vec<(u32, usize)> = Vec::new();
    let mut texts: HashMap<u32, String> = HashMap::new();
    for c in s.chars() {
        let u = c as u32;
        if (OPEN..CLOSE).contains(&u) {
            open.push((u - OPEN, out.len()));
        } else if (CLOSE..REF).contains(&u) {
            if let Some(at) = open.iter().rposition(|(n, _)| *n == u - CLOSE) {
                let (n, start) = open.remove(at);
                texts.insert(n, out[start..].to_owned());
            }
        } else if (REF..MARKERS_END).contains(&u) {
            if let Some(text) = texts.get(&(u - REF)) {
                out.push_str(text);
            }
        } else {
            out.push(c);
        }
    }
    out
}

fn has_empty_class(h: &Hir) -> bool {
    match h.kind() {
        HirKind::Class(hir::Class::Unicode(c)) => c.ranges().is_empty(),
        HirKind::Class(hir::Class::Bytes(c)) => c.ranges().is_empty(),
        HirKind::Repetition(r) => has_empty_class(&r.sub),
        HirKind::Capture(c) => has_empty_class(&c.sub),
        HirKind::Concat(subs) | HirKind::Alternation(subs) => subs.iter().any(has_empty_class),
        _ => false,
    }
}

/// The expression without anchors, boundaries and captures. Word boundaries and line anchors
/// are lost constraints: they make the pattern `lossy`.
fn strip(h: &Hir, lossy: &mut bool) -> Hir {
    match h.kind() {
        HirKind::Look(look) => {
            if !matches!(look, Look::Start | Look::End) {
                *lossy = true;
            }
            Hir::empty()
        }
        HirKind::Repetition(r) => Hir::repetition(hir::Repetition {
            min: r.min,
            max: r.max,
            greedy: r.greedy,
            sub: Box::new(strip(&r.sub, lossy)),
        }),
        HirKind::Capture(c) => strip(&c.sub, lossy),
        HirKind::Concat(subs) => Hir::concat(subs.iter().map(|s| strip(s, lossy)).collect()),
        HirKind::Alternation(subs) => Hir::alternation(subs.iter().map(|s| strip(s, lossy)).collect()),
        _ => h.clone(),
    }
}

/// Repetitions capped for small strings (at most 16 beyond the minimum); `None` when some
/// minimum is above [`LONGEST_MIN`].
fn cap(h: &Hir) -> Option<Hir> {
    Some(match h.kind() {
        HirKind::Repetition(r) if r.min > LONGEST_MIN => return None,
        HirKind::Repetition(r) => Hir::repetition(hir::Repetition {
            min: r.min,
            max: Some(r.max.unwrap_or(u32::MAX).min(r.min.max(16))),
            greedy: r.greedy,
            sub: Box::new(cap(&r.sub)?),
        }),
        HirKind::Concat(subs) => Hir::concat(subs.iter().map(cap).collect::<Option<_>>()?),
        HirKind::Alternation(subs) => Hir::alternation(subs.iter().map(cap).collect::<Option<_>>()?),
        _ => h.clone(),
    })
}

/// Whether the validator accepts `pattern` (the same check jsonschema makes when it compiles).
pub fn pattern_compiles(pattern: &str) -> bool {
    jsonschema::options().build(&serde_json::json!({"pattern": pattern})).is_ok()
}

/// The Rust-regex form of an ECMA-262 pattern, as the validator translates it.
pub fn translate_pattern(pattern: &str) -> Option<String> {
    jsonschema_regex::to_rust_regex(pattern).ok().map(|p| p.into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn draws(source: &str) -> Vec<String> {
        let g = generator(source).unwrap_or_else(|why| panic!("{source}: {why}"));
        (0..20).map(|seed| g.draw(seed).unwrap()).collect()
    }

    #[test]
    fn relaxing_removes_look_arounds_and_marks_back_references() {
        let r = relax(r"^(?!xn--)[a-z](?<!-)$");
        assert_eq!(r.text, "^(?:)[a-z](?:)$");
        assert!(r.lossy && !r.backrefs);
        let r = relax(r"^[(?=]\(?=a\)$");
        assert!(!r.lossy, "a class and escaped parentheses are not look-arounds: {r:?}");
        assert_eq!(r.text, r"^[(?=]\(?=a\)$");
        let r = relax(r"^(a)(?<n>b)\1\k<n>\10$");
        assert!(r.backrefs && r.lossy);
        assert_eq!(r.text.matches("(?:").count(), 2, "{}", r.text);
        assert_eq!(resolve_markers(&format!("{0}a{1}-{2}", '\u{F0001}', '\u{F1001}', '\u{F2001}')), "a-a");
    }

    #[test]
    fn look_around_back_reference_and_unicode_patterns_generate_matching_strings() {
        for source in [
            r"^((25[0-5]|(2[0-4]|1\d|[1-9]|)\d)(\.(?!$)|$)){4}|([0-9a-f]{1,4}:){7}[0-9a-f]{1,4}$",
            r"^(?!xn--)[a-z0-9-]{1,20}(?<!-)$",
            r"^([a-z]{3})-\1$",
            r"^[\p{L}\p{N}\-_.(),:&@+']{1,64}$",
            r"^[\p{L}\p{N}\-_.,' ]*$",
            r"^(?:(?<cn>CN=(?<name>[^,]*)),)?(?:(?<path>(?:(?:CN|OU)=[^,]+,?)+),)?(?<domain>(?:DC=[^,]+,?)+)$",
            r"\bword\b",
        ] {
            let g = generator(source).unwrap();
            for s in draws(source) {
                assert!(g.accepts(&s), "{source}: {s:?}");
            }
        }
        let s = draws(r"^([a-z]{3})-\1$").remove(0);
        assert_eq!(s[..3], s[4..], "the back-reference repeats its group: {s}");
    }

    #[test]
    fn patterns_nothing_matches_or_nothing_parses_say_why() {
        assert!(generator("^(?<=a)b$").unwrap_err().contains("relaxed"), "a look-behind nothing precedes");
        assert!(generator("^(x$").unwrap_err().contains("not a valid"));
        assert!(generator("[^\\s\\S]").unwrap_err().contains("no member"));
        assert!(generator("^a{100000}$").is_ok_and(|g| g.draw(1).is_none()), "too long to draw, not an error");
    }
}
