/**
 * The allocation-free application path (SessionAcceptor.beginApp / AppMessageBuilder) and the held
 * replies queue: same wire bytes as sendApp, field formats, misuse errors, and replies released strictly
 * in order once durable with one durability registration at a time.
 */
import test from 'ava';
import { GatewayError } from '../../src/codec/errors.js';
import { FixFramer, type FixSink } from '../../src/fix/framer.js';
import type { FixMessage } from '../../src/fix/message.js';
import { formatUtcTimestamp } from '../../src/session/builder.js';
import { MemorySessionStore } from '../../src/session/memory-store.js';
import { Reparser } from '../../src/session/reparse.js';
import { type InboundApp, type OutField, SessionAcceptor, SessionErrorCode, openDirectory } from '../../src/session/session.js';
import type { LogonRecord, LogoutReason, SessionSequenceState, SessionStore } from '../../src/session/store.js';
import type { ConnectionInfo } from '../../src/transport/transport.js';
import { completeMessage } from '../conformance/def.js';
import { FakeTransport } from './fake-transport.js';

const T0 = Date.UTC(2026, 0, 5, 9, 0, 0);
const INFO: ConnectionInfo = { remoteAddress: '127.0.0.1', remotePort: 1, localPort: 2, tls: false, tlsSubject: '' };

/** A MemorySessionStore whose durability the test moves by hand (as a journal's group commit would). */
class HeldStore implements SessionStore {
  readonly inner = new MemorySessionStore(() => T0, false);
  durable = 0;
  registrations = 0;
  private readonly waits: { pos: number; cb: () => void }[] = [];
  recover(key: string): SessionSequenceState {
    return this.inner.recover(key);
  }
  lastResetMs(key: string): number {
    return this.inner.lastResetMs(key);
  }
  appendInbound(key: string, seq: number, msgType: string, raw: Uint8Array, off: number, len: number): number {
    return this.inner.appendInbound(key, seq, msgType, raw, off, len);
  }
  appendOutbound(key: string, seq: number, msgType: string, raw: Uint8Array, off: number, len: number, cause: number): number {
    return this.inner.appendOutbound(key, seq, msgType, raw, off, len, cause);
  }
  forEachOutbound(key: string, from: number, to: number, visit: (seq: number, raw: Uint8Array, off: number, len: number) => void): void {
    this.inner.forEachOutbound(key, from, to, visit);
  }
  reset(key: string, s: number, t: number): number {
    return this.inner.reset(key, s, t);
  }
  setNextTarget(key: string, n: number, g: boolean): number {
    return this.inner.setNextTarget(key, n, g);
  }
  recordLogon(key: string, l: LogonRecord): number {
    return this.inner.recordLogon(key, l);
  }
  recordLogout(key: string, r: LogoutReason, text: string): number {
    return this.inner.recordLogout(key, r, text);
  }
  takeUnanswered(): void {}
  durablePosition(): number {
    return this.durable;
  }
  onDurable(pos: number, cb: () => void): void {
    this.registrations++;
    if (pos <= this.durable) cb();
    else this.waits.push({ pos, cb });
  }
  /** Everything up to `pos` is durable now: fire the callbacks that waited for it, in order. */
  advance(pos: number): void {
    this.durable = Math.max(this.durable, pos);
    const due = this.waits.filter((w) => w.pos <= this.durable);
    this.waits.splice(0, this.waits.length, ...this.waits.filter((w) => w.pos > this.durable));
    for (const w of due) w.cb();
  }
  get waiting(): number {
    return this.waits.length;
  }
  lastPosition(): number {
    return this.inner.durablePosition();
  }
}

function setup(onApp: (acceptor: SessionAcceptor, app: InboundApp) => void, store: SessionStore = new MemorySessionStore()) {
  const clock = { t: T0 };
  const transport = new FakeTransport();
  const reparser = new Reparser();
  let ref: SessionAcceptor | undefined;
  const acceptor = new SessionAcceptor(
    { directory: openDirectory({ beginString: 'FIX.4.4', senderCompId: 'ISLD', acceptTarget: (t) => t.startsWith('TW'), resetOnLogon: true }) },
    store,
    { now: () => clock.t },
    {
      onAppMessage: (app) => {
        onApp(ref!, app);
        return true;
      },
    },
    (b, v) => reparser.run(b, v),
  );
  ref = acceptor;
  acceptor.transport = transport;
  const framer = new FixFramer({ maxMessageBytes: 65536, maxFields: 1024 });
  const sink: FixSink = { onMessage: (m: FixMessage) => acceptor.onMessage(1, m), onGarbled: () => acceptor.onGarbled() };
  const feed = (msg: string): void => {
    const text = completeMessage(msg.replaceAll('|', '\x01').replaceAll('<TIME>', formatUtcTimestamp(clock.t)));
    framer.push(new Uint8Array(Buffer.from(text, 'latin1')), sink);
  };
  acceptor.onConnected(1, INFO);
  feed('8=FIX.4.4|35=A|34=1|49=TW1|52=<TIME>|56=ISLD|98=0|108=30|');
  transport.take();
  return { clock, transport, acceptor, feed };
}

