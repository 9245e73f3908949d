/* SIMD delimiter scanning and byte sums (see fix_scan.h). */
#include "fix_scan.h"

#include <string.h>

#if defined(__x86_64__) || defined(__i386__)
#define GW_FIX_SCAN_X86 1
#include <immintrin.h>
#else
#define GW_FIX_SCAN_X86 0
#endif

typedef void (*gw_scan_masks_fn)(const uint8_t *p, size_t nblocks, uint64_t *soh, uint64_t *eq);
typedef void (*gw_scan_masks_len_fn)(const uint8_t *p, size_t len, uint64_t *soh, uint64_t *eq);

/* masks_len from a block function (len >= 64): full blocks, then the last 64 bytes shifted so that
 * only the tail's bits remain. Inlined into each implementation. */
#define GW_MASKS_LEN_BODY(blockfn)                                                                              \
    do {                                                                                                        \
        const size_t full = len / 64u;                                                                          \
        blockfn(p, full, soh, eq);                                                                              \
        const size_t tail = len - full * 64u;                                                                   \
        if (tail != 0) {                                                                                        \
            uint64_t s, e;                                                                                      \
            blockfn(p + len - 64u, 1, &s, &e);                                                                  \
            soh[full] = s >> (64u - tail);                                                                      \
            eq[full] = e >> (64u - tail);                                                                       \
        }                                                                                                       \
    } while (0)
typedef uint32_t (*gw_byte_sum_fn)(const uint8_t *p, size_t len);

/* ---------------------------------------------------------------- scalar */

static void scan_masks_scalar(const uint8_t *p, size_t nblocks, uint64_t *soh, uint64_t *eq)
{
    for (size_t b = 0; b < nblocks; b++) {
        uint64_t s = 0, e = 0;
        const uint8_t *q = p + 64 * b;
        for (unsigned j = 0; j < 64; j++) {
            s |= (uint64_t)(q[j] == 0x01u) << j;
            e |= (uint64_t)(q[j] == (uint8_t)'=') << j;
        }
        soh[b] = s;
        eq[b] = e;
    }
}

static void scan_masks_len_scalar(const uint8_t *p, size_t len, uint64_t *soh, uint64_t *eq)
{
    GW_MASKS_LEN_BODY(scan_masks_scalar);
}

static uint32_t byte_sum_scalar(const uint8_t *p, size_t len)
{
    uint32_t sum = 0;
    for (size_t i = 0; i < len; i++) sum += p[i];
    return sum;
}

#if GW_FIX_SCAN_X86
/* 32 zero bytes then 32 0xFF bytes, for the byte sums' tails: W bytes loaded at offset 32 - W + t
 * keep exactly the last t of them (t < W). */
static const uint8_t g_tail_mask[64] = {
    0,    0,    0,    0,    0,    0,    0,    0,    0,    0,    0,    0,    0,    0,    0,    0,
    0,    0,    0,    0,    0,    0,    0,    0,    0,    0,    0,    0,    0,    0,    0,    0,
    0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
    0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
};

/* ---------------------------------------------------------------- SSE2 */

__attribute__((target("sse2"))) static void scan_masks_sse2(const uint8_t *p, size_t nblocks, uint64_t *soh,
                                                            uint64_t *eq)
{
    const __m128i vs = _mm_set1_epi8(0x01);
    const __m128i ve = _mm_set1_epi8('=');
    for (size_t b = 0; b < nblocks; b++) {
        uint64_t s = 0, e = 0;
        for (unsigned k = 0; k < 4; k++) {
            __m128i v = _mm_loadu_si128((const __m128i *)(const void *)(p + 64 * b + 16 * k));
            s |= (uint64_t)(uint32_t)_mm_movemask_epi8(_mm_cmpeq_epi8(v, vs)) << (16 * k);
            e |= (uint64_t)(uint32_t)_mm_movemask_epi8(_mm_cmpeq_epi8(v, ve)) << (16 * k);
        }
        soh[b] = s;
        eq[b] = e;
    }
}

