/*
 * Network agent over loopback, driven single-threaded (gw_net_do_work in the test's loop; the test
 * plays JS: consumer of the inbound ring, producer of the outbound ring). One agent listens and
 * connects to itself, so both ends of every connection are the agent under test.
 *   - plain TCP: Connected events (ports, addresses), a FIX message in 1-byte and random fragments,
 *     garbled input -> FixGarbled then the stream continues, many messages through a small inbound ring
 *     (back-pressure, nothing lost, order kept), Disconnect after queued bytes -> Disconnected both sides
 *   - connect refused -> ConnectionError ECONNREFUSED
 *   - a peer that never reads -> ConnectionError ENOBUFS "send buffer full"
 *   - TLS 1.3 and 1.2 with mutual TLS (certificates made by the openssl CLI in a temp dir): subjects in
 *     the Connected events, data both ways; a client certificate from another CA is rejected
 *   - stop with connections open: Disconnected for each
 */
#if !defined(_GNU_SOURCE)
#define _GNU_SOURCE
#endif
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "gateway-internal/gateway_internal.h"
#include "net.h"
#include "ring.h"
#include "test_util.h"

#define T_FIX 1u
#define T_CONNECTED 3u
#define T_DISCONNECTED 4u
#define T_ERROR 5u
#define T_GARBLED 7u
#define T_SEND 8u
#define T_DISCONNECT 9u

typedef struct rec {
    uint16_t type;
    uint16_t flags;
    uint32_t conn;
    uint32_t len; /* payload bytes */
    uint8_t *payload;
} rec;

#define MAX_RECS 20000
static rec recs[MAX_RECS];
static int nrecs;
static uint64_t last_seq;
static int seq_gaps;

static void on_frame(void *ctx, const uint8_t *f, uint32_t len)
{
    (void)ctx;
    if (nrecs >= MAX_RECS) return;
    rec *r = &recs[nrecs++];
    memcpy(&r->type, f + 4, 2);
    memcpy(&r->flags, f + 6, 2);
    memcpy(&r->conn, f + 8, 4);
    uint64_t seq;
    memcpy(&seq, f + 24, 8);
    if (seq != last_seq + 1) seq_gaps++;
    last_seq = seq;
    r->len = len - 32u;
    r->payload = (uint8_t *)malloc(r->len + 1u);
    memcpy(r->payload, f + 32, r->len);
}

static void clear_recs(void)
{
    for (int i = 0; i < nrecs; i++) free(recs[i].payload);
    nrecs = 0;
}

typedef struct env {
    void *in_region, *out_region;
    gw_ring in_consumer, out_producer;
    gw_net *net;
} env;

static void *region(uint32_t cap, uint32_t max_frame)
{
    void *p = aligned_alloc(64, (gw_ring_region_bytes(cap) + 63u) & ~(size_t)63u);
    if (p == NULL || gw_ring_format(p, cap, max_frame) != GW_RING_OK) abort();
    return p;
}

static int env_init(env *e, const gw_net_config *cfg, uint32_t in_cap)
{
    memset(e, 0, sizeof *e);
    e->in_region = region(in_cap, in_cap / 2u);
    e->out_region = region(1u << 20, 1u << 19);
    gw_ring_attach(&e->in_consumer, e->in_region);
    gw_ring_attach(&e->out_producer, e->out_region);
    char err[256];
    e->net = gw_net_create(cfg, e->in_region, NULL, NULL, e->out_region, err, sizeof err);
    if (e->net == NULL) fprintf(stderr, "gw_net_create: %s\n", err);
    clear_recs();
    last_seq = 0;
    seq_gaps = 0;
    return e->net != NULL;
}

static void env_free(env *e)
{
    gw_net_destroy(e->net);
    free(e->in_region);
    free(e->out_region);
    clear_recs();
}

static uint64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* Runs the agent and drains the inbound ring `poll_limit` frames per cycle. */
static void step(env *e, uint32_t poll_limit)
{
    (void)gw_net_do_work(e->net);
    (void)gw_ring_poll(&e->in_consumer, on_frame, NULL, poll_limit);
}

static int count(uint16_t type, uint32_t conn)
{
    int n = 0;
    for (int i = 0; i < nrecs; i++)
        if (recs[i].type == type && (conn == 0 || recs[i].conn == conn)) n++;
    return n;
}

