/**
 * Pure-TS FIX framer and indexer: the same behaviour as the C framer (native/src/core/fix_framer.c),
 * for the pure-Node transport and as the reference the C output is compared with byte for byte.
 *
 *   const framer = new FixFramer({ maxMessageBytes: 65536, maxFields: 1024 });
 *   socket.on('data', (chunk) => framer.push(chunk, sink));
 *   // sink.onMessage(view: FixMessage)  -- the view (and its bytes) is valid only during the call
 *   // sink.onGarbled(reason, streamOffset, discardedLength)
 *
 * Framing (FixGarbledReason on failure; checks 1-4 discard the input up to the next "8=FIX", searched
 * from the byte after the failed message's start; checks 5-7, made once the whole declared message has
 * arrived, discard up to the end of the first "<SOH>10=...<SOH>" at or after the declared end, as
 * QuickFIX does (a too-long BodyLength swallows the next message); framing then resumes,
 * re-synchronising on "8=FIX"):
 *   1. "8=FIX" at the start, BeginString value of 1..16 bytes ended by SOH   else BadBeginString
 *   2. "9=" + 1..8 digits + SOH                                             else BadBodyLength
 *   3. message length (through "10=NNN<SOH>") <= maxMessageBytes             else MessageTooLarge
 *   4. "35=" + a non-empty value + SOH, all inside BodyLength                else MsgTypeNotThird
 *   5. "10=" exactly at BodyLength                                          else BodyLengthMismatch
 *   6. "10=" + 3 digits + SOH                                                else BadChecksumField
 *   7. CheckSum = sum of the bytes before "10=" mod 256                      else ChecksumMismatch
 * A check is made as soon as its bytes are there (1, 2, 3, 4 before the whole message has arrived), so
 * the outcome for a message never depends on how its bytes were split across reads. Garbage that holds
 * no "8=FIX" is reported at once (except a tail that could begin one), so a stretch of garbage split
 * across reads may be reported in several pieces. Once BodyLength is known the message is not re-scanned
 * until all of its bytes are there.
 *
 * Indexing (writeFixPayload; layout in schemas/gateway-internal.xml): fields in wire order; a tag that
 * is not 1..9 digits without a leading zero, or a field without '=', is stored as tag 0
 * (InvalidTagNumber; a field without '=' gets an empty value at its SOH). Dictionary from BeginString:
 * "FIX.4.4" -> Fix44, "FIX.4.2" -> Fix44 as well (the reference data has no FIX 4.2 dictionary; 4.4 has
 * the same header, trailer and session messages), "FIXT.1.1" -> Fixt11Fix50Sp2 (FIXT header/trailer, FIX 5.0 SP2 application
 * messages), anything else -> Unknown: no dictionary at all (values end at SOH, no DATA, no groups,
 * no header/trailer order checks). With a dictionary:
 *   - DATA/XMLDATA values are read by the LENGTH field that must be the field right before them (its
 *     value: 1..9 digits); the value must be followed by SOH before the CheckSum field. Otherwise
 *     DataLengthMismatch and the value ends at the next SOH.
 *   - Header fields (dictionary header, group members included) after a body or trailer field, a body
 *     field after a trailer field, or a 10 that is not the last field: HeaderFieldOutOfOrder.
 *   - Groups: a NUMINGROUP field opens its group when the enclosing level (header, the message by
 *     MsgType, or the enclosing group entry) defines it; the group's delimiter starts each entry; a
 *     member that comes before the first delimiter is GroupFieldOrder (it stays in the group); a tag the
 *     group does not define ends it (and, in turn, may end enclosing groups). A NumInGroup value that is
 *     not digits, or differs from the entries found: NumInGroupMismatch (problemField = the count field;
 *     found when the group ends). More than 8 nested groups: GroupTooDeep (the count field is then a
 *     plain field). Member order inside an entry and duplicate tags are not checked here (the session
 *     layer's validator does). A tag-0 field is a body field like any tag the level does not define.
 *   - Unknown MsgType: header groups still apply; the body is flat.
 * Problem order: the FIRST problem detected wins: per field InvalidTagNumber, DataLengthMismatch,
 * TagWithoutValue, then the structural checks; a NumInGroupMismatch on a count is detected when its
 * group ends. TooManyFields: indexing stops at maxFields (problemField = fieldCount), the message is
 * still delivered.
 *
 * Memory: one ArrayBuffer per framer, allocated in the constructor: [output payload | input bytes], so
 * the raw copy into the payload is a copyWithin (no per-message views). push() copies each chunk
 * into the input area once. Nothing is allocated per message (a chunk larger than the free input space
 * is taken in pieces through subarray views, which is rare).
 *
 * Thread: a FixFramer is owned by the thread reading its stream; it is not re-entrant (a sink must not
 * push into the framer that called it).
 */
