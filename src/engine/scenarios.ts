/**
 * Historical-simulation scenarios for margin: per-unit scenario P&L ("shocks") derived exactly from the
 * price history, the no-history fallback, the VaR quantile convention and allocation-free selection.
 *
 * Scenarios. With D closing dates in `refdata.scenarios` and a margin period of risk of h days
 * (`config.margin.mporDays`), scenario k (k = 0..K−1, K = D − h) is the overlapping h-day relative move
 * of every security over the same dates: r_k = close[k+h] / close[k] − 1. The per-unit P&L of a
 * security s at system price P_s (10^-9) in scenario k, in money 10^-4, is
 *
 *     shock[s][k] = round_half_even(P_s × (close[k+h] − close[k]) / close[k] / 10^5)
 *
 * computed once (at load and on a price change) with BigInt rational arithmetic, so it is exact, and
 * stored as a safe integer in a Float64Array. A position's scenario P&L is qty × shock (integers).
 *
 * No history. A security that has no row in the scenario file (or a row of another length: rejected at
 * load instead) has no shock vector. Giving it a constant shock vector would be wrong in one direction:
 * a short position would *gain* in every scenario and offset genuine risk elsewhere in the book. So
 * such a position is charged outside the VaR, without netting, in either direction:
 *
 *     noHistoryLoss(s) per unit = ceil(P_s × R_class / 10^5)  (money 10^-4)
 *
 * where R_class is the largest absolute h-day relative move |r| observed in the file for any security of
 * the same asset class (the class's worst move, kept as an exact fraction), or 100% when no security of
 * that class has history. The member's add-on is Σ |netQty| × noHistoryLoss over such positions.
 *
 * Quantile convention (VaR at confidence c, basis points). Sort the K scenario P&Ls of a member
 * ascending, x(1) ≤ … ≤ x(K). With n = max(1, ⌈(10000 − c) × K / 10000⌉), VaR = max(0, −x(n)): the
 * n-th worst P&L, an empirical lower quantile with no interpolation. At 99% and K = 500, n = 5.
 *
 * Stateless functions; the caller owns every buffer passed in.
 */
import { GatewayError } from '../codec/errors.js';
import type { AssetClass, RefData, SecurityDef } from './types.js';

/** Error codes thrown at load (reference data and configuration edges). */
export const MarginErrorCode = {
  /** The scenario history is unusable: too few dates, ragged rows, non-positive or unsafe closes, duplicate ISINs. */
  MARGIN_SCENARIOS: 'MARGIN_SCENARIOS',
  /** `clearing.margin` out of range (confidence, MPOR, gap parameters). */
  MARGIN_CONFIG: 'MARGIN_CONFIG',
  /** An exact value left the safe-integer range where no refusal is possible (full recompute). */
  MARGIN_RANGE: 'MARGIN_RANGE',
  /** A slot or argument outside its range. */
  MARGIN_ARGUMENT: 'MARGIN_ARGUMENT',
} as const;

const MONEY_PER_PRICE = 100_000n; // price 10^-9 → money 10^-4
const MAX_SAFE = Number.MAX_SAFE_INTEGER;
const ASSET_CLASSES: readonly AssetClass[] = ['equity', 'etf', 'govt', 'corp', 'muni'];

/** An exact non-negative fraction num/den (den > 0). */
export interface Fraction {
  num: bigint;
  den: bigint;
}

/** The scenario set shared by the margin book: which history row each security uses, and fallbacks. */
export interface ScenarioSet {
  /** Number of scenarios, K = D − h. */
  readonly count: number;
  readonly mporDays: number;
  /** Per security slot: its row in `refdata.scenarios.closes`, or −1 when it has no history. */
  readonly historyRow: Int32Array;
  /** Per asset class: the largest absolute h-day relative move in the file (1/1 when the class has none). */
  readonly worstMove: Readonly<Record<AssetClass, Fraction>>;
  /** The scenario start dates (yyyymmdd), `dates[k]` for scenario k (moves from dates[k] to dates[k+h]). */
  readonly startDates: readonly number[];
}

