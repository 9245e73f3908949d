/**
 * Exact fixed-point decimals: value = mantissa x 10^exponent, never floating point.
 *
 * The wire types (schemas/clearing-member.xml) are int64 mantissas with constant exponents:
 * Price 10^-9, Money 10^-4, Qty 10^0. This module parses FIX decimal text into them, formats them
 * back, rescales with an explicit rounding mode and multiplies qty x price into money.
 *
 * Two layers:
 *
 * 1. Hot path (called per message): plain functions over mantissas that never throw and never
 *    allocate strings. Failure is a sentinel return plus a status read with `decimalStatus()`:
 *      - number mantissas (`parseFixedAscii`, `writeFixedAscii`): the result is a JS number when
 *        it is a safe integer (|m| <= 2^53-1). A larger value is not rounded or wrapped: the call
 *        returns NaN with status UNSAFE and the caller retries on the bigint path. 2^53 covers a
 *        price up to 9,007,199.254740991 at exponent -9, money up to 900 billion at -4 and any
 *        realistic quantity, so the fallback is rare.
 *      - bigint mantissas (`parseFixedAsciiBig`, `rescaleMantissa`, `multiplyFixed`,
 *        `qtyTimesPrice`, `checkedAdd`, `checkedSub`): any int64 except -2^63, which is the SBE
 *        int64 null and is returned as the failure sentinel `INT64_NULL` (status OVERFLOW when a
 *        result leaves +-(2^63-1)). Intermediates (qty x price) are exact BigInt products.
 * 2. Edge (config, admin, reference data, tests): the immutable `Decimal` value class with an
 *    unbounded bigint mantissa; it throws `GatewayError` with a `DECIMAL_*` code.
 *
 * Rounding: every operation that can lose digits takes a `Rounding`; the default is HALF_EVEN
 * (banker's rounding: unbiased over many trades; IEEE 754 and ISO 80000 default). Parsing into a
 * fixed exponent defaults to UNNECESSARY: a price with more decimals than the wire carries is an
 * error, never silently rounded. Modes act on the signed value like java.math.RoundingMode:
 * DOWN = toward zero, UP = away from zero, FLOOR = toward -inf, CEILING = toward +inf,
 * HALF_UP = nearest, ties away from zero, HALF_EVEN = nearest, ties to the even neighbour.
 *
 * FIX decimal syntax accepted: optional leading '-', digits, optional '.', digits; at least one
 * digit in all ("5.", ".5", "-0.50", "007" are valid; "+1", "1e5", " 1", "", "-", "." are not).
 * Trailing zeros are kept as scale by `Decimal` ("1.50" has exponent -2) so text round-trips.
 *
 * Module state: the status word of the last hot-path call, per JS realm (thread). Not re-entrant
 * across threads by construction (each worker has its own module instance).
 */
import { CodecErrorCode, GatewayError } from './errors.js';

// ------------------------------------------------------------------------------------------ constants

export const Rounding = {
  HALF_EVEN: 0,
  HALF_UP: 1,
  DOWN: 2,
  UP: 3,
  FLOOR: 4,
  CEILING: 5,
  /** Exactness required: any lost non-zero digit is an error (status PRECISION / DECIMAL_PRECISION). */
  UNNECESSARY: 6,
} as const;
export type Rounding = (typeof Rounding)[keyof typeof Rounding];

/** Default for rescale and multiply. Parsing into a fixed exponent defaults to UNNECESSARY. */
export const DEFAULT_ROUNDING: Rounding = Rounding.HALF_EVEN;

export const DecimalStatus = {
  OK: 0,
  /** Not a FIX decimal (also: empty range, range outside the buffer). */
  SYNTAX: 1,
  /** Non-zero digits would be lost and rounding is UNNECESSARY. */
  PRECISION: 2,
  /** Result outside int64 (bigint path), or -2^63 (the SBE null). */
  OVERFLOW: 3,
  /** Result is not a safe integer (number path); retry with the bigint function. */
  UNSAFE: 4,
  /** Exponent outside the supported range. */
  RANGE: 5,
} as const;
export type DecimalStatus = (typeof DecimalStatus)[keyof typeof DecimalStatus];

export const INT64_MAX = (1n << 63n) - 1n;
export const INT64_MIN = -(1n << 63n);
/** SBE int64 null value, and the failure sentinel of the bigint hot-path functions. */
export const INT64_NULL = INT64_MIN;

