/**
 * Hand-written runtime for the generated SBE codecs (codegen/targets/ts). Generated code imports
 * only this module; everything here is small, allocation-free on the success path, and
 * independent of any schema.
 *
 * Conventions shared with the generated flyweights:
 * - Buffers are `Uint8Array`s owned by the caller. A flyweight keeps one `DataView` per wrapped
 *   array and re-creates it only when a different array is wrapped.
 * - Bounds are checked at the edges (wrap, group header, group entry, var data, caller storage):
 *   a read or write that would pass the end of the wrapped array throws {@link SbeBoundsError}
 *   before anything is touched. Fixed fields inside a checked block are then accessed unchecked.
 * - 64-bit integers: `bigint` accessors are exact; `…AsNumber` accessors allocate nothing and are
 *   exact within ±(2^53−1); outside that range (including the int64/uint64 null values) they read
 *   `NaN`, and the `…AsNumber` setters throw {@link SbeValueError} for anything that is not a safe
 *   integer of the field's signedness.
 *
 * Thread ownership: nothing here holds state except the shared TextDecoder, which is stateless
 * between calls; flyweights are owned by the caller's thread and are not thread-safe.
 */

/** Error codes of the codec edge API (the `GatewayError{code}` convention of the architecture). */
export type SbeErrorCode = 'SBE_OUT_OF_BOUNDS' | 'SBE_VALUE_OUT_OF_RANGE' | 'SBE_WRONG_STATE';

/** Base class of every error the generated codecs throw. A RangeError, so `instanceof RangeError` catches all. */
export class SbeError extends RangeError {
  readonly code: SbeErrorCode;
  constructor(code: SbeErrorCode, message: string) {
    super(message);
    this.code = code;
    this.name = new.target.name;
  }
}

/** A read or write would pass the end (or start) of a buffer. Nothing was read or written. */
export class SbeBoundsError extends SbeError {
  constructor(
    readonly what: string,
    readonly offset: number,
    readonly length: number,
    readonly capacity: number,
  ) {
    super('SBE_OUT_OF_BOUNDS', `${what}: ${length} byte(s) at offset ${offset} do not fit a buffer of ${capacity} byte(s)`);
  }
}

/** A value cannot be encoded: out of range for its type, too long, or not representable in the charset. */
export class SbeValueError extends SbeError {
  constructor(message: string) {
    super('SBE_VALUE_OUT_OF_RANGE', message);
  }
}

/** A flyweight was used out of order: `next()` past the count, wrong template in a header, … */
export class SbeStateError extends SbeError {
  constructor(message: string) {
    super('SBE_WRONG_STATE', message);
  }
}

/** Something with a `limit` (the root message flyweight): groups and var data advance it. */
export interface SbeLimitOwner {
  limit: number;
}

/** Character sets the generated code supports (from the schema's characterEncoding). */
export type SbeCharset = 'US-ASCII' | 'ISO-8859-1' | 'UTF-8';

/** Placeholder buffer of a flyweight that has not been wrapped yet. */
export const EMPTY_BUFFER: Uint8Array = new Uint8Array(0);
/** View of {@link EMPTY_BUFFER}. */
export const EMPTY_VIEW: DataView = new DataView(EMPTY_BUFFER.buffer, 0, 0);

/** A DataView over exactly the bytes of `buffer` (respects byteOffset/byteLength). */
export function viewOf(buffer: Uint8Array): DataView {
  return new DataView(buffer.buffer, buffer.byteOffset, buffer.byteLength);
}

/** Throw {@link SbeBoundsError} unless `length` bytes at `offset` lie inside `buffer`. */
export function checkBounds(buffer: Uint8Array, offset: number, length: number, what: string): void {
  if (!(offset >= 0 && length >= 0 && offset + length <= buffer.length)) {
    throw new SbeBoundsError(what, offset, length, buffer.length);
  }
}

/** Throw {@link SbeBoundsError} unless `index` is an integer in [0, length). */
export function checkIndex(index: number, length: number, what: string): void {
  if (!(index >= 0 && index < length && Math.floor(index) === index)) {
    throw new SbeBoundsError(`${what}[${index}]`, index, 1, length);
  }
}

// ---------------------------------------------------------------- 64-bit integers

const TWO_32 = 4294967296;

/** uint64 as a number: exact up to 2^53−1, NaN above. Allocates nothing. */
export function getUint64AsNumber(view: DataView, offset: number, littleEndian: boolean): number {
  const lo = view.getUint32(littleEndian ? offset : offset + 4, littleEndian);
  const hi = view.getUint32(littleEndian ? offset + 4 : offset, littleEndian);
  return hi <= 0x1fffff ? hi * TWO_32 + lo : NaN;
}

