/**
 * SessionStore (src/session/store.ts) over the journal: InboundMessage / OutboundMessage records per
 * message, two SequenceReset records (outbound, then inbound) per reset(), one inbound SequenceReset per
 * setNextTarget() (the counterparty's SequenceReset), SessionLogon / SessionLogout records for the audit
 * trail. Indexes (session + direction + seq -> position, next sequence numbers, time of the last reset)
 * live in memory and are rebuilt from the journal on open.
 *
 * sessionKey -> RecordHeader.sessionId. The schema makes sessionId "gateway-assigned, stable across
 * restarts (from configuration)", and no journal record carries a free-form key, so:
 * - `sessionIds` (from gateway.config.json) maps keys to ids explicitly: the production setting.
 * - A key not in the map gets a stable hash: CRC-32C of its UTF-8 bytes, mapped into 1..2^32-2. A hash
 *   that collides with an id already bound to another key in this process, or with a configured id,
 *   throws JOURNAL_CONFIG. Collisions with keys seen only in earlier runs cannot be detected, because
 *   the key text is not journaled (see the report: a SessionBinding record would close this).
 *
 * Append path: InboundMessage / OutboundMessage records are written straight into the journal's buffer
 * (header words, block fields, raw bytes copied four at a time; offsets from the generated codecs and
 * checked at load), not through the generated encoders, and allocate nothing (test/session/
 * session-alloc.test.ts) except what the journal's clock allocates (Node's clocks return a new heap
 * number per read; JournalOptions.nowNs may supply another clock). The other records use the encoders.
 *
 * Durability: appends are buffered by the Journal; durablePosition()/onDurable() follow its group
 * commit. Resends (forEachOutbound) read unflushed records from memory and the rest from the segment
 * files, verifying each record's CRC.
 *
 * Thread: owned by the JS thread that runs the session layer (as the Journal it wraps).
 */
import { GatewayError } from '../codec/errors.js';
import { MessageHeaderEncoder } from '../generated/gateway-internal/MessageHeader.js';
import { InboundMessageDecoder, InboundMessageEncoder } from '../generated/gateway-internal/InboundMessage.js';
import { OutboundMessageDecoder, OutboundMessageEncoder } from '../generated/gateway-internal/OutboundMessage.js';
import { SequenceResetDecoder, SequenceResetEncoder } from '../generated/gateway-internal/SequenceReset.js';
import { SessionLogonEncoder } from '../generated/gateway-internal/SessionLogon.js';
import { SessionLogoutEncoder } from '../generated/gateway-internal/SessionLogout.js';
import { SessionProtocol } from '../generated/gateway-internal/SessionProtocol.js';
import { MessageEncoding } from '../generated/gateway-internal/MessageEncoding.js';
import { SeqDirection } from '../generated/gateway-internal/SeqDirection.js';
import { BooleanType } from '../generated/gateway-internal/BooleanType.js';
import type { LogonRecord, LogoutReason, SessionSequenceState, SessionStore } from '../session/store.js';
import { copyToView } from '../session/bytes.js';
import { crc32cUpdate } from './crc32c.js';
import { Journal, JournalErrorCode, type JournalOptions, type RecordVisitor, RECORD_HEADER_LENGTH, RT_INBOUND, RT_OUTBOUND, RT_SESSION } from './journal.js';

const MH = 8; // SBE message header length
const SEQ_RESET_TEMPLATE = SequenceResetDecoder.TEMPLATE_ID;
const IN_TEMPLATE = InboundMessageDecoder.TEMPLATE_ID;
const OUT_TEMPLATE = OutboundMessageDecoder.TEMPLATE_ID;
const DIR_OUT: number = SeqDirection.Outbound;

/** Largest forward jump of sequence numbers the dense index bridges; beyond it the index restarts. */
const MAX_SEQ_GAP = 1 << 22;

/**
 * seq -> journal position for one direction of one session, since its last reset: a dense array from
 * the first seq (8 bytes per seq), -1 for seqs never stored. A jump of more than MAX_SEQ_GAP (only
 * possible without a reset record) restarts the index at the new seq: messages before the jump are no
 * longer resendable (they would be gap-filled). Thread: the store's.
 */
