/**
 * NativeTransport: the Transport (src/transport/transport.ts) over the native network agent
 * (native/src/core/net.h, bound by native/src/binding/net_binding.cc).
 *
 *   wire -> agent thread (epoll, OpenSSL, C framer/indexer) -> inbound ring -> RingPoller (JS thread)
 *        -> handler.onMessage(id, FixMessage view over the ring's bytes: no copy)
 *   handler -> send(id, bytes) -> SendBytes frame in the outbound ring -> agent thread -> wire
 *
 * The JS side runs on the Node main thread: a RingPoller drains the inbound ring in batches on the
 * event loop, parks once it is drained (optionally after spinning; not by default) and is woken by the
 * agent's doorbell (a uv_async_t, or a thread-safe function without libuv's header: ring_binding.cc).
 * The agent polls the outbound ring every duty cycle;
 * when idle for blockAfterIdleCycles cycles it sleeps in epoll_wait and send() wakes it through the
 * outbound ring's doorbell (an eventfd write, only when it sleeps).
 *
 * Threads: a NativeTransport belongs to the JS thread that created it; the agent thread meets it only
 * through the two rings and the command queue.
 */
import { GatewayError } from '../codec/errors.js';
import { FixMessage } from '../fix/message.js';
import { ConnectionEventDecoder } from '../generated/gateway-internal/ConnectionEvent.js';
import { FixGarbledHeaderDecoder } from '../generated/gateway-internal/FixGarbledHeader.js';
import { FrameType } from '../generated/gateway-internal/FrameType.js';
import { MessageHeaderDecoder } from '../generated/gateway-internal/MessageHeader.js';
import {
  type ConnectOptions,
  type ConnectionInfo,
  type ListenOptions,
  type ListenResult,
  SEND_BACK_PRESSURED,
  SEND_NOT_CONNECTED,
  SEND_OK,
  SEND_TOO_LARGE,
  type SendResult,
  type TlsOptions,
  type Transport,
  TransportErrorCode,
  type TransportHandler,
} from '../transport/transport.js';
import { type GatewayAddon, NativeErrorCode, loadAddon } from './addon.js';
import { BACK_PRESSURED, type FrameView, type NativeRing, RingPoller, type RingPollerOptions, RingReader, RingWriter, ringAddon } from './ring.js';

/** Config of the agent (net.h gw_net_config); omitted values take the C defaults. */
export interface NetAgentConfig {
  maxConnections?: number;
  recvBufferBytes?: number;
  /** Per-connection send buffer; a connection that cannot take a SendBytes frame is closed (ENOBUFS). */
  sendBufferBytes?: number;
  maxMessageBytes?: number;
  maxFields?: number;
  maxEvents?: number;
  readBudgetBytes?: number;
  outboundFrameLimit?: number;
  commandQueueCapacity?: number;
  /** Connect and TLS handshake timeout each (default 10000). */
  openTimeoutMs?: number;
  /** A requested close waits this long for queued bytes, then for the peer's EOF (default 2000). */
  closeTimeoutMs?: number;
  tcpNoDelay?: boolean;
  /** SO_SNDBUF of connections (default: kernel, autotuned). */
  socketSendBufferBytes?: number;
  /**
   * After this many idle duty cycles the agent sleeps in epoll_wait (woken by sockets, or by the
   * outbound ring's doorbell when JS sends); 0 = never (pure spin/backoff idle strategy).
   * NativeTransport's default is 100.
   */
  blockAfterIdleCycles?: number;
  /** Longest such sleep in ms (default 10). */
  blockTimeoutMs?: number;
}

export interface NetStats {
  accepted: number;
  connected: number;
  closed: number;
  messagesIn: number;
  garbledIn: number;
  bytesIn: number;
  bytesOut: number;
  backPressured: number;
  droppedOutbound: number;
  sendBufferFull: number;
  cycles?: number;
}

interface NativeTlsProfile {
  certFile?: string;
  keyFile?: string;
  caFile?: string;
  verifyPeer?: boolean;
  minVersion?: number;
  maxVersion?: number;
}