static const rec *find(uint16_t type, uint32_t conn, int nth)
{
    for (int i = 0; i < nrecs; i++)
        if (recs[i].type == type && (conn == 0 || recs[i].conn == conn) && nth-- == 0) return &recs[i];
    return NULL;
}

static int pump_until(env *e, uint16_t type, uint32_t conn, int n, int timeout_ms)
{
    uint64_t end = now_ms() + (uint64_t)timeout_ms;
    while (count(type, conn) < n) {
        if (now_ms() > end) return 0;
        step(e, 1000);
    }
    return 1;
}

static void pump_for(env *e, int ms)
{
    uint64_t end = now_ms() + (uint64_t)ms;
    while (now_ms() < end) step(e, 1000);
}

static void send_frame(env *e, uint16_t type, uint32_t conn, const void *p, uint32_t n)
{
    int rc = 0;
    uint8_t *dst;
    while ((dst = gw_ring_try_claim(&e->out_producer, type, n, conn, 0, 0, &rc)) == NULL) {
        if (rc != GW_RING_BACK_PRESSURED) abort();
        (void)gw_ring_publish(&e->out_producer);
        step(e, 1000);
    }
    if (n > 0) memcpy(dst, p, n);
    (void)gw_ring_publish(&e->out_producer);
}

/* ConnectionEvent fields of a record. */
typedef struct cev {
    char type;
    int32_t error;
    uint16_t local_port, remote_port;
    uint8_t transport;
    uint8_t addr[16];
    char reason[300];
} cev;

static int decode_event(const rec *r, cev *out)
{
    gateway_internal_ConnectionEvent c;
    memset(out, 0, sizeof *out);
    if (r == NULL) return 0;
    if (!gateway_internal_ConnectionEvent_wrap_and_check_header(&c, r->payload, 0, r->len)) return 0;
    gateway_internal_ConnectionEventType t;
    if (!gateway_internal_ConnectionEvent_eventType(&c, &t)) return 0;
    out->type = (char)t;
    out->error = gateway_internal_ConnectionEvent_errorCode(&c);
    out->local_port = gateway_internal_ConnectionEvent_localPort(&c);
    out->remote_port = gateway_internal_ConnectionEvent_remotePort(&c);
    out->transport = gateway_internal_ConnectionEvent_transport_raw(&c);
    if (!gateway_internal_ConnectionEvent_get_remoteAddress(&c, out->addr, 16)) return 0;
    uint64_t n = 0;
    if (!gateway_internal_ConnectionEvent_get_reason(&c, out->reason, sizeof out->reason - 1u, &n)) return 0;
    out->reason[n] = '\0';
    return 1;
}

/* A FIX 4.4 NewOrderSingle-like message with MsgSeqNum seq; returns its length. */
static uint32_t build_fix(char *out, int seq)
{
    char body[256];
    int bl = snprintf(body, sizeof body,
                      "35=D\00134=%d\00149=MEMBER1\00156=CCP\00152=20261124-02:30:00.000\001"
                      "11=ORD%06d\00155=ACME\00154=1\00138=100\00140=2\00144=12.345\00160=20261124-02:30:00.000\001",
                      seq, seq);
    int hl = sprintf(out, "8=FIX.4.4\0019=%d\001", bl);
    memcpy(out + hl, body, (size_t)bl);
    unsigned sum = 0;
    for (int i = 0; i < hl + bl; i++) sum += (unsigned char)out[i];
    int tl = sprintf(out + hl + bl, "10=%03u\001", sum % 256u);
    return (uint32_t)(hl + bl + tl);
}

/* Raw bytes of a FixMessage record. */
static const uint8_t *fix_raw(const rec *r, uint32_t *raw_len)
{
    uint32_t rl;
    uint16_t fc;
    memcpy(&rl, r->payload, 4);
    memcpy(&fc, r->payload + 4, 2);
    *raw_len = rl;
    if (16u + 16u * fc + rl > r->len) return NULL;
    return r->payload + 16u + 16u * fc;
}

static uint32_t rng_state = 12345u;
static uint32_t rnd(void)
{
    rng_state = rng_state * 1103515245u + 12345u;
    return rng_state >> 8;
}

