/**
 * FIX → clearing engine commands: the TradeCaptureReport (35=AE) reader and the small readers the
 * clearing adapter (clearing-adapter.ts) shares for the other post-trade messages. The session layer
 * has already checked the message against its data dictionary (FIX 4.4, or FIXT.1.1 + FIX 5.0 SP2),
 * so required fields are present and typed; what is left is clearing semantics.
 *
 * TradeCaptureReport → TradeReport (engine/types.ts), one reused object:
 *   571 TradeReportID (required: absent on FIXT → BusinessMessageReject 380=5), 487 TradeReportTransType
 *   (absent = 0 new), 572 TradeReportRefID, 880 TrdMatchID, 828 TrdType (absent = 0), 48 SecurityID +
 *   22 SecurityIDSource (4 ISIN, 1 CUSIP), 32 LastQty (integer, exact), 31 LastPx (exact at 10^-9:
 *   more decimals is not representable → NaN → the engine's reject), 15 Currency (the message's or, in
 *   FIX 4.4 where it lives in the side, the first side's), 75 TradeDate, 64 SettlDate (absent = T+n),
 *   715 ClearingBusinessDate (absent = today's), NoSides 552 with Side 54 and NoPartyIDs 453 of the
 *   side: PartyRole 4 clearing firm, 1 executing firm (absent = the clearing firm), 24 customer
 *   account (Account 1 of the side wins when both are given), 17 contra firm (one-sided reports).
 *   Values that do not parse become NaN or '' and the engine rejects them with its reason (751) and
 *   text, so that every business-level problem is answered by an AR.
 *
 * Allocation: strings that repeat (firms, accounts, ISINs, currencies) come from an Interner (a byte-
 * keyed table of the strings seen, so a repeated value allocates nothing); per-report strings
 * (TradeReportID, 572, 880) are allocated, as the engine keeps them.
 *
 * Thread: the gateway's JS thread.
 */
import { PRICE_EXPONENT } from '../codec/decimal.js';
import { FixGroup, type FixMessage, type FixScope } from '../fix/message.js';
import type { RefIndex } from '../engine/refdata.js';
import type { TradeReport, TradeSide } from '../engine/types.js';

/**
 * Strings by their bytes: `get(scope, tag)` returns the field's value as a string, the same string
 * object for the same bytes (no allocation once seen). Bounded: past `capacity` entries new values are
 * returned without being kept. Thread: the caller's.
 */
export class Interner {
  readonly #mask: number;
  readonly #hashes: Int32Array;
  readonly #bytes: (Uint8Array | undefined)[];
  readonly #strings: (string | undefined)[];
  #size = 0;

  constructor(readonly capacity = 8192) {
    let n = 16;
    while (n < capacity * 2) n *= 2;
    this.#mask = n - 1;
    this.#hashes = new Int32Array(n);
    this.#bytes = new Array<Uint8Array | undefined>(n);
    this.#strings = new Array<string | undefined>(n);
  }

  /** The value of `tag` at the scope's level; `absent` when the tag is not there. */
  get(scope: FixScope, tag: number, absent = ''): string {
    const i = scope.indexOf(tag);
    if (i < 0) return absent;
    return this.of(scope.buffer, scope.valueOffset(i), scope.valueLength(i));
  }

