/**
 * Timestamps and dates, exactly.
 *
 * - A timestamp is a uint64 count of nanoseconds since 1970-01-01T00:00:00Z (SBE
 *   `epoch="unix" timeUnit="nanosecond"`), as a bigint at the edges. Unix time has no leap
 *   seconds. Range 1970-01-01T00:00:00Z .. 2554-07-21T23:34:33.709551614Z (2^64-1 is the SBE null).
 * - A LocalMktDate on the wire is a uint16 count of days since 1970-01-01: 0..65534
 *   (1970-01-01 .. 2149-06-05); 65535 is the SBE null.
 *
 * FIX text forms:
 * - UTCTimestamp `YYYYMMDD-HH:MM:SS`, optionally `.sss`, `.ssssss` or `.sssssssss` (seconds,
 *   millis, micros, nanos). Parsing reads exactly what is written (no rounding); formatting at a
 *   lower precision truncates toward the past, so it never rolls into the next second or day.
 *   A leap second (SS=60, which FIX allows and Unix time cannot represent) is accepted only at
 *   23:59:60 and maps to 23:59:59.999999999 of that day: order is kept, the value is clamped.
 * - LocalMktDate `YYYYMMDD`.
 *
 * All calendar arithmetic is integer arithmetic on the proleptic Gregorian calendar; `Date` is
 * never used (no time zones, no millisecond rounding, no 2^53 limits on nanoseconds).
 *
 * Layers as in decimal.ts: hot-path functions return sentinels plus `timestampStatus()` and do not
 * allocate (except those that return a bigint, which is one allocation by nature); the `…OrThrow`
 * and string functions are for edges and throw `GatewayError` with `TIMESTAMP_*` codes.
 *
 * Module state: the status word of the last hot-path call, per thread.
 */
import { CodecErrorCode, GatewayError } from './errors.js';

export const TimestampStatus = {
  OK: 0,
  /** Wrong length, separators or non-digits. */
  SYNTAX: 1,
  /** Well-formed but not a real date/time (month 13, 30 February, 24:00, leap second not at 23:59). */
  INVALID: 2,
  /** A real date/time the encoding cannot carry (before 1970, after the uint64 / uint16 range). */
  RANGE: 3,
} as const;
export type TimestampStatus = (typeof TimestampStatus)[keyof typeof TimestampStatus];

/** Fractional-second precision of a FIX UTCTimestamp: 0, 3, 6 or 9 digits. */
export type TimePrecision = 's' | 'ms' | 'us' | 'ns';

export const NANOS_PER_SECOND = 1_000_000_000;
const NANOS_PER_SECOND_N = 1_000_000_000n;
/** SBE uint64 null: "no timestamp". Also the failure sentinel of `parseUTCTimestampAscii`. */
export const UTC_TIMESTAMP_NULL = (1n << 64n) - 1n;
/** Largest encodable timestamp (2^64 - 2 ns). */
export const UTC_TIMESTAMP_MAX = (1n << 64n) - 2n;
/** SBE uint16 null: "no date". Also the failure sentinel of the LocalMktDate parser. */
export const LOCAL_MKT_DATE_NULL = 65535;
export const LOCAL_MKT_DATE_MAX = 65534;

// UTC_TIMESTAMP_MAX split into seconds and nanoseconds.
const MAX_SECONDS = 18446744073;
const MAX_NANOS_AT_MAX_SECONDS = 709551614;

const CH_0 = 0x30;
const CH_9 = 0x39;

let status: TimestampStatus = TimestampStatus.OK;

/** Status of the last hot-path call in this thread. */
export function timestampStatus(): TimestampStatus {
  return status;
}

// ------------------------------------------------------------------------------------------ calendar

