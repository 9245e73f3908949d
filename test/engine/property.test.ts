/**
 * Property tests of the clearing engine (issue 5, "Proof"), with fast-check over random scenarios of
 * valid trade reports: two-sided and one-sided pairs between 5 members in 4 securities, 4 settlement
 * dates, quantities up to 10^6, prices with up to 9 decimals (biased to HALF_EVEN ties), cancels and
 * replaces (generators and the independent model: proof-fixtures.ts). The engine runs with its real
 * margin (MarginBook) and collateral books.
 *
 *   a. per security and settlement date the members' net quantities sum to zero (the CCP is flat);
 *   b. so does net money;
 *   c. the result does not depend on the arrival order of independent trades;
 *   d. replaying the same command log into a fresh engine rebuilds an identical state;
 *   e. a cancel after a new report is a no-op on positions and margin;
 *   f. money is exact: positions equal the model's bigint sums of round_half_even(qty × price).
 * Inside d also: a refused command (rejected report, thrown edge call) changes nothing, and the
 * positionChanged events folded per key rebuild the open positions. At the end, tests for what the
 * properties found: markToMarket() rows of flat members (fixed in engine.ts meanwhile), a matched
 * one-sided pair that is a same-firm same-account cross, and a non-atomic rollForward.
 *
 * Seeded: FC_SEED=<n> picks another seed (default fixed, so CI is reproducible), FC_RUNS=<k> multiplies
 * the number of runs. A failure prints the seed, the shrunk counterexample and the replay path.
 */
import assert from 'node:assert/strict';
import test, { type ExecutionContext } from 'ava';
import fc from 'fast-check';
import { qtyTimesPrice } from '../../src/codec/decimal.js';
import { isGatewayError } from '../../src/codec/errors.js';
import { ClearingEngine } from '../../src/engine/engine.js';
import type { TradeReport } from '../../src/engine/types.js';
import { TradeStatus } from '../../src/engine/types.js';
import { BIZ, RecordingEvents, sampleConfig } from './fixtures.js';
import {
  ALL_SETTL_DATES,
  ISINS,
  MEMBERS,
  NEXT_BIZ,
  N_MEMBERS,
  REFDATA,
  buildLog,
  cancelReport,
  amender,
  dealArb,
  liveDeals,
  modelPositions,
  oneSidedReport,
  proofEngine,
  twoSidedReport,
  unitArb,
  unitSteps,
  unitsArb,
  type Step,
  type Unit,
} from './proof-fixtures.js';

const SEED = process.env.FC_SEED !== undefined ? Number(process.env.FC_SEED) : 0x5eed_2026;
const RUNS = process.env.FC_RUNS !== undefined ? Number(process.env.FC_RUNS) : 1;

/** Run a property; on failure fail the test with fast-check's report (seed, counterexample, path). */
function check<T>(t: ExecutionContext, arb: fc.Arbitrary<T>, predicate: (v: T) => void, numRuns: number): void {
  const details = fc.check(fc.property(arb, predicate), { seed: SEED, numRuns: Math.max(1, Math.round(numRuns * RUNS)) });
  if (details.failed) {
    const err = details.errorInstance instanceof Error ? details.errorInstance.message : String(details.errorInstance);
    t.fail(`${fc.defaultReportMessage(details)}\nError: ${err}\n(reproduce with FC_SEED=${details.seed})`);
  } else t.is(details.numRuns, Math.max(1, Math.round(numRuns * RUNS)));
}

/** Submit the steps in order; every outcome must be the expected one (a valid scenario is fully accepted). */
function runSteps(engine: ClearingEngine, steps: readonly Step[], t0 = 0): void {
  steps.forEach((s, i) => {
    const o = engine.submitTrade(s.cmd, BigInt(t0 + i));
    assert.equal(o.status, s.expect, `${s.cmd.reportId} (487=${s.cmd.transType}): status ${o.status}, expected ${s.expect}: ${o.rejectReason} ${o.text}`);
  });
}

