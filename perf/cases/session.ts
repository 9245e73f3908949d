/**
 * Session-layer cost per inbound application message in TS: a NewOrderSingle framed and indexed by the
 * TS framer, then the acceptor (sequence checks, BeginString/CompID/SendingTime checks, data-dictionary
 * validation, the inbound record appended to the store) and the application's reply, an ExecutionReport
 * built on the allocation-free path (beginApp ... send: ids and price copied from the order, quantities
 * as exact decimals) and appended to the store, with a transport that only counts bytes.
 *
 * Store: RingStore below, which copies every inbound and outbound message into a bounded ring (a resend
 * window of the last 16 MiB) as the journal copies them into its buffers, so the copy cost is measured
 * without the heap growing by every message kept (MemorySessionStore keeps a new array per message: a
 * test store). With the journal a synchronous loop measures back-log, not cost (replies wait for a group
 * commit that needs the event loop); "ts-framer+session+journal" runs the same messages against
 * JournalSessionStore ("os" durability) in ticks of 500, so replies are released by group commit as in
 * the gateway; the journal alone is measured in journal.ts.
 *
 * Impls: "ts-framer+session" (beginApp path), "ts-framer+session-sendApp" (the OutField[] API, the
 * gateway router's today: the same session work, the order's body echoed back with collectFields),
 * "framer-only" (the framer alone on the same messages: the difference is the session layer's cost;
 * both include patching the next order's MsgSeqNum, ClOrdID and CheckSum in place, see Orders).
 * extra.allocBytesPerMsg / gcPerRound: the allocation probe (perf/harness.ts probeUntilClean, 50,000
 * messages a round, up to 6 rounds; clean = no GC and < 1 byte per message) after the timed runs;
 * probeRounds lists every round's GC count.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { PerformanceObserver, performance } from 'node:perf_hooks';
import { FixFramer, type FixSink } from '../../src/fix/framer.js';
import type { FixMessage } from '../../src/fix/message.js';
import { JournalSessionStore } from '../../src/journal/session-store.js';
import { formatUtcTimestamp } from '../../src/session/builder.js';
import { copyToView } from '../../src/session/bytes.js';
import { Reparser } from '../../src/session/reparse.js';
import { collectFields, type InboundApp, SessionAcceptor, openDirectory } from '../../src/session/session.js';
import type { LogonRecord, LogoutReason, SessionSequenceState, SessionStore } from '../../src/session/store.js';
import { SEND_OK, type ListenResult, type SendResult, type Transport } from '../../src/transport/transport.js';
import type { Case, Result } from '../harness.js';
import { isClean, probeUntilClean, summarise, timeNs } from '../harness.js';

const ITER = 20_000;
const RUNS = 9;
const PROBE = 50_000;
const PROBE_ROUNDS = 6;
const NOW = Date.UTC(2026, 0, 5, 9, 0, 0);
const PRICE_EXPONENT = -9;
const QTY_EXPONENT = -4;

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
    this.bytes = (this.bytes + len) % 1e15; // stays an exact integer
    return SEND_OK;
  }
  disconnect(): void {}
  close(): Promise<void> {
    return Promise.resolve();
  }
}

/**
 * A SessionStore for the benchmark: every message is copied into a 16 MiB byte ring (outbound ones
 * indexed by seq for resends while they are in the ring), everything durable at once. Allocation-free.
 */
export class RingStore implements SessionStore {
  private readonly ring = new Uint8Array(16 * 1024 * 1024);
  private readonly view = new DataView(this.ring.buffer);
  private at = 0;
  private position = 0;
  private readonly next: SessionSequenceState = { nextSenderSeq: 1, nextTargetSeq: 1 };
  /** seq & MASK -> [seq, offset, length] of outbound messages still in the ring. */
  private static readonly SLOTS = 1 << 16;
  private readonly outSeq = new Float64Array(RingStore.SLOTS).fill(-1);
  private readonly outAt = new Float64Array(RingStore.SLOTS);
  private readonly outLen = new Float64Array(RingStore.SLOTS);
  /** Ring bytes overwritten so far (a slot is valid while its bytes are not). */
  private lap = 0;
  private readonly outLap = new Float64Array(RingStore.SLOTS);

