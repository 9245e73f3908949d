/**
 * Generators and an independent model for the engine's property tests (property.test.ts). Not a test
 * file itself.
 *
 * Universe: 5 synthetic members (accounts HOUSE, CUST) and 4 securities built on fixtures.ts's
 * syntheticRefData: S0 has a ±10% price band, S1 a round lot of 100, S2 no band, S3 a ±5% band. The
 * clearing business date is Thursday 2026-01-15 (BIZ); trade dates are 2026-01-14 or -15, so T+1 is
 * 2026-01-15 or -16, and explicit settlement dates come from SETTL_DATES.
 *
 * A scenario is a list of *units*, each independent of the others: a member's two-sided (locked-in)
 * report, a venue's locked-in report, or a pair of one-sided reports (adjacent, either order) that
 * match each other, optionally followed by an amendment: a cancel, or a replace by a new two-sided
 * report of the same submitter (optionally cancelled again). Every
 * command of a scenario is valid, so the expected outcome of each is known; the model's live trades
 * are what remains after the amendments, whatever the arrival order of the units.
 *
 * The model computes positions on its own: money = codec/decimal `qtyTimesPrice` (BigInt, HALF_EVEN),
 * summed as bigint; T+1 is a fixed table, not the engine's calendar.
 */
import fc from 'fast-check';
import { qtyTimesPrice } from '../../src/codec/decimal.js';
import type { SecurityDef, TradeReport, TradeSide } from '../../src/engine/types.js';
import { TradeStatus } from '../../src/engine/types.js';
import { ClearingEngine } from '../../src/engine/engine.js';
import { BIZ, RecordingEvents, sampleConfig, syntheticRefData } from './fixtures.js';
import type { EngineEvents, RefData } from '../../src/engine/types.js';

export { BIZ };
export const NEXT_BIZ = 20260116;
export const TRADE_DATES = [20260114, 20260115] as const;
/** T+1 of each trade date (2026-01-19 is a holiday, not reached here). */
export const T_PLUS_1: Readonly<Record<number, number>> = { 20260114: 20260115, 20260115: 20260116, 20260116: 20260120 };
/** Explicit SettlDate values (0 = T+1). */
export const SETTL_DATES = [0, 20260115, 20260116, 20260120, 20260121] as const;
/** Every settlement date a scenario can produce. */
export const ALL_SETTL_DATES = [20260115, 20260116, 20260120, 20260121] as const;

export const N_MEMBERS = 5;
export const N_SECURITIES = 4;

export function proofRefData(): RefData {
  const rd = syntheticRefData(N_MEMBERS, N_SECURITIES);
  const secs: SecurityDef[] = rd.securities.map((s, i) => {
    if (i === 1) return { ...s, lotSize: 100, priceBandBps: 0 };
    if (i === 3) return { ...s, priceBandBps: 500 };
    return { ...s };
  });
  return { ...rd, securities: secs };
}

export const REFDATA = proofRefData();
export const MEMBERS: readonly string[] = REFDATA.members.map((m) => m.id);
export const ISINS: readonly string[] = REFDATA.securities.map((s) => s.isin);
const ACCOUNTS = ['', 'HOUSE', 'CUST'] as const;

/**
 * A fresh engine over the proof refdata with the real margin (MarginBook: VaR + gap add-on) and
 * collateral (CollateralBook, nothing deposited) and reject mode; the limits of the synthetic members
 * are far above anything a scenario reaches, so every valid command is accepted.
 */
export function proofEngine(events: EngineEvents = new RecordingEvents()): ClearingEngine {
  return new ClearingEngine(REFDATA, sampleConfig({ onRiskBreach: 'reject' }), events, BIZ);
}

// ------------------------------------------------------------------------------------------ deals

/** The economics of one trade; members and securities are indexes into MEMBERS / ISINS. */
export interface Deal {
  buyer: number;
  seller: number;
  buyAcct: string;
  sellAcct: string;
  sec: number;
  qty: number;
  /** 10^-9 mantissa. */
  price: number;
  tradeDate: number;
  /** 0 = T+1. */
  settlDate: number;
}

export function settlOf(d: Deal): number {
  return d.settlDate === 0 ? T_PLUS_1[d.tradeDate] : d.settlDate;
}

/**
 * A price for security `sec` (10^-9): whole cents plus a sub-cent fraction chosen to hit the rounding
 * cases of qty × price at 10^-4 — any 9-decimal fraction, none, exactly 0.00005 (a HALF_EVEN tie for
 * odd quantities), 0.000025 / 0.000075 (ties for quantities ≡ 2 mod 4), or a tiny price below 0.0001.
 * Band securities stay strictly inside their band around the refdata price.
 */
