/* FIX framer: message boundaries, BodyLength and CheckSum checks, re-synchronisation (fix_framer.h). */
#include "fix_framer.h"

#include <string.h>

#include "fix_scan.h"

#define SOH ((uint8_t)0x01)

void gw_fix_framer_init(gw_fix_framer *f, const gw_fix_limits *limits)
{
    memset(f, 0, sizeof *f);
    f->limits.max_message_bytes =
        limits != NULL && limits->max_message_bytes != 0 ? limits->max_message_bytes : GW_FIX_DEFAULT_MAX_MESSAGE_BYTES;
    f->limits.max_fields =
        limits != NULL && limits->max_fields != 0 ? limits->max_fields : (uint16_t)GW_FIX_DEFAULT_MAX_FIELDS;
}

/* Bytes to discard before the next possible message: the first i >= 1 where "8=FIX" starts, or
 * where a proper prefix of it runs to the end of buf; len when there is none. */
static size_t resync_length(const uint8_t *buf, size_t len)
{
    size_t i = 1;
    while (i < len) {
        const void *p = memchr(buf + i, '8', len - i);
        if (p == NULL) return len;
        i = (size_t)((const uint8_t *)p - buf);
        size_t k = len - i < 5 ? len - i : 5;
        if (memcmp(buf + i, "8=FIX", k) == 0) return i;
        i++;
    }
    return len;
}

static void finish(gw_fix_framer *f, gw_fix_frame_result *out, int kind, size_t length, uint8_t reason)
{
    out->kind = kind;
    out->length = (uint32_t)length;
    out->reason = reason;
    out->stream_offset = f->stream_offset;
    if (kind != GW_FIX_NEED_MORE) {
        f->stream_offset += length;
        f->total = 0;
        f->body_start = 0;
        f->msg_type_seen = 0;
    }
}

static void garbled(gw_fix_framer *f, const uint8_t *buf, size_t len, uint8_t reason, gw_fix_frame_result *out)
{
    finish(f, out, GW_FIX_GARBLED, resync_length(buf, len), reason);
}

/* QuickFIX's rule once the whole declared message is there but its trailer is wrong: the message ends
 * at the first "<SOH>10=...<SOH>" found from `from` (the byte before where "10=" should be) on, and that
 * span is discarded: a too-long BodyLength swallows the next message, a too-short one ends at the bad
 * message's own trailer. NEED_MORE until that trailer has arrived, at most max_message_bytes from the
 * start; past that, re-synchronise on "8=FIX" instead. */
static void garbled_trailer(gw_fix_framer *f, const uint8_t *buf, size_t len, size_t from, uint8_t reason,
                            gw_fix_frame_result *out)
{
    /* Only within max_message_bytes of the start, so the outcome never depends on how reads split. */
    const size_t lim = len < f->limits.max_message_bytes ? len : f->limits.max_message_bytes;
    for (size_t k = from; k + 3 < lim; k++) {
        if (buf[k] != SOH || buf[k + 1] != '1' || buf[k + 2] != '0' || buf[k + 3] != '=') continue;
        size_t end = k + 4;
        while (end < lim && buf[end] != SOH) end++;
        if (end == lim) break; /* the trailer has not fully arrived (or ends past the limit) */
        finish(f, out, GW_FIX_GARBLED, end + 1, reason);
        return;
    }
    if (len >= f->limits.max_message_bytes) {
        garbled(f, buf, len, reason, out);
        return;
    }
    finish(f, out, GW_FIX_NEED_MORE, 0, 0);
}

/* memcmp(a, b, k) == 0 for the few bytes of a field prefix (no library call on the hot path). */
static inline int prefix_eq(const uint8_t *a, const uint8_t *b, size_t k)
{
    for (size_t i = 0; i < k; i++)
        if (a[i] != b[i]) return 0;
    return 1;
}

