import test from 'ava';
import { isGatewayError } from '../../src/codec/errors.js';
import { ClearingEngine } from '../../src/engine/engine.js';
import type { RefData } from '../../src/engine/types.js';
import { AAPL, BIZ, MBR1, MBR2, NO_EVENTS, sampleConfig, sampleRefData } from './fixtures.js';

function build(mut: (r: RefData & { securities: unknown[]; members: unknown[] }) => void, businessDate = BIZ): ClearingEngine {
  const r = structuredClone(sampleRefData()) as RefData & { securities: unknown[]; members: unknown[] };
  mut(r);
  return new ClearingEngine(r, sampleConfig(), NO_EVENTS, businessDate, { margin: null, collateral: null });
}

const cases: [string, (r: any) => void, string, RegExp][] = [
  ['ISIN check digit', (r) => (r.securities[0].isin = 'US0378331006'), 'ENGINE_REFDATA_SECURITY', /securities\[0\] \(US0378331006\) isin "US0378331006": not an ISIN/],
  ['CUSIP check digit', (r) => (r.securities[0].cusip = '037833101'), 'ENGINE_REFDATA_SECURITY', /cusip "037833101": not a CUSIP/],
  ['CUSIP not the ISIN national number', (r) => (r.securities[0].cusip = r.securities[1].cusip), 'ENGINE_REFDATA_SECURITY', /is not the ISIN's national number 037833100/],
  ['currency', (r) => (r.securities[1].currency = 'usd'), 'ENGINE_REFDATA_SECURITY', /securities\[1\].*currency "usd"/],
  ['lot size 0', (r) => (r.securities[2].lotSize = 0), 'ENGINE_REFDATA_SECURITY', /lotSize 0: must be a positive integer/],
  ['negative price', (r) => (r.securities[2].price = -1), 'ENGINE_REFDATA_SECURITY', /price -1/],
  ['band > 100%', (r) => (r.securities[2].priceBandBps = 10_001), 'ENGINE_REFDATA_SECURITY', /priceBandBps 10001/],
  ['duplicate ISIN', (r) => r.securities.push({ ...r.securities[0], cusip: undefined }), 'ENGINE_REFDATA_DUPLICATE_SECURITY', /ISIN US0378331005 is also securities\[0\]/],
  ['member id', (r) => (r.members[0].id = 'mbr1'), 'ENGINE_REFDATA_MEMBER', /members\[0\] \(mbr1\) id "mbr1"/],
  ['LEI check digits', (r) => {
      const cd = Number(r.members[1].lei.slice(18));
      r.members[1].lei = `${r.members[1].lei.slice(0, 18)}${String(cd < 98 ? cd + 1 : cd - 1).padStart(2, '0')}`;
    }, 'ENGINE_REFDATA_MEMBER', /lei .*ISO 7064/],
  ['duplicate account', (r) => (r.members[0].accounts = ['A', 'A']), 'ENGINE_REFDATA_MEMBER', /accounts\[1\] "A": duplicate account/],
  ['empty account', (r) => (r.members[0].accounts = ['']), 'ENGINE_REFDATA_MEMBER', /accounts\[0\] ""/],
  ['negative limit', (r) => (r.members[0].limits.grossNotionalPerDay = -1n), 'ENGINE_REFDATA_MEMBER', /limits.grossNotionalPerDay "-1"/],
  ['duplicate member', (r) => r.members.push({ ...r.members[0] }), 'ENGINE_REFDATA_DUPLICATE_MEMBER', /id MBR1 is also members\[0\]/],
  ['holiday', (r) => (r.calendar.holidays = [20260132]), 'ENGINE_REFDATA_CALENDAR', /holidays\[0\] 20260132/],
];

for (const [name, mut, code, re] of cases)
  test(`refdata invariant: ${name} → ${code}`, (t) => {
    const e = t.throws(() => build(mut));
    t.true(isGatewayError(e, code), e?.message);
    t.regex(e!.message, re);
  });

test('the business date must be a business day', (t) => {
  const e = t.throws(() => build(() => {}, 20260117));
  t.true(isGatewayError(e, 'ENGINE_BUSINESS_DATE'));
});

test('config is checked', (t) => {
  const e = t.throws(() => new ClearingEngine(sampleRefData(), sampleConfig({ onRiskBreach: 'ignore' as never }), NO_EVENTS, BIZ));
  t.true(isGatewayError(e, 'ENGINE_CONFIG'));
  const e2 = t.throws(() => new ClearingEngine(sampleRefData(), sampleConfig({ unmatchedAgeDays: -1 }), NO_EVENTS, BIZ, { margin: null }));
  t.true(isGatewayError(e2, 'ENGINE_CONFIG'));
});

test('indexes: ISIN and CUSIP resolve to the same slot, in refdata order', (t) => {
  const e = build(() => {});
  t.is(e.index.isinSlot(AAPL.isin), 0);
  t.is(e.index.cusipSlot(AAPL.cusip!), 0);
  t.is(e.index.memberSlot(MBR1.id), 0);
  t.is(e.index.memberSlot(MBR2.id), 1);
  t.is(e.index.memberSlot('NOPE'), -1);
  t.is(e.index.accountIndex(0, ''), 0);
  t.is(e.index.accountIndex(0, 'CUST1'), 2);
  t.is(e.index.accountIndex(0, 'NOPE'), -1);
  t.is(e.index.accountName(0, 2), 'CUST1');
});

test('the sample refdata itself is valid (check digits computed, not typed)', (t) => {
  const e = build(() => {});
  t.is(e.refdata.securities.length, 7);
  t.is(String(AAPL.isin), 'US0378331005');
  t.is(String(AAPL.cusip), '037833100');
});
