/**
 * Accessors for fixed-position slots: fields of a message/group block and members of a composite.
 * The same code serves all three; only the base-offset expression and the class role differ.
 */
import type {
  CompositeMember,
  CompositeType,
  EncodedType,
  EnumType,
  EnumValue,
  FieldDef,
  Presence,
  SetType,
  TypeDef,
} from '../../ir.js';
import { PRIMITIVES } from '../../ir.js';
import { tsProperty, tsType } from '../../names.js';
import type { Printer } from '../../printer.js';
import {
  type FileBuilder,
  type Members,
  charsetOf,
  derived,
  doc,
  halves64,
  is64,
  literal,
  numberLiteral,
  plus,
  readExpr,
  readNumberExpr,
  tsString,
  tsValueType,
  typeLabel,
  writeNumberStmt,
  writeStmt,
} from './util.js';

/** A field of a block or a member of a composite, as far as accessors are concerned. */
export interface Slot {
  name: string;
  /** Field id; members of composites have none. */
  id?: number;
  /** Offset in the block/composite; -1 for constants. */
  offset: number;
  type: TypeDef;
  presence: Presence;
  sinceVersion: number;
  deprecated?: number;
  description?: string;
  semanticType?: string;
  epoch?: string;
  timeUnit?: string;
  constEnum?: { type: EnumType; value: EnumValue };
}

export function slotOfField(f: FieldDef): Slot {
  return {
    name: f.name,
    id: f.id,
    offset: f.offset,
    type: f.type,
    presence: f.presence,
    sinceVersion: f.sinceVersion,
    deprecated: f.deprecated,
    description: f.description,
    semanticType: f.semanticType,
    epoch: f.epoch,
    timeUnit: f.timeUnit,
    constEnum: f.constEnum,
  };
}

export function slotOfMember(m: CompositeMember): Slot {
  const t = m.type;
  const presence: Presence = t.kind === 'encoded' || t.kind === 'enum' ? t.presence : 'required';
  return {
    name: m.name,
    offset: m.offset,
    type: t,
    presence,
    sinceVersion: m.sinceVersion,
    deprecated: m.deprecated,
    // An inline <type> carries the member's own description; a ref'd named type's description is the type's.
    description: t.description,
    semanticType: t.semanticType,
  };
}

/** Class name of the generated flyweight for a composite or set type. */
export function flyweightClass(t: CompositeType | SetType, role: 'decoder' | 'encoder'): string {
  return `${tsType(t.name)}${role === 'decoder' ? 'Decoder' : 'Encoder'}`;
}

/** How one generated class accesses its slots. */
export interface ClassCtx {
  file: FileBuilder;
  p: Printer;
  role: 'decoder' | 'encoder';
  /** Printer for the statics block of the class. */
  sp: Printer;
  /** Instance members, for clash detection. */
  members: Members;
  /** Static members, for clash detection. */
  statics: Members;
  /** Expression for the start of the block/composite, e.g. `this.#offset`. */
  base: string;
  /** Human name of the owner, for error messages: `Car`, `Car.fuelFigures`, `Engine`. */
  owner: string;
  /** Nested flyweights this class must create: private name → class. */
  nested: Array<{ field: string; cls: string }>;
}

function slotDoc(c: ClassCtx, s: Slot, what: string, extra: readonly string[] = []): void {
  const facts: string[] = [];
  const kind = s.id === undefined ? 'Member' : 'Field';
  let head = `${kind} \`${s.name}\``;
  if (s.id !== undefined) head += ` (id ${s.id})`;
  head += `: ${what}`;
  if (s.offset >= 0) head += ` at offset ${s.offset}`;
  head += s.presence === 'constant' ? ', constant (not on the wire).' : `, ${s.presence}.`;
  facts.push(head);
  if (s.semanticType) facts.push(`semanticType ${s.semanticType}.`);
  if (s.epoch !== undefined || s.timeUnit !== undefined) {
    facts.push(`Timestamp: epoch ${s.epoch ?? 'unix'}, timeUnit ${s.timeUnit ?? 'nanosecond'}.`);
  }
  if (s.sinceVersion > 0) {
    facts.push(
      c.role === 'decoder'
        ? `Since schema version ${s.sinceVersion}: reads as null/absent when the acting version is older.`
        : `Since schema version ${s.sinceVersion}.`,
    );
  }
  const tags = s.deprecated !== undefined ? [`@deprecated Deprecated since schema version ${s.deprecated}.`] : [];
  doc(c.p, [s.description, facts.join(' '), ...extra], tags);
}