  private copy(raw: Uint8Array, offset: number, length: number): number {
    if (this.at + length > this.ring.length) {
      this.at = 0;
      this.lap++;
    }
    const at = this.at;
    copyToView(raw, offset, this.view, at, length);
    this.at += length;
    return at;
  }

  recover(): SessionSequenceState {
    return { ...this.next };
  }
  lastResetMs(): number {
    return 0;
  }
  appendInbound(_key: string, seq: number, _msgType: string, raw: Uint8Array, offset: number, length: number): number {
    this.copy(raw, offset, length);
    if (seq >= this.next.nextTargetSeq) this.next.nextTargetSeq = seq + 1;
    return ++this.position;
  }
  appendOutbound(_key: string, seq: number, _msgType: string, raw: Uint8Array, offset: number, length: number): number {
    const at = this.copy(raw, offset, length);
    const slot = seq & (RingStore.SLOTS - 1);
    this.outSeq[slot] = seq;
    this.outAt[slot] = at;
    this.outLen[slot] = length;
    this.outLap[slot] = this.lap;
    if (seq >= this.next.nextSenderSeq) this.next.nextSenderSeq = seq + 1;
    return ++this.position;
  }
  forEachOutbound(_key: string, from: number, to: number, visit: (seq: number, raw: Uint8Array, offset: number, length: number) => void): void {
    const last = to === 0 ? this.next.nextSenderSeq - 1 : to;
    for (let seq = from; seq <= last; seq++) {
      const slot = seq & (RingStore.SLOTS - 1);
      const at = this.outAt[slot]!;
      const fresh = this.outLap[slot] === this.lap || (this.outLap[slot] === this.lap - 1 && at >= this.at);
      if (this.outSeq[slot] === seq && fresh) visit(seq, this.ring, at, this.outLen[slot]!);
    }
  }
  reset(_key: string, nextSenderSeq: number, nextTargetSeq: number): number {
    this.next.nextSenderSeq = nextSenderSeq;
    this.next.nextTargetSeq = nextTargetSeq;
    this.outSeq.fill(-1);
    return ++this.position;
  }
  setNextTarget(_key: string, newSeqNo: number): number {
    this.next.nextTargetSeq = newSeqNo;
    return ++this.position;
  }
  recordLogon(_key: string, _logon: LogonRecord): number {
    return ++this.position;
  }
  recordLogout(_key: string, _reason: LogoutReason, _text: string): number {
    return ++this.position;
  }
  takeUnanswered(): void {}
  durablePosition(): number {
    return this.position;
  }
  onDurable(_position: number, callback: () => void): void {
    callback();
  }
}

/** Seq digits of the NewOrderSingles (MsgSeqNum with leading zeros, which FIX allows for int fields). */
const SEQ_DIGITS = 7;

/**
 * The Logon, then NewOrderSingles with MsgSeqNum 2, 3, ... and ClOrdID ORD<seq>: one buffer patched in
 * place per message (fixed-width seq digits, CheckSum updated from the digits), so the benchmark
 * neither allocates nor holds millions of messages.
 */
export class Orders {
  readonly logon: Buffer;
  private readonly bytes: Buffer;
  private readonly seqAt: number;
  private readonly idAt: number;
  private readonly sumAt: number;
  private readonly baseSum: number;
  seq = 1;

  constructor() {
    const t = formatUtcTimestamp(NOW);
    this.logon = frame(`35=A|34=1|49=TW1|52=${t}|56=ISLD|98=0|108=30|`);
    const zeros = '0'.repeat(SEQ_DIGITS);
    this.bytes = frame(`35=D|34=${zeros}|49=TW1|52=${t}|56=ISLD|11=ORD${zeros}|21=1|38=100|40=2|44=10.25|54=1|55=ABC|60=${t}|`);
    const text = this.bytes.toString('latin1');
    this.seqAt = text.indexOf(`\x0134=`) + 4;
    this.idAt = text.indexOf(`\x0111=ORD`) + 7;
    this.sumAt = text.lastIndexOf('\x0110=') + 4;
    let sum = 0;
    for (let i = 0; i < this.sumAt - 3; i++) sum += this.bytes[i]!;
    this.baseSum = sum;
  }