import { FixGarbledReason } from '../generated/gateway-internal/FixGarbledReason.js';
import { FixIndexProblem } from '../generated/gateway-internal/FixIndexProblem.js';
import { FIX44 } from '../generated/fix/fix44.js';
import { FIX50SP2 } from '../generated/fix/fix50sp2.js';
import {
  CONTAINER_HEADER,
  type FixDictionary,
  FieldType,
  NOT_FOUND,
  dataLengthTag,
  fieldType,
  groupDelimiter,
  isHeaderTag,
  isTrailerTag,
  loadFixDictionary,
  memberGroup,
  memberOf,
  messageDefBytes,
} from './dictionary.js';
import { FIX_FIELD_BYTES, FIX_INDEX_HEADER_BYTES, FixMessage } from './message.js';

export interface FixFramerLimits {
  /** Largest message accepted, 8= through the SOH after 10=NNN (default 65536). */
  maxMessageBytes?: number;
  /** Most fields indexed per message, 4..65535 (default 1024). */
  maxFields?: number;
  /** Nesting bound for GroupTooDeep, 1..8 (default 8, as the C framer); lower only in tests. */
  maxGroupDepth?: number;
}

export interface FixSink {
  /** A complete message; `view` and its bytes are valid only during the call. */
  onMessage(view: FixMessage): void;
  /** Input discarded: a FixGarbledReason, where it began in the stream, how many bytes. */
  onGarbled(reason: number, streamOffset: number, discardedLength: number): void;
}

/** FixDictionary codes of the FixIndexHeader. */
export const FixDictionaryCode = { Unknown: 0, Fix44: 1, Fixt11Fix50Sp2: 2 } as const;

export const MAX_GROUP_DEPTH = 8;
export const DEFAULT_MAX_MESSAGE_BYTES = 65536;
export const DEFAULT_MAX_FIELDS = 1024;
const MAX_BEGIN_STRING = 16;
const MAX_BODY_LENGTH_DIGITS = 8;

const SOH = 0x01;
const EQ = 0x3d;
const D0 = 0x30;
const BEGIN = [0x38, 0x3d, 0x46, 0x49, 0x58]; // "8=FIX"

interface Dictionaries {
  fix44: FixDictionary;
  fix50: FixDictionary;
  kind44: Uint8Array;
  kind50: Uint8Array;
}
/** Loaded once per thread (module instance), on the first FixIndexer; immutable afterwards. */
let dicts: Dictionaries | undefined;
function dictionaries(): Dictionaries {
  if (!dicts) {
    const fix44 = loadFixDictionary(FIX44);
    const fix50 = loadFixDictionary(FIX50SP2);
    dicts = { fix44, fix50, kind44: tagKinds(fix44), kind50: tagKinds(fix50) };
  }
  return dicts;
}

/** Payload bytes writeFixPayload may need at most. */
export function fixPayloadBound(rawLength: number, maxFields: number): number {
  return FIX_INDEX_HEADER_BYTES + maxFields * FIX_FIELD_BYTES + rawLength;
}

/**
 * Indexes one complete framed message into the FixMessage payload layout. Stateful only to reuse its
 * group stack; owned by one thread (each FixFramer has one).
 */
export class FixIndexer {
  private readonly fix44: FixDictionary;
  private readonly fix50: FixDictionary;
  /** Per tag (< tagLimit) of each dictionary: SECTION_* bits (built once; saves three lookups per field). */
  private readonly kind44: Uint8Array;
  private readonly kind50: Uint8Array;
  private kind: Uint8Array = new Uint8Array(0);
  // group stack
  private readonly stkGroup = new Int32Array(MAX_GROUP_DEPTH);
  private readonly stkDelim = new Int32Array(MAX_GROUP_DEPTH);
  private readonly stkCount = new Int32Array(MAX_GROUP_DEPTH);
  private readonly stkExpected = new Int32Array(MAX_GROUP_DEPTH);
  private readonly stkEntries = new Int32Array(MAX_GROUP_DEPTH);
  private readonly stkEntry = new Int32Array(MAX_GROUP_DEPTH);
  private depth = 0;
  // per message
  private words: Uint32Array = new Uint32Array(0);
  private fw = 0;
  private problem = 0;
  private problemTag = 0;
  private problemField = 0;
  private bodyStarted = false;
  private trailerStarted = false;

