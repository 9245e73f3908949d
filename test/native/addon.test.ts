/**
 * The native addon loads, reports the schemas its C codecs were generated from, and agrees with
 * native/generated/ (so the build is not stale), with the schemas of codegen/schemas.json (by
 * fingerprint) and with the generated TS constants in src/generated/<dir>/ where those exist.
 * Needs `npm run build:native` first (npm test does that).
 */
import test from 'ava';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { isGatewayError } from '../../src/codec/errors.js';
import { NativeErrorCode, SUPPORTED_ABI_VERSION, addonPath, loadAddon, verifyAbi } from '../../src/native/addon.js';
import { formatError, parseSchemaFile } from '../../codegen/parse.js';
import { C_ERRORS } from '../../codegen/targets/c/index.js';
import { schemaFingerprint } from '../../codegen/fingerprint.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const NATIVE_GENERATED = path.join(ROOT, 'native', 'generated');
const REFDATA = process.env.GATEWAY_REFDATA ?? path.resolve(ROOT, '..', 'shared', 'data');

/** Schema folders of native/generated/ and the identity macros of their <p>_sbe.h. */
function nativeGenerated(): Map<string, { package: string; schemaId: number; version: number; fingerprint: string }> {
  const out = new Map<string, { package: string; schemaId: number; version: number; fingerprint: string }>();
  if (!fs.existsSync(NATIVE_GENERATED)) return out;
  for (const dir of fs.readdirSync(NATIVE_GENERATED).sort()) {
    const d = path.join(NATIVE_GENERATED, dir);
    if (!fs.statSync(d).isDirectory()) continue;
    const runtime = fs.readdirSync(d).find((f) => f.endsWith('_sbe.h') && fs.existsSync(path.join(d, f.replace(/_sbe\.h$/, '.h'))));
    if (!runtime) continue;
    const text = fs.readFileSync(path.join(d, runtime), 'utf8');
    const macro = (name: string): string => {
      const m = new RegExp(`#define \\w+_SBE_${name} (.*)`).exec(text);
      if (!m) throw new Error(`${dir}/${runtime}: no ${name}`);
      return m[1].trim();
    };
    out.set(dir, {
      package: JSON.parse(macro('PACKAGE')) as string,
      schemaId: Number(macro('SCHEMA_ID')),
      version: Number(macro('SCHEMA_VERSION')),
      fingerprint: JSON.parse(macro('FINGERPRINT')) as string,
    });
  }
  return out;
}

test('the addon loads and reports an ABI this loader supports', (t) => {
  const addon = loadAddon();
  const info = addon.abiInfo();
  t.is(info.abiVersion, SUPPORTED_ABI_VERSION);
  t.true(Array.isArray(info.schemas));
  for (const s of info.schemas) {
    t.is(typeof s.dir, 'string');
    t.is(typeof s.package, 'string');
    t.true(Number.isInteger(s.schemaId) && Number.isInteger(s.version));
    t.regex(s.fingerprint, /^[0-9a-f]{16}$/);
  }
  t.is(loadAddon(), addon, 'loaded once');
});

test('abiInfo matches native/generated/ (the build is not stale)', (t) => {
  const info = loadAddon().abiInfo();
  const gen = nativeGenerated();
  t.deepEqual(
    info.schemas.map((s) => s.dir),
    [...gen.keys()],
    'schema folders (rebuild with `npm run build:native` after `npm run generate`)',
  );
  for (const s of info.schemas) {
    const g = gen.get(s.dir);
    if (!g) continue;
    t.deepEqual({ package: s.package, schemaId: s.schemaId, version: s.version, fingerprint: s.fingerprint }, g, s.dir);
  }
});

