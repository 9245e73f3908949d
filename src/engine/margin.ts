/**
 * Margin: historical-simulation VaR over a margin period of risk, plus a gap-risk add-on on the largest
 * positions and a no-history add-on, per clearing member, updated incrementally on every position change.
 *
 * Method (all exact; see scenarios.ts for the scenario, shock, fallback and quantile definitions):
 * - Scenario P&L of member m in scenario k: pnl[m][k] = Σ_s netQty[m][s] × shock[s][k], money 10^-4,
 *   over the securities with history. Integers held in a Float64Array; every value is kept a safe
 *   integer (|x| ≤ 2^53 − 1) so that float additions and products are exact. A change that would leave
 *   that range is refused (MarginCode.RANGE, the state unchanged): the positions it would need are beyond
 *   ~$900bn of scenario P&L per member, not a realistic book.
 * - VaR = max(0, −(n-th smallest pnl[m][·])), n = max(1, ⌈(10000 − confidenceBps) × K / 10000⌉).
 * - Gap add-on = ⌈gapAddOnBps × G / 10000⌉ where G = Σ |netQty| × price over the member's gapTopN
 *   largest positions by |netQty| × price (all securities, with or without history), computed exactly
 *   at 10^-9 × units and rounded up once to money 10^-4. Equal market values: which one is chosen does
 *   not change G.
 * - No-history add-on = Σ |netQty[m][s]| × noHistoryUnitLoss(s) over securities without history.
 * - requirement = VaR + gap add-on + no-history add-on (money 10^-4, bigint; each term is an integer
 *   already rounded up or exact, so the sum is "rounded up to 10^-4"). Mark-to-market is the engine's.
 *
 * Incremental path (`onPositionDelta`): O(K) multiply-adds into the member's P&L vector, no allocation;
 * the quantile is found lazily by `requirement` with a selection (scenarios.ts `nthSmallest`), not a
 * sort, and cached until the member's positions or a price change. `recomputeAll` rebuilds every
 * vector from the book's own net quantities and must give identical numbers (tested).
 *
 * Memory: 4 bytes × members × securities for the position index, 8 × members × K for the P&L vectors,
 * 8 × securities × K for the shocks, plus the members' position lists.
 *
 * Thread: owned by the engine's thread (single writer); not safe to share.
 */
import { GatewayError } from '../codec/errors.js';
import {
  MarginErrorCode,
  type ScenarioSet,
  SMALL_RANK,
  buildScenarioSet,
  divCeil,
  nthSmallest,
  noHistoryUnitLoss,
  shockVector,
  varRank,
} from './scenarios.js';
import type { EngineConfig, RefData } from './types.js';

/** Result codes of the incremental calls (hot path: codes, not exceptions). Reason in `lastError`. */
export const MarginCode = {
  OK: 0,
  /** An exact value would leave the safe-integer range; nothing changed. */
  RANGE: 1,
  /** Slot out of range, quantity or price not a (positive) safe integer; nothing changed. */
  ARGUMENT: 2,
} as const;
export type MarginCode = (typeof MarginCode)[keyof typeof MarginCode];

export interface MarginComponents {
  /** Historical-simulation VaR, money 10^-4. */
  var: bigint;
  /** Gap-risk add-on on the gapTopN largest positions, money 10^-4. */
  gapAddOn: bigint;
  /** Add-on for positions in securities without price history (not netted), money 10^-4. */
  noHistoryAddOn: bigint;
}

const MAX_SAFE = Number.MAX_SAFE_INTEGER;
/** Fast-path bound for a full rebuild: below 2^52 every partial sum is exact whatever the order. */
const FAST_BOUND = 2 ** 52;
const PRICE_SPLIT = 100_000; // price 10^-9 = hi × 10^5 + lo; hi is at money scale 10^-4
const INITIAL_CAPACITY = 8;

export class MarginBook {
  readonly memberCount: number;
  readonly securityCount: number;
  /** K, the number of scenarios. */
  readonly scenarioCount: number;
  readonly scenarios: ScenarioSet;
  /** Human reason for the last non-OK code. */
  lastError = '';

  private readonly refdata: RefData;
  private readonly rank: number;
  private readonly gapTopN: number;
  private readonly gapBps: bigint;
  private readonly gapBpsN: number;

  // per security
  private readonly shocks: Float64Array; // S × K, zeros for no-history securities
  private readonly maxAbsShock: Float64Array;
  private readonly hasHistory: Uint8Array;
  private readonly unitLoss: Float64Array; // no-history per-unit loss (0 when it has history)
  private readonly price: Float64Array;
  private readonly priceHi: Float64Array;
  private readonly priceLo: Float64Array;