/** Validate the history and map securities to rows. Throws GatewayError MARGIN_SCENARIOS / MARGIN_CONFIG. */
export function buildScenarioSet(refdata: RefData, mporDays: number): ScenarioSet {
  const h = refdata.scenarios;
  if (!Number.isSafeInteger(mporDays) || mporDays < 1) {
    throw new GatewayError(MarginErrorCode.MARGIN_CONFIG, 'margin.mporDays must be an integer ≥ 1', { mporDays });
  }
  const d = h.dates.length;
  const count = d - mporDays;
  if (count < 1) {
    throw new GatewayError(MarginErrorCode.MARGIN_SCENARIOS, `the price history has ${d} dates; an MPOR of ${mporDays} days needs at least ${mporDays + 1}`, {
      dates: d,
      mporDays,
    });
  }
  if (h.closes.length !== h.isins.length) {
    throw new GatewayError(MarginErrorCode.MARGIN_SCENARIOS, 'closes and isins differ in length', { closes: h.closes.length, isins: h.isins.length });
  }
  const rowOf = new Map<string, number>();
  for (let r = 0; r < h.isins.length; r++) {
    const isin = h.isins[r]!;
    if (rowOf.has(isin)) throw new GatewayError(MarginErrorCode.MARGIN_SCENARIOS, `ISIN ${isin} appears twice in the price history`, { isin });
    rowOf.set(isin, r);
    const row = h.closes[r]!;
    if (row.length !== d) {
      throw new GatewayError(MarginErrorCode.MARGIN_SCENARIOS, `ISIN ${isin} has ${row.length} closes for ${d} dates`, { isin, closes: row.length, dates: d });
    }
    for (let i = 0; i < d; i++) {
      const c = row[i]!;
      if (!Number.isSafeInteger(c) || c <= 0) {
        throw new GatewayError(MarginErrorCode.MARGIN_SCENARIOS, `ISIN ${isin} close on ${h.dates[i]} must be a positive safe integer (10^-9)`, {
          isin,
          date: h.dates[i],
          close: c,
        });
      }
    }
  }
  const historyRow = new Int32Array(refdata.securities.length).fill(-1);
  const worst = {} as Record<AssetClass, Fraction>;
  for (const ac of ASSET_CLASSES) worst[ac] = { num: 0n, den: 1n };
  const seen = new Set<AssetClass>();
  for (let s = 0; s < refdata.securities.length; s++) {
    const sec = refdata.securities[s]!;
    const r = rowOf.get(sec.isin);
    if (r === undefined) continue;
    historyRow[s] = r;
    seen.add(sec.assetClass);
    const row = h.closes[r]!;
    let { num: wn, den: wd } = worst[sec.assetClass];
    for (let k = 0; k < count; k++) {
      const c0 = BigInt(row[k]!);
      const dc = BigInt(row[k + mporDays]!) - c0;
      const num = dc < 0n ? -dc : dc;
      if (num * wd > wn * c0) {
        wn = num;
        wd = c0;
      }
    }
    worst[sec.assetClass] = { num: wn, den: wd };
  }
  for (const ac of ASSET_CLASSES) if (!seen.has(ac)) worst[ac] = { num: 1n, den: 1n };
  return { count, mporDays, historyRow, worstMove: worst, startDates: h.dates.slice(0, count) };
}

/**
 * Write security `s`'s K shocks at `price` into out[off .. off+K): exact, rounded half-even.
 * Returns the largest |shock| (for range checks). Throws MARGIN_RANGE if a shock is not a safe integer.
 */
export function shockVector(refdata: RefData, set: ScenarioSet, s: number, price: number, out: Float64Array, off: number): number {
  const row = refdata.scenarios.closes[set.historyRow[s]!]!;
  const p = BigInt(price);
  const h = set.mporDays;
  let maxAbs = 0;
  for (let k = 0; k < set.count; k++) {
    const c0 = BigInt(row[k]!);
    const v = divHalfEven(p * (BigInt(row[k + h]!) - c0), c0 * MONEY_PER_PRICE);
    if (v > BigInt(MAX_SAFE) || v < -BigInt(MAX_SAFE)) {
      throw new GatewayError(MarginErrorCode.MARGIN_RANGE, `the scenario shock of ${refdata.securities[s]!.isin} leaves the safe-integer range`, { security: s, price });
    }
    const n = Number(v);
    out[off + k] = n;
    const a = n < 0 ? -n : n;
    if (a > maxAbs) maxAbs = a;
  }
  return maxAbs;
}

