/*
 * DPDK feed backend with the net_pcap virtual device (no hugepages, no NIC): the test writes a
 * classic libpcap file of Ethernet/IPv4/UDP frames with correct checksums (plus ARP, IPv6, TCP,
 * other-port, fragmented and VLAN-tagged frames), replays it through
 * --vdev=net_pcap0,rx_pcap=FILE into a ring and checks every delivered datagram (count, order, bytes,
 * frame header, kernelBypass flag) and the filtered count; a small ring exercises back-pressure
 * (pending mbufs wait, nothing is lost). The EAL initialises once per process, so every DPDK case of
 * this executable shares one EAL (and one port). Also checks gw_feed_parse_udp directly.
 * Prints SKIP and passes when built without DPDK.
 */
#define _GNU_SOURCE

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "feed.h"
#include "test_util.h"

/* ------------------------------------------------------------------ frame builder */

static uint16_t csum_fold(uint32_t sum)
{
    while (sum >> 16) sum = (sum & 0xffffu) + (sum >> 16);
    return (uint16_t)~sum;
}

static uint32_t csum_add(uint32_t sum, const uint8_t *p, uint32_t len)
{
    for (uint32_t i = 0; i + 1 < len; i += 2) sum += (uint32_t)(p[i] << 8 | p[i + 1]);
    if (len & 1u) sum += (uint32_t)(p[len - 1] << 8);
    return sum;
}

