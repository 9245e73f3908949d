/**
 * Cycle computation: validates a `CycleInput` and derives, exactly, every obligation, the totals per
 * security and the money settlement per member. The writers only format what this returns.
 *
 * Modelled on NSCC's public CNS descriptions and on ISO 20022; not DTCC-certified.
 *
 * Per member × security (a row with any non-zero value):
 *   netQty         = newNetQty + failQty                          (long/receive +)
 *   contractMoney  = newMoney + failMoney                         (owed to the member +)
 *   settlementValue= |netQty| × price, HALF_EVEN to 10^-4          (codec/decimal qtyTimesPrice)
 *   dvpMoney       = −settlementValue (RECEIVE: member pays) | +settlementValue (DELIVER)
 *   markToMarket   = contractMoney − dvpMoney                     (paid outside the DVP, receives +)
 * so a member's net money (Σ dvpMoney + Σ markToMarket) equals its contract money exactly, whatever
 * the rounding of each DVP leg. A cycle is refused (nothing written) unless, per security, the
 * members' netQty sum to zero (the CCP's leg is flat: it delivers exactly what it receives) and the
 * members' contract money sums to zero (the CCP's cash leg is flat).
 *
 * Pure and deterministic; any thread.
 */
import { GatewayError } from '../codec/errors.js';
import { isValidCusip, isValidIsin, isValidLei, isValidMemberId, cusipFromIsin, type Isin } from '../codec/ids.js';
import { qtyTimesPrice, INT64_NULL } from '../codec/decimal.js';
import { ExactSum } from './bytes.js';
import { isIsoUtcDateTime, isValidYmd } from './text.js';
import {
  SettlementErrorCode,
  type CycleComputation,
  type CycleInput,
  type CycleMember,
  type CycleSecurity,
  type MoneyRow,
  type Obligation,
  type ObligationSide,
  type PostalAddress,
  type SecurityTotal,
} from './types.js';

/**
 * BIC accepted here: the intersection of the patterns of the XSDs we write (secl.010's AnyBICIdentifier
 * `[A-Z]{6}[A-Z2-9][A-NP-Z0-9]([A-Z0-9]{3})?` and head/sese's AnyBICDec2014Identifier).
 */
const BIC = /^[A-Z]{6}[A-Z2-9][A-NP-Z0-9]([A-Z0-9]{3})?$/;
const CYCLE_ID = /^[A-Za-z0-9]{1,12}$/;
const CCY = /^[A-Z]{3}$/;
const COUNTRY = /^[A-Z]{2}$/;
/** Quantities: DecimalNumber totalDigits 18. */
const MAX_QTY = 10 ** 15;

/**
 * qty × price (10^-9) as money (10^-4), HALF_EVEN, exactly as codec/decimal `qtyTimesPrice`, in
 * doubles when every intermediate is a safe integer: price = hi·10^5 + lo, so qty × price / 10^5 =
 * qty·hi + (qty·lo) / 10^5. Falls back to the BigInt function otherwise. −1 when the result is not a
 * safe integer (the caller refuses the obligation).
 */
export function settlementValue(qty: number, price: number): number {
  const lo = price % 100_000;
  const hi = (price - lo) / 100_000;
  const a = qty * hi;
  const b = qty * lo;
  if (Number.isSafeInteger(a) && Number.isSafeInteger(b)) {
    const rem = b % 100_000;
    const whole = a + (b - rem) / 100_000;
    const r = rem > 50_000 || (rem === 50_000 && whole % 2 === 1) ? whole + 1 : whole;
    if (Number.isSafeInteger(r)) return r;
    return -1;
  }
  const big = qtyTimesPrice(BigInt(qty), BigInt(price));
  return big === INT64_NULL || big > BigInt(Number.MAX_SAFE_INTEGER) ? -1 : Number(big);
}

function bad(message: string, context: Record<string, unknown> = {}): never {
  throw new GatewayError(SettlementErrorCode.INPUT, message, context);
}

function text(value: unknown, what: string, max: number, min = 1): string {
  if (typeof value !== 'string' || value.length < min || value.length > max || value.trim() !== value)
    bad(`${what} must be ${min}..${max} characters without surrounding spaces`, { what, value });
  return value;
}

