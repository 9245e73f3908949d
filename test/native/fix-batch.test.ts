/**
 * Batched FIX framing/indexing through the addon (fixFrameBatch, native/src/binding/fix_binding.cc
 * over native/src/core/fix_*.c): ring frames read back with the generated flyweights of
 * schemas/gateway-internal.xml, on the canonical perf/corpus messages and on every message of the
 * QuickFIX acceptance scripts (checked against a naive split), garbled input, a full output buffer,
 * limits, and identical output with every SIMD scanner. Needs the addon (npm run build:native, or
 * GATEWAY_ADDON).
 */
import test from 'ava';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { type GatewayAddon, loadAddon } from '../../src/native/addon.js';
import { concat } from '../helpers/fix-frames.js';
import { PROJECT_ROOT, refdata } from '../helpers/refdata.js';
import { FrameHeaderDecoder } from '../../src/generated/gateway-internal/FrameHeader.js';
import { FrameType } from '../../src/generated/gateway-internal/FrameType.js';
import { FixIndexHeaderDecoder } from '../../src/generated/gateway-internal/FixIndexHeader.js';
import { FixFieldDecoder } from '../../src/generated/gateway-internal/FixField.js';
import { FixGarbledHeaderDecoder } from '../../src/generated/gateway-internal/FixGarbledHeader.js';
import { FixDictionary } from '../../src/generated/gateway-internal/FixDictionary.js';
import { FixIndexProblem } from '../../src/generated/gateway-internal/FixIndexProblem.js';
import { FixGarbledReason } from '../../src/generated/gateway-internal/FixGarbledReason.js';

const ROOT = PROJECT_ROOT;

/** The addon, checked to export the FIX part (fix_binding.cc). */
function fixAddon(): GatewayAddon {
  const a = loadAddon();
  for (const fn of ['fixFrameBatch', 'fixScanImplementation', 'fixScanSelect'] as const) {
    if (typeof a[fn] !== 'function') throw new Error(`addon does not export ${fn}()`);
  }
  return a;
}

const enc = new TextEncoder();
const SOH = 1;

/** A message from an acceptance-script line: 9= and 10= recomputed, <TIME…> fixed (as the C tests do). */
function normalise(text: Uint8Array): Uint8Array | undefined {
  if (text.length < 4 || text[0] !== 0x38 || text[1] !== 0x3d) return undefined;
  const s1 = text.indexOf(SOH);
  if (s1 < 0) return undefined;
  let p = s1 + 1;
  if (text[p] === 0x39 && text[p + 1] === 0x3d) {
    const s2 = text.indexOf(SOH, p);
    if (s2 < 0) return undefined;
    p = s2 + 1;
  }
  let end = text.length;
  if (text[end - 1] === SOH) {
    let q = end - 1;
    while (q > p && text[q - 1] !== SOH) q--;
    if (end - q >= 4 && text[q] === 0x31 && text[q + 1] === 0x30 && text[q + 2] === 0x3d) end = q;
  }
  const bodyText = Buffer.from(text.subarray(p, end)).toString('latin1').replace(/<TIME[^>]*>/g, '20261124-02:30:00.000');
  let body = Buffer.from(bodyText, 'latin1');
  if (body.length === 0 || body[body.length - 1] !== SOH) body = Buffer.concat([body, Buffer.from([SOH])]);
  const head = Buffer.concat([Buffer.from(text.subarray(0, s1 + 1)), Buffer.from(`9=${body.length}\x01`, 'latin1')]);
  const m = Buffer.concat([head, body]);
  let sum = 0;
  for (const b of m) sum += b;
  return new Uint8Array(Buffer.concat([m, Buffer.from(`10=${String(sum % 256).padStart(3, '0')}\x01`, 'latin1')]));
}

