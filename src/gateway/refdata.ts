/**
 * Reference data for the clearing engine: the files named by `clearing.refdata` in gateway.config.json,
 * loaded and validated before anything starts (formats: refdata-formats.ts and refdata/README.md).
 *
 * Contract:
 * - `loadRefData(clearing, baseDir)` reads the five files (paths relative to `baseDir`, the
 *   configuration file's directory) and returns the engine's `RefData`, or throws ONE `GatewayError`
 *   with code `REFDATA_INVALID` whose `context.errors` lists every problem of every file, one line
 *   each (`file:line[:column]: …` for CSV, `file: /json/pointer: …` for JSON). Files are checked
 *   against each other: every scenario ISIN is a security, every security has a scenario column,
 *   scenario dates are consecutive trading days of the calendar, and the history holds enough
 *   `mporDays`-day scenarios for the configured VaR confidence.
 * - `checkRefData(config, baseDir)` is the start-up check (a preflight `Check` plus the loaded data):
 *   it also checks the configuration against the data (every fix.sessions member exists; a configured
 *   businessDate is a trading day) and resolves the clearing business date. Without a `clearing`
 *   section it passes and says the gateway runs without an engine.
 *
 * Start-up code (synchronous file reads, main thread); stateless.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { GatewayError } from '../codec/errors.js';
import type { RefData } from '../engine/types.js';
import { type ClearingConfig, CLEARING_DEFAULTS, type GatewayConfig, isoDateToYmd } from './config.js';
import {
  formatYmd,
  isTradingDay,
  type LoadedCalendar,
  nextTradingDay,
  parseCalendar,
  parseCollateral,
  parseMembers,
  parseScenarios,
  parseSecurities,
  securityIsinsNamed,
} from './refdata-formats.js';

export { formatYmd, isTradingDay, type LoadedCalendar, nextTradingDay } from './refdata-formats.js';

export const RefDataErrorCode = {
  /** One or more reference data files are missing or invalid; `context.errors` lists every problem. */
  REFDATA_INVALID: 'REFDATA_INVALID',
} as const;

/** RefData whose calendar carries the settlement-only holidays too. */
export interface LoadedRefData extends RefData {
  calendar: LoadedCalendar;
}

/** The preflight's Check shape (what/ok/detail) plus what the gateway needs next. */
export interface RefDataCheck {
  what: string;
  ok: boolean;
  detail: string;
  /** Every problem, one line each (empty when ok). */
  errors: readonly string[];
  /** The loaded data when ok and a `clearing` section exists. */
  refData?: LoadedRefData;
  /** The clearing business date (yyyymmdd) when ok and a `clearing` section exists. */
  businessDate?: number;
}

/** Read a file or record why not. */
function read(file: string, full: string, errors: string[]): string | undefined {
  try {
    return fs.readFileSync(full, 'utf8');
  } catch (e) {
    const why = (e as NodeJS.ErrnoException).code ?? (e as Error).message;
    errors.push(`${file}: (file): cannot read ${full} (${why}); expected a readable file (a path relative to the configuration file's directory)`);
    return undefined;
  }
}

/**
 * Load and validate the reference data. Throws GatewayError REFDATA_INVALID listing every problem.
 * Messages name each file as configured (e.g. `refdata/securities.csv:12:1: …`).
 */
export function loadRefData(clearing: ClearingConfig, baseDir: string): LoadedRefData {
  const r = readRefData(clearing, baseDir);
  if (r.refData === undefined) throw new GatewayError(RefDataErrorCode.REFDATA_INVALID, `reference data: ${r.errors.length} problem(s):\n${r.errors.join('\n')}`, { errors: r.errors });
  return r.refData;
}

/** Every file parsed and cross-checked: the data when all is well, else every problem (and the parts that parsed cleanly). */
interface ReadResult {
  errors: string[];
  refData?: LoadedRefData;
  members?: LoadedRefData['members'];
  calendar?: LoadedCalendar;
}

function readRefData(clearing: ClearingConfig, baseDir: string): ReadResult {
  const files = clearing.refdata;
  const errors: string[] = [];
  const full = (f: string): string => path.resolve(baseDir, f);

  const securitiesText = read(files.securities, full(files.securities), errors);
  const securities = securitiesText === undefined ? undefined : parseSecurities(securitiesText, files.securities);
  const membersText = read(files.members, full(files.members), errors);
  const members = membersText === undefined ? undefined : parseMembers(membersText, files.members);
  const calendarText = read(files.calendar, full(files.calendar), errors);
  const calendar = calendarText === undefined ? undefined : parseCalendar(calendarText, files.calendar);
  const scenariosText = read(files.scenarios, full(files.scenarios), errors);
  const scenarios =
    scenariosText === undefined
      ? undefined
      : parseScenarios(scenariosText, files.scenarios, {
          // Checked against what the other files name even where those have problems of their own,
          // so that one bad securities row does not also make every scenario column "unknown".
          securities: securitiesText === undefined ? undefined : securityIsinsNamed(securitiesText),
          securitiesFile: files.securities,
          holidays: calendar === undefined ? undefined : new Set(calendar.value.holidays),
          calendarFile: files.calendar,
        });
  const collateralText = read(files.collateral, full(files.collateral), errors);
  const collateral = collateralText === undefined ? undefined : parseCollateral(collateralText, files.collateral);

  for (const parsed of [securities, members, calendar, scenarios, collateral]) if (parsed) errors.push(...parsed.problems);

  // Enough history for the VaR: n days give n - mporDays overlapping mporDays-day scenarios, and the
  // (1 - confidence) tail must hold at least one of them.
  if (scenarios !== undefined && scenarios.problems.length === 0) {
    const mpor = clearing.margin?.mporDays ?? CLEARING_DEFAULTS.margin.mporDays;
    const conf = clearing.margin?.confidenceBps ?? CLEARING_DEFAULTS.margin.confidenceBps;
    const days = scenarios.value.dates.length;
    const need = mpor + Math.ceil(10000 / (10000 - conf));
    if (days < need)
      errors.push(
        `${files.scenarios}: (rows): ${days} days of closes: too short for clearing.margin (mporDays ${mpor}, confidenceBps ${conf}); expected at least ${need} days (${need - mpor} overlapping ${mpor}-day scenarios, so that the ${(10000 - conf) / 100}% tail holds one)`,
      );
  }

  const result: ReadResult = { errors };
  if (members?.problems.length === 0) result.members = members.value;
  if (calendar?.problems.length === 0) result.calendar = calendar.value;
  if (errors.length === 0 && securities && members && calendar && scenarios && collateral)
    result.refData = { securities: securities.value, members: members.value, calendar: calendar.value, scenarios: scenarios.value, collateral: collateral.value };
  return result;
}

