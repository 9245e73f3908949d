/*
 * C->C ring benchmark (the native reference for perf/cases/ring.ts):
 *   ring_bench threads <frames> <payload>   producer thread -> consumer thread, 7 runs, median M frames/s
 *   ring_bench single <frames> <payload>    one thread: claim+fill 64 frames, publish, poll them; for
 *                                           callgrind instruction counts per frame (threads would be
 *                                           serialised by valgrind anyway)
 * Prints one JSON line. Frames: 32-byte header + <payload> bytes, batches of 64 per publish, a 1 MiB
 * ring, the consumer reads the sequence and payload length of every frame.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ring.h"
#include "bench_util.h"

#define CAPACITY (1u << 20)
#define BATCH 64u
#define RUNS 7

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

typedef struct run {
    void *region;
    uint64_t frames;
    uint32_t payload;
} run;

typedef struct sum {
    uint64_t sequences;
    uint64_t bytes;
} sum;

static void on_frame(void *ctx, const uint8_t *frame, uint32_t frame_length)
{
    sum *s = ctx;
    uint64_t seq;
    memcpy(&seq, frame + 24, 8);
    s->sequences += seq;
    s->bytes += frame_length - GW_FRAME_HEADER_BYTES;
}

static uint8_t pattern[512];

static void produce(gw_ring *r, uint64_t seq, uint32_t payload)
{
    int rc;
    uint8_t *p;
    while ((p = gw_ring_try_claim(r, 6, payload, (uint32_t)seq, payload, seq, &rc)) == NULL) {
        gw_ring_publish(r);
        __builtin_ia32_pause();
    }
    /* the test producer's pattern, byte i = (seq * 7 + i) & 0xff, copied from a table as the addon does */
    const uint32_t base = (uint32_t)(seq * 7u) & 0xffu;
    for (uint32_t i = 0; i < payload; i += 256) {
        const uint32_t chunk = payload - i < 256 ? payload - i : 256;
        memcpy(p + i, pattern + ((base + i) & 0xffu), chunk);
    }
}

static void *producer(void *arg)
{
    run *ru = arg;
    gw_ring r;
    if (gw_ring_attach(&r, ru->region) != GW_RING_OK) abort();
    for (uint64_t seq = 1; seq <= ru->frames; seq++) {
        produce(&r, seq, ru->payload);
        if ((seq & (BATCH - 1u)) == 0u) gw_ring_publish(&r);
    }
    gw_ring_publish(&r);
    return NULL;
}


int main(int argc, char **argv)
{
    if (argc < 4) {
        fprintf(stderr, "usage: ring_bench <threads|single> <frames> <payload>\n");
        return 2;
    }
    const uint64_t frames = strtoull(argv[2], NULL, 10);
    const uint32_t payload = (uint32_t)strtoul(argv[3], NULL, 10);
    for (uint32_t k = 0; k < 512; k++) pattern[k] = (uint8_t)k;
    void *region = aligned_alloc(4096, gw_ring_region_bytes(CAPACITY));
    if (region == NULL) return 1;
    sum s = {0, 0};
    if (strcmp(argv[1], "single") == 0) {
        if (gw_ring_format(region, CAPACITY, 4096) != GW_RING_OK) return 1;
        gw_ring p, c;
        gw_ring_attach(&p, region);
        gw_ring_attach(&c, region);
        for (uint64_t seq = 1; seq <= frames; seq++) {
            produce(&p, seq, payload);
            if ((seq & (BATCH - 1u)) == 0u) {
                gw_ring_publish(&p);
                gw_ring_poll(&c, on_frame, &s, BATCH);
            }
        }
        gw_ring_publish(&p);
        while (gw_ring_poll(&c, on_frame, &s, BATCH) > 0) {
        }
        printf("{\"frames\":%llu,\"checksum\":%llu}\n", (unsigned long long)frames, (unsigned long long)s.sequences);
        free(region);
        return s.sequences == frames * (frames + 1u) / 2u ? 0 : 1;
    }
    double rates[RUNS];
    for (int i = 0; i < RUNS; i++) {
        if (gw_ring_format(region, CAPACITY, 4096) != GW_RING_OK) return 1;
        gw_ring c;
        gw_ring_attach(&c, region);
        run ru = {region, frames, payload};
        s.sequences = 0;
        s.bytes = 0;
        pthread_t t;
        const uint64_t t0 = now_ns();
        pthread_create(&t, NULL, producer, &ru);
        uint64_t got = 0;
        while (got < frames) got += gw_ring_poll(&c, on_frame, &s, 1024);
        const uint64_t ns = now_ns() - t0;
        pthread_join(t, NULL);
        if (s.sequences != frames * (frames + 1u) / 2u) {
            fprintf(stderr, "checksum mismatch\n");
            return 1;
        }
        rates[i] = (double)frames * 1e3 / (double)ns; /* M frames/s */
    }
    qsort(rates, RUNS, sizeof rates[0], bench_cmp_double);
    printf("{\"median\":%.2f,\"min\":%.2f,\"max\":%.2f,\"runs\":%d}\n", rates[RUNS / 2], rates[0], rates[RUNS - 1], RUNS);
    free(region);
    return 0;
}
