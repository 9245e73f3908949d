import { prefault } from './tables.js';

/**
 * The matching book: one-sided trade reports waiting for the counterparty's mirror report.
 *
 * Key: (security, qty, price, trade date, buyer clearing firm, seller clearing firm), hashed into
 * buckets; or, for reports that carry a match id (880), the match id alone selects the candidates. A
 * candidate matches an incoming report when it is live, not excluded (the report being replaced),
 * has the opposite side, the same key fields and the same settlement date, and the same match id
 * ('' matches only '': a report with a match id never matches one without). Among several
 * candidates the oldest (lowest arrival sequence) wins, so matching is deterministic.
 *
 * Entries live in struct-of-arrays pools with a free list; strings are kept by reference. Inserting
 * allocates only when the pool or a match-id Map grows.
 *
 * Owned by the engine's thread.
 */

function mixHash(sec: number, qty: number, price: number, tradeDate: number, buyer: number, seller: number): number {
  let h = Math.imul(sec ^ 0x2545f491, 0x9e3779b1);
  h = Math.imul(h ^ (qty | 0) ^ ((qty / 4294967296) | 0), 0x85ebca77);
  h = Math.imul(h ^ (price | 0) ^ ((price / 4294967296) | 0), 0xc2b2ae3d);
  h = Math.imul(h ^ tradeDate, 0x27d4eb2f);
  h = Math.imul(h ^ buyer, 0x165667b1);
  h = Math.imul(h ^ seller, 0x9e3779b1);
  h ^= h >>> 15;
  return h;
}

export class MatchingBook {
  /** Live entries. */
  size = 0;
  /** Next arrival sequence number. */
  private seqNext = 1;
  private cap: number;
  private freeHead = -1;
  private used = 0;
  security: Int32Array;
  qty: Float64Array;
  price: Float64Array;
  tradeDate: Int32Array;
  settlDate: Int32Array;
  /** Buyer and seller clearing firms (member slots). */
  buyer: Int32Array;
  seller: Int32Array;
  /** Side of the report (1 buy, 2 sell); its member is buyer or seller accordingly. */
  side: Uint8Array;
  account: Int32Array;
  trdType: Int32Array;
  /** Clearing business date the report arrived on. */
  businessDate: Int32Array;
  seq: Float64Array;
  live: Uint8Array;
  excluded: Uint8Array;
  reportId: string[];
  executingFirm: string[];
  matchId: string[];
  private next: Int32Array;
  private nextByMatch: Int32Array;
  private buckets: Int32Array;
  private bucketMask: number;
  private byMatchId = new Map<string, number>();

  constructor(capacity = 1024) {
    let c = 16;
    while (c < capacity) c *= 2;
    this.cap = c;
    this.security = prefault(new Int32Array(c));
    this.qty = prefault(new Float64Array(c));
    this.price = prefault(new Float64Array(c));
    this.tradeDate = prefault(new Int32Array(c));
    this.settlDate = prefault(new Int32Array(c));
    this.buyer = prefault(new Int32Array(c));
    this.seller = prefault(new Int32Array(c));
    this.side = prefault(new Uint8Array(c));
    this.account = prefault(new Int32Array(c));
    this.trdType = prefault(new Int32Array(c));
    this.businessDate = prefault(new Int32Array(c));
    this.seq = prefault(new Float64Array(c));
    this.live = prefault(new Uint8Array(c));
    this.excluded = prefault(new Uint8Array(c));
    this.reportId = new Array<string>(c).fill('');
    this.executingFirm = new Array<string>(c).fill('');
    this.matchId = new Array<string>(c).fill('');
    this.next = new Int32Array(c).fill(-1);
    this.nextByMatch = new Int32Array(c).fill(-1);
    this.buckets = new Int32Array(c * 2).fill(-1);
    this.bucketMask = c * 2 - 1;
  }

  /** The oldest live, non-excluded mirror of the described report, or -1. */
  findMirror(
    sec: number,
    qty: number,
    price: number,
    tradeDate: number,
    settlDate: number,
    buyer: number,
    seller: number,
    side: number,
    matchId: string,
  ): number {
    let best = -1;
    let bestSeq = Infinity;
    if (matchId !== '') {
      const head = this.byMatchId.get(matchId);
      for (let e = head === undefined ? -1 : head; e >= 0; e = this.nextByMatch[e]) {
        if (this.isMirror(e, sec, qty, price, tradeDate, settlDate, buyer, seller, side) && this.seq[e] < bestSeq) {
          best = e;
          bestSeq = this.seq[e];
        }
      }
      return best;
    }
    const h = mixHash(sec, qty, price, tradeDate, buyer, seller) & this.bucketMask;
    for (let e = this.buckets[h]; e >= 0; e = this.next[e]) {
      if (this.matchId[e] === '' && this.isMirror(e, sec, qty, price, tradeDate, settlDate, buyer, seller, side) && this.seq[e] < bestSeq) {
        best = e;
        bestSeq = this.seq[e];
      }
    }
    return best;
  }

  private isMirror(
    e: number,
    sec: number,
    qty: number,
    price: number,
    tradeDate: number,
    settlDate: number,
    buyer: number,
    seller: number,
    side: number,
  ): boolean {
    return (
      this.live[e] === 1 &&
      this.excluded[e] === 0 &&
      this.side[e] !== side &&
      this.security[e] === sec &&
      this.qty[e] === qty &&
      this.price[e] === price &&
      this.tradeDate[e] === tradeDate &&
      this.settlDate[e] === settlDate &&
      this.buyer[e] === buyer &&
      this.seller[e] === seller
    );
  }

