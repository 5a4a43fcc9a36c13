//! The mock's server state: resources as the semantics describe them, in a sharded store so that
//! concurrent requests on different resources never wait for each other.
//!
//! Each stored state is an immutable [`Snapshot`] (the JSON value and its compact bytes), so a
//! read clones an `Arc` under a shard lock and serialises nothing.

use crate::spec::Schema;
use axum::body::Bytes;
use serde_json::Value;
use std::collections::HashMap;
use std::hash::{BuildHasher, BuildHasherDefault, Hash, Hasher};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};
use std::time::{SystemTime, UNIX_EPOCH};

/// One state of one resource, shared read-only.
#[derive(Debug)]
pub(crate) struct Snapshot {
    pub value: Value,
    /// `value` as compact JSON (or, for a non-JSON answer, its text).
    pub bytes: Bytes,
    /// Whether `bytes` is `value` as compact JSON.
    json: bool,
    /// `value` as pretty JSON, made the first time it is asked for.
    pretty: OnceLock<Bytes>,
    /// Whether `value` satisfies the first schema it was checked against (keyed by the
    /// schema's pointer address): reads of the same state do not validate it again.
    fits: OnceLock<(usize, bool)>,
}

impl Snapshot {
    pub(super) fn new(value: Value) -> Arc<Snapshot> {
        let bytes = Bytes::from(serde_json::to_vec(&value).unwrap_or_default());
        Arc::new(Snapshot { json: true, ..Snapshot::with_bytes(value, bytes) })
    }

    /// A snapshot answered as `bytes` (not necessarily JSON) and seen as `value`.
    pub(super) fn with_bytes(value: Value, bytes: Bytes) -> Snapshot {
        Snapshot { value, bytes, json: false, pretty: OnceLock::new(), fits: OnceLock::new() }
    }

    /// `serde_json::to_vec_pretty(&self.value)`, made once.
    pub(super) fn pretty(&self) -> Bytes {
        self.pretty.get_or_init(|| Bytes::from(serde_json::to_vec_pretty(&self.value).unwrap_or_default())).clone()
    }

    /// `{"status":<status>,"content":<value>}` as compact JSON, put together around the stored
    /// bytes; `None` when they are not the value's JSON.
    pub(super) fn enveloped(&self, status: u16) -> Option<Bytes> {
        if !self.json {
            return None;
        }
        let mut out = Vec::with_capacity(self.bytes.len() + 32);
        out.extend_from_slice(b"{\"status\":");
        out.extend_from_slice(status.to_string().as_bytes());
        out.extend_from_slice(b",\"content\":");
        out.extend_from_slice(&self.bytes);
        out.push(b'}');
        Some(Bytes::from(out))
    }

    /// Whether the value satisfies `schema` (cached for one schema).
    pub(super) fn fits(&self, schema: &Schema) -> bool {
        let key = schema.pointer().as_ptr() as usize;
        match self.fits.get() {
            Some((k, fits)) if *k == key => *fits,
            _ => {
                let fits = schema.is_valid(&self.value);
                let _ = self.fits.set((key, fits));
                fits
            }
        }
    }
}

/// What one key holds.
#[derive(Debug, Clone)]
pub(crate) enum Entry {
    /// A singleton's state; `None` once deleted.
    Singleton(Option<Arc<Snapshot>>),
    /// A collection's items by id, in creation order.
    Collection(indexmap::IndexMap<String, Arc<Snapshot>>),
}

/// `(resource index, instance or collection key)`.
pub(crate) type Key = (usize, String);

const SHARDS: usize = 64;

/// FNV-1a as a `Hasher`: keys here are short, and SipHash showed up in profiles of the hot path.
#[derive(Default, Clone, Copy)]
pub(crate) struct Fnv(u64);

impl Hasher for Fnv {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        let mut h = if self.0 == 0 { 0xcbf2_9ce4_8422_2325 } else { self.0 };
        for b in bytes {
            h ^= u64::from(*b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
        self.0 = h;
    }
}

type FnvBuild = BuildHasherDefault<Fnv>;

/// A map split over [`SHARDS`] mutexes by key hash.
pub(crate) struct Sharded<K, V> {
    shards: Box<[Mutex<HashMap<K, V, FnvBuild>>]>,
    hasher: FnvBuild,
}

impl<K: Hash + Eq, V> Sharded<K, V> {
    pub(super) fn new() -> Sharded<K, V> {
        Sharded { shards: (0..SHARDS).map(|_| Mutex::new(HashMap::default())).collect(), hasher: FnvBuild::default() }
    }

