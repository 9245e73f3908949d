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

/** The embedded defaults, their reference data paths made absolute (the test runs them from a temp dir). */
const defaults = (): any => {
  const c = JSON.parse(fs.readFileSync(path.join(ROOT, 'gateway.config.json'), 'utf8'));
  for (const k of Object.keys(c.clearing.refdata)) c.clearing.refdata[k] = path.join(ROOT, c.clearing.refdata[k]);
  return c;
};

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
  t.regex(r.out, /^ok {3}reference data: 22 securities, 4 members, .*business date \d{4}-\d\d-\d\d$/m);
  t.regex(r.out, /^gateway: clearing engine: 22 securities, 4 members, business date /m);
  t.regex(r.out, /^gateway: clearing recovery: 0 command\(s\) replayed/m);
  t.regex(r.out, /^gateway: not composed yet: settlement \(issue 6\); SBE\/UDP venue feed and admin HTTP \(issue 7\)$/m);
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

test('start refuses bad reference data, listing each problem with its file and line', (t) => {
  const c = defaults();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gw-'));
  fs.writeFileSync(path.join(dir, 'securities.csv'), 'isin,cusip,symbol,currency,assetClass,lotSize,price,depositoryEligible,priceBandBps\nUS0378331006,,AAPL,USD,equity,1,1,true,0\n');
  c.clearing.refdata.securities = path.join(dir, 'securities.csv');
  const r = start(c);
  t.is(r.code, 1, r.out + r.err);
  t.regex(r.out, /^FAIL reference data: \d+ problem\(s\):/m);
  t.regex(r.out, /securities\.csv:2:1: isin "US0378331006": wrong check digit/);
  t.false(fs.existsSync(path.join(r.dir, 'data')), 'nothing started');
});

test('report positions reads the open positions from the journal (offline), per member', async (t) => {
  const { checkConfig } = await import('../../src/gateway/config.js');
  const { startGateway } = await import('../../src/gateway/gateway.js');
  const { FixTestClient } = await import('../helpers/fix-client.js');
  const { writeTestRefdata, clearingTcr, twoSided } = await import('../helpers/gateway-fixtures.js');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gw-report-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  const doc = {
    gateway: { name: 'report' },
    journal: { dir: 'journal', durability: 'os' },
    fix: { transport: 'node', tcp: { host: '127.0.0.1', port: 0 }, senderCompId: 'CCP', sessions: [{ sessionId: 1, member: 'MBRA', beginString: 'FIX.4.4', targetCompId: 'ALPHA', reset: 'never' }] },
    admin: { host: '127.0.0.1', port: 0 },
    clearing: writeTestRefdata(dir),
  };
  fs.writeFileSync(path.join(dir, 'gateway.config.json'), JSON.stringify(doc));
  const r = checkConfig(doc);
  if (!r.ok) throw new Error(JSON.stringify(r.problems));
  const gw = await startGateway(r.config, { baseDir: dir, log: () => undefined });
  try {
    const c = await FixTestClient.connect({ host: '127.0.0.1', port: gw.listeners[0]!.port, beginString: 'FIX.4.4', senderCompId: 'ALPHA', targetCompId: 'CCP' });
    await c.logon();
    c.send('AE', clearingTcr(twoSided('Q1', 'MBRA', 'MBRB', { qty: '100', px: '100.25' })));
    c.send('AE', clearingTcr(twoSided('Q2', 'MBRB', 'MBRA', { qty: '40', px: '100' })));
    await c.waitFor((m) => m.type === 'AR' && m.fields.get(571) === 'Q2');
    c.destroy();
  } finally {
    await gw.close();
  }
  const out = spawnSync(process.execPath, [CLI, 'report', 'positions', '--config', path.join(dir, 'gateway.config.json')], { encoding: 'utf8' });
  t.is(out.status, 0, out.stderr);
  t.regex(out.stdout, /business date 2026-11-24; last trade id 2; 2 open position\(s\)/);
  // MBRA: +100 @ 100.25 − 40 @ 100 = 60, −10,025 + 4,000 = −6,025.
  t.regex(out.stdout, /^MBRA\tUS0378331005\t2026-11-25\t60\t-6025\.0000$/m);
  t.regex(out.stdout, /^MBRB\tUS0378331005\t2026-11-25\t-60\t6025\.0000$/m);
  const one = spawnSync(process.execPath, [CLI, 'report', 'positions', '--member', 'MBRB', '--config', path.join(dir, 'gateway.config.json')], { encoding: 'utf8' });
  t.is(one.status, 0, one.stderr);
  t.notRegex(one.stdout, /^MBRA/m);
  t.regex(one.stdout, /1 open position\(s\) of MBRB/);
});
