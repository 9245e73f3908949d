/*
 * FIX indexer (gw_fix_write_payload, fix_framer.h): writes FixField entries straight into the ring
 * payload, in two passes (fix_index_impl.h): tokens (tag, value offset and length of every field),
 * then structure (header/body/trailer, repeating groups). Hot-path choices (perf/cases/fix-c.ts
 * measures them; callgrind counts the instructions, the stable measure on a noisy machine):
 *  - SIMD masks of SOH and '=' for the whole message (up to 1 KiB) in one call;
 *  - tokens_fast: field ends by walking the SOH bits (clear the lowest, count trailing zeros), so
 *    consecutive fields do not wait for each other's look-ups; the tag's bytes (1-4 digits) looked
 *    up in a table keyed by those bytes (tag and class in one load, no per-digit branch), else
 *    checked and converted as a word (SWAR); everything else takes the byte-by-byte path, which
 *    defines the semantics;
 *  - one class byte per tag < GW_CLS_TAGS (built once per process from the generated dictionary):
 *    DATA or LENGTH (pass 1), NumInGroup or group-opening member, header, trailer, member of some
 *    group. Only those tags look anything up; a tag that is in no group ends an open group at once;
 *  - group members: the member after the previous one (hint), the delimiter, a short forward scan,
 *    a linear scan of small groups, and only then the (container, tag) hash; the innermost open
 *    group lives in locals.
 * The only file that includes the generated dictionary tables (native/generated/fix/fix44.h and
 * fix50sp2.h: large static tables).
 */
#include <stdatomic.h>
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
    uint64_t soh[GW_WIN_BLOCKS + 2u]; /* + two zero blocks after the last one in use */
    uint64_t eq[GW_WIN_BLOCKS + 2u];
} gw_cursor;

static void cursor_fill(gw_cursor *c, uint32_t base)
{
    if (base == 0 && c->len >= 64u && c->len <= GW_WIN_BLOCKS * 64u) {
        /* The whole message in one call (the common case). */
        gw_fix_scan_masks_len(c->raw, c->len, c->soh, c->eq);
        const uint32_t used = (c->len + 63u) / 64u;
        c->soh[used] = c->soh[used + 1u] = 0;
        c->eq[used] = c->eq[used + 1u] = 0;
        c->base = 0;
        c->end = c->len;
        return;
    }
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
    const uint32_t used = (end - base + 63u) / 64u;
    c->soh[used] = c->soh[used + 1u] = 0;
    c->eq[used] = c->eq[used + 1u] = 0;
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
 * *wbase and *wspan are the caller's copies of c->base and c->end - c->base (locals that stay in
 * registers; c itself is in memory). Fast path: the hit is in the same or the next 64-byte block of
 * the current window. */
