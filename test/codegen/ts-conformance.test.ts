/**
 * FIX SBE conformance suite (shared/data/sbe/conformance) against the generated TypeScript codecs.
 * Each plan: encode the inject message with the inject schema's codec, decode it with the
 * messageSchema's codec (plan 2: an old reader reading a newer message), answer as the order-fill
 * responder the plan describes (`true` = echo the injected value of that tag), encode the response
 * with the messageSchema's codec and check that it decodes to the plan's values. Field ids map to
 * names through the IR.
 */
import test from 'ava';
import * as fs from 'node:fs';
import type { Block, CompositeType, EncodedType, MessageDef, Schema } from '../../codegen/ir.js';
import * as conf1 from '../generated/ts/conformance-schema1/index.js';
import * as conf2 from '../generated/ts/conformance-schema2/index.js';
import * as conf3 from '../generated/ts/conformance-schema3/index.js';
import { loadSchema } from '../helpers/generate-ts.js';
import { refdata } from '../helpers/refdata.js';
import { type Json, type JsonObject, SbeJson } from '../helpers/sbe-json.js';

type PlanMessage = { template: number } & Record<string, Json>;
interface Plan {
  version: { testNumber: number; messageSchema: string; injectMessageSchema: string; comment: string };
  inject: { messages: PlanMessage[] };
  respond: { messages: PlanMessage[] };
}

const MODULES: Record<string, Record<string, unknown>> = { 'schema1.xml': conf1, 'schema2.xml': conf2, 'schema3.xml': conf3 };
const codecs = new Map<string, SbeJson>();
/** Plans name the schemas TestSchemaN.xml; the suite ships them as schemaN.xml. */
function codec(planName: string): SbeJson {
  const file = planName.replace(/^TestSchema(\d+)\.xml$/, 'schema$1.xml');
  let c = codecs.get(file);
  if (!c) {
    const mod = MODULES[file];
    if (!mod) throw new Error(`no generated codec for ${planName}`);
    codecs.set(file, (c = new SbeJson(mod, loadSchema(`sbe/conformance/${file}`))));
  }
  return c;
}

/** A composite the plans write as one decimal number: mantissa × 10^exponent (constant exponent). */
function decimalExponent(t: CompositeType): number | undefined {
  const mant = t.members.find((m) => m.name === 'mantissa');
  const exp = t.members.find((m) => m.name === 'exponent');
  if (!mant || !exp || exp.type.kind !== 'encoded' || exp.type.presence !== 'constant') return undefined;
  return Number(exp.type.constValue);
}

/** Plan values (by tag) → sidecar-shaped JSON (by name) for a block. Unknown tags are returned. */
function toNames(schema: Schema, block: Block, plan: Record<string, Json>, unknown: string[]): JsonObject {
  const out: JsonObject = {};
  for (const [key, value] of Object.entries(plan)) {
    if (key === 'template') continue;
    const g = block.groups.find((x) => x.name === key || String(x.id) === key);
    if (g) {
      out[g.name] = (value as Record<string, Json>[]).map((e) => toNames(schema, g, e, unknown));
      continue;
    }
    const d = block.data.find((x) => String(x.id) === key);
    if (d) {
      out[d.name] = value;
      continue;
    }
    const f = block.fields.find((x) => String(x.id) === key);
    if (!f) {
      unknown.push(key);
      continue;
    }
    const t = f.type;
    if (t.kind === 'enum') {
      out[f.name] = value === null ? null : t.values.find((v) => v.value === String(value))!.name;
    } else if (t.kind === 'composite') {
      const exp = decimalExponent(t);
      if (exp === undefined || value === null) out[f.name] = value;
      else {
        const mant = t.members.find((m) => m.name === 'mantissa')!.type as EncodedType;
        const m = Math.round((value as number) * 10 ** -exp);
        out[f.name] = { mantissa: mant.primitive.endsWith('64') ? String(m) : m };
      }
    } else if (t.kind === 'encoded' && (t.primitive === 'int64' || t.primitive === 'uint64') && value !== null) {
      out[f.name] = String(value);
    } else out[f.name] = value;
  }
  return out;
}

/** Decoded sidecar-shaped JSON (by name) → plan values (by tag). */
function toTags(block: Block, decoded: JsonObject): Record<string, Json> {
  const out: Record<string, Json> = {};
  for (const f of block.fields) {
    if (f.presence === 'constant' || !(f.name in decoded)) continue;
    const v = decoded[f.name]!;
    const t = f.type;
    let r: Json = v;
    if (t.kind === 'enum' && v !== null) r = t.values.find((x) => x.name === v)!.value;
    else if (t.kind === 'composite' && v !== null) {
      const exp = decimalExponent(t);
      const o = v as JsonObject;
      if (exp !== undefined) {
        const m = o.mantissa;
        r = m === null ? null : exp < 0 ? Number(m) / 10 ** -exp : Number(m) * 10 ** exp;
      } else {
        // A composite whose members all hold their null values is a null composite.
        const isNull = t.members.every((m) => {
          if (m.type.kind !== 'encoded' || m.type.presence === 'constant') return true;
          const x = o[m.name];
          return x === null || String(x) === m.type.nullValue;
        });
        r = isNull ? null : o;
      }
    } else if (t.kind === 'encoded' && typeof v === 'string' && (t.primitive === 'int64' || t.primitive === 'uint64')) r = Number(v);
    out[String(f.id)] = r;
  }
  for (const g of block.groups) out[g.name] = ((decoded[g.name] ?? []) as JsonObject[]).map((e) => toTags(g, e));
  for (const d of block.data) out[String(d.id)] = decoded[d.name]!;
  return out;
}