/* Listens on 127.0.0.1:0 and connects to it; *srv, *cli = connection ids of the two ends. */
static int connect_pair(env *e, int srv_tls, int cli_tls, const char *sni, uint32_t *srv, uint32_t *cli, uint16_t *port)
{
    char err[256];
    uint32_t lid = 0;
    int rc = gw_net_listen(e->net, "127.0.0.1", 0, srv_tls, 16, &lid, port, err, sizeof err);
    EXPECT(rc == 0);
    if (rc != 0) {
        fprintf(stderr, "listen: %s\n", err);
        return 0;
    }
    EXPECT(*port != 0);
    rc = gw_net_connect(e->net, "127.0.0.1", *port, cli_tls, sni, cli, err, sizeof err);
    EXPECT(rc == 0);
    EXPECT(*cli != lid);
    if (!pump_until(e, T_CONNECTED, *cli, 1, 20000)) return 0;
    /* the accepted end: the Connected event whose id is neither */
    if (!pump_until(e, T_CONNECTED, 0, 2, 20000)) return 0;
    *srv = 0;
    for (int i = 0; i < nrecs; i++)
        if (recs[i].type == T_CONNECTED && recs[i].conn != *cli) *srv = recs[i].conn;
    return *srv != 0;
}

static void test_plain_tcp(void)
{
    gw_net_config cfg;
    gw_net_config_defaults(&cfg);
    cfg.recv_buffer_bytes = 8192;
    cfg.max_message_bytes = 4096;
    cfg.read_budget_bytes = 1024; /* many partial reads */
    env e;
    EXPECT(env_init(&e, &cfg, 1u << 16)); /* 64 KiB inbound ring: back-pressure below */
    uint32_t srv = 0, cli = 0;
    uint16_t port = 0;
    EXPECT(connect_pair(&e, GW_NET_NO_TLS, GW_NET_NO_TLS, NULL, &srv, &cli, &port));
    cev ev;
    EXPECT(decode_event(find(T_CONNECTED, srv, 0), &ev));
    EXPECT(ev.type == 'C' && ev.local_port == port && ev.transport == 0 && ev.error == 0);
    EXPECT(ev.addr[10] == 0xff && ev.addr[11] == 0xff && ev.addr[12] == 127 && ev.addr[15] == 1);
    EXPECT(ev.reason[0] == '\0');
    EXPECT(decode_event(find(T_CONNECTED, cli, 0), &ev));
    EXPECT(ev.remote_port == port);

    /* one message, one byte per SendBytes frame, the agent running between them */
    char msg[512];
    uint32_t n = build_fix(msg, 1);
    for (uint32_t i = 0; i < n; i++) {
        send_frame(&e, T_SEND, cli, msg + i, 1);
        step(&e, 1000);
    }
    EXPECT(pump_until(&e, T_FIX, srv, 1, 3000));
    const rec *r = find(T_FIX, srv, 0);
    uint32_t rl = 0;
    const uint8_t *raw = r != NULL ? fix_raw(r, &rl) : NULL;
    EXPECT(raw != NULL && rl == n && memcmp(raw, msg, n) == 0);
    uint16_t fc = 0;
    if (r != NULL) memcpy(&fc, r->payload + 4, 2);
    EXPECT_EQ_U64(fc, 15); /* 8 9 35 34 49 56 52 11 55 54 38 40 44 60 10 */

    /* garbled bytes, then a good message: FixGarbled, then FixMessage */
    const char junk[] = "this is not FIX\001";
    send_frame(&e, T_SEND, cli, junk, (uint32_t)strlen(junk));
    n = build_fix(msg, 2);
    send_frame(&e, T_SEND, cli, msg, n);
    EXPECT(pump_until(&e, T_FIX, srv, 2, 3000));
    EXPECT(count(T_GARBLED, srv) >= 1);
    const rec *g = find(T_GARBLED, srv, 0);
    if (g != NULL) {
        uint32_t discarded;
        memcpy(&discarded, g->payload + 8, 4);
        EXPECT_EQ_U64(discarded, strlen(junk));
        EXPECT_EQ_U64(g->payload[12], 1); /* BadBeginString */
    }

    /* 3000 messages in random fragments from the server end to the client end, inbound ring drained
     * 1 frame per cycle while sending: the agent must stop reading and resume without losing or reordering */
    clear_recs();
    static char big[3000 * 300];
    uint32_t total = 0;
    for (int s = 1; s <= 3000; s++) total += build_fix(big + total, s);
    uint32_t off = 0;
    while (off < total) {
        uint32_t chunk = 1u + rnd() % 700u;
        if (chunk > total - off) chunk = total - off;
        send_frame(&e, T_SEND, srv, big + off, chunk);
        off += chunk;
        step(&e, 1);
    }
    uint64_t end = now_ms() + 10000;
    while (count(T_FIX, cli) < 3000 && now_ms() < end) step(&e, 5);
    EXPECT_EQ_U64(count(T_FIX, cli), 3000);
    int in_order = 1;
    off = 0;
    for (int i = 0, s = 0; i < nrecs; i++) {
        if (recs[i].type != T_FIX) continue;
        uint32_t len = 0;
        const uint8_t *p = fix_raw(&recs[i], &len);
        s++;
        if (p == NULL || off + len > total || memcmp(p, big + off, len) != 0) in_order = 0;
        off += len;
        (void)s;
    }
    EXPECT(in_order);
    EXPECT(seq_gaps == 0);
    gw_net_stats st;
    gw_net_stats_read(e.net, &st);
    EXPECT(st.back_pressured > 0);
    EXPECT(st.messages_in >= 3002);

    /* Disconnect after queued bytes: the last message arrives, then both ends see Disconnected */
    clear_recs();
    n = build_fix(msg, 9999);
    send_frame(&e, T_SEND, cli, msg, n);
    send_frame(&e, T_DISCONNECT, cli, NULL, 0);
    EXPECT(pump_until(&e, T_DISCONNECTED, srv, 1, 3000));
    EXPECT(pump_until(&e, T_DISCONNECTED, cli, 1, 3000));
    EXPECT(count(T_FIX, srv) == 1);
    int fix_before_disc = 0;
    for (int i = 0; i < nrecs; i++) {
        if (recs[i].conn != srv) continue;
        if (recs[i].type == T_FIX) fix_before_disc = 1;
        if (recs[i].type == T_DISCONNECTED) break;
    }
    EXPECT(fix_before_disc);
    EXPECT(decode_event(find(T_DISCONNECTED, srv, 0), &ev));
    EXPECT(strstr(ev.reason, "peer closed") != NULL);
    /* frames for a dead id are ignored and counted */
    send_frame(&e, T_SEND, cli, msg, n);
    pump_for(&e, 20);
    gw_net_stats_read(e.net, &st);
    EXPECT(st.dropped_outbound >= 1);
    env_free(&e);
}

