/**
 * The clearing engine's side of start-up: compose the engine (reference data, margin, collateral, the
 * journal sink, the FIX adapter) and rebuild its state from the journal in the same single pass that
 * rebuilds the session indexes (JournalSessionStore.open's `visit`).
 *
 * Recovery contract.
 * - The engine's state is a function of the inbound commands it applied, in journal order, from the
 *   first business-date marker on (clearing-journal.ts). Replay feeds those inbound application
 *   messages (AE, AL, AX, AY) through the same ClearingAdapter.apply as live traffic, with the sink in
 *   Verify mode: instead of appending, every event is compared with the engine records that follow the
 *   command in the journal (timestamps aside). Any difference — another event, a missing or extra
 *   one — means the reference data or the clearing configuration changed in a way that alters history,
 *   and the gateway refuses to start with an error naming the record, what the journal holds and what
 *   replay gives. That check subsumes counts (trade ids, positions): each trade's id and every
 *   position value are in the compared records.
 * - Which inbound messages were applied: a command's records (engine records, then its reply) are
 *   appended in one synchronous call right after its inbound record, and the journal keeps a prefix of
 *   what was appended. So every stateful inbound message (AE, AL, AX, AY) was applied, except when the
 *   record right after it is a session Reject (3) or a BusinessMessageReject (j) naming it (the
 *   session layer refused it: validation, throttle) — or when it is the journal's last record: the
 *   process stopped before (or while) applying it. Such a last message is applied at the end of
 *   recovery (finish), before anything else is appended, so its engine records follow its inbound record
 *   exactly as if it had been applied live, and the next recovery sees the same thing. Read-only
 *   requests (AN) are not replayed.
 * - Answers: for an applied command with no reply in the journal, the adapter keeps the answer computed
 *   by replay under the inbound position; the session layer's unanswered replay (takeUnanswered, after
 *   the first Logon) routes the message again and the adapter answers from that, never applying it a
 *   second time.
 * - Business date: the engine starts on the first marker's date and moves to each later marker's. After
 *   the scan, the configured (or today's) clearing business date is compared: later → the engine moves
 *   to it and a marker is written; earlier → refuse to start.
 * - Members: a session's member is the one its last SessionLogon record names (what was in force when
 *   the message was processed), else the configuration's.
 *
 * Thread: start-up, on the gateway's JS thread.
 */
import { GatewayError } from '../codec/errors.js';
import { CollateralBook } from '../engine/collateral.js';
import { ClearingEngine } from '../engine/engine.js';
import { MarginBook } from '../engine/margin.js';
import type { EngineConfig, RefData } from '../engine/types.js';
import { InboundMessageDecoder } from '../generated/gateway-internal/InboundMessage.js';
import { OutboundMessageDecoder } from '../generated/gateway-internal/OutboundMessage.js';
import { SessionLogonDecoder } from '../generated/gateway-internal/SessionLogon.js';
import { type Journal, RECORD_HEADER_LENGTH, type RecordVisitor, RT_ENGINE, RT_INBOUND, RT_OUTBOUND, RT_SESSION } from '../journal/journal.js';
import { Reparser } from '../session/reparse.js';
import { ClearingAdapter } from './clearing-adapter.js';
import { ClearingJournalSink, SinkMode, businessDateMarker, describeEngineBody } from './clearing-journal.js';

export const ClearingRecoveryErrorCode = {
  /** The journal's engine records and a replay of its commands disagree (see the module comment). */
  CLEARING_RECOVERY: 'CLEARING_RECOVERY',
  /** The configured clearing business date is before the journal's. */
  CLEARING_BUSINESS_DATE: 'CLEARING_BUSINESS_DATE',
} as const;

const MH = 8;
const IN_TEMPLATE = InboundMessageDecoder.TEMPLATE_ID;
const OUT_TEMPLATE = OutboundMessageDecoder.TEMPLATE_ID;
const LOGON_TEMPLATE = SessionLogonDecoder.TEMPLATE_ID;
/** Inbound MsgTypes whose processing changes engine state (replayed). */
const STATEFUL = new Set(['AE', 'AL', 'AX', 'AY']);

export interface ClearingSetup {
  refdata: RefData;
  engineConfig: EngineConfig;
  /** The clearing business date to run on (yyyymmdd): configured or today's. */
  businessDate: number;
  /** journal sessionId → member, from the configuration (fallback when the journal names none). */
  sessionMembers: ReadonlyMap<number, string>;
  /** Epoch ms clock of the gateway. */
  now: () => number;
}

export interface ClearingSummary {
  /** Inbound commands replayed through the engine. */
  commands: number;
  /** Engine records compared equal. */
  verified: number;
  /** Commands completed at start: cut by a crash inside their engine records, or not applied at all (the journal's last record). */
  completed: number;
  /** Commands applied by replay whose answer the journal lacks (answered after the next logon). */
  unanswered: number;
  businessDate: number;
  /** The business date the journal's last marker named (-1: none; first start with an engine). */
  journalBusinessDate: number;
  trades: number;
}

