/** Determinism: same commands → same state digest and events; independent trades in any order → same positions. */
import test from 'ava';
import type { TradeReport } from '../../src/engine/types.js';
import { TradeStatus } from '../../src/engine/types.js';
import { AAPL, IBM, MSFT, SPY, makeEngine, oneSided, twoSided } from './fixtures.js';
import { Prng } from '../codec/prng.js';

const MEMBERS = ['MBR1', 'MBR2', 'MBR3'];
const SECS = [AAPL, MSFT, IBM, SPY];

function commands(seed: number, n: number): TradeReport[] {
  const rng = new Prng(seed);
  const out: TradeReport[] = [];
  for (let i = 0; i < n; i++) {
    const b = rng.intIn(0, 2);
    const s = (b + rng.intIn(1, 2)) % 3;
    const sec = SECS[rng.intIn(0, SECS.length - 1)];
    const qty = sec.lotSize * rng.intIn(1, 30);
    const price = sec.price + rng.intIn(-500, 500) * 1_000_001;
    const kind = rng.intIn(0, 9);
    if (kind < 6) out.push(twoSided({ reportId: `T${i}`, buyer: MEMBERS[b], seller: MEMBERS[s], securityId: sec.isin, qty, price, settlDate: kind === 0 ? 20260120 : 0 }));
    else {
      // a one-sided pair (adjacent, either order)
      const bb = oneSided(MEMBERS[b], 1, MEMBERS[s], { reportId: `B${i}`, securityId: sec.isin, qty, price });
      const ss = oneSided(MEMBERS[s], 2, MEMBERS[b], { reportId: `S${i}`, securityId: sec.isin, qty, price });
      out.push(...(kind < 8 ? [bb, ss] : [ss, bb]));
    }
    if (kind === 9 && i > 3) out.push(twoSided({ transType: 1, reportId: `C${i}`, refId: `T${i - 3}`, buyer: MEMBERS[0] })); // may or may not apply
  }
  return out;
}

function run(cmds: TradeReport[], clock?: () => bigint) {
  const { engine, events } = makeEngine({ options: clock ? { clock } : {} });
  const outcomes = cmds.map((c, i) => {
    const o = engine.submitTrade(c, BigInt(i) * 1000n);
    return `${o.status}/${o.rejectReason}/${o.tradeId}/${o.text}`;
  });
  return { engine, events, outcomes };
}

test('same commands → same outcomes, events and state digest', (t) => {
  const cmds = commands(42, 400);
  const a = run(cmds);
  const b = run(cmds);
  t.deepEqual(a.outcomes, b.outcomes);
  t.deepEqual(a.events.log, b.events.log);
  t.is(a.engine.stateDigest(), b.engine.stateDigest());
  t.regex(a.engine.stateDigest(), /^[0-9a-f]{16}$/);
  t.true(a.engine.tradeCount > 300);
});

test('an injected clock stamps stage events only: the state is the same', (t) => {
  const cmds = commands(7, 100);
  let tick = 0n;
  const a = run(cmds, () => ++tick);
  const b = run(cmds);
  t.is(a.engine.stateDigest(), b.engine.stateDigest());
  t.notDeepEqual(a.events.log, b.events.log, 'timestamps differ');
  const stamps = a.events.log.flatMap((e) => (e.kind === 'stage' && e.tradeId === 1n ? [e.atNs] : []));
  t.is(stamps.length, 9);
  t.deepEqual(
    stamps,
    [...stamps].sort((x, y) => (x < y ? -1 : x > y ? 1 : 0)),
    'non-decreasing per stage',
  );
});

test('independent trades in a different order → the same positions and obligations', (t) => {
  const cmds = commands(99, 300).filter((c) => c.transType === 0);
  // keep each one-sided pair adjacent, shuffle the units
  const units: TradeReport[][] = [];
  for (let i = 0; i < cmds.length; i++) {
    if (cmds[i].sideCount === 1) {
      units.push([cmds[i], cmds[i + 1]]);
      i++;
    } else units.push([cmds[i]]);
  }
  const rng = new Prng(3);
  const shuffled = [...units];
  for (let i = shuffled.length - 1; i > 0; i--) {
    const j = rng.intIn(0, i);
    [shuffled[i], shuffled[j]] = [shuffled[j], shuffled[i]];
  }
  const a = run(units.flat());
  const b = run(shuffled.flat());
  t.true(a.outcomes.every((o) => !o.startsWith(String(TradeStatus.Rejected))));
  t.deepEqual(a.engine.positions(), b.engine.positions());
  t.deepEqual(a.engine.obligations(20260116), b.engine.obligations(20260116));
  t.deepEqual(a.engine.markToMarket(), b.engine.markToMarket());
  t.is(a.engine.tradeCount, b.engine.tradeCount);
  t.not(a.engine.stateDigest(), b.engine.stateDigest(), 'trade ids follow arrival order, so the full state differs');
});

test('the digest sees every kind of state change', (t) => {
  const { engine } = makeEngine();
  const seen = new Set([engine.stateDigest()]);
  const step = (f: () => unknown): void => {
    f();
    const d = engine.stateDigest();
    t.false(seen.has(d));
    seen.add(d);
  };
  step(() => engine.submitTrade(twoSided(), 1n));
  step(() => engine.submitTrade(oneSided('MBR1', 1, 'MBR3'), 2n));
  step(() => engine.setPrice(AAPL.isin, AAPL.price + 1));
  step(() => engine.adjustPosition('MBR1', AAPL.isin, 20260116, 1, 0, 'x', 3n));
  step(() => engine.submitTrade(twoSided({ transType: 1, reportId: 'C', refId: 'R1' }), 4n));
  step(() => engine.rollForward(20260116, 20260120));
  step(() => engine.setBusinessDate(20260116));
});