export function priceArb(sec: number): fc.Arbitrary<number> {
  const s = REFDATA.securities[sec];
  const frac = fc.oneof(
    fc.integer({ min: 0, max: 9_999_999 }),
    fc.constant(0),
    fc.constant(50_000),
    fc.constantFrom(25_000, 75_000),
  );
  if (s.priceBandBps === 0) {
    return fc.oneof(
      { weight: 4, arbitrary: fc.tuple(fc.integer({ min: 0, max: 500_000 }), frac).map(([c, f]) => Math.max(1, c * 10_000_000 + f)) },
      { weight: 1, arbitrary: fc.integer({ min: 1, max: 99_999 }) },
    );
  }
  // ref is whole cents in the synthetic refdata; stay a cent inside the band.
  const refCents = Math.floor(s.price / 10_000_000);
  const dCents = Math.floor((refCents * s.priceBandBps) / 10_000) - 1;
  return fc.tuple(fc.integer({ min: -dCents, max: dCents - 1 }), frac).map(([c, f]) => (refCents + c) * 10_000_000 + f);
}

/** A quantity: a multiple of the lot, mostly small, sometimes large (up to 10^6 units). */
export function qtyArb(sec: number): fc.Arbitrary<number> {
  const lot = REFDATA.securities[sec].lotSize;
  return fc
    .oneof({ weight: 3, arbitrary: fc.integer({ min: 1, max: 40 }) }, { weight: 1, arbitrary: fc.integer({ min: 1, max: 1_000_000 / lot }) })
    .map((k) => k * lot);
}

/**
 * A valid deal. `cross` allows an internal cross (same member both sides, two different accounts),
 * which only two-sided reports may carry.
 */
export function dealArb(cross: boolean, parties?: Pick<Deal, 'buyer' | 'seller' | 'buyAcct' | 'sellAcct'>): fc.Arbitrary<Deal> {
  const partyArb = parties
    ? fc.constant(parties)
    : fc
        .record({
          buyer: fc.nat(N_MEMBERS - 1),
          other: fc.integer({ min: cross ? 0 : 1, max: N_MEMBERS - 1 }),
          buyAcct: fc.constantFrom(...ACCOUNTS),
          sellAcct: fc.constantFrom(...ACCOUNTS),
        })
        .map(({ buyer, other, buyAcct, sellAcct }) => {
          const seller = (buyer + other) % N_MEMBERS;
          // an internal cross needs two different accounts
          if (seller === buyer && buyAcct === sellAcct) return { buyer, seller, buyAcct: 'HOUSE', sellAcct: 'CUST' };
          return { buyer, seller, buyAcct, sellAcct };
        });
  return fc
    .record({ p: partyArb, sec: fc.nat(N_SECURITIES - 1), tradeDate: fc.constantFrom(...TRADE_DATES), settlDate: fc.constantFrom(...SETTL_DATES) })
    .chain(({ p, sec, tradeDate, settlDate }) =>
      fc.record({ qty: qtyArb(sec), price: priceArb(sec) }).map(({ qty, price }) => ({ ...p, sec, qty, price, tradeDate, settlDate })),
    );
}

// ------------------------------------------------------------------------------------------ units

export type Amend =
  | { kind: 'none' }
  /** Cancel by the buyer's member (or the seller's); a two-sided report is cancelled by its submitter. */
  | { kind: 'cancel'; byBuyer: boolean }
  /** Replace by a two-sided report between the same parties (submitted by the same member), optionally cancelled after. */
  | { kind: 'replace'; byBuyer: boolean; deal: Deal; thenCancel: boolean };

export interface Unit {
  /** two: a member's two-sided report; pair: two one-sided reports; venue: a venue's locked-in report. */
  kind: 'two' | 'pair' | 'venue';
  deal: Deal;
  /** two: the buyer submits (else the seller); pair: the buy report arrives first; venue: VENUE-A (else VENUE-B). */
  buyerFirst: boolean;
  /** two, venue: the sell side is listed first in NoSides. pair: both reports carry a match id (880). */
  flag: boolean;
  amend: Amend;
  /** How many units later the amendment arrives (clamped to the end). */
  delay: number;
}