  // per member
  private readonly index: Int32Array; // M × S → position index in the member's list, −1 when flat
  private readonly count: Int32Array;
  private posSec: Int32Array[];
  private posQty: Float64Array[];
  /** Market-value key |q| × price = W × 10^5 + F at 10^-9 (W money 10^-4, 0 ≤ F < 10^5). */
  private posW: Float64Array[];
  private posF: Float64Array[];
  private readonly pnl: Float64Array; // M × K
  private readonly noHistory: Float64Array;
  /**
   * Per member Σ |netQty| × maxAbsShock over securities with history: an upper bound of every |pnl|.
   * Exact whenever ≤ FAST_BOUND; above it, recomputed from the positions after each change.
   */
  private readonly bound: Float64Array;
  private readonly dirty: Uint8Array;
  private readonly varCache: Float64Array;
  /** Gap add-on as a safe integer, or −1 when it is only in gapWideCache. */
  private readonly gapCache: Float64Array;
  private readonly gapWideCache: bigint[];
  private gapWideResult = 0n;
  private readonly reqCache: bigint[];

  // scratch (reused; never escapes)
  private readonly scratch: Float64Array;
  private readonly top: Int32Array;
  private readonly shockScratch: Float64Array;

  /** Throws GatewayError MARGIN_CONFIG / MARGIN_SCENARIOS / MARGIN_RANGE on bad configuration or history. */
  constructor(refdata: RefData, config: EngineConfig) {
    const mc = config.margin;
    if (!Number.isSafeInteger(mc.confidenceBps) || mc.confidenceBps < 1 || mc.confidenceBps > 10000) {
      throw new GatewayError(MarginErrorCode.MARGIN_CONFIG, 'margin.confidenceBps must be an integer in 1..10000', { confidenceBps: mc.confidenceBps });
    }
    if (!Number.isSafeInteger(mc.gapTopN) || mc.gapTopN < 0 || mc.gapTopN > 1_000_000) {
      throw new GatewayError(MarginErrorCode.MARGIN_CONFIG, 'margin.gapTopN must be an integer in 0..1000000', { gapTopN: mc.gapTopN });
    }
    if (!Number.isSafeInteger(mc.gapAddOnBps) || mc.gapAddOnBps < 0 || mc.gapAddOnBps > 1_000_000) {
      throw new GatewayError(MarginErrorCode.MARGIN_CONFIG, 'margin.gapAddOnBps must be an integer in 0..1000000', { gapAddOnBps: mc.gapAddOnBps });
    }
    this.refdata = refdata;
    this.scenarios = buildScenarioSet(refdata, mc.mporDays);
    const K = (this.scenarioCount = this.scenarios.count);
    const S = (this.securityCount = refdata.securities.length);
    const M = (this.memberCount = refdata.members.length);
    this.rank = varRank(K, mc.confidenceBps);
    this.gapTopN = mc.gapTopN;
    this.gapBps = BigInt(mc.gapAddOnBps);
    this.gapBpsN = mc.gapAddOnBps;

    this.shocks = new Float64Array(S * K);
    this.maxAbsShock = new Float64Array(S);
    this.hasHistory = new Uint8Array(S);
    this.unitLoss = new Float64Array(S);
    this.price = new Float64Array(S);
    this.priceHi = new Float64Array(S);
    this.priceLo = new Float64Array(S);
    for (let s = 0; s < S; s++) {
      const p = refdata.securities[s]!.price;
      if (!Number.isSafeInteger(p) || p <= 0) {
        throw new GatewayError(MarginErrorCode.MARGIN_ARGUMENT, `security ${refdata.securities[s]!.isin} has no positive price`, { security: s, price: p });
      }
      this.hasHistory[s] = this.scenarios.historyRow[s]! >= 0 ? 1 : 0;
      this.derivePrice(s, p, this.shocks, s * K);
    }

    this.index = new Int32Array(M * S).fill(-1);
    this.count = new Int32Array(M);
    this.posSec = [];
    this.posQty = [];
    this.posW = [];
    this.posF = [];
    for (let m = 0; m < M; m++) {
      this.posSec.push(new Int32Array(INITIAL_CAPACITY));
      this.posQty.push(new Float64Array(INITIAL_CAPACITY));
      this.posW.push(new Float64Array(INITIAL_CAPACITY));
      this.posF.push(new Float64Array(INITIAL_CAPACITY));
    }
    this.pnl = new Float64Array(M * K);
    this.noHistory = new Float64Array(M);
    this.dirty = new Uint8Array(M);
    this.varCache = new Float64Array(M);
    this.bound = new Float64Array(M);
    this.gapCache = new Float64Array(M);
    this.gapWideCache = new Array<bigint>(M).fill(0n);
    this.reqCache = new Array<bigint>(M).fill(0n);
    this.scratch = new Float64Array(Math.max(K, SMALL_RANK));
    this.top = new Int32Array(Math.max(1, Math.min(this.gapTopN, S)));
    this.shockScratch = new Float64Array(K);
  }

