/**
 * Files for named types: enums (const object of codes + name lookup), sets (choice bits plus
 * decoder/encoder flyweights) and composites (decoder/encoder flyweights).
 */
import type { CompositeType, EnumType, SetType } from '../../ir.js';
import { PRIMITIVES } from '../../ir.js';
import { tsProperty, tsType } from '../../names.js';
import { emitSlot, emitSlotStatics, flyweightClass, slotOfMember } from './accessors.js';
import { newClass, printClass } from './classes.js';
import { type FileBuilder, FLYWEIGHT_NOTE, TsTargetError, doc, is64, literal, plus, readExpr, readNumberExpr, tsValueType, writeStmt } from './util.js';

/** Keys that cannot be own data properties of a const object literal, or clash with its helpers. */
const ENUM_RESERVED = new Set(['name', 'NULL_VALUE', '__proto__']);

export function emitEnum(fb: FileBuilder, e: EnumType): void {
  const p = fb.body;
  const n = tsType(e.name);
  const vt = tsValueType(e.encoding);
  for (const v of e.values) {
    if (ENUM_RESERVED.has(v.name)) {
      throw new TsTargetError(`enum ${e.name}: validValue "${v.name}" collides with the generated ${n}.${v.name}; rename it in the schema`);
    }
  }
  const isChar = e.encoding === 'char';
  doc(p, [
    e.description,
    `Enum \`${e.name}\` (${e.encoding}${isChar ? ': codes are the characters\' byte values' : ''}). ` +
      `Decoders return the raw code, which allocates nothing; \`${n}.name(code)\` names it.`,
    e.sinceVersion > 0 ? `Since schema version ${e.sinceVersion}.` : undefined,
  ]);
  p.block(`export const ${n} = {`, () => {
    for (const v of e.values) {
      const facts = [v.description, isChar ? `'${v.value}'` : undefined];
      if (v.sinceVersion > 0) facts.push(`Since schema version ${v.sinceVersion}.`);
      doc(p, facts, v.deprecated !== undefined ? [`@deprecated Deprecated since schema version ${v.deprecated}.`] : []);
      p.line(`${v.name}: ${literal(e.encoding, v.code)},`);
    }
    doc(p, ['The null code on the wire (absent optional value).']);
    p.line(`NULL_VALUE: ${literal(e.encoding, e.nullValue)},`);
    const names = e.values.map((v) => `'${v.name}'`).join(' | ');
    doc(p, ['Name of a code; undefined for NULL_VALUE and for codes this schema version does not define. Allocates nothing.']);
    p.block(`name(code: ${vt}): ${names} | undefined {`, () => {
      p.block('switch (code) {', () => {
        for (const v of e.values) {
          p.line(`case ${literal(e.encoding, v.code)}:`);
          p.indent(() => p.line(`return '${v.name}';`));
        }
        p.line('default:');
        p.indent(() => p.line('return undefined;'));
      });
    }, '},');
  }, '} as const;');
  p.line();
  doc(p, [`A code of ${n}.`]);
  p.line(`export type ${n} = ${e.values.map((v) => literal(e.encoding, v.code)).join(' | ')};`);
}

const STATE_DEC = [
  '#buffer: Uint8Array = EMPTY_BUFFER;',
  '#view: DataView = EMPTY_VIEW;',
  '#offset = 0;',
  '#actingVersion = 0;',
];
const STATE_ENC = ['#buffer: Uint8Array = EMPTY_BUFFER;', '#view: DataView = EMPTY_VIEW;', '#offset = 0;'];

function useWrapRuntime(fb: FileBuilder): void {
  for (const r of ['EMPTY_BUFFER', 'EMPTY_VIEW', 'checkBounds', 'viewOf']) fb.runtime.add(r);
}

