/**
 * The member side of the gateway crash test (crash.test.ts, perf/soak-crash.ts): a FIX 4.4 initiator
 * that behaves like a real engine across the gateway's crashes. Its state lives in the test process and
 * outlives every connection, as an engine's persistent store would: the next outbound MsgSeqNum, every
 * message it sent by seq (to answer ResendRequests: TradeCaptureReports resent with PossDup and the
 * original SendingTime, admin runs gap-filled), the next expected inbound seq with a queue for messages
 * above it, and which TradeReportIDs were acknowledged at which gateway seq.
 *
 * Protocol it follows: a message above the expected seq is queued and one ResendRequest(expected, 0) is
 * sent; below it, PossDup messages are duplicates (handed to a resend check when one is running) and
 * anything else is a violation (the gateway reused sequence numbers). ResendRequests are answered on
 * arrival, whatever their seq (as QuickFIX does). Each connection ends its recovery with a TestRequest:
 * once its Heartbeat has been processed in seq order, the gateway has consumed everything the member
 * sent before it (gaps filled), so every TradeCaptureReport still unacknowledged then will never be.
 *
 * It never throws for gateway misbehaviour: it records a violation (with the raw message) and goes on,
 * so a test reports everything it saw.
 *
 * Thread: the test's JS thread.
 */
import * as net from 'node:net';
import { FixFramer } from '../../src/fix/framer.js';
import { FixBuilder, formatUtcTimestamp } from '../../src/session/builder.js';
import { parse, type Received } from '../helpers/fix-client.js';
import { crashTcr } from '../helpers/gateway-fixtures.js';

/** What the member sent at one seq (kept for resends). */
type Sent = { kind: 'AE'; id: string; sendingTime: string } | { kind: 'admin'; msgType: string };

export interface Ack {
  id: string;
  /** The member's MsgSeqNum of the TradeCaptureReport. */
  trSeq: number;
  /** The gateway's MsgSeqNum of the AR, as first processed in order. */
  arSeq: number;
  /** Run (gateway process) during which it was acknowledged. */
  run: number;
  /** First seen as a PossDup resend (the original AR was lost with the connection). */
  viaResend: boolean;
}

/** One connection's recovery, as the member saw it. */
export interface RecoveryView {
  /** MsgSeqNum of our Logon. */
  logonSeq: number;
  /** The gateway's Logon reply (undefined: refused or closed first). */
  reply: Received | undefined;
  /** BeginSeqNo of the gateway's first ResendRequest on this connection (undefined: none). */
  gatewayResendFrom: number | undefined;
  /** Our next expected inbound seq when the Logon reply arrived. */
  nextInAtLogon: number;
  /** The member asked for messages it had missed (ResendRequest after the Logon reply). */
  askedForGap: boolean;
  /** Outcome of waiting for the TestRequest round trip. */
  outcome: 'ok' | 'closed' | 'timeout';
}

interface ResendCheck {
  from: number;
  to: number;
  /** Highest seq of [from, to] covered so far by resent messages or gap fills. */
  coveredTo: number;
  got: Received[];
}

export class CrashMember {
  nextOut = 1;
  nextIn = 1;
  readonly sent = new Map<number, Sent>();
  readonly acked = new Map<string, Ack>();
  /** TradeReportID -> member seq, sent and not acknowledged (in flight). */
  readonly pending = new Map<string, number>();
  /** Unacknowledged after a completed recovery: consumed by the gateway, never answered. */
  readonly stuck = new Map<string, { trSeq: number; run: number }>();
  /** Gateway seq -> type processed in order ('gap' when skipped by a GapFill). */
  readonly inboundType = new Map<number, string>();
  readonly arIdBySeq = new Map<number, string>();
  /** Non-PossDup ARs received per TradeReportID. */
  readonly originals = new Map<string, number>();
  /** The clearing engine's trade id (ExecID 17 of the AR) per TradeReportID, and the reverse. */
  readonly tradeIds = new Map<string, string>();
  readonly #reportOfTrade = new Map<string, string>();
  readonly violations: string[] = [];
  /** Session events of the current run (not per AR): printed with violations as evidence. */
  trace: string[] = [];
  prevTrace: string[] = [];
  run = 0;
  window = 64;
  streaming = false;
  readonly stats = { tcrsSent: 0, tcrsResent: 0, gapFillsSent: 0, gatewayResendRequests: 0, gapRequests: 0, arsViaResend: 0, duplicatesIgnored: 0, resendsChecked: 0 };

