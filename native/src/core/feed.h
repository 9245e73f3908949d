/*
 * Trade-feed receive: SBE over UDP from venues into an SPSC ring (ring.h), one datagram per
 * UdpDatagram frame (FrameHeader + the UDP payload exactly as received).
 *
 * One C interface (rx_burst style) with interchangeable backends:
 *   "udp"   kernel sockets, recvmmsg batches (feed_udp.c; always built)
 *   "dpdk"  DPDK 22.11 poll-mode driver, one port / one rx queue (native/src/dpdk; GATEWAY_HAVE_DPDK)
 *   "efvi"  Solarflare/Onload ef_vi (native/src/efvi; GATEWAY_HAVE_EFVI, only with -DGATEWAY_EFVI=ON)
 * and one agent model (agent.h): a feed agent's do_work is rx_burst(limit) followed by one
 * gw_ring_publish, so a burst costs one release store and at most one doorbell.
 *
 * Frames: frameType UdpDatagram (6), connectionId = cfg.feed_id, sessionId = null (0xFFFFFFFF),
 * receiveTimestampNs = kernel SO_TIMESTAMPNS (udp), the NIC hardware time with flags.hardwareTimestamp
 * when the backend has one, else gw_epoch_nanos() taken once per burst; flags.kernelBypass for dpdk and
 * efvi; flags.truncated when the datagram was longer than the backend's buffer or the ring's max_frame
 * (the payload then holds the first bytes only and the consumer must reject it).
 *
 * Back-pressure never loses a datagram the backend has taken: datagrams already received (socket
 * batch, mbufs) but not yet written wait in the backend's preallocated buffers and are written first by
 * the next rx_burst; nothing new is received while any wait. Everything else stays in the socket
 * buffer / NIC queue, whose overflow is counted in stats.drops where the backend can see it
 * (SO_RXQ_OVFL, rte_eth_stats.imissed/rx_nombuf, ef_vi discard events).
 *
 * Threads: a backend instance belongs to one thread at a time. open/close run on the controlling
 * thread while no agent runs the feed; rx_burst and stats run on the feed agent's thread (stats also
 * on the controlling thread once the agent has stopped). No allocation after open.
 */
#ifndef GATEWAY_FEED_H
#define GATEWAY_FEED_H

#include <stddef.h>
#include <stdint.h>

#include "agent.h"
#include "ring.h"

