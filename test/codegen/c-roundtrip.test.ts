/**
 * Every message of every schema the C target serves (the reference schemas and every C entry of
 * codegen/schemas.json: the gateway's own schemas, the stress fixtures) round-trips through the generated C codecs: deterministic sample values are
 * encoded (into a garbage-filled buffer), decoded back to the same JSON, and the encoded bytes
 * survive every truncation and single-byte mutation without leaving the buffer (ASan + UBSan).
 * This reaches what the golden vectors do not: optional enums and composites, wide integers at
 * their limits, messages without fields, FIXP and the gateway's schemas.
 */
import test from 'ava';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { formatError, parseSchemaFile } from '../../codegen/parse.js';
import type { Schema } from '../../codegen/ir.js';
import { CNames, generateC } from '../../codegen/targets/c/index.js';
import { type HarnessCase, harnessProgram, sampleValues } from './c-harness.js';
import { REFERENCE_SCHEMAS, ROOT, manifestCJobs, schemaPath, sourceLabel } from './c-reference.js';

const run = promisify(execFile);

const CFLAGS = [
  '-std=c11', '-Wall', '-Wextra', '-Werror', '-pedantic', '-Wconversion', '-Wsign-conversion', '-Wshadow',
  '-fsanitize=address,undefined', '-fno-sanitize-recover=all', '-g', '-O0',
];
const ENV = { ...process.env, ASAN_OPTIONS: 'detect_leaks=1' };
const SEEDS = [1, 2, 3];

interface Target {
  name: string;
  file: string;
  source: string;
}

/**
 * What neither the reference nor the stress schemas have: enums wider than int (uint32 above
 * INT_MAX, int64, uint64), an optional enum with a custom null, a char nullValue="0" (the character
 * '0', as sbe-tool), a shuffled message header of mixed widths, a group with minCount 1, a uint32
 * var-data length with maxValue at the type's limit, a uint8/char var data, big-endian.
 */
const EDGE_SCHEMA = `<?xml version="1.0" encoding="UTF-8"?>
<sbe:messageSchema xmlns:sbe="http://fixprotocol.io/2016/sbe" package="c.edge" id="77" version="1" byteOrder="bigEndian">
  <types>
    <composite name="messageHeader">
      <type name="version" primitiveType="uint16"/>
      <type name="blockLength" primitiveType="uint16"/>
      <type name="schemaId" primitiveType="uint32"/>
      <type name="templateId" primitiveType="uint8" offset="9"/>
    </composite>
    <composite name="dims">
      <type name="numInGroup" primitiveType="uint16" minValue="1" maxValue="3"/>
      <type name="blockLength" primitiveType="uint16"/>
    </composite>
    <composite name="bigData">
      <type name="length" primitiveType="uint32" maxValue="4294967295"/>
      <type name="varData" primitiveType="uint8" length="0"/>
    </composite>
    <composite name="tinyData">
      <type name="length" primitiveType="uint8"/>
      <type name="varData" primitiveType="char" length="0"/>
    </composite>
    <enum name="U32" encodingType="uint32"><validValue name="Small">1</validValue><validValue name="Big">4000000000</validValue></enum>
    <enum name="I64" encodingType="int64"><validValue name="Neg">-9223372036854775807</validValue><validValue name="Pos">9223372036854775806</validValue></enum>
    <enum name="U64" encodingType="uint64"><validValue name="Zero">0</validValue><validValue name="Max">18446744073709551614</validValue></enum>
    <type name="OptU8" primitiveType="uint8" presence="optional" nullValue="0"/>
    <enum name="OptEnum" encodingType="OptU8"><validValue name="One">1</validValue><validValue name="Two">2</validValue></enum>
    <type name="CodeN" primitiveType="char" presence="optional" nullValue="0"/>
    <type name="Bytes" primitiveType="uint8" length="4"/>
    <type name="OptArr" primitiveType="int16" length="3" presence="optional"/>
    <set name="S32" encodingType="uint32"><choice name="b0">0</choice><choice name="b31">31</choice></set>
  </types>
  <sbe:message name="Edge" id="200" blockLength="64">
    <field name="u32" id="1" type="U32"/>
    <field name="i64" id="2" type="I64"/>
    <field name="u64" id="3" type="U64"/>
    <field name="opt" id="4" type="OptEnum"/>
    <field name="code" id="5" type="CodeN"/>
    <field name="bytes" id="6" type="Bytes"/>
    <field name="arr" id="7" type="OptArr"/>
    <field name="s32" id="8" type="S32"/>
    <field name="late" id="9" type="uint32" presence="optional" sinceVersion="1"/>
    <group name="g" id="10" dimensionType="dims">
      <field name="x" id="11" type="int8"/>
      <data name="t" id="12" type="tinyData"/>
    </group>
    <data name="blob" id="13" type="bigData"/>
  </sbe:message>
</sbe:messageSchema>
`;

