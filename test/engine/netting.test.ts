/**
 * Novation (the CCP's own net is zero), continuous net settlement (exact money, rounding, O(1)
 * updates), settlement, roll-forward of fails, mark-to-market and position adjustments.
 */
import test from 'ava';
import { isGatewayError } from '../../src/codec/errors.js';
import { TradeStatus } from '../../src/engine/types.js';
import { AAPL, BIZ, IBM, MSFT, SPY, TBILL, makeEngine, money, px, side, twoSided } from './fixtures.js';
import { Prng } from '../codec/prng.js';

const MEMBERS = ['MBR1', 'MBR2', 'MBR3'];
const SECS = [
  { isin: AAPL.isin, price: AAPL.price, lot: 1 },
  { isin: MSFT.isin, price: MSFT.price, lot: 1 },
  { isin: IBM.isin, price: IBM.price, lot: 100 },
  { isin: SPY.isin, price: SPY.price, lot: 1 },
];

test('novation: per security and settlement date the members net to zero in qty and money; the CCP leg is zero', (t) => {
  const { engine } = makeEngine();
  const rng = new Prng(5);
  let accepted = 0;
  for (let i = 0; i < 600; i++) {
    const b = rng.intIn(0, 2);
    const s = (b + rng.intIn(1, 2)) % 3;
    const sec = SECS[rng.intIn(0, SECS.length - 1)];
    const o = engine.submitTrade(
      twoSided({
        reportId: `R${i}`,
        buyer: MEMBERS[b],
        seller: MEMBERS[s],
        securityId: sec.isin,
        qty: sec.lot * rng.intIn(1, 40),
        price: sec.price + rng.intIn(-999, 999) * 1_000_003, // odd sub-cent prices: money is rounded
        settlDate: rng.intIn(0, 1) === 0 ? 0 : 20260120,
      }),
      BigInt(i),
    );
    if (o.status === TradeStatus.Accepted) accepted++;
  }
  t.is(accepted, 600);
  for (const settl of [20260116, 20260120]) {
    const ob = engine.obligations(settl);
    t.true(ob.members.length > 0);
    for (const c of ob.ccp) {
      t.is(c.netQty, 0, `${c.isin} ${settl}`);
      t.is(c.netMoney, 0n, `${c.isin} ${settl}`);
    }
    for (const r of ob.members) {
      t.is(r.longQty - r.shortQty, r.netQty);
      t.true(r.longQty === 0 || r.shortQty === 0);
    }
  }
});

test('netting: buying 100 @ 10 is qty +100, money -1000.0000; trades on one key update one row', (t) => {
  const { engine, events } = makeEngine();
  engine.submitTrade(twoSided({ securityId: TBILL.isin, price: px('10') }), 1n);
  t.deepEqual(engine.positions('MBR1'), [{ member: 'MBR1', isin: TBILL.isin, settlDate: 20260116, netQty: 100, netMoney: BigInt(money('-1000.0000')) }]);
  // 50 more trades on the same key: still one row per member, each update reported with the running net
  events.clear();
  let q = 100;
  let m = -10_000_000;
  for (let i = 0; i < 50; i++) {
    const sell = i % 3 === 0;
    engine.submitTrade(twoSided({ reportId: `N${i}`, securityId: TBILL.isin, price: px('10.01'), qty: 7, ...(sell ? { buyer: 'MBR2', seller: 'MBR1', submitter: 'MBR1' } : {}) }), 2n);
    q += sell ? -7 : 7;
    m += sell ? 700_700 : -700_700;
    const ev = events.positions().filter((p) => p.member === 'MBR1');
    t.deepEqual([ev[ev.length - 1].netQty, ev[ev.length - 1].netMoney], [q, m]);
  }
  t.is(engine.positions().length, 2);
  t.is((engine as unknown as { pos: { n: number } }).pos.n, 2, 'no new rows: O(1) update in place');
});

test('netting: money is rounded HALF_EVEN per trade, the same amount on both sides', (t) => {
  const { engine } = makeEngine();
  // 0.00005 per unit: 1 → 0.00005 → 0.0000 ; 3 → 0.00015 → 0.0002 ; 5 → 0.00025 → 0.0002
  for (const [i, qty] of [1, 3, 5].entries()) engine.submitTrade(twoSided({ reportId: `T${i}`, securityId: TBILL.isin, price: 50_000, qty }), 1n);
  const [b, s] = engine.positions();
  t.deepEqual([b.netQty, b.netMoney], [9, -4n]);
  t.deepEqual([s.netQty, s.netMoney], [-9, 4n]);
  t.deepEqual(
    [1n, 2n, 3n].map((id) => engine.trade(id)!.money),
    [0, 2, 2],
  );
});