  /** The next NewOrderSingle (the same buffer each time, valid until the next call). */
  next(): Buffer {
    const b = this.bytes;
    let v = ++this.seq;
    let digitSum = 0;
    for (let k = SEQ_DIGITS - 1; k >= 0; k--) {
      const d = v % 10;
      v = (v - d) / 10;
      b[this.seqAt + k] = 0x30 + d;
      b[this.idAt + k] = 0x30 + d;
      digitSum += d;
    }
    const sum = (this.baseSum + 2 * digitSum) & 0xff;
    b[this.sumAt] = 0x30 + ((sum / 100) | 0);
    b[this.sumAt + 1] = 0x30 + (((sum / 10) | 0) % 10);
    b[this.sumAt + 2] = 0x30 + (sum % 10);
    return b;
  }
}

/** How the application answers: an ExecutionReport via beginApp, the order echoed via sendApp, or nothing (the inbound path alone). */
export type Reply = 'beginApp' | 'sendApp' | 'none';

/** An acceptor logged on to TW1 over `store`, answering each NewOrderSingle with `reply` (also used by test/session/session-alloc.test.ts). */
export function setup(store: SessionStore, reply: Reply): { acceptor: SessionAcceptor; transport: CountingTransport; sink: FixSink; framer: FixFramer } {
  const transport = new CountingTransport();
  const reparser = new Reparser();
  let ref: SessionAcceptor | undefined;
  let execId = 0;
  const execReport = (app: InboundApp): boolean => {
    const m = app.message;
    // The quantity is read as an exact decimal and written back with fixed(); the price is copied as
    // bytes: getDecimal of a mantissa beyond the small-integer range (10.25 at -9) returns a heap
    // number (parseFixedAscii is not inlined), i.e. 16 bytes per call, which is the application's
    // choice, not the session layer's.
    const qty = m.getDecimal(38, QTY_EXPONENT);
    execId = (execId + 1) % 1_000_000_000;
    ref!
      .beginApp(app.session, '8')
      .bytesFrom(37, m, 11)
      .bytesFrom(11, m, 11)
      .int(17, execId)
      .char(150, '0')
      .char(39, '0')
      .bytesFrom(55, m, 55)
      .bytesFrom(54, m, 54)
      .fixed(38, qty, QTY_EXPONENT)
      .bytesFrom(44, m, 44)
      .fixed(151, qty, QTY_EXPONENT)
      .int(14, 0)
      .fixed(6, 0, PRICE_EXPONENT)
      .send(app.position);
    return true;
  };
  const echo = (app: InboundApp): boolean => {
    const f = collectFields(app.message, undefined, true);
    ref!.sendApp(app.session, 'D', f.body, app.position);
    return true;
  };
  const acceptor = new SessionAcceptor(
    { directory: openDirectory({ beginString: 'FIX.4.4', senderCompId: 'ISLD', acceptTarget: () => true, resetOnLogon: true }) },
    store,
    { now: () => NOW },
    { onAppMessage: reply === 'beginApp' ? execReport : reply === 'sendApp' ? echo : () => true },
    (b, v) => reparser.run(b, v),
  );
  ref = acceptor;
  acceptor.transport = transport;
  acceptor.onConnected(1, { remoteAddress: '', remotePort: 0, localPort: 0, tls: false, tlsSubject: '' });
  const framer = new FixFramer({ maxMessageBytes: 65536, maxFields: 1024 });
  const sink: FixSink = { onMessage: (m: FixMessage) => acceptor.onMessage(1, m), onGarbled: () => {} };
  return { acceptor, transport, sink, framer };
}

