/*
 * Network agent: epoll acceptor/connector, TLS, FIX framing into the inbound ring, SendBytes/Disconnect
 * from the outbound ring. Contract: net.h.
 *
 * Connection lifecycle (slot states, agent thread):
 *   LISTENER                              accepting; closed by gw_net_close or on stop
 *   CONNECTING -> [HANDSHAKE] -> OPEN      connector (non-blocking connect, then TLS)
 *   [HANDSHAKE] -> OPEN                    accepted
 *   OPEN -> CLOSING (close requested, queued bytes written, FIN/close_notify sent; reads drained and
 *           discarded until the peer's EOF or a deadline, so our last bytes are not lost to an RST)
 *   any  -> ZOMBIE (socket closed; the Disconnected/ConnectionError frame waits for ring space) -> free
 * A connection's Connected frame likewise waits for ring space before anything is read from it, so
 * frames of one connection are always in the order of net.h.
 *
 * epoll is level-triggered; epoll_event.data.u64 = id << 32 | slot so that a stale event for a slot
 * reused within one epoll_wait batch is recognised (the id differs) and ignored.
 */
#if !defined(_GNU_SOURCE)
#define _GNU_SOURCE /* accept4, SOCK_NONBLOCK/SOCK_CLOEXEC, MSG_NOSIGNAL */
#endif
#include "net.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "fix_framer.h"
#include "gateway-internal/gateway_internal.h"

#define CMD_LISTEN 1u
#define CMD_CONNECT 2u
#define CMD_CLOSE 3u

#define DEADLINE_SCAN_NS 1000000ull     /* deadlines are checked at most every millisecond */
#define WAKE_TOKEN UINT64_MAX           /* epoll data of the wake eventfd */
#define ACCEPTS_PER_CYCLE 16u
#define COMMANDS_PER_CYCLE 16u
#define FRAME_FLAG_TLS 1u /* FrameFlags.tls */
#define GARBLED_SAMPLE_MAX 256u
#define SERVER_NAME_MAX 200u

enum slot_state { S_FREE = 0, S_LISTENER, S_CONNECTING, S_HANDSHAKE, S_OPEN, S_CLOSING, S_ZOMBIE };

/* Command bodies (gw_cmd.body; fixed size, no pointers into the caller's memory). */
typedef struct cmd_listen {
    int32_t fd;
    int32_t tls_id;
    uint32_t id;
    uint16_t port;
} cmd_listen;
typedef union net_addr {
    struct sockaddr sa;
    struct sockaddr_in v4;
    struct sockaddr_in6 v6;
} net_addr;
typedef struct cmd_connect {
    uint32_t id;
    int32_t tls_id;
    net_addr addr;
    char server_name[SERVER_NAME_MAX];
} cmd_connect;
typedef struct cmd_close {
    uint32_t id;
} cmd_close;
_Static_assert(sizeof(cmd_connect) <= GW_CMD_BYTES - 16u, "connect command fits a gw_cmd");

/* One listener or connection. Owned by the agent thread (created by gw_net_create). */
typedef struct conn {
    uint32_t id;
    uint32_t slot;
    int fd;
    uint8_t state;
    uint8_t tls;            /* Transport: 0 TCP, 1 TLS */
    uint8_t eof;            /* peer closed its side; deliver what is buffered, then close */
    uint8_t rx_more;        /* revisit next cycle without an epoll event (back-pressure, TLS buffer) */
    uint8_t close_requested; /* Disconnect frame / gw_net_close: close once sbuf is written */
    uint8_t read_wants_write;  /* TLS read returned WANT_WRITE */
    uint8_t write_wants_read;  /* TLS write returned WANT_READ */
    uint8_t hs_want_write;     /* TLS handshake waits for writability */
    uint8_t has_pending_result; /* framer result not yet written to the ring (back-pressure) */
    uint32_t epoll_mask;    /* events currently registered */
    int tls_id;
    gw_ssl *ssl;
    uint16_t local_port;
    uint16_t remote_port;
    uint8_t remote_addr[16]; /* IPv6 or IPv4-mapped, network order */
    uint8_t *rbuf;
    uint32_t r_start, r_end;
    uint8_t *sbuf;
    uint32_t s_start, s_end;
    uint64_t deadline_ns;   /* 0 = none; see check_deadlines */
    gw_fix_framer framer;
    gw_fix_frame_result pending_result;
    /* Event frame waiting for ring space (ZOMBIE: the terminal one; else Connected). */
    uint16_t pending_event; /* FrameType value, 0 = none */
    int32_t pending_error;
    uint16_t pending_reason_len;
    char pending_reason[GW_NET_EVENT_REASON_MAX];
    char server_name[SERVER_NAME_MAX];
} conn;

struct gw_net {
    gw_net_config cfg;
    gw_ring in;  /* producer handle (agent thread) */
    gw_ring out; /* consumer handle (agent thread) */
    int epfd;
    int wake_fd;             /* eventfd: gw_net_wake -> a blocking idle wait returns */
    uint32_t idle_cycles;    /* consecutive idle do_work calls (block_after_idle_cycles) */
    atomic_int no_block;     /* gw_net_prepare_stop: never block again */
    gw_cmd_queue *cmds;
    gw_cmd deferred;     /* a command that could not complete for lack of ring space */
    int has_deferred;
    conn *conns;
    uint32_t *free_slots;
    uint32_t free_count;
    uint32_t *map_keys; /* id -> slot, open addressing (key 0 = empty) */
    uint32_t *map_vals;
    uint32_t map_mask;
    uint32_t pending_events; /* slots with pending_event set */
    uint32_t rx_more_count;  /* slots with rx_more set */
    uint32_t deadline_count; /* slots with deadline_ns != 0 */
    uint64_t next_deadline_scan;
    uint32_t high_slot;      /* slots >= high_slot were never used */
    struct epoll_event *events;
    uint8_t *rx_scratch;     /* CLOSING connections read into this and discard */
    gw_tls_ctx *tls[GW_NET_MAX_TLS];
    uint32_t tls_count;
    uint16_t fields_cap;     /* max_fields as the framer's type */
    uint64_t now_epoch_ns;   /* taken once per cycle for receive timestamps */
    int published_work;
    _Atomic uint32_t next_id;
    struct {
        _Atomic uint64_t accepted, connected, closed, messages_in, garbled_in, bytes_in, bytes_out,
            back_pressured, dropped_outbound, send_buffer_full;
    } stats;
};

#define STAT_ADD(net, field, n) atomic_fetch_add_explicit(&(net)->stats.field, (uint64_t)(n), memory_order_relaxed)

/* ------------------------------------------------------------------ id map */
static uint32_t map_hash(uint32_t id) { return id * 0x9E3779B1u; }

static void map_put(gw_net *net, uint32_t id, uint32_t slot)
{
    uint32_t i = map_hash(id) & net->map_mask;
    while (net->map_keys[i] != 0 && net->map_keys[i] != id) i = (i + 1u) & net->map_mask;
    net->map_keys[i] = id;
    net->map_vals[i] = slot;
}

static conn *map_get(gw_net *net, uint32_t id)
{
    if (id == 0) return NULL;
    uint32_t i = map_hash(id) & net->map_mask;
    while (net->map_keys[i] != 0) {
        if (net->map_keys[i] == id) return &net->conns[net->map_vals[i]];
        i = (i + 1u) & net->map_mask;
    }
    return NULL;
}