/** The addon's NetAgent object (net_binding.cc). Control calls only; data goes through the rings. */
export interface NativeNetAgent {
  addTls(profile: NativeTlsProfile, isServer: boolean): number;
  start(options?: { idle?: IdleKind; cpu?: number; minParkNs?: number; maxParkNs?: number }): { pinError: number };
  listen(host: string, port: number, tlsId: number, backlog?: number): { id: number; port: number };
  connect(host: string, port: number, tlsId: number, serverName?: string): number;
  close(id: number): boolean;
  stats(): NetStats;
  /** Wakes the agent from a blocking idle wait (outbound ring doorbell). */
  wake(): void;
  stop(): void;
}

export interface NetAddon {
  createNetAgent(inbound: NativeRing, outbound: NativeRing, config?: NetAgentConfig): NativeNetAgent;
}

export type IdleKind = 'spin' | 'yield' | 'backoff' | 'park';

/** The addon's network functions; throws NATIVE_LOAD_FAILED when the addon has none. */
export function netAddon(addon: GatewayAddon = loadAddon()): NetAddon & GatewayAddon {
  if (typeof (addon as unknown as Record<string, unknown>).createNetAgent !== 'function')
    throw new GatewayError(NativeErrorCode.NATIVE_LOAD_FAILED, 'native addon does not export createNetAgent() (rebuild it)', {});
  return addon as unknown as NetAddon & GatewayAddon;
}

export interface NativeTransportOptions {
  agent?: NetAgentConfig;
  /** Inbound ring data bytes (power of two, default 4 MiB) and largest frame (default 256 KiB). */
  inboundRingBytes?: number;
  inboundMaxFrame?: number;
  /** Outbound ring data bytes (default 4 MiB) and largest frame = largest send() (default 256 KiB). */
  outboundRingBytes?: number;
  outboundMaxFrame?: number;
  /** Agent idle strategy (default 'backoff'); 'spin' keeps a core busy for the lowest latency. */
  idle?: IdleKind;
  /** Park bounds of the 'backoff'/'park' idle strategies in ns (C defaults 1 us .. 1 ms). */
  minParkNs?: number;
  maxParkNs?: number;
  /** CPU to pin the agent thread to (default: not pinned). */
  cpu?: number;
  /**
   * Options of the inbound RingPoller (batch sizes, spin before parking). NativeTransport's default
   * is spinPolls 0 (RingPoller's own default is 64): a drained ring parks at once and the agent's
   * doorbell wakes the JS thread per message. Measured (perf/cases/tcp-rtt.ts, 2-core VM): 64 empty
   * turns made the loopback round trip ~10x slower (346 us vs 33 us median), the spinning JS thread
   * taking the core the agent or the client needed.
   */
  poller?: RingPollerOptions;
}

const NULL_SESSION = 0xffffffff;
const OPEN = 1;
const CLOSING = 2;

function tlsVersion(v: 'TLSv1.2' | 'TLSv1.3' | undefined): number | undefined {
  return v === undefined ? undefined : v === 'TLSv1.2' ? 12 : 13;
}

function ipText(b: Uint8Array, at: number): string {
  let mapped = true;
  for (let i = 0; i < 10; i++) if (b[at + i] !== 0) mapped = false;
  if (mapped && b[at + 10] === 0xff && b[at + 11] === 0xff) return `${b[at + 12]}.${b[at + 13]}.${b[at + 14]}.${b[at + 15]}`;
  const parts: string[] = [];
  for (let i = 0; i < 16; i += 2) parts.push(((b[at + i]! << 8) | b[at + i + 1]!).toString(16));
  // compress the longest run of zero groups (RFC 5952)
  let best = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (parts[i] !== '0') {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && parts[j] === '0') j++;
    if (j - i > bestLen && j - i > 1) {
      best = i;
      bestLen = j - i;
    }
    i = j;
  }
  if (best < 0) return parts.join(':');
  return `${parts.slice(0, best).join(':')}::${parts.slice(best + bestLen).join(':')}`;
}

/**
 * Transport over the native network agent. Owned by the JS thread that created it.
 */