/** Wire exponents of schemas/clearing-member.xml (see the schema comment for the reasons). */
export const PRICE_EXPONENT = -9;
export const MONEY_EXPONENT = -4;
export const QTY_EXPONENT = 0;

/** Hot-path target exponents: -18..0 (int64 holds 18 full decimal digits). */
export const MIN_FIXED_EXPONENT = -18;
export const MAX_FIXED_EXPONENT = 0;
/** Exponent range of `Decimal` values. */
export const MIN_EXPONENT = -64;
export const MAX_EXPONENT = 64;
/** Longest decimal text `Decimal.parse` / `Decimal.fromAscii` accept. */
export const MAX_DECIMAL_TEXT = 80;

const MAX_SAFE = Number.MAX_SAFE_INTEGER; // 9007199254740991
const SAFE_DIV10 = 900719925474099; // floor(MAX_SAFE / 10)
const SAFE_LAST = 1; // MAX_SAFE % 10

const CH_0 = 0x30;
const CH_9 = 0x39;
const CH_MINUS = 0x2d;
const CH_DOT = 0x2e;

const POW10N: bigint[] = [];
for (let i = 0, p = 1n; i <= 2 * MAX_EXPONENT + 2; i++, p *= 10n) POW10N.push(p);

/** 10^k as a bigint, 0 <= k <= 130. */
export function pow10n(k: number): bigint {
  const p = POW10N[k];
  if (p === undefined) throw new GatewayError(CodecErrorCode.DECIMAL_RANGE, `10^${k} is outside the supported range`, { k });
  return p;
}

// ------------------------------------------------------------------------------------------ status

let status: DecimalStatus = DecimalStatus.OK;

/** Status of the last hot-path call in this thread (OK after a successful one). */
export function decimalStatus(): DecimalStatus {
  return status;
}

/** Human-readable name of a status, for logs and error messages. */
export function decimalStatusName(s: DecimalStatus): string {
  for (const [k, v] of Object.entries(DecimalStatus)) if (v === s) return k;
  return `UNKNOWN(${s})`;
}

// ------------------------------------------------------------------------------------------ scanning

// Result of the last successful scan (module scratch; the hot path allocates nothing).
let sNeg = false;
let sIntStart = 0;
let sIntEnd = 0;
let sFracStart = 0;
let sFracEnd = 0;

/** Syntax check of bytes[start, end) as a FIX decimal; fills the s* scratch. */
function scan(b: Uint8Array, start: number, end: number): DecimalStatus {
  if (!(start >= 0 && end <= b.length && start < end)) return DecimalStatus.SYNTAX;
  let i = start;
  sNeg = b[i] === CH_MINUS;
  if (sNeg) i++;
  sIntStart = i;
  while (i < end && b[i] >= CH_0 && b[i] <= CH_9) i++;
  sIntEnd = i;
  if (i < end && b[i] === CH_DOT) {
    i++;
    sFracStart = i;
    while (i < end && b[i] >= CH_0 && b[i] <= CH_9) i++;
    sFracEnd = i;
  } else {
    sFracStart = sFracEnd = i;
  }
  if (i !== end) return DecimalStatus.SYNTAX;
  if (sIntEnd === sIntStart && sFracEnd === sFracStart) return DecimalStatus.SYNTAX;
  return DecimalStatus.OK;
}

/**
 * Whether rounding a value whose dropped part is non-zero moves its magnitude up by one unit.
 * `first` is the first dropped digit, `sticky` whether any later dropped digit is non-zero
 * (so first=5, sticky=false is an exact tie), `odd` whether the kept magnitude is odd.
 */
function roundsAway(mode: Rounding, neg: boolean, first: number, sticky: boolean, odd: boolean): boolean {
  switch (mode) {
    case Rounding.DOWN:
      return false;
    case Rounding.UP:
      return true;
    case Rounding.FLOOR:
      return neg;
    case Rounding.CEILING:
      return !neg;
    case Rounding.HALF_UP:
      return first >= 5;
    case Rounding.HALF_EVEN:
      return first > 5 || (first === 5 && (sticky || odd));
    default:
      return false;
  }
}

function validFixedExponent(exponent: number): boolean {
  return Number.isInteger(exponent) && exponent >= MIN_FIXED_EXPONENT && exponent <= MAX_FIXED_EXPONENT;
}