  /** The latin1 string of bytes[start, start + length). */
  of(bytes: Uint8Array, start: number, length: number): string {
    let h = 0x811c9dc5 | 0;
    for (let k = 0; k < length; k++) h = Math.imul(h ^ bytes[start + k]!, 0x01000193);
    for (let slot = h & this.#mask; ; slot = (slot + 1) & this.#mask) {
      const b = this.#bytes[slot];
      if (b === undefined) {
        const s = latin1(bytes, start, length);
        if (this.#size < this.capacity) {
          this.#hashes[slot] = h;
          this.#bytes[slot] = bytes.slice(start, start + length);
          this.#strings[slot] = s;
          this.#size++;
        }
        return s;
      }
      if (this.#hashes[slot] === h && b.length === length && equalBytes(b, bytes, start)) return this.#strings[slot]!;
    }
  }
}

function equalBytes(a: Uint8Array, b: Uint8Array, start: number): boolean {
  for (let k = 0; k < a.length; k++) if (a[k] !== b[start + k]) return false;
  return true;
}

function latin1(b: Uint8Array, start: number, length: number): string {
  let s = '';
  for (let i = 0; i < length; i++) s += String.fromCharCode(b[start + i]!);
  return s;
}

/** PartyRole (452) values the clearing adapter reads. */
export const PartyRole = { ExecutingFirm: 1, ClearingFirm: 4, ContraFirm: 17, CustomerAccount: 24 } as const;

/** What the parties of one scope say (reused). */
export interface PartyView {
  clearingFirm: string;
  executingFirm: string;
  account: string;
  contraFirm: string;
}

/** Read NoPartyIDs (453) of `scope` into `out` (roles 4, 1, 24, 17; the last of a role wins). */
export function readParties(scope: FixScope, parties: FixGroup, intern: Interner, out: PartyView): void {
  out.clearingFirm = '';
  out.executingFirm = '';
  out.account = '';
  out.contraFirm = '';
  scope.group(453, parties);
  while (parties.next()) {
    const role = parties.getInt(452);
    if (role === PartyRole.ClearingFirm) out.clearingFirm = intern.get(parties, 448);
    else if (role === PartyRole.ExecutingFirm) out.executingFirm = intern.get(parties, 448);
    else if (role === PartyRole.CustomerAccount) out.account = intern.get(parties, 448);
    else if (role === PartyRole.ContraFirm) out.contraFirm = intern.get(parties, 448);
  }
}

/**
 * Security slot (RefIndex) of the message's Instrument: 48 SecurityID with 22 SecurityIDSource 4 (ISIN)
 * or 1 (CUSIP); -1 when absent, of another source or unknown.
 */
export function securitySlot(index: RefIndex, scope: FixScope, intern: Interner): number {
  const id = intern.get(scope, 48);
  if (id === '') return -1;
  const source = scope.getInt(22);
  if (source === 4) return index.isinSlot(id);
  if (source === 1) return index.cusipSlot(id);
  return -1;
}

/** Why a message cannot become a command at all (a BusinessMessageReject; 0 = it can). */
export interface FixProblem {
  /** BusinessRejectReason (380); 0 when none. */
  reason: number;
  /** RefTagID-like: the tag concerned (0 = none). */
  tag: number;
  text: string;
}

/** TradeCaptureReport → TradeReport. One per adapter; `cmd` is reused for every report. */
export class TradeReportReader {
  readonly cmd: TradeReport;
  readonly problem: FixProblem = { reason: 0, tag: 0, text: '' };
  readonly #sideA: TradeSide = { side: 1, clearingFirm: '', executingFirm: '', account: '' };
  readonly #sideB: TradeSide = { side: 2, clearingFirm: '', executingFirm: '', account: '' };
  readonly #sides = new FixGroup();
  readonly #parties = new FixGroup();
  readonly #party: PartyView = { clearingFirm: '', executingFirm: '', account: '', contraFirm: '' };

  constructor(readonly intern: Interner) {
    this.cmd = {
      source: 'member',
      submitter: '',
      transType: 0,
      reportId: '',
      refId: '',
      matchId: '',
      trdType: 0,
      securityId: '',
      securityIdSource: 0,
      qty: 0,
      price: 0,
      currency: '',
      tradeDate: 0,
      settlDate: 0,
      clearingBusinessDate: 0,
      sides: [this.#sideA, this.#sideB],
      sideCount: 0,
      contraFirm: '',
    };
  }

  /**
   * Fill `cmd` from `m`, reported by member `submitter`. False when the message cannot be a trade
   * report at all (`problem` says why: a BusinessMessageReject); true otherwise, including values the
   * engine will reject.
   */
  read(m: FixMessage, submitter: string): boolean {
    const c = this.cmd;
    const intern = this.intern;
    const p = this.problem;
    p.reason = 0;
    const reportId = m.getString(571);
    if (reportId === undefined || reportId.length === 0) {
      p.reason = 5; // ConditionallyRequiredFieldMissing
      p.tag = 571;
      p.text = 'TradeReportID (571) is required: the acknowledgement refers to it';
      return false;
    }
    c.source = 'member';
    c.submitter = submitter;
    c.reportId = reportId;
    const tt = m.getInt(487);
    c.transType = (Number.isNaN(tt) && !m.has(487) ? 0 : tt) as TradeReport['transType'];
    c.refId = m.getString(572) ?? '';
    c.matchId = m.getString(880) ?? '';
    c.trdType = m.has(828) ? m.getInt(828) : 0;
    c.securityId = intern.get(m, 48);
    c.securityIdSource = m.has(22) ? m.getInt(22) : 0;
    c.qty = m.getDecimal(32, 0);
    c.price = m.getDecimal(31, PRICE_EXPONENT);
    c.tradeDate = m.getInt(75);
    c.settlDate = m.has(64) ? m.getInt(64) : 0;
    c.clearingBusinessDate = m.has(715) ? m.getInt(715) : 0;
    let currency = intern.get(m, 15);
    c.contraFirm = '';
    const sides = this.#sides;
    const n = m.group(552, sides);
    c.sideCount = n;
    let k = 0;
    while (sides.next()) {
      if (currency === '') currency = intern.get(sides, 15);
      if (k >= 2) continue;
      const s = k === 0 ? this.#sideA : this.#sideB;
      const side = sides.getInt(54);
      s.side = side as TradeSide['side'];
      readParties(sides, this.#parties, intern, this.#party);
      s.clearingFirm = this.#party.clearingFirm;
      s.executingFirm = this.#party.executingFirm === '' ? this.#party.clearingFirm : this.#party.executingFirm;
      const acct = intern.get(sides, 1, '\u0000');
      s.account = acct !== '\u0000' ? acct : this.#party.account;
      if (k === 0) c.contraFirm = this.#party.contraFirm;
      k++;
    }
    c.currency = currency;
    return true;
  }
}
