/*
 * SIMD delimiter scanning and byte sums for the FIX framer/indexer.
 *
 * One implementation is chosen at run time (AVX2 > SSE2 > scalar, by __builtin_cpu_supports on
 * x86; scalar elsewhere). All implementations give identical results; gw_fix_scan_select forces
 * one (tests, benchmarks). The selection is a process-wide setting: call gw_fix_scan_select at
 * start-up (or from a test's single thread) before any thread scans; scanning itself is
 * thread-safe (reads immutable data only).
 */
#ifndef GW_FIX_SCAN_H
#define GW_FIX_SCAN_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum gw_fix_scan_impl {
    GW_FIX_SCAN_AUTO = 0,   /* best the CPU supports */
    GW_FIX_SCAN_SCALAR = 1,
    GW_FIX_SCAN_SSE2 = 2,
    GW_FIX_SCAN_AVX2 = 3
} gw_fix_scan_impl;

/* Chooses the implementation; returns 0, or -1 (selection unchanged) when the CPU lacks it. */
int gw_fix_scan_select(gw_fix_scan_impl impl);
/* The implementation in use (never GW_FIX_SCAN_AUTO). */
gw_fix_scan_impl gw_fix_scan_current(void);
/* "scalar", "sse2", "avx2" (or "auto"). */
const char *gw_fix_scan_name(gw_fix_scan_impl impl);
/* Whether this CPU/build can run `impl`. */
int gw_fix_scan_supported(gw_fix_scan_impl impl);

/*
 * Delimiter masks of nblocks 64-byte blocks at p (reads exactly 64 * nblocks bytes): bit j of
 * soh[b] is set when p[64 * b + j] == 0x01, of eq[b] when it is '='.
 */
void gw_fix_scan_masks(const uint8_t *p, size_t nblocks, uint64_t *soh, uint64_t *eq);

/*
 * Delimiter masks of the len bytes at p, 64 <= len, in ceil(len / 64) blocks (reads exactly p[0..len)):
 * bit j of soh[b] is set when p[64 * b + j] == 0x01, of eq[b] when it is '='; bits past len are 0.
 * One call for a whole message (the last, partial block comes from the last 64 bytes, shifted).
 */
void gw_fix_scan_masks_len(const uint8_t *p, size_t len, uint64_t *soh, uint64_t *eq);

/* Sum of the bytes p[0..len) (the FIX CheckSum is this mod 256). */
uint32_t gw_fix_byte_sum(const uint8_t *p, size_t len);

#ifdef __cplusplus
}
#endif

#endif /* GW_FIX_SCAN_H */
