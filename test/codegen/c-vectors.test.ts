/**
 * The C target against sbe-tool: for every golden vector, C codecs generated from the reference
 * schema decode the .bin to exactly the sidecar's values and encode those values back to the same
 * bytes; cross-version decoding follows SBE's acting-version rules; truncated and mutated buffers
 * never make the codecs touch memory outside the buffer (ASan + UBSan, exact-size heap copies).
 * Also: every generated header compiles on its own with strict warnings, and the committed copies
 * in test/generated/c/ are up to date.
 */
import test from 'ava';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { CNames, generateC } from '../../codegen/targets/c/index.js';
import { harnessProgram } from './c-harness.js';
import { GENERATED_C, REFERENCE_SCHEMAS, type RefSchema, generateReference, manifestCJobs, parseOrThrow, refdataDir, schemaPath } from './c-reference.js';

const run = promisify(execFile);

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

interface VectorEntry {
  name: string;
  bin: string;
  json: string;
  schema: string;
  message: string;
  totalLength: number;
}

interface Sidecar {
  header: Record<string, number>;
  constants?: Record<string, Json>;
  fields: Record<string, Json>;
  hex: string;
}

const VECTORS_DIR = path.join(refdataDir(), 'sbe', 'vectors');
const INDEX = JSON.parse(fs.readFileSync(path.join(VECTORS_DIR, 'index.json'), 'utf8')) as { vectors: VectorEntry[] };

const STRICT = ['-std=c11', '-Wall', '-Wextra', '-Werror', '-pedantic', '-Wconversion', '-Wsign-conversion', '-Wshadow', '-Wcast-qual', '-Wundef', '-Wstrict-prototypes'];
const SANITIZE = ['-fsanitize=address,undefined', '-fno-sanitize-recover=all', '-fno-omit-frame-pointer', '-g', '-O0'];
const ENV = { ...process.env, ASAN_OPTIONS: 'detect_leaks=1:abort_on_error=0', UBSAN_OPTIONS: 'print_stacktrace=1' };

const WORK = fs.mkdtempSync(path.join(os.tmpdir(), 'c-vectors-'));
const sidecar = (v: VectorEntry): Sidecar => JSON.parse(fs.readFileSync(path.join(VECTORS_DIR, v.json), 'utf8')) as Sidecar;
const binPath = (v: VectorEntry): string => path.join(VECTORS_DIR, v.bin);
const refFor = (v: VectorEntry): RefSchema => {
  const r = REFERENCE_SCHEMAS.find((x) => x.file === `sbe/${v.schema}`);
  if (!r) throw new Error(`no reference schema for ${v.schema}`);
  return r;
};

