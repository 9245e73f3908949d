/**
 * Differential test of the FIX index: for every message of the corpus (QuickFIX acceptance scripts +
 * a generated corpus, test/fix/corpus.ts) that our framer delivers, the fields (tag and value bytes,
 * in wire order) agree with fixparser 5.7.7 and with jspurefix 5.11.4's AsciiParser, and, when the
 * native addon has fixFrameBatch, the C framer's payload equals the TS payload byte for byte.
 *
 * Where an oracle legitimately differs, the test asserts the exact difference (never "anything goes"):
 *  fixparser
 *   F1. converts values of numeric types to JS numbers ("002000.00" -> 2000): the number must equal
 *       Number(our text).
 *   F2. knows nothing of DATA lengths: a DATA value holding SOH comes out as several fields, split at
 *       SOH and '=' like any other text.
 *   F3. a tag that is not a number (our tag 0, InvalidTagNumber) comes out as parseInt of its text
 *       (NaN -> its own sentinel); only the value is compared.
 *   F4. a field without '=' (our tag 0 with an empty value at its SOH) comes out with its whole text
 *       as the value.
 *  jspurefix
 *   J1. reads a DATA value by its LENGTH (so the fields after it agree) but reports the value only up
 *       to its first SOH.
 *   J2. a tag that is not a number comes out as the number its digits make, other characters skipped
 *       ("-1" -> 1, "05" -> 5).
 *   J3. a field without '=' is dropped.
 */
import test from 'ava';
import { FixFramer } from '../../src/fix/framer.js';
import { loadAddon } from '../../src/native/addon.js';
import { type FramerEvent, frame } from '../helpers/fix-frames.js';
import { type OracleField, fixparserFields, jspurefix } from '../helpers/fix-oracles.js';
import { type CorpusMessage, acceptanceCorpus, generatedCorpus, show } from './corpus.js';

type Message = Extract<FramerEvent, { kind: 'message' }>;

const acceptance = acceptanceCorpus();
const corpus: CorpusMessage[] = [...acceptance.messages, ...generatedCorpus(0x5eed, 600)];

const shared = new FixFramer();
function delivered(m: CorpusMessage): Message | undefined {
  shared.reset();
  const ev = frame([m.bytes], undefined, shared);
  return ev.length === 1 && ev[0]!.kind === 'message' ? ev[0] : undefined;
}

function valueOffset(e: Message, i: number): number {
  return new DataView(e.payload.buffer, e.payload.byteOffset).getUint32(16 + i * 16 + 4, true);
}

/** Whether field i had no '=' (we index it as tag 0 with an empty value at its SOH). */
function withoutEquals(m: CorpusMessage, e: Message, i: number): boolean {
  return m.bytes[valueOffset(e, i) - 1] !== 0x3d;
}

/** Raw tag text of field i (between the SOH before it and its '='), or the whole text without '='. */
function rawTagText(m: CorpusMessage, e: Message, i: number): string {
  const raw = Buffer.from(m.bytes).toString('latin1');
  const at = valueOffset(e, i);
  const before = raw.lastIndexOf('\x01', at - 1);
  return withoutEquals(m, e, i) ? raw.slice(before + 1, at) : raw.slice(before + 1, at - 1);
}

/** What fixparser must report for our fields (F1-F3 applied to the expected side). */
function expectedFixparser(m: CorpusMessage, e: Message): Array<{ tag: number | null; value: string }> {
  const out: Array<{ tag: number | null; value: string }> = [];
  e.fields.forEach((f, i) => {
    const tag = f.tag === 0 ? null : f.tag; // F3: compared by value only
    if (withoutEquals(m, e, i)) {
      out.push({ tag, value: rawTagText(m, e, i) }); // F4
      return;
    }
    if (!f.value.includes('\x01')) {
      out.push({ tag, value: f.value });
      return;
    }
    // F2: split like plain text
    const pieces = f.value.split('\x01');
    out.push({ tag, value: pieces[0]! });
    for (const p of pieces.slice(1)) {
      const eq = p.indexOf('=');
      out.push({ tag: null, value: eq < 0 ? p : p.slice(eq + 1) });
    }
  });
  return out;
}

function sameFixparserValue(expected: string, actual: OracleField['value']): boolean {
  if (typeof actual === 'number') return Number(expected) === actual || (Number.isNaN(actual) && Number.isNaN(Number(expected))); // F1
  return String(actual) === expected;
}