function corpus(): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (const dir of ['fix44', 'fix50sp2']) {
    const d = refdata('fix', 'quickfix-at', dir);
    for (const f of fs.readdirSync(d).filter((n) => n.endsWith('.def')).sort()) {
      const data = fs.readFileSync(path.join(d, f));
      let ls = 0;
      while (ls < data.length) {
        let le = data.indexOf(0x0a, ls);
        if (le < 0) le = data.length;
        let line = data.subarray(ls, le);
        if (line.length > 0 && line[line.length - 1] === 0x0d) line = line.subarray(0, line.length - 1);
        if (line.length > 1 && (line[0] === 0x49 || line[0] === 0x45)) {
          const m = /^[IE](\d+,)?/.exec(line.subarray(0, 8).toString('latin1'))!;
          const msg = normalise(line.subarray(m[0].length));
          if (msg) out.push(msg);
        }
        ls = le + 1;
      }
    }
  }
  return out;
}

/** Naive split on SOH/'=' (right for messages without DATA fields and with valid tags). */
function naive(m: Uint8Array): { tag: number; off: number; len: number }[] {
  const fields: { tag: number; off: number; len: number }[] = [];
  let pos = 0;
  while (pos < m.length) {
    const eq = m.indexOf(0x3d, pos);
    const soh = m.indexOf(SOH, eq);
    fields.push({ tag: Number(Buffer.from(m.subarray(pos, eq)).toString('latin1')), off: eq + 1, len: soh - eq - 1 });
    pos = soh + 1;
  }
  return fields;
}

const DATA_TAGS = new Set([89, 91, 96, 213, 349, 351, 353, 355, 357, 359, 361, 363, 365, 446, 619, 622]);

interface Frame {
  type: number;
  offset: number;
  sequence: number;
  payload: Uint8Array;
}

/** Runs fixFrameBatch over all of input with an output of outCap bytes per call; returns every frame. */
function frameAll(addon: GatewayAddon, input: Uint8Array, outCap: number, limits?: { maxFields?: number }): { frames: Frame[]; outputs: Uint8Array[] } {
  const frames: Frame[] = [];
  const outputs: Uint8Array[] = [];
  const state = new Uint32Array(2);
  const hdr = new FrameHeaderDecoder();
  let at = 0;
  let seq = 1;
  for (;;) {
    const output = new Uint8Array(outCap);
    const n = addon.fixFrameBatch(input.subarray(at), output, state, limits, seq);
    if (n === 0) break;
    let o = 0;
    for (let i = 0; i < n; i++) {
      hdr.wrap(output, o);
      const len = hdr.frameLength();
      frames.push({ type: hdr.frameType(), offset: o, sequence: hdr.sequenceAsNumber(), payload: output.subarray(o + 32, o + len) });
      o += (len + 7) & ~7;
    }
    if (o !== state[1]) throw new Error(`frames end at ${o}, state[1] = ${state[1]}`);
    // Receive timestamps differ between runs; zero them for byte comparisons.
    for (let f = 0; f < o; ) {
      hdr.wrap(output, f);
      const len = hdr.frameLength();
      output.fill(0, f + 16, f + 24);
      f += (len + 7) & ~7;
    }
    outputs.push(output.subarray(0, o));
    at += state[0]!;
    seq += n;
  }
  return { frames, outputs };
}