export function isLeapYear(y: number): boolean {
  return (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
}

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

export function daysInMonth(y: number, m: number): number {
  return m === 2 && isLeapYear(y) ? 29 : DAYS_IN_MONTH[m - 1];
}

/**
 * Days since 1970-01-01 of the proleptic Gregorian date y-m-d (m 1..12, d 1..31, not checked
 * here). Works on 400-year eras of 146097 days with March as the first month, so February's
 * length only matters at the end of the shifted year.
 */
export function daysFromCivil(y: number, m: number, d: number): number {
  const yy = m <= 2 ? y - 1 : y;
  const era = Math.floor(yy / 400);
  const yoe = yy - era * 400; // 0..399
  const mp = m > 2 ? m - 3 : m + 9; // March = 0 .. February = 11
  const doy = Math.floor((153 * mp + 2) / 5) + d - 1; // 0..365
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy; // 0..146096
  return era * 146097 + doe - 719468; // 719468 = days from 0000-03-01 to 1970-01-01
}

/** Civil date of a day count since 1970-01-01; the inverse of `daysFromCivil`. */
export interface CivilDate {
  year: number;
  month: number;
  day: number;
}

/** Fill `out` with the civil date of `days` since 1970-01-01 (no allocation); returns `out`. */
export function civilFromDays(days: number, out: CivilDate): CivilDate {
  const z = days + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097; // 0..146096
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365); // 0..399
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100)); // 0..365
  const mp = Math.floor((5 * doy + 2) / 153); // 0..11, March = 0
  out.day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  out.month = mp < 10 ? mp + 3 : mp - 9;
  out.year = yoe + era * 400 + (out.month <= 2 ? 1 : 0);
  return out;
}

// ------------------------------------------------------------------------------------------ digits

/** Value of `n` ASCII digits at b[i..i+n), or -1 if any is not a digit. */
function digits(b: Uint8Array, i: number, n: number): number {
  let v = 0;
  for (let k = 0; k < n; k++) {
    const c = b[i + k];
    if (c < CH_0 || c > CH_9) return -1;
    v = v * 10 + (c - CH_0);
  }
  return v;
}

/** Write `v` as exactly `n` ASCII digits at out[i..i+n) (v < 10^n). */
function putDigits(out: Uint8Array, i: number, n: number, v: number): void {
  for (let k = i + n - 1; k >= i; k--) {
    const q = (v / 10) | 0; // v < 10^9 < 2^31: int32 arithmetic
    out[k] = CH_0 + v - q * 10;
    v = q;
  }
}

// ------------------------------------------------------------------------------------------ LocalMktDate

/**
 * Parse `YYYYMMDD` in bytes[start, end) into days since 1970-01-01 (0..65534). Returns
 * LOCAL_MKT_DATE_NULL with `timestampStatus()` SYNTAX, INVALID or RANGE on failure.
 */
export function parseLocalMktDateAscii(b: Uint8Array, start: number, end: number): number {
  if (end - start !== 8 || start < 0 || end > b.length) {
    status = TimestampStatus.SYNTAX;
    return LOCAL_MKT_DATE_NULL;
  }
  const y = digits(b, start, 4);
  const m = digits(b, start + 4, 2);
  const d = digits(b, start + 6, 2);
  if (y < 0 || m < 0 || d < 0) {
    status = TimestampStatus.SYNTAX;
    return LOCAL_MKT_DATE_NULL;
  }
  if (m < 1 || m > 12 || d < 1 || d > daysInMonth(y, m)) {
    status = TimestampStatus.INVALID;
    return LOCAL_MKT_DATE_NULL;
  }
  const days = daysFromCivil(y, m, d);
  if (days < 0 || days > LOCAL_MKT_DATE_MAX) {
    status = TimestampStatus.RANGE;
    return LOCAL_MKT_DATE_NULL;
  }
  status = TimestampStatus.OK;
  return days;
}

/**
 * Write `YYYYMMDD` for `days` since 1970-01-01 at out[offset..offset+8). Returns offset + 8, or
 * -1 (status RANGE) if `days` is not 0..65534 or it does not fit. No allocation.
 */
export function writeLocalMktDateAscii(days: number, out: Uint8Array, offset: number): number {
  if (!Number.isInteger(days) || days < 0 || days > LOCAL_MKT_DATE_MAX || offset < 0 || offset + 8 > out.length) {
    status = TimestampStatus.RANGE;
    return -1;
  }
  civilFromDays(days, scratchDate);
  putDigits(out, offset, 4, scratchDate.year);
  putDigits(out, offset + 4, 2, scratchDate.month);
  putDigits(out, offset + 6, 2, scratchDate.day);
  status = TimestampStatus.OK;
  return offset + 8;
}

