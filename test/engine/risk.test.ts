/** Risk before acceptance: gross notional, net position, exposure against collateral; reject vs margin call. */
import test from 'ava';
import type { MemberLimits, RefData } from '../../src/engine/types.js';
import { TradeStatus } from '../../src/engine/types.js';
import { StubCollateral, StubMargin, makeEngine, money, oneSided, px, sampleRefData, twoSided } from './fixtures.js';

function limited(id: string, limits: Partial<MemberLimits>): RefData {
  const r = sampleRefData();
  return { ...r, members: r.members.map((m) => (m.id === id ? { ...m, limits: { ...m.limits, ...limits } } : m)) };
}

test('gross notional per clearing date: 751=7 with the amounts, no state change', (t) => {
  const { engine, events } = makeEngine({ refdata: limited('MBR1', { grossNotionalPerDay: BigInt(money('20000')) }) });
  t.is(engine.submitTrade(twoSided({ reportId: 'A' }), 1n).status, TradeStatus.Accepted);
  const digest = engine.stateDigest();
  events.clear();
  const o = engine.submitTrade(twoSided({ reportId: 'B' }), 2n);
  t.is(o.rejectReason, 7);
  t.is(o.text, 'gross notional of MBR1 on 20260115 would be 37450.0000, over its limit 20000.0000');
  t.is(engine.stateDigest(), digest);
  t.deepEqual(events.stages(), [10]);
  // a cancel gives the notional back
  engine.submitTrade(twoSided({ transType: 1, reportId: 'C', refId: 'A' }), 3n);
  t.is(engine.grossNotional('MBR1'), 0n);
  t.is(engine.submitTrade(twoSided({ reportId: 'B' }), 4n).status, TradeStatus.Accepted);
  // the next clearing date starts from zero
  t.is(engine.submitTrade(twoSided({ reportId: 'D' }), 5n).rejectReason, 7);
  engine.setBusinessDate(20260116);
  t.is(engine.grossNotional('MBR1'), 0n);
  t.is(engine.submitTrade(twoSided({ reportId: 'D', tradeDate: 20260116 }), 6n).status, TradeStatus.Accepted);
});

test('net position per security over all settlement dates: 751=99', (t) => {
  const { engine } = makeEngine({ refdata: limited('MBR2', { netPositionPerSecurity: 250 }) });
  t.is(engine.submitTrade(twoSided({ reportId: 'A', qty: 200 }), 1n).status, TradeStatus.Accepted);
  const o = engine.submitTrade(twoSided({ reportId: 'B', qty: 100, settlDate: 20260120 }), 2n);
  t.is(o.rejectReason, 99);
  t.is(o.text, 'net position of MBR2 in US0378331005 would be -300, over its limit 250');
  // buying back reduces the short: allowed
  t.is(engine.submitTrade(twoSided({ reportId: 'C', buyer: 'MBR2', seller: 'MBR3', submitter: 'MBR2', qty: 400 }), 3n).status, TradeStatus.Accepted);
});

test("onRiskBreach 'marginCall': the trade is accepted and the member listed", (t) => {
  const { engine } = makeEngine({ refdata: limited('MBR2', { netPositionPerSecurity: 50 }), config: { onRiskBreach: 'marginCall' } });
  const o = engine.submitTrade(twoSided(), 1n);
  t.is(o.status, TradeStatus.Accepted);
  t.deepEqual(o.marginCalls, ['MBR2']);
  t.deepEqual(engine.submitTrade(twoSided({ reportId: 'B', buyer: 'MBR3', submitter: 'MBR3', seller: 'MBR1' }), 2n).marginCalls, []);
});

test('one-sided reports: pre-checked for their own member on arrival, both members checked at the match', (t) => {
  const { engine } = makeEngine({ refdata: limited('MBR2', { netPositionPerSecurity: 150 }) });
  // MBR2's own one-sided sell of 200 breaches at arrival
  t.is(engine.submitTrade(oneSided('MBR2', 2, 'MBR1', { qty: 200 }), 1n).text, 'net position of MBR2 in US0378331005 would be -200, over its limit 150');
  // MBR1 buys 200 (waits); MBR2's mirror is refused at the match; MBR1's report keeps waiting
  t.is(engine.submitTrade(oneSided('MBR1', 1, 'MBR2', { qty: 100 }), 2n).status, TradeStatus.PendingMatch);
  engine.submitTrade(twoSided({ reportId: 'X', qty: 100 }), 3n); // MBR2 now short 100
  const o = engine.submitTrade(oneSided('MBR2', 2, 'MBR1', { reportId: 'MBR2-2', qty: 100 }), 4n);
  t.is(o.text, 'net position of MBR2 in US0378331005 would be -200, over its limit 150');
  t.deepEqual(
    engine.unmatched().map((u) => u.reportId),
    ['MBR1-1'],
  );
});

