/**
 * The hot path allocates nothing: numeric gets, comparisons and group iteration on a FixMessage, and
 * framing + indexing a message with the TS framer. In a file of its own: garbage other tests leave
 * behind would trigger collections during the probe (see test/fix/dictionary-alloc.test.ts).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import test from 'ava';
import { FixFramer, type FixSink } from '../../src/fix/framer.js';
import { FixGroup, FixMessage } from '../../src/fix/message.js';
import { allocProbe, isClean, probeUntilClean } from '../../perf/harness.js';
import { PROJECT_ROOT } from '../helpers/refdata.js';

const tcr = new Uint8Array(fs.readFileSync(path.join(PROJECT_ROOT, 'perf', 'corpus', 'tcr.fix')));
const nos = new Uint8Array(fs.readFileSync(path.join(PROJECT_ROOT, 'perf', 'corpus', 'nos.fix')));

// Keep a copy of the TCR payload to read from.
const framer = new FixFramer();
let payload = new Uint8Array(0);
framer.push(tcr, {
  onMessage: (v) => {
    const start = v.rawOffset - 16 - v.fieldCount * 16;
    payload = v.buffer.slice(start, v.rawOffset + v.rawLength);
  },
  onGarbled: () => undefined,
});
const m = new FixMessage().wrap(payload, 0);
const sides = new FixGroup();
const parties = new FixGroup();
const CCP = new TextEncoder().encode('CCP');
const AE = new TextEncoder().encode('AE');

// `| 0` keeps the sink a small integer: a growing double would allocate a heap number per store.
let sink = 0;

const streamFramer = new FixFramer();
const counter: FixSink = {
  onMessage: (v) => (sink = (sink + v.getInt(34) + v.fieldCount) | 0),
  onGarbled: () => (sink = (sink + 1000) | 0),
};
const half = tcr.length >> 1;
const tcrA = tcr.subarray(0, half);
const tcrB = tcr.subarray(half);

const OPS: ReadonlyArray<[string, () => void]> = [
  ['getInt', () => (sink = (sink + m.getInt(34)) | 0)],
  ['getDecimal', () => (sink = (sink + m.getDecimal(32, 0)) | 0)],
  ['getDecimal (absent: NaN sentinel)', () => (sink = (sink + (m.getDecimal(44, -9) === m.getDecimal(44, -9) ? 1 : 2)) | 0)],
  ['valueEquals + msgTypeEquals', () => (sink = (sink + (m.valueEquals(56, CCP) ? 1 : 0) + (m.msgTypeEquals(AE) ? 1 : 0)) | 0)],
  [
    'nested group iteration with getters',
    () => {
      for (m.group(552, sides); sides.next(); ) {
        sink = (sink + sides.getInt(54)) | 0;
        for (sides.group(453, parties); parties.next(); ) sink = (sink + parties.getInt(452)) | 0;
      }
    },
  ],
  ['wrap', () => (sink = (sink + m.wrap(payload, 0).fieldCount) | 0)],
  ['framer: frame + index one message (whole)', () => streamFramer.push(nos, counter)],
  [
    'framer: frame + index one message split across two reads',
    () => {
      streamFramer.push(tcrA, counter);
      streamFramer.push(tcrB, counter);
    },
  ],
];

for (const [name, op] of OPS) {
  test.serial(`${name} allocates nothing (GC probe)`, async (t) => {
    // Warm up past TurboFan's concurrent compile of the framer (tens of ms): until its optimised
    // code is installed, baseline code boxes uint32 table reads as heap numbers.
    const warm = name.startsWith('framer') ? 500_000 : 1_000_000; // keeps the framer rounds short under c8
    for (let i = 0; i < warm; i++) op();
    await allocProbe(op, 200_000);
    const rounds = await probeUntilClean(op, 250_000);
    const last = rounds[rounds.length - 1]!;
    t.true(isClean(last), JSON.stringify(rounds));
    t.not(sink, 0);
  });
}
