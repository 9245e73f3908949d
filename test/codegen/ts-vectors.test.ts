/**
 * Generated TypeScript codecs against the golden vectors made by sbe-tool's Java codecs
 * (shared/data/sbe/vectors): decode every .bin to its .json sidecar (and to sbe-tool's own OTF
 * decode), re-encode the sidecar byte for byte, read across schema versions, and check the edges.
 */
import test from 'ava';
import * as fs from 'node:fs';
import { SbeBoundsError, SbeStateError, SbeValueError } from '../../src/codec/sbe.js';
import * as baseline from '../generated/ts/example-schema/index.js';
import * as extension from '../generated/ts/example-extension-schema/index.js';
import * as bigendian from '../generated/ts/example-bigendian-test-schema/index.js';
import * as groupWithData from '../generated/ts/group-with-data-schema/index.js';
import * as compositeOffsets from '../generated/ts/composite-offsets-schema/index.js';
import { loadSchema } from '../helpers/generate-ts.js';
import { refdata } from '../helpers/refdata.js';
import { type Json, type JsonObject, SbeJson, canonical } from '../helpers/sbe-json.js';

interface VectorEntry {
  name: string;
  bin: string;
  json: string;
  otf: string;
  schema: string;
  message: string;
  totalLength: number;
}
interface Sidecar {
  header: JsonObject;
  constants?: JsonObject;
  fields: JsonObject;
  totalLength: number;
}

const MODULES: Record<string, Record<string, unknown>> = {
  'schemas/example-schema.xml': baseline,
  'schemas/example-extension-schema.xml': extension,
  'schemas/example-bigendian-test-schema.xml': bigendian,
  'schemas/group-with-data-schema.xml': groupWithData,
  'schemas/composite-offsets-schema.xml': compositeOffsets,
};

const vectorsDir = (f: string): string => refdata('sbe', 'vectors', f);
const index = JSON.parse(fs.readFileSync(vectorsDir('index.json'), 'utf8')) as { vectors: VectorEntry[] };
const bin = (f: string): Uint8Array => new Uint8Array(fs.readFileSync(vectorsDir(f)));
const json = <T>(f: string): T => JSON.parse(fs.readFileSync(vectorsDir(f), 'utf8')) as T;

const codecs = new Map<string, SbeJson>();
function codec(schemaRel: string): SbeJson {
  let c = codecs.get(schemaRel);
  if (!c) {
    const mod = MODULES[schemaRel];
    if (!mod) throw new Error(`no generated module for ${schemaRel}`);
    codecs.set(schemaRel, (c = new SbeJson(mod, loadSchema(`sbe/${schemaRel}`))));
  }
  return c;
}

test('index.json lists every vector the folder holds, and each has a generated codec', (t) => {
  const bins = fs.readdirSync(refdata('sbe', 'vectors')).filter((f) => f.endsWith('.bin')).sort();
  t.deepEqual(index.vectors.map((v) => v.bin).sort(), bins);
  for (const v of index.vectors) t.truthy(MODULES[v.schema], v.schema);
});

for (const v of index.vectors) {
  test(`decode ${v.name}: header, fields and constants equal the sidecar`, (t) => {
    const c = codec(v.schema);
    const side = json<Sidecar>(v.json);
    const bytes = bin(v.bin);
    t.is(bytes.length, v.totalLength);
    const r = c.decode(bytes);
    t.is(r.message.name, v.message);
    t.deepEqual(r.header, side.header);
    t.deepEqual(canonical(r.fields), canonical(side.fields));
    t.is(r.length, v.totalLength, 'encodedLength after a full read covers the whole vector');
    t.deepEqual(canonical(c.messageConstants(r.message)), canonical(side.constants ?? {}));
  });

  test(`decode ${v.name}: equals sbe-tool's own OTF decode`, (t) => {
    const c = codec(v.schema);
    const r = c.decode(bin(v.bin), 0, 'otf');
    t.deepEqual(canonical(r.fields), canonical(json<Json>(v.otf)));
  });

  test(`encode ${v.name}: reproduces the .bin byte for byte, whatever the buffer held`, (t) => {
    const c = codec(v.schema);
    const side = json<Sidecar>(v.json);
    const expected = bin(v.bin);
    for (const fill of [0x00, 0xaa, 0xff]) {
      const buf = new Uint8Array(v.totalLength + 32).fill(fill);
      const n = c.encode(v.message, side.fields, buf, 16);
      t.is(n, v.totalLength);
      t.deepEqual(Buffer.from(buf.subarray(16, 16 + n)).toString('hex'), Buffer.from(expected).toString('hex'), `fill 0x${fill.toString(16)}`);
      t.true(buf.subarray(0, 16).every((b) => b === fill) && buf.subarray(16 + n).every((b) => b === fill), 'nothing written outside');
    }
  });

  test(`decode ${v.name}: every truncation throws SbeBoundsError, never garbage`, (t) => {
    const c = codec(v.schema);
    const bytes = bin(v.bin);
    for (let len = 0; len < bytes.length; len++) {
      const cut = bytes.slice(0, len);
      t.throws(() => c.decode(cut), { instanceOf: SbeBoundsError }, `length ${len}`);
    }
  });
}