__attribute__((target("sse2"))) static void scan_masks_len_sse2(const uint8_t *p, size_t len, uint64_t *soh,
                                                                uint64_t *eq)
{
    GW_MASKS_LEN_BODY(scan_masks_sse2);
}

__attribute__((target("sse2"))) static uint32_t byte_sum_sse2(const uint8_t *p, size_t len)
{
    __m128i acc = _mm_setzero_si128();
    const __m128i zero = _mm_setzero_si128();
    size_t i = 0;
    for (; i + 16 <= len; i += 16) {
        __m128i v = _mm_loadu_si128((const __m128i *)(const void *)(p + i));
        acc = _mm_add_epi64(acc, _mm_sad_epu8(v, zero));
    }
    if (i < len && len >= 16) {
        /* Tail: the last 16 bytes (overlapping), the already-summed ones masked out. */
        __m128i v = _mm_loadu_si128((const __m128i *)(const void *)(p + len - 16));
        __m128i keep = _mm_loadu_si128((const __m128i *)(const void *)(g_tail_mask + 16 + (len - i)));
        acc = _mm_add_epi64(acc, _mm_sad_epu8(_mm_and_si128(v, keep), zero));
        i = len;
    }
    uint64_t lanes[2];
    _mm_storeu_si128((__m128i *)(void *)lanes, acc);
    uint32_t sum = (uint32_t)(lanes[0] + lanes[1]);
    for (; i < len; i++) sum += p[i];
    return sum;
}

/* ---------------------------------------------------------------- AVX2 */

__attribute__((target("avx2"))) static void scan_masks_avx2(const uint8_t *p, size_t nblocks, uint64_t *soh,
                                                            uint64_t *eq)
{
    const __m256i vs = _mm256_set1_epi8(0x01);
    const __m256i ve = _mm256_set1_epi8('=');
    for (size_t b = 0; b < nblocks; b++) {
        __m256i lo = _mm256_loadu_si256((const __m256i *)(const void *)(p + 64 * b));
        __m256i hi = _mm256_loadu_si256((const __m256i *)(const void *)(p + 64 * b + 32));
        uint64_t slo = (uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(lo, vs));
        uint64_t shi = (uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(hi, vs));
        uint64_t elo = (uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(lo, ve));
        uint64_t ehi = (uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(hi, ve));
        soh[b] = slo | (shi << 32);
        eq[b] = elo | (ehi << 32);
    }
}

__attribute__((target("avx2"))) static void scan_masks_len_avx2(const uint8_t *p, size_t len, uint64_t *soh,
                                                                uint64_t *eq)
{
    GW_MASKS_LEN_BODY(scan_masks_avx2);
}

__attribute__((target("avx2"))) static uint32_t byte_sum_avx2(const uint8_t *p, size_t len)
{
    __m256i acc = _mm256_setzero_si256();
    const __m256i zero = _mm256_setzero_si256();
    size_t i = 0;
    for (; i + 32 <= len; i += 32) {
        __m256i v = _mm256_loadu_si256((const __m256i *)(const void *)(p + i));
        acc = _mm256_add_epi64(acc, _mm256_sad_epu8(v, zero));
    }
    if (i < len && len >= 32) {
        /* Tail: the last 32 bytes (overlapping), the already-summed ones masked out. */
        __m256i v = _mm256_loadu_si256((const __m256i *)(const void *)(p + len - 32));
        __m256i keep = _mm256_loadu_si256((const __m256i *)(const void *)(g_tail_mask + (len - i)));
        acc = _mm256_add_epi64(acc, _mm256_sad_epu8(_mm256_and_si256(v, keep), zero));
        i = len;
    }
    uint64_t lanes[4];
    _mm256_storeu_si256((__m256i *)(void *)lanes, acc);
    uint32_t sum = (uint32_t)(lanes[0] + lanes[1] + lanes[2] + lanes[3]);
    for (; i < len; i++) sum += p[i];
    return sum;
}
#endif