__attribute__((always_inline)) static inline uint32_t cursor_next_w(gw_cursor *c, int which, uint32_t pos,
                                                                    uint32_t *wbase, uint32_t *wspan)
{
    uint32_t rel = pos - *wbase;
    if (rel < *wspan) {
        const uint64_t *masks = which ? c->eq : c->soh;
        uint32_t b = rel >> 6;
        uint64_t m = masks[b] >> (rel & 63u);
        if (m != 0) return pos + (uint32_t)__builtin_ctzll(m);
        /* Next block, when it is in the window (fields often straddle a block boundary). */
        b++;
        if ((b << 6) < *wspan && (m = masks[b]) != 0) return *wbase + (b << 6) + (uint32_t)__builtin_ctzll(m);
    }
    const uint32_t r = cursor_next_slow(c, which, pos);
    *wbase = c->base;
    *wspan = c->end - c->base;
    return r;
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

/*
 * Tag of len (1-4) bytes at p when p[0..4) is readable and p[len] is '=': 1 and *tag when they are
 * digits without a leading zero, else 0 (the caller falls back to the byte-by-byte parse). No
 * per-digit branch: the bytes after the tag are shifted out, the digits checked and converted
 * with two multiplications in a 32-bit word (the zero bytes shifted in act as leading zeros).
 */
static inline int swar_tag4(const uint8_t *p, uint32_t len, uint32_t *tag)
{
#if GW_FIX_LE
    uint32_t w;
    memcpy(&w, p, 4);
    if ((uint8_t)w == (uint8_t)'0') return 0;
    const unsigned sh = 32u - 8u * len; /* 0..24 */
    const uint32_t d = w << sh;
    /* Digits: high nibble 3 and low nibble + 6 without a carry into the high nibble (a byte >= 0xFA
     * carries into the next byte, but its own high nibble is not 3). The zero bytes below pass. */
    const uint32_t hi = d & 0xF0F0F0F0u;
    const uint32_t carry = ((d + 0x06060606u) & 0xF0F0F0F0u) >> 4;
    if ((hi | carry) != (0x33333333u << sh)) return 0;
    uint32_t v = d & 0x0F0F0F0Fu;
    v = (v * 2561u) >> 8;                 /* byte pairs: 10a+b, 10b+c, 10c+d */
    *tag = ((v & 0x00FF00FFu) * 6553601u) >> 16; /* 100 (10a+b) + (10c+d) */
    return 1;
#else
    (void)p;
    (void)len;
    (void)tag;
    return 0;
#endif
}


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
#if GW_FIX_LE
    /* Two 8-byte stores instead of four 4-byte ones. */
    const uint64_t a = (uint64_t)tag | (uint64_t)off << 32;
    const uint64_t b = (uint64_t)len | (uint64_t)next << 32;
    memcpy(p, &a, 8);
    memcpy(p + 8, &b, 8);
#else
    put_u32(p, tag);
    put_u32(p + 4, off);
    put_u32(p + 8, len);
    put_u32(p + 12, next);
#endif
}

