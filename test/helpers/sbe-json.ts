/**
 * IR-driven bridge between generated TypeScript SBE codecs and JSON values, for tests. It walks
 * the IR and calls the generated accessors by name (codegen/names.ts), so it works for any schema
 * the generator accepts, not only the reference ones.
 *
 * Two JSON shapes:
 * - 'sidecar' — the conventions of shared/data/sbe/vectors/index.json: int64/uint64 as strings,
 *   char arrays without NUL padding, enum → validValue name, set → list of choice names, optional
 *   at null → null, constants left out (see {@link messageConstants}).
 * - 'otf' — what sbe-tool's OTF JsonPrinter prints: raw values (nulls too), 64-bit as numbers
 *   (uint64 printed signed, as sbe-tool does), sets as {choice: boolean}, constants in place.
 * Floats (float32) are rendered as the shortest decimal that round-trips, as Java prints them.
 * Raw var data (no characterEncoding) is rendered as ISO-8859-1 text (one char per byte).
 */
import type { Block, CompositeType, DataDef, EncodedType, MessageDef, Presence, Schema, TypeDef } from '../../codegen/ir.js';
import { tsProperty, tsType } from '../../codegen/names.js';

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };
/** A generated module (the namespace of its index.js). */
export type GeneratedModule = Record<string, unknown>;
export type Shape = 'sidecar' | 'otf';

type Fly = any;

interface SlotLike {
  name: string;
  type: TypeDef;
  presence: Presence;
  constEnum?: { type: { name: string }; value: { name: string; code: string } };
}

function memberSlots(t: CompositeType): SlotLike[] {
  return t.members.map((m) => ({
    name: m.name,
    type: m.type,
    presence: m.type.kind === 'encoded' || m.type.kind === 'enum' ? m.type.presence : 'required',
  }));
}

/** A member name derived from a schema name, as the TS target derives it (codegen/targets/ts). */
export function derived(name: string, suffix: string): string {
  return tsProperty(name + suffix);
}

function cls(mod: GeneratedModule, name: string): Fly {
  const c = mod[name];
  if (typeof c !== 'function' && typeof c !== 'object') throw new Error(`generated module has no export ${name}`);
  return c;
}

/** float32 as Java prints it: the shortest decimal that reads back as the same float32. */
export function float32Json(v: number): number {
  if (!Number.isFinite(v)) return v;
  for (let p = 1; p <= 9; p++) {
    const s = Number(v.toPrecision(p));
    if (Math.fround(s) === v) return s;
  }
  return v;
}

function latin1(bytes: Uint8Array): string {
  let s = '';
  for (const b of bytes) s += String.fromCharCode(b);
  return s;
}

function is64(t: EncodedType): boolean {
  return t.primitive === 'int64' || t.primitive === 'uint64';
}

/** Check the non-allocating …AsNumber twin of a 64-bit getter against the bigint. */
function checkAsNumber(big: bigint, asNumber: number, where: string): void {
  const safe = big >= -(2n ** 53n - 1n) && big <= 2n ** 53n - 1n;
  const ok = safe ? asNumber === Number(big) : Number.isNaN(asNumber);
  if (!ok) throw new Error(`${where}: AsNumber gave ${asNumber} for ${big}`);
}

function scalarJson(t: EncodedType, v: number | bigint, shape: Shape): Json {
  if (typeof v === 'bigint') {
    if (shape === 'otf') return Number(t.primitive === 'uint64' ? BigInt.asIntN(64, v) : v);
    return v.toString();
  }
  if (t.primitive === 'char') return shape === 'otf' ? String.fromCharCode(v) : v === 0 ? '' : String.fromCharCode(v);
  if (t.primitive === 'float') return float32Json(v);
  return v;
}

export class SbeJson {
  constructor(
    readonly mod: GeneratedModule,
    readonly schema: Schema,
  ) {}

  message(name: string): MessageDef {
    const m = this.schema.messages.find((x) => x.name === name);
    if (!m) throw new Error(`no message ${name}`);
    return m;
  }

