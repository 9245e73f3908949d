/**
 * Parsers of the reference data files (gateway/refdata.ts loads them; refdata/README.md documents them).
 * Each parser takes the file's text and the name to report it by, and returns the value together with
 * EVERY problem found (not just the first); the value is only meaningful when there are no problems.
 *
 * Problem format (one line each, stable enough to grep, not to parse):
 *   CSV:  `file:line[:column]: <field> <value as JSON>: <what is wrong>; expected <what was expected>`
 *   JSON: `file: <JSON pointer>: <value as JSON>: <what is wrong>; expected <what was expected>`
 * Lines and columns are 1-based; a column is the character where the field starts.
 *
 * Files:
 * - securities.csv  header `isin,cusip,symbol,currency,assetClass,lotSize,price,depositoryEligible,priceBandBps`
 *   (exactly, in this order). isin: ISO 6166, check digit verified. cusip: empty or a CUSIP with a
 *   verified check digit equal to ISIN characters 3-11 of a US/CA ISIN (empty with a US/CA ISIN whose
 *   characters 3-11 are a valid CUSIP: derived). symbol: 1-32 printable ASCII, no quote. currency: ISO 4217
 *   letters. assetClass: equity|etf|govt|corp|muni. lotSize: integer >= 1. price: decimal text, > 0,
 *   at most 9 decimals, parsed exactly to a 10^-9 mantissa (never through a float). depositoryEligible:
 *   true|false. priceBandBps: integer 0..10000. isin, cusip and symbol are unique.
 * - members.json    `[{id, lei, name, accounts[], limits{grossNotionalPerDay, netPositionPerSecurity,
 *   exposureOverCollateral}, active}]`: id 1-8 of A-Z 0-9, unique; lei ISO 17442 (ISO 7064 MOD 97-10),
 *   unique; money limits are decimal STRINGS (a JSON number could lose digits), >= 0, at most 4 decimals,
 *   exact to the 10^-4 mantissa; netPositionPerSecurity an integer >= 0.
 * - calendar.json   `{holidays[], settlementHolidays?[], settlementCycleDays}`: dates yyyy-mm-dd, real,
 *   weekdays, each once over both lists. holidays: no trading and no settlement; settlementHolidays:
 *   the market trades but nothing settles (US: Columbus Day, Veterans Day, when the Fed is closed).
 * - scenarios.csv   header `date,ISIN1,ISIN2,...`, then one row of closes per trading day: dates
 *   strictly increasing and consecutive trading days of the calendar (none skipped), every field a
 *   decimal > 0 exact to 10^-9, no blanks; every ISIN known to securities.csv and every security has a
 *   column.
 * - collateral.json `{haircutBps{cash,equity,etf,govt,corp,muni}, concentrationLimitBps}`: integers
 *   0..10000 (haircuts) and 1..10000 (limit).
 * CSV: comma-separated, no quoting (no field may contain a comma or a quote), LF or CRLF line ends, a
 * UTF-8 BOM is skipped, lines of only whitespace are ignored.
 *
 * Start-up code (synchronous, allocation does not matter); stateless.
 */
import { DecimalStatus, decimalStatus, MONEY_EXPONENT, parseFixedAscii, parseFixedAsciiBig, PRICE_EXPONENT } from '../codec/decimal.js';
import { cusipCheckDigitAscii, type Cusip, type Isin, isinCheckDigitAscii, isValidCusip, isValidMemberId, type Lei, leiCheckDigits, type MemberId } from '../codec/ids.js';
import { type CivilDate, civilFromDays, daysFromCivil } from '../codec/timestamp.js';
import type { AssetClass, CalendarDef, CollateralSchedule, MemberDef, ScenarioHistory, SecurityDef } from '../engine/types.js';
import { isoDateToYmd } from './config.js';

export const ASSET_CLASSES: readonly AssetClass[] = ['equity', 'etf', 'govt', 'corp', 'muni'];
export const SECURITY_COLUMNS = ['isin', 'cusip', 'symbol', 'currency', 'assetClass', 'lotSize', 'price', 'depositoryEligible', 'priceBandBps'] as const;
/** At most this many problems are listed per file; a last line says how many more there were. */
export const MAX_PROBLEMS_PER_FILE = 500;