/* Backward-shift deletion keeps probe chains intact without tombstones. */
static void map_del(gw_net *net, uint32_t id)
{
    uint32_t i = map_hash(id) & net->map_mask;
    while (net->map_keys[i] != id) {
        if (net->map_keys[i] == 0) return;
        i = (i + 1u) & net->map_mask;
    }
    uint32_t j = i;
    for (;;) {
        j = (j + 1u) & net->map_mask;
        if (net->map_keys[j] == 0) break;
        uint32_t home = map_hash(net->map_keys[j]) & net->map_mask;
        /* move j into the hole i unless its home lies cyclically in (i, j] */
        int in_range = (i <= j) ? (home > i && home <= j) : (home > i || home <= j);
        if (!in_range) {
            net->map_keys[i] = net->map_keys[j];
            net->map_vals[i] = net->map_vals[j];
            i = j;
        }
    }
    net->map_keys[i] = 0;
}

/* ------------------------------------------------------------------ config and lifecycle */
void gw_net_config_defaults(gw_net_config *c)
{
    memset(c, 0, sizeof *c);
    c->max_connections = 64;
    c->recv_buffer_bytes = 64u * 1024u;
    c->send_buffer_bytes = 256u * 1024u;
    c->max_message_bytes = 63u * 1024u;
    c->max_fields = 512;
    c->max_events = 64;
    c->read_budget_bytes = 64u * 1024u;
    c->outbound_frame_limit = 256;
    c->command_queue_capacity = 64;
    c->open_timeout_ms = 10000;
    c->block_timeout_ms = 10;
    c->close_timeout_ms = 2000;
    c->send_full_policy = GW_NET_SEND_FULL_DISCONNECT;
    c->tcp_nodelay = 1;
}

/* Fields a message of raw_len bytes can have at most ("1=x<SOH>" is the shortest field). */
static uint16_t fields_for(const gw_net *net, uint32_t raw_len)
{
    uint32_t n = raw_len / 4u + 1u;
    return (uint16_t)(n < net->fields_cap ? n : net->fields_cap);
}

gw_net *gw_net_create(const gw_net_config *config, void *inbound_region, gw_doorbell_fn doorbell, void *doorbell_ctx,
                      void *outbound_region, char *err, size_t err_len)
{
    gw_net_config c = *config;
    if (c.max_connections == 0 || c.max_connections > 65536u || c.recv_buffer_bytes < 256u ||
        c.send_buffer_bytes < 256u || c.max_message_bytes == 0 || c.max_message_bytes > c.recv_buffer_bytes ||
        c.max_fields == 0 || c.max_fields > 65535u || c.max_events == 0 || c.read_budget_bytes == 0 ||
        c.outbound_frame_limit == 0 || c.command_queue_capacity == 0 || c.open_timeout_ms == 0 || c.close_timeout_ms == 0 ||
        (c.command_queue_capacity & (c.command_queue_capacity - 1u)) != 0) {
        snprintf(err, err_len,
                 "invalid network agent config (max_connections 1..65536, buffers >= 256, "
                 "max_message_bytes <= recv_buffer_bytes, max_fields 1..65535, queue a power of two)");
        return NULL;
    }
    gw_net *net = (gw_net *)calloc(1, sizeof *net);
    if (net == NULL) {
        snprintf(err, err_len, "out of memory");
        return NULL;
    }
    net->cfg = c;
    net->epfd = -1;
    net->wake_fd = -1;
    net->fields_cap = (uint16_t)c.max_fields;
    atomic_init(&net->next_id, 1u);
    atomic_init(&net->no_block, 0);
    if (gw_ring_attach(&net->in, inbound_region) != GW_RING_OK || gw_ring_attach(&net->out, outbound_region) != GW_RING_OK) {
        snprintf(err, err_len, "inbound or outbound region is not a formatted ring");
        free(net);
        return NULL;
    }
    size_t need = GW_FRAME_HEADER_BYTES + gw_fix_payload_bound(c.max_message_bytes, fields_for(net, c.max_message_bytes));
    if (need > net->in.max_frame) {
        snprintf(err, err_len,
                 "inbound ring max_frame %u is smaller than the largest FixMessage frame (%zu bytes for "
                 "max_message_bytes %u)",
                 net->in.max_frame, need, c.max_message_bytes);
        free(net);
        return NULL;
    }
    if (doorbell != NULL) gw_ring_set_doorbell(&net->in, doorbell, doorbell_ctx);
    uint32_t map_cap = 16;
    while (map_cap < c.max_connections * 2u) map_cap <<= 1;
    net->map_mask = map_cap - 1u;
    net->conns = (conn *)calloc(c.max_connections, sizeof(conn));
    net->free_slots = (uint32_t *)calloc(c.max_connections, sizeof(uint32_t));
    net->map_keys = (uint32_t *)calloc(map_cap, sizeof(uint32_t));
    net->map_vals = (uint32_t *)calloc(map_cap, sizeof(uint32_t));
    net->events = (struct epoll_event *)calloc(c.max_events, sizeof(struct epoll_event));
    net->rx_scratch = (uint8_t *)malloc(4096);
    net->cmds = gw_cmd_queue_create(c.command_queue_capacity);
    net->epfd = epoll_create1(EPOLL_CLOEXEC);
    net->wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (net->epfd >= 0 && net->wake_fd >= 0) {
        struct epoll_event ev;
        ev.events = EPOLLIN;
        ev.data.u64 = WAKE_TOKEN;
        if (epoll_ctl(net->epfd, EPOLL_CTL_ADD, net->wake_fd, &ev) != 0) {
            close(net->wake_fd);
            net->wake_fd = -1;
        }
    }
    if (net->wake_fd < 0 || net->conns == NULL || net->free_slots == NULL || net->map_keys == NULL || net->map_vals == NULL ||
        net->events == NULL || net->rx_scratch == NULL || net->cmds == NULL || net->epfd < 0) {
        snprintf(err, err_len, "network agent allocation failed: %s", strerror(errno));
        gw_net_destroy(net);
        return NULL;
    }
    for (uint32_t i = 0; i < c.max_connections; i++) {
        conn *k = &net->conns[i];
        k->fd = -1;
        k->slot = i;
        net->free_slots[i] = c.max_connections - 1u - i; /* pop order 0, 1, 2, ... */
    }
    net->free_count = c.max_connections;
    /* Buffers are allocated lazily on a slot's first use (still from the controlling thread's view a
     * bounded, start-up-like cost: at most max_connections times per process, never per message). */
    return net;
}

void gw_net_destroy(gw_net *net)
{
    if (net == NULL) return;
    if (net->conns != NULL) {
        for (uint32_t i = 0; i < net->cfg.max_connections; i++) {
            conn *k = &net->conns[i];
            if (k->ssl != NULL) gw_tls_free(k->ssl);
            if (k->fd >= 0) close(k->fd);
            free(k->rbuf);
            free(k->sbuf);
        }
    }
    if (net->cmds != NULL) {
        gw_cmd cmd;
        while (gw_cmd_queue_poll(net->cmds, &cmd)) {
            if (cmd.type == CMD_LISTEN) {
                cmd_listen b;
                memcpy(&b, cmd.body, sizeof b);
                close(b.fd);
            }
        }
        gw_cmd_queue_destroy(net->cmds);
    }
    for (uint32_t i = 0; i < net->tls_count; i++) gw_tls_ctx_free(net->tls[i]);
    if (net->epfd >= 0) close(net->epfd);
    if (net->wake_fd >= 0) close(net->wake_fd);
    free(net->conns);
    free(net->free_slots);
    free(net->map_keys);
    free(net->map_vals);
    free(net->events);
    free(net->rx_scratch);
    free(net);
}