  /** Decode a header + message at `offset`; the message is chosen by the header's templateId. */
  decode(bytes: Uint8Array, offset = 0, shape: Shape = 'sidecar'): { header: JsonObject; message: MessageDef; fields: JsonObject; length: number } {
    const headerName = tsType(this.schema.header.name);
    const header: Fly = new (cls(this.mod, `${headerName}Decoder`))().wrap(bytes, offset);
    const h: JsonObject = {};
    for (const k of ['blockLength', 'templateId', 'schemaId', 'version'] as const) {
      const m = this.schema.headerMembers[k];
      h[k] = (m.type as EncodedType).primitive === 'uint64' ? header[derived(m.name, 'AsNumber')]() : header[tsProperty(m.name)]();
    }
    const message = this.schema.messages.find((m) => m.id === h.templateId);
    if (!message) throw new Error(`no message with templateId ${h.templateId}`);
    const dec: Fly = new (cls(this.mod, `${tsType(message.name)}Decoder`))();
    const headerDec: Fly = new (cls(this.mod, `${headerName}Decoder`))();
    dec.wrapAndApplyHeader(bytes, offset, headerDec);
    const fields = this.decodeBlock(dec, message, shape);
    const headerSize = cls(this.mod, `${headerName}Decoder`).ENCODED_LENGTH as number;
    return { header: h, message, fields, length: headerSize + (dec.encodedLength() as number) };
  }

  decodeBlock(fly: Fly, block: Block, shape: Shape): JsonObject {
    const out: JsonObject = {};
    for (const f of block.fields) {
      if (f.presence === 'constant') {
        if (shape === 'otf') out[f.name] = this.constantJson(fly, f);
        continue;
      }
      out[f.name] = this.decodeSlot(fly, f, shape);
    }
    for (const g of block.groups) {
      const group: Fly = fly[tsProperty(g.name)]();
      const entries: Json[] = [];
      while (group.hasNext()) entries.push(this.decodeBlock(group.next(), g, shape));
      out[g.name] = entries;
    }
    for (const d of block.data) out[d.name] = this.decodeData(fly, d);
    return out;
  }

  private decodeData(fly: Fly, d: DataDef): Json {
    const text = typeof fly.constructor[derived(d.name, 'CharacterEncoding')] === 'string';
    const v = fly[tsProperty(d.name)]();
    return text ? (v as string) : latin1(v as Uint8Array);
  }

  private constantJson(fly: Fly, s: SlotLike): Json {
    const v = fly[tsProperty(s.name)]();
    if (s.constEnum) return s.constEnum.value.name;
    if (typeof v === 'bigint') return Number(v);
    return v as Json;
  }

  decodeSlot(fly: Fly, s: SlotLike, shape: Shape): Json {
    const prop = tsProperty(s.name);
    const t = s.type;
    const where = `${s.name}`;
    switch (t.kind) {
      case 'encoded': {
        const nullable = shape === 'sidecar' && s.presence === 'optional';
        if (t.length === 1) {
          if (nullable && fly[derived(s.name, 'IsNull')]()) return null;
          const v = fly[prop]();
          if (is64(t)) checkAsNumber(v, fly[derived(s.name, 'AsNumber')](), where);
          return scalarJson(t, v, shape);
        }
        if (t.primitive === 'char') {
          if (nullable && Array.from({ length: t.length }, (_, i) => fly[derived(s.name, 'IsNull')](i)).every(Boolean)) return null;
          return fly[prop]() as string;
        }
        const arr: Json[] = [];
        let allNull = true;
        for (let i = 0; i < t.length; i++) {
          const v = fly[prop](i);
          if (is64(t)) checkAsNumber(v, fly[derived(s.name, 'AsNumber')](i), `${where}[${i}]`);
          if (!(nullable && fly[derived(s.name, 'IsNull')](i))) allNull = false;
          arr.push(scalarJson(t, v, shape));
        }
        return nullable && allNull ? null : arr;
      }
      case 'enum': {
        const code = fly[prop]();
        const e: Fly = cls(this.mod, tsType(t.name));
        if (shape === 'sidecar' && s.presence === 'optional' && fly[derived(s.name, 'IsNull')]()) return null;
        const name = e.name(code) as string | undefined;
        if (name !== undefined) return name;
        return code === e.NULL_VALUE ? null : `?${String(code)}`;
      }
      case 'set': {
        const set: Fly = fly[prop]();
        if (set === undefined) return null;
        if (shape === 'otf') {
          const o: JsonObject = {};
          for (const c of t.choices) o[c.name] = set[tsProperty(c.name)]() as boolean;
          return o;
        }
        return t.choices.filter((c) => set[tsProperty(c.name)]() as boolean).map((c) => c.name);
      }
      case 'composite': {
        const comp: Fly = fly[prop]();
        if (comp === undefined) return null;
        const o: JsonObject = {};
        for (const m of memberSlots(t)) {
          if (m.presence === 'constant') {
            if (shape === 'otf') o[m.name] = this.constantJson(comp, m);
            continue;
          }
          o[m.name] = this.decodeSlot(comp, m, shape);
        }
        return o;
      }
    }
  }

