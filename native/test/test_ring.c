/* Single-thread tests of the SPSC ring (ring.h): layout against the generated FrameHeader codec,
 * format/attach validation, wrap-around with Padding, back-pressure, too-large, shrink, gap-free
 * sequences, batch publish, the parked flag / doorbell protocol, and corruption detection. */
#include <stdalign.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "gateway-internal/gateway_internal.h"
#include "ring.h"
#include "test_util.h"

#define CAP 4096u

static uint8_t *new_region(uint32_t capacity)
{
    uint8_t *p = aligned_alloc(64, gw_ring_region_bytes(capacity));
    if (p == NULL) abort();
    memset(p, 0xAB, gw_ring_region_bytes(capacity)); /* format must clear it */
    return p;
}

typedef struct seen {
    uint32_t frames;
    uint64_t last_sequence;
    uint32_t last_length;
    uint16_t last_type;
    uint32_t last_connection;
    uint32_t last_session;
    uint64_t last_timestamp;
    int bad;
} seen;

static void on_frame(void *ctx, const uint8_t *frame, uint32_t frame_length)
{
    seen *s = ctx;
    gateway_internal_FrameHeader h;
    EXPECT(gateway_internal_FrameHeader_wrap(&h, (uint8_t *)(uintptr_t)frame, 0, 2, frame_length));
    EXPECT_EQ_U64(gateway_internal_FrameHeader_frameLength(&h), frame_length);
    EXPECT(((uintptr_t)frame & 7u) == 0u);
    const uint64_t seq = gateway_internal_FrameHeader_sequence(&h);
    if (seq != s->last_sequence + 1u) s->bad++;
    s->last_sequence = seq;
    s->last_length = frame_length;
    s->last_type = gateway_internal_FrameHeader_frameType_raw(&h);
    s->last_connection = gateway_internal_FrameHeader_connectionId(&h);
    s->last_session = gateway_internal_FrameHeader_sessionId(&h);
    s->last_timestamp = gateway_internal_FrameHeader_receiveTimestampNs(&h);
    /* payload pattern: byte i == (seq + i) & 0xff */
    for (uint32_t i = GW_FRAME_HEADER_BYTES; i < frame_length; i++)
        if (frame[i] != (uint8_t)(seq + (i - GW_FRAME_HEADER_BYTES))) {
            s->bad++;
            break;
        }
    s->frames++;
}

static int claim_fill(gw_ring *r, uint32_t payload)
{
    int rc = 99;
    const uint64_t seq = r->next_sequence;
    uint8_t *p = gw_ring_try_claim(r, 6, payload, 7, 8, 1234567890123456789ull, &rc);
    if (p == NULL) return rc;
    EXPECT(((uintptr_t)p & 7u) == 0u);
    for (uint32_t i = 0; i < payload; i++) p[i] = (uint8_t)(seq + i);
    return rc;
}

static void test_layout(void)
{
    EXPECT_EQ_U64(gateway_internal_FrameHeader_sbe_encoded_length(), GW_FRAME_HEADER_BYTES);
    EXPECT_EQ_U64(gateway_internal_FrameHeader_frameLength_encoding_offset(), 0);
    EXPECT_EQ_U64(gateway_internal_FrameHeader_frameType_encoding_offset(), 4);
    EXPECT_EQ_U64(gateway_internal_FrameHeader_flags_encoding_offset(), 6);
    EXPECT_EQ_U64(gateway_internal_FrameHeader_connectionId_encoding_offset(), 8);
    EXPECT_EQ_U64(gateway_internal_FrameHeader_sessionId_encoding_offset(), 12);
    EXPECT_EQ_U64(gateway_internal_FrameHeader_receiveTimestampNs_encoding_offset(), 16);
    EXPECT_EQ_U64(gateway_internal_FrameHeader_sequence_encoding_offset(), 24);
    EXPECT_EQ_U64(gateway_internal_FrameType_Padding, 0);
    EXPECT_EQ_U64(gateway_internal_FrameType_UdpDatagram, 6);
}