/** The acting-version guard line of a decoder accessor, or nothing. */
function guard(c: ClassCtx, s: Slot, result: string): void {
  if (c.role === 'decoder' && s.sinceVersion > 0) {
    // `Number.NaN`, not the global `NaN`: V8 has no feedback for a global read in a branch that never
    // ran, and merging that unknown value with the read double makes optimised code box the double.
    c.p.line(`if (this.#actingVersion < ${s.sinceVersion}) return ${result === 'NaN' ? 'Number.NaN' : result};`);
  }
}

function staticLine(c: ClassCtx, name: string, type: string, value: string, why: string): void {
  c.statics.add(name, why);
  c.sp.line(`static readonly ${name}: ${type} = ${value};`);
}

/** Static metadata of a slot: id, version, offset, and for encoded types null/min/max. */
function emitStatics(c: ClassCtx, s: Slot): void {
  if (s.id !== undefined) staticLine(c, derived(s.name, 'Id'), 'number', String(s.id), `id of ${s.name}`);
  staticLine(c, derived(s.name, 'SinceVersion'), 'number', String(s.sinceVersion), `sinceVersion of ${s.name}`);
  if (s.presence === 'constant') return;
  staticLine(c, derived(s.name, 'EncodingOffset'), 'number', String(s.offset), `offset of ${s.name}`);
  staticLine(c, derived(s.name, 'EncodingLength'), 'number', String(s.type.size), `size of ${s.name}`);
  const t = s.type;
  if (t.kind === 'encoded') {
    const vt = tsValueType(t.primitive);
    staticLine(c, derived(s.name, 'NullValue'), vt, literal(t.primitive, t.nullValue), `null value of ${s.name}`);
    staticLine(c, derived(s.name, 'MinValue'), vt, literal(t.primitive, t.minValue), `min value of ${s.name}`);
    staticLine(c, derived(s.name, 'MaxValue'), vt, literal(t.primitive, t.maxValue), `max value of ${s.name}`);
    if (t.length > 1) staticLine(c, derived(s.name, 'Length'), 'number', String(t.length), `array length of ${s.name}`);
    if (t.primitive === 'char') {
      const cs = charsetOf(t.characterEncoding, `${c.owner}.${s.name}`);
      staticLine(c, derived(s.name, 'CharacterEncoding'), 'string', `'${cs}'`, `character encoding of ${s.name}`);
    }
  } else if (t.kind === 'enum') {
    staticLine(c, derived(s.name, 'NullValue'), tsValueType(t.encoding), literal(t.encoding, t.nullValue), `null value of ${s.name}`);
  }
}

/** Emit the statics of every slot (call inside the class body, before instance members). */
export function emitSlotStatics(c: ClassCtx, slots: readonly Slot[]): void {
  for (const s of slots) emitStatics(c, s);
}

/** Emit the instance accessors of one slot. */
export function emitSlot(c: ClassCtx, s: Slot): void {
  if (s.presence === 'constant') return emitConstant(c, s);
  switch (s.type.kind) {
    case 'encoded':
      return s.type.length === 1 ? emitScalar(c, s, s.type) : emitArray(c, s, s.type);
    case 'enum':
      return emitEnum(c, s, s.type);
    case 'set':
    case 'composite':
      return emitNested(c, s, s.type);
  }
}

function emitConstant(c: ClassCtx, s: Slot): void {
  const prop = c.members.add(tsProperty(s.name), `constant ${s.name}`);
  const p = c.p;
  if (s.constEnum) {
    const e = s.constEnum.type;
    slotDoc(c, s, `${tsType(e.name)}`, [`Always ${tsType(e.name)}.${s.constEnum.value.name}.`]);
    p.block(`${prop}(): ${tsValueType(e.encoding)} {`, () => {
      p.line(`return ${literal(e.encoding, s.constEnum!.value.code)};`);
    });
    return;
  }
  const t = s.type as EncodedType;
  if (t.constValue === undefined) throw new Error(`${c.owner}.${s.name}: constant without a value`);
  if (t.primitive === 'char') {
    slotDoc(c, s, typeLabel(t));
    p.block(`${prop}(): string {`, () => p.line(`return ${tsString(t.constValue!)};`));
    return;
  }
  slotDoc(c, s, typeLabel(t));
  p.block(`${prop}(): ${tsValueType(t.primitive)} {`, () => p.line(`return ${literal(t.primitive, t.constValue!)};`));
}

