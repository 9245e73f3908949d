/**
 * Message headers: the message flyweight (wrap for encode/decode, header apply/check), its fields,
 * repeating groups (any depth, any dimension composite) and var data, in SBE wire order.
 *
 * Position: a message tracks `position`, the end of what has been read or written so far. Group
 * flyweights point at their message's position (`position_ptr`), so a group flyweight must not
 * outlive the message flyweight it was obtained from, and groups and var data must be visited in
 * schema order (the SBE rule).
 */
import {
  PRIMITIVES,
  type Block,
  type CompositeMember,
  type DataDef,
  type EncodedType,
  type GroupDef,
  type MessageDef,
  type TypeDef,
} from '../../ir.js';
import { Printer } from '../../printer.js';
import { cString, cType, docComment, lit, u64, unsignedMax } from './common.js';
import { type Gen, allPresentExpr, blockExtent, emitElem, fieldElem, fn } from './fields.js';
import { closeHeader, openHeader } from './files.js';

interface Owner {
  struct: string;
  kind: 'message' | 'group';
}

const ALL_PRESENT_DOC =
  '/** Every field of the block is present (set by wrap/next from the acting block length and version). */';

function pos(o: Owner): string {
  return o.kind === 'message' ? 'c->position' : '*c->position_ptr';
}

/** Types whose headers a block needs (fields of the block and of its groups, recursively). */
function blockTypes(b: Block, acc: TypeDef[] = []): TypeDef[] {
  for (const f of b.fields) {
    if (f.type.kind !== 'encoded') acc.push(f.type);
    if (f.constEnum) acc.push(f.constEnum.type);
  }
  for (const gr of b.groups) blockTypes(gr, acc);
  return acc;
}

function checkFits(what: string, m: CompositeMember, value: number): void {
  const t = m.type as EncodedType;
  if (BigInt(value) > unsignedMax(t.primitive))
    throw new Error(`C target: ${what} ${value} does not fit the header member ${m.name} (${t.primitive})`);
}

