/**
 * C target: header-only C11 codecs for one SBE schema, in the spirit of sbe-tool's C generator.
 *
 *   <p>_sbe.h        runtime (identity macros, error codes, byte order, bounds check)
 *   <p>_<Type>.h     one per composite, enum and set (encoded types need no header)
 *   <p>_<Message>.h  one per message, with its groups and var data
 *   <p>.h            umbrella including all of the above
 *
 * where <p> = cPackage(schema.package) prefixes every identifier. Output is a pure function of the
 * IR and `source` (deterministic). Conventions for users are in codegen/README-c.md.
 *
 * Anything the C target cannot represent faithfully (an identifier collision, a value that does not
 * fit the message header) throws, rather than producing wrong code.
 */
import { schemaFingerprint } from '../../fingerprint.js';
import type { Block, Schema, TypeDef } from '../../ir.js';
import { Printer, generatedBanner } from '../../printer.js';
import { ALL_PRIMITIVES, CNames, type NamedType, guard } from './common.js';
import type { Gen } from './fields.js';
import { messageHeader } from './messages.js';
import { runtimeHeader } from './runtime.js';
import { compositeHeader, enumHeader, setHeader } from './types.js';

export { C_ERRORS, CNames } from './common.js';
export { varDataElementType } from './messages.js';

export interface COptions {
  /** Label of the schema file for the @generated banner (stable, project-relative). */
  source: string;
}

export function generateC(schema: Schema, opts: COptions): Map<string, string> {
  const n = new CNames(schema);
  const ids = new Map<string, string>();
  const gen: Gen = {
    n,
    decl(name: string, what: string): string {
      const prior = ids.get(name);
      if (prior !== undefined)
        throw new Error(`C target (${schema.package}): identifier ${name} for ${what} collides with the one for ${prior}`);
      ids.set(name, what);
      return name;
    },
  };
  const files = new Map<string, string>();
  const fileKeys = new Map<string, string>();
  const add = (file: string, what: string, content: () => string): void => {
    const key = guard(file);
    const prior = fileKeys.get(key);
    if (prior !== undefined) throw new Error(`C target (${schema.package}): file ${file} for ${what} collides with the one for ${prior}`);
    fileKeys.set(key, what);
    files.set(file, content());
  };

  // Reserve the runtime's names so that no type or member can take them.
  gen.decl(n.R, 'the runtime prefix');
  for (const f of ['strerror', 'fits', 'zero', 'copy', 'bswap16', 'bswap32', 'bswap64']) gen.decl(`${n.R}_${f}`, 'the runtime');
  for (const p of ALL_PRIMITIVES) {
    gen.decl(n.load(p), 'the runtime');
    gen.decl(n.store(p), 'the runtime');
  }
  add(n.runtimeFile(), 'the runtime', () => runtimeHeader(n, opts.source, schemaFingerprint(schema)));
  const types = namedTypes(schema);
  for (const t of types) {
    const what = `${t.kind} ${t.name}`;
    if (t.kind === 'composite') add(n.file(t.name), what, () => compositeHeader(gen, t, opts.source));
    else if (t.kind === 'enum') add(n.file(t.name), what, () => enumHeader(gen, t, opts.source));
    else add(n.file(t.name), what, () => setHeader(gen, t, opts.source));
  }
  for (const m of schema.messages) add(n.file(m.name), `message ${m.name}`, () => messageHeader(gen, m, opts.source));

  add(n.umbrellaFile(), 'the umbrella header', () => {
    const out = new Printer('    ');
    const f = n.umbrellaFile();
    out.line(generatedBanner(opts.source, '/*', ' */'));
    out.line(`#ifndef ${guard(f)}`);
    out.line(`#define ${guard(f)}`);
    out.line();
    out.line(`/* All C codecs of SBE schema "${schema.package}" (id ${schema.id}, version ${schema.version}). */`);
    out.line(`#include "${n.runtimeFile()}"`);
    for (const t of types) out.line(`#include "${n.file(t.name)}"`);
    for (const m of schema.messages) out.line(`#include "${n.file(m.name)}"`);
    out.line();
    out.line(`#endif /* ${guard(f)} */`);
    return out.toString();
  });
  return files;
}

/**
 * Composites, enums and sets that need a header: the named types in declaration order, then types
 * declared inline inside composites, each once. Two different types with one name cannot both get
 * a header, so that is an error.
 */
function namedTypes(schema: Schema): NamedType[] {
  const out: NamedType[] = [];
  const byName = new Map<string, TypeDef>();
  const visit = (t: TypeDef): void => {
    if (t.kind === 'encoded') return;
    const prior = byName.get(t.name);
    if (prior === t) return;
    if (prior !== undefined)
      throw new Error(`C target (${schema.package}): two different types are named "${t.name}"; the C target needs unique type names`);
    byName.set(t.name, t);
    out.push(t);
    if (t.kind === 'composite') for (const m of t.members) visit(m.type);
  };
  for (const t of schema.types) visit(t);
  visit(schema.header);
  const visitBlock = (b: Block): void => {
    for (const f of b.fields) visit(f.type);
    for (const g of b.groups) {
      visit(g.dimension);
      visitBlock(g);
    }
    for (const d of b.data) visit(d.type);
  };
  for (const m of schema.messages) visitBlock(m);
  return out;
}

