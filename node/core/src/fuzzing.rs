//! A seeded mutation fuzzer on the stable toolchain, for the tests of every
//! decoder (here, in the node and in the command line): valid samples of a
//! format, mutated (bits flipped, bytes inserted, deleted, duplicated,
//! truncated, spliced with other samples, length-like fields set to extremes)
//! and fed to the decoder. A decoder may refuse anything; it must never panic. A
//! failure names the seed, the iteration and the input (hex), so it can be
//! replayed. Test support: nothing in the node calls it.
//!
//! `make test` runs a short budget (3,000 mutated inputs per decoder); `make fuzz`
//! a long one (`REMEDY_FUZZ_ITERATIONS`, 1,000,000 by default there).

use std::panic::{AssertUnwindSafe, catch_unwind};

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

pub const FUZZ_ITERATIONS: u64 = 3_000;

/// Mutated inputs per decoder: `REMEDY_FUZZ_ITERATIONS`, else [`FUZZ_ITERATIONS`].
pub fn iterations() -> u64 {
    std::env::var("REMEDY_FUZZ_ITERATIONS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(FUZZ_ITERATIONS)
}

/// One mutation of `input`, drawing from `corpus` for splices.
pub fn mutate(rng: &mut ChaCha8Rng, input: &[u8], corpus: &[Vec<u8>]) -> Vec<u8> {
    let mut out = input.to_vec();
    for _ in 0..rng.gen_range(1..=4) {
        let at = if out.is_empty() {
            0
        } else {
            rng.gen_range(0..out.len())
        };
        match rng.gen_range(0..7) {
            0 if !out.is_empty() => out[at] ^= 1 << rng.gen_range(0..8),
            1 => out.insert(at, rng.r#gen()),
            2 if !out.is_empty() => {
                out.remove(at);
            }
            3 => out.truncate(at),
            4 if !out.is_empty() => {
                let end = (at + rng.gen_range(1..64)).min(out.len());
                let piece = out[at..end].to_vec();
                out.splice(at..at, piece);
            }
            5 => {
                let other = &corpus[rng.gen_range(0..corpus.len())];
                if !other.is_empty() {
                    let from = rng.gen_range(0..other.len());
                    let end = (from + rng.gen_range(1..128)).min(other.len());
                    out.splice(at..at, other[from..end].iter().copied());
                }
            }
            _ => {
                // Interesting values: a length field turned huge, zero or negative.
                let value: [u8; 4] = match rng.gen_range(0..4) {
                    0 => [0xff; 4],
                    1 => [0; 4],
                    2 => [0x7f, 0xff, 0xff, 0xff],
                    _ => [0x80, 0, 0, 0],
                };
                let end = (at + 4).min(out.len());
                out.splice(at..end, value);
            }
        }
    }
    out
}

/// Feeds `iterations()` mutations of the corpus to `decode`; a panic fails the
/// test with what reproduces it.
pub fn fuzz(name: &str, seed: u64, corpus: &[Vec<u8>], decode: impl Fn(&[u8])) {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    for sample in corpus {
        decode(sample);
    }
    for i in 0..iterations() {
        let base = &corpus[rng.gen_range(0..corpus.len())];
        let input = mutate(&mut rng, base, corpus);
        if catch_unwind(AssertUnwindSafe(|| decode(&input))).is_err() {
            panic!(
                "{name}: the decoder panicked at iteration {i} of seed {seed} on {} bytes: {}",
                input.len(),
                hex::encode(&input)
            );
        }
    }
    eprintln!(
        "{name}: {} mutated inputs (seed {seed}), no panic",
        iterations()
    );
}
