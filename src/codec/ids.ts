/**
 * Branded identifiers. A value of a branded type has passed its constructor's validation, so code
 * that receives a `SecurityId` never re-checks it. Constructors (`memberId`, `isin`, `cusip`,
 * `lei`, `securityId`, `sessionId`, `tradeId`) are edge functions and throw `GatewayError`
 * (`ID_SYNTAX`, `ID_CHECK_DIGIT`, `ID_RANGE`); the `isValid…` predicates and the `…Ascii`
 * variants over bytes are for the hot path: they return booleans and do not allocate.
 *
 * Check digits:
 * - ISIN (ISO 6166): letters expand to two digits (A=10 .. Z=35), then Luhn over the digit string.
 * - CUSIP: A=10 .. Z=35, * = 36, @ = 37, # = 38; every second character (2nd, 4th, ...) doubled;
 *   sum of the digits of each value; check = (10 - sum mod 10) mod 10.
 * - LEI (ISO 17442): ISO 7064 MOD 97-10 over the letters-to-digits expansion: the whole 20-character
 *   code read as an integer is 1 mod 97.
 *
 * Stateless apart from a scratch buffer for string inputs; one per thread (module instance).
 */
import { CodecErrorCode, GatewayError } from './errors.js';

declare const brand: unique symbol;
/** `T` tagged with a compile-time brand `B`: only the validating constructor produces one. */
export type Brand<T, B extends string> = T & { readonly [brand]: B };

/** Clearing member id: 1 to 8 characters A-Z 0-9 (schema type MemberId, char[8]). */
export type MemberId = Brand<string, 'MemberId'>;
/** ISO 6166 ISIN with a valid check digit. */
export type Isin = Brand<string, 'Isin'>;
/** CUSIP with a valid check digit. */
export type Cusip = Brand<string, 'Cusip'>;
/** ISO 17442 LEI with valid check digits. */
export type Lei = Brand<string, 'Lei'>;
/** The gateway's security key: always an ISIN (CUSIPs are converted with their country prefix). */
export type SecurityId = Isin;
/** Gateway session number: uint32 1..2^32-2 (0 is never assigned, 2^32-1 is the SBE null). */
export type SessionId = Brand<number, 'SessionId'>;
/** CCP trade id: uint64 1..2^64-2 (0 is never assigned, 2^64-1 is the SBE null). */
export type TradeId = Brand<bigint, 'TradeId'>;

export const MEMBER_ID_MAX_LENGTH = 8;
export const SESSION_ID_MAX = 0xfffffffe;
export const TRADE_ID_MAX = (1n << 64n) - 2n;

const CH_0 = 0x30;
const CH_9 = 0x39;
const CH_A = 0x41;
const CH_Z = 0x5a;

/** 0-9 -> 0..9, A-Z -> 10..35, anything else -> -1. */
function alnumValue(c: number): number {
  if (c >= CH_0 && c <= CH_9) return c - CH_0;
  if (c >= CH_A && c <= CH_Z) return c - CH_A + 10;
  return -1;
}

function isDigit(c: number): boolean {
  return c >= CH_0 && c <= CH_9;
}

function isUpper(c: number): boolean {
  return c >= CH_A && c <= CH_Z;
}

const scratch = new Uint8Array(64);

/** Copy an ASCII string into the scratch buffer; returns its length, or -1 if too long. */
function toScratch(s: string): number {
  if (s.length > scratch.length) return -1;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    scratch[i] = c < 0x80 ? c : 0;
  }
  return s.length;
}

function fail(code: string, kind: string, value: unknown, why: string): never {
  throw new GatewayError(code, `${kind} ${JSON.stringify(typeof value === 'bigint' ? value.toString() : value)}: ${why}`, {
    kind,
    value: typeof value === 'bigint' ? value.toString() : value,
  });
}

// ------------------------------------------------------------------------------------------ ISIN

/** Luhn contribution of digit d, doubled or not. */
function luhn(d: number, doubled: boolean): number {
  if (!doubled) return d;
  const x = d * 2;
  return x > 9 ? x - 9 : x;
}

