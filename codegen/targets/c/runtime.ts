/**
 * `<p>_sbe.h`: the per-schema runtime every generated header includes: schema identity macros, error
 * codes, byte-order aware loads/stores (memcpy, never an unaligned dereference) and the bounds check.
 * It is per schema (all names carry the schema prefix) so that headers of several schemas, or of two
 * versions of one schema under different packages, can share a translation unit.
 */
import { PRIMITIVES, type Primitive } from '../../ir.js';
import { Printer, generatedBanner } from '../../printer.js';
import { ALL_PRIMITIVES, C_ERRORS, type CNames, cString, cType, guard, primitiveSuffix } from './common.js';

export function runtimeHeader(n: CNames, source: string, fingerprint: string): string {
  const s = n.schema;
  const P = n.P;
  const R = n.R;
  const out = new Printer('    ');
  const file = n.runtimeFile();
  out.line(generatedBanner(source, '/*', ' */'));
  out.line(`#ifndef ${guard(file)}`);
  out.line(`#define ${guard(file)}`);
  out.line();
  out.lines_([
    '/*',
    ` * Runtime support for the C codecs of SBE schema "${s.package}" (id ${s.id}, version ${s.version}).`,
    ' * Flyweights are plain structs owned by the calling thread; nothing here allocates.',
    ' * A call that fails returns false (or NULL) and sets the flyweight\'s `error` member to one of the',
    ` * ${P}_SBE_E_* codes below; it never reads or writes outside [buffer, buffer + buffer_length).`,
    ' */',
  ]);
  for (const h of ['math.h', 'stdbool.h', 'stddef.h', 'stdint.h', 'string.h']) out.line(`#include <${h}>`);
  out.line();
  out.line(`#define ${P}_SBE_PACKAGE ${cString(s.package)}`);
  out.line(`#define ${P}_SBE_SCHEMA_ID ${s.id}`);
  out.line(`#define ${P}_SBE_SCHEMA_VERSION ${s.version}`);
  out.line(`#define ${P}_SBE_SEMANTIC_VERSION ${cString(s.semanticVersion ?? '')}`);
  out.line(`/** Hash of the schema IR (wire-relevant content); changes whenever the schema does. */`);
  out.line(`#define ${P}_SBE_FINGERPRINT ${cString(fingerprint)}`);
  out.line(`#define ${P}_SBE_BIG_ENDIAN ${s.byteOrder === 'bigEndian' ? 1 : 0}`);
  out.line(`#define ${P}_SBE_HEADER_SIZE ${s.header.size}`);
  out.line();
  out.line('/* Error codes (the same numbers in every generated schema). */');
  for (const [name, code, text] of C_ERRORS) out.line(`#define ${P}_SBE_${name} ${code} /* ${text} */`);
  out.line();
  out.line(`static inline const char *${R}_strerror(int code)`);
  out.block('{', () => {
    out.block('switch (code) {', () => {
      for (const [name, , text] of C_ERRORS) out.line(`case ${P}_SBE_${name}: return ${cString(text)};`);
      out.line('default: return "unknown error";');
    });
  });
  out.line();
  out.lines_([
    `/* Host byte order: from the compiler, or define ${P}_SBE_HOST_BIG_ENDIAN to 0 or 1 yourself. */`,
    `#ifndef ${P}_SBE_HOST_BIG_ENDIAN`,
    '#if defined(__BYTE_ORDER__) && defined(__ORDER_LITTLE_ENDIAN__) && defined(__ORDER_BIG_ENDIAN__)',
    '#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__',
    `#define ${P}_SBE_HOST_BIG_ENDIAN 0`,
    '#elif __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__',
    `#define ${P}_SBE_HOST_BIG_ENDIAN 1`,
    '#endif',
    '#elif defined(_WIN32)',
    `#define ${P}_SBE_HOST_BIG_ENDIAN 0`,
    '#endif',
    '#endif',
    `#ifndef ${P}_SBE_HOST_BIG_ENDIAN`,
    `#error "cannot tell the host byte order: define ${P}_SBE_HOST_BIG_ENDIAN to 0 or 1"`,
    '#endif',
    `#define ${P}_SBE_SWAP (${P}_SBE_HOST_BIG_ENDIAN != ${P}_SBE_BIG_ENDIAN)`,
  ]);
  out.line();
  out.line('/** True when [position, position + length) lies inside a buffer of buffer_length bytes. */');
  out.line(`static inline bool ${R}_fits(uint64_t position, uint64_t length, uint64_t buffer_length)`);
  out.block('{', () => {
    out.line('uint64_t end = position + length;');
    out.line('return end >= position && end <= buffer_length; /* no wrap-around, and inside */');
  });
  out.line();
  out.lines_([
    '/**',
    ' * memset(dst, 0, length) in 64-byte pieces, which compilers turn into a few vector stores for the',
    ' * block sizes of a schema (a plain memset of more than 64 bytes often becomes a slow `rep stos`).',
    ' */',
  ]);
  out.line(`static inline void ${R}_zero(void *dst, uint64_t length)`);
  out.block('{', () => {
    out.line('uint8_t *d = (uint8_t *)dst;');
    out.line('uint64_t i = 0;');
    out.line('for (; length - i >= 64; i += 64) memset(d + i, 0, 64);');
    out.line('if (i < length) memset(d + i, 0, (size_t)(length - i));');
  });
  out.line();
  out.lines_([
    '/**',
    ' * memcpy for lengths known only at run time (var data, char arrays shorter than the field): up to',
    ' * 32 bytes as two overlapping fixed-size copies (no library call, and none of the slow `rep movs`',
    ' * that compilers emit for a memcpy whose length they can bound), longer ones by memcpy. Kept small',
    ' * so that the accessors using it stay inlined. dst and src must not overlap.',
    ' */',
  ]);
  out.line(`static inline void ${R}_copy(void *dst, const void *src, uint64_t length)`);
  out.block('{', () => {
    out.line('uint8_t *d = (uint8_t *)dst;');
    out.line('const uint8_t *s = (const uint8_t *)src;');
    out.lines_([
      'if (length >= 8) {',
      '    if (length > 32) {',
      '        memcpy(d, s, (size_t)length);',
      '    } else if (length >= 16) {',
      '        memcpy(d, s, 16);',
      '        memcpy(d + length - 16, s + length - 16, 16);',
      '    } else {',
      '        memcpy(d, s, 8);',
      '        memcpy(d + length - 8, s + length - 8, 8);',
      '    }',
      '} else if (length >= 4) {',
      '    memcpy(d, s, 4);',
      '    memcpy(d + length - 4, s + length - 4, 4);',
      '} else if (length > 0) {',
      '    d[0] = s[0];',
      '    d[length / 2] = s[length / 2];',
      '    d[length - 1] = s[length - 1];',
      '}',
    ]);
  });
  out.line();
  byteSwaps(out, R);
  for (const p of ALL_PRIMITIVES) loadStore(out, n, p);
  out.line(`#endif /* ${guard(file)} */`);
  return out.toString();
}

