/**
 * Test helpers for the transports: a recording TransportHandler, FIX message builders, certificates
 * made with the openssl CLI in a temp dir, and small waiting utilities. Test code only.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { FixMessage } from '../../src/fix/message.js';
import type { ConnectionInfo, TransportHandler } from '../../src/transport/transport.js';

export type Event =
  | { type: 'connected'; id: number; info: ConnectionInfo }
  | { type: 'message'; id: number; raw: Buffer; msgType: string; seq: number }
  | { type: 'garbled'; id: number; reason: number; streamOffset: number; discarded: number }
  | { type: 'disconnected'; id: number; reason: string }
  | { type: 'error'; id: number; code: number; reason: string };

/** Records every event (copying message bytes); optional echo of every message back to its sender. */
export class Recorder implements TransportHandler {
  readonly events: Event[] = [];
  echo: ((id: number, m: FixMessage) => void) | undefined;
  private waiters: Array<() => void> = [];

  onConnected(id: number, info: ConnectionInfo): void {
    this.push({ type: 'connected', id, info });
  }
  onMessage(id: number, m: FixMessage): void {
    const raw = Buffer.from(m.buffer.subarray(m.rawOffset, m.rawOffset + m.rawLength));
    this.echo?.(id, m);
    this.push({ type: 'message', id, raw, msgType: m.msgType, seq: m.getInt(34) });
  }
  onGarbled(id: number, reason: number, streamOffset: number, discarded: number): void {
    this.push({ type: 'garbled', id, reason, streamOffset, discarded });
  }
  onDisconnected(id: number, reason: string): void {
    this.push({ type: 'disconnected', id, reason });
  }
  onError(id: number, code: number, reason: string): void {
    this.push({ type: 'error', id, code, reason });
  }

  private push(e: Event): void {
    this.events.push(e);
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  of<T extends Event['type']>(type: T, id?: number): Array<Extract<Event, { type: T }>> {
    return this.events.filter((e): e is Extract<Event, { type: T }> => e.type === type && (id === undefined || e.id === id));
  }

  /** Resolves once pred() holds (checked after every event), rejects after timeoutMs. */
  async until(pred: () => boolean, timeoutMs = 5000, what = 'condition'): Promise<void> {
    const end = Date.now() + timeoutMs;
    while (!pred()) {
      const left = end - Date.now();
      if (left <= 0) throw new Error(`timed out waiting for ${what}; events: ${JSON.stringify(this.events.map((e) => [e.type, e.id, 'reason' in e ? e.reason : '']))}`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, Math.min(left, 50));
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }
}

/** A FIX 4.4 NewOrderSingle with MsgSeqNum seq (about 200 bytes), exact BodyLength and CheckSum. */
export function fixMessage(seq: number, msgType = 'D'): Buffer {
  const SOH = '\x01';
  const body =
    `35=${msgType}${SOH}34=${seq}${SOH}49=MEMBER1${SOH}56=CCP${SOH}52=20261124-02:30:00.000${SOH}` +
    `11=ORD${String(seq).padStart(6, '0')}${SOH}55=ACME${SOH}54=1${SOH}38=100${SOH}40=2${SOH}44=12.345${SOH}60=20261124-02:30:00.000${SOH}`;
  const head = `8=FIX.4.4${SOH}9=${body.length}${SOH}`;
  let sum = 0;
  for (const ch of head + body) sum += ch.charCodeAt(0);
  return Buffer.from(`${head}${body}10=${String(sum % 256).padStart(3, '0')}${SOH}`, 'latin1');
}

/** Deterministic PRNG (LCG) for fragment sizes. */
export function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    return s >>> 8;
  };
}

/** Splits bytes into random fragments of 1..maxChunk bytes. */
export function fragments(bytes: Buffer, maxChunk: number, seed: number): Buffer[] {
  const r = prng(seed);
  const out: Buffer[] = [];
  for (let off = 0; off < bytes.length; ) {
    const n = Math.min(1 + (r() % maxChunk), bytes.length - off);
    out.push(bytes.subarray(off, off + n));
    off += n;
  }
  return out;
}

export interface Certs {
  dir: string;
  ca: string;
  serverCert: string;
  serverKey: string;
  clientCert: string;
  clientKey: string;
  /** A second member's certificate from the same CA (CN=member2). */
  client2Cert: string;
  client2Key: string;
  /** Signed by another CA ("Other CA"). */
  rogueCert: string;
  rogueKey: string;
  otherCa: string;
}

/** CA, server (CN=localhost), clients (CN=member1, CN=member2) and a rogue client of another CA; P-256 keys. */
export function makeCerts(): Certs {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gw-tls-'));
  const run = (args: string[]): void => {
    execFileSync('openssl', args, { cwd: dir, stdio: 'ignore' });
  };
  const ca = (name: string, subject: string): void =>
    run(['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '2', '-subj', subject, '-keyout', `${name}.key`, '-out', `${name}.pem`]);
  const leaf = (name: string, cn: string, issuer: string): void => {
    run(['req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-subj', `/O=Gateway/CN=${cn}`, '-keyout', `${name}.key`, '-out', `${name}.csr`]);
    fs.writeFileSync(path.join(dir, `${name}.ext`), `subjectAltName=DNS:${cn},IP:127.0.0.1\n`);
    run(['x509', '-req', '-in', `${name}.csr`, '-CA', `${issuer}.pem`, '-CAkey', `${issuer}.key`, '-CAcreateserial', '-days', '2', '-extfile', `${name}.ext`, '-out', `${name}.pem`]);
  };
  ca('ca', '/CN=Test CA');
  ca('other', '/CN=Other CA');
  leaf('server', 'localhost', 'ca');
  leaf('client', 'member1', 'ca');
  leaf('client2', 'member2', 'ca');
  leaf('rogue', 'rogue', 'other');
  const p = (f: string): string => path.join(dir, f);
  return {
    dir,
    ca: p('ca.pem'),
    serverCert: p('server.pem'),
    serverKey: p('server.key'),
    clientCert: p('client.pem'),
    clientKey: p('client.key'),
    client2Cert: p('client2.pem'),
    client2Key: p('client2.key'),
    rogueCert: p('rogue.pem'),
    rogueKey: p('rogue.key'),
    otherCa: p('other.pem'),
  };
}

export const delay = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
