/**
 * The sample reference data in refdata/ (the embedded defaults): it loads through the embedded
 * configuration, is consistent (every scenario ISIN is a security and vice versa, the demo member
 * exists, the last close is the system price), its public identifiers are the real ones with valid
 * check digits, and scenarios.csv is exactly what its committed generator writes.
 */
import test from 'ava';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { isinFromCusip, isValidCusip, isValidIsin, isValidLei } from '../../src/codec/ids.js';
import { loadConfig } from '../../src/gateway/config.js';
import { checkRefData, formatYmd, isTradingDay, type LoadedRefData } from '../../src/gateway/refdata.js';
import { PROJECT_ROOT } from '../helpers/refdata.js';

function load(): { refData: LoadedRefData; detail: string; businessDate: number } {
  const file = path.join(PROJECT_ROOT, 'gateway.config.json');
  const r = loadConfig(file);
  if (!r.ok) throw new Error(JSON.stringify(r.problems));
  const c = checkRefData(r.config, path.dirname(file), 'gateway.config.json', Date.parse('2026-11-24T15:00:00Z'));
  if (!c.ok) throw new Error(c.detail);
  return { refData: c.refData!, detail: c.detail, businessDate: c.businessDate! };
}

test('the embedded configuration loads refdata/ without a problem', (t) => {
  const { detail, businessDate } = load();
  t.is(detail, '22 securities, 4 members, calendar 31 holidays + 6 settlement holidays (2025..2027) T+1, scenarios 260 days x 22 securities (2025-11-11..2026-11-23); business date 2026-11-24');
  t.is(businessDate, 20261124);
});

test('securities: real public identifiers, check digits valid, ISIN = US + CUSIP + check digit', (t) => {
  const { refData } = load();
  const bySymbol = new Map<string, { cusip?: string; isin: string }>(refData.securities.map((s) => [s.symbol, s]));
  // A few by their published identifiers.
  for (const [symbol, cusip, isin] of [
    ['AAPL', '037833100', 'US0378331005'],
    ['MSFT', '594918104', 'US5949181045'],
    ['SPY', '78462F103', 'US78462F1030'],
    ['T 4 1/2 11/15/33', '91282CJJ1', 'US91282CJJ18'],
  ] as const) {
    t.is(bySymbol.get(symbol)?.cusip, cusip, symbol);
    t.is(bySymbol.get(symbol)?.isin, isin, symbol);
  }
  for (const s of refData.securities) {
    t.true(isValidIsin(s.isin) && s.cusip !== undefined && isValidCusip(s.cusip), s.symbol);
    t.is(isinFromCusip(s.cusip!), s.isin, s.symbol);
  }
  const classes = refData.securities.reduce<Record<string, number>>((n, s) => ({ ...n, [s.assetClass]: (n[s.assetClass] ?? 0) + 1 }), {});
  t.deepEqual(classes, { equity: 17, etf: 3, govt: 2 });
  t.true(refData.securities.every((s) => s.currency === 'USD' && s.depositoryEligible && s.price > 0));
});

test('scenarios: the same securities, consecutive trading days, and the last close is the system price', (t) => {
  const { refData } = load();
  const s = refData.scenarios;
  t.deepEqual([...s.isins].sort(), refData.securities.map((x) => x.isin).sort());
  t.is(s.dates.length, 260);
  const holidays = new Set(refData.calendar.holidays);
  t.true(s.dates.every((d) => isTradingDay(d, holidays)));
  t.is(formatYmd(s.dates[s.dates.length - 1]!), '2026-11-23');
  for (const sec of refData.securities) {
    const k = s.isins.indexOf(sec.isin);
    t.is(s.closes[k]!.length, 260);
    t.is(s.closes[k]![259], sec.price, sec.symbol);
    t.true(s.closes[k]!.every((p) => Number.isSafeInteger(p) && p > 0));
  }
});

test('members: the demo session\'s member exists, LEIs are valid ISO 17442 codes', (t) => {
  const { refData } = load();
  t.deepEqual(refData.members.map((m) => m.id), ['MBRA', 'MBRB', 'MBRC', 'MBRD']);
  t.true(refData.members.every((m) => isValidLei(m.lei) && m.active && m.accounts.includes('HOUSE')));
  const cfg = JSON.parse(fs.readFileSync(path.join(PROJECT_ROOT, 'gateway.config.json'), 'utf8'));
  t.is(cfg.fix.sessions[0].member, 'MBRA');
  t.is(refData.members[0]!.limits.grossNotionalPerDay, 5_000_000_000n * 10_000n);
});

test('calendar: 2026 and 2027 US market holidays, Columbus and Veterans Day as settlement holidays, T+1', (t) => {
  const { refData } = load();
  const c = refData.calendar;
  t.is(c.settlementCycleDays, 1);
  t.deepEqual(c.holidays.filter((d) => d >= 20260101 && d < 20270101), [20260101, 20260119, 20260216, 20260403, 20260525, 20260619, 20260703, 20260907, 20261126, 20261225]);
  t.deepEqual(c.holidays.filter((d) => d >= 20270101), [20270101, 20270118, 20270215, 20270326, 20270531, 20270618, 20270705, 20270906, 20271125, 20271224]);
  t.deepEqual(c.settlementHolidays.filter((d) => d >= 20260101), [20261012, 20261111, 20271011, 20271111]);
});

test('scenarios.csv is what scripts/make-sample-scenarios.mjs generates (deterministic)', (t) => {
  const r = spawnSync(process.execPath, [path.join(PROJECT_ROOT, 'scripts', 'make-sample-scenarios.mjs'), '--check'], { encoding: 'utf8' });
  t.is(r.status, 0, r.stderr + r.stdout);
  t.regex(r.stdout, /refdata\/scenarios\.csv is up to date/);
});