static int is_digit(uint8_t c)
{
    return c >= (uint8_t)'0' && c <= (uint8_t)'9';
}

/*
 * "8=FIX<1-16 bytes><SOH>9=<1-9 digits><SOH>" at buf[0..32) (the caller has 32 bytes) with a total
 * within max_message_bytes: sets f->total and f->body_start and returns 1. Anything else returns 0
 * and the byte-by-byte parse below decides (it reaches the same result on this input). Word loads
 * instead of memchr and per-byte bounds checks.
 */
static int header_fast(gw_fix_framer *f, const uint8_t *buf)
{
    uint64_t w;
    memcpy(&w, buf, 8);
    if ((w & 0xFFFFFFFFFFull) != 0x5849463D38ull) return 0; /* "8=FIX", little-endian */
    /* First SOH in buf[5..21): the BeginString value ends within GW_FIX_MAX_BEGIN_STRING bytes. */
    size_t p = 0;
    for (size_t at = 5; at < 5u + 16u; at += 8u) {
        memcpy(&w, buf + at, 8);
        const uint64_t x = w ^ 0x0101010101010101ull;
        const uint64_t z = (x - 0x0101010101010101ull) & ~x & 0x8080808080808080ull;
        if (z != 0) {
            p = at + (size_t)(__builtin_ctzll(z) >> 3) + 1u;
            break;
        }
    }
    /* The slow path only looks for it in buf[5..19) (2 + GW_FIX_MAX_BEGIN_STRING + 1). */
    if (p == 0 || p > 2u + GW_FIX_MAX_BEGIN_STRING + 1u) return 0;
    if (buf[p] != '9' || buf[p + 1] != '=') return 0;
    size_t q = p + 2;
    uint64_t body_len = 0;
    while (is_digit(buf[q])) { /* p <= 19, so q < 31 for up to 9 digits */
        if (q - (p + 2) >= 9) return 0;
        body_len = body_len * 10u + (uint64_t)(buf[q] - (uint8_t)'0');
        q++;
    }
    if (buf[q] != SOH || q == p + 2) return 0;
    const uint64_t total = (uint64_t)(q + 1) + body_len + 7u;
    if (total > f->limits.max_message_bytes) return 0;
    f->total = (uint32_t)total;
    f->body_start = (uint32_t)(q + 1);
    return 1;
}