export class NativeTransport implements Transport {
  readonly kind = 'native' as const;
  readonly inbound: NativeRing;
  readonly outbound: NativeRing;
  private readonly agent: NativeNetAgent;
  private readonly writer: RingWriter;
  private readonly poller: RingPoller;
  private readonly view = new FixMessage();
  private readonly header = new MessageHeaderDecoder();
  private readonly event = new ConnectionEventDecoder();
  private readonly garbled = new FixGarbledHeaderDecoder();
  /** Connection id -> OPEN | CLOSING (absent: unknown, not yet connected, or dead). */
  private readonly state = new Map<number, number>();
  private readonly listeners = new Set<number>();
  private readonly tlsIds = new Map<string, number>();
  /** Disconnect frames that met a full outbound ring (retried on the next turn). */
  private readonly pendingDisconnects: number[] = [];
  private retryTimer: NodeJS.Immediate | undefined;
  private closed = false;

  constructor(
    private readonly handler: TransportHandler,
    options: NativeTransportOptions = {},
    addon: GatewayAddon = loadAddon(),
  ) {
    const net = netAddon(addon);
    const rings = ringAddon(addon);
    const bell = (addon as unknown as { ringDoorbell?: unknown }).ringDoorbell;
    this.doorbellKind = typeof bell === 'string' ? bell : 'threadsafe-function';
    this.inbound = rings.createRing(options.inboundRingBytes ?? 1 << 22, options.inboundMaxFrame ?? 1 << 18);
    this.outbound = rings.createRing(options.outboundRingBytes ?? 1 << 22, options.outboundMaxFrame ?? 1 << 18);
    try {
      this.agent = net.createNetAgent(this.inbound, this.outbound, { blockAfterIdleCycles: 100, ...options.agent });
    } catch (e) {
      throw new GatewayError(TransportErrorCode.LISTEN_FAILED, `native transport: ${(e as Error).message}`, {}, { cause: e });
    }
    const agent = this.agent;
    // Called by publish() only when the agent announced it sleeps: one N-API call per wake-up, none
    // while it is busy.
    this.writer = new RingWriter(this.outbound, () => agent.wake());
    this.poller = new RingPoller(this.inbound, this.onFrame, { spinPolls: 0, ...options.poller });
    this.agent.start({ idle: options.idle ?? 'backoff', cpu: options.cpu ?? -1, minParkNs: options.minParkNs, maxParkNs: options.maxParkNs });
    this.poller.start();
  }

  /** The doorbell mechanism of the loaded addon (ring_binding.cc): 'uv_async' or 'threadsafe-function'. */
  readonly doorbellKind: string;

  /** Agent counters (control path: allocates). */
  stats(): NetStats {
    return this.agent.stats();
  }

  private tlsId(tls: TlsOptions | undefined, server: boolean): number {
    if (tls === undefined) return -1;
    const key = JSON.stringify([server, tls.certFile, tls.keyFile, tls.caFile, tls.verifyPeer, tls.minVersion, tls.maxVersion]);
    let id = this.tlsIds.get(key);
    if (id === undefined) {
      try {
        id = this.agent.addTls(
          {
            certFile: tls.certFile,
            keyFile: tls.keyFile,
            caFile: tls.caFile,
            verifyPeer: tls.verifyPeer ?? false,
            minVersion: tlsVersion(tls.minVersion),
            maxVersion: tlsVersion(tls.maxVersion),
          },
          server,
        );
      } catch (e) {
        throw new GatewayError(TransportErrorCode.TLS_CONFIG, (e as Error).message, { certFile: tls.certFile, caFile: tls.caFile }, { cause: e });
      }
      this.tlsIds.set(key, id);
    }
    return id;
  }

  async listen(options: ListenOptions): Promise<ListenResult> {
    if (this.closed) throw new GatewayError(TransportErrorCode.CLOSED, 'transport is closed');
    const tlsId = this.tlsId(options.tls, true);
    try {
      const r = this.agent.listen(options.host ?? '0.0.0.0', options.port, tlsId, options.backlog ?? 128);
      this.listeners.add(r.id);
      return r;
    } catch (e) {
      const code = (e as { code?: string }).code;
      throw new GatewayError(TransportErrorCode.LISTEN_FAILED, (e as Error).message, { host: options.host, port: options.port, errno: code }, { cause: e });
    }
  }