  /** Constants of a message as the vector sidecars list them: `name` or `composite.member`. */
  messageConstants(m: MessageDef): JsonObject {
    const dec: Fly = new (cls(this.mod, `${tsType(m.name)}Decoder`))();
    const out: JsonObject = {};
    const buf = new Uint8Array(m.blockLength + 64);
    dec.wrap(buf, 0, m.blockLength, this.schema.version);
    const walk = (fly: Fly, slots: SlotLike[], prefix: string): void => {
      for (const s of slots) {
        if (s.presence === 'constant') out[prefix + s.name] = this.constantJson(fly, s);
        else if (s.type.kind === 'composite') {
          const c = fly[tsProperty(s.name)]();
          if (c !== undefined) walk(c, memberSlots(s.type), `${prefix}${s.name}.`);
        }
      }
    };
    walk(dec, m.fields, '');
    return out;
  }

  /** Encode header + message `name` from sidecar-shaped JSON at `offset`; returns the total length. */
  encode(name: string, fields: JsonObject, buffer: Uint8Array, offset = 0): number {
    const m = this.message(name);
    const headerName = tsType(this.schema.header.name);
    const enc: Fly = new (cls(this.mod, `${tsType(m.name)}Encoder`))();
    const header: Fly = new (cls(this.mod, `${headerName}Encoder`))();
    enc.wrapAndApplyHeader(buffer, offset, header);
    this.encodeBlock(enc, m, fields);
    return (cls(this.mod, `${headerName}Encoder`).ENCODED_LENGTH as number) + (enc.encodedLength() as number);
  }

  encodeBlock(fly: Fly, block: Block, obj: JsonObject): void {
    for (const f of block.fields) {
      if (f.presence === 'constant' || obj[f.name] === undefined) continue;
      this.encodeSlot(fly, f, obj[f.name]!);
    }
    for (const g of block.groups) {
      const entries = (obj[g.name] ?? []) as JsonObject[];
      const group: Fly = fly[derived(g.name, 'Count')](entries.length);
      for (const e of entries) this.encodeBlock(group.next(), g, e);
    }
    for (const d of block.data) {
      const v = (obj[d.name] ?? '') as string;
      const prop = tsProperty(d.name);
      if (typeof fly.constructor[derived(d.name, 'CharacterEncoding')] === 'string') fly[prop](v);
      else fly[prop](Uint8Array.from(v, (ch) => ch.charCodeAt(0)));
    }
  }

  encodeSlot(fly: Fly, s: SlotLike, value: Json): void {
    const prop = tsProperty(s.name);
    const t = s.type;
    const statics: Fly = fly.constructor;
    switch (t.kind) {
      case 'encoded': {
        const setScalar = (v: Json, index?: number): void => {
          const args = index === undefined ? [] : [index];
          if (v === null) {
            fly[prop](...args, statics[derived(s.name, 'NullValue')]);
          } else if (is64(t)) {
            // Exercise both setters: the exact-number one when the value is a safe integer.
            const big = BigInt(v as string);
            if (big >= -(2n ** 53n - 1n) && big <= 2n ** 53n - 1n) fly[derived(s.name, 'AsNumber')](...args, Number(big));
            else fly[prop](...args, big);
          } else if (t.primitive === 'char') {
            fly[prop](...args, v === '' ? 0 : (v as string).charCodeAt(0));
          } else fly[prop](...args, v as number);
        };
        if (t.length === 1) return setScalar(value);
        if (t.primitive === 'char') {
          if (value === null) {
            for (let i = 0; i < t.length; i++) fly[derived(s.name, 'At')](i, statics[derived(s.name, 'NullValue')]);
          } else fly[prop](value as string);
          return;
        }
        for (let i = 0; i < t.length; i++) setScalar(value === null ? null : (value as Json[])[i]!, i);
        return;
      }
      case 'enum': {
        const e: Fly = cls(this.mod, tsType(t.name));
        fly[prop](value === null ? e.NULL_VALUE : e[value as string]);
        return;
      }
      case 'set': {
        const set: Fly = fly[prop]().clear();
        for (const c of (value ?? []) as string[]) set[tsProperty(c)](true);
        return;
      }
      case 'composite': {
        const comp: Fly = fly[prop]();
        for (const m of memberSlots(t)) {
          if (m.presence === 'constant') continue;
          const v = value === null ? null : (value as JsonObject)[m.name];
          if (v === undefined) continue;
          if (v === null && (m.type.kind === 'composite' || m.type.kind === 'set')) {
            this.encodeSlot(comp, m, m.type.kind === 'set' ? [] : null);
          } else this.encodeSlot(comp, m, v);
        }
        return;
      }
    }
  }
}