  // ------------------------------------------------------------------------------------------ incremental

  /**
   * Net quantity of (member, security) changes by `qtyDelta` (the engine's netting, all settlement dates
   * together). O(K), allocation-free (except a member's position list growing past its capacity).
   * Returns MarginCode.OK, or RANGE / ARGUMENT with nothing changed and the reason in `lastError`.
   */
  onPositionDelta(memberSlot: number, securitySlot: number, qtyDelta: number): MarginCode {
    const m = memberSlot;
    const s = securitySlot;
    if (!(m >= 0 && m < this.memberCount && s >= 0 && s < this.securityCount) || (m | 0) !== m || (s | 0) !== s || !Number.isSafeInteger(qtyDelta)) {
      return this.argument(m, s, qtyDelta);
    }
    if (qtyDelta === 0) return MarginCode.OK;
    const at = m * this.securityCount + s;
    const idx = this.index[at]!;
    const oldQ = idx >= 0 ? this.posQty[m]![idx]! : 0;
    const newQ = oldQ + qtyDelta;
    if (newQ > MAX_SAFE || newQ < -MAX_SAFE) return this.range(m, s, 'the net quantity');
    // market-value key of the new quantity
    const absQ = newQ < 0 ? -newQ : newQ;
    const qHi = absQ * this.priceHi[s]!;
    const qLo = absQ * this.priceLo[s]!;
    if (qHi > MAX_SAFE || qLo > MAX_SAFE) return this.range(m, s, 'the market value');
    const f = qLo % PRICE_SPLIT;
    const w = qHi + (qLo - f) / PRICE_SPLIT;
    if (w > MAX_SAFE) return this.range(m, s, 'the market value');

    let newBound = 0;
    if (this.hasHistory[s] === 1) {
      const d = qtyDelta;
      const absD = d < 0 ? -d : d;
      const oldBound = this.bound[m]!;
      newBound = oldBound + (absQ - (oldQ < 0 ? -oldQ : oldQ)) * this.maxAbsShock[s]!;
      const K = this.scenarioCount;
      const pnl = this.pnl;
      const sh = this.shocks;
      const base = m * K;
      const row = s * K;
      if (oldBound <= FAST_BOUND && newBound <= FAST_BOUND) {
        // |every pnl and term| ≤ bound < 2^52: exact without a check per scenario
        for (let k = 0; k < K; k++) pnl[base + k] = pnl[base + k]! + d * sh[row + k]!;
      } else {
        if (absD * this.maxAbsShock[s]! > MAX_SAFE) return this.range(m, s, 'a scenario P&L term');
        let out = false;
        for (let k = 0; k < K; k++) {
          const v = pnl[base + k]! + d * sh[row + k]!;
          pnl[base + k] = v;
          if (v > MAX_SAFE || v < -MAX_SAFE) out = true;
        }
        if (out) {
          this.rebuildMember(m); // positions unchanged yet: restores the exact vector
          return this.range(m, s, "the member's scenario P&L");
        }
      }
    } else {
      const oldAbs = oldQ < 0 ? -oldQ : oldQ;
      const add = (absQ - oldAbs) * this.unitLoss[s]!;
      const nh = this.noHistory[m]! + add;
      if (add > MAX_SAFE || add < -MAX_SAFE || nh > MAX_SAFE) return this.range(m, s, 'the no-history add-on');
      this.noHistory[m] = nh;
    }

    // position list
    if (newQ === 0) {
      this.removePosition(m, at, idx);
    } else if (idx >= 0) {
      this.posQty[m]![idx] = newQ;
      this.posW[m]![idx] = w;
      this.posF[m]![idx] = f;
    } else {
      const n = this.count[m]!;
      if (n === this.posSec[m]!.length) this.grow(m);
      this.posSec[m]![n] = s;
      this.posQty[m]![n] = newQ;
      this.posW[m]![n] = w;
      this.posF[m]![n] = f;
      this.index[at] = n;
      this.count[m] = n + 1;
    }
    if (this.hasHistory[s] === 1) this.bound[m] = newBound <= FAST_BOUND && this.bound[m]! <= FAST_BOUND ? newBound : this.exactBound(m);
    this.dirty[m] = 1;
    return MarginCode.OK;
  }

