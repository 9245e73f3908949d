/**
 * The clearing engine's events as journal records (RecordType EngineEvent, sessionId 0): the
 * EngineEvents sink of the gateway, the business-date marker, and what recovery needs to compare a
 * replayed command's events with the records the journal already holds.
 *
 * Records (schemas/gateway-internal.xml, each an SBE message header + block):
 * - tradeStage      → TradeStageChanged (tradeId 0 for a report rejected before it had one; reasonCode
 *                     null for -1, else the 751 code or StageReason.Cancelled).
 * - positionChanged → PositionChanged (tradeId null for adjustments and settlements; settlDate as days
 *                     since 1970-01-01; netMoney in the CCP currency).
 * - marginCalculated→ MarginCalculated with an empty accounts group (the engine margins per member).
 * - collateralMoved → CollateralMoved (quantity null for cash; securityId NUL for cash).
 * - unmatchedChanged has no record type: not journaled (the inbound report that caused it is, and
 *   replay rebuilds the matching book from it).
 * - Business-date marker: a MarginCalculated whose memberId is all NUL (no member), amounts 0 and
 *   clearingBusinessDate = the clearing business date in force from that record on. Written when the
 *   engine is composed on a journal for the first time and whenever the gateway starts on a later
 *   business date; recovery replays inbound commands only after the first marker (before it the
 *   gateway ran without an engine) and moves the engine's date forward at each marker. The schema has no
 *   record of its own for this (a BusinessDateChanged template would be cleaner; see the report of
 *   issue 5); every reader of MarginCalculated must skip records with an empty memberId.
 *
 * Modes. `Live`: each event is appended to the journal at once (no allocation per event besides what
 * the generated encoders do when the journal switches buffers). `Verify` (recovery): events are encoded
 * into a scratch area and queued, so that `matchNext` can compare them, in order, with the journal's
 * records that follow the replayed command; timestamps are not compared (the replay's clock is not the
 * original one).
 *
 * Thread: the gateway's JS thread (the journal's and the engine's).
 */
import { GatewayError } from '../codec/errors.js';
import { dayNumber, ymdOf } from '../engine/calendar.js';
import type { EngineEvents } from '../engine/types.js';
import { CollateralDirection } from '../generated/gateway-internal/CollateralDirection.js';
import { CollateralKind } from '../generated/gateway-internal/CollateralKind.js';
import { CollateralMovedDecoder, CollateralMovedEncoder } from '../generated/gateway-internal/CollateralMoved.js';
import { MarginCalculatedDecoder, MarginCalculatedEncoder } from '../generated/gateway-internal/MarginCalculated.js';
import { MessageHeaderEncoder } from '../generated/gateway-internal/MessageHeader.js';
import { PositionChangedDecoder, PositionChangedEncoder } from '../generated/gateway-internal/PositionChanged.js';
import { TradeStage } from '../generated/gateway-internal/TradeStage.js';
import { TradeStageChangedDecoder, TradeStageChangedEncoder } from '../generated/gateway-internal/TradeStageChanged.js';
import { type Journal, RECORD_HEADER_LENGTH, RT_ENGINE } from '../journal/journal.js';

export const ClearingJournalErrorCode = {
  /** An event value the record cannot hold (member id > 8 chars, date outside the uint16 day range...). */
  CLEARING_RECORD_VALUE: 'CLEARING_RECORD_VALUE',
} as const;

const MH = MessageHeaderEncoder.ENCODED_LENGTH;
const T_STAGE = TradeStageChangedEncoder.TEMPLATE_ID;
const T_POSITION = PositionChangedEncoder.TEMPLATE_ID;
const T_MARGIN = MarginCalculatedEncoder.TEMPLATE_ID;
const T_COLLATERAL = CollateralMovedEncoder.TEMPLATE_ID;
const STAGE_BODY = MH + TradeStageChangedEncoder.BLOCK_LENGTH;
const POSITION_BODY = MH + PositionChangedEncoder.BLOCK_LENGTH;
const MARGIN_BODY = MH + MarginCalculatedEncoder.BLOCK_LENGTH + 4; // + empty accounts group header
const COLLATERAL_BODY = MH + CollateralMovedEncoder.BLOCK_LENGTH;
const MAX_BODY = Math.max(STAGE_BODY, POSITION_BODY, MARGIN_BODY, COLLATERAL_BODY);
const U64_NULL = 0xffffffffffffffffn;
const REASON_NULL = 65535;

