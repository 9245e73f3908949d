/**
 * NodeTransport: the Transport (transport.ts) over node:net / node:tls and the TS framer
 * (src/fix/framer.ts). The portable fallback and the baseline of the native transport; the same
 * event order, the same FixMessage views, the same TLS options and the same send-buffer policy
 * (a connection whose unsent bytes would pass sendBufferBytes is closed with onError ENOBUFS
 * "send buffer full").
 *
 * Allocation: one FixFramer (and sink) per connection; inbound messages are views over the framer's
 * buffer (no per-message allocation in this file); send() copies the bytes into a new Buffer because
 * node:net keeps a reference to what it is given until written.
 *
 * Threads: a NodeTransport belongs to the JS thread that created it.
 */
import { X509Certificate } from 'node:crypto';
import * as fs from 'node:fs';
import * as net from 'node:net';
import { constants as osConstants } from 'node:os';
import * as tls from 'node:tls';
import { GatewayError } from '../codec/errors.js';
import { FixFramer, type FixFramerLimits, type FixSink } from '../fix/framer.js';
import type { FixMessage } from '../fix/message.js';
import {
  type ConnectOptions,
  type ConnectionInfo,
  type ListenOptions,
  type ListenResult,
  SEND_NOT_CONNECTED,
  SEND_OK,
  type SendResult,
  type TlsOptions,
  type Transport,
  TransportErrorCode,
  type TransportHandler,
} from './transport.js';

export interface NodeTransportOptions {
  /** Framer limits (default: 64 KiB messages, 1024 fields). */
  framer?: FixFramerLimits;
  /** Unsent bytes allowed per connection before it is closed (default 256 KiB, as the native agent). */
  sendBufferBytes?: number;
  /** TCP_NODELAY (default true). */
  noDelay?: boolean;
}

const ENOBUFS = osConstants.errno.ENOBUFS ?? 105;

/** errno (> 0) of a Node socket error, or -1 for TLS/OpenSSL errors without one. */
function errorCode(e: NodeJS.ErrnoException): number {
  if (e.code !== undefined) {
    const n = (osConstants.errno as Record<string, number | undefined>)[e.code];
    if (n !== undefined) return n;
  }
  if (typeof e.errno === 'number' && e.errno !== 0) return Math.abs(e.errno);
  return -1;
}

/** RFC 2253 form of a certificate subject (as the native agent reports it: last RDN first). */
function subjectOf(socket: tls.TLSSocket): string {
  if (!socket.authorized) return '';
  const peer = socket.getPeerCertificate(false);
  if (peer === null || peer.raw === undefined) return '';
  const x = new X509Certificate(peer.raw);
  return x.subject.split('\n').reverse().join(',');
}

function secureOptions(o: TlsOptions): tls.SecureContextOptions {
  return {
    cert: o.certFile !== undefined ? fs.readFileSync(o.certFile) : undefined,
    key: o.keyFile !== undefined ? fs.readFileSync(o.keyFile) : undefined,
    ca: o.caFile !== undefined ? fs.readFileSync(o.caFile) : undefined,
    minVersion: o.minVersion ?? 'TLSv1.2',
    maxVersion: o.maxVersion ?? 'TLSv1.3',
  };
}

/** One connection: its socket, framer and the sink that forwards framed input. JS thread. */
class Connection implements FixSink {
  readonly framer: FixFramer;
  open = false;
  done = false;
  closeReason = 'peer closed';

  constructor(
    readonly id: number,
    readonly socket: net.Socket,
    private readonly handler: TransportHandler,
    limits: FixFramerLimits,
  ) {
    this.framer = new FixFramer(limits);
  }

  onMessage(view: FixMessage): void {
    this.handler.onMessage(this.id, view);
  }

  onGarbled(reason: number, streamOffset: number, discardedLength: number): void {
    this.handler.onGarbled(this.id, reason, streamOffset, discardedLength);
  }
}

/** Transport over node:net/node:tls. Owned by the JS thread that created it. */
export class NodeTransport implements Transport {
  readonly kind = 'node' as const;
  private nextId = 1;
  private readonly connections = new Map<number, Connection>();
  private readonly servers = new Map<number, net.Server>();
  private readonly limits: FixFramerLimits;
  private readonly sendBufferBytes: number;
  private readonly noDelay: boolean;
  private closed = false;

  constructor(
    private readonly handler: TransportHandler,
    options: NodeTransportOptions = {},
  ) {
    this.limits = options.framer ?? { maxMessageBytes: 65536, maxFields: 1024 };
    this.sendBufferBytes = options.sendBufferBytes ?? 256 * 1024;
    this.noDelay = options.noDelay ?? true;
  }