class SeqIndex {
  /** Seq of positions[0]; 0 when empty. */
  base = 0;
  count = 0;
  positions = new Float64Array(1024);

  clear(): void {
    this.base = 0;
    this.count = 0;
  }

  set(seq: number, position: number): void {
    if (this.count === 0) {
      this.base = seq;
      this.count = 1;
      this.positions[0] = position;
      return;
    }
    if (seq < this.base) {
      // Rare (a lower seq without a reset): shift right, or restart when the jump is too large.
      const shift = this.base - seq;
      if (shift > MAX_SEQ_GAP) {
        this.base = seq;
        this.count = 1;
        this.positions[0] = position;
        return;
      }
      this.#ensure(this.count + shift);
      this.positions.copyWithin(shift, 0, this.count);
      this.positions.fill(-1, 1, shift);
      this.positions[0] = position;
      this.base = seq;
      this.count += shift;
      return;
    }
    const i = seq - this.base;
    if (i === this.count && i < this.positions.length) {
      // The usual case: the next seq in order, room left.
      this.positions[i] = position;
      this.count = i + 1;
      return;
    }
    if (i - this.count > MAX_SEQ_GAP) {
      this.base = seq;
      this.count = 1;
      this.positions[0] = position;
      return;
    }
    if (i >= this.count) {
      this.#ensure(i + 1);
      this.positions.fill(-1, this.count, i);
      this.count = i + 1;
    }
    this.positions[i] = position;
  }

  get(seq: number): number {
    const i = seq - this.base;
    return this.count > 0 && i >= 0 && i < this.count ? this.positions[i]! : -1;
  }

  #ensure(n: number): void {
    if (n <= this.positions.length) return;
    let cap = this.positions.length;
    while (cap < n) cap *= 2;
    const p = new Float64Array(cap);
    p.set(this.positions.subarray(0, this.count));
    this.positions = p;
  }
}

/** Recovered and live state of one session (both directions). Thread: the store's. */
class SessionIndex {
  /** RecordHeader.sessionId. */
  id = 0;
  /**
   * `id` as an int32 (same 32 bits): what the append path passes around. An id of 2^31 or more held as a
   * double would be boxed (a heap number) at every call it is passed to.
   */
  id32 = 0;
  nextSenderSeq = 1;
  nextTargetSeq = 1;
  readonly outbound = new SeqIndex();
  readonly inbound = new SeqIndex();
  /** Position of the last reset record, -1 when none. */
  lastReset = -1;
  /** Epoch ms of the last reset of both sequences (its outbound SequenceReset record); 0 when none. */
  lastResetMs = 0;
  /**
   * Recovery only: positions of inbound application messages no outbound record names as its cause
   * (insertion = journal order). Emptied by takeUnanswered; not maintained for live appends.
   */
  unanswered: Set<number> | undefined;
}

export interface JournalSessionStoreOptions extends JournalOptions {
  /** sessionKey -> sessionId (1..2^32-2), normally from configuration. */
  sessionIds?: Record<string, number>;
  /**
   * Also called for every valid record during recovery, in position order, after the store indexed it
   * (the engine rebuilds its state from the same single pass). Same contract as RecordVisitor.
   */
  visit?: RecordVisitor;
}

export class JournalSessionStore implements SessionStore {
  readonly journal: Journal;
  readonly #sessions = new Map<number, SessionIndex>();
  readonly #ids = new Map<string, number>();
  readonly #keysById = new Map<number, string>();
  /** Per-key cache of the session's index (one map lookup per append). */
  readonly #byKey = new Map<string, SessionIndex>();
  /** The last key looked up and its index (appends come in runs per session). */
  #lastKey = '';
  #last: SessionIndex | undefined;
  readonly #header = new MessageHeaderEncoder();
  readonly #resetEnc = new SequenceResetEncoder();
  readonly #logonEnc = new SessionLogonEncoder();
  readonly #logoutEnc = new SessionLogoutEncoder();
  readonly #outDec = new OutboundMessageDecoder();
  readonly #inDec = new InboundMessageDecoder();