interface PendingInbound {
  position: number;
  sessionId: number;
  msgType: string;
  bytes: Uint8Array;
  nowNs: bigint;
}

/**
 * The clearing composition and its recovery. Create before opening the journal (pass `visit` to
 * JournalSessionStore.open), then `finish(journal)` after it opened; `adapter` is then the session
 * layer's application.
 */
export class ClearingRuntime {
  readonly adapter: ClearingAdapter;
  readonly margin: MarginBook | null;
  readonly collateral: CollateralBook;
  readonly currency: string;
  /** The engine's event sink: Verify mode during recovery, Live after finish(). */
  readonly sink: ClearingJournalSink;
  engine: ClearingEngine | undefined;

  readonly #setup: ClearingSetup;
  readonly #reparser = new Reparser();
  readonly #inDec = new InboundMessageDecoder();
  readonly #outDec = new OutboundMessageDecoder();
  readonly #logonDec = new SessionLogonDecoder();
  readonly #members = new Map<number, string>();
  #pending: PendingInbound | undefined;
  /** Inbound position of the command whose engine records are being compared (-1: none). */
  #current = -1;
  #error: GatewayError | undefined;
  #commands = 0;
  #verified = 0;
  #journalDate = -1;
  /** Set by `bind` (the journal exists only once open() runs the visitor). */
  #journal: Journal | undefined;

  constructor(setup: ClearingSetup) {
    this.#setup = setup;
    this.currency = setup.refdata.securities[0]?.currency ?? 'USD';
    this.margin = new MarginBook(setup.refdata, setup.engineConfig);
    this.collateral = new CollateralBook(setup.refdata);
    this.sink = new ClearingJournalSink(undefined, this.currency);
    this.sink.mode = SinkMode.Verify;
    this.adapter = new ClearingAdapter({ refdata: setup.refdata, collateral: this.collateral, sink: this.sink, now: setup.now, currency: this.currency });
  }

