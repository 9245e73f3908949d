/**
 * Accessors for one element of a fixed block: a field of a message or group entry, or a member of a
 * composite. Every flyweight has `buffer`, `buffer_length`, `offset`, `acting_block_length`,
 * `acting_version` and `error`, so one emitter serves all three.
 *
 * Safety rule: an element is read or written only when it lies inside the acting block
 * (`offset + size <= acting_block_length`); wrap functions guarantee the acting block lies inside the
 * buffer. An element that is not in the acting version (or not in the block) reads as its null value.
 */
import { PRIMITIVES, type EncodedType, type EnumType, type FieldDef, type Presence, type TypeDef } from '../../ir.js';
import type { Printer } from '../../printer.js';
import { type CNames, cString, cType, docComment, lit, u64 } from './common.js';

export interface Elem {
  name: string;
  /** Field id (fields only; composite members have none). */
  id?: number;
  /** Offset in the block or composite; -1 for constants. */
  offset: number;
  type: TypeDef;
  presence: Presence;
  sinceVersion: number;
  constEnum?: FieldDef['constEnum'];
  description?: string;
  deprecated?: number;
}

/** Emission context shared by all emitters of one schema. */
export interface Gen {
  n: CNames;
  /** Register a top-level C identifier; throws if another element already produced it. */
  decl(name: string, what: string): string;
}

export function fieldElem(f: FieldDef): Elem {
  return {
    name: f.name,
    id: f.id,
    offset: f.offset,
    type: f.type,
    presence: f.presence,
    sinceVersion: f.sinceVersion,
    constEnum: f.constEnum,
    description: f.description,
    deprecated: f.deprecated,
  };
}

export function memberElem(m: { name: string; offset: number; type: TypeDef; sinceVersion: number; deprecated?: number }): Elem {
  const t = m.type;
  const presence: Presence = t.kind === 'encoded' || t.kind === 'enum' ? t.presence : 'required';
  return {
    name: m.name,
    offset: m.offset,
    type: t,
    presence,
    sinceVersion: m.sinceVersion,
    description: t.description,
    deprecated: m.deprecated,
  };
}

/** Emit an inline function: signature line, braces, body. */
export function fn(out: Printer, signature: string, body: string[] | (() => void)): void {
  out.line(`static inline ${signature}`);
  out.block('{', () => {
    if (Array.isArray(body)) out.lines_(body);
    else body();
  });
  out.line();
}

/** True when the element occupies bytes of its block (not a constant). */
export function isWireElem(e: Elem): boolean {
  return !(e.presence === 'constant' || (e.type.kind === 'encoded' && e.type.presence === 'constant'));
}

/**
 * What a message or group flyweight's `all_present` flag stands for: the acting block reaches `end`
 * (the end of the last field) and the acting version is at least `since` (the highest sinceVersion of
 * the fields), so that every field of the block is present.
 */
export interface BlockExtent {
  end: number;
  since: number;
}

export function blockExtent(elems: readonly Elem[]): BlockExtent {
  let end = 0;
  let since = 0;
  for (const e of elems) {
    if (!isWireElem(e)) continue;
    end = Math.max(end, e.offset + e.type.size);
    since = Math.max(since, e.sinceVersion);
  }
  return { end, since };
}

/** C expression (over `block_length` and `version`) for the `all_present` flag of a block. */
export function allPresentExpr(x: BlockExtent, blockLength: string, version: string): string {
  const conds: string[] = [];
  if (x.end > 0) conds.push(`${blockLength} >= ${u64(x.end)}`);
  if (x.since > 0) conds.push(`${version} >= ${u64(x.since)}`);
  return conds.length === 0 ? 'true' : conds.join(' && ');
}

/**
 * C condition: the element is in the acting version and inside the acting block. Message and group
 * flyweights test their `all_present` flag first: one well-predicted test that the compiler can
 * share between consecutive accessors, where the per-element test differs for each.
 */
function presentExpr(e: Elem, size: number, flag: boolean): string {
  const conds: string[] = [];
  if (e.sinceVersion > 0) conds.push(`c->acting_version >= ${u64(e.sinceVersion)}`);
  conds.push(`c->acting_block_length >= ${u64(e.offset + size)}`);
  return flag ? `c->all_present || (${conds.join(' && ')})` : conds.join(' && ');
}