  private constructor(journal: Journal, sessions: Map<number, SessionIndex>, sessionIds: Record<string, number> | undefined) {
    this.journal = journal;
    this.#sessions = sessions;
    for (const [key, id] of Object.entries(sessionIds ?? {})) {
      if (!Number.isInteger(id) || id < 1 || id > 0xfffffffe) throw new GatewayError(JournalErrorCode.JOURNAL_CONFIG, 'sessionId must be 1..4294967294', { key, id });
      if (this.#keysById.has(id)) throw new GatewayError(JournalErrorCode.JOURNAL_CONFIG, 'two session keys configured with one sessionId', { key, id, other: this.#keysById.get(id) });
      this.#ids.set(key, id);
      this.#keysById.set(id, key);
    }
  }

  /** Open the journal, rebuild the indexes from it, and return the store (report: journal.report). */
  static open(options: JournalSessionStoreOptions): JournalSessionStore {
    const sessions = new Map<number, SessionIndex>();
    const index = makeIndexer(sessions);
    const extra = options.visit;
    const visit: RecordVisitor =
      extra === undefined
        ? index
        : (recordType, sessionId, position, buf, offset, length) => {
            index(recordType, sessionId, position, buf, offset);
            extra(recordType, sessionId, position, buf, offset, length);
          };
    const journal = Journal.open(options, visit);
    const store = new JournalSessionStore(journal, sessions, options.sessionIds);
    return store;
  }

  /** The sessionId a key maps to (see the module comment). */
  sessionIdOf(sessionKey: string): number {
    const known = this.#ids.get(sessionKey);
    if (known !== undefined) return known;
    const bytes = Buffer.from(sessionKey, 'utf8');
    const id = (crc32cUpdate(0, bytes, 0, bytes.length) % 0xfffffffe) + 1;
    const other = this.#keysById.get(id);
    if (other !== undefined) {
      throw new GatewayError(JournalErrorCode.JOURNAL_CONFIG, 'session key hash collides with another session; configure sessionIds', { key: sessionKey, other, id });
    }
    this.#ids.set(sessionKey, id);
    this.#keysById.set(id, sessionKey);
    return id;
  }

  #session(sessionKey: string): SessionIndex {
    if (sessionKey === this.#lastKey) return this.#last!;
    const cached = this.#byKey.get(sessionKey);
    if (cached !== undefined) {
      this.#lastKey = sessionKey;
      this.#last = cached;
      return cached;
    }
    const id = this.sessionIdOf(sessionKey);
    let s = this.#sessions.get(id);
    if (!s) {
      s = new SessionIndex();
      this.#sessions.set(id, s);
    }
    s.id = id;
    s.id32 = id | 0;
    this.#byKey.set(sessionKey, s);
    return s;
  }

  recover(sessionKey: string): SessionSequenceState {
    const s = this.#session(sessionKey);
    return { nextSenderSeq: s.nextSenderSeq, nextTargetSeq: s.nextTargetSeq };
  }

  lastResetMs(sessionKey: string): number {
    return this.#session(sessionKey).lastResetMs;
  }

  /**
   * Start an Inbound/OutboundMessage record of `body` bytes and write what both write alike, directly
   * (layout asserted at load, see checkLayout; the generated encoder zeroes then fills the block and
   * copies through an allocating view): the SBE message header, the record time at block offset
   * `timeAt`, `seq` at `seqAt`. Returns the block's offset in the journal's bufferView.
   */
  #beginMessage(body: number, headerWord0: number, timeAt: number, seqAt: number, seq: number): number {
    const j = this.journal;
    j.beginRecord(body);
    const v = j.bufferView;
    const at = j.bodyOffset;
    const b = at + MH;
    v.setUint32(at, headerWord0, true);
    v.setUint32(at + 4, SCHEMA_WORD1, true);
    j.putRecordTimeNs(b + timeAt);
    putU64(v, b + seqAt, seq);
    return b;
  }

