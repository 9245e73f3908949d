/**
 * A minimal FIX initiator for tests: node:net / node:tls, the gateway's own framer for input, the
 * session builder for output. It does what a test tells it (no automatic resend or heartbeats), records
 * everything it receives, and lets a test wait for a message. Not used by the product.
 */
import * as net from 'node:net';
import * as tls from 'node:tls';
import { FixFramer } from '../../src/fix/framer.js';
import { FixBuilder, formatUtcTimestamp } from '../../src/session/builder.js';

export interface Received {
  type: string;
  seq: number;
  /** Last value of each tag (repeating groups: the last entry's). */
  fields: Map<number, string>;
  raw: string;
}

export interface FixClientOptions {
  host: string;
  port: number;
  /** Connect with TLS (node:tls options: ca, cert, key, servername...). */
  tls?: tls.ConnectionOptions;
  beginString: string;
  /** Our CompID (49) and the gateway's (56). */
  senderCompId: string;
  targetCompId: string;
}

export class FixTestClient {
  nextSeq = 1;
  readonly received: Received[] = [];
  closed = false;
  private readonly waiters: { pred: (m: Received) => boolean; resolve: (m: Received) => void }[] = [];
  private readonly closeWaiters: (() => void)[] = [];
  private readonly builder = new FixBuilder();
  private readonly framer = new FixFramer({ maxMessageBytes: 1 << 20, maxFields: 4096 });

  private constructor(
    private readonly o: FixClientOptions,
    readonly socket: net.Socket,
  ) {
    socket.on('data', (chunk: Buffer) => {
      this.framer.push(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.length), {
        onMessage: (v) => {
          const raw = Buffer.from(v.buffer.subarray(v.rawOffset, v.rawOffset + v.rawLength)).toString('latin1');
          this.deliver(parse(raw));
        },
        onGarbled: () => undefined,
      });
    });
    const onClose = (): void => {
      this.closed = true;
      for (const w of this.closeWaiters.splice(0)) w();
    };
    socket.on('close', onClose);
    socket.on('error', () => undefined);
  }

  static connect(o: FixClientOptions): Promise<FixTestClient> {
    return new Promise((resolve, reject) => {
      const socket = o.tls
        ? tls.connect({ host: o.host, port: o.port, ...o.tls }, () => resolve(new FixTestClient(o, socket)))
        : net.connect({ host: o.host, port: o.port }, () => resolve(new FixTestClient(o, socket)));
      socket.once('error', reject);
    });
  }

  private deliver(m: Received): void {
    this.received.push(m);
    for (let i = 0; i < this.waiters.length; i++) {
      const w = this.waiters[i]!;
      if (w.pred(m)) {
        this.waiters.splice(i, 1);
        w.resolve(m);
        return;
      }
    }
  }

  /** Encodes and sends one message; returns the MsgSeqNum used (opts.seq, or the next one). */
  send(msgType: string, fields: ReadonlyArray<readonly [number, string]>, opts: { seq?: number; possDup?: boolean; origSendingTime?: string } = {}): number {
    const seq = opts.seq ?? this.nextSeq++;
    const now = formatUtcTimestamp(Date.now());
    const b = this.builder.begin(this.o.beginString, msgType);
    b.intField(34, seq);
    if (opts.possDup) b.field(43, 'Y');
    b.field(49, this.o.senderCompId).field(52, now).field(56, this.o.targetCompId);
    if (opts.possDup) b.field(122, opts.origSendingTime ?? now);
    for (const [t, v] of fields) b.field(t, v);
    this.socket.write(Buffer.from(b.finish()));
    return seq;
  }

  /** Sends a Logon and waits for the answer (Logon or Logout). */
  logon(o: { heartBtInt?: number; password?: string; username?: string; reset?: boolean } = {}, timeoutMs = 10_000): Promise<Received> {
    const f: [number, string][] = [
      [98, '0'],
      [108, String(o.heartBtInt ?? 30)],
    ];
    if (o.reset) f.push([141, 'Y']);
    if (o.username !== undefined) f.push([553, o.username]);
    if (o.password !== undefined) f.push([554, o.password]);
    if (this.o.beginString === 'FIXT.1.1') f.push([1137, '9']);
    const answer = this.waitFor((m) => m.type === 'A' || m.type === '5', timeoutMs);
    this.send('A', f);
    return answer;
  }

  /** Resolves with the first message (already received or arriving) that matches; rejects after timeoutMs. */
  waitFor(pred: (m: Received) => boolean, timeoutMs = 10_000, fromIndex = 0): Promise<Received> {
    for (let i = fromIndex; i < this.received.length; i++) if (pred(this.received[i]!)) return Promise.resolve(this.received[i]!);
    return new Promise((resolve, reject) => {
      const w = { pred, resolve: (m: Received) => (clearTimeout(timer), resolve(m)) };
      const timer = setTimeout(() => {
        const i = this.waiters.indexOf(w);
        if (i >= 0) this.waiters.splice(i, 1);
        reject(new Error(`no matching message within ${timeoutMs} ms; received types: ${this.received.map((m) => m.type).join(',')}`));
      }, timeoutMs);
      this.waiters.push(w);
    });
  }

  /** Resolves when the connection is closed (by either side). */
  whenClosed(timeoutMs = 10_000): Promise<void> {
    if (this.closed) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`connection still open after ${timeoutMs} ms`)), timeoutMs);
      this.closeWaiters.push(() => (clearTimeout(timer), resolve()));
    });
  }

  destroy(): void {
    this.socket.destroy();
  }
}

export function parse(raw: string): Received {
  const fields = new Map<number, string>();
  for (const part of raw.split('\x01')) {
    const eq = part.indexOf('=');
    if (eq > 0) fields.set(Number(part.slice(0, eq)), part.slice(eq + 1));
  }
  return { type: fields.get(35) ?? '', seq: Number(fields.get(34) ?? -1), fields, raw };
}
