/*
 * DPDK feed backend (DPDK 22.11): one ethdev port, one rx queue, one mempool allocated at open;
 * rte_eth_rx_burst, Ethernet/VLAN/IPv4/UDP parsing (gw_feed_parse_udp), the UDP payload copied into
 * the ring as a UdpDatagram frame (flags.kernelBypass), mbufs freed in bulk. Built only when
 * native/cmake/dpdk.cmake finds libdpdk (GATEWAY_HAVE_DPDK); compiled with DPDK's cflags.
 *
 * EAL: rte_eal_init runs once per process, on the first DPDK open, with cfg.eal_argv (a DPDK process
 * cannot re-initialise its EAL). Later opens must pass the same arguments or none; different ones are
 * an error. It runs on a short-lived helper thread so that the EAL pins that thread (main lcore), not
 * the caller (the Node main thread). Virtual devices work without hugepages or a NIC, e.g.
 *   --no-huge -m 256 --no-pci --no-shconf --no-telemetry -l 0 --vdev=net_pcap0,rx_pcap=FILE
 *   --no-huge -m 256 --no-pci --no-shconf --no-telemetry -l 0 --vdev=net_af_packet0,iface=VETH
 * A port is stopped and closed by close(); a closed port (vdev) cannot be opened again in the same
 * process.
 *
 * Thread: the thread that runs rx_burst registers itself with the EAL once (rte_thread_register) so
 * that the mempool's per-lcore cache is used; see feed.h for the rest.
 *
 * receiveTimestampNs: gw_epoch_nanos() once per burst (no hardware timestamp offload is enabled).
 */
#define _GNU_SOURCE /* strdup; DPDK headers expect the GNU feature set */

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>

#include "feed.h"

#define GW_DPDK_BURST 64u            /* mbufs per rte_eth_rx_burst */
#define GW_DPDK_SCRATCH 65536u       /* linearisation buffer for multi-segment packets */
#define GW_DPDK_NIC_STATS_EVERY 256u /* stats() calls between rte_eth_stats_get refreshes */

/* ------------------------------------------------------------------ EAL (once per process) */

static pthread_mutex_t gw_eal_lock = PTHREAD_MUTEX_INITIALIZER;
static int gw_eal_state;            /* 0 not tried, 1 initialised, -1 failed (permanent) */
static char gw_eal_args[4096];      /* the arguments it was initialised with, space-joined */
static char gw_eal_error[256];

typedef struct gw_eal_call {
    int argc;
    char **argv;
    int rc;
    int err;
} gw_eal_call;

static void *gw_eal_thread(void *arg)
{
    gw_eal_call *c = arg;
    c->rc = rte_eal_init(c->argc, c->argv);
    c->err = rte_errno;
    return NULL;
}

static void gw_join_args(const gw_feed_config *cfg, char *out, size_t out_len)
{
    size_t used = 0;
    out[0] = '\0';
    for (int i = 0; i < cfg->eal_argc && used < out_len; i++) {
        int n = snprintf(out + used, out_len - used, "%s%s", i > 0 ? " " : "", cfg->eal_argv[i]);
        if (n < 0) break;
        used += (size_t)n;
    }
}

static int gw_eal_ensure(const gw_feed_config *cfg, char *err, size_t err_len)
{
    char joined[sizeof gw_eal_args];
    gw_join_args(cfg, joined, sizeof joined);
    pthread_mutex_lock(&gw_eal_lock);
    int rc = 0;
    if (gw_eal_state == 1) {
        if (cfg->eal_argc > 0 && strcmp(joined, gw_eal_args) != 0) {
            snprintf(err, err_len,
                     "dpdk feed: the EAL is already initialised in this process with \"%s\"; it initialises once per "
                     "process and cannot take \"%s\"",
                     gw_eal_args, joined);
            rc = -1;
        }
    } else if (gw_eal_state == -1) {
        snprintf(err, err_len, "dpdk feed: EAL initialisation failed earlier in this process: %s", gw_eal_error);
        rc = -1;
    } else if (cfg->eal_argc <= 0 || cfg->eal_argc > GW_FEED_MAX_EAL_ARGS) {
        snprintf(err, err_len, "dpdk feed: EAL arguments needed for the first DPDK feed (1..%d)", GW_FEED_MAX_EAL_ARGS);
        rc = -1;
    } else {
        /* rte_eal_init permutes and overwrites argv entries and may keep pointers into the strings:
           copies that live as long as the process (`keep` holds them; `argv` is EAL's to reorder). */
        static char *keep[GW_FEED_MAX_EAL_ARGS + 1];
        static char *argv[GW_FEED_MAX_EAL_ARGS + 2];
        keep[0] = strdup("gateway");
        for (int i = 0; i < cfg->eal_argc; i++) keep[i + 1] = strdup(cfg->eal_argv[i]);
        for (int i = 0; i <= cfg->eal_argc; i++) argv[i] = keep[i];
        argv[cfg->eal_argc + 1] = NULL;
        gw_eal_call call = {.argc = cfg->eal_argc + 1, .argv = argv, .rc = -1, .err = 0};
        pthread_t t;
        if (pthread_create(&t, NULL, gw_eal_thread, &call) != 0 || pthread_join(t, NULL) != 0) {
            snprintf(gw_eal_error, sizeof gw_eal_error, "cannot start the EAL init thread");
        } else if (call.rc < 0) {
            /* A long argument list is cut in the message: intended (the return value is checked so gcc
             * does not flag the truncation). */
            if (snprintf(gw_eal_error, sizeof gw_eal_error, "rte_eal_init(%s): %s", joined, rte_strerror(call.err)) < 0)
                gw_eal_error[0] = '\0';
        }
        if (call.rc < 0) {
            gw_eal_state = -1;
            snprintf(err, err_len, "dpdk feed: %s", gw_eal_error);
            rc = -1;
        } else {
            gw_eal_state = 1;
            snprintf(gw_eal_args, sizeof gw_eal_args, "%s", joined);
        }
    }
    pthread_mutex_unlock(&gw_eal_lock);
    return rc;
}