// ------------------------------------------------------------------------------------------ hot path: parse

/**
 * Parse FIX decimal ASCII in bytes[start, end) into a mantissa at a fixed `exponent` (-18..0),
 * e.g. exponent -9 turns "101.25" into 101250000000. Returns a safe-integer number, or NaN with
 * `decimalStatus()` = SYNTAX, PRECISION (digits beyond the exponent and rounding UNNECESSARY),
 * UNSAFE (|result| > 2^53-1: use `parseFixedAsciiBig`) or RANGE (bad exponent).
 * Never throws, never allocates. "-0" parses to 0 (not -0).
 */
export function parseFixedAscii(
  b: Uint8Array,
  start: number,
  end: number,
  exponent: number,
  rounding: Rounding = Rounding.UNNECESSARY,
): number {
  if (!validFixedExponent(exponent)) {
    status = DecimalStatus.RANGE;
    return NaN;
  }
  const st = scan(b, start, end);
  if (st !== DecimalStatus.OK) {
    status = st;
    return NaN;
  }
  const keep = -exponent;
  let m = 0;
  for (let i = sIntStart; i < sIntEnd; i++) {
    const d = b[i] - CH_0;
    if (m > SAFE_DIV10 || (m === SAFE_DIV10 && d > SAFE_LAST)) {
      status = DecimalStatus.UNSAFE;
      return NaN;
    }
    m = m * 10 + d;
  }
  const fracLen = sFracEnd - sFracStart;
  for (let j = 0; j < keep; j++) {
    const d = j < fracLen ? b[sFracStart + j] - CH_0 : 0;
    if (m > SAFE_DIV10 || (m === SAFE_DIV10 && d > SAFE_LAST)) {
      status = DecimalStatus.UNSAFE;
      return NaN;
    }
    m = m * 10 + d;
  }
  if (fracLen > keep) {
    const first = b[sFracStart + keep] - CH_0;
    let sticky = false;
    for (let i = sFracStart + keep + 1; i < sFracEnd; i++)
      if (b[i] !== CH_0) {
        sticky = true;
        break;
      }
    if (first !== 0 || sticky) {
      if (rounding === Rounding.UNNECESSARY) {
        status = DecimalStatus.PRECISION;
        return NaN;
      }
      if (roundsAway(rounding, sNeg, first, sticky, m % 2 === 1)) {
        if (m === MAX_SAFE) {
          status = DecimalStatus.UNSAFE;
          return NaN;
        }
        m += 1;
      }
    }
  }
  status = DecimalStatus.OK;
  return sNeg && m !== 0 ? -m : m;
}

// bigint accumulation in 15-digit number chunks (one BigInt step per 15 digits, not per digit)
let accBig = 0n;
let accChunk = 0;
let accDigits = 0;
const CHUNK = 15;
const CHUNK_POW = 10n ** 15n;

function accReset(): void {
  accBig = 0n;
  accChunk = 0;
  accDigits = 0;
}
function accPush(d: number): void {
  accChunk = accChunk * 10 + d;
  if (++accDigits === CHUNK) {
    accBig = accBig * CHUNK_POW + BigInt(accChunk);
    accChunk = 0;
    accDigits = 0;
  }
}
function accFlush(): bigint {
  if (accDigits > 0) accBig = accBig * POW10N[accDigits] + BigInt(accChunk);
  accChunk = 0;
  accDigits = 0;
  return accBig;
}

/**
 * As `parseFixedAscii`, but the mantissa is a bigint in int64 range (the full wire range).
 * Returns INT64_NULL with status SYNTAX, PRECISION, OVERFLOW (outside +-(2^63-1)) or RANGE.
 */