  /** Add a report; returns its entry index. */
  insert(
    sec: number,
    qty: number,
    price: number,
    tradeDate: number,
    settlDate: number,
    buyer: number,
    seller: number,
    side: number,
    account: number,
    trdType: number,
    businessDate: number,
    reportId: string,
    executingFirm: string,
    matchId: string,
  ): number {
    let e: number;
    if (this.freeHead >= 0) {
      e = this.freeHead;
      this.freeHead = this.next[e];
    } else {
      if (this.used === this.cap) this.grow();
      e = this.used++;
    }
    this.security[e] = sec;
    this.qty[e] = qty;
    this.price[e] = price;
    this.tradeDate[e] = tradeDate;
    this.settlDate[e] = settlDate;
    this.buyer[e] = buyer;
    this.seller[e] = seller;
    this.side[e] = side;
    this.account[e] = account;
    this.trdType[e] = trdType;
    this.businessDate[e] = businessDate;
    this.seq[e] = this.seqNext++;
    this.live[e] = 1;
    this.excluded[e] = 0;
    this.reportId[e] = reportId;
    this.executingFirm[e] = executingFirm;
    this.matchId[e] = matchId;
    if (matchId !== '') {
      const head = this.byMatchId.get(matchId);
      this.nextByMatch[e] = head === undefined ? -1 : head;
      this.byMatchId.set(matchId, e);
      this.next[e] = -1;
    } else {
      const h = mixHash(sec, qty, price, tradeDate, buyer, seller) & this.bucketMask;
      this.next[e] = this.buckets[h];
      this.buckets[h] = e;
    }
    this.size++;
    return e;
  }

  /** Remove a live entry (matched, cancelled or replaced). */
  remove(e: number): void {
    const id = this.matchId[e];
    if (id !== '') {
      let prev = -1;
      let cur = this.byMatchId.get(id) ?? -1;
      while (cur >= 0 && cur !== e) {
        prev = cur;
        cur = this.nextByMatch[cur];
      }
      if (prev < 0) {
        const nx = this.nextByMatch[e];
        if (nx < 0) this.byMatchId.delete(id);
        else this.byMatchId.set(id, nx);
      } else this.nextByMatch[prev] = this.nextByMatch[e];
      this.nextByMatch[e] = -1;
    } else {
      const h = mixHash(this.security[e], this.qty[e], this.price[e], this.tradeDate[e], this.buyer[e], this.seller[e]) & this.bucketMask;
      let prev = -1;
      let cur = this.buckets[h];
      while (cur >= 0 && cur !== e) {
        prev = cur;
        cur = this.next[cur];
      }
      if (prev < 0) this.buckets[h] = this.next[e];
      else this.next[prev] = this.next[e];
    }
    this.live[e] = 0;
    this.excluded[e] = 0;
    this.reportId[e] = '';
    this.executingFirm[e] = '';
    this.matchId[e] = '';
    this.next[e] = this.freeHead;
    this.freeHead = e;
    this.size--;
  }

  /** Live entry indexes in arrival order (reads; allocates). */
  liveEntries(): number[] {
    const out: number[] = [];
    for (let e = 0; e < this.used; e++) if (this.live[e] === 1) out.push(e);
    return out.sort((x, y) => this.seq[x] - this.seq[y]);
  }

  private grow(): void {
    const c = this.cap * 2;
    const g = <T extends Int32Array | Float64Array | Uint8Array>(old: T, make: (n: number) => T): T => {
      const x = prefault(make(c), old.length);
      x.set(old);
      return x;
    };
    const i32 = (n: number): Int32Array => new Int32Array(n);
    this.security = g(this.security, i32);
    this.qty = g(this.qty, (n) => new Float64Array(n));
    this.price = g(this.price, (n) => new Float64Array(n));
    this.tradeDate = g(this.tradeDate, i32);
    this.settlDate = g(this.settlDate, i32);
    this.buyer = g(this.buyer, i32);
    this.seller = g(this.seller, i32);
    this.side = g(this.side, (n) => new Uint8Array(n));
    this.account = g(this.account, i32);
    this.trdType = g(this.trdType, i32);
    this.businessDate = g(this.businessDate, i32);
    this.seq = g(this.seq, (n) => new Float64Array(n));
    this.live = g(this.live, (n) => new Uint8Array(n));
    this.excluded = g(this.excluded, (n) => new Uint8Array(n));
    this.next = g(this.next, i32);
    this.next.fill(-1, this.cap);
    this.nextByMatch = g(this.nextByMatch, i32);
    this.nextByMatch.fill(-1, this.cap);
    for (let i = this.cap; i < c; i++) {
      this.reportId.push('');
      this.executingFirm.push('');
      this.matchId.push('');
    }
    // Rehash the key buckets (match-id chains are unaffected by capacity).
    this.buckets = new Int32Array(c * 2).fill(-1);
    this.bucketMask = c * 2 - 1;
    for (let e = 0; e < this.used; e++) {
      if (this.live[e] !== 1 || this.matchId[e] !== '') continue;
      const h = mixHash(this.security[e], this.qty[e], this.price[e], this.tradeDate[e], this.buyer[e], this.seller[e]) & this.bucketMask;
      this.next[e] = this.buckets[h];
      this.buckets[h] = e;
    }
    this.cap = c;
  }
}