const WORK = fs.mkdtempSync(path.join(os.tmpdir(), 'c-roundtrip-'));

/** The reference schemas, then everything else codegen/schemas.json generates C for (own, stress). */
const targets: Target[] = [...REFERENCE_SCHEMAS.map((r) => ({ name: r.name, file: schemaPath(r), source: sourceLabel(r) }))];
for (const job of manifestCJobs()) {
  if (targets.some((x) => path.resolve(x.file) === job.schema)) continue;
  targets.push({ name: `manifest-${path.basename(job.out)}`, file: job.schema, source: job.source });
}
fs.writeFileSync(path.join(WORK, 'c-edge.xml'), EDGE_SCHEMA);
targets.push({ name: 'c-edge', file: path.join(WORK, 'c-edge.xml'), source: 'c-edge.xml' });
const charNull = path.join(ROOT, 'test', 'codegen', 'fixtures', 'char-null.xml');
if (fs.existsSync(charNull)) targets.push({ name: 'char-null', file: charNull, source: 'test/codegen/fixtures/char-null.xml' });


test.after.always(() => {
  if (!process.env.KEEP_C_WORK) fs.rmSync(WORK, { recursive: true, force: true });
});

async function exe(file: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const r = await run(file, args, { env: ENV, maxBuffer: 64 << 20, encoding: 'utf8' });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (e) {
    const err = e as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof err.code === 'number' ? err.code : -1, stdout: err.stdout ?? '', stderr: err.stderr ?? '' };
  }
}

/** Compilers are the expensive part: run at most one per CPU across all tests of this file. */
let running = 0;
const waiting: Array<() => void> = [];
async function limited<T>(job: () => Promise<T>): Promise<T> {
  if (running >= Math.max(1, os.cpus().length)) await new Promise<void>((resolve) => waiting.push(resolve));
  running++;
  try {
    return await job();
  } finally {
    running--;
    waiting.shift()?.();
  }
}

for (const target of targets) {
  test(`C round trip of every message of ${target.name}`, async (t) => {
    const parsed = parseSchemaFile(target.file);
    if (!parsed.schema) {
      // The gateway's own schemas are edited by another engineer; a broken one is reported by the
      // parser's tests and by `npm run generate`, not here.
      t.log(`skipped: ${target.file} does not parse:\n${parsed.errors.map(formatError).join('\n')}`);
      t.true(target.name.startsWith('manifest-'), 'a reference schema must parse');
      return;
    }
    const schema: Schema = parsed.schema;
    const dir = path.join(WORK, target.name);
    fs.mkdirSync(dir, { recursive: true });
    for (const [f, text] of generateC(schema, { source: target.source })) fs.writeFileSync(path.join(dir, f), text);
    const cases: HarnessCase[] = schema.messages.flatMap((message) => SEEDS.map((seed) => ({ message, values: sampleValues(message, seed) })));
    const src = path.join(dir, 'roundtrip.c');
    fs.writeFileSync(src, harnessProgram({ schema, umbrella: new CNames(schema).umbrellaFile(), cases }));
    const prog = path.join(dir, 'roundtrip');
    const cc = await limited(() => exe('gcc', [...CFLAGS, '-I', dir, src, '-o', prog, '-lm']));
    if (cc.code !== 0) {
      t.fail(`harness did not compile:\n${cc.stderr}`);
      return;
    }
    for (let i = 0; i < cases.length; i++) {
      const label = `${cases[i].message.name} (seed ${SEEDS[i % SEEDS.length]})`;
      const enc = await exe(prog, ['encode', String(i), '65536']);
      if (enc.code !== 0) {
        t.fail(`${label}: encode failed: ${enc.stdout}${enc.stderr}`);
        continue;
      }
      const bin = path.join(dir, `case-${i}.bin`);
      const bytes = Buffer.from(enc.stdout.trim(), 'hex');
      fs.writeFileSync(bin, bytes);
      const dec = await exe(prog, ['decode', String(i), bin]);
      if (dec.code !== 0) {
        t.fail(`${label}: decode failed: ${dec.stdout}${dec.stderr}`);
        continue;
      }
      const got = JSON.parse(dec.stdout) as { header: Record<string, number>; fields: unknown };
      t.deepEqual(got.fields, cases[i].values, label);
      t.deepEqual(
        got.header,
        { blockLength: cases[i].message.blockLength, templateId: cases[i].message.id, schemaId: schema.id, version: schema.version },
        label,
      );
      const b = await exe(prog, ['bounds', String(i), bin]);
      t.is(b.code, 0, `${label}: ${b.stdout}${b.stderr}`);
      if (b.code === 0) {
        const s = JSON.parse(b.stdout) as { truncations: number; encodeTruncations: number };
        t.is(s.truncations, bytes.length, label);
        t.is(s.encodeTruncations, bytes.length, label);
      }
    }
  });
}
