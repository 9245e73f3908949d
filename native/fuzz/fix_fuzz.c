/*
 * libFuzzer target: FIX framer + indexer on arbitrary input (native/fuzz/README.md).
 * Input: 8 control bytes, then the byte stream.
 *   c[0]  scanner (0 auto, 1 scalar, 2 sse2, 3 avx2; unsupported -> auto)
 *   c[1]  bit 0: max_message_bytes = 64 + c[2] * 4 (else the default)
 *   c[3]  max_fields (0 = default)
 *   c[4..7] read sizes (1 + c[i] % 97), used in turn: the split points of the partial reads
 * Checks (abort on violation, besides ASan/UBSan): the framer never reads outside the bytes it is
 * given (each call sees an exactly sized heap copy), lengths and stream offsets add up, the
 * messages found are the same with partial reads as in one read, every message indexes within
 * gw_fix_payload_bound with fields inside the raw bytes and next links forward, and the payload is
 * identical with the scalar scanner.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fix_framer.h"
#include "fix_scan.h"

#define CHECK(c)                                                                                                      \
    do {                                                                                                              \
        if (!(c)) abort();                                                                                            \
    } while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint32_t rd32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void index_and_check(const uint8_t *msg, uint32_t len, uint16_t max_fields, gw_fix_scan_impl impl)
{
    uint8_t *raw = malloc(len ? len : 1);
    memcpy(raw, msg, len);
    size_t bound = gw_fix_payload_bound(len, max_fields);
    uint8_t *out = malloc(bound);
    uint8_t *ref = malloc(bound);
    size_t n = gw_fix_write_payload(raw, len, max_fields, out, bound);
    CHECK(n > 0 && n <= bound);
    uint32_t count = (uint32_t)out[4] | (uint32_t)out[5] << 8;
    CHECK(rd32(out) == len);
    CHECK(n == 16u + 16u * count + len);
    CHECK(memcmp(out + 16 + 16 * (size_t)count, raw, len) == 0);
    for (uint32_t i = 0; i < count; i++) {
        const uint8_t *f = out + 16 + 16 * (size_t)i;
        uint32_t off = rd32(f + 4), vl = rd32(f + 8), next = rd32(f + 12);
        CHECK(off <= len && vl <= len - off);
        CHECK(next > i && next <= count);
    }
    if (impl != GW_FIX_SCAN_SCALAR) {
        CHECK(gw_fix_scan_select(GW_FIX_SCAN_SCALAR) == 0);
        size_t m = gw_fix_write_payload(raw, len, max_fields, ref, bound);
        CHECK(m == n && memcmp(ref, out, n) == 0);
        CHECK(gw_fix_scan_select(impl) == 0);
    }
    free(ref);
    free(out);
    free(raw);
}

#define MAX_EVENTS 4096

typedef struct ev {
    uint64_t offset;
    uint32_t length;
} ev;

/* Frames stream[0..n): read sizes from `sizes` (NULL = everything at once). Returns the messages. */
static size_t frame_all(const uint8_t *stream, size_t n, const gw_fix_limits *lim, const uint8_t *sizes, ev *msgs)
{
    gw_fix_framer f;
    gw_fix_framer_init(&f, lim);
    size_t consumed = 0, k = 0, nm = 0;
    size_t avail = sizes == NULL ? n : 0;
    if (sizes != NULL) avail = (size_t)(1 + sizes[0] % 97) < n ? (size_t)(1 + sizes[0] % 97) : n;
    for (;;) {
        size_t have = avail - consumed;
        uint8_t *copy = malloc(have ? have : 1);
        memcpy(copy, stream + consumed, have);
        gw_fix_frame_result r;
        gw_fix_framer_next(&f, copy, have, &r);
        free(copy);
        CHECK(r.stream_offset == consumed);
        if (r.kind == GW_FIX_NEED_MORE) {
            if (avail == n) break;
            k++;
            size_t step = (size_t)(1 + sizes[k % 4] % 97);
            avail = avail + step < n ? avail + step : n;
            continue;
        }
        CHECK(r.kind == GW_FIX_MESSAGE || r.kind == GW_FIX_GARBLED);
        CHECK(r.length >= 1 && r.length <= have);
        if (r.kind == GW_FIX_MESSAGE && nm < MAX_EVENTS) msgs[nm++] = (ev){r.stream_offset, r.length};
        consumed += r.length;
    }
    return nm;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 8) return 0;
    gw_fix_scan_impl impl = (gw_fix_scan_impl)(data[0] & 3u);
    if (gw_fix_scan_select(impl) != 0) impl = GW_FIX_SCAN_AUTO;
    CHECK(gw_fix_scan_select(impl) == 0);
    impl = gw_fix_scan_current();
    gw_fix_limits lim = {(data[1] & 1u) ? 64u + (uint32_t)data[2] * 4u : 0u, data[3]};
    const uint8_t *sizes = data + 4;
    const uint8_t *stream = data + 8;
    size_t n = size - 8;

    static ev whole[MAX_EVENTS], split[MAX_EVENTS];
    size_t nw = frame_all(stream, n, &lim, NULL, whole);
    size_t ns = frame_all(stream, n, &lim, sizes, split);
    CHECK(nw == ns);
    for (size_t i = 0; i < nw; i++) {
        CHECK(whole[i].offset == split[i].offset && whole[i].length == split[i].length);
        index_and_check(stream + whole[i].offset, whole[i].length, lim.max_fields, impl);
    }
    /* The indexer on the raw input, framed or not. */
    if (n > 0) index_and_check(stream, (uint32_t)n, lim.max_fields, impl);
    return 0;
}
