/**
 * fix.sessions in gateway.config.json (src/gateway/config.ts): every cross-field rule of checkSessions
 * reports one problem naming the exact JSON path; schema-level errors name theirs; a valid multi-session
 * configuration passes with its defaults applied.
 */
import test from 'ava';
import { checkConfig, type ConfigProblem } from '../../src/gateway/config.js';

type Doc = { fix: Record<string, any> } & Record<string, any>;

/** A fresh valid document (checkConfig fills defaults in place, so every test builds its own). */
function doc(sessions: Record<string, unknown>[], fix: Record<string, unknown> = {}): Doc {
  return {
    gateway: { name: 'test' },
    journal: { dir: '/tmp/unused' },
    fix: { tcp: { port: 0 }, senderCompId: 'CCP', ...fix, sessions },
    admin: { port: 0 },
  };
}

const VERIFIER = 'scrypt$32768$8$1$BvICVsp9zk8McOSP2uwNMQ==$QB67/Z0h7hdPvBjbXnKIZEjNdr4GeiGgZQsVNPNi338=';

const s = (sessionId: number, targetCompId: string, o: Record<string, unknown> = {}): Record<string, unknown> => ({
  sessionId,
  member: 'M1',
  beginString: 'FIX.4.4',
  targetCompId,
  ...o,
});

function problems(d: unknown): ConfigProblem[] {
  const r = checkConfig(d);
  return r.ok ? [] : r.problems;
}

const paths = (d: unknown): string[] => problems(d).map((p) => p.path);

test('a valid multi-session configuration passes, with defaults applied', (t) => {
  const d = doc(
    [
      s(1, 'M1FIX', { credentials: { passwordHash: VERIFIER, username: 'm1' }, heartbeat: { minSeconds: 5, maxSeconds: 5 }, reset: 'daily' }),
      s(2, 'M1FIX', { beginString: 'FIXT.1.1', defaultApplVerId: '9' }), // same CompIDs, another BeginString
      s(3, 'M1FIX', { senderCompId: 'CCP2' }), // same counterparty, another CompID of ours
      s(4, 'M2FIX', { member: 'M2', credentials: { tlsSubject: 'CN=m2,O=Example' }, schedule: { timeZone: 'America/New_York', start: '17:00', end: '16:00', weekdays: ['Sun', 'Mon', 'Tue', 'Wed', 'Thu'] } }),
      s(5, 'M3FIX', { member: 'M3', schedule: { start: '08:00:30', end: '17:00' }, throttle: { messagesPerSecond: 100, burst: 500 }, reset: 'onLogon' }),
    ],
    { tls: { port: 0, requireClientCert: true, certFile: 'c', keyFile: 'k', caFile: 'ca' } },
  );
  const r = checkConfig(d);
  t.true(r.ok, r.ok ? '' : JSON.stringify(r.problems));
  if (!r.ok) return;
  const ss = r.config.fix.sessions!;
  t.is(ss.length, 5);
  t.is(ss[4]!.schedule!.timeZone, 'UTC', 'schema default');
  t.is(ss[0]!.sendingTimeToleranceMs, 120_000);
  t.is(ss[0]!.nextExpectedMsgSeqNum, false);
});

test('no sessions at all is valid (sessions defaults to [])', (t) => {
  const d = doc([]);
  delete d.fix.sessions;
  const r = checkConfig(d);
  t.true(r.ok);
  if (r.ok) t.deepEqual(r.config.fix.sessions, []);
});

test('duplicate sessionId: the later session\'s /sessionId is named', (t) => {
  const p = problems(doc([s(7, 'A'), s(8, 'B'), s(7, 'C')]));
  t.deepEqual(p.map((x) => x.path), ['/fix/sessions/2/sessionId']);
  t.is(p[0]!.found, '7');
  t.regex(p[0]!.expected, /sessions\/0/);
});

