/**
 * Hand-written runtime for the generated SBE codecs (codegen/targets/ts). Generated code imports
 * only this module; everything here is small, allocation-free on the success path (but for one
 * DataView per caller array that copies go through, made once), and independent of any schema.
 * Performance notes on the shapes chosen here: codegen/README-ts.md.
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
 * Thread ownership: the module state (the shared TextDecoder, the 64-bit readers' result slot, the
 * cache of DataViews over caller arrays) is only used within one call; flyweights are owned by the
 * caller's thread and are not thread-safe.
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

/** The error of a group's `next()` past its count (built out of line: keeps `next()` small). */
export function pastCount(group: string, count: number): SbeStateError {
  return new SbeStateError(`${group}: next() past the count ${count}`);
}

/** Something with a `limit` (the root message flyweight): groups and var data advance it. */
export interface SbeLimitOwner {
  limit: number;
}

/**
 * The position a message flyweight and its group flyweights share: just past what has been read or
 * written. One class for every message, so group code reads and writes it as a plain field.
 */
export class SbeCursor implements SbeLimitOwner {
  limit = 0;
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
/** 2^53 − 1 (Number.MAX_SAFE_INTEGER). */
const MAX_SAFE = 9007199254740991;

// The …AsNumber readers. A double returned from a call that V8 does not inline is boxed (a heap
// allocation). V8 always inlines a function of at most 27 bytes of bytecode, and inlines larger ones
// only while a per-caller budget lasts, which a decoder reading fifty fields soon exhausts. So each
// reader is tiny and hands the work to a worker that leaves its result in NUMBER_SLOT: whether or
// not the worker is inlined, nothing is allocated. One reader per byte order, with `littleEndian`
// as a literal: straight-line code.
//
// hi·2^32 + lo is exact below 2^53 in magnitude and rounds to at least 2^53 above, so one range
// test decides. `Number.NaN`, not `NaN`: V8 has no feedback for the global `NaN` in a branch that
// never ran, and merging that unknown value with the computed double makes optimised code box it.

/** Where the 64-bit workers leave their result (a Float64Array element holds a double unboxed). */
const NUMBER_SLOT = new Float64Array(1);

/** int64 (little-endian) at `at` as a number: exact within ±(2^53−1), NaN outside. */
export function int64LE(view: DataView, at: number): number {
  decodeInt64LE(view, at);
  return NUMBER_SLOT[0]!;
}

/** int64 (big-endian) at `at` as a number: exact within ±(2^53−1), NaN outside. */
export function int64BE(view: DataView, at: number): number {
  decodeInt64BE(view, at);
  return NUMBER_SLOT[0]!;
}

/** uint64 (little-endian) at `at` as a number: exact up to 2^53−1, NaN above. */
export function uint64LE(view: DataView, at: number): number {
  decodeUint64LE(view, at);
  return NUMBER_SLOT[0]!;
}

/** uint64 (big-endian) at `at` as a number: exact up to 2^53−1, NaN above. */
export function uint64BE(view: DataView, at: number): number {
  decodeUint64BE(view, at);
  return NUMBER_SLOT[0]!;
}

function decodeInt64LE(view: DataView, at: number): void {
  const x = view.getInt32(at + 4, true) * TWO_32 + view.getUint32(at, true);
  NUMBER_SLOT[0] = x >= -MAX_SAFE && x <= MAX_SAFE ? x : Number.NaN;
}

function decodeInt64BE(view: DataView, at: number): void {
  const x = view.getInt32(at) * TWO_32 + view.getUint32(at + 4);
  NUMBER_SLOT[0] = x >= -MAX_SAFE && x <= MAX_SAFE ? x : Number.NaN;
}

function decodeUint64LE(view: DataView, at: number): void {
  const hi = view.getUint32(at + 4, true);
  NUMBER_SLOT[0] = hi <= 0x1fffff ? hi * TWO_32 + view.getUint32(at, true) : Number.NaN;
}

function decodeUint64BE(view: DataView, at: number): void {
  const hi = view.getUint32(at);
  NUMBER_SLOT[0] = hi <= 0x1fffff ? hi * TWO_32 + view.getUint32(at + 4) : Number.NaN;
}

// Number setters of 64-bit fields, one per byte order (no branch on the byte order).

/** Write a safe, non-negative integer as a little-endian uint64; throws {@link SbeValueError} otherwise. */
export function writeUint64LE(view: DataView, at: number, value: number): void {
  if (!(Number.isSafeInteger(value) && value >= 0)) throw notUint64(value);
  const hi = Math.floor(value / TWO_32);
  view.setUint32(at, value - hi * TWO_32, true);
  view.setUint32(at + 4, hi, true);
}

/** Write a safe, non-negative integer as a big-endian uint64; throws {@link SbeValueError} otherwise. */
export function writeUint64BE(view: DataView, at: number, value: number): void {
  if (!(Number.isSafeInteger(value) && value >= 0)) throw notUint64(value);
  const hi = Math.floor(value / TWO_32);
  view.setUint32(at, hi);
  view.setUint32(at + 4, value - hi * TWO_32);
}

/** Write a safe integer as a little-endian int64; throws {@link SbeValueError} otherwise. */
export function writeInt64LE(view: DataView, at: number, value: number): void {
  if (!Number.isSafeInteger(value)) throw notInt64(value);
  const hi = Math.floor(value / TWO_32);
  view.setUint32(at, value - hi * TWO_32, true);
  view.setInt32(at + 4, hi, true);
}

/** Write a safe integer as a big-endian int64; throws {@link SbeValueError} otherwise. */
export function writeInt64BE(view: DataView, at: number, value: number): void {
  if (!Number.isSafeInteger(value)) throw notInt64(value);
  const hi = Math.floor(value / TWO_32);
  view.setInt32(at, hi);
  view.setUint32(at + 4, value - hi * TWO_32);
}

function notUint64(value: number): SbeValueError {
  return new SbeValueError(`${value} is not an exact uint64 number (0..2^53-1); use the bigint setter`);
}

function notInt64(value: number): SbeValueError {
  return new SbeValueError(`${value} is not an exact int64 number (±(2^53-1)); use the bigint setter`);
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

// ---------------------------------------------------------------- bytes and text

// Copies and zeroing go four bytes at a time up to WORD_LOOP_MAX bytes; longer ranges use the native
// TypedArray#set / #fill, whose call costs more than a short loop. Copying out to a caller's array
// word by word needs a DataView over it: the views of the last four arrays used are kept at hand,
// and every view made is remembered (weakly) per array, so an array costs one DataView the first
// time and nothing after. Copies in read the caller's bytes directly (sources tend to differ from
// call to call).
const WORD_LOOP_MAX = 64;
const RECENT_ARRAYS: Uint8Array[] = [EMPTY_BUFFER, EMPTY_BUFFER, EMPTY_BUFFER, EMPTY_BUFFER];
const RECENT_VIEWS: DataView[] = [EMPTY_VIEW, EMPTY_VIEW, EMPTY_VIEW, EMPTY_VIEW];
let recentNext = 0;
const ARRAY_VIEWS = new WeakMap<Uint8Array, DataView>();

function viewOfCallerArray(array: Uint8Array): DataView {
  if (array === RECENT_ARRAYS[0]) return RECENT_VIEWS[0]!;
  if (array === RECENT_ARRAYS[1]) return RECENT_VIEWS[1]!;
  if (array === RECENT_ARRAYS[2]) return RECENT_VIEWS[2]!;
  if (array === RECENT_ARRAYS[3]) return RECENT_VIEWS[3]!;
  let view = ARRAY_VIEWS.get(array);
  if (view === undefined) ARRAY_VIEWS.set(array, (view = viewOf(array)));
  RECENT_ARRAYS[recentNext] = array;
  RECENT_VIEWS[recentNext] = view;
  recentNext = (recentNext + 1) & 3;
  return view;
}

/** Copy `length` (4 or more) bytes word by word; the last word ends exactly at `length` (it may overlap the one before). */
function copyWords(from: DataView, fromAt: number, to: DataView, toAt: number, length: number): void {
  const last = length - 4;
  for (let i = 0; ; i += 4) {
    if (i > last) i = last;
    to.setInt32(toAt + i, from.getInt32(fromAt + i, true), true);
    if (i === last) return;
  }
}

// The copy helpers check the caller's array; the range in the flyweight's view is one the generated
// code has already checked (the fixed block at wrap/next, var data before the call), and the
// DataView accessors would throw a RangeError anyway rather than touch memory outside it.
function checkArray(array: Uint8Array, offset: number, length: number, what: string): void {
  if (!(offset >= 0 && length >= 0 && offset + length <= array.length)) throw new SbeBoundsError(what, offset, length, array.length);
}

/**
 * Copy the fixed array of `length` bytes at `at` in `view` to `dst` at `dstOffset` and return the
 * number of bytes before the first NUL (`length` if there is none): the text length of a char
 * array. One pass, four bytes at a time. Throws {@link SbeBoundsError} before copying anything if
 * the bytes do not fit `dst`.
 */
export function copyOut(view: DataView, at: number, dst: Uint8Array, dstOffset: number, length: number): number {
  checkArray(dst, dstOffset, length, 'destination');
  let text = length;
  if (length < 4) {
    for (let i = length - 1; i >= 0; i--) {
      const b = view.getUint8(at + i);
      dst[dstOffset + i] = b;
      if (b === 0) text = i;
    }
    return text;
  }
  const out = viewOfCallerArray(dst);
  const last = length - 4;
  for (let i = 0; ; i += 4) {
    if (i > last) i = last;
    const w = view.getInt32(at + i, true);
    out.setInt32(dstOffset + i, w, true);
    if (text === length) {
      // Flags the zero bytes of w; the lowest flag is exact (the first NUL).
      const z = (w - 0x01010101) & ~w & 0x80808080;
      if (z !== 0) text = i + ((31 - Math.clz32(z & -z)) >> 3);
    }
    if (i === last) return text;
  }
}

/** Copy `length` bytes at `at` in `view` to `dst` at `dstOffset`. {@link SbeBoundsError} (nothing copied) if they do not fit `dst`. */
export function copyBytesOut(view: DataView, at: number, dst: Uint8Array, dstOffset: number, length: number): void {
  checkArray(dst, dstOffset, length, 'destination');
  if (length < 4) {
    for (let i = 0; i < length; i++) dst[dstOffset + i] = view.getUint8(at + i);
  } else if (length <= WORD_LOOP_MAX) {
    copyWords(view, at, viewOfCallerArray(dst), dstOffset, length);
  } else {
    dst.set(new Uint8Array(view.buffer, view.byteOffset + at, length), dstOffset);
  }
}

/** Copy `length` bytes of `src` from `srcOffset` to `at` in `view`. {@link SbeBoundsError} (nothing copied) if `src` is too short. */
export function copyBytesIn(src: Uint8Array, srcOffset: number, view: DataView, at: number, length: number): void {
  checkArray(src, srcOffset, length, 'source');
  if (length <= WORD_LOOP_MAX) {
    // Sources vary from call to call (one array per value), so no DataView over them: bytes are
    // read and written four at a time.
    let i = 0;
    for (; i + 4 <= length; i += 4) {
      const o = srcOffset + i;
      view.setInt32(at + i, src[o]! | (src[o + 1]! << 8) | (src[o + 2]! << 16) | (src[o + 3]! << 24), true);
    }
    for (; i < length; i++) view.setUint8(at + i, src[srcOffset + i]!);
  } else {
    new Uint8Array(view.buffer, view.byteOffset + at, length).set(src.subarray(srcOffset, srcOffset + length));
  }
}

/**
 * Zero `length` bytes at `at` (encoders zero every byte they own). Short ranges go four bytes at a
 * time through `view`, which beats the call into TypedArray#fill; longer ones use fill.
 */
export function zero(buffer: Uint8Array, view: DataView, at: number, length: number): void {
  if (length < 4 || length > WORD_LOOP_MAX) {
    buffer.fill(0, at, at + length);
    return;
  }
  const last = length - 4;
  for (let i = 0; ; i += 4) {
    if (i > last) i = last;
    view.setInt32(at + i, 0, true);
    if (i === last) return;
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