void gw_fix_framer_next(gw_fix_framer *f, const uint8_t *buf, size_t len, gw_fix_frame_result *out)
{
    if (len == 0) {
        finish(f, out, GW_FIX_NEED_MORE, 0, 0);
        return;
    }
    /* A length larger than 4 GiB cannot be reported; the caller never holds that much. */
    if (f->total == 0 && len >= 32u && header_fast(f, buf)) {
        /* 8=, 9= parsed from the first 32 bytes (the common case, same result as below). */
    } else if (f->total == 0) {
        size_t k = len < 5 ? len : 5;
        if (!prefix_eq(buf, (const uint8_t *)"8=FIX", k)) {
            garbled(f, buf, len, GW_FIX_GARBLED_BAD_BEGIN_STRING, out);
            return;
        }
        if (len < 5) {
            finish(f, out, GW_FIX_NEED_MORE, 0, 0);
            return;
        }
        /* BeginString value ends within GW_FIX_MAX_BEGIN_STRING bytes. */
        size_t limit = 2 + GW_FIX_MAX_BEGIN_STRING + 1;
        size_t scan_end = len < limit ? len : limit;
        const uint8_t *bs_soh = memchr(buf + 5, SOH, scan_end - 5);
        if (bs_soh == NULL) {
            if (len >= limit) garbled(f, buf, len, GW_FIX_GARBLED_BAD_BEGIN_STRING, out);
            else finish(f, out, GW_FIX_NEED_MORE, 0, 0);
            return;
        }
        size_t p = (size_t)(bs_soh - buf) + 1;
        /* 9=<1-9 digits><SOH> */
        static const uint8_t nine[2] = {'9', '='};
        size_t avail = len - p;
        if (!prefix_eq(buf + p, nine, avail < 2 ? avail : 2)) {
            garbled(f, buf, len, GW_FIX_GARBLED_BAD_BODY_LENGTH, out);
            return;
        }
        if (avail < 2) {
            finish(f, out, GW_FIX_NEED_MORE, 0, 0);
            return;
        }
        size_t q = p + 2;
        uint64_t body_len = 0;
        while (q < len && is_digit(buf[q])) {
            if (q - (p + 2) >= 9) {
                garbled(f, buf, len, GW_FIX_GARBLED_MESSAGE_TOO_LARGE, out);
                return;
            }
            body_len = body_len * 10u + (uint64_t)(buf[q] - (uint8_t)'0');
            q++;
        }
        if (q == len) {
            finish(f, out, GW_FIX_NEED_MORE, 0, 0);
            return;
        }
        if (buf[q] != SOH || q == p + 2) {
            garbled(f, buf, len, GW_FIX_GARBLED_BAD_BODY_LENGTH, out);
            return;
        }
        uint64_t total = (uint64_t)(q + 1) + body_len + 7u;
        if (total > f->limits.max_message_bytes) {
            garbled(f, buf, len, GW_FIX_GARBLED_MESSAGE_TOO_LARGE, out);
            return;
        }
        f->total = (uint32_t)total;
        f->body_start = (uint32_t)(q + 1);
    }
    const size_t total = f->total;
    const size_t bs = f->body_start;
    const size_t body_end = total - 7u;
    if (!f->msg_type_seen) {
        /* Third field must be 35=<non-empty>: needs at least "35=x<SOH>" in the body. */
        size_t avail = len > bs ? len - bs : 0;
        static const uint8_t mt[3] = {'3', '5', '='};
        if (body_end - bs < 5u || !prefix_eq(buf + bs, mt, avail < 3 ? avail : 3)) {
            garbled(f, buf, len, GW_FIX_GARBLED_MSG_TYPE_NOT_THIRD, out);
            return;
        }
        if (avail >= 3) f->msg_type_seen = 1;
    }
    if (len < total) {
        finish(f, out, GW_FIX_NEED_MORE, 0, 0);
        return;
    }
    /* MsgType: non-empty and ended by an SOH inside the body (a short scan: the value is short). */
    size_t mt_end = bs + 3;
    while (mt_end < body_end && buf[mt_end] != SOH) mt_end++;
    if (buf[bs + 3] == SOH || mt_end == body_end) {
        garbled(f, buf, len, GW_FIX_GARBLED_MSG_TYPE_NOT_THIRD, out);
        return;
    }
    if (buf[body_end] != '1' || buf[body_end + 1] != '0' || buf[body_end + 2] != '=' || buf[body_end - 1] != SOH) {
        garbled_trailer(f, buf, len, body_end - 1, GW_FIX_GARBLED_BODY_LENGTH_MISMATCH, out);
        return;
    }
    const uint8_t *cs = buf + body_end + 3;
    if (!is_digit(cs[0]) || !is_digit(cs[1]) || !is_digit(cs[2]) || cs[3] != SOH) {
        garbled_trailer(f, buf, len, body_end - 1, GW_FIX_GARBLED_BAD_CHECKSUM_FIELD, out);
        return;
    }
    uint32_t declared = (uint32_t)(cs[0] - '0') * 100u + (uint32_t)(cs[1] - '0') * 10u + (uint32_t)(cs[2] - '0');
    if ((gw_fix_byte_sum(buf, body_end) & 255u) != declared) {
        garbled_trailer(f, buf, len, body_end - 1, GW_FIX_GARBLED_CHECKSUM_MISMATCH, out);
        return;
    }
    finish(f, out, GW_FIX_MESSAGE, total, 0);
}