// ---------------------------------------------------------------- across schema versions

test('v0 decoder reads v1 messages: new fields ignored, groups found via the received blockLength', (t) => {
  const v0 = codec('schemas/example-schema.xml');
  for (const name of ['car_extension_v1', 'car_extension_v1_nulls']) {
    const side = json<Sidecar>(`${name}.json`);
    const r = v0.decode(bin(`${name}.bin`));
    t.is(r.header.blockLength, 62);
    const expected = { ...side.fields };
    delete expected.uuid;
    delete expected.cupHolderCount;
    t.deepEqual(canonical(r.fields), canonical(expected), name);
    t.is(r.length, bin(`${name}.bin`).length);
  }
  const otf = v0.decode(bin('car_extension_v1.bin'), 0, 'otf');
  t.deepEqual(canonical(otf.fields), canonical(json<Json>('car_extension_v1.decoded_by_v0.otf.json')));
});

test('v1 decoder reads a v0 message: uuid and cupHolderCount read as null', (t) => {
  const v1 = codec('schemas/example-extension-schema.xml');
  const side = json<Sidecar>('car_baseline_v0.json');
  const r = v1.decode(bin('car_baseline_v0.bin'));
  t.deepEqual(canonical(r.fields), canonical({ ...side.fields, uuid: null, cupHolderCount: null }));
  const otf = v1.decode(bin('car_baseline_v0.bin'), 0, 'otf');
  t.deepEqual(canonical(otf.fields), canonical(json<Json>('car_baseline_v0.decoded_by_v1.otf.json')));

  const dec = new extension.CarDecoder().wrapAndApplyHeader(bin('car_baseline_v0.bin'), 0, new extension.MessageHeaderDecoder());
  t.is(dec.actingVersion(), 0);
  t.is(dec.actingBlockLength(), 45);
  t.true(dec.uuidIsNull(0) && dec.uuidIsNull(1) && dec.cupHolderCountIsNull());
  t.is(dec.uuid(0), extension.CarDecoder.uuidNullValue);
  t.true(Number.isNaN(dec.uuidAsNumber(1)));
  t.is(dec.cupHolderCount(), 255);
});

// ---------------------------------------------------------------- the Car API by hand

