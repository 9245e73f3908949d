/*
 * FIX indexer (gw_fix_write_payload, fix_framer.h): one pass over a framed message with SIMD
 * delimiter masks, writing FixField entries straight into the ring payload. Hot-path choices
 * (perf/cases/fix-c.ts measures them): tags parsed without bounds checks when 10 bytes remain, SOH
 * search in the current or next mask block inline, group members found by the dictionary order
 * (hint), the delimiter, a linear scan of small groups, and only then the (container, tag) hash. The only file that
 * includes the generated dictionary tables (native/generated/fix/fix44.h and fix50sp2.h: large static tables).
 */
#include <string.h>

#include "fix/fix44.h"
#include "fix/fix50sp2.h"
#include "fix_framer.h"
#include "fix_scan.h"

#define SOH ((uint8_t)0x01)

/* ---------------------------------------------------------------- delimiter masks over the message */

#define GW_WIN_BLOCKS 16u

/* Window of SOH/'=' masks over raw[base..end); refilled as the scan moves forward. Stack only. */
typedef struct gw_cursor {
    const uint8_t *raw;
    uint32_t len;
    uint32_t base;
    uint32_t end;
    uint64_t soh[GW_WIN_BLOCKS];
    uint64_t eq[GW_WIN_BLOCKS];
} gw_cursor;

static void cursor_fill(gw_cursor *c, uint32_t base)
{
    uint32_t avail = c->len - base;
    uint32_t full = avail / 64u;
    if (full > GW_WIN_BLOCKS) full = GW_WIN_BLOCKS;
    if (full > 0) gw_fix_scan_masks(c->raw + base, full, c->soh, c->eq);
    uint32_t end = base + full * 64u;
    if (full < GW_WIN_BLOCKS && end < c->len && c->len >= 64u) {
        /* Tail shorter than a block: scan the last 64 bytes of the message (overlapping what came
         * before) and shift the bits of the tail down to bit 0 (bits past len are 0). */
        const uint32_t tail = c->len - end;
        uint64_t s, e;
        gw_fix_scan_masks(c->raw + c->len - 64u, 1, &s, &e);
        c->soh[full] = s >> (64u - tail);
        c->eq[full] = e >> (64u - tail);
        end = c->len;
    } else if (full < GW_WIN_BLOCKS && end < c->len) {
        /* Tail shorter than a block: scan a zero-padded copy (0 is neither SOH nor '='). */
        uint8_t tail[64];
        memset(tail, 0, sizeof tail);
        memcpy(tail, c->raw + end, c->len - end);
        gw_fix_scan_masks(tail, 1, &c->soh[full], &c->eq[full]);
        end = c->len;
    }
    c->base = base;
    c->end = end;
}

static void cursor_init(gw_cursor *c, const uint8_t *raw, uint32_t len)
{
    c->raw = raw;
    c->len = len;
    c->base = 0;
    c->end = 0;
    cursor_fill(c, 0);
}

static uint32_t cursor_next_slow(gw_cursor *c, int which, uint32_t pos)
{
    for (;;) {
        if (pos >= c->len) return c->len;
        if (pos < c->base || pos >= c->end) cursor_fill(c, pos & ~63u);
        uint32_t rel = pos - c->base;
        uint32_t b = rel >> 6;
        uint64_t m = (which ? c->eq[b] : c->soh[b]) >> (rel & 63u);
        /* Bits past len are 0 (zero-padded tail), so a hit is always < len. */
        if (m != 0) return pos + (uint32_t)__builtin_ctzll(m);
        pos = c->base + ((b + 1u) << 6);
    }
}

/* Position of the next SOH (which 0) or '=' (which 1) at or after pos; len when there is none.
 * Fast path: the hit is in the same 64-byte block of the current window. */
__attribute__((always_inline)) static inline uint32_t cursor_next(gw_cursor *c, int which, uint32_t pos)
{
    uint32_t rel = pos - c->base;
    if (rel < c->end - c->base) {
        const uint64_t *masks = which ? c->eq : c->soh;
        uint32_t b = rel >> 6;
        uint64_t m = masks[b] >> (rel & 63u);
        if (m != 0) return pos + (uint32_t)__builtin_ctzll(m);
        /* Next block, when it is in the window (fields often straddle a block boundary). */
        b++;
        if ((b << 6) < c->end - c->base && (m = masks[b]) != 0)
            return c->base + (b << 6) + (uint32_t)__builtin_ctzll(m);
    }
    return cursor_next_slow(c, which, pos);
}

