/**
 * Deterministic pseudo-random generator for property-style tests (SplitMix64 over BigInt), so a
 * failing case is reproducible from its seed. Not a test file itself (no `.test` suffix).
 */
const MASK64 = (1n << 64n) - 1n;

export class Prng {
  private state: bigint;

  constructor(seed: number | bigint) {
    this.state = BigInt(seed) & MASK64;
  }

  /** Next uniformly distributed 64-bit unsigned value. */
  nextU64(): bigint {
    this.state = (this.state + 0x9e3779b97f4a7c15n) & MASK64;
    let z = this.state;
    z = ((z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n) & MASK64;
    z = ((z ^ (z >> 27n)) * 0x94d049bb133111ebn) & MASK64;
    return z ^ (z >> 31n);
  }

  /** Uniform bigint in [lo, hi] (inclusive); the range may exceed 64 bits only slightly biased. */
  bigintIn(lo: bigint, hi: bigint): bigint {
    const span = hi - lo + 1n;
    let r = 0n;
    for (let bits = 0n; (1n << bits) < span * 256n; bits += 64n) r = (r << 64n) | this.nextU64();
    return lo + (r % span);
  }

  /** Uniform integer in [lo, hi] (inclusive), both safe integers. */
  intIn(lo: number, hi: number): number {
    return Number(this.bigintIn(BigInt(lo), BigInt(hi)));
  }

  /** A bigint whose magnitude has a random number of decimal digits (0..maxDigits), random sign. */
  digitsBigint(maxDigits: number, signed = true): bigint {
    const nd = this.intIn(0, maxDigits);
    if (nd === 0) return 0n;
    const m = this.bigintIn(0n, 10n ** BigInt(nd) - 1n);
    return signed && this.intIn(0, 1) === 1 ? -m : m;
  }

  pick<T>(xs: readonly T[]): T {
    return xs[this.intIn(0, xs.length - 1)];
  }
}