static void test_refused_and_send_full(void)
{
    gw_net_config cfg;
    gw_net_config_defaults(&cfg);
    cfg.send_buffer_bytes = 64u * 1024u;
    cfg.close_timeout_ms = 300;
    cfg.socket_send_buffer_bytes = 4096;
    env e;
    EXPECT(env_init(&e, &cfg, 1u << 20));
    char err[256];
    /* a port nobody listens on: bind one, close it */
    int s = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t al = sizeof a;
    EXPECT(bind(s, (struct sockaddr *)&a, sizeof a) == 0);
    EXPECT(getsockname(s, (struct sockaddr *)&a, &al) == 0);
    uint16_t dead_port = ntohs(a.sin_port);
    close(s);
    uint32_t id = 0;
    EXPECT(gw_net_connect(e.net, "127.0.0.1", dead_port, GW_NET_NO_TLS, NULL, &id, err, sizeof err) == 0);
    EXPECT(pump_until(&e, T_ERROR, id, 1, 3000));
    cev ev;
    EXPECT(decode_event(find(T_ERROR, id, 0), &ev));
    EXPECT(ev.type == 'E' && ev.error == ECONNREFUSED);
    EXPECT(count(T_DISCONNECTED, id) == 0);
    EXPECT(gw_net_connect(e.net, "not-an-ip", 1, GW_NET_NO_TLS, NULL, &id, err, sizeof err) == -EINVAL);
    uint32_t lid;
    uint16_t port;
    EXPECT(gw_net_listen(e.net, "127.0.0.1", 0, 5, 16, &lid, &port, err, sizeof err) == -EINVAL); /* no TLS profile 5 */

    /* a client that connects and never reads */
    EXPECT(gw_net_listen(e.net, "127.0.0.1", 0, GW_NET_NO_TLS, 16, &lid, &port, err, sizeof err) == 0);
    step(&e, 1000);
    int c = socket(AF_INET, SOCK_STREAM, 0);
    int small = 4096;
    (void)setsockopt(c, SOL_SOCKET, SO_RCVBUF, &small, sizeof small);
    a.sin_port = htons(port);
    EXPECT(connect(c, (struct sockaddr *)&a, sizeof a) == 0);
    EXPECT(pump_until(&e, T_CONNECTED, 0, 1, 3000));
    const rec *cr = find(T_CONNECTED, 0, 0);
    uint32_t conn = cr != NULL ? cr->conn : 0;
    static uint8_t chunk[32768];
    memset(chunk, 'x', sizeof chunk);
    for (int i = 0; i < 4096 && count(T_ERROR, conn) == 0; i++) {
        send_frame(&e, T_SEND, conn, chunk, sizeof chunk);
        step(&e, 1000);
    }
    EXPECT(count(T_ERROR, conn) == 1);
    EXPECT(decode_event(find(T_ERROR, conn, 0), &ev));
    EXPECT(ev.error == ENOBUFS && strstr(ev.reason, "send buffer full") != NULL);
    gw_net_stats st;
    gw_net_stats_read(e.net, &st);
    EXPECT_EQ_U64(st.send_buffer_full, 1);
    close(c);

    /* Disconnect to a peer that never reads (bytes stuck in the send buffer): closed after
     * close_timeout_ms with the unsent bytes reported */
    {
        int c2 = socket(AF_INET, SOCK_STREAM, 0);
        (void)setsockopt(c2, SOL_SOCKET, SO_RCVBUF, &small, sizeof small);
        EXPECT(connect(c2, (struct sockaddr *)&a, sizeof a) == 0);
        int before = count(T_CONNECTED, 0);
        EXPECT(pump_until(&e, T_CONNECTED, 0, before + 1, 3000));
        const rec *cr2 = find(T_CONNECTED, 0, before);
        uint32_t id2 = cr2 != NULL ? cr2->conn : 0;
        for (int i = 0; i < 40; i++) {
            send_frame(&e, T_SEND, id2, chunk, 1024); /* 40 KiB: more than the socket takes, less than sbuf */
            step(&e, 1000);
        }
        send_frame(&e, T_DISCONNECT, id2, NULL, 0);
        uint64_t t0 = now_ms();
        EXPECT(pump_until(&e, T_DISCONNECTED, id2, 1, 5000));
        EXPECT(now_ms() - t0 >= 250); /* close_timeout_ms = 300 */
        EXPECT(decode_event(find(T_DISCONNECTED, id2, 0), &ev));
        EXPECT(strstr(ev.reason, "unsent bytes discarded") != NULL);
        if (strstr(ev.reason, "unsent bytes discarded") == NULL) fprintf(stderr, "reason: %s\n", ev.reason);
        close(c2);
    }

    /* close a listener: Disconnected for its id, new connections refused */
    EXPECT(gw_net_close(e.net, lid, err, sizeof err) == 0);
    EXPECT(pump_until(&e, T_DISCONNECTED, lid, 1, 3000));
    c = socket(AF_INET, SOCK_STREAM, 0);
    EXPECT(connect(c, (struct sockaddr *)&a, sizeof a) != 0 && errno == ECONNREFUSED);
    close(c);
    env_free(&e);
}