/** int64 as a number: exact within ±(2^53−1), NaN outside. Allocates nothing. */
export function getInt64AsNumber(view: DataView, offset: number, littleEndian: boolean): number {
  const lo = view.getUint32(littleEndian ? offset : offset + 4, littleEndian);
  const hi = view.getInt32(littleEndian ? offset + 4 : offset, littleEndian);
  if (hi > 0x1fffff || hi < -0x200000 || (hi === -0x200000 && lo === 0)) return NaN;
  return hi * TWO_32 + lo;
}

/** Write a safe, non-negative integer as uint64; throws {@link SbeValueError} otherwise. */
export function setUint64FromNumber(view: DataView, offset: number, value: number, littleEndian: boolean): void {
  if (!(Number.isSafeInteger(value) && value >= 0)) {
    throw new SbeValueError(`${value} is not an exact uint64 number (0..2^53-1); use the bigint setter`);
  }
  const hi = Math.floor(value / TWO_32);
  view.setUint32(littleEndian ? offset : offset + 4, value - hi * TWO_32, littleEndian);
  view.setUint32(littleEndian ? offset + 4 : offset, hi, littleEndian);
}

/** Write a safe integer as int64; throws {@link SbeValueError} otherwise. */
export function setInt64FromNumber(view: DataView, offset: number, value: number, littleEndian: boolean): void {
  if (!Number.isSafeInteger(value)) {
    throw new SbeValueError(`${value} is not an exact int64 number (±(2^53-1)); use the bigint setter`);
  }
  const hi = Math.floor(value / TWO_32);
  view.setUint32(littleEndian ? offset : offset + 4, value - hi * TWO_32, littleEndian);
  view.setInt32(littleEndian ? offset + 4 : offset, hi, littleEndian);
}

const UINT64_MAX = 0xffffffffffffffffn;
const INT64_MIN = -0x8000000000000000n;
const INT64_MAX = 0x7fffffffffffffffn;

/** Write a uint64 from a bigint; throws {@link SbeValueError} outside 0..2^64−1 (never wraps). */
export function setUint64(view: DataView, offset: number, value: bigint, littleEndian: boolean): void {
  if (value < 0n || value > UINT64_MAX) throw new SbeValueError(`${value} does not fit uint64`);
  view.setBigUint64(offset, value, littleEndian);
}

/** Write an int64 from a bigint; throws {@link SbeValueError} outside −2^63..2^63−1 (never wraps). */
export function setInt64(view: DataView, offset: number, value: bigint, littleEndian: boolean): void {
  if (value < INT64_MIN || value > INT64_MAX) throw new SbeValueError(`${value} does not fit int64`);
  view.setBigInt64(offset, value, littleEndian);
}

/** True when the 8 bytes at `offset` hold the 64-bit pattern hi:lo (two uint32 halves). Allocates nothing. */
export function equals64(view: DataView, offset: number, littleEndian: boolean, hi: number, lo: number): boolean {
  return (
    view.getUint32(littleEndian ? offset : offset + 4, littleEndian) === lo &&
    view.getUint32(littleEndian ? offset + 4 : offset, littleEndian) === hi
  );
}

// ---------------------------------------------------------------- bytes and text

/** Copy `length` bytes; both ranges are bounds-checked. Allocates nothing for copies up to 64 bytes. */
export function copyBytes(src: Uint8Array, srcOffset: number, dst: Uint8Array, dstOffset: number, length: number): void {
  checkBounds(src, srcOffset, length, 'source');
  checkBounds(dst, dstOffset, length, 'destination');
  if (length <= 64) {
    for (let i = 0; i < length; i++) dst[dstOffset + i] = src[srcOffset + i]!;
  } else if (src === dst) {
    dst.copyWithin(dstOffset, srcOffset, srcOffset + length);
  } else {
    dst.set(src.subarray(srcOffset, srcOffset + length), dstOffset);
  }
}

const UTF8_DECODER = new TextDecoder('utf-8', { fatal: false, ignoreBOM: true });

function readLatin1(buffer: Uint8Array, offset: number, length: number): string {
  if (length <= 64) {
    let s = '';
    for (let i = 0; i < length; i++) s += String.fromCharCode(buffer[offset + i]!);
    return s;
  }
  let s = '';
  for (let i = 0; i < length; i += 4096) {
    const end = Math.min(length, i + 4096);
    s += String.fromCharCode.apply(null, buffer.subarray(offset + i, offset + end) as unknown as number[]);
  }
  return s;
}

