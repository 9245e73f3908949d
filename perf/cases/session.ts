/**
 * Session-layer cost per inbound application message in TS: a NewOrderSingle framed and indexed by the
 * TS framer, then the acceptor (sequence checks, CompID/SendingTime checks, data-dictionary validation,
 * the echo application's reply encoded by the builder and appended to the in-memory store, which keeps
 * every outbound message for resends) with a transport that only counts bytes. (With the journal store a
 * synchronous loop measures back-log, not cost: replies wait for a group commit that needs the event
 * loop; the journal is measured on its own in journal.ts.) impl "ts-framer+session"
 * includes the framer; "framer-only" is the framer alone on the same messages, so the difference is the
 * session layer's cost. extra.allocBytesPerMsg / gcPerRound: the allocation probe over 50,000 more
 * messages after the timed runs (goal: zero in steady state).
 */
import { MemorySessionStore } from '../../src/session/memory-store.js';
import { FixFramer, type FixSink } from '../../src/fix/framer.js';
import type { FixMessage } from '../../src/fix/message.js';
import { formatUtcTimestamp } from '../../src/session/builder.js';
import { Reparser } from '../../src/session/reparse.js';
import { collectFields, SessionAcceptor, openDirectory } from '../../src/session/session.js';
import { SEND_OK, type ListenResult, type SendResult, type Transport } from '../../src/transport/transport.js';
import type { Case, Result } from '../harness.js';
import { allocProbe, timeNs } from '../harness.js';

const ITER = 20_000;
const RUNS = 9;
const PROBE = 50_000;
const TOTAL = ITER * (RUNS + 1) + 10 + 200_000 + PROBE; // allocProbe warms up with 200,000 calls first
const NOW = Date.UTC(2026, 0, 5, 9, 0, 0);

function frame(body: string): Buffer {
  const b = body.replaceAll('|', '\x01');
  let text = `8=FIX.4.4\x019=${Buffer.byteLength(b, 'latin1')}\x01${b}`;
  let sum = 0;
  for (let i = 0; i < text.length; i++) sum += text.charCodeAt(i);
  text += `10=${String(sum % 256).padStart(3, '0')}\x01`;
  return Buffer.from(text, 'latin1');
}

class CountingTransport implements Transport {
  readonly kind = 'node' as const;
  bytes = 0;
  listen(): Promise<ListenResult> {
    return Promise.reject(new Error('unused'));
  }
  connect(): number {
    return -1;
  }
  send(_id: number, _b: Uint8Array, _o: number, len: number): SendResult {
    this.bytes += len;
    return SEND_OK;
  }
  disconnect(): void {}
  close(): Promise<void> {
    return Promise.resolve();
  }
}

function messages(): Buffer[] {
  const t = formatUtcTimestamp(NOW);
  const out: Buffer[] = [frame(`35=A|34=1|49=TW1|52=${t}|56=ISLD|98=0|108=30|`)];
  for (let seq = 2; seq < TOTAL + 2; seq++) out.push(frame(`35=D|34=${seq}|49=TW1|52=${t}|56=ISLD|11=ORD${seq}|21=1|38=100|40=2|44=10.25|54=1|55=ABC|60=${t}|`));
  return out;
}

async function session(): Promise<Result> {
  const msgs = messages();
  const store = new MemorySessionStore(() => NOW, false);
  const transport = new CountingTransport();
  const reparser = new Reparser();
  let ref: SessionAcceptor | undefined;
  const acceptor = new SessionAcceptor(
    { directory: openDirectory({ beginString: 'FIX.4.4', senderCompId: 'ISLD', acceptTarget: () => true, resetOnLogon: true }) },
    store,
    { now: () => NOW },
    {
      onAppMessage: (app) => {
        const f = collectFields(app.message, undefined, true);
        ref!.sendApp(app.session, 'D', f.body, -1);
        return true;
      },
    },
    (b, v) => reparser.run(b, v),
  );
  ref = acceptor;
  acceptor.transport = transport;
  acceptor.onConnected(1, { remoteAddress: '', remotePort: 0, localPort: 0, tls: false, tlsSubject: '' });
  const framer = new FixFramer({ maxMessageBytes: 65536, maxFields: 1024 });
  const sink: FixSink = { onMessage: (m: FixMessage) => acceptor.onMessage(1, m), onGarbled: () => {} };
  framer.push(msgs[0], sink);
  let i = 1;
  const r = timeNs('session.inbound.nos', 'ts-framer+session', () => framer.push(msgs[i++], sink), ITER, RUNS);
  if (acceptor.session('TW1')?.nextTargetSeq !== i + 1) throw new Error(`session fell out of sequence at ${i}`);
  const probe = await allocProbe(() => framer.push(msgs[i++], sink), PROBE);
  r.extra = { outBytes: transport.bytes, allocBytesPerMsg: probe.bytesPerOp, gcPerRound: probe.gcEvents };
  return r;
}

function framerOnly(): Result {
  const msgs = messages();
  const framer = new FixFramer({ maxMessageBytes: 65536, maxFields: 1024 });
  let n = 0;
  const sink: FixSink = { onMessage: () => void n++, onGarbled: () => {} };
  let i = 1;
  const r = timeNs('session.inbound.nos', 'framer-only', () => framer.push(msgs[i++], sink), ITER, RUNS);
  if (n !== i - 1) throw new Error('framer lost messages');
  return r;
}

export const cases: Case[] = [
  { name: 'session.inbound.nos', impl: 'ts-framer+session', run: session },
  { name: 'session.inbound.nos', impl: 'framer-only', run: framerOnly },
];