/* ------------------------------------------------------------------ backend */

typedef struct gw_feed_dpdk {
    uint16_t port_id;
    uint16_t udp_port;
    uint32_t feed_id;
    int started;
    struct rte_mempool *pool;
    uint8_t *scratch;
    struct rte_mbuf *pkts[GW_DPDK_BURST];
    uint16_t pending_next;     /* mbufs received and not yet handled: [pending_next, pending_count) */
    uint16_t pending_count;
    uint64_t pending_ts;       /* receive time of the pending burst */
    uint32_t stats_calls;
    uint64_t nic_missed;       /* imissed + rx_nombuf of the port at the last refresh */
    uint64_t nic_errors;
    gw_feed_stats stats;       /* software counters (drops/errors from the NIC added in stats()) */
} gw_feed_dpdk;

static _Thread_local int gw_dpdk_thread_registered;

static int gw_dpdk_open(void *self, const gw_feed_config *cfg, uint32_t ring_max_frame, char *err, size_t err_len)
{
    gw_feed_dpdk *d = self;
    (void)ring_max_frame;
    if (gw_eal_ensure(cfg, err, err_len) != 0) return -1;
    d->feed_id = cfg->feed_id;
    d->udp_port = cfg->port;

    uint16_t port = RTE_MAX_ETHPORTS;
    if (cfg->device != NULL && cfg->device[0] != '\0') {
        if (rte_eth_dev_get_port_by_name(cfg->device, &port) != 0) {
            snprintf(err, err_len, "dpdk feed: no DPDK port named \"%s\" (%u port(s) available)", cfg->device,
                     (unsigned)rte_eth_dev_count_avail());
            return -1;
        }
    } else {
        uint16_t p;
        RTE_ETH_FOREACH_DEV(p)
        {
            port = p;
            break;
        }
        if (port == RTE_MAX_ETHPORTS) {
            snprintf(err, err_len, "dpdk feed: no DPDK port available (pass --vdev=... or bind a NIC)");
            return -1;
        }
    }
    d->port_id = port;

    d->scratch = malloc(GW_DPDK_SCRATCH);
    if (d->scratch == NULL) {
        snprintf(err, err_len, "dpdk feed: out of memory");
        return -1;
    }
    char name[RTE_MEMPOOL_NAMESIZE];
    snprintf(name, sizeof name, "gwfeed%u_%u", (unsigned)cfg->feed_id, (unsigned)port);
    unsigned mbufs = cfg->mbufs != 0 ? cfg->mbufs : 8191u;
    int socket = rte_eth_dev_socket_id(port);
    if (socket < 0) socket = (int)SOCKET_ID_ANY;
    d->pool = rte_pktmbuf_pool_create(name, mbufs, 256, 0, RTE_MBUF_DEFAULT_BUF_SIZE, socket);
    if (d->pool == NULL) {
        snprintf(err, err_len, "dpdk feed: rte_pktmbuf_pool_create(%u mbufs): %s", mbufs, rte_strerror(rte_errno));
        goto fail;
    }
    struct rte_eth_conf conf;
    memset(&conf, 0, sizeof conf);
    int rc = rte_eth_dev_configure(port, 1, 1, &conf);
    if (rc != 0) {
        snprintf(err, err_len, "dpdk feed: rte_eth_dev_configure(port %u): %s", (unsigned)port, rte_strerror(-rc));
        goto fail;
    }
    uint16_t rxd = cfg->rx_descriptors != 0 ? cfg->rx_descriptors : 1024, txd = 64;
    rc = rte_eth_dev_adjust_nb_rx_tx_desc(port, &rxd, &txd);
    if (rc == 0) rc = rte_eth_rx_queue_setup(port, 0, rxd, (unsigned)socket, NULL, d->pool);
    if (rc == 0) rc = rte_eth_tx_queue_setup(port, 0, txd, (unsigned)socket, NULL);
    if (rc != 0) {
        snprintf(err, err_len, "dpdk feed: queue setup on port %u: %s", (unsigned)port, rte_strerror(-rc));
        goto fail;
    }
    rc = rte_eth_dev_start(port);
    if (rc != 0) {
        snprintf(err, err_len, "dpdk feed: rte_eth_dev_start(port %u): %s", (unsigned)port, rte_strerror(-rc));
        goto fail;
    }
    d->started = 1;
    (void)rte_eth_promiscuous_enable(port); /* multicast and other MACs; not every PMD supports it */
    (void)rte_eth_stats_reset(port);
    return 0;
fail:
    rte_mempool_free(d->pool);
    d->pool = NULL;
    free(d->scratch);
    d->scratch = NULL;
    return -1;
}

