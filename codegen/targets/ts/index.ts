/**
 * TypeScript target: validated IR → flyweight codecs in the style of sbe-tool's Java codecs.
 *
 * Output (relative path → content), one directory per schema:
 * - `<Enum>.ts`       const object of codes + `name(code)`, and a type of the codes
 * - `<Set>.ts`        choice bit positions + `<Set>Decoder` / `<Set>Encoder`
 * - `<Composite>.ts`  `<Composite>Decoder` / `<Composite>Encoder` (var-data composites are used
 *                     through their <data> elements and get no file)
 * - `<Message>.ts`    `<Message>Decoder` / `<Message>Encoder` and one decoder/encoder per group
 * - `index.ts`        schema constants and re-exports of everything
 * Generated files import only the runtime (`opts.runtimeImport`, src/codec/sbe.ts) and each other.
 * The output is a pure function of the IR: byte-identical on every run. Conventions (64-bit
 * integers, bounds, padding, char null) are in codegen/README-ts.md.
 */
import type { Block, CompositeType, EnumType, Schema, SetType, TypeDef } from '../../ir.js';
import { tsType } from '../../names.js';
import { Printer, docLines, generatedBanner } from '../../printer.js';
import { emitMessage } from './message.js';
import { emitComposite, emitEnum, emitSet } from './types.js';
import { FileBuilder, TsTargetError, tsString } from './util.js';

export { TsTargetError } from './util.js';

export interface TsOptions {
  /** Label of the schema in the @generated banner (stable, e.g. project-relative). */
  source: string;
  /** Module specifier generated files use for the runtime, e.g. `../../codec/sbe.js`. */
  runtimeImport: string;
}

/** Names the runtime exports; a generated export with one of these names would shadow it. */
const RUNTIME_NAMES = new Set([
  'SbeError',
  'SbeBoundsError',
  'SbeValueError',
  'SbeStateError',
  'SbeLimitOwner',
  'SbeCursor',
  'SbeCharset',
  'SbeErrorCode',
  'EMPTY_BUFFER',
  'EMPTY_VIEW',
]);

type Named = EnumType | SetType | CompositeType;

function isVarDataComposite(t: CompositeType): boolean {
  return t.members.some((m) => m.type.kind === 'encoded' && m.type.length === 0);
}

/** Every enum, set and composite reachable from the schema (named or inline), in declaration order. */
function collectTypes(schema: Schema): Named[] {
  // Composites that only serve as <data> types are used through the var-data accessors: no file.
  const dataOnly = new Set<string>();
  const asField = new Set<string>();
  const scan = (b: Block): void => {
    for (const d of b.data) dataOnly.add(d.type.name);
    for (const f of b.fields) asField.add(f.type.name);
    for (const g of b.groups) scan(g);
  };
  for (const m of schema.messages) scan(m);
  for (const t of schema.types) if (t.kind === 'composite') for (const m of t.members) asField.add(m.type.name);
  for (const n of asField) dataOnly.delete(n);

  const out: Named[] = [];
  const seen = new Set<TypeDef>();
  const byName = new Map<string, Named>();
  const visit = (t: TypeDef): void => {
    if (t.kind === 'encoded' || seen.has(t)) return;
    seen.add(t);
    if (t.kind === 'composite') for (const m of t.members) visit(m.type);
    if (t.kind === 'composite' && (isVarDataComposite(t) || dataOnly.has(t.name))) return;
    const key = tsType(t.name).toLowerCase();
    const prior = byName.get(key);
    if (prior) {
      // The same type reached twice through different object identities (e.g. a deserialised IR).
      if (JSON.stringify(strip(prior)) === JSON.stringify(strip(t))) return;
      throw new TsTargetError(`types "${prior.name}" and "${t.name}" would both generate ${tsType(t.name)}.ts; rename one in the schema`);
    }
    byName.set(key, t);
    out.push(t);
  };
  for (const t of schema.types) visit(t);
  const walkBlock = (b: Block): void => {
    for (const f of b.fields) visit(f.type);
    for (const g of b.groups) {
      visit(g.dimension);
      walkBlock(g);
    }
  };
  for (const m of schema.messages) walkBlock(m);
  visit(schema.header);
  return out;
}

function strip(t: unknown): unknown {
  return JSON.parse(JSON.stringify(t, (k, v: unknown) => (k === 'source' ? undefined : v)));
}

