/*
 * ef_vi feed backend (Solarflare/Xilinx/AMD Onload ef_vi, the public API of etherfabric/vi.h, pd.h,
 * memreg.h): one protection domain on cfg.device, one VI (rx queue + event queue), a block of 2 KiB
 * packet buffers registered for DMA at open, a hardware filter for UDP to cfg.bind_address (or the
 * multicast group) : cfg.port. rx_burst polls the event queue; each RX event's buffer is parsed
 * (gw_feed_parse_udp: the NIC filter already selected the flow, the parse finds the payload) and its
 * UDP payload copied into the ring as a UdpDatagram frame (flags.kernelBypass, plus
 * hardwareTimestamp with the NIC receive time when the VI has EF_VI_RX_TIMESTAMPS and the clock is in
 * sync); the buffer then goes back to the rx ring.
 *
 * Built only with -DGATEWAY_EFVI=ON where the Onload headers and libciul are installed
 * (native/cmake/efvi.cmake). NOT COMPILED OR RUN in this project's CI or development machine: no
 * Onload headers and no Solarflare NIC there. Written against the documented API; treat as untested.
 *
 * Back-pressure: received buffers not yet written wait in `pending` (in arrival order) and are written
 * first by the next rx_burst; no events are polled meanwhile, so the NIC's rx ring absorbs the rest and
 * overflows into EF_EVENT_TYPE_RX_DISCARD / NIC drops (counted in stats.drops).
 *
 * Thread: see feed.h (open/close on the controlling thread, rx_burst/stats on the agent thread).
 */
#define _GNU_SOURCE

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <etherfabric/memreg.h>
#include <etherfabric/pd.h>
#include <etherfabric/vi.h>

#include "feed.h"

#define GW_EFVI_PKT_BUF 2048u     /* one DMA buffer; RX DMA never crosses a 4 KiB boundary */
#define GW_EFVI_DMA_OFF 64u       /* payload DMA'd at this offset in each buffer (EF_VI_DMA_ALIGN) */
#define GW_EFVI_EVENTS 32         /* events per ef_eventq_poll */
#define GW_EFVI_REFILL 16         /* buffers per refill batch */

typedef struct gw_efvi_pending {
    int32_t id;
    uint32_t length; /* bytes of the Ethernet frame (prefix removed) */
} gw_efvi_pending;

typedef struct gw_feed_efvi {
    ef_driver_handle dh;
    struct ef_pd pd;
    struct ef_vi vi;
    struct ef_memreg memreg;
    int have_dh, have_pd, have_vi, have_memreg;
    int timestamps;
    int prefix_len;
    uint32_t feed_id;
    uint16_t port;
    uint8_t *bufs;           /* n_bufs * GW_EFVI_PKT_BUF, page aligned */
    ef_addr *dma;            /* DMA address of each buffer */
    int32_t *free_ids;       /* LIFO of buffers not posted to the rx ring */
    int n_bufs, n_free;
    gw_efvi_pending pending[GW_EFVI_EVENTS];
    int pending_next, pending_count;
    gw_feed_stats stats;
} gw_feed_efvi;

static void gw_efvi_release(gw_feed_efvi *e)
{
    if (e->have_memreg) ef_memreg_free(&e->memreg, e->dh);
    if (e->have_vi) ef_vi_free(&e->vi, e->dh);
    if (e->have_pd) ef_pd_free(&e->pd, e->dh);
    if (e->have_dh) ef_driver_close(e->dh);
    e->have_memreg = e->have_vi = e->have_pd = e->have_dh = 0;
    free(e->bufs);
    free(e->dma);
    free(e->free_ids);
    e->bufs = NULL;
    e->dma = NULL;
    e->free_ids = NULL;
}

static int gw_efvi_fail(gw_feed_efvi *e, char *err, size_t err_len, const char *what, int rc)
{
    snprintf(err, err_len, "efvi feed: %s: %s", what, strerror(rc < 0 ? -rc : rc));
    gw_efvi_release(e);
    return -1;
}

static void gw_efvi_refill(gw_feed_efvi *e)
{
    const int capacity = ef_vi_receive_capacity(&e->vi);
    if (ef_vi_receive_fill_level(&e->vi) > capacity - GW_EFVI_REFILL || e->n_free < GW_EFVI_REFILL) return;
    while (ef_vi_receive_fill_level(&e->vi) <= capacity - GW_EFVI_REFILL && e->n_free >= GW_EFVI_REFILL) {
        for (int i = 0; i < GW_EFVI_REFILL; i++) {
            int32_t id = e->free_ids[--e->n_free];
            ef_vi_receive_init(&e->vi, e->dma[id] + GW_EFVI_DMA_OFF, id);
        }
    }
    ef_vi_receive_push(&e->vi);
}

