/**
 * One file per message: the message encoder/decoder and, for every repeating group at any depth,
 * a group encoder/decoder. Wire order is the SBE order: fixed block, then groups, then var data,
 * each in schema order; the root flyweight's `limit` tracks the position.
 */
import type { Block, CompositeType, DataDef, EncodedType, GroupDef, MessageDef } from '../../ir.js';
import { PRIMITIVES } from '../../ir.js';
import { tsProperty, tsType } from '../../names.js';
import { type ClassCtx, emitSlot, emitSlotStatics, flyweightClass, slotOfField } from './accessors.js';
import { newClass, printClass } from './classes.js';
import {
  type FileBuilder,
  FLYWEIGHT_NOTE,
  TsTargetError,
  charsetOf,
  derived,
  doc,
  plus,
  readNumberExpr,
  tsString,
  writeNumberStmt,
} from './util.js';

/** How a block (message or group entry) reaches the shared limit. */
interface LimitAccess {
  get: string;
  set: (value: string) => string;
}

const MESSAGE_LIMIT: LimitAccess = { get: 'this.#cursor.limit', set: (v) => `this.#cursor.limit = ${v};` };
const GROUP_LIMIT: LimitAccess = { get: 'this.#parent.limit', set: (v) => `this.#parent.limit = ${v};` };

/** True when a composite's members do not cover every byte (explicit offsets left gaps). */
export function hasGaps(t: CompositeType): boolean {
  let covered = 0;
  for (const m of t.members) if (m.offset >= 0) covered += m.type.size;
  return covered < t.size;
}

/**
 * Expression for the bytes a decoder must be able to read from the start of a block: at least
 * `length` (the block length the sender announced) and at least the extent of every field present
 * in the acting version `version`. Checking that once at wrap/next keeps every fixed-field read
 * inside the buffer even when a malformed header announces a block shorter than its own fields.
 */
function coverageExpr(b: Block, length: string, version: string): string {
  const fields = b.fields.filter((f) => f.presence !== 'constant');
  const need = (v: number): number => Math.max(0, ...fields.filter((f) => f.sinceVersion <= v).map((f) => f.offset + f.type.size));
  const levels = [...new Set(fields.map((f) => f.sinceVersion))].sort((x, y) => y - x);
  let expr = String(levels.length > 0 && levels[levels.length - 1] === 0 ? need(0) : 0);
  for (let i = levels.length - 1; i >= 0; i--) {
    const v = levels[i]!;
    if (v === 0 || need(v) === Number(expr)) continue;
    expr = `${version} >= ${v} ? ${need(v)} : ${expr}`;
  }
  return expr === '0' ? length : `Math.max(${length}, ${expr})`;
}

function groupClass(path: readonly string[], g: GroupDef, role: 'decoder' | 'encoder'): string {
  return `${path.map(tsType).join('')}${tsType(g.name)}${role === 'decoder' ? 'Decoder' : 'Encoder'}`;
}

const MESSAGE_RESERVED_DEC = ['wrap', 'wrapAndApplyHeader', 'offset', 'limit', 'encodedLength', 'actingBlockLength', 'actingVersion', 'skip'];
const MESSAGE_RESERVED_ENC = ['wrap', 'wrapAndApplyHeader', 'offset', 'limit', 'encodedLength'];
const MESSAGE_STATICS = ['BLOCK_LENGTH', 'TEMPLATE_ID', 'SCHEMA_ID', 'SCHEMA_VERSION', 'SEMANTIC_TYPE', 'DESCRIPTION'];
const GROUP_RESERVED_DEC = ['wrap', 'count', 'index', 'hasNext', 'next', 'actingBlockLength', 'actingVersion', 'offset', 'skip'];
const GROUP_RESERVED_ENC = ['wrap', 'count', 'index', 'next', 'offset'];
const GROUP_STATICS = ['BLOCK_LENGTH', 'HEADER_SIZE', 'MIN_COUNT', 'MAX_COUNT', 'SINCE_VERSION'];

