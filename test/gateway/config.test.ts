import test from 'ava';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { checkConfig, formatProblem, loadConfig } from '../../src/gateway/config.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const base = (): Record<string, any> => JSON.parse(fs.readFileSync(path.join(ROOT, 'gateway.config.json'), 'utf8'));

test('the embedded default configuration is valid', (t) => {
  const r = loadConfig(path.join(ROOT, 'gateway.config.json'));
  t.true(r.ok, r.ok ? '' : r.problems.map((p) => formatProblem('gateway.config.json', p)).join('\n'));
  if (r.ok) t.is(r.config.journal.durability, 'fsync');
});

test('durability defaults to fsync when omitted', (t) => {
  const c = base();
  delete c.journal.durability;
  const r = checkConfig(c);
  t.true(r.ok);
  if (r.ok) t.is(r.config.journal.durability, 'fsync');
});

test('a bad port names the JSON path, the value and what was expected', (t) => {
  const c = base();
  c.fix.tcp.port = 99999;
  const r = checkConfig(c);
  t.false(r.ok);
  if (!r.ok) t.deepEqual(r.problems, [{ path: '/fix/tcp/port', found: '99999', expected: 'must be <= 65535' }]);
});

test('every problem is reported, not just the first', (t) => {
  const c = base();
  c.journal.durability = 'sometimes';
  delete c.admin.port;
  c.fix.tcp.prot = 1;
  const r = checkConfig(c);
  t.false(r.ok);
  if (!r.ok)
    t.deepEqual(
      r.problems.map((p) => formatProblem('cfg.json', p)).sort(),
      [
        'cfg.json: /admin/port: expected required property "port", found nothing',
        'cfg.json: /fix/tcp/prot: expected one of the properties the schema defines, found unknown property "prot"',
        'cfg.json: /journal/durability: expected one of ["fsync","os"], found "sometimes"',
      ],
    );
});

test('ring size must be a power of two', (t) => {
  const c = base();
  c.native.ringBytes = 3 * 65536;
  const r = checkConfig(c);
  t.false(r.ok);
  if (!r.ok) t.deepEqual(r.problems, [{ path: '/native/ringBytes', found: '196608', expected: 'a power of two' }]);
});

test('a ring frame must fit twice in the ring, and a FIX message with its index in a frame', (t) => {
  const c = base();
  c.native = { ringBytes: 65536, maxFrameBytes: 65536 };
  c.fix.maxMessageBytes = 40000;
  const r = checkConfig(c);
  t.false(r.ok);
  if (!r.ok)
    t.deepEqual(r.problems, [
      { path: '/native/maxFrameBytes', found: '65536', expected: 'at most ringBytes / 2 (32768)' },
      { path: '/fix/maxMessageBytes', found: '40000', expected: 'at most native.maxFrameBytes / 2 (32768): a frame holds the message and its index' },
    ]);
  c.native = { ringBytes: 65536, maxFrameBytes: 32768 };
  c.fix.maxMessageBytes = 16384;
  t.true(checkConfig(c).ok);
});

test('transport and TLS options are checked', (t) => {
  const c = base();
  c.fix.transport = 'carrier-pigeon';
  c.fix.tls = { port: 9879, minVersion: 'TLSv1.1' };
  const r = checkConfig(c);
  t.false(r.ok);
  if (!r.ok)
    t.deepEqual(r.problems.map((p) => p.path).sort(), ['/fix/tls/minVersion', '/fix/transport']);
});

test('unreadable file and invalid JSON are reported, not thrown', (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cfg-'));
  const bad = path.join(dir, 'bad.json');
  fs.writeFileSync(bad, '{ "gateway": ');
  const r1 = loadConfig(bad);
  t.false(r1.ok);
  if (!r1.ok) t.regex(r1.problems[0]!.found, /^invalid JSON/);
  const r2 = loadConfig(path.join(dir, 'missing.json'));
  t.false(r2.ok);
  if (!r2.ok) t.is(r2.problems[0]!.found, 'ENOENT');
});