const scratchDate: CivilDate = { year: 0, month: 0, day: 0 };
const textScratch = new Uint8Array(32);

function textToScratch(text: string): number {
  const n = Math.min(text.length, textScratch.length);
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    textScratch[i] = c < 0x80 ? c : 0xff;
  }
  return text.length > textScratch.length ? -1 : n;
}

function statusError(s: TimestampStatus, what: string, context: Record<string, unknown>): GatewayError {
  switch (s) {
    case TimestampStatus.SYNTAX:
      return new GatewayError(CodecErrorCode.TIMESTAMP_SYNTAX, `${what} is malformed`, context);
    case TimestampStatus.INVALID:
      return new GatewayError(CodecErrorCode.TIMESTAMP_INVALID, `${what} is not a real date/time`, context);
    default:
      return new GatewayError(CodecErrorCode.TIMESTAMP_RANGE, `${what} is outside the encodable range`, context);
  }
}

/** Days since 1970-01-01 of a `YYYYMMDD` LocalMktDate. Throws TIMESTAMP_*. */
export function parseLocalMktDate(text: string): number {
  const n = textToScratch(text);
  const days = n < 0 ? LOCAL_MKT_DATE_NULL : parseLocalMktDateAscii(textScratch, 0, n);
  if (n < 0) status = TimestampStatus.SYNTAX;
  if (status !== TimestampStatus.OK) throw statusError(status, `LocalMktDate "${text}"`, { text });
  return days;
}

/** `YYYYMMDD` of `days` since 1970-01-01 (0..65534). Throws TIMESTAMP_RANGE. */
export function formatLocalMktDate(days: number): string {
  const buf = new Uint8Array(8);
  if (writeLocalMktDateAscii(days, buf, 0) < 0) throw statusError(status, `day ${days}`, { days });
  return String.fromCharCode(...buf);
}

// ------------------------------------------------------------------------------------------ UTCTimestamp

/** Caller-owned result of `scanUTCTimestamp`: whole seconds since the epoch and the nanoseconds. */
export interface EpochParts {
  seconds: number;
  nanos: number;
}

/** A fresh `EpochParts`, to be reused by one owner. */
export function epochParts(): EpochParts {
  return { seconds: 0, nanos: 0 };
}

/**
 * Parse a FIX UTCTimestamp in bytes[start, end) into `out` (seconds since the epoch, 0..999999999
 * nanoseconds). Returns the status (OK, SYNTAX, INVALID, RANGE). No allocation.
 */
export function scanUTCTimestamp(b: Uint8Array, start: number, end: number, out: EpochParts): TimestampStatus {
  const len = end - start;
  if (start < 0 || end > b.length || (len !== 17 && len !== 21 && len !== 24 && len !== 27)) return (status = TimestampStatus.SYNTAX);
  if (b[start + 8] !== 0x2d || b[start + 11] !== 0x3a || b[start + 14] !== 0x3a) return (status = TimestampStatus.SYNTAX);
  if (len > 17 && b[start + 17] !== 0x2e) return (status = TimestampStatus.SYNTAX);
  const y = digits(b, start, 4);
  const mo = digits(b, start + 4, 2);
  const d = digits(b, start + 6, 2);
  const h = digits(b, start + 9, 2);
  const mi = digits(b, start + 12, 2);
  let s = digits(b, start + 15, 2);
  const fracDigits = len > 17 ? len - 18 : 0;
  let nanos = fracDigits > 0 ? digits(b, start + 18, fracDigits) : 0;
  if (y < 0 || mo < 0 || d < 0 || h < 0 || mi < 0 || s < 0 || nanos < 0) return (status = TimestampStatus.SYNTAX);
  if (mo < 1 || mo > 12 || d < 1 || d > daysInMonth(y, mo) || h > 23 || mi > 59 || s > 60) return (status = TimestampStatus.INVALID);
  if (s === 60) {
    if (h !== 23 || mi !== 59) return (status = TimestampStatus.INVALID);
    s = 59;
    nanos = NANOS_PER_SECOND - 1;
  } else {
    nanos *= fracDigits === 3 ? 1_000_000 : fracDigits === 6 ? 1_000 : 1;
  }
  const days = daysFromCivil(y, mo, d);
  const seconds = days * 86400 + h * 3600 + mi * 60 + s;
  if (days < 0 || seconds > MAX_SECONDS || (seconds === MAX_SECONDS && nanos > MAX_NANOS_AT_MAX_SECONDS))
    return (status = TimestampStatus.RANGE);
  out.seconds = seconds;
  out.nanos = nanos;
  return (status = TimestampStatus.OK);
}