/** Per-unit loss charged for a no-history security at `price`: ceil(price × R_class / 10^5), money 10^-4. */
export function noHistoryUnitLoss(sec: SecurityDef, set: ScenarioSet, price: number): number {
  const w = set.worstMove[sec.assetClass];
  const v = divCeil(BigInt(price) * w.num, w.den * MONEY_PER_PRICE);
  if (v > BigInt(MAX_SAFE)) {
    throw new GatewayError(MarginErrorCode.MARGIN_RANGE, `the no-history loss of ${sec.isin} leaves the safe-integer range`, { isin: sec.isin, price });
  }
  return Number(v);
}

/** n of the quantile convention: max(1, ⌈(10000 − c) × K / 10000⌉). */
export function varRank(count: number, confidenceBps: number): number {
  const n = Math.ceil(((10000 - confidenceBps) * count) / 10000); // exact: integers far below 2^53
  return n < 1 ? 1 : n > count ? count : n;
}

/** n/d rounded half to even, d > 0. */
export function divHalfEven(n: bigint, d: bigint): bigint {
  const q = n / d;
  const r = n % d;
  if (r === 0n) return q;
  const r2 = (r < 0n ? -r : r) * 2n;
  const away = r2 > d || (r2 === d && (q & 1n) !== 0n);
  return away ? (n < 0n ? q - 1n : q + 1n) : q;
}

/** n/d rounded toward +infinity, d > 0. */
export function divCeil(n: bigint, d: bigint): bigint {
  const q = n / d;
  return n % d > 0n ? q + 1n : q;
}

/** n/d rounded toward −infinity, d > 0. */
export function divFloor(n: bigint, d: bigint): bigint {
  const q = n / d;
  return n % d < 0n ? q - 1n : q;
}

/** Selections up to this rank use the bounded insertion buffer; above it, quickselect on a copy. */
export const SMALL_RANK = 32;

/**
 * The n-th smallest (1-based) of v[off .. off+len): allocation-free. `scratch` holds at least
 * max(len, SMALL_RANK) values and is overwritten. Small n: one pass keeping the n smallest in a sorted
 * buffer (O(len) compares when few values enter it); larger n: quickselect (Hoare partition, median of
 * three) on a copy.
 */
export function nthSmallest(v: Float64Array, off: number, len: number, n: number, scratch: Float64Array): number {
  if (n <= SMALL_RANK) {
    // scratch[0..n) sorted ascending: the n smallest seen so far
    let filled = 0;
    const end = off + len;
    let i = off;
    for (; i < end && filled < n; i++) {
      const x = v[i]!;
      let j = filled++;
      while (j > 0 && scratch[j - 1]! > x) {
        scratch[j] = scratch[j - 1]!;
        j--;
      }
      scratch[j] = x;
    }
    const last = n - 1;
    let top = scratch[last]!;
    for (; i < end; i++) {
      const x = v[i]!;
      if (x >= top) continue;
      let j = last;
      while (j > 0 && scratch[j - 1]! > x) {
        scratch[j] = scratch[j - 1]!;
        j--;
      }
      scratch[j] = x;
      top = scratch[last]!;
    }
    return top;
  }
  for (let i = 0; i < len; i++) scratch[i] = v[off + i]!;
  return quickselect(scratch, len, n - 1);
}

/** The k-th smallest (0-based) of a[0..len), reordering a. */
export function quickselect(a: Float64Array, len: number, k: number): number {
  let lo = 0;
  let hi = len - 1;
  while (hi > lo) {
    const mid = (lo + hi) >>> 1;
    // median of three into a[mid]
    if (a[lo]! > a[mid]!) swap(a, lo, mid);
    if (a[mid]! > a[hi]!) swap(a, mid, hi);
    if (a[lo]! > a[mid]!) swap(a, lo, mid);
    const pivot = a[mid]!;
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (a[i]! < pivot) i++;
      while (a[j]! > pivot) j--;
      if (i <= j) {
        swap(a, i, j);
        i++;
        j--;
      }
    }
    if (k <= j) hi = j;
    else if (k >= i) lo = i;
    else return a[k]!;
  }
  return a[k]!;
}

function swap(a: Float64Array, i: number, j: number): void {
  const t = a[i]!;
  a[i] = a[j]!;
  a[j] = t;
}