  appendInbound(sessionKey: string, seq: number, msgType: string, raw: Uint8Array, offset: number, length: number): number {
    checkAppend(seq, length);
    const s = this.#session(sessionKey);
    const id = s.id32;
    const j = this.journal;
    // receivedNs: the record time (the ring's receive time is not in the contract).
    const b = this.#beginMessage(IN_BODY + length, IN_HEADER_WORD0, IN_RECEIVED_NS, IN_SEQ, seq);
    const v = j.bufferView;
    v.setUint32(b + IN_SESSION_ID, id, true);
    v.setUint32(b + IN_CONNECTION_ID, 0, true);
    v.setUint32(b + IN_ENCODING, encodingAndMsgType(msgType), true);
    v.setUint32(b + InboundMessageEncoder.BLOCK_LENGTH, length, true);
    copyToView(raw, offset, v, b + InboundMessageEncoder.BLOCK_LENGTH + 4, length);
    const position = j.commitRecord(RT_INBOUND, id, 0, IN_BODY + length);
    s.inbound.set(seq, position);
    if (seq >= s.nextTargetSeq) s.nextTargetSeq = seq + 1;
    return position;
  }

  appendOutbound(sessionKey: string, seq: number, msgType: string, raw: Uint8Array, offset: number, length: number, causePosition: number): number {
    checkAppend(seq, length);
    const s = this.#session(sessionKey);
    const id = s.id32;
    const j = this.journal;
    const b = this.#beginMessage(OUT_BODY + length, OUT_HEADER_WORD0, OUT_ENQUEUED_NS, OUT_SEQ, seq); // enqueuedNs: the record time
    const v = j.bufferView;
    if (causePosition >= 0 && causePosition <= Number.MAX_SAFE_INTEGER) putU64(v, b + OUT_CAUSE, causePosition);
    else {
      v.setInt32(b + OUT_CAUSE, -1, true); // null: 2^64 - 1
      v.setInt32(b + OUT_CAUSE + 4, -1, true);
    }
    v.setUint32(b + OUT_SESSION_ID, id, true);
    v.setUint32(b + OUT_ENCODING, encodingAndMsgType(msgType), true);
    v.setUint32(b + OutboundMessageEncoder.BLOCK_LENGTH, length, true);
    copyToView(raw, offset, v, b + OutboundMessageEncoder.BLOCK_LENGTH + 4, length);
    const position = j.commitRecord(RT_OUTBOUND, id, 0, OUT_BODY + length);
    s.outbound.set(seq, position);
    if (seq >= s.nextSenderSeq) s.nextSenderSeq = seq + 1;
    return position;
  }

  forEachOutbound(sessionKey: string, from: number, to: number, visit: (seq: number, raw: Uint8Array, offset: number, length: number) => void): void {
    const s = this.#session(sessionKey);
    const idx = s.outbound;
    if (idx.count === 0) return;
    const first = Math.max(from, idx.base);
    const last = Math.min(to === 0 ? s.nextSenderSeq - 1 : to, idx.base + idx.count - 1);
    for (let seq = first; seq <= last; seq++) {
      const pos = idx.get(seq);
      if (pos >= 0) this.#visitRaw(this.#outDec, pos, seq, visit);
    }
  }

  reset(sessionKey: string, nextSenderSeq: number, nextTargetSeq: number): number {
    const s = this.#session(sessionKey);
    const id = s.id;
    this.#appendReset(id, SeqDirection.Outbound, nextSenderSeq, s.nextSenderSeq);
    const position = this.#appendReset(id, SeqDirection.Inbound, nextTargetSeq, s.nextTargetSeq);
    applyReset(s, DIR_OUT, nextSenderSeq, position, Math.floor(this.journal.recordTimeNs / 1e6));
    applyReset(s, 0, nextTargetSeq, position, 0);
    return position;
  }

  setNextTarget(sessionKey: string, newSeqNo: number, gapFill: boolean): number {
    const s = this.#session(sessionKey);
    const position = this.#appendReset(s.id, SeqDirection.Inbound, newSeqNo, s.nextTargetSeq, gapFill);
    s.nextTargetSeq = newSeqNo;
    return position;
  }

