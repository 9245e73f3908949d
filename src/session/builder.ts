/**
 * Outbound FIX encoding: a reusable builder that writes one message into an owned buffer, then fills in
 * BodyLength (9) and CheckSum (10). Field order is the caller's; the session layer emits the header as
 * 8, 9, 35, then the other header fields in ascending tag order, then the body (QuickFIX's order, which
 * the acceptance suite compares against).
 *
 * Memory: one buffer per builder, grown (doubling) only when a message does not fit; nothing else is
 * allocated per message except for string values the caller passes.
 *
 * Thread: a builder belongs to the JS thread of the session layer that owns it.
 */
const SOH = 0x01;
const EQ = 0x3d;

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
    const bodyLen = this.pos - this.bodyStart;
    const digits = String(bodyLen);
    const shift = 6 - digits.length;
    for (let i = 0; i < digits.length; i++) this.buf[this.lengthPos + i] = digits.charCodeAt(i);
    this.buf.copyWithin(this.lengthPos + digits.length, this.lengthPos + 6, this.pos);
    this.pos -= shift;
    let sum = 0;
    for (let i = 0; i < this.pos; i++) sum += this.buf[i];
    sum &= 0xff;
    this.ascii('10=');
    this.byte(0x30 + Math.floor(sum / 100));
    this.byte(0x30 + (Math.floor(sum / 10) % 10));
    this.byte(0x30 + (sum % 10));
    this.byte(SOH);
    return this.buf.subarray(0, this.pos);
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

  private int(v: number): void {
    if (v < 0) {
      this.byte(0x2d);
      v = -v;
    }
    if (v < 10) {
      this.byte(0x30 + v);
      return;
    }
    this.ascii(String(v));
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
