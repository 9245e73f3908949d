/**
 * Reference-data index: validates the invariants the engine relies on and maps identifiers to slots,
 * once, at construction.
 *
 * Slots are the indexes of `refdata.members` and `refdata.securities` as given (the margin and
 * collateral books use the same numbering). Lookups by string are `Map.get` (no allocation).
 *
 * Invariants checked (GatewayError ENGINE_REFDATA_*, naming the entry, the field and the value):
 * - securities: ISIN check digit; CUSIP check digit and equal to ISIN characters 3..11 when given;
 *   ISIN and CUSIP unique; currency 3 letters A-Z; lotSize a positive safe integer; price a safe
 *   integer >= 0 (0 = no reference price); priceBandBps an integer 0..10000.
 * - members: id 1..8 of A-Z 0-9, unique; LEI check digits; accounts non-empty, unique, <= 16
 *   characters (the journal's AccountId); limits: grossNotionalPerDay and exposureOverCollateral
 *   bigints >= 0, netPositionPerSecurity a safe integer >= 0.
 *
 * Owned by the engine's thread; immutable after construction.
 */
import { GatewayError } from '../codec/errors.js';
import { isValidCusip, isValidIsin, isValidLei, isValidMemberId } from '../codec/ids.js';
import { EngineErrorCode } from './errors.js';
import type { MemberDef, RefData, SecurityDef } from './types.js';

const CURRENCY = /^[A-Z]{3}$/;
export const ACCOUNT_MAX_LENGTH = 16;

export class RefIndex {
  readonly securities: readonly SecurityDef[];
  readonly members: readonly MemberDef[];
  private readonly byIsin = new Map<string, number>();
  private readonly byCusip = new Map<string, number>();
  private readonly byMember = new Map<string, number>();
  /** Per member: account name → account index (0 = '' the default account, i+1 = accounts[i]). */
  private readonly accounts: Map<string, number>[] = [];

  constructor(refdata: RefData) {
    this.securities = refdata.securities;
    this.members = refdata.members;
    refdata.securities.forEach((s, i) => this.addSecurity(s, i));
    refdata.members.forEach((m, i) => this.addMember(m, i));
  }

  /** Security slot of an ISIN, or -1. */
  isinSlot(isin: string): number {
    const s = this.byIsin.get(isin);
    return s === undefined ? -1 : s;
  }

  /** Security slot of a CUSIP, or -1. */
  cusipSlot(cusip: string): number {
    const s = this.byCusip.get(cusip);
    return s === undefined ? -1 : s;
  }

  /** Member slot of a member id, or -1. */
  memberSlot(id: string): number {
    const s = this.byMember.get(id);
    return s === undefined ? -1 : s;
  }

  /** Account index within a member (0 for ''), or -1 when the member has no such account. */
  accountIndex(memberSlot: number, account: string): number {
    if (account === '') return 0;
    // Members have a handful of accounts: a scan (identity first) beats a Map lookup.
    const list = this.members[memberSlot].accounts;
    if (list.length <= 8) {
      for (let i = 0; i < list.length; i++) if (list[i] === account) return i + 1;
      return -1;
    }
    const a = this.accounts[memberSlot].get(account);
    return a === undefined ? -1 : a;
  }

  /** Account name of an account index ('' for 0). */
  accountName(memberSlot: number, index: number): string {
    return index === 0 ? '' : this.members[memberSlot].accounts[index - 1];
  }