static void put16(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

enum { KIND_UDP, KIND_VLAN_UDP, KIND_OTHER_PORT, KIND_TCP, KIND_ARP, KIND_IPV6, KIND_FRAGMENT };

/* Builds one Ethernet frame; returns its length. */
static uint32_t build_frame(uint8_t *f, int kind, uint16_t dport, const uint8_t *payload, uint32_t len)
{
    static const uint8_t dst[6] = {0x02, 0, 0, 0, 0, 1}, src[6] = {0x02, 0, 0, 0, 0, 2};
    memcpy(f, dst, 6);
    memcpy(f + 6, src, 6);
    uint32_t off = 12;
    if (kind == KIND_VLAN_UDP) {
        put16(f + off, 0x8100);
        put16(f + off + 2, 42);
        off += 4;
    }
    if (kind == KIND_ARP) {
        put16(f + off, 0x0806);
        memset(f + off + 2, 0, 28);
        return off + 2 + 28;
    }
    if (kind == KIND_IPV6) {
        put16(f + off, 0x86dd);
        memset(f + off + 2, 0, 48);
        f[off + 2] = 0x60;
        f[off + 2 + 6] = 17;
        return off + 2 + 48;
    }
    put16(f + off, 0x0800);
    off += 2;
    uint8_t *ip = f + off, *udp = ip + 20;
    uint32_t l4 = 8 + len;
    memset(ip, 0, 20);
    ip[0] = 0x45;
    put16(ip + 2, 20 + l4);
    put16(ip + 4, 0x1234);
    put16(ip + 6, kind == KIND_FRAGMENT ? 0x2000 : 0x4000); /* MF for the fragment, else DF */
    ip[8] = 64;
    ip[9] = kind == KIND_TCP ? 6 : 17;
    const uint8_t saddr[4] = {10, 0, 0, 2}, daddr[4] = {10, 0, 0, 1};
    memcpy(ip + 12, saddr, 4);
    memcpy(ip + 16, daddr, 4);
    put16(ip + 10, csum_fold(csum_add(0, ip, 20)));
    put16(udp, 40000);
    put16(udp + 2, kind == KIND_OTHER_PORT ? (uint16_t)(dport + 1) : dport);
    put16(udp + 4, l4);
    put16(udp + 6, 0);
    memcpy(udp + 8, payload, len);
    uint8_t pseudo[12];
    memcpy(pseudo, saddr, 4);
    memcpy(pseudo + 4, daddr, 4);
    pseudo[8] = 0;
    pseudo[9] = 17;
    put16(pseudo + 10, l4);
    uint16_t c = csum_fold(csum_add(csum_add(0, pseudo, 12), udp, l4));
    put16(udp + 6, c == 0 ? 0xffff : c);
    uint32_t total = off + 20 + l4;
    if (total < 60) { /* Ethernet minimum: pad (the IP total length tells the real end) */
        memset(f + total, 0, 60 - total);
        total = 60;
    }
    return total;
}

static void fill(uint8_t *p, uint32_t seq, uint32_t len)
{
    for (uint32_t i = 0; i < len; i++) p[i] = (uint8_t)(seq * 31u + i * 7u + (i >> 8));
    if (len >= 4) memcpy(p, &seq, 4);
}

/* ------------------------------------------------------------------ parser */

static void test_parse(void)
{
    uint8_t frame[2048], payload[1500];
    const uint8_t *p;
    uint32_t n;
    fill(payload, 3, 100);
    uint32_t len = build_frame(frame, KIND_UDP, 9000, payload, 100);
    EXPECT(gw_feed_parse_udp(frame, len, 9000, &p, &n) == 0 && n == 100 && memcmp(p, payload, 100) == 0);
    EXPECT(gw_feed_parse_udp(frame, len, 0, &p, &n) == 0 && n == 100);
    EXPECT(gw_feed_parse_udp(frame, len, 9001, &p, &n) == -1);
    for (uint32_t cut = 0; cut < 14 + 20 + 8; cut++) EXPECT(gw_feed_parse_udp(frame, cut, 9000, &p, &n) == -1);
    /* truncated capture: IP total length beyond the frame */
    EXPECT(gw_feed_parse_udp(frame, 14 + 20 + 8 + 50, 9000, &p, &n) == -1);
    len = build_frame(frame, KIND_UDP, 9000, payload, 1); /* padded to 60: payload still 1 byte */
    EXPECT(len == 60 && gw_feed_parse_udp(frame, len, 9000, &p, &n) == 0 && n == 1);
    len = build_frame(frame, KIND_VLAN_UDP, 9000, payload, 100);
    EXPECT(gw_feed_parse_udp(frame, len, 9000, &p, &n) == 0 && n == 100 && memcmp(p, payload, 100) == 0);
    const int others[] = {KIND_TCP, KIND_ARP, KIND_IPV6, KIND_FRAGMENT, KIND_OTHER_PORT};
    for (size_t i = 0; i < sizeof others / sizeof others[0]; i++) {
        len = build_frame(frame, others[i], 9000, payload, 100);
        EXPECT(gw_feed_parse_udp(frame, len, 9000, &p, &n) == -1);
    }
    /* UDP length larger than the IP payload */
    len = build_frame(frame, KIND_UDP, 9000, payload, 100);
    put16(frame + 14 + 20 + 4, 8 + 101);
    EXPECT(gw_feed_parse_udp(frame, len, 9000, &p, &n) == -1);
}

#ifdef GATEWAY_HAVE_DPDK

static uint32_t datagram_size(uint32_t seq)
{
    return 1u + (seq * 7919u) % 1400u;
}

static void pcap_header(FILE *f)
{
    const uint32_t magic = 0xa1b2c3d4u, zone = 0, sigfigs = 0, snaplen = 65535, linktype = 1;
    const uint16_t major = 2, minor = 4;
    fwrite(&magic, 4, 1, f);
    fwrite(&major, 2, 1, f);
    fwrite(&minor, 2, 1, f);
    fwrite(&zone, 4, 1, f);
    fwrite(&sigfigs, 4, 1, f);
    fwrite(&snaplen, 4, 1, f);
    fwrite(&linktype, 4, 1, f);
}

static void pcap_record(FILE *f, const uint8_t *frame, uint32_t len, uint32_t i)
{
    const uint32_t sec = 1700000000u + i / 1000u, usec = (i % 1000u) * 1000u;
    fwrite(&sec, 4, 1, f);
    fwrite(&usec, 4, 1, f);
    fwrite(&len, 4, 1, f);
    fwrite(&len, 4, 1, f);
    fwrite(frame, 1, len, f);
}

typedef struct checker {
    uint32_t next_seq;
    uint64_t next_frame;
    int bad;
} checker;

static void check_frame(void *ctx, const uint8_t *frame, uint32_t frame_length)
{
    checker *c = ctx;
    uint32_t seq = c->next_seq, len = datagram_size(seq);
    uint32_t conn, session;
    uint16_t type, flags;
    uint64_t sequence;
    memcpy(&type, frame + 4, 2);
    memcpy(&flags, frame + 6, 2);
    memcpy(&conn, frame + 8, 4);
    memcpy(&session, frame + 12, 4);
    memcpy(&sequence, frame + 24, 8);
    uint8_t want[1500];
    fill(want, seq, len);
    int ok = frame_length == GW_FRAME_HEADER_BYTES + len && type == GW_FRAME_TYPE_UDP_DATAGRAM &&
             flags == GW_FRAME_FLAG_KERNEL_BYPASS && conn == 77 && session == GW_FRAME_SESSION_NULL &&
             sequence == c->next_frame && memcmp(frame + GW_FRAME_HEADER_BYTES, want, len) == 0;
    if (!ok && c->bad < 5) fprintf(stderr, "frame %llu (datagram %u) differs\n", (unsigned long long)c->next_frame, seq);
    if (!ok) c->bad++;
    c->next_seq++;
    c->next_frame++;
}

static void test_pcap_replay(void)
{
    enum { DATAGRAMS = 3000 };
    const uint16_t port = 30001;
    char path[] = "/tmp/gw-feed-dpdk-XXXXXX";
    int fd = mkstemp(path);
    EXPECT(fd >= 0);
    FILE *f = fdopen(fd, "wb");
    pcap_header(f);
    uint8_t frame[2048], payload[1500];
    uint32_t records = 0, noise = 0;
    for (uint32_t seq = 0; seq < DATAGRAMS; seq++) {
        if (seq % 10 == 3) { /* noise the backend must filter */
            int kind = (int)(KIND_OTHER_PORT + (seq / 10) % 5);
            fill(payload, 999999, 64);
            pcap_record(f, frame, build_frame(frame, kind, port, payload, 64), records++);
            noise++;
        }
        uint32_t len = datagram_size(seq);
        fill(payload, seq, len);
        pcap_record(f, frame, build_frame(frame, seq % 7 == 0 ? KIND_VLAN_UDP : KIND_UDP, port, payload, len), records++);
    }
    fclose(f);

    char vdev[128];
    snprintf(vdev, sizeof vdev, "--vdev=net_pcap0,rx_pcap=%s", path);
    const char *eal[] = {"--no-huge", "-m", "256", "--no-pci", "--no-shconf", "--no-telemetry", "-l", "0",
                         "--log-level=error", vdev};
    void *region = aligned_alloc(64, gw_ring_region_bytes(1u << 14));
    EXPECT(gw_ring_format(region, 1u << 14, 2048) == GW_RING_OK); /* small: forces back-pressure */
    gw_feed_config cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.feed_id = 77;
    cfg.port = port;
    cfg.batch = 64;
    cfg.eal_argv = eal;
    cfg.eal_argc = (int)(sizeof eal / sizeof eal[0]);
    cfg.device = "net_pcap0";
    char err[512];
    gw_feed *feed = gw_feed_create("dpdk", &cfg, region, NULL, NULL, err, sizeof err);
    if (feed == NULL) {
        fprintf(stderr, "gw_feed_create(dpdk): %s\n", err);
        gw_test_failures++;
        unlink(path);
        free(region);
        return;
    }
    EXPECT(strcmp(gw_feed_backend_name(feed), "dpdk") == 0);
    EXPECT_EQ_U64(gw_feed_local_port(feed), port);

    /* A second feed cannot re-initialise the EAL with other arguments. */
    const char *other[] = {"--no-huge"};
    gw_feed_config cfg2 = cfg;
    cfg2.eal_argv = other;
    cfg2.eal_argc = 1;
    EXPECT(gw_feed_create("dpdk", &cfg2, region, NULL, NULL, err, sizeof err) == NULL);
    EXPECT(strstr(err, "once per process") != NULL);
    cfg2.eal_argc = 0;
    cfg2.device = "net_nonexistent9";
    EXPECT(gw_feed_create("dpdk", &cfg2, region, NULL, NULL, err, sizeof err) == NULL);
    EXPECT(strstr(err, "no DPDK port named") != NULL);

    gw_ring consumer;
    EXPECT(gw_ring_attach(&consumer, region) == GW_RING_OK);
    checker c = {.next_seq = 0, .next_frame = 1};
    uint64_t deadline = gw_nanotime() + 10000000000ull;
    while (c.next_seq < DATAGRAMS && gw_nanotime() < deadline) {
        gw_feed_poll_once(feed, 256);
        gw_ring_poll(&consumer, check_frame, &c, (c.next_seq & 1u) ? 5 : 50);
    }
    for (int i = 0; i < 100; i++) gw_feed_poll_once(feed, 256); /* nothing more must come */
    gw_ring_poll(&consumer, check_frame, &c, 1000);
    EXPECT_EQ_U64(c.next_seq, DATAGRAMS);
    EXPECT_EQ_U64(c.bad, 0);
    gw_feed_stats s;
    gw_feed_get_stats(feed, &s);
    EXPECT_EQ_U64(s.packets, DATAGRAMS);
    EXPECT_EQ_U64(s.filtered, noise);
    EXPECT(s.back_pressured > 0);
    EXPECT_EQ_U64(s.truncated, 0);
    gw_feed_destroy(feed);
    unlink(path);
    free(region);
}
#endif

int main(void)
{
    test_parse();
#ifdef GATEWAY_HAVE_DPDK
    test_pcap_replay();
#else
    printf("SKIP dpdk replay: built without DPDK\n");
#endif
    TEST_MAIN_END();
}