  /**
   * Would `onPositionDelta(m, s, qtyDelta)` succeed? Read-only, O(K), allocation-free. For an engine
   * that wants to reject a trade before changing any member (two sides, two members).
   */
  canApply(memberSlot: number, securitySlot: number, qtyDelta: number): boolean {
    const m = memberSlot;
    const s = securitySlot;
    if (!(m >= 0 && m < this.memberCount && s >= 0 && s < this.securityCount) || (m | 0) !== m || (s | 0) !== s || !Number.isSafeInteger(qtyDelta)) {
      return false;
    }
    const idx = this.index[m * this.securityCount + s]!;
    const oldQ = idx >= 0 ? this.posQty[m]![idx]! : 0;
    const newQ = oldQ + qtyDelta;
    if (newQ > MAX_SAFE || newQ < -MAX_SAFE) return false;
    const absQ = newQ < 0 ? -newQ : newQ;
    const qHi = absQ * this.priceHi[s]!;
    const qLo = absQ * this.priceLo[s]!;
    if (qHi > MAX_SAFE || qLo > MAX_SAFE || qHi + (qLo - (qLo % PRICE_SPLIT)) / PRICE_SPLIT > MAX_SAFE) return false;
    if (this.hasHistory[s] === 1) {
      const oldBound = this.bound[m]!;
      const newBound = oldBound + (absQ - (oldQ < 0 ? -oldQ : oldQ)) * this.maxAbsShock[s]!;
      if (oldBound <= FAST_BOUND && newBound <= FAST_BOUND) return true; // as onPositionDelta's fast path
      const absD = qtyDelta < 0 ? -qtyDelta : qtyDelta;
      if (absD * this.maxAbsShock[s]! > MAX_SAFE) return false;
      const K = this.scenarioCount;
      const base = m * K;
      const row = s * K;
      for (let k = 0; k < K; k++) {
        const v = this.pnl[base + k]! + qtyDelta * this.shocks[row + k]!;
        if (v > MAX_SAFE || v < -MAX_SAFE) return false;
      }
      return true;
    }
    const oldAbs = oldQ < 0 ? -oldQ : oldQ;
    const add = (absQ - oldAbs) * this.unitLoss[s]!;
    const nh = this.noHistory[m]! + add;
    return !(add > MAX_SAFE || add < -MAX_SAFE || nh > MAX_SAFE);
  }

  /**
   * Total requirement of a member, money 10^-4: VaR + gap add-on + no-history add-on (see the header).
   * Cached until the member's positions or a price change; a clean call allocates nothing.
   */
  requirement(memberSlot: number): bigint {
    const m = memberSlot;
    if (!(m >= 0 && m < this.memberCount)) throw new GatewayError(MarginErrorCode.MARGIN_ARGUMENT, `member slot ${m} out of range`, { memberSlot: m });
    if (this.dirty[m] === 1) this.evaluate(m);
    return this.reqCache[m]!;
  }

  /** The parts of the requirement, for the CJ report. Allocates (reporting path). */
  components(memberSlot: number): MarginComponents {
    this.requirement(memberSlot);
    const g = this.gapCache[memberSlot]!;
    return {
      var: BigInt(this.varCache[memberSlot]!),
      gapAddOn: g >= 0 ? BigInt(g) : this.gapWideCache[memberSlot]!,
      noHistoryAddOn: BigInt(this.noHistory[memberSlot]!),
    };
  }

  // ------------------------------------------------------------------------------------------ full run, prices

  /**
   * Full run: rebuild every member's P&L vector and add-ons from the book's own net quantities, then
   * evaluate every requirement. Gives exactly the incremental state. Throws MARGIN_RANGE if a member's
   * exact result is outside the safe range (impossible while every change went through the checked
   * incremental calls).
   */
  recomputeAll(): void {
    for (let m = 0; m < this.memberCount; m++) {
      this.rebuildMember(m);
      let nh = 0;
      const n = this.count[m]!;
      const sec = this.posSec[m]!;
      const qty = this.posQty[m]!;
      for (let i = 0; i < n; i++) {
        const s = sec[i]!;
        const q = qty[i]!;
        this.setKey(m, i, q < 0 ? -q : q, s);
        if (this.hasHistory[s] === 0) nh += (q < 0 ? -q : q) * this.unitLoss[s]!;
      }
      if (nh > MAX_SAFE) throw new GatewayError(MarginErrorCode.MARGIN_RANGE, `member slot ${m}: the no-history add-on leaves the safe range`, { memberSlot: m });
      this.noHistory[m] = nh;
      this.evaluate(m);
    }
  }