const scratchParts: EpochParts = { seconds: 0, nanos: 0 };

/**
 * Parse a FIX UTCTimestamp in bytes[start, end) into nanoseconds since the epoch. Returns
 * UTC_TIMESTAMP_NULL with `timestampStatus()` set on failure. Allocates only the result bigint;
 * use `scanUTCTimestamp` + `writeEpochNanos` to go from bytes to a wire field with no allocation.
 */
export function parseUTCTimestampAscii(b: Uint8Array, start: number, end: number): bigint {
  if (scanUTCTimestamp(b, start, end, scratchParts) !== TimestampStatus.OK) return UTC_TIMESTAMP_NULL;
  return BigInt(scratchParts.seconds) * NANOS_PER_SECOND_N + BigInt(scratchParts.nanos);
}

/** Nanoseconds since the epoch of a FIX UTCTimestamp. Throws TIMESTAMP_*. */
export function parseUTCTimestamp(text: string): bigint {
  const n = textToScratch(text);
  if (n < 0) throw statusError(TimestampStatus.SYNTAX, `UTCTimestamp "${text}"`, { text });
  const ns = parseUTCTimestampAscii(textScratch, 0, n);
  if (status !== TimestampStatus.OK) throw statusError(status, `UTCTimestamp "${text}"`, { text });
  return ns;
}

/**
 * Write the FIX UTCTimestamp of (seconds, nanos) at `precision` (truncating) at out[offset..).
 * Returns the end offset, or -1 (status RANGE) when the time is out of range or does not fit.
 * Length: 17 (s), 21 (ms), 24 (us), 27 (ns). No allocation.
 */
export function writeUTCTimestampAscii(
  seconds: number,
  nanos: number,
  precision: TimePrecision,
  out: Uint8Array,
  offset: number,
): number {
  const fd = precision === 'ns' ? 9 : precision === 'us' ? 6 : precision === 'ms' ? 3 : 0;
  const len = fd === 0 ? 17 : 18 + fd;
  if (
    !Number.isInteger(seconds) ||
    !Number.isInteger(nanos) ||
    seconds < 0 ||
    nanos < 0 ||
    nanos >= NANOS_PER_SECOND ||
    seconds > MAX_SECONDS ||
    (seconds === MAX_SECONDS && nanos > MAX_NANOS_AT_MAX_SECONDS) ||
    offset < 0 ||
    offset + len > out.length
  ) {
    status = TimestampStatus.RANGE;
    return -1;
  }
  const days = Math.floor(seconds / 86400);
  const secOfDay = seconds - days * 86400; // exact, and int32 from here on
  civilFromDays(days, scratchDate);
  putDigits(out, offset, 4, scratchDate.year);
  putDigits(out, offset + 4, 2, scratchDate.month);
  putDigits(out, offset + 6, 2, scratchDate.day);
  out[offset + 8] = 0x2d;
  const h = (secOfDay / 3600) | 0;
  const rest = secOfDay - h * 3600;
  const mi = (rest / 60) | 0;
  putDigits(out, offset + 9, 2, h);
  out[offset + 11] = 0x3a;
  putDigits(out, offset + 12, 2, mi);
  out[offset + 14] = 0x3a;
  putDigits(out, offset + 15, 2, rest - mi * 60);
  if (fd > 0) {
    out[offset + 17] = 0x2e;
    const frac = fd === 3 ? (nanos / 1_000_000) | 0 : fd === 6 ? (nanos / 1_000) | 0 : nanos;
    putDigits(out, offset + 18, fd, frac);
  }
  status = TimestampStatus.OK;
  return offset + len;
}