const nos = (seq: number, extra = ''): string => `8=FIX.4.4|35=D|34=${seq}|49=TW1|52=<TIME>|56=ISLD|11=ORD${seq}|21=1|38=100|40=2|44=10.25|54=1|55=ABC|60=<TIME>|${extra}`;

test('beginApp writes exactly the bytes sendApp writes for the same fields', (t) => {
  const viaBuilder = setup((a, app) => {
    const m = app.message;
    a.beginApp(app.session, '8')
      .bytesFrom(37, m, 11)
      .bytesFrom(11, m, 11)
      .int(17, 1234567890123)
      .char(150, '0')
      .str(39, '0')
      .bytesFrom(55, m, 55)
      .bytesFrom(54, m, 54)
      .fixed(38, 1_000_000, -4)
      .fixed(44, 10_250_000_000, -9)
      .fixed(151, -15, -1)
      .int(14, 0)
      .fixed(6, 0, -9)
      .send(app.position);
  });
  const viaFields = setup((a, app) => {
    const f: OutField[] = [
      ['37', `ORD${app.message.getInt(34)}`],
      ['11', `ORD${app.message.getInt(34)}`],
      ['17', '1234567890123'],
      ['150', '0'],
      ['39', '0'],
      ['55', 'ABC'],
      ['54', '1'],
      ['38', '100'],
      ['44', '10.25'],
      ['151', '-1.5'],
      ['14', '0'],
      ['6', '0'],
    ];
    a.sendApp(app.session, '8', f, app.position);
  });
  for (let seq = 2; seq <= 4; seq++) {
    viaBuilder.clock.t += 1234; // a new SendingTime for each: the byte stamp cache is refreshed
    viaFields.clock.t += 1234;
    viaBuilder.feed(nos(seq));
    viaFields.feed(nos(seq));
  }
  const a = viaBuilder.transport.take().map((s) => s.text);
  const b = viaFields.transport.take().map((s) => s.text);
  t.is(a.length, 3);
  t.deepEqual(a, b);
  t.true(a[2]!.includes('\x0134=4\x0149=ISLD\x0152=20260105-09:00:03.702\x0156=TW1\x01'));
  t.is(viaBuilder.acceptor.session('TW1')!.nextSenderSeq, 5);
});

test('field formats: fixed drops trailing zeros, bytesFrom omits an absent field, values are checked', (t) => {
  const errors: unknown[] = [];
  const s = setup((a, app) => {
    const b = a.beginApp(app.session, '8')
      .fixed(1, 1025, -2)
      .fixed(2, 5, -3)
      .fixed(3, 1000, -2)
      .fixed(4, 12, 2)
      .fixed(5, -7, 0)
      .int(6, -42)
      .bytesFrom(7, app.message, 9999)
      .bytes(8, new Uint8Array([0x41, 0x42]), 0, 2);
    for (const bad of [() => b.int(9, 1.5), () => b.int(9, Number.NaN), () => b.fixed(9, 1.5, -2), () => b.fixed(9, 1, -65), () => b.char(9, 'AB')]) {
      try {
        bad();
      } catch (e) {
        errors.push(e);
      }
    }
    b.send(app.position);
  });
  s.feed(nos(2));
  const [reply] = s.transport.take();
  t.truthy(reply);
  t.true(reply!.text.includes('\x011=10.25\x012=0.005\x013=10\x014=1200\x015=-7\x016=-42\x018=AB\x0110='), reply!.text);
  t.false(reply!.fields.has('7'));
  t.is(errors.length, 5);
  for (const e of errors) t.is((e as GatewayError).code, SessionErrorCode.SESSION_FIELD_VALUE);
});

