/* Feed registry, the shared frame writer and the feed agent (feed.h). */
#include "feed.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

extern const gw_feed_backend gw_feed_backend_udp;
#ifdef GATEWAY_HAVE_DPDK
extern const gw_feed_backend gw_feed_backend_dpdk;
#endif
#ifdef GATEWAY_HAVE_EFVI
extern const gw_feed_backend gw_feed_backend_efvi;
#endif

static const gw_feed_backend *const gw_feed_backends[] = {
    &gw_feed_backend_udp,
#ifdef GATEWAY_HAVE_DPDK
    &gw_feed_backend_dpdk,
#endif
#ifdef GATEWAY_HAVE_EFVI
    &gw_feed_backend_efvi,
#endif
};

size_t gw_feed_backend_count(void)
{
    return sizeof gw_feed_backends / sizeof gw_feed_backends[0];
}

const gw_feed_backend *gw_feed_backend_at(size_t index)
{
    return index < gw_feed_backend_count() ? gw_feed_backends[index] : NULL;
}

const gw_feed_backend *gw_feed_backend_find(const char *name)
{
    if (name == NULL) return NULL;
    for (size_t i = 0; i < gw_feed_backend_count(); i++)
        if (strcmp(gw_feed_backends[i]->name, name) == 0) return gw_feed_backends[i];
    return NULL;
}

int gw_feed_write_datagram(gw_ring *ring, uint32_t feed_id, const uint8_t *payload, uint32_t length,
                           uint64_t timestamp_ns, uint16_t flags, int *truncated)
{
    uint32_t room = ring->max_frame - GW_FRAME_HEADER_BYTES;
    *truncated = 0;
    if (length > room) {
        length = room;
        flags = (uint16_t)(flags | GW_FRAME_FLAG_TRUNCATED);
        *truncated = 1;
    }
    int rc = GW_RING_OK;
    uint8_t *dst = gw_ring_try_claim(ring, (uint16_t)GW_FRAME_TYPE_UDP_DATAGRAM, length, feed_id, GW_FRAME_SESSION_NULL,
                                     timestamp_ns, &rc);
    if (dst == NULL) return rc == GW_RING_TOO_LARGE ? GW_RING_BACK_PRESSURED : rc; /* cannot happen: length fits */
    if (length > 0) memcpy(dst, payload, length);
    if (flags != 0) {
        uint8_t *hdr = gw_ring_last_frame(ring);
        memcpy(hdr + 6, &flags, sizeof flags); /* FrameHeader.flags: uint16 at offset 6, little-endian host */
    }
    return GW_RING_OK;
}

static inline uint16_t gw_be16(const uint8_t *p)
{
    return (uint16_t)((uint16_t)(p[0] << 8) | p[1]);
}

int gw_feed_parse_udp(const uint8_t *frame, uint32_t length, uint16_t port, const uint8_t **payload,
                      uint32_t *payload_length)
{
    uint32_t off = 12; /* ethertype after destination and source MAC */
    if (length < 14) return -1;
    uint16_t type = gw_be16(frame + off);
    for (int tags = 0; (type == 0x8100 || type == 0x88a8) && tags < 2; tags++) {
        off += 4;
        if (length < off + 2) return -1;
        type = gw_be16(frame + off);
    }
    if (type != 0x0800) return -1;
    off += 2;
    if (length < off + 20) return -1;
    const uint8_t *ip = frame + off;
    if ((ip[0] >> 4) != 4) return -1;
    uint32_t ihl = (uint32_t)(ip[0] & 0x0f) * 4u;
    uint32_t total = gw_be16(ip + 2);
    if (ihl < 20 || total < ihl + 8 || total > length - off) return -1;
    if ((gw_be16(ip + 6) & 0x3fff) != 0) return -1; /* MF set or a fragment offset: not reassembled */
    if (ip[9] != 17) return -1;
    const uint8_t *udp = ip + ihl;
    if (port != 0 && gw_be16(udp + 2) != port) return -1;
    uint32_t udp_length = gw_be16(udp + 4);
    if (udp_length < 8 || udp_length > total - ihl) return -1;
    *payload = udp + 8;
    *payload_length = udp_length - 8;
    return 0;
}

/* ------------------------------------------------------------------ feed agent */

struct gw_feed {
    const gw_feed_backend *backend;
    void *state;                 /* backend instance; agent thread while running */
    gw_ring ring;                /* producer handle; agent thread while running */
    uint32_t batch;
    uint32_t idle_cycles;        /* agent thread: refreshes the counters now and then while idle */
    gw_agent_runner *runner;     /* controlling thread */
    /* Counter snapshot written by the agent thread, read by any thread. */
    _Atomic uint64_t stat[7];
};

static void gw_feed_publish_stats(gw_feed *f)
{
    gw_feed_stats s;
    memset(&s, 0, sizeof s);
    f->backend->stats(f->state, &s);
    const uint64_t v[7] = {s.packets, s.bytes, s.drops, s.filtered, s.truncated, s.errors, s.back_pressured};
    for (size_t i = 0; i < 7; i++) atomic_store_explicit(&f->stat[i], v[i], memory_order_relaxed);
}

static int gw_feed_step(gw_feed *f, uint32_t max)
{
    int n = f->backend->rx_burst(f->state, &f->ring, max);
    if (n > 0) {
        gw_ring_publish(&f->ring);
        gw_feed_publish_stats(f);
    }
    return n;
}