/** FIX UTCTimestamp text of `ns` nanoseconds since the epoch at `precision` (truncating). Throws TIMESTAMP_RANGE. */
export function formatUTCTimestamp(ns: bigint, precision: TimePrecision = 'ns'): string {
  if (ns < 0n || ns > UTC_TIMESTAMP_MAX)
    throw new GatewayError(CodecErrorCode.TIMESTAMP_RANGE, `${ns} ns is outside 0..2^64-2`, { ns });
  const buf = new Uint8Array(27);
  const end = writeUTCTimestampAscii(Number(ns / NANOS_PER_SECOND_N), Number(ns % NANOS_PER_SECOND_N), precision, buf, 0);
  return String.fromCharCode(...buf.subarray(0, end));
}

// ------------------------------------------------------------------------------------------ uint64 nanoseconds without bigint

/** ns = seconds x 10^9 + nanos as a bigint (edge helper). */
export function epochNanos(seconds: number, nanos: number): bigint {
  return BigInt(seconds) * NANOS_PER_SECOND_N + BigInt(nanos);
}

/** Split ns since the epoch into `out` (seconds, nanos). */
export function splitEpochNanos(ns: bigint, out: EpochParts): EpochParts {
  out.seconds = Number(ns / NANOS_PER_SECOND_N);
  out.nanos = Number(ns % NANOS_PER_SECOND_N);
  return out;
}

const TWO32 = 4294967296;

/**
 * Store seconds x 10^9 + nanos as a uint64 at view[offset] without a bigint (two 32-bit words;
 * every intermediate stays below 2^53). `seconds` must be 0..18446744073 and `nanos` 0..999999999
 * (as produced by `scanUTCTimestamp`); returns false, writing nothing, otherwise.
 */
export function writeEpochNanos(view: DataView, offset: number, seconds: number, nanos: number, littleEndian = true): boolean {
  if (seconds < 0 || seconds > MAX_SECONDS || nanos < 0 || nanos >= NANOS_PER_SECOND) return false;
  if (seconds === MAX_SECONDS && nanos > MAX_NANOS_AT_MAX_SECONDS) return false;
  const s0 = seconds % 65536; // seconds = s1 * 2^16 + s0
  const s1 = (seconds - s0) / 65536; // < 2^18
  const low = s0 * NANOS_PER_SECOND + nanos; // < 2^46
  const high = s1 * NANOS_PER_SECOND; // < 2^48; contributes high * 2^16
  const hMod = high % 65536;
  const sum = hMod * 65536 + low; // < 2^48
  const lo = sum % TWO32;
  const hi = (high - hMod) / 65536 + (sum - lo) / TWO32;
  if (littleEndian) {
    view.setUint32(offset, lo, true);
    view.setUint32(offset + 4, hi, true);
  } else {
    view.setUint32(offset, hi, false);
    view.setUint32(offset + 4, lo, false);
  }
  return true;
}

/**
 * Read a uint64 nanosecond timestamp at view[offset] into `out` (seconds, nanos) without a bigint
 * (long division by 10^9 over four 16-bit limbs). Returns false for the null value 2^64-1.
 */
export function readEpochNanos(view: DataView, offset: number, out: EpochParts, littleEndian = true): boolean {
  const lo = view.getUint32(littleEndian ? offset : offset + 4, littleEndian);
  const hi = view.getUint32(littleEndian ? offset + 4 : offset, littleEndian);
  if (lo === 0xffffffff && hi === 0xffffffff) return false;
  let q = 0;
  let rem = 0;
  for (let k = 0; k < 4; k++) {
    const limb = k === 0 ? hi >>> 16 : k === 1 ? hi & 0xffff : k === 2 ? lo >>> 16 : lo & 0xffff;
    const cur = rem * 65536 + limb; // < 2^46
    let qi = Math.floor(cur / NANOS_PER_SECOND);
    rem = cur - qi * NANOS_PER_SECOND;
    if (rem < 0) {
      qi--;
      rem += NANOS_PER_SECOND;
    }
    q = q * 65536 + qi;
  }
  out.seconds = q;
  out.nanos = rem;
  return true;
}