/**
 * ISIN check digit of the 11-character body at b[off..off+11), or -1 if the body has a character
 * other than 0-9 A-Z. Walks right to left over the expanded digit string without building it.
 */
export function isinCheckDigitAscii(b: Uint8Array, off: number): number {
  let sum = 0;
  let doubled = true; // the rightmost digit of the body is doubled (the check digit is not)
  for (let i = off + 10; i >= off; i--) {
    const v = alnumValue(b[i]);
    if (v < 0) return -1;
    if (v >= 10) {
      const ones = v % 10;
      sum += luhn(ones, doubled);
      doubled = !doubled;
      sum += luhn((v - ones) / 10, doubled);
      doubled = !doubled;
    } else {
      sum += luhn(v, doubled);
      doubled = !doubled;
    }
  }
  return (10 - (sum % 10)) % 10;
}

/** True when b[off..off+12) is an ISIN: 2 letters, 9 of 0-9 A-Z, a correct check digit. */
export function isValidIsinAscii(b: Uint8Array, off: number): boolean {
  if (off < 0 || off + 12 > b.length) return false;
  if (!isUpper(b[off]) || !isUpper(b[off + 1]) || !isDigit(b[off + 11])) return false;
  return isinCheckDigitAscii(b, off) === b[off + 11] - CH_0;
}

export function isValidIsin(s: string): boolean {
  return s.length === 12 && toScratch(s) === 12 && isValidIsinAscii(scratch, 0);
}

/** Validate an ISIN. Throws ID_SYNTAX or ID_CHECK_DIGIT. */
export function isin(s: string): Isin {
  if (s.length !== 12 || toScratch(s) !== 12) fail(CodecErrorCode.ID_SYNTAX, 'ISIN', s, 'must be 12 characters');
  if (!isUpper(scratch[0]) || !isUpper(scratch[1])) fail(CodecErrorCode.ID_SYNTAX, 'ISIN', s, 'must start with a 2-letter country code');
  for (let i = 2; i < 11; i++)
    if (alnumValue(scratch[i]) < 0) fail(CodecErrorCode.ID_SYNTAX, 'ISIN', s, 'characters 3-11 must be 0-9 or A-Z');
  if (!isDigit(scratch[11])) fail(CodecErrorCode.ID_SYNTAX, 'ISIN', s, 'the check character must be a digit');
  const expected = isinCheckDigitAscii(scratch, 0);
  if (expected !== scratch[11] - CH_0) fail(CodecErrorCode.ID_CHECK_DIGIT, 'ISIN', s, `check digit should be ${expected}`);
  return s as Isin;
}

// ------------------------------------------------------------------------------------------ CUSIP

/** 0-9, A-Z, and the PPN characters * @ # (36, 37, 38); -1 otherwise. */
function cusipValue(c: number): number {
  const v = alnumValue(c);
  if (v >= 0) return v;
  if (c === 0x2a) return 36; // *
  if (c === 0x40) return 37; // @
  if (c === 0x23) return 38; // #
  return -1;
}

/** CUSIP check digit of the 8-character body at b[off..off+8), or -1 for a bad character. */
export function cusipCheckDigitAscii(b: Uint8Array, off: number): number {
  let sum = 0;
  for (let i = 0; i < 8; i++) {
    let v = cusipValue(b[off + i]);
    if (v < 0) return -1;
    if (i % 2 === 1) v *= 2; // 2nd, 4th, 6th, 8th characters
    sum += Math.floor(v / 10) + (v % 10);
  }
  return (10 - (sum % 10)) % 10;
}

/** True when b[off..off+9) is a CUSIP with a correct check digit. */
export function isValidCusipAscii(b: Uint8Array, off: number): boolean {
  if (off < 0 || off + 9 > b.length || !isDigit(b[off + 8])) return false;
  return cusipCheckDigitAscii(b, off) === b[off + 8] - CH_0;
}

export function isValidCusip(s: string): boolean {
  return s.length === 9 && toScratch(s) === 9 && isValidCusipAscii(scratch, 0);
}