/**
 * Decode `length` bytes as text. UTF-8: malformed sequences become U+FFFD; a BOM is kept.
 * US-ASCII and ISO-8859-1: one character per byte (bytes ≥ 0x80 in US-ASCII text decode as their
 * ISO-8859-1 characters, so nothing is lost).
 */
export function readText(buffer: Uint8Array, offset: number, length: number, charset: SbeCharset): string {
  checkBounds(buffer, offset, length, 'text');
  if (length === 0) return '';
  if (charset === 'UTF-8') return UTF8_DECODER.decode(buffer.subarray(offset, offset + length));
  return readLatin1(buffer, offset, length);
}

/** Decode a fixed char array, stopping at the first NUL. */
export function readCharArray(buffer: Uint8Array, offset: number, length: number, charset: SbeCharset): string {
  let n = 0;
  while (n < length && buffer[offset + n] !== 0) n++;
  return readText(buffer, offset, n, charset);
}

/** Number of bytes before the first NUL of a fixed char array. */
export function charArrayLength(buffer: Uint8Array, offset: number, length: number): number {
  let n = 0;
  while (n < length && buffer[offset + n] !== 0) n++;
  return n;
}

/** UTF-8 length of a string; lone surrogates count as U+FFFD (3 bytes), like TextEncoder. */
export function utf8Length(value: string): number {
  let n = 0;
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < value.length && (value.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      n += 4;
      i++;
    } else n += 3;
  }
  return n;
}

/** Encoded length of `value` in `charset` (UTF-8: {@link utf8Length}; others: one byte per UTF-16 unit). */
export function textLength(value: string, charset: SbeCharset): number {
  return charset === 'UTF-8' ? utf8Length(value) : value.length;
}

function writeUtf8(buffer: Uint8Array, offset: number, value: string): number {
  let p = offset;
  for (let i = 0; i < value.length; i++) {
    let c = value.charCodeAt(i);
    if (c < 0x80) {
      buffer[p++] = c;
      continue;
    }
    if (c < 0x800) {
      buffer[p++] = 0xc0 | (c >> 6);
      buffer[p++] = 0x80 | (c & 0x3f);
      continue;
    }
    if (c >= 0xd800 && c <= 0xdfff) {
      const d = i + 1 < value.length ? value.charCodeAt(i + 1) : 0;
      if (c <= 0xdbff && (d & 0xfc00) === 0xdc00) {
        const cp = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00);
        buffer[p++] = 0xf0 | (cp >> 18);
        buffer[p++] = 0x80 | ((cp >> 12) & 0x3f);
        buffer[p++] = 0x80 | ((cp >> 6) & 0x3f);
        buffer[p++] = 0x80 | (cp & 0x3f);
        i++;
        continue;
      }
      c = 0xfffd;
    }
    buffer[p++] = 0xe0 | (c >> 12);
    buffer[p++] = 0x80 | ((c >> 6) & 0x3f);
    buffer[p++] = 0x80 | (c & 0x3f);
  }
  return p - offset;
}

/**
 * Encode `value` at `offset`; the caller has checked that {@link textLength} bytes fit. Returns the
 * bytes written. Throws {@link SbeValueError} for a character the charset cannot represent
 * (US-ASCII: above U+007F; ISO-8859-1: above U+00FF) before writing anything.
 */
export function writeText(buffer: Uint8Array, offset: number, value: string, charset: SbeCharset): number {
  if (charset === 'UTF-8') return writeUtf8(buffer, offset, value);
  const max = charset === 'US-ASCII' ? 0x7f : 0xff;
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c > max) {
      throw new SbeValueError(`character U+${c.toString(16).padStart(4, '0')} at index ${i} is not ${charset}`);
    }
  }
  for (let i = 0; i < value.length; i++) buffer[offset + i] = value.charCodeAt(i);
  return value.length;
}

/**
 * Encode `value` into a fixed char array of `length` bytes and NUL-pad the rest. Throws
 * {@link SbeValueError} (nothing written) when the encoded text is longer than the array.
 */
export function writeCharArray(buffer: Uint8Array, offset: number, length: number, value: string, charset: SbeCharset, what: string): void {
  const n = textLength(value, charset);
  if (n > length) throw new SbeValueError(`${what}: "${value}" needs ${n} byte(s) in ${charset}, the field holds ${length}`);
  checkBounds(buffer, offset, length, what);
  const written = writeText(buffer, offset, value, charset);
  buffer.fill(0, offset + written, offset + length);
}