/* ------------------------------------------------------------------ TLS */
static char tmpdir[128];

static int run(const char *cmd)
{
    char full[2048];
    snprintf(full, sizeof full, "cd %s && %s >/dev/null 2>&1", tmpdir, cmd);
    int rc = system(full);
    if (rc != 0) fprintf(stderr, "command failed (%d): %s\n", rc, cmd);
    return rc == 0;
}

static int make_certs(void)
{
    snprintf(tmpdir, sizeof tmpdir, "/tmp/gw_test_net_XXXXXX");
    if (mkdtemp(tmpdir) == NULL) return 0;
    const char *ca = "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj '/CN=%s' "
                     "-keyout %s.key -out %s.pem";
    const char *leaf = "openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj /O=Gateway/CN=%s "
                       "-keyout %s.key -out %s.csr && printf 'subjectAltName=DNS:%s\\n' > %s.ext && "
                       "openssl x509 -req -in %s.csr -CA %s.pem -CAkey %s.key -CAcreateserial -days 2 "
                       "-extfile %s.ext -out %s.pem";
    char cmd[1024];
    int ok = 1;
    snprintf(cmd, sizeof cmd, ca, "Test CA", "ca", "ca");
    ok &= run(cmd);
    snprintf(cmd, sizeof cmd, ca, "Other CA", "other", "other");
    ok &= run(cmd);
    snprintf(cmd, sizeof cmd, leaf, "localhost", "server", "server", "localhost", "server", "server", "ca", "ca", "server", "server");
    ok &= run(cmd);
    snprintf(cmd, sizeof cmd, leaf, "member1", "client", "client", "member1", "client", "client", "ca", "ca", "client", "client");
    ok &= run(cmd);
    snprintf(cmd, sizeof cmd, leaf, "rogue", "rogue", "rogue", "rogue", "rogue", "rogue", "other", "other", "rogue", "rogue");
    ok &= run(cmd);
    return ok;
}

