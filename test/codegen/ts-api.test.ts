/**
 * The generated TypeScript API on cases the reference vectors do not reach (fixture
 * test/helpers/fixtures/ts-edge-schema.xml, big-endian): char null, float null, charsets, 64-bit
 * enums and sets, versioned fields/groups/var data, custom header and dimension composites with
 * gaps, deep nesting; plus the FIXP session schema and the runtime's text helpers.
 */
import test from 'ava';
import {
  SbeBoundsError,
  SbeError,
  SbeValueError,
  readText,
  textLength,
  utf8Length,
  writeText,
} from '../../src/codec/sbe.js';
import * as edge from '../generated/ts/ts-edge/index.js';
import * as fixp from '../../src/generated/fixp/index.js';

const { EdgeDecoder, EdgeEncoder, FrameHeaderDecoder, FrameHeaderEncoder } = edge;

function encodeEdge(buf: Uint8Array, opts: { added: number; extra: string }): number {
  const e = new EdgeEncoder().wrapAndApplyHeader(buf, 0, new FrameHeaderEncoder());
  e.new_(EdgeEncoder.newNullValue).flag(0x59).price(NaN).rate(EdgeEncoder.rateNullValue);
  e.latin('çé').utf('ü✓x').idsAsNumber(0, -7).ids(1, -(2n ** 63n) + 1n).putBytes(Uint8Array.of(1, 2, 3, 4, 5), 1);
  e.wide(edge.Wide.Huge).signed(edge.Signed.Minus);
  e.flags64().clear().bit31(true).bit32(true).top(true);
  e.flags32().clear().sign(true).later(true);
  e.tsAsNumber(1_700_000_000_000_000).qty(42);
  e.point().x(-1).y(2);
  const legs = e.legsCount(2);
  legs.next().legId(7);
  const fills = legs.fillsCount(1);
  const parts = fills.next().px(-5).partsCount(2);
  parts.next().n(1).tag(Uint8Array.of(9, 8));
  parts.next().n(2).putTag(Uint8Array.of(0, 1, 2, 3, 4, 5, 6), 2, 5);
  legs.legNote('Große');
  legs.next().legId(8).fillsCount(0);
  legs.legNote('');
  const added = e.addedCount(opts.added);
  for (let i = 0; i < opts.added; i++) added.next().v(i + 100);
  e.blob(Uint8Array.of(0xff, 0x00));
  e.extra(opts.extra);
  return FrameHeaderEncoder.ENCODED_LENGTH + e.encodedLength();
}

