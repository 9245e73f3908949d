/**
 * Matching of one-sided reports, match ids, duplicates, cancel before/after match, replace
 * atomicity and aging.
 */
import test from 'ava';
import { TradeStage } from '../../src/generated/gateway-internal/TradeStage.js';
import { StageReason, TradeStatus, type TradeReport } from '../../src/engine/types.js';
import { AAPL, BIZ, MSFT, makeEngine, oneSided, px, side, twoSided } from './fixtures.js';

const buy = (over: Partial<TradeReport> = {}): TradeReport => oneSided('MBR1', 1, 'MBR2', { reportId: 'B1', ...over });
const sell = (over: Partial<TradeReport> = {}): TradeReport => oneSided('MBR2', 2, 'MBR1', { reportId: 'S1', ...over });

test('a one-sided report waits; the mirror report matches it into one locked-in trade', (t) => {
  const { engine, events } = makeEngine();
  const o1 = engine.submitTrade(buy({ sides: [side(1, 'MBR1', 'CUST1', 'EXEC1')] }), 1n);
  t.is(o1.status, TradeStatus.PendingMatch);
  t.is(o1.tradeId, 0n);
  t.is(o1.settlDate, 20260116);
  t.deepEqual(events.log, [{ kind: 'unmatched', submitter: 'MBR1', reportId: 'B1', pending: true }]);
  t.deepEqual(engine.positions(), [], 'no position before the match');
  t.is(engine.unmatched().length, 1);
  events.clear();

  const o2 = engine.submitTrade(sell({ sides: [side(2, 'MBR2', 'HOUSE', 'EXEC2')] }), 2n);
  t.is(o2.status, TradeStatus.Accepted);
  t.is(o2.tradeId, 1n);
  t.is(o2.matchedReportId, 'B1');
  t.is(o2.matchedSubmitter, 'MBR1');
  t.deepEqual(events.stages(), [0, 1, 2, 3, 4, 5, 6, 7, 8]);
  t.deepEqual(
    events.log.filter((e) => e.kind === 'unmatched'),
    [{ kind: 'unmatched', submitter: 'MBR1', reportId: 'B1', pending: false }],
  );
  t.is(engine.unmatched().length, 0);
  const tr = engine.trade(1n)!;
  t.like(tr, {
    source: 'matched',
    state: 'active',
    stage: TradeStage.PendingSettlement,
    buyer: 'MBR1',
    seller: 'MBR2',
    buyAccount: 'CUST1',
    sellAccount: 'HOUSE',
    buyExecutingFirm: 'EXEC1',
    sellExecutingFirm: 'EXEC2',
    buyReportId: 'B1',
    sellReportId: 'S1',
    buySubmitter: 'MBR1',
    sellSubmitter: 'MBR2',
  });
  t.deepEqual(
    engine.positions().map((p) => [p.member, p.netQty, p.netMoney]),
    [
      ['MBR1', 100, -187_250_000n],
      ['MBR2', -100, 187_250_000n],
    ],
  );
});

test('the sell side may arrive first', (t) => {
  const { engine } = makeEngine();
  t.is(engine.submitTrade(sell(), 1n).status, TradeStatus.PendingMatch);
  const o = engine.submitTrade(buy(), 2n);
  t.is(o.status, TradeStatus.Accepted);
  t.is(o.matchedReportId, 'S1');
  t.is(o.matchedSubmitter, 'MBR2');
});

const mismatches: [string, Partial<TradeReport>][] = [
  ['security', { securityId: MSFT.isin, price: px('410.10') }],
  ['quantity', { qty: 101 }],
  ['price', { price: px('187.26') }],
  ['trade date', { tradeDate: 20260114, settlDate: 20260116 }],
  ['settlement date', { settlDate: 20260120 }],
  ['counterparty', { contraFirm: 'MBR3' }],
  ['side (same side twice)', { sides: [side(1, 'MBR2')] }],
];
for (const [field, over] of mismatches)
  test(`no match when the mirror differs in ${field}`, (t) => {
    const { engine } = makeEngine();
    engine.submitTrade(buy(), 1n);
    const o = engine.submitTrade(sell(over), 2n);
    t.is(o.status, TradeStatus.PendingMatch, o.text);
    t.is(engine.unmatched().length, 2);
    t.is(engine.tradeCount, 0);
  });

