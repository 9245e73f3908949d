/*
 * C-only throughput of the DPDK feed backend (no JS): net_pcap replay (infinite_rx=1) -> ring, the
 * ring drained on the same thread (frames touched, not decoded). Isolates the native side of
 * perf/cases/feed-dpdk.ts. Prints {"mpps":[...]} for `runs` runs of `packets` packets.
 * Usage: feed_dpdk_bench PCAP PACKETS RUNS
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "feed.h"

static uint64_t sink;

static void on_frame(void *ctx, const uint8_t *frame, uint32_t frame_length)
{
    (void)ctx;
    sink += frame[GW_FRAME_HEADER_BYTES] + frame_length;
}

int main(int argc, char **argv)
{
    if (argc != 4) return 2;
    char vdev[512];
    snprintf(vdev, sizeof vdev, "--vdev=net_pcap0,rx_pcap=%s,infinite_rx=1", argv[1]);
    const char *eal[] = {"--no-huge", "-m", "512", "--no-pci", "--no-shconf", "--no-telemetry", "-l", "0", "--log-level=error", vdev};
    const uint32_t capacity = 1u << 24;
    void *region = aligned_alloc(64, gw_ring_region_bytes(capacity));
    if (region == NULL || gw_ring_format(region, capacity, 2048) != GW_RING_OK) return 2;
    gw_feed_config cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.feed_id = 1;
    cfg.port = 31001;
    cfg.batch = 256;
    cfg.mbufs = 32767;
    cfg.device = "net_pcap0";
    cfg.eal_argv = eal;
    cfg.eal_argc = (int)(sizeof eal / sizeof eal[0]);
    char err[512];
    gw_feed *feed = gw_feed_create("dpdk", &cfg, region, NULL, NULL, err, sizeof err);
    if (feed == NULL) {
        fprintf(stderr, "%s\n", err);
        return 1;
    }
    gw_ring consumer;
    gw_ring_attach(&consumer, region);
    const long packets = atol(argv[2]);
    const int runs = atoi(argv[3]);
    printf("{\"mpps\":[");
    for (int r = -1; r < runs; r++) {
        long got = 0;
        uint64_t t0 = gw_nanotime();
        while (got < packets) {
            gw_feed_poll_once(feed, 256);
            got += gw_ring_poll(&consumer, on_frame, NULL, 4096);
        }
        double s = (double)(gw_nanotime() - t0) / 1e9;
        if (r >= 0) printf("%s%.3f", r > 0 ? "," : "", (double)got / s / 1e6);
    }
    printf("],\"sink\":%llu}\n", (unsigned long long)sink);
    gw_feed_destroy(feed);
    free(region);
    return 0;
}