function emitScalar(c: ClassCtx, s: Slot, t: EncodedType): void {
  const p = c.p;
  const le = c.file.le;
  const rt = c.file.runtime;
  const prop = tsProperty(s.name);
  const at = plus(c.base, s.offset);
  const wide = is64(t.primitive);
  const vt = tsValueType(t.primitive);
  const isChar = t.primitive === 'char';
  const what = isChar ? 'char (raw byte code)' : t.primitive;
  if (c.role === 'decoder') {
    c.members.add(prop, `getter of ${s.name}`);
    slotDoc(c, s, what);
    p.block(`${prop}(): ${vt} {`, () => {
      guard(c, s, literal(t.primitive, t.nullValue));
      p.line(`return ${readExpr(t.primitive, at, le)};`);
    });
    if (wide) {
      c.members.add(derived(s.name, 'AsNumber'), `number getter of ${s.name}`);
      doc(p, [`\`${s.name}\` as a number without allocating: exact within ±(2^53−1), NaN outside (and for the int64/uint64 null values).`]);
      p.block(`${derived(s.name, 'AsNumber')}(): number {`, () => {
        guard(c, s, numberLiteral(t.primitive, t.nullValue));
        p.line(`return ${readNumberExpr(t.primitive, at, le, rt)};`);
      });
    }
    if (s.presence === 'optional') emitIsNull(c, s, t, prop, at, false);
  } else {
    c.members.add(prop, `setter of ${s.name}`);
    slotDoc(c, s, what);
    p.block(`${prop}(value: ${vt}): this {`, () => {
      p.line(writeStmt(t.primitive, at, 'value', le, rt));
      p.line('return this;');
    });
    if (wide) {
      c.members.add(derived(s.name, 'AsNumber'), `number setter of ${s.name}`);
      doc(p, [`Set \`${s.name}\` from a safe integer; throws SbeValueError for any other number.`]);
      p.block(`${derived(s.name, 'AsNumber')}(value: number): this {`, () => {
        p.line(writeNumberStmt(t.primitive, at, 'value', le, rt));
        p.line('return this;');
      });
    }
  }
}

/** `xxxIsNull()`: the optional value holds its null sentinel (float null NaN), or is not in the acting version. */
function emitIsNull(c: ClassCtx, s: Slot, t: EncodedType, prop: string, at: string, indexed: boolean): void {
  const p = c.p;
  const le = c.file.le;
  c.members.add(derived(s.name, 'IsNull'), `null test of ${s.name}`);
  doc(p, [`True when \`${s.name}\`${indexed ? '[index]' : ''} holds its null value${t.nullValue === 'NaN' ? ' (NaN)' : ` (${t.nullValue})`} or is absent in the acting version.`]);
  p.block(`${derived(s.name, 'IsNull')}(${indexed ? 'index: number' : ''}): boolean {`, () => {
    if (indexed) {
      c.file.runtime.add('checkIndex');
      p.line(`checkIndex(index, ${t.length}, '${c.owner}.${s.name}');`);
    }
    guard(c, s, 'true');
    const elemAt = indexed ? `${at} + index * ${PRIMITIVES[t.primitive].size}` : at;
    if (is64(t.primitive)) {
      // Compare the two uint32 halves with the null pattern: no bigint, no double.
      const h = halves64(t.nullValue);
      const rt = c.file.runtime;
      const loAt = le ? elemAt : `${elemAt} + 4`;
      const hiAt = le ? `${elemAt} + 4` : elemAt;
      p.line(`return ${readExpr('uint32', loAt, le)} === ${h.lo} && ${readExpr('uint32', hiAt, le)} === ${h.hi};`);
    } else if (PRIMITIVES[t.primitive].float && t.nullValue === 'NaN') {
      p.line(`return Number.isNaN(${readExpr(t.primitive, elemAt, le)});`);
    } else {
      p.line(`return ${readExpr(t.primitive, elemAt, le)} === ${literal(t.primitive, t.nullValue)};`);
    }
  });
}

