/**
 * A worked continuous-net-settlement scenario (issue 5, "Proof"), every number computed by hand below
 * and asserted exactly at 10^-4: 3 members, 2 securities, T+1.
 *
 * Refdata: fixtures.ts (NYSE 2026 calendar; AAPL system price 187.25, MSFT 410.10, both ±10% bands).
 * Clearing date 1 = Thu 2026-01-15 (T+1 = Fri 01-16); clearing date 2 = Fri 01-16 (T+1 = Tue 01-20,
 * Mon 01-19 is a holiday). Engine without margin/collateral (MTM is the engine's own).
 * Money convention: member owed +; a buyer's money is −round_half_even(qty × price) at 10^-4.
 *
 * DAY 1 trades (trade date 01-15, settle 01-16)                                  money (10^-4)
 *  id  trade                                                        exact qty×px      rounded
 *  1   A1 MBR1 buys 300 AAPL from MBR2 @ 187.25 (two-sided)          56175.0000       56175.0000
 *  2   A2 MBR3 buys 100 AAPL from MBR1 @ 187.123456789 (1-sided pair) 18712.3456789   18712.3457
 *  3   A3 MBR2 buys  15 AAPL from MBR3 @ 186.00001                    2790.00015      2790.0002 (tie → even)
 *  4   A4 MBR1 buys 1000 AAPL from MBR3 @ 190, then cancelled by MBR1 (no effect)
 *  5   M1 MBR2 buys  40 MSFT from MBR3 @ 410.10                      16404.0000       16404.0000
 *  6   M2 MBR1 buys  25 MSFT from MBR2 @ 411.00005                   10275.00125      10275.0012 (tie → even)
 *  7   M3 MBR1 buys  60 MSFT from MBR3 @ 409.87 (reported by MBR3)   24592.2000       24592.2000
 *
 * Net positions for 01-16:
 *        AAPL qty  AAPL money                          MSFT qty  MSFT money
 *  MBR1  +300−100 = +200  −56175.0000+18712.3457 = −37462.6543   +25+60 = +85   −10275.0012−24592.2000 = −34867.2012
 *  MBR2  −300+15  = −285  +56175.0000−2790.0002  = +53384.9998   +40−25 = +15   −16404.0000+10275.0012 = −6128.9988
 *  MBR3  +100−15  = +85   −18712.3457+2790.0002  = −15922.3455   −40−60 = −100  +16404.0000+24592.2000 = +40996.2000
 *  Σ     0                0                                       0              0
 *
 * MTM day 1 = round(qty × system price) + money, per member and security:
 *  MBR1  AAPL 37450.0000−37462.6543 = −12.6543   MSFT 34858.5000−34867.2012 = −8.7012    total −21.3555
 *  MBR2  AAPL −53366.2500+53384.9998 = 18.7498   MSFT 6151.5000−6128.9988   = 22.5012    total  41.2510
 *  MBR3  AAPL 15916.2500−15922.3455 = −6.0955    MSFT −41010.0000+40996.2000 = −13.8000  total −19.8955
 *
 * SETTLEMENT of 01-16 (on clearing date 2):
 *  AAPL: MBR2 delivers only 200 of its 285 short (the carried fail: 85); the CCP passes the 200 on as
 *  partial deliveries: 150 of MBR1's 200, 50 of MBR3's 85. Delivered shares settle at the system price
 *  187.25 (DVP value): 200 → 37450.0000, 150 → 28087.5000, 50 → 9362.5000.
 *        settled (qty, money)       open after (the fail)
 *  MBR2  (−200, +37450.0000)        −85  +53384.9998−37450.0000 = +15934.9998
 *  MBR1  (+150, −28087.5000)        +50  −37462.6543+28087.5000 = −9375.1543
 *  MBR3  (+50,  −9362.5000)         +35  −15922.3455+9362.5000  = −6559.8455
 *  Σ                                0    0
 *  MSFT settles in full at its contract money (every row to 0 / 0).
 *  Settling at the system price leaves each member's AAPL MTM unchanged (−12.6543, 18.7498, −6.0955),
 *  and MSFT's MTM is realised, so the member totals are now just the AAPL parts.
 *
 * MTM of the open fail at a new AAPL system price 190.00003:
 *  MBR1  round(+50 × 190.00003) =  9500.0015 (exact)              −  9375.1543 =  124.8472
 *  MBR2  round(−85 × 190.00003) = −16150.00255 → −16150.0026 (tie → even) + 15934.9998 = −215.0028
 *  MBR3  round(+35 × 190.00003) =  6650.00105 → 6650.0010 (tie → even)    −  6559.8455 =   90.1555
 *  Σ = −0.0001: each member's value is rounded on its own, so MTMs need not sum to zero.
 *
 * DAY 2 trades (trade date 01-16, settle 01-20; AAPL band now 171.000027..209.000033)
 *  8   B1 MBR2 buys 60 AAPL from MBR1 @ 190.5                          11430.0000      11430.0000
 *  9   B2 MBR3 sells 35 AAPL to MBR2 @ 189.99999 (1-sided pair)         6649.99965     6649.9996 (tie → even)
 *  10  B3 MBR3 buys 10 MSFT from MBR1 @ 412.123456789                   4121.23456789  4121.2346
 *
 * ROLL-FORWARD 01-16 → 01-20 (3 AAPL fails move; the MSFT rows are flat) and net with day 2:
 *        AAPL qty       AAPL money                                   MSFT qty  MSFT money
 *  MBR1  +50−60 = −10   −9375.1543+11430.0000            = +2054.8457   −10       +4121.2346
 *  MBR2  −85+60+35 = +10 +15934.9998−11430.0000−6649.9996 = −2144.9998   (none)
 *  MBR3  +35−35 = 0     −6559.8455+6649.9996             = +90.1541     +10       −4121.2346
 *  Σ     0              0                                                0         0
 *  (MBR3's AAPL row is money only: it is owed 90.1541 and has no shares to move.)
 *
 * Final MTM (AAPL 190.00003, MSFT 410.10):
 *  MBR1  AAPL −1900.0003+2054.8457 = 154.8454    MSFT −4101.0000+4121.2346 = 20.2346    total 175.0800
 *  MBR2  AAPL  1900.0003−2144.9998 = −244.9995                                            total −244.9995
 *  MBR3  AAPL  0+90.1541 = 90.1541               MSFT  4101.0000−4121.2346 = −20.2346   total 69.9195
 *  Σ 0
 */