export function messageHeader(g: Gen, m: MessageDef, source: string): string {
  const n = g.n;
  const s = n.schema;
  const M = g.decl(n.type(m.name), `message ${m.name}`);
  const H = n.type(s.header.name);
  const hm = s.headerMembers;
  checkFits(`message ${m.name} blockLength`, hm.blockLength, m.blockLength);
  checkFits(`message ${m.name} id`, hm.templateId, m.id);
  checkFits('schema id', hm.schemaId, s.id);
  checkFits('schema version', hm.version, s.version);

  const out = new Printer('    ');
  const includes = [n.runtimeFile(), n.file(s.header.name), ...blockTypes(m).map((t) => n.file(t.name))];
  openHeader(out, n.file(m.name), source, includes);

  const desc = docComment(m.description, [
    `Message ${m.name}: template id ${m.id}, block length ${m.blockLength}${m.sinceVersion > 0 ? `, since version ${m.sinceVersion}` : ''}.`,
    'Owned by the calling thread; groups obtained from it point into it and must not outlive it.',
  ]);
  out.line(`#define ${g.decl(`${M}_SBE_TEMPLATE_ID`, M)} ${m.id}`);
  out.line(`#define ${g.decl(`${M}_SBE_BLOCK_LENGTH`, M)} ${m.blockLength}`);
  out.line();
  out.lines_(desc);
  out.block(`typedef struct ${M} {`, () => {
    out.line('uint8_t *buffer;');
    out.line('uint64_t buffer_length;');
    out.line('/** Offset of the root block (just after the message header). */');
    out.line('uint64_t offset;');
    out.line('/** End of what has been read or written so far (the SBE limit). */');
    out.line('uint64_t position;');
    out.line('/** Root block length in use: the schema\'s when encoding, the received one when decoding. */');
    out.line('uint64_t acting_block_length;');
    out.line('uint64_t acting_version;');
    out.line(`/** Last error of a call on this flyweight (${n.P}_SBE_OK or ${n.P}_SBE_E_*). */`);
    out.line('int error;');
    out.line(ALL_PRESENT_DOC);
    out.line('bool all_present;');
  }, `} ${M};`);
  out.line();
  const groupStructs = (parent: string, b: Block): void => {
    for (const gr of b.groups) {
      const G = g.decl(n.group(parent, gr.name), `group ${gr.name}`);
      out.lines_(docComment(gr.description, [`Repeating group ${gr.name} (id ${gr.id}) of ${parent}.`]));
      out.block(`typedef struct ${G} {`, () => {
        out.line('uint8_t *buffer;');
        out.line('uint64_t buffer_length;');
        out.line('/** The message\'s position: groups and var data share it. */');
        out.line('uint64_t *position_ptr;');
        out.line('/** Offset of the current entry (valid after next). */');
        out.line('uint64_t offset;');
        out.line('/** Bytes of the current entry available to accessors (0 before the first next). */');
        out.line('uint64_t acting_block_length;');
        out.line('uint64_t acting_version;');
        out.line('/** Entry block length from the dimension (received when decoding). */');
        out.line('uint64_t block_length;');
        out.line('uint64_t count;');
        out.line('uint64_t index;');
        out.line('bool encoding;');
        out.line(`/** Last error of a call on this flyweight (${n.P}_SBE_OK or ${n.P}_SBE_E_*). */`);
        out.line('int error;');
        out.line(ALL_PRESENT_DOC);
        out.line('bool all_present;');
      }, `} ${G};`);
      out.line();
      groupStructs(G, gr);
    }
  };
  groupStructs(M, m);

  const blType = cType((hm.blockLength.type as EncodedType).primitive);
  const tidType = cType((hm.templateId.type as EncodedType).primitive);
  const sidType = cType((hm.schemaId.type as EncodedType).primitive);
  const verType = cType((hm.version.type as EncodedType).primitive);
  const hlit = (mem: CompositeMember, v: number): string => lit((mem.type as EncodedType).primitive, String(v));
  fn(out, `${blType} ${g.decl(`${M}_sbe_block_length`, M)}(void)`, [`return ${hlit(hm.blockLength, m.blockLength)};`]);
  fn(out, `${tidType} ${g.decl(`${M}_sbe_template_id`, M)}(void)`, [`return ${hlit(hm.templateId, m.id)};`]);
  fn(out, `${sidType} ${g.decl(`${M}_sbe_schema_id`, M)}(void)`, [`return ${hlit(hm.schemaId, s.id)};`]);
  fn(out, `${verType} ${g.decl(`${M}_sbe_schema_version`, M)}(void)`, [`return ${hlit(hm.version, s.version)};`]);
  fn(out, `const char *${g.decl(`${M}_sbe_semantic_type`, M)}(void)`, [`return ${cString(m.semanticType ?? '')};`]);
  fn(out, `uint64_t ${g.decl(`${M}_sbe_header_size`, M)}(void)`, [`return ${s.header.size};`]);

  out.line('/** Leave the flyweight in a state where every accessor fails or reads null; returns false. */');
  fn(out, `bool ${g.decl(`${M}_sbe_invalidate`, M)}(${M} *c, int error)`, [
    'c->acting_block_length = 0;',
    'c->all_present = false;',
    'c->position = c->buffer_length;',
    'c->error = error;',
    'return false;',
  ]);
  const bl = m.blockLength;
  const extent = blockExtent(m.fields.map(fieldElem));
  out.line('/** Wrap for encoding at offset (the root block, after any header); zero-fills the block. */');
  fn(out, `bool ${g.decl(`${M}_wrap_for_encode`, M)}(${M} *c, uint8_t *buffer, uint64_t offset, uint64_t buffer_length)`, [
    'c->buffer = buffer;',
    'c->buffer_length = buffer_length;',
    'c->offset = offset;',
    `c->acting_version = ${s.version};`,
    `if (!${n.R}_fits(offset, ${bl}, buffer_length)) return ${M}_sbe_invalidate(c, ${n.err('E_SHORT_BUFFER')});`,
    ...(bl > 0 ? [`${n.R}_zero(buffer + offset, ${bl});`] : []),
    `c->acting_block_length = ${bl};`,
    `c->all_present = ${extent.end <= bl && extent.since <= s.version};`,
    `c->position = offset + ${bl};`,
    `c->error = ${n.err('OK')};`,
    'return true;',
  ]);
  out.lines_([
    '/**',
    ' * Wrap for decoding the root block at offset, with the block length and version from the received',
    ' * message header. The buffer is not written by decoding accessors (setters must not be used on',
    ' * read-only memory).',
    ' */',
  ]);
  fn(
    out,
    `bool ${g.decl(`${M}_wrap_for_decode`, M)}(${M} *c, const uint8_t *buffer, uint64_t offset, uint64_t acting_block_length, uint64_t acting_version, uint64_t buffer_length)`,
    [
      'c->buffer = (uint8_t *)(uintptr_t)buffer;',
      'c->buffer_length = buffer_length;',
      'c->offset = offset;',
      'c->acting_version = acting_version;',
      `if (!${n.R}_fits(offset, acting_block_length, buffer_length)) return ${M}_sbe_invalidate(c, ${n.err('E_SHORT_BUFFER')});`,
      'c->acting_block_length = acting_block_length;',
      `c->all_present = ${allPresentExpr(extent, 'acting_block_length', 'acting_version')};`,
      'c->position = offset + acting_block_length;',
      `c->error = ${n.err('OK')};`,
      'return true;',
    ],
  );
  const hset = (mem: CompositeMember, v: number): string => `(void)${n.member(H, `set_${mem.name}`)}(&h, ${hlit(mem, v)});`;
  out.line('/** Write the message header at offset (gaps zeroed), then wrap the root block after it for encoding. */');
  fn(out, `bool ${g.decl(`${M}_wrap_and_apply_header`, M)}(${M} *c, uint8_t *buffer, uint64_t offset, uint64_t buffer_length)`, [
    `${H} h;`,
    'c->buffer = buffer;',
    'c->buffer_length = buffer_length;',
    'c->offset = offset;',
    `c->acting_version = ${s.version};`,
    `if (!${H}_wrap(&h, buffer, offset, ${s.version}, buffer_length)) return ${M}_sbe_invalidate(c, ${n.err('E_SHORT_BUFFER')});`,
    `${n.R}_zero(buffer + offset, ${s.header.size});`,
    hset(hm.blockLength, m.blockLength),
    hset(hm.templateId, m.id),
    hset(hm.schemaId, s.id),
    hset(hm.version, s.version),
    `return ${M}_wrap_for_encode(c, buffer, offset + ${s.header.size}, buffer_length);`,
  ]);
  out.line('/** Read the message header at offset, check templateId and schemaId, and wrap for decoding. */');
  fn(out, `bool ${g.decl(`${M}_wrap_and_check_header`, M)}(${M} *c, const uint8_t *buffer, uint64_t offset, uint64_t buffer_length)`, [
    `${H} h;`,
    'c->buffer = (uint8_t *)(uintptr_t)buffer;',
    'c->buffer_length = buffer_length;',
    'c->offset = offset;',
    `c->acting_version = ${s.version};`,
    `if (!${H}_wrap(&h, c->buffer, offset, ${s.version}, buffer_length)) return ${M}_sbe_invalidate(c, ${n.err('E_SHORT_BUFFER')});`,
    `if ((uint64_t)${n.member(H, hm.templateId.name)}(&h) != ${u64(m.id)}) return ${M}_sbe_invalidate(c, ${n.err('E_TEMPLATE_MISMATCH')});`,
    `if ((uint64_t)${n.member(H, hm.schemaId.name)}(&h) != ${u64(s.id)}) return ${M}_sbe_invalidate(c, ${n.err('E_SCHEMA_MISMATCH')});`,
    `return ${M}_wrap_for_decode(c, buffer, offset + ${s.header.size}, (uint64_t)${n.member(H, hm.blockLength.name)}(&h), (uint64_t)${n.member(H, hm.version.name)}(&h), buffer_length);`,
  ]);
  out.line('/** Bytes from the root block to the current position (add the header size for the whole message). */');
  fn(out, `uint64_t ${g.decl(`${M}_encoded_length`, M)}(const ${M} *c)`, ['return c->position >= c->offset ? c->position - c->offset : 0;']);
  fn(out, `uint64_t ${g.decl(`${M}_sbe_position`, M)}(const ${M} *c)`, ['return c->position;']);

  const owner: Owner = { struct: M, kind: 'message' };
  emitBlock(out, g, owner, m);
  closeHeader(out, n.file(m.name));
  return out.toString();
}