test('Car round trip through the typed API (README example)', (t) => {
  const buf = new Uint8Array(256);
  const header = new baseline.MessageHeaderEncoder();
  const car = new baseline.CarEncoder().wrapAndApplyHeader(buf, 0, header);
  car.serialNumber(18446744073709551614n).modelYear(2013).available(baseline.BooleanType.T).code(baseline.Model.A);
  car.someNumbers(0, 1).someNumbers(3, 4).vehicleCode('abcdef');
  car.extras().clear().sportsPack(true);
  car.engine().capacity(2000).numCylinders(4).manufacturerCode('123').booster().boostType(baseline.BoostType.NITROUS);
  const fuel = car.fuelFiguresCount(1);
  fuel.next().speed(30).mpg(35.9).usageDescription('Urban Cycle');
  const perf = car.performanceFiguresCount(1);
  perf.next().octaneRating(95).accelerationCount(1).next().mph(30).seconds(4);
  car.manufacturer('Hönda').model('Civic').activationCode('');
  const length = baseline.MessageHeaderEncoder.ENCODED_LENGTH + car.encodedLength();

  const hdr = new baseline.MessageHeaderDecoder();
  const d = new baseline.CarDecoder().wrapAndApplyHeader(buf.subarray(0, length), 0, hdr);
  t.is(d.serialNumber(), 18446744073709551614n);
  t.true(Number.isNaN(d.serialNumberAsNumber()), 'above 2^53: NaN sentinel');
  t.is(baseline.BooleanType.name(d.available()), 'T');
  t.is(baseline.Model.name(d.code()), 'A');
  t.is(d.discountedModel(), baseline.Model.C);
  t.is(d.someNumbers(3), 4);
  t.is(d.vehicleCode(), 'abcdef');
  t.true(d.extras().sportsPack() && !d.extras().sunRoof());
  t.is(d.engine().maxRpm(), 9000);
  t.is(d.engine().fuel(), 'Petrol');
  t.is(baseline.BoostType.name(d.engine().booster().boostType()), 'NITROUS');
  const f = d.fuelFigures();
  t.is(f.count(), 1);
  t.is(f.next().speed(), 30);
  t.is(f.mpg(), Math.fround(35.9));
  t.is(f.usageDescription(), 'Urban Cycle');
  t.false(f.hasNext());
  const p = d.performanceFigures();
  const a = p.next().acceleration();
  t.is(a.next().seconds(), 4);
  t.is(d.manufacturerLength(), 6, 'UTF-8 bytes');
  t.is(d.manufacturer(), 'Hönda');
  t.is(d.model(), 'Civic');
  t.is(d.activationCode(), '');
  t.is(baseline.MessageHeaderDecoder.ENCODED_LENGTH + d.encodedLength(), length);
});

test('edge vector: uint64 above 2^63, uint32 above 2^31, UTF-8 var data, empty groups', (t) => {
  const bytes = bin('car_baseline_v0_edge.bin');
  const d = new baseline.CarDecoder().wrapAndApplyHeader(bytes, 0, new baseline.MessageHeaderDecoder());
  t.is(d.serialNumber(), 18446744073709551614n);
  t.true(Number.isNaN(d.serialNumberAsNumber()));
  t.is(d.someNumbers(2), 4294967294);
  t.is(d.someNumbers(3), 2147483648);
  t.is(d.vehicleCode(), 'xy');
  const dst = new Uint8Array(8);
  t.is(d.getVehicleCode(dst, 1), 2, 'text length before the NUL padding');
  t.deepEqual([...dst], [0, 0x78, 0x79, 0, 0, 0, 0, 0]);
  t.is(d.fuelFigures().count(), 0);
  const perf = d.performanceFigures();
  t.is(perf.count(), 1);
  t.is(perf.next().acceleration().count(), 0);
  t.is(d.manufacturer(), '');
  t.is(d.modelLength(), 15, 'UTF-8 bytes (the sidecar note says 13; the bytes hold 15)');
  t.is(d.model(), 'Ünïcødé ✓');
  t.is(d.activationCode(), '');
  t.is(baseline.MessageHeaderDecoder.ENCODED_LENGTH + d.encodedLength(), bytes.length);
  // skip() walks groups and var data without reading them
  const s = new baseline.CarDecoder().wrapAndApplyHeader(bytes, 0, new baseline.MessageHeaderDecoder()).skip();
  t.is(baseline.MessageHeaderDecoder.ENCODED_LENGTH + s.encodedLength(), bytes.length);
});

test('64-bit setters: bigint exact and range-checked, number setter only for safe integers', (t) => {
  const buf = new Uint8Array(64);
  const car = new baseline.CarEncoder().wrap(buf, 0);
  const dec = new baseline.CarDecoder().wrap(buf, 0, baseline.CarDecoder.BLOCK_LENGTH, 0);
  car.serialNumberAsNumber(2 ** 53 - 1);
  t.is(dec.serialNumber(), 2n ** 53n - 1n);
  t.is(dec.serialNumberAsNumber(), 2 ** 53 - 1);
  car.serialNumber(2n ** 53n);
  t.true(Number.isNaN(dec.serialNumberAsNumber()));
  t.throws(() => car.serialNumberAsNumber(2 ** 53), { instanceOf: SbeValueError });
  t.throws(() => car.serialNumberAsNumber(-1), { instanceOf: SbeValueError });
  t.throws(() => car.serialNumberAsNumber(1.5), { instanceOf: SbeValueError });
  t.throws(() => car.serialNumber(-1n), { instanceOf: SbeValueError });
  t.throws(() => car.serialNumber(2n ** 64n), { instanceOf: SbeValueError });

  const ext = new extension.CarEncoder().wrap(buf, 0);
  const extDec = new extension.CarDecoder().wrap(buf, 0, extension.CarDecoder.BLOCK_LENGTH, 1);
  for (const v of [0, -1, -(2 ** 53 - 1), 2 ** 53 - 1, -4294967296, 4294967295]) {
    ext.uuidAsNumber(1, v);
    t.is(extDec.uuid(1), BigInt(v));
    t.is(extDec.uuidAsNumber(1), v);
  }
  ext.uuid(0, -(2n ** 63n));
  t.true(extDec.uuidIsNull(0));
  t.true(Number.isNaN(extDec.uuidAsNumber(0)));
  ext.uuid(0, -(2n ** 53n));
  t.true(Number.isNaN(extDec.uuidAsNumber(0)), '-2^53 is outside ±(2^53−1)');
  t.throws(() => ext.uuid(0, 2n ** 63n), { instanceOf: SbeValueError });
});