import test from 'ava';
import { isGatewayError } from '../../src/codec/errors.js';
import type { ClearingEngine } from '../../src/engine/engine.js';
import { TradeStatus, type TradeReport } from '../../src/engine/types.js';
import { AAPL, MSFT, makeEngine, money, oneSided, px, side, twoSided } from './fixtures.js';

const D1 = 20260115;
const S1 = 20260116; // T+1 of D1 = clearing date 2
const D2 = 20260116;
const S2 = 20260120; // T+1 of D2 (01-19 is a holiday)

/** Money text → bigint mantissa at 10^-4. */
const m = (s: string): bigint => BigInt(money(s));

function submit(engine: ClearingEngine, cmd: TradeReport, expect: TradeStatus, now: bigint): bigint {
  const o = engine.submitTrade(cmd, now);
  if (o.status !== expect) throw new Error(`${cmd.reportId}: status ${o.status} (expected ${expect}): ${o.text}`);
  return o.tradeId;
}

/** Positions as [member, security, qty, money] rows (sorted by member, security). */
function rows(engine: ClearingEngine, settlDate: number): [string, string, number, bigint][] {
  return engine.positions(undefined, settlDate).map((p) => [p.member, p.isin === AAPL.isin ? 'AAPL' : p.isin === MSFT.isin ? 'MSFT' : p.isin, p.netQty, p.netMoney]);
}

function mtm(engine: ClearingEngine): bigint[] {
  return ['MBR1', 'MBR2', 'MBR3'].map((id) => engine.markToMarket(id));
}

