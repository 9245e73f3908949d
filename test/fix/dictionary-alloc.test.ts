/**
 * The dictionary lookups allocate nothing. In a file of its own: the garbage other tests leave behind
 * would trigger collections during the probe.
 */
import test from 'ava';
import { FIX44 } from '../../src/generated/fix/fix44.js';
import {
  fieldType,
  groupDef,
  groupDelimiter,
  isHeaderTag,
  isValidEnum,
  isValidEnumString,
  loadFixDictionary,
  memberOf,
  messageDef,
  messageDefBytes,
} from '../../src/fix/dictionary.js';
import { allocProbe, isClean, probeUntilClean } from '../../perf/harness.js';

const d44 = loadFixDictionary(FIX44);
const value = new Uint8Array(16).fill(1);
value.set(new TextEncoder().encode('1 2 A'), 3);
const msgType = new Uint8Array(8).fill(1);
msgType.set(new TextEncoder().encode('AE'), 2);
const ae = messageDef(d44, 'AE');
const sides = groupDef(d44, ae, 552);

// `| 0` keeps the sink a small integer: a growing double would allocate a heap number per store.
let sink = 0;
const OPS: ReadonlyArray<[string, () => void]> = [
  ['messageDefBytes', () => (sink = (sink + messageDefBytes(d44, msgType, 2, 2)) | 0)],
  ['messageDef', () => (sink = (sink + messageDef(d44, 'D')) | 0)],
  ['groupDef + groupDelimiter', () => (sink = (sink + groupDelimiter(d44, groupDef(d44, ae, 552))) | 0)],
  ['memberOf', () => (sink = (sink + memberOf(d44, sides, 37)) | 0)],
  ['fieldType', () => (sink = (sink + fieldType(d44, 54)) | 0)],
  ['isHeaderTag', () => (sink = (sink + (isHeaderTag(d44, 49) ? 1 : 0)) | 0)],
  ['isValidEnum (multi-value)', () => (sink = (sink + (isValidEnum(d44, 18, value, 3, 5) ? 1 : 0)) | 0)],
  ['isValidEnum', () => (sink = (sink + (isValidEnum(d44, 54, value, 3, 1) ? 1 : 0)) | 0)],
  ['isValidEnumString', () => (sink = (sink + (isValidEnumString(d44, 18, '1 2 A') ? 1 : 0)) | 0)],
];

for (const [name, op] of OPS) {
  test.serial(`${name} allocates nothing (GC probe)`, async (t) => {
    // The first round warms up (interpreted and baseline runs leave garbage behind). A collection
    // started by something else (the test runner, coverage) can land in a round, so a round is retried:
    // one clean round of half a million calls, no collection and no new-space growth, proves the point
    // (an allocating lookup grows the young generation, and so triggers collections, in every round).
    await allocProbe(op);
    const rounds = await probeUntilClean(op, 500_000);
    const last = rounds[rounds.length - 1]!;
    t.true(isClean(last), JSON.stringify(rounds));
    t.not(sink, 0);
  });
}