  connected = false;
  loggedOn = false;
  #socket: net.Socket | undefined;
  #framer = new FixFramer({ maxMessageBytes: 1 << 20, maxFields: 4096 });
  readonly #builder = new FixBuilder();
  readonly #queue = new Map<number, Received>();
  #gapAsked = false;
  #idCounter = 0;
  #testReqId = '';
  #testReqSeq = -1;
  #testReqAnswered = false;
  #testReqCounter = 0;
  #recovery: RecoveryView | undefined;
  #check: ResendCheck | undefined;
  readonly #waiters = new Set<() => void>();
  /** Called when the gateway's Logon reply arrives (the harness times kills from it). */
  onLogonReply: (() => void) | undefined;

  constructor(
    readonly senderCompId: string,
    readonly targetCompId: string,
    /** Prefix of the TradeReportIDs (unique per journal). */
    readonly idPrefix: string,
  ) {}

  // ------------------------------------------------------------------ connection

  connect(port: number, host = '127.0.0.1'): Promise<void> {
    return new Promise((resolve, reject) => {
      const socket = net.connect({ host, port }, () => {
        this.#socket = socket;
        this.connected = true;
        resolve();
      });
      socket.setNoDelay(true);
      this.#framer = new FixFramer({ maxMessageBytes: 1 << 20, maxFields: 4096 });
      socket.on('data', (chunk: Buffer) => {
        this.#framer.push(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.length), {
          onMessage: (v) => {
            const raw = Buffer.from(v.buffer.subarray(v.rawOffset, v.rawOffset + v.rawLength)).toString('latin1');
            this.#onMessage(parse(raw));
          },
          onGarbled: () => this.violation(`garbled input from the gateway`),
        });
      });
      socket.once('error', (e) => {
        if (!this.connected) reject(e);
      });
      socket.on('error', () => undefined);
      socket.on('close', () => {
        this.#t(`connection closed; pending ${this.pending.size}, queued ${[...this.#queue.keys()].slice(0, 5).join(',')}`);
        this.connected = false;
        this.loggedOn = false;
        this.streaming = false;
        this.#queue.clear();
        this.#gapAsked = false;
        this.#socket = undefined;
        this.#changed();
      });
    });
  }

  /** Resolves once the connection is closed. */
  whenClosed(): Promise<void> {
    return this.waitUntil(() => !this.connected, 30_000).then(() => undefined);
  }

  destroy(): void {
    this.#socket?.destroy();
  }

  violation(text: string): void {
    this.violations.push(`run ${this.run}: ${text}`);
    this.#t(`VIOLATION ${text}`);
  }

  #t(line: string): void {
    this.#flushDupTrace();
    if (this.trace.length < 500) this.trace.push(`${new Date().toISOString().slice(11, 23)} nextIn ${this.nextIn} nextOut ${this.nextOut}: ${line}`);
  }

  /** Consecutive PossDup ARs, traced as one line. */
  #dupArs = { from: -1, to: -1, n: 0 };
  #flushDupTrace(): void {
    const d = this.#dupArs;
    if (d.n === 0) return;
    const line = `recv ${d.n} PossDup AR, seq ${d.from}..${d.to}`;
    d.n = 0;
    if (this.trace.length < 500) this.trace.push(`${new Date().toISOString().slice(11, 23)} ${line}`);
  }

  /**
   * Resolves 'ok' when `pred` holds (checked after every state change), 'closed' when the connection
   * closes first (unless `pred` holds), 'timeout' after timeoutMs (a safety net, never a measurement).
   */
  waitUntil(pred: () => boolean, timeoutMs: number, failOnClose = false): Promise<'ok' | 'closed' | 'timeout'> {
    if (pred()) return Promise.resolve('ok');
    if (failOnClose && !this.connected) return Promise.resolve('closed');
    return new Promise((resolve) => {
      const check = (): void => {
        if (pred()) done('ok');
        else if (failOnClose && !this.connected) done('closed');
      };
      const timer = setTimeout(() => done('timeout'), timeoutMs);
      const done = (r: 'ok' | 'closed' | 'timeout'): void => {
        clearTimeout(timer);
        this.#waiters.delete(check);
        resolve(r);
      };
      this.#waiters.add(check);
    });
  }

  #changed(): void {
    for (const w of [...this.#waiters]) w();
  }

  // ------------------------------------------------------------------ sending

  /** Writes one message at `seq`; returns its SendingTime. */
  #write(msgType: string, seq: number, fields: ReadonlyArray<readonly [number, string]>, possDup = false, origSendingTime = ''): string {
    const now = formatUtcTimestamp(Date.now());
    const b = this.#builder.begin('FIX.4.4', msgType);
    b.intField(34, seq);
    if (possDup) b.field(43, 'Y');
    b.field(49, this.senderCompId).field(52, now).field(56, this.targetCompId);
    if (possDup) b.field(122, origSendingTime || now);
    for (const [t, v] of fields) b.field(t, v);
    this.#socket?.write(Buffer.from(b.finish()));
    return now;
  }

  #sendAdmin(msgType: string, fields: ReadonlyArray<readonly [number, string]>): number {
    this.#t(`send ${msgType} seq ${this.nextOut} ${fields.map(([t, v]) => `${t}=${v}`).join(' ')}`);
    const seq = this.nextOut++;
    this.sent.set(seq, { kind: 'admin', msgType });
    this.#write(msgType, seq, fields);
    return seq;
  }

  #sendTcr(): void {
    const id = `${this.idPrefix}-${++this.#idCounter}`;
    const seq = this.nextOut++;
    const sendingTime = this.#write('AE', seq, crashTcr(id));
    this.sent.set(seq, { kind: 'AE', id, sendingTime });
    this.pending.set(id, seq);
    this.stats.tcrsSent++;
  }

  /** Keeps `window` TradeCaptureReports unacknowledged in flight while streaming. */
  pump(): void {
    const s = this.#socket;
    if (!s || !this.streaming || !this.loggedOn) return;
    if (this.pending.size >= this.window) return;
    s.cork();
    while (this.pending.size < this.window) this.#sendTcr();
    s.uncork();
  }

  startStream(): void {
    this.streaming = true;
    this.pump();
  }

  stopStream(): void {
    this.streaming = false;
  }

  // ------------------------------------------------------------------ recovery

  /**
   * Logs on with the next seq (no reset), fills whichever gaps either side has, and ends with a
   * TestRequest round trip. Then every TradeCaptureReport still pending is moved to `stuck` (the
   * gateway consumed it, as its sequence numbers say, but never acknowledged it).
   */
  async logonAndRecover(timeoutMs = 20_000): Promise<RecoveryView> {
    this.#flushDupTrace();
    this.prevTrace = this.trace;
    this.trace = [];
    const v: RecoveryView = { logonSeq: this.nextOut, reply: undefined, gatewayResendFrom: undefined, nextInAtLogon: this.nextIn, askedForGap: false, outcome: 'timeout' };
    this.#recovery = v;
    this.#testReqId = '';
    this.#testReqAnswered = false;
    this.#sendAdmin('A', [
      [98, '0'],
      [108, '30'],
    ]);
    const r = await this.waitUntil(() => v.reply !== undefined || !this.connected, timeoutMs);
    if (v.reply === undefined) {
      v.outcome = r === 'timeout' ? 'timeout' : 'closed';
      return v;
    }
    this.#sendTestRequest();
    v.outcome = await this.waitUntil(() => this.#testReqAnswered && this.#queue.size === 0, timeoutMs, true);
    if (v.outcome === 'ok') {
      for (const [id, trSeq] of this.pending) this.stuck.set(id, { trSeq, run: this.run });
      this.pending.clear();
    }
    return v;
  }

  #sendTestRequest(): void {
    this.#testReqId = `R${this.run}.${++this.#testReqCounter}`;
    this.#testReqAnswered = false;
    this.#testReqSeq = this.#sendAdmin('1', [[112, this.#testReqId]]);
  }

  /**
   * Asks for [from, to] again (all below our expected seq) and checks the answer against what was
   * processed at each seq: an AR resent with PossDup=Y, OrigSendingTime and the same 571, everything
   * else gap-filled. Returns 'ok' | 'closed' | 'timeout'; mismatches become violations.
   */
  async checkResend(from: number, to: number, timeoutMs = 20_000): Promise<'ok' | 'closed' | 'timeout'> {
    const c: ResendCheck = { from, to, coveredTo: from - 1, got: [] };
    this.#check = c;
    this.#sendAdmin('2', [
      [7, String(from)],
      [16, String(to)],
    ]);
    const r = await this.waitUntil(() => c.coveredTo >= to, timeoutMs, true);
    this.#check = undefined;
    if (r !== 'ok') return r;
    let k = from;
    for (const m of c.got) {
      if (m.seq !== k) {
        this.violation(`resend of [${from}, ${to}]: expected seq ${k}, got ${m.seq} ${m.type}: ${show(m)}`);
        return r;
      }
      if (m.type === '4' && m.fields.get(123) === 'Y') {
        const n = Number(m.fields.get(36));
        for (; k < n && k <= to; k++) {
          const t = this.inboundType.get(k);
          if (t === 'AR') this.violation(`resend of [${from}, ${to}]: seq ${k} was AR ${this.arIdBySeq.get(k)} but was gap-filled: ${show(m)}`);
        }
        continue;
      }
      const t = this.inboundType.get(k);
      if (m.type !== t) {
        this.violation(
          t === 'gap'
            ? `resend of [${from}, ${to}]: seq ${k} is resent as ${m.type}${m.type === 'AR' ? ` 571=${m.fields.get(571)}` : ''}, but an earlier resend of the gateway gap-filled it: ${show(m)}`
            : `resend of [${from}, ${to}]: seq ${k} was ${t} but the resend is ${m.type}: ${show(m)}`,
        );
        k++;
        continue;
      }
      if (m.fields.get(43) !== 'Y' || !m.fields.has(122)) this.violation(`resend of [${from}, ${to}]: seq ${k} without PossDupFlag=Y and OrigSendingTime: ${show(m)}`);
      if (m.type === 'AR') {
        const id = this.arIdBySeq.get(k);
        if (m.fields.get(571) !== id) this.violation(`resend of [${from}, ${to}]: seq ${k} was AR 571=${id}, resent with 571=${m.fields.get(571)}: ${show(m)}`);
        this.stats.resendsChecked++;
      }
      k++;
    }
    return r;
  }

  /** Number of gateway messages the member has processed in order (last seq). */
  get lastInSeq(): number {
    return this.nextIn - 1;
  }

  // ------------------------------------------------------------------ receiving

  #onMessage(m: Received): void {
    const possDup = m.fields.get(43) === 'Y';
    if (m.type === 'AR' && possDup) {
      const d = this.#dupArs;
      if (d.n > 0 && m.seq === d.to + 1) d.to = m.seq;
      else {
        this.#flushDupTrace();
        d.from = d.to = m.seq;
      }
      d.n++;
    } else if (m.type !== 'AR' || m.seq !== this.nextIn) this.#t(`recv ${m.type} seq ${m.seq}${possDup ? ' PossDup' : ''}${m.type === 'AR' ? ` 571=${m.fields.get(571)}` : ''}${m.type === '4' ? ` 36=${m.fields.get(36)}` : ''}${m.type === '2' ? ` 7=${m.fields.get(7)} 16=${m.fields.get(16)}` : ''}`);
    const v = this.#recovery;
    if (m.type === 'A' && v !== undefined && v.reply === undefined) {
      v.reply = m;
      v.nextInAtLogon = this.nextIn;
      this.loggedOn = true;
      if (m.seq > this.nextIn) v.askedForGap = true;
      this.onLogonReply?.();
    }
    if (m.type === '5' && !possDup) this.violation(`Logout from the gateway: ${show(m)}`);
    if ((m.type === '3' || m.type === 'j') && !possDup) this.violation(`reject from the gateway: ${show(m)}`);
    if (m.type === '2' && !possDup) {
      if (v !== undefined && v.gatewayResendFrom === undefined) v.gatewayResendFrom = Number(m.fields.get(7));
      this.#answerResend(m);
    }
    if (m.seq < this.nextIn) {
      if (possDup) {
        this.stats.duplicatesIgnored++;
        this.#collect(m);
      } else {
        this.violation(`MsgSeqNum too low: expected ${this.nextIn}, received ${m.seq} (${m.type}) without PossDupFlag: ${show(m)}`);
      }
      this.#changed();
      return;
    }
    if (m.seq > this.nextIn) {
      this.#queue.set(m.seq, m);
      if (!this.#gapAsked) {
        this.#gapAsked = true;
        this.stats.gapRequests++;
        this.#sendAdmin('2', [
          [7, String(this.nextIn)],
          [16, '0'],
        ]);
      }
      this.#changed();
      return;
    }
    this.#apply(m);
    for (let q = this.#queue.get(this.nextIn); q !== undefined; q = this.#queue.get(this.nextIn)) {
      this.#queue.delete(q.seq);
      this.#apply(q);
    }
    for (const k of this.#queue.keys()) if (k < this.nextIn) this.#queue.delete(k);
    if (this.#queue.size === 0) this.#gapAsked = false;
    this.pump();
    this.#changed();
  }

  /** A message at exactly the expected seq. */
  #apply(m: Received): void {
    if (m.type === '4') {
      const n = Number(m.fields.get(36));
      if (!(n > m.seq)) {
        this.violation(`SequenceReset with NewSeqNo ${n} <= MsgSeqNum ${m.seq}: ${show(m)}`);
        this.inboundType.set(m.seq, '4');
        this.nextIn = m.seq + 1;
        return;
      }
      for (let k = m.seq; k < n; k++) this.inboundType.set(k, 'gap');
      this.nextIn = n;
      return;
    }
    this.inboundType.set(m.seq, m.type);
    this.nextIn = m.seq + 1;
    if (m.type === '0' && this.#testReqId !== '' && m.fields.get(112) === this.#testReqId) this.#testReqAnswered = true;
    if (m.type === 'AR') this.#onAr(m);
  }

  #onAr(m: Received): void {
    const id = m.fields.get(571) ?? '';
    const possDup = m.fields.get(43) === 'Y';
    if (m.fields.get(939) !== '0') this.violation(`AR ${id} with TrdRptStatus ${m.fields.get(939)}: ${show(m)}`);
    // Every report is a new two-sided trade: one trade id per report, never shared, the same when resent.
    const tid = m.fields.get(17) ?? '';
    const known = this.tradeIds.get(id);
    if (tid === '') this.violation(`AR ${id} without a trade id (17): ${show(m)}`);
    else if (known !== undefined && known !== tid) this.violation(`AR ${id} carries trade id ${tid}, earlier ${known}: ${show(m)}`);
    else if (this.#reportOfTrade.has(tid) && this.#reportOfTrade.get(tid) !== id) this.violation(`trade id ${tid} of AR ${id} was already given to ${this.#reportOfTrade.get(tid)}: ${show(m)}`);
    else {
      this.tradeIds.set(id, tid);
      this.#reportOfTrade.set(tid, id);
    }
    if (!possDup) {
      const n = (this.originals.get(id) ?? 0) + 1;
      this.originals.set(id, n);
      if (n > 1) this.violation(`AR ${id} received ${n} times as an original (no PossDupFlag): ${show(m)}`);
    }
    const prior = this.acked.get(id);
    if (prior !== undefined) {
      this.violation(`AR ${id} at gateway seq ${m.seq}, already acknowledged at seq ${prior.arSeq}: ${show(m)}`);
      return;
    }
    let trSeq = this.pending.get(id);
    if (trSeq === undefined) {
      const s = this.stuck.get(id);
      if (s === undefined) {
        this.violation(`AR for a TradeReportID never sent: ${show(m)}`);
        return;
      }
      this.violation(`AR ${id} arrived after it was declared stuck (run ${s.run}): ${show(m)}`);
      this.stuck.delete(id);
      trSeq = s.trSeq;
    }
    this.pending.delete(id);
    this.acked.set(id, { id, trSeq, arSeq: m.seq, run: this.run, viaResend: possDup });
    this.arIdBySeq.set(m.seq, id);
    if (possDup) this.stats.arsViaResend++;
  }

  #collect(m: Received): void {
    const c = this.#check;
    if (c === undefined || m.seq < c.from || m.seq > c.to) return;
    c.got.push(m);
    const top = m.type === '4' && m.fields.get(123) === 'Y' ? Number(m.fields.get(36)) - 1 : m.seq;
    if (top > c.coveredTo) c.coveredTo = top;
  }

  /** Answers a ResendRequest: TradeCaptureReports resent (PossDup, original SendingTime), admin runs gap-filled. */
  #answerResend(m: Received): void {
    this.stats.gatewayResendRequests++;
    const begin = Number(m.fields.get(7));
    let end = Number(m.fields.get(16));
    const last = this.nextOut - 1;
    if (!(begin >= 1)) {
      this.violation(`ResendRequest with BeginSeqNo ${m.fields.get(7)}: ${show(m)}`);
      return;
    }
    if (end === 0 || end > last) end = last;
    this.#t(`answering ResendRequest ${begin}..${end}`);
    const s = this.#socket;
    s?.cork();
    let gapStart = -1;
    let testRequestGapFilled = false;
    for (let seq = begin; seq <= end; seq++) {
      const x = this.sent.get(seq);
      if (x?.kind === 'AE') {
        if (gapStart >= 0) this.#gapFill(gapStart, seq);
        gapStart = -1;
        this.#write('AE', seq, crashTcr(x.id), true, x.sendingTime);
        this.stats.tcrsResent++;
      } else {
        if (seq === this.#testReqSeq) testRequestGapFilled = true;
        if (gapStart < 0) gapStart = seq;
      }
    }
    if (gapStart >= 0) this.#gapFill(gapStart, end + 1);
    // A TestRequest we are waiting on was skipped by our own gap fill: ask again (a new seq).
    if (testRequestGapFilled && this.#testReqId !== '' && !this.#testReqAnswered) this.#sendTestRequest();
    s?.uncork();
  }

  #gapFill(from: number, to: number): void {
    this.#write(
      '4',
      from,
      [
        [123, 'Y'],
        [36, String(to)],
      ],
      true,
    );
    this.stats.gapFillsSent++;
  }
}

/** A received message for a report line (SOH shown as |, cut at 300 characters). */
export function show(m: Received): string {
  const s = m.raw.replace(/\x01/g, '|');
  return s.length > 300 ? `${s.slice(0, 300)}...` : s;
}