/**
 * Emit every accessor of one element. `allPresent`: the owner is a message or group flyweight with
 * an `all_present` member (composites have none: their acting block is their whole size or 0).
 */
export function emitElem(out: Printer, g: Gen, owner: string, e: Elem, allPresent = false): void {
  const t = e.type;
  const isConst = !isWireElem(e);
  const f = g.n.member(owner, e.name);
  const where = `${owner}.${e.name}`;
  const notes: string[] = [];
  if (e.sinceVersion > 0) notes.push(`Since version ${e.sinceVersion}.`);
  if (e.deprecated !== undefined) notes.push(`Deprecated since version ${e.deprecated}.`);
  if (e.presence === 'optional') notes.push('Optional: reads as the null value when absent.');
  out.line(`/* ---- ${e.name}${isConst ? ' (constant)' : ''} */`);
  out.lines_(docComment(e.description, notes));
  out.line();
  if (e.id !== undefined) fn(out, `uint32_t ${g.decl(`${f}_id`, where)}(void)`, [`return ${e.id};`]);
  fn(out, `uint64_t ${g.decl(`${f}_since_version`, where)}(void)`, [`return ${e.sinceVersion};`]);
  if (isConst) {
    emitConstant(out, g, e, f, where);
    return;
  }
  const size = t.size;
  fn(out, `uint64_t ${g.decl(`${f}_encoding_offset`, where)}(void)`, [`return ${e.offset};`]);
  fn(out, `uint64_t ${g.decl(`${f}_encoding_length`, where)}(void)`, [`return ${size};`]);
  fn(out, `bool ${g.decl(`${f}_in_acting_version`, where)}(const ${owner} *c)`, [`return ${presentExpr(e, size, allPresent)};`]);
  switch (t.kind) {
    case 'encoded':
      if (t.length === 1) emitScalar(out, g, owner, e, t, f, where);
      else emitArray(out, g, owner, e, t, f, where);
      return;
    case 'enum':
      emitEnum(out, g, owner, e, t, f, where);
      return;
    case 'set': {
      const T = g.n.type(t.name);
      fn(out, `${T} ${g.decl(f, where)}(const ${owner} *c)`, [
        `if (!${f}_in_acting_version(c)) return 0;`,
        `return ${g.n.load(t.encoding)}(c->buffer + c->offset + ${e.offset});`,
      ]);
      setter(out, g, owner, f, e, where, `${T} value`, [`${g.n.store(t.encoding)}(c->buffer + c->offset + ${e.offset}, value);`]);
      return;
    }
    case 'composite': {
      const T = g.n.type(t.name);
      fn(out, `bool ${g.decl(f, where)}(${owner} *c, ${T} *out)`, [
        `if (!${f}_in_acting_version(c)) {`,
        `    (void)${T}_wrap(out, c->buffer, c->buffer_length, c->acting_version, c->buffer_length);`,
        `    out->error = c->error = ${g.n.err('E_NOT_PRESENT')};`,
        '    return false;',
        '}',
        '/* Inside the acting block, which the wrap (or next) checked against the buffer. */',
        'out->buffer = c->buffer;',
        'out->buffer_length = c->buffer_length;',
        `out->offset = c->offset + ${e.offset};`,
        `out->acting_block_length = ${t.size};`,
        'out->acting_version = c->acting_version;',
        `out->error = ${g.n.err('OK')};`,
        'return true;',
      ]);
      return;
    }
  }
}

/** `bool <owner>_set_<name>(owner *c, <args>)`: writes only when the element is present. */
function setter(out: Printer, g: Gen, owner: string, f: string, e: Elem, where: string, args: string, body: string[]): void {
  fn(out, `bool ${g.decl(g.n.member(owner, `set_${e.name}`), where)}(${owner} *c, ${args})`, [
    `if (!${f}_in_acting_version(c)) {`,
    `    c->error = ${g.n.err('E_NOT_PRESENT')};`,
    '    return false;',
    '}',
    ...body,
    'return true;',
  ]);
}

function nullMinMax(out: Printer, g: Gen, f: string, t: EncodedType, where: string): void {
  const ct = cType(t.primitive);
  fn(out, `${ct} ${g.decl(`${f}_null_value`, where)}(void)`, [`return ${lit(t.primitive, t.nullValue)};`]);
  fn(out, `${ct} ${g.decl(`${f}_min_value`, where)}(void)`, [`return ${lit(t.primitive, t.minValue)};`]);
  fn(out, `${ct} ${g.decl(`${f}_max_value`, where)}(void)`, [`return ${lit(t.primitive, t.maxValue)};`]);
}