static void test_format_attach(void)
{
    uint8_t *region = new_region(CAP);
    gw_ring r;
    EXPECT(gw_ring_format(region, 3000, 64) == GW_RING_INVALID);      /* not a power of two */
    EXPECT(gw_ring_format(region, 2048, 64) == GW_RING_INVALID);      /* below the minimum */
    EXPECT(gw_ring_format(region, CAP, CAP / 2 + 8) == GW_RING_INVALID); /* max_frame too large */
    EXPECT(gw_ring_format(region, CAP, 16) == GW_RING_INVALID);       /* smaller than a header */
    EXPECT(gw_ring_format(region + 8, CAP, 64) == GW_RING_INVALID);   /* misaligned */
    EXPECT(gw_ring_attach(&r, region) == GW_RING_INVALID);            /* not formatted: no magic */
    EXPECT(gw_ring_format(region, CAP, 1024) == GW_RING_OK);
    uint32_t v;
    memcpy(&v, region + GW_RING_MAGIC_OFFSET, 4);
    EXPECT_EQ_U64(v, GW_RING_MAGIC);
    memcpy(&v, region + GW_RING_CAPACITY_OFFSET, 4);
    EXPECT_EQ_U64(v, CAP);
    memcpy(&v, region + GW_RING_MAX_FRAME_OFFSET, 4);
    EXPECT_EQ_U64(v, 1024);
    EXPECT(region[GW_RING_META_BYTES + CAP - 1] == 0);
    EXPECT(gw_ring_attach(&r, region) == GW_RING_OK);
    EXPECT_EQ_U64(r.capacity, CAP);
    EXPECT_EQ_U64(r.max_frame, 1024);
    EXPECT(r.data == region + GW_RING_META_BYTES);
    EXPECT_EQ_U64(gw_ring_occupancy(&r), 0);
    free(region);
}

/* Many variable-size frames through a small ring, one producer and one consumer handle on the same
 * thread: wrap-around with Padding, sequences without gaps, payload contents, batch publish. */
static void test_wrap_and_sequences(void)
{
    uint8_t *region = new_region(CAP);
    gw_ring p, c;
    EXPECT(gw_ring_format(region, CAP, 1024) == GW_RING_OK);
    EXPECT(gw_ring_attach(&p, region) == GW_RING_OK);
    EXPECT(gw_ring_attach(&c, region) == GW_RING_OK);
    seen s = {0};
    uint32_t produced = 0, paddings = 0;
    uint32_t rng = 12345;
    for (int round = 0; round < 20000; round++) {
        const uint32_t batch = 1u + (uint32_t)round % 5u;
        for (uint32_t b = 0; b < batch; b++) {
            rng = rng * 1103515245u + 12345u;
            const uint32_t payload = (rng >> 16) % (1024u - GW_FRAME_HEADER_BYTES + 1u);
            const uint32_t before = p.position & p.mask;
            const uint32_t aligned = (GW_FRAME_HEADER_BYTES + payload + 7u) & ~7u;
            const int rc = claim_fill(&p, payload);
            if (rc == GW_RING_BACK_PRESSURED) break;
            EXPECT(rc == GW_RING_OK);
            if (aligned > CAP - before) {
                paddings++;
                EXPECT((gw_ring_last_frame(&p) - p.data) == 0); /* frame moved to offset 0 */
            }
            produced++;
        }
        const uint32_t occupancy_before = gw_ring_occupancy(&c);
        const uint32_t bytes = gw_ring_publish(&p);
        EXPECT_EQ_U64(gw_ring_occupancy(&c), occupancy_before + bytes);
        EXPECT(gw_ring_publish(&p) == 0); /* nothing new */
        gw_ring_poll(&c, on_frame, &s, (uint32_t)round % 4u + 1u);
    }
    while (gw_ring_poll(&c, on_frame, &s, 100) > 0) {
    }
    EXPECT_EQ_U64(s.frames, produced);
    EXPECT_EQ_U64(s.last_sequence, produced);
    EXPECT_EQ_U64(s.bad, 0);
    EXPECT(paddings > 100);
    EXPECT_EQ_U64(gw_ring_occupancy(&c), 0);
    EXPECT(gw_ring_error(&c) == GW_RING_OK);
    EXPECT_EQ_U64(s.last_type, 6);
    EXPECT_EQ_U64(s.last_connection, 7);
    EXPECT_EQ_U64(s.last_session, 8);
    EXPECT_EQ_U64(s.last_timestamp, 1234567890123456789ull);
    free(region);
}