export function unitArb(amendments = true): fc.Arbitrary<Unit> {
  const two = fc.record({
    kind: fc.constant('two' as const),
    deal: dealArb(true),
    buyerFirst: fc.boolean(),
    flag: fc.boolean(),
  });
  const pair = fc.record({
    kind: fc.constant('pair' as const),
    deal: dealArb(false),
    buyerFirst: fc.boolean(),
    flag: fc.boolean(),
  });
  const venue = fc.record({
    kind: fc.constant('venue' as const),
    deal: dealArb(true),
    buyerFirst: fc.boolean(),
    flag: fc.boolean(),
  });
  return fc.oneof({ weight: 4, arbitrary: two }, { weight: 4, arbitrary: pair }, { weight: 2, arbitrary: venue }).chain((u) => {
    const parties = { buyer: u.deal.buyer, seller: u.deal.seller, buyAcct: u.deal.buyAcct, sellAcct: u.deal.sellAcct };
    const amend: fc.Arbitrary<Amend> = amendments
      ? fc.oneof(
          { weight: 6, arbitrary: fc.constant({ kind: 'none' as const }) },
          { weight: 2, arbitrary: fc.record({ kind: fc.constant('cancel' as const), byBuyer: fc.boolean() }) },
          {
            weight: 2,
            arbitrary: fc.record({ kind: fc.constant('replace' as const), byBuyer: fc.boolean(), deal: dealArb(true, parties), thenCancel: fc.boolean() }),
          },
        )
      : fc.constant({ kind: 'none' as const });
    return fc.record({ amend, delay: fc.nat(6) }).map(({ amend, delay }) => ({ ...u, amend, delay }));
  });
}

/** 1..maxUnits units, spread over the whole range (fast-check's default size would keep them short). */
export function unitsArb(maxUnits = 30, amendments = true): fc.Arbitrary<Unit[]> {
  return fc.array(unitArb(amendments), { minLength: 1, maxLength: maxUnits, size: 'max' });
}

// ------------------------------------------------------------------------------------------ commands

function sideOf(s: 1 | 2, member: number, account: string): TradeSide {
  return { side: s, clearingFirm: MEMBERS[member], executingFirm: MEMBERS[member], account };
}

function baseReport(d: Deal): Omit<TradeReport, 'submitter' | 'transType' | 'reportId' | 'refId' | 'sides' | 'sideCount'> {
  return {
    source: 'member',
    matchId: '',
    trdType: 0,
    securityId: ISINS[d.sec],
    securityIdSource: 4,
    qty: d.qty,
    price: d.price,
    currency: '',
    tradeDate: d.tradeDate,
    settlDate: d.settlDate,
    clearingBusinessDate: 0,
  };
}

/**
 * A two-sided report of deal d, submitted by the buyer (or the seller), or by `venue` (a venue's
 * locked-in report); `sellFirst` lists the sell side first.
 */
export function twoSidedReport(d: Deal, reportId: string, byBuyer: boolean, sellFirst = false, transType: 0 | 2 = 0, refId = '', venue = ''): TradeReport {
  const b = sideOf(1, d.buyer, d.buyAcct);
  const s = sideOf(2, d.seller, d.sellAcct);
  return {
    ...baseReport(d),
    source: venue === '' ? 'member' : 'venue',
    submitter: venue === '' ? MEMBERS[byBuyer ? d.buyer : d.seller] : venue,
    transType,
    reportId,
    refId,
    sides: sellFirst ? [s, b] : [b, s],
    sideCount: 2,
  };
}

/** One side's report of deal d (buy: side 1 by the buyer against the seller; sell: the mirror). */
export function oneSidedReport(d: Deal, buy: boolean, reportId: string, matchId = ''): TradeReport {
  const own = buy ? d.buyer : d.seller;
  const contra = buy ? d.seller : d.buyer;
  return {
    ...baseReport(d),
    matchId,
    submitter: MEMBERS[own],
    transType: 0,
    reportId,
    refId: '',
    sides: [sideOf(buy ? 1 : 2, own, buy ? d.buyAcct : d.sellAcct)],
    sideCount: 1,
    contraFirm: MEMBERS[contra],
  };
}

/** A cancel (487=1) by a member (index) or a venue (name). */
export function cancelReport(submitter: number | string, reportId: string, refId: string): TradeReport {
  const venue = typeof submitter === 'string';
  return {
    source: venue ? 'venue' : 'member',
    submitter: venue ? submitter : MEMBERS[submitter],
    transType: 1,
    reportId,
    refId,
    matchId: '',
    trdType: 0,
    securityId: '',
    securityIdSource: 4,
    qty: 0,
    price: 0,
    currency: '',
    tradeDate: 0,
    settlDate: 0,
    clearingBusinessDate: 0,
    sides: [],
    sideCount: 0,
  };
}

/** A command with the outcome a valid scenario must produce. */
export interface Step {
  cmd: TradeReport;
  expect: TradeStatus;
}

/** The unit's own reports (report ids are unique per scenario: U<i>, U<i>B, U<i>S). */
export function unitSteps(u: Unit, i: number): Step[] {
  if (u.kind === 'two') return [{ cmd: twoSidedReport(u.deal, `U${i}`, u.buyerFirst, u.flag), expect: TradeStatus.Accepted }];
  if (u.kind === 'venue') return [{ cmd: twoSidedReport(u.deal, `U${i}`, true, u.flag, 0, '', venueOf(u)), expect: TradeStatus.Accepted }];
  const m = u.flag ? `X${i}` : '';
  const b = oneSidedReport(u.deal, true, `U${i}B`, m);
  const s = oneSidedReport(u.deal, false, `U${i}S`, m);
  return [
    { cmd: u.buyerFirst ? b : s, expect: TradeStatus.PendingMatch },
    { cmd: u.buyerFirst ? s : b, expect: TradeStatus.Accepted },
  ];
}