static inline uint32_t get_u32(const uint8_t *p)
{
#if GW_FIX_LE
    uint32_t v;
    memcpy(&v, p, 4);
    return v;
#else
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
#endif
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

/* problem() that also records the field at which it was found (pass 2). */
static inline void problem_at(gw_problem *p, uint32_t *at, uint8_t what, uint32_t tag, uint32_t field, uint32_t now)
{
    if (p->problem != GW_FIX_PROBLEM_NONE) return;
    p->problem = what;
    p->tag = tag;
    p->field = field;
    *at = now;
}

/* Opens the group of the NumInGroup field n (value raw[vstart..vstart+vlen)). The innermost open
 * group is *top (kept in the caller's locals); stack[0..depth-2] hold the ones around it. */
__attribute__((always_inline)) static inline void open_group(gw_level *stack, gw_level *top, uint32_t *depth,
                                                             gw_problem *pr, uint32_t *at, int group, uint32_t delimiter,
                                                             uint32_t first_k, uint32_t end_k, const uint8_t *raw,
                                                             uint32_t vstart, uint32_t vlen, uint32_t tag, uint32_t n)
{
    uint32_t declared = 0;
    int ok = parse_uint(raw + vstart, vlen, &declared);
    if (!ok) problem_at(pr, at, GW_FIX_PROBLEM_NUM_IN_GROUP_MISMATCH, tag, n, n);
    if (ok && declared == 0) return; /* empty group: nothing follows */
    if (*depth >= GW_FIX_MAX_GROUP_DEPTH) {
        problem_at(pr, at, GW_FIX_PROBLEM_GROUP_TOO_DEEP, tag, n, n);
        return;
    }
    if (*depth > 0) stack[*depth - 1u] = *top;
    (*depth)++;
    top->group = group;
    top->delimiter = delimiter;
    top->first_k = first_k;
    top->end_k = end_k;
    top->hint = first_k;
    top->count_field = n;
    top->count_tag = tag;
    top->declared = declared;
    top->declared_ok = ok;
    top->entries = 0;
    top->entry_first = 0;
}

/* Ends the innermost group *top at field index n (the first field after it); the next one out, if
 * any, becomes *top. */
__attribute__((always_inline)) static inline void close_group(uint8_t *out, const gw_level *stack, gw_level *top,
                                                              uint32_t *depth, gw_problem *pr, uint32_t *at, uint32_t n)
{
    if (top->entries > 0) set_next(out, top->entry_first, n);
    set_next(out, top->count_field, n);
    if (top->declared_ok && top->declared != top->entries)
        problem_at(pr, at, GW_FIX_PROBLEM_NUM_IN_GROUP_MISMATCH, top->count_tag, top->count_field, n);
    (*depth)--;
    if (*depth > 0) *top = stack[*depth - 1u];
}

/* ---------------------------------------------------------------- tag classes */

/* Tags below this have a class byte in a table (built once per process); others are classified by
 * the generated lookups on each use. */
#define GW_CLS_TAGS 2048u
enum {
    GW_CLS_SPECIAL = 1, /* DATA, XMLDATA, LENGTH or NUMINGROUP type, or a member that opens a group */
    GW_CLS_HEADER = 2,  /* is_header_tag */
    GW_CLS_TRAILER = 4, /* is_trailer_tag */
    GW_CLS_MEMBER = 8,  /* member of some repeating group */
    GW_CLS_TOKEN = 16,  /* DATA or XMLDATA type: pass 1 of the indexer takes its length from a LENGTH field */
    GW_CLS_LENGTH = 32  /* LENGTH type: pass 1 remembers the field */
};

/* cls_<dict>(tag): the class byte from the generated lookups (tags >= GW_CLS_TAGS: SPECIAL and MEMBER
 * conservatively, they take the slow checks); cls_build_<dict>(t): the table for tags < GW_CLS_TAGS. */
#define GW_CLS_DEFINE(d, DT)                                                                                  \
    static unsigned cls_##d(uint32_t tag)                                                                       \
    {                                                                                                           \
        const uint64_t special = (1ull << DT##_TYPE_DATA) | (1ull << DT##_TYPE_XMLDATA) |                       \
                                 (1ull << DT##_TYPE_LENGTH) | (1ull << DT##_TYPE_NUMINGROUP);                   \
        unsigned c = 0;                                                                                         \
        if (tag != 0 && ((special >> (gw_##d##_field_info_of(tag) & DT##_INFO_TYPE_MASK)) & 1u) != 0)           \
            c |= GW_CLS_SPECIAL;                                                                                \
        if (gw_##d##_is_header_tag(tag)) c |= GW_CLS_HEADER;                                                    \
        if (gw_##d##_is_trailer_tag(tag)) c |= GW_CLS_TRAILER;                                                  \
        const unsigned type = tag != 0 ? gw_##d##_field_info_of(tag) & DT##_INFO_TYPE_MASK : 0u;                 \
        if (type == DT##_TYPE_DATA || type == DT##_TYPE_XMLDATA) c |= GW_CLS_TOKEN;                             \
        if (type == DT##_TYPE_LENGTH) c |= GW_CLS_LENGTH;                                                       \
        if (tag >= GW_CLS_TAGS) c |= GW_CLS_SPECIAL | GW_CLS_MEMBER;                                            \
        return c;                                                                                               \
    }                                                                                                           \
    static void cls_build_##d(uint8_t *t)                                                                       \
    {                                                                                                           \
        for (uint32_t tag = 0; tag < GW_CLS_TAGS; tag++) t[tag] = (uint8_t)cls_##d(tag);                        \
        for (int c = 0; c < DT##_CONTAINER_COUNT; c++) {                                                         \
            for (uint32_t k = gw_##d##_container_start[c]; k < gw_##d##_container_start[c + 1]; k++) {            \
                const uint32_t tag = gw_##d##_member_tag[k];                                                    \
                if (tag >= GW_CLS_TAGS) continue;                                                               \
                if (c >= DT##_FIRST_GROUP) t[tag] |= (uint8_t)GW_CLS_MEMBER;                                    \
                if (gw_##d##_member_group((int)k) >= 0) t[tag] |= (uint8_t)GW_CLS_SPECIAL;                      \
            }                                                                                                   \
        }                                                                                                       \
    }

GW_CLS_DEFINE(fix44, GW_FIX44)
GW_CLS_DEFINE(fix50sp2, GW_FIX50SP2)

static uint8_t g_cls_fix44[GW_CLS_TAGS];
static uint8_t g_cls_fix50sp2[GW_CLS_TAGS];

/*
 * Tag recognition by the tag's bytes: slot (h, h ^ 1) of a table keyed by the 1-4 digit bytes
 * (little-endian, the bytes after the tag masked off) holds the tag and its class byte. Built for
 * the dictionary's tags below GW_CLS_TAGS; a key that is not there (another tag, a collision, not
 * digits) falls back to the digit check and conversion (swar_tag4), so the table only saves work.
 */
#define GW_TAG_SLOTS 4096u
typedef struct gw_tag_slot {
    uint32_t key; /* 0: empty (a key has at least one digit byte) */
    uint16_t tag;
    uint8_t cls;
    uint8_t len; /* digits: "44" followed by a NUL byte has the key of "44" but length 3 */
} gw_tag_slot;

static inline uint32_t tag_slot(uint32_t key)
{
    return (key * 0x9E3779B1u) >> 20; /* 12 bits */
}

static void tags_build(gw_tag_slot *t, const uint8_t *cls, unsigned (*info)(uint32_t))
{
    for (uint32_t tag = 1; tag < GW_CLS_TAGS; tag++) {
        if (info(tag) == 0) continue; /* not in the dictionary */
        uint32_t key = 0;
        char digits[8];
        int nd = 0;
        for (uint32_t v = tag; v != 0; v /= 10u) digits[nd++] = (char)('0' + v % 10u);
        for (int i = 0; i < nd; i++) key |= (uint32_t)(uint8_t)digits[nd - 1 - i] << (8 * i);
        const uint32_t h = tag_slot(key);
        gw_tag_slot *slot = t[h].key == 0 ? &t[h] : t[h ^ 1u].key == 0 ? &t[h ^ 1u] : NULL;
        if (slot == NULL) continue; /* both taken: this tag takes the slower way */
        slot->key = key;
        slot->tag = (uint16_t)tag;
        slot->cls = cls[tag];
        slot->len = (uint8_t)nd;
    }
}

static unsigned info_fix44(uint32_t tag)
{
    return gw_fix44_field_info_of(tag);
}
static unsigned info_fix50sp2(uint32_t tag)
{
    return gw_fix50sp2_field_info_of(tag);
}

static gw_tag_slot g_tags_fix44[GW_TAG_SLOTS];
static gw_tag_slot g_tags_fix50sp2[GW_TAG_SLOTS];
/* 0 not built, 1 being built, 2 ready (release/acquire: the tables are read-only once 2). */
static atomic_int g_cls_state = 0;

static void cls_init_slow(void)
{
    int expected = 0;
    if (atomic_compare_exchange_strong_explicit(&g_cls_state, &expected, 1, memory_order_acq_rel,
                                                memory_order_acquire)) {
        cls_build_fix44(g_cls_fix44);
        cls_build_fix50sp2(g_cls_fix50sp2);
        tags_build(g_tags_fix44, g_cls_fix44, info_fix44);
        tags_build(g_tags_fix50sp2, g_cls_fix50sp2, info_fix50sp2);
        atomic_store_explicit(&g_cls_state, 2, memory_order_release);
        return;
    }
    /* Another thread builds them (a few microseconds, once per process). */
    while (atomic_load_explicit(&g_cls_state, memory_order_acquire) != 2) {
    }
}

static inline void cls_init(void)
{
    if (__builtin_expect(atomic_load_explicit(&g_cls_state, memory_order_acquire) != 2, 0)) cls_init_slow();
}

/* ---------------------------------------------------------------- the common field, fast */

/* tokens_fast's way for a key that is not in the tag table (out of line, results in the return value:
 * keeps the loop's registers): 0, or 1 << 63 | class << 32 | tag. */
__attribute__((noinline)) static uint64_t tag_by_digits(const uint8_t *p, uint32_t len, const uint8_t *cls)
{
    uint32_t tag;
    if (!swar_tag4(p, len, &tag) || tag >= GW_CLS_TAGS) return 0;
    return 1ull << 63 | (uint64_t)cls[tag] << 32 | tag;
}

/*
 * Pass 1 of the indexer for the common field, in a small loop with few live values: a tag of 1-4
 * digits (tag table, else swar_tag4) whose class has no GW_CLS_TOKEN bit, '=', a non-empty value
 * and the SOH, in the mask window c, which holds the whole message (c->base == 0, c->end == raw_len:
 * messages up to GW_WIN_BLOCKS * 64 bytes). A LENGTH field is remembered in *last_len. Writes
 * FixField entries from *n on (next = the following field) and returns the position of the first
 * field it does not take (the caller's general path takes that one, with the same result it would
 * have had here). Stops at raw_len and when *n reaches fit.
 *
 * The field ends are found by walking the SOH bits of the current block (clear the lowest, count
 * trailing zeros): the only chain from one field to the next is that bit walk, a couple of cycles;
 * the '=' look-up and the tag hang off it and overlap between fields.
 */
static uint32_t tokens_fast(const uint8_t *raw, const gw_cursor *c, const gw_tag_slot *tags, const uint8_t *cls,
                            uint32_t pos, uint32_t *n_io, uint32_t fit, uint8_t *out, uint32_t *last_len)
{
    uint32_t n = *n_io;
    uint8_t *f = out + GW_FIX_INDEX_HEADER_BYTES + (size_t)GW_FIX_FIELD_BYTES * n;
    uint32_t sb = pos >> 6; /* block of the SOH walk */
    uint64_t sm = pos < c->end ? c->soh[sb] & (~0ull << (pos & 63u)) : 0; /* SOH bits at or after pos */
    while (n < fit) {
        /* The field's SOH: the next SOH bit (blocks without one are skipped; none left: done, and
         * pos is then the end of the message or of its last field). */
        while (sm == 0) {
            if (++sb >= (c->end + 63u) >> 6) goto done;
            sm = c->soh[sb];
        }
        const uint32_t vend = (sb << 6) + (uint32_t)__builtin_ctzll(sm);
        /* '=': the first one from pos, in pos's block or the next (blocks up to used + 1 exist). */
        const uint32_t b = pos >> 6;
        uint64_t m = c->eq[b] >> (pos & 63u);
        uint32_t eq;
        if (__builtin_expect(m != 0, 1)) eq = pos + (uint32_t)__builtin_ctzll(m);
        else if ((m = c->eq[b + 1u]) != 0) eq = ((b + 1u) << 6) + (uint32_t)__builtin_ctzll(m);
        else break;
        /* A tag of 1-4 bytes, then '=' before the SOH and a non-empty value (which also makes
         * raw[pos..pos+4) readable: pos + 3 <= vend). */
        const uint32_t tl = eq - pos;
        if (tl - 1u >= 4u || eq + 1u >= vend) break;
        uint32_t w;
        memcpy(&w, raw + pos, 4);
        const uint32_t key = w & (0xFFFFFFFFu >> (32u - 8u * tl));
        const gw_tag_slot *t = &tags[tag_slot(key)];
        uint32_t tag, k;
        if (__builtin_expect(t->key == key && t->len == tl, 1)) {
            tag = t->tag;
            k = t->cls;
        } else if ((t = (const gw_tag_slot *)((uintptr_t)t ^ sizeof *t))->key == key && t->len == tl) {
            tag = t->tag; /* the other slot of the pair */
            k = t->cls;
        } else {
            const uint64_t r = tag_by_digits(raw + pos, tl, cls);
            if (r == 0) break;
            tag = (uint32_t)r;
            k = (uint32_t)(r >> 32) & 0xFFu;
        }
        if (__builtin_expect((k & (GW_CLS_TOKEN | GW_CLS_LENGTH)) != 0, 0)) {
            if (k & GW_CLS_TOKEN) break;
            *last_len = n;
        }
        n++;
        const uint32_t vstart = eq + 1u;
#if GW_FIX_LE
        const uint64_t lo = (uint64_t)tag | (uint64_t)vstart << 32;
        const uint64_t hi = (uint64_t)(vend - vstart) | (uint64_t)n << 32;
        memcpy(f, &lo, 8);
        memcpy(f + 8, &hi, 8);
#else
        put_field(out, n - 1u, tag, vstart, vend - vstart, n);
#endif
        f += GW_FIX_FIELD_BYTES;
        sm &= sm - 1u;
        pos = vend + 1u;
    }
done:
    *n_io = n;
    return pos;
}

/* ---------------------------------------------------------------- instantiations */

/* Groups with at most this many members are searched linearly (fix_index_impl.h). */
#define GW_IDX_LINEAR_MEMBERS 16u
/* Larger groups: members looked for after the hint before the hash. */
#define GW_IDX_FORWARD_MEMBERS 8u

#define GW_IDX_FN index_fix44
#define GW_D(name) gw_fix44_##name
#define GW_DT(name) GW_FIX44_##name
#define GW_IDX_CLS(tag) ((tag) < GW_CLS_TAGS ? (unsigned)g_cls_fix44[tag] : cls_fix44(tag))
#define GW_IDX_CLS_TABLE g_cls_fix44
#define GW_IDX_TAG_TABLE g_tags_fix44
#define GW_IDX_GROUPS 1
#include "fix_index_impl.h"
#undef GW_IDX_FN
#undef GW_D
#undef GW_DT
#undef GW_IDX_CLS
#undef GW_IDX_CLS_TABLE
#undef GW_IDX_TAG_TABLE
#undef GW_IDX_GROUPS

#define GW_IDX_FN index_fix50sp2
#define GW_D(name) gw_fix50sp2_##name
#define GW_DT(name) GW_FIX50SP2_##name
#define GW_IDX_CLS(tag) ((tag) < GW_CLS_TAGS ? (unsigned)g_cls_fix50sp2[tag] : cls_fix50sp2(tag))
#define GW_IDX_CLS_TABLE g_cls_fix50sp2
#define GW_IDX_TAG_TABLE g_tags_fix50sp2
#define GW_IDX_GROUPS 1
#include "fix_index_impl.h"
#undef GW_IDX_FN
#undef GW_D
#undef GW_DT
#undef GW_IDX_CLS
#undef GW_IDX_CLS_TABLE
#undef GW_IDX_TAG_TABLE
#undef GW_IDX_GROUPS

/* Unknown BeginString: flat; DATA/LENGTH pairs and types of FIX 4.4 (shared by all versions). */
#define GW_IDX_FN index_unknown
#define GW_D(name) gw_fix44_##name
#define GW_DT(name) GW_FIX44_##name
#define GW_IDX_CLS(tag) ((tag) < GW_CLS_TAGS ? (unsigned)g_cls_fix44[tag] : cls_fix44(tag))
#define GW_IDX_CLS_TABLE g_cls_fix44
#define GW_IDX_TAG_TABLE g_tags_fix44
#define GW_IDX_GROUPS 0
#include "fix_index_impl.h"
#undef GW_IDX_FN
#undef GW_D
#undef GW_DT
#undef GW_IDX_CLS
#undef GW_IDX_CLS_TABLE
#undef GW_IDX_TAG_TABLE
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
    cls_init();
    /* BeginString: "8=" value up to the first SOH. */
    /* FIX.4.2 has no dictionary in the reference data: FIX 4.4's tables (same header, trailer and
     * session messages) index it, and the header says Fix44. Same rule as src/fix/framer.ts. */
    if (raw_len >= 10 && (memcmp(raw, "8=FIX.4.4\x01", 10) == 0 || memcmp(raw, "8=FIX.4.2\x01", 10) == 0))
        return index_fix44(raw, raw_len, mf, out, out_cap, GW_FIX_DICT_FIX44);
    if (raw_len >= 11 && memcmp(raw, "8=FIXT.1.1\x01", 11) == 0)
        return index_fix50sp2(raw, raw_len, mf, out, out_cap, GW_FIX_DICT_FIXT11_FIX50SP2);
    return index_unknown(raw, raw_len, mf, out, out_cap, GW_FIX_DICT_UNKNOWN);
}
