/**
 * The framer's allocation-free dictionary lookups (src/fix/framer.ts) agree with dictionary.ts on
 * every (container, member tag) pair, on tags a container does not hold, and on every MsgType.
 */
import test from 'ava';
import { FIX44 } from '../../src/generated/fix/fix44.js';
import { FIX50SP2 } from '../../src/generated/fix/fix50sp2.js';
import * as dictionary from '../../src/fix/dictionary.js';
import { memberOf, messageDefBytes } from '../../src/fix/framer.js';

for (const tables of [FIX44, FIX50SP2]) {
  test(`${tables.name}: memberOf and messageDefBytes agree with dictionary.ts`, (t) => {
    const d = dictionary.loadFixDictionary(tables);
    let checked = 0;
    let mismatches = 0;
    for (let c = -1; c <= d.containerCount; c++) {
      const from = tables.containerStart[Math.max(0, Math.min(c, d.containerCount))]!;
      const to = c >= 0 && c < d.containerCount ? tables.containerStart[c + 1]! : from;
      const tags = [0, 1, 8, 35, 54, 448, 552, 99999];
      for (let k = from; k < to; k++) tags.push(tables.memberTag[k]!);
      for (const tag of tags) {
        checked++;
        if (memberOf(d, c, tag) !== dictionary.memberOf(d, c, tag)) mismatches++;
      }
    }
    t.is(mismatches, 0);
    t.true(checked > 1000);
    const enc = new TextEncoder();
    for (const type of [...tables.msgTypes, 'ZZ', '', 'AEX']) {
      const b = enc.encode(` ${type} `);
      t.is(messageDefBytes(d, b, 1, b.length - 2), dictionary.messageDefBytes(d, b, 1, b.length - 2), type);
    }
  });
}
