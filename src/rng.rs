//! The one seeded pseudo-random generator (splitmix64) for everything conform draws without
//! proptest: pattern samples, the mock's values and ids, case seeds.
//!
//! It lives in a leaf of its own because the spec's pattern compiler (which lints patterns at
//! load time), the value engine, the generator, the mock and the runner all need the same
//! sequence, and none of them may import another for it. It must stay bit-for-bit stable:
//! seeds are printed in reports and replayed, and snapshots hold values drawn from it.

/// splitmix64's increment (the golden ratio, as 64 bits).
pub(crate) const GOLDEN: u64 = 0x9E37_79B9_7F4A_7C15;

/// A splitmix64 generator: small, fast, and good enough to vary generated values. The same
/// seed always gives the same sequence.
#[derive(Debug, Clone)]
pub(crate) struct Rng(u64);

impl Rng {
    /// A generator whose first output is `mix(seed + GOLDEN)`.
    pub(crate) fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    /// The next 64 random bits.
    pub(crate) fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(GOLDEN);
        mix(self.0)
    }

    /// Uniform-ish in `0..n` (`0` when `n == 0`).
    pub(crate) fn below(&mut self, n: u64) -> u64 {
        if n == 0 { 0 } else { self.next_u64() % n }
    }

    /// An index into a list of `len` items (`0` for an empty list).
    pub(crate) fn index(&mut self, len: usize) -> usize {
        self.below(len as u64) as usize
    }
}

/// splitmix64's finaliser: a bijection on `u64` that spreads every input bit over the output.
pub(crate) fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The published splitmix64 sequence for seed 0: the values every seed in a report relies on.
    #[test]
    fn the_sequence_is_splitmix64() {
        let mut rng = Rng::new(0);
        assert_eq!(rng.next_u64(), 0xE220_A839_7B1D_CDAF);
        assert_eq!(rng.next_u64(), 0x6E78_9E6A_A1B9_65F4);
        assert_eq!(mix(GOLDEN), 0xE220_A839_7B1D_CDAF);
        assert_eq!(Rng::new(5).below(0), 0);
        assert_eq!(Rng::new(5).index(7), Rng::new(5).below(7) as usize);
    }
}
