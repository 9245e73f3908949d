/**
 * The session state machine, deterministic: a fake transport records what is sent, inbound bytes go
 * through the real TS framer, the clock is a number the test moves, and tick() is called by hand.
 */
import test from 'ava';
import { FixFramer, type FixSink } from '../../src/fix/framer.js';
import type { FixMessage } from '../../src/fix/message.js';
import { FixBuilder, formatUtcTimestamp, parseUtcTimestamp } from '../../src/session/builder.js';
import { MemorySessionStore } from '../../src/session/memory-store.js';
import { Reparser } from '../../src/session/reparse.js';
import { collectFields, type InboundApp, SessionAcceptor, type SessionApplication, openDirectory } from '../../src/session/session.js';
import type { ConnectionInfo } from '../../src/transport/transport.js';
import { completeMessage } from '../conformance/def.js';
import { FakeTransport } from './fake-transport.js';

const T0 = Date.UTC(2026, 0, 5, 9, 0, 0);
const INFO: ConnectionInfo = { remoteAddress: '127.0.0.1', remotePort: 1, localPort: 2, tls: false, tlsSubject: '' };


class Echo implements SessionApplication {
  constructor(private readonly acceptor: () => SessionAcceptor) {}
  onAppMessage(app: InboundApp): boolean {
    if (app.msgType !== 'D') return false;
    const f = collectFields(app.message, undefined, true);
    this.acceptor().sendApp(app.session, 'D', [...f.header, ...f.body], -1);
    return true;
  }
}

function setup(beginString = 'FIX.4.4') {
  const clock = { t: T0 };
  const transport = new FakeTransport();
  const reparser = new Reparser();
  let ref: SessionAcceptor | undefined;
  const acceptor = new SessionAcceptor(
    { directory: openDirectory({ beginString, senderCompId: 'ISLD', acceptTarget: (t) => t.startsWith('TW'), resetOnLogon: true, defaultApplVerId: '9' }) },
    new MemorySessionStore(),
    { now: () => clock.t },
    new Echo(() => ref!),
    (b, v) => reparser.run(b, v),
  );
  ref = acceptor;
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
  return { clock, transport, acceptor, feed };
}

function logon(s: ReturnType<typeof setup>, id = 1, target = 'TW1', hb = 30): void {
  s.acceptor.onConnected(id, INFO);
  s.feed(id, `8=FIX.4.4|35=A|34=1|49=${target}|52=<TIME>|56=ISLD|98=0|108=${hb}|`);
}

test('builder: BodyLength and CheckSum are right, header as given', (t) => {
  const b = new FixBuilder();
  const bytes = b.begin('FIX.4.4', '0').intField(34, 12).field(49, 'A').field(56, 'B').finish();
  const text = Buffer.from(bytes).toString('latin1');
  const body = text.slice(text.indexOf('\x0135=') + 1, text.lastIndexOf('10='));
  t.true(text.startsWith(`8=FIX.4.4\x019=${body.length}\x0135=0\x0134=12\x01`));
  let sum = 0;
  for (const ch of text.slice(0, text.lastIndexOf('10='))) sum += ch.charCodeAt(0);
  t.true(text.endsWith(`10=${String(sum % 256).padStart(3, '0')}\x01`));
  t.is(parseUtcTimestamp('20260105-09:00:00.123'), T0 + 123);
  t.true(Number.isNaN(parseUtcTimestamp('20261305-09:00:00')));
  t.is(parseUtcTimestamp('20260105-09:00:01'), T0 + 1000);
  t.is(parseUtcTimestamp('20260105-09:00:00.123456'), T0 + 123);
  t.true(Number.isNaN(parseUtcTimestamp('20260105-09:00:00.12')));
  t.true(Number.isNaN(parseUtcTimestamp('20260105 09:00:00')));
});

test('logon is answered with the counterparty heartbeat; TestRequest gets a Heartbeat with its id', (t) => {
  const s = setup();
  logon(s);
  const [reply] = s.transport.take();
  t.is(reply.fields.get('35'), 'A');
  t.is(reply.fields.get('34'), '1');
  t.is(reply.fields.get('49'), 'ISLD');
  t.is(reply.fields.get('56'), 'TW1');
  t.is(reply.fields.get('108'), '30');
  s.feed(1, '8=FIX.4.4|35=1|34=2|49=TW1|52=<TIME>|56=ISLD|112=X1|');
  const [hb] = s.transport.take();
  t.is(hb.fields.get('35'), '0');
  t.is(hb.fields.get('112'), 'X1');
  t.is(hb.fields.get('34'), '2');
});