/* ---------------------------------------------------------------- small helpers */

typedef struct gw_problem {
    uint8_t problem;
    uint32_t tag;
    uint32_t field;
} gw_problem;

static inline void problem(gw_problem *p, uint8_t what, uint32_t tag, uint32_t field)
{
    if (p->problem != GW_FIX_PROBLEM_NONE) return;
    p->problem = what;
    p->tag = tag;
    p->field = field;
}

/* Unsigned decimal of 1-9 digits; 0 when not one. */
static inline int parse_uint(const uint8_t *p, uint32_t n, uint32_t *out)
{
    if (n == 0 || n > 9) return 0;
    uint32_t v = 0;
    for (uint32_t i = 0; i < n; i++) {
        uint32_t d = (uint32_t)p[i] - (uint32_t)'0';
        if (d > 9u) return 0;
        v = v * 10u + d;
    }
    *out = v;
    return 1;
}

#if defined(__BYTE_ORDER__) && defined(__ORDER_LITTLE_ENDIAN__)
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define GW_FIX_LE 1
#endif
#endif
#ifndef GW_FIX_LE
#define GW_FIX_LE 0
#endif

static inline void put_u32(uint8_t *p, uint32_t v)
{
#if GW_FIX_LE
    memcpy(p, &v, 4);
#else
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)(v >> 16);
    p[3] = (uint8_t)(v >> 24);
#endif
}

static inline void put_field(uint8_t *out, uint32_t i, uint32_t tag, uint32_t off, uint32_t len, uint32_t next)
{
    uint8_t *p = out + GW_FIX_INDEX_HEADER_BYTES + (size_t)GW_FIX_FIELD_BYTES * i;
    put_u32(p, tag);
    put_u32(p + 4, off);
    put_u32(p + 8, len);
    put_u32(p + 12, next);
}

static inline void set_next(uint8_t *out, uint32_t i, uint32_t next)
{
    put_u32(out + GW_FIX_INDEX_HEADER_BYTES + (size_t)GW_FIX_FIELD_BYTES * i + 12u, next);
}

static void put_header(uint8_t *out, uint32_t raw_len, uint32_t n, const gw_problem *pr, uint8_t dictionary,
                       uint8_t mt_len)
{
    put_u32(out, raw_len);
    out[4] = (uint8_t)n;
    out[5] = (uint8_t)(n >> 8);
    uint32_t pf = pr->problem == GW_FIX_PROBLEM_NONE ? 0u : pr->field;
    out[6] = (uint8_t)pf;
    out[7] = (uint8_t)(pf >> 8);
    put_u32(out + 8, pr->problem == GW_FIX_PROBLEM_NONE ? 0u : pr->tag);
    out[12] = dictionary;
    out[13] = pr->problem;
    out[14] = mt_len;
    out[15] = 0;
}

/* ---------------------------------------------------------------- repeating groups */

/* One open repeating group while indexing (stack entry). */
typedef struct gw_level {
    int group;            /* group container id */
    uint32_t delimiter;   /* first tag of every entry */
    uint32_t count_field; /* index of the NumInGroup field */
    uint32_t count_tag;
    uint32_t declared;    /* NumInGroup value */
    uint32_t entries;     /* entries found so far */
    uint32_t entry_first; /* index of the current entry's first field */
    uint32_t first_k;     /* member range of the group: k in [first_k, end_k), delimiter at first_k */
    uint32_t end_k;
    uint32_t hint;        /* k after the last member seen: members mostly come in dictionary order */
    int declared_ok;
} gw_level;

