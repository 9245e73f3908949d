/**
 * Business-day calendar over `yyyymmdd` integer dates (FIX LocalMktDate as a number).
 *
 * A business day is a Monday..Friday that is not in `holidays`. The engine uses one calendar for
 * trading and settlement days (refdata has one holiday list). `addBusinessDays(T, n)` is the
 * settlement date T+n: n business days after T (T itself need not be a business day).
 *
 * Dates are valid between 1970-01-01 and 9999-12-31; `dayNumber` returns -1 for anything else
 * (including malformed integers such as 20260230), so callers never need exceptions on the hot path.
 *
 * Owned by the engine's thread; immutable after construction.
 */
import { GatewayError } from '../codec/errors.js';
import { civilFromDays, daysFromCivil, daysInMonth, type CivilDate } from '../codec/timestamp.js';
import { EngineErrorCode } from './errors.js';
import type { CalendarDef } from './types.js';

/** Most business days a settlement cycle may have (T+0 .. T+10). */
export const MAX_SETTLEMENT_CYCLE = 10;

const civil: CivilDate = { year: 0, month: 0, day: 0 };

/** Days since 1970-01-01 of a yyyymmdd date, or -1 when it is not a valid date in 1970..9999. */
export function dayNumber(ymd: number): number {
  if (!(ymd >= 19700101 && ymd <= 99991231) || Math.floor(ymd) !== ymd) return -1;
  const y = Math.floor(ymd / 10000);
  const md = ymd - y * 10000;
  const m = Math.floor(md / 100);
  const d = md - m * 100;
  if (m < 1 || m > 12 || d < 1 || d > daysInMonth(y, m)) return -1;
  return daysFromCivil(y, m, d);
}

/** yyyymmdd of a day number (>= 0). */
export function ymdOf(day: number): number {
  civilFromDays(day, civil);
  return civil.year * 10000 + civil.month * 100 + civil.day;
}

/** 0 = Sunday .. 6 = Saturday (1970-01-01 was a Thursday). */
export function weekday(day: number): number {
  return (day + 4) % 7;
}

export class BusinessCalendar {
  readonly settlementCycleDays: number;
  private readonly holidays = new Set<number>();

  /** Validates the definition; throws ENGINE_REFDATA_CALENDAR naming the bad entry. */
  constructor(def: CalendarDef) {
    const c = def.settlementCycleDays;
    if (!Number.isInteger(c) || c < 0 || c > MAX_SETTLEMENT_CYCLE)
      throw new GatewayError(EngineErrorCode.ENGINE_REFDATA_CALENDAR, `settlementCycleDays ${c} must be an integer 0..${MAX_SETTLEMENT_CYCLE}`, {
        settlementCycleDays: c,
      });
    this.settlementCycleDays = c;
    def.holidays.forEach((h, i) => {
      const d = dayNumber(h);
      if (d < 0)
        throw new GatewayError(EngineErrorCode.ENGINE_REFDATA_CALENDAR, `holidays[${i}] ${h} is not a yyyymmdd date`, { index: i, holiday: h });
      this.holidays.add(d);
    });
  }

  /** Whether the day number is a business day (not Saturday, Sunday or a holiday). */
  isBusinessDayNumber(day: number): boolean {
    const w = weekday(day);
    return w !== 0 && w !== 6 && !this.holidays.has(day);
  }

  /** Whether yyyymmdd is a valid date and a business day. */
  isBusinessDay(ymd: number): boolean {
    const d = dayNumber(ymd);
    return d >= 0 && this.isBusinessDayNumber(d);
  }

  /** Day number n business days after `day` (n >= 0; n = 0 returns `day`). */
  addBusinessDayNumbers(day: number, n: number): number {
    let d = day;
    for (let k = 0; k < n; k++) {
      d++;
      while (!this.isBusinessDayNumber(d)) d++;
    }
    return d;
  }

  /** yyyymmdd n business days after the valid date `ymd`; -1 when `ymd` is not a valid date. */
  addBusinessDays(ymd: number, n: number): number {
    const d = dayNumber(ymd);
    return d < 0 ? -1 : ymdOf(this.addBusinessDayNumbers(d, n));
  }

  /** The next business day after `ymd` (a valid date); -1 when invalid. */
  nextBusinessDay(ymd: number): number {
    return this.addBusinessDays(ymd, 1);
  }

  /** Business days in (from, to]: 0 when to <= from. Both must be valid dates (else -1). */
  businessDaysBetween(fromYmd: number, toYmd: number): number {
    const a = dayNumber(fromYmd);
    const b = dayNumber(toYmd);
    if (a < 0 || b < 0) return -1;
    let n = 0;
    for (let d = a + 1; d <= b; d++) if (this.isBusinessDayNumber(d)) n++;
    return n;
  }
}
