/**
 * Trade feeds: SBE over UDP from venues, received natively (native/src/core/feed.h) into a ring as
 * UdpDatagram frames (FrameHeader + the UDP payload exactly as received; connectionId = feedId,
 * sessionId = null). Backends: "udp" (kernel sockets, recvmmsg; always), "dpdk" (DPDK 22.11, when the
 * addon was built with libdpdk), "efvi" (Solarflare ef_vi, only with -DGATEWAY_EFVI=ON). Read the
 * frames with RingReader / RingPoller (ring.ts) and decode payloads with the generated flyweights.
 *
 * Frame flags (FrameFlags): kernelBypass for dpdk/efvi; truncated when a datagram was longer than
 * maxDatagram or the ring's maxFrame (reject it); hardwareTimestamp when receiveTimestampNs is NIC
 * time. Under ring back-pressure nothing the backend has taken is lost; overflow of the socket buffer
 * or NIC queue shows in stats().drops.
 *
 * DPDK: the EAL initialises once per process with the first DPDK feed's `ealArgs`; later feeds in the
 * same process must pass the same arguments or none. Without hugepages or a NIC, e.g.
 * `['--no-huge','-m','256','--no-pci','--no-shconf','--no-telemetry','-l','0','--vdev=net_pcap0,rx_pcap=FILE']`.
 *
 * Threads: a Feed belongs to the JS thread that opened it; its native agent thread runs between
 * start() and stop(). Control calls are rare (not per message); datagrams reach JS only via the ring.
 */
import { GatewayError } from '../codec/errors.js';
import { type GatewayAddon, NativeErrorCode, loadAddon } from './addon.js';
import type { NativeRing } from './ring.js';

export type FeedBackendName = 'udp' | 'dpdk' | 'efvi';

export interface FeedOptions {
  /** Backend (default "udp"). */
  backend?: FeedBackendName;
  /** connectionId of every frame of this feed (default 0). */
  feedId?: number;
  /** UDP destination port: bound by "udp" (0 = ephemeral, see localPort), filtered by dpdk/efvi (0 = any). */
  port?: number;
  /** udp: local IPv4 address to bind (default 0.0.0.0). */
  bindAddress?: string;
  /** udp: IPv4 multicast group to join. */
  multicastGroup?: string;
  /** udp: IPv4 address of the interface that joins the group (default any). */
  multicastInterface?: string;
  /** udp: SO_RCVBUF bytes (default: system default). */
  rcvbufBytes?: number;
  /** Datagrams per burst, 1..1024 (default 64). */
  batch?: number;
  /** udp: receive buffer per datagram (default 2048); longer datagrams arrive truncated and flagged. */
  maxDatagram?: number;
  /** dpdk: EAL arguments (without argv[0]); needed by the process's first DPDK feed. */
  ealArgs?: readonly string[];
  /** dpdk: ethdev name (e.g. "net_pcap0"; default the first port); efvi: interface name. */
  device?: string;
  /** dpdk: mbufs in the feed's mempool (default 8191). */
  mbufs?: number;
  /** dpdk/efvi: rx descriptors. */
  rxDescriptors?: number;
}

export interface FeedStartOptions {
  /** Idle strategy of the agent thread when no datagram arrives (default 'backoff'). */
  idle?: 'spin' | 'yield' | 'backoff' | 'park';
  /** Pin the agent thread to this CPU (failure shows in pinError, not fatal). */
  cpu?: number;
}

/** Counters since open (numbers: exact up to 2^53). */
export interface FeedStats {
  /** Datagrams written to the ring. */
  packets: number;
  /** UDP payload bytes of those datagrams (before truncation). */
  bytes: number;
  /** Datagrams lost before the backend took them (socket buffer / NIC overflow). */
  drops: number;
  /** Packets that were not IPv4/UDP to the configured port (dpdk, efvi). */
  filtered: number;
  /** Datagrams delivered with the truncated flag. */
  truncated: number;
  errors: number;
  /** Bursts that stopped early because the ring was full. */
  backPressured: number;
}

/** A feed opened by the addon (native/src/binding/feed_binding.cc). */
export interface NativeFeed {
  start(options?: FeedStartOptions): void;
  stop(): void;
  close(): void;
  /** One receive burst + publish on this thread (only while the agent is not running). */
  pollOnce(max?: number): number;
  stats(): FeedStats;
  readonly backend: FeedBackendName | null;
  readonly localPort: number;
  readonly pinError: number;
  readonly running: boolean;
}

export interface FeedAddon {
  feedBackends(): FeedBackendName[];
  openFeed(ring: NativeRing, options: FeedOptions): NativeFeed;
}

/** Codes thrown by openFeed (GatewayError.code). */
export const FeedErrorCode = {
  /** The backend is not compiled into this addon (e.g. "built without DPDK"). */
  FEED_UNAVAILABLE: 'FEED_UNAVAILABLE',
  /** The backend refused to open (bad address, port in use, EAL or port set-up failed, ...). */
  FEED_OPEN_FAILED: 'FEED_OPEN_FAILED',
} as const;

/** The addon's feed functions; throws GatewayError NATIVE_LOAD_FAILED when the addon has none. */
export function feedAddon(addon: GatewayAddon = loadAddon()): FeedAddon {
  const a = addon as unknown as Record<string, unknown>;
  for (const fn of ['feedBackends', 'openFeed'] as const) {
    if (typeof a[fn] !== 'function')
      throw new GatewayError(NativeErrorCode.NATIVE_LOAD_FAILED, `native addon does not export ${fn}() (rebuild it)`, { fn });
  }
  return addon as unknown as FeedAddon;
}

/** Backends compiled into the addon ("udp" always first). */
export function feedBackends(addon: GatewayAddon = loadAddon()): FeedBackendName[] {
  return feedAddon(addon).feedBackends();
}

/**
 * Opens a feed writing into `ring` (not started: call start(), or pollOnce() to drive it yourself).
 * Throws GatewayError FEED_UNAVAILABLE or FEED_OPEN_FAILED with the backend's message.
 */
export function openFeed(ring: NativeRing, options: FeedOptions, addon: GatewayAddon = loadAddon()): NativeFeed {
  const fa = feedAddon(addon);
  try {
    return fa.openFeed(ring, options);
  } catch (e) {
    const err = e as Error & { code?: string };
    if (err.code === FeedErrorCode.FEED_UNAVAILABLE || err.code === FeedErrorCode.FEED_OPEN_FAILED)
      throw new GatewayError(err.code, err.message, { backend: options.backend ?? 'udp' }, { cause: e });
    throw e;
  }
}
