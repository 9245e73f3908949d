/**
 * Outbound FIX encoding: a reusable builder that writes one message into an owned buffer, then fills in
 * BodyLength (9) and CheckSum (10). Field order is the caller's; the session layer emits the header as
 * 8, 9, 35, then the other header fields in ascending tag order, then the body (QuickFIX's order, which
 * the acceptance suite compares against).
 *
 * Memory: one buffer per builder, grown (doubling) only when a message does not fit; nothing else is
 * allocated per message (integers, decimals and BodyLength are written as digits, not via strings;
 * `finishLength` completes a message without the view object `finish` returns).
 *
 * Thread: a builder belongs to the JS thread of the session layer that owns it.
 */
import { writeFixedAscii } from '../codec/decimal.js';
import { daysFromCivil, writeUTCTimestampAscii } from '../codec/timestamp.js';

const SOH = 0x01;
const EQ = 0x3d;
/** Longest decimal text of a safe-integer mantissa at exponent -64..64: sign, 16 digits or 64 zeros, point. */
const FIXED_MAX = 84;

export class FixBuilder {
  private buf = new Uint8Array(4096);
  private pos = 0;
  private bodyStart = 0;
  private lengthPos = 0;

  /** Starts a message: writes 8=<beginString>, reserves 9, writes 35=<msgType>. */
  begin(beginString: string, msgType: string): this {
    this.pos = 0;
    this.ascii('8=');
    this.ascii(beginString);
    this.byte(SOH);
    this.ascii('9=');
    this.lengthPos = this.pos;
    this.ascii('000000');
    this.byte(SOH);
    this.bodyStart = this.pos;
    this.field(35, msgType);
    return this;
  }

  field(tag: number, value: string): this {
    this.int(tag);
    this.byte(EQ);
    this.ascii(value);
    this.byte(SOH);
    return this;
  }

  intField(tag: number, value: number): this {
    this.int(tag);
    this.byte(EQ);
    this.int(value);
    this.byte(SOH);
    return this;
  }

  /** tag=<one character> (`code`: its char code). */
  charField(tag: number, code: number): this {
    this.int(tag);
    this.ensure(3);
    this.buf[this.pos++] = EQ;
    this.buf[this.pos++] = code & 0xff;
    this.buf[this.pos++] = SOH;
    return this;
  }

  /** tag=<src[offset, offset + length)> (bytes copied as they are). */
  bytesField(tag: number, src: Uint8Array, offset: number, length: number): this {
    this.int(tag);
    this.ensure(length + 2);
    const buf = this.buf;
    let p = this.pos;
    buf[p++] = EQ;
    for (let i = 0; i < length; i++) buf[p++] = src[offset + i]!;
    buf[p++] = SOH;
    this.pos = p;
    return this;
  }

  /**
   * tag=<mantissa x 10^exponent> as decimal text with trailing fractional zeros dropped (10250000000 at
   * -9: "10.25"; 0 at -2: "0"; 12 at 2: "1200"). `mantissa` a safe integer, `exponent` -64..64
   * (src/codec/decimal.ts): returns false (nothing written) otherwise.
   */
  fixedField(tag: number, mantissa: number, exponent: number): boolean {
    const start = this.pos;
    this.int(tag);
    this.ensure(FIXED_MAX + 2);
    this.buf[this.pos++] = EQ;
    const end = writeFixedAscii(mantissa, exponent, this.buf, this.pos, true);
    if (end < 0) {
      this.pos = start;
      return false;
    }
    this.pos = end;
    this.buf[this.pos++] = SOH;
    return true;
  }

  /** Writes a pre-encoded tag text (may be invalid, e.g. "-1") and value: used when echoing. */
  rawField(tagText: string, value: string): this {
    this.ascii(tagText);
    this.byte(EQ);
    this.ascii(value);
    this.byte(SOH);
    return this;
  }

  /**
   * Completes the message (9 without leading zeros: the body is shifted left over the reserved digits)
   * and returns the view [0, length) of the internal buffer, valid until the next begin().
   */
  finish(): Uint8Array {
    return this.buf.subarray(0, this.finishLength());
  }