function emitBlock(out: Printer, g: Gen, o: Owner, b: Block): void {
  for (const f of b.fields) emitElem(out, g, o.struct, fieldElem(f), true);
  for (const gr of b.groups) emitGroup(out, g, o, gr);
  for (const d of b.data) emitData(out, g, o, d);
}

function emitGroup(out: Printer, g: Gen, parent: Owner, gr: GroupDef): void {
  const n = g.n;
  const P = parent.struct;
  const G = n.group(P, gr.name);
  const where = `group ${gr.name}`;
  const blMember = gr.blockLengthMember;
  const numMember = gr.numInGroupMember;
  const blPrim = (blMember.type as EncodedType).primitive;
  const numPrim = (numMember.type as EncodedType).primitive;
  const dim = gr.dimension.size;
  if (BigInt(gr.blockLength) > unsignedMax(blPrim))
    throw new Error(`C target: group ${gr.name} blockLength ${gr.blockLength} does not fit ${gr.dimension.name}.blockLength`);
  const minCount = BigInt(gr.minCount);
  const maxCount = BigInt(gr.maxCount);
  out.line(`/* ==== group ${gr.name} */`);
  out.line();
  fn(out, `uint32_t ${g.decl(`${G}_sbe_id`, where)}(void)`, [`return ${gr.id};`]);
  fn(out, `uint64_t ${g.decl(`${G}_sbe_since_version`, where)}(void)`, [`return ${gr.sinceVersion};`]);
  fn(out, `uint64_t ${g.decl(`${G}_sbe_block_length`, where)}(void)`, [`return ${gr.blockLength};`]);
  fn(out, `uint64_t ${g.decl(`${G}_sbe_header_size`, where)}(void)`, [`return ${dim};`]);
  fn(out, `uint64_t ${g.decl(`${G}_sbe_count_min_value`, where)}(void)`, [`return ${u64(minCount)};`]);
  fn(out, `uint64_t ${g.decl(`${G}_sbe_count_max_value`, where)}(void)`, [`return ${u64(maxCount)};`]);
  fn(
    out,
    `bool ${g.decl(`${G}_sbe_in_acting_version`, where)}(const ${P} *c)`,
    gr.sinceVersion > 0 ? [`return c->acting_version >= ${u64(gr.sinceVersion)};`] : ['(void)c;', 'return true;'],
  );
  fn(out, `void ${g.decl(`${G}_sbe_init`, where)}(${G} *g, ${P} *c, bool encoding)`, [
    'g->buffer = c->buffer;',
    'g->buffer_length = c->buffer_length;',
    `g->position_ptr = ${parent.kind === 'message' ? '&c->position' : 'c->position_ptr'};`,
    'g->offset = 0;',
    'g->acting_block_length = 0;',
    'g->all_present = false;',
    'g->acting_version = c->acting_version;',
    'g->block_length = 0;',
    'g->count = 0;',
    'g->index = 0;',
    'g->encoding = encoding;',
    `g->error = ${n.err('OK')};`,
  ]);
  const at = (mem: CompositeMember): string => `g->buffer + p + ${mem.offset}`;
  out.lines_([
    '/**',
    ` * Decode: read the ${gr.dimension.name} at the current position and start iterating. A group that is`,
    ' * not in the acting version has count 0 and consumes nothing.',
    ' */',
  ]);
  fn(out, `bool ${g.decl(n.member(P, `get_${gr.name}`), where)}(${P} *c, ${G} *g)`, [
    `${G}_sbe_init(g, c, false);`,
    `if (!${G}_sbe_in_acting_version(c)) return true;`,
    'uint64_t p = *g->position_ptr;',
    `if (!${n.R}_fits(p, ${dim}, g->buffer_length)) {`,
    `    g->error = c->error = ${n.err('E_SHORT_BUFFER')};`,
    '    return false;',
    '}',
    `g->block_length = (uint64_t)${n.load(blPrim)}(${at(blMember)});`,
    `g->count = (uint64_t)${n.load(numPrim)}(${at(numMember)});`,
    `*g->position_ptr = p + ${dim};`,
    'return true;',
  ]);
  const rangeCheck: string[] = [];
  if (minCount > 0n) rangeCheck.push(`count < ${u64(minCount)}`);
  rangeCheck.push(`count > ${u64(maxCount)}`);
  out.line(`/** Encode: write the ${gr.dimension.name} for count entries (checked against numInGroup min/max). */`);
  fn(out, `bool ${g.decl(n.member(P, `${gr.name}_set_count`), where)}(${P} *c, ${G} *g, uint64_t count)`, [
    `${G}_sbe_init(g, c, true);`,
    `if (${rangeCheck.join(' || ')}) {`,
    `    g->error = c->error = ${n.err('E_COUNT_OUT_OF_RANGE')};`,
    '    return false;',
    '}',
    `if (!${G}_sbe_in_acting_version(c)) {`,
    `    g->error = c->error = ${n.err('E_NOT_PRESENT')};`,
    '    return false;',
    '}',
    'uint64_t p = *g->position_ptr;',
    `if (!${n.R}_fits(p, ${dim}, g->buffer_length)) {`,
    `    g->error = c->error = ${n.err('E_SHORT_BUFFER')};`,
    '    return false;',
    '}',
    `${n.R}_zero(g->buffer + p, ${dim});`,
    `${n.store(blPrim)}(${at(blMember)}, ${lit(blPrim, String(gr.blockLength))});`,
    `${n.store(numPrim)}(${at(numMember)}, (${cType(numPrim)})count);`,
    `*g->position_ptr = p + ${dim};`,
    `g->block_length = ${gr.blockLength};`,
    'g->count = count;',
    'return true;',
  ]);
  fn(out, `uint64_t ${g.decl(`${G}_count`, where)}(const ${G} *g)`, ['return g->count;']);
  fn(out, `bool ${g.decl(`${G}_has_next`, where)}(const ${G} *g)`, ['return g->index < g->count;']);
  out.line('/** Move to the next entry (zero-filling its block when encoding). */');
  fn(out, `bool ${g.decl(`${G}_next`, where)}(${G} *g)`, [
    'if (g->index >= g->count) {',
    `    g->error = ${n.err('E_GROUP_EXHAUSTED')};`,
    '    return false;',
    '}',
    'uint64_t p = *g->position_ptr;',
    `if (!${n.R}_fits(p, g->block_length, g->buffer_length)) {`,
    '    g->acting_block_length = 0;',
    '    g->all_present = false;',
    `    g->error = ${n.err('E_SHORT_BUFFER')};`,
    '    return false;',
    '}',
    `if (g->encoding) ${n.R}_zero(g->buffer + p, g->block_length);`,
    'g->offset = p;',
    'g->acting_block_length = g->block_length;',
    `g->all_present = ${allPresentExpr(blockExtent(gr.fields.map(fieldElem)), 'g->block_length', 'g->acting_version')};`,
    '*g->position_ptr = p + g->block_length;',
    'g->index++;',
    'return true;',
  ]);
  emitBlock(out, g, { struct: G, kind: 'group' }, gr);
}