test('positions are per settlement date; an internal cross changes no net position', (t) => {
  const { engine } = makeEngine();
  engine.submitTrade(twoSided({ reportId: 'A' }), 1n);
  engine.submitTrade(twoSided({ reportId: 'B', settlDate: 20260120 }), 1n);
  engine.submitTrade(twoSided({ reportId: 'C', sides: [side(1, 'MBR1', 'CUST1'), side(2, 'MBR1', 'CUST2')], qty: 1000 }), 1n);
  t.deepEqual(
    engine.positions('MBR1').map((p) => [p.settlDate, p.netQty]),
    [
      [20260116, 100],
      [20260120, 100],
    ],
  );
  t.deepEqual(engine.positions(undefined, 20260120).length, 2);
  t.is(engine.grossNotional('MBR1'), 2n * 187_250_000n + 2n * 1_872_500_000n, 'the cross counts on both sides');
});

test('settle: partial delivery reduces the open position; full settlement zeroes it', (t) => {
  const { engine, events } = makeEngine();
  engine.submitTrade(twoSided({ qty: 300 }), 1n); // MBR1 +300 / -56175.0000
  events.clear();
  engine.settle('MBR2', AAPL.isin, 20260116, -100, money('18725'), 5n); // MBR2 delivered 100 of its 300 short
  t.deepEqual(events.positions()[0], { kind: 'position', member: 'MBR2', isin: AAPL.isin, settlDate: 20260116, netQty: -200, netMoney: money('37450'), tradeId: 0n });
  engine.settle('MBR1', AAPL.isin, 20260116, 100, money('-18725'), 6n);
  t.deepEqual(
    engine.positions().map((p) => [p.member, p.netQty, p.netMoney]),
    [
      ['MBR1', 200, BigInt(money('-37450'))],
      ['MBR2', -200, BigInt(money('37450'))],
    ],
  );
  engine.settle('MBR1', AAPL.isin, 20260116, 200, money('-37450'), 7n);
  t.deepEqual(engine.positions('MBR1'), []);
  // errors
  for (const [q, m] of [
    [-200, money('37450')], // wrong direction
    [201, 0],
    [0, money('-40000')],
  ]) {
    const e = t.throws(() => engine.settle('MBR2', AAPL.isin, 20260116, -Number(q), -Number(m), 8n));
    t.true(isGatewayError(e, 'ENGINE_SETTLE'), e?.message);
  }
  t.true(isGatewayError(t.throws(() => engine.settle('NOPE', AAPL.isin, 20260116, 0, 0, 9n)), 'ENGINE_UNKNOWN'));
  t.true(isGatewayError(t.throws(() => engine.settle('MBR1', 'US0231351067', 20260116, 0, 0, 9n)), 'ENGINE_UNKNOWN'));
  t.true(isGatewayError(t.throws(() => engine.settle('MBR1', AAPL.isin, 20260116, 0.5, 0, 9n)), 'ENGINE_ARGUMENT'));
});

test('roll-forward: what did not settle moves to the next date and nets with its trades', (t) => {
  const { engine, events } = makeEngine();
  engine.submitTrade(twoSided({ qty: 300 }), 1n); // settles 20260116
  engine.settle('MBR2', AAPL.isin, 20260116, -100, money('18725'), 2n);
  engine.settle('MBR1', AAPL.isin, 20260116, 100, money('-18725'), 2n);
  engine.setBusinessDate(20260116);
  // a new trade for 20260120: MBR2 buys back 50 @ 190
  engine.submitTrade(twoSided({ reportId: 'N1', buyer: 'MBR2', seller: 'MBR1', submitter: 'MBR2', tradeDate: 20260116, qty: 50, price: px('190') }), 3n);
  events.clear();
  t.is(engine.rollForward(20260116, 20260120, 4n), 2);
  t.deepEqual(engine.positions(undefined, 20260116), []);
  t.deepEqual(
    engine.positions(undefined, 20260120).map((p) => [p.member, p.netQty, p.netMoney]),
    [
      ['MBR1', 150, BigInt(money('-37450') + money('9500'))],
      ['MBR2', -150, BigInt(money('37450') - money('9500'))],
    ],
  );
  t.is(events.positions().length, 4);
  t.deepEqual(events.positions()[0], { kind: 'position', member: 'MBR1', isin: AAPL.isin, settlDate: 20260116, netQty: 0, netMoney: 0, tradeId: 0n });
  // 20260116 is now closed: no new trades, no cancels, no second roll into it
  t.is(engine.submitTrade(twoSided({ reportId: 'N2', tradeDate: 20260116, settlDate: 20260116 }), 5n).text, 'SettlDate (64) 20260116 is already in its settlement cycle');
  t.true(isGatewayError(t.throws(() => engine.rollForward(20260115, 20260116)), 'ENGINE_ARGUMENT'));
  t.true(isGatewayError(t.throws(() => engine.rollForward(20260120, 20260119)), 'ENGINE_ARGUMENT'));
  const ob = engine.obligations(20260120);
  t.deepEqual(ob.ccp, [{ isin: AAPL.isin, netQty: 0, netMoney: 0n }]);
  t.deepEqual(
    ob.members.map((r) => [r.member, r.longQty, r.shortQty]),
    [
      ['MBR1', 150, 0],
      ['MBR2', 0, 150],
    ],
  );
});