/** `wrap(buffer, offset[, actingVersion])` of a fixed-size flyweight (set or composite). */
function emitFixedWrap(fb: FileBuilder, c: ReturnType<typeof newClass>, size: number, label: string): void {
  const p = c.p;
  useWrapRuntime(fb);
  const dec = c.role === 'decoder';
  doc(p, [
    `Point this flyweight at \`buffer[offset … offset + ${size})\`; throws SbeBoundsError if that does not fit.` +
      (dec ? ' `actingVersion` (default: this schema\'s version) decides which members are present.' : ''),
    'Re-wrapping the same buffer allocates nothing.',
  ]);
  const params = dec ? `buffer: Uint8Array, offset: number, actingVersion: number = ${fb.schema.version}` : 'buffer: Uint8Array, offset: number';
  p.block(`wrap(${params}): this {`, () => {
    p.line(`checkBounds(buffer, offset, ${size}, '${label}');`);
    p.block('if (buffer !== this.#buffer) {', () => {
      p.line('this.#buffer = buffer;');
      p.line('this.#view = viewOf(buffer);');
    });
    p.line('this.#offset = offset;');
    if (dec) p.line('this.#actingVersion = actingVersion;');
    p.line('return this;');
  });
  doc(p, ['Offset of this flyweight in the wrapped buffer.']);
  p.block('offset(): number {', () => p.line('return this.#offset;'));
  if (dec) {
    doc(p, ['The schema version the wrapped bytes were written with.']);
    p.block('actingVersion(): number {', () => p.line('return this.#actingVersion;'));
  }
}

const SET_RESERVED_DEC = ['wrap', 'offset', 'actingVersion', 'raw', 'rawAsNumber', 'isEmpty'];
const SET_RESERVED_ENC = ['wrap', 'offset', 'raw', 'rawAsNumber', 'clear'];

