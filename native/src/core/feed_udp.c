/*
 * Kernel UDP feed backend: one non-blocking IPv4 datagram socket (unicast bind or multicast join),
 * drained with recvmmsg into `batch` preallocated buffers. Per datagram the kernel's SO_TIMESTAMPNS
 * receive time (CLOCK_REALTIME) becomes receiveTimestampNs; SO_RXQ_OVFL reports datagrams the kernel
 * dropped because the socket buffer was full (stats.drops).
 *
 * Datagrams taken from the socket but not yet written (ring back-pressured) wait in the batch
 * buffers (pending) and are written first on the next rx_burst; no new recvmmsg happens meanwhile,
 * so the socket buffer absorbs the rest.
 *
 * Thread: see feed.h (open/close on the controlling thread, rx_burst/stats on the agent thread).
 */
#define _GNU_SOURCE /* recvmmsg, struct mmsghdr */

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "feed.h"

#ifndef SO_RXQ_OVFL
#define SO_RXQ_OVFL 40
#endif

/* Control buffer per datagram: a timespec (SCM_TIMESTAMPNS) and a uint32 drop counter (SO_RXQ_OVFL). */
#define GW_UDP_CMSG_BYTES (CMSG_SPACE(sizeof(struct timespec)) + CMSG_SPACE(sizeof(uint32_t)) + 64)

typedef struct gw_feed_udp {
    int fd;
    uint32_t feed_id;
    uint32_t batch;
    uint32_t buf_bytes;         /* bytes per datagram buffer */
    uint16_t port;              /* bound port */
    uint8_t *bufs;              /* batch * buf_bytes */
    uint8_t *cmsgs;             /* batch * GW_UDP_CMSG_BYTES */
    struct mmsghdr *msgs;
    struct iovec *iovs;
    uint32_t pending_next;      /* pending datagrams: [pending_next, pending_count) of msgs */
    uint32_t pending_count;
    uint32_t kernel_drops;      /* last SO_RXQ_OVFL value (cumulative since the socket was created) */
    gw_feed_stats stats;
} gw_feed_udp;

static void gw_udp_free(gw_feed_udp *u)
{
    if (u->fd >= 0) close(u->fd);
    u->fd = -1;
    free(u->bufs);
    free(u->cmsgs);
    free(u->msgs);
    free(u->iovs);
    u->bufs = NULL;
    u->cmsgs = NULL;
    u->msgs = NULL;
    u->iovs = NULL;
}

static int gw_udp_fail(gw_feed_udp *u, char *err, size_t err_len, const char *what, int e)
{
    snprintf(err, err_len, "udp feed: %s: %s", what, strerror(e));
    gw_udp_free(u);
    return -1;
}

static int gw_udp_parse_ipv4(const char *text, struct in_addr *out)
{
    if (text == NULL || text[0] == '\0') {
        out->s_addr = htonl(INADDR_ANY);
        return 0;
    }
    return inet_pton(AF_INET, text, out) == 1 ? 0 : -1;
}