function run(steps: readonly Step[]): ClearingEngine {
  const engine = proofEngine();
  runSteps(engine, steps);
  return engine;
}

/** Sums per (security, settlement date) of the engine's member positions must be zero, and so must the CCP leg. */
function assertFlat(engine: ClearingEngine): void {
  const qty = new Map<string, bigint>();
  const money = new Map<string, bigint>();
  for (const p of engine.positions()) {
    const k = `${p.isin}|${p.settlDate}`;
    qty.set(k, (qty.get(k) ?? 0n) + BigInt(p.netQty));
    money.set(k, (money.get(k) ?? 0n) + p.netMoney);
  }
  for (const [k, q] of qty) assert.equal(q, 0n, `net quantity of ${k}`);
  for (const [k, m] of money) assert.equal(m, 0n, `net money of ${k}`);
  for (const d of ALL_SETTL_DATES) {
    const ob = engine.obligations(d);
    for (const c of ob.ccp) assert.deepEqual([c.netQty, c.netMoney], [0, 0n], `CCP leg of ${c.isin} ${d}`);
    for (const r of ob.members) assert.equal(r.longQty - r.shortQty, r.netQty);
  }
}

/** The engine's positions as a map like the model's (bigint qty). */
function enginePositions(engine: ClearingEngine): Map<string, { member: string; isin: string; settlDate: number; netQty: bigint; netMoney: bigint }> {
  return new Map(engine.positions().map((p) => [`${p.member}|${p.isin}|${p.settlDate}`, { ...p, netQty: BigInt(p.netQty) }]));
}

/** Margin requirement (VaR + gap add-on) per member from the engine's margin book. */
function requirements(engine: ClearingEngine): bigint[] {
  return MEMBERS.map((_, m) => engine.margin!.requirement(m));
}

/** Everything that must not depend on arrival order: all reads but the trade ids. */
function orderFreeView(engine: ClearingEngine) {
  const trades: string[] = [];
  for (let i = 1; i <= engine.tradeCount; i++) {
    const { tradeId: _id, ...rest } = engine.trade(i)!;
    trades.push(JSON.stringify(rest));
  }
  return {
    positions: engine.positions(),
    obligations: ALL_SETTL_DATES.map((d) => engine.obligations(d)),
    mtm: engine.markToMarket(),
    requirement: requirements(engine),
    gross: MEMBERS.map((m) => engine.grossNotional(m)),
    trades: trades.sort(),
    unmatched: engine
      .unmatched()
      .map((u) => JSON.stringify(u))
      .sort(),
  };
}

// ------------------------------------------------------------------------------------------ a, b, f

test('a+b: per security and settlement date the members net to zero in quantity and money (the CCP is flat)', (t) => {
  check(
    t,
    unitsArb(30),
    (units) => {
      const engine = run(buildLog(units));
      assertFlat(engine);
    },
    100,
  );
});

test('f: money is exact — every position equals the bigint sum of −side × round_half_even(qty × price) (codec/decimal qtyTimesPrice)', (t) => {
  let ties = 0;
  check(
    t,
    unitsArb(30),
    (units) => {
      const engine = run(buildLog(units));
      assert.deepEqual(enginePositions(engine), modelPositions(liveDeals(units)));
      for (let i = 1; i <= engine.tradeCount; i++) {
        const v = engine.trade(i)!;
        const exact = BigInt(v.qty) * BigInt(v.price);
        if (exact % 100_000n === 50_000n) ties++;
        assert.equal(BigInt(v.money), qtyTimesPrice(BigInt(v.qty), BigInt(v.price)), `money of trade ${i}`);
      }
      // mark-to-market, independently: Σ round(Σ_dates qty × price) + Σ money per member and security
      const agg = new Map<string, { q: bigint; n: bigint; isin: string }>();
      for (const p of engine.positions()) {
        const k = `${p.member}|${p.isin}`;
        const a = agg.get(k) ?? { q: 0n, n: 0n, isin: p.isin };
        a.q += BigInt(p.netQty);
        a.n += p.netMoney;
        agg.set(k, a);
      }
      for (const m of MEMBERS) {
        let v = 0n;
        for (const [k, a] of agg) if (k.startsWith(`${m}|`)) v += qtyTimesPrice(a.q, BigInt(engine.price(a.isin))) + a.n;
        assert.equal(engine.markToMarket(m), v, `MTM of ${m}`);
      }
    },
    100,
  );
  t.true(ties > 0, 'the generator reaches HALF_EVEN ties');
});