  recordLogon(sessionKey: string, logon: LogonRecord): number {
    const s = this.#session(sessionKey);
    const j = this.journal;
    j.beginRecord(MH + SessionLogonEncoder.BLOCK_LENGTH);
    const e = this.#logonEnc.wrapAndApplyHeader(j.buffer, j.bodyOffset, this.#header);
    e.nextInSeqNumAsNumber(logon.nextTargetSeq).nextOutSeqNumAsNumber(logon.nextSenderSeq).sessionId(s.id);
    e.connectionId(logon.connectionId >>> 0).heartBtInt(Math.min(logon.heartBtInt, 65535));
    e.protocol(logon.beginString === 'FIXT.1.1' ? SessionProtocol.Fixt11 : SessionProtocol.Fix44);
    e.senderCompID(logon.theirCompId.slice(0, 20)).targetCompID(logon.ourCompId.slice(0, 20)).memberId(logon.member.slice(0, 8));
    j.putRecordTimeNs(e.offset()); // timestampNs
    return j.commitRecord(RT_SESSION, s.id, 0, MH + e.encodedLength());
  }

  recordLogout(sessionKey: string, reason: LogoutReason, text: string): number {
    const s = this.#session(sessionKey);
    const bytes = Buffer.from(text.slice(0, 1024), 'utf8');
    const j = this.journal;
    j.beginRecord(MH + SessionLogoutEncoder.BLOCK_LENGTH + 4 + bytes.length);
    const e = this.#logoutEnc.wrapAndApplyHeader(j.buffer, j.bodyOffset, this.#header);
    e.sessionId(s.id).reason(reason);
    e.putText(bytes, 0, bytes.length);
    j.putRecordTimeNs(e.offset()); // timestampNs
    return j.commitRecord(RT_SESSION, s.id, 0, MH + e.encodedLength());
  }

  takeUnanswered(sessionKey: string, visit: (position: number, raw: Uint8Array, offset: number, length: number) => void): void {
    const s = this.#session(sessionKey);
    const positions = s.unanswered;
    s.unanswered = undefined;
    if (positions === undefined) return;
    for (const pos of positions) this.#visitRaw(this.#inDec, pos, pos, visit);
  }

  /**
   * Read the Inbound/OutboundMessage record at `position` (from memory or the segment files, CRC
   * checked) with `dec` and hand its rawMessage to `visit`, with `key` as the first argument.
   */
  #visitRaw(
    dec: InboundMessageDecoder | OutboundMessageDecoder,
    position: number,
    key: number,
    visit: (key: number, raw: Uint8Array, offset: number, length: number) => void,
  ): void {
    const j = this.journal;
    const buf = j.readRecord(position);
    const body = j.readOffset + RECORD_HEADER_LENGTH;
    // Message header: blockLength, templateId, schemaId, version.
    const blockLength = buf[body]! | (buf[body + 1]! << 8);
    const version = buf[body + 6]! | (buf[body + 7]! << 8);
    dec.wrap(buf, body + MH, blockLength, version);
    const rawLen = dec.rawMessageLength();
    visit(key, buf, dec.limit + 4, rawLen);
  }

  #appendReset(id: number, direction: number, newSeqNo: number, previous: number, gapFill = false): number {
    const j = this.journal;
    j.beginRecord(MH + SequenceResetEncoder.BLOCK_LENGTH);
    const e = this.#resetEnc.wrapAndApplyHeader(j.buffer, j.bodyOffset, this.#header);
    e.newSeqNoAsNumber(newSeqNo).previousSeqNoAsNumber(previous).sessionId(id).direction(direction).gapFill(gapFill ? BooleanType.True : BooleanType.False);
    j.putRecordTimeNs(e.offset()); // timestampNs
    return j.commitRecord(RT_SESSION, id, 0, MH + e.encodedLength());
  }

  durablePosition(): number {
    return this.journal.durablePosition();
  }

  onDurable(position: number, callback: () => void): void {
    this.journal.onDurable(position, callback);
  }

  /** Flush and close the journal. */
  close(): Promise<void> {
    return this.journal.close();
  }
}

