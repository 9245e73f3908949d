/**
 * The byte-level twins of the session layer's string helpers agree with them: data formats
 * (validFormatBytes vs the regex definitions of validFormat), SendingTime parsing, timestamp and
 * integer formatting; and the held-message queue against a plain array model.
 */
import test from 'ava';
import { FieldType } from '../../src/fix/dictionary.js';
import { FixBuilder, formatUtcTimestamp, parseUtcTimestamp, parseUtcTimestampBytes, scanUtcTimestampBytes, writeUtcTimestampMs } from '../../src/session/builder.js';
import { PendingQueue } from '../../src/session/pending.js';
import { validFormat, validFormatBytes } from '../../src/session/validator.js';

const latin1 = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'latin1'));

/** A deterministic PRNG (xorshift32). */
function rng(seed: number): () => number {
  let x = seed | 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 4294967296;
  };
}

const EDGE_VALUES = [
  '', '0', '-', '-0', '00', '+1', '1', '-1', '12a', '1.', '.5', '-.5', '-.', '.', '1.2.3', '1e5', ' 1', '1 ', '١',
  'Y', 'N', 'y', 'YN', 'A', 'AB',
  '20260105', '2026010', '202601055', '2026-01-05', '202601', '202601w1', '202601w', '20260105x', '2026013w',
  '09:00:00', '09:00:00.123', '09:00:00.123456', '09:00:00.123456789', '09:00:00.12', '9:00:00', '09:00:00.1234', '09-00-00', '09:00:0a',
  '20260105-09:00:00', '20260105-09:00:00.123', '20260105-09:00:00.123456', '20260105-09:00:00.123456789', '20260105-09:00:00.12',
  '20261305-09:00:00', '20260230-23:59:60', '00990105-09:00:00', '20260105-24:00:00', '20260105 09:00:00', '20260105-09:00:00.1x3',
];

const ALPHABET = '0123456789-.:wYNA x\u00e9';

test('validFormatBytes agrees with validFormat (the regex definitions) for every type, edge and random values', (t) => {
  const types = Object.values(FieldType);
  const next = rng(42);
  const values = [...EDGE_VALUES];
  for (let i = 0; i < 4000; i++) {
    const len = Math.floor(next() * 30);
    let v = '';
    for (let k = 0; k < len; k++) v += ALPHABET[Math.floor(next() * ALPHABET.length)];
    values.push(v);
  }
  let checked = 0;
  for (const type of types) {
    for (const v of values) {
      const b = latin1(`xx${v}yy`);
      const expected = validFormat(type, v);
      if (validFormatBytes(type, b, 2, b.length - 4) !== expected) t.fail(`type ${type} value ${JSON.stringify(v)}: expected ${expected}`);
      checked++;
    }
  }
  t.true(checked > 100_000);
});

test('SendingTime from bytes: the same epoch ms (or NaN) as parseUtcTimestamp, Date.UTC roll-overs included', (t) => {
  const next = rng(7);
  const values = [...EDGE_VALUES];
  for (let i = 0; i < 3000; i++) {
    const pad = (n: number, w: number): string => String(n).padStart(w, '0');
    const y = Math.floor(next() * 10000);
    const base = `${pad(y, 4)}${pad(Math.floor(next() * 14), 2)}${pad(Math.floor(next() * 33), 2)}-${pad(Math.floor(next() * 25), 2)}:${pad(Math.floor(next() * 61), 2)}:${pad(Math.floor(next() * 62), 2)}`;
    const frac = ['', '.123', '.999999', '.000000001', '.5'][Math.floor(next() * 5)];
    values.push(base + frac);
  }
  const out = new Float64Array(1);
  for (const v of values) {
    const b = latin1(`|${v}|`);
    const expected = parseUtcTimestamp(v);
    const got = parseUtcTimestampBytes(b, 1, b.length - 2);
    if (!Object.is(got, expected)) t.fail(`${JSON.stringify(v)}: ${got} !== ${expected}`);
    t.is(scanUtcTimestampBytes(b, 1, b.length - 2, out), !Number.isNaN(expected));
  }
  t.is(parseUtcTimestampBytes(latin1('20260230-23:59:60'), 0, 17), Date.UTC(2026, 1, 30, 23, 59, 60));
  t.is(parseUtcTimestampBytes(latin1('00990105-09:00:00'), 0, 17), Date.UTC(99, 0, 5, 9, 0, 0)); // 1999, as Date.UTC
});

