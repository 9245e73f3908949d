/**
 * Generate the TypeScript codecs of the reference schemas into test/generated/ts/<name>/, so that
 * the normal build type-checks them and the codegen tests can import them. Stand-in until
 * `npm run generate` (codegen/cli.ts) covers these paths; the banner and runtime import are
 * computed the same way as the CLI does, so both produce identical files.
 *
 *   node dist/test/helpers/generate-ts.js          write (and delete stale files)
 *   node dist/test/helpers/generate-ts.js --check  exit 1 if anything differs
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { formatError, parseSchemaFile } from '../../codegen/parse.js';
import type { Schema } from '../../codegen/ir.js';
import { generateTs } from '../../codegen/targets/ts/index.js';
import { PROJECT_ROOT, refdataDir } from './refdata.js';

/** Output name (folder under test/generated/ts) → schema path inside the reference data. */
export const REFERENCE_SCHEMAS: ReadonlyArray<readonly [string, string]> = [
  ['example-schema', 'sbe/schemas/example-schema.xml'],
  ['example-extension-schema', 'sbe/schemas/example-extension-schema.xml'],
  ['example-bigendian-test-schema', 'sbe/schemas/example-bigendian-test-schema.xml'],
  ['group-with-data-schema', 'sbe/schemas/group-with-data-schema.xml'],
  ['composite-offsets-schema', 'sbe/schemas/composite-offsets-schema.xml'],
  ['conformance-schema1', 'sbe/conformance/schema1.xml'],
  ['conformance-schema2', 'sbe/conformance/schema2.xml'],
  ['conformance-schema3', 'sbe/conformance/schema3.xml'],
];

/** Project fixtures generated the same way (output name → project-relative schema path). */
export const LOCAL_SCHEMAS: ReadonlyArray<readonly [string, string]> = [['ts-edge', 'test/helpers/fixtures/ts-edge-schema.xml']];

export const GENERATED_TS_DIR = path.join(PROJECT_ROOT, 'test', 'generated', 'ts');

export function loadSchema(rel: string): Schema {
  const r = parseSchemaFile(path.join(refdataDir(), rel));
  if (!r.schema) throw new Error(r.errors.map(formatError).join('\n'));
  return r.schema;
}

export function loadLocalSchema(rel: string): Schema {
  const r = parseSchemaFile(path.join(PROJECT_ROOT, rel));
  if (!r.schema) throw new Error(r.errors.map(formatError).join('\n'));
  return r.schema;
}

function runtimeImport(name: string): string {
  const outDir = path.join(GENERATED_TS_DIR, name);
  const rel = path.relative(outDir, path.join(PROJECT_ROOT, 'src', 'codec', 'sbe.js')).split(path.sep).join('/');
  return rel.startsWith('.') ? rel : `./${rel}`;
}

/** The files generateTs produces for one reference schema, as the CLI would call it. */
export function generateReference(name: string, rel: string): Map<string, string> {
  return generateTs(loadSchema(rel), { source: `shared/data/${rel}`, runtimeImport: runtimeImport(name) });
}

/** The files generateTs produces for one project fixture. */
export function generateLocal(name: string, rel: string): Map<string, string> {
  return generateTs(loadLocalSchema(rel), { source: rel, runtimeImport: runtimeImport(name) });
}

/** Every output folder under test/generated/ts with its files. */
export function generateAll(): Array<{ name: string; files: Map<string, string> }> {
  return [
    ...REFERENCE_SCHEMAS.map(([name, rel]) => ({ name, files: generateReference(name, rel) })),
    ...LOCAL_SCHEMAS.map(([name, rel]) => ({ name, files: generateLocal(name, rel) })),
  ];
}

function listFiles(dir: string): string[] {
  return fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => fs.statSync(path.join(dir, f)).isFile()).sort() : [];
}

/** Write (or with check=true only compare) every reference output; returns the differences. */
export function syncReference(check: boolean): string[] {
  const diffs: string[] = [];
  for (const { name, files } of generateAll()) {
    const dir = path.join(GENERATED_TS_DIR, name);
    for (const [file, text] of files) {
      const p = path.join(dir, file);
      const old = fs.existsSync(p) ? fs.readFileSync(p, 'utf8') : undefined;
      if (old === text) continue;
      diffs.push(`${old === undefined ? 'missing' : 'differs'}: ${path.relative(PROJECT_ROOT, p)}`);
      if (!check) {
        fs.mkdirSync(dir, { recursive: true });
        fs.writeFileSync(p, text);
      }
    }
    for (const f of listFiles(dir)) {
      if (files.has(f)) continue;
      diffs.push(`stale: ${path.relative(PROJECT_ROOT, path.join(dir, f))}`);
      if (!check) fs.rmSync(path.join(dir, f));
    }
  }
  return diffs;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  const check = process.argv.includes('--check');
  const diffs = syncReference(check);
  for (const d of diffs) console.log(d);
  const n = REFERENCE_SCHEMAS.length + LOCAL_SCHEMAS.length;
  console.log(`${check ? 'checked' : 'generated'} ${n} schema(s), ${diffs.length} difference(s)`);
  if (check && diffs.length > 0) process.exitCode = 1;
}
