/**
 * The third-party reference schemas the C target is tested on, where their generated C lives, and
 * how to generate it (same banner label as codegen/cli.ts, so the committed copies match what
 * `npm run generate` writes).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { formatError, parseSchemaFile } from '../../codegen/parse.js';
import type { Schema } from '../../codegen/ir.js';
import { generateC } from '../../codegen/targets/c/index.js';

import { PROJECT_ROOT, refdataDir } from '../helpers/refdata.js';

/** Project root and reference-data folder: one definition, in test/helpers/refdata.ts. */
export const ROOT = PROJECT_ROOT;
export { refdataDir };

export interface RefSchema {
  /** Folder name under test/generated/c/. */
  name: string;
  /** Schema file relative to the refdata folder. */
  file: string;
}

export const REFERENCE_SCHEMAS: readonly RefSchema[] = [
  { name: 'example-schema', file: 'sbe/schemas/example-schema.xml' },
  { name: 'example-extension-schema', file: 'sbe/schemas/example-extension-schema.xml' },
  { name: 'example-bigendian-test-schema', file: 'sbe/schemas/example-bigendian-test-schema.xml' },
  { name: 'group-with-data-schema', file: 'sbe/schemas/group-with-data-schema.xml' },
  { name: 'composite-offsets-schema', file: 'sbe/schemas/composite-offsets-schema.xml' },
  { name: 'conformance-schema1', file: 'sbe/conformance/schema1.xml' },
  { name: 'conformance-schema2', file: 'sbe/conformance/schema2.xml' },
  { name: 'conformance-schema3', file: 'sbe/conformance/schema3.xml' },
];

export const GENERATED_C = path.join(ROOT, 'test', 'generated', 'c');

export function schemaPath(r: RefSchema): string {
  return path.join(refdataDir(), r.file);
}

/** Banner label, as codegen/cli.ts writes it for a reference schema. */
export function sourceLabel(r: RefSchema): string {
  return `shared/data/${r.file}`;
}

export function parseOrThrow(file: string): Schema {
  const res = parseSchemaFile(file);
  if (!res.schema) throw new Error(res.errors.map(formatError).join('\n'));
  return res.schema;
}

export function generateReference(r: RefSchema): Map<string, string> {
  return generateC(parseOrThrow(schemaPath(r)), { source: sourceLabel(r) });
}

/** A C job of codegen/schemas.json (what `npm run generate` writes), with cli.ts's banner label. */
export interface ManifestCJob {
  schema: string;
  out: string;
  source: string;
}

export function manifestCJobs(): ManifestCJob[] {
  const manifest = JSON.parse(fs.readFileSync(path.join(ROOT, 'codegen', 'schemas.json'), 'utf8')) as {
    schemas: Array<{ schema: string; c?: string }>;
  };
  return manifest.schemas
    .filter((j) => j.c !== undefined)
    .map((j) => {
      const schema = path.resolve(ROOT, j.schema.replace('$REFDATA', refdataDir()));
      const ref = path.relative(refdataDir(), schema);
      const source = !ref.startsWith('..') && !path.isAbsolute(ref) ? `shared/data/${ref.split(path.sep).join('/')}` : path.relative(ROOT, schema).split(path.sep).join('/');
      return { schema, out: path.resolve(ROOT, j.c!), source };
    });
}

/** Make dir hold exactly files. */
export function writeTree(dir: string, files: Map<string, string>): void {
  fs.mkdirSync(dir, { recursive: true });
  for (const f of fs.readdirSync(dir)) if (!files.has(f)) fs.rmSync(path.join(dir, f), { recursive: true });
  for (const [rel, text] of files) {
    const p = path.join(dir, rel);
    if (!fs.existsSync(p) || fs.readFileSync(p, 'utf8') !== text) fs.writeFileSync(p, text);
  }
}