static int gw_udp_open(void *self, const gw_feed_config *cfg, uint32_t ring_max_frame, char *err, size_t err_len)
{
    gw_feed_udp *u = self;
    u->fd = -1;
    u->feed_id = cfg->feed_id;
    u->batch = cfg->batch != 0 ? cfg->batch : GW_FEED_DEFAULT_BATCH;
    if (u->batch > GW_FEED_MAX_BATCH) u->batch = GW_FEED_MAX_BATCH;
    uint32_t want = cfg->max_datagram != 0 ? cfg->max_datagram : GW_FEED_DEFAULT_MAX_DATAGRAM;
    if (want > GW_FEED_MAX_DATAGRAM) want = GW_FEED_MAX_DATAGRAM;
    (void)ring_max_frame; /* larger datagrams are truncated when written (gw_feed_write_datagram) */
    u->buf_bytes = want;

    struct in_addr bind_addr, group, iface;
    if (gw_udp_parse_ipv4(cfg->bind_address, &bind_addr) != 0) {
        snprintf(err, err_len, "udp feed: bind address \"%s\" is not an IPv4 address", cfg->bind_address);
        return -1;
    }
    const int multicast = cfg->multicast_group != NULL && cfg->multicast_group[0] != '\0';
    if (multicast) {
        if (gw_udp_parse_ipv4(cfg->multicast_group, &group) != 0 || !IN_MULTICAST(ntohl(group.s_addr))) {
            snprintf(err, err_len, "udp feed: multicast group \"%s\" is not an IPv4 multicast address", cfg->multicast_group);
            return -1;
        }
        if (gw_udp_parse_ipv4(cfg->multicast_interface, &iface) != 0) {
            snprintf(err, err_len, "udp feed: multicast interface \"%s\" is not an IPv4 address", cfg->multicast_interface);
            return -1;
        }
    }

    u->bufs = malloc((size_t)u->batch * u->buf_bytes);
    u->cmsgs = malloc((size_t)u->batch * GW_UDP_CMSG_BYTES);
    u->msgs = calloc(u->batch, sizeof *u->msgs);
    u->iovs = calloc(u->batch, sizeof *u->iovs);
    if (u->bufs == NULL || u->cmsgs == NULL || u->msgs == NULL || u->iovs == NULL)
        return gw_udp_fail(u, err, err_len, "allocating batch buffers", ENOMEM);
    for (uint32_t i = 0; i < u->batch; i++) {
        u->iovs[i].iov_base = u->bufs + (size_t)i * u->buf_bytes;
        u->iovs[i].iov_len = u->buf_bytes;
        u->msgs[i].msg_hdr.msg_iov = &u->iovs[i];
        u->msgs[i].msg_hdr.msg_iovlen = 1;
        u->msgs[i].msg_hdr.msg_control = u->cmsgs + (size_t)i * GW_UDP_CMSG_BYTES;
    }

    u->fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (u->fd < 0) return gw_udp_fail(u, err, err_len, "socket", errno);
    const int one = 1;
    if (multicast && setsockopt(u->fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0)
        return gw_udp_fail(u, err, err_len, "SO_REUSEADDR", errno);
    if (cfg->rcvbuf_bytes != 0) {
        int size = cfg->rcvbuf_bytes > (uint32_t)(INT32_MAX / 2) ? INT32_MAX / 2 : (int)cfg->rcvbuf_bytes;
        /* SO_RCVBUFFORCE passes net.core.rmem_max when privileged; otherwise the capped SO_RCVBUF. */
        if (setsockopt(u->fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof size) != 0 &&
            setsockopt(u->fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof size) != 0)
            return gw_udp_fail(u, err, err_len, "SO_RCVBUF", errno);
    }
    if (setsockopt(u->fd, SOL_SOCKET, SO_TIMESTAMPNS, &one, sizeof one) != 0)
        return gw_udp_fail(u, err, err_len, "SO_TIMESTAMPNS", errno);
    (void)setsockopt(u->fd, SOL_SOCKET, SO_RXQ_OVFL, &one, sizeof one); /* drop counter: best effort */

    struct sockaddr_in sa;
    memset(&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    sa.sin_port = htons(cfg->port);
    /* Multicast: bind the group (or the given address) so only that group's datagrams arrive. */
    sa.sin_addr = multicast && bind_addr.s_addr == htonl(INADDR_ANY) ? group : bind_addr;
    if (bind(u->fd, (const struct sockaddr *)&sa, sizeof sa) != 0) return gw_udp_fail(u, err, err_len, "bind", errno);
    if (multicast) {
        struct ip_mreq mreq;
        memset(&mreq, 0, sizeof mreq);
        mreq.imr_multiaddr = group;
        mreq.imr_interface = iface;
        if (setsockopt(u->fd, IPPROTO_IP, IP_ADD_MEMBERSHIP, &mreq, sizeof mreq) != 0)
            return gw_udp_fail(u, err, err_len, "IP_ADD_MEMBERSHIP", errno);
    }
    socklen_t len = sizeof sa;
    if (getsockname(u->fd, (struct sockaddr *)&sa, &len) != 0) return gw_udp_fail(u, err, err_len, "getsockname", errno);
    u->port = ntohs(sa.sin_port);
    return 0;
}

/* Writes pending datagrams; returns how many were written, stops at back-pressure. */
static int gw_udp_flush(gw_feed_udp *u, gw_ring *ring, uint32_t max, int written)
{
    while (u->pending_next < u->pending_count && (uint32_t)written < max) {
        struct mmsghdr *m = &u->msgs[u->pending_next];
        uint64_t ts = 0;
        for (struct cmsghdr *c = CMSG_FIRSTHDR(&m->msg_hdr); c != NULL; c = CMSG_NXTHDR(&m->msg_hdr, c)) {
            if (c->cmsg_level != SOL_SOCKET) continue;
            if (c->cmsg_type == SCM_TIMESTAMPNS) {
                struct timespec t;
                memcpy(&t, CMSG_DATA(c), sizeof t);
                ts = (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
            } else if (c->cmsg_type == SO_RXQ_OVFL) {
                uint32_t drops;
                memcpy(&drops, CMSG_DATA(c), sizeof drops);
                u->stats.drops += (uint32_t)(drops - u->kernel_drops); /* cumulative, wraps at 2^32 */
                u->kernel_drops = drops;
            }
        }
        if (ts == 0) ts = gw_epoch_nanos();
        uint32_t length = m->msg_len;
        uint16_t flags = 0;
        if ((m->msg_hdr.msg_flags & MSG_TRUNC) != 0 || length > u->buf_bytes) {
            flags = GW_FRAME_FLAG_TRUNCATED;
            if (length > u->buf_bytes) length = u->buf_bytes;
        }
        int truncated = 0;
        const uint8_t *payload = u->iovs[u->pending_next].iov_base;
        if (gw_feed_write_datagram(ring, u->feed_id, payload, length, ts, flags, &truncated) != GW_RING_OK) {
            u->stats.back_pressured++;
            return written;
        }
        if (truncated || flags != 0) u->stats.truncated++;
        u->stats.packets++;
        u->stats.bytes += m->msg_len;
        u->pending_next++;
        written++;
    }
    return written;
}

static int gw_udp_rx_burst(void *self, gw_ring *ring, uint32_t max)
{
    gw_feed_udp *u = self;
    int written = gw_udp_flush(u, ring, max, 0);
    if (u->pending_next < u->pending_count || (uint32_t)written >= max) return written;
    uint32_t want = max - (uint32_t)written;
    if (want > u->batch) want = u->batch;
    for (uint32_t i = 0; i < want; i++) {
        u->msgs[i].msg_hdr.msg_controllen = GW_UDP_CMSG_BYTES;
        u->msgs[i].msg_hdr.msg_flags = 0;
        u->msgs[i].msg_hdr.msg_name = NULL;
        u->msgs[i].msg_hdr.msg_namelen = 0;
    }
    int n = recvmmsg(u->fd, u->msgs, want, MSG_DONTWAIT, NULL);
    if (n < 0) {
        if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) u->stats.errors++;
        return written;
    }
    u->pending_next = 0;
    u->pending_count = (uint32_t)n;
    return gw_udp_flush(u, ring, max, written);
}

static void gw_udp_close(void *self)
{
    gw_udp_free(self);
}

static void gw_udp_stats(void *self, gw_feed_stats *out)
{
    const gw_feed_udp *u = self;
    *out = u->stats;
}

static uint16_t gw_udp_local_port(void *self)
{
    const gw_feed_udp *u = self;
    return u->port;
}

const gw_feed_backend gw_feed_backend_udp = {
    .name = "udp",
    .state_bytes = sizeof(gw_feed_udp),
    .open = gw_udp_open,
    .rx_burst = gw_udp_rx_burst,
    .close = gw_udp_close,
    .stats = gw_udp_stats,
    .local_port = gw_udp_local_port,
};
