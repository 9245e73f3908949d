import test from 'ava';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
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

test('start on the embedded defaults: native module matches the TS codecs, journal directory created', (t) => {
  const r = start(defaults());
  t.is(r.code, 0, r.err + r.out);
  t.regex(r.out, /^ok {3}native module: ABI \d+; schemas .*clearing 600 v1/m);
  t.true(fs.existsSync(path.join(r.dir, 'data', 'journal')));
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