  /** maxGroupDepth: 1..8 (below 8 only for tests of GroupTooDeep; the C framer's bound is 8). */
  constructor(private readonly maxGroupDepth = MAX_GROUP_DEPTH) {
    if (!(maxGroupDepth >= 1 && maxGroupDepth <= MAX_GROUP_DEPTH)) throw new RangeError(`FixIndexer: maxGroupDepth ${maxGroupDepth} not in 1..8`);
    const d = dictionaries();
    this.fix44 = d.fix44;
    this.fix50 = d.fix50;
    this.kind44 = d.kind44;
    this.kind50 = d.kind50;
  }

  /**
   * Index `src[start, start + rawLength)` (one framed message: starts "8=FIX", third field 35, ends
   * "10=NNN<SOH>") into `out` at byte `outOffset` (4-aligned in out's ArrayBuffer); `outWords` is a
   * Uint32Array over the whole of out's ArrayBuffer. The raw bytes are copied after the fields only
   * when `copyRaw` (the framer copies them itself). Returns the payload length; 0 when out is too short.
   */
  index(
    src: Uint8Array,
    start: number,
    rawLength: number,
    maxFields: number,
    out: Uint8Array,
    outWords: Uint32Array,
    outOffset: number,
    copyRaw: boolean,
  ): number {
    const abs = out.byteOffset + outOffset;
    if ((abs & 3) !== 0 || outOffset + fixPayloadBound(0, 0) > out.length) return 0;
    const end = start + rawLength;
    const fieldsCap = Math.min(maxFields, Math.floor((out.length - outOffset - FIX_INDEX_HEADER_BYTES - rawLength) / FIX_FIELD_BYTES));
    const w = outWords;
    const fw = (abs + FIX_INDEX_HEADER_BYTES) >>> 2;
    this.words = w;
    this.fw = fw;
    this.problem = 0;
    this.problemTag = 0;
    this.problemField = 0;
    this.bodyStarted = false;
    this.trailerStarted = false;
    this.depth = 0;

    // Dictionary from BeginString (field 0's value: start + 2 .. first SOH).
    let p = start + 2;
    while (p < end && src[p] !== SOH) p++;
    const bsLen = p - start - 2;
    let dictCode: number = FixDictionaryCode.Unknown;
    let dict: FixDictionary | null = null;
    if (bsLen === 7 && (matches(src, start + 2, 'FIX.4.4') || matches(src, start + 2, 'FIX.4.2'))) {
      dictCode = FixDictionaryCode.Fix44;
      dict = this.fix44;
      this.kind = this.kind44;
    } else if (bsLen === 8 && matches(src, start + 2, 'FIXT.1.1')) {
      dictCode = FixDictionaryCode.Fixt11Fix50Sp2;
      dict = this.fix50;
      this.kind = this.kind50;
    }
    let msgContainer = NOT_FOUND;

    let n = 0;
    let pos = start;
    let msgTypeLength = 0;
    while (pos < end) {
      if (n === maxFields || n === fieldsCap) {
        if (n === fieldsCap && n < maxFields) return 0; // out too short for the index
        this.setProblem(FixIndexProblem.TooManyFields, 0, n);
        break;
      }
      // tag: 1..9 digits, no leading zero
      const tagStart = pos;
      let tag = 0;
      let valid = true;
      let c = src[pos]!;
      while (c !== EQ && c !== SOH) {
        const d = c - D0;
        if (d < 0 || d > 9) valid = false;
        else tag = tag * 10 + d;
        if (++pos === end) break;
        c = src[pos]!;
      }
      const tagLen = pos - tagStart;
      if (tagLen === 0 || tagLen > 9 || src[tagStart] === D0 || pos === end || c !== EQ) valid = false;
      if (!valid) tag = 0;
      let valueStart: number;
      let valueLength: number;
      let dataProblem = false;
      if (pos < end && src[pos] === EQ) {
        valueStart = ++pos;
        let dataLen = -1;
        if (valid && dict !== null && n > 0) {
          if (tag < this.kind.length && (this.kind[tag]! & KIND_DATA) !== 0) {
            const lenTag = dataLengthTag(dict, tag);
            const prev = fw + (n - 1) * 4;
            if (lenTag !== 0 && w[prev] === lenTag) dataLen = digits(src, start + w[prev + 1]!, w[prev + 2]!);
            // the value and its SOH must end before the CheckSum field (the last 7 bytes)
            if (dataLen < 0 || valueStart + dataLen >= end - 7 || src[valueStart + dataLen] !== SOH) {
              dataLen = -1;
              dataProblem = true;
            }
          }
        }
        if (dataLen >= 0) pos = valueStart + dataLen;
        else while (pos < end && src[pos] !== SOH) pos++;
        valueLength = pos - valueStart;
        pos++; // the SOH
      } else {
        // no '=' before SOH (or the end): an empty value at the SOH
        valueStart = pos;
        valueLength = 0;
        pos++;
      }
      const f = fw + n * 4;
      w[f] = tag;
      w[f + 1] = valueStart - start;
      w[f + 2] = valueLength;
      w[f + 3] = n + 1;
      if (n === 2) msgTypeLength = valueLength > 255 ? 255 : valueLength;
      if (!valid) this.setProblem(FixIndexProblem.InvalidTagNumber, 0, n);
      else if (dataProblem) this.setProblem(FixIndexProblem.DataLengthMismatch, tag, n);
      else if (valueLength === 0) this.setProblem(FixIndexProblem.TagWithoutValue, tag, n);
      if (dict !== null) {
        if (n === 2) msgContainer = messageDefBytes(dict, src, valueStart, valueLength);
        this.structure(dict, msgContainer, src, n, tag, valueStart, valueLength, pos === end);
      }
      n++;
    }
    while (this.depth > 0) this.closeTop(n);

    // header
    const h = abs >>> 2;
    w[h] = rawLength;
    w[h + 1] = (n & 0xffff) | ((this.problemField & 0xffff) << 16);
    w[h + 2] = this.problemTag;
    w[h + 3] = dictCode | (this.problem << 8) | (msgTypeLength << 16);
    const rawOffset = outOffset + FIX_INDEX_HEADER_BYTES + n * FIX_FIELD_BYTES;
    if (copyRaw) for (let i = 0; i < rawLength; i++) out[rawOffset + i] = src[start + i]!;
    return FIX_INDEX_HEADER_BYTES + n * FIX_FIELD_BYTES + rawLength;
  }