test('timers: heartbeat after HeartBtInt, TestRequest after 1.2x silence, disconnect after 2.4x', (t) => {
  const s = setup();
  logon(s, 1, 'TW1', 10);
  s.transport.take();
  s.clock.t += 9_999;
  s.acceptor.tick();
  t.is(s.transport.take().length, 0);
  s.clock.t += 1;
  s.acceptor.tick();
  t.is(s.transport.take()[0]?.fields.get('35'), '0');
  s.clock.t = T0 + 12_000;
  s.acceptor.tick();
  const tr = s.transport.take()[0];
  t.is(tr?.fields.get('35'), '1');
  t.is(tr?.fields.get('112'), 'TEST');
  t.deepEqual(s.transport.disconnected, []);
  s.clock.t = T0 + 24_000;
  s.acceptor.tick();
  t.deepEqual(s.transport.disconnected, [1]);
});

test('a gap is asked for with ResendRequest; queued messages are processed after a GapFill', (t) => {
  const s = setup();
  logon(s);
  s.transport.take();
  s.feed(1, '8=FIX.4.4|35=1|34=4|49=TW1|52=<TIME>|56=ISLD|112=LATE|');
  const [rr] = s.transport.take();
  t.is(rr.fields.get('35'), '2');
  t.is(rr.fields.get('7'), '2');
  t.is(rr.fields.get('16'), '0');
  s.feed(1, '8=FIX.4.4|35=4|34=2|43=Y|49=TW1|52=<TIME>|122=<TIME>|56=ISLD|123=Y|36=4|');
  const [hb] = s.transport.take();
  t.is(hb.fields.get('35'), '0');
  t.is(hb.fields.get('112'), 'LATE');
  t.is(s.acceptor.session('TW1')?.nextTargetSeq, 5);
});

test('ResendRequest is served from the store: GapFill for admin messages, PossDup resend of app messages', (t) => {
  const s = setup();
  logon(s);
  s.feed(1, '8=FIX.4.4|35=D|34=2|49=TW1|52=<TIME>|56=ISLD|11=A1|21=1|40=1|54=1|55=X|60=<TIME>|');
  s.feed(1, '8=FIX.4.4|35=0|34=3|49=TW1|52=<TIME>|56=ISLD|');
  const first = s.transport.take();
  t.deepEqual(first.map((m) => m.fields.get('35')), ['A', 'D']);
  const origTime = first[1].fields.get('52');
  s.clock.t += 1000;
  s.feed(1, '8=FIX.4.4|35=2|34=4|49=TW1|52=<TIME>|56=ISLD|7=1|16=0|');
  const resent = s.transport.take();
  t.deepEqual(resent.map((m) => m.fields.get('35')), ['4', 'D']);
  t.is(resent[0].fields.get('34'), '1');
  t.is(resent[0].fields.get('36'), '2');
  t.is(resent[0].fields.get('123'), 'Y');
  t.is(resent[1].fields.get('34'), '2');
  t.is(resent[1].fields.get('43'), 'Y');
  t.is(resent[1].fields.get('122'), origTime);
  t.not(resent[1].fields.get('52'), origTime);
  t.is(resent[1].fields.get('11'), 'A1');
});

test('a second logon for a live session is refused; the live one continues', (t) => {
  const s = setup();
  logon(s, 1, 'TW1');
  s.transport.take();
  logon(s, 2, 'TW1');
  t.deepEqual(s.transport.disconnected, [2]);
  t.is(s.transport.take().length, 0);
  s.feed(1, '8=FIX.4.4|35=1|34=2|49=TW1|52=<TIME>|56=ISLD|112=STILL|');
  t.is(s.transport.take()[0].fields.get('112'), 'STILL');
  // another member on the same port is its own session
  logon(s, 3, 'TW2');
  t.is(s.transport.take()[0].id, 3);
});

test('a connection cannot act as another CompID: Reject 373=9, Logout, disconnect', (t) => {
  const s = setup();
  logon(s, 1, 'TW1');
  logon(s, 2, 'TW2');
  s.transport.take();
  s.feed(1, '8=FIX.4.4|35=D|34=2|49=TW2|52=<TIME>|56=ISLD|11=A1|21=1|40=1|54=1|55=X|60=<TIME>|');
  const out = s.transport.take();
  t.deepEqual(out.map((m) => [m.id, m.fields.get('35')]), [
    [1, '3'],
    [1, '5'],
  ]);
  t.is(out[0].fields.get('373'), '9');
  t.deepEqual(s.transport.disconnected, [1]);
  t.is(s.acceptor.session('TW2')?.connectionId, 2);
});