function isNullExpr(t: EncodedType, v: string, f: string): string {
  return PRIMITIVES[t.primitive].float ? `isnan(${v})` : `${v} == ${f}_null_value()`;
}

function emitScalar(out: Printer, g: Gen, owner: string, e: Elem, t: EncodedType, f: string, where: string): void {
  const ct = cType(t.primitive);
  const at = `c->buffer + c->offset + ${e.offset}`;
  nullMinMax(out, g, f, t, where);
  if (t.primitive === 'char' && t.characterEncoding)
    fn(out, `const char *${g.decl(`${f}_character_encoding`, where)}(void)`, [`return ${cString(t.characterEncoding)};`]);
  fn(out, `${ct} ${g.decl(f, where)}(const ${owner} *c)`, [
    `if (!${f}_in_acting_version(c)) return ${f}_null_value();`,
    `return ${g.n.load(t.primitive)}(${at});`,
  ]);
  if (e.presence === 'optional') {
    fn(out, `bool ${g.decl(`${f}_is_null`, where)}(const ${owner} *c)`, [
      `${ct} v = ${f}(c);`,
      `return ${isNullExpr(t, 'v', f)};`,
    ]);
  }
  setter(out, g, owner, f, e, where, `${ct} value`, [`${g.n.store(t.primitive)}(${at}, value);`]);
}

function emitArray(out: Printer, g: Gen, owner: string, e: Elem, t: EncodedType, f: string, where: string): void {
  const ct = cType(t.primitive);
  const psize = PRIMITIVES[t.primitive].size;
  const len = t.length;
  const at = `c->buffer + c->offset + ${e.offset}`;
  const elemAt = psize === 1 ? `${at} + idx` : `${at} + idx * ${psize}`;
  const err = (x: string): string => g.n.err(x);
  fn(out, `uint64_t ${g.decl(`${f}_length`, where)}(void)`, [`return ${len};`]);
  nullMinMax(out, g, f, t, where);
  if (t.primitive === 'char' && t.characterEncoding)
    fn(out, `const char *${g.decl(`${f}_character_encoding`, where)}(void)`, [`return ${cString(t.characterEncoding)};`]);
  fn(out, `bool ${g.decl(f, where)}(${owner} *c, uint64_t idx, ${ct} *out)`, [
    `if (idx >= ${len}) {`,
    `    c->error = ${err('E_INDEX_OUT_OF_RANGE')};`,
    '    return false;',
    '}',
    `*out = ${f}_in_acting_version(c) ? ${g.n.load(t.primitive)}(${elemAt}) : ${f}_null_value();`,
    'return true;',
  ]);
  fn(out, `bool ${g.decl(g.n.member(owner, `set_${e.name}`), where)}(${owner} *c, uint64_t idx, ${ct} value)`, [
    `if (idx >= ${len}) {`,
    `    c->error = ${err('E_INDEX_OUT_OF_RANGE')};`,
    '    return false;',
    '}',
    `if (!${f}_in_acting_version(c)) {`,
    `    c->error = ${err('E_NOT_PRESENT')};`,
    '    return false;',
    '}',
    `${g.n.store(t.primitive)}(${elemAt}, value);`,
    'return true;',
  ]);
  if (e.presence === 'optional') {
    fn(out, `bool ${g.decl(`${f}_is_null`, where)}(const ${owner} *c)`, () => {
      out.line(`if (!${f}_in_acting_version(c)) return true;`);
      out.block(`for (uint64_t idx = 0; idx < ${len}; idx++) {`, () => {
        out.line(`${ct} v = ${g.n.load(t.primitive)}(${elemAt});`);
        out.line(`if (!(${isNullExpr(t, 'v', f)})) return false;`);
      });
      out.line('return true;');
    });
  }
  if (psize !== 1 || (t.primitive !== 'char' && t.primitive !== 'uint8')) return;
  // Byte arrays (char[N], uint8[N]): whole-array access.
  fn(out, `const ${ct} *${g.decl(`${f}_buffer`, where)}(const ${owner} *c)`, [
    `if (!${f}_in_acting_version(c)) return NULL;`,
    `return (const ${ct} *)(${at});`,
  ]);
  fn(out, `bool ${g.decl(g.n.member(owner, `get_${e.name}`), where)}(${owner} *c, ${ct} *dst, uint64_t dst_capacity)`, [
    `if (dst_capacity < ${len}) {`,
    `    c->error = ${err('E_DST_TOO_SMALL')};`,
    '    return false;',
    '}',
    `if (!${f}_in_acting_version(c)) {`,
    `    for (uint64_t idx = 0; idx < ${len}; idx++) dst[idx] = ${f}_null_value();`,
    '    return true;',
    '}',
    `memcpy(dst, ${at}, ${len});`,
    'return true;',
  ]);
  fn(out, `bool ${g.decl(g.n.member(owner, `put_${e.name}`), where)}(${owner} *c, const ${ct} *src, uint64_t length)`, [
    `if (length > ${len}) {`,
    `    c->error = ${err('E_VALUE_TOO_LONG')};`,
    '    return false;',
    '}',
    `if (!${f}_in_acting_version(c)) {`,
    `    c->error = ${err('E_NOT_PRESENT')};`,
    '    return false;',
    '}',
    `${g.n.R}_zero(${at}, ${len});`,
    `${g.n.R}_copy(${at}, src, length);`,
    'return true;',
  ]);
  if (t.primitive === 'char') {
    fn(out, `uint64_t ${g.decl(`${f}_string_length`, where)}(const ${owner} *c)`, [
      `if (!${f}_in_acting_version(c)) return 0;`,
      `const uint8_t *nul = (const uint8_t *)memchr(${at}, 0, ${len});`,
      `return nul == NULL ? ${len} : (uint64_t)(nul - (${at}));`,
    ]);
  }
}