  private setProblem(problem: number, tag: number, field: number): void {
    if (this.problem !== 0) return;
    this.problem = problem;
    this.problemTag = tag;
    this.problemField = field;
  }

  private structure(dict: FixDictionary, msgContainer: number, src: Uint8Array, i: number, tag: number, vs: number, vl: number, last: boolean): void {
    while (this.depth > 0) {
      const d = this.depth - 1;
      const g = this.stkGroup[d]!;
      if (tag === this.stkDelim[d]) {
        const e = this.stkEntry[d]!;
        if (e >= 0) this.words[this.fw + e * 4 + 3] = i;
        this.stkEntry[d] = i;
        this.stkEntries[d]++;
        this.maybeOpen(dict, memberOf(dict, g, tag), src, i, tag, vs, vl);
        return;
      }
      const k = memberOf(dict, g, tag);
      if (k !== NOT_FOUND) {
        if (this.stkEntries[d] === 0) this.setProblem(FixIndexProblem.GroupFieldOrder, tag, i);
        this.maybeOpen(dict, k, src, i, tag, vs, vl);
        return;
      }
      this.closeTop(i);
    }
    const kind = tag < this.kind.length ? this.kind[tag]! : 0;
    if ((kind & KIND_HEADER) !== 0) {
      if (this.bodyStarted || this.trailerStarted) this.setProblem(FixIndexProblem.HeaderFieldOutOfOrder, tag, i);
      this.maybeOpen(dict, memberOf(dict, CONTAINER_HEADER, tag), src, i, tag, vs, vl);
    } else if ((kind & KIND_TRAILER) !== 0) {
      this.trailerStarted = true;
      if (tag === 10 && !last) this.setProblem(FixIndexProblem.HeaderFieldOutOfOrder, tag, i);
    } else {
      this.bodyStarted = true;
      if (this.trailerStarted) this.setProblem(FixIndexProblem.HeaderFieldOutOfOrder, tag, i);
      if (msgContainer !== NOT_FOUND) this.maybeOpen(dict, memberOf(dict, msgContainer, tag), src, i, tag, vs, vl);
    }
  }