export function parseFixedAsciiBig(
  b: Uint8Array,
  start: number,
  end: number,
  exponent: number,
  rounding: Rounding = Rounding.UNNECESSARY,
): bigint {
  if (!validFixedExponent(exponent)) {
    status = DecimalStatus.RANGE;
    return INT64_NULL;
  }
  const st = scan(b, start, end);
  if (st !== DecimalStatus.OK) {
    status = st;
    return INT64_NULL;
  }
  // More than 19 significant integer digits cannot fit int64: stop before building huge bigints.
  let i = sIntStart;
  while (i < sIntEnd && b[i] === CH_0) i++;
  if (sIntEnd - i + -exponent > 19) {
    status = DecimalStatus.OVERFLOW;
    return INT64_NULL;
  }
  const keep = -exponent;
  accReset();
  for (; i < sIntEnd; i++) accPush(b[i] - CH_0);
  const fracLen = sFracEnd - sFracStart;
  for (let j = 0; j < keep; j++) accPush(j < fracLen ? b[sFracStart + j] - CH_0 : 0);
  let m = accFlush();
  if (fracLen > keep) {
    const first = b[sFracStart + keep] - CH_0;
    let sticky = false;
    for (let k = sFracStart + keep + 1; k < sFracEnd; k++)
      if (b[k] !== CH_0) {
        sticky = true;
        break;
      }
    if (first !== 0 || sticky) {
      if (rounding === Rounding.UNNECESSARY) {
        status = DecimalStatus.PRECISION;
        return INT64_NULL;
      }
      if (roundsAway(rounding, sNeg, first, sticky, (m & 1n) === 1n)) m += 1n;
    }
  }
  if (m > INT64_MAX) {
    status = DecimalStatus.OVERFLOW;
    return INT64_NULL;
  }
  status = DecimalStatus.OK;
  return sNeg ? -m : m;
}

// ------------------------------------------------------------------------------------------ hot path: arithmetic

/**
 * n / d rounded per `mode` (d > 0). Returns undefined when mode is UNNECESSARY and d does not
 * divide n.
 */
function divRound(n: bigint, d: bigint, mode: Rounding): bigint | undefined {
  const q = n / d; // truncates toward zero
  const r = n % d; // sign of n
  if (r === 0n) return q;
  if (mode === Rounding.UNNECESSARY) return undefined;
  const neg = n < 0n;
  const r2 = (neg ? -r : r) * 2n;
  let away: boolean;
  switch (mode) {
    case Rounding.HALF_UP:
      away = r2 >= d;
      break;
    case Rounding.HALF_EVEN:
      away = r2 > d || (r2 === d && q % 2n !== 0n);
      break;
    default:
      away = roundsAway(mode, neg, 1, true, false);
  }
  return away ? (neg ? q - 1n : q + 1n) : q;
}

/** Exact rescale of an unbounded mantissa; undefined when UNNECESSARY and inexact. */
function rescaleExact(m: bigint, from: number, to: number, rounding: Rounding): bigint | undefined {
  if (to <= from) return m * pow10n(from - to);
  return divRound(m, pow10n(to - from), rounding);
}

function inInt64(m: bigint): boolean {
  return m <= INT64_MAX && m >= -INT64_MAX;
}

/**
 * Rescale an int64 mantissa from exponent `from` to exponent `to` (both -64..64), rounding when
 * digits are dropped. Returns INT64_NULL with status PRECISION (UNNECESSARY and inexact),
 * OVERFLOW (result outside int64) or RANGE.
 */
export function rescaleMantissa(m: bigint, from: number, to: number, rounding: Rounding = DEFAULT_ROUNDING): bigint {
  if (!validExponent(from) || !validExponent(to)) {
    status = DecimalStatus.RANGE;
    return INT64_NULL;
  }
  const r = rescaleExact(m, from, to, rounding);
  if (r === undefined) {
    status = DecimalStatus.PRECISION;
    return INT64_NULL;
  }
  if (!inInt64(r)) {
    status = DecimalStatus.OVERFLOW;
    return INT64_NULL;
  }
  status = DecimalStatus.OK;
  return r;
}

/**
 * (a x 10^aExp) x (b x 10^bExp) as a mantissa at exponent `to`: the product is exact (BigInt),
 * then rounded once. Returns INT64_NULL with status PRECISION, OVERFLOW or RANGE.
 */
export function multiplyFixed(
  a: bigint,
  aExp: number,
  b: bigint,
  bExp: number,
  to: number,
  rounding: Rounding = DEFAULT_ROUNDING,
): bigint {
  const from = aExp + bExp;
  if (!validExponent(aExp) || !validExponent(bExp) || !validExponent(to) || !validExponent(from)) {
    status = DecimalStatus.RANGE;
    return INT64_NULL;
  }
  return rescaleMantissa(a * b, from, to, rounding);
}