test('edge schema round trip (big-endian, custom header and dimension with gaps)', (t) => {
  const buf = new Uint8Array(512).fill(0xcc);
  const n = encodeEdge(buf, { added: 2, extra: 'fin' });
  const bytes = buf.slice(0, n);
  // frameHeader: version@0, templateId@2, gap@4..5 zeroed, schemaId@6, blockLength@8 — big-endian
  t.deepEqual([...bytes.subarray(0, 10)], [0, 2, 0, 9, 0, 0, 0, 77, 0, 96]);
  const h = new FrameHeaderDecoder();
  const d = new EdgeDecoder().wrapAndApplyHeader(bytes, 0, h);
  t.is(EdgeDecoder.SEMANTIC_TYPE, 'Z');
  t.is(d.new_(), 0x30, "char nullValue '0' is the character 0x30 on the wire (sbe-tool)");
  t.true(d.newIsNull());
  t.false(d.flagIsNull());
  t.true(d.priceIsNull(), 'float null is NaN');
  t.true(d.rateIsNull(), 'explicit double nullValue -1.5');
  t.is(d.rate(), -1.5);
  t.is(d.latin(), 'çé');
  t.is(d.latinAt(0), 0xe7, 'ISO-8859-1: one byte per character');
  t.is(d.utf(), 'ü✓x');
  t.is(d.idsAsNumber(0), -7);
  t.is(d.ids(1), -(2n ** 63n) + 1n);
  t.true(Number.isNaN(d.idsAsNumber(1)));
  const four = new Uint8Array(4);
  t.is(d.getBytes(four, 0), 4);
  t.deepEqual([...four], [2, 3, 4, 5]);
  t.is(d.wide(), 18446744073709551614n);
  t.is(edge.Wide.name(d.wide()), 'Huge');
  t.is(d.signed(), -2);
  t.is(edge.Signed.name(d.signed()), 'Minus');
  const f64 = d.flags64();
  t.true(f64.bit31() && f64.bit32() && f64.top() && !f64.low());
  t.is(f64.raw(), (1n << 31n) | (1n << 32n) | (1n << 63n));
  t.true(Number.isNaN(f64.rawAsNumber()));
  t.deepEqual([...bytes.subarray(10 + 54, 10 + 62)], [0x80, 0, 0, 1, 0x80, 0, 0, 0], 'uint64 set, big-endian');
  t.is(d.flags32().raw(), 0x80000020);
  t.true(d.flags32().sign() && d.flags32().later());
  t.is(d.tsAsNumber(), 1_700_000_000_000_000);
  t.is(d.qty(), 42);
  t.is(d.point()?.y(), 2);
  const legs = d.legs();
  t.is(legs.count(), 2);
  t.is(legs.next().legId(), 7);
  const parts = legs.fills().next().parts();
  t.is(parts.count(), 2);
  t.deepEqual([...parts.next().tag()], [9, 8]);
  t.is(parts.next().n(), 2);
  t.is(parts.tagLength(), 5);
  t.deepEqual([...parts.tag()], [2, 3, 4, 5, 6]);
  t.is(legs.legNote(), 'Große');
  t.is(legs.next().fills().count(), 0);
  t.is(legs.legNote(), '');
  const added = d.added();
  t.is(added.count(), 2);
  t.is(added.next().v(), 100);
  t.is(added.next().v(), 101);
  t.deepEqual([...d.blob()], [0xff, 0]);
  t.is(d.extra(), 'fin');
  t.is(FrameHeaderDecoder.ENCODED_LENGTH + d.encodedLength(), n);
  t.is(FrameHeaderDecoder.ENCODED_LENGTH + new EdgeDecoder().wrapAndApplyHeader(bytes, 0, h).skip().encodedLength(), n);
});

test('an older message (version 0) reads as null/absent/empty for everything newer', (t) => {
  // Make a version-0 message: encode with the v2 codec, then cut out what a v0 writer would not
  // have written (the `added` group, the `extra` var data) and stamp version 0 in the header.
  const buf = new Uint8Array(512);
  const n = encodeEdge(buf, { added: 0, extra: '' });
  const probe = new EdgeDecoder().wrapAndApplyHeader(buf.subarray(0, n), 0, new FrameHeaderDecoder());
  const legs = probe.legs();
  while (legs.hasNext()) legs.next().skip();
  const addedAt = probe.limit;
  probe.added();
  const addedEnd = probe.limit;
  const v0 = new Uint8Array([...buf.subarray(0, addedAt), ...buf.subarray(addedEnd, n - 2)]);
  new FrameHeaderEncoder().wrap(v0, 0).version(0);

  const d = new EdgeDecoder().wrapAndApplyHeader(v0, 0, new FrameHeaderDecoder());
  t.is(d.actingVersion(), 0);
  t.true(d.qtyIsNull());
  t.is(d.qty(), EdgeDecoder.qtyNullValue);
  t.is(d.point(), undefined, 'composite since v1 is absent');
  t.false(d.flags32().later(), 'set choice since v1 reads false');
  t.true(d.flags32().sign());
  const l = d.legs();
  while (l.hasNext()) l.next().skip();
  t.is(d.added().count(), 0, 'group since v1: count 0, nothing consumed');
  t.deepEqual([...d.blob()], [0xff, 0]);
  t.is(d.extraLength(), 0);
  t.is(d.extra(), '', 'var data since v2: empty');
  t.is(FrameHeaderDecoder.ENCODED_LENGTH + d.encodedLength(), v0.length);
});

