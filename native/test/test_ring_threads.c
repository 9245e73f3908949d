/* Two-thread tests of the SPSC ring: (1) a producer and a consumer thread move tens of millions of
 * variable-sized frames whose payload is a pseudo-random stream derived from the sequence number; the
 * consumer checks every byte, the sequence (no gaps) and the lengths. (2) The doorbell is never
 * lost: the consumer parks on a condition variable after every frame and the producer must wake it;
 * a wait that times out while frames are pending fails the test.
 * GW_RING_STRESS_FRAMES overrides the frame count (default 20M, 2M under sanitizers). */
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "agent.h"
#include "ring.h"
#include "test_util.h"

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define DEFAULT_FRAMES 2000000u
#define PARK_ROUNDS 20000u
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define DEFAULT_FRAMES 2000000u
#define PARK_ROUNDS 20000u
#endif
#endif
#ifndef DEFAULT_FRAMES
#define DEFAULT_FRAMES 20000000u
#define PARK_ROUNDS 100000u
#endif

#define CAP (1u << 16)
#define MAX_FRAME 4096u

static uint64_t mix(uint64_t x)
{
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdull;
    x ^= x >> 33;
    x *= 0xc4ceb9fe1a85ec53ull;
    x ^= x >> 33;
    return x;
}

static uint32_t payload_for(uint64_t seq)
{
    const uint64_t m = mix(seq);
    if ((m & 1023u) == 0u) return (uint32_t)(m >> 20) % (MAX_FRAME - 32u + 1u); /* occasionally large */
    return (uint32_t)(m >> 20) % 201u;
}

static void fill(uint8_t *p, uint32_t n, uint64_t seq)
{
    uint64_t x = mix(seq ^ 0x9e3779b97f4a7c15ull);
    uint32_t i = 0;
    for (; i + 8u <= n; i += 8u) {
        memcpy(p + i, &x, 8);
        x = x * 6364136223846793005ull + 1442695040888963407ull;
    }
    for (; i < n; i++) p[i] = (uint8_t)(x >> (8u * (i & 7u)));
}

static int check(const uint8_t *p, uint32_t n, uint64_t seq)
{
    uint64_t x = mix(seq ^ 0x9e3779b97f4a7c15ull);
    uint32_t i = 0;
    for (; i + 8u <= n; i += 8u) {
        uint64_t v;
        memcpy(&v, p + i, 8);
        if (v != x) return 0;
        x = x * 6364136223846793005ull + 1442695040888963407ull;
    }
    for (; i < n; i++)
        if (p[i] != (uint8_t)(x >> (8u * (i & 7u)))) return 0;
    return 1;
}

typedef struct stress {
    void *region;
    uint64_t frames;
    /* consumer results */
    uint64_t received;
    uint64_t bad_sequence;
    uint64_t bad_content;
    uint64_t bad_length;
    uint64_t back_pressured;
} stress;

typedef struct consumer_state {
    stress *st;
    uint64_t expect;
} consumer_state;

static void on_stress_frame(void *ctx, const uint8_t *frame, uint32_t frame_length)
{
    consumer_state *cs = ctx;
    uint64_t seq;
    memcpy(&seq, frame + 24, 8);
    if (seq != cs->expect) cs->st->bad_sequence++;
    cs->expect = seq + 1u;
    if (frame_length != 32u + payload_for(seq)) {
        cs->st->bad_length++;
        return;
    }
    uint32_t conn;
    memcpy(&conn, frame + 8, 4);
    if (conn != (uint32_t)seq || !check(frame + 32, frame_length - 32u, seq)) cs->st->bad_content++;
    cs->st->received++;
}

static void *producer_main(void *arg)
{
    stress *st = arg;
    gw_ring r;
    if (gw_ring_attach(&r, st->region) != GW_RING_OK) abort();
    uint64_t seq = 1;
    uint32_t in_batch = 0;
    while (seq <= st->frames) {
        const uint32_t n = payload_for(seq);
        int rc;
        uint8_t *p = gw_ring_try_claim(&r, 6, n, (uint32_t)seq, 0, seq, &rc);
        if (p == NULL) {
            if (rc != GW_RING_BACK_PRESSURED) abort();
            gw_ring_publish(&r);
            in_batch = 0;
            st->back_pressured++;
            sched_yield(); /* both sides yield when stalled: CI boxes have few, shared cores */
            continue;
        }
        fill(p, n, seq);
        seq++;
        if (++in_batch == 1u + (uint32_t)(seq & 15u)) { /* batches of 1..16 frames */
            gw_ring_publish(&r);
            in_batch = 0;
        }
    }
    gw_ring_publish(&r);
    return NULL;
}