  /**
   * New system price of a security (10^-9): re-derive its shock vector (exact), its no-history loss and
   * market values, and update every member holding it. Returns OK, or RANGE / ARGUMENT with nothing
   * changed (reason in `lastError`). O(K × holders) plus a scan of the members.
   */
  setPrice(securitySlot: number, price: number): MarginCode {
    const s = securitySlot;
    if (!(s >= 0 && s < this.securityCount) || (s | 0) !== s || !Number.isSafeInteger(price) || price <= 0) {
      this.lastError = `setPrice: security slot ${s} or price ${price} invalid (a positive safe integer at 10^-9 is required)`;
      return MarginCode.ARGUMENT;
    }
    const K = this.scenarioCount;
    const S = this.securityCount;
    const row = s * K;
    const fresh = this.shockScratch;
    let newMax = 0;
    let newLoss = 0;
    const hist = this.hasHistory[s] === 1;
    try {
      if (hist) newMax = shockVector(this.refdata, this.scenarios, s, price, fresh, 0);
      else newLoss = noHistoryUnitLoss(this.refdata.securities[s]!, this.scenarios, price);
    } catch (e) {
      this.lastError = e instanceof Error ? e.message : String(e);
      return MarginCode.RANGE;
    }
    const hi = Math.floor(price / PRICE_SPLIT);
    const lo = price - hi * PRICE_SPLIT;
    // phase 1: check every holder, change nothing
    for (let m = 0; m < this.memberCount; m++) {
      const idx = this.index[m * S + s]!;
      if (idx < 0) continue;
      const q = this.posQty[m]![idx]!;
      const a = q < 0 ? -q : q;
      const qHi = a * hi;
      const qLo = a * lo;
      if (qHi > MAX_SAFE || qLo > MAX_SAFE || qHi + (qLo - (qLo % PRICE_SPLIT)) / PRICE_SPLIT > MAX_SAFE) return this.range(m, s, 'the market value at the new price');
      if (hist) {
        if (!this.priceUpdateFits(m, q, row, fresh)) return this.range(m, s, "the member's scenario P&L at the new price");
      } else {
        const nh = this.noHistory[m]! + a * (newLoss - this.unitLoss[s]!);
        if (a * newLoss > MAX_SAFE || nh > MAX_SAFE) return this.range(m, s, 'the no-history add-on at the new price');
      }
    }
    // phase 2: apply
    for (let m = 0; m < this.memberCount; m++) {
      const idx = this.index[m * S + s]!;
      if (idx < 0) continue;
      const q = this.posQty[m]![idx]!;
      const a = q < 0 ? -q : q;
      if (hist) this.applyPriceUpdate(m, q, row, fresh);
      else this.noHistory[m] = this.noHistory[m]! + a * (newLoss - this.unitLoss[s]!);
      this.dirty[m] = 1;
    }
    this.price[s] = price;
    this.priceHi[s] = hi;
    this.priceLo[s] = lo;
    if (hist) {
      this.shocks.set(fresh, row);
      this.maxAbsShock[s] = newMax;
    } else {
      this.unitLoss[s] = newLoss;
    }
    for (let m = 0; m < this.memberCount; m++) {
      const idx = this.index[m * S + s]!;
      if (idx < 0) continue;
      const q = this.posQty[m]![idx]!;
      this.setKey(m, idx, q < 0 ? -q : q, s);
      if (hist) this.bound[m] = this.exactBound(m);
    }
    return MarginCode.OK;
  }

  // ------------------------------------------------------------------------------------------ read-only views

  /** Net quantity of (member, security) as margined. */
  netQty(memberSlot: number, securitySlot: number): number {
    const idx = this.index[memberSlot * this.securityCount + securitySlot]!;
    return idx >= 0 ? this.posQty[memberSlot]![idx]! : 0;
  }

  /** Number of non-flat positions of a member. */
  positionCount(memberSlot: number): number {
    return this.count[memberSlot]!;
  }

