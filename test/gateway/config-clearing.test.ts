/**
 * `clearing` in gateway.config.json (src/gateway/config.ts): optional section, schema defaults,
 * cross-field rules naming the JSON path, and `engineConfig`.
 */
import test from 'ava';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { checkConfig, type ConfigProblem, engineConfig, formatProblem, type GatewayConfig, isoDateToYmd } from '../../src/gateway/config.js';
import { PROJECT_ROOT } from '../helpers/refdata.js';

const embedded = (): Record<string, any> => JSON.parse(fs.readFileSync(path.join(PROJECT_ROOT, 'gateway.config.json'), 'utf8'));

const REFDATA = { securities: 's.csv', members: 'm.json', calendar: 'c.json', scenarios: 'x.csv', collateral: 'k.json' };

/** A minimal valid document with the given clearing section (checkConfig fills defaults in place). */
function doc(clearing?: Record<string, unknown>): Record<string, any> {
  const d: Record<string, any> = { gateway: { name: 't' }, journal: { dir: '/tmp/unused' }, fix: { sessions: [] }, admin: { port: 0 } };
  if (clearing !== undefined) d.clearing = clearing;
  return d;
}

function problems(d: unknown): ConfigProblem[] {
  const r = checkConfig(d);
  return r.ok ? [] : r.problems;
}

function ok(d: unknown): GatewayConfig {
  const r = checkConfig(d);
  if (!r.ok) throw new Error(r.problems.map((p) => formatProblem('cfg', p)).join('\n'));
  return r.config;
}

test('the embedded defaults have a clearing section pointing at refdata/, and their engine config', (t) => {
  const c = ok(embedded());
  t.deepEqual(c.clearing?.refdata, {
    securities: 'refdata/securities.csv',
    members: 'refdata/members.json',
    calendar: 'refdata/calendar.json',
    scenarios: 'refdata/scenarios.csv',
    collateral: 'refdata/collateral.json',
  });
  t.is(c.clearing?.businessDate, undefined, 'the business date defaults to today');
  t.deepEqual(engineConfig(c), { onRiskBreach: 'reject', margin: { confidenceBps: 9900, mporDays: 2, gapTopN: 5, gapAddOnBps: 300 }, unmatchedAgeDays: 2 });
  t.is(c.fix.sessions?.[0]?.member, 'MBRA', 'the demo session belongs to a sample member');
});

test('without clearing the configuration is valid and there is no engine', (t) => {
  const c = ok(doc());
  t.is(c.clearing, undefined);
  t.is(engineConfig(c), undefined);
});

test('only refdata is required; every other setting has its default', (t) => {
  const c = ok(doc({ refdata: { ...REFDATA } }));
  t.is(c.clearing?.timeZone, 'America/New_York');
  t.is(c.clearing?.onRiskBreach, 'reject');
  t.deepEqual(c.clearing?.margin, { confidenceBps: 9900, mporDays: 2, gapTopN: 5, gapAddOnBps: 300 });
  t.is(c.clearing?.unmatchedAgeDays, 2);
  // A document that did not pass checkConfig (no defaults filled in) gets the same engine config.
  t.deepEqual(engineConfig({ clearing: { refdata: REFDATA } } as unknown as GatewayConfig), engineConfig(c));
});

test('engineConfig carries every configured value', (t) => {
  const c = ok(doc({ refdata: { ...REFDATA }, onRiskBreach: 'marginCall', margin: { confidenceBps: 9750, mporDays: 5, gapTopN: 0, gapAddOnBps: 0 }, unmatchedAgeDays: 7, businessDate: '2026-11-24', timeZone: 'UTC' }));
  t.deepEqual(engineConfig(c), { onRiskBreach: 'marginCall', margin: { confidenceBps: 9750, mporDays: 5, gapTopN: 0, gapAddOnBps: 0 }, unmatchedAgeDays: 7 });
});