test('the oldest of several identical waiting reports matches first', (t) => {
  const { engine } = makeEngine();
  engine.submitTrade(buy({ reportId: 'B1' }), 1n);
  engine.submitTrade(buy({ reportId: 'B2' }), 2n);
  t.is(engine.submitTrade(sell({ reportId: 'S1' }), 3n).matchedReportId, 'B1');
  t.is(engine.submitTrade(sell({ reportId: 'S2' }), 4n).matchedReportId, 'B2');
  t.is(engine.unmatched().length, 0);
});

test('match id: reports with the same 880 match on it; a report with a match id never matches one without', (t) => {
  const { engine } = makeEngine();
  engine.submitTrade(buy({ reportId: 'B0' }), 1n); // no match id
  engine.submitTrade(buy({ reportId: 'B1', matchId: 'M-77' }), 2n);
  const o = engine.submitTrade(sell({ reportId: 'S1', matchId: 'M-77' }), 3n);
  t.is(o.status, TradeStatus.Accepted);
  t.is(o.matchedReportId, 'B1');
  t.is(engine.trade(1n)!.matchId, 'M-77');
  // a different match id does not match even with identical fields
  t.is(engine.submitTrade(sell({ reportId: 'S2', matchId: 'M-78' }), 4n).status, TradeStatus.PendingMatch);
  // same match id but different quantity: no match
  engine.submitTrade(buy({ reportId: 'B3', matchId: 'M-79' }), 5n);
  t.is(engine.submitTrade(sell({ reportId: 'S3', matchId: 'M-79', qty: 200 }), 6n).status, TradeStatus.PendingMatch);
  t.deepEqual(
    engine.unmatched().map((u) => u.reportId),
    ['B0', 'S2', 'B3', 'S3'],
  );
});

test('duplicate report id of a waiting report is rejected, even on a later clearing date', (t) => {
  const { engine } = makeEngine();
  engine.submitTrade(buy(), 1n);
  t.is(engine.submitTrade(buy({ qty: 300 }), 2n).text, 'TradeReportID (571) B1 is a duplicate: MBR1 already reported it on 20260115');
  engine.setBusinessDate(20260116);
  t.is(engine.submitTrade(buy({ tradeDate: 20260116 }), 3n).rejectReason, 99, 'still waiting: the id stays taken');
});

test('cancel of an unmatched report removes it from the book', (t) => {
  const { engine, events } = makeEngine();
  engine.submitTrade(buy(), 1n);
  events.clear();
  const digestBefore = engine.stateDigest();
  const o = engine.submitTrade(buy({ transType: 1, reportId: 'B1-C', refId: 'B1' }), 2n);
  t.is(o.status, TradeStatus.Cancelled);
  t.is(o.tradeId, 0n);
  t.is(engine.unmatched().length, 0);
  t.deepEqual(events.log, [{ kind: 'unmatched', submitter: 'MBR1', reportId: 'B1', pending: false }]);
  t.not(engine.stateDigest(), digestBefore);
  // the mirror now waits instead of matching
  t.is(engine.submitTrade(sell(), 3n).status, TradeStatus.PendingMatch);
  // a second cancel of the same report
  t.is(engine.submitTrade(buy({ transType: 1, reportId: 'B1-C2', refId: 'B1' }), 4n).text, 'TradeReportRefID (572) B1: that report was already cancelled or replaced');
});

test('cancel after match reverses both sides exactly; either side may cancel through its own report id', (t) => {
  for (const [who, canceller] of [
    ['buyer', buy({ transType: 1, reportId: 'X', refId: 'B1' })],
    ['seller', sell({ transType: 1, reportId: 'X', refId: 'S1' })],
  ] as const) {
    const { engine, events } = makeEngine();
    engine.submitTrade(twoSided({ reportId: 'OTHER', qty: 300 }), 1n); // an unrelated trade stays
    const before = engine.positions();
    engine.submitTrade(buy(), 2n);
    engine.submitTrade(sell(), 3n);
    t.notDeepEqual(engine.positions(), before);
    events.clear();
    const o = engine.submitTrade(canceller, 4n);
    t.is(o.status, TradeStatus.Cancelled, who);
    t.is(o.tradeId, 2n);
    t.deepEqual(engine.positions(), before, `${who}: positions back exactly`);
    t.is(engine.trade(2n)!.state, 'cancelled');
    t.deepEqual(
      events.log.filter((e) => e.kind === 'stage'),
      [{ kind: 'stage', tradeId: 2n, stage: TradeStage.Failed, previous: TradeStage.PendingSettlement, reason: StageReason.Cancelled, atNs: 4n }],
    );
    t.deepEqual(
      events.positions().map((p) => [p.member, p.netQty, p.netMoney, p.tradeId]),
      [
        ['MBR1', 300, -561_750_000, 2n],
        ['MBR2', -300, 561_750_000, 2n],
      ],
    );
    // the other side's report cannot cancel again
    const again = engine.submitTrade((who === 'buyer' ? sell : buy)({ transType: 1, reportId: 'Y', refId: who === 'buyer' ? 'S1' : 'B1' }), 5n);
    t.is(again.text, 'TradeReportRefID (572) ' + (who === 'buyer' ? 'S1' : 'B1') + ': trade 2 is already cancelled');
  }
});