export function emitSet(fb: FileBuilder, s: SetType): void {
  const p = fb.body;
  const n = tsType(s.name);
  const le = fb.le;
  const wide = is64(s.encoding);
  for (const ch of s.choices) {
    if (ch.name === '__proto__') throw new TsTargetError(`set ${s.name}: choice "__proto__" cannot be generated`);
  }
  doc(p, [s.description, `Bit positions (0 = least significant) of the choices of set \`${s.name}\` (${s.encoding}).`]);
  p.block(`export const ${n} = {`, () => {
    for (const ch of s.choices) {
      doc(p, [ch.description], ch.deprecated !== undefined ? [`@deprecated Deprecated since schema version ${ch.deprecated}.`] : []);
      p.line(`${ch.name}: ${ch.bit},`);
    }
  }, '} as const;');

  // The word that holds `bit`, read as a number: the whole value, or one uint32 half of a uint64.
  const wordOf = (bit: number): { read: string; mask: string; prim: 'uint8' | 'uint16' | 'uint32'; at: string } => {
    if (wide) {
      const hiHalf = bit >= 32;
      const at = plus('this.#offset', hiHalf === le ? 4 : 0);
      return { read: readExpr('uint32', at, le), mask: `0x${((1 << (bit % 32)) >>> 0).toString(16)}`, prim: 'uint32', at };
    }
    const prim = s.encoding as 'uint8' | 'uint16' | 'uint32';
    return { read: readExpr(prim, 'this.#offset', le), mask: `0x${((1 << bit) >>> 0).toString(16)}`, prim, at: 'this.#offset' };
  };

  for (const role of ['decoder', 'encoder'] as const) {
    const cls = flyweightClass(s, role);
    const c = newClass(fb, role, s.name, role === 'decoder' ? SET_RESERVED_DEC : SET_RESERVED_ENC, ['ENCODED_LENGTH']);
    c.sp.line(`static readonly ENCODED_LENGTH: number = ${s.size};`);
    emitFixedWrap(fb, c, s.size, s.name);
    const q = c.p;
    const vt = tsValueType(s.encoding);
    if (role === 'decoder') {
      doc(q, ['The raw bits.']);
      q.block(`raw(): ${vt} {`, () => q.line(`return ${readExpr(s.encoding, 'this.#offset', le)};`));
      if (wide) {
        doc(q, ['The raw bits as a number without allocating: exact up to 2^53−1, NaN above.']);
        q.block('rawAsNumber(): number {', () => q.line(`return ${readNumberExpr(s.encoding, 'this.#offset', le, fb.runtime)};`));
      }
      doc(q, ['True when no bit is set.']);
      q.block('isEmpty(): boolean {', () => {
        if (wide) q.line(`return ${readExpr('uint32', 'this.#offset', le)} === 0 && ${readExpr('uint32', 'this.#offset + 4', le)} === 0;`);
        else q.line(`return ${readExpr(s.encoding, 'this.#offset', le)} === 0;`);
      });
      for (const ch of s.choices) {
        const prop = c.members.add(tsProperty(ch.name), `choice ${ch.name}`);
        const w = wordOf(ch.bit);
        doc(
          q,
          [ch.description, `Choice \`${ch.name}\` (bit ${ch.bit}).`, ch.sinceVersion > 0 ? `Since schema version ${ch.sinceVersion}: false when the acting version is older.` : undefined],
          ch.deprecated !== undefined ? [`@deprecated Deprecated since schema version ${ch.deprecated}.`] : [],
        );
        q.block(`${prop}(): boolean {`, () => {
          if (ch.sinceVersion > 0) q.line(`if (this.#actingVersion < ${ch.sinceVersion}) return false;`);
          q.line(`return (${w.read} & ${w.mask}) !== 0;`);
        });
      }
    } else {
      doc(q, ['Clear every bit.']);
      q.block('clear(): this {', () => {
        if (wide) {
          q.line(writeStmt('uint32', 'this.#offset', '0', le, fb.runtime));
          q.line(writeStmt('uint32', 'this.#offset + 4', '0', le, fb.runtime));
        } else q.line(writeStmt(s.encoding, 'this.#offset', '0', le, fb.runtime));
        q.line('return this;');
      });
      doc(q, ['Set the raw bits.']);
      q.block(`raw(value: ${vt}): this {`, () => {
        q.line(writeStmt(s.encoding, 'this.#offset', 'value', le, fb.runtime));
        q.line('return this;');
      });
      for (const ch of s.choices) {
        const prop = c.members.add(tsProperty(ch.name), `choice ${ch.name}`);
        const w = wordOf(ch.bit);
        doc(q, [ch.description, `Set or clear choice \`${ch.name}\` (bit ${ch.bit}).`]);
        q.block(`${prop}(value: boolean): this {`, () => {
          q.line(`const bits = ${w.read};`);
          q.line(writeStmt(w.prim, w.at, `value ? bits | ${w.mask} : bits & ~${w.mask}`, le, fb.runtime));
          q.line('return this;');
        });
      }
    }
    printClass(fb, c, {
      name: cls,
      docParas: [
        `${role === 'decoder' ? 'Reads' : 'Writes'} set \`${s.name}\` (${s.encoding}, ${PRIMITIVES[s.encoding].size} byte(s)).`,
        FLYWEIGHT_NOTE,
      ],
      state: role === 'decoder' ? STATE_DEC : STATE_ENC,
    });
  }
}

const COMPOSITE_RESERVED_DEC = ['wrap', 'offset', 'actingVersion'];
const COMPOSITE_RESERVED_ENC = ['wrap', 'offset'];

export function emitComposite(fb: FileBuilder, t: CompositeType): void {
  const slots = t.members.map(slotOfMember);
  for (const role of ['decoder', 'encoder'] as const) {
    const cls = flyweightClass(t, role);
    const c = newClass(fb, role, t.name, role === 'decoder' ? COMPOSITE_RESERVED_DEC : COMPOSITE_RESERVED_ENC, ['ENCODED_LENGTH']);
    c.sp.line(`static readonly ENCODED_LENGTH: number = ${t.size};`);
    c.sp.line();
    emitSlotStatics(c, slots);
    emitFixedWrap(fb, c, t.size, t.name);
    for (const s of slots) emitSlot(c, s);
    printClass(fb, c, {
      name: cls,
      docParas: [
        t.description,
        `${role === 'decoder' ? 'Reads' : 'Writes'} composite \`${t.name}\` (${t.size} bytes` +
          (t.semanticType ? `, semanticType ${t.semanticType}` : '') +
          ').' +
          (role === 'encoder' ? ' Gaps between members are not written.' : ''),
        FLYWEIGHT_NOTE,
      ],
      state: role === 'decoder' ? STATE_DEC : STATE_ENC,
    });
  }
}