// ------------------------------------------------------------------------------------------ c

test('c: independent trades in any arrival order give the same positions, obligations, MTM, margin and trades', (t) => {
  const arb = unitsArb(30).chain((units) =>
    fc.record({
      units: fc.constant(units),
      order: fc.shuffledSubarray(
        units.map((_, i) => i),
        { minLength: units.length, maxLength: units.length },
      ),
      flips: fc.array(fc.boolean(), { minLength: units.length, maxLength: units.length }),
    }),
  );
  check(
    t,
    arb,
    ({ units, order, flips }) => {
      const a = run(buildLog(units));
      // same units, shuffled, amendments still after their unit, one-sided pairs arriving in either order
      const flipped: Unit[] = units.map((u, i) => (u.kind === 'pair' && flips[i] ? { ...u, buyerFirst: !u.buyerFirst } : u));
      const b = run(buildLog(flipped, order));
      assert.deepEqual(orderFreeView(b), orderFreeView(a));
      assert.equal(b.tradeCount, a.tradeCount);
      // stateDigest is order-dependent by design (CCP trade ids follow arrival order), so it is not compared
      // here; equal orders give equal digests (property d).
    },
    60,
  );
});

// ------------------------------------------------------------------------------------------ d

/** A command of the log as a journal would hold it (concrete arguments). */
type Op =
  | { k: 'trade'; cmd: TradeReport }
  | { k: 'price'; isin: string; price: number }
  | { k: 'biz'; date: number }
  | { k: 'settle'; member: string; isin: string; date: number; qty: number; money: number }
  | { k: 'roll'; from: number; to: number }
  | { k: 'adjust'; member: string; isin: string; date: number; dq: number; dm: number };

/** Execute one op; the result as text (outcome, or the GatewayError code). */
function exec(engine: ClearingEngine, op: Op, now: bigint): string {
  try {
    switch (op.k) {
      case 'trade': {
        const o = engine.submitTrade(op.cmd, now);
        return `${o.status}/${o.rejectReason}/${o.tradeId}/${o.settlDate}/${o.text}/${o.matchedReportId}/${o.marginCalls.join(',')}`;
      }
      case 'price':
        engine.setPrice(op.isin, op.price);
        return 'ok';
      case 'biz':
        engine.setBusinessDate(op.date);
        return 'ok';
      case 'settle':
        engine.settle(op.member, op.isin, op.date, op.qty, op.money, now);
        return 'ok';
      case 'roll':
        return String(engine.rollForward(op.from, op.to, now));
      case 'adjust': {
        const o = engine.adjustPosition(op.member, op.isin, op.date, op.dq, op.dm, 'property', now);
        return `${o.status}/${o.text}/${o.netQty}/${o.netMoney}`;
      }
    }
  } catch (e) {
    if (isGatewayError(e)) return `throw ${e.code}`;
    throw e;
  }
}

interface Plan {
  units: Unit[];
  /** Price updates: before log step `at`, security, cents offset from the refdata price. */
  prices: { at: number; sec: number; cents: number }[];
  /** End of day before log step `eod` (clamped): next business date, settle part of 2026-01-15, roll the rest to 2026-01-16. */
  eod: number;
  /** Settled share of each open position, in quarters (0..4), used in turn. */
  quarters: number[];
  adjust: { at: number; member: number; sec: number; dq: number; dm: number } | null;
}