export const SinkMode = { Live: 0, Verify: 1 } as const;
export type SinkMode = (typeof SinkMode)[keyof typeof SinkMode];

/** Offset of the timestampNs field in the body (after the message header) of an engine record template, -1 for others. */
function timestampOffset(template: number): number {
  switch (template) {
    case T_STAGE:
      return MH + TradeStageChangedEncoder.timestampNsEncodingOffset;
    case T_POSITION:
      return MH + PositionChangedEncoder.timestampNsEncodingOffset;
    case T_MARGIN:
      return MH + MarginCalculatedEncoder.timestampNsEncodingOffset;
    case T_COLLATERAL:
      return MH + CollateralMovedEncoder.timestampNsEncodingOffset;
    default:
      return -1;
  }
}

/** yyyymmdd → LocalMktDate (days since 1970-01-01, uint16); throws for dates outside 1970..2149. */
function localMktDate(ymd: number, what: string): number {
  const d = dayNumber(ymd);
  if (d < 0 || d > 65534) throw new GatewayError(ClearingJournalErrorCode.CLEARING_RECORD_VALUE, `${what} ${ymd} is not a date the journal can hold (1970-01-01..2149-06-05)`, { [what]: ymd });
  return d;
}

/**
 * The EngineEvents sink over the journal (see the module comment). One per gateway; `mode` switches
 * between recovery (Verify) and operation (Live).
 */
export class ClearingJournalSink implements EngineEvents {
  mode: SinkMode = SinkMode.Live;
  /** Position of the last engine record appended in Live mode (-1 when none). */
  lastPosition = -1;
  /** Engine records appended in Live mode since start. */
  appended = 0;
  /**
   * The last marginCalculated of each member (requirement, collateral value; money 10^-4), in either
   * mode: what margin-call reports quote.
   */
  readonly requirement = new Map<string, bigint>();
  readonly collateralValue = new Map<string, bigint>();

  #journal: Journal | undefined;
  readonly #currency: string;
  readonly #header = new MessageHeaderEncoder();
  readonly #stage = new TradeStageChangedEncoder();
  readonly #position = new PositionChangedEncoder();
  readonly #margin = new MarginCalculatedEncoder();
  readonly #collateral = new CollateralMovedEncoder();

  // Verify mode: queued expected bodies in `#scratch` ([#expOff[i], #expOff[i] + #expLen[i])).
  #scratch = new Uint8Array(64 * 1024);
  #scratchEnd = 0;
  #expOff: number[] = [];
  #expLen: number[] = [];
  #expHead = 0;

  /** `journal` may come later (`attach`): recovery runs in Verify mode before the journal object exists. */
  constructor(journal: Journal | undefined, currency: string) {
    this.#journal = journal;
    this.#currency = currency;
  }

  attach(journal: Journal): void {
    this.#journal = journal;
  }