/** A reset record: outbound ones come only from reset() (both directions), so they date the last full reset. */
function applyReset(s: SessionIndex, direction: number, newSeqNo: number, position: number, timeMs: number): void {
  if (direction === DIR_OUT) {
    s.nextSenderSeq = newSeqNo;
    s.outbound.clear();
    s.lastResetMs = timeMs;
  } else {
    s.nextTargetSeq = newSeqNo;
    s.inbound.clear();
  }
  s.lastReset = position;
}

// Record layouts written directly by appendInbound/appendOutbound (offsets from the generated codecs;
// checkLayout verifies at load what the direct writes assume).
const IN_RECEIVED_NS = InboundMessageEncoder.receivedNsEncodingOffset;
const IN_SEQ = InboundMessageEncoder.seqNumEncodingOffset;
const IN_SESSION_ID = InboundMessageEncoder.sessionIdEncodingOffset;
const IN_CONNECTION_ID = InboundMessageEncoder.connectionIdEncodingOffset;
const IN_ENCODING = InboundMessageEncoder.encodingEncodingOffset;
const OUT_ENQUEUED_NS = OutboundMessageEncoder.enqueuedNsEncodingOffset;
const OUT_SEQ = OutboundMessageEncoder.seqNumEncodingOffset;
const OUT_CAUSE = OutboundMessageEncoder.causePositionEncodingOffset;
const OUT_SESSION_ID = OutboundMessageEncoder.sessionIdEncodingOffset;
const OUT_ENCODING = OutboundMessageEncoder.encodingEncodingOffset;
/** Body length without the raw bytes: message header, block, rawMessage length prefix. */
const IN_BODY = MH + InboundMessageEncoder.BLOCK_LENGTH + 4;
const OUT_BODY = MH + OutboundMessageEncoder.BLOCK_LENGTH + 4;
/** Message header words: blockLength | templateId << 16, then schemaId | version << 16. */
const IN_HEADER_WORD0 = (InboundMessageEncoder.BLOCK_LENGTH | (IN_TEMPLATE << 16)) >>> 0;
const OUT_HEADER_WORD0 = (OutboundMessageEncoder.BLOCK_LENGTH | (OUT_TEMPLATE << 16)) >>> 0;
const SCHEMA_WORD1 = (InboundMessageEncoder.SCHEMA_ID | (InboundMessageEncoder.SCHEMA_VERSION << 16)) >>> 0;
const RAW_MAX = InboundMessageEncoder.rawMessageMaxLength;

function checkLayout(): void {
  const ok =
    InboundMessageEncoder.SCHEMA_ID === OutboundMessageEncoder.SCHEMA_ID &&
    InboundMessageEncoder.SCHEMA_VERSION === OutboundMessageEncoder.SCHEMA_VERSION &&
    OutboundMessageEncoder.rawMessageMaxLength === RAW_MAX &&
    InboundMessageEncoder.msgTypeEncodingOffset === IN_ENCODING + 1 &&
    InboundMessageEncoder.msgTypeLength === 3 &&
    IN_ENCODING + 4 === InboundMessageEncoder.BLOCK_LENGTH &&
    OutboundMessageEncoder.msgTypeEncodingOffset === OUT_ENCODING + 1 &&
    OutboundMessageEncoder.msgTypeLength === 3 &&
    OUT_ENCODING + 4 === OutboundMessageEncoder.BLOCK_LENGTH &&
    IN_CONNECTION_ID + 4 === IN_ENCODING &&
    IN_SESSION_ID + 4 === IN_CONNECTION_ID &&
    IN_SEQ + 8 === IN_SESSION_ID &&
    IN_RECEIVED_NS + 8 === IN_SEQ &&
    OUT_SESSION_ID + 4 === OUT_ENCODING &&
    OUT_CAUSE + 8 === OUT_SESSION_ID &&
    OUT_SEQ + 8 === OUT_CAUSE &&
    OUT_ENQUEUED_NS + 8 === OUT_SEQ;
  if (!ok) throw new Error('session-store: InboundMessage/OutboundMessage layout changed; update the direct writes');
}
checkLayout();