static int gw_efvi_open(void *self, const gw_feed_config *cfg, uint32_t ring_max_frame, char *err, size_t err_len)
{
    gw_feed_efvi *e = self;
    (void)ring_max_frame;
    e->feed_id = cfg->feed_id;
    e->port = cfg->port;
    if (cfg->device == NULL || cfg->device[0] == '\0') {
        snprintf(err, err_len, "efvi feed: device (interface name) is required");
        return -1;
    }
    const char *host = cfg->multicast_group != NULL && cfg->multicast_group[0] != '\0' ? cfg->multicast_group
                                                                                        : cfg->bind_address;
    struct in_addr addr;
    if (host == NULL || inet_pton(AF_INET, host, &addr) != 1 || cfg->port == 0) {
        snprintf(err, err_len, "efvi feed: an IPv4 bindAddress or multicastGroup and a port are required for the NIC filter");
        return -1;
    }
    int rc = ef_driver_open(&e->dh);
    if (rc < 0) return gw_efvi_fail(e, err, err_len, "ef_driver_open", rc);
    e->have_dh = 1;
    rc = ef_pd_alloc_by_name(&e->pd, e->dh, cfg->device, EF_PD_DEFAULT);
    if (rc < 0) return gw_efvi_fail(e, err, err_len, "ef_pd_alloc_by_name", rc);
    e->have_pd = 1;
    const int rxq = cfg->rx_descriptors != 0 ? (int)cfg->rx_descriptors : 512;
    enum ef_vi_flags flags = (enum ef_vi_flags)(EF_VI_FLAGS_DEFAULT | EF_VI_RX_TIMESTAMPS);
    rc = ef_vi_alloc_from_pd(&e->vi, e->dh, &e->pd, e->dh, -1, rxq, 0, NULL, -1, flags);
    if (rc < 0) { /* NICs without rx timestamps: retry without */
        flags = EF_VI_FLAGS_DEFAULT;
        rc = ef_vi_alloc_from_pd(&e->vi, e->dh, &e->pd, e->dh, -1, rxq, 0, NULL, -1, flags);
    } else {
        e->timestamps = 1;
    }
    if (rc < 0) return gw_efvi_fail(e, err, err_len, "ef_vi_alloc_from_pd", rc);
    e->have_vi = 1;
    e->prefix_len = ef_vi_receive_prefix_len(&e->vi);

    e->n_bufs = ef_vi_receive_capacity(&e->vi) + GW_EFVI_EVENTS + GW_EFVI_REFILL;
    size_t bytes = (size_t)e->n_bufs * GW_EFVI_PKT_BUF;
    bytes = (bytes + 4095u) & ~(size_t)4095u;
    void *mem = NULL;
    if (posix_memalign(&mem, 4096, bytes) != 0) return gw_efvi_fail(e, err, err_len, "allocating packet buffers", ENOMEM);
    e->bufs = mem;
    e->dma = calloc((size_t)e->n_bufs, sizeof *e->dma);
    e->free_ids = calloc((size_t)e->n_bufs, sizeof *e->free_ids);
    if (e->dma == NULL || e->free_ids == NULL) return gw_efvi_fail(e, err, err_len, "allocating packet buffers", ENOMEM);
    rc = ef_memreg_alloc(&e->memreg, e->dh, &e->pd, e->dh, e->bufs, bytes);
    if (rc < 0) return gw_efvi_fail(e, err, err_len, "ef_memreg_alloc", rc);
    e->have_memreg = 1;
    for (int i = 0; i < e->n_bufs; i++) {
        e->dma[i] = ef_memreg_dma_addr(&e->memreg, (size_t)i * GW_EFVI_PKT_BUF);
        e->free_ids[e->n_free++] = i;
    }
    gw_efvi_refill(e);

    ef_filter_spec spec;
    ef_filter_spec_init(&spec, EF_FILTER_FLAG_NONE);
    rc = ef_filter_spec_set_ip4_local(&spec, IPPROTO_UDP, addr.s_addr, htons(cfg->port));
    if (rc == 0) rc = ef_vi_filter_add(&e->vi, e->dh, &spec, NULL);
    if (rc < 0) return gw_efvi_fail(e, err, err_len, "ef_vi_filter_add (UDP ip4 local)", rc);
    return 0;
}