/**
 * Notional of a trade on the wire scales: qty (10^0) x price (10^-9) -> money (10^-4), rounded
 * once (default HALF_EVEN). INT64_NULL + status OVERFLOW when the money does not fit int64.
 */
export function qtyTimesPrice(qty: bigint, price: bigint, rounding: Rounding = DEFAULT_ROUNDING): bigint {
  const r = divRound(qty * price, POW10N[MONEY_EXPONENT - PRICE_EXPONENT - QTY_EXPONENT], rounding);
  if (r === undefined) {
    status = DecimalStatus.PRECISION;
    return INT64_NULL;
  }
  if (!inInt64(r)) {
    status = DecimalStatus.OVERFLOW;
    return INT64_NULL;
  }
  status = DecimalStatus.OK;
  return r;
}

/** a + b for int64 mantissas of the same exponent; INT64_NULL + OVERFLOW when outside int64. */
export function checkedAdd(a: bigint, b: bigint): bigint {
  const r = a + b;
  if (!inInt64(r)) {
    status = DecimalStatus.OVERFLOW;
    return INT64_NULL;
  }
  status = DecimalStatus.OK;
  return r;
}

/** a - b for int64 mantissas of the same exponent; INT64_NULL + OVERFLOW when outside int64. */
export function checkedSub(a: bigint, b: bigint): bigint {
  const r = a - b;
  if (!inInt64(r)) {
    status = DecimalStatus.OVERFLOW;
    return INT64_NULL;
  }
  status = DecimalStatus.OK;
  return r;
}

/** Compare a x 10^aExp with b x 10^bExp exactly: -1, 0 or 1. */
export function compareFixed(a: bigint, aExp: number, b: bigint, bExp: number): -1 | 0 | 1 {
  let x = a;
  let y = b;
  if (aExp > bExp) x = a * pow10n(aExp - bExp);
  else if (bExp > aExp) y = b * pow10n(bExp - aExp);
  return x < y ? -1 : x > y ? 1 : 0;
}

// ------------------------------------------------------------------------------------------ formatting

function validExponent(e: number): boolean {
  return Number.isInteger(e) && e >= MIN_EXPONENT && e <= MAX_EXPONENT;
}

/**
 * Decimal text of mantissa x 10^exponent: "-12.340" for (-12340, -3); "1200" for (12, 2).
 * With `trim`, trailing fractional zeros (and a bare point) are dropped: "-12.34", "1".
 * A number mantissa must be a safe integer.
 */
export function formatFixed(mantissa: bigint | number, exponent: number, trim = false): string {
  if (typeof mantissa === 'number' && !Number.isSafeInteger(mantissa))
    throw new GatewayError(CodecErrorCode.DECIMAL_OVERFLOW, `mantissa ${mantissa} is not a safe integer`, { mantissa });
  if (!validExponent(exponent))
    throw new GatewayError(CodecErrorCode.DECIMAL_RANGE, `exponent ${exponent} is outside ${MIN_EXPONENT}..${MAX_EXPONENT}`, {
      exponent,
    });
  const m = BigInt(mantissa);
  if (m === 0n) {
    if (exponent >= 0 || trim) return '0';
    return '0.' + '0'.repeat(-exponent);
  }
  const neg = m < 0n;
  let digits = (neg ? -m : m).toString();
  const sign = neg ? '-' : '';
  if (exponent >= 0) return sign + digits + '0'.repeat(exponent);
  const k = -exponent;
  if (digits.length <= k) digits = '0'.repeat(k - digits.length + 1) + digits;
  const intPart = digits.slice(0, digits.length - k);
  let frac = digits.slice(digits.length - k);
  if (trim) {
    let e = frac.length;
    while (e > 0 && frac.charCodeAt(e - 1) === CH_0) e--;
    frac = frac.slice(0, e);
  }
  return frac.length > 0 ? `${sign}${intPart}.${frac}` : sign + intPart;
}

/**
 * Write the decimal text of mantissa x 10^exponent as ASCII into out[offset..) (same text as
 * `formatFixed`). Returns the offset after the last byte written, or -1 when it does not fit
 * (nothing is written then) or the input is invalid (status RANGE or UNSAFE). No allocation for
 * safe-integer mantissas; a bigint outside the safe range goes through `formatFixed` (allocates).
 */
