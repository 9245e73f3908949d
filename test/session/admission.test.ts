/**
 * Admission through a SessionDirectory (src/session/session.ts): unknown sessions, refusals, admission
 * that settles later (backlog, races), failed-logon slowing per remote address, heartbeat range,
 * schedules, scheduled resets, throttling, counterparty SequenceReset recording and the session events
 * (SessionLogon / SessionLogout with their reasons) in MemorySessionStore.events.
 *
 * Deterministic: a fake transport records what is sent, inbound bytes go through the real TS framer,
 * the clock is a number the test moves, tick() is called by hand, and asynchronous admission is a
 * promise the test settles.
 */
import test from 'ava';
import { FixFramer, type FixSink } from '../../src/fix/framer.js';
import type { FixMessage } from '../../src/fix/message.js';
import { formatUtcTimestamp } from '../../src/session/builder.js';
import { MemorySessionStore } from '../../src/session/memory-store.js';
import { Reparser } from '../../src/session/reparse.js';
import {
  type AcceptorConfig,
  type InboundApp,
  type LogonAttempt,
  SessionAcceptor,
  type SessionApplication,
  type SessionDirectory,
  type SessionSettings,
} from '../../src/session/session.js';
import { LogoutReason } from '../../src/session/store.js';
import type { ConnectionInfo } from '../../src/transport/transport.js';
import { completeMessage } from '../conformance/def.js';
import { FakeTransport, type Sent } from './fake-transport.js';

const T0 = Date.UTC(2026, 0, 5, 9, 0, 0);
const ADDR_A = '10.0.0.1';
const ADDR_B = '10.0.0.2';
const info = (remoteAddress = ADDR_A): ConnectionInfo => ({ remoteAddress, remotePort: 40000, localPort: 9878, tls: false, tlsSubject: '' });



/** Records every application message it is given (msgType, MsgSeqNum); accepts all. */
class Recorder implements SessionApplication {
  readonly got: [string, number][] = [];
  onAppMessage(app: InboundApp): boolean {
    this.got.push([app.msgType, app.message.getInt(34)]);
    return true;
  }
}

/** MemorySessionStore that counts inbound appends (to prove nothing was consumed). */
class CountingStore extends MemorySessionStore {
  inbound = 0;
  override appendInbound(key: string, seq: number, msgType: string, raw: Uint8Array, off: number, len: number): number {
    this.inbound++;
    return super.appendInbound(key, seq, msgType, raw, off, len);
  }
}