test('corpus is large and mostly delivered', (t) => {
  if (acceptance.skipped) t.log(`acceptance scripts skipped: ${acceptance.skipped}`);
  const n = corpus.filter((m) => delivered(m)).length;
  t.true(n > (acceptance.skipped ? 400 : 1000), String(n));
});

test('fixparser 5.7.7 agrees on every delivered message (known differences F1-F4 asserted)', async (t) => {
  let compared = 0;
  let f1 = 0;
  let f2 = 0;
  for (const m of corpus) {
    const e = delivered(m);
    if (!e) continue;
    const fp = await fixparserFields(m.bytes);
    if (fp.length !== 1) {
      t.fail(`${m.name}: fixparser found ${fp.length} messages in ${show(m.bytes)}`);
      continue;
    }
    const actual = fp[0]!;
    const expected = expectedFixparser(m, e);
    if (expected.length !== e.fields.length) f2++;
    let ok = actual.length === expected.length;
    for (let i = 0; ok && i < expected.length; i++) {
      const x = expected[i]!;
      const a = actual[i]!;
      if (x.tag !== null && a.tag !== x.tag) ok = false;
      else if (!sameFixparserValue(x.value, a.value)) ok = false;
      else if (typeof a.value === 'number' && String(a.value) !== x.value) f1++;
    }
    if (!ok) {
      t.fail(`${m.name}:\n ours      ${expected.map((x) => `${x.tag}=${x.value}`).join('|')}\n fixparser ${actual.map((a) => `${a.tag}=${a.value}`).join('|')}`);
      return;
    }
    compared++;
  }
  t.log(`compared ${compared} messages; F1 numeric conversions ${f1}; F2 DATA values split ${f2}`);
  t.true(compared > 400);
  t.true(f2 > 10, 'the corpus exercises DATA values with SOH');
});

test('jspurefix 5.11.4 AsciiParser agrees on every delivered message (known differences J1-J3 asserted)', async (t) => {
  let compared = 0;
  let j1 = 0;
  let j2 = 0;
  let j3 = 0;
  for (const m of corpus) {
    const e = delivered(m);
    if (!e || e.dictionary === 0) continue; // jspurefix is configured for FIX.4.4 and FIXT.1.1 only
    const oracle = await jspurefix(e.dictionary === 1 ? 'FIX.4.4' : 'FIXT.1.1');
    const r = oracle.parse(m.bytes);
    if (r.messages.length !== 1) {
      t.fail(`${m.name}: jspurefix gave ${r.messages.length} messages (${r.errors.join('; ')}): ${show(m.bytes)}`);
      continue;
    }
    const actual = r.messages[0]!;
    const kept = e.fields.map((_, i) => i).filter((i) => !withoutEquals(m, e, i)); // J3
    j3 += e.fields.length - kept.length;
    let ok = actual.length === kept.length;
    for (let k = 0; ok && k < kept.length; k++) {
      const i = kept[k]!;
      const f = e.fields[i]!;
      const a = actual[k]!;
      let tag = f.tag;
      let value = f.value;
      if (tag === 0) {
        tag = Number(rawTagText(m, e, i).replace(/\D/g, '') || 0); // J2
        j2++;
      }
      if (value.includes('\x01')) {
        value = value.slice(0, value.indexOf('\x01')); // J1
        j1++;
      }
      if (a.tag !== tag || a.value !== value) ok = false;
    }
    if (!ok) {
      t.fail(`${m.name}:\n ours      ${e.fields.map((x) => `${x.tag}=${x.value}`).join('|')}\n jspurefix ${actual.map((a) => `${a.tag}=${a.value}`).join('|')}`);
      return;
    }
    compared++;
  }
  t.log(`compared ${compared} messages; J1 DATA values cut at SOH ${j1}; J2 non-numeric tags ${j2}; J3 fields without '=' ${j3}`);
  t.true(compared > 400);
});

// npm test builds the addon before the unit tests: the C side is always compared, never skipped.
const addon = loadAddon();