test('encoder refuses what it cannot encode, and never writes past the buffer', (t) => {
  const backing = new Uint8Array(80).fill(0xee);
  const buf = backing.subarray(0, 60); // header 8 + block 45 = 53: fits; groups will not
  const car = new baseline.CarEncoder().wrapAndApplyHeader(buf, 0, new baseline.MessageHeaderEncoder());
  t.throws(() => car.vehicleCode('abcdefg'), { instanceOf: SbeValueError });
  t.throws(() => car.vehicleCode('abcdé'), { instanceOf: SbeValueError }, 'not US-ASCII');
  t.throws(() => car.someNumbers(4, 1), { instanceOf: SbeBoundsError });
  t.throws(() => car.fuelFiguresCount(65535), { instanceOf: SbeValueError });
  const fuel = car.fuelFiguresCount(1);
  t.throws(() => fuel.next(), { instanceOf: SbeBoundsError }, 'entry does not fit');
  t.throws(() => new baseline.CarEncoder().wrap(buf, 20), { instanceOf: SbeBoundsError });
  t.true(backing.subarray(60).every((b) => b === 0xee), 'bytes after the wrapped view untouched');

  const big = new Uint8Array(256);
  const c2 = new baseline.CarEncoder().wrap(big, 0);
  const g = c2.fuelFiguresCount(1);
  g.next();
  t.throws(() => g.next(), { instanceOf: SbeStateError });
});

test('decoder: wrong template or schema in the header is refused', (t) => {
  const bytes = bin('group_with_data_msg3.bin');
  t.throws(() => new groupWithData.TestMessage4Decoder().wrapAndApplyHeader(bytes, 0, new groupWithData.MessageHeaderDecoder()), {
    instanceOf: SbeStateError,
  });
  const car = bin('car_baseline_v0.bin');
  t.throws(() => new compositeOffsets.TestMessage1Decoder().wrapAndApplyHeader(car, 0, new compositeOffsets.MessageHeaderDecoder()), {
    instanceOf: SbeStateError,
  });
});

test('composite offsets: header members at explicit offsets, custom group dimension', (t) => {
  const bytes = bin('composite_offsets_msg1.bin');
  const h = new compositeOffsets.MessageHeaderDecoder().wrap(bytes, 0);
  t.is(compositeOffsets.MessageHeaderDecoder.ENCODED_LENGTH, 12);
  t.is(h.templateId(), 1);
  t.is(h.schemaId(), 15);
  t.is(compositeOffsets.TestMessage1EntriesDecoder.HEADER_SIZE, 8);
  const d = new compositeOffsets.TestMessage1Decoder().wrapAndApplyHeader(bytes, 0, h);
  const e = d.entries();
  t.is(e.count(), 2);
  t.is(e.next().tagGroup1(), 10n);
  t.is(e.tagGroup2AsNumber(), -20);
});

test('big-endian schema: header, group dimensions and var-data lengths are big-endian', (t) => {
  const bytes = bin('car_bigendian_v0.bin');
  t.is(bigendian.BYTE_ORDER, 'bigEndian');
  const h = new bigendian.MessageHeaderDecoder().wrap(bytes, 0);
  t.is(h.blockLength(), 49);
  const d = new bigendian.CarDecoder().wrapAndApplyHeader(bytes, 0, h);
  t.is(d.serialNumberAsNumber(), 1234);
  t.is(d.someNumbers(4), 5);
  t.is(d.fuelFigures().count(), 3);
});
