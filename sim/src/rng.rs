//! Random streams derived from `(seed, stream name)`: common random numbers.
//!
//! Every architecture of a scenario draws its arrivals from a stream named after the workload
//! source, and every random quantity of a transaction (a service time, a coin flip for an
//! error) from a key derived from that transaction's seed and the place it is drawn. Adding a
//! component to one design therefore never shifts another design's arrivals or service times.
//! Keys are mixed with SplitMix64 (Steele, Lea & Flood, OOPSLA 2014); generators are
//! xoshiro256++ (Blackman & Vigna), whose output is identical on every platform.

use rand::SeedableRng;
use rand_xoshiro::Xoshiro256PlusPlus;

/// The generator used everywhere in the simulator.
pub type SimRng = Xoshiro256PlusPlus;

/// One SplitMix64 step: a bijective mixer of 64-bit keys.
pub fn splitmix64(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// Mixes two keys into one; not symmetric, so `mix(a, b) != mix(b, a)` in general.
pub fn mix(a: u64, b: u64) -> u64 {
    splitmix64(a ^ splitmix64(b))
}

/// A stable 64-bit hash of a name (FNV-1a), independent of the Rust version.
pub fn name_key(name: &str) -> u64 {
    name.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01B3)
    })
}

/// The seed of the stream `name` under the scenario seed.
pub fn stream_seed(seed: u64, name: &str) -> u64 {
    mix(seed, name_key(name))
}

/// A generator for the stream `name` under the scenario seed.
pub fn stream(seed: u64, name: &str) -> SimRng {
    SimRng::seed_from_u64(stream_seed(seed, name))
}

/// A generator for one draw site keyed by an already-mixed key.
pub fn keyed(key: u64) -> SimRng {
    SimRng::seed_from_u64(key)
}

/// A uniform number in [0, 1) from a key, with 53 bits of precision.
pub fn unit_from_key(key: u64) -> f64 {
    (splitmix64(key) >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::RngExt;

    #[test]
    fn streams_are_reproducible_and_distinct() {
        let a1: u64 = stream(7, "arrivals/upload").random();
        let a2: u64 = stream(7, "arrivals/upload").random();
        let b: u64 = stream(7, "arrivals/browse").random();
        let c: u64 = stream(8, "arrivals/upload").random();
        assert_eq!(a1, a2);
        assert_ne!(a1, b);
        assert_ne!(a1, c);
    }

    #[test]
    fn name_key_is_fnv1a() {
        // Published FNV-1a 64 test vectors.
        assert_eq!(name_key(""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(name_key("a"), 0xaf63_dc4c_8601_ec8c);
    }

    #[test]
    fn unit_from_key_is_uniform() {
        let n = 100_000;
        let mean = (0..n).map(unit_from_key).sum::<f64>() / n as f64;
        assert!((mean - 0.5).abs() < 0.005, "mean {mean}");
        assert!((0..n).all(|k| (0.0..1.0).contains(&unit_from_key(k))));
    }
}