static int gw_feed_do_work(void *ctx)
{
    gw_feed *f = ctx;
    int n = gw_feed_step(f, f->batch);
    if (n <= 0 && (++f->idle_cycles & 1023u) == 0) gw_feed_publish_stats(f); /* drops move without deliveries */
    return n;
}

static int gw_feed_on_start(void *ctx)
{
    gw_feed_publish_stats(ctx);
    return 0;
}

static void gw_feed_on_close(void *ctx)
{
    gw_feed *f = ctx;
    gw_ring_publish(&f->ring); /* nothing claimed stays invisible */
    gw_feed_publish_stats(f);
}

static const gw_agent_ops gw_feed_agent_ops = {
    .name = "gw-feed",
    .on_start = gw_feed_on_start,
    .do_work = gw_feed_do_work,
    .on_close = gw_feed_on_close,
};

gw_feed *gw_feed_create(const char *backend, const gw_feed_config *cfg, void *ring_region, gw_doorbell_fn doorbell,
                        void *doorbell_ctx, char *err, size_t err_len)
{
    const gw_feed_backend *b = gw_feed_backend_find(backend);
    if (b == NULL) {
        if (backend != NULL && strcmp(backend, "dpdk") == 0)
            snprintf(err, err_len, "feed backend \"dpdk\" is not available: built without DPDK");
        else if (backend != NULL && strcmp(backend, "efvi") == 0)
            snprintf(err, err_len, "feed backend \"efvi\" is not available: built without ef_vi (-DGATEWAY_EFVI=ON)");
        else
            snprintf(err, err_len, "unknown feed backend \"%s\"", backend != NULL ? backend : "(null)");
        return NULL;
    }
    if (cfg->batch > GW_FEED_MAX_BATCH) {
        snprintf(err, err_len, "batch %u is larger than %u", cfg->batch, GW_FEED_MAX_BATCH);
        return NULL;
    }
    gw_feed *f = calloc(1, sizeof *f);
    void *state = calloc(1, b->state_bytes);
    if (f == NULL || state == NULL) {
        free(f);
        free(state);
        snprintf(err, err_len, "out of memory");
        return NULL;
    }
    if (gw_ring_attach(&f->ring, ring_region) != GW_RING_OK) {
        free(f);
        free(state);
        snprintf(err, err_len, "ring region is not a formatted gateway ring");
        return NULL;
    }
    if (f->ring.max_frame <= GW_FRAME_HEADER_BYTES) {
        snprintf(err, err_len, "ring max_frame %u leaves no room for a datagram", f->ring.max_frame);
        free(f);
        free(state);
        return NULL;
    }
    if (doorbell != NULL) gw_ring_set_doorbell(&f->ring, doorbell, doorbell_ctx);
    if (b->open(state, cfg, f->ring.max_frame, err, err_len) != 0) {
        free(f);
        free(state);
        return NULL;
    }
    f->backend = b;
    f->state = state;
    f->batch = cfg->batch != 0 ? cfg->batch : GW_FEED_DEFAULT_BATCH;
    for (size_t i = 0; i < 7; i++) atomic_init(&f->stat[i], 0);
    return f;
}

int gw_feed_start(gw_feed *feed, const gw_idle_strategy *idle, int cpu)
{
    if (feed->runner != NULL) return -1;
    feed->runner = gw_agent_start(&gw_feed_agent_ops, feed, idle, cpu);
    return feed->runner != NULL ? 0 : -1;
}

void gw_feed_stop(gw_feed *feed)
{
    if (feed->runner == NULL) return;
    gw_agent_stop(feed->runner);
    feed->runner = NULL;
}

void gw_feed_destroy(gw_feed *feed)
{
    if (feed == NULL) return;
    gw_feed_stop(feed);
    feed->backend->close(feed->state);
    free(feed->state);
    free(feed);
}

void gw_feed_get_stats(const gw_feed *feed, gw_feed_stats *out)
{
    out->packets = atomic_load_explicit(&feed->stat[0], memory_order_relaxed);
    out->bytes = atomic_load_explicit(&feed->stat[1], memory_order_relaxed);
    out->drops = atomic_load_explicit(&feed->stat[2], memory_order_relaxed);
    out->filtered = atomic_load_explicit(&feed->stat[3], memory_order_relaxed);
    out->truncated = atomic_load_explicit(&feed->stat[4], memory_order_relaxed);
    out->errors = atomic_load_explicit(&feed->stat[5], memory_order_relaxed);
    out->back_pressured = atomic_load_explicit(&feed->stat[6], memory_order_relaxed);
}

int gw_feed_poll_once(gw_feed *feed, uint32_t max)
{
    int n = gw_feed_step(feed, max);
    if (n <= 0) gw_feed_publish_stats(feed); /* drops/filtered/errors move without deliveries too */
    return n;
}

const char *gw_feed_backend_name(const gw_feed *feed)
{
    return feed->backend->name;
}

uint16_t gw_feed_local_port(gw_feed *feed)
{
    return feed->backend->local_port != NULL ? feed->backend->local_port(feed->state) : 0;
}

int gw_feed_pin_error(const gw_feed *feed)
{
    return feed->runner != NULL ? gw_agent_pin_error(feed->runner) : 0;
}