async function session(impl: string, reply: Reply): Promise<Result> {
  const orders = new Orders();
  const { acceptor, transport, sink, framer } = setup(new RingStore(), reply);
  framer.push(orders.logon, sink);
  const op = (): void => framer.push(orders.next(), sink);
  const r = timeNs('session.inbound.nos', impl, op, ITER, RUNS);
  if (acceptor.session('TW1')?.nextTargetSeq !== orders.seq + 1) throw new Error(`session fell out of sequence at ${orders.seq}`);
  const rounds = await probeUntilClean(op, PROBE, PROBE_ROUNDS);
  const last = rounds[rounds.length - 1]!;
  if (acceptor.session('TW1')?.nextTargetSeq !== orders.seq + 1) throw new Error(`session fell out of sequence at ${orders.seq}`);
  r.extra = {
    outBytes: transport.bytes,
    allocBytesPerMsg: last.bytesPerOp,
    gcPerRound: last.gcEvents,
    clean: isClean(last) ? 'yes' : 'no',
    probeRounds: rounds.map((p) => p.gcEvents).join('/'),
  };
  return r;
}

/**
 * The same messages against JournalSessionStore ("os"): ticks of TICK messages, each followed by a turn
 * of the event loop (group commit releases the held replies). ns per message end to end (until every
 * reply has been released); GCs counted over the last PROBE messages.
 */
async function sessionJournal(): Promise<Result> {
  const TICK = 500;
  const N = 400_000;
  const orders = new Orders();
  const dir = fs.mkdtempSync(path.join(process.env.JOURNAL_BENCH_DIR ?? os.tmpdir(), 'session-bench-'));
  const store = JournalSessionStore.open({ dir, durability: 'os' });
  try {
    const { acceptor, transport, sink, framer } = setup(store, 'beginApp');
    framer.push(orders.logon, sink);
    let i = 1;
    let gcs = 0;
    const obs = new PerformanceObserver((list) => (gcs += list.getEntries().length));
    const samples: number[] = [];
    const turn = (): Promise<void> => new Promise((r) => setImmediate(r));
    const SAMPLE = 25_000;
    let t0 = performance.now();
    while (i <= N) {
      for (const end = Math.min(N + 1, i + TICK); i < end; i++) framer.push(orders.next(), sink);
      await turn();
      if ((i - 1) % SAMPLE === 0) {
        await store.journal.whenIdle();
        await turn();
        if (i > 100_000) samples.push(((performance.now() - t0) * 1e6) / SAMPLE); // the first 100,000 warm up
        if (i === N + 1 - PROBE) {
          globalThis.gc?.();
          obs.observe({ entryTypes: ['gc'] });
        }
        t0 = performance.now();
      }
    }
    await store.journal.whenIdle();
    await new Promise((r) => setTimeout(r, 20));
    obs.disconnect();
    const s = acceptor.session('TW1')!;
    if (s.nextTargetSeq !== N + 2 || s.pending.length !== 0) throw new Error(`journal run incomplete: next ${s.nextTargetSeq}, held ${s.pending.length}`);
    const r = summarise('session.inbound.nos', 'ts-framer+session+journal', 'ns/msg', samples);
    r.extra = { outBytes: transport.bytes, tick: TICK, gcInLast50kMsgs: gcs, flushes: store.journal.stats.flushes };
    return r;
  } finally {
    await store.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

function framerOnly(): Result {
  const orders = new Orders();
  const framer = new FixFramer({ maxMessageBytes: 65536, maxFields: 1024 });
  let n = 0;
  const sink: FixSink = { onMessage: () => void n++, onGarbled: () => {} };
  const r = timeNs('session.inbound.nos', 'framer-only', () => framer.push(orders.next(), sink), ITER, RUNS);
  if (n !== orders.seq - 1) throw new Error('framer lost messages');
  return r;
}

export const cases: Case[] = [
  { name: 'session.inbound.nos', impl: 'ts-framer+session', run: () => session('ts-framer+session', 'beginApp') },
  { name: 'session.inbound.nos', impl: 'ts-framer+session-sendApp', run: () => session('ts-framer+session-sendApp', 'sendApp') },
  { name: 'session.inbound.nos', impl: 'ts-framer+session+journal', run: sessionJournal },
  { name: 'session.inbound.nos', impl: 'framer-only', run: framerOnly },
];