function venueOf(u: Unit): string {
  return u.buyerFirst ? 'VENUE-A' : 'VENUE-B';
}

/**
 * Who amends unit u (a member index, or a venue name) and the report id it refers to: a two-sided or
 * venue report by its submitter, a matched pair by the buyer's or the seller's member.
 */
export function amender(u: Unit, i: number, byBuyer: boolean): { member: number | string; ref: string } {
  if (u.kind === 'two') return { member: u.buyerFirst ? u.deal.buyer : u.deal.seller, ref: `U${i}` };
  if (u.kind === 'venue') return { member: venueOf(u), ref: `U${i}` };
  return byBuyer ? { member: u.deal.buyer, ref: `U${i}B` } : { member: u.deal.seller, ref: `U${i}S` };
}

/** The unit's amendment commands (C<i> cancel, P<i> replace, Q<i> cancel of the replacement). */
export function amendSteps(u: Unit, i: number): Step[] {
  const a = u.amend;
  if (a.kind === 'none') return [];
  const { member, ref } = amender(u, i, a.byBuyer);
  if (a.kind === 'cancel') return [{ cmd: cancelReport(member, `C${i}`, ref), expect: TradeStatus.Cancelled }];
  const replacement =
    typeof member === 'string'
      ? twoSidedReport(a.deal, `P${i}`, true, false, 2, ref, member)
      : twoSidedReport(a.deal, `P${i}`, member === a.deal.buyer, false, 2, ref);
  const out: Step[] = [{ cmd: replacement, expect: TradeStatus.Accepted }];
  if (a.thenCancel) out.push({ cmd: cancelReport(member, `Q${i}`, `P${i}`), expect: TradeStatus.Cancelled });
  return out;
}

/**
 * The command log of a scenario with the units in `order` (a permutation of their indexes): each
 * unit's reports, and its amendments `delay` units later (always after the unit itself).
 */
export function buildLog(units: readonly Unit[], order: readonly number[] = units.map((_, i) => i)): Step[] {
  const n = order.length;
  const after: Step[][] = order.map(() => []);
  order.forEach((u, k) => after[Math.min(n - 1, k + units[u].delay)].push(...amendSteps(units[u], u)));
  const log: Step[] = [];
  order.forEach((u, k) => log.push(...unitSteps(units[u], u), ...after[k]));
  return log;
}

/** The deals live after the whole scenario (independent of order). */
export function liveDeals(units: readonly Unit[]): Deal[] {
  const out: Deal[] = [];
  for (const u of units) {
    if (u.amend.kind === 'none') out.push(u.deal);
    else if (u.amend.kind === 'replace' && !u.amend.thenCancel) out.push(u.amend.deal);
  }
  return out;
}

// ------------------------------------------------------------------------------------------ model

export interface ModelPosition {
  member: string;
  isin: string;
  settlDate: number;
  netQty: bigint;
  netMoney: bigint;
}

/** money of a deal, 10^-4: round_half_even(qty × price) with codec/decimal (BigInt). */
export function dealMoney(d: Deal): bigint {
  return qtyTimesPrice(BigInt(d.qty), BigInt(d.price));
}

/**
 * Expected net positions (member owed +): the buyer +qty / −money, the seller −qty / +money, per
 * (member, security, settlement date); an internal cross nets to nothing. Rows with qty and money both
 * zero are left out (as the engine's positions() does). Key `member|isin|settlDate`.
 */
export function modelPositions(deals: readonly Deal[]): Map<string, ModelPosition> {
  const m = new Map<string, ModelPosition>();
  const add = (member: number, d: Deal, q: bigint, money: bigint): void => {
    const k = `${MEMBERS[member]}|${ISINS[d.sec]}|${settlOf(d)}`;
    const row = m.get(k) ?? { member: MEMBERS[member], isin: ISINS[d.sec], settlDate: settlOf(d), netQty: 0n, netMoney: 0n };
    row.netQty += q;
    row.netMoney += money;
    m.set(k, row);
  };
  for (const d of deals) {
    const money = dealMoney(d);
    add(d.buyer, d, BigInt(d.qty), -money);
    add(d.seller, d, -BigInt(d.qty), money);
  }
  for (const [k, r] of m) if (r.netQty === 0n && r.netMoney === 0n) m.delete(k);
  return m;
}