/** Today's date (yyyymmdd) in an IANA time zone. */
export function todayIn(timeZone: string, nowMs: number): number {
  const parts = new Intl.DateTimeFormat('en-US', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).formatToParts(nowMs);
  const get = (t: string): number => Number(parts.find((p) => p.type === t)?.value);
  return get('year') * 10000 + get('month') * 100 + get('day');
}

/**
 * The clearing business date (yyyymmdd): `clearing.businessDate` when configured (checkRefData
 * verifies it is a trading day), else today in `clearing.timeZone`, or the next trading day when
 * today is a weekend or a market holiday (late reports on a Saturday belong to Monday's cycle).
 */
export function resolveBusinessDate(clearing: ClearingConfig, calendar: LoadedCalendar, nowMs: number = Date.now()): number {
  if (clearing.businessDate !== undefined) {
    const ymd = isoDateToYmd(clearing.businessDate);
    if (ymd === undefined) {
      const msg = `/clearing/businessDate: ${JSON.stringify(clearing.businessDate)}: not a date; expected a real date yyyy-mm-dd`;
      throw new GatewayError(RefDataErrorCode.REFDATA_INVALID, msg, { errors: [msg] });
    }
    return ymd;
  }
  const holidays = new Set(calendar.holidays);
  const today = todayIn(clearing.timeZone ?? CLEARING_DEFAULTS.timeZone, nowMs);
  return isTradingDay(today, holidays) ? today : nextTradingDay(today, holidays);
}

/**
 * The start-up check of the reference data, for the preflight: never throws. `configFile` only names
 * the configuration in messages about it.
 */
export function checkRefData(config: GatewayConfig, baseDir: string, configFile = 'gateway.config.json', nowMs: number = Date.now()): RefDataCheck {
  const what = 'reference data';
  const clearing = config.clearing;
  if (clearing === undefined) return { what, ok: true, detail: 'no clearing section: the gateway runs without the clearing engine', errors: [] };
  let r: ReadResult;
  try {
    r = readRefData(clearing, baseDir);
  } catch (e) {
    return failed([`${configFile}: /clearing/refdata: ${e instanceof Error ? e.message : String(e)}`]);
  }
  // The configuration against the data, wherever that part of the data is sound by itself.
  const errors = r.errors;
  if (r.members !== undefined) {
    const memberIds = new Set<string>(r.members.map((m) => m.id));
    (config.fix.sessions ?? []).forEach((s, i) => {
      if (!memberIds.has(s.member))
        errors.push(`${configFile}: /fix/sessions/${i}/member: ${JSON.stringify(s.member)}: not a member of ${clearing.refdata.members}; expected one of ${[...memberIds].join(', ')}`);
    });
  }
  if (r.calendar !== undefined && clearing.businessDate !== undefined) {
    const holidays = new Set(r.calendar.holidays);
    const ymd = isoDateToYmd(clearing.businessDate);
    if (ymd !== undefined && !isTradingDay(ymd, holidays))
      errors.push(
        `${configFile}: /clearing/businessDate: ${JSON.stringify(clearing.businessDate)}: ${holidays.has(ymd) ? `a holiday of ${clearing.refdata.calendar}` : 'a weekend day'}; expected a trading day (the next is ${formatYmd(nextTradingDay(ymd, holidays))})`,
      );
  }
  if (errors.length > 0 || r.refData === undefined) return failed(errors);
  const refData = r.refData;
  const businessDate = resolveBusinessDate(clearing, refData.calendar, nowMs);
  const s = refData.scenarios;
  const c = refData.calendar;
  const detail =
    `${refData.securities.length} securities, ${refData.members.length} members, ` +
    `calendar ${c.holidays.length} holidays + ${c.settlementHolidays.length} settlement holidays (${c.holidays.length ? formatYmd(c.holidays[0]!).slice(0, 4) : '-'}..${c.holidays.length ? formatYmd(c.holidays[c.holidays.length - 1]!).slice(0, 4) : '-'}) T+${c.settlementCycleDays}, ` +
    `scenarios ${s.dates.length} days x ${s.isins.length} securities (${formatYmd(s.dates[0]!)}..${formatYmd(s.dates[s.dates.length - 1]!)}); ` +
    `business date ${formatYmd(businessDate)}`;
  return { what, ok: true, detail, errors: [], refData, businessDate };
}

function failed(errors: string[]): RefDataCheck {
  return { what: 'reference data', ok: false, detail: `${errors.length} problem(s):\n  ${errors.join('\n  ')}`, errors };
}