function emitArray(c: ClassCtx, s: Slot, t: EncodedType): void {
  const p = c.p;
  const le = c.file.le;
  const rt = c.file.runtime;
  const prop = tsProperty(s.name);
  const cap = tsType(s.name);
  const at = plus(c.base, s.offset);
  const size = PRIMITIVES[t.primitive].size;
  const n = t.length;
  const elemAt = `${at} + index * ${size}`;
  const what = `${c.owner}.${s.name}`;
  const vt = tsValueType(t.primitive);
  const isChar = t.primitive === 'char';
  const isBytes = isChar || t.primitive === 'uint8' || t.primitive === 'int8';

  if (isChar) {
    const cs = charsetOf(t.characterEncoding, what);
    if (c.role === 'decoder') {
      c.members.add(prop, `string getter of ${s.name}`);
      rt.add('readCharArray');
      slotDoc(c, s, `${typeLabel(t)} ${cs}`, ['Decodes to a string (allocates), stopping at the first NUL.']);
      p.block(`${prop}(): string {`, () => {
        guard(c, s, "''");
        p.line(`return readCharArray(this.#buffer, ${at}, ${n}, '${cs}');`);
      });
      c.members.add(derived(s.name, 'At'), `element getter of ${s.name}`);
      rt.add('checkIndex');
      doc(p, [`Raw byte \`index\` (0..${n - 1}) of \`${s.name}\`.`]);
      p.block(`${derived(s.name, 'At')}(index: number): number {`, () => {
        p.line(`checkIndex(index, ${n}, '${what}');`);
        guard(c, s, literal('char', t.nullValue));
        p.line(`return this.#buffer[${at} + index]!;`);
      });
    } else {
      c.members.add(prop, `string setter of ${s.name}`);
      rt.add('writeCharArray');
      slotDoc(c, s, `${typeLabel(t)} ${cs}`, [`Encodes in ${cs} and NUL-pads to ${n} bytes; throws SbeValueError if it does not fit or is not representable.`]);
      p.block(`${prop}(value: string): this {`, () => {
        p.line(`writeCharArray(this.#buffer, ${at}, ${n}, value, '${cs}', '${what}');`);
        p.line('return this;');
      });
      c.members.add(derived(s.name, 'At'), `element setter of ${s.name}`);
      rt.add('checkIndex');
      doc(p, [`Set raw byte \`index\` (0..${n - 1}) of \`${s.name}\`.`]);
      p.block(`${derived(s.name, 'At')}(index: number, value: number): this {`, () => {
        p.line(`checkIndex(index, ${n}, '${what}');`);
        p.line(`this.#buffer[${at} + index] = value;`);
        p.line('return this;');
      });
    }
  } else if (c.role === 'decoder') {
    c.members.add(prop, `element getter of ${s.name}`);
    rt.add('checkIndex');
    slotDoc(c, s, typeLabel(t), [`Element \`index\` (0..${n - 1}).`]);
    p.block(`${prop}(index: number): ${vt} {`, () => {
      p.line(`checkIndex(index, ${n}, '${what}');`);
      guard(c, s, literal(t.primitive, t.nullValue));
      p.line(`return ${readExpr(t.primitive, elemAt, le)};`);
    });
    if (is64(t.primitive)) {
      c.members.add(derived(s.name, 'AsNumber'), `number element getter of ${s.name}`);
      doc(p, [`Element \`index\` as a number without allocating: exact within ±(2^53−1), NaN outside.`]);
      p.block(`${derived(s.name, 'AsNumber')}(index: number): number {`, () => {
        p.line(`checkIndex(index, ${n}, '${what}');`);
        guard(c, s, numberLiteral(t.primitive, t.nullValue));
        p.line(`return ${readNumberExpr(t.primitive, elemAt, le, rt)};`);
      });
    }
  } else {
    c.members.add(prop, `element setter of ${s.name}`);
    rt.add('checkIndex');
    slotDoc(c, s, typeLabel(t), [`Set element \`index\` (0..${n - 1}).`]);
    p.block(`${prop}(index: number, value: ${vt}): this {`, () => {
      p.line(`checkIndex(index, ${n}, '${what}');`);
      p.line(writeStmt(t.primitive, elemAt, 'value', le, rt));
      p.line('return this;');
    });
    if (is64(t.primitive)) {
      c.members.add(derived(s.name, 'AsNumber'), `number element setter of ${s.name}`);
      doc(p, [`Set element \`index\` from a safe integer; throws SbeValueError for any other number.`]);
      p.block(`${derived(s.name, 'AsNumber')}(index: number, value: number): this {`, () => {
        p.line(`checkIndex(index, ${n}, '${what}');`);
        p.line(writeNumberStmt(t.primitive, elemAt, 'value', le, rt));
        p.line('return this;');
      });
    }
  }

  if (isBytes) {
    if (c.role === 'decoder') {
      c.members.add(`get${cap}`, `copy-out of ${s.name}`);
      doc(p, [
        `Copy all ${n} bytes of \`${s.name}\` into \`dst\` at \`dstOffset\` (SbeBoundsError if they do not fit). ` +
          (isChar ? 'Returns the number of bytes before the first NUL (the text length).' : `Returns ${n}.`),
      ]);
      p.block(`get${cap}(dst: Uint8Array, dstOffset: number): number {`, () => {
        guard(c, s, '0');
        if (isChar) {
          rt.add('copyOut');
          p.line(`return copyOut(this.#view, ${at}, dst, dstOffset, ${n});`);
        } else {
          rt.add('copyBytesOut');
          p.line(`copyBytesOut(this.#view, ${at}, dst, dstOffset, ${n});`);
          p.line(`return ${n};`);
        }
      });
    } else {
      c.members.add(`put${cap}`, `copy-in of ${s.name}`);
      doc(p, [`Copy ${n} bytes from \`src\` at \`srcOffset\` into \`${s.name}\` (SbeBoundsError if \`src\` is too short).`]);
      p.block(`put${cap}(src: Uint8Array, srcOffset: number): this {`, () => {
        rt.add('copyBytesIn');
        p.line(`copyBytesIn(src, srcOffset, this.#view, ${at}, ${n});`);
        p.line('return this;');
      });
    }
  }
  if (c.role === 'decoder' && s.presence === 'optional') emitIsNull(c, s, t, prop, at, true);
}

