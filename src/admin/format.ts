/**
 * Formatting and parsing at the admin API's edge: money mantissas (10^-4) as exact decimal text, dates
 * as YYYY-MM-DD, query values checked before they reach a source. No floating point touches money:
 * text comes from the integer mantissa's digits (codec formatFixed); sums and differences are BigInt.
 *
 * Stateless; any thread.
 */
import { formatFixed, MONEY_EXPONENT } from '../codec/decimal.js';
import type { Money4 } from './sources.js';

/** 123456 → "12.3456"; -5n → "-0.0005". Throws GatewayError(DECIMAL_OVERFLOW) for an unsafe number mantissa. */
export function formatMoney4(m: Money4): string {
  return formatFixed(m, MONEY_EXPONENT);
}

/** Exact BigInt of a money mantissa (a number mantissa must be a safe integer). */
export function money4Big(m: Money4): bigint {
  if (typeof m === 'bigint') return m;
  if (!Number.isSafeInteger(m)) throw new RangeError(`money mantissa ${m} is not a safe integer`);
  return BigInt(m);
}

/** yyyymmdd (20261126) → "2026-11-26". */
export function formatYmd(d: number): string {
  const s = String(d).padStart(8, '0');
  return `${s.slice(0, 4)}-${s.slice(4, 6)}-${s.slice(6, 8)}`;
}

/** "2026-11-26" or "20261126" → 20261126; undefined when not a real calendar date. */
export function parseYmd(text: string): number | undefined {
  const m = /^(\d{4})-?(\d{2})-?(\d{2})$/.exec(text);
  if (m === null) return undefined;
  const y = Number(m[1]);
  const mo = Number(m[2]);
  const d = Number(m[3]);
  if (mo < 1 || mo > 12 || d < 1) return undefined;
  const dim = [31, (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0 ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][mo - 1]!;
  if (d > dim) return undefined;
  return y * 10_000 + mo * 100 + d;
}

/** Member ids and similar identifiers accepted in a query: 1–32 of A–Z a–z 0–9 _ . - */
export const ID_PATTERN = /^[A-Za-z0-9_.-]{1,32}$/;