test('data dictionary: wrong enum, missing required field, bad format are rejected and consume the sequence number', (t) => {
  const s = setup();
  logon(s);
  s.transport.take();
  s.feed(1, '8=FIX.4.4|35=D|34=2|49=TW1|52=<TIME>|56=ISLD|11=A1|21=1|40=1|54=Z|55=X|60=<TIME>|');
  s.feed(1, '8=FIX.4.4|35=D|34=3|49=TW1|52=<TIME>|56=ISLD|21=1|40=1|54=1|55=X|60=<TIME>|');
  s.feed(1, '8=FIX.4.4|35=D|34=4|49=TW1|52=<TIME>|56=ISLD|11=A1|21=1|38=abc|40=1|54=1|55=X|60=<TIME>|');
  const out = s.transport.take();
  t.deepEqual(
    out.map((m) => [m.fields.get('35'), m.fields.get('45'), m.fields.get('371'), m.fields.get('372'), m.fields.get('373')]),
    [
      ['3', '2', '54', 'D', '5'],
      ['3', '3', '11', 'D', '1'],
      ['3', '4', '38', 'D', '6'],
    ],
  );
  t.is(s.acceptor.session('TW1')?.nextTargetSeq, 5);
});

test('unsupported application message: BusinessMessageReject; too-low MsgSeqNum: Logout with text', (t) => {
  const s = setup();
  logon(s);
  s.transport.take();
  s.feed(1, '8=FIX.4.4|35=8|34=2|49=TW1|52=<TIME>|56=ISLD|37=id|17=id|150=0|39=0|55=X|54=1|151=100|14=0|6=0|');
  const [bmr] = s.transport.take();
  t.is(bmr.fields.get('35'), 'j');
  t.is(bmr.fields.get('380'), '3');
  t.is(bmr.fields.get('372'), '8');
  s.feed(1, '8=FIX.4.4|35=0|34=2|49=TW1|52=<TIME>|56=ISLD|');
  const [lo] = s.transport.take();
  t.is(lo.fields.get('35'), '5');
  t.is(lo.fields.get('58'), 'MsgSeqNum too low, expecting 3 but received 2');
  t.deepEqual(s.transport.disconnected, [1]);
});

test('SendingTime out of the 120 s window: Reject 373=10 then Logout', (t) => {
  const s = setup();
  logon(s);
  s.transport.take();
  s.feed(1, `8=FIX.4.4|35=0|34=2|49=TW1|52=${formatUtcTimestamp(T0 - 121_000)}|56=ISLD|`);
  const out = s.transport.take();
  t.deepEqual(out.map((m) => m.fields.get('35')), ['3', '5']);
  t.is(out[0].fields.get('373'), '10');
});

test('FIXT.1.1: Logon carries DefaultApplVerID', (t) => {
  const s = setup('FIXT.1.1');
  s.acceptor.onConnected(1, INFO);
  s.feed(1, '8=FIXT.1.1|35=A|34=1|49=TW9|52=<TIME>|56=ISLD|98=0|108=30|1137=9|');
  const [r] = s.transport.take();
  t.is(r.fields.get('35'), 'A');
  t.is(r.fields.get('1137'), '9');
  t.true(r.text.startsWith('8=FIXT.1.1\x01'));
});

/** A store whose durability the test advances by hand (as a journal with group-commit fsync would). */
class SlowStore extends MemorySessionStore {
  durable = 0;
  private readonly waiting: { pos: number; cb: () => void }[] = [];
  override durablePosition(): number {
    return this.durable;
  }
  override onDurable(position: number, callback: () => void): void {
    this.waiting.push({ pos: position, cb: callback });
  }
  makeDurable(upTo: number): void {
    this.durable = upTo;
    for (const w of this.waiting.splice(0)) {
      if (w.pos <= upTo) w.cb();
      else this.waiting.push(w);
    }
  }
}

