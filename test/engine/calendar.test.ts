import test from 'ava';
import { isGatewayError } from '../../src/codec/errors.js';
import { BusinessCalendar, dayNumber, weekday, ymdOf } from '../../src/engine/calendar.js';
import { HOLIDAYS_2026 } from './fixtures.js';

const cal = new BusinessCalendar({ holidays: HOLIDAYS_2026, settlementCycleDays: 1 });

test('dayNumber validates yyyymmdd and round-trips', (t) => {
  t.is(dayNumber(19700101), 0);
  t.is(ymdOf(dayNumber(20260115)), 20260115);
  t.is(weekday(dayNumber(20260115)), 4, 'Thursday');
  for (const bad of [20260230, 20261301, 20260100, 20250229, 19691231, 100000101, 20260115.5, NaN, 0])
    t.is(dayNumber(bad), -1, String(bad));
  t.is(ymdOf(dayNumber(20240229)), 20240229, 'leap day');
});

test('business days: weekends and NYSE 2026 holidays', (t) => {
  t.true(cal.isBusinessDay(20260115));
  t.false(cal.isBusinessDay(20260117), 'Saturday');
  t.false(cal.isBusinessDay(20260118), 'Sunday');
  t.false(cal.isBusinessDay(20260119), 'MLK day');
  t.false(cal.isBusinessDay(20260101));
  t.false(cal.isBusinessDay(20260231), 'not a date');
});

test('T+n skips weekends and holidays', (t) => {
  t.is(cal.addBusinessDays(20260115, 1), 20260116);
  t.is(cal.addBusinessDays(20260116, 1), 20260120, 'Fri → Tue over MLK day');
  t.is(cal.addBusinessDays(20260115, 2), 20260120);
  t.is(cal.addBusinessDays(20260402, 1), 20260406, 'Good Friday');
  t.is(cal.addBusinessDays(20261231, 1), 20270101, 'no 2027 holidays in the list');
  t.is(cal.addBusinessDays(20260115, 0), 20260115);
  t.is(cal.addBusinessDays(20260117, 1), 20260120, 'from a Saturday');
  t.is(cal.addBusinessDays(20260230, 1), -1);
  t.is(cal.nextBusinessDay(20260116), 20260120);
});

test('businessDaysBetween counts (from, to]', (t) => {
  t.is(cal.businessDaysBetween(20260115, 20260115), 0);
  t.is(cal.businessDaysBetween(20260115, 20260116), 1);
  t.is(cal.businessDaysBetween(20260115, 20260120), 2);
  t.is(cal.businessDaysBetween(20260116, 20260115), 0);
});

test('invalid calendars are refused with ENGINE_REFDATA_CALENDAR', (t) => {
  const e1 = t.throws(() => new BusinessCalendar({ holidays: [20260230], settlementCycleDays: 1 }));
  t.true(isGatewayError(e1, 'ENGINE_REFDATA_CALENDAR'));
  t.regex(e1!.message, /holidays\[0\] 20260230/);
  const e2 = t.throws(() => new BusinessCalendar({ holidays: [], settlementCycleDays: 11 }));
  t.true(isGatewayError(e2, 'ENGINE_REFDATA_CALENDAR'));
  t.notThrows(() => new BusinessCalendar({ holidays: [], settlementCycleDays: 0 }));
});