    /// The shard that holds `key`, locked. A poisoned shard is still used: every write to it
    /// replaces whole values, so no half-written state can be seen.
    pub(super) fn lock(&self, key: &K) -> MutexGuard<'_, HashMap<K, V, FnvBuild>> {
        let h = self.hasher.hash_one(key);
        // Fold the high bits in: FNV's low bits vary little for keys that differ at the end.
        let shard = &self.shards[((h ^ (h >> 29) ^ (h >> 47)) as usize) % SHARDS];
        shard.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Calls `f` on every entry, one shard locked at a time (never two at once, so it cannot
    /// deadlock with [`Sharded::lock`]; the caller must not hold a shard either). O(store): only
    /// for paths a fault takes.
    pub(super) fn scan(&self, mut f: impl FnMut(&K, &V)) {
        for shard in self.shards.iter() {
            let shard = shard.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
            for (k, v) in shard.iter() {
                f(k, v);
            }
        }
    }
}

impl Store {
    /// `cross-parent-read`: the item `id` of resource `r` as another collection than `own`
    /// holds it. With several holders, the one whose collection key (the parent's path values)
    /// sorts first wins, so the leak is the same whatever the order of writes and shards.
    pub(super) fn item_elsewhere(&self, r: usize, own: &str, id: &str) -> Option<Arc<Snapshot>> {
        let mut found: Option<(String, Arc<Snapshot>)> = None;
        self.scan(|(res, parent), entry| {
            if *res != r || parent == own {
                return;
            }
            if let Entry::Collection(items) = entry
                && let Some(item) = items.get(id)
                && found.as_ref().is_none_or(|(first, _)| parent < first)
            {
                found = Some((parent.clone(), item.clone()));
            }
        });
        found.map(|(_, item)| item)
    }
}

/// `cross-parent-read` on singletons: the state most recently written to any instance of one
/// resource, a cache keyed by resource where it should be keyed by instance. Only kept with
/// the fault.
#[derive(Debug, Default)]
pub(crate) struct LastWritten(Mutex<Option<Arc<Snapshot>>>);

impl LastWritten {
    pub(super) fn set(&self, state: Option<Arc<Snapshot>>) {
        *self.0.lock().unwrap_or_else(|poisoned| poisoned.into_inner()) = state;
    }

    pub(super) fn get(&self) -> Option<Arc<Snapshot>> {
        self.0.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).clone()
    }
}

/// The store of resource states.
pub(crate) type Store = Sharded<Key, Entry>;

/// Deterministic 24-hex ids: the seed picks a prefix and a permutation of the counter, so ids
/// never repeat within a server and are the same for the same seed.
pub(crate) struct Ids {
    seed: u64,
    counter: AtomicU64,
}

impl Ids {
    pub(super) fn new(seed: u64) -> Ids {
        Ids { seed, counter: AtomicU64::new(0) }
    }

    /// The next id: 24 lower-case hex digits.
    pub(super) fn next_hex(&self) -> String {
        let n = self.counter.fetch_add(1, Ordering::Relaxed);
        let prefix = (crate::rng::mix(self.seed) >> 32) as u32;
        let mut out = String::with_capacity(24);
        push_hex(&mut out, u64::from(prefix), 8);
        push_hex(&mut out, crate::rng::mix(n ^ self.seed.rotate_left(17)), 16);
        out
    }

    /// The next id as a small integer (for specs whose ids are numbers).
    pub(super) fn next_number(&self) -> u64 {
        self.counter.fetch_add(1, Ordering::Relaxed) + 1
    }
}

/// Appends the low `digits` hex digits of `n`, lower case and zero-padded (`format!("{n:016x}")`
/// without the formatting machinery).
fn push_hex(out: &mut String, n: u64, digits: u32) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    for i in (0..digits).rev() {
        out.push(char::from(HEX[((n >> (i * 4)) & 0xf) as usize]));
    }
}