test('replies leave only once their store records are durable, in order; a Logout is flushed before the close', (t) => {
  const store = new SlowStore();
  const transport = new FakeTransport();
  const clock = { t: T0 };
  const reparser = new Reparser();
  const acceptor = new SessionAcceptor(
    { directory: openDirectory({ beginString: 'FIX.4.4', senderCompId: 'ISLD', acceptTarget: () => true, resetOnLogon: true }) },
    store,
    { now: () => clock.t },
    { onAppMessage: () => false },
    (b, v) => reparser.run(b, v),
  );
  acceptor.transport = transport;
  const framer = new FixFramer({ maxMessageBytes: 65536, maxFields: 1024 });
  const feed = (msg: string): void => {
    const text = completeMessage(msg.replaceAll('|', '\x01').replaceAll('<TIME>', formatUtcTimestamp(clock.t)));
    framer.push(new Uint8Array(Buffer.from(text, 'latin1')), { onMessage: (m) => acceptor.onMessage(1, m), onGarbled: () => {} });
  };
  acceptor.onConnected(1, INFO);
  feed('8=FIX.4.4|35=A|34=1|49=TW1|52=<TIME>|56=ISLD|98=0|108=30|');
  feed('8=FIX.4.4|35=1|34=2|49=TW1|52=<TIME>|56=ISLD|112=A|');
  t.is(transport.sent.length, 0, 'nothing leaves before durability');
  const posAfterLogon = store.durablePosition() + 100;
  store.makeDurable(3); // the reset, the SessionLogon record, the Logon response
  t.deepEqual(
    transport.take().map((m) => m.fields.get('35')),
    ['A'],
    'only the records durable so far',
  );
  feed('8=FIX.4.4|35=5|34=3|49=TW1|52=<TIME>|56=ISLD|');
  t.deepEqual(transport.disconnected, [], 'the close waits for the held Logout');
  store.makeDurable(posAfterLogon);
  t.deepEqual(
    transport.take().map((m) => m.fields.get('35')),
    ['0', '5'],
  );
  t.deepEqual(transport.disconnected, [1]);
});

test('NextExpectedMsgSeqNum (789): sent on the Logon response and honoured by resending what the peer missed', (t) => {
  const transport = new FakeTransport();
  const clock = { t: T0 };
  const reparser = new Reparser();
  let ref: SessionAcceptor | undefined;
  const acceptor = new SessionAcceptor(
    { directory: openDirectory({ beginString: 'FIX.4.4', senderCompId: 'ISLD', acceptTarget: () => true, resetOnLogon: false, nextExpectedMsgSeqNum: true }) },
    new MemorySessionStore(),
    { now: () => clock.t },
    new Echo(() => ref!),
    (b, v) => reparser.run(b, v),
  );
  ref = acceptor;
  acceptor.transport = transport;
  const framers = new Map<number, FixFramer>();
  const feed = (id: number, msg: string): void => {
    let f = framers.get(id);
    if (!f) framers.set(id, (f = new FixFramer({ maxMessageBytes: 65536, maxFields: 1024 })));
    const text = completeMessage(msg.replaceAll('|', '\x01').replaceAll('<TIME>', formatUtcTimestamp(clock.t)));
    f.push(new Uint8Array(Buffer.from(text, 'latin1')), { onMessage: (m) => acceptor.onMessage(id, m), onGarbled: () => {} });
  };
  acceptor.onConnected(1, INFO);
  feed(1, '8=FIX.4.4|35=A|34=1|49=TW1|52=<TIME>|56=ISLD|98=0|108=30|789=1|');
  feed(1, '8=FIX.4.4|35=D|34=2|49=TW1|52=<TIME>|56=ISLD|11=A1|21=1|40=1|54=1|55=X|60=<TIME>|');
  const first = transport.take();
  t.is(first[0].fields.get('789'), '2');
  t.deepEqual(first.map((m) => [m.fields.get('35'), m.fields.get('34')]), [['A', '1'], ['D', '2']]);
  acceptor.onDisconnected(1);
  // reconnect: the peer says it received only our 1 (expects 2); our Logon is 3, then D 2 is resent.
  acceptor.onConnected(2, INFO);
  feed(2, '8=FIX.4.4|35=A|34=3|49=TW1|52=<TIME>|56=ISLD|98=0|108=30|789=2|');
  const again = transport.take();
  t.deepEqual(
    again.map((m) => [m.fields.get('35'), m.fields.get('34'), m.fields.get('43')]),
    [
      ['A', '3', undefined],
      ['D', '2', 'Y'],
    ],
  );
  t.is(again[0].fields.get('789'), '4');
});