test('a missing refdata file entry names /clearing/refdata/<file>', (t) => {
  const refdata: Record<string, string> = { ...REFDATA };
  delete refdata.scenarios;
  t.deepEqual(problems(doc({ refdata })), [{ path: '/clearing/refdata/scenarios', found: 'nothing', expected: 'required property "scenarios"' }]);
  t.deepEqual(problems(doc({})), [{ path: '/clearing/refdata', found: 'nothing', expected: 'required property "refdata"' }]);
  t.deepEqual(problems(doc({ refdata: { ...REFDATA, members: '' } })).map((p) => p.path), ['/clearing/refdata/members']);
});

test('bad values name their path, the value found and what was expected', (t) => {
  const cases: [Record<string, unknown>, ConfigProblem][] = [
    [{ onRiskBreach: 'ignore' }, { path: '/clearing/onRiskBreach', found: '"ignore"', expected: 'one of ["reject","marginCall"]' }],
    [{ margin: { confidenceBps: 10000 } }, { path: '/clearing/margin/confidenceBps', found: '10000', expected: 'must be <= 9999' }],
    [{ margin: { mporDays: 0 } }, { path: '/clearing/margin/mporDays', found: '0', expected: 'must be >= 1' }],
    [{ margin: { gapAddOnBps: 2.5 } }, { path: '/clearing/margin/gapAddOnBps', found: '2.5', expected: 'must be integer' }],
    [{ margin: { gapTopN: -1 } }, { path: '/clearing/margin/gapTopN', found: '-1', expected: 'must be >= 0' }],
    [{ unmatchedAgeDays: 0 }, { path: '/clearing/unmatchedAgeDays', found: '0', expected: 'must be >= 1' }],
    [{ businessDate: '2026/11/24' }, { path: '/clearing/businessDate', found: '"2026/11/24"', expected: 'must match pattern "^[0-9]{4}-[0-9]{2}-[0-9]{2}$"' }],
    [{ businessDate: '2026-02-30' }, { path: '/clearing/businessDate', found: '"2026-02-30"', expected: 'a real calendar date yyyy-mm-dd (1970-01-01 .. 2149-12-31)' }],
    [{ timeZone: 'America/Gotham' }, { path: '/clearing/timeZone', found: '"America/Gotham"', expected: 'an IANA time zone (e.g. "America/New_York", "UTC")' }],
    [{ engine: 'fast' }, { path: '/clearing/engine', found: 'unknown property "engine"', expected: 'one of the properties the schema defines' }],
    [{ margin: { var: 99 } }, { path: '/clearing/margin/var', found: 'unknown property "var"', expected: 'one of the properties the schema defines' }],
  ];
  for (const [patch, want] of cases) t.deepEqual(problems(doc({ refdata: { ...REFDATA }, ...patch })), [want], JSON.stringify(patch));
});

test('every clearing problem is reported at once, with the others of the document', (t) => {
  const d = doc({ refdata: { ...REFDATA }, timeZone: 'Nowhere/Land', businessDate: '2027-02-29', onRiskBreach: 'x' });
  t.deepEqual(problems(d).map((p) => p.path).sort(), ['/clearing/onRiskBreach']);
  // Schema errors come first (cross-field rules run on a schema-valid document only), then the rest.
  delete d.clearing.onRiskBreach;
  t.deepEqual(problems(d).map((p) => p.path), ['/clearing/timeZone', '/clearing/businessDate']);
});

test('isoDateToYmd accepts real dates only', (t) => {
  t.is(isoDateToYmd('2026-11-24'), 20261124);
  t.is(isoDateToYmd('2028-02-29'), 20280229);
  for (const bad of ['2027-02-29', '2026-11-31', '2026-00-10', '2026-13-01', '1969-12-31', '2150-01-01', '2026-1-05', '20261124', ' 2026-11-24'])
    t.is(isoDateToYmd(bad), undefined, bad);
});
