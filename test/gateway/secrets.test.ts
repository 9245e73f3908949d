import test from 'ava';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { GatewayError } from '../../src/codec/errors.js';
import { resolveSecret, type ResolveSecretOptions } from '../../src/gateway/secrets.js';

const created: string[] = [];
process.on('exit', () => {
  for (const d of created) fs.rmSync(d, { recursive: true, force: true });
});

function tmpDir(): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'secrets-test-'));
  created.push(d);
  return d;
}

const SECRET = 'pa55-w0rd-VALUE';

function secretFile(content: string, mode = 0o600): string {
  const f = path.join(tmpDir(), 'token');
  fs.writeFileSync(f, content, { mode });
  fs.chmodSync(f, mode); // independent of the umask
  return f;
}

/** The thrown GatewayError; its message and JSON never contain the secret's text. */
function thrown(t: import('ava').ExecutionContext, fn: () => unknown, code: string): GatewayError {
  const e = t.throws(fn) as GatewayError;
  t.true(e instanceof GatewayError, String(e));
  t.is(e.code, code);
  t.false(e.message.includes(SECRET), e.message);
  t.false(JSON.stringify(e.toJSON()).includes(SECRET));
  return e;
}

const quiet = (warnings: string[] = []): ResolveSecretOptions => ({ warn: (m) => warnings.push(m) });

test('env: the value exactly (no trimming)', (t) => {
  t.is(resolveSecret({ env: 'TOKEN' }, '/admin/tokenEnv', { env: { TOKEN: `${SECRET}\n` } }), `${SECRET}\n`);
  t.is(resolveSecret({ env: 'TOKEN' }, '/admin/tokenEnv', { env: { TOKEN: SECRET } }), SECRET);
});

test('env: unset and empty are errors naming the config path and the variable', (t) => {
  const e = thrown(t, () => resolveSecret({ env: 'GW_TOKEN' }, '/admin/tokenEnv', { env: {} }), 'SECRET_MISSING');
  t.is(e.message, 'SECRET_MISSING: /admin/tokenEnv: environment variable GW_TOKEN is not set');
  t.deepEqual(e.context, { what: '/admin/tokenEnv', env: 'GW_TOKEN' });
  const empty = thrown(t, () => resolveSecret({ env: 'GW_TOKEN' }, '/admin/tokenEnv', { env: { GW_TOKEN: '' } }), 'SECRET_EMPTY');
  t.regex(empty.message, /\/admin\/tokenEnv: environment variable GW_TOKEN is empty/);
});

test('env: defaults to process.env', (t) => {
  process.env['SECRETS_TEST_VAR'] = SECRET;
  try {
    t.is(resolveSecret({ env: 'SECRETS_TEST_VAR' }, 'x'), SECRET);
  } finally {
    delete process.env['SECRETS_TEST_VAR'];
  }
});

test('file: one trailing newline is removed (LF or CRLF), and only one', (t) => {
  t.is(resolveSecret({ file: secretFile(`${SECRET}\n`) }, '/admin/tokenFile', quiet()), SECRET);
  t.is(resolveSecret({ file: secretFile(`${SECRET}\r\n`) }, '/admin/tokenFile', quiet()), SECRET);
  t.is(resolveSecret({ file: secretFile(SECRET) }, '/admin/tokenFile', quiet()), SECRET);
  t.is(resolveSecret({ file: secretFile(`${SECRET}\n\n`) }, '/admin/tokenFile', quiet()), `${SECRET}\n`);
  t.is(resolveSecret({ file: secretFile(` ${SECRET} \n`) }, '/admin/tokenFile', quiet()), ` ${SECRET} `, 'other whitespace is part of the secret');
});

test('file: relative paths resolve against baseDir', (t) => {
  const f = secretFile(SECRET);
  t.is(resolveSecret({ file: path.basename(f) }, '/admin/tokenFile', { ...quiet(), baseDir: path.dirname(f) }), SECRET);
});

test('file: mode 0600 gives no warning; group- or world-accessible files are used with a warning naming path and mode', (t) => {
  const w: string[] = [];
  resolveSecret({ file: secretFile(SECRET, 0o600) }, '/admin/tokenFile', quiet(w));
  resolveSecret({ file: secretFile(SECRET, 0o400) }, '/admin/tokenFile', quiet(w));
  t.deepEqual(w, []);
  const f = secretFile(SECRET, 0o640);
  t.is(resolveSecret({ file: f }, '/admin/tokenFile', quiet(w)), SECRET);
  t.is(w.length, 1);
  t.is(w[0], `/admin/tokenFile: secret file ${f} is accessible by group or others (mode 0640); run: chmod 600 ${f}`);
  const g = secretFile(SECRET, 0o604);
  resolveSecret({ file: g }, '/admin/tokenFile', quiet(w));
  t.is(w.length, 2);
  t.regex(w[1]!, /mode 0604/);
  t.false(w.some((m) => m.includes(SECRET)));
});

test('file: missing, a directory, unreadable, empty, too large: errors naming the config path and file', (t) => {
  const dir = tmpDir();
  const missing = path.join(dir, 'nope');
  const e1 = thrown(t, () => resolveSecret({ file: missing }, '/fix/sessions/0/credentials/passwordFile', quiet()), 'SECRET_UNREADABLE');
  t.is(e1.message, `SECRET_UNREADABLE: /fix/sessions/0/credentials/passwordFile: secret file ${missing} does not exist`);
  const e2 = thrown(t, () => resolveSecret({ file: dir }, '/admin/tokenFile', quiet()), 'SECRET_UNREADABLE');
  t.regex(e2.message, /is not a regular file|is a directory/);
  if (process.getuid?.() !== 0) {
    const f = secretFile(SECRET, 0o000);
    const e3 = thrown(t, () => resolveSecret({ file: f }, '/admin/tokenFile', quiet()), 'SECRET_UNREADABLE');
    t.regex(e3.message, /is not readable by this user/);
  } else {
    t.log('running as root: the unreadable-file case is not testable (root reads mode 0000 files)');
  }
  const e4 = thrown(t, () => resolveSecret({ file: secretFile('\n') }, '/admin/tokenFile', quiet()), 'SECRET_EMPTY');
  t.regex(e4.message, /secret file .* is empty/);
  thrown(t, () => resolveSecret({ file: secretFile('') }, '/admin/tokenFile', quiet()), 'SECRET_EMPTY');
  const big = secretFile(SECRET + 'x'.repeat(70 * 1024));
  const e5 = thrown(t, () => resolveSecret({ file: big }, '/admin/tokenFile', quiet()), 'SECRET_UNREADABLE');
  t.regex(e5.message, /more than 65536/);
});

test('a reference must name exactly one source', (t) => {
  const both = thrown(t, () => resolveSecret({ env: 'T', file: secretFile(SECRET) }, '/admin', { env: { T: SECRET }, ...quiet() }), 'SECRET_REF');
  t.regex(both.message, /^SECRET_REF: \/admin: give the secret either as an environment variable or as a file, not both$/);
  const none = thrown(t, () => resolveSecret({}, '/admin', quiet()), 'SECRET_REF');
  t.regex(none.message, /\/admin: no secret referenced/);
  thrown(t, () => resolveSecret({ env: '', file: '' }, '/admin', quiet()), 'SECRET_REF');
});
