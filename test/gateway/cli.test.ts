import test from 'ava';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawn, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const CLI = path.join(ROOT, 'dist', 'src', 'gateway', 'cli.js');

function start(config: object): { code: number; out: string; err: string; dir: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gw-'));
  fs.writeFileSync(path.join(dir, 'gateway.config.json'), JSON.stringify(config));
  const r = spawnSync(process.execPath, [CLI, 'start', '--config', path.join(dir, 'gateway.config.json')], { encoding: 'utf8' });
  return { code: r.status ?? -1, out: r.stdout, err: r.stderr, dir };
}

const defaults = (): any => JSON.parse(fs.readFileSync(path.join(ROOT, 'gateway.config.json'), 'utf8'));

/** Runs `start` until it prints "gateway: ready", then SIGTERM; resolves with the exit code and output. */
function serve(config: object): Promise<{ code: number | null; out: string; err: string; dir: string }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gw-'));
  fs.writeFileSync(path.join(dir, 'gateway.config.json'), JSON.stringify(config));
  const child = spawn(process.execPath, [CLI, 'start', '--config', path.join(dir, 'gateway.config.json')]);
  let out = '';
  let err = '';
  let stopped = false;
  child.stdout.setEncoding('utf8').on('data', (d: string) => {
    out += d;
    if (!stopped && out.includes('gateway: ready\n')) {
      stopped = true;
      child.kill('SIGTERM');
    }
  });
  child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
  const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
  return new Promise((resolve) =>
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, out, err, dir });
    }),
  );
}

test('start on the embedded defaults: preflight, journal recovered, listening, ready; SIGTERM closes cleanly', async (t) => {
  const c = defaults();
  c.fix.tcp.port = 0; // the defaults' port may be taken on a shared machine
  const r = await serve(c);
  t.is(r.code, 0, r.err + r.out);
  t.regex(r.out, /^ok {3}native module: ABI \d+; schemas .*clearing 600 v1/m);
  t.regex(r.out, /^gateway: listening fix\/tcp 127\.0\.0\.1:\d+$/m);
  t.regex(r.out, /^gateway: SIGTERM, closing$/m);
  t.true(fs.existsSync(path.join(r.dir, 'data', 'journal')));
});

test('hash-password prints a verifier that the directory accepts for that password only', async (t) => {
  const r = spawnSync(process.execPath, [CLI, 'hash-password'], { input: 's3cret\n', encoding: 'utf8' });
  t.is(r.status, 0, r.stderr);
  const verifier = r.stdout.trim();
  t.regex(verifier, /^scrypt\$32768\$8\$1\$[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+$/);
  const { verifyPassword } = await import('../../src/gateway/members.js');
  t.true(await verifyPassword(verifier, 's3cret'));
  t.false(await verifyPassword(verifier, 's3cret '));
  t.is(spawnSync(process.execPath, [CLI, 'hash-password'], { input: '', encoding: 'utf8' }).status, 2);
});

test('start with a bad config names the JSON path and exits 2 without creating anything', (t) => {
  const c = defaults();
  c.admin.port = 'http';
  const r = start(c);
  t.is(r.code, 2);
  t.regex(r.err, /\/admin\/port: expected must be integer, found "http"/);
  t.false(fs.existsSync(path.join(r.dir, 'data')));
});

test('an unknown command is a usage error', (t) => {
  const r = spawnSync(process.execPath, [CLI, 'serve'], { encoding: 'utf8' });
  t.is(r.status, 2);
});