  /**
   * finish() without the view: completes the message and returns its length; the bytes are
   * `bytes[0, length)`, valid until the next begin().
   */
  finishLength(): number {
    const buf = this.buf;
    const bodyLen = this.pos - this.bodyStart;
    let n = 1;
    for (let v = bodyLen; v >= 10; v = (v / 10) | 0) n++;
    for (let i = n - 1, v = bodyLen; i >= 0; i--, v = (v / 10) | 0) buf[this.lengthPos + i] = 0x30 + (v % 10);
    buf.copyWithin(this.lengthPos + n, this.lengthPos + 6, this.pos);
    this.pos -= 6 - n;
    let sum = 0;
    const end = this.pos;
    for (let i = 0; i < end; i++) sum += buf[i]!;
    sum &= 0xff;
    this.ensure(7);
    const b = this.buf;
    let p = this.pos;
    b[p++] = 0x31; // 1
    b[p++] = 0x30; // 0
    b[p++] = EQ;
    b[p++] = 0x30 + ((sum / 100) | 0);
    b[p++] = 0x30 + (((sum / 10) | 0) % 10);
    b[p++] = 0x30 + (sum % 10);
    b[p++] = SOH;
    this.pos = p;
    return p;
  }

  /** The builder's buffer (a message is bytes[0, finishLength())); replaced when it grows. */
  get bytes(): Uint8Array {
    return this.buf;
  }

  private ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.pos + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.pos));
    this.buf = next;
  }

  private byte(b: number): void {
    this.ensure(1);
    this.buf[this.pos++] = b;
  }

  private ascii(s: string): void {
    this.ensure(s.length);
    for (let i = 0; i < s.length; i++) this.buf[this.pos++] = s.charCodeAt(i) & 0xff;
  }

  /** A safe integer as decimal digits (no string in between). */
  private int(v: number): void {
    this.ensure(17);
    const buf = this.buf;
    let p = this.pos;
    if (v < 0) {
      buf[p++] = 0x2d;
      v = -v;
    }
    if (v < 10) {
      buf[p] = 0x30 + v;
      this.pos = p + 1;
      return;
    }
    let n = 1;
    if (v <= 0x7fffffff) {
      // int32 arithmetic: every tag number and most values
      for (let x = v; x >= 10; x = (x / 10) | 0) n++;
      for (let i = p + n - 1; i >= p; i--) {
        const q = (v / 10) | 0;
        buf[i] = 0x30 + (v - q * 10);
        v = q;
      }
    } else {
      for (let x = v; x >= 10; x = Math.floor(x / 10)) n++;
      for (let i = p + n - 1; i >= p; i--) {
        const q = Math.floor(v / 10);
        buf[i] = 0x30 + (v - q * 10);
        v = q;
      }
    }
    this.pos = p + n;
  }
}

function pad(n: number, w: number): string {
  return String(n).padStart(w, '0');
}

/** UTC timestamp YYYYMMDD-HH:MM:SS.sss. */
export function formatUtcTimestamp(ms: number): string {
  const d = new Date(ms);
  return (
    `${d.getUTCFullYear()}${pad(d.getUTCMonth() + 1, 2)}${pad(d.getUTCDate(), 2)}-` +
    `${pad(d.getUTCHours(), 2)}:${pad(d.getUTCMinutes(), 2)}:${pad(d.getUTCSeconds(), 2)}.${pad(d.getUTCMilliseconds(), 3)}`
  );
}

/** Length of a formatted UTC timestamp with milliseconds (YYYYMMDD-HH:MM:SS.sss). */
export const UTC_TIMESTAMP_MS_LENGTH = 21;

/**
 * formatUtcTimestamp(ms) written as ASCII at out[offset..offset + 21) without allocating; returns the
 * end offset, or -1 (nothing written) when ms is before 1970, after 2554 (src/codec/timestamp.ts) or
 * does not fit.
 */
export function writeUtcTimestampMs(ms: number, out: Uint8Array, offset: number): number {
  if (!Number.isSafeInteger(ms) || ms < 0) return -1;
  const seconds = Math.floor(ms / 1000);
  return writeUTCTimestampAscii(seconds, (ms - seconds * 1000) * 1_000_000, 'ms', out, offset);
}