test('CNS scenario: day-1 netting, a carried fail with partial deliveries, MTM of the fail, roll-forward into day 2', (t) => {
  const { engine } = makeEngine({ businessDate: D1 });
  const day1 = { tradeDate: D1 };

  // ---- day 1 ------------------------------------------------------------------------------------
  t.is(submit(engine, twoSided({ ...day1, reportId: 'A1', buyer: 'MBR1', seller: 'MBR2', qty: 300, price: px('187.25') }), TradeStatus.Accepted, 1n), 1n);
  submit(engine, oneSided('MBR3', 1, 'MBR1', { ...day1, reportId: 'A2-B', qty: 100, price: px('187.123456789') }), TradeStatus.PendingMatch, 2n);
  t.is(submit(engine, oneSided('MBR1', 2, 'MBR3', { ...day1, reportId: 'A2-S', qty: 100, price: px('187.123456789') }), TradeStatus.Accepted, 3n), 2n);
  t.is(submit(engine, twoSided({ ...day1, reportId: 'A3', buyer: 'MBR2', seller: 'MBR3', qty: 15, price: px('186.00001') }), TradeStatus.Accepted, 4n), 3n);
  t.is(submit(engine, twoSided({ ...day1, reportId: 'A4', buyer: 'MBR1', seller: 'MBR3', qty: 1000, price: px('190') }), TradeStatus.Accepted, 5n), 4n);
  t.is(submit(engine, twoSided({ ...day1, transType: 1, reportId: 'A4-C', refId: 'A4', buyer: 'MBR1', seller: 'MBR3' }), TradeStatus.Cancelled, 6n), 4n);
  t.is(submit(engine, twoSided({ ...day1, reportId: 'M1', buyer: 'MBR2', seller: 'MBR3', securityId: MSFT.isin, qty: 40, price: px('410.10') }), TradeStatus.Accepted, 7n), 5n);
  t.is(submit(engine, twoSided({ ...day1, reportId: 'M2', buyer: 'MBR1', seller: 'MBR2', securityId: MSFT.isin, qty: 25, price: px('411.00005') }), TradeStatus.Accepted, 8n), 6n);
  t.is(
    submit(
      engine,
      twoSided({ ...day1, reportId: 'M3', submitter: 'MBR3', sides: [side(2, 'MBR3'), side(1, 'MBR1')], securityId: MSFT.isin, qty: 60, price: px('409.87') }),
      TradeStatus.Accepted,
      9n,
    ),
    7n,
  );
  // trade money, rounded HALF_EVEN once per trade
  t.deepEqual(
    [1, 2, 3, 4, 5, 6, 7].map((id) => BigInt(engine.trade(id)!.money)),
    [m('56175.0000'), m('18712.3457'), m('2790.0002'), m('190000.0000'), m('16404.0000'), m('10275.0012'), m('24592.2000')],
  );
  t.is(engine.trade(4)!.state, 'cancelled');

  t.deepEqual(rows(engine, S1), [
    ['MBR1', 'AAPL', 200, m('-37462.6543')],
    ['MBR1', 'MSFT', 85, m('-34867.2012')],
    ['MBR2', 'AAPL', -285, m('53384.9998')],
    ['MBR2', 'MSFT', 15, m('-6128.9988')],
    ['MBR3', 'AAPL', 85, m('-15922.3455')],
    ['MBR3', 'MSFT', -100, m('40996.2000')],
  ]);
  const ob1 = engine.obligations(S1);
  t.deepEqual(ob1.ccp, [
    { isin: AAPL.isin, netQty: 0, netMoney: 0n },
    { isin: MSFT.isin, netQty: 0, netMoney: 0n },
  ]);
  t.deepEqual(
    ob1.members.map((r) => [r.member, r.longQty, r.shortQty]),
    [
      ['MBR1', 200, 0],
      ['MBR1', 85, 0],
      ['MBR2', 0, 285],
      ['MBR2', 15, 0],
      ['MBR3', 85, 0],
      ['MBR3', 0, 100],
    ],
  );
  t.deepEqual(mtm(engine), [m('-21.3555'), m('41.2510'), m('-19.8955')]);

  // ---- settlement of 01-16, on clearing date 2 ---------------------------------------------------
  engine.setBusinessDate(D2);
  engine.settle('MBR2', AAPL.isin, S1, -200, money('37450.0000'), 10n); // delivers 200 of 285: fail of 85
  engine.settle('MBR1', AAPL.isin, S1, 150, money('-28087.5000'), 11n); // receives 150 of 200
  engine.settle('MBR3', AAPL.isin, S1, 50, money('-9362.5000'), 12n); // receives 50 of 85
  engine.settle('MBR3', MSFT.isin, S1, -100, money('40996.2000'), 13n);
  engine.settle('MBR1', MSFT.isin, S1, 85, money('-34867.2012'), 14n);
  engine.settle('MBR2', MSFT.isin, S1, 15, money('-6128.9988'), 15n);
  t.deepEqual(rows(engine, S1), [
    ['MBR1', 'AAPL', 50, m('-9375.1543')],
    ['MBR2', 'AAPL', -85, m('15934.9998')],
    ['MBR3', 'AAPL', 35, m('-6559.8455')],
  ]);
  t.deepEqual(engine.obligations(S1).ccp, [{ isin: AAPL.isin, netQty: 0, netMoney: 0n }], 'the fails still net to zero');
  // a fail cannot be over-delivered, and a trade of a date in its settlement cycle cannot be cancelled
  t.true(isGatewayError(t.throws(() => engine.settle('MBR2', AAPL.isin, S1, -86, 0, 16n)), 'ENGINE_SETTLE'));
  t.is(engine.submitTrade(twoSided({ ...day1, transType: 1, reportId: 'A1-C', refId: 'A1' }), 17n).status, TradeStatus.Rejected);
  t.deepEqual(mtm(engine), [m('-12.6543'), m('18.7498'), m('-6.0955')], 'delivery at the system price leaves the MTM unchanged');

  // ---- mark-to-market of the open fail at a new system price ------------------------------------
  engine.setPrice(AAPL.isin, px('190.00003'));
  const failMtm = mtm(engine);
  t.deepEqual(failMtm, [m('124.8472'), m('-215.0028'), m('90.1555')]);
  t.is(
    failMtm.reduce((a, b) => a + b, 0n),
    m('-0.0001'),
    'per-member rounding: MTMs need not sum to zero',
  );

  // ---- day 2 trades -------------------------------------------------------------------------------
  const day2 = { tradeDate: D2 };
  t.is(submit(engine, twoSided({ ...day2, reportId: 'B1', buyer: 'MBR2', seller: 'MBR1', qty: 60, price: px('190.5') }), TradeStatus.Accepted, 20n), 8n);
  submit(engine, oneSided('MBR3', 2, 'MBR2', { ...day2, reportId: 'B2-S', qty: 35, price: px('189.99999') }), TradeStatus.PendingMatch, 21n);
  t.is(submit(engine, oneSided('MBR2', 1, 'MBR3', { ...day2, reportId: 'B2-B', qty: 35, price: px('189.99999') }), TradeStatus.Accepted, 22n), 9n);
  t.is(
    submit(engine, twoSided({ ...day2, reportId: 'B3', buyer: 'MBR3', seller: 'MBR1', securityId: MSFT.isin, qty: 10, price: px('412.123456789') }), TradeStatus.Accepted, 23n),
    10n,
  );
  t.deepEqual(
    [8, 9, 10].map((id) => [engine.trade(id)!.settlDate, BigInt(engine.trade(id)!.money)]),
    [
      [S2, m('11430.0000')],
      [S2, m('6649.9996')],
      [S2, m('4121.2346')],
    ],
  );
  t.deepEqual(rows(engine, S2), [
    ['MBR1', 'AAPL', -60, m('11430.0000')],
    ['MBR1', 'MSFT', -10, m('4121.2346')],
    ['MBR2', 'AAPL', 95, m('-18079.9996')],
    ['MBR3', 'AAPL', -35, m('6649.9996')],
    ['MBR3', 'MSFT', 10, m('-4121.2346')],
  ]);

  // ---- roll-forward: the fails net with day 2 ------------------------------------------------------
  t.is(engine.rollForward(S1, S2, 30n), 3);
  t.deepEqual(rows(engine, S1), []);
  t.deepEqual(rows(engine, S2), [
    ['MBR1', 'AAPL', -10, m('2054.8457')],
    ['MBR1', 'MSFT', -10, m('4121.2346')],
    ['MBR2', 'AAPL', 10, m('-2144.9998')],
    ['MBR3', 'AAPL', 0, m('90.1541')],
    ['MBR3', 'MSFT', 10, m('-4121.2346')],
  ]);
  const ob2 = engine.obligations(S2);
  t.deepEqual(ob2.ccp, [
    { isin: AAPL.isin, netQty: 0, netMoney: 0n },
    { isin: MSFT.isin, netQty: 0, netMoney: 0n },
  ]);
  t.deepEqual(
    ob2.members.map((r) => [r.member, r.isin === AAPL.isin ? 'AAPL' : 'MSFT', r.longQty, r.shortQty, r.netMoney]),
    [
      ['MBR1', 'AAPL', 0, 10, m('2054.8457')],
      ['MBR1', 'MSFT', 0, 10, m('4121.2346')],
      ['MBR2', 'AAPL', 10, 0, m('-2144.9998')],
      ['MBR3', 'AAPL', 0, 0, m('90.1541')],
      ['MBR3', 'MSFT', 10, 0, m('-4121.2346')],
    ],
  );
  t.deepEqual(mtm(engine), [m('175.0800'), m('-244.9995'), m('69.9195')]);
  t.is(
    mtm(engine).reduce((a, b) => a + b, 0n),
    0n,
  );
});