test('canonical TCR and NOS with garbage between: frames, index, groups, garbled report', (t) => {
  const addon = fixAddon();
  const tcr = new Uint8Array(fs.readFileSync(path.join(ROOT, 'perf', 'corpus', 'tcr.fix')));
  const nos = new Uint8Array(fs.readFileSync(path.join(ROOT, 'perf', 'corpus', 'nos.fix')));
  t.is(tcr.length, 226);
  t.is(nos.length, 186);
  const input = concat([tcr, enc.encode('garbage'), nos, tcr.subarray(0, 100)]);
  const output = new Uint8Array(8192);
  const state = new Uint32Array(2);
  const before = BigInt(Date.now()) * 1_000_000n;
  const n = addon.fixFrameBatch(input, output, state);
  t.is(n, 3);
  t.is(state[0], 226 + 7 + 186, 'the partial TCR at the end is not consumed');

  const hdr = new FrameHeaderDecoder();
  const idx = new FixIndexHeaderDecoder();
  const fld = new FixFieldDecoder();
  const garbled = new FixGarbledHeaderDecoder();
  const expectTypes = [FrameType.FixMessage, FrameType.FixGarbled, FrameType.FixMessage];
  let o = 0;
  for (let i = 0; i < 3; i++) {
    t.is(o % 8, 0);
    hdr.wrap(output, o);
    t.is(hdr.frameType(), expectTypes[i]);
    t.is(hdr.connectionId(), 0);
    t.true(hdr.sessionIdIsNull());
    t.is(hdr.sequenceAsNumber(), i + 1);
    t.is(hdr.flags().raw(), 0);
    const ts = hdr.receiveTimestampNs();
    t.true(ts >= before - 1_000_000_000n && ts <= BigInt(Date.now() + 1000) * 1_000_000n);
    const p = o + 32;
    if (i === 1) {
      garbled.wrap(output, p);
      t.is(garbled.streamOffsetAsNumber(), 226);
      t.is(garbled.discardedLength(), 7);
      t.is(garbled.reason(), FixGarbledReason.BadBeginString);
      t.is(garbled.sampleLength(), 7);
      t.is(Buffer.from(output.subarray(p + 16, p + 23)).toString('latin1'), 'garbage');
      t.is(hdr.frameLength(), 32 + 16 + 7);
    } else {
      const raw = i === 0 ? tcr : nos;
      idx.wrap(output, p);
      t.is(idx.rawLength(), raw.length);
      t.is(idx.dictionary(), FixDictionary.Fix44);
      t.is(idx.problem(), FixIndexProblem.None);
      t.is(idx.msgTypeLength(), i === 0 ? 2 : 1);
      const count = idx.fieldCount();
      t.is(hdr.frameLength(), 32 + 16 + 16 * count + raw.length);
      t.deepEqual(output.subarray(p + 16 + 16 * count, p + 16 + 16 * count + raw.length), raw);
      const want = naive(raw);
      t.is(count, want.length);
      const nexts: number[] = [];
      for (let f = 0; f < count; f++) {
        fld.wrap(output, p + 16 + 16 * f);
        t.is(fld.tag(), want[f]!.tag);
        t.is(fld.valueOffset(), want[f]!.off);
        t.is(fld.valueLength(), want[f]!.len);
        nexts.push(fld.next());
      }
      if (i === 0) {
        // 552=2 {54 453=2 {448 447 452}{448 447 452}} {54 453=1 {448 447 452}} 10
        const expected = Array.from({ length: 28 }, (_, k) => k + 1);
        Object.assign(expected, { 13: 27, 14: 22, 15: 22, 16: 19, 19: 22, 22: 27, 23: 27, 24: 27 });
        t.deepEqual(nexts, expected);
      } else {
        t.deepEqual(nexts, Array.from({ length: count }, (_, k) => k + 1));
      }
    }
    o += (hdr.frameLength() + 7) & ~7;
  }
  t.is(state[1], o);
});

