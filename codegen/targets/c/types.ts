/**
 * Headers of named types: composites (flyweights), enums (C enum + checked conversion) and sets
 * (bit accessors over the raw integer).
 */
import { PRIMITIVES, type CompositeType, type EnumType, type SetType } from '../../ir.js';
import { Printer } from '../../printer.js';
import { cString, cType, docComment, enumFitsInt, lit } from './common.js';
import { type Gen, emitElem, fn, memberElem } from './fields.js';
import { closeHeader, openHeader } from './files.js';

export function compositeHeader(g: Gen, t: CompositeType, source: string): string {
  const n = g.n;
  const T = g.decl(n.type(t.name), `composite ${t.name}`);
  const out = new Printer('    ');
  const includes = [n.runtimeFile()];
  for (const m of t.members) if (m.type.kind !== 'encoded') includes.push(n.file(m.type.name));
  openHeader(out, n.file(t.name), source, includes);
  out.lines_(docComment(t.description, [`Composite ${t.name}: ${t.size} bytes on the wire.`]));
  out.block(`typedef struct ${T} {`, () => {
    out.line('uint8_t *buffer;');
    out.line('uint64_t buffer_length;');
    out.line('uint64_t offset;');
    out.line('/** Bytes of the composite available to accessors: its size once wrapped, 0 after a failed wrap. */');
    out.line('uint64_t acting_block_length;');
    out.line('uint64_t acting_version;');
    out.line('/** Last error of a call on this flyweight (' + `${n.P}_SBE_OK or ${n.P}_SBE_E_*). */`);
    out.line('int error;');
  }, `} ${T};`);
  out.line();
  fn(out, `uint64_t ${g.decl(`${T}_sbe_encoded_length`, T)}(void)`, [`return ${t.size};`]);
  fn(out, `bool ${g.decl(`${T}_wrap`, T)}(${T} *c, uint8_t *buffer, uint64_t offset, uint64_t acting_version, uint64_t buffer_length)`, [
    'c->buffer = buffer;',
    'c->buffer_length = buffer_length;',
    'c->offset = offset;',
    'c->acting_version = acting_version;',
    `if (!${n.R}_fits(offset, ${t.size}, buffer_length)) {`,
    '    c->acting_block_length = 0;',
    `    c->error = ${n.err('E_SHORT_BUFFER')};`,
    '    return false;',
    '}',
    `c->acting_block_length = ${t.size};`,
    `c->error = ${n.err('OK')};`,
    'return true;',
  ]);
  for (const m of t.members) {
    if (m.type.kind === 'encoded' && m.type.length === 0) {
      out.line(`/* ${m.name}: var data bytes follow the composite; use the <data> accessors of the message. */`);
      out.line();
      continue;
    }
    emitElem(out, g, T, memberElem(m));
  }
  closeHeader(out, n.file(t.name));
  return out.toString();
}