/* Padding frames shorter than a header (8, 16, 24 bytes to the end) are written and skipped. */
static void test_short_padding(void)
{
    for (uint32_t gap = 8; gap <= 40; gap += 8) {
        uint8_t *region = new_region(CAP);
        gw_ring p, c;
        EXPECT(gw_ring_format(region, CAP, 2048) == GW_RING_OK);
        EXPECT(gw_ring_attach(&p, region) == GW_RING_OK);
        EXPECT(gw_ring_attach(&c, region) == GW_RING_OK);
        seen s = {0};
        /* fill to CAP - gap, consume, then a frame larger than gap must wrap */
        uint32_t left = CAP - gap;
        while (left > 0) {
            const uint32_t chunk = left > 1024 ? 1024 : left;
            EXPECT(claim_fill(&p, chunk - GW_FRAME_HEADER_BYTES) == GW_RING_OK);
            left -= chunk;
        }
        gw_ring_publish(&p);
        while (gw_ring_poll(&c, on_frame, &s, 100) > 0) {
        }
        EXPECT_EQ_U64(p.position & p.mask, CAP - gap);
        EXPECT(claim_fill(&p, 64) == GW_RING_OK);
        EXPECT(gw_ring_last_frame(&p) == p.data);
        uint32_t pad_len;
        memcpy(&pad_len, region + GW_RING_META_BYTES + CAP - gap, 4);
        EXPECT_EQ_U64(pad_len, gap);
        EXPECT(region[GW_RING_META_BYTES + CAP - gap + 4] == 0 && region[GW_RING_META_BYTES + CAP - gap + 5] == 0);
        gw_ring_publish(&p);
        const uint32_t before = s.frames;
        EXPECT_EQ_U64(gw_ring_poll(&c, on_frame, &s, 100), 1);
        EXPECT_EQ_U64(s.frames, before + 1);
        EXPECT_EQ_U64(s.last_length, 96);
        EXPECT_EQ_U64(s.bad, 0);
        EXPECT(gw_ring_error(&c) == GW_RING_OK);
        free(region);
    }
}

static void test_back_pressure_too_large_shrink(void)
{
    uint8_t *region = new_region(CAP);
    gw_ring p, c;
    EXPECT(gw_ring_format(region, CAP, 1024) == GW_RING_OK);
    EXPECT(gw_ring_attach(&p, region) == GW_RING_OK);
    EXPECT(gw_ring_attach(&c, region) == GW_RING_OK);
    int rc = 0;
    EXPECT(gw_ring_try_claim(&p, 6, 1024 - GW_FRAME_HEADER_BYTES + 1, 0, 0, 0, &rc) == NULL);
    EXPECT(rc == GW_RING_TOO_LARGE);
    EXPECT(gw_ring_try_claim(&p, 6, UINT32_MAX, 0, 0, 0, &rc) == NULL);
    EXPECT(rc == GW_RING_TOO_LARGE);
    EXPECT(claim_fill(&p, 1024 - GW_FRAME_HEADER_BYTES) == GW_RING_OK); /* exactly max_frame */
    /* fill the ring exactly: 4 x 1024 */
    EXPECT(claim_fill(&p, 1024 - GW_FRAME_HEADER_BYTES) == GW_RING_OK);
    EXPECT(claim_fill(&p, 1024 - GW_FRAME_HEADER_BYTES) == GW_RING_OK);
    EXPECT(claim_fill(&p, 1024 - GW_FRAME_HEADER_BYTES) == GW_RING_OK);
    EXPECT(claim_fill(&p, 0) == GW_RING_BACK_PRESSURED); /* even an empty frame does not fit */
    EXPECT_EQ_U64(p.next_sequence, 5);                    /* a failed claim takes no sequence */
    EXPECT_EQ_U64(gw_ring_publish(&p), CAP);
    EXPECT_EQ_U64(gw_ring_occupancy(&c), CAP);
    seen s = {0};
    EXPECT_EQ_U64(gw_ring_poll(&c, on_frame, &s, 1), 1); /* frees 1024 bytes */
    EXPECT(claim_fill(&p, 1024 - GW_FRAME_HEADER_BYTES) == GW_RING_OK);
    EXPECT(claim_fill(&p, 0) == GW_RING_BACK_PRESSURED);
    gw_ring_publish(&p);
    EXPECT_EQ_U64(gw_ring_poll(&c, on_frame, &s, 10), 4);
    /* shrink: claim 500, shrink to 10, the next frame follows at the shrunken end */
    const uint32_t start = p.position;
    uint8_t *payload = gw_ring_try_claim(&p, 1, 500, 1, 2, 3, &rc);
    EXPECT(payload != NULL);
    for (uint32_t i = 0; i < 10; i++) payload[i] = (uint8_t)(p.next_sequence - 1u + i);
    gw_ring_shrink_last(&p, 10);
    EXPECT_EQ_U64(p.position - start, 48); /* align8(32 + 10) */
    gw_ring_shrink_last(&p, 400);          /* growing is refused */
    EXPECT_EQ_U64(p.position - start, 48);
    EXPECT(claim_fill(&p, 3) == GW_RING_OK);
    EXPECT_EQ_U64(gw_ring_publish(&p), 48 + 40);
    EXPECT_EQ_U64(gw_ring_poll(&c, on_frame, &s, 1), 1);
    EXPECT_EQ_U64(s.last_length, 42);
    EXPECT_EQ_U64(s.last_type, 1);
    EXPECT_EQ_U64(gw_ring_poll(&c, on_frame, &s, 1), 1);
    EXPECT_EQ_U64(s.last_length, 35);
    EXPECT_EQ_U64(s.bad, 0);
    EXPECT_EQ_U64(s.last_sequence, 7);
    free(region);
}