static int gw_dpdk_rx_burst(void *self, gw_ring *ring, uint32_t max)
{
    gw_feed_dpdk *d = self;
    if (!gw_dpdk_thread_registered) {
        /* Gives this thread an lcore id so mempool caches apply; failure only costs speed. */
        if (rte_lcore_id() == LCORE_ID_ANY) (void)rte_thread_register();
        gw_dpdk_thread_registered = 1;
    }
    int written = 0;
    for (;;) {
        if (d->pending_next == d->pending_count) {
            if ((uint32_t)written >= max) break;
            uint32_t want = max - (uint32_t)written;
            if (want > GW_DPDK_BURST) want = GW_DPDK_BURST;
            uint16_t n = rte_eth_rx_burst(d->port_id, 0, d->pkts, (uint16_t)want);
            if (n == 0) break;
            d->pending_next = 0;
            d->pending_count = n;
            d->pending_ts = gw_epoch_nanos();
        }
        uint16_t i = d->pending_next;
        for (; i < d->pending_count && (uint32_t)written < max; i++) {
            struct rte_mbuf *m = d->pkts[i];
            if (i + 1 < d->pending_count) rte_prefetch0(rte_pktmbuf_mtod(d->pkts[i + 1], void *));
            const uint8_t *frame = rte_pktmbuf_mtod(m, const uint8_t *);
            uint32_t frame_len = rte_pktmbuf_data_len(m);
            if (m->nb_segs > 1) {
                uint32_t total = rte_pktmbuf_pkt_len(m);
                if (total > GW_DPDK_SCRATCH) total = GW_DPDK_SCRATCH;
                frame = rte_pktmbuf_read(m, 0, total, d->scratch);
                frame_len = frame != NULL ? total : 0;
            }
            const uint8_t *payload;
            uint32_t payload_len;
            if (frame == NULL || gw_feed_parse_udp(frame, frame_len, d->udp_port, &payload, &payload_len) != 0) {
                d->stats.filtered++;
                rte_pktmbuf_free(m);
                continue;
            }
            int truncated = 0;
            if (gw_feed_write_datagram(ring, d->feed_id, payload, payload_len, d->pending_ts,
                                       (uint16_t)GW_FRAME_FLAG_KERNEL_BYPASS, &truncated) != GW_RING_OK) {
                d->stats.back_pressured++;
                d->pending_next = i; /* keep this mbuf and the rest for the next burst */
                return written;
            }
            d->stats.packets++;
            d->stats.bytes += payload_len;
            d->stats.truncated += (uint64_t)truncated;
            rte_pktmbuf_free(m);
            written++;
        }
        d->pending_next = i;
    }
    return written;
}

static void gw_dpdk_close(void *self)
{
    gw_feed_dpdk *d = self;
    for (uint16_t i = d->pending_next; i < d->pending_count; i++) rte_pktmbuf_free(d->pkts[i]);
    d->pending_next = d->pending_count = 0;
    if (d->started) {
        (void)rte_eth_dev_stop(d->port_id);
        (void)rte_eth_dev_close(d->port_id);
        d->started = 0;
    }
    rte_mempool_free(d->pool);
    d->pool = NULL;
    free(d->scratch);
    d->scratch = NULL;
}

static void gw_dpdk_stats(void *self, gw_feed_stats *out)
{
    gw_feed_dpdk *d = self;
    if (d->started && d->stats_calls++ % GW_DPDK_NIC_STATS_EVERY == 0) {
        struct rte_eth_stats s;
        if (rte_eth_stats_get(d->port_id, &s) == 0) {
            d->nic_missed = s.imissed + s.rx_nombuf;
            d->nic_errors = s.ierrors;
        }
    }
    *out = d->stats;
    out->drops += d->nic_missed;
    out->errors += d->nic_errors;
}

static uint16_t gw_dpdk_local_port(void *self)
{
    const gw_feed_dpdk *d = self;
    return d->udp_port;
}

const gw_feed_backend gw_feed_backend_dpdk = {
    .name = "dpdk",
    .state_bytes = sizeof(gw_feed_dpdk),
    .open = gw_dpdk_open,
    .rx_burst = gw_dpdk_rx_burst,
    .close = gw_dpdk_close,
    .stats = gw_dpdk_stats,
    .local_port = gw_dpdk_local_port,
};