  /** Copy the member's K scenario P&Ls (money 10^-4) into `out` (length ≥ K); returns `out`. */
  scenarioPnl(memberSlot: number, out: Float64Array): Float64Array {
    const K = this.scenarioCount;
    out.set(this.pnl.subarray(memberSlot * K, memberSlot * K + K));
    return out;
  }

  /** Per-unit shock of a security in scenario k (money 10^-4); 0 for no-history securities. */
  shock(securitySlot: number, k: number): number {
    return this.shocks[securitySlot * this.scenarioCount + k]!;
  }

  /** Per-unit no-history loss of a security (money 10^-4); 0 when it has history. */
  noHistoryLoss(securitySlot: number): number {
    return this.unitLoss[securitySlot]!;
  }

  // ------------------------------------------------------------------------------------------ internals

  /** VaR (selection), gap add-on (top-N), requirement; clears the dirty flag. */
  private evaluate(m: number): void {
    const K = this.scenarioCount;
    const x = nthSmallest(this.pnl, m * K, K, this.rank, this.scratch);
    const v = x < 0 ? -x : 0;
    this.varCache[m] = v;
    this.gapAddOn(m);
    const gap = this.gapCache[m]!;
    const nh = this.noHistory[m]!;
    const total = v + nh + gap; // every term a safe integer ≥ 0: exact when the sum is ≤ 2^53 − 1
    if (gap >= 0 && total <= MAX_SAFE) {
      this.reqCache[m] = BigInt(total); // the one allocation of an evaluation
    } else {
      const g = gap >= 0 ? BigInt(gap) : this.gapWideResult;
      if (gap < 0) this.gapWideCache[m] = g;
      this.reqCache[m] = BigInt(v) + BigInt(nh) + g;
    }
    this.dirty[m] = 0;
  }

  /**
   * ⌈bps × Σ_topN (W × 10^5 + F) / 10^9⌉ over the member's gapTopN largest market values, as a safe
   * integer into gapCache[m] without allocating (a returned double would be boxed); −1 there when a
   * value needs bigint (the result is then in gapWideResult).
   */
  private gapAddOn(m: number): void {
    const n = this.count[m]!;
    const N = this.gapTopN;
    if (N === 0 || n === 0 || this.gapBpsN === 0) {
      this.gapCache[m] = 0;
      return;
    }
    const W = this.posW[m]!;
    const F = this.posF[m]!;
    let sumW = 0;
    let sumF = 0;
    let wide = false;
    if (n <= N) {
      for (let i = 0; i < n; i++) {
        sumW += W[i]!;
        sumF += F[i]!;
        if (sumW > MAX_SAFE) wide = true;
      }
      if (wide) {
        this.gapWide(m, null, n);
        return;
      }
    } else {
      // top[0..N) holds position indices, largest key first; (tw, tf) is the N-th largest key
      const top = this.top;
      for (let i = 0; i < N; i++) {
        const wi = W[i]!;
        const fi = F[i]!;
        let j = i;
        while (j > 0) {
          const p = top[j - 1]!;
          const wp = W[p]!;
          if (wp > wi || (wp === wi && F[p]! >= fi)) break;
          top[j] = p;
          j--;
        }
        top[j] = i;
      }
      let last = top[N - 1]!;
      let tw = W[last]!;
      let tf = F[last]!;
      for (let i = N; i < n; i++) {
        const wi = W[i]!;
        if (wi < tw) continue;
        const fi = F[i]!;
        if (wi === tw && fi <= tf) continue;
        let j = N - 1;
        while (j > 0) {
          const p = top[j - 1]!;
          const wp = W[p]!;
          if (wp > wi || (wp === wi && F[p]! >= fi)) break;
          top[j] = p;
          j--;
        }
        top[j] = i;
        last = top[N - 1]!;
        tw = W[last]!;
        tf = F[last]!;
      }
      for (let j = 0; j < N; j++) {
        const i = top[j]!;
        sumW += W[i]!;
        sumF += F[i]!;
        if (sumW > MAX_SAFE) wide = true;
      }
      if (wide) {
        this.gapWide(m, top, N);
        return;
      }
    }
    // bps × (W × 10^5 + F) / 10^9 = bps × ⌊W / 10^4⌋ + bps × ((W mod 10^4) × 10^5 + F) / 10^9
    const bps = this.gapBpsN;
    const r1 = sumW % 10_000;
    const whole = bps * ((sumW - r1) / 10_000);
    const x = bps * (r1 * 100_000 + sumF);
    if (whole <= MAX_SAFE && x <= MAX_SAFE) {
      const xr = x % 1_000_000_000;
      const g = whole + (x - xr) / 1_000_000_000 + (xr > 0 ? 1 : 0);
      if (g <= MAX_SAFE) {
        this.gapCache[m] = g;
        return;
      }
    }
    this.gapWideResult = divCeil(this.gapBps * (BigInt(sumW) * 100_000n + BigInt(sumF)), 1_000_000_000n);
    this.gapCache[m] = -1;
  }