export function emitMessage(fb: FileBuilder, m: MessageDef): string[] {
  const exported: string[] = [];
  for (const role of ['decoder', 'encoder'] as const) {
    exported.push(emitMessageClass(fb, m, role));
  }
  const walk = (path: string[], block: Block): void => {
    for (const g of block.groups) {
      for (const role of ['decoder', 'encoder'] as const) exported.push(emitGroupClass(fb, path, g, role));
      walk([...path, g.name], g);
    }
  };
  walk([m.name], m);
  return exported;
}

function emitMessageClass(fb: FileBuilder, m: MessageDef, role: 'decoder' | 'encoder'): string {
  const dec = role === 'decoder';
  const name = `${tsType(m.name)}${dec ? 'Decoder' : 'Encoder'}`;
  const c = newClass(fb, role, m.name, dec ? MESSAGE_RESERVED_DEC : MESSAGE_RESERVED_ENC, MESSAGE_STATICS);
  const schema = fb.schema;
  const header = schema.header;
  const headerCls = flyweightClass(header, role);
  fb.use(tsType(header.name), headerCls);
  for (const r of ['EMPTY_BUFFER', 'EMPTY_VIEW', 'checkBounds', 'viewOf']) fb.runtime.add(r);

  c.sp.line(`static readonly BLOCK_LENGTH: number = ${m.blockLength};`);
  c.sp.line(`static readonly TEMPLATE_ID: number = ${m.id};`);
  c.sp.line(`static readonly SCHEMA_ID: number = ${schema.id};`);
  c.sp.line(`static readonly SCHEMA_VERSION: number = ${schema.version};`);
  if (m.semanticType !== undefined) c.sp.line(`static readonly SEMANTIC_TYPE: string = ${tsString(m.semanticType)};`);
  c.sp.line();
  emitBlockStatics(c, m);

  const p = c.p;
  // The limit lives in a cursor shared with the group flyweights: a plain field of one class, read
  // and written without a call whatever the message.
  fb.runtime.add('SbeCursor');
  const state = ['#buffer: Uint8Array = EMPTY_BUFFER;', '#view: DataView = EMPTY_VIEW;', '#offset = 0;', 'readonly #cursor = new SbeCursor();'];
  if (dec) state.push('#actingBlockLength = 0;', '#actingVersion = 0;');
  for (const g of m.groups) state.push(`readonly #${tsProperty(g.name)}_ = new ${groupClass([m.name], g, role)}(this.#cursor);`);

  if (dec) {
    doc(p, [
      'Point this decoder at a message body (just after its header). `actingBlockLength` and `actingVersion` come from the header: the block length finds the groups and var data even when the sender\'s schema is newer; the version decides which fields are present.',
      'Throws SbeBoundsError if the block does not fit. Re-wrapping the same buffer allocates nothing.',
    ]);
    p.block('wrap(buffer: Uint8Array, offset: number, actingBlockLength: number, actingVersion: number): this {', () => {
      p.line(`checkBounds(buffer, offset, ${coverageExpr(m, 'actingBlockLength', 'actingVersion')}, '${m.name} block');`);
      cacheView(c);
      p.line('this.#offset = offset;');
      p.line('this.#actingBlockLength = actingBlockLength;');
      p.line('this.#actingVersion = actingVersion;');
      p.line('this.#cursor.limit = offset + actingBlockLength;');
      p.line('return this;');
    });
    fb.runtime.add('SbeStateError');
    const h = schema.headerMembers;
    const hget = (mem: typeof h.blockLength): string =>
      `header.${tsProperty(mem.name)}${(mem.type as EncodedType).primitive === 'uint64' ? 'AsNumber' : ''}()`;
    doc(p, [
      `Decode the message header at \`offset\` with \`header\` (a caller-owned ${headerCls}), check its templateId and schemaId (SbeStateError otherwise), and wrap the body with the header's blockLength and version.`,
    ]);
    p.block(`wrapAndApplyHeader(buffer: Uint8Array, offset: number, header: ${headerCls}): this {`, () => {
      p.line('header.wrap(buffer, offset);');
      p.line(`const templateId = ${hget(h.templateId)};`);
      p.block(`if (templateId !== ${m.id}) {`, () => {
        p.line(`throw new SbeStateError(\`${m.name}: header templateId is \${templateId}, expected ${m.id}\`);`);
      });
      p.line(`const schemaId = ${hget(h.schemaId)};`);
      p.block(`if (schemaId !== ${schema.id}) {`, () => {
        p.line(`throw new SbeStateError(\`${m.name}: header schemaId is \${schemaId}, expected ${schema.id}\`);`);
      });
      p.line(`return this.wrap(buffer, offset + ${headerCls}.ENCODED_LENGTH, ${hget(h.blockLength)}, ${hget(h.version)});`);
    });
  } else {
    doc(p, [
      `Point this encoder at \`offset\` (where the body starts, after any header), zero the ${m.blockLength}-byte block and set the limit past it.`,
      'Throws SbeBoundsError if the block does not fit. Re-wrapping the same buffer allocates nothing.',
    ]);
    p.block('wrap(buffer: Uint8Array, offset: number): this {', () => {
      p.line(`checkBounds(buffer, offset, ${m.blockLength}, '${m.name} block');`);
      cacheView(c);
      p.line('this.#offset = offset;');
      if (m.blockLength > 0) {
        fb.runtime.add('zero');
        p.line(`zero(buffer, this.#view, offset, ${m.blockLength});`);
      }
      p.line(`this.#cursor.limit = offset + ${m.blockLength};`);
      p.line('return this;');
    });
    const h = schema.headerMembers;
    const hset = (mem: typeof h.blockLength, v: string): string =>
      `.${tsProperty(mem.name)}${(mem.type as EncodedType).primitive === 'uint64' ? 'AsNumber' : ''}(${v})`;
    doc(p, [
      `Write the message header at \`offset\` with \`header\` (a caller-owned ${headerCls}): blockLength ${m.blockLength}, templateId ${m.id}, schemaId ${schema.id}, version ${schema.version}; then wrap the body after it.`,
    ]);
    p.block(`wrapAndApplyHeader(buffer: Uint8Array, offset: number, header: ${headerCls}): this {`, () => {
      p.line('header.wrap(buffer, offset);');
      if (hasGaps(header)) p.line(`buffer.fill(0, offset, offset + ${headerCls}.ENCODED_LENGTH);`);
      p.line(
        `header${hset(h.blockLength, String(m.blockLength))}${hset(h.templateId, String(m.id))}` +
          `${hset(h.schemaId, String(schema.id))}${hset(h.version, String(schema.version))};`,
      );
      p.line(`return this.wrap(buffer, offset + ${headerCls}.ENCODED_LENGTH);`);
    });
  }
  doc(p, ['Offset of the body (the fixed block) in the wrapped buffer.']);
  p.block('offset(): number {', () => p.line('return this.#offset;'));
  doc(p, [
    dec
      ? 'Position just past what has been read: groups and var data are read from here, in schema order.'
      : 'Position just past what has been written: groups and var data are appended here, in schema order.',
  ]);
  p.block('get limit(): number {', () => p.line('return this.#cursor.limit;'));
  p.line();
  p.block('set limit(value: number) {', () => p.line('this.#cursor.limit = value;'));
  doc(p, [
    dec
      ? 'Bytes of the body read so far (block + groups + var data); the whole body once everything was read or `skip()` ran. Excludes the header.'
      : 'Bytes of the body written so far (block + groups + var data). Excludes the header.',
  ]);
  p.block('encodedLength(): number {', () => p.line('return this.#cursor.limit - this.#offset;'));
  if (dec) {
    doc(p, ['Block length the message was written with (from the header).']);
    p.block('actingBlockLength(): number {', () => p.line('return this.#actingBlockLength;'));
    doc(p, ['Schema version the message was written with (from the header).']);
    p.block('actingVersion(): number {', () => p.line('return this.#actingVersion;'));
    emitSkip(c, m);
  }
  emitBlockMembers(c, m, [m.name], MESSAGE_LIMIT);

  printClass(fb, c, {
    name,
    docParas: [
      m.description,
      `${dec ? 'Decoder' : 'Encoder'} of message \`${m.name}\` (template ${m.id}, schema ${schema.id} version ${schema.version}, block length ${m.blockLength}` +
        (m.semanticType ? `, semanticType ${m.semanticType}` : '') +
        ').' +
        (m.sinceVersion > 0 ? ` Since schema version ${m.sinceVersion}.` : ''),
      `Wire order: the fixed block, then the groups, then the var data, each in schema order; ${dec ? 'read' : 'write'} them in that order.`,
      FLYWEIGHT_NOTE,
    ],
    state,
  });
  return name;
}

