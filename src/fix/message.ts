/**
 * FixMessage: a reusable flyweight over one indexed FIX message, i.e. the payload of a FixMessage ring
 * frame (schemas/gateway-internal.xml): FixIndexHeader (16 bytes), fieldCount FixField entries
 * (16 bytes: tag, valueOffset, valueLength, next; wire order), then the raw message. The same bytes
 * come from the native rx agent (a ring's shared memory) or from the TS framer (src/fix/framer.ts).
 *
 *   const m = new FixMessage();          // once
 *   m.wrap(bytes, payloadOffset);        // per message: no allocation, no copy
 *   m.msgTypeEquals(AE) ... m.getInt(34) ... m.getDecimal(31, PRICE_EXPONENT)
 *   const sides = new FixGroup();        // once
 *   for (m.group(552, sides); sides.next(); ) sides.getInt(54) ...
 *
 * Scopes. Getters by tag see one level: the message (header, body and trailer fields, not those
 * inside groups) or one group entry (its fields, not those of groups nested in it). They walk the
 * FixField.next chain, so a lookup is O(fields at that level) and never enters a group.
 *
 * Absent / malformed policy (hot path: sentinels, never exceptions, never allocation):
 * - getInt: the value as a safe integer; NaN when the tag is absent or the value is not an integer
 *   ([-]digits, at most 2^53-1 in magnitude). `status` says which (FieldStatus).
 * - getDecimal: fixed-point mantissa at a fixed exponent, exactly as parseFixedAscii of
 *   src/codec/decimal.ts (NaN + decimalStatus() on syntax/precision/unsafe); NaN with status ABSENT
 *   when the tag is missing. getDecimalBig is the int64 (bigint) twin (INT64_NULL sentinel; allocates
 *   a bigint, so not for the hot path).
 * - getString: a new string (latin1), undefined when absent. getBytes copies into caller storage.
 *
 * Memory: the view keeps Uint32Array/Int32Array views over the wrapped buffer and recreates them only
 * when wrap() is given a different ArrayBuffer. The field area must be 4-aligned in that buffer
 * (the ring and the framer guarantee it); words are read in the platform's byte order, which is little
 * endian on every platform the gateway supports (checked once at load).
 *
 * Thread: a view (and a FixGroup) belongs to the thread that wraps it; it holds no lock and the
 * underlying bytes must not change while it is used (for a ring: until the frame is released).
 */
import { DecimalStatus, INT64_NULL, parseFixedAscii, parseFixedAsciiBig } from '../codec/decimal.js';

if (new Uint8Array(new Uint32Array([1]).buffer)[0] !== 1) throw new Error('FixMessage: big-endian platforms are not supported');

/** Why the last getter returned a sentinel (`view.status`). */
export const FieldStatus = {
  OK: 0,
  /** The tag is not at this level. */
  ABSENT: 1,
  /** Present but not a number of the requested kind (decimalStatus() has details for decimals). */
  NOT_A_NUMBER: 2,
} as const;
export type FieldStatus = (typeof FieldStatus)[keyof typeof FieldStatus];

/** Byte offsets in the FixIndexHeader. */
const H_RAW_LENGTH = 0;
const H_FIELD_COUNT = 4;
const H_PROBLEM_FIELD = 6;
const H_PROBLEM_TAG = 8;
const H_DICTIONARY = 12;
const H_PROBLEM = 13;
const H_MSGTYPE_LENGTH = 14;
export const FIX_INDEX_HEADER_BYTES = 16;
export const FIX_FIELD_BYTES = 16;

const MINUS = 0x2d;
const ZERO = 0x30;
const MAX_SAFE_DIV10 = Math.floor(Number.MAX_SAFE_INTEGER / 10);
const MAX_SAFE_LAST = Number.MAX_SAFE_INTEGER % 10;

/**
 * A scope over fields [from, to) of an indexed message: the getters every level shares.
 * Not used directly: FixMessage (the top level) and FixGroup (one entry at a time).
 */