function checkAddress(a: PostalAddress | undefined, what: string): void {
  if (a === undefined) return;
  if (!COUNTRY.test(a.country)) bad(`${what}.country must be an ISO 3166 alpha-2 code`, { value: a.country });
  if (a.lines !== undefined) {
    if (a.lines.length > 5) bad(`${what}.lines: at most 5 address lines`, { count: a.lines.length });
    a.lines.forEach((l, i) => text(l, `${what}.lines[${i}]`, 70));
  }
  if (a.street !== undefined) text(a.street, `${what}.street`, 70);
  if (a.buildingNumber !== undefined) text(a.buildingNumber, `${what}.buildingNumber`, 16);
  if (a.postCode !== undefined) text(a.postCode, `${what}.postCode`, 16);
  if (a.town !== undefined) text(a.town, `${what}.town`, 35);
  if (a.countrySubDivision !== undefined) text(a.countrySubDivision, `${what}.countrySubDivision`, 35);
}

function checkBic(v: string | undefined, what: string): void {
  if (v !== undefined && !BIC.test(v)) bad(`${what} is not a BIC (8 or 11 characters)`, { value: v });
}

function checkLei(v: string | undefined, what: string): void {
  if (v !== undefined && !isValidLei(v)) bad(`${what} is not a valid LEI`, { value: v });
}

function safeInt(v: unknown, what: string): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v)) bad(`${what} must be a safe integer`, { value: v });
  return v;
}

/** Instruction id (sese.023 TxId, secl.010 SttlmOblgtnId): `<cycleId>-<member>-<ISIN>`, at most 34 characters. */
export function instructionId(cycleId: string, member: string, isin: string): string {
  return `${cycleId}-${member}-${isin}`;
}

/** Parse an instruction id back into its parts; undefined when it is not of this scheme. */
export function parseInstructionId(id: string): { cycleId: string; member: string; isin: string } | undefined {
  const m = /^([A-Za-z0-9]{1,12})-([A-Z0-9]{1,8})-([A-Z0-9]{12})$/.exec(id);
  return m ? { cycleId: m[1]!, member: m[2]!, isin: m[3]! } : undefined;
}

/**
 * An obligation as stored: the inputs and the settlement value; everything else is derived on read
 * (fewer boxed numbers per row: ~600,000 rows in a large cycle).
 */
class ObligationRow implements Obligation {
  constructor(
    readonly member: CycleMember,
    readonly security: CycleSecurity,
    readonly newNetQty: number,
    readonly failQty: number,
    readonly newMoney: number,
    readonly failMoney: number,
    readonly failSettlDate: number,
    readonly settlementValue: number,
    private readonly cycleId: string,
  ) {}
  get netQty(): number {
    return this.newNetQty + this.failQty;
  }
  get quantity(): number {
    return Math.abs(this.newNetQty + this.failQty);
  }
  get side(): ObligationSide {
    const q = this.newNetQty + this.failQty;
    return q > 0 ? 'RECEIVE' : q < 0 ? 'DELIVER' : 'FLAT';
  }
  get contractMoney(): number {
    return this.newMoney + this.failMoney;
  }
  get dvpMoney(): number {
    return this.newNetQty + this.failQty > 0 ? -this.settlementValue : this.settlementValue;
  }
  get markToMarket(): number {
    return this.contractMoney - this.dvpMoney;
  }
  private id: string | undefined;
  get instructionId(): string {
    return (this.id ??= this.newNetQty + this.failQty === 0 ? '' : instructionId(this.cycleId, this.member.id, this.security.isin));
  }
}

/** The sides in the order of the totals rows (RECEIVE, DELIVER, FLAT); `sideIndex` maps a side to its slot. */
export const SIDES = ['RECEIVE', 'DELIVER', 'FLAT'] as const;

export function sideIndex(side: ObligationSide): number {
  return side === 'RECEIVE' ? 0 : side === 'DELIVER' ? 1 : 2;
}

