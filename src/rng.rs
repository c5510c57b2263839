//! Deterministic random streams.
//!
//! Every random draw in the simulation comes from a stream derived from
//! (scenario seed, shopper, day, purpose, index). Streams do not depend on the arm a shopper
//! is in or on which thread simulates them, so results are identical for any thread count
//! and every arm meets the same shoppers with the same luck (common random numbers).

use rand::{RngCore, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;

/// One random stream. The generator behind it is Xoshiro256++ (portable and stable across
/// versions, unlike `StdRng`), seeded on the first draw: most shopper-days open streams
/// for messages, offers or exploration that nothing ends up drawing from, and seeding costs
/// more than a draw. Lazy seeding changes no value: a stream's draws depend on its key only.
#[derive(Debug, Clone)]
pub struct SimRng {
    subject: SubjectKey,
    tag: u64,
    generator: Option<Xoshiro256PlusPlus>,
}

impl SimRng {
    #[inline]
    fn generator(&mut self) -> &mut Xoshiro256PlusPlus {
        let (subject, tag) = (self.subject, self.tag);
        self.generator
            .get_or_insert_with(|| Xoshiro256PlusPlus::seed_from_u64(subject.stream_seed(tag)))
    }
}

impl RngCore for SimRng {
    #[inline]
    fn next_u32(&mut self) -> u32 {
        self.generator().next_u32()
    }

    #[inline]
    fn next_u64(&mut self) -> u64 {
        self.generator().next_u64()
    }

    fn fill_bytes(&mut self, dst: &mut [u8]) {
        self.generator().fill_bytes(dst)
    }
}

/// What a stream is used for; part of the stream's identity so purposes never share draws.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum Purpose {
    /// Building the catalog.
    Catalog = 1,
    /// Drawing a shopper's hidden traits.
    Traits = 2,
    /// How many times a shopper visits on a day.
    Visits = 3,
    /// The funnel of one visit (index = visit number that day).
    Visit = 4,
    /// The messages a shopper receives on a day.
    Email = 5,
    /// Lapse and return at the end of a day.
    Churn = 6,
    /// Randomness a strategy uses while serving a shopper (exploration, random slates).
    Strategy = 7,
    /// Randomness a strategy uses in its nightly batch.
    Nightly = 8,
}

/// SplitMix64's finaliser: a fast, well-mixing bijection on 64-bit integers.
pub fn mix64(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// FNV-1a: a stable hash of bytes (std's hasher may change between Rust versions).
pub fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, &b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// The streams of one scenario seed. Hashing the seed once, here, spares every stream of a
/// shopper-day from doing it again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StreamRoot(u64);

impl StreamRoot {
    /// The root of every stream of `seed`.
    pub fn new(seed: u64) -> Self {
        StreamRoot(mix64(seed))
    }

    /// The key shared by every stream of `subject` (a shopper, or a reserved id).
    #[inline]
    pub fn subject(self, subject: u64) -> SubjectKey {
        SubjectKey(mix64(self.0 ^ subject))
    }
}

/// The streams of one subject under one seed: a shopper-day derives its visit, churn and
/// message streams from one key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SubjectKey(u64);

impl SubjectKey {
    /// The stream for (day, purpose, index); seeded on its first draw.
    #[inline]
    pub fn stream(self, day: u32, purpose: Purpose, index: u32) -> SimRng {
        SimRng {
            subject: self,
            tag: tag(day, purpose, index),
            generator: None,
        }
    }

    /// The first uniform in [0, 1) of the stream for (day, purpose, index), bit for bit
    /// what `self.stream(..).random::<f64>()` returns, without seeding the whole generator:
    /// most shopper-days need one draw (no visit today, no lapse tonight).
    ///
    /// `Xoshiro256PlusPlus::seed_from_u64(h)` fills its four state words with SplitMix64's
    /// outputs `mix64(h + k·φ)`, k = 0..4, and its first output is `rotl(s0 + s3, 23) + s0`;
    /// the uniform takes the top 53 bits. A test checks the equality against the generator.
    #[inline]
    pub fn first_uniform(self, day: u32, purpose: Purpose, index: u32) -> f64 {
        const PHI: u64 = 0x9E37_79B9_7F4A_7C15;
        let h = self.stream_seed(tag(day, purpose, index));
        let s0 = mix64(h);
        let s3 = mix64(h.wrapping_add(PHI.wrapping_mul(3)));
        let x = s0.wrapping_add(s3).rotate_left(23).wrapping_add(s0);
        (x >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    #[inline]
    fn stream_seed(self, tag: u64) -> u64 {
        mix64(self.0 ^ tag)
    }
}

/// The part of a stream's identity below the subject.
#[inline]
fn tag(day: u32, purpose: Purpose, index: u32) -> u64 {
    (u64::from(day) << 40) | ((purpose as u64) << 32) | u64::from(index)
}

/// The stream for (seed, subject, day, purpose, index). Hot paths derive their streams
/// from a [`StreamRoot`] instead, which hashes the seed once.
pub fn stream(seed: u64, subject: u64, day: u32, purpose: Purpose, index: u32) -> SimRng {
    StreamRoot::new(seed)
        .subject(subject)
        .stream(day, purpose, index)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::Rng;

    const GOLDEN: u64 = 6_817_858_129_055_011_213;

    #[test]
    fn streams_are_reproducible_and_distinct() {
        let a: u64 = stream(7, 1, 2, Purpose::Visit, 0).random();
        let b: u64 = stream(7, 1, 2, Purpose::Visit, 0).random();
        let c: u64 = stream(7, 1, 2, Purpose::Visit, 1).random();
        let d: u64 = stream(7, 2, 2, Purpose::Visit, 0).random();
        let e: u64 = stream(7, 1, 2, Purpose::Email, 0).random();
        assert_eq!(a, b);
        assert!(a != c && a != d && a != e && c != d);
    }

    /// Streams are part of a scenario's results: a change here changes every saved run.
    #[test]
    fn streams_keep_their_values() {
        let x: u64 = stream(7, 1, 2, Purpose::Visit, 0).random();
        assert_eq!(x, GOLDEN);
    }

    #[test]
    fn first_uniform_is_the_streams_first_draw() {
        let mut g = stream(1, 2, 3, Purpose::Nightly, 4);
        for _ in 0..20_000 {
            let (seed, subject): (u64, u64) = (g.random(), g.random());
            let (day, index): (u32, u32) = (g.random_range(0..4000), g.random());
            for purpose in [Purpose::Visits, Purpose::Churn, Purpose::Visit] {
                let want: f64 = stream(seed, subject, day, purpose, index).random();
                let got = StreamRoot::new(seed)
                    .subject(subject)
                    .first_uniform(day, purpose, index);
                assert_eq!(want.to_bits(), got.to_bits());
            }
        }
    }
}
