/**
 * Collateral: cash and securities lodged by clearing members, valued after haircuts and a concentration
 * limit, against the margin requirement.
 *
 * Valuation of member m (money 10^-4, all exact bigint, every rounding DOWN = in the CCP's favour):
 * - cash C (one currency, the CCP's): c = ⌊C × (10000 − haircutBps.cash) / 10000⌋.
 * - each security s held (quantities of the same security are one holding), at system price P_s
 *   (10^-9): a_s = ⌊q_s × P_s × (10000 − haircutBps[assetClass_s]) / 10^9⌋ (one rounding).
 * - the member's total collateral value for the concentration limit is T = c + Σ_s a_s: every holding
 *   after haircut and before any cap (so the limit does not depend on itself).
 * - a single security counts at most cap = ⌊T × concentrationLimitBps / 10000⌋; cash is never capped.
 * - value = c + Σ_s min(a_s, cap).
 * Example: cash 100 and one equity worth 300 after haircut, limit 50%: T = 400, cap = 200, value = 300.
 *
 * A withdrawal is refused, with nothing changed, when the holding is smaller than the amount asked, or
 * when the value after it would be below the requirement passed in (the margin book's, by the caller).
 *
 * Thread: owned by the engine's thread (single writer). Not a hot path: collateral movements are rare,
 * so this uses bigint and small objects freely.
 */
import { GatewayError } from '../codec/errors.js';
import type { AssetClass, RefData } from './types.js';

export const CollateralCode = {
  OK: 0,
  /** The member does not hold that much cash or that many units of the security. */
  INSUFFICIENT_HOLDING: 1,
  /** After the withdrawal, collateral value would be below the requirement. */
  BELOW_REQUIREMENT: 2,
  /** Slot out of range, a non-positive or non-integer amount, a security slot with kind 'cash'. */
  ARGUMENT: 3,
} as const;
export type CollateralCode = (typeof CollateralCode)[keyof typeof CollateralCode];

export interface CollateralResult {
  code: CollateralCode;
  /** Why, for humans (Text 58); '' when OK. */
  reason: string;
}

/** Collateral type of a holding (FIX CollateralType-like codes for the BA report). */
export type CollateralType = 'CASH' | 'GOVT' | 'EQTY' | 'ETF' | 'CORP' | 'MUNI';

export interface CollateralHolding {
  type: CollateralType;
  /** Security slot, −1 for cash. */
  securitySlot: number;
  /** ISIN, '' for cash. */
  isin: string;
  /** Units of the security; for cash the amount (money 10^-4). */
  quantity: bigint;
  /** Before haircut, money 10^-4 (q × price rounded down; the amount for cash). */
  marketValue: bigint;
  haircutBps: number;
  /** After haircut, before the concentration limit. */
  valueAfterHaircut: bigint;
  /** What counts towards value(): after haircut and the concentration limit. */
  countedValue: bigint;
}

export const CollateralErrorCode = {
  /** The collateral schedule is out of range (haircut or limit outside 0..10000 bps). */
  COLLATERAL_CONFIG: 'COLLATERAL_CONFIG',
  /** A slot or price out of range at an edge call (value, holdings, setPrice). */
  COLLATERAL_ARGUMENT: 'COLLATERAL_ARGUMENT',
} as const;

const OK: CollateralResult = Object.freeze({ code: CollateralCode.OK, reason: '' });
const TYPE: Record<AssetClass, CollateralType> = { govt: 'GOVT', equity: 'EQTY', etf: 'ETF', corp: 'CORP', muni: 'MUNI' };
const BPS = 10_000n;
const PRICE_BPS_DIV = 1_000_000_000n; // 10^5 (price 10^-9 → money 10^-4) × 10^4 (bps)

export class CollateralBook {
  readonly memberCount: number;
  readonly securityCount: number;
  private readonly refdata: RefData;
  private readonly cash: bigint[];
  /** Per member: security slot → units held (> 0). Slot order of insertion; reports sort by slot. */
  private readonly securities: Map<number, bigint>[];
  private readonly price: bigint[];
  private readonly keep: bigint[]; // per security: 10000 − haircut bps
  private readonly cashKeep: bigint;
  private readonly limitBps: bigint;
  private readonly valueCache: (bigint | undefined)[];