  private addSecurity(s: SecurityDef, i: number): void {
    const bad = (field: string, value: unknown, why: string): never => {
      throw new GatewayError(EngineErrorCode.ENGINE_REFDATA_SECURITY, `securities[${i}] (${String(s.isin)}) ${field} ${JSON.stringify(value)}: ${why}`, {
        index: i,
        field,
        value: typeof value === 'bigint' ? value.toString() : value,
      });
    };
    if (typeof s.isin !== 'string' || !isValidIsin(s.isin)) bad('isin', s.isin, 'not an ISIN with a valid check digit');
    if (s.cusip !== undefined) {
      if (!isValidCusip(s.cusip)) bad('cusip', s.cusip, 'not a CUSIP with a valid check digit');
      if (s.isin.slice(2, 11) !== s.cusip) bad('cusip', s.cusip, `is not the ISIN's national number ${s.isin.slice(2, 11)}`);
    }
    if (typeof s.currency !== 'string' || !CURRENCY.test(s.currency)) bad('currency', s.currency, 'must be an ISO 4217 code (3 letters)');
    if (!Number.isSafeInteger(s.lotSize) || s.lotSize < 1) bad('lotSize', s.lotSize, 'must be a positive integer');
    if (!Number.isSafeInteger(s.price) || s.price < 0) bad('price', s.price, 'must be a safe integer >= 0 (10^-9)');
    if (!Number.isInteger(s.priceBandBps) || s.priceBandBps < 0 || s.priceBandBps > 10_000) bad('priceBandBps', s.priceBandBps, 'must be an integer 0..10000');
    if (typeof s.depositoryEligible !== 'boolean') bad('depositoryEligible', s.depositoryEligible, 'must be a boolean');
    const dupe = (kind: string, key: string, other: number): never => {
      throw new GatewayError(EngineErrorCode.ENGINE_REFDATA_DUPLICATE_SECURITY, `securities[${i}] ${kind} ${key} is also securities[${other}]`, {
        index: i,
        other,
        key,
      });
    };
    const prev = this.byIsin.get(s.isin);
    if (prev !== undefined) dupe('ISIN', s.isin, prev);
    this.byIsin.set(s.isin, i);
    if (s.cusip !== undefined) {
      const pc = this.byCusip.get(s.cusip);
      if (pc !== undefined) dupe('CUSIP', s.cusip, pc);
      this.byCusip.set(s.cusip, i);
    }
  }

  private addMember(m: MemberDef, i: number): void {
    const bad = (field: string, value: unknown, why: string): never => {
      throw new GatewayError(EngineErrorCode.ENGINE_REFDATA_MEMBER, `members[${i}] (${String(m.id)}) ${field} ${JSON.stringify(typeof value === 'bigint' ? value.toString() : value)}: ${why}`, {
        index: i,
        field,
        value: typeof value === 'bigint' ? value.toString() : value,
      });
    };
    if (typeof m.id !== 'string' || !isValidMemberId(m.id)) bad('id', m.id, 'must be 1 to 8 characters A-Z 0-9');
    if (typeof m.lei !== 'string' || !isValidLei(m.lei)) bad('lei', m.lei, 'not an LEI with valid ISO 7064 check digits');
    if (typeof m.active !== 'boolean') bad('active', m.active, 'must be a boolean');
    const acc = new Map<string, number>();
    m.accounts.forEach((a, k) => {
      if (typeof a !== 'string' || a.length === 0 || a.length > ACCOUNT_MAX_LENGTH)
        bad(`accounts[${k}]`, a, `must be 1 to ${ACCOUNT_MAX_LENGTH} characters ('' is the implicit default account)`);
      if (acc.has(a)) bad(`accounts[${k}]`, a, 'duplicate account');
      acc.set(a, k + 1);
    });
    const l = m.limits;
    if (typeof l.grossNotionalPerDay !== 'bigint' || l.grossNotionalPerDay < 0n) bad('limits.grossNotionalPerDay', l.grossNotionalPerDay, 'must be a bigint >= 0');
    if (typeof l.exposureOverCollateral !== 'bigint' || l.exposureOverCollateral < 0n)
      bad('limits.exposureOverCollateral', l.exposureOverCollateral, 'must be a bigint >= 0');
    if (!Number.isSafeInteger(l.netPositionPerSecurity) || l.netPositionPerSecurity < 0)
      bad('limits.netPositionPerSecurity', l.netPositionPerSecurity, 'must be a safe integer >= 0');
    const prev = this.byMember.get(m.id);
    if (prev !== undefined)
      throw new GatewayError(EngineErrorCode.ENGINE_REFDATA_DUPLICATE_MEMBER, `members[${i}] id ${m.id} is also members[${prev}]`, { index: i, other: prev, id: m.id });
    this.byMember.set(m.id, i);
    this.accounts.push(acc);
  }
}