const planArb: fc.Arbitrary<Plan> = fc.record({
  units: unitsArb(30),
  prices: fc.array(fc.record({ at: fc.nat(60), sec: fc.nat(REFDATA.securities.length - 1), cents: fc.integer({ min: -50, max: 50 }) }), { maxLength: 4 }),
  eod: fc.nat(60),
  quarters: fc.array(fc.integer({ min: 0, max: 4 }), { minLength: 1, maxLength: 8 }),
  adjust: fc.option(
    fc.record({ at: fc.nat(60), member: fc.nat(MEMBERS.length - 1), sec: fc.nat(ISINS.length - 1), dq: fc.integer({ min: -500, max: 500 }), dm: fc.integer({ min: -1e9, max: 1e9 }) }),
  ),
});

/** Run the plan, recording the concrete ops (the journal), the result of each and the digest after each. */
function record(plan: Plan): { ops: Op[]; results: string[]; digests: string[]; risk: string[]; events: RecordingEvents; engine: ClearingEngine } {
  const events = new RecordingEvents();
  const engine = proofEngine(events);
  const ops: Op[] = [];
  const results: string[] = [];
  const digests: string[] = [];
  /** Margin requirement and MTM of every member (not in the digest: derived state of the books). */
  const risk: string[] = [];
  const doOp = (op: Op): void => {
    ops.push(op);
    results.push(exec(engine, op, BigInt(ops.length)));
    digests.push(engine.stateDigest());
    risk.push(riskOf(engine));
  };
  const log = buildLog(plan.units);
  const eodAt = Math.min(plan.eod, log.length);
  let quarter = 0;
  for (let i = 0; i <= log.length; i++) {
    for (const p of plan.prices) if (p.at === i) doOp({ k: 'price', isin: ISINS[p.sec], price: engine.price(ISINS[p.sec]) + p.cents * 10_000_000 });
    const a = plan.adjust;
    if (a !== null && a.at === i && (a.dq !== 0 || a.dm !== 0))
      doOp({ k: 'adjust', member: MEMBERS[a.member], isin: ISINS[a.sec], date: engine.businessDate === BIZ ? 20260116 : 20260120, dq: a.dq, dm: a.dm });
    if (i === eodAt) {
      doOp({ k: 'biz', date: NEXT_BIZ });
      for (const p of engine.positions(undefined, 20260115)) {
        const f = BigInt(plan.quarters[quarter++ % plan.quarters.length]);
        doOp({ k: 'settle', member: p.member, isin: p.isin, date: 20260115, qty: Number((BigInt(p.netQty) * f) / 4n), money: Number((p.netMoney * f) / 4n) });
      }
      doOp({ k: 'roll', from: 20260115, to: 20260116 });
    }
    if (i < log.length) doOp({ k: 'trade', cmd: log[i].cmd });
  }
  return { ops, results, digests, risk, events, engine };
}

function riskOf(engine: ClearingEngine): string {
  return MEMBERS.map((m, i) => `${engine.margin!.requirement(i)}/${engine.markToMarket(m)}`).join(' ');
}

