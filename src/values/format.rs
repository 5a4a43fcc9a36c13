//! Values of the string `format`s conform generates, in the three shapes its users need: one
//! canonical sample per format (the generator's deterministic cases and boundaries), a proptest
//! strategy (the generator's random cases), and seeded varied samples (the mock's answers).
//!
//! The three are kept side by side so that a format added to one is added to all, and so that
//! [`KNOWN_FORMATS`] stays the list the strategies cover. Every value here must satisfy the
//! validator's check of its format; none may change without the snapshots that hold them.

#[cfg(feature = "mock")]
use crate::rng::Rng;
use proptest::prelude::*;
use proptest::strategy::SBoxedStrategy;

/// Formats the generators produce values for.
pub(crate) const KNOWN_FORMATS: [&str; 18] = [
    "date-time",
    "date",
    "time",
    "email",
    "idn-email",
    "uuid",
    "uri",
    "iri",
    "uri-reference",
    "iri-reference",
    "ipv4",
    "ipv6",
    "byte",
    "hostname",
    "idn-hostname",
    "duration",
    "json-pointer",
    "relative-json-pointer",
];

/// Whether the validator checks this format (an unknown format is only an annotation).
pub(crate) fn validated_format(format: &str) -> bool {
    matches!(format, "regex" | "uri-template")
}

/// The canonical value of a format for deterministic cases (the first a strategy would shrink
/// to, roughly); `None` for a format conform does not generate.
pub(crate) fn canonical(format: &str) -> Option<&'static str> {
    Some(match format {
        "date" => "2024-01-31",
        "date-time" => "2024-01-31T12:00:00Z",
        "time" => "12:00:00Z",
        "email" | "idn-email" => "user@example.com",
        "uuid" => "123e4567-e89b-42d3-a456-426614174000",
        "uri" | "iri" | "uri-reference" | "iri-reference" => "https://example.com/",
        "hostname" | "idn-hostname" => "example.com",
        "ipv4" => "192.0.2.1",
        "ipv6" => "2001:db8::1",
        "byte" => "aGVsbG8=",
        "duration" => "P1D",
        "json-pointer" => "/a",
        "relative-json-pointer" => "0",
        _ => return None,
    })
}

/// Lower-case ASCII words of `n` letters (shrinking towards `a`s).
pub(crate) fn lower(n: std::ops::RangeInclusive<u8>) -> impl Strategy<Value = String> {
    proptest::collection::vec(proptest::char::range('a', 'z'), n.start().to_owned() as usize..=*n.end() as usize)
        .prop_map(|cs| cs.into_iter().collect::<String>())
}

/// Random values of a format, for the generator's random cases; `None` for a format conform
/// does not generate (exactly those outside [`KNOWN_FORMATS`]).
pub(crate) fn strategy(format: &str) -> Option<SBoxedStrategy<String>> {
    let date = (1970u32..2100, 1u32..=12, 1u32..=28).prop_map(|(y, m, d)| format!("{y:04}-{m:02}-{d:02}"));
    let time = (0u32..24, 0u32..60, 0u32..60).prop_map(|(h, m, s)| format!("{h:02}:{m:02}:{s:02}Z"));
    Some(match format {
        "date" => date.sboxed(),
        "date-time" => (date, time).prop_map(|(d, t)| format!("{d}T{t}")).sboxed(),
        "time" => time.sboxed(),
        "email" | "idn-email" => (lower(1..=8), lower(1..=8)).prop_map(|(a, b)| format!("{a}@{b}.example")).sboxed(),
        "uuid" => any::<u128>()
            .prop_map(|n| {
                let h = format!("{:032x}", (n & !(0xf << 76) & !(0x3 << 62)) | (0x4 << 76) | (0x2 << 62));
                format!("{}-{}-{}-{}-{}", &h[0..8], &h[8..12], &h[12..16], &h[16..20], &h[20..32])
            })
            .sboxed(),
        "uri" | "iri" | "uri-reference" | "iri-reference" => {
            (lower(1..=10), lower(0..=10)).prop_map(|(host, path)| format!("https://{host}.example/{path}")).sboxed()
        }
        "hostname" | "idn-hostname" => {
            (lower(1..=10), lower(1..=10)).prop_map(|(a, b)| format!("{a}.{b}.example")).sboxed()
        }
        "ipv4" => any::<[u8; 4]>().prop_map(|b| format!("{}.{}.{}.{}", b[0], b[1], b[2], b[3])).sboxed(),
        "ipv6" => {
            any::<[u16; 8]>().prop_map(|p| p.iter().map(|x| format!("{x:x}")).collect::<Vec<_>>().join(":")).sboxed()
        }
        "byte" => proptest::collection::vec(any::<u8>(), 0..=24)
            .prop_map(|bytes| {
                use base64::Engine;
                base64::engine::general_purpose::STANDARD.encode(bytes)
            })
            .sboxed(),
        "duration" => (0u32..400, 0u32..24).prop_map(|(d, h)| format!("P{d}DT{h}H")).sboxed(),
        "json-pointer" => proptest::collection::vec(lower(1..=6), 0..=3)
            .prop_map(|parts| parts.iter().map(|p| format!("/{p}")).collect::<String>())
            .sboxed(),
        "relative-json-pointer" => (0u32..10).prop_map(|n| n.to_string()).sboxed(),
        _ => return None,
    })
}