test("cancel rules: only the submitter's own report ids; unknown ref; missing ref", (t) => {
  const { engine } = makeEngine();
  engine.submitTrade(twoSided(), 1n); // reported by MBR1
  const byMbr2 = engine.submitTrade(twoSided({ submitter: 'MBR2', transType: 1, reportId: 'C1', refId: 'R1' }), 2n);
  t.is(byMbr2.text, 'TradeReportRefID (572) R1: MBR2 has no report with that id');
  t.is(engine.submitTrade(twoSided({ transType: 1, reportId: 'C2', refId: '' }), 3n).text, 'TradeReportRefID (572) is required to cancel a report');
  t.is(engine.submitTrade(twoSided({ transType: 1, reportId: 'C3', refId: 'R1' }), 4n).status, TradeStatus.Cancelled);
  t.deepEqual(engine.positions(), []);
  t.is(engine.submitTrade(twoSided({ transType: 1, reportId: 'C3', refId: 'R1' }), 5n).text, 'TradeReportID (571) C3 is a duplicate: MBR1 already reported it on 20260115');
});

test('a cancel is refused once the settlement date is in its cycle', (t) => {
  const { engine } = makeEngine();
  engine.submitTrade(twoSided(), 1n);
  engine.settle('MBR1', AAPL.isin, 20260116, 0, 0, 2n);
  const o = engine.submitTrade(twoSided({ transType: 1, reportId: 'C1', refId: 'R1' }), 3n);
  t.is(o.text, 'TradeReportRefID (572) R1: trade 1 settles on 20260116, which is already in its settlement cycle');
});

test('replace of a locked-in trade = cancel + new, one command', (t) => {
  const { engine, events } = makeEngine();
  engine.submitTrade(twoSided(), 1n);
  events.clear();
  const o = engine.submitTrade(twoSided({ transType: 2, reportId: 'R2', refId: 'R1', qty: 40 }), 2n);
  t.is(o.status, TradeStatus.Accepted);
  t.is(o.tradeId, 2n);
  t.is(engine.trade(1n)!.state, 'cancelled');
  t.deepEqual(
    engine.positions().map((p) => [p.member, p.netQty, p.netMoney]),
    [
      ['MBR1', 40, -74_900_000n],
      ['MBR2', -40, 74_900_000n],
    ],
  );
  // events: the cancel first (positions at zero), then the new trade
  t.deepEqual(
    events.positions().map((p) => [p.member, p.netQty, p.tradeId]),
    [
      ['MBR1', 0, 1n],
      ['MBR2', 0, 1n],
      ['MBR1', 40, 2n],
      ['MBR2', -40, 2n],
    ],
  );
  t.is(events.log[2].kind === 'stage' && events.log[2].stage, TradeStage.Failed);
});