export abstract class FixScope {
  /** The wrapped bytes (whole buffer) and the word view over the same ArrayBuffer. */
  protected bytes: Uint8Array = EMPTY_BYTES;
  protected words: Uint32Array = EMPTY_WORDS;
  /** Word index of field 0 in `words`; byte index of the raw message in `bytes`. */
  protected fieldWord = 0;
  protected rawStart = 0;
  protected from = 0;
  protected to = 0;
  /** Why the last getter returned a sentinel. */
  status: FieldStatus = FieldStatus.OK;

  /** Index of the tag at this level, or -1. */
  indexOf(tag: number): number {
    const w = this.words;
    const base = this.fieldWord;
    const to = this.to;
    let i = this.from;
    if (i >= to) return -1;
    // The scope's first field may be a group delimiter, whose `next` skips the whole entry.
    if (w[base + i * 4] === tag) return i;
    i++;
    while (i < to) {
      const f = base + i * 4;
      if (w[f] === tag) return i;
      i = w[f + 3]!;
    }
    return -1;
  }

  has(tag: number): boolean {
    return this.indexOf(tag) >= 0;
  }

  /** Safe integer value ([-]digits); NaN when absent or not an integer (see `status`). */
  getInt(tag: number): number {
    const i = this.indexOf(tag);
    if (i < 0) {
      this.status = FieldStatus.ABSENT;
      return NaN;
    }
    return this.intAt(i);
  }

  /** getInt of field i (any level). */
  intAt(i: number): number {
    const f = this.fieldWord + i * 4;
    const b = this.bytes;
    let p = this.rawStart + this.words[f + 1]!;
    const end = p + this.words[f + 2]!;
    let neg = false;
    if (p < end && b[p] === MINUS) {
      neg = true;
      p++;
    }
    if (p === end) {
      this.status = FieldStatus.NOT_A_NUMBER;
      return NaN;
    }
    let v = 0;
    for (; p < end; p++) {
      const d = b[p]! - ZERO;
      if (d < 0 || d > 9 || v > MAX_SAFE_DIV10 || (v === MAX_SAFE_DIV10 && d > MAX_SAFE_LAST)) {
        this.status = FieldStatus.NOT_A_NUMBER;
        return NaN;
      }
      v = v * 10 + d;
    }
    this.status = FieldStatus.OK;
    return neg && v !== 0 ? -v : v;
  }

  /**
   * Exact decimal as a safe-integer mantissa at `exponent` (-18..0, e.g. PRICE_EXPONENT -9), the
   * semantics of parseFixedAscii (rounding UNNECESSARY by default: more decimals than the exponent
   * keeps is an error, never rounded silently). NaN when absent (status ABSENT) or not representable
   * (status NOT_A_NUMBER; decimalStatus() says SYNTAX, PRECISION or UNSAFE). Allocates nothing.
   */
  getDecimal(tag: number, exponent: number): number {
    const i = this.indexOf(tag);
    if (i < 0) {
      this.status = FieldStatus.ABSENT;
      return NaN;
    }
    const f = this.fieldWord + i * 4;
    const start = this.rawStart + this.words[f + 1]!;
    const m = parseFixedAscii(this.bytes, start, start + this.words[f + 2]!, exponent);
    this.status = m === m ? FieldStatus.OK : FieldStatus.NOT_A_NUMBER;
    return m;
  }

  /** getDecimal on the int64 path (bigint mantissa); INT64_NULL when absent or not representable. */
  getDecimalBig(tag: number, exponent: number): bigint {
    const i = this.indexOf(tag);
    if (i < 0) {
      this.status = FieldStatus.ABSENT;
      return INT64_NULL;
    }
    const f = this.fieldWord + i * 4;
    const start = this.rawStart + this.words[f + 1]!;
    const m = parseFixedAsciiBig(this.bytes, start, start + this.words[f + 2]!, exponent);
    this.status = m === INT64_NULL ? FieldStatus.NOT_A_NUMBER : FieldStatus.OK;
    return m;
  }