test('writeUtcTimestampMs writes formatUtcTimestamp text; -1 outside its range', (t) => {
  const next = rng(3);
  const out = new Uint8Array(30);
  for (const ms of [0, 1, 999, 1000, Date.UTC(2026, 0, 5, 9, 0, 0, 7), Date.UTC(2000, 1, 29, 23, 59, 59, 999), Date.UTC(2554, 0, 1), ...Array.from({ length: 2000 }, () => Math.floor(next() * 2 ** 44))]) {
    out.fill(0);
    const end = writeUtcTimestampMs(ms, out, 3);
    t.is(end, 24);
    t.is(Buffer.from(out.subarray(3, end)).toString('latin1'), formatUtcTimestamp(ms));
  }
  t.is(writeUtcTimestampMs(-1, out, 0), -1);
  t.is(writeUtcTimestampMs(Date.UTC(2600, 0, 1), out, 0), -1);
  t.is(writeUtcTimestampMs(1.5, out, 0), -1);
});

test('FixBuilder: integers of every size and sign as digits; finishLength matches finish; BodyLength of every width', (t) => {
  const b = new FixBuilder();
  for (const v of [0, 7, -7, 10, 99, 100, -100, 2 ** 31 - 1, 2 ** 31, -(2 ** 31), 2 ** 32 + 5, Number.MAX_SAFE_INTEGER, -Number.MAX_SAFE_INTEGER]) {
    const text = Buffer.from(b.begin('FIX.4.4', '0').intField(34, v).finish()).toString('latin1');
    t.true(text.includes(`\x0134=${v}\x01`), text);
  }
  for (const n of [0, 5, 90, 1_000, 20_000, 200_000]) {
    const msg = b.begin('FIXT.1.1', 'AE').field(58, 'y'.repeat(n));
    const len = msg.finishLength();
    const text = Buffer.from(b.bytes.subarray(0, len)).toString('latin1');
    const body = text.slice(text.indexOf('\x0135=') + 1, text.lastIndexOf('10='));
    t.true(text.startsWith(`8=FIXT.1.1\x019=${body.length}\x0135=AE\x01`));
    let sum = 0;
    for (let i = 0; i < text.lastIndexOf('10='); i++) sum += text.charCodeAt(i);
    t.true(text.endsWith(`10=${String(sum % 256).padStart(3, '0')}\x01`));
  }
});

test('PendingQueue: FIFO with bytes intact across growth and compaction (model check)', (t) => {
  const q = new PendingQueue();
  const model: { bytes: Uint8Array; pos: number }[] = [];
  const next = rng(99);
  const src = new Uint8Array(100_000);
  for (let i = 0; i < src.length; i++) src[i] = (i * 13 + 5) & 0xff;
  for (let step = 0; step < 20_000; step++) {
    const r = next();
    if (r < 0.55) {
      const len = next() < 0.02 ? Math.floor(next() * 60_000) : Math.floor(next() * 300);
      const off = Math.floor(next() * (src.length - len));
      q.push(src, off, len, step);
      model.push({ bytes: src.slice(off, off + len), pos: step });
    } else if (r < 0.98) {
      q.shift();
      model.shift();
    } else {
      q.clear();
      model.length = 0;
    }
    t.is(q.length, model.length);
    if (model.length > 0) {
      const h = model[0]!;
      if (q.headPosition !== h.pos || q.headLength !== h.bytes.length) t.fail(`step ${step}: head differs`);
      const got = q.bytesBuffer.subarray(q.headOffset, q.headOffset + q.headLength);
      if (!Buffer.from(got).equals(Buffer.from(h.bytes))) t.fail(`step ${step}: head bytes differ`);
    }
  }
});