test('abiInfo fingerprints match the schemas of codegen/schemas.json', (t) => {
  const manifest = JSON.parse(fs.readFileSync(path.join(ROOT, 'codegen', 'schemas.json'), 'utf8')) as {
    schemas: Array<{ schema: string; c?: string }>;
  };
  const info = loadAddon().abiInfo();
  let checked = 0;
  for (const s of info.schemas) {
    const job = manifest.schemas.find((j) => j.c !== undefined && path.resolve(ROOT, j.c) === path.join(NATIVE_GENERATED, s.dir));
    if (!job) continue;
    const file = path.resolve(ROOT, job.schema.replace('$REFDATA', REFDATA));
    const r = parseSchemaFile(file);
    if (!r.schema) {
      t.fail(`${file}: ${r.errors.map(formatError).join('\n')}`);
      continue;
    }
    t.is(s.fingerprint, schemaFingerprint(r.schema), `${s.dir}: native build is from another version of ${job.schema}`);
    t.is(s.schemaId, r.schema.id);
    t.is(s.version, r.schema.version);
    checked++;
  }
  t.log(`${checked} schema(s) checked against their XML`);
  t.pass();
});

test('abiInfo agrees with the generated TS constants (src/generated/<dir>) where they exist', async (t) => {
  const info = loadAddon().abiInfo();
  let checked = 0;
  for (const s of info.schemas) {
    const mod = path.join(ROOT, 'dist', 'src', 'generated', s.dir, 'index.js');
    if (!fs.existsSync(mod)) continue;
    const ts = (await import(pathToFileURL(mod).href)) as { SCHEMA_ID?: number; SCHEMA_VERSION?: number; SCHEMA_PACKAGE?: string };
    if (ts.SCHEMA_ID === undefined || ts.SCHEMA_VERSION === undefined) continue;
    const expected = { dir: s.dir, schemaId: ts.SCHEMA_ID, version: ts.SCHEMA_VERSION, package: ts.SCHEMA_PACKAGE };
    t.notThrows(() => verifyAbi(info, [expected]), s.dir);
    checked++;
  }
  t.log(`${checked} schema(s) checked against src/generated`);
  t.pass();
});

test('verifyAbi refuses an addon built from other schemas', (t) => {
  const info = {
    abiVersion: SUPPORTED_ABI_VERSION,
    schemas: [{ dir: 'fixp', package: 'FIXP', schemaId: 2748, version: 0, semanticVersion: '', fingerprint: '0123456789abcdef' }],
  };
  t.notThrows(() => verifyAbi(info, [{ dir: 'fixp', schemaId: 2748, version: 0, package: 'FIXP' }]));
  const e = t.throws(() =>
    verifyAbi(info, [
      { dir: 'fixp', schemaId: 2748, version: 1 },
      { dir: 'clearing', schemaId: 1, version: 0 },
      { dir: 'fixp', schemaId: 2748, version: 0, fingerprint: 'ffffffffffffffff' },
    ]),
  );
  t.true(isGatewayError(e, NativeErrorCode.NATIVE_ABI_MISMATCH));
  t.regex(e!.message, /fixp: version 0, expected 1/);
  t.regex(e!.message, /clearing: not compiled into the addon/);
  t.regex(e!.message, /fingerprint/);
  t.true(isGatewayError(t.throws(() => verifyAbi({ ...info, abiVersion: 99 }, [])), NativeErrorCode.NATIVE_ABI_MISMATCH));
});

test('a missing addon is a clear NATIVE_NOT_BUILT error', (t) => {
  const missing = path.join(os.tmpdir(), 'no-such-dir', 'gateway.node');
  const e = t.throws(() => loadAddon(missing));
  t.true(isGatewayError(e, NativeErrorCode.NATIVE_NOT_BUILT));
  t.regex(e!.message, /npm run build:native/);
  t.true(addonPath().endsWith(path.join('build', 'Release', 'gateway.node')) || process.env.GATEWAY_ADDON !== undefined);
});

test('codec error texts come from the core and match the C target table', (t) => {
  const addon = loadAddon();
  for (const [name, code, text] of C_ERRORS) {
    t.is(addon.codecErrorText(code), text);
    t.is(addon.codecErrorName(code), name);
  }
  t.is(addon.codecErrorText(999), 'unknown error');
  t.is(addon.codecErrorName(-1), null);
  t.throws(() => addon.codecErrorText('x' as unknown as number), { instanceOf: TypeError });
});