  #live(): Journal {
    const j = this.#journal;
    if (j === undefined) throw new Error('ClearingJournalSink: Live mode without a journal (attach it first)');
    return j;
  }

  // ---------------------------------------------------------------------------------- EngineEvents

  tradeStage(tradeId: bigint, stage: number, previousStage: number, reason: number, atNs: bigint): void {
    const buf = this.#begin(STAGE_BODY);
    const at = this.#at;
    const e = this.#stage.wrapAndApplyHeader(buf, at, this.#header);
    e.tradeId(tradeId).timestampNs(this.mode === SinkMode.Live ? atNs : 0n).stage(stage).previousStage(previousStage);
    e.reasonCode(reason < 0 ? REASON_NULL : reason);
    this.#commit(STAGE_BODY);
  }

  positionChanged(member: string, isin: string, settlDate: number, netQty: number, netMoney: number, tradeId: bigint, atNs: bigint): void {
    const sd = localMktDate(settlDate, 'settlDate');
    const buf = this.#begin(POSITION_BODY);
    const e = this.#position.wrapAndApplyHeader(buf, this.#at, this.#header);
    e.timestampNs(this.mode === SinkMode.Live ? atNs : 0n);
    e.netQty().mantissaAsNumber(netQty);
    e.tradeId(tradeId === 0n ? U64_NULL : tradeId);
    const m = e.netMoney();
    m.amount().mantissaAsNumber(netMoney);
    m.currency(this.#currency);
    e.settlDate(sd).memberId(member).securityId(isin);
    this.#commit(POSITION_BODY);
  }

  marginCalculated(member: string, requirement: bigint, collateralValue: bigint, clearingBusinessDate: number, atNs: bigint): void {
    this.requirement.set(member, requirement);
    this.collateralValue.set(member, collateralValue);
    this.#marginRecord(member, requirement, collateralValue, clearingBusinessDate, atNs);
  }

  collateralMoved(member: string, movementId: string, deposit: boolean, cash: boolean, isin: string, quantity: number, amount: bigint, valueAfterHaircut: bigint, atNs: bigint): void {
    const buf = this.#begin(COLLATERAL_BODY);
    const e = this.#collateral.wrapAndApplyHeader(buf, this.#at, this.#header);
    e.timestampNs(this.mode === SinkMode.Live ? atNs : 0n);
    if (cash) e.quantity().mantissa(-(1n << 63n));
    else e.quantity().mantissaAsNumber(quantity);
    e.valueAfterHaircut().mantissa(valueAfterHaircut);
    const a = e.amount();
    a.amount().mantissa(amount);
    a.currency(this.#currency);
    e.direction(deposit ? CollateralDirection.Deposit : CollateralDirection.Withdrawal);
    e.kind(cash ? CollateralKind.Cash : CollateralKind.Security);
    e.memberId(member).movementId(movementId);
    if (!cash) e.securityId(isin);
    this.#commit(COLLATERAL_BODY);
  }

  /** The business-date marker (see the module comment); Live mode only. Returns its position. */
  writeBusinessDate(businessDate: number, atNs: bigint): number {
    if (this.mode !== SinkMode.Live) throw new Error('writeBusinessDate: Live mode only');
    this.#marginRecord('', 0n, 0n, businessDate, atNs);
    return this.lastPosition;
  }

  #marginRecord(member: string, requirement: bigint, collateralValue: bigint, clearingBusinessDate: number, atNs: bigint): void {
    const d = localMktDate(clearingBusinessDate, 'clearingBusinessDate');
    const buf = this.#begin(MARGIN_BODY);
    const e = this.#margin.wrapAndApplyHeader(buf, this.#at, this.#header);
    e.timestampNs(this.mode === SinkMode.Live ? atNs : 0n);
    e.totalRequirement().mantissa(requirement);
    e.collateralValue().mantissa(collateralValue);
    e.excessDeficit().mantissa(collateralValue - requirement);
    e.clearingBusinessDate(d).memberId(member).currency(this.#currency);
    e.accountsCount(0);
    this.#commit(MARGIN_BODY);
  }

  // ---------------------------------------------------------------------------------- record plumbing

  #at = 0;

  /** Room for one body; sets #at and returns the buffer to encode into. */
  #begin(maxBody: number): Uint8Array {
    if (this.mode === SinkMode.Live) {
      const j = this.#live();
      j.beginRecord(maxBody);
      this.#at = j.bodyOffset;
      return j.buffer;
    }
    if (this.#scratchEnd + MAX_BODY > this.#scratch.length) this.#growScratch();
    this.#at = this.#scratchEnd;
    return this.#scratch;
  }

  #commit(bodyLength: number): void {
    if (this.mode === SinkMode.Live) {
      this.lastPosition = this.#journal!.commitRecord(RT_ENGINE, 0, 0, bodyLength);
      this.appended++;
      return;
    }
    this.#expOff.push(this.#at);
    this.#expLen.push(bodyLength);
    this.#scratchEnd = this.#at + ((bodyLength + 7) & ~7);
  }

  #growScratch(): void {
    // Compact what was matched already, grow if still short.
    const live = this.#expHead < this.#expOff.length ? this.#expOff[this.#expHead]! : this.#scratchEnd;
    const used = this.#scratchEnd - live;
    const size = used + MAX_BODY > this.#scratch.length / 2 ? this.#scratch.length * 2 : this.#scratch.length;
    const next = new Uint8Array(size);
    next.set(this.#scratch.subarray(live, this.#scratchEnd), 0);
    const offs: number[] = [];
    const lens: number[] = [];
    for (let i = this.#expHead; i < this.#expOff.length; i++) {
      offs.push(this.#expOff[i]! - live);
      lens.push(this.#expLen[i]!);
    }
    this.#scratch = next;
    this.#scratchEnd = used;
    this.#expOff = offs;
    this.#expLen = lens;
    this.#expHead = 0;
  }

  // ---------------------------------------------------------------------------------- Verify mode

  /** Expected records not matched yet. */
  get pending(): number {
    return this.#expOff.length - this.#expHead;
  }

  /**
   * Compare the journal record `buf[offset, offset + length)` (header included) with the next expected
   * event; true when equal except for the timestamp (it is then consumed). False when nothing is
   * expected or they differ (nothing consumed).
   */
  matchNext(buf: Uint8Array, offset: number, length: number): boolean {
    if (this.#expHead >= this.#expOff.length) return false;
    const eOff = this.#expOff[this.#expHead]!;
    const eLen = this.#expLen[this.#expHead]!;
    const body = offset + RECORD_HEADER_LENGTH;
    if (length - RECORD_HEADER_LENGTH !== eLen) return false;
    const s = this.#scratch;
    const template = s[eOff + 2]! | (s[eOff + 3]! << 8);
    const ts = timestampOffset(template);
    for (let i = 0; i < eLen; i++) {
      if (i === ts) {
        i += 7;
        continue;
      }
      if (buf[body + i] !== s[eOff + i]) return false;
    }
    this.#consume();
    return true;
  }

  /** Text of the next expected event (error messages); '' when none. */
  describeNext(): string {
    if (this.#expHead >= this.#expOff.length) return '';
    return describeEngineBody(this.#scratch, this.#expOff[this.#expHead]!, this.#expLen[this.#expHead]!);
  }

  /**
   * Append the expected events not matched (the journal ended in the middle of a command: its first
   * records were durable, the rest were not) as Live records stamped `atNs`, in order. Returns how many.
   */
  appendPending(atNs: bigint): number {
    let n = 0;
    const j = this.#live();
    while (this.#expHead < this.#expOff.length) {
      const off = this.#expOff[this.#expHead]!;
      const len = this.#expLen[this.#expHead]!;
      j.beginRecord(len);
      j.buffer.set(this.#scratch.subarray(off, off + len), j.bodyOffset);
      const template = this.#scratch[off + 2]! | (this.#scratch[off + 3]! << 8);
      const ts = timestampOffset(template);
      if (ts >= 0) j.bufferView.setBigUint64(j.bodyOffset + ts, atNs, true);
      this.lastPosition = j.commitRecord(RT_ENGINE, 0, 0, len);
      this.appended++;
      this.#consume();
      n++;
    }
    return n;
  }

  /** Drop every expected event (after a mismatch has been reported). */
  clearPending(): void {
    this.#expOff.length = 0;
    this.#expLen.length = 0;
    this.#expHead = 0;
    this.#scratchEnd = 0;
  }

  #consume(): void {
    this.#expHead++;
    if (this.#expHead === this.#expOff.length) this.clearPending();
  }
}

// ---------------------------------------------------------------------------------------------------
// Reading engine records (recovery checks, error messages, offline reports)

const stageDec = new TradeStageChangedDecoder();
const positionDec = new PositionChangedDecoder();
const marginDec = new MarginCalculatedDecoder();
const collateralDec = new CollateralMovedDecoder();

/** Template id of the engine record body at `body` (the SBE message header). */
export function engineTemplate(buf: Uint8Array, body: number): number {
  return buf[body + 2]! | (buf[body + 3]! << 8);
}

/**
 * The clearing business date (yyyymmdd) of a business-date marker whose body starts at `body`, or -1
 * when the record is not one.
 */
export function businessDateMarker(buf: Uint8Array, body: number): number {
  if (engineTemplate(buf, body) !== T_MARGIN) return -1;
  const block = body + MH;
  for (let i = 0; i < 8; i++) if (buf[block + MarginCalculatedDecoder.memberIdEncodingOffset + i] !== 0) return -1;
  const d = buf[block + MarginCalculatedDecoder.clearingBusinessDateEncodingOffset]! | (buf[block + MarginCalculatedDecoder.clearingBusinessDateEncodingOffset + 1]! << 8);
  return ymdOf(d);
}

/** One PositionChanged record, decoded (offline reports, tests). */
export interface PositionRecord {
  member: string;
  isin: string;
  settlDate: number;
  netQty: number;
  /** Money 10^-4. */
  netMoney: bigint;
  /** 0n for adjustments and settlements. */
  tradeId: bigint;
}

/** The PositionChanged record whose body starts at `body`, or undefined for another template. */
export function readPositionChanged(buf: Uint8Array, body: number): PositionRecord | undefined {
  if (engineTemplate(buf, body) !== T_POSITION) return undefined;
  const blockLength = buf[body]! | (buf[body + 1]! << 8);
  const version = buf[body + 6]! | (buf[body + 7]! << 8);
  const d = positionDec.wrap(buf, body + MH, blockLength, version);
  const tradeId = d.tradeId();
  return {
    member: d.memberId(),
    isin: d.securityId(),
    settlDate: ymdOf(d.settlDate()),
    netQty: Number(d.netQty().mantissa()),
    netMoney: d.netMoney().amount().mantissa(),
    tradeId: tradeId === U64_NULL ? 0n : tradeId,
  };
}

/** Human-readable text of an engine record body (error messages of recovery). */
export function describeEngineBody(buf: Uint8Array, body: number, length: number): string {
  const template = engineTemplate(buf, body);
  const blockLength = buf[body]! | (buf[body + 1]! << 8);
  const version = buf[body + 6]! | (buf[body + 7]! << 8);
  const at = body + MH;
  try {
    switch (template) {
      case T_STAGE: {
        const d = stageDec.wrap(buf, at, blockLength, version);
        const reason = d.reasonCode();
        return `TradeStageChanged trade ${d.tradeId()} ${TradeStage.name(d.previousStage()) ?? '-'} → ${TradeStage.name(d.stage()) ?? d.stage()}${reason === REASON_NULL ? '' : ` reason ${reason}`}`;
      }
      case T_POSITION: {
        const p = readPositionChanged(buf, body)!;
        return `PositionChanged ${p.member} ${p.isin} settl ${p.settlDate} net ${p.netQty} / ${p.netMoney} (10^-4) trade ${p.tradeId}`;
      }
      case T_MARGIN: {
        const marker = businessDateMarker(buf, body);
        if (marker >= 0) return `business date ${marker}`;
        const d = marginDec.wrap(buf, at, blockLength, version);
        return `MarginCalculated ${d.memberId()} requirement ${d.totalRequirement().mantissa()} collateral ${d.collateralValue().mantissa()} (10^-4)`;
      }
      case T_COLLATERAL: {
        const d = collateralDec.wrap(buf, at, blockLength, version);
        return `CollateralMoved ${d.memberId()} ${d.movementId()} ${CollateralDirection.name(d.direction()) ?? '?'} ${CollateralKind.name(d.kind()) ?? '?'} ${d.securityId()} amount ${d.amount().amount().mantissa()} (10^-4)`;
      }
      default:
        return `template ${template} (${length} bytes)`;
    }
  } catch (e) {
    return `template ${template}: undecodable (${(e as Error).message})`;
  }
}