int gw_net_add_tls(gw_net *net, const gw_tls_config *config, int is_server, char *err, size_t err_len)
{
    if (net->tls_count >= GW_NET_MAX_TLS) {
        snprintf(err, err_len, "at most %u TLS profiles", (unsigned)GW_NET_MAX_TLS);
        return -1;
    }
    gw_tls_ctx *t = gw_tls_ctx_create(config, is_server, err, err_len);
    if (t == NULL) return -1;
    /* tls_count is read by the controlling thread only; the agent reads tls[id] after the command
     * naming id was taken from the queue (release/acquire), so the store below is ordered before. */
    net->tls[net->tls_count] = t;
    return (int)net->tls_count++;
}

void gw_net_stats_read(const gw_net *net, gw_net_stats *o)
{
    gw_net *n = (gw_net *)(uintptr_t)net; /* atomic loads of C11 take non-const pointers on some compilers */
    o->accepted = atomic_load_explicit(&n->stats.accepted, memory_order_relaxed);
    o->connected = atomic_load_explicit(&n->stats.connected, memory_order_relaxed);
    o->closed = atomic_load_explicit(&n->stats.closed, memory_order_relaxed);
    o->messages_in = atomic_load_explicit(&n->stats.messages_in, memory_order_relaxed);
    o->garbled_in = atomic_load_explicit(&n->stats.garbled_in, memory_order_relaxed);
    o->bytes_in = atomic_load_explicit(&n->stats.bytes_in, memory_order_relaxed);
    o->bytes_out = atomic_load_explicit(&n->stats.bytes_out, memory_order_relaxed);
    o->back_pressured = atomic_load_explicit(&n->stats.back_pressured, memory_order_relaxed);
    o->dropped_outbound = atomic_load_explicit(&n->stats.dropped_outbound, memory_order_relaxed);
    o->send_buffer_full = atomic_load_explicit(&n->stats.send_buffer_full, memory_order_relaxed);
}

/* ------------------------------------------------------------------ addresses */
static int parse_addr(const char *host, uint16_t port, net_addr *ss, socklen_t *len)
{
    memset(ss, 0, sizeof *ss);
    struct sockaddr_in *v4 = &ss->v4;
    struct sockaddr_in6 *v6 = &ss->v6;
    if (host == NULL || host[0] == '\0') host = "0.0.0.0";
    if (inet_pton(AF_INET, host, &v4->sin_addr) == 1) {
        v4->sin_family = AF_INET;
        v4->sin_port = htons(port);
        *len = sizeof *v4;
        return 0;
    }
    if (inet_pton(AF_INET6, host, &v6->sin6_addr) == 1) {
        v6->sin6_family = AF_INET6;
        v6->sin6_port = htons(port);
        *len = sizeof *v6;
        return 0;
    }
    return -1;
}

static void addr_to_conn(conn *k, const struct sockaddr *ss)
{
    memset(k->remote_addr, 0, sizeof k->remote_addr);
    if (ss->sa_family == AF_INET) {
        const struct sockaddr_in *v4 = (const struct sockaddr_in *)(const void *)ss;  /* family checked */
        k->remote_addr[10] = 0xff;
        k->remote_addr[11] = 0xff;
        memcpy(k->remote_addr + 12, &v4->sin_addr, 4);
        k->remote_port = ntohs(v4->sin_port);
    } else if (ss->sa_family == AF_INET6) {
        const struct sockaddr_in6 *v6 = (const struct sockaddr_in6 *)(const void *)ss;
        memcpy(k->remote_addr, &v6->sin6_addr, 16);
        k->remote_port = ntohs(v6->sin6_port);
    }
}

static uint16_t local_port_of(int fd)
{
    struct sockaddr_storage ss;
    socklen_t len = sizeof ss;
    if (getsockname(fd, (struct sockaddr *)&ss, &len) != 0) return 0;
    if (ss.ss_family == AF_INET) return ntohs(((struct sockaddr_in *)(void *)&ss)->sin_port);
    if (ss.ss_family == AF_INET6) return ntohs(((struct sockaddr_in6 *)(void *)&ss)->sin6_port);
    return 0;
}

/* ------------------------------------------------------------------ control (controlling thread) */
static uint32_t allocate_id(gw_net *net)
{
    uint32_t id = atomic_fetch_add_explicit(&net->next_id, 1u, memory_order_relaxed);
    if (id == 0) id = atomic_fetch_add_explicit(&net->next_id, 1u, memory_order_relaxed); /* 2^32 wrap */
    return id;
}

/* Controlling thread: queues one command for the agent and wakes it. 0, or -EAGAIN (queue full, with
 * "<what>: command queue full" in err). */
static int post_command(gw_net *net, uint32_t type, const void *body, size_t body_len, const char *what, char *err,
                        size_t err_len)
{
    gw_cmd cmd;
    memset(&cmd, 0, sizeof cmd);
    cmd.type = type;
    cmd.length = (uint32_t)body_len;
    memcpy(cmd.body, body, body_len);
    if (gw_cmd_queue_offer(net->cmds, &cmd) != 0) {
        snprintf(err, err_len, "%s: command queue full", what);
        return -EAGAIN;
    }
    gw_net_wake(net);
    return 0;
}