static void open_group(gw_level *stack, uint32_t *depth, gw_problem *pr, int group, uint32_t delimiter,
                       uint32_t first_k, uint32_t end_k, const uint8_t *raw, uint32_t vstart, uint32_t vlen,
                       uint32_t tag, uint32_t n)
{
    uint32_t declared = 0;
    int ok = parse_uint(raw + vstart, vlen, &declared);
    if (!ok) problem(pr, GW_FIX_PROBLEM_NUM_IN_GROUP_MISMATCH, tag, n);
    if (ok && declared == 0) return; /* empty group: nothing follows */
    if (*depth >= GW_FIX_MAX_GROUP_DEPTH) {
        problem(pr, GW_FIX_PROBLEM_GROUP_TOO_DEEP, tag, n);
        return;
    }
    gw_level *l = &stack[(*depth)++];
    l->group = group;
    l->delimiter = delimiter;
    l->first_k = first_k;
    l->end_k = end_k;
    l->hint = first_k;
    l->count_field = n;
    l->count_tag = tag;
    l->declared = declared;
    l->declared_ok = ok;
    l->entries = 0;
    l->entry_first = 0;
}

/* Ends a group at field index n (the first field after it). */
static void close_group(uint8_t *out, const gw_level *l, gw_problem *pr, uint32_t n)
{
    if (l->entries > 0) set_next(out, l->entry_first, n);
    set_next(out, l->count_field, n);
    if (l->declared_ok && l->declared != l->entries)
        problem(pr, GW_FIX_PROBLEM_NUM_IN_GROUP_MISMATCH, l->count_tag, l->count_field);
}

/* ---------------------------------------------------------------- instantiations */

/* Groups with at most this many members are searched linearly (fix_index_impl.h). */
#define GW_IDX_LINEAR_MEMBERS 16u

#define GW_IDX_FN index_fix44
#define GW_D(name) gw_fix44_##name
#define GW_DT(name) GW_FIX44_##name
#define GW_IDX_GROUPS 1
#include "fix_index_impl.h"
#undef GW_IDX_FN
#undef GW_D
#undef GW_DT
#undef GW_IDX_GROUPS

#define GW_IDX_FN index_fix50sp2
#define GW_D(name) gw_fix50sp2_##name
#define GW_DT(name) GW_FIX50SP2_##name
#define GW_IDX_GROUPS 1
#include "fix_index_impl.h"
#undef GW_IDX_FN
#undef GW_D
#undef GW_DT
#undef GW_IDX_GROUPS

/* Unknown BeginString: flat; DATA/LENGTH pairs and types of FIX 4.4 (shared by all versions). */
#define GW_IDX_FN index_unknown
#define GW_D(name) gw_fix44_##name
#define GW_DT(name) GW_FIX44_##name
#define GW_IDX_GROUPS 0
#include "fix_index_impl.h"
#undef GW_IDX_FN
#undef GW_D
#undef GW_DT
#undef GW_IDX_GROUPS

/* ---------------------------------------------------------------- API */

size_t gw_fix_payload_bound(uint32_t raw_len, uint16_t max_fields)
{
    uint32_t mf = max_fields != 0 ? max_fields : GW_FIX_DEFAULT_MAX_FIELDS;
    /* Every field takes at least one byte (its SOH). */
    uint32_t fields = raw_len < mf ? raw_len : mf;
    return GW_FIX_INDEX_HEADER_BYTES + (size_t)GW_FIX_FIELD_BYTES * fields + (size_t)raw_len;
}

size_t gw_fix_write_payload(const uint8_t *raw, uint32_t raw_len, uint16_t max_fields, uint8_t *out, size_t out_cap)
{
    uint32_t mf = max_fields != 0 ? max_fields : GW_FIX_DEFAULT_MAX_FIELDS;
    if (out_cap < GW_FIX_INDEX_HEADER_BYTES + (size_t)raw_len) return 0;
    /* BeginString: "8=" value up to the first SOH. */
    /* FIX.4.2 has no dictionary in the reference data: FIX 4.4's tables (same header, trailer and
     * session messages) index it, and the header says Fix44. Same rule as src/fix/framer.ts. */
    if (raw_len >= 10 && (memcmp(raw, "8=FIX.4.4\x01", 10) == 0 || memcmp(raw, "8=FIX.4.2\x01", 10) == 0))
        return index_fix44(raw, raw_len, mf, out, out_cap, GW_FIX_DICT_FIX44);
    if (raw_len >= 11 && memcmp(raw, "8=FIXT.1.1\x01", 11) == 0)
        return index_fix50sp2(raw, raw_len, mf, out, out_cap, GW_FIX_DICT_FIXT11_FIX50SP2);
    return index_unknown(raw, raw_len, mf, out, out_cap, GW_FIX_DICT_UNKNOWN);
}