  async listen(options: ListenOptions): Promise<ListenResult> {
    if (this.closed) throw new GatewayError(TransportErrorCode.CLOSED, 'transport is closed');
    const id = this.nextId++;
    let server: net.Server;
    const t = options.tls;
    if (t !== undefined) {
      let ctx: tls.SecureContextOptions;
      try {
        ctx = secureOptions(t);
      } catch (e) {
        throw new GatewayError(TransportErrorCode.TLS_CONFIG, (e as Error).message, { certFile: t.certFile }, { cause: e });
      }
      const verify = t.verifyPeer ?? false;
      server = tls.createServer({ ...ctx, requestCert: verify, rejectUnauthorized: verify }, (s) => this.adopt(s, true, true));
      server.on('tlsClientError', (err: NodeJS.ErrnoException) => {
        this.handler.onError(this.nextId++, errorCode(err), `TLS handshake: ${err.message}`);
      });
    } else {
      server = net.createServer((s) => this.adopt(s, false, true));
    }
    await new Promise<void>((resolve, reject) => {
      const onError = (e: NodeJS.ErrnoException): void => {
        reject(new GatewayError(TransportErrorCode.LISTEN_FAILED, `listen ${options.host ?? '0.0.0.0'}:${options.port}: ${e.message}`, { errno: e.code }, { cause: e }));
      };
      server.once('error', onError);
      server.listen({ host: options.host ?? '0.0.0.0', port: options.port, backlog: options.backlog ?? 128 }, () => {
        server.off('error', onError);
        resolve();
      });
    });
    server.on('error', (e: NodeJS.ErrnoException) => {
      if (this.servers.delete(id)) this.handler.onError(id, errorCode(e), e.message);
    });
    this.servers.set(id, server);
    return { id, port: (server.address() as net.AddressInfo).port };
  }

  connect(options: ConnectOptions): number {
    if (this.closed) throw new GatewayError(TransportErrorCode.CLOSED, 'transport is closed');
    const id = this.nextId++;
    const t = options.tls;
    let socket: net.Socket;
    if (t !== undefined) {
      const verify = t.verifyPeer ?? false;
      socket = tls.connect({
        ...secureOptions(t),
        host: options.host,
        port: options.port,
        servername: options.serverName,
        rejectUnauthorized: verify,
        // without a serverName there is no name to check: verify the chain only (as the native agent)
        checkServerIdentity: options.serverName !== undefined ? tls.checkServerIdentity : () => undefined,
      });
    } else {
      socket = net.connect({ host: options.host, port: options.port });
    }
    this.attach(id, socket, t !== undefined, false);
    return id;
  }

  private adopt(socket: net.Socket, isTls: boolean, accepted: boolean): void {
    if (this.closed) {
      socket.destroy();
      return;
    }
    const c = this.attach(this.nextId++, socket, isTls, accepted);
    this.opened(c, isTls);
  }

  private attach(id: number, socket: net.Socket, isTls: boolean, accepted: boolean): Connection {
    const c = new Connection(id, socket, this.handler, this.limits);
    this.connections.set(id, c);
    socket.setNoDelay(this.noDelay);
    if (!accepted) socket.once(isTls ? 'secureConnect' : 'connect', () => this.opened(c, isTls));
    socket.on('data', (chunk: Buffer) => {
      if (c.open) c.framer.push(chunk, c);
    });
    socket.on('error', (e: NodeJS.ErrnoException) => this.finish(c, e));
    socket.on('close', () => this.finish(c, undefined));
    return c;
  }

  private opened(c: Connection, isTls: boolean): void {
    c.open = true;
    const s = c.socket;
    const info: ConnectionInfo = {
      remoteAddress: (s.remoteAddress ?? '').replace(/^::ffff:/, ''),
      remotePort: s.remotePort ?? 0,
      localPort: s.localPort ?? 0,
      tls: isTls,
      tlsSubject: isTls ? subjectOf(s as tls.TLSSocket) : '',
    };
    this.handler.onConnected(c.id, info);
  }

  private finish(c: Connection, error: NodeJS.ErrnoException | undefined): void {
    if (c.done) return;
    c.done = true;
    c.open = false;
    this.connections.delete(c.id);
    if (error !== undefined) {
      c.socket.destroy();
      this.handler.onError(c.id, errorCode(error), error.message);
    } else {
      const left = c.framer.buffered;
      this.handler.onDisconnected(c.id, left > 0 ? `${c.closeReason} (${left} bytes of an incomplete message discarded)` : c.closeReason);
    }
  }

  send(connectionId: number, bytes: Uint8Array, offset: number, length: number): SendResult {
    const c = this.connections.get(connectionId);
    if (c === undefined || !c.open || c.socket.writableEnded) return SEND_NOT_CONNECTED;
    if (c.socket.writableLength + length > this.sendBufferBytes) {
      this.finish(c, Object.assign(new Error(`send buffer full (${c.socket.writableLength} bytes queued, ${length} more)`), { code: 'ENOBUFS', errno: ENOBUFS }));
      return SEND_NOT_CONNECTED;
    }
    c.socket.write(Buffer.from(bytes.subarray(offset, offset + length)));
    return SEND_OK;
  }

  disconnect(connectionId: number): void {
    const server = this.servers.get(connectionId);
    if (server !== undefined) {
      this.servers.delete(connectionId);
      server.close();
      this.handler.onDisconnected(connectionId, 'listener: listener closed');
      return;
    }
    const c = this.connections.get(connectionId);
    if (c === undefined || c.socket.writableEnded) return;
    c.closeReason = 'closed by request';
    c.socket.end(); // after the queued bytes; TLS sends close_notify
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const s of this.servers.values()) s.close();
    this.servers.clear();
    const waits: Promise<void>[] = [];
    for (const c of this.connections.values()) {
      c.closeReason = 'transport closed';
      waits.push(new Promise<void>((resolve) => c.socket.once('close', () => resolve())));
      c.socket.end();
      setTimeout(() => c.socket.destroy(), 2000).unref();
    }
    await Promise.all(waits);
  }
}