function digits(s: string, at: number, n: number): number {
  let v = 0;
  for (let i = at; i < at + n; i++) {
    const c = s.charCodeAt(i) - 0x30;
    if (c < 0 || c > 9) return -1;
    v = v * 10 + c;
  }
  return v;
}

/**
 * Parses a UTCTimestamp (YYYYMMDD-HH:MM:SS[.sss[sss[sss]]]) to epoch ms; NaN when malformed.
 * Hand-written (no regex, no allocation): it runs for every inbound SendingTime.
 */
export function parseUtcTimestamp(s: string): number {
  const len = s.length;
  if (len !== 17 && len !== 21 && len !== 24 && len !== 27) return NaN;
  if (s.charCodeAt(8) !== 0x2d || s.charCodeAt(11) !== 0x3a || s.charCodeAt(14) !== 0x3a) return NaN;
  const y = digits(s, 0, 4);
  const mo = digits(s, 4, 2);
  const d = digits(s, 6, 2);
  const h = digits(s, 9, 2);
  const mi = digits(s, 12, 2);
  const sec = digits(s, 15, 2);
  let ms = 0;
  if (len > 17) {
    if (s.charCodeAt(17) !== 0x2e) return NaN;
    ms = digits(s, 18, 3);
    if (ms < 0 || (len > 21 && digits(s, 21, len - 21) < 0)) return NaN;
  }
  if (y < 0 || mo < 1 || mo > 12 || d < 1 || d > 31 || h < 0 || h > 23 || mi < 0 || mi > 59 || sec < 0 || sec > 60) return NaN;
  return Date.UTC(y, mo - 1, d, h, mi, sec, ms);
}

function digitsAt(b: Uint8Array, at: number, n: number): number {
  let v = 0;
  for (let i = at; i < at + n; i++) {
    const c = b[i]! - 0x30;
    if (c < 0 || c > 9) return -1;
    v = v * 10 + c;
  }
  return v;
}

/**
 * Epoch ms of a UTCTimestamp's ASCII bytes into out[0]; false when malformed (parseUtcTimestamp's
 * rules). The result goes through a Float64Array, never returned: a double returned from a call that
 * is not inlined is boxed (a heap number per call on the hot path). Date.UTC's arithmetic is reproduced
 * (days past a month's end and second 60 roll over; years 0..99 are 1900..1999).
 */
export function scanUtcTimestampBytes(b: Uint8Array, offset: number, length: number, out: Float64Array): boolean {
  if (length !== 17 && length !== 21 && length !== 24 && length !== 27) return false;
  if (b[offset + 8] !== 0x2d || b[offset + 11] !== 0x3a || b[offset + 14] !== 0x3a) return false;
  let y = digitsAt(b, offset, 4);
  const mo = digitsAt(b, offset + 4, 2);
  const d = digitsAt(b, offset + 6, 2);
  const h = digitsAt(b, offset + 9, 2);
  const mi = digitsAt(b, offset + 12, 2);
  const sec = digitsAt(b, offset + 15, 2);
  let ms = 0;
  if (length > 17) {
    if (b[offset + 17] !== 0x2e) return false;
    ms = digitsAt(b, offset + 18, 3);
    if (ms < 0 || (length > 21 && digitsAt(b, offset + 21, length - 21) < 0)) return false;
  }
  if (y < 0 || mo < 1 || mo > 12 || d < 1 || d > 31 || h < 0 || h > 23 || mi < 0 || mi > 59 || sec < 0 || sec > 60) return false;
  if (y <= 99) y += 1900;
  out[0] = daysFromCivil(y, mo, d) * 86_400_000 + h * 3_600_000 + mi * 60_000 + sec * 1000 + ms;
  return true;
}

const scratchMs = new Float64Array(1);

/** parseUtcTimestamp of the ASCII bytes b[offset, offset + length): same rules and result (NaN when malformed). */
export function parseUtcTimestampBytes(b: Uint8Array, offset: number, length: number): number {
  return scanUtcTimestampBytes(b, offset, length, scratchMs) ? scratchMs[0]! : NaN;
}