export function generateTs(schema: Schema, opts: TsOptions): Map<string, string> {
  const banner = generatedBanner(opts.source, '//');
  const files = new Map<string, string>();
  const exportsOf = new Map<string, string[]>();
  const schemaLine = `schema \`${schema.package}\` (id ${schema.id}, version ${schema.version}, ${schema.byteOrder}).`;

  const add = (base: string, fb: FileBuilder, headerDoc: string[], exported: string[]): void => {
    const key = base.toLowerCase();
    for (const existing of files.keys()) {
      if (existing.toLowerCase() === `${key}.ts`) throw new TsTargetError(`two generated files would be named ${base}.ts (names differ only in case)`);
    }
    files.set(`${base}.ts`, fb.render(headerDoc));
    exportsOf.set(base, exported);
  };

  for (const t of collectTypes(schema)) {
    const fb = new FileBuilder(schema, banner, opts.runtimeImport);
    const n = tsType(t.name);
    if (t.kind === 'enum') {
      emitEnum(fb, t);
      add(n, fb, [`Enum \`${t.name}\` of ${schemaLine}`], [n]);
    } else if (t.kind === 'set') {
      emitSet(fb, t);
      add(n, fb, [`Set \`${t.name}\` of ${schemaLine}`], [n, `${n}Decoder`, `${n}Encoder`]);
    } else {
      emitComposite(fb, t);
      add(n, fb, [`Composite \`${t.name}\` of ${schemaLine}`], [`${n}Decoder`, `${n}Encoder`]);
    }
  }
  for (const m of schema.messages) {
    const fb = new FileBuilder(schema, banner, opts.runtimeImport);
    const exported = emitMessage(fb, m);
    add(tsType(m.name), fb, [`Message \`${m.name}\` (template ${m.id}) of ${schemaLine}`, '', ...CONVENTIONS], exported);
  }

  // Every exported name must be unique (index.ts re-exports all) and must not shadow the runtime.
  const owner = new Map<string, string>();
  for (const n of ['SCHEMA_ID', 'SCHEMA_VERSION', 'SCHEMA_PACKAGE', 'SCHEMA_SEMANTIC_VERSION', 'BYTE_ORDER']) owner.set(n, 'index.ts');
  for (const [file, names] of exportsOf) {
    for (const n of names) {
      const prior = owner.get(n);
      if (prior !== undefined) throw new TsTargetError(`${file}.ts exports ${n}, which ${prior} exports too; rename one in the schema`);
      if (RUNTIME_NAMES.has(n)) throw new TsTargetError(`${file}.ts exports ${n}, which shadows the runtime's ${n}; rename it in the schema`);
      owner.set(n, `${file}.ts`);
    }
  }
  if ([...files.keys()].some((f) => f.toLowerCase() === 'index.ts')) {
    throw new TsTargetError('a type or message named "index" would overwrite index.ts; rename it in the schema');
  }

  const p = new Printer();
  p.line(banner);
  p.line('/**');
  for (const l of docLines(schema.description)) p.line(` * ${l}`);
  if (schema.description) p.line(' *');
  p.line(` * Codecs for ${schemaLine}`);
  p.line(' *');
  for (const l of CONVENTIONS) p.line(l === '' ? ' *' : ` * ${l}`);
  p.line(' */');
  for (const base of [...exportsOf.keys()].sort()) p.line(`export * from './${base}.js';`);
  p.line();
  p.line(`export const SCHEMA_ID: number = ${schema.id};`);
  p.line(`export const SCHEMA_VERSION: number = ${schema.version};`);
  p.line(`export const SCHEMA_PACKAGE: string = ${tsString(schema.package)};`);
  if (schema.semanticVersion !== undefined) p.line(`export const SCHEMA_SEMANTIC_VERSION: string = ${tsString(schema.semanticVersion)};`);
  p.line(`export const BYTE_ORDER: '${schema.byteOrder}' = '${schema.byteOrder}';`);
  files.set('index.ts', p.toString());

  return new Map([...files].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/** The API conventions, repeated at the top of every message file and of index.ts. */
const CONVENTIONS = [
  'Conventions (codegen/README-ts.md):',
  '- Flyweights: wrap a caller-owned Uint8Array; numeric getters/setters allocate nothing. Not thread-safe.',
  '- 64-bit integers: `x()` is an exact bigint; `xAsNumber()` allocates nothing and is exact within',
  '  ±(2^53−1), NaN outside (so also for the int64/uint64 null values); `xAsNumber(v)` throws',
  '  SbeValueError unless v is a safe integer.',
  '- Bounds: wrap, group headers/entries and var data are checked; anything that would pass the end of',
  '  the buffer throws SbeBoundsError (a RangeError) before reading or writing.',
  '- Encoders zero every byte they own (block padding, group headers and entries), so the output never',
  '  depends on what the buffer held before.',
  '- Setters write what they are given (DataView semantics: integers modulo 2^n, float32 rounded); the',
  '  xxxNullValue/xxxMinValue/xxxMaxValue statics are there for the caller to check against.',
  '- char nullValue follows sbe-tool: nullValue="0" is the character \'0\' (0x30).',
];