  /** The value as a string (latin1: one char per byte; allocates); undefined when absent. */
  getString(tag: number): string | undefined {
    const i = this.indexOf(tag);
    if (i < 0) {
      this.status = FieldStatus.ABSENT;
      return undefined;
    }
    this.status = FieldStatus.OK;
    return this.stringAt(i);
  }

  /** Copy the value into dest at destOffset; returns its length, or -1 when absent or dest is too short. */
  getBytes(tag: number, dest: Uint8Array, destOffset = 0): number {
    const i = this.indexOf(tag);
    if (i < 0) {
      this.status = FieldStatus.ABSENT;
      return -1;
    }
    const start = this.valueOffset(i);
    const len = this.valueLength(i);
    if (destOffset + len > dest.length) return -1;
    this.status = FieldStatus.OK;
    dest.set(this.bytes.subarray(start, start + len), destOffset);
    return len;
  }

  /** Whether the tag is present with exactly these bytes as value. Allocates nothing. */
  valueEquals(tag: number, ascii: Uint8Array): boolean {
    const i = this.indexOf(tag);
    return i >= 0 && this.valueEqualsAt(i, ascii);
  }

  valueEqualsAt(i: number, ascii: Uint8Array): boolean {
    const len = this.valueLength(i);
    if (len !== ascii.length) return false;
    const b = this.bytes;
    const start = this.valueOffset(i);
    for (let k = 0; k < len; k++) if (b[start + k] !== ascii[k]) return false;
    return true;
  }

  /**
   * Number of entries of the group whose NumInGroup field `countTag` is at this level (entries found
   * in the message, which equals the NumInGroup value unless problem is NumInGroupMismatch); 0 when
   * absent.
   */
  groupCount(countTag: number): number {
    const c = this.indexOf(countTag);
    if (c < 0) return 0;
    const w = this.words;
    const end = w[this.fieldWord + c * 4 + 3]!;
    let n = 0;
    for (let e = c + 1; e < end; e = w[this.fieldWord + e * 4 + 3]!) n++;
    return n;
  }

  /**
   * Position `cursor` before the first entry of the group `countTag` at this level; returns the
   * entry count (0 when absent: cursor.next() is then false). Iterate with `while (cursor.next())`.
   */
  group(countTag: number, cursor: FixGroup): number {
    const c = this.indexOf(countTag);
    cursor.attach(this.bytes, this.words, this.fieldWord, this.rawStart, c < 0 ? 0 : c + 1, c < 0 ? 0 : this.words[this.fieldWord + c * 4 + 3]!);
    return c < 0 ? 0 : this.groupCount(countTag);
  }

  // ---- by field index (any level): for generic walkers, tests and the session layer's rejects

  tagAt(i: number): number {
    return this.words[this.fieldWord + i * 4]!;
  }
  /** Byte offset of field i's value in `buffer` (not relative to the raw message). */
  valueOffset(i: number): number {
    return this.rawStart + this.words[this.fieldWord + i * 4 + 1]!;
  }
  valueLength(i: number): number {
    return this.words[this.fieldWord + i * 4 + 2]!;
  }
  /** FixField.next of field i (see the schema header comment). */
  nextAt(i: number): number {
    return this.words[this.fieldWord + i * 4 + 3]!;
  }
  stringAt(i: number): string {
    const start = this.valueOffset(i);
    return latin1(this.bytes, start, start + this.valueLength(i));
  }
  /** The wrapped buffer (valueOffset indexes into it). */
  get buffer(): Uint8Array {
    return this.bytes;
  }
}

/** An indexed message (top level). Owned by the thread that wraps it. */
export class FixMessage extends FixScope {
  private header = 0;