test('exposure: requirement (margin model + MTM loss) − collateral against exposureOverCollateral', (t) => {
  const margin = new StubMargin(BigInt(money('20')), 4); // 20.0000 per unit of |net qty|
  const collateral = new StubCollateral([BigInt(money('1000')), BigInt(money('1000000')), 0n, 0n]);
  const { engine, events } = makeEngine({ refdata: limited('MBR1', { exposureOverCollateral: 0n }), options: { margin, collateral } });
  events.clear();
  const digest = engine.stateDigest();
  const o = engine.submitTrade(twoSided(), 1n); // MBR1 +100: 2000.0000 requirement vs 1000.0000 collateral
  t.is(o.rejectReason, 99);
  t.is(o.text, 'exposure of MBR1 would be 1000.0000 (requirement 2000.0000 − collateral 1000.0000), over its limit 0.0000');
  t.is(margin.requirement(0), 0n, 'the tentative margin deltas were reverted');
  t.is(margin.requirement(1), 0n);
  t.is(engine.stateDigest(), digest);
  // 50 units: 1000.0000 = collateral: accepted, margin events emitted
  events.clear();
  t.is(engine.submitTrade(twoSided({ qty: 50 }), 2n).status, TradeStatus.Accepted);
  t.deepEqual(
    events.log.filter((e) => e.kind === 'margin'),
    [
      { kind: 'margin', member: 'MBR1', requirement: BigInt(money('1000')), collateral: BigInt(money('1000')) },
      { kind: 'margin', member: 'MBR2', requirement: BigInt(money('1000')), collateral: BigInt(money('1000000')) },
    ],
  );
  // a mark-to-market loss counts: MBR2 buys 1 back at 190.00 while the system price is 187.25 → loss 2.75 for MBR2,
  // and MBR1 selling 1 lowers its VaR part to 980.0000 but gains 2.75 MTM (no loss)
  events.clear();
  t.is(engine.submitTrade(twoSided({ reportId: 'R2', buyer: 'MBR2', seller: 'MBR1', submitter: 'MBR2', qty: 1, price: px('190') }), 3n).status, TradeStatus.Accepted);
  t.deepEqual(
    events.log.filter((e) => e.kind === 'margin').map((e) => e.kind === 'margin' && e.requirement),
    [BigInt(money('980') + money('2.75')), BigInt(money('980'))],
  );
});

test("exposure in 'marginCall' mode: accepted with a margin call", (t) => {
  const margin = new StubMargin(BigInt(money('20')), 4);
  const collateral = new StubCollateral([0n, BigInt(money('1000000')), 0n, 0n]);
  const { engine } = makeEngine({ refdata: limited('MBR1', { exposureOverCollateral: 0n }), config: { onRiskBreach: 'marginCall' }, options: { margin, collateral } });
  const o = engine.submitTrade(twoSided(), 1n);
  t.is(o.status, TradeStatus.Accepted);
  t.deepEqual(o.marginCalls, ['MBR1']);
  t.is(margin.requirement(0), BigInt(money('2000')));
  // cancelling the trade removes the requirement: no call
  const c = engine.submitTrade(twoSided({ transType: 1, reportId: 'C', refId: 'R1' }), 2n);
  t.is(c.status, TradeStatus.Cancelled);
  t.deepEqual(c.marginCalls, []);
  t.is(margin.requirement(0), 0n);
});

test('with the real MarginBook and CollateralBook (default options): exposure against deposited collateral', (t) => {
  const r = sampleRefData();
  // MarginBook needs a positive price for every security: leave out NEWCO (no reference price)
  const refdata = { ...r, securities: r.securities.filter((s) => s.price > 0), members: r.members.map((m) => ({ ...m, limits: { ...m.limits, exposureOverCollateral: 0n } })) };
  const { engine, events } = makeEngine({ refdata, options: { margin: undefined, collateral: undefined } });
  const margin = engine.margin as import('../../src/engine/margin.js').MarginBook;
  const collateral = engine.collateral as import('../../src/engine/collateral.js').CollateralBook;
  t.truthy(margin);
  t.truthy(collateral);
  const o = engine.submitTrade(twoSided({ qty: 1000 }), 1n);
  t.is(o.rejectReason, 99);
  t.regex(o.text, /^exposure of MBR1 would be \d+\.\d{4} \(requirement \d+\.\d{4} − collateral 0\.0000\), over its limit 0\.0000$/);
  t.is(margin.requirement(0), 0n, 'reverted');
  // lodge enough cash for both members, then the same trade is accepted and margined
  t.is(collateral.deposit(0, 'cash', -1, BigInt(money('1000000'))).code, 0);
  t.is(collateral.deposit(1, 'cash', -1, BigInt(money('1000000'))).code, 0);
  events.clear();
  const ok = engine.submitTrade(twoSided({ qty: 1000, reportId: 'R2' }), 2n);
  t.is(ok.status, TradeStatus.Accepted, ok.text);
  const ev = events.log.filter((e) => e.kind === 'margin');
  t.is(ev.length, 2);
  t.deepEqual(ev[0], { kind: 'margin', member: 'MBR1', requirement: margin.requirement(0), collateral: collateral.value(0) });
  t.true(margin.requirement(0) > 0n);
  // cancel: the requirement goes back to zero
  engine.submitTrade(twoSided({ transType: 1, reportId: 'C', refId: 'R2' }), 3n);
  t.is(margin.requirement(0), 0n);
  t.is(margin.requirement(1), 0n);
});