test('duplicate session key: the later session\'s /targetCompId is named, counting fix.senderCompId as our CompID', (t) => {
  t.deepEqual(paths(doc([s(1, 'A'), s(2, 'A')])), ['/fix/sessions/1/targetCompId']);
  // An explicit senderCompId equal to the default is the same session.
  const p = problems(doc([s(1, 'A'), s(2, 'B'), s(3, 'A', { senderCompId: 'CCP' })]));
  t.deepEqual(p.map((x) => x.path), ['/fix/sessions/2/targetCompId']);
  t.is(p[0]!.found, '"A"');
  t.regex(p[0]!.expected, /sessions\/0 is FIX\.4\.4:CCP->A/);
  // With the schema default (no fix.senderCompId), CCP too.
  const d = doc([s(1, 'A', { senderCompId: 'CCP' }), s(2, 'A')]);
  delete d.fix.senderCompId;
  t.deepEqual(paths(d), ['/fix/sessions/1/targetCompId']);
  // Different BeginString or our CompID: distinct sessions.
  t.deepEqual(paths(doc([s(1, 'A'), s(2, 'A', { beginString: 'FIXT.1.1' }), s(3, 'A', { senderCompId: 'X' })])), []);
});

test('a duplicate of both id and key reports both paths', (t) => {
  t.deepEqual(paths(doc([s(1, 'A'), s(1, 'A')])), ['/fix/sessions/1/sessionId', '/fix/sessions/1/targetCompId']);
});

test('defaultApplVerId on FIX.4.4 names /defaultApplVerId', (t) => {
  const p = problems(doc([s(1, 'A'), s(2, 'B', { defaultApplVerId: '9' })]));
  t.deepEqual(p.map((x) => x.path), ['/fix/sessions/1/defaultApplVerId']);
  t.is(p[0]!.found, '"9"');
  t.deepEqual(paths(doc([s(1, 'A', { beginString: 'FIXT.1.1', defaultApplVerId: '9' })])), []);
});

test('heartbeat minSeconds above maxSeconds names /heartbeat/minSeconds; equal is fine', (t) => {
  const p = problems(doc([s(1, 'A', { heartbeat: { minSeconds: 31, maxSeconds: 30 } })]));
  t.deepEqual(p.map((x) => x.path), ['/fix/sessions/0/heartbeat/minSeconds']);
  t.is(p[0]!.found, '31');
  t.regex(p[0]!.expected, /30/);
  t.deepEqual(paths(doc([s(1, 'A', { heartbeat: { minSeconds: 30, maxSeconds: 30 } })])), []);
});

test('tlsSubject without fix.tls.requireClientCert names /credentials/tlsSubject', (t) => {
  const cred = { credentials: { tlsSubject: 'CN=a' } };
  t.deepEqual(paths(doc([s(1, 'A'), s(2, 'B', cred)])), ['/fix/sessions/1/credentials/tlsSubject'], 'no TLS listener');
  t.deepEqual(paths(doc([s(1, 'A', cred)], { tls: { port: 0 } })), ['/fix/sessions/0/credentials/tlsSubject'], 'requireClientCert defaults to false');
  t.deepEqual(paths(doc([s(1, 'A', cred)], { tls: { port: 0, requireClientCert: false } })), ['/fix/sessions/0/credentials/tlsSubject']);
  t.deepEqual(paths(doc([s(1, 'A', cred)], { tls: { port: 0, requireClientCert: true } })), []);
});

test('a time zone Intl does not know names /schedule/timeZone', (t) => {
  const p = problems(doc([s(1, 'A', { schedule: { timeZone: 'Mars/Olympus_Mons', start: '08:00', end: '17:00' } })]));
  t.deepEqual(p.map((x) => x.path), ['/fix/sessions/0/schedule/timeZone']);
  t.is(p[0]!.found, '"Mars/Olympus_Mons"');
  t.deepEqual(paths(doc([s(1, 'A', { schedule: { timeZone: '', start: '08:00', end: '17:00' } })])), ['/fix/sessions/0/schedule/timeZone']);
  for (const tz of ['UTC', 'Europe/London', 'Asia/Tokyo', 'America/New_York']) t.deepEqual(paths(doc([s(1, 'A', { schedule: { timeZone: tz, start: '08:00', end: '17:00' } })])), [], tz);
});

test('schedule start equal to end names /schedule/end', (t) => {
  const p = problems(doc([s(1, 'A', { schedule: { start: '08:00', end: '08:00' } })]));
  t.deepEqual(p.map((x) => x.path), ['/fix/sessions/0/schedule/end']);
  t.is(p[0]!.found, '"08:00"');
  t.deepEqual(paths(doc([s(1, 'A', { schedule: { start: '08:00', end: '08:00:01' } })])), []);
});