export function enumHeader(g: Gen, t: EnumType, source: string): string {
  const n = g.n;
  const E = g.decl(n.type(t.name), `enum ${t.name}`);
  const raw = cType(t.encoding);
  const out = new Printer('    ');
  openHeader(out, n.file(t.name), source, [n.runtimeFile()]);
  out.lines_(docComment(t.description, [`Enum ${t.name}, encoded as ${t.encoding}.`]));
  const label = (code: string): string => {
    const c = Number(code);
    return t.encoding === 'char' && c >= 32 && c < 127 ? `${code} /* '${String.fromCharCode(c)}' */` : code;
  };
  const names = t.values.map((v) => g.decl(n.enumValue(E, v.name), `${t.name}.${v.name}`));
  const nullName = g.decl(n.enumNull(E), `${t.name} null value`);
  if (enumFitsInt(t)) {
    out.block(`typedef enum ${E} {`, () => {
      t.values.forEach((v, i) => {
        out.lines_(docComment(v.description, v.sinceVersion > 0 ? [`Since version ${v.sinceVersion}.`] : []));
        out.line(`${names[i]} = ${label(v.code)},`);
      });
      out.line(`${nullName} = ${label(t.nullValue)}`);
    }, `} ${E};`);
  } else {
    // Values beyond the range of int: ISO C enumerators cannot hold them, so use the raw type.
    out.line(`typedef ${raw} ${E};`);
    t.values.forEach((v, i) => {
      out.lines_(docComment(v.description));
      out.line(`#define ${names[i]} (${lit(t.encoding, v.code)})`);
    });
    out.line(`#define ${nullName} (${lit(t.encoding, t.nullValue)})`);
  }
  out.line();
  const caseLabel = (code: string): string => (enumFitsInt(t) ? code : lit(t.encoding, code));
  fn(out, `${raw} ${g.decl(`${E}_code`, E)}(${E} value)`, [`return (${raw})value;`]);
  out.line('/** Code on the wire to enum. The null code is accepted (gives NULL_VALUE); an unknown code returns false. */');
  fn(out, `bool ${g.decl(`${E}_from_code`, E)}(${raw} code, ${E} *out)`, () => {
    // Every enumerator equals its code, so a valid code converts as is.
    const codes = [...new Set([...t.values.map((v) => v.code), t.nullValue])];
    if (PRIMITIVES[t.encoding].size === 1) {
      // One-byte codes: a 256-entry table, indexed by the byte (one load and one test).
      const valid = new Array<number>(256).fill(0);
      for (const code of codes) valid[Number(BigInt.asUintN(8, BigInt(code)))] = 1;
      out.block('static const uint8_t valid[256] = {', () => {
        for (let i = 0; i < 256; i += 32) out.line(`${valid.slice(i, i + 32).join(', ')}${i + 32 < 256 ? ',' : ''}`);
      }, '};');
      out.line('const uint8_t u = (uint8_t)code;');
      out.line('if (valid[u] == 0) return false;');
      // char codes are byte values (0..255) whatever the signedness of char.
      out.line(`*out = (${E})${t.encoding === 'int8' ? 'code' : 'u'};`);
      out.line('return true;');
      return;
    }
    // Wider codes: one shared case body lets the compiler test them with bit masks and compares.
    out.block('switch (code) {', () => {
      for (const code of codes) out.line(`case ${caseLabel(code)}:`);
      out.line(`    *out = (${E})code;`);
      out.line('    return true;');
      out.line('default: return false;');
    });
  });
  out.line('/** Name of a value as in the schema; NULL for NULL_VALUE and unknown values. */');
  fn(out, `const char *${g.decl(`${E}_name`, E)}(${E} value)`, () => {
    out.block('switch (value) {', () => {
      t.values.forEach((v, i) => out.line(`case ${names[i]}: return ${cString(v.name)};`));
      out.line('default: return NULL;');
    });
  });
  closeHeader(out, n.file(t.name));
  return out.toString();
}

export function setHeader(g: Gen, t: SetType, source: string): string {
  const n = g.n;
  const T = g.decl(n.type(t.name), `set ${t.name}`);
  const raw = cType(t.encoding);
  const out = new Printer('    ');
  openHeader(out, n.file(t.name), source, [n.runtimeFile()]);
  out.lines_(docComment(t.description, [`Set ${t.name}: choice bits of a ${t.encoding} (bit 0 = least significant).`]));
  out.line(`typedef ${raw} ${T};`);
  out.line();
  const wide = PRIMITIVES[t.encoding].size >= 4;
  for (const c of t.choices) {
    const mask = wide ? `((${T})1 << ${c.bit})` : `(1 << ${c.bit})`;
    out.lines_(docComment(c.description, [`Bit ${c.bit}.${c.sinceVersion > 0 ? ` Since version ${c.sinceVersion}.` : ''}`]));
    fn(out, `bool ${g.decl(n.member(T, c.name), `${t.name}.${c.name}`)}(${T} bits)`, [`return (bits & ${mask}) != 0;`]);
    fn(out, `${T} ${g.decl(n.member(T, `set_${c.name}`), `${t.name}.${c.name}`)}(${T} bits, bool value)`, [
      `return value ? (${T})(bits | ${mask}) : (${T})(bits & (${T})~${mask});`,
    ]);
  }
  closeHeader(out, n.file(t.name));
  return out.toString();
}