  /** The recovery visitor (JournalSessionStore.open's `visit`); the sink verifies, the journal is attached in finish(). */
  readonly visit: RecordVisitor = (recordType, sessionId, position, buf, offset, length) => {
    if (this.#error !== undefined) return;
    try {
      this.#visit(recordType, sessionId, position, buf, offset, length);
    } catch (e) {
      this.#error = e instanceof GatewayError ? e : new GatewayError(ClearingRecoveryErrorCode.CLEARING_RECOVERY, `replaying the journal failed at record ${position}: ${(e as Error).message}`, { position });
    }
  };

  #makeEngine(businessDate: number): ClearingEngine {
    const e = new ClearingEngine(this.#setup.refdata, this.#setup.engineConfig, this.sink, businessDate, {
      margin: this.margin,
      collateral: this.collateral,
    });
    this.engine = e;
    this.adapter.engine = e;
    return e;
  }

  #fail(position: number, message: string): void {
    this.#error = new GatewayError(
      ClearingRecoveryErrorCode.CLEARING_RECOVERY,
      `the journal and a replay of its commands disagree at record ${position}${this.#current >= 0 ? ` (command at ${this.#current})` : ''}: ${message}. ` +
        'The reference data or the clearing configuration changed in a way that alters history: restore them, or start on a new journal',
      { position, command: this.#current },
    );
  }

  #visit(recordType: number, sessionId: number, position: number, buf: Uint8Array, offset: number, length: number): void {
    const body = offset + RECORD_HEADER_LENGTH;
    const sink = this.sink;
    if (recordType === RT_ENGINE) {
      const marker = businessDateMarker(buf, body);
      if (marker >= 0) {
        if (this.#pending !== undefined) this.#applyPending(true); // the last command of a run, applied by the next run's finish()
        if (sink.pending > 0) return this.#fail(position, `the journal holds fewer engine records than replay gives: next expected ${sink.describeNext()}`);
        this.#current = -1;
        this.#journalDate = marker;
        if (this.engine === undefined) {
          this.#makeEngine(marker);
          this.adapter.engineSince = position;
        }
        else if (marker > this.engine.businessDate) this.engine.setBusinessDate(marker);
        else if (marker < this.engine.businessDate) return this.#fail(position, `business date ${marker} is before the engine's ${this.engine.businessDate}`);
        return;
      }
      if (this.#pending !== undefined) this.#applyPending(true);
      if (this.engine === undefined) return this.#fail(position, `an engine record (${describeEngineBody(buf, body, length - RECORD_HEADER_LENGTH)}) precedes every business-date marker`);
      if (!sink.matchNext(buf, offset, length)) {
        const next = sink.describeNext();
        return this.#fail(position, `the journal holds ${describeEngineBody(buf, body, length - RECORD_HEADER_LENGTH)} but replay gives ${next === '' ? 'no further engine record' : next}`);
      }
      this.#verified++;
      return;
    }
    const template = buf[body + 2]! | (buf[body + 3]! << 8);
    const blockLength = buf[body]! | (buf[body + 1]! << 8);
    const version = buf[body + 6]! | (buf[body + 7]! << 8);
    const out = recordType === RT_OUTBOUND && template === OUT_TEMPLATE ? this.#outDec.wrap(buf, body + MH, blockLength, version) : undefined;
    const cause = out === undefined ? -1 : out.causePositionAsNumber();
    const p = this.#pending;
    if (p !== undefined) {
      const t = out !== undefined && sessionId === p.sessionId && cause === p.position ? out.msgType() : '';
      if (t === '3' || t === 'j') this.#pending = undefined; // refused by the session layer before the engine saw it
      else this.#applyPending(true);
    }
    if (sink.pending > 0) return this.#fail(position, `the journal holds fewer engine records than replay gives: next expected ${sink.describeNext()}`);
    this.#current = -1;
    if (out !== undefined) {
      if (Number.isSafeInteger(cause) && cause >= 0) this.adapter.answered(cause);
      return;
    }
    if (recordType === RT_INBOUND && template === IN_TEMPLATE && this.engine !== undefined) {
      const d = this.#inDec.wrap(buf, body + MH, blockLength, version);
      const msgType = d.msgType();
      if (!STATEFUL.has(msgType)) return;
      const rawLen = d.rawMessageLength();
      const rawAt = d.limit + 4;
      const hdr = offset + 16; // RecordHeader.timestampNs
      const ns = BigInt((buf[hdr]! | (buf[hdr + 1]! << 8) | (buf[hdr + 2]! << 16) | (buf[hdr + 3]! << 24)) >>> 0) + (BigInt((buf[hdr + 4]! | (buf[hdr + 5]! << 8) | (buf[hdr + 6]! << 16) | (buf[hdr + 7]! << 24)) >>> 0) << 32n);
      const bytes = new Uint8Array(rawLen); // a copy: `buf` is the scan buffer (a Buffer: slice() would be a view)
      bytes.set(buf.subarray(rawAt, rawAt + rawLen));
      this.#pending = { position, sessionId, msgType, bytes, nowNs: ns };
      return;
    }
    if (recordType === RT_SESSION && template === LOGON_TEMPLATE) {
      const d = this.#logonDec.wrap(buf, body + MH, blockLength, version);
      const member = d.memberId();
      if (member !== '') this.#members.set(sessionId, member);
    }
  }

  /** Apply the pending inbound command (it was processed live: its records follow). */
  #applyPending(keep: boolean): void {
    const p = this.#pending!;
    this.#pending = undefined;
    this.#current = p.position;
    this.#commands++;
    const member = this.#members.get(p.sessionId) ?? this.#setup.sessionMembers.get(p.sessionId) ?? '';
    this.#reparser.run(p.bytes, (m) => {
      const a = this.adapter.apply(p.msgType, m, member, p.nowNs);
      if (keep) this.adapter.keepAnswer(p.position, a);
    });
  }

  /**
   * After the journal opened: report a disagreement (throws CLEARING_RECOVERY; the caller closes the
   * journal), complete a command cut by a crash, settle the business date (marker), switch the sink to
   * Live and return what recovery did.
   */
  finish(journal: Journal): ClearingSummary {
    if (this.#error !== undefined) throw this.#error;
    this.#journal = journal;
    const nowNs = BigInt(this.#setup.now()) * 1_000_000n;
    this.sink.attach(journal);
    this.sink.mode = SinkMode.Live;
    // A command cut by a crash: its records that were not durable, before anything else.
    const completed = this.sink.appendPending(nowNs);
    // The journal's last record is a command the process stopped before applying: apply it now.
    let tail = 0;
    if (this.#pending !== undefined) {
      this.#applyPending(true);
      tail = 1;
    }
    const want = this.#setup.businessDate;
    if (this.engine === undefined) {
      this.#makeEngine(want);
      this.adapter.engineSince = this.sink.writeBusinessDate(want, nowNs);
    } else if (want > this.engine.businessDate) {
      this.engine.setBusinessDate(want);
      this.sink.writeBusinessDate(want, nowNs);
    } else if (want < this.engine.businessDate) {
      throw new GatewayError(
        ClearingRecoveryErrorCode.CLEARING_BUSINESS_DATE,
        `the clearing business date ${want} is before the journal's ${this.engine.businessDate}: a clearing date never goes back (set clearing.businessDate to ${this.engine.businessDate} or later)`,
        { businessDate: want, journal: this.engine.businessDate },
      );
    }
    const engine = this.engine!;
    return {
      commands: this.#commands,
      verified: this.#verified,
      completed: (completed > 0 ? 1 : 0) + tail,
      unanswered: this.adapter.recoveredPending,
      businessDate: engine.businessDate,
      journalBusinessDate: this.#journalDate,
      trades: engine.tradeCount,
    };
  }

  /** The journal the runtime appends to (after finish). */
  get journal(): Journal | undefined {
    return this.#journal;
  }
}