function cacheView(c: ClassCtx): void {
  c.p.block('if (buffer !== this.#buffer) {', () => {
    c.p.line('this.#buffer = buffer;');
    c.p.line('this.#view = viewOf(buffer);');
  });
}

/** Statics of the fields, groups and var data of a block. */
function emitBlockStatics(c: ClassCtx, b: Block): void {
  emitSlotStatics(c, b.fields.map(slotOfField));
  for (const g of b.groups) {
    const prop = tsProperty(g.name);
    c.statics.add(derived(g.name, 'Id'), `id of group ${g.name}`);
    c.sp.line(`static readonly ${derived(g.name, 'Id')}: number = ${g.id};`);
    c.statics.add(derived(g.name, 'SinceVersion'), `sinceVersion of group ${g.name}`);
    c.sp.line(`static readonly ${derived(g.name, 'SinceVersion')}: number = ${g.sinceVersion};`);
  }
  for (const d of b.data) {
    const prop = tsProperty(d.name);
    const add = (n: string, type: string, v: string): void => {
      c.statics.add(derived(d.name, n), `${n} of var data ${d.name}`);
      c.sp.line(`static readonly ${derived(d.name, n)}: ${type} = ${v};`);
    };
    add('Id', 'number', String(d.id));
    add('SinceVersion', 'number', String(d.sinceVersion));
    add('HeaderLength', 'number', String(d.dataOffset));
    add('MaxLength', 'number', String(Number(d.maxLength)));
    const cs = dataCharset(d, c.owner);
    if (cs !== undefined) add('CharacterEncoding', 'string', `'${cs}'`);
  }
}