/// The current time as RFC 3339 UTC with whole seconds (`2026-01-31T09:05:00Z`). The text
/// is formatted once per second per thread: writes within the same second reuse it.
pub(crate) fn now_rfc3339() -> String {
    thread_local! {
        static LAST: std::cell::RefCell<(u64, String)> = const { std::cell::RefCell::new((u64::MAX, String::new())) };
    }
    let secs = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0);
    LAST.with(|last| {
        let mut last = last.borrow_mut();
        if last.0 != secs {
            *last = (secs, rfc3339(secs));
        }
        last.1.clone()
    })
}

/// Seconds since the epoch as RFC 3339 UTC.
pub(crate) fn rfc3339(secs: u64) -> String {
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    // Civil-from-days (H. Hinnant), valid for the whole u64 range we can meet.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = if m <= 2 { y + 1 } else { y };
    format!("{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z", rem / 3600, rem % 3600 / 60, rem % 60)
}

/// A state made to satisfy a response schema: `state` itself when it does, else `base` (a valid
/// answer for the schema) with every member of `state` laid over it that keeps it valid, nested
/// objects member by member. The id and the written fields survive wherever the schema allows
/// them, so what a write answers, what is stored and what a read shows cannot contradict each
/// other (a write whose state breaks the schema used to be answered with an unrelated example,
/// whose id was never stored). `None` when neither fits.
pub(crate) fn complete(schema: &Schema, base: Option<&Value>, state: &Value) -> Option<Value> {
    if schema.is_valid(state) {
        return Some(state.clone());
    }
    laid_over(schema, base, state)
}

/// [`complete`] of a state the caller gives away, or the state itself when neither fits: a
/// state that already fits (the usual case) is answered as it is, without a copy.
pub(crate) fn completed(schema: &Schema, base: Option<&Value>, state: Value) -> Value {
    if schema.is_valid(&state) {
        return state;
    }
    laid_over(schema, base, &state).unwrap_or(state)
}

/// `base` with every member of `state` laid over it that keeps it valid (the second half of
/// [`complete`], for a state the schema rejects).
fn laid_over(schema: &Schema, base: Option<&Value>, state: &Value) -> Option<Value> {
    let mut out = base.filter(|b| schema.is_valid(b))?.clone();
    let Value::Object(members) = state else { return Some(out) };
    // Every try validates the whole value: bound the work on huge states.
    for (key, value) in members.iter().take(256) {
        lay(schema, &mut out, &[key.as_str()], value);
    }
    Some(out)
}

/// Puts `value` at `path` in `out` if `out` stays valid; an object that does not fit whole over
/// an object is laid member by member (at most two levels down).
fn lay(schema: &Schema, out: &mut Value, path: &[&str], value: &Value) {
    let Some((last, parents)) = path.split_last() else { return };
    let Some(Value::Object(parent)) = walk(out, parents) else { return };
    let before = parent.insert((*last).to_owned(), value.clone());
    if schema.is_valid(out) {
        return;
    }
    let Some(Value::Object(parent)) = walk(out, parents) else { return };
    let was_object = matches!(before, Some(Value::Object(_)));
    match before {
        Some(b) => {
            parent.insert((*last).to_owned(), b);
        }
        None => {
            parent.shift_remove(*last);
        }
    }
    if let Value::Object(members) = value
        && was_object
        && path.len() < 3
    {
        for (key, inner) in members.iter().take(64) {
            let mut deeper = path.to_vec();
            deeper.push(key);
            lay(schema, out, &deeper, inner);
        }
    }
}

fn walk<'v>(mut v: &'v mut Value, path: &[&str]) -> Option<&'v mut Value> {
    for key in path {
        v = v.get_mut(*key)?;
    }
    Some(v)
}

