/**
 * The transport interface the session layer uses: FIX over TCP or TLS, with connections identified by
 * numbers, inbound messages delivered as FixMessage views (src/fix/message.ts) over the FIX index layout
 * of schemas/gateway-internal.xml, and outbound bytes with back-pressure as a return value.
 *
 * Two implementations deliver the same views and the same event order:
 *   - NodeTransport (src/transport/node.ts): node:net / node:tls + the TS framer (src/fix/framer.ts);
 *     the portable fallback and the baseline the native path is measured against.
 *   - NativeTransport (src/native/net.ts): the native network agent (epoll + OpenSSL on its own thread)
 *     feeding an inbound ring; replies go through an outbound ring.
 * Selected by config (`transport.kind`: "native" | "node").
 *
 * Event order per connection id: onConnected, then onMessage/onGarbled*, then exactly one of
 * onDisconnected or onError (both final: the id is dead afterwards). A connect that fails reports only
 * onError. Listeners report onError/onDisconnected with their listener id when they fail or close.
 *
 * Hot path: onMessage gets a reused view valid only during the call (copy what must outlive it);
 * send() copies the bytes before returning, allocates nothing and returns a code, never throws.
 *
 * Threads: a transport and its handler calls belong to the JS thread that created it.
 */
import type { FixMessage } from '../fix/message.js';

/** send() results. */
export const SEND_OK = 0;
/** The outbound path is full right now; retry later (native: outbound ring full). */
export const SEND_BACK_PRESSURED = -1;
/** The connection id is unknown, not yet connected, closing or dead. */
export const SEND_NOT_CONNECTED = -2;
/** The bytes can never be sent in one piece (larger than the outbound ring's largest frame). */
export const SEND_TOO_LARGE = -3;
export type SendResult = typeof SEND_OK | typeof SEND_BACK_PRESSURED | typeof SEND_NOT_CONNECTED | typeof SEND_TOO_LARGE;

/** TLS profile (files are PEM paths; secrets are referenced, never inlined). */
export interface TlsOptions {
  /** This side's certificate chain; required for a listener. */
  certFile?: string;
  keyFile?: string;
  /** CA bundle that verifies the peer. */
  caFile?: string;
  /**
   * Listener: require a client certificate signed by caFile (mutual TLS); its subject is reported in
   * onConnected. Connector: require the server certificate to verify (and match serverName).
   */
  verifyPeer?: boolean;
  minVersion?: 'TLSv1.2' | 'TLSv1.3';
  maxVersion?: 'TLSv1.2' | 'TLSv1.3';
}

export interface ListenOptions {
  /** Numeric IPv4/IPv6 address to bind (default 0.0.0.0). */
  host?: string;
  /** 0 = an ephemeral port (see ListenResult.port). */
  port: number;
  tls?: TlsOptions;
  backlog?: number;
}

export interface ListenResult {
  /** Listener id (same id space as connections): close(id) stops accepting. */
  id: number;
  /** The bound port. */
  port: number;
}

export interface ConnectOptions {
  /** Numeric IPv4/IPv6 address of the peer. */
  host: string;
  port: number;
  tls?: TlsOptions;
  /** SNI and the name the server certificate must match when tls.verifyPeer. */
  serverName?: string;
}

/** What is known about a connection once it is connected (allocated once per connection). */
export interface ConnectionInfo {
  /** Peer address as text ("127.0.0.1", "::1"). */
  remoteAddress: string;
  remotePort: number;
  /** Our port: for accepted connections the listener's port. */
  localPort: number;
  tls: boolean;
  /**
   * Subject (RFC 2253, e.g. "CN=member1,O=Example") of the peer certificate when the peer presented
   * one and it verified against the CA (mutual TLS); "" otherwise. The session layer binds a member
   * to it.
   */
  tlsSubject: string;
}

/** Callbacks of a transport (a class instance: no closures per message). */
export interface TransportHandler {
  onConnected(connectionId: number, info: ConnectionInfo): void;
  /** One complete FIX message; `message` is reused and valid only during the call. */
  onMessage(connectionId: number, message: FixMessage): void;
  /** Input that was not FIX was discarded (FixGarbledReason); the connection continues. */
  onGarbled(connectionId: number, reason: number, streamOffset: number, discardedLength: number): void;
  /** The connection closed (by either side); final. */
  onDisconnected(connectionId: number, reason: string): void;
  /** The connection (or listener, or connect attempt) failed; final. code: errno (> 0) or -OpenSSL reason. */
  onError(connectionId: number, code: number, reason: string): void;
}

export interface Transport {
  readonly kind: 'native' | 'node';
  /** Starts accepting on host:port. Rejects on bind errors (e.g. code EADDRINUSE). */
  listen(options: ListenOptions): Promise<ListenResult>;
  /** Starts a connection; returns its id at once; the outcome is onConnected or onError. */
  connect(options: ConnectOptions): number;
  /** Queues bytes[offset, offset + length) for the connection; a code, never throws. */
  send(connectionId: number, bytes: Uint8Array, offset: number, length: number): SendResult;
  /** Closes a connection once the bytes queued before are written (or a listener). onDisconnected follows. */
  disconnect(connectionId: number): void;
  /** Closes every listener and connection (onDisconnected for each connection) and stops. */
  close(): Promise<void>;
}

/** Thrown by listen()/construction at the edges (never on the hot path). */
export const TransportErrorCode = {
  LISTEN_FAILED: 'TRANSPORT_LISTEN_FAILED',
  TLS_CONFIG: 'TRANSPORT_TLS_CONFIG',
  CLOSED: 'TRANSPORT_CLOSED',
} as const;