export function writeFixedAscii(
  mantissa: number | bigint,
  exponent: number,
  out: Uint8Array,
  offset: number,
  trim = false,
): number {
  if (!validExponent(exponent)) {
    status = DecimalStatus.RANGE;
    return -1;
  }
  let m: number;
  if (typeof mantissa === 'bigint') {
    if (mantissa > BigInt(MAX_SAFE) || mantissa < -BigInt(MAX_SAFE)) {
      const text = formatFixed(mantissa, exponent, trim);
      if (offset < 0 || offset + text.length > out.length) {
        status = DecimalStatus.OK;
        return -1;
      }
      for (let i = 0; i < text.length; i++) out[offset + i] = text.charCodeAt(i);
      status = DecimalStatus.OK;
      return offset + text.length;
    }
    m = Number(mantissa);
  } else {
    if (!Number.isSafeInteger(mantissa)) {
      status = DecimalStatus.UNSAFE;
      return -1;
    }
    m = mantissa;
  }
  status = DecimalStatus.OK;
  const neg = m < 0;
  const nd = digitsOf(neg ? -m : m);
  let tz = 0; // trailing zeros of |m| (digitScratch holds least significant first)
  if (m !== 0) while (digitScratch[tz] === 0) tz++;
  let len: number;
  let fracLen = 0;
  let dropped = 0; // trailing fractional zeros not written (trim)
  const k = exponent < 0 ? -exponent : 0;
  if (m === 0) {
    fracLen = k > 0 && !trim ? k : 0;
    len = 1 + (fracLen > 0 ? 1 + fracLen : 0);
  } else if (exponent >= 0) {
    len = nd + exponent;
  } else {
    dropped = trim ? Math.min(tz, k) : 0;
    fracLen = k - dropped;
    len = (nd > k ? nd - k : 1) + (fracLen > 0 ? 1 + fracLen : 0);
  }
  if (neg) len++;
  if (offset < 0 || offset + len > out.length) return -1;
  let p = offset;
  if (neg) out[p++] = CH_MINUS;
  if (m === 0) {
    out[p++] = CH_0;
  } else if (exponent >= 0) {
    for (let i = nd - 1; i >= 0; i--) out[p++] = CH_0 + digitScratch[i];
    for (let i = 0; i < exponent; i++) out[p++] = CH_0;
    return offset + len;
  } else if (nd > k) {
    for (let i = nd - 1; i >= k; i--) out[p++] = CH_0 + digitScratch[i];
  } else {
    out[p++] = CH_0;
  }
  if (fracLen > 0) {
    out[p++] = CH_DOT;
    for (let i = k - 1; i >= dropped; i--) out[p++] = i < nd ? CH_0 + digitScratch[i] : CH_0;
  }
  return offset + len;
}

const digitScratch = new Uint8Array(20);

/**
 * Decimal digits of a non-negative safe integer into digitScratch, least significant first;
 * returns the count. Splits at 10^8 so every step is int32 arithmetic (no double modulo).
 */
function digitsOf(x: number): number {
  let hi = Math.floor(x / 1e8);
  let lo = x - hi * 1e8; // exact: hi * 1e8 <= x < 2^53
  if (lo < 0) {
    hi -= 1;
    lo += 1e8;
  } else if (lo >= 1e8) {
    hi += 1;
    lo -= 1e8;
  }
  let n = 0;
  if (hi === 0) {
    do {
      const q = (lo / 10) | 0;
      digitScratch[n++] = lo - q * 10;
      lo = q;
    } while (lo > 0);
    return n;
  }
  for (let i = 0; i < 8; i++) {
    const q = (lo / 10) | 0;
    digitScratch[n++] = lo - q * 10;
    lo = q;
  }
  do {
    const q = (hi / 10) | 0; // hi < 2^53 / 10^8 < 2^31
    digitScratch[n++] = hi - q * 10;
    hi = q;
  } while (hi > 0);
  return n;
}

// ------------------------------------------------------------------------------------------ edge: Decimal

const textScratch = new Uint8Array(MAX_DECIMAL_TEXT);