test('misuse: send() without beginApp, or after another message went out on the session, throws SESSION_BUILDER_STALE', (t) => {
  let stale: unknown;
  let twice: unknown;
  const s = setup((a, app) => {
    const b = a.beginApp(app.session, '8').str(58, 'first');
    a.sendApp(app.session, 'j', [['58', 'in between']], -1);
    try {
      b.send(app.position);
    } catch (e) {
      stale = e;
    }
    try {
      b.send(app.position);
    } catch (e) {
      twice = e;
    }
    a.beginApp(app.session, '8').str(58, 'second').send(app.position);
  });
  s.feed(nos(2));
  t.is((stale as GatewayError).code, SessionErrorCode.SESSION_BUILDER_STALE);
  t.is((twice as GatewayError).code, SessionErrorCode.SESSION_BUILDER_STALE);
  const sent = s.transport.take();
  t.deepEqual(
    sent.map((m) => [m.fields.get('35'), m.fields.get('34'), m.fields.get('58')]),
    [
      ['j', '2', 'in between'],
      ['8', '3', 'second'],
    ],
  );
});

test('held replies: released in order once durable, one durability registration outstanding at a time', (t) => {
  const store = new HeldStore();
  const positions: number[] = [];
  const s = setup((a, app) => void positions.push(a.beginApp(app.session, '8').bytesFrom(11, app.message, 11).send(app.position)), store);
  store.advance(store.lastPosition()); // the Logon exchange
  t.deepEqual(s.transport.take().map((m) => m.fields.get('35')), ['A']);
  const before = store.registrations;
  for (let seq = 2; seq <= 6; seq++) s.feed(nos(seq));
  t.is(s.transport.take().length, 0, 'nothing leaves before it is durable');
  t.is(store.registrations - before, 1, 'one registration for five held replies');
  const session = s.acceptor.session('TW1')!;
  t.is(session.pending.length, 5);
  // Durable up to the third reply's record: the first three leave, the rest wait (one new registration).
  t.is(positions.length, 5);
  store.advance(positions[2]!);
  const first = s.transport.take();
  t.deepEqual(first.map((m) => m.fields.get('11')), ['ORD2', 'ORD3', 'ORD4']);
  t.is(store.registrations - before, 2);
  t.is(store.waiting, 1);
  // A message arriving meanwhile is held behind the others, even if its own record were durable.
  s.feed(nos(7));
  t.is(s.transport.take().length, 0);
  store.advance(store.lastPosition());
  t.deepEqual(s.transport.take().map((m) => m.fields.get('11')), ['ORD5', 'ORD6', 'ORD7']);
  t.is(session.pending.length, 0);
  t.is(store.waiting, 0);
  // Idle again: the next reply registers once more and leaves when durable.
  s.feed(nos(8));
  t.is(s.transport.take().length, 0);
  store.advance(store.lastPosition());
  t.deepEqual(s.transport.take().map((m) => m.fields.get('11')), ['ORD8']);
});

test('a Logout held behind replies goes out after them, then the connection closes', (t) => {
  const store = new HeldStore();
  const s = setup((a, app) => void a.beginApp(app.session, '8').bytesFrom(11, app.message, 11).send(app.position), store);
  store.advance(store.lastPosition());
  t.deepEqual(s.transport.take().map((m) => m.fields.get('35')), ['A']);
  s.feed(nos(2));
  s.feed(nos(3));
  s.feed('8=FIX.4.4|35=5|34=4|49=TW1|52=<TIME>|56=ISLD|');
  t.is(s.transport.take().length, 0);
  t.deepEqual(s.transport.disconnected, []);
  store.advance(store.lastPosition());
  const out = s.transport.take();
  t.deepEqual(out.map((m) => m.fields.get('35')), ['8', '8', '5']);
  t.deepEqual(s.transport.disconnected, [1]);
});

test('large held replies (past the queue buffer) and many of them keep their bytes and order', (t) => {
  const store = new HeldStore();
  const big = 'x'.repeat(40_000);
  let n = 0;
  const s = setup((a, app) => {
    n++;
    a.beginApp(app.session, '8').bytesFrom(11, app.message, 11).str(58, n % 7 === 0 ? big : `short ${n}`).send(app.position);
  }, store);
  store.advance(store.lastPosition());
  t.deepEqual(s.transport.take().map((m) => m.fields.get('35')), ['A']);
  for (let seq = 2; seq < 150; seq++) s.feed(nos(seq));
  t.is(s.acceptor.session('TW1')!.pending.length, 148);
  store.advance(store.lastPosition());
  const out = s.transport.take();
  t.is(out.length, 148);
  out.forEach((m, i) => {
    t.is(m.fields.get('11'), `ORD${i + 2}`);
    t.is(m.fields.get('58'), (i + 1) % 7 === 0 ? big : `short ${i + 1}`);
  });
});