/* Writes one received buffer: 1 written, 0 filtered (buffer recycled), -1 back-pressured (kept). */
static int gw_efvi_deliver(gw_feed_efvi *e, gw_ring *ring, const gw_efvi_pending *p, uint64_t burst_ts)
{
    uint8_t *dma = e->bufs + (size_t)p->id * GW_EFVI_PKT_BUF + GW_EFVI_DMA_OFF;
    const uint8_t *frame = dma + e->prefix_len;
    const uint8_t *payload;
    uint32_t payload_len;
    if (gw_feed_parse_udp(frame, p->length, e->port, &payload, &payload_len) != 0) {
        e->stats.filtered++;
        e->free_ids[e->n_free++] = p->id;
        return 0;
    }
    uint64_t ts = burst_ts;
    uint16_t flags = GW_FRAME_FLAG_KERNEL_BYPASS;
    if (e->timestamps) {
        struct timespec hw;
        unsigned sync = 0;
        if (ef_vi_receive_get_timestamp_with_sync_flags(&e->vi, dma, &hw, &sync) == 0 &&
            (sync & EF_VI_SYNC_FLAG_CLOCK_IN_SYNC) != 0) {
            ts = (uint64_t)hw.tv_sec * 1000000000u + (uint64_t)hw.tv_nsec;
            flags = (uint16_t)(flags | GW_FRAME_FLAG_HARDWARE_TIMESTAMP);
        }
    }
    int truncated = 0;
    if (gw_feed_write_datagram(ring, e->feed_id, payload, payload_len, ts, flags, &truncated) != GW_RING_OK) {
        e->stats.back_pressured++;
        return -1;
    }
    e->stats.packets++;
    e->stats.bytes += payload_len;
    e->stats.truncated += (uint64_t)truncated;
    e->free_ids[e->n_free++] = p->id;
    return 1;
}

static int gw_efvi_rx_burst(void *self, gw_ring *ring, uint32_t max)
{
    gw_feed_efvi *e = self;
    int written = 0;
    uint32_t handled = 0; /* written + filtered: bounds the burst */
    const uint64_t now = gw_epoch_nanos();
    for (;;) {
        while (e->pending_next < e->pending_count && handled < max) {
            int r = gw_efvi_deliver(e, ring, &e->pending[e->pending_next], now);
            if (r < 0) {
                gw_efvi_refill(e);
                return written;
            }
            e->pending_next++;
            handled++;
            written += r;
        }
        if (e->pending_next < e->pending_count || handled >= max) break;
        ef_event evs[GW_EFVI_EVENTS];
        int n = ef_eventq_poll(&e->vi, evs, GW_EFVI_EVENTS);
        if (n <= 0) break;
        e->pending_next = e->pending_count = 0;
        for (int i = 0; i < n; i++) {
            switch (EF_EVENT_TYPE(evs[i])) {
            case EF_EVENT_TYPE_RX:
                if (!EF_EVENT_RX_SOP(evs[i]) || EF_EVENT_RX_CONT(evs[i])) { /* scattered jumbo: not a feed datagram */
                    e->stats.errors++;
                    e->free_ids[e->n_free++] = (int32_t)EF_EVENT_RX_RQ_ID(evs[i]);
                    break;
                }
                e->pending[e->pending_count].id = (int32_t)EF_EVENT_RX_RQ_ID(evs[i]);
                e->pending[e->pending_count].length = (uint32_t)((int)EF_EVENT_RX_BYTES(evs[i]) - e->prefix_len);
                e->pending_count++;
                break;
            case EF_EVENT_TYPE_RX_DISCARD:
                e->stats.drops++;
                e->free_ids[e->n_free++] = (int32_t)EF_EVENT_RX_DISCARD_RQ_ID(evs[i]);
                break;
            default:
                break;
            }
        }
        gw_efvi_refill(e);
    }
    gw_efvi_refill(e);
    return written;
}

static void gw_efvi_close(void *self)
{
    gw_efvi_release(self);
}

static void gw_efvi_stats(void *self, gw_feed_stats *out)
{
    const gw_feed_efvi *e = self;
    *out = e->stats;
}

static uint16_t gw_efvi_local_port(void *self)
{
    const gw_feed_efvi *e = self;
    return e->port;
}

const gw_feed_backend gw_feed_backend_efvi = {
    .name = "efvi",
    .state_bytes = sizeof(gw_feed_efvi),
    .open = gw_efvi_open,
    .rx_burst = gw_efvi_rx_burst,
    .close = gw_efvi_close,
    .stats = gw_efvi_stats,
    .local_port = gw_efvi_local_port,
};