/** Validate a CUSIP. Throws ID_SYNTAX or ID_CHECK_DIGIT. */
export function cusip(s: string): Cusip {
  if (s.length !== 9 || toScratch(s) !== 9) fail(CodecErrorCode.ID_SYNTAX, 'CUSIP', s, 'must be 9 characters');
  for (let i = 0; i < 8; i++)
    if (cusipValue(scratch[i]) < 0) fail(CodecErrorCode.ID_SYNTAX, 'CUSIP', s, 'characters 1-8 must be 0-9, A-Z, *, @ or #');
  if (!isDigit(scratch[8])) fail(CodecErrorCode.ID_SYNTAX, 'CUSIP', s, 'the check character must be a digit');
  const expected = cusipCheckDigitAscii(scratch, 0);
  if (expected !== scratch[8] - CH_0) fail(CodecErrorCode.ID_CHECK_DIGIT, 'CUSIP', s, `check digit should be ${expected}`);
  return s as Cusip;
}

/**
 * ISIN of a CUSIP-numbered security: country + CUSIP + ISIN check digit (the NSIN of US and CA
 * ISINs is the CUSIP). Throws ID_SYNTAX for a bad country code; the CUSIP is validated first.
 */
export function isinFromCusip(c: string, country = 'US'): Isin {
  const valid = cusip(c);
  if (!/^[A-Z]{2}$/.test(country)) fail(CodecErrorCode.ID_SYNTAX, 'ISIN country', country, 'must be 2 letters A-Z');
  const body = country + valid;
  toScratch(body);
  const check = isinCheckDigitAscii(scratch, 0);
  if (check < 0) fail(CodecErrorCode.ID_SYNTAX, 'CUSIP', c, 'PPN characters * @ # cannot appear in an ISIN');
  return (body + String(check)) as Isin;
}

/** The CUSIP inside a US or CA ISIN, or undefined for other countries or a NSIN that is no CUSIP. */
export function cusipFromIsin(i: Isin): Cusip | undefined {
  if (!i.startsWith('US') && !i.startsWith('CA')) return undefined;
  const nsin = i.slice(2, 11);
  return isValidCusip(nsin) ? (nsin as Cusip) : undefined;
}

// ------------------------------------------------------------------------------------------ LEI

/** ISO 7064 MOD 97-10 remainder of b[off..off+n) with letters expanded; -1 on a bad character. */
function mod97Ascii(b: Uint8Array, off: number, n: number): number {
  let rem = 0;
  for (let i = off; i < off + n; i++) {
    const v = alnumValue(b[i]);
    if (v < 0) return -1;
    rem = v >= 10 ? (rem * 100 + v) % 97 : (rem * 10 + v) % 97;
  }
  return rem;
}

/** True when b[off..off+20) is an LEI: 18 of 0-9 A-Z, 2 digits, the whole is 1 mod 97. */
export function isValidLeiAscii(b: Uint8Array, off: number): boolean {
  if (off < 0 || off + 20 > b.length || !isDigit(b[off + 18]) || !isDigit(b[off + 19])) return false;
  return mod97Ascii(b, off, 20) === 1;
}

export function isValidLei(s: string): boolean {
  return s.length === 20 && toScratch(s) === 20 && isValidLeiAscii(scratch, 0);
}

/** The two check digits for an 18-character LEI body: 98 - (body * 100 mod 97), zero-padded. */
export function leiCheckDigits(body18: string): string {
  if (body18.length !== 18 || toScratch(body18) !== 18)
    fail(CodecErrorCode.ID_SYNTAX, 'LEI body', body18, 'must be 18 characters');
  const rem = mod97Ascii(scratch, 0, 18);
  if (rem < 0) fail(CodecErrorCode.ID_SYNTAX, 'LEI body', body18, 'must be 0-9 or A-Z');
  const check = 98 - ((rem * 100) % 97);
  return check < 10 ? `0${check}` : String(check);
}