  /** Throws GatewayError COLLATERAL_CONFIG when the schedule is out of range. */
  constructor(refdata: RefData) {
    this.refdata = refdata;
    this.memberCount = refdata.members.length;
    this.securityCount = refdata.securities.length;
    const sched = refdata.collateral;
    const bps = (name: string, v: number): bigint => {
      if (!Number.isSafeInteger(v) || v < 0 || v > 10000) {
        throw new GatewayError(CollateralErrorCode.COLLATERAL_CONFIG, `${name} must be an integer number of basis points in 0..10000`, { [name]: v });
      }
      return BigInt(v);
    };
    this.cashKeep = BPS - bps('haircutBps.cash', sched.haircutBps.cash);
    this.limitBps = bps('concentrationLimitBps', sched.concentrationLimitBps);
    const keepOf = {} as Record<AssetClass, bigint>;
    for (const ac of Object.keys(TYPE) as AssetClass[]) keepOf[ac] = BPS - bps(`haircutBps.${ac}`, sched.haircutBps[ac]);
    this.keep = refdata.securities.map((s) => keepOf[s.assetClass]);
    this.price = refdata.securities.map((s) => BigInt(s.price));
    this.cash = new Array<bigint>(this.memberCount).fill(0n);
    this.securities = Array.from({ length: this.memberCount }, () => new Map<number, bigint>());
    this.valueCache = new Array<bigint | undefined>(this.memberCount).fill(undefined);
  }

  /** Lodge cash (amount, money 10^-4) or units of a security. Returns OK or ARGUMENT with the reason. */
  deposit(memberSlot: number, kind: 'cash' | 'security', securitySlot: number, quantityOrAmount: number | bigint): CollateralResult {
    const bad = this.checkArgs(memberSlot, kind, securitySlot, quantityOrAmount);
    if (bad !== null) return bad;
    const q = BigInt(quantityOrAmount);
    if (kind === 'cash') this.cash[memberSlot] = this.cash[memberSlot]! + q;
    else {
      const held = this.securities[memberSlot]!;
      held.set(securitySlot, (held.get(securitySlot) ?? 0n) + q);
    }
    this.valueCache[memberSlot] = undefined;
    return OK;
  }

  /**
   * Take back cash or units, unless the holding is insufficient or the value after the withdrawal would
   * be below `requirement` (money 10^-4). On refusal nothing changes and the result says why.
   */
  withdraw(memberSlot: number, kind: 'cash' | 'security', securitySlot: number, quantityOrAmount: number | bigint, requirement: bigint): CollateralResult {
    const bad = this.checkArgs(memberSlot, kind, securitySlot, quantityOrAmount);
    if (bad !== null) return bad;
    const q = BigInt(quantityOrAmount);
    const held = kind === 'cash' ? this.cash[memberSlot]! : (this.securities[memberSlot]!.get(securitySlot) ?? 0n);
    const what = kind === 'cash' ? 'cash' : this.refdata.securities[securitySlot]!.isin;
    if (held < q) {
      return {
        code: CollateralCode.INSUFFICIENT_HOLDING,
        reason: kind === 'cash' ? `withdrawal of cash ${money(q)} exceeds the cash held ${money(held)}` : `withdrawal of ${q} ${what} exceeds the ${held} held`,
      };
    }
    const after = this.valueWith(memberSlot, kind === 'cash' ? -1 : securitySlot, held - q);
    if (after < requirement) {
      return {
        code: CollateralCode.BELOW_REQUIREMENT,
        reason: `withdrawal of ${kind === 'cash' ? `cash ${money(q)}` : `${q} ${what}`} would leave collateral value ${money(after)} below the margin requirement ${money(requirement)}`,
      };
    }
    if (kind === 'cash') this.cash[memberSlot] = held - q;
    else if (held === q) this.securities[memberSlot]!.delete(securitySlot);
    else this.securities[memberSlot]!.set(securitySlot, held - q);
    this.valueCache[memberSlot] = undefined;
    return OK;
  }

  /** Collateral value after haircuts and the concentration limit, money 10^-4 (see the header). */
  value(memberSlot: number): bigint {
    this.checkMember(memberSlot);
    let v = this.valueCache[memberSlot];
    if (v === undefined) {
      v = this.valueWith(memberSlot, -2, 0n);
      this.valueCache[memberSlot] = v;
    }
    return v;
  }

  /** Holdings for the BA report: cash first (when non-zero), then securities by slot. */
  holdings(memberSlot: number): CollateralHolding[] {
    this.checkMember(memberSlot);
    const rows: CollateralHolding[] = [];
    const cash = this.cash[memberSlot]!;
    const c = (cash * this.cashKeep) / BPS;
    const slots = [...this.securities[memberSlot]!.keys()].sort((a, b) => a - b);
    let total = c;
    const after: bigint[] = [];
    for (const s of slots) {
      const a = this.haircutValue(s, this.securities[memberSlot]!.get(s)!);
      after.push(a);
      total += a;
    }
    const cap = (total * this.limitBps) / BPS;
    if (cash > 0n) {
      rows.push({ type: 'CASH', securitySlot: -1, isin: '', quantity: cash, marketValue: cash, haircutBps: Number(BPS - this.cashKeep), valueAfterHaircut: c, countedValue: c });
    }
    slots.forEach((s, i) => {
      const q = this.securities[memberSlot]!.get(s)!;
      const sec = this.refdata.securities[s]!;
      rows.push({
        type: TYPE[sec.assetClass],
        securitySlot: s,
        isin: sec.isin,
        quantity: q,
        marketValue: (q * this.price[s]!) / 100_000n,
        haircutBps: Number(BPS - this.keep[s]!),
        valueAfterHaircut: after[i]!,
        countedValue: after[i]! < cap ? after[i]! : cap,
      });
    });
    return rows;
  }