function byteSwaps(out: Printer, R: string): void {
  out.line(`static inline uint16_t ${R}_bswap16(uint16_t v)`);
  out.block('{', () => {
    out.lines_(['#if defined(__GNUC__)', 'return __builtin_bswap16(v);', '#else']);
    out.line('return (uint16_t)((uint16_t)(v << 8) | (uint16_t)(v >> 8));');
    out.line('#endif');
  });
  out.line();
  out.line(`static inline uint32_t ${R}_bswap32(uint32_t v)`);
  out.block('{', () => {
    out.lines_(['#if defined(__GNUC__)', 'return __builtin_bswap32(v);', '#else']);
    out.line('return (v << 24) | ((v << 8) & UINT32_C(0x00FF0000)) | ((v >> 8) & UINT32_C(0x0000FF00)) | (v >> 24);');
    out.line('#endif');
  });
  out.line();
  out.line(`static inline uint64_t ${R}_bswap64(uint64_t v)`);
  out.block('{', () => {
    out.lines_(['#if defined(__GNUC__)', 'return __builtin_bswap64(v);', '#else']);
    out.line(`return ((uint64_t)${R}_bswap32((uint32_t)(v & UINT32_C(0xFFFFFFFF))) << 32) | (uint64_t)${R}_bswap32((uint32_t)(v >> 32));`);
    out.line('#endif');
  });
  out.line();
}

/** load/store for one primitive: memcpy to/from the wire, swapping when the host order differs. */
function loadStore(out: Printer, n: CNames, p: Primitive): void {
  const size = PRIMITIVES[p].size;
  const t = cType(p);
  const R = n.R;
  const P = n.P;
  const bits = size * 8;
  const ut = `uint${bits}_t`;
  const sfx = primitiveSuffix(p);
  out.line(`static inline ${t} ${R}_load_${sfx}(const uint8_t *src)`);
  out.block('{', () => {
    if (size === 1) {
      out.line(`${t} v;`);
      out.line('memcpy(&v, src, 1);');
      out.line('return v;');
      return;
    }
    out.line(`${ut} u;`);
    out.line(`memcpy(&u, src, ${size});`);
    out.line(`#if ${P}_SBE_SWAP`);
    out.line(`u = ${R}_bswap${bits}(u);`);
    out.line('#endif');
    if (t === ut) {
      out.line('return u;');
    } else {
      out.line(`${t} v;`);
      out.line(`memcpy(&v, &u, ${size});`);
      out.line('return v;');
    }
  });
  out.line();
  out.line(`static inline void ${R}_store_${sfx}(uint8_t *dst, ${t} value)`);
  out.block('{', () => {
    if (size === 1) {
      out.line('memcpy(dst, &value, 1);');
      return;
    }
    out.line(`${ut} u;`);
    out.line(`memcpy(&u, &value, ${size});`);
    out.line(`#if ${P}_SBE_SWAP`);
    out.line(`u = ${R}_bswap${bits}(u);`);
    out.line('#endif');
    out.line(`memcpy(dst, &u, ${size});`);
  });
  out.line();
}