/** A calendar as loaded: CalendarDef plus the settlement-only holidays (sorted yyyymmdd). */
export interface LoadedCalendar extends CalendarDef {
  /** Days the market trades but nothing settles (settlement dates skip them; trade dates do not). */
  settlementHolidays: readonly number[];
}

export interface Parsed<T> {
  value: T;
  problems: string[];
}

/** Problem list of one file, capped at MAX_PROBLEMS_PER_FILE. */
class Problems {
  readonly list: string[] = [];
  #dropped = 0;
  add(msg: string): void {
    if (this.list.length < MAX_PROBLEMS_PER_FILE) this.list.push(msg);
    else this.#dropped++;
  }
  done(file: string): string[] {
    if (this.#dropped > 0) this.list.push(`${file}: ${this.#dropped} more problem(s) not listed`);
    return this.list;
  }
}

const q = (v: unknown): string => (v === undefined ? 'nothing' : JSON.stringify(v));

// ------------------------------------------------------------------------------------------ identifiers

/** [what is wrong, what was expected] for a bad ISIN, or undefined. */
export function isinProblem(s: string): [string, string] | undefined {
  if (!/^[A-Z]{2}[0-9A-Z]{9}[0-9]$/.test(s)) return ['not an ISIN', 'an ISO 6166 ISIN: 2 letters, 9 of 0-9 A-Z, a check digit'];
  const check = isinCheckDigitAscii(Buffer.from(s, 'latin1'), 0);
  if (check !== s.charCodeAt(11) - 48) return [`wrong check digit ${s[11]}`, `check digit ${check} (ISO 6166)`];
  return undefined;
}

export function cusipProblem(s: string): [string, string] | undefined {
  if (!/^[0-9A-Z*@#]{8}[0-9]$/.test(s)) return ['not a CUSIP', 'a CUSIP: 8 of 0-9 A-Z * @ #, a check digit'];
  const check = cusipCheckDigitAscii(Buffer.from(s, 'latin1'), 0);
  if (check !== s.charCodeAt(8) - 48) return [`wrong check digit ${s[8]}`, `check digit ${check}`];
  return undefined;
}

export function leiProblem(s: string): [string, string] | undefined {
  if (!/^[0-9A-Z]{18}[0-9]{2}$/.test(s)) return ['not an LEI', 'an ISO 17442 LEI: 18 of 0-9 A-Z, 2 check digits'];
  const check = leiCheckDigits(s.slice(0, 18));
  if (check !== s.slice(18)) return [`wrong check digits ${s.slice(18)}`, `check digits ${check} (ISO 7064 MOD 97-10)`];
  return undefined;
}

// ------------------------------------------------------------------------------------------ dates

/** yyyymmdd → days since 1970-01-01. */
export function ymdToDays(ymd: number): number {
  return daysFromCivil(Math.floor(ymd / 10000), Math.floor(ymd / 100) % 100, ymd % 100);
}

/** Days since 1970-01-01 → yyyymmdd. */
export function daysToYmd(days: number): number {
  const c = civilFromDays(days, scratchDate);
  return c.year * 10000 + c.month * 100 + c.day;
}
const scratchDate: CivilDate = { year: 0, month: 0, day: 0 };

/** 20261124 → "2026-11-24". */
export function formatYmd(ymd: number): string {
  const s = String(ymd);
  return `${s.slice(0, 4)}-${s.slice(4, 6)}-${s.slice(6, 8)}`;
}

/** 0 = Sunday .. 6 = Saturday. */
export function weekdayOf(ymd: number): number {
  return (((ymdToDays(ymd) + 4) % 7) + 7) % 7; // 1970-01-01 was a Thursday
}

/** A trading day: a weekday that is not in `holidays` (settlement-only holidays are trading days). */
export function isTradingDay(ymd: number, holidays: ReadonlySet<number>): boolean {
  const wd = weekdayOf(ymd);
  return wd !== 0 && wd !== 6 && !holidays.has(ymd);
}

/** The first trading day after `ymd`. */
export function nextTradingDay(ymd: number, holidays: ReadonlySet<number>): number {
  let d = ymdToDays(ymd);
  do d++;
  while (!isTradingDay(daysToYmd(d), holidays));
  return daysToYmd(d);
}

// ------------------------------------------------------------------------------------------ CSV

interface CsvRow {
  line: number;
  fields: string[];
  /** 1-based character column where each field starts. */
  cols: number[];
}

/** Rows of a CSV text (header first); lines of only whitespace are skipped. */
function csvRows(text: string): CsvRow[] {
  const rows: CsvRow[] = [];
  const lines = (text.charCodeAt(0) === 0xfeff ? text.slice(1) : text).split('\n');
  lines.forEach((raw, i) => {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (line.trim() === '') return;
    const fields = line.split(',');
    const cols: number[] = [];
    let c = 1;
    for (const f of fields) {
      cols.push(c);
      c += f.length + 1;
    }
    rows.push({ line: i + 1, fields, cols });
  });
  return rows;
}

/** Field count check for a data row; reports and returns false when it differs from the header's. */
function fieldCount(file: string, row: CsvRow, columns: readonly string[], p: Problems): boolean {
  const n = row.fields.length;
  if (n === columns.length) return true;
  if (n < columns.length)
    p.add(`${file}:${row.line}: row ${q(row.fields.join(','))}: ${n} field(s), missing column(s) ${columns.slice(n).join(',')}; expected ${columns.length} fields (${columns.join(',')})`);
  else p.add(`${file}:${row.line}:${row.cols[columns.length]}: row ${q(row.fields.join(','))}: ${n} fields, ${n - columns.length} more than the header; expected ${columns.length} fields (${columns.join(',')})`);
  return false;
}

/** Quotes are not CSV quoting here: refuse them rather than read them as part of a value. */
function noQuotes(file: string, row: CsvRow, p: Problems): boolean {
  const i = row.fields.findIndex((f) => f.includes('"'));
  if (i < 0) return true;
  p.add(`${file}:${row.line}:${row.cols[i]}: field ${q(row.fields[i])}: contains a quote; expected plain fields (no quoting, no commas or quotes inside a field)`);
  return false;
}

/** Decimal text → mantissa at `exponent` (exact), or a [what, expected] problem. Never via a float. */
function exactDecimal(text: string, exponent: number, positive: boolean): number | [string, string] {
  const expected = `a decimal ${positive ? '> 0' : '>= 0'} with at most ${-exponent} decimal places, e.g. 271.49`;
  const b = Buffer.from(text, 'latin1');
  const m = parseFixedAscii(b, 0, b.length, exponent);
  const st = decimalStatus();
  if (st === DecimalStatus.SYNTAX) return [text === '' ? 'empty' : 'not a decimal number', expected];
  if (st === DecimalStatus.PRECISION) return [`more than ${-exponent} decimal places`, expected];
  if (st !== DecimalStatus.OK) return ['too large', `${expected}, below 2^53 x 10^${exponent}`];
  if (m < 0 || (positive && m === 0)) return [m === 0 ? 'zero' : 'negative', expected];
  return m;
}

/** Integer text in [min, max], or a problem. */
function intField(text: string, min: number, max: number): number | [string, string] {
  const expected = `an integer ${min}..${max}`;
  if (!/^-?[0-9]+$/.test(text)) return [text === '' ? 'empty' : 'not an integer', expected];
  const n = Number(text);
  if (n < min) return [n < 0 ? 'negative' : n === 0 ? 'zero' : 'too small', expected];
  if (n > max) return ['too large', expected];
  return n;
}

// ------------------------------------------------------------------------------------------ securities.csv

export function parseSecurities(text: string, file: string): Parsed<SecurityDef[]> {
  const p = new Problems();
  const out: SecurityDef[] = [];
  const rows = csvRows(text);
  const header = rows.shift();
  if (header === undefined) {
    p.add(`${file}:1: file ${q('')}: empty; expected the header ${SECURITY_COLUMNS.join(',')} and one row per security`);
    return { value: out, problems: p.done(file) };
  }
  if (header.fields.join(',') !== SECURITY_COLUMNS.join(',')) {
    const i = SECURITY_COLUMNS.findIndex((c, k) => header.fields[k] !== c);
    const col = i < header.fields.length ? header.cols[i] : header.cols[header.fields.length - 1]! + header.fields[header.fields.length - 1]!.length;
    const found = i < header.fields.length ? q(header.fields[i]) : 'nothing';
    p.add(`${file}:${header.line}:${col}: header column ${i + 1} ${found}: ${i < header.fields.length ? 'unexpected' : `missing column ${SECURITY_COLUMNS[i]}`}; expected the header ${SECURITY_COLUMNS.join(',')}`);
    return { value: out, problems: p.done(file) };
  }
  const seen = { isin: new Map<string, number>(), cusip: new Map<string, number>(), symbol: new Map<string, number>() };
  for (const row of rows) {
    if (!fieldCount(file, row, SECURITY_COLUMNS, p) || !noQuotes(file, row, p)) continue;
    const [isinText, cusipText, symbol, currency, assetClass, lotText, priceText, eligibleText, bandText] = row.fields as [string, string, string, string, string, string, string, string, string];
    let ok = true;
    const bad = (k: number, v: string, [what, expected]: [string, string]): void => {
      p.add(`${file}:${row.line}:${row.cols[k]}: ${SECURITY_COLUMNS[k]} ${q(v)}: ${what}; expected ${expected}`);
      ok = false;
    };
    const isinBad = isinProblem(isinText);
    if (isinBad) bad(0, isinText, isinBad);
    let cusip: Cusip | undefined;
    if (cusipText !== '') {
      const cusipBad = cusipProblem(cusipText);
      if (cusipBad) bad(1, cusipText, cusipBad);
      else if (!isinBad) {
        if (!isinText.startsWith('US') && !isinText.startsWith('CA'))
          bad(1, cusipText, [`given for isin ${isinText}, which is not CUSIP-numbered`, 'no cusip (only US and CA ISINs contain one)']);
        else if (isinText.slice(2, 11) !== cusipText)
          bad(1, cusipText, [`does not match isin ${isinText}`, `${isinText.slice(2, 11)} (ISIN characters 3-11; ISIN = country + CUSIP + check digit)`]);
      }
      cusip = cusipText as Cusip;
    } else if (!isinBad && (isinText.startsWith('US') || isinText.startsWith('CA')) && isValidCusip(isinText.slice(2, 11))) {
      cusip = isinText.slice(2, 11) as Cusip; // derived: the NSIN of a US/CA ISIN is the CUSIP
    }
    if (!/^[!-~](?:[ -~]{0,30}[!-~])?$/.test(symbol)) bad(2, symbol, ['not a symbol', '1 to 32 printable ASCII characters, no leading or trailing space']);
    if (!/^[A-Z]{3}$/.test(currency)) bad(3, currency, ['not a currency code', 'an ISO 4217 code, 3 letters A-Z (e.g. USD)']);
    if (!(ASSET_CLASSES as readonly string[]).includes(assetClass)) bad(4, assetClass, ['not an asset class', `one of ${ASSET_CLASSES.join(', ')}`]);
    const lot = intField(lotText, 1, Number.MAX_SAFE_INTEGER);
    if (typeof lot !== 'number') bad(5, lotText, lot);
    const price = exactDecimal(priceText, PRICE_EXPONENT, true);
    if (typeof price !== 'number') bad(6, priceText, price);
    if (eligibleText !== 'true' && eligibleText !== 'false') bad(7, eligibleText, ['not a boolean', 'true or false']);
    const band = intField(bandText, 0, 10000);
    if (typeof band !== 'number') bad(8, bandText, band);
    const dup = (k: 0 | 1 | 2, key: 'isin' | 'cusip' | 'symbol', v: string | undefined): void => {
      if (v === undefined || v === '') return;
      const first = seen[key].get(v);
      if (first !== undefined) bad(k, v, ['duplicate', `each ${key} once (first on line ${first})`]);
      else seen[key].set(v, row.line);
    };
    dup(0, 'isin', isinText);
    dup(1, 'cusip', cusipText);
    dup(2, 'symbol', symbol);
    if (!ok) continue;
    const def: SecurityDef = {
      isin: isinText as Isin,
      symbol,
      currency,
      assetClass: assetClass as AssetClass,
      lotSize: lot as number,
      price: price as number,
      depositoryEligible: eligibleText === 'true',
      priceBandBps: band as number,
    };
    if (cusip !== undefined) def.cusip = cusip;
    out.push(def);
  }
  if (rows.length === 0) p.add(`${file}:${header.line + 1}: rows ${q('')}: none; expected one row per security after the header`);
  return { value: out, problems: p.done(file) };
}

// ------------------------------------------------------------------------------------------ JSON helpers

/** Parse JSON or report it. */
function parseJson(text: string, file: string, p: Problems, expected: string): unknown {
  try {
    return JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
  } catch (e) {
    p.add(`${file}: (document): invalid JSON (${(e as Error).message}); expected ${expected}`);
    return undefined;
  }
}

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

/**
 * Check that `v` at `path` is an object with exactly the `required` (and optionally `optional`)
 * keys; reports unknown and missing ones. Returns the object, or undefined if it is none.
 */
function objectAt(file: string, path: string, v: unknown, required: readonly string[], optional: readonly string[], p: Problems): Record<string, unknown> | undefined {
  if (!isObject(v)) {
    p.add(`${file}: ${path || '(document)'}: ${q(v)}: not an object; expected an object with ${required.join(', ')}`);
    return undefined;
  }
  for (const k of Object.keys(v))
    if (!required.includes(k) && !optional.includes(k))
      p.add(`${file}: ${path}/${k}: ${q(v[k])}: unknown property; expected only ${[...required, ...optional].join(', ')}`);
  for (const k of required) if (!(k in v)) p.add(`${file}: ${path}/${k}: nothing: missing; expected required property "${k}"`);
  return v;
}

/** Money limit: a decimal string >= 0, exact to 10^-4 → bigint mantissa. */
function moneyString(file: string, path: string, v: unknown, p: Problems): bigint | undefined {
  const expected = 'a decimal string >= 0 with at most 4 decimal places, e.g. "5000000.00" (a string: a JSON number could lose digits)';
  if (typeof v !== 'string') {
    p.add(`${file}: ${path}: ${q(v)}: not a string; expected ${expected}`);
    return undefined;
  }
  const b = Buffer.from(v, 'latin1');
  const m = parseFixedAsciiBig(b, 0, b.length, MONEY_EXPONENT);
  const st = decimalStatus();
  const what = st === DecimalStatus.SYNTAX ? 'not a decimal number' : st === DecimalStatus.PRECISION ? 'more than 4 decimal places' : st !== DecimalStatus.OK ? 'too large' : m < 0n ? 'negative' : undefined;
  if (what !== undefined) {
    p.add(`${file}: ${path}: ${q(v)}: ${what}; expected ${expected}`);
    return undefined;
  }
  return m;
}

function intAt(file: string, path: string, v: unknown, min: number, max: number, p: Problems): number | undefined {
  if (typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max) return v;
  const what = typeof v !== 'number' ? 'not a number' : !Number.isInteger(v) ? 'not an integer' : v < min ? (v < 0 ? 'negative' : 'too small') : 'too large';
  p.add(`${file}: ${path}: ${q(v)}: ${what}; expected an integer ${min}..${max}`);
  return undefined;
}

// ------------------------------------------------------------------------------------------ members.json

const MEMBER_KEYS = ['id', 'lei', 'name', 'accounts', 'limits', 'active'] as const;
const LIMIT_KEYS = ['grossNotionalPerDay', 'netPositionPerSecurity', 'exposureOverCollateral'] as const;
const ACCOUNT = /^[A-Za-z0-9_.-]{1,32}$/;

export function parseMembers(text: string, file: string): Parsed<MemberDef[]> {
  const p = new Problems();
  const out: MemberDef[] = [];
  const doc = parseJson(text, file, p, 'a JSON array of members');
  if (doc === undefined) return { value: out, problems: p.done(file) };
  if (!Array.isArray(doc) || doc.length === 0) {
    p.add(`${file}: (document): ${Array.isArray(doc) ? '[]' : q(doc)}: ${Array.isArray(doc) ? 'no members' : 'not an array'}; expected a JSON array of at least one member`);
    return { value: out, problems: p.done(file) };
  }
  const ids = new Map<string, number>();
  const leis = new Map<string, number>();
  doc.forEach((m: unknown, i) => {
    const at = `/${i}`;
    const before = p.list.length;
    const o = objectAt(file, at, m, MEMBER_KEYS, [], p);
    if (o === undefined) return;
    if (typeof o.id !== 'string' || !isValidMemberId(o.id)) {
      if ('id' in o) p.add(`${file}: ${at}/id: ${q(o.id)}: not a member id; expected 1 to 8 characters A-Z 0-9`);
    } else {
      const first = ids.get(o.id);
      if (first !== undefined) p.add(`${file}: ${at}/id: ${q(o.id)}: duplicate; expected each member id once (first at /${first})`);
      else ids.set(o.id, i);
    }
    if (typeof o.lei !== 'string') {
      if ('lei' in o) p.add(`${file}: ${at}/lei: ${q(o.lei)}: not a string; expected an ISO 17442 LEI`);
    } else {
      const bad = leiProblem(o.lei);
      if (bad) p.add(`${file}: ${at}/lei: ${q(o.lei)}: ${bad[0]}; expected ${bad[1]}`);
      else {
        const first = leis.get(o.lei);
        if (first !== undefined) p.add(`${file}: ${at}/lei: ${q(o.lei)}: duplicate; expected each LEI once (first at /${first})`);
        else leis.set(o.lei, i);
      }
    }
    if ('name' in o && (typeof o.name !== 'string' || o.name.trim() === '' || o.name.length > 100))
      p.add(`${file}: ${at}/name: ${q(o.name)}: not a name; expected a non-empty string of at most 100 characters`);
    const accounts: string[] = [];
    if (!Array.isArray(o.accounts)) {
      if ('accounts' in o) p.add(`${file}: ${at}/accounts: ${q(o.accounts)}: not an array; expected an array of account names (may be empty: the default account '' is always allowed)`);
    } else
      o.accounts.forEach((a: unknown, k) => {
        if (typeof a !== 'string' || !ACCOUNT.test(a)) p.add(`${file}: ${at}/accounts/${k}: ${q(a)}: not an account name; expected 1 to 32 characters A-Z a-z 0-9 _ . -`);
        else if (accounts.includes(a)) p.add(`${file}: ${at}/accounts/${k}: ${q(a)}: duplicate; expected each account once per member`);
        else accounts.push(a);
      });
    let limits: MemberDef['limits'] | undefined;
    if ('limits' in o) {
      const l = objectAt(file, `${at}/limits`, o.limits, LIMIT_KEYS, [], p);
      if (l !== undefined) {
        const gross = 'grossNotionalPerDay' in l ? moneyString(file, `${at}/limits/grossNotionalPerDay`, l.grossNotionalPerDay, p) : undefined;
        const net = 'netPositionPerSecurity' in l ? intAt(file, `${at}/limits/netPositionPerSecurity`, l.netPositionPerSecurity, 0, Number.MAX_SAFE_INTEGER, p) : undefined;
        const exposure = 'exposureOverCollateral' in l ? moneyString(file, `${at}/limits/exposureOverCollateral`, l.exposureOverCollateral, p) : undefined;
        if (gross !== undefined && net !== undefined && exposure !== undefined) limits = { grossNotionalPerDay: gross, netPositionPerSecurity: net, exposureOverCollateral: exposure };
      }
    }
    if ('active' in o && typeof o.active !== 'boolean') p.add(`${file}: ${at}/active: ${q(o.active)}: not a boolean; expected true or false`);
    if (p.list.length !== before || limits === undefined) return;
    out.push({ id: o.id as MemberId, lei: o.lei as Lei, name: o.name as string, accounts, limits, active: o.active as boolean });
  });
  return { value: out, problems: p.done(file) };
}

// ------------------------------------------------------------------------------------------ calendar.json

export function parseCalendar(text: string, file: string): Parsed<LoadedCalendar> {
  const p = new Problems();
  const value: LoadedCalendar = { holidays: [], settlementHolidays: [], settlementCycleDays: 1 };
  const doc = parseJson(text, file, p, 'a JSON object {holidays, settlementHolidays, settlementCycleDays}');
  if (doc === undefined) return { value, problems: p.done(file) };
  const o = objectAt(file, '', doc, ['holidays', 'settlementCycleDays'], ['settlementHolidays', '$comment'], p);
  if (o === undefined) return { value, problems: p.done(file) };
  const seen = new Map<number, string>();
  const dates = (key: 'holidays' | 'settlementHolidays'): number[] => {
    const list: number[] = [];
    const v = o[key];
    if (v === undefined) return list;
    if (!Array.isArray(v)) {
      p.add(`${file}: /${key}: ${q(v)}: not an array; expected an array of dates "yyyy-mm-dd"`);
      return list;
    }
    v.forEach((d: unknown, i) => {
      const at = `/${key}/${i}`;
      const ymd = typeof d === 'string' ? isoDateToYmd(d) : undefined;
      if (ymd === undefined) p.add(`${file}: ${at}: ${q(d)}: not a date; expected a real date "yyyy-mm-dd" (1970..2149)`);
      else if (weekdayOf(ymd) === 0 || weekdayOf(ymd) === 6)
        p.add(`${file}: ${at}: ${q(d)}: a ${weekdayOf(ymd) === 0 ? 'Sunday' : 'Saturday'} (weekends are never business days); expected the weekday on which the holiday is observed`);
      else if (seen.has(ymd)) p.add(`${file}: ${at}: ${q(d)}: duplicate; expected each date once over holidays and settlementHolidays (first at ${seen.get(ymd)})`);
      else {
        seen.set(ymd, at);
        list.push(ymd);
      }
    });
    return list.sort((a, b) => a - b);
  };
  value.holidays = dates('holidays');
  value.settlementHolidays = dates('settlementHolidays');
  if ('settlementCycleDays' in o) {
    const n = intAt(file, '/settlementCycleDays', o.settlementCycleDays, 0, 10, p);
    if (n !== undefined) value.settlementCycleDays = n;
  }
  if (o.$comment !== undefined && typeof o.$comment !== 'string') p.add(`${file}: /$comment: ${q(o.$comment)}: not a string; expected a string`);
  return { value, problems: p.done(file) };
}

// ------------------------------------------------------------------------------------------ scenarios.csv

/** What scenarios.csv is checked against; a part is undefined when its own file failed to load. */
export interface ScenarioContext {
  /** Every ISIN named in securities.csv (also on rows with other problems), symbol for messages. */
  securities?: ReadonlyMap<string, string>;
  securitiesFile?: string;
  /** Market holidays of the calendar (trading days are the other weekdays). */
  holidays?: ReadonlySet<number>;
  calendarFile?: string;
}

export function parseScenarios(text: string, file: string, ctx: ScenarioContext = {}): Parsed<ScenarioHistory> {
  const p = new Problems();
  const dates: number[] = [];
  const isins: Isin[] = [];
  const closes: number[][] = [];
  const value: ScenarioHistory = { dates, isins, closes };
  const rows = csvRows(text);
  const header = rows.shift();
  if (header === undefined) {
    p.add(`${file}:1: file ${q('')}: empty; expected the header date,ISIN1,ISIN2,... and one row of closes per trading day`);
    return { value, problems: p.done(file) };
  }
  if (header.fields[0] !== 'date')
    p.add(`${file}:${header.line}:1: header column 1 ${q(header.fields[0])}: unexpected; expected "date" then one ISIN per column`);
  if (header.fields.length < 2) p.add(`${file}:${header.line}: header ${q(header.fields.join(','))}: no ISIN columns; expected date,ISIN1,ISIN2,...`);
  const columnOf = new Map<string, number>();
  for (let k = 1; k < header.fields.length; k++) {
    const s = header.fields[k]!;
    const at = `${file}:${header.line}:${header.cols[k]}`;
    const bad = isinProblem(s);
    if (bad) p.add(`${at}: ISIN ${q(s)}: ${bad[0]}; expected ${bad[1]}`);
    else if (ctx.securities !== undefined && !ctx.securities.has(s))
      p.add(`${at}: ISIN ${q(s)}: unknown security; expected an ISIN of ${ctx.securitiesFile ?? 'securities.csv'}`);
    if (columnOf.has(s)) p.add(`${at}: ISIN ${q(s)}: duplicate column; expected each ISIN once (first in column ${columnOf.get(s)! + 1})`);
    else columnOf.set(s, k);
    isins.push(s as Isin);
    closes.push([]);
  }
  if (ctx.securities !== undefined && header.fields.length >= 2) {
    const missing = [...ctx.securities].filter(([isin]) => !columnOf.has(isin)).map(([isin, sym]) => `${isin} (${sym})`);
    if (missing.length > 0)
      p.add(`${file}:${header.line}: header: no column for ${missing.length} securit${missing.length === 1 ? 'y' : 'ies'} ${missing.join(', ')}; expected a column for every security of ${ctx.securitiesFile ?? 'securities.csv'} (margin needs a history for each)`);
  }
  const columns = header.fields;
  let prev: number | undefined;
  for (const row of rows) {
    if (!fieldCount(file, row, columns, p) || !noQuotes(file, row, p)) continue;
    const dateText = row.fields[0]!;
    const ymd = isoDateToYmd(dateText);
    if (ymd === undefined) p.add(`${file}:${row.line}:1: date ${q(dateText)}: not a date; expected a real date "yyyy-mm-dd" (1970..2149)`);
    else {
      if (ctx.holidays !== undefined && !isTradingDay(ymd, ctx.holidays)) {
        const why = ctx.holidays.has(ymd) ? `a holiday of ${ctx.calendarFile ?? 'the calendar'}` : weekdayOf(ymd) === 0 ? 'a Sunday' : 'a Saturday';
        p.add(`${file}:${row.line}:1: date ${q(dateText)}: ${why}; expected a trading day`);
      } else if (prev !== undefined && ymd <= prev) p.add(`${file}:${row.line}:1: date ${q(dateText)}: not after the previous row's ${formatYmd(prev)}; expected dates strictly increasing`);
      else if (prev !== undefined && ctx.holidays !== undefined && ymd !== nextTradingDay(prev, ctx.holidays))
        p.add(`${file}:${row.line}:1: date ${q(dateText)}: skips trading day ${formatYmd(nextTradingDay(prev, ctx.holidays))} after ${formatYmd(prev)}; expected consecutive trading days of ${ctx.calendarFile ?? 'the calendar'}`);
      if (prev === undefined || ymd > prev) prev = ymd;
    }
    dates.push(ymd ?? 0);
    for (let k = 1; k < columns.length; k++) {
      const t = row.fields[k]!;
      const m = exactDecimal(t, PRICE_EXPONENT, true);
      if (typeof m === 'number') closes[k - 1]!.push(m);
      else {
        p.add(`${file}:${row.line}:${row.cols[k]}: close of ${columns[k]} ${q(t)}: ${m[0] === 'empty' ? 'blank' : m[0]}; expected ${m[1]}`);
        closes[k - 1]!.push(0);
      }
    }
  }
  if (rows.length < 2) p.add(`${file}:${header.line + rows.length + 1}: rows ${q(rows.length)}: fewer than 2 days of closes; expected a history of daily closes (one row per trading day)`);
  return { value, problems: p.done(file) };
}

// ------------------------------------------------------------------------------------------ collateral.json

const HAIRCUT_KEYS = ['cash', ...ASSET_CLASSES] as const;

export function parseCollateral(text: string, file: string): Parsed<CollateralSchedule> {
  const p = new Problems();
  const haircutBps = { cash: 0, equity: 0, etf: 0, govt: 0, corp: 0, muni: 0 };
  const value: CollateralSchedule = { haircutBps, concentrationLimitBps: 10000 };
  const doc = parseJson(text, file, p, 'a JSON object {haircutBps, concentrationLimitBps}');
  if (doc === undefined) return { value, problems: p.done(file) };
  const o = objectAt(file, '', doc, ['haircutBps', 'concentrationLimitBps'], ['$comment'], p);
  if (o === undefined) return { value, problems: p.done(file) };
  if ('haircutBps' in o) {
    const h = objectAt(file, '/haircutBps', o.haircutBps, HAIRCUT_KEYS, [], p);
    if (h !== undefined)
      for (const k of HAIRCUT_KEYS) {
        if (!(k in h)) continue;
        const n = intAt(file, `/haircutBps/${k}`, h[k], 0, 10000, p);
        if (n !== undefined) haircutBps[k] = n;
      }
  }
  if ('concentrationLimitBps' in o) {
    const n = intAt(file, '/concentrationLimitBps', o.concentrationLimitBps, 1, 10000, p);
    if (n !== undefined) value.concentrationLimitBps = n;
  }
  return { value, problems: p.done(file) };
}

/** ISINs named in a securities.csv text (valid or not), with their symbol: what scenarios.csv may name. */
export function securityIsinsNamed(text: string): Map<string, string> {
  const named = new Map<string, string>();
  const rows = csvRows(text);
  rows.shift();
  for (const r of rows) if (r.fields[0] !== undefined && isinProblem(r.fields[0]) === undefined && !named.has(r.fields[0])) named.set(r.fields[0], r.fields[2] ?? '');
  return named;
}