function statusError(s: DecimalStatus, what: string, context: Record<string, unknown>): GatewayError {
  switch (s) {
    case DecimalStatus.SYNTAX:
      return new GatewayError(CodecErrorCode.DECIMAL_SYNTAX, `${what} is not a FIX decimal`, context);
    case DecimalStatus.PRECISION:
      return new GatewayError(CodecErrorCode.DECIMAL_PRECISION, `${what} has more decimals than the exponent allows`, context);
    case DecimalStatus.OVERFLOW:
    case DecimalStatus.UNSAFE:
      return new GatewayError(CodecErrorCode.DECIMAL_OVERFLOW, `${what} does not fit int64`, context);
    default:
      return new GatewayError(CodecErrorCode.DECIMAL_RANGE, `${what}: exponent out of range`, context);
  }
}

/**
 * Immutable exact decimal: mantissa x 10^exponent with an unbounded bigint mantissa and an
 * exponent in -64..64. Equal values may have different representations (1.5 and 1.50);
 * `equals`/`compareTo` compare values, `toString` keeps the scale.
 */
export class Decimal {
  static readonly ZERO = new Decimal(0n, 0);

  private constructor(
    readonly mantissa: bigint,
    readonly exponent: number,
  ) {}

  /** mantissa x 10^exponent. A number mantissa must be a safe integer. */
  static of(mantissa: bigint | number, exponent = 0): Decimal {
    if (typeof mantissa === 'number' && !Number.isSafeInteger(mantissa))
      throw new GatewayError(CodecErrorCode.DECIMAL_OVERFLOW, `mantissa ${mantissa} is not a safe integer`, { mantissa });
    if (!validExponent(exponent))
      throw new GatewayError(CodecErrorCode.DECIMAL_RANGE, `exponent ${exponent} is outside ${MIN_EXPONENT}..${MAX_EXPONENT}`, {
        exponent,
      });
    return new Decimal(BigInt(mantissa), exponent);
  }

  /** Parse FIX decimal text, keeping its scale ("1.50" -> 150 x 10^-2). Throws DECIMAL_*. */
  static parse(text: string): Decimal {
    const n = text.length;
    if (n > MAX_DECIMAL_TEXT)
      throw new GatewayError(CodecErrorCode.DECIMAL_RANGE, `decimal text longer than ${MAX_DECIMAL_TEXT} characters`, {
        length: n,
      });
    for (let i = 0; i < n; i++) {
      const c = text.charCodeAt(i);
      textScratch[i] = c < 0x80 ? c : 0xff;
    }
    return Decimal.parseBytes(textScratch, 0, n, { text });
  }

  /** Parse FIX decimal ASCII in bytes[start, end) without building a string. Throws DECIMAL_*. */
  static fromAscii(bytes: Uint8Array, start: number, end: number): Decimal {
    if (end - start > MAX_DECIMAL_TEXT)
      throw new GatewayError(CodecErrorCode.DECIMAL_RANGE, `decimal text longer than ${MAX_DECIMAL_TEXT} bytes`, {
        length: end - start,
      });
    return Decimal.parseBytes(bytes, start, end, { start, end });
  }

  private static parseBytes(bytes: Uint8Array, start: number, end: number, context: Record<string, unknown>): Decimal {
    const st = scan(bytes, start, end);
    if (st !== DecimalStatus.OK) throw statusError(st, 'value', context);
    const exponent = -(sFracEnd - sFracStart);
    if (!validExponent(exponent))
      throw new GatewayError(CodecErrorCode.DECIMAL_RANGE, `more than ${-MIN_EXPONENT} decimals`, context);
    accReset();
    for (let i = sIntStart; i < sIntEnd; i++) accPush(bytes[i] - CH_0);
    for (let i = sFracStart; i < sFracEnd; i++) accPush(bytes[i] - CH_0);
    const m = accFlush();
    return new Decimal(sNeg ? -m : m, exponent === 0 ? 0 : exponent);
  }

  /**
   * Parse into an int64 mantissa at a fixed exponent (-18..0), e.g. a price at -9.
   * Default rounding UNNECESSARY: extra non-zero decimals throw DECIMAL_PRECISION.
   */
  static parseFixed(text: string, exponent: number, rounding: Rounding = Rounding.UNNECESSARY): bigint {
    return Decimal.parse(text).toMantissa(exponent, rounding);
  }