  private maybeOpen(dict: FixDictionary, member: number, src: Uint8Array, i: number, tag: number, vs: number, vl: number): void {
    if (member === NOT_FOUND) return;
    const g = memberGroup(dict, member);
    if (g === NOT_FOUND) return;
    if (this.depth === this.maxGroupDepth) {
      this.setProblem(FixIndexProblem.GroupTooDeep, tag, i);
      return;
    }
    const expected = digits(src, vs, vl);
    if (expected < 0) this.setProblem(FixIndexProblem.NumInGroupMismatch, tag, i);
    const d = this.depth++;
    this.stkGroup[d] = g;
    this.stkDelim[d] = groupDelimiter(dict, g);
    this.stkCount[d] = i;
    this.stkExpected[d] = expected;
    this.stkEntries[d] = 0;
    this.stkEntry[d] = -1;
  }

  private closeTop(i: number): void {
    const d = --this.depth;
    const e = this.stkEntry[d]!;
    if (e >= 0) this.words[this.fw + e * 4 + 3] = i;
    const c = this.stkCount[d]!;
    this.words[this.fw + c * 4 + 3] = i;
    const expected = this.stkExpected[d]!;
    if (expected >= 0 && expected !== this.stkEntries[d]) this.setProblem(FixIndexProblem.NumInGroupMismatch, this.words[this.fw + c * 4]!, c);
  }
}

const KIND_HEADER = 1;
const KIND_TRAILER = 2;
const KIND_DATA = 4;

function tagKinds(dict: FixDictionary): Uint8Array {
  const k = new Uint8Array(dict.tables.tagLimit);
  for (let tag = 1; tag < k.length; tag++) {
    const t = fieldType(dict, tag);
    k[tag] =
      (isHeaderTag(dict, tag) ? KIND_HEADER : 0) |
      (isTrailerTag(dict, tag) ? KIND_TRAILER : 0) |
      (t === FieldType.DATA || t === FieldType.XMLDATA ? KIND_DATA : 0);
  }
  return k;
}

/** 1..9 decimal digits -> value; -1 otherwise. */
function digits(b: Uint8Array, off: number, len: number): number {
  if (len < 1 || len > 9) return -1;
  let v = 0;
  for (let i = off, e = off + len; i < e; i++) {
    const d = b[i]! - D0;
    if (d < 0 || d > 9) return -1;
    v = v * 10 + d;
  }
  return v;
}

function matches(b: Uint8Array, off: number, s: string): boolean {
  for (let i = 0; i < s.length; i++) if (b[off + i] !== s.charCodeAt(i)) return false;
  return true;
}

const NEED_MORE = 0;
const MESSAGE = 1;
const GARBLED = 2;

/** Frames and indexes one inbound byte stream. Owned by the thread reading the stream. */
export class FixFramer {
  readonly maxMessageBytes: number;
  readonly maxFields: number;
  private readonly mem: Uint8Array;
  private readonly words: Uint32Array;
  private readonly inBase: number;
  private readonly inLimit: number;
  private inStart: number;
  private inEnd: number;
  /** Stream offset of mem[inStart]. */
  private streamOffset = 0;
  /** Total length of the message at inStart once its header checked out; 0 = not known yet. */
  private pendingTotal = 0;
  private resultLength = 0;
  private resultReason = 0;
  private readonly indexer: FixIndexer;
  private readonly view = new FixMessage();
  private busy = false;

  constructor(limits: FixFramerLimits = {}) {
    this.maxMessageBytes = limits.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES;
    this.maxFields = limits.maxFields ?? DEFAULT_MAX_FIELDS;
    if (!Number.isInteger(this.maxMessageBytes) || this.maxMessageBytes < 32 || this.maxMessageBytes > 1 << 30)
      throw new RangeError(`FixFramer: maxMessageBytes ${this.maxMessageBytes} not in 32..2^30`);
    if (!Number.isInteger(this.maxFields) || this.maxFields < 4 || this.maxFields > 65535)
      throw new RangeError(`FixFramer: maxFields ${this.maxFields} not in 4..65535`);
    this.indexer = new FixIndexer(limits.maxGroupDepth ?? MAX_GROUP_DEPTH);
    const outBytes = (fixPayloadBound(this.maxMessageBytes, this.maxFields) + 7) & ~7;
    const inBytes = 2 * this.maxMessageBytes;
    const ab = new ArrayBuffer(outBytes + inBytes);
    this.mem = new Uint8Array(ab);
    this.words = new Uint32Array(ab);
    this.inBase = this.inStart = this.inEnd = outBytes;
    this.inLimit = outBytes + inBytes;
  }