/** Decode with a codec whose schema may differ from the writer's; returns tags and the acting version. */
function decodeTags(c: SbeJson, bytes: Uint8Array): { msg: MessageDef; tags: Record<string, Json>; length: number } {
  const r = c.decode(bytes);
  return { msg: r.message, tags: toTags(r.message, r.fields), length: r.length };
}

function encodePlan(c: SbeJson, plan: PlanMessage, unknown: string[]): Uint8Array {
  const msg = c.schema.messages.find((m) => m.id === plan.template)!;
  const buf = new Uint8Array(1024);
  const n = c.encode(msg.name, toNames(c.schema, msg, plan, unknown), buf);
  return buf.slice(0, n);
}

/** The responder: `true` echoes the injected tag, anything else is the plan's value. */
function respond(plan: Record<string, Json>, injected: Record<string, Json>): Record<string, Json> {
  const out: Record<string, Json> = {};
  for (const [k, v] of Object.entries(plan)) {
    if (v === true) out[k] = injected[k]!;
    else if (Array.isArray(v)) out[k] = v.map((e) => respond(e as Record<string, Json>, injected));
    else out[k] = v;
  }
  return out;
}

const plans = [1, 2, 3].map((n) => JSON.parse(fs.readFileSync(refdata('sbe', 'conformance', `test${n}.json`), 'utf8')) as Plan);

for (const plan of plans) {
  const v = plan.version;
  test(`conformance test ${v.testNumber}: ${v.comment}`, (t) => {
    const injector = codec(v.injectMessageSchema);
    const reader = codec(v.messageSchema);
    for (const inject of plan.inject.messages) {
      // 1. The counterparty encodes the inject message with its schema.
      const unknown: string[] = [];
      const bytes = encodePlan(injector, inject, unknown);
      // The plans give tag 37 (OrderID) on NewOrderSingle, which has no such field: a quirk of the
      // suite; it is reported and skipped (OrdType is left unset).
      t.deepEqual(unknown, inject.template === 99 ? ['37'] : [], 'tags the inject schema does not define');
      const expectedInject: Record<string, Json> = {};
      for (const [k, val] of Object.entries(inject)) if (k !== 'template' && !unknown.includes(k)) expectedInject[k] = val;

      // The writer's own schema reads back every tag it wrote.
      const own = decodeTags(injector, bytes);
      for (const [k, val] of Object.entries(expectedInject)) t.deepEqual(own.tags[k], val, `writer reads back tag ${k}`);

      // 2. We decode it with our (possibly older) schema.
      const got = decodeTags(reader, bytes);
      t.is(got.msg.id, inject.template);
      t.is(got.length, bytes.length, 'the whole message is consumed (received blockLength honoured)');
      for (const [k, val] of Object.entries(expectedInject)) {
        if (k in got.tags) t.deepEqual(got.tags[k], val, `reader decodes tag ${k}`);
        else t.true(injector.schema.messages.find((m) => m.id === inject.template)!.fields.some((f) => String(f.id) === k && f.sinceVersion > reader.schema.version) ||
          injector.schema.messages.find((m) => m.id === inject.template)!.data.some((d) => String(d.id) === k && d.sinceVersion > reader.schema.version),
          `tag ${k} unknown to the reader only because it is newer`);
      }

      // 3. Respond: encode with our schema, and check what the counterparty will read.
      for (const response of plan.respond.messages) {
        const expected = respond(response, got.tags);
        const unknownR: string[] = [];
        const out = encodePlan(reader, { ...expected, template: response.template } as PlanMessage, unknownR);
        t.deepEqual(unknownR, [], 'every response tag exists in our schema');
        const back = decodeTags(reader, out);
        t.is(back.msg.id, response.template);
        for (const [k, val] of Object.entries(expected)) {
          if (k === 'template') continue;
          t.deepEqual(back.tags[k], val, `response tag ${k}`);
        }
        // A reader on the injector's schema (the counterparty) reads the same response.
        const peer = decodeTags(injector, out);
        for (const [k, val] of Object.entries(expected)) if (k !== 'template') t.deepEqual(peer.tags[k], val, `peer reads response tag ${k}`);
      }
    }
  });
}

test('conformance test 2: the v0 reader uses the received blockLength (58) and version 1', (t) => {
  const injector = codec('TestSchema2.xml');
  const bytes = encodePlan(injector, plans[1]!.inject.messages[0]!, []);
  const header = new conf1.MessageHeaderDecoder().wrap(bytes, 0);
  t.is(header.blockLength(), 58);
  t.is(header.version(), 1);
  const d = new conf1.NewOrderSingleDecoder().wrapAndApplyHeader(bytes, 0, header);
  t.is(conf1.NewOrderSingleDecoder.BLOCK_LENGTH, 54);
  t.is(d.actingBlockLength(), 58);
  t.is(d.clOrdId(), 'CL000001');
  t.is(d.price().mantissaAsNumber(), 17560);
  t.true(d.stopPx().mantissaIsNull());
  t.is(conf1.SideEnum.name(d.side()), 'Sell');
  t.is(d.transactTimeAsNumber(), 1480936563000000);
  t.is(conf1.MessageHeaderDecoder.ENCODED_LENGTH + d.encodedLength(), bytes.length);
  // A v2 reader of the same v1 bytes: ComplianceText (since v2) reads as empty.
  const d3 = new conf3.NewOrderSingleDecoder().wrapAndApplyHeader(bytes, 0, new conf3.MessageHeaderDecoder());
  t.is(d3.minQty()?.mantissa(), 200, 'MinQty (since v1) is present at acting version 1');
  t.is(d3.complianceTextLength(), 0);
  t.deepEqual(d3.complianceText(), new Uint8Array(0));
});