// BUG (src/gateway/config.ts checkSessions, ~line 154): start and end are compared as strings, so
// "08:00" and "08:00:00" (the same time; HH:MM[:SS] are both allowed by the schema) pass. MemberDirectory
// then treats the schedule as open around the clock (start < end is false; both the ">= start" and the
// "< end" branch match), whereas the rule says a period of zero length is an error. Fix: compare the
// times in seconds.
test('schedule start equal to end written differently ("08:00" vs "08:00:00") names /schedule/end', (t) => {
  t.deepEqual(paths(doc([s(1, 'A', { schedule: { start: '08:00', end: '08:00:00' } })])), ['/fix/sessions/0/schedule/end']);
});

test('every cross-field problem of several sessions is reported at once', (t) => {
  const d = doc([
    s(1, 'A', { heartbeat: { minSeconds: 9, maxSeconds: 1 } }),
    s(1, 'B', { defaultApplVerId: '9', schedule: { timeZone: 'Nowhere/City', start: '10:00', end: '10:00' } }),
    s(3, 'A', { credentials: { tlsSubject: 'CN=x' } }),
  ]);
  t.deepEqual(paths(d).sort(), [
    '/fix/sessions/0/heartbeat/minSeconds',
    '/fix/sessions/1/defaultApplVerId',
    '/fix/sessions/1/schedule/end',
    '/fix/sessions/1/schedule/timeZone',
    '/fix/sessions/1/sessionId',
    '/fix/sessions/2/credentials/tlsSubject',
    '/fix/sessions/2/targetCompId',
  ]);
});

// ---------------------------------------------------------------- schema level

test('schema: a member id outside ^[A-Z0-9]{1,8}$ names /member', (t) => {
  for (const member of ['m1', 'TOOLONG12', '', 'M-1']) {
    const p = problems(doc([s(1, 'A'), s(2, 'B', { member })]));
    t.deepEqual(p.map((x) => x.path), ['/fix/sessions/1/member'], member);
    t.is(p[0]!.found, JSON.stringify(member));
  }
});

test('schema: a passwordHash that is not an scrypt verifier names /credentials/passwordHash', (t) => {
  for (const passwordHash of ['demo-password', 'scrypt$32768$8$1$salt', '$2b$10$abcdefghijklmnopqrstuv', VERIFIER.replace('scrypt', 'SCRYPT')]) {
    const p = problems(doc([s(1, 'A', { credentials: { passwordHash } })]));
    t.deepEqual(p.map((x) => x.path), ['/fix/sessions/0/credentials/passwordHash'], passwordHash);
  }
});

test('schema: unknown properties are named with their path (session, credentials, schedule)', (t) => {
  const p = problems(doc([s(1, 'A', { password: 'x' })]));
  t.deepEqual(p, [{ path: '/fix/sessions/0/password', found: 'unknown property "password"', expected: 'one of the properties the schema defines' }]);
  t.deepEqual(paths(doc([s(1, 'A'), s(2, 'B', { credentials: { user: 'x' } })])), ['/fix/sessions/1/credentials/user']);
  t.deepEqual(paths(doc([s(1, 'A', { schedule: { start: '08:00', end: '17:00', days: ['Mon'] } })])), ['/fix/sessions/0/schedule/days']);
});

test('schema: a missing required session field and bad schedule values name their paths', (t) => {
  const noTarget = s(1, 'A');
  delete noTarget.targetCompId;
  t.deepEqual(problems(doc([noTarget])), [{ path: '/fix/sessions/0/targetCompId', found: 'nothing', expected: 'required property "targetCompId"' }]);
  t.deepEqual(paths(doc([s(1, 'A', { schedule: { start: '24:00', end: '17:00' } })])), ['/fix/sessions/0/schedule/start']);
  t.deepEqual(paths(doc([s(1, 'A', { schedule: { start: '08:00', end: '17:00', weekdays: ['Mon', 'Mon'] } })])), ['/fix/sessions/0/schedule/weekdays']);
  t.deepEqual(paths(doc([s(1, 'A', { beginString: 'FIX.4.2' })])), ['/fix/sessions/0/beginString']);
});