/** Exact sums of a group of obligations (one security's or the cycle's, of one side). */
export class GroupSum {
  count = 0;
  readonly quantity = new ExactSum();
  readonly amount = new ExactSum();
  readonly failQty = new ExactSum();
  readonly markToMarket = new ExactSum();
  readonly netQty = new ExactSum();
  readonly newNetQty = new ExactSum();
  readonly newMoney = new ExactSum();
  readonly failMoney = new ExactSum();
  readonly contractMoney = new ExactSum();

  add(o: Obligation): void {
    this.count++;
    this.quantity.add(o.quantity);
    this.amount.add(o.settlementValue);
    this.failQty.add(o.failQty);
    this.markToMarket.add(o.markToMarket);
    this.netQty.add(o.netQty);
    this.newNetQty.add(o.newNetQty);
    this.newMoney.add(o.newMoney);
    this.failMoney.add(o.failMoney);
    this.contractMoney.add(o.contractMoney);
  }
}

/** Validate the input (throws SETTLEMENT_INPUT naming the field) and compute the cycle. */
export function computeCycle(input: CycleInput): CycleComputation {
  if (!CYCLE_ID.test(input.cycleId)) bad('cycleId must be 1..12 characters A-Z a-z 0-9', { value: input.cycleId });
  if (!isValidYmd(input.settlDate)) bad('settlDate must be a real date yyyymmdd', { value: input.settlDate });
  if (!isValidYmd(input.businessDate)) bad('businessDate must be a real date yyyymmdd', { value: input.businessDate });
  if (input.businessDate > input.settlDate) bad('businessDate is after settlDate', { businessDate: input.businessDate, settlDate: input.settlDate });
  if (!isIsoUtcDateTime(input.createdAt)) bad('createdAt must be an ISO 8601 UTC date-time (2026-11-24T22:00:00Z)', { value: input.createdAt });
  if (!CCY.test(input.currency)) bad('currency must be an ISO 4217 code', { value: input.currency });

  const { ccp, depository: dep } = input;
  checkBic(ccp.bic, 'ccp.bic');
  if (ccp.bic === undefined) bad('ccp.bic is required');
  checkLei(ccp.lei, 'ccp.lei');
  if (ccp.lei === undefined) bad('ccp.lei is required');
  text(ccp.name, 'ccp.name', 140);
  checkBic(dep.bic, 'depository.bic');
  checkLei(dep.lei, 'depository.lei');
  text(dep.name, 'depository.name', 140);
  text(dep.safekeepingAccount, 'depository.safekeepingAccount', 35);
  if (dep.businessService !== undefined) text(dep.businessService, 'depository.businessService', 35);
  if (dep.bic === undefined && dep.address === undefined) bad('depository: give a bic or an address');
  checkAddress(dep.address, 'depository.address');

  // Members, sorted by id (stable output order whatever the input order).
  const members = [...input.members].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const memberIndex = new Map<string, number>();
  members.forEach((m, i) => {
    if (!isValidMemberId(m.id)) bad('member id must be 1..8 characters A-Z 0-9', { value: m.id });
    if (memberIndex.has(m.id)) bad('duplicate member', { member: m.id });
    memberIndex.set(m.id, i);
    checkLei(m.lei, `member ${m.id} lei`);
    if (m.lei === undefined) bad(`member ${m.id}: lei is required`);
    checkBic(m.bic, `member ${m.id} bic`);
    text(m.name, `member ${m.id} name`, 140);
    text(m.cashAccount, `member ${m.id} cashAccount`, 34);
    text(m.securitiesAccount, `member ${m.id} securitiesAccount`, 35);
  });

  const securities = new Map<string, CycleSecurity>();
  for (const s of input.securities) {
    if (!isValidIsin(s.isin)) bad('invalid ISIN', { value: s.isin });
    if (securities.has(s.isin)) bad('duplicate security', { isin: s.isin });
    if (s.cusip !== undefined) {
      if (!isValidCusip(s.cusip)) bad('invalid CUSIP', { isin: s.isin, value: s.cusip });
      const fromIsin = cusipFromIsin(s.isin as Isin);
      if (fromIsin !== undefined && fromIsin !== s.cusip) bad('CUSIP does not match the ISIN', { isin: s.isin, cusip: s.cusip });
    }
    if (!Number.isSafeInteger(s.price) || s.price <= 0) bad('price must be a positive safe integer (10^-9)', { isin: s.isin, value: s.price });
    if (s.currency !== undefined && s.currency !== input.currency)
      bad('security currency differs from the cycle currency', { isin: s.isin, currency: s.currency, cycle: input.currency });
    securities.set(s.isin, s);
  }

  // Positions → obligations, sorted (member, ISIN); a duplicate (member, ISIN) is found next to its twin.
  const obligations: Obligation[] = [];
  for (const p of input.positions) {
    const mi = memberIndex.get(p.member);
    if (mi === undefined) bad('position of an unknown member', { member: p.member, isin: p.isin });
    const sec = securities.get(p.isin);
    if (sec === undefined) bad('position in an unknown security', { member: p.member, isin: p.isin });
    const newNetQty = safeInt(p.netQty, 'netQty');
    const failQty = safeInt(p.failQty ?? 0, 'failQty');
    const newMoney = safeInt(p.netMoney, 'netMoney');
    const failMoney = safeInt(p.failMoney ?? 0, 'failMoney');
    const failSettlDate = p.failSettlDate ?? input.settlDate;
    if (!isValidYmd(failSettlDate) || failSettlDate > input.settlDate)
      bad('failSettlDate must be a real date not after settlDate', { member: p.member, isin: p.isin, value: failSettlDate });
    if (newNetQty === 0 && failQty === 0 && newMoney === 0 && failMoney === 0) continue;
    const netQty = newNetQty + failQty;
    if (Math.abs(netQty) > MAX_QTY) bad('net quantity out of range', { member: p.member, isin: p.isin, netQty });
    const quantity = Math.abs(netQty);
    const value = quantity === 0 ? 0 : settlementValue(quantity, sec.price);
    const contractMoney = newMoney + failMoney;
    const dvpMoney = netQty > 0 ? -value : value;
    const markToMarket = contractMoney - dvpMoney;
    if (value < 0 || !Number.isSafeInteger(contractMoney) || !Number.isSafeInteger(markToMarket))
      bad('obligation money beyond the safe integer range (±2^53 × 10^-4)', { member: p.member, isin: p.isin });
    const member = members[mi]!;
    obligations.push(new ObligationRow(member, sec, newNetQty, failQty, newMoney, failMoney, failSettlDate, value, input.cycleId));
  }
  obligations.sort((a, b) =>
    a.member.id < b.member.id ? -1 : a.member.id > b.member.id ? 1 : a.security.isin < b.security.isin ? -1 : a.security.isin > b.security.isin ? 1 : 0,
  );
  for (let k = 1; k < obligations.length; k++) {
    const a = obligations[k - 1]!;
    const b = obligations[k]!;
    if (a.member === b.member && a.security === b.security) bad('duplicate position (member, isin)', { member: b.member.id, isin: b.security.isin });
  }

  // Per security totals (sums per side) and the CCP's flat-leg check.
  const bySecurity = new Map<CycleSecurity, (GroupSum | undefined)[]>();
  for (const o of obligations) {
    let g = bySecurity.get(o.security);
    if (g === undefined) bySecurity.set(o.security, (g = []));
    (g[sideIndex(o.side)] ??= new GroupSum()).add(o);
  }
  const securityTotals: SecurityTotal[] = [];
  for (const [security, [rec, del, flat]] of bySecurity) {
    const sum = (f: (g: GroupSum) => ExactSum): bigint => (rec ? f(rec).value : 0n) + (del ? f(del).value : 0n) + (flat ? f(flat).value : 0n);
    securityTotals.push({
      security,
      receiveQty: rec?.quantity.value ?? 0n,
      deliverQty: del?.quantity.value ?? 0n,
      receiveValue: rec?.amount.value ?? 0n,
      deliverValue: del?.amount.value ?? 0n,
      newNetQty: sum((g) => g.newNetQty),
      failQty: sum((g) => g.failQty),
      netQty: sum((g) => g.netQty),
      contractMoney: sum((g) => g.contractMoney),
      markToMarket: sum((g) => g.markToMarket),
      obligations: (rec?.count ?? 0) + (del?.count ?? 0) + (flat?.count ?? 0),
      // FLAT rows have no instruction.
      instructions: (rec?.count ?? 0) + (del?.count ?? 0),
    });
  }
  securityTotals.sort((a, b) => (a.security.isin < b.security.isin ? -1 : 1));
  const unbalanced = securityTotals.filter((t) => t.netQty !== 0n);
  if (unbalanced.length > 0)
    throw new GatewayError(
      SettlementErrorCode.UNBALANCED_QTY,
      `members' net quantities do not sum to zero in ${unbalanced.length} securit${unbalanced.length === 1 ? 'y' : 'ies'} (first ${unbalanced[0]!.security.isin}: CCP leg ${-unbalanced[0]!.netQty})`,
      { securities: unbalanced.slice(0, 20).map((t) => ({ isin: t.security.isin, ccpLeg: (-t.netQty).toString() })) },
    );

  // Money settlement per member, the CCP's leg, the total.
  const byMember: MoneyRow[] = members.map((m) => ({
    kind: 'MEMBER',
    party: m.id,
    lei: m.lei,
    cashAccount: m.cashAccount,
    dvpPaid: 0n,
    dvpReceived: 0n,
    markToMarket: 0n,
    net: 0n,
  }));
  const instructionsByMember = new Map<string, Obligation[]>();
  let instructionCount = 0;
  const paid = members.map(() => new ExactSum());
  const received = members.map(() => new ExactSum());
  const mtm = members.map(() => new ExactSum());
  for (const o of obligations) {
    const k = memberIndex.get(o.member.id)!;
    if (o.side === 'RECEIVE') paid[k]!.add(o.settlementValue);
    else if (o.side === 'DELIVER') received[k]!.add(o.settlementValue);
    mtm[k]!.add(o.markToMarket);
    if (o.instructionId !== '') {
      let list = instructionsByMember.get(o.member.id);
      if (list === undefined) instructionsByMember.set(o.member.id, (list = []));
      list.push(o);
      instructionCount++;
    }
  }
  byMember.forEach((r, k) => {
    r.dvpPaid = paid[k]!.value;
    r.dvpReceived = received[k]!.value;
    r.markToMarket = mtm[k]!.value;
  });
  const ccpRow: MoneyRow = { kind: 'CCP', party: ccp.bic, lei: ccp.lei, cashAccount: '', dvpPaid: 0n, dvpReceived: 0n, markToMarket: 0n, net: 0n };
  for (const r of byMember) {
    r.net = r.dvpReceived - r.dvpPaid + r.markToMarket;
    ccpRow.dvpPaid += r.dvpReceived;
    ccpRow.dvpReceived += r.dvpPaid;
    ccpRow.markToMarket -= r.markToMarket;
  }
  ccpRow.net = ccpRow.dvpReceived - ccpRow.dvpPaid + ccpRow.markToMarket;
  if (ccpRow.net !== 0n)
    throw new GatewayError(
      SettlementErrorCode.UNBALANCED_MONEY,
      `members' contract money does not sum to zero: the CCP's cash leg would be ${ccpRow.net} (10^-4)`,
      { ccpNet: ccpRow.net.toString() },
    );
  const total: MoneyRow = { kind: 'TOTAL', party: '', lei: '', cashAccount: '', dvpPaid: 0n, dvpReceived: 0n, markToMarket: 0n, net: 0n };
  for (const r of [...byMember, ccpRow]) {
    total.dvpPaid += r.dvpPaid;
    total.dvpReceived += r.dvpReceived;
    total.markToMarket += r.markToMarket;
    total.net += r.net;
  }
  // By construction; asserted because the money file promises it.
  if (total.net !== 0n || total.markToMarket !== 0n || total.dvpPaid !== total.dvpReceived)
    throw new Error(`internal: money summary does not sum to zero (${total.net}, ${total.markToMarket})`);

  return {
    input,
    obligations,
    securityTotals,
    money: [...byMember, ccpRow, total],
    members: members as CycleMember[],
    instructionsByMember,
    instructionCount,
  };
}