/** Charset of var data, or undefined for raw bytes (uint8 without characterEncoding). */
function dataCharset(d: DataDef, owner: string): ReturnType<typeof charsetOf> | undefined {
  const varData = d.type.members.find((x) => x.name === 'varData')!.type as EncodedType;
  if (d.characterEncoding === undefined && varData.primitive !== 'char') return undefined;
  return charsetOf(d.characterEncoding, `${owner}.${d.name}`);
}

/** Fields, group accessors and var-data accessors of a block. */
function emitBlockMembers(c: ClassCtx, b: Block, path: readonly string[], limit: LimitAccess): void {
  for (const f of b.fields) emitSlot(c, slotOfField(f));
  for (const g of b.groups) emitGroupAccessor(c, g, path);
  for (const d of b.data) emitData(c, d, limit);
}

function groupDocFacts(g: GroupDef, role: 'decoder' | 'encoder'): string {
  let s = `Repeating group \`${g.name}\` (id ${g.id}), entry block length ${g.blockLength}, dimension ${g.dimension.name}.`;
  if (g.semanticType) s += ` semanticType ${g.semanticType}.`;
  if (g.sinceVersion > 0) {
    s += role === 'decoder' ? ` Since schema version ${g.sinceVersion}: count 0 when the acting version is older.` : ` Since schema version ${g.sinceVersion}.`;
  }
  return s;
}

function emitGroupAccessor(c: ClassCtx, g: GroupDef, path: readonly string[]): void {
  const p = c.p;
  const prop = tsProperty(g.name);
  const cls = groupClass(path, g, c.role);
  const tags = g.deprecated !== undefined ? [`@deprecated Deprecated since schema version ${g.deprecated}.`] : [];
  if (c.role === 'decoder') {
    c.members.add(prop, `group ${g.name}`);
    doc(p, [g.description, groupDocFacts(g, 'decoder'), 'Reads the group header at the limit and returns the reused group flyweight; iterate with `hasNext()`/`next()`.'], tags);
    p.block(`${prop}(): ${cls} {`, () => p.line(`return this.#${prop}_.wrap(this.#buffer, this.#actingVersion);`));
  } else {
    c.members.add(derived(g.name, 'Count'), `group ${g.name}`);
    doc(
      p,
      [g.description, groupDocFacts(g, 'encoder'), `Writes the group header for \`count\` entries (${g.minCount}..${g.maxCount}, else SbeValueError) at the limit; then call \`next()\` once per entry.`],
      tags,
    );
    p.block(`${derived(g.name, 'Count')}(count: number): ${cls} {`, () => p.line(`return this.#${prop}_.wrap(this.#buffer, count);`));
  }
}