#ifdef __cplusplus
extern "C" {
#endif

#define GW_FEED_MAX_BATCH 1024u        /* datagrams per rx_burst at most */
#define GW_FEED_DEFAULT_BATCH 64u
#define GW_FEED_DEFAULT_MAX_DATAGRAM 2048u
#define GW_FEED_MAX_DATAGRAM 65507u    /* largest IPv4 UDP payload */
#define GW_FEED_MAX_EAL_ARGS 32

/* FrameType / FrameFlags values of schemas/gateway-internal.xml used by the feed. */
#define GW_FRAME_TYPE_UDP_DATAGRAM 6u
#define GW_FRAME_FLAG_KERNEL_BYPASS (1u << 1)
#define GW_FRAME_FLAG_TRUNCATED (1u << 2)
#define GW_FRAME_FLAG_HARDWARE_TIMESTAMP (1u << 3)
#define GW_FRAME_SESSION_NULL 0xFFFFFFFFu

/* Options of one feed. Strings are read during open only (the caller keeps them alive until then). */
typedef struct gw_feed_config {
    uint32_t feed_id;                  /* connectionId of every frame of this feed */
    uint16_t port;                     /* UDP destination port: bound (udp; 0 = ephemeral) or filtered
                                          (dpdk, efvi; 0 = every UDP port) */
    const char *bind_address;          /* udp: local IPv4 to bind (NULL/"" = 0.0.0.0) */
    const char *multicast_group;       /* udp: IPv4 group to join (IP_ADD_MEMBERSHIP); NULL/"" = unicast */
    const char *multicast_interface;   /* udp: IPv4 of the interface that joins; NULL/"" = any */
    uint32_t rcvbuf_bytes;             /* udp: SO_RCVBUF (0 = system default) */
    uint32_t batch;                    /* datagrams per burst, 1..GW_FEED_MAX_BATCH (0 = default) */
    uint32_t max_datagram;             /* receive buffer per datagram (0 = default); longer ones are
                                          truncated and flagged */
    /* DPDK: EAL arguments (without argv[0]) for rte_eal_init, used by the first DPDK open in the
       process only (the EAL initialises once per process; later opens must pass the same arguments or
       none). e.g. --no-huge -m 256 --no-pci --no-shconf --no-telemetry -l 0 --vdev=net_pcap0,rx_pcap=F */
    const char *const *eal_argv;
    int eal_argc;
    const char *device;                /* dpdk: ethdev name (e.g. "net_pcap0"; NULL = the first port);
                                          efvi: interface name (e.g. "eth2") */
    uint32_t mbufs;                    /* dpdk: mempool size (0 = 8191) */
    uint16_t rx_descriptors;           /* dpdk/efvi: rx ring size (0 = 1024 / 512) */
} gw_feed_config;

/* Counters since open. drops: datagrams lost before the backend could take them (socket buffer or
 * NIC overflow); filtered: packets that were not UDP to the configured port (dpdk, efvi);
 * truncated: datagrams delivered with flags.truncated; errors: receive errors. */
typedef struct gw_feed_stats {
    uint64_t packets;   /* datagrams written to the ring */
    uint64_t bytes;     /* UDP payload bytes received for them (before truncation) */
    uint64_t drops;
    uint64_t filtered;
    uint64_t truncated;
    uint64_t errors;
    uint64_t back_pressured; /* bursts that stopped early because the ring was full */
} gw_feed_stats;

typedef struct gw_feed_backend {
    const char *name;    /* "udp", "dpdk", "efvi" */
    size_t state_bytes;  /* size of the instance state the caller allocates (zeroed) for open */
    /* Opens the backend into `self` (state_bytes, zeroed). 0 on success; else -1 with a message in
       err and nothing left open. */
    int (*open)(void *self, const gw_feed_config *cfg, uint32_t ring_max_frame, char *err, size_t err_len);
    /* Writes up to `max` datagrams as UdpDatagram frames into `ring` (gw_ring_try_claim; the caller
       publishes) and returns how many. Stops early when the ring is back-pressured (see above).
       Never blocks. */
    int (*rx_burst)(void *self, gw_ring *ring, uint32_t max);
    void (*close)(void *self);
    void (*stats)(void *self, gw_feed_stats *out);
    /* Bound UDP port (udp: useful with port 0), or the filter port; may be NULL. */
    uint16_t (*local_port)(void *self);
} gw_feed_backend;

/* Backends compiled into this build: by name (NULL when absent) or by index ("udp" is index 0). */
const gw_feed_backend *gw_feed_backend_find(const char *name);
size_t gw_feed_backend_count(void);
const gw_feed_backend *gw_feed_backend_at(size_t index);

/* Shared by the backends (agent thread): writes one datagram as a UdpDatagram frame, truncating it
 * (flags.truncated) when header + payload exceed the ring's max_frame. Returns GW_RING_OK or
 * GW_RING_BACK_PRESSURED; *truncated set to 1 when it truncated. */
int gw_feed_write_datagram(gw_ring *ring, uint32_t feed_id, const uint8_t *payload, uint32_t length,
                           uint64_t timestamp_ns, uint16_t flags, int *truncated);

/* Shared by the raw-frame backends (dpdk, efvi): finds the UDP payload of an Ethernet frame
 * (optionally one or two 802.1Q/802.1ad VLAN tags) carrying IPv4/UDP to `port` (0 = any port).
 * Returns 0 with *payload and *payload_length set, or -1 for anything else (other ethertypes, IPv6, other
 * protocols, IPv4 fragments, other ports, inconsistent lengths). Pure function; never reads past
 * frame + length. */
int gw_feed_parse_udp(const uint8_t *frame, uint32_t length, uint16_t port, const uint8_t **payload,
                      uint32_t *payload_length);

/* ------------------------------------------------------------------ feed = backend + agent */

/* A running (or runnable) feed: a backend instance, a producer handle on the ring and the agent
 * thread that drives them. Created and destroyed on the controlling thread (JS main thread); the
 * backend and ring handle then belong to the agent thread until gw_feed_stop returns. */
typedef struct gw_feed gw_feed;

/* Allocates the feed (start-up allocation), opens the backend and attaches a producer handle to the
 * formatted ring region (doorbell may be NULL). NULL with a message in err on failure. */
gw_feed *gw_feed_create(const char *backend, const gw_feed_config *cfg, void *ring_region, gw_doorbell_fn doorbell,
                        void *doorbell_ctx, char *err, size_t err_len);

/* Starts the agent thread (each do_work takes at most cfg.batch datagrams; cpu < 0 = not pinned).
 * 0, or -1 when already started or the thread cannot be created. */
int gw_feed_start(gw_feed *feed, const gw_idle_strategy *idle, int cpu);

/* Stops and joins the agent (no-op when not running). Frames already published stay in the ring. */
void gw_feed_stop(gw_feed *feed);

/* Stops if needed, closes the backend and frees the feed. */
void gw_feed_destroy(gw_feed *feed);

/* Snapshot of the counters (any thread; refreshed by the agent after every burst with work). */
void gw_feed_get_stats(const gw_feed *feed, gw_feed_stats *out);

/* Runs one duty-cycle step on the calling thread (tests and benchmarks that drive the feed without
 * an agent; never while the agent runs). Returns datagrams written and published. */
int gw_feed_poll_once(gw_feed *feed, uint32_t max);

const char *gw_feed_backend_name(const gw_feed *feed);
uint16_t gw_feed_local_port(gw_feed *feed);
/* 0, or the errno of a failed CPU pinning of the agent. */
int gw_feed_pin_error(const gw_feed *feed);

#ifdef __cplusplus
}
#endif

#endif /* GATEWAY_FEED_H */