test('mark-to-market at the system price: round(net qty × price) + net money per member and security', (t) => {
  const { engine } = makeEngine();
  engine.submitTrade(twoSided({ reportId: 'A', qty: 100, price: px('187.25') }), 1n);
  engine.submitTrade(twoSided({ reportId: 'B', qty: 50, price: px('190'), settlDate: 20260120 }), 1n);
  // MBR1: 150 × 187.25 − (18725 + 9500) = 28087.5 − 28225 = −137.5
  t.is(engine.markToMarket('MBR1'), BigInt(money('-137.5')));
  t.is(engine.markToMarket('MBR2'), BigInt(money('137.5')));
  engine.setPrice(AAPL.isin, px('200'));
  t.is(engine.price(AAPL.isin), px('200'));
  t.is(engine.markToMarket('MBR1'), BigInt(money('1775')));
  t.deepEqual(engine.markToMarket(), [
    { member: 'MBR1', mtm: BigInt(money('1775')) },
    { member: 'MBR2', mtm: BigInt(money('-1775')) },
  ]);
  // the price band moved with the price: 187.25 is now outside 180..220
  t.is(engine.submitTrade(twoSided({ reportId: 'C', price: px('179.99') }), 2n).rejectReason, 5);
  // rounding: 3 × 98.765432 = 296.296296 → 296.2963
  engine.submitTrade(twoSided({ reportId: 'D', buyer: 'MBR3', seller: 'MBR2', submitter: 'MBR3', securityId: TBILL.isin, qty: 3, price: px('98') }), 3n);
  t.is(engine.markToMarket('MBR3'), BigInt(money('296.2963') - money('294')));
  t.true(isGatewayError(t.throws(() => engine.setPrice(AAPL.isin, 0)), 'ENGINE_ARGUMENT'));
});

test('adjustPosition (AL): books against the CCP; rejects with a reason', (t) => {
  const { engine, events } = makeEngine();
  engine.submitTrade(twoSided(), 1n);
  events.clear();
  const o = engine.adjustPosition('MBR1', AAPL.isin, 20260116, -10, money('1872.5'), 'correction', 2n);
  t.deepEqual({ ...o }, { status: 0, text: '', netQty: 90, netMoney: money('-16852.5') });
  t.deepEqual(events.positions()[0], { kind: 'position', member: 'MBR1', isin: AAPL.isin, settlDate: 20260116, netQty: 90, netMoney: money('-16852.5'), tradeId: 0n });
  t.deepEqual(engine.obligations(20260116).ccp, [{ isin: AAPL.isin, netQty: 10, netMoney: BigInt(money('-1872.5')) }]);
  t.deepEqual(engine.ccpAdjustments(), [{ isin: AAPL.isin, settlDate: 20260116, netQty: 10, netMoney: BigInt(money('-1872.5')) }]);
  const bad: [Parameters<typeof engine.adjustPosition>, string][] = [
    [['NOPE', AAPL.isin, 20260116, 1, 0, '', 3n], 'member NOPE is not a clearing member'],
    [['MBR1', 'US0231351067', 20260116, 1, 0, '', 3n], 'security US0231351067 is not in the securities master'],
    [['MBR1', AAPL.isin, 20260114, 1, 0, '', 3n], 'SettlDate (64) 20260114 is not an open settlement date on or after 20260115'],
    [['MBR1', AAPL.isin, 20260117, 1, 0, '', 3n], 'SettlDate (64) 20260117 is not an open settlement date on or after 20260115'],
    [['MBR1', AAPL.isin, 20260116, 0, 0, '', 3n], 'adjustment 0 / 0 must be safe integers, not both 0'],
    [['MBR1', AAPL.isin, 20260116, 2 ** 53, 0, '', 3n], 'adjustment 9007199254740992 / 0 must be safe integers, not both 0'],
    [['MBR1', AAPL.isin, 20260116, Number.MAX_SAFE_INTEGER, 0, '', 3n], `the position of MBR1 in ${AAPL.isin} would leave the exact range`],
  ];
  for (const [args, text] of bad) {
    const r = engine.adjustPosition(...args);
    t.is(r.status, 1);
    t.is(r.text, text);
  }
  t.is(engine.positions('MBR1')[0].netQty, 90, 'rejects change nothing');
});

test('exact range: a trade that would push a position past 2^53-1 is rejected', (t) => {
  const { engine } = makeEngine();
  engine.adjustPosition('MBR1', TBILL.isin, 20260116, 0, Number.MAX_SAFE_INTEGER - 5, 'x', 1n);
  const o = engine.submitTrade(twoSided({ reportId: 'S', buyer: 'MBR2', seller: 'MBR1', submitter: 'MBR2', securityId: TBILL.isin, qty: 1, price: px('1') }), 2n);
  t.is(o.rejectReason, 99);
  t.is(o.text, `the position of MBR1 in ${TBILL.isin} would leave the exact range (2^53-1)`);
  t.is(BIZ, 20260115);
});
