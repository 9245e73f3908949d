/**
 * Exact text of fixed-point values and dates for the settlement files.
 *
 * Modelled on NSCC's public CNS descriptions and on ISO 20022; not DTCC-certified.
 *
 * Decimal text is always produced from exact integers (mantissas), never from floating point:
 * `fixed*` keeps the full scale ("12.3400", for CSV/JSON, where a column has one scale); `trimmed*`
 * drops trailing fractional zeros (the canonical xs:decimal form used in the XML: "12.34", "5").
 * Stateless; any thread.
 */
import { daysInMonth } from '../codec/timestamp.js';
import { GatewayError } from '../codec/errors.js';
import { SettlementErrorCode } from './types.js';

const POW10 = [1, 10, 100, 1000, 10_000, 100_000, 1_000_000, 10_000_000, 100_000_000, 1_000_000_000];
const POW10N = POW10.map((p) => BigInt(p));
const ZEROS = '000000000';

/** Fixed-scale text of a safe-integer mantissa at 10^-scale (0..9): (-12345, 4) → "-1.2345". */
export function fixedText(m: number, scale: number): string {
  if (!Number.isSafeInteger(m)) throw new GatewayError(SettlementErrorCode.INPUT, `not a safe integer: ${m}`, { value: m });
  if (scale === 0) return String(m);
  const neg = m < 0;
  const a = neg ? -m : m;
  const p = POW10[scale]!;
  const r = a % p; // exact: integer remainder of a safe integer
  const q = (a - r) / p; // exact: a − r is a multiple of p
  const f = String(r);
  return (neg ? '-' : '') + q + '.' + (f.length < scale ? ZEROS.slice(0, scale - f.length) + f : f);
}

/** Fixed-scale text of a bigint mantissa at 10^-scale (0..9). */
export function fixedTextBig(m: bigint, scale: number): string {
  if (m >= -9007199254740991n && m <= 9007199254740991n) return fixedText(Number(m), scale);
  if (scale === 0) return m.toString();
  const neg = m < 0n;
  const a = neg ? -m : m;
  const p = POW10N[scale]!;
  const f = (a % p).toString();
  return (neg ? '-' : '') + (a / p).toString() + '.' + (f.length < scale ? ZEROS.slice(0, scale - f.length) + f : f);
}

/** Canonical decimal text (no trailing fractional zeros, no bare point): (12340, 4) → "1.234", (50000, 4) → "5". */
export function trimmedText(m: number | bigint, scale: number): string {
  const s = typeof m === 'number' ? fixedText(m, scale) : fixedTextBig(m, scale);
  if (scale === 0) return s;
  let e = s.length;
  while (s.charCodeAt(e - 1) === 0x30) e--;
  if (s.charCodeAt(e - 1) === 0x2e) e--;
  return e === s.length ? s : s.slice(0, e);
}

/**
 * Exact mantissa at 10^-scale of an unsigned decimal text ("76000", "12303.75", "400.0"); undefined
 * when the text is not of that form or has non-zero digits beyond `scale` (never rounded).
 */
export function parseUnsignedDecimal(s: string, scale: number): bigint | undefined {
  const m = /^(\d{1,30})(?:\.(\d{1,30}))?$/.exec(s);
  if (!m) return undefined;
  let frac = m[2] ?? '';
  if (frac.length > scale) {
    if (!/^0*$/.test(frac.slice(scale))) return undefined;
    frac = frac.slice(0, scale);
  }
  return BigInt(m[1]! + frac.padEnd(scale, '0'));
}

/** True when `d` is a real calendar date written as a yyyymmdd integer (1900..9999). */
export function isValidYmd(d: number): boolean {
  if (!Number.isInteger(d) || d < 19000101 || d > 99991231) return false;
  const y = Math.floor(d / 10000);
  const m = Math.floor(d / 100) % 100;
  const day = d % 100;
  return m >= 1 && m <= 12 && day >= 1 && day <= daysInMonth(y, m);
}

/** yyyymmdd → "yyyy-mm-dd" (xs:date). The caller has validated the date. */
export function isoDate(d: number): string {
  const s = String(d);
  return `${s.slice(0, 4)}-${s.slice(4, 6)}-${s.slice(6, 8)}`;
}

/** "yyyy-mm-dd" (optionally followed by a time or zone, ignored) → yyyymmdd, or -1 when not a real date. */
export function ymdFromIso(s: string): number {
  const m = /^(\d{4})-(\d{2})-(\d{2})/.exec(s);
  if (!m) return -1;
  const d = Number(m[1]) * 10000 + Number(m[2]) * 100 + Number(m[3]);
  return isValidYmd(d) ? d : -1;
}

const ISO_UTC = /^(\d{4})-(\d{2})-(\d{2})T([01]\d|2[0-3]):([0-5]\d):([0-5]\d)(\.\d{1,9})?Z$/;

/** True for an ISO 8601 UTC date-time `yyyy-mm-ddThh:mm:ss[.f{1,9}]Z` naming a real date. */
export function isIsoUtcDateTime(s: string): boolean {
  const m = ISO_UTC.exec(s);
  return m !== null && isValidYmd(Number(m[1]) * 10000 + Number(m[2]) * 100 + Number(m[3]));
}