static void path(char *out, size_t n, const char *file) { snprintf(out, n, "%s/%s", tmpdir, file); }

static void test_tls(int version)
{
    char ca[256], scert[256], skey[256], ccert[256], ckey[256], rcert[256], rkey[256], err[256];
    path(ca, sizeof ca, "ca.pem");
    path(scert, sizeof scert, "server.pem");
    path(skey, sizeof skey, "server.key");
    path(ccert, sizeof ccert, "client.pem");
    path(ckey, sizeof ckey, "client.key");
    path(rcert, sizeof rcert, "rogue.pem");
    path(rkey, sizeof rkey, "rogue.key");
    gw_net_config cfg;
    gw_net_config_defaults(&cfg);
    cfg.read_budget_bytes = 700;
    env e;
    EXPECT(env_init(&e, &cfg, 1u << 20));
    gw_tls_config server = {scert, skey, ca, 1, GW_TLS_V1_2, version, NULL};
    gw_tls_config client = {ccert, ckey, ca, 1, GW_TLS_V1_2, version, NULL};
    gw_tls_config rogue = {rcert, rkey, ca, 1, GW_TLS_V1_2, version, NULL};
    int st = gw_net_add_tls(e.net, &server, 1, err, sizeof err);
    EXPECT(st >= 0);
    if (st < 0) fprintf(stderr, "server TLS: %s\n", err);
    int ct = gw_net_add_tls(e.net, &client, 0, err, sizeof err);
    EXPECT(ct >= 0);
    int rt = gw_net_add_tls(e.net, &rogue, 0, err, sizeof err);
    EXPECT(rt >= 0);
    gw_tls_config broken = {"/nonexistent.pem", skey, ca, 0, 0, 0, NULL};
    EXPECT(gw_net_add_tls(e.net, &broken, 1, err, sizeof err) == -1 && strstr(err, "nonexistent") != NULL);

    uint32_t srv = 0, cli = 0;
    uint16_t port = 0;
    EXPECT(connect_pair(&e, st, ct, "localhost", &srv, &cli, &port));
    cev ev;
    EXPECT(decode_event(find(T_CONNECTED, srv, 0), &ev));
    EXPECT(ev.transport == 1);
    EXPECT(strcmp(ev.reason, "CN=member1,O=Gateway") == 0);
    if (strcmp(ev.reason, "CN=member1,O=Gateway") != 0) fprintf(stderr, "server saw subject '%s'\n", ev.reason);
    EXPECT(decode_event(find(T_CONNECTED, cli, 0), &ev));
    EXPECT(strcmp(ev.reason, "CN=localhost,O=Gateway") == 0);
    EXPECT(find(T_CONNECTED, cli, 0) != NULL && (find(T_CONNECTED, cli, 0)->flags & 1u) == 1u); /* FrameFlags.tls */

    /* 200 messages each way, random fragments */
    static char big[200 * 300];
    uint32_t total = 0;
    for (int s = 1; s <= 200; s++) total += build_fix(big + total, s);
    for (int dir = 0; dir < 2; dir++) {
        uint32_t from = dir == 0 ? cli : srv, to = dir == 0 ? srv : cli;
        for (uint32_t off = 0; off < total;) {
            uint32_t chunk = 1u + rnd() % 500u;
            if (chunk > total - off) chunk = total - off;
            send_frame(&e, T_SEND, from, big + off, chunk);
            off += chunk;
            step(&e, 1000);
        }
        EXPECT(pump_until(&e, T_FIX, to, 200, 5000));
        uint32_t off = 0;
        int same = 1;
        for (int i = 0; i < nrecs; i++) {
            if (recs[i].type != T_FIX || recs[i].conn != to) continue;
            uint32_t len = 0;
            const uint8_t *p = fix_raw(&recs[i], &len);
            if (p == NULL || off + len > total || memcmp(p, big + off, len) != 0) same = 0;
            if ((recs[i].flags & 1u) == 0) same = 0;
            off += len;
        }
        EXPECT(same && off == total);
    }
    /* clean close: close_notify + FIN, both sides Disconnected */
    EXPECT(gw_net_close(e.net, cli, err, sizeof err) == 0);
    EXPECT(pump_until(&e, T_DISCONNECTED, srv, 1, 3000));
    EXPECT(pump_until(&e, T_DISCONNECTED, cli, 1, 3000));

    /* a client certificate from another CA: the server rejects the handshake */
    uint32_t bad = 0;
    clear_recs();
    EXPECT(gw_net_connect(e.net, "127.0.0.1", port, rt, "localhost", &bad, err, sizeof err) == 0);
    uint64_t end = now_ms() + 5000;
    while (now_ms() < end && (count(T_ERROR, 0) + count(T_DISCONNECTED, bad) < 2)) step(&e, 1000);
    int server_error = 0;
    for (int i = 0; i < nrecs; i++) {
        if (recs[i].conn != bad && recs[i].type == T_ERROR) {
            EXPECT(decode_event(&recs[i], &ev));
            EXPECT(ev.error < 0);
            server_error = strstr(ev.reason, "certificate") != NULL;
            if (!server_error) fprintf(stderr, "server error reason: %s\n", ev.reason);
        }
        EXPECT(!(recs[i].type == T_CONNECTED && recs[i].conn != bad)); /* server never surfaced it */
    }
    EXPECT(server_error);
    EXPECT(count(T_ERROR, bad) + count(T_DISCONNECTED, bad) == 1);

    /* a TCP client that never starts the TLS handshake: ConnectionError ETIMEDOUT after open_timeout_ms
     * (its own agent, 300 ms) */
    {
        env e2;
        gw_net_config cfg2;
        gw_net_config_defaults(&cfg2);
        cfg2.open_timeout_ms = 300;
        EXPECT(env_init(&e2, &cfg2, 1u << 20));
        int st2 = gw_net_add_tls(e2.net, &server, 1, err, sizeof err);
        uint32_t lid2 = 0;
        uint16_t port2 = 0;
        EXPECT(gw_net_listen(e2.net, "127.0.0.1", 0, st2, 16, &lid2, &port2, err, sizeof err) == 0);
        step(&e2, 1000);
        int c = socket(AF_INET, SOCK_STREAM, 0);
        struct sockaddr_in a;
        memset(&a, 0, sizeof a);
        a.sin_family = AF_INET;
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        a.sin_port = htons(port2);
        EXPECT(connect(c, (struct sockaddr *)&a, sizeof a) == 0);
        EXPECT(pump_until(&e2, T_ERROR, 0, 1, 6000));
        const rec *te = find(T_ERROR, 0, 0);
        EXPECT(te != NULL && decode_event(te, &ev) && ev.error == ETIMEDOUT && strstr(ev.reason, "handshake timed out") != NULL);
        EXPECT(count(T_CONNECTED, 0) == 0);
        close(c);
        env_free(&e2);
    }
    clear_recs();

    /* stop with an open pair: each end gets Disconnected "agent stopped" */
    clear_recs();
    uint32_t s2 = 0, c2 = 0;
    uint16_t p2 = 0;
    EXPECT(connect_pair(&e, st, ct, "localhost", &s2, &c2, &p2));
    gw_net_on_close(e.net);
    (void)gw_ring_poll(&e.in_consumer, on_frame, NULL, 1000);
    EXPECT(count(T_DISCONNECTED, s2) == 1 && count(T_DISCONNECTED, c2) == 1);
    env_free(&e);
}

