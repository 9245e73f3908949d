/**
 * Property test over every generated TypeScript codec under test/generated/ts (ours, and the
 * manifest's once built): random valid values for
 * every message (seeded, so failures reproduce) → encode → decode gives the same values, and
 * re-encoding the decoded values gives the same bytes. Driven by the IR only.
 */
import test from 'ava';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Schema } from '../../codegen/ir.js';
import { parseSchemaFile } from '../../codegen/parse.js';
import { LOCAL_SCHEMAS, REFERENCE_SCHEMAS, loadLocalSchema, loadSchema } from '../helpers/generate-ts.js';
import { PROJECT_ROOT, refdataDir } from '../helpers/refdata.js';
import { SbeJson, canonical, prng, randomMessage } from '../helpers/sbe-json.js';

const schemas: Array<[string, () => Schema]> = [
  ...REFERENCE_SCHEMAS.map(([name, rel]) => [name, () => loadSchema(rel)] as [string, () => Schema]),
  ...LOCAL_SCHEMAS.map(([name, rel]) => [name, () => loadLocalSchema(rel)] as [string, () => Schema]),
];

// Plus whatever else the generator manifest puts under test/generated/ts and the build compiled.
const manifest = JSON.parse(fs.readFileSync(path.join(PROJECT_ROOT, 'codegen', 'schemas.json'), 'utf8')) as {
  schemas: Array<{ schema: string; ts?: string }>;
};
for (const job of manifest.schemas) {
  const m = /^test\/generated\/ts\/([^/]+)$/.exec(job.ts ?? '');
  if (!m || schemas.some(([n]) => n === m[1])) continue;
  if (!fs.existsSync(path.join(PROJECT_ROOT, 'dist', 'test', 'generated', 'ts', m[1]!, 'index.js'))) continue;
  const file = job.schema.startsWith('$REFDATA/') ? path.join(refdataDir(), job.schema.slice(9)) : path.join(PROJECT_ROOT, job.schema);
  schemas.push([
    m[1]!,
    () => {
      const r = parseSchemaFile(file);
      if (!r.schema) throw new Error(`${file} does not parse`);
      return r.schema;
    },
  ]);
}

for (const [name, load] of schemas) {
  test(`${name}: random values survive encode → decode → encode`, async (t) => {
    const mod = (await import(path.join(PROJECT_ROOT, 'dist', 'test', 'generated', 'ts', name, 'index.js'))) as Record<string, unknown>;
    const schema = load();
    const codec = new SbeJson(mod, schema);
    const rnd = prng(0x5be + name.length);
    let checked = 0;
    for (const m of schema.messages) {
      for (let i = 0; i < 25; i++) {
        const values = randomMessage(m, rnd);
        const buf = new Uint8Array(1 << 16).fill(0x5a);
        const n = codec.encode(m.name, values, buf);
        const bytes = buf.slice(0, n);
        const back = codec.decode(bytes);
        t.is(back.message.name, m.name);
        t.is(back.length, n);
        t.deepEqual(canonical(back.fields), canonical(values), `${m.name} #${i}`);
        const again = new Uint8Array(n);
        t.is(codec.encode(m.name, back.fields, again), n);
        t.deepEqual(again, bytes, `${m.name} #${i} re-encoded`);
        checked++;
      }
    }
    t.true(checked > 0);
  });
}