  /** Same value at `exponent`, rounded (default HALF_EVEN). Throws DECIMAL_PRECISION / DECIMAL_RANGE. */
  rescale(exponent: number, rounding: Rounding = DEFAULT_ROUNDING): Decimal {
    if (!validExponent(exponent))
      throw new GatewayError(CodecErrorCode.DECIMAL_RANGE, `exponent ${exponent} is outside ${MIN_EXPONENT}..${MAX_EXPONENT}`, {
        exponent,
      });
    const m = rescaleExact(this.mantissa, this.exponent, exponent, rounding);
    if (m === undefined)
      throw new GatewayError(CodecErrorCode.DECIMAL_PRECISION, `${this.toString()} is not exact at exponent ${exponent}`, {
        value: this.toString(),
        exponent,
      });
    return new Decimal(m, exponent);
  }

  /** The int64 mantissa of this value at `exponent`, rounded. Throws DECIMAL_OVERFLOW outside int64. */
  toMantissa(exponent: number, rounding: Rounding = DEFAULT_ROUNDING): bigint {
    const m = this.rescale(exponent, rounding).mantissa;
    if (!inInt64(m))
      throw new GatewayError(CodecErrorCode.DECIMAL_OVERFLOW, `${this.toString()} does not fit int64 at exponent ${exponent}`, {
        value: this.toString(),
        exponent,
      });
    return m;
  }

  /** Exact sum (exponent = the smaller of the two). */
  add(o: Decimal): Decimal {
    const e = Math.min(this.exponent, o.exponent);
    return new Decimal(this.mantissa * pow10n(this.exponent - e) + o.mantissa * pow10n(o.exponent - e), e);
  }

  /** Exact difference (exponent = the smaller of the two). */
  sub(o: Decimal): Decimal {
    return this.add(o.negate());
  }

  /** Exact product (exponents add; DECIMAL_RANGE if the sum leaves -64..64). */
  mul(o: Decimal): Decimal {
    return Decimal.of(this.mantissa * o.mantissa, this.exponent + o.exponent);
  }

  /** Product rounded once to `exponent` (default HALF_EVEN), e.g. qty x price -> money at -4. */
  mulTo(o: Decimal, exponent: number, rounding: Rounding = DEFAULT_ROUNDING): Decimal {
    return new Decimal(this.mantissa * o.mantissa, this.exponent + o.exponent).rescale(exponent, rounding);
  }

  negate(): Decimal {
    return new Decimal(-this.mantissa, this.exponent);
  }

  abs(): Decimal {
    return this.mantissa < 0n ? this.negate() : this;
  }

  signum(): -1 | 0 | 1 {
    return this.mantissa < 0n ? -1 : this.mantissa > 0n ? 1 : 0;
  }

  isZero(): boolean {
    return this.mantissa === 0n;
  }

  /** Compare values exactly: -1, 0, 1 (1.5 and 1.50 compare equal). */
  compareTo(o: Decimal): -1 | 0 | 1 {
    return compareFixed(this.mantissa, this.exponent, o.mantissa, o.exponent);
  }

  /** Value equality (1.5 equals 1.50). */
  equals(o: Decimal): boolean {
    return this.compareTo(o) === 0;
  }

  /** Same mantissa and exponent (1.5 is not 1.50). */
  sameRepresentation(o: Decimal): boolean {
    return this.mantissa === o.mantissa && this.exponent === o.exponent;
  }

  /** The same value without trailing fractional zeros (1.500 -> 1.5; the exponent never goes above 0). */
  stripTrailingZeros(): Decimal {
    let m = this.mantissa;
    let e = this.exponent;
    if (m === 0n) return Decimal.ZERO;
    while (e < 0 && m % 10n === 0n) {
      m /= 10n;
      e++;
    }
    return new Decimal(m, e);
  }

  /** Decimal text keeping the scale ("1.50"); `trim` drops trailing fractional zeros ("1.5"). */
  toString(trim = false): string {
    return formatFixed(this.mantissa, this.exponent, trim);
  }

  toJSON(): string {
    return this.toString();
  }
}

/** Throwing wrapper over the hot-path parser, for edges that hold bytes: mantissa at `exponent`. */
export function parseFixedAsciiOrThrow(
  b: Uint8Array,
  start: number,
  end: number,
  exponent: number,
  rounding: Rounding = Rounding.UNNECESSARY,
): bigint {
  const m = parseFixedAsciiBig(b, start, end, exponent, rounding);
  if (status !== DecimalStatus.OK) throw statusError(status, 'value', { start, end, exponent });
  return m;
}