static void wake_agent(void *ctx) { gw_net_wake((gw_net *)ctx); }

/* The agent on its own thread (agent.h runner) in blocking idle mode: connect to itself, let it fall
 * asleep in epoll_wait, send a message (the outbound ring's doorbell wakes it), stop. */
static void test_threaded(void)
{
    gw_net_config cfg;
    gw_net_config_defaults(&cfg);
    cfg.block_after_idle_cycles = 10;
    cfg.block_timeout_ms = 3000; /* without the doorbell a send would wait this long */
    env e;
    EXPECT(env_init(&e, &cfg, 1u << 20));
    gw_ring_set_doorbell(&e.out_producer, wake_agent, e.net);
    gw_idle_strategy idle;
    gw_idle_init(&idle, GW_IDLE_BACKOFF);
    gw_agent_runner *runner = gw_agent_start(gw_net_agent_ops(), e.net, &idle, -1);
    EXPECT(runner != NULL);
    char err[256];
    uint32_t lid = 0, cli = 0;
    uint16_t port = 0;
    EXPECT(gw_net_listen(e.net, "::1", 0, GW_NET_NO_TLS, 16, &lid, &port, err, sizeof err) == 0 ||
           gw_net_listen(e.net, "127.0.0.1", 0, GW_NET_NO_TLS, 16, &lid, &port, err, sizeof err) == 0);
    EXPECT(gw_net_connect(e.net, "::1", port, GW_NET_NO_TLS, NULL, &cli, err, sizeof err) == 0);
    uint64_t end = now_ms() + 5000;
    while (count(T_CONNECTED, 0) < 2 && now_ms() < end) (void)gw_ring_poll(&e.in_consumer, on_frame, NULL, 100);
    EXPECT(count(T_CONNECTED, 0) == 2);
    struct timespec nap = {0, 100000000};
    nanosleep(&nap, NULL); /* the agent is asleep in epoll_wait now */
    uint64_t agent_cycles = gw_agent_cycles(runner);
    nanosleep(&nap, NULL);
    EXPECT(gw_agent_cycles(runner) - agent_cycles < 100); /* asleep, not spinning */
    char msg[512];
    uint32_t n = build_fix(msg, 7);
    int rc = 0;
    uint64_t t0 = now_ms();
    uint8_t *p = gw_ring_try_claim(&e.out_producer, T_SEND, n, cli, 0, 0, &rc);
    EXPECT(p != NULL);
    if (p != NULL) memcpy(p, msg, n);
    (void)gw_ring_publish(&e.out_producer);
    while (count(T_FIX, 0) < 1 && now_ms() < end) (void)gw_ring_poll(&e.in_consumer, on_frame, NULL, 100);
    EXPECT(count(T_FIX, 0) == 1);
    EXPECT(now_ms() - t0 < 1000); /* woken by the doorbell, not by the 3 s timeout */
    t0 = now_ms();
    gw_net_prepare_stop(e.net);
    EXPECT(gw_agent_stop(runner) == 0);
    EXPECT(now_ms() - t0 < 1000);
    (void)gw_ring_poll(&e.in_consumer, on_frame, NULL, 100);
    EXPECT(count(T_DISCONNECTED, 0) >= 2);
    env_free(&e);
}

int main(void)
{
    test_plain_tcp();
    test_refused_and_send_full();
    if (make_certs()) {
        test_tls(GW_TLS_V1_3);
        test_tls(GW_TLS_V1_2);
        char cmd[256];
        snprintf(cmd, sizeof cmd, "rm -rf %s", tmpdir);
        (void)system(cmd);
    } else {
        EXPECT(!"openssl CLI could not create the test certificates");
    }
    test_threaded();
    TEST_MAIN_END();
}