  connect(options: ConnectOptions): number {
    if (this.closed) throw new GatewayError(TransportErrorCode.CLOSED, 'transport is closed');
    const tlsId = this.tlsId(options.tls, false);
    return this.agent.connect(options.host, options.port, tlsId, options.serverName);
  }

  send(connectionId: number, bytes: Uint8Array, offset: number, length: number): SendResult {
    if (this.state.get(connectionId) !== OPEN) return SEND_NOT_CONNECTED;
    const w = this.writer;
    const at = w.tryClaim(FrameType.SendBytes, length, connectionId, NULL_SESSION);
    if (at < 0) return at === BACK_PRESSURED ? SEND_BACK_PRESSURED : SEND_TOO_LARGE;
    const dst = w.bytes;
    if (offset === 0 && length === bytes.length) dst.set(bytes, at);
    else for (let i = 0; i < length; i++) dst[at + i] = bytes[offset + i]!;
    w.publish();
    return SEND_OK;
  }

  disconnect(connectionId: number): void {
    if (this.listeners.has(connectionId)) {
      this.listeners.delete(connectionId);
      this.agent.close(connectionId);
      return;
    }
    if (this.state.get(connectionId) !== OPEN) return;
    this.state.set(connectionId, CLOSING);
    if (!this.writeDisconnect(connectionId)) {
      this.pendingDisconnects.push(connectionId);
      this.retryTimer ??= setImmediate(this.retryDisconnects);
    }
  }

  private writeDisconnect(id: number): boolean {
    if (this.writer.tryClaim(FrameType.Disconnect, 0, id, NULL_SESSION) < 0) return false;
    this.writer.publish();
    return true;
  }

  private readonly retryDisconnects = (): void => {
    this.retryTimer = undefined;
    while (this.pendingDisconnects.length > 0 && this.writeDisconnect(this.pendingDisconnects[0]!)) this.pendingDisconnects.shift();
    if (this.pendingDisconnects.length > 0 && !this.closed) this.retryTimer = setImmediate(this.retryDisconnects);
  };

  /**
   * Stops the agent: queued bytes are written as far as the sockets take them, TLS connections send
   * close_notify, every connection is closed and reported with onDisconnected ("agent stopped").
   */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.retryTimer !== undefined) clearImmediate(this.retryTimer);
    this.poller.stop();
    const reader = new RingReader(this.inbound);
    while (reader.poll(this.onFrame, 1024) > 0);
    this.agent.stop(); // joins the thread; on_close published the Disconnected frames
    while (reader.poll(this.onFrame, 1024) > 0);
    this.state.clear();
    this.listeners.clear();
  }

  private readonly onFrame = (f: FrameView): void => {
    const type = f.frameType;
    const id = f.connectionId;
    if (type === FrameType.FixMessage) {
      this.handler.onMessage(id, this.view.wrap(f.bytes, f.payloadOffset));
      return;
    }
    if (type === FrameType.FixGarbled) {
      const g = this.garbled.wrap(f.bytes, f.payloadOffset);
      this.handler.onGarbled(id, g.reason(), g.streamOffsetAsNumber(), g.discardedLength());
      return;
    }
    if (type === FrameType.Connected || type === FrameType.Disconnected || type === FrameType.ConnectionError) {
      const e = this.event.wrapAndApplyHeader(f.bytes, f.payloadOffset, this.header);
      const reason = e.reason();
      if (type === FrameType.Connected) {
        this.state.set(id, OPEN);
        const info: ConnectionInfo = {
          remoteAddress: ipText(f.bytes, f.payloadOffset + MessageHeaderDecoder.ENCODED_LENGTH + ConnectionEventDecoder.remoteAddressEncodingOffset),
          remotePort: e.remotePort(),
          localPort: e.localPort(),
          tls: e.transport() === 1,
          tlsSubject: reason,
        };
        this.handler.onConnected(id, info);
      } else {
        const wasListener = this.listeners.delete(id);
        this.state.delete(id);
        if (type === FrameType.Disconnected) this.handler.onDisconnected(id, wasListener ? `listener: ${reason}` : reason);
        else this.handler.onError(id, e.errorCode(), reason);
      }
    }
  };
}