  /** Bytes held for an incomplete message (or a tail that may begin one). */
  get buffered(): number {
    return this.inEnd - this.inStart;
  }

  /** Stream offset of the next byte the framer has not yet consumed. */
  get position(): number {
    return this.streamOffset;
  }

  /** Feed the next bytes of the stream; calls the sink for every complete message or garbled stretch. */
  push(chunk: Uint8Array, sink: FixSink): void {
    if (this.busy) throw new Error('FixFramer.push: re-entered from a sink');
    this.busy = true;
    try {
      let off = 0;
      while (off < chunk.length) {
        if (this.inStart > this.inBase && this.inLimit - this.inEnd < chunk.length - off) this.compact();
        const n = Math.min(chunk.length - off, this.inLimit - this.inEnd);
        if (off === 0 && n === chunk.length) this.mem.set(chunk, this.inEnd);
        else this.mem.set(chunk.subarray(off, off + n), this.inEnd);
        this.inEnd += n;
        off += n;
        this.drain(sink);
      }
    } finally {
      this.busy = false;
    }
  }

  /** Forget buffered bytes (after a disconnect); the stream offset restarts at 0. */
  reset(): void {
    this.inStart = this.inEnd = this.inBase;
    this.streamOffset = 0;
    this.pendingTotal = 0;
  }

  private compact(): void {
    this.mem.copyWithin(this.inBase, this.inStart, this.inEnd);
    this.inEnd -= this.inStart - this.inBase;
    this.inStart = this.inBase;
  }

  private drain(sink: FixSink): void {
    for (;;) {
      const kind = this.next();
      if (kind === NEED_MORE) return;
      const len = this.resultLength;
      if (kind === MESSAGE) {
        // Index straight from the input area into the output area at 0, then copy the raw bytes.
        const payload = this.indexer.index(this.mem, this.inStart, len, this.maxFields, this.mem, this.words, 0, false);
        const rawAt = payload - len;
        this.mem.copyWithin(rawAt, this.inStart, this.inStart + len);
        this.consume(len);
        sink.onMessage(this.view.wrap(this.mem, 0));
      } else {
        const at = this.streamOffset;
        this.consume(len);
        sink.onGarbled(this.resultReason, at, len);
      }
    }
  }

  private consume(len: number): void {
    this.inStart += len;
    this.streamOffset += len;
    this.pendingTotal = 0;
    if (this.inStart === this.inEnd) this.inStart = this.inEnd = this.inBase;
  }

  /** One framing step over mem[inStart, inEnd): NEED_MORE, MESSAGE or GARBLED (resultLength/Reason). */
  private next(): number {
    const b = this.mem;
    const s = this.inStart;
    const e = this.inEnd;
    if (s === e) return NEED_MORE;
    if (this.pendingTotal !== 0) return e - s < this.pendingTotal ? NEED_MORE : this.finish(this.pendingTotal);
    // 1. "8=FIX" + BeginString value + SOH
    for (let k = 0; k < 5; k++) {
      if (s + k === e) return NEED_MORE;
      if (b[s + k] !== BEGIN[k]) return this.garbled(FixGarbledReason.BadBeginString);
    }
    let p = s + 2;
    while (p < e && b[p] !== SOH && p - s - 2 < MAX_BEGIN_STRING) p++;
    if (p === e) return NEED_MORE;
    if (b[p] !== SOH) return this.garbled(FixGarbledReason.BadBeginString);
    // 2. "9=" digits SOH
    p++;
    if (p === e) return NEED_MORE;
    if (b[p] !== 0x39) return this.garbled(FixGarbledReason.BadBodyLength);
    if (++p === e) return NEED_MORE;
    if (b[p] !== EQ) return this.garbled(FixGarbledReason.BadBodyLength);
    p++;
    const digitsStart = p;
    let bodyLength = 0;
    for (;;) {
      if (p === e) return NEED_MORE;
      const c = b[p]!;
      if (c === SOH) break;
      const d = c - D0;
      if (d < 0 || d > 9 || p - digitsStart === MAX_BODY_LENGTH_DIGITS) return this.garbled(FixGarbledReason.BadBodyLength);
      bodyLength = bodyLength * 10 + d;
      p++;
    }
    if (p === digitsStart) return this.garbled(FixGarbledReason.BadBodyLength);
    const bodyStart = p + 1 - s;
    const total = bodyStart + bodyLength + 7;
    // 3. size
    if (total > this.maxMessageBytes) return this.garbled(FixGarbledReason.MessageTooLarge);
    // 4. "35=" value SOH inside the body
    const bodyEnd = s + bodyStart + bodyLength;
    p = s + bodyStart;
    for (let k = 0; k < 3; k++, p++) {
      if (p === e) return NEED_MORE;
      if (p >= bodyEnd || b[p] !== MSGTYPE[k]) return this.garbled(FixGarbledReason.MsgTypeNotThird);
    }
    const valueStart = p;
    for (;;) {
      if (p >= bodyEnd) return this.garbled(FixGarbledReason.MsgTypeNotThird);
      if (p === e) return NEED_MORE;
      if (b[p] === SOH) break;
      p++;
    }
    if (p === valueStart) return this.garbled(FixGarbledReason.MsgTypeNotThird);
    this.pendingTotal = total;
    return e - s < total ? NEED_MORE : this.finish(total);
  }