function emitEnum(out: Printer, g: Gen, owner: string, e: Elem, t: EnumType, f: string, where: string): void {
  const E = g.n.type(t.name);
  const raw = cType(t.encoding);
  const at = `c->buffer + c->offset + ${e.offset}`;
  fn(out, `${raw} ${g.decl(`${f}_raw`, where)}(const ${owner} *c)`, [
    `if (!${f}_in_acting_version(c)) return ${lit(t.encoding, t.nullValue)};`,
    `return ${g.n.load(t.encoding)}(${at});`,
  ]);
  fn(out, `bool ${g.decl(f, where)}(${owner} *c, ${E} *out)`, [
    `if (!${E}_from_code(${f}_raw(c), out)) {`,
    `    c->error = ${g.n.err('E_UNKNOWN_ENUM_VALUE')};`,
    '    return false;',
    '}',
    'return true;',
  ]);
  if (e.presence === 'optional') {
    fn(out, `bool ${g.decl(`${f}_is_null`, where)}(const ${owner} *c)`, [`return ${f}_raw(c) == ${lit(t.encoding, t.nullValue)};`]);
  }
  setter(out, g, owner, f, e, where, `${E} value`, [`${g.n.store(t.encoding)}(${at}, ${E}_code(value));`]);
}

function emitConstant(out: Printer, g: Gen, e: Elem, f: string, where: string): void {
  const t = e.type;
  if (e.constEnum) {
    const E = g.n.type(e.constEnum.type.name);
    const v = g.n.enumValue(E, e.constEnum.value.name);
    fn(out, `${E} ${g.decl(f, where)}(void)`, [`return ${v};`]);
    fn(out, `${cType(e.constEnum.type.encoding)} ${g.decl(`${f}_raw`, where)}(void)`, [`return ${E}_code(${v});`]);
    return;
  }
  if (t.kind !== 'encoded' || t.constValue === undefined)
    throw new Error(`C target: constant ${where} has no value the C target can represent (${t.kind})`);
  if (t.primitive === 'char') {
    if (t.length === 1 && t.constValue.length === 1) {
      fn(out, `char ${g.decl(f, where)}(void)`, [`return (char)${t.constValue.charCodeAt(0)};`]);
    } else {
      fn(out, `uint64_t ${g.decl(`${f}_length`, where)}(void)`, [`return ${new TextEncoder().encode(t.constValue).length};`]);
      fn(out, `const char *${g.decl(f, where)}(void)`, [`return ${cString(t.constValue)};`]);
    }
    return;
  }
  fn(out, `${cType(t.primitive)} ${g.decl(f, where)}(void)`, [`return ${lit(t.primitive, t.constValue)};`]);
}