  /**
   * View the index payload at `payloadOffset` of `buffer`. The field area (payloadOffset + 16 from
   * the start of the ArrayBuffer) must be 4-aligned. Allocates only when the ArrayBuffer changes.
   */
  wrap(buffer: Uint8Array, payloadOffset: number): this {
    const abs = buffer.byteOffset + payloadOffset;
    if ((abs & 3) !== 0) throw new RangeError(`FixMessage.wrap: payload at byte ${abs} is not 4-aligned`);
    if (this.bytes.buffer !== buffer.buffer || this.bytes.byteOffset !== 0 || this.bytes.length !== buffer.buffer.byteLength) {
      this.bytes = new Uint8Array(buffer.buffer);
      this.words = new Uint32Array(buffer.buffer, 0, buffer.buffer.byteLength >>> 2);
    }
    const b = this.bytes;
    this.header = abs;
    this.fieldWord = (abs + FIX_INDEX_HEADER_BYTES) >>> 2;
    const count = b[abs + H_FIELD_COUNT]! | (b[abs + H_FIELD_COUNT + 1]! << 8);
    this.rawStart = abs + FIX_INDEX_HEADER_BYTES + count * FIX_FIELD_BYTES;
    this.from = 0;
    this.to = count;
    this.status = FieldStatus.OK;
    return this;
  }

  get fieldCount(): number {
    return this.to;
  }
  get rawLength(): number {
    return this.words[this.header >>> 2]!;
  }
  /** Byte offset of the raw message in `buffer`. */
  get rawOffset(): number {
    return this.rawStart;
  }
  /** FixIndexProblem code (0 = None). */
  get problem(): number {
    return this.bytes[this.header + H_PROBLEM]!;
  }
  get problemTag(): number {
    return this.words[(this.header + H_PROBLEM_TAG) >>> 2]!;
  }
  get problemField(): number {
    return this.bytes[this.header + H_PROBLEM_FIELD]! | (this.bytes[this.header + H_PROBLEM_FIELD + 1]! << 8);
  }
  /** FixDictionary code: 0 Unknown, 1 Fix44, 2 Fixt11Fix50Sp2. */
  get dictionary(): number {
    return this.bytes[this.header + H_DICTIONARY]!;
  }
  get msgTypeLength(): number {
    return this.bytes[this.header + H_MSGTYPE_LENGTH]!;
  }
  /** MsgType (35, always field 2) as a string (allocates; hot paths use msgTypeEquals). */
  get msgType(): string {
    return this.stringAt(2);
  }
  msgTypeEquals(ascii: Uint8Array): boolean {
    return this.valueEqualsAt(2, ascii);
  }
}

/**
 * Cursor over the entries of one repeating group; between next() calls the getters are scoped to the
 * current entry (its nested groups are reached with group()). Reusable; owned by the thread using it.
 */
export class FixGroup extends FixScope {
  private first = 0;
  private end = 0;
  private entry = -1;

  /** @internal Called by FixScope.group(). */
  attach(bytes: Uint8Array, words: Uint32Array, fieldWord: number, rawStart: number, first: number, end: number): void {
    this.bytes = bytes;
    this.words = words;
    this.fieldWord = fieldWord;
    this.rawStart = rawStart;
    this.first = first;
    this.end = end;
    this.entry = -1;
    this.from = 0;
    this.to = 0;
  }

  /** Advance to the next entry; false after the last. */
  next(): boolean {
    const start = this.entry < 0 ? this.first : this.to;
    if (start >= this.end) {
      this.from = this.to = this.end;
      return false;
    }
    this.entry++;
    this.from = start;
    // The delimiter's next is the first field after the entry.
    this.to = this.words[this.fieldWord + start * 4 + 3]!;
    return true;
  }

  /** 0-based index of the current entry (-1 before the first next()). */
  get index(): number {
    return this.entry;
  }
  /** Field index of the current entry's first field (its delimiter). */
  get entryStart(): number {
    return this.from;
  }
  get entryEnd(): number {
    return this.to;
  }
}

const EMPTY_BYTES = new Uint8Array(0);
const EMPTY_WORDS = new Uint32Array(0);

function latin1(b: Uint8Array, start: number, end: number): string {
  if (end - start <= 64) {
    let s = '';
    for (let i = start; i < end; i++) s += String.fromCharCode(b[i]!);
    return s;
  }
  return Buffer.from(b.buffer, b.byteOffset + start, end - start).toString('latin1');
}

export { DecimalStatus };