static int bell_rings;
static void bell(void *ctx)
{
    EXPECT(ctx == &bell_rings);
    bell_rings++;
}

static void test_doorbell_protocol(void)
{
    uint8_t *region = new_region(CAP);
    gw_ring p, c;
    EXPECT(gw_ring_format(region, CAP, 1024) == GW_RING_OK);
    EXPECT(gw_ring_attach(&p, region) == GW_RING_OK);
    EXPECT(gw_ring_attach(&c, region) == GW_RING_OK);
    gw_ring_set_doorbell(&p, bell, &bell_rings);
    uint32_t parked;
    /* busy consumer: no bell */
    EXPECT(claim_fill(&p, 8) == GW_RING_OK);
    gw_ring_publish(&p);
    EXPECT_EQ_U64(bell_rings, 0);
    /* frames pending: prepare_park refuses and leaves parked 0 */
    EXPECT(gw_ring_prepare_park(&c) == 0);
    memcpy(&parked, region + GW_RING_PARKED_OFFSET, 4);
    EXPECT_EQ_U64(parked, 0);
    seen s = {0};
    EXPECT_EQ_U64(gw_ring_poll(&c, on_frame, &s, 10), 1);
    /* empty: parks; the next publish rings exactly once and clears the flag */
    EXPECT(gw_ring_prepare_park(&c) == 1);
    memcpy(&parked, region + GW_RING_PARKED_OFFSET, 4);
    EXPECT_EQ_U64(parked, 1);
    EXPECT(claim_fill(&p, 8) == GW_RING_OK);
    EXPECT_EQ_U64(bell_rings, 0); /* claim alone does not ring */
    gw_ring_publish(&p);
    EXPECT_EQ_U64(bell_rings, 1);
    memcpy(&parked, region + GW_RING_PARKED_OFFSET, 4);
    EXPECT_EQ_U64(parked, 0);
    EXPECT(claim_fill(&p, 8) == GW_RING_OK);
    gw_ring_publish(&p);
    EXPECT_EQ_U64(bell_rings, 1);
    EXPECT_EQ_U64(gw_ring_poll(&c, on_frame, &s, 10), 2);
    EXPECT_EQ_U64(s.bad, 0);
    free(region);
}

static void test_corruption(void)
{
    /* Each case corrupts one frame between two good ones; the consumer handles the good one,
     * reports GW_RING_CORRUPT, then reads nothing more. */
    for (int kind = 0; kind < 6; kind++) {
        uint8_t *region = new_region(CAP);
        gw_ring p, c;
        EXPECT(gw_ring_format(region, CAP, 512) == GW_RING_OK);
        EXPECT(gw_ring_attach(&p, region) == GW_RING_OK);
        EXPECT(gw_ring_attach(&c, region) == GW_RING_OK);
        EXPECT(claim_fill(&p, 16) == GW_RING_OK);
        EXPECT(claim_fill(&p, 16) == GW_RING_OK);
        uint8_t *bad = gw_ring_last_frame(&p);
        EXPECT(claim_fill(&p, 16) == GW_RING_OK);
        gw_ring_publish(&p);
        uint32_t v;
        switch (kind) {
        case 0: v = 16; memcpy(bad, &v, 4); break;                 /* shorter than a header */
        case 1: v = 513; memcpy(bad, &v, 4); break;                /* above max_frame */
        case 2: v = 48 + 48 + 8; memcpy(bad, &v, 4); break;        /* runs past the tail */
        case 3: v = 0; memcpy(bad + 4, &v, 2); v = 48; memcpy(bad, &v, 4); break; /* padding not to the end */
        case 4: v = 0xFFFFFFFFu; memcpy(bad, &v, 4); break;
        default: { /* tail - head > capacity */
            atomic_uint *tail = (atomic_uint *)(void *)(region + GW_RING_TAIL_OFFSET);
            atomic_store(tail, CAP + 8u);
            break;
        }
        }
        seen s = {0};
        const uint32_t n = gw_ring_poll(&c, on_frame, &s, 10);
        EXPECT_EQ_U64(n, kind == 5 ? 0 : 1);
        EXPECT(gw_ring_error(&c) == GW_RING_CORRUPT);
        EXPECT_EQ_U64(gw_ring_poll(&c, on_frame, &s, 10), 0);
        EXPECT_EQ_U64(s.frames, n);
        free(region);
    }
}

int main(void)
{
    test_layout();
    test_format_attach();
    test_wrap_and_sequences();
    test_short_padding();
    test_back_pressure_too_large_shrink();
    test_doorbell_protocol();
    test_corruption();
    TEST_MAIN_END();
}