  /** Value after haircut of `quantity` units of security s (before any concentration cap); for events. */
  haircutValue(securitySlot: number, quantity: bigint): bigint {
    return (quantity * this.price[securitySlot]! * this.keep[securitySlot]!) / PRICE_BPS_DIV;
  }

  /** Value after haircut of a cash amount (money 10^-4). */
  cashValue(amount: bigint): bigint {
    return (amount * this.cashKeep) / BPS;
  }

  /** New system price of a security (10^-9); revalues every holding of it. */
  setPrice(securitySlot: number, price: number): void {
    if (!(securitySlot >= 0 && securitySlot < this.securityCount) || !Number.isSafeInteger(price) || price <= 0) {
      throw new GatewayError(CollateralErrorCode.COLLATERAL_ARGUMENT, `setPrice: security slot ${securitySlot} or price ${price} invalid`, { securitySlot, price });
    }
    this.price[securitySlot] = BigInt(price);
    this.valueCache.fill(undefined);
  }

  /** Cash held (before haircut) and units held of a security, for reports and tests. */
  cashHeld(memberSlot: number): bigint {
    return this.cash[memberSlot]!;
  }

  unitsHeld(memberSlot: number, securitySlot: number): bigint {
    return this.securities[memberSlot]!.get(securitySlot) ?? 0n;
  }

  // ------------------------------------------------------------------------------------------ internals

  /** value() with the holding `slot` (−1 = cash, −2 = none) replaced by `qty`. Quantities are ≥ 0 so floor = truncation. */
  private valueWith(m: number, slot: number, qty: bigint): bigint {
    const cash = slot === -1 ? qty : this.cash[m]!;
    const c = (cash * this.cashKeep) / BPS;
    const held = this.securities[m]!;
    let total = c;
    for (const [s, q0] of held) total += this.haircutValue(s, s === slot ? qty : q0);
    if (slot >= 0 && !held.has(slot)) total += this.haircutValue(slot, qty);
    const cap = (total * this.limitBps) / BPS;
    let v = c;
    for (const [s, q0] of held) {
      const a = this.haircutValue(s, s === slot ? qty : q0);
      v += a < cap ? a : cap;
    }
    if (slot >= 0 && !held.has(slot)) {
      const a = this.haircutValue(slot, qty);
      v += a < cap ? a : cap;
    }
    return v;
  }

  private checkArgs(m: number, kind: 'cash' | 'security', s: number, q: number | bigint): CollateralResult | null {
    if (!(Number.isInteger(m) && m >= 0 && m < this.memberCount)) return { code: CollateralCode.ARGUMENT, reason: `member slot ${m} out of range` };
    if (kind === 'cash') {
      if (s !== -1) return { code: CollateralCode.ARGUMENT, reason: 'a cash movement names no security (slot −1)' };
    } else if (kind === 'security') {
      if (!(Number.isInteger(s) && s >= 0 && s < this.securityCount)) return { code: CollateralCode.ARGUMENT, reason: `security slot ${s} out of range` };
    } else {
      return { code: CollateralCode.ARGUMENT, reason: `collateral kind ${String(kind)} is neither cash nor security` };
    }
    if (typeof q === 'number' ? !(Number.isSafeInteger(q) && q > 0) : !(typeof q === 'bigint' && q > 0n)) {
      return { code: CollateralCode.ARGUMENT, reason: `${kind === 'cash' ? 'amount' : 'quantity'} ${String(q)} must be a positive integer` };
    }
    return null;
  }

  private checkMember(m: number): void {
    if (!(Number.isInteger(m) && m >= 0 && m < this.memberCount)) {
      throw new GatewayError(CollateralErrorCode.COLLATERAL_ARGUMENT, `member slot ${m} out of range`, { memberSlot: m });
    }
  }
}

/** Money 10^-4 as decimal text, for reasons. */
function money(v: bigint): string {
  const neg = v < 0n;
  const a = neg ? -v : v;
  const frac = (a % BPS).toString().padStart(4, '0');
  return `${neg ? '-' : ''}${a / BPS}.${frac}`;
}