/** `skip()`: read past every group and var data of the block, so that `limit` ends after it. */
function emitSkip(c: ClassCtx, b: Block): void {
  const p = c.p;
  doc(p, ['Read past every group and var data (call right after wrap / next); afterwards `limit` is the end of this block\'s data.']);
  p.block('skip(): this {', () => {
    for (const g of b.groups) {
      p.block('{', () => {
        p.line(`const group = this.${tsProperty(g.name)}();`);
        p.line('while (group.hasNext()) group.next().skip();');
      });
    }
    for (const d of b.data) p.line(`this.skip${tsType(d.name)}();`);
    p.line('return this;');
  });
}

function readLen(c: ClassCtx, d: DataDef, at: string): string {
  return readNumberExpr(d.lengthPrimitive, plus(at, d.lengthOffset), c.file.le, c.file.runtime);
}

function emitData(c: ClassCtx, d: DataDef, limit: LimitAccess): void {
  const p = c.p;
  const rt = c.file.runtime;
  const prop = tsProperty(d.name);
  const cap = tsType(d.name);
  const what = `${c.owner}.${d.name}`;
  const cs = dataCharset(d, c.owner);
  const hdr = d.dataOffset;
  const max = Number(d.maxLength);
  const tags = d.deprecated !== undefined ? [`@deprecated Deprecated since schema version ${d.deprecated}.`] : [];
  const facts =
    `Var data \`${d.name}\` (id ${d.id}): ${d.lengthPrimitive} length (max ${d.maxLength}) then ${cs ? `${cs} text` : 'raw bytes'}.` +
    (d.semanticType ? ` semanticType ${d.semanticType}.` : '') +
    (d.sinceVersion > 0 && c.role === 'decoder' ? ` Since schema version ${d.sinceVersion}: empty when the acting version is older.` : '');
  const guard = (result: string): void => {
    if (c.role === 'decoder' && d.sinceVersion > 0) p.line(`if (this.#actingVersion < ${d.sinceVersion}) return ${result};`);
  };
  rt.add('checkBounds');
  if (c.role === 'decoder') {
    /** Lines that read the length at the limit and bounds-check the data: defines `start`, `length`. */
    const prelude = (): void => {
      p.line(`const at = ${limit.get};`);
      p.line(`checkBounds(this.#buffer, at, ${hdr}, '${what} length');`);
      p.line(`const length = ${readLen(c, d, 'at')};`);
      p.line(`const start = at + ${hdr};`);
      p.line(`checkBounds(this.#buffer, start, length, '${what}');`);
    };
    c.members.add(derived(d.name, 'Length'), `length of ${d.name}`);
    doc(p, [`Length in bytes of \`${d.name}\` at the limit, without consuming it.`]);
    p.block(`${derived(d.name, 'Length')}(): number {`, () => {
      guard('0');
      p.line(`const at = ${limit.get};`);
      p.line(`checkBounds(this.#buffer, at, ${hdr}, '${what} length');`);
      p.line(`return ${readLen(c, d, 'at')};`);
    });
    c.members.add(prop, `getter of ${d.name}`);
    if (cs) {
      rt.add('readText');
      doc(p, [d.description, facts, `Decodes the text (allocates) and moves the limit past it.`], tags);
      p.block(`${prop}(): string {`, () => {
        guard("''");
        prelude();
        p.line(limit.set('start + length'));
        p.line(`return readText(this.#buffer, start, length, '${cs}');`);
      });
    } else {
      doc(p, [d.description, facts, 'Returns a copy of the bytes (allocates) and moves the limit past them.'], tags);
      p.block(`${prop}(): Uint8Array {`, () => {
        guard('new Uint8Array(0)');
        prelude();
        p.line(limit.set('start + length'));
        p.line('return this.#buffer.slice(start, start + length);');
      });
    }
    c.members.add(`get${cap}`, `copy-out of ${d.name}`);
    rt.add('copyBytesOut');
    doc(p, [
      `Copy up to \`length\` bytes of \`${d.name}\` into \`dst\` at \`dstOffset\` and move the limit past the whole value. Returns the bytes copied. SbeBoundsError (limit unchanged) if they do not fit \`dst\`.`,
    ]);
    p.block(`get${cap}(dst: Uint8Array, dstOffset: number, length: number): number {`, () => {
      guard('0');
      p.line(`const at = ${limit.get};`);
      p.line(`checkBounds(this.#buffer, at, ${hdr}, '${what} length');`);
      p.line(`const dataLength = ${readLen(c, d, 'at')};`);
      p.line(`const start = at + ${hdr};`);
      p.line(`checkBounds(this.#buffer, start, dataLength, '${what}');`);
      p.line('const n = Math.min(length, dataLength);');
      p.line('copyBytesOut(this.#view, start, dst, dstOffset, n);');
      p.line(limit.set('start + dataLength'));
      p.line('return n;');
    });
    c.members.add(`skip${cap}`, `skip of ${d.name}`);
    doc(p, [`Move the limit past \`${d.name}\` without reading it; returns its length.`]);
    p.block(`skip${cap}(): number {`, () => {
      guard('0');
      prelude();
      p.line(limit.set('start + length'));
      p.line('return length;');
    });
  } else {
    rt.add('SbeValueError');
    const gapFill = d.lengthOffset > 0 || hdr > d.lengthOffset + PRIMITIVES[d.lengthPrimitive].size;
    const writeHeader = (): void => {
      if (gapFill) {
        rt.add('zero');
        p.line(`zero(this.#buffer, this.#view, at, ${hdr});`);
      }
      p.line(writeNumberStmt(d.lengthPrimitive, plus('at', d.lengthOffset), 'length', c.file.le, rt));
    };
    c.members.add(prop, `setter of ${d.name}`);
    if (cs) {
      rt.add('textLength');
      rt.add('writeText');
      doc(p, [d.description, facts, `Appends the ${cs} encoding of \`value\` at the limit. SbeValueError if longer than ${d.maxLength} bytes or not representable; SbeBoundsError if it does not fit the buffer.`], tags);
      p.block(`${prop}(value: string): this {`, () => {
        p.line(`const length = textLength(value, '${cs}');`);
        p.block(`if (length > ${max}) {`, () => {
          p.line(`throw new SbeValueError(\`${what}: \${length} bytes exceed the maximum length ${d.maxLength}\`);`);
        });
        p.line(`const at = ${limit.get};`);
        p.line(`checkBounds(this.#buffer, at, ${hdr} + length, '${what}');`);
        p.line(`writeText(this.#buffer, at + ${hdr}, value, '${cs}');`);
        writeHeader();
        p.line(limit.set(`at + ${hdr} + length`));
        p.line('return this;');
      });
    } else {
      doc(p, [d.description, facts, `Appends \`value\` at the limit. SbeValueError if longer than ${d.maxLength} bytes; SbeBoundsError if it does not fit the buffer.`], tags);
      p.block(`${prop}(value: Uint8Array): this {`, () => p.line(`return this.put${cap}(value, 0, value.length);`));
    }
    c.members.add(`put${cap}`, `copy-in of ${d.name}`);
    rt.add('copyBytesIn');
    doc(p, [`Append \`length\` bytes of \`src\` from \`srcOffset\` as \`${d.name}\`.`]);
    p.block(`put${cap}(src: Uint8Array, srcOffset: number, length: number): this {`, () => {
      p.block(`if (!(length >= 0 && length <= ${max})) {`, () => {
        p.line(`throw new SbeValueError(\`${what}: length \${length} is outside 0..${d.maxLength}\`);`);
      });
      p.line(`const at = ${limit.get};`);
      p.line(`checkBounds(this.#buffer, at, ${hdr} + length, '${what}');`);
      p.line(`copyBytesIn(src, srcOffset, this.#view, at + ${hdr}, length);`);
      writeHeader();
      p.line(limit.set(`at + ${hdr} + length`));
      p.line('return this;');
    });
  }
}