test('replace is all-or-nothing: a rejected replacement leaves the old trade exactly as it was', (t) => {
  const { engine, events } = makeEngine({
    refdata: (() => {
      const r = makeEngine().engine.refdata;
      return { ...r, members: r.members.map((m) => (m.id === 'MBR2' ? { ...m, limits: { ...m.limits, netPositionPerSecurity: 150 } } : m)) };
    })(),
  });
  engine.submitTrade(twoSided(), 1n);
  const digest = engine.stateDigest();
  events.clear();
  // validation failure
  let o = engine.submitTrade(twoSided({ transType: 2, reportId: 'R2', refId: 'R1', price: px('300') }), 2n);
  t.is(o.rejectReason, 5);
  // risk failure: MBR2 would be short 200 > 150 (checked after the old trade's reversal: -200, not -300)
  o = engine.submitTrade(twoSided({ transType: 2, reportId: 'R2', refId: 'R1', qty: 200 }), 3n);
  t.is(o.text, 'net position of MBR2 in US0378331005 would be -200, over its limit 150');
  t.is(engine.stateDigest(), digest);
  t.deepEqual(
    events.log.map((e) => e.kind),
    ['stage', 'stage'],
    'only the two FAILED events',
  );
  // within the limit: accepted
  t.is(engine.submitTrade(twoSided({ transType: 2, reportId: 'R2', refId: 'R1', qty: 150 }), 4n).status, TradeStatus.Accepted);
});

test('replace of an unmatched report: atomic, and the replacement may match', (t) => {
  const { engine } = makeEngine();
  engine.submitTrade(buy(), 1n);
  engine.submitTrade(sell({ qty: 200 }), 2n); // waits: quantity differs
  // a bad replacement keeps B1
  t.is(engine.submitTrade(buy({ transType: 2, reportId: 'B2', refId: 'B1', qty: 0 }), 3n).rejectReason, 99);
  t.deepEqual(
    engine.unmatched().map((u) => u.reportId),
    ['B1', 'S1'],
  );
  // correcting the quantity matches S1 and removes B1
  const o = engine.submitTrade(buy({ transType: 2, reportId: 'B2', refId: 'B1', qty: 200 }), 4n);
  t.is(o.status, TradeStatus.Accepted);
  t.is(o.matchedReportId, 'S1');
  t.deepEqual(engine.unmatched(), []);
  t.is(engine.trade(1n)!.qty, 200);
  // B1 is gone: cancelling it fails
  t.is(engine.submitTrade(buy({ transType: 1, reportId: 'B3', refId: 'B1' }), 5n).text, 'TradeReportRefID (572) B1: that report was already cancelled or replaced');
});

test('aging: unmatched reports at least unmatchedAgeDays business days old', (t) => {
  const { engine } = makeEngine({ config: { unmatchedAgeDays: 2 } });
  engine.submitTrade(buy(), 1n); // 2026-01-15
  engine.setBusinessDate(20260116);
  engine.submitTrade(sell({ reportId: 'S9', qty: 5, tradeDate: 20260116 }), 2n);
  t.deepEqual(engine.ageUnmatched(20260116), []);
  const aged = engine.ageUnmatched(20260120); // Fri 16 → Tue 20 (MLK Monday): B1 is 2 days old, S9 1
  t.is(aged.length, 1);
  t.like(aged[0], { reportId: 'B1', submitter: 'MBR1', ageDays: 2, clearingBusinessDate: BIZ, side: 1, buyer: 'MBR1', seller: 'MBR2' });
  t.is(engine.ageUnmatched(20260121).length, 2);
  t.is(engine.unmatched().length, 2, 'aged reports stay in the book');
});

test('an internal cross through a matched pair follows the two-sided rule: two different accounts', (t) => {
  const { engine } = makeEngine();
  const b = oneSided('MBR1', 1, 'MBR1', { reportId: 'X1', sides: [side(1, 'MBR1', 'CUST1')] });
  t.is(engine.submitTrade(b, 1n).status, TradeStatus.PendingMatch);
  const same = engine.submitTrade(oneSided('MBR1', 2, 'MBR1', { reportId: 'X2', sides: [side(2, 'MBR1', 'CUST1')] }), 2n);
  t.is(same.rejectReason, 1);
  t.is(same.text, "both sides are member MBR1 account 'CUST1': an internal cross needs two different accounts");
  t.is(engine.unmatched().length, 1, 'the waiting report stays');
  const ok = engine.submitTrade(oneSided('MBR1', 2, 'MBR1', { reportId: 'X3', sides: [side(2, 'MBR1', 'CUST2')] }), 3n);
  t.is(ok.status, TradeStatus.Accepted);
  t.like(engine.trade(ok.tradeId)!, { buyer: 'MBR1', seller: 'MBR1', buyAccount: 'CUST1', sellAccount: 'CUST2' });
  t.deepEqual(engine.positions(), [], 'an internal cross changes no net position');
});