/** Recursively sort object keys, so deepEqual compares values, not key order. */
export function canonical(v: Json): Json {
  if (Array.isArray(v)) return v.map(canonical);
  if (v !== null && typeof v === 'object') {
    const o: JsonObject = {};
    for (const k of Object.keys(v).sort()) o[k] = canonical(v[k]!);
    return o;
  }
  return v;
}

/** Deterministic PRNG (mulberry32) for property tests. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Random sidecar-shaped values for a message, valid for its schema: integers within min..max,
 * optional values sometimes null, text within the field/var-data limits, 0–3 group entries.
 */
export function randomMessage(m: MessageDef, rnd: () => number): JsonObject {
  const int = (lo: bigint, hi: bigint): bigint => {
    const span = hi - lo + 1n;
    const r = (BigInt(Math.floor(rnd() * 2 ** 32)) << 32n) | BigInt(Math.floor(rnd() * 2 ** 32));
    return lo + (r % span);
  };
  const ascii = (max: number): string => {
    const n = Math.floor(rnd() * (max + 1));
    let s = '';
    for (let i = 0; i < n; i++) s += String.fromCharCode(0x41 + Math.floor(rnd() * 26));
    return s;
  };
  const scalar = (t: EncodedType, optional: boolean): Json => {
    if (optional && rnd() < 0.25) return null;
    switch (t.primitive) {
      case 'char':
        return String.fromCharCode(0x41 + Math.floor(rnd() * 26));
      case 'float':
        return float32Json(Math.fround((rnd() - 0.5) * 1e6));
      case 'double':
        return (rnd() - 0.5) * 1e12;
      default: {
        const v = int(BigInt(t.minValue), BigInt(t.maxValue));
        return is64(t) ? v.toString() : Number(v);
      }
    }
  };
  const slot = (s: SlotLike): Json => {
    const t = s.type;
    const optional = s.presence === 'optional';
    switch (t.kind) {
      case 'encoded':
        if (t.length === 1) return scalar(t, optional);
        if (optional && rnd() < 0.25) return null;
        // An all-NUL optional char array is its null value, so optional text is never empty.
        if (t.primitive === 'char') return optional ? ascii(t.length - 1) + 'Z' : ascii(t.length);
        return Array.from({ length: t.length }, () => scalar(t, false));
      case 'enum':
        if (optional && rnd() < 0.25) return null;
        return t.values[Math.floor(rnd() * t.values.length)]!.name;
      case 'set':
        return t.choices.filter(() => rnd() < 0.5).map((c) => c.name);
      case 'composite': {
        const o: JsonObject = {};
        for (const mm of memberSlots(t)) if (mm.presence !== 'constant') o[mm.name] = slot(mm);
        return o;
      }
    }
  };
  const block = (b: Block): JsonObject => {
    const o: JsonObject = {};
    for (const f of b.fields) if (f.presence !== 'constant') o[f.name] = slot(f);
    for (const g of b.groups) {
      const lo = Number(g.minCount);
      const n = Math.min(Number(g.maxCount), lo + Math.floor(rnd() * 4));
      o[g.name] = Array.from({ length: n }, () => block(g));
    }
    for (const d of b.data) o[d.name] = ascii(Math.min(Number(d.maxLength), 12));
    return o;
  };
  return block(m);
}