function emitGroupClass(fb: FileBuilder, path: readonly string[], g: GroupDef, role: 'decoder' | 'encoder'): string {
  const dec = role === 'decoder';
  const name = groupClass(path, g, role);
  const owner = `${path.join('.')}.${g.name}`;
  const c = newClass(fb, role, owner, dec ? GROUP_RESERVED_DEC : GROUP_RESERVED_ENC, GROUP_STATICS);
  const le = fb.le;
  const rt = fb.runtime;
  const hdr = g.dimension.size;
  const bl = g.blockLengthMember;
  const ng = g.numInGroupMember;
  const blPrim = (bl.type as EncodedType).primitive;
  const ngPrim = (ng.type as EncodedType).primitive;
  if (BigInt(g.blockLength) > 2n ** 53n) throw new TsTargetError(`${owner}: block length too large`);
  rt.add('pastCount');
  rt.add('checkBounds');
  rt.add('viewOf');
  rt.add('EMPTY_BUFFER');
  rt.add('EMPTY_VIEW');
  fb.runtimeTypes.add('SbeLimitOwner');

  c.sp.line(`static readonly BLOCK_LENGTH: number = ${g.blockLength};`);
  c.sp.line(`static readonly HEADER_SIZE: number = ${hdr};`);
  c.sp.line(`static readonly MIN_COUNT: number = ${Number(g.minCount)};`);
  c.sp.line(`static readonly MAX_COUNT: number = ${Number(g.maxCount)};`);
  c.sp.line(`static readonly SINCE_VERSION: number = ${g.sinceVersion};`);
  c.sp.line();
  emitBlockStatics(c, g);

  const state = [
    'readonly #parent: SbeLimitOwner;',
    '#buffer: Uint8Array = EMPTY_BUFFER;',
    '#view: DataView = EMPTY_VIEW;',
    '#offset = 0;',
    '#count = 0;',
    '#index = -1;',
  ];
  if (dec) state.push('#blockLength = 0;', '#entryLength = 0;', '#actingVersion = 0;');
  const ctorBody = ['this.#parent = parent;'];
  for (const sub of g.groups) {
    const subCls = groupClass([...path, g.name], sub, role);
    state.push(`readonly #${tsProperty(sub.name)}_: ${subCls};`);
    ctorBody.push(`this.#${tsProperty(sub.name)}_ = new ${subCls}(parent);`);
  }

  const p = c.p;
  if (dec) {
    doc(p, ['Called by the parent\'s accessor: read the group header at the limit (count 0 if the group is absent in the acting version).', '@internal']);
    p.block('wrap(buffer: Uint8Array, actingVersion: number): this {', () => {
      cacheView(c);
      p.line('this.#actingVersion = actingVersion;');
      p.line('this.#index = -1;');
      if (g.sinceVersion > 0) {
        p.block(`if (actingVersion < ${g.sinceVersion}) {`, () => {
          p.line('this.#count = 0;');
          p.line('this.#blockLength = 0;');
          p.line('this.#entryLength = 0;');
          p.line('return this;');
        });
      }
      p.line('const at = this.#parent.limit;');
      p.line(`checkBounds(buffer, at, ${hdr}, '${owner} group header');`);
      p.line(`const blockLength = ${readNumberExpr(blPrim, plus('at', bl.offset), le, rt)};`);
      p.line('this.#blockLength = blockLength;');
      // What next() checks per entry: the announced block, and the fields of the acting version.
      p.line(`this.#entryLength = ${coverageExpr(g, 'blockLength', 'actingVersion')};`);
      p.line(`this.#count = ${readNumberExpr(ngPrim, plus('at', ng.offset), le, rt)};`);
      p.line(`this.#parent.limit = at + ${hdr};`);
      p.line('return this;');
    });
    doc(p, ['Number of entries in the group.']);
    p.block('count(): number {', () => p.line('return this.#count;'));
    doc(p, ['Index of the current entry (-1 before the first `next()`).']);
    p.block('index(): number {', () => p.line('return this.#index;'));
    doc(p, ['True while another entry follows.']);
    p.block('hasNext(): boolean {', () => p.line('return this.#index + 1 < this.#count;'));
    doc(p, [
      'Move to the next entry, which starts at the limit and spans the block length from the group header (so entries written by a newer schema are stepped over correctly). SbeStateError past the count; SbeBoundsError if the entry does not fit.',
    ]);
    p.block('next(): this {', () => {
      p.block('if (this.#index + 1 >= this.#count) {', () => {
        p.line(`throw pastCount('${owner}', this.#count);`);
      });
      p.line('const at = this.#parent.limit;');
      p.line(`checkBounds(this.#buffer, at, this.#entryLength, '${owner} entry');`);
      p.line('this.#offset = at;');
      p.line('this.#parent.limit = at + this.#blockLength;');
      p.line('this.#index++;');
      p.line('return this;');
    });
    doc(p, ['Entry block length the group was written with (from the group header).']);
    p.block('actingBlockLength(): number {', () => p.line('return this.#blockLength;'));
    doc(p, ['Schema version the message was written with.']);
    p.block('actingVersion(): number {', () => p.line('return this.#actingVersion;'));
    doc(p, ['Offset of the current entry in the wrapped buffer.']);
    p.block('offset(): number {', () => p.line('return this.#offset;'));
    emitSkip(c, g);
  } else {
    rt.add('SbeValueError');
    doc(p, [`Called by the parent's \`${tsProperty(g.name)}Count\`: write the group header for \`count\` entries at the limit.`, '@internal']);
    p.block('wrap(buffer: Uint8Array, count: number): this {', () => {
      p.block(`if (!(Number.isInteger(count) && count >= ${Number(g.minCount)} && count <= ${Number(g.maxCount)})) {`, () => {
        p.line(`throw new SbeValueError(\`${owner}: count \${count} is outside ${g.minCount}..${g.maxCount}\`);`);
      });
      cacheView(c);
      p.line('const at = this.#parent.limit;');
      p.line(`checkBounds(buffer, at, ${hdr}, '${owner} group header');`);
      if (hasGaps(g.dimension)) {
        rt.add('zero');
        p.line(`zero(buffer, this.#view, at, ${hdr});`);
      }
      p.line(writeNumberStmt(blPrim, plus('at', bl.offset), String(g.blockLength), le, rt));
      p.line(writeNumberStmt(ngPrim, plus('at', ng.offset), 'count', le, rt));
      p.line(`this.#parent.limit = at + ${hdr};`);
      p.line('this.#count = count;');
      p.line('this.#index = -1;');
      p.line('return this;');
    });
    doc(p, ['Number of entries announced in the group header.']);
    p.block('count(): number {', () => p.line('return this.#count;'));
    doc(p, ['Index of the current entry (-1 before the first `next()`).']);
    p.block('index(): number {', () => p.line('return this.#index;'));
    doc(p, [
      `Start the next entry at the limit and zero its ${g.blockLength}-byte block. SbeStateError past the announced count; SbeBoundsError if the entry does not fit.`,
    ]);
    p.block('next(): this {', () => {
      p.block('if (this.#index + 1 >= this.#count) {', () => {
        p.line(`throw pastCount('${owner}', this.#count);`);
      });
      p.line('const at = this.#parent.limit;');
      p.line(`checkBounds(this.#buffer, at, ${g.blockLength}, '${owner} entry');`);
      if (g.blockLength > 0) {
        rt.add('zero');
        p.line(`zero(this.#buffer, this.#view, at, ${g.blockLength});`);
      }
      p.line('this.#offset = at;');
      p.line(`this.#parent.limit = at + ${g.blockLength};`);
      p.line('this.#index++;');
      p.line('return this;');
    });
    doc(p, ['Offset of the current entry in the wrapped buffer.']);
    p.block('offset(): number {', () => p.line('return this.#offset;'));
  }
  emitBlockMembers(c, g, [...path, g.name], GROUP_LIMIT);

  printClass(fb, c, {
    name,
    docParas: [
      g.description,
      `${dec ? 'Decoder' : 'Encoder'} of group \`${owner}\` (id ${g.id}): header ${g.dimension.name} (${hdr} bytes), entry block length ${g.blockLength}.`,
      `Each entry: the fixed block, then nested groups, then var data, in schema order. Shares the limit of the root ${path[0]} flyweight.`,
      FLYWEIGHT_NOTE,
    ],
    state,
    ctor: { params: 'parent: SbeLimitOwner', body: ctorBody },
  });
  return name;
}
