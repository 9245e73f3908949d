/**
 * GatewayMetrics' hot-path calls allocate nothing (GC probe): counting a message by MsgType, a reject,
 * an accepted trade, a stage latency. In a file of its own so that other tests' garbage does not
 * trigger collections during the probe (see test/fix/message-alloc.test.ts).
 */
import test from 'ava';
import { GatewayMetrics, RejectKind, Stage } from '../../src/admin/metrics.js';
import { isClean, probeUntilClean } from '../../perf/harness.js';

const m = new GatewayMetrics({ defaultMetrics: false });
const TYPES = ['AE', 'AR', '0', 'D', '8'];
for (const t of TYPES) m.messageIn(t); // first sight of a label allocates its slot (once)
for (const t of TYPES) m.messageOut(t);
const ring = m.ringSlot('inbound');
let i = 0;

const OPS: ReadonlyArray<[string, () => void]> = [
  ['messageIn + messageOut', () => {
    m.messageIn(TYPES[i % 5]!);
    m.messageOut(TYPES[(i + 1) % 5]!);
    i = (i + 1) | 0;
  }],
  ['reject + tradeAccepted', () => {
    m.reject(RejectKind.Trade);
    m.sessionReject();
    m.businessReject();
    m.tradeAccepted();
  }],
  ['observeStageNs', () => {
    m.observeStageNs(Stage.Validated, (i & 0xffff) * 37);
    m.observeStageNs(Stage.RoundTrip, 25_000);
    i = (i + 1) | 0;
  }],
  ['gauges', () => {
    m.setJournalLag(i & 0xfff);
    m.setRingOccupancy(ring, i & 0xffff, 65536);
    i = (i + 1) | 0;
  }],
];

for (const [name, op] of OPS) {
  test.serial(`${name} allocates nothing (GC probe)`, async (t) => {
    for (let k = 0; k < 1_000_000; k++) op();
    const rounds = await probeUntilClean(op, 250_000);
    t.true(isClean(rounds[rounds.length - 1]!), JSON.stringify(rounds));
  });
}

test.serial('the counts are right after the probes', (t) => {
  const s = m.snapshot();
  t.true(s.messagesIn.total > 1_000_000);
  t.is(s.messagesIn.total, s.messagesOut.total);
  t.is(s.rejects.trade, s.tradesAccepted);
  t.is(s.rejects.session, s.tradesAccepted);
  t.is(s.rejects.business, s.tradesAccepted);
  t.is(s.stages.find((x) => x.stage === 'validated')!.count, s.stages.find((x) => x.stage === 'round_trip')!.count);
});