/** Run at most `limit` async jobs at once. */
async function pool<T>(items: readonly T[], limit: number, job: (x: T) => Promise<void>): Promise<void> {
  let i = 0;
  const worker = async (): Promise<void> => {
    while (i < items.length) await job(items[i++]);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

async function exe(file: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const r = await run(file, args, { env: ENV, maxBuffer: 64 << 20, encoding: 'utf8' });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (e) {
    const err = e as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof err.code === 'number' ? err.code : -1, stdout: err.stdout ?? '', stderr: err.stderr ?? '' };
  }
}

const genDir = (r: RefSchema): string => path.join(WORK, 'gen', r.name);
const umbrellas = new Map<string, string>();
/** Vector name → compiled harness program and its case index (one program per schema). */
const programs = new Map<string, { exe: string; index: number }>();
const buildErrors = new Map<string, string>();

test.before(async () => {
  for (const r of REFERENCE_SCHEMAS) {
    const dir = genDir(r);
    fs.mkdirSync(dir, { recursive: true });
    for (const [f, text] of generateReference(r)) fs.writeFileSync(path.join(dir, f), text);
    umbrellas.set(r.name, new CNames(parseOrThrow(schemaPath(r))).umbrellaFile());
  }
  const bySchema = new Map<RefSchema, VectorEntry[]>();
  for (const v of INDEX.vectors) bySchema.set(refFor(v), [...(bySchema.get(refFor(v)) ?? []), v]);
  await pool([...bySchema], Math.max(2, os.cpus().length), async ([r, vectors]) => {
    const schema = parseOrThrow(schemaPath(r));
    const cases = vectors.map((v) => {
      const message = schema.messages.find((m) => m.name === v.message);
      if (!message) throw new Error(`${v.name}: no message ${v.message}`);
      return { message, values: sidecar(v).fields };
    });
    const src = path.join(WORK, `vectors-${r.name}.c`);
    fs.writeFileSync(src, harnessProgram({ schema, umbrella: umbrellas.get(r.name)!, cases }));
    const out = path.join(WORK, `vectors-${r.name}`);
    const res = await exe('gcc', [...STRICT, ...SANITIZE, '-I', genDir(r), src, '-o', out, '-lm']);
    vectors.forEach((v, index) => {
      if (res.code !== 0) buildErrors.set(v.name, res.stderr);
      else programs.set(v.name, { exe: out, index });
    });
  });
});

test.after.always(() => {
  if (!process.env.KEEP_C_WORK) fs.rmSync(WORK, { recursive: true, force: true });
});

/** Arguments to run the harness of a vector in a mode: [exe, args prefix]. */
function program(t: { fail(m: string): void }, name: string): [string, string[]] | undefined {
  const p = programs.get(name);
  if (!p) {
    t.fail(`harness for ${name} did not compile:\n${buildErrors.get(name) ?? '(not built)'}`);
    return undefined;
  }
  return [p.exe, [String(p.index)]];
}

async function runMode(prog: [string, string[]], mode: string, arg: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return exe(prog[0], [mode, ...prog[1], arg]);
}

async function decodeWith(t: { fail(m: string): void }, prog: [string, string[]], bin: string): Promise<{ header: Json; constants: Json; fields: Json } | undefined> {
  const r = await runMode(prog, 'decode', bin);
  if (r.code !== 0) {
    t.fail(`decode failed (${r.code}): ${r.stdout}${r.stderr}`);
    return undefined;
  }
  return JSON.parse(r.stdout) as { header: Json; constants: Json; fields: Json };
}

for (const v of INDEX.vectors) {
  test(`C decodes ${v.name} to the sidecar values`, async (t) => {
    const prog = program(t, v.name);
    if (!prog) return;
    const got = await decodeWith(t, prog, binPath(v));
    if (!got) return;
    const want = sidecar(v);
    t.deepEqual(got.header, want.header);
    t.deepEqual(got.constants, want.constants ?? {});
    t.deepEqual(got.fields, want.fields);
  });

  test(`C encodes the sidecar values of ${v.name} to the same bytes`, async (t) => {
    const prog = program(t, v.name);
    if (!prog) return;
    const r = await runMode(prog, 'encode', String(v.totalLength));
    t.is(r.code, 0, `${r.stdout}${r.stderr}`);
    const bin = fs.readFileSync(binPath(v));
    t.is(bin.length, v.totalLength);
    t.is(r.stdout.trim(), bin.toString('hex'));
    t.is(r.stdout.trim(), sidecar(v).hex);
  });

  test(`C codecs stay in bounds on every truncation and mutation of ${v.name}`, async (t) => {
    const prog = program(t, v.name);
    if (!prog) return;
    const r = await runMode(prog, 'bounds', binPath(v));
    t.is(r.code, 0, `${r.stdout}${r.stderr}`);
    if (r.code !== 0) return;
    const s = JSON.parse(r.stdout) as { truncations: number; encodeTruncations: number; mutations: number };
    t.is(s.truncations, v.totalLength);
    t.is(s.encodeTruncations, v.totalLength);
    t.is(s.mutations, v.totalLength * 6);
  });
}

const byName = (name: string): VectorEntry => INDEX.vectors.find((v) => v.name === name)!;

test('v0 decoder (example-schema) reads v1 messages: new fields ignored, groups found via received blockLength', async (t) => {
  const prog = program(t, 'car_baseline_v0');
  if (!prog) return;
  for (const name of ['car_extension_v1', 'car_extension_v1_nulls']) {
    const got = await decodeWith(t, prog, binPath(byName(name)));
    if (!got) return;
    const want = sidecar(byName(name));
    const fields = { ...want.fields };
    delete fields.uuid;
    delete fields.cupHolderCount;
    t.deepEqual(got.header, want.header, name);
    t.deepEqual(got.fields, fields, name);
  }
});

test('v1 decoder (example-extension-schema) reads a v0 message: uuid and cupHolderCount are null', async (t) => {
  const prog = program(t, 'car_extension_v1');
  if (!prog) return;
  const v0 = byName('car_baseline_v0');
  const got = await decodeWith(t, prog, binPath(v0));
  if (!got) return;
  const want = sidecar(v0);
  t.deepEqual(got.header, want.header);
  t.deepEqual(got.fields, { ...want.fields, uuid: null, cupHolderCount: null });
});

test('a decoder for one message rejects another template id', async (t) => {
  const prog = program(t, 'group_with_data_msg3');
  if (!prog) return;
  const r = await runMode(prog, 'decode', binPath(byName('group_with_data_msg4')));
  t.is(r.code, 2);
  t.is((JSON.parse(r.stdout) as { error: number }).error, 2); // E_TEMPLATE_MISMATCH
});

test('every generated header compiles on its own with strict warnings (C11 and C++17)', async (t) => {
  // One translation unit per header (each included twice: self-contained, guarded), one compiler
  // run per schema; the umbrella also as C++17.
  const failures: string[] = [];
  let units = 0;
  await pool(REFERENCE_SCHEMAS, Math.max(2, os.cpus().length), async (r) => {
    const dir = path.join(WORK, `hdr-${r.name}`);
    fs.mkdirSync(dir, { recursive: true });
    const sources = fs.readdirSync(genDir(r)).map((f) => {
      const src = path.join(dir, `${f}.c`);
      const h = path.join(genDir(r), f);
      fs.writeFileSync(src, `#include "${h}"\n#include "${h}"\nint gw_header_test_anchor;\n`);
      return src;
    });
    units += sources.length;
    const c = await exe('gcc', [...STRICT, '-fsyntax-only', ...sources]);
    if (c.code !== 0) failures.push(`${r.name} (C11):\n${c.stderr}`);
    const cxx = path.join(dir, 'umbrella.cc');
    fs.writeFileSync(cxx, `#include "${path.join(genDir(r), umbrellas.get(r.name)!)}"\nint gw_header_test_anchor;\n`);
    const cc = await exe('g++', ['-std=c++17', '-Wall', '-Wextra', '-Werror', '-pedantic', '-Wconversion', '-Wsign-conversion', '-Wshadow', '-Wcast-qual', '-fsyntax-only', cxx]);
    if (cc.code !== 0) failures.push(`${r.name} (C++17):\n${cc.stderr}`);
  });
  t.deepEqual(failures, []);
  t.true(units > 100);
});

test('committed C in test/generated/c/ matches the generator', (t) => {
  const expected = new Map<string, Map<string, string>>();
  for (const job of manifestCJobs())
    if (path.dirname(job.out) === GENERATED_C) expected.set(path.basename(job.out), generateC(parseOrThrow(job.schema), { source: job.source }));
  for (const [name, want] of expected) {
    const dir = path.join(GENERATED_C, name);
    const have = fs.existsSync(dir) ? fs.readdirSync(dir).sort() : [];
    t.deepEqual(have, [...want.keys()].sort(), `${name}: file list (regenerate: npm run generate)`);
    for (const [f, text] of want) {
      const p = path.join(dir, f);
      if (fs.existsSync(p)) t.is(fs.readFileSync(p, 'utf8'), text, `${name}/${f} is stale`);
    }
  }
});