/** What the generated encoders checked: a uint64 seq, a rawMessage within its maximum. */
function checkAppend(seq: number, length: number): void {
  if (!(seq >= 0 && seq <= Number.MAX_SAFE_INTEGER && Math.floor(seq) === seq) || !(length >= 0 && length <= RAW_MAX)) {
    throw new GatewayError(JournalErrorCode.JOURNAL_CONFIG, 'message cannot be journaled (seq not a uint64 or raw message too long)', { seq, length });
  }
}

/** Non-negative safe integer as uint64 LE. */
function putU64(v: DataView, at: number, value: number): void {
  const hi = Math.floor(value / 4294967296);
  v.setUint32(at, value - hi * 4294967296, true);
  v.setUint32(at + 4, hi, true);
}

/** The block's last word: encoding (FixTagValue) then the msgType field (3 ASCII bytes, NUL padded; longer is cut). */
function encodingAndMsgType(msgType: string): number {
  const n = msgType.length;
  let w = MessageEncoding.FixTagValue & 0xff;
  if (n > 0) w |= (msgType.charCodeAt(0) & 0x7f) << 8;
  if (n > 1) w |= (msgType.charCodeAt(1) & 0x7f) << 16;
  if (n > 2) w |= (msgType.charCodeAt(2) & 0x7f) << 24;
  return w >>> 0;
}

/** Recovery visitor: rebuilds the per-session indexes from inbound/outbound/reset records. */
function makeIndexer(sessions: Map<number, SessionIndex>) {
  return (recordType: number, sessionId: number, position: number, buf: Uint8Array, offset: number): void => {
    if (recordType !== RT_INBOUND && recordType !== RT_OUTBOUND && recordType !== RT_SESSION) return;
    const body = offset + RECORD_HEADER_LENGTH;
    const template = buf[body + 2]! | (buf[body + 3]! << 8);
    const block = body + MH;
    let s = sessions.get(sessionId);
    if (!s) {
      s = new SessionIndex();
      sessions.set(sessionId, s);
    }
    if (template === OUT_TEMPLATE) {
      const seq = u64(buf, block + OutboundMessageDecoder.seqNumEncodingOffset);
      s.outbound.set(seq, position);
      if (seq >= s.nextSenderSeq) s.nextSenderSeq = seq + 1;
      const cause = u64(buf, block + OutboundMessageDecoder.causePositionEncodingOffset); // null: 2^64-1
      if (cause <= Number.MAX_SAFE_INTEGER) s.unanswered?.delete(cause);
    } else if (template === IN_TEMPLATE) {
      const seq = u64(buf, block + InboundMessageDecoder.seqNumEncodingOffset);
      s.inbound.set(seq, position);
      if (seq >= s.nextTargetSeq) s.nextTargetSeq = seq + 1;
      if (!isAdminMsgType(buf, block + InboundMessageDecoder.msgTypeEncodingOffset)) (s.unanswered ??= new Set()).add(position);
    } else if (template === SEQ_RESET_TEMPLATE) {
      const newSeqNo = u64(buf, block + SequenceResetDecoder.newSeqNoEncodingOffset);
      const timeMs = Math.floor(u64(buf, block + SequenceResetDecoder.timestampNsEncodingOffset) / 1e6);
      applyReset(s, buf[block + SequenceResetDecoder.directionEncodingOffset]!, newSeqNo, position, timeMs);
    }
  };
}

/** Session-level MsgTypes (0 1 2 3 4 5 A): never answered by the application. */
function isAdminMsgType(buf: Uint8Array, at: number): boolean {
  const c = buf[at]!;
  return buf[at + 1] === 0 && ((c >= 0x30 && c <= 0x35) || c === 0x41);
}

/** Little-endian uint64 as a number (exact up to 2^53; larger values, e.g. null, come out above MAX_SAFE_INTEGER). */
function u64(buf: Uint8Array, at: number): number {
  const lo = (buf[at]! | (buf[at + 1]! << 8) | (buf[at + 2]! << 16) | (buf[at + 3]! << 24)) >>> 0;
  const hi = (buf[at + 4]! | (buf[at + 5]! << 8) | (buf[at + 6]! << 16) | (buf[at + 7]! << 24)) >>> 0;
  return hi * 4294967296 + lo;
}