test('every QuickFIX acceptance-script message, in batches through a small output buffer, matches a naive split', (t) => {
  const addon = fixAddon();
  const msgs = corpus();
  t.true(msgs.length >= 700, `${msgs.length} messages`);
  const { frames } = frameAll(addon, concat(msgs), 4096);
  // Messages whose third field is not 35 are garbled by design (2t_FirstThreeFieldsOutOfOrder).
  const third35 = msgs.map((m) => naive(m)[2]?.tag === 35);
  t.is(frames.filter((f) => f.type === FrameType.FixMessage).length, third35.filter(Boolean).length);
  t.is(frames.length, msgs.length);
  t.deepEqual(frames.map((f) => f.sequence), frames.map((_, k) => k + 1));
  const idx = new FixIndexHeaderDecoder();
  const fld = new FixFieldDecoder();
  let compared = 0;
  for (let k = 0; k < msgs.length; k++) {
    const f = frames[k]!;
    if (!third35[k]) {
      t.is(f.type, FrameType.FixGarbled);
      continue;
    }
    t.is(f.type, FrameType.FixMessage);
    idx.wrap(f.payload, 0);
    t.is(idx.rawLength(), msgs[k]!.length);
    const want = naive(msgs[k]!);
    if (idx.problem() === FixIndexProblem.InvalidTagNumber || want.some((w) => DATA_TAGS.has(w.tag))) continue;
    let same = idx.fieldCount() === want.length;
    for (let i = 0; same && i < want.length; i++) {
      fld.wrap(f.payload, 16 + 16 * i);
      same = fld.tag() === want[i]!.tag && fld.valueOffset() === want[i]!.off && fld.valueLength() === want[i]!.len;
    }
    if (!same) t.fail(`message ${k} differs from the naive split`);
    compared++;
  }
  t.true(compared >= msgs.length * 0.9, `${compared} compared`);
});

test('every SIMD scanner gives byte-identical frames; fixScanImplementation names the choice', (t) => {
  const addon = fixAddon();
  const input = concat(corpus());
  const auto = addon.fixScanImplementation();
  t.true(['scalar', 'sse2', 'avx2'].includes(auto));
  t.true(addon.fixScanSelect('scalar'));
  t.is(addon.fixScanImplementation(), 'scalar');
  const ref = Buffer.concat(frameAll(addon, input, 1 << 20).outputs);
  let tested = 0;
  for (const impl of ['sse2', 'avx2'] as const) {
    if (!addon.fixScanSelect(impl)) {
      t.log(`${impl} not supported on this CPU`);
      continue;
    }
    t.is(addon.fixScanImplementation(), impl);
    t.true(Buffer.concat(frameAll(addon, input, 1 << 20).outputs).equals(ref), impl);
    tested++;
  }
  t.true(addon.fixScanSelect('auto'));
  t.is(addon.fixScanImplementation(), auto);
  t.log(`scanners compared with scalar: ${tested}; auto = ${auto}`);
});

test('a full output stops the batch without error; limits apply; bad arguments throw', (t) => {
  const addon = fixAddon();
  const tcr = new Uint8Array(fs.readFileSync(path.join(ROOT, 'perf', 'corpus', 'tcr.fix')));
  const state = new Uint32Array(2);
  t.is(addon.fixFrameBatch(tcr, new Uint8Array(64), state), 0);
  t.deepEqual([...state], [0, 0]);
  const two = concat([tcr, tcr]);
  const one = 32 + 16 + 16 * 28 + 226;
  t.is(addon.fixFrameBatch(two, new Uint8Array(((one + 7) & ~7) + 100), state), 1);
  t.is(state[0], 226);

  const out = new Uint8Array(4096);
  t.is(addon.fixFrameBatch(tcr, out, state, { maxFields: 5 }), 1);
  const idx = new FixIndexHeaderDecoder().wrap(out, 32);
  t.is(idx.fieldCount(), 5);
  t.is(idx.problem(), FixIndexProblem.TooManyFields);
  t.is(addon.fixFrameBatch(tcr, out, state, { maxMessageBytes: 200 }), 1);
  t.is(new FrameHeaderDecoder().wrap(out, 0).frameType(), FrameType.FixGarbled);
  t.is(new FixGarbledHeaderDecoder().wrap(out, 32).reason(), FixGarbledReason.MessageTooLarge);

  t.throws(() => addon.fixFrameBatch(tcr, out, new Uint32Array(1)), { instanceOf: RangeError });
  t.throws(() => (addon.fixFrameBatch as (...a: unknown[]) => number)(tcr, out), { instanceOf: TypeError });
  t.throws(() => addon.fixFrameBatch(tcr, out, state, { maxFields: -1 }), { instanceOf: TypeError });
  t.throws(() => addon.fixScanSelect('neon' as 'auto'), { instanceOf: TypeError });
});