  /** The gap sum in bigint when Σ W passes 2^53 (rare: ~$900bn in the largest positions); gapCache[m] = −1. */
  private gapWide(m: number, top: Int32Array | null, n: number): void {
    let g = 0n;
    for (let j = 0; j < n; j++) {
      const i = top === null ? j : top[j]!;
      g += BigInt(this.posW[m]![i]!) * 100_000n + BigInt(this.posF[m]![i]!);
    }
    this.gapWideResult = divCeil(this.gapBps * g, 1_000_000_000n);
    this.gapCache[m] = -1;
  }

  /** Σ |q| × maxAbsShock over the member's positions (exact when the result is ≤ FAST_BOUND). */
  private exactBound(m: number): number {
    const n = this.count[m]!;
    const sec = this.posSec[m]!;
    const qty = this.posQty[m]!;
    let bound = 0;
    for (let i = 0; i < n; i++) {
      const q = qty[i]!;
      bound += (q < 0 ? -q : q) * this.maxAbsShock[sec[i]!]!;
    }
    return bound;
  }

  /** Rebuild pnl[m] exactly from the member's positions: float fast path when bounded, else bigint. */
  private rebuildMember(m: number): void {
    const K = this.scenarioCount;
    const base = m * K;
    const pnl = this.pnl;
    const sh = this.shocks;
    const n = this.count[m]!;
    const sec = this.posSec[m]!;
    const qty = this.posQty[m]!;
    const bound = this.exactBound(m);
    this.bound[m] = bound;
    pnl.fill(0, base, base + K);
    if (bound <= FAST_BOUND) {
      // every term and partial sum is below 2^52 in magnitude: exact in any order
      let i = 0;
      for (; i + 3 < n; i += 4) {
        const q0 = qty[i]!;
        const q1 = qty[i + 1]!;
        const q2 = qty[i + 2]!;
        const q3 = qty[i + 3]!;
        const r0 = sec[i]! * K;
        const r1 = sec[i + 1]! * K;
        const r2 = sec[i + 2]! * K;
        const r3 = sec[i + 3]! * K;
        for (let k = 0; k < K; k++) {
          pnl[base + k] = pnl[base + k]! + q0 * sh[r0 + k]! + q1 * sh[r1 + k]! + q2 * sh[r2 + k]! + q3 * sh[r3 + k]!;
        }
      }
      for (; i < n; i++) {
        const q = qty[i]!;
        const r = sec[i]! * K;
        for (let k = 0; k < K; k++) pnl[base + k] = pnl[base + k]! + q * sh[r + k]!;
      }
      return;
    }
    const acc = new Array<bigint>(K).fill(0n);
    for (let i = 0; i < n; i++) {
      const q = BigInt(qty[i]!);
      const r = sec[i]! * K;
      for (let k = 0; k < K; k++) acc[k] = acc[k]! + q * BigInt(sh[r + k]!);
    }
    for (let k = 0; k < K; k++) {
      const v = acc[k]!;
      if (v > BigInt(MAX_SAFE) || v < -BigInt(MAX_SAFE)) {
        throw new GatewayError(MarginErrorCode.MARGIN_RANGE, `member slot ${m}: scenario ${k} P&L ${v} leaves the safe-integer range`, { memberSlot: m, scenario: k });
      }
      pnl[base + k] = Number(v);
    }
  }

  /** Would pnl[m] + q × (fresh − old row) stay exact and in range? */
  private priceUpdateFits(m: number, q: number, row: number, fresh: Float64Array): boolean {
    const K = this.scenarioCount;
    const base = m * K;
    const a = q < 0 ? -q : q;
    const sh = this.shocks;
    let maxDiff = 0;
    for (let k = 0; k < K; k++) {
      const d = fresh[k]! - sh[row + k]!; // exact: both safe integers of |x| < 2^53, result < 2^54 is rounded only if ≥ 2^53
      const ad = d < 0 ? -d : d;
      if (ad > maxDiff) maxDiff = ad;
    }
    if (maxDiff <= MAX_SAFE && a * maxDiff <= MAX_SAFE) {
      for (let k = 0; k < K; k++) {
        const v = this.pnl[base + k]! + q * (fresh[k]! - sh[row + k]!);
        if (v > MAX_SAFE || v < -MAX_SAFE) return false;
      }
      return true;
    }
    const bq = BigInt(q);
    for (let k = 0; k < K; k++) {
      const v = BigInt(this.pnl[base + k]!) + bq * (BigInt(fresh[k]!) - BigInt(sh[row + k]!));
      if (v > BigInt(MAX_SAFE) || v < -BigInt(MAX_SAFE)) return false;
    }
    return true;
  }