  private finish(total: number): number {
    const b = this.mem;
    const s = this.inStart;
    const t = s + total - 7;
    if (b[t] !== D0 + 1 || b[t + 1] !== D0 || b[t + 2] !== EQ) return this.garbledTrailer(FixGarbledReason.BodyLengthMismatch, t - 1);
    const c0 = b[t + 3]! - D0;
    const c1 = b[t + 4]! - D0;
    const c2 = b[t + 5]! - D0;
    if (c0 < 0 || c0 > 9 || c1 < 0 || c1 > 9 || c2 < 0 || c2 > 9 || b[t + 6] !== SOH) return this.garbledTrailer(FixGarbledReason.BadChecksumField, t - 1);
    let sum = 0;
    for (let i = s; i < t; i++) sum += b[i]!;
    if ((sum & 255) !== c0 * 100 + c1 * 10 + c2) return this.garbledTrailer(FixGarbledReason.ChecksumMismatch, t - 1);
    this.resultLength = total;
    return MESSAGE;
  }

  /**
   * QuickFIX's rule once the whole declared message is there but its trailer is wrong: the message ends
   * at the first "<SOH>10=...<SOH>" found from `from` (the byte before where "10=" should be) on, and
   * that span is discarded: a too-long BodyLength swallows the next message, a too-short one ends at the
   * bad message's own trailer. NEED_MORE until that trailer has arrived, at most maxMessageBytes from the
   * start; past that, re-synchronise on "8=FIX" instead.
   */
  private garbledTrailer(reason: number, from: number): number {
    const b = this.mem;
    const s = this.inStart;
    const e = this.inEnd;
    // Only within maxMessageBytes of the start, so the outcome never depends on how reads split.
    const lim = Math.min(e, s + this.maxMessageBytes);
    for (let k = from; k + 3 < lim; k++) {
      if (b[k] !== SOH || b[k + 1] !== D0 + 1 || b[k + 2] !== D0 || b[k + 3] !== EQ) continue;
      let end = k + 4;
      while (end < lim && b[end] !== SOH) end++;
      if (end === lim) break; // the trailer has not fully arrived (or ends past the limit)
      this.resultLength = end + 1 - s;
      this.resultReason = reason;
      return GARBLED;
    }
    if (e - s >= this.maxMessageBytes) return this.garbled(reason);
    return NEED_MORE;
  }

  /** Discard from inStart up to the next "8=FIX" (searched from inStart + 1), or all but a tail that may begin one. */
  private garbled(reason: number): number {
    const b = this.mem;
    const s = this.inStart;
    const e = this.inEnd;
    let p = s + 1;
    for (; p < e; p++) {
      if (b[p] !== BEGIN[0]) continue;
      let k = 1;
      while (k < 5 && p + k < e && b[p + k] === BEGIN[k]) k++;
      if (k === 5 || p + k === e) break; // a whole "8=FIX", or a tail that may become one
    }
    this.resultLength = p - s;
    this.resultReason = reason;
    return GARBLED;
  }
}

const MSGTYPE = [0x33, 0x35, 0x3d]; // "35="