function emitEnum(c: ClassCtx, s: Slot, e: EnumType): void {
  const p = c.p;
  const le = c.file.le;
  const prop = tsProperty(s.name);
  const at = plus(c.base, s.offset);
  const vt = tsValueType(e.encoding);
  const en = tsType(e.name);
  if (c.role === 'decoder') {
    c.members.add(prop, `getter of ${s.name}`);
    slotDoc(c, s, `enum ${en} (${e.encoding})`, [`Returns the raw code; \`${en}.name(code)\` names it.`]);
    p.block(`${prop}(): ${vt} {`, () => {
      guard(c, s, literal(e.encoding, e.nullValue));
      p.line(`return ${readExpr(e.encoding, at, le)};`);
    });
    if (s.presence === 'optional') {
      c.members.add(derived(s.name, 'IsNull'), `null test of ${s.name}`);
      doc(p, [`True when \`${s.name}\` holds ${en}.NULL_VALUE or is absent in the acting version.`]);
      p.block(`${derived(s.name, 'IsNull')}(): boolean {`, () => p.line(`return this.${prop}() === ${literal(e.encoding, e.nullValue)};`));
    }
  } else {
    c.members.add(prop, `setter of ${s.name}`);
    slotDoc(c, s, `enum ${en} (${e.encoding})`, [`Takes a code of ${en} (or ${en}.NULL_VALUE).`]);
    p.block(`${prop}(value: ${vt}): this {`, () => {
      p.line(writeStmt(e.encoding, at, 'value', le, c.file.runtime));
      p.line('return this;');
    });
  }
}

function emitNested(c: ClassCtx, s: Slot, t: CompositeType | SetType): void {
  const p = c.p;
  const prop = c.members.add(tsProperty(s.name), `${t.kind} accessor of ${s.name}`);
  const cls = flyweightClass(t, c.role);
  c.file.use(tsType(t.name), cls);
  const field = `${prop}_`;
  c.nested.push({ field, cls });
  const at = plus(c.base, s.offset);
  const absent = c.role === 'decoder' && s.sinceVersion > 0;
  slotDoc(c, s, `${t.kind} ${tsType(t.name)}`, [
    `Returns this flyweight's reused ${cls}, wrapped at the ${t.kind === 'set' ? 'set' : 'composite'}${absent ? '; undefined when absent in the acting version' : ''}.`,
  ]);
  p.block(`${prop}(): ${cls}${absent ? ' | undefined' : ''} {`, () => {
    guard(c, s, 'undefined');
    p.line(
      c.role === 'decoder'
        ? `return this.#${field}.wrap(this.#buffer, ${at}, this.#actingVersion);`
        : `return this.#${field}.wrap(this.#buffer, ${at});`,
    );
  });
}

/** Declarations of the nested flyweights collected while emitting slots. */
export function emitNestedFields(p: Printer, nested: ReadonlyArray<{ field: string; cls: string }>): void {
  for (const n of nested) p.line(`readonly #${n.field} = new ${n.cls}();`);
}
