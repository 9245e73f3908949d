/**
 * FixMessage / FixGroup views (src/fix/message.ts) over payloads written by the TS framer, at any
 * 4-aligned offset of a larger buffer (as in a ring): getters by tag per level, sentinels, exact
 * decimals, nested group iteration.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import test from 'ava';
import { DecimalStatus, INT64_NULL, PRICE_EXPONENT, decimalStatus } from '../../src/codec/decimal.js';
import { FieldStatus, FixGroup, FixMessage } from '../../src/fix/message.js';
import { PROJECT_ROOT } from '../helpers/refdata.js';
import { bytes, frame } from '../helpers/fix-frames.js';
import { wire } from './corpus.js';

const tcr = new Uint8Array(fs.readFileSync(path.join(PROJECT_ROOT, 'perf', 'corpus', 'tcr.fix')));
const ascii = (s: string): Uint8Array => new TextEncoder().encode(s);

/** The payload of `raw`'s index, copied into a bigger buffer at `offset` (like a ring frame). */
function payloadAt(raw: Uint8Array, offset: number): Uint8Array {
  const e = frame([raw])[0]!;
  if (e.kind !== 'message') throw new Error('not a message');
  const buf = new Uint8Array(offset + e.payload.length + 8);
  buf.fill(0xee);
  buf.set(e.payload, offset);
  return buf;
}

test('top-level getters over a payload at a ring offset', (t) => {
  const m = new FixMessage().wrap(payloadAt(tcr, 32), 32);
  t.is(m.msgType, 'AE');
  t.true(m.msgTypeEquals(ascii('AE')));
  t.false(m.msgTypeEquals(ascii('AEX')));
  t.is(m.fieldCount, 28);
  t.is(m.rawLength, 226);
  t.is(m.dictionary, 1);
  t.is(m.problem, 0);
  t.is(m.problemTag, 0);
  t.is(m.problemField, 0);
  t.is(m.msgTypeLength, 2);
  t.is(m.tagAt(0), 8);
  t.is(m.getInt(34), 2);
  t.is(m.status, FieldStatus.OK);
  t.is(m.getInt(9), 203);
  t.is(m.getString(49), 'M1');
  t.is(m.getDecimal(31, PRICE_EXPONENT), 187_250_000_000);
  t.is(m.getDecimal(32, 0), 500);
  t.is(m.getDecimalBig(31, PRICE_EXPONENT), 187_250_000_000n);
  t.true(m.valueEquals(56, ascii('CCP')));
  t.false(m.valueEquals(56, ascii('CC')));
  t.true(m.has(10));
  // group members are not at the top level
  t.false(m.has(54));
  t.false(m.has(448));
  t.is(m.getString(448), undefined);
  t.is(m.status, FieldStatus.ABSENT);
  const dest = new Uint8Array(8);
  t.is(m.getBytes(55, dest, 2), 4);
  t.deepEqual(Array.from(dest.subarray(2, 6)), Array.from(ascii('AAPL')));
  t.is(m.getBytes(55, dest, 6), -1, 'too short');
  t.is(m.getBytes(999, dest), -1);
});

test('sentinels: absent and not-a-number', (t) => {
  const raw = bytes(wire('8=FIX.4.4\x0135=D\x0149=A\x0156=B\x0134=x1\x0144=1.2345\x0138=-0\x0111=-12\x0158=9007199254740992\x01'));
  const m = new FixMessage().wrap(payloadAt(raw, 0), 0);
  t.true(Number.isNaN(m.getInt(999)));
  t.is(m.status, FieldStatus.ABSENT);
  t.true(Number.isNaN(m.getInt(34)));
  t.is(m.status, FieldStatus.NOT_A_NUMBER);
  t.is(m.getInt(11), -12);
  t.is(m.getInt(38), 0);
  t.true(Number.isNaN(m.getInt(58)), 'beyond 2^53-1');
  t.true(Number.isNaN(m.getDecimal(44, -2)), 'precision is never lost silently');
  t.is(decimalStatus(), DecimalStatus.PRECISION);
  t.is(m.status, FieldStatus.NOT_A_NUMBER);
  t.is(m.getDecimal(44, -4), 12345);
  t.true(Number.isNaN(m.getDecimal(999, -4)));
  t.is(m.status, FieldStatus.ABSENT);
  t.is(m.getDecimalBig(999, -4), INT64_NULL);
  t.is(m.getDecimalBig(58, 0), 9007199254740992n);
});

test('group iteration with nested groups, entry-scoped getters', (t) => {
  const m = new FixMessage().wrap(payloadAt(tcr, 8), 8);
  t.is(m.groupCount(552), 2);
  t.is(m.groupCount(453), 0, 'nested group not at the top level');
  const sides = new FixGroup();
  const parties = new FixGroup();
  const seen: string[] = [];
  t.is(m.group(552, sides), 2);
  while (sides.next()) {
    const side = sides.getInt(54);
    t.is(sides.groupCount(453), side === 1 ? 2 : 1);
    t.false(sides.has(552));
    t.false(sides.has(448), 'nested members are not in the entry scope');
    for (sides.group(453, parties); parties.next(); ) seen.push(`${sides.index}:${side}:${parties.index}:${parties.getString(448)}/${parties.getInt(452)}`);
  }
  t.deepEqual(seen, ['0:1:0:MA/1', '0:1:1:CA/4', '1:2:0:MB/1']);
  t.false(sides.next(), 'stays at the end');
  t.is(m.group(999, sides), 0);
  t.false(sides.next());
});

test('a view is reused across messages and buffers', (t) => {
  const m = new FixMessage();
  const a = payloadAt(tcr, 0);
  const b = payloadAt(bytes(wire('8=FIX.4.4\x0135=0\x0149=A\x0156=B\x0134=7\x01')), 16);
  t.is(m.wrap(a, 0).getInt(34), 2);
  t.is(m.wrap(b, 16).getInt(34), 7);
  t.is(m.msgType, '0');
  t.is(m.wrap(a, 0).msgType, 'AE');
});

test('wrap rejects a payload that is not 4-aligned', (t) => {
  const buf = payloadAt(tcr, 4);
  t.throws(() => new FixMessage().wrap(buf, 2), { instanceOf: RangeError });
  t.notThrows(() => new FixMessage().wrap(buf.subarray(4), 0));
});

test('getString is latin1 (one char per byte), long values too', (t) => {
  const long = 'x'.repeat(100) + '\u00e9\u0085';
  const raw = new Uint8Array(Buffer.from(wire(`8=FIX.4.4\x0135=0\x0149=A\x0156=B\x0134=7\x0158=${long}\x01`), 'latin1'));
  const m = new FixMessage().wrap(payloadAt(raw, 0), 0);
  t.is(m.getString(58), long);
});