/* ---------------------------------------------------------------- dispatch */

/* Process-wide selection; 0 until the first call picks AUTO (benign race: every thread computes the
 * same answer). */
static gw_fix_scan_impl g_impl = GW_FIX_SCAN_AUTO;
static gw_scan_masks_fn g_masks = 0;
static gw_scan_masks_len_fn g_masks_len = 0;
static gw_byte_sum_fn g_sum = 0;

int gw_fix_scan_supported(gw_fix_scan_impl impl)
{
    switch (impl) {
    case GW_FIX_SCAN_AUTO:
    case GW_FIX_SCAN_SCALAR:
        return 1;
#if GW_FIX_SCAN_X86
    case GW_FIX_SCAN_SSE2:
        return __builtin_cpu_supports("sse2") ? 1 : 0;
    case GW_FIX_SCAN_AVX2:
        return __builtin_cpu_supports("avx2") ? 1 : 0;
#else
    case GW_FIX_SCAN_SSE2:
    case GW_FIX_SCAN_AVX2:
        return 0;
#endif
    }
    return 0;
}

int gw_fix_scan_select(gw_fix_scan_impl impl)
{
#if GW_FIX_SCAN_X86
    __builtin_cpu_init();
#endif
    if (!gw_fix_scan_supported(impl)) return -1;
    if (impl == GW_FIX_SCAN_AUTO) {
        impl = gw_fix_scan_supported(GW_FIX_SCAN_AVX2)   ? GW_FIX_SCAN_AVX2
               : gw_fix_scan_supported(GW_FIX_SCAN_SSE2) ? GW_FIX_SCAN_SSE2
                                                         : GW_FIX_SCAN_SCALAR;
    }
    switch (impl) {
#if GW_FIX_SCAN_X86
    case GW_FIX_SCAN_AVX2:
        g_masks = scan_masks_avx2;
        g_masks_len = scan_masks_len_avx2;
        g_sum = byte_sum_avx2;
        break;
    case GW_FIX_SCAN_SSE2:
        g_masks = scan_masks_sse2;
        g_masks_len = scan_masks_len_sse2;
        g_sum = byte_sum_sse2;
        break;
#endif
    default:
        impl = GW_FIX_SCAN_SCALAR;
        g_masks = scan_masks_scalar;
        g_masks_len = scan_masks_len_scalar;
        g_sum = byte_sum_scalar;
        break;
    }
    g_impl = impl;
    return 0;
}

gw_fix_scan_impl gw_fix_scan_current(void)
{
    if (g_masks == 0) (void)gw_fix_scan_select(GW_FIX_SCAN_AUTO);
    return g_impl;
}

const char *gw_fix_scan_name(gw_fix_scan_impl impl)
{
    switch (impl) {
    case GW_FIX_SCAN_SCALAR:
        return "scalar";
    case GW_FIX_SCAN_SSE2:
        return "sse2";
    case GW_FIX_SCAN_AVX2:
        return "avx2";
    case GW_FIX_SCAN_AUTO:
        break;
    }
    return "auto";
}

void gw_fix_scan_masks(const uint8_t *p, size_t nblocks, uint64_t *soh, uint64_t *eq)
{
    if (g_masks == 0) (void)gw_fix_scan_select(GW_FIX_SCAN_AUTO);
    g_masks(p, nblocks, soh, eq);
}

void gw_fix_scan_masks_len(const uint8_t *p, size_t len, uint64_t *soh, uint64_t *eq)
{
    if (g_masks_len == 0) (void)gw_fix_scan_select(GW_FIX_SCAN_AUTO);
    g_masks_len(p, len, soh, eq);
}

uint32_t gw_fix_byte_sum(const uint8_t *p, size_t len)
{
    if (g_sum == 0) (void)gw_fix_scan_select(GW_FIX_SCAN_AUTO);
    return g_sum(p, len);
}