/** C element type of a var data value: `char` for char or text (characterEncoding set), else `uint8_t`. */
export function varDataElementType(d: DataDef): 'char' | 'uint8_t' {
  const varData = d.type.members.find((m) => m.name === 'varData')!.type as EncodedType;
  return varData.primitive === 'char' || d.characterEncoding !== undefined ? 'char' : 'uint8_t';
}

function emitData(out: Printer, g: Gen, o: Owner, d: DataDef): void {
  const n = g.n;
  const S = o.struct;
  const f = n.member(S, d.name);
  const where = `${S}.${d.name}`;
  const et = varDataElementType(d);
  const hdr = d.dataOffset;
  const lp = d.lengthPrimitive;
  const lenSize = PRIMITIVES[lp].size;
  const maxLen = BigInt(d.maxLength);
  const P = pos(o);
  const load = `(uint64_t)${n.load(lp)}(c->buffer + p + ${d.lengthOffset})`;
  const err = (x: string): string => n.err(x);
  const shortBuf = [`    c->error = ${err('E_SHORT_BUFFER')};`];
  out.line(`/* ---- var data ${d.name} */`);
  out.lines_(docComment(d.description, d.sinceVersion > 0 ? [`Since version ${d.sinceVersion}.`] : []));
  out.line();
  fn(out, `uint32_t ${g.decl(`${f}_id`, where)}(void)`, [`return ${d.id};`]);
  fn(out, `uint64_t ${g.decl(`${f}_since_version`, where)}(void)`, [`return ${d.sinceVersion};`]);
  fn(out, `uint64_t ${g.decl(`${f}_header_length`, where)}(void)`, [`return ${hdr};`]);
  fn(out, `uint64_t ${g.decl(`${f}_max_length`, where)}(void)`, [`return ${u64(maxLen)};`]);
  if (d.characterEncoding)
    fn(out, `const char *${g.decl(`${f}_character_encoding`, where)}(void)`, [`return ${cString(d.characterEncoding)};`]);
  fn(
    out,
    `bool ${g.decl(`${f}_in_acting_version`, where)}(const ${S} *c)`,
    d.sinceVersion > 0 ? [`return c->acting_version >= ${u64(d.sinceVersion)};`] : ['(void)c;', 'return true;'],
  );
  // Reads the length prefix at p into len, or fails (no position change).
  const readLen = (fail: string): string[] => [
    `if (!${n.R}_fits(p, ${hdr}, c->buffer_length)) {`,
    ...shortBuf,
    `    return ${fail};`,
    '}',
    `uint64_t len = ${load};`,
    ...(maxLen < unsignedMax(lp)
      ? [`if (len > ${u64(maxLen)}) {`, `    c->error = ${err('E_VAR_DATA_TOO_LONG')};`, `    return ${fail};`, '}']
      : []),
    `if (!${n.R}_fits(p + ${hdr}, len, c->buffer_length)) {`,
    ...shortBuf,
    `    return ${fail};`,
    '}',
  ];
  out.line('/** Length of the value at the current position (0 when absent or unreadable; does not move). */');
  fn(out, `uint64_t ${g.decl(`${f}_length`, where)}(const ${S} *c)`, [
    `if (!${f}_in_acting_version(c)) return 0;`,
    `uint64_t p = ${P};`,
    `if (!${n.R}_fits(p, ${hdr}, c->buffer_length)) return 0;`,
    `return ${load};`,
  ]);
  out.line('/** Pointer to the value in the buffer (length in *length_out) and move past it; NULL on error. */');
  fn(out, `const ${et} *${g.decl(f, where)}(${S} *c, uint64_t *length_out)`, [
    `uint64_t p = ${P};`,
    'if (length_out != NULL) *length_out = 0;',
    `if (!${f}_in_acting_version(c)) return (const ${et} *)(c->buffer + p);`,
    ...readLen('NULL'),
    `${P} = p + ${hdr} + len;`,
    'if (length_out != NULL) *length_out = len;',
    `return (const ${et} *)(c->buffer + p + ${hdr});`,
  ]);
  out.line('/** Copy the value into dst (no NUL added) and move past it; fails without moving if dst is too small. */');
  fn(out, `bool ${g.decl(n.member(S, `get_${d.name}`), where)}(${S} *c, void *dst, uint64_t dst_capacity, uint64_t *length_out)`, [
    `uint64_t p = ${P};`,
    'if (length_out != NULL) *length_out = 0;',
    `if (!${f}_in_acting_version(c)) return true;`,
    ...readLen('false'),
    'if (len > dst_capacity) {',
    `    c->error = ${err('E_DST_TOO_SMALL')};`,
    '    return false;',
    '}',
    `${n.R}_copy(dst, c->buffer + p + ${hdr}, len);`,
    `${P} = p + ${hdr} + len;`,
    'if (length_out != NULL) *length_out = len;',
    'return true;',
  ]);
  out.line(`/** Write length and bytes at the current position and move past them (length <= ${maxLen}). */`);
  fn(out, `bool ${g.decl(n.member(S, `put_${d.name}`), where)}(${S} *c, const void *src, uint64_t length)`, [
    `if (length > ${u64(maxLen)}) {`,
    `    c->error = ${err('E_VAR_DATA_TOO_LONG')};`,
    '    return false;',
    '}',
    `if (!${f}_in_acting_version(c)) {`,
    `    c->error = ${err('E_NOT_PRESENT')};`,
    '    return false;',
    '}',
    `uint64_t p = ${P};`,
    `if (!${n.R}_fits(p, ${hdr}, c->buffer_length) || !${n.R}_fits(p + ${hdr}, length, c->buffer_length)) {`,
    ...shortBuf,
    '    return false;',
    '}',
    ...(hdr > lenSize ? [`${n.R}_zero(c->buffer + p, ${hdr});`] : []),
    `${n.store(lp)}(c->buffer + p + ${d.lengthOffset}, (${cType(lp)})length);`,
    `${n.R}_copy(c->buffer + p + ${hdr}, src, length);`,
    `${P} = p + ${hdr} + length;`,
    'return true;',
  ]);
  fn(out, `bool ${g.decl(n.member(S, `skip_${d.name}`), where)}(${S} *c)`, [`return ${f}(c, NULL) != NULL;`]);
}