test('edge schema: limits are enforced with typed errors', (t) => {
  const buf = new Uint8Array(512);
  const e = new EdgeEncoder().wrapAndApplyHeader(buf, 0, new FrameHeaderEncoder());
  t.throws(() => e.latin('Ā'), { instanceOf: SbeValueError }, 'U+0100 is not ISO-8859-1');
  t.throws(() => e.utf('ü✓xy'), { instanceOf: SbeValueError }, '7 UTF-8 bytes do not fit char[6]');
  t.throws(() => e.legsCount(4), { instanceOf: SbeValueError }, 'numInGroup maxValue 3');
  const legs = e.legsCount(1);
  const parts = legs.next().fillsCount(1).next().partsCount(1);
  t.throws(() => parts.next().tag(new Uint8Array(6)), { instanceOf: SbeValueError }, 'length maxValue 5');
  t.throws(() => parts.putTag(new Uint8Array(3), 1, 3), { instanceOf: SbeBoundsError }, 'source too short');
  const err = t.throws(() => e.idsAsNumber(0, 2 ** 60), { instanceOf: SbeError });
  t.is(err?.code, 'SBE_VALUE_OUT_OF_RANGE');
  t.true(err instanceof RangeError);
});

test('FIXP Negotiate: uint8[16] UUID copy in/out, uint64 timestamp, raw var data', (t) => {
  const buf = new Uint8Array(128);
  const uuid = Uint8Array.from({ length: 16 }, (_, i) => i * 16 + 1);
  const enc = new fixp.NegotiateEncoder().wrapAndApplyHeader(buf, 0, new fixp.MessageHeaderEncoder());
  enc.putSessionId(uuid, 0).timestamp(1_700_000_000_123_456_789n).clientFlow(fixp.FlowType.Idempotent);
  enc.credentials(Uint8Array.of(1, 2, 3));
  const n = fixp.MessageHeaderEncoder.ENCODED_LENGTH + enc.encodedLength();
  t.is(n, 8 + 16 + 8 + 1 + 2 + 3);
  const dec = new fixp.NegotiateDecoder().wrapAndApplyHeader(buf.subarray(0, n), 0, new fixp.MessageHeaderDecoder());
  const out = new Uint8Array(16);
  t.is(dec.getSessionId(out, 0), 16);
  t.deepEqual(out, uuid);
  t.is(dec.sessionId(15), 241);
  t.is(dec.timestamp(), 1_700_000_000_123_456_789n);
  t.true(Number.isNaN(dec.timestampAsNumber()));
  t.is(fixp.FlowType.name(dec.clientFlow()), 'Idempotent');
  const cred = new Uint8Array(2);
  t.throws(() => dec.getCredentials(cred, 1, 3), { instanceOf: SbeBoundsError }, 'does not fit dst');
  t.is(dec.getCredentials(cred, 0, 2), 2, 'copies up to length, skips the rest');
  t.deepEqual([...cred], [1, 2]);
  t.is(fixp.MessageHeaderDecoder.ENCODED_LENGTH + dec.encodedLength(), n);
});

test('runtime text helpers agree with TextEncoder/TextDecoder, surrogates included', (t) => {
  const samples = ['', 'abc', 'Ünïcødé ✓', '𝄞 clef', 'lone \ud800 high', 'lone \udc00 low', 'end \ud83d'];
  const te = new TextEncoder();
  for (const s of samples) {
    const ref = te.encode(s);
    t.is(utf8Length(s), ref.length, s);
    t.is(textLength(s, 'UTF-8'), ref.length);
    const buf = new Uint8Array(ref.length + 2);
    t.is(writeText(buf, 1, s, 'UTF-8'), ref.length);
    t.deepEqual(buf.subarray(1, 1 + ref.length), ref);
    t.is(readText(buf, 1, ref.length, 'UTF-8'), new TextDecoder().decode(ref));
  }
  const long = 'x'.repeat(10000) + 'ÿ';
  const buf = new Uint8Array(long.length);
  writeText(buf, 0, long, 'ISO-8859-1');
  t.is(readText(buf, 0, buf.length, 'ISO-8859-1'), long);
  t.throws(() => readText(buf, 5, buf.length, 'UTF-8'), { instanceOf: SbeBoundsError });
});
