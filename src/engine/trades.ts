import { prefault } from './tables.js';

/**
 * Locked-in trades (after matching), struct-of-arrays indexed by CCP trade id − 1. Trade ids are
 * assigned 1, 2, 3, … in acceptance order, so a replay of the same commands assigns the same ids.
 * Strings (report ids, executing firms, match ids) are kept by reference: no copy, no allocation.
 *
 * Owned by the engine's thread.
 */

export const TradeState = { Active: 0, Cancelled: 1 } as const;
export type TradeState = (typeof TradeState)[keyof typeof TradeState];

export const TradeSource = { TwoSided: 0, Matched: 1, Venue: 2 } as const;
export type TradeSource = (typeof TradeSource)[keyof typeof TradeSource];

export class TradeStore {
  /** Number of trades (= last trade id). */
  n = 0;
  security: Int32Array;
  qty: Float64Array;
  price: Float64Array;
  money: Float64Array;
  tradeDate: Int32Array;
  settlDate: Int32Array;
  businessDate: Int32Array;
  buyer: Int32Array;
  seller: Int32Array;
  buyAccount: Int32Array;
  sellAccount: Int32Array;
  /** Registry slot of the submitter of the buy / sell report (the same for a two-sided report). */
  buySubmitter: Int32Array;
  sellSubmitter: Int32Array;
  state: Uint8Array;
  source: Uint8Array;
  stage: Uint8Array;
  trdType: Int32Array;
  buyReportId: string[];
  sellReportId: string[];
  buyExecutingFirm: string[];
  sellExecutingFirm: string[];
  matchId: string[];

  constructor(capacity = 1024) {
    const cap = Math.max(16, capacity);
    this.security = prefault(new Int32Array(cap));
    this.qty = prefault(new Float64Array(cap));
    this.price = prefault(new Float64Array(cap));
    this.money = prefault(new Float64Array(cap));
    this.tradeDate = prefault(new Int32Array(cap));
    this.settlDate = prefault(new Int32Array(cap));
    this.businessDate = prefault(new Int32Array(cap));
    this.buyer = prefault(new Int32Array(cap));
    this.seller = prefault(new Int32Array(cap));
    this.buyAccount = prefault(new Int32Array(cap));
    this.sellAccount = prefault(new Int32Array(cap));
    this.buySubmitter = prefault(new Int32Array(cap));
    this.sellSubmitter = prefault(new Int32Array(cap));
    this.state = prefault(new Uint8Array(cap));
    this.source = prefault(new Uint8Array(cap));
    this.stage = prefault(new Uint8Array(cap));
    this.trdType = prefault(new Int32Array(cap));
    // Pre-sized so that storing a trade's strings never grows an array on the hot path.
    this.buyReportId = new Array<string>(cap).fill('');
    this.sellReportId = new Array<string>(cap).fill('');
    this.buyExecutingFirm = new Array<string>(cap).fill('');
    this.sellExecutingFirm = new Array<string>(cap).fill('');
    this.matchId = new Array<string>(cap).fill('');
  }

  /** Reserve the next trade's row; returns its index (trade id − 1). Fill the columns after. */
  add(): number {
    if (this.n === this.security.length) this.grow();
    return this.n++;
  }

  private grow(): void {
    const cap = this.security.length * 2;
    const g = <T extends Int32Array | Float64Array | Uint8Array>(old: T, make: (n: number) => T): T => {
      const x = prefault(make(cap), old.length);
      x.set(old);
      return x;
    };
    const i32 = (n: number): Int32Array => new Int32Array(n);
    const f64 = (n: number): Float64Array => new Float64Array(n);
    const u8 = (n: number): Uint8Array => new Uint8Array(n);
    this.security = g(this.security, i32);
    this.qty = g(this.qty, f64);
    this.price = g(this.price, f64);
    this.money = g(this.money, f64);
    this.tradeDate = g(this.tradeDate, i32);
    this.settlDate = g(this.settlDate, i32);
    this.businessDate = g(this.businessDate, i32);
    this.buyer = g(this.buyer, i32);
    this.seller = g(this.seller, i32);
    this.buyAccount = g(this.buyAccount, i32);
    this.sellAccount = g(this.sellAccount, i32);
    this.buySubmitter = g(this.buySubmitter, i32);
    this.sellSubmitter = g(this.sellSubmitter, i32);
    this.state = g(this.state, u8);
    this.source = g(this.source, u8);
    this.stage = g(this.stage, u8);
    this.trdType = g(this.trdType, i32);
    for (const a of [this.buyReportId, this.sellReportId, this.buyExecutingFirm, this.sellExecutingFirm, this.matchId]) {
      const old = a.length;
      a.length = cap;
      a.fill('', old);
    }
  }
}