/** Validate an LEI. Throws ID_SYNTAX or ID_CHECK_DIGIT. */
export function lei(s: string): Lei {
  if (s.length !== 20 || toScratch(s) !== 20) fail(CodecErrorCode.ID_SYNTAX, 'LEI', s, 'must be 20 characters');
  for (let i = 0; i < 18; i++)
    if (alnumValue(scratch[i]) < 0) fail(CodecErrorCode.ID_SYNTAX, 'LEI', s, 'characters 1-18 must be 0-9 or A-Z');
  if (!isDigit(scratch[18]) || !isDigit(scratch[19])) fail(CodecErrorCode.ID_SYNTAX, 'LEI', s, 'characters 19-20 must be digits');
  if (mod97Ascii(scratch, 0, 20) !== 1)
    fail(CodecErrorCode.ID_CHECK_DIGIT, 'LEI', s, `check digits should be ${leiCheckDigits(s.slice(0, 18))}`);
  return s as Lei;
}

// ------------------------------------------------------------------------------------------ SecurityId

/**
 * The gateway's security key from an ISIN (12 characters) or a CUSIP (9 characters, converted to
 * an ISIN with `cusipCountry`, default US). Throws ID_SYNTAX or ID_CHECK_DIGIT.
 */
export function securityId(s: string, cusipCountry = 'US'): SecurityId {
  if (s.length === 12) return isin(s);
  if (s.length === 9) return isinFromCusip(s, cusipCountry);
  return fail(CodecErrorCode.ID_SYNTAX, 'security id', s, 'must be an ISIN (12 characters) or a CUSIP (9 characters)');
}

// ------------------------------------------------------------------------------------------ MemberId

/** True when b[off..off+8) is a NUL-padded member id (1-8 of A-Z 0-9, then only NULs). */
export function isValidMemberIdAscii(b: Uint8Array, off: number): boolean {
  if (off < 0 || off + MEMBER_ID_MAX_LENGTH > b.length) return false;
  let n = 0;
  while (n < MEMBER_ID_MAX_LENGTH && b[off + n] !== 0) {
    if (alnumValue(b[off + n]) < 0) return false;
    n++;
  }
  for (let i = n; i < MEMBER_ID_MAX_LENGTH; i++) if (b[off + i] !== 0) return false;
  return n > 0;
}

export function isValidMemberId(s: string): boolean {
  if (s.length < 1 || s.length > MEMBER_ID_MAX_LENGTH) return false;
  for (let i = 0; i < s.length; i++) if (alnumValue(s.charCodeAt(i)) < 0) return false;
  return true;
}

/** Validate a member id: 1 to 8 characters A-Z 0-9. Throws ID_SYNTAX. */
export function memberId(s: string): MemberId {
  if (!isValidMemberId(s))
    fail(CodecErrorCode.ID_SYNTAX, 'member id', s, `must be 1 to ${MEMBER_ID_MAX_LENGTH} characters A-Z 0-9`);
  return s as MemberId;
}

// ------------------------------------------------------------------------------------------ numeric ids

export function isValidSessionId(n: number): boolean {
  return Number.isInteger(n) && n >= 1 && n <= SESSION_ID_MAX;
}

/** Validate a session number: an integer 1..2^32-2. Throws ID_RANGE. */
export function sessionId(n: number): SessionId {
  if (!isValidSessionId(n)) fail(CodecErrorCode.ID_RANGE, 'session id', n, `must be an integer 1..${SESSION_ID_MAX}`);
  return n as SessionId;
}

export function isValidTradeId(v: bigint): boolean {
  return v >= 1n && v <= TRADE_ID_MAX;
}

/**
 * Validate a trade id: 1..2^64-2, from a bigint, a safe integer or decimal digits (as in the FIX
 * TradeID text of the twin). Throws ID_SYNTAX or ID_RANGE.
 */
export function tradeId(v: bigint | number | string): TradeId {
  let b: bigint;
  if (typeof v === 'bigint') b = v;
  else if (typeof v === 'number') {
    if (!Number.isSafeInteger(v)) fail(CodecErrorCode.ID_RANGE, 'trade id', v, 'must be a safe integer (use a bigint)');
    b = BigInt(v);
  } else {
    if (!/^[0-9]{1,20}$/.test(v)) fail(CodecErrorCode.ID_SYNTAX, 'trade id', v, 'must be 1 to 20 decimal digits');
    b = BigInt(v);
  }
  if (!isValidTradeId(b)) fail(CodecErrorCode.ID_RANGE, 'trade id', v, `must be 1..${TRADE_ID_MAX}`);
  return b as TradeId;
}
