/**
 * Exact money on JS numbers for the engine's hot path.
 *
 * Scales (see types.ts): qty 10^0, price 10^-9, money 10^-4, all safe integers (|x| <= 2^53-1).
 * `qtyTimesPriceNum` is `codec/decimal.qtyTimesPrice` (HALF_EVEN from 10^-9 to 10^-4) reimplemented
 * on numbers without BigInt and without any inexact floating-point step: price and quantity are
 * split at 10^5 so that every partial product is either always safe or checked (a float product or
 * sum of safe integers is exact when the true value is <= 2^53-1, and >= 2^53 otherwise, so
 * `x > MAX_SAFE` is an exact test). It returns NaN exactly when the exact result is not a safe
 * integer: the caller rejects the trade (never rounds).
 *
 * Stateless; safe on any thread.
 */

export const MAX_SAFE = Number.MAX_SAFE_INTEGER;
/** Price (10^-9) to money (10^-4) divisor. */
const SCALE = 100_000;
const HALF = 50_000;

/**
 * Money of qty × price: round_half_even(qty × price / 10^5), qty and price safe integers of any sign.
 * NaN when the exact result (or a partial product) is not a safe integer. Never allocates.
 */
export function qtyTimesPriceNum(qty: number, price: number): number {
  const neg = qty < 0 !== price < 0;
  const q = qty < 0 ? -qty : qty;
  const p = price < 0 ? -price : price;
  // p = ph·10^5 + pl and q = qh·10^5 + ql (pl, ql < 10^5), so
  // q·p / 10^5 = q·ph + qh·pl + ql·pl / 10^5, where qh·pl < q and ql·pl < 10^10 are always safe.
  const pl = p % SCALE; // exact for integers
  const ph = (p - pl) / SCALE; // exact: p − pl is a multiple of 10^5
  const a = q * ph;
  if (a > MAX_SAFE) return NaN; // then the result (>= a) is not safe either
  const ql = q % SCALE;
  const qh = (q - ql) / SCALE;
  const low = ql * pl;
  const r = low % SCALE;
  let m = a + qh * pl;
  if (m > MAX_SAFE) return NaN;
  m += (low - r) / SCALE;
  if (m > MAX_SAFE) return NaN;
  // HALF_EVEN on the magnitude (symmetric, so the sign is applied afterwards).
  if (r > HALF || (r === HALF && m % 2 === 1)) {
    m += 1;
    if (m > MAX_SAFE) return NaN;
  }
  return neg && m !== 0 ? -m : m;
}

/** True when x is an integer with |x| <= 2^53-1 (NaN and ±Infinity are not). */
export function isSafe(x: number): boolean {
  return x <= MAX_SAFE && x >= -MAX_SAFE && Math.floor(x) === x;
}

/**
 * The price band [lo, hi] (10^-9) of a reference price and a band in basis points, exact:
 * lo = ceil(ref × (10000 − bps) / 10000), hi = floor(ref × (10000 + bps) / 10000), so a price p is
 * inside the band exactly when |p − ref| × 10000 <= ref × bps. bps = 0 means no band: [1, MAX_SAFE].
 * Edge function (BigInt), called at construction and on a price update.
 */
export function priceBand(ref: number, bps: number): [lo: number, hi: number] {
  if (bps === 0) return [1, MAX_SAFE];
  const r = BigInt(ref);
  const loNum = r * BigInt(10_000 - bps);
  let lo = loNum / 10_000n;
  if (lo * 10_000n < loNum) lo += 1n;
  const hi = (r * BigInt(10_000 + bps)) / 10_000n;
  const big = BigInt(MAX_SAFE);
  return [Number(lo < 1n ? 1n : lo), Number(hi > big ? big : hi)];
}

/** Exact money of qty × price on BigInt, HALF_EVEN (the read path and the reference of the tests). */
export function qtyTimesPriceBig(qty: bigint, price: bigint): bigint {
  const x = qty * price;
  const neg = x < 0n;
  const ax = neg ? -x : x;
  let q = ax / 100_000n;
  const r = ax - q * 100_000n;
  if (r > 50_000n || (r === 50_000n && (q & 1n) === 1n)) q += 1n;
  return neg ? -q : q;
}

/** Money 10^-4 as decimal text, e.g. -1000.0000 (reports and texts; allocates). */
export function formatMoney(m: number | bigint): string {
  return formatScaled(BigInt(m), 4);
}

/** Price 10^-9 as decimal text without trailing zeros, e.g. 187.25 (texts; allocates). */
export function formatPrice(p: number | bigint): string {
  const s = formatScaled(BigInt(p), 9);
  return s.replace(/\.?0+$/, '');
}

function formatScaled(v: bigint, decimals: number): string {
  const neg = v < 0n;
  const digits = (neg ? -v : v).toString().padStart(decimals + 1, '0');
  const int = digits.slice(0, digits.length - decimals);
  return `${neg ? '-' : ''}${int}.${digits.slice(digits.length - decimals)}`;
}