static void test_stress(uint64_t frames)
{
    stress st = {0};
    st.frames = frames;
    st.region = aligned_alloc(64, gw_ring_region_bytes(CAP));
    EXPECT(gw_ring_format(st.region, CAP, MAX_FRAME) == GW_RING_OK);
    gw_ring c;
    EXPECT(gw_ring_attach(&c, st.region) == GW_RING_OK);
    consumer_state cs = {&st, 1};
    pthread_t producer;
    const uint64_t t0 = gw_nanotime();
    EXPECT(pthread_create(&producer, NULL, producer_main, &st) == 0);
    uint64_t idle = 0;
    while (st.received < frames && gw_ring_error(&c) == GW_RING_OK) {
        if (gw_ring_poll(&c, on_stress_frame, &cs, 64) == 0) {
            idle++;
            sched_yield();
        }
    }
    pthread_join(producer, NULL);
    const uint64_t ns = gw_nanotime() - t0;
    EXPECT(gw_ring_error(&c) == GW_RING_OK);
    EXPECT_EQ_U64(st.received, frames);
    EXPECT_EQ_U64(st.bad_sequence, 0);
    EXPECT_EQ_U64(st.bad_content, 0);
    EXPECT_EQ_U64(st.bad_length, 0);
    EXPECT_EQ_U64(gw_ring_occupancy(&c), 0);
    printf("stress: %llu frames in %.3f s (%.1f M frames/s), %llu back-pressured claims, %llu empty polls\n",
           (unsigned long long)frames, (double)ns / 1e9, (double)frames * 1e3 / (double)ns,
           (unsigned long long)st.back_pressured, (unsigned long long)idle);
    free(st.region);
}

/* ------------------------------------------------------------------ doorbell never lost */
typedef struct park_test {
    void *region;
    pthread_mutex_t lock;
    pthread_cond_t cond;
    int signalled;
    atomic_uint consumed;
    uint32_t rounds;
    uint64_t bells;
} park_test;

static void park_bell(void *ctx)
{
    park_test *pt = ctx;
    pthread_mutex_lock(&pt->lock);
    pt->signalled = 1;
    pt->bells++;
    pthread_cond_signal(&pt->cond);
    pthread_mutex_unlock(&pt->lock);
}

static void *park_producer(void *arg)
{
    park_test *pt = arg;
    gw_ring r;
    if (gw_ring_attach(&r, pt->region) != GW_RING_OK) abort();
    gw_ring_set_doorbell(&r, park_bell, pt);
    for (uint32_t i = 1; i <= pt->rounds; i++) {
        int rc;
        uint8_t *p = gw_ring_try_claim(&r, 6, 8, i, 0, 0, &rc);
        if (p == NULL) abort(); /* the consumer drains every frame before the next one */
        memcpy(p, &i, 4);
        gw_ring_publish(&r);
        /* wait until consumed so that the consumer parks between frames; vary the timing */
        while (atomic_load(&pt->consumed) < i) {
        }
        for (volatile uint32_t spin = 0; spin < (mix(i) & 255u); spin++) {
        }
    }
    return NULL;
}

static void count_frame(void *ctx, const uint8_t *frame, uint32_t frame_length)
{
    (void)frame;
    (void)frame_length;
    atomic_uint *consumed = ctx;
    atomic_fetch_add(consumed, 1u);
}

static void test_doorbell_never_lost(uint32_t rounds)
{
    park_test pt;
    memset(&pt, 0, sizeof pt);
    pt.rounds = rounds;
    pt.region = aligned_alloc(64, gw_ring_region_bytes(4096));
    EXPECT(gw_ring_format(pt.region, 4096, 256) == GW_RING_OK);
    pthread_mutex_init(&pt.lock, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&pt.cond, &ca);
    atomic_init(&pt.consumed, 0u);
    gw_ring c;
    EXPECT(gw_ring_attach(&c, pt.region) == GW_RING_OK);
    pthread_t producer;
    EXPECT(pthread_create(&producer, NULL, park_producer, &pt) == 0);
    uint64_t parks = 0, lost = 0;
    while (atomic_load(&pt.consumed) < rounds && lost == 0) {
        if (gw_ring_poll(&c, count_frame, &pt.consumed, 16) > 0) continue;
        if (!gw_ring_prepare_park(&c)) continue;
        parks++;
        struct timespec deadline;
        clock_gettime(CLOCK_MONOTONIC, &deadline);
        deadline.tv_sec += 5;
        pthread_mutex_lock(&pt.lock);
        while (!pt.signalled) {
            if (pthread_cond_timedwait(&pt.cond, &pt.lock, &deadline) != 0) {
                fprintf(stderr, "doorbell lost: parked for 5 s with %u bytes in the ring after %u frames\n",
                        gw_ring_occupancy(&c), atomic_load(&pt.consumed));
                lost++;
                break;
            }
        }
        pt.signalled = 0;
        pthread_mutex_unlock(&pt.lock);
    }
    if (lost) {
        /* let the producer finish so it can be joined */
        while (atomic_load(&pt.consumed) < rounds) gw_ring_poll(&c, count_frame, &pt.consumed, 16);
    }
    pthread_join(producer, NULL);
    EXPECT_EQ_U64(lost, 0);
    EXPECT_EQ_U64(atomic_load(&pt.consumed), rounds);
    EXPECT(parks > rounds / 10u); /* the test really exercised parking */
    EXPECT(pt.bells >= parks - 1u);
    printf("doorbell: %u frames, %llu parks, %llu bells, none lost\n", rounds, (unsigned long long)parks,
           (unsigned long long)pt.bells);
    pthread_cond_destroy(&pt.cond);
    pthread_condattr_destroy(&ca);
    pthread_mutex_destroy(&pt.lock);
    free(pt.region);
}

int main(void)
{
    uint64_t frames = DEFAULT_FRAMES;
    const char *env = getenv("GW_RING_STRESS_FRAMES");
    if (env != NULL) frames = strtoull(env, NULL, 10);
    test_stress(frames);
    test_doorbell_never_lost(PARK_ROUNDS);
    TEST_MAIN_END();
}