/// Shared hashing for code that wants a stable number from a key (fault rules, nonces).
pub(crate) fn stable_hash(bytes: &[u8]) -> u64 {
    // FNV-1a: stable across runs, unlike `RandomState`.
    let mut h = Fnv::default();
    h.write(bytes);
    h.finish()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn timestamps_are_rfc3339_utc() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(rfc3339(1_767_225_599), "2025-12-31T23:59:59Z");
        assert!(now_rfc3339().ends_with('Z'));
        // Cached per second: the text is always the current second's, also when called again.
        let secs = || SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0);
        for _ in 0..3 {
            let before = secs();
            let text = now_rfc3339();
            let after = secs();
            assert!((before..=after).any(|s| rfc3339(s) == text), "{text}");
        }
    }

    #[test]
    fn ids_are_unique_hex_and_reproducible() {
        let a = Ids::new(42);
        let first: Vec<String> = (0..1000).map(|_| a.next_hex()).collect();
        let mut unique = first.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(unique.len(), 1000);
        assert!(
            first
                .iter()
                .all(|id| id.len() == 24 && id.bytes().all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase()))
        );
        let b = Ids::new(42);
        assert_eq!(b.next_hex(), first[0]);
        let c = Ids::new(42);
        let prefix = (crate::rng::mix(42) >> 32) as u32;
        for n in 0..3u64 {
            let formatted = format!("{prefix:08x}{:016x}", crate::rng::mix(n ^ 42u64.rotate_left(17)));
            assert_eq!(c.next_hex(), formatted, "the same text as the formatting machinery's");
        }
        assert_ne!(Ids::new(43).next_hex(), first[0]);
    }

    #[test]
    fn snapshots_envelope_and_pretty_print_as_serde_json_does() {
        for value in [json!({"a": [1, "x\u{7f}\"", null], "b": {"c": 1.5}}), json!([]), json!("t"), json!(7)] {
            let snap = Snapshot::new(value.clone());
            for status in [200u16, 204, 404] {
                let env = serde_json::to_vec(&json!({"status": status, "content": value})).unwrap();
                assert_eq!(snap.enveloped(status), Some(Bytes::from(env)));
            }
            assert_eq!(snap.pretty(), Bytes::from(serde_json::to_vec_pretty(&value).unwrap()));
            assert_eq!(snap.pretty(), snap.pretty(), "made once, the same each time");
        }
        let text = Snapshot::with_bytes(json!("plain"), Bytes::from_static(b"plain"));
        assert_eq!(text.enveloped(200), None, "text bytes are not the value's JSON");
        assert_eq!(text.pretty(), Bytes::from_static(b"\"plain\""));
    }

    #[test]
    fn shards_hold_values() {
        let s: Sharded<String, u32> = Sharded::new();
        s.lock(&"a".to_owned()).insert("a".to_owned(), 1);
        assert_eq!(s.lock(&"a".to_owned()).get("a"), Some(&1));
        assert_eq!(s.lock(&"b".to_owned()).get("b"), None);
    }

    #[test]
    fn an_item_elsewhere_comes_from_the_first_other_parent_by_key() {
        let store = Store::new();
        let put = |parent: &str, id: &str, n: u32| {
            let key = (0, parent.to_owned());
            let mut shard = store.lock(&key);
            let entry = shard.entry(key).or_insert_with(|| Entry::Collection(Default::default()));
            if let Entry::Collection(items) = entry {
                items.insert(id.to_owned(), Snapshot::new(serde_json::json!({"n": n})));
            }
        };
        // Written in reverse key order: the choice must not follow writes or shards.
        put("c", "x", 3);
        put("b", "x", 2);
        put("a", "y", 1);
        store.lock(&(1, "a".to_owned())).insert((1, "a".to_owned()), Entry::Singleton(None));
        let n = |found: Option<Arc<Snapshot>>| found.map(|s| s.value["n"].clone());
        assert_eq!(n(store.item_elsewhere(0, "a", "x")), Some(serde_json::json!(2)));
        assert_eq!(n(store.item_elsewhere(0, "b", "x")), Some(serde_json::json!(3)), "never its own");
        assert_eq!(n(store.item_elsewhere(0, "b", "y")), Some(serde_json::json!(1)));
        assert_eq!(n(store.item_elsewhere(0, "a", "y")), None, "only its own holds it");
        assert_eq!(n(store.item_elsewhere(1, "z", "x")), None, "another resource's items are not looked at");
        assert_eq!(n(store.item_elsewhere(0, "a", "nope")), None);
    }
}