  /** pnl[m] += q × (fresh − old row), exactly (checked by priceUpdateFits first). */
  private applyPriceUpdate(m: number, q: number, row: number, fresh: Float64Array): void {
    const K = this.scenarioCount;
    const base = m * K;
    const a = q < 0 ? -q : q;
    const sh = this.shocks;
    let maxDiff = 0;
    for (let k = 0; k < K; k++) {
      const d = fresh[k]! - sh[row + k]!;
      const ad = d < 0 ? -d : d;
      if (ad > maxDiff) maxDiff = ad;
    }
    if (maxDiff <= MAX_SAFE && a * maxDiff <= MAX_SAFE) {
      for (let k = 0; k < K; k++) this.pnl[base + k] = this.pnl[base + k]! + q * (fresh[k]! - sh[row + k]!);
      return;
    }
    const bq = BigInt(q);
    for (let k = 0; k < K; k++) this.pnl[base + k] = Number(BigInt(this.pnl[base + k]!) + bq * (BigInt(fresh[k]!) - BigInt(sh[row + k]!)));
  }

  /** Shocks (or no-history loss) and price split of security s at `price` (construction). */
  private derivePrice(s: number, price: number, out: Float64Array, off: number): void {
    this.price[s] = price;
    this.priceHi[s] = Math.floor(price / PRICE_SPLIT);
    this.priceLo[s] = price - this.priceHi[s]! * PRICE_SPLIT;
    if (this.hasHistory[s] === 1) {
      this.maxAbsShock[s] = shockVector(this.refdata, this.scenarios, s, price, out, off);
      this.unitLoss[s] = 0;
    } else {
      this.maxAbsShock[s] = 0;
      this.unitLoss[s] = noHistoryUnitLoss(this.refdata.securities[s]!, this.scenarios, price);
    }
  }

  /** Market-value key of position i of member m for |q| units of s (range checked by the callers). */
  private setKey(m: number, i: number, absQ: number, s: number): void {
    const qHi = absQ * this.priceHi[s]!;
    const qLo = absQ * this.priceLo[s]!;
    const f = qLo % PRICE_SPLIT;
    this.posW[m]![i] = qHi + (qLo - f) / PRICE_SPLIT;
    this.posF[m]![i] = f;
  }

  private removePosition(m: number, at: number, idx: number): void {
    const last = this.count[m]! - 1;
    const sec = this.posSec[m]!;
    if (idx !== last) {
      const moved = sec[last]!;
      sec[idx] = moved;
      this.posQty[m]![idx] = this.posQty[m]![last]!;
      this.posW[m]![idx] = this.posW[m]![last]!;
      this.posF[m]![idx] = this.posF[m]![last]!;
      this.index[m * this.securityCount + moved] = idx;
    }
    this.index[at] = -1;
    this.count[m] = last;
  }

  private grow(m: number): void {
    const cap = this.posSec[m]!.length * 2;
    const sec = new Int32Array(cap);
    sec.set(this.posSec[m]!);
    const qty = new Float64Array(cap);
    qty.set(this.posQty[m]!);
    const w = new Float64Array(cap);
    w.set(this.posW[m]!);
    const f = new Float64Array(cap);
    f.set(this.posF[m]!);
    this.posSec[m] = sec;
    this.posQty[m] = qty;
    this.posW[m] = w;
    this.posF[m] = f;
  }

  private range(m: number, s: number, what: string): MarginCode {
    this.lastError = `margin: ${what} of member ${this.refdata.members[m]?.id ?? m} in ${this.refdata.securities[s]?.isin ?? s} would leave the exact (safe-integer) range`;
    return MarginCode.RANGE;
  }

  private argument(m: number, s: number, q: number): MarginCode {
    this.lastError = `margin: member slot ${m}, security slot ${s} or quantity ${q} invalid`;
    return MarginCode.ARGUMENT;
  }
}