int gw_net_listen(gw_net *net, const char *host, uint16_t port, int tls_id, int backlog, uint32_t *listener_id,
                  uint16_t *bound_port, char *err, size_t err_len)
{
    net_addr ss;
    socklen_t len = 0;
    if (parse_addr(host, port, &ss, &len) != 0) {
        snprintf(err, err_len, "listen: '%s' is not a numeric IPv4/IPv6 address", host);
        return -EINVAL;
    }
    if (tls_id != GW_NET_NO_TLS && (tls_id < 0 || (uint32_t)tls_id >= net->tls_count || !gw_tls_ctx_is_server(net->tls[tls_id]))) {
        snprintf(err, err_len, "listen: %d is not a server TLS profile", tls_id);
        return -EINVAL;
    }
    int fd = socket(ss.sa.sa_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        int e = errno;
        snprintf(err, err_len, "listen: socket: %s", strerror(e));
        return -e;
    }
    int one = 1;
    (void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (bind(fd, &ss.sa, len) != 0 || listen(fd, backlog > 0 ? backlog : 128) != 0) {
        int e = errno;
        snprintf(err, err_len, "listen %s:%u: %s", host, (unsigned)port, strerror(e));
        close(fd);
        return -e;
    }
    cmd_listen b = {fd, tls_id, allocate_id(net), local_port_of(fd)};
    int rc = post_command(net, CMD_LISTEN, &b, sizeof b, "listen", err, err_len);
    if (rc != 0) {
        close(fd);
        return rc;
    }
    *listener_id = b.id;
    *bound_port = b.port;
    return 0;
}

int gw_net_connect(gw_net *net, const char *host, uint16_t port, int tls_id, const char *server_name,
                   uint32_t *connection_id, char *err, size_t err_len)
{
    cmd_connect b;
    memset(&b, 0, sizeof b);
    socklen_t len = 0;
    if (port == 0 || parse_addr(host, port, &b.addr, &len) != 0) {
        snprintf(err, err_len, "connect: '%s' port %u is not a numeric IPv4/IPv6 address and port", host, (unsigned)port);
        return -EINVAL;
    }
    if (tls_id != GW_NET_NO_TLS && (tls_id < 0 || (uint32_t)tls_id >= net->tls_count || gw_tls_ctx_is_server(net->tls[tls_id]))) {
        snprintf(err, err_len, "connect: %d is not a client TLS profile", tls_id);
        return -EINVAL;
    }
    if (server_name != NULL && strlen(server_name) >= SERVER_NAME_MAX) {
        snprintf(err, err_len, "connect: server name longer than %u bytes", SERVER_NAME_MAX - 1u);
        return -EINVAL;
    }
    b.id = allocate_id(net);
    b.tls_id = tls_id;
    if (server_name != NULL) memcpy(b.server_name, server_name, strlen(server_name) + 1u);
    int rc = post_command(net, CMD_CONNECT, &b, sizeof b, "connect", err, err_len);
    if (rc != 0) return rc;
    *connection_id = b.id;
    return 0;
}

int gw_net_close(gw_net *net, uint32_t id, char *err, size_t err_len)
{
    cmd_close b = {id};
    return post_command(net, CMD_CLOSE, &b, sizeof b, "close", err, err_len);
}

void gw_net_wake(gw_net *net)
{
    uint64_t one = 1;
    ssize_t r = write(net->wake_fd, &one, sizeof one); /* EAGAIN: the counter is full, a wake is pending */
    (void)r;
}

void gw_net_prepare_stop(gw_net *net)
{
    atomic_store_explicit(&net->no_block, 1, memory_order_release);
    gw_net_wake(net);
}

/* ------------------------------------------------------------------ slots (agent thread) */
static conn *slot_alloc(gw_net *net, uint32_t id)
{
    if (net->free_count == 0) return NULL;
    conn *k = &net->conns[net->free_slots[--net->free_count]];
    if (k->rbuf == NULL) {
        k->rbuf = (uint8_t *)malloc(net->cfg.recv_buffer_bytes);
        k->sbuf = (uint8_t *)malloc(net->cfg.send_buffer_bytes);
        if (k->rbuf == NULL || k->sbuf == NULL) {
            net->free_count++;
            return NULL;
        }
    }
    uint32_t slot = k->slot;
    uint8_t *rbuf = k->rbuf, *sbuf = k->sbuf;
    memset(k, 0, sizeof *k);
    k->slot = slot;
    k->rbuf = rbuf;
    k->sbuf = sbuf;
    k->fd = -1;
    k->id = id;
    k->tls_id = GW_NET_NO_TLS;
    gw_fix_limits limits = {net->cfg.max_message_bytes, net->fields_cap};
    gw_fix_framer_init(&k->framer, &limits);
    map_put(net, id, slot);
    if (slot + 1u > net->high_slot) net->high_slot = slot + 1u;
    return k;
}

static void slot_free(gw_net *net, conn *k)
{
    if (k->rx_more) net->rx_more_count--;
    if (k->deadline_ns != 0) net->deadline_count--;
    map_del(net, k->id);
    k->state = S_FREE;
    k->id = 0;
    net->free_slots[net->free_count++] = k->slot;
}

static uint64_t ev_data(const conn *k) { return (uint64_t)k->id << 32 | k->slot; }

static void set_deadline(gw_net *net, conn *k, uint64_t after_ns)
{
    if (k->deadline_ns == 0 && after_ns != 0) net->deadline_count++;
    if (k->deadline_ns != 0 && after_ns == 0) net->deadline_count--;
    k->deadline_ns = after_ns == 0 ? 0 : gw_nanotime() + after_ns;
}

static void set_rx_more(gw_net *net, conn *k, int on)
{
    if (on && !k->rx_more) net->rx_more_count++;
    if (!on && k->rx_more) net->rx_more_count--;
    k->rx_more = (uint8_t)(on != 0);
}

static void update_epoll(gw_net *net, conn *k)
{
    if (k->fd < 0) return;
    uint32_t want = EPOLLIN | EPOLLRDHUP;
    if (k->state == S_CONNECTING || (k->state == S_HANDSHAKE && k->hs_want_write) || k->s_end > k->s_start ||
        k->read_wants_write)
        want |= EPOLLOUT;
    if (k->state == S_LISTENER) want = EPOLLIN;
    if (want == k->epoll_mask) return;
    struct epoll_event ev;
    ev.events = want;
    ev.data.u64 = ev_data(k);
    int op = k->epoll_mask == 0 ? EPOLL_CTL_ADD : EPOLL_CTL_MOD;
    if (epoll_ctl(net->epfd, op, k->fd, &ev) == 0) k->epoll_mask = want;
}

/* ------------------------------------------------------------------ event frames */
static void copy_reason(conn *k, const char *reason)
{
    size_t n = reason != NULL ? strlen(reason) : 0;
    if (n > GW_NET_EVENT_REASON_MAX) n = GW_NET_EVENT_REASON_MAX;
    if (n > 0) memcpy(k->pending_reason, reason, n);
    k->pending_reason_len = (uint16_t)n;
}

/* Writes k's pending event into the inbound ring; 0 when written (or none), -1 when back-pressured. */
static int emit_pending(gw_net *net, conn *k)
{
    if (k->pending_event == 0) return 0;
    uint32_t len = 8u + gateway_internal_ConnectionEvent_SBE_BLOCK_LENGTH + 2u + k->pending_reason_len;
    int rc = 0;
    uint8_t *p = gw_ring_try_claim(&net->in, k->pending_event, len, k->id, 0xFFFFFFFFu, gw_epoch_nanos(), &rc);
    if (p == NULL) {
        STAT_ADD(net, back_pressured, 1);
        return -1;
    }
    gateway_internal_ConnectionEvent e;
    gateway_internal_ConnectionEventType type = k->pending_event == gateway_internal_FrameType_Connected
                                                    ? gateway_internal_ConnectionEventType_Connected
                                                : k->pending_event == gateway_internal_FrameType_Disconnected
                                                    ? gateway_internal_ConnectionEventType_Disconnected
                                                    : gateway_internal_ConnectionEventType_Error;
    (void)gateway_internal_ConnectionEvent_wrap_and_apply_header(&e, p, 0, len);
    (void)gateway_internal_ConnectionEvent_set_timestampNs(&e, gw_epoch_nanos());
    (void)gateway_internal_ConnectionEvent_set_connectionId(&e, k->id);
    (void)gateway_internal_ConnectionEvent_set_errorCode(&e, k->pending_error);
    (void)gateway_internal_ConnectionEvent_set_remotePort(&e, k->remote_port);
    (void)gateway_internal_ConnectionEvent_set_localPort(&e, k->local_port);
    (void)gateway_internal_ConnectionEvent_set_eventType(&e, type);
    (void)gateway_internal_ConnectionEvent_set_transport(&e, k->tls ? gateway_internal_Transport_Tls : gateway_internal_Transport_Tcp);
    (void)gateway_internal_ConnectionEvent_put_remoteAddress(&e, k->remote_addr, 16);
    (void)gateway_internal_ConnectionEvent_put_reason(&e, k->pending_reason, k->pending_reason_len);
    if (k->tls) {
        uint16_t flags = FRAME_FLAG_TLS;
        memcpy(gw_ring_last_frame(&net->in) + 6, &flags, sizeof flags);
    }
    k->pending_event = 0;
    net->pending_events--;
    return 0;
}

/* Queues an event for k and tries to write it now. */
static int post_event(gw_net *net, conn *k, uint16_t frame_type, int32_t error, const char *reason)
{
    k->pending_event = frame_type;
    k->pending_error = error;
    copy_reason(k, reason);
    net->pending_events++;
    return emit_pending(net, k);
}

/* Closes the socket now and posts the terminal event; the slot is freed once the event is written. */
static void finish(gw_net *net, conn *k, uint16_t frame_type, int32_t error, const char *reason)
{
    if (k->ssl != NULL) {
        gw_tls_free(k->ssl);
        k->ssl = NULL;
    }
    if (k->fd >= 0) {
        close(k->fd); /* also removes it from the epoll set */
        k->fd = -1;
    }
    set_deadline(net, k, 0);
    set_rx_more(net, k, 0);
    if (k->pending_event != 0) { /* an unwritten Connected: the connection never surfaced */
        k->pending_event = 0;
        net->pending_events--;
    }
    int was_listener = k->state == S_LISTENER;
    k->state = S_ZOMBIE;
    STAT_ADD(net, closed, was_listener ? 0 : 1);
    if (post_event(net, k, frame_type, error, reason) == 0) slot_free(net, k);
}

static void fail_errno(gw_net *net, conn *k, const char *what, int e)
{
    char text[GW_NET_EVENT_REASON_MAX];
    snprintf(text, sizeof text, "%s: %s", what, strerror(e));
    finish(net, k, gateway_internal_FrameType_ConnectionError, e, text);
}

static void fail_tls(gw_net *net, conn *k, const char *what)
{
    char text[GW_NET_EVENT_REASON_MAX];
    char detail[200];
    int code = gw_tls_error(k->ssl, detail, sizeof detail);
    snprintf(text, sizeof text, "%s: %s", what, detail);
    finish(net, k, gateway_internal_FrameType_ConnectionError, code, text);
}

/* ------------------------------------------------------------------ connection open */
static void became_open(gw_net *net, conn *k)
{
    k->state = S_OPEN;
    set_deadline(net, k, 0);
    char subject[GW_NET_EVENT_REASON_MAX];
    subject[0] = '\0';
    if (k->ssl != NULL) (void)gw_tls_peer_subject(k->ssl, subject, sizeof subject);
    (void)post_event(net, k, gateway_internal_FrameType_Connected, 0, subject);
    update_epoll(net, k);
    set_rx_more(net, k, 1); /* bytes may already wait (TLS: decrypted during the handshake) */
}

static void handshake_step(gw_net *net, conn *k)
{
    int r = gw_tls_handshake(k->ssl);
    if (r == GW_TLS_DONE) {
        k->hs_want_write = 0;
        became_open(net, k);
        return;
    }
    if (r == GW_TLS_WANT_READ || r == GW_TLS_WANT_WRITE) {
        k->hs_want_write = (uint8_t)(r == GW_TLS_WANT_WRITE);
        update_epoll(net, k);
        return;
    }
    fail_tls(net, k, "TLS handshake");
}

static void start_transport(gw_net *net, conn *k)
{
    if (net->cfg.tcp_nodelay) {
        int one = 1;
        (void)setsockopt(k->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    }
    if (net->cfg.socket_send_buffer_bytes > 0 && net->cfg.socket_send_buffer_bytes <= (uint32_t)INT32_MAX) {
        int sz = (int)net->cfg.socket_send_buffer_bytes;
        (void)setsockopt(k->fd, SOL_SOCKET, SO_SNDBUF, &sz, sizeof sz);
    }
    if (k->tls_id == GW_NET_NO_TLS) {
        became_open(net, k);
        return;
    }
    char e[200];
    k->tls = 1;
    k->ssl = gw_tls_new(net->tls[k->tls_id], k->fd, k->server_name[0] != '\0' ? k->server_name : NULL, e, sizeof e);
    if (k->ssl == NULL) {
        finish(net, k, gateway_internal_FrameType_ConnectionError, -1, e);
        return;
    }
    k->state = S_HANDSHAKE;
    set_deadline(net, k, (uint64_t)net->cfg.open_timeout_ms * 1000000u);
    handshake_step(net, k);
}

static int do_accept(gw_net *net, conn *l)
{
    int work = 0;
    for (uint32_t i = 0; i < ACCEPTS_PER_CYCLE; i++) {
        struct sockaddr_storage ss;
        socklen_t len = sizeof ss;
        int fd = accept4(l->fd, (struct sockaddr *)&ss, &len, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0) break; /* EAGAIN, or a transient error (ECONNABORTED, EMFILE): retried on the next event */
        work++;
        conn *k = slot_alloc(net, allocate_id(net));
        if (k == NULL) {
            close(fd); /* no slot: the member sees a reset and reconnects later */
            continue;
        }
        STAT_ADD(net, accepted, 1);
        k->fd = fd;
        k->local_port = l->local_port;
        k->tls_id = l->tls_id;
        addr_to_conn(k, (const struct sockaddr *)(const void *)&ss);
        update_epoll(net, k);
        start_transport(net, k);
    }
    return work;
}

static void connect_done(gw_net *net, conn *k)
{
    int e = 0;
    socklen_t len = sizeof e;
    if (getsockopt(k->fd, SOL_SOCKET, SO_ERROR, &e, &len) != 0) e = errno;
    if (e != 0) {
        fail_errno(net, k, "connect", e);
        return;
    }
    k->local_port = local_port_of(k->fd);
    STAT_ADD(net, connected, 1);
    start_transport(net, k);
}

static int flush_send(gw_net *net, conn *k);

/* ------------------------------------------------------------------ commands */
/* ConnectionError (EMFILE) for an id that never got a slot; 1 when written, 0 when back-pressured. */
static int emit_slotless_error(gw_net *net, uint32_t id, const net_addr *addr, const char *reason)
{
    conn tmp;
    memset(&tmp, 0, sizeof tmp);
    tmp.id = id;
    if (addr != NULL) addr_to_conn(&tmp, &addr->sa);
    tmp.pending_event = gateway_internal_FrameType_ConnectionError;
    tmp.pending_error = EMFILE;
    copy_reason(&tmp, reason);
    net->pending_events++;
    if (emit_pending(net, &tmp) != 0) {
        net->pending_events--;
        return 0;
    }
    return 1;
}

/* Returns 1 when done, 0 when it must be retried (ring back-pressure). */
static int run_command(gw_net *net, const gw_cmd *cmd)
{
    if (cmd->type == CMD_LISTEN) {
        cmd_listen b;
        memcpy(&b, cmd->body, sizeof b);
        conn *k = slot_alloc(net, b.id);
        if (k == NULL) {
            if (!emit_slotless_error(net, b.id, NULL, "listen: no free connection slot (max_connections)")) return 0;
            close(b.fd);
            return 1;
        }
        k->fd = b.fd;
        k->state = S_LISTENER;
        k->tls_id = b.tls_id;
        k->tls = (uint8_t)(b.tls_id != GW_NET_NO_TLS);
        k->local_port = b.port;
        update_epoll(net, k);
        return 1;
    }
    if (cmd->type == CMD_CONNECT) {
        cmd_connect b;
        memcpy(&b, cmd->body, sizeof b);
        conn *k = slot_alloc(net, b.id);
        if (k == NULL) return emit_slotless_error(net, b.id, &b.addr, "connect: no free connection slot (max_connections)");
        k->tls_id = b.tls_id;
        memcpy(k->server_name, b.server_name, sizeof k->server_name);
        k->server_name[sizeof k->server_name - 1u] = '\0';
        addr_to_conn(k, &b.addr.sa);
        k->state = S_CONNECTING;
        k->fd = socket(b.addr.sa.sa_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (k->fd < 0) {
            fail_errno(net, k, "connect: socket", errno);
            return 1;
        }
        socklen_t len = b.addr.sa.sa_family == AF_INET ? (socklen_t)sizeof(struct sockaddr_in) : (socklen_t)sizeof(struct sockaddr_in6);
        if (connect(k->fd, &b.addr.sa, len) == 0) {
            k->local_port = local_port_of(k->fd);
            update_epoll(net, k);
            STAT_ADD(net, connected, 1);
            start_transport(net, k);
        } else if (errno == EINPROGRESS) {
            set_deadline(net, k, (uint64_t)net->cfg.open_timeout_ms * 1000000u);
            update_epoll(net, k);
        } else {
            fail_errno(net, k, "connect", errno);
        }
        return 1;
    }
    if (cmd->type == CMD_CLOSE) {
        cmd_close b;
        memcpy(&b, cmd->body, sizeof b);
        conn *k = map_get(net, b.id);
        if (k == NULL || k->state == S_ZOMBIE) return 1;
        if (k->state == S_LISTENER) {
            finish(net, k, gateway_internal_FrameType_Disconnected, 0, "listener closed");
            return 1;
        }
        if (k->state != S_OPEN) {
            finish(net, k, gateway_internal_FrameType_Disconnected, 0, "closed by request");
            return 1;
        }
        k->close_requested = 1;
        (void)flush_send(net, k); /* closes at once when nothing is queued, else once sbuf is written */
        return 1;
    }
    return 1;
}

static int drain_commands(gw_net *net)
{
    int work = 0;
    if (net->has_deferred) {
        if (!run_command(net, &net->deferred)) return 0;
        net->has_deferred = 0;
        work++;
    }
    gw_cmd cmd;
    for (uint32_t i = 0; i < COMMANDS_PER_CYCLE && gw_cmd_queue_poll(net->cmds, &cmd); i++) {
        work++;
        if (!run_command(net, &cmd)) {
            net->deferred = cmd;
            net->has_deferred = 1;
            break;
        }
    }
    return work;
}

/* ------------------------------------------------------------------ send side */
static void begin_closing(gw_net *net, conn *k);

/* Writes as much of sbuf as the socket takes. 0 ok, -1 when k was failed. */
static int flush_send(gw_net *net, conn *k)
{
    while (k->s_end > k->s_start) {
        uint32_t n = k->s_end - k->s_start;
        if (k->ssl != NULL) {
            int r = gw_tls_write(k->ssl, k->sbuf + k->s_start, n);
            if (r > 0) {
                k->s_start += (uint32_t)r;
                STAT_ADD(net, bytes_out, r);
                k->write_wants_read = 0;
                continue;
            }
            if (r == GW_TLS_WANT_WRITE) break;
            if (r == GW_TLS_WANT_READ) {
                k->write_wants_read = 1;
                break;
            }
            fail_tls(net, k, "TLS write");
            return -1;
        }
        ssize_t w = send(k->fd, k->sbuf + k->s_start, n, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (w > 0) {
            k->s_start += (uint32_t)w;
            STAT_ADD(net, bytes_out, w);
            continue;
        }
        if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
        if (w < 0 && errno == EINTR) continue;
        fail_errno(net, k, "send", w < 0 ? errno : EPIPE);
        return -1;
    }
    if (k->s_start == k->s_end) k->s_start = k->s_end = 0;
    if (k->close_requested && k->state == S_OPEN) {
        if (k->s_end == 0) begin_closing(net, k);
        else if (k->deadline_ns == 0) set_deadline(net, k, (uint64_t)net->cfg.close_timeout_ms * 1000000u); /* a peer that never reads */
    }
    update_epoll(net, k);
    return 0;
}

/* Appends bytes to k's send buffer and writes what the socket takes. */
static void send_bytes(gw_net *net, conn *k, const uint8_t *p, uint32_t n)
{
    if (n == 0) return;
    uint32_t cap = net->cfg.send_buffer_bytes;
    if (k->state == S_OPEN && k->s_end == k->s_start) {
        /* fast path: nothing queued, write directly from the ring */
        if (k->ssl == NULL) {
            ssize_t w = send(k->fd, p, n, MSG_NOSIGNAL | MSG_DONTWAIT);
            if (w > 0) {
                STAT_ADD(net, bytes_out, w);
                p += w;
                n -= (uint32_t)w;
            } else if (w < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
                fail_errno(net, k, "send", errno);
                return;
            }
        } else {
            int r = gw_tls_write(k->ssl, p, n);
            if (r > 0) {
                STAT_ADD(net, bytes_out, r);
                p += r;
                n -= (uint32_t)r;
            } else if (r == GW_TLS_WANT_READ) {
                k->write_wants_read = 1;
            } else if (r != GW_TLS_WANT_WRITE) {
                fail_tls(net, k, "TLS write");
                return;
            }
        }
        if (n == 0) return;
    }
    if (n > cap - (k->s_end - k->s_start)) {
        STAT_ADD(net, send_buffer_full, 1);
        char text[96];
        snprintf(text, sizeof text, "send buffer full (%u bytes queued, %u more)", k->s_end - k->s_start, n);
        finish(net, k, gateway_internal_FrameType_ConnectionError, ENOBUFS, text);
        return;
    }
    if (n > cap - k->s_end) { /* compact */
        memmove(k->sbuf, k->sbuf + k->s_start, k->s_end - k->s_start);
        k->s_end -= k->s_start;
        k->s_start = 0;
    }
    memcpy(k->sbuf + k->s_end, p, n);
    k->s_end += n;
    if (k->state == S_OPEN) (void)flush_send(net, k);
}

static void on_outbound_frame(void *ctx, const uint8_t *frame, uint32_t frame_length)
{
    gw_net *net = (gw_net *)ctx;
    uint16_t type;
    uint32_t id;
    memcpy(&type, frame + 4, sizeof type);
    memcpy(&id, frame + 8, sizeof id);
    conn *k = map_get(net, id);
    if (k == NULL || k->state == S_LISTENER || k->state == S_ZOMBIE || k->state == S_CLOSING || k->close_requested) {
        STAT_ADD(net, dropped_outbound, 1);
        return;
    }
    if (type == gateway_internal_FrameType_SendBytes) {
        send_bytes(net, k, frame + GW_FRAME_HEADER_BYTES, frame_length - GW_FRAME_HEADER_BYTES);
    } else if (type == gateway_internal_FrameType_Disconnect) {
        k->close_requested = 1;
        if (k->state == S_OPEN) {
            (void)flush_send(net, k);
        } else {
            finish(net, k, gateway_internal_FrameType_Disconnected, 0, "closed by request");
        }
    } else {
        STAT_ADD(net, dropped_outbound, 1);
    }
}

/* Queued bytes are written: send FIN (and close_notify), then drain reads until EOF or the deadline. */
static void begin_closing(gw_net *net, conn *k)
{
    if (k->ssl != NULL) gw_tls_shutdown(k->ssl);
    (void)shutdown(k->fd, SHUT_WR);
    k->state = S_CLOSING;
    set_deadline(net, k, 0);
    set_deadline(net, k, (uint64_t)net->cfg.close_timeout_ms * 1000000u);
    set_rx_more(net, k, 0);
}

/* CLOSING: read and discard; 1 when the connection was finished. */
static int closing_read(gw_net *net, conn *k)
{
    for (int i = 0; i < 4; i++) {
        if (k->ssl != NULL) {
            int r = gw_tls_read(k->ssl, net->rx_scratch, 4096);
            if (r > 0) continue;
            if (r == GW_TLS_WANT_READ || r == GW_TLS_WANT_WRITE) return 0;
        } else {
            ssize_t r = recv(k->fd, net->rx_scratch, 4096, MSG_DONTWAIT);
            if (r > 0) continue;
            if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) return 0;
        }
        finish(net, k, gateway_internal_FrameType_Disconnected, 0, "closed by request");
        return 1;
    }
    return 0;
}

/* ------------------------------------------------------------------ receive side */
/* Writes the framed input at the front of rbuf into the ring. 0 when it needs more bytes, -1 when
 * back-pressured (bytes stay; the pending framer result is kept for the retry). */
static int deliver(gw_net *net, conn *k)
{
    for (;;) {
        if (!k->has_pending_result) {
            if (k->r_end == k->r_start) return 0;
            gw_fix_framer_next(&k->framer, k->rbuf + k->r_start, k->r_end - k->r_start, &k->pending_result);
            if (k->pending_result.kind == GW_FIX_NEED_MORE) return 0;
            if (k->pending_result.length > k->r_end - k->r_start) k->pending_result.length = k->r_end - k->r_start; /* defensive */
            k->has_pending_result = 1;
        }
        const gw_fix_frame_result *res = &k->pending_result;
        const uint8_t *raw = k->rbuf + k->r_start;
        int rc = 0;
        if (res->kind == GW_FIX_MESSAGE) {
            uint16_t fields = fields_for(net, res->length);
            size_t bound = gw_fix_payload_bound(res->length, fields);
            uint8_t *p = gw_ring_try_claim(&net->in, gateway_internal_FrameType_FixMessage, (uint32_t)bound, k->id,
                                           0xFFFFFFFFu, net->now_epoch_ns, &rc);
            if (p == NULL) return -1;
            size_t written = gw_fix_write_payload(raw, res->length, fields, p, bound);
            if (written == 0) { /* cannot happen with the bound; never publish a bogus index */
                uint16_t flags = 1u << 2; /* FrameFlags.truncated: the consumer rejects it */
                memcpy(gw_ring_last_frame(&net->in) + 6, &flags, sizeof flags);
                written = bound;
            }
            gw_ring_shrink_last(&net->in, (uint32_t)written);
            STAT_ADD(net, messages_in, 1);
        } else {
            uint32_t sample = res->length < GARBLED_SAMPLE_MAX ? res->length : GARBLED_SAMPLE_MAX;
            uint8_t *p = gw_ring_try_claim(&net->in, gateway_internal_FrameType_FixGarbled, 16u + sample, k->id,
                                           0xFFFFFFFFu, net->now_epoch_ns, &rc);
            if (p == NULL) return -1;
            gateway_internal_FixGarbledHeader g;
            (void)gateway_internal_FixGarbledHeader_wrap(&g, p, 0, 2, 16u + sample);
            (void)gateway_internal_FixGarbledHeader_set_streamOffset(&g, res->stream_offset);
            (void)gateway_internal_FixGarbledHeader_set_discardedLength(&g, res->length);
            (void)gateway_internal_FixGarbledHeader_set_reason(&g, (gateway_internal_FixGarbledReason)res->reason);
            (void)gateway_internal_FixGarbledHeader_set_reserved(&g, 0);
            (void)gateway_internal_FixGarbledHeader_set_sampleLength(&g, (uint16_t)sample);
            memcpy(p + 16, raw, sample);
            STAT_ADD(net, garbled_in, 1);
        }
        if (k->tls) {
            uint16_t flags = FRAME_FLAG_TLS;
            memcpy(gw_ring_last_frame(&net->in) + 6, &flags, sizeof flags);
        }
        k->r_start += res->length;
        k->has_pending_result = 0;
        if (k->r_start == k->r_end) k->r_start = k->r_end = 0;
    }
}

/* Reads and delivers up to the read budget. Returns work done (bytes read > 0 or frames). */
static int conn_read(gw_net *net, conn *k)
{
    if (k->state == S_CLOSING) return closing_read(net, k);
    if (k->state != S_OPEN || k->pending_event != 0) return 0; /* Connected not yet in the ring */
    uint32_t budget = net->cfg.read_budget_bytes;
    uint32_t cap = net->cfg.recv_buffer_bytes;
    int work = 0;
    int drained = 0; /* plain TCP: a short read emptied the socket (level-triggered epoll reports more) */
    set_rx_more(net, k, 0);
    for (;;) {
        if (deliver(net, k) != 0) {
            STAT_ADD(net, back_pressured, 1);
            set_rx_more(net, k, 1);
            return work;
        }
        if (drained) return work; /* no second recv() only to meet EAGAIN: one system call per message */
        if (k->eof) {
            char text[96];
            if (k->r_end > k->r_start) {
                snprintf(text, sizeof text, "peer closed (%u bytes of an incomplete message discarded)", k->r_end - k->r_start);
            } else {
                snprintf(text, sizeof text, "peer closed");
            }
            finish(net, k, gateway_internal_FrameType_Disconnected, 0, text);
            return work + 1;
        }
        if (k->close_requested) return work; /* no new input once a close is requested */
        if (budget == 0) {
            set_rx_more(net, k, k->ssl != NULL);
            return work;
        }
        if (k->r_end == cap && k->r_start > 0) {
            memmove(k->rbuf, k->rbuf + k->r_start, k->r_end - k->r_start);
            k->r_end -= k->r_start;
            k->r_start = 0;
        }
        uint32_t space = cap - k->r_end;
        if (space == 0) {
            /* cannot happen while max_message_bytes <= recv_buffer_bytes (the framer discards larger) */
            finish(net, k, gateway_internal_FrameType_ConnectionError, EMSGSIZE, "receive buffer full");
            return work + 1;
        }
        if (space > budget) space = budget;
        if (k->ssl != NULL) {
            int r = gw_tls_read(k->ssl, k->rbuf + k->r_end, space);
            if (r > 0) {
                k->read_wants_write = 0;
                k->r_end += (uint32_t)r;
                budget -= (uint32_t)r;
                STAT_ADD(net, bytes_in, r);
                work++;
                continue;
            }
            if (r == GW_TLS_WANT_READ) return work;
            if (r == GW_TLS_WANT_WRITE) {
                k->read_wants_write = 1;
                update_epoll(net, k);
                return work;
            }
            if (r == GW_TLS_CLOSED) {
                k->eof = 1;
                continue;
            }
            fail_tls(net, k, "TLS read");
            return work + 1;
        }
        ssize_t r = recv(k->fd, k->rbuf + k->r_end, space, MSG_DONTWAIT);
        if (r > 0) {
            k->r_end += (uint32_t)r;
            budget -= (uint32_t)r;
            STAT_ADD(net, bytes_in, r);
            work++;
            drained = (uint32_t)r < space;
            continue;
        }
        if (r == 0) {
            k->eof = 1;
            continue;
        }
        if (errno == EAGAIN || errno == EWOULDBLOCK) return work;
        if (errno == EINTR) continue;
        fail_errno(net, k, "recv", errno);
        return work + 1;
    }
}

static int handle_event(gw_net *net, const struct epoll_event *ev)
{
    if (ev->data.u64 == WAKE_TOKEN) {
        uint64_t n;
        ssize_t r = read(net->wake_fd, &n, sizeof n);
        (void)r;
        return 0;
    }
    uint32_t slot = (uint32_t)(ev->data.u64 & 0xFFFFFFFFu);
    uint32_t id = (uint32_t)(ev->data.u64 >> 32);
    if (slot >= net->cfg.max_connections) return 0;
    conn *k = &net->conns[slot];
    if (k->id != id || k->fd < 0) return 0; /* stale: the slot was closed or reused in this batch */
    uint32_t e = ev->events;
    switch (k->state) {
    case S_LISTENER:
        return do_accept(net, k);
    case S_CONNECTING:
        if (e & (EPOLLOUT | EPOLLERR | EPOLLHUP)) connect_done(net, k);
        return 1;
    case S_HANDSHAKE:
        handshake_step(net, k);
        return 1;
    case S_OPEN: {
        int work = 0;
        if ((e & EPOLLOUT) && k->s_end > k->s_start) {
            if (flush_send(net, k) != 0) return 1;
            work++;
        }
        if ((e & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)) || ((e & EPOLLOUT) && k->read_wants_write)) {
            if (k->write_wants_read && k->s_end > k->s_start) {
                if (flush_send(net, k) != 0) return 1;
            }
            work += conn_read(net, k);
        }
        return work;
    }
    case S_CLOSING:
        return closing_read(net, k);
    default:
        return 0;
    }
}

/* ------------------------------------------------------------------ deadlines */
/* Connect and TLS handshake timeouts (a silent peer must not hold a slot), the flush of a requested
 * close to a peer that stopped reading, and the linger of CLOSING. */
static int check_deadlines(gw_net *net)
{
    uint64_t now = gw_nanotime();
    if (now < net->next_deadline_scan) return 0;
    net->next_deadline_scan = now + DEADLINE_SCAN_NS;
    int work = 0;
    for (uint32_t i = 0; i < net->high_slot && net->deadline_count > 0; i++) {
        conn *k = &net->conns[i];
        if (k->deadline_ns == 0 || now < k->deadline_ns) continue;
        work++;
        char text[128];
        switch (k->state) {
        case S_CONNECTING:
            finish(net, k, gateway_internal_FrameType_ConnectionError, ETIMEDOUT, "connect timed out");
            break;
        case S_HANDSHAKE:
            finish(net, k, gateway_internal_FrameType_ConnectionError, ETIMEDOUT, "TLS handshake timed out");
            break;
        case S_OPEN:
            snprintf(text, sizeof text, "closed by request (%u unsent bytes discarded: the peer stopped reading)", k->s_end - k->s_start);
            finish(net, k, gateway_internal_FrameType_Disconnected, 0, text);
            break;
        case S_CLOSING:
            finish(net, k, gateway_internal_FrameType_Disconnected, 0, "closed by request (peer did not close)");
            break;
        default:
            set_deadline(net, k, 0);
            break;
        }
    }
    return work;
}

/* ------------------------------------------------------------------ blocking idle */
/* Sleeps in epoll_wait until a socket is ready, gw_net_wake is called (the JS producer found the
 * outbound ring's parked flag set, or a command was offered) or block_timeout_ms passed. Only when
 * nothing is pending that needs a retry without an event (ring back-pressure, deferred events or
 * commands); with deadlines pending it sleeps at most until the next scan. Returns the work done on
 * the events it woke for. */
static int block_idle(gw_net *net)
{
    if (net->rx_more_count > 0 || net->pending_events > 0 || net->has_deferred) return 0;
    if (atomic_load_explicit(&net->no_block, memory_order_acquire)) return 0;
    int timeout = (int)net->cfg.block_timeout_ms;
    if (net->deadline_count > 0) timeout = 1;
    if (!gw_ring_prepare_park(&net->out)) return 0; /* frames arrived meanwhile */
    int n = epoll_wait(net->epfd, net->events, (int)net->cfg.max_events, timeout);
    /* Unpark (a producer that saw the flag has already cleared it and rung). */
    atomic_store_explicit((atomic_uint *)(void *)(net->out.base + GW_RING_PARKED_OFFSET), 0u, memory_order_relaxed);
    net->idle_cycles = 0;
    int work = 0;
    if (n > 0) {
        net->now_epoch_ns = gw_epoch_nanos();
        for (int i = 0; i < n; i++) work += handle_event(net, &net->events[i]);
        if (gw_ring_publish(&net->in) > 0) work++;
    }
    return work;
}

/* ------------------------------------------------------------------ duty cycle */
int gw_net_do_work(gw_net *net)
{
    int work = 0;
    net->now_epoch_ns = gw_epoch_nanos();
    work += drain_commands(net);
    /* replies first: they are what a waiting member measures */
    work += (int)gw_ring_poll(&net->out, on_outbound_frame, net, net->cfg.outbound_frame_limit);
    if (net->pending_events > 0) {
        for (uint32_t i = 0; i < net->high_slot && net->pending_events > 0; i++) {
            conn *k = &net->conns[i];
            if (k->pending_event == 0) continue;
            if (emit_pending(net, k) != 0) break;
            work++;
            if (k->state == S_ZOMBIE) slot_free(net, k);
        }
    }
    int n = epoll_wait(net->epfd, net->events, (int)net->cfg.max_events, 0);
    for (int i = 0; i < n; i++) work += handle_event(net, &net->events[i]);
    if (net->rx_more_count > 0) {
        for (uint32_t i = 0; i < net->high_slot && net->rx_more_count > 0; i++) {
            conn *k = &net->conns[i];
            if (k->rx_more && k->state == S_OPEN) work += conn_read(net, k);
        }
    }
    if (net->deadline_count > 0) work += check_deadlines(net);
    if (gw_ring_publish(&net->in) > 0) work++;
    if (work > 0 || net->cfg.block_after_idle_cycles == 0) {
        net->idle_cycles = 0;
        return work;
    }
    if (++net->idle_cycles < net->cfg.block_after_idle_cycles) return 0;
    return block_idle(net);
}

static int net_on_start(void *ctx)
{
    (void)ctx;
    /* Parks of the idle strategy (nanosleep) are rounded up by the thread's timer slack (50 us by
     * default); a network agent wants its short parks to be short. Best effort. */
    (void)prctl(PR_SET_TIMERSLACK, 1000UL, 0UL, 0UL, 0UL);
    return 0;
}

static int net_do_work(void *ctx) { return gw_net_do_work((gw_net *)ctx); }

void gw_net_on_close(gw_net *net)
{
    /* Commands still queued: a listen's socket must not leak; connects never started. */
    gw_cmd cmd;
    while (gw_cmd_queue_poll(net->cmds, &cmd)) {
        if (cmd.type == CMD_LISTEN) {
            cmd_listen b;
            memcpy(&b, cmd.body, sizeof b);
            close(b.fd);
        }
    }
    for (uint32_t i = 0; i < net->high_slot; i++) {
        conn *k = &net->conns[i];
        if (k->state == S_FREE) continue;
        if (k->state == S_ZOMBIE) {
            if (emit_pending(net, k) == 0) slot_free(net, k);
            continue;
        }
        if (k->state == S_OPEN) {
            (void)flush_send(net, k); /* best effort, non-blocking */
            if (k->state != S_OPEN) continue;
        }
        if (k->ssl != NULL && (k->state == S_OPEN || k->state == S_CLOSING)) gw_tls_shutdown(k->ssl);
        int listener = k->state == S_LISTENER;
        finish(net, k, gateway_internal_FrameType_Disconnected, 0, listener ? "listener closed (agent stopped)" : "agent stopped");
    }
    (void)gw_ring_publish(&net->in);
}

static void net_on_close(void *ctx) { gw_net_on_close((gw_net *)ctx); }

static const gw_agent_ops NET_OPS = {"gw-net", net_on_start, net_do_work, net_on_close};

const gw_agent_ops *gw_net_agent_ops(void) { return &NET_OPS; }
