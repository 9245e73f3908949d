/**
 * Chooses and configures the FIX transport from gateway.config.json: `fix.transport` "native" (the
 * epoll/OpenSSL network agent feeding rings) or "node" (node:net/node:tls with the TS framer). Both
 * deliver the same FixMessage views, so everything above the transport is unaware of the choice.
 *
 * Threads: the returned transport belongs to the calling JS thread.
 */
import type { GatewayConfig } from './config.js';
import { DEFAULT_RING_BYTES } from './config.js';
import type { GatewayAddon } from '../native/addon.js';
import { NativeTransport, type IdleKind } from '../native/net.js';
import { NodeTransport } from '../transport/node.js';
import type { ListenOptions, TlsOptions, Transport, TransportHandler } from '../transport/transport.js';

const DEFAULT_MAX_MESSAGE_BYTES = 65536;
const DEFAULT_MAX_FIELDS = 1024;
const DEFAULT_SEND_BUFFER_BYTES = 1024 * 1024;

type ConfigIdle = NonNullable<NonNullable<GatewayConfig['native']>['idle']>;

/** Config idle strategy → the agent's: "spin-then-park" is the C BACKOFF strategy (spin, yield, park). */
export function agentIdle(idle: ConfigIdle | undefined): IdleKind {
  switch (idle) {
    case 'spin':
      return 'spin';
    case 'yield':
      return 'yield';
    case 'park':
      return 'park';
    default:
      return 'backoff';
  }
}

/** TLS options of the FIX TLS listener (file paths are resolved by the caller's working directory). */
export function listenerTls(config: GatewayConfig): TlsOptions | undefined {
  const t = config.fix.tls;
  if (t === undefined) return undefined;
  return {
    certFile: t.certFile,
    keyFile: t.keyFile,
    caFile: t.caFile,
    verifyPeer: t.requireClientCert ?? false,
    minVersion: t.minVersion ?? 'TLSv1.2',
  };
}

/** The listeners the config asks for: plain TCP and/or TLS. */
export function fixListeners(config: GatewayConfig): ListenOptions[] {
  const out: ListenOptions[] = [];
  if (config.fix.tcp) out.push({ host: config.fix.tcp.host ?? '0.0.0.0', port: config.fix.tcp.port });
  if (config.fix.tls) out.push({ host: config.fix.tls.host ?? '0.0.0.0', port: config.fix.tls.port, tls: listenerTls(config) });
  return out;
}

/** Creates the transport `fix.transport` selects (default "native"). `addon` is needed for "native". */
export function createTransport(config: GatewayConfig, handler: TransportHandler, addon?: GatewayAddon): Transport {
  const maxMessageBytes = config.fix.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES;
  const maxFields = config.fix.maxFields ?? DEFAULT_MAX_FIELDS;
  const sendBufferBytes = config.fix.sendBufferBytes ?? DEFAULT_SEND_BUFFER_BYTES;
  if ((config.fix.transport ?? 'native') === 'node') {
    return new NodeTransport(handler, { framer: { maxMessageBytes, maxFields }, sendBufferBytes });
  }
  const n = config.native ?? {};
  const ringBytes = n.ringBytes ?? DEFAULT_RING_BYTES;
  const maxFrame = n.maxFrameBytes ?? Math.min(ringBytes / 2, 1 << 18);
  return new NativeTransport(
    handler,
    {
      agent: { maxMessageBytes, maxFields, sendBufferBytes },
      inboundRingBytes: ringBytes,
      inboundMaxFrame: maxFrame,
      outboundRingBytes: ringBytes,
      outboundMaxFrame: maxFrame,
      idle: agentIdle(n.idle),
      cpu: n.netCpu ?? -1,
      poller: { batchLimit: n.batchLimit ?? 256, spinPolls: n.spinPolls ?? 0 },
    },
    addon,
  );
}