/** Ring frames of a fixFrameBatch output: type and payload (32-byte FrameHeader, frames padded to 8). */
function ringFrames(output: Uint8Array, frames: number): Array<{ type: number; payload: Uint8Array }> {
  const dv = new DataView(output.buffer, output.byteOffset);
  const c: Array<{ type: number; payload: Uint8Array }> = [];
  for (let off = 0, k = 0; k < frames; k++) {
    const len = dv.getUint32(off, true);
    c.push({ type: dv.getUint16(off + 4, true), payload: output.slice(off + 32, off + len) });
    off += (len + 7) & ~7;
  }
  return c;
}

test('C framer and TS framer agree on the whole corpus as one stream (messages, garbage, re-synchronisation)', (t) => {
  const input = Buffer.concat(corpus.map((m) => m.bytes));
  const ts = frame([input]);
  const output = new Uint8Array(64 << 20);
  const state = new Uint32Array(2);
  const c = ringFrames(output, addon.fixFrameBatch(input, output, state));
  t.is(state[0], input.length, 'all input consumed');
  const tsSummary = ts.map((e) =>
    e.kind === 'message' ? `M ${Buffer.from(e.payload).toString('hex')}` : `G ${e.reason} ${e.offset} ${e.length}`,
  );
  const cSummary = c.map((f) => {
    if (f.type === 1) return `M ${Buffer.from(f.payload).toString('hex')}`;
    const g = new DataView(f.payload.buffer, f.payload.byteOffset);
    return `G ${f.payload[12]} ${Number(g.getBigUint64(0, true))} ${g.getUint32(8, true)}`;
  });
  t.is(cSummary.length, tsSummary.length);
  const first = tsSummary.findIndex((s, i) => s !== cSummary[i]);
  t.is(first, -1, first >= 0 ? `frame ${first}:\n C  ${cSummary[first]}\n TS ${tsSummary[first]}` : '');
  t.true(ts.filter((e) => e.kind === 'garbled').length > 50);
});

test('C framer (fixFrameBatch) payloads equal the TS payloads byte for byte', (t) => {
  const fixFrameBatch = addon.fixFrameBatch;
  const output = new Uint8Array(1 << 20);
  const state = new Uint32Array(2);
  const framer = new FixFramer();
  let compared = 0;
  let garbled = 0;
  for (const m of corpus) {
    const ts = frame([m.bytes], undefined, framer);
    framer.reset();
    state.fill(0);
    const frames = fixFrameBatch(m.bytes, output, state);
    const dv = new DataView(output.buffer, output.byteOffset);
    // walk the ring frames: 32-byte header (frameLength u32, frameType u16 ...), padded to 8
    const c: Array<{ type: number; payload: Uint8Array }> = [];
    for (let off = 0, k = 0; k < frames; k++) {
      const len = dv.getUint32(off, true);
      c.push({ type: dv.getUint16(off + 4, true), payload: output.slice(off + 32, off + len) });
      off += (len + 7) & ~7;
    }
    const tsMessages = ts.filter((e): e is Message => e.kind === 'message');
    const cMessages = c.filter((f) => f.type === 1);
    if (cMessages.length !== tsMessages.length) {
      t.fail(`${m.name}: C delivered ${cMessages.length}, TS ${tsMessages.length}: ${show(m.bytes)}`);
      continue;
    }
    for (let i = 0; i < tsMessages.length; i++) {
      if (Buffer.compare(cMessages[i]!.payload, tsMessages[i]!.payload) !== 0) {
        t.fail(`${m.name}: payloads differ\n C  ${Buffer.from(cMessages[i]!.payload).toString('hex')}\n TS ${Buffer.from(tsMessages[i]!.payload).toString('hex')}`);
      } else compared++;
    }
    // garbled input: the same first discarded stretch (FixGarbledHeader: streamOffset u64, discardedLength u32, reason u8)
    const tsG = ts.find((e) => e.kind === 'garbled');
    const cG = c.find((f) => f.type === 7);
    if (tsG && tsG.kind === 'garbled') {
      garbled++;
      t.truthy(cG, `${m.name}: C reported no garbled frame`);
      if (cG) {
        const g = new DataView(cG.payload.buffer, cG.payload.byteOffset);
        t.deepEqual(
          { reason: cG.payload[12], offset: Number(g.getBigUint64(0, true)), length: g.getUint32(8, true) },
          { reason: tsG.reason, offset: tsG.offset, length: tsG.length },
          m.name,
        );
      }
    }
  }
  t.log(`compared ${compared} payloads byte for byte, ${garbled} garbled inputs`);
  t.true(compared > 400);
});