/** A settable promise. */
function deferred<T>(): { promise: Promise<T>; resolve(v: T): void; reject(e: unknown): void } {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** Lets settled promises run their continuations (admission verdicts). */
const settle = (): Promise<void> => new Promise((r) => setImmediate(r));

function settingsFor(target: string, o: Partial<SessionSettings> = {}): SessionSettings {
  return { beginString: 'FIX.4.4', senderCompId: 'CCP', targetCompId: target, member: target.slice(0, 8), resetOnLogon: false, ...o };
}

/** A directory the test steers: sessions by CompID, admit/isOpen/resetDue replaceable, calls recorded. */
class TestDirectory implements SessionDirectory {
  readonly byTarget = new Map<string, SessionSettings>();
  readonly admitCalls: { atMs: number; attempt: LogonAttempt }[] = [];
  verdict: (a: LogonAttempt) => string | undefined | Promise<string | undefined> = () => undefined;
  open: ((s: SessionSettings, nowMs: number) => boolean) | undefined;
  due: ((s: SessionSettings, lastResetMs: number, nowMs: number) => boolean) | undefined;
  readonly resetDueCalls: [number, number][] = [];

  constructor(...sessions: SessionSettings[]) {
    for (const s of sessions) this.byTarget.set(s.targetCompId, s);
  }
  find(beginString: string, ourCompId: string, theirCompId: string): SessionSettings | undefined {
    const s = this.byTarget.get(theirCompId);
    return s && s.beginString === beginString && s.senderCompId === ourCompId ? s : undefined;
  }
  admit(attempt: LogonAttempt): string | undefined | Promise<string | undefined> {
    this.admitCalls.push({ atMs: attempt.nowMs, attempt });
    return this.verdict(attempt);
  }
  isOpen(s: SessionSettings, nowMs: number): boolean {
    return this.open ? this.open(s, nowMs) : true;
  }
  resetDue(s: SessionSettings, lastResetMs: number, nowMs: number): boolean {
    this.resetDueCalls.push([lastResetMs, nowMs]);
    return this.due ? this.due(s, lastResetMs, nowMs) : false;
  }
}

function setup(directory: TestDirectory, extra: Omit<AcceptorConfig, 'directory'> = {}) {
  const clock = { t: T0 };
  const transport = new FakeTransport();
  const reparser = new Reparser();
  const store = new CountingStore(() => clock.t);
  const app = new Recorder();
  const acceptor = new SessionAcceptor({ directory, ...extra }, store, { now: () => clock.t }, app, (b, v) => reparser.run(b, v));
  acceptor.transport = transport;
  const framers = new Map<number, FixFramer>();
  const feed = (id: number, msg: string): void => {
    let f = framers.get(id);
    if (!f) {
      f = new FixFramer({ maxMessageBytes: 65536, maxFields: 1024 });
      framers.set(id, f);
    }
    const sink: FixSink = {
      onMessage: (m: FixMessage) => acceptor.onMessage(id, m),
      onGarbled: () => acceptor.onGarbled(),
    };
    const text = completeMessage(msg.replaceAll('|', '\x01').replaceAll('<TIME>', formatUtcTimestamp(clock.t)));
    f.push(new Uint8Array(Buffer.from(text, 'latin1')), sink);
  };
  /** Connect `id` from `addr` and send a Logon (FIX.4.4 unless the session is FIXT.1.1). */
  const logon = (id: number, o: { target?: string; seq?: number; hb?: number; addr?: string; extra?: string; begin?: string } = {}): void => {
    const begin = o.begin ?? 'FIX.4.4';
    acceptor.onConnected(id, info(o.addr));
    const appl = begin === 'FIXT.1.1' ? '1137=9|' : '';
    feed(id, `8=${begin}|35=A|34=${o.seq ?? 1}|49=${o.target ?? 'TW1'}|52=<TIME>|56=CCP|98=0|108=${o.hb ?? 30}|${o.extra ?? ''}${appl}`);
  };
  const logouts = () => store.events.filter((e) => e.kind === 'logout');
  return { clock, transport, acceptor, store, app, directory, feed, logon, logouts };
}

const KEY_TW1 = SessionAcceptor.keyOf(settingsFor('TW1'));
const summary = (out: Sent[]): [number, string | undefined, string | undefined][] => out.map((m) => [m.id, m.fields.get('35'), m.fields.get('34')]);

// ---------------------------------------------------------------- unknown sessions, refusals

test('a Logon naming no configured session is dropped without a reply; admission is never asked', (t) => {
  const s = setup(new TestDirectory(settingsFor('TW1')));
  s.logon(1, { target: 'NOBODY' });
  t.deepEqual(s.transport.sent, []);
  t.deepEqual(s.transport.disconnected, [1]);
  // Right counterparty, wrong CompID of ours.
  s.acceptor.onConnected(2, info());
  s.feed(2, '8=FIX.4.4|35=A|34=1|49=TW1|52=<TIME>|56=OTHER|98=0|108=30|');
  // Right CompIDs, another BeginString.
  s.acceptor.onConnected(3, info());
  s.feed(3, '8=FIXT.1.1|35=A|34=1|49=TW1|52=<TIME>|56=CCP|98=0|108=30|1137=9|');
  // Not a Logon first.
  s.acceptor.onConnected(4, info());
  s.feed(4, '8=FIX.4.4|35=0|34=1|49=TW1|52=<TIME>|56=CCP|');
  t.deepEqual(s.transport.sent, []);
  t.deepEqual(s.transport.disconnected, [1, 2, 3, 4]);
  t.is(s.directory.admitCalls.length, 0);
  t.deepEqual(s.store.events, []);
  t.is(s.store.inbound, 0);
});

test('admit() refusing: Logout with its text from the session\'s own sequence, nothing consumed, SessionLogout AuthenticationFailed', (t) => {
  const s = setup(new TestDirectory(settingsFor('TW1')));
  s.store.reset(KEY_TW1, 5, 7); // an earlier day: we send 5 next, expect 7
  s.directory.verdict = () => 'Go away';
  s.logon(1, { seq: 7, extra: '553=alice|554=secret|' });
  t.is(s.directory.admitCalls.length, 1);
  const a = s.directory.admitCalls[0]!.attempt;
  t.is(a.username, 'alice');
  t.is(a.password, 'secret');
  t.is(a.nowMs, T0);
  t.is(a.connection.remoteAddress, ADDR_A);
  t.is(a.settings.targetCompId, 'TW1');
  // Anything sent after the refusal is ignored.
  s.feed(1, '8=FIX.4.4|35=D|34=8|49=TW1|52=<TIME>|56=CCP|11=A1|21=1|40=1|54=1|55=X|60=<TIME>|');
  const out = s.transport.take();
  t.deepEqual(summary(out), [[1, '5', '5']]);
  t.is(out[0]!.fields.get('58'), 'Go away');
  t.is(out[0]!.fields.get('49'), 'CCP');
  t.is(out[0]!.fields.get('56'), 'TW1');
  t.deepEqual(s.transport.disconnected, [1]);
  t.is(s.store.inbound, 0, 'neither the Logon nor what followed was consumed');
  t.deepEqual(s.app.got, []);
  t.is(s.store.recover(KEY_TW1).nextTargetSeq, 7);
  t.is(s.store.recover(KEY_TW1).nextSenderSeq, 6, 'the Logout used (and stored) our 5');
  t.deepEqual(s.store.events.filter((e) => e.kind === 'logon'), []);
  s.acceptor.onDisconnected(1);
  t.deepEqual(s.logouts(), [{ kind: 'logout', sessionKey: KEY_TW1, reason: LogoutReason.AuthenticationFailed, text: 'Go away' }]);
  t.false(s.acceptor.session('TW1')!.loggedOn);
  t.is(s.acceptor.session('TW1')!.connectionId, -1);
});

test('admit() rejecting its promise refuses with "Logon could not be verified"', async (t) => {
  const s = setup(new TestDirectory(settingsFor('TW1')));
  const d = deferred<string | undefined>();
  s.directory.verdict = () => d.promise;
  s.logon(1);
  t.deepEqual(s.transport.sent, []);
  d.reject(new Error('verifier crashed'));
  await settle();
  const out = s.transport.take();
  t.deepEqual(summary(out), [[1, '5', '1']]);
  t.is(out[0]!.fields.get('58'), 'Logon could not be verified');
  t.deepEqual(s.transport.disconnected, [1]);
});

// ---------------------------------------------------------------- admission that settles later

test('admission settling later: messages that arrive meanwhile are held, then processed in order after the Logon', async (t) => {
  const s = setup(new TestDirectory(settingsFor('TW1')));
  const d = deferred<string | undefined>();
  s.directory.verdict = () => d.promise;
  s.logon(1);
  s.feed(1, '8=FIX.4.4|35=D|34=2|49=TW1|52=<TIME>|56=CCP|11=A1|21=1|40=1|54=1|55=X|60=<TIME>|');
  s.feed(1, '8=FIX.4.4|35=1|34=3|49=TW1|52=<TIME>|56=CCP|112=PING|');
  s.feed(1, '8=FIX.4.4|35=D|34=4|49=TW1|52=<TIME>|56=CCP|11=A2|21=1|40=1|54=1|55=X|60=<TIME>|');
  t.deepEqual(s.transport.sent, [], 'nothing answered before admission');
  t.deepEqual(s.app.got, []);
  t.is(s.store.inbound, 0);
  t.is(s.acceptor.session('TW1'), undefined, 'no session bound yet');
  await settle();
  t.deepEqual(s.transport.sent, [], 'still waiting');
  d.resolve(undefined);
  await settle();
  const out = s.transport.take();
  t.deepEqual(summary(out), [
    [1, 'A', '1'],
    [1, '0', '2'],
  ]);
  t.is(out[1]!.fields.get('112'), 'PING');
  t.deepEqual(s.app.got, [
    ['D', 2],
    ['D', 4],
  ]);
  t.is(s.acceptor.session('TW1')!.nextTargetSeq, 5);
  t.is(s.store.recover(KEY_TW1).nextTargetSeq, 5);
  t.deepEqual(s.transport.disconnected, []);
});

test('admission settling later: 64 held messages are kept, the 65th disconnects; a late verdict then does nothing', async (t) => {
  const s = setup(new TestDirectory(settingsFor('TW1')));
  const d = deferred<string | undefined>();
  s.directory.verdict = () => d.promise;
  s.logon(1);
  for (let i = 0; i < 64; i++) s.feed(1, `8=FIX.4.4|35=0|34=${i + 2}|49=TW1|52=<TIME>|56=CCP|`);
  t.deepEqual(s.transport.disconnected, []);
  s.feed(1, '8=FIX.4.4|35=0|34=66|49=TW1|52=<TIME>|56=CCP|');
  t.deepEqual(s.transport.disconnected, [1]);
  d.resolve(undefined);
  await settle();
  t.deepEqual(s.transport.sent, []);
  t.is(s.store.inbound, 0);
  t.deepEqual(s.store.events, []);
  s.acceptor.onDisconnected(1);
  t.deepEqual(s.store.events, [], 'never logged on: no SessionLogout');
});

test('two connections racing for one session while admission is pending: only the first admitted wins', async (t) => {
  const s = setup(new TestDirectory(settingsFor('TW1')));
  const verdicts: ReturnType<typeof deferred<string | undefined>>[] = [];
  s.directory.verdict = () => {
    const d = deferred<string | undefined>();
    verdicts.push(d);
    return d.promise;
  };
  s.logon(1);
  s.logon(2, { addr: ADDR_B });
  t.is(s.directory.admitCalls.length, 2, 'both wait for admission');
  // The second settles first: it wins.
  verdicts[1]!.resolve(undefined);
  await settle();
  verdicts[0]!.resolve(undefined);
  await settle();
  const out = s.transport.take();
  t.deepEqual(summary(out), [[2, 'A', '1']]);
  t.deepEqual(s.transport.disconnected, [1]);
  t.is(s.acceptor.session('TW1')!.connectionId, 2);
  t.true(s.acceptor.session('TW1')!.loggedOn);
  t.is(s.store.events.filter((e) => e.kind === 'logon').length, 1);
  // A third connection once the session is live is dropped at once, without asking admission.
  s.logon(3);
  t.deepEqual(s.transport.disconnected, [1, 3]);
  t.is(s.directory.admitCalls.length, 2);
  // The loser's disconnect does not disturb the winner.
  s.acceptor.onDisconnected(1);
  t.is(s.acceptor.session('TW1')!.connectionId, 2);
  t.deepEqual(s.logouts(), []);
  s.feed(2, '8=FIX.4.4|35=1|34=2|49=TW1|52=<TIME>|56=CCP|112=STILL|');
  t.is(s.transport.take()[0]?.fields.get('112'), 'STILL');
});

// BUG (src/session/session.ts refuse(), ~line 616-626, with the live checks in admitted() ~line 572 and
// onFirstMessage() ~line 508): a refused connection binds the session (s.connectionId = c.id) until the
// transport reports the close, so a rightful logon whose admission settles in that window is dropped
// as if the session were live: neither connection wins. A refused Logon should not occupy the session
// (with the journal store the refusal's Logout waits for fsync before the close, widening the window;
// anyone who can send a Logon with the member's CompIDs can keep the member out this way).
test('a refused racer does not occupy the session: the other pending connection still logs on', async (t) => {
  const s = setup(new TestDirectory(settingsFor('TW1')));
  const verdicts: ReturnType<typeof deferred<string | undefined>>[] = [];
  s.directory.verdict = () => {
    const d = deferred<string | undefined>();
    verdicts.push(d);
    return d.promise;
  };
  s.logon(1, { addr: ADDR_B, extra: '554=guess|' });
  s.logon(2, { extra: '554=right|' });
  verdicts[0]!.resolve('Invalid username or password');
  await settle();
  t.deepEqual(s.transport.disconnected, [1]);
  // The transport has not reported connection 1 closed yet.
  verdicts[1]!.resolve(undefined);
  await settle();
  t.deepEqual(summary(s.transport.take()), [
    [1, '5', '1'],
    [2, 'A', '2'],
  ]);
  t.is(s.acceptor.session('TW1')!.connectionId, 2);
});

// ---------------------------------------------------------------- failed-logon slowing

test('failed logons from one address are slowed: delay * 2^(n-1) capped at maxDelayMs, driven by tick(); success clears', (t) => {
  const s = setup(new TestDirectory(settingsFor('TW1')), { failedLogon: { delayMs: 1000, maxDelayMs: 3500 } });
  s.directory.verdict = (a) => (a.password === 'good' ? undefined : 'Invalid username or password');
  let id = 0;
  /** One attempt from `addr` at the current time; returns the delay until admission ran (via tick). */
  const attempt = (password: string, addr = ADDR_A): number => {
    const cid = ++id;
    const calls = s.directory.admitCalls.length;
    const start = s.clock.t;
    s.logon(cid, { addr, extra: `554=${password}|` });
    while (s.directory.admitCalls.length === calls) {
      t.deepEqual(s.transport.sent, [], 'nothing answered while slowed');
      s.clock.t += 1;
      s.acceptor.tick();
      if (s.clock.t - start > 60_000) throw new Error('admission never ran');
    }
    t.is(s.directory.admitCalls.at(-1)!.atMs, s.clock.t, 'admission sees the time it ran');
    const out = s.transport.take();
    t.is(out.length, 1);
    const delay = s.clock.t - start;
    if (out[0]!.fields.get('35') === '5') s.acceptor.onDisconnected(cid);
    s.clock.t += 10;
    return delay;
  };
  t.is(attempt('bad'), 0, 'the first failure is not delayed');
  t.is(attempt('bad'), 1000, 'after 1 failure: delayMs');
  t.is(attempt('bad'), 2000, 'after 2: 2 * delayMs');
  t.is(attempt('bad'), 3500, 'after 3: 4 * delayMs capped at maxDelayMs');
  t.is(attempt('bad'), 3500);
  t.is(attempt('bad', ADDR_B), 0, 'another address is not slowed');
  t.is(attempt('good'), 3500, 'a good password still waits its turn');
  // Success cleared the record: the next attempt is immediate, and a new failure starts again at delayMs.
  s.acceptor.onDisconnected(id);
  t.is(attempt('bad'), 0);
  t.is(attempt('bad'), 1000);
});

test('failed-logon slowing: the tick just before the due time does not admit; held messages follow the Logon', (t) => {
  const s = setup(new TestDirectory(settingsFor('TW1')), { failedLogon: { delayMs: 500, maxDelayMs: 30_000 } });
  s.directory.verdict = (a) => (a.password === 'good' ? undefined : 'no');
  s.logon(1, { extra: '554=bad|' });
  s.transport.take();
  s.acceptor.onDisconnected(1);
  s.clock.t += 100;
  s.logon(2, { extra: '554=good|' });
  s.feed(2, '8=FIX.4.4|35=1|34=2|49=TW1|52=<TIME>|56=CCP|112=HELD|');
  s.clock.t += 499;
  s.acceptor.tick();
  t.deepEqual(s.transport.sent, []);
  t.is(s.directory.admitCalls.length, 1);
  s.clock.t += 1;
  s.acceptor.tick();
  t.is(s.directory.admitCalls.length, 2);
  const out = s.transport.take();
  // Our 1 went to the refusal's Logout (stored): the Logon answer is 2.
  t.deepEqual(summary(out), [
    [2, 'A', '2'],
    [2, '0', '3'],
  ]);
  t.is(out[1]!.fields.get('112'), 'HELD');
});

// BUG (src/session/session.ts onFirstMessage(), ~line 528-532): the delay is computed per connection
// from the failure count at arrival, so N connections opened together from one address after a failure
// are all admitted at the same instant (+delayMs): the slowing bounds guesses per delay only per
// connection, not per address, and a parallel guesser is not slowed at all. Expected: attempts from
// one address are admitted one after another, each after the previous one's verdict plus the delay.
test('failed-logon slowing holds for concurrent attempts from one address', (t) => {
  const s = setup(new TestDirectory(settingsFor('TW1'), settingsFor('TW2'), settingsFor('TW3')), { failedLogon: { delayMs: 1000, maxDelayMs: 30_000 } });
  s.directory.verdict = () => 'no';
  s.logon(1);
  s.acceptor.onDisconnected(1);
  s.logon(2, { target: 'TW2' });
  s.logon(3, { target: 'TW3' });
  s.clock.t += 1000;
  s.acceptor.tick();
  const times = s.directory.admitCalls.map((c) => c.atMs);
  t.is(times.length, 2, 'only one of the two waiting attempts is admitted at T0 + delayMs');
});

test('failed-logon slowing: a failure older than 15 minutes no longer counts', (t) => {
  const s = setup(new TestDirectory(settingsFor('TW1')), { failedLogon: { delayMs: 1000, maxDelayMs: 30_000 } });
  s.directory.verdict = () => 'no';
  s.logon(1);
  s.acceptor.onDisconnected(1);
  s.clock.t += 15 * 60_000;
  s.logon(2);
  t.is(s.directory.admitCalls.length, 2, 'admitted at once');
});

test('the default slowing (no failedLogon given) is 500 ms after one failure', (t) => {
  const s = setup(new TestDirectory(settingsFor('TW1')));
  s.directory.verdict = () => 'no';
  s.logon(1);
  s.acceptor.onDisconnected(1);
  s.logon(2);
  t.is(s.directory.admitCalls.length, 1);
  s.clock.t += 499;
  s.acceptor.tick();
  t.is(s.directory.admitCalls.length, 1);
  s.clock.t += 1;
  s.acceptor.tick();
  t.is(s.directory.admitCalls.length, 2);
});

// ---------------------------------------------------------------- heartbeat range, schedule, reset

test('HeartBtInt outside SessionSettings.heartbeat is refused with the range in the text; admit() is not asked', (t) => {
  const s = setup(new TestDirectory(settingsFor('TW1', { heartbeat: { minSeconds: 5, maxSeconds: 60 } })), { failedLogon: { delayMs: 0, maxDelayMs: 0 } });
  s.logon(1, { hb: 4 });
  const [lo] = s.transport.take();
  t.is(lo?.fields.get('35'), '5');
  t.is(lo?.fields.get('58'), 'HeartBtInt must be between 5 and 60 seconds');
  t.is(s.directory.admitCalls.length, 0);
  s.acceptor.onDisconnected(1);
  t.is(s.logouts()[0]?.reason, LogoutReason.ProtocolError, "not a credential failure: journaled as ProtocolError, not slowed");
  s.logon(2, { hb: 61, seq: 1 });
  t.is(s.transport.take()[0]?.fields.get('58'), 'HeartBtInt must be between 5 and 60 seconds');
  s.acceptor.onDisconnected(2);
  s.logon(3, { hb: 60 });
  const [ok] = s.transport.take();
  t.is(ok?.fields.get('35'), 'A');
  t.is(ok?.fields.get('108'), '60');
  s.acceptor.onDisconnected(3);
  s.logon(4, { hb: 5, seq: 2 });
  t.is(s.transport.take()[0]?.fields.get('35'), 'A');
});

test('schedule closed: Logon refused "Logon outside the session schedule" without asking admit()', (t) => {
  const s = setup(new TestDirectory(settingsFor('TW1')), { failedLogon: { delayMs: 0, maxDelayMs: 0 } });
  const opens = T0 + 3_600_000;
  s.directory.open = (_st, now) => now >= opens;
  s.logon(1);
  const [lo] = s.transport.take();
  t.is(lo?.fields.get('35'), '5');
  t.is(lo?.fields.get('58'), 'Logon outside the session schedule');
  t.deepEqual(s.transport.disconnected, [1]);
  t.is(s.directory.admitCalls.length, 0);
  t.is(s.store.inbound, 0);
  s.acceptor.onDisconnected(1);
  t.is(s.logouts()[0]?.reason, LogoutReason.ProtocolError, "not a credential failure: journaled as ProtocolError, not slowed");
  s.clock.t = opens;
  s.logon(2);
  t.is(s.transport.take()[0]?.fields.get('35'), 'A');
});

test('schedule closing on a live session: tick() logs it out (AdminRequest); the Logout answer closes', (t) => {
  const s = setup(new TestDirectory(settingsFor('TW1')));
  const closes = T0 + 3_600_000;
  s.directory.open = (_st, now) => now < closes;
  s.logon(1);
  s.transport.take();
  s.clock.t = closes - 1;
  s.feed(1, '8=FIX.4.4|35=0|34=2|49=TW1|52=<TIME>|56=CCP|');
  s.acceptor.tick();
  t.deepEqual(s.transport.take().map((m) => m.fields.get('35')), ['0'], 'still open: only our Heartbeat');
  s.clock.t = closes;
  s.acceptor.tick();
  const [lo] = s.transport.take();
  t.is(lo?.fields.get('35'), '5');
  t.is(lo?.fields.get('58'), 'End of the session schedule');
  t.deepEqual(s.transport.disconnected, []);
  s.acceptor.tick();
  t.deepEqual(s.transport.take(), [], 'one Logout only');
  s.feed(1, '8=FIX.4.4|35=5|34=3|49=TW1|52=<TIME>|56=CCP|');
  t.deepEqual(s.transport.take(), [], 'our Logout was already sent');
  t.deepEqual(s.transport.disconnected, [1]);
  s.acceptor.onDisconnected(1);
  t.deepEqual(s.logouts(), [{ kind: 'logout', sessionKey: KEY_TW1, reason: LogoutReason.AdminRequest, text: 'End of the session schedule' }]);
});

test('schedule closing and the peer not answering: disconnected after the logout timeout, still AdminRequest', (t) => {
  const s = setup(new TestDirectory(settingsFor('TW1')), { logoutTimeoutMs: 2000 });
  s.directory.open = (_st, now) => now < T0 + 1000;
  s.logon(1);
  s.transport.take();
  s.clock.t = T0 + 1000;
  s.acceptor.tick();
  t.is(s.transport.take()[0]?.fields.get('35'), '5');
  s.clock.t += 1999;
  s.acceptor.tick();
  t.deepEqual(s.transport.disconnected, []);
  s.clock.t += 1;
  s.acceptor.tick();
  t.deepEqual(s.transport.disconnected, [1]);
  s.acceptor.onDisconnected(1);
  t.is(s.logouts()[0]?.reason, LogoutReason.AdminRequest);
});

test('resetDue: sequences reset at logon when due (given the last reset time), kept when not', (t) => {
  const s = setup(new TestDirectory(settingsFor('TW1')));
  s.clock.t = T0 - 86_400_000;
  s.store.reset(KEY_TW1, 5, 7); // yesterday
  s.clock.t = T0;
  s.directory.due = () => false;
  s.logon(1, { seq: 1 });
  t.deepEqual(summary(s.transport.take()), [
    [1, 'A', '5'],
    [1, '5', '6'],
  ], 'not due: stored sequences, and 1 is too low against 7');
  t.deepEqual(s.directory.resetDueCalls, [[T0 - 86_400_000, T0]]);
  s.acceptor.onDisconnected(1);
  t.is(s.logouts()[0]?.reason, LogoutReason.SequenceTooLow, 'not due: 1 is too low against 7');

  s.directory.due = (_st, last, now) => last < now - 3_600_000;
  s.clock.t = T0 + 60_000;
  s.logon(2, { seq: 1 });
  const out = s.transport.take();
  t.deepEqual(summary(out), [[2, 'A', '1']]);
  t.is(s.store.lastResetMs(KEY_TW1), T0 + 60_000);
  t.deepEqual(s.store.recover(KEY_TW1), { nextSenderSeq: 2, nextTargetSeq: 2 });
  t.is(s.store.events.filter((e) => e.kind === 'logon').at(-1)?.kind, 'logon');
  const rec = s.store.events.filter((e) => e.kind === 'logon').at(-1);
  if (rec?.kind === 'logon') {
    t.is(rec.logon.nextSenderSeq, 1);
    t.is(rec.logon.nextTargetSeq, 1);
  }
});

test('SequenceTooLow on Logon: Logon answered, then Logout with the expected number; SessionLogout SequenceTooLow', (t) => {
  const s = setup(new TestDirectory(settingsFor('TW1')));
  s.store.reset(KEY_TW1, 3, 9);
  s.logon(1, { seq: 4 });
  const out = s.transport.take();
  t.deepEqual(summary(out), [
    [1, 'A', '3'],
    [1, '5', '4'],
  ]);
  t.is(out[1]!.fields.get('58'), 'MsgSeqNum too low, expecting 9 but received 4');
  t.deepEqual(s.transport.disconnected, [1]);
  s.acceptor.onDisconnected(1);
  t.deepEqual(s.logouts(), [{ kind: 'logout', sessionKey: KEY_TW1, reason: LogoutReason.SequenceTooLow, text: 'MsgSeqNum too low, expecting 9 but received 4' }]);
});

// ---------------------------------------------------------------- throttle

const ORDER = (begin: string, seq: number): string => `8=${begin}|35=D|34=${seq}|49=TW1|52=<TIME>|56=CCP|11=O${seq}|21=1|38=10|40=1|54=1|55=X|60=<TIME>|`;

for (const [begin, reason] of [
  ['FIXT.1.1', '8'],
  ['FIX.4.4', '0'],
] as const) {
  test(`throttle on ${begin}: burst, then messagesPerSecond; over it BusinessMessageReject 380=${reason}, consumed, app not called`, (t) => {
    const st = settingsFor('TW1', { beginString: begin, throttle: { messagesPerSecond: 2, burst: 3 }, ...(begin === 'FIXT.1.1' ? { defaultApplVerId: '9' } : {}) });
    const s = setup(new TestDirectory(st));
    const key = SessionAcceptor.keyOf(st);
    s.logon(1, { begin });
    t.is(s.transport.take()[0]?.fields.get('35'), 'A');
    let seq = 2;
    for (let i = 0; i < 3; i++) s.feed(1, ORDER(begin, seq++));
    t.deepEqual(s.transport.take(), [], 'the burst passes');
    t.deepEqual(s.app.got.map((g) => g[1]), [2, 3, 4]);
    s.feed(1, ORDER(begin, seq++));
    const [j] = s.transport.take();
    t.is(j?.fields.get('35'), 'j');
    t.is(j?.fields.get('380'), reason);
    t.is(j?.fields.get('45'), '5');
    t.is(j?.fields.get('372'), 'D');
    t.is(j?.fields.get('58'), 'Throttle limit exceeded');
    t.is(j?.fields.get('1137'), begin === 'FIXT.1.1' ? '9' : undefined);
    t.deepEqual(s.app.got.map((g) => g[1]), [2, 3, 4], 'the throttled message did not reach the application');
    t.is(s.acceptor.session('TW1')!.nextTargetSeq, 6, 'the throttled message consumed its MsgSeqNum');
    t.is(s.store.recover(key).nextTargetSeq, 6);
    // 2 per second: after 499 ms no token, after 500 ms one.
    s.clock.t += 499;
    s.feed(1, ORDER(begin, seq++));
    t.is(s.transport.take()[0]?.fields.get('35'), 'j');
    s.clock.t += 1;
    s.feed(1, ORDER(begin, seq++));
    t.deepEqual(s.transport.take(), []);
    t.deepEqual(s.app.got.map((g) => g[1]), [2, 3, 4, 7]);
    // The bucket never holds more than the burst, however long the pause.
    s.clock.t += 60_000;
    for (let i = 0; i < 4; i++) s.feed(1, ORDER(begin, seq++));
    const out = s.transport.take();
    t.deepEqual(out.map((m) => m.fields.get('35')), ['j']);
    t.is(out[0]?.fields.get('45'), String(seq - 1));
    t.is(s.app.got.length, 7);
    // Admin messages are not throttled.
    s.feed(1, `8=${begin}|35=1|34=${seq++}|49=TW1|52=<TIME>|56=CCP|112=T|`);
    t.is(s.transport.take()[0]?.fields.get('35'), '0');
  });
}

// ---------------------------------------------------------------- counterparty SequenceReset

test('SequenceReset-GapFill from the counterparty is recorded with setNextTarget: recovery expects the new number', (t) => {
  const s = setup(new TestDirectory(settingsFor('TW1')));
  s.logon(1);
  s.transport.take();
  s.feed(1, '8=FIX.4.4|35=4|34=2|49=TW1|52=<TIME>|56=CCP|123=Y|36=10|');
  t.deepEqual(s.transport.take(), []);
  t.is(s.acceptor.session('TW1')!.nextTargetSeq, 10);
  t.deepEqual(
    s.store.events.filter((e) => e.kind === 'next-target'),
    [{ kind: 'next-target', sessionKey: KEY_TW1, newSeqNo: 10, gapFill: true }],
  );
  t.is(s.store.recover(KEY_TW1).nextTargetSeq, 10);
  s.acceptor.onDisconnected(1);
  // Reconnect: 10 is expected, no ResendRequest for 3..9.
  s.logon(2, { seq: 10 });
  t.deepEqual(summary(s.transport.take()), [[2, 'A', '2']]);
  t.is(s.acceptor.session('TW1')!.nextTargetSeq, 11);
});

test('SequenceReset-Reset from the counterparty is recorded with setNextTarget (gapFill false), whatever its MsgSeqNum', (t) => {
  const s = setup(new TestDirectory(settingsFor('TW1')));
  s.logon(1);
  s.transport.take();
  s.feed(1, '8=FIX.4.4|35=4|34=99|49=TW1|52=<TIME>|56=CCP|36=20|');
  t.deepEqual(s.transport.take(), []);
  t.is(s.acceptor.session('TW1')!.nextTargetSeq, 20);
  t.deepEqual(
    s.store.events.filter((e) => e.kind === 'next-target'),
    [{ kind: 'next-target', sessionKey: KEY_TW1, newSeqNo: 20, gapFill: false }],
  );
  t.is(s.store.recover(KEY_TW1).nextTargetSeq, 20);
  s.acceptor.onDisconnected(1);
  s.logon(2, { seq: 21 });
  const out = s.transport.take();
  t.deepEqual(out.map((m) => m.fields.get('35')), ['A', '2'], 'one ahead of 20: a ResendRequest for 20');
  t.is(out[1]?.fields.get('7'), '20');
});

test('a SequenceReset lowering the number is rejected (373=5, 371=36) and not recorded', (t) => {
  const s = setup(new TestDirectory(settingsFor('TW1')));
  s.logon(1);
  s.transport.take();
  s.feed(1, '8=FIX.4.4|35=0|34=2|49=TW1|52=<TIME>|56=CCP|');
  s.feed(1, '8=FIX.4.4|35=4|34=3|49=TW1|52=<TIME>|56=CCP|36=2|');
  const [r] = s.transport.take();
  t.is(r?.fields.get('35'), '3');
  t.is(r?.fields.get('371'), '36');
  t.is(r?.fields.get('373'), '5');
  t.deepEqual(s.store.events.filter((e) => e.kind === 'next-target'), []);
  t.is(s.store.recover(KEY_TW1).nextTargetSeq, 3);
});

// ---------------------------------------------------------------- session events

test('SessionLogon is recorded on logon with connection, HeartBtInt, sequences, CompIDs and member', (t) => {
  const st = settingsFor('TW1', { member: 'MEMBER1' });
  const s = setup(new TestDirectory(st));
  s.store.reset(KEY_TW1, 4, 6);
  s.logon(7, { seq: 6, hb: 20 });
  t.deepEqual(summary(s.transport.take()), [[7, 'A', '4']]);
  t.deepEqual(s.store.events, [
    {
      kind: 'logon',
      sessionKey: KEY_TW1,
      logon: { connectionId: 7, heartBtInt: 20, nextSenderSeq: 4, nextTargetSeq: 6, beginString: 'FIX.4.4', theirCompId: 'TW1', ourCompId: 'CCP', member: 'MEMBER1' },
    },
  ]);
});

test('SessionLogout reason Normal on the counterparty\'s Logout, with its text', (t) => {
  const s = setup(new TestDirectory(settingsFor('TW1')));
  s.logon(1);
  s.transport.take();
  s.feed(1, '8=FIX.4.4|35=5|34=2|49=TW1|52=<TIME>|56=CCP|58=end of day|');
  const [lo] = s.transport.take();
  t.is(lo?.fields.get('35'), '5');
  t.deepEqual(s.transport.disconnected, [1]);
  s.acceptor.onDisconnected(1);
  t.deepEqual(s.logouts(), [{ kind: 'logout', sessionKey: KEY_TW1, reason: LogoutReason.Normal, text: 'end of day' }]);
});

test('SessionLogout reason HeartbeatTimeout after 2.4 x HeartBtInt of silence', (t) => {
  const s = setup(new TestDirectory(settingsFor('TW1')));
  s.logon(1, { hb: 10 });
  s.transport.take();
  s.clock.t = T0 + 12_000;
  s.acceptor.tick();
  t.is(s.transport.take()[0]?.fields.get('35'), '1');
  s.clock.t = T0 + 24_000;
  s.acceptor.tick();
  t.deepEqual(s.transport.disconnected, [1]);
  s.acceptor.onDisconnected(1);
  t.deepEqual(s.logouts(), [{ kind: 'logout', sessionKey: KEY_TW1, reason: LogoutReason.HeartbeatTimeout, text: 'No message for 24 s (HeartBtInt 10 s)' }]);
});

test('SessionLogout reason SequenceTooLow on a too-low MsgSeqNum after logon', (t) => {
  const s = setup(new TestDirectory(settingsFor('TW1')));
  s.logon(1);
  s.feed(1, '8=FIX.4.4|35=0|34=2|49=TW1|52=<TIME>|56=CCP|');
  s.transport.take();
  s.feed(1, '8=FIX.4.4|35=0|34=2|49=TW1|52=<TIME>|56=CCP|');
  t.is(s.transport.take()[0]?.fields.get('58'), 'MsgSeqNum too low, expecting 3 but received 2');
  s.acceptor.onDisconnected(1);
  t.deepEqual(s.logouts(), [{ kind: 'logout', sessionKey: KEY_TW1, reason: LogoutReason.SequenceTooLow, text: 'MsgSeqNum too low, expecting 3 but received 2' }]);
});

test('SessionLogout reason TransportClosed when the connection drops; exactly one event per connection', (t) => {
  const s = setup(new TestDirectory(settingsFor('TW1')));
  s.logon(1);
  s.acceptor.onDisconnected(1);
  s.acceptor.onDisconnected(1);
  s.acceptor.onError(1);
  t.deepEqual(s.logouts(), [{ kind: 'logout', sessionKey: KEY_TW1, reason: LogoutReason.TransportClosed, text: '' }]);
  // The session can log on again afterwards (it continues its sequences).
  s.logon(2, { seq: 2 });
  t.deepEqual(summary(s.transport.take()), [
    [1, 'A', '1'],
    [2, 'A', '2'],
  ]);
});