test('d: replaying the same command log into a fresh engine rebuilds an identical state (stateDigest after every command)', (t) => {
  let settled = 0;
  let refusals = 0;
  check(
    t,
    planArb,
    (plan) => {
      const a = record(plan);
      // the journal replayed: a fresh engine, tiny tables (so they grow and rehash differently), same ops
      const events = new RecordingEvents();
      const b = new ClearingEngine(REFDATA, sampleConfig({ onRiskBreach: 'reject' }), events, BIZ, { initialCapacity: 2 });
      const results = a.ops.map((op, i) => exec(b, op, BigInt(i + 1)));
      assert.deepEqual(results, a.results);
      assert.equal(b.stateDigest(), a.engine.stateDigest());
      assert.deepEqual(events.log, a.events.log);
      assert.deepEqual(orderFreeView(b), orderFreeView(a.engine));
      // and step by step: a replay of every prefix has that prefix's digest
      const c = proofEngine();
      a.ops.forEach((op, i) => {
        exec(c, op, BigInt(i + 1));
        assert.equal(c.stateDigest(), a.digests[i], `digest after op ${i} (${op.k})`);
      });
      // a refused command (rejected report or adjustment, thrown edge call) changes nothing
      const fresh = proofEngine();
      a.results.forEach((r, i) => {
        if (!(r.startsWith(`${TradeStatus.Rejected}/`) || r.startsWith('throw '))) return;
        refusals++;
        assert.equal(a.digests[i], i === 0 ? fresh.stateDigest() : a.digests[i - 1], `refused op ${i} (${a.ops[i].k}: ${r}) changed the state`);
        assert.equal(a.risk[i], i === 0 ? riskOf(fresh) : a.risk[i - 1], `refused op ${i} (${a.ops[i].k}: ${r}) changed margin or MTM`);
      });
      // the journal's positionChanged events, folded (last value per key), rebuild the open positions
      const folded = new Map<string, [number, number]>();
      for (const ev of a.events.positions()) folded.set(`${ev.member}|${ev.isin}|${ev.settlDate}`, [ev.netQty, ev.netMoney]);
      assert.deepEqual(
        [...folded].filter(([, [q, n]]) => q !== 0 || n !== 0).sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0)),
        a.engine
          .positions()
          .map((p): [string, [number, number]] => [`${p.member}|${p.isin}|${p.settlDate}`, [p.netQty, Number(p.netMoney)]])
          .sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0)),
        'positions rebuilt from the events',
      );
      settled += a.ops.filter((o) => o.k === 'settle' && o.qty !== 0).length;
      assertFlatCcp(a.engine);
    },
    40,
  );
  t.true(settled > 0, 'the plans settle something');
  t.true(refusals > 0, 'the plans contain refused commands (after the end of day, reports for the closed date)');
});

/**
 * Dates no settlement or roll touched stay flat (CCP leg = its adjustment account, zero without
 * adjustments). 2026-01-16 is not checked: members settle 2026-01-15 one by one with their own
 * fractions, so what rolls into it is the members' fails, which need not net to zero (the CCP holds
 * what it received and did not deliver).
 */
function assertFlatCcp(engine: ClearingEngine): void {
  for (const d of [20260120, 20260121]) {
    const ob = engine.obligations(d);
    const adj = engine.ccpAdjustments().filter((x) => x.settlDate === d);
    for (const c of ob.ccp) {
      const a = adj.find((x) => x.isin === c.isin);
      assert.deepEqual([c.netQty, c.netMoney], [a?.netQty ?? 0, a?.netMoney ?? 0n], `CCP leg of ${c.isin} ${d}`);
    }
  }
}

// ------------------------------------------------------------------------------------------ e