/// Words for plain strings and the readable parts of varied samples.
#[cfg(feature = "mock")]
const WORDS: [&str; 8] = ["example", "alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf"];

/// A realistic string of `format` drawn from `rng`, for the mock's answers: dates in January
/// 2024, `example.com` addresses, documentation IP ranges, version-4 UUIDs. An unknown or empty
/// format gives a plain word. With `plain`, the word is always `example` (a first, plainest
/// attempt); the numbers still vary.
#[cfg(feature = "mock")]
pub(crate) fn varied(format: &str, rng: &mut Rng, plain: bool) -> String {
    let n = rng.below(1000);
    let word = if plain { WORDS[0] } else { WORDS[(n as usize) % WORDS.len()] };
    match format {
        "date-time" => format!("2024-01-{:02}T{:02}:30:00Z", 1 + n % 28, n % 24),
        "date" => format!("2024-01-{:02}", 1 + n % 28),
        "time" => format!("{:02}:30:00Z", n % 24),
        "uuid" => {
            let (a, b) = (rng.next_u64(), rng.next_u64());
            format!(
                "{:08x}-{:04x}-4{:03x}-{:04x}-{:012x}",
                a >> 32,
                (a >> 16) & 0xffff,
                a & 0xfff,
                0x8000 | (b >> 48 & 0x3fff),
                b & 0xffff_ffff_ffff
            )
        }
        "email" | "idn-email" => format!("user{n}@example.com"),
        "uri" | "url" | "iri" => format!("https://example.com/{word}/{n}"),
        "uri-reference" | "iri-reference" => format!("/{word}/{n}"),
        "hostname" | "idn-hostname" => format!("{word}.example.com"),
        "ipv4" => format!("192.0.2.{}", n % 255),
        "ipv6" => format!("2001:db8::{:x}", n % 0xffff + 1),
        "byte" => "ZXhhbXBsZQ==".to_owned(),
        "password" => "secret".to_owned(),
        _ => word.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn format_check(format: &str) -> jsonschema::Validator {
        jsonschema::options().should_validate_formats(true).build(&json!({"type": "string", "format": format})).unwrap()
    }

    #[test]
    fn every_known_format_has_a_canonical_sample_and_a_strategy() {
        for format in KNOWN_FORMATS {
            assert!(strategy(format).is_some(), "{format}");
            let sample = canonical(format).unwrap_or_else(|| panic!("{format}"));
            assert!(format_check(format).is_valid(&json!(sample)), "{format}: {sample}");
        }
        assert!(strategy("int32").is_none() && canonical("int32").is_none());
    }

    #[cfg(feature = "mock")]
    #[test]
    fn varied_samples_validate_and_vary_with_the_seed() {
        for format in ["date-time", "date", "uuid", "email", "uri", "ipv4", "ipv6", "byte", "hostname"] {
            for seed in 0..16 {
                let s = varied(format, &mut Rng::new(seed), seed % 2 == 0);
                assert!(format_check(format).is_valid(&json!(s)), "{format}: {s}");
            }
        }
        assert_ne!(varied("uuid", &mut Rng::new(1), true), varied("uuid", &mut Rng::new(2), true));
        assert_eq!(varied("", &mut Rng::new(3), true), "example");
    }
}