test('e: a cancel after a new report is a no-op on positions, obligations, MTM, margin requirement and gross notional', (t) => {
  const arb = fc.record({
    prefix: unitsArb(20),
    unit: unitArb(false),
    byBuyer: fc.boolean(),
    lone: fc.boolean(),
  });
  check(
    t,
    arb,
    ({ prefix, unit, byBuyer, lone }) => {
      const engine = run(buildLog(prefix));
      const before = orderFreeView(engine);
      const digestBefore = engine.stateDigest();
      const mtmBefore = new Map(MEMBERS.map((m) => [m, engine.markToMarket(m)]));
      const n = prefix.length;
      let member: number | string;
      let ref: string;
      if (lone && unit.kind === 'pair') {
        // a one-sided report that finds no mirror (unique match id), then cancelled from the book
        const cmd = oneSidedReport(unit.deal, byBuyer, `L${n}`, `LONE${n}`);
        runSteps(engine, [{ cmd, expect: TradeStatus.PendingMatch }], 1000);
        member = byBuyer ? unit.deal.buyer : unit.deal.seller;
        ref = `L${n}`;
      } else {
        runSteps(engine, unitSteps(unit, n), 1000);
        const tid = engine.tradeCount;
        assert.equal(engine.trade(tid)!.state, 'active');
        ({ member, ref } = amender(unit, n, byBuyer));
      }
      const o = engine.submitTrade(cancelReport(member, `C${n}`, ref), 2000n);
      assert.equal(o.status, TradeStatus.Cancelled, o.text);
      const after = orderFreeView(engine);
      assert.deepEqual(after.positions, before.positions);
      assert.deepEqual(after.obligations, before.obligations);
      for (const m of MEMBERS) assert.equal(engine.markToMarket(m), mtmBefore.get(m), `MTM of ${m}`);
      assert.deepEqual(after.mtm, before.mtm, 'markToMarket() rows');
      assert.deepEqual(after.requirement, before.requirement);
      assert.deepEqual(after.gross, before.gross);
      assert.deepEqual(after.unmatched, before.unmatched);
      // the state itself is not the same: the cancelled trade and both report ids stay recorded
      assert.notEqual(engine.stateDigest(), digestBefore);
    },
    100,
  );
});

// ------------------------------------------------------------------------------------------ generator sanity

test('the generators produce valid, varied scenarios (every command accepted; crosses, pairs, amendments, all dates)', (t) => {
  const seen = new Set<string>();
  fc.assert(
    fc.property(unitsArb(30), (units) => {
      const engine = run(buildLog(units));
      for (const u of units) seen.add(`${u.kind}/${u.amend.kind}/${u.deal.buyer === u.deal.seller ? 'cross' : 'pair'}`);
      for (const p of engine.positions()) seen.add(`date ${p.settlDate}`);
    }),
    { seed: SEED, numRuns: 30 },
  );
  for (const k of ['two/none/cross', 'two/cancel/pair', 'two/replace/pair', 'pair/none/pair', 'pair/cancel/pair', 'pair/replace/pair', 'venue/cancel/pair', 'venue/replace/pair'])
    t.true(seen.has(k), k);
  for (const d of ALL_SETTL_DATES) t.true(seen.has(`date ${d}`), `settlement date ${d}`);
});

// ------------------------------------------------------------------------------------------ found by e

test('markToMarket() lists only members with open positions: not after a cancel, nor after a rejected trade', (t) => {
  // The contract (engine.ts): "without [a member]: one row per member with positions". A member whose
  // only trade was cancelled, or whose trade was rejected after its rows were located, has none.
  const engine = proofEngine();
  const deal = { buyer: 0, seller: 1, buyAcct: '', sellAcct: '', sec: 2, qty: 10, price: 12_340_000_000, tradeDate: 20260115, settlDate: 0 };
  runSteps(engine, [
    { cmd: unitSteps({ kind: 'two', deal, buyerFirst: true, flag: false, amend: { kind: 'none' }, delay: 0 }, 0)[0].cmd, expect: TradeStatus.Accepted },
    { cmd: cancelReport(0, 'C0', 'U0'), expect: TradeStatus.Cancelled },
  ]);
  t.deepEqual(engine.positions(), []);
  t.deepEqual(engine.markToMarket(), [], 'no member has a position after the cancel');

  // a trade rejected by a risk limit after locate() created its rows
  const e2 = new ClearingEngine(
    { ...REFDATA, members: REFDATA.members.map((m) => ({ ...m, limits: { ...m.limits, netPositionPerSecurity: 5 } })) },
    sampleConfig({ onRiskBreach: 'reject' }),
    new RecordingEvents(),
    BIZ,
  );
  const o = e2.submitTrade(unitSteps({ kind: 'two', deal, buyerFirst: true, flag: false, amend: { kind: 'none' }, delay: 0 }, 1)[0].cmd, 1n);
  t.is(o.status, TradeStatus.Rejected);
  t.deepEqual(e2.positions(), []);
  t.deepEqual(e2.markToMarket(), [], 'a rejected trade leaves no MTM row');
});

// ------------------------------------------------------------------------------------------ found while writing the generators

test('a two-sided report and the equivalent matched one-sided pair are accepted or rejected alike (same-firm crosses included)', (t) => {
  // engine.ts: "the same clearing firm on both sides is allowed (an internal cross between two
  // accounts) but not the same firm *and* account [751=1]". The locked-in path enforces it; the same
  // trade reached through matching must not slip past it.
  const parties = fc.record({
    buyer: fc.nat(N_MEMBERS - 1),
    seller: fc.oneof(fc.nat(N_MEMBERS - 1), fc.constant(-1)),
    buyAcct: fc.constantFrom('', 'HOUSE', 'CUST'),
    sellAcct: fc.constantFrom('', 'HOUSE', 'CUST'),
  });
  const arb = parties.chain((p) => dealArb(true, { ...p, seller: p.seller < 0 ? p.buyer : p.seller }));
  check(
    t,
    arb,
    (deal) => {
      const a = proofEngine();
      const oa = a.submitTrade(twoSidedReport(deal, 'T', true), 1n);
      const two = { status: oa.status, reason: oa.rejectReason };
      const b = proofEngine();
      const first = b.submitTrade(oneSidedReport(deal, true, 'B'), 1n).status;
      const ob = b.submitTrade(oneSidedReport(deal, false, 'S'), 2n);
      // engine.ts: the mirror of a same-firm same-account cross is rejected (751=1), the first report keeps waiting
      const pair =
        first === TradeStatus.Rejected || ob.status === TradeStatus.Rejected ? 'rejected' : ob.status === TradeStatus.Accepted ? 'accepted' : `status ${ob.status}`;
      assert.equal(pair, two.status === TradeStatus.Accepted ? 'accepted' : 'rejected', `two-sided: ${two.status}/${two.reason} ${oa.text}; pair: ${pair}`);
      if (pair === 'accepted') assert.deepEqual(b.positions(), a.positions());
    },
    100,
  );
});

// ------------------------------------------------------------------------------------------ found by the "refused changes nothing" check

test('a refused rollForward changes nothing (it is all-or-nothing, like settle and adjustPosition)', (t) => {
  // Two fails on 01-16 (M0001 long, M0002 short). M0002 already holds money close to 2^53−1 on 01-20
  // (adjustments, offset on 01-21 so that its aggregate stays exact), so moving its fail into 01-20
  // leaves the exact range: rollForward must refuse. It throws ENGINE_RANGE, but only after it has
  // moved M0001's fail and closed 01-16: the state is half rolled and each date is no longer flat.
  const engine = proofEngine();
  const deal = { buyer: 0, seller: 1, buyAcct: '', sellAcct: '', sec: 2, qty: 100, price: 12_340_000_000, tradeDate: 20260115, settlDate: 0 };
  runSteps(engine, [{ cmd: twoSidedReport(deal, 'T1', true), expect: TradeStatus.Accepted }]);
  t.is(engine.adjustPosition(MEMBERS[1], ISINS[2], 20260121, 0, -1e15, 'offset', 2n).status, 0);
  t.is(engine.adjustPosition(MEMBERS[1], ISINS[2], 20260120, 0, Number.MAX_SAFE_INTEGER - 1000, 'near the limit', 3n).status, 0);
  const digest = engine.stateDigest();
  const before = engine.positions();
  const e = t.throws(() => engine.rollForward(20260116, 20260120, 4n));
  t.true(isGatewayError(e, 'ENGINE_RANGE'), e?.message);
  t.deepEqual(engine.positions(), before, 'no position moved');
  t.is(engine.stateDigest(), digest, 'nothing changed (01-16 not closed either)');
});
